//! `cargo xtask release OUT_DIR`: writes the copy of the kit that students get. It has the stubs,
//! the harness, the public checks, the command line and a README with the student guide first;
//! it has no `solutions/` and no private check's source (each `private.rs` is replaced by a stub
//! that only says how many checks it withholds). Before saying it is done, the command searches
//! what it wrote for every line only a solution has and for every private check's id and
//! function, and removes the copy if it finds one.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{self, Error};

/// What the student copy keeps of the kit's top-level files and folders (besides the ones
/// rewritten below: `Cargo.toml`, `Cargo.lock`, `README.md`, `grader/checks`).
const KEPT: &[&str] = &[
    ".cargo",
    ".gitignore",
    "rustfmt.toml",
    "rust-toolchain.toml",
    "exercises",
    "grader/harness",
    "grader/host",
    "xtask/src",
    "xtask/Cargo.toml",
];

/// README sections a student copy keeps, in this order, after the introduction.
const STUDENT_SECTIONS: &[&str] = &["Student guide", "How the grader works"];

/// A line of a solution counts as "only in the solution" from this length on; shorter lines
/// (`Ok(())`, `}`) are shared by any code.
const DISTINCTIVE: usize = 24;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut out: Option<PathBuf> = None;
    let mut force = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("force") => force = true,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(dir) if out.is_none() => out = Some(PathBuf::from(dir)),
            other => return Err(other.unexpected().into()),
        }
    }
    let out = out.ok_or_else(|| {
        cli::error("release needs the folder to write the student copy to: `cargo xtask release OUT_DIR`")
    })?;
    if !kit.root.join("solutions").is_dir() {
        return Err(cli::error(
            "this is a student copy of the kit already (it has no solutions/): release from the instructor's repository",
        ));
    }
    prepare(&kit.root, &out, force)?;
    let written =
        write_copy(&kit.root, &out).map_err(|e| cli::error(format!("cannot write {}: {e}", out.display())))?;
    let leaks = leaks(&kit.root, &out).map_err(|e| cli::error(format!("cannot search {}: {e}", out.display())))?;
    if !leaks.is_empty() {
        let _ = fs::remove_dir_all(&out);
        eprintln!("error: the student copy would have contained instructor-only code; nothing was written:");
        for leak in leaks.iter().take(20) {
            eprintln!("  {leak}");
        }
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "Wrote a student copy of the kit to {}: {} files, {} private checks withheld (their count only).",
        out.display(),
        written.files,
        written.withheld
    );
    println!("Searched it for solution code and private checks: none found.");
    println!("Next: publish it (e.g. as a GitHub Classroom template repository); see the README's instructor guide.");
    Ok(ExitCode::SUCCESS)
}

/// Refuses a folder that is not empty (unless `force`), or that holds the kit itself.
fn prepare(kit: &Path, out: &Path, force: bool) -> Result<(), Error> {
    let kit = fs::canonicalize(kit).map_err(|e| cli::error(format!("cannot read the kit: {e}")))?;
    if let Ok(target) = fs::canonicalize(out)
        && kit.starts_with(&target)
    {
        return Err(cli::error(format!("{} holds the kit itself; choose another folder", out.display())));
    }
    let not_empty = match fs::read_dir(out) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(cli::error(format!("cannot use {}: {e}", out.display()))),
    };
    if not_empty {
        if !force {
            return Err(cli::error(format!(
                "{} is not empty; choose an empty folder, or add --force to replace what it holds",
                out.display()
            )));
        }
        fs::remove_dir_all(out).map_err(|e| cli::error(format!("cannot empty {}: {e}", out.display())))?;
    }
    fs::create_dir_all(out).map_err(|e| cli::error(format!("cannot create {}: {e}", out.display())))
}

/// What was written.
pub struct Written {
    /// Files written.
    pub files: usize,
    /// Private checks left out (their count only is in the copy).
    pub withheld: usize,
}

/// Writes the student copy of the kit at `kit` into `out` (an empty folder). `cargo xtask
/// autograder` starts from it too: what students may see is what the autograder may hold.
pub fn write_copy(kit: &Path, out: &Path) -> std::io::Result<Written> {
    let mut files = 0;
    for kept in KEPT {
        let from = kit.join(kept);
        if from.exists() {
            files += copy(&from, &out.join(kept))?;
        }
    }
    // The workspace without solutions/.
    let manifest = fs::read_to_string(kit.join("Cargo.toml"))?;
    fs::write(out.join("Cargo.toml"), manifest.replace("\"solutions/*\", ", "").replace(", \"solutions/*\"", ""))?;
    // The lock file without the solution crates, so that no version resolution (and no registry)
    // is needed to build the copy.
    if let Ok(lock) = fs::read_to_string(kit.join("Cargo.lock")) {
        fs::write(out.join("Cargo.lock"), without_solution_packages(&lock))?;
    }
    fs::write(out.join("README.md"), student_readme(&fs::read_to_string(kit.join("README.md"))?))?;
    files += 3;
    // The workflow that grades a student's repository on every push (no Classroom needed).
    let workflow = kit.join("templates").join("github-actions").join("grade.yml");
    if workflow.is_file() {
        files += copy(&workflow, &out.join(".github").join("workflows").join("grade.yml"))?;
    }
    // The checks: public ones as they are, private ones replaced by their count.
    let mut withheld = 0;
    for entry in fs::read_dir(kit.join("grader").join("checks"))? {
        let crate_dir = entry?.path();
        let name = crate_dir.file_name().expect("a folder").to_owned();
        let target = out.join("grader").join("checks").join(&name);
        files += copy_filtered(&crate_dir, &target, &|path| path.file_name() != Some("private.rs".as_ref()))?;
        let private = crate_dir.join("src").join("private.rs");
        if private.is_file() {
            let count = private_checks(&private)?.ids.len();
            withheld += count;
            fs::write(target.join("src").join("private.rs"), withheld_stub(count))?;
            files += 1;
        }
    }
    Ok(Written { files, withheld })
}

fn copy(from: &Path, to: &Path) -> std::io::Result<usize> {
    copy_filtered(from, to, &|_| true)
}

fn copy_filtered(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> std::io::Result<usize> {
    if from.is_file() {
        fs::create_dir_all(to.parent().expect("files live in folders"))?;
        fs::copy(from, to)?;
        return Ok(1);
    }
    let mut files = 0;
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let path = entry?.path();
        let name = path.file_name().expect("an entry has a name");
        if name == "target" || !keep(&path) {
            continue;
        }
        files += copy_filtered(&path, &to.join(name), keep)?;
    }
    Ok(files)
}

/// The `private.rs` of a student copy: no check, only how many there are.
fn withheld_stub(count: usize) -> String {
    format!(
        "//! Private checks: withheld from the student copy of the kit. They run at final grading;\n\
         //! only their number is known here.\n\n\
         use grader::Check;\n\n\
         /// None in the student copy.\n\
         pub const CHECKS: &[Check] = &[];\n\n\
         /// How many private checks the instructor's copy has for this exercise.\n\
         pub const WITHHELD: usize = {count};\n"
    )
}

/// `Cargo.lock` without the `[[package]]` entries of solution crates.
fn without_solution_packages(lock: &str) -> String {
    lock.split("\n\n")
        .filter(|block| {
            !block.lines().any(|l| l.starts_with("name = \"") && l.trim_end_matches('"').ends_with("-solution"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The README of a student copy: the introduction, a set-up of one command, then the student
/// sections of the kit's README.
fn student_readme(readme: &str) -> String {
    let sections = split_sections(readme);
    let mut out = sections.first().map(|(_, text)| text.clone()).unwrap_or_default();
    out.push_str(
        "## Set-up\n\nThis is your copy of the kit. On any machine with a Rust toolchain (stable, 1.93 or newer):\n\n\
         ```sh\ncargo xtask grade        # grade your exercises\n```\n\n\
         Some checks are private: `cargo xtask grade` says how many, and they run when your work is\n\
         graded for marks. The public ones tell you what you need to know to pass them too.\n\n",
    );
    for wanted in STUDENT_SECTIONS {
        if let Some((_, text)) = sections.iter().find(|(heading, _)| heading == wanted) {
            out.push_str(text);
        }
    }
    out
}

/// `(heading, text)` per `## ` section; the first has an empty heading (the introduction).
fn split_sections(readme: &str) -> Vec<(String, String)> {
    let mut sections = vec![(String::new(), String::new())];
    for line in readme.split_inclusive('\n') {
        if let Some(heading) = line.strip_prefix("## ") {
            sections.push((heading.trim().to_owned(), String::new()));
        }
        sections.last_mut().expect("never empty").1.push_str(line);
    }
    sections
}

/// The ids and function names of the checks in a `private.rs`.
struct PrivateChecks {
    ids: Vec<String>,
    functions: Vec<String>,
}

fn private_checks(file: &Path) -> std::io::Result<PrivateChecks> {
    let source = fs::read_to_string(file)?;
    let parsed =
        syn::parse_file(&source).map_err(|e| std::io::Error::other(format!("cannot parse {}: {e}", file.display())))?;
    let mut found = PrivateChecks { ids: Vec::new(), functions: Vec::new() };
    for item in &parsed.items {
        if let syn::Item::Fn(f) = item {
            found.functions.push(f.sig.ident.to_string());
        }
    }
    // Every `Check::new("id", ...)`: its first argument is the id.
    let mut visitor = CheckIds(&mut found.ids);
    syn::visit::visit_file(&mut visitor, &parsed);
    Ok(found)
}

struct CheckIds<'a>(&'a mut Vec<String>);

impl<'ast> syn::visit::Visit<'ast> for CheckIds<'_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func
            && path.path.segments.len() >= 2
            && path.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "Check")
            && path.path.segments.last().is_some_and(|s| s.ident == "new")
            && let Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(id), .. })) = call.args.first()
        {
            self.0.push(id.value());
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// Every place in `out` where instructor-only code shows: a line only a solution has, the package
/// name of a solution, or a private check's id or function.
///
/// A solution line is a marker when no other file of the kit has it (a stub's doc comment or a
/// guide's hint may show a line of a solution on purpose); lines are compared trimmed and without
/// comment markers, so that a line cannot hide behind `///`.
pub fn leaks(kit: &Path, out: &Path) -> std::io::Result<Vec<String>> {
    let solutions = kit.join("solutions");
    let is_private = |path: &Path| path.file_name() == Some("private.rs".as_ref());
    // Only what the copy is made of counts as "elsewhere": the kit's own tests hold patches of the
    // solutions (the corpus), and must not make solution lines look shared.
    let mut sources = Vec::new();
    for kept in KEPT.iter().chain(&["README.md", "grader/checks"]) {
        sources.extend(text_files(&kit.join(kept))?);
    }
    let elsewhere: BTreeSet<String> = sources
        .iter()
        .filter(|(path, _)| !is_private(path))
        .flat_map(|(_, text)| text.lines().map(normalise).collect::<Vec<_>>())
        .collect();
    let mut lines: BTreeSet<String> = BTreeSet::new();
    let mut strings: BTreeSet<String> = BTreeSet::new();
    for (path, text) in text_files(&solutions)? {
        lines.extend(text.lines().map(normalise).filter(|l| l.len() >= DISTINCTIVE && !elsewhere.contains(l)));
        if path.file_name() == Some("Cargo.toml".as_ref())
            && let Some(name) = path.parent().and_then(Path::file_name).and_then(|n| n.to_str())
        {
            strings.insert(format!("name = \"{}-solution\"", crate_name(name)));
        }
    }
    for entry in fs::read_dir(kit.join("grader").join("checks"))? {
        let private = entry?.path().join("src").join("private.rs");
        if private.is_file() {
            let checks = private_checks(&private)?;
            strings.extend(checks.ids.iter().map(|id| format!("\"{id}\"")));
            strings.extend(checks.functions.iter().map(|f| format!("fn {f}(")));
        }
    }
    let mut found = Vec::new();
    for (path, text) in text_files(out)? {
        let shown = path.strip_prefix(out).unwrap_or(&path).display().to_string();
        for line in text.lines().map(normalise).filter(|l| lines.contains(l)) {
            found.push(format!("{shown}: a line of a solution: {line}"));
        }
        for marker in strings.iter().filter(|m| text.contains(m.as_str())) {
            found.push(format!("{shown}: {marker}"));
        }
    }
    Ok(found)
}

/// A line as compared for leaks: trimmed, without a leading comment marker.
fn normalise(line: &str) -> String {
    let line = line.trim();
    let line = line
        .strip_prefix("//!")
        .or_else(|| line.strip_prefix("///"))
        .or_else(|| line.strip_prefix("//"))
        .unwrap_or(line);
    line.trim().to_owned()
}

/// `02-accept-loop` → `accept-loop`.
fn crate_name(exercise: &str) -> &str {
    exercise.get(3..).unwrap_or(exercise)
}

/// Every file under `dir` (or `dir` itself, if a file) that is text, with its content.
fn text_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    if dir.is_file() {
        if let Ok(text) = fs::read_to_string(dir) {
            files.push((dir.to_owned(), text));
        }
        return Ok(files);
    }
    if !dir.exists() {
        return Ok(files);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            let name = path.file_name();
            if name != Some("target".as_ref()) && name != Some(".git".as_ref()) {
                files.extend(text_files(&path)?);
            }
        } else if let Ok(text) = fs::read_to_string(&path) {
            files.push((path, text));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_loses_only_solution_packages() {
        let lock = "# header\nversion = 4\n\n[[package]]\nname = \"bind\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"bind-solution\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"libc\"\n";
        let kept = without_solution_packages(lock);
        assert!(kept.contains("name = \"bind\"") && kept.contains("name = \"libc\""), "{kept}");
        assert!(!kept.contains("bind-solution"), "{kept}");
    }

    #[test]
    fn the_student_readme_keeps_the_student_sections_only() {
        let readme =
            "# kit\nintro\n\n## Set-up\nboth commands\n\n## Student guide\nlearn\n\n## Instructor guide\nsecret\n";
        let student = student_readme(readme);
        assert!(student.starts_with("# kit\nintro\n"), "{student}");
        assert!(student.contains("## Student guide\nlearn"), "{student}");
        assert!(!student.contains("secret") && !student.contains("both commands"), "{student}");
    }

    #[test]
    fn a_solution_line_or_a_private_check_in_the_copy_is_a_leak() {
        let dir = tempfile::tempdir().unwrap();
        let (kit, out) = (dir.path().join("kit"), dir.path().join("out"));
        let write = |path: PathBuf, text: &str| {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        };
        let solution = "    let listener = TcpListener::bind(addr).map_err(classify)?;\n";
        let stub = "    todo!(\"bind the listener, then return it\")\n";
        write(kit.join("solutions/01-bind/src/lib.rs"), solution);
        write(kit.join("exercises/01-bind/src/lib.rs"), stub);
        write(
            kit.join("grader/checks/01-bind/src/private.rs"),
            "pub const CHECKS: &[Check] = &[Check::new(\"secret-id\", \"t\", Step::Bind, hidden)];\nfn hidden() {}\n",
        );
        write(out.join("exercises/01-bind/src/lib.rs"), stub);
        assert!(leaks(&kit, &out).unwrap().is_empty(), "a stub is not a leak");
        // The line behind a doc comment's marker is still the solution's.
        write(out.join("exercises/01-bind/src/lib.rs"), &format!("/// {}", solution.trim_start()));
        let found = leaks(&kit, &out).unwrap();
        assert!(found.iter().any(|l| l.contains("a line of a solution")), "{found:?}");
        write(out.join("exercises/01-bind/src/lib.rs"), stub);
        write(out.join("grader/checks/01-bind/src/main.rs"), "const ID: &str = \"secret-id\";\n");
        let found = leaks(&kit, &out).unwrap();
        assert_eq!(found, ["grader/checks/01-bind/src/main.rs: \"secret-id\""]);
    }

    #[test]
    fn private_check_ids_and_functions_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("private.rs");
        fs::write(
            &file,
            "use grader::{Check, Step};\npub const CHECKS: &[Check] = &[Check::new(\"secret-id\", \"t\", Step::Bind, hidden).private()];\nfn hidden(_: &mut grader::Ctx) -> grader::Outcome { Ok(()) }\n",
        )
        .unwrap();
        let found = private_checks(&file).unwrap();
        assert_eq!(found.ids, ["secret-id"]);
        assert_eq!(found.functions, ["hidden"]);
    }
}
