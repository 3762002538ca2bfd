//! The result of a draw (SPEC.md §9): everything a notice or a verifier
//! needs, with no floats and a canonical JSON form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Visits;
use crate::InputDigests;
use crate::model::{Date, Rules};

/// The plan a result belongs to (metadata only; the full plan is bound by
/// its digest in [`DrawResult::digests`]).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let info = ds.commit().plan; // the same block heads result.json
/// assert_eq!(info.id, ds.plan().id);
/// assert!(info.period_start <= info.period_end);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanInfo {
    /// Plan id (计划编号).
    pub id: String,
    /// Title (计划名称).
    pub title: String,
    /// The authority drawing (抽查机关).
    pub authority: String,
    /// First day of the inspection period.
    pub period_start: Date,
    /// Last day of the inspection period.
    pub period_end: Date,
    /// The plan date (certificates valid on it).
    pub date: Date,
    /// The registry's id scheme when it is not `uscc` (SPEC.md §1.8,
    /// §10); absent from the JSON for a registry of USCCs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<crate::model::Registry>,
}

/// The seed as given, as normalised, and its announced source.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let seed: Seed = "３８ 17".parse().unwrap();
/// let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let info = &draw.result().seed;
/// assert_eq!((info.text.as_str(), info.normalized.as_str()), ("３８ 17", "38 17"));
/// assert_eq!(info.source, ds.plan().seed_source);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInfo {
    /// The seed text exactly as given to the engine.
    pub text: String,
    /// The normalised seed text that enters the draw key (SPEC.md §3).
    pub normalized: String,
    /// The announced public source of the seed (`plan.seed_source`).
    pub source: String,
    /// The declared sources with their outcomes and credited bits, in
    /// declared order (SPEC.md §3.1); absent from the JSON when the plan
    /// declares none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<super::SourceOutcome>,
}

/// One row of a task's allocation table: a stratum, its eligible base and
/// the number drawn from it.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// for task in &draw.result().tasks {
///     let drawn: u64 = task.allocation.iter().map(|s| s.drawn).sum();
///     assert_eq!(drawn, task.total);
///     assert!(task.allocation.iter().all(|s| s.drawn <= s.base));
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumAllocation {
    /// The stratum name (SPEC.md §6): the region (or `*` when the plan
    /// does not stratify), followed by `/` and the credit class when the
    /// class has its own ratio.
    pub stratum: String,
    /// The region of the stratum (`*` when the plan does not stratify).
    pub region: String,
    /// The credit class, when the stratum is a class with its own ratio.
    pub class: Option<String>,
    /// The value of the task's `group_by` column, when the stratum is a
    /// value with its own ratio (SPEC.md §6.1); absent from the JSON
    /// otherwise, so results without per-group ratios keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Eligible entities in the stratum (N_h).
    pub base: u64,
    /// Entities drawn from the stratum (n_h).
    pub drawn: u64,
    /// The ratio that applies to the stratum, as a decimal (`0.05`).
    pub ratio: String,
    /// Inclusion probability of each entity of the stratum, the exact
    /// fraction `n_h/N_h` (not reduced).
    pub probability: String,
    /// The inclusion probability in thousandths, rounded down.
    pub per_mille: u64,
}

/// Why entities of the registry were not drawn from by a task.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// for task in &draw.result().tasks {
///     let x = &task.exclusions;
///     assert_eq!(x.eligible + x.excluded.values().sum::<u64>(), x.registry);
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionSummary {
    /// Entities in the registry.
    pub registry: u64,
    /// Entities eligible for the task (the sum of the strata bases).
    pub eligible: u64,
    /// Entities not eligible, counted by the first reason that applies
    /// (SPEC.md §5): `status`, `object_type`, `filter`, `cool_down`,
    /// `year_cap`, and `taken` (drawn by an earlier task when the plan's
    /// overlap rule is `next`). Reasons with no entity are omitted.
    pub excluded: BTreeMap<String, u64>,
}

/// The outcome of one task of the plan.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let task = &draw.result().tasks[0];
/// assert_eq!(task.index, 1);
/// assert_eq!(task.key, ds.plan().tasks[0].key());
/// assert_eq!(task.items.len(), task.names.len());
/// assert!(task.total <= task.exclusions.eligible);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskResult {
    /// 1-based position of the task in the plan.
    pub index: u32,
    /// The task key: its item ids joined by `+`.
    pub key: String,
    /// The item ids; more than one is a joint inspection led by the first.
    pub items: Vec<String>,
    /// The item names (事项名称), in the order of `items`.
    pub names: Vec<String>,
    /// Whether the task is a directed draw (定向).
    pub directed: bool,
    /// The task key derived from the draw key, lower-case hex (SPEC.md §4).
    pub task_key: String,
    /// The count before stratification (SPEC.md §6), after min/max.
    pub total: u64,
    /// A batch task's year figures (SPEC.md §6.5); absent (and not in
    /// `result.json`) for an ordinary task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchFigures>,
    /// The allocation table, strata in bytewise order of their names.
    pub allocation: Vec<StratumAllocation>,
    /// Who was not eligible, and why.
    pub exclusions: ExclusionSummary,
}

/// The year figures of a batch task (SPEC.md §6.5).
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// // the sample plan is drawn in one batch: no figures
/// assert!(draw.result().tasks.iter().all(|t| t.batch.is_none()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFigures {
    /// The share of the year this batch reaches: `k/n` as the plan's
    /// `batch` gives it, or the canonical decimal of its `year_share`.
    pub share: String,
    /// The year's target: `Σ ceil(r_g × B_g)` over the groups, or the
    /// task's count.
    pub year: u64,
    /// The cumulative target when this batch is done.
    pub through: u64,
    /// Entities drawn for the task's items earlier in the year (excluded
    /// as `drawn`).
    pub earlier: u64,
}

/// One selection of an entity by one task.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let r = draw.result();
/// let selections = r.visits.iter().flat_map(|v| &v.selections);
/// assert_eq!(selections.count() as u64, r.tasks.iter().map(|t| t.total).sum::<u64>());
/// let s = &r.visits[0].selections[0];
/// assert!(r.tasks.iter().any(|t| t.key == s.task) && s.rank >= 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// The task key (item ids joined by `+`).
    pub task: String,
    /// The stratum the entity was drawn from.
    pub stratum: String,
    /// 1-based rank of the entity's ticket in its stratum.
    pub rank: u64,
    /// The entity's ticket for this task, lower-case hex.
    pub ticket: String,
}

/// An officer on a team.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let member = &draw.result().visits[0].teams[0].officers[0];
/// assert_eq!(ds.officer(&member.cert_no).unwrap().name, member.name);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    /// Certificate number (证件编号).
    pub cert_no: String,
    /// Name (姓名).
    pub name: String,
}

/// The officers one department sends to one visit for the items of one
/// enforcement category (SPEC.md §8.1). The officers of all teams of one
/// visit are distinct.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let team = &draw.result().visits[0].teams[0];
/// assert_eq!(team.officers.len() as u32, ds.plan().rules.team_size);
/// assert!(team.officers.iter().all(|m| ds.officer(&m.cert_no).unwrap().department == team.department));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// The department (抽查主体); an item or officer with an empty
    /// department belongs to the plan authority, written out here.
    pub department: String,
    /// The enforcement category (执法类别) every officer of the team holds.
    pub category: String,
    /// The items of this department and category inspected on the visit.
    pub items: Vec<String>,
    /// The officers, by certificate number.
    pub officers: Vec<TeamMember>,
}

/// One inspection visit: an entity, the tasks that drew it and the teams
/// sent. Several tasks drawing one entity under the `joint` overlap rule
/// make one visit (进一次门、查多项事).
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let visit = &draw.result().visits[0];
/// let entity = ds.entity(&visit.uscc).unwrap();
/// assert_eq!((&visit.name, &visit.region), (&entity.name, &entity.region));
/// assert!(visit.teams.iter().all(|t| t.items.iter().all(|i| visit.items.contains(i))));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// The unit's id: its unified social credit code, or its code under
    /// the registry's id scheme ([`PlanInfo::registry`]); the member keeps
    /// the name `uscc` for every scheme.
    pub uscc: String,
    /// Entity name.
    pub name: String,
    /// Entity region.
    pub region: String,
    /// Entity credit class, if classified.
    pub credit_class: Option<String>,
    /// All items inspected on the visit, in plan order of their tasks.
    pub items: Vec<String>,
    /// The selections that make up the visit, in plan order.
    pub selections: Vec<Selection>,
    /// One team per (department, category), in bytewise order of both.
    pub teams: Vec<Team>,
}

/// The published result of a draw.
///
/// ```
/// use shuangsuiji::{Dataset, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// let result = ds.draw(&seed, &ds.commit()).unwrap().into_result();
/// assert_eq!(result.algorithm, "ssj-draw-v1");
/// assert_eq!(result.plan.id, ds.plan().id);
/// assert_eq!(result.seed.normalized, seed.normalized());
/// assert_eq!(&result.digests, ds.digests());
/// assert_eq!(result.tasks.len(), ds.plan().tasks.len());
/// let drawn: u64 = result.tasks.iter().map(|t| t.total).sum();
/// assert!(drawn >= result.visits.len() as u64); // an entity drawn by two tasks is one visit
/// assert!(result.visits.iter().all(|v| !v.teams.is_empty() && !v.selections.is_empty()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawResult {
    /// The algorithm version, e.g. `ssj-draw-v1` ([`crate::ALGORITHM`]).
    pub algorithm: String,
    /// The engine version that produced the result (informative; not part
    /// of the determinism contract).
    pub engine_version: String,
    /// Plan metadata.
    pub plan: PlanInfo,
    /// The rules applied.
    pub rules: Rules,
    /// The seed.
    pub seed: SeedInfo,
    /// Digests of the plan and every input.
    pub digests: InputDigests,
    /// The draw key (SPEC.md §4), lower-case hex.
    pub draw_key: String,
    /// One entry per task, in plan order.
    pub tasks: Vec<TaskResult>,
    /// The visits, ordered by their first selection's task index, stratum
    /// name and rank (SPEC.md §8).
    pub visits: Vec<Visit>,
}

impl DrawResult {
    /// The canonical JSON of the result: object keys sorted, no
    /// insignificant whitespace, UTF-8. Byte-identical on every machine.
    ///
    /// The same bytes as [`crate::commit::digest::canonical_json`] of the whole result, built
    /// member by member (keys in bytewise order, each visit on its own) so
    /// that a province-sized result never exists as one JSON tree.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawResult, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
    /// # let result = ds.draw(&seed, &ds.commit()).unwrap().into_result();
    /// let json = result.to_canonical_json();
    /// assert!(json.starts_with("{\"algorithm\":\"ssj-draw-v1\","));
    /// assert!(!json.ends_with('\n')); // result.json adds one line feed (Publication)
    /// let mut written = Vec::new();
    /// result.write_canonical_json(&mut written).unwrap();
    /// assert_eq!(written, json.as_bytes());
    /// ```
    pub fn to_canonical_json(&self) -> String {
        let mut out = Vec::new();
        // writing to memory cannot fail; every piece is UTF-8 JSON
        let _ = self.write_canonical_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// [`DrawResult::to_canonical_json`], written to `w` piece by piece:
    /// the bytes of a province-sized result are never held at once.
    ///
    /// ```
    /// use shuangsuiji::DrawResult;
    /// let text = std::fs::read_to_string(concat!(
    ///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// )).unwrap();
    /// let r = DrawResult::from_json(&text).unwrap();
    /// let mut out = Vec::new();
    /// r.write_canonical_json(&mut out).unwrap();
    /// assert_eq!(out, r.to_canonical_json().into_bytes());
    /// assert_eq!(text.trim_end().as_bytes(), out.as_slice());
    /// ```
    pub fn write_canonical_json(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.write_canonical_json_with(Visits::Held(&self.visits), w)
    }

    /// [`DrawResult::write_canonical_json`] of this result with `visits`
    /// in place of its own `visits` (which are not read): how a
    /// [`crate::draw::StreamedDraw`], whose visits are kept apart, is written
    /// (see [`crate::draw::StreamedDraw::write_canonical_json`]).
    ///
    /// ```
    /// use shuangsuiji::DrawResult;
    /// use shuangsuiji::draw::Visits;
    /// let text = std::fs::read_to_string(concat!(
    ///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// )).unwrap();
    /// let r = DrawResult::from_json(&text).unwrap();
    /// let mut head = r.clone();
    /// head.visits.clear();
    /// let mut out = Vec::new();
    /// head.write_canonical_json_with(Visits::Held(&r.visits), &mut out).unwrap();
    /// assert_eq!(out, r.to_canonical_json().into_bytes());
    /// ```
    pub fn write_canonical_json_with(
        &self,
        visits: Visits<'_>,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        use crate::commit::digest::canonical_json as cj;
        fn array<T: Serialize, B: std::borrow::Borrow<T>>(
            w: &mut dyn std::io::Write,
            items: impl Iterator<Item = B>,
        ) -> std::io::Result<()> {
            let mut buf = String::with_capacity(1 << 16);
            buf.push('[');
            for (i, x) in items.enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                buf.push_str(&crate::commit::digest::canonical_json(x.borrow()));
                if buf.len() >= 1 << 16 {
                    w.write_all(buf.as_bytes())?;
                    buf.clear();
                }
            }
            buf.push(']');
            w.write_all(buf.as_bytes())
        }
        let mut head = String::new();
        head.push_str("{\"algorithm\":");
        head.push_str(&cj(&self.algorithm));
        head.push_str(",\"digests\":");
        head.push_str(&cj(&self.digests));
        head.push_str(",\"draw_key\":");
        head.push_str(&cj(&self.draw_key));
        head.push_str(",\"engine_version\":");
        head.push_str(&cj(&self.engine_version));
        head.push_str(",\"plan\":");
        head.push_str(&cj(&self.plan));
        head.push_str(",\"rules\":");
        head.push_str(&cj(&self.rules));
        head.push_str(",\"seed\":");
        head.push_str(&cj(&self.seed));
        head.push_str(",\"tasks\":");
        w.write_all(head.as_bytes())?;
        array::<TaskResult, _>(w, self.tasks.iter())?;
        w.write_all(b",\"visits\":")?;
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
        buf.push(b'[');
        visits
            .lend(|i, v| {
                if i > 0 {
                    buf.push(b',');
                }
                visit_json(&mut buf, v);
                if buf.len() >= 1 << 16 {
                    w.write_all(&buf)?;
                    buf.clear();
                }
                Ok(())
            })
            .try_for_each(|written: std::io::Result<()>| written)?;
        buf.extend_from_slice(b"]}");
        w.write_all(&buf)
    }

    /// Read a result back from JSON (canonical or pretty-printed).
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawResult, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
    /// # let result = ds.draw(&seed, &ds.commit()).unwrap().into_result();
    /// let json = result.to_canonical_json();
    /// let back = DrawResult::from_json(&json).unwrap();
    /// assert_eq!(back.to_canonical_json(), json);
    /// assert!(DrawResult::from_json("{}").is_err());
    /// ```
    pub fn from_json(text: &str) -> serde_json::Result<DrawResult> {
        serde_json::from_str(text)
    }

    /// Read everything of a result but its visits from JSON, streamed from
    /// `r`: `visits` comes back empty. Each visit is still read and checked
    /// as [`DrawResult::from_json`] does (a file one rejects, the other
    /// rejects, for the same reason), then let go. A verifier needs the head to recompute the
    /// draw, then compares the visits by bytes; a province's result is
    /// hundreds of megabytes, most of it visits.
    ///
    /// ```
    /// use shuangsuiji::DrawResult;
    /// let text = std::fs::read_to_string(concat!(
    ///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// )).unwrap();
    /// let whole = DrawResult::from_json(&text).unwrap();
    /// let head = DrawResult::head_from_reader(text.as_bytes()).unwrap();
    /// assert!(head.visits.is_empty() && !whole.visits.is_empty());
    /// assert_eq!(head.tasks, whole.tasks);
    /// assert_eq!(head.digests, whole.digests);
    /// // not JSON: an error with its position
    /// let e = DrawResult::head_from_reader(&b"{\"algorithm\": ]"[..]).unwrap_err();
    /// assert_eq!((e.line(), e.column()), (1, 15));
    /// // a visit that is not one: the error from_json gives (read from a
    /// // stream, serde_json places it one column further on)
    /// let bad = text.replacen("\"uscc\"", "\"usc\"", 1);
    /// let e = DrawResult::head_from_reader(bad.as_bytes()).unwrap_err();
    /// let whole = DrawResult::from_json(&bad).unwrap_err();
    /// assert!(e.to_string().starts_with("unknown field `usc`"));
    /// assert_eq!((e.classify(), e.line()), (whole.classify(), whole.line()));
    /// ```
    pub fn head_from_reader(r: impl std::io::Read) -> serde_json::Result<DrawResult> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Head {
            algorithm: String,
            engine_version: String,
            plan: PlanInfo,
            rules: Rules,
            seed: SeedInfo,
            digests: InputDigests,
            draw_key: String,
            tasks: Vec<TaskResult>,
            #[serde(rename = "visits")]
            _visits: CheckedVisits,
        }
        /// A visit array read one visit at a time: each is checked as a
        /// [`Visit`] (the same errors, at the same positions, as
        /// [`DrawResult::from_json`]) and let go.
        struct CheckedVisits;
        impl<'de> Deserialize<'de> for CheckedVisits {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = CheckedVisits;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a sequence")
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(
                        self,
                        mut seq: A,
                    ) -> Result<CheckedVisits, A::Error> {
                        while seq.next_element::<Visit>()?.is_some() {}
                        Ok(CheckedVisits)
                    }
                }
                d.deserialize_seq(V)
            }
        }
        let h: Head = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 16, r))?;
        Ok(DrawResult {
            algorithm: h.algorithm,
            engine_version: h.engine_version,
            plan: h.plan,
            rules: h.rules,
            seed: h.seed,
            digests: h.digests,
            draw_key: h.draw_key,
            tasks: h.tasks,
            visits: Vec::new(),
        })
    }
}

/// The canonical JSON of a visit (keys sorted, as
/// [`crate::commit::digest::canonical_json`] writes it) appended to `out`,
/// written directly: a province's `result.json` holds millions of visits,
/// and going through a `serde_json::Value` allocates every key and text
/// of each again.
fn visit_json(out: &mut Vec<u8>, v: &Visit) {
    fn text(out: &mut Vec<u8>, t: &str) {
        // serde_json's own escaping, as canonical_json uses; writing into a
        // Vec cannot fail
        let _ = serde_json::to_writer(&mut *out, t);
    }
    /// `[a,b,…]`, each element written by `each`.
    fn list<T>(out: &mut Vec<u8>, xs: &[T], each: impl Fn(&mut Vec<u8>, &T)) {
        out.push(b'[');
        for (i, x) in xs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            each(out, x);
        }
        out.push(b']');
    }
    fn texts(out: &mut Vec<u8>, xs: &[String]) {
        list(out, xs, |out, x| text(out, x));
    }
    out.extend_from_slice(b"{\"credit_class\":");
    match &v.credit_class {
        Some(c) => text(out, c),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"items\":");
    texts(out, &v.items);
    out.extend_from_slice(b",\"name\":");
    text(out, &v.name);
    out.extend_from_slice(b",\"region\":");
    text(out, &v.region);
    out.extend_from_slice(b",\"selections\":");
    list(out, &v.selections, |out, s| {
        out.extend_from_slice(b"{\"rank\":");
        out.extend_from_slice(s.rank.to_string().as_bytes());
        out.extend_from_slice(b",\"stratum\":");
        text(out, &s.stratum);
        out.extend_from_slice(b",\"task\":");
        text(out, &s.task);
        out.extend_from_slice(b",\"ticket\":");
        text(out, &s.ticket);
        out.push(b'}');
    });
    out.extend_from_slice(b",\"teams\":");
    list(out, &v.teams, |out, t| {
        out.extend_from_slice(b"{\"category\":");
        text(out, &t.category);
        out.extend_from_slice(b",\"department\":");
        text(out, &t.department);
        out.extend_from_slice(b",\"items\":");
        texts(out, &t.items);
        out.extend_from_slice(b",\"officers\":");
        list(out, &t.officers, |out, m| {
            out.extend_from_slice(b"{\"cert_no\":");
            text(out, &m.cert_no);
            out.extend_from_slice(b",\"name\":");
            text(out, &m.name);
            out.push(b'}');
        });
        out.push(b'}');
    });
    out.extend_from_slice(b",\"uscc\":");
    text(out, &v.uscc);
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::digest::canonical_json;
    use proptest::prelude::*;

    fn visit(texts: &[String], class: Option<String>, rank: u64, n: usize) -> Visit {
        let t = |k: usize| texts[k % texts.len()].clone();
        Visit {
            uscc: t(0),
            name: t(1),
            region: t(2),
            credit_class: class,
            items: (0..n).map(|k| t(3 + k)).collect(),
            selections: (0..n)
                .map(|k| Selection {
                    task: t(4 + k),
                    stratum: t(5 + k),
                    rank: rank + k as u64,
                    ticket: t(6 + k),
                })
                .collect(),
            teams: (0..n)
                .map(|k| Team {
                    department: t(7 + k),
                    category: t(8 + k),
                    items: (0..k).map(|j| t(9 + j)).collect(),
                    officers: (0..n)
                        .map(|j| TeamMember {
                            cert_no: t(10 + j),
                            name: t(11 + j),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn direct(v: &Visit) -> String {
        let mut out = Vec::new();
        visit_json(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_visit_is_written_as_its_canonical_json() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/youyu-forestry.result.json"
        ))
        .unwrap();
        let r = DrawResult::from_json(&text).unwrap();
        assert!(!r.visits.is_empty());
        for v in &r.visits {
            assert_eq!(direct(v), canonical_json(v));
        }
        let odd: Vec<String> = [
            "",
            "\"\\",
            "\u{0}\u{1f}\u{7f}\n\r\t\u{8}\u{c}",
            "\u{202e}名称",
            "</script>&<",
        ]
        .map(String::from)
        .to_vec();
        for n in 0..3 {
            for class in [None, Some("A".to_string())] {
                let v = visit(&odd, class, u64::MAX - 3, n);
                assert_eq!(direct(&v), canonical_json(&v));
            }
        }
    }

    proptest! {
        #[test]
        fn any_visit_is_written_as_its_canonical_json(
            texts in proptest::collection::vec(any::<String>(), 1..8),
            class in proptest::option::of(any::<String>()),
            rank in any::<u64>(),
            n in 0usize..4,
        ) {
            let v = visit(&texts, class, rank.saturating_sub(4), n);
            prop_assert_eq!(direct(&v), canonical_json(&v));
        }
    }
}
