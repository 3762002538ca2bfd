//! Why an entity was or was not drawn: per task, its eligibility, its
//! ticket, its rank in its stratum and the cut-off (SPEC.md §5–§7), so
//! that a citizen can check one entity alone.

use std::fmt;

use serde::Serialize;

use crate::commit::digest::hex;
use crate::draw::keys::{draw_key, task_key, ticket_in};
use crate::draw::{Eligibility, Exclusion, Team};
use crate::model::{Entity, FlagName, Overlap};
use crate::{ALGORITHM, Dataset, DrawResult};

/// Why an explanation cannot be given.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::{ExplainError, explain};
/// let e = explain(&ds, &result, "91140000000000000X").unwrap_err();
/// assert_eq!(e, ExplainError::UnknownEntity { uscc: "91140000000000000X".into() });
/// let mut other = result.clone();
/// other.digests.items = "0".repeat(64);
/// assert!(matches!(explain(&ds, &other, &result.visits[0].uscc), Err(ExplainError::Mismatch { .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExplainError {
    /// The code is not in the registry.
    UnknownEntity {
        /// The code asked for.
        uscc: String,
    },
    /// The result was not drawn from these inputs, or its draw key does
    /// not follow from its seed: verify it first.
    Mismatch {
        /// What differs.
        what: String,
    },
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::UnknownEntity { uscc } => {
                write!(f, "no entity with code {uscc} in the registry")
            }
            ExplainError::Mismatch { what } => write!(
                f,
                "the result does not belong to these inputs ({what} differs); run ssj verify"
            ),
        }
    }
}

impl std::error::Error for ExplainError {}

/// The entity's standing in one task.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// let visit = &result.visits[0];
/// let why = shuangsuiji::verify::explain(&ds, &result, &visit.uscc).unwrap();
/// let t = why.tasks.iter().find(|t| t.task == visit.selections[0].task).unwrap();
/// assert!(t.eligible && t.drawn);
/// assert_eq!((t.visit, t.rank), (Some(1), Some(visit.selections[0].rank)));
/// assert!(t.ticket.as_str() <= t.cutoff.as_deref().unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskExplanation {
    /// The task key (item ids joined by `+`).
    pub task: String,
    /// Whether the entity could be drawn by the task.
    pub eligible: bool,
    /// If not, the first reason (as in the result's exclusion counts):
    /// `status`, `object_type`, `filter`, `cool_down`, `year_cap`, `taken`.
    pub reason: Option<String>,
    /// The reason in words, with the facts behind it.
    pub detail: Option<String>,
    /// The entity's ticket for the task (lower-case hex); every entity has
    /// one, eligible or not.
    pub ticket: String,
    /// The stratum the entity belongs to, when eligible.
    pub stratum: Option<String>,
    /// Eligible entities in the stratum (N_h).
    pub base: Option<u64>,
    /// Entities drawn from the stratum (n_h).
    pub drawn_in_stratum: Option<u64>,
    /// The entity's rank by ticket in the stratum (1 = smallest).
    pub rank: Option<u64>,
    /// The ticket of the last entity drawn from the stratum (rank n_h):
    /// entities with a ticket at or below it are drawn.
    pub cutoff: Option<String>,
    /// Whether the task drew the entity.
    pub drawn: bool,
    /// The 1-based visit, when drawn.
    pub visit: Option<usize>,
    /// The teams of the visit, when drawn.
    pub teams: Vec<Team>,
}

/// Why an entity was or was not drawn.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// let visit = &result.visits[0];
/// let why = shuangsuiji::verify::explain(&ds, &result, &visit.uscc).unwrap();
/// assert_eq!((&why.name, &why.region), (&visit.name, &visit.region));
/// assert_eq!(why.tasks.len(), result.tasks.len());
/// assert_eq!(why.times_drawn(), visit.selections.len());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Unified social credit code.
    pub uscc: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Credit class, if classified.
    pub credit_class: Option<String>,
    /// One entry per task, in plan order.
    pub tasks: Vec<TaskExplanation>,
}

impl Explanation {
    /// The number of tasks that drew the entity.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// let visit = &result.visits[0];
    /// let why = shuangsuiji::verify::explain(&ds, &result, &visit.uscc).unwrap();
    /// assert!(why.times_drawn() >= 1);
    /// ```
    pub fn times_drawn(&self) -> usize {
        self.tasks.iter().filter(|t| t.drawn).count()
    }
}

fn detail(ds: &Dataset, task: &crate::model::Task, e: &Entity, r: Exclusion) -> String {
    let lead = task.items.first().and_then(|id| ds.item(id));
    match r {
        Exclusion::Status => "not in business (registration status)".into(),
        Exclusion::ObjectType => format!(
            "its object types ({}) are not objects of item {} ({})",
            e.types.join("、"),
            lead.map_or("", |i| i.id.as_str()),
            lead.map_or(String::new(), |i| i.object_types.join("、"))
        ),
        Exclusion::Filter => {
            let f = &task.filter;
            let mut parts = Vec::new();
            if !f.regions.is_empty() {
                parts.push(format!(
                    "regions {} (entity: {})",
                    f.regions.join("、"),
                    e.region
                ));
            }
            if !f.types.is_empty() {
                parts.push(format!("types {}", f.types.join("、")));
            }
            if !f.industries.is_empty() {
                parts.push(format!("industries {}", f.industries.join("、")));
            }
            if !f.credit_classes.is_empty() {
                let cs: Vec<&str> = f.credit_classes.iter().map(|c| c.as_str()).collect();
                parts.push(format!("credit classes {}", cs.join(", ")));
            }
            if !f.flags.is_empty() {
                let fs: Vec<&str> = f
                    .flags
                    .iter()
                    .map(|fl| match fl {
                        FlagName::Complaints => "complaints",
                        FlagName::Abnormal => "abnormal",
                        FlagName::SeriousViolation => "serious_violation",
                    })
                    .collect();
                parts.push(format!("flags {}", fs.join(", ")));
            }
            format!("outside the directed draw: {}", parts.join("; "))
        }
        Exclusion::Drawn => {
            let year = ds.plan.period_start.year();
            let first = ds
                .history
                .iter()
                .filter(|h| {
                    h.uscc == e.uscc && h.date.year() == year && task.items.contains(&h.item)
                })
                .min_by(|a, b| a.date.cmp(&b.date).then(a.item.cmp(&b.item)));
            match first {
                Some(h) => format!(
                    "drawn for item {} on {}, an earlier batch of {year}; a batch draws each entity once a year per item",
                    h.item, h.date
                ),
                None => "drawn earlier this year".into(),
            }
        }
        Exclusion::CoolDown => {
            let last = ds
                .history
                .iter()
                .filter(|h| h.uscc == e.uscc && task.items.contains(&h.item))
                .max_by_key(|h| h.date);
            match last {
                Some(h) => format!(
                    "inspected for item {} on {}, within the {}-day cool-down before {}",
                    h.item, h.date, ds.plan.rules.cooldown_days, ds.plan.period_start
                ),
                None => "within the cool-down".into(),
            }
        }
        Exclusion::YearCap => format!(
            "already inspected {} time(s) in {} (at most {} a year)",
            Eligibility::new(ds).visits_this_year(&e.uscc),
            ds.plan.period_start.year(),
            ds.plan.rules.max_per_year.unwrap_or(0)
        ),
    }
}

/// Explain, for every task of a result, why the entity `uscc` was or was
/// not drawn. The result must belong to the dataset (same digests, and a
/// draw key that follows from its seed); its selections are trusted for
/// the `taken` rule — run verification to check them.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::explain;
/// let drawn = &result.visits[0].uscc;
/// assert!(explain(&ds, &result, drawn).unwrap().times_drawn() > 0);
/// let never = ds.entities().iter().find(|e| result.visits.iter().all(|v| v.uscc != e.uscc)).unwrap();
/// let why = explain(&ds, &result, &never.uscc).unwrap();
/// assert_eq!(why.times_drawn(), 0);
/// assert!(why.tasks.iter().all(|t| !t.drawn));
/// ```
pub fn explain(ds: &Dataset, result: &DrawResult, uscc: &str) -> Result<Explanation, ExplainError> {
    if result.digests != ds.digests {
        return Err(ExplainError::Mismatch {
            what: "an input digest".into(),
        });
    }
    if result.algorithm != ALGORITHM {
        return Err(ExplainError::Mismatch {
            what: "the algorithm".into(),
        });
    }
    let key = draw_key(ALGORITHM, &result.seed.normalized, &ds.digests);
    if hex(&key) != result.draw_key {
        return Err(ExplainError::Mismatch {
            what: "the draw key".into(),
        });
    }
    let Some(e) = ds.entity(uscc) else {
        return Err(ExplainError::UnknownEntity { uscc: uscc.into() });
    };
    let elig = Eligibility::new(ds);
    let rules = &ds.plan.rules;
    let stratum_of = |task: &crate::model::Task, x: &Entity| {
        let (g, region) = crate::draw::stratum_key(ds, task, x);
        crate::draw::stratum_name_of(&region, &g)
    };
    // task index that first drew each entity, from the result
    let first_task = |code: &str| -> Option<usize> {
        result
            .visits
            .iter()
            .find(|v| v.uscc == code)
            .and_then(|v| v.selections.first())
            .and_then(|s| ds.plan.tasks.iter().position(|t| t.key() == s.task))
    };
    let mut tasks = Vec::with_capacity(ds.plan.tasks.len());
    for (ti, task) in ds.plan.tasks.iter().enumerate() {
        let tk_text = task.key();
        let tkey = task_key(&key, &tk_text);
        let my_ticket = ticket_in(&tkey, ds.plan.registry.scheme.prefix(), &e.uscc);
        let mut x = TaskExplanation {
            task: tk_text.clone(),
            eligible: false,
            reason: None,
            detail: None,
            ticket: hex(&my_ticket),
            stratum: None,
            base: None,
            drawn_in_stratum: None,
            rank: None,
            cutoff: None,
            drawn: false,
            visit: None,
            teams: Vec::new(),
        };
        let taken =
            |code: &str| rules.overlap == Overlap::Next && first_task(code).is_some_and(|t| t < ti);
        if let Err(r) = elig.check(task, e) {
            x.reason = Some(crate::draw::reason_label(r).into());
            x.detail = Some(detail(ds, task, e, r));
        } else if taken(&e.uscc) {
            x.reason = Some("taken".into());
            x.detail = Some(format!(
                "already drawn by task {} (overlap rule 'next')",
                first_task(&e.uscc)
                    .map(|t| ds.plan.tasks[t].key())
                    .unwrap_or_default()
            ));
        } else {
            x.eligible = true;
            let s = stratum_of(task, e);
            // rank among the eligible entities of the stratum
            let mut base = 0u64;
            let mut below = 0u64;
            for o in &ds.entities {
                if stratum_of(task, o) != s || elig.check(task, o).is_err() || taken(&o.uscc) {
                    continue;
                }
                base += 1;
                let t = ticket_in(&tkey, ds.plan.registry.scheme.prefix(), &o.uscc);
                if (t, o.uscc.as_bytes()) < (my_ticket, e.uscc.as_bytes()) {
                    below += 1;
                }
            }
            let tr = result.tasks.iter().find(|t| t.key == tk_text);
            let n_h = tr
                .and_then(|t| t.allocation.iter().find(|a| a.stratum == s))
                .map_or(0, |a| a.drawn);
            x.cutoff = result
                .visits
                .iter()
                .flat_map(|v| v.selections.iter())
                .find(|sel| sel.task == tk_text && sel.stratum == s && sel.rank == n_h)
                .map(|sel| sel.ticket.clone());
            x.stratum = Some(s);
            x.base = Some(base);
            x.drawn_in_stratum = Some(n_h);
            x.rank = Some(below + 1);
        }
        if let Some((vi, v)) = result
            .visits
            .iter()
            .enumerate()
            .find(|(_, v)| v.uscc == e.uscc && v.selections.iter().any(|s| s.task == tk_text))
        {
            x.drawn = true;
            x.visit = Some(vi + 1);
            x.teams = v.teams.clone();
        }
        tasks.push(x);
    }
    Ok(Explanation {
        uscc: e.uscc.clone(),
        name: e.name.clone(),
        region: e.region.clone(),
        credit_class: e.credit_class.map(|c| c.as_str().to_string()),
        tasks,
    })
}
