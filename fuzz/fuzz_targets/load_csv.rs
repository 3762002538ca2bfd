//! Any bytes as any one CSV input: loading returns a value or diagnostics,
//! never panics, and every diagnostic has a position naming a file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let which = usize::from(sel % 5);
    match common::load_with(common::PLAN, which, rest) {
        Ok(ds) => {
            // a loaded dataset always has digests and sorted, unique ids
            assert_eq!(ds.digests().entities.len(), 64);
            assert!(ds.entities().windows(2).all(|w| w[0].uscc < w[1].uscc));
        }
        Err(e) => {
            let d = e.diagnostics().expect("input errors only");
            assert!(d.has_errors());
            assert!(d.iter().all(|x| !x.position.file.is_empty()));
        }
    }
});
