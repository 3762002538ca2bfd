//! Command-line flags, as parsed (raw). Each command converts them once
//! into validated values before doing anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Draw: write result.json, result.csv, notice.html and notice.md.
    Draw(DrawArgs),
    /// Re-run a published draw and compare it with result.json.
    Verify(VerifyArgs),
    /// Explain why one entity was or was not drawn, task by task.
    Explain(ExplainArgs),
    /// Write a public notice of a result (and of its outcomes).
    Disclose(DiscloseArgs),
    /// The journal of every draw attempt (全过程记录).
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Write a deterministic synthetic plan folder of any size.
    Synth(crate::synth::SynthArgs),
}

/// `ssj check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The plan file (TOML); input files are named relative to it.
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// Print the summary as JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
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
    /// Worker threads besides the reader (0: one per core). Never changes
    /// the output.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Folder for temporary sort files (about 60 bytes per entity; created
    /// unnamed and gone when ssj ends). Default: next to the output.
    #[arg(long, value_name = "DIR")]
    pub tmp: Option<PathBuf>,
}

/// `ssj commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// The plan file (TOML).
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The folder to write commitment.json and the pre-draw notice into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an earlier commitment in DIR.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub journal: JournalFlag,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
}

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

/// `ssj explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The plan file (TOML).
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The published result.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// The entity's unified social credit code.
    #[arg(long, value_name = "USCC")]
    pub entity: String,
    /// Print the explanation as JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `ssj disclose`.
#[derive(Debug, Args)]
pub struct DiscloseArgs {
    /// The result to publish.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// html, md, csv or json.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Inspection outcomes (CSV: uscc, item, outcome, date): write the
    /// results notice instead of the draw notice.
    #[arg(long, value_name = "outcomes.csv")]
    pub results: Option<PathBuf>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `ssj journal …`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Check the hash chain; name the first broken entry.
    Verify(JournalFileArgs),
    /// Show every entry.
    List(JournalFileArgs),
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
