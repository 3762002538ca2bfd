//! Fuzzed registry and seed on the small base plan: if the inputs load, the
//! draw either succeeds with a result that keeps the rules, or reports
//! infeasibility; it never panics, and it is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shuangsuiji::ErrorKind;
use shuangsuiji::draw::draw_unchecked;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else { return };
    let (seed, entities) = (&data[..split], &data[split + 1..]);
    let Ok(seed) = std::str::from_utf8(seed) else { return };
    let Ok(ds) = common::load_with(common::PLAN, 2, entities) else { return };
    match draw_unchecked(&ds, seed) {
        Ok(r) => {
            for v in &r.visits {
                for t in &v.teams {
                    assert_eq!(t.officers.len(), ds.plan().rules.team_size as usize);
                }
            }
            let again = draw_unchecked(&ds, seed).expect("deterministic");
            assert_eq!(r.to_canonical_json(), again.to_canonical_json());
        }
        Err(e) => assert!(matches!(
            e.kind(),
            ErrorKind::Infeasible(_) | ErrorKind::Input { .. }
        )),
    }
});
