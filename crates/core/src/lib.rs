//! # shuangsuiji — reproducible 双随机、一公开 inspection draws
//!
//! The engine of China's "double random, one public" inspection lottery:
//! from an item list, an officer roster and an entity registry, draw which
//! entities are inspected for which item and by which officers, as a pure
//! function of the published inputs, the plan and a public seed, so that
//! anyone can re-run it (SPEC.md, in [`docs`]).
//!
//! ```
//! use shuangsuiji::{Dataset, Publication, Seed};
//! let ds = Dataset::open("../../data/youyu-forestry/plan.toml")?;   // feature "fs"
//! let summary = ds.summary();                                      // what `ssj check` prints
//! assert_eq!(summary.tasks.len(), 11);
//! let commitment = ds.commit();                                    // publish before the seed exists
//! let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse()?;
//! let draw = ds.draw(&seed, &commitment)?;                         // refuses weak seeds, changed inputs
//! let bytes = Publication::of_draw(&draw).bytes("result.json")?.unwrap(); // what `ssj draw` writes
//! assert_eq!(bytes, format!("{}\n", draw.result().to_canonical_json()).into_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The pipeline
//!
//! - [`model`]: the values — items, officers, entities, history, conflicts,
//!   the plan and its rules, dates, ratios, credit codes.
//! - [`load`]: read and validate a plan and its inputs from readers (or a
//!   folder, [`Dataset::open`]); every problem with file, line and column;
//!   [`Summary`] for a planner; [`LoadOptions`] for registries too large to
//!   hold (streamed).
//! - [`commit`]: canonical digests (SPEC §2) and the [`Commitment`]
//!   published before the seed exists.
//! - [`draw`]: the draw itself (SPEC §3–§9) behind [`Dataset::draw`], with a
//!   checked [`Seed`] and [`DrawOptions`]; the result is a [`DrawResult`].
//! - [`publish`]: every published byte ([`Publication`]) and, with the
//!   `fs` feature, the atomic folder write and the journaled
//!   [`publish::Attempt`].
//! - [`verify`]: compare a published result with a recomputed one, explain
//!   one entity.
//! - [`journal`]: the hash-chained record of every attempt.
//!
//! ## Refused by default
//!
//! - a seed with fewer bits than the draw needs ([`ErrorKind::WeakSeed`];
//!   opt out with [`DrawOptions::allow_weak_seed`]);
//! - inputs that differ from the commitment ([`ErrorKind::Differs`]);
//! - overwriting a published result ([`publish::Attempt::publish`] with
//!   `force = false`).
//!
//! ## Stability
//!
//! The algorithm [`ALGORITHM`] (`ssj-draw-v1`) freezes the bytes of every
//! published file for given inputs and seed: a change that alters any
//! output is a new algorithm name, and `ssj-draw-v1` results keep
//! verifying. The tests that hold this are `crates/core/tests/vectors.rs`
//! (SPEC §11 vectors), `crates/core/tests/sample_draw.rs`, the golden files
//! of `crates/disclose/tests/golden/` and `tests/golden/`, and the
//! independent Python verifier `tools/ssj_verify.py`. Semver covers the
//! Rust API shown in these docs; items hidden from them (the key
//! derivations, the unchecked draw, helpers the `ssj` binary and the
//! notice crate share) are for the sibling crates and the tests and may
//! change in any release. CI holds it: `tools/check-public-api.sh` compares the
//! API (from rustdoc's JSON) with the committed `public-api.txt` of this
//! crate and of `shuangsuiji-disclose`, and fails when an item is removed
//! or changed without a new minor version, or added without a new version.
//!
//! ## Features
//!
//! - `fs` (default): [`Dataset::open`], [`publish::Attempt`], atomic writes,
//!   locks. Without it the crate builds for `wasm32-unknown-unknown`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod stream;
mod synth;

pub mod commit;
pub mod draw;
pub mod journal;
pub mod load;
pub mod model;
pub mod publish;
pub mod revise;
pub mod verify;

/// Where the long documents are: `SPEC.md` at the root of the repository
/// specifies every byte of the digests, the draw, the result and the
/// published folder (§12), with test vectors (§11); `README.md` walks
/// through commit → draw → publish → verify; `TESTING.md` says what is
/// tested. They ship with the source package.
pub mod docs {}

pub use commit::{Commitment, InputDigests};
pub use draw::{ALGORITHM, Draw, DrawOptions, DrawResult, Seed, SeedStrength};
pub use error::{
    Diagnostic, DiagnosticKind, Diagnostics, Error, ErrorKind, Infeasible, Position, Result,
    Severity,
};
pub use load::{Dataset, LoadOptions, Summary};
pub use model::Plan;
pub use publish::Publication;

/// Deterministic synthetic plans (`ssj synth`), for scale tests and benchmarks.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub mod synthetic {
    pub use crate::synth::{
        EntitiesReader, SynthSpec, entities_reader, plan_toml, write_conflicts, write_entities,
        write_history, write_items, write_officers,
    };
}

/// The version of this engine (the crate version).
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
