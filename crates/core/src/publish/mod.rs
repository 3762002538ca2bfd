//! Publishing: the exact bytes of every published file, and (feature `fs`)
//! writing them atomically into a folder while the journal records the
//! attempt with its real outcome.
//!
//! Stage: after [`crate::draw`] (or [`crate::commit`]); its output is the
//! published folder that [`crate::verify`] and anyone else checks.
//!
//! - [`Publication`]: named files and their exact bytes. The library owns
//!   every published byte: `result.json` is the canonical JSON of SPEC.md
//!   §10 followed by one line feed, whichever entry point writes it.
//! - [`Attempt`] (feature `fs`): one journaled attempt of a command. It is
//!   journaled exactly once, with its real outcome: `ok` only after the
//!   files are in place, and if the journal cannot be written the files
//!   are taken back out, so that no published result goes unrecorded.
//!   One writer per output folder and per journal at a time, enforced by
//!   operating-system file locks (released by the kernel if the process
//!   dies; no stale lock can block a later run).

#[cfg(feature = "fs")]
mod attempt;
#[cfg(feature = "fs")]
mod early;
mod inputs;
#[cfg(feature = "fs")]
mod journal_file;
#[cfg(feature = "fs")]
mod staged;

#[cfg(feature = "fs")]
pub use attempt::{Attempt, JOURNAL_EXCERPT, Published};
pub use inputs::{INPUT_FILES, PLAN_FILE};
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use inputs::{bundle_plan_toml, project_input, project_input_in};
#[cfg(feature = "fs")]
pub use journal_file::{append_to_journal, repair_journal};
#[cfg(feature = "fs")]
pub use staged::write_file_atomic;

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use crate::commit::digest::hex;
use crate::draw::{Draw, Visits};
use crate::{Commitment, DrawResult};

/// The file name of a published result.
pub const RESULT_FILE: &str = "result.json";
/// The file name of a published commitment.
pub const COMMITMENT_FILE: &str = "commitment.json";
/// The file that lists every other published file with its SHA-256.
pub const SUMS_FILE: &str = "SHA256SUMS";

type WriteFn<'a> = Box<dyn Fn(&mut dyn Write) -> io::Result<()> + Send + Sync + 'a>;

/// A set of named files with their exact bytes, produced on demand (a
/// province's result is written piece by piece, never held whole).
///
/// ```
/// use shuangsuiji::{Dataset, Publication, Seed};
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
/// let draw = ds.draw(&seed, &ds.commit()).unwrap();
/// let publication = Publication::of_draw(&draw).with_bytes("note.txt", b"hello\n".to_vec());
/// let bytes = publication.bytes("result.json").unwrap().unwrap();
/// // canonical JSON and one line feed (SPEC.md §10)
/// assert_eq!(bytes, format!("{}\n", draw.result().to_canonical_json()).into_bytes());
/// assert_eq!(publication.names().collect::<Vec<_>>(), ["result.json", "note.txt"]);
/// ```
pub struct Publication<'a> {
    files: Vec<(String, WriteFn<'a>)>,
    /// Files that may be staged as a copy of an input (checked as it is
    /// read back): the same bytes as their writer's, written faster.
    #[cfg(feature = "fs")]
    copies: Vec<(String, inputs::InputCopy)>,
    sums: bool,
}

impl std::fmt::Debug for Publication<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl<'a> Publication<'a> {
    /// No files yet.
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new();
    /// assert_eq!(p.names().count(), 0);
    /// assert!(!p.has_sums());
    /// ```
    pub fn new() -> Publication<'a> {
        Publication {
            files: Vec::new(),
            #[cfg(feature = "fs")]
            copies: Vec::new(),
            sums: false,
        }
    }

    /// `result.json` of a checked draw.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Publication, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let draw = ds.draw_with(&seed, &ds.commit(), &shuangsuiji::DrawOptions::new().allow_weak_seed()).unwrap();
    /// let bytes = Publication::of_draw(&draw).bytes("result.json").unwrap().unwrap();
    /// assert_eq!(bytes.last(), Some(&b'\n'));
    /// assert_eq!(bytes.len(), draw.result().to_canonical_json().len() + 1);
    /// ```
    pub fn of_draw(draw: &'a Draw) -> Publication<'a> {
        Publication::of_result(draw.result())
    }

    /// `result.json` of a result whose visits it holds.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Publication, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let draw = ds.draw_with(&seed, &ds.commit(), &shuangsuiji::DrawOptions::new().allow_weak_seed()).unwrap();
    /// let a = Publication::of_result(draw.result()).bytes("result.json").unwrap();
    /// assert_eq!(a, Publication::of_draw(&draw).bytes("result.json").unwrap());
    /// ```
    pub fn of_result(result: &'a DrawResult) -> Publication<'a> {
        Publication::of_result_with(result, Visits::Held(&result.visits))
    }

    /// `result.json` of a result whose visits are kept apart (a streamed
    /// draw, [`crate::draw::StreamedDraw`]).
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Publication, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// use shuangsuiji::draw::Visits;
    /// # let seed: Seed = "38 17 05".parse().unwrap();
    /// # let draw = ds.draw_with(&seed, &ds.commit(), &shuangsuiji::DrawOptions::new().allow_weak_seed()).unwrap();
    /// let r = draw.result();
    /// let apart = Publication::of_result_with(r, Visits::Held(&r.visits));
    /// assert_eq!(apart.bytes("result.json").unwrap(), Publication::of_result(r).bytes("result.json").unwrap());
    /// ```
    pub fn of_result_with(result: &'a DrawResult, visits: Visits<'a>) -> Publication<'a> {
        Publication::new().with_writer(RESULT_FILE, move |w| {
            result.write_canonical_json_with(visits, w)?;
            w.write_all(b"\n")
        })
    }

    /// `commitment.json`: canonical JSON and one line feed.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, Publication, Seed};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let c = ds.commit();
    /// let bytes = Publication::of_commitment(&c).bytes("commitment.json").unwrap().unwrap();
    /// assert_eq!(bytes, format!("{}\n", c.to_canonical_json()).into_bytes());
    /// ```
    pub fn of_commitment(commitment: &'a Commitment) -> Publication<'a> {
        Publication::new().with_writer(COMMITMENT_FILE, move |w| {
            w.write_all(commitment.to_canonical_json().as_bytes())?;
            w.write_all(b"\n")
        })
    }

    /// Add a file with the given bytes (replacing one of the same name).
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_bytes("a.txt", b"1".to_vec()).with_bytes("a.txt", b"22".to_vec());
    /// assert_eq!(p.bytes("a.txt").unwrap(), Some(b"22".to_vec()));
    /// assert_eq!(p.names().count(), 1);
    /// ```
    pub fn with_bytes(self, name: &str, bytes: Vec<u8>) -> Publication<'a> {
        self.with_writer(name, move |w| w.write_all(&bytes))
    }

    /// Add a file written by `write` when it is published (replacing one of
    /// the same name).
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_writer("n.txt", |w| writeln!(w, "{}", 6 * 7));
    /// assert_eq!(p.bytes("n.txt").unwrap(), Some(b"42\n".to_vec()));
    /// ```
    pub fn with_writer(
        mut self,
        name: &str,
        write: impl Fn(&mut dyn Write) -> io::Result<()> + Send + Sync + 'a,
    ) -> Publication<'a> {
        self.files.retain(|(n, _)| n != name);
        #[cfg(feature = "fs")]
        self.copies.retain(|(n, _)| n != name);
        self.files.push((name.to_string(), Box::new(write)));
        self
    }

    /// Let the file `name` (already added, with the same bytes) be staged
    /// as a copy of an input.
    #[cfg(feature = "fs")]
    pub(crate) fn with_copy(mut self, name: &str, copy: inputs::InputCopy) -> Publication<'a> {
        self.copies.retain(|(n, _)| n != name);
        self.copies.push((name.to_string(), copy));
        self
    }

    /// The input the file `name` may be staged as a copy of.
    #[cfg(feature = "fs")]
    pub(crate) fn copy_of(&self, name: &str) -> Option<&inputs::InputCopy> {
        self.copies.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The file names, in the order added; the first is the main file
    /// whose SHA-256 the journal records.
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_bytes("b", vec![]).with_bytes("a", vec![]).with_sums();
    /// assert_eq!(p.names().collect::<Vec<_>>(), ["b", "a", "SHA256SUMS"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(self.sums.then_some(SUMS_FILE))
    }

    /// Whether the publication ends with `SHA256SUMS`.
    ///
    /// ```
    /// assert!(shuangsuiji::Publication::new().with_sums().has_sums());
    /// ```
    pub fn has_sums(&self) -> bool {
        self.sums
    }

    /// Write the file `name` to `w`; `Ok(false)` if there is no such file.
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_bytes("a.txt", b"abc".to_vec());
    /// let mut out = Vec::new();
    /// assert!(p.write_file("a.txt", &mut out).unwrap());
    /// assert_eq!(out, b"abc");
    /// assert!(!p.write_file("other.txt", &mut out).unwrap());
    /// ```
    pub fn write_file(&self, name: &str, w: &mut dyn Write) -> io::Result<bool> {
        if self.sums && name == SUMS_FILE {
            let mut hashes = Vec::new();
            for (n, f) in &self.files {
                let mut h = HashWriter(Sha256::new());
                f(&mut h)?;
                hashes.push((n.clone(), hex(&h.0.finalize())));
            }
            w.write_all(&sums_text(hashes))?;
            return Ok(true);
        }
        match self.files.iter().find(|(n, _)| n == name) {
            Some((_, f)) => f(w).map(|()| true),
            None => Ok(false),
        }
    }

    /// The bytes of the file `name`, if there is one.
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_bytes("a.txt", b"abc".to_vec());
    /// assert_eq!(p.bytes("a.txt").unwrap().unwrap().len(), 3);
    /// assert_eq!(p.bytes("b.txt").unwrap(), None);
    /// ```
    pub fn bytes(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        Ok(self.write_file(name, &mut out)?.then_some(out))
    }

    /// End with `SHA256SUMS`: one line `<sha256 hex>  <name>` per other
    /// file (the format of `sha256sum -c`), sorted bytewise by name.
    ///
    /// ```
    /// let p = shuangsuiji::Publication::new().with_bytes("b.txt", b"abc".to_vec()).with_sums();
    /// let sums = String::from_utf8(p.bytes("SHA256SUMS").unwrap().unwrap()).unwrap();
    /// assert_eq!(sums, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.txt\n");
    /// ```
    pub fn with_sums(mut self) -> Publication<'a> {
        self.sums = true;
        self
    }
}

/// The text of `SHA256SUMS` for these (name, hex digest) pairs.
pub(crate) fn sums_text(mut hashes: Vec<(String, String)>) -> Vec<u8> {
    hashes.sort();
    hashes
        .iter()
        .map(|(n, d)| format!("{d}  {n}\n"))
        .collect::<String>()
        .into_bytes()
}

impl Default for Publication<'_> {
    fn default() -> Self {
        Publication::new()
    }
}

/// Hashes what is written.
pub(crate) struct HashWriter(pub(crate) Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that passes bytes on and hashes them (SHA-256).
#[cfg(feature = "fs")]
pub(crate) struct Tee<'a> {
    pub(crate) inner: &'a mut dyn Write,
    pub(crate) hasher: Sha256,
}

#[cfg(feature = "fs")]
impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
