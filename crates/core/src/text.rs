//! Small text normalisation helpers shared by the loaders and the digests.
//!
//! The `*_cow` forms borrow when the text is already normal (the common
//! case in a large registry), so the streaming loader allocates nothing per
//! record; they return exactly what the owned forms return.

use std::borrow::Cow;

/// Full-width ASCII forms (U+FF01..U+FF5E) to ASCII, ideographic space to
/// space. Spreadsheets typed with a Chinese IME often contain them.
pub(crate) fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Whitespace as spreadsheets produce it: ASCII, no-break space, ideographic
/// space, zero-width space and a stray BOM.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{00A0}' | '\u{3000}' | '\u{200B}' | '\u{FEFF}')
}

/// Trim spreadsheet whitespace at both ends and collapse inner runs of it to
/// one ASCII space.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Normalise an identifier: cleaned, full-width folded, upper-case ASCII.
pub(crate) fn clean_id(s: &str) -> String {
    fold_width(&clean(s)).to_ascii_uppercase()
}

/// Whether `clean(s) == s`: no spreadsheet whitespace but single inner
/// ASCII spaces.
fn is_clean(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    // byte by byte: spreadsheet whitespace outside ASCII starts with one
    // of the lead bytes C2 (U+0085, U+00A0), E1 (U+1680), E2 (U+2000–U+205F),
    // E3 (U+3000) or EF (U+FEFF); text with none of them needs no decoding
    let mut prev_space = false;
    let mut plain = true;
    for &c in b {
        if c == b' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if c < 0x80 {
            if c.is_ascii_whitespace() || c == 0x0B {
                return false;
            }
            prev_space = false;
        } else {
            if matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF) {
                plain = false;
                break;
            }
            prev_space = false;
        }
    }
    if plain {
        return true;
    }
    let mut prev_space = false;
    for c in s.chars() {
        if c == ' ' {
            if prev_space {
                return false;
            }
            prev_space = true;
        } else if is_space(c) {
            return false;
        } else {
            prev_space = false;
        }
    }
    true
}

/// [`clean`], borrowing when nothing changes.
pub(crate) fn clean_cow(s: &str) -> Cow<'_, str> {
    if is_clean(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean(s))
    }
}

/// [`clean_id`], borrowing when nothing changes.
pub(crate) fn clean_id_cow(s: &str) -> Cow<'_, str> {
    let plain = |t: &str| {
        t.bytes().all(|b| !b.is_ascii_lowercase())
            && (t.is_ascii()
                || !t
                    .chars()
                    .any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')))
    };
    if is_clean(s) && plain(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean_id(s))
    }
}

/// [`split_multi`] into `out` (cleared first), borrowing where possible.
pub(crate) fn split_multi_cow<'a>(s: &'a str, out: &mut Vec<Cow<'a, str>>) {
    out.clear();
    out.extend(
        s.split([';', '；', '、', ',', '，'])
            .map(clean_cow)
            .filter(|p| !p.is_empty()),
    );
    if out.len() > 1 {
        out.sort();
        out.dedup();
    }
}

/// Split a multi-valued cell on `;`, `；`, `、` (and `,`/`，`), clean each
/// part, drop empties, sort and deduplicate.
pub(crate) fn split_multi(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    split_multi_cow(s, &mut parts);
    parts.into_iter().map(Cow::into_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning() {
        assert_eq!(clean("  a\u{3000} b\u{00A0}\n"), "a b");
        assert_eq!(clean_id(" ９１ab "), "91AB");
        assert_eq!(
            split_multi("林政；森林公安、 林政;;"),
            vec!["林政", "森林公安"]
        );
    }

    #[test]
    fn cow_forms_agree() {
        let cases = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "a  b",
            "a b",
            "a\tb",
            "名称",
            "名\u{3000}称",
            "\u{00A0}x",
            "x\u{200B}",
            "９１ab",
            "91AB",
            "a\u{FEFF}",
            "林政；森林公安、 林政;;",
            "b;a;b",
            "x\u{2028}y",
            "A\u{0085}B",
            "\u{FF21}",
            "a\rb",
            "a\nb",
        ];
        for c in cases {
            assert_eq!(clean_cow(c), clean(c), "{c:?}");
            assert_eq!(clean_id_cow(c), clean_id(c), "{c:?}");
            let mut v = Vec::new();
            split_multi_cow(c, &mut v);
            let v: Vec<String> = v.into_iter().map(Cow::into_owned).collect();
            assert_eq!(v, split_multi(c), "{c:?}");
        }
    }
}
