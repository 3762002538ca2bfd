//! Substitutes after the draw (SPEC.md §13): the sample vector and the
//! refusals.

use std::io::Read;

use shuangsuiji::draw::{DrawResult, draw_unchecked};
use shuangsuiji::revise::{
    Disqualification, Reason, Revision, Subject, current_visits, file_name, previous_hash, revise,
};
use shuangsuiji::{Dataset, ErrorKind};

/// The seed of the revision vector.
const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";

fn sample() -> (Dataset, DrawResult) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    let ds = Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    })
    .unwrap();
    let r = draw_unchecked(&ds, SEED).unwrap();
    (ds, r)
}

fn dq(kind: Subject, id: &str, visit: Option<&str>, reason: Reason, line: u64) -> Disqualification {
    Disqualification {
        kind,
        id: id.to_string(),
        visit: visit.map(str::to_string),
        reason,
        line: Some(line),
    }
}

/// The vector's disqualifications: the entity of the third visit
/// (YYLY-01, 右卫镇) deregistered, and officer 14062301012 on sick leave
/// for the visit to the fourth entity (YYLY-01, 右卫镇).
fn vector_disqualifications(r: &DrawResult) -> (String, String, String) {
    assert_eq!(r.visits[2].uscc, "92140623MA0NT5L54D");
    assert_eq!(r.visits[3].uscc, "91140623MA0PRX2D61");
    (
        r.visits[2].uscc.clone(),
        "14062301012".to_string(),
        r.visits[3].uscc.clone(),
    )
}

fn vector() -> (Dataset, DrawResult, Revision) {
    let (ds, r) = sample();
    let (entity, cert, visit) = vector_disqualifications(&r);
    let rev = revise(
        &ds,
        &r,
        &[],
        &[
            dq(Subject::Officer, &cert, Some(&visit), Reason::SickLeave, 2),
            dq(Subject::Entity, &entity, None, Reason::Deregistered, 3),
        ],
        "disqualify.csv",
    )
    .unwrap();
    (ds, r, rev)
}

#[test]
fn revision_two_changes_only_the_affected_place_and_slot() {
    let (ds, r, rev) = vector();
    let (entity, cert, officer_visit) = vector_disqualifications(&r);
    assert_eq!(rev.revision, 2);
    assert_eq!(rev.previous, previous_hash(&r, &[]));
    assert_eq!(rev.substitutions, 2);
    assert_eq!(rev.entities.len(), 1);
    assert_eq!(rev.officers.len(), 1);
    let after = current_visits(&r, std::slice::from_ref(&rev));
    assert_eq!(after.len(), r.visits.len());
    let mut changed = Vec::new();
    for (i, (a, b)) in r.visits.iter().zip(&after).enumerate() {
        if a != b {
            changed.push(i);
        }
    }
    let officer_index = r
        .visits
        .iter()
        .position(|v| v.uscc == officer_visit)
        .unwrap();
    let mut want = vec![2, officer_index];
    want.sort();
    assert_eq!(
        changed, want,
        "only the stratum place and the team slot change"
    );
    // the place: same task and stratum, the next ticket beyond the drawn
    let (old, new) = (&r.visits[2], &after[2]);
    assert_eq!(old.uscc, entity);
    assert_ne!(new.uscc, entity);
    assert_eq!(new.selections.len(), 1);
    assert_eq!(new.selections[0].task, old.selections[0].task);
    assert_eq!(new.selections[0].stratum, old.selections[0].stratum);
    let task = r
        .tasks
        .iter()
        .find(|t| t.key == old.selections[0].task)
        .unwrap();
    let row = task
        .allocation
        .iter()
        .find(|a| a.stratum == old.selections[0].stratum)
        .unwrap();
    assert_eq!(new.selections[0].rank, row.drawn + 1, "the next ticket");
    assert!(new.selections[0].ticket > old.selections[0].ticket);
    for t in &new.teams {
        assert_eq!(t.officers.len(), ds.plan().rules.team_size as usize);
    }
    // the slot: one team, one member
    let (a, b) = (&r.visits[officer_index], &after[officer_index]);
    let diffs: Vec<usize> = (0..a.teams.len())
        .filter(|&t| a.teams[t] != b.teams[t])
        .collect();
    assert_eq!(diffs.len(), 1);
    let c = &rev.officers[0];
    assert_eq!(c.replaced.cert_no, cert);
    assert_eq!(c.uscc, officer_visit);
    assert_eq!(diffs[0], c.team as usize);
    let (ta, tb) = (&a.teams[diffs[0]], &b.teams[diffs[0]]);
    let kept: Vec<_> = ta.officers.iter().filter(|o| o.cert_no != cert).collect();
    assert_eq!(kept.len(), ds.plan().rules.team_size as usize - 1);
    assert!(kept.iter().all(|o| tb.officers.contains(o)));
    assert!(
        tb.officers
            .iter()
            .any(|o| o.cert_no == c.substitute.cert_no)
    );
    assert!(
        !ta.officers
            .iter()
            .any(|o| o.cert_no == c.substitute.cert_no)
    );
    // the exact values of the vector
    assert_eq!(new.uscc, "91140623MA0DW0RT2G");
    assert_eq!(new.selections[0].rank, 3);
    assert_eq!(c.substitute.cert_no, "14062301007");
    // deterministic: again, the same bytes
    let (_, _, again) = vector();
    assert_eq!(rev.to_bytes(), again.to_bytes());
}

/// The exact bytes of revision 2 (`SSJ_BLESS=1` rewrites the file).
#[test]
fn revision_two_vector_bytes() {
    let (_, r, rev) = vector();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/revision/");
    let path = format!("{dir}{}", file_name(2));
    if std::env::var_os("SSJ_BLESS").is_some() {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(&path, rev.to_bytes()).unwrap();
        std::fs::write(
            format!("{dir}result.json"),
            format!("{}\n", r.to_canonical_json()),
        )
        .unwrap();
    }
    let want = std::fs::read(&path).unwrap();
    assert_eq!(
        String::from_utf8(rev.to_bytes()).unwrap(),
        String::from_utf8(want).unwrap()
    );
    let parsed = Revision::from_json(std::str::from_utf8(&rev.to_bytes()).unwrap()).unwrap();
    assert_eq!(parsed, rev);
}

fn input_errors(e: shuangsuiji::Error) -> Vec<String> {
    match e.kind() {
        ErrorKind::Input { diagnostics } => diagnostics.iter().map(|d| d.to_string()).collect(),
        other => panic!("not an input error: {other}"),
    }
}

#[test]
fn refusals_name_the_line_and_why() {
    let (ds, r, rev) = vector();
    let (entity, cert, officer_visit) = vector_disqualifications(&r);
    let sub = rev.entities[0].visit.uscc.clone();
    let undrawn = ds
        .entities()
        .iter()
        .find(|e| !r.visits.iter().any(|v| v.uscc == e.uscc) && e.uscc != sub)
        .unwrap()
        .uscc
        .clone();
    // no ping-pong: the same entity again, an officer out for the period
    // again, a reason for the wrong kind, an entity with no visit
    let e = revise(
        &ds,
        &r,
        std::slice::from_ref(&rev),
        &[
            dq(Subject::Entity, &entity, None, Reason::Deregistered, 2),
            dq(
                Subject::Officer,
                &cert,
                Some(&officer_visit),
                Reason::Transferred,
                3,
            ),
            dq(Subject::Entity, &sub, None, Reason::SickLeave, 4),
            dq(Subject::Entity, &undrawn, None, Reason::MovedAway, 5),
        ],
        "d.csv",
    )
    .unwrap_err();
    let got = input_errors(e);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(got[0].contains("d.csv:2"), "{}", got[0]);
    assert!(
        got[0].ends_with(&format!(
            "entity {entity} was disqualified by an earlier revision"
        )),
        "{}",
        got[0]
    );
    assert!(got[1].ends_with(&format!("officer {cert} was disqualified for the visit to {officer_visit} by an earlier revision")), "{}", got[1]);
    assert!(got[2].contains("d.csv:4: reason"), "{}", got[2]);
    assert!(got[2].ends_with("sick_leave (病假) is not a reason for an entity; use one of: deregistered (注销), moved_away (迁出)"), "{}", got[2]);
    assert!(
        got[3].ends_with(&format!(
            "entity {undrawn} has no visit in the current result"
        )),
        "{}",
        got[3]
    );
}

#[test]
fn a_third_revision_chains_and_the_cap_binds() {
    let (ds, r, rev) = vector();
    let sub = rev.entities[0].visit.uscc.clone();
    // the substitute itself may be disqualified later; its own substitute
    // is the next ticket again, never the first one back
    let d = [dq(Subject::Entity, &sub, None, Reason::MovedAway, 2)];
    let rev3 = revise(&ds, &r, std::slice::from_ref(&rev), &d, "d.csv").unwrap();
    assert_eq!(rev3.revision, 3);
    assert_eq!(rev3.previous, previous_hash(&r, std::slice::from_ref(&rev)));
    assert_eq!(rev3.substitutions, 3);
    let third = &rev3.entities[0].visit;
    assert_ne!(third.uscc, rev.entities[0].replaced);
    assert_eq!(
        third.selections[0].rank,
        rev.entities[0].visit.selections[0].rank + 1
    );
    // a cap of 2 (the same plan with `max_substitutions = 2`; a dataset
    // cannot be edited after loading): the third substitution is refused
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let text = std::fs::read_to_string(format!("{dir}plan.toml"))
        .unwrap()
        .replace(
            "stratify = \"region\"",
            "stratify = \"region\"\nmax_substitutions = 2",
        );
    let capped = Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    })
    .unwrap();
    assert_eq!(capped.plan().rules.max_substitutions, Some(2));
    let e = revise(&capped, &r, std::slice::from_ref(&rev), &d, "d.csv").unwrap_err();
    assert_eq!(
        input_errors(e),
        [
            "d.csv: error: the plan allows at most 2 substitutions (rules.max_substitutions); earlier revisions made 2 and this one would make 1"
        ]
    );
}

/// When no officer can take the place, the revision is refused and the
/// message names the binding constraint: in the sample, every other
/// officer of 植物检疫 covering 杨千河乡 is at the load cap of 12.
#[test]
fn no_substitute_officer_names_the_binding_constraint() {
    let (ds, r) = sample();
    let e = revise(
        &ds,
        &r,
        &[],
        &[dq(
            Subject::Officer,
            "14062303008",
            None,
            Reason::Transferred,
            2,
        )],
        "d.csv",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the rules cannot be satisfied: item YYLY-06, 92140623MA085PGYX9 右玉县沙棘塞上苗圃 (杨千河乡): \
         no substitute officer: none meets all of: of 右玉县林业局（虚构示例）; active with a certificate \
         valid on 2026-10-09; certified for 植物检疫; covering 杨千河乡; not in a conflict pair (回避) \
         with the entity; not on the entity's last inspection (rotation); not disqualified; not already \
         on this visit; below the load cap of 12 visits (officer_max_load)"
    );
}

/// `rules.max_substitutions` enters the plan's canonical JSON (and digest)
/// only when set: the sample without it keeps its digest.
#[test]
fn max_substitutions_is_in_the_plan_digest_only_when_set() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    let open =
        |name: &str| Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>);
    let plain = Dataset::load("plan.toml", &text, open).unwrap();
    assert_eq!(
        plain.digests().plan,
        "b48496eb7d58a2d480fddced710e4aaf34f6344f5f7d3518ecb7b0565885525b"
    );
    let capped_text = text.replace(
        "stratify = \"region\"",
        "stratify = \"region\"\nmax_substitutions = 1",
    );
    assert_ne!(capped_text, text);
    let capped = Dataset::load("plan.toml", &capped_text, open).unwrap();
    assert_eq!(capped.plan().rules.max_substitutions, Some(1));
    // the same digest as tools/ssj_verify.py computes for this plan
    assert_eq!(
        capped.digests().plan,
        "d3ff401d2e57b5e34b1dda00d82e67a6ff6288b76e5315c87c1cb8ed26752bf3"
    );
}
