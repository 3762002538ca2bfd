//! Verifying a published bundle (the flat folder `ssj draw --out DIR`
//! writes) from files held in memory: what `ssj verify DIR` and the offline
//! page `verify.html` run.
//!
//! [`verify_bundle`] takes the files by name ([`BundleFiles`]) and returns a
//! [`BundleVerdict`]: a list of [`Check`]s, each naming its file and saying
//! [`Status::Ok`], [`Status::Differs`] (with the first differing line of a
//! text file) or [`Status::NotChecked`] (with the reason), plus the
//! [`BundleError`]s that stopped a check (bad input, with positions).
//!
//! The checks, in order:
//!
//! 1. `SHA256SUMS`: every listed file present with that SHA-256, no other
//!    file but `SHA256SUMS` and `journal.jsonl`, lines sorted bytewise.
//! 2. `result.json` and `commitment.json` parse (else bad input, with the
//!    line and column).
//! 3. `plan.toml` and the inputs it names load; each input's digest against
//!    `result.json` (or, for a pre-draw bundle, `commitment.json`).
//! 4. The commitment against the inputs and the result, and its bytes
//!    against what `ssj commit` writes.
//! 5. The draw, re-run with the seed text of `result.json`, compared field by
//!    field (first difference named) and byte for byte.
//! 6. `result.csv`, `notice.html`, `notice.md`, `pre-draw.html`,
//!    `pre-draw.md` regenerated and compared byte for byte.
//! 7. `journal.jsonl`: each entry's hash, the chain between consecutive
//!    entries (a gap in `seq` is other plans' entries: reported, not an
//!    error), the plan id, the entry of the attempt that wrote the folder
//!    (`ok`, `output` = SHA-256 of `result.json` or `commitment.json`), and
//!    its `bundle` field (SHA-256 of `SHA256SUMS`) when present.
//!
//! Inputs withheld by the plan (`[disclosure] withhold = ["conflicts"]` or
//! `["history"]`) and absent from the bundle are reported as not checked,
//! with exactly what that leaves unchecked; the verdict is then
//! [`Outcome::PartiallyVerified`], never an exact reproduction. With
//! `conflicts` withheld the entity selection is still checked (the
//! committed digest stands in for the file); with `history` withheld only
//! the draw key is.
//!
//! `verify.html`, `ssj_verify.py` and `VERIFY.md` are covered by
//! `SHA256SUMS` only.
//!
//! [`verify_bundle`] holds the registry, as the offline page does with the
//! files it was given; it is pure (no I/O, no clock) and builds for
//! `wasm32-unknown-unknown`. [`verify_bundle_streaming`] makes the same
//! checks, with the same verdict, reading the files from a
//! [`BundleSource`] as they are needed and streaming the registry (core's
//! [`shuangsuiji::load::load_streaming`] and
//! [`shuangsuiji::draw::draw_streaming`]): memory does not grow with the
//! registry. That is what `ssj verify DIR` runs. Either way no file is held
//! whole but the small ones (the plan, the commitment, `SHA256SUMS`, the
//! journal, the revisions) and, when it is needed (a difference, inputs
//! withheld, revisions), `result.json`: each file's SHA-256 is taken as it
//! is read for a check, and regenerated files are compared with the
//! published ones as they are written.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::io::{self, Read};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// Everything this module takes from the engine, in one place.
use shuangsuiji::commit::digest::{canonical_json, hex};
use shuangsuiji::draw::keys::draw_key;
use shuangsuiji::draw::{
    VisitList, Visits, draw_streaming_withheld, draw_unchecked, normalize_seed,
};
use shuangsuiji::journal::{JOURNAL_GENESIS, TAG_JOURNAL_ENTRY};
use shuangsuiji::load::load_streaming;
use shuangsuiji::revise::{self, Revision};
use shuangsuiji::verify::{compare_results, compare_results_with};
use shuangsuiji::{
    ALGORITHM, Commitment, Dataset, DrawResult, ErrorKind, InputDigests, LoadOptions,
};

use crate::{Format, Lang};

/// The name of the checksum file.
pub const SUMS: &str = "SHA256SUMS";
/// The name of the journal extract.
pub const JOURNAL: &str = "journal.jsonl";
/// The name of the plan.
pub const PLAN: &str = "plan.toml";
/// The name of the result.
pub const RESULT: &str = "result.json";
/// The name of the commitment.
pub const COMMITMENT: &str = "commitment.json";
/// The format name in [`BundleVerdict::to_json`].
pub const VERDICT_FORMAT: &str = "ssj-bundle-verdict-v1";

/// The files of a bundle by name (the name inside the folder, e.g.
/// `plan.toml`), held in memory.
///
/// ```
/// use shuangsuiji_disclose::bundle::BundleFiles;
/// let files: BundleFiles = [("plan.toml", b"x".to_vec())].into_iter().collect();
/// assert_eq!(files.get("plan.toml"), Some(&b"x"[..]));
/// assert_eq!(files.names().collect::<Vec<_>>(), ["plan.toml"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl BundleFiles {
    /// No files.
    ///
    /// ```
    /// assert!(shuangsuiji_disclose::bundle::BundleFiles::new().is_empty());
    /// ```
    pub fn new() -> BundleFiles {
        BundleFiles::default()
    }

    /// Add (or replace) a file; returns the bytes it replaced.
    ///
    /// ```
    /// let mut files = shuangsuiji_disclose::bundle::BundleFiles::new();
    /// assert_eq!(files.insert("a.txt", "1"), None);
    /// assert_eq!(files.insert("a.txt", "2"), Some(b"1".to_vec()));
    /// ```
    pub fn insert(&mut self, name: impl Into<String>, data: impl Into<Vec<u8>>) -> Option<Vec<u8>> {
        self.files.insert(name.into(), data.into())
    }

    /// Remove a file; returns its bytes.
    ///
    /// ```
    /// let mut files: shuangsuiji_disclose::bundle::BundleFiles = [("a.txt", "1")].into_iter().collect();
    /// assert_eq!(files.remove("a.txt"), Some(b"1".to_vec()));
    /// assert_eq!(files.remove("a.txt"), None);
    /// ```
    pub fn remove(&mut self, name: &str) -> Option<Vec<u8>> {
        self.files.remove(name)
    }

    /// The bytes of a file.
    ///
    /// ```
    /// let files: shuangsuiji_disclose::bundle::BundleFiles = [("a.txt", "1")].into_iter().collect();
    /// assert_eq!((files.get("a.txt"), files.get("b.txt")), (Some(&b"1"[..]), None));
    /// ```
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// The names, sorted bytewise.
    ///
    /// ```
    /// let files: shuangsuiji_disclose::bundle::BundleFiles = [("b", ""), ("a", "")].into_iter().collect();
    /// assert_eq!(files.names().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The number of files.
    ///
    /// ```
    /// let files: shuangsuiji_disclose::bundle::BundleFiles = [("b", ""), ("a", "")].into_iter().collect();
    /// assert_eq!(files.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    ///
    /// ```
    /// assert!(shuangsuiji_disclose::bundle::BundleFiles::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<N: Into<String>, D: Into<Vec<u8>>> FromIterator<(N, D)> for BundleFiles {
    fn from_iter<I: IntoIterator<Item = (N, D)>>(iter: I) -> Self {
        BundleFiles {
            files: iter
                .into_iter()
                .map(|(n, d)| (n.into(), d.into()))
                .collect(),
        }
    }
}

impl From<BTreeMap<String, Vec<u8>>> for BundleFiles {
    fn from(files: BTreeMap<String, Vec<u8>>) -> Self {
        BundleFiles { files }
    }
}

/// Where the files of a bundle are read from, one at a time, as the checks
/// need them: [`BundleFiles`] in memory, or a folder (`ssj verify DIR`).
/// A file may be opened several times (each read starts at its first
/// byte); the verifier holds only the small ones whole.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji_disclose::bundle::{BundleFiles, BundleSource};
/// let files: BundleFiles = [("b.txt", "2"), ("a.txt", "1")].into_iter().collect();
/// let src: &dyn BundleSource = &files;
/// assert_eq!(src.names(), ["a.txt", "b.txt"]);
/// let mut text = String::new();
/// src.open("b.txt").unwrap().unwrap().read_to_string(&mut text).unwrap();
/// assert_eq!(text, "2");
/// assert!(src.open("c.txt").is_none());
/// ```
pub trait BundleSource: Sync {
    /// The names of the files (the name inside the folder, e.g.
    /// `plan.toml`).
    fn names(&self) -> Vec<String>;

    /// A reader of the file from its first byte; `None` if the bundle has
    /// no file of that name. A read error is reported in the verdict as
    /// bad input (`cannot read: …`).
    fn open(&self, name: &str) -> Option<io::Result<Box<dyn Read + '_>>>;
}

impl BundleSource for BundleFiles {
    fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    fn open(&self, name: &str) -> Option<io::Result<Box<dyn Read + '_>>> {
        self.get(name).map(|b| Ok(Box::new(b) as Box<dyn Read>))
    }
}

/// What a check is about.
///
/// ```
/// use shuangsuiji_disclose::bundle::CheckKind;
/// assert_eq!(CheckKind::Sums.code(), "sums");
/// assert_eq!(CheckKind::InputDigest.code(), "input_digest");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A file against its line of `SHA256SUMS`, or `SHA256SUMS` itself.
    Sums,
    /// An input's digest (the plan's too) against the published one.
    InputDigest,
    /// The commitment against the inputs and the result.
    Commitment,
    /// The draw re-run and compared with `result.json`.
    Draw,
    /// A file regenerated and compared byte for byte.
    Regenerated,
    /// The journal's hashes and chain.
    Journal,
    /// The journal entry that wrote a file binds its SHA-256.
    JournalOutput,
    /// The journal entry binds `SHA256SUMS`.
    JournalBundle,
    /// An input withheld by the plan.
    Withheld,
    /// A revision (`revision-N.json`) replayed and compared (SPEC.md §13).
    Revision,
}

impl CheckKind {
    /// The stable name used in JSON.
    ///
    /// ```
    /// assert_eq!(shuangsuiji_disclose::bundle::CheckKind::Journal.code(), "journal");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            CheckKind::Sums => "sums",
            CheckKind::InputDigest => "input_digest",
            CheckKind::Commitment => "commitment",
            CheckKind::Draw => "draw",
            CheckKind::Regenerated => "regenerated",
            CheckKind::Journal => "journal",
            CheckKind::JournalOutput => "journal_output",
            CheckKind::JournalBundle => "journal_bundle",
            CheckKind::Withheld => "withheld",
            CheckKind::Revision => "revision",
        }
    }

    fn label(&self, lang: Lang) -> &'static str {
        match self {
            CheckKind::Sums => lang.t("SHA256SUMS 校验和", "SHA256SUMS checksum"),
            CheckKind::InputDigest => lang.t("输入摘要", "input digest"),
            CheckKind::Commitment => lang.t("事前承诺", "pre-draw commitment"),
            CheckKind::Draw => lang.t("重新抽取并比对", "draw re-run and compared"),
            CheckKind::Regenerated => lang.t("重新生成并逐字节比对", "regenerated, byte for byte"),
            CheckKind::Journal => lang.t("全过程记录哈希链", "journal hash chain"),
            CheckKind::JournalOutput => {
                lang.t("全过程记录绑定文件", "journal entry binds the file")
            }
            CheckKind::JournalBundle => lang.t(
                "全过程记录绑定 SHA256SUMS",
                "journal entry binds SHA256SUMS",
            ),
            CheckKind::Withheld => lang.t("未公开的输入", "withheld input"),
            CheckKind::Revision => lang.t("替补修订重算并比对", "revision replayed and compared"),
        }
    }
}

/// The outcome of one check.
///
/// ```
/// use shuangsuiji_disclose::bundle::Status;
/// assert_eq!(Status::Ok.code(), "ok");
/// assert_eq!(Status::Differs { detail: "x".into(), line: None }.code(), "differs");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The published file agrees.
    Ok,
    /// It does not.
    Differs {
        /// What differs, in English, with the values.
        detail: String,
        /// The 1-based first differing line of a text file.
        line: Option<u64>,
    },
    /// Not checked (the file is absent, withheld, or the check needs
    /// something that differs already).
    NotChecked {
        /// Why, and what is therefore not known.
        why: String,
    },
}

impl Status {
    /// `ok`, `differs` or `not_checked`.
    ///
    /// ```
    /// use shuangsuiji_disclose::bundle::Status;
    /// assert_eq!(Status::NotChecked { why: "absent".into() }.code(), "not_checked");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Differs { .. } => "differs",
            Status::NotChecked { .. } => "not_checked",
        }
    }
}

/// One check of a bundle.
///
/// ```
/// # use shuangsuiji::{Dataset, Seed};
/// # use shuangsuiji_disclose::{bundle::*, folder};
/// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
/// # let text = std::fs::read_to_string(path).unwrap();
/// # let ds = Dataset::open(path).unwrap();
/// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// # let r = draw.result();
/// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
/// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
/// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
/// files.insert("result.csv", "x\n");
/// let verdict = verify_bundle(&files);
/// let c = verdict.checks.iter().find(|c| c.status.code() == "differs").unwrap();
/// assert_eq!(c.file.as_deref(), Some("result.csv"));
/// assert!(matches!(c.status, Status::Differs { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub what: CheckKind,
    /// The subject within the kind: an input (`items` …) for
    /// [`CheckKind::InputDigest`] and [`CheckKind::Withheld`], else `None`.
    pub subject: Option<String>,
    /// The file the check is about.
    pub file: Option<String>,
    /// The outcome.
    pub status: Status,
    /// Anything worth saying on success (e.g. what was confirmed).
    pub note: Option<String>,
}

/// What kind of bad input stopped a check.
///
/// ```
/// use shuangsuiji_disclose::bundle::{BundleErrorKind, BundleFiles, verify_bundle};
/// let files: BundleFiles = [("result.json", "{not json")].into_iter().collect();
/// let v = verify_bundle(&files);
/// assert!(v.errors.iter().any(|e| e.kind == BundleErrorKind::Malformed && e.file == "result.json"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleErrorKind {
    /// A file the check needs is not in the bundle.
    Missing,
    /// A text file is not UTF-8.
    NotUtf8,
    /// A file is not what it should be (JSON, TOML, CSV …).
    Malformed,
    /// The result was made by an algorithm this engine does not implement.
    Unsupported,
}

/// Bad input: a file that cannot be read as what it should be.
///
/// ```
/// use shuangsuiji_disclose::bundle::{BundleFiles, verify_bundle};
/// let files: BundleFiles = [("result.json", "{\n  \"algorithm\": 5\n}\n")].into_iter().collect();
/// let e = &verify_bundle(&files).errors[0];
/// assert_eq!((e.file.as_str(), e.line), ("result.json", Some(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleError {
    /// What kind.
    pub kind: BundleErrorKind,
    /// The file.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// The column name or TOML key, when known.
    pub field: Option<String>,
    /// What is wrong, in English.
    pub message: String,
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if let Some(k) = &self.field {
            write!(f, ": {k}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The overall verdict.
///
/// ```
/// use shuangsuiji_disclose::bundle::Outcome;
/// assert_eq!(Outcome::PartiallyVerified.code(), "partially_verified");
/// assert_eq!(Outcome::Differs.code(), "differs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every check agrees (items not checked, if any, are not about the
    /// draw itself).
    Verified,
    /// Every check made agrees, but inputs were withheld: the draw is not
    /// reproduced exactly.
    PartiallyVerified,
    /// A difference was found.
    Differs,
    /// Bad input: the bundle could not be checked.
    Invalid,
}

impl Outcome {
    /// `verified`, `partially_verified`, `differs`, `invalid`.
    ///
    /// ```
    /// assert_eq!(shuangsuiji_disclose::bundle::Outcome::Verified.code(), "verified");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::PartiallyVerified => "partially_verified",
            Outcome::Differs => "differs",
            Outcome::Invalid => "invalid",
        }
    }

    fn label(&self, lang: Lang) -> &'static str {
        match self {
            Outcome::Verified => lang.t("核验通过", "VERIFIED"),
            Outcome::PartiallyVerified => lang.t("部分核验通过", "PARTIALLY VERIFIED"),
            Outcome::Differs => lang.t("发现差异", "DIFFERENCES FOUND"),
            Outcome::Invalid => lang.t("无法核验", "CANNOT VERIFY"),
        }
    }
}

/// The verdict on a bundle.
///
/// ```
/// # use shuangsuiji::{Dataset, Seed};
/// # use shuangsuiji_disclose::{bundle::*, folder};
/// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
/// # let text = std::fs::read_to_string(path).unwrap();
/// # let ds = Dataset::open(path).unwrap();
/// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// # let r = draw.result();
/// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
/// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
/// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
/// let verdict = verify_bundle(&files);
/// assert!(verdict.errors.is_empty() && verdict.withheld.is_empty());
/// assert!(verdict.checks.iter().any(|c| c.what == CheckKind::Draw && c.status == Status::Ok));
/// assert_eq!(verdict.plan_id.as_deref(), Some("YYLY-2026-Q4"));
/// assert!(verdict.to_json().contains("\"format\":\"ssj-bundle-verdict-v1\""));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleVerdict {
    /// The plan id, when the result, commitment or plan could be read.
    pub plan_id: Option<String>,
    /// The seed text of `result.json`, when it could be read.
    pub seed: Option<String>,
    /// The inputs withheld by the plan and absent (`history`, `conflicts`).
    pub withheld: Vec<String>,
    /// Every check made, in order.
    pub checks: Vec<Check>,
    /// Bad input found.
    pub errors: Vec<BundleError>,
}

impl BundleVerdict {
    /// The overall outcome: bad input first, then any difference, then
    /// withheld inputs.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Seed};
    /// # use shuangsuiji_disclose::{bundle::*, folder};
    /// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
    /// # let text = std::fs::read_to_string(path).unwrap();
    /// # let ds = Dataset::open(path).unwrap();
    /// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
    /// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
    /// # let r = draw.result();
    /// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
    /// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
    /// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
    /// files.remove("result.json");
    /// files.remove("commitment.json");
    /// let verdict = verify_bundle(&files);
    /// assert_eq!((verdict.outcome(), verdict.exit_code()), (Outcome::Invalid, 2));
    /// assert_eq!(verdict.errors[0].kind, BundleErrorKind::Missing);
    /// ```
    pub fn outcome(&self) -> Outcome {
        if !self.errors.is_empty() {
            Outcome::Invalid
        } else if self
            .checks
            .iter()
            .any(|c| matches!(c.status, Status::Differs { .. }))
        {
            Outcome::Differs
        } else if !self.withheld.is_empty() {
            Outcome::PartiallyVerified
        } else {
            Outcome::Verified
        }
    }

    /// The exit code `ssj verify DIR` returns: 0 every check made agrees
    /// (also when partially verified), 1 a difference, 2 bad input.
    ///
    /// ```
    /// use shuangsuiji_disclose::bundle::{BundleFiles, verify_bundle};
    /// assert_eq!(verify_bundle(&BundleFiles::new()).exit_code(), 2); // nothing to verify
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self.outcome() {
            Outcome::Verified | Outcome::PartiallyVerified => 0,
            Outcome::Differs => 1,
            Outcome::Invalid => 2,
        }
    }

    /// The verdict as canonical JSON (keys sorted, no whitespace), stable:
    ///
    /// ```text
    /// {"checks":[{"check":KIND,"detail":S|null,"file":S|null,"line":N|null,
    ///             "note":S|null,"status":"ok"|"differs"|"not_checked",
    ///             "subject":S|null,"why":S|null}, …],
    ///  "errors":[{"column":N|null,"field":S|null,"file":S,"kind":KIND,
    ///             "line":N|null,"message":S}, …],
    ///  "exit_code":0|1|2,"format":"ssj-bundle-verdict-v1",
    ///  "outcome":"verified"|"partially_verified"|"differs"|"invalid",
    ///  "plan":S|null,"seed":S|null,"withheld":[S, …]}
    /// ```
    ///
    /// `KIND` of a check is [`CheckKind::code`]; of an error `missing`,
    /// `not_utf8`, `malformed` or `unsupported`. Messages are English.
    pub fn to_json(&self) -> String {
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|c| {
                let (detail, line, why) = match &c.status {
                    Status::Ok => (None, None, None),
                    Status::Differs { detail, line } => (Some(detail), *line, None),
                    Status::NotChecked { why } => (None, None, Some(why)),
                };
                json!({
                    "check": c.what.code(),
                    "subject": c.subject,
                    "file": c.file,
                    "status": c.status.code(),
                    "detail": detail,
                    "line": line,
                    "why": why,
                    "note": c.note,
                })
            })
            .collect();
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| {
                json!({
                    "kind": e.kind,
                    "file": e.file,
                    "line": e.line,
                    "column": e.column,
                    "field": e.field,
                    "message": e.message,
                })
            })
            .collect();
        canonical_json(&json!({
            "format": VERDICT_FORMAT,
            "outcome": self.outcome().code(),
            "exit_code": self.exit_code(),
            "plan": self.plan_id,
            "seed": self.seed,
            "withheld": self.withheld,
            "checks": checks,
            "errors": errors,
        }))
    }

    /// The verdict as text, like `ssj verify DIR` prints it: the overall
    /// line first, then the plan and seed, each check with its file, and
    /// the errors. Labels in `lang`; details and messages in English.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Seed};
    /// # use shuangsuiji_disclose::{bundle::*, folder};
    /// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
    /// # let text = std::fs::read_to_string(path).unwrap();
    /// # let ds = Dataset::open(path).unwrap();
    /// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
    /// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
    /// # let r = draw.result();
    /// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
    /// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
    /// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
    /// let text = verify_bundle(&files).render(shuangsuiji_disclose::Lang::En);
    /// assert!(text.contains("[ok] draw re-run and compared — result.json: reproduced exactly"));
    /// assert!(text.contains("YYLY-2026-Q4"));
    /// ```
    pub fn render(&self, lang: Lang) -> String {
        let mut o = String::new();
        let outcome = self.outcome();
        let not_checked = self
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::NotChecked { .. }))
            .count();
        let differs = self
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Differs { .. }))
            .count();
        let _ = write!(o, "{}", outcome.label(lang));
        match outcome {
            Outcome::Differs => {
                let _ = write!(o, "{}", lang.t("：", ": "));
                let _ = write!(o, "{differs} {}", lang.t("项不一致", "check(s) differ"));
            }
            Outcome::Invalid => {
                let _ = write!(
                    o,
                    "{}{} {}",
                    lang.t("：", ": "),
                    self.errors.len(),
                    lang.t("处输入错误", "input error(s)")
                );
            }
            _ => {}
        }
        if not_checked > 0 {
            let _ = write!(
                o,
                "{}{not_checked} {}{}",
                lang.t("（", " ("),
                lang.t("项未核验", "not checked"),
                lang.t("）", ")")
            );
        }
        o.push('\n');
        if let Some(p) = &self.plan_id {
            let _ = writeln!(o, "{} {p}", lang.t("计划", "plan"));
        }
        if let Some(s) = &self.seed {
            let _ = writeln!(o, "{} '{s}'", lang.t("种子", "seed"));
        }
        if !self.withheld.is_empty() {
            let _ = writeln!(
                o,
                "{} {}",
                lang.t("未公开的输入", "withheld inputs"),
                self.withheld.join(", ")
            );
        }
        for c in &self.checks {
            let mark = match c.status {
                Status::Ok => lang.t("[通过]", "[ok]"),
                Status::Differs { .. } => lang.t("[差异]", "[DIFFERS]"),
                Status::NotChecked { .. } => lang.t("[未核验]", "[not checked]"),
            };
            let _ = write!(o, "{mark} {}", c.what.label(lang));
            if let Some(s) = &c.subject {
                let _ = write!(o, " {s}");
            }
            if let Some(f) = &c.file {
                let _ = write!(o, " — {f}");
            }
            match &c.status {
                Status::Ok => {
                    if let Some(n) = &c.note {
                        let _ = write!(o, ": {n}");
                    }
                }
                Status::Differs { detail, line } => {
                    if let Some(l) = line {
                        let _ = write!(o, " {} {l}", lang.t("第", "line"));
                        if lang == Lang::Zh {
                            o.push('行');
                        }
                    }
                    let _ = write!(o, ": {detail}");
                }
                Status::NotChecked { why } => {
                    let _ = write!(o, ": {why}");
                }
            }
            o.push('\n');
        }
        for e in &self.errors {
            let _ = writeln!(o, "{} {e}", lang.t("[错误]", "[error]"));
        }
        o
    }
}

/// SHA-256 of bytes, lower-case hex.
fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The 1-based line of the first byte where `a` and `b` differ.
fn first_differing_line(a: &[u8], b: &[u8]) -> u64 {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    1 + a[..same].iter().filter(|&&c| c == b'\n').count() as u64
}

/// The files of the bundle as the checks read them: each read through
/// [`Hashing`], so that a file read to its end for a check is not read
/// again for its SHA-256.
struct Files<'s> {
    src: &'s dyn BundleSource,
    /// Sorted bytewise, once each.
    names: Vec<String>,
    /// The SHA-256 of each file read to its end so far.
    sha256: Mutex<BTreeMap<String, String>>,
    /// Files that could not be read: (name, the error), the first of each.
    unreadable: Mutex<Vec<(String, String)>>,
}

impl<'s> Files<'s> {
    fn new(src: &'s dyn BundleSource) -> Files<'s> {
        let mut names = src.names();
        names.sort();
        names.dedup();
        Files {
            src,
            names,
            sha256: Mutex::new(BTreeMap::new()),
            unreadable: Mutex::new(Vec::new()),
        }
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    fn contains(&self, name: &str) -> bool {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }

    fn cannot_read(&self, name: &str, e: &io::Error) {
        let mut u = lock(&self.unreadable);
        if !u.iter().any(|(n, _)| n == name) {
            u.push((name.to_string(), e.to_string()));
        }
    }

    /// A reader of a file from its first byte (`None`: not in the bundle).
    fn open(&self, name: &str) -> Option<io::Result<Box<dyn Read + '_>>> {
        if !self.contains(name) {
            return None;
        }
        // a file whose SHA-256 is known is not hashed again
        let known = lock(&self.sha256).contains_key(name);
        Some(match self.src.open(name)? {
            Ok(inner) => Ok(Box::new(Hashing {
                inner,
                sha: Sha256::new(),
                files: self,
                name: name.to_string(),
                done: known,
            })),
            Err(e) => {
                self.cannot_read(name, &e);
                Err(e)
            }
        })
    }

    /// The whole file (`None`: not in the bundle, or unreadable).
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let mut r = self.open(name)?.ok()?;
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The SHA-256 of a file, read for it unless an earlier read reached
    /// its end (`None`: not in the bundle, or unreadable).
    fn sha256(&self, name: &str) -> Option<String> {
        if let Some(h) = lock(&self.sha256).get(name) {
            return Some(h.clone());
        }
        let mut r = self.open(name)?.ok()?;
        io::copy(&mut r, &mut io::sink()).ok()?;
        drop(r);
        lock(&self.sha256).get(name).cloned()
    }

    /// Compare a file with what `write` writes, neither held whole: the
    /// file is read alongside, and to its end.
    fn compare(
        &self,
        name: &str,
        write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    ) -> io::Result<Compared> {
        let file: Box<dyn Read + '_> = match self.open(name) {
            Some(Ok(r)) => r,
            _ => Box::new(io::empty()),
        };
        let mut c = Comparing {
            file,
            buf: Vec::new(),
            read: 0,
            written: 0,
            lines: 0,
            differs: false,
        };
        write(&mut c)?;
        let rest = io::copy(&mut c.file, &mut io::sink()).unwrap_or(0);
        Ok(Compared {
            same: !c.differs && rest == 0,
            published: c.read + rest,
            regenerated: c.written,
            line: 1 + c.lines,
        })
    }
}

/// A lock, also after a thread panicked holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A reader that takes the SHA-256 of what it reads and, at the end of the
/// file, keeps it in [`Files`].
struct Hashing<'f> {
    inner: Box<dyn Read + 'f>,
    sha: Sha256,
    files: &'f Files<'f>,
    name: String,
    /// The SHA-256 is kept (or was known when the file was opened).
    done: bool,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() && !self.done => {
                self.done = true;
                let h = hex(&std::mem::take(&mut self.sha).finalize());
                lock(&self.files.sha256)
                    .entry(self.name.clone())
                    .or_insert(h);
                Ok(0)
            }
            Ok(n) => {
                if !self.done {
                    self.sha.update(&buf[..n]);
                }
                Ok(n)
            }
            Err(e) => {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.files.cannot_read(&self.name, &e);
                }
                Err(e)
            }
        }
    }
}

/// A file compared with what is written ([`Files::compare`]).
struct Compared {
    /// The same bytes.
    same: bool,
    /// The length of the file.
    published: u64,
    /// The length of what was written.
    regenerated: u64,
    /// The 1-based line of the first byte that differs.
    line: u64,
}

/// A writer that compares what is written with the file's next bytes.
struct Comparing<'f> {
    file: Box<dyn Read + 'f>,
    buf: Vec<u8>,
    /// Bytes read from the file.
    read: u64,
    /// Bytes written.
    written: u64,
    /// Line breaks in the bytes that agree.
    lines: u64,
    /// A byte differs, or the file ended first.
    differs: bool,
}

impl io::Write for Comparing<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.written += data.len() as u64;
        if self.differs {
            return Ok(data.len());
        }
        self.buf.resize(data.len(), 0);
        let mut got = 0;
        while got < data.len() {
            match self.file.read(&mut self.buf[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        self.read += got as u64;
        let same = if data[..got] == self.buf[..got] {
            got
        } else {
            data.iter()
                .zip(&self.buf[..got])
                .take_while(|(a, b)| a == b)
                .count()
        };
        self.lines += memchr::memchr_iter(b'\n', &data[..same]).count() as u64;
        self.differs = same < data.len();
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that notes whether what it reads is UTF-8 (as a whole file
/// read as text must be).
struct Utf8Watch<R> {
    inner: R,
    /// The start of a character cut by the end of the last read.
    carry: Vec<u8>,
    bad: bool,
}

impl<R: Read> Read for Utf8Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.bad || buf.is_empty() {
            return Ok(n);
        }
        if n == 0 {
            self.bad = !self.carry.is_empty();
            return Ok(0);
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            &buf[..n]
        } else {
            joined = [self.carry.as_slice(), &buf[..n]].concat();
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.carry.clear(),
            Err(e) if e.error_len().is_some() => self.bad = true,
            Err(e) => self.carry = data[e.valid_up_to()..].to_vec(),
        }
        Ok(n)
    }
}

/// The verification in progress.
struct Run<'f> {
    files: &'f Files<'f>,
    v: BundleVerdict,
    /// The checks of `SHA256SUMS` whose hash is compared at the end, when
    /// every file the checks read has its SHA-256: (index in `v.checks`,
    /// file, hash listed, line).
    sums: Vec<(usize, String, String, u64)>,
}

impl<'f> Run<'f> {
    fn check(
        &mut self,
        what: CheckKind,
        subject: Option<&str>,
        file: Option<&str>,
        status: Status,
    ) {
        self.v.checks.push(Check {
            what,
            subject: subject.map(str::to_string),
            file: file.map(str::to_string),
            status,
            note: None,
        });
    }

    fn note(&mut self, note: String) {
        if let Some(c) = self.v.checks.last_mut() {
            c.note = Some(note);
        }
    }

    fn error(&mut self, kind: BundleErrorKind, file: &str, message: impl Into<String>) {
        self.v.errors.push(BundleError {
            kind,
            file: file.to_string(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
        });
    }

    /// A text file, or an error if it is not UTF-8.
    fn text(&mut self, name: &str) -> Option<String> {
        let bytes = self.files.read(name)?;
        match String::from_utf8(bytes) {
            Ok(t) => Some(t),
            Err(e) => {
                let bytes = e.as_bytes();
                let valid = e.utf8_error().valid_up_to();
                let line = first_differing_line(bytes, &bytes[..valid]);
                self.v.errors.push(BundleError {
                    kind: BundleErrorKind::NotUtf8,
                    file: name.to_string(),
                    line: Some(line),
                    column: None,
                    field: None,
                    message: format!("not UTF-8 after byte {valid}"),
                });
                None
            }
        }
    }

    fn json_error(&mut self, name: &str, what: &str, e: &serde_json::Error) {
        self.v.errors.push(BundleError {
            kind: BundleErrorKind::Malformed,
            file: name.to_string(),
            line: Some(e.line() as u64),
            column: Some(e.column() as u64),
            field: None,
            message: format!("not {what}: {e}"),
        });
    }

    /// Compare a file with the bytes it should hold.
    fn regenerated(&mut self, name: &str, expected: &[u8], absent: Status) {
        self.regenerated_with(name, |w| w.write_all(expected), absent);
    }

    /// Compare a file with what `write` writes, as it is written; no check
    /// if `write` fails.
    fn regenerated_with(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
        absent: Status,
    ) {
        if let Some(status) = regenerated_status(self.files, name, write, absent) {
            self.check(CheckKind::Regenerated, None, Some(name), status);
        }
    }
}

/// A file against what `write` writes, compared as it is written: `None`
/// if `write` fails.
fn regenerated_status(
    files: &Files<'_>,
    name: &str,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    absent: Status,
) -> Option<Status> {
    if !files.contains(name) {
        return write(&mut io::sink()).is_ok().then_some(absent);
    }
    let c = files.compare(name, write).ok()?;
    Some(if c.same {
        Status::Ok
    } else {
        Status::Differs {
            detail: format!(
                "differs from what ssj writes ({} bytes published, {} regenerated)",
                c.published, c.regenerated
            ),
            line: Some(c.line),
        }
    })
}

/// Verify a published bundle held in memory. See the module documentation
/// for the checks; never panics on any input.
///
/// ```
/// # use shuangsuiji::{Dataset, Seed};
/// # use shuangsuiji_disclose::{bundle::*, folder};
/// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
/// # let text = std::fs::read_to_string(path).unwrap();
/// # let ds = Dataset::open(path).unwrap();
/// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// # let r = draw.result();
/// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
/// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
/// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
/// // the draw's own files, the inputs and SHA256SUMS, but no journal.jsonl
/// let verdict = verify_bundle(&files);
/// let draw = verdict.checks.iter().find(|c| c.what == CheckKind::Draw).unwrap();
/// assert_eq!(draw.status, Status::Ok); // re-run and reproduced exactly
/// let differs: Vec<_> = verdict.checks.iter().filter(|c| c.status.code() == "differs").collect();
/// assert_eq!((differs.len(), differs[0].what), (1, CheckKind::Journal)); // the journal is missing
/// assert_eq!((verdict.outcome(), verdict.exit_code()), (Outcome::Differs, 1));
/// files.insert("notice.md", "篡改".as_bytes()); // edited after publication
/// assert!(verify_bundle(&files).checks.iter().any(|c| c.file.as_deref() == Some("notice.md") && c.status.code() == "differs"));
/// ```
pub fn verify_bundle(files: &BundleFiles) -> BundleVerdict {
    verify(files, &Held)
}

/// [`verify_bundle`] of a bundle read from `src` as the checks need it,
/// the registry streamed with `opts` (see [`LoadOptions`]): the same
/// checks and the same verdict, in memory that does not grow with the
/// registry. This is what `ssj verify DIR` runs. A folder with revisions
/// (`revision-N.json`) is the exception: replaying them needs the registry
/// held (SPEC.md §13.3 ranks a stratum's every eligible entity), so it is
/// verified with the registry held, as [`verify_bundle`] does.
///
/// ```
/// # use shuangsuiji::{Dataset, Seed};
/// # use shuangsuiji_disclose::{bundle::*, folder};
/// # let path = std::path::Path::new("../../data/youyu-forestry/plan.toml");
/// # let text = std::fs::read_to_string(path).unwrap();
/// # let ds = Dataset::open(path).unwrap();
/// # let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// # let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// # let r = draw.result();
/// # let p = folder::draw_files(r, shuangsuiji::draw::Visits::Held(&r.visits), &ds.plan().notice)
/// #     .with_inputs(path, &text, ds.plan()).unwrap().with_sums();
/// # let mut files: BundleFiles = p.names().map(|n| (n.to_string(), p.bytes(n).unwrap().unwrap())).collect();
/// use shuangsuiji::LoadOptions;
/// let streamed = verify_bundle_streaming(&files, LoadOptions { threads: 2, ..Default::default() });
/// assert_eq!(streamed, verify_bundle(&files)); // the same verdict
/// let draw = streamed.checks.iter().find(|c| c.what == CheckKind::Draw).unwrap();
/// assert_eq!(draw.status, Status::Ok);
/// ```
pub fn verify_bundle_streaming(src: &dyn BundleSource, opts: LoadOptions<'_>) -> BundleVerdict {
    let names = src.names();
    if revision_files(names.iter().map(String::as_str)).is_empty() {
        verify(src, &Streamed(opts))
    } else {
        // replaying the revisions needs the registry held: read once, held
        verify(src, &Held)
    }
}

/// The checks of the module documentation, in order, the draw re-run by
/// `engine`.
fn verify<E: Engine>(src: &dyn BundleSource, engine: &E) -> BundleVerdict {
    let files = Files::new(src);
    let mut run = Run {
        files: &files,
        v: BundleVerdict::default(),
        sums: Vec::new(),
    };
    check_sums(&mut run);
    let mut result = read_result(&mut run);
    let commitment = read_commitment(&mut run);
    if result.is_none() && commitment.is_none() && run.v.errors.is_empty() {
        run.error(
            BundleErrorKind::Missing,
            RESULT,
            "neither result.json nor commitment.json is in the bundle: nothing to verify",
        );
    }
    if let Some(r) = &result {
        let r = &r.head;
        run.v.plan_id = Some(r.plan.id.clone());
        run.v.seed = Some(r.seed.text.clone());
        if r.algorithm != ALGORITHM {
            run.error(
                BundleErrorKind::Unsupported,
                RESULT,
                format!(
                    "algorithm '{}' is not one this verifier implements ({ALGORITHM})",
                    r.algorithm
                ),
            );
        }
    } else if let Some(c) = &commitment {
        run.v.plan_id = Some(c.plan.id.clone());
    }
    // the digests the inputs must have
    let published = result
        .as_ref()
        .map(|r| (RESULT, r.head.digests.clone()))
        .or_else(|| commitment.as_ref().map(|c| (COMMITMENT, c.digests.clone())));
    // with a result, the draw is re-run as the inputs are read
    let seed = result.as_ref().map(|r| r.head.seed.text.clone());
    let mut loaded = match &published {
        Some((_, digests)) if run.v.errors.is_empty() => {
            load_dataset(&mut run, engine, digests, seed.as_deref())
        }
        _ => None,
    };
    let mut inputs_agree = false;
    if let (Some(l), Some((from, digests))) = (&loaded, &published) {
        inputs_agree = check_digests(&mut run, &l.ds, from, digests);
        check_commitment(
            &mut run,
            &l.ds,
            commitment.as_ref(),
            result.as_ref().map(|r| &r.head),
        );
    }
    if let Some(r) = &mut result
        && run.v.errors.is_empty()
    {
        let exact = match &mut loaded {
            Some(l) if inputs_agree => check_draw(&mut run, r, l.draw.take()),
            _ => {
                run.check(
                    CheckKind::Draw,
                    None,
                    Some(RESULT),
                    Status::NotChecked {
                        why: "the inputs differ from result.json: the draw was not re-run".into(),
                    },
                );
                None
            }
        };
        let notice = loaded
            .as_ref()
            .map(|l| l.ds.plan().notice.clone())
            .unwrap_or_default();
        // result.json is the draw re-run, byte for byte: its files are
        // regenerated from that, else from result.json read whole
        match &exact {
            Some(d) => regenerate_result_files(&mut run, d.head(), d.visits(), &notice),
            None => {
                if let Some(w) = r.whole(&mut run) {
                    regenerate_result_files(&mut run, w, Visits::Held(&w.visits), &notice);
                }
            }
        }
        drop(exact);
        let replay = loaded.as_ref().filter(|_| inputs_agree);
        check_revisions(&mut run, replay, r);
    }
    if let Some(l) = &loaded {
        let absent = if commitment.is_some() {
            Status::Differs {
                detail: "missing from the bundle".into(),
                line: None,
            }
        } else {
            Status::NotChecked {
                why: "not in the bundle".into(),
            }
        };
        for (name, format) in [
            ("pre-draw.html", Format::Html),
            ("pre-draw.md", Format::Markdown),
        ] {
            let t = crate::pre_draw_notice(&l.ds, ALGORITHM, format, Lang::Zh);
            run.regenerated(name, t.as_bytes(), absent.clone());
        }
    }
    if run.v.errors.is_empty() {
        check_journal(
            &mut run,
            result.as_ref().map(|r| &r.head),
            commitment.as_ref(),
        );
    }
    finish_sums(&mut run);
    for (name, e) in lock(&files.unreadable).iter() {
        run.error(BundleErrorKind::Missing, name, format!("cannot read: {e}"));
    }
    run.v
}

/// How the draw is re-run: with the registry held ([`verify_bundle`]) or
/// streamed ([`verify_bundle_streaming`]).
trait Engine {
    /// Whether the datasets it loads hold the registry.
    const HOLDS: bool;

    /// Load the plan and its inputs.
    fn load<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) -> shuangsuiji::Result<Dataset>;

    /// Load the plan and its inputs, the digests of the `withheld` ones
    /// taken from `expected`; if every digest is the expected one, re-run
    /// the draw with `seed`.
    fn load_and_draw<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
        seed: &str,
        expected: &InputDigests,
        withheld: &[&str],
    ) -> (
        shuangsuiji::Result<Dataset>,
        Option<shuangsuiji::Result<Redrawn>>,
    );
}

/// Take the digests of the withheld inputs from `published`.
fn assume_withheld(ds: &mut Dataset, withheld: &[&str], published: &InputDigests) {
    for k in withheld {
        let digest = match *k {
            "history" => published.history.clone(),
            _ => published.conflicts.clone(),
        };
        ds.assume_withheld_digest(k, digest);
    }
}

/// Whether every input has the digest published.
fn digests_agree(a: &InputDigests, b: &InputDigests) -> bool {
    shuangsuiji::commit::input_digests(a)
        .into_iter()
        .zip(shuangsuiji::commit::input_digests(b))
        .all(|((_, x), (_, y))| x == y)
}

/// The registry held: [`Dataset::load`], then [`draw_unchecked`].
struct Held;

impl Engine for Held {
    const HOLDS: bool = true;

    fn load<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) -> shuangsuiji::Result<Dataset> {
        Dataset::load(PLAN, plan_text, open)
    }

    fn load_and_draw<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
        seed: &str,
        expected: &InputDigests,
        withheld: &[&str],
    ) -> (
        shuangsuiji::Result<Dataset>,
        Option<shuangsuiji::Result<Redrawn>>,
    ) {
        let mut ds = match self.load(plan_text, open) {
            Ok(ds) => ds,
            Err(e) => return (Err(e), None),
        };
        assume_withheld(&mut ds, withheld, expected);
        let draw = digests_agree(ds.digests(), expected)
            .then(|| draw_unchecked(&ds, seed).map(Redrawn::Held));
        (Ok(ds), draw)
    }
}

/// The registry streamed: [`load_streaming`], and
/// [`draw_streaming_withheld`] with the published digests (one pass).
struct Streamed<'o>(LoadOptions<'o>);

impl Engine for Streamed<'_> {
    const HOLDS: bool = false;

    fn load<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
    ) -> shuangsuiji::Result<Dataset> {
        load_streaming(PLAN, plan_text, open, self.0)
    }

    fn load_and_draw<'a>(
        &self,
        plan_text: &str,
        open: &mut dyn FnMut(&str) -> io::Result<Box<dyn Read + 'a>>,
        seed: &str,
        expected: &InputDigests,
        withheld: &[&str],
    ) -> (
        shuangsuiji::Result<Dataset>,
        Option<shuangsuiji::Result<Redrawn>>,
    ) {
        match draw_streaming_withheld(
            PLAN, plan_text, &mut *open, seed, expected, withheld, self.0,
        ) {
            Ok(d) => (
                Ok(d.dataset),
                Some(Ok(Redrawn::Streamed {
                    head: d.head,
                    visits: Box::new(d.visits),
                })),
            ),
            Err(e) => {
                // another pass: the digests of every input when one
                // differs, the input errors when there are any, else the
                // inputs agree and the draw itself failed
                let mut ds = match self.load(plan_text, open) {
                    Ok(ds) => ds,
                    Err(le) => return (Err(le), None),
                };
                assume_withheld(&mut ds, withheld, expected);
                let failed = !matches!(e.kind(), ErrorKind::Differs { .. })
                    && digests_agree(ds.digests(), expected);
                (Ok(ds), failed.then_some(Err(e)))
            }
        }
    }
}

/// The draw re-run.
enum Redrawn {
    /// By [`draw_unchecked`].
    Held(DrawResult),
    /// By [`draw_streaming_withheld`]: the visits apart, compact.
    Streamed {
        /// All but the visits.
        head: DrawResult,
        /// The visits (boxed: the list's header is larger than the
        /// held variant's).
        visits: Box<VisitList>,
    },
}

impl Redrawn {
    /// The result; its `visits` are not read.
    fn head(&self) -> &DrawResult {
        match self {
            Redrawn::Held(r) => r,
            Redrawn::Streamed { head, .. } => head,
        }
    }

    fn visits(&self) -> Visits<'_> {
        match self {
            Redrawn::Held(r) => Visits::Held(&r.visits),
            Redrawn::Streamed { visits, .. } => Visits::Compact(visits),
        }
    }

    /// The whole result, visits built.
    fn result(&self) -> Cow<'_, DrawResult> {
        match self {
            Redrawn::Held(r) => Cow::Borrowed(r),
            Redrawn::Streamed { head, visits } => {
                let mut r = head.clone();
                r.visits = visits.iter().collect();
                Cow::Owned(r)
            }
        }
    }
}

/// The plan and inputs read, with the draw when it was re-run.
struct Loaded {
    /// The dataset, the withheld digests taken as published.
    ds: Dataset,
    /// The draw re-run: with a result whose digests the inputs have (the
    /// history not withheld).
    draw: Option<shuangsuiji::Result<Redrawn>>,
    /// Whether `ds` holds the registry.
    held: bool,
}

/// The published result: all but its visits, read streamed (each visit
/// checked, then let go); the whole of it read only when it is needed.
struct Published {
    head: DrawResult,
    /// `None` until read; then `None` inside if it could not be.
    whole: Option<Option<DrawResult>>,
}

impl Published {
    /// The whole result (`None`: it could not be read, the error given).
    fn whole(&mut self, run: &mut Run<'_>) -> Option<&DrawResult> {
        if self.whole.is_none() {
            self.whole = Some(read_whole_result(run));
        }
        self.whole.as_ref().and_then(Option::as_ref)
    }
}

/// `SHA256SUMS` against the files' SHA-256, once every check has read
/// what it needs (each file read to its end once, if possible).
fn finish_sums(run: &mut Run<'_>) {
    for (i, name, hash, n) in std::mem::take(&mut run.sums) {
        let actual = run.files.sha256(&name).unwrap_or_default();
        if actual != hash {
            run.v.checks[i].status = Status::Differs {
                detail: format!(
                    "SHA-256 {actual}, SHA256SUMS line {n} lists {hash}: the file was changed"
                ),
                line: None,
            };
        }
    }
}

/// `SHA256SUMS` against the files.
fn check_sums(run: &mut Run<'_>) {
    let Some(text) = run.text(SUMS) else {
        if !run.files.contains(SUMS) {
            run.check(
                CheckKind::Sums,
                None,
                Some(SUMS),
                Status::Differs {
                    detail: "missing from the bundle".into(),
                    line: None,
                },
            );
        }
        return;
    };
    let mut listed: BTreeMap<&str, ()> = BTreeMap::new();
    let mut problems: Vec<(String, u64)> = Vec::new();
    let mut last: Option<&str> = None;
    let mut lines = text.split('\n').collect::<Vec<_>>();
    if lines.last() == Some(&"") {
        lines.pop();
    } else {
        problems.push((
            "the last line does not end with a line break".into(),
            lines.len() as u64,
        ));
    }
    for (i, line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let parsed = line.split_once("  ").filter(|(h, name)| {
            h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && !name.is_empty()
        });
        let Some((hash, name)) = parsed else {
            problems.push((format!("line {n} is not '<64 lower-case hex>  <name>'"), n));
            continue;
        };
        if last.is_some_and(|l| l >= name) {
            problems.push((
                format!("line {n} ({name}) is out of bytewise order or repeated"),
                n,
            ));
        }
        last = Some(name);
        if name == SUMS || name == JOURNAL {
            problems.push((
                format!("line {n} lists {name}, which SHA256SUMS never covers"),
                n,
            ));
            continue;
        }
        listed.insert(name, ());
        let status = if run.files.contains(name) {
            // compared at the end (finish_sums), when the checks have read
            // the files
            run.sums
                .push((run.v.checks.len(), name.to_string(), hash.to_string(), n));
            Status::Ok
        } else {
            Status::Differs {
                detail: "listed in SHA256SUMS but missing from the bundle".into(),
                line: None,
            }
        };
        run.check(CheckKind::Sums, None, Some(name), status);
    }
    let extra: Vec<String> = run
        .files
        .names()
        .filter(|n| *n != SUMS && *n != JOURNAL && !listed.contains_key(n))
        .map(str::to_string)
        .collect();
    for name in extra {
        run.check(
            CheckKind::Sums,
            None,
            Some(&name),
            Status::Differs {
                detail: "in the bundle but not listed in SHA256SUMS".into(),
                line: None,
            },
        );
    }
    let status = match problems.first() {
        None => Status::Ok,
        Some((_, line)) => Status::Differs {
            detail: problems
                .iter()
                .map(|(d, _)| d.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            line: Some(*line),
        },
    };
    run.check(CheckKind::Sums, None, Some(SUMS), status);
}

/// `result.json`, streamed: all but the visits (each checked as
/// [`DrawResult::from_json`] does, then let go). A file that is not a
/// result, or not UTF-8, is read whole for the error and its position.
fn read_result(run: &mut Run<'_>) -> Option<Published> {
    let head = match run.files.open(RESULT)? {
        Ok(r) => {
            let mut r = Utf8Watch {
                inner: r,
                carry: Vec::new(),
                bad: false,
            };
            DrawResult::head_from_reader(&mut r).ok().filter(|_| !r.bad)
        }
        Err(_) => None,
    };
    match head {
        Some(head) => Some(Published { head, whole: None }),
        None => {
            let whole = read_whole_result(run)?;
            let mut head = whole.clone();
            head.visits.clear();
            Some(Published {
                head,
                whole: Some(Some(whole)),
            })
        }
    }
}

/// `result.json` read whole and parsed, or the error with its position.
fn read_whole_result(run: &mut Run<'_>) -> Option<DrawResult> {
    let text = run.text(RESULT)?;
    match DrawResult::from_json(&text) {
        Ok(r) => Some(r),
        Err(e) => {
            run.json_error(RESULT, "a draw result", &e);
            None
        }
    }
}

fn read_commitment(run: &mut Run<'_>) -> Option<Commitment> {
    let text = run.text(COMMITMENT)?;
    match Commitment::from_json(&text) {
        Ok(c) => Some(c),
        Err(e) => {
            run.json_error(COMMITMENT, "a commitment", &e);
            None
        }
    }
}

/// The withholdable inputs: (plan key, Chinese name).
const WITHHOLDABLE: [(&str, &str); 2] = [("history", "抽查记录"), ("conflicts", "回避名单")];

/// Load the plan and its inputs from the bundle and, with the `seed` of a
/// result (and the history not withheld), re-run the draw. Inputs the plan
/// withholds and the bundle lacks are left out, their digests taken from
/// `published`.
fn load_dataset<E: Engine>(
    run: &mut Run<'_>,
    engine: &E,
    published: &InputDigests,
    seed: Option<&str>,
) -> Option<Loaded> {
    let files = run.files;
    let Some(text) = run.text(PLAN) else {
        if !files.contains(PLAN) {
            run.error(
                BundleErrorKind::Missing,
                PLAN,
                "the plan is not in the bundle",
            );
        }
        return None;
    };
    let mut plan_text = text.clone();
    let mut withheld: Vec<&'static str> = Vec::new();
    // `[disclosure]` is the bundle's business, not the engine's: read it
    // here and hand the engine the plan without it
    if let Ok(mut table) = text.parse::<toml::Table>()
        && let Some(d) = table.remove("disclosure")
    {
        let list = d.get("withhold").and_then(|w| w.as_array()).cloned();
        for w in list.unwrap_or_default() {
            let key = w.as_str().unwrap_or_default();
            let Some((k, _)) = WITHHOLDABLE.iter().find(|(k, _)| *k == key) else {
                run.v.errors.push(BundleError {
                    kind: BundleErrorKind::Malformed,
                    file: PLAN.into(),
                    line: None,
                    column: None,
                    field: Some("disclosure.withhold".into()),
                    message: format!("'{w}' cannot be withheld: only history and conflicts"),
                });
                continue;
            };
            let inputs = table.get_mut("inputs").and_then(|i| i.as_table_mut());
            let name = inputs
                .as_ref()
                .and_then(|i| i.get(*k))
                .and_then(|n| n.as_str())
                .map(str::to_string);
            if let (Some(inputs), Some(name)) = (inputs, name)
                && !files.contains(&name)
            {
                inputs.remove(*k);
                withheld.push(k);
            }
        }
        if !run.v.errors.is_empty() {
            return None;
        }
        plan_text = toml::to_string(&table).unwrap_or_default();
    }
    let mut open = opener(files);
    // without the history neither eligibility nor selection can be
    // recomputed: the draw is not re-run (its key is checked)
    let (loaded, draw) = match seed.filter(|_| !withheld.contains(&"history")) {
        Some(seed) => engine.load_and_draw(&plan_text, &mut open, seed, published, &withheld),
        None => {
            let loaded = engine.load(&plan_text, &mut open).map(|mut ds| {
                assume_withheld(&mut ds, &withheld, published);
                ds
            });
            (loaded, None)
        }
    };
    let ds = match loaded {
        Ok(ds) => ds,
        Err(e) => {
            load_error(run, &e);
            return None;
        }
    };
    for k in &withheld {
        run.v.withheld.push(k.to_string());
    }
    Some(Loaded {
        ds,
        draw,
        held: E::HOLDS,
    })
}

/// The inputs a plan names, opened in the bundle.
fn opener<'f>(files: &'f Files<'f>) -> impl FnMut(&str) -> io::Result<Box<dyn Read + 'f>> + 'f {
    move |name: &str| match files.open(name) {
        Some(r) => r,
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{name} is named by plan.toml but is not in the bundle"),
        )),
    }
}

/// The errors of a plan and inputs that do not load.
fn load_error(run: &mut Run<'_>, e: &shuangsuiji::Error) {
    match e.kind() {
        ErrorKind::Input { diagnostics } => {
            for d in diagnostics.iter().filter(|d| d.is_error()) {
                run.v.errors.push(BundleError {
                    kind: BundleErrorKind::Malformed,
                    file: d.position.file.clone(),
                    line: d.position.line,
                    column: None,
                    field: d.position.field.clone(),
                    message: d.message.clone(),
                });
            }
        }
        ErrorKind::Io { file, source } => {
            run.error(BundleErrorKind::Missing, file, source.to_string());
        }
        _ => run.error(BundleErrorKind::Malformed, PLAN, e.to_string()),
    }
    if run.v.errors.is_empty() {
        run.error(BundleErrorKind::Malformed, PLAN, e.to_string());
    }
}

/// The file an input was read from (the plan for `plan`).
fn input_file(ds: &Dataset, what: &str, withheld: &[String]) -> Option<String> {
    let i = &ds.plan().inputs;
    match what {
        "plan" => Some(PLAN.to_string()),
        "items" => Some(i.items.clone()),
        "officers" => Some(i.officers.clone()),
        "entities" => Some(i.entities.clone()),
        "history" if withheld.iter().any(|w| w == what) => None,
        "conflicts" if withheld.iter().any(|w| w == what) => None,
        "history" => i.history.clone(),
        "conflicts" => i.conflicts.clone(),
        _ => None,
    }
}

/// Each input's digest against the published one; whether all agree.
fn check_digests(run: &mut Run<'_>, ds: &Dataset, from: &str, published: &InputDigests) -> bool {
    let mut agree = true;
    let actual = shuangsuiji::commit::input_digests(ds.digests());
    for ((what, want), (_, got)) in shuangsuiji::commit::input_digests(published)
        .into_iter()
        .zip(actual)
    {
        let withheld = run.v.withheld.iter().any(|w| w == what);
        let file = input_file(ds, what, &run.v.withheld);
        let status = if withheld {
            let zh = WITHHOLDABLE
                .iter()
                .find(|(k, _)| *k == what)
                .map_or("", |(_, z)| z);
            Status::NotChecked {
                why: format!("{zh} withheld: its digest in {from} is taken as published"),
            }
        } else if want == got {
            Status::Ok
        } else {
            agree = false;
            Status::Differs {
                detail: format!("{from} has digest {want}, the file gives {got}"),
                line: None,
            }
        };
        run.check(CheckKind::InputDigest, Some(what), file.as_deref(), status);
    }
    agree
}

/// The commitment against the inputs and the result, and its bytes.
fn check_commitment(
    run: &mut Run<'_>,
    ds: &Dataset,
    c: Option<&Commitment>,
    r: Option<&DrawResult>,
) {
    let Some(c) = c else {
        run.check(
            CheckKind::Commitment,
            None,
            Some(COMMITMENT),
            Status::NotChecked {
                why: "commitment.json is not in the bundle: the result is not checked against a pre-draw commitment".into(),
            },
        );
        return;
    };
    let mut diffs = c.diff(ds);
    if let Some(r) = r {
        for d in c.check_result(r) {
            if !diffs.iter().any(|x| x.what == d.what) {
                diffs.push(d);
            }
        }
    }
    let status = if diffs.is_empty() {
        Status::Ok
    } else {
        Status::Differs {
            detail: diffs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            line: None,
        }
    };
    run.check(CheckKind::Commitment, None, Some(COMMITMENT), status);
    if diffs.is_empty() {
        let canonical = format!("{}\n", Commitment::new(ds).to_canonical_json());
        run.regenerated(COMMITMENT, canonical.as_bytes(), Status::Ok);
    }
}

/// Compare the draw re-run with the published result; the draw when
/// `result.json` is it, byte for byte.
fn check_draw(
    run: &mut Run<'_>,
    published: &mut Published,
    redrawn: Option<shuangsuiji::Result<Redrawn>>,
) -> Option<Redrawn> {
    let withheld = |run: &Run<'_>, k: &str| run.v.withheld.iter().any(|w| w == k);
    if withheld(run, "history") {
        // without the history neither eligibility nor selection can be
        // recomputed; the draw key can
        let p = &published.head;
        let key = hex(&draw_key(
            ALGORITHM,
            &normalize_seed(&p.seed.text),
            &p.digests,
        ));
        let status = if key == p.draw_key {
            Status::Ok
        } else {
            Status::Differs {
                detail: format!("draw_key: published {}, recomputed {key}", p.draw_key),
                line: None,
            }
        };
        run.check(CheckKind::Draw, Some("draw_key"), Some(RESULT), status);
        run.check(
            CheckKind::Withheld,
            Some("history"),
            None,
            Status::NotChecked {
                why:
                    "eligibility, entity selection and officer teams not checked: 抽查记录 withheld"
                        .into(),
            },
        );
        return None;
    }
    let conflicts_withheld = withheld(run, "conflicts");
    let recomputed = match redrawn {
        Some(Ok(d)) => d,
        Some(Err(e)) => {
            let detail = match e.kind() {
                ErrorKind::Infeasible(i) => format!(
                    "re-running the draw finds the rules cannot be satisfied ({i}), yet a result was published"
                ),
                _ => format!("re-running the draw fails: {e}"),
            };
            run.check(
                CheckKind::Draw,
                None,
                Some(RESULT),
                Status::Differs { detail, line: None },
            );
            return None;
        }
        None => {
            run.check(
                CheckKind::Draw,
                None,
                Some(RESULT),
                Status::NotChecked {
                    why: "the inputs differ from result.json: the draw was not re-run".into(),
                },
            );
            return None;
        }
    };
    // result.json against the canonical JSON of the draw, as it is written
    let canonical = |w: &mut dyn io::Write| {
        recomputed
            .head()
            .write_canonical_json_with(recomputed.visits(), w)?;
        w.write_all(b"\n")
    };
    let (c, bytes) = if conflicts_withheld {
        // officer teams depend on the conflicts: compare all but the teams
        let strip = |r: &DrawResult| {
            let mut r = r.clone();
            for v in &mut r.visits {
                v.teams.clear();
            }
            r
        };
        let again = strip(&recomputed.result());
        let whole = published.whole(run)?;
        (compare_results(&strip(whole), &again), None)
    } else {
        let bytes = run.files.compare(RESULT, canonical).ok()?;
        let c = if bytes.same {
            // the same bytes: the same result, field for field
            let (h, v) = (recomputed.head(), recomputed.visits());
            compare_results_with(h, v, h, v)
        } else {
            let whole = published.whole(run)?;
            compare_results_with(
                whole,
                Visits::Held(&whole.visits),
                recomputed.head(),
                recomputed.visits(),
            )
        };
        (c, Some(bytes))
    };
    let confirmed = format!(
        "{} tasks, {} visits, {} teams, {} officer places confirmed",
        c.tasks_confirmed, c.visits_confirmed, c.teams_confirmed, c.officers_confirmed
    );
    match (&c.difference, bytes) {
        (Some(d), _) => {
            let kind = serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            run.check(
                CheckKind::Draw,
                None,
                Some(RESULT),
                Status::Differs {
                    detail: format!("first difference ({kind}): {d}"),
                    line: None,
                },
            );
            run.note(confirmed);
            None
        }
        (None, None) => {
            run.check(CheckKind::Draw, Some("selection"), Some(RESULT), Status::Ok);
            run.note(format!(
                "entity selection reproduced: {} tasks, {} visits confirmed",
                c.tasks_confirmed, c.visits_confirmed
            ));
            run.check(
                CheckKind::Withheld,
                Some("conflicts"),
                None,
                Status::NotChecked {
                    why: "officer teams not checked: 回避名单 withheld".into(),
                },
            );
            None
        }
        (None, Some(bytes)) => {
            // the same values: the file must also be the same bytes
            let status = if bytes.same {
                Status::Ok
            } else {
                Status::Differs {
                    detail:
                        "the values agree but the file is not the canonical JSON ssj draw writes"
                            .into(),
                    line: Some(bytes.line),
                }
            };
            run.check(CheckKind::Draw, None, Some(RESULT), status);
            run.note(format!("reproduced exactly: {confirmed}"));
            bytes.same.then_some(recomputed)
        }
    }
}

/// A writer of a file regenerated from the result.
type Regenerate<'a> = Box<dyn Fn(&mut dyn io::Write) -> io::Result<()> + Sync + 'a>;

/// `result.csv`, `result.xlsx`, `notice.html` and `notice.md` from the
/// result, compared as they are written (at once, one thread each, but
/// in the browser).
fn regenerate_result_files(
    run: &mut Run<'_>,
    r: &DrawResult,
    visits: Visits<'_>,
    notice: &shuangsuiji::model::NoticeInfo,
) {
    let scheme = crate::draw_notice::scheme_of(r);
    let mut files: Vec<(&str, Regenerate<'_>)> = vec![(
        "result.csv",
        Box::new(move |w| crate::write_result_csv_in(visits, scheme, Lang::Zh, w)),
    )];
    // rust_xlsxwriter reads the clock while it builds a workbook (the date
    // is then replaced by the plan's), and wasm32-unknown-unknown has none:
    // the offline page leaves result.xlsx to SHA256SUMS and says so
    #[cfg(not(target_arch = "wasm32"))]
    files.push((
        "result.xlsx",
        Box::new(move |w| crate::write_result_xlsx_in(visits, r.plan.date, scheme, Lang::Zh, w)),
    ));
    for (name, format) in [
        ("notice.html", Format::Html),
        ("notice.md", Format::Markdown),
    ] {
        files.push((
            name,
            Box::new(move |w| {
                crate::write_draw_notice_with(r, visits, notice, format, Lang::Zh, w)
            }),
        ));
    }
    let missing = || Status::Differs {
        detail: "missing from the bundle".into(),
        line: None,
    };
    let compare = |(name, write): &(&str, Regenerate<'_>)| {
        regenerated_status(run.files, name, write, missing())
    };
    #[cfg(not(target_arch = "wasm32"))]
    let statuses: Vec<Option<Status>> = std::thread::scope(|scope| {
        let running: Vec<_> = files
            .iter()
            .map(|f| scope.spawn(move || compare(f)))
            .collect();
        running
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    #[cfg(target_arch = "wasm32")]
    let statuses: Vec<Option<Status>> = files.iter().map(compare).collect();
    for ((name, _), status) in files.iter().zip(statuses) {
        if let Some(status) = status {
            run.check(CheckKind::Regenerated, None, Some(name), status);
        }
        #[cfg(target_arch = "wasm32")]
        if *name == "result.csv" && run.files.contains("result.xlsx") {
            run.check(
                CheckKind::Regenerated,
                None,
                Some("result.xlsx"),
                Status::NotChecked {
                    why: "not regenerated in the browser (covered by SHA256SUMS); ssj verify DIR regenerates it".into(),
                },
            );
        }
    }
}

/// The hash of a journal line's object without its `hash` key (see the
/// core's journal module: tagged SHA-256 of the canonical JSON).
fn journal_hash(value: &Value) -> String {
    let mut v = value.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("hash");
    }
    let mut buf = Vec::new();
    buf.extend_from_slice(&(TAG_JOURNAL_ENTRY.len() as u32).to_be_bytes());
    buf.extend_from_slice(TAG_JOURNAL_ENTRY.as_bytes());
    buf.extend_from_slice(canonical_json(&v).as_bytes());
    sha256_hex(&buf)
}

/// The journal extract: hashes, chain, plan, the entry that wrote the
/// folder and its binding of `SHA256SUMS`.
fn check_journal(run: &mut Run<'_>, r: Option<&DrawResult>, c: Option<&Commitment>) {
    let Some(text) = run.text(JOURNAL) else {
        if !run.files.contains(JOURNAL) {
            run.check(
                CheckKind::Journal,
                None,
                Some(JOURNAL),
                Status::Differs {
                    detail: "missing from the bundle".into(),
                    line: None,
                },
            );
        }
        return;
    };
    let plan_id = run.v.plan_id.clone().unwrap_or_default();
    let mut entries: Vec<(u64, Value)> = Vec::new();
    let mut problem: Option<(String, u64)> = None;
    let mut gaps: Vec<String> = Vec::new();
    let mut last: Option<(u64, String)> = None;
    let text = text.as_str();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if !text.is_empty() && !text.ends_with('\n') {
        problem = Some(("the last line does not end with a line break".into(), 0));
    }
    for (i, line) in body.split('\n').enumerate() {
        if text.is_empty() {
            break;
        }
        let n = i as u64 + 1;
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                problem = Some((format!("line {n} is not a journal entry: {e}"), n));
                break;
            }
        };
        let seq = value.get("seq").and_then(Value::as_u64);
        let prev = value
            .get("prev")
            .and_then(Value::as_str)
            .map(str::to_string);
        let hash = value
            .get("hash")
            .and_then(Value::as_str)
            .map(str::to_string);
        let (Some(seq), Some(prev), Some(hash)) = (seq, prev, hash) else {
            problem = Some((format!("line {n} lacks seq, prev or hash"), n));
            break;
        };
        if journal_hash(&value) != hash {
            problem = Some((
                format!("entry {seq} was edited: its content does not match its hash"),
                n,
            ));
            break;
        }
        match &last {
            None if seq == 1 && prev != JOURNAL_GENESIS => {
                problem = Some(("entry 1 does not start the chain".into(), n));
                break;
            }
            Some((s, _)) if seq <= *s => {
                problem = Some((
                    format!("entry {seq} comes after entry {s}: out of order"),
                    n,
                ));
                break;
            }
            Some((s, h)) if seq == s + 1 && prev != *h => {
                problem = Some((
                    format!(
                        "entry {seq} does not chain to entry {s}: its prev is not that entry's hash"
                    ),
                    n,
                ));
                break;
            }
            Some((s, _)) if seq > s + 1 => {
                gaps.push(if seq == s + 2 {
                    format!("{}", s + 1)
                } else {
                    format!("{}–{}", s + 1, seq - 1)
                });
            }
            None if seq > 1 => gaps.push(if seq == 2 {
                "1".into()
            } else {
                format!("1–{}", seq - 1)
            }),
            _ => {}
        }
        let entry_plan = value.get("plan_id").and_then(Value::as_str).unwrap_or("");
        if entry_plan != plan_id {
            problem = Some((
                format!("entry {seq} is about plan '{entry_plan}', not '{plan_id}'"),
                n,
            ));
            break;
        }
        last = Some((seq, hash));
        entries.push((n, value));
    }
    let status = match &problem {
        Some((detail, line)) => Status::Differs {
            detail: detail.clone(),
            line: (*line > 0).then_some(*line),
        },
        None if entries.is_empty() => Status::Differs {
            detail: "the journal has no entry for this plan".into(),
            line: None,
        },
        None => Status::Ok,
    };
    let chain_ok = status == Status::Ok;
    run.check(CheckKind::Journal, None, Some(JOURNAL), status);
    if chain_ok {
        let mut note = format!("{} entries, hashes and chain intact", entries.len());
        if !gaps.is_empty() {
            let _ = write!(
                note,
                "; not in this extract (other plans' entries): {}",
                gaps.join(", ")
            );
        }
        run.note(note);
    } else {
        return;
    }
    let files = run.files;
    let Some((last_line, last_entry)) = entries.last() else {
        return;
    };
    let revisions = revision_files(files.names());
    let last_revision = revisions.last().map(|(_, n)| n.clone());
    let main: &str = match (&last_revision, r.is_some()) {
        (Some(n), true) => n,
        (_, true) => RESULT,
        _ => COMMITMENT,
    };
    // the attempt that wrote the folder is the last entry
    let command = match (&last_revision, r.is_some()) {
        (Some(_), true) => "substitute",
        (_, true) => "draw",
        _ => "commit",
    };
    let output = files.sha256(main).unwrap_or_default();
    let field = |k: &str| {
        last_entry
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut problems = Vec::new();
    if field("command") != command || field("outcome") != "ok" {
        problems.push(format!(
            "the last entry is '{} {}', not the successful {command} that wrote {main}",
            field("command"),
            field("outcome")
        ));
    } else {
        if field("output") != output {
            problems.push(format!(
                "its output {} is not the SHA-256 of {main} ({output})",
                field("output")
            ));
        }
        if let Some(r) = r {
            if field("seed") != r.seed.text {
                problems.push(format!(
                    "its seed '{}' is not result.json's '{}'",
                    field("seed"),
                    r.seed.text
                ));
            }
            let digests = serde_json::to_value(&r.digests).unwrap_or(Value::Null);
            if last_entry.get("digests") != Some(&digests) {
                problems.push("its digests are not result.json's".into());
            }
        }
    }
    let status = if problems.is_empty() {
        Status::Ok
    } else {
        Status::Differs {
            detail: problems.join("; "),
            line: Some(*last_line),
        }
    };
    run.check(CheckKind::JournalOutput, None, Some(main), status);
    if r.is_some() && last_revision.is_some() {
        // result.json and every earlier revision: written by a successful
        // draw or substitute entry of the extract
        let mut bound: Vec<(&str, &str)> = vec![(RESULT, "draw")];
        for (_, n) in &revisions[..revisions.len() - 1] {
            bound.push((n.as_str(), "substitute"));
        }
        for (name, cmd) in bound {
            let want = files.sha256(name).unwrap_or_default();
            let found = entries.iter().any(|(_, e)| {
                e.get("command").and_then(Value::as_str) == Some(cmd)
                    && e.get("outcome").and_then(Value::as_str) == Some("ok")
                    && e.get("output").and_then(Value::as_str) == Some(want.as_str())
            });
            let status = if found {
                Status::Ok
            } else {
                Status::Differs {
                    detail: format!("no successful {cmd} entry of the extract has output {want}"),
                    line: None,
                }
            };
            run.check(CheckKind::JournalOutput, None, Some(name), status);
        }
    }
    if let (Some(_), Some(c)) = (r, c) {
        // the commitment published is one a successful commit wrote
        let want = files.sha256(COMMITMENT).unwrap_or_default();
        let found = entries.iter().any(|(_, e)| {
            e.get("command").and_then(Value::as_str) == Some("commit")
                && e.get("outcome").and_then(Value::as_str) == Some("ok")
                && e.get("output").and_then(Value::as_str) == Some(want.as_str())
        });
        let status = if found {
            Status::Ok
        } else {
            Status::Differs {
                detail: format!(
                    "no successful commit entry of plan '{}' has output {want}",
                    c.plan.id
                ),
                line: None,
            }
        };
        run.check(CheckKind::JournalOutput, None, Some(COMMITMENT), status);
    }
    // absent or null: entries written before the field existed
    let status = match last_entry.get("bundle").filter(|b| !b.is_null()) {
        None => Status::NotChecked {
            why: "journal entry does not bind SHA256SUMS".into(),
        },
        Some(b) => {
            let want = files.sha256(SUMS).unwrap_or_default();
            if b.as_str() == Some(want.as_str()) {
                Status::Ok
            } else {
                Status::Differs {
                    detail: format!(
                        "the entry's bundle {b} is not the SHA-256 of SHA256SUMS ({want})"
                    ),
                    line: Some(*last_line),
                }
            }
        }
    };
    run.check(CheckKind::JournalBundle, None, Some(SUMS), status);
}

/// The revision files of a bundle, `revision-N.json` with `N ≥ 2`, by
/// number.
fn revision_files<'n>(names: impl Iterator<Item = &'n str>) -> Vec<(u32, String)> {
    let mut v: Vec<(u32, String)> = names
        .filter_map(|n| {
            let num = n.strip_prefix("revision-")?.strip_suffix(".json")?;
            if num.starts_with('0') || !num.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((num.parse::<u32>().ok()?, n.to_string()))
        })
        .collect();
    v.sort();
    v
}

/// Replay the revisions in order (SPEC.md §13): each must be exactly what
/// the rule computes from the inputs, the result, the earlier revisions
/// and its own disqualifications; then `revisions.md`.
fn check_revisions(run: &mut Run<'_>, replay: Option<&Loaded>, result: &mut Published) {
    let found = revision_files(run.files.names());
    if found.is_empty() {
        if run.files.contains(crate::REVISIONS_NOTICE) {
            run.check(
                CheckKind::Revision,
                None,
                Some(crate::REVISIONS_NOTICE),
                Status::Differs {
                    detail: "a substitution notice without any revision-N.json".into(),
                    line: None,
                },
            );
        }
        return;
    }
    let Some(r) = result.whole(run) else {
        return;
    };
    // the revisions are replayed with the registry held (a bundle with
    // revisions is verified so: see verify_bundle_streaming)
    let ds = replay.filter(|l| l.held).map(|l| &l.ds);
    let mut earlier: Vec<Revision> = Vec::new();
    for (i, (n, name)) in found.iter().enumerate() {
        let want = i as u32 + 2;
        if *n != want {
            run.check(
                CheckKind::Revision,
                None,
                Some(name),
                Status::Differs {
                    detail: format!(
                        "{} is missing: revisions are numbered from 2 without gaps",
                        revise::file_name(want)
                    ),
                    line: None,
                },
            );
            return;
        }
        let Some(text) = run.text(name) else {
            return;
        };
        let published = match Revision::from_json(&text) {
            Ok(p) => p,
            Err(e) => {
                run.json_error(name, "a revision", &e);
                return;
            }
        };
        let withheld: Vec<String> = run.v.withheld.clone();
        let Some(ds) = ds.filter(|_| withheld.is_empty()) else {
            let why = if withheld.is_empty() {
                "the inputs differ from result.json: the substitutes were not recomputed"
                    .to_string()
            } else {
                format!(
                    "substitutes not recomputed: {} withheld",
                    withheld.join(", ")
                )
            };
            run.check(
                CheckKind::Revision,
                None,
                Some(name),
                Status::NotChecked { why },
            );
            earlier.push(published);
            continue;
        };
        let status = match revise::revise(ds, r, &earlier, &published.disqualifications, name) {
            Err(e) => Status::Differs {
                detail: format!("recomputing the revision fails: {e}"),
                line: None,
            },
            Ok(again) => {
                let bytes = again.to_bytes();
                if bytes == text.as_bytes() {
                    Status::Ok
                } else {
                    Status::Differs {
                        detail: revision_difference(&published, &again),
                        line: Some(first_differing_line(text.as_bytes(), &bytes)),
                    }
                }
            }
        };
        let ok = status == Status::Ok;
        run.check(CheckKind::Revision, None, Some(name), status);
        if ok {
            run.note(format!(
                "{} disqualification(s), {} substitution(s) reproduced exactly",
                published.disqualifications.len(),
                published.entities.len() + published.officers.len()
            ));
        }
        earlier.push(published);
    }
    let notice = crate::revisions_notice(r, &earlier);
    run.regenerated(
        crate::REVISIONS_NOTICE,
        notice.as_bytes(),
        Status::Differs {
            detail: "missing from the bundle".into(),
            line: None,
        },
    );
}

/// The first difference between a published revision and the recomputed
/// one, in words.
fn revision_difference(published: &Revision, again: &Revision) -> String {
    for (i, (p, a)) in published.entities.iter().zip(&again.entities).enumerate() {
        if p.visit.uscc != a.visit.uscc {
            return format!(
                "entities[{i}]: the substitute for {} is {}, but the rule gives {}",
                p.replaced, p.visit.uscc, a.visit.uscc
            );
        }
        if p != a {
            return format!(
                "entities[{i}]: the substitute visit of {} differs from what the rule gives",
                p.visit.uscc
            );
        }
    }
    for (i, (p, a)) in published.officers.iter().zip(&again.officers).enumerate() {
        if p != a {
            return format!(
                "officers[{i}]: on the visit to {} the substitute for {} is {}, but the rule gives {} for {}",
                p.uscc,
                p.replaced.cert_no,
                p.substitute.cert_no,
                a.substitute.cert_no,
                a.replaced.cert_no
            );
        }
    }
    if published.entities.len() != again.entities.len()
        || published.officers.len() != again.officers.len()
    {
        return format!(
            "{} entity and {} officer substitutions published, the rule gives {} and {}",
            published.entities.len(),
            published.officers.len(),
            again.entities.len(),
            again.officers.len()
        );
    }
    if published.previous != again.previous {
        return format!(
            "previous is {}, but the previous revision's file has SHA-256 {}",
            published.previous, again.previous
        );
    }
    "differs from the canonical revision ssj substitute writes".into()
}

/// Assemble a bundle in memory the way BUNDLE.md lays it out, for tests
/// and for the page's test harness until the real bundle writer exists:
/// `plan.toml` with its `[inputs]` naming the flat files and
/// `encoding = "utf-8"` (plus `[disclosure] withhold = …` when `withhold`
/// is not empty), the inputs as UTF-8 without BOM (bytes otherwise as
/// given), `commitment.json`, the pre-draw notices, `result.json`,
/// `result.csv`, the draw notices, placeholder `VERIFY.md`, `verify.html`
/// and `ssj_verify.py`, a journal extract (commit, draw; entry 2 is
/// another plan's, left out) and `SHA256SUMS`. `open` gives an input's
/// bytes by the name the plan uses.
#[doc(hidden)]
pub fn assemble_bundle(
    plan_text: &str,
    open: &dyn Fn(&str) -> Option<Vec<u8>>,
    seed: &str,
    withhold: &[&str],
) -> Result<BundleFiles, String> {
    use shuangsuiji::journal::{JournalOutcome, JournalRecord, append_entry};
    let ds = Dataset::load(PLAN, plan_text, |name| {
        open(name)
            .map(|b| Box::new(std::io::Cursor::new(b)) as Box<dyn Read>)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, name.to_string()))
    })
    .map_err(|e| e.to_string())?;
    let mut files = BundleFiles::new();
    // the plan, its [inputs] naming the flat files
    let named = ds.plan().inputs.by_kind();
    let mut plan = String::new();
    let mut section = String::new();
    for line in plan_text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
            plan.push_str(line);
            plan.push('\n');
            if t == "[inputs]" {
                plan.push_str("encoding = \"utf-8\"\n");
            }
            continue;
        }
        let key = t.split_once('=').map(|(k, _)| k.trim()).unwrap_or("");
        if section == "[inputs]" && key == "encoding" {
            continue;
        }
        if section == "[inputs]" && named.iter().any(|(k, _)| *k == key) {
            let _ = writeln!(plan, "{key} = \"{key}.csv\"");
            continue;
        }
        plan.push_str(line);
        plan.push('\n');
    }
    if !withhold.is_empty() {
        let list: Vec<String> = withhold.iter().map(|w| format!("\"{w}\"")).collect();
        let _ = write!(plan, "\n[disclosure]\nwithhold = [{}]\n", list.join(", "));
    }
    files.insert(PLAN, plan);
    for (key, name) in named {
        let Some(name) = name else { continue };
        if withhold.contains(&key) {
            continue;
        }
        let bytes = open(name).ok_or_else(|| format!("{name}: not found"))?;
        let bytes = bytes
            .strip_prefix("\u{FEFF}".as_bytes())
            .map_or(bytes.clone(), <[u8]>::to_vec);
        files.insert(format!("{key}.csv"), bytes);
    }
    let commitment = format!("{}\n", Commitment::new(&ds).to_canonical_json());
    for (name, format) in [
        ("pre-draw.html", Format::Html),
        ("pre-draw.md", Format::Markdown),
    ] {
        files.insert(
            name,
            crate::pre_draw_notice(&ds, ALGORITHM, format, Lang::Zh),
        );
    }
    let result = draw_unchecked(&ds, seed).map_err(|e| e.to_string())?;
    let result_json = format!("{}\n", result.to_canonical_json());
    let visits = Visits::Held(&result.visits);
    let mut csv = Vec::new();
    let scheme = crate::draw_notice::scheme_of(&result);
    crate::write_result_csv_in(visits, scheme, Lang::Zh, &mut csv).map_err(|e| e.to_string())?;
    files.insert("result.csv", csv);
    let mut xlsx = Vec::new();
    crate::write_result_xlsx_in(visits, result.plan.date, scheme, Lang::Zh, &mut xlsx)
        .map_err(|e| e.to_string())?;
    files.insert("result.xlsx", xlsx);
    for (name, format) in [
        ("notice.html", Format::Html),
        ("notice.md", Format::Markdown),
    ] {
        let mut out = Vec::new();
        crate::write_draw_notice_with(
            &result,
            visits,
            &ds.plan().notice,
            format,
            Lang::Zh,
            &mut out,
        )
        .map_err(|e| e.to_string())?;
        files.insert(name, out);
    }
    files.insert("VERIFY.md", "# 如何核验 / How to verify\n(placeholder)\n");
    files.insert("verify.html", "<!DOCTYPE html><title>placeholder</title>\n");
    files.insert("ssj_verify.py", "# placeholder\n");
    // the journal: commit, another plan's entry, draw
    let record = |command: &str, plan_id: &str, seed: Option<&str>, output: &str| JournalRecord {
        time: "2026-10-09T02:00:00Z".into(),
        command: command.into(),
        plan_id: Some(plan_id.into()),
        seed: seed.map(str::to_string),
        digests: Some(ds.digests().clone()),
        outcome: JournalOutcome::Ok,
        output: Some(output.into()),
        error: None,
        note: None,
        bundle: None,
    };
    let id = ds.plan().id.as_str();
    let (l1, e1) = append_entry(
        None,
        record("commit", id, None, &sha256_hex(commitment.as_bytes())),
    );
    let head = |e: &shuangsuiji::journal::JournalEntry| shuangsuiji::journal::JournalHead {
        seq: e.seq,
        hash: e.hash.clone(),
    };
    let (_, e2) = append_entry(
        Some(&head(&e1)),
        record("commit", "OTHER-PLAN", None, &"0".repeat(64)),
    );
    let (l3, _) = append_entry(
        Some(&head(&e2)),
        record("draw", id, Some(seed), &sha256_hex(result_json.as_bytes())),
    );
    files.insert(JOURNAL, format!("{l1}{l3}"));
    files.insert(COMMITMENT, commitment);
    files.insert(RESULT, result_json);
    let mut sums = String::new();
    for name in files.names() {
        if name != JOURNAL {
            let _ = writeln!(
                sums,
                "{}  {name}",
                sha256_hex(files.get(name).unwrap_or_default())
            );
        }
    }
    files.insert(SUMS, sums);
    Ok(files)
}
