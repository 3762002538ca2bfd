//! # shuangsuiji-web — `verify_bundle` for the offline page `verify.html`
//!
//! Built for `wasm32-unknown-unknown` with no bindings generator: the page's
//! small JavaScript glue (`page/verify.js`) talks to three exported
//! functions over the module's memory.
//!
//! | export | what |
//! |---|---|
//! | `ssj_alloc(len: u32) -> u32` | a zeroed buffer of `len` bytes; its address |
//! | `ssj_verify(ptr: u32, len: u32, lang: u32) -> u32` | verify the archive held in the buffer at `ptr` (the buffer is consumed); the address of the answer |
//! | `ssj_free(ptr: u32)` | release a buffer or an answer |
//!
//! The archive ([`encode_archive`]): for each file, `u32le` name length,
//! the name (UTF-8), `u32le` data length, the data. `lang` is 0 for
//! Chinese, 1 for English. The answer: `u32le` length, then that many bytes
//! of JSON: `{"text": …, "verdict": …}` where `verdict` is
//! [`BundleVerdict::to_json`] and `text` is [`BundleVerdict::render`] in
//! `lang` (see [`verify_archive`]).
//!
//! No `unsafe`: every buffer is a `Vec<u8>` owned by a registry keyed by
//! its address; JavaScript writes the archive into the buffer's bytes
//! through the memory it sees, and Rust finds the buffer again by address.
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use shuangsuiji_disclose::Lang;
use shuangsuiji_disclose::bundle::{
    BundleError, BundleErrorKind, BundleFiles, BundleVerdict, verify_bundle,
};

/// The buffers handed out, by address.
static BUFFERS: Mutex<BTreeMap<usize, Vec<u8>>> = Mutex::new(BTreeMap::new());

fn buffers() -> std::sync::MutexGuard<'static, BTreeMap<usize, Vec<u8>>> {
    BUFFERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keep `data` alive and return its address.
fn hand_out(mut data: Vec<u8>) -> u32 {
    if data.is_empty() {
        // an empty Vec has no address of its own
        data.reserve(1);
    }
    let ptr = data.as_mut_ptr() as usize;
    buffers().insert(ptr, data);
    ptr as u32
}

/// A zeroed buffer of `len` bytes for the archive; its address.
// an export the page calls by name: the only use of `unsafe` (the attribute)
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn ssj_alloc(len: u32) -> u32 {
    hand_out(vec![0; len as usize])
}

/// Release a buffer or an answer.
// an export the page calls by name: the only use of `unsafe` (the attribute)
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn ssj_free(ptr: u32) {
    buffers().remove(&(ptr as usize));
}

/// Verify the archive in the buffer at `ptr` (its first `len` bytes; the
/// buffer is released) and return the address of the answer: `u32le`
/// length, then the JSON of [`verify_archive`]. An unknown `ptr` gives an
/// answer with bad input.
// an export the page calls by name: the only use of `unsafe` (the attribute)
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn ssj_verify(ptr: u32, len: u32, lang: u32) -> u32 {
    let buffer = buffers().remove(&(ptr as usize)).unwrap_or_default();
    let archive = buffer.get(..len as usize).unwrap_or_default();
    let lang = if lang == 1 { Lang::En } else { Lang::Zh };
    let json = verify_archive(archive, lang);
    drop(buffer);
    let mut answer = Vec::with_capacity(4 + json.len());
    answer.extend_from_slice(&(json.len() as u32).to_le_bytes());
    answer.extend_from_slice(json.as_bytes());
    hand_out(answer)
}

/// The archive of a set of files (see the crate documentation).
pub fn encode_archive<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

/// Read an archive back; the error says at which byte it is cut or bad.
pub fn decode_archive(mut archive: &[u8]) -> Result<BundleFiles, String> {
    let total = archive.len();
    let mut files = BundleFiles::new();
    fn take<'a>(a: &mut &'a [u8], n: usize, total: usize) -> Result<&'a [u8], String> {
        if a.len() < n {
            return Err(format!(
                "the archive is cut off at byte {total}: {n} more bytes expected at byte {}",
                total - a.len()
            ));
        }
        let (head, rest) = a.split_at(n);
        *a = rest;
        Ok(head)
    }
    fn u32le(a: &mut &[u8], total: usize) -> Result<usize, String> {
        let b = take(a, 4, total)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    while !archive.is_empty() {
        let n = u32le(&mut archive, total)?;
        let at = total - archive.len();
        let name = std::str::from_utf8(take(&mut archive, n, total)?)
            .map_err(|_| format!("the file name at byte {at} is not UTF-8"))?
            .to_string();
        let d = u32le(&mut archive, total)?;
        let data = take(&mut archive, d, total)?.to_vec();
        if files.insert(name.clone(), data).is_some() {
            return Err(format!("the archive holds '{name}' twice"));
        }
    }
    Ok(files)
}

/// Verify an archive: `{"text": <render(lang)>, "verdict": <to_json()>}`
/// (keys in this order, the verdict embedded as its canonical JSON). A bad
/// archive is a verdict with one error of kind `malformed` on the file
/// `<archive>`.
///
/// ```
/// use shuangsuiji_disclose::Lang;
/// let json = shuangsuiji_web::verify_archive(&[1, 0], Lang::En);
/// assert!(json.starts_with("{\"text\":\"CANNOT VERIFY"));
/// assert!(json.contains("\"exit_code\":2"));
/// ```
pub fn verify_archive(archive: &[u8], lang: Lang) -> String {
    let verdict = match decode_archive(archive) {
        Ok(files) => verify_bundle(&files),
        Err(message) => BundleVerdict {
            errors: vec![BundleError {
                kind: BundleErrorKind::Malformed,
                file: "<archive>".into(),
                line: None,
                column: None,
                field: None,
                message,
            }],
            ..BundleVerdict::default()
        },
    };
    let text = serde_json_string(&verdict.render(lang));
    format!("{{\"text\":{text},\"verdict\":{}}}", verdict.to_json())
}

/// A string as a JSON string literal.
fn serde_json_string(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
