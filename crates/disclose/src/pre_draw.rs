//! 事前公开: the pre-draw notice.

use shuangsuiji::Dataset;

use crate::render::{Block, Doc};
use crate::{Format, Lang};

/// The pre-draw notice (事前公开), published by `ssj commit` before the seed
/// exists: the plan, the rules in plain words, the tasks, the item list
/// with the fields the rules require (抽查主体, 依据, 对象, 内容, 比例, 方式,
/// 频次), the officer roster as published (证件编号, 姓名, 单位, 职务,
/// 执法类别, 执法区域), every input digest, the algorithm version, the
/// announced seed source, and how anyone can verify the draw afterwards.
///
/// Not published: history, conflict pairs and their reasons, and any data
/// of the entities beyond their count and digest.
///
/// `algorithm` is the algorithm version the draw will use
/// ([`shuangsuiji::ALGORITHM`]).
pub fn pre_draw_notice(ds: &Dataset, algorithm: &str, format: Format, lang: Lang) -> String {
    let doc = Doc {
        lang,
        title: format!(
            "{} {}",
            ds.plan.title,
            lang.t("事前公开", "pre-draw notice")
        ),
        blocks: vec![
            Block::Para(algorithm.to_string()),
            Block::Para(ds.digests.entities.clone()),
        ],
    };
    match format {
        Format::Json => shuangsuiji::canonical_json(&ds.digests),
        _ => crate::render::render(&doc, format),
    }
}
