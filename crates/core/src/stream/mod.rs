//! Streaming loads and draws for province-scale registries (10^7–10^8
//! entities): the registry is read record by record and never held whole.
//!
//! The in-memory path ([`crate::Dataset::load`] then [`crate::draw::draw_unchecked`]) is the
//! reference; the streaming path gives byte-identical results (tested):
//!
//! - **Digests** (SPEC.md §2.2) need every record hash, sorted: they are
//!   spread over 256 buckets by first byte, spilled to temporary files the
//!   caller provides ([`SpillStore`]) and sorted bucket by bucket (with
//!   two threads, the next bucket is sorted while the last is hashed).
//!   Duplicate codes are spread over buckets by a hash of the code and
//!   looked up bucket by bucket, with the messages the in-memory loader
//!   gives.
//! - **Tickets** need the draw key, which needs every digest (SPEC.md §4).
//!   With the digests known in advance (published by `ssj commit`, or read
//!   from `result.json` by `ssj verify`) tickets are computed in the same
//!   pass, and the digests are checked at the end ([`ErrorKind::Differs`]
//!   if one does not match): **commit, then draw, is one pass**. Without
//!   them the draw reads the registry twice: digests, then tickets.
//! - **Selection** keeps, per task and stratum, the count `N_h` and only
//!   the entities whose ticket lies below a threshold that shrinks as the
//!   stratum grows (about `r + 5·sqrt(r/N_h) + 16/N_h` of the ticket
//!   space, in integers). That is a prefix of the stratum in ticket order,
//!   so the smallest `n_h` of it are the smallest of the stratum. When a
//!   stratum keeps fewer than it draws (a `min_count` that binds, entities
//!   taken by earlier tasks under `overlap = next`), another pass keeps the
//!   exact number needed for that task: correctness never depends on the
//!   threshold, only speed. Memory grows with what is selected and the
//!   number of strata, not with the registry.
//! - **Threads**: the calling thread splits CSV records into batches, and
//!   it and the other workers parse, hash and ticket them (the calling
//!   thread takes a batch when every other has one waiting). Counts are
//!   sums, candidates are sets cut by a threshold that depends only on
//!   the final counts, diagnostics are ordered by record: the thread
//!   count never changes the output.
//!
//! [`ErrorKind::Differs`]: crate::ErrorKind::Differs

mod pass;
mod spill;

pub use spill::{SpillFile, SpillStore};

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::commit::digest::Canonical;
use crate::commit::digest::set_hasher;
use crate::draw::{
    ALGORITHM, EntityRecords, Joined, Selector, StratumInput, TaskInput, draw_key, finish_draw,
    normalize_seed, stratum_key, task_key,
};
use crate::draw::{Eligibility, VisitList, Visits};
use crate::error::{Diagnostic, DiagnosticKind as K, Position};
use crate::load::table::{MAX_DIAGNOSTICS_PER_FILE, Table};
use crate::load::{ENTITIES, EntityInput, Parts, StreamedEntities};
use crate::model::{Conflict, Entity, HistoryRecord, Overlap};
use crate::{Dataset, DrawResult, Error, ErrorKind, InputDigests, Plan, Result};

use pass::{Ctx, EntitySink, Keep, MergedTask, TaskCtx};

/// Counters of a streaming run, for tests and benchmarks (they never
/// change an output).
///
/// ```
/// use shuangsuiji::load::{StreamStats, load_streaming};
/// use shuangsuiji::LoadOptions;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>);
/// let stats = StreamStats::default();
/// let ds = load_streaming("plan.toml", &text, open, LoadOptions { stats: Some(&stats), ..Default::default() }).unwrap();
/// assert_eq!(ds.registry_len(), 2000);
/// assert!(stats.passes() >= 1);
/// ```
#[derive(Debug, Default)]
pub struct StreamStats {
    /// Passes over the registry.
    pub passes: AtomicU64,
    /// Entity records held after each pass, summed over passes (candidates
    /// of all tasks, each record once per pass).
    pub held: AtomicU64,
    /// Candidates kept after each pass, summed over tasks and passes.
    pub candidates: AtomicU64,
}

impl StreamStats {
    /// Passes over the registry so far.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::load::StreamStats::default().passes(), 0);
    /// ```
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Relaxed)
    }
    /// Entity records held after the passes, summed.
    ///
    /// ```
    /// let stats = shuangsuiji::load::StreamStats::default();
    /// stats.held.fetch_add(5, std::sync::atomic::Ordering::Relaxed);
    /// assert_eq!(stats.held(), 5);
    /// ```
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }
    /// Candidates kept, summed over tasks and passes.
    ///
    /// ```
    /// let stats = shuangsuiji::load::StreamStats::default();
    /// stats.candidates.fetch_add(3, std::sync::atomic::Ordering::Relaxed);
    /// assert_eq!(stats.candidates(), 3);
    /// ```
    pub fn candidates(&self) -> u64 {
        self.candidates.load(Ordering::Relaxed)
    }
}

/// How a streaming load or draw runs. No field changes any output.
///
/// ```
/// use shuangsuiji::LoadOptions;
/// let opts = LoadOptions { threads: 2, ..Default::default() };
/// assert!(opts.spill.is_none() && opts.stats.is_none()); // sorted runs kept in memory
/// assert_eq!(format!("{opts:?}"), "LoadOptions { threads: 2, spill: false, stats: None }");
/// ```
#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// Threads that read the registry (the calling thread among them) and
    /// rank each task's strata; 0 uses the available parallelism.
    pub threads: usize,
    /// Where to spill sorted runs; `None` keeps them in memory (about 60
    /// bytes per entity: fine for a city, not for a province).
    pub spill: Option<&'a dyn SpillStore>,
    /// Counters to update, if wanted.
    pub stats: Option<&'a StreamStats>,
}

impl std::fmt::Debug for LoadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("threads", &self.threads)
            .field("spill", &self.spill.is_some())
            .field("stats", &self.stats)
            .finish()
    }
}

impl LoadOptions<'_> {
    fn workers(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}

/// A draw made by [`draw_streaming`], with what it read.
///
/// The visits are kept compact, apart from the rest of the result: a
/// province's draw has hundreds of thousands of them, about a kilobyte
/// each as [`crate::draw::Visit`] values. [`StreamedDraw::write_canonical_json`]
/// writes the result without building them all; [`StreamedDraw::into_result`]
/// builds the whole [`DrawResult`], byte for byte what [`crate::draw::draw_unchecked`]
/// gives.
///
/// ```
/// use shuangsuiji::{Dataset, LoadOptions, draw::draw_streaming};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>);
/// let got = draw_streaming("plan.toml", &text, open, "38 17 05", None, LoadOptions::default()).unwrap();
/// assert!(got.head.visits.is_empty() && got.dataset.entities().is_empty()); // nothing held
/// assert_eq!(got.visits().len(), got.visits.len());
/// let n = got.visits.len();
/// assert_eq!(got.into_result().visits.len(), n);
/// ```
#[derive(Debug, Clone)]
pub struct StreamedDraw {
    /// The plan and inputs as [`load_streaming`] gives them (the registry
    /// not held: `dataset.entities()` is empty), with every digest.
    pub dataset: Dataset,
    /// The draw without its visits: every field as [`crate::draw::draw_unchecked`] gives
    /// it, except `visits`, which is empty.
    pub head: DrawResult,
    /// The visits, in result order.
    pub visits: VisitList,
}

impl StreamedDraw {
    /// The visits, for writers that take held and compact visits alike.
    ///
    /// ```
    /// # use shuangsuiji::{LoadOptions, draw::{Visits, draw_streaming}};
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// # let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// # let open = |name: &str| Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>);
    /// let got = draw_streaming("plan.toml", &text, open, "38 17 05", None, LoadOptions::default()).unwrap();
    /// assert!(matches!(got.visits(), Visits::Compact(_)));
    /// assert_eq!(got.visits().teams(), got.visits.teams());
    /// ```
    pub fn visits(&self) -> Visits<'_> {
        Visits::Compact(&self.visits)
    }

    /// The whole result, its visits built.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, LoadOptions, draw::draw_streaming};
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// # let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// # let open = |name: &str| Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>);
    /// let got = draw_streaming("plan.toml", &text, open, "38 17 05", None, LoadOptions::default()).unwrap();
    /// let ds = Dataset::open(format!("{dir}plan.toml")).unwrap();
    /// let seed = "38 17 05".parse().unwrap();
    /// let held = ds.draw_with(&seed, &ds.commit(), &shuangsuiji::DrawOptions::new().allow_weak_seed()).unwrap();
    /// assert_eq!(got.into_result(), held.into_result()); // byte for byte the same result
    /// ```
    pub fn into_result(self) -> DrawResult {
        let mut r = self.head;
        r.visits = self.visits.iter().collect();
        r
    }

    /// The canonical JSON of the whole result ([`DrawResult::to_canonical_json`]
    /// of [`StreamedDraw::into_result`]), written visit by visit.
    ///
    /// ```
    /// use std::io::Read;
    /// use shuangsuiji::LoadOptions;
    /// use shuangsuiji::draw::draw_streaming;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// let open = |name: &str| {
    ///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    /// };
    /// let d = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None,
    ///     LoadOptions::default()).unwrap();
    /// let mut out = Vec::new();
    /// d.write_canonical_json(&mut out).unwrap();
    /// assert!(d.head.visits.is_empty());
    /// assert_eq!(out, d.into_result().to_canonical_json().into_bytes());
    /// ```
    pub fn write_canonical_json(&self, w: &mut dyn io::Write) -> io::Result<()> {
        self.head.write_canonical_json_with(self.visits(), w)
    }
}

/// Validate and digest a plan and its inputs as [`Dataset::load`] does,
/// with the same diagnostics, but streaming the registry: memory does not
/// grow with it (given a [`SpillStore`]). This is what `ssj commit` needs.
///
/// The dataset holds everything [`Dataset::load`] gives — plan, items,
/// officers, history, conflicts, digests, file reports, warnings — except
/// the registry: `entities` is empty, [`Dataset::registry_len`] counts it.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::{Dataset, LoadOptions};
/// use shuangsuiji::load::load_streaming;
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// };
/// let s = load_streaming("plan.toml", &text, open, LoadOptions::default()).unwrap();
/// let ds = Dataset::load("plan.toml", &text, open).unwrap();
/// assert_eq!(s.digests(), ds.digests());
/// assert_eq!(s.registry_len(), ds.entities().len() as u64);
/// assert!(s.entities().is_empty());
/// ```
pub fn load_streaming<'a, F>(
    plan_file: &str,
    plan_text: &str,
    mut open: F,
    opts: LoadOptions<'_>,
) -> Result<Dataset>
where
    F: FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
{
    let parts = small_parts(plan_file, plan_text, &mut open)?;
    let referenced = referenced(&parts.history, &parts.conflicts);
    validate_pass(
        parts, plan_file, plan_text, &mut open, referenced, opts, None,
    )
}

/// A pass that validates and digests the registry and nothing else, then
/// the dataset built from it (the registry not held; with `history`, the
/// history checked in place of the parts' own and not held either).
fn validate_pass<'a>(
    mut parts: Parts,
    plan_file: &str,
    plan_text: &str,
    open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    referenced: HashMap<String, usize>,
    opts: LoadOptions<'_>,
    history: Option<&[HistoryRecord]>,
) -> Result<Dataset> {
    let mut ctx = Ctx {
        digests: true,
        spill: opts.spill,
        registry: parts.plan.registry.clone(),
        referenced,
        elig: None,
        ds: None,
        tasks: Vec::new(),
    };
    let out = entity_pass(&mut parts, plan_file, plan_text, open, &ctx, opts)?;
    let referenced = std::mem::take(&mut ctx.referenced);
    finish_build(parts, plan_file, plan_text, referenced, out.facts, history)
}

/// Draw a plan as [`crate::draw::draw_unchecked`] does — the same [`DrawResult`], byte for
/// byte — streaming the registry instead of holding it; with the result,
/// the dataset read (as [`load_streaming`] gives it).
///
/// With `expected` digests (from the commitment published before the
/// draw, or from the `result.json` being verified) the registry is read
/// once: tickets are computed while reading, and the digests read must
/// equal the expected ones, else the error is of kind
/// [`ErrorKind::Differs`]. Without them it is read twice (digests first,
/// then tickets). A task whose candidates fall short (see the module
/// documentation) costs one more pass.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::{Dataset, LoadOptions};
/// use shuangsuiji::draw::{draw_unchecked, draw_streaming};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// };
/// let ds = Dataset::load("plan.toml", &text, open).unwrap();
/// let want = draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
/// let opts = LoadOptions { threads: 2, ..Default::default() };
/// let got = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None, opts).unwrap();
/// assert!(got.visits.iter().eq(want.visits.iter().cloned()));
/// assert_eq!(got.head.tasks, want.tasks);
/// assert_eq!(got.dataset.digests(), ds.digests());
/// assert_eq!(got.dataset.registry_len(), 2000);
/// // one pass when the digests were committed
/// let got = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", Some(ds.digests()), opts)
///     .unwrap();
/// assert_eq!(got.into_result(), want);
/// ```
pub fn draw_streaming<'a, F>(
    plan_file: &str,
    plan_text: &str,
    open: F,
    seed_text: &str,
    expected: Option<&InputDigests>,
    opts: LoadOptions<'_>,
) -> Result<StreamedDraw>
where
    F: FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
{
    draw_streaming_in(plan_file, plan_text, open, seed_text, expected, &[], opts)
}

/// [`draw_streaming`] of a published folder whose plan withholds inputs
/// (`history`, `conflicts`: left out of the plan's `[inputs]`): the
/// registry read once with the `expected` digests, each withheld input's
/// digest taken from them as [`Dataset::assume_withheld_digest`] does
/// (the draw key is computed from `expected`, so the selection is the
/// published one; what needs the withheld records is not). The other
/// digests must equal the expected ones (else [`ErrorKind::Differs`]).
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::LoadOptions;
/// use shuangsuiji::draw::{draw_streaming, draw_streaming_withheld};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// };
/// let opts = LoadOptions::default();
/// let full = draw_streaming("plan.toml", &text, open, "38 17 05", None, opts).unwrap();
/// let published = full.dataset.digests().clone();
/// // the conflicts withheld: the plan without them, their digest as published
/// let mut plan: toml::Table = text.parse().unwrap();
/// plan["inputs"].as_table_mut().unwrap().remove("conflicts");
/// let plan = toml::to_string(&plan).unwrap();
/// let got = draw_streaming_withheld("plan.toml", &plan, open, "38 17 05", &published,
///     &["conflicts"], opts).unwrap();
/// assert_eq!(got.dataset.digests(), &published);
/// assert_eq!(got.head.draw_key, full.head.draw_key);
/// assert_eq!(got.head.tasks, full.head.tasks); // the same selection
/// ```
#[doc(hidden)] // for shuangsuiji-disclose's bundle verification
pub fn draw_streaming_withheld<'a, F>(
    plan_file: &str,
    plan_text: &str,
    open: F,
    seed_text: &str,
    expected: &InputDigests,
    withheld: &[&str],
    opts: LoadOptions<'_>,
) -> Result<StreamedDraw>
where
    F: FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
{
    draw_streaming_in(
        plan_file,
        plan_text,
        open,
        seed_text,
        Some(expected),
        withheld,
        opts,
    )
}

/// [`draw_streaming`], with the digests of the `withheld` inputs taken
/// from `expected` (only with `expected`).
fn draw_streaming_in<'a, F>(
    plan_file: &str,
    plan_text: &str,
    mut open: F,
    seed_text: &str,
    expected: Option<&InputDigests>,
    withheld: &[&str],
    opts: LoadOptions<'_>,
) -> Result<StreamedDraw>
where
    F: FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
{
    let normalized = normalize_seed(seed_text);
    if normalized.is_empty() {
        return Err(Error::input(vec![Diagnostic::error(
            K::MissingValue,
            Position::file("seed"),
            "the seed text is empty",
        )]));
    }
    let mut parts = small_parts(plan_file, plan_text, &mut open)?;
    // A province's history (a million records) is held once, here, for the
    // whole draw: both datasets below check it in place (their own
    // `history` stays empty), and the one returned gets it at the end. It
    // is sorted as a dataset holds it first, its duplicates reported once.
    parts.dedup_history();
    let history = std::mem::take(&mut parts.history);
    let referenced = referenced(&history, &parts.conflicts);
    let pre = parts
        .clone()
        .build_with_history(
            plan_file,
            plan_text,
            EntityInput::Streamed(StreamedEntities::default()),
            Some(&history),
        )
        .ok();
    let Some(pre) = pre else {
        // the small inputs have errors: read the registry for its own
        // diagnostics, then report everything
        parts.history = history;
        validate_pass(
            parts, plan_file, plan_text, &mut open, referenced, opts, None,
        )?;
        return Err(internal("the inputs were rejected but no error was found"));
    };
    let sources = crate::draw::read_seed(&pre.plan.seed_sources, &normalized)?;
    let elig = Eligibility::with_history(&pre, &history);
    let (ds, key, registry, arena, merged) = match expected {
        Some(exp) => {
            let key = draw_key(ALGORITHM, &normalized, exp);
            let mut ctx = Ctx {
                digests: true,
                spill: opts.spill,
                registry: pre.plan.registry.clone(),
                referenced,
                elig: Some(&elig),
                ds: Some(&pre),
                tasks: task_ctxs(&pre, &elig, &key, None),
            };
            let out = entity_pass(&mut parts, plan_file, plan_text, &mut open, &ctx, opts)?;
            let (count, arena, merged) = (out.count, out.arena, out.merged);
            let referenced = std::mem::take(&mut ctx.referenced);
            drop(ctx);
            let mut ds = finish_build(
                parts,
                plan_file,
                plan_text,
                referenced,
                out.facts,
                Some(&history),
            )?;
            for k in withheld {
                let digest = match *k {
                    "history" => exp.history.clone(),
                    _ => exp.conflicts.clone(),
                };
                ds.assume_withheld_digest(k, digest);
            }
            compare(exp, &ds.digests)?;
            (ds, key, count, arena, merged)
        }
        None => {
            let ds = validate_pass(
                parts,
                plan_file,
                plan_text,
                &mut open,
                referenced,
                opts,
                Some(&history),
            )?;
            let count = ds.registry_len();
            let key = draw_key(ALGORITHM, &normalized, &ds.digests);
            let ctx = Ctx {
                digests: false,
                spill: None,
                registry: pre.plan.registry.clone(),
                referenced: HashMap::default(),
                elig: Some(&elig),
                ds: Some(&pre),
                tasks: task_ctxs(&pre, &elig, &key, None),
            };
            let out = tickets_pass(&pre, plan_file, plan_text, &mut open, &ctx, opts)?;
            (ds, key, count, out.0, out.1)
        }
    };
    let (mut ds, pool, tasks, mut drafts) = select(
        ds,
        SelectInputs {
            key,
            registry,
            arena,
            merged,
            elig: &elig,
            pre: &pre,
            threads: opts.workers(),
        },
        |ctx| tickets_pass(&pre, plan_file, plan_text, &mut open, ctx, opts),
    )?;
    // officers need the history itself, not the eligibility index
    drop(elig);
    // the officers and the visits read only the entities visited, and
    // fewer of their fields: only those are kept of the candidates'
    // records, in place
    let visited = drafts.visited_only(pool);
    let (head, visits) = finish_draw(
        &ds,
        crate::draw::Ents::Visited(visited),
        &history,
        seed_text,
        normalized,
        sources,
        key,
        tasks,
        drafts,
    )?;
    ds.history = history;
    Ok(StreamedDraw {
        dataset: ds,
        head,
        visits,
    })
}

struct SelectInputs<'e> {
    key: [u8; 32],
    registry: u64,
    arena: Joined,
    merged: Vec<MergedTask>,
    elig: &'e Eligibility<'e>,
    pre: &'e Dataset,
    /// Threads that rank a task's strata.
    threads: usize,
}

/// The entities a selection may use, each once.
#[derive(Default)]
struct Pool {
    entities: Joined,
    /// Index by code, built when a fallback pass first adds to the pool
    /// (the records of one pass are distinct already).
    by_code: Option<HashMap<String, usize>>,
}

impl Pool {
    /// The pool of a pass's arena: the records some candidate refers to,
    /// kept in place (a province's candidates are held once), and the
    /// candidates of every task as pool indices.
    fn from_pass(mut arena: Joined, merged: Vec<MergedTask>) -> (Pool, Vec<TaskCands>) {
        let mut live = vec![false; arena.len()];
        for m in &merged {
            for s in m.strata.values() {
                for &a in &s.cands {
                    live[a as usize] = true;
                }
            }
        }
        let index = arena.keep_live(&live, false);
        drop(live);
        let tasks = merged
            .into_iter()
            .map(|m| {
                let c: Cands = m
                    .strata
                    .into_iter()
                    .map(|(k, s)| {
                        let idx = s
                            .cands
                            .iter()
                            .map(|&a| index[a as usize] as usize)
                            .collect();
                        (k, (s.n, idx, s.complete))
                    })
                    .collect();
                (m.excluded, c, m.earlier)
            })
            .collect();
        (
            Pool {
                entities: arena,
                by_code: None,
            },
            tasks,
        )
    }

    /// The index of record `i` of `from`, added if new.
    fn add(&mut self, from: &Joined, i: usize) -> usize {
        let entities = &self.entities;
        let by_code = self.by_code.get_or_insert_with(|| {
            (0..entities.len())
                .map(|i| (entities.uscc(i).to_string(), i))
                .collect()
        });
        let code = from.uscc(i);
        if let Some(&at) = by_code.get(code) {
            return at;
        }
        self.entities.push_from(from.get(i));
        by_code.insert(code.to_string(), self.entities.len() - 1);
        self.entities.len() - 1
    }
}

/// Per task and stratum: the pool indices of the candidates and whether
/// they are the whole stratum, and the stratum count.
type Cands = BTreeMap<crate::draw::StratumKey, (u64, Vec<usize>, bool)>;

/// A task's exclusion counts, candidates and (batch tasks) entities drawn
/// earlier in the year per stratum.
type TaskCands = (
    BTreeMap<String, u64>,
    Cands,
    BTreeMap<crate::draw::StratumKey, u64>,
);

/// Select every task, with fallback passes where candidates fall short:
/// the dataset, the candidates drawn from (drafts index them), the tasks
/// and the visits without officers.
fn select<'e>(
    ds: Dataset,
    inp: SelectInputs<'e>,
    mut fallback: impl FnMut(&Ctx<'_>) -> Result<(Joined, Vec<MergedTask>)>,
) -> Result<(
    Dataset,
    Joined,
    Vec<crate::draw::TaskResult>,
    crate::draw::Drafts,
)> {
    let SelectInputs {
        key,
        registry,
        arena,
        merged,
        elig,
        pre,
        threads,
    } = inp;
    let (mut pool, mut tasks) = Pool::from_pass(arena, merged);
    let next = pre.plan.rules.overlap == Overlap::Next;
    // The selector borrows the pool, so when a fallback pass grows it the
    // selector's state is taken out and put back (pool indices never
    // change).
    let mut ti = 0;
    let mut state: Option<(Vec<crate::draw::TaskResult>, crate::draw::Drafts)> = None;
    let mut fell_back_at: Option<usize> = None;
    let n_tasks = pre.plan.tasks.len();
    loop {
        let mut sel = Selector::new(&ds, &pool.entities, key, registry, threads);
        if let Some((t, d)) = state.take() {
            sel.restore(t, d);
        }
        let mut grow: Option<Vec<(crate::draw::StratumKey, u64)>> = None;
        while ti < n_tasks {
            let task = &pre.plan.tasks[ti];
            let lead = elig.lead(task);
            let (excluded, cands, earlier) = &tasks[ti];
            let mut input = TaskInput {
                excluded: excluded.clone(),
                earlier: earlier.clone(),
                strata: cands
                    .iter()
                    .map(|(k, (n, c, complete))| {
                        (
                            k.clone(),
                            StratumInput {
                                base: *n,
                                cands: c.clone(),
                                complete: *complete,
                            },
                        )
                    })
                    .collect(),
            };
            let mut taken_in: BTreeMap<crate::draw::StratumKey, u64> = BTreeMap::new();
            if next {
                for ei in sel.taken() {
                    let e = pool.entities.get(ei);
                    if elig
                        .check_with(task, lead, &e, elig.history_of(e.uscc))
                        .is_ok()
                    {
                        let k = stratum_key(pre, task, &e);
                        if let Some(s) = input.strata.get_mut(&k) {
                            s.base -= 1;
                            s.cands.retain(|&c| c != ei);
                        }
                        *taken_in.entry(k).or_default() += 1;
                        *input.excluded.entry("taken".to_string()).or_default() += 1;
                    }
                }
                input.strata.retain(|_, s| s.base > 0);
            }
            match sel.select_task(input) {
                Ok(()) => ti += 1,
                Err(short) => {
                    grow = Some(
                        short
                            .into_iter()
                            .map(|(k, n)| {
                                let t = taken_in.get(&k).copied().unwrap_or(0);
                                (k, n + t)
                            })
                            .collect(),
                    );
                    break;
                }
            }
        }
        let (t, d) = sel.into_parts();
        let Some(short) = grow else {
            return Ok((ds, pool.entities, t, d));
        };
        if fell_back_at == Some(ti) {
            return Err(internal("a fallback pass did not supply enough candidates"));
        }
        fell_back_at = Some(ti);
        // one more pass for this task's short strata, keeping exactly the
        // smallest (ticket, code) each needs
        let smallest: BTreeMap<_, _> = short.into_iter().collect();
        let task = &pre.plan.tasks[ti];
        let lead = elig.lead(task);
        let ctx = Ctx {
            digests: false,
            spill: None,
            registry: pre.plan.registry.clone(),
            referenced: HashMap::default(),
            elig: Some(elig),
            ds: Some(pre),
            tasks: vec![TaskCtx {
                task,
                lead,
                tkey: task_key(&key, &task.key()),
                groups: pass::group_ratios(pre, task, lead),
                keep: Keep::Smallest(smallest.clone()),
            }],
        };
        let (extra, mut m) = fallback(&ctx)?;
        let got = m.pop().unwrap_or_default();
        for (k, s) in got.strata {
            let idx: Vec<usize> = s
                .cands
                .iter()
                .map(|&a| pool.add(&extra, a as usize))
                .collect();
            if let Some(entry) = tasks[ti].1.get_mut(&k) {
                let want = smallest.get(&k).copied().unwrap_or(0);
                let len = idx.len() as u64;
                entry.2 = len < want || len == entry.0;
                entry.1 = idx;
            }
        }
        state = Some((t, d));
    }
}

/// A plan and its small inputs.
fn small_parts<'a>(
    plan_file: &str,
    plan_text: &str,
    open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
) -> Result<Parts> {
    use crate::load::{CONFLICTS, HISTORY, ITEMS, OFFICERS};
    let plan = Plan::from_toml(plan_file, plan_text)?;
    let mut parts = Parts::new(plan);
    parts.load_table(ITEMS, plan_file, plan_text, open);
    parts.load_table(OFFICERS, plan_file, plan_text, open);
    parts.load_table(HISTORY, plan_file, plan_text, open);
    parts.load_table(CONFLICTS, plan_file, plan_text, open);
    Ok(parts)
}

/// Codes referenced by history and conflicts.
fn referenced(history: &[HistoryRecord], conflicts: &[Conflict]) -> HashMap<String, usize> {
    let set: BTreeSet<&str> = history
        .iter()
        .map(|h| h.uscc.as_str())
        .chain(conflicts.iter().map(|c| c.uscc.as_str()))
        .collect();
    set.into_iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), i))
        .collect()
}

fn task_ctxs<'a>(
    pre: &'a Dataset,
    elig: &Eligibility<'a>,
    key: &[u8; 32],
    keep: Option<Keep>,
) -> Vec<TaskCtx<'a>> {
    pre.plan
        .tasks
        .iter()
        .map(|task| {
            let lead = elig.lead(task);
            TaskCtx {
                task,
                lead,
                tkey: task_key(key, &task.key()),
                groups: pass::group_ratios(pre, task, lead),
                keep: keep.clone().unwrap_or(Keep::Threshold),
            }
        })
        .collect()
}

fn internal(msg: &str) -> Error {
    ErrorKind::Io {
        file: "(streaming draw)".into(),
        source: io::Error::other(msg.to_string()),
    }
    .into()
}

fn spill_error(e: io::Error) -> Error {
    ErrorKind::Io {
        file: "temporary sort file".into(),
        source: e,
    }
    .into()
}

/// The first digest that differs, as an error.
fn compare(expected: &InputDigests, got: &InputDigests) -> Result<()> {
    let pairs = [
        ("plan", &expected.plan, &got.plan),
        ("items", &expected.items, &got.items),
        ("officers", &expected.officers, &got.officers),
        ("entities", &expected.entities, &got.entities),
        ("history", &expected.history, &got.history),
        ("conflicts", &expected.conflicts, &got.conflicts),
    ];
    for (input, e, g) in pairs {
        if e != g {
            return Err(ErrorKind::Differs {
                input: input.to_string(),
                expected: e.clone(),
                actual: g.clone(),
            }
            .into());
        }
    }
    Ok(())
}

/// What the registry pass found.
struct PassOut {
    count: u64,
    facts: Facts,
    arena: Joined,
    merged: Vec<MergedTask>,
}

/// Validation facts of the registry.
#[derive(Default)]
struct Facts {
    count: u64,
    digest: [u8; 32],
    duplicates: Vec<Diagnostic>,
    types: BTreeSet<String>,
    regions: BTreeSet<String>,
    industries: BTreeSet<String>,
    found: Vec<bool>,
}

fn finish_build(
    parts: Parts,
    plan_file: &str,
    plan_text: &str,
    referenced: HashMap<String, usize>,
    facts: Facts,
    history: Option<&[HistoryRecord]>,
) -> Result<Dataset> {
    parts.build_with_history(
        plan_file,
        plan_text,
        EntityInput::Streamed(StreamedEntities {
            known: Some((referenced, facts.found)),
            types: facts.types,
            regions: facts.regions,
            industries: facts.industries,
            digest: facts.digest,
            duplicates: facts.duplicates,
            count: facts.count,
        }),
        history,
    )
}

/// Read the registry once with `ctx`, adding its diagnostics and file
/// report to `parts`.
fn entity_pass<'a>(
    parts: &mut Parts,
    plan_file: &str,
    plan_text: &str,
    open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ctx: &Ctx<'_>,
    opts: LoadOptions<'_>,
) -> Result<PassOut> {
    let empty = |found: usize| PassOut {
        count: 0,
        facts: Facts {
            digest: sha2::Digest::finalize(set_hasher(Entity::FILE_TAG, 0)).into(),
            found: vec![false; found],
            ..Facts::default()
        },
        arena: Joined::default(),
        merged: ctx.tasks.iter().map(|_| MergedTask::default()).collect(),
    };
    let Some(src) = parts.open(ENTITIES, plan_file, plan_text, open) else {
        if let Some(st) = opts.stats {
            st.passes.fetch_add(1, Ordering::Relaxed);
        }
        return Ok(empty(ctx.referenced.len()));
    };
    let name = parts.plan.inputs.entities.clone();
    let enc = parts.plan.inputs.encoding;
    let mut table = match Table::open(
        &name,
        "entities",
        src,
        enc,
        parts.plan.inputs.max_line_bytes,
        crate::load::records::entity_fields(parts.plan.registry.scheme),
    ) {
        Ok(t) => t,
        Err(d) => {
            if let Some(first) = d.first() {
                parts.set_shown(ENTITIES, first.position.file.clone());
            }
            parts.diags.extend(d);
            return Ok(empty(ctx.referenced.len()));
        }
    };
    // the name positions give (a spreadsheet's names its sheet)
    let name = table.file().to_string();
    parts.set_shown(ENTITIES, name.clone());
    let mut sinks = (0..opts.workers())
        .map(|_| EntitySink::new(ctx))
        .collect::<io::Result<Vec<_>>>()
        .map_err(spill_error)?;
    pass::run(&mut table, enc, &mut sinks);
    for s in &mut sinks {
        if let Some(e) = s.error.take() {
            return Err(spill_error(e));
        }
    }
    // diagnostics in record order, at most MAX per file as the in-memory
    // loader keeps them
    let mut all: Vec<(u64, Diagnostic)> = table
        .diag_seq
        .iter()
        .copied()
        .zip(std::mem::take(&mut table.diagnostics))
        .collect();
    let mut total = all.len() as u64 + table.suppressed;
    for s in &mut sinks {
        total += s.diag_total;
        all.append(&mut s.diags);
    }
    all.sort_by_key(|d| d.0);
    all.truncate(MAX_DIAGNOSTICS_PER_FILE);
    let kept = all.len() as u64;
    table.suppressed = 0;
    let records = table.report.records;
    let (report, _) = table.finish();
    parts.diags.extend(all.into_iter().map(|d| d.1));
    if total > kept {
        parts.diags.push(Diagnostic::error(
            K::TooLarge,
            Position::file(&name),
            format!("{} more problems in this file are not listed", total - kept),
        ));
    }
    if records == 0 {
        parts.diags.push(Diagnostic::error(
            K::EmptyFile,
            Position::file(&name),
            "the file has a header but no records",
        ));
    }
    // the registry's report goes after the items' and officers'
    let at = parts
        .reports
        .iter()
        .take_while(|r| r.kind == "items" || r.kind == "officers")
        .count();
    parts.reports.insert(at, report);

    let count: u64 = sinks.iter().map(|s| s.count).sum();
    let mut facts = Facts {
        count,
        found: vec![false; ctx.referenced.len()],
        ..Facts::default()
    };
    for s in &mut sinks {
        for (i, f) in s.found.iter().enumerate() {
            facts.found[i] |= *f;
        }
        // gathered in hash sets (no order), ordered here
        facts.types.extend(s.types.drain());
        facts.regions.extend(s.regions().iter().cloned());
        facts.industries.extend(s.industries.drain());
    }
    if ctx.digests {
        let mut hashes: Vec<_> = sinks.iter_mut().filter_map(|s| s.hashes.take()).collect();
        let mut dups: Vec<_> = sinks.iter_mut().filter_map(|s| s.dups.take()).collect();
        // the sorted record hashes (the digest) and the sorted codes (the
        // duplicates) are independent: one thread each when there are two
        let file: &str = &name;
        let scheme = ctx.registry.scheme;
        let width = pass::dup_code_width(scheme);
        let pipelined = opts.workers() > 1;
        let digest = move || -> io::Result<[u8; 32]> {
            let mut hasher = set_hasher(Entity::FILE_TAG, count);
            if !pipelined {
                spill::for_each_sorted(&mut hashes, |entries| {
                    for e in entries {
                        sha2::Digest::update(&mut hasher, e);
                    }
                    Ok(())
                })?;
                return Ok(sha2::Digest::finalize(hasher).into());
            }
            // the hash of the sorted records is one sequence, but the next
            // bucket's sort need not wait for it: sorted on another thread
            // (the duplicate check, on a third, ends well before)
            // (the buffers go back to be filled again: a few, each freed by
            // the thread that allocated it)
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
            let (back, emptied) = std::sync::mpsc::channel::<Vec<u8>>();
            std::thread::scope(|scope| {
                let sorter = scope.spawn(move || {
                    spill::for_each_sorted(&mut hashes, |entries| {
                        let mut run = emptied.try_recv().unwrap_or_default();
                        run.clear();
                        for e in entries {
                            run.extend_from_slice(e);
                        }
                        tx.send(run)
                            .map_err(|_| io::Error::other("the digest's hashing stopped"))
                    })
                });
                for run in rx {
                    sha2::Digest::update(&mut hasher, &run);
                    let _ = back.send(run);
                }
                sorter
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a sorting thread panicked")))
            })?;
            Ok(sha2::Digest::finalize(hasher).into())
        };
        let mut duplicates = move || -> io::Result<Vec<(u64, Diagnostic)>> {
            // a code's entries share a bucket: each bucket's codes are
            // looked up, not sorted; every later line of a code is
            // reported against its first line
            let mut found: Vec<(u64, Diagnostic)> = Vec::new();
            fn entry(e: &[u8], width: usize) -> (&[u8], u64) {
                let (code, line) = e.split_at(width);
                let code = &code[..code.iter().position(|&b| b == 0).unwrap_or(code.len())];
                (code, u64::from_be_bytes(line.try_into().unwrap_or([0; 8])))
            }
            spill::for_each_bucket(&mut dups, |raw| {
                // each code's first line; a line other than its code's
                // first is a repeat (every entry has its own line)
                let mut first: HashMap<&[u8], u64> =
                    HashMap::with_capacity_and_hasher(raw.len() / (width + 8), Default::default());
                let mut repeated = false;
                for e in raw.chunks_exact(width + 8) {
                    let (code, line) = entry(e, width);
                    first
                        .entry(code)
                        .and_modify(|l| {
                            *l = (*l).min(line);
                            repeated = true;
                        })
                        .or_insert(line);
                }
                if repeated {
                    for e in raw.chunks_exact(width + 8) {
                        let (code, line) = entry(e, width);
                        let Some(&l) = first.get(code).filter(|&&l| l != line) else {
                            continue;
                        };
                        let code = String::from_utf8_lossy(code);
                        found.push((
                            line,
                            Diagnostic::error(
                                K::DuplicateId,
                                Position::file(file)
                                    .with_field(crate::load::records::unit_field(scheme))
                                    .at_line(line),
                                format!(
                                    "duplicate {} '{code}' (already on line {l})",
                                    scheme.label_en()
                                ),
                            ),
                        ));
                    }
                }
                Ok(())
            })?;
            Ok(found)
        };
        let (digest, found) = if opts.workers() > 1 {
            std::thread::scope(|scope| {
                let d = scope.spawn(duplicates);
                let h = digest();
                let d = d
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a sorting thread panicked")));
                (h, d)
            })
        } else {
            (digest(), duplicates())
        };
        facts.digest = digest.map_err(spill_error)?;
        let mut found = found.map_err(spill_error)?;
        found.sort_by_key(|d| d.0);
        facts.duplicates = found.into_iter().map(|d| d.1).collect();
    }
    let (arena, merged) = pass::merge_tasks(ctx, sinks);
    if let Some(st) = opts.stats {
        st.passes.fetch_add(1, Ordering::Relaxed);
        let cands: usize = merged
            .iter()
            .flat_map(|t| t.strata.values())
            .map(|s| s.cands.len())
            .sum();
        st.candidates.fetch_add(cands as u64, Ordering::Relaxed);
        let held: BTreeSet<u32> = merged
            .iter()
            .flat_map(|t| t.strata.values())
            .flat_map(|s| s.cands.iter().copied())
            .collect();
        st.held.fetch_add(held.len() as u64, Ordering::Relaxed);
    }
    Ok(PassOut {
        count,
        facts,
        arena,
        merged,
    })
}

/// A pass computing tickets only (the inputs already validated).
fn tickets_pass<'a>(
    pre: &Dataset,
    plan_file: &str,
    plan_text: &str,
    open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ctx: &Ctx<'_>,
    opts: LoadOptions<'_>,
) -> Result<(Joined, Vec<MergedTask>)> {
    let mut parts = Parts::new(pre.plan.clone());
    let out = entity_pass(&mut parts, plan_file, plan_text, open, ctx, opts)?;
    if let Some(d) = parts.diags.iter().find(|d| d.is_error()) {
        return Err(ErrorKind::Io {
            file: pre.plan.inputs.entities.clone(),
            source: io::Error::other(format!("the file changed while it was read: {d}")),
        }
        .into());
    }
    Ok((out.arena, out.merged))
}
