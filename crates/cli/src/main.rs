//! `ssj`: the command line of shuangsuiji. Only glue: flags are parsed here,
//! each command converts them once into library values (`commands/`), and
//! the outcome becomes an exit code in one place ([`exit::ExitStatus`]:
//! 0 ok, 1 verification found a difference, 2 invalid input or usage,
//! 3 the rules cannot be satisfied).

use std::process::ExitCode;

use clap::Parser;

mod alloc;
mod attempt;
mod cli;
mod commands;
mod exit;
mod fsio;
mod input;

use cli::Command;
use commands::journal::JournalCommand;

fn main() -> ExitCode {
    alloc::configure();
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // clap prints help/version to stdout and errors to stderr
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let status = match cli.command {
        Command::Check(a) => commands::check::run(&a),
        Command::Commit(a) => commands::commit::run(&a),
        Command::Draw(a) => commands::draw::run(&a),
        Command::Verify(a) => commands::verify::run(&a),
        Command::Substitute(a) => commands::substitute::run(&a),
        Command::Explain(a) => commands::explain::run(&a),
        Command::Disclose(a) => commands::disclose::run(&a),
        Command::Journal(JournalCommand::Verify(a)) => commands::journal::run(&a, false),
        Command::Journal(JournalCommand::List(a)) => commands::journal::run(&a, true),
        Command::Journal(JournalCommand::Repair(a)) => commands::journal::repair(&a),
        Command::Synth(a) => commands::synth::run(&a),
    };
    ExitCode::from(status)
}
