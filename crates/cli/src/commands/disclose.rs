//! `ssj disclose`: write a public notice of a result (and of its outcomes).

use crate::commands::verify::read_result;
use crate::exit;
use clap::Args;
use shuangsuiji::draw::Visits;
use shuangsuiji_disclose::{Format, Lang, write_result_xlsx_in};
use std::io::IsTerminal;
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
    /// The plan of the result: its [notice] table (文号, issuer, contact,
    /// complaint channel) and [results] table (outcome vocabulary, working
    /// days to publish, extra holidays) shape the notice. Not in the digest.
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: Option<PathBuf>,
    /// The reference date for deadlines (YYYY-MM-DD): with --results, warn
    /// of inspections whose result is overdue; the results notice carries
    /// this date. ssj never reads the clock for it.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// With --results: write the export for the enterprise credit
    /// information publicity system (CSV; see README "Results") instead of
    /// the notice.
    #[arg(long, value_name = "gsxt")]
    pub export: Option<String>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `ssj disclose`.
pub fn run(a: &DiscloseArgs) -> u8 {
    let xlsx = a.format.trim().eq_ignore_ascii_case("xlsx");
    let gsxt = a.export.as_deref() == Some("gsxt");
    if xlsx && !gsxt {
        return run_xlsx(a);
    }
    if xlsx && a.out.is_none() && std::io::stdout().is_terminal() {
        exit::message(
            "--format xlsx writes a binary workbook: pass --out gsxt.xlsx (or redirect stdout to a file)",
        );
        return exit::INVALID;
    }
    // the export as a workbook takes the rows, not a notice format
    let format_text = if xlsx { "csv" } else { a.format.as_str() };
    let format: Format = match format_text.parse() {
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
    let plan = match &a.plan {
        None => None,
        Some(p) => {
            let text = match std::fs::read_to_string(p) {
                Ok(t) => t,
                Err(e) => {
                    exit::message(&format!("{}: cannot read: {e}", p.display()));
                    return exit::INVALID;
                }
            };
            let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
            match shuangsuiji::Plan::from_toml(&p.display().to_string(), text) {
                Ok(plan) if plan.id != result.plan.id => {
                    exit::message(&format!(
                        "{}: plan {} is not the plan of the result ({})",
                        p.display(),
                        plan.id,
                        result.plan.id
                    ));
                    return exit::INVALID;
                }
                Ok(plan) => Some(plan),
                Err(e) => return exit::error(&e),
            }
        }
    };
    let as_of = match a
        .as_of
        .as_deref()
        .map(str::parse::<shuangsuiji::model::Date>)
    {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            exit::message(&format!(
                "--as-of '{}' {e}",
                a.as_of.as_deref().unwrap_or_default()
            ));
            return exit::INVALID;
        }
    };
    let options = match &plan {
        None => Ok(shuangsuiji_disclose::ResultsOptions {
            as_of,
            ..Default::default()
        }),
        Some(plan) => shuangsuiji_disclose::ResultsOptions::for_plan(plan, as_of),
    };
    let options = match options {
        Ok(o) => o,
        Err(e) => {
            exit::message(&format!(
                "{}: [results] outcomes: {e}",
                a.plan
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            ));
            return exit::INVALID;
        }
    };
    match a.export.as_deref() {
        None => {}
        Some("gsxt") if result.plan.registry.is_some() => {
            // the credit publicity system files inspections by enterprise
            // credit code: a registry of projects, grid cells or sites has
            // none (SPEC.md §1.8)
            let scheme = result.plan.registry.as_ref().map(|r| r.scheme);
            exit::message(&format!(
                "--export gsxt lists inspections of enterprises by unified social credit code; this result's registry holds {}s ({}), which the enterprise credit information publicity system does not file",
                scheme.map_or("", |s| s.label_en()),
                scheme.map_or("", |s| s.label_zh()),
            ));
            return exit::INVALID;
        }
        Some("gsxt") if a.results.is_some() => {}
        Some("gsxt") => {
            exit::message("--export gsxt needs --results outcomes.csv");
            return exit::INVALID;
        }
        Some(other) => {
            exit::message(&format!(
                "--export: unknown export '{other}'; expected gsxt"
            ));
            return exit::INVALID;
        }
    }
    let text = match &a.results {
        None => shuangsuiji_disclose::draw_notice_for(&result, &options.notice, format, lang),
        Some(p) => {
            let file = match shuangsuiji::load::open::open_regular(p) {
                Ok(f) => std::io::BufReader::new(f),
                Err(e) => {
                    exit::message(&format!("{}: cannot read: {e}", p.display()));
                    return exit::INVALID;
                }
            };
            let name = p.display().to_string();
            match shuangsuiji_disclose::read_outcomes_with(
                &name,
                file,
                &result,
                &options.vocabulary,
            ) {
                Ok(outcomes) => {
                    for o in shuangsuiji_disclose::overdue(&outcomes, &options) {
                        exit::message(&format!(
                            "{name}:{}: warning: the result of {} for item {} (inspected {}) was due to be public by {}; it is overdue as of {}",
                            o.line,
                            o.uscc,
                            o.item,
                            o.date,
                            o.due,
                            options.as_of.map_or(String::new(), |d| d.to_string())
                        ));
                    }
                    if a.export.is_some() && xlsx {
                        let mut bytes = Vec::new();
                        if let Err(e) = shuangsuiji_disclose::gsxt_xlsx(
                            &result, &outcomes, &options, &mut bytes,
                        ) {
                            exit::message(&format!("cannot write the workbook: {e}"));
                            return exit::INVALID;
                        }
                        return write_out(a, &bytes);
                    } else if a.export.is_some() {
                        shuangsuiji_disclose::gsxt_csv(&result, &outcomes, &options)
                    } else {
                        shuangsuiji_disclose::results_notice_with(
                            &result, &outcomes, &options, format, lang,
                        )
                    }
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
        // text goes through the terminal-cleaning policy; a workbook is bytes
        return match a.format.as_str() {
            "xlsx" => exit::print_bytes(bytes),
            "json" => exit::print_json_text(&String::from_utf8_lossy(bytes)),
            _ => exit::print(&String::from_utf8_lossy(bytes)),
        };
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
    let result = match read_result(&a.result, a.max_json_bytes) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let mut bytes = Vec::new();
    let visits = Visits::Held(&result.visits);
    let scheme = result
        .plan
        .registry
        .as_ref()
        .map_or(shuangsuiji::model::IdScheme::Uscc, |r| r.scheme);
    if let Err(e) = write_result_xlsx_in(visits, result.plan.date, scheme, lang, &mut bytes) {
        exit::message(&format!("cannot write the workbook: {e}"));
        return exit::INVALID;
    }
    write_out(a, &bytes)
}
