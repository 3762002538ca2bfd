//! The sample plan: draw, determinism, golden file.

use std::io::Read;

use shuangsuiji::Dataset;
use shuangsuiji::draw::draw_unchecked;

/// The seed of the golden sample result.
const SEED: &str = "2026-Q4 424242";

fn sample() -> Dataset {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

#[test]
fn sample_draws() {
    let ds = sample();
    let t = std::time::Instant::now();
    let r = draw_unchecked(&ds, SEED).unwrap();
    let el = t.elapsed();
    let json = r.to_canonical_json();
    if std::env::var_os("SSJ_DUMP").is_some() {
        std::fs::write("/tmp/sample_result.json", &json).unwrap();
        std::fs::write("/tmp/sample_time.txt", format!("{el:?}")).unwrap();
    }
    assert_eq!(json, draw_unchecked(&ds, SEED).unwrap().to_canonical_json());
    let spaced = draw_unchecked(&ds, " 2026-Q4\u{3000} ４２４２４２ ").unwrap();
    assert_eq!(spaced.seed.normalized, r.seed.normalized);
    assert_eq!(spaced.visits, r.visits);
    let back = shuangsuiji::DrawResult::from_json(&json).unwrap();
    assert_eq!(back, r);
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/youyu-forestry.result.json"
    );
    if std::env::var_os("SSJ_BLESS").is_some() {
        std::fs::write(golden, format!("{json}\n")).unwrap();
    }
    let want = std::fs::read_to_string(golden).unwrap();
    assert_eq!(json, want.trim_end(), "sample result differs from {golden}");
}
