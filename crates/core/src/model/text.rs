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

/// Bytes that may start spreadsheet whitespace ([`is_space`]) in UTF-8:
/// ASCII tab to carriage return and space, and the lead bytes C2 (U+0085,
/// U+00A0), E1 (U+1680), E2 (U+2000–U+205F), E3 (U+3000) and EF (U+FEFF).
const MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x09;
    while b <= 0x0D {
        t[b] = true;
        b += 1;
    }
    t[0x20] = true;
    t[0xC2] = true;
    t[0xE1] = true;
    t[0xE2] = true;
    t[0xE3] = true;
    t[0xEF] = true;
    t
};

/// `c` in each byte of a word.
const fn splat(c: u8) -> u64 {
    0x0101_0101_0101_0101 * c as u64
}

/// Whether a byte of `w` is zero (exactly; which byte, the bits do not
/// say).
const fn has_zero(w: u64) -> bool {
    w.wrapping_sub(splat(1)) & !w & splat(0x80) != 0
}

/// Whether a byte of `w` is below `n` (exactly, for `n` at most 128).
const fn has_below(w: u64, n: u8) -> bool {
    w.wrapping_sub(splat(n)) & !w & splat(0x80) != 0
}

/// Whether a byte of `w` may start spreadsheet whitespace: a byte of
/// [`MAY_START_SPACE`], or one of a few more (control bytes, E0), which
/// the caller looks at again through the table. Lead bytes of the
/// ideographs (E4 to E9) and continuation bytes never pass, so a word of
/// Chinese text is passed over in one test instead of eight.
const fn word_may_start_space(w: u64) -> bool {
    has_below(w, 0x21)
        | has_zero(w ^ splat(0xC2))
        | has_zero((w & splat(0xFC)) ^ splat(0xE0))
        | has_zero(w ^ splat(0xEF))
}

/// The first byte at `from` or after in `b` that may start spreadsheet
/// whitespace ([`MAY_START_SPACE`]), eight bytes at a time.
fn find_may_start_space(b: &[u8], from: usize) -> Option<usize> {
    let in_table = |c: &u8| MAY_START_SPACE[usize::from(*c)];
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        if word_may_start_space(w)
            && let Some(p) = word.iter().position(in_table)
        {
            return Some(i + p);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(in_table).map(|p| i + p)
}

/// Whether the character starting at byte `i` of `b` (valid UTF-8) is
/// spreadsheet whitespace ([`is_space`]), decided on the bytes.
fn space_at(b: &[u8], i: usize) -> bool {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        0x09..=0x0D | 0x20 => true,
        0xC2 => matches!(at(1), 0x85 | 0xA0),
        0xE1 => at(1) == 0x9A && at(2) == 0x80,
        0xE2 => match at(1) {
            0x80 => matches!(at(2), 0x80..=0x8B | 0xA8 | 0xA9 | 0xAF),
            0x81 => at(2) == 0x9F,
            _ => false,
        },
        0xE3 => at(1) == 0x80 && at(2) == 0x80,
        0xEF => at(1) == 0xBB && at(2) == 0xBF,
        _ => false,
    }
}

/// Whether `clean(s) == s`: no spreadsheet whitespace but single inner
/// ASCII spaces. Decided on the bytes, with a table lookup per byte and
/// a closer look only at bytes that may start whitespace (the registry's
/// hot path: it runs on every field of every record).
fn is_clean(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut i = 0;
    while let Some(p) = find_may_start_space(b, i) {
        i = p;
        if b[i] == b' ' {
            // a single inner space is clean; the last byte is not a space
            if b[i + 1] == b' ' || space_at(b, i + 1) {
                return false;
            }
        } else if space_at(b, i) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `s` is empty after cleaning: only spreadsheet whitespace.
pub(crate) fn is_blank_bytes(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if !space_at(b, i) {
            return false;
        }
        i += if b[i] < 0x80 {
            1
        } else if b[i] < 0xE0 {
            2
        } else {
            3
        };
    }
    true
}

/// Whether `b` (valid UTF-8) holds spreadsheet whitespace ([`is_space`])
/// anywhere. Without any, every part of `b` is clean (`clean(p) == p`):
/// a row's fields are checked so, all at once, before each is read.
pub(crate) fn has_space(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = find_may_start_space(b, i) {
        if space_at(b, p) {
            return true;
        }
        i = p + 1;
    }
    false
}

/// Whether `clean(s) == want`, for a cell as bytes (valid UTF-8 where it
/// matters: text that is not is never equal).
pub(crate) fn cleans_to(b: &[u8], want: &str) -> bool {
    if b == want.as_bytes() {
        return true;
    }
    // without whitespace, cleaning changes nothing
    if find_may_start_space(b, 0).is_none() {
        return false;
    }
    std::str::from_utf8(b).is_ok_and(|s| clean_cow(s) == want)
}

/// [`clean`], borrowing when nothing changes.
pub(crate) fn clean_cow(s: &str) -> Cow<'_, str> {
    if is_clean(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean(s))
    }
}

/// [`clean_id`], borrowing when nothing changes; `clean` says that `s`
/// is known to be clean ([`has_space`] found no whitespace).
pub(crate) fn clean_id_cow(s: &str, clean: bool) -> Cow<'_, str> {
    let plain = |t: &str| {
        t.bytes().all(|b| !b.is_ascii_lowercase())
            && (t.is_ascii()
                || !t
                    .chars()
                    .any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}')))
    };
    if (clean || is_clean(s)) && plain(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean_id(s))
    }
}

/// Whether `b` holds `;`, `,`, or a lead byte E3 or EF (of `、`, `；`
/// and `，`), eight bytes at a time.
fn has_separator_byte(b: &[u8]) -> bool {
    let sep = |c: &u8| matches!(c, b';' | b',' | 0xE3 | 0xEF);
    let mut words = b.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        if has_zero(w ^ splat(b';'))
            | has_zero(w ^ splat(b','))
            | has_zero(w ^ splat(0xE3))
            | has_zero(w ^ splat(0xEF))
        {
            return true;
        }
    }
    words.remainder().iter().any(sep)
}

/// [`split_multi`] into `out` (cleared first), borrowing where possible;
/// `clean` says that `s` is known to be clean, and so is every part of it
/// ([`has_space`] found no whitespace).
pub(crate) fn split_multi_cow<'a>(s: &'a str, clean: bool, out: &mut Vec<Cow<'a, str>>) {
    out.clear();
    let clean_cow = |p: &'a str| {
        if clean {
            Cow::Borrowed(p)
        } else {
            clean_cow(p)
        }
    };
    // no separator byte (';', ',', or the lead bytes E3 of '、' and EF of
    // '；' and '，'): one part, as splitting would give
    if !has_separator_byte(s.as_bytes()) {
        let c = clean_cow(s);
        if !c.is_empty() {
            out.push(c);
        }
        return;
    }
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
    split_multi_cow(s, false, &mut parts);
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

    /// What [`split_multi`] means, said plainly.
    fn reference_split(s: &str) -> Vec<String> {
        let mut v: Vec<String> = s
            .split([';', '；', '、', ',', '，'])
            .map(clean)
            .filter(|p| !p.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The reference meaning of the byte-level helpers, on every character
    /// in every position that matters.
    #[test]
    fn byte_helpers_agree_with_clean_on_every_character() {
        // the whole BMP (every whitespace character is in it) and a spread
        // of the planes above
        let chars = (0..0x10000u32).chain((0x10000..=0x10FFFF).step_by(257));
        for u in chars {
            let Some(c) = char::from_u32(u) else { continue };
            for t in [
                format!("{c}"),
                format!("a{c}"),
                format!("{c}b"),
                format!("a{c}b"),
                format!("a {c}b"),
                format!("a{c} b"),
                format!("{c}{c}"),
                format!("名{c}称"),
            ] {
                assert_eq!(is_clean(&t), clean(&t) == t, "is_clean {t:?}");
                assert_eq!(
                    has_space(t.as_bytes()),
                    t.chars().any(is_space),
                    "has_space {t:?}"
                );
                assert_eq!(
                    is_blank_bytes(t.as_bytes()),
                    clean(&t).is_empty(),
                    "blank {t:?}"
                );
                let cl = clean(&t);
                assert!(cleans_to(t.as_bytes(), &cl), "cleans_to {t:?}");
                let mut v = Vec::new();
                split_multi_cow(&t, !has_space(t.as_bytes()), &mut v);
                let v: Vec<String> = v.into_iter().map(Cow::into_owned).collect();
                assert_eq!(v, reference_split(&t), "split {t:?}");
            }
        }
        assert!(!cleans_to(b"ab", "a b"));
        assert!(cleans_to(" a\u{3000}".as_bytes(), "a"));
    }

    /// The byte helpers test eight bytes at a time: every whitespace
    /// character, and characters sharing their lead bytes, at every
    /// position of a word and across two words, after ASCII or Chinese.
    #[test]
    fn byte_helpers_agree_with_clean_at_every_offset() {
        let mut chars: Vec<char> = (0..0x10000u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .collect();
        chars.extend([
            '\u{1}', '\u{1F}', '!', ';', ',', 'a', '\u{A9}', '\u{800}', '\u{1681}', '\u{2010}',
            '\u{2060}', '\u{3001}', '\u{3002}', '\u{FF08}', '\u{FF0C}', '\u{FF1B}', '\u{FEFE}',
            '名',
        ]);
        for c in chars {
            for pad in ["x", "名"] {
                for k in 0..18 {
                    for m in [0, 1, 7, 8, 9] {
                        let t = format!("{}{c}{}", pad.repeat(k), "y".repeat(m));
                        assert_eq!(is_clean(&t), clean(&t) == t, "is_clean {t:?}");
                        assert_eq!(
                            has_space(t.as_bytes()),
                            t.chars().any(is_space),
                            "has_space {t:?}"
                        );
                        let cl = clean(&t);
                        assert!(cleans_to(t.as_bytes(), &cl), "cleans_to {t:?}");
                        // a target (clean) the text is not
                        assert_eq!(
                            cleans_to(t.as_bytes(), "xy"),
                            cl == "xy",
                            "cleans_to other {t:?}"
                        );
                        let mut v = Vec::new();
                        split_multi_cow(&t, !has_space(t.as_bytes()), &mut v);
                        let v: Vec<String> = v.into_iter().map(Cow::into_owned).collect();
                        assert_eq!(v, reference_split(&t), "split {t:?}");
                    }
                }
            }
        }
    }

    /// The word tests, against the byte tests they stand for.
    #[test]
    fn word_tests_are_exact() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut w = [b'x'; 8];
                w[at] = b;
                let w = u64::from_le_bytes(w);
                assert!(
                    !MAY_START_SPACE[usize::from(b)] || word_may_start_space(w),
                    "{b:#x} at {at}"
                );
                assert!(has_zero(w ^ splat(b)));
                assert_eq!(has_zero(w ^ splat(b';')), b == b';', "{b:#x} at {at}");
                assert_eq!(has_below(w, 0x21), b < 0x21, "{b:#x} at {at}");
            }
        }
        // Chinese text and continuation bytes pass in one test
        for w in ["名称名", "有限公司", "食品生产"] {
            let b = w.as_bytes();
            let w = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            assert!(!word_may_start_space(w));
        }
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
            assert_eq!(clean_id_cow(c, false), clean_id(c), "{c:?}");
            assert_eq!(
                clean_id_cow(c, !has_space(c.as_bytes())),
                clean_id(c),
                "{c:?}"
            );
            let mut v = Vec::new();
            split_multi_cow(c, !has_space(c.as_bytes()), &mut v);
            let v: Vec<String> = v.into_iter().map(Cow::into_owned).collect();
            assert_eq!(v, split_multi(c), "{c:?}");
        }
    }
}

/// The unified ideograph a CJK compatibility ideograph or radical stands
/// for (its NFKC form, see `cjk_compat`), if `c` is one.
pub(crate) fn compat_base(c: char) -> Option<char> {
    let t = crate::model::cjk_compat::CJK_COMPAT;
    t.binary_search_by_key(&(c as u32), |&(from, _)| from)
        .ok()
        .and_then(|i| char::from_u32(t[i].1))
}

/// `s` with every compatibility character replaced by the ideograph it
/// stands for: equal for two names that look the same. For comparison
/// only; values are never rewritten with it.
pub(crate) fn compat_skeleton(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| compat_base(c).is_some()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| compat_base(c).unwrap_or(c)).collect())
}

/// `'s' (U+F9E1 at character 2)`: `s` quoted with the code point of its
/// first character that differs from `other` (two spellings that look
/// alike, shown so a reader can tell them apart).
pub(crate) fn spelling(s: &str, other: &str) -> String {
    let (k, c) = s
        .chars()
        .zip(other.chars().chain(std::iter::repeat('\0')))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .map_or((0, s.chars().next().unwrap_or('\0')), |(k, (a, _))| (k, a));
    format!("'{s}' (U+{:04X} at character {})", c as u32, k + 1)
}

#[cfg(test)]
mod compat_tests {
    use super::*;

    #[test]
    fn compatibility_ideographs_are_found_and_shown() {
        assert_eq!(compat_base('\u{F9E1}'), Some('\u{674E}'));
        assert_eq!(compat_base('\u{2F00}'), Some('\u{4E00}'));
        assert_eq!(compat_base('\u{674E}'), None);
        assert_eq!(compat_skeleton("\u{F9E1}家村"), "李家村");
        assert!(matches!(compat_skeleton("李家村"), Cow::Borrowed(_)));
        assert_eq!(
            spelling("\u{F9E1}家村", "李家村"),
            "'\u{F9E1}家村' (U+F9E1 at character 1)"
        );
        assert_eq!(
            spelling("李家村", "\u{F9E1}家村"),
            "'李家村' (U+674E at character 1)"
        );
    }
}
