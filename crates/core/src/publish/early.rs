//! The inputs copied into the staging folder while the inputs are read
//! and the draw is made ([`crate::publish::Attempt::copy_inputs_early`]).
//!
//! A province's registry in its published form is copied by the kernel
//! and read back to be checked and hashed (about 1.6 s at 10^7 entities):
//! work that needs no result. Done at the lowest scheduling priority from
//! the start, it takes the cycles the reading and the draw leave idle (the
//! draw's serial part uses one core of two) instead of a part of the
//! publication. The copy is kept only if its source has not changed since
//! it was started (same file, size, modification and change times) and the
//! publication names the same input; otherwise the file is copied again
//! when it is published, as without an early copy.

use std::io;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::load::open::PlanFile;
use crate::load::split_input_name;
use crate::model::Plan;
use crate::publish::inputs::{InputCopy, published_inputs};
use crate::publish::staged::{Staged, stage_file};

/// What is known of a file that changes when it is written, replaced or
/// touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    unix: (u64, u64, i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path` (following links, as it is opened).
    pub(crate) fn of(path: &Path) -> io::Result<Stamp> {
        let m = std::fs::metadata(path)?;
        #[cfg(unix)]
        let unix = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
        };
        Ok(Stamp {
            len: m.len(),
            modified: m.modified().ok(),
            #[cfg(unix)]
            unix,
        })
    }
}

/// One input copied early: its published name, the input, the SHA-256 of
/// the copy, and the source's stamp from before the copy.
pub(crate) struct Copied {
    pub(crate) name: &'static str,
    pub(crate) copy: InputCopy,
    pub(crate) hash: [u8; 32],
    pub(crate) before: Stamp,
}

/// Inputs being copied into a staging folder of `out`.
pub(crate) struct Early {
    out: PathBuf,
    cancel: Arc<AtomicBool>,
    // only ever joined, so a panic elsewhere cannot leave it half
    // changed: the attempt holding it stays unwind-safe, as it was before
    copier: Option<AssertUnwindSafe<JoinHandle<Vec<Copied>>>>,
    copied: Vec<Copied>,
    /// The published names of the inputs being copied.
    names: Vec<&'static str>,
    // dropped last: the copier writes into its folder
    staged: Option<Staged>,
}

impl Early {
    /// Start copying the inputs of the plan `plan` (read from `plan_path`)
    /// that may be copied, into a new staging folder of `out`. Only call it
    /// while holding `out`'s lock.
    pub(crate) fn start(
        out: &Path,
        plan_path: &Path,
        plan: &Plan,
        file: PlanFile,
    ) -> io::Result<Early> {
        let staged = Staged::new(out)?;
        let staging = staged.staging().to_path_buf();
        let cancel = Arc::new(AtomicBool::new(false));
        let copies: Vec<(&'static str, InputCopy)> = published_inputs(plan_path, plan)
            .into_iter()
            .filter_map(|i| Some((i.name, i.copy?)))
            .collect();
        let names = copies.iter().map(|(n, _)| *n).collect();
        let stop = Arc::clone(&cancel);
        let copier = std::thread::Builder::new()
            .name("ssj-early-copy".into())
            .spawn(move || copy_all(&staging, &file, &copies, &stop))?;
        Ok(Early {
            out: out.to_path_buf(),
            cancel,
            copier: Some(AssertUnwindSafe(copier)),
            copied: Vec::new(),
            names,
            staged: Some(staged),
        })
    }

    /// The output folder the copies are for.
    pub(crate) fn out(&self) -> &Path {
        &self.out
    }

    /// Wait for the copies to end.
    pub(crate) fn wait(&mut self) {
        if let Some(c) = self.copier.take() {
            // a copier that panicked copied nothing usable
            self.copied = c.0.join().unwrap_or_default();
        }
    }

    /// The published names of the inputs being copied (each one is kept
    /// or not when the copies end).
    pub(crate) fn names(&self) -> &[&'static str] {
        &self.names
    }

    /// The staging folder the inputs are copied into, to stage the other
    /// files while the copies go on. The caller must drop this `Early`
    /// (which stops and waits for the copier) or call [`Early::copies`]
    /// before it drops the folder.
    pub(crate) fn take_staged(&mut self) -> Option<Staged> {
        self.staged.take()
    }

    /// Wait for the copies; what was copied.
    pub(crate) fn copies(mut self) -> Vec<Copied> {
        self.wait();
        std::mem::take(&mut self.copied)
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        // the copy in progress ends first (the staging folder is removed
        // after it), the others are not started
        self.cancel.store(true, Ordering::Relaxed);
        self.wait();
    }
}

/// Copy every input of `copies` that is in its published form into
/// `staging` at the lowest priority, until `cancel` is set; each opened as
/// the draw opens it (in the plan's folder unless it allows others). A
/// copy that fails or is refused is removed and left to the publication.
fn copy_all(
    staging: &Path,
    file: &PlanFile,
    copies: &[(&'static str, InputCopy)],
    cancel: &AtomicBool,
) -> Vec<Copied> {
    // this thread and those it starts (their priority is inherited) run
    // when a core would otherwise idle; Linux's priority is per thread
    let _ = rustix::process::setpriority_process(None, 19);
    let mut done = Vec::new();
    for (name, copy) in copies {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let Ok(before) = Stamp::of(copy.path()) else {
            continue;
        };
        // a cancelled copy stops while it is read back (the kernel's copy
        // itself is not interrupted); the input is opened as the draw
        // opens it
        let copied = stage_file(staging, name, &mut |w| {
            let open = || Ok(file.open_input(split_input_name(copy.source()).0)?.0);
            copy.stage_copy(w, open, Some(cancel))
        });
        match copied {
            Ok(Some(hash)) => done.push(Copied {
                name,
                copy: copy.clone(),
                hash,
                before,
            }),
            _ => {
                let _ = std::fs::remove_file(staging.join(name));
            }
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use crate::publish::Attempt;
    use crate::{Dataset, Publication};
    use std::path::{Path, PathBuf};

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry");

    /// A plan whose inputs are in their published form (the sample plan's
    /// commitment folder); its plan's path.
    fn plan_folder(dir: &Path) -> PathBuf {
        let plan = dir.join("plan");
        commit_into(
            &plan,
            Path::new(&format!("{DATA}/plan.toml")),
            false,
            &|| {},
        );
        plan.join("plan.toml")
    }

    /// Publish the commitment of the plan at `plan` into `out`, the inputs
    /// copied early unless `early` is false; `between` runs once the early
    /// copies have ended, before the inputs are read.
    fn commit_into(out: &Path, plan: &Path, early: bool, between: &dyn Fn()) {
        let copies = if early { Copies::Awaited } else { Copies::None };
        publish_commitment(out, plan, copies, between, false).unwrap();
    }

    /// How a test's attempt copies its inputs early.
    #[derive(Clone, Copy, PartialEq)]
    enum Copies {
        None,
        /// Ended before the inputs are read.
        Awaited,
        /// Not waited for: the other files are staged while they go on.
        Running,
    }

    /// Publish the commitment of the plan at `plan` into `out`; `between`
    /// runs before the inputs are read; with `fail`, one more file whose
    /// writing fails.
    fn publish_commitment(
        out: &Path,
        plan: &Path,
        copies: Copies,
        between: &dyn Fn(),
        fail: bool,
    ) -> crate::Result<()> {
        let journal = out.with_extension("jsonl");
        let mut a = Attempt::new(journal, "commit", None, "2026-10-01T00:00:00Z");
        a.reserve(out, &["commitment.json"], false).unwrap();
        if copies != Copies::None {
            a.copy_inputs_early(out, plan);
        }
        if copies == Copies::Awaited {
            assert!(a.wait_early(), "copies started");
        }
        between();
        let ds = Dataset::open(plan).unwrap();
        let text = std::fs::read_to_string(plan).unwrap();
        let c = ds.commit();
        let mut p = Publication::of_commitment(&c)
            .with_inputs(plan, &text, ds.plan())
            .unwrap();
        if fail {
            p = p.with_writer("failing.txt", |_| Err(std::io::Error::other("disk full")));
        }
        a.publish(out, &p.with_sums(), &["commitment.json"], false)
            .map(|_| ())
    }

    /// `out` and `plain` hold the same files, byte for byte (their sums,
    /// and every file the sums name, the inputs among them), and no
    /// staging folder is left in `dir`.
    fn assert_same_folder(dir: &Path, out: &Path, plain: &Path) {
        let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
        assert_eq!(
            sums,
            std::fs::read_to_string(plain.join("SHA256SUMS")).unwrap()
        );
        let names: Vec<&str> = sums.lines().map(|l| &l[66..]).collect();
        for input in ["entities.csv", "officers.csv", "items.csv"] {
            assert!(names.contains(&input), "{names:?}");
        }
        for name in names {
            assert_eq!(
                std::fs::read(out.join(name)).unwrap(),
                std::fs::read(plain.join(name)).unwrap(),
                "{name}"
            );
        }
        let left = staging_left(dir);
        assert!(left.is_empty(), "{left:?}");
    }

    /// The staging folders left in `dir`.
    fn staging_left(dir: &Path) -> Vec<String> {
        let mut names = names_in(dir);
        names.retain(|n| n.contains("ssj-staging"));
        names
    }

    /// The names in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The staged copy of `name` that the attempt's early copies made.
    fn staged_copy(parent: &Path, name: &str) -> PathBuf {
        let staging = std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains(".ssj-staging-"))
            .expect("a staging folder");
        staging.join(name)
    }

    fn identity(path: &Path) -> (u64, std::time::SystemTime) {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).unwrap();
        (m.ino(), m.modified().unwrap())
    }

    #[test]
    fn an_unchanged_input_is_published_as_copied_early() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_folder(dir.path());
        let (out, plain) = (dir.path().join("out"), dir.path().join("plain"));
        let seen = std::cell::Cell::new(None);
        commit_into(&out, &plan, true, &|| {
            seen.set(Some(identity(&staged_copy(dir.path(), "entities.csv"))));
        });
        // the staged file itself was put in place, not written again
        assert_eq!(Some(identity(&out.join("entities.csv"))), seen.get());
        commit_into(&plain, &plan, false, &|| {});
        assert_same_folder(dir.path(), &out, &plain);
    }

    #[test]
    fn an_input_changed_after_its_early_copy_is_copied_again() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_folder(dir.path());
        let registry = plan.with_file_name("entities.csv");
        let out = dir.path().join("out");
        let changed = {
            // the last record left out: still a valid registry
            let text = std::fs::read_to_string(&registry).unwrap();
            let body = text.trim_end_matches('\n');
            format!("{}\n", &body[..body.rfind('\n').unwrap()])
        };
        commit_into(&out, &plan, true, &|| {
            let early = std::fs::read(staged_copy(dir.path(), "entities.csv")).unwrap();
            assert_eq!(early, std::fs::read(&registry).unwrap());
            std::fs::write(&registry, &changed).unwrap();
        });
        assert_eq!(
            std::fs::read_to_string(out.join("entities.csv")).unwrap(),
            changed
        );
        let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
        let hash = crate::commit::digest::hex(&<sha2::Sha256 as sha2::Digest>::digest(&changed));
        assert!(sums.contains(&format!("{hash}  entities.csv")), "{sums}");
    }

    #[test]
    fn a_failed_attempt_leaves_neither_its_copies_nor_a_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_folder(dir.path());
        let out = dir.path().join("out");
        let mut a = Attempt::new(
            dir.path().join("j.jsonl"),
            "draw",
            None,
            "2026-10-01T00:00:00Z",
        );
        a.reserve(&out, &["result.json"], false).unwrap();
        a.copy_inputs_early(&out, &plan);
        assert!(out.is_dir(), "the folder is prepared");
        a.fail(crate::journal::JournalOutcome::Invalid, "no draw")
            .unwrap();
        let left = names_in(dir.path());
        // the journals of this attempt and of the plan's folder, the plan
        assert_eq!(left, ["j.jsonl", "plan", "plan.jsonl"]);
    }

    #[test]
    fn files_staged_while_the_copies_go_on_give_the_same_folder() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_folder(dir.path());
        let (out, plain) = (dir.path().join("out"), dir.path().join("plain"));
        publish_commitment(&out, &plan, Copies::Running, &|| {}, false).unwrap();
        commit_into(&plain, &plan, false, &|| {});
        assert_same_folder(dir.path(), &out, &plain);
    }

    #[test]
    fn a_file_failing_while_the_copies_go_on_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_folder(dir.path());
        let out = dir.path().join("out");
        let e = publish_commitment(&out, &plan, Copies::Running, &|| {}, true).unwrap_err();
        assert!(e.to_string().contains("disk full"), "{e}");
        let left = names_in(dir.path());
        // the attempt's journal, the plan's folder and its journal
        assert_eq!(left, ["out.jsonl", "plan", "plan.jsonl"]);
    }
}
