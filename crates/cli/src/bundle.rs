//! What every published folder holds besides the command's own files:
//! the plan and inputs as the draw reads them, the ways to verify, and
//! `SHA256SUMS` (README "The published folder").

use std::path::Path;

use shuangsuiji::model::Plan;
use shuangsuiji::{Error, Publication};

/// The offline verifier page (the core compiled to WebAssembly, built by
/// `crates/web/build.sh`), shipped in every folder.
pub const VERIFY_HTML: &[u8] = include_bytes!("../../disclose/assets/verify.html");

/// The standard-library Python verifier, shipped in every folder.
pub const VERIFY_PY: &str = include_str!("../../../tools/ssj_verify.py");

/// Add the common parts of a published folder to `p`, carrying over the
/// files of `carry` that an earlier command wrote into `out` (so that
/// `SHA256SUMS` covers them too), and end with `SHA256SUMS`.
pub fn complete<'a>(
    p: Publication<'a>,
    out: &'a Path,
    carry: &'a [&'a str],
    plan_path: &'a Path,
    plan_text: &str,
    plan: &'a Plan,
) -> Result<Publication<'a>, Error> {
    let mut p = p.with_inputs(plan_path, plan_text, plan)?;
    for name in carry {
        let path = out.join(name);
        if path.is_file() && !p.names().any(|n| n == *name) {
            p = p.with_writer(name, move |w| {
                let mut f = std::fs::File::open(&path)?;
                std::io::copy(&mut f, w).map(|_| ())
            });
        }
    }
    Ok(p.with_bytes(
        "VERIFY.md",
        shuangsuiji_disclose::verify_guide(&plan.id).into_bytes(),
    )
    .with_bytes("verify.html", VERIFY_HTML.to_vec())
    .with_bytes("ssj_verify.py", VERIFY_PY.as_bytes().to_vec())
    .with_sums())
}
