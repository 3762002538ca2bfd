"""Tests of tools/public_api.py (the public-API semver gate).

Run: python3 -m unittest discover -s tools/tests/public_api -v
fixture.json is the rustdoc JSON of fixture.rs (make_fixture.sh).
"""

import copy
import io
import json
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
import public_api  # noqa: E402

FIXTURE = json.loads((HERE / "fixture.json").read_text(encoding="utf-8"))
BLESS = "SSJ_BLESS=1 tools/check-public-api.sh"


def listing(version=None):
    return public_api.Api(copy.deepcopy(FIXTURE), version).render_all()


class Listing(unittest.TestCase):
    def setUp(self):
        self.lines = listing()

    def test_reexport_at_root_and_signatures(self):
        for line in [
            # re-exported from the private module `inner`: listed at the root
            "fixture::Point | struct | pub struct Point { x, y }",
            "fixture::Point::x | field | pub x: i32",
            "fixture::Point::new | method | pub fn new(x: i32, y: i32) -> Self",
            "fixture::Point::scaled | method | pub fn scaled<T>(&self, k: T) -> Point"
            " where T: std::fmt::Debug + Into<i32> + Copy",
            "fixture::Point | impl std::str::traits::FromStr | impl std::str::traits::FromStr for Point"
            " { type Err = String; }",
            "fixture::Point | impl Clone | impl Clone for Point",
            "fixture::Point | auto traits | Send + Sync + Unpin + UnwindSafe + RefUnwindSafe",
            "fixture::parse | fn | pub fn parse<'a>(s: &'a str, scratch: &mut Vec<u8>)"
            " -> std::result::Result<Point, std::num::error::ParseIntError>",
            "fixture::shapes | mod | pub mod shapes",
            "fixture::shapes::Shape | enum | #[non_exhaustive] pub enum Shape { .. }",
            "fixture::shapes::Shape::Circle | variant | Circle { r: u32 }",
            "fixture::shapes::Shape::Square | variant | Square(u32)",
            "fixture::shapes::Opaque | struct | pub struct Opaque { .. }",
            "fixture::shapes::Opaque::shown | field | pub shown: u8",
            "fixture::shapes::Area | trait | pub trait Area { required: SIDES, area }",
            "fixture::shapes::Area::name | trait method | fn name(&self) -> String { provided }",
            "fixture::shapes::Res | type | pub type Res<T> = std::result::Result<T, std::io::error::Error>",
            "fixture::shapes::LIMIT | const | pub const LIMIT: usize = 10",
        ]:
            self.assertIn(line, self.lines)

    def test_private_and_hidden_left_out(self):
        text = "\n".join(self.lines)
        self.assertNotIn("hidden", text)  # #[doc(hidden)] pub fn hidden
        self.assertNotIn("private", text)  # a private method
        self.assertNotIn("secret", text)  # a private field
        self.assertNotIn("inner", text)  # the private module's path

    def test_sorted_and_stable(self):
        self.assertEqual(self.lines, sorted(self.lines))
        self.assertEqual(self.lines, listing())

    def test_unknown_format_fails_clearly(self):
        doc = copy.deepcopy(FIXTURE)
        doc["format_version"] = 999
        with self.assertRaises(public_api.InputError) as e:
            public_api.Api(doc)
        self.assertIn("format_version 999 is not one this tool knows", str(e.exception))

    def test_unknown_format_exit_2(self):
        with tempfile.TemporaryDirectory() as d:
            doc = copy.deepcopy(FIXTURE)
            doc["format_version"] = 58
            p = Path(d) / "x.json"
            p.write_text(json.dumps(doc))
            err = io.StringIO()
            with redirect_stderr(err), redirect_stdout(io.StringIO()):
                rc = public_api.main(["list", str(p)])
        self.assertEqual(rc, 2)
        self.assertIn("rustdoc JSON format_version 58", err.getvalue())


class Gate(unittest.TestCase):
    """The snapshot is edited to simulate an API change, then the crate is
    checked against it at the same version and with bumps."""

    def run_check(self, snapshot_lines, snapshot_version="0.1.0", crate_version="0.1.0"):
        with tempfile.TemporaryDirectory() as d:
            snap = Path(d) / "public-api.txt"
            api = public_api.Api(copy.deepcopy(FIXTURE), snapshot_version)
            snap.write_text(public_api.snapshot_text(api, snapshot_lines, BLESS))
            out = io.StringIO()
            rc = public_api.check(public_api.Api(copy.deepcopy(FIXTURE), crate_version), snap, False, BLESS, out)
            return rc, out.getvalue()

    def test_unchanged_passes(self):
        rc, out = self.run_check(listing())
        self.assertEqual(rc, 0)
        self.assertIn("fixture: public API unchanged", out)

    def test_removed_item(self):
        # the snapshot has an item the crate no longer has
        gone = "fixture::remove_me | fn | pub fn remove_me()"
        snap = listing() + [gone]
        for version, want in [("0.1.0", 1), ("0.1.1", 1), ("0.2.0", 0), ("1.0.0", 0)]:
            with self.subTest(version=version):
                rc, out = self.run_check(snap, crate_version=version)
                self.assertEqual(rc, want, out)
                self.assertIn(f"Removed (1, breaking):\n  - {gone}\n", out)
                if want:
                    self.assertIn("FAIL: a breaking change needs the minor version bumped", out)
                    self.assertIn(f"the crate version is still {version} (snapshot 0.1.0)", out)
                    self.assertIn(f"  {BLESS}\n", out)
                else:
                    self.assertIn(f"PASS: a breaking change needs the minor version bumped"
                                  f" (0.x: Cargo treats 0.x → 0.(x+1) as incompatible), and 0.1.0 → {version} is one.", out)

    def test_changed_signature(self):
        new = "fixture::Point::new | method | pub fn new(x: i32, y: i32) -> Self"
        old = "fixture::Point::new | method | pub fn new(x: i64, y: i32) -> Self"
        snap = [old if ln == new else ln for ln in listing()]
        self.assertIn(old, snap)
        for version, want in [("0.1.0", 1), ("0.1.5", 1), ("0.2.0", 0)]:
            with self.subTest(version=version):
                rc, out = self.run_check(snap, crate_version=version)
                self.assertEqual(rc, want, out)
                self.assertIn(f"Changed (1, breaking):\n  - {old}\n  + {new}\n", out)
                self.assertNotIn("Added", out)
                self.assertNotIn("Removed", out)

    def test_added_item(self):
        added = "fixture::shapes::LIMIT | const | pub const LIMIT: usize = 10"
        snap = [ln for ln in listing() if ln != added]
        for version, want in [("0.1.0", 1), ("0.1.1", 0), ("0.2.0", 0)]:
            with self.subTest(version=version):
                rc, out = self.run_check(snap, crate_version=version)
                self.assertEqual(rc, want, out)
                self.assertIn(f"Added (1):\n  + {added}\n", out)
                self.assertNotIn("breaking", out)
                if want:
                    self.assertIn("FAIL: an addition needs at least a patch bump;"
                                  " the crate version is still 0.1.0 (snapshot 0.1.0).", out)
                    self.assertIn(BLESS, out)

    def test_struct_gaining_a_field_is_breaking(self):
        # an exhaustive struct's line names its fields: a new field changes it
        snap = [ln.replace("{ x, y }", "{ x }") for ln in listing() if ln != "fixture::Point::y | field | pub y: i32"]
        rc, out = self.run_check(snap, crate_version="0.1.1")
        self.assertEqual(rc, 1, out)
        self.assertIn("Changed (1, breaking)", out)
        self.assertIn("Added (1):\n  + fixture::Point::y | field | pub y: i32", out)

    def test_new_required_trait_method_is_breaking(self):
        snap = [ln.replace("required: SIDES, area", "required: SIDES") for ln in listing()]
        rc, out = self.run_check(snap, crate_version="0.1.1")
        self.assertEqual(rc, 1, out)
        self.assertIn("+ fixture::shapes::Area | trait | pub trait Area { required: SIDES, area }", out)

    def test_version_gone_down_is_no_bump(self):
        snap = listing() + ["fixture::x | fn | pub fn x()"]
        rc, out = self.run_check(snap, snapshot_version="0.2.0", crate_version="0.1.9")
        self.assertEqual(rc, 1, out)

    def test_bless_writes_version_header(self):
        with tempfile.TemporaryDirectory() as d:
            snap = Path(d) / "public-api.txt"
            out = io.StringIO()
            rc = public_api.check(public_api.Api(copy.deepcopy(FIXTURE), "0.3.1"), snap, True, BLESS, out)
            self.assertEqual(rc, 0)
            first = snap.read_text().splitlines()[0]
            self.assertTrue(first.startswith("# fixture 0.3.1 public API"), first)
            crate, version, fmt, lines = public_api.read_snapshot(snap)
            self.assertEqual((crate, version, fmt, lines), ("fixture", "0.3.1", 57, listing()))


class Versions(unittest.TestCase):
    def test_rules(self):
        b = public_api.breaking_allowed
        self.assertTrue(b("0.1.0", "0.2.0"))
        self.assertTrue(b("0.1.3", "1.0.0"))
        self.assertFalse(b("0.1.0", "0.1.1"))
        self.assertFalse(b("0.1.0", "0.1.0"))
        self.assertFalse(b("1.2.0", "1.3.0"))
        self.assertTrue(b("1.2.0", "2.0.0"))
        self.assertTrue(b("0.0.3", "0.0.4"))
        self.assertTrue(b("0.1.0", "0.2.0-rc.1"))  # a pre-release of the next minor counts
        u = public_api.bumped
        self.assertTrue(u("0.1.0", "0.1.1"))
        self.assertFalse(u("0.1.0", "0.1.0"))
        self.assertFalse(u("0.1.0", "0.1.0-rc.1"))
        with self.assertRaises(public_api.InputError):
            u("0.1", "0.2")


if __name__ == "__main__":
    unittest.main()
