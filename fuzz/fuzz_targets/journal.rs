//! Any bytes as a journal: `ssj journal verify` reports a break with a
//! 1-based line, or a chain whose every entry re-hashes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shuangsuiji::journal::verify_journal;

fuzz_target!(|data: &[u8]| {
    match verify_journal(data) {
        Ok(report) => {
            let _ = report.head();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
