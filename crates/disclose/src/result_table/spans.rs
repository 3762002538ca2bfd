//! The copy of a workbook written with rust_xlsxwriter's low-memory
//! worksheets that has the bytes of the same workbook held in memory.
//!
//! The two differ in one attribute: a worksheet held in memory gives each
//! `<row>` `spans="FIRST:LAST"`, the first and last column used (1-based)
//! in its block of 16 rows (rows 1–16, 17–32 …; rust_xlsxwriter 0.102,
//! worksheet.rs `calculate_spans`), which a low-memory worksheet, written
//! row by row, leaves out. Every other entry of the zip, its order and its
//! options are the same. The copy adds the spans and compresses every
//! entry again as rust_xlsxwriter does ([`Ahead`]); the tests compare the
//! bytes of both ways, and `ssj draw` at scale was compared with `cmp`.

use std::io::{self, BufRead, Read, Seek, Write};

use zip::write::SimpleFileOptions;

/// Copy the workbook `zipped` to `out`, entry by entry, decompressed and
/// compressed again with rust_xlsxwriter's own zip options (0.102,
/// packager.rs `Packager::new`, at its default compression level), adding
/// the `spans` to the rows of every worksheet. Holds at most 8 MiB of an
/// entry (twice [`AHEAD`]) and one block of 16 rows at a time per thread.
///
/// The entries are compressed on up to four threads at once (a province's
/// worksheets are hundreds of megabytes each), each into a zip of its own
/// in `dir`, and the copy is put together from those: the same bytes as
/// one zip written entry after entry ([`assemble`]).
pub(super) fn copy_with_spans(
    zipped: &std::fs::File,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> io::Result<()> {
    copy_offering(
        &|| {
            Ok(io::BufReader::new(At {
                file: zipped,
                pos: 0,
            }))
        },
        &|| tempfile::tempfile_in(dir),
        out,
        AHEAD,
        PARALLEL_FROM,
    )
}

/// The size of the second largest entry (uncompressed) from which entries
/// are compressed at once: 64 MiB, about a second of compression here.
const PARALLEL_FROM: u64 = 64 << 20;

/// A file read from its own position (each thread has one).
struct At<'f> {
    file: &'f std::fs::File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for At<'_> {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let (base, delta) = match to {
            io::SeekFrom::Start(p) => (0, i128::from(p)),
            io::SeekFrom::End(d) => (self.file.metadata()?.len(), i128::from(d)),
            io::SeekFrom::Current(d) => (self.pos, i128::from(d)),
        };
        self.pos = u64::try_from(i128::from(base) + delta)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

/// rust_xlsxwriter's zip options (see [`copy_with_spans`]).
fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(None)
        .unix_permissions(0o600)
        .last_modified_time(zip::DateTime::default())
        .large_file(false)
}

/// [`copy_with_spans`] of the workbook `open` reads, each entry's zip in a
/// file `store` makes, offering the compressor at least `ahead` bytes, on
/// more than one thread if the second largest entry holds at least
/// `parallel_from` bytes.
fn copy_offering<R: Read + Seek + Send>(
    open: &(dyn Fn() -> io::Result<R> + Sync),
    store: &(dyn Fn() -> io::Result<std::fs::File> + Sync),
    out: &mut dyn Write,
    ahead: usize,
    parallel_from: u64,
) -> io::Result<()> {
    let x = io::Error::other;
    let archive = || open().and_then(|r| zip::ZipArchive::new(r).map_err(x));
    let mut zin = archive()?;
    let n = zin.len();
    // the largest first, so that the threads end together
    let mut order: Vec<(u64, usize)> = (0..n)
        .map(|i| Ok((zin.by_index_raw(i).map_err(x)?.size(), i)))
        .collect::<io::Result<_>>()?;
    order.sort_unstable_by(|a, b| b.cmp(a));
    // a second thread pays for its buffers only if the second entry is
    // large (a one-item draw's workbook is compressed in well under a
    // second on one thread, and held 30 MB more on two)
    let threads = match order.get(1) {
        Some(&(second, _)) if second >= parallel_from => std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .clamp(1, 4)
            .min(n),
        _ => 1,
    };
    // each thread reads the workbook through an archive of its own
    let mut zins = vec![zin];
    for _ in 1..threads {
        zins.push(archive()?);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<Option<std::fs::File>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = zins
            .into_iter()
            .map(|mut zin| {
                let (next, order) = (&next, &order);
                scope.spawn(move || -> io::Result<Vec<(usize, std::fs::File)>> {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(_, i)) = order.get(k) else {
                            return Ok(done);
                        };
                        let mut f = store()?;
                        let mut zout = zip::ZipWriter::new_stream(&mut f);
                        copy_entry(&mut zin, i, &mut zout, ahead)?;
                        zout.finish().map_err(x)?;
                        done.push((i, f));
                    }
                })
            })
            .collect();
        for h in handles {
            let done = h
                .join()
                .map_err(|_| io::Error::other("a thread compressing the workbook failed"))??;
            for (i, f) in done {
                parts[i] = Some(f);
            }
        }
        Ok::<(), io::Error>(())
    })?;
    let mut files = parts
        .into_iter()
        .map(|p| p.ok_or_else(|| io::Error::other("an entry of the workbook was not copied")))
        .collect::<io::Result<Vec<_>>>()?;
    match assemble(&mut files, out)? {
        true => Ok(()),
        // over 4 GiB: one zip written entry after entry, as the crate
        // would write it (it has its own ways past 32-bit offsets)
        false => {
            let mut zin = archive()?;
            let mut zout = zip::ZipWriter::new_stream(out);
            for i in 0..n {
                copy_entry(&mut zin, i, &mut zout, ahead)?;
            }
            zout.finish().map_err(x)?;
            Ok(())
        }
    }
}

/// Copy entry `i` of `zin` into `zout` (the worksheets with their spans).
fn copy_entry<R: Read + Seek, W: Write>(
    zin: &mut zip::ZipArchive<R>,
    i: usize,
    zout: &mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    ahead: usize,
) -> io::Result<()> {
    let x = io::Error::other;
    let mut file = zin.by_index(i).map_err(x)?;
    let name = file.name().map_err(x)?.into_owned();
    zout.start_file(name.as_str(), options()).map_err(x)?;
    let mut w = Ahead {
        inner: zout,
        buf: Vec::new(),
        ahead,
    };
    if name.starts_with("xl/worksheets/sheet") && name.ends_with(".xml") {
        add_spans(&mut io::BufReader::with_capacity(1 << 16, file), &mut w)?;
    } else {
        io::copy(&mut file, &mut w)?;
    }
    w.finish()
}

/// Put one zip together from zips of one entry each, in order: each one's
/// local part (header, compressed data, data descriptor) as it is, then
/// their central directory records, each with where its entry now
/// starts, and the end record with their number, size and place. Those
/// are the only fields of a zip that depend on the entries before, for a
/// zip under 4 GiB (32-bit offsets): false, with nothing written, if the
/// whole would not be; an error if a part is not the zip of one entry
/// that the zip crate writes.
fn assemble(parts: &mut [std::fs::File], out: &mut dyn Write) -> io::Result<bool> {
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("result.xlsx: unexpected zip of one entry ({what})"),
        )
    };
    const END: usize = 22;
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let mut records = Vec::new();
    let mut locals = Vec::with_capacity(parts.len());
    let mut end = [0u8; END];
    let mut offset: u64 = 0;
    for f in parts.iter_mut() {
        let len = f.seek(io::SeekFrom::End(0))?;
        if len < END as u64 {
            return Err(bad("too short"));
        }
        f.seek(io::SeekFrom::Start(len - END as u64))?;
        f.read_exact(&mut end)?;
        if end[..4] != [0x50, 0x4b, 0x05, 0x06]
            || le16(&end, 8) != 1
            || le16(&end, 10) != 1
            || le16(&end, 20) != 0
        {
            return Err(bad("end record"));
        }
        let (size, at) = (u64::from(le32(&end, 12)), u64::from(le32(&end, 16)));
        if at + size + END as u64 != len {
            return Err(bad("central directory"));
        }
        let mut record = vec![0u8; size as usize];
        f.seek(io::SeekFrom::Start(at))?;
        f.read_exact(&mut record)?;
        if record.len() < 46
            || record[..4] != [0x50, 0x4b, 0x01, 0x02]
            || le32(&record, 42) != 0
            || 46
                + usize::from(le16(&record, 28))
                + usize::from(le16(&record, 30))
                + usize::from(le16(&record, 32))
                != record.len()
        {
            return Err(bad("central directory record"));
        }
        let Ok(here) = u32::try_from(offset) else {
            return Ok(false);
        };
        record[42..46].copy_from_slice(&here.to_le_bytes());
        records.extend_from_slice(&record);
        locals.push(at);
        offset += at;
    }
    let (Ok(count), Ok(size), Ok(at)) = (
        u16::try_from(parts.len()),
        u32::try_from(records.len()),
        u32::try_from(offset),
    ) else {
        return Ok(false);
    };
    if u64::from(at) + u64::from(size) + END as u64 > u64::from(u32::MAX) {
        return Ok(false);
    }
    for (f, &local) in parts.iter_mut().zip(&locals) {
        f.seek(io::SeekFrom::Start(0))?;
        let copied = io::copy(&mut Read::by_ref(f).take(local), out)?;
        if copied != local {
            return Err(bad("local part"));
        }
    }
    out.write_all(&records)?;
    end[8..10].copy_from_slice(&count.to_le_bytes());
    end[10..12].copy_from_slice(&count.to_le_bytes());
    end[12..16].copy_from_slice(&size.to_le_bytes());
    end[16..20].copy_from_slice(&at.to_le_bytes());
    out.write_all(&end)?;
    Ok(true)
}

/// The least a write offers the compressor, but at the end of an entry.
const AHEAD: usize = 4 << 20;

/// A zip entry's writer that feeds the compressor as rust_xlsxwriter does.
///
/// rust_xlsxwriter hands each entry to the zip writer in one `write_all`:
/// every write offers the compressor (flate2 over zlib-rs) all that is
/// left of the entry, and it takes what fits its 32 KiB output buffer. The
/// deflate stream depends on how its input is cut (the same XML written
/// 8 KiB at a time compresses to other bytes), so this writer offers the
/// same: all it holds, never less than `ahead` bytes before the end of the
/// entry. A write that takes less than it is offered read no less than it
/// wanted, so it did what it does with all the rest of the entry before
/// it. One that takes all it is offered (more than 128 times its output:
/// not this XML, of which a write takes a few hundred KiB) may not have,
/// and is refused rather than risk other bytes.
struct Ahead<'w, W: Write> {
    inner: &'w mut W,
    buf: Vec<u8>,
    ahead: usize,
}

impl<W: Write> Write for Ahead<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 2 * self.ahead {
            self.offer(self.ahead)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Ahead<'_, W> {
    /// Offer the compressor the buffer while more than `keep` is left.
    fn offer(&mut self, keep: usize) -> io::Result<()> {
        let mut from = 0;
        while self.buf.len() - from > keep {
            let left = self.buf.len() - from;
            let n = self.inner.write(&self.buf[from..])?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            if n == left && keep > 0 {
                return Err(io::Error::other(
                    "result.xlsx: the compressor took all of its input in one write",
                ));
            }
            from += n;
        }
        self.buf.drain(..from);
        Ok(())
    }

    /// The rest of the entry.
    fn finish(mut self) -> io::Result<()> {
        self.offer(0)
    }
}

/// Copy a worksheet's XML, adding `spans` to each `<row>` of its
/// `<sheetData>` (the module's doc); one block of rows is held at a time.
fn add_spans(xml: &mut impl BufRead, out: &mut impl Write) -> io::Result<()> {
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("result.xlsx: unexpected worksheet XML from rust_xlsxwriter ({what})"),
        )
    };
    // one tag a read, with the text before it (a cell's value)
    let mut tag = Vec::new();
    let mut in_rows = false;
    // the rows of the current block as read, and where each row's spans go
    let mut block = Vec::new();
    let mut cuts = Vec::new();
    // the current block (0-based row / 16), its first and last column (0-based)
    let mut current = None;
    let mut cols: Option<(u32, u32)> = None;
    loop {
        tag.clear();
        if xml.read_until(b'>', &mut tag)? == 0 {
            break;
        }
        if !in_rows {
            out.write_all(&tag)?;
            in_rows = tag.ends_with(b"<sheetData>");
            continue;
        }
        let at = tag
            .iter()
            .position(|&b| b == b'<')
            .ok_or_else(|| bad("text outside a tag"))?;
        let t = &tag[at..];
        if let Some(rest) = t.strip_prefix(b"<row r=\"") {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let row: u32 = std::str::from_utf8(&rest[..digits])
                .ok()
                .and_then(|d| d.parse().ok())
                .filter(|&r| r > 0)
                .ok_or_else(|| bad("row number"))?;
            if rest.get(digits) != Some(&b'"') || t.windows(7).any(|w| w == b" spans=") {
                return Err(bad("row attributes"));
            }
            let b = (row - 1) / 16;
            if current != Some(b) {
                flush(&mut block, &mut cuts, cols.take(), out)?;
                current = Some(b);
            }
            cuts.push(block.len() + at + b"<row r=\"".len() + digits + 1);
        } else if let Some(rest) = t.strip_prefix(b"<c r=\"") {
            let col = rest
                .iter()
                .take_while(|b| b.is_ascii_uppercase())
                .fold(0u32, |n, &b| n * 26 + u32::from(b - b'A') + 1)
                .checked_sub(1)
                .ok_or_else(|| bad("cell reference"))?;
            cols = Some(cols.map_or((col, col), |(lo, hi)| (lo.min(col), hi.max(col))));
        } else if t == b"</sheetData>" {
            flush(&mut block, &mut cuts, cols.take(), out)?;
            out.write_all(&tag)?;
            in_rows = false;
            continue;
        }
        block.extend_from_slice(&tag);
    }
    if in_rows || !block.is_empty() {
        return Err(bad("no </sheetData>"));
    }
    Ok(())
}

/// Write the rows of a block, each with the block's spans (none if no row
/// of it has a cell, as rust_xlsxwriter does), and empty it.
fn flush(
    block: &mut Vec<u8>,
    cuts: &mut Vec<usize>,
    cols: Option<(u32, u32)>,
    out: &mut impl Write,
) -> io::Result<()> {
    let spans = cols.map_or_else(String::new, |(lo, hi)| {
        format!(" spans=\"{}:{}\"", lo + 1, hi + 1)
    });
    let mut from = 0;
    for &cut in cuts.iter() {
        out.write_all(&block[from..cut])?;
        out.write_all(spans.as_bytes())?;
        from = cut;
    }
    out.write_all(&block[from..])?;
    block.clear();
    cuts.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

    /// A workbook dated (not by the clock).
    fn book() -> Workbook {
        let mut book = Workbook::new();
        let date = ExcelDateTime::from_ymd(2026, 10, 9).unwrap();
        book.set_properties(&DocProperties::new().set_creation_datetime(&date));
        book
    }

    /// Sparse worksheets of numbers and texts (some repeated, some with
    /// XML specials), rows skipped, a formatted header, several sheets:
    /// written in memory, and with low-memory worksheets then copied with
    /// spans, the bytes are the same.
    #[test]
    fn the_copy_is_the_workbook_held_in_memory() {
        // xorshift64: a fixed sequence of test cases
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for case in 0..40 {
            let sheets = 1 + next(3) as usize;
            let mut plan = Vec::new();
            for _ in 0..sheets {
                let mut rows = Vec::new();
                let mut r = 0u32;
                for _ in 0..next(70) {
                    r += 1 + if next(4) == 0 { next(40) as u32 } else { 0 };
                    let cells: Vec<(u16, u64)> = (0..next(6))
                        .map(|_| (next(if case % 2 == 0 { 12 } else { 40 }) as u16, next(30)))
                        .collect();
                    rows.push((r, cells));
                }
                plan.push(rows);
            }
            let write = |low: bool| {
                let mut book = book();
                let bold = Format::new().set_bold();
                for rows in &plan {
                    let ws = if low {
                        book.add_worksheet_with_low_memory().unwrap()
                    } else {
                        book.add_worksheet()
                    };
                    ws.write_string_with_format(0, 0, "序号 <&>", &bold)
                        .unwrap();
                    for (r, cells) in rows {
                        let mut cells = cells.clone();
                        cells.sort_unstable();
                        cells.dedup_by_key(|c| c.0);
                        for (c, v) in cells {
                            if v % 3 == 0 {
                                ws.write_number(*r, c, v as u32).unwrap();
                            } else {
                                ws.write_string(*r, c, format!("t{v} \"<{}>\"", v % 7))
                                    .unwrap();
                            }
                        }
                    }
                    ws.set_column_width(0, 12).unwrap();
                    ws.set_freeze_panes(1, 0).unwrap();
                    let last = rows.last().map_or(0, |r| r.0);
                    ws.autofilter(0, 0, last, 10).unwrap();
                }
                if low {
                    book.set_zip_compression_level(1);
                    let mut zipped = Vec::new();
                    book.save_to_writer(&mut zipped).unwrap();
                    let mut out = Vec::new();
                    copy_offering(
                        &|| Ok(io::Cursor::new(&zipped)),
                        &tempfile::tempfile,
                        &mut out,
                        AHEAD,
                        0,
                    )
                    .unwrap();
                    out
                } else {
                    book.save_to_buffer().unwrap()
                }
            };
            let (held, copied) = (write(false), write(true));
            assert!(held == copied, "case {case}: the bytes differ");
        }
    }

    /// A worksheet of megabytes, offered to the compressor 1 MiB or more
    /// at a time (not all at once): the same bytes as held in memory.
    /// Offered 1 KiB at a time, the compressor takes all: refused.
    #[test]
    fn offering_part_of_an_entry_gives_the_same_bytes() {
        let write = |low: bool| {
            let mut book = book();
            let ws = if low {
                book.add_worksheet_with_low_memory().unwrap()
            } else {
                book.add_worksheet()
            };
            for r in 0..12_000u32 {
                ws.write_number(r, 0, r).unwrap();
                for c in 1..11u16 {
                    let text = match c {
                        1 => format!("91140623MA0{:07}", r * 7919 % 10_000_000),
                        2 => format!("右玉县第{}林场 {}", r % 97, r / 3),
                        _ => format!("检查事项{} #{}", c, (r * u32::from(c)) % 1000),
                    };
                    ws.write_string(r, c, text).unwrap();
                }
            }
            let mut zipped = Vec::new();
            book.save_to_writer(&mut zipped).unwrap();
            zipped
        };
        let (held, zipped) = (write(false), write(true));
        let mut zip = zip::ZipArchive::new(io::Cursor::new(&held)).unwrap();
        let sheet = zip.by_name("xl/worksheets/sheet1.xml").unwrap();
        assert!(sheet.size() > 4 << 20, "{}", sheet.size());
        drop(sheet);
        let copy = |ahead: usize, parallel_from: u64| {
            let mut out = Vec::new();
            copy_offering(
                &|| Ok(io::Cursor::new(&zipped)),
                &tempfile::tempfile,
                &mut out,
                ahead,
                parallel_from,
            )
            .map(|()| out)
        };
        // on one thread and on several
        assert!(copy(1 << 20, u64::MAX).unwrap() == held, "the bytes differ");
        assert!(copy(1 << 20, 0).unwrap() == held, "the bytes differ");
        assert_eq!(
            copy(1 << 10, 0).unwrap_err().to_string(),
            "result.xlsx: the compressor took all of its input in one write"
        );
    }

    /// A zip of one entry as the crate writes it, of `name` holding `data`.
    fn one_entry(name: &str, data: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        let mut z = zip::ZipWriter::new_stream(&mut f);
        z.start_file(name, options()).unwrap();
        z.write_all(data).unwrap();
        z.finish().unwrap();
        f
    }

    /// Zips of one entry each put together are the zip the crate writes
    /// with the same entries one after the other; anything but the zip of
    /// one entry is refused, and a whole over 4 GiB is left to the crate
    /// (nothing written).
    #[test]
    fn entries_zipped_apart_are_put_together_as_one_zip() {
        let entries = [
            ("a.xml", b"<a/>".repeat(3000)),
            ("b/c.xml", Vec::new()),
            ("xl/d.xml", "名称 <&>".repeat(50).into_bytes()),
        ];
        let mut parts: Vec<_> = entries.iter().map(|(n, d)| one_entry(n, d)).collect();
        let mut put = Vec::new();
        assert!(assemble(&mut parts, &mut put).unwrap());
        let mut whole = Vec::new();
        let mut z = zip::ZipWriter::new_stream(&mut whole);
        for (n, d) in &entries {
            z.start_file(*n, options()).unwrap();
            z.write_all(d).unwrap();
        }
        z.finish().unwrap();
        assert!(put == whole, "the bytes differ");
        let mut read = zip::ZipArchive::new(io::Cursor::new(&put)).unwrap();
        let mut text = String::new();
        read.by_name("xl/d.xml")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "名称 <&>".repeat(50));

        // a zip of two entries is not a part
        let mut two = tempfile::tempfile().unwrap();
        io::Write::write_all(&mut two, &whole).unwrap();
        let e = assemble(&mut [two], &mut Vec::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "result.xlsx: unexpected zip of one entry (end record)"
        );

        // two parts of 2.2 GB (sparse): the second starts past 4 GiB less
        // its own size, the whole would not fit 32-bit offsets
        let big = || {
            let mut f = one_entry("x.xml", b"x");
            let mut small = Vec::new();
            f.seek(io::SeekFrom::Start(0)).unwrap();
            f.read_to_end(&mut small).unwrap();
            let mut at = 0;
            while small[at..at + 4] != [0x50, 0x4b, 0x01, 0x02] {
                at += 1;
            }
            let pad = 2_200_000_000u64;
            let mut g = tempfile::tempfile().unwrap();
            g.set_len(pad).unwrap();
            g.seek(io::SeekFrom::Start(pad)).unwrap();
            let tail = &small[at..];
            let mut tail = tail.to_vec();
            let cd_at = u32::try_from(pad).unwrap();
            let n = tail.len();
            tail[n - 6..n - 2].copy_from_slice(&cd_at.to_le_bytes());
            io::Write::write_all(&mut g, &tail).unwrap();
            g
        };
        let mut out = Vec::new();
        assert!(!assemble(&mut [big(), big()], &mut out).unwrap());
        assert!(out.is_empty());
    }

    /// A worksheet that already has spans, or no end of its rows, is
    /// refused rather than copied wrong.
    #[test]
    fn unexpected_xml_is_refused() {
        let run = |xml: &str| {
            let mut out = Vec::new();
            add_spans(&mut xml.as_bytes(), &mut out).map(|()| String::from_utf8(out).unwrap())
        };
        assert_eq!(
            run("<w><sheetData><row r=\"1\"><c r=\"B1\"><v>1</v></c></row></sheetData></w>")
                .unwrap(),
            "<w><sheetData><row r=\"1\" spans=\"2:2\"><c r=\"B1\"><v>1</v></c></row></sheetData></w>"
        );
        let e = run("<w><sheetData><row r=\"1\" spans=\"1:1\"></row></sheetData></w>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "result.xlsx: unexpected worksheet XML from rust_xlsxwriter (row attributes)"
        );
        let e = run("<w><sheetData><row r=\"1\">").unwrap_err();
        assert_eq!(
            e.to_string(),
            "result.xlsx: unexpected worksheet XML from rust_xlsxwriter (no </sheetData>)"
        );
    }
}
