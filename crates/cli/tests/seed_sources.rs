//! Declared seed sources through the real `ssj` binary: honest bit counts
//! against the guard, exact messages for malformed outcomes, and a drand
//! quicknet round verified offline (SPEC.md §3.1).

use std::path::{Path, PathBuf};
use std::process::Command;

const EPOCH: &str = "1791511200";

const KL8: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"kl8\"\nissue = \"2026270\"\ndraw_date = 2026-10-09\n";
const SSQ: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"ssq\"\nissue = \"2026116\"\ndraw_date = 2026-10-09\n";
const DLT: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"dlt\"\nissue = \"26116\"\ndraw_date = 2026-10-09\n";
const KL8_OUT: &str = "kl8 2026270: 02 05 11 14 19 23 27 30 34 38 41 45 52 56 60 63 67 71 75 79";
const SSQ_OUT: &str = "ssq 2026116: 04 09 16 21 28 33 + 11";
const DLT_OUT: &str = "dlt 26116: 03 12 19 27 35 + 04 09";
/// drand quicknet round 123 (recorded in the drand-verify crate's tests).
const SIG_123: &str = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";

struct Run {
    code: i32,
    out: String,
    err: String,
}

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    /// The sample as `sample/`, its date replaced and `extra` appended to
    /// its plan.
    fn new(date: &str, extra: &str) -> Work {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = tempfile::tempdir().unwrap();
        let sample = dir.path().join("sample");
        std::fs::create_dir(&sample).unwrap();
        for e in std::fs::read_dir(repo.join("data/youyu-forestry")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), sample.join(e.file_name())).unwrap();
        }
        let plan = std::fs::read_to_string(sample.join("plan.toml")).unwrap();
        let plan = plan.replace("date = 2026-10-09", &format!("date = {date}")) + extra;
        std::fs::write(sample.join("plan.toml"), plan).unwrap();
        Work { dir }
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

    fn commit_and_draw(&self, seed: &str) -> Run {
        let r = self.ssj(&["commit", "-q", "--plan", "sample/plan.toml", "--out", "pub"]);
        assert_eq!(r.code, 0, "{}", r.err);
        self.ssj(&[
            "draw",
            "--plan",
            "sample/plan.toml",
            "--commitment",
            "pub/commitment.json",
            "--seed",
            seed,
            "--out",
            "pub",
        ])
    }

    fn verify(&self) -> Run {
        self.ssj(&[
            "verify",
            "--plan",
            "pub/plan.toml",
            "--result",
            "pub/result.json",
            "--commitment",
            "pub/commitment.json",
        ])
    }
}

/// The error lines of stderr (the sample's officer warnings left out).
fn errors(err: &str) -> Vec<&str> {
    err.lines().filter(|l| !l.contains(": warning: ")).collect()
}

#[test]
fn three_lotteries_of_one_evening_pass_a_96_bit_draw() {
    let w = Work::new("2026-10-09", &format!("{KL8}{SSQ}{DLT}"));
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains(
            "  seed sources declared, in seed-text order:\n\
         \x20   1. kl8 福彩快乐8 第2026270期 (2026-10-09) — 61.6 bits\n\
         \x20   2. ssq 福彩双色球 第2026116期 (2026-10-09) — 24.0 bits\n\
         \x20   3. dlt 体彩大乐透 第26116期 (2026-10-09) — 24.3 bits\n\
         \x20   credited 109 bits (a draw needs 64 to 96)\n"
        ),
        "{}",
        r.out
    );
    let r = w.commit_and_draw(&format!("{KL8_OUT} | {SSQ_OUT} | {DLT_OUT}"));
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains(
            "  seed bits    109 (this draw needs 96), from the declared sources:\n\
         \x20   kl8 2026270              61.6 bits\n\
         \x20   ssq 2026116              24.0 bits\n\
         \x20   dlt 26116                24.3 bits\n"
        ),
        "{}",
        r.out
    );
    let pre = std::fs::read_to_string(w.path("pub/pre-draw.md")).unwrap();
    assert!(pre.contains("| 3 | 体彩大乐透 第 26116 期开奖号码 | 2026-10-09 开奖后 | `dlt 26116: nn nn nn nn nn + nn nn` | 24.3 |"), "{pre}");
    let notice = std::fs::read_to_string(w.path("pub/notice.md")).unwrap();
    assert!(notice.contains("| 1 | kl8 福彩快乐8 第2026270期 (2026-10-09) | `kl8 2026270: 02 05 11 14 19 23 27 30 34 38 41 45 52 56 60 63 67 71 75 79` | 61.6 |"), "{notice}");
    let r = w.verify();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
}

#[test]
fn without_dlt_the_draw_is_refused() {
    let w = Work::new("2026-10-09", &format!("{KL8}{SSQ}"));
    let r = w.commit_and_draw(&format!("{KL8_OUT} | {SSQ_OUT}"));
    assert_eq!(r.code, 2);
    assert_eq!(
        errors(&r.err),
        [
            "ssj: the declared seed sources carry 85 bits (kl8 2026270 61.6 bits + ssq 2026116 24.0 bits), but this draw needs 96: with only 2^85 possible outcomes, whoever prepares the inputs can compute the draw for every outcome in advance and adjust the inputs until the one they want comes up (grinding); declare more sources in the plan before committing",
            "Use the full outcome of the announced source, or pass --allow-weak-seed to draw anyway (the journal records it).",
        ]
    );
}

#[test]
fn malformed_outcomes_name_their_source() {
    let w = Work::new("2026-10-09", &format!("{KL8}{SSQ}{DLT}"));
    let r = w.commit_and_draw(&format!(
        "{KL8_OUT} | ssq 2026116: 04 09 09 21 28 34 + 11 | dlt 26116: 35 12 19 27 03 + 04 09"
    ));
    assert_eq!(r.code, 2);
    assert_eq!(
        errors(&r.err),
        [
            "seed: seed_sources[2]: error: seed source 2 (ssq 2026116): group 1: 09 is written twice",
            "seed: seed_sources[2]: error: seed source 2 (ssq 2026116): group 1: 34 is not a number in 01–33",
            "seed: seed_sources[3]: error: seed source 3 (dlt 26116): not in canonical form (SPEC.md §3.1); write it as 'dlt 26116: 03 12 19 27 35 + 04 09'",
            "ssj: 3 errors in the inputs; nothing was drawn",
        ]
    );
}

#[test]
fn drand_draw_verifies_offline_and_a_changed_signature_byte_is_refused() {
    let w = Work::new(
        "2023-08-23",
        "\n[[seed_sources]]\ntype = \"drand\"\nround = 123\n",
    );
    let r = w.commit_and_draw(&format!("drand 123: {SIG_123}"));
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("  seed bits    256 (this draw needs 96), from the declared sources:\n    drand 123                256.0 bits\n"), "{}", r.out);
    let r = w.verify();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);

    // one byte of the signature changed (b7 → b8) in the published result
    let bad = format!("b8{}", &SIG_123[2..]);
    let result = std::fs::read_to_string(w.path("pub/result.json")).unwrap();
    std::fs::write(w.path("pub/result.json"), result.replace(SIG_123, &bad)).unwrap();
    let r = w.verify();
    assert_ne!(r.code, 0);
    assert!(r.err.contains(
        "seed: seed_sources[1]: error: seed source 1 (drand 123): the signature is not drand quicknet's signature of round 123 (checked against the chain's public key, SPEC.md §3.1)"
    ), "{}", r.err);

    // and the draw itself refuses it
    let r = w.ssj(&[
        "draw",
        "--plan",
        "sample/plan.toml",
        "--seed",
        &format!("drand 123: {bad}"),
        "--out",
        "pub2",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(
        errors(&r.err),
        [
            "seed: seed_sources[1]: error: seed source 1 (drand 123): the signature is not drand quicknet's signature of round 123 (checked against the chain's public key, SPEC.md §3.1)",
            "ssj: 1 error in the inputs; nothing was drawn",
        ]
    );
}

#[test]
fn a_round_published_before_the_plan_date_is_refused_by_check() {
    let w = Work::new(
        "2026-10-09",
        "\n[[seed_sources]]\ntype = \"drand\"\nround = 123\n",
    );
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2);
    let line = std::fs::read_to_string(w.path("sample/plan.toml"))
        .unwrap()
        .lines()
        .position(|l| l == "[[seed_sources]]")
        .unwrap()
        + 1;
    assert_eq!(
        errors(&r.err)[0],
        format!(
            "plan.toml:{line}: seed_sources[1]: error: drand 123: the round is published at 2023-08-23 23:15:33 +08:00, before the plan date 2026-10-09 begins (00:00 +08:00): choose a later round"
        )
    );
}

#[test]
fn declaration_errors_are_reported_together() {
    // lines are counted from the first [[seed_sources]] appended to the
    // sample plan (whose own length is not this test's subject)
    let first_line = |w: &Work| {
        std::fs::read_to_string(w.path("sample/plan.toml"))
            .unwrap()
            .lines()
            .position(|l| l == "[[seed_sources]]")
            .unwrap()
            + 1
    };
    let w = Work::new(
        "2026-10-09",
        "\n[[seed_sources]]\ntype = \"dice\"\ncount = 0\nfaces = 6\n\
         \n[[seed_sources]]\ntype = \"lottery\"\ngame = \"ssq\"\nissue = \"2026-116\"\ndraw_date = 2026-10-09\n\
         \n[[seed_sources]]\ntype = \"text\"\ndescription = \"  \"\n",
    );
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2);
    let l = first_line(&w);
    assert_eq!(
        errors(&r.err),
        [
            format!("plan.toml:{l}: seed_sources[1]: error: dice: count 0 is not in 1–1000"),
            format!(
                "plan.toml:{}: seed_sources[2]: error: ssq: issue '2026-116' is not 1–12 ASCII digits",
                l + 5
            ),
            format!(
                "plan.toml:{}: seed_sources[3]: error: text: description is empty",
                l + 11
            ),
            "ssj: 3 errors in the inputs".to_string(),
        ]
    );
    let w = Work::new(
        "2026-10-09",
        "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"k8\"\nissue = \"1\"\ndraw_date = 2026-10-09\n",
    );
    let r = w.ssj(&["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2);
    let l = first_line(&w);
    assert_eq!(
        errors(&r.err),
        [
            format!(
                "plan.toml:{l}: error: unknown variant `k8`, expected one of `kl8`, `ssq`, `fc3d`, `dlt`, `pl5`"
            ),
            "ssj: 1 error in the inputs".to_string(),
        ]
    );
}
