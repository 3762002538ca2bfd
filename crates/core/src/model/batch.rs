//! Annual ratios drawn in batches (SPEC.md §6.5): a task says it is batch
//! `k` of `n` of the year (`batch = "2/4"`) or the share of the year's
//! target reached when it is done (`year_share = "50%"`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::text::fold_width;

/// The largest number of batches a year may be cut into.
pub const MAX_BATCHES: u32 = 1000;

/// Batch `k` of `n` of the year (`"2/4"`: the second of four batches).
///
/// ```
/// use shuangsuiji::model::Batch;
/// let b: Batch = "2/4".parse().unwrap();
/// assert_eq!((b.k, b.n), (2, 4));
/// assert_eq!(b.to_string(), "2/4");
/// assert_eq!(" ２ / ４ ".parse::<Batch>(), Ok(b));
/// assert!("5/4".parse::<Batch>().is_err());
/// assert!("0/4".parse::<Batch>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Batch {
    /// This batch, 1-based.
    pub k: u32,
    /// Batches of the year.
    pub n: u32,
}

/// A text that is not `k/n` with `1 ≤ k ≤ n ≤ 1000`.
///
/// ```
/// use shuangsuiji::model::{Batch, BatchError};
/// assert_eq!("5/4".parse::<Batch>(), Err(BatchError));
/// assert!(BatchError.to_string().starts_with("is not k/n"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError;

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "is not k/n with 1 ≤ k ≤ n ≤ {MAX_BATCHES} (e.g. \"2/4\": the second of four batches of the year)"
        )
    }
}

impl std::error::Error for BatchError {}

impl FromStr for Batch {
    type Err = BatchError;

    /// `k/n`: the text folded (full-width digits and `／` are ASCII) and
    /// trimmed of `White_Space`; `k` and `n` ASCII digits, each trimmed;
    /// `1 ≤ k ≤ n ≤ 1000`.
    fn from_str(s: &str) -> Result<Batch, BatchError> {
        let t = fold_width(s);
        let (k, n) = t.split_once('/').ok_or(BatchError)?;
        let num = |x: &str| -> Result<u32, BatchError> {
            let x = x.trim_matches(crate::model::text::is_space);
            if x.is_empty() || x.len() > 4 || !x.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BatchError);
            }
            x.parse().map_err(|_| BatchError)
        };
        let (k, n) = (num(k)?, num(n)?);
        if k == 0 || k > n || n > MAX_BATCHES {
            return Err(BatchError);
        }
        Ok(Batch { k, n })
    }
}

impl fmt::Display for Batch {
    /// `k/n` in ASCII digits without leading zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Serialize for Batch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Batch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Batch, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("batch '{s}' {e}")))
    }
}

/// `ceil(a × b / d)` computed exactly (the product may exceed 128 bits),
/// for `d > 0`, `d < 2^127` and a result below 2^128.
///
/// ```
/// use shuangsuiji::model::mul_div_ceil;
/// assert_eq!(mul_div_ceil(3, 7, 2), 11);
/// assert_eq!(mul_div_ceil(u128::from(u64::MAX), 1 << 80, 1 << 80), u128::from(u64::MAX));
/// ```
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> u128 {
    assert!(d > 0 && d < 1 << 127);
    // 256-bit product (hi, lo) from 64-bit limbs
    let m = u128::from(u64::MAX);
    let (a1, a0) = (a >> 64, a & m);
    let (b1, b0) = (b >> 64, b & m);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & m) + (p10 & m);
    let lo = (p00 & m) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    // long division, bit by bit
    let mut rem: u128 = 0;
    let mut q: u128 = 0;
    for i in (0..256).rev() {
        let bit = if i >= 128 {
            (hi >> (i - 128)) & 1
        } else {
            (lo >> i) & 1
        };
        rem = (rem << 1) | bit;
        q <<= 1;
        if rem >= d {
            rem -= d;
            q |= 1;
        }
    }
    if rem > 0 { q + 1 } else { q }
}
