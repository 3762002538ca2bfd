//! Which entities a task may draw, and why the others may not (SPEC.md §4).

use std::collections::HashMap;

use serde::Serialize;

use crate::{Dataset, Entity, Item, Task, region_covers};

/// Why an entity is not eligible for a task, checked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Exclusion {
    /// Deregistered, revoked or otherwise not in business.
    Status,
    /// None of its object types is an object of the task's lead item.
    ObjectType,
    /// Outside the task's directed-draw filter.
    Filter,
    /// Inspected for one of the task's items within the cool-down.
    CoolDown,
    /// Already inspected the yearly maximum number of times (history).
    YearCap,
}

impl Exclusion {
    /// All reasons, in checking order.
    pub const ALL: [Exclusion; 5] = [
        Exclusion::Status,
        Exclusion::ObjectType,
        Exclusion::Filter,
        Exclusion::CoolDown,
        Exclusion::YearCap,
    ];

    /// A short English label.
    pub fn as_str(&self) -> &'static str {
        match self {
            Exclusion::Status => "status",
            Exclusion::ObjectType => "object type",
            Exclusion::Filter => "filter",
            Exclusion::CoolDown => "cool-down",
            Exclusion::YearCap => "yearly cap",
        }
    }
}

/// Eligibility rules of a dataset, with the history indexed.
#[derive(Debug)]
pub struct Eligibility<'a> {
    ds: &'a Dataset,
    /// Distinct inspection dates per entity in the plan's calendar year.
    visits: HashMap<&'a str, u32>,
    /// Most recent inspection date per (entity, item).
    last: HashMap<(&'a str, &'a str), crate::Date>,
}

impl<'a> Eligibility<'a> {
    /// Index the dataset's history.
    pub fn new(ds: &'a Dataset) -> Self {
        let year = ds.plan.period_start.year();
        let mut dates: HashMap<&str, Vec<crate::Date>> = HashMap::new();
        let mut last: HashMap<(&str, &str), crate::Date> = HashMap::new();
        for h in &ds.history {
            if h.date.year() == year {
                dates.entry(h.uscc.as_str()).or_default().push(h.date);
            }
            let e = last
                .entry((h.uscc.as_str(), h.item.as_str()))
                .or_insert(h.date);
            if h.date > *e {
                *e = h.date;
            }
        }
        let visits = dates
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                v.dedup();
                (k, v.len() as u32)
            })
            .collect();
        Eligibility { ds, visits, last }
    }

    /// Inspections of `uscc` already on record in the plan's calendar year
    /// (distinct dates: a joint visit counts once).
    pub fn visits_this_year(&self, uscc: &str) -> u32 {
        self.visits.get(uscc).copied().unwrap_or(0)
    }

    /// The lead item of a task (its first item).
    pub fn lead(&self, task: &Task) -> Option<&'a Item> {
        task.items.first().and_then(|id| self.ds.item(id))
    }

    /// `Ok` if `entity` may be drawn for `task`, else the first reason not.
    pub fn check(&self, task: &Task, entity: &Entity) -> Result<(), Exclusion> {
        if !entity.active {
            return Err(Exclusion::Status);
        }
        if let Some(lead) = self.lead(task)
            && !entity.types.iter().any(|t| lead.object_types.contains(t))
        {
            return Err(Exclusion::ObjectType);
        }
        let f = &task.filter;
        let pass = (f.regions.is_empty()
            || f.regions.iter().any(|r| region_covers(r, &entity.region)))
            && (f.types.is_empty() || entity.types.iter().any(|t| f.types.contains(t)))
            && (f.industries.is_empty() || f.industries.contains(&entity.industry))
            && (f.credit_classes.is_empty()
                || entity
                    .credit_class
                    .is_some_and(|c| f.credit_classes.contains(&c)))
            && (f.flags.is_empty()
                || f.flags.iter().any(|fl| match fl {
                    crate::FlagName::Complaints => entity.flags.complaints,
                    crate::FlagName::Abnormal => entity.flags.abnormal,
                    crate::FlagName::SeriousViolation => entity.flags.serious_violation,
                }));
        if !pass {
            return Err(Exclusion::Filter);
        }
        let cd = i64::from(self.ds.plan.rules.cooldown_days);
        if cd > 0 {
            for id in &task.items {
                if let Some(d) = self.last.get(&(entity.uscc.as_str(), id.as_str()))
                    && self.ds.plan.period_start.days_since(d) < cd
                {
                    return Err(Exclusion::CoolDown);
                }
            }
        }
        if let Some(max) = self.ds.plan.rules.max_per_year
            && self.visits_this_year(&entity.uscc) >= max
        {
            return Err(Exclusion::YearCap);
        }
        Ok(())
    }
}
