//! Value-stability vectors (SPEC.md §11). These values are part of the
//! algorithm `ssj-draw-v1`: if one changes, the algorithm changed.

use std::io::Read;

use shuangsuiji::commit::digest::hex;
use shuangsuiji::draw::keys::{WordStream, draw_key, officer_stream_key, task_key, ticket};
use shuangsuiji::draw::{draw_unchecked, normalize_seed};
use shuangsuiji::{ALGORITHM, Dataset, InputDigests};

/// RFC 8439 §2.3 ChaCha20 block function, written out independently.
fn chacha20_block(key: &[u8; 32], counter: u32, nonce: &[u8; 12]) -> [u32; 16] {
    fn qr(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }
    let le = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let mut st = [0u32; 16];
    st[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    for i in 0..8 {
        st[4 + i] = le(&key[4 * i..]);
    }
    st[12] = counter;
    for i in 0..3 {
        st[13 + i] = le(&nonce[4 * i..]);
    }
    let mut w = st;
    for _ in 0..10 {
        qr(&mut w, 0, 4, 8, 12);
        qr(&mut w, 1, 5, 9, 13);
        qr(&mut w, 2, 6, 10, 14);
        qr(&mut w, 3, 7, 11, 15);
        qr(&mut w, 0, 5, 10, 15);
        qr(&mut w, 1, 6, 11, 12);
        qr(&mut w, 2, 7, 8, 13);
        qr(&mut w, 3, 4, 9, 14);
    }
    for i in 0..16 {
        w[i] = w[i].wrapping_add(st[i]);
    }
    w
}

fn test_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = i as u8;
    }
    k
}

#[test]
fn rfc8439_block_function_known_answer() {
    // RFC 8439 §2.3.2
    let nonce = [0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0];
    let w = chacha20_block(&test_key(), 1, &nonce);
    assert_eq!(
        &w[..4],
        &[0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3]
    );
}

#[test]
fn chacha20_stream_words() {
    let mut s = WordStream::new(test_key());
    let words: Vec<u32> = (0..8).map(|_| s.next_word()).collect();
    let hexwords: Vec<String> = words.iter().map(|w| format!("{w:08x}")).collect();
    assert_eq!(hexwords.join(" "), FIRST_WORDS);
    // the stream is the RFC 8439 block function with nonce 0, counter 0, 1, …
    let mut s = WordStream::new(test_key());
    for block in 0..3u32 {
        let want = chacha20_block(&test_key(), block, &[0; 12]);
        for w in want {
            assert_eq!(s.next_word(), w);
        }
    }
}

const FIRST_WORDS: &str = "7d2bfd39 6a19c5d9 7703bd8d 494adcb8 6fd8358a cc6adebc 4c7dccb2 9224ead8";

#[test]
fn bounded_integers() {
    let mut s = WordStream::new(test_key());
    let got: Vec<u64> = [1u64, 2, 3, 6, 7, 10, 1000, 3_000_000_000]
        .iter()
        .map(|&n| s.below(n))
        .collect();
    assert_eq!(format!("{got:?}"), BOUNDED);
    assert_eq!(s.words_used(), BOUNDED_WORDS);
}

const BOUNDED: &str = "[0, 1, 2, 2, 4, 0, 818, 2451892952]";
const BOUNDED_WORDS: u64 = 8;

fn digests() -> InputDigests {
    let h = |c: char| c.to_string().repeat(64);
    InputDigests {
        plan: h('0'),
        items: h('1'),
        officers: h('2'),
        entities: h('3'),
        history: h('4'),
        conflicts: h('5'),
    }
}

#[test]
fn keys_and_tickets() {
    let seed = normalize_seed(" 07 23　４１ ");
    assert_eq!(seed, "07 23 41");
    let dk = draw_key(ALGORITHM, &seed, &digests());
    assert_eq!(hex(&dk), DRAW_KEY);
    let tk = task_key(&dk, "YYLY-09+YYSC-01");
    assert_eq!(hex(&tk), TASK_KEY);
    let t = ticket(&tk, "91140623MA0X67CD1P");
    assert_eq!(hex(&t), TICKET);
    assert_eq!(hex(&officer_stream_key(&dk)), OFFICER_KEY);
}

const DRAW_KEY: &str = "c47e9a7f8a1bb1a2673872f7f9ad411bc57eabcecd2356496ca5a4280fcf5068";
const TASK_KEY: &str = "5d2cee046764deab872756facf89164dcaa99e867e4e8979d8224c67d7ed0773";
const TICKET: &str = "f2a47d61bec9d253e71ddcf64996248a69a1a2572264ab3be66f68e032c7e60f";
const OFFICER_KEY: &str = "a3872566b4a83d725b4ea005c8c49c59029188a8246bbd01da39192886ea4303";

fn vector_dir(name: &str) -> String {
    format!("{}/../../tests/vectors/{name}/", env!("CARGO_MANIFEST_DIR"))
}

/// Loads the plan and inputs of the vector in `tests/vectors/{name}/`.
fn load_vector(name: &str) -> Dataset {
    let dir = vector_dir(name);
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    Dataset::load("plan.toml", &text, |file| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{file}"))?) as Box<dyn Read>)
    })
    .unwrap()
}

/// Draws the vector in `tests/vectors/{name}/` and compares the canonical
/// JSON result byte for byte with its `expected.json`. With `SSJ_BLESS=1`
/// the expected file is rewritten first (review the diff!).
fn check_vector(name: &str) {
    let dir = vector_dir(name);
    let ds = load_vector(name);
    let seed = std::fs::read_to_string(format!("{dir}seed.txt")).unwrap();
    let json = draw_unchecked(&ds, seed.trim_end_matches('\n'))
        .unwrap()
        .to_canonical_json();
    let path = format!("{dir}expected.json");
    if std::env::var_os("SSJ_BLESS").is_some() {
        std::fs::write(&path, format!("{json}\n")).unwrap();
    }
    let want = std::fs::read(&path).unwrap();
    assert!(
        want == format!("{json}\n").into_bytes(),
        "{name}: result differs from {path} (canonical JSON + one line feed)"
    );
}

#[test]
fn small_plan_vector() {
    check_vector("small");
}

/// The item ratio forms (SPEC.md §1.4) in one draw: a minimum `≥20%`, a
/// range `10%-30%` with the plan's 25%, a count `不少于3户` with the plan's
/// 4, a ratio with a frequency `30%;2次/年`, no number with the plan's 50%
/// as batch 3 of 4 of the year (§6.5) with two entities of the earlier
/// batches in the history.
#[test]
fn item_forms_vector() {
    check_vector("item-forms");
    let ds = load_vector("item-forms");
    let cells: Vec<String> = ds.items().iter().map(|i| i.ratio.canonical()).collect();
    assert_eq!(
        cells,
        ["0.2", "0.1-0.3", "count>=3", "0.3;2次/年", "unspecified"]
    );
    let seed = std::fs::read_to_string(format!("{}seed.txt", vector_dir("item-forms"))).unwrap();
    let r = draw_unchecked(&ds, seed.trim_end_matches('\n')).unwrap();
    let totals: Vec<u64> = r.tasks.iter().map(|t| t.total).collect();
    // ceil(20% × 9), ceil(25% × 9), the count 4, ceil(30% × 9), and the
    // batch: ceil(50% × (7 + 2) × 3/4) − 2
    assert_eq!(totals, [2, 3, 4, 3, 2]);
    let b = r.tasks[4].batch.as_ref().unwrap();
    assert_eq!(
        (b.share.as_str(), b.year, b.through, b.earlier),
        ("3/4", 5, 4, 2)
    );
    assert_eq!(r.tasks[4].exclusions.excluded.get("drawn"), Some(&2));
}

/// Per-group ratios inside an item (SPEC.md §6.1): by object type (an
/// entity with two graded types takes the larger ratio, one with two
/// equal ratios the bytewise smaller type), by industry (a
/// value no entity has), by region as batch 2 of 4 (§6.5), with the class
/// ratio of D taking precedence over every group.
#[test]
fn groups_vector() {
    check_vector("groups");
    let ds = load_vector("groups");
    let seed = std::fs::read_to_string(format!("{}seed.txt", vector_dir("groups"))).unwrap();
    let r = draw_unchecked(&ds, seed.trim_end_matches('\n')).unwrap();
    let totals: Vec<u64> = r.tasks.iter().map(|t| t.total).collect();
    // G-01: D 12 of 12, 三级 ceil(50% × 5), 二级 ceil(30% × 11), 一级
    // ceil(30% × 5), others ceil(10% × 4); G-02: D 1, 药品零售 ceil(20% × 2), others
    // ceil(10% × 5); G-03 (batch 2/4): D ceil(12 × 1/2), 新城镇
    // ceil(40% × 6 × 1/2), others ceil(10% × 19 × 1/2) − 3 earlier = 0
    assert_eq!(totals, [22, 3, 8]);
    // (base, drawn) of each value group of a task
    let group = |t: usize, v: &str| -> (u64, u64) {
        r.tasks[t]
            .allocation
            .iter()
            .filter(|a| a.group.as_deref() == Some(v))
            .fold((0, 0), |(b, d), a| (b + a.base, d + a.drawn))
    };
    // entity 22 (types 二级 and 三级) is in 三级, the larger ratio
    assert_eq!(group(0, "三级"), (5, 3));
    assert_eq!(group(0, "二级"), (11, 4));
    // entity 11 (types 二级 and 一级, both 30%) is in 一级, the bytewise
    // smaller
    assert_eq!(group(0, "一级"), (5, 2));
    assert_eq!(group(1, "药品零售"), (2, 1));
    assert_eq!(group(1, "航天"), (0, 0));
    assert_eq!(group(2, "新城镇"), (6, 2));
    assert!(
        r.tasks[0]
            .allocation
            .iter()
            .any(|a| a.stratum == "右卫镇/types=三级" && a.class.is_none())
    );
    let b = r.tasks[2].batch.as_ref().unwrap();
    assert_eq!((b.year, b.through, b.earlier), (17, 9, 3));
}

/// An item list cell with ratios per group (SPEC.md §1.4 per-group form):
/// the `groups` vector with G-01's cell the published wording; the task
/// states the group ratios and the ratio of the rest, so the counts are
/// those of `groups`.
#[test]
fn group_cells_vector() {
    check_vector("group-cells");
    let ds = load_vector("group-cells");
    assert_eq!(
        ds.item("G-01").unwrap().ratio.canonical(),
        "per-group:每年对三级定点医疗机构抽查比例之和>=0.5,二级>=0.3,抽取一定比例的一级"
    );
    let seed = std::fs::read_to_string(format!("{}seed.txt", vector_dir("group-cells"))).unwrap();
    let r = draw_unchecked(&ds, seed.trim_end_matches('\n')).unwrap();
    let totals: Vec<u64> = r.tasks.iter().map(|t| t.total).collect();
    assert_eq!(totals, [22, 3, 8]);
}

/// overlap = next, stratify = none, every directed filter, cool-down and
/// yearly-cap boundaries, min_count above the ratio total, key max_count.
#[test]
fn edge_next_vector() {
    check_vector("edge-next");
}

/// plan.date certificate expiry, rotation, slot order, binding load cap,
/// §8.4 repairs within and between visits.
#[test]
fn edge_repair_vector() {
    check_vector("edge-repair");
}

/// Declared seed sources (SPEC.md §3.1): one of each kind, canonical forms,
/// per-source bits, a real drand quicknet round with its signature.
#[test]
fn sources_vector() {
    check_vector("sources");
}

/// The reading rules (SPEC.md §1.2, §1.4, §1.6, §1.7, §2.3): encodings
/// (UTF-8 with BOM, GBK undeclared, UTF-16LE), CRLF and lone CR, blank
/// records, header notes, lenient quotes, whitespace code points, value
/// spellings and plan strings. The inputs are generated by the vector's
/// `make.py`.
#[test]
fn edge_reading_vector() {
    check_vector("edge-reading");
    let ds = load_vector("edge-reading");
    // items, officers, history and conflicts are small's records, written
    // differently (conflict reasons differ: they are not encoded)
    let small = load_vector("small");
    assert_eq!(ds.digests().items, small.digests().items);
    assert_eq!(ds.digests().officers, small.digests().officers);
    assert_eq!(ds.digests().history, small.digests().history);
    assert_eq!(ds.digests().conflicts, small.digests().conflicts);
    assert_ne!(ds.conflicts()[1].reason, small.conflicts()[1].reason);
    // plan strings: trimmed of White_Space only (U+200B kept), inner runs kept
    let p = ds.plan();
    assert_eq!(p.id, "VEC-EDGE-READING");
    assert_eq!(p.title, "\u{200B} edge\u{3000}\u{3000}reading");
    assert_eq!(p.authority, "某县林业局（测试）");
    assert_eq!(p.seed_source, "test vector\u{200B}");
    assert_eq!(
        shuangsuiji::commit::digest::plan_canonical_json(p),
        EDGE_READING_PLAN_JSON
    );
    // cells: text after a closing quote appended, bare and doubled quotes
    // kept, every space of §1.2 trimmed and inner runs collapsed
    let name = |uscc: &str| {
        let e = ds.entities().iter().find(|e| e.uscc == uscc).unwrap();
        (e.name.as_str(), e.industry.as_str(), e.region.as_str())
    };
    assert_eq!(name("92140623MA0B48E93B").0, "右玉县德润养殖场");
    assert_eq!(
        name("91140623MA004BM92C"),
        ("右玉县德润通信工程有限公司", "信息传输", "右卫镇")
    );
    assert_eq!(
        name("91140623MA0KX09K62"),
        ("右玉县春晖通信工程有限公司", "信息 传输", "右卫镇")
    );
    assert_eq!(name("92140623MA0R7PK313").0, "右玉县\"老字号\"木材店");
    assert_eq!(name("92140623MA0R7PK326").0, "右玉县\"松涛\"林场");
    assert_eq!(name("92140623MA0R7PK339").0, "右玉县云\"杉\"苗圃");
    assert_eq!(name("92140623MA0R7PK34C").0, "右玉县 红星 锯木厂 二分厂");
    assert_eq!(ds.entities().len(), 18);
}

/// The canonical JSON of the edge-reading plan (SPEC.md §2.3).
const EDGE_READING_PLAN_JSON: &str = concat!(
    "{\"authority\":\"某县林业局（测试）\",\"date\":\"2026-10-01\",\"id\":\"VEC-EDGE-READING\",",
    "\"period_end\":\"2026-12-31\",\"period_start\":\"2026-10-01\",",
    "\"rules\":{\"class_ratios\":{\"D\":\"1\"},\"cooldown_days\":365,",
    "\"cross_region\":false,\"max_per_year\":2,\"officer_max_load\":4,",
    "\"overlap\":\"joint\",\"rotation\":true,\"stratify\":\"region\",",
    "\"team_size\":2},\"seed_source\":\"test vector\u{200B}\",\"tasks\":[{\"credit_classes\":[],",
    "\"flags\":[],\"industries\":[],\"items\":[\"V-01\"],\"regions\":[\"右卫 镇\",",
    "\"右卫镇\",\"新城镇\"],\"types\":[]},{\"credit_classes\":[\"A\",\"B\",",
    "\"C\",\"D\"],\"flags\":[],\"industries\":[],\"items\":[\"V-02\"],",
    "\"regions\":[],\"types\":[\"木材经营加工单位\"]}],\"title\":\"\u{200B} edge\u{3000}\u{3000}reading\"}",
);

/// A registry of grid cells (SPEC.md §1.8): `[registry] scheme = "grid"`
/// with a pattern, codes written in lower case and full width, the
/// scheme's headers (网格编号) and a USCC column that is not the id.
#[test]
fn units_vector() {
    use shuangsuiji::commit::digest::{Canonical, digest_records, digest_records_in};
    use shuangsuiji::draw::ticket_in;
    check_vector("units");
    let ds = load_vector("units");
    let json = shuangsuiji::commit::digest::plan_canonical_json(ds.plan());
    assert!(
        json.contains(r#""registry":{"pattern":"WG-####-?#","scheme":"grid"}"#),
        "{json}"
    );
    // codes are id()-normalised: lower case and full width read as the code
    let codes: Vec<&str> = ds.entities().iter().map(|e| e.uscc.as_str()).collect();
    assert!(codes.contains(&"WG-0101-02") && codes.contains(&"WG-0101-A3"));
    // the scheme is part of every record and ticket: the same rows read as
    // USCCs would hash differently
    assert_ne!(
        hex(&digest_records(ds.entities())),
        ds.digests().entities,
        "the entity digest must carry the scheme"
    );
    assert_eq!(
        hex(&digest_records_in(ds.entities(), "grid:")),
        ds.digests().entities
    );
    assert_eq!(ds.entities()[0].record_hash_in("grid:"), {
        let mut e = ds.entities()[0].clone();
        e.uscc = format!("grid:{}", e.uscc);
        e.record_hash()
    });
    let seed = std::fs::read_to_string(format!("{}seed.txt", vector_dir("units"))).unwrap();
    let r = draw_unchecked(&ds, &seed).unwrap();
    assert_eq!(
        r.plan.registry.as_ref().map(|g| g.scheme.as_str()),
        Some("grid")
    );
    let dk: [u8; 32] = (0..32)
        .map(|i| u8::from_str_radix(&r.draw_key[2 * i..2 * i + 2], 16).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    for v in &r.visits {
        for s in &v.selections {
            let tk = task_key(&dk, &s.task);
            assert_eq!(hex(&ticket_in(&tk, "grid:", &v.uscc)), s.ticket);
            assert_eq!(hex(&ticket(&tk, &format!("grid:{}", v.uscc))), s.ticket);
            assert_ne!(hex(&ticket(&tk, &v.uscc)), s.ticket);
        }
    }
}

/// `[registry] scheme = "uscc"` written out is the default: the plan's
/// canonical JSON, every digest and the draw are those of the plan
/// without the table (SPEC.md §1.8, §2.3).
#[test]
fn an_explicit_uscc_scheme_changes_nothing() {
    let dir = vector_dir("small");
    let text = std::fs::read_to_string(format!("{dir}plan.toml")).unwrap();
    let text = text.replace(
        "\n[rules]\n",
        "\n[registry]\nscheme = \"uscc\"\n\n[rules]\n",
    );
    assert!(text.contains("[registry]"));
    let ds = Dataset::load("plan.toml", &text, |file| {
        Ok(Box::new(std::fs::File::open(format!("{dir}{file}"))?) as Box<dyn Read>)
    })
    .unwrap();
    let plain = load_vector("small");
    assert_eq!(ds.digests(), plain.digests());
    let seed = std::fs::read_to_string(format!("{dir}seed.txt")).unwrap();
    let json = draw_unchecked(&ds, seed.trim_end_matches('\n'))
        .unwrap()
        .to_canonical_json();
    assert_eq!(
        format!("{json}\n").into_bytes(),
        std::fs::read(format!("{dir}expected.json")).unwrap()
    );
}
