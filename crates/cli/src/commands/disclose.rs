//! `ssj disclose`: write a public notice of a result (and of its outcomes).

use crate::commands::verify::read_result;
use crate::exit;
use clap::Args;
use shuangsuiji_disclose::{Format, Lang};
use std::path::PathBuf;

/// `ssj disclose`.
#[derive(Debug, Args)]
pub struct DiscloseArgs {
    /// The result to publish.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// The largest result.json read, in bytes (16 GiB; a result takes
    /// about 600 bytes a visit).
    #[arg(long, value_name = "BYTES", default_value_t = crate::commands::verify::max_json_bytes_default())]
    pub max_json_bytes: u64,
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

/// `ssj disclose`.
pub fn run(a: &DiscloseArgs) -> u8 {
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
    let result = match read_result(&a.result, a.max_json_bytes) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let text = match &a.results {
        None => shuangsuiji_disclose::draw_notice(&result, format, lang),
        Some(p) => {
            let file = match shuangsuiji::load::open::open_regular(p) {
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
    let Some(out) = &a.out else {
        return if matches!(format, shuangsuiji_disclose::Format::Json) {
            exit::print_json_text(&text)
        } else {
            exit::print(&text)
        };
    };
    if out.exists() && !a.force {
        exit::message(&format!(
            "{} already exists; refusing to overwrite it (use --force)",
            out.display()
        ));
        return exit::INVALID;
    }
    let written =
        shuangsuiji::publish::write_file_atomic(out, &mut |w| w.write_all(text.as_bytes()));
    if let Err(e) = written {
        exit::message(&format!("{}: cannot write: {e}", out.display()));
        return exit::INVALID;
    }
    exit::OK
}
