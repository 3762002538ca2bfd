//! The draw (SPEC.md): a pure function of the dataset and the seed text.

mod alloc;
mod assign;
pub(crate) mod eligibility;
mod entities;
mod front;
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub mod keys;
mod preview;
mod result;
mod seed;
mod sources;
mod visits;

#[doc(hidden)] // for shuangsuiji-disclose's bundle verification
pub use crate::stream::draw_streaming_withheld;
pub use crate::stream::{StreamedDraw, draw_streaming};
pub use eligibility::{Eligibility, Exclusion};
pub use front::{Draw, DrawOptions, Seed};
pub use preview::{Preview, TaskPreview};
pub use seed::SeedStrength;
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use seed::{MAX_SEED_BITS, MIN_SEED_BITS, required_seed_bits, seed_bits};
pub use sources::SourceOutcome;
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use sources::{
    PART_SEPARATOR, QUICKNET_DST, declared_bits, read_seed, seed_template, tenths_text,
    verify_quicknet,
};

#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use keys::{
    TAG_DRAW_KEY, TAG_OFFICERS, TAG_TASK_KEY, TAG_TICKET, WordStream, draw_key, normalize_seed,
    officer_stream_key, seed_problem, task_key, ticket, ticket_in,
};
pub use result::{
    BatchFigures, DrawResult, ExclusionSummary, PlanInfo, SeedInfo, Selection, StratumAllocation,
    TaskResult, Team, TeamMember, Visit,
};
pub use visits::{VisitList, Visits};

pub(crate) use entities::{EntityRecords, Joined, Packed};

use std::collections::{BTreeMap, BTreeSet};

// only looked up, never iterated in an order that reaches a result
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::commit::digest::hex;
use crate::error::{Diagnostic, DiagnosticKind, Position, Result};
use crate::model::{
    CreditClass, GroupColumn, Item, ItemLevel, Overlap, Ratio, Stratify, mul_div_ceil,
};
use crate::{Dataset, Error};

/// The name of the algorithm this engine implements, recorded in every
/// result. Any change that alters an output for the same input gets a new
/// name.
pub const ALGORITHM: &str = "ssj-draw-v1";

/// The draw primitive, WITHOUT the guards of [`Dataset::draw`]: select the
/// entities of every task and the officers of every visit, as SPEC.md
/// defines, from the dataset and the seed text. It checks neither a
/// commitment nor the seed's strength; use it for test vectors and
/// property tests, and [`Dataset::draw`] everywhere else.
///
/// The result depends only on the dataset's canonical content (its
/// digests), the plan and the normalised seed text; see SPEC.md.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::Dataset;
/// use shuangsuiji::draw::draw_unchecked;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let ds = Dataset::load("plan.toml", &text, |name| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// }).unwrap();
/// let result = draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
/// assert_eq!(result.algorithm, "ssj-draw-v1");
/// assert!(!result.visits.is_empty());
/// for visit in &result.visits {
///     for team in &visit.teams {
///         assert_eq!(team.officers.len(), ds.plan().rules.team_size as usize);
///     }
/// }
/// // the same seed gives the same bytes; another seed another draw
/// let again = draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
/// assert_eq!(result.to_canonical_json(), again.to_canonical_json());
/// // the seed is normalised: spacing and full-width digits do not matter
/// let spaced = draw_unchecked(&ds, " 38 17 05 92 64 １１ ").unwrap();
/// assert_eq!(result.visits, spaced.visits);
/// let other = draw_unchecked(&ds, "38 17 05 92 64 12").unwrap();
/// assert_ne!(result.visits, other.visits);
/// ```
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn draw_unchecked(ds: &Dataset, seed_text: &str) -> Result<DrawResult> {
    let normalized = normalize_seed(seed_text);
    if normalized.is_empty() {
        return Err(Error::input(vec![Diagnostic::error(
            DiagnosticKind::MissingValue,
            Position::file("seed"),
            "the seed text is empty",
        )]));
    }
    let sources = read_seed(&ds.plan.seed_sources, &normalized)?;
    let key = draw_key(ALGORITHM, &normalized, &ds.digests);
    let (tasks, visits) = select(ds, &key);
    let (mut result, list) = finish_draw(
        ds,
        Ents::Held(&ds.entities),
        &ds.history,
        seed_text,
        normalized,
        sources,
        key,
        tasks,
        visits,
    )?;
    result.visits = list.iter().collect();
    Ok(result)
}

/// The entities the visits refer to, as [`finish_draw`] gets them.
pub(crate) enum Ents<'a> {
    /// Held by the caller: each visit's texts are copied from them.
    Held(&'a dyn EntityRecords),
    /// Only the entities visited ([`Drafts::visited_only`]), handed over:
    /// their texts go to the visit list in the order held, and each
    /// chunk of them is let go once copied, so that a province's visited
    /// entities are not held twice.
    Visited(Joined),
}

/// Officers and the result, once every task is selected: the result with
/// its visits apart, compact. `history` is the dataset's (the streaming
/// draw holds it once, outside the dataset).
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_draw(
    ds: &Dataset,
    ents: Ents<'_>,
    history: &[crate::model::HistoryRecord],
    seed_text: &str,
    normalized: String,
    sources: Vec<SourceOutcome>,
    key: [u8; 32],
    tasks: Vec<TaskResult>,
    visits: Drafts,
) -> Result<(DrawResult, VisitList)> {
    let list = staff(ds, ents, history, &key, &tasks, visits)?;
    let head = DrawResult {
        algorithm: ALGORITHM.to_string(),
        engine_version: crate::ENGINE_VERSION.to_string(),
        plan: PlanInfo {
            id: ds.plan.id.clone(),
            title: ds.plan.title.clone(),
            authority: ds.plan.authority.clone(),
            period_start: ds.plan.period_start,
            period_end: ds.plan.period_end,
            date: ds.plan.date,
            registry: ds.plan.registry.declared().cloned(),
        },
        rules: ds.plan.rules.clone(),
        seed: SeedInfo {
            text: seed_text.to_string(),
            normalized,
            source: ds.plan.seed_source.clone(),
            sources,
        },
        digests: ds.digests.clone(),
        draw_key: hex(&key),
        tasks,
        visits: Vec::new(),
    };
    Ok((head, list))
}

/// The visits under construction, in the order their entities were first
/// selected, with every selection in the order made. Held flat: a
/// province's draw makes millions of selections, nearly all the only one
/// of their visit, and a vector per visit (room for four selections at its
/// first push) cost four times the selections themselves.
#[derive(Debug, Default)]
pub(crate) struct Drafts {
    /// The entity index of each visit.
    entities: Vec<usize>,
    /// Each selection with the index of its visit, in the order made.
    sels: Vec<(u32, visits::Sel)>,
}

impl Drafts {
    /// Only the entities visited, of `pool`, kept in place in the pool's
    /// order as [`finish_draw`] reads them ([`Joined::keep_live`]:
    /// without their industry and object types); the visits then refer
    /// to them. A streaming draw's pool holds every candidate of every
    /// task with all its fields, which the officers' assignment does not
    /// need; kept in place, the visited records are not held twice.
    pub(crate) fn visited_only(&mut self, mut pool: Joined) -> Joined {
        let mut live = vec![false; pool.len()];
        for &e in &self.entities {
            live[e] = true;
        }
        let new = pool.keep_live(&live, true);
        for e in &mut self.entities {
            *e = new[*e] as usize;
        }
        pool
    }

    /// The visits with their selections together: visit `v`'s are
    /// `sels[starts[v]..starts[v + 1]]`, in the order made.
    fn grouped(self) -> Grouped {
        let Drafts { entities, mut sels } = self;
        // stable: a visit's selections keep the order they were made in
        sels.sort_by_key(|&(v, _)| v);
        let mut starts = Vec::with_capacity(entities.len() + 1);
        for (i, &(v, _)) in sels.iter().enumerate() {
            while starts.len() <= v as usize {
                starts.push(i);
            }
        }
        while starts.len() <= entities.len() {
            starts.push(sels.len());
        }
        Grouped {
            entities,
            starts,
            // reuses the allocation: a selection is smaller than the pair
            sels: sels.into_iter().map(|(_, s)| s).collect(),
        }
    }
}

/// [`Drafts`] grouped by visit.
struct Grouped {
    entities: Vec<usize>,
    /// Where each visit's selections start, and their end.
    starts: Vec<usize>,
    sels: Vec<visits::Sel>,
}

impl Grouped {
    /// The selections of visit `v`.
    fn of(&self, v: usize) -> &[visits::Sel] {
        &self.sels[self.starts[v]..self.starts[v + 1]]
    }
}

/// The exclusion label of a reason.
pub(crate) fn reason_label(r: Exclusion) -> &'static str {
    match r {
        Exclusion::Status => "status",
        Exclusion::ObjectType => "object_type",
        Exclusion::Filter => "filter",
        Exclusion::Drawn => "drawn",
        Exclusion::CoolDown => "cool_down",
        Exclusion::YearCap => "year_cap",
    }
}

/// A ratio group (SPEC.md §6.1): the default group, a credit class with
/// its own ratio, or a value of the task's group column with its own ratio.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Group {
    /// The task's own ratio.
    Default,
    /// A credit class of `rules.class_ratios`.
    Class(CreditClass),
    /// A value of the task's `group_by` column with a ratio in its
    /// `group_ratios`.
    Value(GroupColumn, String),
}

impl Group {
    /// The group's name (SPEC.md §6.1): `""`, the class letter, or
    /// `column=value`; used for tie-breaks and after `/` in stratum names.
    pub(crate) fn name(&self) -> String {
        match self {
            Group::Default => String::new(),
            Group::Class(c) => c.as_str().to_string(),
            Group::Value(col, v) => format!("{}={v}", col.as_str()),
        }
    }
}

/// The ratio group of an entity for a task (SPEC.md §6.1): its class when
/// the class has its own ratio; else its value of the task's group column
/// when that value has a ratio (for `types`, the entity's type with the
/// largest ratio, ties to the bytewise smaller type); else the default
/// group.
pub(crate) fn group_of<E: eligibility::EntityFields + ?Sized>(
    ds: &Dataset,
    task: &crate::model::Task,
    e: &E,
) -> Group {
    if let Some(c) = e
        .credit_class()
        .filter(|c| ds.plan.rules.class_ratios.contains_key(c))
    {
        return Group::Class(c);
    }
    let Some(col) = task.group_by else {
        return Group::Default;
    };
    let value = |v: &str| task.group_ratios.get_key_value(v).map(|(k, _)| k);
    let found: Option<&String> = match col {
        GroupColumn::Region => value(e.region()),
        GroupColumn::Industry => value(e.industry()),
        GroupColumn::Types => {
            let mut best: Option<(&String, Ratio)> = None;
            e.has_type(|t| {
                if let Some((k, r)) = task.group_ratios.get_key_value(t) {
                    let better = match best {
                        None => true,
                        Some((bk, br)) => *r > br || (*r == br && k.as_bytes() < bk.as_bytes()),
                    };
                    if better {
                        best = Some((k, *r));
                    }
                }
                false
            });
            best.map(|(k, _)| k)
        }
    };
    match found {
        Some(v) => Group::Value(col, v.clone()),
        None => Group::Default,
    }
}

/// Stratum name (SPEC.md §6.1).
fn stratum_name(region: &str, group: &Group) -> String {
    match group {
        Group::Default => region.to_string(),
        g => format!("{region}/{}", g.name()),
    }
}

/// The stratum name of a key (for substitutes, SPEC.md §13).
pub(crate) fn stratum_name_of(region: &str, group: &Group) -> String {
    stratum_name(region, group)
}

/// A stratum key: (ratio group, region key); the default group sorts
/// first.
pub(crate) type StratumKey = (Group, String);

/// One stratum of a task as the selection sees it: its eligible base and
/// candidates (entity indices into `ds.entities()`).
#[derive(Debug, Clone, Default)]
pub(crate) struct StratumInput {
    /// `N_h`: eligible entities in the stratum (taken ones removed).
    pub base: u64,
    /// Candidates: all eligible entities of the stratum (`complete`), or the
    /// eligible entities whose (ticket, code) is among the smallest — a
    /// prefix of the stratum in selection order. Never taken entities.
    pub cands: Vec<usize>,
    /// Whether `cands` is the whole stratum.
    pub complete: bool,
}

/// What the selection of one task needs: its strata and exclusion counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskInput {
    /// Strata with at least one eligible entity.
    pub strata: BTreeMap<StratumKey, StratumInput>,
    /// Entities not eligible, by reason label.
    pub excluded: BTreeMap<String, u64>,
    /// Batch tasks (SPEC.md §6.5): per stratum key, the entities excluded
    /// as `drawn` (drawn for the task's items earlier in the year).
    pub earlier: BTreeMap<StratumKey, u64>,
}

/// The ratio group and region key of an entity for a task (SPEC.md §6.1).
pub(crate) fn stratum_key<E: eligibility::EntityFields + ?Sized>(
    ds: &Dataset,
    task: &crate::model::Task,
    e: &E,
) -> StratumKey {
    let region = match ds.plan.rules.stratify {
        Stratify::Region => e.region().to_string(),
        Stratify::None => "*".to_string(),
    };
    (group_of(ds, task, e), region)
}

/// The ratio of a group of a task whose default group has the ratio
/// `default` (SPEC.md §6.1).
pub(crate) fn group_ratio(
    ds: &Dataset,
    task: &crate::model::Task,
    default: Ratio,
    g: &Group,
) -> Ratio {
    match g {
        Group::Default => default,
        Group::Class(c) => ds
            .plan
            .rules
            .class_ratios
            .get(c)
            .copied()
            .unwrap_or(default),
        Group::Value(_, v) => task.group_ratios.get(v).copied().unwrap_or(default),
    }
}

/// Strata of a task whose candidates are too few: (stratum, `n_h`).
pub(crate) type Shortage = Vec<(StratumKey, u64)>;

/// The selection of tasks one by one, in plan order (SPEC.md §5–§7),
/// without officers. Both the in-memory draw and the streaming draw feed
/// it; only where candidates come from differs.
pub(crate) struct Selector<'d> {
    ds: &'d Dataset,
    ents: &'d (dyn EntityRecords + Sync),
    key: [u8; 32],
    registry: u64,
    /// Threads that rank a task's strata (at least one).
    threads: usize,
    tasks: Vec<TaskResult>,
    drafts: Drafts,
    visit_of: HashMap<usize, u32>,
}

impl<'d> Selector<'d> {
    /// A selector over the plan of `ds` and entities `ents` (at least
    /// every candidate) for a registry of `registry` entities, ranking a
    /// task's strata on up to `threads` threads.
    pub(crate) fn new(
        ds: &'d Dataset,
        ents: &'d (dyn EntityRecords + Sync),
        key: [u8; 32],
        registry: u64,
        threads: usize,
    ) -> Self {
        Selector {
            ds,
            ents,
            key,
            registry,
            threads: threads.max(1),
            tasks: Vec::with_capacity(ds.plan.tasks.len()),
            drafts: Drafts::default(),
            visit_of: HashMap::default(),
        }
    }

    /// Entities with a visit so far (sorted): the `taken` set of the next
    /// task under `overlap = next`.
    pub(crate) fn taken(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.visit_of.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Whether an entity has a visit so far.
    pub(crate) fn is_taken(&self, ei: usize) -> bool {
        self.visit_of.contains_key(&ei)
    }

    /// Select the next task from `input`. If a stratum that is not complete
    /// has fewer candidates than it draws, nothing changes and the short
    /// strata are returned.
    pub(crate) fn select_task(&mut self, input: TaskInput) -> std::result::Result<(), Shortage> {
        let ds = self.ds;
        let ti = self.tasks.len();
        let task = &ds.plan.tasks[ti];
        let tkey_text = task.key();
        let tkey = task_key(&self.key, &tkey_text);
        let TaskInput {
            mut strata,
            excluded,
            earlier,
        } = input;
        let bases: BTreeMap<StratumKey, u64> =
            strata.iter().map(|(k, v)| (k.clone(), v.base)).collect();
        let (total, rows, batch) = allocate(ds, task, &bases, &earlier);
        let short: Shortage = rows
            .iter()
            .filter(|(row, k)| {
                let s = &strata[k];
                !s.complete && (s.cands.len() as u64) < row.drawn
            })
            .map(|(row, k)| (k.clone(), row.drawn))
            .collect();
        if !short.is_empty() {
            return Err(short);
        }
        // the strata that draw, each with its candidates, in row order
        let jobs: Vec<(usize, usize, Vec<usize>)> = rows
            .iter()
            .enumerate()
            .filter(|(_, (row, _))| row.drawn > 0)
            .map(|(ri, (row, k))| {
                let cands = strata.remove(k).map(|s| s.cands).unwrap_or_default();
                (ri, row.drawn as usize, cands)
            })
            .collect();
        let prefix = ds.plan.registry.scheme.prefix();
        let picks = pick_all(self.ents, prefix, &tkey, &jobs, self.threads);
        for ((ri, _, _), picked) in jobs.iter().zip(picks) {
            for (rank, ei) in picked.into_iter().enumerate() {
                // the stratum is the row of the allocation (rows are in
                // allocation order)
                let sel = visits::Sel {
                    task: ti as u32,
                    row: *ri as u32,
                    rank: rank as u64 + 1,
                };
                let entities = &mut self.drafts.entities;
                let vi = *self.visit_of.entry(ei).or_insert_with(|| {
                    entities.push(ei);
                    (entities.len() - 1) as u32
                });
                self.drafts.sels.push((vi, sel));
            }
        }
        let eligible: u64 = rows.iter().map(|r| r.0.base).sum();
        self.tasks.push(TaskResult {
            index: ti as u32 + 1,
            key: tkey_text,
            items: task.items.clone(),
            names: task
                .items
                .iter()
                .map(|id| ds.item(id).map(|i| i.name.clone()).unwrap_or_default())
                .collect(),
            directed: task.filter.is_directed(),
            task_key: hex(&tkey),
            total,
            batch,
            allocation: rows.into_iter().map(|r| r.0).collect(),
            exclusions: ExclusionSummary {
                registry: self.registry,
                eligible,
                excluded,
            },
        });
        Ok(())
    }

    /// The selection so far: tasks and visits.
    pub(crate) fn into_parts(self) -> (Vec<TaskResult>, Drafts) {
        (self.tasks, self.drafts)
    }

    /// Continue from [`Selector::into_parts`] (over a dataset whose
    /// entities keep their indices).
    pub(crate) fn restore(&mut self, tasks: Vec<TaskResult>, drafts: Drafts) {
        self.visit_of = drafts
            .entities
            .iter()
            .enumerate()
            .map(|(i, &e)| (e, i as u32))
            .collect();
        self.tasks = tasks;
        self.drafts = drafts;
    }
}

/// Candidates of all strata (every task's) from which the selection
/// ranks on more than one thread, when it may.
const PARALLEL_FROM: usize = if cfg!(test) { 1 } else { 1 << 12 };

/// The entities each stratum draws, in rank order (SPEC.md §7): for each
/// job (row, count drawn, candidates), the `drawn` candidates with the
/// smallest tickets under the task key `tkey`, ties broken by code. The
/// strata are ranked on up to `threads` threads, the largest first, each
/// whole on one thread; what each draws does not depend on which.
fn pick_all(
    ents: &(dyn EntityRecords + Sync),
    prefix: &str,
    tkey: &[u8; 32],
    jobs: &[(usize, usize, Vec<usize>)],
    threads: usize,
) -> Vec<Vec<usize>> {
    let pick = |drawn: usize, cands: &[usize]| -> Vec<usize> {
        let mut ticketed: Vec<([u8; 32], usize)> = Vec::with_capacity(cands.len());
        let mut codes: Vec<&str> = Vec::with_capacity(256);
        let mut tickets = keys::Tickets::new(tkey);
        for chunk in cands.chunks(256) {
            // a province's candidates lie scattered in memory: fetching
            // a block's codes before hashing any lets the processor wait
            // for their loads together
            codes.clear();
            codes.extend(chunk.iter().map(|&ei| ents.uscc(ei)));
            ticketed.extend(
                chunk
                    .iter()
                    .zip(&codes)
                    .map(|(&ei, code)| (tickets.ticket(prefix, code), ei)),
            );
        }
        ticketed.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| ents.uscc(a.1).as_bytes().cmp(ents.uscc(b.1).as_bytes()))
        });
        ticketed.truncate(drawn);
        ticketed.into_iter().map(|(_, ei)| ei).collect()
    };
    let total: usize = jobs.iter().map(|j| j.2.len()).sum();
    let threads = threads.min(jobs.len());
    if threads <= 1 || total < PARALLEL_FROM {
        return jobs.iter().map(|(_, d, c)| pick(*d, c)).collect();
    }
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&j| std::cmp::Reverse(jobs[j].2.len()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Vec<usize>>> = jobs
        .iter()
        .map(|_| std::sync::Mutex::new(Vec::new()))
        .collect();
    let work = || {
        while let Some(&j) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
            let picked = pick(jobs[j].1, &jobs[j].2);
            if let Ok(mut slot) = slots[j].lock() {
                *slot = picked;
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
        .collect()
}

/// The ratio of a task's default group and the count it draws, if it draws
/// a count (SPEC.md §6.2): the task's `ratio` or `count` when it states one,
/// else the lead item's single number (a ratio, or a count with the ratio
/// 100%). A range or no number without the task's number is refused when
/// the plan loads; here it falls back to the range's minimum or 100%.
pub(crate) fn task_number(task: &crate::model::Task, lead: Option<&Item>) -> (Ratio, Option<u64>) {
    use crate::model::ItemRatio;
    let Some(lead) = lead else {
        return (Ratio::ONE, None);
    };
    if let Some(r) = task.ratio {
        return (r, None);
    }
    if let Some(n) = task.count {
        return (Ratio::ONE, Some(n));
    }
    match lead.ratio.ratio {
        ItemRatio::Exact(r) => (r, None),
        ItemRatio::Range { min, .. } => (min, None),
        ItemRatio::Count { n, .. } => (Ratio::ONE, Some(n)),
        ItemRatio::Unspecified | ItemRatio::PerGroup => (Ratio::ONE, None),
    }
}

/// The count of a task and its allocation to strata (SPEC.md §6), from the
/// eligible base of each stratum (and, for a batch task, the entities of
/// each stratum drawn for its items earlier in the year): the task total,
/// the allocation rows in bytewise order of stratum name, each with its
/// stratum key, and a batch task's year figures. It needs no seed.
pub(crate) fn allocate(
    ds: &Dataset,
    task: &crate::model::Task,
    bases: &BTreeMap<StratumKey, u64>,
    earlier: &BTreeMap<StratumKey, u64>,
) -> (
    u64,
    Vec<(StratumAllocation, StratumKey)>,
    Option<BatchFigures>,
) {
    let lead = task.items.first().and_then(|id| ds.item(id));
    let (item_ratio, count) = task_number(task, lead);
    let share = task.year_fraction();
    // groups
    let mut groups: BTreeMap<&Group, Vec<(&String, u64)>> = BTreeMap::new();
    for ((g, region), v) in bases {
        groups.entry(g).or_default().push((region, *v));
    }
    let ratio_of = |g: &Group| group_ratio(ds, task, item_ratio, g);
    // drawn earlier this year, per group (also groups without eligible)
    let mut d_of: BTreeMap<&Group, u64> = BTreeMap::new();
    for ((g, _), d) in earlier {
        *d_of.entry(g).or_default() += d;
    }
    let gkeys: Vec<&Group> = groups.keys().copied().collect();
    let gnames_owned: Vec<String> = gkeys.iter().map(|g| g.name()).collect();
    let gnames: Vec<&str> = gnames_owned.iter().map(String::as_str).collect();
    let gbases: Vec<u64> = groups
        .values()
        .map(|v| v.iter().map(|(_, n)| *n).sum())
        .collect();
    let gcounts: Vec<u64> = gkeys
        .iter()
        .zip(&gbases)
        .map(|(g, n)| match share {
            None => ratio_of(g).ceil_mul(*n),
            Some((p, q)) => {
                let d = d_of.get(*g).copied().unwrap_or(0);
                batch_through(ratio_of(g), n + d, (p, q)).saturating_sub(d)
            }
        })
        .collect();
    let base: u64 = gbases.iter().sum();
    let drawn_before: u64 = d_of.values().sum();
    let batch_count = |c: u64| match share {
        None => c,
        Some((p, q)) => (mul_div_ceil(u128::from(c), u128::from(p), u128::from(q)) as u64)
            .saturating_sub(drawn_before),
    };
    let mut total: u64 = count.map_or_else(|| gcounts.iter().sum(), batch_count);
    if let Some(lead) = lead {
        if let Some(min) = lead.min_count {
            total = total.max(min);
        }
        if lead.level == ItemLevel::General
            && let Some(max) = lead.max_count
        {
            total = total.min(max);
        }
    }
    total = total.min(base);
    let targets = alloc::group_targets(total, &gcounts, &gbases, &gnames);
    // strata within groups
    let mut rows: Vec<(StratumAllocation, StratumKey)> = Vec::new();
    for ((g, members), target) in groups.iter().zip(targets) {
        let parts: Vec<(u64, &str)> = members.iter().map(|(r, n)| (*n, r.as_str())).collect();
        let counts = alloc::largest_remainder(target, &parts);
        for ((region, big_n), n) in members.iter().zip(counts) {
            let big_n = *big_n;
            rows.push((
                StratumAllocation {
                    stratum: stratum_name(region, g),
                    region: (*region).clone(),
                    class: match g {
                        Group::Class(c) => Some(c.as_str().to_string()),
                        _ => None,
                    },
                    group: match g {
                        Group::Value(_, v) => Some(v.clone()),
                        _ => None,
                    },
                    base: big_n,
                    drawn: n,
                    ratio: ratio_of(g).decimal(),
                    probability: format!("{n}/{big_n}"),
                    per_mille: n * 1000 / big_n,
                },
                ((*g).clone(), (*region).clone()),
            ));
        }
    }
    rows.sort_by(|a, b| a.0.stratum.as_bytes().cmp(b.0.stratum.as_bytes()));
    let batch = share.map(|(p, q)| {
        // the year's figures over every group with an eligible entity or
        // one drawn earlier
        let mut all: BTreeMap<&Group, u64> = d_of.clone();
        for (g, n) in gkeys.iter().zip(&gbases) {
            *all.entry(*g).or_default() += n;
        }
        let (year, through) = match count {
            Some(c) => (
                c,
                mul_div_ceil(u128::from(c), u128::from(p), u128::from(q)) as u64,
            ),
            None => all.iter().fold((0, 0), |(y, t), (g, b)| {
                (
                    y + ratio_of(g).ceil_mul(*b),
                    t + batch_through(ratio_of(g), *b, (p, q)),
                )
            }),
        };
        BatchFigures {
            share: match task.batch {
                Some(b) => b.to_string(),
                None => task.year_share.map(|r| r.decimal()).unwrap_or_default(),
            },
            year,
            through,
            earlier: drawn_before,
        }
    });
    (total, rows, batch)
}

/// `ceil(r × b × p / q)`: the cumulative target of a group of year base
/// `b` after a batch that reaches the share `p/q` of the year (SPEC.md
/// §6.5), exactly.
fn batch_through(r: Ratio, b: u64, (p, q): (u64, u64)) -> u64 {
    mul_div_ceil(
        u128::from(r.numerator()) * u128::from(p),
        u128::from(b),
        u128::from(r.denominator()) * u128::from(q),
    ) as u64
}

/// The selection of every task (SPEC.md §5–§7), without officers, from the
/// whole registry held in `ds`.
fn select(ds: &Dataset, key: &[u8; 32]) -> (Vec<TaskResult>, Drafts) {
    let elig = Eligibility::new(ds);
    let mut sel = Selector::new(ds, &ds.entities, *key, ds.entities.len() as u64, 1);
    for task in &ds.plan.tasks {
        let lead = elig.lead(task);
        let mut input = TaskInput::default();
        for (ei, e) in ds.entities.iter().enumerate() {
            if let Err(r) = elig.check_with(task, lead, e, elig.history_of(&e.uscc)) {
                *input
                    .excluded
                    .entry(reason_label(r).to_string())
                    .or_default() += 1;
                if r == Exclusion::Drawn {
                    *input.earlier.entry(stratum_key(ds, task, e)).or_default() += 1;
                }
                continue;
            }
            if ds.plan.rules.overlap == Overlap::Next && sel.is_taken(ei) {
                *input.excluded.entry("taken".to_string()).or_default() += 1;
                continue;
            }
            let s = input.strata.entry(stratum_key(ds, task, e)).or_default();
            s.base += 1;
            s.cands.push(ei);
            s.complete = true;
        }
        if sel.select_task(input).is_err() {
            unreachable!("complete strata are never short");
        }
    }
    sel.into_parts()
}

/// Entity selection only, for statistical tests: the sorted codes drawn by
/// each task.
#[doc(hidden)]
pub fn select_only(ds: &Dataset, seed_text: &str) -> Vec<Vec<String>> {
    let key = draw_key(ALGORITHM, &normalize_seed(seed_text), &ds.digests);
    let (_, drafts) = select(ds, &key);
    let mut out = vec![Vec::new(); ds.plan.tasks.len()];
    for (v, s) in drafts.sels {
        out[s.task as usize].push(ds.entities[drafts.entities[v as usize]].uscc.clone());
    }
    for v in &mut out {
        v.sort();
    }
    out
}

/// Officers for every visit (SPEC.md §8).
fn staff(
    ds: &Dataset,
    source: Ents<'_>,
    history: &[crate::model::HistoryRecord],
    key: &[u8; 32],
    tasks: &[TaskResult],
    drafts: Drafts,
) -> Result<VisitList> {
    let ents: &dyn EntityRecords = match &source {
        Ents::Held(e) => *e,
        Ents::Visited(j) => j,
    };
    let drafts = drafts.grouped();
    // most recent inspection team per entity drawn (only those: a
    // province's history has millions of records)
    // read in the order the candidates are held, not the visits' order:
    // a province's candidates do not fit in the processor's caches
    let mut held: Vec<usize> = drafts.entities.clone();
    held.sort_unstable();
    let drawn: HashSet<&str> = held.iter().map(|&e| ents.uscc(e)).collect();
    drop(held);
    let mut last_date: HashMap<&str, crate::model::Date> = HashMap::default();
    for h in history.iter().filter(|h| drawn.contains(h.uscc.as_str())) {
        let d = last_date.entry(h.uscc.as_str()).or_insert(h.date);
        if h.date > *d {
            *d = h.date;
        }
    }
    let mut last_team: HashMap<&str, BTreeSet<&str>> = HashMap::default();
    for h in history.iter().filter(|h| drawn.contains(h.uscc.as_str())) {
        if last_date.get(h.uscc.as_str()) == Some(&h.date) {
            last_team
                .entry(h.uscc.as_str())
                .or_default()
                .extend(h.officers.iter().map(String::as_str));
        }
    }
    drop(last_date);
    drop(drawn);
    let mut list = visits::VisitListBuilder::new(
        tasks.iter().map(|t| {
            (
                t.key.clone(),
                task_key(key, &t.key),
                t.items.clone(),
                t.allocation.iter().map(|a| a.stratum.clone()).collect(),
            )
        }),
        ds.officers
            .iter()
            .map(|o| (o.cert_no.clone(), o.name.clone()))
            .collect(),
        ds.plan.registry.scheme.prefix(),
    );
    // one slot per (visit, department, category), in visit order; what a
    // slot is for is a shared team kind
    let mut slot_kinds: Vec<u32> = Vec::new();
    let mut slot_end: Vec<usize> = Vec::with_capacity(drafts.entities.len());
    // a visit's team kinds follow from its selections' tasks, in order: a
    // province has millions of visits and few such sequences (at most
    // KNOWN are remembered, so that a plan of many tasks holds no more)
    const KNOWN: usize = 4096;
    let mut kinds_of: HashMap<Vec<u32>, Vec<u32>> = HashMap::default();
    let mut seq: Vec<u32> = Vec::new();
    for v in 0..drafts.entities.len() {
        let sels = drafts.of(v);
        seq.clear();
        seq.extend(sels.iter().map(|s| s.task));
        if let Some(k) = kinds_of.get(seq.as_slice()) {
            slot_kinds.extend_from_slice(k);
            slot_end.push(slot_kinds.len());
            continue;
        }
        let first = slot_kinds.len();
        let mut by_team: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for s in sels {
            for id in &ds.plan.tasks[s.task as usize].items {
                if let Some(it) = ds.item(id) {
                    let dept = assign::effective_department(ds, &it.department);
                    by_team
                        .entry((dept, it.category.as_str()))
                        .or_default()
                        .push(id.clone());
                }
            }
        }
        for ((dept, category), items) in by_team {
            slot_kinds.push(list.kind(visits::TeamKind {
                department: dept.to_string(),
                categories: vec![category.to_string()],
                items,
            }));
        }
        if kinds_of.len() < KNOWN {
            kinds_of.insert(seq.clone(), slot_kinds[first..].to_vec());
        }
        slot_end.push(slot_kinds.len());
    }
    let teams = {
        let kinds = list.kinds();
        let mut slots: Vec<assign::Slot<'_>> = Vec::with_capacity(slot_kinds.len());
        let mut start = 0;
        for (vi, (&entity, &end)) in drafts.entities.iter().zip(&slot_end).enumerate() {
            for &k in &slot_kinds[start..end] {
                slots.push(assign::Slot {
                    visit: vi as u32,
                    entity,
                    kind: &kinds[k as usize],
                });
            }
            start = end;
        }
        let mut stream = WordStream::new(officer_stream_key(key));
        assign::assign(ds, ents, &slots, &last_team, &mut stream)?
    };
    drop(last_team);
    let t = ds.plan.rules.team_size as usize;
    let Grouped {
        entities,
        starts,
        sels,
    } = drafts;
    // the selections, grouped by visit, become the list's as they are
    list.set_selections(sels);
    list.reserve(entities.len(), slot_kinds.len(), teams.len());
    // the visits first, each with the lengths of its texts (so that they
    // are laid out in the visits' order), then the texts: copied from
    // records held by the caller, or handed over in the order held, each
    // chunk let go once copied
    let mut start = 0;
    for (v, (&e, &end)) in entities.iter().zip(&slot_end).enumerate() {
        list.push(
            ents.credit_class(e),
            [ents.uscc(e).len(), ents.name(e).len(), ents.region(e).len()],
            starts[v],
            (start..end).map(|s| (slot_kinds[s], &teams[s * t..(s + 1) * t])),
        );
        start = end;
    }
    // what built the visits goes before their texts are copied, and
    // laid out again in the visits' order ([`VisitListBuilder::finish`])
    drop((starts, slot_end, slot_kinds, teams));
    match source {
        Ents::Held(ents) => {
            for (v, &e) in entities.iter().enumerate() {
                list.set_text(v, ents.uscc(e), ents.name(e), ents.region(e));
            }
        }
        Ents::Visited(visited) => {
            let mut visit_of = vec![u32::MAX; visited.len()];
            for (v, &e) in entities.iter().enumerate() {
                visit_of[e] = v as u32;
            }
            drop(entities);
            visited.drain(|e, r| {
                if let Some(&v) = visit_of.get(e).filter(|&&v| v != u32::MAX) {
                    list.set_text(v as usize, r.uscc, r.name, r.region);
                }
            });
        }
    }
    Ok(list.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entities that are only their codes.
    struct Codes(Vec<String>);

    impl EntityRecords for Codes {
        fn uscc(&self, i: usize) -> &str {
            &self.0[i]
        }
        fn name(&self, _: usize) -> &str {
            ""
        }
        fn region(&self, _: usize) -> &str {
            ""
        }
        fn credit_class(&self, _: usize) -> Option<CreditClass> {
            None
        }
    }

    /// Strata ranked on several threads draw what one thread draws, and
    /// that is each stratum's candidates by (ticket, code), the first
    /// `drawn` of them: strata of every size (some overlapping, one
    /// empty), drawing none, some or all of their candidates.
    #[test]
    fn strata_ranked_on_threads_draw_as_on_one() {
        let codes = Codes((0..5000).map(|i| format!("91{i:016}")).collect());
        let tkey = [7u8; 32];
        let jobs: Vec<(usize, usize, Vec<usize>)> = (0..41)
            .map(|j| {
                let cands: Vec<usize> = (0..5000)
                    .filter(|i| j < 40 && (i % 40 == j || (j % 7 == 0 && i % 3 == 0)))
                    .collect();
                (j, (j * 13) % (cands.len() + 1), cands)
            })
            .collect();
        let one = pick_all(&codes, "", &tkey, &jobs, 1);
        assert!(one.iter().any(|p| p.len() > 100), "some stratum draws many");
        for ((_, drawn, cands), got) in jobs.iter().zip(&one) {
            let mut t = keys::Tickets::new(&tkey);
            let mut want: Vec<([u8; 32], &str, usize)> = cands
                .iter()
                .map(|&i| (t.ticket("", &codes.0[i]), codes.0[i].as_str(), i))
                .collect();
            want.sort_unstable();
            let want: Vec<usize> = want.into_iter().take(*drawn).map(|w| w.2).collect();
            assert_eq!(got, &want);
        }
        for threads in [2, 3, 8] {
            assert_eq!(
                pick_all(&codes, "", &tkey, &jobs, threads),
                one,
                "{threads} threads"
            );
        }
    }
}
