//! Tamper evidence: every one-byte change to a published `result.json` or
//! `commitment.json` either makes it unreadable (verify exits 2), or is
//! reported as a difference (exit 1), or leaves its meaning unchanged (the
//! parsed value is identical, up to the informative engine version).

use std::io::Read;
use std::path::Path;

use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::verify::compare_results;
use shuangsuiji::{Commitment, Dataset, DrawResult};

fn vector(name: &str) -> (Dataset, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    let plan = std::fs::read_to_string(dir.join("plan.toml")).unwrap();
    let ds = Dataset::load("plan.toml", &plan, |n| {
        Ok(Box::new(std::fs::File::open(dir.join(n))?) as Box<dyn Read>)
    })
    .unwrap();
    let seed = std::fs::read_to_string(dir.join("seed.txt")).unwrap();
    (ds, seed.trim_end_matches('\n').to_string())
}

/// The one-byte variants tried at each position: a flipped low bit, a
/// different digit or hex digit, and a different letter.
fn variants(b: u8) -> Vec<u8> {
    let mut v = vec![b ^ 1];
    for c in [b'0', b'7', b'a', b'Z', b'"', b',', b'}'] {
        if c != b && c != (b ^ 1) {
            v.push(c);
        }
    }
    v
}

#[derive(Default, Debug)]
struct Tally {
    tried: u64,
    unreadable: u64,
    caught: u64,
    same_meaning: u64,
}

#[test]
fn every_one_byte_change_to_a_result_is_caught_or_harmless() {
    let mut total = Tally::default();
    for name in ["small", "edge-repair"] {
        let (ds, seed) = vector(name);
        let real = draw_unchecked(&ds, &seed).unwrap();
        let text = real.to_canonical_json() + "\n";
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            for v in variants(bytes[i]) {
                let mut m = bytes.to_vec();
                m[i] = v;
                total.tried += 1;
                let Ok(s) = std::str::from_utf8(&m) else {
                    total.unreadable += 1;
                    continue;
                };
                let Ok(published) = DrawResult::from_json(s) else {
                    total.unreadable += 1;
                    continue;
                };
                let cmp = compare_results(&published, &real);
                let mut same = published.clone();
                same.engine_version = real.engine_version.clone();
                if cmp.is_match() {
                    assert_eq!(
                        same, real,
                        "{name}: byte {i} changed to {v:#04x} went unnoticed"
                    );
                    total.same_meaning += 1;
                } else {
                    assert_ne!(same, real, "{name}: byte {i}: a false alarm");
                    total.caught += 1;
                }
            }
        }
    }
    assert!(total.caught > 10_000, "{total:?}");
    // only the informative engine version ("0.1.0", 5 bytes, 8 variants,
    // 2 vectors) may change unnoticed
    assert!(total.same_meaning <= 80, "{total:?}");
}

#[test]
fn every_one_byte_change_to_a_commitment_is_caught_or_harmless() {
    let (ds, seed) = vector("small");
    let real = Commitment::new(&ds);
    let result = draw_unchecked(&ds, &seed).unwrap();
    assert!(real.diff(&ds).is_empty() && real.check_result(&result).is_empty());
    let text = real.to_canonical_json() + "\n";
    let bytes = text.as_bytes();
    let mut t = Tally::default();
    for i in 0..bytes.len() {
        for v in variants(bytes[i]) {
            let mut m = bytes.to_vec();
            m[i] = v;
            t.tried += 1;
            let parsed = std::str::from_utf8(&m)
                .ok()
                .and_then(|s| Commitment::from_json(s).ok());
            let Some(c) = parsed else {
                t.unreadable += 1;
                continue;
            };
            if c.diff(&ds).is_empty() && c.check_result(&result).is_empty() {
                assert_eq!(
                    c.to_canonical_json(),
                    real.to_canonical_json(),
                    "byte {i} changed to {v:#04x} went unnoticed"
                );
                t.same_meaning += 1;
            } else {
                t.caught += 1;
            }
        }
    }
    assert!(t.caught > 1_000, "{t:?}");
    assert_eq!(t.same_meaning, 0, "{t:?}");
}
