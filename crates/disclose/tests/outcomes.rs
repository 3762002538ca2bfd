//! Reading outcomes: headers, encodings, short forms, and every error with
//! its exact message and position.

mod common;

use shuangsuiji::DrawResult;
use shuangsuiji_disclose::{ErrorKind, OutcomeKind, read_outcomes};

fn result() -> DrawResult {
    common::sample_draw(&common::sample())
}

/// An entity of the registry that the draw did not pick.
fn not_drawn(r: &DrawResult) -> String {
    let ds = common::sample();
    ds.entities()
        .iter()
        .map(|e| e.uscc.clone())
        .find(|u| r.visits.iter().all(|v| &v.uscc != u))
        .unwrap()
}

#[test]
fn headers_in_either_language_any_order_bom_and_gbk() {
    let r = result();
    let (a, b) = (&r.visits[0], &r.visits[1]);
    let zh = format!(
        "\u{FEFF}备注,检查日期,检查结果,事项编号,统一社会信用代码\n\
         ,2026-11-02,无法联系,{},{}\n\
         \n\
         x,2026年11月3日,未发现相关经营活动,{},{}\n",
        a.items[0].to_lowercase(),
        a.uscc.to_lowercase(),
        b.items[0],
        b.uscc
    );
    let en = zh
        .replace("备注", "note")
        .replace("检查日期", "Date")
        .replace("检查结果", "OUTCOME")
        .replace("事项编号", "item")
        .replace("统一社会信用代码", "uscc");
    let (gbk, _, bad) = encoding_rs::GBK.encode(zh.trim_start_matches('\u{FEFF}'));
    assert!(!bad);
    let crlf = en.replace('\n', "\r\n");
    for bytes in [zh.as_bytes(), en.as_bytes(), &gbk[..], crlf.as_bytes()] {
        let o = read_outcomes("outcomes.csv", bytes, &r).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].uscc, a.uscc);
        assert_eq!(o[0].item, a.items[0]);
        assert_eq!(o[0].outcome.as_deref(), Some(OutcomeKind::Unreachable.zh()));
        assert_eq!(o[0].date.to_string(), "2026-11-02");
        assert_eq!(o[0].line, 2);
        assert_eq!(
            o[1].outcome.as_deref(),
            Some(OutcomeKind::NoRelevantActivity.zh())
        );
        assert_eq!(o[1].line, 4);
    }
}

#[test]
fn every_outcome_word_and_short_form() {
    for k in OutcomeKind::ALL {
        assert_eq!(OutcomeKind::parse(k.zh()), Some(k));
        assert_eq!(OutcomeKind::parse(k.code()), Some(k));
    }
    assert_eq!(
        OutcomeKind::parse("不配合检查"),
        Some(OutcomeKind::Uncooperative)
    );
    assert_eq!(
        OutcomeKind::parse("未发现相关经营活动"),
        Some(OutcomeKind::NoRelevantActivity)
    );
    assert_eq!(
        OutcomeKind::parse("通过登记的住所 (经营场所) 无法联系"),
        Some(OutcomeKind::Unreachable)
    );
    assert_eq!(OutcomeKind::parse("合格"), None);
}

#[test]
fn every_problem_in_one_pass_with_positions() {
    let r = result();
    let nd = not_drawn(&r);
    let v: Vec<_> = r.visits.iter().take(8).collect();
    let csv = format!(
        "统一社会信用代码,事项编号,检查结果,检查日期\n\
         {nd},YYLY-01,未发现问题,2026-11-01\n\
         {u1},YYLY-99,未发现问题,2026-11-01\n\
         {u2},{i2},合格,2026-11-01\n\
         {u3},{i3},未发现问题,2026-13-01\n\
         {u4},{i4},责令已改正,2026-10-01\n\
         {u5},{i5},未发现问题,2026-11-05\n\
         {u5},{i5},责令已改正,2026-11-06\n\
         {u6},{i6},,2026-11-01\n\
         {u7},{i7},未发现问题,\n",
        u1 = v[1].uscc,
        u2 = v[2].uscc,
        i2 = v[2].items[0],
        u3 = v[3].uscc,
        i3 = v[3].items[0],
        u4 = v[4].uscc,
        i4 = v[4].items[0],
        u5 = v[5].uscc,
        i5 = v[5].items[0],
        u6 = v[6].uscc,
        i6 = v[6].items[0],
        u7 = v[7].uscc,
        i7 = v[7].items[0],
    );
    let err = read_outcomes("outcomes.csv", csv.as_bytes(), &r).unwrap_err();
    let accepted = "未发现问题, 未按规定公示, 公示信息隐瞒真实情况弄虚作假, \
                    通过登记的住所（经营场所）无法联系, 不配合检查情节严重, 责令已改正, \
                    未发现开展本次抽查涉及的经营活动, 无法联系, 不配合检查, 未发现相关经营活动 \
                    (or the plan's own list, [results] outcomes)";
    let expected = [
        format!("outcomes.csv:2: 统一社会信用代码: entity {nd} was not drawn in plan YYLY-2026-Q4"),
        format!(
            "outcomes.csv:3: 事项编号: entity {} was not drawn for item YYLY-99 (it was drawn for {})",
            v[1].uscc,
            v[1].items.join(", ")
        ),
        format!("outcomes.csv:4: 检查结果: unknown outcome '合格'; accepted: {accepted}"),
        "outcomes.csv:5: 检查日期: date '2026-13-01' is not a real calendar day".to_string(),
        "outcomes.csv:6: 检查日期: date 2026-10-01 is before the plan date 2026-10-09, when the draw was made".to_string(),
        format!(
            "outcomes.csv:8: 事项编号: a second outcome for entity {} and item {} (first on line 7)",
            v[5].uscc, v[5].items[0]
        ),
        "outcomes.csv:9: 检查结果: the outcome is empty".to_string(),
        "outcomes.csv:10: 检查日期: the date is empty".to_string(),
    ];
    assert_eq!(err.to_string(), expected.join("\n"));
    let kinds: Vec<ErrorKind> = err.problems().iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::NotDrawn,
            ErrorKind::NotDrawn,
            ErrorKind::UnknownOutcome,
            ErrorKind::InvalidDate,
            ErrorKind::InvalidDate,
            ErrorKind::Duplicate,
            ErrorKind::MissingValue,
            ErrorKind::MissingValue,
        ]
    );
    assert_eq!(err.kind(), ErrorKind::NotDrawn);
    let p = &err.problems()[2];
    assert_eq!(
        (p.file.as_str(), p.line, p.column.as_deref()),
        ("outcomes.csv", Some(4), Some("检查结果"))
    );
}

#[test]
fn missing_columns_empty_file_and_bad_bytes() {
    let r = result();
    let err = read_outcomes("o.csv", "uscc,item,date\n".as_bytes(), &r).unwrap_err();
    assert_eq!(
        err.to_string(),
        "o.csv:1: missing column outcome (检查结果/抽查结果/结果)"
    );
    assert_eq!(err.kind(), ErrorKind::MissingColumn);

    let err = read_outcomes("o.csv", "事项编号\n".as_bytes(), &r).unwrap_err();
    assert_eq!(err.problems().len(), 3);
    assert_eq!(
        err.problems()[0].to_string(),
        "o.csv:1: missing column uscc (统一社会信用代码/信用代码/社会信用代码/unit/对象编号/项目编号/网格编号/点位编号)"
    );

    let err = read_outcomes("o.csv", &b""[..], &r).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingColumn);

    let err = read_outcomes(
        "o.csv",
        &b"uscc,item,outcome,date\n\xFF\xFE\xFF,x,y,z\n"[..],
        &r,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "o.csv:2: the file is neither UTF-8 nor GBK/GB18030"
    );
    assert_eq!(err.kind(), ErrorKind::Encoding);
}
