//! Hostile names render as inert text in every format and language.

mod common;

use shuangsuiji::model::Date;
use shuangsuiji::{ALGORITHM, DrawResult};
use shuangsuiji_disclose::{
    Format, Lang, Outcome, OutcomeKind, draw_notice, pre_draw_notice, results_notice,
};

/// Names an attacker (or a careless clerk) might put in a registry.
const HOSTILE: [&str; 13] = [
    "<script>alert(1)</script>",
    "\"double\" and 'single' quotes",
    "=HYPERLINK(\"http://x\")",
    "@SUM(A1)",
    "+1",
    "-1",
    "a|b",
    "line1\nline2",
    "\tTAB",
    "\rCR",
    "`code` *em* [link](http://x) ![img](http://x/i.png)",
    "&amp; &lt;b&gt; <img src=x onerror=alert(1)>",
    "</td></tr></table><h1>x",
];

/// Values the loader keeps verbatim (it collapses whitespace runs, so
/// newlines, tabs and CRs only survive in a hand-made result).
fn loadable(i: usize) -> String {
    let h = HOSTILE[i % HOSTILE.len()];
    if h.chars().any(char::is_whitespace) && h.contains(['\n', '\t', '\r']) {
        "a|b|c".to_string()
    } else {
        h.to_string()
    }
}

/// Tags and attributes the HTML renderer emits; anything else came from a
/// value that was not escaped.
const TAGS: [&str; 25] = [
    "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
    "dl", "dt", "dd", "ul", "li", "pre", "div", "table", "thead", "tbody", "tr", "th", "td",
];
const MORE_TAGS: [&str; 2] = ["span", "br"];
/// The draw notice's chart (inline SVG).
const CHART_TAGS: [&str; 6] = ["figure", "figcaption", "svg", "desc", "rect", "text"];
const CHART_ATTRS: [&str; 13] = [
    "xmlns",
    "viewBox",
    "width",
    "height",
    "style",
    "role",
    "aria-labelledby",
    "id",
    "x",
    "y",
    "fill",
    "font-size",
    "text-anchor",
];
const ATTRS: [&str; 7] = [
    "lang",
    "charset",
    "name",
    "content",
    "http-equiv",
    "class",
    "data-label",
];

fn assert_html_inert(out: &str, what: &str) {
    assert!(!out.to_lowercase().contains("<script"), "{what}: <script");
    assert!(!out.contains("<img"), "{what}: <img");
    let mut rest = out;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            TAGS.contains(&name) || MORE_TAGS.contains(&name) || CHART_TAGS.contains(&name),
            "{what}: unexpected tag <{tag}>"
        );
        // attributes: name="value" with no raw quote inside the value
        let mut a = attrs.trim();
        while !a.is_empty() {
            if name == "!DOCTYPE" {
                break;
            }
            let (an, after) = a
                .split_once("=\"")
                .unwrap_or_else(|| panic!("{what}: {tag}"));
            assert!(
                ATTRS.contains(&an) || CHART_ATTRS.contains(&an),
                "{what}: unexpected attribute {an} in <{tag}>"
            );
            let close = after.find('"').unwrap();
            a = after[close + 1..].trim();
        }
        rest = &rest[end + 1..];
    }
}

fn unescaped_pipes(line: &str) -> usize {
    let mut n = 0;
    let mut esc = false;
    for c in line.chars() {
        match c {
            '\\' if !esc => esc = true,
            '|' if !esc => {
                n += 1;
            }
            _ => esc = false,
        }
        if c != '\\' {
            esc = false;
        }
    }
    n
}

fn assert_md_inert(out: &str, what: &str) {
    // the only raw HTML is the <br> the renderer emits for line breaks and
    // the empty comment that keeps an '@' from making an e-mail link
    for (i, _) in out.match_indices('<') {
        assert!(
            out[i..].starts_with("<br>") || out[i..].starts_with("<!---->@"),
            "{what}: raw HTML at {i}: {}",
            &out[i..out.len().min(i + 30)]
        );
    }
    // every table row has as many cell separators as its header
    let mut header_pipes = None;
    for line in out.lines() {
        if line.starts_with('|') {
            let n = unescaped_pipes(line);
            match header_pipes {
                None => header_pipes = Some(n),
                Some(h) => assert_eq!(n, h, "{what}: table row split: {line}"),
            }
        } else {
            header_pipes = None;
        }
    }
    // no link or image syntax survives
    for (i, _) in out.match_indices("](") {
        assert!(out[..i].ends_with('\\'), "{what}: live link at {i}");
    }
    for (i, _) in out.match_indices('[') {
        assert!(out[..i].ends_with('\\'), "{what}: unescaped [ at {i}");
    }
}

fn csv_fields(out: &str) -> Vec<String> {
    let body = out.strip_prefix('\u{FEFF}').expect("CSV starts with a BOM");
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    rdr.records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

fn assert_csv_inert(out: &str, what: &str) {
    for f in csv_fields(out) {
        assert!(
            !f.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{what}: formula-like cell {f:?}"
        );
    }
}

fn check_all(out: &str, format: Format, what: &str) {
    match format {
        Format::Html => assert_html_inert(out, what),
        Format::Markdown => assert_md_inert(out, what),
        Format::Csv => assert_csv_inert(out, what),
        Format::Json => {
            let _: serde_json::Value = serde_json::from_str(out).expect(what);
        }
    }
}

/// The sample with hostile plan title, seed source, item names and
/// contents, officer names and units, and entity names.
fn hostile_dataset() -> shuangsuiji::Dataset {
    let mut files = common::sample_files();
    let plan = files["plan.toml"]
        .lines()
        .map(|l| {
            if l.starts_with("title = ") {
                r#"title = "<script>alert(1)</script> =HYPERLINK(\"http://x\") a|b""#.to_string()
            } else if l.starts_with("seed_source = ") {
                r#"seed_source = "=cmd|' /C calc'!A0 <b>bold</b>""#.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    files.insert("plan.toml".into(), plan);
    for (file, cols) in [
        ("items.csv", &["事项名称", "抽查内容", "抽查依据"][..]),
        ("officers.csv", &["姓名", "单位", "职务"][..]),
        ("entities.csv", &["名称"][..]),
    ] {
        let mut t = files[file].clone();
        for (k, col) in cols.iter().enumerate() {
            t = common::rewrite_column(&t, col, |i, _| loadable(i + k));
        }
        files.insert(file.into(), t);
    }
    common::load(&files)
}

/// A result whose names, regions, officers, seed and plan are all hostile,
/// newlines included.
fn hostile_result(mut r: DrawResult) -> DrawResult {
    let h = |i: usize| HOSTILE[i % HOSTILE.len()].to_string();
    r.plan.title = h(0) + &h(7);
    r.plan.authority = h(2);
    r.seed.text = h(5);
    r.seed.source = h(1) + &h(6);
    for (i, v) in r.visits.iter_mut().enumerate() {
        v.name = h(i);
        v.region = h(i + 3);
        for (j, t) in v.teams.iter_mut().enumerate() {
            t.department = h(i + j + 5);
            t.category = h(i + j + 6);
            for (k, o) in t.officers.iter_mut().enumerate() {
                o.name = h(i + j + k + 7);
            }
        }
    }
    for t in &mut r.tasks {
        for a in &mut t.allocation {
            a.stratum = h(a.base as usize);
            a.region = h(a.base as usize + 1);
        }
    }
    r
}

#[test]
fn pre_draw_notice_is_inert() {
    let ds = hostile_dataset();
    assert!(ds.entities().iter().any(|e| e.name == HOSTILE[0]));
    assert!(ds.officers().iter().any(|o| o.name == HOSTILE[2]));
    for lang in Lang::ALL {
        for format in Format::ALL {
            let out = pre_draw_notice(&ds, ALGORITHM, format, lang);
            check_all(&out, format, &format!("pre_draw {lang} {format}"));
        }
    }
    let html = pre_draw_notice(&ds, ALGORITHM, Format::Html, Lang::Zh);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("=HYPERLINK(&quot;http://x&quot;)"));
    let fields = csv_fields(&pre_draw_notice(&ds, ALGORITHM, Format::Csv, Lang::En));
    for want in [
        "'=HYPERLINK(\"http://x\")",
        "'@SUM(A1)",
        "'+1",
        "'-1",
        "a|b|c",
    ] {
        assert!(fields.iter().any(|f| f == want), "CSV lacks {want:?}");
    }
    assert!(
        fields
            .iter()
            .any(|f| f == "'=cmd|' /C calc'!A0 <b>bold</b>")
    );
}

#[test]
fn draw_and_results_notices_are_inert() {
    let ds = hostile_dataset();
    let r = hostile_result(common::sample_draw(&ds));
    let outcomes: Vec<Outcome> = r
        .visits
        .iter()
        .take(20)
        .map(|v| Outcome {
            uscc: v.uscc.clone(),
            item: v.items[0].clone(),
            outcome: Some(OutcomeKind::Corrected.zh().to_string()),
            date: Date::new(2026, 11, 1).unwrap(),
            line: 0,
        })
        .collect();
    for lang in Lang::ALL {
        for format in Format::ALL {
            let what = format!("draw {lang} {format}");
            let out = draw_notice(&r, format, lang);
            check_all(&out, format, &what);
            let out = results_notice(&r, &outcomes, format, lang);
            check_all(&out, format, &format!("results {lang} {format}"));
        }
    }
    // the values are still there, escaped
    let html = draw_notice(&r, Format::Html, Lang::En);
    assert!(html.contains("line1<br>line2"));
    assert!(html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;x"));
    let md = results_notice(&r, &outcomes, Format::Markdown, Lang::Zh);
    assert!(md.contains("a\\|b"));
    assert!(md.contains("line1<br>line2"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for out in [
        draw_notice(&r, Format::Csv, Lang::Zh),
        results_notice(&r, &outcomes, Format::Csv, Lang::En),
    ] {
        let fields = csv_fields(&out);
        for want in [
            "<script>alert(1)</script>",
            "'=HYPERLINK(\"http://x\")",
            "'@SUM(A1)",
            "'+1",
            "'-1",
            "a|b",
            "line1\nline2",
            "'\tTAB",
            "'\rCR",
        ] {
            assert!(fields.iter().any(|f| f == want), "CSV lacks {want:?}");
        }
    }
    // JSON keeps the values verbatim
    let v: serde_json::Value =
        serde_json::from_str(&draw_notice(&r, Format::Json, Lang::Zh)).unwrap();
    assert_eq!(v["result"]["visits"][7]["name"], "line1\nline2");
}

/// Control characters, bidi controls and text that Markdown renderers turn
/// into links.
const CONTROLS: [&str; 9] = [
    "NUL\u{0}here",
    "ESC\u{1b}]0;title\u{7}",
    "DEL\u{7f} and C1\u{9b}2J",
    "\u{202E}txt.exe",
    "iso\u{2066}late\u{2069} mark\u{200F}",
    "see https://evil.example/x now",
    "visit WWW.evil.example",
    "mail a.b@evil.example",
    "both http://a.b and x@y.cn",
];

/// Whether `c` must not appear raw in a published text (the policy of
/// `shuangsuiji_disclose::neutralize`).
fn hostile_char(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F..=0x9F
        | 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

#[test]
fn control_characters_and_links_are_neutralised() {
    let ds = common::sample();
    let mut r = common::sample_draw(&ds);
    let h = |i: usize| CONTROLS[i % CONTROLS.len()].to_string();
    r.plan.title = h(1);
    r.plan.authority = h(3);
    r.seed.source = h(5);
    for (i, v) in r.visits.iter_mut().enumerate() {
        v.name = h(i);
        v.region = h(i + 4);
        for t in &mut v.teams {
            t.department = h(i + 2);
            for o in &mut t.officers {
                o.name = h(i + 7);
            }
        }
    }
    for lang in Lang::ALL {
        for format in [Format::Html, Format::Markdown, Format::Csv] {
            let what = format!("draw {lang} {format}");
            let out = draw_notice(&r, format, lang);
            check_all(&out, format, &what);
            if let Some(c) = out.chars().find(|&c| hostile_char(c)) {
                panic!("{what}: U+{:04X} published raw", c as u32);
            }
            // the same replacement everywhere: U+FFFD where each was
            assert!(out.contains("NUL\u{FFFD}here"), "{what}");
            assert!(out.contains("\u{FFFD}txt"), "{what}");
            if format == Format::Markdown {
                for (i, _) in out.match_indices("://") {
                    assert!(out[..i].ends_with('\\'), "{what}: live :// at {i}");
                }
                for pat in ["www.", "WWW."] {
                    assert!(!out.contains(pat), "{what}: live {pat}");
                }
                for (i, _) in out.match_indices('@') {
                    assert!(out[..i].ends_with("<!---->"), "{what}: '@' at {i}");
                }
                assert!(out.contains("https\\://evil.example/x"), "{what}");
                assert!(out.contains("WWW\\.evil.example"), "{what}");
                assert!(out.contains("a.b<!---->@evil.example"), "{what}");
            }
        }
    }
    // JSON keeps the exact values (serde escapes C0 as \u00XX)
    let v: serde_json::Value =
        serde_json::from_str(&draw_notice(&r, Format::Json, Lang::Zh)).unwrap();
    assert_eq!(v["result"]["visits"][0]["name"], "NUL\u{0}here");
    // result.csv follows the same policy
    let mut csv_out = Vec::new();
    shuangsuiji_disclose::write_result_csv(
        shuangsuiji::draw::Visits::Held(&r.visits),
        shuangsuiji_disclose::Lang::Zh,
        &mut csv_out,
    )
    .unwrap();
    let csv_out = String::from_utf8(csv_out).unwrap();
    assert!(!csv_out.chars().any(hostile_char), "result.csv");
    assert!(csv_out.contains("NUL\u{FFFD}here"));
    // neutralize is the one policy, public for the other writers
    assert_eq!(
        shuangsuiji_disclose::neutralize("a\u{1b}b\u{202E}c\td\n"),
        "a\u{FFFD}b\u{FFFD}c\td\n"
    );
}
