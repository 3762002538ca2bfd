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
///
/// The text and the records are held in chunks, so that a province's
/// arena neither doubles nor is copied as it grows, and gives back the
/// chunks it no longer needs when it is compacted ([`Packed::retain`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Packed {
    /// The records' text in chunks of [`TEXT_CHUNK`] bytes, each record's
    /// text wholly in one (a longer record has a chunk of its own).
    text: Vec<String>,
    /// The records in chunks of [`REC_CHUNK`] (the last one partly
    /// filled).
    recs: Vec<Vec<Rec>>,
    len: usize,
}

/// Bytes of a chunk of a [`Packed`] arena's text.
const TEXT_CHUNK: usize = 1 << 22;

/// Records in a chunk of a [`Packed`] arena's records (2 MiB).
const REC_BITS: u32 = 16;
const REC_CHUNK: usize = 1 << REC_BITS;

#[derive(Debug, Clone)]
struct Rec {
    /// The chunk of text holding the record, and where in it it starts.
    chunk: u32,
    start: u32,
    /// Lengths of code, name, region, industry and the object types.
    lens: [u32; 5],
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
        self.len
    }

    fn rec(&self, i: usize) -> &Rec {
        &self.recs[i >> REC_BITS][i & (REC_CHUNK - 1)]
    }

    /// Record `i`.
    pub(crate) fn get(&self, i: usize) -> PackedRef<'_> {
        let r = self.rec(i);
        let t = &self.text[r.chunk as usize][r.start as usize..];
        let [a, b, c, d, e] = r.lens.map(|l| l as usize);
        PackedRef {
            uscc: &t[..a],
            name: &t[a..a + b],
            region: &t[a + b..a + b + c],
            industry: &t[a + b + c..a + b + c + d],
            types: &t[a + b + c + d..a + b + c + d + e],
            credit_class: r.credit_class,
            flags: r.flags,
            active: r.active,
        }
    }

    /// Field `k` (0 code, 1 name, 2 region, 3 industry) of record `i`,
    /// as [`Packed::get`] gives it.
    fn field(&self, i: usize, k: usize) -> &str {
        let r = self.rec(i);
        let start = r.start as usize + r.lens[..k].iter().map(|&l| l as usize).sum::<usize>();
        &self.text[r.chunk as usize][start..start + r.lens[k] as usize]
    }

    fn push_parts<'t>(
        &mut self,
        strs: [&str; 4],
        types: impl Iterator<Item = &'t str> + Clone,
        credit_class: Option<CreditClass>,
        flags: EntityFlags,
        active: bool,
    ) {
        let (mut n, mut types_len) = (0usize, 0usize);
        for t in types.clone() {
            types_len += t.len() + usize::from(n > 0);
            n += 1;
        }
        let lens = [
            strs[0].len() as u32,
            strs[1].len() as u32,
            strs[2].len() as u32,
            strs[3].len() as u32,
            types_len as u32,
        ];
        let total = strs.iter().map(|s| s.len()).sum::<usize>() + types_len;
        if self
            .text
            .last()
            .is_none_or(|t| t.len() + total > t.capacity())
        {
            self.text.push(String::with_capacity(total.max(TEXT_CHUNK)));
        }
        let chunk = self.text.len() - 1;
        let text = &mut self.text[chunk];
        let start = text.len() as u32;
        for s in strs {
            text.push_str(s);
        }
        for (i, t) in types.enumerate() {
            if i > 0 {
                text.push(TYPE_SEP);
            }
            text.push_str(t);
        }
        if self.recs.last().is_none_or(|r| r.len() == REC_CHUNK) {
            self.recs.push(Vec::with_capacity(REC_CHUNK));
        }
        if let Some(recs) = self.recs.last_mut() {
            recs.push(Rec {
                chunk: chunk as u32,
                start,
                lens,
                credit_class,
                flags,
                active,
            });
        }
        self.len += 1;
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

    /// Keep the records marked `live` (one mark a record), in order, and
    /// give each record's new index ([`new_indices`]). The records are
    /// moved down in place, and the chunks left empty are given back (a
    /// worker compacts its records again and again).
    pub(crate) fn keep_live(&mut self, live: &[bool]) -> Vec<u32> {
        debug_assert_eq!(live.len(), self.len);
        self.retain(|i| live[i]);
        new_indices(live)
    }

    /// Keep the records for which `keep(index)` holds, in order
    /// ([`Packed::keep_live`]).
    fn retain(&mut self, keep: impl FnMut(usize) -> bool) {
        self.retain_as(keep, false);
    }

    fn retain_as(&mut self, mut keep: impl FnMut(usize) -> bool, visited: bool) {
        let mut bytes: Vec<Vec<u8>> = std::mem::take(&mut self.text)
            .into_iter()
            .map(String::into_bytes)
            .collect();
        // where the next record kept goes: a chunk at or before the one
        // it is read from (what is before it in its own chunk is at least
        // as long as what is kept of that), so nothing is overwritten
        // before it is read
        let (mut to_chunk, mut to) = (0usize, 0usize);
        let mut kept = 0;
        for i in 0..self.len {
            if !keep(i) {
                continue;
            }
            let mut r = self.rec(i).clone();
            if visited {
                // code, name and region, which come first; the industry
                // and types dropped
                r.lens[3] = 0;
                r.lens[4] = 0;
            }
            let len = r.lens.iter().map(|&l| l as usize).sum::<usize>();
            let (from_chunk, from) = (r.chunk as usize, r.start as usize);
            while to_chunk < from_chunk && to + len > bytes[to_chunk].capacity() {
                // every record of that chunk is read already
                bytes[to_chunk].truncate(to);
                to_chunk += 1;
                to = 0;
            }
            if to_chunk == from_chunk {
                bytes[to_chunk].copy_within(from..from + len, to);
            } else {
                let (before, after) = bytes.split_at_mut(from_chunk);
                let dst = &mut before[to_chunk];
                if dst.len() < to + len {
                    // within its capacity: not moved
                    dst.resize(to + len, 0);
                }
                dst[to..to + len].copy_from_slice(&after[0][from..from + len]);
            }
            r.chunk = to_chunk as u32;
            r.start = to as u32;
            self.recs[kept >> REC_BITS][kept & (REC_CHUNK - 1)] = r;
            kept += 1;
            to += len;
        }
        if kept == 0 {
            bytes.clear();
        } else {
            bytes.truncate(to_chunk + 1);
            bytes[to_chunk].truncate(to);
        }
        self.recs.truncate(kept.div_ceil(REC_CHUNK));
        if let Some(last) = self.recs.last_mut() {
            last.truncate(kept - (kept - 1) / REC_CHUNK * REC_CHUNK);
        }
        self.len = kept;
        // whole records moved: still UTF-8
        self.text = bytes
            .into_iter()
            .map(|b| {
                String::from_utf8(b)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            })
            .collect();
    }

    /// Bytes of text held.
    #[cfg(test)]
    fn text_len(&self) -> usize {
        self.text.iter().map(String::len).sum()
    }
}

/// The index a record has, once only the `live` ones are kept, in order;
/// [`GONE`] for the others. What a compaction ([`Packed::keep_live`],
/// [`Joined::keep_live`]) tells those holding indices into the arena.
fn new_indices(live: &[bool]) -> Vec<u32> {
    let mut next = 0;
    live.iter()
        .map(|&l| {
            if l {
                next += 1;
                next - 1
            } else {
                GONE
            }
        })
        .collect()
}

/// The new index of a record let go ([`new_indices`]).
pub(crate) const GONE: u32 = u32::MAX;

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

    /// `f` of each record in order, with its index; the arenas are let
    /// go as they are read, a chunk of text at a time.
    pub(crate) fn drain(self, mut f: impl FnMut(usize, PackedRef<'_>)) {
        let mut i = 0;
        for mut p in self.parts {
            // the chunks before this one are read already
            let mut done = 0;
            for j in 0..p.len() {
                let c = p.rec(j).chunk as usize;
                while done < c {
                    p.text[done] = String::new();
                    done += 1;
                }
                f(i, p.get(j));
                i += 1;
            }
        }
    }

    /// Keep the records marked `live` (one mark a record), in order, each
    /// part in place ([`Packed::keep_live`]), and give each record's new
    /// index ([`new_indices`]). `visited`: each kept as the visits and the
    /// officers read it (code, name, region, credit class, flags), without
    /// its industry and object types.
    pub(crate) fn keep_live(&mut self, live: &[bool], visited: bool) -> Vec<u32> {
        debug_assert_eq!(live.len(), self.len);
        self.retain_as(|i| live[i], visited);
        new_indices(live)
    }

    fn retain_as(&mut self, mut keep: impl FnMut(usize) -> bool, visited: bool) {
        for (p, &start) in self.parts.iter_mut().zip(&self.starts) {
            p.retain_as(|i| keep(start + i), visited);
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
        p.rec(j).credit_class
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
        self.rec(i).credit_class
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
        check(&q, 0, "D4-long-code", &["x"]);
        q.retain(|_| false);
        assert_eq!((q.len(), q.text_len()), (0, 0));
    }

    /// Records over many chunks of text and of records, one longer than
    /// a chunk: read back as pushed, compacted again and again (some
    /// kept as visited), the emptied chunks given back.
    #[test]
    fn records_over_many_chunks_are_compacted_in_place() {
        let code = |i: usize| format!("C{i:07}");
        let long = "长".repeat(TEXT_CHUNK / 3 + 5);
        let types = |i: usize| -> Vec<String> {
            match i % 5 {
                0 => vec![],
                1 => vec![format!("类型{i}")],
                _ if i == 7_777 => vec![long.clone(), "x".into()],
                _ => vec![format!("t{i}"), "餐饮".repeat(i % 40)],
            }
        };
        let n = REC_CHUNK * 2 + 12_345;
        let mut p = Packed::default();
        for i in 0..n {
            let c = code(i);
            let t = types(i);
            let t: Vec<&str> = t.iter().map(String::as_str).collect();
            p.push_view(&view(&c, &t));
        }
        assert!(
            p.text.len() > 3 && p.recs.len() == 3,
            "{} {}",
            p.text.len(),
            p.recs.len()
        );
        assert!(p.text.iter().any(|t| t.len() > TEXT_CHUNK));
        let check = |p: &Packed, alive: &[(usize, bool)]| {
            assert_eq!(p.len(), alive.len());
            for (k, &(i, visited)) in alive.iter().enumerate() {
                let r = p.get(k);
                assert_eq!(
                    (r.uscc, r.name, r.region),
                    (code(i).as_str(), "名称", "140623")
                );
                assert_eq!(EntityRecords::uscc(p, k), code(i));
                let mut got = Vec::new();
                r.has_type(|t| {
                    got.push(t.to_string());
                    false
                });
                let want = if visited { vec![] } else { types(i) };
                assert_eq!(got, want, "record {i}");
            }
        };
        let mut alive: Vec<(usize, bool)> = (0..n).map(|i| (i, false)).collect();
        check(&p, &alive);
        let before = p.text.len();
        // every third, then every second of those, then as visited
        p.retain(|k| alive[k].0 % 3 != 1);
        alive.retain(|a| a.0 % 3 != 1);
        check(&p, &alive);
        assert!(p.text.len() < before);
        let live: Vec<bool> = (0..p.len()).map(|k| k % 2 == 0).collect();
        let new = p.keep_live(&live);
        assert!(new.iter().enumerate().all(|(k, &n)| if k % 2 == 0 {
            n as usize == k / 2
        } else {
            n == GONE
        }));
        alive = alive.into_iter().step_by(2).collect();
        check(&p, &alive);
        p.retain_as(|k| k % 4 != 3, true);
        alive = alive
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % 4 != 3)
            .map(|(_, (i, _))| (i, true))
            .collect();
        check(&p, &alive);
        assert_eq!(p.recs.len(), p.len().div_ceil(REC_CHUNK));
        // drained over its chunks: every record, in order
        let mut codes = Vec::new();
        Joined::new(vec![p.clone(), Packed::default(), p.clone()])
            .drain(|i, r| codes.push((i, r.uscc.to_string())));
        let want: Vec<(usize, String)> = alive
            .iter()
            .chain(&alive)
            .enumerate()
            .map(|(k, &(i, _))| (k, code(i)))
            .collect();
        assert_eq!(codes, want);
        // pushed after: still read back
        p.push_view(&view("Z9", &["末"]));
        assert_eq!(p.get(p.len() - 1).uscc, "Z9");
        p.retain(|_| false);
        assert_eq!((p.len(), p.text.len(), p.recs.len()), (0, 0, 0));
        p.push_view(&view("Y8", &[]));
        assert_eq!((p.len(), p.get(0).uscc), (1, "Y8"));
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
        j.retain_as(|i| i != 0 && i != 2, false);
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
        assert_eq!(
            v.keep_live(&[true, false, true, true], true),
            [0, GONE, 1, 2]
        );
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
        // drained in order, each record read before its chunk is let go
        let mut read = Vec::new();
        v.drain(|i, r| read.push((i, r.uscc.to_string())));
        assert_eq!(
            read,
            [
                (0, "F6".to_string()),
                (1, "H8".to_string()),
                (2, "D4".to_string())
            ]
        );
        j.retain_as(|_| false, false);
        assert_eq!(j.len(), 0);
        let mut e = Joined::new(Vec::new());
        e.push_from(other.get(0));
        assert_eq!(codes(&e), ["D4"]);
    }
}
