//! `ssj stream …` (hidden): the streaming engine on the command line, for
//! province-scale registries and the benchmarks (`benches/scale.sh`) until
//! `ssj commit`/`draw`/`verify` use it directly.
//!
//! - `ssj stream commit --plan P --out DIGESTS.json`: validate and digest in
//!   one pass (what `ssj commit` computes);
//! - `ssj stream draw --plan P --seed S --out DIR [--expect-digests F]`:
//!   draw, writing `DIR/result.json` (canonical JSON); one pass with the
//!   committed digests, two without;
//! - `ssj stream verify --plan P --result R`: re-draw in one pass with the
//!   result's digests and compare byte for byte (exit 1 on a difference).
//!
//! Sorted runs spill to a temporary folder (`--tmp`, default: next to the
//! output), removed afterwards.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Subcommand};
use shuangsuiji::{
    DrawResult, InputDigests, SpillFile, StreamOptions, draw_streaming, load_streaming,
};

/// `ssj stream`.
#[derive(Debug, Subcommand)]
pub enum StreamCommand {
    /// Validate and digest the inputs in one pass; write the digests.
    Commit {
        #[command(flatten)]
        common: Common,
        /// Where to write the digests (JSON).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Draw; write DIR/result.json.
    Draw {
        #[command(flatten)]
        common: Common,
        /// The seed text.
        #[arg(long)]
        seed: String,
        /// The output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Digests committed before the draw (JSON from `ssj stream commit`
        /// or a commitment's `digests`): one pass instead of two.
        #[arg(long, value_name = "FILE")]
        expect_digests: Option<PathBuf>,
    },
    /// Re-draw a result in one pass and compare.
    Verify {
        #[command(flatten)]
        common: Common,
        /// The result to verify.
        #[arg(long, value_name = "FILE")]
        result: PathBuf,
    },
}

/// Flags every streaming command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// The plan file.
    #[arg(long, value_name = "PLAN.toml")]
    plan: PathBuf,
    /// Worker threads (0: one per core). Never changes the output.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Folder for temporary spill files (default: next to the output).
    #[arg(long, value_name = "DIR")]
    tmp: Option<PathBuf>,
}

/// A temporary folder of spill files, removed on drop.
struct SpillDir {
    dir: PathBuf,
    next: AtomicUsize,
}

impl SpillDir {
    fn new(parent: &Path) -> io::Result<SpillDir> {
        let dir = parent.join(format!(".ssj-spill-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(SpillDir {
            dir,
            next: AtomicUsize::new(0),
        })
    }

    fn create(&self) -> io::Result<Box<dyn SpillFile>> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("run-{n}"));
        let f = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // unlinked at once where the system allows: nothing is left behind
        let _ = std::fs::remove_file(&path);
        Ok(Box::new(f))
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fail(msg: impl std::fmt::Display) -> u8 {
    let _ = writeln!(io::stderr(), "ssj: {msg}");
    2
}

/// Run `ssj stream …`; the exit code.
pub fn run(cmd: &StreamCommand) -> u8 {
    let (common, out_parent) = match cmd {
        StreamCommand::Commit { common, out } => (
            common,
            out.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        StreamCommand::Draw { common, out, .. } => (common, out.clone()),
        StreamCommand::Verify { common, result } => (
            common,
            result.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
    };
    let plan_text = match std::fs::read_to_string(&common.plan) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {}: {e}", common.plan.display())),
    };
    let plan_text = plan_text.trim_start_matches('\u{feff}');
    let plan_name = common
        .plan
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = common
        .plan
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let open = |name: &str| -> io::Result<Box<dyn Read>> {
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(dir.join(name))?,
        )))
    };
    let tmp_parent = common.tmp.clone().unwrap_or(out_parent);
    if let Err(e) = std::fs::create_dir_all(&tmp_parent) {
        return fail(format!("cannot create {}: {e}", tmp_parent.display()));
    }
    let spill = match SpillDir::new(&tmp_parent) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot create a temporary folder: {e}")),
    };
    let store = || spill.create();
    let opts = StreamOptions {
        threads: common.threads,
        spill: Some(&store),
        stats: None,
    };
    match cmd {
        StreamCommand::Commit { out, .. } => {
            match load_streaming(&plan_name, plan_text, open, opts) {
                Ok(s) => {
                    let json = serde_json::to_string_pretty(&s.dataset.digests).unwrap_or_default();
                    match std::fs::write(out, json + "\n") {
                        Ok(()) => 0,
                        Err(e) => fail(format!("cannot write {}: {e}", out.display())),
                    }
                }
                Err(e) => crate::report::error(&e),
            }
        }
        StreamCommand::Draw {
            seed,
            out,
            expect_digests,
            ..
        } => {
            let expected: Option<InputDigests> = match expect_digests {
                None => None,
                Some(p) => match std::fs::read_to_string(p)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
                {
                    Ok(d) => Some(d),
                    Err(e) => return fail(format!("cannot read {}: {e}", p.display())),
                },
            };
            match draw_streaming(&plan_name, plan_text, open, seed, expected.as_ref(), opts) {
                Ok(r) => {
                    let path = out.join("result.json");
                    match std::fs::write(&path, r.to_canonical_json() + "\n") {
                        Ok(()) => 0,
                        Err(e) => fail(format!("cannot write {}: {e}", path.display())),
                    }
                }
                Err(e) => crate::report::error(&e),
            }
        }
        StreamCommand::Verify { result, .. } => {
            let text = match std::fs::read_to_string(result) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read {}: {e}", result.display())),
            };
            let published = match DrawResult::from_json(&text) {
                Ok(r) => r,
                Err(e) => return fail(format!("{}: {e}", result.display())),
            };
            match draw_streaming(
                &plan_name,
                plan_text,
                open,
                &published.seed.text,
                Some(&published.digests),
                opts,
            ) {
                Ok(r) if r.to_canonical_json() == published.to_canonical_json() => {
                    let _ = writeln!(io::stdout(), "verified: the result is reproduced exactly");
                    0
                }
                Ok(_) => {
                    let _ = writeln!(io::stderr(), "DIFFERENCE: the result is not reproduced");
                    1
                }
                Err(e) => {
                    if let shuangsuiji::ErrorKind::Differs { .. } = e.kind() {
                        let _ = writeln!(io::stderr(), "DIFFERENCE: {e}");
                        return 1;
                    }
                    crate::report::error(&e)
                }
            }
        }
    }
}
