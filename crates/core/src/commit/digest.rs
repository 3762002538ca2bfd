//! Canonical encodings and SHA-256 digests of the inputs (SPEC.md §2).
//!
//! Each record is encoded as a sequence of fields, each field written as its
//! UTF-8 byte length (u32, big-endian) followed by its bytes, after a tag
//! written the same way. The record hash is SHA-256 of that encoding. A
//! file's digest is SHA-256 of its tag, the record count (u64, big-endian)
//! and the record hashes sorted in ascending byte order. Row order, column
//! order, header language, quoting and encoding therefore cannot change a
//! digest; any change of a value that is read does.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Plan;
use crate::model::{Conflict, Entity, HistoryRecord, Item, Officer};

/// The algorithm namespace every tag starts with.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const TAG_PREFIX: &str = "shuangsuiji/v1/";

/// Append a length-prefixed field.
pub(crate) fn put(buf: &mut Vec<u8>, field: &str) {
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(field.as_bytes());
}

fn bool_field(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn opt_num(n: Option<u64>) -> String {
    n.map(|v| v.to_string()).unwrap_or_default()
}

/// A record kind with a canonical encoding.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub trait Canonical {
    /// The record tag, e.g. `shuangsuiji/v1/record/entity`.
    const RECORD_TAG: &'static str;
    /// The file tag, e.g. `shuangsuiji/v1/file/entities`.
    const FILE_TAG: &'static str;
    /// The fields, in canonical order, as normalised strings.
    fn fields(&self) -> Vec<String>;

    /// The fields when the registry's id scheme puts `prefix` before every
    /// unit id (SPEC.md §1.8: `project:` …; empty for USCCs). Records
    /// without a unit id ignore it.
    fn fields_in(&self, prefix: &str) -> Vec<String> {
        let _ = prefix;
        self.fields()
    }

    /// SHA-256 of the tag and the length-prefixed fields.
    fn record_hash(&self) -> [u8; 32] {
        self.record_hash_in("")
    }

    /// [`Canonical::record_hash`] under a registry whose unit ids take
    /// `prefix` (SPEC.md §1.8).
    fn record_hash_in(&self, prefix: &str) -> [u8; 32] {
        let mut buf = Vec::with_capacity(256);
        put(&mut buf, Self::RECORD_TAG);
        for f in self.fields_in(prefix) {
            put(&mut buf, &f);
        }
        Sha256::digest(&buf).into()
    }
}

/// Append `prefix ‖ s` as one length-prefixed field.
pub(crate) fn put2(buf: &mut Vec<u8>, prefix: &str, s: &str) {
    let len = u32::try_from(prefix.len() + s.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(prefix.as_bytes());
    buf.extend_from_slice(s.as_bytes());
}

impl Canonical for Item {
    const RECORD_TAG: &'static str = "shuangsuiji/v1/record/item";
    const FILE_TAG: &'static str = "shuangsuiji/v1/file/items";
    fn fields(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.department.clone(),
            self.legal_basis.clone(),
            self.object_types.join(";"),
            self.content.clone(),
            self.ratio.canonical(),
            opt_num(self.min_count),
            opt_num(self.max_count),
            self.method.clone(),
            self.frequency.clone(),
            self.category.clone(),
            self.level.as_str().to_string(),
        ]
    }
}

impl Canonical for Officer {
    const RECORD_TAG: &'static str = "shuangsuiji/v1/record/officer";
    const FILE_TAG: &'static str = "shuangsuiji/v1/file/officers";
    fn fields(&self) -> Vec<String> {
        vec![
            self.cert_no.clone(),
            self.name.clone(),
            self.unit.clone(),
            self.department.clone(),
            self.position.clone(),
            self.categories.join(";"),
            self.regions.join(";"),
            self.cert_expiry.map(|d| d.to_string()).unwrap_or_default(),
            bool_field(self.active).to_string(),
        ]
    }
}

/// The record hash of an entity from its parts (SPEC.md §2.1), shared by
/// the owned record and the streaming loader's borrowed view; `buf` is
/// scratch space.
#[allow(clippy::too_many_arguments)]
pub(crate) fn entity_hash<T: AsRef<str>>(
    buf: &mut Vec<u8>,
    prefix: &str,
    uscc: &str,
    name: &str,
    types: &[T],
    region: &str,
    industry: &str,
    class: Option<crate::model::CreditClass>,
    flags: crate::model::EntityFlags,
    active: bool,
) -> [u8; 32] {
    buf.clear();
    put(buf, Entity::RECORD_TAG);
    put2(buf, prefix, uscc);
    put(buf, name);
    let joined: usize =
        types.iter().map(|t| t.as_ref().len()).sum::<usize>() + types.len().saturating_sub(1);
    buf.extend_from_slice(&u32::try_from(joined).unwrap_or(u32::MAX).to_be_bytes());
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            buf.push(b';');
        }
        buf.extend_from_slice(t.as_ref().as_bytes());
    }
    put(buf, region);
    put(buf, industry);
    put(buf, class.map_or("", |c| c.as_str()));
    put(buf, bool_field(flags.complaints));
    put(buf, bool_field(flags.abnormal));
    put(buf, bool_field(flags.serious_violation));
    put(buf, bool_field(active));
    Sha256::digest(&buf[..]).into()
}

impl Canonical for Entity {
    const RECORD_TAG: &'static str = "shuangsuiji/v1/record/entity";
    const FILE_TAG: &'static str = "shuangsuiji/v1/file/entities";
    fn record_hash_in(&self, prefix: &str) -> [u8; 32] {
        entity_hash(
            &mut Vec::with_capacity(256),
            prefix,
            &self.uscc,
            &self.name,
            &self.types,
            &self.region,
            &self.industry,
            self.credit_class,
            self.flags,
            self.active,
        )
    }
    fn fields(&self) -> Vec<String> {
        self.fields_in("")
    }
    fn fields_in(&self, prefix: &str) -> Vec<String> {
        vec![
            format!("{prefix}{}", self.uscc),
            self.name.clone(),
            self.types.join(";"),
            self.region.clone(),
            self.industry.clone(),
            self.credit_class
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            bool_field(self.flags.complaints).to_string(),
            bool_field(self.flags.abnormal).to_string(),
            bool_field(self.flags.serious_violation).to_string(),
            bool_field(self.active).to_string(),
        ]
    }
}

impl Canonical for HistoryRecord {
    const RECORD_TAG: &'static str = "shuangsuiji/v1/record/history";
    const FILE_TAG: &'static str = "shuangsuiji/v1/file/history";
    fn fields(&self) -> Vec<String> {
        self.fields_in("")
    }
    fn fields_in(&self, prefix: &str) -> Vec<String> {
        vec![
            format!("{prefix}{}", self.uscc),
            self.item.clone(),
            self.date.to_string(),
            self.officers.join(";"),
        ]
    }
}

impl Canonical for Conflict {
    const RECORD_TAG: &'static str = "shuangsuiji/v1/record/conflict";
    const FILE_TAG: &'static str = "shuangsuiji/v1/file/conflicts";
    /// The reason is not part of the canonical form: it does not affect the
    /// draw and is never published.
    fn fields(&self) -> Vec<String> {
        self.fields_in("")
    }
    fn fields_in(&self, prefix: &str) -> Vec<String> {
        vec![self.cert_no.clone(), format!("{prefix}{}", self.uscc)]
    }
}

/// Order-independent digest of a set of records, fed one record hash at a
/// time.
///
/// ```
/// use shuangsuiji::commit::digest::SetDigest;
/// let (a, b) = ([1u8; 32], [2u8; 32]);
/// let mut one = SetDigest::default();
/// one.add(a);
/// one.add(b);
/// let mut other = SetDigest::default();
/// other.add(b);
/// other.add(a);
/// assert_eq!(one.finish("t"), other.finish("t")); // the order of records never matters
/// ```
#[derive(Debug, Clone, Default)]
pub struct SetDigest {
    hashes: Vec<[u8; 32]>,
}

impl SetDigest {
    /// Add one record hash.
    ///
    /// ```
    /// use shuangsuiji::commit::digest::SetDigest;
    /// let mut s = SetDigest::default();
    /// s.add([7; 32]);
    /// assert_ne!(s.finish("t"), SetDigest::default().finish("t"));
    /// ```
    pub fn add(&mut self, h: [u8; 32]) {
        self.hashes.push(h);
    }

    /// The digest under `file_tag`.
    ///
    /// ```
    /// use shuangsuiji::commit::digest::SetDigest;
    /// // the file tag separates sets of different kinds
    /// assert_ne!(SetDigest::default().finish("items"), SetDigest::default().finish("officers"));
    /// ```
    pub fn finish(mut self, file_tag: &str) -> [u8; 32] {
        self.hashes.sort_unstable();
        let mut hasher = set_hasher(file_tag, self.hashes.len() as u64);
        for h in &self.hashes {
            hasher.update(h);
        }
        hasher.finalize().into()
    }
}

/// A hasher fed with the head of a set digest: the length-prefixed file
/// tag and the record count; the sorted record hashes follow.
pub(crate) fn set_hasher(file_tag: &str, count: u64) -> Sha256 {
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    put(&mut head, file_tag);
    head.extend_from_slice(&count.to_be_bytes());
    hasher.update(&head);
    hasher
}

/// The digest of a whole set of records of one kind.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn digest_records<T: Canonical>(records: &[T]) -> [u8; 32] {
    digest_records_in(records, "")
}

/// [`digest_records`] under a registry whose unit ids take `prefix`
/// (SPEC.md §1.8; empty for USCCs).
pub fn digest_records_in<T: Canonical>(records: &[T], prefix: &str) -> [u8; 32] {
    let mut d = SetDigest::default();
    for r in records {
        d.add(r.record_hash_in(prefix));
    }
    d.finish(T::FILE_TAG)
}

/// Lower-case hex.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    hex_into(&mut s, bytes);
    s
}

/// [`hex`] appended to `s`.
pub(crate) fn hex_into(s: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
}

/// JSON with object keys sorted and no insignificant whitespace; for the
/// integers and strings used here this is RFC 8785 (JCS).
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    // serde_json::Value's map is ordered by key (no preserve_order feature)
    let v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    serde_json::to_string(&v).unwrap_or_default()
}

#[derive(Serialize)]
struct PlanCanonical<'a> {
    id: &'a str,
    title: &'a str,
    authority: &'a str,
    period_start: String,
    period_end: String,
    date: String,
    seed_source: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    seed_sources: &'a [crate::model::SeedSource],
    #[serde(skip_serializing_if = "Option::is_none")]
    registry: Option<&'a crate::model::Registry>,
    rules: &'a crate::model::Rules,
    tasks: &'a [crate::model::Task],
}

/// The canonical JSON of a plan: everything but the input file names and
/// encoding (which do not change what is drawn).
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn plan_canonical_json(plan: &Plan) -> String {
    canonical_json(&PlanCanonical {
        id: &plan.id,
        title: &plan.title,
        authority: &plan.authority,
        period_start: plan.period_start.to_string(),
        period_end: plan.period_end.to_string(),
        date: plan.date.to_string(),
        seed_source: &plan.seed_source,
        seed_sources: &plan.seed_sources,
        registry: plan.registry.declared(),
        rules: &plan.rules,
        tasks: &plan.tasks,
    })
}

/// SHA-256 of the tag `shuangsuiji/v1/plan` (length-prefixed) and the plan's
/// canonical JSON.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn plan_digest(plan: &Plan) -> [u8; 32] {
    let mut buf = Vec::new();
    put(&mut buf, "shuangsuiji/v1/plan");
    buf.extend_from_slice(plan_canonical_json(plan).as_bytes());
    Sha256::digest(&buf).into()
}

/// Digests of the plan and of every input, lower-case hex.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let d = ds.digests();
/// assert!([&d.plan, &d.items, &d.officers, &d.entities, &d.history, &d.conflicts]
///     .iter().all(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())));
/// assert_eq!(ds.commit().digests, *d);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDigests {
    /// The plan (canonical JSON).
    pub plan: String,
    /// The item list.
    pub items: String,
    /// The officer roster.
    pub officers: String,
    /// The entity registry.
    pub entities: String,
    /// The history (digest of the empty set when there is none).
    pub history: String,
    /// The conflict pairs (digest of the empty set when there are none).
    pub conflicts: String,
}
