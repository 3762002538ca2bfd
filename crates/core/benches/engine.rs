//! Criterion benchmarks of the engine's parts (timings live here, never in
//! tests): ticket computation, per-stratum selection, officer assignment
//! (10^4 officers, 10^5 visits) and loading (in memory and streaming).
//!
//! `cargo bench -p shuangsuiji --bench engine`; province-scale end-to-end
//! runs are `benches/scale.sh` (BENCHMARKS.md).
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::{Cursor, Read};

use criterion::{Criterion, criterion_group, criterion_main};
use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::draw::keys::{task_key, ticket};
use shuangsuiji::load::load_streaming;
use shuangsuiji::model::{CreditClass, Entity, EntityFlags, Item, ItemLevel, Officer, Ratio};
use shuangsuiji::synthetic::{self, SynthSpec};
use shuangsuiji::{Dataset, LoadOptions, Plan};

fn plan(ratio_tasks: &str) -> Plan {
    Plan::from_toml(
        "plan.toml",
        &format!(
            r#"
[plan]
id = "BENCH"
title = "bench"
authority = "某局"
period_start = 2026-10-01
period_end = 2026-12-31
seed_source = "bench"
[inputs]
items = "items.csv"
officers = "officers.csv"
entities = "entities.csv"
[rules]
team_size = 2
{ratio_tasks}
"#
        ),
    )
    .unwrap()
}

fn item(id: &str, ratio: &str) -> Item {
    Item {
        id: id.into(),
        name: format!("事项{id}"),
        department: String::new(),
        legal_basis: "basis".into(),
        object_types: vec!["企业".into()],
        content: String::new(),
        ratio: ratio.parse::<Ratio>().unwrap().into(),
        min_count: None,
        max_count: None,
        method: String::new(),
        frequency: String::new(),
        category: "综合".into(),
        level: ItemLevel::General,
    }
}

/// `n` entities over 100 regions, every one with a valid-looking code.
fn entities(n: usize) -> Vec<Entity> {
    (0..n)
        .map(|i| Entity {
            uscc: format!("91{:06}{:09}X", 990_100 + i % 100, i),
            name: format!("主体{i}"),
            types: vec!["企业".into()],
            region: format!("{}", 990_100 + i % 100),
            industry: String::new(),
            credit_class: Some(CreditClass::ALL[i % 4]),
            flags: EntityFlags::default(),
            active: true,
        })
        .collect()
}

/// `n` officers, `n / 100` per region.
fn officers(n: usize) -> Vec<Officer> {
    (0..n)
        .map(|i| Officer {
            cert_no: format!("C{i:07}"),
            name: format!("官{i}"),
            unit: "所".into(),
            department: String::new(),
            position: String::new(),
            categories: vec!["综合".into()],
            regions: vec![format!("{}", 990_100 + i % 100)],
            cert_expiry: None,
            active: true,
        })
        .collect()
}

fn tickets(c: &mut Criterion) {
    let key = task_key(&[7; 32], "S-01");
    let codes: Vec<String> = (0..1000).map(|i| format!("91990100{i:09}X")).collect();
    c.bench_function("ticket x1000", |b| {
        b.iter(|| {
            for code in &codes {
                black_box(ticket(&key, code));
            }
        })
    });
}

fn selection(c: &mut Criterion) {
    // one task, 10^5 entities in 100 strata, 2%: selection dominates
    let ds = Dataset::from_parts(
        plan(""),
        vec![item("S-01", "2%")],
        officers(1000),
        entities(100_000),
        vec![],
        vec![],
    )
    .unwrap();
    let mut g = c.benchmark_group("selection");
    g.sample_size(10);
    g.bench_function("10^5 entities, 100 strata, 2%", |b| {
        b.iter(|| black_box(shuangsuiji::draw::select_only(&ds, "1 2 3")))
    });
    g.finish();
}

fn assignment(c: &mut Criterion) {
    // 10^5 visits (100% of 10^5 entities), 10^4 officers in 100 regions
    let ds = Dataset::from_parts(
        plan(""),
        vec![item("S-01", "100%")],
        officers(10_000),
        entities(100_000),
        vec![],
        vec![],
    )
    .unwrap();
    let mut g = c.benchmark_group("assignment");
    g.sample_size(10);
    g.bench_function("10^4 officers x 10^5 visits (with selection)", |b| {
        b.iter(|| black_box(draw_unchecked(&ds, "1 2 3").unwrap()))
    });
    g.finish();
}

fn loading(c: &mut Criterion) {
    let spec = SynthSpec {
        entities: 100_000,
        seed: "bench".into(),
        items: 5,
    };
    let mut files = std::collections::BTreeMap::new();
    let mut b = Vec::new();
    synthetic::write_items(&spec, &mut b).unwrap();
    files.insert("items.csv", std::mem::take(&mut b));
    synthetic::write_officers(&spec, &mut b).unwrap();
    files.insert("officers.csv", std::mem::take(&mut b));
    synthetic::write_entities(&spec, &mut b).unwrap();
    files.insert("entities.csv", std::mem::take(&mut b));
    synthetic::write_history(&spec, &mut b).unwrap();
    files.insert("history.csv", std::mem::take(&mut b));
    synthetic::write_conflicts(&spec, &mut b).unwrap();
    files.insert("conflicts.csv", b);
    let plan = synthetic::plan_toml(&spec);
    let open = |name: &str| Ok(Box::new(Cursor::new(files[name].as_slice())) as Box<dyn Read>);
    let mut g = c.benchmark_group("loading 10^5 entities");
    g.sample_size(10);
    g.bench_function("Dataset::load", |b| {
        b.iter(|| black_box(Dataset::load("plan.toml", &plan, open).unwrap()))
    });
    for threads in [1, 2] {
        g.bench_function(format!("load_streaming, {threads} thread(s)"), |b| {
            b.iter(|| {
                let opts = LoadOptions {
                    threads,
                    ..Default::default()
                };
                black_box(load_streaming("plan.toml", &plan, open, opts).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, tickets, selection, assignment, loading);
criterion_main!(benches);
