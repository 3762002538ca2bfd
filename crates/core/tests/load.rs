//! Loading and validation: every error class with its exact message and
//! position, bilingual headers, encodings, and digest invariance.

use std::collections::BTreeMap;
use std::io::Read;

use shuangsuiji::{Dataset, DiagnosticKind, Error};

const PLAN: &str = r#"
[plan]
id = "T-1"
title = "test plan"
authority = "某县林业局"
period_start = 2026-10-01
period_end = 2026-12-31
seed_source = "dice"

[inputs]
items = "items.csv"
officers = "officers.csv"
entities = "entities.csv"
history = "history.csv"
conflicts = "conflicts.csv"
"#;

const ITEMS: &str = "\
id,name,department,legal_basis,object_types,ratio,category,level
LY-01,林木采伐,某县林业局,森林法第五十六条,林木采伐单位,5%,林政执法,一般
LY-02,植物检疫,某县林业局,植物检疫条例,苗木生产经营者、林木采伐单位,2%,植物检疫,
";

const OFFICERS: &str = "\
cert_no,name,unit,categories,regions,cert_expiry
14060001,张三,林政股,林政执法;植物检疫,威远镇;新城镇,2028-12-31
14060002,李四,林政股,林政执法,*,2028/12/31
14060003,王五,检疫站,植物检疫,全部,2029年3月31日
";

const ENTITIES: &str = "\
uscc,name,types,region,credit_class,status
9144030071526726XG,甲公司,林木采伐单位,威远镇,A,存续
91330100716105852F,乙公司,苗木生产经营者,新城镇,B,在业
91110000100010433L,丙公司,林木采伐单位,新城镇,D,注销
";

const HISTORY: &str =
    "uscc,item,date,officers\n9144030071526726XG,LY-01,2025-11-02,14060001;14060002\n";
const CONFLICTS: &str = "cert_no,uscc,reason\n14060003,91330100716105852F,近亲属\n";

type Files = BTreeMap<&'static str, Vec<u8>>;

fn files() -> Files {
    let mut f = Files::new();
    f.insert("items.csv", ITEMS.as_bytes().to_vec());
    f.insert("officers.csv", OFFICERS.as_bytes().to_vec());
    f.insert("entities.csv", ENTITIES.as_bytes().to_vec());
    f.insert("history.csv", HISTORY.as_bytes().to_vec());
    f.insert("conflicts.csv", CONFLICTS.as_bytes().to_vec());
    f
}

fn load_with(plan: &str, files: &Files) -> Result<Dataset, Error> {
    Dataset::load("plan.toml", plan, |name| {
        files
            .get(name)
            .map(|b| Box::new(std::io::Cursor::new(b.clone())) as Box<dyn Read>)
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory")
            })
    })
}

fn load(files: &Files) -> Result<Dataset, Error> {
    load_with(PLAN, files)
}

/// The diagnostics of a failed load, rendered one per line.
fn errors(r: Result<Dataset, Error>) -> Vec<String> {
    let e = r.expect_err("expected invalid input");
    e.diagnostics()
        .expect("an input error")
        .iter()
        .map(|d| d.to_string())
        .collect()
}

fn with(file: &'static str, text: &str) -> Files {
    let mut f = files();
    f.insert(file, text.as_bytes().to_vec());
    f
}

#[test]
fn valid_inputs_load_sorted_and_normalised() {
    let ds = load(&files()).unwrap();
    assert_eq!(ds.items().len(), 2);
    assert_eq!(
        ds.officers()[2].cert_expiry.unwrap().to_string(),
        "2029-03-31"
    );
    assert_eq!(ds.officers()[0].categories, vec!["林政执法", "植物检疫"]);
    assert_eq!(
        ds.entities()
            .iter()
            .map(|e| e.uscc.as_str())
            .collect::<Vec<_>>(),
        vec![
            "91110000100010433L",
            "91330100716105852F",
            "9144030071526726XG"
        ]
    );
    assert!(!ds.entities()[0].active);
    assert_eq!(
        ds.items()[1].object_types,
        vec!["林木采伐单位", "苗木生产经营者"]
    );
    assert_eq!(
        ds.plan().tasks.len(),
        2,
        "one task per item when the plan lists none"
    );
    assert!(ds.warnings().is_empty(), "{:?}", ds.warnings());
}

#[test]
fn chinese_headers_any_order_same_digest() {
    let zh_items = "\
事项类别,执法类别,抽查比例,抽查对象,抽查依据,抽查主体,事项名称,事项编号
一般,林政执法,0.05,林木采伐单位,森林法第五十六条,某县林业局,林木采伐,LY-01
,植物检疫,20‰,林木采伐单位；苗木生产经营者,植物检疫条例,某县林业局,植物检疫,LY-02
";
    let zh_entities = "\
名称,统一社会信用代码,行政区划,对象类型,信用风险分类,登记状态,法定代表人,联系电话,备注
丙公司,91110000100010433L,新城镇,林木采伐单位,D类,注销,赵某,139****0001,
\"乙公司\",91330100716105852f,新城镇,苗木生产经营者,B,在业,钱某,139****0002,x
甲公司, 9144030071526726XG ,威远镇,林木采伐单位,A,存续,孙某,139****0003,
";
    let en = load(&files()).unwrap();
    let mut f = with("items.csv", zh_items);
    f.insert("entities.csv", zh_entities.as_bytes().to_vec());
    let zh = load(&f).unwrap();
    assert_eq!(en.digests(), zh.digests());
    let ent = zh.files().iter().find(|r| r.kind == "entities").unwrap();
    assert_eq!(ent.private_columns, vec!["法定代表人", "联系电话"]);
    assert_eq!(ent.unknown_columns, vec!["备注"]);
}

/// Whitespace as spreadsheets leave it, before or after any one field of
/// a record, is cleaned away: the digests are those of the clean file.
/// (A record with no whitespace anywhere is taken as clean without
/// checking its fields one by one; this is the other side of that.)
#[test]
fn whitespace_in_any_field_is_cleaned() {
    let clean = load(&files()).unwrap();
    let lines: Vec<&str> = ENTITIES.lines().collect();
    for ws in [
        " ", "\t", "\u{3000}", "\u{00A0}", "\u{200B}", "\u{FEFF}", "\u{2003}",
    ] {
        for row in 1..lines.len() {
            let cells: Vec<&str> = lines[row].split(',').collect();
            for field in 0..cells.len() {
                for before in [true, false] {
                    let mut edited = cells.clone();
                    let cell = if before {
                        format!("{ws}{}", cells[field])
                    } else {
                        format!("{}{ws}", cells[field])
                    };
                    edited[field] = &cell;
                    let mut text = String::new();
                    for (i, line) in lines.iter().enumerate() {
                        if i == row {
                            text.push_str(&edited.join(","));
                        } else {
                            text.push_str(line);
                        }
                        text.push('\n');
                    }
                    let ds = load(&with("entities.csv", &text))
                        .unwrap_or_else(|e| panic!("{ws:?} in field {field} of row {row}: {e}"));
                    assert_eq!(
                        ds.digests(),
                        clean.digests(),
                        "{ws:?} in field {field} of row {row}"
                    );
                }
            }
        }
    }
}

#[test]
fn gbk_file_and_bom() {
    // what Excel in China writes: GBK (GB18030 encodes these characters
    // with the same bytes as GBK)
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(ENTITIES);
    assert!(!unmappable);
    assert_ne!(gbk.as_ref(), ENTITIES.as_bytes());
    let mut f = files();
    f.insert("entities.csv", gbk.into_owned());
    let ds = load(&f).unwrap();
    assert_eq!(ds.digests(), load(&files()).unwrap().digests());
    assert_eq!(ds.files()[2].encoding, "GBK/GB18030");

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(ENTITIES.as_bytes());
    let mut f = files();
    f.insert("entities.csv", bom);
    let ds = load(&f).unwrap();
    assert_eq!(ds.files()[2].encoding, "UTF-8 (BOM)");
    assert_eq!(ds.digests(), load(&files()).unwrap().digests());
}

#[test]
fn missing_required_column() {
    let e = errors(load(&with(
        "entities.csv",
        "uscc,name,region\n9144030071526726XG,甲,威远镇\n",
    )));
    assert_eq!(
        e,
        vec![
            "entities.csv:1: error: missing required column types (对象类型); the header has: uscc, name, region"
        ]
    );
}

#[test]
fn duplicate_ids_name_both_lines() {
    let text = format!("{ENTITIES}9144030071526726XG,甲公司二号,林木采伐单位,威远镇,A,存续\n");
    assert_eq!(
        errors(load(&with("entities.csv", &text))),
        vec![
            "entities.csv:5: uscc: error: duplicate unified social credit code '9144030071526726XG' (already on line 2)"
        ]
    );
}

#[test]
fn invalid_uscc_says_expected_character() {
    let text = ENTITIES.replace("9144030071526726XG", "9144030071526726XH");
    assert_eq!(
        errors(load(&with("entities.csv", &text))),
        vec![
            // reported once: references into a file with errors are not
            // checked again (history names this entity too)
            "entities.csv:2: uscc: error: unified social credit code '9144030071526726XH' check character (18th) is 'H' but GB 32100-2015 gives 'G'; a character is mistyped",
        ]
    );
    let text = ENTITIES.replace("91330100716105852F", "9133010071610585");
    let e = errors(load(&with("entities.csv", &text)));
    assert_eq!(
        e[0],
        "entities.csv:3: uscc: error: unified social credit code '9133010071610585' has 16 characters; a unified social credit code has 18"
    );
}

#[test]
fn unknown_references() {
    let mut f = with(
        "history.csv",
        "uscc,item,date,officers\n9144030071526726XG,LY-09,2025-11-02,14060001;14069999\n",
    );
    f.insert(
        "conflicts.csv",
        b"cert_no,uscc,reason\n14060099,91330100716105852F,\n".to_vec(),
    );
    assert_eq!(
        errors(load(&f)),
        vec![
            "history.csv:2: item: error: item 'LY-09' is not in items.csv",
            "history.csv:2: officers: error: officer '14069999' is not in officers.csv",
            "conflicts.csv:2: cert_no: error: officer '14060099' is not in officers.csv",
        ]
    );
}

#[test]
fn unknown_category_and_task_item() {
    let items = ITEMS.replace("植物检疫,\n", "野生动物,\n");
    let plan =
        format!("{PLAN}\n[[tasks]]\nitems = [\"LY-01\"]\n\n[[tasks]]\nitems = [\"LY-07\"]\n");
    let mut f = files();
    f.insert("items.csv", items.into_bytes());
    assert_eq!(
        errors(load_with(&plan, &f)),
        vec![
            "plan.toml:21: tasks[2].items: error: item 'LY-07' is not in items.csv",
            "items.csv:3: category: error: category '野生动物' of item LY-02 is held by no officer in officers.csv",
        ]
    );
}

#[test]
fn ratios_outside_range_and_min_above_max() {
    let items = "\
id,name,department,legal_basis,object_types,ratio,min,max,category
A,a,d,b,林木采伐单位,0,,,林政执法
B,b,d,b,林木采伐单位,101%,,,林政执法
C,c,d,b,林木采伐单位,-5%,,,林政执法
D,d,d,b,林木采伐单位,五成,,,林政执法
E,e,d,b,林木采伐单位,5%,9,3,林政执法
F,f,d,b,林木采伐单位,5‰,1.5,,林政执法
";
    assert_eq!(
        errors(load(&with("items.csv", items))),
        vec![
            "items.csv:2: ratio: error: ratio '0' must be greater than 0",
            "items.csv:3: ratio: error: ratio '101%' is above 100%",
            "items.csv:4: ratio: error: ratio '-5%' must be greater than 0",
            "items.csv:5: ratio: error: ratio '五成' is not a ratio; write it as 5%, 5‰ or 0.05 (a minimum may be written 不低于5%, 不少于5%, 至少5%, ≥5%, =5% or 5%以上: the same as 5%), a range 10%-30%, 10%～30%, 10%至30% or 不低于10%，不高于30%, a count 10户 or 不少于10户, a ratio and a frequency 3%;2次/年 or 3%，每年2次, or no number: 根据实际情况确定 or 按需",
            "items.csv:6: max: error: minimum 9 is above maximum 3",
            "items.csv:7: min: error: '1.5' is not a whole number of entities",
        ]
    );
}

#[test]
fn team_size_below_two() {
    let plan = format!("{PLAN}\n[rules]\nteam_size = 1\n");
    assert_eq!(
        errors(load_with(&plan, &files())),
        vec![
            "plan.toml:18: rules.team_size: error: team_size is 1; the law requires at least 2 officers (行政处罚法 Art. 42)"
        ]
    );
}

#[test]
fn expired_certificate_is_a_warning() {
    let officers = OFFICERS.replace("2028/12/31", "2026-09-30");
    let ds = load(&with("officers.csv", &officers)).unwrap();
    let w: Vec<String> = ds.warnings().iter().map(|d| d.to_string()).collect();
    assert_eq!(
        w,
        vec![
            "officers.csv:3: cert_expiry: warning: certificate 14060002 of 李四 expired on 2026-09-30, before the plan date 2026-10-01; this officer is not eligible"
        ]
    );
    assert_eq!(ds.warnings()[0].kind, DiagnosticKind::ExpiredCertificate);
    let o = ds.officer("14060002").unwrap();
    assert!(!ds.officer_eligible(o));
}

#[test]
fn empty_files_and_header_only() {
    assert_eq!(
        errors(load(&with("officers.csv", ""))),
        vec![
            "officers.csv: error: the file is empty; expected a header row with cert_no (证件编号), name (姓名), unit (单位), categories (执法类别), regions (执法区域)"
        ]
    );
    let e = errors(load(&with("entities.csv", "uscc,name,types,region\n")));
    assert_eq!(
        e[0],
        "entities.csv: error: the file has a header but no records"
    );
    // history may be header-only
    assert!(load(&with("history.csv", "uscc,item,date,officers\n")).is_ok());
}

#[test]
fn ragged_rows() {
    let text = format!("{ENTITIES}91110000100010433L,丁公司\n");
    assert_eq!(
        errors(load(&with("entities.csv", &text))),
        vec!["entities.csv:5: error: row has 2 fields but the header has 6"]
    );
}

#[test]
fn gbk_declared_as_utf8_suggests_the_setting() {
    let (gbk, _, _) = encoding_rs::GB18030.encode(ENTITIES);
    let mut f = files();
    f.insert("entities.csv", gbk.into_owned());
    let plan = PLAN.replace(
        "conflicts = \"conflicts.csv\"",
        "conflicts = \"conflicts.csv\"\nencoding = \"utf-8\"",
    );
    let e = errors(load_with(&plan, &f));
    assert_eq!(
        e[0],
        "entities.csv:2: error: invalid UTF-8 bytes 0xBC; if Excel saved it as GBK, set encoding = \"gbk\" in [inputs] of the plan"
    );
}

#[test]
fn bad_dates_and_values() {
    let officers = OFFICERS
        .replace("2028/12/31", "2026-02-30")
        .replace("2028-12-31", "明年");
    assert_eq!(
        errors(load(&with("officers.csv", &officers))),
        vec![
            "officers.csv:2: cert_expiry: error: '明年' is not a date; write it as 2026-10-01, 2026/10/01 or 2026年10月1日",
            "officers.csv:3: cert_expiry: error: '2026-02-30' is not a real calendar day",
        ]
    );
    let entities = ENTITIES
        .replace(",A,存续", ",E,存续")
        .replace(",B,在业", ",B,歇菜");
    assert_eq!(
        errors(load(&with("entities.csv", &entities))),
        vec![
            "entities.csv:2: credit_class: error: 'E' is not a credit-risk class; write A, B, C or D",
            "entities.csv:3: status: error: '歇菜' is not a registration status; write 存续/在业/active or 注销/吊销/deregistered",
        ]
    );
}

#[test]
fn all_errors_of_all_files_in_one_pass() {
    let mut f = with(
        "entities.csv",
        &ENTITIES.replace("9144030071526726XG", "9144030071526726XH"),
    );
    f.insert("items.csv", ITEMS.replace("5%", "0%").into_bytes());
    f.insert(
        "officers.csv",
        format!("{OFFICERS}14060001,重复,林政股,林政执法,*,\n").into_bytes(),
    );
    let e = errors(load(&f));
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(e[0].starts_with("items.csv:2: ratio:"));
    assert!(e[1].starts_with("officers.csv:5: cert_no: error: duplicate"));
    assert!(e[2].starts_with("entities.csv:2: uscc:"));
}

#[test]
fn missing_file_names_the_plan_key() {
    let mut f = files();
    f.remove("conflicts.csv");
    assert_eq!(
        errors(load(&f)),
        vec![
            "plan.toml:15: inputs.conflicts: error: cannot open conflicts file 'conflicts.csv': no such file"
        ]
    );
}

#[test]
fn plan_syntax_and_unknown_keys() {
    let e = errors(load_with(
        &PLAN.replace("seed_source = \"dice\"", "seed_source = \"dice\"\nsede = 1"),
        &files(),
    ));
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("plan.toml:9: error: unknown field `sede`"),
        "{}",
        e[0]
    );
    let e = errors(load_with(
        &PLAN.replace("2026-12-31", "2026-02-30"),
        &files(),
    ));
    assert_eq!(
        e,
        vec!["plan.toml:7: error: invalid date, expected day between 01 and 28"]
    );
}

/// Value stability of the canonical form (SPEC.md): these digests may only
/// change with a new algorithm version.
#[test]
fn digest_vectors() {
    let ds = load(&files()).unwrap();
    let d = ds.digests();
    let got = [&d.items, &d.officers, &d.entities, &d.history, &d.conflicts];
    // entities and conflicts were cross-checked with an independent
    // Python implementation of SPEC.md's canonical form
    assert_eq!(
        got,
        [
            "3f24243b756788aaa79b7b247a7b6782c34c6e2febce696eb9ee47d68298ff4f",
            "3654173ceb11465be7e109a62cf7a9069f5c85ea12ada88895afb0a718cd0ea9",
            "372ac03fb28d86fea71d21afa969027de79691ee501ffccef3270c6128637944",
            "37434ebd2019422e543c05005e2a4cd946d673008a8767ddc32890a72f01ab19",
            "6f90fbf8c9209253b5d4882231d6903e0ba546139d87758f8255e854f510c5fd",
        ]
    );
}

/// Load with the entities file coming from an arbitrary reader.
fn load_entities_from(
    plan: &str,
    entities: Box<dyn Fn() -> Box<dyn Read>>,
) -> Result<Dataset, Error> {
    let f = files();
    Dataset::load("plan.toml", plan, |name| {
        if name == "entities.csv" {
            return Ok(entities());
        }
        Ok(Box::new(std::io::Cursor::new(f[name].clone())) as Box<dyn Read>)
    })
}

#[test]
fn a_100_mb_field_fails_fast_with_the_limit() {
    let r = load_entities_from(
        PLAN,
        Box::new(|| {
            let head = std::io::Cursor::new(format!("{ENTITIES}9144030071526726XG,").into_bytes());
            Box::new(head.chain(std::io::repeat(b'x').take(100 << 20)))
        }),
    );
    assert_eq!(
        errors(r),
        vec![
            "entities.csv:5: error: line is longer than 1048576 bytes (max_line_bytes under [inputs] of the plan); is this really a CSV export?"
        ]
    );
}

#[test]
fn a_huge_quoted_multiline_record_hits_the_record_limit() {
    let plan = PLAN.replace(
        "conflicts = \"conflicts.csv\"",
        "conflicts = \"conflicts.csv\"\nmax_line_bytes = 4096",
    );
    let mut text = format!("{ENTITIES}91110000100010433L,\"");
    for _ in 0..1000 {
        text.push_str("short line\n");
    }
    text.push_str("\",林木采伐单位,新城镇,A,存续\n");
    let r = load_entities_from(
        &plan,
        Box::new(move || Box::new(std::io::Cursor::new(text.clone().into_bytes()))),
    );
    assert_eq!(
        errors(r),
        vec![
            "entities.csv:5: error: record is longer than 4096 bytes (max_line_bytes under [inputs] of the plan)"
        ]
    );
}

#[test]
fn line_numbers_survive_blank_lines_quotes_and_crlf() {
    // blank lines (which the csv crate skips and miscounts), a quoted
    // multi-line name, CRLF endings and no final newline
    let text = "uscc,name,types,region\r\n\r\n9144030071526726XG,\"甲\r\n公司\",林木采伐单位,威远镇\r\n\r\n\r\n91330100716105852F,乙,苗木生产经营者,新城镇\r\n91110000100010433X,丙,林木采伐单位,新城镇";
    let e = errors(load(&with("entities.csv", text)));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("entities.csv:8: uscc: error:"), "{}", e[0]);
}

#[test]
fn a_record_spanning_lines_is_numbered_by_its_first_line() {
    // the first quote of the file comes after a record, in a record with
    // an error of its own
    let text = "uscc,name,types,region\n91330100716105852F,乙,苗木生产经营者,新城镇\n9144030071526726XH,\"甲\n公司\",林木采伐单位,威远镇\n91110000100010433X,丙,林木采伐单位,新城镇\n";
    let e = errors(load(&with("entities.csv", text)));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("entities.csv:3: uscc: error:"), "{}", e[0]);
    assert!(e[1].starts_with("entities.csv:5: uscc: error:"), "{}", e[1]);
}

#[test]
fn minimum_ratio_wordings_give_the_same_digest() {
    let plain = load(&files()).unwrap();
    for (five, two) in [
        ("不低于5%", "2%以上"),
        ("不少于 5%", "≥2%"),
        ("至少5%", "=2%"),
        ("＞＝５％", "2% 及以上"),
    ] {
        let items = ITEMS
            .replace(",5%,", &format!(",{five},"))
            .replace(",2%,", &format!(",{two},"));
        let ds = load(&with("items.csv", &items)).unwrap_or_else(|e| panic!("{five}: {e}"));
        assert_eq!(ds.digests(), plain.digests(), "{five} / {two}");
    }
    let e = errors(load(&with(
        "items.csv",
        &ITEMS.replace(",5%,", ",不高于5%,"),
    )));
    assert!(e[0].contains("'不高于5%' is not a ratio"), "{e:?}");
}
