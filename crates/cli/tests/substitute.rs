//! `ssj substitute` on the sample: revision 2 written through the
//! journaled publish, `ssj verify DIR` replaying it, a hand-edited
//! substitute caught, refusals with their exact text.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest;

const SEED: &str = "38 17 05 92 64 11 70 26 53 48 91 30 07 65 24";
const EPOCH: &str = "1791511200";
/// One drawn officer on sick leave for one visit, one drawn entity
/// deregistered (the vector of crates/core/tests/revise.rs).
const DQ: &str = "kind,id,visit,reason,details\n\
                  officer,14062301012,91140623MA0PRX2D61,病假,住院两周（不公开）\n\
                  entity,92140623MA0NT5L54D,,注销,2026-09-30 已注销\n";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    /// The sample in `sample/`, committed and drawn into `sample/pub`.
    fn drawn() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let sample = dir.path().join("sample");
        std::fs::create_dir(&sample).unwrap();
        for e in std::fs::read_dir(repo().join("data/youyu-forestry")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), sample.join(e.file_name())).unwrap();
        }
        let w = Work { dir };
        let r = w.ssj(&[
            "commit",
            "--plan",
            "sample/plan.toml",
            "--out",
            "sample/pub",
            "-q",
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        let r = w.ssj(&[
            "draw",
            "--plan",
            "sample/plan.toml",
            "--seed",
            SEED,
            "--commitment",
            "sample/pub/commitment.json",
            "--out",
            "sample/pub",
            "-q",
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        w.write("dq.csv", DQ);
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    fn ssj(&self, args: &[&str]) -> Run {
        let o = Command::new(env!("CARGO_BIN_EXE_ssj"))
            .args(args)
            .current_dir(self.dir.path())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// The independent Python verifier (SPEC only) on the folder.
    fn python_verify(&self) -> Run {
        let o = Command::new("python3")
            .arg(repo().join("tools/ssj_verify.py"))
            .arg("sample/pub")
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    fn substitute(&self, csv: &str) -> Run {
        self.ssj(&["substitute", "sample/pub", "--disqualify", csv])
    }

    /// The last journal entry's command and outcome.
    fn last_entry(&self) -> (String, String) {
        let text = self.read("sample/journal.jsonl");
        let v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        (
            v["command"].as_str().unwrap().to_string(),
            v["outcome"].as_str().unwrap().to_string(),
        )
    }

    /// Recompute SHA256SUMS after an edit (a forger who knows the format).
    fn reseal(&self) {
        let dir = self.path("sample/pub");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "SHA256SUMS" && n != "journal.jsonl" && !n.starts_with('.'))
            .collect();
        names.sort();
        let mut sums = String::new();
        for n in names {
            let h = sha2::Sha256::digest(std::fs::read(dir.join(&n)).unwrap());
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            sums.push_str(&format!("{hex}  {n}\n"));
        }
        std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    }
}

#[test]
fn revision_two_is_written_journaled_and_verified() {
    let w = Work::drawn();
    let r = w.substitute("dq.csv");
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.starts_with(
        "Revision 2 of plan YYLY-2026-Q4: 2 disqualification(s), 2 substitution(s) (2 in all)\n  \
         YYLY-01 右卫镇 (注销): 92140623MA0NT5L54D 右玉县绿野宏远养殖场 -> 91140623MA0DW0RT2G 右玉县森茂风力发电有限公司 (rank 1 -> 3)\n  \
         91140623MA0PRX2D61 林政执法 (病假): 14062301012 袁爱玲 -> 14062301007 于二虎\n"
    ), "{}", r.out);
    // the same bytes as the library's vector
    assert_eq!(
        std::fs::read(w.path("sample/pub/revision-2.json")).unwrap(),
        std::fs::read(repo().join("tests/vectors/revision/revision-2.json")).unwrap()
    );
    // the private details never reach the folder
    for e in std::fs::read_dir(w.path("sample/pub")).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("住院两周"));
    }
    let notice = w.read("sample/pub/revisions.md");
    assert!(notice.contains("- 共替补 2 次（计划未设上限）"), "{notice}");
    assert!(
        notice
            .contains("| 执法人员 | 14062301012 | 检查 91140623MA0PRX2D61 | 病假（sick_leave） |")
    );
    assert_eq!(w.last_entry(), ("substitute".into(), "ok".into()));
    let v = w.ssj(&["verify", "sample/pub", "--lang", "en"]);
    assert_eq!(v.code, 0, "{}{}", v.out, v.err);
    assert!(v.out.contains(
        "revision replayed and compared — revision-2.json: 2 disqualification(s), 2 substitution(s) reproduced exactly"
    ), "{}", v.out);
    // a second revision chains; the substitute itself may go, never back
    w.write(
        "dq3.csv",
        "kind,id,visit,reason\nentity,91140623MA0DW0RT2G,,moved_away\n",
    );
    let r = w.substitute("dq3.csv");
    assert_eq!(r.code, 0, "{}", r.err);
    let v = w.ssj(&["verify", "sample/pub", "--lang", "en"]);
    assert_eq!(v.code, 0, "{}", v.out);
    assert!(
        v.out.contains(
            "revision-3.json: 1 disqualification(s), 1 substitution(s) reproduced exactly"
        )
    );
    // no ping-pong: the entity out in revision 2 cannot be declared again
    w.write(
        "dq4.csv",
        "kind,id,visit,reason\nentity,92140623MA0NT5L54D,,deregistered\n",
    );
    let r = w.substitute("dq4.csv");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "dq4.csv:2: error: entity 92140623MA0NT5L54D was disqualified by an earlier revision\n\
         ssj: 1 error in the disqualifications; nothing was revised\n"
    );
    assert_eq!(w.last_entry(), ("substitute".into(), "invalid".into()));
    assert!(!w.path("sample/pub/revision-4.json").exists());
}

#[test]
fn a_hand_edited_substitute_is_caught() {
    let w = Work::drawn();
    assert_eq!(w.substitute("dq.csv").code, 0);
    let path = "sample/pub/revision-2.json";
    let text = w.read(path);
    let edited = text.replacen(
        "\"substitute\":{\"cert_no\":\"14062301007\"",
        "\"substitute\":{\"cert_no\":\"14062301008\"",
        1,
    );
    assert_ne!(edited, text);
    w.write(path, &edited);
    w.reseal();
    let v = w.ssj(&["verify", "sample/pub", "--lang", "en"]);
    assert_eq!(v.code, 1, "{}", v.out);
    assert!(v.out.contains(
        "revision-2.json line 1: officers[0]: on the visit to 91140623MA0PRX2D61 the substitute for 14062301012 is 14062301008, but the rule gives 14062301007 for 14062301012"
    ), "{}", v.out);
    let p = w.python_verify();
    assert_eq!(p.code, 1, "{}", p.out);
    assert!(p.out.contains(
        "[DIFFERS] revision-2.json: revision replay — first difference: /officers[0]/substitute/cert_no: recomputed \"14062301007\", published \"14062301008\""
    ), "{}", p.out);
    // and substitute refuses to build on the edited folder
    w.write(
        "dq3.csv",
        "kind,id,visit,reason\nentity,91140623MA0DW0RT2G,,moved_away\n",
    );
    let r = w.substitute("dq3.csv");
    assert_eq!(r.code, 2);
    assert!(r.err.starts_with("ssj: sample/pub: the folder does not verify (revision-2.json (revision), revisions.md (regenerated), revision-2.json (journal_output), SHA256SUMS (journal_bundle); outcome differs)"), "{}", r.err);
    assert_eq!(w.last_entry(), ("substitute".into(), "invalid".into()));
    assert!(!w.path("sample/pub/revision-3.json").exists());
}

#[test]
fn a_bad_disqualification_file_names_line_and_field() {
    let w = Work::drawn();
    w.write(
        "bad.csv",
        "kind,id,visit,reason\nofficer,14062301012,,holiday\nperson,X,,病假\nentity,92140623MA0NT5L54D,,病假\n",
    );
    let r = w.substitute("bad.csv");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "bad.csv:2: reason: 'holiday' is not one of sick_leave (病假), transferred (调离), new_conflict (新发现回避), deregistered (注销), moved_away (迁出)\n\
         bad.csv:3: kind: 'person' is not entity or officer\n\
         ssj: 2 errors in the disqualifications; nothing was revised\n"
    );
    w.write(
        "bad2.csv",
        "kind,id,visit,reason\nentity,92140623MA0NT5L54D,,病假\n",
    );
    let r = w.substitute("bad2.csv");
    assert_eq!(r.code, 2);
    assert_eq!(
        r.err,
        "bad2.csv:2: reason: error: sick_leave (病假) is not a reason for an entity; use one of: deregistered (注销), moved_away (迁出)\n\
         ssj: 1 error in the disqualifications; nothing was revised\n"
    );
    assert!(!w.path("sample/pub/revision-2.json").exists());
    let v = w.ssj(&["verify", "sample/pub"]);
    assert_eq!(v.code, 0);
}

#[test]
fn a_revision_renumbered_or_removed_is_named() {
    let w = Work::drawn();
    assert_eq!(w.substitute("dq.csv").code, 0);
    std::fs::rename(
        w.path("sample/pub/revision-2.json"),
        w.path("sample/pub/revision-3.json"),
    )
    .unwrap();
    w.reseal();
    let v = w.ssj(&["verify", "sample/pub", "--lang", "en"]);
    assert_eq!(v.code, 1, "{}", v.out);
    assert!(
        v.out.contains(
            "revision-3.json: revision-2.json is missing: revisions are numbered from 2 without gaps"
        ),
        "{}",
        v.out
    );
    let p = w.python_verify();
    assert_eq!(p.code, 1, "{}", p.out);
    assert!(
        p.out.contains(
            "[DIFFERS] revision-3.json: revision replay — revision-2.json is missing: numbered from 2 without gaps"
        ),
        "{}",
        p.out
    );
    // a removed revision: revisions.md and the journal still name it
    std::fs::remove_file(w.path("sample/pub/revision-3.json")).unwrap();
    w.reseal();
    let v = w.ssj(&["verify", "sample/pub", "--lang", "en"]);
    assert_eq!(v.code, 1, "{}", v.out);
    assert!(
        v.out
            .contains("revisions.md: a substitution notice without any revision-N.json"),
        "{}",
        v.out
    );
}
