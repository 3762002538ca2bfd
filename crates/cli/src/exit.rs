//! Printing errors and mapping them to exit codes.
//!
//! Everything `ssj` prints goes through [`clean`] (text) or [`clean_json`]
//! (JSON): names, seeds, file names and messages come from files and
//! flags, and a control character or a bidi override printed raw would
//! drive the terminal (retitle it, clear it, write the clipboard with OSC
//! 52) or reorder what is shown.

use std::borrow::Cow;
use std::io::Write;

/// Whether `c` must not reach a terminal as it is: C0 controls but line
/// break and tab, DEL, C1 controls, and the bidi controls (U+061C,
/// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x08 | 0x0B..=0x1F | 0x7F..=0x9F
        | 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// Text safe to print to a terminal: every character [`is_unsafe`] shown
/// as `<U+XXXX>` (its code point), everything else as it is — a carriage
/// return directly before a line feed included (the CRLF line end of the
/// CSV files `ssj disclose` prints; a CR alone can overwrite a line, so
/// it is shown).
///
/// `clean("a\u{1b}]0;x\u{7}b")` is `a<U+001B>]0;x<U+0007>b`.
pub fn clean(s: &str) -> Cow<'_, str> {
    let crlf = |i: usize, c: char| c == '\r' && s[i + 1..].starts_with('\n');
    if !s.char_indices().any(|(i, c)| is_unsafe(c) && !crlf(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, c) in s.char_indices() {
        if is_unsafe(c) && !crlf(i, c) {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text safe to print: every character [`is_unsafe`] (they can only
/// be inside strings) written as its JSON escape `\uXXXX`, so the JSON
/// value is unchanged.
pub fn clean_json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

use shuangsuiji::{Error, ErrorKind};

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: invalid input or usage.
pub const INVALID: u8 = 2;
/// Exit code: the rules cannot be satisfied.
pub const INFEASIBLE: u8 = 3;

/// `s` as one word a POSIX shell reads back unchanged: as it is when it
/// holds only safe characters, else in single quotes.
pub fn shell_quote(s: &str) -> Cow<'_, str> {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+=:@%,".contains(c));
    if safe {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("'{}'", s.replace('\'', "'\\''")))
    }
}

/// Print an error to stderr and return its exit code (commands that
/// never draw: `check`, `verify`, `explain`).
pub fn error(e: &Error) -> u8 {
    report(e, "")
}

/// [`error`] for `commit` and `draw`: input errors end with "nothing was
/// drawn".
pub fn error_nothing_drawn(e: &Error) -> u8 {
    report(e, "; nothing was drawn")
}

fn report(e: &Error, input_suffix: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    match e.kind() {
        ErrorKind::Input { diagnostics } => {
            // errors first (what blocks), then warnings, each in file order
            for d in diagnostics.iter().filter(|d| d.is_error()) {
                let _ = writeln!(err, "{}", clean(&d.to_string()));
            }
            for d in diagnostics.iter().filter(|d| !d.is_error()) {
                let _ = writeln!(err, "{}", clean(&d.to_string()));
            }
            let n = diagnostics.error_count();
            let _ = writeln!(
                err,
                "ssj: {n} error{} in the inputs{input_suffix}",
                if n == 1 { "" } else { "s" }
            );
            INVALID
        }
        ErrorKind::Infeasible(_) => {
            let _ = writeln!(err, "ssj: {}", clean(&e.to_string()));
            INFEASIBLE
        }
        _ => {
            let _ = writeln!(err, "ssj: {}", clean(&e.to_string()));
            INVALID
        }
    }
}

/// Exit code: verification found a difference.
pub const MISMATCH: u8 = 1;

/// Print a message to stderr, prefixed `ssj: `.
pub fn message(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "ssj: {}", clean(msg));
}

/// Print lines to stderr as they are (positioned errors, one per line).
pub fn lines(lines: &[String]) {
    let mut err = std::io::stderr().lock();
    for l in lines {
        let _ = writeln!(err, "{l}");
    }
}

/// Print warnings to stderr unless quiet.
pub fn warnings(ws: &[shuangsuiji::Diagnostic], quiet: bool) {
    if quiet {
        return;
    }
    let mut err = std::io::stderr().lock();
    for w in ws {
        let _ = writeln!(err, "{}", clean(&w.to_string()));
    }
}

/// Print to stdout (through [`clean`]); `OK`, or `INVALID` with a message
/// if it cannot be written. A reader that went away (`ssj disclose … |
/// head -1`: a broken pipe) is not an error: `OK`, silently, as other
/// command-line tools do.
pub fn print(text: &str) -> u8 {
    print_bytes(clean(text).as_bytes())
}

/// Print JSON text to stdout (through [`clean_json`]).
pub fn print_json_text(text: &str) -> u8 {
    print_bytes(clean_json(text).as_bytes())
}

/// Print bytes as they are (a workbook), with [`print`]'s handling of a
/// reader that went away.
pub fn print_bytes(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
        Err(e) => {
            message(&format!("cannot write to standard output: {e}"));
            INVALID
        }
    }
}

/// Print a value as pretty JSON to stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> u8 {
    print_json_text(&format!(
        "{}\n",
        serde_json::to_string_pretty(v).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_shows_controls_but_keeps_line_ends() {
        assert_eq!(clean("a\u{1b}]0;x\u{7}b"), "a<U+001B>]0;x<U+0007>b");
        assert_eq!(clean("a,b\r\nc,d\r\n"), "a,b\r\nc,d\r\n");
        assert_eq!(clean("a\rb\r"), "a<U+000D>b<U+000D>");
        assert_eq!(clean("名\u{202E}称\n"), "名<U+202E>称\n");
    }
}
