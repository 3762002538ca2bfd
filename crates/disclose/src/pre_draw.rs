//! 事前公开: the pre-draw notice.

use serde::Serialize;
use shuangsuiji::model::{Date, Item, ItemLevel, Rules, Task};
use shuangsuiji::{Dataset, InputDigests};

use crate::common::{
    PlanMeta, VERIFY_JSON, VerifyJson, digests_table, document_number_block, filter_text,
    rules_text, sep, signature_block, supervision_blocks, task_number_text, verify_blocks,
};
use crate::render::{Block, Cell, Doc};
use crate::{Format, Lang};

/// The pre-draw notice (事前公开), published by `ssj commit` before the seed
/// exists: the plan, the rules in plain words, the tasks, the item list
/// with the fields the rules require (抽查主体, 依据, 对象, 内容, 比例, 方式,
/// 频次), the officer roster as published (证件编号, 姓名, 单位, 职务,
/// 执法类别, 执法区域, and whether the officer can take part on the plan
/// date), every input digest, the algorithm version, the announced seed
/// source, and how anyone can verify the draw afterwards.
///
/// Not published: history, conflict pairs and their reasons, certificate
/// expiry dates, and any data of the entities beyond their number and
/// digest.
///
/// `algorithm` is the algorithm version the draw will use
/// ([`shuangsuiji::ALGORITHM`]).
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::{ALGORITHM, Dataset};
/// use shuangsuiji_disclose::{Format, Lang, pre_draw_notice};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let ds = Dataset::load("plan.toml", &text, |name| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// }).unwrap();
/// let md = pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::En);
/// assert!(md.contains(&ds.plan().seed_source));
/// assert!(md.contains("ssj-draw-v1"));
/// let json = pre_draw_notice(&ds, ALGORITHM, Format::Json, Lang::Zh);
/// let v: serde_json::Value = serde_json::from_str(&json).unwrap();
/// assert_eq!(v["digests"]["plan"], ds.digests().plan.as_str());
/// ```
pub fn pre_draw_notice(ds: &Dataset, algorithm: &str, format: Format, lang: Lang) -> String {
    let title = format!(
        "{}{}",
        ds.plan().title,
        lang.t(" 事前公开", " — pre-draw notice")
    );
    if format == Format::Json {
        return crate::canonical(&json(ds, algorithm, lang, title));
    }
    let plan = ds.plan();
    let mut blocks = Vec::new();
    blocks.extend(document_number_block(&plan.notice, lang));
    blocks.push(Block::Para(
        lang.t(
            "本公告在随机种子产生之前发布。公告载明的计划、事项清单、执法检查人员名录和各输入文件的摘要自发布时起固定，不得更改；随机种子按下述公开来源在公告发布之后产生。",
            "This notice is published before the seed exists. The plan, item list, officer roster and the digests of every input are fixed from now on; the seed will come afterwards from the public source announced below.",
        )
        .into(),
    ));

    blocks.push(Block::Heading(lang.t("一、抽查计划", "1. Plan").into()));
    let meta = PlanMeta {
        id: &plan.id,
        title: &plan.title,
        authority: &plan.authority,
        period_start: plan.period_start,
        period_end: plan.period_end,
        date: plan.date,
    };
    let mut fields = meta.fields(lang);
    fields.push((
        lang.t("算法版本", "Algorithm").into(),
        Cell::mono(algorithm),
    ));
    fields.push((
        lang.t("随机种子来源", "Seed source").into(),
        Cell::text(plan.seed_source.as_str()),
    ));
    fields.push((
        lang.t("检查对象名录库", "Entity registry").into(),
        Cell::text(match lang {
            Lang::Zh => format!(
                "{} {}（名录库摘要见下）",
                ds.registry_len(),
                measure(ds.plan().registry.scheme)
            ),
            Lang::En => format!("{} entities (digest below)", ds.registry_len()),
        }),
    ));
    blocks.push(Block::Fields(fields));
    blocks.extend(crate::common::declared_sources_blocks(
        &plan.seed_sources,
        plan.date,
        lang,
    ));

    blocks.push(Block::Heading(lang.t("二、抽查规则", "2. Rules").into()));
    blocks.push(Block::List(rules_text(&plan.rules, lang)));

    blocks.push(Block::Heading(lang.t("三、抽查任务", "3. Tasks").into()));
    blocks.push(tasks_table(ds, lang));

    blocks.push(Block::Heading(
        lang.t("四、随机抽查事项清单", "4. Item list").into(),
    ));
    blocks.push(items_table(
        ds.items(),
        &plan.authority,
        measure(plan.registry.scheme),
        lang,
    ));

    blocks.push(Block::Heading(
        lang.t("五、执法检查人员名录", "5. Officer roster").into(),
    ));
    let eligible = ds
        .officers()
        .iter()
        .filter(|o| ds.officer_eligible(o))
        .count();
    blocks.push(Block::Para(match lang {
        Lang::Zh => format!(
            "共 {} 人，其中在计划日期（{}）在岗且证件有效、可参加本次检查的 {} 人。",
            ds.officers().len(),
            plan.date,
            eligible
        ),
        Lang::En => format!(
            "{} officers, of whom {} are in service with a certificate valid on the plan date ({}) and can take part.",
            ds.officers().len(),
            eligible,
            plan.date
        ),
    }));
    blocks.push(officers_table(ds, lang));

    blocks.push(Block::Heading(
        lang.t("六、输入文件摘要", "6. Input digests").into(),
    ));
    blocks.push(Block::Para(
        lang.t(
            "摘要按 SPEC.md 的规范编码计算，与文件的行序、列序、表头语言和字符编码无关；任何被读取的值改变，摘要即改变。抽查记录与回避名单不公开，仅公开摘要。",
            "Digests use the canonical encoding of SPEC.md and do not depend on row order, column order, header language or character encoding; any change of a value that is read changes them. The history and the recusal list are not published; only their digests are.",
        )
        .into(),
    ));
    blocks.push(digests_table(ds.digests(), lang));

    blocks.extend(verify_blocks(lang));
    blocks.extend(supervision_blocks(&plan.notice, &plan.authority, lang));
    blocks.push(signature_block(
        &plan.notice,
        &plan.authority,
        plan.notice.issue_date,
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

/// The items of a task: ids with names.
fn task_items(ds: &Dataset, t: &Task) -> Cell {
    Cell::lines(
        t.items
            .iter()
            .map(|id| match ds.item(id) {
                Some(it) => format!("{id} {}", it.name),
                None => id.clone(),
            })
            .collect(),
    )
}

fn tasks_table(ds: &Dataset, lang: Lang) -> Block {
    // the number column only when some task's number is not its item's
    // plain ratio (SPEC.md §1.4): other plans keep their notices' bytes
    let numbers = &ds.plan().notice.task_numbers;
    let mut headers = vec![
        lang.t("序号", "No.").into(),
        lang.t("抽查事项", "Items").into(),
        lang.t("检查方式", "Kind").into(),
        lang.t("抽取范围", "Scope").into(),
    ];
    if !numbers.is_empty() {
        headers.push(lang.t("抽查比例（数量）", "Number drawn").into());
    }
    Block::Table {
        headers,
        rows: ds
            .plan()
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut row = vec![
                    Cell::text((i + 1).to_string()),
                    task_items(ds, t),
                    Cell::text(if t.items.len() > 1 {
                        lang.t("联合抽查", "joint inspection")
                    } else {
                        lang.t("单项抽查", "single item")
                    }),
                    Cell::text(filter_text(&t.filter, lang)),
                ];
                if !numbers.is_empty() {
                    row.push(Cell::text(match numbers.get(i).and_then(Option::as_ref) {
                        Some(n) => task_number_text(n, lang),
                        None => ds
                            .item(&t.items[0])
                            .map_or(String::new(), |it| it.ratio.to_string()),
                    }));
                }
                row
            })
            .collect(),
    }
}

fn count_limits(it: &Item, measure: &str, lang: Lang) -> String {
    let min = it.min_count.map(|n| match lang {
        Lang::Zh => format!("不少于 {n} {measure}"),
        Lang::En => format!("at least {n}"),
    });
    let max = match it.level {
        ItemLevel::Key => None,
        ItemLevel::General => it.max_count.map(|n| match lang {
            Lang::Zh => format!("不超过 {n} {measure}"),
            Lang::En => format!("at most {n}"),
        }),
    };
    let v: Vec<String> = min.into_iter().chain(max).collect();
    if v.is_empty() {
        "—".to_string()
    } else {
        v.join(lang.t("，", ", "))
    }
}

/// The measure word of a count of draw units: 户 for enterprises, 个 for
/// projects, grid cells and sites (SPEC.md §1.8).
pub(crate) fn measure(scheme: shuangsuiji::model::IdScheme) -> &'static str {
    if scheme == shuangsuiji::model::IdScheme::Uscc {
        "户"
    } else {
        "个"
    }
}

fn items_table(items: &[Item], authority: &str, measure: &str, lang: Lang) -> Block {
    Block::Table {
        headers: vec![
            lang.t("事项编号", "Id").into(),
            lang.t("事项名称", "Name").into(),
            lang.t("抽查主体", "Department").into(),
            lang.t("抽查依据", "Legal basis").into(),
            lang.t("抽查对象", "Object").into(),
            lang.t("抽查内容", "Content").into(),
            lang.t("抽查比例", "Ratio").into(),
            lang.t("户数限制", "Count limits").into(),
            lang.t("抽查方式", "Method").into(),
            lang.t("抽查频次", "Frequency").into(),
            lang.t("执法类别", "Enforcement category").into(),
            lang.t("事项类别", "Level").into(),
        ],
        rows: items
            .iter()
            .map(|it| {
                vec![
                    Cell::text(it.id.as_str()),
                    Cell::text(it.name.as_str()),
                    Cell::text(if it.department.is_empty() {
                        authority
                    } else {
                        it.department.as_str()
                    }),
                    Cell::text(it.legal_basis.as_str()),
                    Cell::text(it.object_types.join(sep(lang))),
                    Cell::text(it.content.as_str()),
                    Cell::text(it.ratio.to_string()),
                    Cell::text(count_limits(it, measure, lang)),
                    Cell::text(it.method.as_str()),
                    Cell::text(it.frequency.as_str()),
                    Cell::text(it.category.as_str()),
                    Cell::text(match it.level {
                        ItemLevel::General => lang.t("一般", "general"),
                        ItemLevel::Key => lang.t("重点", "key"),
                    }),
                ]
            })
            .collect(),
    }
}

fn officers_table(ds: &Dataset, lang: Lang) -> Block {
    Block::Table {
        headers: vec![
            lang.t("证件编号", "Certificate no.").into(),
            lang.t("姓名", "Name").into(),
            lang.t("单位", "Unit").into(),
            lang.t("职务", "Position").into(),
            lang.t("执法类别", "Enforcement categories").into(),
            lang.t("执法区域", "Enforcement regions").into(),
            lang.t("可参加本次检查", "Can take part").into(),
        ],
        rows: ds
            .officers()
            .iter()
            .map(|o| {
                vec![
                    Cell::text(o.cert_no.as_str()),
                    Cell::text(o.name.as_str()),
                    Cell::text(o.unit.as_str()),
                    Cell::text(o.position.as_str()),
                    Cell::text(o.categories.join(sep(lang))),
                    Cell::text(o.regions.join(sep(lang))),
                    Cell::text(if ds.officer_eligible(o) {
                        lang.t("是", "yes")
                    } else {
                        lang.t("否", "no")
                    }),
                ]
            })
            .collect(),
    }
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
struct PreDrawJson<'a> {
    /// The plan's `[notice]` table, only when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<&'a shuangsuiji::model::NoticeInfo>,
    notice: &'static str,
    lang: &'static str,
    title: String,
    algorithm: &'a str,
    plan: PlanJson<'a>,
    rules: &'a Rules,
    rules_text: Vec<String>,
    tasks: Vec<TaskJson<'a>>,
    items: &'a [Item],
    officers: Vec<OfficerJson<'a>>,
    registry: RegistryJson,
    digests: &'a InputDigests,
    verify: VerifyJson,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    id: &'a str,
    title: &'a str,
    authority: &'a str,
    period_start: Date,
    period_end: Date,
    date: Date,
    seed_source: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    seed_sources: &'a [shuangsuiji::model::SeedSource],
}

#[derive(Serialize)]
struct TaskJson<'a> {
    index: usize,
    key: String,
    items: &'a [String],
    directed: bool,
    filter: &'a shuangsuiji::model::Filter,
    /// The task's number beside the item list's wording, only when it is
    /// not the lead item's plain ratio (SPEC.md §1.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
}

/// The published fields of an officer (no department, expiry or status:
/// `eligible` summarises the last two on the plan date).
#[derive(Serialize)]
struct OfficerJson<'a> {
    cert_no: &'a str,
    name: &'a str,
    unit: &'a str,
    position: &'a str,
    categories: &'a [String],
    regions: &'a [String],
    eligible: bool,
}

#[derive(Serialize)]
struct RegistryJson {
    entities: u64,
}

fn json<'a>(ds: &'a Dataset, algorithm: &'a str, lang: Lang, title: String) -> PreDrawJson<'a> {
    let p = ds.plan();
    PreDrawJson {
        document: Some(&p.notice).filter(|n| !n.table_is_empty()),
        notice: "pre_draw",
        lang: lang.code(),
        title,
        algorithm,
        plan: PlanJson {
            id: &p.id,
            title: &p.title,
            authority: &p.authority,
            period_start: p.period_start,
            period_end: p.period_end,
            date: p.date,
            seed_source: &p.seed_source,
            seed_sources: &p.seed_sources,
        },
        rules: &p.rules,
        rules_text: rules_text(&p.rules, lang),
        tasks: p
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| TaskJson {
                index: i + 1,
                key: t.key(),
                items: &t.items,
                directed: t.filter.is_directed(),
                filter: &t.filter,
                number: p
                    .notice
                    .task_numbers
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(|n| task_number_text(n, lang)),
            })
            .collect(),
        items: ds.items(),
        officers: ds
            .officers()
            .iter()
            .map(|o| OfficerJson {
                cert_no: &o.cert_no,
                name: &o.name,
                unit: &o.unit,
                position: &o.position,
                categories: &o.categories,
                regions: &o.regions,
                eligible: ds.officer_eligible(o),
            })
            .collect(),
        registry: RegistryJson {
            entities: ds.registry_len(),
        },
        digests: ds.digests(),
        verify: VERIFY_JSON,
    }
}
