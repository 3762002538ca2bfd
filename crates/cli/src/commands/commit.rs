//! `ssj commit`: before the seed exists, publish the commitment (plan and
//! input digests) and the pre-draw notice.

use crate::attempt::{Attempt, wrote};
use crate::cli::{JournalFlag, StreamFlags};
use crate::{exit, fsio, input};
use clap::Args;
use shuangsuiji::ALGORITHM;
use shuangsuiji_disclose::folder::{self, COMMIT_FILES};
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

/// `ssj commit`.
pub fn run(a: &CommitArgs) -> u8 {
    let at = Attempt::new(
        fsio::journal_path(a.journal.journal.as_deref(), &a.plan),
        "commit",
        None,
    );
    let (mut at, st) =
        match at.before_reading(&a.out, &COMMIT_FILES, a.force, &a.stream, a.quiet, &a.plan) {
            Ok(x) => x,
            Err(code) => return code,
        };
    let ds = match st.load(&a.plan) {
        Ok(ds) => ds,
        Err(e) => return at.fail_with(&e),
    };
    at.dataset(&ds);
    exit::warnings(ds.warnings(), a.quiet);
    let c = ds.commit();
    let plan_text = match input::plan_text(&a.plan) {
        Ok(t) => t,
        Err(e) => return at.fail_with(&e),
    };
    let own = folder::commit_files(&c, &ds);
    let publication = match folder::complete(own, &a.out, &[], &a.plan, &plan_text, ds.plan()) {
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
    let p = ds.plan();
    let _ = writeln!(o, "Commitment to plan {} — {}", p.id, p.title);
    let _ = writeln!(o, "  algorithm    {ALGORITHM}");
    for (k, v) in shuangsuiji::commit::input_digests(ds.digests()) {
        let _ = writeln!(o, "  {k:<12} {v}");
    }
    let _ = writeln!(o, "  seed source  {}", p.seed_source);
    o.push_str(&crate::commands::check::seed_sources_text(&p.seed_sources));
    wrote(&mut o, &a.out, &published);
    if !p.seed_sources.is_empty() {
        let _ = writeln!(
            o,
            "\nPublish commitment.json and the pre-draw notice now, before {} begins (00:00 Beijing time):\n\
             every declared source must still be unknown. Once the results are out, draw with\n  \
             ssj draw --plan {} --commitment {} --seed '{}' --out <DIR>",
            p.date,
            a.plan.display(),
            a.out.join(COMMIT_FILES[0]).display(),
            shuangsuiji::draw::seed_template(&p.seed_sources)
        );
        return exit::print(&o);
    }
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
