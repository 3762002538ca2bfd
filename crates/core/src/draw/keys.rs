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
