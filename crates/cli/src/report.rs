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
