//! `ssj commit` and `ssj draw`: the two commands that write files and
//! journal every attempt.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shuangsuiji::{
    ALGORITHM, Commitment, Dataset, DrawResult, Error, ErrorKind, JournalEntry, JournalOutcome,
    JournalRecord, SeedStrength, Visits, normalize_seed,
};
use shuangsuiji_disclose::{Format, Lang, write_draw_notice_with};

use crate::args::{CommitArgs, DrawArgs, StreamFlags};
use crate::fsio::{self, Staged};
use crate::{input, report};

/// Files `ssj commit` writes.
pub const COMMIT_FILES: [&str; 3] = ["commitment.json", "pre-draw.html", "pre-draw.md"];
/// Files `ssj draw` writes.
pub const DRAW_FILES: [&str; 4] = ["result.json", "result.csv", "notice.html", "notice.md"];

/// Writes one output file.
type Render<'a> = dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()> + 'a;

/// The journal, its new entry and the SHA-256 of the main file.
type Written = (PathBuf, JournalEntry, String);

/// One attempt being journaled.
struct Attempt {
    journal: PathBuf,
    record: JournalRecord,
}

impl Attempt {
    fn new(journal: PathBuf, command: &str, seed: Option<&str>) -> Attempt {
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

    fn dataset(&mut self, ds: &Dataset) {
        self.record.plan_id = Some(ds.plan.id.clone());
        self.record.digests = Some(ds.digests.clone());
    }

    /// Journal a failure; print `message` (already printed if empty) and
    /// return `code`.
    fn fail(mut self, outcome: JournalOutcome, error: String, code: u8) -> u8 {
        self.record.outcome = outcome;
        self.record.error = Some(error);
        if let Err(e) = fsio::append_journal(&self.journal, self.record) {
            report::message(&format!(
                "cannot append to the journal {}: {e}",
                self.journal.display()
            ));
        }
        code
    }

    /// What comes before reading the inputs (a registry of perhaps many
    /// gigabytes): refuse to overwrite earlier output unless `force`, and
    /// check the streaming flags. A refusal is journaled and printed.
    fn before_reading(
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
                report::message(&msg);
                Err(self.fail(JournalOutcome::Invalid, msg, report::INVALID))
            }
        }
    }

    /// Journal an error from the library, printing it.
    fn fail_with(self, e: &Error) -> u8 {
        let code = report::error(e);
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
    fn write(self, out: &Path, files: &[(&str, &Render<'_>)]) -> Result<Written, u8> {
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
                report::message(&msg);
                return Err(self.fail(JournalOutcome::Invalid, msg, report::INVALID));
            }
        };
        let journal = self.journal.clone();
        let entry = self.succeed(digest.clone())?;
        if let Err(e) = staged.commit() {
            report::message(&format!("{}: cannot write: {e}", out.display()));
            return Err(report::INVALID);
        }
        Ok((journal, entry, digest))
    }

    /// Journal success.
    fn succeed(mut self, output: String) -> Result<JournalEntry, u8> {
        self.record.outcome = JournalOutcome::Ok;
        self.record.output = Some(output);
        fsio::append_journal(&self.journal, self.record).map_err(|e| {
            report::message(&format!(
                "cannot append to the journal {}: {e}; nothing was written",
                self.journal.display()
            ));
            report::INVALID
        })
    }
}

/// The "Wrote" section: the files, the SHA-256 of the first, the journal entry.
fn wrote(
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
fn error_text(e: &Error) -> String {
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
fn existing(out: &Path, names: &[&str], force: bool) -> Option<String> {
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

/// `ssj commit`.
pub fn commit(a: &CommitArgs) -> u8 {
    let at = Attempt::new(
        fsio::journal_path(a.journal.journal.as_deref(), &a.plan),
        "commit",
        None,
    );
    let (mut at, st) = match at.before_reading(&a.out, &COMMIT_FILES, a.force, &a.stream, a.quiet) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let ds = match st.load(&a.plan) {
        Ok(ds) => ds,
        Err(e) => return at.fail_with(&e),
    };
    at.dataset(&ds);
    report::warnings(&ds.warnings, a.quiet);
    let c = Commitment::new(&ds);
    let json = format!("{}\n", c.to_canonical_json());
    let files: [(&str, &Render<'_>); 3] = [
        (COMMIT_FILES[0], &|w| w.write_all(json.as_bytes())),
        (COMMIT_FILES[1], &|w| {
            let t = shuangsuiji_disclose::pre_draw_notice(&ds, ALGORITHM, Format::Html, Lang::Zh);
            w.write_all(t.as_bytes())
        }),
        (COMMIT_FILES[2], &|w| {
            let t =
                shuangsuiji_disclose::pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::Zh);
            w.write_all(t.as_bytes())
        }),
    ];
    let (journal, entry, digest) = match at.write(&a.out, &files) {
        Ok(w) => w,
        Err(code) => return code,
    };
    if a.quiet {
        return report::OK;
    }
    let mut o = String::new();
    let p = &ds.plan;
    let _ = writeln!(o, "Commitment to plan {} — {}", p.id, p.title);
    let _ = writeln!(o, "  algorithm    {ALGORITHM}");
    for (k, v) in shuangsuiji::input_digests(&ds.digests) {
        let _ = writeln!(o, "  {k:<12} {v}");
    }
    let _ = writeln!(o, "  seed source  {}", p.seed_source);
    wrote(&mut o, &a.out, &COMMIT_FILES, &digest, &journal, &entry);
    let _ = writeln!(
        o,
        "\nPublish commitment.json and the pre-draw notice now, before the seed exists.\n\
         The seed must carry at least {} bits, more for a large draw: 29 decimal digits\n\
         from the announced source always suffice. Then draw with\n  \
         ssj draw --plan {} --commitment {} --seed '<the digits, as announced>' --out <DIR>",
        shuangsuiji::MIN_SEED_BITS,
        a.plan.display(),
        a.out.join(COMMIT_FILES[0]).display()
    );
    report::print(&o)
}

/// The validated flags of `ssj draw`.
struct DrawRequest<'a> {
    plan: &'a Path,
    seed: &'a str,
    out: &'a Path,
    commitment: Option<&'a Path>,
}

/// `ssj draw`.
pub fn draw(a: &DrawArgs) -> u8 {
    let at = Attempt::new(
        fsio::journal_path(a.journal.journal.as_deref(), &a.plan),
        "draw",
        Some(&a.seed),
    );
    if normalize_seed(&a.seed).is_empty() {
        let msg = "--seed: the seed is empty (after removing whitespace)".to_string();
        report::message(&msg);
        return at.fail(JournalOutcome::Invalid, msg, report::INVALID);
    }
    let req = DrawRequest {
        plan: &a.plan,
        seed: &a.seed,
        out: &a.out,
        commitment: a.commitment.as_deref(),
    };
    run_draw(a, &req, at)
}

fn run_draw(a: &DrawArgs, req: &DrawRequest<'_>, at: Attempt) -> u8 {
    let (mut at, st) = match at.before_reading(req.out, &DRAW_FILES, a.force, &a.stream, a.quiet) {
        Ok(x) => x,
        Err(code) => return code,
    };
    // the result without its visits, and the visits (compact)
    let (result, visits) = match req.commitment {
        // committed digests: one pass over the registry
        Some(path) => {
            let c = match read_commitment(path) {
                Ok(c) => c,
                Err(msg) => {
                    report::message(&msg);
                    return at.fail(JournalOutcome::Invalid, msg, report::INVALID);
                }
            };
            let (ds, result) = match st.draw(req.plan, req.seed, Some(&c.digests)) {
                Ok(d) => (d.dataset, Some((d.head, d.visits))),
                Err(e) => match e.kind() {
                    // read again for every difference, as without a draw
                    ErrorKind::Differs { .. } => match st.load(req.plan) {
                        Ok(ds) => (ds, None),
                        Err(e) => return at.fail_with(&e),
                    },
                    ErrorKind::Infeasible(_) => {
                        // the inputs matched the commitment to get here
                        at.record.plan_id = Some(c.plan.id.clone());
                        at.record.digests = Some(c.digests.clone());
                        return at.fail_with(&e);
                    }
                    _ => return at.fail_with(&e),
                },
            };
            at.dataset(&ds);
            report::warnings(&ds.warnings, a.quiet);
            let diffs = c.diff(&ds);
            if !diffs.is_empty() {
                let lines: Vec<String> = diffs
                    .iter()
                    .map(|d| format!("{}: {d}", path.display()))
                    .collect();
                let names: Vec<&str> = diffs.iter().map(|d| d.what.as_str()).collect();
                let msg = format!(
                    "{}\nthe inputs differ from the commitment ({}); nothing was drawn",
                    lines.join("\n"),
                    names.join(", ")
                );
                report::message(&msg);
                return at.fail(JournalOutcome::Invalid, msg, report::INVALID);
            }
            match result {
                Some(r) => r,
                None => {
                    let msg =
                        "the inputs changed while they were read; nothing was drawn".to_string();
                    report::message(&msg);
                    return at.fail(JournalOutcome::Invalid, msg, report::INVALID);
                }
            }
        }
        // digests first, then the draw: two passes
        None => {
            let ds = match st.load(req.plan) {
                Ok(ds) => ds,
                Err(e) => return at.fail_with(&e),
            };
            at.dataset(&ds);
            report::warnings(&ds.warnings, a.quiet);
            match st.draw(req.plan, req.seed, Some(&ds.digests)) {
                Ok(d) => (d.head, d.visits),
                Err(e) => return at.fail_with(&e),
            }
        }
    };
    let strength = SeedStrength::of(&result);
    if !strength.is_enough() {
        let msg = weak_seed_message(&result, strength);
        if !a.allow_weak_seed {
            report::message(&format!(
                "{msg}\nUse the full outcome of the announced source, or pass --allow-weak-seed to draw anyway (the journal records it)."
            ));
            return at.fail(JournalOutcome::Invalid, msg, report::INVALID);
        }
        if !a.quiet {
            report::message(&format!(
                "warning: {msg}; drawing anyway (--allow-weak-seed)"
            ));
        }
        let weak = format!(
            "weak seed allowed: {} bits, {} needed",
            strength.bits, strength.required
        );
        at.record.note = Some(match at.record.note.take() {
            Some(n) => format!("{n}; {weak}"),
            None => weak,
        });
    }
    let all = Visits::Compact(&visits);
    let files: [(&str, &Render<'_>); 4] = [
        (DRAW_FILES[0], &|w| {
            result.write_canonical_json_with(all, w)?;
            w.write_all(b"\n")
        }),
        (DRAW_FILES[1], &|w| write_result_csv(all, w)),
        (DRAW_FILES[2], &|w| {
            write_draw_notice_with(&result, all, Format::Html, Lang::Zh, w)
        }),
        (DRAW_FILES[3], &|w| {
            write_draw_notice_with(&result, all, Format::Markdown, Lang::Zh, w)
        }),
    ];
    let (journal, entry, digest) = match at.write(req.out, &files) {
        Ok(w) => w,
        Err(code) => return code,
    };
    if a.quiet {
        return report::OK;
    }
    let teams = visits.teams();
    let mut o = String::new();
    let _ = writeln!(o, "Drew plan {} with {}", result.plan.id, result.algorithm);
    let _ = writeln!(o, "  seed         '{}'", result.seed.text);
    let _ = writeln!(
        o,
        "  seed bits    {} (this draw needs {})",
        strength.bits, strength.required
    );
    let _ = writeln!(o, "  draw key     {}", result.draw_key);
    let _ = writeln!(
        o,
        "  drawn        {} visits, {} teams, over {} tasks",
        visits.len(),
        teams,
        result.tasks.len()
    );
    for t in &result.tasks {
        let drawn: u64 = t.allocation.iter().map(|s| s.drawn).sum();
        let _ = writeln!(
            o,
            "    {:<18} {:>4} of {:>5} eligible",
            t.key, drawn, t.exclusions.eligible
        );
    }
    wrote(&mut o, req.out, &DRAW_FILES, &digest, &journal, &entry);
    let _ = writeln!(
        o,
        "\nPublish the folder; anyone can check it with\n  ssj verify --plan {} --result {}",
        req.plan.display(),
        req.out.join(DRAW_FILES[0]).display()
    );
    report::print(&o)
}

fn weak_seed_message(result: &DrawResult, s: SeedStrength) -> String {
    format!(
        "the seed '{}' carries about {} bits (only digits count: 3.32 bits per decimal digit, 4 per character of a long hexadecimal beacon value), but this draw needs {}: with only 2^{} possible seeds, whoever prepares the inputs can compute the draw for every seed in advance and adjust the inputs or pick the source until the outcome they want comes up (grinding)",
        result.seed.normalized, s.bits, s.required, s.bits
    )
}

/// Read and parse a commitment, with the position of a parse error.
pub fn read_commitment(path: &Path) -> Result<Commitment, String> {
    let text = fsio::read_text(path)?;
    Commitment::from_json(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a commitment: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Quote a CSV cell that a spreadsheet would run as a formula.
fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// One row per team of each visit, UTF-8 with BOM for Excel.
fn write_result_csv(visits: Visits<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "visit",
        "uscc",
        "name",
        "region",
        "credit_class",
        "tasks",
        "items",
        "department",
        "category",
        "officers",
        "cert_nos",
    ])?;
    for (i, v) in visits.iter().enumerate() {
        let tasks: Vec<String> = v
            .selections
            .iter()
            .map(|s| format!("{} {} #{}", s.task, s.stratum, s.rank))
            .collect();
        for t in &v.teams {
            let names: Vec<&str> = t.officers.iter().map(|o| o.name.as_str()).collect();
            let certs: Vec<&str> = t.officers.iter().map(|o| o.cert_no.as_str()).collect();
            let row = [
                (i + 1).to_string(),
                v.uscc.clone(),
                v.name.clone(),
                v.region.clone(),
                v.credit_class.clone().unwrap_or_default(),
                tasks.join("; "),
                t.items.join("; "),
                t.department.clone(),
                t.category.clone(),
                names.join("; "),
                certs.join("; "),
            ];
            w.write_record(row.iter().map(|c| safe_cell(c)))?;
        }
    }
    w.flush()
}
