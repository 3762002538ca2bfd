//! Any text as the plan: an error with a position, or a dataset.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match common::load_with(text, usize::MAX, b"") {
        Ok(ds) => assert!(ds.plan().rules.team_size >= 2),
        Err(e) => {
            let d = e.diagnostics().expect("input errors only");
            assert!(d.has_errors());
        }
    }
});
