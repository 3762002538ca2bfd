//! One journaled attempt of `ssj commit` or `ssj draw`: the library's
//! [`shuangsuiji::publish::Attempt`], with printing and exit codes.

use std::fmt::Write as _;
use std::path::Path;

use shuangsuiji::journal::JournalOutcome;
use shuangsuiji::publish::{self, Published};
use shuangsuiji::{Dataset, Error, Publication};

use crate::cli::StreamFlags;
use crate::{exit, fsio, input};

/// One attempt being journaled.
pub(crate) struct Attempt {
    inner: publish::Attempt,
}

impl Attempt {
    pub(crate) fn new(journal: std::path::PathBuf, command: &str, seed: Option<&str>) -> Attempt {
        let mut inner = publish::Attempt::new(journal, command, seed, fsio::now_rfc3339());
        if fsio::clock_override() {
            // a clock set by hand is said so in the entry itself
            inner.note("time from SOURCE_DATE_EPOCH");
        }
        Attempt { inner }
    }

    pub(crate) fn dataset(&mut self, ds: &Dataset) {
        self.inner.inputs(&ds.plan().id, ds.digests());
    }

    pub(crate) fn inputs(&mut self, plan_id: &str, digests: &shuangsuiji::InputDigests) {
        self.inner.inputs(plan_id, digests);
    }

    pub(crate) fn note(&mut self, note: &str) {
        self.inner.note(note);
    }

    /// Journal a failure already printed and return `code`.
    pub(crate) fn fail(self, outcome: JournalOutcome, error: String, code: u8) -> u8 {
        let journal = self.inner.journal().display().to_string();
        if let Err(e) = self.inner.fail(outcome, &error) {
            exit::message(&format!("cannot append to the journal {journal}: {e}"));
        }
        code
    }

    /// What comes before reading the inputs (a registry of perhaps many
    /// gigabytes): take the output folder's lock, refuse to overwrite
    /// earlier output unless `force`, and check the streaming flags; then
    /// start copying the plan's inputs into the folder being prepared
    /// (in the background, on idle cycles). A refusal is journaled and
    /// printed.
    pub(crate) fn before_reading(
        mut self,
        out: &Path,
        guarded: &[&str],
        force: bool,
        flags: &StreamFlags,
        quiet: bool,
        plan: &Path,
    ) -> Result<(Attempt, input::Streaming), u8> {
        let checked = match self.inner.reserve(out, guarded, force) {
            Err(e) => Err(e.to_string()),
            Ok(()) => input::Streaming::new(flags, out, quiet),
        };
        match checked {
            Ok(st) => {
                self.inner.copy_inputs_early(out, plan);
                Ok((self, st))
            }
            Err(msg) => {
                exit::message(&msg);
                Err(self.fail(JournalOutcome::Invalid, msg, exit::INVALID))
            }
        }
    }

    /// Take the output folder's lock and refuse if one of `guarded`
    /// exists there (journaled and printed).
    pub(crate) fn reserve(mut self, out: &Path, guarded: &[&str]) -> Result<Attempt, u8> {
        match self.inner.reserve(out, guarded, false) {
            Ok(()) => Ok(self),
            Err(e) => {
                let msg = e.to_string();
                exit::message(&msg);
                Err(self.fail(JournalOutcome::Invalid, msg, exit::INVALID))
            }
        }
    }

    /// Journal an error from the library, printing it.
    pub(crate) fn fail_with(self, e: &Error) -> u8 {
        let code = exit::error_nothing_drawn(e);
        let journal = self.inner.journal().display().to_string();
        if let Err(j) = self.inner.fail_with(e) {
            exit::message(&format!("cannot append to the journal {journal}: {j}"));
        }
        code
    }

    /// Publish the files into `out` (atomically; journaled `ok` once in
    /// place). A failure is journaled by the library and printed here.
    pub(crate) fn publish(
        self,
        out: &Path,
        publication: &Publication<'_>,
        guarded: &[&str],
        force: bool,
    ) -> Result<Published, u8> {
        self.inner
            .publish(out, publication, guarded, force)
            .map_err(|e| exit::error_nothing_drawn(&e))
    }
}

/// The "Wrote" section: the folder, its files, the SHA-256 of the main
/// file and of SHA256SUMS, the journal entry.
pub(crate) fn wrote(o: &mut String, out: &Path, p: &Published) {
    let _ = writeln!(o, "\nWrote {} ({} files)", out.display(), p.files.len() + 1);
    for n in &p.files {
        let _ = writeln!(o, "  {n}");
    }
    let _ = writeln!(o, "  {}", publish::JOURNAL_EXCERPT);
    let _ = writeln!(o, "  {} sha256 {}", p.files[0], p.digest);
    if let Some(b) = &p.entry.record.bundle {
        let _ = writeln!(o, "  {} sha256 {b}", publish::SUMS_FILE);
    }
    let _ = writeln!(
        o,
        "Journal {} entry {} ({})",
        p.journal.display(),
        p.entry.seq,
        p.entry.hash
    );
    if let Some(e) = &p.excerpt_error {
        let _ = writeln!(
            o,
            "warning: {}/{} was not refreshed: {e}",
            out.display(),
            publish::JOURNAL_EXCERPT
        );
    }
}
