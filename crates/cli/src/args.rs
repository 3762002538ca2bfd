//! Command-line flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Reproducible, verifiable 双随机、一公开 inspection draws.
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
    /// Write a deterministic synthetic plan folder of any size.
    Synth(crate::synth::SynthArgs),
    /// Streaming commit/draw/verify for province-scale registries (benchmarks).
    #[command(subcommand, hide = true)]
    Stream(crate::stream::StreamCommand),
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
