//! What a graded tree contributes to a build: the regular `.rs` files under each exercise's
//! `src/`, copied into a folder of the grader's, and nothing else. No symlink is followed, no
//! `build.rs`, dependency or path in the tree's `Cargo.toml` is used (the grader writes the
//! manifest), and source that reads other files at compile time (`include!`, `include_str!`,
//! `include_bytes!`, `#[path]`) is refused: each of these once let untouched stubs use the
//! solutions. What the tree holds beyond its sources is listed, so that the report can say it was
//! ignored.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::tree::Broken;

/// At most this many source files per exercise.
const MAX_FILES: usize = 256;
/// At most this many bytes per source file.
const MAX_FILE_BYTES: u64 = 1 << 20;
/// Macros that read a file at compile time.
const FILE_MACROS: [&str; 3] = ["include", "include_str", "include_bytes"];

/// What staging an exercise found.
#[derive(Debug, Default)]
pub struct Staged {
    /// Whether `src/main.rs` is there (the exercise's program).
    pub has_program: bool,
    /// The package name: `KEY` or `KEY-solution` as the tree's manifest says, else `KEY`.
    pub package: String,
    /// What the tree holds that the build ignores, one short item each.
    pub ignored: Vec<String>,
}

/// Copies the sources of `from` (an exercise folder of the graded tree) into `to`, replacing what
/// was there. Only files that changed are written, so cargo rebuilds only what changed.
pub fn stage(from: &Path, to: &Path, key: &str) -> Result<Staged, Broken> {
    if fs::symlink_metadata(from).is_err() {
        let name = from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = from.parent().map(|p| p.display().to_string()).unwrap_or_default();
        return Err(Broken {
            summary: format!("missing: no folder {name}/ in {dir}"),
            detail: format!("each exercise is a crate: a folder {name}/ with src/lib.rs, beside the other exercises"),
        });
    }
    let src = from.join("src");
    let meta = fs::symlink_metadata(&src).map_err(|_| Broken {
        summary: format!("missing: {} has no src/ folder", from.display()),
        detail: "each exercise is a crate: a folder with src/lib.rs, named as in exercises/".into(),
    })?;
    if !meta.is_dir() {
        return Err(Broken {
            summary: format!("{} is not a folder (a link is not followed)", src.display()),
            detail: String::new(),
        });
    }
    let mut staged =
        Staged { ignored: ignored_beside_src(from), package: package_name(from, key), ..Staged::default() };
    let mut files = Vec::new();
    collect(&src, Path::new(""), &mut files, &mut staged.ignored)
        .map_err(|e| Broken { summary: format!("cannot read {}: {e}", src.display()), detail: String::new() })?;
    if files.len() > MAX_FILES {
        return Err(Broken {
            summary: format!("src/ holds {} .rs files; the grader builds at most {MAX_FILES}", files.len()),
            detail: String::new(),
        });
    }
    if !files.iter().any(|f| f == Path::new("lib.rs")) {
        return Err(Broken {
            summary: "missing: src/lib.rs (the library the checks call)".into(),
            detail: "a link is not followed: src/lib.rs must be a file of its own".into(),
        });
    }
    staged.has_program = files.iter().any(|f| f == Path::new("main.rs"));
    let target = to.join("src");
    for file in &files {
        let text = read_capped(&src.join(file)).map_err(|e| Broken {
            summary: format!("cannot read src/{}: {e}", file.display()),
            detail: String::new(),
        })?;
        if let Some(problem) = reads_other_files(&text) {
            return Err(Broken {
                summary: format!("src/{}: {problem}", file.display()),
                detail: "The grader compiles the .rs files of src/ and nothing else: code may not read other \
                         files at compile time. Write the code in the file itself (or in a module: `mod name;` \
                         finds src/name.rs)."
                    .into(),
            });
        }
        write_if_changed(&target.join(file), &text).map_err(|e| Broken {
            summary: format!("cannot copy src/{}: {e}", file.display()),
            detail: String::new(),
        })?;
    }
    remove_stale(&target, Path::new(""), &files);
    Ok(staged)
}

/// The regular `.rs` files below `dir`, relative to it; everything else is noted as ignored.
fn collect(dir: &Path, relative: &Path, files: &mut Vec<PathBuf>, ignored: &mut Vec<String>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir.join(relative))?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = relative.join(entry.file_name());
        let kind = entry.file_type()?;
        let shown = format!("src/{}", name.display());
        if kind.is_symlink() {
            ignored.push(format!("{shown} (a link)"));
        } else if kind.is_dir() {
            if files.len() <= MAX_FILES {
                collect(dir, &name, files, ignored)?;
            }
        } else if kind.is_file() && name.extension().is_some_and(|e| e == "rs") && name.to_str().is_some() {
            files.push(name);
        } else {
            ignored.push(shown);
        }
    }
    Ok(())
}

/// What sits beside `src/` that a student might expect the build to use.
fn ignored_beside_src(exercise: &Path) -> Vec<String> {
    let mut ignored = Vec::new();
    let Ok(entries) = fs::read_dir(exercise) else { return ignored };
    let mut names: Vec<String> =
        entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into()).collect();
    names.sort();
    for name in names {
        match name.as_str() {
            "src" | "README.md" | "Cargo.lock" | "target" => {}
            "Cargo.toml" => {
                if manifest_asks_for_more(&exercise.join("Cargo.toml")) {
                    ignored.push("Cargo.toml's build script, dependencies or paths".into());
                }
            }
            hidden if hidden.starts_with('.') => {}
            other => ignored.push(other.to_owned()),
        }
    }
    ignored
}

/// The package name of the tree's manifest when it is one of the two the kit uses (the stub's, or
/// the solution's `KEY-solution`); otherwise `key`. Nothing else of the manifest is used.
fn package_name(exercise: &Path, key: &str) -> String {
    let solution = format!("{key}-solution");
    let text = read_capped(&exercise.join("Cargo.toml")).unwrap_or_default();
    let named = |line: &str| {
        let value = line.strip_prefix("name")?.trim_start().strip_prefix('=')?.trim();
        Some(value.trim_matches(|c| c == '"' || c == '\'').to_owned())
    };
    match text.lines().map(str::trim).find_map(named) {
        Some(name) if name == solution => solution,
        _ => key.to_owned(),
    }
}

/// Whether a manifest asks for anything beyond the stub's: a build script, dependencies, paths.
fn manifest_asks_for_more(manifest: &Path) -> bool {
    let Ok(text) = read_capped(manifest) else { return false };
    let mut section = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if line.starts_with('[') {
            section = line.to_owned();
            if ["[lib]", "[[bin]]", "[workspace]"].contains(&line) || line.starts_with("[patch") {
                return true;
            }
            continue;
        }
        let key = line.split('=').next().unwrap_or_default().trim();
        if section.contains("dependencies") || key == "build" || key == "path" || key == "workspace" {
            return true;
        }
    }
    false
}

/// Why source text would read another file at compile time, if it would.
pub fn reads_other_files(text: &str) -> Option<String> {
    let tokens = TokenStream::from_str(text).ok()?;
    find_in(tokens, false)
}

fn find_in(tokens: TokenStream, in_attribute: bool) -> Option<String> {
    let mut after_hash = false;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                let name = name.trim_start_matches("r#");
                if FILE_MACROS.contains(&name) {
                    return Some(format!("{name}! is not allowed"));
                }
                if in_attribute && name == "path" {
                    return Some("#[path = ...] is not allowed".into());
                }
                after_hash = false;
            }
            TokenTree::Punct(punct) => {
                after_hash = punct.as_char() == '#' || (after_hash && punct.as_char() == '!');
            }
            TokenTree::Group(group) => {
                let attribute = in_attribute || (after_hash && group.delimiter() == Delimiter::Bracket);
                if let Some(found) = find_in(group.stream(), attribute) {
                    return Some(found);
                }
                after_hash = false;
            }
            TokenTree::Literal(_) => after_hash = false,
        }
    }
    None
}

/// Reads a file of the graded tree: no link followed, regular files only, size-capped, and
/// without blocking on a FIFO.
fn read_capped(path: &Path) -> io::Result<String> {
    crate::files::read_untrusted(path, MAX_FILE_BYTES)
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8")))
}

/// Writes a staged file only when its content changes (an unchanged file keeps cargo's
/// fingerprints fresh), atomically (a grade of the same tree running at the same time never reads
/// half a file).
fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if crate::files::read_untrusted(path, MAX_FILE_BYTES).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    fs::create_dir_all(path.parent().expect("in a folder"))?;
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path)
}

/// Removes staged files the tree no longer has.
fn remove_stale(dir: &Path, relative: &Path, keep: &[PathBuf]) {
    let Ok(entries) = fs::read_dir(dir.join(relative)) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = relative.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_stale(dir, &name, keep);
            let _ = fs::remove_dir(dir.join(&name));
        } else if !keep.contains(&name) && !name.extension().is_some_and(|e| e.to_string_lossy().starts_with("tmp")) {
            let _ = fs::remove_file(dir.join(&name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_macros_and_path_attributes_are_found_however_written() {
        for text in [
            r#"pub fn f() -> &'static str { include_str!("/etc/passwd") }"#,
            r#"include!("../../../solutions/01-bind/src/lib.rs");"#,
            r#"const B: &[u8] = core::include_bytes!("x");"#,
            r#"macro_rules! grab { ($f:expr) => { r#include!($f) } }"#,
            r#"use std::include_str as read; const T: &str = read!("x");"#,
            r#"#[path = "../../solutions/01-bind/src/lib.rs"] mod solution;"#,
            r#"#[cfg_attr(all(), path = "x.rs")] mod solution;"#,
        ] {
            assert!(reads_other_files(text).is_some(), "not found in {text}");
        }
    }

    #[test]
    fn ordinary_code_is_accepted() {
        let text = r#"use std::path::Path; #[derive(Debug)] pub struct S { path: String } mod helpers;
                      pub fn f(path: &Path) -> bool { path.exists() } #[doc = "include"] fn g() {}"#;
        assert_eq!(reads_other_files(text), None);
    }

    #[test]
    fn only_regular_rs_files_under_src_are_staged() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        let src = from.path().join("src");
        fs::create_dir_all(src.join("net")).unwrap();
        fs::write(src.join("lib.rs"), "mod net;").unwrap();
        fs::write(src.join("net/mod.rs"), "pub fn f() {}").unwrap();
        fs::write(src.join("notes.txt"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", src.join("linked.rs")).unwrap();
        fs::write(from.path().join("build.rs"), "fn main() {}").unwrap();
        fs::write(from.path().join("Cargo.toml"), "[package]\nname = \"bind\"\nbuild = \"build.rs\"\n").unwrap();
        let staged = stage(from.path(), to.path(), "bind").unwrap();
        assert_eq!(staged.package, "bind");
        assert!(!staged.has_program);
        assert!(to.path().join("src/lib.rs").is_file());
        assert!(to.path().join("src/net/mod.rs").is_file());
        assert!(!to.path().join("src/linked.rs").exists());
        assert!(!to.path().join("src/notes.txt").exists());
        assert_eq!(
            staged.ignored,
            ["Cargo.toml's build script, dependencies or paths", "build.rs", "src/linked.rs (a link)", "src/notes.txt"]
        );
        // A file removed from the tree leaves the staged copy too.
        fs::remove_file(src.join("net/mod.rs")).unwrap();
        fs::write(src.join("lib.rs"), "").unwrap();
        fs::write(from.path().join("Cargo.toml"), "[package]\nname = \"bind-solution\"\n").unwrap();
        assert_eq!(stage(from.path(), to.path(), "bind").unwrap().package, "bind-solution");
        assert!(!to.path().join("src/net/mod.rs").exists());
    }

    #[test]
    fn a_lib_rs_that_is_a_link_is_missing() {
        let from = tempfile::tempdir().unwrap();
        let to = tempfile::tempdir().unwrap();
        fs::create_dir_all(from.path().join("src")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", from.path().join("src/lib.rs")).unwrap();
        let broken = stage(from.path(), to.path(), "bind").unwrap_err();
        assert!(broken.summary.contains("src/lib.rs"), "{broken:?}");
    }
}
