//! result.csv and result.xlsx: the same rows, headers in the language,
//! codes stored as text, a frozen header, the same bytes every time.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use shuangsuiji::Dataset;
use shuangsuiji::draw::{Visits, draw_unchecked};
use shuangsuiji_disclose::{Lang, RESULT_COLUMNS, write_result_csv, write_result_xlsx};

fn result() -> shuangsuiji::DrawResult {
    let ds = Dataset::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/youyu-forestry/plan.toml"
    ))
    .unwrap();
    draw_unchecked(&ds, "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24").unwrap()
}

fn xlsx(r: &shuangsuiji::DrawResult, lang: Lang) -> Vec<u8> {
    let mut out = Vec::new();
    write_result_xlsx(Visits::Held(&r.visits), r.plan.date, lang, &mut out).unwrap();
    out
}

#[test]
fn xlsx_holds_the_csv_rows_with_codes_as_text() {
    let r = result();
    for lang in Lang::ALL {
        let bytes = xlsx(&r, lang);
        // byte-stable: no clock inside
        assert_eq!(bytes, xlsx(&r, lang));
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let sheet = lang
            .code()
            .replace("zh", "抽查结果")
            .replace("en", "Result");
        assert_eq!(book.sheet_names(), std::slice::from_ref(&sheet));
        let range = book.worksheet_range(&sheet).unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        // the same cells as result.csv (whose formula guard never fires on
        // the sample), the visit number as a number, every code as text
        let mut csv = Vec::new();
        write_result_csv(Visits::Held(&r.visits), lang, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let expected: Vec<&str> = RESULT_COLUMNS
            .iter()
            .map(|(zh, en)| if lang == Lang::Zh { *zh } else { *en })
            .collect();
        assert_eq!(header, expected);
        assert_eq!(
            rows[0],
            expected
                .iter()
                .map(|h| Data::String(h.to_string()))
                .collect::<Vec<_>>()
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), rows.len() - 1);
        assert_eq!(records.len(), 170); // one row per team
        for (rec, row) in records.iter().zip(&rows[1..]) {
            assert_eq!(row[0], Data::Float(rec[0].parse().unwrap()));
            for c in 1..rec.len() {
                let cell = match &row[c] {
                    Data::String(s) => s.as_str(),
                    Data::Empty => "",
                    other => panic!("column {c} holds {other:?}, not text"),
                };
                assert_eq!(cell, &rec[c]);
            }
        }
    }
}

#[test]
fn xlsx_freezes_the_header_and_dates_itself_by_the_plan() {
    let bytes = xlsx(&result(), Lang::Zh);
    let parts = unzip_parts(&bytes);
    let sheet = parts
        .iter()
        .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
        .unwrap();
    assert!(
        sheet.1.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    assert!(
        sheet
            .1
            .contains(r#"<col min="2" max="2" width="20.7109375" customWidth="1"/>"#)
    );
    let core = parts
        .iter()
        .find(|(n, _)| n == "docProps/core.xml")
        .unwrap();
    assert!(
        core.1.contains(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">2026-10-09T00:00:00Z</dcterms:created>"#
        ),
        "{}",
        core.1
    );
}

/// The parts of the workbook (a zip archive), as text.
fn unzip_parts(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut f, &mut text).unwrap();
            (f.name().unwrap().to_string(), text)
        })
        .collect()
}
