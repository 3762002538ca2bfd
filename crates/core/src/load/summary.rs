//! The pre-draw summary `ssj check` prints: bases per task, officers per
//! category and region.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Dataset;
use crate::draw::Eligibility;
use crate::model::region_covers;

/// Eligible entities of one task, by region and credit class.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let summary = ds.summary();
/// let t = &summary.tasks[0];
/// assert_eq!(t.task, ds.plan().tasks[0].key());
/// let by_region: u64 = t.by_region.values().flat_map(|m| m.values()).sum();
/// assert_eq!(by_region, t.eligible);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskSummary {
    /// The task key (item ids joined by `+`).
    pub task: String,
    /// Item names, in task order.
    pub names: Vec<String>,
    /// The lead item's ratio, as a percentage (other forms as the list
    /// wrote them), after the task's own ratio or count when it states one.
    pub ratio: String,
    /// Whether the task has a directed-draw filter.
    pub directed: bool,
    /// Eligible entities in total.
    pub eligible: u64,
    /// Eligible entities per region, then per credit class (`-` for
    /// unclassified).
    pub by_region: BTreeMap<String, BTreeMap<String, u64>>,
    /// Entities not eligible, per reason.
    pub excluded: BTreeMap<String, u64>,
}

/// Eligible officers (active, certificate valid on the plan date).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let o = ds.summary().officers;
/// assert_eq!(o.total as usize, ds.officers().len());
/// assert!(o.eligible <= o.total);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficerSummary {
    /// Officers in the roster.
    pub total: u64,
    /// Officers eligible on the plan date.
    pub eligible: u64,
    /// Eligible officers per category, then per entity region: how many
    /// cover it (county-wide officers count in every region).
    pub by_category: BTreeMap<String, BTreeMap<String, u64>>,
}

/// Everything `ssj check` reports.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let summary = ds.summary();
/// assert_eq!(summary.tasks.len(), ds.plan().tasks.len());
/// assert!(summary.tasks.iter().all(|t| t.eligible > 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// One entry per task, in plan order.
    pub tasks: Vec<TaskSummary>,
    /// The roster.
    pub officers: OfficerSummary,
}

impl Dataset {
    /// What `ssj check` prints: per task the eligible entities by stratum
    /// and credit class, officers per category and region.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.summary().tasks.len(), 11);
    /// ```
    pub fn summary(&self) -> Summary {
        Summary::new(self)
    }
}

impl Summary {
    /// Compute the summary of a dataset.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let s = shuangsuiji::Summary::new(&ds);
    /// assert_eq!(s.officers.total as usize, ds.officers().len());
    /// ```
    pub fn new(ds: &Dataset) -> Summary {
        let el = Eligibility::new(ds);
        let tasks = ds
            .plan
            .tasks
            .iter()
            .map(|t| {
                let mut by_region: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
                let mut excluded: BTreeMap<String, u64> = BTreeMap::new();
                let mut eligible = 0;
                for e in &ds.entities {
                    match el.check(t, e) {
                        Ok(()) => {
                            eligible += 1;
                            let class = e.credit_class.map_or("-", |c| c.as_str()).to_string();
                            *by_region
                                .entry(e.region.clone())
                                .or_default()
                                .entry(class)
                                .or_default() += 1;
                        }
                        Err(x) => *excluded.entry(x.as_str().to_string()).or_default() += 1,
                    }
                }
                let lead = el.lead(t);
                TaskSummary {
                    task: t.key(),
                    names: t
                        .items
                        .iter()
                        .filter_map(|i| ds.item(i))
                        .map(|i| i.name.clone())
                        .collect(),
                    ratio: lead
                        .map(|i| match (t.ratio, t.count) {
                            (Some(r), _) => format!("{r} (list: {})", i.ratio),
                            (None, Some(n)) => format!("{n}户 (list: {})", i.ratio),
                            (None, None) => i.ratio.to_string(),
                        })
                        .unwrap_or_default(),
                    directed: t.filter.is_directed(),
                    eligible,
                    by_region,
                    excluded,
                }
            })
            .collect();
        let regions: std::collections::BTreeSet<&str> =
            ds.entities.iter().map(|e| e.region.as_str()).collect();
        let mut by_category: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        let mut eligible = 0;
        for o in &ds.officers {
            if !ds.officer_eligible(o) {
                continue;
            }
            eligible += 1;
            for c in &o.categories {
                let m = by_category.entry(c.clone()).or_default();
                for r in &regions {
                    if o.regions.iter().any(|or| region_covers(or, r)) {
                        *m.entry((*r).to_string()).or_default() += 1;
                    }
                }
            }
        }
        Summary {
            tasks,
            officers: OfficerSummary {
                total: ds.officers.len() as u64,
                eligible,
                by_category,
            },
        }
    }
}
