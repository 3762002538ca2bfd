//! One journaled attempt of a command that publishes files.

use std::fs;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::InputDigests;
use crate::commit::digest::hex;
use crate::error::{Error, ErrorKind, Result};
use crate::journal::{JournalEntry, JournalOutcome, JournalRecord};
use crate::publish::early::{Early, Stamp};
use crate::publish::journal_file::append_to_journal;
use crate::publish::staged::{OutLock, Staged, StagedWriter, lock_out, write_file_atomic};
use crate::publish::{Publication, SUMS_FILE, Tee, sums_text};

/// The file of a published folder that holds the journal lines of its plan.
pub const JOURNAL_EXCERPT: &str = "journal.jsonl";

/// One attempt of `commit` or `draw` (or an embedder's equivalent),
/// journaled exactly once with its real outcome.
///
/// Create it before anything can fail, so that every refusal is recorded;
/// then either [`Attempt::publish`] (journals `ok` once the files are in
/// place) or [`Attempt::fail`] / [`Attempt::fail_with`]. The caller passes
/// the time in: the library reads no clock.
///
/// ```
/// use shuangsuiji::{Dataset, Publication, Seed};
/// use shuangsuiji::publish::Attempt;
/// let dir = std::env::temp_dir().join(format!("ssj-doc-attempt-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// std::fs::create_dir_all(&dir).unwrap();
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// let mut attempt = Attempt::new(dir.join("journal.jsonl"), "draw", Some(seed.text()), "2026-10-09T02:00:00Z");
/// attempt.inputs(&ds.plan().id, ds.digests());
/// let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// let published = attempt
///     .publish(&dir.join("pub"), &Publication::of_draw(&draw), &["result.json"], false)
///     .unwrap();
/// assert_eq!(published.entry.seq, 1);
/// assert_eq!(published.entry.record.outcome.as_str(), "ok");
/// // a second attempt on the same folder is refused, and journaled as such
/// let again = Attempt::new(dir.join("journal.jsonl"), "draw", Some(seed.text()), "2026-10-09T02:05:00Z");
/// assert!(again.publish(&dir.join("pub"), &Publication::of_draw(&draw), &["result.json"], false).is_err());
/// let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
/// assert_eq!(text.lines().count(), 2);
/// assert!(text.lines().nth(1).unwrap().contains("\"outcome\":\"invalid\""));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct Attempt {
    journal: PathBuf,
    record: JournalRecord,
    // before the lock: dropped (its copies ended, its folder removed)
    // while the lock is still held
    early: Option<Early>,
    // the lock, and the output folder it was taken for
    lock: Option<(OutLock, PathBuf)>,
}

impl std::fmt::Debug for Early {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Early")
            .field("out", &self.out())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for OutLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutLock")
    }
}

/// What [`Attempt::publish`] did.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir).unwrap();
/// use shuangsuiji::{Publication, publish::Attempt};
/// let p = Publication::new().with_bytes("a.txt", b"abc".to_vec()).with_sums();
/// let attempt = Attempt::new(dir.join("journal.jsonl"), "commit", None, "2026-10-01T00:00:00Z");
/// let published = attempt.publish(&dir.join("out"), &p, &["a.txt"], false).unwrap();
/// assert_eq!(published.files, ["a.txt", "SHA256SUMS"]);
/// assert_eq!(published.digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
/// assert_eq!(published.entry.record.output.as_deref(), Some(&*published.digest));
/// assert!(published.excerpt_error.is_none());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Published {
    /// The journal entry recording it.
    pub entry: JournalEntry,
    /// SHA-256 (hex) of the main (first) file.
    pub digest: String,
    /// The journal file.
    pub journal: PathBuf,
    /// The files written, in order.
    pub files: Vec<String>,
    /// Set when the folder's copy of the journal lines (`journal.jsonl`)
    /// could not be refreshed after the entry was recorded (the result
    /// itself is in place and journaled).
    pub excerpt_error: Option<String>,
}

impl Attempt {
    /// Open an attempt of `command`, journaled in `journal`, at `time`
    /// (RFC 3339 UTC, from the caller's clock).
    ///
    /// ```
    /// use shuangsuiji::publish::Attempt;
    /// let a = Attempt::new("journal.jsonl", "draw", Some("38 17 05"), "2026-10-09T02:00:00Z");
    /// assert_eq!(a.record().seed.as_deref(), Some("38 17 05"));
    /// assert_eq!(a.record().outcome.as_str(), "invalid"); // until it succeeds
    /// ```
    pub fn new(
        journal: impl Into<PathBuf>,
        command: &str,
        seed: Option<&str>,
        time: impl Into<String>,
    ) -> Attempt {
        Attempt {
            journal: journal.into(),
            record: JournalRecord {
                time: time.into(),
                command: command.into(),
                plan_id: None,
                seed: seed.map(str::to_string),
                digests: None,
                outcome: JournalOutcome::Invalid,
                output: None,
                error: None,
                note: None,
                bundle: None,
            },
            early: None,
            lock: None,
        }
    }

    /// The journal file.
    ///
    /// ```
    /// let a = shuangsuiji::publish::Attempt::new("j/journal.jsonl", "commit", None, "2026-10-01T00:00:00Z");
    /// assert_eq!(a.journal(), std::path::Path::new("j/journal.jsonl"));
    /// ```
    pub fn journal(&self) -> &Path {
        &self.journal
    }

    /// The record as it stands.
    ///
    /// ```
    /// let a = shuangsuiji::publish::Attempt::new("journal.jsonl", "commit", None, "2026-10-01T00:00:00Z");
    /// assert_eq!((a.record().command.as_str(), a.record().time.as_str()), ("commit", "2026-10-01T00:00:00Z"));
    /// ```
    pub fn record(&self) -> &JournalRecord {
        &self.record
    }

    /// Add a note (joined to earlier notes with `; `).
    ///
    /// ```
    /// let mut a = shuangsuiji::publish::Attempt::new("journal.jsonl", "draw", None, "2026-10-01T00:00:00Z");
    /// a.note("weak seed allowed");
    /// a.note("retry");
    /// assert_eq!(a.record().note.as_deref(), Some("weak seed allowed; retry"));
    /// ```
    pub fn note(&mut self, note: &str) {
        self.record.note = Some(match self.record.note.take() {
            Some(n) => format!("{n}; {note}"),
            None => note.to_string(),
        });
    }

    /// Record which plan and inputs the attempt concerns.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let mut a = shuangsuiji::publish::Attempt::new("journal.jsonl", "commit", None, "2026-10-01T00:00:00Z");
    /// a.inputs(&ds.plan().id, ds.digests());
    /// assert_eq!(a.record().plan_id.as_ref(), Some(&ds.plan().id));
    /// assert_eq!(a.record().digests.as_ref(), Some(ds.digests()));
    /// ```
    pub fn inputs(&mut self, plan_id: &str, digests: &InputDigests) {
        self.record.plan_id = Some(plan_id.to_string());
        self.record.digests = Some(digests.clone());
    }

    /// Take the lock of the output folder now (before reading large
    /// inputs), and refuse at once if one of `guarded` already exists
    /// there and `force` is not given. Waits while another process
    /// publishes into the same folder. The lock is kept until the attempt
    /// ends.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use shuangsuiji::publish::Attempt;
    /// std::fs::create_dir_all(dir.join("out")).unwrap();
    /// std::fs::write(dir.join("out/result.json"), "{}\n").unwrap();
    /// let mut a = Attempt::new(dir.join("journal.jsonl"), "draw", None, "2026-10-01T00:00:00Z");
    /// let e = a.reserve(&dir.join("out"), &["result.json"], false).unwrap_err();
    /// assert!(e.to_string().contains("refusing to overwrite"));
    /// assert!(a.reserve(&dir.join("out"), &["result.json"], true).is_ok()); // --force
    /// # drop(a);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn reserve(&mut self, out: &Path, guarded: &[&str], force: bool) -> Result<()> {
        if self.lock.is_none() {
            super::staged::check_out(out).map_err(|e| publish_error(out, e))?;
            let lock = lock_out(out).map_err(|e| publish_error(out, e))?;
            self.lock = Some((lock, out.to_path_buf()));
        }
        if force {
            return Ok(());
        }
        let found: Vec<String> = guarded
            .iter()
            .map(|n| out.join(n))
            .filter(|p| fs::symlink_metadata(p).is_ok())
            .map(|p| p.display().to_string())
            .collect();
        if found.is_empty() {
            return Ok(());
        }
        Err(publish_error(
            out,
            format!(
                "{} already exist(s): an earlier run wrote there; refusing to overwrite it (use --force to replace it; the journal keeps every attempt)",
                found.join(", ")
            ),
        ))
    }

    /// Start copying the inputs of the plan at `plan_path` into the folder
    /// being prepared for `out`, in the background and at the lowest
    /// scheduling priority, while the caller reads the inputs and draws: a
    /// province's registry in its published form (about 1.6 s of copying
    /// and checking at 10^7 entities) is then mostly copied on cycles the
    /// draw leaves idle. [`Attempt::publish`] into the same `out` keeps a
    /// copy only if its source is the same file, unchanged (size,
    /// modification and change times), and the publication names the same
    /// input ([`Publication::with_inputs`]); every other file is written as
    /// without this call, so the published bytes are the same either way.
    ///
    /// Call it after [`Attempt::reserve`] of the same `out` (it does
    /// nothing without that folder's lock, or when the plan cannot be
    /// read: the draw reports that). It may create `out` (removed again,
    /// with the copies, if the attempt fails).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use shuangsuiji::{Dataset, Publication, publish::Attempt};
    /// let plan = std::path::Path::new("../../data/youyu-forestry/plan.toml");
    /// let mut a = Attempt::new(dir.join("journal.jsonl"), "commit", None, "2026-10-01T00:00:00Z");
    /// a.reserve(&dir.join("out"), &["commitment.json"], false).unwrap();
    /// a.copy_inputs_early(&dir.join("out"), plan);
    /// let ds = Dataset::open(plan).unwrap();
    /// let text = std::fs::read_to_string(plan).unwrap();
    /// let c = ds.commit();
    /// let p = Publication::of_commitment(&c).with_inputs(plan, &text, ds.plan()).unwrap();
    /// a.publish(&dir.join("out"), &p, &["commitment.json"], false).unwrap();
    /// // the registry's bytes as the publication defines them, however made
    /// let registry = p.bytes("entities.csv").unwrap().unwrap();
    /// assert_eq!(std::fs::read(dir.join("out/entities.csv")).unwrap(), registry);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    #[doc(hidden)] // for the CLI: public API once a release bumps the version
    pub fn copy_inputs_early(&mut self, out: &Path, plan_path: &Path) {
        if self.early.is_some() || self.lock.as_ref().is_none_or(|(_, locked)| locked != out) {
            return;
        }
        let Ok(file) = crate::load::open::PlanFile::read(plan_path) else {
            return;
        };
        let Ok(plan) = crate::Plan::from_toml(&file.name, &file.text) else {
            return;
        };
        self.early = Early::start(out, plan_path, &plan, file).ok();
    }

    /// Wait for the copies started by [`Attempt::copy_inputs_early`];
    /// whether any were started.
    #[cfg(test)]
    pub(crate) fn wait_early(&mut self) -> bool {
        self.early.as_mut().map(Early::wait).is_some()
    }

    /// Journal the attempt as failed. Returns the entry, or why the
    /// journal could not record it.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use shuangsuiji::{journal::JournalOutcome, publish::Attempt};
    /// let a = Attempt::new(dir.join("journal.jsonl"), "draw", Some("1"), "2026-10-01T00:00:00Z");
    /// let entry = a.fail(JournalOutcome::Invalid, "the seed is too weak").unwrap();
    /// assert_eq!((entry.seq, entry.record.error.as_deref()), (1, Some("the seed is too weak")));
    /// assert_eq!(std::fs::read_to_string(dir.join("journal.jsonl")).unwrap().lines().count(), 1);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn fail(mut self, outcome: JournalOutcome, error: &str) -> Result<JournalEntry> {
        self.record.outcome = outcome;
        self.record.error = Some(error.to_string());
        append_to_journal(&self.journal, self.record)
    }

    /// Journal the attempt as failed by `e`: `infeasible` for an
    /// infeasible rule set, `invalid` otherwise; the error text keeps one
    /// line per error (warnings left out).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use shuangsuiji::{Error, Infeasible, journal::JournalOutcome, publish::Attempt};
    /// let a = Attempt::new(dir.join("journal.jsonl"), "draw", Some("1"), "2026-10-01T00:00:00Z");
    /// let e = Error::infeasible(Infeasible { item: "LY-01".into(), subject: None, constraint: "no team".into() });
    /// let entry = a.fail_with(&e).unwrap();
    /// assert_eq!(entry.record.outcome, JournalOutcome::Infeasible);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn fail_with(self, e: &Error) -> Result<JournalEntry> {
        let outcome = match e.kind() {
            ErrorKind::Infeasible(_) => JournalOutcome::Infeasible,
            _ => JournalOutcome::Invalid,
        };
        self.fail(outcome, &error_text(e))
    }

    /// Publish: write every file of `publication` into `out` atomically,
    /// then journal `ok` with the SHA-256 of the first file (and of
    /// `SHA256SUMS`, when the publication has one). Refused when one of
    /// `guarded` exists in `out` and `force` is not given. If the journal
    /// cannot record the success, the files are taken back out and the
    /// folder is as before. Any failure is journaled (best effort) and
    /// returned. Finally the plan's journal lines are copied into
    /// `out/journal.jsonl`.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use shuangsuiji::{Publication, publish::Attempt};
    /// let p = Publication::new().with_bytes("a.txt", b"abc".to_vec()).with_sums();
    /// let attempt = Attempt::new(dir.join("journal.jsonl"), "commit", None, "2026-10-01T00:00:00Z");
    /// let published = attempt.publish(&dir.join("out"), &p, &["a.txt"], false).unwrap();
    /// assert_eq!(std::fs::read(dir.join("out/a.txt")).unwrap(), b"abc");
    /// assert!(published.entry.record.bundle.is_some()); // binds SHA256SUMS
    /// assert_eq!(std::fs::read_to_string(dir.join("journal.jsonl")).unwrap().lines().count(), 1);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn publish(
        mut self,
        out: &Path,
        publication: &Publication<'_>,
        guarded: &[&str],
        force: bool,
    ) -> Result<Published> {
        if let Err(e) = self.reserve(out, guarded, force) {
            return Err(self.journal_failure(e));
        }
        let names: Vec<String> = publication.names().map(str::to_string).collect();
        let mut digest = String::new();
        let mut sums = None;
        // inputs still being copied early go last: the other files are
        // staged while their copies end (a one-item draw's registry copy
        // would otherwise be waited for with one core idle)
        let mut early = match self.early.take() {
            Some(e) if e.out() == out => Some(e),
            _ => None,
        };
        let from_early = early.as_mut().and_then(Early::take_staged);
        let staged = from_early
            .map_or_else(|| Staged::new(out), Ok)
            .and_then(|mut s| {
                // dropped (the copier stopped and waited for) before `s`,
                // whose folder it writes into, on every way out
                let early = early;
                let files: Vec<&str> = names
                    .iter()
                    .map(String::as_str)
                    .filter(|n| *n != SUMS_FILE)
                    .collect();
                let stage = |n: &str, w: &mut StagedWriter| -> io::Result<(String, String)> {
                    // an input in its published form is copied and checked
                    if let Some(copy) = publication.copy_of(n)
                        && let Some(h) = copy.stage_copy(w, || copy.open(), None)?
                    {
                        return Ok((n.to_string(), hex(&h)));
                    }
                    let mut tee = Tee {
                        inner: w,
                        hasher: Sha256::new(),
                    };
                    publication.write_file(n, &mut tee)?;
                    Ok((n.to_string(), hex(&tee.hasher.finalize())))
                };
                let pending = |n: &&str| early.as_ref().is_some_and(|e| e.names().contains(n));
                let first: Vec<&str> = files.iter().copied().filter(|n| !pending(n)).collect();
                let mut written = s.stage_all(&first, &stage)?;
                let copied = early.map(Early::copies).unwrap_or_default();
                // the early copies still good; the others are written again
                // or removed
                let mut kept: Vec<(String, String)> = Vec::new();
                for c in copied {
                    let same = files.contains(&c.name)
                        && publication
                            .copy_of(c.name)
                            .is_some_and(|p| p.same_as(&c.copy))
                        && Stamp::of(c.copy.path()).is_ok_and(|now| now == c.before);
                    if same {
                        s.adopt(c.name);
                        kept.push((c.name.to_string(), hex(&c.hash)));
                    } else if !files.contains(&c.name) {
                        fs::remove_file(s.staging().join(c.name))?;
                    }
                }
                let rest: Vec<&str> = files
                    .iter()
                    .copied()
                    .filter(|n| !first.contains(n) && !kept.iter().any(|(k, _)| k == n))
                    .collect();
                written.extend(s.stage_all(&rest, &stage)?);
                written.extend(kept);
                // in the publication's order
                let hashes: Vec<(String, String)> = files
                    .iter()
                    .filter_map(|n| {
                        let i = written.iter().position(|(k, _)| k == n)?;
                        Some(written.swap_remove(i))
                    })
                    .collect();
                digest = hashes.first().map(|(_, h)| h.clone()).unwrap_or_default();
                if publication.has_sums() {
                    let text = sums_text(hashes);
                    sums = Some(hex(&Sha256::digest(&text)));
                    s.stage_with(SUMS_FILE, &mut |w| w.write_all(&text))?;
                }
                Ok(s)
            });
        let staged = match staged {
            Ok(s) => s,
            Err(e) => return Err(self.journal_failure(publish_error(out, e))),
        };
        let swapped = match staged.commit() {
            Ok(s) => s,
            Err(e) => return Err(self.journal_failure(publish_error(out, e))),
        };
        self.record.outcome = JournalOutcome::Ok;
        self.record.output = Some(digest.clone());
        self.record.bundle = sums;
        let plan_id = self.record.plan_id.clone();
        let entry = match append_to_journal(&self.journal, self.record) {
            Ok(e) => e,
            Err(e) => {
                let undo = swapped.undo();
                let mut msg = format!("{e}; the journal could not record the result");
                match undo {
                    Ok(()) => msg.push_str(", so it was taken back out: nothing was published"),
                    Err(u) => msg.push_str(&format!(
                        ", and taking it back out failed ({u}): the folder holds an unrecorded result"
                    )),
                }
                return Err(publish_error(out, msg));
            }
        };
        swapped.finish();
        let excerpt_error = plan_id.and_then(|id| {
            copy_plan_lines(&self.journal, &id, &out.join(JOURNAL_EXCERPT))
                .err()
                .map(|e| e.to_string())
        });
        Ok(Published {
            entry,
            digest,
            journal: self.journal,
            files: names,
            excerpt_error,
        })
    }

    /// Journal a failure before returning it; a journal that cannot record
    /// it is said in the error.
    fn journal_failure(mut self, e: Error) -> Error {
        self.early = None;
        self.lock = None;
        let journal = self.journal.clone();
        match self.fail_with(&e) {
            Ok(_) => e,
            Err(j) => publish_error(
                Path::new(&journal),
                format!("{e}; and the journal could not record this failure: {j}"),
            ),
        }
    }
}

/// The error as journal text: one line per error (warnings left out).
pub(crate) fn error_text(e: &Error) -> String {
    match e.kind() {
        ErrorKind::Input { diagnostics } => diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => e.to_string(),
    }
}

/// An error of writing the published files or the journal, naming `path`.
pub(crate) fn publish_error(path: &Path, message: impl std::fmt::Display) -> Error {
    ErrorKind::Publish {
        path: path.display().to_string(),
        message: message.to_string(),
    }
    .into()
}

/// Copy the journal lines whose `plan_id` is `plan_id` into `to`,
/// verbatim and in order (atomically).
fn copy_plan_lines(journal: &Path, plan_id: &str, to: &Path) -> io::Result<()> {
    let f = fs::File::open(journal)?;
    let mut lines = Vec::new();
    for line in io::BufReader::new(f).lines() {
        let line = line?;
        let ours = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| {
                v.get("plan_id")
                    .and_then(|p| p.as_str().map(|s| s == plan_id))
            })
            .unwrap_or(false);
        if ours {
            lines.push(line);
        }
    }
    write_file_atomic(to, &mut |w| {
        for l in &lines {
            w.write_all(l.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}
