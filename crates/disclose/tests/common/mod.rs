//! Shared helpers of the disclose tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;

use shuangsuiji::draw::draw_unchecked;
use shuangsuiji::{Dataset, DrawResult};
use shuangsuiji_disclose::{Outcome, OutcomeKind, read_outcomes};

/// The seed of the golden notices (the same as the engine's golden result).
pub const SEED: &str = "2026-Q4 424242";

/// The sample data directory.
pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");

/// The sample files, read into memory.
pub fn sample_files() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in [
        "plan.toml",
        "items.csv",
        "officers.csv",
        "entities.csv",
        "history.csv",
        "conflicts.csv",
    ] {
        m.insert(
            f.to_string(),
            std::fs::read_to_string(format!("{DATA}{f}")).unwrap(),
        );
    }
    m
}

/// Load a dataset from in-memory files.
pub fn load(files: &BTreeMap<String, String>) -> Dataset {
    let plan = files["plan.toml"].clone();
    Dataset::load("plan.toml", &plan, |name| {
        let text = files
            .get(name)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, name.to_string()))?;
        Ok(Box::new(std::io::Cursor::new(text.into_bytes())) as Box<dyn Read>)
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The sample dataset.
pub fn sample() -> Dataset {
    load(&sample_files())
}

/// The sample draw.
pub fn sample_draw(ds: &Dataset) -> DrawResult {
    draw_unchecked(ds, SEED).unwrap_or_else(|e| panic!("{e}"))
}

/// A deterministic outcomes CSV for a result: every 6th inspection is left
/// without an outcome; the others cycle through every outcome (written in
/// the standard or the short form) with dates in the period.
pub fn outcomes_csv(result: &DrawResult) -> String {
    let mut s = String::from("统一社会信用代码,事项编号,检查结果,检查日期,备注\n");
    let mut n = 0usize;
    for v in &result.visits {
        for item in &v.items {
            n += 1;
            if n.is_multiple_of(6) {
                continue;
            }
            let kind = OutcomeKind::ALL[n % OutcomeKind::ALL.len()];
            let word = match (kind, n % 2) {
                (OutcomeKind::Unreachable, 0) => "无法联系",
                (OutcomeKind::Uncooperative, 0) => "不配合检查",
                (OutcomeKind::NoRelevantActivity, 0) => "未发现相关经营活动",
                _ => kind.zh(),
            };
            let day = 10 + (n % 50);
            let (m, d) = if day > 31 { (11, day - 31) } else { (10, day) };
            s.push_str(&format!(
                "{},{},{},2026-{m:02}-{d:02},\n",
                v.uscc, item, word
            ));
        }
    }
    s
}

/// The outcomes of [`outcomes_csv`], read back.
pub fn sample_outcomes(result: &DrawResult) -> Vec<Outcome> {
    read_outcomes("outcomes.csv", outcomes_csv(result).as_bytes(), result)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Rewrite one column of a CSV text with `f(row index, old value)`;
/// `column` is the header as written. Adds the column when missing.
pub fn rewrite_column(
    text: &str,
    column: &str,
    mut f: impl FnMut(usize, &str) -> String,
) -> String {
    let text = text.trim_start_matches('\u{FEFF}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let col = match rows[0].iter().position(|h| h == column) {
        Some(c) => c,
        None => {
            for r in &mut rows {
                r.push(String::new());
            }
            let c = rows[0].len() - 1;
            rows[0][c] = column.to_string();
            c
        }
    };
    for (i, r) in rows.iter_mut().enumerate().skip(1) {
        r[col] = f(i - 1, &r[col]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}
