//! Printing errors and mapping them to exit codes.

use std::io::Write;

use shuangsuiji::{Error, ErrorKind};

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: invalid input or usage.
pub const INVALID: u8 = 2;
/// Exit code: the rules cannot be satisfied.
pub const INFEASIBLE: u8 = 3;

/// Print an error to stderr and return its exit code.
pub fn error(e: &Error) -> u8 {
    let mut err = std::io::stderr().lock();
    match e.kind() {
        ErrorKind::Input { diagnostics } => {
            // errors first (what blocks), then warnings, each in file order
            for d in diagnostics.iter().filter(|d| d.is_error()) {
                let _ = writeln!(err, "{d}");
            }
            for d in diagnostics.iter().filter(|d| !d.is_error()) {
                let _ = writeln!(err, "{d}");
            }
            let n = diagnostics.error_count();
            let _ = writeln!(
                err,
                "ssj: {n} error{} in the inputs; nothing was drawn",
                if n == 1 { "" } else { "s" }
            );
            INVALID
        }
        ErrorKind::Infeasible(_) => {
            let _ = writeln!(err, "ssj: {e}");
            INFEASIBLE
        }
        _ => {
            let _ = writeln!(err, "ssj: {e}");
            INVALID
        }
    }
}

/// Exit code: verification found a difference.
pub const MISMATCH: u8 = 1;

/// Print a message to stderr, prefixed `ssj: `.
pub fn message(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "ssj: {msg}");
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
        let _ = writeln!(err, "{w}");
    }
}

/// Print to stdout; `OK`, or `INVALID` if stdout is gone.
pub fn print(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return INVALID;
    }
    OK
}

/// Print a value as pretty JSON to stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> u8 {
    print(&format!(
        "{}\n",
        serde_json::to_string_pretty(v).unwrap_or_default()
    ))
}
