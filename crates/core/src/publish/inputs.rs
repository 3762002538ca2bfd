//! The inputs of a published folder: the plan with its `[inputs]` naming
//! the published files, and every input as the draw reads it.

use crate::model::IdScheme;
use std::io::{Read, Write};

use crate::error::{Diagnostic, DiagnosticKind, Error, Position, Result};
use crate::load::records;
use crate::load::table::{Field, Table};
#[cfg(feature = "fs")]
use crate::model::Plan;
#[cfg(feature = "fs")]
use crate::publish::staged::StagedWriter;
#[cfg(feature = "fs")]
use std::sync::atomic::{AtomicBool, Ordering};

/// The published name of each input kind (SPEC.md §12).
pub const INPUT_FILES: [(&str, &str); 5] = [
    ("items", "items.csv"),
    ("officers", "officers.csv"),
    ("entities", "entities.csv"),
    ("history", "history.csv"),
    ("conflicts", "conflicts.csv"),
];

/// The plan file of a published folder.
pub const PLAN_FILE: &str = "plan.toml";

fn fields(kind: &str, scheme: IdScheme) -> Option<&'static [Field]> {
    Some(match kind {
        "items" => records::ITEM_FIELDS,
        "officers" => records::OFFICER_FIELDS,
        "entities" => records::entity_fields(scheme),
        "history" => records::history_fields(scheme),
        "conflicts" => records::conflict_fields(scheme),
        _ => return None,
    })
}

/// The fields a published input keeps: every field the draw reads (the
/// conflicts' `reason` is never published).
fn published(kind: &str, f: &Field) -> bool {
    !(kind == "conflicts" && f.name == "reason")
}

/// `plan.toml` as published: the plan's own text (comments included) with
/// only the file names of `[inputs]` changed to the published names and
/// `encoding = "utf-8"`. File names and encodings are not part of the
/// plan digest (SPEC.md §2.3), so the digest is unchanged.
///
/// ```
/// use shuangsuiji::publish::bundle_plan_toml;
/// let text = std::fs::read_to_string("../../data/youyu-forestry/plan.toml").unwrap();
/// let published = bundle_plan_toml("plan.toml", &text).unwrap();
/// assert!(published.contains("entities = \"entities.csv\""));
/// assert!(published.contains("encoding = \"utf-8\""));
/// assert!(published.contains("# 本季度抽查任务")); // comments are kept
/// ```
pub fn bundle_plan_toml(file: &str, text: &str) -> Result<String> {
    let bad = |msg: String| {
        Error::input(vec![Diagnostic::error(
            DiagnosticKind::Plan,
            Position::file(file).with_field("inputs"),
            msg,
        )])
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| bad(format!("not TOML: {e}")))?;
    let inputs = doc
        .get_mut("inputs")
        .and_then(|i| i.as_table_like_mut())
        .ok_or_else(|| bad("the plan has no [inputs] table".into()))?;
    for (kind, name) in INPUT_FILES {
        if inputs.get(kind).is_some() {
            inputs.insert(kind, toml_edit::value(name));
        }
    }
    inputs.insert("encoding", toml_edit::value("utf-8"));
    Ok(doc.to_string())
}

/// Write one input as published: UTF-8 without BOM, LF line ends, the
/// header cells as written of the columns the draw reads, then every
/// record's cells of those columns, as decoded and in file order (blank
/// records and title rows above the header dropped). A spreadsheet input
/// (`file` ending in `.xlsx`, `.xls`, `.ods`, optionally with `#sheet`) is
/// projected the same way, each cell as the text SPEC.md §1.4 gives it. Personal-data and unknown columns and the conflicts'
/// `reason` are left out; reading the result gives the same canonical
/// records, so the same digest.
///
/// ```
/// use shuangsuiji::publish::project_input;
/// use shuangsuiji::model::Encoding;
/// let csv = "统一社会信用代码,名称,法定代表人,对象类型,行政区划\n91140623MA0X67CD1P,甲公司,张三,林地,右玉县\n";
/// let mut out = Vec::new();
/// project_input("entities", "entities.csv", csv.as_bytes(), Encoding::Auto, 1 << 20, &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(),
///     "统一社会信用代码,名称,对象类型,行政区划\n91140623MA0X67CD1P,甲公司,林地,右玉县\n");
/// ```
pub fn project_input<R: Read>(
    kind: &str,
    file: &str,
    source: R,
    encoding: crate::model::Encoding,
    max_line_bytes: u64,
    w: &mut dyn Write,
) -> Result<()> {
    project_input_in(
        kind,
        file,
        source,
        encoding,
        max_line_bytes,
        IdScheme::Uscc,
        w,
    )
}

/// [`project_input`] for a registry of the id scheme `scheme` (SPEC.md
/// §1.8: the unit-id column of entities, history and conflicts has the
/// scheme's headers).
pub fn project_input_in<R: Read>(
    kind: &str,
    file: &str,
    source: R,
    encoding: crate::model::Encoding,
    max_line_bytes: u64,
    scheme: IdScheme,
    w: &mut dyn Write,
) -> Result<()> {
    let fields = fields(kind, scheme).ok_or_else(|| {
        Error::input(vec![Diagnostic::error(
            DiagnosticKind::Plan,
            Position::file(file),
            format!("unknown input kind '{kind}'"),
        )])
    })?;
    let kind_static: &'static str = INPUT_FILES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("items", |(k, _)| k);
    let mut table = Table::open(file, kind_static, source, encoding, max_line_bytes, fields)
        .map_err(Error::input)?;
    let keep: Vec<usize> = (0..fields.len())
        .filter(|&i| published(kind, &fields[i]) && table.column(i).is_some())
        .collect();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    let io = |e: csv::Error| {
        Error::from(crate::error::ErrorKind::Io {
            file: file.to_string(),
            source: std::io::Error::other(e),
        })
    };
    out.write_record(keep.iter().map(|&i| table.header_cell(i)))
        .map_err(io)?;
    let mut failed = None;
    let enc = encoding;
    while table.next_row(enc, |row, _| {
        if failed.is_none()
            && let Err(e) = out.write_record(keep.iter().map(|&i| row.get(i)))
        {
            failed = Some(e);
        }
    }) {}
    if let Some(e) = failed {
        return Err(io(e));
    }
    let (_, diags) = table.finish();
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Error::input(diags));
    }
    out.flush().map_err(|e| io(e.into()))?;
    Ok(())
}

/// The plan of a published folder, for [`crate::Publication::with_inputs`].
#[cfg(feature = "fs")]
impl<'a> crate::Publication<'a> {
    /// Add `plan.toml` and every input of `plan` as published
    /// ([`bundle_plan_toml`], [`project_input`]), reading the inputs from
    /// the plan's folder when the files are written (a province's registry
    /// is projected as it is copied, never held).
    ///
    /// ```
    /// use std::path::Path;
    /// let path = Path::new("../../data/youyu-forestry/plan.toml");
    /// let text = std::fs::read_to_string(path).unwrap();
    /// # let ds = shuangsuiji::Dataset::open(path).unwrap();
    /// let p = shuangsuiji::Publication::new().with_inputs(path, &text, ds.plan()).unwrap();
    /// let names: Vec<&str> = p.names().collect();
    /// assert_eq!(names[0], "plan.toml");
    /// assert_eq!(names.len(), 6); // the plan and its five inputs
    /// ```
    pub fn with_inputs(
        self,
        plan_path: &'a std::path::Path,
        plan_text: &str,
        plan: &'a Plan,
    ) -> Result<crate::Publication<'a>> {
        let file = plan_path.display().to_string();
        let published = bundle_plan_toml(&file, plan_text)?;
        let mut p = self.with_bytes(PLAN_FILE, published.into_bytes());
        for input in published_inputs(plan_path, plan) {
            let PublishedInput {
                kind,
                name,
                source,
                path,
                copy,
            } = input;
            let (enc, max) = (plan.inputs.encoding, plan.inputs.max_line_bytes);
            let scheme = plan.registry.scheme;
            let writer_copy = copy.clone();
            p = p.with_writer(name, move |w| {
                if let Some(c) = &writer_copy
                    && c.copy_to(w)?
                {
                    return Ok(());
                }
                let f = crate::load::open::open_regular(&path)?;
                project_input_in(kind, &source, f, enc, max, scheme, w)
                    .map_err(std::io::Error::other)
            });
            if let Some(c) = copy {
                p = p.with_copy(name, c);
            }
        }
        Ok(p)
    }
}

/// One input of a plan as it is published: its kind, its published name,
/// its name in the plan, its file, and whether it may be copied.
#[cfg(feature = "fs")]
pub(crate) struct PublishedInput {
    pub(crate) kind: &'static str,
    pub(crate) name: &'static str,
    pub(crate) source: String,
    pub(crate) path: std::path::PathBuf,
    pub(crate) copy: Option<InputCopy>,
}

/// Every input of `plan` (at `plan_path`) that its folder publishes
/// (those withheld are published by their digest only, SPEC.md §12), in
/// the order of [`INPUT_FILES`].
#[cfg(feature = "fs")]
pub(crate) fn published_inputs(plan_path: &std::path::Path, plan: &Plan) -> Vec<PublishedInput> {
    let dir = plan_path.parent().unwrap_or(std::path::Path::new(""));
    let i = &plan.inputs;
    let mut out = Vec::new();
    for ((kind, source), (_, name)) in i.by_kind().into_iter().zip(INPUT_FILES) {
        let Some(source) = source else { continue };
        if plan.disclosure.withhold.iter().any(|w| w == kind) {
            continue;
        }
        let path = dir.join(crate::load::split_input_name(source).0);
        let (enc, max) = (i.encoding, i.max_line_bytes);
        let copy = InputCopy::new(kind, source, path.clone(), enc, max, plan.registry.scheme);
        out.push(PublishedInput {
            kind,
            name,
            source: source.clone(),
            path,
            copy,
        });
    }
    out
}

/// An input that may be published as a copy of its own bytes: a
/// province's registry usually is already in its published form (UTF-8
/// without BOM, LF line ends, no quotes, exactly the columns the draw reads
/// in field order, no blank record). Then [`project_input_in`] would write
/// the file's own bytes, and they are copied instead of parsed again (about
/// 5 s of a 10^7-entity draw).
///
/// The check is conservative: a line that might project differently (no
/// ASCII letter or digit, which a blank record would lack; the header
/// repeated; a quote or CR anywhere) sends the whole file to the
/// projection, which then gives the same bytes or the same error as before.
#[cfg(feature = "fs")]
#[derive(Clone)]
pub(crate) struct InputCopy {
    kind: &'static str,
    name: String,
    path: std::path::PathBuf,
    encoding: crate::model::Encoding,
    max_line_bytes: u64,
    fields: &'static [Field],
}

/// The bytes of an input checked before it is copied.
#[cfg(feature = "fs")]
const FIRST_LINES: u64 = 64 << 10;

#[cfg(feature = "fs")]
impl InputCopy {
    /// The input `name` of `kind` at `path`, if its plan settings allow
    /// its published form (a UTF-8 CSV file).
    pub(crate) fn new(
        kind: &'static str,
        name: &str,
        path: std::path::PathBuf,
        encoding: crate::model::Encoding,
        max_line_bytes: u64,
        scheme: IdScheme,
    ) -> Option<InputCopy> {
        use crate::model::Encoding;
        if !matches!(encoding, Encoding::Auto | Encoding::Utf8)
            || crate::load::sheet::is_spreadsheet(crate::load::split_input_name(name).0)
        {
            return None;
        }
        Some(InputCopy {
            kind,
            name: name.to_string(),
            path,
            encoding,
            max_line_bytes,
            fields: fields(kind, scheme)?,
        })
    }

    /// The input's name in the plan.
    pub(crate) fn source(&self) -> &str {
        &self.name
    }

    /// The input's file.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Whether `other` is the same input, copied and checked alike.
    pub(crate) fn same_as(&self, other: &InputCopy) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && self.path == other.path
            && self.encoding == other.encoding
            && self.max_line_bytes == other.max_line_bytes
            && self
                .fields
                .iter()
                .map(|f| f.name)
                .eq(other.fields.iter().map(|f| f.name))
    }

    /// Open the input (a regular file).
    pub(crate) fn open(&self) -> std::io::Result<std::fs::File> {
        crate::load::open::open_regular(&self.path)
    }

    /// The length of `r`'s bytes (the whole file) if they are in
    /// published form, read block by block.
    pub(crate) fn check(&self, r: &mut dyn Read) -> std::io::Result<Option<u64>> {
        self.check_lines(r, false)
    }

    /// Whether the input's first [`FIRST_LINES`] bytes (their whole lines)
    /// are in published form: a file that is not (a BOM, CRLF line ends,
    /// other columns: what a spreadsheet saves) is refused before it is
    /// copied.
    pub(crate) fn starts_in_published_form(&self) -> std::io::Result<bool> {
        let mut file = self.open()?;
        Ok(self
            .check_lines(&mut (&mut file).take(FIRST_LINES), true)?
            .is_some())
    }

    /// Make `w` a copy of this input if it is in its published form: its
    /// first lines are checked before the copy, every line as the copy is
    /// read back ([`StagedWriter::copy_checked`]); `None`, with `w` left
    /// empty, when it is not. `open` opens the input's file (as the caller
    /// must); with `cancel`, the read-back fails once it is set.
    pub(crate) fn stage_copy(
        &self,
        w: &mut StagedWriter,
        open: impl FnOnce() -> std::io::Result<std::fs::File>,
        cancel: Option<&AtomicBool>,
    ) -> std::io::Result<Option<[u8; 32]>> {
        if !self.starts_in_published_form()? {
            return Ok(None);
        }
        let mut src = open()?;
        let check = |r: &mut dyn Read| {
            let mut r = Cancellable { inner: r, cancel };
            Ok(self.check(&mut r)?.is_some())
        };
        w.copy_checked(&mut src, &check)
    }

    /// [`InputCopy::check`]; with `prefix`, `r` may end inside a line,
    /// which is not checked.
    fn check_lines(&self, r: &mut dyn Read, prefix: bool) -> std::io::Result<Option<u64>> {
        // whole lines are checked block by block; `have` bytes are in `buf`
        let mut buf = vec![0u8; 1 << 20];
        let mut have = 0;
        let mut header: Option<(Vec<u8>, LineForm)> = None;
        let mut total = 0u64;
        loop {
            let n = r.read(&mut buf[have..])?;
            if n == 0 {
                if (have > 0 && !prefix) || header.is_none() {
                    return Ok(None); // no line break at the end; or empty
                }
                return Ok(Some(total));
            }
            have += n;
            let Some(end) = memchr::memrchr(b'\n', &buf[..have]) else {
                if have == buf.len() {
                    return Ok(None); // a line longer than the buffer
                }
                continue;
            };
            let block = &buf[..=end];
            if memchr::memchr2(b'"', b'\r', block).is_some()
                || simdutf8::basic::from_utf8(block).is_err()
            {
                return Ok(None);
            }
            // the record lines of the block; none after a header alone
            let lines = match header {
                Some(_) => Some(&block[..end]),
                None => {
                    let first = memchr::memchr(b'\n', block).unwrap_or(end);
                    let Some(form) = published_header(
                        self.kind,
                        &self.name,
                        &block[..=first],
                        self.encoding,
                        self.max_line_bytes,
                        self.fields,
                    ) else {
                        return Ok(None);
                    };
                    header = Some((block[..first].to_vec(), form));
                    (first < end).then(|| &block[first + 1..end])
                }
            };
            if let (Some(lines), Some((head, form))) = (lines, header.as_ref()) {
                let mut start = 0;
                let ends = memchr::memchr_iter(b'\n', lines).chain(std::iter::once(lines.len()));
                for end in ends {
                    let line = &lines[start..end];
                    start = end + 1;
                    if line.is_empty()
                        || line.len() as u64 >= self.max_line_bytes
                        || !line.iter().any(u8::is_ascii_alphanumeric)
                        || line == &head[..]
                        || !form.holds(line)
                    {
                        return Ok(None);
                    }
                }
            }
            total += block.len() as u64;
            buf.copy_within(end + 1..have, 0);
            have -= end + 1;
        }
    }

    /// Write the input to `w` if it is in published form (reading it
    /// twice: to check every line, then to copy); `Ok(false)`, having
    /// written nothing, when it is not.
    pub(crate) fn copy_to(&self, w: &mut dyn Write) -> std::io::Result<bool> {
        use std::io::Seek;
        let mut file = self.open()?;
        let Some(total) = self.check(&mut file)? else {
            return Ok(false);
        };
        // the same bytes, copied (a file changed in between is refused)
        file.seek(std::io::SeekFrom::Start(0))?;
        let copied = std::io::copy(&mut (&mut file).take(total + 1), w)?;
        if copied != total {
            return Err(std::io::Error::other(format!(
                "{}: the file changed while it was being published",
                self.path.display()
            )));
        }
        Ok(true)
    }
}

/// A reader that fails once `cancel` (if any) is set.
#[cfg(feature = "fs")]
struct Cancellable<'a> {
    inner: &'a mut dyn Read,
    cancel: Option<&'a AtomicBool>,
}

#[cfg(feature = "fs")]
impl Read for Cancellable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(std::io::Error::other("cancelled"));
        }
        self.inner.read(buf)
    }
}

/// What a record line of a file in published form must be, beyond the
/// checks on every line: as many cells as the header, no code cell that
/// the projection refuses as a number in scientific notation, and a first
/// cell that does not clean to the header's (the projection refuses a
/// repeated header).
#[cfg(feature = "fs")]
struct LineForm {
    columns: usize,
    /// For each column, whether it holds codes.
    code: Vec<bool>,
    first: String,
}

#[cfg(feature = "fs")]
impl LineForm {
    fn holds(&self, line: &[u8]) -> bool {
        // the common line settled by whole-line searches: its cell count
        // from the count of commas, its first cell, and no sign anywhere
        // (a number in scientific notation has one after its `E`)
        let first = memchr::memchr(b',', line).unwrap_or(line.len());
        if memchr::memchr_iter(b',', line).count() + 1 != self.columns
            || crate::model::text::cleans_to(&line[..first], &self.first)
        {
            return false;
        }
        if memchr::memchr2(b'+', b'-', line).is_none() {
            return true;
        }
        line.split(|&b| b == b',')
            .zip(&self.code)
            .all(|(cell, &code)| !(code && crate::load::table::is_scientific(cell)))
    }
}

/// What the record lines of `kind` must be when its header line `line`
/// (with its line break) is already as published, if it is: the file's
/// first line is its header and holds exactly the published columns, in
/// field order, written as the projection writes them.
#[cfg(feature = "fs")]
fn published_header(
    kind: &'static str,
    name: &str,
    line: &[u8],
    encoding: crate::model::Encoding,
    max_line_bytes: u64,
    fields: &[Field],
) -> Option<LineForm> {
    if line.starts_with(b"\xEF\xBB\xBF") || line.len() as u64 >= max_line_bytes {
        return None;
    }
    let table = Table::open(name, kind, line, encoding, max_line_bytes, fields).ok()?;
    let keep: Vec<usize> = (0..fields.len())
        .filter(|&i| published(kind, &fields[i]) && table.column(i).is_some())
        .collect();
    let columns = table.header().len();
    if columns == 0
        || keep.len() != columns
        || keep
            .iter()
            .enumerate()
            .any(|(j, &i)| table.column(i) != Some(j))
    {
        return None;
    }
    let mut want = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    want.write_record(keep.iter().map(|&i| table.header_cell(i)))
        .ok()?;
    if want.into_inner().ok()? != line {
        return None;
    }
    let mut code = vec![false; columns];
    for &c in table.code_columns() {
        code[c] = true;
    }
    Some(LineForm {
        columns,
        code,
        first: table.header().first()?.clone(),
    })
}

#[cfg(all(test, feature = "fs"))]
mod tests {
    use super::*;
    use crate::model::Encoding;

    /// The copy's bytes when it is taken, and the projection's (or its
    /// error).
    fn both(kind: &str, scheme: IdScheme, bytes: &[u8]) -> (Option<Vec<u8>>, Result<Vec<u8>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let (enc, max) = (Encoding::Auto, 1 << 20);
        let mut copied = Vec::new();
        let kind: &'static str = INPUT_FILES.iter().find(|(k, _)| *k == kind).unwrap().0;
        let took = InputCopy::new(kind, "in.csv", path.clone(), enc, max, scheme)
            .unwrap()
            .copy_to(&mut copied)
            .unwrap();
        if !took {
            assert!(
                copied.is_empty(),
                "nothing is written when the copy is not taken"
            );
        }
        let mut out = Vec::new();
        let projected =
            project_input_in(kind, "in.csv", bytes, enc, max, scheme, &mut out).map(|()| out);
        (took.then_some(copied), projected)
    }

    #[test]
    fn the_copy_gives_the_projection_s_bytes() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/");
        let mut taken = Vec::new();
        for (sample, scheme) in [
            ("youyu-forestry", IdScheme::Uscc),
            ("youyu-housing", IdScheme::Project),
        ] {
            for (kind, name) in INPUT_FILES {
                let bytes = std::fs::read(format!("{root}{sample}/{name}")).unwrap();
                let (copy, projected) = both(kind, scheme, &bytes);
                if let Some(copy) = copy {
                    assert_eq!(copy, projected.unwrap(), "{sample}/{name}");
                    assert_eq!(copy, bytes);
                    taken.push(format!("{sample}/{name}"));
                }
            }
        }
        assert!(!taken.is_empty(), "no sample input is in published form");
        // the synthetic registries of the benchmarks are in published form
        let spec = crate::synth::SynthSpec::new(3000, "copy");
        let mut bytes = Vec::new();
        crate::synth::write_entities(&spec, &mut bytes).unwrap();
        let (copy, projected) = both("entities", IdScheme::Uscc, &bytes);
        assert_eq!(copy.as_ref(), Some(&bytes));
        assert_eq!(projected.unwrap(), bytes);
    }

    /// Every CSV input of the test corpus (vectors, bad inputs, bundles):
    /// when the copy is taken, it is the projection, under every id scheme.
    #[test]
    fn the_copy_is_the_projection_across_the_corpus() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests"));
        let mut files = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Some((kind, _)) = INPUT_FILES
                    .iter()
                    .find(|(_, n)| p.file_name().is_some_and(|f| f == *n))
                {
                    files.push((*kind, p));
                }
            }
        }
        files.sort();
        assert!(files.len() > 100, "{} corpus inputs", files.len());
        let mut taken = 0;
        for (kind, path) in &files {
            let bytes = std::fs::read(path).unwrap();
            for scheme in [IdScheme::Uscc, IdScheme::Project, IdScheme::Grid] {
                let (copy, projected) = both(kind, scheme, &bytes);
                if let Some(copy) = copy {
                    let projected = projected.unwrap_or_else(|e| {
                        panic!(
                            "{}: copied, but the projection refuses it: {e}",
                            path.display()
                        )
                    });
                    assert_eq!(copy, projected, "{}", path.display());
                    taken += 1;
                }
            }
        }
        assert!(taken > 20, "only {taken} corpus inputs were copied");
    }

    /// The lines checked before a copy: a file that is not in published
    /// form from its start is not copied at all; one that stops being so
    /// later is refused by the whole check.
    #[test]
    fn the_first_lines_are_checked_before_the_copy() {
        let spec = crate::synth::SynthSpec::new(3000, "copy");
        let mut bytes = Vec::new();
        crate::synth::write_entities(&spec, &mut bytes).unwrap();
        assert!(bytes.len() as u64 > 2 * FIRST_LINES);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        let copy = |b: &[u8]| {
            std::fs::write(&path, b).unwrap();
            let c = InputCopy::new(
                "entities",
                "in.csv",
                path.clone(),
                Encoding::Auto,
                1 << 20,
                IdScheme::Uscc,
            )
            .unwrap();
            let whole = c.check(&mut c.open().unwrap()).unwrap().is_some();
            (c.starts_in_published_form().unwrap(), whole)
        };
        assert_eq!(copy(&bytes), (true, true));
        let mut late = bytes.clone();
        late.insert(bytes.len() - 1, b'\r');
        assert_eq!(copy(&late), (true, false));
        let crlf = String::from_utf8(bytes.clone())
            .unwrap()
            .replace('\n', "\r\n");
        assert_eq!(copy(crlf.as_bytes()), (false, false));
        let bom = [b"\xEF\xBB\xBF".as_slice(), &bytes].concat();
        assert_eq!(copy(&bom), (false, false));
        // a file shorter than the lines checked first
        assert_eq!(
            copy(&bytes[..=memchr::memchr(b'\n', &bytes[1000..]).unwrap() + 1000]),
            (true, true)
        );
    }

    #[test]
    fn anything_else_is_projected() {
        let head = "统一社会信用代码,名称,对象类型,行政区划\n";
        let ok = format!("{head}91140623MA0X67CD1P,甲公司,林地,右玉县\n");
        let (copy, projected) = both("entities", IdScheme::Uscc, ok.as_bytes());
        assert_eq!(copy.as_deref(), Some(ok.as_bytes()));
        assert_eq!(projected.unwrap(), ok.as_bytes());
        // signs outside the code cells: still copied
        let signed = format!("{head}91140623MA0X67CD1P,甲-公司+1E+17,林地,右玉县\n");
        let (copy, projected) = both("entities", IdScheme::Uscc, signed.as_bytes());
        assert_eq!(copy.as_deref(), Some(signed.as_bytes()));
        assert_eq!(projected.unwrap(), signed.as_bytes());
        let cases = [
            format!("\u{feff}{ok}"),
            ok.replace('\n', "\r\n"),
            ok.replace("甲公司", "\"甲公司\""),
            format!("{head}\n91140623MA0X67CD1P,甲公司,林地,右玉县\n"),
            format!("{head} , , ,\n"),
            format!("{head}91140623MA0X67CD1P,甲公司,林地\n"),
            format!("{ok}{head}"),
            format!("{ok}统一社会信用代码 ,名称,对象类型,行政区划\n"),
            format!("{head}9.11406E+17,甲公司,林地,右玉县\n"),
            format!("{ok}9.11406E-17,甲-公司,林地,右玉县\n"),
            format!("{head}91140623MA0X67CD1P,甲公司,林地,右玉县,\n"),
            ok.trim_end().to_string(),
            ok.replace("名称,", "名称,法定代表人,")
                .replace("甲公司,", "甲公司,张三,"),
            ok.replace("名称,对象类型", "对象类型,名称")
                .replace("甲公司,林地", "林地,甲公司"),
            format!("标题\n{ok}"),
            ok.replace("名称", " 名称"),
            String::new(),
        ];
        for case in cases {
            let (copy, projected) = both("entities", IdScheme::Uscc, case.as_bytes());
            assert!(copy.is_none(), "copied: {case:?}");
            // projected as before: the bytes differ, or it is refused
            if let Ok(p) = projected {
                assert_ne!(p, case.as_bytes(), "{case:?} could have been copied");
            }
        }
    }
}
