//! Where the student's files are, as the student knows them. The grader compiles a copy of each
//! exercise's `src/` (see [`crate::tree`]), so the places rustc records (a panic's `file:line`)
//! name the copy; the judge is told the copy's prefix and the tree's, and shows the tree's.

use std::sync::OnceLock;

static PREFIXES: OnceLock<Vec<(String, String)>> = OnceLock::new();

/// Sets, once per judge, which compiled prefix stands for which shown one.
pub fn set(prefixes: Vec<(String, String)>) {
    let _ = PREFIXES.set(prefixes);
}

/// `file` as the student knows it.
pub fn shown(file: &str) -> String {
    for (compiled, shown) in PREFIXES.get().map(Vec::as_slice).unwrap_or_default() {
        if let Some(rest) = file.strip_prefix(compiled.as_str()) {
            return format!("{shown}{rest}");
        }
    }
    file.to_owned()
}

/// Replaces every compiled prefix in `text` (a program's panic message, say) by its shown one.
pub fn shown_in(text: &str) -> String {
    let mut text = text.to_owned();
    for (compiled, shown) in PREFIXES.get().map(Vec::as_slice).unwrap_or_default() {
        text = text.replace(compiled.as_str(), shown);
    }
    text
}
