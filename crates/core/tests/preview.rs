//! The preview (SPEC.md §8.5) and the optional rule
//! `certified_through_period_end` (SPEC.md §8.6).

use std::io::Read;

use shuangsuiji::Dataset;
use shuangsuiji::commit::digest::plan_canonical_json;
use shuangsuiji::draw::draw_unchecked;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");

fn load(plan: &str, officers: &str) -> Dataset {
    Dataset::load("plan.toml", plan, |name| {
        if name == "officers.csv" {
            return Ok(
                Box::new(std::io::Cursor::new(officers.as_bytes().to_vec())) as Box<dyn Read>
            );
        }
        Ok(Box::new(std::fs::File::open(format!("{DIR}{name}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

#[test]
fn the_rule_enters_the_plan_only_when_set_and_changes_teams() {
    let plan = std::fs::read_to_string(format!("{DIR}plan.toml")).unwrap();
    // 周桂兰 (全部 regions) holds a certificate ending mid-quarter
    let officers = std::fs::read_to_string(format!("{DIR}officers.csv"))
        .unwrap()
        .replacen("2028-12-31", "2026-11-15", 1);
    let off = load(&plan, &officers);
    assert!(!plan_canonical_json(off.plan()).contains("certified_through_period_end"));
    let explicit_false = plan.replace(
        "stratify = \"region\"",
        "stratify = \"region\"\ncertified_through_period_end = false",
    );
    assert_eq!(
        load(&explicit_false, &officers).digests().plan,
        off.digests().plan
    );
    let on_text = plan.replace(
        "stratify = \"region\"",
        "stratify = \"region\"\ncertified_through_period_end = true",
    );
    let on = load(&on_text, &officers);
    assert!(
        plan_canonical_json(on.plan())
            .contains(r#""certified_through_period_end":true,"class_ratios""#)
    );
    assert_ne!(on.digests().plan, off.digests().plan);
    assert_eq!(on.digests().officers, off.digests().officers);
    let seed = "38 17 05 92 64 11 83 20 19 47 56 02 91 38 74 65 10 29 48 37";
    let a = draw_unchecked(&off, seed).unwrap();
    let b = draw_unchecked(&on, seed).unwrap();
    assert_eq!(a.algorithm, "ssj-draw-v1");
    assert_eq!(b.algorithm, "ssj-draw-v1");
    let serves = |r: &shuangsuiji::DrawResult| {
        r.visits
            .iter()
            .flat_map(|v| &v.teams)
            .flat_map(|t| &t.officers)
            .filter(|o| o.cert_no == "14062301001")
            .count()
    };
    assert!(serves(&a) > 0);
    assert_eq!(serves(&b), 0);
    // the rule is in the result's rules only when set
    assert!(
        !a.to_canonical_json()
            .contains("certified_through_period_end")
    );
    assert!(
        b.to_canonical_json()
            .contains("\"certified_through_period_end\":true")
    );
}

#[test]
fn preview_is_every_draws_allocation() {
    let ds = Dataset::open(format!("{DIR}plan.toml")).unwrap();
    let p = ds.preview();
    assert!(p.infeasible.is_none());
    assert!(p.check().is_ok());
    for seed in ["1", "2", "some other seed text 99"] {
        let r = draw_unchecked(&ds, seed).unwrap();
        assert_eq!(p.total, r.tasks.iter().map(|t| t.total).sum::<u64>());
        for (pt, t) in p.tasks.iter().zip(&r.tasks) {
            assert_eq!((pt.total, &pt.allocation), (t.total, &t.allocation));
            assert_eq!(pt.eligible, t.exclusions.eligible);
        }
    }
}

#[test]
fn under_next_overlapping_tasks_are_not_exact() {
    let plan = std::fs::read_to_string(format!("{DIR}plan.toml"))
        .unwrap()
        .replace("overlap = \"joint\"", "overlap = \"next\"");
    let officers = std::fs::read_to_string(format!("{DIR}officers.csv")).unwrap();
    let ds = load(&plan, &officers);
    let p = ds.preview();
    assert!(p.tasks[0].exact);
    let r = draw_unchecked(&ds, "7").unwrap();
    for (pt, t) in p.tasks.iter().zip(&r.tasks) {
        if pt.exact {
            assert_eq!(pt.allocation, t.allocation, "task {}", pt.key);
        } else {
            assert!(pt.total >= t.total, "task {}", pt.key);
        }
    }
}
