//! Declared seed sources (SPEC.md §3.1): what the seed will be made of,
//! committed in the plan before any outcome exists, and how many bits each
//! source really carries.
//!
//! A plan may declare a list of sources (`[[seed_sources]]` in plan.toml).
//! The seed text is then the sources' outcomes in the declared order, each
//! in its canonical written form, and the strength guard credits each
//! source with `log2` of its number of possible outcomes instead of
//! counting digits. Plans without a declaration keep the digit rule
//! ([`crate::draw::seed_bits`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::Date;

/// No source is credited more than 256 bits (2560 tenths).
pub const MAX_SOURCE_TENTHS: u32 = 2560;

/// drand quicknet: genesis time (Unix seconds) of round 1.
pub const QUICKNET_GENESIS: u64 = 1_692_803_367;
/// drand quicknet: seconds between rounds.
pub const QUICKNET_PERIOD: u64 = 3;
/// drand quicknet: chain hash.
pub const QUICKNET_CHAIN_HASH: &str =
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
/// drand quicknet: the group public key, a compressed G2 point (96 bytes) in hex.
pub const QUICKNET_PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
/// drand quicknet: signature scheme.
pub const QUICKNET_SCHEME: &str = "bls-unchained-g1-rfc9380";

/// A lottery game whose results are published officially.
///
/// ```
/// use shuangsuiji::model::Game;
/// assert_eq!((Game::Ssq.code(), Game::Ssq.name_zh()), ("ssq", "福彩双色球"));
/// assert_eq!(Game::Fc3d.outcomes(), 1000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Game {
    /// 福彩快乐8: 20 distinct numbers of 1–80 (published sorted).
    Kl8,
    /// 福彩双色球: 6 distinct red of 1–33 + 1 blue of 1–16.
    Ssq,
    /// 福彩3D: 3 digits 0–9, in order, repeats allowed.
    Fc3d,
    /// 体彩大乐透: 5 distinct front of 1–35 + 2 distinct back of 1–12.
    Dlt,
    /// 体彩排列5: 5 digits 0–9, in order, repeats allowed.
    Pl5,
}

/// One group of numbers of a game's result.
///
/// ```
/// use shuangsuiji::model::Game;
/// let kl8 = Game::Kl8.pools()[0];
/// assert_eq!((kl8.count, kl8.min, kl8.max, kl8.set), (20, 1, 80, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    /// How many numbers.
    pub count: u32,
    /// Smallest number.
    pub min: u32,
    /// Largest number.
    pub max: u32,
    /// `true`: distinct numbers, order irrelevant, written ascending with two
    /// digits (`03`); `false`: digits in drawn order, repeats allowed,
    /// written with one digit.
    pub set: bool,
}

impl Game {
    /// The word used in plan.toml and in the seed text (`kl8`, `ssq`, `fc3d`, `dlt`, `pl5`).
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::Game::Dlt.code(), "dlt");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            Game::Kl8 => "kl8",
            Game::Ssq => "ssq",
            Game::Fc3d => "fc3d",
            Game::Dlt => "dlt",
            Game::Pl5 => "pl5",
        }
    }

    /// The game's Chinese name (`福彩快乐8` …).
    ///
    /// ```
    /// assert_eq!(shuangsuiji::model::Game::Pl5.name_zh(), "体彩排列5");
    /// ```
    pub fn name_zh(self) -> &'static str {
        match self {
            Game::Kl8 => "福彩快乐8",
            Game::Ssq => "福彩双色球",
            Game::Fc3d => "福彩3D",
            Game::Dlt => "体彩大乐透",
            Game::Pl5 => "体彩排列5",
        }
    }

    /// The groups of numbers of one result, in written order.
    ///
    /// ```
    /// use shuangsuiji::model::Game;
    /// assert_eq!(Game::Ssq.pools().len(), 2);
    /// assert_eq!(Game::Kl8.pools()[0].count, 20);
    /// ```
    pub fn pools(self) -> &'static [Pool] {
        const fn set(count: u32, max: u32) -> Pool {
            Pool {
                count,
                min: 1,
                max,
                set: true,
            }
        }
        const fn digits(count: u32) -> Pool {
            Pool {
                count,
                min: 0,
                max: 9,
                set: false,
            }
        }
        const KL8: [Pool; 1] = [set(20, 80)];
        const SSQ: [Pool; 2] = [set(6, 33), set(1, 16)];
        const FC3D: [Pool; 1] = [digits(3)];
        const DLT: [Pool; 2] = [set(5, 35), set(2, 12)];
        const PL5: [Pool; 1] = [digits(5)];
        match self {
            Game::Kl8 => &KL8,
            Game::Ssq => &SSQ,
            Game::Fc3d => &FC3D,
            Game::Dlt => &DLT,
            Game::Pl5 => &PL5,
        }
    }

    /// The number of possible results (product over the pools of
    /// C(max − min + 1, count) for a set, 10^count for digits).
    ///
    /// ```
    /// use shuangsuiji::model::Game;
    /// assert_eq!(Game::Ssq.outcomes(), 1_107_568 * 16);
    /// assert_eq!(Game::Kl8.outcomes(), 3_535_316_142_212_174_320);
    /// ```
    pub fn outcomes(self) -> u128 {
        self.pools()
            .iter()
            .map(|p| {
                let n = u128::from(p.max - p.min + 1);
                if p.set {
                    let mut c: u128 = 1;
                    for i in 0..u128::from(p.count) {
                        c = c * (n - i) / (i + 1);
                    }
                    c
                } else {
                    n.pow(p.count)
                }
            })
            .product()
    }
}

/// One declared source of the seed (`[[seed_sources]]` in plan.toml).
///
/// ```
/// use shuangsuiji::model::SeedSource;
/// let s: SeedSource = toml::from_str(r#"
/// type = "lottery"
/// game = "kl8"
/// issue = "2026270"
/// draw_date = 2026-10-09
/// "#).unwrap();
/// assert_eq!(s.label(), "kl8 2026270");
/// assert_eq!(s.fixed_tenths(), Some(616)); // log2 C(80,20) = 61.6…
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SeedSource {
    /// `count` dice with `faces` faces, thrown in public, read in throw
    /// order. A ten-faced die reads 0–9, any other die 1–`faces`.
    Dice {
        /// Number of dice (throws), 1–1000.
        count: u32,
        /// Faces of each die, 2–1000.
        faces: u32,
    },
    /// The official result of one issue (期号) of a lottery game.
    Lottery {
        /// The game.
        game: Game,
        /// The issue number (期号), ASCII digits as the operator prints it.
        issue: String,
        /// The day of the drawing (on or after the plan date).
        draw_date: Date,
    },
    /// A round of the drand quicknet chain, with its BLS signature.
    Drand {
        /// The round number (published at or after the plan date).
        round: u64,
    },
    /// Free text, credited by the digit rule ([`crate::draw::seed_bits`]).
    Text {
        /// What the text will be.
        description: String,
    },
}

impl SeedSource {
    /// The label that begins this source's part of the seed text (before
    /// the `:`): `dice`, `kl8 2026270`, `drand 123`, `text`.
    ///
    /// ```
    /// use shuangsuiji::model::SeedSource;
    /// assert_eq!(SeedSource::Drand { round: 123 }.label(), "drand 123");
    /// assert_eq!(SeedSource::Text { description: "公证员宣读".into() }.label(), "text");
    /// ```
    pub fn label(&self) -> String {
        match self {
            SeedSource::Dice { .. } => "dice".to_string(),
            SeedSource::Lottery { game, issue, .. } => format!("{} {issue}", game.code()),
            SeedSource::Drand { round } => format!("drand {round}"),
            SeedSource::Text { .. } => "text".to_string(),
        }
    }

    /// The tenths of bits the source is credited with whatever its outcome
    /// (`floor(10 × log2 outcomes)`, at most [`MAX_SOURCE_TENTHS`]);
    /// `None` for free text, which is counted from its digits.
    ///
    /// ```
    /// use shuangsuiji::model::{Game, SeedSource};
    /// let dice = SeedSource::Dice { count: 30, faces: 10 };
    /// assert_eq!(dice.fixed_tenths(), Some(996)); // 30 × log2 10 = 99.65…
    /// assert_eq!(SeedSource::Drand { round: 1 }.fixed_tenths(), Some(2560));
    /// ```
    pub fn fixed_tenths(&self) -> Option<u32> {
        match self {
            SeedSource::Dice { count, faces } => {
                let mut n = Big::one();
                for _ in 0..*count {
                    n.mul_small(*faces);
                    if n.bits() > 256 {
                        return Some(MAX_SOURCE_TENTHS);
                    }
                }
                Some(tenths_of(&n))
            }
            SeedSource::Lottery { game, .. } => Some(tenths_of(&Big::from_u128(game.outcomes()))),
            SeedSource::Drand { .. } => Some(MAX_SOURCE_TENTHS),
            SeedSource::Text { .. } => None,
        }
    }

    /// For a drand round, the Unix time at which it is published:
    /// `genesis + (round − 1) × period`.
    ///
    /// ```
    /// use shuangsuiji::model::SeedSource;
    /// assert_eq!(SeedSource::Drand { round: 1 }.published_at(), Some(1_692_803_367));
    /// ```
    pub fn published_at(&self) -> Option<u64> {
        match self {
            SeedSource::Drand { round } => round
                .checked_sub(1)
                .and_then(|r| r.checked_mul(QUICKNET_PERIOD))
                .and_then(|x| x.checked_add(QUICKNET_GENESIS)),
            _ => None,
        }
    }
}

impl fmt::Display for SeedSource {
    /// A human description, e.g. `福彩快乐8 第2026270期（2026-10-09 开奖）`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedSource::Dice { count, faces } => write!(f, "dice: {count} × d{faces}"),
            SeedSource::Lottery {
                game,
                issue,
                draw_date,
            } => write!(
                f,
                "{} {} 第{issue}期 ({draw_date})",
                game.code(),
                game.name_zh()
            ),
            SeedSource::Drand { round } => {
                let t = self.published_at().unwrap_or(0);
                write!(f, "drand quicknet round {round} ({})", beijing_time(t))
            }
            SeedSource::Text { description } => write!(f, "text (digit rule): {description}"),
        }
    }
}

/// The first second of a day in Beijing time (UTC+8), as Unix time: the
/// instant before which the commitment must be public (SPEC.md §3.1).
///
/// ```
/// use shuangsuiji::model::{Date, day_start_beijing};
/// let d: Date = "2023-08-23".parse().unwrap();
/// assert_eq!(day_start_beijing(d), 1_692_720_000);
/// ```
pub fn day_start_beijing(d: Date) -> i64 {
    d.day_number() * 86_400 - 8 * 3600
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS +08:00` (Beijing time).
///
/// ```
/// use shuangsuiji::model::beijing_time;
/// assert_eq!(beijing_time(1_692_803_367), "2023-08-23 23:09:27 +08:00");
/// ```
pub fn beijing_time(unix: u64) -> String {
    let t = i64::try_from(unix).unwrap_or(i64::MAX) + 8 * 3600;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} +08:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `min(MAX_SOURCE_TENTHS, floor(10 × log2 n))`, computed exactly as the bit
/// length of `n^10` minus one.
fn tenths_of(n: &Big) -> u32 {
    if n.bits() > 256 {
        return MAX_SOURCE_TENTHS;
    }
    let mut p = Big::one();
    for _ in 0..10 {
        p = p.mul(n);
    }
    p.bits().saturating_sub(1).min(MAX_SOURCE_TENTHS)
}

/// A small unsigned big integer (little-endian 32-bit limbs), enough for
/// exact bit counts.
#[derive(Debug, Clone)]
struct Big(Vec<u32>);

impl Big {
    fn one() -> Big {
        Big(vec![1])
    }

    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big(limbs)
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry: u64 = 0;
        for l in &mut self.0 {
            let x = u64::from(*l) * u64::from(m) + carry;
            *l = x as u32;
            carry = x >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul(&self, o: &Big) -> Big {
        let mut r = vec![0u32; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry: u64 = 0;
            for (j, &b) in o.0.iter().enumerate() {
                let x = u64::from(r[i + j]) + u64::from(a) * u64::from(b) + carry;
                r[i + j] = x as u32;
                carry = x >> 32;
            }
            let mut k = i + o.0.len();
            while carry > 0 {
                let x = u64::from(r[k]) + carry;
                r[k] = x as u32;
                carry = x >> 32;
                k += 1;
            }
        }
        Big(r)
    }

    /// The bit length (0 for zero).
    fn bits(&self) -> u32 {
        for (i, &l) in self.0.iter().enumerate().rev() {
            if l != 0 {
                return i as u32 * 32 + (32 - l.leading_zeros());
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lottery(game: Game) -> SeedSource {
        SeedSource::Lottery {
            game,
            issue: "1".into(),
            draw_date: "2026-10-09".parse().unwrap(),
        }
    }

    #[test]
    fn game_bits() {
        // log2 C(80,20) = 61.62, C(33,6)·16 = 24.08, C(35,5)·C(12,2) = 24.35,
        // 10^3 = 9.97, 10^5 = 16.61
        let t = |g| lottery(g).fixed_tenths().unwrap();
        assert_eq!(t(Game::Kl8), 616);
        assert_eq!(t(Game::Ssq), 240);
        assert_eq!(t(Game::Dlt), 243);
        assert_eq!(t(Game::Fc3d), 99);
        assert_eq!(t(Game::Pl5), 166);
        assert_eq!(Game::Dlt.outcomes(), 324_632 * 66);
    }

    #[test]
    fn dice_bits() {
        let d = |count, faces| SeedSource::Dice { count, faces }.fixed_tenths().unwrap();
        assert_eq!(d(1, 2), 10);
        assert_eq!(d(1, 6), 25); // 2.58
        assert_eq!(d(29, 10), 963); // 96.3
        assert_eq!(d(1000, 1000), MAX_SOURCE_TENTHS);
        assert_eq!(d(64, 16), 2560);
        assert_eq!(d(63, 16), 2520);
    }

    #[test]
    fn big() {
        let mut b = Big::one();
        for _ in 0..100 {
            b.mul_small(1 << 31);
        }
        assert_eq!(b.bits(), 3101);
        assert_eq!(b.mul(&b).bits(), 6201);
        assert_eq!(Big::from_u128(0).bits(), 0);
    }

    #[test]
    fn times() {
        assert_eq!(
            SeedSource::Drand { round: 123 }.published_at(),
            Some(1_692_803_733)
        );
        assert_eq!(beijing_time(0), "1970-01-01 08:00:00 +08:00");
        assert_eq!(beijing_time(1_789_658_622), "2026-09-17 23:23:42 +08:00");
    }
}
