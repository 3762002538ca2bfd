//! One journaled attempt of `ssj commit` or `ssj draw`, shared by both.

use crate::cli::StreamFlags;
use crate::fsio::{self, Staged};
use crate::{exit, input};
use shuangsuiji::journal::{JournalEntry, JournalOutcome, JournalRecord};
use shuangsuiji::{Dataset, Error, ErrorKind};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes one output file.
pub(crate) type Render<'a> = dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + 'a;

/// The journal, its new entry and the SHA-256 of the main file.
pub(crate) type Written = (PathBuf, JournalEntry, String);

/// One attempt being journaled.
pub(crate) struct Attempt {
    pub(crate) journal: PathBuf,
    pub(crate) record: JournalRecord,
}

impl Attempt {
    pub(crate) fn new(journal: PathBuf, command: &str, seed: Option<&str>) -> Attempt {
        Attempt {
            journal,
            record: JournalRecord {
                time: fsio::now_rfc3339(),
                command: command.into(),
                plan_id: None,
                seed: seed.map(str::to_string),
                digests: None,
                outcome: JournalOutcome::Invalid,
                output: None,
                error: None,
                // a clock set by hand is said so in the entry itself
                note: fsio::clock_override().then(|| "time from SOURCE_DATE_EPOCH".to_string()),
            },
        }
    }

    pub(crate) fn dataset(&mut self, ds: &Dataset) {
        self.record.plan_id = Some(ds.plan.id.clone());
        self.record.digests = Some(ds.digests.clone());
    }

    /// Journal a failure; print `message` (already printed if empty) and
    /// return `code`.
    pub(crate) fn fail(mut self, outcome: JournalOutcome, error: String, code: u8) -> u8 {
        self.record.outcome = outcome;
        self.record.error = Some(error);
        if let Err(e) = fsio::append_journal(&self.journal, self.record) {
            exit::message(&format!(
                "cannot append to the journal {}: {e}",
                self.journal.display()
            ));
        }
        code
    }

    /// What comes before reading the inputs (a registry of perhaps many
    /// gigabytes): refuse to overwrite earlier output unless `force`, and
    /// check the streaming flags. A refusal is journaled and printed.
    pub(crate) fn before_reading(
        self,
        out: &Path,
        names: &[&str],
        force: bool,
        flags: &StreamFlags,
        quiet: bool,
    ) -> Result<(Attempt, input::Streaming), u8> {
        let checked = match existing(out, names, force) {
            Some(msg) => Err(msg),
            None => input::Streaming::new(flags, out, quiet),
        };
        match checked {
            Ok(st) => Ok((self, st)),
            Err(msg) => {
                exit::message(&msg);
                Err(self.fail(JournalOutcome::Invalid, msg, exit::INVALID))
            }
        }
    }

    /// Journal an error from the library, printing it.
    pub(crate) fn fail_with(self, e: &Error) -> u8 {
        let code = exit::error(e);
        let outcome = match e.kind() {
            ErrorKind::Infeasible(_) => JournalOutcome::Infeasible,
            _ => JournalOutcome::Invalid,
        };
        self.fail(outcome, error_text(e), code)
    }

    /// Write a set of files into `out` atomically: stage them (each
    /// written as it is rendered, so that no large file is held whole),
    /// journal the success with the SHA-256 of the first file, then put
    /// them in place. Any failure is journaled and printed; its exit code
    /// is returned. On success: the journal, its new entry and the digest.
    pub(crate) fn write(self, out: &Path, files: &[(&str, &Render<'_>)]) -> Result<Written, u8> {
        let mut digest = String::new();
        let staged = Staged::new(out).and_then(|mut s| {
            for (i, (n, render)) in files.iter().enumerate() {
                if i == 0 {
                    s.stage_with(n, &mut |w| {
                        let mut h = fsio::HashingWriter::new(w);
                        render(&mut h)?;
                        digest = h.hex();
                        Ok(())
                    })?;
                } else {
                    s.stage_with(n, &mut |w| render(w))?;
                }
            }
            Ok(s)
        });
        let staged = match staged {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("{}: cannot write: {e}", out.display());
                exit::message(&msg);
                return Err(self.fail(JournalOutcome::Invalid, msg, exit::INVALID));
            }
        };
        let journal = self.journal.clone();
        let entry = self.succeed(digest.clone())?;
        if let Err(e) = staged.commit() {
            exit::message(&format!("{}: cannot write: {e}", out.display()));
            return Err(exit::INVALID);
        }
        Ok((journal, entry, digest))
    }

    /// Journal success.
    pub(crate) fn succeed(mut self, output: String) -> Result<JournalEntry, u8> {
        self.record.outcome = JournalOutcome::Ok;
        self.record.output = Some(output);
        fsio::append_journal(&self.journal, self.record).map_err(|e| {
            exit::message(&format!(
                "cannot append to the journal {}: {e}; nothing was written",
                self.journal.display()
            ));
            exit::INVALID
        })
    }
}

/// The "Wrote" section: the files, the SHA-256 of the first, the journal entry.
pub(crate) fn wrote(
    o: &mut String,
    out: &Path,
    files: &[&str],
    digest: &str,
    journal: &Path,
    entry: &JournalEntry,
) {
    let _ = writeln!(o, "\nWrote");
    for n in files {
        let _ = writeln!(o, "  {}", out.join(n).display());
    }
    let _ = writeln!(o, "  {} sha256 {digest}", files[0]);
    let _ = writeln!(
        o,
        "Journal {} entry {} ({})",
        journal.display(),
        entry.seq,
        entry.hash
    );
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

/// Refuse to overwrite earlier output unless `force`.
pub(crate) fn existing(out: &Path, names: &[&str], force: bool) -> Option<String> {
    if force {
        return None;
    }
    let found: Vec<String> = names
        .iter()
        .map(|n| out.join(n))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    (!found.is_empty()).then(|| {
        format!(
            "{} already exist(s): an earlier run wrote there; refusing to overwrite it (use --force to replace it; the journal keeps every attempt)",
            found.join(", ")
        )
    })
}
