//! Seed normalisation, key derivation, tickets and the ChaCha20 stream
//! (SPEC.md §3, §4, §7).

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

use crate::InputDigests;
use crate::commit::digest::put;

/// Domain tag of the draw key.
pub const TAG_DRAW_KEY: &str = "shuangsuiji/v1/draw-key";
/// Domain tag of a task key.
pub const TAG_TASK_KEY: &str = "shuangsuiji/v1/task-key";
/// Domain tag of an entity ticket.
pub const TAG_TICKET: &str = "shuangsuiji/v1/ticket";
/// Domain tag of the officer-assignment stream key.
pub const TAG_OFFICERS: &str = "shuangsuiji/v1/officer-stream";

/// Normalise seed text (SPEC.md §3): full-width ASCII U+FF01–U+FF5E to
/// ASCII, every run of whitespace to one U+0020, trimmed at both ends.
/// Nothing else changes (no case folding, no Unicode normalisation).
///
/// ```
/// use shuangsuiji::draw::normalize_seed;
/// assert_eq!(normalize_seed("  ３８ 17\u{3000}\t05 "), "38 17 05");
/// ```
pub fn normalize_seed(text: &str) -> String {
    // the same cleaning as every text value of the inputs (SPEC.md §1.2):
    // its whitespace set is Unicode White_Space plus U+200B and U+FEFF
    crate::model::text::clean(&crate::model::text::fold_width(text))
}

/// Why a seed text cannot be used by `ssj draw`, if it cannot: it is empty
/// after normalisation, or it holds a control character (other than
/// whitespace, which normalisation turns into a space) or a bidi control.
/// A seed is the outcome of a public source (digits, words): such a
/// character is a paste error or an attempt to drive the terminal of whoever
/// reads the journal. This is a usage rule, not part of the algorithm:
/// [`normalize_seed`] and the draw key are unchanged, and a result drawn
/// from such a seed elsewhere still verifies.
///
/// ```
/// use shuangsuiji::draw::seed_problem;
/// assert_eq!(seed_problem("38 17\t05"), None);
/// assert!(seed_problem(" \u{3000} ").unwrap().contains("empty"));
/// let p = seed_problem("38\u{1b}]0;x\u{7}").unwrap();
/// assert!(p.contains("U+001B at character 3"), "{p}");
/// assert!(seed_problem("12\u{202E}34").is_some());
/// ```
pub fn seed_problem(text: &str) -> Option<String> {
    let bad = text.chars().enumerate().find(|&(_, c)| {
        (c.is_control() && !c.is_whitespace())
            || matches!(c as u32, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
    });
    if let Some((i, c)) = bad {
        return Some(format!(
            "the seed holds the control character U+{:04X} at character {}; a seed is the outcome of the announced public source (digits, words), type it again",
            c as u32,
            i + 1
        ));
    }
    if normalize_seed(text).is_empty() {
        return Some("the seed is empty (after removing whitespace)".into());
    }
    None
}

/// The draw key (SPEC.md §4): SHA-256 of the length-prefixed tag, the
/// algorithm name, the normalised seed and the six input digests (as
/// lower-case hex text, in the order plan, items, officers, entities,
/// history, conflicts).
pub fn draw_key(algorithm: &str, normalized_seed: &str, digests: &InputDigests) -> [u8; 32] {
    let mut buf = Vec::with_capacity(512);
    put(&mut buf, TAG_DRAW_KEY);
    put(&mut buf, algorithm);
    put(&mut buf, normalized_seed);
    for d in [
        &digests.plan,
        &digests.items,
        &digests.officers,
        &digests.entities,
        &digests.history,
        &digests.conflicts,
    ] {
        put(&mut buf, d);
    }
    Sha256::digest(&buf).into()
}

/// A task key: SHA-256 of the length-prefixed tag, the 32 draw-key bytes
/// and the length-prefixed task key text (item ids joined by `+`).
pub fn task_key(draw_key: &[u8; 32], task: &str) -> [u8; 32] {
    let mut buf = Vec::with_capacity(128);
    put(&mut buf, TAG_TASK_KEY);
    buf.extend_from_slice(draw_key);
    put(&mut buf, task);
    Sha256::digest(&buf).into()
}

/// An entity's ticket for a task: SHA-256 of the length-prefixed tag, the
/// 32 task-key bytes and the length-prefixed code. Tickets compare as
/// 256-bit big-endian integers (bytewise).
pub fn ticket(task_key: &[u8; 32], uscc: &str) -> [u8; 32] {
    ticket_in(task_key, "", uscc)
}

/// The ticket of the unit `code` of a registry whose id scheme puts
/// `prefix` before its codes (SPEC.md §1.8, §4): the ticket of
/// `prefix ‖ code`. With the empty prefix (USCCs) this is [`ticket`].
///
/// ```
/// use shuangsuiji::draw::{ticket, ticket_in};
/// let k = [7u8; 32];
/// assert_eq!(ticket_in(&k, "", "91140623MA0X67CD1P"), ticket(&k, "91140623MA0X67CD1P"));
/// assert_eq!(ticket_in(&k, "project:", "XM-01"), ticket(&k, "project:XM-01"));
/// ```
pub fn ticket_in(task_key: &[u8; 32], prefix: &str, code: &str) -> [u8; 32] {
    let mut buf = Vec::with_capacity(96);
    put(&mut buf, TAG_TICKET);
    buf.extend_from_slice(task_key);
    crate::commit::digest::put2(&mut buf, prefix, code);
    Sha256::digest(&buf).into()
}

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The tag's length prefix, the tag and the task key: the first 57 bytes
/// of every ticket message of a task.
const TICKET_HEAD: usize = 4 + TAG_TICKET.len() + 32;

/// States kept per task by [`Tickets`] (a registry's codes start with few
/// distinct triples; any more are hashed in full).
const TICKET_STATES: usize = 1024;

/// The tickets of one task, the same as [`ticket_in`], computed with one
/// SHA-256 block instead of two for most codes.
///
/// A ticket message is 57 bytes fixed for the task (the tag and the task
/// key), the 4-byte length of `prefix ‖ code`, then `prefix ‖ code`. For a
/// code of 3 to 58 bytes (with its prefix) that is two blocks, the first
/// ending with the code's first three bytes: the same for most of a
/// registry (a USCC starts with its registration authority, its kind and
/// the first digit of its region). The hash state after that first block
/// is kept per (length, first three bytes), and each ticket compresses
/// only its second block.
#[derive(Debug, Clone)]
pub(crate) struct Tickets {
    task_key: [u8; 32],
    /// The first block's fixed bytes.
    head: [u8; TICKET_HEAD],
    /// The state after the first block, by length and first three bytes.
    states: rustc_hash::FxHashMap<u64, [u32; 8]>,
}

impl Tickets {
    /// The tickets of the task whose key is `task_key`.
    pub(crate) fn new(task_key: &[u8; 32]) -> Tickets {
        let mut head = [0u8; TICKET_HEAD];
        let mut buf = Vec::with_capacity(TICKET_HEAD);
        put(&mut buf, TAG_TICKET);
        buf.extend_from_slice(task_key);
        head.copy_from_slice(&buf);
        Tickets {
            task_key: *task_key,
            head,
            states: rustc_hash::FxHashMap::default(),
        }
    }

    /// [`ticket_in`] of this task.
    pub(crate) fn ticket(&mut self, prefix: &str, code: &str) -> [u8; 32] {
        let (p, c) = (prefix.as_bytes(), code.as_bytes());
        let n = p.len() + c.len();
        if !(3..=58).contains(&n) {
            return ticket_in(&self.task_key, prefix, code);
        }
        // `prefix ‖ code` without joining them
        let at = |i: usize| if i < p.len() { p[i] } else { c[i - p.len()] };
        let first = [at(0), at(1), at(2)];
        let key = (n as u64) << 24
            | u64::from(first[0]) << 16
            | u64::from(first[1]) << 8
            | u64::from(first[2]);
        let mut state = match self.states.get(&key) {
            Some(s) => *s,
            None => {
                let mut block = [0u8; 64];
                block[..TICKET_HEAD].copy_from_slice(&self.head);
                block[TICKET_HEAD..TICKET_HEAD + 4].copy_from_slice(&(n as u32).to_be_bytes());
                block[TICKET_HEAD + 4..].copy_from_slice(&first);
                let mut s = SHA256_IV;
                sha2::compress256(&mut s, &[block.into()]);
                if self.states.len() < TICKET_STATES {
                    self.states.insert(key, s);
                }
                s
            }
        };
        // the second block: the rest of `prefix ‖ code`, the padding and
        // the message's length in bits
        let mut block = [0u8; 64];
        let rest = n - 3;
        let (from_p, from_c) = (p.len().min(3), 3 - p.len().min(3));
        block[..p.len() - from_p].copy_from_slice(&p[from_p..]);
        block[p.len() - from_p..rest].copy_from_slice(&c[from_c..]);
        block[rest] = 0x80;
        let bits = (TICKET_HEAD as u64 + 4 + n as u64) * 8;
        block[56..].copy_from_slice(&bits.to_be_bytes());
        sha2::compress256(&mut state, &[block.into()]);
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// The key of the officer-assignment stream: SHA-256 of the
/// length-prefixed tag and the 32 draw-key bytes.
pub fn officer_stream_key(draw_key: &[u8; 32]) -> [u8; 32] {
    let mut buf = Vec::with_capacity(64);
    put(&mut buf, TAG_OFFICERS);
    buf.extend_from_slice(draw_key);
    Sha256::digest(&buf).into()
}

/// A stream of 32-bit words: ChaCha20 (RFC 8439 block function, 20
/// rounds) keyed by 32 bytes, nonce zero, block counter from zero; each
/// block's 16 output words are taken in order as little-endian u32.
#[derive(Debug, Clone)]
pub struct WordStream {
    rng: ChaCha20Rng,
    used: u64,
}

impl WordStream {
    /// The stream for a 32-byte key.
    pub fn new(key: [u8; 32]) -> Self {
        WordStream {
            rng: ChaCha20Rng::from_seed(key),
            used: 0,
        }
    }

    /// The next word.
    pub fn next_word(&mut self) -> u32 {
        self.used += 1;
        self.rng.next_u32()
    }

    /// Words consumed so far.
    pub fn words_used(&self) -> u64 {
        self.used
    }

    /// A uniform integer in `0..n` (`n ≥ 1`) by rejection (SPEC.md §7):
    /// draw a word `x`; if `x < 2^32 − (2^32 mod n)` return `x mod n`, else
    /// draw again. Always consumes at least one word, also for `n = 1`.
    ///
    /// # Panics
    /// If `n` is 0 or above `u32::MAX`.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n >= 1 && n <= u64::from(u32::MAX), "bound out of range");
        let limit = (1u64 << 32) - ((1u64 << 32) % n);
        loop {
            let x = u64::from(self.next_word());
            if x < limit {
                return x % n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length around the two-block range (0 to 70 bytes with the
    /// prefix), every id scheme's prefix, multi-byte codes, and more
    /// distinct first triples than are kept: the same tickets as the
    /// message hashed whole.
    #[test]
    fn tickets_of_a_task_are_ticket_in() {
        let key: [u8; 32] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        let mut tickets = Tickets::new(&key);
        let mut checked = 0;
        for prefix in ["", "grid:", "project:", "site:", "code:"] {
            for len in 0..=70usize {
                for fill in ["9", "Z", "区"] {
                    let code: String = (0..len)
                        .map(|i| {
                            if i % 5 == 4 {
                                fill
                            } else {
                                &"0123456789"[i % 10..=i % 10]
                            }
                        })
                        .collect();
                    assert_eq!(
                        tickets.ticket(prefix, &code),
                        ticket_in(&key, prefix, &code),
                        "prefix {prefix:?}, code {code:?}"
                    );
                    checked += 1;
                }
            }
        }
        for i in 0..(TICKET_STATES as u32 + 500) {
            let code = format!("{:03}{i:015}", i % 1000 + (i / 1000) * 7);
            assert_eq!(tickets.ticket("", &code), ticket_in(&key, "", &code));
            // asked again: from a kept state or hashed whole
            assert_eq!(tickets.ticket("", &code), ticket_in(&key, "", &code));
            checked += 1;
        }
        assert_eq!(tickets.states.len(), TICKET_STATES);
        assert_eq!(checked, 5 * 71 * 3 + TICKET_STATES + 500);
    }
}
