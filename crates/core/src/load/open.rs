//! Opening a plan folder from the file system (feature `fs`).

use std::path::Path;

use crate::Dataset;
use crate::error::{Diagnostic, DiagnosticKind, Error, Position, Result};

impl Dataset {
    /// Open `plan.toml` and the inputs it names (relative to its folder),
    /// validate everything and compute the digests.
    ///
    /// ```
    /// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.plan.id, "YYLY-2026-Q4");
    /// ```
    pub fn open(plan: impl AsRef<Path>) -> Result<Dataset> {
        let plan = plan.as_ref();
        let name = plan.display().to_string();
        let bytes = std::fs::read(plan).map_err(|e| {
            Error::input(vec![Diagnostic::error(
                DiagnosticKind::Plan,
                Position::file(&name),
                format!("cannot read the plan: {e}"),
            )])
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::input(vec![Diagnostic::error(
                DiagnosticKind::Encoding,
                Position::file(&name),
                "the plan is not valid UTF-8",
            )])
        })?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let dir = plan.parent().unwrap_or(Path::new("")).to_path_buf();
        Dataset::load(&name, text, |file| {
            Ok(Box::new(std::fs::File::open(dir.join(file))?) as Box<dyn std::io::Read>)
        })
    }
}
