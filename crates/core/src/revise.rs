//! Substitutes after the draw (SPEC.md §13): a drawn officer falls ill, a
//! drawn entity turns out to be deregistered. A **revision** declares such
//! disqualifications and computes every substitute from the same draw key
//! by a rule fixed in advance, so that anyone can check it; the result and
//! earlier revisions are never changed.
//!
//! Revision 1 is `result.json`; revision `N ≥ 2` is `revision-N.json`,
//! naming the SHA-256 of revision `N − 1`'s file.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::commit::digest::{canonical_json, hex, put};
use crate::draw::{
    DrawResult, Eligibility, Selection, Team, TeamMember, Visit, WordStream, task_key, ticket_in,
};
use crate::error::{Diagnostic, DiagnosticKind, Infeasible, Position, Result};
use crate::model::{Overlap, region_covers};
use crate::{Dataset, Error};

/// The domain tag of a revision's word stream (SPEC.md §13.4).
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const TAG_REVISION_STREAM: &str = "shuangsuiji/v1/revision-stream";

/// The `format` member of every revision file.
pub const REVISION_FORMAT: &str = "ssj-revision-v1";

/// Why an officer or entity is out (a fixed list; free-text details are
/// never published).
///
/// ```
/// use shuangsuiji::revise::Reason;
/// assert_eq!(Reason::SickLeave.as_str(), "sick_leave");
/// assert_eq!(Reason::Deregistered.label(), "注销");
/// assert!(Reason::NewConflict.is_for_officer() && !Reason::MovedAway.is_for_officer());
/// assert!(Reason::ALL.iter().all(|r| Reason::parse(r.label()) == Some(*r)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 病假: an officer is ill.
    SickLeave,
    /// 调离: an officer has left the department.
    Transferred,
    /// 新发现回避: a conflict of interest declared after the draw.
    NewConflict,
    /// 注销: the entity has been deregistered.
    Deregistered,
    /// 迁出: the entity has moved out of the authority's area.
    MovedAway,
}

impl Reason {
    /// Every reason, in order.
    pub const ALL: [Reason; 5] = [
        Reason::SickLeave,
        Reason::Transferred,
        Reason::NewConflict,
        Reason::Deregistered,
        Reason::MovedAway,
    ];

    /// The word used in files: `sick_leave`, `transferred`, `new_conflict`,
    /// `deregistered`, `moved_away`.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::revise::Reason::MovedAway.as_str(), "moved_away");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::SickLeave => "sick_leave",
            Reason::Transferred => "transferred",
            Reason::NewConflict => "new_conflict",
            Reason::Deregistered => "deregistered",
            Reason::MovedAway => "moved_away",
        }
    }

    /// The Chinese name used in notices.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::revise::Reason::Transferred.label(), "调离");
    /// ```
    pub fn label(&self) -> &'static str {
        match self {
            Reason::SickLeave => "病假",
            Reason::Transferred => "调离",
            Reason::NewConflict => "新发现回避",
            Reason::Deregistered => "注销",
            Reason::MovedAway => "迁出",
        }
    }

    /// The reason named by its word or its Chinese name.
    ///
    /// ```
    /// use shuangsuiji::revise::Reason;
    /// assert_eq!(Reason::parse("注销"), Some(Reason::Deregistered));
    /// assert_eq!(Reason::parse("sick_leave"), Some(Reason::SickLeave));
    /// assert_eq!(Reason::parse("holiday"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Reason> {
        let s = s.trim();
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.label() == s)
    }

    /// Whether the reason is about an officer (else about an entity).
    ///
    /// ```
    /// use shuangsuiji::revise::Reason;
    /// assert!(Reason::SickLeave.is_for_officer());
    /// assert!(!Reason::Deregistered.is_for_officer());
    /// ```
    pub fn is_for_officer(&self) -> bool {
        matches!(
            self,
            Reason::SickLeave | Reason::Transferred | Reason::NewConflict
        )
    }
}

/// Who is disqualified.
///
/// ```
/// use shuangsuiji::revise::Subject;
/// assert_eq!(serde_json::to_string(&Subject::Officer).unwrap(), "\"officer\"");
/// assert!(Subject::Entity < Subject::Officer); // revisions sort entities first
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A drawn entity (by its USCC).
    Entity,
    /// An officer (by certificate number).
    Officer,
}

/// One disqualification declared in a revision.
///
/// ```
/// use shuangsuiji::revise::{Disqualification, Reason, Subject};
/// let d = Disqualification { kind: Subject::Officer, id: "14000001".into(), visit: None, reason: Reason::SickLeave, line: Some(2) };
/// let json = serde_json::to_string(&d).unwrap();
/// assert_eq!(json, r#"{"kind":"officer","id":"14000001","visit":null,"reason":"sick_leave"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disqualification {
    /// Entity or officer.
    pub kind: Subject,
    /// The entity's USCC or the officer's certificate number.
    pub id: String,
    /// For an officer: the USCC of the one visit the officer cannot serve,
    /// or `None` for the whole period. Always `None` for an entity.
    pub visit: Option<String>,
    /// Why.
    pub reason: Reason,
    /// The line of the file that declared it (for messages; not published).
    #[serde(skip)]
    pub line: Option<u64>,
}

/// A drawn entity replaced by the next eligible ticket of its stratum.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::revise::{Disqualification, Reason, Subject, revise};
/// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
/// #     visit: None, reason: Reason::Deregistered, line: None };
/// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
/// let change = &rev.entities[0];
/// assert_eq!((&change.replaced, change.reason), (&result.visits[0].uscc, Reason::Deregistered));
/// assert_eq!(change.visit.selections.len(), 1);
/// assert_eq!(change.visit.selections[0].stratum, change.stratum);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityChange {
    /// The USCC of the entity replaced.
    pub replaced: String,
    /// Its name.
    pub replaced_name: String,
    /// Its rank in the stratum.
    pub replaced_rank: u64,
    /// Why it is out.
    pub reason: Reason,
    /// The task key of the selection replaced.
    pub task: String,
    /// The stratum of the selection replaced.
    pub stratum: String,
    /// The substitute's visit: its one selection (rank = the position of
    /// its ticket in the stratum) and its teams.
    pub visit: Visit,
}

/// An officer replaced on one team.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::revise::{Disqualification, Reason, Subject, revise};
/// // the first visit whose first officer can be replaced (some cannot: infeasible)
/// let (member, rev) = result.visits.iter().find_map(|v| {
///     let member = v.teams[0].officers[0].clone();
///     let ill = Disqualification { kind: Subject::Officer, id: member.cert_no.clone(),
///         visit: Some(v.uscc.clone()), reason: Reason::SickLeave, line: None };
///     Some((member, revise(&ds, &result, &[], &[ill], "disqualify.csv").ok()?))
/// }).unwrap();
/// let change = &rev.officers[0];
/// assert_eq!((change.team, &change.replaced), (0, &member));
/// assert_ne!(change.substitute.cert_no, member.cert_no);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerChange {
    /// The USCC of the visit.
    pub uscc: String,
    /// The 0-based index of the team in the visit's `teams`.
    pub team: u32,
    /// The team's department.
    pub department: String,
    /// The team's category.
    pub category: String,
    /// The officer replaced.
    pub replaced: TeamMember,
    /// The substitute.
    pub substitute: TeamMember,
    /// Why the officer is out.
    pub reason: Reason,
}

/// One revision of a draw's result: `revision-N.json` (SPEC.md §13.5).
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::revise::{Disqualification, Reason, Subject, revise};
/// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
/// #     visit: None, reason: Reason::Deregistered, line: None };
/// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
/// assert_eq!((rev.format.as_str(), rev.revision, rev.substitutions), ("ssj-revision-v1", 2, 1));
/// assert_eq!(rev.draw_key, result.draw_key);
/// assert_eq!(rev.disqualifications.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// [`REVISION_FORMAT`].
    pub format: String,
    /// The plan id.
    pub plan_id: String,
    /// The draw key of the result revised (hex).
    pub draw_key: String,
    /// The revision number, from 2 (revision 1 is `result.json`).
    pub revision: u32,
    /// SHA-256 (hex) of the previous revision's file.
    pub previous: String,
    /// The disqualifications declared, sorted by (kind, id, visit).
    pub disqualifications: Vec<Disqualification>,
    /// Entity substitutions, in the order made.
    pub entities: Vec<EntityChange>,
    /// Officer substitutions, in the order made.
    pub officers: Vec<OfficerChange>,
    /// Substitutions of all revisions up to this one.
    pub substitutions: u64,
}

impl Revision {
    /// The canonical JSON (keys sorted, no whitespace).
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// # use shuangsuiji::revise::{Disqualification, Reason, Subject, revise};
    /// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
    /// #     visit: None, reason: Reason::Deregistered, line: None };
    /// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
    /// let json = rev.to_canonical_json();
    /// assert!(json.starts_with("{\"disqualifications\":[") && !json.contains('\n'));
    /// ```
    pub fn to_canonical_json(&self) -> String {
        canonical_json(self)
    }

    /// The file's bytes: canonical JSON and one line feed.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// # use shuangsuiji::revise::{Disqualification, Reason, Subject, revise};
    /// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
    /// #     visit: None, reason: Reason::Deregistered, line: None };
    /// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
    /// assert_eq!(rev.to_bytes(), format!("{}\n", rev.to_canonical_json()).into_bytes());
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{}\n", self.to_canonical_json()).into_bytes()
    }

    /// Read a revision from JSON.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
    /// # use shuangsuiji::revise::{Disqualification, Reason, Subject, Revision, revise};
    /// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
    /// #     visit: None, reason: Reason::Deregistered, line: None };
    /// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
    /// assert_eq!(Revision::from_json(&rev.to_canonical_json()).unwrap(), rev);
    /// let other = rev.to_canonical_json().replace("ssj-revision-v1", "x");
    /// assert!(Revision::from_json(&other).is_err());
    /// ```
    pub fn from_json(text: &str) -> serde_json::Result<Revision> {
        let r: Revision = serde_json::from_str(text)?;
        if r.format != REVISION_FORMAT {
            return Err(serde::de::Error::custom(format!(
                "format is '{}', not '{REVISION_FORMAT}'",
                r.format
            )));
        }
        Ok(r)
    }
}

/// The file name of revision `n` (`n ≥ 2`): `revision-N.json`.
///
/// ```
/// assert_eq!(shuangsuiji::revise::file_name(2), "revision-2.json");
/// ```
pub fn file_name(n: u32) -> String {
    format!("revision-{n}.json")
}

/// The key of revision `n`'s word stream:
/// `H(put(TAG_REVISION_STREAM) ‖ draw_key ‖ u64be(n))`.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn revision_stream_key(draw_key: &[u8; 32], n: u32) -> [u8; 32] {
    let mut buf = Vec::with_capacity(80);
    put(&mut buf, TAG_REVISION_STREAM);
    buf.extend_from_slice(draw_key);
    buf.extend_from_slice(&u64::from(n).to_be_bytes());
    Sha256::digest(&buf).into()
}

/// The visits as they stand after `revisions` (in order) are applied to
/// the result: a replaced entity's visit gives way, in place, to its
/// substitutes' visits; a replaced officer's place goes to the substitute.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::revise::{Disqualification, Reason, Subject, current_visits, revise};
/// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
/// #     visit: None, reason: Reason::Deregistered, line: None };
/// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
/// assert_eq!(current_visits(&result, &[]), result.visits);
/// let now = current_visits(&result, &[rev.clone()]);
/// assert!(now.iter().all(|v| v.uscc != result.visits[0].uscc));
/// assert!(now.iter().any(|v| v.uscc == rev.entities[0].visit.uscc));
/// ```
pub fn current_visits(result: &DrawResult, revisions: &[Revision]) -> Vec<Visit> {
    let mut visits = result.visits.clone();
    for rev in revisions {
        apply(&mut visits, rev);
    }
    visits
}

fn apply(visits: &mut Vec<Visit>, rev: &Revision) {
    if !rev.entities.is_empty() {
        let mut out = Vec::with_capacity(visits.len());
        for v in visits.drain(..) {
            let subs: Vec<&EntityChange> = rev
                .entities
                .iter()
                .filter(|c| c.replaced == v.uscc)
                .collect();
            if subs.is_empty() {
                out.push(v);
            } else {
                out.extend(subs.into_iter().map(|c| c.visit.clone()));
            }
        }
        *visits = out;
    }
    for c in &rev.officers {
        if let Some(team) = visits
            .iter_mut()
            .find(|v| v.uscc == c.uscc)
            .and_then(|v| v.teams.get_mut(c.team as usize))
        {
            for m in &mut team.officers {
                if m.cert_no == c.replaced.cert_no {
                    *m = c.substitute.clone();
                }
            }
            team.officers
                .sort_by(|a, b| a.cert_no.as_bytes().cmp(b.cert_no.as_bytes()));
        }
    }
}

/// SHA-256 (hex) of the file holding revision `n` of these: `result.json`
/// for none, else the last revision's file.
///
/// ```
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let result = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap().into_result();
/// use shuangsuiji::revise::{Disqualification, Reason, Subject, previous_hash, revise};
/// # let out = Disqualification { kind: Subject::Entity, id: result.visits[0].uscc.clone(),
/// #     visit: None, reason: Reason::Deregistered, line: None };
/// # let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
/// // revision 2 names the SHA-256 of result.json, canonical JSON and a line feed
/// assert_eq!(previous_hash(&result, &[]), rev.previous);
/// assert_ne!(previous_hash(&result, &[rev.clone()]), rev.previous);
/// ```
pub fn previous_hash(result: &DrawResult, earlier: &[Revision]) -> String {
    let bytes = match earlier.last() {
        Some(r) => r.to_bytes(),
        None => format!("{}\n", result.to_canonical_json()).into_bytes(),
    };
    hex(&Sha256::digest(&bytes))
}

fn parse_key(h: &str) -> Option<[u8; 32]> {
    if h.len() != 64 {
        return None;
    }
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(k)
}

/// Compute the next revision (SPEC.md §13): from the dataset the result
/// was drawn from, the result (revision 1), the earlier revisions (2, 3,
/// …, in order) and the disqualifications declared now. Pure: the same
/// arguments give the same revision on every machine. `source` names the
/// declaring file in messages (with each disqualification's `line`).
///
/// Refused (input error) when a disqualification does not apply to the
/// current visits, repeats an earlier one, or would exceed
/// `rules.max_substitutions`; infeasible when no substitute exists (the
/// message names the binding constraint).
///
/// ```
/// use shuangsuiji::Dataset;
/// use shuangsuiji::draw::draw_unchecked;
/// use shuangsuiji::revise::{revise, Disqualification, Reason, Subject};
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let result = draw_unchecked(&ds, "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24").unwrap();
/// let out = Disqualification {
///     kind: Subject::Entity,
///     id: result.visits[0].uscc.clone(),
///     visit: None,
///     reason: Reason::Deregistered,
///     line: None,
/// };
/// let rev = revise(&ds, &result, &[], &[out], "disqualify.csv").unwrap();
/// assert_eq!(rev.revision, 2);
/// assert_eq!(rev.entities.len(), 1);
/// assert_ne!(rev.entities[0].visit.uscc, result.visits[0].uscc);
/// ```
pub fn revise(
    ds: &Dataset,
    result: &DrawResult,
    earlier: &[Revision],
    disq: &[Disqualification],
    source: &str,
) -> Result<Revision> {
    let n = earlier.len() as u32 + 2;
    let pos = |d: &Disqualification| {
        let p = Position::file(source);
        match d.line {
            Some(l) => p.at_line(l),
            None => p,
        }
    };
    let mut errors: Vec<Diagnostic> = Vec::new();
    let bad = |errors: &mut Vec<Diagnostic>, p: Position, msg: String| {
        errors.push(Diagnostic::error(DiagnosticKind::InvalidValue, p, msg));
    };
    let Some(key) = parse_key(&result.draw_key) else {
        return Err(Error::input(vec![Diagnostic::error(
            DiagnosticKind::InvalidValue,
            Position::file("result.json").with_field("draw_key"),
            "the draw key is not 64 hex digits",
        )]));
    };
    for (i, r) in earlier.iter().enumerate() {
        if r.revision != i as u32 + 2 {
            bad(
                &mut errors,
                Position::file(file_name(i as u32 + 2)).with_field("revision"),
                format!(
                    "revision number {} where {} was expected",
                    r.revision,
                    i + 2
                ),
            );
        }
    }
    if disq.is_empty() {
        bad(
            &mut errors,
            Position::file(source),
            "no disqualification is declared: a revision needs at least one".into(),
        );
    }
    let mut visits = current_visits(result, earlier);
    // who is already out
    let mut ents_out: BTreeSet<String> = BTreeSet::new();
    let mut offs_out: BTreeSet<String> = BTreeSet::new();
    let mut offs_visit_out: BTreeSet<(String, String)> = BTreeSet::new();
    let mark_out = |d: &Disqualification,
                    ents_out: &mut BTreeSet<String>,
                    offs_out: &mut BTreeSet<String>,
                    offs_visit_out: &mut BTreeSet<(String, String)>| {
        match (d.kind, &d.visit) {
            (Subject::Entity, _) => ents_out.insert(d.id.clone()),
            (Subject::Officer, None) => offs_out.insert(d.id.clone()),
            (Subject::Officer, Some(v)) => offs_visit_out.insert((d.id.clone(), v.clone())),
        }
    };
    for r in earlier {
        for d in &r.disqualifications {
            mark_out(d, &mut ents_out, &mut offs_out, &mut offs_visit_out);
        }
    }
    let on_visit = |v: &Visit, cert: &str| {
        v.teams
            .iter()
            .any(|t| t.officers.iter().any(|m| m.cert_no == cert))
    };
    let new_ents: BTreeSet<&str> = disq
        .iter()
        .filter(|d| d.kind == Subject::Entity)
        .map(|d| d.id.as_str())
        .collect();
    let mut seen: BTreeSet<(Subject, &str, Option<&str>)> = BTreeSet::new();
    for d in disq {
        let p = pos(d);
        if !seen.insert((d.kind, d.id.as_str(), d.visit.as_deref())) {
            bad(
                &mut errors,
                p.clone(),
                format!("{} is declared twice", d.id),
            );
            continue;
        }
        if d.reason.is_for_officer() != (d.kind == Subject::Officer) {
            let (want, words) = if d.kind == Subject::Officer {
                (
                    "an officer",
                    "sick_leave (病假), transferred (调离), new_conflict (新发现回避)",
                )
            } else {
                ("an entity", "deregistered (注销), moved_away (迁出)")
            };
            bad(
                &mut errors,
                p.clone().with_field("reason"),
                format!(
                    "{} ({}) is not a reason for {want}; use one of: {words}",
                    d.reason.as_str(),
                    d.reason.label()
                ),
            );
            continue;
        }
        match d.kind {
            Subject::Entity => {
                if d.visit.is_some() {
                    bad(
                        &mut errors,
                        p.with_field("visit"),
                        format!(
                            "entity {}: an entity is out for the whole plan; leave visit empty",
                            d.id
                        ),
                    );
                } else if ents_out.contains(&d.id) {
                    bad(
                        &mut errors,
                        p,
                        format!("entity {} was disqualified by an earlier revision", d.id),
                    );
                } else if !visits.iter().any(|v| v.uscc == d.id) {
                    bad(
                        &mut errors,
                        p,
                        format!("entity {} has no visit in the current result", d.id),
                    );
                }
            }
            Subject::Officer => {
                if offs_out.contains(&d.id) {
                    bad(
                        &mut errors,
                        p,
                        format!(
                            "officer {} was disqualified for the period by an earlier revision",
                            d.id
                        ),
                    );
                    continue;
                }
                match &d.visit {
                    None => {
                        if !visits.iter().any(|v| on_visit(v, &d.id)) {
                            bad(
                                &mut errors,
                                p,
                                format!("officer {} serves no visit of the current result", d.id),
                            );
                        }
                    }
                    Some(u) => {
                        if offs_visit_out.contains(&(d.id.clone(), u.clone())) {
                            bad(
                                &mut errors,
                                p,
                                format!(
                                    "officer {} was disqualified for the visit to {u} by an earlier revision",
                                    d.id
                                ),
                            );
                        } else if new_ents.contains(u.as_str()) {
                            bad(
                                &mut errors,
                                p,
                                format!(
                                    "officer {}: the visit to {u} is removed by this revision's disqualification of {u}",
                                    d.id
                                ),
                            );
                        } else if !visits.iter().any(|v| v.uscc == *u && on_visit(v, &d.id)) {
                            bad(
                                &mut errors,
                                p,
                                format!(
                                    "officer {} is not on the visit to {u} in the current result",
                                    d.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::input(errors));
    }
    let mut declared: Vec<Disqualification> = disq.to_vec();
    declared.sort_by(|a, b| {
        (
            a.kind,
            a.id.as_bytes(),
            a.visit.as_ref().map(|v| v.as_bytes()),
        )
            .cmp(&(
                b.kind,
                b.id.as_bytes(),
                b.visit.as_ref().map(|v| v.as_bytes()),
            ))
    });
    for d in &declared {
        mark_out(d, &mut ents_out, &mut offs_out, &mut offs_visit_out);
    }

    let mut stream = WordStream::new(revision_stream_key(&key, n));
    let mut staff = Staffing::new(ds, &visits);
    let mut ent_changes: Vec<EntityChange> = Vec::new();
    // entities, in visit order
    let out_now: Vec<(String, Reason)> = visits
        .iter()
        .filter_map(|v| {
            declared
                .iter()
                .find(|d| d.kind == Subject::Entity && d.id == v.uscc)
                .map(|d| (v.uscc.clone(), d.reason))
        })
        .collect();
    let elig = Eligibility::new(ds);
    for (uscc, reason) in out_now {
        let vi = visits.iter().position(|v| v.uscc == uscc).unwrap_or(0);
        let old = visits.remove(vi);
        staff.leave(&old);
        for (insert_at, sel) in (vi..).zip(old.selections.iter()) {
            let holding: BTreeSet<&str> = visits.iter().map(|v| v.uscc.as_str()).collect();
            let (e, rank, tk) = next_ticket(ds, result, &elig, &key, sel, &holding, &ents_out)?;
            let e = e.clone();
            let ti = result
                .tasks
                .iter()
                .position(|t| t.key == sel.task)
                .unwrap_or(0);
            let task = &ds.plan.tasks[ti];
            let mut visit = Visit {
                uscc: e.uscc.clone(),
                name: e.name.clone(),
                region: e.region.clone(),
                credit_class: e.credit_class.map(|c| c.as_str().to_string()),
                items: task.items.clone(),
                selections: vec![Selection {
                    task: sel.task.clone(),
                    stratum: sel.stratum.clone(),
                    rank,
                    ticket: hex(&tk),
                }],
                teams: Vec::new(),
            };
            let mut by_team: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
            for id in &task.items {
                if let Some(it) = ds.item(id) {
                    let dept = if it.department.is_empty() {
                        ds.plan.authority.clone()
                    } else {
                        it.department.clone()
                    };
                    by_team
                        .entry((dept, it.category.clone()))
                        .or_default()
                        .push(id.clone());
                }
            }
            for ((department, category), items) in by_team {
                visit.teams.push(Team {
                    department,
                    category,
                    items,
                    officers: Vec::new(),
                });
            }
            for t in 0..visit.teams.len() {
                for _ in 0..ds.plan.rules.team_size {
                    let o = staff.pick(&visit, t, &offs_out, &offs_visit_out, &mut stream)?;
                    visit.teams[t].officers.push(o);
                }
                visit.teams[t]
                    .officers
                    .sort_by(|a, b| a.cert_no.as_bytes().cmp(b.cert_no.as_bytes()));
            }
            staff.join(&visit);
            ent_changes.push(EntityChange {
                replaced: old.uscc.clone(),
                replaced_name: old.name.clone(),
                replaced_rank: sel.rank,
                reason,
                task: sel.task.clone(),
                stratum: sel.stratum.clone(),
                visit: visit.clone(),
            });
            visits.insert(insert_at, visit);
        }
    }
    // officers: affected places in visit order, team order
    let mut off_changes: Vec<OfficerChange> = Vec::new();
    for v in &mut visits {
        for t in 0..v.teams.len() {
            let members: Vec<TeamMember> = v.teams[t].officers.clone();
            for m in members {
                let Some(d) = declared.iter().find(|d| {
                    d.kind == Subject::Officer
                        && d.id == m.cert_no
                        && d.visit.as_ref().is_none_or(|u| *u == v.uscc)
                }) else {
                    continue;
                };
                staff.remove(&m.cert_no);
                let mut without = v.clone();
                without.teams[t].officers.retain(|x| x.cert_no != m.cert_no);
                let sub = staff.pick(&without, t, &offs_out, &offs_visit_out, &mut stream)?;
                staff.add(&sub.cert_no);
                let team = &mut v.teams[t];
                for x in &mut team.officers {
                    if x.cert_no == m.cert_no {
                        *x = sub.clone();
                    }
                }
                team.officers
                    .sort_by(|a, b| a.cert_no.as_bytes().cmp(b.cert_no.as_bytes()));
                off_changes.push(OfficerChange {
                    uscc: v.uscc.clone(),
                    team: t as u32,
                    department: team.department.clone(),
                    category: team.category.clone(),
                    replaced: m,
                    substitute: sub,
                    reason: d.reason,
                });
            }
        }
    }
    let before = earlier.last().map_or(0, |r| r.substitutions);
    let now = (ent_changes.len() + off_changes.len()) as u64;
    if let Some(cap) = ds.plan.rules.max_substitutions
        && before + now > u64::from(cap)
    {
        return Err(Error::input(vec![Diagnostic::error(
            DiagnosticKind::InvalidValue,
            Position::file(source),
            format!(
                "the plan allows at most {cap} substitutions (rules.max_substitutions); earlier revisions made {before} and this one would make {now}"
            ),
        )]));
    }
    Ok(Revision {
        format: REVISION_FORMAT.to_string(),
        plan_id: result.plan.id.clone(),
        draw_key: result.draw_key.clone(),
        revision: n,
        previous: previous_hash(result, earlier),
        disqualifications: declared
            .into_iter()
            .map(|mut d| {
                d.line = None;
                d
            })
            .collect(),
        entities: ent_changes,
        officers: off_changes,
        substitutions: before + now,
    })
}

/// The next eligible ticket of a selection's stratum (SPEC.md §13.3):
/// the entity, its rank and ticket.
fn next_ticket<'d>(
    ds: &'d Dataset,
    result: &DrawResult,
    elig: &Eligibility<'_>,
    key: &[u8; 32],
    sel: &Selection,
    holding: &BTreeSet<&str>,
    out: &BTreeSet<String>,
) -> Result<(&'d crate::model::Entity, u64, [u8; 32])> {
    let ti = result
        .tasks
        .iter()
        .position(|t| t.key == sel.task)
        .unwrap_or(0);
    let task = &ds.plan.tasks[ti];
    let tkey = task_key(key, &task.key());
    // under `next`, entities taken by earlier tasks at the draw
    let taken: BTreeSet<&str> = if ds.plan.rules.overlap == Overlap::Next {
        result
            .visits
            .iter()
            .filter(|v| {
                v.selections.iter().any(|s| {
                    result
                        .tasks
                        .iter()
                        .position(|t| t.key == s.task)
                        .is_some_and(|i| i < ti)
                })
            })
            .map(|v| v.uscc.as_str())
            .collect()
    } else {
        BTreeSet::new()
    };
    let mut stratum: Vec<([u8; 32], &crate::model::Entity)> = ds
        .entities
        .iter()
        .filter(|e| elig.check(task, e).is_ok() && !taken.contains(e.uscc.as_str()))
        .filter(|e| {
            let (g, region) = crate::draw::stratum_key(ds, task, *e);
            crate::draw::stratum_name_of(&region, &g) == sel.stratum
        })
        .map(|e| {
            (
                ticket_in(&tkey, ds.plan.registry.scheme.prefix(), &e.uscc),
                e,
            )
        })
        .collect();
    stratum.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.uscc.as_bytes().cmp(b.1.uscc.as_bytes()))
    });
    let (mut held, mut gone) = (0, 0);
    for (i, (tk, e)) in stratum.iter().enumerate() {
        if out.contains(&e.uscc) {
            gone += 1;
        } else if holding.contains(e.uscc.as_str()) {
            held += 1;
        } else {
            return Ok((e, i as u64 + 1, *tk));
        }
    }
    Err(Error::infeasible(Infeasible {
        item: sel.task.clone(),
        subject: Some(format!("stratum {}", sel.stratum)),
        constraint: format!(
            "no substitute: of the {} eligible entities of the stratum, {held} hold a visit and {gone} are disqualified",
            stratum.len()
        ),
    }))
}

/// Officer loads and the rules of §8.2 for picking substitutes.
struct Staffing<'d> {
    ds: &'d Dataset,
    load: HashMap<String, u64>,
    conflicts: BTreeSet<(&'d str, &'d str)>,
}

impl<'d> Staffing<'d> {
    fn new(ds: &'d Dataset, visits: &[Visit]) -> Self {
        let mut s = Staffing {
            ds,
            load: HashMap::new(),
            conflicts: ds
                .conflicts
                .iter()
                .map(|c| (c.cert_no.as_str(), c.uscc.as_str()))
                .collect(),
        };
        for v in visits {
            s.join(v);
        }
        s
    }

    fn officers_of(v: &Visit) -> BTreeSet<String> {
        v.teams
            .iter()
            .flat_map(|t| t.officers.iter().map(|m| m.cert_no.clone()))
            .collect()
    }

    fn join(&mut self, v: &Visit) {
        for o in Self::officers_of(v) {
            self.add(&o);
        }
    }

    fn leave(&mut self, v: &Visit) {
        for o in Self::officers_of(v) {
            self.remove(&o);
        }
    }

    fn add(&mut self, o: &str) {
        *self.load.entry(o.to_string()).or_default() += 1;
    }

    fn remove(&mut self, o: &str) {
        if let Some(l) = self.load.get_mut(o) {
            *l = l.saturating_sub(1);
        }
    }

    /// The officers of the entity's most recent inspection.
    fn last_team(&self, uscc: &str) -> BTreeSet<&'d str> {
        let recs: Vec<_> = self.ds.history.iter().filter(|h| h.uscc == uscc).collect();
        let Some(last) = recs.iter().map(|h| h.date).max() else {
            return BTreeSet::new();
        };
        recs.iter()
            .filter(|h| h.date == last)
            .flat_map(|h| h.officers.iter().map(String::as_str))
            .collect()
    }

    /// One officer for team `t` of `visit` (SPEC.md §13.4): the qualified
    /// officers in certificate order, less those out, on the visit or at
    /// the load cap; `below(|A|)` picks one.
    fn pick(
        &self,
        visit: &Visit,
        t: usize,
        offs_out: &BTreeSet<String>,
        offs_visit_out: &BTreeSet<(String, String)>,
        stream: &mut WordStream,
    ) -> Result<TeamMember> {
        let ds = self.ds;
        let rules = &ds.plan.rules;
        let team = &visit.teams[t];
        let cap = rules.officer_max_load.map_or(u64::MAX, u64::from);
        let last = self.last_team(&visit.uscc);
        let on_visit = Self::officers_of(visit);
        type Step<'a> = (String, Box<dyn Fn(&crate::model::Officer) -> bool + 'a>);
        let steps: Vec<Step<'_>> = vec![
            (
                format!("of {}", team.department),
                Box::new(|o| {
                    let d = if o.department.is_empty() {
                        &ds.plan.authority
                    } else {
                        &o.department
                    };
                    *d == team.department
                }),
            ),
            (
                format!("active with a certificate valid on {}", ds.plan.date),
                Box::new(|o| ds.officer_eligible(o)),
            ),
            (
                format!("certified for {}", team.category),
                Box::new(|o| o.categories.contains(&team.category)),
            ),
            (
                if rules.cross_region {
                    "any region (cross_region)".to_string()
                } else {
                    format!("covering {}", visit.region)
                },
                Box::new(|o| {
                    rules.cross_region || o.regions.iter().any(|r| region_covers(r, &visit.region))
                }),
            ),
            (
                "not in a conflict pair (回避) with the entity".to_string(),
                Box::new(|o| {
                    !self
                        .conflicts
                        .contains(&(o.cert_no.as_str(), visit.uscc.as_str()))
                }),
            ),
            (
                "not on the entity's last inspection (rotation)".to_string(),
                Box::new(|o| !(rules.rotation && last.contains(o.cert_no.as_str()))),
            ),
            (
                "not disqualified".to_string(),
                Box::new(|o| {
                    !offs_out.contains(&o.cert_no)
                        && !offs_visit_out.contains(&(o.cert_no.clone(), visit.uscc.clone()))
                }),
            ),
            (
                "not already on this visit".to_string(),
                Box::new(|o| !on_visit.contains(&o.cert_no)),
            ),
            (
                format!(
                    "below the load cap of {} visits (officer_max_load)",
                    rules
                        .officer_max_load
                        .map_or("∞".to_string(), |c| c.to_string())
                ),
                Box::new(|o| self.load.get(&o.cert_no).copied().unwrap_or(0) < cap),
            ),
        ];
        let mut pool: Vec<&crate::model::Officer> = ds.officers.iter().collect();
        let mut so_far: Vec<&str> = Vec::new();
        for (label, keep) in &steps {
            pool.retain(|o| keep(o));
            so_far.push(label);
            if pool.is_empty() {
                return Err(Error::infeasible(Infeasible {
                    item: team.items.join("+"),
                    subject: Some(format!("{} {} ({})", visit.uscc, visit.name, visit.region)),
                    constraint: format!(
                        "no substitute officer: none meets all of: {}",
                        so_far.join("; ")
                    ),
                }));
            }
        }
        let o = pool[stream.below(pool.len() as u64) as usize];
        Ok(TeamMember {
            cert_no: o.cert_no.clone(),
            name: o.name.clone(),
        })
    }
}
