//! An exercise's guide, `exercises/NN-name/README.md`, and the hints at its end.
//!
//! The format every guide follows: a section `## Hints` holding `### Hint 1`, `### Hint 2`, …
//! headings, each followed by its text, in increasing detail; nothing comes after the hints
//! section (a later `## ` heading would end it). Headings inside code blocks do not count.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use grader::tree::Kit;

/// The guide of `exercise` in the student's tree.
pub fn path(kit: &Kit, exercise: &str) -> PathBuf {
    kit.root.join("exercises").join(exercise).join("README.md")
}

/// The hints of the guide in `text`, in order, each trimmed of blank lines around it.
pub fn hints(text: &str) -> Result<Vec<String>, String> {
    let mut in_section = false;
    let mut seen_section = false;
    let mut in_code = false;
    let mut hints: Vec<Vec<&str>> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with("```") || trimmed.trim_start().starts_with("~~~") {
            in_code = !in_code;
        }
        let heading = !in_code && !line.starts_with(' ');
        if heading && let Some(title) = trimmed.strip_prefix("## ") {
            if in_section {
                break; // the next section ends the hints
            }
            in_section = title.trim().eq_ignore_ascii_case("hints");
            seen_section |= in_section;
            continue;
        }
        if !in_section {
            continue;
        }
        if heading && trimmed.starts_with("### ") {
            hints.push(Vec::new());
        } else if let Some(hint) = hints.last_mut() {
            hint.push(line);
        }
    }
    if !seen_section {
        return Err("it has no `## Hints` section".to_owned());
    }
    if hints.is_empty() {
        return Err("its `## Hints` section has no `### Hint 1` heading".to_owned());
    }
    let hints: Vec<String> = hints.into_iter().map(|lines| lines.join("\n").trim_matches('\n').to_owned()).collect();
    if let Some(empty) = hints.iter().position(|h| h.trim().is_empty()) {
        return Err(format!("hint {} has no text", empty + 1));
    }
    Ok(hints)
}

/// The hints of `exercise`, or a sentence saying why there are none.
pub fn hints_of(kit: &Kit, exercise: &str) -> Result<Vec<String>, String> {
    let path = path(kit, exercise);
    let shown = path.strip_prefix(&kit.root).unwrap_or(&path).display().to_string();
    let text = fs::read_to_string(&path).map_err(|e| format!("{exercise} has no guide with hints: {shown}: {e}"))?;
    hints(&text).map_err(|why| format!("cannot read the hints of {exercise} from {shown}: {why}"))
}

/// How many hints of each exercise the student has seen, kept under `target/sockets-course/`.
#[derive(Debug, Default)]
pub struct Seen {
    file: PathBuf,
    seen: BTreeMap<String, usize>,
}

impl Seen {
    /// What was recorded so far (nothing, if the record is missing or unreadable).
    pub fn load(kit: &Kit) -> Self {
        let file = kit.work_dir().join("hints.json");
        let seen = fs::read(&file).ok().and_then(|json| serde_json::from_slice(&json).ok()).unwrap_or_default();
        Seen { file, seen }
    }

    /// The number of the highest hint seen of `exercise` (0 for none).
    pub fn get(&self, exercise: &str) -> usize {
        self.seen.get(exercise).copied().unwrap_or(0)
    }

    /// Records that hint `n` of `exercise` was shown, and saves. Failing to save only means the
    /// same hint comes again next time.
    pub fn record(&mut self, exercise: &str, n: usize) {
        let highest = self.get(exercise).max(n);
        self.seen.insert(exercise.to_owned(), highest);
        save(&self.file, &self.seen);
    }
}

fn save(file: &Path, seen: &BTreeMap<String, usize>) {
    let Ok(json) = serde_json::to_vec_pretty(seen) else { return };
    let _ = fs::create_dir_all(file.parent().expect("in a folder"));
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    if fs::write(&temporary, json).is_ok() {
        let _ = fs::rename(temporary, file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = "\
# Exercise 01 — bind

Some text.

## Try it by hand

```sh
## not a heading: inside a code block
```

## Hints

These come in increasing detail.

### Hint 1

Read the doc comment.

### Hint 2: the error kinds

Match on `error.kind()`:

```rust
### still hint 2, inside code
match error.kind() {}
```

### Hint 3

`text.parse::<SocketAddr>()`.
";

    #[test]
    fn hints_are_the_subsections_of_the_hints_section() {
        let hints = hints(GUIDE).unwrap();
        assert_eq!(hints.len(), 3, "{hints:#?}");
        assert_eq!(hints[0], "Read the doc comment.");
        assert!(hints[1].starts_with("Match on `error.kind()`:"), "{}", hints[1]);
        assert!(hints[1].contains("### still hint 2, inside code"), "{}", hints[1]);
        assert!(hints[1].ends_with("```"), "{}", hints[1]);
        assert_eq!(hints[2], "`text.parse::<SocketAddr>()`.");
    }

    #[test]
    fn a_later_section_ends_the_hints() {
        let text = format!("{GUIDE}\n## Solution\n\nnot a hint\n### Hint 4\nhidden\n");
        let hints = hints(&text).unwrap();
        assert_eq!(hints.len(), 3);
        assert!(!hints[2].contains("Solution"));
    }

    #[test]
    fn guides_without_hints_say_what_is_missing() {
        assert_eq!(hints("# Guide\n\ntext\n").unwrap_err(), "it has no `## Hints` section");
        assert_eq!(hints("## Hints\n\nnone yet\n").unwrap_err(), "its `## Hints` section has no `### Hint 1` heading");
        assert_eq!(hints("## Hints\n### Hint 1\none\n### Hint 2\n\n").unwrap_err(), "hint 2 has no text");
        assert_eq!(hints("## hints\r\n### Hint 1\r\nwindows\r\n").unwrap(), ["windows"]);
    }

    #[test]
    fn every_exercise_of_the_kit_has_a_guide_with_hints() {
        let kit = Kit::at(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap());
        for exercise in kit.exercises().unwrap() {
            let hints = hints_of(&kit, &exercise).unwrap();
            assert!(hints.len() >= 2, "{exercise}: a guide gives hints in increasing detail, at least two");
        }
    }

    #[test]
    fn seen_hints_are_remembered_per_exercise() {
        let dir = tempfile::tempdir().unwrap();
        let kit = Kit::at(dir.path());
        let mut seen = Seen::load(&kit);
        assert_eq!(seen.get("01-bind"), 0);
        seen.record("01-bind", 2);
        seen.record("01-bind", 1);
        let again = Seen::load(&kit);
        assert_eq!(again.get("01-bind"), 2);
        assert_eq!(again.get("02-accept-loop"), 0);
    }
}
