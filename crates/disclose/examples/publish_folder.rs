//! Embed a whole draw, as `ssj commit` + `ssj draw` do: open the sample
//! plan, commit, draw with a checked seed, and write the published folder
//! (plan, inputs, commitment, result, notices, verifiers, SHA256SUMS) with a
//! journaled attempt. Then verify the folder as anyone would.
//!
//! `cargo run -p shuangsuiji-disclose --example publish_folder -- OUT_DIR`

use std::path::{Path, PathBuf};

use shuangsuiji::draw::Visits;
use shuangsuiji::publish::Attempt;
use shuangsuiji::{Dataset, Seed};
use shuangsuiji_disclose::bundle::{BundleFiles, verify_bundle};
use shuangsuiji_disclose::folder;

#[allow(clippy::print_stdout)] // an example program prints its result
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "pub".into()));
    let plan = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/youyu-forestry/plan.toml"
    ));
    let plan_text = std::fs::read_to_string(plan)?;
    let ds = Dataset::open(plan)?;
    let journal = out.with_extension("journal.jsonl");
    // 1. before the seed exists: publish the commitment
    let commitment = ds.commit();
    let files = folder::complete(
        folder::commit_files(&commitment, &ds),
        &out,
        &[],
        plan,
        &plan_text,
        ds.plan(),
    )?;
    let mut attempt = Attempt::new(&journal, "commit", None, "2026-10-08T02:00:00Z");
    attempt.inputs(&ds.plan().id, ds.digests());
    attempt.publish(&out, &files, &folder::COMMIT_FILES, false)?;
    // 2. the seed, from the announced public source; draw against the commitment
    let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse()?;
    let draw = ds.draw(&seed, &commitment)?;
    let result = draw.result();
    let own = folder::draw_files(result, Visits::Held(&result.visits), &ds.plan().notice);
    let files = folder::complete(
        own,
        &out,
        &folder::COMMIT_FILES,
        plan,
        &plan_text,
        ds.plan(),
    )?;
    let mut attempt = Attempt::new(&journal, "draw", Some(seed.text()), "2026-10-09T02:00:00Z");
    attempt.inputs(&ds.plan().id, ds.digests());
    let published = attempt.publish(&out, &files, &folder::DRAW_FILES, false)?;
    println!("result.json sha256 {}", published.digest);
    // anyone holding only the folder
    let mut bundle = BundleFiles::new();
    for e in std::fs::read_dir(&out)? {
        let e = e?;
        bundle.insert(
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path())?,
        );
    }
    let verdict = verify_bundle(&bundle);
    println!("verdict exit code {}", verdict.exit_code());
    if verdict.exit_code() != 0 {
        print!("{}", verdict.render(shuangsuiji_disclose::Lang::En));
        std::process::exit(1);
    }
    Ok(())
}
