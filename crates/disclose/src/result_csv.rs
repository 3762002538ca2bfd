//! `result.csv`: one row per team of each visit, for spreadsheets.

use shuangsuiji::draw::Visits;

/// Quote a CSV cell that a spreadsheet would run as a formula, after the
/// one policy for published text ([`crate::neutralize`]).
fn safe_cell(s: &str) -> String {
    let s = &*crate::render::neutralize(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Write `result.csv` exactly as `ssj draw` writes it: UTF-8 with BOM (for
/// Excel), a header row, then one row per team of each visit (visits
/// numbered from 1 in result order), CRLF-free RFC 4180 output of the
/// `csv` crate (LF line ends, quoting only when needed), formula-like cells
/// neutralised with a leading `'`.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::draw::Visits;
/// let text = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let r = DrawResult::from_json(&text).unwrap();
/// let mut out = Vec::new();
/// shuangsuiji_disclose::write_result_csv(Visits::Held(&r.visits), &mut out).unwrap();
/// assert!(out.starts_with("\u{FEFF}visit,uscc,name".as_bytes()));
/// ```
pub fn write_result_csv(visits: Visits<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "visit",
        "uscc",
        "name",
        "region",
        "credit_class",
        "tasks",
        "items",
        "department",
        "category",
        "officers",
        "cert_nos",
    ])?;
    for (i, v) in visits.iter().enumerate() {
        let tasks: Vec<String> = v
            .selections
            .iter()
            .map(|s| format!("{} {} #{}", s.task, s.stratum, s.rank))
            .collect();
        for t in &v.teams {
            let names: Vec<&str> = t.officers.iter().map(|o| o.name.as_str()).collect();
            let certs: Vec<&str> = t.officers.iter().map(|o| o.cert_no.as_str()).collect();
            let row = [
                (i + 1).to_string(),
                v.uscc.clone(),
                v.name.clone(),
                v.region.clone(),
                v.credit_class.clone().unwrap_or_default(),
                tasks.join("; "),
                t.items.join("; "),
                t.department.clone(),
                t.category.clone(),
                names.join("; "),
                certs.join("; "),
            ];
            w.write_record(row.iter().map(|c| safe_cell(c)))?;
        }
    }
    w.flush()
}
