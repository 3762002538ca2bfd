//! `ssj explain`: why one entity was or was not drawn, task by task.

use crate::commands::verify::read_result;
use crate::{exit, input};
use clap::Args;
use shuangsuiji::Dataset;
use shuangsuiji::model::validate_uscc;
use shuangsuiji::verify::{Explanation, explain};
use std::fmt::Write as _;
use std::path::PathBuf;

/// `ssj explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The plan file (TOML).
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The published result.
    #[arg(long, value_name = "result.json")]
    pub result: PathBuf,
    /// The largest result.json read, in bytes (16 GiB; a result takes
    /// about 600 bytes a visit).
    #[arg(long, value_name = "BYTES", default_value_t = crate::commands::verify::max_json_bytes_default())]
    pub max_json_bytes: u64,
    /// The entity's unified social credit code (or its code, for a
    /// registry of another id scheme: `[registry]` of the plan).
    #[arg(long, value_name = "USCC")]
    pub entity: String,
    /// Print the explanation as JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `ssj explain`.
pub fn run(a: &ExplainArgs) -> u8 {
    let code = a.entity.trim().to_uppercase();
    let result = match read_result(&a.result, a.max_json_bytes) {
        Ok(r) => r,
        Err(msg) => {
            exit::message(&msg);
            return exit::INVALID;
        }
    };
    let ds = match input::load(&a.plan, a.quiet) {
        Ok(ds) => ds,
        Err(e) => return exit::error(&e),
    };
    let registry = &ds.plan().registry;
    let bad = if registry.is_uscc() {
        validate_uscc(&code).err().map(|e| e.to_string())
    } else {
        registry
            .check_code(&code)
            .err()
            .map(|e| format!("{} '{code}' {e}", registry.scheme.label_en()))
    };
    if let Some(e) = bad {
        exit::message(&format!("--entity {}: {e}", a.entity));
        return exit::INVALID;
    }
    let x = match explain(&ds, &result, &code) {
        Ok(x) => x,
        Err(e @ shuangsuiji::verify::ExplainError::UnknownEntity { .. }) => {
            exit::message(&format!("--entity: {e}"));
            return exit::INVALID;
        }
        Err(e) => {
            exit::message(&format!("{}: {e}", a.result.display()));
            return exit::MISMATCH;
        }
    };
    if a.quiet {
        return exit::OK;
    }
    if a.json {
        return exit::print_json(&x);
    }
    exit::print(&render_explain(&x, &ds))
}

fn render_explain(x: &Explanation, ds: &Dataset) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Entity {} {} ({}{})",
        x.uscc,
        x.name,
        x.region,
        x.credit_class
            .as_ref()
            .map_or(String::new(), |c| format!(", credit class {c}"))
    );
    let n = x.times_drawn();
    if n == 0 {
        let _ = writeln!(o, "Not drawn by any of the {} tasks.", x.tasks.len());
    } else {
        let _ = writeln!(o, "Drawn by {} of {} tasks.", n, x.tasks.len());
    }
    for t in &x.tasks {
        let names: Vec<String> = ds
            .plan()
            .tasks
            .iter()
            .find(|pt| pt.key() == t.task)
            .map(|pt| {
                pt.items
                    .iter()
                    .filter_map(|id| ds.item(id))
                    .map(|i| i.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(o, "\nTask {} {}", t.task, names.join(" + "));
        if !t.eligible {
            let _ = writeln!(
                o,
                "  not eligible ({}): {}",
                t.reason.as_deref().unwrap_or(""),
                t.detail.as_deref().unwrap_or("")
            );
            let _ = writeln!(o, "  ticket   {}", t.ticket);
            continue;
        }
        let _ = writeln!(
            o,
            "  eligible, stratum {}: {} of {} entities drawn",
            t.stratum.as_deref().unwrap_or(""),
            t.drawn_in_stratum.unwrap_or(0),
            t.base.unwrap_or(0)
        );
        let _ = writeln!(o, "  ticket   {}", t.ticket);
        let _ = writeln!(
            o,
            "  cut-off  {} (ticket of rank {})",
            t.cutoff.as_deref().unwrap_or("none: nothing drawn"),
            t.drawn_in_stratum.unwrap_or(0)
        );
        let _ = writeln!(
            o,
            "  rank     {} of {} → {}",
            t.rank.unwrap_or(0),
            t.base.unwrap_or(0),
            if t.drawn {
                format!("DRAWN (visit {})", t.visit.unwrap_or(0))
            } else {
                "not drawn (ticket above the cut-off)".to_string()
            }
        );
        for team in &t.teams {
            let os: Vec<String> = team
                .officers
                .iter()
                .map(|m| format!("{} {}", m.cert_no, m.name))
                .collect();
            let _ = writeln!(
                o,
                "  team     {} / {} ({}): {}",
                team.department,
                team.category,
                team.items.join(", "),
                os.join(", ")
            );
        }
    }
    o
}
