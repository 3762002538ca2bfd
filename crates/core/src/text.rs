//! Small text normalisation helpers shared by the loaders and the digests.

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

/// Split a multi-valued cell on `;`, `；`, `、` (and `,`/`，`), clean each
/// part, drop empties, sort and deduplicate.
pub(crate) fn split_multi(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split([';', '；', '、', ',', '，'])
        .map(clean)
        .filter(|p| !p.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
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
}
