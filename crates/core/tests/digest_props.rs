//! Property: re-exporting the same data (row order, column order, header
//! language, quoting, encoding, BOM) never changes a digest; changing any
//! value that is read always does.

use std::io::Read;

use proptest::prelude::*;
use shuangsuiji::Dataset;
use shuangsuiji::model::check_character;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc(body: &[u8; 17]) -> String {
    let mut s: Vec<u8> = body.to_vec();
    s.push(check_character(body).unwrap() as u8);
    String::from_utf8(s).unwrap()
}

#[derive(Debug, Clone)]
struct Ent {
    uscc: String,
    name: String,
    types: Vec<&'static str>,
    region: &'static str,
    class: &'static str,
}

/// (English header, Chinese header) per column, and how to render a cell.
const COLS: [(&str, &str); 5] = [
    ("uscc", "统一社会信用代码"),
    ("name", "名称"),
    ("types", "对象类型"),
    ("region", "行政区划"),
    ("credit_class", "信用风险分类"),
];

fn cell(e: &Ent, col: usize, sep: &str) -> String {
    match col {
        0 => e.uscc.clone(),
        1 => e.name.clone(),
        2 => e.types.join(sep),
        3 => e.region.to_string(),
        _ => e.class.to_string(),
    }
}

fn quote(s: &str, always: bool) -> String {
    if always || s.contains(',') || s.contains('"') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone)]
struct Export {
    order: Vec<usize>,
    cols: Vec<usize>,
    chinese: Vec<bool>,
    quote_all: bool,
    sep: &'static str,
    gbk: bool,
    bom: bool,
    crlf: bool,
}

fn render(ents: &[Ent], x: &Export) -> Vec<u8> {
    let nl = if x.crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    let header: Vec<String> = x
        .cols
        .iter()
        .map(|&c| {
            quote(
                if x.chinese[c] { COLS[c].1 } else { COLS[c].0 },
                x.quote_all,
            )
        })
        .collect();
    s.push_str(&header.join(","));
    s.push_str(nl);
    for &i in &x.order {
        let row: Vec<String> = x
            .cols
            .iter()
            .map(|&c| quote(&cell(&ents[i], c, x.sep), x.quote_all))
            .collect();
        s.push_str(&row.join(","));
        s.push_str(nl);
    }
    if x.gbk {
        encoding_rs::GB18030.encode(&s).0.into_owned()
    } else if x.bom {
        let mut b = b"\xEF\xBB\xBF".to_vec();
        b.extend_from_slice(s.as_bytes());
        b
    } else {
        s.into_bytes()
    }
}

const PLAN: &str = r#"
[plan]
id = "P"
title = "t"
authority = "a"
period_start = 2026-10-01
period_end = 2026-12-31
seed_source = "s"
[inputs]
items = "items.csv"
officers = "officers.csv"
entities = "entities.csv"
"#;
const ITEMS: &str = "id,name,department,legal_basis,object_types,ratio,category\nI1,n,d,b,林木采伐单位,5%,林政执法\n";
const OFFICERS: &str = "cert_no,name,unit,categories,regions\nO1,张三,u,林政执法,*\n";

fn entities_digest(bytes: Vec<u8>) -> String {
    let ds = Dataset::load("plan.toml", PLAN, |name| {
        let b = match name {
            "items.csv" => ITEMS.as_bytes().to_vec(),
            "officers.csv" => OFFICERS.as_bytes().to_vec(),
            _ => bytes.clone(),
        };
        Ok(Box::new(std::io::Cursor::new(b)) as Box<dyn Read>)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    ds.digests().entities.clone()
}

fn ent_strategy() -> impl Strategy<Value = Ent> {
    let types = ["林木采伐单位", "苗木生产经营者", "木材经营加工企业"];
    let regions = ["威远镇", "新城镇", "右卫镇"];
    (
        proptest::array::uniform17(proptest::sample::select(ALPHABET)),
        "[甲乙丙丁戊]{1,4}(有限公司|合作社|, \"林场\")",
        proptest::sample::subsequence(types.to_vec(), 1..=2),
        proptest::sample::select(regions.to_vec()),
        proptest::sample::select(vec!["A", "B", "C", "D", ""]),
    )
        .prop_map(|(body, name, types, region, class)| Ent {
            uscc: uscc(&body),
            name,
            types,
            region,
            class,
        })
}

fn frame() -> impl Strategy<Value = Vec<Ent>> {
    proptest::collection::vec(ent_strategy(), 1..25).prop_map(|mut v| {
        v.sort_by(|a, b| a.uscc.cmp(&b.uscc));
        v.dedup_by(|a, b| a.uscc == b.uscc);
        v
    })
}

fn export(n: usize) -> impl Strategy<Value = Export> {
    (
        Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        Just((0..5).collect::<Vec<_>>()).prop_shuffle(),
        proptest::collection::vec(any::<bool>(), 5),
        any::<bool>(),
        proptest::sample::select(vec![";", "；", "、"]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(order, cols, chinese, quote_all, sep, gbk, bom, crlf)| Export {
                order,
                cols,
                chinese,
                quote_all,
                sep,
                gbk,
                bom,
                crlf,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn re_export_keeps_the_digest(
        (ents, a, b) in frame().prop_flat_map(|e| { let n = e.len(); (Just(e), export(n), export(n)) })
    ) {
        prop_assert_eq!(entities_digest(render(&ents, &a)), entities_digest(render(&ents, &b)));
    }

    #[test]
    fn any_change_changes_the_digest(
        (ents, x, which, field) in frame().prop_flat_map(|e| { let n = e.len(); (Just(e), export(n), 0..n, 1..5usize) })
    ) {
        let mut changed = ents.clone();
        let e = &mut changed[which];
        match field {
            1 => e.name.push('X'),
            2 => e.types = if e.types == ["木材经营加工企业"] { vec!["林木采伐单位"] } else { vec!["木材经营加工企业"] },
            3 => e.region = if e.region == "威远镇" { "新城镇" } else { "威远镇" },
            _ => e.class = if e.class == "A" { "B" } else { "A" },
        }
        prop_assert_ne!(entities_digest(render(&ents, &x)), entities_digest(render(&changed, &x)));
    }
}
