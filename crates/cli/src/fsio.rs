//! File-system policy: atomic writes of a set of files, the journal append,
//! and the clock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use shuangsuiji::{JournalEntry, JournalError, JournalRecord, append_entry, verify_journal};

/// Files staged in a folder: written to temporary files next to their
/// final names and fsynced; [`Staged::commit`] renames them all and
/// fsyncs the folder. Dropped without commit, it removes what it wrote
/// (and the folder, if it created it).
pub struct Staged {
    dir: PathBuf,
    created_dir: bool,
    files: Vec<(PathBuf, PathBuf)>,
    done: bool,
}

impl Staged {
    /// Stage into `dir`, creating it if needed.
    pub fn new(dir: &Path) -> io::Result<Staged> {
        let created_dir = !dir.exists();
        if created_dir {
            fs::create_dir_all(dir)?;
        }
        Ok(Staged {
            dir: dir.to_path_buf(),
            created_dir,
            files: Vec::new(),
            done: false,
        })
    }

    /// Write `bytes` to a temporary file for `name`, and fsync it.
    pub fn stage(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let fin = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        self.files.push((tmp.clone(), fin));
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    }

    /// Rename every staged file to its final name, then fsync the folder.
    pub fn commit(mut self) -> io::Result<()> {
        for (tmp, fin) in &self.files {
            fs::rename(tmp, fin)?;
        }
        self.done = true;
        sync_dir(&self.dir)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for (tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
        if self.created_dir {
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// fsync a folder so that a rename or a new file in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let d = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(d)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Why a journal entry could not be appended.
pub enum JournalFailure {
    /// Reading or writing failed.
    Io(io::Error),
    /// The journal is broken; nothing is appended to a broken journal.
    Broken(JournalError),
}

impl std::fmt::Display for JournalFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalFailure::Io(e) => write!(f, "{e}"),
            JournalFailure::Broken(e) => write!(
                f,
                "the journal does not verify ({e}); nothing was appended — keep it as evidence and start a new journal"
            ),
        }
    }
}

/// Append one record to the journal at `path` (created if missing) after
/// checking its chain, and fsync it.
pub fn append_journal(path: &Path, record: JournalRecord) -> Result<JournalEntry, JournalFailure> {
    let existed = path.exists();
    let mut f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(JournalFailure::Io)?;
    let mut text = String::new();
    f.read_to_string(&mut text).map_err(JournalFailure::Io)?;
    let report = verify_journal(text.as_bytes()).map_err(JournalFailure::Broken)?;
    let (line, entry) = append_entry(report.head().as_ref(), record);
    f.write_all(line.as_bytes()).map_err(JournalFailure::Io)?;
    f.sync_all().map_err(JournalFailure::Io)?;
    if !existed {
        sync_dir(path.parent().unwrap_or(Path::new(""))).map_err(JournalFailure::Io)?;
    }
    Ok(entry)
}

/// The journal path: as given, or `journal.jsonl` next to the plan.
pub fn journal_path(given: Option<&Path>, plan: &Path) -> PathBuf {
    match given {
        Some(p) => p.to_path_buf(),
        None => plan.parent().unwrap_or(Path::new("")).join("journal.jsonl"),
    }
}

/// Whether `SOURCE_DATE_EPOCH` sets the clock.
pub fn clock_override() -> bool {
    std::env::var("SOURCE_DATE_EPOCH").is_ok_and(|s| s.trim().parse::<i64>().is_ok())
}

/// Now, as RFC 3339 UTC (`2026-10-09T02:03:04Z`); `SOURCE_DATE_EPOCH`
/// (seconds) overrides the clock for reproducible test output.
pub fn now_rfc3339() -> String {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Lower-case hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    shuangsuiji::hex(&sha2::Sha256::digest(bytes))
}

/// Read a text file, naming it on failure.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{}: not valid UTF-8", path.display()))?;
    Ok(text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_string())
}
