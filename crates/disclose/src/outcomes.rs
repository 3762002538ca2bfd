//! Reading the outcomes of the inspections (检查结果) and checking them
//! against the draw.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;
use shuangsuiji::DrawResult;
use shuangsuiji::model::Date;

use crate::Lang;
use crate::error::{Error, ErrorKind, Problem};

/// The standard outcomes of a random inspection (抽查检查结果), as the
/// market-regulation notices list them.
///
/// ```
/// use shuangsuiji_disclose::{Lang, OutcomeKind};
/// let k = OutcomeKind::Corrected;
/// assert_eq!((k.zh(), k.code()), ("责令已改正", "corrected"));
/// assert_eq!(k.label(Lang::Zh), k.zh());
/// assert!(OutcomeKind::ALL.iter().all(|k| OutcomeKind::parse(k.code()) == Some(*k)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeKind {
    /// 未发现问题.
    NoProblem,
    /// 未按规定公示.
    NotPublished,
    /// 公示信息隐瞒真实情况弄虚作假.
    FalsePublicInfo,
    /// 通过登记的住所（经营场所）无法联系.
    Unreachable,
    /// 不配合检查情节严重.
    Uncooperative,
    /// 责令已改正.
    Corrected,
    /// 未发现开展本次抽查涉及的经营活动.
    NoRelevantActivity,
}

impl OutcomeKind {
    /// Every outcome, in the order notices list them.
    pub const ALL: [OutcomeKind; 7] = [
        OutcomeKind::NoProblem,
        OutcomeKind::NotPublished,
        OutcomeKind::FalsePublicInfo,
        OutcomeKind::Unreachable,
        OutcomeKind::Uncooperative,
        OutcomeKind::Corrected,
        OutcomeKind::NoRelevantActivity,
    ];

    /// The standard Chinese wording.
    ///
    /// ```
    /// assert_eq!(shuangsuiji_disclose::OutcomeKind::NoProblem.zh(), "未发现问题");
    /// ```
    pub fn zh(&self) -> &'static str {
        match self {
            OutcomeKind::NoProblem => "未发现问题",
            OutcomeKind::NotPublished => "未按规定公示",
            OutcomeKind::FalsePublicInfo => "公示信息隐瞒真实情况弄虚作假",
            OutcomeKind::Unreachable => "通过登记的住所（经营场所）无法联系",
            OutcomeKind::Uncooperative => "不配合检查情节严重",
            OutcomeKind::Corrected => "责令已改正",
            OutcomeKind::NoRelevantActivity => "未发现开展本次抽查涉及的经营活动",
        }
    }

    /// An English translation.
    ///
    /// ```
    /// assert_eq!(shuangsuiji_disclose::OutcomeKind::NotPublished.en(), "Information not published as required");
    /// ```
    pub fn en(&self) -> &'static str {
        match self {
            OutcomeKind::NoProblem => "No problem found",
            OutcomeKind::NotPublished => "Information not published as required",
            OutcomeKind::FalsePublicInfo => {
                "Published information concealed facts or was falsified"
            }
            OutcomeKind::Unreachable => "Cannot be contacted at the registered address (premises)",
            OutcomeKind::Uncooperative => "Refused to cooperate with the inspection (serious)",
            OutcomeKind::Corrected => "Ordered to correct; corrected",
            OutcomeKind::NoRelevantActivity => {
                "No business activity covered by this inspection found"
            }
        }
    }

    /// The label in a language.
    ///
    /// ```
    /// use shuangsuiji_disclose::{Lang, OutcomeKind};
    /// assert_eq!(OutcomeKind::NoProblem.label(Lang::En), OutcomeKind::NoProblem.en());
    /// ```
    pub fn label(&self, lang: Lang) -> &'static str {
        lang.t(self.zh(), self.en())
    }

    /// A stable code: `no_problem`, `not_published`, `false_public_info`,
    /// `unreachable`, `uncooperative`, `corrected`, `no_relevant_activity`.
    ///
    /// ```
    /// assert_eq!(shuangsuiji_disclose::OutcomeKind::Unreachable.code(), "unreachable");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            OutcomeKind::NoProblem => "no_problem",
            OutcomeKind::NotPublished => "not_published",
            OutcomeKind::FalsePublicInfo => "false_public_info",
            OutcomeKind::Unreachable => "unreachable",
            OutcomeKind::Uncooperative => "uncooperative",
            OutcomeKind::Corrected => "corrected",
            OutcomeKind::NoRelevantActivity => "no_relevant_activity",
        }
    }

    /// Read an outcome: the standard wording (ASCII or full-width
    /// parentheses, spaces ignored), the short forms 无法联系, 不配合检查
    /// and 未发现相关经营活动, or the code.
    ///
    /// ```
    /// use shuangsuiji_disclose::OutcomeKind;
    /// assert_eq!(OutcomeKind::parse(" 未发现问题 "), Some(OutcomeKind::NoProblem));
    /// assert_eq!(OutcomeKind::parse("无法联系"), Some(OutcomeKind::Unreachable));
    /// assert_eq!(
    ///     OutcomeKind::parse("通过登记的住所(经营场所)无法联系"),
    ///     Some(OutcomeKind::Unreachable)
    /// );
    /// assert_eq!(OutcomeKind::parse("合格"), None);
    /// ```
    pub fn parse(s: &str) -> Option<OutcomeKind> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '\u{3000}' | '\u{FEFF}' | '\u{200B}'))
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                _ => c,
            })
            .collect();
        let lower = t.to_ascii_lowercase();
        if let Some(k) = OutcomeKind::ALL
            .into_iter()
            .find(|k| k.zh() == t || k.code() == lower)
        {
            return Some(k);
        }
        match t.as_str() {
            "无法联系" | "通过登记的住所无法联系" | "通过登记的经营场所无法联系" => {
                Some(OutcomeKind::Unreachable)
            }
            "不配合检查" => Some(OutcomeKind::Uncooperative),
            "未发现相关经营活动" => Some(OutcomeKind::NoRelevantActivity),
            "已改正" => Some(OutcomeKind::Corrected),
            _ => None,
        }
    }

    /// The accepted words, for error messages.
    fn accepted() -> String {
        let mut v: Vec<&str> = OutcomeKind::ALL.iter().map(|k| k.zh()).collect();
        v.extend(["无法联系", "不配合检查", "未发现相关经营活动"]);
        v.join(", ")
    }
}

/// Outcome wording compared loosely: whitespace dropped, ASCII
/// parentheses and commas as their full-width forms.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{3000}' | '\u{FEFF}' | '\u{200B}'))
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ',' => '，',
            ';' => '；',
            _ => c,
        })
        .collect()
}

/// The words that mark an inspection made whose result is not yet
/// recorded (its date still counts for the deadline), in any vocabulary.
pub const PENDING: [&str; 4] = ["待公示", "尚未公示结果", "待定", "pending"];

/// One word of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    zh: String,
    en: Option<String>,
    kind: Option<OutcomeKind>,
}

/// The outcome vocabulary (检查结果用语) an outcomes file is written in:
/// the market regulator's standard list ([`OutcomeKind`]) by default, or
/// the plan's own list (`[results] outcomes`, with optional English labels
/// in `outcomes_en`), so that a forestry bureau can record
/// `发现问题，已责令限期整改`.
///
/// ```
/// use shuangsuiji_disclose::{Lang, Vocabulary};
/// let std = Vocabulary::standard();
/// assert_eq!(std.parse("无法联系"), Some("通过登记的住所（经营场所）无法联系"));
/// assert_eq!(std.parse("发现问题，已责令限期整改"), None);
/// let own = Vocabulary::custom(
///     &["未发现问题".into(), "发现问题，已责令限期整改".into()],
///     &["No problem found".into(), "Problems found; ordered to correct within a time limit".into()],
/// ).unwrap();
/// assert_eq!(own.parse("发现问题,已责令限期整改"), Some("发现问题，已责令限期整改"));
/// assert_eq!(own.label("发现问题，已责令限期整改", Lang::En),
///     "Problems found; ordered to correct within a time limit");
/// assert_eq!(own.code("未发现问题"), "no_problem");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    words: Vec<Word>,
    standard: bool,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary::standard()
    }
}

impl Vocabulary {
    /// The market regulator's standard outcomes ([`OutcomeKind::ALL`]),
    /// with their short forms.
    ///
    /// ```
    /// let v = shuangsuiji_disclose::Vocabulary::standard();
    /// assert_eq!(v.words().count(), 7);
    /// assert_eq!(v.parse("corrected"), Some("责令已改正"));
    /// ```
    pub fn standard() -> Vocabulary {
        Vocabulary {
            words: OutcomeKind::ALL
                .iter()
                .map(|k| Word {
                    zh: k.zh().to_string(),
                    en: Some(k.en().to_string()),
                    kind: Some(*k),
                })
                .collect(),
            standard: true,
        }
    }

    /// A vocabulary of the given words (Chinese, as notices print them)
    /// and optional English labels in the same order. A word equal to a
    /// standard one keeps its standard code and English label.
    ///
    /// ```
    /// use shuangsuiji_disclose::Vocabulary;
    /// assert!(Vocabulary::custom(&[], &[]).is_err());
    /// let v = Vocabulary::custom(&["合格".into(), "不合格".into()], &[]).unwrap();
    /// assert_eq!(v.words().collect::<Vec<_>>(), ["合格", "不合格"]);
    /// ```
    pub fn custom(words: &[String], en: &[String]) -> Result<Vocabulary, String> {
        if words.is_empty() {
            return Err("the outcome list is empty".to_string());
        }
        if !en.is_empty() && en.len() != words.len() {
            return Err(format!(
                "outcomes_en has {} labels but outcomes has {} words; give one English label per word, in the same order",
                en.len(),
                words.len()
            ));
        }
        let mut out: Vec<Word> = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let zh = w.trim().to_string();
            if zh.is_empty() {
                return Err(format!("outcome {} is empty", i + 1));
            }
            if let Some(j) = out.iter().position(|o| fold(&o.zh) == fold(&zh)) {
                return Err(format!(
                    "outcome {} '{zh}' repeats outcome {}",
                    i + 1,
                    j + 1
                ));
            }
            let kind = OutcomeKind::ALL
                .into_iter()
                .find(|k| fold(k.zh()) == fold(&zh));
            let en = en
                .get(i)
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .or_else(|| kind.map(|k| k.en().to_string()));
            out.push(Word { zh, en, kind });
        }
        Ok(Vocabulary {
            words: out,
            standard: false,
        })
    }

    /// The plan's vocabulary (`[results] outcomes`), or the standard one
    /// when the plan lists none.
    ///
    /// ```
    /// use shuangsuiji_disclose::Vocabulary;
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let v = Vocabulary::for_plan(&ds.plan().results).unwrap();
    /// assert_eq!(v.words().next(), Some("未发现问题"));
    /// assert_eq!(v.words().count(), 7);
    /// ```
    pub fn for_plan(cfg: &shuangsuiji::model::ResultsConfig) -> Result<Vocabulary, String> {
        if cfg.outcomes.is_empty() {
            if !cfg.outcomes_en.is_empty() {
                return Err("outcomes_en is given without outcomes".to_string());
            }
            return Ok(Vocabulary::standard());
        }
        Vocabulary::custom(&cfg.outcomes, &cfg.outcomes_en)
    }

    /// The words, in the order notices list them.
    ///
    /// ```
    /// let v = shuangsuiji_disclose::Vocabulary::standard();
    /// assert_eq!(v.words().next(), Some("未发现问题"));
    /// ```
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|w| w.zh.as_str())
    }

    /// The word `s` stands for (its Chinese form as listed), if any:
    /// whitespace is ignored and ASCII parentheses and commas match their
    /// full-width forms; the standard vocabulary also takes
    /// [`OutcomeKind::parse`]'s short forms and codes.
    ///
    /// ```
    /// let v = shuangsuiji_disclose::Vocabulary::custom(&["发现问题，已立案查处".into()], &[]).unwrap();
    /// assert_eq!(v.parse(" 发现问题,已立案查处 "), Some("发现问题，已立案查处"));
    /// assert_eq!(v.parse("未发现问题"), None);
    /// ```
    pub fn parse(&self, s: &str) -> Option<&str> {
        let f = fold(s);
        if let Some(w) = self.words.iter().find(|w| fold(&w.zh) == f) {
            return Some(&w.zh);
        }
        if self.standard
            && let Some(k) = OutcomeKind::parse(s)
        {
            return self
                .words
                .iter()
                .find(|w| w.kind == Some(k))
                .map(|w| w.zh.as_str());
        }
        None
    }

    /// The label of `word` in `lang` (the word itself when it has no
    /// English label).
    ///
    /// ```
    /// use shuangsuiji_disclose::{Lang, Vocabulary};
    /// let v = Vocabulary::custom(&["合格".into()], &["Passed".into()]).unwrap();
    /// assert_eq!((v.label("合格", Lang::En), v.label("合格", Lang::Zh)), ("Passed", "合格"));
    /// ```
    pub fn label<'a>(&'a self, word: &'a str, lang: Lang) -> &'a str {
        match lang {
            Lang::Zh => word,
            Lang::En => self
                .words
                .iter()
                .find(|w| w.zh == word)
                .and_then(|w| w.en.as_deref())
                .unwrap_or(word),
        }
    }

    /// A stable code for `word`: the [`OutcomeKind::code`] of a standard
    /// word, else the word itself.
    ///
    /// ```
    /// use shuangsuiji_disclose::Vocabulary;
    /// let v = Vocabulary::custom(&["合格".into(), "责令已改正".into()], &[]).unwrap();
    /// assert_eq!((v.code("合格"), v.code("责令已改正")), ("合格".to_string(), "corrected".to_string()));
    /// ```
    pub fn code(&self, word: &str) -> String {
        self.words
            .iter()
            .find(|w| w.zh == word)
            .and_then(|w| w.kind)
            .map_or_else(|| word.to_string(), |k| k.code().to_string())
    }

    /// The accepted words, for error messages.
    fn accepted(&self) -> String {
        if self.standard {
            return format!(
                "{} (or the plan's own list, [results] outcomes)",
                OutcomeKind::accepted()
            );
        }
        self.words().collect::<Vec<_>>().join(", ")
    }
}

/// The outcome of one inspected item on one drawn entity.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// let v = &result.visits[0];
/// let csv = format!("uscc,item,outcome,date\n{},{},待公示,2026-11-02\n", v.uscc.to_lowercase(), v.items[0]);
/// let o = &shuangsuiji_disclose::read_outcomes("o.csv", csv.as_bytes(), &result).unwrap()[0];
/// assert_eq!((&o.uscc, o.outcome.as_deref(), o.line), (&v.uscc, None, 2)); // pending
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The entity's unified social credit code (normalised: trimmed,
    /// upper-case).
    pub uscc: String,
    /// The item id (normalised).
    pub item: String,
    /// The outcome, as its vocabulary lists it (see [`Vocabulary`]);
    /// `None`: inspected on `date`, result not yet recorded (a [`PENDING`]
    /// word in the file).
    pub outcome: Option<String>,
    /// The inspection date.
    pub date: Date,
    /// The 1-based line of the row in the outcomes file (0 when built by a
    /// program).
    pub line: u64,
}

/// The columns of an outcomes file: (field, accepted header spellings).
const COLUMNS: [(&str, &[&str]); 4] = [
    (
        "uscc",
        &[
            "uscc",
            "统一社会信用代码",
            "信用代码",
            "社会信用代码",
            // the unit id of a registry of another id scheme (SPEC.md §1.8)
            "unit",
            "对象编号",
            "项目编号",
            "网格编号",
            "点位编号",
        ],
    ),
    ("item", &["item", "事项编号", "抽查事项编号", "事项"]),
    ("outcome", &["outcome", "检查结果", "抽查结果", "结果"]),
    ("date", &["date", "检查日期", "抽查日期", "日期"]),
];

fn norm_header(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{3000}' | '\u{FEFF}' | '\u{200B}'))
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Trim, fold full-width ASCII and upper-case an identifier.
fn norm_id(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{3000}' | '\u{FEFF}' | '\u{200B}'))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Decode bytes: UTF-8 (BOM stripped) when valid, else GB18030 (a superset
/// of GBK). `Err` holds the 1-based line of the first invalid byte.
fn decode(bytes: &[u8]) -> Result<String, u64> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(body);
            if had_errors {
                let bad = text.find('\u{FFFD}').unwrap_or(0);
                Err(text[..bad].matches('\n').count() as u64 + 1)
            } else {
                Ok(text.into_owned())
            }
        }
    }
}

/// The 1-based line where a record starts. The CSV reader reports the
/// position of the blank lines before a record as its start, so they are
/// skipped first.
fn line_of(text: &str, byte: u64) -> u64 {
    let start = usize::try_from(byte).unwrap_or(text.len()).min(text.len());
    let skip = text[start..]
        .bytes()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let before = &text.as_bytes()[..start + skip];
    before.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Read the outcomes of the inspections from CSV and check each row
/// against the draw. `file` names the file in errors.
///
/// The header names the columns in English or Chinese, in any order:
/// `uscc`/`统一社会信用代码`, `item`/`事项编号`, `outcome`/`检查结果`,
/// `date`/`检查日期`; other columns are ignored. The bytes may be UTF-8
/// (with or without BOM) or GBK/GB18030. Each outcome must be one of the
/// standard [`OutcomeKind`]s (see [`OutcomeKind::parse`]; use
/// [`read_outcomes_with`] for a plan's own vocabulary) or one of the
/// [`PENDING`] words (inspected on the date, result not yet recorded: the
/// date counts for the deadline), each
/// date a calendar date not before the plan date, and each (entity, item)
/// an inspection of the draw, given once. Every problem is reported, with
/// its line and column, in one [`Error`].
///
/// Outcomes are returned in file order. Inspections not in the file are
/// not an error: the results notice shows them as pending.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji_disclose::{OutcomeKind, read_outcomes};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let v = &result.visits[0];
/// let csv = format!("统一社会信用代码,事项编号,检查结果,检查日期\n{},{},未发现问题,2026-11-02\n", v.uscc, v.items[0]);
/// let outcomes = read_outcomes("outcomes.csv", csv.as_bytes(), &result).unwrap();
/// assert_eq!(outcomes[0].outcome.as_deref(), Some(OutcomeKind::NoProblem.zh()));
///
/// let bad = "uscc,item,outcome,date\n911111111111111111,YYLY-01,合格,2026-11-02\n";
/// let err = read_outcomes("outcomes.csv", bad.as_bytes(), &result).unwrap_err();
/// assert_eq!(err.problems().len(), 2); // never drawn, and an unknown outcome
/// assert!(err.to_string().starts_with("outcomes.csv:2: uscc: "));
/// ```
pub fn read_outcomes(
    file: &str,
    reader: impl Read,
    result: &DrawResult,
) -> Result<Vec<Outcome>, Error> {
    read_outcomes_with(file, reader, result, &Vocabulary::standard())
}

/// [`read_outcomes`] in the vocabulary `vocab` (the plan's, see
/// [`Vocabulary::for_plan`]).
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji_disclose::{Vocabulary, read_outcomes_with};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let v = &result.visits[0];
/// let vocab = Vocabulary::custom(&["未发现问题".into(), "发现问题，已责令限期整改".into()], &[]).unwrap();
/// let csv = format!("uscc,item,outcome,date\n{},{},\"发现问题,已责令限期整改\",2026-11-02\n", v.uscc, v.items[0]);
/// let o = read_outcomes_with("outcomes.csv", csv.as_bytes(), &result, &vocab).unwrap();
/// assert_eq!(o[0].outcome.as_deref(), Some("发现问题，已责令限期整改"));
/// ```
pub fn read_outcomes_with(
    file: &str,
    mut reader: impl Read,
    result: &DrawResult,
    vocab: &Vocabulary,
) -> Result<Vec<Outcome>, Error> {
    let problem = |kind, line: Option<u64>, column: Option<&str>, message: String| Problem {
        kind,
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        message,
    };
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return Err(Error::new(vec![problem(
            ErrorKind::Io,
            None,
            None,
            format!("cannot read: {e}"),
        )]));
    }
    let text = decode(&bytes).map_err(|line| {
        Error::new(vec![problem(
            ErrorKind::Encoding,
            Some(line),
            None,
            "the file is neither UTF-8 nor GBK/GB18030".to_string(),
        )])
    })?;

    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            let line = e.position().map(|p| p.line());
            return Err(Error::new(vec![problem(
                ErrorKind::Csv,
                line,
                None,
                format!("malformed CSV: {e}"),
            )]));
        }
        None => {
            return Err(Error::new(vec![problem(
                ErrorKind::MissingColumn,
                Some(1),
                None,
                "the file is empty; expected a header uscc,item,outcome,date \
                 (统一社会信用代码,事项编号,检查结果,检查日期)"
                    .to_string(),
            )]));
        }
    };
    // column index and header spelling of each field
    let mut cols: [Option<(usize, String)>; 4] = Default::default();
    for (i, h) in header.iter().enumerate() {
        let n = norm_header(h);
        for (f, (_, names)) in COLUMNS.iter().enumerate() {
            if cols[f].is_none() && names.iter().any(|a| norm_header(a) == n) {
                cols[f] = Some((i, h.trim().trim_start_matches('\u{FEFF}').to_string()));
            }
        }
    }
    let missing: Vec<Problem> = COLUMNS
        .iter()
        .zip(&cols)
        .filter(|(_, c)| c.is_none())
        .map(|((field, names), _)| {
            problem(
                ErrorKind::MissingColumn,
                Some(1),
                None,
                format!("missing column {field} ({})", names[1..].join("/")),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::new(missing));
    }
    let cols: Vec<(usize, String)> = cols.into_iter().flatten().collect();

    // the inspections of the draw: (uscc, item) -> visit index
    let mut drawn: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut drawn_items: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (vi, v) in result.visits.iter().enumerate() {
        for it in &v.items {
            drawn.insert((v.uscc.as_str(), it.as_str()), vi);
            drawn_items
                .entry(v.uscc.as_str())
                .or_default()
                .push(it.as_str());
        }
    }

    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                problems.push(problem(
                    ErrorKind::Csv,
                    line,
                    None,
                    format!("malformed CSV: {e}"),
                ));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| line_of(&text, p.byte()));
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |f: usize| rec.get(cols[f].0).unwrap_or("").trim();
        let col = |f: usize| Some(cols[f].1.as_str());
        let mut ok = true;
        let missing = |f: usize, problems: &mut Vec<Problem>| {
            if cell(f).is_empty() {
                problems.push(problem(
                    ErrorKind::MissingValue,
                    Some(line),
                    col(f),
                    format!("the {} is empty", COLUMNS[f].0),
                ));
                true
            } else {
                false
            }
        };
        let (m0, m1, m2, m3) = (
            missing(0, &mut problems),
            missing(1, &mut problems),
            missing(2, &mut problems),
            missing(3, &mut problems),
        );
        let uscc = norm_id(cell(0));
        let item = norm_id(cell(1));
        if !m0 && !m1 {
            if !drawn.contains_key(&(uscc.as_str(), item.as_str())) {
                ok = false;
                match drawn_items.get(uscc.as_str()) {
                    Some(items) => problems.push(problem(
                        ErrorKind::NotDrawn,
                        Some(line),
                        col(1),
                        format!(
                            "entity {uscc} was not drawn for item {item} (it was drawn for {})",
                            items.join(", ")
                        ),
                    )),
                    None => problems.push(problem(
                        ErrorKind::NotDrawn,
                        Some(line),
                        col(0),
                        format!("entity {uscc} was not drawn in plan {}", result.plan.id),
                    )),
                }
            } else if let Some(first) = seen.insert((uscc.clone(), item.clone()), line) {
                ok = false;
                problems.push(problem(
                    ErrorKind::Duplicate,
                    Some(line),
                    col(1),
                    format!(
                        "a second outcome for entity {uscc} and item {item} (first on line {first})"
                    ),
                ));
            }
        }
        let (kind, kind_ok) = if m2 {
            (None, false)
        } else if PENDING.contains(&fold(cell(2)).to_ascii_lowercase().as_str()) {
            // inspected on the date, result not yet recorded
            (None, true)
        } else {
            match vocab.parse(cell(2)) {
                Some(w) => (Some(w.to_string()), true),
                None => {
                    problems.push(problem(
                        ErrorKind::UnknownOutcome,
                        Some(line),
                        col(2),
                        format!(
                            "unknown outcome '{}'; accepted: {}",
                            cell(2),
                            vocab.accepted()
                        ),
                    ));
                    (None, false)
                }
            }
        };
        let date = if m3 {
            None
        } else {
            match cell(3).parse::<Date>() {
                Ok(d) if d < result.plan.date => {
                    problems.push(problem(
                        ErrorKind::InvalidDate,
                        Some(line),
                        col(3),
                        format!(
                            "date {d} is before the plan date {}, when the draw was made",
                            result.plan.date
                        ),
                    ));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(problem(
                        ErrorKind::InvalidDate,
                        Some(line),
                        col(3),
                        format!("date '{}' {e}", cell(3)),
                    ));
                    None
                }
            }
        };
        if let (true, false, false, true, Some(date)) = (ok, m0, m1, kind_ok, date) {
            out.push(Outcome {
                uscc,
                item,
                outcome: kind,
                date,
                line,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::new(problems))
    }
}

/// Outcomes by (uscc, item); the last one wins when a program passes
/// duplicates.
pub(crate) fn index(outcomes: &[Outcome]) -> BTreeMap<(&str, &str), &Outcome> {
    outcomes
        .iter()
        .map(|o| ((o.uscc.as_str(), o.item.as_str()), o))
        .collect()
}
