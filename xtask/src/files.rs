//! The files of an exercise as the kit sees them: everything in its folder except build output and
//! the droppings of editors (swap files, backups), which change while a student types and must not
//! trigger a grade, change a cache key or count as work; and the numbered working folders
//! (*slots*) that batch grading and mutation testing reuse, one per worker.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// True for names that are never part of an exercise: `target/`, hidden files (`.lib.rs.swp`),
/// editor backups (`lib.rs~`) and vim's probe file `4913`.
pub fn is_noise(name: &str) -> bool {
    name == "target" || name.starts_with('.') || name.ends_with('~') || name == "4913" || name.ends_with(".swp")
}

/// True when a path (anywhere below an exercise folder) goes through a noise name.
pub fn is_noise_path(relative: &Path) -> bool {
    relative.components().any(|c| c.as_os_str().to_str().is_some_and(is_noise))
}

/// The files below `dir`, as paths relative to it, sorted. A missing folder has no files.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files)?;
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, relative: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match fs::read_dir(dir.join(relative)) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if is_noise(&name) {
            continue;
        }
        let path = relative.join(&name);
        if entry.file_type()?.is_dir() {
            walk(dir, &path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Takes the first free numbered slot in `dir` (`slot-1`, `slot-2`, …) under a lock file that the
/// kernel releases when this process ends, however it ends: its number and the held lock.
pub fn take_slot(dir: &Path) -> io::Result<(usize, fs::File)> {
    fs::create_dir_all(dir)?;
    for n in 1.. {
        let lock =
            fs::File::options().create(true).truncate(false).write(true).open(dir.join(format!("slot-{n}.lock")))?;
        if lock.try_lock().is_ok() {
            return Ok((n, lock));
        }
    }
    unreachable!("there are always more slot numbers")
}

/// Copies the regular files of an exercise folder `from` into `to`, without build output
/// (`target/`), version control or links (which could point anywhere, or in a circle). Each copy
/// gets a fresh modification time, which is what makes cargo rebuild what is built from it.
pub fn copy_sources(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        if kind.is_dir() && name != "target" && name != ".git" {
            copy_sources(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_editor_files_are_not_part_of_an_exercise() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["Cargo.toml", "src/lib.rs", "src/.lib.rs.swp", "src/lib.rs~", "target/debug/x", "4913"] {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        assert_eq!(list(dir.path()).unwrap(), [PathBuf::from("Cargo.toml"), PathBuf::from("src/lib.rs")]);
        assert!(is_noise_path(Path::new("src/.lib.rs.swp")));
        assert!(!is_noise_path(Path::new("src/lib.rs")));
        assert_eq!(list(&dir.path().join("none")).unwrap(), Vec::<PathBuf>::new());
    }
}
