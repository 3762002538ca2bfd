//! Reading a plan and its inputs from the file system.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use shuangsuiji::{Dataset, Diagnostic, DiagnosticKind, Error, Position};

/// Load a plan file and every input it names, relative to the plan's folder.
pub fn load(plan_path: &Path) -> Result<Dataset, Error> {
    let plan_name = plan_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| plan_path.display().to_string());
    let bytes = std::fs::read(plan_path).map_err(|e| {
        one(
            Position::file(plan_path.display().to_string()),
            format!("cannot read the plan: {e}"),
        )
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            return Err(one(
                Position::file(plan_name).at_line(line),
                "the plan is not valid UTF-8; save it as UTF-8 (the CSV inputs may be GBK, the plan may not)".into(),
            ));
        }
    };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let dir: PathBuf = plan_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Dataset::load(&plan_name, text, |name| open_input(&dir, name))
}

fn open_input(dir: &Path, name: &str) -> io::Result<Box<dyn Read>> {
    let path = dir.join(name);
    let meta = std::fs::metadata(&path)?;
    if meta.is_dir() {
        return Err(io::Error::other("it is a directory, not a file"));
    }
    Ok(Box::new(io::BufReader::with_capacity(
        256 * 1024,
        File::open(&path)?,
    )))
}

fn one(position: Position, message: String) -> Error {
    // route through the library so the error has the usual shape
    let diag = Diagnostic::error(DiagnosticKind::Plan, position, message);
    shuangsuiji::Error::from(shuangsuiji::ErrorKind::Input {
        diagnostics: shuangsuiji::Diagnostics(vec![diag]),
    })
}
