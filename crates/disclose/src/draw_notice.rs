//! 抽查任务公告: the draw notice.

use shuangsuiji::model::IdScheme;
use std::collections::BTreeMap;

use shuangsuiji::DrawResult;
use shuangsuiji::draw::{TaskResult, Visit, Visits};
use shuangsuiji::model::NoticeInfo;

use crate::common::{
    VERIFY_JSON, digests_table, document_number_block, exclusion_label, percent,
    result_plan_fields, rules_text, sep, signature_block, supervision_blocks, task_number_text,
    verify_blocks,
};
use crate::render::{Block, Cell, Doc, LazyTable};
use crate::{Format, Lang};

/// The draw notice (抽查任务公告), written by `ssj draw` next to
/// `result.json`: plan, algorithm and engine version, seed text and its
/// announced source, draw key, every input digest, the rules; per task the
/// allocation table (stratum, base N_h, drawn n_h, ratio, inclusion
/// probability) and why entities were not eligible; every inspection visit
/// (entity name, USCC, region, items, stratum, rank and ticket, officers per
/// department); and the exact verify command with a pointer to SPEC.md.
///
/// The JSON format embeds the whole result (so it can be verified) with
/// the notice's title and the verify command.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji_disclose::{Format, Lang, draw_notice};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let html = draw_notice(&result, Format::Html, Lang::Zh);
/// assert!(html.contains(&result.draw_key));
/// assert!(html.contains(&result.visits[0].name));
/// assert!(html.contains("SPEC.md"));
/// ```
pub fn draw_notice(result: &DrawResult, format: Format, lang: Lang) -> String {
    draw_notice_for(result, &NoticeInfo::default(), format, lang)
}

/// [`draw_notice`] with the plan's `[notice]` table: the document number
/// (文号) under the title, the complaint channel and contact in the
/// supervision section, the issuing authority in the closing lines.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::model::NoticeInfo;
/// use shuangsuiji_disclose::{Format, Lang, draw_notice_for};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let notice = NoticeInfo {
///     document_number: Some("右林发〔2026〕15号".into()),
///     complaint_channel: Some("监督电话 0349-0000000".into()),
///     ..NoticeInfo::default()
/// };
/// let md = draw_notice_for(&result, &notice, Format::Markdown, Lang::Zh);
/// assert!(md.contains("右林发〔2026〕15号"));
/// assert!(md.contains("监督电话 0349-0000000"));
/// assert!(md.contains("python3 ssj\\_verify.py ."));
/// ```
pub fn draw_notice_for(
    result: &DrawResult,
    notice: &NoticeInfo,
    format: Format,
    lang: Lang,
) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail, and every renderer writes UTF-8
    let _ = write_draw_notice_with(
        result,
        Visits::Held(&result.visits),
        notice,
        format,
        lang,
        &mut out,
    );
    String::from_utf8(out).unwrap_or_default()
}

/// [`draw_notice`], written to `w` as it is rendered: the visit list (one
/// row per visit, hundreds of thousands for a province) is never held
/// whole in HTML and Markdown. The bytes are those of [`draw_notice`].
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji_disclose::{Format, Lang, draw_notice, write_draw_notice};
/// let json = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let result = DrawResult::from_json(&json).unwrap();
/// let mut out = Vec::new();
/// write_draw_notice(&result, Format::Markdown, Lang::En, &mut out).unwrap();
/// assert_eq!(out, draw_notice(&result, Format::Markdown, Lang::En).into_bytes());
/// ```
pub fn write_draw_notice(
    result: &DrawResult,
    format: Format,
    lang: Lang,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write_draw_notice_with(
        result,
        Visits::Held(&result.visits),
        &NoticeInfo::default(),
        format,
        lang,
        w,
    )
}

/// [`write_draw_notice`] of `result` with `visits` in place of its own
/// (which are not read): the notice of a [`shuangsuiji::draw::StreamedDraw`],
/// whose visits are kept compact and built one row at a time, in every
/// format. The bytes are those of [`write_draw_notice`] of the whole
/// result.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::LoadOptions;
/// use shuangsuiji::draw::draw_streaming;
/// use shuangsuiji_disclose::{Format, Lang, draw_notice, write_draw_notice_with};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// };
/// let d = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None,
///     LoadOptions::default()).unwrap();
/// for format in [Format::Html, Format::Markdown, Format::Json] {
///     let mut out = Vec::new();
///     write_draw_notice_with(&d.head, d.visits(), &Default::default(), format, Lang::Zh,
///         &mut out).unwrap();
///     let whole = d.clone().into_result();
///     assert_eq!(out, draw_notice(&whole, format, Lang::Zh).into_bytes());
/// }
/// ```
pub fn write_draw_notice_with(
    result: &DrawResult,
    visits: Visits<'_>,
    notice: &NoticeInfo,
    format: Format,
    lang: Lang,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let title = format!(
        "{}{}",
        result.plan.title,
        lang.t(" 抽查任务公告", " — draw notice")
    );
    if format == Format::Json {
        // the canonical JSON of {lang, notice, result, rules_text, title,
        // verify} (keys in bytewise order), the result written visit by
        // visit
        use shuangsuiji::commit::digest::canonical_json as cj;
        w.write_all(b"{")?;
        if !notice.table_is_empty() {
            // the plan's [notice] table, only when it has one
            write!(w, "\"document\":{},", cj(notice))?;
        }
        write!(
            w,
            "\"lang\":{},\"notice\":{},\"result\":",
            cj(&lang.code()),
            cj(&"draw")
        )?;
        result.write_canonical_json_with(visits, w)?;
        return write!(
            w,
            ",\"rules_text\":{},\"title\":{},\"verify\":{}}}",
            cj(&rules_text(&result.rules, lang)),
            cj(&title),
            cj(&VERIFY_JSON)
        );
    }
    let names = item_names(result);
    let mut blocks = Vec::new();
    blocks.extend(document_number_block(notice, lang));
    blocks.push(Block::Para(match lang {
        Lang::Zh => format!(
            "根据《{}》，使用事前公开的输入文件和公开产生的随机种子，抽取结果如下。抽取结果可由任何人独立复核（见文末）。",
            result.plan.title
        ),
        Lang::En => format!(
            "The draw of “{}”, made from the inputs published before the draw and the publicly generated seed. Anyone can verify it independently (see the end of this notice).",
            result.plan.title
        ),
    }));

    blocks.push(Block::Heading(lang.t("一、基本信息", "1. Plan").into()));
    let mut fields = result_plan_fields(result, lang);
    fields.push((
        lang.t("引擎版本", "Engine version").into(),
        Cell::mono(result.engine_version.as_str()),
    ));
    fields.push((
        lang.t("检查对象", "Inspections").into(),
        Cell::text(match lang {
            Lang::Zh => format!(
                "{} {}（{} 项事项检查）",
                visits.len(),
                if scheme_of(result) == IdScheme::Uscc {
                    "户次"
                } else {
                    "个"
                },
                visits.item_inspections()
            ),
            Lang::En => format!(
                "{} visits ({} item inspections)",
                visits.len(),
                visits.item_inspections()
            ),
        }),
    ));
    blocks.push(Block::Fields(fields));

    blocks.push(Block::Heading(lang.t("二、随机种子", "2. Seed").into()));
    blocks.push(Block::Fields(vec![
        (
            lang.t("种子来源", "Announced source").into(),
            Cell::text(result.seed.source.as_str()),
        ),
        (
            lang.t("种子（原文）", "Seed as given").into(),
            Cell::mono(result.seed.text.as_str()),
        ),
        (
            lang.t("种子（规范化）", "Normalised seed").into(),
            Cell::mono(result.seed.normalized.as_str()),
        ),
        (
            lang.t("抽取密钥", "Draw key").into(),
            Cell::mono(result.draw_key.as_str()),
        ),
    ]));
    blocks.extend(crate::common::drawn_sources_blocks(result, lang));

    blocks.push(Block::Heading(
        lang.t("三、输入文件摘要", "3. Input digests").into(),
    ));
    blocks.push(Block::Para(
        lang.t(
            "以下摘要应与事前公开公告中的摘要一致。",
            "These digests must equal those of the pre-draw notice.",
        )
        .into(),
    ));
    blocks.push(digests_table(&result.digests, lang));

    blocks.push(Block::Heading(lang.t("四、抽查规则", "4. Rules").into()));
    blocks.push(Block::List(rules_text(&result.rules, lang)));

    blocks.push(Block::Heading(
        lang.t("五、抽查任务与分层分配", "5. Tasks and allocation")
            .into(),
    ));
    blocks.push(region_chart(result, lang));
    for t in &result.tasks {
        let number = notice
            .task_numbers
            .get(t.index as usize - 1)
            .and_then(Option::as_ref);
        task_blocks(t, number, lang, &mut blocks);
    }

    blocks.push(Block::Heading(
        lang.t(
            "六、抽查对象及检查人员",
            "6. Entities drawn and inspection teams",
        )
        .into(),
    ));
    let at = blocks.len();
    blocks.push(Block::Para(
        lang.t(
            "各对象的抽中签号见附表。",
            "The tickets of the entities drawn are in the appendix.",
        )
        .into(),
    ));
    blocks.extend(verify_blocks(lang));
    blocks.extend(supervision_blocks(notice, &result.plan.authority, lang));
    blocks.push(signature_block(
        notice,
        &result.plan.authority,
        Some(result.plan.date),
        lang,
    ));
    let appendix_at = blocks.len();
    // the visits are lent, one after the other ([`Visits::lend`]); the
    // visit table prints no ticket, so its visits are built without them
    let mut rows = visits.lend_without_tickets(|i, v| visit_row(i, v, &names, lang));
    let mut tickets = visits.lend(|i, v| ticket_rows(i, v, lang)).flatten();
    crate::render::render_to(
        &Doc {
            lang,
            title,
            blocks,
        },
        format,
        vec![
            LazyTable {
                at,
                heading: None,
                headers: visit_headers(scheme_of(result), lang),
                rows: &mut rows,
            },
            LazyTable {
                at: appendix_at,
                heading: Some(
                    lang.t(
                        "附表：抽中签号（按 SPEC.md 第 4 节可独立计算）",
                        "Appendix: tickets of the entities drawn (anyone can compute them, SPEC.md section 4)",
                    )
                    .into(),
                ),
                headers: ticket_headers(scheme_of(result), lang),
                rows: &mut tickets,
            },
        ],
        w,
    )
}

/// Item id → name, from the tasks of the result.
fn item_names(result: &DrawResult) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for t in &result.tasks {
        for (id, name) in t.items.iter().zip(&t.names) {
            if !name.is_empty() {
                m.insert(id.clone(), name.clone());
            }
        }
    }
    m
}

/// "YYLY-01 占用征收林地情况检查", or the id alone when no name is known.
pub(crate) fn item_label(id: &str, names: &BTreeMap<String, String>) -> String {
    match names.get(id) {
        Some(n) => format!("{id} {n}"),
        None => id.to_string(),
    }
}

/// Eligible and drawn per region, summed over the tasks (an entity
/// eligible for two tasks counts twice), as a chart.
fn region_chart(result: &DrawResult, lang: Lang) -> Block {
    let mut by: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for t in &result.tasks {
        for a in &t.allocation {
            let e = by.entry(a.region.as_str()).or_default();
            e.0 += a.base;
            e.1 += a.drawn;
        }
    }
    Block::Chart {
        title: lang
            .t(
                "各区域符合条件与抽中的对象数（各任务合计）",
                "Eligible and drawn entities per region (summed over the tasks)",
            )
            .into(),
        headers: [
            lang.t("区域", "Region").into(),
            lang.t("符合条件", "Eligible").into(),
            lang.t("抽中", "Drawn").into(),
        ],
        rows: by
            .into_iter()
            .map(|(r, (a, b))| {
                (
                    if r == "*" {
                        lang.t("全部", "all").to_string()
                    } else {
                        r.to_string()
                    },
                    a,
                    b,
                )
            })
            .collect(),
    }
}

/// The id scheme of the result's registry (SPEC.md §1.8): `uscc` unless
/// the plan declared another.
pub(crate) fn scheme_of(result: &DrawResult) -> IdScheme {
    result
        .plan
        .registry
        .as_ref()
        .map_or(IdScheme::Uscc, |r| r.scheme)
}

fn ticket_headers(scheme: IdScheme, lang: Lang) -> Vec<String> {
    vec![
        lang.t("序号", "No.").into(),
        lang.t(scheme.label_zh(), scheme.header_en()).into(),
        lang.t("任务", "Task").into(),
        lang.t("分层", "Stratum").into(),
        lang.t("名次", "Rank").into(),
        lang.t("签号", "Ticket").into(),
    ]
}

/// One appendix row per selection of visit `i` (0-based).
fn ticket_rows(i: usize, v: &Visit, _lang: Lang) -> Vec<Vec<Cell>> {
    v.selections
        .iter()
        .map(|s| {
            vec![
                Cell::text((i + 1).to_string()),
                Cell::text(v.uscc.as_str()),
                Cell::text(s.task.as_str()),
                Cell::text(s.stratum.as_str()),
                Cell::text(s.rank.to_string()),
                Cell::mono(s.ticket.as_str()),
            ]
        })
        .collect()
}

/// The exclusion reasons in the order they are tested (SPEC.md §5).
const EXCLUSION_ORDER: [&str; 7] = [
    "status",
    "object_type",
    "filter",
    "drawn",
    "cool_down",
    "year_cap",
    "taken",
];

fn task_blocks(
    t: &TaskResult,
    number: Option<&shuangsuiji::model::TaskNumberNote>,
    lang: Lang,
    blocks: &mut Vec<Block>,
) {
    blocks.push(Block::SubHeading(match lang {
        Lang::Zh => format!("任务 {}：{}", t.index, task_items(t)),
        Lang::En => format!("Task {}: {}", t.index, task_items(t)),
    }));
    let kind = match (t.items.len() > 1, t.directed) {
        (true, true) => lang.t("联合抽查，定向", "joint inspection, directed"),
        (true, false) => lang.t("联合抽查，不定向", "joint inspection, undirected"),
        (false, true) => lang.t("单项抽查，定向", "single item, directed"),
        (false, false) => lang.t("单项抽查，不定向", "single item, undirected"),
    };
    let ex = &t.exclusions;
    // reasons in the order SPEC.md §5 applies them, unknown ones after
    let mut reasons: Vec<(&String, &u64)> = ex.excluded.iter().collect();
    reasons.sort_by_key(|(r, _)| {
        EXCLUSION_ORDER
            .iter()
            .position(|o| *o == r.as_str())
            .unwrap_or(usize::MAX)
    });
    let excluded: Vec<String> = reasons
        .into_iter()
        .map(|(reason, n)| format!("{} {n}", exclusion_label(reason, lang)))
        .collect();
    let drawn: u64 = t.allocation.iter().map(|a| a.drawn).sum();
    blocks.push(Block::Fields(vec![
        (lang.t("类型", "Kind").into(), Cell::text(kind)),
        (
            lang.t("名录库对象数", "Entities in registry").into(),
            Cell::text(ex.registry.to_string()),
        ),
        (
            lang.t("符合条件对象数", "Eligible entities").into(),
            Cell::text(ex.eligible.to_string()),
        ),
        (
            lang.t("不符合条件", "Not eligible").into(),
            Cell::text(if excluded.is_empty() {
                "—".to_string()
            } else {
                excluded.join(sep(lang))
            }),
        ),
        (
            lang.t("抽查户数", "Number drawn").into(),
            Cell::text(if drawn == t.total {
                t.total.to_string()
            } else {
                format!("{drawn} / {}", t.total)
            }),
        ),
        (
            lang.t("任务密钥", "Task key").into(),
            Cell::mono(t.task_key.as_str()),
        ),
    ]));
    // only for a task whose number is not its item's plain ratio, and for a
    // batch: the notices of other draws keep their bytes
    let mut more = Vec::new();
    if let Some(n) = number {
        more.push((
            lang.t("本任务抽查比例（数量）", "This task's number")
                .into(),
            Cell::text(task_number_text(n, lang)),
        ));
    }
    if let Some(b) = &t.batch {
        more.push((
            lang.t("全年分批", "Year in batches").into(),
            Cell::text(match lang {
                Lang::Zh => format!(
                    "全年目标 {} 户；本批完成后累计 {} 户；本年度前序批次已抽 {} 户（不再抽取）；本批抽取 {} 户",
                    b.year, b.through, b.earlier, t.total
                ),
                Lang::En => format!(
                    "the year's target {}; {} by the end of this batch; earlier batches this year drew {} (not drawn again); this batch draws {}",
                    b.year, b.through, b.earlier, t.total
                ),
            }),
        ));
    }
    if !more.is_empty() {
        blocks.push(Block::Fields(more));
    }
    // the group column only when the task has per-group ratios (SPEC.md
    // §6.1): other notices keep their bytes
    let grouped = t.allocation.iter().any(|a| a.group.is_some());
    let mut headers: Vec<String> = vec![
        lang.t("分层", "Stratum").into(),
        lang.t("区域", "Region").into(),
        lang.t("信用风险分类", "Credit class").into(),
    ];
    if grouped {
        headers.push(lang.t("分组", "Group").into());
    }
    headers.extend([
        lang.t("基数 N_h", "Base N_h").into(),
        lang.t("抽取数 n_h", "Drawn n_h").into(),
        lang.t("抽查比例", "Ratio").into(),
        lang.t("入选概率 n_h/N_h", "Inclusion probability n_h/N_h")
            .into(),
    ]);
    blocks.push(Block::Table {
        headers,
        rows: t
            .allocation
            .iter()
            .map(|a| {
                let mut row = vec![
                    Cell::text(a.stratum.as_str()),
                    Cell::text(if a.region == "*" {
                        lang.t("全部", "all").to_string()
                    } else {
                        a.region.clone()
                    }),
                    Cell::text(a.class.clone().unwrap_or_else(|| "—".to_string())),
                ];
                if grouped {
                    row.push(Cell::text(
                        a.group.clone().unwrap_or_else(|| "—".to_string()),
                    ));
                }
                row.extend([
                    Cell::text(a.base.to_string()),
                    Cell::text(a.drawn.to_string()),
                    Cell::text(percent(&a.ratio)),
                    Cell::text(format!("{} ({}‰)", a.probability, a.per_mille)),
                ]);
                row
            })
            .collect(),
    });
}

fn visit_headers(scheme: IdScheme, lang: Lang) -> Vec<String> {
    vec![
        lang.t("序号", "No.").into(),
        lang.t("检查对象", "Entity").into(),
        lang.t(scheme.label_zh(), scheme.header_en()).into(),
        lang.t("区域", "Region").into(),
        lang.t("检查事项", "Items").into(),
        lang.t("抽中分层与名次", "Stratum and rank").into(),
        lang.t("检查人员", "Officers").into(),
    ]
}

/// The row of visit `i` (0-based) of the visit list.
fn visit_row(i: usize, v: &Visit, names: &BTreeMap<String, String>, lang: Lang) -> Vec<Cell> {
    let ranks = v
        .selections
        .iter()
        .map(|s| match lang {
            Lang::Zh => format!("{}：{} 第 {} 位", s.task, s.stratum, s.rank),
            Lang::En => format!("{}: {} #{}", s.task, s.stratum, s.rank),
        })
        .collect();
    let teams = v
        .teams
        .iter()
        .map(|t| {
            let officers: Vec<String> = t
                .officers
                .iter()
                .map(|o| match lang {
                    Lang::Zh => format!("{}（{}）", o.name, o.cert_no),
                    Lang::En => format!("{} ({})", o.name, o.cert_no),
                })
                .collect();
            match lang {
                Lang::Zh => format!(
                    "{}·{}（{}）：{}",
                    t.department,
                    t.category,
                    t.items
                        .iter()
                        .map(|id| item_label(id, names))
                        .collect::<Vec<_>>()
                        .join("、"),
                    officers.join("、")
                ),
                Lang::En => format!(
                    "{} · {} ({}): {}",
                    t.department,
                    t.category,
                    t.items
                        .iter()
                        .map(|id| item_label(id, names))
                        .collect::<Vec<_>>()
                        .join(", "),
                    officers.join(", ")
                ),
            }
        })
        .collect();
    vec![
        Cell::text((i + 1).to_string()),
        Cell::text(v.name.as_str()),
        Cell::text(v.uscc.as_str()),
        Cell::text(v.region.as_str()),
        Cell::lines(v.items.iter().map(|id| item_label(id, names)).collect()),
        Cell::lines(ranks),
        Cell::lines(teams),
    ]
}

/// "YYLY-01 占用征收林地情况检查 + …": each item id with its name.
fn task_items(t: &shuangsuiji::draw::TaskResult) -> String {
    t.items
        .iter()
        .zip(t.names.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(id, name)| match name {
            Some(n) if !n.is_empty() => format!("{id} {n}"),
            _ => id.clone(),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}
