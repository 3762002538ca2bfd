//! The draw (SPEC.md): a pure function of the dataset and the seed text.

mod keys;
mod result;

pub use keys::{
    TAG_DRAW_KEY, TAG_OFFICERS, TAG_TASK_KEY, TAG_TICKET, WordStream, draw_key, normalize_seed,
    officer_stream_key, task_key, ticket,
};
pub use result::{
    DrawResult, ExclusionSummary, PlanInfo, SeedInfo, Selection, StratumAllocation, TaskResult,
    Team, TeamMember, Visit,
};

use crate::error::{Infeasible, Result};
use crate::{Dataset, Error};

/// The name of the algorithm this engine implements, recorded in every
/// result. Any change that alters an output for the same input gets a new
/// name.
pub const ALGORITHM: &str = "ssj-draw-v1";

/// Draw a plan: select the entities of every task and the officers of every
/// visit, as SPEC.md defines, from the dataset and the seed text.
pub fn draw(ds: &Dataset, seed_text: &str) -> Result<DrawResult> {
    let _ = (ds, seed_text);
    Err(Error::infeasible(Infeasible {
        item: String::new(),
        subject: None,
        constraint: "the draw engine is not implemented yet".into(),
    }))
}
