//! The streaming path gives what the in-memory path gives, byte for byte:
//! results (1 and 2 threads, with and without committed digests, spilled or
//! not), digests, and every diagnostic of the bad-input corpus.

use std::collections::BTreeMap;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

use shuangsuiji::draw::{draw_streaming, draw_unchecked};
use shuangsuiji::load::{SpillFile, StreamStats, load_streaming};
use shuangsuiji::synthetic::{self, SynthSpec};
use shuangsuiji::{Dataset, ErrorKind, LoadOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// In-memory "files" by name.
type Files = BTreeMap<String, Vec<u8>>;

fn dir_files(dir: &Path) -> (String, Files) {
    let mut files = Files::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            files.insert(
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    // a plan that is not UTF-8 is the caller's error, not the loader's
    let plan = files
        .get("plan.toml")
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();
    (plan, files)
}

fn opener<'f>(files: &'f Files) -> impl FnMut(&str) -> io::Result<Box<dyn Read + 'f>> + 'f {
    move |name: &str| match files.get(name) {
        Some(b) => Ok(Box::new(Cursor::new(b.as_slice())) as Box<dyn Read + 'f>),
        None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
    }
}

fn cursor_store() -> io::Result<Box<dyn SpillFile>> {
    Ok(Box::new(Cursor::new(Vec::new())))
}

fn synth_files(spec: &SynthSpec) -> (String, Files) {
    let mut f = Files::new();
    let mut b = Vec::new();
    synthetic::write_items(spec, &mut b).unwrap();
    f.insert("items.csv".into(), std::mem::take(&mut b));
    synthetic::write_officers(spec, &mut b).unwrap();
    f.insert("officers.csv".into(), std::mem::take(&mut b));
    synthetic::write_entities(spec, &mut b).unwrap();
    f.insert("entities.csv".into(), std::mem::take(&mut b));
    synthetic::write_history(spec, &mut b).unwrap();
    f.insert("history.csv".into(), std::mem::take(&mut b));
    synthetic::write_conflicts(spec, &mut b).unwrap();
    f.insert("conflicts.csv".into(), b);
    (synthetic::plan_toml(spec), f)
}

/// Every streaming variant equals the in-memory draw; returns the stats of
/// the one-pass, two-thread, spilled run.
fn assert_same(plan: &str, files: &Files, seed: &str) -> StreamStats {
    let ds = Dataset::load("plan.toml", plan, opener(files)).unwrap_or_else(|e| panic!("{e}"));
    let want = draw_unchecked(&ds, seed).unwrap_or_else(|e| panic!("{e}"));
    let want = want.to_canonical_json();
    let store = cursor_store;
    let stats = StreamStats::default();
    for threads in [1, 2] {
        for spill in [false, true] {
            for expected in [None, Some(ds.digests())] {
                let st = StreamStats::default();
                let opts = LoadOptions {
                    threads,
                    spill: spill.then_some(&store as &dyn shuangsuiji::load::SpillStore),
                    stats: Some(if threads == 2 && spill && expected.is_some() {
                        &stats
                    } else {
                        &st
                    }),
                };
                let got = draw_streaming("plan.toml", plan, opener(files), seed, expected, opts)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(got.dataset.digests(), ds.digests());
                assert_eq!(got.dataset.registry_len(), ds.registry_len());
                assert!(got.dataset.entities().is_empty());
                // the history is held once during the draw and given back
                // in the dataset's order
                assert_eq!(got.dataset.history(), ds.history());
                assert_eq!(got.dataset.conflicts(), ds.conflicts());
                assert_eq!(got.dataset.warnings(), ds.warnings());
                assert_eq!(got.dataset.files(), ds.files());
                // written visit by visit from the compact list, and built
                // whole: the same bytes
                let mut written = Vec::new();
                got.write_canonical_json(&mut written).unwrap();
                assert!(got.head.visits.is_empty());
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    want,
                    "threads {threads}, spill {spill}, expected {}",
                    expected.is_some()
                );
                assert_eq!(got.into_result().to_canonical_json(), want);
                let opts = LoadOptions {
                    stats: None,
                    ..opts
                };
                let loaded = load_streaming("plan.toml", plan, opener(files), opts).unwrap();
                assert_eq!(loaded.digests(), ds.digests());
                assert_eq!(loaded.warnings(), ds.warnings());
                assert_eq!(loaded.files(), ds.files());
                assert_eq!(loaded.registry_len(), ds.entities().len() as u64);
            }
        }
    }
    stats
}

#[test]
fn sample_streams_to_the_same_result() {
    let (plan, files) = dir_files(&root().join("data/youyu-forestry"));
    let st = assert_same(&plan, &files, "38 17 05 92 64 11");
    assert_eq!(st.passes(), 1);
}

#[test]
fn vectors_stream_to_the_same_result() {
    let (plan, files) = dir_files(&root().join("tests/vectors/small"));
    let seed = String::from_utf8(files["seed.txt"].clone()).unwrap();
    assert_same(&plan, &files, seed.trim_end_matches('\n'));
    let expected = String::from_utf8(files["expected.json"].clone()).unwrap();
    let got = draw_streaming(
        "plan.toml",
        &plan,
        opener(&files),
        seed.trim_end_matches('\n'),
        None,
        LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(got.into_result().to_canonical_json(), expected.trim_end());
}

#[test]
fn synthetic_plan_one_and_two_threads_identical() {
    let spec = SynthSpec {
        entities: 8_000,
        seed: "stream".into(),
        items: 6,
    };
    let (plan, files) = synth_files(&spec);
    let st = assert_same(&plan, &files, "07 21 33");
    // one pass (small strata keep everything: see the large test)
    assert_eq!(st.passes(), 1);
    assert!(st.held() <= 8_000, "{}", st.held());
}

#[test]
fn overlap_next_and_binding_minimum_fall_back_to_another_pass() {
    let spec = SynthSpec {
        entities: 6_000,
        seed: "fallback".into(),
        items: 4,
    };
    let (plan, mut files) = synth_files(&spec);
    // one stratum per group, large enough for the threshold to bite
    let plan = plan.replace("stratify = \"region\"", "stratify = \"none\"");
    // overlap = next takes entities of earlier tasks out of later ones
    let next = plan.replace("overlap = \"joint\"", "overlap = \"next\"");
    assert_ne!(next, plan);
    // every item lists the same types so that later tasks lose candidates
    // to earlier ones; S-02 has a minimum far above its ratio
    let items = String::from_utf8(files["items.csv"].clone()).unwrap();
    let mut out = String::new();
    for (i, line) in items.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push_str(",min\n");
        } else {
            let min = if line.starts_with("S-02") { "450" } else { "" };
            out.push_str(&format!("{line},{min}\n"));
        }
    }
    files.insert("items.csv".into(), out.into_bytes());
    let st = assert_same(&next, &files, "min and next");
    assert!(st.passes() >= 2, "passes {}", st.passes());
    let st = assert_same(&plan, &files, "min and joint");
    assert!(st.passes() >= 2, "passes {}", st.passes());
}

#[test]
fn a_wrong_committed_digest_is_reported() {
    let (plan, files) = dir_files(&root().join("data/youyu-forestry"));
    let ds = Dataset::load("plan.toml", &plan, opener(&files)).unwrap();
    let mut wrong = ds.digests().clone();
    wrong.entities = "00".repeat(32);
    let err = draw_streaming(
        "plan.toml",
        &plan,
        opener(&files),
        "1 2 3",
        Some(&wrong),
        LoadOptions::default(),
    )
    .unwrap_err();
    match err.kind() {
        ErrorKind::Differs {
            input,
            expected,
            actual,
        } => {
            assert_eq!(input, "entities");
            assert_eq!(expected, &wrong.entities);
            assert_eq!(actual, &ds.digests().entities);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn duplicates_are_found_through_the_spill_with_the_same_messages() {
    let spec = SynthSpec {
        entities: 3000,
        seed: "dups".into(),
        items: 2,
    };
    let (plan, mut files) = synth_files(&spec);
    let text = String::from_utf8(files["entities.csv"].clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    // the same code three times, another twice, far apart
    out.push(lines[10].to_string());
    out.push(lines[2000].replace("有限公司", "分公司"));
    out.insert(500, lines[10].to_string());
    files.insert("entities.csv".into(), (out.join("\n") + "\n").into_bytes());
    let want = Dataset::load("plan.toml", &plan, opener(&files))
        .unwrap_err()
        .to_string();
    assert!(
        want.contains("duplicate unified social credit code"),
        "{want}"
    );
    assert_eq!(want.matches("duplicate").count(), 3, "{want}");
    let store = cursor_store;
    for threads in [1, 2] {
        for spill in [None, Some(&store as &dyn shuangsuiji::load::SpillStore)] {
            let opts = LoadOptions {
                threads,
                spill,
                stats: None,
            };
            let got = load_streaming("plan.toml", &plan, opener(&files), opts)
                .unwrap_err()
                .to_string();
            assert_eq!(got, want);
            let got = draw_streaming("plan.toml", &plan, opener(&files), "1", None, opts)
                .unwrap_err()
                .to_string();
            assert_eq!(got, want);
        }
    }
}

/// The digests of the bad-input corpus's base case.
fn base_digests() -> shuangsuiji::InputDigests {
    let (plan, files) = dir_files(&root().join("tests/bad-input/_base"));
    Dataset::load("plan.toml", &plan, opener(&files))
        .unwrap()
        .digests()
        .clone()
}

#[test]
fn every_bad_input_gives_the_same_diagnostics() {
    let corpus = root().join("tests/bad-input");
    let mut n = 0;
    for e in std::fs::read_dir(&corpus).unwrap() {
        let dir = e.unwrap().path();
        if !dir.is_dir() || dir.ends_with("_base") {
            continue;
        }
        n += 1;
        // each case overrides files of the base case
        let (_, mut files) = dir_files(&corpus.join("_base"));
        let (_, case) = dir_files(&dir);
        files.extend(case);
        let plan = String::from_utf8_lossy(&files["plan.toml"]).into_owned();
        let plan = plan.trim_start_matches('\u{feff}');
        let plan = &plan;
        let want = Dataset::load("plan.toml", plan, opener(&files)).map(|d| d.warnings().to_vec());
        for threads in [1, 2] {
            let opts = LoadOptions {
                threads,
                ..Default::default()
            };
            let got = load_streaming("plan.toml", plan, opener(&files), opts)
                .map(|s| s.warnings().to_vec());
            match (&want, &got) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", dir.display()),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "{}", dir.display())
                }
                _ => panic!("{}: {want:?} vs {got:?}", dir.display()),
            }
            let drawn = draw_streaming("plan.toml", plan, opener(&files), "1", None, opts);
            if let (Err(a), Err(b)) = (&want, &drawn) {
                assert_eq!(a.to_string(), b.to_string(), "{}", dir.display());
            }
            // one pass with (any) committed digests: the inputs are
            // checked before the digests are compared
            let committed = base_digests();
            let drawn = draw_streaming(
                "plan.toml",
                plan,
                opener(&files),
                "1",
                Some(&committed),
                opts,
            );
            if let Err(a) = &want {
                let b = drawn.expect_err("rejected inputs");
                assert_eq!(a.to_string(), b.to_string(), "{}", dir.display());
            }
        }
    }
    assert!(n >= 40, "{n} cases");
}

#[test]
fn a_large_registry_streams_without_being_held() {
    // 150,000 generated rows (10^7 and more in the benchmarks):
    // read through a generating reader, never a file or a buffer
    let spec = SynthSpec {
        entities: 150_000,
        seed: "large".into(),
        items: 1,
    };
    let (plan, files) = synth_files(&SynthSpec {
        entities: 0,
        ..spec.clone()
    });
    let mut open = |name: &str| -> io::Result<Box<dyn Read>> {
        if name == "entities.csv" {
            Ok(Box::new(synthetic::entities_reader(&spec)))
        } else {
            Ok(Box::new(Cursor::new(files[name].clone())))
        }
    };
    // history/conflicts of the 0-entity plan are empty: no references
    let store = cursor_store;
    let stats = StreamStats::default();
    let opts = LoadOptions {
        threads: 2,
        spill: Some(&store),
        stats: Some(&stats),
    };
    let result = draw_streaming("plan.toml", &plan, &mut open, "big", None, opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .head;
    let drawn: u64 = result.tasks.iter().map(|t| t.total).sum();
    assert!(drawn > 500, "{drawn}");
    // two passes (no committed digests); what is held is the candidates,
    // a small multiple of what is drawn, not the registry
    assert_eq!(stats.passes(), 2);
    assert_eq!(result.tasks[0].exclusions.registry, 150_000);
    assert!(stats.held() < 6 * drawn + 40_000, "held {}", stats.held());
    assert!(stats.held() < 150_000 / 4, "held {}", stats.held());
}

#[test]
fn canonical_json_built_by_members_equals_the_whole_tree() {
    let (plan, files) = dir_files(&root().join("data/youyu-forestry"));
    let ds = Dataset::load("plan.toml", &plan, opener(&files)).unwrap();
    let r = draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
    assert_eq!(
        r.to_canonical_json(),
        shuangsuiji::commit::digest::canonical_json(&r)
    );
}

/// A registry of another id scheme (SPEC.md §1.8) streams to the same
/// result and digests as it loads whole, and its duplicates (codes of any
/// length, CJK included) are found through the spill with the same
/// messages.
#[test]
fn a_registry_of_grid_cells_streams_and_finds_duplicates() {
    let (plan, files) = dir_files(&root().join("tests/vectors/units"));
    let seed = String::from_utf8(files["seed.txt"].clone()).unwrap();
    assert_same(&plan, &files, seed.trim_end_matches('\n'));
    let expected = String::from_utf8(files["expected.json"].clone()).unwrap();
    let got = draw_streaming(
        "plan.toml",
        &plan,
        opener(&files),
        seed.trim_end_matches('\n'),
        None,
        LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(got.into_result().to_canonical_json(), expected.trim_end());

    // without a pattern, a long CJK code and a short one, each twice
    let plan = plan.replace("pattern = \"wg-####-?#\"\n", "");
    let mut files = files;
    let text = String::from_utf8(files["entities.csv"].clone()).unwrap();
    let long = format!("东城{}", "网格".repeat(30));
    let text = format!(
        "{text}{long},甲,城区网格,东城街道,,,\nG1,乙,城区网格,东城街道,,,\n{long},丙,城区网格,东城街道,,,\ng1,丁,城区网格,东城街道,,,\n"
    );
    files.insert("entities.csv".into(), text.into_bytes());
    let want = Dataset::load("plan.toml", &plan, opener(&files))
        .unwrap_err()
        .to_string();
    assert_eq!(want.matches("duplicate grid id").count(), 2, "{want}");
    let store = cursor_store;
    for threads in [1, 2] {
        for spill in [None, Some(&store as &dyn shuangsuiji::load::SpillStore)] {
            let opts = LoadOptions {
                threads,
                spill,
                stats: None,
            };
            let got = load_streaming("plan.toml", &plan, opener(&files), opts)
                .unwrap_err()
                .to_string();
            assert_eq!(got, want);
        }
    }
}
