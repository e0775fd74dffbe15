//! What a grade may leave behind, looked for after it: processes still running a program built
//! for the graded tree (check runners, the exercise's programs, anything they forked), processes
//! that hostile code reported starting, ports it reported listening on (where nothing may listen
//! any more) and, as root, any process of the grader's unprivileged users.
//!
//! Hostile code reports what it started on its output: `hostile-report NAME.pid=PID` and
//! `hostile-report NAME.port=PORT` lines. Shared by the test binaries that grade trees; each uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use grader::tree::Kit;

/// The problems found after grading `tree`; `reports` is what the hostile code reported
/// ([`reported`]) and `expected_pids` how many processes it must have reported (so that a case
/// whose hostile part never ran is noticed).
pub fn after_grade(kit: &Kit, tree: &Path, reports: &BTreeMap<String, String>, expected_pids: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let built_under = generated_dirs(kit, tree);
    for (pid, exe) in processes() {
        if let Some(exe) = exe
            && built_under.iter().any(|dir| exe.starts_with(dir))
        {
            problems.push(format!("process {pid} ({}) is still running after the grade", exe.display()));
        }
    }
    let pids: Vec<(&String, libc::pid_t)> = reports
        .iter()
        .filter_map(|(name, value)| Some((name, name.strip_suffix(".pid").and(value.parse().ok())?)))
        .collect();
    if pids.len() < expected_pids {
        problems.push(format!(
            "the hostile code reported {} processes, expected at least {expected_pids}: did it run at all?",
            pids.len()
        ));
    }
    for (name, pid) in pids {
        if alive(pid) {
            problems.push(format!("process {pid} ({name}) is still running after the grade"));
        }
    }
    for (name, value) in reports {
        if name.ends_with(".port")
            && let Ok(port) = value.parse::<u16>()
            && still_listened_on(port)
        {
            problems.push(format!("port {port} ({name}) is still listened on after the grade"));
        }
    }
    problems
}

/// Whether a server still listens on `port`, and keeps listening for a while: what a server that
/// outlived its grade does. Binding the port to find out would also fail for a stranger that
/// merely uses it: on a busy machine the kernel hands a freed port to the next outgoing
/// connection, whose TIME_WAIT then holds it for a minute; and another check's listener may take
/// it for the moment of that check. Neither is a leftover, so only a listener that stays counts.
pub fn still_listened_on(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while listening_on(port) {
        if Instant::now() >= deadline {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Whether any TCP socket of this network namespace listens on `port` (any address, IPv4 or IPv6),
/// as /proc/net/tcp and tcp6 list them: `local_address` is `ADDR:PORT` in hex, `st` 0A is LISTEN.
fn listening_on(port: u16) -> bool {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().filter_map(|table| fs::read_to_string(table).ok()).any(|table| {
        table.lines().skip(1).any(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let local_port = fields.next().and_then(|local| local.rsplit_once(':')).map(|(_, port)| port);
            let state = fields.nth(1);
            state == Some("0A") && local_port.and_then(|p| u16::from_str_radix(p, 16).ok()) == Some(port)
        })
    })
}

/// What hostile code reported, from what it printed during the checks: lines
/// `hostile-report NAME=VALUE` (a process id for `NAME.pid`, a port for `NAME.port`). Output is the
/// one channel that works whatever the isolation (as root, student code cannot write anywhere the
/// test could read).
pub fn reported(graded: &grader::report::ExerciseReport) -> BTreeMap<String, String> {
    reported_in(graded.checks.iter().flat_map(|check| [check.stdout.text.as_str(), check.stderr.text.as_str()]))
}

/// [`reported`], from the texts printed.
pub fn reported_in<'a>(printed: impl Iterator<Item = &'a str>) -> BTreeMap<String, String> {
    printed
        .flat_map(str::lines)
        .filter_map(|line| line.trim().strip_prefix("hostile-report ")?.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// The directories where the grader builds `tree`'s programs (see `grader::tree`): named after
/// the tree's folder, a dash and a 16-digit hash (and, for an exercise built alone, its name).
fn generated_dirs(kit: &Kit, tree: &Path) -> Vec<PathBuf> {
    let name = tree.file_name().expect("a tree has a name").to_string_lossy().into_owned();
    let trees = kit.work_dir().join("trees");
    let Ok(entries) = fs::read_dir(&trees) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|dir| {
            dir.strip_prefix(&name).and_then(|rest| rest.strip_prefix('-')).is_some_and(|rest| {
                rest.len() >= 16
                    && rest.as_bytes()[..16].iter().all(u8::is_ascii_hexdigit)
                    && matches!(rest.as_bytes().get(16), None | Some(b'-'))
            })
        })
        .map(|dir| fs::canonicalize(trees.join(&dir)).unwrap_or_else(|_| trees.join(dir)))
        .collect()
}

/// Every live process with the program it runs (None when that cannot be read).
fn processes() -> Vec<(libc::pid_t, Option<PathBuf>)> {
    let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|&pid| alive(pid))
        .map(|pid| (pid, fs::read_link(format!("/proc/{pid}/exe")).ok()))
        .collect()
}

/// A process that exists and is not a zombie.
pub fn alive(pid: libc::pid_t) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next());
        !matches!(state, Some("Z" | "X"))
    })
}

/// Every live process whose real uid is one of the grader's unprivileged users.
pub fn sandbox_processes() -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Ok(status) = fs::read_to_string(entry.path().join("status")) else { continue };
        let uid: Option<u32> =
            status.lines().find_map(|l| l.strip_prefix("Uid:")?.split_whitespace().next()?.parse().ok());
        let zombie = status.lines().any(|l| l.starts_with("State:") && l.contains('Z'));
        if uid.is_some_and(|uid| grader::sandbox::UIDS.contains(&uid)) && !zombie {
            found.push(status.lines().next().unwrap_or_default().to_owned());
        }
    }
    found
}
