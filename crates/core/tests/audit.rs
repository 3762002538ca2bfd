//! The audit trail in the library: journal chain, commitment, result
//! comparison, seed strength and explanations, on the sample.

use std::io::Read;

use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::journal::{
    JournalBreak, JournalOutcome, JournalRecord, append_entry, verify_journal,
};
use shuangsuiji::verify::{DifferenceKind, compare_results, explain};
use shuangsuiji::{Commitment, Dataset, SeedStrength};

const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";

fn sample() -> Dataset {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

/// The sample with its files' text edited by `edit(name, text)`.
fn sample_edited(edit: impl Fn(&str, String) -> String) -> Dataset {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    let read = |name: &str| {
        edit(
            name,
            std::fs::read_to_string(format!("{dir}{name}")).unwrap(),
        )
    };
    let text = read("plan.toml");
    Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::io::Cursor::new(read(name).into_bytes())) as Box<dyn Read>)
    })
    .unwrap()
}

fn record(seed: &str) -> JournalRecord {
    JournalRecord {
        time: "2026-10-09T02:00:00Z".into(),
        command: "draw".into(),
        plan_id: Some("YYLY-2026-Q4".into()),
        seed: Some(seed.into()),
        digests: None,
        outcome: JournalOutcome::Ok,
        output: Some("ab".repeat(32)),
        error: None,
        note: None,
        bundle: None,
    }
}

fn journal(n: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut head = None;
    for i in 0..n {
        let (line, e) = append_entry(head.as_ref(), record(&i.to_string()));
        head = Some(shuangsuiji::journal::JournalHead {
            seq: e.seq,
            hash: e.hash,
        });
        lines.push(line);
    }
    lines
}

fn check(lines: &[String]) -> Result<usize, (u64, JournalBreak)> {
    verify_journal(lines.concat().as_bytes())
        .map(|r| r.entries.len())
        .map_err(|e| (e.line, e.problem))
}

#[test]
fn journal_chain_names_the_first_broken_entry() {
    let lines = journal(4);
    assert_eq!(check(&lines), Ok(4));
    assert_eq!(check(&[]), Ok(0));
    // edited value
    let mut l = lines.clone();
    l[2] = l[2].replace("\"seed\":\"2\"", "\"seed\":\"7\"");
    assert_eq!(check(&l), Err((3, JournalBreak::Hash)));
    // an added key is an edit too
    let mut l = lines.clone();
    l[1] = l[1].replacen('{', "{\"approved\":true,", 1);
    assert_eq!(check(&l), Err((2, JournalBreak::Hash)));
    // deleted
    let mut l = lines.clone();
    l.remove(1);
    assert_eq!(
        check(&l),
        Err((
            2,
            JournalBreak::Sequence {
                expected: 2,
                found: 3
            }
        ))
    );
    // reordered
    let mut l = lines.clone();
    l.swap(2, 3);
    assert_eq!(
        check(&l),
        Err((
            3,
            JournalBreak::Sequence {
                expected: 3,
                found: 4
            }
        ))
    );
    // an entry pointing elsewhere than its predecessor
    let mut l = lines.clone();
    let mut e: serde_json::Value = serde_json::from_str(&l[2]).unwrap();
    e["prev"] = serde_json::Value::from("00".repeat(32));
    l[2] = format!("{e}\n");
    assert_eq!(check(&l), Err((3, JournalBreak::Chain)));
    // not JSON
    let mut l = lines;
    l[0] = "garbage\n".into();
    assert!(matches!(
        check(&l),
        Err((1, JournalBreak::Malformed { .. }))
    ));
}

#[test]
fn commitment_names_what_changed() {
    let ds = sample();
    let c = Commitment::new(&ds);
    let back = Commitment::from_json(&c.to_canonical_json()).unwrap();
    assert_eq!(back, c);
    assert!(c.diff(&ds).is_empty());
    // the same folder with one rule changed in the plan
    let other = sample_edited(|name, text| {
        if name == "plan.toml" {
            text.replace("cooldown_days = 365", "cooldown_days = 1")
        } else {
            text
        }
    });
    let d = c.diff(&other);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].what, "plan.rules");
    // one officer's certificate date and one conflict pair changed
    let other = sample_edited(|name, text| match name {
        "officers.csv" => text.replace(",2028-12-31,", ",2028-12-30,"),
        "conflicts.csv" => text.replace(
            "14062301001,93140623MA0NB1R885",
            "14062301002,93140623MA0NB1R885",
        ),
        _ => text,
    });
    let names: Vec<String> = c.diff(&other).into_iter().map(|d| d.what).collect();
    assert_eq!(names, ["officers", "conflicts"]);
    let r = draw_unchecked(&ds, SEED).unwrap();
    assert!(c.check_result(&r).is_empty());
}

#[test]
fn comparison_finds_the_first_difference() {
    let ds = sample();
    let r = draw_unchecked(&ds, SEED).unwrap();
    let ok = compare_results(&r, &r);
    assert!(ok.is_match());
    assert_eq!(ok.visits_confirmed, r.visits.len());
    // engine_version is informative only
    let mut p = r.clone();
    p.engine_version = "9.9.9".into();
    assert!(compare_results(&p, &r).is_match());

    let mut p = r.clone();
    p.visits[7].teams[0].officers[0].cert_no = "X".into();
    let c = compare_results(&p, &r);
    let d = c.difference.unwrap();
    assert_eq!(d.kind, DifferenceKind::Officer);
    assert!(d.location.starts_with("visit 8 ("), "{}", d.location);
    assert_eq!(c.visits_confirmed, 7);

    let mut p = r.clone();
    p.visits[2].uscc = "X".into();
    assert_eq!(
        compare_results(&p, &r).difference.unwrap().kind,
        DifferenceKind::Entity
    );
    let mut p = r.clone();
    p.seed.normalized = "1".into();
    assert_eq!(
        compare_results(&p, &r).difference.unwrap().kind,
        DifferenceKind::Seed
    );
    let mut p = r.clone();
    p.visits.pop();
    assert_eq!(
        compare_results(&p, &r).difference.unwrap().kind,
        DifferenceKind::VisitCount
    );
    let mut p = r.clone();
    p.tasks[3].allocation[0].drawn += 1;
    assert_eq!(
        compare_results(&p, &r).difference.unwrap().kind,
        DifferenceKind::Task
    );
}

#[test]
fn seed_strength_of_the_sample() {
    let ds = sample();
    let r = draw_unchecked(&ds, SEED).unwrap();
    let s = SeedStrength::of(&r);
    assert_eq!(s.bits, 99);
    assert_eq!(s.required, 96);
    assert!(s.is_enough());
    let weak = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
    assert!(!SeedStrength::of(&weak).is_enough());
}

#[test]
fn explanations_agree_with_the_draw() {
    let ds = sample();
    let r = draw_unchecked(&ds, SEED).unwrap();
    // every drawn entity: drawn, rank within n_h, cut-off at or above its ticket
    for v in r.visits.iter().step_by(7) {
        let x = explain(&ds, &r, &v.uscc).unwrap();
        for s in &v.selections {
            let t = x.tasks.iter().find(|t| t.task == s.task).unwrap();
            assert!(t.drawn && t.eligible);
            assert_eq!(t.rank, Some(s.rank));
            assert_eq!(t.ticket, s.ticket);
            assert!(t.ticket <= *t.cutoff.as_ref().unwrap());
            assert_eq!(t.teams, v.teams);
        }
    }
    // every entity: drawn exactly when its rank is within n_h
    for e in ds.entities().iter().step_by(13) {
        let x = explain(&ds, &r, &e.uscc).unwrap();
        for t in &x.tasks {
            if t.eligible {
                assert_eq!(t.drawn, t.rank.unwrap() <= t.drawn_in_stratum.unwrap());
            } else {
                assert!(!t.drawn && t.reason.is_some() && t.detail.is_some());
            }
        }
    }
    // a result of other inputs is refused
    let mut other = r.clone();
    other.digests.entities = "0".repeat(64);
    assert!(explain(&ds, &other, &ds.entities()[0].uscc).is_err());
}

#[test]
fn foreign_or_padded_files_are_refused_with_a_position() {
    let c = Commitment::new(&sample());
    let json = c.to_canonical_json();
    let e =
        Commitment::from_json(&json.replace("ssj-commitment-v1", "xyz-commitment-v1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "format is 'xyz-commitment-v1', not 'ssj-commitment-v1': not a shuangsuiji commitment"
    );
    let e = Commitment::from_json(&json.replacen('{', "{\"extra\":1,", 1)).unwrap_err();
    assert!(e.to_string().starts_with("unknown field `extra`"), "{e}");
    assert_eq!((e.line(), e.column() > 0), (1, true));
}
