//! The notices show each task's number as drawn beside the item list's
//! wording as published (SPEC.md §1.4) and a batch's year figures
//! (§6.5) — only for such tasks: other plans keep their notices' bytes.

use std::io::Read;

use shuangsuiji::Dataset;
use shuangsuiji::draw::{ALGORITHM, draw_unchecked};
use shuangsuiji_disclose::{Format, Lang, draw_notice_for, pre_draw_notice};

fn load(name: &str) -> Dataset {
    let dir = format!("{}/../../{name}/", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    Dataset::load("plan.toml", &text, |f| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{f}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

#[test]
fn item_forms_show_the_number_and_the_lists_wording() {
    let ds = load("tests/vectors/item-forms");
    let r = draw_unchecked(&ds, "item forms 0002").unwrap();
    let md = draw_notice_for(&r, &ds.plan().notice, Format::Markdown, Lang::Zh);
    for line in [
        "- **本任务抽查比例（数量）**: 25%（事项清单：10%-30%）",
        "- **本任务抽查比例（数量）**: 4户（事项清单：不少于3户）",
        "- **本任务抽查比例（数量）**: 30%（事项清单：30%;2次/年）",
        "- **本任务抽查比例（数量）**: 50%（事项清单：根据实际情况确定）；全年第 3 批，共 4 批",
        "- **全年分批**: 全年目标 5 户；本批完成后累计 4 户；本年度前序批次已抽 2 户（不再抽取）；本批抽取 2 户",
        "- **不符合条件**: 非存续状态 1、对象类型不符 4、本年度前序批次已抽中 2",
    ] {
        assert!(md.lines().any(|l| l == line), "missing {line:?} in\n{md}");
    }
    // the plain minimum task has no such line
    assert_eq!(md.matches("本任务抽查比例（数量）").count(), 4);
    let en = draw_notice_for(&r, &ds.plan().notice, Format::Markdown, Lang::En);
    assert!(en.contains(
        "- **This task's number**: 50% (item list: 根据实际情况确定); batch 3 of 4 of the year"
    ));
    assert!(en.contains("- **Year in batches**: the year's target 5; 4 by the end of this batch; earlier batches this year drew 2 (not drawn again); this batch draws 2"));
    let pre = pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::Zh);
    for line in [
        "| 序号 | 抽查事项 | 检查方式 | 抽取范围 | 抽查比例（数量） |",
        "| 1 | F-01 林地检查 | 单项抽查 | 不定向 | 20% |",
        "| 2 | F-02 木材检查 | 单项抽查 | 不定向 | 25%（事项清单：10%-30%） |",
        "| 5 | F-05 林地专项 | 单项抽查 | 不定向 | 50%（事项清单：根据实际情况确定）；全年第 3 批，共 4 批 |",
    ] {
        assert!(pre.lines().any(|l| l == line), "missing {line:?} in\n{pre}");
    }
    let json = pre_draw_notice(&ds, ALGORITHM, Format::Json, Lang::Zh);
    assert!(
        json.contains("\"number\":\"25%（事项清单：10%-30%）\""),
        "{json}"
    );
}

#[test]
fn plain_plans_have_no_number_column() {
    let ds = load("data/youyu-forestry");
    assert!(ds.plan().notice.task_numbers.is_empty());
    let pre = pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::Zh);
    assert!(!pre.contains("抽查比例（数量）"));
    let json = pre_draw_notice(&ds, ALGORITHM, Format::Json, Lang::Zh);
    assert!(!json.contains("\"number\""));
}

/// Per-group ratios (SPEC.md §6.1): the task's number lists each value's
/// ratio, and the draw notice's allocation table has a 分组 column (only
/// for such tasks).
#[test]
fn groups_show_each_value_with_its_ratio() {
    let ds = load("tests/vectors/groups");
    let r = draw_unchecked(&ds, "groups 0019").unwrap();
    let md = draw_notice_for(&r, &ds.plan().notice, Format::Markdown, Lang::Zh);
    for line in [
        "- **本任务抽查比例（数量）**: 10%（事项清单：10%）；按 types 分组：一级 30%，三级 50%，二级 30%（其余 10%）",
        "- **本任务抽查比例（数量）**: 10%（事项清单：10%）；按 industry 分组：航天 5%，药品零售 20%（其余 10%）",
        "- **本任务抽查比例（数量）**: 10%（事项清单：根据实际情况确定）；全年第 2 批，共 4 批；按 region 分组：新城镇 40%（其余 10%）",
        "| 分层 | 区域 | 信用风险分类 | 分组 | 基数 N\\_h | 抽取数 n\\_h | 抽查比例 | 入选概率 n\\_h/N\\_h |",
        "| 右卫镇/types=三级 | 右卫镇 | — | 三级 | 2 | 1 | 50% | 1/2 (500‰) |",
        "| 右卫镇/D | 右卫镇 | D | — | 5 | 5 | 100% | 5/5 (1000‰) |",
    ] {
        assert!(md.lines().any(|l| l == line), "missing {line:?} in\n{md}");
    }
    let en = draw_notice_for(&r, &ds.plan().notice, Format::Markdown, Lang::En);
    assert!(
        en.contains("; by types: 一级 30%, 三级 50%, 二级 30% (others 10%)"),
        "{en}"
    );
    let pre = pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::Zh);
    assert!(
        pre.lines().any(|l| l
            == "| 1 | G-01 定点医疗机构检查 | 单项抽查 | 不定向 | 10%（事项清单：10%）；按 types 分组：一级 30%，三级 50%，二级 30%（其余 10%） |"),
        "{pre}"
    );
    // the sample's draw notice has no group column
    let ds = load("data/youyu-forestry");
    let r = draw_unchecked(&ds, "2026-Q4 424242").unwrap();
    let md = draw_notice_for(&r, &ds.plan().notice, Format::Markdown, Lang::Zh);
    assert!(!md.contains("| 分组 |"));
}
