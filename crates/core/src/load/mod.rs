//! Loading a plan and its inputs from readers, with cross-validation.

pub(crate) mod decode;
#[cfg(feature = "fs")]
pub mod open;
pub(crate) mod records;
pub(crate) mod sheet;
mod summary;
pub(crate) mod table;

pub use crate::stream::{LoadOptions, SpillFile, SpillStore, StreamStats, load_streaming};
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use sheet::{SPREADSHEET_EXTENSIONS, is_spreadsheet, split_input_name};
pub use summary::{OfficerSummary, Summary, TaskSummary};
pub use table::FileReport;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Read};

use crate::commit::digest::{InputDigests, digest_records, digest_records_in, hex, plan_digest};
use crate::error::{Diagnostic, DiagnosticKind as K, Error, Position, Result};

use crate::Plan;
use crate::model::{Conflict, Entity, HistoryRecord, Item, Officer, Task};
use table::{Field, Table};

/// A validated plan with all its inputs, sorted by id, and their digests.
///
/// Records are held in canonical order (items by id, officers by
/// certificate number, entities by code, history by entity, item and date,
/// conflicts by officer and entity), so the order of rows in the files can
/// never matter.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// assert_eq!(ds.plan().id, "YYLY-2026-Q4");
/// assert_eq!(ds.files().len(), 5);
/// assert_eq!(ds.registry_len(), ds.entities().len() as u64);
/// assert!(ds.entities().windows(2).all(|w| w[0].uscc < w[1].uscc)); // canonical order
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The plan; its `tasks` are filled in (one per item) when the file
    /// lists none.
    pub(crate) plan: Plan,
    /// The item list.
    pub(crate) items: Vec<Item>,
    /// The officer roster.
    pub(crate) officers: Vec<Officer>,
    /// The entity registry.
    pub(crate) entities: Vec<Entity>,
    /// Past inspections.
    pub(crate) history: Vec<HistoryRecord>,
    /// Conflict pairs.
    pub(crate) conflicts: Vec<Conflict>,
    /// Digests of the plan and inputs.
    pub(crate) digests: InputDigests,
    /// What was read from each file (empty when built from parts).
    pub(crate) files: Vec<FileReport>,
    /// Warnings (the inputs are usable; see each message).
    pub(crate) warnings: Vec<Diagnostic>,
    /// Entities in the registry (`entities.len()`, unless streamed).
    registry: u64,
}

/// Line numbers of records, for cross-reference diagnostics.
#[derive(Default, Clone)]
struct Lines {
    files: [String; 5],
    lines: [Vec<u64>; 5],
}

impl Lines {
    fn pos(&self, kind: usize, idx: usize, field: &str) -> Position {
        let mut p = Position::file(&self.files[kind]).with_field(field);
        if let Some(l) = self.lines[kind].get(idx) {
            p = p.at_line(*l);
        }
        p
    }
}

pub(crate) const ITEMS: usize = 0;
pub(crate) const OFFICERS: usize = 1;
pub(crate) const ENTITIES: usize = 2;
pub(crate) const HISTORY: usize = 3;
pub(crate) const CONFLICTS: usize = 4;

#[allow(clippy::too_many_arguments)]
fn read_table<R: Read, T>(
    file: &str,
    kind: &'static str,
    source: R,
    plan: &Plan,
    fields: &'static [Field],
    parse: impl Fn(&crate::load::table::Row<'_>, &mut Vec<Diagnostic>) -> Option<T>,
    allow_empty: bool,
    diags: &mut Vec<Diagnostic>,
    reports: &mut Vec<FileReport>,
) -> (String, Vec<(u64, T)>) {
    let enc = plan.inputs.encoding;
    let mut table = match Table::open(file, kind, source, enc, plan.inputs.max_line_bytes, fields) {
        Ok(t) => t,
        Err(d) => {
            // the name positions give (a spreadsheet's names its sheet)
            let shown = d.first().map_or(file, |d| d.position.file.as_str());
            let shown = shown.to_string();
            diags.extend(d);
            return (shown, Vec::new());
        }
    };
    let shown = table.file().to_string();
    let mut out = Vec::new();
    while table.next_row(enc, |row, local| {
        let before = local.len();
        let rec = parse(row, local);
        if local.len() == before
            && let Some(r) = rec
        {
            out.push((row.line, r));
        }
    }) {}
    let records = table.report.records;
    let (report, d) = table.finish();
    diags.extend(d);
    if records == 0 && !allow_empty {
        diags.push(Diagnostic::error(
            K::EmptyFile,
            Position::file(&shown),
            "the file has a header but no records",
        ));
    }
    reports.push(report);
    (shown, out)
}

/// Open `name` with `open`, turning failure into a diagnostic positioned at
/// the plan key that names it.
fn open_input<'a>(
    open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    name: &str,
    plan_file: &str,
    plan_text: &str,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Box<dyn Read + 'a>> {
    match open(name) {
        Ok(r) => Some(r),
        Err(e) => {
            let mut p = Position::file(plan_file).with_field(format!("inputs.{key}"));
            if let Some(l) = locate_key(plan_text, "inputs", key) {
                p = p.at_line(l);
            }
            diags.push(Diagnostic::error(
                K::Plan,
                p,
                format!(
                    "cannot open {key} file '{name}': {}",
                    match e.kind() {
                        io::ErrorKind::NotFound => "no such file".to_string(),
                        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                        _ => e.to_string(),
                    }
                ),
            ));
            None
        }
    }
}

fn locate_key(text: &str, section: &str, key: &str) -> Option<u64> {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t.trim_matches(|c| c == '[' || c == ']').trim() == section;
        } else if inside && t.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return Some(i as u64 + 1);
        }
    }
    None
}

/// What the registry contributes to validation when it was streamed, not
/// held (see `crate::stream`).
#[derive(Debug, Default)]
pub(crate) struct StreamedEntities {
    /// Codes referenced by history and conflicts (each with its index)
    /// and, by index, whether the registry has it; `None` checks no
    /// reference (a preliminary build).
    pub known: Option<(rustc_hash::FxHashMap<String, usize>, Vec<bool>)>,
    /// Every object type of the registry.
    pub types: BTreeSet<String>,
    /// Every region of the registry.
    pub regions: BTreeSet<String>,
    /// Every industry of the registry.
    pub industries: BTreeSet<String>,
    /// The digest of the registry.
    pub digest: [u8; 32],
    /// Duplicate codes, with the messages the in-memory loader gives.
    pub duplicates: Vec<Diagnostic>,
    /// Entities in the registry.
    pub count: u64,
}

/// The registry, held or streamed.
pub(crate) enum EntityInput {
    Held(Vec<Entity>),
    Streamed(StreamedEntities),
}

/// A plan and its small inputs read, before cross-validation.
#[derive(Clone)]
pub(crate) struct Parts {
    pub plan: Plan,
    pub items: Vec<Item>,
    pub officers: Vec<Officer>,
    pub history: Vec<HistoryRecord>,
    pub conflicts: Vec<Conflict>,
    lines: Lines,
    pub reports: Vec<FileReport>,
    pub diags: Vec<Diagnostic>,
}

impl Parts {
    pub(crate) fn new(plan: Plan) -> Parts {
        Parts {
            plan,
            items: Vec::new(),
            officers: Vec::new(),
            history: Vec::new(),
            conflicts: Vec::new(),
            lines: Lines::default(),
            reports: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// De-duplicate the history in place, in the order a dataset holds it,
    /// reporting each duplicate (a build then finds none).
    pub(crate) fn dedup_history(&mut self) {
        let history = std::mem::take(&mut self.history);
        self.history = dedup_history(history, &mut self.lines, &mut self.diags);
    }

    /// Name input `idx` in positions as `shown` (a spreadsheet's name
    /// with its sheet, `lists.xlsx[事项清单]`).
    pub(crate) fn set_shown(&mut self, idx: usize, shown: String) {
        self.lines.files[idx] = shown;
    }

    /// Open an input of kind `idx`, reporting failure.
    pub(crate) fn open<'a>(
        &mut self,
        idx: usize,
        plan_file: &str,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) -> Option<Box<dyn Read + 'a>> {
        let inputs = &self.plan.inputs;
        let (key, name) = match idx {
            ITEMS => ("items", Some(&inputs.items)),
            OFFICERS => ("officers", Some(&inputs.officers)),
            ENTITIES => ("entities", Some(&inputs.entities)),
            HISTORY => ("history", inputs.history.as_ref()),
            _ => ("conflicts", inputs.conflicts.as_ref()),
        };
        let name = name?.clone();
        self.lines.files[idx] = name.clone();
        let (path, _) = split_input_name(&name);
        open_input(open, path, plan_file, plan_text, key, &mut self.diags)
    }

    /// Read the whole registry into memory.
    fn load_entities<'a>(
        &mut self,
        plan_file: &str,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) -> Vec<Entity> {
        let Some(src) = self.open(ENTITIES, plan_file, plan_text, open) else {
            return Vec::new();
        };
        let name = self.lines.files[ENTITIES].clone();
        let registry = self.plan.registry.clone();
        let rows = read_table(
            &name,
            "entities",
            src,
            &self.plan,
            records::entity_fields(registry.scheme),
            |r, d| Some(records::entity(r, d, &registry)),
            false,
            &mut self.diags,
            &mut self.reports,
        );
        self.lines.files[ENTITIES] = rows.0;
        let (l, r): (Vec<u64>, Vec<_>) = rows.1.into_iter().unzip();
        self.lines.lines[ENTITIES] = l;
        r
    }

    /// Read one of the small inputs (items, officers, history, conflicts).
    pub(crate) fn load_table<'a>(
        &mut self,
        idx: usize,
        plan_file: &str,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) {
        let Some(src) = self.open(idx, plan_file, plan_text, open) else {
            return;
        };
        let name = self.lines.files[idx].clone();
        let scheme = self.plan.registry.scheme;
        macro_rules! read {
            ($kind:literal, $fields:expr, $parse:expr, $allow_empty:expr) => {{
                let rows = read_table(
                    &name,
                    $kind,
                    src,
                    &self.plan,
                    $fields,
                    $parse,
                    $allow_empty,
                    &mut self.diags,
                    &mut self.reports,
                );
                self.lines.files[idx] = rows.0;
                let (l, r): (Vec<u64>, Vec<_>) = rows.1.into_iter().unzip();
                self.lines.lines[idx] = l;
                r
            }};
        }
        match idx {
            ITEMS => {
                self.items = read!(
                    "items",
                    records::ITEM_FIELDS,
                    |r, d| Some(records::item(r, d)),
                    false
                )
            }
            OFFICERS => {
                self.officers = read!(
                    "officers",
                    records::OFFICER_FIELDS,
                    |r, d| Some(records::officer(r, d)),
                    false
                )
            }
            HISTORY => {
                self.history = read!(
                    "history",
                    records::history_fields(scheme),
                    |r, d| records::history(r, d, scheme),
                    true
                )
            }
            _ => {
                self.conflicts = read!(
                    "conflicts",
                    records::conflict_fields(scheme),
                    |r, d| Some(records::conflict(r, d, scheme)),
                    true
                )
            }
        }
    }

    /// Cross-validate and finish.
    pub(crate) fn build(
        self,
        plan_file: &str,
        plan_text: &str,
        entities: EntityInput,
    ) -> Result<Dataset> {
        self.build_with_history(plan_file, plan_text, entities, None)
    }

    /// [`Parts::build`], validating `history` (when given) in place of
    /// the parts' own: the dataset's `history` is then empty. The
    /// streaming draw holds a province's history once this way, for the
    /// dataset it draws from and the one it returns. `history` must be
    /// these parts' own after [`Parts::dedup_history`] (its duplicates
    /// are reported there, and `lines` number its records).
    pub(crate) fn build_with_history(
        self,
        plan_file: &str,
        plan_text: &str,
        entities: EntityInput,
        history: Option<&[HistoryRecord]>,
    ) -> Result<Dataset> {
        build(
            self.plan,
            plan_file,
            plan_text,
            self.items,
            self.officers,
            entities,
            self.history,
            history,
            self.conflicts,
            self.lines,
            self.reports,
            self.diags,
        )
    }
}

/// Read access to what was loaded. The fields are private so that a
/// dataset always holds exactly what its digests describe: it is built and
/// validated once (by [`Dataset::load`], [`Dataset::open`]
/// or [`Dataset::from_parts`]) and cannot be edited afterwards.
///
/// ```
/// use shuangsuiji::Dataset;
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// assert_eq!(ds.plan().id, "YYLY-2026-Q4");
/// assert_eq!(ds.items().len(), 12);
/// assert_eq!(ds.entities().len(), 2000);
/// assert!(!ds.officers().is_empty() && !ds.history().is_empty() && !ds.conflicts().is_empty());
/// assert_eq!(ds.digests().plan.len(), 64);
/// assert_eq!(ds.files().len(), 5);
/// assert!(ds.warnings().iter().all(|w| !w.is_error()));
/// ```
impl Dataset {
    /// The plan; its `tasks` are filled in (one per item) when the file
    /// lists none.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The item list, sorted by id.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The officer roster, sorted by certificate number.
    pub fn officers(&self) -> &[Officer] {
        &self.officers
    }

    /// The entity registry, sorted by code (empty when the registry was
    /// streamed: see [`Dataset::registry_len`]).
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Past inspections, sorted by entity, item and date.
    pub fn history(&self) -> &[HistoryRecord] {
        &self.history
    }

    /// Conflict pairs, sorted by officer and entity.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Digests of the plan and every input (SPEC §2).
    pub fn digests(&self) -> &InputDigests {
        &self.digests
    }

    /// What was read from each file (empty when built from parts).
    pub fn files(&self) -> &[FileReport] {
        &self.files
    }

    /// Warnings (the inputs are usable; see each message).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// For a published folder that withholds an input (its records are not
    /// in the folder): take that input's digest from the commitment or the
    /// result, as the verifiers do; `input` is `"history"` or
    /// `"conflicts"`. The draw then runs without those records, so only
    /// the checks that do not need them are meaningful.
    #[doc(hidden)] // for shuangsuiji-disclose's bundle verification
    pub fn assume_withheld_digest(&mut self, input: &str, digest: String) {
        match input {
            "history" => self.digests.history = digest,
            _ => self.digests.conflicts = digest,
        }
    }
}

impl Dataset {
    /// Read a plan (TOML text) and every input it names, opening each file
    /// name with `open` (the caller decides how names resolve, e.g. relative
    /// to the plan's folder). Every problem in every file is collected and
    /// returned in one [`Error`] of kind [`crate::ErrorKind::Input`].
    ///
    /// ```
    /// use std::io::Read;
    /// use shuangsuiji::Dataset;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// let ds = Dataset::load("plan.toml", &text, |name| {
    ///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    /// }).unwrap();
    /// assert!(ds.entities().len() > 1000);
    /// assert_eq!(ds.digests().entities.len(), 64);
    /// ```
    pub fn load<'a, F>(plan_file: &str, plan_text: &str, mut open: F) -> Result<Dataset>
    where
        F: FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    {
        let plan = Plan::from_toml(plan_file, plan_text)?;
        let mut parts = Parts::new(plan);
        parts.load_table(ITEMS, plan_file, plan_text, &mut open);
        parts.load_table(OFFICERS, plan_file, plan_text, &mut open);
        let entities = parts.load_entities(plan_file, plan_text, &mut open);
        parts.load_table(HISTORY, plan_file, plan_text, &mut open);
        parts.load_table(CONFLICTS, plan_file, plan_text, &mut open);
        parts.build(plan_file, plan_text, EntityInput::Held(entities))
    }

    /// Validate records given directly (for programs that hold them already).
    /// Positions in diagnostics name the kind (`items`, `entities` …) and the
    /// record's 1-based index plus one, as if it were a CSV with a header.
    ///
    /// ```
    /// use shuangsuiji::Dataset;
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let again = Dataset::from_parts(ds.plan().clone(), ds.items().to_vec(), ds.officers().to_vec(),
    ///     ds.entities().to_vec(), ds.history().to_vec(), ds.conflicts().to_vec()).unwrap();
    /// assert_eq!(again.digests(), ds.digests()); // the digests are of the records, not the bytes
    /// let mut items = ds.items().to_vec();
    /// items.push(items[0].clone()); // a duplicate id
    /// assert!(Dataset::from_parts(ds.plan().clone(), items, vec![], vec![], vec![], vec![]).is_err());
    /// ```
    pub fn from_parts(
        plan: Plan,
        items: Vec<Item>,
        officers: Vec<Officer>,
        entities: Vec<Entity>,
        history: Vec<HistoryRecord>,
        conflicts: Vec<Conflict>,
    ) -> Result<Dataset> {
        let mut lines = Lines::default();
        let counts = [
            items.len(),
            officers.len(),
            entities.len(),
            history.len(),
            conflicts.len(),
        ];
        for (i, name) in ["items", "officers", "entities", "history", "conflicts"]
            .iter()
            .enumerate()
        {
            lines.files[i] = (*name).to_string();
            lines.lines[i] = (2..counts[i] as u64 + 2).collect();
        }
        build(
            plan,
            "plan",
            "",
            items,
            officers,
            EntityInput::Held(entities),
            history,
            None,
            conflicts,
            lines,
            Vec::new(),
            Vec::new(),
        )
    }

    /// Entities in the registry: `entities.len()`, or for a dataset from
    /// [`crate::load::load_streaming`] (whose `entities` is empty) the number
    /// read.
    ///
    /// ```
    /// use shuangsuiji::{Dataset, LoadOptions};
    /// use shuangsuiji::load::load_streaming;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// let open = |name: &str| {
    ///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>)
    /// };
    /// let held = Dataset::load("plan.toml", &text, open).unwrap();
    /// let streamed = load_streaming("plan.toml", &text, open, LoadOptions::default()).unwrap();
    /// assert_eq!(held.registry_len(), 2000);
    /// assert_eq!(streamed.registry_len(), 2000);
    /// assert!(streamed.entities().is_empty());
    /// ```
    pub fn registry_len(&self) -> u64 {
        self.registry
    }

    /// The officer with this certificate number.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.officer("14062301001").unwrap().name, "周桂兰");
    /// assert!(ds.officer("0").is_none());
    /// ```
    pub fn officer(&self, cert_no: &str) -> Option<&Officer> {
        self.officers
            .binary_search_by(|o| o.cert_no.as_str().cmp(cert_no))
            .ok()
            .map(|i| &self.officers[i])
    }

    /// The entity with this code.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.entity("91140623MA0THC3AXR").unwrap().region, "右卫镇");
    /// assert!(ds.entity("91140623MA0THC3AXA").is_none());
    /// ```
    pub fn entity(&self, uscc: &str) -> Option<&Entity> {
        self.entities
            .binary_search_by(|e| e.uscc.as_str().cmp(uscc))
            .ok()
            .map(|i| &self.entities[i])
    }

    /// The item with this id.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.item("YYSC-01").unwrap().id, "YYSC-01");
    /// assert!(ds.item("NOPE").is_none());
    /// ```
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.items[i])
    }

    /// Whether an officer's certificate is valid and the officer active on
    /// the plan date.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let eligible = ds.officers().iter().filter(|o| ds.officer_eligible(o)).count();
    /// assert_eq!(eligible as u64, ds.summary().officers.eligible);
    /// ```
    pub fn officer_eligible(&self, o: &Officer) -> bool {
        o.active && o.cert_expiry.is_none_or(|d| d >= self.cert_valid_from())
    }

    /// The first day an officer's certificate must still be valid on
    /// (SPEC.md §8.2): the plan date, or with
    /// `rules.certified_through_period_end` the later of the plan date and
    /// the period's end.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.cert_valid_from(), ds.plan().date); // certified_through_period_end is off
    /// ```
    pub fn cert_valid_from(&self) -> crate::model::Date {
        if self.plan.rules.certified_through_period_end {
            self.plan.date.max(self.plan.period_end)
        } else {
            self.plan.date
        }
    }
}

/// The history without duplicate inspections, in the order a dataset
/// holds it (by uscc, item and date); each duplicate is reported, with
/// the line of the first.
fn dedup_history(
    history: Vec<HistoryRecord>,
    lines: &mut Lines,
    diags: &mut Vec<Diagnostic>,
) -> Vec<HistoryRecord> {
    dedup_by_key(
        history,
        lines,
        HISTORY,
        "date",
        |h| format!("{} / {} / {}", h.uscc, h.item, h.date),
        "inspection",
        diags,
    )
}

/// Sort by key and report duplicates (keeping the first).
fn dedup_by_key<T>(
    v: Vec<T>,
    lines: &mut Lines,
    kind: usize,
    field: &str,
    key: impl Fn(&T) -> String,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let ls = std::mem::take(&mut lines.lines[kind]);
    // each key once (a key may be formatted): sorting compares 2·n·log n
    let keys: Vec<String> = v.iter().map(&key).collect();
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let mut keep = vec![false; v.len()];
    let mut new_lines = Vec::with_capacity(v.len());
    let mut first: Option<usize> = None;
    for &i in &idx {
        match first {
            Some(f) if keys[f] == keys[i] => {
                let mut p = Position::file(&lines.files[kind]).with_field(field);
                if let Some(l) = ls.get(i) {
                    p = p.at_line(*l);
                }
                let also = ls
                    .get(f)
                    .map(|l| format!(" (already on line {l})"))
                    .unwrap_or_default();
                diags.push(Diagnostic::error(
                    K::DuplicateId,
                    p,
                    format!("duplicate {what} '{}'{also}", keys[i]),
                ));
            }
            _ => {
                first = Some(i);
                keep[i] = true;
                new_lines.push(ls.get(i).copied().unwrap_or(0));
            }
        }
    }
    let mut slots: Vec<Option<T>> = v.into_iter().map(Some).collect();
    let out = idx
        .iter()
        .filter(|&&i| keep[i])
        .filter_map(|&i| slots[i].take())
        .collect();
    lines.lines[kind] = new_lines;
    out
}

#[allow(clippy::too_many_arguments)]
fn build(
    mut plan: Plan,
    plan_file: &str,
    plan_text: &str,
    items: Vec<Item>,
    officers: Vec<Officer>,
    entities: EntityInput,
    history: Vec<HistoryRecord>,
    borrowed_history: Option<&[HistoryRecord]>,
    conflicts: Vec<Conflict>,
    mut lines: Lines,
    files: Vec<FileReport>,
    mut diags: Vec<Diagnostic>,
) -> Result<Dataset> {
    // A file with errors lost its bad records, and a file that could not
    // be opened (an error at the plan's `inputs.<key>`) has none:
    // references into it are not checked, so one mistake is reported
    // once, not again at every use.
    let failed = |kind: usize, key: &str| {
        let opening = format!("inputs.{key}");
        diags.iter().any(|d| {
            d.is_error()
                && (d.position.file == lines.files[kind]
                    || (d.position.file == plan_file
                        && d.position.field.as_deref() == Some(opening.as_str())))
        })
    };
    let (items_ok, officers_ok, entities_ok) = (
        failed(ITEMS, "items"),
        failed(OFFICERS, "officers"),
        failed(ENTITIES, "entities"),
    );
    let (items_ok, officers_ok, entities_ok) = (!items_ok, !officers_ok, !entities_ok);
    let items = dedup_by_key(
        items,
        &mut lines,
        ITEMS,
        "id",
        |i| i.id.clone(),
        "item id",
        &mut diags,
    );
    let officers = dedup_by_key(
        officers,
        &mut lines,
        OFFICERS,
        "cert_no",
        |o| o.cert_no.clone(),
        "certificate number",
        &mut diags,
    );
    let scheme = plan.registry.scheme;
    let unit = records::unit_field(scheme);
    // how messages name a unit that history or conflicts reference
    let unit_word = if scheme == crate::model::IdScheme::Uscc {
        "entity"
    } else {
        scheme.label_en()
    };
    let (entities, streamed) = match entities {
        EntityInput::Held(v) => {
            let v = dedup_by_key(
                v,
                &mut lines,
                ENTITIES,
                unit,
                |e| e.uscc.clone(),
                scheme.label_en(),
                &mut diags,
            );
            (v, None)
        }
        EntityInput::Streamed(mut s) => {
            diags.append(&mut s.duplicates);
            (Vec::new(), Some(s))
        }
    };
    let history = match borrowed_history {
        None => dedup_history(history, &mut lines, &mut diags),
        // de-duplicated by `Parts::dedup_history`; the dataset's is empty
        Some(_) => Vec::new(),
    };
    let hist: &[HistoryRecord] = borrowed_history.unwrap_or(&history);
    let conflicts = dedup_by_key(
        conflicts,
        &mut lines,
        CONFLICTS,
        unit,
        |c| format!("{} / {}", c.cert_no, c.uscc),
        "conflict pair",
        &mut diags,
    );

    let item_ids: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let officer_ids: BTreeSet<&str> = officers.iter().map(|o| o.cert_no.as_str()).collect();
    let entity_ids: HashSet<&str> = entities.iter().map(|e| e.uscc.as_str()).collect();
    let has_entity = |uscc: &str| match &streamed {
        None => entity_ids.contains(uscc),
        Some(s) => s
            .known
            .as_ref()
            .is_none_or(|(index, found)| index.get(uscc).is_some_and(|&i| found[i])),
    };

    // references from history and conflicts (only meaningful when the
    // referenced files themselves were read)
    {
        for (i, h) in hist.iter().enumerate() {
            if entities_ok && !has_entity(h.uscc.as_str()) {
                diags.push(Diagnostic::error(
                    K::UnknownReference,
                    lines.pos(HISTORY, i, unit),
                    format!(
                        "{unit_word} '{}' is not in {}",
                        h.uscc, lines.files[ENTITIES]
                    ),
                ));
            }
            if items_ok && !item_ids.contains(h.item.as_str()) {
                diags.push(Diagnostic::error(
                    K::UnknownReference,
                    lines.pos(HISTORY, i, "item"),
                    format!("item '{}' is not in {}", h.item, lines.files[ITEMS]),
                ));
            }
            for o in &h.officers {
                if officers_ok && !officer_ids.contains(o.as_str()) {
                    diags.push(Diagnostic::error(
                        K::UnknownReference,
                        lines.pos(HISTORY, i, "officers"),
                        format!("officer '{o}' is not in {}", lines.files[OFFICERS]),
                    ));
                }
            }
        }
        for (i, c) in conflicts.iter().enumerate() {
            if officers_ok && !officer_ids.contains(c.cert_no.as_str()) {
                diags.push(Diagnostic::error(
                    K::UnknownReference,
                    lines.pos(CONFLICTS, i, "cert_no"),
                    format!(
                        "officer '{}' is not in {}",
                        c.cert_no, lines.files[OFFICERS]
                    ),
                ));
            }
            if entities_ok && !has_entity(c.uscc.as_str()) {
                diags.push(Diagnostic::error(
                    K::UnknownReference,
                    lines.pos(CONFLICTS, i, unit),
                    format!(
                        "{unit_word} '{}' is not in {}",
                        c.uscc, lines.files[ENTITIES]
                    ),
                ));
            }
        }
    }

    // categories: every item's category must be held by some officer
    let held: BTreeSet<&str> = officers
        .iter()
        .flat_map(|o| o.categories.iter().map(String::as_str))
        .collect();
    if officers_ok {
        for (i, it) in items.iter().enumerate() {
            if !held.contains(it.category.as_str()) {
                diags.push(Diagnostic::error(
                    K::UnknownReference,
                    lines.pos(ITEMS, i, "category"),
                    format!(
                        "category '{}' of item {} is held by no officer in {}",
                        it.category, it.id, lines.files[OFFICERS]
                    ),
                ));
            }
        }
    }
    // object types matched by no entity: a warning
    let types: BTreeSet<&str> = match &streamed {
        None => entities
            .iter()
            .flat_map(|e| e.types.iter().map(String::as_str))
            .collect(),
        Some(s) => s.types.iter().map(String::as_str).collect(),
    };
    if entities_ok {
        for (i, it) in items.iter().enumerate() {
            if !it.object_types.iter().any(|t| types.contains(t.as_str())) {
                diags.push(Diagnostic::warning(
                    K::UnknownReference,
                    lines.pos(ITEMS, i, "object_types"),
                    format!(
                        "no entity in {} has object type {} of item {}",
                        lines.files[ENTITIES],
                        it.object_types.join("/"),
                        it.id
                    ),
                ));
            }
        }
    }
    // per-group ratios whose value no entity has: a warning (SPEC.md §6.1)
    if entities_ok {
        use crate::model::GroupColumn;
        for (n, t) in plan.tasks.iter().enumerate() {
            let Some(col) = t.group_by else { continue };
            for v in t.group_ratios.keys() {
                let has = match (&streamed, col) {
                    (None, GroupColumn::Types) => entities.iter().any(|e| e.types.contains(v)),
                    (None, GroupColumn::Region) => entities.iter().any(|e| &e.region == v),
                    (None, GroupColumn::Industry) => entities.iter().any(|e| &e.industry == v),
                    (Some(s), GroupColumn::Types) => s.types.contains(v),
                    (Some(s), GroupColumn::Region) => s.regions.contains(v),
                    (Some(s), GroupColumn::Industry) => s.industries.contains(v),
                };
                if !has {
                    let mut p = Position::file(plan_file)
                        .with_field(format!("tasks[{}].group_ratios", n + 1));
                    if let Some(l) = Plan::task_line(plan_text, n) {
                        p = p.at_line(l);
                    }
                    diags.push(Diagnostic::warning(
                        K::UnknownReference,
                        p,
                        format!(
                            "no entity in {} has {} '{v}': the ratio of this group draws nothing",
                            lines.files[ENTITIES],
                            col.as_str()
                        ),
                    ));
                }
            }
        }
    }
    // expired certificates: a warning; such officers are not eligible
    for (i, o) in officers.iter().enumerate() {
        if let Some(exp) = o.cert_expiry
            && exp < plan.date
            && o.active
        {
            diags.push(Diagnostic::warning(
                    K::ExpiredCertificate,
                    lines.pos(OFFICERS, i, "cert_expiry"),
                    format!("certificate {} of {} expired on {exp}, before the plan date {}; this officer is not eligible", o.cert_no, o.name, plan.date),
                ));
        } else if let Some(exp) = o.cert_expiry
            && exp < plan.period_end
            && o.active
        {
            let msg = if plan.rules.certified_through_period_end {
                format!(
                    "certificate {} of {} expires on {exp}, before the period ends on {}; this officer is not eligible (rules.certified_through_period_end)",
                    o.cert_no, o.name, plan.period_end
                )
            } else {
                format!(
                    "certificate {} of {} expires on {exp}, inside the period {} to {}; the officer can be assigned visits after that day (renew it, or set rules.certified_through_period_end = true)",
                    o.cert_no, o.name, plan.date, plan.period_end
                )
            };
            diags.push(Diagnostic::warning(
                K::CertificateExpiresInPeriod,
                lines.pos(OFFICERS, i, "cert_expiry"),
                msg,
            ));
        }
    }

    // tasks
    let generated = plan.tasks.is_empty();
    if plan.tasks.is_empty() {
        plan.tasks = items
            .iter()
            .map(|i| Task {
                items: vec![i.id.clone()],
                ratio: None,
                count: None,
                batch: None,
                year_share: None,
                group_by: None,
                group_ratios: Default::default(),
                filter: Default::default(),
            })
            .collect();
    } else if items_ok {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (n, t) in plan.tasks.iter().enumerate() {
            let mut pos = Position::file(plan_file).with_field(format!("tasks[{}].items", n + 1));
            if let Some(l) = Plan::task_line(plan_text, n) {
                pos = pos.at_line(l);
            }
            for id in &t.items {
                if !item_ids.contains(id.as_str()) {
                    diags.push(Diagnostic::error(
                        K::UnknownReference,
                        pos.clone(),
                        format!("item '{id}' is not in {}", lines.files[ITEMS]),
                    ));
                }
                if let Some(prev) = seen.insert(id.as_str(), n) {
                    diags.push(Diagnostic::error(
                        K::InvalidValue,
                        pos.clone(),
                        format!("item '{id}' is already drawn by task {}; an item may be drawn once per plan", prev + 1),
                    ));
                }
            }
        }
    }

    if items_ok {
        task_numbers(
            &plan, plan_file, plan_text, &items, generated, &lines, &mut diags,
        );
    }

    silent_semantics(
        &plan, plan_file, plan_text, &items, &officers, &entities, hist, &lines, &mut diags,
    );

    // keep file order, then line order, for stable output
    diags.sort_by(|a, b| {
        file_rank(&lines, plan_file, &a.position)
            .cmp(&file_rank(&lines, plan_file, &b.position))
            .then(a.position.line.cmp(&b.position.line))
    });
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Error::input(diags));
    }

    let prefix = plan.registry.scheme.prefix();
    let digests = InputDigests {
        plan: hex(&plan_digest(&plan)),
        items: hex(&digest_records(&items)),
        officers: hex(&digest_records(&officers)),
        entities: hex(&match &streamed {
            None => digest_records_in(&entities, prefix),
            Some(s) => s.digest,
        }),
        history: hex(&digest_records_in(hist, prefix)),
        conflicts: hex(&digest_records_in(&conflicts, prefix)),
    };
    let registry = match &streamed {
        None => entities.len() as u64,
        Some(s) => s.count,
    };
    plan.notice.task_numbers = task_notes(&plan, &items);
    Ok(Dataset {
        plan,
        items,
        officers,
        entities,
        history,
        conflicts,
        digests,
        files,
        warnings: diags,
        registry,
    })
}

/// What the notices show of each task's number (SPEC.md §1.4): for a task
/// that states its own number, is a batch, or whose lead item's cell is
/// not a plain ratio, the number drawn beside the list's wording; `None`
/// for the others, and an empty list when every task is plain (so that
/// the notices of such plans keep their bytes).
fn task_notes(plan: &Plan, items: &[Item]) -> Vec<Option<crate::model::TaskNumberNote>> {
    use crate::model::ItemRatio;
    let notes: Vec<Option<crate::model::TaskNumberNote>> = plan
        .tasks
        .iter()
        .map(|t| {
            let lead = t
                .items
                .first()
                .and_then(|id| items.iter().find(|i| &i.id == id))?;
            let cell = &lead.ratio;
            let plain = matches!(cell.ratio, ItemRatio::Exact(_)) && cell.frequency.is_empty();
            if plain
                && t.ratio.is_none()
                && t.count.is_none()
                && t.year_fraction().is_none()
                && t.group_by.is_none()
            {
                return None;
            }
            let number = match (t.ratio, t.count, cell.ratio) {
                (Some(r), _, _) => r.to_string(),
                (None, Some(n), _) => format!("{n}户"),
                (None, None, ItemRatio::Exact(r)) => r.to_string(),
                (None, None, ItemRatio::Count { n, .. }) => format!("{n}户"),
                (None, None, ItemRatio::Range { min, .. }) => min.to_string(),
                (None, None, ItemRatio::Unspecified | ItemRatio::PerGroup) => "100%".to_string(),
            };
            Some(crate::model::TaskNumberNote {
                number,
                list: cell.text.clone(),
                batch: match (t.batch, t.year_share) {
                    (Some(b), _) => Some(b.to_string()),
                    (None, Some(r)) => Some(r.to_string()),
                    (None, None) => None,
                },
                groups: t.group_by.map(|col| {
                    (
                        col.as_str().to_string(),
                        t.group_ratios
                            .iter()
                            .map(|(v, r)| (v.clone(), r.to_string()))
                            .collect(),
                    )
                }),
            })
        })
        .collect();
    if notes.iter().all(Option::is_none) {
        Vec::new()
    } else {
        notes
    }
}

/// The number each task draws against what its lead item's list allows
/// (SPEC.md §6.2): a range or no number needs the task's number; a task's
/// ratio may not fall below a list's minimum or outside its range, nor its
/// count differ from a list's count or fall below a list's minimum.
fn task_numbers(
    plan: &Plan,
    plan_file: &str,
    plan_text: &str,
    items: &[Item],
    generated: bool,
    lines: &Lines,
    diags: &mut Vec<Diagnostic>,
) {
    use crate::model::ItemRatio;
    for (n, t) in plan.tasks.iter().enumerate() {
        let Some((row, lead)) = t
            .items
            .first()
            .and_then(|id| items.iter().enumerate().find(|(_, i)| &i.id == id))
        else {
            continue;
        };
        let pos = |field: &str| {
            if generated {
                return lines.pos(ITEMS, row, "ratio");
            }
            let mut p = Position::file(plan_file).with_field(format!("tasks[{}].{field}", n + 1));
            if let Some(l) = Plan::task_line(plan_text, n) {
                p = p.at_line(l);
            }
            p
        };
        let task = n + 1;
        let id = &lead.id;
        let cell = &lead.ratio.text;
        let mut err = |field: &str, msg: String| {
            diags.push(Diagnostic::error(K::InvalidValue, pos(field), msg));
        };
        if t.batch.is_some() && t.year_share.is_some() {
            err(
                "year_share",
                format!("task {task} states both batch and year_share; state one"),
            );
        }
        match (lead.ratio.ratio, t.ratio, t.count) {
            (_, Some(_), Some(_)) => err(
                "count",
                format!("task {task} states both ratio and count; state one"),
            ),
            (ItemRatio::Range { min, max }, None, None) => err(
                "ratio",
                format!(
                    "item {id} gives the range '{cell}': the task must state the ratio it draws, from {min} to {max}, e.g. ratio = \"{min}\""
                ),
            ),
            (ItemRatio::Unspecified, None, None) => err(
                "ratio",
                format!(
                    "item {id} gives no number ('{cell}'): the task must state the ratio or the count it draws, e.g. ratio = \"5%\" or count = 10"
                ),
            ),
            (ItemRatio::PerGroup, None, None) => err(
                "ratio",
                format!(
                    "item {id} gives ratios per group ('{cell}'): the task must state the ratio it draws (for the objects in no group it names, when it also gives group_by and group_ratios, e.g. group_ratios = {{ \"三级\" = \"50%\" }}), e.g. ratio = \"5%\", or the count it draws, e.g. count = 10"
                ),
            ),
            (ItemRatio::Exact(min), Some(r), None) if r < min => err(
                "ratio",
                format!("ratio {r} of task {task} is below the minimum {min} of item {id}"),
            ),
            (ItemRatio::Range { min, max }, Some(r), None) if r < min || r > max => err(
                "ratio",
                format!(
                    "ratio {r} of task {task} is outside the range {min} to {max} of item {id} ('{cell}')"
                ),
            ),
            (ItemRatio::Count { .. }, Some(_), None) => err(
                "ratio",
                format!("item {id} gives a count ('{cell}'): state count, not ratio"),
            ),
            (ItemRatio::Exact(_) | ItemRatio::Range { .. }, None, Some(_)) => err(
                "count",
                format!("item {id} gives a ratio ('{cell}'): state ratio, not count"),
            ),
            (
                ItemRatio::Count {
                    n: c,
                    at_least: false,
                },
                None,
                Some(k),
            ) if k != c => err(
                "count",
                format!(
                    "count {k} of task {task} differs from the count {c} of item {id} ('{cell}')"
                ),
            ),
            (
                ItemRatio::Count {
                    n: c,
                    at_least: true,
                },
                None,
                Some(k),
            ) if k < c => err(
                "count",
                format!(
                    "count {k} of task {task} is below the minimum {c} of item {id} ('{cell}')"
                ),
            ),
            (ItemRatio::Unspecified | ItemRatio::PerGroup, None, Some(0)) => err(
                "count",
                format!("count 0 of task {task} draws nothing; state a count above 0"),
            ),
            _ => {}
        }
        // a per-group cell's minimums hold for the plan's group ratios
        if lead.ratio.ratio == ItemRatio::PerGroup {
            for (value, r) in &t.group_ratios {
                for g in &lead.ratio.groups {
                    if let Some(min) = g.min
                        && g.names(value)
                        && *r < min
                    {
                        err(
                            "group_ratios",
                            format!(
                                "ratio {r} of '{value}' in task {task} is below the minimum {min} item {id} gives for '{label}' ('{cell}')",
                                label = g.label
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn file_rank(lines: &Lines, plan_file: &str, p: &Position) -> usize {
    if p.file == plan_file {
        return 0;
    }
    lines
        .files
        .iter()
        .position(|f| *f == p.file)
        .map_or(6, |i| i + 1)
}

/// Warnings for inputs that are valid but would otherwise pass without a
/// word (TESTING.md "Hostile surroundings: the rules"): an item drawn with
/// `max = 0`, history dated on or after the period start, and names that
/// must match each other (regions, categories, departments) spelled with
/// CJK compatibility characters.
#[allow(clippy::too_many_arguments)]
fn silent_semantics(
    plan: &Plan,
    plan_file: &str,
    plan_text: &str,
    items: &[Item],
    officers: &[Officer],
    entities: &[Entity],
    hist: &[HistoryRecord],
    lines: &Lines,
    diags: &mut Vec<Diagnostic>,
) {
    use crate::model::ItemLevel;
    use crate::model::text::{compat_skeleton, spelling};
    // an item that a task draws, capped at 0
    let drawn: BTreeSet<&str> = plan
        .tasks
        .iter()
        .flat_map(|t| t.items.iter().map(String::as_str))
        .collect();
    for (i, it) in items.iter().enumerate() {
        if it.max_count == Some(0)
            && it.level == ItemLevel::General
            && drawn.contains(it.id.as_str())
        {
            diags.push(Diagnostic::warning(
                K::InvalidValue,
                lines.pos(ITEMS, i, "max"),
                format!(
                    "item {} has max = 0: it draws no entity; leave it out of the plan's tasks if it is not to be drawn, or give it a maximum above 0",
                    it.id
                ),
            ));
        }
    }
    // history from the period or after it: counted as past inspections
    let late: Vec<usize> = hist
        .iter()
        .enumerate()
        .filter(|(_, h)| h.date >= plan.period_start)
        .map(|(i, _)| i)
        .collect();
    if let Some(&first) = late.first() {
        diags.push(Diagnostic::warning(
            K::InvalidValue,
            lines.pos(HISTORY, first, "date"),
            format!(
                "{} record{} of the history {} dated on or after the period start {} (this one {}), yet {} counted as past inspections (cool-down, yearly cap); check the plan's period_start and the history",
                late.len(),
                if late.len() == 1 { "" } else { "s" },
                if late.len() == 1 { "is" } else { "are" },
                plan.period_start,
                hist[first].date,
                if late.len() == 1 { "it is" } else { "they are" },
            ),
        ));
    }
    // names that must match, spelled with compatibility characters
    let task_pos = |n: usize| {
        let mut p = Position::file(plan_file).with_field(format!("tasks[{}].regions", n + 1));
        if let Some(l) = Plan::task_line(plan_text, n) {
            p = p.at_line(l);
        }
        p
    };
    let mut regions: Vec<(&str, Position)> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, e) in entities.iter().enumerate() {
        if seen.insert(e.region.as_str()) {
            regions.push((&e.region, lines.pos(ENTITIES, i, "region")));
        }
    }
    for (i, o) in officers.iter().enumerate() {
        for r in &o.regions {
            if seen.insert(r.as_str()) {
                regions.push((r, lines.pos(OFFICERS, i, "regions")));
            }
        }
    }
    for (n, t) in plan.tasks.iter().enumerate() {
        for r in &t.filter.regions {
            if seen.insert(r.as_str()) {
                regions.push((r, task_pos(n)));
            }
        }
    }
    let mut categories: Vec<(&str, Position)> = Vec::new();
    let mut departments: Vec<(&str, Position)> = Vec::new();
    let (mut seen_c, mut seen_d) = (BTreeSet::new(), BTreeSet::new());
    for (i, it) in items.iter().enumerate() {
        if seen_c.insert(it.category.as_str()) {
            categories.push((&it.category, lines.pos(ITEMS, i, "category")));
        }
        if seen_d.insert(it.department.as_str()) {
            departments.push((&it.department, lines.pos(ITEMS, i, "department")));
        }
    }
    for (i, o) in officers.iter().enumerate() {
        for c in &o.categories {
            if seen_c.insert(c.as_str()) {
                categories.push((c, lines.pos(OFFICERS, i, "categories")));
            }
        }
        if seen_d.insert(o.department.as_str()) {
            departments.push((&o.department, lines.pos(OFFICERS, i, "department")));
        }
    }
    for (what, names) in [
        ("region", regions),
        ("category", categories),
        ("department", departments),
    ] {
        // spellings by what they look like, in first-seen order
        let mut alike: BTreeMap<String, Vec<&(&str, Position)>> = BTreeMap::new();
        for n in &names {
            alike
                .entry(compat_skeleton(n.0).into_owned())
                .or_default()
                .push(n);
        }
        for (skeleton, group) in &alike {
            if group.len() < 2 {
                continue;
            }
            // the plain spelling if there is one, else the first
            let plain = group
                .iter()
                .find(|(v, _)| v == skeleton)
                .unwrap_or(&group[0]);
            for odd in group.iter().filter(|(v, _)| *v != plain.0) {
                let at = |p: &Position| match p.line {
                    Some(l) => format!("{}:{l}", p.file),
                    None => p.file.clone(),
                };
                diags.push(Diagnostic::warning(
                    K::InvalidValue,
                    odd.1.clone(),
                    format!(
                        "{what} {} and {} in {} look the same but differ: a CJK compatibility character is not the ideograph it looks like, so they never match (nothing is normalised); retype one of them",
                        spelling(odd.0, plain.0),
                        spelling(plain.0, odd.0),
                        at(&plain.1),
                    ),
                ));
            }
        }
    }
}
