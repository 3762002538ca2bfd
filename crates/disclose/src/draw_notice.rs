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
    // each row is made in the cells of the row before ([`Cell::refill`]):
    // the lent visit fills the cells it is handed through `spare`
    let spare: std::cell::Cell<Vec<Cell>> = Default::default();
    let mut lent = visits.lend_without_tickets(|i, v| {
        let mut row = spare.take();
        visit_row_into(&mut row, i, v, &names, lang);
        row
    });
    let mut rows = |row: &mut Vec<Cell>| {
        spare.set(std::mem::take(row));
        lent.next().map(|r| *row = r).is_some()
    };
    // a visit's ticket rows, one per selection, are made together and
    // handed out one at a time
    let spare_tickets: std::cell::Cell<Vec<Vec<Cell>>> = Default::default();
    let mut lent_tickets = visits.lend(|i, v| {
        let mut rows = spare_tickets.take();
        ticket_rows_into(&mut rows, i, v);
        rows
    });
    let (mut pending, mut next) = (Vec::new(), 0);
    let mut tickets = |row: &mut Vec<Cell>| loop {
        if let Some(r) = pending.get_mut(next) {
            std::mem::swap(row, r);
            next += 1;
            return true;
        }
        spare_tickets.set(std::mem::take(&mut pending));
        match lent_tickets.next() {
            Some(rows) => (pending, next) = (rows, 0),
            None => return false,
        }
    };
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

/// "YYLY-01 占用征收林地情况检查", or the id alone when no name is known,
/// written at the end of `out`.
fn push_item_label(out: &mut String, id: &str, names: &BTreeMap<String, String>) {
    out.push_str(id);
    if let Some(n) = names.get(id) {
        out.push(' ');
        out.push_str(n);
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

/// The rows of visit `i` (0-based) in the appendix of tickets, one per
/// selection, made in the cells of `rows`.
fn ticket_rows_into(rows: &mut Vec<Vec<Cell>>, i: usize, v: &Visit) {
    use std::fmt::Write as _;
    rows.resize_with(v.selections.len(), Vec::new);
    for (row, s) in rows.iter_mut().zip(&v.selections) {
        row.resize_with(6, Cell::default);
        let [number, uscc, task, stratum, rank, ticket] = &mut row[..] else {
            unreachable!("six cells")
        };
        let _ = write!(number.refill(false).line(), "{}", i + 1);
        uscc.refill(false).line().push_str(&v.uscc);
        task.refill(false).line().push_str(&s.task);
        stratum.refill(false).line().push_str(&s.stratum);
        let _ = write!(rank.refill(false).line(), "{}", s.rank);
        ticket.refill(true).line().push_str(&s.ticket);
    }
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

/// The row of visit `i` (0-based) of the visit list, made in the cells of
/// `row`.
fn visit_row_into(
    row: &mut Vec<Cell>,
    i: usize,
    v: &Visit,
    names: &BTreeMap<String, String>,
    lang: Lang,
) {
    use std::fmt::Write as _;
    row.resize_with(7, Cell::default);
    let [number, name, uscc, region, items, ranks, teams] = &mut row[..] else {
        unreachable!("seven cells")
    };
    let _ = write!(number.refill(false).line(), "{}", i + 1);
    name.refill(false).line().push_str(&v.name);
    uscc.refill(false).line().push_str(&v.uscc);
    region.refill(false).line().push_str(&v.region);
    let mut lines = items.refill(false);
    for id in &v.items {
        push_item_label(lines.line(), id, names);
    }
    let mut lines = ranks.refill(false);
    for s in &v.selections {
        let _ = match lang {
            Lang::Zh => write!(lines.line(), "{}：{} 第 {} 位", s.task, s.stratum, s.rank),
            Lang::En => write!(lines.line(), "{}: {} #{}", s.task, s.stratum, s.rank),
        };
    }
    let (open, close, sep) = match lang {
        Lang::Zh => ("（", "）", "、"),
        Lang::En => (" (", ")", ", "),
    };
    let mut lines = teams.refill(false);
    for t in &v.teams {
        let l = lines.line();
        l.push_str(&t.department);
        l.push_str(lang.t("·", " · "));
        l.push_str(&t.category);
        l.push_str(open);
        for (k, id) in t.items.iter().enumerate() {
            if k > 0 {
                l.push_str(sep);
            }
            push_item_label(l, id, names);
        }
        l.push_str(close);
        l.push_str(lang.t("：", ": "));
        for (k, o) in t.officers.iter().enumerate() {
            if k > 0 {
                l.push_str(sep);
            }
            l.push_str(&o.name);
            l.push_str(open);
            l.push_str(&o.cert_no);
            l.push_str(close);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use shuangsuiji::draw::{Selection, Team, TeamMember};

    /// A visit with `n` items, selections and teams (of `n` officers).
    fn visit(n: usize) -> Visit {
        let items: Vec<String> = (0..n).map(|k| format!("I-{k}")).collect();
        Visit {
            uscc: format!("9111000000000000{n}X"),
            name: format!("名称{n}"),
            region: "元堡子镇".to_string(),
            credit_class: None,
            items: items.clone(),
            selections: (0..n)
                .map(|k| Selection {
                    task: format!("T{k}"),
                    stratum: format!("元堡子镇/C{k}"),
                    rank: k as u64 + 1,
                    ticket: format!("{k:064x}"),
                })
                .collect(),
            teams: (0..n)
                .map(|k| Team {
                    department: "局".to_string(),
                    category: format!("类{k}"),
                    items: items[..=k].to_vec(),
                    officers: (0..n)
                        .map(|o| TeamMember {
                            cert_no: format!("C{o}"),
                            name: format!("官{o}"),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// A row made in the cells of the rows before is the row made in new
    /// cells, whether the visit before had more lines, fewer or none; and
    /// its texts are those the notice has always written.
    #[test]
    fn rows_made_in_reused_cells_are_rows_made_anew() {
        let names: BTreeMap<String, String> =
            [("I-1".to_string(), "占用征收林地情况检查".to_string())].into();
        for lang in [Lang::Zh, Lang::En] {
            let (mut row, mut tickets) = (Vec::new(), Vec::new());
            for (i, n) in [3, 1, 0, 2, 3, 0, 1].into_iter().enumerate() {
                let v = visit(n);
                visit_row_into(&mut row, i, &v, &names, lang);
                let mut fresh = Vec::new();
                visit_row_into(&mut fresh, i, &v, &names, lang);
                assert_eq!(row, fresh, "{lang} visit {i}");
                ticket_rows_into(&mut tickets, i, &v);
                let mut fresh = Vec::new();
                ticket_rows_into(&mut fresh, i, &v);
                assert_eq!(tickets, fresh, "{lang} visit {i}");
                assert_eq!(tickets.len(), n);
            }
        }
        let mut row = vec![Cell::lines(vec!["旧".to_string(); 5]); 9];
        visit_row_into(&mut row, 1, &visit(2), &names, Lang::Zh);
        let lines: Vec<&[String]> = row.iter().map(|c| c.lines.as_slice()).collect();
        assert_eq!(
            lines,
            [
                &["2".to_string()][..],
                &["名称2".to_string()],
                &["91110000000000002X".to_string()],
                &["元堡子镇".to_string()],
                &["I-0".to_string(), "I-1 占用征收林地情况检查".to_string()],
                &[
                    "T0：元堡子镇/C0 第 1 位".to_string(),
                    "T1：元堡子镇/C1 第 2 位".to_string()
                ],
                &[
                    "局·类0（I-0）：官0（C0）、官1（C1）".to_string(),
                    "局·类1（I-0、I-1 占用征收林地情况检查）：官0（C0）、官1（C1）".to_string()
                ],
            ]
        );
        visit_row_into(&mut row, 1, &visit(1), &names, Lang::En);
        assert_eq!(row[6].lines, ["局 · 类0 (I-0): 官0 (C0)"]);
        let mut tickets = vec![vec![Cell::mono("旧"); 8]; 4];
        ticket_rows_into(&mut tickets, 6, &visit(2));
        assert_eq!(tickets.len(), 2);
        assert_eq!(
            tickets[1],
            [
                Cell::text("7"),
                Cell::text("91110000000000002X"),
                Cell::text("T1"),
                Cell::text("元堡子镇/C1"),
                Cell::text("2"),
                Cell::mono(format!("{:064x}", 1)),
            ]
        );
    }
}
