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
//! Given a folder a draw published from this registry (FOLDER), it also
//! measures what that draw must do beyond the one-item draw, and prints
//! its floor:
//!
//! - **tickets**: one single-block SHA-256 per eligible (entity, task)
//!   pair, as many as the tasks of the folder's `result.json` count
//!   eligible;
//! - **files**: every published file but the registry (whose copy is
//!   above) written from memory 1 MiB at a time, hashed as written (for
//!   `SHA256SUMS`) and fsynced;
//! - **deflate**: each entry of the folder's `result.xlsx` compressed again
//!   from its XML with the workbook's compression (the zip crate's
//!   deflate at its default level; the entries' headers may differ, not
//!   their compression): the workbook's bytes are fixed by the
//!   publication, so this is part of any draw that writes them.
//!
//! The folder's floor is the pass's (`max(parse, (parse + hashes +
//! tickets + sort + copy) / 2)`) plus the publication's (`(files +
//! deflate) / 2`): nothing of the publication can start before the draw
//! ends, nor any formatting of the visits be done in no time.
//!
//! `cargo run --release --example floor -- FILE [TMPDIR [FOLDER]]`

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
        fail("usage: floor FILE [TMPDIR [FOLDER]]".into())
    };
    let tmp: std::path::PathBuf = args.next().map_or_else(std::env::temp_dir, Into::into);
    let folder = args.next().map(std::path::PathBuf::from);
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

    let Some(folder) = folder else { return };
    let pairs = eligible_pairs(&folder.join("result.json"));
    let t = Instant::now();
    // the record hashes stand in for the codes, over and over
    for (_, h) in (0..pairs).zip(hashes.iter().cycle()) {
        let ticket: [u8; 32] = Sha256::digest(&h[..20]).into();
        acc ^= ticket[0];
    }
    let tickets = t.elapsed().as_millis();
    let skip = std::path::Path::new(&path).file_name();
    let (files, count, bytes) = write_files(&folder, skip, &tmp);
    let (deflate, entries, plain, packed, was) = deflate_book(&folder.join("result.xlsx"));
    let pass = parse.max((parse + record_hash + tickets + sort + copy) / 2);
    let publication = (files + deflate) / 2;
    let _ = writeln!(
        out,
        "folder {}\ntickets ({pairs} eligible pairs) {}\nfiles ({count} but the registry, {bytes} bytes: written, SHA-256, fsync) {}\ndeflate ({entries} entries of result.xlsx, {plain} bytes to {packed}; {was} in the folder) {}\nfloor, the folder's draw, 2 cores {} ({} × parse): pass {}, publication {}\n(check byte {acc:02x})",
        folder.display(),
        s(tickets),
        s(files),
        s(deflate),
        s(pass + publication),
        x(pass + publication),
        s(pass),
        s(publication),
    );
}

/// The eligible (entity, task) pairs of a draw: the sum of its tasks'
/// `exclusions.eligible` (the visits are read past, not held).
fn eligible_pairs(result: &std::path::Path) -> u64 {
    #[derive(serde::Deserialize)]
    struct Result {
        tasks: Vec<Task>,
    }
    #[derive(serde::Deserialize)]
    struct Task {
        exclusions: Exclusions,
    }
    #[derive(serde::Deserialize)]
    struct Exclusions {
        eligible: u64,
    }
    let shown = result.display();
    let f = std::fs::File::open(result).unwrap_or_else(|e| fail(format!("{shown}: {e}")));
    let r: Result = serde_json::from_reader(std::io::BufReader::with_capacity(1 << 20, f))
        .unwrap_or_else(|e| fail(format!("{shown}: {e}")));
    r.tasks.iter().map(|t| t.exclusions.eligible).sum()
}

/// Every file of `folder` but `skip`, written again into `tmp` from
/// memory 1 MiB at a time, hashed as written and fsynced, as a draw
/// publishes it: the time (each file read in first, not timed), the
/// files and their bytes.
fn write_files(
    folder: &std::path::Path,
    skip: Option<&std::ffi::OsStr>,
    tmp: &std::path::Path,
) -> (u128, usize, u64) {
    let shown = folder.display();
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| fail(format!("{shown}: {e}")))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name() != skip)
        .collect();
    names.sort();
    let (mut took, mut bytes) = (std::time::Duration::ZERO, 0u64);
    let dest = tmp.join(format!("ssj-floor-{}.out", std::process::id()));
    for p in &names {
        let data = std::fs::read(p).unwrap_or_else(|e| fail(format!("{}: {e}", p.display())));
        bytes += data.len() as u64;
        let t = Instant::now();
        let mut f = std::fs::File::create(&dest)
            .unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
        let mut sum = Sha256::new();
        for chunk in data.chunks(1 << 20) {
            sum.update(chunk);
            f.write_all(chunk)
                .unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
        }
        f.sync_all()
            .unwrap_or_else(|e| fail(format!("{}: {e}", dest.display())));
        let h: [u8; 32] = sum.finalize().into();
        took += t.elapsed();
        std::hint::black_box(h);
        drop(f);
        let _ = std::fs::remove_file(&dest);
    }
    (took.as_millis(), names.len(), bytes)
}

/// Each entry of the workbook `book` compressed again from its XML with
/// the workbook's compression: the time (each entry read in first, not
/// timed), the entries, their bytes before and after, and their
/// compressed bytes in the folder.
fn deflate_book(book: &std::path::Path) -> (u128, usize, u64, u64, u64) {
    let shown = book.display();
    let f = std::fs::File::open(book).unwrap_or_else(|e| fail(format!("{shown}: {e}")));
    let mut zip = zip::ZipArchive::new(f).unwrap_or_else(|e| fail(format!("{shown}: {e}")));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(None)
        .large_file(true);
    let (mut took, mut plain, mut packed, mut was) = (std::time::Duration::ZERO, 0u64, 0u64, 0u64);
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .unwrap_or_else(|e| fail(format!("{shown}: {e}")));
        was += entry.compressed_size();
        let name = entry
            .name()
            .unwrap_or_else(|e| fail(format!("{shown}: {e}")))
            .to_string();
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .unwrap_or_else(|e| fail(format!("{shown}: {name}: {e}")));
        drop(entry);
        plain += data.len() as u64;
        let t = Instant::now();
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(name.as_str(), options)
            .and_then(|()| w.write_all(&data).map_err(Into::into))
            .unwrap_or_else(|e| fail(format!("{shown}: {name}: {e}")));
        let out = w
            .finish()
            .unwrap_or_else(|e| fail(format!("{shown}: {name}: {e}")));
        took += t.elapsed();
        packed += out.get_ref().len() as u64;
    }
    (took.as_millis(), zip.len(), plain, packed, was)
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
