//! # shuangsuiji — reproducible 双随机、一公开 inspection draws
#![deny(missing_docs)]

mod error;
mod stream;
mod synth;

pub mod commit;
pub mod draw;
pub mod journal;
pub mod load;
pub mod model;
pub mod publish;
pub mod verify;

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
pub mod synthetic {
    pub use crate::synth::{
        EntitiesReader, SynthSpec, entities_reader, plan_toml, write_conflicts, write_entities,
        write_history, write_items, write_officers,
    };
}

/// The version of this engine (the crate version).
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
