//! Statistical and adversarial tests of the draw.

use shuangsuiji::draw::{draw_unchecked, select_only};
use shuangsuiji::model::{
    Date, Entity, EntityFlags, Item, ItemLevel, Officer, Rules, Stratify, Task, check_character,
};
use shuangsuiji::{Dataset, Plan};

fn uscc(n: u32) -> String {
    let base = format!("91140623MA{n:07}");
    let bytes: [u8; 17] = base.as_bytes().try_into().unwrap();
    format!("{base}{}", check_character(&bytes).unwrap())
}

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).unwrap()
}

fn plan(rules: Rules) -> Plan {
    Plan {
        id: "STAT".into(),
        title: "t".into(),
        authority: "县局".into(),
        period_start: d(2026, 10, 1),
        period_end: d(2026, 12, 31),
        date: d(2026, 10, 1),
        seed_source: "fixed".into(),
        seed_sources: Vec::new(),
        registry: Default::default(),
        inputs: shuangsuiji::model::InputFiles {
            items: "i".into(),
            officers: "o".into(),
            entities: "e".into(),
            history: None,
            conflicts: None,
            encoding: Default::default(),
            max_line_bytes: 1 << 20,
            allow_outside: false,
        },
        rules,
        tasks: vec![Task {
            items: vec!["I1".into()],
            ratio: None,
            count: None,
            batch: None,
            year_share: None,
            group_by: None,
            group_ratios: Default::default(),
            filter: Default::default(),
        }],
        disclosure: Default::default(),
        notice: Default::default(),
        results: Default::default(),
    }
}

fn item(ratio: &str) -> Item {
    Item {
        id: "I1".into(),
        name: "事项".into(),
        department: String::new(),
        legal_basis: String::new(),
        object_types: vec!["T".into()],
        content: String::new(),
        ratio: ratio.parse().unwrap(),
        min_count: None,
        max_count: None,
        method: String::new(),
        frequency: String::new(),
        category: "c".into(),
        level: ItemLevel::General,
    }
}

fn entity(i: u32, region: &str) -> Entity {
    Entity {
        uscc: uscc(i * 101 + 7),
        name: format!("企业{i}"),
        types: vec!["T".into()],
        region: region.into(),
        industry: String::new(),
        credit_class: None,
        flags: EntityFlags::default(),
        active: true,
    }
}

fn officer(id: &str, regions: &[&str]) -> Officer {
    Officer {
        cert_no: id.into(),
        name: id.into(),
        unit: String::new(),
        department: String::new(),
        position: String::new(),
        categories: vec!["c".into()],
        regions: regions.iter().map(|s| s.to_string()).collect(),
        cert_expiry: None,
        active: true,
    }
}

/// Over 3000 fixed seeds, each of 30 entities of one stratum drawn at 20%
/// (6 of 30) is selected about 3000 × 6/30 = 600 times. The statistic
/// Σ (O − E)² / E is compared with the chi-square critical value for 29
/// degrees of freedom at p = 0.001, 58.30 (sampling without replacement
/// makes the statistic smaller, so the test is conservative). In integers:
/// Σ (O − 600)² < 58.30 × 600 = 34 980. The seeds are fixed: it never flakes.
#[test]
fn selection_frequencies_match_inclusion_probability() {
    let rules = Rules {
        stratify: Stratify::None,
        ..Rules::default()
    };
    let entities: Vec<Entity> = (0..30).map(|i| entity(i, "R1")).collect();
    let ds = Dataset::from_parts(
        plan(rules),
        vec![item("20%")],
        vec![officer("O1", &["*"]), officer("O2", &["*"])],
        entities.clone(),
        vec![],
        vec![],
    )
    .unwrap();
    let seeds = 3000u64;
    let mut counts = std::collections::BTreeMap::new();
    for s in 0..seeds {
        let sel = select_only(&ds, &format!("stat-{s}"));
        assert_eq!(sel[0].len(), 6);
        for c in &sel[0] {
            *counts.entry(c.clone()).or_insert(0u64) += 1;
        }
    }
    assert_eq!(counts.len(), 30);
    let expected = seeds * 6 / 30;
    let stat: u64 = counts
        .values()
        .map(|&o| o.abs_diff(expected) * o.abs_diff(expected))
        .sum();
    assert!(stat < 34_980, "chi-square × E = {stat}");
}

/// An instance built to trap a greedy pass: the single visit in R2 can only
/// be staffed by X and Y, who also cover R1 and come first in visit order;
/// with a load cap of 2, a pass that lets both X and Y serve twice in R1
/// leaves R2 unstaffable. The engine must succeed for every seed.
#[test]
fn greedy_trap_is_repaired() {
    let rules = Rules {
        officer_max_load: Some(2),
        ..Rules::default()
    };
    let entities = vec![entity(1, "R1"), entity(2, "R1"), entity(3, "R2")];
    let officers = vec![
        officer("C", &["R1"]),
        officer("X", &["R1", "R2"]),
        officer("Y", &["R1", "R2"]),
    ];
    let ds = Dataset::from_parts(
        plan(rules),
        vec![item("100%")],
        officers,
        entities,
        vec![],
        vec![],
    )
    .unwrap();
    for s in 0..200 {
        let r = draw_unchecked(&ds, &format!("trap-{s}")).unwrap();
        assert_eq!(r.visits.len(), 3);
        let mut load = std::collections::BTreeMap::new();
        for v in &r.visits {
            let team: Vec<&str> = v.teams[0]
                .officers
                .iter()
                .map(|o| o.cert_no.as_str())
                .collect();
            assert_eq!(team.len(), 2);
            if v.region == "R2" {
                assert_eq!(team, ["X", "Y"]);
            }
            for o in team {
                *load.entry(o.to_string()).or_insert(0) += 1;
            }
        }
        assert!(load.values().all(|&l| l <= 2));
    }
}

/// The same trap with one place too few is reported as infeasible, naming
/// the load cap.
#[test]
fn trap_without_solution_names_the_load_cap() {
    let rules = Rules {
        officer_max_load: Some(2),
        ..Rules::default()
    };
    let entities = vec![
        entity(1, "R1"),
        entity(2, "R1"),
        entity(4, "R1"),
        entity(3, "R2"),
    ];
    let officers = vec![
        officer("C", &["R1"]),
        officer("X", &["R1", "R2"]),
        officer("Y", &["R1", "R2"]),
    ];
    let ds = Dataset::from_parts(
        plan(rules),
        vec![item("100%")],
        officers,
        entities,
        vec![],
        vec![],
    )
    .unwrap();
    let e = draw_unchecked(&ds, "trap").unwrap_err();
    assert!(e.to_string().contains("officer_max_load"), "{e}");
}

/// Only one officer covers a town: the error says so.
#[test]
fn lone_officer_is_named() {
    let entities = vec![entity(1, "威远镇")];
    let officers = vec![officer("A", &["威远镇"]), officer("B", &["右卫镇"])];
    let ds = Dataset::from_parts(
        plan(Rules::default()),
        vec![item("100%")],
        officers,
        entities,
        vec![],
        vec![],
    )
    .unwrap();
    let e = draw_unchecked(&ds, "x").unwrap_err().to_string();
    assert!(
        e.contains("only 1 officer")
            && e.contains("covering 威远镇")
            && e.contains("team size is 2"),
        "{e}"
    );
}
