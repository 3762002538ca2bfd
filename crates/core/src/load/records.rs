//! Field lists and record parsers for each input kind.

use crate::error::{Diagnostic, DiagnosticKind as K};
use crate::load::table::{Field, Row};
use std::borrow::Cow;

use crate::model::text::{clean, clean_cow, clean_id, clean_id_cow, split_multi, split_multi_cow};
use crate::model::{
    Conflict, CreditClass, Date, Entity, EntityFlags, HistoryRecord, Item, ItemLevel,
    ItemRatioCell, Officer, Ratio,
};
use crate::model::{IdScheme, Registry, validate_uscc};
use std::sync::OnceLock;

macro_rules! field {
    ($name:literal, $zh:literal, req, [$($a:literal),*]) => {
        Field { name: $name, zh: $zh, aliases: &[$($a),*], required: true }
    };
    ($name:literal, $zh:literal, opt, [$($a:literal),*]) => {
        Field { name: $name, zh: $zh, aliases: &[$($a),*], required: false }
    };
}

pub(crate) const ITEM_FIELDS: &[Field] = &[
    field!(
        "id",
        "事项编号",
        req,
        ["id", "itemid", "事项编号", "编号", "事项代码", "itemcode"]
    ),
    field!(
        "name",
        "事项名称",
        req,
        [
            "name",
            "itemname",
            "事项名称",
            "抽查事项",
            "检查事项",
            "名称"
        ]
    ),
    field!(
        "department",
        "抽查主体",
        req,
        ["department", "抽查主体", "实施主体", "检查主体", "部门"]
    ),
    field!(
        "legal_basis",
        "抽查依据",
        req,
        [
            "legalbasis",
            "basis",
            "依据",
            "抽查依据",
            "检查依据",
            "法律依据"
        ]
    ),
    field!(
        "object_types",
        "抽查对象",
        req,
        [
            "objecttypes",
            "objecttype",
            "objects",
            "抽查对象",
            "检查对象",
            "对象",
            "对象类型"
        ]
    ),
    field!(
        "content",
        "抽查内容",
        opt,
        ["content", "抽查内容", "检查内容", "内容"]
    ),
    field!("ratio", "抽查比例", req, ["ratio", "抽查比例", "比例"]),
    field!(
        "min",
        "最少户数",
        opt,
        ["min", "mincount", "最少户数", "最低户数", "最少数量"]
    ),
    field!(
        "max",
        "最多户数",
        opt,
        ["max", "maxcount", "最多户数", "最高户数", "最多数量"]
    ),
    field!(
        "method",
        "抽查方式",
        opt,
        ["method", "抽查方式", "检查方式", "方式"]
    ),
    field!(
        "frequency",
        "抽查频次",
        opt,
        ["frequency", "抽查频次", "检查频次", "频次"]
    ),
    field!(
        "category",
        "执法类别",
        req,
        ["category", "执法类别", "执法门类"]
    ),
    field!(
        "level",
        "事项类别",
        opt,
        ["level", "事项类别", "类别", "事项类型", "一般/重点"]
    ),
];

pub(crate) const OFFICER_FIELDS: &[Field] = &[
    field!(
        "cert_no",
        "证件编号",
        req,
        [
            "certno",
            "cert",
            "certificate",
            "certificateno",
            "证件编号",
            "执法证号",
            "执法证件编号",
            "证号",
            "执法证编号"
        ]
    ),
    field!("name", "姓名", req, ["name", "姓名"]),
    field!(
        "unit",
        "单位",
        req,
        ["unit", "单位", "所在单位", "工作单位"]
    ),
    field!(
        "department",
        "部门",
        opt,
        ["department", "部门", "所属部门", "执法部门"]
    ),
    field!("position", "职务", opt, ["position", "职务"]),
    field!(
        "categories",
        "执法类别",
        req,
        ["categories", "category", "执法类别", "执法门类"]
    ),
    field!(
        "regions",
        "执法区域",
        req,
        ["regions", "region", "执法区域", "区域"]
    ),
    field!(
        "cert_expiry",
        "证件有效期",
        opt,
        [
            "certexpiry",
            "expiry",
            "validuntil",
            "证件有效期",
            "有效期至",
            "有效期",
            "证件有效期至"
        ]
    ),
    field!("status", "状态", opt, ["status", "状态", "在岗状态"]),
];

pub(crate) const ENTITY_FIELDS: &[Field] = &[
    field!(
        "uscc",
        "统一社会信用代码",
        req,
        [
            "uscc",
            "id",
            "creditcode",
            "统一社会信用代码",
            "信用代码",
            "社会信用代码"
        ]
    ),
    field!(
        "name",
        "名称",
        req,
        [
            "name",
            "名称",
            "企业名称",
            "单位名称",
            "主体名称",
            "对象名称"
        ]
    ),
    field!(
        "types",
        "对象类型",
        req,
        [
            "types",
            "type",
            "objecttypes",
            "对象类型",
            "主体类型",
            "类型",
            "检查对象类型"
        ]
    ),
    field!(
        "region",
        "行政区划",
        req,
        [
            "region",
            "行政区划",
            "所属区域",
            "区域",
            "乡镇",
            "所属乡镇",
            "regioncode",
            "行政区划代码"
        ]
    ),
    field!("industry", "行业", opt, ["industry", "行业", "所属行业"]),
    field!(
        "credit_class",
        "信用风险分类",
        opt,
        [
            "creditclass",
            "credit",
            "信用风险分类",
            "信用风险等级",
            "信用等级",
            "风险等级",
            "风险分类"
        ]
    ),
    field!("complaints", "投诉举报", opt, ["complaints", "投诉举报"]),
    field!(
        "abnormal",
        "经营异常",
        opt,
        ["abnormal", "经营异常", "经营异常名录"]
    ),
    field!(
        "serious_violation",
        "严重违法失信",
        opt,
        ["seriousviolation", "严重违法失信", "严重违法"]
    ),
    field!(
        "status",
        "登记状态",
        opt,
        ["status", "登记状态", "经营状态", "状态"]
    ),
];

pub(crate) const HISTORY_FIELDS: &[Field] = &[
    field!(
        "uscc",
        "统一社会信用代码",
        req,
        [
            "uscc",
            "entity",
            "统一社会信用代码",
            "信用代码",
            "社会信用代码"
        ]
    ),
    field!(
        "item",
        "事项编号",
        req,
        ["item", "itemid", "事项编号", "抽查事项编号"]
    ),
    field!(
        "date",
        "检查日期",
        req,
        ["date", "检查日期", "抽查日期", "日期"]
    ),
    field!(
        "officers",
        "检查人员",
        opt,
        ["officers", "检查人员", "执法人员", "检查人员证号"]
    ),
];

pub(crate) const CONFLICT_FIELDS: &[Field] = &[
    field!(
        "cert_no",
        "证件编号",
        req,
        ["certno", "officer", "证件编号", "执法证号", "执法证件编号"]
    ),
    field!(
        "uscc",
        "统一社会信用代码",
        req,
        [
            "uscc",
            "entity",
            "统一社会信用代码",
            "信用代码",
            "社会信用代码"
        ]
    ),
    field!(
        "reason",
        "回避事由",
        opt,
        ["reason", "回避事由", "事由", "原因"]
    ),
];

/// The name of the unit-id field of entities, history and conflicts under
/// a scheme: `uscc`, or `unit` for a code scheme (SPEC.md §1.8).
pub(crate) fn unit_field(s: IdScheme) -> &'static str {
    if s == IdScheme::Uscc { "uscc" } else { "unit" }
}

/// Headers of the unit-id column under a code scheme (SPEC.md §1.8):
/// `entities` adds `id`, `code`, `编号` to those history and conflicts
/// accept.
fn unit_aliases(s: IdScheme, entities: bool) -> &'static [&'static str] {
    const COMMON: [&str; 4] = ["unit", "unitid", "unitcode", "对象编号"];
    macro_rules! both {
        ($($a:literal),*) => {
            if entities {
                &[COMMON[0], COMMON[1], COMMON[2], COMMON[3], "id", "code", "编号", $($a),*]
            } else {
                &[COMMON[0], COMMON[1], COMMON[2], COMMON[3], "entity", $($a),*]
            }
        };
    }
    match s {
        IdScheme::Uscc | IdScheme::Code => both!(),
        IdScheme::Project => both!("projectcode", "projectid", "项目编号", "项目代码"),
        IdScheme::Grid => both!("gridid", "gridcode", "网格编号", "网格代码"),
        IdScheme::Site => {
            both!(
                "siteid",
                "sitecode",
                "点位编号",
                "点位代码",
                "场站编号",
                "站点编号"
            )
        }
    }
}

/// Extra headers of the entity `name` column under a code scheme.
const UNIT_NAME_ALIASES: &[&str] = &[
    "name",
    "名称",
    "企业名称",
    "单位名称",
    "主体名称",
    "对象名称",
    "项目名称",
    "网格名称",
    "点位名称",
    "场站名称",
    "projectname",
    "gridname",
    "sitename",
];

/// The fields of `base` with the unit-id field (index `at`) of a code
/// scheme; `ENTITY_FIELDS` also get [`UNIT_NAME_ALIASES`].
fn scheme_fields(
    base: &'static [Field],
    at: usize,
    s: IdScheme,
    cells: &'static [OnceLock<Vec<Field>>; 5],
) -> &'static [Field] {
    if s == IdScheme::Uscc {
        return base;
    }
    let entities = std::ptr::eq(base, ENTITY_FIELDS);
    cells[s as usize].get_or_init(|| {
        let mut v = base.to_vec();
        v[at] = Field {
            name: "unit",
            zh: s.label_zh(),
            aliases: unit_aliases(s, entities),
            required: true,
        };
        if entities {
            v[1].aliases = UNIT_NAME_ALIASES;
        }
        v
    })
}

/// The entity fields under the registry's id scheme.
pub(crate) fn entity_fields(s: IdScheme) -> &'static [Field] {
    static CELLS: [OnceLock<Vec<Field>>; 5] = [const { OnceLock::new() }; 5];
    scheme_fields(ENTITY_FIELDS, 0, s, &CELLS)
}

/// The history fields under the registry's id scheme.
pub(crate) fn history_fields(s: IdScheme) -> &'static [Field] {
    static CELLS: [OnceLock<Vec<Field>>; 5] = [const { OnceLock::new() }; 5];
    scheme_fields(HISTORY_FIELDS, 0, s, &CELLS)
}

/// The conflict fields under the registry's id scheme.
pub(crate) fn conflict_fields(s: IdScheme) -> &'static [Field] {
    static CELLS: [OnceLock<Vec<Field>>; 5] = [const { OnceLock::new() }; 5];
    scheme_fields(CONFLICT_FIELDS, 1, s, &CELLS)
}

/// Cell `i` of `row`, cleaned ([`clean_cow`]): borrowed as it is when
/// the row is known to be clean.
fn cell_cow<'a>(row: &Row<'a>, i: usize) -> Cow<'a, str> {
    let s = row.get(i);
    if row.clean {
        Cow::Borrowed(s)
    } else {
        clean_cow(s)
    }
}

/// Helper bundling a row with its field list for terse parsing.
struct P<'r, 'a> {
    row: &'r Row<'a>,
    fields: &'static [Field],
    out: &'r mut Vec<Diagnostic>,
}

impl<'a> P<'_, 'a> {
    fn text(&self, i: usize) -> String {
        clean(self.row.get(i))
    }

    fn err(&mut self, i: usize, kind: K, msg: String) {
        let pos = self.row.pos(i, self.fields);
        self.out.push(Diagnostic::error(kind, pos, msg));
    }

    /// Report required field `i` as empty.
    fn missing(&mut self, i: usize) {
        let f = &self.fields[i];
        self.err(
            i,
            K::MissingValue,
            format!("{} ({}) is empty", f.name, f.zh),
        );
    }

    /// A required text value; reports when empty.
    fn required(&mut self, i: usize) -> String {
        let v = self.text(i);
        if v.is_empty() {
            self.missing(i);
        }
        v
    }

    fn text_cow(&self, i: usize) -> Cow<'a, str> {
        cell_cow(self.row, i)
    }

    fn required_cow(&mut self, i: usize) -> Cow<'a, str> {
        let v = self.text_cow(i);
        if v.is_empty() {
            self.missing(i);
        }
        v
    }

    fn required_multi_cow(&mut self, i: usize) -> Vec<Cow<'a, str>> {
        let mut v = Vec::new();
        split_multi_cow(self.row.get(i), self.row.clean, &mut v);
        if v.is_empty() {
            self.missing(i);
        }
        v
    }

    fn uscc_cow(&mut self, i: usize, registry: &Registry) -> Cow<'a, str> {
        self.required_cow(i);
        let code = clean_id_cow(self.row.get(i), self.row.clean);
        if code.is_empty() {
            return code;
        }
        if registry.is_uscc() {
            if let Err(e) = validate_uscc(&code) {
                self.err(
                    i,
                    K::InvalidUscc,
                    format!("unified social credit code '{code}' {e}"),
                );
            }
        } else if let Err(e) = registry.check_code(&code) {
            self.err(
                i,
                K::InvalidUscc,
                format!("{} '{code}' {e}", registry.scheme.label_en()),
            );
        }
        code
    }

    fn required_id(&mut self, i: usize) -> String {
        self.required(i);
        clean_id(self.row.get(i))
    }

    fn required_multi(&mut self, i: usize) -> Vec<String> {
        let v = split_multi(self.row.get(i));
        if v.is_empty() {
            self.missing(i);
        }
        v
    }

    fn count(&mut self, i: usize) -> Option<u64> {
        let v = crate::model::text::clean_id(self.row.get(i));
        if v.is_empty() {
            return None;
        }
        match v.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.err(
                    i,
                    K::InvalidNumber,
                    format!("'{v}' is not a whole number of entities"),
                );
                None
            }
        }
    }

    fn date(&mut self, i: usize, required: bool) -> Option<Date> {
        let v = self.text(i);
        if v.is_empty() {
            if required {
                self.missing(i);
            }
            return None;
        }
        match v.parse::<Date>() {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(i, K::InvalidDate, format!("'{v}' {e}"));
                None
            }
        }
    }

    fn flag(&mut self, i: usize) -> bool {
        // every accepted word is its own lower case: match before folding
        let c = self.text_cow(i);
        match c.as_ref() {
            "" | "否" | "无" | "n" | "no" | "false" | "0" | "f" => return false,
            "是" | "有" | "y" | "yes" | "true" | "1" | "t" => return true,
            _ => {}
        }
        let v = c.to_lowercase();
        match v.as_str() {
            "" | "否" | "无" | "n" | "no" | "false" | "0" | "f" => false,
            "是" | "有" | "y" | "yes" | "true" | "1" | "t" => true,
            _ => {
                self.err(
                    i,
                    K::InvalidValue,
                    format!("'{v}' is not yes/no; write 是/否, Y/N or 1/0"),
                );
                false
            }
        }
    }
}

/// Parse an item row.
pub(crate) fn item(row: &Row<'_>, out: &mut Vec<Diagnostic>) -> Item {
    let mut p = P {
        row,
        fields: ITEM_FIELDS,
        out,
    };
    let id = p.required_id(0);
    let name = p.required(1);
    let department = p.required(2);
    let legal_basis = p.required(3);
    let object_types = p.required_multi(4);
    let content = p.text(5);
    let ratio_text = p.text(6);
    let ratio = if ratio_text.is_empty() {
        p.required(6);
        ItemRatioCell::from(Ratio::ONE)
    } else {
        match ratio_text.parse::<ItemRatioCell>() {
            Ok(r) => r,
            Err(e) => {
                p.err(6, K::InvalidRatio, format!("ratio '{ratio_text}' {e}"));
                ItemRatioCell::from(Ratio::ONE)
            }
        }
    };
    let min_count = p.count(7);
    let max_count = p.count(8);
    if let (Some(lo), Some(hi)) = (min_count, max_count)
        && lo > hi
    {
        p.err(
            8,
            K::MinAboveMax,
            format!("minimum {lo} is above maximum {hi}"),
        );
    }
    let method = p.text(9);
    let frequency = p.text(10);
    let category = p.required(11);
    let level_text = p.text(12);
    let level = ItemLevel::parse(&level_text).unwrap_or_else(|| {
        p.err(
            12,
            K::InvalidValue,
            format!("'{level_text}' is not an item level; write 一般/general or 重点/key"),
        );
        ItemLevel::General
    });
    Item {
        id,
        name,
        department,
        legal_basis,
        object_types,
        content,
        ratio,
        min_count,
        max_count,
        method,
        frequency,
        category,
        level,
    }
}

/// Parse an officer row.
pub(crate) fn officer(row: &Row<'_>, out: &mut Vec<Diagnostic>) -> Officer {
    let mut p = P {
        row,
        fields: OFFICER_FIELDS,
        out,
    };
    let cert_no = p.required_id(0);
    let name = p.required(1);
    let unit = p.required(2);
    let department = p.text(3);
    let position = p.text(4);
    let categories = p.required_multi(5);
    let regions = p.required_multi(6);
    let cert_expiry = p.date(7, false);
    let status = clean(row.get(8)).to_lowercase();
    let active = match status.as_str() {
        "" | "在岗" | "在职" | "正常" | "有效" | "active" => true,
        "停用" | "离岗" | "调离" | "退休" | "注销" | "暂扣" | "吊销" | "inactive" | "suspended"
        | "retired" => false,
        _ => {
            p.err(
                8,
                K::InvalidValue,
                format!("'{status}' is not an officer status; write 在岗/active or 停用/调离/退休/inactive"),
            );
            true
        }
    };
    Officer {
        cert_no,
        name,
        unit,
        department,
        position,
        categories,
        regions,
        cert_expiry,
        active,
    }
}

/// An entity record as read, borrowing from the CSV record where the text
/// needs no cleaning (the streaming loader's form; [`entity`] owns it).
#[derive(Debug, Clone)]
pub(crate) struct EntityView<'a> {
    pub uscc: Cow<'a, str>,
    pub name: Cow<'a, str>,
    pub types: Vec<Cow<'a, str>>,
    pub region: Cow<'a, str>,
    pub industry: Cow<'a, str>,
    pub credit_class: Option<CreditClass>,
    pub flags: EntityFlags,
    pub active: bool,
}

impl EntityView<'_> {
    /// The owned record.
    pub(crate) fn to_entity(&self) -> Entity {
        Entity {
            uscc: self.uscc.clone().into_owned(),
            name: self.name.clone().into_owned(),
            types: self.types.iter().map(|t| t.clone().into_owned()).collect(),
            region: self.region.clone().into_owned(),
            industry: self.industry.clone().into_owned(),
            credit_class: self.credit_class,
            flags: self.flags,
            active: self.active,
        }
    }

    /// The record hash (SPEC.md §2.1), as [`crate::commit::digest::Canonical::record_hash`]
    /// gives for the owned record; `buf` is scratch space.
    pub(crate) fn record_hash(&self, buf: &mut Vec<u8>, prefix: &str) -> [u8; 32] {
        crate::commit::digest::entity_hash(
            buf,
            prefix,
            &self.uscc,
            &self.name,
            &self.types,
            &self.region,
            &self.industry,
            self.credit_class,
            self.flags,
            self.active,
        )
    }
}

/// Parse an entity row.
pub(crate) fn entity(row: &Row<'_>, out: &mut Vec<Diagnostic>, registry: &Registry) -> Entity {
    entity_view(row, out, registry).to_entity()
}

/// Whether a registration status word (as written, or lower-cased) means
/// active (`Some(true)`) or not (`Some(false)`); `None` when it is not one.
fn status_active(s: &str) -> Option<bool> {
    match s {
        ""
        | "存续"
        | "在业"
        | "开业"
        | "正常"
        | "在营"
        | "存续（在营、开业、在册）"
        | "active"
        | "在建"
        | "在用" => Some(true),
        "注销" | "吊销" | "撤销" | "迁出" | "停业" | "歇业" | "deregistered" | "revoked"
        | "closed" | "inactive" | "停工" | "竣工" | "停用" => Some(false),
        _ => None,
    }
}

/// Parse an entity row, borrowing what needs no cleaning.
pub(crate) fn entity_view<'a>(
    row: &Row<'a>,
    out: &mut Vec<Diagnostic>,
    registry: &Registry,
) -> EntityView<'a> {
    let mut p = P {
        row,
        fields: entity_fields(registry.scheme),
        out,
    };
    let uscc = p.uscc_cow(0, registry);
    let name = p.required_cow(1);
    let types = p.required_multi_cow(2);
    let region = p.required_cow(3);
    let industry = p.text_cow(4);
    let cc = p.text_cow(5);
    let credit_class = match cc.as_ref() {
        "" => None,
        "A" => Some(CreditClass::A),
        "B" => Some(CreditClass::B),
        "C" => Some(CreditClass::C),
        "D" => Some(CreditClass::D),
        _ => match CreditClass::parse(&cc) {
            Some(c) => Some(c),
            None => {
                p.err(
                    5,
                    K::InvalidValue,
                    format!("'{cc}' is not a credit-risk class; write A, B, C or D"),
                );
                None
            }
        },
    };
    let flags = EntityFlags {
        complaints: p.flag(6),
        abnormal: p.flag(7),
        serious_violation: p.flag(8),
    };
    let sc = cell_cow(row, 9);
    let active = match status_active(&sc) {
        Some(a) => a,
        None => {
            let status = sc.to_lowercase();
            match status_active(&status) {
                Some(a) => a,
                None => {
                    p.err(
                        9,
                        K::InvalidValue,
                        format!("'{status}' is not a registration status; write 存续/在业/active or 注销/吊销/deregistered"),
                    );
                    true
                }
            }
        }
    };
    EntityView {
        uscc,
        name,
        types,
        region,
        industry,
        credit_class,
        flags,
        active,
    }
}

/// Parse a history row.
pub(crate) fn history(
    row: &Row<'_>,
    out: &mut Vec<Diagnostic>,
    scheme: IdScheme,
) -> Option<HistoryRecord> {
    let mut p = P {
        row,
        fields: history_fields(scheme),
        out,
    };
    let uscc = p.required_id(0);
    let item = p.required_id(1);
    let date = p.date(2, true);
    let mut officers: Vec<String> = split_multi(row.get(3))
        .iter()
        .map(|s| clean_id(s))
        .collect();
    officers.sort();
    officers.dedup();
    Some(HistoryRecord {
        uscc,
        item,
        date: date?,
        officers,
    })
}

/// Parse a conflict row.
pub(crate) fn conflict(row: &Row<'_>, out: &mut Vec<Diagnostic>, scheme: IdScheme) -> Conflict {
    let mut p = P {
        row,
        fields: conflict_fields(scheme),
        out,
    };
    Conflict {
        cert_no: p.required_id(0),
        uscc: p.required_id(1),
        reason: p.text(2),
    }
}
