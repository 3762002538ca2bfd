//! `ssj synth`: write a deterministic synthetic plan folder (plan.toml,
//! items, officers, entities, history, conflicts) of any size, for trying
//! the tool at province scale and for benchmarks.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use shuangsuiji::synthetic::{self, SynthSpec};

/// `ssj synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Entities in the registry.
    #[arg(long, value_name = "N")]
    pub entities: u64,
    /// Seed text: the same seed writes the same bytes.
    #[arg(long, value_name = "TEXT", default_value = "synthetic")]
    pub seed: String,
    /// Items (and tasks) in the plan, 1 to 30.
    #[arg(long, value_name = "K", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=30))]
    pub items: u32,
    /// The folder to write (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

fn write(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    f(&mut w)?;
    w.flush()
}

/// Run `ssj synth`; the exit code.
pub fn run(a: &SynthArgs) -> u8 {
    let spec = SynthSpec {
        entities: a.entities,
        seed: a.seed.clone(),
        items: a.items,
    };
    let out = &a.out;
    let res = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(out.join("plan.toml"), synthetic::plan_toml(&spec)))
        .and_then(|()| write(&out.join("items.csv"), |w| synthetic::write_items(&spec, w)))
        .and_then(|()| {
            write(&out.join("officers.csv"), |w| {
                synthetic::write_officers(&spec, w)
            })
        })
        .and_then(|()| {
            write(&out.join("entities.csv"), |w| {
                synthetic::write_entities(&spec, w)
            })
        })
        .and_then(|()| {
            write(&out.join("history.csv"), |w| {
                synthetic::write_history(&spec, w)
            })
        })
        .and_then(|()| {
            write(&out.join("conflicts.csv"), |w| {
                synthetic::write_conflicts(&spec, w)
            })
        });
    match res {
        Ok(()) => 0,
        Err(e) => {
            crate::exit::message(&format!("cannot write {}: {e}", out.display()));
            2
        }
    }
}
