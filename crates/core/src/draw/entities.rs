//! Where the draw reads the fields of the entities it selects and staffs:
//! the registry held as [`Entity`] values, or the streaming draw's
//! candidates packed (a province's draw keeps hundreds of thousands of
//! them: as `Entity` values each would own six heap strings and a vector).

use crate::draw::eligibility::EntityFields;
use crate::load::records::EntityView;
use crate::model::{CreditClass, Entity, EntityFlags};

/// The fields selection and officer assignment read, by entity index.
pub(crate) trait EntityRecords {
    /// Unified social credit code.
    fn uscc(&self, i: usize) -> &str;
    /// Registered name.
    fn name(&self, i: usize) -> &str;
    /// Region.
    fn region(&self, i: usize) -> &str;
    /// Credit-risk class.
    fn credit_class(&self, i: usize) -> Option<CreditClass>;
}

impl EntityRecords for Vec<Entity> {
    fn uscc(&self, i: usize) -> &str {
        &self[i].uscc
    }
    fn name(&self, i: usize) -> &str {
        &self[i].name
    }
    fn region(&self, i: usize) -> &str {
        &self[i].region
    }
    fn credit_class(&self, i: usize) -> Option<CreditClass> {
        self[i].credit_class
    }
}

/// Object types are joined with this byte: a multi-valued cell is split
/// on it, so no type contains it.
const TYPE_SEP: char = ';';

/// Entity records in one run of text each (code, name, region, industry,
/// object types) and their fixed fields.
#[derive(Debug, Default, Clone)]
pub(crate) struct Packed {
    text: String,
    recs: Vec<Rec>,
}

#[derive(Debug, Clone)]
struct Rec {
    start: usize,
    /// Lengths of code, name, region and industry; the types run to the
    /// next record.
    lens: [u32; 4],
    credit_class: Option<CreditClass>,
    flags: EntityFlags,
    active: bool,
}

/// One packed record, borrowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackedRef<'a> {
    pub uscc: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub industry: &'a str,
    /// Object types joined by [`TYPE_SEP`].
    types: &'a str,
    pub credit_class: Option<CreditClass>,
    pub flags: EntityFlags,
    pub active: bool,
}

impl EntityFields for PackedRef<'_> {
    fn active(&self) -> bool {
        self.active
    }
    fn has_type(&self, pred: impl FnMut(&str) -> bool) -> bool {
        !self.types.is_empty() && self.types.split(TYPE_SEP).any(pred)
    }
    fn region(&self) -> &str {
        self.region
    }
    fn industry(&self) -> &str {
        self.industry
    }
    fn credit_class(&self) -> Option<CreditClass> {
        self.credit_class
    }
    fn flags(&self) -> EntityFlags {
        self.flags
    }
}

impl Packed {
    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.recs.len()
    }

    /// Record `i`.
    pub(crate) fn get(&self, i: usize) -> PackedRef<'_> {
        let r = &self.recs[i];
        let end = self.recs.get(i + 1).map_or(self.text.len(), |n| n.start);
        let t = &self.text[r.start..end];
        let [a, b, c, d] = r.lens.map(|l| l as usize);
        PackedRef {
            uscc: &t[..a],
            name: &t[a..a + b],
            region: &t[a + b..a + b + c],
            industry: &t[a + b + c..a + b + c + d],
            types: &t[a + b + c + d..],
            credit_class: r.credit_class,
            flags: r.flags,
            active: r.active,
        }
    }

    /// Field `k` (0 code, 1 name, 2 region, 3 industry) of record `i`,
    /// as [`Packed::get`] gives it.
    fn field(&self, i: usize, k: usize) -> &str {
        let r = &self.recs[i];
        let start = r.start + r.lens[..k].iter().map(|&l| l as usize).sum::<usize>();
        &self.text[start..start + r.lens[k] as usize]
    }

    fn push_parts<'t>(
        &mut self,
        strs: [&str; 4],
        types: impl Iterator<Item = &'t str>,
        credit_class: Option<CreditClass>,
        flags: EntityFlags,
        active: bool,
    ) {
        self.recs.push(Rec {
            start: self.text.len(),
            lens: strs.map(|s| s.len() as u32),
            credit_class,
            flags,
            active,
        });
        for s in strs {
            self.text.push_str(s);
        }
        for (i, t) in types.enumerate() {
            if i > 0 {
                self.text.push(TYPE_SEP);
            }
            self.text.push_str(t);
        }
    }

    /// Add a record read by the streaming loader.
    pub(crate) fn push_view(&mut self, v: &EntityView<'_>) {
        self.push_parts(
            [&v.uscc, &v.name, &v.region, &v.industry],
            v.types.iter().map(|t| t.as_ref()),
            v.credit_class,
            v.flags,
            v.active,
        );
    }

    /// Add a record of another arena.
    pub(crate) fn push_from(&mut self, r: PackedRef<'_>) {
        self.push_parts(
            [r.uscc, r.name, r.region, r.industry],
            r.types.split(TYPE_SEP).filter(|t| !t.is_empty()),
            r.credit_class,
            r.flags,
            r.active,
        );
    }

    /// Keep the records for which `keep(index)` holds, in order. The
    /// records are moved down in place: the room stays for those pushed
    /// next (a worker compacts its records again and again).
    pub(crate) fn retain(&mut self, keep: impl FnMut(usize) -> bool) {
        self.retain_as(keep, false);
    }

    fn retain_as(&mut self, mut keep: impl FnMut(usize) -> bool, visited: bool) {
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let (mut kept, mut to) = (0, 0);
        for i in 0..self.recs.len() {
            // record i + 1 is not moved yet: its start is still where i ends
            let (start, mut end) = (
                self.recs[i].start,
                self.recs.get(i + 1).map_or(bytes.len(), |r| r.start),
            );
            if keep(i) {
                let mut lens = self.recs[i].lens;
                if visited {
                    // code, name and region; the industry and types dropped
                    end = start + lens[..3].iter().map(|&l| l as usize).sum::<usize>();
                    lens[3] = 0;
                }
                bytes.copy_within(start..end, to);
                self.recs[kept] = Rec {
                    start: to,
                    lens,
                    ..self.recs[i].clone()
                };
                kept += 1;
                to += end - start;
            }
        }
        bytes.truncate(to);
        self.recs.truncate(kept);
        // whole records moved: still UTF-8
        self.text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }

    /// Give back the room past the records held.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.recs.shrink_to_fit();
    }

    /// Bytes of text held.
    #[cfg(test)]
    fn text_len(&self) -> usize {
        self.text.len()
    }
}

/// Records held in several [`Packed`] arenas and numbered across them,
/// one arena after another: the workers' arenas of a pass, joined
/// without being copied into one (a province's candidates would be held
/// twice while they were).
#[derive(Debug, Default)]
pub(crate) struct Joined {
    parts: Vec<Packed>,
    /// The index of each part's first record.
    starts: Vec<usize>,
    len: usize,
}

impl Joined {
    /// The parts' records, numbered in the order of `parts`.
    pub(crate) fn new(parts: Vec<Packed>) -> Joined {
        let mut j = Joined {
            parts,
            ..Joined::default()
        };
        j.renumber();
        j
    }

    fn renumber(&mut self) {
        self.starts.clear();
        self.len = 0;
        for p in &self.parts {
            self.starts.push(self.len);
            self.len += p.len();
        }
    }

    /// The part holding record `i`, and the record's index in it.
    fn locate(&self, i: usize) -> (&Packed, usize) {
        // the last part starting at or before `i` (parts may be empty)
        let k = self.starts.partition_point(|&s| s <= i) - 1;
        (&self.parts[k], i - self.starts[k])
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Record `i`.
    pub(crate) fn get(&self, i: usize) -> PackedRef<'_> {
        let (p, j) = self.locate(i);
        p.get(j)
    }

    /// Add a record of another arena, numbered after these.
    pub(crate) fn push_from(&mut self, r: PackedRef<'_>) {
        if self.parts.is_empty() {
            self.parts.push(Packed::default());
            self.starts.push(0);
        }
        if let Some(last) = self.parts.last_mut() {
            last.push_from(r);
        }
        self.len += 1;
    }

    /// Keep the records for which `keep(index)` holds, in order, each
    /// part in place; the room given up is given back.
    pub(crate) fn retain(&mut self, keep: impl FnMut(usize) -> bool) {
        self.retain_as(keep, false);
    }

    /// [`Joined::retain`], each record kept as the visits and the
    /// officers read it (code, name, region, credit class, flags):
    /// without its industry and object types.
    pub(crate) fn retain_visited(&mut self, keep: impl FnMut(usize) -> bool) {
        self.retain_as(keep, true);
    }

    fn retain_as(&mut self, mut keep: impl FnMut(usize) -> bool, visited: bool) {
        for (p, &start) in self.parts.iter_mut().zip(&self.starts) {
            p.retain_as(|i| keep(start + i), visited);
            p.shrink_to_fit();
        }
        self.renumber();
    }
}

impl EntityRecords for Joined {
    fn uscc(&self, i: usize) -> &str {
        let (p, j) = self.locate(i);
        p.field(j, 0)
    }
    fn name(&self, i: usize) -> &str {
        let (p, j) = self.locate(i);
        p.field(j, 1)
    }
    fn region(&self, i: usize) -> &str {
        let (p, j) = self.locate(i);
        p.field(j, 2)
    }
    fn credit_class(&self, i: usize) -> Option<CreditClass> {
        let (p, j) = self.locate(i);
        p.recs[j].credit_class
    }
}

impl EntityRecords for Packed {
    // one field, without slicing the others (called per comparison when
    // candidates are sorted)
    fn uscc(&self, i: usize) -> &str {
        self.field(i, 0)
    }
    fn name(&self, i: usize) -> &str {
        self.field(i, 1)
    }
    fn region(&self, i: usize) -> &str {
        self.field(i, 2)
    }
    fn credit_class(&self, i: usize) -> Option<CreditClass> {
        self.recs[i].credit_class
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn view<'a>(uscc: &'a str, types: &[&'a str]) -> EntityView<'a> {
        EntityView {
            uscc: Cow::Borrowed(uscc),
            name: Cow::Borrowed("名称"),
            types: types.iter().map(|t| Cow::Borrowed(*t)).collect(),
            region: Cow::Borrowed("140623"),
            industry: Cow::Borrowed(""),
            credit_class: Some(CreditClass::B),
            flags: EntityFlags::default(),
            active: true,
        }
    }

    #[test]
    fn records_read_back_as_pushed_through_every_operation() {
        let mut p = Packed::default();
        p.push_view(&view("A1", &["餐饮", "食品销售"]));
        p.push_view(&view("B2", &[]));
        p.push_view(&view("C3", &["药店"]));
        let check = |p: &Packed, i: usize, uscc: &str, types: &[&str]| {
            let r = p.get(i);
            assert_eq!(
                (r.uscc, r.name, r.region, r.industry),
                (uscc, "名称", "140623", "")
            );
            assert_eq!(r.credit_class, Some(CreditClass::B));
            assert!(r.active);
            let mut got = Vec::new();
            r.has_type(|t| {
                got.push(t.to_string());
                false
            });
            assert_eq!(got, types);
        };
        check(&p, 0, "A1", &["餐饮", "食品销售"]);
        check(&p, 1, "B2", &[]);
        check(&p, 2, "C3", &["药店"]);
        let mut q = Packed::default();
        q.push_from(p.get(2));
        for i in 0..p.len() {
            q.push_from(p.get(i));
        }
        check(&q, 0, "C3", &["药店"]);
        check(&q, 1, "A1", &["餐饮", "食品销售"]);
        check(&q, 3, "C3", &["药店"]);
        q.retain(|i| i != 1);
        assert_eq!(q.len(), 3);
        check(&q, 1, "B2", &[]);
        assert_eq!(EntityRecords::uscc(&q, 2), "C3");
        // pushed after a compaction, then the first and last kept
        q.push_view(&view("D4-long-code", &["x"]));
        check(&q, 3, "D4-long-code", &["x"]);
        q.retain(|i| i == 0 || i == 3);
        assert_eq!(q.len(), 2);
        check(&q, 0, "C3", &["药店"]);
        check(&q, 1, "D4-long-code", &["x"]);
        q.retain(|i| i == 1);
        q.shrink_to_fit();
        check(&q, 0, "D4-long-code", &["x"]);
        q.retain(|_| false);
        assert_eq!((q.len(), q.text_len()), (0, 0));
    }

    #[test]
    fn joined_arenas_number_their_records_one_part_after_another() {
        let part = |codes: &[&str]| {
            let mut p = Packed::default();
            for c in codes {
                p.push_view(&view(c, &[c]));
            }
            p
        };
        // an empty part first, in the middle and last: a worker may hold
        // no candidate
        let mut j = Joined::new(vec![
            part(&[]),
            part(&["A1", "B2"]),
            part(&[]),
            part(&["C3"]),
            part(&[]),
        ]);
        let codes = |j: &Joined| -> Vec<String> {
            (0..j.len())
                .map(|i| {
                    let r = j.get(i);
                    assert_eq!(r.uscc, EntityRecords::uscc(j, i));
                    assert_eq!(r.name, EntityRecords::name(j, i));
                    assert_eq!(r.region, EntityRecords::region(j, i));
                    assert_eq!(r.credit_class, EntityRecords::credit_class(j, i));
                    let mut types = Vec::new();
                    r.has_type(|t| {
                        types.push(t.to_string());
                        false
                    });
                    assert_eq!(types, [r.uscc]);
                    r.uscc.to_string()
                })
                .collect()
        };
        assert_eq!(codes(&j), ["A1", "B2", "C3"]);
        let other = part(&["D4", "E5"]);
        j.push_from(other.get(1));
        assert_eq!(codes(&j), ["A1", "B2", "C3", "E5"]);
        // indices are the joined ones, before renumbering
        j.retain(|i| i != 0 && i != 2);
        assert_eq!(codes(&j), ["B2", "E5"]);
        j.push_from(other.get(0));
        assert_eq!(codes(&j), ["B2", "E5", "D4"]);
        // kept as visited: code, name, region and the fixed fields; no
        // industry, no types
        let mut v = Joined::new(vec![part(&["F6", "G7"]), part(&["H8"])]);
        v.push_from(PackedRef {
            industry: "制造业",
            credit_class: Some(CreditClass::D),
            active: false,
            ..other.get(0)
        });
        v.retain_visited(|i| i != 1);
        assert_eq!(v.len(), 3);
        for (i, code) in ["F6", "H8", "D4"].into_iter().enumerate() {
            let r = v.get(i);
            assert_eq!(
                (r.uscc, r.name, r.region, r.industry),
                (code, "名称", "140623", "")
            );
            assert!(!r.has_type(|_| true));
        }
        assert_eq!(
            (v.get(2).credit_class, v.get(2).active),
            (Some(CreditClass::D), false)
        );
        assert_eq!(
            (v.get(0).credit_class, v.get(0).active),
            (Some(CreditClass::B), true)
        );
        j.retain(|_| false);
        assert_eq!(j.len(), 0);
        let mut e = Joined::new(Vec::new());
        e.push_from(other.get(0));
        assert_eq!(codes(&e), ["D4"]);
    }
}
