//! # shuangsuiji — reproducible 双随机、一公开 inspection draws
//!
//! The engine behind `ssj`: the input model (item list 随机抽查事项清单,
//! officer roster 执法检查人员名录库, entity registry 检查对象名录库,
//! history 抽查记录, conflict pairs 回避), loading from any reader with
//! Chinese or English headers and UTF-8/GBK encodings, validation that
//! reports every problem with its file, line and column, and canonical
//! digests that do not depend on row order, header language or encoding.
//!
//! The crate does no printing and no file-system policy: callers hand it
//! readers and get values or a typed [`Error`] back.
//!
//! ```
//! use std::io::Read;
//! use shuangsuiji::{Dataset, Summary};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
//! let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
//! let ds = Dataset::load("plan.toml", &text, |name| {
//!     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
//! }).unwrap();
//! let summary = Summary::new(&ds);
//! assert_eq!(summary.tasks.len(), ds.plan.tasks.len());
//! ```
#![deny(missing_docs)]

mod commitment;
mod dataset;
mod date;
mod decode;
mod digest;
mod draw;
mod eligibility;
mod error;
mod explain;
mod journal;
mod model;
mod plan;
mod ratio;
mod records;
mod seed;
mod stream;
mod summary;
mod synth;
mod table;
mod text;
mod uscc;
mod verify;

pub use commitment::{
    COMMITMENT_FORMAT, Commitment, Difference, digest_differences, input_digests,
};
pub use dataset::Dataset;
pub use date::{Date, DateError};
pub use digest::{
    Canonical, InputDigests, SetDigest, TAG_PREFIX, canonical_json, digest_records, hex,
    plan_canonical_json, plan_digest,
};
pub use draw::{
    ALGORITHM, DrawResult, ExclusionSummary, PlanInfo, SeedInfo, Selection, StratumAllocation,
    TAG_DRAW_KEY, TAG_OFFICERS, TAG_TASK_KEY, TAG_TICKET, TaskResult, Team, TeamMember, Visit,
    VisitList, Visits, WordStream, draw, draw_key, normalize_seed, officer_stream_key, select_only,
    task_key, ticket,
};
pub use eligibility::{Eligibility, Exclusion};
pub use error::{
    Diagnostic, DiagnosticKind, Diagnostics, Error, ErrorKind, Infeasible, Position, Result,
    Severity,
};
pub use explain::{ExplainError, Explanation, TaskExplanation, explain};
pub use journal::{
    JOURNAL_GENESIS, JournalBreak, JournalEntry, JournalError, JournalHead, JournalOutcome,
    JournalRecord, JournalReport, TAG_JOURNAL_ENTRY, append_entry, entry_hash, verify_journal,
};
pub use model::{
    Conflict, CreditClass, Entity, EntityFlags, HistoryRecord, Item, ItemLevel, Officer,
    region_covers,
};
pub use plan::{Encoding, Filter, FlagName, InputFiles, Overlap, Plan, Rules, Stratify, Task};
pub use ratio::{Ratio, RatioError};
pub use seed::{MAX_SEED_BITS, MIN_SEED_BITS, SeedStrength, required_seed_bits, seed_bits};
pub use stream::{
    SpillFile, SpillStore, StreamOptions, StreamStats, StreamedDraw, draw_streaming, load_streaming,
};
pub use summary::{OfficerSummary, Summary, TaskSummary};
pub use table::FileReport;
/// Deterministic synthetic plans (`ssj synth`), for scale tests and benchmarks.
pub mod synthetic {
    pub use crate::synth::{
        EntitiesReader, SynthSpec, entities_reader, plan_toml, write_conflicts, write_entities,
        write_history, write_items, write_officers,
    };
}
pub use uscc::{UsccError, check_character, validate_uscc};
pub use verify::{
    Comparison, DifferenceKind, ResultDifference, compare_results, compare_results_with,
};

/// The version of this engine (the crate version).
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
