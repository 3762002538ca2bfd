//! Bounded-memory sorting of fixed-width entries: entries are spread over
//! 256 buckets by their first byte (so bucket order is global order),
//! buffered, and spilled in chunks to temporary files the caller provides.
//! Each bucket is then read back alone, sorted in memory and consumed.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// A temporary file for spilling: readable, writable and seekable.
///
/// ```
/// use shuangsuiji::load::SpillFile;
/// use std::io::{Read, Seek, SeekFrom, Write};
/// let mut f: Box<dyn SpillFile> = Box::new(std::io::Cursor::new(Vec::new())); // any Read + Write + Seek + Send
/// f.write_all(b"run").unwrap();
/// f.seek(SeekFrom::Start(0)).unwrap();
/// let mut back = String::new();
/// f.read_to_string(&mut back).unwrap();
/// assert_eq!(back, "run");
/// ```
pub trait SpillFile: Read + Write + Seek + Send {}

impl<T: Read + Write + Seek + Send> SpillFile for T {}

/// Where a streaming load may spill sorted runs when the registry is too
/// large to sort in memory (record hashes for the entity digest, codes for
/// duplicate detection: about 60 bytes per entity).
///
/// The library does no file-system policy: the caller decides where the
/// files live (the command line uses a temporary folder under the output
/// folder, removed afterwards). Each call returns a new, empty file;
/// it is dropped (closed) when the load ends.
///
/// A closure returning a file is a store:
///
/// ```
/// use shuangsuiji::load::SpillStore;
/// let store = || -> std::io::Result<Box<dyn shuangsuiji::load::SpillFile>> {
///     Ok(Box::new(std::io::Cursor::new(Vec::new())))
/// };
/// let f = store.create().unwrap();
/// # drop(f);
/// ```
pub trait SpillStore: Sync {
    /// A new empty temporary file.
    fn create(&self) -> io::Result<Box<dyn SpillFile>>;
}

impl<F> SpillStore for F
where
    F: Fn() -> io::Result<Box<dyn SpillFile>> + Sync,
{
    fn create(&self) -> io::Result<Box<dyn SpillFile>> {
        self()
    }
}

/// Bytes buffered per bucket before a chunk is written out (256 buckets,
/// two sets per worker: 16 MiB for two workers).
const CHUNK: usize = 16 * 1024;

/// Bytes a bucket gathers in a small staging area before they go to its
/// buffer: the 256 staging areas (64 KiB) stay in the core's cache, and
/// each buffer is written a few cache lines at a time, not one entry at a
/// time at 256 places.
const STAGE: usize = 256;

/// Fixed-width entries in 256 buckets, in memory or spilled.
pub(crate) struct Buckets {
    width: usize,
    /// Entries a staging area holds (at least one).
    per_stage: usize,
    /// The staging areas, `per_stage * width` bytes each, and how many
    /// entries each holds.
    stage: Vec<u8>,
    staged: Vec<u8>,
    bufs: Vec<Vec<u8>>,
    file: Option<Box<dyn SpillFile>>,
    /// (offset, length) of each chunk written, by bucket.
    chunks: Vec<Vec<(u64, u32)>>,
    end: u64,
    count: u64,
}

impl Buckets {
    /// Buckets of `width`-byte entries, spilling to a file from `store`
    /// (or held in memory without one).
    pub(crate) fn new(width: usize, store: Option<&dyn SpillStore>) -> io::Result<Buckets> {
        let file = match store {
            Some(s) => Some(s.create()?),
            None => None,
        };
        let per_stage = (STAGE / width.max(1)).clamp(1, 255);
        Ok(Buckets {
            width,
            per_stage,
            stage: vec![0; 256 * per_stage * width],
            staged: vec![0; 256],
            bufs: (0..256).map(|_| Vec::new()).collect(),
            file,
            chunks: (0..256).map(|_| Vec::new()).collect(),
            end: 0,
            count: 0,
        })
    }

    /// Add an entry to bucket `b`.
    pub(crate) fn push(&mut self, b: u8, entry: &[u8]) -> io::Result<()> {
        debug_assert_eq!(entry.len(), self.width);
        self.count += 1;
        let bi = usize::from(b);
        let area = self.per_stage * self.width;
        let n = usize::from(self.staged[bi]);
        let at = bi * area + n * self.width;
        self.stage[at..at + self.width].copy_from_slice(entry);
        if n + 1 < self.per_stage {
            self.staged[bi] += 1;
            return Ok(());
        }
        self.staged[bi] = 0;
        self.unstage(bi)
    }

    /// Move bucket `bi`'s full staging area to its buffer, writing the
    /// buffer out as a chunk once it holds [`CHUNK`] bytes.
    fn unstage(&mut self, bi: usize) -> io::Result<()> {
        let area = self.per_stage * self.width;
        let buf = &mut self.bufs[bi];
        if buf.capacity() == 0 {
            // exactly what a chunk holds: no doubling past it
            buf.reserve_exact(CHUNK.div_ceil(area) * area);
        }
        buf.extend_from_slice(&self.stage[bi * area..(bi + 1) * area]);
        if buf.len() >= CHUNK
            && let Some(f) = self.file.as_mut()
        {
            f.seek(SeekFrom::Start(self.end))?;
            f.write_all(buf)?;
            self.chunks[bi].push((self.end, buf.len() as u32));
            self.end += buf.len() as u64;
            buf.clear();
        }
        Ok(())
    }

    /// Append every entry of bucket `b` (unsorted) to `out`, releasing the
    /// bucket's buffer.
    pub(crate) fn take_bucket(&mut self, b: u8, out: &mut Vec<u8>) -> io::Result<()> {
        if let Some(f) = self.file.as_mut() {
            for &(off, len) in &self.chunks[usize::from(b)] {
                let start = out.len();
                out.resize(start + len as usize, 0);
                f.seek(SeekFrom::Start(off))?;
                f.read_exact(&mut out[start..])?;
            }
        }
        out.extend_from_slice(&std::mem::take(&mut self.bufs[usize::from(b)]));
        // and what the staging area still holds
        let bi = usize::from(b);
        let at = bi * self.per_stage * self.width;
        let n = usize::from(self.staged[bi]);
        out.extend_from_slice(&self.stage[at..at + n * self.width]);
        self.staged[bi] = 0;
        Ok(())
    }
}

/// Visit every bucket of all `parts` in bucket order: `f` gets the
/// bucket's entries (`width` bytes each, concatenated) unsorted.
pub(crate) fn for_each_bucket(
    parts: &mut [Buckets],
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut raw = Vec::new();
    for b in 0..=255u8 {
        raw.clear();
        for p in parts.iter_mut() {
            p.take_bucket(b, &mut raw)?;
        }
        f(&raw)?;
    }
    Ok(())
}

/// Visit every entry of all `parts` in ascending byte order, bucket by
/// bucket; `f` gets each bucket's sorted entries (`width` bytes each,
/// concatenated).
pub(crate) fn for_each_sorted(
    parts: &mut [Buckets],
    mut f: impl FnMut(&[&[u8]]) -> io::Result<()>,
) -> io::Result<()> {
    let Some(width) = parts.first().map(|p| p.width) else {
        return Ok(());
    };
    for_each_bucket(parts, |raw| {
        // spread by the second byte (the first is the bucket's), then
        // each run sorted: record hashes are uniform, so a run is about
        // 1/256 of the bucket and its sort a few comparisons an entry
        let second = |e: &[u8]| usize::from(e.get(1).copied().unwrap_or(0));
        let mut at = [0usize; 257];
        for e in raw.chunks_exact(width) {
            at[second(e) + 1] += 1;
        }
        for k in 1..257 {
            at[k] += at[k - 1];
        }
        let runs = at;
        // byte order, compared 16 bytes at a time as two big-endian
        // integers (no call per comparison), then the rest
        let mut keyed: Vec<(u64, u64, &[u8])> = vec![(0, 0, &[]); raw.len() / width.max(1)];
        for e in raw.chunks_exact(width) {
            let k = &mut at[second(e)];
            keyed[*k] = (be64(e, 0), be64(e, 8), e);
            *k += 1;
        }
        for run in runs.windows(2) {
            keyed[run[0]..run[1]].sort_unstable_by(|a, b| {
                (a.0, a.1)
                    .cmp(&(b.0, b.1))
                    .then_with(|| a.2.get(16..).cmp(&b.2.get(16..)))
            });
        }
        let entries: Vec<&[u8]> = keyed.iter().map(|k| k.2).collect();
        f(&entries)
    })
}

/// Bytes `at..at + 8` of `e` as a big-endian integer, zero-padded past the
/// end (so integer order is byte order).
fn be64(e: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(src) = e.get(at..) {
        let n = src.len().min(8);
        b[..n].copy_from_slice(&src[..n]);
    }
    u64::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn cursor_store() -> io::Result<Box<dyn SpillFile>> {
        Ok(Box::new(io::Cursor::new(Vec::new())))
    }

    #[test]
    fn spilled_and_held_give_the_same_order() {
        let mut all = Vec::new();
        let mut held = Buckets::new(32, None).unwrap();
        let store = cursor_store;
        let mut a = Buckets::new(32, Some(&store)).unwrap();
        let mut b = Buckets::new(32, Some(&store)).unwrap();
        for i in 0u32..20_000 {
            let h: [u8; 32] = Sha256::digest(i.to_be_bytes()).into();
            all.push(h);
            held.push(h[0], &h).unwrap();
            if i % 3 == 0 { &mut a } else { &mut b }
                .push(h[0], &h)
                .unwrap();
        }
        all.sort_unstable();
        let collect = |parts: &mut [Buckets]| {
            let mut out: Vec<[u8; 32]> = Vec::new();
            for_each_sorted(parts, |e| {
                out.extend(e.iter().map(|x| <[u8; 32]>::try_from(*x).unwrap()));
                Ok(())
            })
            .unwrap();
            out
        };
        assert_eq!(collect(&mut [held]), all);
        assert_eq!(a.count + b.count, 20_000);
        assert_eq!(collect(&mut [a, b]), all);
    }

    #[test]
    fn entries_alike_up_to_their_last_bytes_come_out_in_byte_order() {
        // codes and lines as the duplicate check holds them: long shared
        // prefixes, a width that is not a multiple of 8, equal entries;
        // bucketed by other bytes than the first, so each bucket is sorted
        let width = 26;
        let mut all = Vec::new();
        let store = cursor_store;
        let mut parts = [
            Buckets::new(width, Some(&store)).unwrap(),
            Buckets::new(width, None).unwrap(),
        ];
        for i in 0u64..30_000 {
            let mut e =
                format!("9{}99{:02}03{:09}M", i % 3, i % 7, (i * 7919) % 4_999).into_bytes();
            e.extend_from_slice(&(i % 11).to_be_bytes());
            assert_eq!(e.len(), width);
            parts[(i % 2) as usize]
                .push(e[16 - i as usize % 3], &e)
                .unwrap();
            all.push(e);
        }
        let mut out: Vec<Vec<u8>> = Vec::new();
        let mut buckets = 0;
        for_each_sorted(&mut parts, |e| {
            assert!(e.windows(2).all(|w| w[0] <= w[1]), "a bucket out of order");
            buckets += usize::from(!e.is_empty());
            out.extend(e.iter().map(|x| x.to_vec()));
            Ok(())
        })
        .unwrap();
        assert!(buckets > 1);
        out.sort_unstable();
        all.sort_unstable();
        assert_eq!(out, all);
    }
}
