//! One case of the reliability corpus: how it is read from its file, how its tree is written
//! (the solution with the case's patches), and how its grade is judged. The file format is
//! described in `tests/corpus/README.md`. Also the hostile trees that tests outside the corpus
//! write by hand (a solution that attacks from within, a crate that never compiles). Shared by the
//! test binaries that grade trees; each uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use grader::report::{ExerciseReport, Status};

/// A mistake a student makes, or a submission that attacks the grader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A realistic mistake: some check must fail, naming the mistake's concept.
    Mutant,
    /// Code that misbehaves on purpose: the grader must stay correct, bounded and clean.
    Hostile,
}

/// What a check must do on the case.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The check's id, or `*` for every check not named.
    pub check: String,
    /// `pass`, `fail`, `timeout` or `error`.
    pub status: Status,
    /// Words the failure message must contain (case-insensitive).
    pub words: Vec<String>,
}

/// A change to one file of the solution.
#[derive(Clone, Debug)]
pub enum Patch {
    /// Replace `find`, which must occur exactly once, with `replace`.
    Replace { file: PathBuf, find: String, replace: String },
    /// Add `text` at the end of the file.
    Append { file: PathBuf, text: String },
    /// A new file holding `text`.
    Create { file: PathBuf, text: String },
    /// A symbolic link at `file` pointing at `target`.
    Symlink { file: PathBuf, target: String },
}

/// One case file.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file's name without `.case`.
    pub name: String,
    /// The first comment line: what the case is.
    pub title: String,
    /// The exercise it changes, e.g. `02-accept-loop`.
    pub exercise: String,
    /// Mutant or hostile.
    pub kind: Kind,
    /// The verdicts, in file order.
    pub expect: Vec<Expect>,
    /// Words the build failure must contain, when the case is not meant to compile.
    pub broken: Option<Vec<String>>,
    /// Checks whose standard output must have overflowed the grader's limit by at least so many bytes.
    pub dropped: Vec<(String, u64)>,
    /// How many processes the hostile code must report starting (in `hostile-report/*.pid`).
    pub reports: usize,
    /// The changes to the solution (or the stub).
    pub patches: Vec<Patch>,
    /// Whether the case starts from the stub (`exercises/`) rather than the solution.
    pub from_stub: bool,
    /// Words the report's list of ignored files must contain.
    pub ignored: Vec<String>,
}

impl Case {
    /// `02-accept-loop/serves-one-client`.
    pub fn id(&self) -> String {
        format!("{}/{} ({})", self.exercise, self.name, self.title)
    }

    /// Writes the case's tree: `tree/EXERCISE` holds the solution (or the stub) with the patches
    /// applied; `{kit}` in a patch stands for the kit's root. Files that already hold the right
    /// bytes are left as they are, so that a tree graded before is not rebuilt.
    pub fn write_tree(&self, kit: &Path, tree: &Path) -> Result<(), String> {
        let base = if self.from_stub { "exercises" } else { "solutions" };
        let mut files = read_dir_files(&kit.join(base).join(&self.exercise))?;
        let kit_text = kit.to_string_lossy();
        let mut links = Vec::new();
        for patch in &self.patches {
            let (file, text) = match patch {
                Patch::Create { file, text } => {
                    files.insert(file.clone(), text.replace("{kit}", &kit_text).into_bytes());
                    continue;
                }
                Patch::Symlink { file, target } => {
                    files.remove(file);
                    links.push((file.clone(), target.replace("{kit}", &kit_text)));
                    continue;
                }
                Patch::Replace { file, .. } | Patch::Append { file, .. } => {
                    let text = files.get_mut(file).ok_or_else(|| {
                        format!("patches {}, which solutions/{} does not have", file.display(), self.exercise)
                    })?;
                    (file, text)
                }
            };
            let source =
                String::from_utf8(std::mem::take(text)).map_err(|_| format!("{} is not UTF-8", file.display()))?;
            let changed = match patch {
                Patch::Replace { find, replace, .. } => {
                    let count = source.matches(find.as_str()).count();
                    if count != 1 {
                        return Err(format!(
                            "the text to replace occurs {count} times in solutions/{}/{} (it must occur once; \
                             has the solution changed?):\n{find}",
                            self.exercise,
                            file.display()
                        ));
                    }
                    source.replacen(find.as_str(), replace, 1)
                }
                Patch::Append { text, .. } => format!("{source}\n{text}"),
                Patch::Create { .. } | Patch::Symlink { .. } => unreachable!("handled above"),
            };
            *files.get_mut(file).expect("read above") = changed.replace("{kit}", &kit_text).into_bytes();
        }
        let dir = tree.join(&self.exercise);
        sync_dir(&dir, &files)?;
        for (file, target) in links {
            let at = dir.join(&file);
            let _ = fs::remove_file(&at);
            std::os::unix::fs::symlink(&target, &at).map_err(|e| format!("cannot link {}: {e}", at.display()))?;
        }
        Ok(())
    }

    /// What is wrong with the grade of this case (`graded`), given the solution's grade.
    pub fn judge(&self, graded: &ExerciseReport, solution: Option<&ExerciseReport>) -> Vec<String> {
        let mut problems = Vec::new();
        match (&self.broken, &graded.broken) {
            (Some(words), Some(broken)) => {
                let text = format!("{}\n{}", broken.summary, broken.detail);
                problems.extend(
                    missing_words(words, &text).map(|w| format!("the build failure does not say {w:?}: {text}")),
                );
            }
            (Some(_), None) => problems.push("expected the exercise not to build, and it built".into()),
            (None, Some(broken)) => {
                problems.push(format!("the exercise does not build: {}\n{}", broken.summary, broken.detail))
            }
            (None, None) => {}
        }
        if graded.checks.is_empty() {
            problems.push("no checks were reported".into());
        }
        let ignored = graded.ignored.join(", ");
        problems.extend(
            missing_words(&self.ignored, &ignored)
                .map(|w| format!("the report does not say {w:?} was ignored: {ignored:?}")),
        );
        for expect in &self.expect {
            if expect.check != "*" && !graded.checks.iter().any(|c| c.id == expect.check) {
                problems.push(format!("names a check {:?} that {} does not have", expect.check, self.exercise));
            }
        }
        for check in &graded.checks {
            let Some(expect) = self
                .expect
                .iter()
                .find(|e| e.check == check.id)
                .or_else(|| self.expect.iter().find(|e| e.check == "*"))
            else {
                problems.push(format!("says nothing of check {} ({})", check.id, status_name(check.status)));
                continue;
            };
            if check.status != expect.status {
                problems.push(format!(
                    "{}: expected {}, got {}{}",
                    check.id,
                    status_name(expect.status),
                    status_name(check.status),
                    check.fail.as_ref().map(|f| format!(": {f}")).unwrap_or_default()
                ));
                continue;
            }
            let message = check.fail.as_ref().map(ToString::to_string).unwrap_or_default();
            for word in missing_words(&expect.words, &message) {
                problems.push(format!("{}: the failure does not say {word:?}: {message}", check.id));
            }
        }
        for (id, bytes) in &self.dropped {
            match graded.checks.iter().find(|c| &c.id == id) {
                Some(check) if check.stdout.dropped >= *bytes => {}
                Some(check) => problems.push(format!(
                    "{id}: expected at least {bytes} bytes of stdout dropped, got {} dropped",
                    check.stdout.dropped
                )),
                None => problems.push(format!("no check {id:?} for `dropped`")),
            }
        }
        if self.kind == Kind::Mutant {
            problems.extend(self.judge_mutant(solution));
        }
        problems
    }

    /// A mutant is caught by a named check that says what the mistake is, and that check passes on
    /// the solution (so it catches this mistake, not anything at all).
    fn judge_mutant(&self, solution: Option<&ExerciseReport>) -> Vec<String> {
        let catching: Vec<&Expect> =
            self.expect.iter().filter(|e| e.check != "*" && e.status != Status::Pass && !e.words.is_empty()).collect();
        if catching.is_empty() && self.broken.is_none() {
            return vec!["a mutant needs a named check that fails with words that name the mistake".into()];
        }
        let Some(solution) = solution else { return vec!["the solution was not graded".into()] };
        catching
            .iter()
            .filter_map(|e| {
                let on_solution = solution.checks.iter().find(|c| c.id == e.check).map(|c| c.status);
                (on_solution != Some(Status::Pass)).then(|| {
                    format!("{} catches the mutant but does not pass on the solution ({on_solution:?})", e.check)
                })
            })
            .collect()
    }
}

/// `pass`, `fail`, `timeout`, `error`.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Timeout => "timeout",
        Status::Error => "error",
    }
}

fn parse_status(text: &str) -> Option<Status> {
    Some(match text {
        "pass" => Status::Pass,
        "fail" => Status::Fail,
        "timeout" => Status::Timeout,
        "error" => Status::Error,
        _ => return None,
    })
}

fn missing_words<'a>(words: &'a [String], text: &str) -> impl Iterator<Item = &'a String> {
    let text = text.to_lowercase();
    words.iter().filter(move |w| !text.contains(&w.to_lowercase()))
}

/// Every case under `dir` (`dir/NN-name/*.case`), sorted by exercise and name.
pub fn load_all(dir: &Path) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let mut files: Vec<PathBuf> = fs::read_dir(&folder)
            .map_err(|e| format!("cannot read {}: {e}", folder.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "case"))
            .collect();
        files.sort();
        for file in files {
            let case = parse(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let folder_name = folder.file_name().unwrap().to_string_lossy();
            if case.exercise != folder_name {
                return Err(format!("{}: exercise {} is not its folder's", file.display(), case.exercise));
            }
            cases.push(case);
        }
    }
    Ok(cases)
}

/// Reads a case file (see `tests/corpus/README.md`).
pub fn parse(path: &Path) -> Result<Case, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut case = Case {
        name: path.file_stem().unwrap().to_string_lossy().into_owned(),
        title: String::new(),
        exercise: String::new(),
        kind: Kind::Mutant,
        expect: Vec::new(),
        broken: None,
        dropped: Vec::new(),
        reports: 0,
        patches: Vec::new(),
        from_stub: false,
        ignored: Vec::new(),
    };
    let mut kind = None;
    let mut target: Option<(Block, PathBuf)> = None; // what the next block is, and its file
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let at = |problem: String| format!("line {}: {problem}", n + 1);
        let line = line.trim_end();
        if let Some(comment) = line.strip_prefix('#') {
            if case.title.is_empty() {
                case.title = comment.trim().to_owned();
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if line == "<<<<<<<" {
            let (block, file) = target
                .take()
                .ok_or_else(|| at("a block without `patch FILE`, `append FILE` or `create FILE` before it".into()))?;
            let append = block != Block::Patch;
            let mut find = Vec::new();
            let mut replace = Vec::new();
            let mut in_replace = false;
            loop {
                let (_, block_line) = lines.next().ok_or_else(|| at("the block does not end with >>>>>>>".into()))?;
                match block_line {
                    ">>>>>>>" => break,
                    "=======" if !append && !in_replace => in_replace = true,
                    _ if in_replace => replace.push(block_line),
                    _ => find.push(block_line),
                }
            }
            case.patches.push(if block == Block::Create {
                Patch::Create { file, text: find.join("\n") + "\n" }
            } else if append {
                Patch::Append { file, text: find.join("\n") + "\n" }
            } else {
                if !in_replace {
                    return Err(at("a replace block needs ======= between what to find and what replaces it".into()));
                }
                Patch::Replace { file, find: find.join("\n") + "\n", replace: join_lines(&replace) }
            });
            continue;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match key {
            "exercise" => case.exercise = rest.to_owned(),
            "kind" => {
                kind = Some(match rest {
                    "mutant" => Kind::Mutant,
                    "hostile" => Kind::Hostile,
                    _ => return Err(at(format!("kind is mutant or hostile, not {rest:?}"))),
                })
            }
            "expect" => {
                let (check, rest) =
                    rest.split_once(' ').ok_or_else(|| at("expect CHECK STATUS [\"words\"...]".into()))?;
                let (status, words) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
                let status = parse_status(status).ok_or_else(|| at(format!("unknown status {status:?}")))?;
                case.expect.push(Expect { check: check.to_owned(), status, words: quoted(words).map_err(at)? });
            }
            "broken" => case.broken = Some(quoted(rest).map_err(at)?),
            "dropped" => {
                let (check, bytes) = rest.split_once(' ').ok_or_else(|| at("dropped CHECK BYTES".into()))?;
                let bytes = bytes.trim().parse().map_err(|_| at(format!("not a number of bytes: {bytes:?}")))?;
                case.dropped.push((check.to_owned(), bytes));
            }
            "reports" => case.reports = rest.parse().map_err(|_| at(format!("not a number: {rest:?}")))?,
            "patch" => target = Some((Block::Patch, PathBuf::from(rest))),
            "append" => target = Some((Block::Append, PathBuf::from(rest))),
            "create" => target = Some((Block::Create, PathBuf::from(rest))),
            "symlink" => {
                let (file, to) = rest.split_once(' ').ok_or_else(|| at("symlink FILE TARGET".into()))?;
                case.patches.push(Patch::Symlink { file: PathBuf::from(file), target: to.trim().to_owned() });
            }
            "from" if rest == "stub" => case.from_stub = true,
            "ignored" => case.ignored = quoted(rest).map_err(at)?,
            _ => return Err(at(format!("unknown line {line:?}"))),
        }
    }
    case.kind = kind.ok_or("no `kind` line")?;
    if case.exercise.is_empty() {
        return Err("no `exercise` line".into());
    }
    if case.title.is_empty() {
        return Err("no title: the first comment line says what the case is".into());
    }
    if case.expect.is_empty() && case.broken.is_none() {
        return Err("no `expect` line: every verdict must be asserted".into());
    }
    if case.patches.is_empty() {
        return Err("no patch: the case would be the solution (or the stub)".into());
    }
    Ok(case)
}

/// What a `<<<<<<<` block does to its file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Patch,
    Append,
    Create,
}

/// Lines of a replacement, each ended by a newline (none for an empty replacement).
fn join_lines(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `"a" "b c"` → `["a", "b c"]`.
fn quoted(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('"').ok_or_else(|| format!("words are in double quotes: {rest:?}"))?;
        let end = inner.find('"').ok_or_else(|| format!("an unclosed quote: {rest:?}"))?;
        words.push(inner[..end].to_owned());
        rest = inner[end + 1..].trim_start();
    }
    Ok(words)
}

/// Every file under `dir` (but `target/`), by path relative to it.
fn read_dir_files(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>, String> {
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) -> std::io::Result<()> {
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if entry.file_name() != "target" {
                    walk(base, &path, files)?;
                }
            } else {
                files.insert(path.strip_prefix(base).expect("below base").to_owned(), fs::read(&path)?);
            }
        }
        Ok(())
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    Ok(files)
}

/// Makes `dir` hold exactly `files`, writing only those whose bytes differ.
fn sync_dir(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<(), String> {
    let error = |path: &Path, e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if let Ok(existing) = read_dir_files(dir) {
        for path in existing.keys().filter(|p| !files.contains_key(*p)) {
            fs::remove_file(dir.join(path)).map_err(|e| error(&dir.join(path), e))?;
        }
    }
    for (path, bytes) in files {
        let target = dir.join(path);
        if fs::read(&target).is_ok_and(|old| old == *bytes) {
            continue;
        }
        fs::create_dir_all(target.parent().unwrap()).map_err(|e| error(&target, e))?;
        fs::write(&target, bytes).map_err(|e| error(&target, e))?;
    }
    Ok(())
}

/// A copy of the solution of 01-bind (from the kit at `kit`) in `dir`, whose `parse_address` first
/// runs `hostile` (a block of code) when it runs in the student host: the library's checks meet it,
/// and the program's checks keep the solution's output.
pub fn hostile_bind(kit: &Path, dir: &Path, hostile: &str) {
    let from = kit.join("solutions/01-bind");
    let to = dir.join("01-bind");
    fs::create_dir_all(to.join("src")).unwrap();
    fs::copy(from.join("Cargo.toml"), to.join("Cargo.toml")).unwrap();
    fs::copy(from.join("src/main.rs"), to.join("src/main.rs")).unwrap();
    let lib = fs::read_to_string(from.join("src/lib.rs")).unwrap();
    let signature = "pub fn parse_address(text: &str) -> Result<SocketAddr, BindError> {\n";
    assert_eq!(lib.matches(signature).count(), 1, "has the solution changed?");
    let in_host = "std::env::current_exe().is_ok_and(|e| e.to_string_lossy().contains(\"/host-\"))";
    let patched = lib.replace(signature, &format!("{signature}    if {in_host} {{ {hostile} }}\n"));
    fs::write(to.join("src/lib.rs"), patched).unwrap();
}

/// Makes the crate whose `src/lib.rs` is `lib` keep the compiler busy for ever: constant
/// evaluation that never ends, once its lint is allowed. (A build script would be ignored: only
/// the `.rs` files of `src/` are built.)
pub fn hang_the_compiler(lib: &Path) {
    let text = fs::read_to_string(lib).unwrap();
    let (docs, code): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with("//!"));
    let hang = "pub const FOREVER: u64 = { let mut i: u64 = 0; loop { i = i.wrapping_add(1); } };";
    let text = format!("{}\n#![allow(long_running_const_eval)]\n{}\n{hang}\n", docs.join("\n"), code.join("\n"));
    fs::write(lib, text).unwrap();
}

/// Writes `tree` with the solution of every exercise in `exercises`, each of whose functions
/// (free functions, methods, `main`) sleeps forever instead of doing its work. Functions that
/// return `impl Trait` or are `const` keep their bodies: a body that never returns does not
/// compile there.
pub fn write_hanging_tree(solutions: &Path, tree: &Path, exercises: &[String]) -> Result<(), String> {
    for exercise in exercises {
        let mut files = read_dir_files(&solutions.join(exercise))?;
        for (path, bytes) in files.iter_mut() {
            if path.extension().is_some_and(|x| x == "rs") {
                let source =
                    String::from_utf8(bytes.clone()).map_err(|_| format!("{} is not UTF-8", path.display()))?;
                let mut file = syn::parse_file(&source).map_err(|e| format!("{}: {e}", path.display()))?;
                hang_items(&mut file.items);
                *bytes = quote::ToTokens::into_token_stream(file).to_string().into_bytes();
            }
        }
        sync_dir(&tree.join(exercise), &files)?;
    }
    Ok(())
}

fn hang_items(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Fn(f) => hang(&f.sig, &mut f.block),
            syn::Item::Impl(i) => {
                for item in &mut i.items {
                    if let syn::ImplItem::Fn(f) = item {
                        hang(&f.sig, &mut f.block);
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    hang_items(items);
                }
            }
            _ => {}
        }
    }
}

fn hang(sig: &syn::Signature, block: &mut syn::Block) {
    let returns_impl = match &sig.output {
        syn::ReturnType::Type(_, ty) => quote::ToTokens::to_token_stream(ty).to_string().contains("impl"),
        syn::ReturnType::Default => false,
    };
    if returns_impl || sig.constness.is_some() {
        return;
    }
    *block = syn::parse_quote!({
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    });
}
