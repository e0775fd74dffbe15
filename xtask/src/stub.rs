//! The pristine stub of an exercise, as committed in git.
//!
//! Which commit: the one the student's branch shares with its upstream (`git merge-base HEAD
//! @{upstream}`: after `git clone`, where `origin/main` is the kit as published), so that a student
//! who commits their own work still gets the kit's stub back; when the branch has no upstream,
//! `HEAD`. Within that commit the exercise's files are taken as they are, which is the version of
//! the commit that last changed them. A version that holds no `todo!()` at all is flagged, since it
//! is probably the student's own work committed on a branch without upstream.
//!
//! A copy of the kit without git (a downloaded archive) has no stub to go back to: callers say so
//! and change nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use grader::tree::Kit;

use crate::files;

/// The stub of one exercise.
#[derive(Clone, Debug)]
pub struct Stub {
    /// How the commit was chosen, for messages: `origin/main (1b606b7)` or `HEAD (1b606b7)`.
    pub source: String,
    /// The files, relative to the exercise's folder, with their committed content.
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

impl Stub {
    /// True when some file of the stub still says `todo!(`: the kit's stubs all do.
    pub fn looks_like_a_stub(&self) -> bool {
        self.files.iter().any(|(_, content)| content.windows(6).any(|w| w == b"todo!("))
    }

    /// How the exercise's folder differs from the stub: files to restore (changed or missing) and
    /// files to remove (not in the stub). Both empty when the folder is the stub.
    pub fn differences(&self, dir: &Path) -> std::io::Result<Differences> {
        let mut differences = Differences::default();
        for (path, content) in &self.files {
            if fs::read(dir.join(path)).ok().as_ref() != Some(content) {
                differences.restore.push(path.clone());
            }
        }
        for path in files::list(dir)? {
            if !self.files.iter().any(|(p, _)| *p == path) {
                differences.remove.push(path);
            }
        }
        Ok(differences)
    }
}

/// See [`Stub::differences`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Differences {
    /// Files whose content is not the stub's, or that are missing.
    pub restore: Vec<PathBuf>,
    /// Files the stub does not have.
    pub remove: Vec<PathBuf>,
}

impl Differences {
    /// True when the folder is exactly the stub.
    pub fn is_empty(&self) -> bool {
        self.restore.is_empty() && self.remove.is_empty()
    }
}

/// The stub of `exercise` (`01-bind`) in `kit`, or why there is none (no git, no commit, the
/// exercise not committed).
pub fn find(kit: &Kit, exercise: &str) -> Result<Stub, String> {
    let git = |args: &[&str]| git(&kit.root, args);
    git(&["rev-parse", "--show-toplevel"]).map_err(|why| {
        format!("this copy of the kit is not a git checkout, so the stub of {exercise} cannot be recovered ({why})")
    })?;
    let head = git(&["rev-parse", "--short", "HEAD"]).map_err(|why| format!("the repository has no commit ({why})"))?;
    let (commit, source) = match git(&["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"]) {
        Ok(upstream) => match git(&["merge-base", "HEAD", &upstream]) {
            Ok(base) => {
                let short = git(&["rev-parse", "--short", &base]).unwrap_or(base.clone());
                (base, format!("{upstream} ({short})"))
            }
            Err(_) => ("HEAD".to_owned(), format!("HEAD ({head})")),
        },
        Err(_) => ("HEAD".to_owned(), format!("HEAD ({head})")),
    };
    // `ls-tree` run at the kit's root lists paths relative to it, whatever the path of the kit
    // inside its repository; from the root, it works even if the student deleted the folder.
    let prefix = format!("exercises/{exercise}/");
    let listing = git_bytes(&kit.root, &["ls-tree", "-r", "-z", &commit, "--", &prefix])
        .map_err(|why| format!("cannot list {exercise} in {source}: {why}"))?;
    let mut stub_files = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else { continue };
        let Some(path) = path.strip_prefix(&prefix) else { continue };
        let mut meta = meta.split(' ');
        let (_mode, kind, object) = (meta.next(), meta.next(), meta.next());
        let (Some("blob"), Some(object)) = (kind, object) else { continue };
        if files::is_noise_path(Path::new(path)) {
            continue;
        }
        let content = git_bytes(&kit.root, &["cat-file", "blob", object])
            .map_err(|why| format!("cannot read {path} from {source}: {why}"))?;
        stub_files.push((PathBuf::from(path), content));
    }
    if stub_files.is_empty() {
        return Err(format!("{exercise} is not committed in {source}: there is no stub to go back to"));
    }
    stub_files.sort();
    Ok(Stub { source, files: stub_files })
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    git_bytes(dir, args).map(|out| String::from_utf8_lossy(&out).trim().to_owned())
}

fn git_bytes(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().next().unwrap_or("git failed").trim().to_owned())
    }
}
