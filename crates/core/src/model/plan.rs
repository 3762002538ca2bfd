//! The plan (抽查计划): metadata, input files, rules and tasks, read from TOML.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, DiagnosticKind, Error, Position, Result};
use crate::model::{
    Batch, CreditClass, Date, IdScheme, Ratio, Registry, SeedSource, day_start_beijing,
};

/// How the CSV inputs are encoded.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// assert_eq!(ds.plan().inputs.encoding, shuangsuiji::model::Encoding::Auto);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 (with or without BOM) if the bytes are valid UTF-8, else GB18030
    /// (a superset of GBK), which is what Excel in China writes.
    #[default]
    Auto,
    /// UTF-8, with or without BOM.
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK (decoded as GB18030, its superset).
    Gbk,
    /// GB18030.
    Gb18030,
}

/// What happens when two tasks of one plan draw the same entity.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// assert_eq!(ds.plan().rules.overlap, shuangsuiji::model::Overlap::Joint);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    /// Merge into one joint visit (进一次门、查多项事).
    #[default]
    Joint,
    /// The later task takes its next entity instead.
    Next,
}

/// How each item's count is split into strata.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// assert_eq!(ds.plan().rules.stratify, shuangsuiji::model::Stratify::Region);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stratify {
    /// One stratum per region (largest-remainder allocation).
    #[default]
    Region,
    /// One stratum for the whole eligible base.
    None,
}

/// A named entity flag, for directed draws.
///
/// ```
/// use shuangsuiji::model::FlagName;
/// assert_eq!(serde_json::to_string(&FlagName::SeriousViolation).unwrap(), "\"serious_violation\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagName {
    /// 投诉举报.
    Complaints,
    /// 经营异常.
    Abnormal,
    /// 严重违法失信.
    SeriousViolation,
}

/// The input files a plan names, relative to the plan file.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let inputs = &ds.plan().inputs;
/// assert_eq!((inputs.items.as_str(), inputs.history.as_deref()), ("items.csv", Some("history.csv")));
/// assert!(!inputs.allow_outside);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFiles {
    /// The item list (随机抽查事项清单).
    pub items: String,
    /// The officer roster (执法检查人员名录库).
    pub officers: String,
    /// The entity registry (检查对象名录库).
    pub entities: String,
    /// Past inspections (抽查记录), optional.
    #[serde(default)]
    pub history: Option<String>,
    /// Conflict pairs (回避), optional.
    #[serde(default)]
    pub conflicts: Option<String>,
    /// Encoding of the CSV files.
    #[serde(default)]
    pub encoding: Encoding,
    /// The longest line (and record) accepted in a CSV input, in bytes;
    /// larger inputs fail with a clear error instead of exhausting memory.
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: u64,
    /// Inputs may be named by absolute paths or lie outside the plan's
    /// folder (by default they must be inside it). Not part of the plan
    /// digest, as no input setting is.
    #[serde(default)]
    pub allow_outside: bool,
}

impl InputFiles {
    /// Each kind of input with the file the plan names for it, in the
    /// order items, officers, entities, history, conflicts.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let kinds = ds.plan().inputs.by_kind();
    /// assert_eq!(kinds[2], ("entities", Some(&"entities.csv".to_string())));
    /// ```
    #[doc(hidden)] // for the sibling crates; not covered by semver
    pub fn by_kind(&self) -> [(&'static str, Option<&String>); 5] {
        [
            ("items", Some(&self.items)),
            ("officers", Some(&self.officers)),
            ("entities", Some(&self.entities)),
            ("history", self.history.as_ref()),
            ("conflicts", self.conflicts.as_ref()),
        ]
    }
}

/// 1 MiB: a registry row is a few hundred bytes.
fn default_max_line_bytes() -> u64 {
    1 << 20
}

/// The rules of the draw, with the defaults DESIGN.md gives.
///
/// ```
/// use shuangsuiji::model::CreditClass;
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = &ds.plan().rules;
/// assert_eq!((r.team_size, r.max_per_year, r.cooldown_days), (2, Some(2), 365));
/// assert_eq!(r.officer_max_load, Some(12));
/// assert!(r.class_ratios[&CreditClass::D].is_one());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Officers per team and department; at least 2 (行政处罚法 Art. 42).
    #[serde(default = "default_team_size")]
    pub team_size: u32,
    /// At most this many inspections of one entity per calendar year, across
    /// items, counting history and this plan. `None`: no cap.
    #[serde(default)]
    pub max_per_year: Option<u32>,
    /// An entity inspected for the same item fewer than this many days before
    /// the period start is not eligible for it. 0: no cool-down.
    #[serde(default)]
    pub cooldown_days: u32,
    /// Two tasks drawing one entity: joint visit or next entity.
    #[serde(default)]
    pub overlap: Overlap,
    /// Officers may inspect outside their enforcement regions.
    #[serde(default)]
    pub cross_region: bool,
    /// No officer of an entity's most recent inspection may inspect it again.
    #[serde(default)]
    pub rotation: bool,
    /// At most this many visits per officer in this plan. `None`: no cap.
    #[serde(default)]
    pub officer_max_load: Option<u32>,
    /// Stratification of each item's count.
    #[serde(default)]
    pub stratify: Stratify,
    /// Ratios by credit class, replacing an item's ratio for that class.
    #[serde(default)]
    pub class_ratios: BTreeMap<CreditClass, Ratio>,
    /// Officers must hold a certificate valid through the period's last day
    /// (`period_end`), not only on the plan date. Off by default; it enters
    /// the plan's canonical JSON only when on (SPEC.md §2.3), so plans that
    /// do not set it keep their bytes and draws.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub certified_through_period_end: bool,
    /// At most this many substitutions after the draw, over all revisions
    /// (SPEC.md §13). `None`: no cap. Part of the plan's canonical JSON
    /// (and so of its digest) only when set, so plans without it keep
    /// their digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_substitutions: Option<u32>,
}

fn default_team_size() -> u32 {
    2
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            team_size: 2,
            max_per_year: None,
            cooldown_days: 0,
            overlap: Overlap::Joint,
            cross_region: false,
            rotation: false,
            officer_max_load: None,
            stratify: Stratify::Region,
            class_ratios: BTreeMap::new(),
            certified_through_period_end: false,
            max_substitutions: None,
        }
    }
}

/// A filter for directed draws (定向抽查); empty lists do not filter.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let directed = &ds.plan().tasks[10];
/// assert_eq!(directed.filter.regions, ["威远镇", "李达窑乡", "牛心堡乡"]); // sorted
/// assert!(directed.filter.is_directed());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Only entities in these regions (as [`crate::model::region_covers`] matches).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Only entities with one of these object types.
    #[serde(default)]
    pub types: Vec<String>,
    /// Only entities in these industries.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Only entities of these credit classes.
    #[serde(default)]
    pub credit_classes: Vec<CreditClass>,
    /// Only entities with at least one of these flags.
    #[serde(default)]
    pub flags: Vec<FlagName>,
}

impl Filter {
    /// Whether the filter restricts anything (a directed draw).
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert!(!ds.plan().tasks[0].filter.is_directed());
    /// assert!(shuangsuiji::model::Filter::default().regions.is_empty());
    /// ```
    pub fn is_directed(&self) -> bool {
        !(self.regions.is_empty()
            && self.types.is_empty()
            && self.industries.is_empty()
            && self.credit_classes.is_empty()
            && self.flags.is_empty())
    }
}

/// One task of the plan: an item (or a joint inspection of several items,
/// led by the first) and an optional filter.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let joint = &ds.plan().tasks[8];
/// assert_eq!(joint.items, ["YYLY-09", "YYSC-01"]);
/// assert_eq!((joint.ratio, joint.count, joint.batch), (None, None, None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Item ids; more than one makes a joint inspection (联合抽查) whose
    /// entities are drawn once under the first item's rules.
    pub items: Vec<String>,
    /// The ratio this task draws, where the lead item's list gives a range
    /// or no number (or a ratio above the list's minimum); part of the
    /// plan's canonical JSON only when set (SPEC.md §2.3, §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    /// The number of entities this task draws, where the lead item's list
    /// gives a count or no number; part of the plan's canonical JSON only
    /// when set (SPEC.md §2.3, §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// This task is batch `k` of `n` of the year: its count brings the
    /// year's draws of its items to `k/n` of the annual target, and
    /// entities drawn for its items earlier in the year are not eligible
    /// (SPEC.md §6.5). Part of the plan's canonical JSON only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// As `batch`, with the share of the annual target reached when this
    /// batch is done given as a ratio (`"60%"`). Part of the plan's
    /// canonical JSON only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_share: Option<Ratio>,
    /// The registry column whose values have their own ratios in
    /// `group_ratios` (SPEC.md §6.1): per-group ratios inside an item
    /// (三级 50 %, 二级 30 %). Part of the plan's canonical JSON only when
    /// set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupColumn>,
    /// The ratio of each value of `group_by` (values cleaned, §1.2): each
    /// value with a ratio is a ratio group of its own (SPEC.md §6.1).
    /// Part of the plan's canonical JSON only when non-empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_ratios: BTreeMap<String, Ratio>,
    /// Directed-draw filter.
    #[serde(default, flatten)]
    pub filter: Filter,
}

/// A registry column a task can give per-value ratios for (SPEC.md §6.1).
///
/// ```
/// use shuangsuiji::model::GroupColumn;
/// assert_eq!(GroupColumn::Types.as_str(), "types");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupColumn {
    /// The entity's object types (a list: the entity's group is its type
    /// with the largest ratio, SPEC.md §6.1).
    Types,
    /// The entity's industry.
    Industry,
    /// The entity's region.
    Region,
}

impl GroupColumn {
    /// The column's name as the plan writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            GroupColumn::Types => "types",
            GroupColumn::Industry => "industry",
            GroupColumn::Region => "region",
        }
    }
}

impl Task {
    /// The task's key: its item ids joined by `+`.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(&ds.plan().tasks[8].key(), "YYLY-09+YYSC-01");
    /// ```
    pub fn key(&self) -> String {
        self.items.join("+")
    }

    /// The share of the year's target this task reaches, as a fraction
    /// `(p, q)`, when it is a batch (SPEC.md §6.5): `k/n` for `batch`,
    /// `a/10^s` for `year_share`; `None` for an ordinary task.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let mut task = ds.plan().tasks[0].clone();
    /// assert_eq!(task.year_fraction(), None);
    /// task.batch = Some("2/4".parse().unwrap());
    /// assert_eq!(task.year_fraction(), Some((2, 4)));
    /// ```
    pub fn year_fraction(&self) -> Option<(u64, u64)> {
        match (self.batch, self.year_share) {
            (Some(b), _) => Some((u64::from(b.k), u64::from(b.n))),
            (None, Some(r)) => Some((r.numerator(), r.denominator())),
            (None, None) => None,
        }
    }
}

/// How the notices present the plan (落款 and contacts): presentation only,
/// never part of the plan's canonical JSON, digest or draw (SPEC.md §2.3).
/// Read from the optional `[notice]` table of the plan file.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let n = &ds.plan().notice;
/// assert_eq!(n.document_number.as_deref(), Some("右林发〔2026〕15号（虚构示例）"));
/// assert_eq!(n.issue_date.unwrap().to_string(), "2026-09-28");
/// assert!(n.issuer.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeInfo {
    /// Document number (文号), e.g. `右林发〔2026〕15号`.
    #[serde(default)]
    pub document_number: Option<String>,
    /// The issuing authority (落款), when it differs from `plan.authority`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The issue date (成文日期) shown under the issuer.
    #[serde(default)]
    pub issue_date: Option<Date>,
    /// Contact for questions (联系人及电话).
    #[serde(default)]
    pub contact: Option<String>,
    /// Where to complain or report (监督电话、投诉举报渠道).
    #[serde(default)]
    pub complaint_channel: Option<String>,
    /// Per task (plan order), what the notices show of its number when it
    /// is not simply the item's ratio: the number drawn beside the item
    /// list's wording as published (SPEC.md §1.4). Not read from the
    /// `[notice]` table: filled when the dataset loads (from the item list
    /// and the tasks); empty when every task draws its lead item's plain
    /// ratio, so the notices of such plans keep their bytes.
    #[serde(skip)]
    pub task_numbers: Vec<Option<TaskNumberNote>>,
}

/// A task's number as the notices show it (see
/// [`NoticeInfo::task_numbers`]).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// // every sample task draws its item's plain ratio: nothing to note
/// assert!(ds.plan().notice.task_numbers.iter().all(Option::is_none));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskNumberNote {
    /// The number drawn, as computed: `25%`, `4户`.
    pub number: String,
    /// The lead item's ratio cell as the item list published it
    /// (`10%-30%`, `不少于3户`, `根据实际情况确定`).
    pub list: String,
    /// `k/n` of a batch task, or its year share as a percentage.
    pub batch: Option<String>,
    /// A task with per-group ratios (SPEC.md §6.1): its `group_by`
    /// column and each value with its ratio as a percentage (`50%`), in
    /// value order; `None` for other tasks.
    pub groups: Option<(String, Vec<(String, String)>)>,
}

impl NoticeInfo {
    /// Whether the plan has no `[notice]` table (the task numbers, which
    /// do not come from it, are not looked at).
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert!(!ds.plan().notice.table_is_empty());
    /// assert!(shuangsuiji::model::NoticeInfo::default().table_is_empty());
    /// ```
    pub fn table_is_empty(&self) -> bool {
        self.document_number.is_none()
            && self.issuer.is_none()
            && self.issue_date.is_none()
            && self.contact.is_none()
            && self.complaint_channel.is_none()
    }
}

/// How inspection results are recorded and published: presentation and
/// workflow only, never part of the plan's canonical JSON, digest or draw.
/// Read from the optional `[results]` table of the plan file.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = &ds.plan().results;
/// assert_eq!((r.outcomes.len(), r.outcomes_en.len()), (7, 7));
/// assert_eq!(r.due_working_days, 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsConfig {
    /// The outcome vocabulary (检查结果用语); empty: the market regulator's
    /// standard list.
    #[serde(default)]
    pub outcomes: Vec<String>,
    /// English labels of `outcomes`, in the same order (optional).
    #[serde(default)]
    pub outcomes_en: Vec<String>,
    /// Working days after the inspection date by which its result must be
    /// public (default 20).
    #[serde(default = "default_due_working_days")]
    pub due_working_days: u32,
    /// Extra public holidays (days off) beyond the shipped calendar.
    #[serde(default)]
    pub holidays: Vec<Date>,
    /// Extra make-up working days (调休上班) beyond the shipped calendar.
    #[serde(default)]
    pub workdays: Vec<Date>,
}

fn default_due_working_days() -> u32 {
    20
}

impl Default for ResultsConfig {
    fn default() -> Self {
        ResultsConfig {
            outcomes: Vec::new(),
            outcomes_en: Vec::new(),
            due_working_days: default_due_working_days(),
            holidays: Vec::new(),
            workdays: Vec::new(),
        }
    }
}

/// A plan: metadata, inputs, rules and tasks.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let p = ds.plan();
/// assert_eq!(p.id, "YYLY-2026-Q4");
/// assert_eq!((p.period_start.to_string(), p.date.to_string()), ("2026-10-01".into(), "2026-10-09".into()));
/// assert_eq!(p.tasks.len(), 11);
/// assert!(p.seed_sources.is_empty()); // the seed source is described in words only
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
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
    /// The plan date: certificates must be valid on it. Defaults to
    /// `period_start`.
    pub date: Date,
    /// The announced public source of the seed (e.g. a lottery draw).
    pub seed_source: String,
    /// The declared seed sources (`[[seed_sources]]`, SPEC.md §3.1), in
    /// seed-text order; empty when the plan declares none (the seed is
    /// then free text counted by the digit rule).
    pub seed_sources: Vec<SeedSource>,
    /// Input files.
    pub inputs: InputFiles,
    /// The registry's id scheme (`[registry]`, SPEC.md §1.8); `uscc` when
    /// the plan has no such table.
    #[serde(default)]
    pub registry: Registry,
    /// Rules.
    pub rules: Rules,
    /// Tasks; when the plan lists none, one undirected task per item.
    pub tasks: Vec<Task>,
    /// The `[notice]` table: presentation only (not in the digest).
    #[serde(default)]
    pub notice: NoticeInfo,
    /// The `[results]` table: results workflow only (not in the digest).
    #[serde(default)]
    pub results: ResultsConfig,
    /// What the published folder leaves out (`[disclosure]`); not part of
    /// the plan digest.
    pub disclosure: Disclosure,
}

/// What the published folder leaves out (`[disclosure]` of the plan).
/// Withholding never changes the draw, only what the public can check:
/// every verifier then says what it could not check.
///
/// ```
/// let plan = shuangsuiji::Plan::from_toml("plan.toml", r#"
/// [plan]
/// id = "P"
/// title = "T"
/// authority = "A"
/// period_start = 2026-10-01
/// period_end = 2026-12-31
/// seed_source = "dice"
/// [inputs]
/// items = "i.csv"
/// officers = "o.csv"
/// entities = "e.csv"
/// conflicts = "c.csv"
/// [disclosure]
/// withhold = ["conflicts"]
/// "#).unwrap();
/// assert_eq!(plan.disclosure.withhold, ["conflicts"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Inputs published by digest only: `history` and/or `conflicts`.
    #[serde(default)]
    pub withhold: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    plan: RawMeta,
    inputs: InputFiles,
    #[serde(default)]
    rules: Rules,
    #[serde(default)]
    tasks: Vec<Task>,
    #[serde(default)]
    disclosure: Disclosure,
    #[serde(default)]
    seed_sources: Vec<SeedSource>,
    #[serde(default)]
    notice: NoticeInfo,
    #[serde(default)]
    results: ResultsConfig,
    #[serde(default)]
    registry: RawRegistry,
}

/// `[registry]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    #[serde(default)]
    scheme: IdScheme,
    #[serde(default)]
    pattern: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: String,
    title: String,
    authority: String,
    period_start: Date,
    period_end: Date,
    #[serde(default)]
    date: Option<Date>,
    seed_source: String,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// The line of `key = …` inside `[section]` (or the first `[[section]]`),
/// for positions of validation errors.
fn locate(text: &str, section: &str, key: &str) -> Option<u64> {
    let mut in_section = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let name = t.trim_matches(|c| c == '[' || c == ']').trim();
            in_section = name == section;
            continue;
        }
        if in_section
            && let Some((k, _)) = t.split_once('=')
            && k.trim() == key
        {
            return Some(i as u64 + 1);
        }
    }
    None
}

impl Plan {
    /// Read and validate a plan from TOML text. `file` names the plan in
    /// diagnostics. Every problem is reported in one error.
    ///
    /// ```
    /// use shuangsuiji::Plan;
    /// let plan = Plan::from_toml("plan.toml", r#"
    /// [plan]
    /// id = "T-1"
    /// title = "test"
    /// authority = "某县林业局"
    /// period_start = 2026-10-01
    /// period_end = 2026-12-31
    /// seed_source = "dice rolled in public"
    /// [inputs]
    /// items = "items.csv"
    /// officers = "officers.csv"
    /// entities = "entities.csv"
    /// "#).unwrap();
    /// assert_eq!(plan.rules.team_size, 2);
    /// assert_eq!(plan.date, plan.period_start);
    /// ```
    pub fn from_toml(file: &str, text: &str) -> Result<Plan> {
        let raw: RawPlan = toml::from_str(text).map_err(|e| {
            let mut pos = Position::file(file);
            if let Some(span) = e.span() {
                pos = pos.at_line(line_of(text, span.start));
            }
            let msg = e.message().trim().to_string();
            Error::input(vec![Diagnostic::error(DiagnosticKind::Plan, pos, msg)])
        })?;
        let mut diags = Vec::new();
        let at = |section: &str, key: &str| {
            let mut p = Position::file(file).with_field(format!("{section}.{key}"));
            if let Some(l) = locate(text, section, key) {
                p = p.at_line(l);
            }
            p
        };
        for w in &raw.disclosure.withhold {
            if w != "history" && w != "conflicts" {
                diags.push(Diagnostic::error(
                    DiagnosticKind::Plan,
                    at("disclosure", "withhold"),
                    format!(
                        "disclosure.withhold: '{w}' cannot be withheld; only \"history\" and \"conflicts\" can (the item list, roster and registry are always published)"
                    ),
                ));
            }
        }
        let mut registry = Registry {
            scheme: raw.registry.scheme,
            pattern: None,
        };
        if let Some(p) = &raw.registry.pattern {
            if registry.is_uscc() {
                diags.push(Diagnostic::error(
                    DiagnosticKind::Plan,
                    at("registry", "pattern"),
                    "registry.pattern applies to a code scheme (project, grid, site, code); unified social credit codes are checked by GB 32100-2015",
                ));
            } else {
                match crate::model::canonical_pattern(p) {
                    Ok(p) => registry.pattern = Some(p),
                    Err(msg) => diags.push(Diagnostic::error(
                        DiagnosticKind::Plan,
                        at("registry", "pattern"),
                        msg,
                    )),
                }
            }
        }
        let m = raw.plan;
        for (key, value) in [
            ("id", &m.id),
            ("title", &m.title),
            ("authority", &m.authority),
            ("seed_source", &m.seed_source),
        ] {
            if value.trim().is_empty() {
                diags.push(Diagnostic::error(
                    DiagnosticKind::MissingValue,
                    at("plan", key),
                    format!("plan.{key} is empty"),
                ));
            }
        }
        if m.period_end < m.period_start {
            diags.push(Diagnostic::error(
                DiagnosticKind::InvalidDate,
                at("plan", "period_end"),
                format!(
                    "period_end {} is before period_start {}",
                    m.period_end, m.period_start
                ),
            ));
        }
        let r = &raw.rules;
        if r.team_size < 2 {
            diags.push(Diagnostic::error(
                DiagnosticKind::TeamTooSmall,
                at("rules", "team_size"),
                format!(
                    "team_size is {}; the law requires at least 2 officers (行政处罚法 Art. 42)",
                    r.team_size
                ),
            ));
        }
        if r.max_per_year == Some(0) {
            diags.push(Diagnostic::error(
                DiagnosticKind::InvalidNumber,
                at("rules", "max_per_year"),
                "max_per_year is 0: no entity could be inspected; omit it for no cap",
            ));
        }
        if r.officer_max_load == Some(0) {
            diags.push(Diagnostic::error(
                DiagnosticKind::InvalidNumber,
                at("rules", "officer_max_load"),
                "officer_max_load is 0: no officer could inspect; omit it for no cap",
            ));
        }
        for (i, t) in raw.tasks.iter().enumerate() {
            let mut dup = t.items.clone();
            dup.sort();
            dup.dedup();
            if t.items.is_empty() || dup.len() != t.items.len() {
                let mut p = Position::file(file).with_field(format!("tasks[{}].items", i + 1));
                if let Some(l) = nth_task_line(text, i) {
                    p = p.at_line(l);
                }
                diags.push(Diagnostic::error(
                    DiagnosticKind::InvalidValue,
                    p,
                    if t.items.is_empty() {
                        "a task must name at least one item".to_string()
                    } else {
                        format!("task names an item twice: {}", t.items.join(", "))
                    },
                ));
            }
        }
        for (i, t) in raw.tasks.iter().enumerate() {
            if let Some(msg) = group_problem(t, i + 1) {
                let mut p = Position::file(file).with_field(format!(
                    "tasks[{}].{}",
                    i + 1,
                    if t.group_by.is_some() {
                        "group_ratios"
                    } else {
                        "group_by"
                    }
                ));
                if let Some(l) = nth_task_line(text, i) {
                    p = p.at_line(l);
                }
                diags.push(Diagnostic::error(DiagnosticKind::InvalidValue, p, msg));
            }
        }
        let date = m.date.unwrap_or(m.period_start);
        for (i, s) in raw.seed_sources.iter().enumerate() {
            if let Some(msg) = source_problem(s, date) {
                let mut p = Position::file(file).with_field(format!("seed_sources[{}]", i + 1));
                if let Some(l) = nth_header_line(text, "[[seed_sources]]", i) {
                    p = p.at_line(l);
                }
                diags.push(Diagnostic::error(DiagnosticKind::InvalidValue, p, msg));
            }
        }
        if !diags.is_empty() {
            return Err(Error::input(diags));
        }
        let tasks = raw
            .tasks
            .into_iter()
            .map(|mut t| {
                // item order matters (the first leads); filter lists are sets
                t.items = t
                    .items
                    .iter()
                    .map(|s| crate::model::text::clean_id(s))
                    .collect();
                let f = &mut t.filter;
                for list in [&mut f.regions, &mut f.types, &mut f.industries] {
                    *list = list
                        .iter()
                        .map(|s| crate::model::text::clean(s))
                        .filter(|s| !s.is_empty())
                        .collect();
                    list.sort();
                    list.dedup();
                }
                t.group_ratios = std::mem::take(&mut t.group_ratios)
                    .into_iter()
                    .map(|(k, v)| (crate::model::text::clean(&k), v))
                    .collect();
                f.credit_classes.sort();
                f.credit_classes.dedup();
                f.flags.sort();
                f.flags.dedup();
                t
            })
            .collect();
        Ok(Plan {
            id: m.id.trim().to_string(),
            title: m.title.trim().to_string(),
            authority: m.authority.trim().to_string(),
            period_start: m.period_start,
            period_end: m.period_end,
            date,
            seed_source: m.seed_source.trim().to_string(),
            seed_sources: raw.seed_sources,
            inputs: raw.inputs,
            registry,
            rules: raw.rules,
            tasks,
            disclosure: raw.disclosure,
            notice: trim_notice(raw.notice),
            results: raw.results,
        })
    }

    /// The 1-based line of the `n`th (0-based) `[[tasks]]` header.
    pub(crate) fn task_line(text: &str, n: usize) -> Option<u64> {
        nth_task_line(text, n)
    }
}

/// What is wrong with the per-group ratios of task `n` (1-based), as
/// written (SPEC.md §1.7).
fn group_problem(t: &Task, n: usize) -> Option<String> {
    let Some(col) = t.group_by else {
        return (!t.group_ratios.is_empty()).then(|| {
            format!(
                "task {n} gives group_ratios without group_by; state the registry column they are values of: group_by = \"types\", \"industry\" or \"region\""
            )
        });
    };
    if t.group_ratios.is_empty() {
        return Some(format!(
            "task {n} states group_by = \"{}\" without group_ratios; give a ratio per value, e.g. group_ratios = {{ \"三级\" = \"50%\" }}",
            col.as_str()
        ));
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for k in t.group_ratios.keys() {
        let c = crate::model::text::clean(k);
        if c.is_empty() {
            return Some(format!("task {n}: a value of group_ratios is empty"));
        }
        if let Some(prev) = seen.insert(c.clone(), k) {
            return Some(format!(
                "task {n}: group_ratios names the value '{c}' twice ('{prev}' and '{k}')"
            ));
        }
    }
    None
}

/// What is wrong with a declared seed source of a plan dated `date`.
fn source_problem(s: &SeedSource, date: Date) -> Option<String> {
    match s {
        SeedSource::Dice { count, faces } => {
            if !(1..=1000).contains(count) {
                return Some(format!("dice: count {count} is not in 1–1000"));
            }
            if !(2..=1000).contains(faces) {
                return Some(format!("dice: faces {faces} is not in 2–1000"));
            }
        }
        SeedSource::Lottery {
            game,
            issue,
            draw_date,
        } => {
            if issue.is_empty() || issue.len() > 12 || !issue.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!(
                    "{}: issue '{issue}' is not 1–12 ASCII digits",
                    game.code()
                ));
            }
            if *draw_date < date {
                return Some(format!(
                    "{} {issue}: draw_date {draw_date} is before the plan date {date}: the result may already be known when the plan is committed",
                    game.code()
                ));
            }
        }
        SeedSource::Drand { round } => {
            let Some(t) = s.published_at() else {
                return Some(format!("drand {round}: rounds are numbered from 1"));
            };
            if i64::try_from(t).unwrap_or(i64::MAX) < day_start_beijing(date) {
                return Some(format!(
                    "drand {round}: the round is published at {}, before the plan date {date} begins (00:00 +08:00): choose a later round",
                    crate::model::beijing_time(t)
                ));
            }
        }
        SeedSource::Text { description } => {
            if description.trim().is_empty() {
                return Some("text: description is empty".to_string());
            }
        }
    }
    None
}

/// The 1-based line of the `n`th (0-based) line equal to `header`.
fn nth_header_line(text: &str, header: &str, n: usize) -> Option<u64> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(n)
        .map(|(i, _)| i as u64 + 1)
}

/// Notice strings trimmed; empty ones dropped.
fn trim_notice(n: NoticeInfo) -> NoticeInfo {
    let t = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    NoticeInfo {
        document_number: t(n.document_number),
        issuer: t(n.issuer),
        issue_date: n.issue_date,
        contact: t(n.contact),
        complaint_channel: t(n.complaint_channel),
        task_numbers: n.task_numbers,
    }
}

/// The line of `items = …` in the `n`th (0-based) `[[tasks]]` table, or of
/// its header when it has no such line.
fn nth_task_line(text: &str, n: usize) -> Option<u64> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[tasks]]")
        .nth(n)
        .map(|(i, _)| i)?;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let t = l.trim();
        if t.starts_with('[') {
            break;
        }
        if t.split_once('=').is_some_and(|(k, _)| k.trim() == "items") {
            return Some(i as u64 + 1);
        }
    }
    Some(start as u64 + 1)
}
