//! `ssj journal verify` and `ssj journal list`: check and show the journal
//! of every attempt (全过程记录).

use crate::exit;
use clap::{Args, Subcommand};
use shuangsuiji::journal::{JournalBreak, JournalReport, verify_journal};
use std::fmt::Write as _;
use std::path::PathBuf;

/// `ssj journal …`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Check the hash chain; name the first broken entry.
    Verify(JournalFileArgs),
    /// Show every entry.
    List(JournalFileArgs),
    /// Move a torn last line (a write cut short by a crash or a full disk)
    /// aside to FILE.torn-<offset>; the entries before it are untouched.
    Repair(RepairArgs),
}

/// `ssj journal repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The journal file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `ssj journal repair`.
pub fn repair(a: &RepairArgs) -> u8 {
    match shuangsuiji::publish::repair_journal(&a.file) {
        Ok(Some(aside)) => exit::print(&format!(
            "{}: the torn last line was moved aside to {}\n",
            a.file.display(),
            aside.display()
        )),
        Ok(None) => exit::print(&format!(
            "{}: no torn last line; nothing to repair\n",
            a.file.display()
        )),
        Err(e) => exit::error(&e),
    }
}

/// The journal file.
#[derive(Debug, Args)]
pub struct JournalFileArgs {
    /// The journal file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The head hash published earlier: also fail if the journal does not
    /// contain it (entries cut off the end).
    #[arg(long, value_name = "HASH")]
    pub head: Option<String>,
    /// Print as JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print nothing; the exit code tells.
    #[arg(long, short)]
    pub quiet: bool,
}

fn read_journal(
    a: &JournalFileArgs,
) -> Result<Result<JournalReport, shuangsuiji::journal::JournalError>, u8> {
    match shuangsuiji::load::open::open_regular(&a.file) {
        Ok(f) => Ok(verify_journal(std::io::BufReader::new(f))),
        Err(e) => {
            exit::message(&format!("{}: cannot read: {e}", a.file.display()));
            Err(exit::INVALID)
        }
    }
}

/// `ssj journal verify` and `ssj journal list`.
pub fn run(a: &JournalFileArgs, list: bool) -> u8 {
    let rep = match read_journal(a) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rep = match rep {
        Ok(r) => r,
        Err(e) => {
            if !a.quiet {
                if a.json {
                    let _ = exit::print_json(&serde_json::json!({
                        "status": "broken",
                        "broken": e,
                        "message": e.to_string(),
                    }));
                } else {
                    let mut text = format!("FAILED: {}:{}: {}\n", a.file.display(), e.line, e);
                    if matches!(e.problem, JournalBreak::Torn { .. }) {
                        text.push_str(&format!(
                            "repair: ssj journal repair {}\n",
                            exit::shell_quote(&a.file.display().to_string())
                        ));
                    }
                    let _ = exit::print(&text);
                }
            }
            return exit::MISMATCH;
        }
    };
    let head = rep.head();
    let head_ok = match &a.head {
        None => true,
        Some(h) => rep.entries.iter().any(|e| e.hash == h.trim()),
    };
    let code = if head_ok { exit::OK } else { exit::MISMATCH };
    if a.quiet {
        return code;
    }
    if a.json {
        let v = serde_json::json!({
            "status": if head_ok { "ok" } else { "head_missing" },
            "entries": if list { serde_json::to_value(&rep.entries).unwrap_or_default() } else { serde_json::Value::from(rep.entries.len()) },
            "head": head,
        });
        let p = exit::print_json(&v);
        return if p == exit::OK { code } else { p };
    }
    let mut o = String::new();
    if list {
        for e in &rep.entries {
            let r = &e.record;
            let _ = writeln!(
                o,
                "{:>4}  {}  {:<6}  {:<10}  {:<16}  seed {}",
                e.seq,
                r.time,
                r.command,
                r.outcome.as_str(),
                r.plan_id.as_deref().unwrap_or("-"),
                r.seed
                    .as_deref()
                    .map_or("-".to_string(), |s| format!("'{s}'"))
            );
            if let Some(out) = &r.output {
                let _ = writeln!(o, "      output sha256 {out}");
            }
            if let Some(n) = &r.note {
                let _ = writeln!(o, "      note: {n}");
            }
            if let Some(err) = &r.error {
                for l in err.lines() {
                    let _ = writeln!(o, "      error: {l}");
                }
            }
        }
    }
    let given = a.head.as_deref().unwrap_or("");
    match (&head, head_ok) {
        (Some(h), true) => {
            let _ = writeln!(
                o,
                "OK: {} entries, chain intact; head {} (entry {})",
                rep.entries.len(),
                h.hash,
                h.seq
            );
        }
        (None, true) => {
            let _ = writeln!(o, "OK: the journal is empty");
        }
        (Some(h), false) => {
            let _ = writeln!(
                o,
                "FAILED: the published head {given} was not found in the journal: entries were cut off or rewritten (the journal's {} entries chain correctly up to its own head {}, entry {})",
                rep.entries.len(),
                h.hash,
                h.seq
            );
        }
        (None, false) => {
            let _ = writeln!(
                o,
                "FAILED: the published head {given} was not found: the journal is empty"
            );
        }
    }
    let p = exit::print(&o);
    if p == exit::OK { code } else { p }
}
