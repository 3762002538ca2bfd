//! The ratio cell of an item list as agencies write it (SPEC.md §1.4):
//! a ratio or a minimum (`5%`, `不低于5%`), a range (`10%-30%`), a count
//! (`10户`, `不少于10户`), a ratio with a frequency (`3%;2次/年`) or no
//! number at all (`根据实际情况确定`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::ratio::{Ratio, RatioError};
use crate::model::text::fold_width;

/// The number an item list gives for an item.
///
/// ```
/// use shuangsuiji::model::{ItemRatio, Ratio};
/// let r: Ratio = "5%".parse().unwrap();
/// assert_eq!(ItemRatio::Exact(r).canonical(), "0.05");
/// assert_eq!(ItemRatio::Count { n: 10, at_least: false }.canonical(), "count:10");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemRatio {
    /// One ratio (`5%`, or a minimum wording that means the same:
    /// `不低于5%`, `≥5%`, `5%以上`): every ratio is a minimum, since counts
    /// are rounded up.
    Exact(Ratio),
    /// A range: the plan's task picks a ratio within it.
    Range {
        /// The lowest ratio allowed.
        min: Ratio,
        /// The highest ratio allowed.
        max: Ratio,
    },
    /// A number of entities (`10户`), or at least that many (`不少于10户`).
    Count {
        /// The number of entities.
        n: u64,
        /// Whether the list allows more (`不少于`, `至少`, `≥`, `以上`).
        at_least: bool,
    },
    /// No number (`根据实际情况确定`, `按需`): the plan's task states it.
    Unspecified,
    /// Minimums per group of objects inside the item
    /// (`每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级`):
    /// the segments are [`ItemRatioCell::groups`]; like
    /// [`ItemRatio::Unspecified`], no single number, so the plan's task
    /// states it (per-group ratios or a plain ratio or count).
    PerGroup,
}

/// One segment of a per-group cell (SPEC.md §1.4): a label and, when the
/// segment ends in a minimum wording (`二级≥30%`), the list's minimum for
/// the groups it names.
///
/// ```
/// use shuangsuiji::model::ItemRatioCell;
/// let c: ItemRatioCell = "三级≥50%，二级不低于30%，一级".parse().unwrap();
/// assert_eq!(c.groups[1].label, "二级");
/// assert_eq!(c.groups[1].min, Some("30%".parse().unwrap()));
/// assert_eq!(c.groups[2].min, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupBound {
    /// The segment's text before its minimum wording, folded (§1.2) and
    /// trimmed; the whole segment when it has no number.
    pub label: String,
    /// The minimum the list gives, or `None` for a segment without number.
    pub min: Option<Ratio>,
}

impl GroupBound {
    /// Whether a group value (a key of a task's `group_ratios`) falls under
    /// this segment: the value, folded (§1.2) and trimmed, is non-empty and
    /// occurs in the label.
    ///
    /// ```
    /// use shuangsuiji::model::ItemRatioCell;
    /// let c: ItemRatioCell = "每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%".parse().unwrap();
    /// assert!(c.groups[0].names("三级"));
    /// assert!(!c.groups[0].names("二级"));
    /// ```
    pub fn names(&self, value: &str) -> bool {
        let v = fold_width(value);
        let v = v.trim();
        !v.is_empty() && self.label.contains(v)
    }
}

impl ItemRatio {
    /// The canonical form of SPEC.md §2.1 (without frequency): `0.05`,
    /// `0.1-0.3`, `count:10`, `count>=10`, `unspecified`.
    ///
    /// ```
    /// use shuangsuiji::model::{ItemRatio, Ratio};
    /// let (lo, hi): (Ratio, Ratio) = ("10%".parse().unwrap(), "30%".parse().unwrap());
    /// assert_eq!(ItemRatio::Range { min: lo, max: hi }.canonical(), "0.1-0.3");
    /// assert_eq!(ItemRatio::Count { n: 3, at_least: true }.canonical(), "count>=3");
    /// assert_eq!(ItemRatio::Unspecified.canonical(), "unspecified");
    /// ```
    pub fn canonical(&self) -> String {
        match self {
            ItemRatio::Exact(r) => r.decimal(),
            ItemRatio::Range { min, max } => format!("{}-{}", min.decimal(), max.decimal()),
            ItemRatio::Count { n, at_least: false } => format!("count:{n}"),
            ItemRatio::Count { n, at_least: true } => format!("count>={n}"),
            ItemRatio::Unspecified => "unspecified".to_string(),
            ItemRatio::PerGroup => "per-group".to_string(),
        }
    }
}

impl fmt::Display for ItemRatio {
    /// `5%`, `10%-30%`, `10户`, `≥10户`, `unspecified`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemRatio::Exact(r) => write!(f, "{r}"),
            ItemRatio::Range { min, max } => write!(f, "{min}-{max}"),
            ItemRatio::Count { n, at_least: false } => write!(f, "{n}户"),
            ItemRatio::Count { n, at_least: true } => write!(f, "≥{n}户"),
            ItemRatio::Unspecified => f.write_str("unspecified"),
            ItemRatio::PerGroup => f.write_str("per-group"),
        }
    }
}

/// An item list's ratio cell: the number it gives, the frequency written
/// beside it, and the cell as published (for the notices).
///
/// ```
/// use shuangsuiji::model::{ItemRatio, ItemRatioCell};
/// let c: ItemRatioCell = "3%;2次/年".parse().unwrap();
/// assert_eq!(c.ratio, ItemRatio::Exact("3%".parse().unwrap()));
/// assert_eq!(c.frequency, "2次/年");
/// assert_eq!(c.canonical(), "0.03;2次/年");
/// let r: ItemRatioCell = "不低于10%，不高于30%".parse().unwrap();
/// assert_eq!(r.canonical(), "0.1-0.3");
/// assert_eq!(r.to_string(), "不低于10%，不高于30%");
/// // a plain ratio encodes and shows exactly as before
/// let p: ItemRatioCell = "不少于5%".parse().unwrap();
/// assert_eq!((p.canonical().as_str(), p.to_string().as_str()), ("0.05", "5%"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemRatioCell {
    /// The number the list gives.
    pub ratio: ItemRatio,
    /// A frequency written in the same cell (`2次/年`), else empty.
    pub frequency: String,
    /// The segments of a [`ItemRatio::PerGroup`] cell, in order; empty
    /// for every other form.
    pub groups: Vec<GroupBound>,
    /// The cell as written (cleaned, not folded); for a single ratio
    /// without frequency, its percentage (`5%` for `不低于0.05`).
    pub text: String,
}

impl ItemRatioCell {
    /// The record field `ratio` of SPEC.md §2.1: [`ItemRatio::canonical`],
    /// then `;` and the frequency when the cell gives one.
    ///
    /// ```
    /// use shuangsuiji::model::ItemRatioCell;
    /// assert_eq!("5%".parse::<ItemRatioCell>().unwrap().canonical(), "0.05");
    /// assert_eq!("不少于3户;每年一次".parse::<ItemRatioCell>().unwrap().canonical(), "count>=3;每年一次");
    /// ```
    pub fn canonical(&self) -> String {
        if self.ratio == ItemRatio::PerGroup {
            // per-group:每年对三级…之和>=0.5,二级>=0.3,抽取一定比例的一级
            let parts: Vec<String> = self
                .groups
                .iter()
                .map(|g| match g.min {
                    Some(r) => format!("{}>={}", g.label, r.decimal()),
                    None => g.label.clone(),
                })
                .collect();
            return format!("per-group:{}", parts.join(","));
        }
        if self.frequency.is_empty() {
            self.ratio.canonical()
        } else {
            format!("{};{}", self.ratio.canonical(), self.frequency)
        }
    }

    /// The single ratio of a plain (or minimum) cell without frequency.
    ///
    /// ```
    /// use shuangsuiji::model::ItemRatioCell;
    /// assert_eq!("不低于5%".parse::<ItemRatioCell>().unwrap().exact(), Some("5%".parse().unwrap()));
    /// assert_eq!("10%-30%".parse::<ItemRatioCell>().unwrap().exact(), None);
    /// ```
    pub fn exact(&self) -> Option<Ratio> {
        match self.ratio {
            ItemRatio::Exact(r) => Some(r),
            _ => None,
        }
    }
}

impl From<Ratio> for ItemRatioCell {
    fn from(r: Ratio) -> ItemRatioCell {
        ItemRatioCell {
            ratio: ItemRatio::Exact(r),
            frequency: String::new(),
            groups: Vec::new(),
            text: r.to_string(),
        }
    }
}

impl fmt::Display for ItemRatioCell {
    /// A plain ratio as a percentage (`5%`, as before); any other form as
    /// the list wrote it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.ratio, self.frequency.is_empty()) {
            (ItemRatio::Exact(r), true) => write!(f, "{r}"),
            _ => f.write_str(&self.text),
        }
    }
}

/// Why an item list's ratio cell could not be read.
///
/// ```
/// use shuangsuiji::model::{ItemRatioCell, ItemRatioError};
/// assert_eq!("0户".parse::<ItemRatioCell>().unwrap_err(), ItemRatioError::ZeroCount);
/// assert!(matches!("30%-10%".parse::<ItemRatioCell>(), Err(ItemRatioError::Reversed(..))));
/// assert_eq!("很多".parse::<ItemRatioCell>().unwrap_err(), ItemRatioError::Malformed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRatioError {
    /// None of the accepted forms.
    Malformed,
    /// A ratio of an accepted form with a bad value.
    Ratio(RatioError),
    /// A range whose minimum is above its maximum.
    Reversed(Ratio, Ratio),
    /// A count of 0.
    ZeroCount,
}

impl fmt::Display for ItemRatioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemRatioError::Malformed | ItemRatioError::Ratio(RatioError::Malformed) => f.write_str(
                "is not a ratio; write it as 5%, 5‰ or 0.05 (a minimum may be written 不低于5%, 不少于5%, 至少5%, ≥5%, =5% or 5%以上: the same as 5%), a range 10%-30%, 10%～30%, 10%至30% or 不低于10%，不高于30%, a count 10户 or 不少于10户, a ratio and a frequency 3%;2次/年 or 3%，每年2次, or no number: 根据实际情况确定 or 按需",
            ),
            ItemRatioError::Ratio(e) => write!(f, "{e}"),
            ItemRatioError::Reversed(lo, hi) => {
                write!(f, "is a range whose minimum {lo} is above its maximum {hi}")
            }
            ItemRatioError::ZeroCount => f.write_str("is a count of 0; a count must be greater than 0"),
        }
    }
}

impl std::error::Error for ItemRatioError {}

/// Cells that give no number (SPEC.md §1.4).
const UNSPECIFIED: [&str; 6] = [
    "根据实际情况确定",
    "根据实际确定",
    "按实际情况确定",
    "视情况确定",
    "按需确定",
    "按需",
];

/// Minimum words before a number (as in [`Ratio`]'s grammar).
const AT_LEAST: [&str; 5] = ["不低于", "不少于", "至少", ">=", "≥"];
/// Maximum words opening the second half of a worded range.
const AT_MOST: [&str; 5] = ["不高于", "不超过", "至多", "<=", "≤"];
/// Range separators, first found wins.
const RANGE_SEPS: [char; 5] = ['-', '~', '〜', '至', '到'];

impl FromStr for ItemRatioCell {
    type Err = ItemRatioError;

    fn from_str(s: &str) -> Result<ItemRatioCell, ItemRatioError> {
        let text = s.trim().to_string();
        let folded = fold_width(&text);
        let t = folded.trim();
        let (ratio, frequency) = match number(t) {
            Ok(r) => (r, String::new()),
            Err(first) => match with_frequency(t, first) {
                Ok(r) => r,
                // only a cell refused by every other form may be per-group
                Err(e) => match per_group(t) {
                    Some(groups) => {
                        return Ok(ItemRatioCell {
                            ratio: ItemRatio::PerGroup,
                            frequency: String::new(),
                            groups,
                            text,
                        });
                    }
                    None => return Err(e),
                },
            },
        };
        // a plain ratio is held as its percentage, however written (as
        // before: `0.05` typed in a spreadsheet and `5%` are one item)
        let text = match (ratio, frequency.is_empty()) {
            (ItemRatio::Exact(r), true) => r.to_string(),
            _ => text,
        };
        Ok(ItemRatioCell {
            ratio,
            frequency,
            groups: Vec::new(),
            text,
        })
    }
}

/// A number form, then a frequency after the last `;` or `,`.
fn with_frequency(t: &str, first: ItemRatioError) -> Result<(ItemRatio, String), ItemRatioError> {
    let Some(i) = t.rfind([';', ',']) else {
        return Err(first);
    };
    let (left, right) = (t[..i].trim(), t[i + 1..].trim());
    if right.is_empty() || !right.contains('次') {
        return Err(first);
    }
    Ok((number(left)?, right.to_string()))
}

/// A per-group cell (SPEC.md §1.4), on folded, trimmed text: at least two
/// segments split at `,` and `;`, each non-empty and either bounded (a
/// non-empty label, then a minimum wording and a ratio) or without any
/// ASCII digit, `%` or `‰` (a label alone); at least one bounded.
fn per_group(t: &str) -> Option<Vec<GroupBound>> {
    let segments: Vec<&str> = t.split([',', ';']).map(str::trim).collect();
    if segments.len() < 2 {
        return None;
    }
    let mut groups = Vec::with_capacity(segments.len());
    for s in segments {
        if s.is_empty() {
            return None;
        }
        if s.chars()
            .any(|c| c.is_ascii_digit() || c == '%' || c == '‰')
        {
            groups.push(bounded(s)?);
        } else {
            groups.push(GroupBound {
                label: s.to_string(),
                min: None,
            });
        }
    }
    groups.iter().any(|g| g.min.is_some()).then_some(groups)
}

/// `label ≥ a%` (or `不低于`, `不少于`, `至少`, `>=`, `=` before the
/// number, or `以上`/`及以上` after the unit): the label and the ratio.
fn bounded(s: &str) -> Option<GroupBound> {
    let mut u = s;
    let mut worded = false;
    for w in ["及以上", "以上"] {
        if let Some(r) = u.strip_suffix(w) {
            u = r.trim_end();
            worded = true;
            break;
        }
    }
    let unit = u.chars().last().filter(|c| matches!(c, '%' | '‰'))?;
    let u = u[..u.len() - unit.len_utf8()].trim_end();
    let start = u
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '+'))
        .last()
        .map(|(i, _)| i)?;
    let number = &u[start..];
    let mut label = u[..start].trim_end();
    if let Some(w) = [">=", "不低于", "不少于", "至少", "≥", "="]
        .iter()
        .find(|w| label.ends_with(*w))
    {
        label = label[..label.len() - w.len()].trim_end();
        worded = true;
    }
    if !worded || label.is_empty() {
        return None;
    }
    let min: Ratio = format!("{number}{unit}").parse().ok()?;
    Some(GroupBound {
        label: label.to_string(),
        min: Some(min),
    })
}

/// One number form (no frequency), on folded, trimmed text.
fn number(t: &str) -> Result<ItemRatio, ItemRatioError> {
    if UNSPECIFIED.contains(&t) {
        return Ok(ItemRatio::Unspecified);
    }
    // 不低于a，不高于b
    if let Some((a, b)) = t.split_once(',')
        && let Some(a) = AT_LEAST.iter().find_map(|w| a.trim().strip_prefix(w))
        && let Some(b) = AT_MOST.iter().find_map(|w| b.trim().strip_prefix(w))
    {
        return range(a.trim(), b.trim());
    }
    // a-b, a~b, a至b
    if let Some(i) = t.find(RANGE_SEPS)
        && i > 0
    {
        let sep = t[i..].chars().next().map_or(1, char::len_utf8);
        let (a, b) = (t[..i].trim(), t[i + sep..].trim());
        if plain(a) && plain(b) {
            return range(a, b);
        }
    }
    // counts: 10户, 不少于10户, 10户以上
    if let Some(c) = count(t) {
        return c;
    }
    t.parse::<Ratio>()
        .map(ItemRatio::Exact)
        .map_err(ratio_error)
}

fn ratio_error(e: RatioError) -> ItemRatioError {
    match e {
        RatioError::Malformed => ItemRatioError::Malformed,
        e => ItemRatioError::Ratio(e),
    }
}

/// Digits, `.`, `+`, `%`, `‰` and spaces only: a bare ratio.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '%' | '‰' | ' '))
}

fn range(a: &str, b: &str) -> Result<ItemRatio, ItemRatioError> {
    if !plain(a) || !plain(b) {
        return Err(ItemRatioError::Malformed);
    }
    // `10-30%`: the first number takes the second's unit
    let a = match (a.ends_with(['%', '‰']), b.chars().last()) {
        (false, Some(u @ ('%' | '‰'))) => format!("{a}{u}"),
        _ => a.to_string(),
    };
    let min: Ratio = a.parse().map_err(ratio_error)?;
    let max: Ratio = b.parse().map_err(ratio_error)?;
    if min > max {
        return Err(ItemRatioError::Reversed(min, max));
    }
    Ok(ItemRatio::Range { min, max })
}

fn count(t: &str) -> Option<Result<ItemRatio, ItemRatioError>> {
    let mut at_least = false;
    let mut t = t;
    for w in ["及以上", "以上"] {
        if let Some(r) = t.strip_suffix(w) {
            t = r.trim_end();
            at_least = true;
            break;
        }
    }
    let t = ["户", "家"]
        .iter()
        .find_map(|w| t.strip_suffix(w))?
        .trim_end();
    let t = match AT_LEAST.iter().find_map(|w| t.strip_prefix(w)) {
        Some(r) => {
            at_least = true;
            r.trim_start()
        }
        None => t.strip_prefix('=').map_or(t, str::trim_start),
    };
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Err(ItemRatioError::Malformed));
    }
    Some(match digits.parse::<u64>() {
        Ok(0) => Err(ItemRatioError::ZeroCount),
        Ok(n) => Ok(ItemRatio::Count { n, at_least }),
        Err(_) => Err(ItemRatioError::Malformed),
    })
}

impl Serialize for ItemRatioCell {
    /// A single ratio without frequency as its canonical decimal (`0.05`,
    /// as before these forms existed); any other cell as written (it reads
    /// back to the same form).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.ratio, self.frequency.is_empty()) {
            (ItemRatio::Exact(r), true) => s.serialize_str(&r.decimal()),
            _ => s.serialize_str(&self.text),
        }
    }
}

impl<'de> Deserialize<'de> for ItemRatioCell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ItemRatioCell, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("ratio '{s}' {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Ratio {
        s.parse().unwrap()
    }
    fn cell(s: &str) -> ItemRatioCell {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn plain_and_minimums_encode_as_before() {
        for s in [
            "5%",
            "0.05",
            "50‰",
            "不低于5%",
            "不少于5%",
            "至少5%",
            "≥5%",
            "=5%",
            "5%以上",
            "５％",
        ] {
            let c = cell(s);
            assert_eq!(c.ratio, ItemRatio::Exact(r("5%")), "{s}");
            assert_eq!(c.canonical(), "0.05", "{s}");
            assert_eq!(c.to_string(), "5%", "{s}");
        }
    }

    #[test]
    fn ranges() {
        let want = ItemRatio::Range {
            min: r("10%"),
            max: r("30%"),
        };
        for s in [
            "10%-30%",
            "10%～30%",
            "10%~30%",
            "10%至30%",
            "10-30%",
            "10% - 30%",
            "不低于10%，不高于30%",
            "不低于10%,不超过30%",
            "0.1-0.3",
        ] {
            let c = cell(s);
            assert_eq!(c.ratio, want, "{s}");
            assert_eq!(c.canonical(), "0.1-0.3", "{s}");
            assert_eq!(c.to_string(), s, "{s}");
        }
        assert_eq!(
            "30%-10%".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Reversed(r("30%"), r("10%")))
        );
        assert_eq!(
            "10%-130%".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Ratio(RatioError::AboveOne))
        );
    }

    #[test]
    fn counts() {
        let c = cell("10户");
        assert_eq!(
            c.ratio,
            ItemRatio::Count {
                n: 10,
                at_least: false
            }
        );
        assert_eq!(c.canonical(), "count:10");
        for s in ["不少于10户", "至少10家", "≥10户", "10户以上"] {
            let c = cell(s);
            assert_eq!(
                c.ratio,
                ItemRatio::Count {
                    n: 10,
                    at_least: true
                },
                "{s}"
            );
            assert_eq!(c.canonical(), "count>=10", "{s}");
        }
        assert_eq!(
            "0户".parse::<ItemRatioCell>(),
            Err(ItemRatioError::ZeroCount)
        );
        assert_eq!(
            "十户".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Malformed)
        );
    }

    #[test]
    fn frequencies() {
        for s in ["3%;2次/年", "3%，每年2次", "3%；每年2次"] {
            let c = cell(s);
            assert_eq!(c.ratio, ItemRatio::Exact(r("3%")), "{s}");
            assert!(c.frequency.contains('次'), "{s}");
            assert_eq!(c.to_string(), s, "{s}");
        }
        assert_eq!(cell("3%;2次/年").canonical(), "0.03;2次/年");
        assert_eq!(cell("3%，每年2次").canonical(), "0.03;每年2次");
        assert_eq!(
            cell("不低于10%，不高于30%;每季度一次").canonical(),
            "0.1-0.3;每季度一次"
        );
        assert_eq!(cell("按需;每年1次").canonical(), "unspecified;每年1次");
        // no 次: not a frequency
        assert_eq!(
            "3%;全年".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Malformed)
        );
    }

    #[test]
    fn json_round_trip() {
        for (cell, json) in [
            ("不低于5%", "\"0.05\""),
            ("10%-30%", "\"10%-30%\""),
            ("不少于10户", "\"不少于10户\""),
            ("3%;2次/年", "\"3%;2次/年\""),
            ("按需", "\"按需\""),
        ] {
            let c = cell_of(cell);
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(j, json);
            assert_eq!(serde_json::from_str::<ItemRatioCell>(&j).unwrap(), c);
        }
    }

    fn cell_of(s: &str) -> ItemRatioCell {
        s.parse().unwrap()
    }

    #[test]
    fn no_number() {
        for s in ["根据实际情况确定", "按需", "按需确定", "视情况确定"] {
            let c = cell(s);
            assert_eq!(c.ratio, ItemRatio::Unspecified, "{s}");
            assert_eq!(c.canonical(), "unspecified");
            assert_eq!(c.to_string(), s);
        }
    }

    #[test]
    fn refusals_name_the_forms() {
        for s in ["五成", "约5%", "5%%", "不高于5%", "1e-2", "10%-", "-", "按"] {
            let e = s.parse::<ItemRatioCell>().unwrap_err();
            assert_eq!(e, ItemRatioError::Malformed, "{s}");
            let m = e.to_string();
            for form in [
                "5%",
                "10%-30%",
                "不低于10%，不高于30%",
                "10户",
                "3%;2次/年",
                "根据实际情况确定",
            ] {
                assert!(m.contains(form), "{m}");
            }
        }
        assert_eq!(
            "-5%".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Ratio(RatioError::NotPositive))
        );
        assert_eq!(
            "0".parse::<ItemRatioCell>().unwrap_err().to_string(),
            "must be greater than 0"
        );
    }

    #[test]
    fn per_group_cells() {
        let issue = "每年对三级定点医疗机构抽查比例之和≥50%，二级≥30%，抽取一定比例的一级";
        let c = cell(issue);
        assert_eq!(c.ratio, ItemRatio::PerGroup);
        assert_eq!(c.to_string(), issue);
        assert!(c.frequency.is_empty());
        assert_eq!(
            c.canonical(),
            "per-group:每年对三级定点医疗机构抽查比例之和>=0.5,二级>=0.3,抽取一定比例的一级"
        );
        assert_eq!(c.groups.len(), 3);
        assert_eq!(c.groups[0].min, Some(r("50%")));
        assert!(c.groups[0].names("三级") && !c.groups[0].names("二级"));
        assert!(c.groups[1].names("二级") && !c.groups[1].names("二 级"));
        assert!(!c.groups[1].names("") && !c.groups[1].names(" "));
        assert_eq!(c.exact(), None);
        // every accepted minimum wording, both separators, full width
        for (s, canon) in [
            ("三级≥50%,二级≥30%", "per-group:三级>=0.5,二级>=0.3"),
            (
                "三级不低于50%；二级不少于30%",
                "per-group:三级>=0.5,二级>=0.3",
            ),
            ("三级至少50%;二级>=30%", "per-group:三级>=0.5,二级>=0.3"),
            ("三级=50%，二级30%以上", "per-group:三级>=0.5,二级>=0.3"),
            (
                "三级 ≥ ５０％ , 二级 30 ‰ 及以上",
                "per-group:三级>=0.5,二级>=0.03",
            ),
            ("三级≥50%，其余按需", "per-group:三级>=0.5,其余按需"),
            (
                "重点单位≥+12.5%，一般单位",
                "per-group:重点单位>=0.125,一般单位",
            ),
        ] {
            let c = cell(s);
            assert_eq!(c.ratio, ItemRatio::PerGroup, "{s}");
            assert_eq!(c.canonical(), canon, "{s}");
            assert_eq!(c.to_string(), s, "{s}");
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<ItemRatioCell>(&j).unwrap(), c, "{s}");
        }
    }

    #[test]
    fn not_per_group_keeps_the_old_answer() {
        // cells accepted before keep their form and canonical field
        assert_eq!(cell("不低于10%，不高于30%").canonical(), "0.1-0.3");
        assert_eq!(cell("3%，每年2次").canonical(), "0.03;每年2次");
        // refused before, still refused, with the same error
        for s in [
            "三级≥50%",                    // one segment
            "≥50%，二级≥30%",              // a bounded segment without label
            "三级50%，二级30%",            // no minimum wording
            "三级≥50%，二级不高于30%",     // a maximum
            "三级≥50%，，二级≥30%",        // an empty segment
            "三级≥50%，二级≥30%，每年2次", // a number that is no bound
            "三级，二级",                  // no bound at all
            "三级≥0%，二级≥30%",           // a bound that is no ratio
            "三级≥150%，二级",
            "三级≥5%%，二级",
        ] {
            assert_eq!(
                s.parse::<ItemRatioCell>(),
                Err(ItemRatioError::Malformed),
                "{s}"
            );
        }
        assert_eq!(
            "30%-10%，二级≥5%".parse::<ItemRatioCell>(),
            Err(ItemRatioError::Malformed)
        );
    }
}
