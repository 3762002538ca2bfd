//! Spreadsheet inputs (`.xlsx`, `.xlsm`, `.xls`, `.ods`), read whole
//! through calamine and turned into rows of text exactly as SPEC.md §1.4
//! says, so that the same content as CSV or as a spreadsheet gives the
//! same records.

use std::io::{Cursor, Read};

use calamine::{Data, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx};

use crate::error::{Diagnostic, DiagnosticKind, Position};

/// File extensions read as spreadsheets (compared without case).
pub const SPREADSHEET_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// Whether a file name (without a `#sheet` suffix) names a spreadsheet,
/// by its extension.
///
/// ```
/// use shuangsuiji::load::is_spreadsheet;
/// assert!(is_spreadsheet("事项清单.XLSX"));
/// assert!(is_spreadsheet("lists.ods"));
/// assert!(!is_spreadsheet("items.csv"));
/// ```
pub fn is_spreadsheet(path: &str) -> bool {
    extension(path).is_some_and(|e| SPREADSHEET_EXTENSIONS.contains(&e.as_str()))
}

fn extension(path: &str) -> Option<String> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

/// Split an input name of the plan into the file and the sheet it names:
/// `lists.xlsx#事项清单` is sheet `事项清单` of `lists.xlsx`. The suffix is
/// recognised only after a spreadsheet file name; any other name is a file
/// name as it is (a CSV file may have `#` in its name).
///
/// ```
/// use shuangsuiji::load::split_input_name;
/// assert_eq!(split_input_name("lists.xlsx#事项清单"), ("lists.xlsx", Some("事项清单")));
/// assert_eq!(split_input_name("items.xlsx"), ("items.xlsx", None));
/// assert_eq!(split_input_name("items#2.csv"), ("items#2.csv", None));
/// ```
pub fn split_input_name(name: &str) -> (&str, Option<&str>) {
    for (i, _) in name.match_indices('#') {
        if is_spreadsheet(&name[..i]) {
            return (&name[..i], Some(&name[i + 1..]));
        }
    }
    (name, None)
}

/// Why a cell's text may not be what the person typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Note {
    /// A number with a fractional part (or written with an exponent).
    NotInteger,
    /// A whole number of 16 digits or more: beyond the 15 significant
    /// digits a spreadsheet keeps.
    TooManyDigits,
    /// A formula error (`#N/A`, `#REF!` …).
    FormulaError(String),
}

/// One non-blank row of a sheet.
pub(crate) struct SheetRow {
    /// The 1-based row number as the spreadsheet shows it.
    pub row: u64,
    /// The cells as text.
    pub cells: csv::ByteRecord,
    /// Notes on some cells, by 0-based column of `cells`.
    pub notes: Vec<(usize, Note)>,
}

/// A sheet read whole.
pub(crate) struct Sheet {
    /// `file[sheet]`: the name positions give.
    pub display: String,
    /// What the file is, for the summary (`xlsx`, `xls`, `ods`).
    pub format: String,
    /// Its rows, blank ones included (the table skips them).
    pub rows: Vec<SheetRow>,
}

/// The text of a whole number or of the shortest decimal that reads back
/// as the same binary64 value, never with an exponent (SPEC.md §1.4).
fn number_text(f: f64) -> (String, Option<Note>) {
    if !f.is_finite() {
        return (f.to_string(), Some(Note::NotInteger));
    }
    if f.fract() == 0.0 {
        if f.abs() < 1e15 {
            // exact: every whole number below 2^53 is a binary64
            #[allow(clippy::cast_possible_truncation)]
            return ((f as i64).to_string(), None);
        }
        return (format!("{f}"), Some(Note::TooManyDigits));
    }
    (format!("{f}"), Some(Note::NotInteger))
}

/// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS` when there is a time of day.
fn date_text(dt: &calamine::ExcelDateTime) -> String {
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// The text of one cell (SPEC.md §1.4).
pub(crate) fn cell_text(d: &Data) -> (String, Option<Note>) {
    match d {
        Data::Empty => (String::new(), None),
        Data::String(s) => (s.clone(), None),
        Data::Int(i) => {
            let note = (i.unsigned_abs() >= 1_000_000_000_000_000).then_some(Note::TooManyDigits);
            (i.to_string(), note)
        }
        Data::Float(f) => number_text(*f),
        Data::Bool(true) => ("TRUE".into(), None),
        Data::Bool(false) => ("FALSE".into(), None),
        Data::DateTime(dt) if dt.is_datetime() => (date_text(dt), None),
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) => {
            let t = s.strip_suffix("T00:00:00").unwrap_or(s);
            (t.replacen('T', " ", 1), None)
        }
        Data::DurationIso(s) => (s.clone(), None),
        Data::Error(e) => (String::new(), Some(Note::FormulaError(e.to_string()))),
    }
}

fn error(file: &str, msg: String) -> Diagnostic {
    Diagnostic::error(DiagnosticKind::Spreadsheet, Position::file(file), msg)
}

/// Read sheet `sheet` (or the first visible worksheet) of the workbook in
/// `source`; `file` is the file name (without `#sheet`).
pub(crate) fn read_sheet(
    file: &str,
    sheet: Option<&str>,
    mut source: impl Read,
    max_bytes: u64,
) -> Result<Sheet, Diagnostic> {
    let mut bytes = Vec::new();
    (&mut source)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| error(file, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Diagnostic::error(
            DiagnosticKind::TooLarge,
            Position::file(file),
            format!(
                "the spreadsheet is larger than {max_bytes} bytes; save the registry as CSV, which is read record by record"
            ),
        ));
    }
    let format = extension(file).unwrap_or_default();
    let cursor = Cursor::new(bytes);
    macro_rules! with_book {
        ($ty:ty) => {{
            let mut book: $ty = Reader::new(cursor).map_err(|e| {
                error(
                    file,
                    format!("cannot read the file as .{format}: {e}; open it in a spreadsheet program and save it again, or save it as CSV"),
                )
            })?;
            pick(&mut book, file, sheet)?
        }};
    }
    let (name, range) = match format.as_str() {
        "xls" => with_book!(Xls<_>),
        "ods" => with_book!(Ods<_>),
        _ => with_book!(Xlsx<_>),
    };
    let display = format!("{file}[{name}]");
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let mut rec = csv::ByteRecord::new();
        let mut notes = Vec::new();
        for (c, d) in cells.iter().enumerate() {
            let (text, note) = cell_text(d);
            rec.push_field(text.as_bytes());
            if let Some(n) = note {
                notes.push((c, n));
            }
        }
        rows.push(SheetRow {
            row: u64::from(row0) + i as u64 + 1,
            cells: rec,
            notes,
        });
    }
    Ok(Sheet {
        display,
        format,
        rows,
    })
}

fn pick<R, B>(
    book: &mut B,
    file: &str,
    sheet: Option<&str>,
) -> Result<(String, calamine::Range<Data>), Diagnostic>
where
    R: Read + std::io::Seek,
    B: Reader<R>,
    B::Error: std::fmt::Display,
{
    let sheets = book.sheets_metadata().to_vec();
    let name = match sheet {
        Some(s) => match sheets.iter().find(|m| m.name == s) {
            Some(m) => m.name.clone(),
            None => {
                let names: Vec<&str> = sheets.iter().map(|m| m.name.as_str()).collect();
                return Err(error(
                    file,
                    format!(
                        "no sheet named '{s}'; the workbook has: {}",
                        names.join(", ")
                    ),
                ));
            }
        },
        None => match sheets
            .iter()
            .find(|m| m.typ == SheetType::WorkSheet && m.visible == SheetVisible::Visible)
        {
            Some(m) => m.name.clone(),
            None => return Err(error(file, "the workbook has no visible worksheet".into())),
        },
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| error(file, format!("cannot read sheet '{name}': {e}")))?;
    Ok((name, range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    /// The vectors of SPEC.md §1.4.
    #[test]
    fn cells_become_text_as_the_spec_says() {
        let dt = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        let cases: Vec<(Data, &str, Option<Note>)> = vec![
            (Data::Empty, "", None),
            (Data::String(" 林地 ".into()), " 林地 ", None),
            (Data::Int(42), "42", None),
            (Data::Float(140623001234.0), "140623001234", None),
            (Data::Float(-3.0), "-3", None),
            (Data::Float(0.05), "0.05", Some(Note::NotInteger)),
            (
                Data::Float(1.40623e11 + 0.5),
                "140623000000.5",
                Some(Note::NotInteger),
            ),
            (
                Data::Float(9.11406231234568e17),
                "911406231234568000",
                Some(Note::TooManyDigits),
            ),
            (Data::Bool(true), "TRUE", None),
            (Data::Bool(false), "FALSE", None),
            (dt(46296.0), "2026-10-01", None),
            (dt(46296.5), "2026-10-01 12:00:00", None),
            (Data::DateTimeIso("2026-10-01".into()), "2026-10-01", None),
            (
                Data::DateTimeIso("2026-10-01T00:00:00".into()),
                "2026-10-01",
                None,
            ),
            (
                Data::DateTimeIso("2026-10-01T08:30:00".into()),
                "2026-10-01 08:30:00",
                None,
            ),
            (
                Data::Error(CellErrorType::NA),
                "",
                Some(Note::FormulaError("#N/A".into())),
            ),
        ];
        for (d, text, note) in cases {
            assert_eq!(cell_text(&d), (text.to_string(), note), "{d:?}");
        }
    }

    #[test]
    fn names_split_only_after_a_spreadsheet() {
        assert_eq!(split_input_name("a.ods#S 1"), ("a.ods", Some("S 1")));
        assert_eq!(split_input_name("a#b.xlsx#c"), ("a#b.xlsx", Some("c")));
        assert_eq!(split_input_name("dir/a.XLS#"), ("dir/a.XLS", Some("")));
        assert_eq!(split_input_name("x.csv#a.xlsx"), ("x.csv#a.xlsx", None));
    }
}
