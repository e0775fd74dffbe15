//! Building the check runners for a tree of exercise crates (`exercises/`, `solutions/`, or any
//! folder laid out like them) without touching the tree.
//!
//! For each tree the grader writes a small workspace under `target/sockets-course/trees/`: one
//! package per exercise whose binary is the exercise's check crate (`grader/checks/NN-name`), with
//! its dependency on the exercise pointed at the tree being graded. One `cargo build --keep-going`
//! builds them all, plus the tree's own programs; an exercise that does not compile is reported
//! with the compiler's first error while the others are still graded. All trees share one build
//! directory, so dependencies compile once.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// How much of a compiler message is kept for the report.
const SHOWN_ERROR_LINES: usize = 30;

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

/// A built exercise: the check runner and the exercise's own programs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Runner {
    /// The check runner binary.
    pub checks: PathBuf,
    /// The binaries of the exercise crate (from its `src/main.rs`), if any.
    pub bins: Vec<PathBuf>,
    /// Why the exercise's program did not build, if it did not.
    pub bin_error: Option<String>,
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
    let built = build_with_cargo(kit, &tree, &generated, exercises)?;
    if let Some(fingerprint) = fingerprint {
        remember(&record, &fingerprint, &built);
    }
    Ok(built)
}

/// What a build's inputs looked like: every file of the graded exercises, of their check crates,
/// of the harness and the kit's manifests, with its size and modification time.
fn fingerprint(kit: &Kit, tree: &Path, exercises: &[String]) -> Option<String> {
    let mut roots: Vec<PathBuf> =
        vec![kit.root.join("Cargo.toml"), kit.root.join("Cargo.lock"), kit.root.join("grader").join("harness")];
    for exercise in exercises {
        roots.push(tree.join(exercise));
        roots.push(kit.checks_dir().join(exercise));
    }
    let mut hash = fnv1a(b"sockets-course build inputs v1");
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
    let text = fs::read(record).ok()?;
    let (recorded, built): (String, Vec<Built>) = serde_json::from_slice(&text).ok()?;
    let present = built.iter().all(|(_, runner)| match runner {
        Ok(runner) => runner.checks.is_file() && runner.bins.iter().all(|b| b.is_file()),
        Err(_) => true,
    });
    (recorded == fingerprint && present).then_some(built)
}

fn remember(record: &Path, fingerprint: &str, built: &[Built]) {
    if let Ok(json) = serde_json::to_vec(&(fingerprint, built)) {
        let _ = write_if_changed(record, &String::from_utf8_lossy(&json));
    }
}

fn build_with_cargo(kit: &Kit, tree: &Path, generated: &Path, exercises: &[String]) -> Result<Vec<Built>, BuildError> {
    let tree = tree.to_path_buf();
    let generated = generated.to_path_buf();
    let work = kit.work_dir();
    // Every exercise of the tree goes into its workspace, selected or not, so that the generated
    // files depend on the tree alone: grades of one tree running at once write the same files.
    let all = kit.exercises().map_err(|e| BuildError(format!("cannot list the kit's checks: {e}")))?;
    let packages: Vec<(String, Result<String, Broken>)> =
        all.iter().map(|exercise| (exercise.clone(), package_name(&tree.join(exercise)))).collect();
    let in_workspace: Vec<(String, String)> =
        packages.iter().filter_map(|(e, p)| p.as_ref().ok().map(|p| (e.clone(), p.clone()))).collect();
    let selected: Vec<(String, String)> = in_workspace.iter().filter(|(e, _)| exercises.contains(e)).cloned().collect();
    let mut results: Vec<Built> = packages
        .into_iter()
        .filter(|(exercise, _)| exercises.contains(exercise))
        .filter_map(|(exercise, package)| package.err().map(|broken| (exercise, Err(broken))))
        .collect();
    if !selected.is_empty() {
        write_workspace(kit, &tree, &generated, &in_workspace)
            .map_err(|e| BuildError(format!("cannot write {}: {e}", generated.display())))?;
        match run_cargo(&work, &tree, &generated, &selected)? {
            Cargo::Built(built) => results.extend(built),
            // Cargo could not even load the workspace (a broken manifest in one exercise, say):
            // build each exercise on its own, so that the problem is reported where it is.
            Cargo::NotLoaded(_) => {
                for one in &selected {
                    let alone = work.join("trees").join(format!("{}-{}", slug(&tree), one.0));
                    write_workspace(kit, &tree, &alone, std::slice::from_ref(one))
                        .map_err(|e| BuildError(format!("cannot write {}: {e}", alone.display())))?;
                    match run_cargo(&work, &tree, &alone, std::slice::from_ref(one))? {
                        Cargo::Built(built) => results.extend(built),
                        Cargo::NotLoaded(stderr) => results.push((
                            one.0.clone(),
                            Err(Broken {
                                summary: format!("cargo cannot build {}: its Cargo.toml or files are broken", one.0),
                                detail: last_lines(&stderr, SHOWN_ERROR_LINES),
                            }),
                        )),
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results)
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

/// Reads `[package] name` from an exercise crate's manifest.
fn package_name(dir: &Path) -> Result<String, Broken> {
    let manifest = dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).map_err(|e| Broken {
        summary: format!("missing: cannot read {} ({e})", manifest.display()),
        detail: "each exercise is a crate: a folder with Cargo.toml and src/lib.rs, named as in exercises/".into(),
    })?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            let value = value.trim_start().strip_prefix('=').map(str::trim).unwrap_or_default();
            let name = value.trim_matches(|c| c == '"' || c == '\'');
            if !name.is_empty() && name.len() + 2 == value.len() {
                return Ok(name.to_owned());
            }
        }
    }
    Err(Broken { summary: format!("{} has no [package] name", manifest.display()), detail: String::new() })
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

fn check_package(exercise: &str) -> String {
    format!("checks-{exercise}")
}

fn write_workspace(kit: &Kit, tree: &Path, generated: &Path, present: &[(String, String)]) -> io::Result<()> {
    let members: Vec<String> = present.iter().map(|(e, _)| toml_str(&check_package(e))).collect();
    let root = format!(
        "# Generated by sockets-course to grade {}.\n# Rewritten on every grade; do not edit.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n",
        tree.display(),
        members.join(", ")
    );
    write_if_changed(&generated.join("Cargo.toml"), &root)?;
    let kit_root = fs::canonicalize(&kit.root)?;
    for (exercise, package) in present {
        let name = check_package(exercise);
        let main = kit_root.join("grader").join("checks").join(exercise).join("src").join("main.rs");
        let manifest = format!(
            "[package]\nname = {name}\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [[bin]]\nname = {name}\npath = {main}\n\n\
             [dependencies]\ngrader = {{ path = {harness} }}\n{key} = {{ path = {exercise_dir}, package = {package} }}\n",
            name = toml_str(&name),
            main = toml_str(&main.to_string_lossy()),
            harness = toml_str(&kit_root.join("grader").join("harness").to_string_lossy()),
            key = crate_key(exercise),
            exercise_dir = toml_str(&tree.join(exercise).to_string_lossy()),
            package = toml_str(package),
        );
        write_if_changed(&generated.join(&name).join("Cargo.toml"), &manifest)?;
    }
    // Start from the kit's lock file: the same dependency versions, so artifacts are shared and
    // no registry is asked.
    let lock = generated.join("Cargo.lock");
    if !lock.exists() && kit_root.join("Cargo.lock").exists() {
        let _ = fs::copy(kit_root.join("Cargo.lock"), &lock);
    }
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

/// What a cargo run gave.
enum Cargo {
    /// The workspace loaded; each selected exercise built or not.
    Built(Vec<Built>),
    /// Cargo stopped before building anything; its standard error says why.
    NotLoaded(String),
}

fn run_cargo(work: &Path, tree: &Path, generated: &Path, selected: &[(String, String)]) -> Result<Cargo, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(generated.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(generated.join("target"))
        .arg("--config")
        .arg(format!("build.build-dir={}", toml_str(&work.join("build").to_string_lossy())))
        .args(["--bins", "--keep-going", "--message-format=json", "--color=never"]);
    for (exercise, package) in selected {
        command.arg("-p").arg(check_package(exercise)).arg("-p").arg(package);
    }
    // The grader's own cargo runs in its own setting: no inherited target choices.
    command.env_remove("CARGO_TARGET_DIR").env_remove("CARGO_BUILD_TARGET_DIR");
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = command.output().map_err(|e| BuildError(format!("cannot run cargo: {e}")))?;

    let mut found: Vec<Found> = selected.iter().map(|_| Found::default()).collect();
    let check_dirs: Vec<PathBuf> = selected.iter().map(|(e, _)| generated.join(check_package(e))).collect();
    let exercise_dirs: Vec<PathBuf> = selected.iter().map(|(e, _)| tree.join(e)).collect();
    let mut finished = false;
    for line in output.stdout.split(|&b| b == b'\n') {
        let Ok(message) = serde_json::from_slice::<Message>(line) else { continue };
        if message.reason == "build-finished" {
            finished = true;
        }
        let Some(dir) = message.package_id.as_deref().and_then(package_dir) else { continue };
        let is_bin = message.target.as_ref().is_some_and(|t| t.kind.iter().any(|k| k == "bin"));
        if let Some(i) = check_dirs.iter().position(|d| *d == dir) {
            found[i].checks_message(message, tree);
        } else if let Some(i) = exercise_dirs.iter().position(|d| *d == dir) {
            found[i].exercise_message(message, is_bin, tree);
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !finished {
        return Ok(Cargo::NotLoaded(stderr));
    }
    Ok(Cargo::Built(
        selected
            .iter()
            .zip(found)
            .map(|((exercise, _), found)| (exercise.clone(), found.into_result(&stderr)))
            .collect(),
    ))
}

/// What cargo's messages said about one exercise.
#[derive(Default)]
struct Found {
    checks: Option<PathBuf>,
    bins: Vec<PathBuf>,
    lib_error: Option<Broken>,
    bin_error: Option<Broken>,
    checks_error: Option<Broken>,
}

impl Found {
    fn checks_message(&mut self, message: Message, tree: &Path) {
        match message.reason.as_str() {
            "compiler-artifact" => self.checks = message.executable,
            "compiler-message" => {
                if let Some(diagnostic) = message.message.filter(|d| d.level == "error")
                    && self.checks_error.is_none()
                {
                    let mut broken = compile_error(&diagnostic, tree, "the checks do not compile against your crate");
                    broken.detail.push_str(
                        "\nThe checks call the functions and types the stub declares. Keep their names and \
                         signatures as given in the stub (you may add private helpers freely).",
                    );
                    self.checks_error = Some(broken);
                }
            }
            _ => {}
        }
    }

    fn exercise_message(&mut self, message: Message, is_bin: bool, tree: &Path) {
        match message.reason.as_str() {
            "compiler-artifact" if is_bin => self.bins.extend(message.executable),
            "compiler-message" => {
                let Some(diagnostic) = message.message.filter(|d| d.level == "error") else { return };
                let slot = if is_bin { &mut self.bin_error } else { &mut self.lib_error };
                if slot.is_none() {
                    let what = if is_bin { "your program does not compile" } else { "your crate does not compile" };
                    *slot = Some(compile_error(&diagnostic, tree, what));
                }
            }
            _ => {}
        }
    }

    /// The library must build for any check to run; a program that does not build fails only the
    /// checks that run it.
    fn into_result(self, stderr: &str) -> Result<Runner, Broken> {
        if let Some(broken) = self.lib_error.or(self.checks_error) {
            return Err(broken);
        }
        match self.checks {
            Some(checks) => Ok(Runner { checks, bins: self.bins, bin_error: self.bin_error.map(|b| b.summary) }),
            None => Err(Broken {
                summary: "the build failed before compiling this exercise".into(),
                detail: last_lines(stderr, SHOWN_ERROR_LINES),
            }),
        }
    }
}

fn compile_error(diagnostic: &Diagnostic, tree: &Path, what: &str) -> Broken {
    let place = diagnostic
        .spans
        .iter()
        .find(|s| s.is_primary)
        .map(|s| {
            let file = Path::new(&s.file_name);
            let shown = file.strip_prefix(tree).unwrap_or(file);
            format!("{}:{}:{}: ", shown.display(), s.line_start, s.column_start)
        })
        .unwrap_or_default();
    let rendered = diagnostic.rendered.as_deref().unwrap_or(&diagnostic.message);
    Broken {
        summary: format!("{what}: {place}{}", diagnostic.message),
        detail: first_lines(rendered.trim_end(), SHOWN_ERROR_LINES),
    }
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
    fn the_package_name_is_read_from_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("Cargo.toml"), "[package]\nname = 'bind-solution'\nversion = \"0.1.0\"\n").unwrap();
        assert_eq!(package_name(dir.path()).unwrap(), "bind-solution");
        fs::write(dir.path().join("Cargo.toml"), "[dependencies]\nname = \"x\"\n").unwrap();
        assert!(package_name(dir.path()).unwrap_err().summary.contains("has no [package] name"));
        assert!(package_name(&dir.path().join("nope")).unwrap_err().summary.starts_with("missing: "));
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_str(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn slugs_are_readable_and_distinct() {
        let a = slug(Path::new("/x/solutions"));
        let b = slug(Path::new("/y/solutions"));
        assert!(a.starts_with("solutions-"));
        assert_ne!(a, b);
    }
}
