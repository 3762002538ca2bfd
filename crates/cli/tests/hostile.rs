//! Hostile surroundings (TESTING.md "Hostile surroundings: the rules"):
//! files that are not regular files, oversized JSON, inputs outside the
//! plan's folder, control characters on the terminal and in the seed.
//!
//! Every command here runs under a deadline: a command that blocks (on a
//! FIFO, say) is killed and the test fails instead of hanging.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";
const EPOCH: &str = "1791511200";
/// An entity the sample draw with SEED selects.
const DRAWN: &str = "91140623MA0B3TFJ3P";

struct Run {
    code: i32,
    out: String,
    err: String,
}

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let sample = dir.path().join("sample");
        std::fs::create_dir(&sample).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for e in std::fs::read_dir(repo.join("data/youyu-forestry")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), sample.join(e.file_name())).unwrap();
        }
        Work { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    fn fifo(&self, rel: &str) {
        let st = Command::new("mkfifo").arg(self.path(rel)).status().unwrap();
        assert!(st.success());
    }

    /// Run ssj; kill it and fail if it takes more than 60 s.
    fn ssj(&self, args: &[&str]) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ssj"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // drain the pipes while waiting, so a large output never blocks
        let mut so = child.stdout.take().unwrap();
        let mut se = child.stderr.take().unwrap();
        let out_t = std::thread::spawn(move || {
            let mut s = String::new();
            so.read_to_string(&mut s).unwrap();
            s
        });
        let err_t = std::thread::spawn(move || {
            let mut s = String::new();
            se.read_to_string(&mut s).unwrap();
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("ssj {args:?} blocked for 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = out_t.join().unwrap();
        let err = err_t.join().unwrap();
        Run {
            code: status.code().unwrap(),
            out,
            err,
        }
    }

    /// commit, then draw with the commitment into `pub/`.
    fn drawn(&self) {
        let r = self.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
        assert_eq!(r.code, 0, "{}", r.err);
        let r = self.ssj(&[
            "draw",
            "--plan",
            "sample/plan.toml",
            "--seed",
            SEED,
            "--commitment",
            "pub/commitment.json",
            "--out",
            "pub",
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
    }
}

/// Neither raw control characters (but line break and tab) nor bidi
/// controls in what was printed. A line break is LF or CRLF (the CSV
/// notices end their lines with CRLF; a CR directly before an LF cannot
/// overwrite what was printed, a lone CR can and is refused).
fn assert_clean(s: &str, what: &str) {
    for (i, c) in s.char_indices() {
        if c == '\r' && s[i + 1..].starts_with('\n') {
            continue;
        }
        let bad = matches!(c as u32,
            0x00..=0x08 | 0x0B..=0x1F | 0x7F..=0x9F
            | 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069);
        assert!(!bad, "{what}: U+{:04X} printed raw:\n{s}", c as u32);
    }
}

#[test]
fn fifos_devices_and_folders_are_refused_at_once() {
    let w = Work::new();
    w.drawn();
    w.fifo("fifo");
    w.fifo("sample/fifo.csv");
    // a FIFO as an input of the plan, and as the plan
    w.write(
        "sample/plan.toml",
        &w.read("sample/plan.toml")
            .replace("\"conflicts.csv\"", "\"fifo.csv\""),
    );
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err.contains(
            "cannot open conflicts file 'fifo.csv': it is a FIFO (named pipe), not a regular file"
        ),
        "{}",
        r.err
    );
    let r = w.ssj(&["check", "--plan", "fifo"]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("fifo: error: cannot read the plan: it is a FIFO (named pipe)"),
        "{}",
        r.err
    );
    // the JSON files of verify, explain, disclose and the journal
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "verify",
                "--plan",
                "pub/../sample/plan.toml",
                "--result",
                "fifo",
            ],
            "fifo: cannot read: it is a FIFO (named pipe), not a regular file",
        ),
        (
            &[
                "verify",
                "--plan",
                "sample/plan.toml",
                "--result",
                "pub/result.json",
                "--commitment",
                "fifo",
            ],
            "fifo: cannot read: it is a FIFO (named pipe), not a regular file",
        ),
        (
            &[
                "verify",
                "--plan",
                "sample/plan.toml",
                "--result",
                "/dev/zero",
            ],
            "/dev/zero: cannot read: it is a device, not a regular file",
        ),
        (
            &["verify", "--plan", "sample/plan.toml", "--result", "pub"],
            "pub: cannot read: it is a directory, not a regular file",
        ),
        (
            &[
                "explain",
                "--plan",
                "sample/plan.toml",
                "--result",
                "fifo",
                "--entity",
                DRAWN,
            ],
            "fifo: cannot read: it is a FIFO",
        ),
        (
            &["disclose", "--result", "fifo"],
            "fifo: cannot read: it is a FIFO",
        ),
        (
            &["journal", "verify", "fifo"],
            "fifo: cannot read: it is a FIFO",
        ),
    ];
    for (args, want) in cases {
        let r = w.ssj(args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.out, r.err);
        assert!(r.err.contains(want), "{args:?}: {}", r.err);
    }
}

/// Sparse files (no disk used): every JSON input is refused by its size
/// before it is read, or at its first byte that cannot start it.
#[test]
fn oversized_json_is_refused_before_it_is_read() {
    let w = Work::new();
    w.drawn();
    let sparse = |rel: &str, len: u64| {
        let f = std::fs::File::create(w.path(rel)).unwrap();
        f.set_len(len).unwrap();
    };
    sparse("big-commitment.json", (1 << 20) + 1);
    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--commitment",
        "big-commitment.json",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert_eq!(
        r.err,
        "ssj: big-commitment.json: cannot read: it is 1048577 bytes, more than the 1048576 read at most\n"
    );
    // a result over the limit (lowered for the test) …
    sparse("big-result.json", 4096);
    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "big-result.json",
        "--max-json-bytes",
        "4095",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("big-result.json: cannot read: it is 4096 bytes, more than the 4095 read at most (--max-json-bytes raises the limit)"),
        "{}",
        r.err
    );
    // … and under it, refused at its first byte, not read whole
    sparse("zeros.json", 256 << 20);
    for cmd in [
        &[
            "verify",
            "--plan",
            "sample/plan.toml",
            "--result",
            "zeros.json",
        ][..],
        &["disclose", "--result", "zeros.json"][..],
    ] {
        let r = w.ssj(cmd);
        assert_eq!(r.code, 2, "{}", r.err);
        assert!(
            r.err.starts_with("ssj: zeros.json:1:1: not a draw result"),
            "{}",
            r.err
        );
    }
    // a journal line over 1 MiB: read past, never held; with no line end
    // it is a torn tail (a crash), with one a line too long to be an entry
    sparse("journal.jsonl", 2 << 20);
    let r = w.ssj(&["journal", "verify", "journal.jsonl"]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out.contains("the last line (2097152 bytes) is torn"),
        "{}",
        r.out
    );
    w.write("journal.jsonl", &format!("{}\n", "x".repeat(2 << 20)));
    let r = w.ssj(&["journal", "verify", "journal.jsonl"]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("the line is longer than 1048576 bytes, the most a journal line may be"),
        "{}",
        r.out
    );
}

#[test]
fn inputs_stay_in_the_plans_folder_unless_the_plan_allows_otherwise() {
    let w = Work::new();
    std::fs::rename(w.path("sample/conflicts.csv"), w.path("conflicts.csv")).unwrap();
    // a symbolic link in the folder to a file outside it
    std::os::unix::fs::symlink("../conflicts.csv", w.path("sample/conflicts.csv")).unwrap();
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err.contains("cannot open conflicts file 'conflicts.csv': it is a symbolic link to a file outside the plan's folder; inputs must be in the plan's folder (set [inputs] allow_outside = true in the plan to allow it)"),
        "{}",
        r.err
    );
    let digest_before = {
        std::fs::remove_file(w.path("sample/conflicts.csv")).unwrap();
        std::fs::copy(w.path("conflicts.csv"), w.path("sample/conflicts.csv")).unwrap();
        let r = w.ssj(&["check", "--plan", "sample/plan.toml", "--json"]);
        assert_eq!(r.code, 0, "{}", r.err);
        let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        v["digests"].clone()
    };
    // allowed by the plan: the link, or the file named by a '..' path,
    // is read, and the plan digest does not change
    let plan = w.read("sample/plan.toml").replace(
        "conflicts = \"conflicts.csv\"",
        "conflicts = \"../conflicts.csv\"\nallow_outside = true",
    );
    w.write("sample/plan.toml", &plan);
    let r = w.ssj(&["check", "--plan", "sample/plan.toml", "--json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["digests"], digest_before);
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let w = Work::new();
    // an entity name with an OSC title change, a bell, a screen clear and
    // a bidi override
    let hostile = "恶意\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202E}公司";
    let entities = w.read("sample/entities.csv").replace(
        "右玉县银杏通信工程有限公司,91140623MA0B3TFJ3P",
        &format!("{hostile},91140623MA0B3TFJ3P"),
    );
    w.write("sample/entities.csv", &entities);
    w.drawn();
    let r = w.ssj(&[
        "explain",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--entity",
        DRAWN,
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_clean(&r.out, "explain");
    assert!(
        r.out
            .contains("恶意<U+001B>]0;pwned<U+0007><U+001B>[2J<U+202E>公司"),
        "{}",
        r.out
    );
    // as JSON: escaped, the same value
    let r = w.ssj(&[
        "explain",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--entity",
        DRAWN,
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_clean(&r.out, "explain --json");
    assert!(r.out.contains("\\u001b]0;pwned\\u0007"), "{}", r.out);
    assert!(r.out.contains("\\u202e"), "{}", r.out);
    let v: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let escaped = serde_json::to_string(hostile).unwrap();
    assert!(v.to_string().contains(escaped.trim_matches('"')));
    // disclose to stdout
    for format in ["md", "html", "csv", "json"] {
        let r = w.ssj(&[
            "disclose",
            "--result",
            "pub/result.json",
            "--format",
            format,
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        assert_clean(&r.out, format);
    }
}

#[test]
fn a_seed_with_control_characters_is_refused_and_listed_safely() {
    let w = Work::new();
    let seed = format!("{SEED}\u{1b}]52;c;cm0gLXJmIH4=\u{7}");
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        &seed,
        "--out",
        "pub",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert_clean(&r.err, "draw");
    assert_eq!(
        r.err,
        format!(
            "ssj: --seed: the seed holds the control character U+001B at character {}; a seed is the outcome of the announced public source (digits, words), type it again\n",
            SEED.chars().count() + 1
        )
    );
    assert!(!w.path("pub").exists());
    // the refused attempt is journalled with the seed as given; listing
    // the journal shows it without driving the terminal
    let r = w.ssj(&["journal", "list", "sample/journal.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_clean(&r.out, "journal list");
    assert!(
        r.out.contains("<U+001B>]52;c;cm0gLXJmIH4=<U+0007>"),
        "{}",
        r.out
    );
}

#[test]
fn silent_semantics_get_a_warning() {
    let w = Work::new();
    // an item drawn with max = 0
    let items = w.read("sample/items.csv").replacen(",5%,,,", ",5%,,0,", 1);
    w.write("sample/items.csv", &items);
    // a history record dated after the period start (2026-10-01)
    let mut history = w.read("sample/history.csv");
    history.push_str("92140623MA0RDMTU2N,YYLY-11,2027-03-01,14062303009;14062304007\n");
    w.write("sample/history.csv", &history);
    // an officer's region spelled with U+F9E9 (a compatibility form of 里)
    let officers = w.read("sample/officers.csv").replacen(
        "新城镇；右卫镇；高家堡乡；白头里乡",
        "新城镇；右卫镇；高家堡乡；白头\u{F9E9}乡",
        1,
    );
    w.write("sample/officers.csv", &officers);
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 0, "{}", r.err);
    for want in [
        "items.csv:2: max: warning: item YYLY-01 has max = 0: it draws no entity; leave it out of the plan's tasks if it is not to be drawn, or give it a maximum above 0",
        ": date: warning: 1 record of the history is dated on or after the period start 2026-10-01 (this one 2027-03-01), yet it is counted as past inspections (cool-down, yearly cap); check the plan's period_start and the history",
        "officers.csv:3: regions: warning: region '白头\u{F9E9}乡' (U+F9E9 at character 3) and '白头里乡' (U+91CC at character 3) in entities.csv:",
    ] {
        assert!(r.err.contains(want), "{want}\n---\n{}", r.err);
    }
    // the history warning names the record's line
    let line = history.lines().count();
    assert!(
        r.err
            .contains(&format!("history.csv:{line}: date: warning")),
        "{}",
        r.err
    );
}
