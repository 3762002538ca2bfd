//! Spreadsheet inputs: the sample inputs exported to .xlsx (with a title
//! above the header, numbers and dates stored as a spreadsheet stores
//! them) give the same records, digests and draw as the CSV files; so does
//! a GBK CSV; codes a spreadsheet turned into numbers are errors.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use shuangsuiji::load::load_streaming;
use shuangsuiji::{Dataset, LoadOptions, Publication, Seed};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry");
const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";

/// How a column is written to the sheet.
#[derive(Clone, Copy)]
enum As {
    Text,
    /// A number (an empty cell stays empty).
    Number,
    /// `5%` as 0.05 (`20‰` as 0.02) with a percent format: the binary64
    /// nearest the decimal, as a spreadsheet stores what is typed.
    Percent,
    /// A date cell (`2027/06/30`, `2027-06-30`, `2027年6月30日`).
    Date,
}

fn read_csv(name: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(Path::new(SAMPLE).join(name))
        .unwrap();
    r.records()
        .map(|rec| {
            rec.unwrap()
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .collect()
}

/// Write `rows` (header first) to sheet `sheet` of a new workbook, under a
/// merged title cell and a date line, with the columns named in `kinds`
/// stored as numbers, percentages or dates.
fn write_xlsx(path: &Path, sheet: &str, rows: &[Vec<String>], kinds: &[(&str, As)]) {
    let mut book = Workbook::new();
    // a first, hidden sheet must not be taken for "the first sheet"
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    let width = rows[0].len() as u16;
    let bold = Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        width - 1,
        "右玉县林业局（虚构示例）2026年第四季度",
        &bold,
    )
    .unwrap();
    ws.write_string(1, 0, "制表日期：2026年9月20日").unwrap();
    let pct = Format::new().set_num_format("0%");
    let date = Format::new().set_num_format("yyyy/m/d");
    let kind = |c: usize| {
        kinds
            .iter()
            .find(|(h, _)| *h == rows[0][c])
            .map_or(As::Text, |k| k.1)
    };
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 3; // a blank row between the title and the header
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            if r == 3 || cell.is_empty() {
                if !cell.is_empty() {
                    ws.write_string(r, col, cell).unwrap();
                }
                continue;
            }
            match kind(c) {
                As::Text => {
                    ws.write_string(r, col, cell).unwrap();
                }
                As::Number => {
                    ws.write_number(r, col, cell.parse::<f64>().unwrap())
                        .unwrap();
                }
                As::Percent => {
                    let v = if let Some(p) = cell.strip_suffix('%') {
                        format!("{p}e-2").parse::<f64>().unwrap()
                    } else if let Some(p) = cell.strip_suffix('‰') {
                        format!("{p}e-3").parse::<f64>().unwrap()
                    } else {
                        cell.parse().unwrap()
                    };
                    ws.write_number_with_format(r, col, v, &pct).unwrap();
                }
                As::Date => {
                    let parts: Vec<u16> = cell
                        .split(['/', '-', '年', '月', '日'])
                        .filter(|p| !p.is_empty())
                        .map(|p| p.parse().unwrap())
                        .collect();
                    let d =
                        ExcelDateTime::from_ymd(parts[0], parts[1] as u8, parts[2] as u8).unwrap();
                    ws.write_datetime_with_format(r, col, &d, &date).unwrap();
                }
            }
        }
    }
    let other = book.add_worksheet();
    other.set_name("说明").unwrap();
    other.write_string(0, 0, "本表为虚构示例").unwrap();
    book.save(path).unwrap();
}

/// A copy of the sample whose items, officers and entities are .xlsx.
fn xlsx_sample(dir: &Path) -> PathBuf {
    write_xlsx(
        &dir.join("lists.xlsx"),
        "事项清单",
        &read_csv("items.csv"),
        &[
            ("抽查比例", As::Percent),
            ("最少户数", As::Number),
            ("最多户数", As::Number),
        ],
    );
    write_xlsx(
        &dir.join("officers.xlsx"),
        "执法人员",
        &read_csv("officers.csv"),
        &[("证件编号", As::Number), ("证件有效期", As::Date)],
    );
    write_xlsx(
        &dir.join("entities.xlsx"),
        "Sheet1",
        &read_csv("entities.csv"),
        &[],
    );
    for f in ["history.csv", "conflicts.csv"] {
        std::fs::copy(Path::new(SAMPLE).join(f), dir.join(f)).unwrap();
    }
    let plan = std::fs::read_to_string(Path::new(SAMPLE).join("plan.toml"))
        .unwrap()
        .replace("\"items.csv\"", "\"lists.xlsx#事项清单\"")
        .replace("\"officers.csv\"", "\"officers.xlsx\"")
        .replace("\"entities.csv\"", "\"entities.xlsx\"");
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

fn draw_json(ds: &Dataset) -> String {
    let seed: Seed = SEED.parse().unwrap();
    ds.draw(&seed, &ds.commit())
        .unwrap()
        .result()
        .to_canonical_json()
}

#[test]
fn xlsx_with_a_title_gives_the_same_digests_and_draw_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let plan = xlsx_sample(dir.path());
    let csv = Dataset::open(Path::new(SAMPLE).join("plan.toml")).unwrap();
    let xlsx = Dataset::open(&plan).unwrap();
    assert_eq!(xlsx.digests(), csv.digests());
    assert_eq!(xlsx.items(), csv.items());
    assert_eq!(xlsx.officers(), csv.officers());
    assert_eq!(xlsx.entities(), csv.entities());
    assert_eq!(draw_json(&xlsx), draw_json(&csv));
    // the title rows are skipped with a note naming them
    let notes: Vec<String> = xlsx.warnings().iter().map(|d| d.to_string()).collect();
    assert!(
        notes.contains(
            &"lists.xlsx[事项清单]:4: warning: the header is on row 4; rows 1–2 above it \
          ('右玉县林业局（虚构示例）2026年第四季度', '制表日期：2026年9月20日') skipped as a title"
                .to_string()
        ),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("entities.xlsx[Sheet1]:4: warning: the header is on row 4"))
    );
    let files: Vec<(&str, &str)> = xlsx
        .files()
        .iter()
        .map(|f| (f.file.as_str(), f.encoding.as_str()))
        .collect();
    assert_eq!(
        files[..3],
        [
            ("lists.xlsx[事项清单]", "spreadsheet (xlsx)"),
            ("officers.xlsx[执法人员]", "spreadsheet (xlsx)"),
            ("entities.xlsx[Sheet1]", "spreadsheet (xlsx)"),
        ]
    );
    // a spreadsheet registry streams (read whole) to the same digests
    let text = std::fs::read_to_string(&plan).unwrap();
    let d = dir.path().to_path_buf();
    let streamed = load_streaming(
        "plan.toml",
        &text,
        |name| Ok(Box::new(std::fs::File::open(d.join(name))?) as Box<dyn std::io::Read>),
        LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(streamed.digests(), csv.digests());
    // the published folder holds the inputs as CSV, with the same digests
    let pub_dir = tempfile::tempdir().unwrap();
    let p = Publication::new()
        .with_inputs(&plan, &text, xlsx.plan())
        .unwrap();
    for name in [
        "plan.toml",
        "items.csv",
        "officers.csv",
        "entities.csv",
        "history.csv",
        "conflicts.csv",
    ] {
        let bytes = p.bytes(name).unwrap().unwrap();
        std::fs::write(pub_dir.path().join(name), bytes).unwrap();
    }
    let published = Dataset::open(pub_dir.path().join("plan.toml")).unwrap();
    assert_eq!(published.digests(), csv.digests());
    assert!(
        published
            .warnings()
            .iter()
            .all(|w| !w.message.contains("title"))
    );
    // to try the CLI on it: SSJ_SHEETS_KEEP=/tmp/some-new-folder
    if let Some(keep) = std::env::var_os("SSJ_SHEETS_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), Path::new(&keep).join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn gbk_csv_with_a_title_line_gives_the_same_digests() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["items.csv", "officers.csv", "history.csv", "conflicts.csv"] {
        std::fs::copy(Path::new(SAMPLE).join(f), dir.path().join(f)).unwrap();
    }
    let text = std::fs::read_to_string(Path::new(SAMPLE).join("entities.csv")).unwrap();
    let text = format!(
        "右玉县市场主体名录（虚构示例）,,,,,,,,,,,,\n导出日期：2026-09-20,,,,,,,,,,,,\n{}",
        text.trim_start_matches('\u{feff}')
    );
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    std::fs::write(dir.path().join("entities.csv"), gbk).unwrap();
    std::fs::copy(
        Path::new(SAMPLE).join("plan.toml"),
        dir.path().join("plan.toml"),
    )
    .unwrap();
    let csv = Dataset::open(Path::new(SAMPLE).join("plan.toml")).unwrap();
    let ds = Dataset::open(dir.path().join("plan.toml")).unwrap();
    assert_eq!(ds.digests(), csv.digests());
    assert_eq!(draw_json(&ds), draw_json(&csv));
    let notes: Vec<String> = ds.warnings().iter().map(|d| d.to_string()).collect();
    assert!(
        notes.contains(
            &"entities.csv:3: warning: the header is on line 3; lines 1–2 above it \
          ('右玉县市场主体名录（虚构示例）', '导出日期：2026-09-20') skipped as a title"
                .to_string()
        ),
        "{notes:#?}"
    );
}

/// An officer sheet whose certificate numbers a spreadsheet stored as
/// numbers that lost digits: each is an error saying how to fix it.
#[test]
fn codes_stored_as_numbers_that_lost_digits_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let _ = xlsx_sample(dir.path());
    let mut rows = read_csv("officers.csv");
    rows[1][0] = "911406231234567890".into(); // 18 digits: beyond 15
    rows[2][0] = "14062301002.5".into(); // a fraction
    write_xlsx(
        &dir.path().join("officers.xlsx"),
        "执法人员",
        &rows,
        &[("证件编号", As::Number), ("证件有效期", As::Date)],
    );
    let e = Dataset::open(dir.path().join("plan.toml")).unwrap_err();
    let text = e.to_string();
    assert!(text.contains(
        "officers.xlsx[执法人员]:5: 证件编号: error: '911406231234568000' was stored as a number and has more digits than a spreadsheet number keeps (15), so its last digits were lost; format the column as text (设置单元格格式 → 文本) and enter the codes again"
    ), "{text}");
    assert!(text.contains(
        "officers.xlsx[执法人员]:6: 证件编号: error: '14062301002.5' was stored as a number and is a number with a fractional part, not a code; format the column as text (设置单元格格式 → 文本) and enter the codes again"
    ), "{text}");
}

/// The CSV a spreadsheet saves from a code column it shows as a number:
/// `1.40623E+11`. An error with the fix, not a silently wrong code.
#[test]
fn scientific_notation_in_a_csv_code_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "items.csv",
        "entities.csv",
        "history.csv",
        "conflicts.csv",
        "plan.toml",
    ] {
        std::fs::copy(Path::new(SAMPLE).join(f), dir.path().join(f)).unwrap();
    }
    let text = std::fs::read_to_string(Path::new(SAMPLE).join("officers.csv")).unwrap();
    let text = text.replacen("14062301002,", "1.40623E+10,", 1);
    std::fs::write(dir.path().join("officers.csv"), text).unwrap();
    let e = Dataset::open(dir.path().join("plan.toml")).unwrap_err();
    assert!(e.to_string().contains(
        "officers.csv:3: 证件编号: error: '1.40623E+10' is a number in scientific notation: a spreadsheet stored the code as a number and lost its last digits; in the spreadsheet, format the column as text (设置单元格格式 → 文本), enter the codes again and save as CSV again"
    ), "{e}");
}

#[test]
fn a_missing_sheet_names_the_sheets_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let plan = xlsx_sample(dir.path());
    let text = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("lists.xlsx#事项清单", "lists.xlsx#事项");
    std::fs::write(&plan, text).unwrap();
    let e = Dataset::open(&plan).unwrap_err();
    assert!(
        e.to_string()
            .contains("lists.xlsx: error: no sheet named '事项'; the workbook has: 事项清单, 说明"),
        "{e}"
    );
}
