//! `result.xlsx` written directly: the rows of every worksheet and the
//! table of shared strings are written here, straight into the
//! compressor; everything else in the package (styles, the workbook and
//! its properties, each worksheet's XML before and after its rows) is
//! taken from the same workbook made by rust_xlsxwriter without its data
//! rows ([`super::skeleton_book`]).
//!
//! The bytes are those of the workbook rust_xlsxwriter writes with every
//! cell held in memory (`write_result_xlsx_held`, rust_xlsxwriter 0.102),
//! which the tests compare, on generated rows and hostile texts: the rows
//! as worksheet.rs `write_data_table` writes them (each `<row>` with the
//! `spans` of its block of 16 rows, `calculate_spans`), the shared strings
//! in the order they were first written, as shared_strings.rs writes them
//! (xmlwriter.rs `escape_xml_escapes`, then `escape_xml_data`), a text
//! shaped like rich text as the one run `put_text` makes of it, and each
//! entry compressed with the crate's zip options, offered to the
//! compressor as it offers it ([`Ahead`]).
//!
//! Held in memory: the table of distinct texts (each once; a visit's code
//! and name are not copied but read back from the visits) and a few
//! bytes per row of the table ([`Cells`]); no temporary file but the
//! compressed entries.

use std::io::{self, Read, Seek, Write};

use zip::write::SimpleFileOptions;

use super::{display_width, for_each_row, headers};
use crate::Lang;
use shuangsuiji::draw::Visits;
use shuangsuiji::model::{Date, IdScheme};

/// Cells a row: the visit's ordinal, then the ten texts.
const CELLS: usize = 11;

/// The columns' letters.
const LETTERS: &[u8; CELLS] = b"ABCDEFGHIJK";

/// No text in a cell (left out of the row).
const EMPTY: u32 = u32::MAX;

/// The longest text a cell holds (UTF-16 units), as rust_xlsxwriter
/// checks it.
const MAX_TEXT: usize = 32_767;

/// Write the result table to `out` as `result.xlsx`, at most `per_sheet`
/// data rows a sheet, the compressed entries in temporary files in `dir`.
pub(super) fn write_direct(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    dir: &std::path::Path,
    out: &mut dyn Write,
    per_sheet: u32,
) -> io::Result<()> {
    let table = Table::gather(visits, scheme, lang, per_sheet)?;
    let skeleton = super::skeleton_book(date, scheme, lang, &table.widths, &table.lasts())?;
    let entries = table.entries(&skeleton)?;
    write_entries(
        &entries,
        &|e| e.size(&table),
        &|e, w| table.write_entry(e, w),
        &|| tempfile::tempfile_in(dir),
        out,
        AHEAD,
        PARALLEL_FROM,
    )
}

/// The distinct texts of the workbook, each with its index: the order in
/// which they were first written.
struct Strings<'v> {
    /// Where a visit's code and name are read back: a text that is one
    /// of them is not copied (a province's workbook has a code and a
    /// name for each of over a million visits).
    visits: Visits<'v>,
    /// The other texts, in chunks of [`CHUNK`] bytes that each text lies
    /// wholly in: a province's workbook has tens of megabytes of them,
    /// and one vector doubling as it grows would hold up to twice that,
    /// and copy it, at once.
    chunks: Vec<Vec<u8>>,
    /// Where each text lies: its start in the chunks (counting [`CHUNK`]
    /// bytes a chunk) shifted left by [`LEN_BITS`], or'ed with its
    /// length; or, with [`AT_VISIT`], the visit whose code (bit 0 clear)
    /// or name (bit 0 set) it is, shifted left by one.
    spans: Vec<u64>,
    index: hashbrown::HashTable<u32>,
    /// Cells that hold a shared text (the headers of every sheet too).
    count: u64,
    /// Bytes of the distinct texts, wherever they lie.
    bytes: u64,
}

/// Bytes of a chunk of [`Strings`]; a text is at most [`MAX_TEXT`] UTF-16
/// units, so at most three times that in bytes.
const CHUNK: usize = 1 << 22;

/// Bits of a span that hold the text's length (up to `3 × MAX_TEXT`).
const LEN_BITS: u32 = 17;

/// The bit of a span that says the text is a visit's code or name.
const AT_VISIT: u64 = 1 << 63;

const _: () = assert!(3 * MAX_TEXT < 1 << LEN_BITS && 3 * MAX_TEXT <= CHUNK);

fn fx(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.finish()
}

impl<'v> Strings<'v> {
    fn new(visits: Visits<'v>) -> Strings<'v> {
        Strings {
            visits,
            chunks: Vec::new(),
            spans: Vec::new(),
            index: hashbrown::HashTable::new(),
            count: 0,
            bytes: 0,
        }
    }

    fn get<'b>(chunks: &'b [Vec<u8>], spans: &[u64], visits: Visits<'b>, i: u32) -> &'b [u8] {
        let span = spans[i as usize];
        if span & AT_VISIT != 0 {
            let at = span & !AT_VISIT;
            // only a visit that is there is ever recorded
            let (code, name) = visits.code_and_name((at >> 1) as usize).unwrap_or_default();
            return if at & 1 == 0 { code } else { name }.as_bytes();
        }
        let start = (span >> LEN_BITS) as usize;
        let len = (span & ((1 << LEN_BITS) - 1)) as usize;
        &chunks[start / CHUNK][start % CHUNK..start % CHUNK + len]
    }

    /// The index of text `s` (a new one at the end), counted as one more
    /// cell; a text longer than a cell holds is refused, as rust_xlsxwriter
    /// refuses it.
    fn intern(&mut self, s: &str) -> io::Result<u32> {
        self.intern_at(s, None)
    }

    /// [`Strings::intern`], a new text recorded as `at` (a span with
    /// [`AT_VISIT`]: `s` is that visit's code or name) rather than copied.
    fn intern_at(&mut self, s: &str, at: Option<u64>) -> io::Result<u32> {
        if s.len() > MAX_TEXT && s.encode_utf16().count() > MAX_TEXT {
            return Err(io::Error::other(
                rust_xlsxwriter::XlsxError::MaxStringLengthExceeded,
            ));
        }
        let Strings {
            visits,
            chunks,
            spans,
            index,
            ..
        } = self;
        let visits = *visits;
        let h = fx(s.as_bytes());
        let i = match index.find(h, |&i| Self::get(chunks, spans, visits, i) == s.as_bytes()) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(spans.len())
                    .ok()
                    .filter(|&i| i != EMPTY)
                    .ok_or_else(|| io::Error::other("result.xlsx: too many distinct texts"))?;
                if let Some(at) = at {
                    spans.push(AT_VISIT | at);
                } else {
                    if chunks.last().is_none_or(|c| c.len() + s.len() > CHUNK) {
                        chunks.push(Vec::with_capacity(CHUNK));
                    }
                    let c = chunks.len() - 1;
                    let start = (c * CHUNK + chunks[c].len()) as u64;
                    chunks[c].extend_from_slice(s.as_bytes());
                    spans.push(start << LEN_BITS | s.len() as u64);
                }
                index.insert_unique(h, i, |&j| fx(Self::get(chunks, spans, visits, j)));
                self.bytes += s.len() as u64;
                i
            }
        };
        self.count += 1;
        Ok(i)
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    /// Bytes of the distinct texts.
    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn text(&self, i: usize) -> &[u8] {
        Self::get(&self.chunks, &self.spans, self.visits, i as u32)
    }
}

/// The table's cells, a row in a few bytes: the visit's ordinal as the
/// difference from the row before's, then each text as 0 (none), 1 (a
/// text first written here, which takes the next index) or its index
/// plus 2, each as a LEB128 number. A province's 30-item table has
/// 20 million cells; held as four bytes each they were 86 MB.
struct Cells {
    /// Blocks of at most [`BLOCK`] bytes, each holding whole rows.
    blocks: Vec<Vec<u8>>,
    rows: usize,
    /// Where each sheet's rows start.
    sheets: Vec<Mark>,
}

/// Bytes of a block of [`Cells`].
const BLOCK: usize = 1 << 20;

/// The most bytes a row takes (a LEB128 `u32` takes at most five).
const ROW_MAX: usize = 5 * CELLS;

/// A place in [`Cells`] and what reading on from there needs.
#[derive(Debug, Clone, Copy)]
struct Mark {
    block: usize,
    at: usize,
    /// The index the next text first written takes.
    next: u32,
    /// The ordinal of the row before.
    ordinal: u32,
}

fn push_leb(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_leb(b: &[u8], at: &mut usize) -> u32 {
    let mut v = 0u32;
    let mut shift = 0;
    loop {
        let byte = b[*at];
        *at += 1;
        v |= u32::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl Cells {
    fn new() -> Cells {
        Cells {
            blocks: Vec::new(),
            rows: 0,
            sheets: Vec::new(),
        }
    }

    /// The next row starts a sheet: `next` is the index the next text
    /// first written takes, `ordinal` the ordinal of the row before.
    fn start_sheet(&mut self, next: u32, ordinal: u32) {
        self.room();
        let block = self.blocks.len() - 1;
        let at = self.blocks[block].len();
        self.sheets.push(Mark {
            block,
            at,
            next,
            ordinal,
        });
    }

    /// A block with room for a row.
    fn room(&mut self) {
        if self.blocks.last().is_none_or(|b| b.len() + ROW_MAX > BLOCK) {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
    }

    /// Add a row: its ordinal's difference from the row before's, then
    /// its texts as [`Cells`] encodes them.
    fn push(&mut self, codes: &[u32; CELLS]) {
        self.room();
        if let Some(b) = self.blocks.last_mut() {
            for &c in codes {
                push_leb(b, c);
            }
        }
        self.rows += 1;
    }

    /// Read the row at `m` into `row` (the ordinal, then each text's
    /// index or [`EMPTY`]), `m` moved past it.
    fn read(&self, m: &mut Mark, row: &mut [u32; CELLS]) {
        if m.at == self.blocks[m.block].len() {
            m.block += 1;
            m.at = 0;
        }
        let b = &self.blocks[m.block];
        m.ordinal = m.ordinal.wrapping_add(read_leb(b, &mut m.at));
        row[0] = m.ordinal;
        for cell in &mut row[1..] {
            *cell = match read_leb(b, &mut m.at) {
                0 => EMPTY,
                1 => {
                    m.next += 1;
                    m.next - 1
                }
                c => c - 2,
            };
        }
    }
}

/// The rows of the table as shared-text indexes, gathered in one pass
/// over the visits.
struct Table<'v> {
    cells: Cells,
    strings: Strings<'v>,
    /// Each column's width in character cells (as `result_book`).
    widths: Vec<usize>,
    per_sheet: usize,
}

impl<'v> Table<'v> {
    fn gather(
        visits: Visits<'v>,
        scheme: IdScheme,
        lang: Lang,
        per_sheet: u32,
    ) -> io::Result<Table<'v>> {
        let per = per_sheet.max(1) as usize;
        let mut strings = Strings::new(visits);
        let heads: Vec<&str> = headers(scheme, lang).collect();
        let mut widths: Vec<usize> = heads.iter().map(|h| display_width(h)).collect();
        let mut cells = Cells::new();
        for h in &heads {
            strings.intern(h)?;
        }
        let mut ordinal = 0u32;
        let mut codes = [0u32; CELLS];
        for_each_row(visits, |n, texts| {
            if cells.rows.is_multiple_of(per) {
                if cells.rows > 0 {
                    // a further sheet, its header written before its first row
                    for h in &heads {
                        strings.intern(h)?;
                    }
                }
                cells.start_sheet(strings.len() as u32, ordinal);
            }
            // the ordinal as result_book writes it (a u32)
            codes[0] = (n as u32).wrapping_sub(ordinal);
            ordinal = n as u32;
            widths[0] = widths[0].max(n.checked_ilog10().unwrap_or(0) as usize + 1);
            // a code and a name as the visit holds them are read back
            // from it, not copied
            let held = visits.code_and_name(n - 1);
            for (c, text) in texts.iter().enumerate() {
                let next = strings.len() as u32;
                let i = if text.is_empty() {
                    EMPTY
                } else if text.starts_with("<r>") && text.ends_with("</r>") {
                    strings.intern(&rich_run(text))?
                } else {
                    let at = held
                        .filter(|&(code, name)| match c {
                            0 => *text == code,
                            1 => *text == name,
                            _ => false,
                        })
                        .map(|_| ((n - 1) as u64) << 1 | c as u64);
                    strings.intern_at(text, at)?
                };
                codes[c + 1] = match i {
                    EMPTY => 0,
                    i if i == next => 1,
                    i => i + 2,
                };
                // a text is never wider than its bytes: most need no count
                if text.len() > widths[c + 1] {
                    widths[c + 1] = widths[c + 1].max(display_width(text));
                }
            }
            cells.push(&codes);
            Ok(())
        })?;
        Ok(Table {
            cells,
            strings,
            widths,
            per_sheet: per,
        })
    }

    fn rows(&self) -> usize {
        self.cells.rows
    }

    /// The last data row (1-based, 0 for none) of each sheet.
    fn lasts(&self) -> Vec<u32> {
        let rows = self.rows();
        if rows == 0 {
            return vec![0];
        }
        (0..rows.div_ceil(self.per_sheet))
            .map(|k| (rows - k * self.per_sheet).min(self.per_sheet) as u32)
            .collect()
    }

    /// The entries of the workbook, in the skeleton's order.
    fn entries(&self, skeleton: &[u8]) -> io::Result<Vec<Entry>> {
        let x = io::Error::other;
        let bad = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("result.xlsx: unexpected workbook from rust_xlsxwriter ({what})"),
            )
        };
        let mut zin = zip::ZipArchive::new(io::Cursor::new(skeleton)).map_err(x)?;
        let mut entries = Vec::with_capacity(zin.len());
        for i in 0..zin.len() {
            let mut file = zin.by_index(i).map_err(x)?;
            let name = file.name().map_err(x)?.into_owned();
            let mut data = Vec::new();
            file.read_to_end(&mut data)?;
            let sheet = name
                .strip_prefix("xl/worksheets/sheet")
                .and_then(|n| n.strip_suffix(".xml"))
                .and_then(|n| n.parse::<usize>().ok());
            let what = if name == "xl/sharedStrings.xml" {
                What::Strings
            } else if let Some(k) = sheet.filter(|&k| k >= 1) {
                let k = k - 1;
                let (from, to) = self.sheet_rows(k);
                if from == to {
                    What::Copy(data)
                } else {
                    // the rows go before </sheetData>; the dimension covers them
                    let end = find(&data, b"</sheetData>").ok_or_else(|| bad("no </sheetData>"))?;
                    let mut head = data[..end].to_vec();
                    let dim = find(&head, b"<dimension ref=\"A1:K1\"/>")
                        .ok_or_else(|| bad("dimension"))?;
                    let mut d = b"<dimension ref=\"A1:K".to_vec();
                    push_u64(&mut d, (to - from + 1) as u64);
                    d.extend_from_slice(b"\"/>");
                    head.splice(dim..dim + b"<dimension ref=\"A1:K1\"/>".len(), d);
                    What::Sheet {
                        head,
                        tail: data[end..].to_vec(),
                        from,
                        to,
                    }
                }
            } else {
                What::Copy(data)
            };
            entries.push(Entry { name, what });
        }
        Ok(entries)
    }

    /// The rows `from..to` of sheet `k` (0-based).
    fn sheet_rows(&self, k: usize) -> (usize, usize) {
        let rows = self.rows();
        let from = (k * self.per_sheet).min(rows);
        (from, (from + self.per_sheet).min(rows))
    }

    fn write_entry(&self, e: &Entry, w: &mut dyn Write) -> io::Result<()> {
        match &e.what {
            What::Copy(data) => w.write_all(data),
            What::Sheet {
                head,
                tail,
                from,
                to,
            } => {
                w.write_all(head)?;
                self.write_rows(*from, *to, w)?;
                w.write_all(tail)
            }
            What::Strings => self.write_strings(w),
        }
    }

    /// The `<row>` elements of rows `from..to`, as rust_xlsxwriter writes
    /// them after a header row: row 2 onwards, each with the `spans` of
    /// its block of 16 rows (the header's block spans every column).
    fn write_rows(&self, from: usize, to: usize, w: &mut dyn Write) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
        // a sheet's rows are read on from where they start
        let mut mark = self.cells.sheets[from / self.per_sheet];
        let mut rows = [[0u32; CELLS]; 16];
        // the rows of one block: XML rows 16b+1 ..= 16b+16 (row 1 the header)
        let mut r = from;
        while r < to {
            let xml_row = r - from + 2;
            let block_end = (xml_row - 1) / 16 * 16 + 16; // last XML row of the block
            let end = (from + block_end - 1).min(to);
            let block = &mut rows[..end - r];
            let mut hi = if xml_row <= 16 { CELLS - 1 } else { 0 };
            for cells in block.iter_mut() {
                self.cells.read(&mut mark, cells);
                if let Some(last) = cells[1..].iter().rposition(|&i| i != EMPTY) {
                    hi = hi.max(last + 1);
                }
            }
            for (k, cells) in block.iter().enumerate() {
                let n = (r + k - from + 2) as u64;
                buf.extend_from_slice(b"<row r=\"");
                push_u64(&mut buf, n);
                buf.extend_from_slice(b"\" spans=\"1:");
                push_u64(&mut buf, hi as u64 + 1);
                buf.extend_from_slice(b"\"><c r=\"A");
                push_u64(&mut buf, n);
                buf.extend_from_slice(b"\"><v>");
                push_u64(&mut buf, u64::from(cells[0]));
                buf.extend_from_slice(b"</v></c>");
                for (c, &i) in cells.iter().enumerate().skip(1) {
                    if i == EMPTY {
                        continue;
                    }
                    buf.extend_from_slice(b"<c r=\"");
                    buf.push(LETTERS[c]);
                    push_u64(&mut buf, n);
                    buf.extend_from_slice(b"\" t=\"s\"><v>");
                    push_u64(&mut buf, u64::from(i));
                    buf.extend_from_slice(b"</v></c>");
                }
                buf.extend_from_slice(b"</row>");
            }
            if buf.len() >= 1 << 16 {
                w.write_all(&buf)?;
                buf.clear();
            }
            r = end;
        }
        w.write_all(&buf)
    }

    /// `xl/sharedStrings.xml`.
    fn write_strings(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
        buf.extend_from_slice(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"",
        );
        push_u64(&mut buf, self.strings.count);
        buf.extend_from_slice(b"\" uniqueCount=\"");
        push_u64(&mut buf, self.strings.len() as u64);
        buf.extend_from_slice(b"\">");
        for i in 0..self.strings.len() {
            let s = self.strings.text(i);
            if s.starts_with(b"<r>") && s.ends_with(b"</r>") {
                // a run made by rich_run, already XML
                buf.extend_from_slice(b"<si>");
                buf.extend_from_slice(s);
                buf.extend_from_slice(b"</si>");
            } else {
                buf.extend_from_slice(if keeps_space(s) {
                    b"<si><t xml:space=\"preserve\">".as_slice()
                } else {
                    b"<si><t>".as_slice()
                });
                push_escaped(&mut buf, s, true);
                buf.extend_from_slice(b"</t></si>");
            }
            if buf.len() >= 1 << 16 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        buf.extend_from_slice(b"</sst>");
        w.write_all(&buf)
    }
}

/// One entry of the workbook.
struct Entry {
    name: String,
    what: What,
}

enum What {
    /// As in the skeleton.
    Copy(Vec<u8>),
    /// A worksheet: the skeleton's XML up to `</sheetData>` (its
    /// dimension covering the rows), the rows `from..to`, the rest.
    Sheet {
        head: Vec<u8>,
        tail: Vec<u8>,
        from: usize,
        to: usize,
    },
    /// The shared strings.
    Strings,
}

impl Entry {
    /// About how many bytes the entry holds (the largest are compressed
    /// first).
    fn size(&self, table: &Table<'_>) -> u64 {
        match &self.what {
            What::Copy(d) => d.len() as u64,
            What::Sheet { from, to, .. } => (to - from) as u64 * 240,
            What::Strings => table.strings.bytes() + 16 * table.strings.len() as u64,
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Append `v` in decimal.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut b = [0u8; 20];
    let mut i = b.len();
    loop {
        i -= 1;
        b[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&b[i..]);
}

/// Whether a text starts or ends with a tab, line feed or space (then its
/// `<t>` keeps them: `xml:space="preserve"`).
fn keeps_space(s: &[u8]) -> bool {
    let ws = |b: Option<&u8>| matches!(b, Some(b'\t' | b'\n' | b' '));
    ws(s.first()) || ws(s.last())
}

/// Append text `s` escaped as rust_xlsxwriter escapes a cell's text:
/// with `escapes`, a `_xHHHH_` in the text gets its underscore written
/// `_x005F` (`escape_xml_escapes`), then `&`, `<`, `>` as entities and the
/// control characters other than tab and line feed, U+FFFE and U+FFFF as
/// `_xHHHH_` (`escape_xml_data`).
fn push_escaped(out: &mut Vec<u8>, s: &[u8], escapes: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut last = 0;
    for (i, &b) in s.iter().enumerate() {
        let special =
            matches!(b, b'&' | b'<' | b'>' | b'_' | 0xEF) || (b < 0x20 && b != b'\t' && b != b'\n');
        if !special {
            continue;
        }
        match b {
            b'_' => {
                let escape = escapes
                    && s.get(i + 1) == Some(&b'x')
                    && s.get(i + 6) == Some(&b'_')
                    && s[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit);
                if escape {
                    out.extend_from_slice(&s[last..i]);
                    out.extend_from_slice(b"_x005F");
                    last = i; // the underscore itself follows
                }
            }
            b'&' | b'<' | b'>' => {
                out.extend_from_slice(&s[last..i]);
                out.extend_from_slice(match b {
                    b'&' => b"&amp;".as_slice(),
                    b'<' => b"&lt;".as_slice(),
                    _ => b"&gt;".as_slice(),
                });
                last = i + 1;
            }
            0xEF => {
                // U+FFFE, U+FFFF: EF BF BE, EF BF BF
                if s.get(i + 1) == Some(&0xBF) && matches!(s.get(i + 2), Some(0xBE | 0xBF)) {
                    out.extend_from_slice(&s[last..i]);
                    out.extend_from_slice(if s[i + 2] == 0xBE {
                        b"_xFFFE_".as_slice()
                    } else {
                        b"_xFFFF_".as_slice()
                    });
                    last = i + 3;
                }
            }
            _ => {
                out.extend_from_slice(&s[last..i]);
                out.extend_from_slice(b"_x00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
                out.push(b'_');
                last = i + 1;
            }
        }
    }
    out.extend_from_slice(&s[last..]);
}

/// The shared text rust_xlsxwriter makes of a text written as rich text of
/// one plain run (`put_text`; worksheet.rs `get_rich_string`): the run's
/// XML, its text escaped by `escape_xml_data` only.
fn rich_run(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 32);
    out.extend_from_slice(if keeps_space(text.as_bytes()) {
        b"<r><t xml:space=\"preserve\">".as_slice()
    } else {
        b"<r><t>".as_slice()
    });
    push_escaped(&mut out, text.as_bytes(), false);
    out.extend_from_slice(b"</t></r>");
    // only ASCII replaced ASCII or whole characters: still UTF-8
    String::from_utf8(out).unwrap_or_default()
}

/// The size of the second largest entry from which entries are compressed
/// at once: 64 MiB, about a second of compression here.
const PARALLEL_FROM: u64 = 64 << 20;

/// Compress the entries, each written by `write`, into `out` as one zip:
/// each entry into a zip of its own made by `store` (on up to four
/// threads, the largest first, when the second largest holds at least
/// `parallel_from` bytes), offering the compressor `ahead` bytes at
/// least, then those put together ([`assemble`]): the same bytes as one
/// zip written entry after entry, which is what is written (the entries
/// written again) when the whole is over 4 GiB.
fn write_entries(
    entries: &[Entry],
    size: &(dyn Fn(&Entry) -> u64 + Sync),
    write: &(dyn Fn(&Entry, &mut dyn Write) -> io::Result<()> + Sync),
    store: &(dyn Fn() -> io::Result<std::fs::File> + Sync),
    out: &mut dyn Write,
    ahead: usize,
    parallel_from: u64,
) -> io::Result<()> {
    let x = io::Error::other;
    let n = entries.len();
    let mut order: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (size(e), i))
        .collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let threads = match order.get(1) {
        Some(&(second, _)) if second >= parallel_from => std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .clamp(1, 4)
            .min(n),
        _ => 1,
    };
    let one = |e: &Entry, zout: &mut zip::ZipWriter<zip::write::StreamWriter<&mut dyn Write>>| {
        zout.start_file(e.name.as_str(), options()).map_err(x)?;
        let mut w = Ahead {
            inner: zout,
            buf: Vec::new(),
            ahead,
        };
        write(e, &mut w)?;
        w.finish()
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<Option<std::fs::File>> = (0..n).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (next, order, one) = (&next, &order, &one);
                scope.spawn(move || -> io::Result<Vec<(usize, std::fs::File)>> {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(_, i)) = order.get(k) else {
                            return Ok(done);
                        };
                        let mut f = store()?;
                        let mut sink: &mut dyn Write = &mut f;
                        let mut zout = zip::ZipWriter::new_stream(&mut sink as &mut dyn Write);
                        one(&entries[i], &mut zout)?;
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
        .map(|p| p.ok_or_else(|| io::Error::other("an entry of the workbook was not written")))
        .collect::<io::Result<Vec<_>>>()?;
    if assemble(&mut files, out)? {
        return Ok(());
    }
    // over 4 GiB: one zip written entry after entry, as the crate would
    // write it (it has its own ways past 32-bit offsets)
    drop(files);
    let mut zout = zip::ZipWriter::new_stream(out);
    for e in entries {
        one(e, &mut zout)?;
    }
    zout.finish().map_err(x)?;
    Ok(())
}

/// rust_xlsxwriter's zip options (0.102, packager.rs `Packager::new`, at
/// its default compression level).
fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(None)
        .unix_permissions(0o600)
        .last_modified_time(zip::DateTime::default())
        .large_file(false)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};

    #[test]
    fn texts_over_many_chunks_read_back_and_are_found_again() {
        let mut st = Strings::new(Visits::Held(&[]));
        // texts of every size up to the longest a cell holds (three bytes
        // a unit), more bytes than several chunks hold
        let longest = "中".repeat(MAX_TEXT);
        let texts: Vec<String> = (0..900usize)
            .map(|i| match i % 4 {
                0 => longest[..3 * (MAX_TEXT - i)].to_string(),
                1 => format!("{i}"),
                2 => "x".repeat(MAX_TEXT - i),
                _ => format!("{i}{}", "é".repeat(i * 97 % 30_000)),
            })
            .collect();
        let total: usize = texts.iter().map(String::len).sum();
        assert!(total > 6 * CHUNK, "{total}");
        for (i, t) in texts.iter().enumerate() {
            assert_eq!(st.intern(t).unwrap(), i as u32);
        }
        assert!(st.chunks.len() > 6);
        assert!(st.chunks.iter().all(|c| c.len() <= CHUNK));
        assert_eq!(st.bytes(), total as u64);
        for (i, t) in texts.iter().enumerate().rev() {
            assert_eq!(st.text(i), t.as_bytes());
            assert_eq!(st.intern(t).unwrap(), i as u32);
        }
        assert_eq!((st.len(), st.count), (900, 1800));
    }

    /// A visit's code and name are recorded where the visit holds them,
    /// not copied, and read back from there; a text that differs from
    /// them (made safe for publication, or rich text) is copied. The
    /// rows read back as they were gathered.
    #[test]
    fn codes_and_names_are_read_back_from_the_visits() {
        let ds = shuangsuiji::Dataset::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/youyu-forestry/plan.toml"
        ))
        .unwrap();
        let mut r = shuangsuiji::draw::draw_unchecked(&ds, "2026-Q4 424242").unwrap();
        r.visits[0].name = "名称\u{202e}".to_string();
        r.visits[1].uscc = "<r>x</r>".to_string();
        let visits = Visits::Held(&r.visits);
        let table = Table::gather(visits, IdScheme::Uscc, Lang::Zh, 7).unwrap();
        let st = &table.strings;
        let at: Vec<u64> = st
            .spans
            .iter()
            .filter(|&&s| s & AT_VISIT != 0)
            .map(|&s| s & !AT_VISIT)
            .collect();
        let mut rows = Vec::new();
        for_each_row(visits, |n, texts| {
            rows.push((n as u32, texts.map(|t| t.to_string())));
            Ok(())
        })
        .unwrap();
        // the texts in the order written: recorded where a visit holds
        // them when first written as its code or name unchanged (not the
        // two changed above, nor a name that an earlier visit has too)
        let mut seen: std::collections::HashSet<String> = headers(IdScheme::Uscc, Lang::Zh)
            .map(str::to_string)
            .collect();
        let (mut expected, mut recorded, mut all) = (Vec::new(), 0u64, 0u64);
        all += seen.iter().map(|h| h.len() as u64).sum::<u64>();
        for (n, texts) in &rows {
            let v = &r.visits[*n as usize - 1];
            for (c, t) in texts.iter().enumerate() {
                let t = if t.starts_with("<r>") && t.ends_with("</r>") {
                    rich_run(t)
                } else {
                    t.clone()
                };
                if t.is_empty() || !seen.insert(t.clone()) {
                    continue;
                }
                all += t.len() as u64;
                if (c == 0 && t == v.uscc) || (c == 1 && t == v.name) {
                    expected.push(u64::from(*n - 1) << 1 | c as u64);
                    recorded += t.len() as u64;
                }
            }
        }
        assert_eq!(at, expected);
        let n = r.visits.len() as u64;
        assert!(at.len() as u64 > 2 * n - 10 && !at.contains(&1) && !at.contains(&2));
        let copied: u64 = st.chunks.iter().map(|c| c.len() as u64).sum();
        assert_eq!((copied + recorded, st.bytes()), (all, all));
        // each text is distinct, and where a visit holds it
        let mut again = Strings::new(visits);
        for i in 0..st.len() {
            let text = st.text(i);
            let span = st.spans[i];
            if span & AT_VISIT != 0 {
                let v = &r.visits[((span & !AT_VISIT) >> 1) as usize];
                let field = if span & 1 == 0 { &v.uscc } else { &v.name };
                assert_eq!(text, field.as_bytes());
            }
            let s = std::str::from_utf8(text).unwrap();
            assert_eq!(again.intern(s).unwrap(), i as u32);
        }
        // the rows read back: every sheet from its start, the ordinals
        // of a visit's rows the same, each text's index as interned
        assert_eq!(table.rows(), rows.len());
        assert_eq!(table.cells.sheets.len(), rows.len().div_ceil(7));
        for (k, chunk) in rows.chunks(7).enumerate() {
            let mut mark = table.cells.sheets[k];
            for (n, texts) in chunk {
                let mut cells = [0u32; CELLS];
                table.cells.read(&mut mark, &mut cells);
                assert_eq!(cells[0], *n);
                for (c, t) in texts.iter().enumerate() {
                    let got = cells[c + 1];
                    if t.is_empty() {
                        assert_eq!(got, EMPTY);
                    } else if t.starts_with("<r>") && t.ends_with("</r>") {
                        assert_eq!(st.text(got as usize), rich_run(t).as_bytes());
                    } else {
                        assert_eq!(st.text(got as usize), t.as_bytes());
                    }
                }
            }
        }
    }

    /// LEB128 numbers read back as written, over the whole range.
    #[test]
    fn numbers_read_back_as_written() {
        let values = [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            1 << 21,
            (1 << 28) - 1,
            1 << 28,
            u32::MAX,
        ];
        let mut b = Vec::new();
        for v in values {
            push_leb(&mut b, v);
        }
        assert_eq!(b.len(), 1 + 1 + 1 + 2 + 2 + 3 + 4 + 4 + 5 + 5);
        let mut at = 0;
        for v in values {
            assert_eq!(read_leb(&b, &mut at), v);
        }
        assert_eq!(at, b.len());
    }

    /// A workbook dated (not by the clock).
    fn book() -> Workbook {
        let mut book = Workbook::new();
        let date = ExcelDateTime::from_ymd(2026, 10, 9).unwrap();
        book.set_properties(&DocProperties::new().set_creation_datetime(&date));
        book
    }

    /// The entries of a workbook rust_xlsxwriter wrote (uncompressed).
    fn entries_of(zipped: &[u8]) -> Vec<Entry> {
        let mut zin = zip::ZipArchive::new(io::Cursor::new(zipped)).unwrap();
        (0..zin.len())
            .map(|i| {
                let mut f = zin.by_index(i).unwrap();
                let name = f.name().unwrap().into_owned();
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                Entry {
                    name,
                    what: What::Copy(data),
                }
            })
            .collect()
    }

    /// A worksheet of megabytes, offered to the compressor 1 MiB or more
    /// at a time (not all at once), its entries compressed apart on one
    /// thread or several: the same bytes as rust_xlsxwriter writes.
    /// Offered 1 KiB at a time, the compressor takes all: refused.
    #[test]
    fn offering_part_of_an_entry_gives_the_same_bytes() {
        let mut book = book();
        let ws = book.add_worksheet();
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
        let held = book.save_to_buffer().unwrap();
        let entries = entries_of(&held);
        let sheet = entries
            .iter()
            .find(|e| e.name == "xl/worksheets/sheet1.xml")
            .unwrap();
        let size = |e: &Entry| match &e.what {
            What::Copy(d) => d.len() as u64,
            _ => 0,
        };
        assert!(size(sheet) > 4 << 20, "{}", size(sheet));
        let write = |ahead: usize, parallel_from: u64| {
            let mut out = Vec::new();
            write_entries(
                &entries,
                &size,
                &|e, w| match &e.what {
                    What::Copy(d) => w.write_all(d),
                    _ => unreachable!(),
                },
                &tempfile::tempfile,
                &mut out,
                ahead,
                parallel_from,
            )
            .map(|()| out)
        };
        // on one thread and on several
        assert!(
            write(1 << 20, u64::MAX).unwrap() == held,
            "the bytes differ"
        );
        assert!(write(1 << 20, 0).unwrap() == held, "the bytes differ");
        assert_eq!(
            write(1 << 10, 0).unwrap_err().to_string(),
            "result.xlsx: the compressor took all of its input in one write"
        );
    }

    /// Texts escaped here as rust_xlsxwriter escapes them, the `_xHHHH_`
    /// cases spelled out.
    #[test]
    fn texts_are_escaped_as_rust_xlsxwriter_escapes_them() {
        let esc = |s: &str, escapes: bool| {
            let mut out = Vec::new();
            push_escaped(&mut out, s.as_bytes(), escapes);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(esc("a_x0041_b", true), "a_x005F_x0041_b");
        assert_eq!(esc("a_x0041_b", false), "a_x0041_b");
        assert_eq!(esc("_x_x00Ff_", true), "_x_x005F_x00Ff_");
        assert_eq!(esc("_x004_", true), "_x004_");
        assert_eq!(esc("_x0041", true), "_x0041");
        assert_eq!(
            esc("<&>\u{1}\t\n\u{1f}\u{fffe}\u{ffff}\u{fffd}", true),
            "&lt;&amp;&gt;_x0001_\t\n_x001F__xFFFE__xFFFF_\u{fffd}"
        );
        assert_eq!(
            rich_run(" <r>x</r>"),
            "<r><t xml:space=\"preserve\"> &lt;r&gt;x&lt;/r&gt;</t></r>"
        );
        assert!(keeps_space(b"a\n") && keeps_space(b"\ta") && !keeps_space(b"a\rb"));
        let mut d = Vec::new();
        for v in [0, 9, 10, 4_294_967_295, u64::MAX] {
            d.clear();
            push_u64(&mut d, v);
            assert_eq!(d, v.to_string().as_bytes());
        }
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
}
