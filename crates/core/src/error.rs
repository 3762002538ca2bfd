//! The one error type of the crate, and the diagnostics it collects.

use std::fmt;

use serde::Serialize;

/// Where in the inputs a problem was found.
///
/// `line` is 1-based and counts physical lines of the file as written, so the
/// header is line 1 and the first record of a CSV file is usually line 2.
/// `field` is the column name exactly as the file spells it (Chinese headers
/// stay Chinese), or a dotted TOML key for the plan.
///
/// ```
/// use shuangsuiji::Position;
/// let p = Position::file("entities.csv").at_line(7).with_field("统一社会信用代码");
/// assert_eq!((p.line, p.field.as_deref()), (Some(7), Some("统一社会信用代码")));
/// assert_eq!(p.to_string(), "entities.csv:7: 统一社会信用代码");
/// assert_eq!(Position::file("plan.toml").to_string(), "plan.toml");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// The file name as the plan names it (or the plan's own file name).
    pub file: String,
    /// 1-based line, when the problem belongs to one line.
    pub line: Option<u64>,
    /// Column (CSV) or key (TOML), when the problem belongs to one field.
    pub field: Option<String>,
}

impl Position {
    /// A position naming only a file.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Position::file("items.csv").line, None);
    /// ```
    pub fn file(file: impl Into<String>) -> Self {
        Position {
            file: file.into(),
            line: None,
            field: None,
        }
    }

    /// This position with a 1-based line.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Position::file("items.csv").at_line(3).to_string(), "items.csv:3");
    /// ```
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// This position with a column or key name.
    ///
    /// ```
    /// let p = shuangsuiji::Position::file("plan.toml").with_field("rules.team_size");
    /// assert_eq!(p.to_string(), "plan.toml: rules.team_size");
    /// ```
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        Ok(())
    }
}

/// How serious a diagnostic is.
///
/// ```
/// use shuangsuiji::{Diagnostic, DiagnosticKind, Position, Severity};
/// let d = Diagnostic::warning(DiagnosticKind::TitleRows, Position::file("items.csv"), "1 title row skipped");
/// assert_eq!(d.severity, Severity::Warning);
/// assert!(!d.is_error());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is usable; the affected record is handled as documented
    /// (for example an officer with an expired certificate is not eligible).
    Warning,
    /// The input cannot be used.
    Error,
}

/// What kind of problem a diagnostic reports; stable for programs to match on.
///
/// ```
/// use shuangsuiji::{Dataset, DiagnosticKind};
/// let plan = "[plan]\nid = \"x\"\n"; // far from complete
/// let e = Dataset::load("plan.toml", plan, |_| unreachable!()).unwrap_err();
/// assert!(e.diagnostics().unwrap().iter().all(|d| d.kind == DiagnosticKind::Plan));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The bytes are not valid in the declared or detected encoding.
    Encoding,
    /// The file has no header or no records.
    EmptyFile,
    /// A required column is absent from the header.
    MissingColumn,
    /// Two columns map to the same field.
    DuplicateColumn,
    /// A record has a different number of fields from the header.
    RaggedRow,
    /// A required value is empty.
    MissingValue,
    /// Two records share an id.
    DuplicateId,
    /// A unified social credit code is malformed or fails its check character.
    InvalidUscc,
    /// A value names an item, officer, entity or category that does not exist.
    UnknownReference,
    /// A ratio is malformed or outside (0, 100%].
    InvalidRatio,
    /// A date is malformed or impossible.
    InvalidDate,
    /// A number is malformed or out of range.
    InvalidNumber,
    /// A value is not one of the accepted words.
    InvalidValue,
    /// A minimum count is above the maximum.
    MinAboveMax,
    /// Team size below the legal minimum of two officers.
    TeamTooSmall,
    /// An officer's certificate has expired by the plan date.
    ExpiredCertificate,
    /// An officer's certificate expires after the plan date but before the
    /// period's end.
    CertificateExpiresInPeriod,
    /// The plan file is not valid TOML or has an invalid key.
    Plan,
    /// A CSV record could not be parsed.
    Csv,
    /// A field or record is larger than the configured limit.
    TooLarge,
    /// A spreadsheet cannot be read, has no such sheet, or a cell the
    /// draw reads holds a formula error.
    Spreadsheet,
    /// A code (item id, certificate number, credit code) was stored as a
    /// number by a spreadsheet and may have lost digits.
    NumberNotText,
    /// Rows above the header were skipped as a title (a warning).
    TitleRows,
}

/// One problem found in the inputs, with its position.
///
/// ```
/// use shuangsuiji::{Diagnostic, DiagnosticKind, Position};
/// let d = Diagnostic::error(DiagnosticKind::InvalidUscc, Position::file("entities.csv").at_line(4), "bad check character");
/// assert!(d.is_error());
/// assert_eq!(d.to_string(), "entities.csv:4: error: bad check character");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// Where.
    pub position: Position,
    /// A human-readable explanation in English, with the offending value.
    pub message: String,
}

impl Diagnostic {
    /// An error diagnostic.
    ///
    /// ```
    /// use shuangsuiji::{Diagnostic, DiagnosticKind, Position, Severity};
    /// let d = Diagnostic::error(DiagnosticKind::MissingValue, Position::file("items.csv"), "empty");
    /// assert_eq!((d.severity, d.kind), (Severity::Error, DiagnosticKind::MissingValue));
    /// ```
    pub fn error(kind: DiagnosticKind, position: Position, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind,
            position,
            message: message.into(),
        }
    }

    /// A warning diagnostic.
    ///
    /// ```
    /// use shuangsuiji::{Diagnostic, DiagnosticKind, Position};
    /// let d = Diagnostic::warning(DiagnosticKind::ExpiredCertificate, Position::file("officers.csv").at_line(9), "expired");
    /// assert_eq!(d.to_string(), "officers.csv:9: warning: expired");
    /// ```
    pub fn warning(kind: DiagnosticKind, position: Position, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            kind,
            position,
            message: message.into(),
        }
    }

    /// Whether this is an error (not a warning).
    ///
    /// ```
    /// use shuangsuiji::{Diagnostic, DiagnosticKind, Position};
    /// assert!(Diagnostic::error(DiagnosticKind::Csv, Position::file("a.csv"), "x").is_error());
    /// assert!(!Diagnostic::warning(DiagnosticKind::Csv, Position::file("a.csv"), "x").is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}: {sev}: {}", self.position, self.message)
    }
}

/// All input diagnostics found in one pass, errors and warnings, in file
/// order (then line order within a file).
///
/// ```
/// use shuangsuiji::{Diagnostic, DiagnosticKind as K, Diagnostics, Position};
/// let ds = Diagnostics(vec![
///     Diagnostic::warning(K::TitleRows, Position::file("items.csv"), "title row skipped"),
///     Diagnostic::error(K::EmptyFile, Position::file("history.csv"), "no records"),
/// ]);
/// assert_eq!((ds.error_count(), ds.has_errors(), ds.iter().count()), (1, true, 2));
/// assert_eq!(ds.to_string(), "items.csv: warning: title row skipped\nhistory.csv: error: no records");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Number of errors (not warnings).
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Diagnostics::default().error_count(), 0);
    /// ```
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// Whether any diagnostic is an error.
    ///
    /// ```
    /// assert!(!shuangsuiji::Diagnostics::default().has_errors());
    /// ```
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Iterate over the diagnostics.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Diagnostics::default().iter().next(), None);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The reason a rule set cannot be satisfied, naming the binding constraint.
///
/// ```
/// let i = shuangsuiji::Infeasible { item: "LY-01".into(), subject: Some("region 右玉县".into()), constraint: "2 entities, 1 team".into() };
/// assert_eq!(i.to_string(), "item LY-01, region 右玉县: 2 entities, 1 team");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Infeasible {
    /// The item (or joint items, joined by `+`) concerned.
    pub item: String,
    /// The entity or stratum concerned, when there is one.
    pub subject: Option<String>,
    /// The binding constraint in plain words.
    pub constraint: String,
}

impl fmt::Display for Infeasible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}", self.item)?;
        if let Some(s) = &self.subject {
            write!(f, ", {s}")?;
        }
        write!(f, ": {}", self.constraint)
    }
}

/// What went wrong.
///
/// ```
/// use shuangsuiji::{Dataset, ErrorKind, Seed};
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let mut commitment = ds.commit();
/// commitment.digests.items = "0".repeat(64); // as if items.csv had changed since
/// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// let e = ds.draw(&seed, &commitment).unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::Differs { input, .. } if input == "items"));
/// let weak = shuangsuiji::Error::from(ErrorKind::WeakSeed { bits: 19, required: 64 });
/// assert!(weak.to_string().starts_with("the seed has about 19 bits but this draw needs 64"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading an input failed at the operating-system level.
    #[error("{file}: {source}")]
    Io {
        /// The file as the plan names it.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The inputs are invalid; every problem found is listed.
    #[error("{} error(s) in the inputs:\n{diagnostics}", diagnostics.error_count())]
    Input {
        /// Every diagnostic found in one pass (warnings included).
        diagnostics: Diagnostics,
    },
    /// An input read does not have the digest it was expected to have
    /// (committed before the draw, or recorded in a result being verified).
    #[error("{input} differs: expected digest {expected}, the input read has {actual}")]
    Differs {
        /// Which digest: `plan`, `items`, `officers`, `entities`, `history`
        /// or `conflicts`.
        input: String,
        /// The digest expected.
        expected: String,
        /// The digest of what was read.
        actual: String,
    },
    /// The rules cannot be satisfied by any draw.
    #[error("the rules cannot be satisfied: {0}")]
    Infeasible(Infeasible),
    /// The seed carries fewer bits than the draw needs (SPEC.md §3 and
    /// README "Announce and obtain the seed"): whoever prepares the inputs
    /// could compute every possible draw in advance. Refused unless
    /// [`crate::draw::DrawOptions::allow_weak_seed`] was given.
    #[error(
        "the seed has about {bits} bits but this draw needs {required}: use the full outcome of the announced source"
    )]
    WeakSeed {
        /// Bits counted in the seed.
        bits: u32,
        /// Bits the draw needs.
        required: u32,
    },
    /// Writing the published files or the journal failed; nothing was
    /// published (a journaled attempt records this failure).
    #[error("{path}: {message}")]
    Publish {
        /// The folder or file concerned.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// The error type of this crate.
///
/// ```
/// use shuangsuiji::{Dataset, ErrorKind};
/// let e = Dataset::load("plan.toml", "not toml [", |_| unreachable!()).unwrap_err();
/// assert!(e.diagnostics().unwrap().has_errors());
/// assert!(matches!(e.into_kind(), ErrorKind::Input { .. }));
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What went wrong.
    ///
    /// ```
    /// use shuangsuiji::{Error, ErrorKind};
    /// let e: Error = ErrorKind::Publish { path: "out".into(), message: "full disk".into() }.into();
    /// assert!(matches!(e.kind(), ErrorKind::Publish { path, .. } if path == "out"));
    /// assert_eq!(e.to_string(), "out: full disk");
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Unwrap into the kind.
    ///
    /// ```
    /// use shuangsuiji::{Error, ErrorKind};
    /// let e: Error = ErrorKind::WeakSeed { bits: 10, required: 64 }.into();
    /// assert!(matches!(e.into_kind(), ErrorKind::WeakSeed { bits: 10, required: 64 }));
    /// ```
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// The diagnostics, when this is an input error.
    ///
    /// ```
    /// use shuangsuiji::{Error, ErrorKind};
    /// let e: Error = ErrorKind::WeakSeed { bits: 10, required: 64 }.into();
    /// assert!(e.diagnostics().is_none());
    /// ```
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match &*self.0 {
            ErrorKind::Input { diagnostics } => Some(diagnostics),
            _ => None,
        }
    }

    pub(crate) fn input(diagnostics: Vec<Diagnostic>) -> Self {
        ErrorKind::Input {
            diagnostics: Diagnostics(diagnostics),
        }
        .into()
    }

    /// An infeasibility error.
    ///
    /// ```
    /// use shuangsuiji::{Error, ErrorKind, Infeasible};
    /// let e = Error::infeasible(Infeasible { item: "LY-02".into(), subject: None, constraint: "no team".into() });
    /// assert!(matches!(e.kind(), ErrorKind::Infeasible(_)));
    /// assert_eq!(e.to_string(), "the rules cannot be satisfied: item LY-02: no team");
    /// ```
    pub fn infeasible(infeasible: Infeasible) -> Self {
        ErrorKind::Infeasible(infeasible).into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
