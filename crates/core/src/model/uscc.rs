//! Unified social credit codes (统一社会信用代码, GB 32100-2015).

use std::fmt;

/// The 31 characters a code may use (no I, O, Z, S, V), in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not a valid unified social credit code.
///
/// ```
/// use shuangsuiji::model::{UsccError, validate_uscc};
/// assert_eq!(validate_uscc("91140623MA0THC3AXR"), Ok(()));
/// assert_eq!(validate_uscc("9114"), Err(UsccError::Length(4)));
/// assert_eq!(validate_uscc("91140623MA0THC3AXA"), Err(UsccError::CheckCharacter { expected: 'R', found: 'A' }));
/// assert!(matches!(validate_uscc("91140623MA0THC3AXZ"), Err(UsccError::Character { position: 18, found: 'Z' })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    /// Not 18 characters long.
    Length(usize),
    /// A character outside the code's alphabet, at a 1-based position.
    Character {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The 18th character does not match the check computed from the first 17.
    CheckCharacter {
        /// What GB 32100-2015 computes.
        expected: char,
        /// What the code has.
        found: char,
    },
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Length(n) => {
                write!(f, "has {n} characters; a unified social credit code has 18")
            }
            UsccError::Character { position, found } => write!(
                f,
                "character {position} '{found}' is not allowed (the code uses 0-9 and A-Y without I, O, S, V, Z)"
            ),
            UsccError::CheckCharacter { expected, found } => write!(
                f,
                "check character (18th) is '{found}' but GB 32100-2015 gives '{expected}'; a character is mistyped"
            ),
        }
    }
}

impl std::error::Error for UsccError {}

/// Each byte's value in [`ALPHABET`], or [`NOT_IN_ALPHABET`]: one lookup
/// per character (every code of a province's registry is checked).
const VALUES: [u8; 256] = {
    let mut t = [NOT_IN_ALPHABET; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};
const NOT_IN_ALPHABET: u8 = u8::MAX;

fn value(c: u8) -> Option<u32> {
    match VALUES[usize::from(c)] {
        NOT_IN_ALPHABET => None,
        v => Some(u32::from(v)),
    }
}

/// The check character for the first 17 characters of a code.
///
/// ```
/// assert_eq!(shuangsuiji::model::check_character(b"91140623MA0THC3AX"), Some('R'));
/// ```
pub fn check_character(first17: &[u8; 17]) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// Validate a normalised (upper-case ASCII) code.
///
/// ```
/// use shuangsuiji::model::validate_uscc;
/// assert!(validate_uscc("9144030071526726XG").is_ok());
/// assert!(validate_uscc("9144030071526726XH").is_err());
/// ```
pub fn validate_uscc(code: &str) -> Result<(), UsccError> {
    let n = code.chars().count();
    if n != 18 {
        return Err(UsccError::Length(n));
    }
    let b = code.as_bytes();
    for (i, ch) in code.chars().enumerate() {
        if !ch.is_ascii() || value(ch as u8).is_none() {
            return Err(UsccError::Character {
                position: i + 1,
                found: ch,
            });
        }
    }
    let mut first = [0u8; 17];
    first.copy_from_slice(&b[..17]);
    let expected = check_character(&first).unwrap_or('?');
    if expected as u8 != b[17] {
        return Err(UsccError::CheckCharacter {
            expected,
            found: b[17] as char,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes() {
        for c in [
            "9144030071526726XG",
            "91330100716105852F",
            "91110000100010433L",
        ] {
            assert_eq!(validate_uscc(c), Ok(()), "{c}");
        }
    }

    #[test]
    fn one_character_changes_are_rejected() {
        let good = "91330100716105852F";
        for i in 0..18 {
            for &a in ALPHABET {
                let mut b = good.as_bytes().to_vec();
                if b[i] == a {
                    continue;
                }
                b[i] = a;
                let s = String::from_utf8(b).unwrap();
                assert!(validate_uscc(&s).is_err(), "{s}");
            }
        }
        assert_eq!(
            validate_uscc("91330100716105852G"),
            Err(UsccError::CheckCharacter {
                expected: 'F',
                found: 'G'
            })
        );
        assert_eq!(
            validate_uscc("91330100716I05852F"),
            Err(UsccError::Character {
                position: 12,
                found: 'I'
            })
        );
        assert_eq!(
            validate_uscc("9133010071610585"),
            Err(UsccError::Length(16))
        );
    }

    #[test]
    fn every_byte_has_its_place_in_the_alphabet_or_none() {
        for c in 0..=u8::MAX {
            let place = ALPHABET.iter().position(|&a| a == c).map(|v| v as u32);
            assert_eq!(value(c), place, "byte {c:#04x}");
        }
        assert_eq!(value(b'Y'), Some(30));
        assert_eq!(value(b'I'), None);
    }
}
