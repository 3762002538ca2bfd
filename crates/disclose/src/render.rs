//! A small format-neutral document model and its HTML, Markdown and CSV
//! renderers. Every string in the model is plain text; each renderer
//! escapes it for its format, so no value can inject markup or formulas.

use crate::Lang;

/// One table cell or field value: one or more lines of plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    /// The lines (rendered as line breaks inside the cell).
    pub lines: Vec<String>,
    /// Monospaced, breakable anywhere (hex digests, tickets, ids).
    pub mono: bool,
}

impl Cell {
    /// A one-line cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            lines: vec![s.into()],
            mono: false,
        }
    }

    /// A one-line monospaced cell.
    pub fn mono(s: impl Into<String>) -> Cell {
        Cell {
            lines: vec![s.into()],
            mono: true,
        }
    }

    /// A multi-line cell.
    pub fn lines(lines: Vec<String>) -> Cell {
        Cell { lines, mono: false }
    }

    /// Empty the cell to fill it again, line by line ([`Refill::line`]):
    /// the memory of its lines is kept for the lines written next (a
    /// province's visit list refills the same cells for every row).
    pub fn refill(&mut self, mono: bool) -> Refill<'_> {
        self.mono = mono;
        Refill {
            cell: self,
            used: 0,
        }
    }
}

/// A cell being filled again ([`Cell::refill`]); the lines not written
/// again are dropped when it ends.
pub(crate) struct Refill<'c> {
    cell: &'c mut Cell,
    used: usize,
}

impl Refill<'_> {
    /// The next line of the cell, empty.
    pub fn line(&mut self) -> &mut String {
        if self.used == self.cell.lines.len() {
            self.cell.lines.push(String::new());
        }
        let l = &mut self.cell.lines[self.used];
        l.clear();
        self.used += 1;
        l
    }
}

impl Drop for Refill<'_> {
    fn drop(&mut self) {
        self.cell.lines.truncate(self.used);
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::text(s)
    }
}

/// A block of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A section heading.
    Heading(String),
    /// A sub-section heading.
    SubHeading(String),
    /// A paragraph.
    Para(String),
    /// Label–value pairs.
    Fields(Vec<(String, Cell)>),
    /// A bulleted list of sentences.
    List(Vec<String>),
    /// A fixed command line (never contains data values).
    Code(&'static str),
    /// Two counts per label (eligible and drawn per region): an inline SVG
    /// bar chart in HTML (integer geometry, the numbers as text, a
    /// `<title>` and a `<desc>`), a table in the other formats.
    Chart {
        /// The chart's title.
        title: String,
        /// Header of the label column, then the names of the two series.
        headers: [String; 3],
        /// (label, first count, second count).
        rows: Vec<(String, u64, u64)>,
    },
    /// A table.
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// Rows, each as long as `headers`.
        rows: Vec<Vec<Cell>>,
    },
}

/// A notice as a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Doc {
    /// The language (for `<html lang>`).
    pub lang: Lang,
    /// The title.
    pub title: String,
    /// The blocks in order.
    pub blocks: Vec<Block>,
}

// ---------------------------------------------------------------- policy

/// Whether `c` is neutralised in every published text: C0 controls but tab,
/// line feed and carriage return (line breaks are shown as line breaks, tab
/// as white space), DEL, C1 controls, and the bidi controls U+061C, U+200E,
/// U+200F, U+202A–U+202E and U+2066–U+2069 (which reorder what a reader
/// sees).
pub(crate) fn is_hostile(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F
        | 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// Whether a character starting with byte `b` may be hostile
/// ([`is_hostile`]): every hostile ASCII byte, and the lead bytes of the
/// C1 controls (0xC2), of U+061C (0xD8) and of the bidi controls (0xE2).
/// Text is scanned byte by byte and a character decoded only at these.
const fn may_be_hostile(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F | 0xC2 | 0xD8 | 0xE2)
}

/// Whether `s` has a hostile character ([`is_hostile`]).
fn has_hostile(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        i = skip_to(bytes, i, &[]);
        let Some(&b) = bytes.get(i) else {
            return false;
        };
        // a lead byte starts a character, so `s[i..]` is at a boundary
        if b < 0x80 || s[i..].chars().next().is_some_and(is_hostile) {
            return true;
        }
        i += 1;
    }
}

/// The first index from `i` on whose byte is one of `special` (ASCII
/// bytes) or [`may_be_hostile`] (the length if none). Text is read eight
/// bytes at a time: a word none of whose bytes may stop the scan
/// ([`word_may_stop`]) is passed over in one test, and only a word that
/// may is looked at byte by byte. A province's notice is gigabytes of
/// ordinary text, most of it in cells of a few dozen bytes (measured: a
/// test of 32 bytes at a time made by the compiler read 0.5 GB/s, these
/// words 1.4 to 2.8 GB/s, and a cell's 20 to 40 bytes in half the time).
#[inline]
fn skip_to<const N: usize>(bytes: &[u8], mut i: usize, special: &[u8; N]) -> usize {
    let stop = |b: u8| may_be_hostile(b) || special.contains(&b);
    while let Some(word) = bytes.get(i..).and_then(|r| r.first_chunk::<8>()) {
        if word_may_stop(u64::from_le_bytes(*word), special)
            && let Some(k) = word.iter().position(|&b| stop(b))
        {
            return i + k;
        }
        i += 8;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    i + rest.iter().position(|&b| stop(b)).unwrap_or(rest.len())
}

/// `b` in each byte of a word.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// Whether a byte of `w` is below `n` (exactly, for `n` at most 128).
const fn has_below(w: u64, n: u8) -> bool {
    w.wrapping_sub(splat(n)) & !w & splat(0x80) != 0
}

/// Whether a byte of `w` is `b` (exactly).
const fn has_byte(w: u64, b: u8) -> bool {
    has_below(w ^ splat(b), 1)
}

/// Whether a byte of the word `w` (eight bytes, little-endian) may stop
/// [`skip_to`]: true whenever one is [`may_be_hostile`] or one of
/// `special`, and also for tab and line breaks (every byte below 0x20 is
/// one test); the bytes of such a word are then looked at one by one.
#[inline]
fn word_may_stop<const N: usize>(w: u64, special: &[u8; N]) -> bool {
    let mut may = has_below(w, 0x20)
        | has_byte(w, 0x7F)
        | has_byte(w, 0xC2)
        | has_byte(w, 0xD8)
        | has_byte(w, 0xE2);
    for &b in special {
        may |= has_byte(w, b);
    }
    may
}

/// The one policy of every published format (HTML, Markdown, CSV): each
/// character that is a control character or a bidi control (C0 but tab, line feed and carriage return, DEL, C1, U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) is replaced by U+FFFD (the replacement
/// character, shown as �), so the reader sees that something was there
/// and nothing acts on it. JSON keeps every character: its escaping
/// (`\u001b`) is already visible and exact.
///
/// ```
/// use shuangsuiji_disclose::neutralize;
/// assert_eq!(neutralize("右玉县\u{202E}司公"), "右玉县\u{FFFD}司公");
/// assert!(matches!(neutralize("plain\ttext"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn neutralize(s: &str) -> std::borrow::Cow<'_, str> {
    if !has_hostile(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    replace_chars(&mut out, s, &[], |_, _| None);
    std::borrow::Cow::Owned(out)
}

// ---------------------------------------------------------------- HTML

/// Escape text for HTML element content and double- or single-quoted
/// attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    html_escape_into(&mut out, s, false);
    out
}

/// [`html_escape`] appended to `out`; with `breaks`, each line break
/// (CR LF, CR or LF) becomes `<br>`, as in a table cell ([`replace_chars`]).
fn html_escape_into(out: &mut String, s: &str, breaks: bool) {
    replace_chars(out, s, b"&<>\"'\r\n", |c, after| match c {
        '&' => Some(("&amp;", 0)),
        '<' => Some(("&lt;", 0)),
        '>' => Some(("&gt;", 0)),
        '"' => Some(("&quot;", 0)),
        '\'' => Some(("&#39;", 0)),
        // CR LF is one break
        '\r' if breaks => Some(("<br>", usize::from(after.first() == Some(&b'\n')))),
        '\n' if breaks => Some(("<br>", 0)),
        _ => None,
    });
}

/// Write `s` to `out` with each hostile character ([`is_hostile`]) as
/// U+FFFD and each character `with` names as what it gives (and the next
/// `n` bytes, which `with` sees as `after`, dropped); every other
/// character as it is. Characters are decoded only where their first
/// byte is one of `special` (ASCII bytes: those of the ASCII characters
/// `with` names) or [`may_be_hostile`]: runs of others are copied whole
/// ([`skip_to`]), since a province's notice is gigabytes of text.
fn replace_chars<const N: usize>(
    out: &mut String,
    s: &str,
    special: &[u8; N],
    with: impl Fn(char, &[u8]) -> Option<(&'static str, usize)>,
) {
    let bytes = s.as_bytes();
    // `s[copied..i]` is written as it is
    let (mut copied, mut i) = (0, 0);
    loop {
        i = skip_to(bytes, i, special);
        if i >= bytes.len() {
            break;
        }
        // an ASCII or lead byte: a character starts here
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let next = i + c.len_utf8();
        let (text, skip) = if is_hostile(c) {
            ("\u{FFFD}", 0)
        } else if let Some(r) = with(c, &bytes[next..]) {
            r
        } else {
            i = next;
            continue;
        };
        out.push_str(&s[copied..i]);
        out.push_str(text);
        i = (next + skip).min(bytes.len());
        copied = i;
    }
    out.push_str(&s[copied..]);
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;padding:16px;font-family:\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",SimSun,sans-serif;font-size:15px;line-height:1.6;color:#111;background:#fff}\
main{max-width:1100px;margin:0 auto}\
h1{font-size:1.5em;text-align:center;margin:.5em 0 1em}\
h2{font-size:1.2em;border-bottom:2px solid #333;padding-bottom:.2em;margin:1.6em 0 .6em}\
h3{font-size:1.05em;margin:1.2em 0 .4em}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.5em 0}\
dt{font-weight:bold}\
dd{margin:0}\
.mono{font-family:\"SFMono-Regular\",Consolas,\"Liberation Mono\",monospace;font-size:.9em;word-break:break-all}\
pre{background:#f4f4f4;padding:.6em .8em;white-space:pre-wrap;word-break:break-all}\
.wrap{overflow-x:auto}\
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.92em}\
th,td{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#eee}\
figure.chart{margin:.8em 0}\
figure.chart svg{display:block;height:auto}\
figcaption{font-size:.9em;color:#444}\
@media (max-width:640px){\
body{padding:8px;font-size:14px}\
dl{grid-template-columns:1fr}\
dt{margin-top:.4em}\
table,tbody,tr,td{display:block;width:100%}\
thead{display:none}\
tr{border:1px solid #888;margin:0 0 .6em}\
td{border:none;border-bottom:1px solid #ddd}\
td::before{content:attr(data-label);display:block;font-weight:bold;color:#444}\
}\
@page{size:A4;margin:15mm 12mm}\
@media print{\
body{padding:0;font-size:10pt}\
main{max-width:none}\
.wrap{overflow:visible}\
table{font-size:8.5pt}\
thead{display:table-header-group}\
tr{break-inside:avoid;page-break-inside:avoid}\
h2,h3{break-after:avoid;page-break-after:avoid}\
}";

fn html_cell(out: &mut String, cell: &Cell) {
    if cell.mono {
        out.push_str("<span class=\"mono\">");
    }
    for (i, l) in cell.lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        // a line break inside a value is shown as one, like in Markdown
        html_escape_into(out, l, true);
    }
    if cell.mono {
        out.push_str("</span>");
    }
}

/// Render a document as one self-contained HTML page.
pub(crate) fn html(doc: &Doc) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail
    let _ = html_to(doc, Vec::new(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Flush the buffer to `w` once it holds this much (streamed tables).
const FLUSH_AT: usize = 1 << 16;

/// A table whose rows are made one at a time while it is written (a
/// province's visit list: hundreds of thousands of rows), placed before
/// block `at` of the document.
pub(crate) struct LazyTable<'a> {
    /// Where it goes: before `doc.blocks[at]` (or last).
    pub at: usize,
    /// A section heading written just before it, if any.
    pub heading: Option<String>,
    /// Column headers.
    pub headers: Vec<String>,
    /// Makes the next row, as long as `headers`, in the cells it is
    /// given (those of the row before, to be filled again); false after
    /// the last row.
    pub rows: &'a mut dyn FnMut(&mut Vec<Cell>) -> bool,
}

/// The rows of a table, one at a time.
trait Rows {
    /// The next row, if any.
    fn next_row(&mut self) -> Option<&[Cell]>;
}

/// The rows of a table held, or of a chart.
struct Held<I, R> {
    rows: I,
    row: Option<R>,
}

impl<R: AsRef<[Cell]>, I: Iterator<Item = R>> Rows for Held<I, R> {
    fn next_row(&mut self) -> Option<&[Cell]> {
        self.row = self.rows.next();
        self.row.as_ref().map(AsRef::as_ref)
    }
}

fn held<R: AsRef<[Cell]>, I: Iterator<Item = R>>(rows: I) -> Held<I, R> {
    Held { rows, row: None }
}

/// The rows of a [`LazyTable`], made into the same cells one after the
/// other.
struct Made<'t, 'a> {
    fill: &'t mut (dyn FnMut(&mut Vec<Cell>) -> bool + 'a),
    row: Vec<Cell>,
}

impl Rows for Made<'_, '_> {
    fn next_row(&mut self) -> Option<&[Cell]> {
        (self.fill)(&mut self.row).then_some(self.row.as_slice())
    }
}

fn made<'t, 'a>(fill: &'t mut (dyn FnMut(&mut Vec<Cell>) -> bool + 'a)) -> Made<'t, 'a> {
    Made {
        fill,
        row: Vec::new(),
    }
}

fn flush(o: &mut String, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    w.write_all(o.as_bytes())?;
    o.clear();
    Ok(())
}

/// [`html`], written to `w`, with an optional streamed table.
pub(crate) fn html_to(
    doc: &Doc,
    mut lazy: Vec<LazyTable<'_>>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut o = String::with_capacity(FLUSH_AT + 4096);
    o.push_str("<!DOCTYPE html>\n");
    o.push_str(match doc.lang {
        Lang::Zh => "<html lang=\"zh-CN\">\n",
        Lang::En => "<html lang=\"en\">\n",
    });
    o.push_str("<head>\n<meta charset=\"utf-8\">\n");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    o.push_str("<title>");
    o.push_str(&html_escape(&doc.title));
    o.push_str("</title>\n<style>");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n<main>\n<h1>");
    o.push_str(&html_escape(&doc.title));
    o.push_str("</h1>\n");
    for i in 0..=doc.blocks.len() {
        for t in lazy.iter_mut().filter(|t| t.at == i) {
            if let Some(h) = &t.heading {
                o.push_str("<h2>");
                o.push_str(&html_escape(h));
                o.push_str("</h2>\n");
            }
            html_table(&mut o, &t.headers, made(&mut *t.rows), w)?;
        }
        let Some(b) = doc.blocks.get(i) else { break };
        match b {
            Block::Heading(t) => {
                o.push_str("<h2>");
                o.push_str(&html_escape(t));
                o.push_str("</h2>\n");
            }
            Block::SubHeading(t) => {
                o.push_str("<h3>");
                o.push_str(&html_escape(t));
                o.push_str("</h3>\n");
            }
            Block::Para(t) => {
                o.push_str("<p>");
                o.push_str(&html_escape(t));
                o.push_str("</p>\n");
            }
            Block::Fields(fields) => {
                o.push_str("<dl>\n");
                for (label, value) in fields {
                    o.push_str("<dt>");
                    o.push_str(&html_escape(label));
                    o.push_str("</dt><dd>");
                    html_cell(&mut o, value);
                    o.push_str("</dd>\n");
                }
                o.push_str("</dl>\n");
            }
            Block::List(items) => {
                o.push_str("<ul>\n");
                for i in items {
                    o.push_str("<li>");
                    o.push_str(&html_escape(i));
                    o.push_str("</li>\n");
                }
                o.push_str("</ul>\n");
            }
            Block::Code(c) => {
                o.push_str("<pre class=\"mono\">");
                o.push_str(&html_escape(c));
                o.push_str("</pre>\n");
            }
            Block::Table { headers, rows } => html_table(&mut o, headers, held(rows.iter()), w)?,
            Block::Chart {
                title,
                headers,
                rows,
            } => svg_chart(&mut o, title, headers, rows),
        }
    }
    o.push_str("</main>\n</body>\n</html>\n");
    flush(&mut o, w)
}

/// A table, held or streamed: `o` is flushed to `w` as it fills.
fn html_table(
    o: &mut String,
    headers: &[String],
    mut rows: impl Rows,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    o.push_str("<div class=\"wrap\"><table>\n<thead><tr>");
    for h in headers {
        o.push_str("<th>");
        o.push_str(&html_escape(h));
        o.push_str("</th>");
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    // each cell repeats its header (for narrow screens): escaped once
    let labels: Vec<String> = headers.iter().map(|h| html_escape(h)).collect();
    while let Some(r) = rows.next_row() {
        o.push_str("<tr>");
        for (h, c) in labels.iter().zip(r) {
            o.push_str("<td data-label=\"");
            o.push_str(h);
            o.push_str("\">");
            html_cell(o, c);
            o.push_str("</td>");
        }
        o.push_str("</tr>\n");
        if o.len() >= FLUSH_AT {
            flush(o, w)?;
        }
    }
    o.push_str("</tbody>\n</table></div>\n");
    Ok(())
}

/// The rows of a chart as table cells.
fn chart_rows(rows: &[(String, u64, u64)]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|(l, a, b)| {
            vec![
                Cell::text(l.as_str()),
                Cell::text(a.to_string()),
                Cell::text(b.to_string()),
            ]
        })
        .collect()
}

/// Chart geometry, in SVG user units (integers only).
const CHART_LABEL_W: u64 = 130;
const CHART_BAR_W: u64 = 380;
const CHART_W: u64 = 600;
const CHART_TOP: u64 = 34;
const CHART_ROW_H: u64 = 40;

/// An inline SVG bar chart: for each row two horizontal bars (first and
/// second count), scaled to the largest count, each followed by its
/// number. Deterministic: integer coordinates, no floats.
fn svg_chart(o: &mut String, title: &str, headers: &[String; 3], rows: &[(String, u64, u64)]) {
    use std::fmt::Write as _;
    let max = rows.iter().map(|r| r.1.max(r.2)).max().unwrap_or(0).max(1);
    let height = CHART_TOP + CHART_ROW_H * rows.len() as u64 + 8;
    let width_of = |v: u64| {
        let w = v * CHART_BAR_W / max;
        if v > 0 { w.max(1) } else { 0 }
    };
    let desc: Vec<String> = rows
        .iter()
        .map(|(l, a, b)| format!("{l}: {} {a}, {} {b}", headers[1], headers[2]))
        .collect();
    o.push_str("<figure class=\"chart\">\n");
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_W} {height}\" width=\"100%\" style=\"max-width:{CHART_W}px\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n<title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{}</desc>\n",
        html_escape(title),
        html_escape(&desc.join("; "))
    );
    // legend
    let _ = write!(
        o,
        "<rect x=\"{CHART_LABEL_W}\" y=\"6\" width=\"14\" height=\"14\" fill=\"#8fa9c4\"></rect><text x=\"{}\" y=\"18\" font-size=\"13\">{}</text>\n<rect x=\"{}\" y=\"6\" width=\"14\" height=\"14\" fill=\"#c0392b\"></rect><text x=\"{}\" y=\"18\" font-size=\"13\">{}</text>\n",
        CHART_LABEL_W + 20,
        html_escape(&headers[1]),
        CHART_LABEL_W + 180,
        CHART_LABEL_W + 200,
        html_escape(&headers[2])
    );
    for (i, (label, a, b)) in rows.iter().enumerate() {
        let y = CHART_TOP + CHART_ROW_H * i as u64;
        let (wa, wb) = (width_of(*a), width_of(*b));
        let _ = write!(
            o,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>\n<rect x=\"{CHART_LABEL_W}\" y=\"{y}\" width=\"{wa}\" height=\"15\" fill=\"#8fa9c4\"></rect><text x=\"{}\" y=\"{}\" font-size=\"12\">{a}</text>\n<rect x=\"{CHART_LABEL_W}\" y=\"{}\" width=\"{wb}\" height=\"15\" fill=\"#c0392b\"></rect><text x=\"{}\" y=\"{}\" font-size=\"12\">{b}</text>\n",
            CHART_LABEL_W - 8,
            y + 21,
            html_escape(label),
            CHART_LABEL_W + wa + 4,
            y + 12,
            y + 17,
            CHART_LABEL_W + wb + 4,
            y + 29,
        );
    }
    o.push_str("</svg>\n<figcaption>");
    o.push_str(&html_escape(title));
    o.push_str("</figcaption>\n</figure>\n");
}

// ---------------------------------------------------------------- Markdown

/// Escape text for inline Markdown (paragraphs, list items, table cells):
/// HTML is entity-escaped, Markdown punctuation backslash-escaped, `|`
/// escaped so it cannot split a table cell, and line breaks become `<br>`.
/// Hostile characters become U+FFFD ([`neutralize`]), and nothing can
/// become a live link under the autolink rules of GFM (cmark-gfm, as GitHub
/// and GitLab render) or markdown-it's linkify: the `:` of `://` and the `.`
/// after `www` are backslash-escaped (an escaped character ends the text
/// they scan), and every `@` is preceded by an empty HTML comment `<!---->`
/// (cmark-gfm joins escaped text again before it looks for an e-mail
/// address; a comment splits it, and renders as nothing). The reader sees
/// the same characters. Not covered: linkify's optional "fuzzy" bare domains
/// (`example.com`), which no GFM renderer links.
pub(crate) fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    md_escape_into(&mut out, s);
    out
}

/// [`md_escape`] appended to `out`.
fn md_escape_into(out: &mut String, s: &str) {
    // [`md_special`] of every character: of ASCII ones by their byte, of
    // the others only hostile ones are
    if !(s.bytes().any(|b| b.is_ascii() && md_special(char::from(b))) || has_hostile(s)) {
        // nothing below applies to any character
        out.push_str(s);
        return;
    }
    md_escape_each(out, s);
}

/// [`md_escape_into`] character by character (what it does when a
/// character may need escaping).
fn md_escape_each(out: &mut String, s: &str) {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            c if is_hostile(c) => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                if chars.get(i) == Some(&'\n') {
                    i += 1;
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            // an e-mail autolink: cmark-gfm joins escaped text before it
            // looks for one, an (empty) HTML comment it does not
            '@' => out.push_str("<!---->@"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            ':' if chars.get(i..i + 2) == Some(&['/', '/']) => out.push_str("\\:"),
            '.' if i >= 4
                && chars[i - 4..i - 1]
                    .iter()
                    .all(|w| w.eq_ignore_ascii_case(&'w'))
                && (i == 4 || !chars[i - 5].is_alphanumeric()) =>
            {
                out.push_str("\\.");
            }
            _ => out.push(c),
        }
    }
}

/// Whether [`md_escape`] may write `c` as anything but itself.
fn md_special(c: char) -> bool {
    is_hostile(c)
        || matches!(
            c,
            '&' | '<'
                | '>'
                | '\r'
                | '\n'
                | '@'
                | '\\'
                | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '|'
                | '~'
                | '#'
                | '!'
                | '$'
                | ':'
                | '.'
        )
}

/// The text of a code span: hostile characters replaced, `|` escaped,
/// line breaks as spaces.
fn md_code_into(out: &mut String, l: &str) {
    replace_chars(out, l, b"|\r\n", |c, _| match c {
        '|' => Some(("\\|", 0)),
        '\r' | '\n' => Some((" ", 0)),
        _ => None,
    });
}

fn md_cell(out: &mut String, cell: &Cell) {
    for (i, l) in cell.lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        if cell.mono && !l.is_empty() && !l.contains('`') {
            // code spans do not interpret escapes (nor make links): use
            // the raw text, which has no backtick; only `|`, line breaks
            // and hostile characters still need care.
            out.push('`');
            md_code_into(out, l);
            out.push('`');
        } else {
            md_escape_into(out, l);
        }
    }
}

/// Render a document as GitHub-flavoured Markdown.
pub(crate) fn markdown(doc: &Doc) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail
    let _ = markdown_to(doc, Vec::new(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`markdown`], written to `w`, with an optional streamed table.
pub(crate) fn markdown_to(
    doc: &Doc,
    mut lazy: Vec<LazyTable<'_>>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut o = String::with_capacity(FLUSH_AT + 4096);
    o.push_str("# ");
    o.push_str(&md_escape(&doc.title));
    o.push('\n');
    for i in 0..=doc.blocks.len() {
        for t in lazy.iter_mut().filter(|t| t.at == i) {
            if let Some(h) = &t.heading {
                o.push_str("\n## ");
                o.push_str(&md_escape(h));
                o.push('\n');
            }
            o.push('\n');
            md_table(&mut o, &t.headers, made(&mut *t.rows), w)?;
        }
        let Some(b) = doc.blocks.get(i) else { break };
        o.push('\n');
        match b {
            Block::Heading(t) => {
                o.push_str("## ");
                o.push_str(&md_escape(t));
                o.push('\n');
            }
            Block::SubHeading(t) => {
                o.push_str("### ");
                o.push_str(&md_escape(t));
                o.push('\n');
            }
            Block::Para(t) => {
                o.push_str(&md_escape(t));
                o.push('\n');
            }
            Block::Fields(fields) => {
                for (label, value) in fields {
                    o.push_str("- **");
                    o.push_str(&md_escape(label));
                    o.push_str("**: ");
                    md_cell(&mut o, value);
                    o.push('\n');
                }
            }
            Block::List(items) => {
                for i in items {
                    o.push_str("- ");
                    o.push_str(&md_escape(i));
                    o.push('\n');
                }
            }
            Block::Code(c) => {
                o.push_str("```sh\n");
                o.push_str(c);
                o.push_str("\n```\n");
            }
            Block::Table { headers, rows } => md_table(&mut o, headers, held(rows.iter()), w)?,
            Block::Chart {
                title,
                headers,
                rows,
            } => {
                o.push_str(&md_escape(title));
                o.push_str("\n\n");
                let rows = chart_rows(rows);
                md_table(&mut o, headers, held(rows.iter()), w)?;
            }
        }
    }
    flush(&mut o, w)
}

/// A table, held or streamed: `o` is flushed to `w` as it fills.
fn md_table(
    o: &mut String,
    headers: &[String],
    mut rows: impl Rows,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    o.push('|');
    for h in headers {
        o.push(' ');
        o.push_str(&md_escape(h));
        o.push_str(" |");
    }
    o.push_str("\n|");
    for _ in headers {
        o.push_str("---|");
    }
    o.push('\n');
    while let Some(r) = rows.next_row() {
        o.push('|');
        for c in r {
            o.push(' ');
            md_cell(o, c);
            o.push_str(" |");
        }
        o.push('\n');
        if o.len() >= FLUSH_AT {
            flush(o, w)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- CSV

/// One CSV field: hostile characters replaced ([`neutralize`]),
/// neutralised against formula injection (a leading `=`,
/// `+`, `-`, `@`, tab or CR gets a leading `'`), then quoted when it holds
/// a comma, quote, CR or LF.
pub(crate) fn csv_field(s: &str) -> String {
    let s = &*neutralize(s);
    let neutral = match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    };
    if neutral.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// Append one CSV record (CRLF-terminated).
pub(crate) fn csv_row<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f.as_ref()));
    }
    out.push_str("\r\n");
}

fn csv_cell(cell: &Cell) -> String {
    cell.lines.join("\n")
}

/// Render a document as CSV: UTF-8 with BOM, the title on the first row,
/// then every block, separated by empty rows. Fields are label–value rows;
/// tables keep their header row.
pub(crate) fn csv(doc: &Doc) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push('\u{FEFF}');
    csv_row(&mut o, &[doc.title.as_str()]);
    for b in &doc.blocks {
        match b {
            Block::Heading(t) => {
                o.push_str("\r\n");
                csv_row(&mut o, &[t.as_str()]);
            }
            Block::SubHeading(t) => {
                o.push_str("\r\n");
                csv_row(&mut o, &[t.as_str()]);
            }
            Block::Para(t) => csv_row(&mut o, &[t.as_str()]),
            Block::Fields(fields) => {
                for (label, value) in fields {
                    csv_row(&mut o, &[label.clone(), csv_cell(value)]);
                }
            }
            Block::List(items) => {
                for i in items {
                    csv_row(&mut o, &[i.as_str()]);
                }
            }
            Block::Code(c) => csv_row(&mut o, &[*c]),
            Block::Chart {
                title,
                headers,
                rows,
            } => {
                csv_row(&mut o, &[title.as_str()]);
                csv_row(&mut o, headers);
                for r in chart_rows(rows) {
                    let cells: Vec<String> = r.iter().map(csv_cell).collect();
                    csv_row(&mut o, &cells);
                }
            }
            Block::Table { headers, rows } => {
                csv_row(&mut o, headers);
                for r in rows {
                    let cells: Vec<String> = r.iter().map(csv_cell).collect();
                    csv_row(&mut o, &cells);
                }
            }
        }
    }
    o
}

/// Render a document in a text format (not JSON) to `w`, with an optional
/// streamed table (CSV holds its rows: it is never that large a notice).
pub(crate) fn render_to(
    doc: &Doc,
    format: crate::Format,
    lazy: Vec<LazyTable<'_>>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        crate::Format::Html => html_to(doc, lazy, w),
        crate::Format::Markdown => markdown_to(doc, lazy, w),
        crate::Format::Csv | crate::Format::Json => {
            if lazy.is_empty() {
                return w.write_all(csv(doc).as_bytes());
            }
            let mut doc = doc.clone();
            // the last first, so earlier positions stay valid
            for t in lazy.into_iter().rev() {
                let at = t.at.min(doc.blocks.len());
                let table = Block::Table {
                    headers: t.headers,
                    rows: std::iter::from_fn(|| {
                        let mut row = Vec::new();
                        (t.rows)(&mut row).then_some(row)
                    })
                    .collect(),
                };
                doc.blocks.insert(at, table);
                if let Some(h) = t.heading {
                    doc.blocks.insert(at, Block::Heading(h));
                }
            }
            w.write_all(csv(&doc).as_bytes())
        }
    }
}

/// Render a document in a text format (not JSON).
pub(crate) fn render(doc: &Doc, format: crate::Format) -> String {
    match format {
        crate::Format::Html => html(doc),
        crate::Format::Markdown => markdown(doc),
        // JSON is built from typed values by each notice, never from a Doc
        crate::Format::Csv | crate::Format::Json => csv(doc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`html_escape_into`] character by character, as it was written
    /// before it scanned bytes: the reference.
    fn html_escape_by_char(out: &mut String, s: &str, breaks: bool) {
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                c if is_hostile(c) => out.push('\u{FFFD}'),
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\r' if breaks => {
                    chars.next_if_eq(&'\n');
                    out.push_str("<br>");
                }
                '\n' if breaks => out.push_str("<br>"),
                _ => out.push(c),
            }
        }
    }

    /// [`md_code_into`] character by character, as it was written: the
    /// reference.
    fn md_code_by_char(out: &mut String, l: &str) {
        for c in l.chars() {
            match c {
                c if is_hostile(c) => out.push('\u{FFFD}'),
                '|' => out.push_str("\\|"),
                '\r' | '\n' => out.push(' '),
                _ => out.push(c),
            }
        }
    }

    /// Text of the characters the escapers treat apart (every hostile
    /// one's neighbours too: other characters with the same lead bytes),
    /// Chinese text, plain ASCII and the sequences they treat apart.
    fn tricky_text() -> impl Strategy<Value = String> {
        let chars: Vec<char> = [
            '\0',
            '\u{8}',
            '\t',
            '\n',
            '\u{b}',
            '\u{c}',
            '\r',
            '\u{1f}',
            ' ',
            '!',
            '"',
            '#',
            '$',
            '&',
            '\'',
            '*',
            '.',
            ':',
            '/',
            '<',
            '>',
            '@',
            '[',
            '\\',
            ']',
            '_',
            '`',
            '|',
            '~',
            'a',
            'w',
            'W',
            '9',
            '\u{7e}',
            '\u{7f}',
            '\u{80}',
            '\u{9f}',
            '\u{a0}',
            '\u{bf}',
            '\u{c0}',
            '\u{600}',
            '\u{61b}',
            '\u{61c}',
            '\u{61d}',
            '\u{63f}',
            '\u{2000}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{2010}',
            '\u{2014}',
            '\u{201c}',
            '\u{2029}',
            '\u{202a}',
            '\u{202e}',
            '\u{202f}',
            '\u{2065}',
            '\u{2066}',
            '\u{2069}',
            '\u{206a}',
            '\u{2fff}',
            '区',
            '县',
            '。',
            '，',
            '\u{fffd}',
            '\u{1f600}',
        ]
        .into();
        // and the sequences they treat apart
        let mut tokens: Vec<String> = chars.iter().map(char::to_string).collect();
        tokens.extend(["\r\n", "\r\r", "\n\r", "www.", "WwW.", "://", "a@b"].map(String::from));
        proptest::collection::vec(proptest::sample::select(tokens), 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        /// The byte-scanning escapers and check write what the character
        /// by character ones do, for every character they treat apart.
        #[test]
        fn escaping_by_bytes_is_escaping_by_characters(s in tricky_text(), breaks: bool) {
            let (mut fast, mut slow) = (String::from("x"), String::from("x"));
            html_escape_into(&mut fast, &s, breaks);
            html_escape_by_char(&mut slow, &s, breaks);
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(has_hostile(&s), s.chars().any(is_hostile));
            let by_char: String = s.chars().map(|c| if is_hostile(c) { '\u{FFFD}' } else { c }).collect();
            let neutral = neutralize(&s);
            prop_assert_eq!(neutral.as_ref(), by_char.as_str());
            let (mut fast, mut slow) = (String::from("x"), String::from("x"));
            md_escape_into(&mut fast, &s);
            md_escape_each(&mut slow, &s);
            prop_assert_eq!(fast, slow);
            let (mut fast, mut slow) = (String::from("x"), String::from("x"));
            md_code_into(&mut fast, &s);
            md_code_by_char(&mut slow, &s);
            prop_assert_eq!(fast, slow);
        }
    }

    /// The word tests of `skip_to` against the byte tests, for every byte
    /// in every place of a word whose other bytes would not stop it:
    /// `has_below` and `has_byte` exact, and `word_may_stop` true exactly
    /// for the bytes it names (so whenever the byte stops the scan).
    #[test]
    fn word_tests_agree_with_the_byte_tests() {
        fn stops_as_named<const N: usize>(w: u64, b: u8, k: usize, sp: &[u8; N]) {
            let stops = may_be_hostile(b) || sp.contains(&b);
            let named = b < 0x20 || [0x7F, 0xC2, 0xD8, 0xE2].contains(&b);
            assert!(!stops || word_may_stop(w, sp), "{b:#x} at {k}");
            assert_eq!(
                word_may_stop(w, sp),
                named || sp.contains(&b),
                "{b:#x} at {k}"
            );
        }
        for fill in [b' ', b'a', b'9', 0x80, 0xBF, 0xE5, 0xEF, 0xFF] {
            for k in 0..8 {
                for b in 0..=255u8 {
                    let mut bytes = [fill; 8];
                    bytes[k] = b;
                    let w = u64::from_le_bytes(bytes);
                    for n in [1u8, 0x20, 0x41, 0x80] {
                        assert_eq!(has_below(w, n), b < n || fill < n, "{b:#x} < {n:#x} at {k}");
                    }
                    for c in 0..=255u8 {
                        assert_eq!(has_byte(w, c), b == c || fill == c, "{b:#x} {c:#x} at {k}");
                    }
                    stops_as_named(w, b, k, &[]);
                    stops_as_named(w, b, k, b"&<>\"'\r\n");
                    stops_as_named(w, b, k, b"|\r\n");
                }
            }
        }
    }

    /// One character treated apart anywhere in a long run of ordinary
    /// text (ASCII or Chinese, so at every offset of the eight-byte words
    /// of `skip_to`): the byte-scanning escapers and check still find it.
    #[test]
    fn one_special_character_anywhere_in_a_long_run() {
        let specials = [
            "&", "<", "\"", "'", "\r", "\n", "|", "\u{1}", "\u{7f}", "\u{85}", "\u{61c}",
            "\u{200e}", "\u{202e}", "\u{2066}",
        ];
        for run in ["a", "县"] {
            for sp in specials {
                for at in 0..80 {
                    let s = format!("{}{sp}{}", run.repeat(at), run.repeat(90 - at));
                    for breaks in [false, true] {
                        let (mut fast, mut slow) = (String::new(), String::new());
                        html_escape_into(&mut fast, &s, breaks);
                        html_escape_by_char(&mut slow, &s, breaks);
                        assert_eq!(fast, slow, "{sp:?} at {at}");
                    }
                    assert_eq!(has_hostile(&s), s.chars().any(is_hostile), "{sp:?} at {at}");
                    let by_char: String = s
                        .chars()
                        .map(|c| if is_hostile(c) { '\u{FFFD}' } else { c })
                        .collect();
                    assert_eq!(neutralize(&s).as_ref(), by_char.as_str(), "{sp:?} at {at}");
                    let (mut fast, mut slow) = (String::new(), String::new());
                    md_code_into(&mut fast, &s);
                    md_code_by_char(&mut slow, &s);
                    assert_eq!(fast, slow, "{sp:?} at {at}");
                }
            }
        }
    }

    /// A cell as `html_cell` wrote it before it escaped into the page:
    /// escaped, then each CR LF, CR and LF replaced by `<br>`.
    fn html_cell_before(cell: &Cell) -> String {
        let mut out = String::new();
        if cell.mono {
            out.push_str("<span class=\"mono\">");
        }
        let lines: Vec<String> = cell
            .lines
            .iter()
            .map(|l| {
                html_escape(l)
                    .replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .replace('\n', "<br>")
            })
            .collect();
        out.push_str(&lines.join("<br>"));
        if cell.mono {
            out.push_str("</span>");
        }
        out
    }

    /// A cell as `md_cell` wrote it before it wrote into the page.
    fn md_cell_before(cell: &Cell) -> String {
        let parts: Vec<String> = cell
            .lines
            .iter()
            .map(|l| {
                let mut e = String::new();
                md_escape_each(&mut e, l);
                if cell.mono && !e.is_empty() && !l.contains('`') {
                    format!(
                        "`{}`",
                        neutralize(l).replace('|', "\\|").replace(['\r', '\n'], " ")
                    )
                } else {
                    e
                }
            })
            .collect();
        parts.join("<br>")
    }

    fn cells_written_as_before(lines: Vec<String>) {
        for mono in [false, true] {
            let cell = Cell {
                lines: lines.clone(),
                mono,
            };
            let mut html = String::new();
            html_cell(&mut html, &cell);
            assert_eq!(html, html_cell_before(&cell));
            let mut md = String::new();
            md_cell(&mut md, &cell);
            assert_eq!(md, md_cell_before(&cell));
        }
        for l in &lines {
            let mut each = String::new();
            md_escape_each(&mut each, l);
            assert_eq!(md_escape(l), each);
        }
    }

    #[test]
    fn cells_are_written_as_before_they_were_written_in_place() {
        let odd = [
            "",
            "plain 名称",
            "a\r\nb\rc\nd\r\r\n\n\r",
            "<&>\"'",
            "www.example.com http://x a@b.c",
            "www.example",
            "WwW.x",
            "http://x",
            "a@b",
            "x|y",
            "|`*_[]~#!$\\",
            "\u{202e}\u{0}\u{7f}\u{9f}\t",
            "`code|x`",
        ];
        for a in odd {
            cells_written_as_before(vec![a.to_string()]);
            for b in odd {
                cells_written_as_before(vec![a.to_string(), b.to_string()]);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_cell_is_written_as_before(
            lines in proptest::collection::vec("(?s).{0,12}|[a-z.:/@|\r\n`w]{0,12}", 0..4)
        ) {
            cells_written_as_before(lines);
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(
            html_escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(md_escape("a|b\nc<d>*"), "a\\|b<br>c&lt;d&gt;\\*");
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_field("\r\n"), "\"'\r\n\"");
        assert_eq!(csv_field("右玉县"), "右玉县");
    }
}
