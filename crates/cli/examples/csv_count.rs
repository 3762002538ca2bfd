//! The benchmark baseline (benches/scale.sh): count the records of a CSV
//! file with the `csv` crate's `read_byte_record`, doing nothing else.
//!
//! `cargo run --release --example csv_count -- FILE`

use std::io::Write;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        let _ = writeln!(std::io::stderr(), "usage: csv_count FILE");
        std::process::exit(2);
    };
    let mut rdr = match csv::ReaderBuilder::new().has_headers(true).from_path(&path) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut rec = csv::ByteRecord::new();
    let mut n: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => n += 1,
            Ok(false) => break,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "{path}: {e}");
                std::process::exit(2);
            }
        }
    }
    let _ = writeln!(std::io::stdout(), "{n}");
}
