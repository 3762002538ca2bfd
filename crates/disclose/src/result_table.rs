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
        .lend_without_tickets(|i, v| {
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
/// The rows are gathered in one pass as indexes into the table of
/// distinct texts (four bytes a cell; each text held once), then the
/// worksheets and that table are written as XML straight into the
/// compressor, each entry into a temporary file of its own (on several
/// threads when they are large), and those are put together into `out`.
/// The bytes are those rust_xlsxwriter writes for the same workbook held
/// in memory (the tests compare them). The temporary files take about
/// the size of the compressed workbook, and are gone when this returns.
/// (For wasm32 the workbook is held in memory by rust_xlsxwriter.)
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
    let dir = tmp.map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
    direct::write_direct(visits, date, scheme, lang, &dir, out, per_sheet)
}

#[cfg(not(target_arch = "wasm32"))]
mod direct;

/// The result workbook without its data rows, as rust_xlsxwriter saves
/// it: a sheet for each of `lasts` (the last data row of each) with the
/// header, the columns `widths` wide, the header frozen and the rows
/// filtered; what [`direct`] takes all but the rows and the shared
/// strings from. Made with the calls [`result_book`] makes.
#[cfg(not(target_arch = "wasm32"))]
fn skeleton_book(
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    widths: &[usize],
    lasts: &[u32],
) -> io::Result<Vec<u8>> {
    let x = io::Error::other;
    let mut book = Workbook::new();
    book_properties(&mut book, date)?;
    let bold = XlsxFormat::new().set_bold();
    for k in 0..lasts.len() {
        add_result_sheet(book.add_worksheet(), k, scheme, lang, &bold)?;
    }
    finish_sheets(&mut book, widths, lasts)?;
    book.save_to_buffer().map_err(x)
}

/// The workbook's properties: created on `date` (never the clock).
fn book_properties(book: &mut Workbook, date: Date) -> io::Result<()> {
    let created =
        ExcelDateTime::from_ymd(date.year(), date.month(), date.day()).map_err(io::Error::other)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    Ok(())
}

/// Name sheet `k` (0-based) of the result and write its header.
fn add_result_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    k: usize,
    scheme: IdScheme,
    lang: Lang,
    bold: &XlsxFormat,
) -> io::Result<()> {
    let x = io::Error::other;
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
        ws.write_string_with_format(0, c as u16, h, bold)
            .map_err(x)?;
    }
    Ok(())
}

/// Every sheet's column widths, frozen header and filter (to its last
/// row, `lasts`).
fn finish_sheets(book: &mut Workbook, widths: &[usize], lasts: &[u32]) -> io::Result<()> {
    let x = io::Error::other;
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
    let mut book = Workbook::new();
    result_book(&mut book, visits, date, scheme, lang, per_sheet)?;
    let bytes = book.save_to_buffer().map_err(io::Error::other)?;
    out.write_all(&bytes)
}

/// Fill `book` with the result table, `per_sheet` rows a sheet, each
/// cell held by rust_xlsxwriter until the book is saved: the reference
/// the bytes of [`direct`] are tested against.
#[cfg(any(test, target_arch = "wasm32"))]
fn result_book(
    book: &mut Workbook,
    visits: Visits<'_>,
    date: Date,
    scheme: IdScheme,
    lang: Lang,
    per_sheet: u32,
) -> io::Result<()> {
    let x = io::Error::other;
    book_properties(book, date)?;
    let bold = XlsxFormat::new().set_bold();
    let mut widths: Vec<usize> = headers(scheme, lang).map(display_width).collect();
    // the last data row of each sheet
    let mut lasts: Vec<u32> = Vec::new();
    add_result_sheet(book.add_worksheet(), 0, scheme, lang, &bold)?;
    lasts.push(0);
    let mut written = 0u64;
    for_each_row(visits, |n, cells| {
        let k = (written / u64::from(per_sheet)) as usize;
        let row = (written % u64::from(per_sheet)) as u32 + 1;
        written += 1;
        if k == lasts.len() {
            add_result_sheet(book.add_worksheet(), k, scheme, lang, &bold)?;
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
    finish_sheets(book, &widths, &lasts)
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
mod direct_tests {
    use super::*;
    use proptest::prelude::*;

    /// The sample draw's result.
    fn sample() -> shuangsuiji::DrawResult {
        let ds = shuangsuiji::Dataset::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/youyu-forestry/plan.toml"
        ))
        .unwrap();
        shuangsuiji::draw::draw_unchecked(&ds, "2026-Q4 424242").unwrap()
    }

    /// The workbook written directly, and as rust_xlsxwriter holds it.
    fn both(
        visits: &[shuangsuiji::draw::Visit],
        date: Date,
        lang: Lang,
        per_sheet: u32,
    ) -> (io::Result<Vec<u8>>, io::Result<Vec<u8>>) {
        let v = Visits::Held(visits);
        let (mut direct, mut held) = (Vec::new(), Vec::new());
        let a =
            write_result_xlsx_sheets(v, date, IdScheme::Uscc, lang, None, &mut direct, per_sheet);
        let b = write_result_xlsx_held(v, date, IdScheme::Uscc, lang, &mut held, per_sheet);
        (a.map(|()| direct), b.map(|()| held))
    }

    /// Texts made of pieces that rust_xlsxwriter writes in a special way:
    /// XML specials, `_xHHHH_` and its near misses, the shape of rich text,
    /// spaces at either end, characters of several bytes, empty texts.
    fn text() -> impl Strategy<Value = String> {
        let pieces = vec![
            "", " ", "\t", "\n", "a", "名称", "x", "_", "_x", "_x0041_", "_x00Ff_", "_x004_", "0",
            "F", "<", ">", "&", "&amp;", "<r>", "</r>", "<t>", "\u{fffe}", "\u{ffff}", "\u{202e}",
            "\u{1}", "😀", "\"", "'", "=1+1",
        ];
        (
            proptest::collection::vec(proptest::sample::select(pieces), 0..8),
            0..4u8,
        )
            .prop_map(|(v, shape)| match shape {
                0 => format!("<r>{}</r>", v.concat()),
                _ => v.concat(),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// The workbook written directly is, byte for byte, the one
        /// rust_xlsxwriter writes holding every cell, whatever the texts
        /// (repeated, empty, hostile) and however many rows a sheet holds.
        #[test]
        fn direct_is_the_workbook_held_in_memory(
            texts in proptest::collection::vec(text(), 1..24),
            per_sheet in prop_oneof![1u32..40, Just(SHEET_ROWS)],
            en in any::<bool>(),
        ) {
            let mut r = sample();
            let t = |k: usize| texts[k % texts.len()].clone();
            for (i, v) in r.visits.iter_mut().enumerate() {
                v.name = t(i);
                v.region = t(i * 7 + 3);
                v.credit_class = (i % 3 != 0).then(|| t(i * 5 + 1));
                if i % 4 == 0 {
                    v.uscc = t(i * 3 + 2);
                }
                for (j, team) in v.teams.iter_mut().enumerate() {
                    team.department = t(i + j + 5);
                    team.category = t(i * j + 11);
                    if i % 5 == 0 {
                        // one officer, whose number may be empty: a row
                        // may end before the last column
                        team.officers.truncate(1);
                        if let Some(o) = team.officers.first_mut() {
                            o.cert_no = t(i + j);
                        }
                    }
                    for (k, o) in team.officers.iter_mut().enumerate() {
                        o.name = t(i + j * 2 + k * 3);
                    }
                }
            }
            let lang = if en { Lang::En } else { Lang::Zh };
            let (direct, held) = both(&r.visits, r.plan.date, lang, per_sheet);
            let (direct, held) = (direct.unwrap(), held.unwrap());
            prop_assert!(direct == held, "the bytes differ");
        }
    }

    /// The visits of a streaming draw (held compact, their codes and
    /// names read back from the list): the bytes of the same visits held
    /// as values, on one sheet and on several.
    #[test]
    fn compact_visits_give_the_bytes_of_held_ones() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
        let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
        let open = |name: &str| {
            Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn std::io::Read>)
        };
        let streamed = shuangsuiji::draw::draw_streaming(
            "plan.toml",
            &text,
            open,
            "2026-Q4 424242",
            None,
            shuangsuiji::LoadOptions::default(),
        )
        .unwrap();
        let r = sample();
        assert_eq!(streamed.visits.len(), r.visits.len());
        for per_sheet in [SHEET_ROWS, 16, 5] {
            let mut compact = Vec::new();
            write_result_xlsx_sheets(
                Visits::Compact(&streamed.visits),
                r.plan.date,
                IdScheme::Uscc,
                Lang::Zh,
                None,
                &mut compact,
                per_sheet,
            )
            .unwrap();
            let (_, held) = both(&r.visits, r.plan.date, Lang::Zh, per_sheet);
            assert!(
                compact == held.unwrap(),
                "{per_sheet} rows a sheet: the bytes differ"
            );
        }
    }

    /// Rows that end before the last column: the header's block still
    /// spans every column, the others only theirs.
    #[test]
    fn rows_short_of_the_last_columns() {
        let mut r = sample();
        for v in &mut r.visits {
            for team in &mut v.teams {
                team.officers.truncate(1);
                for o in &mut team.officers {
                    o.cert_no.clear();
                    o.name.clear();
                }
            }
        }
        for per_sheet in [1, 20, SHEET_ROWS] {
            let (direct, held) = both(&r.visits, r.plan.date, Lang::Zh, per_sheet);
            assert!(
                direct.unwrap() == held.unwrap(),
                "{per_sheet} rows a sheet: the bytes differ"
            );
        }
    }

    /// A draw without visits: the header alone, as rust_xlsxwriter
    /// writes it.
    #[test]
    fn no_rows_is_the_header_alone() {
        let date = shuangsuiji::model::Date::new(2026, 10, 9).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let (direct, held) = both(&[], date, lang, SHEET_ROWS);
            assert!(
                direct.unwrap() == held.unwrap(),
                "{lang:?}: the bytes differ"
            );
        }
    }

    /// A text longer than a cell holds is refused as rust_xlsxwriter
    /// refuses it.
    #[test]
    fn a_text_too_long_for_a_cell_is_refused_alike() {
        let mut r = sample();
        r.visits[1].name = "名".repeat(32_768);
        let (a, b) = both(&r.visits, r.plan.date, Lang::Zh, SHEET_ROWS);
        let (a, b) = (a.unwrap_err(), b.unwrap_err());
        assert_eq!(a.to_string(), b.to_string());
        assert!(a.to_string().contains("32,767"), "{a}");
        // 32,767 characters are held
        r.visits[1].name = "名".repeat(32_767);
        let (direct, held) = both(&r.visits, r.plan.date, Lang::Zh, SHEET_ROWS);
        assert!(direct.unwrap() == held.unwrap(), "the bytes differ");
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
