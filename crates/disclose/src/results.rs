//! 抽查结果公示: the results notice.

use std::collections::BTreeMap;

use serde::Serialize;
use shuangsuiji::draw::PlanInfo;
use shuangsuiji::model::Date;
use shuangsuiji::{DrawResult, InputDigests};

use crate::common::{VERIFY_JSON, VerifyJson, result_plan_fields, verify_blocks};
use crate::outcomes::index;
use crate::render::{Block, Cell, Doc};
use crate::{Format, Lang, Outcome, OutcomeKind};

/// One row of the results notice: one item inspected on one visit.
struct Row<'a> {
    uscc: &'a str,
    name: &'a str,
    region: &'a str,
    item: &'a str,
    department: &'a str,
    outcome: Option<&'a Outcome>,
}

fn rows<'a>(result: &'a DrawResult, outcomes: &'a [Outcome]) -> Vec<Row<'a>> {
    let by_key = index(outcomes);
    let mut rows = Vec::new();
    for v in &result.visits {
        for item in &v.items {
            let department = v
                .teams
                .iter()
                .find(|t| t.items.contains(item))
                .map_or("", |t| t.department.as_str());
            rows.push(Row {
                uscc: &v.uscc,
                name: &v.name,
                region: &v.region,
                item,
                department,
                outcome: by_key.get(&(v.uscc.as_str(), item.as_str())).copied(),
            });
        }
    }
    rows
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
///     kind: OutcomeKind::Corrected,
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
    let title = format!(
        "{}{}",
        result.plan.title,
        lang.t(" 抽查结果公示", " — inspection results")
    );
    let rows = rows(result, outcomes);
    let mut counts: BTreeMap<OutcomeKind, u64> = BTreeMap::new();
    let mut pending = 0u64;
    for r in &rows {
        match r.outcome {
            Some(o) => *counts.entry(o.kind).or_default() += 1,
            None => pending += 1,
        }
    }
    if format == Format::Json {
        return crate::canonical(&ResultsJson {
            notice: "results",
            lang: lang.code(),
            title,
            algorithm: &result.algorithm,
            plan: &result.plan,
            draw_key: &result.draw_key,
            digests: &result.digests,
            summary: OutcomeKind::ALL
                .iter()
                .map(|k| (k.code(), counts.get(k).copied().unwrap_or(0)))
                .chain([("pending", pending)])
                .collect(),
            inspections: rows
                .iter()
                .map(|r| InspectionJson {
                    uscc: r.uscc,
                    name: r.name,
                    region: r.region,
                    item: r.item,
                    department: r.department,
                    date: r.outcome.map(|o| o.date),
                    outcome: r.outcome.map(|o| o.kind),
                    outcome_label: r.outcome.map(|o| o.kind.label(lang)),
                })
                .collect(),
            verify: VERIFY_JSON,
        });
    }

    let mut blocks = Vec::new();
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
    let mut summary: Vec<Vec<Cell>> = OutcomeKind::ALL
        .iter()
        .map(|k| {
            vec![
                Cell::text(k.label(lang)),
                Cell::text(counts.get(k).copied().unwrap_or(0).to_string()),
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
            lang.t("统一社会信用代码", "USCC").into(),
            lang.t("区域", "Region").into(),
            lang.t("检查事项", "Item").into(),
            lang.t("抽查主体", "Department").into(),
            lang.t("检查日期", "Date").into(),
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
                    Cell::text(r.item),
                    Cell::text(if r.department.is_empty() {
                        "—"
                    } else {
                        r.department
                    }),
                    Cell::text(r.outcome.map_or("—".to_string(), |o| o.date.to_string())),
                    Cell::text(
                        r.outcome
                            .map_or(lang.t("尚未公示结果", "Result pending"), |o| {
                                o.kind.label(lang)
                            }),
                    ),
                ]
            })
            .collect(),
    });
    blocks.extend(verify_blocks(lang));
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
    summary: BTreeMap<&'static str, u64>,
    inspections: Vec<InspectionJson<'a>>,
    verify: VerifyJson,
}

#[derive(Serialize)]
struct InspectionJson<'a> {
    uscc: &'a str,
    name: &'a str,
    region: &'a str,
    item: &'a str,
    department: &'a str,
    date: Option<Date>,
    outcome: Option<OutcomeKind>,
    outcome_label: Option<&'static str>,
}
