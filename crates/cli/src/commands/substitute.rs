//! `ssj substitute DIR --disqualify FILE.csv`: substitutes after the draw
//! (SPEC.md §13). Writes `revision-N.json` and `revisions.md` into the
//! published folder through the same journaled, atomic publish as `draw`
//! (journal command `substitute`), after checking that the folder verifies
//! as it stands (no hand edits).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use shuangsuiji::journal::JournalOutcome;
use shuangsuiji::revise::{self, Disqualification, Reason, Revision, Subject};
use shuangsuiji::{Dataset, DrawResult, Publication};
use shuangsuiji_disclose::bundle::{JOURNAL, Outcome, SUMS, verify_bundle};
use shuangsuiji_disclose::{REVISIONS_NOTICE, revisions_notice};

use crate::attempt::{Attempt, wrote};
use crate::exit;

/// Arguments of `ssj substitute`.
#[derive(Debug, Args)]
pub struct SubstituteArgs {
    /// The published folder (`ssj draw --out DIR`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The disqualifications: a CSV file with the columns `kind`
    /// (entity/officer, 检查对象/执法人员), `id` (USCC or certificate
    /// number), `visit` (an officer's one visit by USCC; empty: the whole
    /// period), `reason` (sick_leave 病假, transferred 调离, new_conflict
    /// 新发现回避, deregistered 注销, moved_away 迁出) and optionally
    /// `details` (never published).
    #[arg(long, value_name = "FILE.csv")]
    pub disqualify: PathBuf,
    /// The journal file (JSON Lines); by default `journal.jsonl` next to
    /// DIR (where `ssj draw --plan P/plan.toml --out P/DIR` keeps it).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl SubstituteArgs {
    fn journal_path(&self) -> PathBuf {
        match self.journal.clone() {
            Some(p) => p,
            None => {
                let abs = std::path::absolute(&self.dir).unwrap_or_else(|_| self.dir.clone());
                abs.parent().unwrap_or(Path::new("")).join("journal.jsonl")
            }
        }
    }
}

/// Run `ssj substitute`.
pub fn run(a: &SubstituteArgs) -> u8 {
    let files = super::verify::read_folder(&a.dir);
    let result = files
        .as_ref()
        .ok()
        .and_then(|f| f.get(revise_result_name()))
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| DrawResult::from_json(t).ok());
    let mut at = Attempt::new(
        a.journal_path(),
        "substitute",
        result.as_ref().map(|r| r.seed.text.as_str()),
    );
    if let Some(r) = &result {
        at.inputs(&r.plan.id, &r.digests);
    }
    let refuse = |at: Attempt, msg: String| {
        exit::message(&msg);
        at.fail(JournalOutcome::Invalid, msg, exit::INVALID)
    };
    let files = match files {
        Ok(f) => f,
        Err(msg) => return refuse(at, msg),
    };
    let Some(result) = result else {
        return refuse(
            at,
            format!(
                "{}: no readable result.json: substitutes revise a published draw",
                a.dir.display()
            ),
        );
    };
    // the folder must verify as it stands: no hand edit goes unnoticed
    let verdict = verify_bundle(&files);
    if verdict.outcome() != Outcome::Verified {
        let failed: Vec<String> = verdict
            .checks
            .iter()
            .filter(|c| c.status.code() == "differs")
            .map(|c| format!("{} ({})", c.file.clone().unwrap_or_default(), c.what.code()))
            .chain(verdict.errors.iter().map(|e| e.file.clone()))
            .collect();
        return refuse(
            at,
            format!(
                "{}: the folder does not verify ({}; outcome {}): substitutes are computed only on an intact folder; run `ssj verify {}`",
                a.dir.display(),
                if failed.is_empty() {
                    "inputs withheld".to_string()
                } else {
                    failed.join(", ")
                },
                verdict.outcome().code(),
                a.dir.display()
            ),
        );
    }
    let mut earlier: Vec<Revision> = Vec::new();
    for n in 2.. {
        let name = revise::file_name(n);
        let Some(bytes) = files.get(&name) else {
            break;
        };
        match std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())
            .and_then(|t| Revision::from_json(t).map_err(|e| e.to_string()))
        {
            Ok(r) => earlier.push(r),
            Err(e) => return refuse(at, format!("{}: {e}", a.dir.join(&name).display())),
        }
    }
    let next = revise::file_name(earlier.len() as u32 + 2);
    let at = match at.reserve(&a.dir, &[next.as_str()]) {
        Ok(at) => at,
        Err(code) => return code,
    };
    let ds = match Dataset::open(a.dir.join("plan.toml")) {
        Ok(ds) => ds,
        Err(e) => return at.fail_with(&e),
    };
    let source = a.disqualify.display().to_string();
    let declared = match read_disqualifications(&a.disqualify, &source) {
        Ok(d) => d,
        Err(lines) => return refuse_lines(at, lines),
    };
    let rev = match revise::revise(&ds, &result, &earlier, &declared, &source) {
        Ok(r) => r,
        Err(e) => match e.diagnostics() {
            Some(d) => {
                return refuse_lines(
                    at,
                    d.iter()
                        .filter(|d| d.is_error())
                        .map(ToString::to_string)
                        .collect(),
                );
            }
            None => return at.fail_with(&e),
        },
    };
    let mut all = earlier.clone();
    all.push(rev.clone());
    let mut p = Publication::new()
        .with_bytes(&next, rev.to_bytes())
        .with_bytes(
            REVISIONS_NOTICE,
            revisions_notice(&result, &all).into_bytes(),
        );
    for name in files.names() {
        if name == SUMS || name == JOURNAL || name == next || name == REVISIONS_NOTICE {
            continue;
        }
        if let Some(b) = files.get(name) {
            p = p.with_bytes(name, b.to_vec());
        }
    }
    let p = p.with_sums();
    let published = match at.publish(&a.dir, &p, &[next.as_str()], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if a.quiet {
        return exit::OK;
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Revision {} of plan {}: {} disqualification(s), {} substitution(s) ({} in all{})",
        rev.revision,
        result.plan.id,
        rev.disqualifications.len(),
        rev.entities.len() + rev.officers.len(),
        rev.substitutions,
        result
            .rules
            .max_substitutions
            .map_or(String::new(), |c| format!(", cap {c}"))
    );
    for c in &rev.entities {
        let s = &c.visit.selections[0];
        let _ = writeln!(
            o,
            "  {} {} ({}): {} {} -> {} {} (rank {} -> {})",
            c.task,
            c.stratum,
            c.reason.label(),
            c.replaced,
            c.replaced_name,
            c.visit.uscc,
            c.visit.name,
            c.replaced_rank,
            s.rank
        );
    }
    for c in &rev.officers {
        let _ = writeln!(
            o,
            "  {} {} ({}): {} {} -> {} {}",
            c.uscc,
            c.category,
            c.reason.label(),
            c.replaced.cert_no,
            c.replaced.name,
            c.substitute.cert_no,
            c.substitute.name
        );
    }
    wrote(&mut o, &a.dir, &published);
    exit::print(&o)
}

/// Print each error on its line, then a summary; journal them; exit 2.
fn refuse_lines(at: Attempt, lines: Vec<String>) -> u8 {
    exit::lines(&lines);
    let n = lines.len();
    exit::message(&format!(
        "{n} error{} in the disqualifications; nothing was revised",
        if n == 1 { "" } else { "s" }
    ));
    at.fail(JournalOutcome::Invalid, lines.join("\n"), exit::INVALID)
}

fn revise_result_name() -> &'static str {
    shuangsuiji::publish::RESULT_FILE
}

/// Read the disqualifications file: a header naming the columns, then one
/// record per disqualification. Every error is collected, with its line.
fn read_disqualifications(path: &Path, source: &str) -> Result<Vec<Disqualification>, Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| vec![format!("{source}: cannot read: {e}")])?;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).map_err(
        |e| {
            vec![format!(
                "{source}: not UTF-8 after byte {}",
                e.valid_up_to()
            )]
        },
    )?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut errors: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut cols: Option<[Option<usize>; 4]> = None;
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("{source}:{line}: {e}"));
                break;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(c) = cols else {
            let find = |names: &[&str]| {
                rec.iter()
                    .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
            };
            let found = [
                find(&["kind", "类型"]),
                find(&["id", "编号"]),
                find(&["visit", "检查对象"]),
                find(&["reason", "原因"]),
            ];
            let missing: Vec<&str> = ["kind", "id", "visit", "reason"]
                .iter()
                .zip(&found)
                .filter(|(n, f)| f.is_none() && **n != "visit")
                .map(|(n, _)| *n)
                .collect();
            if !missing.is_empty() {
                return Err(vec![format!(
                    "{source}:{line}: the header lacks the column(s) {} (kind, id, visit, reason, details)",
                    missing.join(", ")
                )]);
            }
            cols = Some(found);
            continue;
        };
        let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let kind = match cell(c[0]) {
            "entity" | "检查对象" | "对象" => Some(Subject::Entity),
            "officer" | "执法人员" | "人员" => Some(Subject::Officer),
            other => {
                errors.push(format!(
                    "{source}:{line}: kind: '{other}' is not entity or officer"
                ));
                None
            }
        };
        let id = cell(c[1]).to_uppercase();
        if id.is_empty() {
            errors.push(format!("{source}:{line}: id: empty"));
        }
        let visit = Some(cell(c[2]).to_uppercase()).filter(|v| !v.is_empty());
        let reason = Reason::parse(cell(c[3]));
        if reason.is_none() {
            errors.push(format!(
                "{source}:{line}: reason: '{}' is not one of sick_leave (病假), transferred (调离), new_conflict (新发现回避), deregistered (注销), moved_away (迁出)",
                cell(c[3])
            ));
        }
        if let (Some(kind), Some(reason), false) = (kind, reason, id.is_empty()) {
            out.push(Disqualification {
                kind,
                id,
                visit,
                reason,
                line: Some(line),
            });
        }
    }
    if cols.is_none() && errors.is_empty() {
        errors.push(format!(
            "{source}: empty: no header and no disqualification"
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
