//! `ssj commit`: before the seed exists, publish the commitment (plan and
//! input digests) and the pre-draw notice.

use crate::attempt::{Attempt, wrote};
use crate::bundle;
use crate::cli::{JournalFlag, StreamFlags};
use crate::{exit, fsio, input};
use clap::Args;
use shuangsuiji::ALGORITHM;
use shuangsuiji::Publication;
use shuangsuiji_disclose::{Format, Lang};
use std::fmt::Write as _;
use std::path::PathBuf;

/// `ssj commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// The plan file (TOML).
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: PathBuf,
    /// The folder to write commitment.json and the pre-draw notice into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an earlier commitment in DIR.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub journal: JournalFlag,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
}

/// Files `ssj commit` writes.
pub const COMMIT_FILES: [&str; 3] = ["commitment.json", "pre-draw.html", "pre-draw.md"];

/// `ssj commit`.
pub fn run(a: &CommitArgs) -> u8 {
    let at = Attempt::new(
        fsio::journal_path(a.journal.journal.as_deref(), &a.plan),
        "commit",
        None,
    );
    let (mut at, st) = match at.before_reading(&a.out, &COMMIT_FILES, a.force, &a.stream, a.quiet) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let ds = match st.load(&a.plan) {
        Ok(ds) => ds,
        Err(e) => return at.fail_with(&e),
    };
    at.dataset(&ds);
    exit::warnings(&ds.warnings, a.quiet);
    let c = ds.commit();
    let plan_text = match input::plan_text(&a.plan) {
        Ok(t) => t,
        Err(e) => return at.fail_with(&e),
    };
    let own = Publication::of_commitment(&c)
        .with_writer(COMMIT_FILES[1], |w| {
            let t = shuangsuiji_disclose::pre_draw_notice(&ds, ALGORITHM, Format::Html, Lang::Zh);
            w.write_all(t.as_bytes())
        })
        .with_writer(COMMIT_FILES[2], |w| {
            let t =
                shuangsuiji_disclose::pre_draw_notice(&ds, ALGORITHM, Format::Markdown, Lang::Zh);
            w.write_all(t.as_bytes())
        });
    let publication = match bundle::complete(own, &a.out, &[], &a.plan, &plan_text, &ds.plan) {
        Ok(p) => p,
        Err(e) => return at.fail_with(&e),
    };
    let published = match at.publish(&a.out, &publication, &COMMIT_FILES, a.force) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if a.quiet {
        return exit::OK;
    }
    let mut o = String::new();
    let p = &ds.plan;
    let _ = writeln!(o, "Commitment to plan {} — {}", p.id, p.title);
    let _ = writeln!(o, "  algorithm    {ALGORITHM}");
    for (k, v) in shuangsuiji::commit::input_digests(&ds.digests) {
        let _ = writeln!(o, "  {k:<12} {v}");
    }
    let _ = writeln!(o, "  seed source  {}", p.seed_source);
    wrote(&mut o, &a.out, &published);
    let _ = writeln!(
        o,
        "\nPublish commitment.json and the pre-draw notice now, before the seed exists.\n\
         Anyone can check the folder with verify.html, python3 ssj_verify.py or ssj verify.\n\
         The seed must carry at least {} bits, more for a large draw: 29 decimal digits\n\
         from the announced source always suffice. Then draw with\n  \
         ssj draw --plan {} --commitment {} --seed '<the digits, as announced>' --out <DIR>",
        shuangsuiji::draw::MIN_SEED_BITS,
        a.plan.display(),
        a.out.join(COMMIT_FILES[0]).display()
    );
    exit::print(&o)
}
