//! `ssj verify`, `ssj explain`, `ssj disclose` and `ssj journal`: the
//! commands anyone runs on published files.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use shuangsuiji::{
    ALGORITHM, Comparison, Dataset, Difference, DrawResult, ErrorKind, Explanation, JournalReport,
    Visits, compare_results_with, digest_differences, explain, validate_uscc, verify_journal,
};
use shuangsuiji_disclose::{Format, Lang};

use crate::args::{DiscloseArgs, ExplainArgs, JournalFileArgs, VerifyArgs};
use crate::fsio::{self, Staged};
use crate::{draw, input, report};

/// Read and parse a result, with the position of a parse error.
pub fn read_result(path: &Path) -> Result<DrawResult, String> {
    let text = fsio::read_text(path)?;
    DrawResult::from_json(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a draw result: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// Whether the file at `path` holds exactly the bytes `write` writes
/// (with or without the final line break `ssj draw` adds), compared as
/// they are written: neither is held whole.
fn file_is_canonical(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> bool {
    use std::io::Read;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut w = SameBytes {
        file: std::io::BufReader::with_capacity(1 << 16, f),
        buf: Vec::new(),
        same: true,
    };
    if write(&mut w).is_err() || !w.same {
        return false;
    }
    let mut rest = Vec::new();
    w.file.take(2).read_to_end(&mut rest).is_ok() && (rest.is_empty() || rest == b"\n")
}

/// A writer that only checks that what is written is what `file` holds
/// next.
struct SameBytes<R> {
    file: R,
    buf: Vec<u8>,
    same: bool,
}

impl<R: std::io::Read> std::io::Write for SameBytes<R> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.same {
            self.buf.resize(data.len(), 0);
            self.same = self.file.read_exact(&mut self.buf).is_ok() && self.buf == data;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Serialize)]
struct VerifyReport<'a> {
    status: &'static str,
    algorithm: &'a str,
    engine_version: &'a str,
    plan: &'a str,
    seed: &'a str,
    digests: Vec<Difference>,
    commitment: Option<Vec<Difference>>,
    comparison: Option<Comparison>,
    infeasible: Option<String>,
}

/// The published result without its visits, streamed from the file; if
/// anything is off (not found, a BOM, not a result …), the whole file read
/// and parsed as every other command does, for the same messages.
fn read_published(path: &Path) -> Result<Published, String> {
    let head = std::fs::File::open(path)
        .ok()
        .and_then(|f| DrawResult::head_from_reader(f).ok());
    match head {
        Some(h) => Ok(Published::Head(h)),
        None => read_result(path).map(Published::Whole),
    }
}

/// What `ssj verify` holds of the published result.
enum Published {
    /// All but the visits: they are compared with the recomputed ones by
    /// bytes, and parsed only if those differ.
    Head(DrawResult),
    /// The whole result.
    Whole(DrawResult),
}

impl Published {
    fn result(&self) -> &DrawResult {
        match self {
            Published::Head(r) | Published::Whole(r) => r,
        }
    }
}

/// `ssj verify`.
pub fn verify(a: &VerifyArgs) -> u8 {
    let held = match read_published(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            report::message(&msg);
            return report::INVALID;
        }
    };
    let published = held.result();
    if published.algorithm != ALGORITHM {
        report::message(&format!(
            "{}: algorithm '{}' is not one this ssj implements ({ALGORITHM}); use a version of ssj that does",
            a.result.display(),
            published.algorithm
        ));
        return report::INVALID;
    }
    let commitment = match &a.commitment {
        Some(p) => match draw::read_commitment(p) {
            Ok(c) => Some(c),
            Err(msg) => {
                report::message(&msg);
                return report::INVALID;
            }
        },
        None => None,
    };
    // one pass over the registry with the result's digests; only if an
    // input differs, a second to list every digest that does
    let st = match input::Streaming::new(&a.stream, &a.result, a.quiet) {
        Ok(st) => st,
        Err(msg) => {
            report::message(&msg);
            return report::INVALID;
        }
    };
    // When the file is the result's canonical JSON, as `ssj draw` writes
    // it, its visits are never parsed: the recomputed result is compared
    // with the file's bytes (a province's result takes about 1 KB a visit
    // in memory as values).
    let algorithm = published.algorithm.clone();
    let engine_version = published.engine_version.clone();
    let plan_id = published.plan.id.clone();
    let seed = published.seed.text.clone();
    let digests = published.digests.clone();
    let committed = commitment.as_ref().map(|c| c.check_result(published));
    let mut rep = VerifyReport {
        status: "match",
        algorithm: &algorithm,
        engine_version: &engine_version,
        plan: &plan_id,
        seed: &seed,
        digests: Vec::new(),
        commitment: committed,
        comparison: None,
        infeasible: None,
    };
    // not the committed result: compare the inputs, draw nothing
    let mut read_inputs = rep.commitment.as_ref().is_some_and(|d| !d.is_empty());
    let mut ds: Option<Dataset> = None;
    let mut code = report::MISMATCH;
    if !read_inputs {
        match st.draw(&a.plan, &seed, Some(&digests)) {
            Ok(d) => {
                let (head, visits) = (&d.head, d.visits());
                let c = match &held {
                    Published::Whole(p) => {
                        compare_results_with(p, Visits::Held(&p.visits), head, visits)
                    }
                    // the same bytes: the same result, field for field
                    Published::Head(_)
                        if file_is_canonical(&a.result, |w| d.write_canonical_json(w)) =>
                    {
                        compare_results_with(head, visits, head, visits)
                    }
                    Published::Head(_) => match read_result(&a.result) {
                        Ok(p) => compare_results_with(&p, Visits::Held(&p.visits), head, visits),
                        Err(msg) => {
                            report::message(&msg);
                            return report::INVALID;
                        }
                    },
                };
                if c.is_match() {
                    code = report::OK;
                }
                rep.comparison = Some(c);
                ds = Some(d.dataset);
            }
            Err(e) => match e.kind() {
                ErrorKind::Differs { .. } => read_inputs = true,
                ErrorKind::Infeasible(i) => rep.infeasible = Some(i.to_string()),
                _ => return report::error(&e),
            },
        }
    }
    if read_inputs {
        // the digests of the files read, to list each that differs (a pass
        // of its own: only when something already differs)
        match st.load(&a.plan) {
            Ok(read) => {
                rep.digests = digest_differences(&digests, &read.digests);
                ds = Some(read);
            }
            Err(e) => return report::error(&e),
        }
    }
    if code != report::OK {
        rep.status = "difference";
    }
    if a.quiet {
        return code;
    }
    let printed = if a.json {
        report::print_json(&rep)
    } else {
        report::print(&render_verify(a, &rep, ds.as_ref()))
    };
    if printed == report::OK { code } else { printed }
}

fn render_verify(a: &VerifyArgs, rep: &VerifyReport<'_>, ds: Option<&Dataset>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Verifying {} (plan {}, {}, made by engine {})",
        a.result.display(),
        rep.plan,
        rep.algorithm,
        rep.engine_version
    );
    let _ = writeln!(o, "  seed         '{}'", rep.seed);
    if rep.digests.is_empty() {
        let _ = writeln!(
            o,
            "  inputs       6 of 6 digests match {}",
            a.plan.display()
        );
    } else {
        for d in &rep.digests {
            let file = input_file(ds, &d.what);
            let _ = writeln!(
                o,
                "DIFFERENCE: input {}{file}: result.json has digest {}, the file gives {}",
                d.what, d.committed, d.actual
            );
        }
    }
    if let Some(cd) = &rep.commitment {
        if cd.is_empty() {
            let _ = writeln!(
                o,
                "  commitment   the result's algorithm and digests match it"
            );
        }
        for d in cd {
            let _ = writeln!(
                o,
                "DIFFERENCE: {} differs from the commitment: committed {}, result.json has {}",
                d.what, d.committed, d.actual
            );
        }
    }
    if let Some(i) = &rep.infeasible {
        let _ = writeln!(
            o,
            "DIFFERENCE: re-running the draw finds the rules cannot be satisfied ({i}), yet a result was published"
        );
    }
    if let Some(c) = &rep.comparison {
        let _ = writeln!(
            o,
            "  confirmed    {} tasks, {} visits, {} teams, {} officer places",
            c.tasks_confirmed, c.visits_confirmed, c.teams_confirmed, c.officers_confirmed
        );
        if let Some(d) = &c.difference {
            let kind = serde_json::to_value(d.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(o, "DIFFERENCE ({kind}): {d}");
        }
    }
    if rep.status == "match" {
        let _ = writeln!(
            o,
            "OK: the draw is reproduced exactly from the seed and the inputs."
        );
    } else {
        let _ = writeln!(
            o,
            "FAILED: the published result does not follow from the seed and the inputs."
        );
    }
    o
}

fn input_file(ds: Option<&Dataset>, what: &str) -> String {
    let Some(ds) = ds else {
        return String::new();
    };
    let i = &ds.plan.inputs;
    let f = match what {
        "items" => Some(i.items.clone()),
        "officers" => Some(i.officers.clone()),
        "entities" => Some(i.entities.clone()),
        "history" => i.history.clone(),
        "conflicts" => i.conflicts.clone(),
        _ => None,
    };
    f.map_or(String::new(), |f| format!(" ({f})"))
}

/// `ssj explain`.
pub fn explain_cmd(a: &ExplainArgs) -> u8 {
    let code = a.entity.trim().to_uppercase();
    if let Err(e) = validate_uscc(&code) {
        report::message(&format!("--entity {}: {e}", a.entity));
        return report::INVALID;
    }
    let result = match read_result(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            report::message(&msg);
            return report::INVALID;
        }
    };
    let ds = match input::load(&a.plan, a.quiet) {
        Ok(ds) => ds,
        Err(e) => return report::error(&e),
    };
    let x = match explain(&ds, &result, &code) {
        Ok(x) => x,
        Err(e @ shuangsuiji::ExplainError::UnknownEntity { .. }) => {
            report::message(&format!("--entity: {e}"));
            return report::INVALID;
        }
        Err(e) => {
            report::message(&format!("{}: {e}", a.result.display()));
            return report::MISMATCH;
        }
    };
    if a.quiet {
        return report::OK;
    }
    if a.json {
        return report::print_json(&x);
    }
    report::print(&render_explain(&x, &ds))
}

fn render_explain(x: &Explanation, ds: &Dataset) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Entity {} {} ({}{})",
        x.uscc,
        x.name,
        x.region,
        x.credit_class
            .as_ref()
            .map_or(String::new(), |c| format!(", credit class {c}"))
    );
    let n = x.times_drawn();
    let _ = writeln!(
        o,
        "{} by {} of {} tasks.",
        if n == 0 { "Not drawn" } else { "Drawn" },
        n,
        x.tasks.len()
    );
    for t in &x.tasks {
        let names: Vec<String> = ds
            .plan
            .tasks
            .iter()
            .find(|pt| pt.key() == t.task)
            .map(|pt| {
                pt.items
                    .iter()
                    .filter_map(|id| ds.item(id))
                    .map(|i| i.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(o, "\nTask {} {}", t.task, names.join(" + "));
        if !t.eligible {
            let _ = writeln!(
                o,
                "  not eligible ({}): {}",
                t.reason.as_deref().unwrap_or(""),
                t.detail.as_deref().unwrap_or("")
            );
            let _ = writeln!(o, "  ticket   {}", t.ticket);
            continue;
        }
        let _ = writeln!(
            o,
            "  eligible, stratum {}: {} of {} entities drawn",
            t.stratum.as_deref().unwrap_or(""),
            t.drawn_in_stratum.unwrap_or(0),
            t.base.unwrap_or(0)
        );
        let _ = writeln!(o, "  ticket   {}", t.ticket);
        let _ = writeln!(
            o,
            "  cut-off  {} (ticket of rank {})",
            t.cutoff.as_deref().unwrap_or("none: nothing drawn"),
            t.drawn_in_stratum.unwrap_or(0)
        );
        let _ = writeln!(
            o,
            "  rank     {} of {} → {}",
            t.rank.unwrap_or(0),
            t.base.unwrap_or(0),
            if t.drawn {
                format!("DRAWN (visit {})", t.visit.unwrap_or(0))
            } else {
                "not drawn (ticket above the cut-off)".to_string()
            }
        );
        for team in &t.teams {
            let os: Vec<String> = team
                .officers
                .iter()
                .map(|m| format!("{} {}", m.cert_no, m.name))
                .collect();
            let _ = writeln!(
                o,
                "  team     {} / {} ({}): {}",
                team.department,
                team.category,
                team.items.join(", "),
                os.join(", ")
            );
        }
    }
    o
}

/// `ssj disclose`.
pub fn disclose(a: &DiscloseArgs) -> u8 {
    let format: Format = match a.format.parse() {
        Ok(f) => f,
        Err(e) => {
            report::message(&format!("--format: {e}"));
            return report::INVALID;
        }
    };
    let lang: Lang = match a.lang.parse() {
        Ok(l) => l,
        Err(e) => {
            report::message(&format!("--lang: {e}"));
            return report::INVALID;
        }
    };
    let result = match read_result(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            report::message(&msg);
            return report::INVALID;
        }
    };
    let text = match &a.results {
        None => shuangsuiji_disclose::draw_notice(&result, format, lang),
        Some(p) => {
            let file = match std::fs::File::open(p) {
                Ok(f) => std::io::BufReader::new(f),
                Err(e) => {
                    report::message(&format!("{}: cannot read: {e}", p.display()));
                    return report::INVALID;
                }
            };
            let name = p.display().to_string();
            match shuangsuiji_disclose::read_outcomes(&name, file, &result) {
                Ok(outcomes) => {
                    shuangsuiji_disclose::results_notice(&result, &outcomes, format, lang)
                }
                Err(e) => {
                    for pr in e.problems() {
                        report::message(&pr.to_string());
                    }
                    return report::INVALID;
                }
            }
        }
    };
    let Some(out) = &a.out else {
        return report::print(&text);
    };
    if out.exists() && !a.force {
        report::message(&format!(
            "{} already exists; refusing to overwrite it (use --force)",
            out.display()
        ));
        return report::INVALID;
    }
    let dir = out.parent().unwrap_or(Path::new(""));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let written = Staged::new(dir).and_then(|mut s| {
        s.stage(&name, text.as_bytes())?;
        s.commit()
    });
    if let Err(e) = written {
        report::message(&format!("{}: cannot write: {e}", out.display()));
        return report::INVALID;
    }
    report::OK
}

fn read_journal(
    a: &JournalFileArgs,
) -> Result<Result<JournalReport, shuangsuiji::JournalError>, u8> {
    match std::fs::File::open(&a.file) {
        Ok(f) => Ok(verify_journal(std::io::BufReader::new(f))),
        Err(e) => {
            report::message(&format!("{}: cannot read: {e}", a.file.display()));
            Err(report::INVALID)
        }
    }
}

/// `ssj journal verify` and `ssj journal list`.
pub fn journal(a: &JournalFileArgs, list: bool) -> u8 {
    let rep = match read_journal(a) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rep = match rep {
        Ok(r) => r,
        Err(e) => {
            if !a.quiet {
                if a.json {
                    let _ = report::print_json(&serde_json::json!({
                        "status": "broken",
                        "broken": e,
                        "message": e.to_string(),
                    }));
                } else {
                    let _ =
                        report::print(&format!("FAILED: {}:{}: {}\n", a.file.display(), e.line, e));
                }
            }
            return report::MISMATCH;
        }
    };
    let head = rep.head();
    let head_ok = match &a.head {
        None => true,
        Some(h) => rep.entries.iter().any(|e| e.hash == h.trim()),
    };
    let code = if head_ok {
        report::OK
    } else {
        report::MISMATCH
    };
    if a.quiet {
        return code;
    }
    if a.json {
        let v = serde_json::json!({
            "status": if head_ok { "ok" } else { "head_missing" },
            "entries": if list { serde_json::to_value(&rep.entries).unwrap_or_default() } else { serde_json::Value::from(rep.entries.len()) },
            "head": head,
        });
        let p = report::print_json(&v);
        return if p == report::OK { code } else { p };
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
    match &head {
        Some(h) => {
            let _ = writeln!(
                o,
                "{}: {} entries, chain intact; head {} (entry {})",
                if head_ok { "OK" } else { "FAILED" },
                rep.entries.len(),
                h.hash,
                h.seq
            );
        }
        None => {
            let _ = writeln!(
                o,
                "{}: the journal is empty",
                if head_ok { "OK" } else { "FAILED" }
            );
        }
    }
    if !head_ok {
        let _ = writeln!(
            o,
            "FAILED: the published head {} is not in the journal: entries were cut off or rewritten",
            a.head.as_deref().unwrap_or("")
        );
    }
    let p = report::print(&o);
    if p == report::OK { code } else { p }
}
