//! Races and hostile surroundings of the journal and the output folder
//! (issue 13): concurrent attempts are serialised by operating-system locks,
//! every attempt is journaled exactly once with its real outcome, and a torn
//! journal line never stops the next attempt from being recorded. Loops are
//! bounded; nothing depends on timing to pass.

use std::path::Path;
use std::process::{Command, Output};

const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";

fn sample() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/youyu-forestry");
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    tmp
}

fn draw(dir: &Path, out: &str, journal: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ssj"))
        .current_dir(dir)
        .args(["draw", "--plan", "plan.toml", "--seed", SEED, "--out", out])
        .args(["--journal", journal, "-q"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn journal_lines(dir: &Path, journal: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(journal))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn journal_verifies(dir: &Path, journal: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssj"))
        .current_dir(dir)
        .args(["journal", "verify", journal])
        .output()
        .unwrap()
}

#[test]
fn two_draws_on_one_fresh_folder_give_one_result_and_one_refusal() {
    for round in 0..3 {
        let dir = sample();
        let a = draw(dir.path(), "pub", "journal.jsonl");
        let b = draw(dir.path(), "pub", "journal.jsonl");
        let codes: Vec<Option<i32>> = [a, b]
            .into_iter()
            .map(|c| c.wait_with_output().unwrap().status.code())
            .collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(sorted, [Some(0), Some(2)], "round {round}: {codes:?}");
        let lines = journal_lines(dir.path(), "journal.jsonl");
        assert_eq!(lines.len(), 2, "round {round}: {lines:?}");
        let ok = lines
            .iter()
            .filter(|l| l.contains("\"outcome\":\"ok\""))
            .count();
        assert_eq!(ok, 1, "round {round}: one ok entry");
        assert!(
            journal_verifies(dir.path(), "journal.jsonl")
                .status
                .success()
        );
        // no staging folder is left next to the output
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("ssj-staging"))
            .collect();
        assert!(left.is_empty(), "round {round}: left {left:?}");
    }
}

#[test]
fn sixteen_concurrent_attempts_leave_sixteen_chained_lines() {
    let dir = sample();
    // each attempt publishes into a folder of its own; all share the journal
    let children: Vec<_> = (0..16)
        .map(|i| draw(dir.path(), &format!("pub{i}"), "journal.jsonl"))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lines = journal_lines(dir.path(), "journal.jsonl");
    assert_eq!(lines.len(), 16);
    let v = journal_verifies(dir.path(), "journal.jsonl");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
}

#[test]
fn a_refused_output_folder_is_journaled_invalid_never_ok() {
    let dir = sample();
    // --out names a file: nothing can be published there
    std::fs::write(dir.path().join("afile"), b"x").unwrap();
    let out = draw(dir.path(), "afile", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // --out holds a folder of its own: the swap would be wrong
    std::fs::create_dir_all(dir.path().join("busy/sub")).unwrap();
    let out = draw(dir.path(), "busy", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // --out is a symbolic link
    std::fs::create_dir(dir.path().join("target")).unwrap();
    std::os::unix::fs::symlink("target", dir.path().join("link")).unwrap();
    let out = draw(dir.path(), "link", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    let lines = journal_lines(dir.path(), "journal.jsonl");
    assert_eq!(lines.len(), 3, "{lines:?}");
    for l in &lines {
        assert!(l.contains("\"outcome\":\"invalid\""), "{l}");
        assert!(l.contains("\"output\":null"), "{l}");
    }
    assert!(
        std::fs::read_dir(dir.path().join("target"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[test]
fn a_torn_journal_line_is_moved_aside_and_the_attempt_recorded() {
    let dir = sample();
    let first = draw(dir.path(), "pub1", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert!(first.status.success());
    // a crash or a full disk cut the next line short
    let mut text = std::fs::read(dir.path().join("journal.jsonl")).unwrap();
    let torn = b"{\"command\":\"draw\",\"seq\":2,\"ti";
    text.extend_from_slice(torn);
    std::fs::write(dir.path().join("journal.jsonl"), &text).unwrap();
    let v = journal_verifies(dir.path(), "journal.jsonl");
    assert_eq!(v.status.code(), Some(1));
    let said =
        String::from_utf8_lossy(&v.stdout).into_owned() + &String::from_utf8_lossy(&v.stderr);
    assert!(said.contains("torn"), "{said}");
    assert!(said.contains("ssj journal repair"), "{said}");
    let second = draw(dir.path(), "pub2", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let lines = journal_lines(dir.path(), "journal.jsonl");
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains("torn last line"), "{}", lines[1]);
    assert!(
        journal_verifies(dir.path(), "journal.jsonl")
            .status
            .success()
    );
    let aside = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("journal.jsonl.torn-"))
        .expect("the torn bytes are kept");
    assert_eq!(std::fs::read(dir.path().join(aside)).unwrap(), torn);
}

#[test]
fn a_fifo_as_journal_is_refused_at_once() {
    let dir = sample();
    let fifo = dir.path().join("journal.fifo");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let mut child = draw(dir.path(), "pub", "journal.fifo");
    // bounded wait: a blocked open would never return
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("ssj draw blocked on a FIFO journal");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
}

#[test]
fn journal_repair_moves_a_torn_line_aside() {
    let dir = sample();
    let path = dir.path().join("journal.jsonl");
    assert!(
        draw(dir.path(), "pub", "journal.jsonl")
            .wait_with_output()
            .unwrap()
            .status
            .success()
    );
    let mut text = std::fs::read(&path).unwrap();
    let whole = text.clone();
    text.extend_from_slice(b"{\"seq\":2");
    std::fs::write(&path, &text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ssj"))
        .args(["journal", "repair"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("moved aside"));
    assert_eq!(std::fs::read(&path).unwrap(), whole);
    assert!(
        journal_verifies(dir.path(), "journal.jsonl")
            .status
            .success()
    );
}

#[test]
fn a_huge_journal_without_line_feeds_is_refused_without_being_read() {
    let dir = sample();
    // a 2 GiB sparse file: no entry, no line feed
    let f = std::fs::File::create(dir.path().join("journal.jsonl")).unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    let out = draw(dir.path(), "pub", "journal.jsonl")
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("longer than 1048576 bytes"), "{err}");
    assert!(err.contains("nothing was published"), "{err}");
    assert!(!dir.path().join("pub").exists());
}
