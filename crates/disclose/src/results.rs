//! 抽查结果公示: the results notice.

use std::collections::BTreeMap;

use serde::Serialize;
use shuangsuiji::draw::PlanInfo;
use shuangsuiji::model::{Date, NoticeInfo};
use shuangsuiji::{DrawResult, InputDigests};

use crate::common::{
    VERIFY_JSON, VerifyJson, document_number_block, result_plan_fields, signature_block,
    supervision_blocks, verify_blocks,
};
use crate::outcomes::index;
use crate::render::{Block, Cell, Doc};
use crate::{Calendar, Format, Lang, Outcome, Vocabulary};

/// How results are published: the vocabulary of outcomes, the deadline
/// rule, the reference date and the plan's `[notice]` table.
///
/// ```
/// use shuangsuiji_disclose::ResultsOptions;
/// let o = ResultsOptions::default();
/// assert_eq!(o.due_working_days, 20);
/// assert!(o.as_of.is_none()); // never the clock: pass the date
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsOptions {
    /// The outcome vocabulary.
    pub vocabulary: Vocabulary,
    /// The working-day calendar.
    pub calendar: Calendar,
    /// Working days after the inspection by which its result must be
    /// public (20 by default).
    pub due_working_days: u32,
    /// The reference date for overdue results and the notice's date; the
    /// library never reads the clock.
    pub as_of: Option<Date>,
    /// The plan's `[notice]` table.
    pub notice: NoticeInfo,
}

impl Default for ResultsOptions {
    fn default() -> Self {
        ResultsOptions {
            vocabulary: Vocabulary::standard(),
            calendar: Calendar::china(),
            due_working_days: 20,
            as_of: None,
            notice: NoticeInfo::default(),
        }
    }
}

impl ResultsOptions {
    /// The options a plan sets (`[results]`, `[notice]`), with `as_of`.
    /// `Err` names what is wrong with the plan's outcome list.
    ///
    /// ```
    /// use shuangsuiji_disclose::ResultsOptions;
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let o = ResultsOptions::for_plan(ds.plan(), None).unwrap();
    /// assert_eq!(o.due_working_days, 20);
    /// assert_eq!(o.notice, ds.plan().notice);
    /// ```
    pub fn for_plan(
        plan: &shuangsuiji::Plan,
        as_of: Option<Date>,
    ) -> Result<ResultsOptions, String> {
        Ok(ResultsOptions {
            vocabulary: Vocabulary::for_plan(&plan.results)?,
            calendar: Calendar::for_plan(&plan.results),
            due_working_days: plan.results.due_working_days,
            as_of,
            notice: plan.notice.clone(),
        })
    }

    /// The date by which the result of an inspection on `date` must be
    /// public.
    ///
    /// ```
    /// use shuangsuiji::model::Date;
    /// let o = shuangsuiji_disclose::ResultsOptions::default();
    /// // 20 working days after 2026-10-12, the National Day week already past
    /// assert_eq!(o.due(Date::new(2026, 10, 12).unwrap()), Date::new(2026, 11, 9).ok());
    /// ```
    pub fn due(&self, date: Date) -> Option<Date> {
        self.calendar.add_working_days(date, self.due_working_days)
    }
}

/// One row of the results notice: one item inspected on one visit.
struct Row<'a> {
    uscc: &'a str,
    name: &'a str,
    region: &'a str,
    item: &'a str,
    item_name: &'a str,
    directed: bool,
    department: &'a str,
    outcome: Option<&'a Outcome>,
}

fn rows<'a>(result: &'a DrawResult, outcomes: &'a [Outcome]) -> Vec<Row<'a>> {
    let by_key = index(outcomes);
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut directed: BTreeMap<&str, bool> = BTreeMap::new();
    for t in &result.tasks {
        for (id, n) in t.items.iter().zip(&t.names) {
            names.insert(id, n);
        }
        directed.insert(t.key.as_str(), t.directed);
    }
    let mut rows = Vec::new();
    for v in &result.visits {
        for item in &v.items {
            let department = v
                .teams
                .iter()
                .find(|t| t.items.contains(item))
                .map_or("", |t| t.department.as_str());
            // the task that selected the visit for this item
            let task = v
                .selections
                .iter()
                .map(|s| s.task.as_str())
                .find(|k| k.split('+').any(|i| i == item));
            rows.push(Row {
                uscc: &v.uscc,
                name: &v.name,
                region: &v.region,
                item,
                item_name: names.get(item.as_str()).copied().unwrap_or(""),
                directed: task.and_then(|k| directed.get(k)).copied().unwrap_or(false),
                department,
                outcome: by_key.get(&(v.uscc.as_str(), item.as_str())).copied(),
            });
        }
    }
    rows
}

/// An inspection whose result is not public by its due date.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::{Outcome, ResultsOptions, overdue};
/// let v = &result.visits[0];
/// let pending = [Outcome { uscc: v.uscc.clone(), item: v.items[0].clone(), outcome: None,
///     date: Date::new(2026, 10, 12).unwrap(), line: 5 }];
/// let opts = ResultsOptions { as_of: Date::new(2026, 12, 1).ok(), ..ResultsOptions::default() };
/// let late = &overdue(&pending, &opts)[0];
/// assert_eq!((late.line, late.item.as_str(), late.due.to_string()), (5, v.items[0].as_str(), "2026-11-09".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    /// The entity.
    pub uscc: String,
    /// The item.
    pub item: String,
    /// The inspection date.
    pub date: Date,
    /// The date by which the result had to be public.
    pub due: Date,
    /// The line of the outcomes file.
    pub line: u64,
}

/// Inspections with a date but no result yet whose due date is before
/// `options.as_of` (none without `as_of`), in file order.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::{Outcome, ResultsOptions, overdue};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let v = &result.visits[0];
/// let pending = [Outcome { uscc: v.uscc.clone(), item: v.items[0].clone(), outcome: None,
///     date: Date::new(2026, 10, 12).unwrap(), line: 2 }];
/// let mut opts = ResultsOptions::default();
/// assert!(overdue(&pending, &opts).is_empty());
/// opts.as_of = Some(Date::new(2026, 11, 20).unwrap());
/// let late = overdue(&pending, &opts);
/// assert_eq!(late[0].due.to_string(), "2026-11-09");
/// ```
pub fn overdue(outcomes: &[Outcome], options: &ResultsOptions) -> Vec<Overdue> {
    let Some(as_of) = options.as_of else {
        return Vec::new();
    };
    outcomes
        .iter()
        .filter(|o| o.outcome.is_none())
        .filter_map(|o| {
            let due = options.due(o.date)?;
            (due < as_of).then(|| Overdue {
                uscc: o.uscc.clone(),
                item: o.item.clone(),
                date: o.date,
                due,
                line: o.line,
            })
        })
        .collect()
}

/// The inspection results as the enterprise credit information publicity
/// system (国家企业信用信息公示系统) shows them on an enterprise's page
/// under 抽查检查结果信息 — 检查实施机关, 类型, 日期, 结果 — preceded by
/// the columns that identify the enterprise and followed by those that
/// trace the row to the draw. One row per inspection with a recorded
/// result, in the order of the draw; UTF-8 with BOM, CRLF line ends,
/// formula-like cells neutralised. The column list is documented in
/// README.md ("Results"); it is not an official import template.
///
/// Columns: 统一社会信用代码, 企业名称, 检查实施机关, 类型 (双随机抽查 or
/// 定向抽查), 日期, 结果, 抽查计划编号, 抽查事项.
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::{Outcome, ResultsOptions, gsxt_csv};
/// let v = &result.visits[0];
/// let done = [Outcome { uscc: v.uscc.clone(), item: v.items[0].clone(),
///     outcome: Some("未发现问题".into()), date: Date::new(2026, 11, 2).unwrap(), line: 0 }];
/// let csv = gsxt_csv(&result, &done, &ResultsOptions::default());
/// assert!(csv.starts_with("\u{FEFF}统一社会信用代码,企业名称,检查实施机关,类型,日期,结果,"));
/// assert_eq!(csv.lines().count(), 2); // the header and one inspection
/// assert!(csv.contains(&format!("{},{}", v.uscc, v.name)));
/// ```
pub fn gsxt_csv(result: &DrawResult, outcomes: &[Outcome], options: &ResultsOptions) -> String {
    use crate::render::csv_row;
    let mut o = String::from("\u{FEFF}");
    csv_row(&mut o, &GSXT_COLUMNS);
    for row in gsxt_rows(result, outcomes, options) {
        csv_row(&mut o, &row);
    }
    o
}

/// The columns of the export for the enterprise credit information
/// publicity system ([`gsxt_csv`], [`crate::gsxt_xlsx`]).
pub const GSXT_COLUMNS: [&str; 8] = [
    "统一社会信用代码",
    "企业名称",
    "检查实施机关",
    "类型",
    "日期",
    "结果",
    "抽查计划编号",
    "抽查事项",
];

/// The rows of the export: one per inspection with an outcome.
pub(crate) fn gsxt_rows(
    result: &DrawResult,
    outcomes: &[Outcome],
    options: &ResultsOptions,
) -> Vec<[String; 8]> {
    let mut out = Vec::new();
    for r in rows(result, outcomes) {
        let Some(o) = r.outcome else { continue };
        let Some(word) = &o.outcome else { continue };
        let dept = if r.department.is_empty() {
            result.plan.authority.as_str()
        } else {
            r.department
        };
        out.push([
            r.uscc.to_string(),
            r.name.to_string(),
            dept.to_string(),
            if r.directed {
                "定向抽查"
            } else {
                "双随机抽查"
            }
            .to_string(),
            o.date.to_string(),
            options.vocabulary.label(word, Lang::Zh).to_string(),
            result.plan.id.clone(),
            if r.item_name.is_empty() {
                r.item.to_string()
            } else {
                format!("{} {}", r.item, r.item_name)
            },
        ]);
    }
    out
}

/// The results notice (抽查结果公示): for every item inspected on every
/// visit of the draw (in the order of the draw notice) the entity, its USCC
/// and region, the item, the department, the inspection date and the
/// outcome; inspections without an outcome yet are shown as pending. A
/// summary counts each outcome, and the notice names the draw (algorithm,
/// draw key) it reports on.
///
/// `outcomes` normally comes from [`crate::read_outcomes`], which checks
/// them against the draw; outcomes for inspections not in `result` are
/// ignored here, and of two outcomes for one inspection the later counts.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::{Format, Lang, Outcome, OutcomeKind, results_notice};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let v = &result.visits[0];
/// let outcomes = [Outcome {
///     uscc: v.uscc.clone(),
///     item: v.items[0].clone(),
///     outcome: Some(OutcomeKind::Corrected.zh().to_string()),
///     date: Date::new(2026, 11, 2).unwrap(),
///     line: 0,
/// }];
/// let md = results_notice(&result, &outcomes, Format::Markdown, Lang::Zh);
/// assert!(md.contains("责令已改正"));
/// assert!(md.contains("2026-11-02"));
/// ```
pub fn results_notice(
    result: &DrawResult,
    outcomes: &[Outcome],
    format: Format,
    lang: Lang,
) -> String {
    results_notice_with(result, outcomes, &ResultsOptions::default(), format, lang)
}

/// [`results_notice`] with the plan's vocabulary, deadline rule and
/// `[notice]` table, and the reference date (`as_of`, the notice's date).
/// Every inspection row shows the date by which its result must be
/// public (inspection date + `due_working_days` working days).
///
/// ```
/// # use shuangsuiji::DrawResult;
/// # let json = std::fs::read_to_string(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// # )).unwrap();
/// # let result = DrawResult::from_json(&json).unwrap();
/// use shuangsuiji::model::Date;
/// use shuangsuiji_disclose::{Format, Lang, Outcome, ResultsOptions, results_notice_with};
/// let v = &result.visits[0];
/// let pending = [Outcome { uscc: v.uscc.clone(), item: v.items[0].clone(), outcome: None,
///     date: Date::new(2026, 10, 12).unwrap(), line: 0 }];
/// let opts = ResultsOptions { as_of: Date::new(2026, 10, 20).ok(), ..ResultsOptions::default() };
/// let md = results_notice_with(&result, &pending, &opts, Format::Markdown, Lang::Zh);
/// assert!(md.contains("2026-11-09")); // the date the result is due
/// ```
pub fn results_notice_with(
    result: &DrawResult,
    outcomes: &[Outcome],
    options: &ResultsOptions,
    format: Format,
    lang: Lang,
) -> String {
    let vocab = &options.vocabulary;
    let title = format!(
        "{}{}",
        result.plan.title,
        lang.t(" 抽查结果公示", " — inspection results")
    );
    let rows = rows(result, outcomes);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut pending = 0u64;
    for r in &rows {
        match r.outcome.and_then(|o| o.outcome.as_deref()) {
            Some(w) => *counts.entry(w).or_default() += 1,
            None => pending += 1,
        }
    }
    let due = |r: &Row| r.outcome.and_then(|o| options.due(o.date));
    // a due date in a year whose holidays are not confirmed
    let provisional = rows
        .iter()
        .filter_map(due)
        .any(|d| !options.calendar.confirmed(d.year()));
    if format == Format::Json {
        return crate::canonical(&ResultsJson {
            notice: "results",
            lang: lang.code(),
            title,
            algorithm: &result.algorithm,
            plan: &result.plan,
            draw_key: &result.draw_key,
            digests: &result.digests,
            summary: vocab
                .words()
                .map(|w| (vocab.code(w), counts.get(w).copied().unwrap_or(0)))
                .chain([("pending".to_string(), pending)])
                .collect(),
            due_working_days: options.due_working_days,
            as_of: options.as_of,
            document: Some(&options.notice).filter(|n| !n.table_is_empty()),
            inspections: rows
                .iter()
                .map(|r| InspectionJson {
                    uscc: r.uscc,
                    name: r.name,
                    region: r.region,
                    item: r.item,
                    item_name: r.item_name,
                    department: r.department,
                    date: r.outcome.map(|o| o.date),
                    due: due(r),
                    outcome: r
                        .outcome
                        .and_then(|o| o.outcome.as_deref())
                        .map(|w| vocab.code(w)),
                    outcome_label: r
                        .outcome
                        .and_then(|o| o.outcome.as_deref())
                        .map(|w| vocab.label(w, lang)),
                })
                .collect(),
            verify: VERIFY_JSON,
        });
    }

    let mut blocks = Vec::new();
    blocks.extend(document_number_block(&options.notice, lang));
    blocks.push(Block::Para(match lang {
        Lang::Zh => format!(
            "现将《{}》的抽查检查结果公示如下。抽查对象由公开的随机抽取确定（抽取密钥见下），可独立复核。",
            result.plan.title
        ),
        Lang::En => format!(
            "The results of the inspections of “{}”. The entities were chosen by the published random draw (draw key below), which anyone can verify.",
            result.plan.title
        ),
    }));
    blocks.push(Block::Heading(lang.t("一、基本信息", "1. Plan").into()));
    let mut fields = result_plan_fields(result, lang);
    fields.push((
        lang.t("抽取密钥", "Draw key").into(),
        Cell::mono(result.draw_key.as_str()),
    ));
    fields.push((
        lang.t("抽查计划摘要", "Plan digest").into(),
        Cell::mono(result.digests.plan.as_str()),
    ));
    blocks.push(Block::Fields(fields));

    blocks.push(Block::Heading(lang.t("二、结果汇总", "2. Summary").into()));
    let mut summary: Vec<Vec<Cell>> = vocab
        .words()
        .map(|w| {
            vec![
                Cell::text(vocab.label(w, lang)),
                Cell::text(counts.get(w).copied().unwrap_or(0).to_string()),
            ]
        })
        .collect();
    summary.push(vec![
        Cell::text(lang.t("尚未公示结果", "Result pending")),
        Cell::text(pending.to_string()),
    ]);
    summary.push(vec![
        Cell::text(lang.t("合计", "Total")),
        Cell::text(rows.len().to_string()),
    ]);
    blocks.push(Block::Table {
        headers: vec![
            lang.t("检查结果", "Outcome").into(),
            lang.t("户次", "Inspections").into(),
        ],
        rows: summary,
    });

    blocks.push(Block::Heading(
        lang.t("三、检查结果明细", "3. Results by inspection")
            .into(),
    ));
    blocks.push(Block::Table {
        headers: vec![
            lang.t("序号", "No.").into(),
            lang.t("检查对象", "Entity").into(),
            lang.t(
                crate::draw_notice::scheme_of(result).label_zh(),
                crate::draw_notice::scheme_of(result).header_en(),
            )
            .into(),
            lang.t("区域", "Region").into(),
            lang.t("检查事项", "Item").into(),
            lang.t("抽查主体", "Department").into(),
            lang.t("检查日期", "Date").into(),
            lang.t("应公示日期", "Publish by").into(),
            lang.t("检查结果", "Outcome").into(),
        ],
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    Cell::text((i + 1).to_string()),
                    Cell::text(r.name),
                    Cell::text(r.uscc),
                    Cell::text(r.region),
                    Cell::text(if r.item_name.is_empty() {
                        r.item.to_string()
                    } else {
                        format!("{} {}", r.item, r.item_name)
                    }),
                    Cell::text(if r.department.is_empty() {
                        "—"
                    } else {
                        r.department
                    }),
                    Cell::text(r.outcome.map_or("—".to_string(), |o| o.date.to_string())),
                    Cell::text(due(r).map_or("—".to_string(), |d| d.to_string())),
                    Cell::text(
                        r.outcome
                            .and_then(|o| o.outcome.as_deref())
                            .map_or(lang.t("尚未公示结果", "Result pending"), |w| {
                                vocab.label(w, lang)
                            }),
                    ),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Para(match lang {
        Lang::Zh => format!(
            "应公示日期：检查日期后第 {} 个工作日（按国务院公布的节假日和调休安排计算）{}。",
            options.due_working_days,
            if provisional {
                "；部分年份的节假日安排尚未确认，相关日期待确认"
            } else {
                ""
            }
        ),
        Lang::En => format!(
            "Publish by: the {}th working day after the inspection (with the public holidays and make-up working days the State Council announces){}.",
            options.due_working_days,
            if provisional {
                "; the holiday arrangement of some years is not yet confirmed, so those dates are provisional"
            } else {
                ""
            }
        ),
    }));
    blocks.extend(verify_blocks(lang));
    blocks.extend(supervision_blocks(
        &options.notice,
        &result.plan.authority,
        lang,
    ));
    blocks.push(signature_block(
        &options.notice,
        &result.plan.authority,
        options.as_of,
        lang,
    ));
    crate::render::render(
        &Doc {
            lang,
            title,
            blocks,
        },
        format,
    )
}

#[derive(Serialize)]
struct ResultsJson<'a> {
    notice: &'static str,
    lang: &'static str,
    title: String,
    algorithm: &'a str,
    plan: &'a PlanInfo,
    draw_key: &'a str,
    digests: &'a InputDigests,
    summary: BTreeMap<String, u64>,
    due_working_days: u32,
    as_of: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<&'a NoticeInfo>,
    inspections: Vec<InspectionJson<'a>>,
    verify: VerifyJson,
}

#[derive(Serialize)]
struct InspectionJson<'a> {
    uscc: &'a str,
    name: &'a str,
    region: &'a str,
    item: &'a str,
    item_name: &'a str,
    department: &'a str,
    date: Option<Date>,
    due: Option<Date>,
    outcome: Option<String>,
    outcome_label: Option<&'a str>,
}
