//! The pre-draw commitment (事前公示的承诺): the plan and the digests of every
//! input, published before the seed exists, so that neither the inputs nor
//! the seed can be chosen after seeing the other.

pub mod digest;

pub use digest::InputDigests;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::draw::PlanInfo;
use crate::model::{Rules, SeedSource, Task};
use crate::{ALGORITHM, Dataset, DrawResult};

/// The format name of a commitment file.
pub const COMMITMENT_FORMAT: &str = "ssj-commitment-v1";

/// What a planner publishes before the draw.
///
/// ```
/// use shuangsuiji::Commitment;
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let c = ds.commit();
/// assert_eq!((c.format.as_str(), c.algorithm.as_str()), ("ssj-commitment-v1", "ssj-draw-v1"));
/// assert_eq!(c.tasks.len(), ds.plan().tasks.len());
/// let back = Commitment::from_json(&c.to_canonical_json()).unwrap();
/// assert_eq!(back.to_canonical_json(), c.to_canonical_json());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Always [`COMMITMENT_FORMAT`].
    pub format: String,
    /// The algorithm that will draw ([`crate::ALGORITHM`]).
    pub algorithm: String,
    /// Plan metadata.
    pub plan: PlanInfo,
    /// The announced public source of the seed.
    pub seed_source: String,
    /// The declared seed sources (absent when the plan declares none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seed_sources: Vec<SeedSource>,
    /// The rules.
    pub rules: Rules,
    /// The tasks.
    pub tasks: Vec<Task>,
    /// Digests of the plan and every input.
    pub digests: InputDigests,
}

/// One way in which inputs or a result differ from a commitment.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let mut c = ds.commit();
/// c.digests.history = "0".repeat(64); // as if the history had changed since
/// let d = &c.diff(&ds)[0];
/// assert_eq!(d.what, "history");
/// assert_eq!(d.to_string(), format!("history: committed {}, now {}", "0".repeat(64), ds.digests().history));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs: `algorithm`, an input (`items`, `officers`,
    /// `entities`, `history`, `conflicts`), or a part of the plan
    /// (`plan`, `plan.seed_source`, `plan.rules`, `plan.tasks`).
    pub what: String,
    /// The committed value (a digest, or the value itself).
    pub committed: String,
    /// The value now.
    pub actual: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: committed {}, now {}",
            self.what, self.committed, self.actual
        )
    }
}

/// The six digests by name, in the order of the draw key.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let named = shuangsuiji::commit::input_digests(ds.digests());
/// assert_eq!(named.map(|(n, _)| n), ["plan", "items", "officers", "entities", "history", "conflicts"]);
/// assert_eq!(named[3].1, ds.digests().entities);
/// ```
pub fn input_digests(d: &InputDigests) -> [(&'static str, &str); 6] {
    [
        ("plan", &d.plan),
        ("items", &d.items),
        ("officers", &d.officers),
        ("entities", &d.entities),
        ("history", &d.history),
        ("conflicts", &d.conflicts),
    ]
}

/// The names and values of the inputs whose digests differ.
///
/// ```
/// use shuangsuiji::commit::digest_differences;
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let mut changed = ds.digests().clone();
/// assert!(digest_differences(ds.digests(), &changed).is_empty());
/// changed.items = "f".repeat(64);
/// let d = digest_differences(ds.digests(), &changed);
/// assert_eq!((d.len(), d[0].what.as_str(), d[0].actual.as_str()), (1, "items", &*"f".repeat(64)));
/// ```
pub fn digest_differences(committed: &InputDigests, actual: &InputDigests) -> Vec<Difference> {
    input_digests(committed)
        .into_iter()
        .zip(input_digests(actual))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((what, a), (_, b))| Difference {
            what: what.to_string(),
            committed: a.to_string(),
            actual: b.to_string(),
        })
        .collect()
}

impl Commitment {
    /// The commitment to a dataset under this engine's algorithm.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let c = shuangsuiji::Commitment::new(&ds);
    /// assert_eq!(c.plan.id, ds.plan().id);
    /// assert_eq!(&c.digests, ds.digests());
    /// ```
    pub fn new(ds: &Dataset) -> Commitment {
        let p = &ds.plan;
        Commitment {
            format: COMMITMENT_FORMAT.to_string(),
            algorithm: ALGORITHM.to_string(),
            plan: PlanInfo {
                id: p.id.clone(),
                title: p.title.clone(),
                authority: p.authority.clone(),
                period_start: p.period_start,
                period_end: p.period_end,
                date: p.date,
                registry: p.registry.declared().cloned(),
            },
            seed_source: p.seed_source.clone(),
            seed_sources: p.seed_sources.clone(),
            rules: p.rules.clone(),
            tasks: p.tasks.clone(),
            digests: ds.digests.clone(),
        }
    }

    /// Canonical JSON (keys sorted, no insignificant whitespace).
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let json = ds.commit().to_canonical_json();
    /// assert!(json.starts_with("{\"algorithm\":\"ssj-draw-v1\","));
    /// assert!(!json.contains('\n'));
    /// ```
    pub fn to_canonical_json(&self) -> String {
        crate::commit::digest::canonical_json(self)
    }

    /// Read a commitment from JSON.
    ///
    /// ```
    /// use shuangsuiji::Commitment;
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let c = Commitment::from_json(&ds.commit().to_canonical_json()).unwrap();
    /// assert!(c.diff(&ds).is_empty());
    /// let other = c.to_canonical_json().replace("ssj-commitment-v1", "other-v9");
    /// assert!(Commitment::from_json(&other).unwrap_err().to_string().contains("not a shuangsuiji commitment"));
    /// ```
    pub fn from_json(text: &str) -> serde_json::Result<Commitment> {
        let c: Commitment = serde_json::from_str(text)?;
        if c.format != COMMITMENT_FORMAT {
            return Err(serde::de::Error::custom(format!(
                "format is '{}', not '{COMMITMENT_FORMAT}': not a shuangsuiji commitment",
                c.format
            )));
        }
        Ok(c)
    }

    /// How a dataset differs from what was committed: the algorithm, each
    /// input whose digest changed, and for a changed plan the parts that
    /// changed. Empty when the dataset is the one committed to.
    ///
    /// ```
    /// use std::io::Read;
    /// use shuangsuiji::{Commitment, Dataset};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// let ds = Dataset::load("plan.toml", &text, |name| {
    ///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    /// }).unwrap();
    /// let mut c = Commitment::new(&ds);
    /// assert!(c.diff(&ds).is_empty());
    /// c.digests.entities = "0".repeat(64); // committed before the registry changed
    /// assert_eq!(c.diff(&ds)[0].what, "entities");
    /// ```
    pub fn diff(&self, ds: &Dataset) -> Vec<Difference> {
        let mut out = Vec::new();
        if self.algorithm != ALGORITHM {
            out.push(Difference {
                what: "algorithm".into(),
                committed: self.algorithm.clone(),
                actual: ALGORITHM.into(),
            });
        }
        // the plan's parts are compared even when the plan digest agrees: a
        // commitment whose text was edited without its digest is caught too
        let now = Commitment::new(ds);
        let mut parts = Vec::new();
        let mut part = |what: &str, a: String, b: String| {
            if a != b {
                parts.push(Difference {
                    what: what.into(),
                    committed: a,
                    actual: b,
                });
            }
        };
        part("format", self.format.clone(), now.format.clone());
        part(
            "plan.metadata",
            crate::commit::digest::canonical_json(&self.plan),
            crate::commit::digest::canonical_json(&now.plan),
        );
        part(
            "plan.seed_source",
            self.seed_source.clone(),
            now.seed_source.clone(),
        );
        part(
            "plan.seed_sources",
            crate::commit::digest::canonical_json(&self.seed_sources),
            crate::commit::digest::canonical_json(&now.seed_sources),
        );
        part(
            "plan.rules",
            crate::commit::digest::canonical_json(&self.rules),
            crate::commit::digest::canonical_json(&now.rules),
        );
        part(
            "plan.tasks",
            crate::commit::digest::canonical_json(&self.tasks),
            crate::commit::digest::canonical_json(&now.tasks),
        );
        let explained = !parts.is_empty();
        out.extend(parts);
        for d in digest_differences(&self.digests, &ds.digests) {
            // a changed plan is named by its parts when they show it
            if d.what != "plan" || !explained {
                out.push(d);
            }
        }
        out
    }

    /// How a published result differs from the commitment: the algorithm
    /// and each input digest. Empty when the result was drawn on the
    /// committed inputs.
    ///
    /// ```
    /// use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let c = ds.commit();
    /// let seed: Seed = "38 17 05".parse().unwrap();
    /// let mut result = ds.draw_with(&seed, &c, &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// assert!(c.check_result(&result).is_empty());
    /// result.digests.officers = "0".repeat(64);
    /// assert_eq!(c.check_result(&result)[0].what, "officers");
    /// ```
    pub fn check_result(&self, result: &DrawResult) -> Vec<Difference> {
        let mut out = Vec::new();
        if self.algorithm != result.algorithm {
            out.push(Difference {
                what: "algorithm".into(),
                committed: self.algorithm.clone(),
                actual: result.algorithm.clone(),
            });
        }
        out.extend(digest_differences(&self.digests, &result.digests));
        if self.seed_source != result.seed.source {
            out.push(Difference {
                what: "seed.source".into(),
                committed: self.seed_source.clone(),
                actual: result.seed.source.clone(),
            });
        }
        let drawn: Vec<&SeedSource> = result.seed.sources.iter().map(|s| &s.source).collect();
        let declared: Vec<&SeedSource> = self.seed_sources.iter().collect();
        if drawn != declared {
            out.push(Difference {
                what: "seed.sources".into(),
                committed: crate::commit::digest::canonical_json(&declared),
                actual: crate::commit::digest::canonical_json(&drawn),
            });
        }
        out
    }
}
