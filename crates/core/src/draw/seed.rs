//! Seed strength: how many bits of unpredictability a seed carries, and how
//! many a draw needs.
//!
//! The rule (deterministic, integers only):
//!
//! * **Bits in a seed.** Only digits count. The normalised seed is cut into
//!   runs of ASCII letters and digits. A run of at least 16 characters, all
//!   hexadecimal (`0-9a-fA-F`) and containing at least one letter, is a
//!   beacon output (drand, NIST) and counts 4 bits per character. In every
//!   other run each decimal digit counts log2 10 ≈ 3.32 bits, rounded down
//!   over the whole seed (`digits × 3321928 / 1000000`). Letters,
//!   punctuation and Chinese text count nothing: they are labels anyone
//!   could guess. The estimate cannot know that a digit was predictable (a
//!   date, a round number): the seed text should hold only the outcome of
//!   the announced public source.
//! * **Bits a draw needs.** `D` is the number of possible entity
//!   selections, the product over every stratum of every task of
//!   C(N_h, n_h). The seed needs `ceil(log2 D)` bits, but at least 64 and
//!   never more than 96: below 64 bits every seed can be tried in advance;
//!   beyond 96 no one can enumerate the seeds anyway. So 29 decimal digits
//!   (96 bits) always suffice, 20 digits (66 bits) suffice for small draws.
//!
//! * **Declared sources.** A plan that declares its seed sources
//!   (`[[seed_sources]]`, SPEC.md §3.1) is credited, instead of the digit
//!   rule, the sum over its sources of `log2` of each source's number of
//!   possible outcomes (in tenths of a bit, rounded down): 快乐8 61.6,
//!   双色球 24.0, 大乐透 24.3, 3D 9.9, 排列5 16.6, a drand round 256;
//!   see [`crate::draw::read_seed`].
//!
//! Why: a seed with *b* bits has only 2^*b* values. Whoever prepares the
//! inputs can compute the draw for every one of them beforehand and adjust
//! the inputs (or pick among public sources) until the outcome they want
//! comes up for most seeds — grinding. The commitment fixes the inputs
//! before the seed is known; enough seed bits make the commitment count.

use serde::Serialize;

use crate::DrawResult;

/// The least number of bits any draw requires.
pub const MIN_SEED_BITS: u32 = 64;
/// The most bits any draw requires.
pub const MAX_SEED_BITS: u32 = 96;

/// Conservative estimate of the bits of a normalised seed (see the module
/// documentation).
///
/// ```
/// use shuangsuiji::draw::seed_bits;
/// assert_eq!(seed_bits("38 17 05 92 64 11"), 39);  // 12 digits
/// assert_eq!(seed_bits("第1期 开奖号码"), 3);
/// assert_eq!(seed_bits(&"ab".repeat(16)), 128);   // a beacon's hex output
/// ```
pub fn seed_bits(normalized: &str) -> u32 {
    let mut digits: u64 = 0;
    let mut hex_bits: u64 = 0;
    for run in normalized.split(|c: char| !c.is_ascii_alphanumeric()) {
        let is_beacon = run.len() >= 16
            && run.chars().all(|c| c.is_ascii_hexdigit())
            && run.chars().any(|c| c.is_ascii_alphabetic());
        if is_beacon {
            hex_bits += 4 * run.len() as u64;
        } else {
            digits += run.chars().filter(char::is_ascii_digit).count() as u64;
        }
    }
    let bits = hex_bits + digits * 3_321_928 / 1_000_000;
    u32::try_from(bits).unwrap_or(u32::MAX)
}

/// `min(C(n, k), 2^MAX_SEED_BITS)` as an integer.
fn binomial_capped(n: u64, k: u64) -> u128 {
    let cap: u128 = 1 << MAX_SEED_BITS;
    let k = k.min(n - k.min(n));
    let mut c: u128 = 1;
    for i in 0..k {
        // c = C(n, i), increasing in i while i < n/2
        match c.checked_mul(u128::from(n - i)) {
            Some(x) => c = x / u128::from(i + 1),
            None => return cap,
        }
        if c >= cap {
            return cap;
        }
    }
    c
}

/// The bits a draw needs: `ceil(log2 D)` clamped to 64..=96, where `D` is
/// the number of possible entity selections (see the module documentation).
///
/// ```
/// use shuangsuiji::draw::required_seed_bits;
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let needed = required_seed_bits(draw.result());
/// assert!((64..=96).contains(&needed));
/// assert_eq!(needed, draw.strength().required);
/// ```
pub fn required_seed_bits(result: &DrawResult) -> u32 {
    let cap: u128 = 1 << MAX_SEED_BITS;
    let mut d: u128 = 1;
    for t in &result.tasks {
        for s in &t.allocation {
            let c = binomial_capped(s.base, s.drawn);
            d = d.checked_mul(c).map_or(cap, |x| x.min(cap));
        }
    }
    // ceil(log2 d)
    let bits = if d <= 1 {
        0
    } else {
        128 - (d - 1).leading_zeros()
    };
    bits.clamp(MIN_SEED_BITS, MAX_SEED_BITS)
}

/// A seed's estimated bits and a draw's requirement.
///
/// ```
/// use shuangsuiji::SeedStrength;
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let s = SeedStrength::of(draw.result());
/// assert_eq!(s, draw.strength());
/// assert_eq!(s.bits, 19); // six decimal digits
/// assert!(!s.is_enough() && SeedStrength { bits: 96, required: 96 }.is_enough());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedStrength {
    /// Bits in the seed ([`seed_bits`]).
    pub bits: u32,
    /// Bits the draw needs ([`required_seed_bits`]).
    pub required: u32,
}

impl SeedStrength {
    /// The strength of a result's seed for that result: the declared
    /// sources' bits when the plan declares sources, else the digit rule.
    ///
    /// ```
    /// # use shuangsuiji::{Dataset, DrawOptions, Seed, SeedStrength};
    /// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// # let seed: Seed = "38 17 05 92 64 11".parse().unwrap();
    /// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
    /// assert_eq!(SeedStrength::of(draw.result()).bits, seed.bits());
    /// ```
    pub fn of(result: &DrawResult) -> SeedStrength {
        let bits = if result.seed.sources.is_empty() {
            seed_bits(&result.seed.normalized)
        } else {
            super::declared_bits(&result.seed.sources)
        };
        SeedStrength {
            bits,
            required: required_seed_bits(result),
        }
    }

    /// Whether the seed is strong enough.
    ///
    /// ```
    /// use shuangsuiji::SeedStrength;
    /// assert!(SeedStrength { bits: 70, required: 64 }.is_enough());
    /// assert!(!SeedStrength { bits: 63, required: 64 }.is_enough());
    /// ```
    pub fn is_enough(&self) -> bool {
        self.bits >= self.required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials() {
        assert_eq!(binomial_capped(10, 3), 120);
        assert_eq!(binomial_capped(10, 7), 120);
        assert_eq!(binomial_capped(5, 5), 1);
        assert_eq!(binomial_capped(5, 0), 1);
        assert_eq!(binomial_capped(100_000_000, 1000), 1 << MAX_SEED_BITS);
    }

    #[test]
    fn seed_bits_rule() {
        assert_eq!(seed_bits(""), 0);
        assert_eq!(seed_bits("1234567890"), 33);
        assert_eq!(seed_bits(&"7".repeat(29)), 96);
        assert_eq!(seed_bits(&"7".repeat(20)), 66);
        // hex only counts as hex when long and with a letter
        assert_eq!(seed_bits("deadbeef"), 0);
        assert_eq!(seed_bits("0123456789abcdef"), 64);
        // full-width digits are normalised before; here they are not digits
        assert_eq!(seed_bits("３８"), 0);
    }
}
