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

/// A published folder's inputs through the whole publication (staged, then
/// swapped in): an input in its published form is copied (and checked as
/// it is read back), any other is projected, and `SHA256SUMS` names the
/// bytes in the folder either way.
#[test]
fn a_published_input_is_its_copy_or_else_its_projection() {
    use shuangsuiji::publish::{Attempt, project_input};
    let src = std::path::Path::new(PLAN).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let plan = dir.path().join("plan.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    // the sample's registry has a BOM and personal columns: its projection
    // is a registry in published form
    let mut registry = Vec::new();
    project_input(
        "entities",
        "entities.csv",
        &std::fs::read(dir.path().join("entities.csv")).unwrap()[..],
        shuangsuiji::model::Encoding::Auto,
        1 << 20,
        &mut registry,
    )
    .unwrap();
    let crlf = String::from_utf8(registry.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let out = dir.path().join("pub");
    let sha = |b: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    // a CRLF on the last line only: past the lines checked before the
    // copy, so copied, refused as it is read back, and projected into the
    // emptied file
    assert!(registry.len() > 100_000, "{} bytes", registry.len());
    let mut crlf_last = registry.clone();
    crlf_last.insert(registry.len() - 1, b'\r');
    // published form: the same bytes; CRLF line ends: refused before the
    // copy (the first lines), then projected
    for (bytes, copied) in [(&registry, true), (&crlf, false), (&crlf_last, false)] {
        std::fs::write(dir.path().join("entities.csv"), bytes).unwrap();
        let ds = Dataset::open(&plan).unwrap();
        let p = Publication::new()
            .with_inputs(&plan, &text, ds.plan())
            .unwrap()
            .with_sums();
        let attempt = Attempt::new(
            dir.path().join("journal.jsonl"),
            "commit",
            None,
            "2026-10-01T00:00:00Z",
        );
        attempt.publish(&out, &p, &[], true).unwrap();
        let published = std::fs::read(out.join("entities.csv")).unwrap();
        let mut projected = Vec::new();
        project_input(
            "entities",
            "entities.csv",
            &bytes[..],
            shuangsuiji::model::Encoding::Auto,
            1 << 20,
            &mut projected,
        )
        .unwrap();
        assert_eq!(published, projected, "copied: {copied}");
        assert_eq!(published == *bytes, copied);
        let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
        assert!(
            sums.contains(&format!("{}  entities.csv\n", sha(&published))),
            "{sums}"
        );
        // the folder reads back to the plan's digests
        let back = Dataset::open(out.join("plan.toml")).unwrap();
        assert_eq!(back.digests(), ds.digests());
    }
}
