//! Write the sample bundle (data/youyu-forestry, seed `2026-Q4 424242`) to
//! a folder, as BUNDLE.md lays it out, for the page's browser test; print
//! its verdict.
//!
//! `cargo run -p shuangsuiji-web --example sample_bundle -- OUT [--plan PLAN]
//! [--seed SEED] [--withhold conflicts] [--verify-html FILE]`
#![allow(clippy::print_stdout)]

use shuangsuiji_disclose::Lang;
use shuangsuiji_disclose::bundle::{assemble_bundle, verify_bundle};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: sample_bundle OUT [--plan P] [--seed S] [--withhold W] [--verify-html F]")?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry");
    let mut plan = format!("{dir}/plan.toml");
    let mut seed = "2026-Q4 424242".to_string();
    let mut withhold = Vec::new();
    let mut page = None;
    while let Some(a) = args.next() {
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--plan" => plan = v,
            "--seed" => seed = v,
            "--withhold" => withhold.push(v),
            "--verify-html" => page = Some(v),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let base = std::path::Path::new(&plan)
        .parent()
        .ok_or("the plan has no folder")?
        .to_path_buf();
    let text = std::fs::read_to_string(&plan).map_err(|e| format!("{plan}: {e}"))?;
    let open = |name: &str| std::fs::read(base.join(name)).ok();
    let w: Vec<&str> = withhold.iter().map(String::as_str).collect();
    let mut files = assemble_bundle(&text, &open, &seed, &w)?;
    if let Some(p) = page {
        // the real page instead of the placeholder; SHA256SUMS again
        let bytes = std::fs::read(&p).map_err(|e| format!("{p}: {e}"))?;
        files.insert("verify.html", bytes);
        files.remove("SHA256SUMS");
        let mut sums = String::new();
        for n in files.names() {
            if n != "journal.jsonl" {
                let h = sha256(files.get(n).unwrap_or_default());
                sums.push_str(&format!("{h}  {n}\n"));
            }
        }
        files.insert("SHA256SUMS", sums);
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{out}: {e}"))?;
    for n in files.names() {
        std::fs::write(format!("{out}/{n}"), files.get(n).unwrap_or_default())
            .map_err(|e| format!("{out}/{n}: {e}"))?;
    }
    let t0 = std::time::Instant::now();
    let verdict = verify_bundle(&files);
    let ms = t0.elapsed().as_millis();
    print!("{}", verdict.render(Lang::Zh));
    println!("verify_bundle (native): {ms} ms");
    Ok(())
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
