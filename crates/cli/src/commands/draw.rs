//! `ssj draw`: draw with the announced seed, against the commitment, and
//! write the result and its notices atomically; every attempt is journaled.

use crate::attempt::{Attempt, wrote};
use crate::cli::{JournalFlag, StreamFlags};
use crate::fsio::{self};
use crate::input::read_commitment;
use crate::{exit, input};
use clap::Args;
use shuangsuiji::draw::Visits;
use shuangsuiji::draw::seed_problem;
use shuangsuiji::journal::JournalOutcome;
use shuangsuiji::{DrawResult, ErrorKind, SeedStrength};
use shuangsuiji_disclose::folder::{self, COMMIT_FILES, DRAW_FILES};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `ssj draw`.
#[derive(Debug, Args)]
pub struct DrawArgs {
    /// The plan file (TOML).
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The seed, exactly as read from the announced public source.
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// The folder to write the result into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The commitment published before the draw: refuse if any input
    /// differs from it.
    #[arg(long, value_name = "commitment.json")]
    pub commitment: Option<PathBuf>,
    /// Replace an earlier result in DIR (the journal keeps both attempts).
    #[arg(long)]
    pub force: bool,
    /// Draw even if the seed has fewer bits than the draw needs.
    #[arg(long)]
    pub allow_weak_seed: bool,
    #[command(flatten)]
    pub journal: JournalFlag,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
}

/// The validated flags of `ssj draw`.
struct DrawRequest<'a> {
    plan: &'a Path,
    seed: &'a str,
    out: &'a Path,
    commitment: Option<&'a Path>,
}

/// `ssj draw`.
pub fn run(a: &DrawArgs) -> u8 {
    let at = Attempt::new(
        fsio::journal_path(a.journal.journal.as_deref(), &a.plan),
        "draw",
        Some(&a.seed),
    );
    if let Some(problem) = seed_problem(&a.seed) {
        let msg = format!("--seed: {problem}");
        exit::message(&msg);
        return at.fail(JournalOutcome::Invalid, msg, exit::INVALID);
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
    let (mut at, st) =
        match at.before_reading(req.out, &DRAW_FILES, a.force, &a.stream, a.quiet, req.plan) {
            Ok(x) => x,
            Err(code) => return code,
        };
    // the result without its visits, and the visits (compact)
    let (plan, (result, visits)) = match req.commitment {
        // committed digests: one pass over the registry
        Some(path) => {
            let c = match read_commitment(path) {
                Ok(c) => c,
                Err(msg) => {
                    exit::message(&msg);
                    return at.fail(JournalOutcome::Invalid, msg, exit::INVALID);
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
                        at.inputs(&c.plan.id, &c.digests);
                        return at.fail_with(&e);
                    }
                    _ => return at.fail_with(&e),
                },
            };
            at.dataset(&ds);
            exit::warnings(ds.warnings(), a.quiet);
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
                exit::message(&msg);
                return at.fail(JournalOutcome::Invalid, msg, exit::INVALID);
            }
            match result {
                Some(r) => (ds.plan().clone(), r),
                None => {
                    let msg =
                        "the inputs changed while they were read; nothing was drawn".to_string();
                    exit::message(&msg);
                    return at.fail(JournalOutcome::Invalid, msg, exit::INVALID);
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
            exit::warnings(ds.warnings(), a.quiet);
            match st.draw(req.plan, req.seed, Some(ds.digests())) {
                Ok(d) => (ds.plan().clone(), (d.head, d.visits)),
                Err(e) => return at.fail_with(&e),
            }
        }
    };
    let strength = SeedStrength::of(&result);
    if !strength.is_enough() {
        let msg = weak_seed_message(&result, strength);
        if !a.allow_weak_seed {
            exit::message(&format!(
                "{msg}\nUse the full outcome of the announced source, or pass --allow-weak-seed to draw anyway (the journal records it)."
            ));
            return at.fail(JournalOutcome::Invalid, msg, exit::INVALID);
        }
        if !a.quiet {
            exit::message(&format!(
                "warning: {msg}; drawing anyway (--allow-weak-seed)"
            ));
        }
        let weak = format!(
            "weak seed allowed: {} bits, {} needed",
            strength.bits, strength.required
        );
        at.note(&weak);
    }
    let all = Visits::Compact(&visits);
    let plan_text = match input::plan_text(req.plan) {
        Ok(t) => t,
        Err(e) => return at.fail_with(&e),
    };
    // result.xlsx's rows go to temporary files where the sort files go
    let own = folder::draw_files_with(&result, all, &plan.notice, Some(st.tmp()));
    let publication =
        match folder::complete(own, req.out, &COMMIT_FILES, req.plan, &plan_text, &plan) {
            Ok(p) => p,
            Err(e) => return at.fail_with(&e),
        };
    let published = match at.publish(req.out, &publication, &DRAW_FILES, a.force) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if a.quiet {
        return exit::OK;
    }
    let teams = visits.teams();
    let mut o = String::new();
    let _ = writeln!(o, "Drew plan {} with {}", result.plan.id, result.algorithm);
    let _ = writeln!(o, "  seed         '{}'", result.seed.text);
    let _ = writeln!(
        o,
        "  seed bits    {} (this draw needs {}){}",
        strength.bits,
        strength.required,
        if result.seed.sources.is_empty() {
            ""
        } else {
            ", from the declared sources:"
        }
    );
    for s in &result.seed.sources {
        let _ = writeln!(
            o,
            "    {:<24} {} bits",
            s.source.label(),
            shuangsuiji::draw::tenths_text(s.tenths)
        );
    }
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
    wrote(&mut o, req.out, &published);
    let _ = writeln!(
        o,
        "\nPublish the folder {} as it is: anyone can check it with only that folder,\n\
         by opening verify.html in a browser, with python3 ssj_verify.py, or with\n  ssj verify {}",
        req.out.display(),
        req.out.display()
    );
    exit::print(&o)
}

fn weak_seed_message(result: &DrawResult, s: SeedStrength) -> String {
    if !result.seed.sources.is_empty() {
        let parts: Vec<String> = result
            .seed
            .sources
            .iter()
            .map(|o| {
                format!(
                    "{} {} bits",
                    o.source.label(),
                    shuangsuiji::draw::tenths_text(o.tenths)
                )
            })
            .collect();
        return format!(
            "the declared seed sources carry {} bits ({}), but this draw needs {}: with only 2^{} possible outcomes, whoever prepares the inputs can compute the draw for every outcome in advance and adjust the inputs until the one they want comes up (grinding); declare more sources in the plan before committing",
            s.bits,
            parts.join(" + "),
            s.required,
            s.bits
        );
    }
    format!(
        "the seed '{}' carries about {} bits (only digits count: 3.32 bits per decimal digit, 4 per character of a long hexadecimal beacon value), but this draw needs {}: with only 2^{} possible seeds, whoever prepares the inputs can compute the draw for every seed in advance and adjust the inputs or pick the source until the outcome they want comes up (grinding)",
        result.seed.normalized, s.bits, s.required, s.bits
    )
}
