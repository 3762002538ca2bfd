//! `verify_bundle` on bundles assembled in memory from the sample plan.

use shuangsuiji::LoadOptions;
use shuangsuiji_disclose::Lang;
use shuangsuiji_disclose::bundle::{
    BundleErrorKind, BundleFiles, BundleSource, BundleVerdict, CheckKind, Outcome, Status,
    assemble_bundle, verify_bundle_streaming,
};

/// `verify_bundle`, and the same verdict from `verify_bundle_streaming`
/// (what `ssj verify DIR` runs): every case below checks both.
fn verify_bundle(files: &BundleFiles) -> BundleVerdict {
    let held = shuangsuiji_disclose::bundle::verify_bundle(files);
    let streamed = verify_bundle_streaming(
        files,
        LoadOptions {
            threads: 2,
            ..Default::default()
        },
    );
    assert_eq!(
        held.to_json(),
        streamed.to_json(),
        "the streamed verification gives another verdict"
    );
    assert_eq!(held, streamed);
    held
}

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
const SEED: &str = "2026-Q4 424242";

fn sample(withhold: &[&str]) -> BundleFiles {
    let plan = std::fs::read_to_string(format!("{DIR}plan.toml")).unwrap();
    let open = |name: &str| std::fs::read(format!("{DIR}{name}")).ok();
    assemble_bundle(&plan, &open, SEED, withhold).unwrap()
}

/// Recompute SHA256SUMS after an edit (a forger who knows the format).
fn reseal(files: &mut BundleFiles) {
    use sha2::Digest;
    let mut sums = String::new();
    let names: Vec<String> = files.names().map(str::to_string).collect();
    for n in names {
        if n != "SHA256SUMS" && n != "journal.jsonl" {
            let h = sha2::Sha256::digest(files.get(&n).unwrap());
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            sums.push_str(&format!("{hex}  {n}\n"));
        }
    }
    files.insert("SHA256SUMS", sums);
}

/// Change one byte: the first occurrence of `from` (after `after`) becomes `to`.
fn edit(files: &mut BundleFiles, name: &str, after: &str, from: &str, to: &str) {
    let text = String::from_utf8(files.get(name).unwrap().to_vec()).unwrap();
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("{name}: no {after}"));
    let at = start + text[start..].find(from).unwrap();
    let changed = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    assert_eq!(changed.len(), text.len());
    files.insert(name, changed);
}

fn differing(
    v: &shuangsuiji_disclose::bundle::BundleVerdict,
) -> Vec<(CheckKind, String, Option<u64>)> {
    v.checks
        .iter()
        .filter_map(|c| match &c.status {
            Status::Differs { line, .. } => {
                Some((c.what, c.file.clone().unwrap_or_default(), *line))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_good_bundle_verifies() {
    let files = sample(&[]);
    let v = verify_bundle(&files);
    assert_eq!(v.outcome(), Outcome::Verified, "{}", v.render(Lang::En));
    assert_eq!(v.exit_code(), 0);
    let not_checked: Vec<_> = v
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::NotChecked { .. }))
        .map(|c| c.what)
        .collect();
    assert_eq!(not_checked, [CheckKind::JournalBundle]);
    let text = v.render(Lang::Zh);
    assert!(text.starts_with("核验通过"), "{text}");
    assert!(text.contains("journal entry does not bind SHA256SUMS"));
    let en = v.render(Lang::En);
    assert!(en.starts_with("VERIFIED"), "{en}");
    assert!(
        en.contains("not in this extract (other plans' entries): 2"),
        "{en}"
    );
    let json: serde_json::Value = serde_json::from_str(&v.to_json()).unwrap();
    assert_eq!(json["outcome"], "verified");
    assert_eq!(json["exit_code"], 0);
    assert_eq!(json["seed"], SEED);
    // the same files, the same verdict bytes
    assert_eq!(verify_bundle(&sample(&[])).to_json(), v.to_json());
}

#[test]
fn one_byte_changed_in_any_file_is_caught_by_sha256sums() {
    let good = sample(&[]);
    for name in good
        .names()
        .filter(|n| *n != "SHA256SUMS" && *n != "journal.jsonl")
    {
        let mut files = good.clone();
        let mut bytes = files.get(name).unwrap().to_vec();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
        files.insert(name, bytes);
        let v = verify_bundle(&files);
        assert_ne!(v.exit_code(), 0, "{name}");
        assert!(
            differing(&v)
                .iter()
                .any(|(k, f, _)| *k == CheckKind::Sums && f == name),
            "{name}: {}",
            v.render(Lang::En)
        );
    }
}

#[test]
fn an_edited_and_resealed_file_is_caught_by_its_own_check() {
    let good = sample(&[]);
    // (file, after, from, to, the check that names it)
    let cases: [(&str, &str, &str, &str, CheckKind); 9] = [
        ("result.csv", "\n2,", "1", "7", CheckKind::Regenerated),
        (
            "notice.html",
            "<td ",
            "<td ",
            "<th ",
            CheckKind::Regenerated,
        ),
        ("notice.md", "| ", "| ", "|_", CheckKind::Regenerated),
        (
            "pre-draw.html",
            "<td ",
            "<td ",
            "<th ",
            CheckKind::Regenerated,
        ),
        ("pre-draw.md", "| ", "| ", "|_", CheckKind::Regenerated),
        ("entities.csv", "\n", "否", "是", CheckKind::InputDigest),
        ("officers.csv", "\n", "2028", "2029", CheckKind::InputDigest),
        ("items.csv", "YYLY-02", "1", "2", CheckKind::InputDigest),
        (
            "history.csv",
            "\n",
            "2025-01",
            "2025-02",
            CheckKind::InputDigest,
        ),
    ];
    for (name, after, from, to, kind) in cases {
        let mut files = good.clone();
        edit(&mut files, name, after, from, to);
        reseal(&mut files);
        let v = verify_bundle(&files);
        let d = differing(&v);
        assert_eq!(v.exit_code(), 1, "{name}: {}", v.render(Lang::En));
        assert!(
            d.iter().any(|(k, f, _)| *k == kind && f == name),
            "{name}: {}",
            v.render(Lang::En)
        );
        if kind == CheckKind::Regenerated {
            let line = d.iter().find(|(_, f, _)| f == name).unwrap().2.unwrap();
            let before = good.get(name).unwrap();
            let after_ = files.get(name).unwrap();
            let first = before.iter().zip(after_).position(|(a, b)| a != b).unwrap();
            assert_eq!(
                line,
                1 + before[..first].iter().filter(|&&b| b == b'\n').count() as u64
            );
        }
    }
}

#[test]
fn a_changed_result_conflicts_or_journal_is_named() {
    let good = sample(&[]);
    // a drawn officer's certificate number changed in result.json: the
    // re-run draw names the officer (the journal's output no longer binds it)
    let mut files = good.clone();
    edit(&mut files, "result.json", "\"cert_no\":\"", "1406", "1407");
    reseal(&mut files);
    let v = verify_bundle(&files);
    let d = differing(&v);
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::Draw && f == "result.json"),
        "{}",
        v.render(Lang::En)
    );
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::JournalOutput && f == "result.json")
    );
    // conflicts
    let mut files = good.clone();
    edit(
        &mut files,
        "conflicts.csv",
        "\n",
        "14062301001",
        "14062301002",
    );
    reseal(&mut files);
    let d = differing(&verify_bundle(&files));
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::InputDigest && f == "conflicts.csv")
    );
    // the journal: an edited seed breaks the entry's hash, on its line
    let mut files = good.clone();
    edit(
        &mut files,
        "journal.jsonl",
        "\"command\":\"draw\"",
        "2026-Q4",
        "2026-Q5",
    );
    let d = differing(&verify_bundle(&files));
    assert_eq!(
        d,
        [(CheckKind::Journal, "journal.jsonl".to_string(), Some(2))]
    );
    // the commitment: another seed source
    let mut files = good.clone();
    edit(&mut files, "commitment.json", "seed_source", "2026", "2027");
    reseal(&mut files);
    let d = differing(&verify_bundle(&files));
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::Commitment && f == "commitment.json"),
        "{d:?}"
    );
    // plan.toml: another quota
    let mut files = good.clone();
    edit(&mut files, "plan.toml", "max_per_year", "2", "3");
    reseal(&mut files);
    let d = differing(&verify_bundle(&files));
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::InputDigest && f == "plan.toml"),
        "{d:?}"
    );
    // SHA256SUMS itself: a line out of order
    let mut files = good.clone();
    let sums = String::from_utf8(files.get("SHA256SUMS").unwrap().to_vec()).unwrap();
    let mut lines: Vec<&str> = sums.lines().collect();
    lines.swap(0, 1);
    files.insert("SHA256SUMS", format!("{}\n", lines.join("\n")));
    let d = differing(&verify_bundle(&files));
    assert_eq!(d, [(CheckKind::Sums, "SHA256SUMS".to_string(), Some(2))]);
    // a file removed, a file added
    let mut files = good.clone();
    files.remove("notice.md");
    files.insert("extra.txt", "x");
    let d = differing(&verify_bundle(&files));
    assert!(d.contains(&(CheckKind::Sums, "notice.md".into(), None)));
    assert!(d.contains(&(CheckKind::Sums, "extra.txt".into(), None)));
    assert!(d.contains(&(CheckKind::Regenerated, "notice.md".into(), None)));
}

#[test]
fn a_truncated_result_is_bad_input_with_its_position() {
    let mut files = sample(&[]);
    let r = String::from_utf8(files.get("result.json").unwrap().to_vec()).unwrap();
    let cut = (0..=r.len() / 2)
        .rev()
        .find(|i| r.is_char_boundary(*i))
        .unwrap();
    files.insert("result.json", r[..cut].to_string());
    let v = verify_bundle(&files);
    assert_eq!(v.exit_code(), 2);
    assert_eq!(v.outcome(), Outcome::Invalid);
    let e = &v.errors[0];
    assert_eq!(
        (e.kind, e.file.as_str(), e.line),
        (BundleErrorKind::Malformed, "result.json", Some(1))
    );
    // serde_json counts columns in bytes
    assert_eq!(e.column, Some(cut as u64), "{e}");
    assert!(v.render(Lang::Zh).starts_with("无法核验"));
    // the edit is also named by SHA256SUMS
    assert!(differing(&v).iter().any(|(_, f, _)| f == "result.json"));
}

#[test]
fn an_entity_error_is_bad_input_with_its_line() {
    let mut files = sample(&[]);
    edit(
        &mut files,
        "entities.csv",
        "\n右玉县",
        "91140623",
        "9114062X",
    );
    reseal(&mut files);
    let v = verify_bundle(&files);
    assert_eq!(v.exit_code(), 2, "{}", v.render(Lang::En));
    assert!(
        v.errors
            .iter()
            .any(|e| e.file == "entities.csv" && e.line == Some(2)),
        "{:?}",
        v.errors
    );
}

#[test]
fn withheld_conflicts_check_the_selection_only() {
    let files = sample(&["conflicts"]);
    assert!(files.get("conflicts.csv").is_none());
    let v = verify_bundle(&files);
    assert_eq!(
        v.outcome(),
        Outcome::PartiallyVerified,
        "{}",
        v.render(Lang::En)
    );
    assert_eq!(v.exit_code(), 0);
    assert_eq!(v.withheld, ["conflicts"]);
    let why: Vec<&str> = v
        .checks
        .iter()
        .filter_map(|c| match &c.status {
            Status::NotChecked { why } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        why.contains(&"officer teams not checked: 回避名单 withheld"),
        "{why:?}"
    );
    let text = v.render(Lang::Zh);
    assert!(text.starts_with("部分核验通过"), "{text}");
    // a changed selection is still caught
    let mut files = files;
    edit(&mut files, "result.json", "\"rank\":", "1", "9");
    reseal(&mut files);
    let v = verify_bundle(&files);
    assert!(
        differing(&v).iter().any(|(k, _, _)| *k == CheckKind::Draw),
        "{}",
        v.render(Lang::En)
    );
}

#[test]
fn withheld_history_checks_the_draw_key_only() {
    let v = verify_bundle(&sample(&["history"]));
    assert_eq!(
        v.outcome(),
        Outcome::PartiallyVerified,
        "{}",
        v.render(Lang::En)
    );
    assert!(v.render(Lang::En).contains("抽查记录 withheld"));
}

#[test]
fn result_csv_is_what_ssj_draw_wrote() {
    // written by `ssj draw --plan data/youyu-forestry/plan.toml --seed
    // '2026-Q4 424242' --allow-weak-seed` at this commit
    let written = include_bytes!("vectors/youyu-forestry.result.csv");
    let files = sample(&[]);
    assert_eq!(files.get("result.csv").unwrap(), &written[..]);
}

#[test]
fn a_pre_draw_bundle_verifies_against_its_commitment() {
    let mut files = sample(&[]);
    for n in ["result.json", "result.csv", "notice.html", "notice.md"] {
        files.remove(n);
    }
    // the journal up to the commit
    let journal = String::from_utf8(files.get("journal.jsonl").unwrap().to_vec()).unwrap();
    files.insert(
        "journal.jsonl",
        format!("{}\n", journal.lines().next().unwrap()),
    );
    reseal(&mut files);
    let v = verify_bundle(&files);
    assert_eq!(v.outcome(), Outcome::Verified, "{}", v.render(Lang::En));
    assert!(v.checks.iter().any(|c| c.what == CheckKind::JournalOutput
        && c.file.as_deref() == Some("commitment.json")
        && c.status == Status::Ok));
    // an input changed after the commitment
    edit(&mut files, "officers.csv", "\n", "2028", "2029");
    reseal(&mut files);
    let v = verify_bundle(&files);
    let d = differing(&v);
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::InputDigest && f == "officers.csv"),
        "{d:?}"
    );
}

#[test]
fn a_journal_entry_binding_sha256sums_is_checked() {
    use sha2::Digest;
    // the draw entry again, with a `bundle` field: the hash covers it
    let with_bundle = |files: &BundleFiles, bundle: &str| {
        let journal = String::from_utf8(files.get("journal.jsonl").unwrap().to_vec()).unwrap();
        let mut lines = journal.lines();
        let (commit, draw) = (lines.next().unwrap(), lines.next().unwrap());
        let mut v: serde_json::Value = serde_json::from_str(draw).unwrap();
        v.as_object_mut()
            .unwrap()
            .insert("bundle".into(), bundle.into());
        // re-hash with the core's rule (tagged SHA-256 of the canonical JSON without "hash")
        v.as_object_mut().unwrap().remove("hash");
        let tag = shuangsuiji::journal::TAG_JOURNAL_ENTRY;
        let mut buf = (tag.len() as u32).to_be_bytes().to_vec();
        buf.extend_from_slice(tag.as_bytes());
        buf.extend_from_slice(shuangsuiji::commit::digest::canonical_json(&v).as_bytes());
        let h = shuangsuiji::commit::digest::hex(&sha2::Sha256::digest(&buf));
        v.as_object_mut().unwrap().insert("hash".into(), h.into());
        format!(
            "{commit}\n{}\n",
            shuangsuiji::commit::digest::canonical_json(&v)
        )
    };
    let mut files = sample(&[]);
    let sums =
        shuangsuiji::commit::digest::hex(&sha2::Sha256::digest(files.get("SHA256SUMS").unwrap()));
    let j = with_bundle(&files, &sums);
    files.insert("journal.jsonl", j);
    let v = verify_bundle(&files);
    assert_eq!(v.outcome(), Outcome::Verified, "{}", v.render(Lang::En));
    assert!(
        v.checks.iter().all(|c| c.status == Status::Ok),
        "{}",
        v.render(Lang::En)
    );
    // SHA256SUMS rewritten after the journal entry: caught
    let mut forged = files.clone();
    edit(&mut forged, "result.csv", "\n2,", "1", "7");
    reseal(&mut forged);
    let d = differing(&verify_bundle(&forged));
    assert!(
        d.iter()
            .any(|(k, f, _)| *k == CheckKind::JournalBundle && f == "SHA256SUMS"),
        "{d:?}"
    );
}

/// A bundle source that counts how often each file is opened.
struct Counting {
    files: BundleFiles,
    opened: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
}

impl BundleSource for Counting {
    fn names(&self) -> Vec<String> {
        self.files.names().map(str::to_string).collect()
    }

    fn open(&self, name: &str) -> Option<std::io::Result<Box<dyn std::io::Read + '_>>> {
        *self
            .opened
            .lock()
            .unwrap()
            .entry(name.to_string())
            .or_default() += 1;
        self.files.open(name)
    }
}

/// `ssj verify DIR` reads the registry once (the draw re-run, its SHA-256
/// taken on the way) and every other file once, but the two it reads and
/// then compares with what it regenerates.
#[test]
fn the_streamed_verification_reads_the_registry_once() {
    let src = Counting {
        files: sample(&[]),
        opened: Default::default(),
    };
    let v = verify_bundle_streaming(
        &src,
        LoadOptions {
            threads: 2,
            ..Default::default()
        },
    );
    assert_eq!(v, shuangsuiji_disclose::bundle::verify_bundle(&src.files));
    assert_eq!(v.outcome(), Outcome::Verified, "{}", v.render(Lang::En));
    for (name, n) in src.opened.into_inner().unwrap() {
        let want = match name.as_str() {
            "result.json" | "commitment.json" => 2,
            _ => 1,
        };
        assert_eq!(n, want, "{name} opened {n} times");
    }
}
