//! How a judge tells the grading process what happened: JSON lines on the judge's standard output
//! (a pipe only the judge holds), one event per line, written as the check goes. The verdict is
//! the last event; output without one means the judge ended early (killed for its time limit).
//!
//! Student code never runs in the judge, and its output goes to pipes of its own. As a second
//! line, a verdict counts only if it carries the judge's *seal*: a random value the grading process
//! hands the judge on standard input, which the judge reads before it starts any student code and
//! keeps in a process no peer can read. A line written by anything else lacks it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::Fail;
use crate::report::Output;
use crate::transcript::Line;

/// One event of a check run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A line of the conversation.
    Line(Line),
    /// The check finished: `fail` is `None` when it passed.
    Verdict {
        /// Why it failed, if it did.
        fail: Option<Fail>,
        /// The seal the grading process gave the judge ([`new_seal`]).
        #[serde(default)]
        seal: String,
        /// What student code printed on its standard output in the host.
        #[serde(default)]
        stdout: Output,
        /// What student code printed on its standard error in the host.
        #[serde(default)]
        stderr: Output,
    },
}

/// A fresh random seal for one run: 128 bits from the system's random source, in hex.
pub fn new_seal() -> String {
    let mut bytes = [0u8; 16];
    let random = File::open("/dev/urandom").and_then(|mut source| source.read_exact(&mut bytes));
    if random.is_err() {
        // No /dev/urandom: the standard library's per-process random hash keys, the time and a
        // counter still make a value that student code cannot guess in advance.
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
            hasher.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
            );
            chunk.copy_from_slice(&hasher.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where events go: standard output (in a judge) and/or memory (in-process use and tests).
pub struct EventLog {
    file: Option<Box<dyn Write + Send>>,
    kept: Vec<Event>,
}

impl EventLog {
    /// Writes events to standard output.
    pub fn to_stdout() -> Self {
        EventLog { file: Some(Box::new(io::stdout())), kept: Vec::new() }
    }

    /// Writes events to `path`, creating it (tests).
    pub fn to_file(path: &Path) -> io::Result<Self> {
        Ok(EventLog { file: Some(Box::new(File::create(path)?)), kept: Vec::new() })
    }

    /// Keeps events in memory only.
    pub fn in_memory() -> Self {
        EventLog { file: None, kept: Vec::new() }
    }

    /// Records an event; with a file, it is written through at once.
    pub fn append(&mut self, event: &Event) {
        if let Some(file) = &mut self.file {
            // A line that cannot be written is lost; the grading process then reports what it has.
            if let Ok(mut json) = serde_json::to_vec(event) {
                json.push(b'\n');
                let _ = file.write_all(&json);
                let _ = file.flush();
            }
        }
        self.kept.push(event.clone());
    }

    /// The conversation lines recorded so far.
    pub fn lines(&self) -> Vec<Line> {
        self.kept
            .iter()
            .filter_map(|event| match event {
                Event::Line(line) => Some(line.clone()),
                Event::Verdict { .. } => None,
            })
            .collect()
    }
}

/// Parses the events a judge wrote. Lines that do not parse (a half-written last line of a killed
/// process) are skipped.
pub fn parse_events(bytes: &[u8]) -> Vec<Event> {
    bytes.split(|&b| b == b'\n').filter_map(|line| serde_json::from_slice(line).ok()).collect()
}

/// Reads the events written to a file (tests).
pub fn read_events(path: &Path) -> io::Result<Vec<Event>> {
    match crate::files::read_untrusted(path, 1 << 20) {
        Ok(bytes) => Ok(parse_events(&bytes)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Who;

    #[test]
    fn events_round_trip_through_the_file_and_torn_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events");
        let mut log = EventLog::to_file(&path).unwrap();
        let line = Line { who: Who::Grader, text: "connect".into() };
        log.append(&Event::Line(line.clone()));
        log.append(&Event::Verdict {
            fail: None,
            seal: "s".into(),
            stdout: Output::default(),
            stderr: Output::default(),
        });
        drop(log);
        // What a process killed mid-write leaves behind.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"ev").unwrap();
        let events = read_events(&path).unwrap();
        assert_eq!(
            events,
            vec![
                Event::Line(line),
                Event::Verdict { fail: None, seal: "s".into(), stdout: Output::default(), stderr: Output::default() }
            ]
        );
    }

    #[test]
    fn a_verdict_written_without_the_seal_reads_as_unsealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events");
        std::fs::write(&path, "{\"event\":\"verdict\",\"fail\":null}\n").unwrap();
        assert_eq!(
            read_events(&path).unwrap(),
            vec![Event::Verdict {
                fail: None,
                seal: String::new(),
                stdout: Output::default(),
                stderr: Output::default()
            }]
        );
    }

    #[test]
    fn seals_are_long_and_differ() {
        let (a, b) = (new_seal(), new_seal());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn a_missing_file_means_no_events() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_events(&dir.path().join("none")).unwrap(), vec![]);
    }
}
