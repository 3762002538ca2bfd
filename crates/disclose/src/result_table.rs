//! The result as a table, one row per team of each visit: `result.csv`
//! and `result.xlsx`, with headers in the notice's language.

use std::io::{self, Write};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as XlsxFormat, Workbook};
use shuangsuiji::draw::Visits;
use shuangsuiji::model::{Date, IdScheme};

use crate::Lang;

/// The columns of the result table: (Chinese, English) headers.
pub const RESULT_COLUMNS: [(&str, &str); 11] = [
    ("序号", "visit"),
    ("统一社会信用代码", "uscc"),
    ("名称", "name"),
    ("行政区划", "region"),
    ("信用风险分类", "credit_class"),
    ("抽查任务", "tasks"),
    ("抽查事项", "items"),
    ("检查部门", "department"),
    ("执法类别", "category"),
    ("检查人员", "officers"),
    ("执法证号", "cert_nos"),
];

/// The headers in `lang`; the unit-id column is named by the registry's id
/// scheme (SPEC.md §1.8: `统一社会信用代码` for USCCs, `项目编号` …).
fn headers(scheme: IdScheme, lang: Lang) -> impl Iterator<Item = &'static str> {
    RESULT_COLUMNS.iter().enumerate().map(move |(i, (zh, en))| {
        if i == 1 && scheme != IdScheme::Uscc {
            lang.t(scheme.label_zh(), scheme.header_en())
        } else {
            lang.t(zh, en)
        }
    })
}

/// Hand each row to `f`: the visit's ordinal, then the text cells. The
/// visits are lent ([`Visits::lend`]) and the joined cells built in buffers
/// kept from row to row: a province's table has millions of rows.
fn for_each_row(
    visits: Visits<'_>,
    mut f: impl FnMut(usize, &[&str; 10]) -> io::Result<()>,
) -> io::Result<()> {
    use std::fmt::Write as _;
    fn join_into<'s>(out: &mut String, parts: impl Iterator<Item = &'s str>) {
        out.clear();
        for (k, p) in parts.enumerate() {
            if k > 0 {
                out.push_str("; ");
            }
            out.push_str(p);
        }
    }
    let (mut tasks, mut items, mut names, mut certs) =
        (String::new(), String::new(), String::new(), String::new());
    visits
        .lend(|i, v| {
            tasks.clear();
            for (k, s) in v.selections.iter().enumerate() {
                if k > 0 {
                    tasks.push_str("; ");
                }
                // writing into a String cannot fail
                let _ = write!(tasks, "{} {} #{}", s.task, s.stratum, s.rank);
            }
            for t in &v.teams {
                join_into(&mut items, t.items.iter().map(String::as_str));
                join_into(&mut names, t.officers.iter().map(|o| o.name.as_str()));
                join_into(&mut certs, t.officers.iter().map(|o| o.cert_no.as_str()));
                // the one policy for published text (control characters and
                // bidi overrides neutralised), in the CSV and the workbook alike
                let n = crate::render::neutralize;
                let cells = [
                    n(&v.uscc),
                    n(&v.name),
                    n(&v.region),
                    n(v.credit_class.as_deref().unwrap_or_default()),
                    n(&tasks),
                    n(&items),
                    n(&t.department),
                    n(&t.category),
                    n(&names),
                    n(&certs),
                ];
                f(i + 1, &cells.each_ref().map(|c| c.as_ref()))?;
            }
            Ok(())
        })
        .try_for_each(|written| written)
}

/// Quote a CSV cell that a spreadsheet would run as a formula.
fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// `result.csv`: one row per team of each visit, UTF-8 with BOM for Excel,
/// CRLF line ends, headers in `lang` ([`RESULT_COLUMNS`]); a cell that a
/// spreadsheet would run as a formula gets a leading `'`.
///
/// ```
/// use shuangsuiji::draw::{Visits, draw_unchecked};
/// use shuangsuiji_disclose::{Lang, write_result_csv};
/// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
/// let mut out = Vec::new();
/// write_result_csv(Visits::Held(&r.visits), Lang::Zh, &mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("\u{FEFF}序号,统一社会信用代码,名称,"));
/// ```
pub fn write_result_csv(visits: Visits<'_>, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    write_result_csv_in(visits, IdScheme::Uscc, lang, out)
}

/// [`write_result_csv`] for a registry of the id scheme `scheme` (the
/// second column is named after it: `项目编号` …; SPEC.md §1.8).
pub fn write_result_csv_in(
    visits: Visits<'_>,
    scheme: IdScheme,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(headers(scheme, lang))?;
    use std::fmt::Write as _;
    let mut num = String::new();
    for_each_row(visits, |n, cells| {
        num.clear();
        // writing into a String cannot fail
        let _ = write!(num, "{n}");
        w.write_field(&num)?;
        for c in cells {
            w.write_field(safe_cell(c).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
        Ok(())
    })?;
    w.flush()
}

/// Columns are sized to their longest cell, in character cells (a Chinese
/// character is two), within these bounds.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// `result.xlsx`: the rows of [`write_result_csv`] as a workbook with one
/// sheet (抽查结果 / Result): headers in `lang` in bold, the header row
/// frozen and filtered, every code (credit codes, certificate numbers,
/// item ids) stored as text, columns as wide as their content.
///
/// The bytes are a function of the arguments only: the document's
/// creation time is `date` (the plan date, at midnight), never the clock,
/// so two runs give the same file.
///
/// ```
/// use shuangsuiji::draw::{Visits, draw_unchecked};
/// use shuangsuiji_disclose::{Lang, write_result_xlsx};
/// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
/// let mut a = Vec::new();
/// write_result_xlsx(Visits::Held(&r.visits), r.plan.date, Lang::Zh, &mut a).unwrap();
/// assert!(a.starts_with(b"PK"));
/// let mut b = Vec::new();
/// write_result_xlsx(Visits::Held(&r.visits), r.plan.date, Lang::Zh, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn write_result_xlsx(
    visits: Visits<'_>,
    date: Date,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_result_xlsx_in(visits, date, IdScheme::Uscc, lang, out)
}

/// [`write_result_xlsx`] for a registry of the id scheme `scheme` (as
/// [`write_result_csv_in`]), its temporary files in the system's
/// temporary folder ([`write_result_xlsx_with`]).
pub fn write_result_xlsx_in(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_result_xlsx_with(visits, date, scheme, lang, None, out)
}

/// [`write_result_xlsx_in`] with its temporary files in the folder `tmp`
/// (`None`: [`std::env::temp_dir`]).
///
/// The rows are not held in memory: each goes to an unnamed temporary
/// file as soon as it is written (rust_xlsxwriter's low-memory
/// worksheets; only the table of distinct texts stays in memory). The
/// workbook is then copied to `out` with the one attribute that mode
/// leaves out (each row's `spans`), so that its bytes are those of the
/// same workbook held in memory. The temporary files take about the size
/// of the unzipped worksheets, and are gone when this returns. (For
/// wasm32 the workbook is held in memory.)
///
/// ```
/// use shuangsuiji::draw::{Visits, draw_unchecked};
/// use shuangsuiji::model::IdScheme;
/// use shuangsuiji_disclose::{Lang, write_result_xlsx_in, write_result_xlsx_with};
/// let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
/// let (v, date, tmp) = (Visits::Held(&r.visits), r.plan.date, std::env::temp_dir());
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// write_result_xlsx_with(v, date, IdScheme::Uscc, Lang::Zh, Some(&tmp), &mut a).unwrap();
/// write_result_xlsx_in(v, date, IdScheme::Uscc, Lang::Zh, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn write_result_xlsx_with(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    tmp: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_result_xlsx_sheets(visits, date, scheme, lang, tmp, out, SHEET_ROWS)
}

/// Write a text cell. rust_xlsxwriter copies a text that starts with
/// `<r>` and ends with `</r>` into the workbook's XML unescaped (it takes
/// it for rich text it made itself), so a registry name of that shape
/// could add XML of its own to `result.xlsx`, even change what the sheet
/// shows. Such a text is written as rich text of one plain run instead:
/// escaped, and shown as written.
fn put_text(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    text: &str,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if text.starts_with("<r>") && text.ends_with("</r>") {
        ws.write_rich_string(row, col, &[(&XlsxFormat::default(), text)])?;
    } else {
        ws.write_string(row, col, text)?;
    }
    Ok(())
}

/// Data rows per worksheet: Excel's 1,048,576 rows less the header.
const SHEET_ROWS: u32 = 1_048_575;

/// [`write_result_xlsx_with`] with at most `per_sheet` data rows a sheet:
/// the rows continue on sheets 抽查结果（2）, 抽查结果（3）… (`Result (2)` …),
/// each with the header, so that a draw of more visits than one sheet holds
/// is still published (a result of at most `per_sheet` rows is one sheet,
/// byte for byte as before).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn write_result_xlsx_sheets(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    tmp: Option<&std::path::Path>,
    out: &mut dyn Write,
    per_sheet: u32,
) -> io::Result<()> {
    let x = io::Error::other;
    let dir = tmp.map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
    let mut book = Workbook::new();
    book.set_tempdir(&dir).map_err(x)?;
    // the copy below compresses again: here speed matters, not size
    book.set_zip_compression_level(1);
    result_book(
        &mut book,
        Workbook::add_worksheet_with_low_memory,
        visits,
        date,
        scheme,
        lang,
        per_sheet,
    )?;
    let mut zipped = tempfile::tempfile_in(&dir).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot create a temporary file in {}: {e}", dir.display()),
        )
    })?;
    book.save_to_writer(&mut zipped).map_err(x)?;
    drop(book);
    spans::copy_with_spans(&zipped, &dir, out)
}

#[cfg(not(target_arch = "wasm32"))]
mod spans;

/// [`write_result_xlsx_with`] for wasm32: the workbook held in memory.
#[cfg(target_arch = "wasm32")]
pub(crate) fn write_result_xlsx_sheets(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    _tmp: Option<&std::path::Path>,
    out: &mut dyn Write,
    per_sheet: u32,
) -> io::Result<()> {
    write_result_xlsx_held(visits, date, scheme, lang, out, per_sheet)
}

/// The workbook with every cell held in memory until it is saved: what
/// [`write_result_xlsx_sheets`] wrote before its rows went to disk, and
/// the reference its bytes are tested against.
#[cfg(any(test, target_arch = "wasm32"))]
fn write_result_xlsx_held(
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    out: &mut dyn Write,
    per_sheet: u32,
) -> io::Result<()> {
    fn held(
        book: &mut Workbook,
    ) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
        Ok(book.add_worksheet())
    }
    let mut book = Workbook::new();
    result_book(&mut book, held, visits, date, scheme, lang, per_sheet)?;
    let bytes = book.save_to_buffer().map_err(io::Error::other)?;
    out.write_all(&bytes)
}

/// Fill `book` with the result table, `per_sheet` rows a sheet, each
/// sheet added by `add`.
fn result_book(
    book: &mut Workbook,
    add: fn(&mut Workbook) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError>,
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    per_sheet: u32,
) -> io::Result<()> {
    let x = io::Error::other;
    let created = ExcelDateTime::from_ymd(date.year(), date.month(), date.day()).map_err(x)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = XlsxFormat::new().set_bold();
    let mut widths: Vec<usize> = headers(scheme, lang).map(display_width).collect();
    // the last data row of each sheet
    let mut lasts: Vec<u32> = Vec::new();
    let add_sheet = |book: &mut Workbook, k: usize| -> io::Result<()> {
        let ws = add(book).map_err(x)?;
        let name = if k == 0 {
            lang.t("抽查结果", "Result").to_string()
        } else {
            match lang {
                Lang::Zh => format!("抽查结果（{}）", k + 1),
                _ => format!("Result ({})", k + 1),
            }
        };
        ws.set_name(name).map_err(x)?;
        for (c, h) in headers(scheme, lang).enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(x)?;
        }
        Ok(())
    };
    add_sheet(book, 0)?;
    lasts.push(0);
    let mut written = 0u64;
    for_each_row(visits, |n, cells| {
        let k = (written / u64::from(per_sheet)) as usize;
        let row = (written % u64::from(per_sheet)) as u32 + 1;
        written += 1;
        if k == lasts.len() {
            add_sheet(book, k)?;
            lasts.push(0);
        }
        lasts[k] = row;
        let ws = book.worksheet_from_index(k).map_err(x)?;
        ws.write_number(row, 0, n as u32).map_err(x)?;
        widths[0] = widths[0].max(n.checked_ilog10().unwrap_or(0) as usize + 1);
        for (c, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                put_text(ws, row, c as u16 + 1, cell).map_err(x)?;
            }
            widths[c + 1] = widths[c + 1].max(display_width(cell));
        }
        Ok(())
    })?;
    for (k, last) in lasts.iter().enumerate() {
        let ws = book.worksheet_from_index(k).map_err(x)?;
        for (c, w) in widths.iter().enumerate() {
            let w = (w + 2).clamp(MIN_WIDTH, MAX_WIDTH) as u16;
            ws.set_column_width(c as u16, w).map_err(x)?;
        }
        ws.set_freeze_panes(1, 0).map_err(x)?;
        ws.autofilter(0, 0, *last, RESULT_COLUMNS.len() as u16 - 1)
            .map_err(x)?;
    }
    Ok(())
}

/// The export for the enterprise credit information publicity system
/// ([`crate::gsxt_csv`]) as a workbook: sheet 抽查检查结果, the same
/// columns and rows, every cell stored as text (codes and dates keep their
/// exact form), header frozen and filtered; byte-stable like
/// [`write_result_xlsx`] (creation time: the plan date).
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji_disclose::{ResultsOptions, gsxt_xlsx};
/// let text = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let r = DrawResult::from_json(&text).unwrap();
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// gsxt_xlsx(&r, &[], &ResultsOptions::default(), &mut a).unwrap();
/// gsxt_xlsx(&r, &[], &ResultsOptions::default(), &mut b).unwrap();
/// assert!(a.starts_with(b"PK"));
/// assert_eq!(a, b);
/// ```
pub fn gsxt_xlsx(
    result: &shuangsuiji::DrawResult,
    outcomes: &[crate::Outcome],
    options: &crate::ResultsOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let x = io::Error::other;
    let date = result.plan.date;
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(date.year(), date.month(), date.day()).map_err(x)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let ws = book.add_worksheet();
    ws.set_name("抽查检查结果").map_err(x)?;
    let bold = XlsxFormat::new().set_bold();
    let cols = crate::results::GSXT_COLUMNS;
    let mut widths: Vec<usize> = cols.iter().map(|h| display_width(h)).collect();
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(x)?;
    }
    let rows = crate::results::gsxt_rows(result, outcomes, options);
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let cell = crate::render::neutralize(cell);
            if !cell.is_empty() {
                put_text(ws, r as u32 + 1, c as u16, cell.as_ref()).map_err(x)?;
            }
            widths[c] = widths[c].max(display_width(&cell));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let w = (w + 2).clamp(MIN_WIDTH, MAX_WIDTH) as u16;
        ws.set_column_width(c as u16, w).map_err(x)?;
    }
    ws.set_freeze_panes(1, 0).map_err(x)?;
    ws.autofilter(0, 0, rows.len() as u32, cols.len() as u16 - 1)
        .map_err(x)?;
    let bytes = book.save_to_buffer().map_err(x)?;
    out.write_all(&bytes)
}

#[cfg(test)]
mod sheets_tests {
    use super::*;

    /// More rows than a sheet holds continue on further sheets, each with
    /// the header; a result that fits one sheet is byte for byte the same
    /// whatever the limit above its size.
    #[test]
    fn rows_continue_on_further_sheets() {
        let ds = shuangsuiji::Dataset::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/youyu-forestry/plan.toml"
        ))
        .unwrap();
        let r = shuangsuiji::draw::draw_unchecked(&ds, "2026-Q4 424242").unwrap();
        let mut rows = 0u32;
        for_each_row(Visits::Held(&r.visits), |_, _| {
            rows += 1;
            Ok(())
        })
        .unwrap();
        assert!(rows > 10, "{rows}");
        let write = |per_sheet: u32| {
            let mut b = Vec::new();
            write_result_xlsx_sheets(
                Visits::Held(&r.visits),
                r.plan.date,
                IdScheme::Uscc,
                Lang::Zh,
                None,
                &mut b,
                per_sheet,
            )
            .unwrap();
            b
        };
        let one = write(SHEET_ROWS);
        assert_eq!(one, write(rows), "exactly one sheet full");
        let mut normal = Vec::new();
        write_result_xlsx(Visits::Held(&r.visits), r.plan.date, Lang::Zh, &mut normal).unwrap();
        assert_eq!(one, normal);
        let split = write(rows / 3);
        assert_ne!(split, one);
        // the workbook lists four sheets (rows / 3 per sheet, and the rest)
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(split)).unwrap();
        let mut wb = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut wb)
            .unwrap();
        let expected = if rows.is_multiple_of(rows / 3) { 3 } else { 4 };
        assert_eq!(wb.matches("<sheet ").count(), expected, "{wb}");
        assert!(wb.contains("name=\"抽查结果（2）\""), "{wb}");
        for k in 1..=expected {
            assert!(zip.by_name(&format!("xl/worksheets/sheet{k}.xml")).is_ok());
        }
    }

    /// The rows written to disk give the bytes of the workbook held in
    /// memory, on one sheet and on several (sheets of 1, 7, 16, 17 … rows:
    /// blocks of 16 rows cut anywhere), in both languages.
    #[test]
    fn rows_on_disk_give_the_bytes_held_in_memory() {
        let ds = shuangsuiji::Dataset::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/youyu-forestry/plan.toml"
        ))
        .unwrap();
        let r = shuangsuiji::draw::draw_unchecked(&ds, "2026-Q4 424242").unwrap();
        let v = Visits::Held(&r.visits);
        let tmp = std::env::temp_dir();
        for lang in [Lang::Zh, Lang::En] {
            for per_sheet in [SHEET_ROWS, 60, 33, 17, 16, 7, 1] {
                let (mut disk, mut held) = (Vec::new(), Vec::new());
                write_result_xlsx_sheets(
                    v,
                    r.plan.date,
                    IdScheme::Uscc,
                    lang,
                    Some(&tmp),
                    &mut disk,
                    per_sheet,
                )
                .unwrap();
                write_result_xlsx_held(v, r.plan.date, IdScheme::Uscc, lang, &mut held, per_sheet)
                    .unwrap();
                assert!(
                    disk == held,
                    "{lang:?}, {per_sheet} rows a sheet: the bytes differ"
                );
            }
        }
    }
}

#[cfg(test)]
mod rich_text_tests {
    use super::*;
    use std::io::Read;

    /// The workbook's shared strings, as XML.
    fn shared_strings(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn a_text_shaped_like_rich_text_is_escaped() {
        let evil = "<r></r><si><t>伪造</t></si><r>";
        let evil = format!("<r>{evil}</r>");
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        put_text(ws, 0, 0, &evil).unwrap();
        put_text(ws, 1, 0, "plain <b>").unwrap();
        let xml = shared_strings(&book.save_to_buffer().unwrap());
        // one run holding the whole text, escaped; no element of its own
        assert!(
            xml.contains("<r><t>&lt;r&gt;&lt;r&gt;&lt;/r&gt;&lt;si&gt;&lt;t&gt;伪造&lt;/t&gt;&lt;/si&gt;&lt;r&gt;&lt;/r&gt;</t></r>"),
            "{xml}"
        );
        assert!(!xml.contains("<si><t>伪造"), "{xml}");
        assert!(xml.contains("<t>plain &lt;b&gt;</t>"), "{xml}");
    }
}
