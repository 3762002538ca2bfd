//! The id scheme of the registry (SPEC.md §1.8): unified social credit
//! codes (the default), or a named code — project codes (项目编号), grid ids
//! (网格编号), site or point ids (点位编号) — with an optional pattern.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest code a code scheme accepts, in characters.
pub const MAX_CODE_CHARS: usize = 64;

/// How the registry identifies its draw units (`[registry] scheme` of the
/// plan).
///
/// ```
/// use shuangsuiji::model::IdScheme;
/// assert_eq!(IdScheme::Project.label_zh(), "项目编号");
/// assert_eq!(IdScheme::Project.prefix(), "project:");
/// assert_eq!(IdScheme::Uscc.prefix(), "");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdScheme {
    /// Unified social credit codes (统一社会信用代码, GB 32100-2015).
    #[default]
    Uscc,
    /// Construction or investment project codes (项目编号).
    Project,
    /// Grid cells of grid management (网格编号).
    Grid,
    /// Sites and monitoring points (场站/点位编号).
    Site,
    /// Any other code of a draw unit (对象编号).
    Code,
}

impl IdScheme {
    /// Every scheme, in declaration order.
    pub const ALL: [IdScheme; 5] = [
        IdScheme::Uscc,
        IdScheme::Project,
        IdScheme::Grid,
        IdScheme::Site,
        IdScheme::Code,
    ];

    /// The scheme's name as the plan writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdScheme::Uscc => "uscc",
            IdScheme::Project => "project",
            IdScheme::Grid => "grid",
            IdScheme::Site => "site",
            IdScheme::Code => "code",
        }
    }

    /// The Chinese name of the id (the column header of the notices).
    pub fn label_zh(self) -> &'static str {
        match self {
            IdScheme::Uscc => "统一社会信用代码",
            IdScheme::Project => "项目编号",
            IdScheme::Grid => "网格编号",
            IdScheme::Site => "点位编号",
            IdScheme::Code => "对象编号",
        }
    }

    /// The English name of the id, as messages write it.
    pub fn label_en(self) -> &'static str {
        match self {
            IdScheme::Uscc => "unified social credit code",
            IdScheme::Project => "project code",
            IdScheme::Grid => "grid id",
            IdScheme::Site => "site id",
            IdScheme::Code => "unit code",
        }
    }

    /// The short English column header (`USCC`, `Project code`, …).
    pub fn header_en(self) -> &'static str {
        match self {
            IdScheme::Uscc => "USCC",
            IdScheme::Project => "Project code",
            IdScheme::Grid => "Grid ID",
            IdScheme::Site => "Site ID",
            IdScheme::Code => "Unit code",
        }
    }

    /// What precedes a code in the canonical records and tickets
    /// (SPEC.md §1.8): nothing for `uscc`, else the scheme name and `:`.
    pub fn prefix(self) -> &'static str {
        match self {
            IdScheme::Uscc => "",
            IdScheme::Project => "project:",
            IdScheme::Grid => "grid:",
            IdScheme::Site => "site:",
            IdScheme::Code => "code:",
        }
    }
}

/// The `[registry]` table of a plan: the id scheme and, for a code
/// scheme, an optional pattern. Part of the plan's canonical JSON only for
/// a code scheme (SPEC.md §2.3), so plans without it keep their digests.
///
/// ```
/// use shuangsuiji::model::{IdScheme, Registry};
/// let r = Registry { scheme: IdScheme::Project, pattern: Some("XM-####-###".into()) };
/// assert_eq!(r.check_code("XM-2024-017"), Ok(()));
/// assert!(r.check_code("XM-24-017").is_err());
/// assert!(Registry::default().is_uscc());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// The id scheme.
    pub scheme: IdScheme,
    /// The pattern every code must match (code schemes only), in its
    /// canonical form (ASCII letters upper-cased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// Why a code is not a valid code of its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// More than [`MAX_CODE_CHARS`] characters.
    Length(usize),
    /// A character a code may not hold, at a 1-based position.
    Character {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Another length than the pattern's.
    PatternLength {
        /// The pattern.
        pattern: String,
        /// Characters of the code.
        code: usize,
        /// Characters of the pattern.
        want: usize,
    },
    /// A character the pattern does not allow there.
    PatternCharacter {
        /// The pattern.
        pattern: String,
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
        /// The pattern's character at that position.
        want: char,
    },
}

fn want_text(w: char) -> String {
    match w {
        '#' => "a digit (#)".to_string(),
        '@' => "a letter (@)".to_string(),
        '?' => "a letter or digit (?)".to_string(),
        c => format!("'{c}'"),
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Length(n) => {
                write!(f, "has {n} characters; a code has at most {MAX_CODE_CHARS}")
            }
            CodeError::Character { position, found } => write!(
                f,
                "has '{found}' (U+{:04X}) at position {position}; a code holds only A-Z, 0-9, '-', '_', '.', '/' and CJK ideographs (U+4E00-U+9FFF)",
                *found as u32
            ),
            CodeError::PatternLength {
                pattern,
                code,
                want,
            } => write!(
                f,
                "does not match the pattern '{pattern}' of [registry]: it has {code} characters, the pattern {want}"
            ),
            CodeError::PatternCharacter {
                pattern,
                position,
                found,
                want,
            } => write!(
                f,
                "does not match the pattern '{pattern}' of [registry]: character {position} is '{found}', the pattern wants {}",
                want_text(*want)
            ),
        }
    }
}

impl std::error::Error for CodeError {}

/// Whether `c` may appear in a code of a code scheme (after `id()` of
/// SPEC.md §1.2 has upper-cased ASCII letters).
pub fn is_code_char(c: char) -> bool {
    c.is_ascii_uppercase()
        || c.is_ascii_digit()
        || matches!(c, '-' | '_' | '.' | '/')
        || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Read a `[registry] pattern` as written: ASCII letters upper-cased; every
/// character a code character or `#`, `@`, `?`; 1 to 64 characters.
///
/// ```
/// use shuangsuiji::model::canonical_pattern;
/// assert_eq!(canonical_pattern("xm-####").unwrap(), "XM-####");
/// assert!(canonical_pattern("XM ####").is_err());
/// ```
pub fn canonical_pattern(p: &str) -> Result<String, String> {
    let up = p.to_ascii_uppercase();
    let n = up.chars().count();
    if n == 0 {
        return Err("registry.pattern is empty".to_string());
    }
    if n > MAX_CODE_CHARS {
        return Err(format!(
            "registry.pattern has {n} characters; a code has at most {MAX_CODE_CHARS}"
        ));
    }
    for (i, c) in up.chars().enumerate() {
        if !(is_code_char(c) || matches!(c, '#' | '@' | '?')) {
            return Err(format!(
                "registry.pattern '{p}' has '{c}' (U+{:04X}) at position {}; a pattern holds code characters (A-Z, 0-9, '-', '_', '.', '/', CJK ideographs) and # (a digit), @ (a letter), ? (a letter or digit)",
                c as u32,
                i + 1
            ));
        }
    }
    Ok(up)
}

impl Registry {
    /// Whether the registry holds unified social credit codes (the default).
    pub fn is_uscc(&self) -> bool {
        self.scheme == IdScheme::Uscc
    }

    /// The registry as it enters the canonical JSON: `None` for `uscc`.
    pub fn declared(&self) -> Option<&Registry> {
        (!self.is_uscc()).then_some(self)
    }

    /// Check a code of a code scheme, already `id()`-normalised (SPEC.md
    /// §1.2): characters, length, pattern. (USCCs are checked by
    /// [`crate::model::validate_uscc`].)
    pub fn check_code(&self, code: &str) -> Result<(), CodeError> {
        let n = code.chars().count();
        if n > MAX_CODE_CHARS {
            return Err(CodeError::Length(n));
        }
        if let Some((i, c)) = code.chars().enumerate().find(|(_, c)| !is_code_char(*c)) {
            return Err(CodeError::Character {
                position: i + 1,
                found: c,
            });
        }
        let Some(p) = &self.pattern else {
            return Ok(());
        };
        let want = p.chars().count();
        if n != want {
            return Err(CodeError::PatternLength {
                pattern: p.clone(),
                code: n,
                want,
            });
        }
        for (i, (c, w)) in code.chars().zip(p.chars()).enumerate() {
            let ok = match w {
                '#' => c.is_ascii_digit(),
                '@' => c.is_ascii_uppercase(),
                '?' => c.is_ascii_uppercase() || c.is_ascii_digit(),
                w => c == w,
            };
            if !ok {
                return Err(CodeError::PatternCharacter {
                    pattern: p.clone(),
                    position: i + 1,
                    found: c,
                    want: w,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_patterns() {
        let r = Registry {
            scheme: IdScheme::Grid,
            pattern: Some("WG-##-?@".into()),
        };
        assert_eq!(r.check_code("WG-07-3A"), Ok(()));
        assert_eq!(r.check_code("WG-07-3A").map_err(|e| e.to_string()), Ok(()));
        assert_eq!(
            r.check_code("WG-0X-3A").unwrap_err().to_string(),
            "does not match the pattern 'WG-##-?@' of [registry]: character 5 is 'X', the pattern wants a digit (#)"
        );
        assert_eq!(
            r.check_code("WG-07-33").unwrap_err().to_string(),
            "does not match the pattern 'WG-##-?@' of [registry]: character 8 is '3', the pattern wants a letter (@)"
        );
        assert_eq!(
            r.check_code("WX-07-3A").unwrap_err().to_string(),
            "does not match the pattern 'WG-##-?@' of [registry]: character 2 is 'X', the pattern wants 'G'"
        );
        let free = Registry {
            scheme: IdScheme::Project,
            pattern: None,
        };
        assert_eq!(free.check_code("右玉-2024/01_A.1"), Ok(()));
        assert_eq!(
            free.check_code("XM 01").unwrap_err().to_string(),
            "has ' ' (U+0020) at position 3; a code holds only A-Z, 0-9, '-', '_', '.', '/' and CJK ideographs (U+4E00-U+9FFF)"
        );
        assert!(free.check_code(&"9".repeat(64)).is_ok());
        assert_eq!(
            free.check_code(&"9".repeat(65)).unwrap_err(),
            CodeError::Length(65)
        );
        // a CJK compatibility ideograph is not a code character
        assert!(free.check_code("\u{F9E1}").is_err());
    }
}
