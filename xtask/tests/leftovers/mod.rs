//! What a grade may leave behind, looked for after it: processes still running a program built
//! for the graded tree (check runners, the exercise's programs, anything they forked), processes
//! that hostile code reported starting, and ports it reported holding, which must be free again.
//!
//! Hostile code reports into `TREE/hostile-report/`: `NAME.pid` holds a process id, `NAME.port` a
//! loopback port. Shared by the test binaries that grade trees; each uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};

use grader::tree::Kit;

/// The problems found after grading `tree`; `expected_pids` is how many processes the hostile
/// code must have reported (so that a case whose hostile part never ran is noticed).
pub fn after_grade(kit: &Kit, tree: &Path, expected_pids: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let built_under = generated_dirs(kit, tree);
    for (pid, exe) in processes() {
        if let Some(exe) = exe
            && built_under.iter().any(|dir| exe.starts_with(dir))
        {
            problems.push(format!("process {pid} ({}) is still running after the grade", exe.display()));
        }
    }
    let reports = reports(kit, tree);
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
    for (name, value) in &reports {
        if name.ends_with(".port")
            && let Ok(port) = value.parse::<u16>()
            && let Err(e) = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        {
            problems.push(format!("port {port} ({name}) is still taken after the grade: {e}"));
        }
    }
    problems
}

/// Where hostile code reports: `hostile-report/` beside the exercise crates, in the tree and in
/// the grader's copy of it (`crates/SLUG/`) (`concat!(env!("CARGO_MANIFEST_DIR"), "/../hostile-report")` names
/// the copy, since the grader compiles a copy of the sources).
fn report_dirs(kit: &Kit, tree: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![tree.join("hostile-report")];
    for generated in generated_dirs(kit, tree) {
        let Ok(copies) = fs::read_dir(generated.join("crates")) else { continue };
        dirs.extend(copies.filter_map(Result::ok).map(|copy| copy.path().join("hostile-report")));
    }
    dirs
}

/// Empties the hostile reports of `tree` before a grade (after its build).
pub fn clear_reports(kit: &Kit, tree: &Path) -> Result<(), String> {
    for dir in report_dirs(kit, tree) {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// What hostile code reported: file name → content.
pub fn reports(kit: &Kit, tree: &Path) -> BTreeMap<String, String> {
    report_dirs(kit, tree)
        .iter()
        .filter_map(|dir| fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let value = fs::read_to_string(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), value.trim().to_owned()))
        })
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
