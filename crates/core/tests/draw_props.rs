//! Property tests of the draw on random small instances (SPEC.md §5–§8).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use shuangsuiji::draw::{draw_unchecked, select_only};
use shuangsuiji::model::{
    Conflict, CreditClass, Date, Entity, EntityFlags, HistoryRecord, Item, ItemLevel, Officer,
    Overlap, Ratio, Rules, Stratify, Task, check_character, region_covers,
};
use shuangsuiji::{Dataset, ErrorKind, Plan};

fn uscc(n: u32) -> String {
    let base = format!("91140623MA{n:07}");
    let bytes: [u8; 17] = base.as_bytes().try_into().unwrap();
    format!("{base}{}", check_character(&bytes).unwrap())
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap()
}

const AUTH: &str = "县局";

#[derive(Debug, Clone)]
struct Inst {
    plan: Plan,
    items: Vec<Item>,
    officers: Vec<Officer>,
    entities: Vec<Entity>,
    history: Vec<HistoryRecord>,
    conflicts: Vec<Conflict>,
}

impl Inst {
    fn dataset(&self) -> Dataset {
        Dataset::from_parts(
            self.plan.clone(),
            self.items.clone(),
            self.officers.clone(),
            self.entities.clone(),
            self.history.clone(),
            self.conflicts.clone(),
        )
        .unwrap()
    }
}

fn item(id: &str, cat: &str, dept: &str, ratio: &str, min: Option<u64>, key: bool) -> Item {
    Item {
        id: id.into(),
        name: format!("事项{id}"),
        department: dept.into(),
        legal_basis: String::new(),
        object_types: vec!["T".into()],
        content: String::new(),
        ratio: ratio.parse().unwrap(),
        min_count: min,
        max_count: Some(3),
        method: String::new(),
        frequency: String::new(),
        category: cat.into(),
        level: if key {
            ItemLevel::Key
        } else {
            ItemLevel::General
        },
    }
}

prop_compose! {
    fn officer_s(i: usize)(
        dept in 0..4u8, cats in 1..5u8, regs in 0..5u8, expired in 0..10u8, active in 0..12u8
    ) -> Officer {
        let mut categories = Vec::new();
        if cats & 1 != 0 || cats == 4 { categories.push("c1".to_string()); }
        if cats & 2 != 0 || cats == 4 { categories.push("c2".to_string()); }
        let regions = match regs { 0 => vec!["R1".to_string()], 1 => vec!["R2".to_string()], 2 => vec!["R1".to_string(), "R2".to_string()], _ => vec!["*".to_string()] };
        Officer {
            cert_no: format!("O{i:02}"),
            name: format!("官{i}"),
            unit: String::new(),
            department: match dept { 0 | 2 => String::new(), 1 => AUTH.to_string(), _ => "D2".to_string() },
            position: String::new(),
            categories,
            regions,
            cert_expiry: Some(match expired { 0 => date(2026, 1, 1), 1 => date(2026, 11, 15), _ => date(2030, 1, 1) }),
            active: active != 0,
        }
    }
}

prop_compose! {
    fn entity_s(i: u32)(region in 0..2u8, class in 0..5u8, active in 0..10u8, typed in 0..8u8) -> Entity {
        Entity {
            uscc: uscc(i),
            name: format!("企业{i}"),
            types: if typed == 0 { vec!["X".into()] } else { vec!["T".into()] },
            region: if region == 0 { "R1".into() } else { "R2".into() },
            industry: String::new(),
            credit_class: match class { 0 => None, 1 => Some(CreditClass::A), 2 => Some(CreditClass::B), 3 => Some(CreditClass::C), _ => Some(CreditClass::D) },
            flags: EntityFlags::default(),
            active: active != 0,
        }
    }
}

fn inst() -> impl Strategy<Value = Inst> {
    (5usize..11, 3u32..11)
        .prop_flat_map(|(no, ne)| {
            let offs: Vec<_> = (0..no).map(officer_s).collect();
            let ents: Vec<_> = (0..ne).map(|i| entity_s(i * 7919 + 13)).collect();
            (
                offs,
                ents,
                proptest::collection::vec((0..ne, 0..3usize, 0..3u8, 0..no, 0..no), 0..6),
                proptest::collection::vec((0..no, 0..ne), 0..4),
                (
                    0..4u8,
                    0..3u8,
                    0..2u8,
                    0..2u8,
                    0..4u8,
                    0..2u8,
                    0..2u8,
                    0..2u8,
                ),
                (0..4usize, 0..4usize, 0..2u8, 0..2u8),
            )
        })
        .prop_map(|(mut officers, entities, hist, confl, r, shape)| {
            // two officers of D2 covering everything, so joint tasks are often feasible
            for (n, r) in [("O90", "R1"), ("O91", "*")] {
                officers.push(Officer {
                    cert_no: n.into(),
                    name: n.into(),
                    unit: String::new(),
                    department: "D2".into(),
                    position: String::new(),
                    categories: vec!["c1".into()],
                    regions: vec![r.into()],
                    cert_expiry: None,
                    active: true,
                });
            }
            // an inactive officer holding every category keeps validation happy
            officers.push(Officer {
                cert_no: "O99".into(),
                name: "退".into(),
                unit: String::new(),
                department: String::new(),
                position: String::new(),
                categories: vec!["c1".into(), "c2".into()],
                regions: vec!["*".into()],
                cert_expiry: None,
                active: false,
            });
            let ratios = ["10%", "25%", "50%", "100%"];
            let items = vec![
                item("I1", "c1", "", ratios[shape.0], None, false),
                item("I2", "c2", AUTH, ratios[shape.1], Some(1), shape.2 == 1),
                item("I3", "c1", "D2", "30%", None, false),
            ];
            let tasks = if shape.3 == 0 {
                vec![task(&["I1", "I3"]), task(&["I2"])]
            } else {
                vec![task(&["I2"]), task(&["I1"]), task(&["I3"])]
            };
            let ids = ["I1", "I2", "I3"];
            let mut history: Vec<HistoryRecord> = hist
                .into_iter()
                .map(|(e, it, when, o1, o2)| HistoryRecord {
                    uscc: entities[e as usize].uscc.clone(),
                    item: ids[it].into(),
                    date: [date(2026, 3, 1), date(2025, 12, 1), date(2024, 5, 1)][when as usize],
                    officers: {
                        let mut v =
                            vec![officers[o1].cert_no.clone(), officers[o2].cert_no.clone()];
                        v.sort();
                        v.dedup();
                        v
                    },
                })
                .collect();
            history.sort_by(|a, b| (&a.uscc, &a.item, a.date).cmp(&(&b.uscc, &b.item, b.date)));
            history.dedup_by(|a, b| a.uscc == b.uscc && a.item == b.item && a.date == b.date);
            let mut conflicts: Vec<Conflict> = confl
                .into_iter()
                .map(|(o, e)| Conflict {
                    cert_no: officers[o].cert_no.clone(),
                    uscc: entities[e as usize].uscc.clone(),
                    reason: String::new(),
                })
                .collect();
            conflicts.sort_by(|a, b| (&a.cert_no, &a.uscc).cmp(&(&b.cert_no, &b.uscc)));
            conflicts.dedup_by(|a, b| a.cert_no == b.cert_no && a.uscc == b.uscc);
            let mut class_ratios = BTreeMap::new();
            if r.7 == 1 {
                class_ratios.insert(CreditClass::D, Ratio::ONE);
                class_ratios.insert(CreditClass::C, "50%".parse().unwrap());
            }
            let rules = Rules {
                team_size: 2,
                max_per_year: [None, Some(1), Some(2), Some(3)][r.0 as usize],
                cooldown_days: [0, 200, 400][r.1 as usize],
                overlap: if r.2 == 0 {
                    Overlap::Joint
                } else {
                    Overlap::Next
                },
                cross_region: r.3 == 1,
                rotation: r.5 == 1,
                officer_max_load: [None, Some(1), Some(2), Some(3)][r.4 as usize],
                stratify: if r.6 == 0 {
                    Stratify::Region
                } else {
                    Stratify::None
                },
                class_ratios,
                // half the plans require certificates through the period end
                certified_through_period_end: r.0 % 2 == 1,
                max_substitutions: None,
            };
            let plan = Plan {
                id: "P".into(),
                title: "t".into(),
                authority: AUTH.into(),
                period_start: date(2026, 10, 1),
                period_end: date(2026, 12, 31),
                date: date(2026, 10, 1),
                seed_source: "s".into(),
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
                tasks,
                disclosure: Default::default(),
                notice: Default::default(),
                results: Default::default(),
            };
            Inst {
                plan,
                items,
                officers,
                entities,
                history,
                conflicts,
            }
        })
}

fn task(ids: &[&str]) -> Task {
    Task {
        items: ids.iter().map(|s| s.to_string()).collect(),
        ratio: None,
        count: None,
        batch: None,
        year_share: None,
        group_by: None,
        group_ratios: Default::default(),
        filter: Default::default(),
    }
}

fn dept(ds: &Dataset, d: &str) -> String {
    if d.is_empty() {
        ds.plan().authority.clone()
    } else {
        d.to_string()
    }
}

/// Independent qualification check (SPEC.md §8.2).
fn qualified(
    ds: &Dataset,
    o: &Officer,
    e: &Entity,
    department: &str,
    category: &str,
    last: &BTreeSet<String>,
) -> bool {
    let r = &ds.plan().rules;
    dept(ds, &o.department) == department
        && o.active
        && o.cert_expiry.is_none_or(|d| {
            d >= ds.plan().date && !(r.certified_through_period_end && d < ds.plan().period_end)
        })
        && o.categories.iter().any(|c| c == category)
        && (r.cross_region || o.regions.iter().any(|x| region_covers(x, &e.region)))
        && !ds
            .conflicts()
            .iter()
            .any(|c| c.cert_no == o.cert_no && c.uscc == e.uscc)
        && !(r.rotation && last.contains(&o.cert_no))
}

fn last_team(ds: &Dataset, uscc: &str) -> BTreeSet<String> {
    let hs: Vec<&HistoryRecord> = ds.history().iter().filter(|h| h.uscc == uscc).collect();
    let Some(max) = hs.iter().map(|h| h.date).max() else {
        return BTreeSet::new();
    };
    hs.iter()
        .filter(|h| h.date == max)
        .flat_map(|h| h.officers.iter().cloned())
        .collect()
}

/// Slots of the selection: (entity, department, category) per visit.
type Slot = (usize, String, String);

fn slots_of(ds: &Dataset, seed: &str) -> Vec<Vec<Slot>> {
    let sel = select_only(ds, seed);
    let mut per_entity: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (ti, codes) in sel.iter().enumerate() {
        for c in codes {
            per_entity
                .entry(c.clone())
                .or_default()
                .extend(ds.plan().tasks[ti].items.iter().cloned());
        }
    }
    per_entity
        .into_iter()
        .map(|(code, items)| {
            let ei = ds.entities().iter().position(|e| e.uscc == code).unwrap();
            let set: BTreeSet<(String, String)> = items
                .iter()
                .map(|id| {
                    let it = ds.item(id).unwrap();
                    (dept(ds, &it.department), it.category.clone())
                })
                .collect();
            set.into_iter().map(|(d, c)| (ei, d, c)).collect()
        })
        .collect()
}

/// Exhaustive search for a valid assignment of the slots: `Some(found)`,
/// or `None` when it could not decide within its budget of search nodes.
///
/// Depth first over the slots, with a pruning rule (every slot still to
/// fill needs two candidates below the load cap); an infeasible instance can
/// still make the search exponential, so it is bounded rather than left to
/// hang the suite.
fn brute_force(ds: &Dataset, visits: &[Vec<Slot>]) -> Option<bool> {
    let cap = ds
        .plan()
        .rules
        .officer_max_load
        .map_or(usize::MAX, |c| c as usize);
    let flat: Vec<(usize, &Slot)> = visits
        .iter()
        .enumerate()
        .flat_map(|(v, s)| s.iter().map(move |x| (v, x)))
        .collect();
    let cands: Vec<Vec<usize>> = flat
        .iter()
        .map(|(_, (ei, d, c))| {
            let e = &ds.entities()[*ei];
            let last = last_team(ds, &e.uscc);
            (0..ds.officers().len())
                .filter(|&o| qualified(ds, &ds.officers()[o], e, d, c, &last))
                .collect()
        })
        .collect();
    struct Search<'a> {
        flat: &'a [(usize, &'a Slot)],
        cands: &'a [Vec<usize>],
        load: Vec<usize>,
        used: BTreeSet<(usize, usize)>,
        cap: usize,
        budget: u64,
    }
    impl Search<'_> {
        /// `Some(found)`, or `None` when the budget ran out.
        fn rec(&mut self, i: usize) -> Option<bool> {
            if i == self.flat.len() {
                return Some(true);
            }
            if self.budget == 0 {
                return None;
            }
            self.budget -= 1;
            // prune: a slot still to fill with fewer than two candidates
            // below the cap cannot be filled
            if self.cands[i..]
                .iter()
                .any(|c| c.iter().filter(|&&o| self.load[o] < self.cap).count() < 2)
            {
                return Some(false);
            }
            let v = self.flat[i].0;
            let c = &self.cands[i];
            for a in 0..c.len() {
                for b in a + 1..c.len() {
                    let (x, y) = (c[a], c[b]);
                    if self.load[x] >= self.cap
                        || self.load[y] >= self.cap
                        || self.used.contains(&(v, x))
                        || self.used.contains(&(v, y))
                    {
                        continue;
                    }
                    self.load[x] += 1;
                    self.load[y] += 1;
                    self.used.insert((v, x));
                    self.used.insert((v, y));
                    let found = self.rec(i + 1);
                    self.load[x] -= 1;
                    self.load[y] -= 1;
                    self.used.remove(&(v, x));
                    self.used.remove(&(v, y));
                    match found {
                        Some(false) => {}
                        other => return other,
                    }
                }
            }
            Some(false)
        }
    }
    let mut s = Search {
        flat: &flat,
        cands: &cands,
        load: vec![0; ds.officers().len()],
        used: BTreeSet::new(),
        cap,
        budget: 2_000_000,
    };
    s.rec(0)
}

fn shuffled<T: Clone>(v: &[T], k: usize) -> Vec<T> {
    let mut out = v.to_vec();
    if !out.is_empty() {
        let n = out.len();
        out.rotate_left(k % n);
        out.reverse();
    }
    out
}

static OKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static ERRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Cases left undecided by the bounded exhaustive search (rejected, not
/// passed: proptest draws another case instead).
static UNDECIDED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static VISITS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn draws_respect_every_rule(inst in inst(), seed in 0u32..1000, k in 0usize..17) {
        let ds = inst.dataset();
        let seed = format!("prop-{seed}");
        let preview = ds.preview();
        let drawn = draw_unchecked(&ds, &seed);
        // the preview: the counts of every draw; infeasible means no seed draws
        if let Ok(r) = &drawn {
            prop_assert!(preview.infeasible.is_none(), "preview infeasible but the draw succeeded: {:?}", preview.infeasible);
            for (pt, t) in preview.tasks.iter().zip(&r.tasks) {
                if pt.exact {
                    prop_assert_eq!(&pt.allocation, &t.allocation);
                } else {
                    prop_assert!(pt.total >= t.total);
                }
            }
        }
        match drawn {
            Ok(r) => {
                OKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                VISITS.fetch_add(r.visits.len(), std::sync::atomic::Ordering::Relaxed);
                let rules = &ds.plan().rules;
                let t = rules.team_size as usize;
                let mut load: BTreeMap<&str, u32> = BTreeMap::new();
                let mut seen_entities = BTreeSet::new();
                for v in &r.visits {
                    prop_assert!(seen_entities.insert(v.uscc.clone()), "one visit per entity");
                    let e = ds.entity(&v.uscc).unwrap();
                    let last = last_team(&ds, &v.uscc);
                    let mut on_visit = BTreeSet::new();
                    for team in &v.teams {
                        prop_assert_eq!(team.officers.len(), t);
                        for m in &team.officers {
                            let o = ds.officer(&m.cert_no).unwrap();
                            prop_assert!(qualified(&ds, o, e, &team.department, &team.category, &last), "unqualified {} for {}", m.cert_no, v.uscc);
                            prop_assert!(on_visit.insert(m.cert_no.clone()), "officer twice on a visit");
                        }
                        for id in &team.items {
                            let it = ds.item(id).unwrap();
                            prop_assert_eq!(&it.category, &team.category);
                            prop_assert_eq!(dept(&ds, &it.department), team.department.clone());
                        }
                    }
                    for c in on_visit {
                        *load.entry(ds.officer(&c).unwrap().cert_no.as_str()).or_default() += 1;
                    }
                    // yearly cap: history this year + this visit
                    if let Some(max) = rules.max_per_year {
                        let dates: BTreeSet<Date> = ds.history().iter().filter(|h| h.uscc == v.uscc && h.date.year() == 2026).map(|h| h.date).collect();
                        prop_assert!((dates.len() as u32) < max);
                    }
                    // cool-down
                    for item in &v.items {
                        for h in ds.history().iter().filter(|h| h.uscc == v.uscc && &h.item == item) {
                            prop_assert!(ds.plan().period_start.days_since(&h.date) >= i64::from(rules.cooldown_days));
                        }
                    }
                    if rules.overlap == Overlap::Next {
                        prop_assert_eq!(v.selections.len(), 1);
                    }
                }
                if let Some(cap) = rules.officer_max_load {
                    for (_, l) in load {
                        prop_assert!(l <= cap);
                    }
                }
                // counts follow the allocation
                for task in &r.tasks {
                    let drawn: u64 = task.allocation.iter().map(|a| a.drawn).sum();
                    prop_assert_eq!(drawn, task.total);
                    let base: u64 = task.allocation.iter().map(|a| a.base).sum();
                    let lead = ds.item(&task.items[0]).unwrap();
                    let mut groups: BTreeMap<Option<String>, (u64, Ratio)> = BTreeMap::new();
                    for a in &task.allocation {
                        prop_assert!(a.drawn <= a.base);
                        let g = groups.entry(a.class.clone()).or_insert((0, a.ratio.parse().unwrap()));
                        g.0 += a.base;
                        let n = r.visits.iter().filter(|v| v.selections.iter().any(|s| s.task == task.key && s.stratum == a.stratum)).count() as u64;
                        prop_assert_eq!(n, a.drawn);
                    }
                    let mut want: u64 = groups.values().map(|(n, r)| r.ceil_mul(*n)).sum();
                    if let Some(m) = lead.min_count { want = want.max(m); }
                    if lead.level == ItemLevel::General && let Some(m) = lead.max_count { want = want.min(m); }
                    prop_assert_eq!(task.total, want.min(base));
                }
                // input order never matters
                let perm = Dataset::from_parts(
                    inst.plan.clone(),
                    shuffled(&inst.items, k),
                    shuffled(&inst.officers, k + 1),
                    shuffled(&inst.entities, k + 2),
                    shuffled(&inst.history, k + 3),
                    shuffled(&inst.conflicts, k),
                ).unwrap();
                prop_assert_eq!(draw_unchecked(&perm, &seed).unwrap().to_canonical_json(), r.to_canonical_json());
                // and a valid assignment exists, as found
                let found = brute_force(&ds, &slots_of(&ds, &seed));
                if found.is_none() {
                    UNDECIDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                prop_assume!(found.is_some(), "the exhaustive search did not decide within its budget");
                prop_assert!(found == Some(true));
            }
            Err(e) => {
                ERRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if std::env::var_os("SSJ_PRINT").is_some() { std::fs::write(format!("/tmp/ssj_err_{}.txt", ERRS.load(std::sync::atomic::Ordering::Relaxed)), e.to_string()).unwrap(); }
                prop_assert!(matches!(e.kind(), ErrorKind::Infeasible(_)), "{e}");
                let found = brute_force(&ds, &slots_of(&ds, &seed));
                if found.is_none() {
                    UNDECIDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                prop_assume!(found.is_some(), "the exhaustive search did not decide within its budget");
                prop_assert!(found == Some(false), "engine said infeasible but an assignment exists: {e}");
            }
        }
        if std::env::var_os("SSJ_PRINT").is_some() {
            std::fs::write("/tmp/ssj_props.txt", format!("ok {} err {} visits {} undecided {}", OKS.load(std::sync::atomic::Ordering::Relaxed), ERRS.load(std::sync::atomic::Ordering::Relaxed), VISITS.load(std::sync::atomic::Ordering::Relaxed), UNDECIDED.load(std::sync::atomic::Ordering::Relaxed))).unwrap();
        }
    }
}
