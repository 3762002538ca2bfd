//! Item list cells that give ratios per group of objects (SPEC.md §1.4
//! per-group form, §1.7, §6.1): the issue's published cell loads; the
//! plan's task states the group ratios (or a plain number); a group ratio
//! below the list's minimum for that group, or a task without a number, is
//! refused with the line and field; lists of the other forms keep their
//! digests.

use std::collections::BTreeMap;
use std::io::Read;

use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::model::{ItemRatio, check_character, validate_uscc};
use shuangsuiji::{Dataset, Error};

const CELL: &str = "每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级";

const PLAN_HEAD: &str = r#"[plan]
id = "PG-1"
title = "per-group cells"
authority = "某市医疗保障局（测试）"
period_start = 2026-10-01
period_end = 2026-12-31
seed_source = "dice"

[inputs]
items = "items.csv"
officers = "officers.csv"
entities = "entities.csv"
"#;

fn items() -> String {
    // the cell holds `，`, so it is quoted
    format!(
        "id,name,department,legal_basis,object_types,ratio,category\n\
         H,定点医疗机构检查,某市医疗保障局（测试）,b,定点医疗机构,\"{CELL}\",医保监督\n\
         P,plain,某市医疗保障局（测试）,b,定点医疗机构,不低于5%,医保监督\n"
    )
}

const OFFICERS: &str = "\
cert_no,name,unit,categories,regions
1,甲,股,医保监督,*
2,乙,股,医保监督,*
3,丙,股,医保监督,*
4,丁,股,医保监督,*
";

/// 60 valid codes: 10 三级, 20 二级, 30 一级.
fn entities() -> String {
    let mut out = String::from("uscc,name,types,region\n");
    let mut n = 0;
    let mut i = 0u64;
    while n < 60 {
        let base = format!("52140600{:09}", 100_000_000 + i);
        i += 1;
        let b: [u8; 17] = base.as_bytes().try_into().unwrap();
        let Some(c) = check_character(&b) else {
            continue;
        };
        let code = format!("{base}{c}");
        if validate_uscc(&code).is_ok() {
            let grade = match n {
                0..10 => "三级",
                10..30 => "二级",
                _ => "一级",
            };
            out.push_str(&format!(
                "{code},医疗机构{n},定点医疗机构；{grade},威远镇\n"
            ));
            n += 1;
        }
    }
    out
}

fn load_with(items: String, tasks: &str) -> Result<Dataset, Error> {
    let mut f: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    f.insert("items.csv", items.into_bytes());
    f.insert("officers.csv", OFFICERS.as_bytes().to_vec());
    f.insert("entities.csv", entities().into_bytes());
    let plan = format!("{PLAN_HEAD}{tasks}");
    Dataset::load("plan.toml", &plan, |name| {
        f.get(name)
            .map(|b| Box::new(std::io::Cursor::new(b.clone())) as Box<dyn Read>)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    })
}

fn load(tasks: &str) -> Result<Dataset, Error> {
    load_with(items(), tasks)
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
items = ["H"]
ratio = "10%"
group_by = "types"
group_ratios = { "三级" = "50%", "二级" = "40%" }

[[tasks]]
items = ["P"]
"#;

#[test]
fn the_issues_cell_loads_and_draws_with_the_plans_group_ratios() {
    let ds = load(GOOD).unwrap_or_else(|e| panic!("{e:?}"));
    let h = ds.item("H").unwrap();
    assert_eq!(h.ratio.ratio, ItemRatio::PerGroup);
    assert_eq!(h.ratio.to_string(), CELL);
    assert_eq!(
        h.ratio.canonical(),
        "per-group:每年对三级定点医疗机构抽查比例之和>=0.5,二级>=0.3,抽取一定比例的一级"
    );
    let r = draw_unchecked(&ds, "seed").unwrap();
    let group = |v: &str| -> (u64, u64) {
        r.tasks[0]
            .allocation
            .iter()
            .filter(|a| a.group.as_deref() == Some(v))
            .fold((0, 0), |(b, d), a| (b + a.base, d + a.drawn))
    };
    // 三级 ceil(50% × 10), 二级 ceil(40% × 20), 一级 (the default group)
    // ceil(10% × 30)
    assert_eq!(group("三级"), (10, 5));
    assert_eq!(group("二级"), (20, 8));
    assert_eq!(r.tasks[0].total, 5 + 8 + 3);
    assert_eq!(r.tasks[1].total, 3); // ceil(5% × 60)
    // a plain ratio or a count is also a number for such an item
    for t in ["ratio = \"20%\"", "count = 7"] {
        let ds = load(&format!("\n[[tasks]]\nitems = [\"H\"]\n{t}\n")).unwrap();
        let r = draw_unchecked(&ds, "seed").unwrap();
        assert_eq!(
            r.tasks[0].total,
            if t.starts_with("ratio") { 12 } else { 7 }
        );
    }
}

#[test]
fn a_list_without_such_a_cell_keeps_its_digest() {
    // the item list of tests/vectors/item-forms, whose expected.json
    // records this digest: per-group parsing changes no accepted cell
    let dir = format!(
        "{}/../../tests/vectors/item-forms/",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    let ds = Dataset::load("plan.toml", &text, |file| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{file}"))?) as Box<dyn Read>)
    })
    .unwrap();
    assert_eq!(
        ds.digests().items,
        "66c4723c3677036ad5a16388659fc3ded3101d216bc0eb61e27d91474e50d28b"
    );
}

#[test]
fn group_ratios_below_the_lists_minimum_are_refused() {
    let tasks = r#"
[[tasks]]
items = ["H"]
group_by = "types"
group_ratios = { "三级" = "40%", "二级" = "25%", "一级" = "1%" }
ratio = "5%"
"#;
    assert_eq!(
        errors(load(tasks)),
        vec![
            "plan.toml:15: tasks[1].group_ratios: error: ratio 40% of '三级' in task 1 is below the minimum 50% item H gives for '每年对三级定点医疗机构抽查比例之和' ('每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级')",
            "plan.toml:15: tasks[1].group_ratios: error: ratio 25% of '二级' in task 1 is below the minimum 30% item H gives for '二级' ('每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级')",
        ]
    );
}

#[test]
fn group_ratios_alone_are_not_the_tasks_number() {
    // the list names 三级 and 二级, never the rest: the task states the
    // ratio for the objects in no group it names (never taken whole)
    let tasks = "\n[[tasks]]\nitems = [\"H\"]\ngroup_by = \"types\"\ngroup_ratios = { \"三级\" = \"50%\", \"二级\" = \"40%\" }\n";
    let errs = errors(load(tasks));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("plan.toml:15: tasks[1].ratio: error: item H gives ratios per group (")
            && errs[0].contains(
                "the task must state the ratio it draws (for the objects in no group it names"
            ),
        "{}",
        errs[0]
    );
}

#[test]
fn a_task_without_a_number_is_refused() {
    let want = "tasks[1].ratio: error: item H gives ratios per group ('每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级'): the task must state the ratio it draws (for the objects in no group it names, when it also gives group_by and group_ratios, e.g. group_ratios = { \"三级\" = \"50%\" }), e.g. ratio = \"5%\", or the count it draws, e.g. count = 10";
    assert_eq!(
        errors(load("\n[[tasks]]\nitems = [\"H\"]\n")),
        vec![format!("plan.toml:15: {want}")]
    );
    // no [[tasks]]: at the item's row
    assert_eq!(
        errors(load("")),
        vec![
            "items.csv:2: ratio: error: item H gives ratios per group ('每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级'): the task must state the ratio it draws (for the objects in no group it names, when it also gives group_by and group_ratios, e.g. group_ratios = { \"三级\" = \"50%\" }), e.g. ratio = \"5%\", or the count it draws, e.g. count = 10"
        ]
    );
    assert_eq!(
        errors(load("\n[[tasks]]\nitems = [\"H\"]\ncount = 0\n")),
        vec![
            "plan.toml:15: tasks[1].count: error: count 0 of task 1 draws nothing; state a count above 0"
        ]
    );
}

#[test]
fn a_cell_that_is_not_per_group_is_refused_as_before() {
    let items = items().replace(CELL, "三级≥50%，二级不高于30%");
    let e = errors(load_with(items, GOOD));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "items.csv:2: ratio: error: ratio '三级≥50%，二级不高于30%' is not a ratio;"
        ),
        "{e:?}"
    );
}
