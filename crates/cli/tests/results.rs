//! The results workflow end to end: the sample plan's own outcome
//! vocabulary, due dates against `--as-of`, the publicity-system export.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/youyu-forestry")
}

fn ssj(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssj"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run ssj")
}

/// The README walkthrough's draw of a copy of the sample.
fn drawn() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let out = ssj(
        dir.path(),
        &[
            "draw",
            "-q",
            "--plan",
            "plan.toml",
            "--seed",
            "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24",
            "--out",
            "pub",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", out);
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn the_sample_outcomes_use_the_plan_vocabulary_and_warn_of_overdue_results() {
    let dir = drawn();
    let d = dir.path();
    let args = [
        "disclose",
        "--result",
        "pub/result.json",
        "--plan",
        "plan.toml",
        "--results",
        "outcomes.csv",
        "--format",
        "md",
    ];
    // without --as-of: no deadline warnings (the clock is never read)
    let out = ssj(d, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let md = text(&out.stdout);
    assert!(md.contains("| 应公示日期 |"), "{md}");
    assert!(md.contains("发现问题，已责令限期整改"));
    assert!(md.contains("YYLY-01 占用征收林地情况检查"));
    assert!(md.contains("右林发〔2026〕15号（虚构示例）"));
    assert!(md.contains("监督电话 0349-0000001（虚构）"));
    // with --as-of: the pending inspection of 2026-10-23 was due 2026-11-20
    let mut with = args.to_vec();
    with.extend(["--as-of", "2026-11-30"]);
    let out = ssj(d, &with);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        "ssj: outcomes.csv:12: warning: the result of 91140623MA0W7D3E3C for item YYSC-01 \
         (inspected 2026-10-23) was due to be public by 2026-11-20; it is overdue as of \
         2026-11-30\n"
    );
    assert!(text(&out.stdout).contains("- **发布日期**: 2026-11-30"));
    // English labels of the plan's words
    let mut en = with.clone();
    en.extend(["--lang", "en"]);
    let out = ssj(d, &en);
    assert!(text(&out.stdout).contains("Problems found; ordered to correct within a time limit"));
    // the standard vocabulary refuses the forestry wording, and says where a list goes
    let out = ssj(
        d,
        &[
            "disclose",
            "--result",
            "pub/result.json",
            "--results",
            "outcomes.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with(
        "ssj: outcomes.csv:3: 检查结果: unknown outcome '发现问题，已责令限期整改'; accepted: 未发现问题, "
    ));
    assert!(text(&out.stderr).contains("(or the plan's own list, [results] outcomes)"));
}

#[test]
fn the_export_for_the_publicity_system() {
    let dir = drawn();
    let out = ssj(
        dir.path(),
        &[
            "disclose",
            "--result",
            "pub/result.json",
            "--plan",
            "plan.toml",
            "--results",
            "outcomes.csv",
            "--export",
            "gsxt",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{FEFF}统一社会信用代码,企业名称,检查实施机关,类型,日期,结果,抽查计划编号,抽查事项"
    );
    assert_eq!(
        lines[2],
        "91140623MA0E0C8U97,右玉县林海建设工程有限公司,右玉县林业局（虚构示例）,双随机抽查,2026-10-20,发现问题，已责令限期整改,YYLY-2026-Q4,YYLY-01 占用征收林地情况检查"
    );
    // ten results recorded, two pending (not exported)
    assert_eq!(lines.len(), 1 + 10 + 1);
    // the same rows as a workbook, byte-stable
    let book = |name: &str| {
        let out = ssj(
            dir.path(),
            &[
                "disclose",
                "--result",
                "pub/result.json",
                "--plan",
                "plan.toml",
                "--results",
                "outcomes.csv",
                "--export",
                "gsxt",
                "--format",
                "xlsx",
                "--out",
                name,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        std::fs::read(dir.path().join(name)).unwrap()
    };
    let (a, b) = (book("a.xlsx"), book("b.xlsx"));
    assert!(a.starts_with(b"PK"));
    assert_eq!(a, b);
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    let dir = drawn();
    let d = dir.path();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--as-of", "2026-11-31"],
            "ssj: --as-of '2026-11-31' is not a real calendar day\n",
        ),
        (
            &["--export", "xlsx", "--results", "outcomes.csv"],
            "ssj: --export: unknown export 'xlsx'; expected gsxt\n",
        ),
        (
            &["--export", "gsxt"],
            "ssj: --export gsxt needs --results outcomes.csv\n",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec![
            "disclose",
            "--result",
            "pub/result.json",
            "--plan",
            "plan.toml",
        ];
        args.extend_from_slice(extra);
        let out = ssj(d, &args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert_eq!(text(&out.stderr), expected, "{extra:?}");
    }
}
