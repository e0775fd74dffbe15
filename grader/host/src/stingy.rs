//! In-memory endpoints that move only a few bytes per call, as a TCP socket may: what a host hands
//! to student code that takes a `Read` or a `Write`, so that code reading once instead of looping,
//! or writing once instead of `write_all`, shows its mistake every time instead of by luck.

use std::io::{self, Read, Write};

/// A reader that hands out at most `max` bytes per `read` call: code that reads once instead of
/// looping gets only the first piece.
pub struct StingyReader {
    data: Vec<u8>,
    at: usize,
    max: usize,
}

impl StingyReader {
    /// Serves `data` `max` bytes at a time (at least one), then end of file.
    pub fn new(data: Vec<u8>, max: usize) -> Self {
        StingyReader { data, at: 0, max: max.max(1) }
    }
}

impl Read for StingyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A writer that accepts at most `max` bytes per `write` call: code that writes once instead of
/// using `write_all` loses the rest.
pub struct StingyWriter {
    /// Everything written so far.
    pub written: Vec<u8>,
    max: usize,
}

impl StingyWriter {
    /// Accepts `max` bytes per call (at least one).
    pub fn new(max: usize) -> Self {
        StingyWriter { written: Vec::new(), max: max.max(1) }
    }
}

impl Write for StingyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stingy_endpoints_move_few_bytes_per_call() {
        let mut reader = StingyReader::new(b"abcdef".to_vec(), 4);
        let mut buf = [0; 16];
        assert_eq!(reader.read(&mut buf).unwrap(), 4);
        assert_eq!(reader.read(&mut buf).unwrap(), 2);
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
        let mut writer = StingyWriter::new(3);
        assert_eq!(writer.write(b"abcdef").unwrap(), 3);
        writer.write_all(b"xyz1").unwrap();
        assert_eq!(writer.written, b"abcxyz1");
    }
}
