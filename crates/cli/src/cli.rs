//! The command line as parsed (raw): the top-level parser and the flag
//! groups several commands share. Each command's own flags live with it in
//! `commands/`, and are converted once into library values there.

use crate::commands::{
    check::CheckArgs, commit::CommitArgs, disclose::DiscloseArgs, draw::DrawArgs,
    explain::ExplainArgs, journal::JournalCommand, substitute::SubstituteArgs, synth::SynthArgs,
    verify::VerifyArgs,
};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Reproducible, verifiable 双随机、一公开 inspection draws.
///
/// Exit codes: 0 success; 1 verification found a difference; 2 invalid
/// input or usage; 3 the rules cannot be satisfied.
#[derive(Debug, Parser)]
#[command(name = "ssj", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a plan and all its inputs, and summarise them.
    Check(CheckArgs),
    /// Before the draw: write the commitment (plan and input digests) and
    /// the pre-draw notice, to publish before the seed exists.
    Commit(CommitArgs),
    /// Draw: write result.json, result.csv, result.xlsx, notice.html and notice.md.
    Draw(DrawArgs),
    /// Re-run a published draw and compare it with result.json.
    Verify(VerifyArgs),
    /// Substitutes after the draw: declare disqualifications (an officer
    /// unavailable, an entity deregistered) and write the next revision,
    /// computed from the same draw key (SPEC.md §13).
    Substitute(SubstituteArgs),
    /// Explain why one entity was or was not drawn, task by task.
    Explain(ExplainArgs),
    /// Write a public notice of a result (and of its outcomes).
    Disclose(DiscloseArgs),
    /// The journal of every draw attempt (全过程记录).
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Write a deterministic synthetic plan folder of any size.
    Synth(SynthArgs),
}

/// Where the journal is.
#[derive(Debug, Args)]
pub struct JournalFlag {
    /// The journal file (JSON Lines) every attempt is appended to; by
    /// default `journal.jsonl` next to the plan.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// How the registry is read by `commit`, `draw` and `verify`: streamed,
/// record by record, never held whole (memory does not grow with it).
#[derive(Debug, Args)]
pub struct StreamFlags {
    /// Threads that read the registry and rank the strata (0: one per
    /// core). Never changes the output.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Folder for temporary files: the sort files (about 60 bytes per
    /// entity) and, for draw, the rows of result.xlsx; created unnamed and
    /// gone when ssj ends. Default: next to the output.
    #[arg(long, value_name = "DIR")]
    pub tmp: Option<PathBuf>,
}
