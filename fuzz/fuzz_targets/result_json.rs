//! Any bytes as `result.json` read by `ssj verify`: parsing fails cleanly,
//! or the comparison with the real draw of the base plan runs and reports
//! every difference; it never panics, and a result equal to the real one
//! (up to the informative engine version) is the only match.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use shuangsuiji::DrawResult;
use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::verify::compare_results;

#[path = "common.rs"]
mod common;

fn real() -> &'static DrawResult {
    static R: OnceLock<DrawResult> = OnceLock::new();
    R.get_or_init(|| {
        let ds = common::load_with(common::PLAN, usize::MAX, b"").expect("base plan loads");
        draw_unchecked(&ds, "fuzz seed 0001").expect("base plan draws")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(published) = DrawResult::from_json(text) else { return };
    let c = compare_results(&published, real());
    let mut same = published.clone();
    same.engine_version = real().engine_version.clone();
    assert_eq!(c.is_match(), same == *real());
});
