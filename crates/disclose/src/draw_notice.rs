//! 抽查任务公告: the draw notice.

use shuangsuiji::DrawResult;

use crate::render::{Block, Doc};
use crate::{Format, Lang};

/// The draw notice (抽查任务公告), written by `ssj draw` next to
/// `result.json`: plan, algorithm and engine version, seed text and its
/// announced source, draw key, every input digest; per task the allocation
/// table (stratum, base N_h, drawn n_h, ratio, inclusion probability) and
/// why entities were not eligible; every inspection visit (entity name,
/// USCC, region, items, ticket and rank, officers per department); and the
/// exact verify command with a pointer to SPEC.md.
pub fn draw_notice(result: &DrawResult, format: Format, lang: Lang) -> String {
    let doc = Doc {
        lang,
        title: format!(
            "{} {}",
            result.plan.title,
            lang.t("抽查任务公告", "draw notice")
        ),
        blocks: vec![Block::Code(crate::VERIFY_COMMAND)],
    };
    match format {
        Format::Json => result.to_canonical_json(),
        _ => crate::render::render(&doc, format),
    }
}
