//! Reading a seed text against the plan's declared sources (SPEC.md §3.1):
//! each source's outcome in its canonical written form, checked against the
//! game's rules, and a drand round's BLS signature checked against the
//! quicknet public key shipped with this crate (no network access).

use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{G1Affine, G1Projective, G2Affine, pairing};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::draw::seed_bits;
use crate::error::{Diagnostic, DiagnosticKind, Error, Position, Result};
use crate::model::{MAX_SOURCE_TENTHS, QUICKNET_PUBLIC_KEY, SeedSource};

/// The separator between the parts of a declared seed text.
pub const PART_SEPARATOR: &str = " | ";

/// The domain separation tag of quicknet (RFC 9380 hash to G1).
pub const QUICKNET_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

/// One declared source with its outcome as written in the seed text, and
/// the bits it is credited with (in `result.json`, `seed.sources`).
///
/// ```
/// use shuangsuiji::draw::{SourceOutcome, declared_bits};
/// use shuangsuiji::model::SeedSource;
/// let dice = SourceOutcome { source: SeedSource::Dice { count: 3, faces: 6 }, written: "dice: 1 6 3".into(), tenths: 77 };
/// assert_eq!(dice.source.label(), "dice");
/// assert_eq!(declared_bits(&[dice]), 7); // 7.7 bits, rounded down
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOutcome {
    /// The declaration.
    pub source: SeedSource,
    /// This source's part of the normalised seed text, label included
    /// (`kl8 2026270: 01 04 …`).
    pub written: String,
    /// The credited bits × 10, rounded down (`616` for 61.6 bits).
    pub tenths: u32,
}

/// Bits × 10 as `61.6`.
///
/// ```
/// assert_eq!(shuangsuiji::draw::tenths_text(616), "61.6");
/// ```
pub fn tenths_text(t: u32) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// The bits a declared seed is credited with: the sum of its sources'
/// tenths, divided by ten and rounded down.
///
/// ```
/// use shuangsuiji::draw::{SourceOutcome, declared_bits};
/// use shuangsuiji::model::SeedSource;
/// let part = |tenths| SourceOutcome { source: SeedSource::Drand { round: 1 }, written: String::new(), tenths };
/// assert_eq!(declared_bits(&[part(616), part(615)]), 123); // 123.1 bits
/// assert_eq!(declared_bits(&[]), 0);
/// ```
pub fn declared_bits(sources: &[SourceOutcome]) -> u32 {
    let t: u64 = sources.iter().map(|s| u64::from(s.tenths)).sum();
    u32::try_from(t / 10).unwrap_or(u32::MAX)
}

/// A template of the seed text for the declared sources (what the
/// pre-draw notice shows): each part's label and the shape of its outcome.
///
/// ```
/// use shuangsuiji::draw::seed_template;
/// use shuangsuiji::model::SeedSource;
/// let s = [SeedSource::Drand { round: 9 }, SeedSource::Dice { count: 3, faces: 6 }];
/// assert_eq!(seed_template(&s), "drand 9: <96 hex digits of the signature> | dice: d d d");
/// ```
pub fn seed_template(sources: &[SeedSource]) -> String {
    sources
        .iter()
        .map(|s| {
            let body = match s {
                SeedSource::Dice { count, .. } => vec!["d"; *count as usize].join(" "),
                SeedSource::Lottery { game, .. } => game
                    .pools()
                    .iter()
                    .map(|p| vec![if p.set { "nn" } else { "d" }; p.count as usize].join(" "))
                    .collect::<Vec<_>>()
                    .join(" + "),
                SeedSource::Drand { .. } => "<96 hex digits of the signature>".to_string(),
                SeedSource::Text { .. } => "<free text>".to_string(),
            };
            format!("{}: {body}", s.label())
        })
        .collect::<Vec<_>>()
        .join(PART_SEPARATOR)
}

/// Read a normalised seed text against the declared sources. No
/// declaration: `Ok(vec![])` (the digit rule applies). Otherwise every
/// problem is reported at once, each naming its source; a text whose
/// outcomes are valid but not written canonically is refused with the
/// canonical form to use.
///
/// ```
/// use shuangsuiji::draw::read_seed;
/// use shuangsuiji::model::SeedSource;
/// let plan = [SeedSource::Dice { count: 3, faces: 6 }];
/// let s = read_seed(&plan, "dice: 6 1 3").unwrap();
/// assert_eq!(s[0].tenths, 77); // 3 × log2 6 = 7.75
/// let e = read_seed(&plan, "dice: 6 1 7").unwrap_err();
/// assert!(e.to_string().contains("7 is not a face of a d6 (1–6)"));
/// ```
pub fn read_seed(sources: &[SeedSource], normalized: &str) -> Result<Vec<SourceOutcome>> {
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = normalized.split('|').map(str::trim).collect();
    if parts.len() != sources.len() {
        let labels: Vec<String> = sources.iter().map(SeedSource::label).collect();
        return Err(Error::input(vec![Diagnostic::error(
            DiagnosticKind::InvalidValue,
            Position::file("seed"),
            format!(
                "the seed text has {} part(s) separated by '|', but the plan declares {} source(s): {}; write it as: {}",
                parts.len(),
                sources.len(),
                labels.join(", "),
                seed_template(sources)
            ),
        )]));
    }
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let mut canonical = Vec::new();
    for (i, (source, part)) in sources.iter().zip(&parts).enumerate() {
        let pos = Position::file("seed").with_field(format!("seed_sources[{}]", i + 1));
        let label = source.label();
        let fail = |msg: String| {
            Diagnostic::error(
                DiagnosticKind::InvalidValue,
                pos.clone(),
                format!("seed source {} ({label}): {msg}", i + 1),
            )
        };
        let body = match part.split_once(':') {
            Some((l, body)) if l.trim() == label => body.trim(),
            _ => {
                diags.push(fail(format!(
                    "the part '{part}' does not begin with '{label}:'"
                )));
                continue;
            }
        };
        match read_part(source, body) {
            Err(msgs) => diags.extend(msgs.into_iter().map(&fail)),
            Ok((canon, tenths)) => {
                let written = format!("{label}: {canon}");
                if written != *part {
                    diags.push(fail(format!(
                        "not in canonical form (SPEC.md §3.1); write it as '{written}'"
                    )));
                }
                canonical.push(written.clone());
                out.push(SourceOutcome {
                    source: source.clone(),
                    written,
                    tenths,
                });
            }
        }
    }
    if diags.is_empty() && canonical.join(PART_SEPARATOR) != normalized {
        diags.push(Diagnostic::error(
            DiagnosticKind::InvalidValue,
            Position::file("seed"),
            format!(
                "the parts must be separated by ' | ' (SPEC.md §3.1); write it as '{}'",
                canonical.join(PART_SEPARATOR)
            ),
        ));
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(Error::input(diags))
    }
}

/// One part's canonical body and tenths, or what is wrong with it.
fn read_part(source: &SeedSource, body: &str) -> std::result::Result<(String, u32), Vec<String>> {
    match source {
        SeedSource::Dice { count, faces } => {
            let (lo, hi) = if *faces == 10 { (0, 9) } else { (1, *faces) };
            let mut tokens: Vec<&str> = body.split(' ').filter(|t| !t.is_empty()).collect();
            if *faces <= 10 && tokens.len() == 1 && *count > 1 {
                // digits written without spaces
                tokens = split_chars(tokens[0]);
            }
            let mut errs = Vec::new();
            let mut vals = Vec::new();
            for t in &tokens {
                match number(t) {
                    Some(v) if (lo..=hi).contains(&v) => vals.push(v),
                    _ => errs.push(format!("{t} is not a face of a d{faces} ({lo}–{hi})")),
                }
            }
            if tokens.len() != *count as usize {
                errs.push(format!("{} throws written, {count} declared", tokens.len()));
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            let canon = vals
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            Ok((canon, source.fixed_tenths().unwrap_or(0)))
        }
        SeedSource::Lottery { game, .. } => {
            let pools = game.pools();
            let groups: Vec<&str> = body.split('+').map(str::trim).collect();
            if groups.len() != pools.len() {
                return Err(vec![format!(
                    "{} group(s) of numbers separated by '+' written, {} has {}",
                    groups.len(),
                    game.name_zh(),
                    pools.len()
                )]);
            }
            let mut errs = Vec::new();
            let mut canon = Vec::new();
            for (gi, (g, p)) in groups.iter().zip(pools).enumerate() {
                let which = if pools.len() > 1 {
                    format!("group {}: ", gi + 1)
                } else {
                    String::new()
                };
                let mut tokens: Vec<&str> = g.split(' ').filter(|t| !t.is_empty()).collect();
                if !p.set && tokens.len() == 1 && p.count > 1 {
                    tokens = split_chars(tokens[0]);
                }
                let mut vals = Vec::new();
                for t in &tokens {
                    match number(t) {
                        Some(v) if (p.min..=p.max).contains(&v) => {
                            if p.set && vals.contains(&v) {
                                errs.push(format!("{which}{v:02} is written twice"));
                            }
                            vals.push(v);
                        }
                        _ => errs.push(format!(
                            "{which}{t} is not a number in {:02}–{:02}",
                            p.min, p.max
                        )),
                    }
                }
                if tokens.len() != p.count as usize {
                    errs.push(format!(
                        "{which}{} number(s) written, {} draws {}",
                        tokens.len(),
                        game.name_zh(),
                        p.count
                    ));
                }
                if p.set {
                    vals.sort_unstable();
                    canon.push(
                        vals.iter()
                            .map(|v| format!("{v:02}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                } else {
                    canon.push(
                        vals.iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            Ok((canon.join(" + "), source.fixed_tenths().unwrap_or(0)))
        }
        SeedSource::Drand { round } => {
            let Some(sig) = hex48(body) else {
                return Err(vec![format!(
                    "the round's signature must be 96 hexadecimal digits, found '{body}'"
                )]);
            };
            if !verify_quicknet(*round, &sig) {
                return Err(vec![format!(
                    "the signature is not drand quicknet's signature of round {round} (checked against the chain's public key, SPEC.md §3.1)"
                )]);
            }
            Ok((body.to_ascii_lowercase(), MAX_SOURCE_TENTHS))
        }
        SeedSource::Text { .. } => {
            if body.is_empty() {
                return Err(vec!["the text is empty".to_string()]);
            }
            let tenths = seed_bits(body).saturating_mul(10).min(MAX_SOURCE_TENTHS);
            Ok((body.to_string(), tenths))
        }
    }
}

/// Each character of a token as its own token.
fn split_chars(t: &str) -> Vec<&str> {
    t.char_indices()
        .map(|(i, c)| &t[i..i + c.len_utf8()])
        .collect()
}

/// A decimal number of 1–4 ASCII digits.
fn number(t: &str) -> Option<u32> {
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// 96 hexadecimal digits as 48 bytes.
fn hex48(s: &str) -> Option<[u8; 48]> {
    if s.len() != 96 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 48];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Whether `signature` (a compressed G1 point) is drand quicknet's
/// signature of `round`: `e(signature, g2) = e(H(SHA-256(round as 8 bytes
/// big-endian)), public key)`, with `H` the RFC 9380 hash to G1
/// (`BLS12381G1_XMD:SHA-256_SSWU_RO_` with [`QUICKNET_DST`]).
///
/// ```
/// use shuangsuiji::draw::verify_quicknet;
/// // round 123, as recorded in the drand-verify crate's tests
/// let hex = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";
/// let mut sig = [0u8; 48];
/// for i in 0..48 { sig[i] = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap(); }
/// assert!(verify_quicknet(123, &sig));
/// assert!(!verify_quicknet(124, &sig));
/// ```
pub fn verify_quicknet(round: u64, signature: &[u8; 48]) -> bool {
    let Some(pk_bytes) = hex96(QUICKNET_PUBLIC_KEY) else {
        return false;
    };
    let Some(pk) = Option::<G2Affine>::from(G2Affine::from_compressed(&pk_bytes)) else {
        return false;
    };
    let Some(sig) = Option::<G1Affine>::from(G1Affine::from_compressed(signature)) else {
        return false;
    };
    let msg = Sha256::digest(round.to_be_bytes());
    let h = <G1Projective as HashToCurve<ExpandMsgXmd<Sha256>>>::hash_to_curve(
        [msg.as_slice()],
        QUICKNET_DST,
    );
    pairing(&sig, &G2Affine::generator()) == pairing(&G1Affine::from(h), &pk)
}

fn hex96(s: &str) -> Option<[u8; 96]> {
    let mut out = [0u8; 96];
    if s.len() != 192 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Game;

    fn lot(game: Game, issue: &str) -> SeedSource {
        SeedSource::Lottery {
            game,
            issue: issue.into(),
            draw_date: "2026-10-09".parse().unwrap(),
        }
    }

    fn errs(s: &[SeedSource], t: &str) -> Vec<String> {
        match read_seed(s, t) {
            Ok(_) => vec![],
            Err(e) => e
                .diagnostics()
                .unwrap()
                .iter()
                .map(|d| d.message.clone())
                .collect(),
        }
    }

    #[test]
    fn lottery_forms() {
        let s = [lot(Game::Ssq, "2026115"), lot(Game::Fc3d, "2026270")];
        let ok = read_seed(
            &s,
            "ssq 2026115: 03 09 14 22 27 31 + 08 | fc3d 2026270: 4 0 7",
        )
        .unwrap();
        assert_eq!(ok[0].tenths + ok[1].tenths, 240 + 99);
        assert_eq!(
            errs(&s, "ssq 2026115: 09 03 14 22 27 31 + 8 | fc3d 2026270: 407"),
            [
                "seed source 1 (ssq 2026115): not in canonical form (SPEC.md §3.1); write it as 'ssq 2026115: 03 09 14 22 27 31 + 08'",
                "seed source 2 (fc3d 2026270): not in canonical form (SPEC.md §3.1); write it as 'fc3d 2026270: 4 0 7'",
            ]
        );
        assert_eq!(
            errs(
                &s,
                "ssq 2026115: 03 03 14 22 27 34 + 17 | fc3d 2026271: 4 0 7"
            ),
            [
                "seed source 1 (ssq 2026115): group 1: 03 is written twice",
                "seed source 1 (ssq 2026115): group 1: 34 is not a number in 01–33",
                "seed source 1 (ssq 2026115): group 2: 17 is not a number in 01–16",
                "seed source 2 (fc3d 2026270): the part 'fc3d 2026271: 4 0 7' does not begin with 'fc3d 2026270:'",
            ]
        );
        assert_eq!(
            errs(&s, "ssq 2026115: 03 09 14 22 27 + 08 | fc3d 2026270: 4 4 4"),
            ["seed source 1 (ssq 2026115): group 1: 5 number(s) written, 福彩双色球 draws 6"]
        );
        assert_eq!(
            errs(&s, "ssq 2026115: 03 09 14 22 27 31 + 08"),
            [
                "the seed text has 1 part(s) separated by '|', but the plan declares 2 source(s): ssq 2026115, fc3d 2026270; write it as: ssq 2026115: nn nn nn nn nn nn + nn | fc3d 2026270: d d d"
            ]
        );
        assert_eq!(
            errs(
                &s,
                "ssq 2026115: 03 09 14 22 27 31 + 08|fc3d 2026270: 4 0 7"
            ),
            [
                "the parts must be separated by ' | ' (SPEC.md §3.1); write it as 'ssq 2026115: 03 09 14 22 27 31 + 08 | fc3d 2026270: 4 0 7'"
            ]
        );
    }

    #[test]
    fn text_and_dice() {
        let s = [
            SeedSource::Text {
                description: "x".into(),
            },
            SeedSource::Dice {
                count: 4,
                faces: 10,
            },
        ];
        let ok = read_seed(&s, "text: 第1期 12345 | dice: 0 9 3 3").unwrap();
        assert_eq!(ok[0].tenths, 190); // 6 digits (the 1 of 第1期 too): 19 bits
        assert_eq!(ok[1].tenths, 132);
        assert_eq!(
            errs(&s, "text: a | dice: 0939"),
            [
                "seed source 2 (dice): not in canonical form (SPEC.md §3.1); write it as 'dice: 0 9 3 9'"
            ]
        );
    }
}
