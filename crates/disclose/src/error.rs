//! The one error type of the crate.

use std::fmt;

/// What kind of problem was found; stable for programs to match on.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji_disclose::{ErrorKind, read_outcomes};
/// let csv = "uscc,item,outcome\n";
/// let e = read_outcomes("outcomes.csv", csv.as_bytes(), &result).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::MissingColumn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The bytes are neither UTF-8 nor GBK/GB18030.
    Encoding,
    /// The CSV is malformed (for example an unterminated quote).
    Csv,
    /// A required column is missing from the header.
    MissingColumn,
    /// A required cell is empty.
    MissingValue,
    /// The outcome is not one of the standard outcomes ([`crate::OutcomeKind`]).
    UnknownOutcome,
    /// The date cannot be read, or lies before the plan date.
    InvalidDate,
    /// The outcome is for an inspection that was never drawn.
    NotDrawn,
    /// A second outcome for the same entity and item.
    Duplicate,
}

/// One problem, with its position: file, 1-based line (the header is line
/// 1) and column as the file spells it.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji_disclose::{ErrorKind, read_outcomes};
/// let v = &result.visits[0];
/// let csv = format!("uscc,item,outcome,date\n{},{},合格,2026-11-02\n", v.uscc, v.items[0]);
/// let e = read_outcomes("outcomes.csv", csv.as_bytes(), &result).unwrap_err();
/// let p = &e.problems()[0];
/// assert_eq!((p.kind, p.line, p.column.as_deref()), (ErrorKind::UnknownOutcome, Some(2), Some("outcome")));
/// assert!(p.to_string().starts_with("outcomes.csv:2: outcome: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// The file name as the caller gave it.
    pub file: String,
    /// 1-based physical line, when the problem belongs to one line.
    pub line: Option<u64>,
    /// The column name exactly as the header spells it, when the problem
    /// belongs to one column.
    pub column: Option<String>,
    /// A human-readable explanation (English), without the position.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `file:line: column: message`, parts omitted when unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything wrong with an input, collected in one pass: the first
/// problem's kind is [`Error::kind`], and every problem is listed, one per
/// line, by `Display`.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji_disclose::{ErrorKind, read_outcomes};
/// let csv = "uscc,item,outcome,date\n911111111111111111,YYLY-01,未发现问题,2026-11-02\n";
/// let e = read_outcomes("outcomes.csv", csv.as_bytes(), &result).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::NotDrawn);
/// assert_eq!(e.problems().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    problems: Vec<Problem>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl Error {
    /// An error from a non-empty list of problems (in the order found).
    pub(crate) fn new(problems: Vec<Problem>) -> Error {
        debug_assert!(!problems.is_empty());
        Error { problems }
    }

    /// The kind of the first problem.
    ///
    /// ```
    /// # use shuangsuiji::DrawResult;
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let result = DrawResult::from_json(&json).unwrap();
    /// let e = shuangsuiji_disclose::read_outcomes("o.csv", &b"\xff\xfe\xfd"[..], &result).unwrap_err();
    /// assert!(!e.problems().is_empty() && e.kind() == e.problems()[0].kind);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.problems.first().map_or(ErrorKind::Io, |p| p.kind)
    }

    /// Every problem found, in file order.
    ///
    /// ```
    /// # use shuangsuiji::DrawResult;
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let result = DrawResult::from_json(&json).unwrap();
    /// let e = shuangsuiji_disclose::read_outcomes("o.csv", &b"a,b\n"[..], &result).unwrap_err();
    /// assert!(e.problems().iter().all(|p| p.file == "o.csv"));
    /// ```
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}
