//! The safe front door of the draw: a checked [`Seed`], [`DrawOptions`]
//! with named opt-outs, and [`Dataset::draw`], which refuses inputs that
//! differ from the commitment and seeds too weak for the draw.

use std::str::FromStr;

use crate::draw::{SeedStrength, draw_unchecked, normalize_seed, seed_bits};
use crate::error::{Diagnostic, DiagnosticKind, Error, ErrorKind, Position, Result};
use crate::{Commitment, Dataset, DrawResult};

/// A seed text as read from the announced public source, normalised
/// (SPEC.md §3) and never empty.
///
/// ```
/// use shuangsuiji::Seed;
/// let seed: Seed = " ３８ 17\u{3000}05 ".parse().unwrap();
/// assert_eq!(seed.text(), " ３８ 17\u{3000}05 ");
/// assert_eq!(seed.normalized(), "38 17 05");
/// assert_eq!(seed.bits(), 19); // six decimal digits
/// assert!(Seed::new("  \t ").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    text: String,
    normalized: String,
}

impl Seed {
    /// Check a seed text: refuse it when it is empty after normalisation.
    ///
    /// ```
    /// use shuangsuiji::{ErrorKind, Seed};
    /// assert_eq!(Seed::new("０１ 02").unwrap().normalized(), "01 02");
    /// assert!(matches!(Seed::new(" ").unwrap_err().kind(), ErrorKind::Input { .. }));
    /// ```
    pub fn new(text: &str) -> Result<Seed> {
        let normalized = normalize_seed(text);
        if normalized.is_empty() {
            return Err(Error::input(vec![Diagnostic::error(
                DiagnosticKind::MissingValue,
                Position::file("seed"),
                "the seed text is empty",
            )]));
        }
        Ok(Seed {
            text: text.to_string(),
            normalized,
        })
    }

    /// The text exactly as given (recorded in the result).
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Seed::new(" 12　34 ").unwrap().text(), " 12　34 ");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The normalised text the draw key is derived from.
    ///
    /// ```
    /// assert_eq!(shuangsuiji::Seed::new(" １２　34 ").unwrap().normalized(), "12 34");
    /// ```
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The bits the seed is credited with by the digit rule (decimal
    /// digits at 3.32 bits each, long hexadecimal beacon values at 4).
    /// When the plan declares seed sources (SPEC.md §3.1) the draw credits
    /// those instead: see [`Draw::strength`] and
    /// [`crate::draw::read_seed`].
    ///
    /// ```
    /// use shuangsuiji::Seed;
    /// assert_eq!(Seed::new("38 17 05").unwrap().bits(), 19); // 6 digits × 3.32
    /// assert!(Seed::new("38 17 05 92 64 11 70 26 53 48 91 30 07 65 24").unwrap().bits() >= 96);
    /// ```
    pub fn bits(&self) -> u32 {
        seed_bits(&self.normalized)
    }
}

impl FromStr for Seed {
    type Err = Error;
    fn from_str(s: &str) -> Result<Seed> {
        Seed::new(s)
    }
}

/// Options of [`Dataset::draw_with`]. Every way to weaken a guard is a
/// named method, so that it can be found in a program's source.
///
/// ```
/// use shuangsuiji::DrawOptions;
/// assert!(!DrawOptions::new().allows_weak_seed());
/// assert!(DrawOptions::new().allow_weak_seed().allows_weak_seed());
/// ```
#[derive(Debug, Clone, Default)]
pub struct DrawOptions {
    allow_weak_seed: bool,
}

impl DrawOptions {
    /// The safe defaults: every guard on.
    ///
    /// ```
    /// assert!(!shuangsuiji::DrawOptions::new().allows_weak_seed());
    /// ```
    pub fn new() -> DrawOptions {
        DrawOptions::default()
    }

    /// Draw even when the seed carries fewer bits than the draw needs.
    /// The [`Draw`] says so ([`Draw::weak_seed_allowed`]), and the journal
    /// and notices should too.
    ///
    /// ```
    /// assert!(shuangsuiji::DrawOptions::new().allow_weak_seed().allows_weak_seed());
    /// ```
    pub fn allow_weak_seed(mut self) -> DrawOptions {
        self.allow_weak_seed = true;
        self
    }

    /// Whether [`DrawOptions::allow_weak_seed`] was given.
    ///
    /// ```
    /// assert!(!shuangsuiji::DrawOptions::default().allows_weak_seed());
    /// ```
    pub fn allows_weak_seed(&self) -> bool {
        self.allow_weak_seed
    }
}

impl SeedStrength {
    /// Check this strength against the options: `Err(WeakSeed)` when the
    /// seed is too weak and weak seeds are not allowed; `Ok(true)` when it
    /// is too weak but allowed (an opt-out to record), `Ok(false)` when it
    /// is strong enough.
    ///
    /// ```
    /// use shuangsuiji::{DrawOptions, SeedStrength};
    /// let weak = SeedStrength { bits: 10, required: 64 };
    /// assert!(weak.check(&DrawOptions::new()).is_err());
    /// assert_eq!(weak.check(&DrawOptions::new().allow_weak_seed()).unwrap(), true);
    /// let strong = SeedStrength { bits: 96, required: 64 };
    /// assert_eq!(strong.check(&DrawOptions::new()).unwrap(), false);
    /// ```
    pub fn check(&self, options: &DrawOptions) -> Result<bool> {
        if self.is_enough() {
            return Ok(false);
        }
        if options.allow_weak_seed {
            return Ok(true);
        }
        Err(ErrorKind::WeakSeed {
            bits: self.bits,
            required: self.required,
        }
        .into())
    }
}

/// A checked draw: the result, the seed's strength for it, and the
/// opt-outs that were used.
///
/// ```
/// use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let weak: Seed = "38 17 05".parse().unwrap(); // six digits, 19 bits
/// let draw = ds.draw_with(&weak, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// assert!(draw.weak_seed_allowed());
/// assert_eq!(draw.strength().bits, 19);
/// assert!(!draw.strength().is_enough());
/// assert_eq!(draw.note().unwrap(), format!("weak seed allowed: 19 bits, {} needed", draw.strength().required));
/// let visits = draw.result().visits.len();
/// assert_eq!(draw.into_result().visits.len(), visits);
/// ```
#[derive(Debug, Clone)]
pub struct Draw {
    result: DrawResult,
    strength: SeedStrength,
    weak_seed_allowed: bool,
}

impl Draw {
    /// The result (what `result.json` holds).
    ///
    /// See the example on [`Draw`].
    pub fn result(&self) -> &DrawResult {
        &self.result
    }

    /// The result, owned.
    ///
    /// See the example on [`Draw`].
    pub fn into_result(self) -> DrawResult {
        self.result
    }

    /// The seed's bits and the draw's requirement.
    ///
    /// See the example on [`Draw`].
    pub fn strength(&self) -> SeedStrength {
        self.strength
    }

    /// Whether the seed was too weak and drawn with anyway
    /// ([`DrawOptions::allow_weak_seed`]).
    ///
    /// See the example on [`Draw`].
    pub fn weak_seed_allowed(&self) -> bool {
        self.weak_seed_allowed
    }

    /// What a journal entry should note about this draw's opt-outs.
    ///
    /// See the example on [`Draw`].
    pub fn note(&self) -> Option<String> {
        self.weak_seed_allowed.then(|| {
            format!(
                "weak seed allowed: {} bits, {} needed",
                self.strength.bits, self.strength.required
            )
        })
    }
}

impl Dataset {
    /// The commitment to this dataset (plan and input digests), to publish
    /// before the seed exists.
    ///
    /// ```
    /// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let commitment = ds.commit();
    /// assert_eq!(&commitment.digests, ds.digests());
    /// ```
    pub fn commit(&self) -> Commitment {
        Commitment::new(self)
    }

    /// Draw with every guard on: the inputs must be the committed ones and
    /// the seed strong enough ([`ErrorKind::Differs`],
    /// [`ErrorKind::WeakSeed`]).
    ///
    /// ```
    /// use shuangsuiji::{Dataset, ErrorKind, Seed};
    /// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let commitment = ds.commit();
    /// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
    /// let draw = ds.draw(&seed, &commitment).unwrap();
    /// assert!(!draw.result().visits.is_empty());
    /// // six digits are about 19 bits: refused
    /// let weak: Seed = "38 17 05".parse().unwrap();
    /// let e = ds.draw(&weak, &commitment).unwrap_err();
    /// assert!(matches!(e.kind(), ErrorKind::WeakSeed { .. }));
    /// ```
    pub fn draw(&self, seed: &Seed, commitment: &Commitment) -> Result<Draw> {
        self.draw_with(seed, commitment, &DrawOptions::new())
    }

    /// [`Dataset::draw`] with options (the named opt-outs).
    ///
    /// ```
    /// use shuangsuiji::{Dataset, DrawOptions, Seed};
    /// let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
    /// let weak: Seed = "38 17 05".parse().unwrap();
    /// let draw = ds
    ///     .draw_with(&weak, &ds.commit(), &DrawOptions::new().allow_weak_seed())
    ///     .unwrap();
    /// assert!(draw.weak_seed_allowed());
    /// assert!(draw.note().unwrap().starts_with("weak seed allowed"));
    /// ```
    pub fn draw_with(
        &self,
        seed: &Seed,
        commitment: &Commitment,
        options: &DrawOptions,
    ) -> Result<Draw> {
        if let Some(d) = commitment.diff(self).into_iter().next() {
            return Err(ErrorKind::Differs {
                input: d.what,
                expected: d.committed,
                actual: d.actual,
            }
            .into());
        }
        let result = draw_unchecked(self, seed.text())?;
        let strength = SeedStrength::of(&result);
        let weak_seed_allowed = strength.check(options)?;
        Ok(Draw {
            result,
            strength,
            weak_seed_allowed,
        })
    }
}
