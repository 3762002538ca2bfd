//! Comparing a published result with a recomputed one, field by field.

mod explain;

pub use explain::{ExplainError, Explanation, TaskExplanation, explain};

use std::fmt;

use serde::Serialize;

use crate::DrawResult;
use crate::commit::digest::canonical_json;
use crate::draw::{Team, Visit, Visits};

/// What kind of field differs.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::{DifferenceKind, compare_results};
/// let mut published = result.clone();
/// published.seed.normalized.push('9');
/// assert_eq!(compare_results(&published, &result).difference.unwrap().kind, DifferenceKind::Seed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DifferenceKind {
    /// The algorithm name.
    Algorithm,
    /// The seed text, its normalisation or source, or the keys derived
    /// from it.
    Seed,
    /// Plan metadata or rules.
    Plan,
    /// An input digest.
    Digest,
    /// A task's count, allocation table or exclusions.
    Task,
    /// The number of visits.
    VisitCount,
    /// Which entity a visit inspects, or its name, region or class.
    Entity,
    /// How an entity was selected (task, stratum, rank, ticket) or the
    /// items of a visit.
    Selection,
    /// A team's department, category, items or size.
    Team,
    /// An officer of a team.
    Officer,
}

/// The first difference between a published and a recomputed result.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::{DifferenceKind, compare_results};
/// let mut published = result.clone();
/// published.visits[0].name = "某公司".into();
/// let d = compare_results(&published, &result).difference.unwrap();
/// assert_eq!((d.kind, d.published.as_str()), (DifferenceKind::Entity, "'某公司'"));
/// assert!(d.to_string().contains("published '某公司', recomputed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultDifference {
    /// What kind of field.
    pub kind: DifferenceKind,
    /// Where, in words: `seed.normalized`, `task YYLY-01 allocation`,
    /// `visit 12 (91140…) team 林业局/林业执法 officer 2` …
    pub location: String,
    /// The published value.
    pub published: String,
    /// The recomputed value.
    pub recomputed: String,
}

impl fmt::Display for ResultDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: published {}, recomputed {}",
            self.location, self.published, self.recomputed
        )
    }
}

/// The outcome of a comparison.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::compare_results;
/// let same = compare_results(&result, &result);
/// assert!(same.is_match());
/// assert_eq!(same.visits_confirmed, result.visits.len());
/// assert_eq!(same.tasks_confirmed, result.tasks.len());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Tasks identical (count, allocation, exclusions) before the first
    /// difference.
    pub tasks_confirmed: usize,
    /// Visits identical (entity, selections, teams) before the first
    /// difference.
    pub visits_confirmed: usize,
    /// Teams identical before the first difference.
    pub teams_confirmed: usize,
    /// Officer places identical before the first difference.
    pub officers_confirmed: usize,
    /// The first difference, if any.
    pub difference: Option<ResultDifference>,
}

impl Comparison {
    /// Whether the results agree.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// let mut published = result.clone();
    /// published.visits.pop();
    /// assert!(!shuangsuiji::verify::compare_results(&published, &result).is_match());
    /// ```
    pub fn is_match(&self) -> bool {
        self.difference.is_none()
    }
}

fn diff<T: Serialize + PartialEq>(
    kind: DifferenceKind,
    location: impl Into<String>,
    a: &T,
    b: &T,
) -> Option<ResultDifference> {
    if a == b {
        return None;
    }
    let show = |v: &T| {
        let j = canonical_json(v);
        // plain strings without their quotes
        match serde_json::from_str::<String>(&j) {
            Ok(s) => format!("'{s}'"),
            Err(_) => j,
        }
    };
    Some(ResultDifference {
        kind,
        location: location.into(),
        published: show(a),
        recomputed: show(b),
    })
}

/// Compare a published result with the result recomputed from the same
/// inputs and seed, field by field, ignoring only `engine_version`
/// (informative). Fields are compared in this order: algorithm, seed,
/// plan, rules, digests, draw key, tasks, then each visit (entity,
/// selections, each team and officer).
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::verify::{DifferenceKind, compare_results};
/// let mut published = result.clone();
/// published.engine_version = "0.0.0".into(); // informative: ignored
/// assert!(compare_results(&published, &result).is_match());
/// published.visits[1].teams[0].officers.swap(0, 1);
/// let c = compare_results(&published, &result);
/// assert_eq!((c.visits_confirmed, c.difference.unwrap().kind), (1, DifferenceKind::Officer));
/// ```
pub fn compare_results(published: &DrawResult, recomputed: &DrawResult) -> Comparison {
    compare_results_with(
        published,
        Visits::Held(&published.visits),
        recomputed,
        Visits::Held(&recomputed.visits),
    )
}

/// [`compare_results`] with each result's visits given apart (its own
/// `visits` are not read): how a [`crate::draw::StreamedDraw`], whose visits are
/// compact, is compared visit by visit.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::draw::Visits;
/// use shuangsuiji::verify::{compare_results, compare_results_with};
/// let text = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let r = DrawResult::from_json(&text).unwrap();
/// let mut head = r.clone();
/// head.visits.clear();
/// let c = compare_results_with(&r, Visits::Held(&r.visits), &head, Visits::Held(&r.visits));
/// assert!(c.is_match());
/// assert_eq!(c, compare_results(&r, &r));
/// ```
pub fn compare_results_with(
    published: &DrawResult,
    published_visits: Visits<'_>,
    recomputed: &DrawResult,
    recomputed_visits: Visits<'_>,
) -> Comparison {
    use DifferenceKind as K;
    let mut c = Comparison {
        tasks_confirmed: 0,
        visits_confirmed: 0,
        teams_confirmed: 0,
        officers_confirmed: 0,
        difference: None,
    };
    let (p, r) = (published, recomputed);
    let head = diff(K::Algorithm, "algorithm", &p.algorithm, &r.algorithm)
        .or_else(|| diff(K::Seed, "seed.text", &p.seed.text, &r.seed.text))
        .or_else(|| {
            diff(
                K::Seed,
                "seed.normalized",
                &p.seed.normalized,
                &r.seed.normalized,
            )
        })
        .or_else(|| diff(K::Seed, "seed.source", &p.seed.source, &r.seed.source))
        .or_else(|| diff(K::Seed, "seed.sources", &p.seed.sources, &r.seed.sources))
        .or_else(|| diff(K::Plan, "plan", &p.plan, &r.plan))
        .or_else(|| diff(K::Plan, "rules", &p.rules, &r.rules))
        .or_else(|| {
            crate::commit::input_digests(&p.digests)
                .into_iter()
                .zip(crate::commit::input_digests(&r.digests))
                .find_map(|((n, a), (_, b))| diff(K::Digest, format!("digests.{n}"), &a, &b))
        })
        .or_else(|| diff(K::Seed, "draw_key", &p.draw_key, &r.draw_key))
        .or_else(|| diff(K::Task, "number of tasks", &p.tasks.len(), &r.tasks.len()));
    if head.is_some() {
        c.difference = head;
        return c;
    }
    for (a, b) in p.tasks.iter().zip(&r.tasks) {
        let at = format!("task {}", b.key);
        let d = diff(K::Task, format!("{at} key"), &a.key, &b.key)
            .or_else(|| diff(K::Task, format!("{at} items"), &a.items, &b.items))
            .or_else(|| diff(K::Task, format!("{at} directed"), &a.directed, &b.directed))
            .or_else(|| diff(K::Seed, format!("{at} task_key"), &a.task_key, &b.task_key))
            .or_else(|| diff(K::Task, format!("{at} total"), &a.total, &b.total))
            .or_else(|| {
                diff(
                    K::Task,
                    format!("{at} allocation"),
                    &a.allocation,
                    &b.allocation,
                )
            })
            .or_else(|| {
                diff(
                    K::Task,
                    format!("{at} exclusions"),
                    &a.exclusions,
                    &b.exclusions,
                )
            })
            .or_else(|| diff(K::Task, format!("{at} index"), &a.index, &b.index))
            .or_else(|| diff(K::Task, format!("{at} names"), &a.names, &b.names))
            // any other field: the whole task
            .or_else(|| (a != b).then(|| diff(K::Task, at.clone(), a, b)).flatten());
        if d.is_some() {
            c.difference = d;
            return c;
        }
        c.tasks_confirmed += 1;
    }
    for (i, (a, b)) in published_visits
        .iter()
        .zip(recomputed_visits.iter())
        .enumerate()
    {
        let (a, b) = (a.as_ref(), b.as_ref());
        let d = compare_visit(i + 1, a, b, &mut c)
            // any other field: the whole visit
            .or_else(|| {
                (a != b)
                    .then(|| diff(K::Entity, format!("visit {}", i + 1), a, b))
                    .flatten()
            });
        if let Some(d) = d {
            c.difference = Some(d);
            return c;
        }
        c.visits_confirmed += 1;
    }
    c.difference = diff(
        K::VisitCount,
        "number of visits",
        &published_visits.len(),
        &recomputed_visits.len(),
    );
    c
}

fn compare_visit(n: usize, a: &Visit, b: &Visit, c: &mut Comparison) -> Option<ResultDifference> {
    use DifferenceKind as K;
    let at = format!("visit {n}");
    if let Some(d) = diff(K::Entity, format!("{at} entity"), &a.uscc, &b.uscc) {
        return Some(d);
    }
    let at = format!("visit {n} ({})", b.uscc);
    let d = diff(K::Entity, format!("{at} entity name"), &a.name, &b.name)
        .or_else(|| diff(K::Entity, format!("{at} region"), &a.region, &b.region))
        .or_else(|| {
            diff(
                K::Entity,
                format!("{at} credit class"),
                &a.credit_class,
                &b.credit_class,
            )
        })
        .or_else(|| diff(K::Selection, format!("{at} items"), &a.items, &b.items))
        .or_else(|| {
            diff(
                K::Selection,
                format!("{at} selections"),
                &a.selections,
                &b.selections,
            )
        })
        .or_else(|| {
            diff(
                K::Team,
                format!("{at} number of teams"),
                &a.teams.len(),
                &b.teams.len(),
            )
        });
    if d.is_some() {
        return d;
    }
    for (ta, tb) in a.teams.iter().zip(&b.teams) {
        if let Some(d) = compare_team(&at, ta, tb, c) {
            return Some(d);
        }
        c.teams_confirmed += 1;
    }
    None
}

fn compare_team(at: &str, a: &Team, b: &Team, c: &mut Comparison) -> Option<ResultDifference> {
    use DifferenceKind as K;
    let at = format!("{at} team {}/{}", b.department, b.category);
    let d = diff(
        K::Team,
        format!("{at} department"),
        &a.department,
        &b.department,
    )
    .or_else(|| diff(K::Team, format!("{at} category"), &a.category, &b.category))
    .or_else(|| diff(K::Team, format!("{at} items"), &a.items, &b.items))
    .or_else(|| {
        diff(
            K::Team,
            format!("{at} size"),
            &a.officers.len(),
            &b.officers.len(),
        )
    });
    if d.is_some() {
        return d;
    }
    for (i, (oa, ob)) in a.officers.iter().zip(&b.officers).enumerate() {
        let d = diff(
            K::Officer,
            format!("{at} officer {}", i + 1),
            &oa.cert_no,
            &ob.cert_no,
        )
        .or_else(|| {
            diff(
                K::Officer,
                format!("{at} officer {} ({}) name", i + 1, ob.cert_no),
                &oa.name,
                &ob.name,
            )
        });
        if d.is_some() {
            return d;
        }
        c.officers_confirmed += 1;
    }
    None
}
