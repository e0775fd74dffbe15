//! How student code is confined: every process that runs it (the student host, the exercise's
//! programs, and all they start) is started by the judge through [`command`].
//!
//! Always: it works in a folder of the check's own, outside the kit (nothing of the kit is found by
//! a relative path); the judge's channel and pipes are closed to it (Rust opens everything
//! close-on-exec); no backtraces (a panic's message and place are enough).
//!
//! When the grade runs as root (Gradescope, CI, a course server), also ([`Jail`]):
//! - it runs as an unprivileged user of its own, one uid per running check, taken from a pool
//!   (`64200`–`64999`) under a lock, so that no two checks share one;
//! - in a mount namespace of its own (where the kernel allows one) in which the kit, the batch's
//!   submissions and reports are covered by empty, unreadable folders: their files cannot be read,
//!   even by absolute path. The programs it runs are copied out of the kit first;
//! - at most [`MAX_PROCESSES`] processes and threads (a fork bomb stops there);
//! - when the check ends, every process of its uid is killed ([`kill_user`]): a process that left
//!   the process group, cleared its environment or started a new session is gone all the same,
//!   which no sweep by process tree can promise.
//!
//! A uid per check (rather than a PID namespace) keeps student processes visible to the grader as
//! ordinary processes and works in containers that allow `setuid` but no new PID namespace.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The uids student code runs as when the grade runs as root.
pub const UIDS: std::ops::Range<u32> = 64200..65000;
/// How many processes (and threads) one check's student code may have at once, as root.
pub const MAX_PROCESSES: u64 = 512;

/// Where student processes of this judge work, and how they are confined.
#[derive(Clone, Debug, Default)]
pub struct Confinement {
    /// The working directory.
    pub workdir: Option<PathBuf>,
    /// The unprivileged uid (and gid) to run as; only when the judge runs as root.
    pub uid: Option<u32>,
    /// Folders to cover in a mount namespace of the student processes' own.
    pub hide: Vec<PathBuf>,
}

static CONFINEMENT: OnceLock<Confinement> = OnceLock::new();

/// Sets, once per judge, how its student processes are confined.
pub fn set(confinement: Confinement) {
    if let Some(dir) = &confinement.workdir {
        let _ = fs::create_dir_all(dir);
    }
    let _ = CONFINEMENT.set(confinement);
}

/// A command for a program built from student code, confined as [`set`] says.
pub fn command(program: &Path) -> Command {
    let mut command = Command::new(program);
    command.env("RUST_BACKTRACE", "0");
    let Some(confinement) = CONFINEMENT.get() else { return command };
    if let Some(dir) = &confinement.workdir {
        command.current_dir(dir);
    }
    if let Some(uid) = confinement.uid {
        let hide: Vec<CString> =
            confinement.hide.iter().filter_map(|p| CString::new(p.as_os_str().as_bytes()).ok()).collect();
        // SAFETY: between fork and exec the closure makes only async-signal-safe system calls on
        // memory prepared before the fork.
        unsafe {
            command.pre_exec(move || confine(uid, &hide));
        }
    }
    command
}

/// In the child, before exec: a mount namespace hiding `hide` (when the kernel allows it), the
/// process limit, then the unprivileged user. Dropping the user comes last: the mounts need root.
fn confine(uid: u32, hide: &[CString]) -> io::Result<()> {
    let last_error = io::Error::last_os_error;
    // SAFETY (whole function): plain system calls on valid, NUL-terminated strings.
    unsafe {
        if !hide.is_empty() && libc::unshare(libc::CLONE_NEWNS) == 0 {
            // Mounts made here must not propagate back to the grader's namespace.
            let root = c"/";
            if libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ) != 0
            {
                return Err(last_error());
            }
            let tmpfs = c"tmpfs";
            let options = c"size=4k,mode=000";
            for path in hide {
                let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY;
                if libc::mount(tmpfs.as_ptr(), path.as_ptr(), tmpfs.as_ptr(), flags, options.as_ptr().cast()) != 0 {
                    return Err(last_error());
                }
            }
        }
        let limit = libc::rlimit { rlim_cur: MAX_PROCESSES, rlim_max: MAX_PROCESSES };
        if libc::setrlimit(libc::RLIMIT_NPROC, &limit) != 0 {
            return Err(last_error());
        }
        if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(uid) != 0 || libc::setuid(uid) != 0 {
            return Err(last_error());
        }
    }
    Ok(())
}

/// Whether this process runs as root (and so must confine student code to another user).
pub fn is_root() -> bool {
    // SAFETY: geteuid(2) cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Set, the grade confines student code as it would for an ordinary user even when run as root:
/// how the kit's tests cover that path on a CI machine that only runs as root. Nothing else sets it.
pub const AS_ORDINARY_USER_VAR: &str = "SOCKETS_COURSE_TEST_AS_ORDINARY_USER";

/// Whether student code is confined as root confines it (see [`AS_ORDINARY_USER_VAR`]).
pub fn confines_as_root() -> bool {
    is_root() && std::env::var_os(AS_ORDINARY_USER_VAR).is_none()
}

/// Whether a child can make a mount namespace of its own here (a container may forbid it); the
/// reason when it cannot.
pub fn mount_namespaces() -> Result<(), String> {
    static PROBED: OnceLock<Result<(), String>> = OnceLock::new();
    PROBED
        .get_or_init(|| {
            let mut probe = Command::new("/proc/self/exe");
            probe.arg("--version").stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
            // SAFETY: unshare(2) only, between fork and exec.
            unsafe {
                probe.pre_exec(|| {
                    if libc::unshare(libc::CLONE_NEWNS) != 0 {
                        return Err(io::Error::last_os_error());
                    }
                    libc::_exit(0);
                });
            }
            match probe.status() {
                Ok(status) if status.success() => Ok(()),
                Ok(status) => Err(format!("the probe ended with {status}")),
                Err(error) => Err(error.to_string()),
            }
        })
        .clone()
}

/// A uid of [`UIDS`] held by this process until dropped, under a lock file in `locks`.
#[derive(Debug)]
pub struct Uid {
    /// The uid.
    pub uid: u32,
    _lock: fs::File,
}

impl Uid {
    /// Takes the first free uid of the pool; `None` when all are in use.
    pub fn take(locks: &Path) -> Option<Uid> {
        fs::create_dir_all(locks).ok()?;
        for uid in UIDS {
            let Ok(lock) =
                fs::OpenOptions::new().create(true).truncate(false).write(true).open(locks.join(format!("{uid}.lock")))
            else {
                continue;
            };
            if lock.try_lock().is_ok() {
                return Some(Uid { uid, _lock: lock });
            }
        }
        None
    }
}

impl Drop for Uid {
    fn drop(&mut self) {
        // Nothing of a check outlives it, and the next check with this uid starts clean.
        kill_user(self.uid);
    }
}

/// Kills every process running as `uid` (not root's): a child drops to `uid` and signals all
/// processes it may signal, which are exactly that user's. Repeated until none is left, so that a
/// process forked during a round goes in the next.
pub fn kill_user(uid: u32) {
    // Most checks leave nothing behind (their processes were waited for): one system call says
    // so, where reading /proc costs a file per process on the machine, at the end of every check.
    if !has_tasks(uid) {
        return;
    }
    for _ in 0..20 {
        if !has_processes(uid) {
            reap_orphans_of(uid);
            return;
        }
        // SAFETY: the child makes only raw system calls and exits; the parent waits for it.
        unsafe {
            let pid = libc::fork();
            if pid == 0 {
                if libc::syscall(libc::SYS_setgid, uid) == 0 && libc::syscall(libc::SYS_setuid, uid) == 0 {
                    libc::kill(-1, libc::SIGKILL);
                }
                libc::_exit(0);
            }
            if pid > 0 {
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Whether any task (process or thread, a zombie not yet reaped included) of this PID namespace
/// has `uid` as its real uid. `getpriority(PRIO_USER, uid)` looks at exactly those, and fails
/// with ESRCH when there is none; a student process cannot change its real uid to hide.
fn has_tasks(uid: u32) -> bool {
    // SAFETY: errno is thread-local; getpriority(2) has no memory arguments.
    unsafe {
        *libc::__errno_location() = 0;
        let priority = libc::getpriority(libc::PRIO_USER, uid);
        !(priority == -1 && *libc::__errno_location() == libc::ESRCH)
    }
}

/// Reaps the zombies of `uid` that are this process's children: killed student processes whose
/// parents died first become children of the grading process (a child subreaper). Left unreaped,
/// they would count against the next check's process limit under the same uid. Only processes of
/// `uid` are touched: no `std::process::Child` of this process runs as it.
fn reap_orphans_of(uid: u32) {
    let me = std::process::id().to_string();
    let Ok(entries) = fs::read_dir("/proc") else { return };
    for entry in entries.filter_map(Result::ok) {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<libc::pid_t>().ok()) else { continue };
        let Ok(status) = fs::read_to_string(entry.path().join("status")) else { continue };
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or("");
        let real_uid = field("Uid:").split_whitespace().next().unwrap_or("");
        if real_uid == uid.to_string() && field("PPid:") == me && field("State:").starts_with('Z') {
            let mut status = 0;
            // SAFETY: waitpid(2) on a zombie child of this process, without blocking.
            unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        }
    }
}

/// Whether any live process runs as `uid`.
pub fn has_processes(uid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else { return false };
    entries.filter_map(Result::ok).any(|entry| {
        entry.file_name().to_str().is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()))
            && fs::read_to_string(entry.path().join("status")).is_ok_and(|status| {
                let alive = !status.lines().any(|l| l.starts_with("State:") && (l.contains('Z') || l.contains('X')));
                alive
                    && status
                        .lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|ids| ids.split_whitespace().next())
                        .is_some_and(|real| real == uid.to_string())
            })
    })
}

/// The folders of `hide` that are not inside another of them: once a folder is covered, what was
/// inside it is gone from the namespace, and covering it too would fail (and with it the check).
/// A class folder inside the kit (`target/…`) is hidden with the kit.
fn outermost(hide: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut kept: Vec<PathBuf> = Vec::new();
    for path in hide {
        if !hide_covers(&kept, &path) {
            kept.retain(|other| !other.starts_with(&path));
            kept.push(path);
        }
    }
    kept
}

fn hide_covers(kept: &[PathBuf], path: &Path) -> bool {
    kept.iter().any(|other| path.starts_with(other))
}

/// The environment variable through which a grading process names more folders to hide from
/// student code (a batch: the class folder, the reports, the other slots), separated by `:`.
pub const HIDE_VAR: &str = "SOCKETS_COURSE_HIDE";

/// How a grade confines the student code of its checks: decided once per grade by the grading
/// process, applied per check by the judge.
#[derive(Debug)]
pub struct Plan {
    root: bool,
    hide: Vec<PathBuf>,
    mounts: Result<(), String>,
    locks: PathBuf,
    bins: PathBuf,
}

impl Plan {
    /// The plan for a grade of the kit at `kit_root` whose checks work under `scratch`.
    pub fn new(kit_root: &Path, scratch: &Path) -> Plan {
        let root = confines_as_root();
        let mut hide = vec![fs::canonicalize(kit_root).unwrap_or_else(|_| kit_root.to_path_buf())];
        if let Some(more) = std::env::var_os(HIDE_VAR) {
            hide.extend(std::env::split_paths(&more).filter(|p| p.is_dir()));
        }
        let hide = outermost(hide);
        let mounts = if root { mount_namespaces() } else { Err("not root".into()) };
        if root {
            // The unprivileged users may pass through the scratch folder to their own, not list it.
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(scratch, fs::Permissions::from_mode(0o711));
        }
        Plan { root, hide, mounts, locks: std::env::temp_dir().join("sockets-course-uids"), bins: scratch.join("bin") }
    }

    /// One line for the report: which isolation was in force.
    pub fn describe(&self) -> String {
        match (&self.root, &self.mounts) {
            (false, _) => "as an ordinary user: student code ran as you, in processes of its own, in a folder \
                           outside the kit (as root it would also run as an unprivileged user who cannot read the kit)"
                .into(),
            (true, Ok(())) => format!(
                "as root: student code ran as an unprivileged user (one per check, uids {}-{}), in a mount \
                 namespace where the kit and the graded folders are hidden, at most {MAX_PROCESSES} processes, \
                 all killed when its check ended",
                UIDS.start,
                UIDS.end - 1
            ),
            (true, Err(why)) => format!(
                "as root: student code ran as an unprivileged user (one per check), all its processes killed when \
                 its check ended; the kit was NOT hidden (no mount namespace here: {why}): keep the kit's folder \
                 unreadable to other users (chmod 700)"
            ),
        }
    }

    /// The runner with its student programs where an unprivileged user can run them: as root,
    /// linked (or copied) out of the kit, which is hidden from them.
    pub fn place(&self, exercise: &str, runner: &crate::tree::Runner) -> io::Result<crate::tree::Runner> {
        if !self.root {
            return Ok(runner.clone());
        }
        use std::os::unix::fs::PermissionsExt;
        let dir = self.bins.join(exercise);
        fs::create_dir_all(&dir)?;
        fs::set_permissions(&self.bins, fs::Permissions::from_mode(0o755))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))?;
        let place = |from: &Path| -> io::Result<PathBuf> {
            let to = dir.join(from.file_name().unwrap_or_default());
            if fs::hard_link(from, &to).is_err() {
                fs::copy(from, &to)?;
            }
            fs::set_permissions(&to, fs::Permissions::from_mode(0o755))?;
            Ok(to)
        };
        let mut placed = runner.clone();
        placed.host = runner.host.as_deref().map(place).transpose()?;
        placed.bins = runner.bins.iter().map(|b| place(b)).collect::<io::Result<_>>()?;
        Ok(placed)
    }

    /// Prepares `workdir` for one check; the judge's arguments that confine it, and the uid it
    /// holds (its processes are killed when that is dropped).
    pub fn for_check(&self, workdir: &Path) -> Result<(Vec<std::ffi::OsString>, Option<Uid>), String> {
        fs::create_dir_all(workdir).map_err(|e| format!("cannot create {}: {e}", workdir.display()))?;
        let mut args: Vec<std::ffi::OsString> = vec!["--workdir".into(), workdir.into()];
        if !self.root {
            return Ok((args, None));
        }
        let uid = Uid::take(&self.locks).ok_or("every uid of the grader's pool is in use")?;
        let path = CString::new(workdir.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
        // SAFETY: chown(2) on a NUL-terminated path.
        if unsafe { libc::chown(path.as_ptr(), uid.uid, uid.uid) } != 0 {
            return Err(format!(
                "cannot give {} to uid {}: {}",
                workdir.display(),
                uid.uid,
                io::Error::last_os_error()
            ));
        }
        args.extend(["--as-user".into(), uid.uid.to_string().into()]);
        if self.mounts.is_ok() {
            for hidden in &self.hide {
                args.extend(["--hide".into(), hidden.into()]);
            }
        }
        Ok((args, Some(uid)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_with_a_task_is_seen_and_one_without_is_not() {
        // SAFETY: getuid(2) cannot fail.
        assert!(has_tasks(unsafe { libc::getuid() }));
        assert!(!has_tasks(3_999_999));
        if !is_root() {
            return;
        }
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("sleep").arg("30").uid(3_999_998).gid(3_999_998).spawn().unwrap();
        assert!(has_tasks(3_999_998));
        child.kill().unwrap();
        // Dead but not reaped, a zombie still holds its uid (and its place under RLIMIT_NPROC).
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(has_tasks(3_999_998));
        child.wait().unwrap();
        assert!(!has_tasks(3_999_998));
    }

    #[test]
    fn a_folder_inside_a_hidden_one_is_hidden_with_it() {
        let paths = |list: &[&str]| list.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            outermost(paths(&["/kit", "/kit/target/tmp/class", "/elsewhere/grades", "/kit2"])),
            paths(&["/kit", "/elsewhere/grades", "/kit2"])
        );
        assert_eq!(outermost(paths(&["/kit/target/class", "/kit"])), paths(&["/kit"]));
    }
}
