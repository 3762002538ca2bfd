//! The front door gives the published bytes, and refuses what it must.

use shuangsuiji::{Dataset, DrawOptions, ErrorKind, Publication, Seed};

const PLAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/youyu-forestry/plan.toml"
);
const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/youyu-forestry.result.json"
);

#[test]
fn publication_bytes_are_the_published_result_file() {
    let ds = Dataset::open(PLAN).unwrap();
    let seed: Seed = "2026-Q4 424242".parse().unwrap();
    // eleven digits (about 36 bits): too weak for this draw, refused unless allowed
    let e = ds.draw(&seed, &ds.commit()).unwrap_err();
    match e.kind() {
        ErrorKind::WeakSeed { bits, required } => {
            assert_eq!(*bits, 36);
            assert!(*required >= 64);
        }
        other => panic!("expected WeakSeed, got {other:?}"),
    }
    let draw = ds
        .draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed())
        .unwrap();
    assert!(draw.weak_seed_allowed());
    let bytes = Publication::of_draw(&draw)
        .bytes("result.json")
        .unwrap()
        .unwrap();
    assert_eq!(bytes, std::fs::read(EXPECTED).unwrap());
}

#[test]
fn changed_inputs_are_refused_by_name() {
    let ds = Dataset::open(PLAN).unwrap();
    let mut commitment = ds.commit();
    commitment.digests.conflicts = "0".repeat(64);
    let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24"
        .parse()
        .unwrap();
    match ds.draw(&seed, &commitment).unwrap_err().kind() {
        ErrorKind::Differs { input, .. } => assert_eq!(input, "conflicts"),
        other => panic!("expected Differs, got {other:?}"),
    }
}
