//! Atomic folder writes and the lock of an output folder.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The lock of one output folder, held from before staging until the
/// attempt is journaled: an operating-system lock (`flock`) on the folder
/// that contains it (whose identity, unlike the output folder's, does not
/// change when the output is swapped in). No file is created; the kernel
/// releases the lock when the process ends, however it ends, so a crash
/// never leaves a lock behind. Publishers into sibling folders wait for
/// each other too, which costs nothing but a short wait.
pub(crate) struct OutLock {
    _file: File,
}

/// Refuse an output path that is a symbolic link or not a folder.
pub(crate) fn check_out(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::other(format!(
            "{} is a symbolic link; write into a real folder (a link would leave its target and the journal disagreeing)",
            dir.display()
        ))),
        Ok(m) if !m.is_dir() => Err(io::Error::other(format!(
            "{} exists and is not a folder",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// The folder's absolute parent and name (the folder may not exist yet).
fn parent_and_name(dir: &Path) -> io::Result<(PathBuf, String)> {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    };
    let mut parts: Vec<std::path::Component<'_>> = Vec::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let abs: PathBuf = parts.iter().collect();
    match (abs.parent(), abs.file_name()) {
        (Some(p), Some(n)) => Ok((
            fs::canonicalize(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?,
            n.to_string_lossy().into_owned(),
        )),
        _ => Err(io::Error::other(format!(
            "{}: cannot publish into the root folder",
            dir.display()
        ))),
    }
}

/// Take the lock of `dir`, waiting while another process holds it.
pub(crate) fn lock_out(dir: &Path) -> io::Result<OutLock> {
    let (parent, _) = parent_and_name(dir)?;
    let file = File::open(&parent)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent.display())))?;
    file.lock()
        .map_err(|e| io::Error::new(e.kind(), format!("{} (lock): {e}", parent.display())))?;
    Ok(OutLock { _file: file })
}

/// A set of files written into a folder all at once (see
/// [`Staged::commit`]). Only create one while holding the folder's
/// [`OutLock`].
pub(crate) struct Staged {
    dir: PathBuf,
    created_dir: bool,
    staging: PathBuf,
    names: Vec<String>,
    done: bool,
}

impl Staged {
    /// Stage into `dir`, creating it if needed. Staging folders left by
    /// killed runs are removed (safe: the caller holds the folder's lock).
    pub(crate) fn new(dir: &Path) -> io::Result<Staged> {
        check_out(dir)?;
        let (parent, name) = parent_and_name(dir)?;
        let prefix = format!(".{name}.ssj-staging-");
        if let Ok(entries) = fs::read_dir(&parent) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        let created_dir = !dir.exists();
        if created_dir {
            fs::create_dir(dir)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
        }
        let staging = parent.join(format!("{prefix}{}", std::process::id()));
        if let Err(e) = fs::create_dir(&staging) {
            if created_dir {
                let _ = fs::remove_dir(dir);
            }
            return Err(io::Error::new(
                e.kind(),
                format!("{} (staging next to the output): {e}", staging.display()),
            ));
        }
        Ok(Staged {
            dir: dir.to_path_buf(),
            created_dir,
            staging,
            names: Vec::new(),
            done: false,
        })
    }

    /// Stage the files `names`, written by `write` (which returns what is
    /// kept of each, in `names` order), on up to two threads: a 30-item
    /// draw's workbook and its notices are written at the same time. The
    /// bytes of each file do not depend on the order; on an error the
    /// first failed file (in `names` order) is reported.
    pub(crate) fn stage_all<T: Send>(
        &mut self,
        names: &[&str],
        write: &(dyn Fn(&str, &mut StagedWriter) -> io::Result<T> + Sync),
    ) -> io::Result<Vec<T>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(2)
            .min(names.len());
        // the longest files first, so that none is left to run alone at
        // the end: the workbook (a 30-item draw's at 10^7 takes about 13 s
        // to write), then the inputs (the registry's copy), then the
        // notices (a page a visit: a 30-item draw's HTML is 1.7 GB at
        // 10^7, its Markdown 0.9 GB), then the rest. (Workbook-first was
        // measured 2–2.5 s slower for a one-item draw when the registry
        // was still copied through this process; with the kernel's copy
        // it is not: BENCHMARKS.md.)
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by_key(|&i| {
            let name = names[i];
            let input = crate::publish::INPUT_FILES.iter().any(|(_, n)| *n == name);
            let notice = (name.starts_with("notice.") || name.starts_with("pre-draw."))
                && (name.ends_with(".html") || name.ends_with(".md"));
            (!name.ends_with(".xlsx"), !input, !notice)
        });
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<io::Result<T>>>> =
            names.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let staging = &self.staging;
        let work = || {
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let name = names[i];
                let r = stage_file(staging, name, &mut |w| write(name, w));
                let failed = r.is_err();
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
                if failed {
                    // the others stop at their next file
                    next.store(names.len(), std::sync::atomic::Ordering::Relaxed);
                    break;
                }
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
        let mut out = Vec::with_capacity(names.len());
        for (name, slot) in names.iter().zip(slots) {
            self.names.push((*name).to_string());
            match slot.into_inner().ok().flatten() {
                Some(Ok(t)) => out.push(t),
                Some(Err(e)) => return Err(e),
                None => {
                    // not written: a file before it failed, reported below
                    continue;
                }
            }
        }
        if out.len() == names.len() {
            Ok(out)
        } else {
            Err(io::Error::other("a file was not written"))
        }
    }

    /// The staging folder.
    pub(crate) fn staging(&self) -> &Path {
        &self.staging
    }

    /// Count the file `name`, already written into the staging folder
    /// (durably, by [`stage_file`]), as staged.
    pub(crate) fn adopt(&mut self, name: &str) {
        self.names.push(name.to_string());
    }

    /// Stage the file `name` as `write` writes it (buffered), and fsync it.
    pub(crate) fn stage_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.names.push(name.to_string());
        stage_file(&self.staging, name, &mut |w| write(w))
    }

    /// Put the staged files in place, atomically: the staging folder (a
    /// sibling of the output folder) receives hard links to every other
    /// file already in the output folder, and is then exchanged with it in
    /// one `renameat2(RENAME_EXCHANGE)` (or renamed onto it when the output
    /// folder is new or empty). A process killed at any moment leaves the
    /// output folder complete as before or complete as after. The previous
    /// contents are kept until [`Swapped::finish`], so that
    /// [`Swapped::undo`] can put them back.
    pub(crate) fn commit(mut self) -> io::Result<Swapped> {
        let mut empty = true;
        for e in fs::read_dir(&self.dir)? {
            let e = e?;
            empty = false;
            let name = e.file_name();
            if self.names.iter().any(|n| *n == *name.to_string_lossy()) {
                continue;
            }
            let target = self.staging.join(&name);
            if !e.file_type()?.is_file() {
                return Err(io::Error::other(format!(
                    "{} holds {} which is not a regular file; publish into a folder of its own",
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
        sync_dir(self.dir.parent().unwrap_or(Path::new("")))?;
        Ok(Swapped {
            dir: self.dir.clone(),
            old: self.staging.clone(),
            exchanged: !empty,
            created_dir: self.created_dir,
        })
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

/// Files put in place, with the previous contents kept aside.
pub(crate) struct Swapped {
    dir: PathBuf,
    old: PathBuf,
    exchanged: bool,
    created_dir: bool,
}

impl Swapped {
    /// Keep the new contents; drop the previous ones.
    pub(crate) fn finish(self) {
        let _ = fs::remove_dir_all(&self.old);
    }

    /// Put the previous contents back (the journal could not record the
    /// new ones).
    pub(crate) fn undo(self) -> io::Result<()> {
        if self.exchanged {
            rustix::fs::renameat_with(
                rustix::fs::CWD,
                &self.old,
                rustix::fs::CWD,
                &self.dir,
                rustix::fs::RenameFlags::EXCHANGE,
            )
            .map_err(io::Error::from)?;
            let _ = fs::remove_dir_all(&self.old);
        } else {
            fs::remove_dir_all(&self.dir)?;
            if !self.created_dir {
                fs::create_dir(&self.dir)?;
            }
        }
        sync_dir(self.dir.parent().unwrap_or(Path::new("")))
    }
}

/// Write one file atomically: a temporary file next to it, fsynced, then
/// renamed over it.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("ssj-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("notice.md");
/// shuangsuiji::publish::write_file_atomic(&path, &mut |w| w.write_all(b"# ok\n")).unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"# ok\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_file_atomic(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(io::Error::other(format!(
            "{} exists and is not a regular file",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // the temporary file is made in the target's own folder: that is the
    // folder that must be writable, never its parent
    let tmp = dir.join(format!(".{name}.ssj-tmp-{}", std::process::id()));
    let result = (|| {
        let f = File::create(&tmp)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", tmp.display())))?;
        let mut w = io::BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        let f = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(&dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// In debug builds, `SSJ_CRASH_AT=<point>` kills the process with SIGKILL at
/// that point, for the crash-safety tests; release builds have no such hook.
pub(crate) fn crash_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("SSJ_CRASH_AT").is_ok_and(|p| p == point) {
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// fsync a folder so that a rename or a new file in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    let d = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(d)?.sync_all()
}

/// Write one staged file and make it durable.
pub(crate) fn stage_file<T>(
    staging: &Path,
    name: &str,
    write: &mut dyn FnMut(&mut StagedWriter) -> io::Result<T>,
) -> io::Result<T> {
    let path = staging.join(name);
    let f = File::create(&path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let t = write_synced(f, &path, write)?;
    crash_point(&format!("staged-{name}"));
    Ok(t)
}

/// Bytes written between two early flushes of a large file.
const SYNC_EVERY: u64 = 64 << 20;

/// Write `f` with `write`, then make it durable (`sync_all`). A large file
/// (the registry's copy: 1.2 GB at 10^7 entities) is flushed to the disk
/// while it is still being written, by a second thread that calls
/// `sync_data` every [`SYNC_EVERY`] bytes, so that the last `sync_all`
/// waits for the rest only. An error of an early flush fails the file as
/// the last one would: the kernel reports a write-back error once per open
/// file, so it must not be lost.
fn write_synced<T>(
    f: File,
    path: &Path,
    write: &mut dyn FnMut(&mut StagedWriter) -> io::Result<T>,
) -> io::Result<T> {
    let early = f.try_clone()?;
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let syncer = scope.spawn(move || -> io::Result<()> {
            while rx.recv().is_ok() {
                // requests that came meanwhile are served by this one
                while rx.try_recv().is_ok() {}
                early.sync_data()?;
            }
            Ok(())
        });
        let mut w = StagedWriter {
            inner: io::BufWriter::with_capacity(1 << 20, f),
            path,
            written: 0,
            next: SYNC_EVERY,
            tx: Some(tx),
        };
        let t = write(&mut w);
        let StagedWriter { inner, tx, .. } = w;
        drop(tx);
        let early = syncer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the flushing thread panicked")));
        let t = t?;
        early?;
        let f = inner.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.sync_all()?;
        Ok(t)
    })
}

/// A staged file being written: buffered, and asking for an early flush
/// every [`SYNC_EVERY`] bytes.
pub(crate) struct StagedWriter<'p> {
    inner: io::BufWriter<File>,
    path: &'p Path,
    written: u64,
    next: u64,
    tx: Option<std::sync::mpsc::Sender<()>>,
}

impl StagedWriter<'_> {
    /// Make the file a copy of `src`, and read the copy back to hash it
    /// (SHA-256) and to check it with `check`, on two threads. The copy is
    /// made by the kernel where it can (`copy_file_range`: no byte passes
    /// through this process), and what is checked and hashed is what was
    /// written, so a source that changes meanwhile cannot make them
    /// disagree. When `check` refuses the copy, the file is emptied, to be
    /// written again, and `None` is returned.
    pub(crate) fn copy_checked(
        &mut self,
        src: &mut File,
        check: &(dyn Fn(&mut dyn Read) -> io::Result<bool> + Sync),
    ) -> io::Result<Option<[u8; 32]>> {
        use sha2::{Digest, Sha256};
        use std::io::{Seek, SeekFrom};
        self.inner.flush()?;
        if self.written != 0 {
            return Err(io::Error::other("a copy into a file already written"));
        }
        let n = io::copy(src, self.inner.get_mut())?;
        self.written = n;
        if let Some(tx) = &self.tx {
            // its pages are flushed to the disk while it is read back
            let _ = tx.send(());
        }
        let path = self.path;
        // set when the check has refused: the hash is not needed then
        let refused = std::sync::atomic::AtomicBool::new(false);
        let (hash, ok) = std::thread::scope(|scope| {
            let refused = &refused;
            let hasher = scope.spawn(move || -> io::Result<Option<([u8; 32], u64)>> {
                let mut f = File::open(path)?;
                let mut h = Sha256::new();
                let mut buf = vec![0u8; 1 << 20];
                let mut len = 0u64;
                loop {
                    if refused.load(std::sync::atomic::Ordering::Relaxed) {
                        return Ok(None);
                    }
                    let k = f.read(&mut buf)?;
                    if k == 0 {
                        return Ok(Some((h.finalize().into(), len)));
                    }
                    h.update(&buf[..k]);
                    len += k as u64;
                }
            });
            let ok = File::open(path).and_then(|mut f| check(&mut f));
            if !matches!(ok, Ok(true)) {
                refused.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            let hash = hasher
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the hashing thread panicked")));
            (hash, ok)
        });
        if ok? {
            let Some((hash, len)) = hash? else {
                return Err(io::Error::other("the copy was not hashed"));
            };
            if len != n {
                return Err(io::Error::other(format!(
                    "{}: the copy changed while it was read back",
                    path.display()
                )));
            }
            return Ok(Some(hash));
        }
        let f = self.inner.get_mut();
        f.set_len(0)?;
        f.seek(SeekFrom::Start(0))?;
        self.written = 0;
        self.next = SYNC_EVERY;
        Ok(None)
    }
}

impl Write for StagedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        if self.written >= self.next {
            self.next = self.written + SYNC_EVERY;
            // the bytes must reach the kernel before they can be flushed
            self.inner.flush()?;
            if let Some(tx) = &self.tx {
                let _ = tx.send(());
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Stage one file as `write` writes it; its bytes and what `write` kept.
    fn stage_one<T: Send>(
        write: &(dyn Fn(&str, &mut StagedWriter) -> io::Result<T> + Sync),
    ) -> (Vec<u8>, io::Result<T>) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Staged::new(&dir.path().join("out")).unwrap();
        let kept = s.stage_all(&["f.csv"], write).map(|mut v| v.remove(0));
        let bytes = std::fs::read(s.staging.join("f.csv")).unwrap_or_default();
        (bytes, kept)
    }

    fn source(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn a_copy_is_checked_and_hashed_as_written() {
        let src: Vec<u8> = (0..3_000_000u32).flat_map(u32::to_be_bytes).collect();
        let (_d, path) = source(&src);
        let (bytes, kept) = stage_one(&|_, w| {
            let seen = std::sync::Mutex::new(Vec::new());
            let check = |r: &mut dyn Read| {
                let mut all = Vec::new();
                r.read_to_end(&mut all)?;
                *seen.lock().unwrap() = all;
                Ok(true)
            };
            let h = w.copy_checked(&mut File::open(&path)?, &check)?;
            Ok((h, seen.into_inner().unwrap()))
        });
        let (hash, seen) = kept.unwrap();
        assert_eq!(bytes, src);
        assert_eq!(seen, src, "the check reads the whole copy");
        assert_eq!(hash, Some(<[u8; 32]>::from(Sha256::digest(&src))));
    }

    #[test]
    fn a_refused_copy_leaves_an_empty_file_to_write_again() {
        let (_d, path) = source(&vec![b'x'; 200_000]);
        let (bytes, kept) = stage_one(&|_, w| {
            let refuse = |_: &mut dyn Read| Ok(false);
            let h = w.copy_checked(&mut File::open(&path)?, &refuse)?;
            w.write_all(b"projected\n")?;
            Ok(h)
        });
        assert_eq!(kept.unwrap(), None);
        assert_eq!(bytes, b"projected\n");
    }

    #[test]
    fn a_copy_goes_only_into_an_empty_file() {
        let (_d, path) = source(b"abc\n");
        let (_, kept) = stage_one(&|_, w| {
            w.write_all(b"header\n")?;
            w.copy_checked(&mut File::open(&path)?, &|_| Ok(true))
        });
        assert_eq!(
            kept.unwrap_err().to_string(),
            "a copy into a file already written"
        );
    }

    #[test]
    fn an_error_of_the_check_fails_the_file() {
        let (_d, path) = source(b"abc\n");
        let (_, kept) = stage_one(&|_, w| {
            let broken = |_: &mut dyn Read| Err(io::Error::other("check failed"));
            w.copy_checked(&mut File::open(&path)?, &broken)
        });
        assert_eq!(kept.unwrap_err().to_string(), "check failed");
    }
}
