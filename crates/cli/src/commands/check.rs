//! `ssj check`: validate everything and print a summary a planner can read.

use std::fmt::Write as _;

use shuangsuiji::draw::Preview;
use shuangsuiji::model::CreditClass;
use shuangsuiji::{Dataset, Summary};

use crate::{exit, input};
use clap::Args;
use std::path::PathBuf;

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

pub fn run(a: &CheckArgs) -> u8 {
    let ds = match input::load(&a.plan, a.quiet || a.json) {
        Ok(ds) => ds,
        Err(e) => return exit::error(&e),
    };
    let summary = Summary::new(&ds);
    let preview = ds.preview();
    let out = if a.json {
        let v = serde_json::json!({
            "plan": {
                "id": ds.plan().id,
                "title": ds.plan().title,
                "authority": ds.plan().authority,
                "period_start": ds.plan().period_start.to_string(),
                "period_end": ds.plan().period_end.to_string(),
                "date": ds.plan().date.to_string(),
                "seed_source": ds.plan().seed_source,
            },
            "seed_sources": ds.plan().seed_sources.iter().map(|s| serde_json::json!({
                "source": s,
                "label": s.label(),
                "tenths": s.fixed_tenths(),
            })).collect::<Vec<_>>(),
            "files": ds.files(),
            "digests": ds.digests(),
            "summary": summary,
            "preview": preview,
            "warnings": ds.warnings(),
        });
        format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
    } else if a.quiet {
        String::new()
    } else {
        render(&ds, &summary, &preview)
    };
    let code = if a.json {
        exit::print_json_text(&out)
    } else {
        exit::print(&out)
    };
    if code != exit::OK {
        return code;
    }
    if !a.json {
        exit::warnings(ds.warnings(), false);
    }
    // no seed can draw this plan: the error `draw` would give, exit 3
    if let Err(e) = preview.check() {
        return exit::error(&e);
    }
    exit::OK
}

/// Terminal width of a string: CJK and full-width characters take two cells.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// Pad to a terminal width (left-aligned).
pub fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn render(ds: &Dataset, summary: &Summary, preview: &Preview) -> String {
    let p = ds.plan();
    let mut o = String::new();
    let _ = writeln!(o, "Plan {} — {}", p.id, p.title);
    let _ = writeln!(o, "  authority    {}", p.authority);
    let _ = writeln!(
        o,
        "  period       {} to {} (plan date {})",
        p.period_start, p.period_end, p.date
    );
    let _ = writeln!(o, "  seed source  {}", p.seed_source);
    o.push_str(&seed_sources_text(&p.seed_sources));
    if let Some(reg) = p.registry.declared() {
        // a registry of draw units other than enterprises (SPEC.md §1.8)
        let _ = writeln!(
            o,
            "  registry     {}s ({}){}",
            reg.scheme.label_en(),
            reg.scheme.label_zh(),
            reg.pattern
                .as_ref()
                .map_or(String::new(), |pat| format!(", pattern {pat}"))
        );
    }
    let r = &p.rules;
    let _ = writeln!(
        o,
        "  rules        team of {}; {}; cool-down {} days; overlap {:?}; {}; rotation {}; officer load {}; strata {:?}",
        r.team_size,
        r.max_per_year
            .map_or("no yearly cap".to_string(), |m| format!(
                "at most {m} a year"
            )),
        r.cooldown_days,
        r.overlap,
        if r.cross_region {
            "cross-region"
        } else {
            "local jurisdiction"
        },
        if r.rotation { "on" } else { "off" },
        r.officer_max_load
            .map_or("uncapped".to_string(), |m| format!("at most {m}")),
        r.stratify,
    );
    if r.certified_through_period_end {
        let _ = writeln!(
            o,
            "  certificates must be valid through the period end {}",
            p.period_end
        );
    }
    if !r.class_ratios.is_empty() {
        let cr: Vec<String> = r
            .class_ratios
            .iter()
            .map(|(c, q)| format!("{c} {q}"))
            .collect();
        let _ = writeln!(o, "  class ratios {}", cr.join(", "));
    }

    let _ = writeln!(o, "\nFiles");
    let fw = ds.files().iter().map(|f| width(&f.file)).max().unwrap_or(0);
    for f in ds.files() {
        let _ = write!(
            o,
            "  {}  {:<9} {:<12} {:>8} records",
            pad(&f.file, fw),
            f.kind,
            f.encoding,
            f.records
        );
        if !f.private_columns.is_empty() {
            let _ = write!(
                o,
                "; personal data dropped: {}",
                f.private_columns.join(", ")
            );
        }
        if !f.unknown_columns.is_empty() {
            let _ = write!(o, "; ignored columns: {}", f.unknown_columns.join(", "));
        }
        o.push('\n');
    }

    let _ = writeln!(o, "\nDigests (SHA-256 of the canonical form, see SPEC.md)");
    for (k, v) in shuangsuiji::commit::input_digests(ds.digests()) {
        let _ = writeln!(o, "  {k:<10} {v}");
    }

    let _ = writeln!(o, "\nTasks ({})", summary.tasks.len());
    for t in &summary.tasks {
        let excl: Vec<String> = t.excluded.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            o,
            "\n  {} {}{} — ratio {}, {} eligible{}",
            t.task,
            t.names.join(" + "),
            if t.directed { " (directed)" } else { "" },
            t.ratio,
            t.eligible,
            if excl.is_empty() {
                String::new()
            } else {
                format!(" (not eligible: {})", excl.join(", "))
            }
        );
        if t.by_region.is_empty() {
            continue;
        }
        let rw = t
            .by_region
            .keys()
            .map(|k| width(k))
            .max()
            .unwrap_or(0)
            .max(6);
        let mut cols: Vec<String> = CreditClass::ALL
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        cols.push("-".into());
        let _ = write!(o, "    {}", pad("region", rw));
        for c in &cols {
            let _ = write!(o, " {c:>5}");
        }
        let _ = writeln!(o, " {:>6}", "total");
        for (region, by_class) in &t.by_region {
            let _ = write!(o, "    {}", pad(region, rw));
            for c in &cols {
                let n = by_class.get(c).copied().unwrap_or(0);
                let _ = write!(o, " {n:>5}");
            }
            let _ = writeln!(o, " {:>6}", by_class.values().sum::<u64>());
        }
    }

    let os = &summary.officers;
    let _ = writeln!(
        o,
        "\nOfficers: {} in the roster, {} eligible on {}{} (active, certificate valid); eligible officers covering each region:",
        os.total,
        os.eligible,
        p.date,
        if r.certified_through_period_end {
            format!(" through {}", p.period_end)
        } else {
            String::new()
        }
    );
    for (cat, regions) in &os.by_category {
        let parts: Vec<String> = regions.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let _ = writeln!(o, "  {}  {}", pad(cat, 14), parts.join(", "));
    }

    render_preview(&mut o, preview);

    if preview.infeasible.is_some() {
        let _ = writeln!(
            o,
            "\nNOT DRAWABLE: no seed can draw this plan (the reason is on stderr); {} warning(s).",
            ds.warnings().len()
        );
    } else if ds.warnings().is_empty() {
        let _ = writeln!(o, "\nOK: no errors, no warnings.");
    } else {
        let _ = writeln!(
            o,
            "\nOK: no errors; {} warning(s) (on stderr).",
            ds.warnings().len()
        );
    }
    o
}

/// The declared seed sources with their credited bits, for `check` and
/// `commit` (nothing when the plan declares none: the digit rule applies).
pub fn seed_sources_text(sources: &[shuangsuiji::model::SeedSource]) -> String {
    use shuangsuiji::draw::{seed_template, tenths_text};
    let mut o = String::new();
    if sources.is_empty() {
        // the digit rule, as before declarations existed
        return o;
    }
    let _ = writeln!(o, "  seed sources declared, in seed-text order:");
    let mut fixed = 0u32;
    let mut text = false;
    for (i, s) in sources.iter().enumerate() {
        let bits = match s.fixed_tenths() {
            Some(t) => {
                fixed += t;
                format!("{} bits", tenths_text(t))
            }
            None => {
                text = true;
                "digit rule, counted from the text".to_string()
            }
        };
        let _ = writeln!(o, "    {}. {s} — {bits}", i + 1);
    }
    let _ = writeln!(
        o,
        "    credited {} bits{} (a draw needs 64 to 96)",
        fixed / 10,
        if text {
            " + the free text's digits"
        } else {
            ""
        }
    );
    let _ = writeln!(o, "    seed text form: {}", seed_template(sources));
    o
}

/// The counts every draw of the plan will have (SPEC.md §6 needs no seed).
fn render_preview(o: &mut String, preview: &Preview) {
    let _ = writeln!(
        o,
        "\nDraw preview: {} entities in all; the counts are the same for every seed (SPEC.md §6)",
        preview.total
    );
    for t in &preview.tasks {
        let _ = writeln!(
            o,
            "\n  {} {} — draws {} of {} eligible{}",
            t.key,
            t.names.join(" + "),
            t.total,
            t.eligible,
            if t.exact {
                ""
            } else {
                " (at most: entities taken by earlier tasks under overlap = next are not yet removed; depends on the seed)"
            }
        );
        if let Some(b) = &t.batch {
            let share = if b.share.contains('/') {
                format!("batch {} of the year", b.share)
            } else {
                let r: Option<shuangsuiji::model::Ratio> = b.share.parse().ok();
                format!(
                    "year share {}",
                    r.map_or(b.share.clone(), |r| r.to_string())
                )
            };
            let _ = writeln!(
                o,
                "    {share}: the year's target {}, {} by the end of this batch; earlier batches drew {} (not eligible again); this batch draws {}",
                b.year, b.through, b.earlier, t.total
            );
        }
        if t.allocation.is_empty() {
            continue;
        }
        // per-group ratios (SPEC.md §6.1): each group's count and ratio
        if t.allocation.iter().any(|a| a.group.is_some()) {
            let mut groups: std::collections::BTreeMap<String, (String, u64, u64)> =
                std::collections::BTreeMap::new();
            for a in &t.allocation {
                let name = match (&a.group, &a.class) {
                    (Some(g), _) => g.clone(),
                    (None, Some(c)) => format!("class {c}"),
                    (None, None) => "others".to_string(),
                };
                let e = groups.entry(name).or_insert((a.ratio.clone(), 0, 0));
                e.1 += a.drawn;
                e.2 += a.base;
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|(g, (r, d, b))| format!("{g} ({r}) {d} of {b}"))
                .collect();
            let _ = writeln!(o, "    groups: {}", parts.join("; "));
        }
        let sw = t
            .allocation
            .iter()
            .map(|a| width(&a.stratum))
            .max()
            .unwrap_or(0)
            .max(7);
        let _ = writeln!(
            o,
            "    {} {:>8} {:>6}  {:>6}  probability",
            pad("stratum", sw),
            "eligible",
            "drawn",
            "ratio"
        );
        for a in &t.allocation {
            let _ = writeln!(
                o,
                "    {} {:>8} {:>6}  {:>6}  {} ({}‰)",
                pad(&a.stratum, sw),
                a.base,
                a.drawn,
                a.ratio,
                a.probability,
                a.per_mille
            );
        }
    }
}
