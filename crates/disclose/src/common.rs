//! Pieces shared by the notices: plan fields, rules in plain words,
//! digests, the verification section.

use serde::Serialize;
use shuangsuiji::model::{Date, Filter, NoticeInfo, Overlap, Ratio, Rules, Stratify};
use shuangsuiji::{DrawResult, InputDigests};

use crate::render::{Block, Cell};
use crate::{Lang, VERIFY_COMMAND};

/// Plan metadata as every notice shows it.
pub(crate) struct PlanMeta<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub authority: &'a str,
    pub period_start: Date,
    pub period_end: Date,
    pub date: Date,
}

/// The plan's fields followed by the algorithm, as the notices made after
/// the draw open.
pub(crate) fn result_plan_fields(result: &DrawResult, lang: Lang) -> Vec<(String, Cell)> {
    let p = &result.plan;
    let mut fields = PlanMeta {
        id: &p.id,
        title: &p.title,
        authority: &p.authority,
        period_start: p.period_start,
        period_end: p.period_end,
        date: p.date,
    }
    .fields(lang);
    fields.push((
        lang.t("算法版本", "Algorithm").into(),
        Cell::mono(result.algorithm.as_str()),
    ));
    fields
}

impl PlanMeta<'_> {
    pub fn fields(&self, lang: Lang) -> Vec<(String, Cell)> {
        vec![
            (lang.t("计划编号", "Plan id").into(), Cell::text(self.id)),
            (lang.t("计划名称", "Title").into(), Cell::text(self.title)),
            (
                lang.t("抽查机关", "Authority").into(),
                Cell::text(self.authority),
            ),
            (
                lang.t("检查期间", "Inspection period").into(),
                Cell::text(format!(
                    "{} {} {}",
                    self.period_start,
                    lang.t("至", "to"),
                    self.period_end
                )),
            ),
            (
                lang.t("计划日期", "Plan date").into(),
                Cell::text(self.date.to_string()),
            ),
        ]
    }
}

/// A ratio written as a decimal (`0.05`) shown as a percentage (`5%`).
pub(crate) fn percent(decimal: &str) -> String {
    decimal
        .parse::<Ratio>()
        .map_or_else(|_| decimal.to_string(), |r| r.to_string())
}

/// The list separator of a language.
pub(crate) fn sep(lang: Lang) -> &'static str {
    lang.t("、", ", ")
}

/// The rules of the draw in plain words.
pub(crate) fn rules_text(rules: &Rules, lang: Lang) -> Vec<String> {
    let mut v = Vec::new();
    v.push(match lang {
        Lang::Zh => "抽查户数 = 抽查比例 × 符合条件的检查对象数，向上取整；不少于事项的最少户数，一般事项不超过最多户数（重点事项不设上限），且不超过符合条件的对象数。".to_string(),
        Lang::En => "Number to inspect = ratio × number of eligible entities, rounded up; at least the item's minimum, at most its maximum for general items (key items have no maximum), and never more than the eligible entities.".to_string(),
    });
    if !rules.class_ratios.is_empty() {
        let parts: Vec<String> = rules
            .class_ratios
            .iter()
            .map(|(c, r)| match lang {
                Lang::Zh => format!("{c}类 {r}"),
                Lang::En => format!("class {c} {r}"),
            })
            .collect();
        v.push(match lang {
            Lang::Zh => format!(
                "按信用风险分类差异化抽查：{}；其他对象按事项的抽查比例。",
                parts.join("，")
            ),
            Lang::En => format!(
                "Ratios by credit-risk class: {}; other entities use the item's ratio.",
                parts.join(", ")
            ),
        });
    }
    v.push(match (rules.stratify, lang) {
        (Stratify::Region, Lang::Zh) => "按行政区划分层，以最大余数法把抽查户数分配到各层，各层之和等于总数；各层内取签号最小的对象。".to_string(),
        (Stratify::Region, Lang::En) => "Strata are regions; the count is split among them by largest remainder, summing exactly; each stratum takes the entities with the smallest tickets.".to_string(),
        (_, Lang::Zh) => "不按区域分层；在全部符合条件的对象中取签号最小的对象。".to_string(),
        (_, Lang::En) => "No regional strata; the entities with the smallest tickets among all eligible are taken.".to_string(),
    });
    v.push(match (rules.max_per_year, lang) {
        (Some(n), Lang::Zh) => format!("同一检查对象一个自然年度内被抽查不超过 {n} 次（含以往抽查记录和本计划）。"),
        (Some(n), Lang::En) => format!("An entity is inspected at most {n} times per calendar year, counting past inspections and this plan."),
        (None, Lang::Zh) => "不限制同一检查对象年度被抽查次数。".to_string(),
        (None, Lang::En) => "No yearly cap on inspections of one entity.".to_string(),
    });
    if rules.cooldown_days > 0 {
        let d = rules.cooldown_days;
        v.push(match lang {
            Lang::Zh => format!("同一事项在检查期开始前 {d} 日内已检查过的对象，本次不纳入该事项的抽取范围。"),
            Lang::En => format!("An entity inspected for the same item within {d} days before the period start is not eligible for it."),
        });
    }
    v.push(match (rules.overlap, lang) {
        (Overlap::Joint, Lang::Zh) => "同一对象被多个任务抽中的，合并为一次联合检查（进一次门、查多项事），各部门分别派员。".to_string(),
        (Overlap::Joint, Lang::En) => "An entity drawn by several tasks gets one joint visit, each department sending its own officers.".to_string(),
        (_, Lang::Zh) => "同一对象已被前序任务抽中的，后序任务不再抽取该对象，顺延至下一对象。".to_string(),
        (_, Lang::En) => "An entity already drawn by an earlier task is skipped by later tasks, which take their next entity.".to_string(),
    });
    v.push(match lang {
        Lang::Zh => format!(
            "每次检查每个部门、每个执法类别派 {} 名执法人员（行政处罚法第四十二条：执法人员不得少于两人），须持有相应执法类别、在计划日期证件有效且在岗。",
            rules.team_size
        ),
        Lang::En => format!(
            "Each visit gets {} officers per department and enforcement category (Administrative Penalty Law Art. 42: at least two), each holding the category, in service and with a certificate valid on the plan date.",
            rules.team_size
        ),
    });
    v.push(match (rules.cross_region, lang) {
        (false, Lang::Zh) => "属地管理：执法人员只检查其执法区域内的对象。".to_string(),
        (false, Lang::En) => {
            "Local jurisdiction: officers inspect only entities within their enforcement regions."
                .to_string()
        }
        (true, Lang::Zh) => "允许执法人员跨执法区域检查。".to_string(),
        (true, Lang::En) => "Officers may inspect outside their enforcement regions.".to_string(),
    });
    if rules.rotation {
        v.push(
            lang.t(
                "轮换：不安排同一对象最近一次检查的执法人员。",
                "Rotation: no officer of an entity's most recent inspection inspects it again.",
            )
            .to_string(),
        );
    }
    if let Some(n) = rules.officer_max_load {
        v.push(match lang {
            Lang::Zh => format!("每名执法人员在本计划中最多参加 {n} 次检查。"),
            Lang::En => format!("Each officer takes part in at most {n} visits of this plan."),
        });
    }
    v.push(
        lang.t(
            "回避：与检查对象存在利害关系的执法人员不参加对该对象的检查（回避名单不公开，仅公开其摘要）。",
            "Recusal: an officer with a conflict of interest never inspects that entity (the recusal list is not published, only its digest).",
        )
        .to_string(),
    );
    v
}

/// A directed-draw filter in words, or the word for undirected.
pub(crate) fn filter_text(f: &Filter, lang: Lang) -> String {
    if !f.is_directed() {
        return lang.t("不定向", "undirected").to_string();
    }
    let s = sep(lang);
    let mut parts = Vec::new();
    if !f.regions.is_empty() {
        parts.push(format!(
            "{}{}",
            lang.t("区域：", "regions: "),
            f.regions.join(s)
        ));
    }
    if !f.types.is_empty() {
        parts.push(format!(
            "{}{}",
            lang.t("对象类型：", "object types: "),
            f.types.join(s)
        ));
    }
    if !f.industries.is_empty() {
        parts.push(format!(
            "{}{}",
            lang.t("行业：", "industries: "),
            f.industries.join(s)
        ));
    }
    if !f.credit_classes.is_empty() {
        let c: Vec<&str> = f.credit_classes.iter().map(|c| c.as_str()).collect();
        parts.push(format!(
            "{}{}",
            lang.t("信用风险分类：", "credit classes: "),
            c.join(s)
        ));
    }
    if !f.flags.is_empty() {
        let c: Vec<&str> = f
            .flags
            .iter()
            .map(|fl| match fl {
                shuangsuiji::model::FlagName::Complaints => lang.t("投诉举报", "complaints"),
                shuangsuiji::model::FlagName::Abnormal => lang.t("经营异常", "abnormal operations"),
                shuangsuiji::model::FlagName::SeriousViolation => {
                    lang.t("严重违法失信", "serious violations")
                }
            })
            .collect();
        parts.push(format!("{}{}", lang.t("标记：", "flags: "), c.join(s)));
    }
    match lang {
        Lang::Zh => format!("定向（{}）", parts.join("；")),
        Lang::En => format!("directed ({})", parts.join("; ")),
    }
}

/// The digests table.
pub(crate) fn digests_table(d: &InputDigests, lang: Lang) -> Block {
    let rows = [
        (lang.t("抽查计划", "Plan"), &d.plan),
        (lang.t("随机抽查事项清单", "Item list"), &d.items),
        (lang.t("执法检查人员名录库", "Officer roster"), &d.officers),
        (lang.t("检查对象名录库", "Entity registry"), &d.entities),
        (lang.t("抽查记录", "Inspection history"), &d.history),
        (lang.t("回避名单", "Recusal list"), &d.conflicts),
    ];
    Block::Table {
        headers: vec![
            lang.t("输入", "Input").into(),
            lang.t("摘要（SHA-256）", "Digest (SHA-256)").into(),
        ],
        rows: rows
            .iter()
            .map(|(k, v)| vec![Cell::text(*k), Cell::mono(v.as_str())])
            .collect(),
    }
}

/// The verification section: a paragraph, the command, and the pointer to
/// SPEC.md.
pub(crate) fn verify_blocks(lang: Lang) -> Vec<Block> {
    vec![
        Block::Heading(lang.t("如何复核", "How to verify").into()),
        Block::Para(
            lang.t(
                "抽取结果是计划、输入文件和随机种子的确定函数：任何人取得公开的计划文件（plan.toml）、输入文件和结果文件（result.json）后，都可以在任何计算机上重新计算全部摘要并用同一种子重新抽取，结果须逐字节一致；不一致即说明输入或结果被改动。公布的文件夹中有核验所需的一切，以下三种方法任选其一：",
                "The draw is a deterministic function of the plan, the input files and the seed: with the published plan (plan.toml), inputs and result (result.json), anyone can recompute every digest and redo the draw with the same seed on any computer; the result must match byte for byte, and any difference shows that an input or the result was altered. The published folder holds everything needed; use any one of these three ways:",
            )
            .into(),
        ),
        Block::List(vec![
            lang.t(
                "用浏览器（无需安装）：打开文件夹中的 verify.html，选择该文件夹（或把全部文件拖入页面）；页面离线运行，不联网。",
                "In a browser, with nothing to install: open verify.html from the folder and pick the folder (or drop all its files on the page); the page works offline and makes no network request.",
            )
            .into(),
            lang.t(
                "用 Python 3（只需标准库）：在该文件夹中运行 python3 ssj_verify.py .",
                "With Python 3 (standard library only): run python3 ssj_verify.py . in the folder.",
            )
            .into(),
            lang.t(
                "用 ssj 命令行：ssj verify .（在该文件夹中运行）",
                "With the ssj command line: ssj verify . (run in the folder).",
            )
            .into(),
        ]),
        Block::Para(
            lang.t(
                "计划、输入和结果分开保存时，也可以运行：",
                "With the plan, inputs and result kept apart, run:",
            )
            .into(),
        ),
        Block::Code(VERIFY_COMMAND),
        Block::Para(
            lang.t(
                "算法的每一个字节（输入规范编码与摘要、种子规范化、密钥与签号推导、分层分配与取整、执法人员选派）均载于 SPEC.md，第三方可据此独立编写复核程序。",
                "Every byte of the algorithm (canonical input encoding and digests, seed normalisation, key and ticket derivation, allocation and rounding, officer assignment) is specified in SPEC.md, from which a third party can write an independent verifier.",
            )
            .into(),
        ),
    ]
}

/// The document number (文号), when the plan gives one: a line under the
/// title.
pub(crate) fn document_number_block(notice: &NoticeInfo, lang: Lang) -> Option<Block> {
    notice.document_number.as_ref().map(|n| {
        Block::Fields(vec![(
            lang.t("文号", "Document No.").into(),
            Cell::text(n.as_str()),
        )])
    })
}

/// 监督方式、救济渠道: how to object to the draw and to what follows it.
pub(crate) fn supervision_blocks(notice: &NoticeInfo, authority: &str, lang: Lang) -> Vec<Block> {
    let issuer = notice.issuer.as_deref().unwrap_or(authority);
    let mut v = vec![Block::Heading(
        lang.t("监督方式与救济渠道", "Supervision and remedies")
            .into(),
    )];
    v.push(Block::Para(match (lang, &notice.complaint_channel) {
        (Lang::Zh, Some(c)) => format!(
            "本次抽查接受社会监督。对抽查计划、抽取过程或结果有异议的，可以通过以下渠道向{issuer}反映或投诉举报：{c}。任何人均可按“如何复核”一节的方法独立复核抽取结果。"
        ),
        (Lang::Zh, None) => format!(
            "本次抽查接受社会监督。对抽查计划、抽取过程或结果有异议的，可以向{issuer}反映或投诉举报。任何人均可按“如何复核”一节的方法独立复核抽取结果。"
        ),
        (Lang::En, Some(c)) => format!(
            "This inspection is open to public supervision. Objections to the plan, the draw or its result can be raised with {issuer} through: {c}. Anyone can verify the draw independently as “How to verify” explains."
        ),
        (Lang::En, None) => format!(
            "This inspection is open to public supervision. Objections to the plan, the draw or its result can be raised with {issuer}. Anyone can verify the draw independently as “How to verify” explains."
        ),
    }));
    v.push(Block::Para(
        lang.t(
            "检查对象对检查中作出的行政行为不服的，可以依法申请行政复议或者提起行政诉讼。",
            "An inspected entity that disagrees with an administrative act taken in the inspection may apply for administrative reconsideration or bring an administrative lawsuit according to law.",
        )
        .into(),
    ));
    if let Some(c) = &notice.contact {
        v.push(Block::Fields(vec![(
            lang.t("联系方式", "Contact").into(),
            Cell::text(c.as_str()),
        )]));
    }
    v
}

/// 落款: the issuing authority (`[notice] issuer`, else the plan's
/// authority) and, when known, the date of the notice.
pub(crate) fn signature_block(
    notice: &NoticeInfo,
    authority: &str,
    date: Option<Date>,
    lang: Lang,
) -> Block {
    let issuer = notice.issuer.as_deref().unwrap_or(authority);
    let mut f = vec![(lang.t("发布机关", "Issued by").into(), Cell::text(issuer))];
    if let Some(d) = date {
        f.push((lang.t("发布日期", "Date").into(), Cell::text(d.to_string())));
    }
    Block::Fields(f)
}

/// The `verify` object of the JSON notices.
#[derive(Serialize)]
pub(crate) struct VerifyJson {
    pub command: &'static str,
    pub spec: &'static str,
}

pub(crate) const VERIFY_JSON: VerifyJson = VerifyJson {
    command: VERIFY_COMMAND,
    spec: "SPEC.md",
};

/// The label of an exclusion reason (SPEC.md §5).
/// A task's number beside the item list's wording, and its batch
/// (SPEC.md §1.4, §6.5): `25%（事项清单：10%-30%）`.
pub(crate) fn task_number_text(n: &shuangsuiji::model::TaskNumberNote, lang: Lang) -> String {
    let mut out = match lang {
        Lang::Zh => format!("{}（事项清单：{}）", n.number, n.list),
        Lang::En => format!("{} (item list: {})", n.number, n.list),
    };
    if let Some(b) = &n.batch {
        match (b.split_once('/'), lang) {
            (Some((k, of)), Lang::Zh) => out.push_str(&format!("；全年第 {k} 批，共 {of} 批")),
            (Some((k, of)), Lang::En) => out.push_str(&format!("; batch {k} of {of} of the year")),
            (None, Lang::Zh) => out.push_str(&format!("；本批完成后累计达全年目标的 {b}")),
            (None, Lang::En) => out.push_str(&format!(
                "; {b} of the year's target once this batch is done"
            )),
        }
    }
    if let Some((col, groups)) = &n.groups {
        let list: Vec<String> = groups.iter().map(|(v, r)| format!("{v} {r}")).collect();
        match lang {
            Lang::Zh => out.push_str(&format!(
                "；按 {col} 分组：{}（其余 {}）",
                list.join("，"),
                n.number
            )),
            Lang::En => out.push_str(&format!(
                "; by {col}: {} (others {})",
                list.join(", "),
                n.number
            )),
        }
    }
    out
}

pub(crate) fn exclusion_label(reason: &str, lang: Lang) -> String {
    match reason {
        "status" => lang.t("非存续状态", "not in business"),
        "object_type" => lang.t("对象类型不符", "object type does not match"),
        "filter" => lang.t("不符合定向条件", "outside the directed filter"),
        "cool_down" => lang.t("间隔期内已检查", "inspected within the cool-down"),
        "year_cap" => lang.t("已达年度抽查次数上限", "yearly cap reached"),
        "taken" => lang.t("已被前序任务抽中", "drawn by an earlier task"),
        "drawn" => lang.t(
            "本年度前序批次已抽中",
            "drawn by an earlier batch this year",
        ),
        other => other,
    }
    .to_string()
}

/// What a declared source is, when it will be known and how it is written
/// (the pre-draw notice's table of seed sources).
fn source_row(i: usize, s: &shuangsuiji::model::SeedSource, lang: Lang) -> Vec<Cell> {
    use shuangsuiji::model::{QUICKNET_CHAIN_HASH, SeedSource, beijing_time};
    let (what, when) = match s {
        SeedSource::Dice { count, faces } => (
            match lang {
                Lang::Zh => format!("{count} 次 {faces} 面骰子（按投掷顺序）"),
                Lang::En => format!("{count} throws of a {faces}-faced die, in order"),
            },
            lang.t("当众投掷时", "when thrown in public").to_string(),
        ),
        SeedSource::Lottery {
            game,
            issue,
            draw_date,
        } => (
            match lang {
                Lang::Zh => format!("{} 第 {issue} 期开奖号码", game.name_zh()),
                Lang::En => format!("{} ({}) issue {issue}", game.name_zh(), game.code()),
            },
            match lang {
                Lang::Zh => format!("{draw_date} 开奖后"),
                Lang::En => format!("after the drawing on {draw_date}"),
            },
        ),
        SeedSource::Drand { round } => (
            match lang {
                Lang::Zh => {
                    format!("drand quicknet 第 {round} 轮的签名（链 {QUICKNET_CHAIN_HASH}）")
                }
                Lang::En => format!(
                    "the signature of drand quicknet round {round} (chain {QUICKNET_CHAIN_HASH})"
                ),
            },
            beijing_time(s.published_at().unwrap_or(0)),
        ),
        SeedSource::Text { description } => (
            match lang {
                Lang::Zh => format!("自由文本（按数字计比特）：{description}"),
                Lang::En => format!("free text (digit rule): {description}"),
            },
            String::new(),
        ),
    };
    let bits = match s.fixed_tenths() {
        Some(t) => shuangsuiji::draw::tenths_text(t),
        None => lang.t("3.32/位数字", "3.32 per decimal digit").to_string(),
    };
    vec![
        Cell::text((i + 1).to_string()),
        Cell::text(what),
        Cell::text(when),
        Cell::mono(shuangsuiji::draw::seed_template(std::slice::from_ref(s))),
        Cell::text(bits),
    ]
}

/// The pre-draw notice's section on declared seed sources (nothing when the
/// plan declares none).
pub(crate) fn declared_sources_blocks(
    sources: &[shuangsuiji::model::SeedSource],
    date: Date,
    lang: Lang,
) -> Vec<Block> {
    if sources.is_empty() {
        return Vec::new();
    }
    let fixed: u32 = sources.iter().filter_map(|s| s.fixed_tenths()).sum();
    let text = sources.iter().any(|s| s.fixed_tenths().is_none());
    let template = shuangsuiji::draw::seed_template(sources);
    let drand = sources
        .iter()
        .any(|s| matches!(s, shuangsuiji::model::SeedSource::Drand { .. }));
    vec![
        Block::SubHeading(lang.t("随机种子的组成", "How the seed is formed").into()),
        Block::Para(match lang {
            Lang::Zh => format!(
                "随机种子由下列来源的结果按顺序组成，各来源的结果均在 {date}（北京时间 0 时）之后才公布，本公告须在此之前发布。种子文本按 SPEC.md §3.1 的规范格式书写，各部分以“ | ”分隔，格式为：{template}。结果公布后任何人均可自行组成种子并与抽取结果中的种子比对{}。可计比特数为各来源可能结果数的以 2 为底的对数（向下取到 0.1）：合计 {}{} 比特。",
                if drand {
                    "；drand 签名按随程序提供的 quicknet 公钥离线验证"
                } else {
                    ""
                },
                shuangsuiji::draw::tenths_text(fixed),
                if text {
                    "（另加自由文本中的数字）"
                } else {
                    ""
                }
            ),
            Lang::En => format!(
                "The seed is the outcomes of the sources below, in this order; each becomes known only after {date} (00:00 Beijing time) begins, and this notice must be published before then. The seed text is written in the canonical form of SPEC.md §3.1, parts separated by “ | ”: {template}. Once the results are out anyone can form the seed and compare it with the one drawn with{}. Each source is credited log2 of its number of possible outcomes (rounded down to 0.1): {} bits in all{}.",
                if drand {
                    "; a drand signature is checked offline against the quicknet public key shipped with the software"
                } else {
                    ""
                },
                shuangsuiji::draw::tenths_text(fixed),
                if text {
                    ", plus the digits of the free text"
                } else {
                    ""
                }
            ),
        }),
        Block::Table {
            headers: vec![
                "#".into(),
                lang.t("来源", "Source").into(),
                lang.t("公布时间", "Known").into(),
                lang.t("写入种子的格式", "Written in the seed as").into(),
                lang.t("比特", "Bits").into(),
            ],
            rows: sources
                .iter()
                .enumerate()
                .map(|(i, s)| source_row(i, s, lang))
                .collect(),
        },
    ]
}

/// The draw notice's per-source bits (nothing when the plan declares no
/// sources).
pub(crate) fn drawn_sources_blocks(result: &DrawResult, lang: Lang) -> Vec<Block> {
    let sources = &result.seed.sources;
    if sources.is_empty() {
        return Vec::new();
    }
    let total: u32 = sources.iter().map(|s| s.tenths).sum();
    let drand = sources
        .iter()
        .any(|s| matches!(s.source, shuangsuiji::model::SeedSource::Drand { .. }));
    vec![
        Block::Para(match lang {
            Lang::Zh => format!(
                "种子由计划事前声明的 {} 个来源组成，可计比特数合计 {}（每个来源为其可能结果数的以 2 为底的对数，向下取到 0.1；自由文本按数字计）。{}",
                sources.len(),
                shuangsuiji::draw::tenths_text(total),
                if drand {
                    "drand 签名已在抽取时按 quicknet 公钥离线验证，复核时再次验证。"
                } else {
                    ""
                }
            ),
            Lang::En => format!(
                "The seed is made of the source(s) the plan declared before the draw ({}), credited {} bits in all (each source log2 of its number of possible outcomes, rounded down to 0.1; free text by its digits).{}",
                sources.len(),
                shuangsuiji::draw::tenths_text(total),
                if drand {
                    " The drand signature was checked offline against the quicknet public key when drawing, and is checked again on verification."
                } else {
                    ""
                }
            ),
        }),
        Block::Table {
            headers: vec![
                "#".into(),
                lang.t("来源", "Source").into(),
                lang.t("结果（种子中的写法）", "Outcome as written in the seed")
                    .into(),
                lang.t("比特", "Bits").into(),
            ],
            rows: sources
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    vec![
                        Cell::text((i + 1).to_string()),
                        Cell::text(s.source.to_string()),
                        Cell::mono(s.written.as_str()),
                        Cell::text(shuangsuiji::draw::tenths_text(s.tenths)),
                    ]
                })
                .collect(),
        },
    ]
}
