//! What only the command line decides: where the journal is by default,
//! the clock (the library reads none), and reading small text files.
//! Atomic writes, the journal append and locks are the library's
//! (`shuangsuiji::publish`).

use std::path::{Path, PathBuf};

/// The journal path: as given, or `journal.jsonl` next to the plan.
pub fn journal_path(given: Option<&Path>, plan: &Path) -> PathBuf {
    match given {
        Some(p) => p.to_path_buf(),
        None => plan.parent().unwrap_or(Path::new("")).join("journal.jsonl"),
    }
}

/// Whether `SOURCE_DATE_EPOCH` sets the clock.
pub fn clock_override() -> bool {
    std::env::var("SOURCE_DATE_EPOCH").is_ok_and(|s| s.trim().parse::<i64>().is_ok())
}

/// Now, as RFC 3339 UTC (`2026-10-09T02:03:04Z`); `SOURCE_DATE_EPOCH`
/// (seconds) overrides the clock for reproducible test output.
pub fn now_rfc3339() -> String {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (H. Hinnant)
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
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Read a text file of at most `limit` bytes (a regular file: see
/// `shuangsuiji::load::open`), naming it on failure.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = shuangsuiji::load::open::read_limited(path, limit)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut text =
        String::from_utf8(bytes).map_err(|_| format!("{}: not valid UTF-8", path.display()))?;
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
    Ok(text)
}
