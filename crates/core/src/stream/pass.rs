//! One pass over the registry: a reader decodes and splits CSV records into
//! batches, workers parse, validate, hash and ticket them. Everything a
//! worker accumulates merges into the same value whatever the split:
//! counts are sums, hash and code sets are sorted, candidates are sets
//! pruned by a threshold that depends only on final counts, diagnostics are
//! ordered by record.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::io::{self, Read};
use std::sync::{Mutex, mpsc};

use crate::Dataset;
use crate::draw::Eligibility;
use crate::draw::eligibility::{Exclusion, lead_covers};
use crate::draw::keys::Tickets;
use crate::draw::{
    EntityRecords, Group, Joined, Packed, StratumKey, group_of, group_ratio, stratum_key,
};
use crate::error::Diagnostic;
use crate::load::records::{self, EntityView};
use crate::load::table::{Row, Table, with_row};
use crate::model::{CreditClass, Encoding, Item, Ratio, Task};

use super::spill::{Buckets, SpillStore};

/// Records per batch handed to a worker.
const BATCH: usize = 2048;

/// A consumer of well-formed rows, one per worker thread.
pub(crate) trait RowSink: Send {
    /// One row; `seq` orders rows and diagnostics across workers.
    fn row(&mut self, row: &Row<'_>, seq: u64);
}

#[derive(Default)]
struct Batch {
    /// Records as bytes: the reading thread only splits them; whichever
    /// thread runs the batch checks them as UTF-8.
    recs: Vec<csv::ByteRecord>,
    meta: Vec<(u64, u64)>,
    len: usize,
}

impl Batch {
    /// Read up to [`BATCH`] records of `table` into this batch (its
    /// records reused); whether the table is at its end.
    fn fill<R: Read>(&mut self, table: &mut Table<R>, enc: Encoding) -> bool {
        self.len = 0;
        while self.len < BATCH {
            if self.recs.len() == self.len {
                self.recs.push(csv::ByteRecord::new());
                self.meta.push((0, 0));
            }
            match table.read_byte_into(enc, &mut self.recs[self.len]) {
                Some(m) => {
                    self.meta[self.len] = m;
                    self.len += 1;
                }
                None => return true,
            }
        }
        false
    }
}

/// Read every row of `table` into `sinks`, one thread each: the calling
/// thread reads (it holds the reader, which need not be `Send`) and hands
/// batches to the others; when they all have a batch waiting, it runs the
/// batch through its own sink instead of waiting. So there are as many
/// threads as sinks, as many as there are cores with the default count.
/// A reader thread of its own made three threads share two cores: at 10^7
/// entities, its CSV parsing took 40 % more CPU time than on a thread
/// alone, and a one-item draw took 15 % longer (BENCHMARKS.md, session 18).
pub(crate) fn run<R: Read, S: RowSink>(table: &mut Table<R>, enc: Encoding, sinks: &mut [S]) {
    let file = table.file().to_string();
    let header = table.header().to_vec();
    let columns = table.columns().to_vec();
    let Some((own, others)) = sinks.split_first_mut() else {
        // no sink: the rows are still read, for the table's diagnostics
        let mut rec = csv::ByteRecord::new();
        while table.read_byte_into(enc, &mut rec).is_some() {}
        return;
    };
    // a batch's records are checked as UTF-8 at once, in `text` (a copy
    // of their bytes, end to end): one check of 2048 records instead of
    // 2048 checks of a hundred-odd bytes each, which took about 5 % of the
    // CPU time of a one-item draw
    let feed = |b: &Batch, sink: &mut S, text: &mut Vec<u8>| {
        text.clear();
        for rec in &b.recs[..b.len] {
            text.extend_from_slice(rec.as_slice());
        }
        let all = simdutf8::basic::from_utf8(text).ok();
        let mut at = 0;
        for i in 0..b.len {
            let (line, seq) = b.meta[i];
            let rec = &b.recs[i];
            let end = at + rec.as_slice().len();
            // a record whose text is not UTF-8 (the decoder gives only
            // UTF-8, so none) goes the way of every record read alone
            match all.and_then(|t| t.get(at..end)) {
                Some(t) => sink.row(&Row::from_text(&file, &header, &columns, t, rec, line), seq),
                None => with_row(&file, &header, &columns, rec, line, |row| {
                    sink.row(row, seq)
                }),
            }
            at = end;
        }
    };
    // two batches queued per worker: while the calling thread runs one
    // through its own sink, each worker still has one to take (with no
    // other worker, the queue holds none and the calling thread takes
    // every batch)
    let (tx_full, rx_full) = mpsc::sync_channel::<Batch>(others.len() * 2);
    let rx_full = Mutex::new(rx_full);
    let (tx_empty, rx_empty) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        for sink in others.iter_mut() {
            let rx = &rx_full;
            let back = tx_empty.clone();
            let feed = &feed;
            scope.spawn(move || {
                let mut text = Vec::new();
                while let Some(b) = next_batch(rx, true) {
                    feed(&b, sink, &mut text);
                    if back.send(b).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx_empty);
        let mut spare: Option<Batch> = None;
        let mut text = Vec::new();
        loop {
            let mut b = spare
                .take()
                .or_else(|| rx_empty.try_recv().ok())
                .unwrap_or_default();
            let done = b.fill(table, enc);
            if b.len > 0 {
                match tx_full.try_send(b) {
                    Ok(()) => {}
                    // every worker has work: this thread takes the batch
                    // (and, should the workers be gone, every batch)
                    Err(mpsc::TrySendError::Full(b) | mpsc::TrySendError::Disconnected(b)) => {
                        feed(&b, own, &mut text);
                        spare = Some(b);
                    }
                }
            }
            if done {
                break;
            }
        }
        drop(tx_full);
        // the batches still queued are shared with the workers
        while let Some(b) = next_batch(&rx_full, false) {
            feed(&b, own, &mut text);
        }
    });
}

/// The next queued batch, waiting for one if `wait`; `None` once the
/// queue is closed and empty (or, without `wait`, empty). The lock is
/// released before the batch is run.
fn next_batch(rx: &Mutex<mpsc::Receiver<Batch>>, wait: bool) -> Option<Batch> {
    let rx = rx.lock().ok()?;
    if wait {
        rx.recv().ok()
    } else {
        rx.try_recv().ok()
    }
}

/// The candidate threshold on the top 64 bits of a ticket for a stratum of
/// ratio `r` after `n ≥ 1` eligible entities:
/// `(r + 5·sqrt(r/n) + 16/n) · 2^64`, in integers (2^64 or more keeps all):
/// about `r·n` expected plus five standard deviations and 16, so that a
/// stratum falls short (and costs a fallback pass) about once in 10^6.
/// Non-increasing in `n`, so a threshold computed on part of a stratum is
/// never below the one for the whole stratum.
pub(crate) fn threshold(r: Ratio, n: u64) -> u128 {
    let (num, den) = (u128::from(r.numerator()), u128::from(r.denominator()));
    if num >= den {
        return u128::MAX;
    }
    let n = u128::from(n.max(1));
    let t1 = (num << 64) / den;
    let x = (u128::MAX / den) * num; // ≈ r · 2^128
    let t2 = 5 * (x / n).isqrt();
    let t3 = (16u128 << 64) / n;
    t1 + t2 + t3
}

fn top64(t: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&t[..8]);
    u64::from_be_bytes(b)
}

/// What a task keeps of a stratum.
#[derive(Debug, Clone)]
pub(crate) enum Keep {
    /// Candidates whose ticket is below the adaptive threshold.
    Threshold,
    /// Only these strata: the `m` smallest (ticket, code) each.
    Smallest(BTreeMap<StratumKey, u64>),
}

/// Per-task context shared by the workers.
pub(crate) struct TaskCtx<'a> {
    pub task: &'a Task,
    pub lead: Option<&'a Item>,
    pub tkey: [u8; 32],
    /// Each ratio group the task can have with its ratio, by group index
    /// ([`TaskCtx::gidx`]): the default group, A–D, then the values of
    /// the task's `group_ratios` in key order.
    pub groups: Vec<(Group, Ratio)>,
    pub keep: Keep,
}

impl TaskCtx<'_> {
    /// The index of a ratio group in [`TaskCtx::groups`].
    fn gidx(&self, g: &Group) -> usize {
        match g {
            Group::Default => 0,
            Group::Class(c) => match c {
                CreditClass::A => 1,
                CreditClass::B => 2,
                CreditClass::C => 3,
                CreditClass::D => 4,
            },
            Group::Value(_, v) => 5 + self.task.group_ratios.range::<String, _>(..v).count(),
        }
    }
}

/// What every worker of a pass shares.
pub(crate) struct Ctx<'a> {
    /// Hash records and collect codes for duplicate detection.
    pub digests: bool,
    /// The registry's id scheme (SPEC.md §1.8).
    pub registry: crate::model::Registry,
    pub spill: Option<&'a dyn SpillStore>,
    /// Codes referenced by history and conflicts (index into `found`).
    pub referenced: HashMap<String, usize>,
    /// Eligibility (and the plan) when tickets are computed.
    pub elig: Option<&'a Eligibility<'a>>,
    pub ds: Option<&'a Dataset>,
    pub tasks: Vec<TaskCtx<'a>>,
}

#[derive(Debug, Default)]
struct StratumAcc {
    n: u64,
    tau: u128,
    next_tau: u64,
    prune_at: usize,
    /// (top 64 ticket bits, arena index)
    cands: Vec<(u64, u32)>,
    /// (ticket, arena index), for `Keep::Smallest`
    smallest: Vec<([u8; 32], u32)>,
    m: u64,
}

#[derive(Debug, Default)]
struct TaskAcc {
    /// Entities excluded by reason ([`Exclusion`]), but `status` and
    /// `object_type`: those follow from [`EntitySink::active`],
    /// [`EntitySink::inactive`] and [`TaskAcc::covered`].
    excluded: [u64; 6],
    /// Active entities of an object type the task's lead item covers.
    covered: u64,
    /// Batch tasks: entities excluded as `drawn`, by region id × groups +
    /// group index.
    earlier: Vec<u64>,
    /// By region id × groups + group index.
    strata: Vec<Option<StratumAcc>>,
}

/// One worker's accumulation over its share of the registry.
pub(crate) struct EntitySink<'c> {
    ctx: &'c Ctx<'c>,
    pub diags: Vec<(u64, Diagnostic)>,
    pub diag_total: u64,
    pub count: u64,
    pub hashes: Option<Buckets>,
    pub dups: Option<Buckets>,
    pub types: HashSet<String>,
    /// Every industry of the registry (for the warning on a group value no
    /// entity has, SPEC.md §6.1); its regions are [`EntitySink::regions`].
    pub industries: HashSet<String>,
    pub found: Vec<bool>,
    tasks: Vec<TaskAcc>,
    /// Each task's tickets.
    tickets: Vec<Tickets>,
    /// The tasks whose lead item covers a record of one object type (their
    /// indices, in order), by that type (a registry has few; at most
    /// [`KNOWN_TYPES`] kept).
    lead_covers: HashMap<String, Box<[u32]>>,
    /// The current record's [`EntitySink::lead_covers`].
    covered: Vec<u32>,
    /// Records drawn from (eligibility known) that are active, and not:
    /// every task excludes an inactive one for its status, and an active
    /// one its lead item does not cover for its object type. So the loop
    /// over the tasks runs only over those covering an active record (a
    /// 30-item plan's record is of the types of a few), and
    /// [`merge_tasks`] counts the rest.
    active: u64,
    inactive: u64,
    /// The records candidates refer to, packed.
    pub arena: Packed,
    /// Every region of this worker's records, numbered in order of first
    /// sight (one lookup per record serves the warning and the strata).
    regions: HashMap<String, u32>,
    region_names: Vec<String>,
    /// Strata by region (`stratify = "region"`); otherwise one region, `*`.
    by_region: bool,
    buf: Vec<u8>,
    /// Compact the arena when it reaches this many records.
    compact_at: usize,
    pub error: Option<io::Error>,
}

/// Object types whose leads' conditions a worker keeps.
const KNOWN_TYPES: usize = 1024;

/// Width of a duplicate-detection entry: the 18-byte code, the line.
const DUP_WIDTH: usize = 26;

/// The bytes a code takes in a duplicate-detection entry: 18 for USCCs,
/// else the longest code of a code scheme (64 characters of at most 3
/// UTF-8 bytes each, SPEC.md §1.8), padded with NUL.
pub(crate) fn dup_code_width(scheme: crate::model::IdScheme) -> usize {
    if scheme == crate::model::IdScheme::Uscc {
        18
    } else {
        3 * crate::model::MAX_CODE_CHARS
    }
}

fn dup_bucket(code: &[u8]) -> u8 {
    // FNV-1a, folded to a byte: any fixed function spreads the codes
    let mut h: u32 = 0x811c_9dc5;
    for &b in code {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) as u8
}

impl<'c> EntitySink<'c> {
    pub(crate) fn new(ctx: &'c Ctx<'c>) -> io::Result<Self> {
        let (hashes, dups) = if ctx.digests {
            (
                Some(Buckets::new(32, ctx.spill)?),
                Some(Buckets::new(
                    dup_code_width(ctx.registry.scheme) + 8,
                    ctx.spill,
                )?),
            )
        } else {
            (None, None)
        };
        Ok(EntitySink {
            ctx,
            diags: Vec::new(),
            diag_total: 0,
            count: 0,
            hashes,
            dups,
            types: HashSet::default(),
            industries: HashSet::default(),
            found: vec![false; ctx.referenced.len()],
            tasks: ctx.tasks.iter().map(|_| TaskAcc::default()).collect(),
            tickets: ctx.tasks.iter().map(|t| Tickets::new(&t.tkey)).collect(),
            lead_covers: HashMap::default(),
            covered: Vec::with_capacity(ctx.tasks.len()),
            active: 0,
            inactive: 0,
            arena: Packed::default(),
            regions: HashMap::default(),
            region_names: Vec::new(),
            by_region: ctx
                .ds
                .is_some_and(|ds| ds.plan.rules.stratify == crate::model::Stratify::Region),
            buf: Vec::with_capacity(512),
            compact_at: 1 << 16,
            error: None,
        })
    }

    /// Drop records no candidate refers to any more (early candidates of a
    /// stratum fall below its threshold as it grows), keeping the arena
    /// within twice the live records.
    fn compact(&mut self) {
        let arena = &self.arena;
        let by_ticket = |a: &([u8; 32], u32), b: &([u8; 32], u32)| {
            a.0.cmp(&b.0).then_with(|| {
                arena
                    .uscc(a.1 as usize)
                    .as_bytes()
                    .cmp(arena.uscc(b.1 as usize).as_bytes())
            })
        };
        let mut live = vec![false; arena.len()];
        for acc in &mut self.tasks {
            for st in acc.strata.iter_mut().flatten() {
                if st.tau < 1u128 << 64 {
                    let tau = st.tau;
                    st.cands.retain(|c| u128::from(c.0) < tau);
                    st.prune_at = (st.cands.len() * 2).max(256);
                }
                if st.m > 0 && st.smallest.len() as u64 > st.m {
                    st.smallest.sort_unstable_by(by_ticket);
                    st.smallest.truncate(st.m as usize);
                }
                for c in &st.cands {
                    live[c.1 as usize] = true;
                }
                for c in &st.smallest {
                    live[c.1 as usize] = true;
                }
            }
        }
        let new_index = self.arena.keep_live(&live);
        drop(live);
        for acc in &mut self.tasks {
            for st in acc.strata.iter_mut().flatten() {
                for c in &mut st.cands {
                    c.1 = new_index[c.1 as usize];
                }
                for c in &mut st.smallest {
                    c.1 = new_index[c.1 as usize];
                }
            }
        }
        self.compact_at = (self.arena.len() * 2).max(1 << 16);
    }

    /// The regions of this worker's records, in order of first sight.
    pub(crate) fn regions(&self) -> &[String] {
        &self.region_names
    }

    fn region_id(&mut self, region: &str) -> u32 {
        if let Some(&id) = self.regions.get(region) {
            return id;
        }
        let id = self.region_names.len() as u32;
        self.regions.insert(region.to_string(), id);
        self.region_names.push(region.to_string());
        id
    }

    fn entity(&mut self, view: &EntityView<'_>, line: u64) -> io::Result<()> {
        self.count += 1;
        if let (Some(hashes), Some(dups)) = (self.hashes.as_mut(), self.dups.as_mut()) {
            let h = view.record_hash(&mut self.buf, self.ctx.registry.scheme.prefix());
            hashes.push(h[0], &h)?;
            let code = view.uscc.as_bytes();
            let width = dup_code_width(self.ctx.registry.scheme);
            if code.len() == 18 && width == 18 {
                let mut e = [0u8; DUP_WIDTH];
                e[..18].copy_from_slice(code);
                e[18..].copy_from_slice(&line.to_be_bytes());
                dups.push(dup_bucket(code), &e)?;
            } else if width > 18 && code.len() <= width {
                // a code of a code scheme, padded with NUL (never in a code)
                let mut e = vec![0u8; width + 8];
                e[..code.len()].copy_from_slice(code);
                e[width..].copy_from_slice(&line.to_be_bytes());
                dups.push(dup_bucket(code), &e)?;
            }
        }
        for t in &view.types {
            if !self.types.contains(t.as_ref()) {
                self.types.insert(t.to_string());
            }
        }
        let region = self.region_id(&view.region);
        if !self.industries.contains(view.industry.as_ref()) {
            self.industries.insert(view.industry.to_string());
        }
        if !self.ctx.referenced.is_empty()
            && let Some(&i) = self.ctx.referenced.get(view.uscc.as_ref())
        {
            self.found[i] = true;
        }
        let (Some(elig), Some(ds)) = (self.ctx.elig, self.ctx.ds) else {
            return Ok(());
        };
        // every task excludes an inactive record for its status first
        // ([`Eligibility::check_covered`]): counted once for all
        if !view.active {
            self.inactive += 1;
            return Ok(());
        }
        self.active += 1;
        let hist = elig.history_of(&view.uscc);
        let mut stored: Option<u32> = None;
        let rid = if self.by_region { region } else { 0 };
        let prefix = self.ctx.registry.scheme.prefix();
        // the object-type condition of each task's lead item, once per
        // type rather than once per task and record; the tasks whose lead
        // does not cover the record exclude it for its object type,
        // counted once for all
        let tasks = &self.ctx.tasks;
        let covering =
            || (0..tasks.len() as u32).filter(|&t| lead_covers(tasks[t as usize].lead, view));
        self.covered.clear();
        match view.types.as_slice() {
            [one] => match self.lead_covers.get(one.as_ref()) {
                Some(c) => self.covered.extend_from_slice(c),
                None => {
                    self.covered.extend(covering());
                    if self.lead_covers.len() < KNOWN_TYPES {
                        self.lead_covers
                            .insert(one.to_string(), self.covered.clone().into_boxed_slice());
                    }
                }
            },
            _ => self.covered.extend(covering()),
        }
        let check = |tc: &TaskCtx<'_>| elig.check_covered(tc.task, true, view, hist);
        for &ti in &self.covered {
            let ti = ti as usize;
            let (tc, acc, tickets) = (
                &self.ctx.tasks[ti],
                &mut self.tasks[ti],
                &mut self.tickets[ti],
            );
            acc.covered += 1;
            // the ratio group of an entity drawn from, or excluded as drawn
            let slot_of = || {
                let g = tc.gidx(&group_of(ds, tc.task, view));
                (g, rid as usize * tc.groups.len() + g)
            };
            if let Keep::Smallest(strata) = &tc.keep {
                if strata.is_empty() {
                    continue;
                }
                if check(tc).is_err() {
                    continue;
                }
                let (_, slot) = slot_of();
                let key = stratum_key(ds, tc.task, view);
                let Some(&m) = strata.get(&key) else {
                    continue;
                };
                if acc.strata.len() <= slot {
                    acc.strata.resize_with(slot + 1, || None);
                }
                let st = acc.strata[slot].get_or_insert_with(StratumAcc::default);
                st.m = m;
                let t = tickets.ticket(prefix, &view.uscc);
                let ai = *stored.get_or_insert_with(|| {
                    self.arena.push_view(view);
                    self.arena.len() as u32 - 1
                });
                st.smallest.push((t, ai));
                if st.smallest.len() as u64 > 2 * m.max(64) {
                    let arena = &self.arena;
                    st.smallest.sort_unstable_by(|a, b| {
                        a.0.cmp(&b.0).then_with(|| {
                            arena
                                .uscc(a.1 as usize)
                                .as_bytes()
                                .cmp(arena.uscc(b.1 as usize).as_bytes())
                        })
                    });
                    st.smallest.truncate(m as usize);
                }
                continue;
            }
            if let Err(r) = check(tc) {
                let i = match r {
                    Exclusion::Status => 0,
                    Exclusion::ObjectType => 1,
                    Exclusion::Filter => 2,
                    Exclusion::CoolDown => 3,
                    Exclusion::YearCap => 4,
                    Exclusion::Drawn => 5,
                };
                acc.excluded[i] += 1;
                if r == Exclusion::Drawn {
                    let (_, slot) = slot_of();
                    if acc.earlier.len() <= slot {
                        acc.earlier.resize(slot + 1, 0);
                    }
                    acc.earlier[slot] += 1;
                }
                continue;
            }
            let (g, slot) = slot_of();
            if acc.strata.len() <= slot {
                acc.strata.resize_with(slot + 1, || None);
            }
            let st = acc.strata[slot].get_or_insert_with(|| StratumAcc {
                tau: u128::MAX,
                next_tau: 1,
                prune_at: 256,
                ..Default::default()
            });
            st.n += 1;
            if st.n >= st.next_tau {
                st.tau = threshold(tc.groups[g].1, st.n);
                st.next_tau = st.n + (st.n / 8).max(16);
            }
            let keep_all = st.tau >= 1u128 << 64;
            let t = tickets.ticket(prefix, &view.uscc);
            let top = top64(&t);
            if keep_all || u128::from(top) < st.tau {
                let ai = *stored.get_or_insert_with(|| {
                    self.arena.push_view(view);
                    self.arena.len() as u32 - 1
                });
                st.cands.push((top, ai));
                if st.cands.len() >= st.prune_at {
                    let tau = st.tau;
                    st.cands.retain(|c| u128::from(c.0) < tau);
                    st.prune_at = (st.cands.len() * 2).max(256);
                }
            }
        }
        if self.arena.len() >= self.compact_at {
            self.compact();
        }
        Ok(())
    }
}

impl RowSink for EntitySink<'_> {
    fn row(&mut self, row: &Row<'_>, seq: u64) {
        let mut local = Vec::new();
        let view = records::entity_view(row, &mut local, &self.ctx.registry);
        if !local.is_empty() {
            self.diag_total += local.len() as u64;
            for d in local {
                if self.diags.len() < crate::load::table::MAX_DIAGNOSTICS_PER_FILE {
                    self.diags.push((seq, d));
                }
            }
            return;
        }
        if self.error.is_none()
            && let Err(e) = self.entity(&view, row.line)
        {
            self.error = Some(e);
        }
    }
}

/// A stratum of a task after merging the workers.
#[derive(Debug, Default)]
pub(crate) struct MergedStratum {
    /// Eligible entities (before the `taken` rule).
    pub n: u64,
    /// Candidates (arena indices of the merged arena): a prefix of the
    /// stratum in (ticket, code) order.
    pub cands: Vec<u32>,
    /// Whether `cands` is the whole stratum.
    pub complete: bool,
}

/// A task after merging the workers.
#[derive(Debug, Default)]
pub(crate) struct MergedTask {
    pub excluded: BTreeMap<String, u64>,
    /// Batch tasks: entities excluded as `drawn`, per stratum key.
    pub earlier: BTreeMap<StratumKey, u64>,
    pub strata: BTreeMap<StratumKey, MergedStratum>,
}

/// Merge the workers' candidates: one arena and, per task, strata keyed by
/// name with the final threshold applied.
pub(crate) fn merge_tasks(ctx: &Ctx<'_>, sinks: Vec<EntitySink<'_>>) -> (Joined, Vec<MergedTask>) {
    // the workers' arenas are kept as they are, numbered one after
    // another: a province's candidates are not copied
    let mut parts = Vec::with_capacity(sinks.len());
    let mut offset = 0u32;
    let mut tasks: Vec<MergedTask> = ctx.tasks.iter().map(|_| MergedTask::default()).collect();
    let labels = [
        "status",
        "object_type",
        "filter",
        "cool_down",
        "year_cap",
        "drawn",
    ];
    // (top or full ticket, arena index) per task and stratum
    let mut tops: Vec<BTreeMap<StratumKey, Vec<(u64, u32)>>> =
        ctx.tasks.iter().map(|_| BTreeMap::new()).collect();
    type Smallest = BTreeMap<StratumKey, (u64, Vec<([u8; 32], u32)>)>;
    let mut smallest: Vec<Smallest> = ctx.tasks.iter().map(|_| BTreeMap::new()).collect();
    for sink in sinks {
        // the region of a stratum's region id ([`EntitySink::by_region`])
        let stratum_region = |rid: usize| {
            if sink.by_region {
                sink.region_names[rid].clone()
            } else {
                "*".to_string()
            }
        };
        for (ti, mut acc) in sink.tasks.into_iter().enumerate() {
            // the exclusions counted once for all ([`EntitySink::active`])
            if !matches!(ctx.tasks[ti].keep, Keep::Smallest(_)) {
                acc.excluded[0] += sink.inactive;
                acc.excluded[1] += sink.active - acc.covered;
            }
            for (i, n) in acc.excluded.iter().enumerate() {
                if *n > 0 {
                    *tasks[ti].excluded.entry(labels[i].to_string()).or_default() += n;
                }
            }
            for (slot, d) in acc.earlier.iter().enumerate() {
                if *d > 0 {
                    let gs = &ctx.tasks[ti].groups;
                    let key = (
                        gs[slot % gs.len()].0.clone(),
                        stratum_region(slot / gs.len()),
                    );
                    *tasks[ti].earlier.entry(key).or_default() += d;
                }
            }
            for (slot, st) in acc.strata.into_iter().enumerate() {
                let Some(st) = st else { continue };
                let gs = &ctx.tasks[ti].groups;
                let region = stratum_region(slot / gs.len());
                let key = (gs[slot % gs.len()].0.clone(), region);
                if st.m > 0 {
                    let e = smallest[ti].entry(key).or_default();
                    e.0 = st.m;
                    e.1.extend(st.smallest.into_iter().map(|(t, a)| (t, a + offset)));
                } else {
                    tasks[ti].strata.entry(key.clone()).or_default().n += st.n;
                    tops[ti]
                        .entry(key)
                        .or_default()
                        .extend(st.cands.into_iter().map(|(t, a)| (t, a + offset)));
                }
            }
        }
        offset += sink.arena.len() as u32;
        parts.push(sink.arena);
    }
    let arena = Joined::new(parts);
    for (ti, task) in tasks.iter_mut().enumerate() {
        for (key, mut c) in std::mem::take(&mut tops[ti]) {
            let s = task.strata.entry(key.clone()).or_default();
            let tc = &ctx.tasks[ti];
            let tau = threshold(tc.groups[tc.gidx(&key.0)].1, s.n);
            if tau < 1u128 << 64 {
                c.retain(|x| u128::from(x.0) < tau);
            }
            s.complete = c.len() as u64 == s.n;
            c.sort_unstable();
            s.cands = c.into_iter().map(|x| x.1).collect();
        }
        for (key, (m, mut c)) in std::mem::take(&mut smallest[ti]) {
            c.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0).then_with(|| {
                    arena
                        .uscc(a.1 as usize)
                        .as_bytes()
                        .cmp(arena.uscc(b.1 as usize).as_bytes())
                })
            });
            c.truncate(m as usize);
            let s = task.strata.entry(key).or_default();
            s.cands = c.into_iter().map(|x| x.1).collect();
        }
    }
    (arena, tasks)
}

/// Every ratio group a task can have, with its ratio, in the order of
/// [`TaskCtx::gidx`].
pub(crate) fn group_ratios(ds: &Dataset, task: &Task, lead: Option<&Item>) -> Vec<(Group, Ratio)> {
    let item = crate::draw::task_number(task, lead).0;
    let mut out: Vec<Group> = vec![Group::Default];
    out.extend(
        [
            CreditClass::A,
            CreditClass::B,
            CreditClass::C,
            CreditClass::D,
        ]
        .into_iter()
        .map(Group::Class),
    );
    if let Some(col) = task.group_by {
        out.extend(
            task.group_ratios
                .keys()
                .map(|v| Group::Value(col, v.clone())),
        );
    }
    out.into_iter()
        .map(|g| {
            let r = group_ratio(ds, task, item, &g);
            (g, r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IdScheme;
    use std::time::Duration;

    /// Records what it is given; a slow sink pauses at the start of each
    /// batch, so that the queue fills and the reading thread must take
    /// batches itself.
    struct Seen {
        slow: bool,
        rows: Vec<(u64, u64, String)>,
    }

    impl RowSink for Seen {
        fn row(&mut self, row: &Row<'_>, seq: u64) {
            if self.slow && seq % BATCH as u64 == 1 {
                std::thread::sleep(Duration::from_millis(50));
            }
            self.rows.push((seq, row.line, row.get(0).to_string()));
        }
    }

    #[test]
    fn every_row_reaches_exactly_one_sink_whoever_takes_its_batch() {
        let n = 6 * BATCH + 17;
        let mut csv = String::from(
            "名称,统一社会信用代码,行政区划,对象类型,所属行业,信用风险分类,登记状态\n",
        );
        for i in 0..n {
            csv.push_str(&format!("E{i},C{i},R,T,I,A,存续\n"));
        }
        for workers in [1usize, 2, 3] {
            let mut table = Table::open(
                "entities.csv",
                "entities",
                csv.as_bytes(),
                Encoding::Utf8,
                1 << 20,
                records::entity_fields(IdScheme::Uscc),
            )
            .unwrap_or_else(|d| panic!("{d:?}"));
            let mut sinks: Vec<Seen> = (0..workers)
                .map(|w| Seen {
                    slow: w > 0,
                    rows: Vec::new(),
                })
                .collect();
            run(&mut table, Encoding::Utf8, &mut sinks);
            if workers > 1 {
                // the workers were slow: the reading thread took batches
                // too (which else does is up to the scheduler)
                assert!(!sinks[0].rows.is_empty(), "{workers} sinks");
            }
            let mut all: Vec<_> = sinks.into_iter().flat_map(|s| s.rows).collect();
            all.sort();
            // record i (0-based) is the (i + 1)th and starts on line i + 2;
            // field 0 of an entity is its code
            assert_eq!(all.len(), n, "{workers} sinks");
            for (i, got) in (0u64..).zip(&all) {
                assert_eq!(got, &(i + 1, i + 2, format!("C{i}")), "{workers} sinks");
            }
        }
    }
}
