//! Streaming decoding of CSV bytes to UTF-8: BOM handling, detection of
//! GBK/GB18030, and errors on invalid bytes with the line they are on.

use std::io::{self, Read};

use encoding_rs::{DecoderResult, Encoding as Enc, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use crate::model::Encoding;

/// How many bytes are examined to detect the encoding.
const SNIFF: usize = 64 * 1024;

/// What the decoder found out about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The encoding in use.
    pub encoding: &'static Enc,
    /// Whether a byte-order mark was present.
    pub bom: bool,
}

impl Detected {
    /// A short name for summaries: `UTF-8`, `UTF-8 (BOM)`, `GB18030`, …
    pub(crate) fn describe(&self) -> String {
        let name = if self.encoding == GB18030 {
            "GBK/GB18030"
        } else {
            self.encoding.name()
        };
        if self.bom {
            format!("{name} (BOM)")
        } else {
            name.to_string()
        }
    }
}

/// A reader that yields UTF-8, failing with [`InvalidBytes`] (inside an
/// `io::Error` of kind `InvalidData`) at the first malformed sequence.
pub(crate) struct DecodingReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    detected: Detected,
    /// Undecoded input bytes.
    inbuf: Vec<u8>,
    in_pos: usize,
    in_eof: bool,
    /// Decoded output not yet handed out.
    outbuf: Vec<u8>,
    out_pos: usize,
    /// Newlines handed out so far (for error lines).
    newlines: u64,
    /// The previous decoded byte was a CR (turned into LF); an LF right
    /// after it belongs to the same line ending.
    after_cr: bool,
    /// The last byte decoded so far.
    last_byte: Option<u8>,
    /// Bytes handed out since the last newline.
    line_len: u64,
    /// The longest line accepted.
    max_line: u64,
    done: bool,
}

/// Invalid bytes for the encoding, at a 1-based line.
#[derive(Debug)]
pub(crate) struct InvalidBytes {
    pub line: u64,
    pub bytes: Vec<u8>,
    pub encoding: &'static Enc,
}

impl std::fmt::Display for InvalidBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex: Vec<String> = self.bytes.iter().map(|b| format!("0x{b:02X}")).collect();
        write!(
            f,
            "invalid {} bytes {}",
            if self.encoding == GB18030 {
                "GBK/GB18030"
            } else {
                self.encoding.name()
            },
            hex.join(" ")
        )
    }
}

impl std::error::Error for InvalidBytes {}

impl<R: Read> DecodingReader<R> {
    /// Sniff the start of `inner` and set up decoding.
    pub(crate) fn new(mut inner: R, declared: Encoding) -> io::Result<Self> {
        let mut head = Vec::with_capacity(SNIFF);
        (&mut inner).take(SNIFF as u64).read_to_end(&mut head)?;
        let in_eof = head.len() < SNIFF;
        let (bom_enc, bom_len) = match Enc::for_bom(&head) {
            Some((e, n)) => (Some(e), n),
            None => (None, 0),
        };
        let encoding = match (declared, bom_enc) {
            (_, Some(e)) if e == UTF_16LE || e == UTF_16BE => e,
            (Encoding::Utf8, _) => UTF_8,
            (Encoding::Gbk | Encoding::Gb18030, None) => GB18030,
            (Encoding::Gbk | Encoding::Gb18030, Some(_)) => UTF_8,
            (Encoding::Auto, Some(e)) => e,
            (Encoding::Auto, None) => {
                // valid UTF-8 (a sequence cut by the sniff window is fine) → UTF-8
                match std::str::from_utf8(&head) {
                    Ok(_) => UTF_8,
                    Err(e) if e.error_len().is_none() && !in_eof => UTF_8,
                    Err(_) => GB18030,
                }
            }
        };
        let detected = Detected {
            encoding,
            bom: bom_len > 0,
        };
        Ok(DecodingReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            detected,
            inbuf: head,
            in_pos: bom_len,
            in_eof,
            outbuf: Vec::new(),
            out_pos: 0,
            newlines: 0,
            line_len: 0,
            last_byte: None,
            after_cr: false,
            max_line: u64::MAX,
            done: false,
        })
    }

    /// Turn CRLF and lone CR line endings into LF, in place. Values are
    /// whitespace-normalised later, so this changes no value; it keeps line
    /// numbers right for files written by Excel on Windows or old Macs.
    fn normalize_newlines(&mut self) {
        if !self.after_cr && !self.outbuf.contains(&b'\r') {
            return;
        }
        let mut w = 0;
        for r in 0..self.outbuf.len() {
            let b = self.outbuf[r];
            if self.after_cr && b == b'\n' {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            self.outbuf[w] = if b == b'\r' { b'\n' } else { b };
            w += 1;
        }
        self.outbuf.truncate(w);
    }

    /// Fail with [`LineTooLong`] on a line longer than `max` bytes (UTF-8).
    pub(crate) fn with_max_line(mut self, max: u64) -> Self {
        self.max_line = max;
        self
    }

    pub(crate) fn detected(&self) -> Detected {
        self.detected
    }

    fn fill(&mut self) -> io::Result<()> {
        // refill input if we have little left
        if !self.in_eof && self.inbuf.len() - self.in_pos < 8 * 1024 {
            self.inbuf.drain(..self.in_pos);
            self.in_pos = 0;
            let start = self.inbuf.len();
            self.inbuf.resize(start + SNIFF, 0);
            let mut filled = start;
            while filled < self.inbuf.len() {
                let n = self.inner.read(&mut self.inbuf[filled..])?;
                if n == 0 {
                    self.in_eof = true;
                    break;
                }
                filled += n;
            }
            self.inbuf.truncate(filled);
        }
        let src = &self.inbuf[self.in_pos..];
        self.outbuf.clear();
        self.out_pos = 0;
        self.outbuf.resize(
            self.decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len() * 3 + 16)
                .max(16),
            0,
        );
        let (res, read, written) =
            self.decoder
                .decode_to_utf8_without_replacement(src, &mut self.outbuf, self.in_eof);
        self.in_pos += read;
        self.outbuf.truncate(written);
        self.normalize_newlines();
        if let Some(&b) = self.outbuf.last() {
            self.last_byte = Some(b);
        }
        match res {
            DecoderResult::InputEmpty => {
                if self.in_eof {
                    self.done = true;
                    // end every file with a line break, so that every CSV
                    // record is terminated (the table layer derives line
                    // numbers from that)
                    let last = self.outbuf.last().copied().or(self.last_byte);
                    if last.is_some_and(|b| b != b'\n') {
                        self.outbuf.push(b'\n');
                    }
                }
            }
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(bad, _after) => {
                let newlines_before =
                    self.newlines + self.outbuf.iter().filter(|&&b| b == b'\n').count() as u64;
                let end = self.in_pos;
                let start = end.saturating_sub(usize::from(bad) + usize::from(_after));
                let bytes = self.inbuf[start..end.min(start + usize::from(bad))].to_vec();
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    InvalidBytes {
                        line: newlines_before + 1,
                        bytes,
                        encoding: self.detected.encoding,
                    },
                ));
            }
        }
        Ok(())
    }
}

/// A line longer than the configured limit.
#[derive(Debug)]
pub(crate) struct LineTooLong {
    pub line: u64,
    pub limit: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line is longer than {} bytes (max_line_bytes under [inputs] of the plan); is this really a CSV export?",
            self.limit
        )
    }
}

impl std::error::Error for LineTooLong {}

impl<R: Read> DecodingReader<R> {
    fn too_long(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            LineTooLong {
                line: self.newlines + 1,
                limit: self.max_line,
            },
        )
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.outbuf.len() {
            if self.done {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.outbuf.len() - self.out_pos);
        let chunk = &self.outbuf[self.out_pos..self.out_pos + n];
        match memchr::memrchr(b'\n', chunk) {
            // no line can be longer than the limit: count, don't measure
            Some(last) if self.line_len + chunk.len() as u64 <= self.max_line => {
                self.newlines += memchr::memchr_iter(b'\n', &chunk[..=last]).count() as u64;
                self.line_len = (chunk.len() - last - 1) as u64;
            }
            Some(last) => {
                // lines ending inside this chunk, then the new tail
                let mut len = self.line_len;
                for &b in &chunk[..=last] {
                    if b == b'\n' {
                        self.newlines += 1;
                        len = 0;
                    } else {
                        len += 1;
                        if len > self.max_line {
                            return Err(self.too_long());
                        }
                    }
                }
                self.line_len = (chunk.len() - last - 1) as u64;
            }
            None => self.line_len += chunk.len() as u64,
        }
        if self.line_len > self.max_line {
            return Err(self.too_long());
        }
        buf[..n].copy_from_slice(chunk);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], enc: Encoding) -> io::Result<(String, Detected)> {
        let mut r = DecodingReader::new(bytes, enc)?;
        let mut s = String::new();
        r.read_to_string(&mut s)?;
        Ok((s, r.detected()))
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let (s, d) = decode("名称\n".as_bytes(), Encoding::Auto).unwrap();
        assert_eq!((s.as_str(), d.bom), ("名称\n", false));
        let (s, d) = decode(b"\xEF\xBB\xBFname\n", Encoding::Auto).unwrap();
        assert_eq!((s.as_str(), d.bom, d.encoding), ("name\n", true, UTF_8));
    }

    #[test]
    fn gbk_detected_and_declared() {
        let (gbk, _, _) = GB18030.encode("名称,区域\n右玉县\n");
        let (s, d) = decode(&gbk, Encoding::Auto).unwrap();
        assert_eq!(s, "名称,区域\n右玉县\n");
        assert_eq!(d.encoding, GB18030);
        let (s, _) = decode(&gbk, Encoding::Gbk).unwrap();
        assert_eq!(s, "名称,区域\n右玉县\n");
    }

    #[test]
    fn gbk_read_as_utf8_names_the_line() {
        let (gbk, _, _) = GB18030.encode("a,b\nc,d\n名称\n");
        let err = decode(&gbk, Encoding::Utf8).unwrap_err();
        let inner = err
            .get_ref()
            .unwrap()
            .downcast_ref::<InvalidBytes>()
            .unwrap();
        assert_eq!(inner.line, 3);
        assert_eq!(inner.bytes, vec![0xC3]);
    }

    #[test]
    fn crlf_and_cr_become_lf() {
        let (s, _) = decode(b"a,b\r\nc,d\re,f\n\r\n", Encoding::Auto).unwrap();
        assert_eq!(s, "a,b\nc,d\ne,f\n\n");
        // a final line break is added when missing
        let (s, _) = decode(b"a,b\r\nc,d", Encoding::Auto).unwrap();
        assert_eq!(s, "a,b\nc,d\n");
        let (s, _) = decode(b"", Encoding::Auto).unwrap();
        assert_eq!(s, "");
    }

    #[test]
    fn long_input_crosses_buffers() {
        let mut text = String::new();
        for i in 0..50_000 {
            text.push_str(&format!("{i},右玉县林业局\n"));
        }
        let (gbk, _, _) = GB18030.encode(&text);
        let (s, _) = decode(&gbk, Encoding::Auto).unwrap();
        assert_eq!(s, text);
        let (s, _) = decode(text.as_bytes(), Encoding::Auto).unwrap();
        assert_eq!(s, text);
    }
}
