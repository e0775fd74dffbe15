//! The `main` of every judge (`grader/checks/NN-name/src/main.rs`), as the grading process calls it:
//!
//! - `JUDGE --list` prints the exercise's checks as JSON;
//! - `JUDGE --run ID [--host PATH] [--workdir DIR] [--as-user UID] [--hide DIR]... [--bin PATH]... [--bin-error WHY] [--source-as FROM=TO]...` runs
//!   one check and writes its conversation and verdict to standard output as JSON lines, then
//!   exits. Student code never runs in this process: calls go to the student host at PATH, a process
//!   the judge starts for the check, and the exercise's programs run as processes of their own;
//! - `JUDGE --in-process [--jobs N] [--host PATH] [--bin PATH]... [ID]...` runs checks on N threads
//!   of this process (each still with a host of its own) and prints one line per check: the floor
//!   that `cargo xtask bench` compares the isolated run with.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::check::{Check, CheckInfo, Fail};
use crate::ctx::{Bins, Ctx};
use crate::protocol::{Event, EventLog};
use crate::report::Output;
use crate::transcript::Transcript;

/// What the grading process asked for.
enum Request {
    List,
    Run { id: String, given: Given },
    InProcess { ids: Vec<String>, given: Given, jobs: usize },
}

/// What the grading process hands a judge besides the check: the built programs and host.
#[derive(Clone, Default)]
struct Given {
    host: Option<PathBuf>,
    bins: Bins,
    sources: Vec<(String, String)>,
    confinement: crate::sandbox::Confinement,
}

/// Runs the request on the command line against `checks`. Never returns for `--run`: the process
/// exits as soon as the verdict is written, whatever threads student code left running.
pub fn main(checks: &[Check]) -> ExitCode {
    main_with_private(checks, &[], 0)
}

/// What `--list` prints: the checks, and how many private checks this copy of the kit withholds
/// (a student copy has their number only, not their code).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    /// Every check this runner has.
    pub checks: Vec<CheckInfo>,
    /// Private checks that exist but are not in this copy.
    pub withheld: usize,
}

/// [`main`] for a check crate with private checks (`src/private.rs`): `public` and `private` are
/// its two lists, `withheld` how many private checks a student copy leaves out. Every check in
/// `private` must be declared `.private()`, and none in `public`, so that where a check's source
/// lives and how it runs cannot disagree.
pub fn main_with_private(public: &[Check], private: &[Check], withheld: usize) -> ExitCode {
    if let Some(check) = public.iter().find(|c| c.private) {
        eprintln!(
            "check runner: {:?} is declared .private() but listed with the public checks; move it to src/private.rs",
            check.id
        );
        return ExitCode::from(2);
    }
    if let Some(check) = private.iter().find(|c| !c.private) {
        eprintln!("check runner: {:?} is in src/private.rs but not declared .private()", check.id);
        return ExitCode::from(2);
    }
    let checks: Vec<Check> = public.iter().chain(private).copied().collect();
    run_request(&checks, withheld)
}

fn run_request(checks: &[Check], withheld: usize) -> ExitCode {
    let request = match parse(std::env::args_os().skip(1).collect()) {
        Ok(request) => request,
        Err(problem) => {
            eprintln!("check runner: {problem}");
            eprintln!(
                "usage: --list | --run ID [--host PATH] [--workdir DIR] [--as-user UID] [--hide DIR]... [--bin PATH]... | --in-process [--jobs N] [ID]..."
            );
            eprintln!("(this program is started by `cargo xtask grade`; run that instead)");
            return ExitCode::from(2);
        }
    };
    if let Some(id) = duplicate_id(checks) {
        eprintln!("check runner: two checks share the id {id:?}");
        return ExitCode::from(2);
    }
    match request {
        Request::List => {
            let listing = Listing { checks: checks.iter().map(Check::info).collect(), withheld };
            let json = serde_json::to_string(&listing).expect("check infos serialise");
            println!("{json}");
            ExitCode::SUCCESS
        }
        Request::Run { id, given } => {
            let Some(check) = checks.iter().find(|c| c.id == id) else {
                eprintln!("check runner: no check {id:?}");
                return ExitCode::from(2);
            };
            crate::sources::set(given.sources.clone());
            crate::sandbox::set(given.confinement.clone());
            run_isolated(check, given)
        }
        Request::InProcess { ids, given, jobs } => {
            crate::sources::set(given.sources.clone());
            run_in_process(checks, &ids, &given, jobs)
        }
    }
}

fn parse(args: Vec<OsString>) -> Result<Request, String> {
    let mut args = args.into_iter();
    let mode = args.next().ok_or("no request")?;
    let mut id = None;
    let mut given = Given::default();
    let mut ids = Vec::new();
    let mut jobs = 1;
    match mode.to_str() {
        Some("--list") => return Ok(Request::List),
        Some("--run") => id = Some(args.next().ok_or("--run needs a check id")?),
        Some("--in-process") => {}
        _ => return Err(format!("unknown request {mode:?}")),
    }
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--host") => given.host = Some(PathBuf::from(args.next().ok_or("--host needs a path")?)),
            Some("--workdir") => {
                given.confinement.workdir = Some(PathBuf::from(args.next().ok_or("--workdir needs a path")?))
            }
            Some("--as-user") => {
                let value = args.next().ok_or("--as-user needs a uid")?;
                given.confinement.uid =
                    Some(value.to_str().and_then(|v| v.parse().ok()).ok_or("--as-user needs a uid")?);
            }
            Some("--hide") => given.confinement.hide.push(PathBuf::from(args.next().ok_or("--hide needs a path")?)),
            Some("--source-as") => {
                let value = args.next().ok_or("--source-as needs FROM=TO")?;
                let value = value.to_str().ok_or("--source-as needs UTF-8")?;
                let (from, to) = value.split_once('=').ok_or("--source-as needs FROM=TO")?;
                given.sources.push((from.to_owned(), to.to_owned()));
            }
            Some("--jobs") => {
                let value = args.next().ok_or("--jobs needs a number")?;
                jobs = value.to_str().and_then(|v| v.parse().ok()).filter(|&n| n > 0).ok_or("--jobs needs a number")?;
            }
            Some("--bin") => given.bins.paths.push(PathBuf::from(args.next().ok_or("--bin needs a path")?)),
            Some("--bin-error") => {
                given.bins.error = Some(args.next().ok_or("--bin-error needs a reason")?.to_string_lossy().into_owned())
            }
            _ => ids.push(arg.into_string().map_err(|a| format!("not UTF-8: {a:?}"))?),
        }
    }
    match id {
        Some(id) => Ok(Request::Run { id: id.into_string().map_err(|a| format!("not UTF-8: {a:?}"))?, given }),
        None => Ok(Request::InProcess { ids, given, jobs }),
    }
}

fn duplicate_id(checks: &[Check]) -> Option<&'static str> {
    checks.iter().enumerate().find_map(|(i, c)| checks[..i].iter().any(|d| d.id == c.id).then_some(c.id))
}

fn run_isolated(check: &Check, given: Given) -> ExitCode {
    die_with_parent();
    // Student code runs in processes this judge starts, as the same user on a laptop: it must not
    // be able to read this process's memory or open its file descriptors (the verdict's pipe).
    protect_from_peers();
    // The seal comes next, before any student code runs: afterwards standard input is at its end,
    // and the seal lives only in this process, which no peer can read.
    let seal = read_seal();
    let transcript = Transcript::new(EventLog::to_stdout());
    let (fail, (stdout, stderr)) = run_check(check, &transcript, &given);
    transcript.finish(&Event::Verdict { fail: fail.err(), seal, stdout, stderr });
    let _ = std::io::stdout().flush();
    // Exit at once: the student host and the programs this check started go with the process
    // group, which the grading process kills.
    std::process::exit(0)
}

/// Reads the seal the grading process writes on standard input (see [`crate::protocol`]).
fn read_seal() -> String {
    let mut seal = String::new();
    let _ = std::io::stdin().lock().take(256).read_to_string(&mut seal);
    seal.trim().to_owned()
}

/// Runs one check; its verdict and what student code printed in the host. A panic here comes from
/// the check itself, never from student code (which runs elsewhere): a grader error.
fn run_check(check: &Check, transcript: &Transcript, given: &Given) -> (Result<(), Fail>, (Output, Output)) {
    let mut ctx = Ctx::new(transcript.clone(), given.host.clone(), given.bins.clone());
    let outcome = match panic::catch_unwind(AssertUnwindSafe(|| (check.run)(&mut ctx))) {
        Ok(outcome) => outcome,
        Err(_) => Err(Fail::grader(format!("the check {} itself panicked (a bug in the grader)", check.id))),
    };
    (outcome, ctx.host_output())
}

/// Runs the selected checks in this process on `jobs` threads, printing `id<TAB>pass|fail<TAB>µs`
/// per check: the same work as an isolated grade, without a process per check.
fn run_in_process(checks: &[Check], ids: &[String], given: &Given, jobs: usize) -> ExitCode {
    let selected: Vec<&Check> = checks.iter().filter(|c| ids.is_empty() || ids.iter().any(|id| id == c.id)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(selected.len()).max(1) {
            scope.spawn(|| {
                while let Some(check) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let started = Instant::now();
                    let transcript = Transcript::new(EventLog::in_memory());
                    let (outcome, _) = run_check(check, &transcript, given);
                    failed.fetch_add(usize::from(outcome.is_err()), Ordering::Relaxed);
                    let micros = started.elapsed().as_micros();
                    match outcome {
                        Ok(()) => println!("{}\tpass\t{micros}", check.id),
                        Err(fail) => println!("{}\tfail\t{micros}\t{fail}", check.id),
                    }
                }
            });
        }
    });
    if failed.into_inner() == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Asks the kernel to kill this process when the grading process dies (Ctrl-C, say), so that a
/// hung check never outlives its grade.
#[cfg(target_os = "linux")]
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and affects only this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    // The parent may have died before the request took effect.
    // SAFETY: getppid(2) cannot fail.
    if unsafe { libc::getppid() } == 1 {
        std::process::exit(1);
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent() {}

/// Makes this process non-dumpable: processes of the same user (the student host, the exercise's
/// programs) can then neither read its memory (`/proc/PID/mem`, ptrace) nor open its file
/// descriptors through `/proc/PID/fd`.
#[cfg(target_os = "linux")]
pub fn protect_from_peers() {
    // SAFETY: prctl(PR_SET_DUMPABLE) takes a flag and affects only this process.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0);
    }
}

#[cfg(not(target_os = "linux"))]
pub fn protect_from_peers() {}
