//! Item lists as agencies write the ratio (SPEC.md §1.4): ranges, counts,
//! frequencies and no number load; the plan's task states the number it
//! draws, and a number outside what the list allows is refused.

use std::collections::BTreeMap;
use std::io::Read;

use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::model::{ItemRatio, check_character, validate_uscc};
use shuangsuiji::{Dataset, Error};

const PLAN_HEAD: &str = r#"[plan]
id = "R-1"
title = "ratio forms"
authority = "某县林业局"
period_start = 2026-10-01
period_end = 2026-12-31
seed_source = "dice"

[inputs]
items = "items.csv"
officers = "officers.csv"
entities = "entities.csv"
"#;

const ITEMS: &str = "\
id,name,department,legal_basis,object_types,ratio,category
P,plain,某县林业局,b,T,不低于5%,林政执法
R,range,某县林业局,b,T,10%-30%,林政执法
W,worded range,某县林业局,b,T,不低于10%，不高于30%,林政执法
C,count,某县林业局,b,T,10户,林政执法
M,at least,某县林业局,b,T,不少于10户,林政执法
F,frequency,某县林业局,b,T,3%;2次/年,林政执法
U,no number,某县林业局,b,T,根据实际情况确定,林政执法
";

const OFFICERS: &str = "\
cert_no,name,unit,categories,regions
1,甲,股,林政执法,*
2,乙,股,林政执法,*
3,丙,股,林政执法,*
4,丁,股,林政执法,*
";

/// 100 valid codes, deterministic.
fn entities() -> String {
    let mut out = String::from("uscc,name,types,region\n");
    let mut n = 0;
    let mut i = 0u64;
    while n < 100 {
        let base = format!("91140600{:09}", 100_000_000 + i);
        i += 1;
        let b: [u8; 17] = base.as_bytes().try_into().unwrap();
        let Some(c) = check_character(&b) else {
            continue;
        };
        let code = format!("{base}{c}");
        if validate_uscc(&code).is_ok() {
            out.push_str(&format!("{code},企业{n},T,威远镇\n"));
            n += 1;
        }
    }
    out
}

fn load(tasks: &str) -> Result<Dataset, Error> {
    let mut f: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    f.insert("items.csv", ITEMS.as_bytes().to_vec());
    f.insert("officers.csv", OFFICERS.as_bytes().to_vec());
    f.insert("entities.csv", entities().into_bytes());
    let plan = format!("{PLAN_HEAD}{tasks}");
    Dataset::load("plan.toml", &plan, |name| {
        f.get(name)
            .map(|b| Box::new(std::io::Cursor::new(b.clone())) as Box<dyn Read>)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    })
}

fn errors(r: Result<Dataset, Error>) -> Vec<String> {
    r.expect_err("expected a refusal")
        .diagnostics()
        .expect("an input error")
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect()
}

const GOOD: &str = r#"
[[tasks]]
items = ["P"]

[[tasks]]
items = ["R"]
ratio = "15%"

[[tasks]]
items = ["W"]
ratio = "30%"

[[tasks]]
items = ["C"]

[[tasks]]
items = ["M"]
count = 12

[[tasks]]
items = ["F"]

[[tasks]]
items = ["U"]
count = 7
"#;

#[test]
fn every_form_loads_and_draws_the_tasks_number() {
    let ds = load(GOOD).unwrap_or_else(|e| panic!("{e:?}"));
    let forms: Vec<(String, String, String)> = ds
        .items()
        .iter()
        .map(|i| (i.id.clone(), i.ratio.canonical(), i.ratio.to_string()))
        .collect();
    let want = [
        ("P", "0.05", "5%"),
        ("R", "0.1-0.3", "10%-30%"),
        ("W", "0.1-0.3", "不低于10%，不高于30%"),
        ("C", "count:10", "10户"),
        ("M", "count>=10", "不少于10户"),
        ("F", "0.03;2次/年", "3%;2次/年"),
        ("U", "unspecified", "根据实际情况确定"),
    ];
    let mut want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    want.sort(); // the list is held in id order
    assert_eq!(forms, want);
    assert_eq!(
        ds.item("R").unwrap().ratio.ratio,
        ItemRatio::Range {
            min: "10%".parse().unwrap(),
            max: "30%".parse().unwrap()
        }
    );
    let r = draw_unchecked(&ds, "seed").unwrap();
    let totals: Vec<(String, u64)> = r.tasks.iter().map(|t| (t.key.clone(), t.total)).collect();
    // 100 entities: 5%, 15%, 30%, 10, 12, 3%, 7 (joint overlap: each task
    // draws from all 100)
    assert_eq!(
        totals,
        [
            ("P", 5),
            ("R", 15),
            ("W", 30),
            ("C", 10),
            ("M", 12),
            ("F", 3),
            ("U", 7)
        ]
        .map(|(k, n)| (k.to_string(), n))
    );
}

#[test]
fn a_task_number_enters_the_plan_json_only_when_set() {
    let ds = load(GOOD).unwrap();
    let json = shuangsuiji::commit::digest::plan_canonical_json(ds.plan());
    assert!(
        json.contains(r#"{"count":12,"credit_classes":[]"#),
        "{json}"
    );
    assert!(
        json.contains(r#"{"credit_classes":[],"flags":[],"industries":[],"items":["P"]"#),
        "{json}"
    );
    assert!(
        json.contains(r#""items":["R"],"ratio":"0.15","regions""#),
        "{json}"
    );
}

#[test]
fn numbers_outside_the_list_are_refused() {
    let tasks = r#"
[[tasks]]
items = ["P"]
ratio = "4%"

[[tasks]]
items = ["R"]
ratio = "40%"

[[tasks]]
items = ["W"]

[[tasks]]
items = ["C"]
count = 11

[[tasks]]
items = ["M"]
count = 9

[[tasks]]
items = ["F"]
count = 3

[[tasks]]
items = ["U"]
"#;
    assert_eq!(
        errors(load(tasks)),
        vec![
            "plan.toml:15: tasks[1].ratio: error: ratio 4% of task 1 is below the minimum 5% of item P",
            "plan.toml:19: tasks[2].ratio: error: ratio 40% of task 2 is outside the range 10% to 30% of item R ('10%-30%')",
            "plan.toml:23: tasks[3].ratio: error: item W gives the range '不低于10%，不高于30%': the task must state the ratio it draws, from 10% to 30%, e.g. ratio = \"10%\"",
            "plan.toml:26: tasks[4].count: error: count 11 of task 4 differs from the count 10 of item C ('10户')",
            "plan.toml:30: tasks[5].count: error: count 9 of task 5 is below the minimum 10 of item M ('不少于10户')",
            "plan.toml:34: tasks[6].count: error: item F gives a ratio ('3%;2次/年'): state ratio, not count",
            "plan.toml:38: tasks[7].ratio: error: item U gives no number ('根据实际情况确定'): the task must state the ratio or the count it draws, e.g. ratio = \"5%\" or count = 10",
        ]
    );
    let both = "\n[[tasks]]\nitems = [\"U\"]\nratio = \"5%\"\ncount = 3\n";
    assert_eq!(
        errors(load(both)),
        vec!["plan.toml:15: tasks[1].count: error: task 1 states both ratio and count; state one"]
    );
    let count_on_count = "\n[[tasks]]\nitems = [\"C\"]\nratio = \"5%\"\n";
    assert_eq!(
        errors(load(count_on_count)),
        vec![
            "plan.toml:15: tasks[1].ratio: error: item C gives a count ('10户'): state count, not ratio"
        ]
    );
}

#[test]
fn a_plan_without_tasks_names_the_items_that_need_a_number() {
    assert_eq!(
        errors(load("")),
        vec![
            "items.csv:3: ratio: error: item R gives the range '10%-30%': the task must state the ratio it draws, from 10% to 30%, e.g. ratio = \"10%\"",
            "items.csv:4: ratio: error: item W gives the range '不低于10%，不高于30%': the task must state the ratio it draws, from 10% to 30%, e.g. ratio = \"10%\"",
            "items.csv:8: ratio: error: item U gives no number ('根据实际情况确定'): the task must state the ratio or the count it draws, e.g. ratio = \"5%\" or count = 10",
        ]
    );
}
