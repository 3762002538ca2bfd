//! CSV tables with bilingual headers in any column order.

use std::collections::VecDeque;
use std::io::Read;

use crate::error::{Diagnostic, DiagnosticKind, Position};
use crate::load::decode::{DecodingReader, InvalidBytes, LineTooLong};
use crate::load::sheet::{self, Note, SheetRow};
use crate::model::Encoding;
use crate::model::text::{clean, fold_width};

/// Diagnostics kept per file before the rest are only counted.
pub(crate) const MAX_DIAGNOSTICS_PER_FILE: usize = 1000;

/// Non-blank rows searched for the header: rows above it are a title.
pub(crate) const HEADER_SCAN_ROWS: usize = 10;

/// The largest spreadsheet read (spreadsheets are read whole).
pub(crate) const MAX_SPREADSHEET_BYTES: u64 = 512 << 20;

/// Fields that hold codes (item ids, certificate numbers, credit codes):
/// text that a spreadsheet must not have turned into a number.
const CODE_FIELDS: [&str; 6] = ["id", "cert_no", "uscc", "unit", "item", "officers"];

/// One field a table kind reads.
#[derive(Clone, Copy)]
pub(crate) struct Field {
    /// Canonical English name (also the first accepted header).
    pub name: &'static str,
    /// The Chinese header shown in messages.
    pub zh: &'static str,
    /// Accepted headers, normalised by [`norm_header`].
    pub aliases: &'static [&'static str],
    /// Whether the column must be present.
    pub required: bool,
}

/// Columns that carry personal data the rules do not publish; they are
/// recognised, never read, and listed in the summary as dropped.
const PRIVATE: &[&str] = &[
    "legalrep",
    "legalrepresentative",
    "法定代表人",
    "法人代表",
    "法人",
    "负责人",
    "phone",
    "telephone",
    "mobile",
    "联系电话",
    "电话",
    "手机",
    "手机号码",
    "联系方式",
    "idnumber",
    "idcard",
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "email",
    "邮箱",
    "电子邮箱",
    "家庭住址",
];

/// Normalise a header cell for matching: width-folded, lower-case, without
/// spaces, underscores, hyphens, asterisks and a trailing parenthesised note.
pub(crate) fn norm_header(h: &str) -> String {
    let mut s = fold_width(&clean(h)).to_lowercase();
    for (open, close) in [('(', ')'), ('（', '）')] {
        if s.ends_with(close)
            && let Some(i) = s.rfind(open)
            && i > 0
        {
            s.truncate(i);
        }
    }
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '*' | '.'))
        .collect()
}

/// Summary facts about one file read.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let entities = ds.files().iter().find(|f| f.kind == "entities").unwrap();
/// assert_eq!(entities.file, "entities.csv");
/// assert_eq!(entities.records, ds.entities().len() as u64);
/// assert_eq!(entities.encoding, "UTF-8 (BOM)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    /// The file as the plan names it.
    pub file: String,
    /// What it holds: `items`, `officers`, `entities`, `history`, `conflicts`.
    pub kind: &'static str,
    /// Encoding detected or declared (`UTF-8`, `UTF-8 (BOM)`, `GBK/GB18030`).
    pub encoding: String,
    /// Records read (data rows, header excluded).
    pub records: u64,
    /// Columns not used by the engine, as written; ignored.
    pub unknown_columns: Vec<String>,
    /// Columns with personal data; recognised, never read or published.
    pub private_columns: Vec<String>,
}

/// Where the records come from.
// one per file read: the size of the CSV reader does not matter
#[allow(clippy::large_enum_variant)]
enum Source<R: Read> {
    /// A CSV file, read record by record.
    Csv(csv::Reader<QuoteWatch<DecodingReader<R>>>),
    /// A spreadsheet's sheet, read whole.
    Sheet(std::vec::IntoIter<SheetRow>),
}

/// A record read before the table is handed out (while looking for the
/// header), with its line and cell notes.
struct Raw {
    line: u64,
    rec: csv::ByteRecord,
    notes: Vec<(usize, Note)>,
}

/// A header-mapped CSV or spreadsheet reader collecting diagnostics.
pub(crate) struct Table<R: Read> {
    file: String,
    source: Source<R>,
    /// Records read while looking for the header, to hand out first.
    pending: VecDeque<Raw>,
    /// An error met while looking for the header, to report after them.
    pending_err: Option<csv::Error>,
    /// Notes on the cells of the current record (spreadsheets).
    notes: Vec<(usize, Note)>,
    /// The columns of code fields, with their field's English name.
    codes: Vec<usize>,
    /// Whether the records come from a spreadsheet (rows, not lines).
    is_sheet: bool,
    /// Header cells as written.
    header: Vec<String>,
    /// For each field of the kind, its column.
    columns: Vec<Option<usize>>,
    pub report: FileReport,
    pub diagnostics: Vec<Diagnostic>,
    /// The largest record accepted, in bytes.
    max_record: u64,
    pub suppressed: u64,
    record: csv::ByteRecord,
    failed: bool,
    /// The line of an unclosed quote already reported.
    quote_reported: Option<u64>,
    /// Records read from the CSV reader so far (also blank and bad ones):
    /// the ordinal of the current record.
    seq: u64,
    /// For each kept diagnostic, the ordinal of the record it is about.
    pub diag_seq: Vec<u64>,
}

/// One record of a table.
pub(crate) struct Row<'a> {
    file: &'a str,
    header: &'a [String],
    columns: &'a [Option<usize>],
    /// The record's fields, concatenated, as text (checked once).
    text: &'a str,
    /// Where each field lies in `text`.
    bounds: &'a csv::ByteRecord,
    /// Whether every field is clean, as `text` holds no whitespace at all
    /// ([`crate::model::text::has_space`]): then no field is checked again
    /// on its own (ten checks a registry's record, about 5 % of the CPU
    /// time of a one-item draw at 10^7, BENCHMARKS.md session 19).
    pub clean: bool,
    /// 1-based line where the record starts.
    pub line: u64,
}

impl<'a> Row<'a> {
    /// A row of `record` read from `file` with this header and mapping.
    pub fn new(
        file: &'a str,
        header: &'a [String],
        columns: &'a [Option<usize>],
        record: &'a csv::StringRecord,
        line: u64,
    ) -> Row<'a> {
        Row::from_text(
            file,
            header,
            columns,
            record.as_slice(),
            record.as_byte_record(),
            line,
        )
    }

    /// A row of the fields of `bounds`, whose bytes are `text` (checked as
    /// UTF-8 by the caller, once for the whole record).
    pub fn from_text(
        file: &'a str,
        header: &'a [String],
        columns: &'a [Option<usize>],
        text: &'a str,
        bounds: &'a csv::ByteRecord,
        line: u64,
    ) -> Row<'a> {
        Row {
            file,
            header,
            columns,
            text,
            bounds,
            clean: !crate::model::text::has_space(text.as_bytes()),
            line,
        }
    }

    /// The raw cell of field `i` ("" if the column is absent).
    pub fn get(&self, i: usize) -> &'a str {
        self.columns[i]
            .and_then(|c| self.bounds.range(c))
            .and_then(|r| self.text.get(r))
            .unwrap_or("")
    }

    /// Position of field `i` on this row (the header as written).
    pub fn pos(&self, i: usize, fields: &[Field]) -> Position {
        let name = match self.columns[i] {
            Some(c) => self.header[c].clone(),
            None => fields[i].name.to_string(),
        };
        Position::file(self.file)
            .at_line(self.line)
            .with_field(name)
    }
}

fn decode_error(file: &str, e: &std::io::Error, encoding: Encoding) -> Diagnostic {
    if let Some(inv) = e.get_ref().and_then(|r| r.downcast_ref::<InvalidBytes>()) {
        let hint = match encoding {
            Encoding::Utf8 => {
                "; if Excel saved it as GBK, set encoding = \"gbk\" in [inputs] of the plan"
            }
            Encoding::Gbk | Encoding::Gb18030 => {
                "; if the file is UTF-8, set encoding = \"utf-8\" in [inputs] of the plan"
            }
            Encoding::Auto => {
                "; the encoding was guessed from the start of the file: set encoding = \"gbk\" or \"utf-8\" in [inputs] of the plan"
            }
        };
        return Diagnostic::error(
            DiagnosticKind::Encoding,
            Position::file(file).at_line(inv.line),
            format!("{inv}{hint}"),
        );
    }
    if let Some(long) = e.get_ref().and_then(|r| r.downcast_ref::<LineTooLong>()) {
        return Diagnostic::error(
            DiagnosticKind::TooLarge,
            Position::file(file).at_line(long.line),
            long.to_string(),
        );
    }
    Diagnostic::error(
        DiagnosticKind::Csv,
        Position::file(file),
        format!("cannot read the file: {e}"),
    )
}

impl<R: Read> Table<R> {
    /// Open a table; `None` when the header cannot even be read (the
    /// diagnostics say why). A `file` whose name ends in a spreadsheet
    /// extension (`items.xlsx`, or `lists.xlsx#事项清单` for one sheet) is
    /// read as a spreadsheet, whole; the table's file name is then
    /// `lists.xlsx[事项清单]` and its lines are the sheet's rows.
    pub fn open(
        file: &str,
        kind: &'static str,
        source: R,
        encoding: Encoding,
        max_line: u64,
        fields: &[Field],
    ) -> Result<Table<R>, Vec<Diagnostic>> {
        let (path, sheet_name) = sheet::split_input_name(file);
        let (file, source, described) = if sheet::is_spreadsheet(path) {
            let sheet = sheet::read_sheet(path, sheet_name, source, MAX_SPREADSHEET_BYTES)
                .map_err(|d| vec![d])?;
            let described = format!("spreadsheet ({})", sheet.format);
            (
                sheet.display,
                Source::Sheet(sheet.rows.into_iter()),
                described,
            )
        } else {
            let dec = DecodingReader::new(source, encoding)
                .map_err(|e| vec![decode_error(file, &e, encoding)])?
                .with_max_line(max_line);
            let described = dec.detected().describe();
            let reader = csv::ReaderBuilder::new()
                .buffer_capacity(1 << 16)
                .has_headers(false)
                .flexible(true)
                .from_reader(QuoteWatch::new(dec));
            (file.to_string(), Source::Csv(reader), described)
        };
        let file = file.as_str();
        let is_sheet = matches!(source, Source::Sheet(_));
        let mut table = Table {
            file: file.to_string(),
            source,
            pending: VecDeque::new(),
            pending_err: None,
            notes: Vec::new(),
            codes: Vec::new(),
            is_sheet,
            header: Vec::new(),
            columns: Vec::new(),
            report: FileReport {
                file: file.to_string(),
                kind,
                encoding: described,
                records: 0,
                unknown_columns: Vec::new(),
                private_columns: Vec::new(),
            },
            diag_seq: Vec::new(),
            diagnostics: Vec::new(),
            max_record: max_line,
            suppressed: 0,
            record: csv::ByteRecord::new(),
            failed: false,
            quote_reported: None,
            seq: 0,
        };
        // The header is the first non-blank record, unless it misses a
        // required column that a later one of the first few has: the rows
        // above that one are a title (a merged title cell, a date line).
        let mut scanned: Vec<Raw> = Vec::new();
        while scanned.len() < HEADER_SCAN_ROWS {
            let mut rec = csv::ByteRecord::new();
            let mut notes = Vec::new();
            match table.raw_into(&mut rec, &mut notes) {
                Ok(Some(line)) => {
                    if is_blank(&rec) {
                        continue;
                    }
                    let complete = holds_required(&rec, fields);
                    scanned.push(Raw { line, rec, notes });
                    if complete {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) if scanned.is_empty() => {
                    return Err(vec![csv_error(file, &e, encoding)]);
                }
                Err(e) => {
                    table.pending_err = Some(e);
                    break;
                }
            }
        }
        if scanned.is_empty() {
            return Err(vec![Diagnostic::error(
                DiagnosticKind::EmptyFile,
                Position::file(file),
                format!(
                    "the file is empty; expected a header row with {}",
                    field_list(fields)
                ),
            )]);
        }
        // the first record holding the most required headers (all of them,
        // usually); the first non-blank record when none holds any
        let scores: Vec<usize> = scanned
            .iter()
            .map(|r| required_held(&r.rec, fields))
            .collect();
        let best = scores.iter().copied().max().unwrap_or(0);
        let at = scores.iter().position(|&n| n == best).unwrap_or(0);
        let mut diagnostics = Vec::new();
        let mut rest = scanned.into_iter();
        let title: Vec<Raw> = rest.by_ref().take(at).collect();
        let Some(head) = rest.next() else {
            unreachable!("at < scanned.len()")
        };
        table.pending = rest.collect();
        let header_line = head.line;
        if !title.is_empty() {
            let what = if is_sheet { "row" } else { "line" };
            let span = match (title.first(), title.last()) {
                (Some(a), Some(b)) if a.line != b.line => format!("{what}s {}–{}", a.line, b.line),
                (Some(a), _) => format!("{what} {}", a.line),
                _ => String::new(),
            };
            let texts: Vec<String> = title
                .iter()
                .map(|r| {
                    let t: String = r
                        .rec
                        .iter()
                        .map(|c| clean(&String::from_utf8_lossy(c)))
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    let short: String = t.chars().take(40).collect();
                    if short.len() < t.len() {
                        format!("'{short}…'")
                    } else {
                        format!("'{short}'")
                    }
                })
                .collect();
            diagnostics.push(Diagnostic::warning(
                DiagnosticKind::TitleRows,
                Position::file(file).at_line(header_line),
                format!(
                    "the header is on {what} {header_line}; {span} above it ({}) skipped as a title",
                    texts.join(", ")
                ),
            ));
        }
        let rec = csv::StringRecord::from_byte_record_lossy(head.rec);
        let header: Vec<String> = rec.iter().map(clean).collect();
        let mut columns: Vec<Option<usize>> = vec![None; fields.len()];
        let mut unknown = Vec::new();
        let mut private = Vec::new();
        for (c, h) in header.iter().enumerate() {
            let n = norm_header(h);
            if n.is_empty() {
                continue;
            }
            if let Some(fi) = fields.iter().position(|f| f.aliases.contains(&n.as_str())) {
                if let Some(prev) = columns[fi] {
                    diagnostics.push(Diagnostic::error(
                        DiagnosticKind::DuplicateColumn,
                        Position::file(file)
                            .at_line(header_line)
                            .with_field(h.clone()),
                        format!(
                            "columns '{}' and '{}' both mean {} ({}); keep one",
                            header[prev], h, fields[fi].name, fields[fi].zh
                        ),
                    ));
                } else {
                    columns[fi] = Some(c);
                }
            } else if PRIVATE.contains(&n.as_str()) {
                private.push(h.clone());
            } else {
                unknown.push(h.clone());
            }
        }
        // not a table of ours at all (a wrong file, maybe one that must
        // stay private): say what was expected, echo none of its content
        if columns.iter().all(Option::is_none) && private.is_empty() {
            let expected: Vec<String> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| format!("{} ({})", f.name, f.zh))
                .collect();
            return Err(vec![Diagnostic::error(
                DiagnosticKind::MissingColumn,
                Position::file(file).at_line(header_line),
                format!(
                    "this is not a {kind} file: its first line has none of the columns one has (expected a header with {}); its content is not shown",
                    expected.join(", ")
                ),
            )]);
        }
        for (fi, f) in fields.iter().enumerate() {
            if f.required && columns[fi].is_none() {
                diagnostics.push(Diagnostic::error(
                    DiagnosticKind::MissingColumn,
                    Position::file(file).at_line(header_line),
                    format!(
                        "missing required column {} ({}); the header has: {}",
                        f.name,
                        f.zh,
                        header.join(", ")
                    ),
                ));
            }
        }
        if diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::MissingColumn)
        {
            return Err(diagnostics);
        }
        table.codes = fields
            .iter()
            .zip(&columns)
            .filter(|(f, _)| CODE_FIELDS.contains(&f.name))
            .filter_map(|(_, c)| *c)
            .collect();
        table.report.unknown_columns = unknown;
        table.report.private_columns = private;
        table.header = header;
        table.columns = columns;
        table.diag_seq = vec![0; diagnostics.len()];
        table.diagnostics = diagnostics;
        Ok(table)
    }

    /// The next record as read (blank ones too), its line and cell notes;
    /// `None` at the end.
    fn raw_into(
        &mut self,
        rec: &mut csv::ByteRecord,
        notes: &mut Vec<(usize, Note)>,
    ) -> Result<Option<u64>, csv::Error> {
        notes.clear();
        if let Some(p) = self.pending.pop_front() {
            *rec = p.rec;
            *notes = p.notes;
            return Ok(Some(p.line));
        }
        if let Some(e) = self.pending_err.take() {
            return Err(e);
        }
        match &mut self.source {
            Source::Csv(reader) => Ok(if reader.read_byte_record(rec)? {
                let quoted = reader.get_ref().quoted();
                Some(record_line(reader, rec, quoted))
            } else {
                None
            }),
            Source::Sheet(rows) => Ok(rows.next().map(|r| {
                *rec = r.cells;
                *notes = r.notes;
                r.row
            })),
        }
    }

    /// A code cell that a spreadsheet turned into a number, or a formula
    /// error in a column the kind reads.
    fn cell_problem(&self, rec: &csv::ByteRecord, line: u64) -> Option<Diagnostic> {
        let at = |c: usize| {
            Position::file(&self.file)
                .at_line(line)
                .with_field(self.header.get(c).cloned().unwrap_or_default())
        };
        let fix = if self.is_sheet {
            "format the column as text (设置单元格格式 → 文本) and enter the codes again"
        } else {
            "in the spreadsheet, format the column as text (设置单元格格式 → 文本), enter the codes again and save as CSV again"
        };
        for (c, note) in &self.notes {
            match note {
                Note::FormulaError(e) if self.columns.contains(&Some(*c)) => {
                    return Some(Diagnostic::error(
                        DiagnosticKind::Spreadsheet,
                        at(*c),
                        format!(
                            "the cell holds the formula error {e}; correct the formula or enter the value"
                        ),
                    ));
                }
                Note::NotInteger | Note::TooManyDigits if self.codes.contains(c) => {
                    let text = String::from_utf8_lossy(rec.get(*c).unwrap_or_default());
                    let why = match note {
                        Note::NotInteger => "is a number with a fractional part, not a code",
                        _ => {
                            "has more digits than a spreadsheet number keeps (15), so its last digits were lost"
                        }
                    };
                    return Some(Diagnostic::error(
                        DiagnosticKind::NumberNotText,
                        at(*c),
                        format!("'{text}' was stored as a number and {why}; {fix}"),
                    ));
                }
                _ => {}
            }
        }
        for &c in &self.codes {
            let cell = rec.get(c).unwrap_or_default();
            if is_scientific(cell) {
                let text = String::from_utf8_lossy(cell);
                return Some(Diagnostic::error(
                    DiagnosticKind::NumberNotText,
                    at(c),
                    format!(
                        "'{}' is a number in scientific notation: a spreadsheet stored the code as a number and lost its last digits; {fix}",
                        text.trim()
                    ),
                ));
            }
        }
        None
    }

    /// Record a diagnostic, keeping at most [`MAX_DIAGNOSTICS_PER_FILE`].
    pub fn push(&mut self, d: Diagnostic) {
        if self.diagnostics.len() < MAX_DIAGNOSTICS_PER_FILE {
            self.diagnostics.push(d);
            self.diag_seq.push(self.seq);
        } else {
            self.suppressed += 1;
        }
    }

    /// The file name.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The header cells as written.
    /// The column of field `i`, if the file has it.
    pub fn column(&self, i: usize) -> Option<usize> {
        self.columns[i]
    }

    /// The columns of code fields, whose cells are checked for numbers in
    /// scientific notation.
    #[cfg(feature = "fs")]
    pub fn code_columns(&self) -> &[usize] {
        &self.codes
    }

    /// The header cell of field `i` as written ("" if absent).
    pub fn header_cell(&self, i: usize) -> &str {
        self.columns[i].map_or("", |c| self.header[c].as_str())
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// For each field of the kind, its column.
    pub fn columns(&self) -> &[Option<usize>] {
        &self.columns
    }

    /// Read the next non-blank, well-formed row and hand it to `f`. Returns
    /// false at the end. Ragged rows are reported and skipped.
    pub fn next_row(
        &mut self,
        encoding: Encoding,
        mut f: impl FnMut(&Row<'_>, &mut Vec<Diagnostic>),
    ) -> bool {
        let mut rec = std::mem::take(&mut self.record);
        let got = self.read_byte_into(encoding, &mut rec);
        if let Some((line, _)) = got {
            let mut local = Vec::new();
            with_row(&self.file, &self.header, &self.columns, &rec, line, |row| {
                f(row, &mut local)
            });
            for d in local {
                self.push(d);
            }
        }
        self.record = rec;
        got.is_some()
    }

    /// Read the next non-blank, well-formed record into `rec`, reporting
    /// the others; its line and ordinal, or `None` at the end. The fields
    /// are not checked as UTF-8 here (the decoder gives only UTF-8):
    /// [`with_row`] does it once per record, on the streaming workers'
    /// threads when there are several.
    pub fn read_byte_into(
        &mut self,
        encoding: Encoding,
        rec: &mut csv::ByteRecord,
    ) -> Option<(u64, u64)> {
        loop {
            if self.failed {
                return None;
            }
            self.seq += 1;
            let mut notes = std::mem::take(&mut self.notes);
            let got = self.raw_into(rec, &mut notes);
            self.notes = notes;
            let line = match got {
                Ok(Some(line)) => line,
                Ok(None) => {
                    // a quote that opens a cell and is never closed runs to
                    // the end of the file: whatever follows it was read as
                    // that one cell, and records would be lost silently
                    if let Source::Csv(reader) = &self.source
                        && let Some(open) = reader.get_ref().open_quote_line()
                        && self.quote_reported != Some(open)
                    {
                        self.quote_reported = Some(open);
                        let d = Diagnostic::error(
                            DiagnosticKind::Csv,
                            Position::file(&self.file).at_line(open),
                            "a quote (\") opened on this line is never closed: the rest of the file was read as one cell; close the quote or remove it",
                        );
                        self.push(d);
                    }
                    return None;
                }
                Err(e) => {
                    let d = csv_error(&self.file, &e, encoding);
                    self.push(d);
                    // an encoding or I/O error ends the file; a CSV syntax
                    // error is per record
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.failed = true;
                        return None;
                    }
                    continue;
                }
            };
            if is_blank(rec) {
                continue;
            }
            self.report.records += 1;
            if rec.as_slice().len() as u64 > self.max_record {
                let d = Diagnostic::error(
                    DiagnosticKind::TooLarge,
                    Position::file(&self.file).at_line(line),
                    format!(
                        "record is longer than {} bytes (max_line_bytes under [inputs] of the plan)",
                        self.max_record
                    ),
                );
                self.push(d);
                self.failed = true;
                return None;
            }
            if rec.len() == self.header.len()
                && rec
                    .iter()
                    .zip(&self.header)
                    .all(|(c, h)| crate::model::text::cleans_to(c, h))
            {
                let d = Diagnostic::error(
                    DiagnosticKind::Csv,
                    Position::file(&self.file).at_line(line),
                    "this row repeats the header row; were two exports pasted together?",
                );
                self.push(d);
                continue;
            }
            if rec.len() != self.header.len() {
                let d = Diagnostic::error(
                    DiagnosticKind::RaggedRow,
                    Position::file(&self.file).at_line(line),
                    format!(
                        "row has {} fields but the header has {}{}",
                        rec.len(),
                        self.header.len(),
                        if rec.iter().next_back().is_some_and(|f| f.contains(&b'\n')) {
                            self.quote_reported = Some(line);
                            "; a quote (\") opened on this line is never closed"
                        } else {
                            ""
                        }
                    ),
                );
                self.push(d);
                continue;
            }
            if let Some(d) = self.cell_problem(rec, line) {
                self.push(d);
                continue;
            }
            return Some((line, self.seq));
        }
    }

    /// Finish: the report and every diagnostic (with a count of those not kept).
    pub fn finish(mut self) -> (FileReport, Vec<Diagnostic>) {
        if self.suppressed > 0 {
            let n = self.suppressed;
            self.diagnostics.push(Diagnostic::error(
                DiagnosticKind::TooLarge,
                Position::file(&self.file),
                format!("{n} more problems in this file are not listed"),
            ));
        }
        (self.report, self.diagnostics)
    }
}

/// How many required fields have their header in a record.
fn required_held(rec: &csv::ByteRecord, fields: &[Field]) -> usize {
    let cells: Vec<String> = rec
        .iter()
        .map(|c| norm_header(&String::from_utf8_lossy(c)))
        .collect();
    fields
        .iter()
        .filter(|f| f.required)
        .filter(|f| cells.iter().any(|c| f.aliases.contains(&c.as_str())))
        .count()
}

/// Whether a record holds every required field's header.
fn holds_required(rec: &csv::ByteRecord, fields: &[Field]) -> bool {
    required_held(rec, fields) == fields.iter().filter(|f| f.required).count()
}

/// Whether a cell is a number in the scientific notation spreadsheets
/// write (`1.40623E+11`): digits, an optional fraction, `E`, a sign and
/// two or three digits, spaces around allowed.
pub(crate) fn is_scientific(cell: &[u8]) -> bool {
    if !cell.iter().any(|&b| b == b'E' || b == b'e') {
        return false;
    }
    let t = cell.trim_ascii();
    let Some(e) = t.iter().position(|&b| b == b'E' || b == b'e') else {
        return false;
    };
    let (mant, exp) = (&t[..e], &t[e + 1..]);
    let (int, frac) = match mant.iter().position(|&b| b == b'.') {
        Some(p) => (&mant[..p], Some(&mant[p + 1..])),
        None => (mant, None),
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    digits(int)
        && frac.is_none_or(digits)
        && exp.len() >= 3
        && exp.len() <= 4
        && matches!(exp[0], b'+' | b'-')
        && digits(&exp[1..])
}

/// Whether every cell is empty after cleaning.
fn is_blank(rec: &csv::ByteRecord) -> bool {
    rec.iter().all(crate::model::text::is_blank_bytes)
}

/// Run `f` on a record read by [`Table::read_byte_into`] as a [`Row`]:
/// one SIMD UTF-8 check of the whole record (fields split at ASCII
/// delimiters of UTF-8 text, so each is UTF-8 too, and [`Row::get`] slices
/// at their bounds). The decoder only gives UTF-8, so the lossy branch
/// never changes a byte; it is there so that no input can panic.
pub(crate) fn with_row<T>(
    file: &str,
    header: &[String],
    columns: &[Option<usize>],
    rec: &csv::ByteRecord,
    line: u64,
    f: impl FnOnce(&Row<'_>) -> T,
) -> T {
    match simdutf8::basic::from_utf8(rec.as_slice()) {
        Ok(text) => f(&Row::from_text(file, header, columns, text, rec, line)),
        Err(_) => {
            let text = csv::StringRecord::from_byte_record_lossy(rec.clone());
            f(&Row::new(file, header, columns, &text, line))
        }
    }
}

/// The 1-based line a record starts on. The csv crate reports the start of
/// any blank lines before a record instead, so count back from where the
/// reader stands after it: every record ends with a line break (the decoder
/// guarantees a final one), and quoted fields may span lines.
///
/// A quote left open runs to the end of the file, which then has no
/// terminator after the record; its last field ends with the file's final
/// line break, which is how it is recognised (a closed quoted field ending
/// in a line break would be numbered one line late: a cosmetic edge case).
fn record_line<R: Read>(reader: &csv::Reader<R>, rec: &csv::ByteRecord, quoted: bool) -> u64 {
    // a line break inside a record needs a quote; without any quote read
    // yet (`quoted` false), there is none to look for
    let (inner, open_quote) = if quoted {
        // most records hold no line break: one search settles them
        let bytes = rec.as_slice();
        let inner = memchr::memchr(b'\n', bytes)
            .map_or(0, |i| memchr::memchr_iter(b'\n', &bytes[i..]).count())
            as u64;
        let open_quote = rec.iter().next_back().is_some_and(|f| f.ends_with(b"\n"));
        (inner, open_quote)
    } else {
        (0, false)
    };
    let terminator = u64::from(!open_quote);
    reader
        .position()
        .line()
        .saturating_sub(terminator + inner)
        .max(1)
}

fn field_list(fields: &[Field]) -> String {
    fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!("{} ({})", f.name, f.zh))
        .collect::<Vec<_>>()
        .join(", ")
}

fn csv_error(file: &str, e: &csv::Error, encoding: Encoding) -> Diagnostic {
    match e.kind() {
        csv::ErrorKind::Io(io) => decode_error(file, io, encoding),
        _ => {
            let mut pos = Position::file(file);
            if let Some(p) = e.position() {
                pos = pos.at_line(p.line());
            }
            Diagnostic::error(DiagnosticKind::Csv, pos, format!("malformed CSV: {e}"))
        }
    }
}

/// Watches the bytes the CSV reader reads for a quote that is never
/// closed (SPEC.md §1.6): the same states as the reader's (a quote opens a
/// quoted cell only as a cell's first character; inside, `""` is a quote;
/// after the closing quote anything up to the next `,` or line end is
/// appended). At the end of the file the state tells whether a quoted cell
/// is still open, and on which line it opened.
pub(crate) struct QuoteWatch<R> {
    inner: R,
    state: Quote,
    line: u64,
    open_line: u64,
    /// Whether any quote was read yet.
    quoted: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    StartField,
    InField,
    InQuoted,
    AfterClose,
}

impl<R> QuoteWatch<R> {
    fn new(inner: R) -> Self {
        QuoteWatch {
            inner,
            state: Quote::StartField,
            line: 1,
            open_line: 0,
            quoted: false,
        }
    }

    /// Whether a quote was among the bytes read so far: without one, no
    /// record read so far can hold a line break.
    pub(crate) fn quoted(&self) -> bool {
        self.quoted
    }

    /// The line on which a still-open quoted cell started, if one is open
    /// after the bytes read so far.
    pub(crate) fn open_quote_line(&self) -> Option<u64> {
        (self.state == Quote::InQuoted).then_some(self.open_line)
    }

    fn scan(&mut self, bytes: &[u8]) {
        // without a quote, outside a quoted cell, only the line count and
        // whether the last byte ends a field matter (the common case: one
        // SIMD search instead of a state per byte)
        if matches!(self.state, Quote::StartField | Quote::InField)
            && memchr::memchr(b'"', bytes).is_none()
        {
            self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
            if let Some(&b) = bytes.last() {
                self.state = if matches!(b, b',' | b'\n' | b'\r') {
                    Quote::StartField
                } else {
                    Quote::InField
                };
            }
            return;
        }
        self.quoted = true;
        let (mut state, mut line, mut open_line) = (self.state, self.line, self.open_line);
        for &b in bytes {
            state = match (state, b) {
                (Quote::InQuoted, b'"') => Quote::AfterClose,
                (Quote::InQuoted, _) => Quote::InQuoted,
                (Quote::AfterClose, b'"') => Quote::InQuoted,
                (_, b',' | b'\n' | b'\r') => Quote::StartField,
                (Quote::StartField, b'"') => {
                    open_line = line;
                    Quote::InQuoted
                }
                _ => Quote::InField,
            };
            if b == b'\n' {
                line += 1;
            }
        }
        (self.state, self.line, self.open_line) = (state, line, open_line);
    }
}

impl<R: Read> Read for QuoteWatch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        Ok(n)
    }
}

impl<R> std::ops::Deref for QuoteWatch<R> {
    type Target = R;
    fn deref(&self) -> &R {
        &self.inner
    }
}
