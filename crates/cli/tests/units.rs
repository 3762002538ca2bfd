//! A registry of draw units other than enterprises (SPEC.md §1.8): the
//! fictional sample data/youyu-housing (a county housing bureau's
//! construction projects, identified by project codes) checked, committed,
//! drawn, published, verified by `ssj verify DIR` and by the Python
//! verifier, explained and substituted, as a user would from the README.

use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn ssj(dir: &Path, args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_ssj"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1791511200")
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap(),
        out: String::from_utf8(o.stdout).unwrap(),
        err: String::from_utf8(o.stderr).unwrap(),
    }
}

fn copy_sample(dir: &Path) {
    let sample = dir.join("sample");
    std::fs::create_dir(&sample).unwrap();
    for e in std::fs::read_dir(repo().join("data/youyu-housing")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), sample.join(e.file_name())).unwrap();
    }
}

fn python_available() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_projects_registry_draws_publishes_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy_sample(d);
    let r = ssj(d, &["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out
            .contains("registry     project codes (项目编号), pattern JS-####-####"),
        "{}",
        r.out
    );
    let r = ssj(d, &["commit", "--plan", "sample/plan.toml", "--out", "pub"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let commitment = std::fs::read_to_string(d.join("pub/commitment.json")).unwrap();
    assert!(commitment.contains(r#""registry":{"pattern":"JS-####-####","scheme":"project"}"#));
    let r = ssj(
        d,
        &[
            "draw",
            "--plan",
            "sample/plan.toml",
            "--commitment",
            "pub/commitment.json",
            "--seed",
            SEED,
            "--out",
            "pub",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains("36 visits, 40 teams, over 4 tasks"),
        "{}",
        r.out
    );

    // the published files name the unit: 项目编号, never 统一社会信用代码
    let csv = std::fs::read_to_string(d.join("pub/result.csv")).unwrap();
    assert!(csv.starts_with("\u{FEFF}序号,项目编号,名称,"), "{csv}");
    for f in ["notice.md", "notice.html", "result.csv"] {
        let t = std::fs::read_to_string(d.join("pub").join(f)).unwrap();
        assert!(t.contains("项目编号"), "{f}");
        assert!(!t.contains("统一社会信用代码"), "{f}");
    }
    let entities = std::fs::read_to_string(d.join("pub/entities.csv")).unwrap();
    assert!(entities.starts_with("项目编号,项目名称,对象类型,乡镇,"));
    // the builder's USCC column is not read, so not published
    assert!(!entities.contains("施工单位"));
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("pub/result.json")).unwrap()).unwrap();
    assert_eq!(
        result["plan"]["registry"],
        serde_json::json!({"pattern": "JS-####-####", "scheme": "project"})
    );
    let first = result["visits"][0]["uscc"].as_str().unwrap().to_string();
    assert!(first.starts_with("JS-"), "{first}");

    let r = ssj(d, &["verify", "pub"]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("reproduced exactly"), "{}", r.out);
    if python_available() {
        let o = Command::new("python3")
            .args(["pub/ssj_verify.py", "pub"])
            .current_dir(d)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains("Verdict: verified"), "{out}");
    }

    // explain takes a project code, in any case
    let lower = first.to_lowercase();
    let r = ssj(
        d,
        &[
            "explain",
            "--plan",
            "pub/plan.toml",
            "--result",
            "pub/result.json",
            "--entity",
            &lower,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains(&first), "{}", r.out);
    let r = ssj(
        d,
        &[
            "explain",
            "--plan",
            "pub/plan.toml",
            "--result",
            "pub/result.json",
            "--entity",
            "JS-26-1",
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "ssj: --entity JS-26-1: project code 'JS-26-1' does not match the pattern 'JS-####-####' of [registry]: it has 7 characters, the pattern 12\n"
    );

    // a drawn project found completed (竣工) is replaced from its stratum
    std::fs::write(
        d.join("disqualify.csv"),
        format!("kind,id,visit,reason\nentity,{first},,deregistered\n"),
    )
    .unwrap();
    let r = ssj(
        d,
        &[
            "substitute",
            "pub",
            "--disqualify",
            "disqualify.csv",
            "--journal",
            "sample/journal.jsonl",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let r = ssj(d, &["verify", "pub"]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    if python_available() {
        let o = Command::new("python3")
            .args(["pub/ssj_verify.py", "pub"])
            .current_dir(d)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{out}");
    }
}

/// A project code that breaks the plan's pattern is refused with its file,
/// line and column, and nothing is drawn.
#[test]
fn a_bad_project_code_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy_sample(d);
    let p = d.join("sample/entities.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen("JS-2025-0002,", "JS-2025-002,", 1)).unwrap();
    let r = ssj(d, &["check", "--plan", "sample/plan.toml"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "entities.csv:3: 项目编号: error: project code 'JS-2025-002' does not match the pattern 'JS-####-####' of [registry]: it has 11 characters, the pattern 12\nssj: 1 error in the inputs\n"
    );
}

/// The export for the enterprise credit information publicity system
/// files inspections by USCC: refused for a projects registry.
#[test]
fn the_gsxt_export_is_refused_for_a_projects_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    copy_sample(d);
    let r = ssj(
        d,
        &[
            "draw",
            "--plan",
            "sample/plan.toml",
            "--seed",
            SEED,
            "--out",
            "pub",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let result = std::fs::read_to_string(d.join("pub/result.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&result).unwrap();
    let code = v["visits"][0]["uscc"].as_str().unwrap();
    let item = v["visits"][0]["items"][0].as_str().unwrap();
    std::fs::write(
        d.join("outcomes.csv"),
        format!("项目编号,事项编号,检查结果,检查日期\n{code},{item},未发现问题,2026-10-20\n"),
    )
    .unwrap();
    // the results notice reads outcomes by project code
    let r = ssj(
        d,
        &[
            "disclose",
            "--result",
            "pub/result.json",
            "--results",
            "outcomes.csv",
            "--format",
            "md",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains("项目编号") && r.out.contains(code),
        "{}",
        r.out
    );
    let r = ssj(
        d,
        &[
            "disclose",
            "--result",
            "pub/result.json",
            "--results",
            "outcomes.csv",
            "--export",
            "gsxt",
        ],
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "ssj: --export gsxt lists inspections of enterprises by unified social credit code; this result's registry holds project codes (项目编号), which the enterprise credit information publicity system does not file\n"
    );
}
