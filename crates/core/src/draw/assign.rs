//! Officer teams (SPEC.md §8): a b-matching of visit slots to officers,
//! built seat by seat with random picks from the ChaCha20 stream and
//! repaired by breadth-first augmenting paths, so that a valid assignment
//! is found whenever one exists.

use std::collections::{BTreeSet, VecDeque};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::{Infeasible, Result};
use crate::model::{Officer, region_covers};
use crate::{Dataset, Error};

use super::entities::EntityRecords;
use super::keys::WordStream;
use super::visits::TeamKind;

/// An entity as infeasibility messages name it: code, name (region).
fn subject(ents: &dyn EntityRecords, i: usize) -> String {
    format!("{} {} ({})", ents.uscc(i), ents.name(i), ents.region(i))
}

/// One (visit, department) pair needing a team. What it is for is shared
/// by every slot of the same kind (a province's draw has hundreds of
/// thousands of slots and a few kinds).
#[derive(Debug, Clone)]
pub(crate) struct Slot<'k> {
    /// Index of the visit.
    pub visit: u32,
    /// Index of the entity in `ds.entities()`.
    pub entity: usize,
    /// What the team is for: the effective department, the categories an
    /// officer must all hold (sorted, distinct) and the items of the
    /// department on the visit (for messages). One reference, not three:
    /// a province's draw has millions of slots.
    pub kind: &'k TeamKind,
}

impl Slot<'_> {
    /// Effective department.
    fn department(&self) -> &str {
        &self.kind.department
    }
    /// Items of the department on the visit.
    fn items(&self) -> &[String] {
        &self.kind.items
    }
    /// Categories an officer must all hold.
    fn categories(&self) -> &[String] {
        &self.kind.categories
    }
}

/// The effective department: empty means the plan authority.
pub(crate) fn effective_department<'a>(ds: &'a Dataset, dept: &'a str) -> &'a str {
    if dept.is_empty() {
        &ds.plan.authority
    } else {
        dept
    }
}

struct Candidates {
    /// Index into `bases`.
    base: usize,
    /// Officers of the base excluded for this slot (conflict, rotation),
    /// sorted.
    excluded: Vec<u32>,
}

/// The teams, one per slot, as sorted officer indices: slot `s`'s team is
/// `teams[s * team_size..(s + 1) * team_size]` (every team is full).
pub(crate) fn assign(
    ds: &Dataset,
    ents: &dyn EntityRecords,
    slots: &[Slot<'_>],
    last_team: &HashMap<&str, BTreeSet<&str>>,
    stream: &mut WordStream,
) -> Result<Vec<u32>> {
    let rules = &ds.plan.rules;
    let t = rules.team_size as usize;
    let cap: u64 = rules.officer_max_load.map_or(u64::MAX, u64::from);
    let officers = &ds.officers;
    let conflicts: HashSet<(&str, &str)> = ds
        .conflicts
        .iter()
        .map(|c| (c.cert_no.as_str(), c.uscc.as_str()))
        .collect();

    let mut conflicts_of: HashMap<&str, Vec<u32>> = HashMap::default();
    for c in &ds.conflicts {
        if let Ok(i) = officers.binary_search_by(|o| o.cert_no.as_str().cmp(&c.cert_no)) {
            conflicts_of
                .entry(c.uscc.as_str())
                .or_default()
                .push(i as u32);
        }
    }
    // candidate bases, shared by slots with the same department,
    // categories and region
    let mut base_index: HashMap<(&str, &[String], &str), usize> = HashMap::default();
    let mut bases: Vec<Vec<u32>> = Vec::new();
    let mut cands: Vec<Candidates> = Vec::with_capacity(slots.len());
    // a province's entities lie scattered in memory: a block's codes and
    // regions are fetched before any is used, so that their loads overlap
    let mut fetched: Vec<(&str, &str)> = Vec::with_capacity(256);
    for (si, slot) in slots.iter().enumerate() {
        if si % 256 == 0 {
            fetched.clear();
            fetched.extend(
                slots[si..(si + 256).min(slots.len())]
                    .iter()
                    .map(|s| (ents.uscc(s.entity), ents.region(s.entity))),
            );
        }
        let (uscc, e_region) = fetched[si % 256];
        let region = if rules.cross_region { "" } else { e_region };
        let key = (slot.department(), slot.categories(), region);
        let base = match base_index.get(&key) {
            Some(b) => *b,
            None => {
                let v: Vec<u32> = officers
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| qualified_base(ds, o, slot, e_region))
                    .map(|(i, _)| i as u32)
                    .collect();
                bases.push(v);
                base_index.insert(key, bases.len() - 1);
                bases.len() - 1
            }
        };
        let last = last_team.get(uscc);
        // officers of the base excluded for this entity: conflict pairs and
        // (with rotation) its last team; found by index, not by scanning
        let mut excluded: Vec<u32> = conflicts_of
            .get(uscc)
            .into_iter()
            .flatten()
            .copied()
            .chain(
                last.filter(|_| rules.rotation)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        officers
                            .binary_search_by(|o| o.cert_no.as_str().cmp(c))
                            .ok()
                    })
                    .map(|i| i as u32),
            )
            .filter(|i| bases[base].binary_search(i).is_ok())
            .collect();
        excluded.sort_unstable();
        excluded.dedup();
        if bases[base].len() - excluded.len() < t {
            return Err(Error::infeasible(explain_short(
                ds, ents, slot, &conflicts, last,
            )));
        }
        cands.push(Candidates { base, excluded });
    }

    let qual = |s: usize| {
        let c = &cands[s];
        bases[c.base]
            .iter()
            .copied()
            .filter(move |i| c.excluded.binary_search(i).is_err())
    };

    // a cheap Hall check per department before the search
    if cap != u64::MAX {
        // the officers who could serve a department: per base, the whole
        // base once one of its slots excludes nobody, else the union of
        // what its slots leave (a province has 10^6 slots and few bases)
        type PerBase = std::collections::BTreeMap<usize, Option<Vec<usize>>>;
        let mut per_dept: std::collections::BTreeMap<&str, (u64, PerBase)> = Default::default();
        for (s, slot) in slots.iter().enumerate() {
            let d = per_dept.entry(slot.department()).or_default();
            d.0 += t as u64;
            let c = &cands[s];
            let e = d.1.entry(c.base).or_insert_with(|| Some(Vec::new()));
            if c.excluded.is_empty() {
                *e = None;
            } else if let Some(list) = e {
                list.push(s);
            }
        }
        let mut counted = vec![false; officers.len()];
        for (dept, (need, per_base)) in &per_dept {
            counted.iter_mut().for_each(|c| *c = false);
            for (&b, partial) in per_base {
                match partial {
                    None => bases[b].iter().for_each(|&o| counted[o as usize] = true),
                    Some(list) => list
                        .iter()
                        .for_each(|&s| qual(s).for_each(|o| counted[o as usize] = true)),
                }
            }
            let offs = counted.iter().filter(|&&c| c).count();
            let supply = offs as u64 * cap;
            if *need > supply {
                return Err(Error::infeasible(Infeasible {
                    item: items_of_department(slots, dept),
                    subject: Some(format!("department {dept}")),
                    constraint: format!(
                        "{} visits need {need} officer places but the {} officers who could \
                         serve them can fill at most {} × {cap} = {supply} (officer_max_load {cap})",
                        need / t as u64,
                        offs,
                        offs
                    ),
                }));
            }
        }
    }

    // a cheap Hall check per visit: its teams need distinct officers (a
    // visit of one slot passed it above: its slot has `t` officers)
    let mut i = 0;
    while i < slots.len() {
        let mut j = i;
        while j < slots.len() && slots[j].visit == slots[i].visit {
            j += 1;
        }
        if j - i == 1 {
            i = j;
            continue;
        }
        let union: BTreeSet<u32> = (i..j).flat_map(&qual).collect();
        let need = (j - i) * t;
        if union.len() < need {
            let items: Vec<String> = slots[i..j]
                .iter()
                .flat_map(|s| s.items().iter().cloned())
                .collect();
            return Err(Error::infeasible(Infeasible {
                item: items.join("+"),
                subject: Some(subject(ents, slots[i].entity)),
                constraint: format!(
                    "the visit needs {} teams of {t} distinct officers ({need} officers) but only {} \
                     qualified officers can serve it",
                    j - i,
                    union.len()
                ),
            }));
        }
        i = j;
    }

    // a visit of one slot (nearly all): its only team is its slot's
    let alone: Vec<bool> = (0..slots.len())
        .map(|s| {
            let v = slots[s].visit;
            (s == 0 || slots[s - 1].visit != v) && slots.get(s + 1).is_none_or(|n| n.visit != v)
        })
        .collect();
    let capped = cap != u64::MAX;
    let mut st = State {
        load: vec![0; officers.len()],
        capped,
        of_officer: vec![BTreeSet::new(); if capped { officers.len() } else { 0 }],
        t,
        seats: vec![0; slots.len() * t],
        filled: vec![0; slots.len()],
        alone,
        in_visit: HashMap::default(),
    };
    let mut avail: Vec<u32> = Vec::new();
    let mut skipped: Vec<usize> = Vec::new();
    for s in 0..slots.len() {
        let v = slots[s].visit;
        let alone = st.alone[s];
        // whether officer `o` is on a team of this visit: for a visit of
        // one slot, on this slot's team of at most `t`, which is cheaper
        // to look at than the (officer, visit) index
        let on_visit = |st: &State, o: u32| {
            if alone {
                st.team(s as u32).contains(&o)
            } else {
                st.in_visit.contains_key(&(o, v))
            }
        };
        for _seat in 0..t {
            if cap == u64::MAX && alone {
                // no load cap and no other team on the visit: the officers
                // available are the slot's qualified ones less its team so
                // far, and the pick is found by position, without listing
                // them (a province has millions of seats)
                let c = &cands[s];
                let base = &bases[c.base];
                skipped.clear();
                skipped.extend(
                    c.excluded
                        .iter()
                        .chain(st.team(s as u32))
                        .filter_map(|o| base.binary_search(o).ok()),
                );
                skipped.sort_unstable();
                skipped.dedup();
                let n = base.len() - skipped.len();
                if n > 0 {
                    let k = stream.below(n as u64) as usize;
                    let pick = base[nth_kept(&skipped, k)];
                    st.load[pick as usize] += 1;
                    st.add(pick, s as u32, v);
                    continue;
                }
            }
            avail.clear();
            avail.extend(qual(s).filter(|&o| st.load[o as usize] < cap && !on_visit(&st, o)));
            if !avail.is_empty() {
                let pick = avail[stream.below(avail.len() as u64) as usize];
                st.load[pick as usize] += 1;
                st.add(pick, s as u32, v);
                continue;
            }
            if !augment(&mut st, slots, s as u32, cap, &qual) {
                let slot = &slots[s];
                return Err(Error::infeasible(Infeasible {
                    item: slot.items().join("+"),
                    subject: Some(subject(ents, slot.entity)),
                    constraint: format!(
                        "the team of {t} from {} certified for {} cannot be completed: every \
                         qualified officer is at the load cap of {} visits (officer_max_load) \
                         or needed on this visit's other teams, and no reassignment frees one",
                        slot.department(),
                        slot.categories().join("、"),
                        rules
                            .officer_max_load
                            .map_or("∞".to_string(), |c| c.to_string()),
                    ),
                }));
            }
        }
    }
    debug_assert!(st.filled.iter().all(|&n| n as usize == t));
    let mut teams = st.seats;
    if t > 0 {
        for team in teams.chunks_exact_mut(t) {
            team.sort_unstable();
        }
    }
    Ok(teams)
}

/// The position of the `k`-th (0-based) element of a sequence that is not
/// at one of the `skipped` positions (ascending, distinct): what
/// `(0..).filter(|p| !skipped.contains(p)).nth(k)` gives, in
/// `skipped.len()` steps.
fn nth_kept(skipped: &[usize], k: usize) -> usize {
    let mut at = k;
    for &p in skipped {
        if p <= at {
            at += 1;
        } else {
            break;
        }
    }
    at
}

/// The assignment under construction.
///
/// Only what a later step reads is kept: an officer's slots are read by
/// the search only past an officer at the load cap (so not without a cap),
/// and an (officer, visit) pair only for a visit of several slots (the
/// team of a visit of one slot is looked at instead, and the search skips
/// its officers before it would look the pair up).
struct State {
    /// Visits per officer.
    load: Vec<u64>,
    /// Whether there is a load cap.
    capped: bool,
    /// Slots per officer (at most one per visit), with a load cap.
    of_officer: Vec<BTreeSet<u32>>,
    /// The team size.
    t: usize,
    /// Officers per slot, `t` seats each, the first `filled[s]` taken.
    seats: Vec<u32>,
    filled: Vec<u32>,
    /// Whether a slot's visit has no other slot.
    alone: Vec<bool>,
    /// (officer, visit) -> the slot of that visit the officer is on, for
    /// visits of several slots.
    in_visit: HashMap<(u32, u32), u32>,
}

impl State {
    /// The officers of slot `s` so far, in the order they joined.
    fn team(&self, s: u32) -> &[u32] {
        let at = s as usize * self.t;
        &self.seats[at..at + self.filled[s as usize] as usize]
    }

    /// Put officer `o` on slot `s` (of visit `v`), which has a free seat.
    fn add(&mut self, o: u32, s: u32, v: u32) {
        let n = self.filled[s as usize] as usize;
        self.seats[s as usize * self.t + n] = o;
        self.filled[s as usize] += 1;
        if self.capped {
            self.of_officer[o as usize].insert(s);
        }
        if !self.alone[s as usize] {
            self.in_visit.insert((o, v), s);
        }
    }

    /// Take officer `o` off slot `s` (of visit `v`); the others keep their
    /// order.
    fn remove(&mut self, o: u32, s: u32, v: u32) {
        let at = s as usize * self.t;
        let n = self.filled[s as usize] as usize;
        let team = &mut self.seats[at..at + n];
        if let Some(i) = team.iter().position(|&x| x == o) {
            team.copy_within(i + 1.., i);
            self.filled[s as usize] -= 1;
        }
        if self.capped {
            self.of_officer[o as usize].remove(&s);
        }
        if self.in_visit.get(&(o, v)) == Some(&s) {
            self.in_visit.remove(&(o, v));
        }
    }
}

/// How an (officer, visit) node was reached in the search.
#[derive(Clone, Copy)]
enum Via {
    /// From a slot of the visit that wants the officer.
    Slot(u32),
    /// From the officer node (the officer leaves the visit).
    Officer,
}

/// Breadth-first search for an augmenting path from slot `s` in the
/// residual graph (SPEC.md §8.4); applies it and returns true if found.
fn augment<'q, I: Iterator<Item = u32> + 'q>(
    st: &mut State,
    slots: &[Slot<'_>],
    s: u32,
    cap: u64,
    qual: &impl Fn(usize) -> I,
) -> bool {
    let mut via: HashMap<(u32, u32), Via> = HashMap::default();
    let mut officer_from: HashMap<u32, u32> = HashMap::default(); // officer -> visit
    let mut slot_loses: HashMap<u32, u32> = HashMap::default(); // slot -> officer
    let mut seen_slot: HashSet<u32> = HashSet::default();
    let mut queue: VecDeque<u32> = VecDeque::new();
    seen_slot.insert(s);
    queue.push_back(s);
    let mut end: Option<u32> = None;
    'bfs: while let Some(u) = queue.pop_front() {
        let v = slots[u as usize].visit;
        for o in qual(u as usize) {
            if st.team(u).contains(&o) || via.contains_key(&(o, v)) {
                continue;
            }
            via.insert((o, v), Via::Slot(u));
            if let Some(&sib) = st.in_visit.get(&(o, v)) {
                // the officer is on another team of this visit: move it
                if seen_slot.insert(sib) {
                    slot_loses.insert(sib, o);
                    queue.push_back(sib);
                }
                continue;
            }
            if officer_from.contains_key(&o) {
                continue;
            }
            officer_from.insert(o, v);
            if st.load[o as usize] < cap {
                end = Some(o);
                break 'bfs;
            }
            for &s2 in &st.of_officer[o as usize] {
                let v2 = slots[s2 as usize].visit;
                if via.contains_key(&(o, v2)) {
                    continue;
                }
                via.insert((o, v2), Via::Officer);
                if seen_slot.insert(s2) {
                    slot_loses.insert(s2, o);
                    queue.push_back(s2);
                }
            }
        }
    }
    let Some(mut o) = end else {
        return false;
    };
    let mut v = officer_from[&o];
    st.load[o as usize] += 1;
    loop {
        let Via::Slot(u) = via[&(o, v)] else {
            return false; // unreachable by construction
        };
        if u == s {
            st.add(o, u, v);
            return true;
        }
        // the slot gives up an officer for this one (taken off first, so
        // that a full team has a free seat; the team's order is the same)
        let lost = slot_loses[&u];
        st.remove(lost, u, v);
        st.add(o, u, v);
        match via[&(lost, v)] {
            Via::Slot(_) => o = lost,
            Via::Officer => {
                o = lost;
                v = officer_from[&lost];
            }
        }
    }
}

fn items_of_department(slots: &[Slot<'_>], dept: &str) -> String {
    let set: BTreeSet<&str> = slots
        .iter()
        .filter(|s| s.department() == dept)
        .flat_map(|s| s.items().iter().map(String::as_str))
        .collect();
    set.into_iter().collect::<Vec<_>>().join("+")
}

/// Department, certificate, categories and region (the slot-independent
/// conditions).
fn qualified_base(ds: &Dataset, o: &Officer, slot: &Slot, region: &str) -> bool {
    effective_department(ds, &o.department) == slot.department()
        && ds.officer_eligible(o)
        && slot.categories().iter().all(|c| o.categories.contains(c))
        && (ds.plan.rules.cross_region || o.regions.iter().any(|r| region_covers(r, region)))
}

/// One officer condition, for explaining infeasibility.
type Check<'a> = Box<dyn Fn(&Officer) -> bool + 'a>;

/// Name the first condition that leaves fewer than `team_size` officers.
pub(crate) fn explain_short(
    ds: &Dataset,
    ents: &dyn EntityRecords,
    slot: &Slot,
    conflicts: &HashSet<(&str, &str)>,
    last: Option<&BTreeSet<&str>>,
) -> Infeasible {
    let rules = &ds.plan.rules;
    let t = rules.team_size as usize;
    let (e_uscc, e_region) = (ents.uscc(slot.entity), ents.region(slot.entity));
    let dept = slot.department();
    let cats = slot.categories().join("、");
    let mut pool: Vec<&Officer> = ds
        .officers
        .iter()
        .filter(|o| effective_department(ds, &o.department) == dept)
        .collect();
    let mut why = format!("only {} officers belong to {dept}", pool.len());
    let steps: Vec<(String, Check<'_>)> = vec![
        (
            if rules.certified_through_period_end {
                format!(
                    "active with a certificate valid on {} through {}",
                    ds.plan.date, ds.plan.period_end
                )
            } else {
                format!("active with a certificate valid on {}", ds.plan.date)
            },
            Box::new(|o: &Officer| ds.officer_eligible(o)),
        ),
        (
            format!(
                "certified for {cats}{}",
                slot.categories()
                    .iter()
                    .map(|c| look_alike(&pool, c, |o| &o.categories))
                    .collect::<String>()
            ),
            Box::new(|o: &Officer| slot.categories().iter().all(|c| o.categories.contains(c))),
        ),
        (
            if rules.cross_region {
                "any region (cross_region)".to_string()
            } else {
                format!(
                    "covering {e_region}{}",
                    look_alike(&pool, e_region, |o| &o.regions)
                )
            },
            Box::new(|o: &Officer| {
                rules.cross_region || o.regions.iter().any(|r| region_covers(r, e_region))
            }),
        ),
        (
            "not in a conflict pair (回避) with the entity".to_string(),
            Box::new(|o: &Officer| !conflicts.contains(&(o.cert_no.as_str(), e_uscc))),
        ),
        (
            "not on the entity's last inspection (rotation)".to_string(),
            Box::new(|o: &Officer| {
                !(rules.rotation && last.is_some_and(|l| l.contains(o.cert_no.as_str())))
            }),
        ),
    ];
    let mut so_far: Vec<String> = Vec::new();
    if pool.len() >= t {
        for (label, keep) in &steps {
            pool.retain(|o| keep(o));
            so_far.push(label.clone());
            if pool.len() < t {
                why = format!(
                    "only {} officer{} of {dept} meet{} all of: {}",
                    pool.len(),
                    if pool.len() == 1 { "" } else { "s" },
                    if pool.len() == 1 { "s" } else { "" },
                    so_far.join("; ")
                );
                break;
            }
        }
    }
    Infeasible {
        item: slot.items().join("+"),
        subject: Some(subject(ents, slot.entity)),
        constraint: format!("{why}; team size is {t}"),
    }
}

/// When an officer of `pool` lists a name that looks like `name` but is
/// spelled with a CJK compatibility character (or `name` is), both
/// spellings with their code points: otherwise the message would show two
/// names that look identical.
fn look_alike<'a>(
    pool: &[&'a Officer],
    name: &str,
    names: impl Fn(&'a Officer) -> &'a Vec<String>,
) -> String {
    use crate::model::text::{compat_skeleton, spelling};
    let key = compat_skeleton(name);
    pool.iter()
        .flat_map(|o| names(o).iter().map(move |n| (o, n)))
        .find(|(_, n)| n.as_str() != name && compat_skeleton(n) == key)
        .map_or_else(String::new, |(o, n)| {
            format!(
                " ({} is not {} of officer {}: they look the same but differ)",
                spelling(name, n),
                spelling(n, name),
                o.cert_no
            )
        })
}

#[cfg(test)]
mod tests {
    use super::nth_kept;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_nth_kept_position_is_the_nth_after_filtering(
            skip in proptest::collection::btree_set(0usize..64, 0..40),
            k in 0usize..64,
        ) {
            let skipped: Vec<usize> = skip.iter().copied().collect();
            let listed = (0usize..).filter(|p| !skip.contains(p)).nth(k);
            prop_assert_eq!(Some(nth_kept(&skipped, k)), listed);
        }
    }

    #[test]
    fn the_nth_kept_position_steps_over_runs() {
        assert_eq!(nth_kept(&[], 3), 3);
        assert_eq!(nth_kept(&[0, 1, 2], 0), 3);
        assert_eq!(nth_kept(&[1, 3], 1), 2);
        assert_eq!(nth_kept(&[1, 3], 2), 4);
        assert_eq!(nth_kept(&[5], 4), 4);
        assert_eq!(nth_kept(&[5], 5), 6);
    }
}
