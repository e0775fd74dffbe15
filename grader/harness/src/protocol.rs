//! How a check runner tells the grading process what happened: a file of JSON lines, one event
//! per line, written as the check goes. The verdict is the last event; a file without one means
//! the process ended early (it exited, crashed or was killed for its time limit).
//!
//! The verdict travels in a file named by the grading process, never on stdout or stderr, so
//! whatever student code prints cannot change it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::Fail;
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
    },
}

/// Where events go: a file (in a check runner) and/or memory (in-process use and tests).
pub struct EventLog {
    file: Option<File>,
    kept: Vec<Event>,
}

impl EventLog {
    /// Writes events to `path`, creating it.
    pub fn to_file(path: &Path) -> io::Result<Self> {
        Ok(EventLog { file: Some(File::create(path)?), kept: Vec::new() })
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

/// Reads the events a runner wrote. Lines that do not parse (a half-written last line of a killed
/// process) are skipped.
pub fn read_events(path: &Path) -> io::Result<Vec<Event>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut events = Vec::new();
    for line in BufReader::new(file).split(b'\n') {
        if let Ok(event) = serde_json::from_slice(&line?) {
            events.push(event);
        }
    }
    Ok(events)
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
        log.append(&Event::Verdict { fail: None });
        drop(log);
        // What a process killed mid-write leaves behind.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"ev").unwrap();
        let events = read_events(&path).unwrap();
        assert_eq!(events, vec![Event::Line(line), Event::Verdict { fail: None }]);
    }

    #[test]
    fn a_missing_file_means_no_events() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_events(&dir.path().join("none")).unwrap(), vec![]);
    }
}
