//! Golden files: every notice × format × language on the sample data with
//! a fixed seed. `SSJ_BLESS=1 cargo test -p shuangsuiji-disclose --test
//! golden` rewrites them; otherwise a difference fails with the first
//! differing line.

mod common;

use shuangsuiji::ALGORITHM;
use shuangsuiji_disclose::{Format, Lang, draw_notice, pre_draw_notice, results_notice};

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
                ("draw", draw_notice(&result, format, lang)),
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
