//! Annual ratios drawn in batches (SPEC.md §6.5): a year of four quarterly
//! batches, each drawn after the earlier ones were appended to the history,
//! reaches the annual ratio exactly, group by group, and never draws an
//! entity twice for the item. The streaming draw gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Cursor, Read};

use shuangsuiji::draw::{draw_streaming, draw_unchecked};
use shuangsuiji::synthetic::{self, SynthSpec};
use shuangsuiji::{Dataset, DrawResult, LoadOptions};

type Files = BTreeMap<String, Vec<u8>>;

fn opener<'f>(files: &'f Files) -> impl FnMut(&str) -> io::Result<Box<dyn Read + 'f>> + 'f {
    move |name: &str| match files.get(name) {
        Some(b) => Ok(Box::new(Cursor::new(b.as_slice())) as Box<dyn Read + 'f>),
        None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
    }
}

/// A synthetic folder (2000 entities, item S-01 at 10%, class ratios C 5%
/// and D 20%, no cool-down and no yearly cap so that the year's base does
/// not move), and its plan with `extra` in the one task of S-01 for the
/// period `start`..`end`.
fn folder() -> Files {
    let spec = SynthSpec::new(2000, "batches");
    let mut f = Files::new();
    let mut b = Vec::new();
    synthetic::write_items(&spec, &mut b).unwrap();
    let items = String::from_utf8(std::mem::take(&mut b)).unwrap();
    // S-01 at 10% (synth writes 1%)
    let items: String = items
        .lines()
        .map(|l| {
            if l.starts_with("S-01,") {
                l.replacen(",1%,", ",10%,", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert!(items.contains(",10%,"), "{items}");
    f.insert("items.csv".into(), items.into_bytes());
    synthetic::write_officers(&spec, &mut b).unwrap();
    f.insert("officers.csv".into(), std::mem::take(&mut b));
    synthetic::write_entities(&spec, &mut b).unwrap();
    f.insert("entities.csv".into(), std::mem::take(&mut b));
    synthetic::write_history(&spec, &mut b).unwrap();
    f.insert("history.csv".into(), std::mem::take(&mut b));
    synthetic::write_conflicts(&spec, &mut b).unwrap();
    f.insert("conflicts.csv".into(), b);
    f
}

fn plan(start: &str, end: &str, extra: &str) -> String {
    let spec = SynthSpec::new(2000, "batches");
    let p = synthetic::plan_toml(&spec);
    let head = p.split("[[tasks]]").next().unwrap().to_string();
    let head = head
        .replace(
            "period_start = 2026-10-01",
            &format!("period_start = {start}"),
        )
        .replace("period_end = 2026-12-31", &format!("period_end = {end}"))
        .replace("max_per_year = 2\n", "")
        .replace("cooldown_days = 365", "cooldown_days = 0");
    assert!(head.contains(&format!("period_start = {start}")), "{head}");
    format!("{head}[[tasks]]\nitems = [\"S-01\"]\n{extra}\n")
}

/// The in-memory draw, checked against the streaming draw byte for byte.
fn draw(plan: &str, files: &Files, seed: &str) -> (Dataset, DrawResult) {
    let ds = Dataset::load("plan.toml", plan, opener(files)).unwrap_or_else(|e| panic!("{e}"));
    let r = draw_unchecked(&ds, seed).unwrap_or_else(|e| panic!("{e}"));
    for expected in [None, Some(ds.digests())] {
        let opts = LoadOptions {
            threads: 2,
            spill: None,
            stats: None,
        };
        let s = draw_streaming("plan.toml", plan, opener(files), seed, expected, opts)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        s.write_canonical_json(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r.to_canonical_json());
    }
    (ds, r)
}

/// The history lines of a result: one per (visit, item), dated `date`.
fn history_lines(r: &DrawResult, date: &str) -> String {
    let mut out = String::new();
    for v in &r.visits {
        let offs: Vec<&str> = v
            .teams
            .iter()
            .flat_map(|t| t.officers.iter().map(|o| o.cert_no.as_str()))
            .collect();
        for it in &v.items {
            out.push_str(&format!("{},{it},{date},{}\n", v.uscc, offs.join(";")));
        }
    }
    out
}

/// Drawn entities per ratio group (class letter, "" for the default).
fn by_group(r: &DrawResult) -> BTreeMap<String, u64> {
    let mut g = BTreeMap::new();
    for a in &r.tasks[0].allocation {
        *g.entry(a.class.clone().unwrap_or_default()).or_default() += a.drawn;
    }
    g
}

const QUARTERS: [(&str, &str, &str); 4] = [
    (
        "2026-01-01",
        "2026-03-31",
        "38 17 05 92 64 11 73 28 49 06 51 84 27 93 60",
    ),
    (
        "2026-04-01",
        "2026-06-30",
        "12 45 78 90 23 56 89 01 34 67 98 76 54 32 10",
    ),
    (
        "2026-07-01",
        "2026-09-30",
        "55 21 87 43 09 66 32 78 14 90 27 63 81 05 49",
    ),
    (
        "2026-10-01",
        "2026-12-31",
        "70 36 02 58 94 41 17 83 29 65 08 52 96 31 74",
    ),
];

fn year(batch_key: impl Fn(usize) -> String) -> (Vec<DrawResult>, DrawResult) {
    let mut files = folder();
    // the ordinary draw of the whole year: its count is the annual target
    let (_, whole) = draw(&plan("2026-01-01", "2026-12-31", ""), &files, QUARTERS[0].2);
    let mut results = Vec::new();
    for (k, (start, end, seed)) in QUARTERS.iter().enumerate() {
        let (_, r) = draw(&plan(start, end, &batch_key(k)), &files, seed);
        let h = files.get_mut("history.csv").unwrap();
        h.extend_from_slice(history_lines(&r, start).as_bytes());
        results.push(r);
    }
    (results, whole)
}

fn check_year(results: &[DrawResult], whole: &DrawResult) {
    let target = whole.tasks[0].total;
    assert!(target > 40, "a year worth batching: {target}");
    let mut seen = BTreeSet::new();
    let mut earlier = 0;
    let mut groups: BTreeMap<String, u64> = BTreeMap::new();
    for (k, r) in results.iter().enumerate() {
        let t = &r.tasks[0];
        let b = t
            .batch
            .as_ref()
            .expect("a batch task records its year figures");
        assert_eq!(b.year, target, "batch {}", k + 1);
        assert_eq!(b.earlier, earlier, "batch {}", k + 1);
        assert_eq!(t.total, b.through - b.earlier, "batch {}", k + 1);
        assert_eq!(
            t.exclusions.excluded.get("drawn").copied().unwrap_or(0),
            earlier
        );
        for v in &r.visits {
            assert!(seen.insert(v.uscc.clone()), "{} drawn twice", v.uscc);
        }
        for (g, n) in by_group(r) {
            *groups.entry(g).or_default() += n;
        }
        earlier += t.total;
    }
    // the year reaches the annual ratio exactly, group by group
    assert_eq!(earlier, target);
    assert_eq!(seen.len() as u64, target);
    assert_eq!(groups, by_group(whole));
}

#[test]
fn four_quarterly_batches_reach_the_annual_ratio_once_each() {
    let (results, whole) = year(|k| format!("batch = \"{}/4\"", k + 1));
    check_year(&results, &whole);
    let totals: Vec<u64> = results.iter().map(|r| r.tasks[0].total).collect();
    let throughs: Vec<u64> = results
        .iter()
        .map(|r| r.tasks[0].batch.as_ref().unwrap().through)
        .collect();
    // cumulative targets, not per-batch rounding: they grow to the target
    assert_eq!(throughs.last(), Some(&whole.tasks[0].total));
    assert!(throughs.windows(2).all(|w| w[0] <= w[1]), "{throughs:?}");
    assert_eq!(totals.iter().sum::<u64>(), whole.tasks[0].total);
    // the result records the batch only for batch tasks
    assert!(whole.tasks[0].batch.is_none());
    assert!(!whole.to_canonical_json().contains("\"batch\""));
    assert!(
        results[1]
            .to_canonical_json()
            .contains("\"batch\":{\"earlier\":")
    );
}

#[test]
fn year_shares_of_unequal_batches_reach_it_too() {
    let shares = ["10%", "40%", "70%", "100%"];
    let (results, whole) = year(|k| format!("year_share = \"{}\"", shares[k]));
    check_year(&results, &whole);
    assert_eq!(results[0].tasks[0].batch.as_ref().unwrap().share, "0.1");
}

#[test]
fn batch_keys_enter_the_plan_json_only_when_set() {
    let files = folder();
    let ds = |extra: &str| {
        Dataset::load(
            "plan.toml",
            &plan("2026-01-01", "2026-03-31", extra),
            opener(&files),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let plain = ds("");
    let json = shuangsuiji::commit::digest::plan_canonical_json(plain.plan());
    assert!(
        !json.contains("batch") && !json.contains("year_share"),
        "{json}"
    );
    let b = shuangsuiji::commit::digest::plan_canonical_json(ds("batch = \" ２／４ \"").plan());
    assert!(b.contains("\"batch\":\"2/4\""), "{b}");
    let s = shuangsuiji::commit::digest::plan_canonical_json(ds("year_share = \"60%\"").plan());
    assert!(s.contains("\"year_share\":\"0.6\""), "{s}");
}

fn errors(extra: &str) -> Vec<String> {
    let files = folder();
    Dataset::load(
        "plan.toml",
        &plan("2026-01-01", "2026-03-31", extra),
        opener(&files),
    )
    .expect_err("expected a refusal")
    .diagnostics()
    .expect("an input error")
    .iter()
    .filter(|d| d.is_error())
    .map(|d| d.to_string())
    .collect()
}

#[test]
fn bad_batches_are_refused_with_the_line() {
    let line = |extra: &str| plan("2026-01-01", "2026-03-31", extra).lines().count();
    let e = errors("batch = \"5/4\"");
    assert_eq!(
        e,
        [format!(
            "plan.toml:{}: error: batch '5/4' is not k/n with 1 ≤ k ≤ n ≤ 1000 (e.g. \"2/4\": the second of four batches of the year)",
            line("x")
        )]
    );
    let e = errors("batch = \"1/4\"\nyear_share = \"25%\"");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e,
        [format!(
            "plan.toml:{}: tasks[1].year_share: error: task 1 states both batch and year_share; state one",
            line("x") - 1
        )]
    );
    let e = errors("year_share = \"0%\"");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("ratio '0%' must be greater than 0"), "{e:?}");
}
