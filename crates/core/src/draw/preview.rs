//! What a draw will do, known before the seed exists: the count of every
//! task and its allocation to strata (SPEC.md §6 needs no seed), and the
//! infeasibilities that no seed can avoid (SPEC.md §8.3).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::error::{Infeasible, Result};
use crate::model::{Overlap, region_covers};
use crate::{Dataset, Error};

use super::assign::{Slot, effective_department, explain_short};
use super::visits::TeamKind;
use super::{Eligibility, StratumAllocation, StratumKey, allocate, reason_label, stratum_key};

/// The preview of one task: how many entities it will draw from each
/// stratum.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let preview = ds.preview();
/// let t = &preview.tasks[0];
/// assert_eq!(t.key, ds.plan().tasks[0].key());
/// assert_eq!(t.allocation.iter().map(|s| s.drawn).sum::<u64>(), t.total);
/// assert!(t.total <= t.eligible);
/// ```
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
    /// A batch task's year figures: the year's target, what earlier
    /// batches drew, the target when this batch is done (SPEC.md §6.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<crate::draw::BatchFigures>,
    /// The allocation table, in bytewise order of stratum name (SPEC.md §6.4).
    pub allocation: Vec<StratumAllocation>,
}

/// What a draw of a dataset will do, for any seed: see
/// [`Dataset::preview`].
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let preview = ds.preview();
/// assert!(preview.check().is_ok());
/// assert_eq!(preview.total, preview.tasks.iter().map(|t| t.total).sum::<u64>());
/// ```
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
    ///
    /// ```
    /// use shuangsuiji::{ErrorKind, Infeasible, draw::Preview};
    /// let p = Preview { tasks: vec![], total: 0, infeasible: Some(Infeasible {
    ///     item: "LY-01".into(), subject: None, constraint: "too few officers".into() }) };
    /// assert!(matches!(p.check().unwrap_err().kind(), ErrorKind::Infeasible(_)));
    /// ```
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
        let mut earlier: BTreeMap<StratumKey, u64> = BTreeMap::new();
        let mut exact = true;
        for (ei, e) in ds.entities.iter().enumerate() {
            if let Err(r) = elig.check_with(task, lead, e, elig.history_of(&e.uscc)) {
                *excluded.entry(reason_label(r).to_string()).or_default() += 1;
                if r == crate::draw::Exclusion::Drawn {
                    *earlier.entry(stratum_key(ds, task, e)).or_default() += 1;
                }
                continue;
            }
            if next && maybe_taken.contains(&ei) {
                exact = false;
            }
            members
                .entry(stratum_key(ds, task, e))
                .or_default()
                .push(ei);
        }
        let bases: BTreeMap<StratumKey, u64> = members
            .iter()
            .map(|(k, v)| (k.clone(), v.len() as u64))
            .collect();
        let (total, rows, batch) = allocate(ds, task, &bases, &earlier);
        if next {
            if exact {
                for (row, k) in &rows {
                    if row.drawn > 0 {
                        maybe_taken.extend(members[k].iter().copied());
                    }
                }
            } else {
                // counts that are not exact may differ in a draw: with
                // fewer entities in one stratum, another may draw where
                // this preview draws none, so any member may be taken
                maybe_taken.extend(members.values().flatten().copied());
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
            batch,
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
    let conflicts: rustc_hash::FxHashSet<(&str, &str)> = ds
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
        let kind = TeamKind {
            department: dept.to_string(),
            categories: vec![cat.clone()],
            items: items.clone(),
        };
        let slot = Slot {
            visit: 0,
            entity: f.first,
            kind: &kind,
        };
        let last = last_team.get(ds.entities[f.first].uscc.as_str());
        let mut inf = explain_short(ds, &ds.entities, &slot, &conflicts, last);
        inf.subject = Some(subject(f));
        return Some(inf);
    }

    // check 2 with a cap: the places the counts need against what the
    // officers can fill, whatever entities are drawn
    if let Some(cap) = rules.officer_max_load
        && let Some(inf) = cap_check(ds, planned, u64::from(cap))
    {
        return Some(inf);
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

/// A lower bound, for every seed, of the visits with a team of each
/// (department, category) — per region key (a region, or `""` for all) —
/// and the check of SPEC.md §8.5 item 2 against `officer_max_load`.
fn cap_check(ds: &Dataset, planned: &[Planned], cap: u64) -> Option<Infeasible> {
    let rules = &ds.plan.rules;
    let t = rules.team_size as u64;
    let officers = &ds.officers;
    let next = rules.overlap == Overlap::Next;
    let by_region = !rules.cross_region && rules.stratify == crate::model::Stratify::Region;
    let tasks: Vec<&Planned> = planned.iter().filter(|p| p.exact && p.total > 0).collect();
    fn region_of(p: &Planned, row: usize, by_region: bool) -> &str {
        if by_region {
            p.rows[row].0.region.as_str()
        } else {
            ""
        }
    }
    // drawn per task and region key
    let drawn: Vec<BTreeMap<&str, u64>> = tasks
        .iter()
        .map(|p| {
            let mut m: BTreeMap<&str, u64> = BTreeMap::new();
            for (i, (row, _)) in p.rows.iter().enumerate() {
                *m.entry(region_of(p, i, by_region)).or_default() += row.drawn;
            }
            m
        })
        .collect();
    // under `joint` two tasks share at most Σ min(n_h, n_h', |E_h ∩ E_h'|)
    // visits (an entity is in one stratum of each task; a shared entity
    // has one region)
    let mut shared: BTreeMap<(usize, usize), BTreeMap<&str, u64>> = BTreeMap::new();
    if !next && tasks.len() > 1 {
        let index: Vec<HashMap<usize, usize>> = tasks
            .iter()
            .map(|p| {
                let mut m = HashMap::new();
                for (i, (row, k)) in p.rows.iter().enumerate() {
                    if row.drawn > 0 {
                        for &e in &p.members[k] {
                            m.insert(e, i);
                        }
                    }
                }
                m
            })
            .collect();
        for a in 0..tasks.len() {
            for b in a + 1..tasks.len() {
                let mut both: BTreeMap<(usize, usize), u64> = BTreeMap::new();
                for (e, ra) in &index[a] {
                    if let Some(rb) = index[b].get(e) {
                        *both.entry((*ra, *rb)).or_default() += 1;
                    }
                }
                let mut by: BTreeMap<&str, u64> = BTreeMap::new();
                for ((ra, rb), n) in both {
                    let m = n
                        .min(tasks[a].rows[ra].0.drawn)
                        .min(tasks[b].rows[rb].0.drawn);
                    *by.entry(region_of(tasks[a], ra, by_region)).or_default() += m;
                }
                shared.insert((a, b), by);
            }
        }
    }
    // visits with a (department, category) team, per region key, at least
    let kinds: Vec<Kinds<'_>> = tasks.iter().map(|p| kinds_of(ds, p.task)).collect();
    let mut keys: BTreeSet<(&str, &str)> = BTreeSet::new();
    for k in &kinds {
        keys.extend(k.keys().copied());
    }
    let at_least = |key: (&str, &str), region: Option<&str>| -> u64 {
        let with: Vec<usize> = (0..tasks.len())
            .filter(|&i| kinds[i].contains_key(&key))
            .collect();
        let of = |i: usize| -> u64 {
            match region {
                Some(r) => drawn[i].get(r).copied().unwrap_or(0),
                None => drawn[i].values().sum(),
            }
        };
        let sum: u64 = with.iter().map(|&i| of(i)).sum();
        if next {
            return sum;
        }
        let max = with.iter().map(|&i| of(i)).max().unwrap_or(0);
        let mut overlap = 0u64;
        for (x, &a) in with.iter().enumerate() {
            for &b in &with[x + 1..] {
                if let Some(by) = shared.get(&(a, b)) {
                    overlap += match region {
                        Some(r) => by.get(r).copied().unwrap_or(0),
                        None => by.values().sum(),
                    };
                }
            }
        }
        max.max(sum.saturating_sub(overlap))
    };
    let items_of = |dept: &str, cat: Option<&str>| -> String {
        let set: BTreeSet<&str> = kinds
            .iter()
            .flat_map(|k| k.iter())
            .filter(|((d, c), _)| *d == dept && cat.is_none_or(|x| x == *c))
            .flat_map(|(_, items)| items.iter().map(String::as_str))
            .collect();
        set.into_iter().collect::<Vec<_>>().join("+")
    };
    let fill = |m: u64| format!("{m} × {cap} = {} (officer_max_load {cap})", m * cap);
    // per department (SPEC.md §8.3 check 2)
    let depts: BTreeSet<&str> = keys.iter().map(|k| k.0).collect();
    for dept in depts {
        let cats: BTreeSet<&str> = keys.iter().filter(|k| k.0 == dept).map(|k| k.1).collect();
        let visits: u64 = cats.iter().map(|c| at_least((dept, c), None)).sum();
        let m = officers
            .iter()
            .filter(|o| {
                effective_department(ds, &o.department) == dept
                    && ds.officer_eligible(o)
                    && o.categories.iter().any(|c| cats.contains(c.as_str()))
            })
            .count() as u64;
        if visits * t > m * cap {
            return Some(Infeasible {
                item: items_of(dept, None),
                subject: Some(format!("department {dept}")),
                constraint: format!(
                    "at least {visits} visits need {} officer places but the {m} officers who \
                     could serve them can fill at most {}",
                    visits * t,
                    fill(m)
                ),
            });
        }
    }
    // per department, category and region
    for &(dept, cat) in &keys {
        let regions: BTreeSet<&str> = drawn.iter().flat_map(|d| d.keys().copied()).collect();
        for region in regions {
            let visits = at_least((dept, cat), Some(region));
            let m = officers
                .iter()
                .filter(|o| {
                    effective_department(ds, &o.department) == dept
                        && ds.officer_eligible(o)
                        && o.categories.iter().any(|c| c == cat)
                        && (!by_region || o.regions.iter().any(|x| region_covers(x, region)))
                })
                .count() as u64;
            if visits * t > m * cap {
                let covering = if by_region {
                    format!(" covering {region}")
                } else {
                    String::new()
                };
                return Some(Infeasible {
                    item: items_of(dept, Some(cat)),
                    subject: Some(if by_region {
                        format!("department {dept}, region {region}")
                    } else {
                        format!("department {dept}")
                    }),
                    constraint: format!(
                        "at least {visits} visits need {} places of officers certified for \
                         {cat}{covering} but the {m} such officers can fill at most {}",
                        visits * t,
                        fill(m)
                    ),
                });
            }
        }
    }
    None
}
