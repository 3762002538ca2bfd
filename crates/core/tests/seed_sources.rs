//! Declared seed sources (SPEC.md §3.1) on the sample: honest bit counts
//! against the guard, and a drand quicknet round verified offline.

use std::io::Read;

use shuangsuiji::draw::{declared_bits, draw_unchecked, verify_quicknet};
use shuangsuiji::verify::compare_results;
use shuangsuiji::{Commitment, Dataset, ErrorKind, Seed, SeedStrength};

/// drand quicknet round 123 and its signature, as recorded in the tests and
/// documentation of the `drand-verify` crate (0.6.2, `src/verify.rs`, from
/// `https://api3.drand.sh/52db9ba7…/public/123`). Published at
/// 1692803733 = 2023-08-23 23:15:33 +08:00.
const ROUND_123_SIG: &str = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/youyu-forestry/");

/// The sample plan with `extra` appended (seed source declarations) and
/// its date replaced by `date`.
fn sample_with(date: &str, extra: &str) -> Dataset {
    let text = std::fs::read_to_string(format!("{DIR}plan.toml")).unwrap();
    let text = text.replace("date = 2026-10-09", &format!("date = {date}")) + extra;
    Dataset::load("plan.toml", &text, |name| {
        Ok(Box::new(std::fs::File::open(format!("{DIR}{name}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

const KL8: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"kl8\"\nissue = \"2026270\"\ndraw_date = 2026-10-09\n";
const SSQ: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"ssq\"\nissue = \"2026116\"\ndraw_date = 2026-10-09\n";
const DLT: &str = "\n[[seed_sources]]\ntype = \"lottery\"\ngame = \"dlt\"\nissue = \"26116\"\ndraw_date = 2026-10-09\n";

const KL8_OUT: &str = "kl8 2026270: 02 05 11 14 19 23 27 30 34 38 41 45 52 56 60 63 67 71 75 79";
const SSQ_OUT: &str = "ssq 2026116: 04 09 16 21 28 33 + 11";
const DLT_OUT: &str = "dlt 26116: 03 12 19 27 35 + 04 09";

fn sample() -> Dataset {
    sample_with("2026-10-09", "")
}

#[test]
fn one_evening_of_three_lotteries_passes_a_96_bit_draw() {
    let ds = sample_with("2026-10-09", &format!("{KL8}{SSQ}{DLT}"));
    let seed: Seed = format!("{KL8_OUT} | {SSQ_OUT} | {DLT_OUT}")
        .parse()
        .unwrap();
    let draw = ds.draw(&seed, &ds.commit()).unwrap();
    let s = draw.strength();
    assert_eq!(s.required, 96);
    // 61.6 + 24.0 + 24.3 = 109.9
    let tenths: Vec<u32> = draw
        .result()
        .seed
        .sources
        .iter()
        .map(|o| o.tenths)
        .collect();
    assert_eq!(tenths, [616, 240, 243]);
    assert_eq!(s.bits, 109);
    assert_eq!(declared_bits(&draw.result().seed.sources), 109);
    // by the digit rule the same text would claim far more
    assert!(seed.bits() > 200);
}

#[test]
fn a_published_bit_count_that_was_changed_is_a_difference() {
    let ds = sample_with("2026-10-09", &format!("{KL8}{SSQ}{DLT}"));
    let seed = format!("{KL8_OUT} | {SSQ_OUT} | {DLT_OUT}");
    let honest = draw_unchecked(&ds, &seed).unwrap();
    let mut inflated = honest.clone();
    inflated.seed.sources[1].tenths = 460; // the digit rule's 46 bits for 双色球
    let c = compare_results(&inflated, &honest);
    assert!(!c.is_match());
    assert_eq!(c.difference.unwrap().location, "seed.sources");
}

#[test]
fn without_dlt_the_seed_is_refused() {
    let ds = sample_with("2026-10-09", &format!("{KL8}{SSQ}"));
    let seed: Seed = format!("{KL8_OUT} | {SSQ_OUT}").parse().unwrap();
    let e = ds.draw(&seed, &ds.commit()).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::WeakSeed {
                bits: 85,
                required: 96
            }
        ),
        "{e}"
    );
}

#[test]
fn declarations_change_only_their_own_plans() {
    // the sample without declaration keeps its digest and draw bytes
    let plain = sample();
    let declared = sample_with("2026-10-09", KL8);
    assert_ne!(plain.digests().plan, declared.digests().plan);
    let again = sample_with("2026-10-09", "");
    assert_eq!(plain.digests(), again.digests());
    let r = draw_unchecked(&plain, "2026-Q4 424242").unwrap();
    assert!(r.seed.sources.is_empty());
    assert!(!r.to_canonical_json().contains("\"sources\""));
    // the commitment carries the declaration only when there is one
    assert!(!plain.commit().to_canonical_json().contains("seed_sources"));
    let c = declared.commit().to_canonical_json();
    assert!(c.contains(r#""seed_sources":[{"draw_date":"2026-10-09","game":"kl8","issue":"2026270","type":"lottery"}]"#), "{c}");
    // and a commitment made without it does not match the declared plan
    let diff = plain.commit().diff(&declared);
    assert_eq!(diff[0].what, "plan.seed_sources");
}

#[test]
fn a_malformed_outcome_names_its_source() {
    let ds = sample_with("2026-10-09", &format!("{KL8}{SSQ}{DLT}"));
    let bad = format!("{KL8_OUT} | ssq 2026116: 04 09 16 21 28 34 + 11 | {DLT_OUT}");
    let e = draw_unchecked(&ds, &bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "1 error(s) in the inputs:\nseed: seed_sources[2]: error: seed source 2 (ssq 2026116): group 1: 34 is not a number in 01–33"
    );
}

#[test]
fn a_source_known_before_the_plan_date_is_refused() {
    let text = std::fs::read_to_string(format!("{DIR}plan.toml")).unwrap()
        + KL8
        + "\n[[seed_sources]]\ntype = \"drand\"\nround = 123\n";
    let text = text.replace("draw_date = 2026-10-09", "draw_date = 2026-10-08");
    let e = shuangsuiji::Plan::from_toml("plan.toml", &text).unwrap_err();
    let msgs: Vec<String> = e
        .diagnostics()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        msgs,
        [
            format!(
                "plan.toml:{}: seed_sources[1]: error: kl8 2026270: draw_date 2026-10-08 is before the plan date 2026-10-09: the result may already be known when the plan is committed",
                text.lines().position(|l| l == "[[seed_sources]]").unwrap() + 1
            ),
            format!(
                "plan.toml:{}: seed_sources[2]: error: drand 123: the round is published at 2023-08-23 23:15:33 +08:00, before the plan date 2026-10-09 begins (00:00 +08:00): choose a later round",
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| *l == "[[seed_sources]]")
                    .last()
                    .unwrap()
                    .0
                    + 1
            ),
        ]
    );
}

fn sig_bytes(hex: &str) -> [u8; 48] {
    let mut sig = [0u8; 48];
    for (i, b) in sig.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    sig
}

#[test]
fn recorded_quicknet_round_verifies() {
    let sig = sig_bytes(ROUND_123_SIG);
    assert!(verify_quicknet(123, &sig));
    assert!(!verify_quicknet(122, &sig));
    let mut bad = sig;
    bad[47] ^= 1;
    assert!(!verify_quicknet(123, &bad));
}

#[test]
fn drand_seeded_draw_verifies_offline_and_a_changed_byte_is_refused() {
    // the plan is dated the day round 123 was published (Beijing time)
    let ds = sample_with(
        "2023-08-23",
        "\n[[seed_sources]]\ntype = \"drand\"\nround = 123\n",
    );
    let seed = format!("drand 123: {ROUND_123_SIG}");
    let commitment: Commitment = ds.commit();
    let draw = ds.draw(&seed.parse().unwrap(), &commitment).unwrap();
    assert_eq!(
        draw.strength(),
        SeedStrength {
            bits: 256,
            required: 96
        }
    );
    // a verifier re-runs it from the published seed text alone
    let again = draw_unchecked(&ds, &draw.result().seed.text).unwrap();
    assert!(compare_results(draw.result(), &again).is_match());
    assert!(commitment.check_result(draw.result()).is_empty());

    // one byte of the signature changed: refused by the draw and by a
    // verifier re-running the published result
    let mut tampered = seed.clone();
    let at = tampered.len() - 2;
    let flipped = if &tampered[at..] == "92" { "93" } else { "92" };
    tampered.replace_range(at.., flipped);
    let e = ds
        .draw(&tampered.parse().unwrap(), &commitment)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "1 error(s) in the inputs:\nseed: seed_sources[1]: error: seed source 1 (drand 123): the signature is not drand quicknet's signature of round 123 (checked against the chain's public key, SPEC.md §3.1)"
    );
    assert!(draw_unchecked(&ds, &tampered).is_err());
}

/// Rounds 32285085 and 32285086 (published 2026-09-17 23:23:39 and
/// 23:23:42 +08:00), as recorded from api.drand.sh in a public
/// repository; they verify against the quicknet key, so they are real.
#[test]
fn recorded_2026_quicknet_rounds_verify() {
    let a = sig_bytes(
        "81dbce51d584d90d618547f4b50391d53ace6f6b9aeb8fb67e1879427af9d0310ac0ec6f519271d9a313ee84b378d416",
    );
    let b = sig_bytes(
        "a64d99fd7fa3e48912be7209c7b69c72c88fc5224be2516949b6f29f3a4b7e3fa069dd58b2bbb4bf2c34ae61ef631a44",
    );
    assert!(verify_quicknet(32_285_085, &a));
    assert!(verify_quicknet(32_285_086, &b));
    assert!(!verify_quicknet(32_285_086, &a));
}
