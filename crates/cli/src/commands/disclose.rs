//! `ssj disclose`: write a public notice of a result (and of its outcomes).

use crate::commands::verify::read_result;
use crate::exit;
use clap::Args;
use shuangsuiji::draw::Visits;
use shuangsuiji_disclose::{Format, Lang, write_result_xlsx};
use std::io::IsTerminal;
use std::path::PathBuf;

/// `ssj disclose`.
#[derive(Debug, Args)]
pub struct DiscloseArgs {
    /// The result to publish.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// html, md, csv or json: the notice; xlsx: the result table as a
    /// workbook (result.xlsx, binary: with --out, or stdout redirected).
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

/// `ssj disclose`.
pub fn run(a: &DiscloseArgs) -> u8 {
    if a.format.trim().eq_ignore_ascii_case("xlsx") {
        return run_xlsx(a);
    }
    let format: Format = match a.format.parse() {
        Ok(f) => f,
        Err(e) => {
            exit::message(&format!("--format: {e}"));
            return exit::INVALID;
        }
    };
    let lang: Lang = match a.lang.parse() {
        Ok(l) => l,
        Err(e) => {
            exit::message(&format!("--lang: {e}"));
            return exit::INVALID;
        }
    };
    let result = match read_result(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let text = match &a.results {
        None => shuangsuiji_disclose::draw_notice(&result, format, lang),
        Some(p) => {
            let file = match std::fs::File::open(p) {
                Ok(f) => std::io::BufReader::new(f),
                Err(e) => {
                    exit::message(&format!("{}: cannot read: {e}", p.display()));
                    return exit::INVALID;
                }
            };
            let name = p.display().to_string();
            match shuangsuiji_disclose::read_outcomes(&name, file, &result) {
                Ok(outcomes) => {
                    shuangsuiji_disclose::results_notice(&result, &outcomes, format, lang)
                }
                Err(e) => {
                    for pr in e.problems() {
                        exit::message(&pr.to_string());
                    }
                    return exit::INVALID;
                }
            }
        }
    };
    write_out(a, text.as_bytes())
}

/// Write to `--out` (atomically, refusing to replace without `--force`)
/// or to stdout.
fn write_out(a: &DiscloseArgs, bytes: &[u8]) -> u8 {
    let Some(out) = &a.out else {
        return exit::print_bytes(bytes);
    };
    if out.exists() && !a.force {
        exit::message(&format!(
            "{} already exists; refusing to overwrite it (use --force)",
            out.display()
        ));
        return exit::INVALID;
    }
    let written = shuangsuiji::publish::write_file_atomic(out, &mut |w| w.write_all(bytes));
    if let Err(e) = written {
        exit::message(&format!("{}: cannot write: {e}", out.display()));
        return exit::INVALID;
    }
    exit::OK
}

/// `ssj disclose --format xlsx`: the result table as a workbook, headers
/// in `--lang`.
fn run_xlsx(a: &DiscloseArgs) -> u8 {
    let lang: Lang = match a.lang.parse() {
        Ok(l) => l,
        Err(e) => {
            exit::message(&format!("--lang: {e}"));
            return exit::INVALID;
        }
    };
    if a.results.is_some() {
        exit::message(
            "--format xlsx writes the result table; the results notice is written as html, md, csv or json",
        );
        return exit::INVALID;
    }
    if a.out.is_none() && std::io::stdout().is_terminal() {
        exit::message(
            "--format xlsx writes a binary workbook: pass --out result.xlsx (or redirect stdout to a file)",
        );
        return exit::INVALID;
    }
    let result = match read_result(&a.result) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let mut bytes = Vec::new();
    let visits = Visits::Held(&result.visits);
    if let Err(e) = write_result_xlsx(visits, result.plan.date, lang, &mut bytes) {
        exit::message(&format!("cannot write the workbook: {e}"));
        return exit::INVALID;
    }
    write_out(a, &bytes)
}
