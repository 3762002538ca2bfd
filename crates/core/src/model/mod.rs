//! The input model: items, officers, entities, history and conflicts.
//!
//! Every type here is the validated, normalised form of one input record:
//! identifiers are trimmed and upper-cased, multi-valued fields are sorted
//! and deduplicated, ratios are exact decimals and dates are calendar dates.

mod batch;
pub(crate) mod cjk_compat;
mod date;
mod item_ratio;
mod plan;
mod ratio;
mod source;
pub(crate) mod text;
mod unit_id;
mod uscc;

pub use batch::{Batch, BatchError, MAX_BATCHES, mul_div_ceil};
pub use date::{Date, DateError};
pub use item_ratio::{GroupBound, ItemRatio, ItemRatioCell, ItemRatioError};
pub use plan::{
    Disclosure, Encoding, Filter, FlagName, GroupColumn, InputFiles, NoticeInfo, Overlap, Plan,
    ResultsConfig, Rules, Stratify, Task, TaskNumberNote,
};
pub use ratio::{Ratio, RatioError};
pub use source::{
    Game, Pool, QUICKNET_CHAIN_HASH, QUICKNET_GENESIS, QUICKNET_PERIOD, QUICKNET_PUBLIC_KEY,
    QUICKNET_SCHEME, SeedSource,
};
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use source::{MAX_SOURCE_TENTHS, beijing_time, day_start_beijing};
pub use unit_id::{CodeError, IdScheme, Registry};
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use unit_id::{MAX_CODE_CHARS, canonical_pattern, is_code_char};
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub use uscc::check_character;
pub use uscc::{UsccError, validate_uscc};

use std::fmt;

use serde::{Deserialize, Serialize};

/// Credit-risk class (信用风险分类): A low risk … D high risk.
///
/// ```
/// use shuangsuiji::model::CreditClass;
/// assert_eq!(CreditClass::parse("较高风险"), Some(CreditClass::C));
/// assert_eq!(CreditClass::parse("A类"), Some(CreditClass::A));
/// assert_eq!(CreditClass::D.to_string(), "D");
/// assert!(CreditClass::A < CreditClass::D);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CreditClass {
    /// A: low risk (低风险).
    A,
    /// B: fairly low / general risk (一般风险).
    B,
    /// C: fairly high risk (较高风险).
    C,
    /// D: high risk (高风险).
    D,
}

impl CreditClass {
    /// All classes in order.
    pub const ALL: [CreditClass; 4] = [
        CreditClass::A,
        CreditClass::B,
        CreditClass::C,
        CreditClass::D,
    ];

    /// The letter.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::CreditClass::B.as_str(), "B");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            CreditClass::A => "A",
            CreditClass::B => "B",
            CreditClass::C => "C",
            CreditClass::D => "D",
        }
    }

    /// Read a class as registries write it: `A`…`D`, `A类`, or the Chinese
    /// risk words (低风险, 一般风险, 较高风险, 高风险).
    ///
    /// ```
    /// use shuangsuiji::model::CreditClass;
    /// assert_eq!(CreditClass::parse("高风险"), Some(CreditClass::D));
    /// assert_eq!(CreditClass::parse("E"), None);
    /// ```
    pub fn parse(s: &str) -> Option<CreditClass> {
        let t = crate::model::text::clean_id(s);
        let t = t.strip_suffix("类").unwrap_or(&t);
        let t = t.strip_suffix("级").unwrap_or(t);
        Some(match t {
            "A" | "低风险" | "LOW" => CreditClass::A,
            "B" | "一般风险" | "较低风险" | "GENERAL" => CreditClass::B,
            "C" | "较高风险" | "FAIRLY HIGH" => CreditClass::C,
            "D" | "高风险" | "HIGH" => CreditClass::D,
            _ => return None,
        })
    }
}

impl fmt::Display for CreditClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// General or key item (一般 / 重点).
///
/// ```
/// use shuangsuiji::model::ItemLevel;
/// assert_eq!(ItemLevel::parse("重点"), Some(ItemLevel::Key));
/// assert_eq!(ItemLevel::parse(""), Some(ItemLevel::General)); // the default
/// assert_eq!(ItemLevel::Key.as_str(), "key");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemLevel {
    /// 一般: ratio applies, with min/max.
    General,
    /// 重点: no maximum; the ratio is a floor.
    Key,
}

impl ItemLevel {
    /// Read `一般`/`general` or `重点`/`key`.
    ///
    /// ```
    /// use shuangsuiji::model::ItemLevel;
    /// assert_eq!(ItemLevel::parse("一般事项"), Some(ItemLevel::General));
    /// assert_eq!(ItemLevel::parse("urgent"), None);
    /// ```
    pub fn parse(s: &str) -> Option<ItemLevel> {
        match crate::model::text::clean(s).to_lowercase().as_str() {
            "" | "一般" | "一般事项" | "general" => Some(ItemLevel::General),
            "重点" | "重点事项" | "key" => Some(ItemLevel::Key),
            _ => None,
        }
    }

    /// `general` or `key`.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::ItemLevel::General.as_str(), "general");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            ItemLevel::General => "general",
            ItemLevel::Key => "key",
        }
    }
}

/// One entry of the item list (随机抽查事项清单).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let item = ds.item("YYLY-01").unwrap();
/// assert_eq!(item.name, "占用征收林地情况检查");
/// assert_eq!(item.ratio.canonical(), "0.05");
/// assert_eq!(item.object_types, ["使用林地单位"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Item id (事项编号), unique in the list.
    pub id: String,
    /// Item name (事项名称).
    pub name: String,
    /// Inspecting department (抽查主体).
    pub department: String,
    /// Legal basis (抽查依据).
    pub legal_basis: String,
    /// Object types this item applies to (抽查对象); matched against
    /// [`Entity::types`].
    pub object_types: Vec<String>,
    /// Content of the inspection (抽查内容).
    pub content: String,
    /// Ratio of eligible entities to inspect (抽查比例), as the list gives
    /// it: a ratio, a range, a count or no number, with the cell as written.
    pub ratio: ItemRatioCell,
    /// Minimum number of inspections, if any.
    pub min_count: Option<u64>,
    /// Maximum number of inspections, if any (ignored for key items).
    pub max_count: Option<u64>,
    /// Method (抽查方式), as published.
    pub method: String,
    /// Frequency (抽查频次), as published.
    pub frequency: String,
    /// Enforcement category an officer must hold (执法类别).
    pub category: String,
    /// General or key.
    pub level: ItemLevel,
}

/// One officer of the roster (执法检查人员名录库).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let o = ds.officer("14062301001").unwrap();
/// assert_eq!((o.name.as_str(), o.unit.as_str()), ("周桂兰", "林政资源股"));
/// assert_eq!(o.categories, ["林政执法", "森林防火"]);
/// assert!(o.active && ds.officer_eligible(o));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    /// Certificate number (证件编号): the stable id.
    pub cert_no: String,
    /// Name (姓名).
    pub name: String,
    /// Unit (单位).
    pub unit: String,
    /// Department (部门) the officer inspects for; empty means the plan's
    /// authority.
    pub department: String,
    /// Position (职务).
    pub position: String,
    /// Enforcement categories held (执法类别).
    pub categories: Vec<String>,
    /// Enforcement regions covered (执法区域).
    pub regions: Vec<String>,
    /// Last day the certificate is valid, if it has an end.
    pub cert_expiry: Option<Date>,
    /// Whether the officer is active (在岗).
    pub active: bool,
}

/// Flags on an entity that directed draws may filter on.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let e = ds.entity("91140623MA0THC3AXR").unwrap();
/// assert!(!e.flags.complaints && !e.flags.abnormal && !e.flags.serious_violation);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityFlags {
    /// Subject of complaints or reports (投诉举报).
    pub complaints: bool,
    /// On the abnormal operations list (经营异常名录).
    pub abnormal: bool,
    /// On the serious violation list (严重违法失信名单).
    pub serious_violation: bool,
}

/// One regulated entity of the registry (检查对象名录库).
///
/// ```
/// use shuangsuiji::model::CreditClass;
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let e = ds.entity("91140623MA0THC3AXR").unwrap();
/// assert_eq!((e.region.as_str(), e.industry.as_str()), ("右卫镇", "林业"));
/// assert_eq!(e.types, ["林木采伐单位"]);
/// assert_eq!(e.credit_class, Some(CreditClass::B));
/// assert!(e.active);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Unified social credit code (统一社会信用代码): the id.
    pub uscc: String,
    /// Registered name (名称).
    pub name: String,
    /// Object types (对象类型), matched against [`Item::object_types`].
    pub types: Vec<String>,
    /// Region (行政区划): a division code or a town name.
    pub region: String,
    /// Industry (行业), for directed draws; may be empty.
    pub industry: String,
    /// Credit-risk class, if classified.
    pub credit_class: Option<CreditClass>,
    /// Flags.
    pub flags: EntityFlags,
    /// Whether the entity is in business (存续/在业); deregistered and
    /// revoked entities are not eligible.
    pub active: bool,
}

/// One past inspection (抽查记录).
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let h = ds.history().iter().find(|h| h.uscc == "92140623MA0RDMTU2N").unwrap();
/// assert_eq!((h.item.as_str(), h.date.to_string().as_str()), ("YYLY-11", "2025-01-01"));
/// assert_eq!(h.officers, ["14062303009", "14062304007"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRecord {
    /// The entity inspected.
    pub uscc: String,
    /// The item inspected.
    pub item: String,
    /// The date of the inspection.
    pub date: Date,
    /// The officers who inspected (certificate numbers).
    pub officers: Vec<String>,
}

/// An officer–entity pair that must never meet (回避).
///
/// The reason is kept for the planner but never published.
///
/// ```
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let c = &ds.conflicts()[0];
/// assert_eq!((c.cert_no.as_str(), c.uscc.as_str()), ("14062301001", "93140623MA0NB1R885"));
/// assert_eq!(c.reason, "近亲属");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The officer's certificate number.
    pub cert_no: String,
    /// The entity.
    pub uscc: String,
    /// Why (relative, former employer, interest …); not published.
    pub reason: String,
}

/// Whether an officer region covers an entity region.
///
/// Equal strings cover; `*` (or `全部`) covers everything; a division code
/// covers the codes below it (an officer of `140623` covers `140623100`).
///
/// ```
/// use shuangsuiji::model::region_covers;
/// assert!(region_covers("140623", "140623100"));
/// assert!(region_covers("威远镇", "威远镇"));
/// assert!(!region_covers("140623", "140602"));
/// assert!(!region_covers("威远", "威远镇"));
/// ```
#[doc(hidden)] // for the sibling crates and tests; not covered by semver
pub fn region_covers(officer_region: &str, entity_region: &str) -> bool {
    officer_region == entity_region
        || officer_region == "*"
        || officer_region == "全部"
        || (!officer_region.is_empty()
            && officer_region.bytes().all(|b| b.is_ascii_digit())
            && entity_region.bytes().all(|b| b.is_ascii_digit())
            && entity_region.starts_with(officer_region))
}
