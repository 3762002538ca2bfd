//! The bad-input corpus (tests/bad-input/): every case must exit 2 with the
//! exact messages in its `expected.stderr`, and must leave the folder as it
//! was (no file created or changed).
//!
//! Regenerate the cases with `python3 tests/bad-input/make_cases.py`; after
//! a deliberate change of messages, `SSJ_BLESS=1 cargo test --test bad_input`
//! rewrites `expected.stderr` (review the diff before committing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-input")
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_files(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "expected.stderr" {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// First differing line, for a readable failure.
fn diff(expected: &str, got: &str) -> String {
    for (i, (a, b)) in expected.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  expected: {a}\n  got:      {b}", i + 1);
        }
    }
    format!(
        "{} lines expected, {} lines got\n--- expected\n{expected}--- got\n{got}",
        expected.lines().count(),
        got.lines().count()
    )
}

#[test]
fn every_case_exits_2_with_its_exact_messages_and_writes_nothing() {
    let bless = std::env::var_os("SSJ_BLESS").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        copy_files(&corpus().join("_base"), dir.path());
        copy_files(case, dir.path());
        let before = snapshot(dir.path());
        let out = Command::new(env!("CARGO_BIN_EXE_ssj"))
            .current_dir(dir.path())
            .args(["check", "--plan", "plan.toml"])
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let expected_path = case.join("expected.stderr");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{name}: exit {:?}, not 2\n{stderr}",
                out.status.code()
            ));
        } else if stderr != expected {
            failures.push(format!("{name}: {}", diff(&expected, &stderr)));
        } else if !out.stdout.is_empty() {
            failures.push(format!("{name}: printed to stdout"));
        }
        if snapshot(dir.path()) != before {
            failures.push(format!("{name}: check created or changed files"));
        }
        // the same input refused by `ssj draw`: exit 2, the same messages,
        // no output folder; only the journal (kept outside) records it
        let journal = tempfile::NamedTempFile::new().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ssj"))
            .current_dir(dir.path())
            .args([
                "draw",
                "--plan",
                "plan.toml",
                "--out",
                "out",
                "--allow-weak-seed",
            ])
            .args(["--seed", "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24"])
            .arg("--journal")
            .arg(journal.path())
            .output()
            .unwrap();
        let draw_err = String::from_utf8(out.stderr).unwrap();
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{name}: draw exit {:?}, not 2\n{draw_err}",
                out.status.code()
            ));
        } else if !draw_err.starts_with(expected.lines().next().unwrap_or("?")) {
            failures.push(format!("{name}: draw said\n{draw_err}"));
        }
        if snapshot(dir.path()) != before {
            failures.push(format!("{name}: draw created or changed files"));
        }
        let journal_text = std::fs::read_to_string(journal.path()).unwrap();
        if !journal_text.contains("\"outcome\":\"invalid\"") {
            failures.push(format!("{name}: the refused draw is not in the journal"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
