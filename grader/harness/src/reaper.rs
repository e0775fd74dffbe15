//! Sweeping up what a supervised run leaves behind outside its process group.
//!
//! Killing a run's process group ends everything that stayed in it. A descendant that called
//! `setsid` or `setpgid` (in Rust, `Command::process_group`) is in a group of its own and survives
//! that kill, keeping ports and pipes open. On Linux this module makes the grading process a child
//! subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`), so that such a process, once its parents are gone,
//! becomes a child of the grading process instead of init's; [`sweep`] then finds it among the
//! grading process's children by the run's mark in its environment, kills it with its own group,
//! and reaps it. Killed members of the run's group that were reparented the same way are reaped
//! too, so that no zombies pile up in a long grading process (`cargo xtask stress`, the tests).
//!
//! Only children carrying the run's mark or the run's group are touched: other children of the
//! grading process (a test's own subprocesses, other runs going on at the same time) are left
//! alone. On other systems the sweep does nothing.
//!
//! [`sweep`] finds the children cheaply, in `/proc/self/task/*/children`, after every run; the
//! kernel documents that list as unreliable while other children exit, which in a busy grading
//! process they do all the time. So [`sweep_thoroughly`], after a batch of runs (a whole grade),
//! scans every process's parent in `/proc/*/stat` for whatever the quick sweeps missed.

use std::sync::atomic::{AtomicU64, Ordering};

/// A value unique to one run in this process: the environment mark of [`crate::supervise::MARK_VAR`].
pub fn new_mark() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// What identifies one run's processes: its environment mark and its process group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The value of [`crate::supervise::MARK_VAR`] the run was started with.
    pub mark: String,
    /// The run's process group (its first process's pid).
    pub group: libc::pid_t,
}

#[cfg(target_os = "linux")]
pub use linux::{become_subreaper, sweep, sweep_thoroughly};

#[cfg(not(target_os = "linux"))]
/// Nothing to do here: only Linux has child subreapers.
pub fn become_subreaper() {}

#[cfg(not(target_os = "linux"))]
/// Nothing to do here: without a subreaper, escaped processes are init's.
pub fn sweep(_run: &Run) -> usize {
    0
}

#[cfg(not(target_os = "linux"))]
/// Nothing to do here: without a subreaper, escaped processes are init's.
pub fn sweep_thoroughly(_runs: &[Run]) -> usize {
    0
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;
    use std::sync::Once;
    use std::time::{Duration, Instant};

    use super::Run;
    use crate::supervise::MARK_VAR;

    /// How many rounds of kill-and-reap a sweep makes at most. A killed process's own children are
    /// reparented to this process as it dies, so each round finds the next generation; a bound
    /// keeps a process that forks faster than it is killed from holding up the grader.
    const ROUNDS: usize = 32;
    /// How long a sweep waits for one killed process to be reaped (SIGKILL is quick; a process in
    /// uninterruptible sleep is not, and is left to be reaped later).
    const REAP_LIMIT: Duration = Duration::from_secs(1);

    /// Makes this process the reaper of its orphaned descendants. Idempotent; a failure (an old
    /// kernel) leaves the sweep to find nothing, as before.
    pub fn become_subreaper() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) takes integer arguments and affects only
            // this process.
            unsafe {
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0 as libc::c_ulong, 0, 0);
            }
        });
    }

    /// Kills and reaps the children of this process that belong to `run`, found in the quick list
    /// of children. Returns how many of them had left the run's group.
    pub fn sweep(run: &Run) -> usize {
        sweep_among(children, std::slice::from_ref(run))
    }

    /// Like [`sweep`], for all of `runs`, with the children found by scanning every process.
    pub fn sweep_thoroughly(runs: &[Run]) -> usize {
        sweep_among(children_by_scan, runs)
    }

    fn sweep_among(children: fn() -> Vec<libc::pid_t>, runs: &[Run]) -> usize {
        let entries: Vec<String> = runs.iter().map(|run| format!("{MARK_VAR}={}", run.mark)).collect();
        let in_a_group = |pgrp: libc::pid_t| runs.iter().any(|run| run.group == pgrp);
        let mut escaped = 0;
        for _ in 0..ROUNDS {
            let strays: Vec<(libc::pid_t, libc::pid_t)> = children()
                .into_iter()
                .filter_map(|pid| {
                    let pgrp = process_group(pid)?;
                    (in_a_group(pgrp) || has_env(pid, &entries)).then_some((pid, pgrp))
                })
                .collect();
            if strays.is_empty() {
                break;
            }
            for &(pid, pgrp) in &strays {
                // SAFETY: kill(2) on a child of ours, which cannot be reaped (and its pid reused)
                // before we wait for it below.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
                if !in_a_group(pgrp) {
                    escaped += 1;
                    if pgrp == pid {
                        // It leads a group of its own (setsid, setpgid): what stayed in that group
                        // goes too. Its id cannot be recycled while the leader is our unreaped child.
                        // SAFETY: kill(2) with a negative pid signals that process group.
                        unsafe {
                            libc::kill(-pid, libc::SIGKILL);
                        }
                    }
                }
            }
            for &(pid, _) in &strays {
                reap(pid);
            }
        }
        escaped
    }

    /// The children of this process, from every thread's `children` file (an orphan is adopted by
    /// one thread of the subreaper).
    fn children() -> Vec<libc::pid_t> {
        let Ok(tasks) = fs::read_dir("/proc/self/task") else { return Vec::new() };
        let mut pids: Vec<libc::pid_t> = tasks
            .filter_map(Result::ok)
            .filter_map(|task| fs::read_to_string(task.path().join("children")).ok())
            .flat_map(|text| text.split_whitespace().filter_map(|pid| pid.parse().ok()).collect::<Vec<_>>())
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// The children of this process, by the parent of every process in `/proc/*/stat`.
    fn children_by_scan() -> Vec<libc::pid_t> {
        let me = libc::pid_t::try_from(std::process::id()).expect("pids fit in pid_t");
        let Ok(entries) = fs::read_dir("/proc") else { return Vec::new() };
        entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().to_str()?.parse::<libc::pid_t>().ok())
            .filter(|&pid| stat_field(pid, 1) == Some(me))
            .collect()
    }

    /// The process group of `pid`, from `/proc/PID/stat` (also for a zombie).
    fn process_group(pid: libc::pid_t) -> Option<libc::pid_t> {
        stat_field(pid, 2)
    }

    /// A numeric field of `/proc/PID/stat`, counted after the command name: 0 is the state, 1 the
    /// parent, 2 the process group.
    fn stat_field(pid: libc::pid_t, field: usize) -> Option<libc::pid_t> {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
        let after = &stat[stat.rfind(')')? + 1..];
        after.split_whitespace().nth(field)?.parse().ok()
    }

    /// True when `pid`'s environment holds one of `entries` (`NAME=value`). A zombie has none.
    fn has_env(pid: libc::pid_t, entries: &[String]) -> bool {
        fs::read(format!("/proc/{pid}/environ"))
            .is_ok_and(|environ| environ.split(|&b| b == 0).any(|e| entries.iter().any(|entry| e == entry.as_bytes())))
    }

    fn reap(pid: libc::pid_t) {
        let deadline = Instant::now() + REAP_LIMIT;
        loop {
            let mut status = 0;
            // SAFETY: waitpid(2) on a child of ours with a valid status pointer.
            let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if done != 0 || Instant::now() >= deadline {
                return; // reaped, or not ours any more (-1), or stuck: left for later
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
