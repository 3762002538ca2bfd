//! The visits of a draw in a compact form: a province's draw has hundreds
//! of thousands of visits, and a [`Visit`] of owned strings costs about a
//! kilobyte. A [`VisitList`] keeps each visit as indices and one run of
//! text (under 200 bytes for a one-item visit) and builds the [`Visit`]
//! values one at a time, for writers that stream them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::commit::digest::hex_into;
use crate::draw::keys::ticket_in;
use crate::model::CreditClass;

use super::{Selection, Team, TeamMember, Visit};

/// One selection: task index, row of the task's allocation (its stratum)
/// and rank. Its ticket is not held: it is computed again from the task
/// key and the entity's code when the visit is built (a province's draw
/// has millions of selections, and a ticket is twice the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sel {
    pub task: u32,
    pub row: u32,
    pub rank: u64,
}

/// What a team is for: department, category and items. Shared by every
/// team of the same kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TeamKind {
    pub department: String,
    pub categories: Vec<String>,
    pub items: Vec<String>,
}

/// A task as its visits name it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TaskNames {
    key: String,
    /// The task key derived from the draw key (SPEC.md §4), for the
    /// tickets.
    tkey: [u8; 32],
    items: Vec<String>,
    /// Stratum names, by allocation row.
    strata: Vec<String>,
}

/// The visits of a draw, compact: what [`crate::draw::draw_streaming`] returns
/// instead of a `Vec<Visit>` (see [`crate::draw::StreamedDraw`]). Each visit is
/// built on demand, equal to the one [`crate::draw::draw_unchecked`] gives at the same
/// position.
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::{Dataset, LoadOptions};
/// use shuangsuiji::draw::{draw_unchecked, draw_streaming};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
/// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
/// let open = |name: &str| {
///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
/// };
/// let ds = Dataset::load("plan.toml", &text, open).unwrap();
/// let held = draw_unchecked(&ds, "38 17 05 92 64 11").unwrap();
/// let streamed = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None,
///     LoadOptions::default()).unwrap();
/// let list = &streamed.visits;
/// assert_eq!(list.len(), held.visits.len());
/// assert_eq!(list.get(0).unwrap(), held.visits[0]);
/// assert!(list.get(list.len()).is_none());
/// let compact = shuangsuiji::draw::Visits::Compact(list);
/// for (i, v) in held.visits.iter().enumerate() {
///     assert_eq!(compact.code_and_name(i), Some((v.uscc.as_str(), v.name.as_str())));
/// }
/// assert_eq!(compact.code_and_name(list.len()), None);
/// assert!(list.iter().eq(held.visits.iter().cloned()));
/// // lent one after the other in one reused value: the same visits
/// let lent = shuangsuiji::draw::Visits::Compact(list).lend(|i, v| (i, v.clone()));
/// assert!(lent.eq(held.visits.iter().cloned().enumerate()));
/// assert_eq!(list.teams(), held.visits.iter().map(|v| v.teams.len()).sum::<usize>());
/// assert!(!list.is_empty());
/// assert_eq!(list.item_inspections(), held.visits.iter().map(|v| v.items.len()).sum::<usize>());
/// ```
#[derive(Debug, Clone, Default)]
pub struct VisitList {
    tasks: Vec<TaskNames>,
    kinds: Vec<TeamKind>,
    /// (certificate number, name) by officer index.
    officers: Vec<(String, String)>,
    /// The registry's code prefix in tickets (SPEC.md §1.8).
    prefix: &'static str,
    /// uscc, name and region of every visit, one after the other, in
    /// the visits' order.
    text: String,
    /// Per visit: start of its text, the lengths of uscc, name and
    /// region, its credit class, its first selection and its first team.
    visits: Vec<VisitRec>,
    sels: Vec<Sel>,
    /// (kind, first officer in `members`) per team.
    teams: Vec<(u32, usize)>,
    members: Vec<u32>,
}

/// Two lists are equal when they hold the same visits (however their
/// texts are laid out).
impl PartialEq for VisitList {
    fn eq(&self, other: &VisitList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for VisitList {}

#[derive(Debug, Clone)]
struct VisitRec {
    text: usize,
    uscc_len: u32,
    name_len: u32,
    region_len: u32,
    class: Option<CreditClass>,
    sel: usize,
    team: usize,
}

/// Builds a [`VisitList`] visit by visit.
pub(crate) struct VisitListBuilder {
    list: VisitList,
    kind_index: BTreeMap<TeamKind, u32>,
    /// The texts of the visits, in the order they are given.
    text: String,
    /// Their length in all, from the lengths pushed.
    text_len: usize,
    /// How many visits' texts were given, and whether in the visits'
    /// order so far.
    texts_set: usize,
    in_order: bool,
}

impl VisitListBuilder {
    /// A builder for a draw's tasks (key, task key, items, stratum names
    /// by allocation row), officers and the registry's code prefix in
    /// tickets.
    pub(crate) fn new(
        tasks: impl IntoIterator<Item = (String, [u8; 32], Vec<String>, Vec<String>)>,
        officers: Vec<(String, String)>,
        prefix: &'static str,
    ) -> Self {
        VisitListBuilder {
            list: VisitList {
                tasks: tasks
                    .into_iter()
                    .map(|(key, tkey, items, strata)| TaskNames {
                        key,
                        tkey,
                        items,
                        strata,
                    })
                    .collect(),
                officers,
                prefix,
                ..VisitList::default()
            },
            kind_index: BTreeMap::new(),
            text: String::new(),
            text_len: 0,
            texts_set: 0,
            in_order: true,
        }
    }

    /// The index of a team kind, added if new.
    pub(crate) fn kind(&mut self, kind: TeamKind) -> u32 {
        if let Some(&k) = self.kind_index.get(&kind) {
            return k;
        }
        let k = self.list.kinds.len() as u32;
        self.list.kinds.push(kind.clone());
        self.kind_index.insert(kind, k);
        k
    }

    /// The kinds so far, by index.
    pub(crate) fn kinds(&self) -> &[TeamKind] {
        &self.list.kinds
    }

    /// The selections of every visit, grouped by visit in visit order
    /// (each visit pushed names where its own start).
    pub(crate) fn set_selections(&mut self, sels: Vec<Sel>) {
        self.list.sels = sels;
    }

    /// Room for `visits` more visits, `teams` teams and `members`
    /// officers in them: a province's list is then not copied as it
    /// grows, nor held with room to spare.
    pub(crate) fn reserve(&mut self, visits: usize, teams: usize, members: usize) {
        let l = &mut self.list;
        l.visits.reserve_exact(visits);
        l.teams.reserve_exact(teams);
        l.members.reserve_exact(members);
    }

    /// Add a visit: the entity's credit class, the lengths in bytes of
    /// its code, name and region, where its selections start in those
    /// set (they run to the next visit's start), and its teams (kind,
    /// officer indices). The texts themselves are given by
    /// [`VisitListBuilder::set_text`], once every visit is pushed.
    pub(crate) fn push<'t>(
        &mut self,
        class: Option<CreditClass>,
        lens: [usize; 3],
        sel: usize,
        teams: impl IntoIterator<Item = (u32, &'t [u32])>,
    ) {
        let l = &mut self.list;
        debug_assert!(l.visits.last().is_none_or(|p| p.sel <= sel) && sel <= l.sels.len());
        debug_assert!(self.texts_set == 0, "a visit pushed after a text");
        let [uscc_len, name_len, region_len] = lens.map(|n| n as u32);
        l.visits.push(VisitRec {
            text: 0,
            uscc_len,
            name_len,
            region_len,
            class,
            sel,
            team: l.teams.len(),
        });
        self.text_len += lens.iter().sum::<usize>();
        for (kind, officers) in teams {
            l.teams.push((kind, l.members.len()));
            l.members.extend_from_slice(officers);
        }
    }

    /// The code, name and region of visit `v`, of the lengths pushed;
    /// the visits' texts may be given in any order, each once.
    pub(crate) fn set_text(&mut self, v: usize, uscc: &str, name: &str, region: &str) {
        if self.texts_set == 0 {
            // every visit is pushed: room for all their texts, exactly
            self.text.reserve_exact(self.text_len);
        }
        self.in_order &= v == self.texts_set;
        self.texts_set += 1;
        let rec = &mut self.list.visits[v];
        debug_assert_eq!(
            [rec.uscc_len, rec.name_len, rec.region_len].map(|n| n as usize),
            [uscc.len(), name.len(), region.len()],
            "visit {v}: texts of other lengths than pushed"
        );
        rec.text = self.text.len();
        self.text.push_str(uscc);
        self.text.push_str(name);
        self.text.push_str(region);
    }

    /// The list, its storage trimmed. Every visit's text must have been
    /// set ([`VisitListBuilder::set_text`]); texts given out of the
    /// visits' order (a streaming draw hands them over in the order its
    /// records are held) are laid out again in the visits' order, so
    /// that each writer (one per file) reads them front to back instead
    /// of scattered over a province's list.
    pub(crate) fn finish(self) -> VisitList {
        let mut l = self.list;
        debug_assert_eq!(self.texts_set, l.visits.len(), "a visit without its text");
        if self.in_order {
            l.text = self.text;
        } else {
            let mut text = String::with_capacity(self.text.len());
            for rec in &mut l.visits {
                let n = (rec.uscc_len + rec.name_len + rec.region_len) as usize;
                let at = text.len();
                text.push_str(&self.text[rec.text..rec.text + n]);
                rec.text = at;
            }
            l.text = text;
        }
        l.visits.shrink_to_fit();
        l.sels.shrink_to_fit();
        l.teams.shrink_to_fit();
        l.members.shrink_to_fit();
        l
    }
}

impl VisitList {
    /// Number of visits.
    ///
    /// See the example on [`VisitList`].
    pub fn len(&self) -> usize {
        self.visits.len()
    }

    /// Whether there is no visit.
    ///
    /// See the example on [`VisitList`].
    pub fn is_empty(&self) -> bool {
        self.visits.is_empty()
    }

    /// Number of teams over all visits.
    ///
    /// See the example on [`VisitList`].
    pub fn teams(&self) -> usize {
        self.teams.len()
    }

    /// Item inspections over all visits (the sum of each visit's items).
    ///
    /// See the example on [`VisitList`].
    pub fn item_inspections(&self) -> usize {
        self.sels
            .iter()
            .map(|s| self.tasks[s.task as usize].items.len())
            .sum()
    }

    /// The code and name of visit `i`, as [`VisitList::get`] gives them,
    /// without building the visit.
    fn code_and_name(&self, i: usize) -> Option<(&str, &str)> {
        let rec = self.visits.get(i)?;
        let (uscc, name, _) = self.texts(rec);
        Some((uscc, name))
    }

    /// The code, name and region of a visit.
    fn texts(&self, rec: &VisitRec) -> (&str, &str, &str) {
        let [u, n, r] = [rec.uscc_len, rec.name_len, rec.region_len].map(|l| l as usize);
        let t = &self.text[rec.text..rec.text + u + n + r];
        let (uscc, rest) = t.split_at(u);
        let (name, region) = rest.split_at(n);
        (uscc, name, region)
    }

    /// Visit `i` (0-based), built.
    ///
    /// See the example on [`VisitList`].
    pub fn get(&self, i: usize) -> Option<Visit> {
        let mut v = empty_visit();
        self.get_into(i, &mut v).then_some(v)
    }

    /// Visit `i` (0-based) built into `v`, reusing its strings and
    /// vectors: a writer that streams a province's visits through one
    /// value allocates nothing per visit once that value has grown. False,
    /// with `v` unchanged, past the end.
    ///
    /// ```
    /// # use std::io::Read;
    /// # use shuangsuiji::{Dataset, LoadOptions};
    /// # use shuangsuiji::draw::draw_streaming;
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// # let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// # let open = |name: &str| {
    /// #     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    /// # };
    /// # let streamed = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None,
    /// #     LoadOptions::default()).unwrap();
    /// let list = &streamed.visits;
    /// let mut v = list.get(list.len() - 1).unwrap();
    /// for i in 0..list.len() {
    ///     assert!(list.get_into(i, &mut v));
    ///     assert_eq!(Some(&v), list.get(i).as_ref());
    /// }
    /// assert!(!list.get_into(list.len(), &mut v));
    /// ```
    pub fn get_into(&self, i: usize, v: &mut Visit) -> bool {
        self.build_into(i, v, true)
    }

    /// [`VisitList::get_into`], each selection's ticket computed when
    /// `tickets` holds and left empty otherwise (a ticket is a SHA-256 of
    /// the task key and the code: a writer that does not print it need
    /// not pay for it).
    fn build_into(&self, i: usize, v: &mut Visit, tickets: bool) -> bool {
        let Some(rec) = self.visits.get(i) else {
            return false;
        };
        let next = self.visits.get(i + 1);
        let sel_end = next.map_or(self.sels.len(), |n| n.sel);
        let team_end = next.map_or(self.teams.len(), |n| n.team);
        let (uscc, name, region) = self.texts(rec);
        let sels = &self.sels[rec.sel..sel_end];
        set(&mut v.uscc, uscc);
        set(&mut v.name, name);
        set(&mut v.region, region);
        match rec.class {
            Some(c) => set(v.credit_class.get_or_insert_with(String::new), c.as_str()),
            None => v.credit_class = None,
        }
        set_all(
            &mut v.items,
            sels.iter()
                .flat_map(|s| self.tasks[s.task as usize].items.iter()),
        );
        fit(&mut v.selections, sels.len(), || Selection {
            task: String::new(),
            stratum: String::new(),
            rank: 0,
            ticket: String::new(),
        });
        for (out, s) in v.selections.iter_mut().zip(sels) {
            let task = &self.tasks[s.task as usize];
            set(&mut out.task, &task.key);
            set(&mut out.stratum, &task.strata[s.row as usize]);
            out.rank = s.rank;
            out.ticket.clear();
            if tickets {
                hex_into(&mut out.ticket, &ticket_in(&task.tkey, self.prefix, uscc));
            }
        }
        let teams = &self.teams[rec.team..team_end];
        fit(&mut v.teams, teams.len(), || Team {
            department: String::new(),
            category: String::new(),
            items: Vec::new(),
            officers: Vec::new(),
        });
        for (j, (out, &(kind, first))) in v.teams.iter_mut().zip(teams).enumerate() {
            // teams are contiguous over the whole list
            let end = self
                .teams
                .get(rec.team + j + 1)
                .map_or(self.members.len(), |t| t.1);
            let k = &self.kinds[kind as usize];
            set(&mut out.department, &k.department);
            out.category.clear();
            for c in &k.categories {
                out.category.push_str(c);
            }
            set_all(&mut out.items, k.items.iter());
            let members = &self.members[first..end];
            fit(&mut out.officers, members.len(), || TeamMember {
                cert_no: String::new(),
                name: String::new(),
            });
            for (m, &o) in out.officers.iter_mut().zip(members) {
                let (cert_no, name) = &self.officers[o as usize];
                set(&mut m.cert_no, cert_no);
                set(&mut m.name, name);
            }
        }
        true
    }

    /// The visits in order, each built as it is reached.
    ///
    /// See the example on [`VisitList`].
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Visit> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_else(|| unreachable!()))
    }
}

/// A visit with nothing in it (allocates nothing).
fn empty_visit() -> Visit {
    Visit {
        uscc: String::new(),
        name: String::new(),
        region: String::new(),
        credit_class: None,
        items: Vec::new(),
        selections: Vec::new(),
        teams: Vec::new(),
    }
}

/// `s` becomes `t`, in the allocation `s` has.
fn set(s: &mut String, t: &str) {
    s.clear();
    s.push_str(t);
}

/// `v` gets `n` elements: extra ones dropped, missing ones `new()`.
fn fit<T>(v: &mut Vec<T>, n: usize, new: impl Fn() -> T) {
    v.truncate(n);
    while v.len() < n {
        v.push(new());
    }
}

/// `v` becomes the texts of `items`, in the allocations it has.
fn set_all<'t>(v: &mut Vec<String>, items: impl Iterator<Item = &'t String> + Clone) {
    fit(v, items.clone().count(), String::new);
    for (out, t) in v.iter_mut().zip(items) {
        set(out, t);
    }
}

/// The visits of a draw however they are held: the `Vec<Visit>` of a
/// [`crate::DrawResult`], or the [`VisitList`] of a
/// [`crate::draw::StreamedDraw`]. Writers take this to serve both.
///
/// ```
/// use shuangsuiji::DrawResult;
/// use shuangsuiji::draw::Visits;
/// let text = std::fs::read_to_string(concat!(
///     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
/// )).unwrap();
/// let r = DrawResult::from_json(&text).unwrap();
/// let visits = Visits::Held(&r.visits);
/// assert_eq!(visits.len(), r.visits.len());
/// assert!(visits.iter().map(|v| v.into_owned()).eq(r.visits.iter().cloned()));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Visits<'a> {
    /// Visits held as values.
    Held(&'a [Visit]),
    /// Visits held compact, built one at a time.
    Compact(&'a VisitList),
}

impl<'a> Visits<'a> {
    /// Number of visits.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// assert_eq!(Visits::Held(&r.visits).len(), r.visits.len());
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Visits::Held(v) => v.len(),
            Visits::Compact(l) => l.len(),
        }
    }

    /// Whether there is no visit.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// assert!(!Visits::Held(&r.visits).is_empty() && Visits::Held(&[]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of teams over all visits.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// assert_eq!(Visits::Held(&r.visits).teams(), r.visits.iter().map(|v| v.teams.len()).sum::<usize>());
    /// ```
    pub fn teams(&self) -> usize {
        match self {
            Visits::Held(v) => v.iter().map(|v| v.teams.len()).sum(),
            Visits::Compact(l) => l.teams(),
        }
    }

    /// Item inspections over all visits (the sum of each visit's items).
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// let n = Visits::Held(&r.visits).item_inspections();
    /// assert_eq!(n, r.visits.iter().map(|v| v.items.len()).sum::<usize>());
    /// assert!(n >= r.visits.len());
    /// ```
    pub fn item_inspections(&self) -> usize {
        match self {
            Visits::Held(v) => v.iter().map(|v| v.items.len()).sum(),
            Visits::Compact(l) => l.item_inspections(),
        }
    }

    /// The code and name of visit `i`, without building it: a writer
    /// that keeps where a text is, rather than the text, reads them back.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// let v = &r.visits[1];
    /// let held = Visits::Held(&r.visits);
    /// assert_eq!(held.code_and_name(1), Some((v.uscc.as_str(), v.name.as_str())));
    /// assert_eq!(held.code_and_name(r.visits.len()), None);
    /// ```
    #[doc(hidden)] // for shuangsuiji-disclose's workbook; not covered by semver
    pub fn code_and_name(&self, i: usize) -> Option<(&'a str, &'a str)> {
        match *self {
            Visits::Held(v) => v.get(i).map(|v| (v.uscc.as_str(), v.name.as_str())),
            Visits::Compact(l) => l.code_and_name(i),
        }
    }

    /// The visits in order: borrowed when held, built when compact.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// let first = Visits::Held(&r.visits).iter().next().unwrap();
    /// assert!(matches!(first, std::borrow::Cow::Borrowed(_))); // held visits are not copied
    /// assert_eq!(*first, r.visits[0]);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Cow<'a, Visit>> + 'a {
        let this = *self;
        (0..self.len()).map(move |i| match this {
            Visits::Held(v) => Cow::Borrowed(&v[i]),
            Visits::Compact(l) => Cow::Owned(l.get(i).unwrap_or_else(|| unreachable!())),
        })
    }

    /// `f` of each visit in order, with its 0-based position. Each visit is
    /// lent: held visits as they are, compact ones built one after the
    /// other into the same value ([`VisitList::get_into`]), so that a
    /// writer streaming a province's visits does not allocate a visit for
    /// each, as [`Visits::iter`] does.
    ///
    /// ```
    /// # use shuangsuiji::{DrawResult, draw::Visits};
    /// # let json = std::fs::read_to_string(concat!(
    /// #     env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/youyu-forestry.result.json"
    /// # )).unwrap();
    /// # let r = DrawResult::from_json(&json).unwrap();
    /// let visits = Visits::Held(&r.visits);
    /// let names: Vec<String> = visits.lend(|i, v| format!("{} {}", i + 1, v.name)).collect();
    /// assert_eq!(names.len(), r.visits.len());
    /// assert_eq!(names[0], format!("1 {}", r.visits[0].name));
    /// ```
    pub fn lend<'f, R, F>(self, f: F) -> impl ExactSizeIterator<Item = R> + 'f
    where
        F: FnMut(usize, &Visit) -> R + 'f,
        'a: 'f,
    {
        self.lent(true, f)
    }

    /// [`Visits::lend`] for a writer that prints no ticket: compact
    /// visits are built with each selection's ticket left empty (held
    /// visits are lent as they are), which spares a SHA-256 per
    /// selection.
    ///
    /// ```
    /// use shuangsuiji::{Dataset, LoadOptions};
    /// use shuangsuiji::draw::{draw_streaming, Visits};
    /// # use std::io::Read;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");
    /// let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    /// let open = |name: &str| {
    ///     Ok(Box::new(std::fs::File::open(format!("{dir}{name}"))?) as Box<dyn Read>)
    /// };
    /// let streamed = draw_streaming("plan.toml", &text, open, "38 17 05 92 64 11", None,
    ///     LoadOptions::default()).unwrap();
    /// let list = Visits::Compact(&streamed.visits);
    /// let with: Vec<_> = list.lend(|_, v| v.clone()).collect();
    /// let without: Vec<_> = list.lend_without_tickets(|_, v| v.clone()).collect();
    /// assert_eq!(with.len(), without.len());
    /// for (a, mut b) in with.into_iter().zip(without) {
    ///     assert!(b.selections.iter().all(|s| s.ticket.is_empty()));
    ///     for (sa, sb) in a.selections.iter().zip(&mut b.selections) {
    ///         sb.ticket = sa.ticket.clone();
    ///     }
    ///     assert_eq!(a, b); // all else the same
    /// }
    /// ```
    #[doc(hidden)] // for shuangsuiji-disclose's writers; not covered by semver
    pub fn lend_without_tickets<'f, R, F>(self, f: F) -> impl ExactSizeIterator<Item = R> + 'f
    where
        F: FnMut(usize, &Visit) -> R + 'f,
        'a: 'f,
    {
        self.lent(false, f)
    }

    /// A [`Lent`] over these visits from the first, building compact
    /// ones with their tickets when `tickets` holds.
    fn lent<F>(self, tickets: bool, f: F) -> Lent<'a, F> {
        Lent {
            visits: self,
            next: 0,
            scratch: empty_visit(),
            tickets,
            f,
        }
    }
}

/// What [`Visits::lend`] and [`Visits::lend_without_tickets`] return.
struct Lent<'a, F> {
    visits: Visits<'a>,
    next: usize,
    scratch: Visit,
    /// Whether compact visits are built with their tickets.
    tickets: bool,
    f: F,
}

impl<R, F: FnMut(usize, &Visit) -> R> Iterator for Lent<'_, F> {
    type Item = R;

    fn next(&mut self) -> Option<R> {
        let i = self.next;
        let v = match self.visits {
            Visits::Held(v) => v.get(i)?,
            Visits::Compact(l) => {
                if !l.build_into(i, &mut self.scratch, self.tickets) {
                    return None;
                }
                &self.scratch
            }
        };
        self.next += 1;
        Some((self.f)(i, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.visits.len().saturating_sub(self.next);
        (n, Some(n))
    }
}

impl<R, F: FnMut(usize, &Visit) -> R> ExactSizeIterator for Lent<'_, F> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three visits of one task, their texts given in `order`.
    fn built(order: &[usize]) -> VisitList {
        let texts = [
            ("91110000000000001A", "甲公司", "110101"),
            ("91110000000000002B", "乙", "110102"),
            ("91110000000000003C", "丙丙丙丙有限公司", "110105"),
        ];
        let mut b = VisitListBuilder::new(
            [(
                "T1".to_string(),
                [3; 32],
                vec!["I-1".to_string()],
                vec!["110101".to_string()],
            )],
            vec![("C1".to_string(), "张三".to_string())],
            "",
        );
        let kind = b.kind(TeamKind {
            department: "局".to_string(),
            categories: vec!["甲".to_string()],
            items: vec!["I-1".to_string()],
        });
        b.set_selections(
            (0..3)
                .map(|r| Sel {
                    task: 0,
                    row: 0,
                    rank: r + 1,
                })
                .collect(),
        );
        b.reserve(3, 3, 3);
        for (v, (u, n, r)) in texts.iter().enumerate() {
            b.push(None, [u.len(), n.len(), r.len()], v, [(kind, &[0u32][..])]);
        }
        for &v in order {
            let (u, n, r) = texts[v];
            b.set_text(v, u, n, r);
        }
        b.finish()
    }

    #[test]
    fn texts_given_in_any_order_are_laid_out_in_the_visits_order() {
        let in_order = built(&[0, 1, 2]);
        for order in [[2, 0, 1], [2, 1, 0], [1, 0, 2]] {
            let list = built(&order);
            // the same visits, and the same text, front to back
            assert_eq!(list, in_order, "{order:?}");
            assert_eq!(list.text, in_order.text, "{order:?}");
            assert_eq!(
                list.visits.iter().map(|r| r.text).collect::<Vec<_>>(),
                [0, 33, 60],
                "{order:?}"
            );
        }
        let v = in_order.get(2).unwrap();
        assert_eq!(
            (v.uscc.as_str(), v.name.as_str(), v.region.as_str()),
            ("91110000000000003C", "丙丙丙丙有限公司", "110105")
        );
        assert_eq!(
            in_order.code_and_name(1),
            Some(("91110000000000002B", "乙"))
        );
    }
}
