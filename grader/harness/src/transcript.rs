//! The conversation of a check: who did what, in order, with bytes shown so that a student can read
//! them (`grader → 14 bytes "Hello, server!"`). Non-printable bytes are escaped and long payloads
//! are cut with a count of what was left out.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::protocol::{Event, EventLog};

/// How many bytes of a payload are shown before it is cut.
pub const SHOWN_BYTES: usize = 64;

/// Who acted in a line of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Who {
    /// The grader: its sockets, its calls into student code.
    Grader,
    /// The student's code: what it sent, returned, printed or how it panicked.
    Student,
    /// A handler of the grader's that student code calls (an accept loop hands it each client):
    /// the bytes it writes are the grader's, though they pass through student code's connection.
    GraderHandler,
}

/// One line of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Who acted.
    pub who: Who,
    /// What happened, e.g. `14 bytes "Hello, server!"`.
    pub text: String,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.who {
            Who::Grader => "grader   ",
            Who::Student => "your code",
            Who::GraderHandler => "grader's handler",
        };
        write!(f, "{who} → {}", self.text)
    }
}

/// `14 bytes "Hello, server!"`: a payload with its length, escaped and cut at [`SHOWN_BYTES`].
pub fn show_bytes(bytes: &[u8]) -> String {
    match bytes.len() {
        0 => "0 bytes".to_owned(),
        1 => format!("1 byte {}", quote(bytes, SHOWN_BYTES)),
        n => format!("{n} bytes {}", quote(bytes, SHOWN_BYTES)),
    }
}

/// Quotes bytes as a Rust-like string literal: printable text as is, `\n`, `\r`, `\t`, `\0`, `\\`
/// and `\"` escaped, invalid UTF-8 and other control bytes (escape, delete, C1 controls) as `\xNN`,
/// so that what a peer sent can never move the cursor or recolor the terminal. Beyond `limit`
/// bytes the text is cut and ends with `… (N more bytes)`.
pub fn quote(bytes: &[u8], limit: usize) -> String {
    let shown = &bytes[..bytes.len().min(limit)];
    let mut out = String::with_capacity(shown.len() + 2);
    out.push('"');
    for chunk in shown.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\0' => out.push_str("\\0"),
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    match bytes.len() - shown.len() {
        0 => {}
        1 => out.push_str("… (1 more byte)"),
        left_out => out.push_str(&format!("… ({left_out} more bytes)")),
    }
    out
}

/// A handle on the conversation of the running check, cheap to clone into threads: every line is
/// written to the event log at once, so that a check killed for its time limit still shows what
/// happened before.
#[derive(Clone)]
pub struct Transcript {
    log: Arc<Mutex<EventLog>>,
}

impl Transcript {
    /// A transcript writing into `log`.
    pub fn new(log: EventLog) -> Self {
        Transcript { log: Arc::new(Mutex::new(log)) }
    }

    /// Records a line.
    pub fn say(&self, who: Who, text: impl Into<String>) {
        let line = Line { who, text: text.into() };
        // A poisoned lock only means another thread panicked while logging; the log is still usable.
        self.log.lock().unwrap_or_else(PoisonError::into_inner).append(&Event::Line(line));
    }

    /// Records a final event (the verdict).
    pub fn finish(&self, event: &Event) {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).append(event);
    }

    /// The lines recorded so far, for in-process use.
    pub fn lines(&self) -> Vec<Line> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).lines()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_is_shown_as_is() {
        assert_eq!(show_bytes(b"Hello, server!"), r#"14 bytes "Hello, server!""#);
    }

    #[test]
    fn control_bytes_and_quotes_are_escaped() {
        assert_eq!(quote(b"a\n\r\t\0\"\\\x07", 64), r#""a\n\r\t\0\"\\\x07""#);
    }

    #[test]
    fn invalid_utf8_is_shown_as_hex_and_valid_utf8_kept() {
        assert_eq!(quote(&[0xff, b'o', b'k', 0xc3], 64), r#""\xffok\xc3""#);
        assert_eq!(quote("café".as_bytes(), 64), "\"café\"");
    }

    #[test]
    fn long_payloads_are_cut_with_a_count() {
        let payload = vec![b'x'; 100];
        let shown = show_bytes(&payload);
        assert!(shown.starts_with("100 bytes \"xxxx"), "{shown}");
        assert!(shown.ends_with("\"… (36 more bytes)"), "{shown}");
        assert_eq!(shown.matches('x').count(), SHOWN_BYTES);
    }

    #[test]
    fn cutting_inside_a_character_escapes_the_partial_bytes() {
        // "é" is two bytes; a limit of 2 keeps "a" and the first byte of "é".
        assert_eq!(quote("aé".as_bytes(), 2), r#""a\xc3"… (1 more byte)"#);
    }

    #[test]
    fn terminal_escapes_delete_and_c1_controls_are_shown_as_hex() {
        // ESC [2J would clear the student's screen if it were printed raw.
        assert_eq!(quote(b"\x1b[2Jok\x7f", 64), r#""\x1b[2Jok\x7f""#);
        // U+0085 (NEXT LINE) is a control character encoded in two bytes.
        assert_eq!(quote("a\u{85}b".as_bytes(), 64), r#""a\xc2\x85b""#);
    }

    #[test]
    fn a_payload_of_exactly_the_limit_is_not_cut() {
        let payload = vec![b'y'; SHOWN_BYTES];
        let shown = show_bytes(&payload);
        assert_eq!(shown, format!("{SHOWN_BYTES} bytes \"{}\"", "y".repeat(SHOWN_BYTES)));
        let one_more = show_bytes(&[payload.as_slice(), b"z"].concat());
        assert!(one_more.ends_with("\"… (1 more byte)"), "{one_more}");
    }

    #[test]
    fn the_cut_counts_bytes_not_characters_and_escapes_do_not_use_up_the_limit() {
        // Four escaped newlines are four bytes of payload, though eight characters on screen.
        assert_eq!(quote(b"\n\n\n\nabc", 4), r#""\n\n\n\n"… (3 more bytes)"#);
        // "é" is two bytes: a cut after it leaves the count of the rest in bytes.
        assert_eq!(quote("éé".as_bytes(), 2), r#""é"… (2 more bytes)"#);
    }

    #[test]
    fn empty_and_single_byte_payloads_read_naturally() {
        assert_eq!(show_bytes(b""), "0 bytes");
        assert_eq!(show_bytes(b"\n"), r#"1 byte "\n""#);
    }

    #[test]
    fn lines_name_who_acted() {
        let line = Line { who: Who::Student, text: "closed the connection".into() };
        assert_eq!(line.to_string(), "your code → closed the connection");
        let line = Line { who: Who::Grader, text: "connect 127.0.0.1:4000".into() };
        assert_eq!(line.to_string(), "grader    → connect 127.0.0.1:4000");
        let line = Line { who: Who::GraderHandler, text: "3 bytes \"hi\\n\"".into() };
        assert_eq!(line.to_string(), "grader's handler → 3 bytes \"hi\\n\"");
    }
}
