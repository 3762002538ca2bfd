//! `ssj`: the command line of shuangsuiji. Only glue: flags are parsed here,
//! converted once into library values, and errors mapped to exit codes
//! (0 ok, 1 verification found a difference, 2 invalid input or usage,
//! 3 the rules cannot be satisfied).

use std::process::ExitCode;

use clap::Parser;

mod args;
mod check;
mod draw;
mod fsio;
mod input;
mod report;
mod synth;
mod verify;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // clap prints help/version to stdout and errors to stderr
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        args::Command::Check(a) => check::run(&a),
        args::Command::Commit(a) => draw::commit(&a),
        args::Command::Draw(a) => draw::draw(&a),
        args::Command::Verify(a) => verify::verify(&a),
        args::Command::Explain(a) => verify::explain_cmd(&a),
        args::Command::Disclose(a) => verify::disclose(&a),
        args::Command::Journal(args::JournalCommand::Verify(a)) => verify::journal(&a, false),
        args::Command::Journal(args::JournalCommand::List(a)) => verify::journal(&a, true),
        args::Command::Synth(a) => synth::run(&a),
    };
    ExitCode::from(code)
}
