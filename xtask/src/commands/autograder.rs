//! `cargo xtask autograder gradescope OUT.zip`: the Gradescope autograder, from the instructor's
//! kit, in one command.
//!
//! Student code runs in the image Gradescope builds from this zip, so the zip must hold nothing a
//! student may not see: it is the student copy of the kit (`cargo xtask release`'s, searched for
//! solution code and private checks the same way), plus the checks of every exercise *compiled*
//! (`grader/judges/`, see `grader::tree::export_judges`): private checks run, and their source is
//! not there. The grader in the image compiles each submission's student host from the public
//! sources it holds (the harness, the host runtime, each exercise's `host.rs` and `wire.rs`), and
//! `setup.sh` and `run_autograder` come from `templates/gradescope/`. The command ends by printing
//! the total points, to type into Gradescope.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use grader::runner::Listing;
use grader::tree::{self, Kit};

use crate::cli::{self, Error};
use crate::commands::release;
use crate::term::Spinner;
use crate::zip;

/// How long building the judges may take (a cold optimised build takes minutes on 2 cores).
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The platforms an autograder can be made for.
const PLATFORMS: &[&str] = &["gradescope"];

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut platform: Option<String> = None;
    let mut out: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if platform.is_none() => platform = Some(value.to_string_lossy().into_owned()),
            Value(value) if out.is_none() => out = Some(PathBuf::from(value)),
            other => return Err(other.unexpected().into()),
        }
    }
    let usage = "`cargo xtask autograder gradescope OUT.zip`";
    match platform.as_deref() {
        Some("gradescope") => {}
        Some(other) => {
            return Err(cli::error(format!(
                "no autograder for {other:?}: the platforms are {} ({usage})",
                PLATFORMS.join(", ")
            )));
        }
        None => return Err(cli::error(format!("autograder needs a platform and a file: {usage}"))),
    }
    let out = out.ok_or_else(|| cli::error(format!("autograder needs the zip file to write: {usage}")))?;
    let kit = cli::kit();
    cli::solutions(&kit, "autograder")?;
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Err(cli::error(
            "the autograder ships the checks compiled for Gradescope's machines (Linux, x86-64): build it on one \
             (a Linux container will do)",
        ));
    }
    gradescope(&kit, &out)
}

fn gradescope(kit: &Kit, out: &Path) -> Result<ExitCode, Error> {
    let work = kit.work_dir();
    fs::create_dir_all(&work).map_err(|e| cli::error(format!("cannot create {}: {e}", work.display())))?;
    let staging = tempfile::Builder::new()
        .prefix("autograder-")
        .tempdir_in(&work)
        .map_err(|e| cli::error(format!("cannot create a folder in {}: {e}", work.display())))?;
    let source = staging.path().join("source");
    let written = release::write_copy(&kit.root, &source)
        .map_err(|e| cli::error(format!("cannot write the autograder's kit: {e}")))?;
    for script in ["setup.sh", "run_autograder"] {
        let from = kit.root.join("templates").join("gradescope").join(script);
        let to = source.join(script);
        fs::copy(&from, &to).map_err(|e| cli::error(format!("cannot copy {}: {e}", from.display())))?;
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&to, fs::Permissions::from_mode(0o755))
            .map_err(|e| cli::error(format!("cannot make {} executable: {e}", to.display())))?;
    }
    // The same search as for the student copy: no line only a solution has, no private check's
    // id or function. (The compiled judges are not text, and are built from the checks alone.)
    let leaks = release::leaks(&kit.root, &source)
        .map_err(|e| cli::error(format!("cannot search the autograder's kit: {e}")))?;
    if !leaks.is_empty() {
        eprintln!("error: the autograder would have contained instructor-only code; nothing was written:");
        for leak in leaks.iter().take(20) {
            eprintln!("  {leak}");
        }
        return Ok(ExitCode::FAILURE);
    }

    let spinner = Spinner::start("Building the checks of every exercise, optimised (minutes the first time)…");
    let judges = tree::export_judges(kit, &source.join(tree::PREBUILT_JUDGES), BUILD_LIMIT)
        .map_err(|e| cli::error(format!("cannot build the checks: {e}")))?;
    drop(spinner);
    let points = points(&judges)?;
    let glibc =
        judges.iter().filter_map(|(_, judge)| fs::read(judge).ok().and_then(|bytes| glibc_needed(&bytes))).max();

    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| cli::error(format!("cannot create {}: {e}", parent.display())))?;
    }
    let archive = zip::write(&source, out).map_err(|e| cli::error(format!("cannot write {}: {e}", out.display())))?;

    println!(
        "Wrote {}: the Gradescope autograder, {} files, {:.1} MB.",
        out.display(),
        archive.files,
        archive.bytes as f64 / 1e6
    );
    println!(
        "  In it: the student copy of the kit (no solutions/, and of the {} private checks only their count), \
         the checks of all {} exercises compiled ({} checks, {} private), setup.sh and run_autograder.",
        written.withheld,
        judges.len(),
        points.checks,
        points.private_checks
    );
    println!("  Searched it for solution code and private check sources: none found.");
    if let Some((major, minor)) = glibc {
        println!(
            "  The compiled checks need Linux x86-64 with glibc {major}.{minor} or newer (Gradescope's Ubuntu 22.04 \
             image has 2.35); setup.sh stops the image build if they cannot run."
        );
    }
    println!(
        "Total points: {} ({} from public checks, {} from private ones): set the assignment's total to {} in \
         Gradescope.",
        points.total,
        points.total - points.private,
        points.private,
        points.total
    );
    println!(
        "Next: upload it as the assignment's autograder (Configure Autograder, Zip file upload, an Ubuntu base \
         image); see \"Gradescope\" in the README."
    );
    Ok(ExitCode::SUCCESS)
}

/// What the checks of the zip are worth.
struct Points {
    total: u32,
    private: u32,
    checks: usize,
    private_checks: usize,
}

/// Sums the points of every check the judges list (`--list`): this runs each judge once, here.
fn points(judges: &[(String, PathBuf)]) -> Result<Points, Error> {
    let mut points = Points { total: 0, private: 0, checks: 0, private_checks: 0 };
    for (exercise, judge) in judges {
        let output = Command::new(judge)
            .arg("--list")
            .output()
            .map_err(|e| cli::error(format!("cannot run the checks of {exercise}: {e}")))?;
        let listing: Listing =
            serde_json::from_slice(&output.stdout).ok().filter(|_| output.status.success()).ok_or_else(|| {
                cli::error(format!("the checks of {exercise} did not list themselves ({})", output.status))
            })?;
        for check in &listing.checks {
            points.total += check.points;
            points.checks += 1;
            if check.private {
                points.private += check.points;
                points.private_checks += 1;
            }
        }
    }
    Ok(points)
}

/// The newest glibc version a binary asks for (its `GLIBC_2.N` symbol versions), as (2, N).
fn glibc_needed(binary: &[u8]) -> Option<(u32, u32)> {
    let marker = b"GLIBC_2.";
    let mut newest = None;
    let mut rest = binary;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        let digits: Vec<u8> = rest[at + marker.len()..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
        if let Some(minor) = std::str::from_utf8(&digits).ok().and_then(|d| d.parse::<u32>().ok()) {
            newest = newest.max(Some((2, minor)));
        }
        rest = &rest[at + marker.len()..];
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_glibc_version_asked_for_is_found() {
        assert_eq!(glibc_needed(b"\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.17\0GLIBC_PRIVATE\0"), Some((2, 34)));
        assert_eq!(glibc_needed(b"no versions here"), None);
    }
}
