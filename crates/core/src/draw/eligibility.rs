//! Which entities a task may draw, and why the others may not (SPEC.md §4).

use rustc_hash::FxHashMap as HashMap;

use serde::Serialize;

use crate::Dataset;
use crate::model::{Entity, Item, Task, region_covers};

/// Why an entity is not eligible for a task, checked in this order.
///
/// ```
/// use shuangsuiji::draw::Exclusion;
/// assert_eq!(Exclusion::ALL[0], Exclusion::Status); // checked first
/// assert_eq!(serde_json::to_string(&Exclusion::CoolDown).unwrap(), "\"cool_down\"");
/// ```
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
    /// A batch task (SPEC.md §6.5): drawn for one of the task's items
    /// earlier in the year (a history record in the calendar year of the
    /// period start).
    Drawn,
    /// Inspected for one of the task's items within the cool-down.
    CoolDown,
    /// Already inspected the yearly maximum number of times (history).
    YearCap,
}

impl Exclusion {
    /// All reasons, in checking order.
    pub const ALL: [Exclusion; 6] = [
        Exclusion::Status,
        Exclusion::ObjectType,
        Exclusion::Filter,
        Exclusion::Drawn,
        Exclusion::CoolDown,
        Exclusion::YearCap,
    ];

    /// A short English label.
    ///
    /// ```
    /// use shuangsuiji::draw::Exclusion;
    /// assert_eq!((Exclusion::YearCap.as_str(), Exclusion::ObjectType.as_str()), ("yearly cap", "object type"));
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Exclusion::Status => "status",
            Exclusion::ObjectType => "object type",
            Exclusion::Filter => "filter",
            Exclusion::Drawn => "drawn earlier this year",
            Exclusion::CoolDown => "cool-down",
            Exclusion::YearCap => "yearly cap",
        }
    }
}

/// The fields of an entity eligibility looks at, for the owned record and
/// the streaming loader's borrowed view alike.
pub(crate) trait EntityFields {
    fn active(&self) -> bool;
    fn has_type(&self, pred: impl FnMut(&str) -> bool) -> bool;
    fn region(&self) -> &str;
    fn industry(&self) -> &str;
    fn credit_class(&self) -> Option<crate::model::CreditClass>;
    fn flags(&self) -> crate::model::EntityFlags;
}

/// Whether the task's lead item (none: every entity) covers one of the
/// entity's object types: the first condition of eligibility after the
/// status (SPEC.md §5).
pub(crate) fn lead_covers(lead: Option<&Item>, entity: &impl EntityFields) -> bool {
    lead.is_none_or(|lead| entity.has_type(|t| lead.object_types.iter().any(|o| o == t)))
}

/// The owned record and the streaming loader's borrowed view have the same
/// fields: one implementation serves both.
macro_rules! entity_fields {
    ($t:ty) => {
        impl EntityFields for $t {
            fn active(&self) -> bool {
                self.active
            }
            fn has_type(&self, mut pred: impl FnMut(&str) -> bool) -> bool {
                self.types.iter().any(|t| pred(t))
            }
            fn region(&self) -> &str {
                &self.region
            }
            fn industry(&self) -> &str {
                &self.industry
            }
            fn credit_class(&self) -> Option<crate::model::CreditClass> {
                self.credit_class
            }
            fn flags(&self) -> crate::model::EntityFlags {
                self.flags
            }
        }
    };
}

entity_fields!(Entity);
entity_fields!(crate::load::records::EntityView<'_>);

/// The history of one entity, as eligibility needs it.
#[derive(Debug, Default)]
pub(crate) struct EntityHistory<'a> {
    /// Distinct inspection dates in the plan's calendar year.
    visits: u32,
    /// Most recent inspection date per item.
    last: Vec<(&'a str, crate::model::Date)>,
    /// Items with a record in the plan's calendar year.
    this_year: Vec<&'a str>,
}

/// Eligibility rules of a dataset, with the history indexed.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let elig = shuangsuiji::draw::Eligibility::new(&ds);
/// let task = &ds.plan().tasks[0];
/// let eligible = ds.entities().iter().filter(|e| elig.check(task, e).is_ok()).count();
/// assert_eq!(eligible as u64, ds.preview().tasks[0].eligible);
/// ```
#[derive(Debug)]
pub struct Eligibility<'a> {
    ds: &'a Dataset,
    /// History per entity.
    history: HashMap<&'a str, EntityHistory<'a>>,
}

impl<'a> Eligibility<'a> {
    /// Index the dataset's history.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let elig = shuangsuiji::draw::Eligibility::new(&ds);
    /// assert_eq!(elig.lead(&ds.plan().tasks[0]).unwrap().id, "YYLY-01");
    /// ```
    pub fn new(ds: &'a Dataset) -> Self {
        Self::with_history(ds, &ds.history)
    }

    /// The rules of `ds` with `history` in place of its own (the streaming
    /// draw holds the history once, outside the dataset).
    pub(crate) fn with_history(
        ds: &'a Dataset,
        records: &'a [crate::model::HistoryRecord],
    ) -> Self {
        let year = ds.plan.period_start.year();
        let mut dates: HashMap<&str, Vec<crate::model::Date>> = HashMap::default();
        let mut history: HashMap<&str, EntityHistory<'a>> = HashMap::default();
        for h in records {
            if h.date.year() == year {
                dates.entry(h.uscc.as_str()).or_default().push(h.date);
            }
            let eh = history.entry(h.uscc.as_str()).or_default();
            if h.date.year() == year && !eh.this_year.contains(&h.item.as_str()) {
                eh.this_year.push(h.item.as_str());
            }
            match eh.last.iter_mut().find(|(i, _)| *i == h.item.as_str()) {
                Some((_, d)) => {
                    if h.date > *d {
                        *d = h.date;
                    }
                }
                None => eh.last.push((h.item.as_str(), h.date)),
            }
        }
        for (k, mut v) in dates {
            v.sort();
            v.dedup();
            history.entry(k).or_default().visits = v.len() as u32;
        }
        Eligibility { ds, history }
    }

    /// Inspections of `uscc` already on record in the plan's calendar year
    /// (distinct dates: a joint visit counts once).
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let elig = shuangsuiji::draw::Eligibility::new(&ds);
    /// assert_eq!(elig.visits_this_year("92140623MA00T0RM7N"), 1); // YYLY-02 on 2026-01-08
    /// assert_eq!(elig.visits_this_year("92140623MA0RDMTU2N"), 0); // inspected in 2025 only
    /// ```
    pub fn visits_this_year(&self, uscc: &str) -> u32 {
        self.history.get(uscc).map_or(0, |h| h.visits)
    }

    /// The lead item of a task (its first item).
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let elig = shuangsuiji::draw::Eligibility::new(&ds);
    /// assert_eq!(elig.lead(&ds.plan().tasks[8]).unwrap().id, "YYLY-09"); // a joint task: the first item leads
    /// ```
    pub fn lead(&self, task: &Task) -> Option<&'a Item> {
        task.items.first().and_then(|id| self.ds.item(id))
    }

    /// `Ok` if `entity` may be drawn for `task`, else the first reason not.
    ///
    /// ```
    /// use shuangsuiji::draw::{Eligibility, Exclusion};
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let elig = Eligibility::new(&ds);
    /// let directed = &ds.plan().tasks[10]; // three regions only
    /// let outside = ds.entities().iter().find(|e| e.active && !directed.filter.regions.contains(&e.region)).unwrap();
    /// assert!(matches!(elig.check(directed, outside), Err(Exclusion::Filter) | Err(Exclusion::ObjectType)));
    /// ```
    pub fn check(&self, task: &Task, entity: &Entity) -> Result<(), Exclusion> {
        let lead = self.lead(task);
        self.check_with(task, lead, entity, self.history_of(&entity.uscc))
    }

    /// The indexed history of an entity (looked up once for all tasks).
    pub(crate) fn history_of(&self, uscc: &str) -> Option<&EntityHistory<'a>> {
        if self.history.is_empty() {
            return None;
        }
        self.history.get(uscc)
    }

    /// [`Eligibility::check`] with the lead item and the entity's history
    /// already looked up.
    pub(crate) fn check_with(
        &self,
        task: &Task,
        lead: Option<&Item>,
        entity: &impl EntityFields,
        hist: Option<&EntityHistory<'_>>,
    ) -> Result<(), Exclusion> {
        self.check_covered(task, lead_covers(lead, entity), entity, hist)
    }

    /// [`Eligibility::check_with`] with the lead item's condition already
    /// decided ([`lead_covers`]): the streaming pass decides it once per
    /// object type, not once per task and entity.
    pub(crate) fn check_covered(
        &self,
        task: &Task,
        covered: bool,
        entity: &impl EntityFields,
        hist: Option<&EntityHistory<'_>>,
    ) -> Result<(), Exclusion> {
        if !entity.active() {
            return Err(Exclusion::Status);
        }
        if !covered {
            return Err(Exclusion::ObjectType);
        }
        let f = &task.filter;
        let pass = (f.regions.is_empty()
            || f.regions.iter().any(|r| region_covers(r, entity.region())))
            && (f.types.is_empty() || entity.has_type(|t| f.types.iter().any(|x| x == t)))
            && (f.industries.is_empty() || f.industries.iter().any(|i| i == entity.industry()))
            && (f.credit_classes.is_empty()
                || entity
                    .credit_class()
                    .is_some_and(|c| f.credit_classes.contains(&c)))
            && (f.flags.is_empty()
                || f.flags.iter().any(|fl| match fl {
                    crate::model::FlagName::Complaints => entity.flags().complaints,
                    crate::model::FlagName::Abnormal => entity.flags().abnormal,
                    crate::model::FlagName::SeriousViolation => entity.flags().serious_violation,
                }));
        if !pass {
            return Err(Exclusion::Filter);
        }
        if task.year_fraction().is_some()
            && let Some(h) = hist
            && task
                .items
                .iter()
                .any(|id| h.this_year.contains(&id.as_str()))
        {
            return Err(Exclusion::Drawn);
        }
        let cd = i64::from(self.ds.plan.rules.cooldown_days);
        if cd > 0
            && let Some(h) = hist
        {
            for id in &task.items {
                if let Some((_, d)) = h.last.iter().find(|(i, _)| *i == id.as_str())
                    && self.ds.plan.period_start.days_since(d) < cd
                {
                    return Err(Exclusion::CoolDown);
                }
            }
        }
        if let Some(max) = self.ds.plan.rules.max_per_year
            && hist.map_or(0, |h| h.visits) >= max
        {
            return Err(Exclusion::YearCap);
        }
        Ok(())
    }
}
