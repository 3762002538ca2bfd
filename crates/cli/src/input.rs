//! Reading a plan and its inputs from the file system.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use shuangsuiji::{Dataset, Diagnostic, DiagnosticKind, Error, Position};

/// Load a plan file and every input it names, relative to the plan's folder.
/// Unless `quiet`, a progress bar on stderr shows the reading of large
/// inputs (only when stderr is a terminal).
pub fn load(plan_path: &Path, quiet: bool) -> Result<Dataset, Error> {
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
    let progress = !quiet && std::io::stderr().is_terminal();
    Dataset::load(&plan_name, text, |name| open_input(&dir, name, progress))
}

/// Inputs at least this large get a progress bar.
const PROGRESS_BYTES: u64 = 64 << 20;

fn open_input(dir: &Path, name: &str, progress: bool) -> io::Result<Box<dyn Read>> {
    let path = dir.join(name);
    let meta = std::fs::metadata(&path)?;
    if meta.is_dir() {
        return Err(io::Error::other("it is a directory, not a file"));
    }
    let file = io::BufReader::with_capacity(256 * 1024, File::open(&path)?);
    if progress && meta.len() >= PROGRESS_BYTES {
        let bar = indicatif::ProgressBar::new(meta.len());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(name.to_string());
        return Ok(Box::new(Finish(bar.wrap_read(file))));
    }
    Ok(Box::new(file))
}

/// Clears the progress bar when the reader is done with.
struct Finish<R>(indicatif::ProgressBarIter<R>);

impl<R: Read> Read for Finish<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Drop for Finish<R> {
    fn drop(&mut self) {
        self.0.progress.finish_and_clear();
    }
}

fn one(position: Position, message: String) -> Error {
    // route through the library so the error has the usual shape
    let diag = Diagnostic::error(DiagnosticKind::Plan, position, message);
    shuangsuiji::Error::from(shuangsuiji::ErrorKind::Input {
        diagnostics: shuangsuiji::Diagnostics(vec![diag]),
    })
}
