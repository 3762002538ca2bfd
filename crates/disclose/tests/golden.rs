//! Golden files: every notice × format × language on the sample data with
//! a fixed seed. `SSJ_BLESS=1 cargo test -p shuangsuiji-disclose --test
//! golden` rewrites them; otherwise a difference fails with the first
//! differing line.

mod common;

use shuangsuiji::ALGORITHM;
use shuangsuiji_disclose::{
    Format, Lang, ResultsOptions, draw_notice, draw_notice_for, gsxt_csv, pre_draw_notice,
    read_outcomes_with, results_notice, results_notice_with,
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/");

/// Compare against (or, when blessing, write) one golden file; returns a
/// description of the difference.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = format!("{DIR}{name}");
    if std::env::var_os("SSJ_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let Ok(expected) = std::fs::read_to_string(&path) else {
        return Some(format!(
            "{name}: golden file missing; run with SSJ_BLESS=1 to create it"
        ));
    };
    if expected == actual {
        return None;
    }
    let (mut e, mut a) = (expected.split('\n'), actual.split('\n'));
    let mut line = 0;
    loop {
        line += 1;
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                return Some(format!(
                    "{name}: first difference at line {line}\n  expected: {}\n  actual:   {}\n  (SSJ_BLESS=1 rewrites the golden files)",
                    x.map_or("<end of file>".to_string(), |s| format!("{s:?}")),
                    y.map_or("<end of file>".to_string(), |s| format!("{s:?}")),
                ));
            }
        }
    }
}

#[test]
fn golden_notices() {
    let ds = common::sample();
    let result = common::sample_draw(&ds);
    let outcomes = common::sample_outcomes(&result);
    let mut failures = Vec::new();
    let mut count = 0;
    for lang in Lang::ALL {
        for format in Format::ALL {
            let ext = format.extension();
            let notices = [
                ("pre_draw", pre_draw_notice(&ds, ALGORITHM, format, lang)),
                (
                    "draw",
                    draw_notice_for(&result, &ds.plan().notice, format, lang),
                ),
                ("results", results_notice(&result, &outcomes, format, lang)),
            ];
            for (kind, text) in notices {
                count += 1;
                failures.extend(check(&format!("{kind}.{lang}.{ext}"), &text));
            }
        }
    }
    assert_eq!(count, 24);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn same_input_same_bytes() {
    let ds = common::sample();
    let result = common::sample_draw(&ds);
    let again = common::sample_draw(&common::sample());
    let outcomes = common::sample_outcomes(&result);
    for lang in Lang::ALL {
        for format in Format::ALL {
            assert_eq!(
                pre_draw_notice(&ds, ALGORITHM, format, lang),
                pre_draw_notice(&common::sample(), ALGORITHM, format, lang)
            );
            assert_eq!(
                draw_notice(&result, format, lang),
                draw_notice(&again, format, lang)
            );
            // outcome order in the file does not matter
            let mut reversed = outcomes.clone();
            reversed.reverse();
            assert_eq!(
                results_notice(&result, &outcomes, format, lang),
                results_notice(&again, &reversed, format, lang)
            );
        }
    }
}

#[test]
fn golden_result_round_trips_through_json() {
    // a notice rendered from result.json read back equals one rendered from
    // the in-memory result, as `ssj disclose --result` does it
    let result = common::sample_draw(&common::sample());
    let back = shuangsuiji::DrawResult::from_json(&result.to_canonical_json()).unwrap();
    for format in Format::ALL {
        assert_eq!(
            draw_notice(&result, format, Lang::Zh),
            draw_notice(&back, format, Lang::Zh)
        );
    }
}

#[test]
fn format_properties() {
    let ds = common::sample();
    let result = common::sample_draw(&ds);
    let outcomes = common::sample_outcomes(&result);
    for lang in Lang::ALL {
        let all = |format| {
            [
                pre_draw_notice(&ds, ALGORITHM, format, lang),
                draw_notice(&result, format, lang),
                results_notice(&result, &outcomes, format, lang),
            ]
        };
        for html in all(Format::Html) {
            assert!(html.starts_with("<!DOCTYPE html>\n"));
            assert!(html.contains("<meta charset=\"utf-8\">"));
            assert!(html.contains("name=\"viewport\""));
            assert!(html.contains("@page{size:A4"));
            assert!(html.contains("@media print"));
            assert!(html.contains("@media (max-width:640px)"));
            // self-contained: no scripts, links or external resources
            for bad in ["<script", "<link", "src=", "href=", "url(", "@import"] {
                assert!(!html.contains(bad), "{bad}");
            }
        }
        for csv in all(Format::Csv) {
            assert!(csv.starts_with('\u{FEFF}'));
            assert!(csv.ends_with("\r\n"));
            assert!(!csv.replace("\r\n", "").contains('\n') || csv.contains('"'));
        }
        for json in all(Format::Json) {
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(
                json,
                shuangsuiji::commit::digest::canonical_json(&v),
                "not canonical"
            );
            assert_eq!(v["lang"], lang.code());
        }
        for md in all(Format::Markdown) {
            assert!(md.starts_with("# "));
        }
    }
    // labels are translated: no CJK outside data values in an English
    // notice's headings
    let en = draw_notice(&result, Format::Markdown, Lang::En);
    for line in en.lines().filter(|l| l.starts_with("## ")) {
        assert!(line.is_ascii(), "untranslated heading {line}");
    }
}

/// The sample plan's own outcome vocabulary (`[results]`), due dates and
/// `--as-of`: the results notice in every format and both languages, and
/// the export for the publicity system, against golden files.
#[test]
fn golden_results_with_the_plan_vocabulary_and_due_dates() {
    let ds = common::sample();
    let result = common::sample_draw(&ds);
    let as_of = "2026-11-30".parse().unwrap();
    let options = ResultsOptions::for_plan(ds.plan(), Some(as_of)).unwrap();
    let words: Vec<&str> = options.vocabulary.words().collect();
    assert!(words.contains(&"发现问题，已责令限期整改"));
    // cycle through the plan's words; every 5th inspection pending, every
    // 7th not in the file
    let mut csv = String::from("检查结果,检查日期,统一社会信用代码,事项编号\n");
    let mut n = 0usize;
    for v in &result.visits {
        for item in &v.items {
            n += 1;
            if n.is_multiple_of(7) {
                continue;
            }
            let word = if n.is_multiple_of(5) {
                "待公示"
            } else {
                words[n % words.len()]
            };
            let day = 12 + (n % 40);
            let (m, d) = if day > 31 { (11, day - 31) } else { (10, day) };
            csv.push_str(&format!(
                "\"{word}\",2026-{m:02}-{d:02},{},{item}\n",
                v.uscc
            ));
        }
    }
    let outcomes = read_outcomes_with("outcomes.csv", csv.as_bytes(), &result, &options.vocabulary)
        .unwrap_or_else(|e| panic!("{e}"));
    let late = shuangsuiji_disclose::overdue(&outcomes, &options);
    assert!(!late.is_empty());
    assert!(late.iter().all(|o| o.due < as_of));
    let mut failures = Vec::new();
    for lang in Lang::ALL {
        for format in Format::ALL {
            let text = results_notice_with(&result, &outcomes, &options, format, lang);
            if format == Format::Markdown {
                let (due, word) = match lang {
                    Lang::Zh => ("应公示日期", "发现问题，已责令限期整改"),
                    Lang::En => (
                        "Publish by",
                        "Problems found; ordered to correct within a time limit",
                    ),
                };
                assert!(text.contains(due) && text.contains(word), "{lang}");
            }
            failures.extend(check(
                &format!("results_plan.{lang}.{}", format.extension()),
                &text,
            ));
        }
    }
    failures.extend(check(
        "results_plan.gsxt.csv",
        &gsxt_csv(&result, &outcomes, &options),
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
