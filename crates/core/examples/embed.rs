//! Embed a draw: open the sample plan, commit, draw with a checked seed,
//! and publish result.json with a journaled attempt — the same bytes as
//! `ssj draw`. Run: `cargo run -p shuangsuiji --example embed -- OUT_DIR`.

use shuangsuiji::publish::Attempt;
use shuangsuiji::{Dataset, Publication, Seed};

#[allow(clippy::print_stdout)] // an example program prints its result
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "embed-out".into());
    let plan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/youyu-forestry/plan.toml"
    );
    let ds = Dataset::open(plan)?;
    let commitment = ds.commit(); // publish this before the seed exists
    let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse()?;
    let draw = ds.draw(&seed, &commitment)?; // refuses weak seeds and changed inputs
    let journal = std::path::Path::new(&out).with_extension("journal.jsonl");
    let mut attempt = Attempt::new(journal, "draw", Some(seed.text()), "2026-10-09T02:00:00Z");
    attempt.inputs(&ds.plan().id, ds.digests());
    let published = attempt.publish(
        std::path::Path::new(&out),
        &Publication::of_draw(&draw),
        &["result.json"],
        false,
    )?;
    println!("result.json sha256 {}", published.digest);
    Ok(())
}
