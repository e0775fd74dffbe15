//! Runs a process that may misbehave: in a process group of its own, with a time limit, keeping a
//! bounded amount of its output, and killing the whole group (the process and anything it started)
//! when it is done. The group is killed *before* the process is reaped, while its zombie still
//! holds the group id, so that a recycled id can never be hit.
//!
//! A descendant can leave the group (`setsid`, `setpgid`, `Command::process_group`) and so escape
//! the group kill. On Linux the grading process is therefore a *child subreaper*: orphaned
//! descendants of a run become its children instead of init's. Every run marks its process with
//! an environment variable that descendants inherit ([`MARK_VAR`]); once the run is reaped, any
//! child of the grading process that carries the run's mark, or still belongs to the run's group,
//! is killed (with its own group) and reaped. A descendant that also scrubs its environment
//! escapes this sweep: see the threat model in README.md.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::reaper;

/// How long to keep reading output after the group was killed; a process that escaped the group
/// and the sweep, and holds the pipes, must not hold up the grader.
const DRAIN_LIMIT: Duration = Duration::from_millis(250);

/// The environment variable that marks every process of a run, and its descendants, with the
/// run's own value (the grading process's pid and a counter).
pub const MARK_VAR: &str = "SOCKETS_COURSE_RUN";

/// The bounds of a supervised run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The wall-clock limit.
    pub time: Duration,
    /// How many bytes of stdout, and of stderr, to keep; the rest is counted and dropped.
    pub output: usize,
}

/// Output of a stream, bounded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes, up to the limit.
    pub bytes: Vec<u8>,
    /// How many further bytes were dropped.
    pub dropped: u64,
}

impl Captured {
    fn keep(&mut self, chunk: &[u8], limit: usize) {
        let room = limit.saturating_sub(self.bytes.len());
        let kept = chunk.len().min(room);
        self.bytes.extend_from_slice(&chunk[..kept]);
        self.dropped += (chunk.len() - kept) as u64;
    }
}

/// How the process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited, or a signal ended it.
    Exited(ExitStatus),
    /// The time limit passed and the group was killed.
    TimedOut,
}

/// The result of a supervised run.
#[derive(Debug)]
pub struct Finished {
    /// How it ended.
    pub ended: Ended,
    /// Its standard output, bounded.
    pub stdout: Captured,
    /// Its standard error, bounded.
    pub stderr: Captured,
    /// Wall time from start to end.
    pub elapsed: Duration,
    /// How many processes of the run had left its process group and were killed by the sweep.
    pub escaped: usize,
    /// What identifies the run's processes, for a later [`reaper::sweep_thoroughly`].
    pub run: reaper::Run,
}

/// Runs `command` to its end or its time limit. Standard input is empty.
pub fn run(command: &mut Command, limits: Limits) -> io::Result<Finished> {
    run_with_input(command, limits, &[])
}

/// Like [`run`], with `input` on standard input (then end of file). The input must be small (it
/// is written at once, into the pipe's buffer).
pub fn run_with_input(command: &mut Command, limits: Limits, input: &[u8]) -> io::Result<Finished> {
    reaper::become_subreaper();
    let mark = reaper::new_mark();
    command.env(MARK_VAR, &mark);
    command.process_group(0).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn()?;
    let group = Group(libc::pid_t::try_from(child.id()).expect("pids fit in pid_t"));
    if let Some(mut stdin) = child.stdin.take() {
        // A process that exits at once closes the pipe: then there is no one to tell.
        let _ = stdin.write_all(input);
    }
    let exit = ExitWatch::new(group.0);
    let mut out = Stream::new(child.stdout.take().expect("stdout is piped"));
    let mut err = Stream::new(child.stderr.take().expect("stderr is piped"));

    let deadline = started + limits.time;
    let mut timed_out = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        let exited = wait_for(&exit, &mut [&mut out, &mut err], left.min(exit.slice()), limits.output)?;
        if exited || exit.has_exited(group.0) {
            break;
        }
    }
    // Whatever is left of the group goes: the process itself after a timeout, and anything it
    // started either way. Then the process is reaped, and whatever left the group is swept up:
    // all of it before draining, so that no leftover process holds the pipes open.
    group.kill();
    let status = child.wait()?;
    let run = reaper::Run { mark, group: group.0 };
    let escaped = reaper::sweep(&run);
    let drain_until = Instant::now() + DRAIN_LIMIT;
    while !(out.closed && err.closed) {
        let left = drain_until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        wait_for(&ExitWatch::none(), &mut [&mut out, &mut err], left, limits.output)?;
    }
    Ok(Finished {
        ended: if timed_out { Ended::TimedOut } else { Ended::Exited(status) },
        stdout: out.captured,
        stderr: err.captured,
        elapsed: started.elapsed(),
        escaped,
        run,
    })
}

/// A process group, identified by its leader's pid.
struct Group(libc::pid_t);

impl Group {
    fn kill(&self) {
        // SAFETY: kill(2) with a negative pid signals that group; an empty group gives ESRCH.
        unsafe {
            libc::kill(-self.0, libc::SIGKILL);
        }
    }
}

/// Tells when the process has exited without reaping it. On Linux a pidfd becomes readable at
/// exit; elsewhere the loop polls `waitid(WNOWAIT)` in short slices.
struct ExitWatch {
    pidfd: Option<OwnedFd>,
}

impl ExitWatch {
    fn new(pid: libc::pid_t) -> Self {
        ExitWatch { pidfd: pidfd_open(pid) }
    }

    fn none() -> Self {
        ExitWatch { pidfd: None }
    }

    /// How long one wait may last before exit is checked again.
    fn slice(&self) -> Duration {
        if self.pidfd.is_some() { Duration::MAX } else { Duration::from_millis(2) }
    }

    fn fd(&self) -> Option<RawFd> {
        self.pidfd.as_ref().map(AsRawFd::as_raw_fd)
    }

    fn has_exited(&self, pid: libc::pid_t) -> bool {
        if self.pidfd.is_some() {
            return false; // reported by poll
        }
        // SAFETY: an all-zero siginfo_t is valid; waitid fills it. WNOWAIT leaves the zombie.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: `info` is a valid siginfo_t; `pid` is our own child.
        let done = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) };
        // SAFETY: reading si_pid of a siginfo_t filled (or zeroed) above.
        done == 0 && unsafe { info.si_pid() } != 0
    }
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: libc::pid_t) -> Option<OwnedFd> {
    // SAFETY: pidfd_open(2) takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = RawFd::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: the kernel just handed us this fd; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(not(target_os = "linux"))]
fn pidfd_open(_pid: libc::pid_t) -> Option<OwnedFd> {
    None
}

/// One output pipe of the child.
struct Stream {
    pipe: Box<dyn ReadFd>,
    captured: Captured,
    closed: bool,
}

trait ReadFd: Read + AsRawFd {}
impl ReadFd for ChildStdout {}
impl ReadFd for ChildStderr {}

impl Stream {
    fn new(pipe: impl ReadFd + 'static) -> Self {
        Stream { pipe: Box::new(pipe), captured: Captured::default(), closed: false }
    }
}

/// Waits up to `limit` for output or exit; reads what is ready. Returns whether the process exited.
fn wait_for(exit: &ExitWatch, streams: &mut [&mut Stream], limit: Duration, output_limit: usize) -> io::Result<bool> {
    let mut fds: Vec<libc::pollfd> = streams
        .iter()
        .filter(|s| !s.closed)
        .map(|s| libc::pollfd { fd: s.pipe.as_raw_fd(), events: libc::POLLIN, revents: 0 })
        .collect();
    if let Some(fd) = exit.fd() {
        fds.push(libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    }
    if fds.is_empty() {
        std::thread::sleep(limit.min(Duration::from_millis(2)));
        return Ok(false);
    }
    let millis = libc::c_int::try_from(limit.as_micros().div_ceil(1000)).unwrap_or(libc::c_int::MAX);
    let nfds = libc::nfds_t::try_from(fds.len()).expect("a handful of fds");
    // SAFETY: `fds` is a valid array of `nfds` pollfds for the duration of the call.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), nfds, millis) };
    if ready < 0 {
        let error = io::Error::last_os_error();
        return if error.kind() == io::ErrorKind::Interrupted { Ok(false) } else { Err(error) };
    }
    let mut exited = false;
    let mut buf = [0; 8192];
    for fd in fds.iter().filter(|fd| fd.revents != 0) {
        if Some(fd.fd) == exit.fd() {
            exited = true;
            continue;
        }
        let stream = streams.iter_mut().find(|s| s.pipe.as_raw_fd() == fd.fd).expect("polled stream");
        match stream.pipe.read(&mut buf) {
            Ok(0) => stream.closed = true,
            Ok(n) => stream.captured.keep(&buf[..n], output_limit),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => stream.closed = true,
        }
    }
    Ok(exited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn sh(script: &str, time_ms: u64, output: usize) -> Finished {
        let limits = Limits { time: Duration::from_millis(time_ms), output };
        run(Command::new("sh").arg("-c").arg(script), limits).unwrap()
    }

    #[test]
    fn output_and_exit_status_are_collected() {
        let done = sh("echo out; echo err >&2; exit 3", 5000, 100);
        assert_eq!(done.ended, Ended::Exited(ExitStatus::from_raw(3 << 8)));
        assert_eq!(done.stdout.bytes, b"out\n");
        assert_eq!(done.stderr.bytes, b"err\n");
    }

    #[test]
    fn a_hang_is_killed_at_the_time_limit() {
        let done = sh("sleep 30", 100, 100);
        assert_eq!(done.ended, Ended::TimedOut);
        assert!(done.elapsed < Duration::from_secs(10), "{:?}", done.elapsed);
    }

    #[test]
    fn output_beyond_the_limit_is_counted_not_kept() {
        let done = sh("head -c 100000 /dev/zero", 5000, 1000);
        assert_eq!(done.stdout.bytes.len(), 1000);
        assert_eq!(done.stdout.dropped, 99_000);
    }

    #[test]
    fn a_background_child_that_keeps_the_pipes_is_killed_with_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!("sleep 30 & echo $! > {}; echo started", pidfile.display());
        let done = sh(&script, 5000, 100);
        assert!(matches!(done.ended, Ended::Exited(status) if status.success()));
        assert_eq!(done.stdout.bytes, b"started\n");
        let pid: libc::pid_t = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
        // The killed background process is gone once its parent (sh, reaped) no longer holds it;
        // allow init a moment to reap the orphan.
        let gone = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            // SAFETY: signal 0 only checks that the pid exists.
            let exists = unsafe { libc::kill(pid, 0) } == 0;
            !exists || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| stat.contains(") Z "))
        });
        assert!(gone, "background process {pid} survived");
    }

    /// Whether `pid` is a live process (not gone, not a zombie).
    fn alive(pid: libc::pid_t) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_that_leaves_the_group_is_swept_up_with_its_own_group() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pids");
        // A process in a session of its own, and a session leader with a child in its group: all
        // three outlive the group kill, and all hold the output pipes.
        let script = format!(
            "setsid sleep 30 & echo $! >> {pids}; \
             setsid sh -c 'sleep 30 & echo $! >> {pids}; exec sleep 30' & echo $! >> {pids}; \
             sleep 0.2; echo started",
            pids = pids.display()
        );
        let done = sh(&script, 5000, 100);
        assert!(matches!(done.ended, Ended::Exited(status) if status.success()), "{done:?}");
        assert_eq!(done.stdout.bytes, b"started\n");
        let pids: Vec<libc::pid_t> =
            std::fs::read_to_string(&pids).unwrap().lines().map(|l| l.trim().parse().unwrap()).collect();
        assert_eq!(pids.len(), 3, "{pids:?}");
        assert!(done.escaped >= 2, "{done:?}");
        for pid in pids {
            assert!(!alive(pid), "process {pid} survived the run");
        }
        // The pipes were not held open until the drain limit by the escaped processes.
        assert!(done.elapsed < Duration::from_secs(3), "{:?}", done.elapsed);
    }

    #[test]
    fn input_reaches_the_process_and_then_end_of_file() {
        let limits = Limits { time: Duration::from_secs(5), output: 100 };
        let done = run_with_input(Command::new("cat").arg("-"), limits, b"sealed").unwrap();
        assert_eq!(done.stdout.bytes, b"sealed");
        assert_eq!(done.escaped, 0);
    }
}
