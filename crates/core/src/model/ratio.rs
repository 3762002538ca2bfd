//! Exact decimal ratios as agencies write them (`5%`, `5‰`, `0.05`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::text::fold_width;

/// The largest number of decimal places a ratio may carry.
const MAX_SCALE: u32 = 12;

/// An exact ratio in (0, 1], stored as `numerator / 10^scale` in lowest
/// decimal terms. No floating point is involved anywhere.
///
/// ```
/// use shuangsuiji::model::Ratio;
/// let r: Ratio = "5%".parse().unwrap();
/// assert_eq!(r, "0.05".parse().unwrap());
/// assert_eq!(r, "50‰".parse().unwrap());
/// assert_eq!(r.to_string(), "5%");
/// assert_eq!(r.decimal(), "0.05");
/// // count = ratio × base, rounded up
/// assert_eq!(r.ceil_mul(51), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: u64,
    scale: u32,
}

/// Why a ratio could not be read.
///
/// ```
/// use shuangsuiji::model::{Ratio, RatioError};
/// assert_eq!("0".parse::<Ratio>(), Err(RatioError::NotPositive));
/// assert_eq!("120%".parse::<Ratio>(), Err(RatioError::AboveOne));
/// assert_eq!("five".parse::<Ratio>(), Err(RatioError::Malformed));
/// assert_eq!(RatioError::AboveOne.to_string(), "is above 100%");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatioError {
    /// Not a number in an accepted form.
    Malformed,
    /// Zero or negative.
    NotPositive,
    /// Above 100%.
    AboveOne,
    /// More decimal places than can be represented exactly.
    TooPrecise,
}

impl fmt::Display for RatioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RatioError::Malformed => {
                "is not a ratio; write it as 5%, 5‰ or 0.05 (a minimum may be written 不低于5%, 不少于5%, 至少5%, ≥5%, =5% or 5%以上: the same as 5%)"
            }
            RatioError::NotPositive => "must be greater than 0",
            RatioError::AboveOne => "is above 100%",
            RatioError::TooPrecise => "has more than 12 decimal places",
        })
    }
}

impl std::error::Error for RatioError {}

impl Ratio {
    /// 100%: take every eligible entity.
    pub const ONE: Ratio = Ratio { num: 1, scale: 0 };

    /// The ratio `num / 10^scale`, if it lies in (0, 1].
    ///
    /// ```
    /// use shuangsuiji::model::{Ratio, RatioError};
    /// let r = Ratio::from_decimal(125, 3).unwrap(); // 0.125
    /// assert_eq!((r.numerator(), r.scale(), r.denominator()), (125, 3, 1000));
    /// assert_eq!(r.decimal(), "0.125");
    /// assert_eq!(Ratio::from_decimal(11, 1), Err(RatioError::AboveOne));
    /// ```
    pub fn from_decimal(num: u64, scale: u32) -> Result<Ratio, RatioError> {
        if scale > MAX_SCALE {
            return Err(RatioError::TooPrecise);
        }
        if num == 0 {
            return Err(RatioError::NotPositive);
        }
        if u128::from(num) > 10u128.pow(scale) {
            return Err(RatioError::AboveOne);
        }
        let (mut num, mut scale) = (num, scale);
        while scale > 0 && num % 10 == 0 {
            num /= 10;
            scale -= 1;
        }
        Ok(Ratio { num, scale })
    }

    /// Numerator over `10^scale`.
    ///
    /// ```
    /// let r: shuangsuiji::model::Ratio = "5%".parse().unwrap();
    /// assert_eq!(r.numerator() as f64 / r.denominator() as f64, 0.05);
    /// ```
    pub fn numerator(&self) -> u64 {
        self.num
    }

    /// Decimal places: the ratio is `numerator() / 10^scale()`.
    ///
    /// ```
    /// let r: shuangsuiji::model::Ratio = "2.5%".parse().unwrap();
    /// assert_eq!((r.numerator(), r.scale()), (25, 3));
    /// ```
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// `10^scale()`.
    ///
    /// ```
    /// let r: shuangsuiji::model::Ratio = "5‰".parse().unwrap();
    /// assert_eq!((r.numerator(), r.denominator()), (5, 1000));
    /// ```
    pub fn denominator(&self) -> u64 {
        10u64.pow(self.scale)
    }

    /// Whether this is 100%.
    ///
    /// ```
    /// use shuangsuiji::model::Ratio;
    /// assert!("100%".parse::<Ratio>().unwrap().is_one());
    /// assert!(!"99%".parse::<Ratio>().unwrap().is_one());
    /// ```
    pub fn is_one(&self) -> bool {
        self.num == 1 && self.scale == 0
    }

    /// `ceil(self × n)`, computed exactly in integers.
    ///
    /// ```
    /// let r: shuangsuiji::model::Ratio = "5%".parse().unwrap();
    /// assert_eq!((r.ceil_mul(40), r.ceil_mul(41), r.ceil_mul(0)), (2, 3, 0));
    /// ```
    pub fn ceil_mul(&self, n: u64) -> u64 {
        let p = u128::from(self.num) * u128::from(n);
        let d = u128::from(self.denominator());
        // the result is at most n, so it fits
        p.div_ceil(d) as u64
    }

    /// The canonical decimal form: `0.05`, `0.125`, `1`.
    ///
    /// ```
    /// use shuangsuiji::model::Ratio;
    /// assert_eq!("20%".parse::<Ratio>().unwrap().decimal(), "0.2");
    /// assert_eq!("100%".parse::<Ratio>().unwrap().decimal(), "1");
    /// ```
    pub fn decimal(&self) -> String {
        if self.scale == 0 {
            return self.num.to_string();
        }
        let digits = format!("{:0>width$}", self.num, width = self.scale as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - self.scale as usize);
        format!("{int}.{frac}")
    }
}

impl Ord for Ratio {
    /// By value, exactly (`5% < 12.5%`).
    fn cmp(&self, other: &Ratio) -> std::cmp::Ordering {
        (u128::from(self.num) * u128::from(other.denominator()))
            .cmp(&(u128::from(other.num) * u128::from(self.denominator())))
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Ratio) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Ratio {
    /// As a percentage: `5%`, `12.5%`, `0.2%`, `100%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // percentage = num / 10^(scale-2)
        if self.scale <= 2 {
            write!(f, "{}%", self.num * 10u64.pow(2 - self.scale))
        } else {
            let s = self.scale - 2;
            let digits = format!("{:0>width$}", self.num, width = s as usize + 1);
            let (int, frac) = digits.split_at(digits.len() - s as usize);
            write!(f, "{int}.{frac}%")
        }
    }
}

impl FromStr for Ratio {
    type Err = RatioError;

    fn from_str(s: &str) -> Result<Ratio, RatioError> {
        let folded = fold_width(s.trim());
        let t = strip_minimum(folded.trim());
        let (body, extra_scale) = if let Some(b) = t.strip_suffix('%') {
            (b.trim_end(), 2)
        } else if let Some(b) = t.strip_suffix('‰') {
            (b.trim_end(), 3)
        } else {
            (t, 0)
        };
        if let Some(rest) = body.strip_prefix('-') {
            return match parse_decimal(rest) {
                Some(_) => Err(RatioError::NotPositive),
                None => Err(RatioError::Malformed),
            };
        }
        let (num, scale) = parse_decimal(body).ok_or(RatioError::Malformed)?;
        Ratio::from_decimal(num, scale + extra_scale)
    }
}

/// Words of item lists for "at least" (SPEC.md §1.4): one suffix `及以上`
/// or `以上`, then one prefix `不低于`, `不少于`, `至少`, `>=`, `≥` or `=`;
/// the number they surround means the same as alone (a count is always
/// rounded up, so every ratio is a minimum).
fn strip_minimum(t: &str) -> &str {
    let t = ["及以上", "以上"]
        .iter()
        .find_map(|w| t.strip_suffix(w))
        .map_or(t, str::trim_end);
    ["不低于", "不少于", "至少", ">=", "≥", "="]
        .iter()
        .find_map(|w| t.strip_prefix(w))
        .map_or(t, str::trim_start)
}

/// `"12.50"` → `(1250, 2)`.
fn parse_decimal(s: &str) -> Option<(u64, u32)> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > MAX_SCALE as usize
    {
        return None;
    }
    let mut num: u64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        num = num.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some((num, frac.len() as u32))
}

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.decimal())
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ratio, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("ratio '{s}' {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_agencies_write() {
        let five = Ratio::from_decimal(5, 2).unwrap();
        for s in ["5%", "5 %", "５％", "0.05", "50‰", ".05", "0.050", "5.0%"] {
            assert_eq!(s.parse::<Ratio>(), Ok(five), "{s}");
        }
        assert_eq!("100%".parse::<Ratio>(), Ok(Ratio::ONE));
        assert_eq!("1".parse::<Ratio>(), Ok(Ratio::ONE));
        assert_eq!("12.5%".parse::<Ratio>().unwrap().decimal(), "0.125");
        assert_eq!("2‰".parse::<Ratio>().unwrap().to_string(), "0.2%");
        assert_eq!("12.5%".parse::<Ratio>().unwrap().to_string(), "12.5%");
    }

    #[test]
    fn minimum_wordings_mean_the_number() {
        let five = Ratio::from_decimal(5, 2).unwrap();
        for s in [
            "不低于5%",
            "不少于5%",
            "至少 5%",
            "≥5%",
            "＞＝5%",
            ">=5%",
            "=5%",
            "5%以上",
            "5% 及以上",
            "不低于5%以上",
            "不低于０.０５",
        ] {
            assert_eq!(s.parse::<Ratio>(), Ok(five), "{s}");
        }
        for s in [
            "不高于5%",
            "≤5%",
            "5%以下",
            "不低于",
            "以上",
            "≥≥5%",
            "约5%",
        ] {
            assert_eq!(s.parse::<Ratio>(), Err(RatioError::Malformed), "{s}");
        }
    }

    #[test]
    fn rejects() {
        assert_eq!("0".parse::<Ratio>(), Err(RatioError::NotPositive));
        assert_eq!("0%".parse::<Ratio>(), Err(RatioError::NotPositive));
        assert_eq!("-5%".parse::<Ratio>(), Err(RatioError::NotPositive));
        assert_eq!("101%".parse::<Ratio>(), Err(RatioError::AboveOne));
        assert_eq!("1.5".parse::<Ratio>(), Err(RatioError::AboveOne));
        assert_eq!("five".parse::<Ratio>(), Err(RatioError::Malformed));
        assert_eq!("".parse::<Ratio>(), Err(RatioError::Malformed));
        assert_eq!("5%%".parse::<Ratio>(), Err(RatioError::Malformed));
        assert_eq!("1e-2".parse::<Ratio>(), Err(RatioError::Malformed));
    }

    #[test]
    fn ceil_mul_is_exact() {
        let r: Ratio = "5%".parse().unwrap();
        assert_eq!(r.ceil_mul(0), 0);
        assert_eq!(r.ceil_mul(20), 1);
        assert_eq!(r.ceil_mul(21), 2);
        assert_eq!(r.ceil_mul(100_000_000), 5_000_000);
        assert_eq!(Ratio::ONE.ceil_mul(u64::MAX), u64::MAX);
        assert!("5%".parse::<Ratio>().unwrap() < "12.5%".parse().unwrap());
        assert!(Ratio::ONE > "99.9%".parse().unwrap());
        let tiny: Ratio = "0.000000000001".parse().unwrap();
        assert_eq!(tiny.ceil_mul(u64::MAX), 18_446_745);
    }
}
