//! The floor of a draw on this machine (benches/scale.sh, BENCHMARKS.md):
//! each unavoidable part of a one-item draw measured alone on a registry
//! file, on one thread.
//!
//! - **parse**: split the CSV into records (`read_byte_record`, as
//!   `csv_count`);
//! - **hash**: one SHA-256 per record over as many bytes as the record
//!   (the canonical record hash of the digest) and one single-block SHA-256
//!   per record (the ticket of one task);
//! - **sort**: sort the record hashes (the set digest sorts them);
//! - **copy**: copy the file (in the kernel, `copy_file_range`, as `ssj`
//!   does), read the copy back for its SHA-256 and fsync it (the registry
//!   as published in the output folder); the file's SHA-256 alone is
//!   printed too.
//!
//! It prints each time and two floors for two cores: the one-pass draw
//! (`max(parse, (parse + hash + sort + copy) / 2)`) and the commit (the
//! same without tickets).
//!
//! `cargo run --release --example floor -- FILE [TMPDIR]`

use std::io::{Read, Write};
use std::time::Instant;

use sha2::{Digest, Sha256};

fn fail(msg: String) -> ! {
    let _ = writeln!(std::io::stderr(), "{msg}");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        fail("usage: floor FILE [TMPDIR]".into())
    };
    let tmp = args.next().map_or_else(std::env::temp_dir, Into::into);
    let mut out = std::io::stdout();

    // parse (and keep each record's length for the hashing below)
    let t = Instant::now();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(&path)
        .unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let mut rec = csv::ByteRecord::new();
    let mut lens: Vec<u32> = Vec::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => lens.push(rec.as_slice().len() as u32),
            Ok(false) => break,
            Err(e) => fail(format!("{path}: {e}")),
        }
    }
    let parse = t.elapsed().as_millis();
    let n = lens.len();

    // record hashes over as many bytes as the canonical record (SPEC.md
    // §2.1: the tag, then 12 fields of a 4-byte length and the text; the
    // record's cells are the text) and one ticket each
    let t = Instant::now();
    let filler = vec![0x5au8; 4096];
    let mut hashes: Vec<[u8; 32]> = Vec::with_capacity(n);
    for (i, &len) in lens.iter().enumerate() {
        let mut h = Sha256::new();
        h.update(b"shuangsuiji/v1/record/entity");
        h.update((i as u64).to_be_bytes());
        h.update(&filler[..(len as usize + 40).min(filler.len())]);
        hashes.push(h.finalize().into());
    }
    let record_hash = t.elapsed().as_millis();
    let t = Instant::now();
    let mut acc = 0u8;
    for h in &hashes {
        let ticket: [u8; 32] = Sha256::digest(&h[..20]).into();
        acc ^= ticket[0];
    }
    let ticket = t.elapsed().as_millis();

    let t = Instant::now();
    hashes.sort_unstable();
    let sort = t.elapsed().as_millis();

    // the file's SHA-256 alone (read from the page cache)
    let t = Instant::now();
    acc ^= hash_file(path.as_ref())[0];
    let file_hash = t.elapsed().as_millis();

    // the published copy: copied by the kernel, hashed as read back, fsync
    let t = Instant::now();
    let dest = tmp.join(format!("ssj-floor-{}.csv", std::process::id()));
    let mut dst =
        std::fs::File::create(&dest).unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
    let mut src = std::fs::File::open(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    std::io::copy(&mut src, &mut dst).unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
    let digest = hash_file(&dest);
    dst.sync_all()
        .unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
    let copy = t.elapsed().as_millis();
    let _ = std::fs::remove_file(&dest);

    let draw = parse.max((parse + record_hash + ticket + sort + copy) / 2);
    let commit = parse.max((parse + record_hash + sort + copy) / 2);
    let s = |ms: u128| format!("{}.{:02} s", ms / 1000, ms % 1000 / 10);
    let x = |ms: u128| format!("{}.{:02}", ms / parse.max(1), ms * 100 / parse.max(1) % 100);
    let _ = writeln!(
        out,
        "records {n}\nparse {}\nrecord hashes {}\ntickets (one task) {}\nsort {}\nfile SHA-256 alone {}\ncopy (kernel copy, SHA-256 read back, fsync) {}\nfloor, one-item draw, 2 cores {} ({} × parse)\nfloor, commit, 2 cores {} ({} × parse)\n(check bytes {acc:02x} {:02x})",
        s(parse),
        s(record_hash),
        s(ticket),
        s(sort),
        s(file_hash),
        s(copy),
        s(draw),
        x(draw),
        s(commit),
        x(commit),
        digest[0]
    );
}

/// The SHA-256 of the file `path`, read 1 MiB at a time.
fn hash_file(path: &std::path::Path) -> [u8; 32] {
    let shown = path.display();
    let mut src = std::fs::File::open(path).unwrap_or_else(|e| fail(format!("{shown}: {e}")));
    let mut buf = vec![0u8; 1 << 20];
    let mut sum = Sha256::new();
    loop {
        let k = src
            .read(&mut buf)
            .unwrap_or_else(|e| fail(format!("{shown}: {e}")));
        if k == 0 {
            break;
        }
        sum.update(&buf[..k]);
    }
    sum.finalize().into()
}
