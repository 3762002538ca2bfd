//! The published folder (SPEC.md §12): what `ssj commit` and `ssj draw`
//! write, assembled as a [`Publication`] for
//! [`shuangsuiji::publish::Attempt::publish`].
//!
//! ```
//! use shuangsuiji::draw::Visits;
//! use shuangsuiji::{Dataset, Seed};
//! use shuangsuiji_disclose::folder;
//! let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
//! let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap();
//! let draw = ds.draw(&seed, &ds.commit()).unwrap();
//! let own = folder::draw_files(draw.result(), Visits::Held(&draw.result().visits), &ds.plan().notice);
//! assert_eq!(own.names().collect::<Vec<_>>(), folder::DRAW_FILES);
//! ```

use shuangsuiji::draw::Visits;
use shuangsuiji::model::NoticeInfo;
use shuangsuiji::{ALGORITHM, Commitment, Dataset, DrawResult, Publication};

use crate::{
    Format, Lang, pre_draw_notice, write_draw_notice_with, write_result_csv_in,
    write_result_xlsx_with,
};

/// The files `ssj commit` writes itself (the main file first).
pub const COMMIT_FILES: [&str; 3] = ["commitment.json", "pre-draw.html", "pre-draw.md"];
/// The files `ssj draw` writes itself (the main file first).
pub const DRAW_FILES: [&str; 5] = [
    "result.json",
    "result.csv",
    "notice.html",
    "notice.md",
    "result.xlsx",
];

/// The standard-library Python verifier, shipped in every folder.
pub const VERIFY_PY: &str = include_str!("../../../tools/ssj_verify.py");

/// The offline verifier page (the core compiled to WebAssembly by
/// `crates/web/build.sh`), shipped in every folder (feature `page`; the
/// page itself is built without it).
#[cfg(feature = "page")]
pub const VERIFY_HTML: &[u8] = include_bytes!("../assets/verify.html");

/// `commitment.json` and the pre-draw notice (HTML and Markdown, Chinese).
///
/// ```
/// use shuangsuiji_disclose::folder::{COMMIT_FILES, commit_files};
/// # let ds = shuangsuiji::Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// let c = ds.commit();
/// let p = commit_files(&c, &ds);
/// assert_eq!(p.names().collect::<Vec<_>>(), COMMIT_FILES);
/// let html = String::from_utf8(p.bytes("pre-draw.html").unwrap().unwrap()).unwrap();
/// assert!(html.contains(&ds.plan().title) && html.contains(&ds.digests().entities));
/// ```
pub fn commit_files<'a>(commitment: &'a Commitment, ds: &'a Dataset) -> Publication<'a> {
    Publication::of_commitment(commitment)
        .with_writer(COMMIT_FILES[1], move |w| {
            w.write_all(pre_draw_notice(ds, ALGORITHM, Format::Html, Lang::Zh).as_bytes())
        })
        .with_writer(COMMIT_FILES[2], move |w| {
            w.write_all(pre_draw_notice(ds, ALGORITHM, Format::Markdown, Lang::Zh).as_bytes())
        })
}

/// `result.json`, `result.csv`, the draw notice (HTML and Markdown,
/// Chinese, with the plan's `[notice]` table) and `result.xlsx`, written
/// visit by visit.
///
/// ```
/// use shuangsuiji::draw::Visits;
/// use shuangsuiji_disclose::folder::{DRAW_FILES, draw_files};
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let r = draw.result();
/// let p = draw_files(r, Visits::Held(&r.visits), &ds.plan().notice);
/// assert_eq!(p.names().collect::<Vec<_>>(), DRAW_FILES);
/// let csv = p.bytes("result.csv").unwrap().unwrap();
/// assert!(csv.starts_with("\u{FEFF}".as_bytes())); // UTF-8 with BOM, for spreadsheets
/// ```
pub fn draw_files<'a>(
    result: &'a DrawResult,
    visits: Visits<'a>,
    notice: &'a NoticeInfo,
) -> Publication<'a> {
    draw_files_with(result, visits, notice, None)
}

/// [`draw_files`], the temporary files of `result.xlsx` in the folder
/// `tmp` (`None`: the system's; [`crate::write_result_xlsx_with`]).
///
/// ```
/// use shuangsuiji::draw::Visits;
/// use shuangsuiji_disclose::folder::{draw_files, draw_files_with};
/// # use shuangsuiji::{Dataset, DrawOptions, Seed};
/// # let ds = Dataset::open("../../data/youyu-forestry/plan.toml").unwrap();
/// # let seed: Seed = "38 17 05".parse().unwrap();
/// # let draw = ds.draw_with(&seed, &ds.commit(), &DrawOptions::new().allow_weak_seed()).unwrap();
/// let (r, tmp) = (draw.result(), std::env::temp_dir());
/// let p = draw_files_with(r, Visits::Held(&r.visits), &ds.plan().notice, Some(&tmp));
/// let q = draw_files(r, Visits::Held(&r.visits), &ds.plan().notice);
/// assert_eq!(p.bytes("result.xlsx").unwrap().unwrap(), q.bytes("result.xlsx").unwrap().unwrap());
/// ```
pub fn draw_files_with<'a>(
    result: &'a DrawResult,
    visits: Visits<'a>,
    notice: &'a NoticeInfo,
    tmp: Option<&'a std::path::Path>,
) -> Publication<'a> {
    Publication::of_result_with(result, visits)
        .with_writer(DRAW_FILES[1], move |w| {
            write_result_csv_in(visits, crate::draw_notice::scheme_of(result), Lang::Zh, w)
        })
        .with_writer(DRAW_FILES[2], move |w| {
            write_draw_notice_with(result, visits, notice, Format::Html, Lang::Zh, w)
        })
        .with_writer(DRAW_FILES[3], move |w| {
            write_draw_notice_with(result, visits, notice, Format::Markdown, Lang::Zh, w)
        })
        .with_writer(DRAW_FILES[4], move |w| {
            write_result_xlsx_with(
                visits,
                result.plan.date,
                crate::draw_notice::scheme_of(result),
                Lang::Zh,
                tmp,
                w,
            )
        })
}

/// Complete a folder: add the plan and its inputs as the draw reads them
/// ([`Publication::with_inputs`]), carry over the files of `carry` that an
/// earlier command wrote into `out` (so that `SHA256SUMS` covers them
/// too), `VERIFY.md`, the verifiers, and end with `SHA256SUMS`.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ssj-doc-complete-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// # std::fs::create_dir_all(&dir).unwrap();
/// use shuangsuiji::{Dataset, Seed, draw::Visits, publish::Attempt};
/// use shuangsuiji_disclose::{bundle::*, folder};
/// let (path, out, journal) = (std::path::Path::new("../../data/youyu-forestry/plan.toml"), dir.join("out"), dir.join("journal.jsonl"));
/// let (text, ds) = (std::fs::read_to_string(path).unwrap(), Dataset::open(path).unwrap());
/// let c = ds.commit(); // ssj commit
/// let mut a = Attempt::new(&journal, "commit", None, "2026-09-28T02:00:00Z");
/// a.inputs(&ds.plan().id, ds.digests());
/// a.publish(&out, &folder::commit_files(&c, &ds), &folder::COMMIT_FILES, false).unwrap();
/// let seed: Seed = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24".parse().unwrap(); // ssj draw
/// let draw = ds.draw(&seed, &c).unwrap();
/// let r = draw.result();
/// let p = folder::draw_files(r, Visits::Held(&r.visits), &ds.plan().notice);
/// let p = folder::complete(p, &out, &folder::COMMIT_FILES, path, &text, ds.plan()).unwrap();
/// let mut a = Attempt::new(&journal, "draw", Some(seed.text()), "2026-10-09T02:00:00Z");
/// a.inputs(&ds.plan().id, ds.digests());
/// a.publish(&out, &p, &folder::DRAW_FILES, false).unwrap();
/// // anyone re-checks the folder
/// let files: BundleFiles = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap())
///     .map(|e| (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())).collect();
/// assert_eq!(verify_bundle(&files).outcome(), Outcome::Verified);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[cfg(feature = "fs")]
pub fn complete<'a>(
    p: Publication<'a>,
    out: &'a std::path::Path,
    carry: &'a [&'a str],
    plan_path: &'a std::path::Path,
    plan_text: &str,
    plan: &'a shuangsuiji::Plan,
) -> shuangsuiji::Result<Publication<'a>> {
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
    p = p.with_bytes("VERIFY.md", crate::verify_guide(&plan.id).into_bytes());
    #[cfg(feature = "page")]
    {
        p = p.with_bytes("verify.html", VERIFY_HTML.to_vec());
    }
    Ok(p.with_bytes("ssj_verify.py", VERIFY_PY.as_bytes().to_vec())
        .with_sums())
}
