//! Building what a grade runs, without touching the graded tree:
//!
//! - the **judges**, one per exercise, from the kit alone (`grader/checks/NN-name/src/main.rs`),
//!   in a workspace of their own under `target/sockets-course/judges/`: they never depend on a
//!   graded tree, so they build once per kit;
//! - for each graded tree, a workspace under `target/sockets-course/trees/` holding a copy of each
//!   exercise's sources ([`crate::stage`]) under a manifest the grader writes, and its **student
//!   host** (`grader/checks/NN-name/src/host.rs` linked with that crate). One
//!   `cargo build --keep-going` builds the hosts and the exercises' programs; an exercise that does
//!   not compile is reported with the compiler's first error while the others are still graded.
//!
//! All of them share one build directory, so dependencies compile once.
//!
//! A kit may instead ship its judges **prebuilt**, in `grader/judges/` with a manifest
//! ([`export_judges`] writes both; `cargo xtask autograder` puts them in the Gradescope zip, which
//! holds no private check's source to build them from). The rule is one-way: a kit with
//! `grader/judges/judges.json` always uses those judges and never builds one, and a kit without
//! it always builds them from `grader/checks/`. The manifest records, per judge, a hash of the
//! sources the student host is compiled from at grade time (the harness, the host runtime, the
//! exercise's `wire.rs` and `host.rs`), so that a judge is never paired with a host that speaks
//! another version of their wire: such an exercise is reported broken, a problem of the kit.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How much of a compiler message is kept for the report.
const SHOWN_ERROR_LINES: usize = 30;

/// Where, in a kit, prebuilt judges live (relative to the kit's root).
pub const PREBUILT_JUDGES: &str = "grader/judges";
/// The manifest of prebuilt judges, in [`PREBUILT_JUDGES`].
pub const JUDGES_MANIFEST: &str = "judges.json";

/// The kit: where the check crates and the build directory are.
#[derive(Clone, Debug)]
pub struct Kit {
    /// The repository root (holding `grader/`).
    pub root: PathBuf,
}

impl Kit {
    /// The kit rooted at `root`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Kit { root: root.into() }
    }

    /// `grader/checks`: one crate per exercise.
    pub fn checks_dir(&self) -> PathBuf {
        self.root.join("grader").join("checks")
    }

    /// Where generated workspaces and build artifacts live.
    pub fn work_dir(&self) -> PathBuf {
        self.root.join("target").join("sockets-course")
    }

    /// The folder of judges this kit ships prebuilt (see the module's documentation), if any.
    pub fn prebuilt_judges(&self) -> Option<PathBuf> {
        let dir = self.root.join(PREBUILT_JUDGES);
        dir.join(JUDGES_MANIFEST).is_file().then_some(dir)
    }

    /// The exercises the kit has checks for, in curriculum order (`01-bind`, `02-…`).
    pub fn exercises(&self) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(self.checks_dir())?
            .filter_map(Result::ok)
            .filter(|entry| entry.path().join("Cargo.toml").is_file())
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| is_exercise_name(name))
            .collect();
        names.sort();
        Ok(names)
    }
}

/// `NN-name`: two digits, a dash, a lowercase name.
pub fn is_exercise_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > 3
        && bytes[0].is_ascii_digit()
        && bytes[1].is_ascii_digit()
        && bytes[2] == b'-'
        && name[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The name a check crate uses for the exercise crate: `02-accept-loop` → `accept-loop`.
pub fn crate_key(exercise: &str) -> &str {
    &exercise[3..]
}

/// A built exercise: its judge, its student host and its own programs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Runner {
    /// The judge (built from the kit alone).
    pub judge: PathBuf,
    /// The student host (the exercise's crate with the kit's dispatch).
    pub host: Option<PathBuf>,
    /// The binaries of the exercise crate (from its `src/main.rs`), if any.
    pub bins: Vec<PathBuf>,
    /// Why the exercise's program did not build, if it did not.
    pub bin_error: Option<String>,
    /// Source prefixes as compiled, and as the student knows them.
    pub sources: Vec<(String, String)>,
    /// What the tree holds that the build ignored.
    pub ignored: Vec<String>,
}

/// An exercise and its runner, or why it has none.
pub type Built = (String, Result<Runner, Broken>);

/// Why an exercise could not be graded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Broken {
    /// One line: what is wrong, e.g. `src/lib.rs:12:5: mismatched types`.
    pub summary: String,
    /// More: the compiler's message, cut to a readable length.
    pub detail: String,
}

impl Broken {
    /// Whether the exercise is missing from the tree (rather than there and not compiling): its
    /// summary then starts with `missing: `, which reports and batch notes show as is.
    pub fn is_missing(&self) -> bool {
        self.summary.starts_with("missing: ")
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

/// A build that could not run at all (no cargo, unwritable target directory).
#[derive(Debug)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds the runners of `exercises` against `tree`. Each exercise gets its runner or the reason
/// it has none.
///
/// When no file that goes into the build has changed since the last build of the same exercises
/// (same paths, sizes and modification times), cargo is not run again and the last results are
/// used: cargo would only confirm them, at a cost a student pays on every grade. The fingerprint is
/// taken before building, so a file saved during a build makes the next grade build again.
pub fn build(kit: &Kit, tree: &Path, exercises: &[String]) -> Result<Vec<Built>, BuildError> {
    build_within(kit, tree, exercises, crate::grade::TIME_LIMIT)
}

/// [`build`], stopped after `limit`: an exercise whose build had not finished by then is broken,
/// and says so. (Nothing of the graded tree runs during a build, but rustc can be kept busy:
/// constant evaluation that never ends, say.)
pub fn build_within(kit: &Kit, tree: &Path, exercises: &[String], limit: Duration) -> Result<Vec<Built>, BuildError> {
    let tree =
        fs::canonicalize(tree).map_err(|e| BuildError(format!("cannot read the tree {}: {e}", tree.display())))?;
    // Paths go into generated Cargo.toml files, which hold UTF-8 only: a lossy path would point
    // cargo at a folder that does not exist.
    for (what, path) in [("the tree", &tree), ("the kit", &kit.root)] {
        if path.to_str().is_none() {
            return Err(BuildError(format!(
                "cannot grade from {}: the path of {what} is not valid UTF-8",
                path.display()
            )));
        }
    }
    let generated = kit.work_dir().join("trees").join(slug(&tree));
    let record = generated.join(format!("built-{:016x}.json", fnv1a(exercises.join(",").as_bytes())));
    let fingerprint = fingerprint(kit, &tree, exercises);
    if let Some(built) = fingerprint.as_ref().and_then(|f| reuse(&record, f)) {
        return Ok(built);
    }
    let deadline = Instant::now() + limit;
    let built = build_with_cargo(kit, &tree, &generated, exercises, deadline)?;
    if let Some(fingerprint) = fingerprint {
        remember(&record, &fingerprint, &built);
    }
    Ok(built)
}

/// What a build's inputs looked like: every file of the graded exercises, of their check crates,
/// of the harness, the host runtime and the kit's manifests, with its size and modification time.
fn fingerprint(kit: &Kit, tree: &Path, exercises: &[String]) -> Option<String> {
    let grader = kit.root.join("grader");
    let mut roots: Vec<PathBuf> = vec![
        kit.root.join("Cargo.toml"),
        kit.root.join("Cargo.lock"),
        grader.join("harness"),
        grader.join("host"),
        kit.root.join(PREBUILT_JUDGES),
    ];
    for exercise in exercises {
        roots.push(tree.join(exercise));
        roots.push(kit.checks_dir().join(exercise));
    }
    let mut hash = fnv1a(b"sockets-course build inputs v3");
    for root in roots {
        hash = fingerprint_path(&root, hash).ok()?;
    }
    Some(format!("{hash:016x}"))
}

fn fingerprint_path(path: &Path, hash: u64) -> io::Result<u64> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        // A missing file is part of the state too (an exercise not written yet).
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok(fnv1a_more(hash, path.as_os_str().as_encoded_bytes()));
        }
        Err(error) => return Err(error),
    };
    let mut hash = fnv1a_more(hash, path.as_os_str().as_encoded_bytes());
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(path)?
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != "target" && !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
            hash = fingerprint_path(&entry, hash)?;
        }
        return Ok(hash);
    }
    let modified = meta.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    hash = fnv1a_more(hash, &meta.len().to_le_bytes());
    Ok(fnv1a_more(hash, &modified.as_nanos().to_le_bytes()))
}

/// The results of the last build, if its fingerprint is `fingerprint` and its programs still exist.
fn reuse(record: &Path, fingerprint: &str) -> Option<Vec<Built>> {
    let text = crate::files::read_untrusted(record, 4 << 20).ok()?;
    let (recorded, built): (String, Vec<Built>) = serde_json::from_slice(&text).ok()?;
    let present = built.iter().all(|(_, runner)| match runner {
        Ok(runner) => {
            runner.judge.is_file() && runner.host.iter().all(|h| h.is_file()) && runner.bins.iter().all(|b| b.is_file())
        }
        Err(_) => true,
    });
    (recorded == fingerprint && present).then_some(built)
}

fn remember(record: &Path, fingerprint: &str, built: &[Built]) {
    if let Ok(json) = serde_json::to_vec(&(fingerprint, built)) {
        let _ = write_if_changed(record, &String::from_utf8_lossy(&json));
    }
}

fn build_with_cargo(
    kit: &Kit,
    tree: &Path,
    generated: &Path,
    exercises: &[String],
    deadline: Instant,
) -> Result<Vec<Built>, BuildError> {
    let work = kit.work_dir();
    let kit_root = fs::canonicalize(&kit.root).map_err(|e| BuildError(format!("cannot find the kit: {e}")))?;
    let judges = build_judges(kit, &kit_root, &work, exercises, deadline)?;
    let mut results: Vec<Built> = Vec::new();
    // Every exercise of the tree is staged and goes into its workspace, selected or not, so that
    // the generated files depend on the tree alone: grades of one tree running at once (of
    // different exercises) write the same files.
    let all = kit.exercises().map_err(|e| BuildError(format!("cannot list the kit's checks: {e}")))?;
    let mut staged: Vec<(String, crate::stage::Staged)> = Vec::new();
    for exercise in &all {
        let into = generated.join(staged_member(generated, exercise));
        let stage = crate::stage::stage(&tree.join(exercise), &into, crate_key(exercise));
        match (exercises.contains(exercise), stage) {
            (true, Err(broken)) => results.push((exercise.clone(), Err(broken))),
            (false, Err(_)) => {}
            (_, Ok(stage)) => staged.push((exercise.clone(), stage)),
        }
    }
    write_tree_workspace(&kit_root, tree, generated, &staged)
        .map_err(|e| BuildError(format!("cannot write {}: {e}", generated.display())))?;
    staged.retain(|(exercise, _)| exercises.contains(exercise));
    for exercise in exercises.iter().filter(|e| staged.iter().any(|(s, _)| s == *e)) {
        if let Err(broken) = &judges[exercise] {
            results.push((exercise.clone(), Err(broken.clone())));
        }
    }
    staged.retain(|(exercise, _)| judges[exercise].is_ok());
    if !staged.is_empty() {
        let packages: Vec<String> =
            staged.iter().flat_map(|(exercise, stage)| [host_package(exercise), stage.package.clone()]).collect();
        let messages = run_cargo(&work, &generated.join("Cargo.toml"), &packages, deadline, &[])?;
        for (exercise, stage) in staged {
            let mut found = Found::default();
            let host_dir = generated.join("hosts").join(&exercise);
            let crate_dir = generated.join(staged_member(generated, &exercise));
            for (dir, message) in &messages.messages {
                if *dir == host_dir {
                    found.host_message(message, &crate_dir);
                } else if *dir == crate_dir {
                    found.exercise_message(message, &crate_dir);
                }
            }
            let judge = judges[&exercise].clone().expect("only exercises with a judge are staged");
            let sources = source_prefixes(&kit_root, tree, generated, &exercise);
            results.push((exercise, found.into_result(judge, stage, sources, &messages.stderr)));
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results)
}

/// The judges of `exercises`, each or why it has none: the kit's prebuilt ones when it ships them,
/// else built from the kit alone.
fn build_judges(
    kit: &Kit,
    kit_root: &Path,
    work: &Path,
    exercises: &[String],
    deadline: Instant,
) -> Result<Judges, BuildError> {
    match kit.prebuilt_judges() {
        Some(dir) => prebuilt_judges(kit_root, &dir, exercises),
        None => compile_judges(kit, kit_root, work, exercises, deadline, &[]),
    }
}

/// Each exercise's judge, or why it has none.
type Judges = std::collections::HashMap<String, Result<PathBuf, Broken>>;

/// Compiles the judges of `exercises` from the kit alone, with cargo's `profile` arguments (none:
/// the build every grade shares).
fn compile_judges(
    kit: &Kit,
    kit_root: &Path,
    work: &Path,
    exercises: &[String],
    deadline: Instant,
    profile: &[String],
) -> Result<Judges, BuildError> {
    let generated = work.join("judges");
    let known = kit.exercises().map_err(|e| BuildError(format!("cannot list the kit's checks: {e}")))?;
    write_judge_workspace(kit_root, &generated, &known)
        .map_err(|e| BuildError(format!("cannot write {}: {e}", generated.display())))?;
    let wanted: Vec<&String> = exercises.iter().filter(|e| known.contains(e)).collect();
    let packages: Vec<String> = wanted.iter().map(|e| judge_package(e)).collect();
    let messages = if packages.is_empty() {
        Messages::default()
    } else {
        run_cargo(work, &generated.join("Cargo.toml"), &packages, deadline, profile)?
    };
    let mut judges = std::collections::HashMap::new();
    for exercise in exercises {
        let dir = generated.join(judge_package(exercise));
        let mut judge = None;
        let mut error = None;
        for (from, message) in &messages.messages {
            if *from != dir {
                continue;
            }
            match message.reason.as_str() {
                "compiler-artifact" if message.executable.is_some() => judge.clone_from(&message.executable),
                "compiler-message" if error.is_none() => {
                    error = message.message.as_ref().filter(|d| d.level == "error").map(|d| d.message.clone())
                }
                _ => {}
            }
        }
        let built = match (judge, known.contains(exercise)) {
            (Some(judge), _) => Ok(judge),
            (None, false) => {
                Err(Broken { summary: format!("the kit has no checks for {exercise}"), detail: String::new() })
            }
            (None, true) => Err(Broken {
                summary: format!(
                    "the grader's checks of {exercise} do not build (a problem of the kit, not of your code): {}",
                    error.unwrap_or_else(|| "see the detail".into())
                ),
                detail: last_lines(&messages.stderr, SHOWN_ERROR_LINES),
            }),
        };
        judges.insert(exercise.clone(), built);
    }
    Ok(judges)
}

/// The manifest of prebuilt judges (`grader/judges/judges.json`).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct JudgesManifest {
    /// The layout of this file.
    format: u32,
    /// One entry per exercise.
    judges: Vec<PrebuiltJudge>,
}

/// A prebuilt judge.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct PrebuiltJudge {
    /// `01-bind`.
    exercise: String,
    /// Its file, in the judges' folder.
    file: String,
    /// [`wire_hash`] of the sources it was built with.
    wire: String,
}

/// The prebuilt judges of `exercises`, each checked against its manifest entry.
fn prebuilt_judges(kit_root: &Path, dir: &Path, exercises: &[String]) -> Result<Judges, BuildError> {
    let manifest = dir.join(JUDGES_MANIFEST);
    let manifest: JudgesManifest = crate::files::read_untrusted(&manifest, 1 << 20)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        .map_err(|e| BuildError(format!("cannot read {}: {e}", manifest.display())))?;
    let broken = |summary: String| {
        Broken {
        summary,
        detail: "a problem of the autograder, not of your code: the instructor builds it again with                  `cargo xtask autograder`"
            .into(),
    }
    };
    let mut judges = Judges::new();
    for exercise in exercises {
        let judge = match manifest.judges.iter().find(|j| &j.exercise == exercise) {
            None => Err(broken(format!("the autograder has no checks for {exercise}"))),
            Some(entry) if Path::new(&entry.file).file_name() != Some(entry.file.as_ref()) => {
                Err(broken(format!("the autograder's manifest names a judge outside its folder: {}", entry.file)))
            }
            Some(entry) if !dir.join(&entry.file).is_file() => {
                Err(broken(format!("the autograder's checks of {exercise} are missing ({})", entry.file)))
            }
            Some(entry) => match wire_hash(kit_root, exercise) {
                Ok(hash) if hash == entry.wire => Ok(dir.join(&entry.file)),
                Ok(_) => Err(broken(format!(
                    "the autograder's checks of {exercise} were built with other sources of the grader than it \
                     holds (grader/harness, grader/host, or the exercise's wire.rs or host.rs)"
                ))),
                Err(e) => Err(broken(format!("cannot read the grader's sources for {exercise}: {e}"))),
            },
        };
        judges.insert(exercise.clone(), judge);
    }
    Ok(judges)
}

/// What a judge shares with the student host compiled at grade time, as a hash: every file of the
/// harness and of the host runtime, and the exercise's `wire.rs` and `host.rs`, by path and content.
fn wire_hash(kit_root: &Path, exercise: &str) -> io::Result<String> {
    let grader = kit_root.join("grader");
    let src = grader.join("checks").join(exercise).join("src");
    let mut files = Vec::new();
    for dir in [grader.join("harness"), grader.join("host")] {
        list_sources(&dir, &mut files)?;
    }
    files.extend([src.join("wire.rs"), src.join("host.rs")]);
    files.sort();
    let mut hash = fnv1a(b"sockets-course wire v1");
    for file in files {
        let relative = file.strip_prefix(kit_root).unwrap_or(&file);
        hash = fnv1a_more(hash, relative.as_os_str().as_encoded_bytes());
        hash = fnv1a_more(hash, &[0]);
        hash = fnv1a_more(hash, &fs::read(&file)?);
    }
    Ok(format!("{hash:016x}"))
}

/// The files under `dir` that go into a build: sources and manifests, not build output.
fn list_sources(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            list_sources(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// Builds the judge of every exercise of the kit from its full sources, optimised and without
/// symbols, and writes them into `into` with their manifest: the folder a kit without private
/// check sources uses instead of building judges (see the module's documentation). Returns each
/// exercise with its judge's path in `into`. Any judge that does not build is an error: a zip
/// with a checkless exercise would grade it as broken for every student.
pub fn export_judges(kit: &Kit, into: &Path, limit: Duration) -> Result<Vec<(String, PathBuf)>, BuildError> {
    if kit.prebuilt_judges().is_some() {
        return Err(BuildError(format!(
            "{} ships prebuilt judges: export them from the kit that has the checks' sources",
            kit.root.display()
        )));
    }
    let kit_root = fs::canonicalize(&kit.root).map_err(|e| BuildError(format!("cannot find the kit: {e}")))?;
    let exercises = kit.exercises().map_err(|e| BuildError(format!("cannot list the kit's checks: {e}")))?;
    let release: Vec<String> =
        ["--release", "--config", "profile.release.strip=\"symbols\""].map(String::from).to_vec();
    let deadline = Instant::now() + limit;
    let mut judges = compile_judges(kit, &kit_root, &kit.work_dir(), &exercises, deadline, &release)?;
    let cannot_write = |e: io::Error| BuildError(format!("cannot write {}: {e}", into.display()));
    fs::create_dir_all(into).map_err(cannot_write)?;
    let mut manifest = JudgesManifest { format: 1, judges: Vec::new() };
    let mut exported = Vec::new();
    for exercise in exercises {
        let built = judges.remove(&exercise).expect("every exercise was built or not");
        // One line: the summary names the compiler's first error; `cargo build` in the kit shows all.
        let built = built.map_err(|broken| BuildError(format!("{exercise}: {}", broken.summary)))?;
        let file = judge_package(&exercise);
        let to = into.join(&file);
        fs::copy(&built, &to).map_err(cannot_write)?;
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).map_err(cannot_write)?;
        let wire = wire_hash(&kit_root, &exercise)
            .map_err(|e| BuildError(format!("cannot read the grader's sources for {exercise}: {e}")))?;
        manifest.judges.push(PrebuiltJudge { exercise: exercise.clone(), file, wire });
        exported.push((exercise, to));
    }
    let mut json = serde_json::to_string_pretty(&manifest).expect("plain data serialises");
    json.push('\n');
    fs::write(into.join(JUDGES_MANIFEST), json).map_err(cannot_write)?;
    Ok(exported)
}

/// Prefixes of compiled source paths (as rustc records them for the staged copy) and what the
/// student knows them as: the exercise folder of the graded tree, relative to the kit if inside.
fn source_prefixes(kit_root: &Path, tree: &Path, generated: &Path, exercise: &str) -> Vec<(String, String)> {
    let shown_dir = tree.join(exercise);
    let shown = shown_dir.strip_prefix(kit_root).unwrap_or(&shown_dir);
    let shown = format!("{}/", shown.display());
    let member = staged_member(generated, exercise);
    vec![(format!("{}/", generated.join(&member).display()), shown.clone()), (format!("{member}/"), shown)]
}

/// Where, relative to a tree's workspace, the copy of an exercise's sources is:
/// `crates/TREE-SLUG/NN-name`. Cargo tells the artifacts of path packages in the shared build
/// directory apart by their path relative to their workspace, so the path names the tree.
fn staged_member(generated: &Path, exercise: &str) -> String {
    let slug = generated.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!("crates/{slug}/{exercise}")
}

/// A stable, readable directory name for a tree: its last component and a hash of its full path.
fn slug(tree: &Path) -> String {
    let name: String = tree
        .file_name()
        .map(|n| n.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect())
        .unwrap_or_default();
    format!("{name}-{:016x}", fnv1a(tree.as_os_str().as_encoded_bytes()))
}

/// FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(0xcbf2_9ce4_8422_2325, bytes)
}

/// Continues an FNV-1a hash with more bytes.
fn fnv1a_more(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A TOML basic string.
fn toml_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn judge_package(exercise: &str) -> String {
    format!("judge-{exercise}")
}

fn host_package(exercise: &str) -> String {
    format!("host-{exercise}")
}

/// The dependencies both a judge and a host have: the wire between them.
fn wire_dependencies(kit_root: &Path) -> String {
    format!(
        "grader-host = {{ path = {} }}\nserde = {{ version = \"1.0\", features = [\"derive\"] }}\nserde_json = \"1.0\"\n",
        toml_str(&kit_root.join("grader").join("host").to_string_lossy())
    )
}

fn workspace_manifest(what: &str, members: &[String]) -> String {
    let members: Vec<String> = members.iter().map(|m| toml_str(m)).collect();
    format!(
        "# Generated by sockets-course: {what}.\n# Rewritten on every grade; do not edit.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n",
        members.join(", ")
    )
}

/// Starts a generated workspace from the kit's lock file: the same dependency versions, so
/// artifacts are shared and no registry is asked.
fn copy_lock(kit_root: &Path, generated: &Path) {
    let lock = generated.join("Cargo.lock");
    if !lock.exists() && kit_root.join("Cargo.lock").exists() {
        let _ = fs::copy(kit_root.join("Cargo.lock"), &lock);
    }
}

fn write_judge_workspace(kit_root: &Path, generated: &Path, exercises: &[String]) -> io::Result<()> {
    let members: Vec<String> = exercises.iter().map(|e| judge_package(e)).collect();
    write_if_changed(&generated.join("Cargo.toml"), &workspace_manifest("the judges, from the kit alone", &members))?;
    for exercise in exercises {
        let name = judge_package(exercise);
        let main = kit_root.join("grader").join("checks").join(exercise).join("src").join("main.rs");
        let manifest = format!(
            "[package]\nname = {name}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [[bin]]\nname = {name}\npath = {main}\n\n\
             [dependencies]\ngrader = {{ path = {harness} }}\n{wire}",
            name = toml_str(&name),
            main = toml_str(&main.to_string_lossy()),
            harness = toml_str(&kit_root.join("grader").join("harness").to_string_lossy()),
            wire = wire_dependencies(kit_root),
        );
        write_if_changed(&generated.join(&name).join("Cargo.toml"), &manifest)?;
    }
    copy_lock(kit_root, generated);
    Ok(())
}

fn write_tree_workspace(
    kit_root: &Path,
    tree: &Path,
    generated: &Path,
    staged: &[(String, crate::stage::Staged)],
) -> io::Result<()> {
    let members: Vec<String> =
        staged.iter().flat_map(|(e, _)| [staged_member(generated, e), format!("hosts/{e}")]).collect();
    let what = format!("to grade {}", tree.display()).replace('\n', " ");
    write_if_changed(&generated.join("Cargo.toml"), &workspace_manifest(&what, &members))?;
    for (exercise, stage) in staged {
        let key = crate_key(exercise);
        // The student's crate: its sources, under the grader's manifest. No build script, no
        // dependencies, and `unsafe` forbidden (a crate cannot lift a forbid).
        let package = toml_str(&stage.package);
        let program = if stage.has_program {
            format!("[[bin]]\nname = {package}\npath = \"src/main.rs\"\n\n")
        } else {
            String::new()
        };
        let manifest = format!(
            "# Written by the grader from {from}: only the .rs files of src/ are used.\n\
             [package]\nname = {package}\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\nbuild = false\n\
             autobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n\n\
             [lib]\npath = \"src/lib.rs\"\n\n{program}\
             [lints.rust]\nunsafe_code = \"forbid\"\nunused_variables = \"allow\"\ndead_code = \"allow\"\n",
            from = tree.join(exercise).display().to_string().replace('\n', " "),
        );
        write_if_changed(&generated.join(staged_member(generated, exercise)).join("Cargo.toml"), &manifest)?;
        let name = host_package(exercise);
        let host = kit_root.join("grader").join("checks").join(exercise).join("src").join("host.rs");
        let manifest = format!(
            "[package]\nname = {name}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [[bin]]\nname = {name}\npath = {host}\n\n\
             [dependencies]\n{wire}{key} = {{ path = {krate}, package = {package} }}\n",
            name = toml_str(&name),
            host = toml_str(&host.to_string_lossy()),
            wire = wire_dependencies(kit_root),
            key = key,
            krate = toml_str(&format!("../../{}", staged_member(generated, exercise))),
            package = package,
        );
        write_if_changed(&generated.join("hosts").join(exercise).join("Cargo.toml"), &manifest)?;
    }
    copy_lock(kit_root, generated);
    Ok(())
}

/// Writes a file only when its content changes (an unchanged file keeps cargo's fingerprints
/// fresh), atomically (a grade running at the same time never reads half a file).
fn write_if_changed(path: &Path, content: &str) -> io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    fs::create_dir_all(path.parent().expect("generated files live in a folder"))?;
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temporary, content)?;
    fs::rename(&temporary, path)
}

/// The part of cargo's JSON messages the grader reads.
#[derive(Deserialize)]
struct Message {
    reason: String,
    package_id: Option<String>,
    target: Option<Target>,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Target {
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    message: String,
    rendered: Option<String>,
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: usize,
    column_start: usize,
    is_primary: bool,
}

/// The source directory of a package, from a cargo package id such as
/// `path+file:///a/b#name@0.1.0`.
fn package_dir(package_id: &str) -> Option<PathBuf> {
    let url = package_id.strip_prefix("path+file://")?;
    let path = url.split('#').next()?;
    Some(PathBuf::from(percent_decode(path)))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a cargo run said: each message with the directory of its package, and its stderr.
#[derive(Default)]
struct Messages {
    messages: Vec<(PathBuf, Message)>,
    stderr: String,
}

/// How much of cargo's output a build keeps: its JSON messages, compiler errors included.
const CARGO_OUTPUT: usize = 32 << 20;

/// Builds `packages` of the workspace at `manifest`, keeping going past a package that fails,
/// until `deadline`: then cargo and the compilers it started are killed, and what did not finish
/// is reported as such.
fn run_cargo(
    work: &Path,
    manifest: &Path,
    packages: &[String],
    deadline: Instant,
    profile: &[String],
) -> Result<Messages, BuildError> {
    let generated = manifest.parent().expect("a manifest lives in a folder");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(generated.join("target"))
        .arg("--config")
        .arg(format!("build.build-dir={}", toml_str(&work.join("build").to_string_lossy())))
        .args(["--bins", "--keep-going", "--message-format=json", "--color=never"])
        .args(profile);
    for package in packages {
        command.arg("-p").arg(package);
    }
    // The grader's own cargo runs in its own setting: no inherited target choices or flags.
    for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"] {
        command.env_remove(var);
    }
    let limits = crate::supervise::Limits {
        time: deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1)),
        output: CARGO_OUTPUT,
    };
    let done = crate::supervise::run(&mut command, limits).map_err(|e| BuildError(format!("cannot run cargo: {e}")))?;
    let mut stderr = String::from_utf8_lossy(&done.stderr.bytes).into_owned();
    if done.ended == crate::supervise::Ended::TimedOut {
        stderr.push_str(&format!(
            "\nthe build did not finish within the grade's time limit ({} s) and was stopped",
            limits.time.as_secs()
        ));
    }
    let mut messages = Messages { stderr, ..Messages::default() };
    for line in done.stdout.bytes.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<Message>(line) else { continue };
        if let Some(dir) = message.package_id.as_deref().and_then(package_dir) {
            messages.messages.push((dir, message));
        }
    }
    Ok(messages)
}

/// What cargo's messages said about one exercise of a tree.
#[derive(Default)]
struct Found {
    host: Option<PathBuf>,
    bins: Vec<PathBuf>,
    lib_error: Option<Broken>,
    bin_error: Option<Broken>,
    host_error: Option<Broken>,
}

impl Found {
    fn host_message(&mut self, message: &Message, crate_dir: &Path) {
        match message.reason.as_str() {
            "compiler-artifact" if message.executable.is_some() => self.host.clone_from(&message.executable),
            "compiler-message" => {
                if let Some(diagnostic) = message.message.as_ref().filter(|d| d.level == "error")
                    && self.host_error.is_none()
                {
                    let mut broken =
                        compile_error(diagnostic, crate_dir, "the checks do not compile against your crate");
                    broken.detail.push_str(
                        "\nThe checks call the functions and types the stub declares. Keep their names and \
                         signatures as given in the stub (you may add private helpers freely).",
                    );
                    self.host_error = Some(broken);
                }
            }
            _ => {}
        }
    }

    fn exercise_message(&mut self, message: &Message, crate_dir: &Path) {
        let is_bin = message.target.as_ref().is_some_and(|t| t.kind.iter().any(|k| k == "bin"));
        match message.reason.as_str() {
            "compiler-artifact" if is_bin => self.bins.extend(message.executable.clone()),
            "compiler-message" => {
                let Some(diagnostic) = message.message.as_ref().filter(|d| d.level == "error") else { return };
                let slot = if is_bin { &mut self.bin_error } else { &mut self.lib_error };
                if slot.is_none() {
                    let what = if is_bin { "your program does not compile" } else { "your crate does not compile" };
                    *slot = Some(compile_error(diagnostic, crate_dir, what));
                }
            }
            _ => {}
        }
    }

    /// The library must build for any check to run; a program that does not build fails only the
    /// checks that run it.
    fn into_result(
        self,
        judge: PathBuf,
        stage: crate::stage::Staged,
        sources: Vec<(String, String)>,
        stderr: &str,
    ) -> Result<Runner, Broken> {
        if let Some(broken) = self.lib_error.or(self.host_error) {
            return Err(broken);
        }
        match self.host {
            Some(host) => Ok(Runner {
                judge,
                host: Some(host),
                bins: self.bins,
                bin_error: self.bin_error.map(|b| b.summary),
                sources,
                ignored: stage.ignored,
            }),
            None if stderr.contains("did not finish within the grade's time limit") => Err(Broken {
                summary: "the build did not finish within the grade's time limit and was stopped".into(),
                detail: "rustc was still compiling: look for constant evaluation or macros that never end.\n"
                    .to_owned()
                    + &last_lines(stderr, SHOWN_ERROR_LINES),
            }),
            None => Err(Broken {
                summary: "the build failed before compiling this exercise".into(),
                detail: last_lines(stderr, SHOWN_ERROR_LINES),
            }),
        }
    }
}

/// The compiler's first error, with its place relative to the exercise (`src/lib.rs:12:5`).
fn compile_error(diagnostic: &Diagnostic, crate_dir: &Path, what: &str) -> Broken {
    let place = diagnostic
        .spans
        .iter()
        .find(|s| s.is_primary)
        .map(|s| {
            let file = Path::new(&s.file_name);
            let shown = file.strip_prefix(crate_dir).ok().or_else(|| src_part(file)).unwrap_or(file);
            // As the student knows the file: the exercise's folder, then the path inside it.
            let exercise = crate_dir.file_name().map(Path::new).unwrap_or(Path::new(""));
            format!("{}:{}:{}: ", exercise.join(shown).display(), s.line_start, s.column_start)
        })
        .unwrap_or_default();
    let rendered = diagnostic.rendered.as_deref().unwrap_or(&diagnostic.message);
    // rustc names the grader's copy (`crates/SLUG/01-bind/src/lib.rs`, relative to the generated
    // workspace, or absolute): the student knows the file as `01-bind/src/lib.rs`.
    let mut rendered = rendered.to_owned();
    if let Some(slug_dir) = crate_dir.parent() {
        rendered = rendered.replace(&format!("{}/", slug_dir.display()), "");
        if let Some(slug) = slug_dir.file_name() {
            rendered = rendered.replace(&format!("crates/{}/", slug.to_string_lossy()), "");
        }
    }
    Broken {
        summary: format!("{what}: {place}{}", diagnostic.message),
        detail: first_lines(rendered.trim_end(), SHOWN_ERROR_LINES),
    }
}

/// `src/…` of a path rustc gave relative to the workspace (`crates/SLUG/01-bind/src/lib.rs`).
fn src_part(file: &Path) -> Option<&Path> {
    let text = file.to_str()?;
    text.find("src/").map(|at| Path::new(&text[at..]))
}

fn first_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut shown = lines[..lines.len().min(count)].join("\n");
    if lines.len() > count {
        shown.push_str(&format!("\n… ({} more lines)", lines.len() - count));
    }
    shown
}

/// The last lines of cargo's standard error, without its progress messages.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| !l.trim_start().starts_with("Blocking waiting for file lock"))
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercise_names_are_two_digits_a_dash_and_a_name() {
        assert!(is_exercise_name("01-bind"));
        assert!(is_exercise_name("02-accept-loop"));
        assert!(!is_exercise_name("1-bind"));
        assert!(!is_exercise_name("01_bind"));
        assert!(!is_exercise_name("01-"));
        assert_eq!(crate_key("02-accept-loop"), "accept-loop");
    }

    #[test]
    fn package_ids_give_the_package_directory() {
        assert_eq!(package_dir("path+file:///tmp/a%20b/01-bind#bind@0.1.0"), Some("/tmp/a b/01-bind".into()));
        assert_eq!(package_dir("path+file:///x/bind#0.1.0"), Some("/x/bind".into()));
        assert_eq!(package_dir("registry+https://github.com/rust-lang/crates.io-index#libc@0.2.0"), None);
    }

    #[test]
    fn compiler_messages_name_the_exercise_as_the_student_knows_it() {
        let diagnostic = Diagnostic {
            level: "error".into(),
            message: "mismatched types".into(),
            rendered: Some(
                "error[E0308]: mismatched types\n  --> crates/alice-0123/02-accept-loop/src/lib.rs:53:25\n".into(),
            ),
            spans: vec![Span {
                file_name: "crates/alice-0123/02-accept-loop/src/lib.rs".into(),
                line_start: 53,
                column_start: 25,
                is_primary: true,
            }],
        };
        let crate_dir = Path::new("/kit/target/sockets-course/trees/alice-0123/crates/alice-0123/02-accept-loop");
        let broken = compile_error(&diagnostic, crate_dir, "your crate does not compile");
        assert_eq!(broken.summary, "your crate does not compile: 02-accept-loop/src/lib.rs:53:25: mismatched types");
        assert!(broken.detail.contains("--> 02-accept-loop/src/lib.rs:53:25") && !broken.detail.contains("crates/"));
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_str(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn prebuilt_judges_are_used_only_with_the_sources_they_were_built_with() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        write("grader/harness/src/lib.rs", "// harness");
        write("grader/host/src/lib.rs", "// host");
        write("grader/checks/01-bind/Cargo.toml", "");
        write("grader/checks/01-bind/src/wire.rs", "// wire");
        write("grader/checks/01-bind/src/host.rs", "// host of 01");
        write("grader/judges/judge-01-bind", "a judge");
        let kit = Kit::at(root);
        assert_eq!(kit.prebuilt_judges(), None, "no manifest, no prebuilt judges: the kit builds them");
        let manifest = |file: &str| {
            let wire = wire_hash(root, "01-bind").unwrap();
            let manifest = JudgesManifest {
                format: 1,
                judges: vec![PrebuiltJudge { exercise: "01-bind".into(), file: file.into(), wire }],
            };
            write("grader/judges/judges.json", &serde_json::to_string(&manifest).unwrap());
        };
        manifest("judge-01-bind");
        let judges_dir = kit.prebuilt_judges().expect("a manifest");
        let exercises = ["01-bind".to_owned(), "02-accept-loop".to_owned()];
        let judges = prebuilt_judges(root, &judges_dir, &exercises).unwrap();
        assert_eq!(judges["01-bind"], Ok(judges_dir.join("judge-01-bind")));
        let missing = judges["02-accept-loop"].as_ref().unwrap_err();
        assert!(missing.summary.contains("no checks for 02-accept-loop"), "{missing:?}");

        // Another wire than the judge was built with: never paired with a host.
        write("grader/checks/01-bind/src/wire.rs", "// wire, changed");
        let judges = prebuilt_judges(root, &judges_dir, &exercises[..1]).unwrap();
        let broken = judges["01-bind"].as_ref().unwrap_err();
        assert!(broken.summary.contains("built with other sources"), "{broken:?}");
        assert!(broken.detail.contains("cargo xtask autograder"), "{broken:?}");

        // A manifest cannot point outside its folder.
        manifest("../judge-01-bind");
        let judges = prebuilt_judges(root, &judges_dir, &exercises[..1]).unwrap();
        assert!(judges["01-bind"].as_ref().unwrap_err().summary.contains("outside its folder"));
    }

    #[test]
    fn slugs_are_readable_and_distinct() {
        let a = slug(Path::new("/x/solutions"));
        let b = slug(Path::new("/y/solutions"));
        assert!(a.starts_with("solutions-"));
        assert_ne!(a, b);
    }
}
