//! Deterministic synthetic plans at any scale, for trying the tool on a
//! province-sized registry and for benchmarks (`ssj synth`).
//!
//! The shape is realistic: about 100 county-level regions with Zipf-like
//! sizes, credit classes A–D (55/30/12/3 %), eight entity types, a few
//! percent deregistered, history and conflicts in proportion. Every value
//! comes from a small counter-based generator keyed by SHA-256 of the seed,
//! so the same spec always writes the same bytes.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use crate::model::check_character;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSpec {
    /// Entities in the registry.
    pub entities: u64,
    /// Seed text; the same seed gives the same files.
    pub seed: String,
    /// Items in the item list (and tasks in the plan), at most 30.
    pub items: u32,
}

impl SynthSpec {
    /// A spec with the default 30 items.
    pub fn new(entities: u64, seed: impl Into<String>) -> Self {
        SynthSpec {
            entities,
            seed: seed.into(),
            items: 30,
        }
    }
}

/// Number of regions.
const REGIONS: u64 = 100;

const TYPES: [&str; 8] = [
    "食品生产者",
    "食品经营者",
    "餐饮服务提供者",
    "药品零售企业",
    "特种设备使用单位",
    "工业产品生产者",
    "网络交易平台经营者",
    "农资经营者",
];

const INDUSTRIES: [&str; 6] = [
    "制造业",
    "批发零售",
    "住宿餐饮",
    "信息技术",
    "农林牧渔",
    "居民服务",
];

const CATEGORIES: [&str; 6] = [
    "食品安全",
    "药品监管",
    "特种设备",
    "产品质量",
    "网络交易",
    "综合执法",
];

/// A tiny deterministic generator: SHA-256 of the seed, then SplitMix64.
/// Used only for synthetic data, never for draws.
struct Gen(u64);

impl Gen {
    fn new(seed: &str, stream: &str) -> Gen {
        let h = Sha256::digest(format!("shuangsuiji/synth/{stream}/{seed}").as_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[..8]);
        Gen(u64::from_be_bytes(b))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by widening multiplication; a tiny bias is
    /// irrelevant for synthetic data.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// Region code `i` (0-based): fictional six-digit county codes.
fn region_code(i: u64) -> String {
    format!("{}", 990_101 + (i / 10) * 100 + i % 10)
}

/// Cumulative Zipf-like weights (1/(i+1)) scaled to integers.
fn region_cdf() -> Vec<u64> {
    let mut acc = 0u64;
    (0..REGIONS)
        .map(|i| {
            acc += 1_000_000 / (i + 1);
            acc
        })
        .collect()
}

fn pick_region(g: &mut Gen, cdf: &[u64]) -> usize {
    let total = *cdf.last().unwrap_or(&1);
    let x = g.below(total);
    cdf.partition_point(|&c| c <= x)
}

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The `n`th synthetic code in `region`: unique for distinct `n`.
fn uscc(n: u64, region: &str) -> String {
    let mut body = [0u8; 17];
    body[0] = b'9';
    body[1] = b'1';
    body[2..8].copy_from_slice(&region.as_bytes()[..6]);
    // 9 characters of base-31 serial number: unique up to 31^9 ≈ 2.6e13
    let mut v = n;
    for i in (8..17).rev() {
        body[i] = ALPHABET[(v % 31) as usize];
        v /= 31;
    }
    let mut s = String::with_capacity(18);
    s.push_str(std::str::from_utf8(&body).unwrap_or_default());
    s.push(check_character(&body).unwrap_or('0'));
    s
}

/// The entity types item `i` applies to.
fn item_types(i: u32) -> [&'static str; 2] {
    [TYPES[(i % 8) as usize], TYPES[((i * 3 + 1) % 8) as usize]]
}

fn item_category(i: u32) -> &'static str {
    CATEGORIES[(i % 6) as usize]
}

/// Ratios cycling through realistic provincial values.
fn item_ratio(i: u32) -> &'static str {
    ["1%", "2%", "0.5%", "3%", "5‰", "1.5%"][(i % 6) as usize]
}

/// The plan file.
pub fn plan_toml(spec: &SynthSpec) -> String {
    let mut s = format!(
        "# Synthetic plan: {} entities, {} items, seed {:?}. Fictional data written by `ssj synth`.\n\
[plan]\n\
id = \"SYNTH-{}\"\n\
title = \"合成测试计划（{} 户）\"\n\
authority = \"某省市场监督管理局（合成数据）\"\n\
period_start = 2026-10-01\n\
period_end = 2026-12-31\n\
seed_source = \"synthetic\"\n\n\
[inputs]\n\
items = \"items.csv\"\n\
officers = \"officers.csv\"\n\
entities = \"entities.csv\"\n\
history = \"history.csv\"\n\
conflicts = \"conflicts.csv\"\n\
encoding = \"utf-8\"\n\n\
[rules]\n\
team_size = 2\n\
max_per_year = 2\n\
cooldown_days = 365\n\
overlap = \"joint\"\n\
cross_region = false\n\
rotation = true\n\
stratify = \"region\"\n\n\
[rules.class_ratios]\n\
C = \"5%\"\n\
D = \"20%\"\n",
        spec.entities, spec.items, spec.seed, spec.entities, spec.entities
    );
    for i in 0..spec.items {
        s.push_str(&format!("\n[[tasks]]\nitems = [\"S-{:02}\"]\n", i + 1));
    }
    s
}

/// The item list.
pub fn write_items(spec: &SynthSpec, w: &mut impl Write) -> io::Result<()> {
    writeln!(
        w,
        "id,name,department,legal_basis,object_types,ratio,category,level"
    )?;
    for i in 0..spec.items.min(30) {
        let [a, b] = item_types(i);
        writeln!(
            w,
            "S-{:02},{}监督检查（合成）,某省市场监督管理局（合成数据）,《合成条例》第{}条,{};{},{},{},一般",
            i + 1,
            item_category(i),
            i + 10,
            a,
            b,
            item_ratio(i),
            item_category(i)
        )?;
    }
    Ok(())
}

/// The roster: per region and category two to four local officers, plus a
/// provincial pool covering everything.
pub fn write_officers(spec: &SynthSpec, w: &mut impl Write) -> io::Result<()> {
    let mut g = Gen::new(&spec.seed, "officers");
    writeln!(w, "cert_no,name,unit,categories,regions,cert_expiry")?;
    let mut n = 0u64;
    for r in 0..REGIONS {
        for (c, cat) in CATEGORIES.iter().enumerate() {
            // larger regions get more officers (up to 4 + a share of size)
            let per = 2 + g.below(3) + if r < 10 { 20 - r } else { 0 };
            for _ in 0..per {
                n += 1;
                // one value per officer (local_officers replays this)
                let second = CATEGORIES[(c + 1 + g.below(5) as usize) % 6];
                writeln!(
                    w,
                    "S{:08},执法人员{:06},{}市场监管所,{};{},{},2029-12-31",
                    n,
                    n,
                    region_code(r),
                    cat,
                    second,
                    region_code(r)
                )?;
            }
        }
    }
    for _ in 0..20 {
        n += 1;
        writeln!(
            w,
            "S{:08},执法人员{:06},省局执法总队,{},*,2029-12-31",
            n,
            n,
            CATEGORIES.join(";")
        )?;
    }
    Ok(())
}

/// One synthetic registry row.
struct Row {
    uscc: String,
    region: String,
    types: String,
    industry: &'static str,
    class: &'static str,
    flags: [&'static str; 3],
    status: &'static str,
}

/// The `n`th row; consumes a fixed sequence of values from `g`, so the
/// history and conflict writers can replay the registry.
fn entity_row(g: &mut Gen, cdf: &[u64], n: u64) -> Row {
    let region = region_code(pick_region(g, cdf) as u64);
    let t1 = TYPES[g.below(8) as usize];
    let t2 = TYPES[g.below(8) as usize];
    let types = if g.chance(200) && t2 != t1 {
        format!("{t1};{t2}")
    } else {
        t1.to_string()
    };
    let class = match g.below(100) {
        0..=54 => "A",
        55..=84 => "B",
        85..=96 => "C",
        _ => "D",
    };
    let mut flag = |pm| if g.chance(pm) { "是" } else { "否" };
    let flags = [flag(20), flag(30), flag(3)];
    let status = if g.chance(30) { "注销" } else { "存续" };
    let industry = INDUSTRIES[g.below(6) as usize];
    Row {
        uscc: uscc(n, &region),
        region,
        types,
        industry,
        class,
        flags,
        status,
    }
}

/// The registry, rows in generation order (not sorted), as real exports are.
pub fn write_entities(spec: &SynthSpec, w: &mut impl Write) -> io::Result<()> {
    let mut g = Gen::new(&spec.seed, "entities");
    let cdf = region_cdf();
    writeln!(
        w,
        "uscc,name,types,region,industry,credit_class,complaints,abnormal,serious_violation,status"
    )?;
    for n in 0..spec.entities {
        let r = entity_row(&mut g, &cdf, n);
        write_row(w, &r, n)?;
    }
    Ok(())
}

/// The registry as a reader that generates rows as they are read: the same
/// bytes as [`write_entities`], without holding them (for streaming tests
/// and benchmarks).
///
/// ```
/// use std::io::Read;
/// use shuangsuiji::synthetic::{SynthSpec, entities_reader, write_entities};
/// let spec = SynthSpec::new(1000, "s");
/// let mut a = Vec::new();
/// entities_reader(&spec).read_to_end(&mut a).unwrap();
/// let mut b = Vec::new();
/// write_entities(&spec, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn entities_reader(spec: &SynthSpec) -> EntitiesReader {
    let mut buf = Vec::new();
    buf.extend_from_slice(
        b"uscc,name,types,region,industry,credit_class,complaints,abnormal,serious_violation,status\n",
    );
    EntitiesReader {
        g: Gen::new(&spec.seed, "entities"),
        cdf: region_cdf(),
        next: 0,
        total: spec.entities,
        buf,
        pos: 0,
    }
}

/// See [`entities_reader`].
pub struct EntitiesReader {
    g: Gen,
    cdf: Vec<u64>,
    next: u64,
    total: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl std::fmt::Debug for EntitiesReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitiesReader")
            .field("next", &self.next)
            .field("total", &self.total)
            .finish()
    }
}

impl io::Read for EntitiesReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            while self.buf.len() < 64 * 1024 && self.next < self.total {
                let r = entity_row(&mut self.g, &self.cdf, self.next);
                write_row(&mut self.buf, &r, self.next)?;
                self.next += 1;
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn write_row(w: &mut impl Write, r: &Row, n: u64) -> io::Result<()> {
    writeln!(
        w,
        "{},合成市场主体{:09}有限公司,{},{},{},{},{},{},{},{}",
        r.uscc,
        n,
        r.types,
        r.region,
        r.industry,
        r.class,
        r.flags[0],
        r.flags[1],
        r.flags[2],
        r.status
    )
}

/// Past inspections: about 1 % of entities, one item each, dated in the
/// year before the period (some inside the cool-down).
pub fn write_history(spec: &SynthSpec, w: &mut impl Write) -> io::Result<()> {
    let mut rows = Gen::new(&spec.seed, "entities");
    let mut g = Gen::new(&spec.seed, "history");
    let cdf = region_cdf();
    writeln!(w, "uscc,item,date,officers")?;
    let items = spec.items.clamp(1, 30);
    for n in 0..spec.entities {
        let r = entity_row(&mut rows, &cdf, n);
        if g.chance(10) {
            let item = g.below(u64::from(items)) as u32;
            let month = 1 + g.below(12);
            let day = 1 + g.below(28);
            writeln!(
                w,
                "{},S-{:02},2025-{:02}-{:02},",
                r.uscc,
                item + 1,
                month,
                day
            )?;
        }
    }
    Ok(())
}

/// Number of local officers `write_officers` writes before the provincial
/// pool.
fn local_officers(seed: &str) -> u64 {
    let mut og = Gen::new(seed, "officers");
    let mut n = 0;
    for r in 0..REGIONS {
        for _ in 0..CATEGORIES.len() {
            let per = 2 + og.below(3) + if r < 10 { 20 - r } else { 0 };
            for _ in 0..per {
                og.next();
                n += 1;
            }
        }
    }
    n
}

/// Conflict pairs: about one per 10,000 entities, with provincial officers.
pub fn write_conflicts(spec: &SynthSpec, w: &mut impl Write) -> io::Result<()> {
    let mut rows = Gen::new(&spec.seed, "entities");
    let mut g = Gen::new(&spec.seed, "conflicts");
    let cdf = region_cdf();
    let local = local_officers(&spec.seed);
    writeln!(w, "cert_no,uscc,reason")?;
    for n in 0..spec.entities {
        let r = entity_row(&mut rows, &cdf, n);
        if g.below(10_000) == 0 {
            let officer = local + 1 + g.below(20);
            writeln!(w, "S{:08},{},利害关系", officer, r.uscc)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(spec: &SynthSpec) -> std::collections::BTreeMap<&'static str, Vec<u8>> {
        let mut m = std::collections::BTreeMap::new();
        let mut b = Vec::new();
        write_items(spec, &mut b).unwrap();
        m.insert("items.csv", std::mem::take(&mut b));
        write_officers(spec, &mut b).unwrap();
        m.insert("officers.csv", std::mem::take(&mut b));
        write_entities(spec, &mut b).unwrap();
        m.insert("entities.csv", std::mem::take(&mut b));
        write_history(spec, &mut b).unwrap();
        m.insert("history.csv", std::mem::take(&mut b));
        write_conflicts(spec, &mut b).unwrap();
        m.insert("conflicts.csv", b);
        m
    }

    #[test]
    fn a_synthetic_plan_loads_and_is_deterministic() {
        let spec = SynthSpec::new(20_000, "t");
        let f = files(&spec);
        assert_eq!(f, files(&spec));
        assert_ne!(
            f["entities.csv"],
            files(&SynthSpec::new(20_000, "u"))["entities.csv"]
        );
        let ds = crate::Dataset::load("plan.toml", &plan_toml(&spec), |name| {
            Ok(Box::new(std::io::Cursor::new(f[name].clone())) as Box<dyn std::io::Read>)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ds.entities.len(), 20_000);
        assert_eq!(ds.items.len(), 30);
        assert!(
            ds.history.len() > 100 && ds.history.len() < 300,
            "{}",
            ds.history.len()
        );
        let regions: std::collections::BTreeSet<&str> =
            ds.entities.iter().map(|e| e.region.as_str()).collect();
        assert!(regions.len() > 90);
        // skewed: the largest region is much larger than the median
        let largest = ds.entities.iter().filter(|e| e.region == "990101").count();
        assert!(largest > 20_000 / 10, "{largest}");
    }

    #[test]
    fn codes_are_valid_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..2000 {
            let c = uscc(n, "990101");
            assert_eq!(crate::model::validate_uscc(&c), Ok(()), "{c}");
            assert!(seen.insert(c));
        }
    }
}
