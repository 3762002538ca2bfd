//! Any bytes as `commitment.json`: parsing fails cleanly, or checking the
//! base dataset and a real result against it runs without panicking, and
//! only the real commitment (canonical JSON) checks out clean.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shuangsuiji::{Commitment, Dataset, DrawResult};
use shuangsuiji::draw::draw_unchecked;

#[path = "common.rs"]
mod common;

fn base() -> &'static (Dataset, DrawResult, Commitment) {
    static B: OnceLock<(Dataset, DrawResult, Commitment)> = OnceLock::new();
    B.get_or_init(|| {
        let ds = common::load_with(common::PLAN, usize::MAX, b"").expect("base plan loads");
        let r = draw_unchecked(&ds, "fuzz seed 0001").expect("base plan draws");
        let c = Commitment::new(&ds);
        (ds, r, c)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(c) = Commitment::from_json(text) else { return };
    let (ds, r, real) = base();
    let clean = c.diff(ds).is_empty() && c.check_result(r).is_empty();
    if clean {
        // whatever parsed clean must mean the same commitment
        assert_eq!(c.to_canonical_json(), real.to_canonical_json());
    }
});
