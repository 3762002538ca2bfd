//! Reading a plan and its inputs from the file system.

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::fsio;
use shuangsuiji::Commitment;
use shuangsuiji::draw::{StreamedDraw, draw_streaming};
use shuangsuiji::load::open::{MAX_COMMITMENT_BYTES, OpenOptions, PlanFile};
use shuangsuiji::load::{SpillFile, load_streaming};
use shuangsuiji::{Dataset, Error, InputDigests, LoadOptions};

/// Load a plan file and every input it names, relative to the plan's folder.
/// Unless `quiet`, a progress bar on stderr shows the reading of large
/// inputs (only when stderr is a terminal).
pub fn load(plan_path: &Path, quiet: bool) -> Result<Dataset, Error> {
    let progress = !quiet && std::io::stderr().is_terminal();
    let opts = OpenOptions {
        wrap: progress.then_some(&progress_bar as _),
    };
    Dataset::open_with(plan_path, &opts)
}

/// How `commit`, `draw` and `verify` stream the registry: the registry is
/// read record by record, never held, so memory does not grow with it.
pub struct Streaming {
    /// Threads that read the registry (0: one per core).
    threads: usize,
    /// The folder for temporary sort files and the rows of result.xlsx
    /// (created unnamed, so nothing is left behind even if the process is
    /// killed).
    tmp: PathBuf,
    /// No progress bar.
    quiet: bool,
}

impl Streaming {
    /// From the flags: `tmp` must be an existing folder; without it,
    /// temporary files go next to `near` (the output).
    pub fn new(f: &crate::cli::StreamFlags, near: &Path, quiet: bool) -> Result<Streaming, String> {
        let tmp = match &f.tmp {
            Some(t) if !t.is_dir() => {
                return Err(format!("--tmp {}: not an existing folder", t.display()));
            }
            Some(t) => t.clone(),
            None => tmp_near(near),
        };
        Ok(Streaming {
            threads: f.threads,
            tmp,
            quiet,
        })
    }

    /// The folder for temporary files (`--tmp`, or next to the output).
    pub fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// For `ssj verify DIR`: temporary files in `dir` (the folder verified)
    /// unless `--tmp` says where; if `dir` is not writable (a read-only
    /// copy), in the system's temporary folder.
    pub fn for_folder(
        f: &crate::cli::StreamFlags,
        dir: &Path,
        quiet: bool,
    ) -> Result<Streaming, String> {
        let mut st = Streaming::new(f, &dir.join("result.json"), quiet)?;
        if f.tmp.is_none() && tempfile::tempfile_in(&st.tmp).is_err() {
            st.tmp = std::env::temp_dir();
        }
        Ok(st)
    }

    /// Whether a progress bar is shown while large files are read.
    pub fn progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Run `f` with the streaming options: the worker threads and the
    /// temporary sort files in the chosen folder.
    pub fn with_options<T>(&self, f: impl FnOnce(LoadOptions<'_>) -> T) -> T {
        let store = || self.spill_file();
        f(LoadOptions {
            threads: self.threads,
            spill: Some(&store),
            stats: None,
        })
    }

    /// Validate and digest everything, as [`load`] does, streaming the
    /// registry: the dataset's `entities` is empty.
    pub fn load(&self, plan_path: &Path) -> Result<Dataset, Error> {
        self.run(plan_path, |plan, open, opts| {
            load_streaming(&plan.name, &plan.text, open, opts)
        })
    }

    /// Draw, streaming the registry; one pass when `expected` digests are
    /// given (an input that differs is an error of kind `Differs`).
    pub fn draw(
        &self,
        plan_path: &Path,
        seed: &str,
        expected: Option<&InputDigests>,
    ) -> Result<StreamedDraw, Error> {
        self.run(plan_path, |plan, open, opts| {
            draw_streaming(&plan.name, &plan.text, open, seed, expected, opts)
        })
    }

    /// Read the plan, then run `f` with an opener of its inputs (with a
    /// progress bar on a terminal) and the streaming options.
    fn run<T>(
        &self,
        plan_path: &Path,
        f: impl FnOnce(
            &PlanFile,
            &mut dyn FnMut(&str) -> io::Result<Box<dyn Read>>,
            LoadOptions<'_>,
        ) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let plan = PlanFile::read(plan_path)?;
        let progress = !self.quiet && std::io::stderr().is_terminal();
        let store = || self.spill_file();
        let opts = LoadOptions {
            threads: self.threads,
            spill: Some(&store),
            stats: None,
        };
        let mut open = plan.opener(progress.then_some(&progress_bar as _));
        f(&plan, &mut open, opts)
    }

    /// A temporary sort file in the chosen folder; a failure names the
    /// folder and how to choose another.
    fn spill_file(&self) -> io::Result<Box<dyn SpillFile>> {
        match tempfile::tempfile_in(&self.tmp) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!(
                    "cannot create a temporary sort file in {}: {e} (choose a writable folder with --tmp DIR)",
                    self.tmp.display()
                ),
            )),
        }
    }
}

/// The folder for temporary files next to `path` (a file or folder that
/// may not exist yet): its nearest existing ancestor.
fn tmp_near(path: &Path) -> PathBuf {
    let mut p = path.parent();
    while let Some(d) = p {
        if d.as_os_str().is_empty() {
            break;
        }
        if d.is_dir() {
            return d.to_path_buf();
        }
        p = d.parent();
    }
    PathBuf::from(".")
}

/// Inputs at least this large get a progress bar.
const PROGRESS_BYTES: u64 = 64 << 20;

/// A progress bar on stderr while reading a large input.
pub fn progress_bar(name: &str, len: u64, file: Box<dyn Read>) -> Box<dyn Read> {
    if len < PROGRESS_BYTES {
        return file;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(crate::exit::clean(name).into_owned());
    Box::new(Finish(bar.wrap_read(file)))
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

/// Read and parse a commitment, with the position of a parse error.
pub fn read_commitment(path: &Path) -> Result<Commitment, String> {
    let text = fsio::read_text(path, MAX_COMMITMENT_BYTES)?;
    Commitment::from_json(&text).map_err(|e| {
        format!(
            "{}:{}:{}: not a commitment: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// The plan's text (without a byte-order mark), for the published copy.
pub fn plan_text(plan_path: &Path) -> Result<String, Error> {
    Ok(PlanFile::read(plan_path)?.text)
}
