//! What a draw will do, known before the seed exists: the count of every
//! task and its allocation to strata (SPEC.md §6 needs no seed), and the
//! infeasibilities that no seed can avoid (SPEC.md §8.3).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::error::{Infeasible, Result};
use crate::model::{Overlap, region_covers};
use crate::{Dataset, Error};

use super::assign::{Slot, effective_department, explain_short};
use super::{Eligibility, StratumAllocation, StratumKey, allocate, reason_label, stratum_key};

/// The preview of one task: how many entities it will draw from each
/// stratum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskPreview {
    /// 1-based index in the plan.
    pub index: u32,
    /// The task key (item ids joined by `+`).
    pub key: String,
    /// Item ids, the lead first.
    pub items: Vec<String>,
    /// Item names, in the order of `items`.
    pub names: Vec<String>,
    /// Whether the task has a directed-draw filter.
    pub directed: bool,
    /// Whether the counts are exactly those of every draw. Under
    /// `overlap = "next"` a task that can meet entities an earlier task may
    /// draw has a seed-dependent base: its counts are then those before the
    /// entities taken by earlier tasks are removed (an upper bound), and
    /// `exact` is false.
    pub exact: bool,
    /// Entities eligible for the task (before `taken`, when not exact).
    pub eligible: u64,
    /// Entities not eligible, by reason (`taken` never appears).
    pub excluded: BTreeMap<String, u64>,
    /// Entities the task draws (SPEC.md §6.2).
    pub total: u64,
    /// The allocation table, in bytewise order of stratum name (SPEC.md §6.4).
    pub allocation: Vec<StratumAllocation>,
}

/// What a draw of a dataset will do, for any seed: see
/// [`Dataset::preview`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// One preview per task, in plan order.
    pub tasks: Vec<TaskPreview>,
    /// Entities drawn in all (a joint visit counts once per task).
    pub total: u64,
    /// Why no seed can draw the plan, when that is known before the draw:
    /// the first failing check, in the order of SPEC.md §8.3.
    pub infeasible: Option<Infeasible>,
}

impl Preview {
    /// `Err` with the infeasibility (exit code 3 in the CLI) when no seed
    /// can draw the plan.
    pub fn check(&self) -> Result<()> {
        match &self.infeasible {
            Some(i) => Err(Error::infeasible(i.clone())),
            None => Ok(()),
        }
    }
}

impl Dataset {
    /// What the draw will do, for every seed: each task's count and
    /// allocation to strata, and the seed-independent feasibility checks of
    /// SPEC.md §8.3 (a stratum that draws `n` entities but has fewer than
    /// `n` that can get a team; departments whose officers cannot fill the
    /// places the counts need under `officer_max_load`). A plan whose
    /// preview is infeasible fails in `draw` whatever the seed; a plan that
    /// passes can still fail for some seeds (which entities are drawn
    /// decides the rest).
    ///
    /// ```
    /// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let preview = ds.preview();
    /// assert!(preview.infeasible.is_none());
    /// let draw = shuangsuiji::draw::draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
    /// for (p, t) in preview.tasks.iter().zip(&draw.tasks) {
    ///     assert!(p.exact);
    ///     assert_eq!(p.total, t.total);
    ///     assert_eq!(p.allocation, t.allocation);
    /// }
    /// ```
    pub fn preview(&self) -> Preview {
        preview(self)
    }
}

/// One task's eligible entities per stratum, with the allocation.
struct Planned {
    task: usize,
    exact: bool,
    total: u64,
    rows: Vec<(StratumAllocation, StratumKey)>,
    members: BTreeMap<StratumKey, Vec<usize>>,
}

fn preview(ds: &Dataset) -> Preview {
    let elig = Eligibility::new(ds);
    let next = ds.plan.rules.overlap == Overlap::Next;
    let mut maybe_taken: HashSet<usize> = HashSet::new();
    let mut tasks = Vec::with_capacity(ds.plan.tasks.len());
    let mut planned = Vec::with_capacity(ds.plan.tasks.len());
    for (ti, task) in ds.plan.tasks.iter().enumerate() {
        let lead = elig.lead(task);
        let mut excluded: BTreeMap<String, u64> = BTreeMap::new();
        let mut members: BTreeMap<StratumKey, Vec<usize>> = BTreeMap::new();
        let mut exact = true;
        for (ei, e) in ds.entities.iter().enumerate() {
            if let Err(r) = elig.check_with(task, lead, e, elig.history_of(&e.uscc)) {
                *excluded.entry(reason_label(r).to_string()).or_default() += 1;
                continue;
            }
            if next && maybe_taken.contains(&ei) {
                exact = false;
            }
            members
                .entry(stratum_key(ds, e.credit_class, &e.region))
                .or_default()
                .push(ei);
        }
        let bases: BTreeMap<StratumKey, u64> = members
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as u64))
            .collect();
        let (total, rows) = allocate(ds, task, &bases);
        if next {
            for (row, k) in &rows {
                if row.drawn > 0 {
                    maybe_taken.extend(members[k].iter().copied());
                }
            }
        }
        tasks.push(TaskPreview {
            index: ti as u32 + 1,
            key: task.key(),
            items: task.items.clone(),
            names: task
                .items
                .iter()
                .map(|id| ds.item(id).map(|i| i.name.clone()).unwrap_or_default())
                .collect(),
            directed: task.filter.is_directed(),
            exact,
            eligible: bases.values().sum(),
            excluded,
            total,
            allocation: rows.iter().map(|r| r.0.clone()).collect(),
        });
        planned.push(Planned {
            task: ti,
            exact,
            total,
            rows,
            members,
        });
    }
    let infeasible = feasibility(ds, &planned);
    Preview {
        total: tasks.iter().map(|t| t.total).sum(),
        tasks,
        infeasible,
    }
}

/// A failing slot kind: department, category, items.
type Kind = (String, String, Vec<String>);

/// A team kind of a task: (department, category) and its items.
type Kinds<'a> = BTreeMap<(&'a str, &'a str), Vec<String>>;

fn kinds_of<'a>(ds: &'a Dataset, task: usize) -> Kinds<'a> {
    let mut by: Kinds<'a> = BTreeMap::new();
    for id in &ds.plan.tasks[task].items {
        if let Some(it) = ds.item(id) {
            by.entry((
                effective_department(ds, &it.department),
                it.category.as_str(),
            ))
            .or_default()
            .push(id.clone());
        }
    }
    by
}

/// The seed-independent checks (SPEC.md §8.3 as it applies before the
/// draw; see SPEC.md §8.5).
fn feasibility(ds: &Dataset, planned: &[Planned]) -> Option<Infeasible> {
    let rules = &ds.plan.rules;
    let t = rules.team_size as usize;
    let officers = &ds.officers;
    let conflicts: HashSet<(&str, &str)> = ds
        .conflicts
        .iter()
        .map(|c| (c.cert_no.as_str(), c.uscc.as_str()))
        .collect();
    // the officers of each entity's most recent inspection (rotation)
    let mut last_team: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    if rules.rotation {
        let mut last_date: HashMap<&str, crate::model::Date> = HashMap::new();
        for h in &ds.history {
            let d = last_date.entry(h.uscc.as_str()).or_insert(h.date);
            if h.date > *d {
                *d = h.date;
            }
        }
        for h in &ds.history {
            if last_date.get(h.uscc.as_str()) == Some(&h.date) {
                last_team
                    .entry(h.uscc.as_str())
                    .or_default()
                    .extend(h.officers.iter().map(String::as_str));
            }
        }
    }
    // qualified officers of (department, category, region), before the
    // entity's own exclusions
    let mut bases: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
    let mut base = |dept: &str, cat: &str, region: &str| -> Vec<usize> {
        let key = (
            dept.to_string(),
            cat.to_string(),
            if rules.cross_region {
                String::new()
            } else {
                region.to_string()
            },
        );
        bases
            .entry(key)
            .or_insert_with(|| {
                officers
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| {
                        effective_department(ds, &o.department) == dept
                            && ds.officer_eligible(o)
                            && o.categories.iter().any(|c| c == cat)
                            && (rules.cross_region
                                || o.regions.iter().any(|r| region_covers(r, region)))
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .clone()
    };
    let qualified = |ei: usize, v: Vec<usize>| -> Vec<usize> {
        let e = &ds.entities[ei];
        let last = last_team.get(e.uscc.as_str());
        v.into_iter()
            .filter(|&i| {
                let c = officers[i].cert_no.as_str();
                !conflicts.contains(&(c, e.uscc.as_str())) && !last.is_some_and(|l| l.contains(c))
            })
            .collect()
    };

    // per exact task and stratum: entities failing check 1 and check 3
    struct Fail {
        task: usize,
        stratum: String,
        base: u64,
        drawn: u64,
        bad: u64,
        first: usize,
        kind: Kind,
        union: Option<(usize, usize)>,
    }
    let mut check1: Vec<Fail> = Vec::new();
    let mut check3: Vec<Fail> = Vec::new();
    for p in planned.iter().filter(|p| p.exact && p.total > 0) {
        let kinds = kinds_of(ds, p.task);
        for (row, k) in &p.rows {
            if row.drawn == 0 {
                continue;
            }
            let mut bad1: Option<(u64, usize, Kind)> = None;
            let mut bad3: Option<(u64, usize, Kind, (usize, usize))> = None;
            for &ei in &p.members[k] {
                let region = ds.entities[ei].region.as_str();
                let mut union: BTreeSet<usize> = BTreeSet::new();
                let mut short = None;
                for ((dept, cat), items) in &kinds {
                    let q = qualified(ei, base(dept, cat, region));
                    if q.len() < t && short.is_none() {
                        short = Some(((*dept).to_string(), (*cat).to_string(), items.clone()));
                    }
                    union.extend(q);
                }
                if let Some(kind) = short {
                    let b = bad1.get_or_insert((0, ei, kind));
                    b.0 += 1;
                } else if union.len() < t * kinds.len() {
                    let all: Vec<String> = kinds.values().flatten().cloned().collect();
                    let b = bad3.get_or_insert((
                        0,
                        ei,
                        (String::new(), String::new(), all),
                        (kinds.len(), union.len()),
                    ));
                    b.0 += 1;
                }
            }
            let n_bad1 = bad1.as_ref().map_or(0, |b| b.0);
            let n_bad3 = bad3.as_ref().map_or(0, |b| b.0);
            if let Some((bad, first, kind)) = bad1
                && row.base - bad < row.drawn
            {
                check1.push(Fail {
                    task: p.task,
                    stratum: row.stratum.clone(),
                    base: row.base,
                    drawn: row.drawn,
                    bad,
                    first,
                    kind,
                    union: None,
                });
            } else if let Some((_, first, kind, union)) = bad3
                && row.base - n_bad1 - n_bad3 < row.drawn
            {
                check3.push(Fail {
                    task: p.task,
                    stratum: row.stratum.clone(),
                    base: row.base,
                    drawn: row.drawn,
                    bad: n_bad1 + n_bad3,
                    first,
                    kind,
                    union: Some(union),
                });
            }
        }
    }
    let subject = |f: &Fail| {
        let e = &ds.entities[f.first];
        format!(
            "stratum {} of task {}: {} to draw from {} eligible, {} of which cannot get a team \
             (first: {} {} ({}))",
            f.stratum,
            f.task + 1,
            f.drawn,
            f.base,
            f.bad,
            e.uscc,
            e.name,
            e.region
        )
    };
    if let Some(f) = check1.first() {
        let (dept, cat, items) = &f.kind;
        let cats = [cat.clone()];
        let slot = Slot {
            visit: 0,
            entity: f.first,
            department: dept,
            items,
            categories: &cats,
        };
        let last = last_team.get(ds.entities[f.first].uscc.as_str());
        let mut inf = explain_short(ds, &ds.entities, &slot, &conflicts, last);
        inf.subject = Some(subject(f));
        return Some(inf);
    }

    // check 2 with a cap: places the counts need per department against
    // what its officers can fill, whatever entities are drawn
    if let Some(cap) = rules.officer_max_load {
        let cap = u64::from(cap);
        // visits per (department, category): at least the largest task
        // count under `joint` (visits merge), the sum under `next`
        let mut need: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut items_of: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for p in planned.iter().filter(|p| p.exact && p.total > 0) {
            for ((dept, cat), items) in kinds_of(ds, p.task) {
                let n = need.entry(dept).or_default().entry(cat).or_default();
                *n = if rules.overlap == Overlap::Next {
                    *n + p.total
                } else {
                    (*n).max(p.total)
                };
                items_of.entry(dept).or_default().extend(items);
            }
        }
        for (dept, cats) in &need {
            let visits: u64 = cats.values().sum();
            let places = visits * t as u64;
            let m = officers
                .iter()
                .filter(|o| {
                    effective_department(ds, &o.department) == *dept
                        && ds.officer_eligible(o)
                        && o.categories.iter().any(|c| cats.contains_key(c.as_str()))
                })
                .count() as u64;
            if places > m * cap {
                let items: Vec<String> = items_of[dept].iter().cloned().collect();
                return Some(Infeasible {
                    item: items.join("+"),
                    subject: Some(format!("department {dept}")),
                    constraint: format!(
                        "at least {visits} visits need {places} officer places but the {m} \
                         officers who could serve them can fill at most {m} × {cap} = {} \
                         (officer_max_load {cap})",
                        m * cap
                    ),
                });
            }
        }
    }

    if let Some(f) = check3.first() {
        let (slots, union) = f.union.unwrap_or((0, 0));
        return Some(Infeasible {
            item: f.kind.2.join("+"),
            subject: Some(subject(f)),
            constraint: format!(
                "the visit needs {slots} teams of {t} distinct officers ({} officers) but only \
                 {union} qualified officers can serve it",
                slots * t
            ),
        });
    }
    None
}
