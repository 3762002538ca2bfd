//! Shared fixtures: a small valid plan whose files the targets replace.
#![allow(dead_code)]

use std::io::Read;

use shuangsuiji::{Dataset, Error};

pub const PLAN: &str = include_str!("../../tests/bad-input/_base/plan.toml");
pub const FILES: [(&str, &[u8]); 5] = [
    ("items.csv", include_bytes!("../../tests/bad-input/_base/items.csv")),
    ("officers.csv", include_bytes!("../../tests/bad-input/_base/officers.csv")),
    ("entities.csv", include_bytes!("../../tests/bad-input/_base/entities.csv")),
    ("history.csv", include_bytes!("../../tests/bad-input/_base/history.csv")),
    ("conflicts.csv", include_bytes!("../../tests/bad-input/_base/conflicts.csv")),
];

/// Load the base plan with file `which` (0–4) replaced by `data`.
pub fn load_with(plan: &str, which: usize, data: &[u8]) -> Result<Dataset, Error> {
    Dataset::load("plan.toml", plan, |name| {
        let bytes: Vec<u8> = match FILES.iter().position(|(n, _)| *n == name) {
            Some(i) if i == which => data.to_vec(),
            Some(i) => FILES[i].1.to_vec(),
            None => return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")),
        };
        Ok(Box::new(std::io::Cursor::new(bytes)) as Box<dyn Read>)
    })
}
