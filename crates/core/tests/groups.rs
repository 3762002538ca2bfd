//! Per-group ratios inside an item (SPEC.md §6.1): a task gives ratios per
//! value of a registry column (`types`, `industry`, `region`); each value
//! is a ratio group. The streaming draw (the path `ssj draw` uses) gives
//! the same bytes as the in-memory draw; refusals name the line and field.

use std::collections::BTreeMap;
use std::io::{self, Cursor, Read};

use shuangsuiji::draw::{draw_streaming, draw_unchecked};
use shuangsuiji::load::load_streaming;
use shuangsuiji::synthetic::{self, SynthSpec};
use shuangsuiji::{Dataset, DrawResult, LoadOptions};

type Files = BTreeMap<String, Vec<u8>>;

fn opener<'f>(files: &'f Files) -> impl FnMut(&str) -> io::Result<Box<dyn Read + 'f>> + 'f {
    move |name: &str| match files.get(name) {
        Some(b) => Ok(Box::new(Cursor::new(b.as_slice())) as Box<dyn Read + 'f>),
        None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
    }
}

/// A synthetic folder of 3000 entities.
fn folder() -> Files {
    let spec = SynthSpec::new(3000, "groups");
    let mut f = Files::new();
    let mut b = Vec::new();
    synthetic::write_items(&spec, &mut b).unwrap();
    f.insert("items.csv".into(), std::mem::take(&mut b));
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

/// The synthetic plan with its tasks replaced by `tasks`.
fn plan(tasks: &str) -> String {
    let spec = SynthSpec::new(3000, "groups");
    let p = synthetic::plan_toml(&spec);
    let head = p.split("[[tasks]]").next().unwrap().to_string();
    format!("{head}{tasks}")
}

/// The in-memory draw, checked against the streaming draw byte for byte.
fn draw(plan: &str, files: &Files, seed: &str) -> DrawResult {
    let ds = Dataset::load("plan.toml", plan, opener(files)).unwrap_or_else(|e| panic!("{e}"));
    let r = draw_unchecked(&ds, seed).unwrap_or_else(|e| panic!("{e}"));
    for (threads, expected) in [(1, None), (2, Some(ds.digests()))] {
        let opts = LoadOptions {
            threads,
            spill: None,
            stats: None,
        };
        let s = draw_streaming("plan.toml", plan, opener(files), seed, expected, opts)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        s.write_canonical_json(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r.to_canonical_json());
    }
    r
}

/// (eligible, drawn, ratio) per value group of task `t`.
fn groups(r: &DrawResult, t: usize) -> BTreeMap<String, (u64, u64, String)> {
    let mut out: BTreeMap<String, (u64, u64, String)> = BTreeMap::new();
    for a in &r.tasks[t].allocation {
        if let Some(g) = &a.group {
            let e = out.entry(g.clone()).or_insert((0, 0, a.ratio.clone()));
            e.0 += a.base;
            e.1 += a.drawn;
        }
    }
    out
}

const TASKS: &str = r#"
[[tasks]]
items = ["S-01"]
group_by = "industry"
group_ratios = { "批发零售" = "30%", "制造业" = "2%" }

[[tasks]]
items = ["S-02"]
group_by = "types"
group_ratios = { "食品经营者" = "40%", "特种设备使用单位" = "3%", "餐饮服务提供者" = "25%", "食品生产者" = "25%" }

[[tasks]]
items = ["S-03"]
"#;

#[test]
fn streaming_equals_in_memory_with_groups() {
    let files = folder();
    for seed in ["groups 1", "groups 2", "groups 3"] {
        let r = draw(&plan(TASKS), &files, seed);
        // every group's count is its own ceil(r_g × N_g) (no min/max here
        // moves the total), and groups appear in the allocation
        let g = groups(&r, 0);
        assert!(!g.is_empty(), "{g:?}");
        for (v, (n, d, ratio)) in &g {
            let want = match (v.as_str(), ratio.as_str()) {
                ("批发零售", "0.3") => (n * 3).div_ceil(10),
                ("制造业", "0.02") => (n * 2).div_ceil(100),
                other => panic!("{other:?}"),
            };
            assert_eq!(*d, want, "{v}: {n}");
        }
        let g = groups(&r, 1);
        assert!(!g.is_empty(), "{g:?}");
    }
}

#[test]
fn streaming_equals_in_memory_for_a_grouped_batch() {
    let files = folder();
    let tasks = r#"
[[tasks]]
items = ["S-01"]
batch = "2/4"
group_by = "industry"
group_ratios = { "批发零售" = "30%" }
"#;
    let r = draw(&plan(tasks), &files, "groups batch");
    assert!(r.tasks[0].batch.is_some());
    assert!(!groups(&r, 0).is_empty());
}

#[test]
fn group_keys_enter_the_plan_json_only_when_set() {
    let files = folder();
    let ds = |tasks: &str| {
        Dataset::load("plan.toml", &plan(tasks), opener(&files)).unwrap_or_else(|e| panic!("{e}"))
    };
    let plain = ds("[[tasks]]\nitems = [\"S-01\"]\n");
    let json = shuangsuiji::commit::digest::plan_canonical_json(plain.plan());
    assert!(!json.contains("group"), "{json}");
    let g = ds(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"region\"\ngroup_ratios = { \" 某区 \" = \"50%\" }\n",
    );
    let json = shuangsuiji::commit::digest::plan_canonical_json(g.plan());
    assert!(
        json.contains("\"group_by\":\"region\",\"group_ratios\":{\"某区\":\"0.5\"}"),
        "{json}"
    );
    // a value no entity has: a warning with the line and field
    let w: Vec<String> = g
        .warnings()
        .iter()
        .filter(|d| d.to_string().contains("group_ratios"))
        .map(|d| d.to_string())
        .collect();
    let line = task_line();
    assert_eq!(
        w,
        [format!(
            "plan.toml:{line}: tasks[1].group_ratios: warning: no entity in entities.csv has region '某区': the ratio of this group draws nothing"
        )]
    );
}

/// The streamed registry warns of exactly the group values no entity has:
/// every region of the registry (seen by either worker, first or later)
/// is known, and the in-memory load agrees.
#[test]
fn streamed_regions_warn_only_of_an_absent_value() {
    let files = folder();
    let text = String::from_utf8(files["entities.csv"].clone()).unwrap();
    let mut rows = text.lines();
    let head: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == "region").unwrap();
    let regions: std::collections::BTreeSet<&str> =
        rows.map(|r| r.split(',').nth(col).unwrap()).collect();
    assert!(regions.len() > 10, "{regions:?}");
    let mut ratios: Vec<String> = regions
        .iter()
        .map(|r| format!("\"{r}\" = \"50%\""))
        .collect();
    ratios.push("\"某区\" = \"50%\"".into());
    let tasks = format!(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"region\"\ngroup_ratios = {{ {} }}\n",
        ratios.join(", ")
    );
    let plan = plan(&tasks);
    let warned = |ds: &Dataset| -> Vec<String> {
        ds.warnings()
            .iter()
            .filter(|d| d.to_string().contains("group_ratios"))
            .map(|d| d.to_string())
            .collect()
    };
    let expected = [format!(
        "plan.toml:{}: tasks[1].group_ratios: warning: no entity in entities.csv has region '某区': the ratio of this group draws nothing",
        task_line()
    )];
    let memory =
        Dataset::load("plan.toml", &plan, opener(&files)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(warned(&memory), expected);
    for threads in [1, 2] {
        let opts = LoadOptions {
            threads,
            spill: None,
            stats: None,
        };
        let streamed = load_streaming("plan.toml", &plan, opener(&files), opts)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(warned(&streamed), expected, "threads {threads}");
    }
}

/// The line diagnostics of the first task name: its `items` line, the
/// one after the `[[tasks]]` header.
fn task_line() -> usize {
    let p = plan("[[tasks]]\n");
    p[..p.find("[[tasks]]").unwrap()].matches('\n').count() + 2
}

fn errors(tasks: &str) -> Vec<String> {
    let files = folder();
    Dataset::load("plan.toml", &plan(tasks), opener(&files))
        .expect_err("expected a refusal")
        .diagnostics()
        .expect("an input error")
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn bad_groups_are_refused_with_the_line() {
    let line = task_line();
    let e = errors("[[tasks]]\nitems = [\"S-01\"]\ngroup_ratios = { \"A\" = \"5%\" }\n");
    assert_eq!(
        e,
        [format!(
            "plan.toml:{line}: tasks[1].group_by: error: task 1 gives group_ratios without group_by; state the registry column they are values of: group_by = \"types\", \"industry\" or \"region\""
        )]
    );
    let e = errors("[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"types\"\n");
    assert_eq!(
        e,
        [format!(
            "plan.toml:{line}: tasks[1].group_ratios: error: task 1 states group_by = \"types\" without group_ratios; give a ratio per value, e.g. group_ratios = {{ \"三级\" = \"50%\" }}"
        )]
    );
    let e = errors(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"types\"\ngroup_ratios = { \"三级\" = \"50%\", \" 三级\" = \"30%\" }\n",
    );
    assert_eq!(
        e,
        [format!(
            "plan.toml:{line}: tasks[1].group_ratios: error: task 1: group_ratios names the value '三级' twice (' 三级' and '三级')"
        )]
    );
    let e = errors(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"types\"\ngroup_ratios = { \" \" = \"50%\" }\n",
    );
    assert_eq!(
        e,
        [format!(
            "plan.toml:{line}: tasks[1].group_ratios: error: task 1: a value of group_ratios is empty"
        )]
    );
    let e = errors(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"grade\"\ngroup_ratios = { \"三级\" = \"50%\" }\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("unknown variant `grade`, expected one of `types`, `industry`, `region`"),
        "{e:?}"
    );
    let e = errors(
        "[[tasks]]\nitems = [\"S-01\"]\ngroup_by = \"types\"\ngroup_ratios = { \"三级\" = \"0%\" }\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("ratio '0%' must be greater than 0"), "{e:?}");
}
