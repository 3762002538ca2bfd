//! Appending to a journal file: locked, whole lines, torn tails handled.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::journal::{
    JournalEntry, JournalRecord, MAX_JOURNAL_LINE_BYTES, append_entry, verify_journal,
};
use crate::publish::staged::{crash_point, sync_dir};

use crate::publish::attempt::publish_error;

/// Open the journal for reading and appending, refusing anything but a
/// regular file (a FIFO would block forever), and lock it exclusively.
fn open_locked(path: &Path) -> Result<File> {
    if let Ok(m) = fs::symlink_metadata(path) {
        let m = if m.file_type().is_symlink() {
            fs::metadata(path).map_err(|e| publish_error(path, e))?
        } else {
            m
        };
        if !m.is_file() {
            return Err(publish_error(
                path,
                "the journal is not a regular file (a FIFO, device or folder); name a regular file",
            ));
        }
    }
    let f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| publish_error(path, e))?;
    // one appender at a time: the kernel queues the others here
    f.lock().map_err(|e| publish_error(path, e))?;
    Ok(f)
}

/// Where a torn tail is kept: `<journal>.torn-<offset>`.
fn torn_path(path: &Path, offset: u64) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(format!(".torn-{offset}"));
    PathBuf::from(p)
}

/// Where the journal's last complete line ends: the file's length when it
/// ends with a line feed, else the position after its last line feed (the
/// rest is a torn line). Read from the end, at most one journal line back:
/// a journal is never held whole.
fn complete_len(path: &Path, f: &mut File) -> Result<u64> {
    let io = |e: std::io::Error| publish_error(path, e);
    let len = f.metadata().map_err(io)?.len();
    let max_back = MAX_JOURNAL_LINE_BYTES as u64 + 1;
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(64 << 10);
        let mut chunk = vec![0; (end - start) as usize];
        f.seek(SeekFrom::Start(start)).map_err(io)?;
        f.read_exact(&mut chunk).map_err(io)?;
        if end == len && chunk.last() == Some(&b'\n') {
            return Ok(len);
        }
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        if len - start > max_back {
            return Err(publish_error(
                path,
                format!(
                    "the journal's last line is longer than {MAX_JOURNAL_LINE_BYTES} bytes, more than any entry: this is not a torn journal line; nothing was appended"
                ),
            ));
        }
        end = start;
    }
    Ok(0)
}

/// Cut a torn last line (no line feed: a write cut short) off the locked
/// journal `f`, keeping its bytes in `<journal>.torn-<offset>`. Returns
/// where they were kept and how many bytes, if there was one.
fn cut_torn_tail(path: &Path, f: &mut File) -> Result<(u64, Option<(PathBuf, u64)>)> {
    let io = |e: std::io::Error| publish_error(path, e);
    let len = f.metadata().map_err(io)?.len();
    let keep = complete_len(path, f)?;
    if keep == len {
        return Ok((len, None));
    }
    let mut tail = Vec::new();
    f.seek(SeekFrom::Start(keep)).map_err(io)?;
    Read::by_ref(f)
        .take(len - keep)
        .read_to_end(&mut tail)
        .map_err(io)?;
    let aside = torn_path(path, keep);
    fs::write(&aside, &tail).map_err(|e| publish_error(&aside, e))?;
    f.set_len(keep).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok((keep, Some((aside, len - keep))))
}

/// Append one record to the journal at `path` (created if missing).
///
/// The journal is locked for the whole append, so that concurrent
/// attempts are serialised and the chain stays whole. Its chain is checked
/// first: nothing is appended to a journal that does not verify. A torn
/// last line (a crash or a full disk during an earlier append) is moved
/// aside to `<journal>.torn-<offset>` and the new entry's note says so,
/// so that a torn line never stops an attempt from being recorded. The
/// line is written in one write; if that fails (a full disk), the file is
/// cut back to its previous length.
///
/// ```
/// use shuangsuiji::journal::{JournalOutcome, JournalRecord};
/// use shuangsuiji::publish::append_to_journal;
/// let dir = std::env::temp_dir().join(format!("ssj-doc-journal-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("journal.jsonl");
/// let record = JournalRecord {
///     time: "2026-10-09T02:00:00Z".into(), command: "draw".into(), plan_id: None,
///     seed: None, digests: None, outcome: JournalOutcome::Invalid, output: None,
///     error: Some("example".into()), note: None, bundle: None,
/// };
/// assert_eq!(append_to_journal(&path, record.clone()).unwrap().seq, 1);
/// // a torn line left by a crash is moved aside and noted
/// std::fs::OpenOptions::new().append(true).open(&path).unwrap()
///     .write_all(b"{\"seq\":2,\"ti").unwrap();
/// # use std::io::Write;
/// let e = append_to_journal(&path, record).unwrap();
/// assert_eq!(e.seq, 2);
/// assert!(e.record.note.unwrap().contains("torn"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn append_to_journal(path: &Path, mut record: JournalRecord) -> Result<JournalEntry> {
    let existed = path.exists();
    let mut f = open_locked(path)?;
    let (len, torn) = cut_torn_tail(path, &mut f)?;
    if let Some((aside, bytes)) = torn {
        let torn = format!(
            "a torn last line ({bytes} bytes, a write cut short) was moved aside to {}",
            aside.display()
        );
        record.note = Some(match record.note.take() {
            Some(n) => format!("{n}; {torn}"),
            None => torn,
        });
    }
    // the chain is checked reading line by line: only the entries are held
    f.seek(SeekFrom::Start(0))
        .map_err(|e| publish_error(path, e))?;
    let report = verify_journal(std::io::BufReader::new(Read::by_ref(&mut f).take(len))).map_err(|e| {
        publish_error(
            path,
            format!(
                "the journal does not verify ({e}); nothing was appended: keep it as evidence and start a new journal"
            ),
        )
    })?;
    f.seek(SeekFrom::End(0))
        .map_err(|e| publish_error(path, e))?;
    let (line, entry) = append_entry(report.head().as_ref(), record);
    // never a line that the journal's readers refuse (the entry's texts
    // are bounded; only a seed text of about a megabyte is left)
    if line.len() > MAX_JOURNAL_LINE_BYTES {
        return Err(publish_error(
            path,
            format!(
                "the entry would be a line of {} bytes, more than the {MAX_JOURNAL_LINE_BYTES} a journal line may be (the seed text is {} bytes); nothing was appended",
                line.len(),
                entry.record.seed.as_ref().map_or(0, String::len)
            ),
        ));
    }
    crash_point("before-journal");
    if let Err(e) = write_line(&mut f, line.as_bytes()) {
        // a full disk: take the partial line back out
        let _ = f.set_len(len);
        let _ = f.seek(SeekFrom::End(0));
        let _ = f.sync_all();
        return Err(publish_error(path, e));
    }
    crash_point("after-journal");
    if !existed {
        sync_dir(path.parent().unwrap_or(Path::new(""))).map_err(|e| publish_error(path, e))?;
    }
    Ok(entry)
}

/// Write one journal line and make it durable.
///
/// Debug builds have two fault hooks for the tests (release builds have
/// none): `SSJ_FAULT_AT=journal-write` writes the first half of the line
/// and then fails as a full disk does; `SSJ_CRASH_AT=mid-journal` writes
/// the first half, syncs it and kills the process, leaving a torn line.
fn write_line(f: &mut File, line: &[u8]) -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    {
        let half = &line[..line.len() / 2];
        if std::env::var("SSJ_FAULT_AT").is_ok_and(|p| p == "journal-write") {
            f.write_all(half)?;
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device (simulated by SSJ_FAULT_AT=journal-write)",
            ));
        }
        if std::env::var("SSJ_CRASH_AT").is_ok_and(|p| p == "mid-journal") {
            f.write_all(half)?;
            f.sync_all()?;
            crash_point("mid-journal");
        }
    }
    f.write_all(line)?;
    f.sync_all()
}

/// Move a torn last line of the journal aside (`ssj journal repair`):
/// returns where it was kept, or `None` when the journal has none.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ssj-doc-{}-{}", line!(), std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir).unwrap();
/// use shuangsuiji::publish::repair_journal;
/// let journal = dir.join("journal.jsonl");
/// std::fs::write(&journal, "").unwrap();
/// assert_eq!(repair_journal(&journal).unwrap(), None); // nothing torn
/// std::fs::write(&journal, "{\"seq\":1,\"cut sh").unwrap(); // a crash mid-write
/// let aside = repair_journal(&journal).unwrap().unwrap();
/// assert_eq!(std::fs::read(&journal).unwrap().len(), 0);
/// assert_eq!(std::fs::read_to_string(&aside).unwrap(), "{\"seq\":1,\"cut sh");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn repair_journal(path: &Path) -> Result<Option<PathBuf>> {
    let mut f = open_locked(path)?;
    Ok(cut_torn_tail(path, &mut f)?.1.map(|(aside, _)| aside))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalOutcome;

    #[test]
    fn an_entry_longer_than_a_journal_line_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let record = |seed: String| JournalRecord {
            time: "2026-10-09T02:00:00Z".into(),
            command: "draw".into(),
            plan_id: Some("P".into()),
            seed: Some(seed),
            digests: None,
            outcome: JournalOutcome::Invalid,
            output: None,
            error: Some("x".repeat(1 << 20)),
            note: None,
            bundle: None,
        };
        // the error is cut, the seed is not: one of a megabyte is refused
        assert_eq!(append_to_journal(&path, record("1".into())).unwrap().seq, 1);
        let before = fs::read(&path).unwrap();
        let e = append_to_journal(&path, record("1".repeat(MAX_JOURNAL_LINE_BYTES)))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("more than the 1048576 a journal line may be"),
            "{e}"
        );
        assert_eq!(fs::read(&path).unwrap(), before);
        assert_eq!(append_to_journal(&path, record("2".into())).unwrap().seq, 2);
    }
}
