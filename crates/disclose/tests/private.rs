//! Data the rules do not publish never appears in any notice.

mod common;

use shuangsuiji::ALGORITHM;
use shuangsuiji::model::Date;
use shuangsuiji_disclose::{
    Format, Lang, Outcome, OutcomeKind, draw_notice, pre_draw_notice, results_notice,
};

#[test]
fn private_columns_never_appear() {
    let mut files = common::sample_files();
    let mut t = files["entities.csv"].clone();
    t = common::rewrite_column(&t, "法定代表人", |i, _| format!("SECRET-LEGALREP-{i}"));
    t = common::rewrite_column(&t, "联系电话", |i, _| format!("SECRET-PHONE-{i}"));
    t = common::rewrite_column(&t, "身份证号", |i, _| format!("SECRET-IDNO-{i}"));
    t = common::rewrite_column(&t, "备注", |i, _| format!("SECRET-NOTE-{i}"));
    files.insert("entities.csv".into(), t);
    let c = common::rewrite_column(&files["conflicts.csv"], "reason", |i, _| {
        format!("近亲属-SECRET-{i}")
    });
    files.insert("conflicts.csv".into(), c);
    let o = common::rewrite_column(&files["officers.csv"], "身份证号", |i, _| {
        format!("SECRET-OFFICER-ID-{i}")
    });
    files.insert("officers.csv".into(), o);
    let ds = common::load(&files);
    assert!(ds.conflicts().iter().all(|c| c.reason.contains("SECRET")));
    // the secrets do not change the draw: they are not part of any digest
    assert_eq!(ds.digests(), common::sample().digests());

    let result = common::sample_draw(&ds);
    let outcomes = common::sample_outcomes(&result);
    let extra = [Outcome {
        uscc: result.visits[0].uscc.clone(),
        item: result.visits[0].items[0].clone(),
        outcome: Some(OutcomeKind::NoProblem.zh().to_string()),
        date: Date::new(2026, 10, 20).unwrap(),
        line: 0,
    }];
    // history: the officers and dates of past inspections are not published
    let history_marks: Vec<String> = ds
        .history()
        .iter()
        .map(|h| format!("{} {}", h.item, h.date))
        .collect();
    let mut rendered = 0;
    for lang in Lang::ALL {
        for format in Format::ALL {
            for out in [
                pre_draw_notice(&ds, ALGORITHM, format, lang),
                draw_notice(&result, format, lang),
                results_notice(&result, &outcomes, format, lang),
                results_notice(&result, &extra, format, lang),
            ] {
                rendered += 1;
                assert!(!out.contains("SECRET"), "{lang} {format}: a secret leaked");
                assert!(
                    !out.contains("近亲属"),
                    "{lang} {format}: a conflict reason leaked"
                );
                for m in &history_marks {
                    assert!(!out.contains(m.as_str()), "{lang} {format}: history {m}");
                }
                if format == Format::Json {
                    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                    assert!(v.get("conflicts").is_none() && v.get("history").is_none());
                }
            }
        }
    }
    assert_eq!(rendered, 32);
}

#[test]
fn pre_draw_json_publishes_only_the_roster_fields() {
    let ds = common::sample();
    let v: serde_json::Value =
        serde_json::from_str(&pre_draw_notice(&ds, ALGORITHM, Format::Json, Lang::Zh)).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "algorithm",
            "digests",
            // the plan's [notice] table: 文号, issuer, contact, complaint channel
            "document",
            "items",
            "lang",
            "notice",
            "officers",
            "plan",
            "registry",
            "rules",
            "rules_text",
            "tasks",
            "title",
            "verify"
        ]
    );
    let officer: Vec<&str> = v["officers"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        officer,
        [
            "categories",
            "cert_no",
            "eligible",
            "name",
            "position",
            "regions",
            "unit"
        ]
    );
    assert_eq!(v["registry"]["entities"], 2000);
}
