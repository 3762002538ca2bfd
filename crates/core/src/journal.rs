//! The journal (全过程记录): an append-only, hash-chained record of every
//! draw attempt, successful or not.
//!
//! A journal is a UTF-8 text file of JSON Lines. Line *n* holds entry *n*:
//! the canonical JSON (keys sorted, no insignificant whitespace) of a
//! [`JournalEntry`], whose `seq` is *n*, whose `prev` is the `hash` of entry
//! *n − 1* (64 zeros for the first entry), and whose `hash` is
//!
//! ```text
//! SHA-256( u32be(len(tag)) ‖ tag ‖ canonical JSON of the entry without "hash" )
//! tag = "shuangsuiji/v1/journal-entry"
//! ```
//!
//! in lower-case hex. Editing an entry breaks its own hash; deleting,
//! inserting or reordering entries breaks `seq` and `prev`; rewriting an
//! entry together with its hash breaks the `prev` of the next one. Only
//! cutting entries off the end cannot be seen from the file alone: publish
//! the head hash (the hash of the last entry) to pin it.
//!
//! This module only encodes and checks; the caller supplies the time and
//! does the file I/O (append, fsync).

use std::fmt;
use std::io::BufRead;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::InputDigests;
use crate::commit::digest::{canonical_json, hex, put};

/// Domain tag of a journal entry hash.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const TAG_JOURNAL_ENTRY: &str = "shuangsuiji/v1/journal-entry";

/// The `prev` of the first entry: 64 zeros.
pub const JOURNAL_GENESIS: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// How an attempt ended.
///
/// ```
/// use shuangsuiji::journal::JournalOutcome;
/// assert_eq!(JournalOutcome::Ok.as_str(), "ok");
/// assert_eq!(serde_json::to_string(&JournalOutcome::Infeasible).unwrap(), "\"infeasible\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalOutcome {
    /// Success: the output was written.
    Ok,
    /// The inputs, the seed or the flags were refused (exit code 2).
    Invalid,
    /// The rules cannot be satisfied (exit code 3).
    Infeasible,
}

impl JournalOutcome {
    /// The label used in the journal.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::journal::JournalOutcome::Invalid.as_str(), "invalid");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            JournalOutcome::Ok => "ok",
            JournalOutcome::Invalid => "invalid",
            JournalOutcome::Infeasible => "infeasible",
        }
    }
}

/// What the caller records about one attempt.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (line, entry) = append_entry(None, rec("38 17 05"));
/// assert_eq!(entry.record.seed.as_deref(), Some("38 17 05"));
/// assert!(line.contains("\"command\":\"draw\"") && line.ends_with('\n'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// When, as the caller's clock says (RFC 3339, UTC).
    pub time: String,
    /// The command: `commit` or `draw`.
    pub command: String,
    /// The plan id, when the plan could be read.
    pub plan_id: Option<String>,
    /// The seed text exactly as given (draw only).
    pub seed: Option<String>,
    /// The input digests, when the inputs could be read.
    pub digests: Option<InputDigests>,
    /// How it ended.
    pub outcome: JournalOutcome,
    /// SHA-256 (hex) of the file produced (`result.json` or
    /// `commitment.json`), on success.
    pub output: Option<String>,
    /// The error, on failure (one line per problem).
    pub error: Option<String>,
    /// Anything else worth a trace, e.g. that a weak seed was allowed.
    pub note: Option<String>,
    /// SHA-256 (hex) of the published folder's `SHA256SUMS`, which lists
    /// every file written with its SHA-256: binds the notices and the
    /// rest of the bundle to this entry. Absent in entries written before
    /// bundles existed (and then not part of the entry's hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
}

/// One line of the journal.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (_, first) = append_entry(None, rec("1"));
/// assert_eq!((first.seq, first.prev.as_str()), (1, JOURNAL_GENESIS));
/// let head = JournalHead { seq: first.seq, hash: first.hash.clone() };
/// let (_, second) = append_entry(Some(&head), rec("2"));
/// assert_eq!((second.seq, &second.prev), (2, &first.hash));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// 1-based position in the journal (its line number).
    pub seq: u64,
    /// The record.
    #[serde(flatten)]
    pub record: JournalRecord,
    /// The hash of the previous entry ([`JOURNAL_GENESIS`] for the first).
    pub prev: String,
    /// The hash of this entry (see the module documentation).
    pub hash: String,
}

#[derive(Serialize)]
struct Unhashed<'a> {
    seq: u64,
    #[serde(flatten)]
    record: &'a JournalRecord,
    prev: &'a str,
}

/// The hash an entry must carry.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (_, e) = append_entry(None, rec("1"));
/// assert_eq!(entry_hash(e.seq, &e.record, &e.prev), e.hash);
/// assert_ne!(entry_hash(e.seq, &rec("2"), &e.prev), e.hash);
/// ```
pub fn entry_hash(seq: u64, record: &JournalRecord, prev: &str) -> String {
    hash_canonical(&canonical_json(&Unhashed { seq, record, prev }))
}

fn hash_canonical(json: &str) -> String {
    let mut buf = Vec::new();
    put(&mut buf, TAG_JOURNAL_ENTRY);
    buf.extend_from_slice(json.as_bytes());
    hex(&Sha256::digest(&buf))
}

/// The end of a journal: the last entry's `seq` and `hash`.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (l1, e1) = append_entry(None, rec("1"));
/// let head = verify_journal(l1.as_bytes()).unwrap().head().unwrap();
/// assert_eq!(head, JournalHead { seq: 1, hash: e1.hash });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalHead {
    /// The number of entries.
    pub seq: u64,
    /// The hash of the last entry.
    pub hash: String,
}

/// Make the next entry after `head` (`None` for an empty journal): the
/// line to append (with its trailing newline) and the entry.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn append_entry(
    head: Option<&JournalHead>,
    mut record: JournalRecord,
) -> (String, JournalEntry) {
    // free text is kept only up to a bound, so that an entry stays far
    // below the line limit whatever failed: a draw refused for 100,000
    // bad rows would otherwise write one line of megabytes, which no
    // reader of the journal (this one included) accepts
    record.error = record.error.map(bound_text);
    record.note = record.note.map(bound_text);
    let (seq, prev) = match head {
        Some(h) => (h.seq + 1, h.hash.clone()),
        None => (1, JOURNAL_GENESIS.to_string()),
    };
    let hash = entry_hash(seq, &record, &prev);
    let entry = JournalEntry {
        seq,
        record,
        prev,
        hash,
    };
    (format!("{}\n", canonical_json(&entry)), entry)
}

/// A journal whose chain holds.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (l1, _) = append_entry(None, rec("1"));
/// let report = verify_journal(l1.as_bytes()).unwrap();
/// assert_eq!(report.entries[0].record.seed.as_deref(), Some("1"));
/// assert_eq!(JournalReport::default().head(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JournalReport {
    /// The entries, in order.
    pub entries: Vec<JournalEntry>,
}

impl JournalReport {
    /// The head (last entry), if any.
    ///
    /// ```
    /// # use shuangsuiji::journal::*;
    /// # let rec = |seed: &str| JournalRecord {
    /// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
    /// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
    /// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
    /// # };
    /// let (l1, e1) = append_entry(None, rec("1"));
    /// assert_eq!(verify_journal(l1.as_bytes()).unwrap().head().unwrap().hash, e1.hash);
    /// ```
    pub fn head(&self) -> Option<JournalHead> {
        self.entries.last().map(|e| JournalHead {
            seq: e.seq,
            hash: e.hash.clone(),
        })
    }
}

/// Why a journal does not verify.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (l1, _) = append_entry(None, rec("1"));
/// let torn = &l1[..l1.len() - 1]; // no line feed: a write cut short
/// let e = verify_journal(torn.as_bytes()).unwrap_err();
/// assert_eq!(e.problem, JournalBreak::Torn { bytes: torn.len() as u64 });
/// assert_eq!(verify_journal("{}\n".as_bytes()).unwrap_err().line, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JournalBreak {
    /// The line is not a journal entry.
    Malformed {
        /// What the parser said.
        message: String,
    },
    /// The line holds another entry number: entries were deleted,
    /// inserted or reordered.
    Sequence {
        /// The number the line should hold.
        expected: u64,
        /// The number it holds.
        found: u64,
    },
    /// The entry's `prev` is not the hash of the entry before it.
    Chain,
    /// The entry's content does not match its own hash: it was edited.
    Hash,
    /// The last line has no line feed: a write was cut short (a crash or a
    /// full disk). It is no entry; `ssj journal repair` moves it aside, and
    /// the next append does so by itself and notes it in its entry.
    Torn {
        /// The length of the torn line in bytes.
        bytes: u64,
    },
    /// The file could not be read.
    Io {
        /// The operating system's message.
        message: String,
    },
}

/// The first broken entry of a journal.
///
/// ```
/// # use shuangsuiji::journal::*;
/// # let rec = |seed: &str| JournalRecord {
/// #     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
/// #     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
/// #     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// # };
/// let (l1, _) = append_entry(None, rec("1"));
/// let e = verify_journal(format!("{l1}{l1}").as_bytes()).unwrap_err();
/// assert_eq!((e.line, &e.problem), (2, &JournalBreak::Sequence { expected: 2, found: 1 }));
/// assert!(e.to_string().starts_with("line 2: expected entry 2 but found entry 1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalError {
    /// 1-based line of the first broken entry (which is also the entry
    /// number it should hold).
    pub line: u64,
    /// What is wrong.
    pub problem: JournalBreak,
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.line;
        match &self.problem {
            JournalBreak::Malformed { message } => {
                write!(f, "line {n}: entry {n} is not a journal entry: {message}")
            }
            JournalBreak::Sequence { expected, found } => write!(
                f,
                "line {n}: expected entry {expected} but found entry {found}: entries were deleted, inserted or reordered"
            ),
            JournalBreak::Chain => write!(
                f,
                "line {n}: entry {n} does not chain to entry {}: its 'prev' is not the hash of the entry before it, which was rewritten, or an entry was replaced",
                n.saturating_sub(1)
            ),
            JournalBreak::Hash => write!(
                f,
                "line {n}: entry {n} was edited: its content does not match its hash"
            ),
            JournalBreak::Torn { bytes } => write!(
                f,
                "line {n}: the last line ({bytes} bytes) is torn, a write cut short by a crash or a full disk; it is not an entry (`ssj journal repair` moves it aside; the next attempt does so by itself)"
            ),
            JournalBreak::Io { message } => write!(f, "line {n}: cannot read: {message}"),
        }
    }
}

impl std::error::Error for JournalError {}

/// The longest journal line read: 1 MiB. A line is a few hundred bytes
/// (the seed text a few dozen; an error or a note is cut to 64 KiB), so
/// anything longer is not a journal line and is refused without being
/// held whole.
pub const MAX_JOURNAL_LINE_BYTES: usize = 1 << 20;

/// The most of an entry's `error` or `note` the journal keeps: 64 KiB.
/// A longer text keeps its first lines that fit, then says how many lines
/// and bytes were left out (the command itself reported them all).
pub(crate) const MAX_JOURNAL_TEXT_BYTES: usize = 64 * 1024;

/// `text` if it is at most [`MAX_JOURNAL_TEXT_BYTES`]; else its first
/// whole lines that fit (its first characters, if even the first line
/// does not) and a last line saying what was left out.
fn bound_text(text: String) -> String {
    if text.len() <= MAX_JOURNAL_TEXT_BYTES {
        return text;
    }
    // room for the last line, whatever its numbers
    let mut room = MAX_JOURNAL_TEXT_BYTES - 160;
    while !text.is_char_boundary(room) {
        room -= 1;
    }
    let cut = text[..room].rfind('\n').unwrap_or(room);
    let rest = &text[cut..];
    let lines = match rest.trim_start_matches('\n').lines().count() {
        1 => "1 more line".to_string(),
        n => format!("{n} more lines"),
    };
    format!(
        "{}\n… {lines} ({} bytes) left out: the journal keeps the first {MAX_JOURNAL_TEXT_BYTES} bytes of a text",
        &text[..cut],
        rest.len()
    )
}

/// Check a whole journal: every line an entry, numbered 1, 2, 3 …, each
/// chained to the one before and matching its own hash. Returns the
/// entries, or the first broken one by its 1-based line.
///
/// ```
/// use shuangsuiji::journal::{JournalOutcome, JournalRecord, append_entry, verify_journal};
/// let rec = |seed: &str| JournalRecord {
///     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(),
///     plan_id: Some("P".into()), seed: Some(seed.into()), digests: None,
///     outcome: JournalOutcome::Ok, output: None, error: None, note: None, bundle: None,
/// };
/// let (l1, _) = append_entry(None, rec("1"));
/// let report = verify_journal(l1.as_bytes()).unwrap();
/// let (l2, _) = append_entry(report.head().as_ref(), rec("2"));
/// let text = format!("{l1}{l2}");
/// assert_eq!(verify_journal(text.as_bytes()).unwrap().entries.len(), 2);
/// let edited = text.replace("\"seed\":\"1\"", "\"seed\":\"9\"");
/// assert_eq!(verify_journal(edited.as_bytes()).unwrap_err().line, 1);
/// let swapped = format!("{l2}{l1}");
/// assert_eq!(verify_journal(swapped.as_bytes()).unwrap_err().line, 1);
/// ```
pub fn verify_journal<R: BufRead>(mut reader: R) -> Result<JournalReport, JournalError> {
    let mut entries: Vec<JournalEntry> = Vec::new();
    let mut buf = Vec::new();
    for n in 1u64.. {
        let fail = |problem| JournalError { line: n, problem };
        let io = |e: std::io::Error| {
            fail(JournalBreak::Io {
                message: e.to_string(),
            })
        };
        // one line, never more than the limit held
        buf.clear();
        let read = std::io::Read::take(&mut reader, MAX_JOURNAL_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(io)?;
        if read == 0 {
            break;
        }
        if buf.len() > MAX_JOURNAL_LINE_BYTES {
            // too long to be an entry: skip the rest of it, holding nothing,
            // to tell a torn tail (no line end: a crash) from a long line
            let mut bytes = buf.len() as u64;
            let ended = loop {
                let chunk = reader.fill_buf().map_err(io)?;
                if chunk.is_empty() {
                    break false;
                }
                if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                    bytes += i as u64;
                    reader.consume(i + 1);
                    break true;
                }
                let n = chunk.len();
                bytes += n as u64;
                reader.consume(n);
            };
            if !ended {
                return Err(fail(JournalBreak::Torn { bytes }));
            }
            return Err(io(std::io::Error::other(format!(
                "the line is longer than {MAX_JOURNAL_LINE_BYTES} bytes, the most a journal line may be"
            ))));
        }
        if buf.last() != Some(&b'\n') {
            return Err(fail(JournalBreak::Torn {
                bytes: buf.len() as u64,
            }));
        }
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let malformed = |e: serde_json::Error| {
            fail(JournalBreak::Malformed {
                message: e.to_string(),
            })
        };
        let mut value: serde_json::Value = serde_json::from_slice(&buf).map_err(malformed)?;
        let entry: JournalEntry = serde_json::from_value(value.clone()).map_err(malformed)?;
        // the hash covers every key of the line but "hash", so that a key
        // added by hand is an edit too
        if let Some(obj) = value.as_object_mut() {
            obj.remove("hash");
        }
        if entry.seq != n {
            return Err(fail(JournalBreak::Sequence {
                expected: n,
                found: entry.seq,
            }));
        }
        let prev = entries
            .last()
            .map_or(JOURNAL_GENESIS, |e: &JournalEntry| e.hash.as_str());
        if entry.prev != prev {
            return Err(fail(JournalBreak::Chain));
        }
        if hash_canonical(&canonical_json(&value)) != entry.hash {
            return Err(fail(JournalBreak::Hash));
        }
        entries.push(entry);
    }
    Ok(JournalReport { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(error: String) -> JournalRecord {
        JournalRecord {
            time: "2026-10-09T02:00:00Z".into(),
            command: "draw".into(),
            plan_id: Some("P".into()),
            seed: Some("1".into()),
            digests: None,
            outcome: JournalOutcome::Invalid,
            output: None,
            error: Some(error),
            note: None,
            bundle: None,
        }
    }

    #[test]
    fn a_long_error_keeps_its_first_whole_lines_and_says_what_was_left_out() {
        let errors: Vec<String> = (2..100_002)
            .map(|n| format!("history.csv:{n}: uscc: error: entity '91140623MA0000000X' is not in entities.csv"))
            .collect();
        let (line, entry) = append_entry(None, failed(errors.join("\n")));
        let kept = entry.record.error.unwrap();
        assert!(kept.len() <= MAX_JOURNAL_TEXT_BYTES, "{}", kept.len());
        assert!(line.len() < 2 * MAX_JOURNAL_TEXT_BYTES, "{}", line.len());
        let (first, last) = kept.rsplit_once('\n').unwrap();
        let n = first.lines().count();
        assert_eq!(first, errors[..n].join("\n"));
        let left = errors.join("\n").len() - first.len();
        assert_eq!(
            last,
            format!(
                "… {} more lines ({left} bytes) left out: the journal keeps the first 65536 bytes of a text",
                errors.len() - n
            )
        );
        // the line reads back, and its hash covers the text as kept
        assert_eq!(verify_journal(line.as_bytes()).unwrap().entries.len(), 1);
    }

    #[test]
    fn a_long_line_of_chinese_is_cut_between_characters() {
        for pad in 0..3 {
            let text = format!("{}{}", "x".repeat(pad), "名".repeat(40_000));
            let (line, entry) = append_entry(None, failed(text.clone()));
            let kept = entry.record.error.unwrap();
            assert!(kept.len() <= MAX_JOURNAL_TEXT_BYTES, "{}", kept.len());
            let (first, last) = kept.rsplit_once('\n').unwrap();
            assert!(text.starts_with(first) && first.len() > 60_000, "{pad}");
            assert!(last.starts_with("… 1 more line ("), "{last}");
            assert_eq!(verify_journal(line.as_bytes()).unwrap().entries.len(), 1);
        }
        // at the bound, nothing is cut
        let text = "名".repeat(MAX_JOURNAL_TEXT_BYTES / 3);
        let (_, entry) = append_entry(None, failed(text.clone()));
        assert_eq!(entry.record.error.unwrap(), text);
    }
}
