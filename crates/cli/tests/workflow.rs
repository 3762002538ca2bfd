//! The whole life of a draw on the sample, end to end: commit, draw with
//! the commitment, verify, explain, disclose, the journal — with golden
//! files of every command's output (tests/golden/, update with
//! `SSJ_BLESS=1 cargo test -p shuangsuiji-cli`) and every exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// 30 digits from ten ten-sided dice thrown three times (99 bits).
const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";
/// A fixed clock for the journal (2026-10-09T02:00:00Z).
const EPOCH: &str = "1791511200";
/// An entity the sample draw with SEED selects (visit 1) …
const DRAWN: &str = "91140623MA0B3TFJ3P";
/// … and one it does not.
const NOT_DRAWN: &str = "91140623MA09EH5E4W";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compare with tests/golden/NAME, or write it when SSJ_BLESS is set.
fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("SSJ_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    snapbox::assert_data_eq!(
        actual.to_string(),
        snapbox::Data::read_from(&path, Some(snapbox::data::DataFormat::Text)).raw()
    );
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// A working folder holding a copy of the sample as `sample/`; commands
/// run inside it with relative paths, so output has no machine paths.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let sample = dir.path().join("sample");
        std::fs::create_dir(&sample).unwrap();
        for e in std::fs::read_dir(repo().join("data/youyu-forestry")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), sample.join(e.file_name())).unwrap();
        }
        Work { dir }
    }

    /// A work folder with `pub/commitment.json` and a draw in `pub/`.
    fn drawn() -> Work {
        let w = Work::new();
        let r = w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
        assert_eq!(r.code, 0, "{}", r.err);
        let r = w.draw(&["--commitment", "pub/commitment.json", "--out", "pub"]);
        assert_eq!(r.code, 0, "{}", r.err);
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn ssj(&self, args: &[&str]) -> Run {
        let o = Command::new(env!("CARGO_BIN_EXE_ssj"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap();
        Run {
            code: o.status.code().unwrap(),
            out: String::from_utf8(o.stdout).unwrap(),
            err: String::from_utf8(o.stderr).unwrap(),
        }
    }

    fn draw(&self, extra: &[&str]) -> Run {
        let mut args = vec!["draw", "--plan", "sample/plan.toml", "--seed", SEED];
        args.extend_from_slice(extra);
        self.ssj(&args)
    }

    fn verify(&self) -> Run {
        self.ssj(&[
            "verify",
            "--plan",
            "sample/plan.toml",
            "--result",
            "pub/result.json",
        ])
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    /// Edit result.json as JSON (written back pretty-printed).
    fn edit_result(&self, f: impl FnOnce(&mut Value)) {
        let mut v: Value = serde_json::from_str(&self.read("pub/result.json")).unwrap();
        f(&mut v);
        self.write(
            "pub/result.json",
            &serde_json::to_string_pretty(&v).unwrap(),
        );
    }

    fn journal_lines(&self) -> Vec<String> {
        self.read("sample/journal.jsonl")
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn journal_entry(&self, n: usize) -> Value {
        serde_json::from_str(&self.journal_lines()[n - 1]).unwrap()
    }
}

// ---- golden output of every command on the sample ----

#[test]
fn golden_check() {
    let w = Work::new();
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("check.txt", &r.out);
}

#[test]
fn golden_commit_draw_verify_explain_journal_disclose() {
    let w = Work::new();
    let r = w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("commit.txt", &r.out);
    for f in ["commitment.json", "pre-draw.html", "pre-draw.md"] {
        assert!(w.path("pub").join(f).is_file(), "{f}");
    }

    let r = w.draw(&["--commitment", "pub/commitment.json", "--out", "pub"]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("draw.txt", &r.out);
    for f in [
        "result.json",
        "result.csv",
        "result.xlsx",
        "notice.html",
        "notice.md",
    ] {
        assert!(w.path("pub").join(f).is_file(), "{f}");
    }
    // no temporary file is left behind
    let names: Vec<String> = std::fs::read_dir(w.path("pub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    // result.csv opens in Excel: BOM, one row per team
    let csv = w.read("pub/result.csv");
    assert!(
        csv.starts_with("\u{FEFF}序号,统一社会信用代码,名称,"),
        "{csv}"
    );
    assert!(csv.contains(DRAWN));

    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--commitment",
        "pub/commitment.json",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    golden("verify.txt", &r.out);

    let r = w.ssj(&[
        "verify",
        "--json",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("verify.json", &r.out);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["status"], "match");
    assert_eq!(v["comparison"]["visits_confirmed"], 148);

    let explain = |entity: &str, json: bool| {
        let mut args = vec![
            "explain",
            "--plan",
            "sample/plan.toml",
            "--result",
            "pub/result.json",
            "--entity",
            entity,
        ];
        if json {
            args.push("--json");
        }
        let r = w.ssj(&args);
        assert_eq!(r.code, 0, "{}", r.err);
        r.out
    };
    let out = explain(DRAWN, false);
    assert!(out.contains("rank     1 of 15 → DRAWN (visit 1)"), "{out}");
    assert!(out.contains("14062301009 梁彩霞"), "{out}");
    golden("explain-drawn.txt", &out);
    let out = explain(NOT_DRAWN, false);
    assert!(out.starts_with(&format!("Entity {NOT_DRAWN} ")), "{out}");
    assert!(out.contains("Not drawn by any of the 11 tasks."), "{out}");
    assert!(
        out.contains("not drawn (ticket above the cut-off)"),
        "{out}"
    );
    golden("explain-not-drawn.txt", &out);
    let out = explain(DRAWN, true);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tasks"][0]["drawn"], true);
    assert_eq!(v["tasks"][0]["rank"], 1);
    assert_eq!(v["tasks"][1]["reason"], "object_type");
    golden("explain-drawn.json", &out);

    let r = w.ssj(&["journal", "list", "sample/journal.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("journal-list.txt", &r.out);
    let r = w.ssj(&["journal", "verify", "sample/journal.jsonl"]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("journal-verify.txt", &r.out);

    let r = w.ssj(&[
        "disclose",
        "--result",
        "pub/result.json",
        "--format",
        "md",
        "--lang",
        "en",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    golden("disclose-en.md", &r.out);
    // --out writes the same text, atomically
    let r = w.ssj(&[
        "disclose",
        "--result",
        "pub/result.json",
        "--format",
        "csv",
        "--out",
        "pub/notice.csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(w.read("pub/notice.csv").starts_with('\u{FEFF}'));
    // and refuses to overwrite without --force
    let r = w.ssj(&[
        "disclose",
        "--result",
        "pub/result.json",
        "--format",
        "csv",
        "--out",
        "pub/notice.csv",
    ]);
    assert_eq!(r.code, 2);
}

/// `ssj disclose --format xlsx` writes the draw's result.xlsx byte for
/// byte (Chinese headers by default), English headers with `--lang en`.
#[test]
fn disclose_xlsx_is_the_draws_result_xlsx() {
    let w = Work::drawn();
    let xlsx = |lang: &str, out: &str| {
        let r = w.ssj(&[
            "disclose",
            "--result",
            "pub/result.json",
            "--format",
            "xlsx",
            "--lang",
            lang,
            "--out",
            out,
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        std::fs::read(w.path(out)).unwrap()
    };
    let zh = xlsx("zh", "zh.xlsx");
    assert_eq!(zh, std::fs::read(w.path("pub/result.xlsx")).unwrap());
    let en = xlsx("en", "en.xlsx");
    assert!(en.starts_with(b"PK") && en != zh);
    // the results notice has no xlsx form
    let r = w.ssj(&[
        "disclose",
        "--result",
        "pub/result.json",
        "--format",
        "xlsx",
        "--results",
        "x.csv",
        "--out",
        "x.xlsx",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "ssj: --format xlsx writes the result table; the results notice is written as html, md, csv or json\n"
    );
}

/// `ssj disclose … | head -1`: the reader goes away; ssj exits 0 quietly,
/// as other command-line tools do on a broken pipe.
#[test]
fn disclose_into_a_closed_pipe_exits_0_quietly() {
    let w = Work::drawn();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssj"))
        .args(["disclose", "--result", "pub/result.json"])
        .current_dir(w.path(""))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // read one line (the notice is larger than a pipe holds), then close
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first, "<!DOCTYPE html>\n");
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

// ---- verify: exit 1 and the difference named ----

#[test]
fn verify_names_an_edited_officer() {
    let w = Work::drawn();
    let mut swapped = String::new();
    w.edit_result(|v| {
        // give visit 4's first team the officer of visit 1's first team
        let other = v["visits"][0]["teams"][0]["officers"][0].clone();
        let o = &mut v["visits"][3]["teams"][0]["officers"][1];
        swapped = other["cert_no"].as_str().unwrap().to_string();
        *o = other;
    });
    let r = w.verify();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let line = r.out.lines().find(|l| l.starts_with("DIFFERENCE")).unwrap();
    assert!(
        line.starts_with("DIFFERENCE (officer): visit 4 ("),
        "{line}"
    );
    assert!(line.contains("officer 2: published '"), "{line}");
    assert!(line.contains(&swapped), "{line}");
    // only the difference: what matched before it is no reassurance
    assert!(!r.out.contains("confirmed "), "{}", r.out);
    assert!(
        r.out.ends_with(
            "FAILED: the published result does not follow from the seed and the inputs.\n"
        )
    );
    golden("verify-tampered.txt", &r.out);
}

#[test]
fn verify_names_an_edited_entity() {
    let w = Work::drawn();
    w.edit_result(|v| {
        v["visits"][5]["uscc"] = Value::from(NOT_DRAWN);
    });
    let r = w.verify();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out.contains(&format!(
            "DIFFERENCE (entity): visit 6 entity: published '{NOT_DRAWN}', recomputed '"
        )),
        "{}",
        r.out
    );
}

#[test]
fn verify_names_an_edited_seed() {
    let w = Work::drawn();
    w.edit_result(|v| {
        v["seed"]["text"] = Value::from(SEED.replace("38", "39"));
    });
    let r = w.verify();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("DIFFERENCE (seed): seed.normalized: published '38 17"),
        "{}",
        r.out
    );
    // editing the normalised seed too is caught by the draw key
    w.edit_result(|v| {
        v["seed"]["normalized"] = Value::from(SEED.replace("38", "39"));
    });
    let r = w.verify();
    assert_eq!(r.code, 1);
    assert!(r.out.contains("DIFFERENCE (seed): draw_key"), "{}", r.out);
}

#[test]
fn verify_names_an_input_edited_after_the_draw() {
    let w = Work::drawn();
    let text = w
        .read("sample/officers.csv")
        .replacen("马宇航", "马宇行", 1);
    w.write("sample/officers.csv", &text);
    let r = w.verify();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("DIFFERENCE: input officers (officers.csv): result.json has digest "),
        "{}",
        r.out
    );
}

/// `verify` never draws: its list of input errors does not end with
/// "nothing was drawn" (nor does `check`'s, tests/bad-input).
#[test]
fn verify_of_broken_inputs_lists_the_errors_only() {
    let w = Work::drawn();
    let text =
        w.read("sample/entities.csv")
            .replacen("91140623MA0THC3AXR", "91140623MA0THC3AXS", 1);
    w.write("sample/entities.csv", &text);
    let r = w.verify();
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err
            .starts_with("entities.csv:2: 统一社会信用代码: error: "),
        "{}",
        r.err
    );
    assert!(r.err.ends_with("ssj: 1 error in the inputs\n"), "{}", r.err);
    assert!(!r.err.contains("nothing was drawn"), "{}", r.err);
}

#[test]
fn verify_checks_the_result_against_the_commitment() {
    let w = Work::drawn();
    // a commitment to other inputs
    let text = w.read("sample/history.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    w.write("sample/history.csv", &(lines.join("\n") + "\n"));
    let r = w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "other"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--commitment",
        "other/commitment.json",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.out
            .contains("DIFFERENCE: history differs from the commitment"),
        "{}",
        r.out
    );
}

#[test]
fn verify_rejects_a_result_that_is_not_one_with_its_position() {
    let w = Work::drawn();
    let text = w
        .read("pub/result.json")
        .replacen("\"visits\":[", "\"visits\":[}", 1);
    w.write("pub/result.json", &text);
    let r = w.verify();
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(r.err.starts_with("ssj: pub/result.json:1:"), "{}", r.err);
    assert!(r.err.contains("not a draw result"), "{}", r.err);
    // --quiet prints nothing on a difference, but the code tells
    let w = Work::drawn();
    w.edit_result(|v| v["visits"][0]["name"] = Value::from("x"));
    let r = w.ssj(&[
        "verify",
        "--quiet",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
    ]);
    assert_eq!((r.code, r.out.as_str()), (1, ""));
}

// ---- draw: commitment, overwrite, seed strength, failures ----

#[test]
fn draw_refuses_inputs_edited_after_the_commitment() {
    let w = Work::new();
    let r = w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let text = w
        .read("sample/entities.csv")
        .replacen("有限公司", "有限责任公司", 1);
    w.write("sample/entities.csv", &text);
    let r = w.draw(&["--commitment", "pub/commitment.json", "--out", "out"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err
            .contains("ssj: pub/commitment.json: entities: committed "),
        "{}",
        r.err
    );
    assert!(
        r.err
            .contains("the inputs differ from the commitment (entities); nothing was drawn"),
        "{}",
        r.err
    );
    assert!(!w.path("out").exists());
    // a changed rule is named as such
    let w = Work::new();
    w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
    let plan = w
        .read("sample/plan.toml")
        .replace("cooldown_days = 365", "cooldown_days = 300");
    w.write("sample/plan.toml", &plan);
    let r = w.draw(&["--commitment", "pub/commitment.json", "--out", "out"]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("(plan.rules)"), "{}", r.err);
    let e = w.journal_entry(2);
    assert_eq!(e["outcome"], "invalid");
    assert!(e["error"].as_str().unwrap().contains("plan.rules"));
}

#[test]
fn infeasible_draw_exits_3_leaves_no_files_and_is_journaled() {
    let w = Work::new();
    let plan = w
        .read("sample/plan.toml")
        .replace("officer_max_load = 12", "officer_max_load = 2");
    w.write("sample/plan.toml", &plan);
    let r = w.draw(&["--out", "out"]);
    assert_eq!(r.code, 3, "{}{}", r.out, r.err);
    assert!(
        r.err
            .contains("ssj: the rules cannot be satisfied: item YYSC-01"),
        "{}",
        r.err
    );
    assert_eq!(r.out, "");
    assert!(!w.path("out").exists(), "a failed draw left files");
    let lines = w.journal_lines();
    assert_eq!(lines.len(), 1);
    let e = w.journal_entry(1);
    assert_eq!(e["outcome"], "infeasible");
    assert_eq!(e["seed"], SEED);
    assert!(e["output"].is_null());
    assert!(e["error"].as_str().unwrap().contains("officer_max_load 2"));
    // an existing folder is left as it was
    std::fs::create_dir(w.path("out")).unwrap();
    w.write("out/keep.txt", "x");
    let r = w.draw(&["--out", "out"]);
    assert_eq!(r.code, 3);
    let names: Vec<_> = std::fs::read_dir(w.path("out")).unwrap().collect();
    assert_eq!(names.len(), 1);
    assert_eq!(w.journal_lines().len(), 2);
}

#[test]
fn invalid_inputs_exit_2_with_position_and_are_journaled() {
    let w = Work::new();
    let text = w.read("sample/items.csv");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen("%", "x%", 1);
    w.write("sample/items.csv", &(lines.join("\n") + "\n"));
    let r = w.draw(&["--out", "out"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(r.err.contains("items.csv:3: "), "{}", r.err);
    assert!(!w.path("out").exists());
    assert_eq!(w.journal_entry(1)["outcome"], "invalid");
}

#[test]
fn a_draw_refused_for_many_rows_keeps_the_journal_readable() {
    // 20,000 history rows naming entities the registry lacks: 1.8 MB of
    // error lines, more than a journal line may be (1 MiB)
    let w = Work::new();
    let mut history = w.read("sample/history.csv");
    for n in 0..20_000 {
        history.push_str(&format!("91140623MA{n:07}X,YYLY-02,2025-01-10,\n"));
    }
    w.write("sample/history.csv", &history);
    let r = w.draw(&["--out", "out"]);
    assert_eq!(r.code, 2, "{}", r.out);
    assert!(r.err.lines().count() > 20_000, "every error is printed");
    assert!(!w.path("out").exists());
    let entry = w.journal_entry(1);
    assert_eq!(entry["outcome"], "invalid");
    let error = entry["error"].as_str().unwrap();
    assert!(error.len() <= 64 * 1024, "{}", error.len());
    assert!(
        error.ends_with("left out: the journal keeps the first 65536 bytes of a text"),
        "{}",
        &error[error.len() - 200..]
    );
    assert_eq!(journal_verify(&w).code, 0);
    // and the journal takes the next attempt
    std::fs::copy(
        repo().join("data/youyu-forestry/history.csv"),
        w.path("sample/history.csv"),
    )
    .unwrap();
    let r = w.draw(&["--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(w.journal_lines().len(), 2);
    assert_eq!(journal_verify(&w).code, 0);
}

#[test]
fn draw_refuses_to_overwrite_an_earlier_result_unless_forced() {
    let w = Work::drawn();
    let before = w.read("pub/result.json");
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        "11 22 33 44 55 66 77 88 99 00 12 34 56 78 90",
        "--out",
        "pub",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("pub/result.json"), "{}", r.err);
    assert!(r.err.contains("--force"), "{}", r.err);
    assert_eq!(w.read("pub/result.json"), before);
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        "11 22 33 44 55 66 77 88 99 00 12 34 56 78 90",
        "--out",
        "pub",
        "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_ne!(w.read("pub/result.json"), before);
    // commit, draw, refused re-draw, forced re-draw: the re-roll leaves a trace
    let outcomes: Vec<Value> = (1..=4)
        .map(|n| w.journal_entry(n)["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["ok", "ok", "invalid", "ok"]);
}

#[test]
fn weak_seed_is_refused_unless_allowed() {
    let w = Work::new();
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        "2026-Q4 424242",
        "--out",
        "out",
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err
            .contains("ssj: the seed '2026-Q4 424242' carries about 36 bits"),
        "{}",
        r.err
    );
    assert!(r.err.contains("this draw needs 96"), "{}", r.err);
    assert!(r.err.contains("(grinding)"), "{}", r.err);
    assert!(r.err.contains("--allow-weak-seed"), "{}", r.err);
    assert!(!w.path("out").exists());
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        "2026-Q4 424242",
        "--out",
        "out",
        "--allow-weak-seed",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("warning: the seed"), "{}", r.err);
    assert_eq!(
        w.journal_entry(2)["note"],
        "time from SOURCE_DATE_EPOCH; weak seed allowed: 36 bits, 96 needed"
    );
    // the weakly seeded result still verifies
    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "out/result.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.out);
}

// ---- the journal ----

/// A journal of three entries: commit, draw, draw again with --force.
fn three_entries() -> Work {
    let w = Work::drawn();
    let r = w.draw(&[
        "--out",
        "pub",
        "--force",
        "--journal",
        "sample/journal.jsonl",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(w.journal_lines().len(), 3);
    w
}

fn journal_verify(w: &Work) -> Run {
    w.ssj(&["journal", "verify", "sample/journal.jsonl"])
}

#[test]
fn journal_edit_is_named() {
    let w = three_entries();
    let mut lines = w.journal_lines();
    lines[1] = lines[1].replacen("38 17", "38 18", 1);
    w.write("sample/journal.jsonl", &(lines.join("\n") + "\n"));
    let r = journal_verify(&w);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert_eq!(
        r.out,
        "FAILED: sample/journal.jsonl:2: line 2: entry 2 was edited: its content does not match its hash\n"
    );
}

#[test]
fn journal_edit_with_a_recomputed_hash_is_named_by_the_next_entry() {
    let w = three_entries();
    let mut lines = w.journal_lines();
    let mut e: Value = serde_json::from_str(&lines[1]).unwrap();
    e["seed"] = Value::from("1 2 3");
    let obj = e.as_object_mut().unwrap();
    obj.remove("hash");
    // recompute the hash as the module documents
    let record: shuangsuiji::journal::JournalRecord = serde_json::from_value(e.clone()).unwrap();
    let hash = shuangsuiji::journal::entry_hash(2, &record, e["prev"].as_str().unwrap());
    e["hash"] = Value::from(hash);
    lines[1] = serde_json::to_string(&e).unwrap();
    w.write("sample/journal.jsonl", &(lines.join("\n") + "\n"));
    let r = journal_verify(&w);
    assert_eq!(r.code, 1);
    assert!(
        r.out.starts_with(
            "FAILED: sample/journal.jsonl:3: line 3: entry 3 does not chain to entry 2"
        ),
        "{}",
        r.out
    );
}

#[test]
fn journal_deletion_and_reordering_are_named() {
    let w = three_entries();
    let lines = w.journal_lines();
    w.write(
        "sample/journal.jsonl",
        &format!("{}\n{}\n", lines[0], lines[2]),
    );
    let r = journal_verify(&w);
    assert_eq!(r.code, 1);
    assert!(
        r.out.contains(":2: line 2: expected entry 2 but found entry 3: entries were deleted, inserted or reordered"),
        "{}",
        r.out
    );
    w.write(
        "sample/journal.jsonl",
        &format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]),
    );
    let r = journal_verify(&w);
    assert_eq!(r.code, 1);
    assert!(
        r.out
            .contains(":2: line 2: expected entry 2 but found entry 3"),
        "{}",
        r.out
    );
    // cutting off the end is caught against the published head
    let head = serde_json::from_str::<Value>(&lines[2]).unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_string();
    w.write(
        "sample/journal.jsonl",
        &format!("{}\n{}\n", lines[0], lines[1]),
    );
    assert_eq!(journal_verify(&w).code, 0);
    let r = w.ssj(&["journal", "verify", "sample/journal.jsonl", "--head", &head]);
    assert_eq!(r.code, 1);
    // one line, that says the head was not found (no "FAILED: 2 entries,
    // chain intact")
    assert_eq!(r.out.lines().count(), 1, "{}", r.out);
    assert!(
        r.out.starts_with(&format!(
            "FAILED: the published head {head} was not found in the journal: entries were cut off or rewritten"
        )),
        "{}",
        r.out
    );
    golden("journal-verify-head-missing.txt", &r.out);
    // a broken journal is not appended to
    w.write(
        "sample/journal.jsonl",
        &format!("{}\n{}\n", lines[1], lines[0]),
    );
    let r = w.draw(&["--out", "again"]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(r.err.contains("the journal does not verify"), "{}", r.err);
    assert!(!w.path("again").exists());
    assert_eq!(w.journal_lines().len(), 2);
}

// ---- usage ----

#[test]
fn usage_errors_exit_2() {
    let w = Work::drawn();
    for args in [
        vec!["draw", "--plan", "sample/plan.toml"],
        vec!["frobnicate"],
        vec!["verify", "--result", "pub/result.json"],
        vec![
            "explain",
            "--plan",
            "sample/plan.toml",
            "--result",
            "pub/result.json",
            "--entity",
            "91140623MA0NJTKX8X",
        ],
        vec![
            "explain",
            "--plan",
            "sample/plan.toml",
            "--result",
            "pub/result.json",
            "--entity",
            "91140623MA0NJTKX9W",
        ],
        vec!["disclose", "--result", "pub/result.json", "--format", "pdf"],
        vec!["disclose", "--result", "pub/result.json", "--lang", "fr"],
        vec![
            "draw",
            "--plan",
            "sample/plan.toml",
            "--seed",
            "  ",
            "--out",
            "x",
        ],
        vec!["journal", "verify", "no-such-journal"],
    ] {
        let r = w.ssj(&args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.out, r.err);
        assert!(!r.err.is_empty(), "{args:?}");
    }
    let r = w.ssj(&[
        "explain",
        "--plan",
        "sample/plan.toml",
        "--result",
        "pub/result.json",
        "--entity",
        "91140623MA0NJTKX8X",
    ]);
    assert!(r.err.contains("--entity 91140623MA0NJTKX8X: "), "{}", r.err);
    assert!(!w.path("x").exists());
}

#[test]
fn threads_and_tmp_never_change_the_files_and_leave_nothing_behind() {
    let w = Work::new();
    let r = w.ssj(&["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
    assert_eq!(r.code, 0, "{}", r.err);
    std::fs::create_dir(w.path("tmp")).unwrap();
    let mut outputs = Vec::new();
    for (threads, committed) in [("1", true), ("2", true), ("2", false), ("3", false)] {
        let out = format!("out-{threads}-{committed}");
        let mut args = vec!["--out", out.as_str(), "--threads", threads, "--tmp", "tmp"];
        if committed {
            args.extend_from_slice(&["--commitment", "pub/commitment.json"]);
        }
        let r = w.draw(&args);
        assert_eq!(r.code, 0, "{}{}", r.out, r.err);
        let files: Vec<Vec<u8>> = [
            "result.json",
            "result.csv",
            "notice.html",
            "notice.md",
            "result.xlsx",
        ]
        .iter()
        .map(|f| std::fs::read(w.path(&format!("{out}/{f}"))).unwrap())
        .collect();
        outputs.push(files);
        // the temporary sort files and the workbook's rows were unnamed:
        // nothing is left
        assert_eq!(std::fs::read_dir(w.path("tmp")).unwrap().count(), 0);
    }
    for o in &outputs[1..] {
        assert!(o == &outputs[0], "the files differ with the thread count");
    }
    // the workbook's rows went through --tmp: the same bytes as without
    let r = w.draw(&["--out", "plain"]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(outputs[0][4] == std::fs::read(w.path("plain/result.xlsx")).unwrap());
    let r = w.ssj(&[
        "verify",
        "--plan",
        "sample/plan.toml",
        "--result",
        "out-1-true/result.json",
        "--threads",
        "1",
        "--tmp",
        "tmp",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    // the folder route streams too, with the same flags
    let r = w.ssj(&[
        "verify",
        "out-1-true",
        "--threads",
        "1",
        "--tmp",
        "tmp",
        "--lang",
        "en",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.starts_with("VERIFIED"), "{}", r.out);
    assert_eq!(std::fs::read_dir(w.path("tmp")).unwrap().count(), 0);
    let r = w.ssj(&["verify", "out-1-true", "--tmp", "/proc", "--lang", "en"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.out.contains(
            "[error] temporary sort file: cannot create a temporary sort file in /proc: "
        ) && r
            .out
            .contains(" (choose a writable folder with --tmp DIR)\n"),
        "{}",
        r.out
    );
    let r = w.ssj(&["verify", "out-1-true", "--tmp", "missing"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert_eq!(r.err, "ssj: --tmp missing: not an existing folder\n");
    let r = w.draw(&["--out", "x", "--tmp", "missing"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert_eq!(r.err, "ssj: --tmp missing: not an existing folder\n");
    assert!(!w.path("x").exists());
    // a folder where no file can be made, whoever runs the test (root
    // ignores permission bits, not /proc): the message names the folder and
    // the way out, and the attempt is journaled
    let r = w.draw(&["--out", "x", "--tmp", "/proc"]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.starts_with(
            "ssj: temporary sort file: cannot create a temporary sort file in /proc: "
        ) && r
            .err
            .ends_with(" (choose a writable folder with --tmp DIR)\n"),
        "{}",
        r.err
    );
    assert!(!w.path("x").exists());
    let journal = w.read("sample/journal.jsonl");
    let last = journal.lines().last().unwrap();
    assert!(
        last.contains("\"outcome\":\"invalid\"")
            && last.contains("cannot create a temporary sort file in /proc"),
        "{last}"
    );
}

/// A result file in canonical form (as `ssj draw` writes it) is compared
/// by its bytes without holding the parsed copy; an edit to it must give
/// the same report as the same edit in a re-formatted file.
#[test]
fn verify_reports_the_same_for_canonical_and_reformatted_files() {
    let w = Work::drawn();
    let canonical = w.read("pub/result.json");
    let name: String = {
        let v: Value = serde_json::from_str(&canonical).unwrap();
        v["visits"][2]["name"].as_str().unwrap().to_string()
    };
    // unchanged, canonical and re-formatted: both match, same report
    let r1 = w.verify();
    assert_eq!(r1.code, 0, "{}{}", r1.out, r1.err);
    w.edit_result(|_| {});
    let r2 = w.verify();
    assert_eq!(r2.code, 0, "{}{}", r2.out, r2.err);
    assert_eq!(r1.out, r2.out);
    // one name edited in the canonical text (still canonical)
    let needle = format!("\"name\":\"{name}\"");
    assert_eq!(canonical.matches(&needle).count(), 1);
    let edited = canonical.replacen(&needle, "\"name\":\"某某有限公司\"", 1);
    w.write("pub/result.json", &edited);
    let r3 = w.verify();
    assert_eq!(r3.code, 1, "{}{}", r3.out, r3.err);
    assert!(
        r3.out.contains("DIFFERENCE (entity): visit 3"),
        "{}",
        r3.out
    );
    // the same edit, pretty-printed: the same report
    w.edit_result(|_| {});
    let r4 = w.verify();
    assert_eq!(r4.code, 1);
    assert_eq!(r3.out, r4.out);
    let verify_json = || {
        w.ssj(&[
            "verify",
            "--plan",
            "sample/plan.toml",
            "--result",
            "pub/result.json",
            "--json",
        ])
    };
    let j4 = verify_json();
    w.write("pub/result.json", &edited);
    let j3 = verify_json();
    assert_eq!(j3.out, j4.out);
}

/// `verify` reads the published visits one at a time (never the whole
/// parsed result): a result whose visits are not visits is still refused
/// with the position every other command gives, even when the inputs
/// differ and nothing is drawn; and a canonical file behind an Excel BOM
/// still verifies.
#[test]
fn verify_checks_every_visit_and_accepts_a_bom() {
    let w = Work::drawn();
    let canonical = w.read("pub/result.json");
    let entities = {
        let v: Value = serde_json::from_str(&canonical).unwrap();
        v["digests"]["entities"].as_str().unwrap().to_string()
    };
    let bad =
        canonical
            .replacen(&entities, &"0".repeat(64), 1)
            .replacen("\"uscc\":", "\"usc\":", 1);
    let e = shuangsuiji::DrawResult::from_json(&bad).unwrap_err();
    w.write("pub/result.json", &bad);
    let r = w.verify();
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert_eq!(
        r.err,
        format!(
            "ssj: pub/result.json:{}:{}: not a draw result: {e}\n",
            e.line(),
            e.column()
        )
    );
    w.write("pub/result.json", &format!("\u{FEFF}{canonical}"));
    let r = w.verify();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains("OK: the draw is reproduced exactly"),
        "{}",
        r.out
    );
}
