//! # shuangsuiji-disclose — the public notices of a 双随机、一公开 draw
//!
//! Three notices, each in four formats and two languages:
//!
//! | notice | function | when |
//! |---|---|---|
//! | 事前公开 pre-draw notice | [`pre_draw_notice`] | `ssj commit`, before the seed exists |
//! | 抽查任务公告 draw notice | [`draw_notice`] | `ssj draw`, with `result.json` |
//! | 抽查结果公示 results notice | [`results_notice`] (outcomes from [`read_outcomes`]) | `ssj disclose --results` |
//!
//! Formats ([`Format`]): self-contained HTML (inline CSS only, no scripts,
//! no external assets, prints on A4, readable on a phone), Markdown (GFM
//! tables), CSV (UTF-8 with BOM for Excel; formula-like cells neutralised)
//! and canonical JSON (sorted keys). Languages ([`Lang`]): Chinese by
//! default, English on request; labels are translated, data values (names,
//! ids) are shown as they are.
//!
//! Every value is escaped for its format, so a hostile entity name such as
//! `<script>` or `=HYPERLINK(…)` renders as inert text. The notices never
//! contain what the rules do not publish: conflict pairs and their reasons,
//! inspection history, and personal data of entities (the engine never
//! holds legal representatives, phones or ID numbers).
//!
//! The result itself as a table, one row per team of each visit:
//! [`write_result_csv`] (`result.csv`) and [`write_result_xlsx`]
//! (`result.xlsx`), headers in the chosen language.
//!
//! Output is a pure function of the inputs: the same dataset or result
//! gives the same bytes; the only dates shown are the plan's.
//!
//! ```
//! use std::io::Read;
//! use shuangsuiji::{ALGORITHM, Dataset};
//! use shuangsuiji::draw::draw_unchecked;
//! use shuangsuiji_disclose::{Format, Lang, draw_notice, pre_draw_notice};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
//! let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
//! let ds = Dataset::load("plan.toml", &text, |name| {
//!     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
//! }).unwrap();
//!
//! let before = pre_draw_notice(&ds, ALGORITHM, Format::Html, Lang::Zh);
//! assert!(before.starts_with("<!DOCTYPE html>"));
//! assert!(before.contains(&ds.digests().entities));
//!
//! let result = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
//! let notice = draw_notice(&result, "md".parse().unwrap(), "en".parse().unwrap());
//! assert!(notice.contains("ssj verify --plan plan.toml --result result.json"));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bundle;
mod common;
mod draw_notice;
mod error;
mod outcomes;
mod pre_draw;
mod render;
mod result_table;
mod results;
mod revisions;

use std::fmt;
use std::str::FromStr;

mod calendar;
pub mod folder;
mod guide;
pub use calendar::Calendar;
pub use draw_notice::{draw_notice, draw_notice_for, write_draw_notice, write_draw_notice_with};
pub use error::{Error, ErrorKind, Problem};
pub use guide::verify_guide;
pub use outcomes::{Outcome, OutcomeKind, PENDING, Vocabulary, read_outcomes, read_outcomes_with};
pub use pre_draw::pre_draw_notice;
pub use render::neutralize;
pub use result_table::{
    RESULT_COLUMNS, gsxt_xlsx, write_result_csv, write_result_csv_in, write_result_xlsx,
    write_result_xlsx_in, write_result_xlsx_with,
};
pub use results::{
    GSXT_COLUMNS, Overdue, ResultsOptions, gsxt_csv, overdue, results_notice, results_notice_with,
};
pub use revisions::{REVISIONS_NOTICE, revisions_notice};

/// The output format of a notice.
///
/// ```
/// use shuangsuiji_disclose::Format;
/// assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
/// assert_eq!("HTML".parse::<Format>(), Ok(Format::Html));
/// assert_eq!(Format::Csv.extension(), "csv");
/// assert!("pdf".parse::<Format>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One self-contained HTML page (inline CSS, no scripts, no external
    /// assets), printable on A4 and readable on a phone.
    Html,
    /// GitHub-flavoured Markdown with tables.
    Markdown,
    /// CSV for spreadsheets: UTF-8 with BOM, CRLF line ends, the notice's
    /// sections stacked one under the other, formula-like cells neutralised
    /// with a leading `'`.
    Csv,
    /// Canonical JSON (object keys sorted, no insignificant whitespace).
    Json,
}

impl Format {
    /// All formats.
    pub const ALL: [Format; 4] = [Format::Html, Format::Markdown, Format::Csv, Format::Json];

    /// The usual file extension: `html`, `md`, `csv`, `json`.
    ///
    /// ```
    /// use shuangsuiji_disclose::Format;
    /// assert_eq!(Format::Markdown.extension(), "md");
    /// assert_eq!(Format::ALL.map(|f| f.extension()), ["html", "md", "csv", "json"]);
    /// ```
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A string that is neither a format nor a language this crate knows.
///
/// ```
/// use shuangsuiji_disclose::{Format, Lang};
/// let e = "pdf".parse::<Format>().unwrap_err();
/// assert!(e.to_string().starts_with("unknown format 'pdf'; expected one of"));
/// assert!("fr".parse::<Lang>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}'; expected one of {expected}")]
pub struct ParseError {
    what: &'static str,
    given: String,
    expected: &'static str,
}

impl FromStr for Format {
    type Err = ParseError;

    /// `html`, `md`/`markdown`, `csv`, `json` (any case).
    fn from_str(s: &str) -> Result<Format, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" | "htm" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(ParseError {
                what: "format",
                given: s.to_string(),
                expected: "html, md, csv, json",
            }),
        }
    }
}

/// The language of a notice's labels and sentences. Data values (names,
/// ids, the seed text) are never translated.
///
/// ```
/// use shuangsuiji_disclose::Lang;
/// assert_eq!(Lang::default(), Lang::Zh);
/// assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
/// assert_eq!("zh-CN".parse::<Lang>(), Ok(Lang::Zh));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Chinese (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `zh` or `en`.
    ///
    /// ```
    /// use shuangsuiji_disclose::Lang;
    /// assert_eq!((Lang::Zh.code(), Lang::En.to_string().as_str()), ("zh", "en"));
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Pick the label in this language.
    pub(crate) fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = ParseError;

    /// `zh` (also `zh-CN`, `cn`, `中文`) or `en` (also `en-US`, `english`).
    fn from_str(s: &str) -> Result<Lang, ParseError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" | "cn" | "chinese" | "中文" => Ok(Lang::Zh),
            "en" | "en-us" | "en_us" | "en-gb" | "english" => Ok(Lang::En),
            _ => Err(ParseError {
                what: "language",
                given: s.to_string(),
                expected: "zh, en",
            }),
        }
    }
}

/// The command anyone runs to verify a draw (SPEC.md).
pub const VERIFY_COMMAND: &str = "ssj verify --plan plan.toml --result result.json";

/// Canonical JSON of a notice.
pub(crate) fn canonical<T: serde::Serialize>(value: &T) -> String {
    shuangsuiji::commit::digest::canonical_json(value)
}
