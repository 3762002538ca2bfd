//! Reading a plan, its inputs and the JSON files of a draw from the file
//! system (feature `fs`, on by default).
//!
//! The rules, in one place for every command:
//!
//! - **Only regular files are read.** A FIFO, a device, a socket or a
//!   folder named as a plan, input, result, commitment or journal is refused
//!   at once, with a message naming it, before it is opened (opening a FIFO
//!   for reading would block until a writer appears).
//! - **Every JSON input has a size limit checked before it is read**
//!   ([`MAX_COMMITMENT_BYTES`], [`MAX_PLAN_BYTES`],
//!   [`DEFAULT_MAX_RESULT_BYTES`]; journal lines
//!   [`crate::journal::MAX_JOURNAL_LINE_BYTES`]), and the read itself stops
//!   at the limit, so a file that grows while it is read cannot exceed it.
//! - **Inputs stay in the plan's folder**: an input named by an absolute
//!   path, or one that leaves the plan's folder (`..`, or a symbolic link
//!   resolving outside it), is refused unless the plan says
//!   `[inputs] allow_outside = true`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, DiagnosticKind, Diagnostics, Error, ErrorKind, Position, Result};
use crate::load::Dataset;

/// The largest plan file read: 16 MiB. A plan with a thousand tasks is a
/// few hundred KB.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const MAX_PLAN_BYTES: u64 = 16 << 20;

/// The largest `commitment.json` read: 1 MiB. A commitment holds a plan
/// summary and seven digests: a few KB whatever the size of the registry.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const MAX_COMMITMENT_BYTES: u64 = 1 << 20;

/// The default limit for a `result.json`: 16 GiB. A result grows with the
/// visits drawn, about 600 bytes a visit (BENCHMARKS.md: 942 MB for 1.6
/// million visits at 10^7 entities and 30 items, 288 MB for one item at
/// 10^8), so a province-wide draw of 30 items at 10^8 entities would be
/// near 10 GB. Above this, a flag raises it (`--max-json-bytes`).
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub const DEFAULT_MAX_RESULT_BYTES: u64 = 16 << 30;

/// What kind of file system object `meta` describes, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Open `path` for reading if it is a regular file (symbolic links
/// followed); anything else is refused without opening it, so a FIFO never
/// blocks. The error names what the path is.
///
/// ```
/// use shuangsuiji::load::open::open_regular;
/// let dir = std::env::temp_dir();
/// let e = open_regular(&dir).unwrap_err();
/// assert!(e.to_string().contains("a directory, not a regular file"), "{e}");
/// ```
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn open_regular(path: &Path) -> io::Result<File> {
    let refuse = |meta: &std::fs::Metadata| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(meta)),
        )
    };
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(refuse(&meta));
    }
    let f = File::open(path)?;
    // replaced between the two looks: check what was opened
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(refuse(&meta));
    }
    Ok(f)
}

/// Read the whole regular file at `path` if it holds at most `limit`
/// bytes; a larger one is refused before anything is read (and the read
/// stops at the limit should the file grow meanwhile).
///
/// ```
/// use shuangsuiji::load::open::read_limited;
/// let p = std::env::temp_dir().join(format!("ssj-doc-limited-{}", std::process::id()));
/// std::fs::write(&p, b"0123456789").unwrap();
/// assert_eq!(read_limited(&p, 10).unwrap(), b"0123456789");
/// let e = read_limited(&p, 9).unwrap_err();
/// assert_eq!(e.to_string(), "it is 10 bytes, more than the 9 read at most");
/// std::fs::remove_file(&p).unwrap();
/// ```
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let f = open_regular(path)?;
    let len = f.metadata()?.len();
    let too_big = |n: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is {n} bytes, more than the {limit} read at most"),
        )
    };
    if len > limit {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A plan file as read: its name (for messages), its text (without a
/// byte-order mark) and its folder.
#[derive(Debug, Clone)]
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub struct PlanFile {
    /// The file name, as messages give it.
    pub name: String,
    /// The text, UTF-8, without a byte-order mark.
    pub text: String,
    /// The folder its inputs are named relative to.
    pub dir: PathBuf,
    /// `[inputs] allow_outside = true`: inputs may be anywhere.
    pub allow_outside: bool,
}

impl PlanFile {
    /// Read a plan file: a regular file of at most [`MAX_PLAN_BYTES`],
    /// UTF-8 (with or without a byte-order mark). Errors are input errors
    /// naming the file (and the line of the first invalid UTF-8 byte).
    ///
    /// ```
    /// use shuangsuiji::load::open::PlanFile;
    /// let p = std::env::temp_dir().join(format!("ssj-doc-plan-{}.toml", std::process::id()));
    /// std::fs::write(&p, b"\xEF\xBB\xBF[plan]\n\xFF\n").unwrap();
    /// let e = PlanFile::read(&p).unwrap_err();
    /// assert!(e.to_string().contains(".toml:2: error: the plan is not valid UTF-8"), "{e}");
    /// std::fs::write(&p, "\u{FEFF}[inputs]\nallow_outside = true\n").unwrap();
    /// let plan = PlanFile::read(&p).unwrap();
    /// assert!(plan.text.starts_with("[inputs]") && plan.allow_outside);
    /// std::fs::remove_file(&p).unwrap();
    /// ```
    pub fn read(plan_path: &Path) -> Result<PlanFile> {
        let plan_name = plan_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| plan_path.display().to_string());
        let bytes = read_limited(plan_path, MAX_PLAN_BYTES).map_err(|e| {
            one(
                Position::file(plan_path.display().to_string()),
                format!("cannot read the plan: {e}"),
            )
        })?;
        let mut text = match String::from_utf8(bytes) {
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
        if text.starts_with('\u{FEFF}') {
            text.drain(..'\u{FEFF}'.len_utf8());
        }
        let dir: PathBuf = plan_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let allow_outside = allow_outside(&text);
        Ok(PlanFile {
            name: plan_name,
            text,
            dir,
            allow_outside,
        })
    }

    /// Open the input `name` (as the plan gives it): a regular file in the
    /// plan's folder (see the module docs), with its size.
    pub fn open_input(&self, name: &str) -> io::Result<(File, u64)> {
        let path = self.dir.join(name);
        if !self.allow_outside {
            inside(&self.dir, name, &path)?;
        }
        let f = open_regular(&path)?;
        let len = f.metadata()?.len();
        Ok((f, len))
    }
}

/// `[inputs] allow_outside` as the plan gives it (false when absent, or
/// when the plan is not TOML: the load reports that).
fn allow_outside(text: &str) -> bool {
    let Ok(v) = toml::from_str::<toml::Table>(text) else {
        return false;
    };
    v.get("inputs")
        .and_then(|i| i.get("allow_outside"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false)
}

/// Refuse an input outside the plan's folder `dir`.
fn inside(dir: &Path, name: &str, path: &Path) -> io::Result<()> {
    let outside = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{why}; inputs must be in the plan's folder (set [inputs] allow_outside = true in the plan to allow it)"
            ),
        )
    };
    let named = Path::new(name);
    if named.is_absolute() || named.has_root() {
        return Err(outside("it is an absolute path"));
    }
    if named
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(outside("it leaves the plan's folder ('..')"));
    }
    // a symbolic link (of the file or of a folder on the way) resolving
    // outside; a missing file is left to the open, which says so
    let (Ok(base), Ok(real)) = (
        std::fs::canonicalize(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }),
        std::fs::canonicalize(path),
    ) else {
        return Ok(());
    };
    if !real.starts_with(&base) {
        return Err(outside(
            "it is a symbolic link to a file outside the plan's folder",
        ));
    }
    Ok(())
}

/// Wraps an input's reader, given the input's name (as the plan gives it)
/// and size: a progress display, for instance.
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub type WrapReader<'a> = dyn Fn(&str, u64, Box<dyn Read>) -> Box<dyn Read> + 'a;

/// How [`Dataset::open`] reads the inputs.
///
/// ```
/// use std::{cell::RefCell, io::Read};
/// use shuangsuiji::{Dataset, load::open::OpenOptions};
/// let seen = RefCell::new(Vec::new());
/// let wrap = |name: &str, _len: u64, r: Box<dyn Read>| { seen.borrow_mut().push(name.to_string()); r };
/// let opts = OpenOptions { wrap: Some(&wrap) };
/// let ds = Dataset::open_with("../../data/youyu-forestry/plan.toml", &opts).unwrap();
/// assert_eq!(seen.borrow().len(), 5);
/// assert_eq!(ds.plan().tasks.len(), 11);
/// ```
#[derive(Default)]
pub struct OpenOptions<'a> {
    /// Wraps each input's reader, given the input's name (as the plan
    /// gives it) and size: a progress display, for instance.
    pub wrap: Option<&'a WrapReader<'a>>,
}

/// A buffered reader of an opened input, wrapped as `opts` says.
pub(crate) fn input_reader(
    plan: &PlanFile,
    name: &str,
    wrap: Option<&WrapReader<'_>>,
) -> io::Result<Box<dyn Read>> {
    let (f, len) = plan.open_input(name)?;
    let r: Box<dyn Read> = Box::new(io::BufReader::with_capacity(256 * 1024, f));
    Ok(match wrap {
        Some(w) => w(name, len, r),
        None => r,
    })
}

impl PlanFile {
    /// An opener of this plan's inputs for [`Dataset::load`] and the
    /// streaming functions: each input buffered, then wrapped by `wrap`.
    pub fn opener<'a>(
        &'a self,
        wrap: Option<&'a WrapReader<'a>>,
    ) -> impl FnMut(&str) -> io::Result<Box<dyn Read>> + 'a {
        move |name| input_reader(self, name, wrap)
    }
}

impl Dataset {
    /// Open `plan.toml` and the inputs it names (relative to its folder),
    /// validate everything and compute the digests: [`Dataset::load`] from
    /// the file system, under the rules of [`crate::load::open`].
    ///
    /// ```
    /// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// assert_eq!(ds.plan().id, "YYLY-2026-Q4");
    /// ```
    pub fn open(plan: impl AsRef<Path>) -> Result<Dataset> {
        Dataset::open_with(plan, &OpenOptions::default())
    }

    /// [`Dataset::open`], each input's reader wrapped as `opts` says.
    ///
    /// ```
    /// use shuangsuiji::Dataset;
    /// use shuangsuiji::load::open::OpenOptions;
    /// let seen = std::cell::RefCell::new(Vec::new());
    /// let wrap = |name: &str, _len: u64, r: Box<dyn std::io::Read>| {
    ///     seen.borrow_mut().push(name.to_string());
    ///     r
    /// };
    /// let opts = OpenOptions { wrap: Some(&wrap) };
    /// let ds = Dataset::open_with("../../data/youyu-forestry/plan.toml", &opts).unwrap();
    /// assert!(!ds.entities().is_empty());
    /// assert!(seen.borrow().contains(&"entities.csv".to_string()));
    /// ```
    pub fn open_with(plan_path: impl AsRef<Path>, opts: &OpenOptions<'_>) -> Result<Dataset> {
        let plan = PlanFile::read(plan_path.as_ref())?;
        Dataset::load(&plan.name, &plan.text, plan.opener(opts.wrap))
    }
}

fn one(position: Position, message: String) -> Error {
    let diag = Diagnostic::error(DiagnosticKind::Plan, position, message);
    Error::from(ErrorKind::Input {
        diagnostics: Diagnostics(vec![diag]),
    })
}
