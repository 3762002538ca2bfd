//! Stream a province-scale registry: a synthetic registry of N entities
//! (default 1,000,000) is generated as it is read, never written or held;
//! the digests are committed in one pass, then the draw reads the registry
//! once more against them, with the seed's strength checked.
//!
//! `cargo run --release -p shuangsuiji --example stream -- [N]`

use std::io::{Cursor, Read};

use shuangsuiji::draw::draw_streaming;
use shuangsuiji::load::load_streaming;
use shuangsuiji::synthetic::{
    SynthSpec, entities_reader, plan_toml, write_conflicts, write_history, write_items,
    write_officers,
};
use shuangsuiji::{DrawOptions, LoadOptions, Seed, SeedStrength};

#[allow(clippy::print_stdout)] // an example program prints its result
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let spec = SynthSpec {
        items: 1,
        ..SynthSpec::new(n, "example")
    };
    let small = |write: fn(&SynthSpec, &mut Vec<u8>) -> std::io::Result<()>| {
        let mut v = Vec::new();
        write(&spec, &mut v).map(|()| v)
    };
    let (items, officers) = (small(write_items)?, small(write_officers)?);
    let (history, conflicts) = (small(write_history)?, small(write_conflicts)?);
    let open = |name: &str| -> std::io::Result<Box<dyn Read>> {
        Ok(match name {
            "items.csv" => Box::new(Cursor::new(items.clone())),
            "officers.csv" => Box::new(Cursor::new(officers.clone())),
            "history.csv" => Box::new(Cursor::new(history.clone())),
            "conflicts.csv" => Box::new(Cursor::new(conflicts.clone())),
            "entities.csv" => Box::new(entities_reader(&spec)),
            other => return Err(std::io::Error::other(format!("no file {other}"))),
        })
    };
    let plan = plan_toml(&spec);
    // the commitment: digests of everything, the registry streamed
    let committed = load_streaming("plan.toml", &plan, open, LoadOptions::default())?;
    println!(
        "registry {} entities, digest {}",
        committed.registry_len(),
        committed.digests().entities
    );
    // the draw against the committed digests: one more pass
    let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse()?;
    let drawn = draw_streaming(
        "plan.toml",
        &plan,
        open,
        seed.text(),
        Some(committed.digests()),
        LoadOptions::default(),
    )?;
    SeedStrength::of(&drawn.head).check(&DrawOptions::new())?;
    println!(
        "drawn {} visits, draw key {}",
        drawn.visits.len(),
        drawn.head.draw_key
    );
    Ok(())
}
