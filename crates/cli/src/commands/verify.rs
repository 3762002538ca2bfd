//! `ssj verify`: re-run a published draw and compare it with result.json.

use crate::cli::StreamFlags;
use crate::{exit, fsio, input};
use clap::Args;
use serde::Serialize;
use shuangsuiji::commit::{Difference, digest_differences};
use shuangsuiji::draw::Visits;
use shuangsuiji::verify::{Comparison, compare_results_with};
use shuangsuiji::{ALGORITHM, Dataset, DrawResult, ErrorKind};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `ssj verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The plan file (TOML) with the published inputs.
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The published result.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// The published commitment: also check the result against it.
    #[arg(long, value_name = "commitment.json")]
    pub commitment: Option<PathBuf>,
    /// Print the report as JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print nothing; the exit code tells.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
}

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
pub fn run(a: &VerifyArgs) -> u8 {
    let held = match read_published(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let published = held.result();
    if published.algorithm != ALGORITHM {
        exit::message(&format!(
            "{}: algorithm '{}' is not one this ssj implements ({ALGORITHM}); use a version of ssj that does",
            a.result.display(),
            published.algorithm
        ));
        return exit::INVALID;
    }
    let commitment = match &a.commitment {
        Some(p) => match input::read_commitment(p) {
            Ok(c) => Some(c),
            Err(msg) => {
                exit::message(&msg);
                return exit::INVALID;
            }
        },
        None => None,
    };
    // one pass over the registry with the result's digests; only if an
    // input differs, a second to list every digest that does
    let st = match input::Streaming::new(&a.stream, &a.result, a.quiet) {
        Ok(st) => st,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
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
    let mut code = exit::MISMATCH;
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
                            exit::message(&msg);
                            return exit::INVALID;
                        }
                    },
                };
                if c.is_match() {
                    code = exit::OK;
                }
                rep.comparison = Some(c);
                ds = Some(d.dataset);
            }
            Err(e) => match e.kind() {
                ErrorKind::Differs { .. } => read_inputs = true,
                ErrorKind::Infeasible(i) => rep.infeasible = Some(i.to_string()),
                _ => return exit::error(&e),
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
            Err(e) => return exit::error(&e),
        }
    }
    if code != exit::OK {
        rep.status = "difference";
    }
    if a.quiet {
        return code;
    }
    let printed = if a.json {
        exit::print_json(&rep)
    } else {
        exit::print(&render_verify(a, &rep, ds.as_ref()))
    };
    if printed == exit::OK { code } else { printed }
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
        // what was confirmed before a difference is no reassurance: the
        // difference alone
        if c.difference.is_none() {
            let _ = writeln!(
                o,
                "  confirmed    {} tasks, {} visits, {} teams, {} officer places",
                c.tasks_confirmed, c.visits_confirmed, c.teams_confirmed, c.officers_confirmed
            );
        }
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
