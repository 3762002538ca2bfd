//! File-system policy: atomic writes of a set of files, the journal append,
//! and the clock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use shuangsuiji::journal::{
    JournalEntry, JournalError, JournalRecord, append_entry, verify_journal,
};

/// A set of files written into a folder all at once.
///
/// Files are staged (written and fsynced) in a staging folder. On
/// [`Staged::commit`] a single file is renamed into place (atomic); a set of
/// several files replaces the folder's contents atomically: the staging
/// folder, a sibling of the output folder, receives hard links to every
/// other file already in the output folder, and is then exchanged with it in
/// one `renameat2(RENAME_EXCHANGE)` (or renamed onto it when the output
/// folder is new or empty). A process killed at any moment therefore leaves
/// the output folder either complete as before or complete as after; only
/// a hidden staging folder may be left behind, which the next run removes.
/// Dropped without commit, it removes what it wrote (and the output folder,
/// if it created it).
pub struct Staged {
    dir: PathBuf,
    created_dir: bool,
    staging: PathBuf,
    names: Vec<String>,
    done: bool,
}

/// The hidden staging folder name for `dir` and this process.
fn staging_for(dir: &Path) -> io::Result<PathBuf> {
    let abs = fs::canonicalize(dir)?;
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".into());
    let parent = abs.parent().unwrap_or(Path::new("/"));
    Ok(parent.join(format!(".{name}.ssj-staging-{}", std::process::id())))
}

/// Remove staging folders left by runs that were killed.
fn remove_stale_staging(dir: &Path) {
    let Ok(abs) = fs::canonicalize(dir) else {
        return;
    };
    let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
        return;
    };
    let prefix = format!(".{}.ssj-staging-", name.to_string_lossy());
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Staged {
    /// Stage into `dir`, creating it if needed.
    pub fn new(dir: &Path) -> io::Result<Staged> {
        let created_dir = !dir.exists();
        if created_dir {
            fs::create_dir_all(dir)?;
        }
        remove_stale_staging(dir);
        let staging = staging_for(dir)?;
        fs::create_dir(&staging)?;
        Ok(Staged {
            dir: dir.to_path_buf(),
            created_dir,
            staging,
            names: Vec::new(),
            done: false,
        })
    }

    /// Write `bytes` to the staged file `name`, and fsync it.
    pub fn stage(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.stage_with(name, &mut |w| w.write_all(bytes))
    }

    /// Stage the file `name` as `write` writes it (buffered, so large
    /// output is never held whole), and fsync it.
    pub fn stage_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let f = File::create(self.staging.join(name))?;
        self.names.push(name.to_string());
        let mut w = io::BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        let f = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.sync_all()?;
        crash_point(&format!("staged-{name}"));
        Ok(())
    }

    /// Put the staged files in place, atomically (see the type's docs).
    pub fn commit(mut self) -> io::Result<()> {
        if let [name] = self.names.as_slice() {
            fs::rename(self.staging.join(name), self.dir.join(name))?;
            self.done = true;
            let _ = fs::remove_dir(&self.staging);
            return sync_dir(&self.dir);
        }
        // carry over every other file of the output folder
        let mut empty = true;
        for e in fs::read_dir(&self.dir)? {
            let e = e?;
            empty = false;
            let name = e.file_name();
            if self.names.iter().any(|n| *n == *name.to_string_lossy()) {
                continue;
            }
            let target = self.staging.join(&name);
            if e.file_type()?.is_dir() {
                return Err(io::Error::other(format!(
                    "{} holds a folder ({}); write the draw to a folder of its own",
                    self.dir.display(),
                    name.to_string_lossy()
                )));
            }
            if fs::hard_link(e.path(), &target).is_err() {
                fs::copy(e.path(), &target)?;
            }
        }
        sync_dir(&self.staging)?;
        crash_point("before-swap");
        if empty {
            fs::rename(&self.staging, &self.dir)?;
        } else {
            rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.staging,
                rustix::fs::CWD,
                &self.dir,
                rustix::fs::RenameFlags::EXCHANGE,
            )
            .map_err(io::Error::from)?;
        }
        self.done = true;
        crash_point("after-swap");
        // the staging path now holds the previous contents (or nothing)
        let _ = fs::remove_dir_all(&self.staging);
        sync_dir(self.dir.parent().unwrap_or(Path::new("")))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let _ = fs::remove_dir_all(&self.staging);
        if self.created_dir {
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// In debug builds, `SSJ_CRASH_AT=<point>` kills the process with SIGKILL at
/// that point, for the crash-safety tests; release builds have no such hook.
pub fn crash_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("SSJ_CRASH_AT").is_ok_and(|p| p == point) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
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
    crash_point("before-journal");
    // one write of one line: a process killed around it leaves the line
    // whole or absent
    f.write_all(line.as_bytes()).map_err(JournalFailure::Io)?;
    f.sync_all().map_err(JournalFailure::Io)?;
    crash_point("after-journal");
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

/// A writer that passes bytes on and hashes them (SHA-256).
pub struct HashingWriter<'a> {
    inner: &'a mut dyn Write,
    hasher: sha2::Sha256,
}

impl<'a> HashingWriter<'a> {
    /// Hash what goes to `inner`.
    pub fn new(inner: &'a mut dyn Write) -> HashingWriter<'a> {
        use sha2::Digest;
        HashingWriter {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    /// The SHA-256 of everything written, in hex.
    pub fn hex(self) -> String {
        use sha2::Digest;
        shuangsuiji::commit::digest::hex(&self.hasher.finalize())
    }
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Read a text file of at most `limit` bytes (a regular file: see
/// `shuangsuiji::load::open`), naming it on failure.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = shuangsuiji::load::open::read_limited(path, limit)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut text =
        String::from_utf8(bytes).map_err(|_| format!("{}: not valid UTF-8", path.display()))?;
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
    Ok(text)
}
