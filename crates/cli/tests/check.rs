//! `ssj check` end to end: the sample passes; each kind of broken file
//! exits 2 and names the position.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/youyu-forestry")
}

fn ssj(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssj"))
        .args(args)
        .output()
        .expect("run ssj")
}

/// A copy of the sample in a temporary folder.
fn copy_sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// Replace line `n` (1-based) of `file` with `f(line)`.
fn edit_line(dir: &Path, file: &str, n: usize, f: impl Fn(&str) -> String) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[n - 1] = f(&lines[n - 1]);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
}

fn check(dir: &Path) -> (i32, String, String) {
    let plan = dir.join("plan.toml");
    let out = ssj(&["check", "--plan", plan.to_str().unwrap()]);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn sample_passes_with_a_readable_summary() {
    let (code, out, err) = check(&sample_dir());
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Plan YYLY-2026-Q4 — "), "{out}");
    assert!(
        out.contains("entities.csv   entities  UTF-8 (BOM)"),
        "{out}"
    );
    assert!(
        out.contains("personal data dropped: 法定代表人, 联系电话"),
        "{out}"
    );
    assert!(out.contains("YYLY-09+YYSC-01"), "{out}");
    assert!(out.contains("OK: no errors"), "{out}");
    // the expired certificates are warnings on stderr
    assert_eq!(
        err.lines()
            .filter(|l| l.contains(": warning: certificate"))
            .count(),
        2,
        "{err}"
    );
}

#[test]
fn json_summary_for_programs() {
    let plan = sample_dir().join("plan.toml");
    let out = ssj(&["check", "--json", "--plan", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["plan"]["id"], "YYLY-2026-Q4");
    assert_eq!(v["digests"]["entities"].as_str().unwrap().len(), 64);
    assert_eq!(v["summary"]["tasks"].as_array().unwrap().len(), 11);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn broken_entity_code_exits_2_with_position() {
    let dir = copy_sample();
    // the code is the second column of entities.csv
    edit_line(dir.path(), "entities.csv", 2, |l| {
        let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
        let code = &mut cells[1];
        let last = code.pop().unwrap();
        code.push(if last == '0' { '1' } else { '0' });
        cells.join(",")
    });
    let (code, out, err) = check(dir.path());
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("entities.csv:2: 统一社会信用代码: error: unified social credit code '"),
        "{err}"
    );
    assert!(err.contains("GB 32100-2015 gives"), "{err}");
    assert!(err.ends_with("ssj: 1 error in the inputs\n"), "{err}");
    // errors first, then the warnings that still apply
    assert_eq!(err.lines().count(), 4, "{err}");
}

type Edit = fn(&str) -> String;

#[test]
fn each_kind_of_broken_file_exits_2_and_names_it() {
    let cases: &[(&str, usize, Edit, &str)] = &[
        (
            "items.csv",
            2,
            |l| l.replacen('%', "00%", 1),
            "items.csv:2: 抽查比例: error: ratio '",
        ),
        (
            "officers.csv",
            3,
            |l| l.split(',').take(3).collect::<Vec<_>>().join(","),
            "officers.csv:3: error: row has 3 fields but the header has 9",
        ),
        (
            "history.csv",
            2,
            |l| {
                let mut c: Vec<&str> = l.split(',').collect();
                c[1] = "YYLY-99";
                c.join(",")
            },
            "history.csv:2: item: error: item 'YYLY-99' is not in items.csv",
        ),
        (
            "conflicts.csv",
            2,
            |l| {
                let mut c: Vec<&str> = l.split(',').collect();
                c[0] = "99999999";
                c.join(",")
            },
            "conflicts.csv:2: cert_no: error: officer '99999999' is not in officers.csv",
        ),
    ];
    for (file, line, f, expected) in cases {
        let dir = copy_sample();
        edit_line(dir.path(), file, *line, f);
        let (code, _, err) = check(dir.path());
        assert_eq!(code, 2, "{file}: {err}");
        assert!(
            err.starts_with(expected),
            "{file}: expected {expected:?}, got:\n{err}"
        );
    }
}

#[test]
fn team_size_one_in_the_plan_exits_2() {
    let dir = copy_sample();
    let p = dir.path().join("plan.toml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace("team_size = 2 ", "team_size = 1 ");
    std::fs::write(&p, t).unwrap();
    let (code, _, err) = check(dir.path());
    assert_eq!(code, 2);
    assert!(
        err.starts_with("plan.toml:23: rules.team_size: error: team_size is 1; the law requires at least 2 officers"),
        "{err}"
    );
}

#[test]
fn missing_plan_and_bad_usage_exit_2() {
    let out = ssj(&["check", "--plan", "/nonexistent/plan.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(
            "/nonexistent/plan.toml: error: cannot read the plan: No such file or directory"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ssj(&["check"]).status.code(), Some(2));
    assert_eq!(ssj(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn gbk_export_of_the_registry_checks_the_same() {
    let dir = copy_sample();
    let p = dir.path().join("entities.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    // what Excel in China writes when saving as CSV
    let gbk = encoding_rs::GB18030.encode(text).0.into_owned();
    std::fs::write(&p, gbk).unwrap();
    let plan = dir.path().join("plan.toml");
    let a = ssj(&["check", "--json", "--plan", plan.to_str().unwrap()]);
    let b = ssj(&[
        "check",
        "--json",
        "--plan",
        sample_dir().join("plan.toml").to_str().unwrap(),
    ]);
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(a["digests"], b["digests"]);
    assert_eq!(a["files"][2]["encoding"], "GBK/GB18030");
}

/// Draw the plan in `dir` with a fixed seed; the bytes of result.json.
fn draw_bytes(dir: &Path, seed: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_ssj"))
        .current_dir(dir)
        .args([
            "draw",
            "--plan",
            "plan.toml",
            "--seed",
            seed,
            "--out",
            "out",
            "-q",
        ])
        .env("SOURCE_DATE_EPOCH", "1791511200")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(dir.join("out/result.json")).unwrap()
}

#[test]
fn shuffled_rows_same_draw_other_seed_other_draw() {
    let seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";
    let a = copy_sample();
    let reference = draw_bytes(a.path(), seed);
    assert_eq!(
        reference,
        draw_bytes(copy_sample().path(), seed),
        "same seed, same bytes"
    );
    // every CSV with its data rows reversed and rotated
    let b = copy_sample();
    for f in [
        "items.csv",
        "officers.csv",
        "entities.csv",
        "history.csv",
        "conflicts.csv",
    ] {
        let p = b.path().join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        let k = lines.len() / 3;
        lines.rotate_left(k);
        std::fs::write(&p, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    }
    assert_eq!(
        reference,
        draw_bytes(b.path(), seed),
        "row order changed the draw"
    );
    let other = draw_bytes(
        copy_sample().path(),
        "90 81 72 63 54 45 36 27 18 09 11 22 33 44 55",
    );
    assert_ne!(reference, other);
}

/// Leave one officer certified for 野生动植物保护 (team size 2): no seed
/// can staff YYLY-08.
fn one_wildlife_officer(dir: &Path) {
    let p = dir.join("officers.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            let mut c: Vec<String> = l.split(',').map(str::to_string).collect();
            if c.len() > 5 && c[0] != "14062304001" {
                c[5] = c[5].replace("野生动植物保护", "林政执法");
            }
            c.join(",")
        })
        .collect();
    std::fs::write(&p, out.join("\n") + "\n").unwrap();
}

#[test]
fn undrawable_plan_exits_3_with_the_message_draw_gives() {
    let dir = copy_sample();
    one_wildlife_officer(dir.path());
    let (code, out, err) = check(dir.path());
    assert_eq!(code, 3, "{err}");
    assert!(
        out.contains("NOT DRAWABLE: no seed can draw this plan"),
        "{out}"
    );
    let expected = "ssj: the rules cannot be satisfied: item YYLY-08, stratum 右卫镇 of task 8: \
        1 to draw from 11 eligible, 11 of which cannot get a team (first: 91140623MA05QMF84F \
        右玉县盛源鹿业有限公司 (右卫镇)): only 1 officer of 右玉县林业局（虚构示例） meets all \
        of: active with a certificate valid on 2026-10-09; certified for 野生动植物保护; team \
        size is 2\n";
    assert!(err.ends_with(expected), "{err}");
    // draw says the same after the entity (whatever the seed)
    let plan = dir.path().join("plan.toml");
    let d = ssj(&[
        "draw",
        "--plan",
        plan.to_str().unwrap(),
        "--seed",
        "38 17 05 92 64 11 83 20 19 47 56 02 91 38 74 65 10 29 48 37",
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(d.status.code(), Some(3));
    let derr = String::from_utf8(d.stderr).unwrap();
    assert!(
        derr.contains("only 1 officer of 右玉县林业局（虚构示例） meets all of: active with a certificate valid on 2026-10-09; certified for 野生动植物保护; team size is 2"),
        "{derr}"
    );
    // the JSON preview says it too
    let j = ssj(&["check", "--json", "--plan", plan.to_str().unwrap()]);
    assert_eq!(j.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["preview"]["infeasible"]["item"], "YYLY-08");
    assert_eq!(v["preview"]["tasks"][7]["total"], 4);
}

#[test]
fn preview_counts_are_the_draws() {
    let plan = sample_dir().join("plan.toml");
    let j = ssj(&["check", "--json", "--plan", plan.to_str().unwrap()]);
    assert_eq!(j.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let r: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/vectors/youyu-forestry.result.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let tasks = v["preview"]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 11);
    for (p, t) in tasks.iter().zip(r["tasks"].as_array().unwrap()) {
        assert_eq!(p["exact"], true);
        assert_eq!(p["total"], t["total"]);
        assert_eq!(p["allocation"], t["allocation"]);
    }
    assert!(v["preview"]["infeasible"].is_null());
}

#[test]
fn certificate_expiring_inside_the_period_is_warned_and_the_rule_excludes_it() {
    let dir = copy_sample();
    // 周桂兰's certificate ends mid-quarter
    edit_line(dir.path(), "officers.csv", 2, |l| {
        l.replace("2028-12-31", "2026-11-15")
    });
    let (code, _, err) = check(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("officers.csv:2: cert_expiry: warning: certificate 14062301001 of 周桂兰 expires on 2026-11-15, inside the period 2026-10-09 to 2026-12-31; the officer can be assigned visits after that day (renew it, or set rules.certified_through_period_end = true)\n"),
        "{err}"
    );
    let p = dir.path().join("plan.toml");
    let t = std::fs::read_to_string(&p).unwrap().replace(
        "stratify = \"region\"",
        "stratify = \"region\"\ncertified_through_period_end = true",
    );
    std::fs::write(&p, t).unwrap();
    let (code, out, err) = check(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("officers.csv:2: cert_expiry: warning: certificate 14062301001 of 周桂兰 expires on 2026-11-15, before the period ends on 2026-12-31; this officer is not eligible (rules.certified_through_period_end)\n"),
        "{err}"
    );
    assert!(
        out.contains("42 eligible on 2026-10-09 through 2026-12-31"),
        "{out}"
    );
}

#[test]
fn a_load_cap_no_seed_can_meet_exits_3() {
    let dir = copy_sample();
    let p = dir.path().join("plan.toml");
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replace("officer_max_load = 12 ", "officer_max_load = 6 ");
    std::fs::write(&p, t).unwrap();
    let (code, _, err) = check(dir.path());
    assert_eq!(code, 3, "{err}");
    assert!(
        err.ends_with(
            "ssj: the rules cannot be satisfied: item YYLY-01+YYLY-02+YYLY-03+YYLY-04+YYLY-05+\
             YYLY-06+YYLY-07+YYLY-08+YYLY-09+YYLY-10+YYLY-11, department 右玉县林业局（虚构示例）: \
             at least 129 visits need 258 officer places but the 37 officers who could serve \
             them can fill at most 37 × 6 = 222 (officer_max_load 6)\n"
        ),
        "{err}"
    );
}
