//! `VERIFY.md`: how anyone checks a published folder (bilingual).

/// The text of `VERIFY.md` for the plan `plan_id`: the three ways to check
/// a published folder, in Chinese, then in English. Deterministic bytes.
///
/// ```
/// let text = shuangsuiji_disclose::verify_guide("YYLY-2026-Q4");
/// assert!(text.starts_with("# 如何核验"));
/// assert!(text.contains("python3 ssj_verify.py ."));
/// assert!(text.contains("verify.html"));
/// ```
pub fn verify_guide(plan_id: &str) -> String {
    format!(
        "# 如何核验 — 抽查计划 {plan_id}

本文件夹就是公布的全部内容：抽查计划（plan.toml）、抽取所读取的全部输入（事项清单、执法人员名录、检查对象名录、抽查记录、回避名单；不含个人信息和回避事由）、事前承诺（commitment.json）、抽取结果（result.json、result.csv）、公告（notice.html、notice.md、pre-draw.*）、全过程记录（journal.jsonl）和核验工具。任何人只凭本文件夹即可重新计算抽取结果，核对是否与公布的一致。

三种方法，任选其一：

1. **浏览器（无需安装）**：用任意浏览器打开本文件夹中的 `verify.html`，选择本文件夹（或把全部文件拖入页面）。页面离线运行，不联网。
2. **Python 3.11 或更高版本（只用标准库）**：在本文件夹中运行 `python3 ssj_verify.py .`
3. **ssj 命令行**：`ssj verify .`

核验内容：每个文件与 `SHA256SUMS` 一致；输入文件的摘要与事前承诺和结果一致；用结果中记录的随机种子重新抽取，结果逐字节相同；`result.csv` 和各公告与 `result.json` 重新生成的内容逐字节相同（浏览器和 ssj）；全过程记录的哈希链完整，且记录了本次结果。`sha256sum -c SHA256SUMS` 也可以核对文件。

退出码：0 核验通过，1 发现差异（会指出文件和位置），2 输入无效。

# How to verify — plan {plan_id}

This folder is everything that was published: the plan (plan.toml), every input the draw read (item list, officer roster, entity registry, history, conflict pairs; without personal data or conflict reasons), the commitment made before the seed existed (commitment.json), the result (result.json, result.csv), the notices (notice.html, notice.md, pre-draw.*), the journal of every attempt (journal.jsonl) and the tools to check them. Anyone holding only this folder can recompute the draw and compare.

Three ways, any one of them:

1. **A browser, nothing to install**: open `verify.html` from this folder in any browser and pick this folder (or drop all its files on the page). The page works offline and makes no network request.
2. **Python 3.11 or newer (standard library only)**: run `python3 ssj_verify.py .` in this folder.
3. **The ssj command line**: `ssj verify .`

What is checked: every file against `SHA256SUMS`; the input digests against the commitment and the result; the draw re-run from the seed recorded in the result, byte for byte; `result.csv` and every notice regenerated from `result.json`, byte for byte (browser and ssj); the journal's hash chain, and that it records this result. `sha256sum -c SHA256SUMS` checks the files too.

Exit codes: 0 verified, 1 a difference was found (the file and place are named), 2 invalid input.
"
    )
}
