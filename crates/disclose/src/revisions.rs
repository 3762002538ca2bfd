//! The substitution notice (`revisions.md`, SPEC.md §13.6): every revision
//! of a draw, who was disqualified and why (reason category only), who
//! replaced whom, and the count of substitutions against the plan's cap.

use std::fmt::Write as _;

use shuangsuiji::DrawResult;
use shuangsuiji::revise::{Revision, Subject, file_name};

use crate::render::md_escape;

/// The file name of the substitution notice.
pub const REVISIONS_NOTICE: &str = "revisions.md";

/// The substitution notice in Chinese Markdown, from the result and its
/// revisions (in order). The same bytes on every machine.
///
/// ```
/// use shuangsuiji::Dataset;
/// use shuangsuiji::draw::draw_unchecked;
/// use shuangsuiji::revise::{revise, Disqualification, Reason, Subject};
/// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let r = draw_unchecked(&ds, "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24").unwrap();
/// let d = Disqualification { kind: Subject::Entity, id: r.visits[2].uscc.clone(),
///     visit: None, reason: Reason::Deregistered, line: None };
/// let rev = revise(&ds, &r, &[], &[d], "d.csv").unwrap();
/// let md = shuangsuiji_disclose::revisions_notice(&r, &[rev]);
/// assert!(md.contains("注销"));
/// assert!(md.contains("共替补 1 次"));
/// ```
pub fn revisions_notice(result: &DrawResult, revisions: &[Revision]) -> String {
    let e = md_escape;
    let mut o = String::new();
    let _ = writeln!(o, "# {} 抽查结果变更公告（替补）\n", e(&result.plan.title));
    let _ = writeln!(o, "- 计划编号：{}", e(&result.plan.id));
    let _ = writeln!(o, "- 抽查机关：{}", e(&result.plan.authority));
    let _ = writeln!(o, "- 抽取密钥（draw_key）：`{}`", result.draw_key);
    let total = revisions.last().map_or(0, |r| r.substitutions);
    let cap = match result.rules.max_substitutions {
        Some(c) => format!("计划上限 {c} 次"),
        None => "计划未设上限".to_string(),
    };
    let _ = writeln!(o, "- 共替补 {total} 次（{cap}）");
    let _ = writeln!(
        o,
        "\n替补按事前公布的规则由同一抽取密钥算出（SPEC.md §13）：检查对象由同一分层中下一个符合条件的签号替补；执法人员由修订编号派生的随机数流在全部条件下重新选派，其他检查组不变。被取消资格者不再进入本计划；原结果 result.json 与较早的修订文件均不改动。取消资格的具体情况不公开，仅公开原因类别。\n"
    );
    for r in revisions {
        let _ = writeln!(
            o,
            "## 第 {} 次修订（{}）\n\n上一版本 SHA-256：`{}`\n",
            r.revision,
            file_name(r.revision),
            r.previous
        );
        let _ = writeln!(
            o,
            "### 取消资格\n\n| 类型 | 对象 | 范围 | 原因 |\n|---|---|---|---|"
        );
        for d in &r.disqualifications {
            let (kind, scope) = match (d.kind, &d.visit) {
                (Subject::Entity, _) => ("检查对象", "本计划".to_string()),
                (Subject::Officer, None) => ("执法人员", "本计划".to_string()),
                (Subject::Officer, Some(u)) => ("执法人员", format!("检查 {}", e(u))),
            };
            let _ = writeln!(
                o,
                "| {kind} | {} | {scope} | {}（{}） |",
                e(&d.id),
                d.reason.label(),
                d.reason.as_str()
            );
        }
        if !r.entities.is_empty() {
            let _ = writeln!(
                o,
                "\n### 检查对象替补\n\n| 事项 | 分层 | 原对象 | 原排名 | 原因 | 替补对象 | 排名 | 签号 | 执法人员 |\n|---|---|---|---|---|---|---|---|---|"
            );
            for c in &r.entities {
                let s = &c.visit.selections[0];
                let team: Vec<String> = c
                    .visit
                    .teams
                    .iter()
                    .map(|t| {
                        let names: Vec<String> = t
                            .officers
                            .iter()
                            .map(|m| format!("{} {}", e(&m.name), e(&m.cert_no)))
                            .collect();
                        format!("{}：{}", e(&t.category), names.join("、"))
                    })
                    .collect();
                let _ = writeln!(
                    o,
                    "| {} | {} | {} {} | {} | {} | {} {} | {} | `{}` | {} |",
                    e(&c.task),
                    e(&c.stratum),
                    e(&c.replaced),
                    e(&c.replaced_name),
                    c.replaced_rank,
                    c.reason.label(),
                    e(&c.visit.uscc),
                    e(&c.visit.name),
                    s.rank,
                    s.ticket,
                    team.join("<br>")
                );
            }
        }
        if !r.officers.is_empty() {
            let _ = writeln!(
                o,
                "\n### 执法人员替补\n\n| 检查对象 | 部门 | 执法类别 | 原人员 | 原因 | 替补人员 |\n|---|---|---|---|---|---|"
            );
            for c in &r.officers {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} {} | {} | {} {} |",
                    e(&c.uscc),
                    e(&c.department),
                    e(&c.category),
                    e(&c.replaced.name),
                    e(&c.replaced.cert_no),
                    c.reason.label(),
                    e(&c.substitute.name),
                    e(&c.substitute.cert_no)
                );
            }
        }
        let _ = writeln!(
            o,
            "\n本次替补 {} 次，累计 {} 次。\n",
            r.entities.len() + r.officers.len(),
            r.substitutions
        );
    }
    o
}
