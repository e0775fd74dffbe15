//! What instructors rely on: points, the machine-readable formats (json, junit, gradescope,
//! classroom) read back by real parsers and checked against the fields their consumers require,
//! the Gradescope template run outside Gradescope, and batch grading of a generated class of
//! submissions with the CSV's totals checked.
//!
//! Each test grades real trees over loopback. They take one lock in turn, so that two of them never
//! crowd the machine's two cores at once: the checks are timing-sensitive.

mod corpus_case;
mod kit;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

use kit::{copy_dir, exercises, kit, outcome};

static MACHINE: Mutex<()> = Mutex::new(());

/// One grading test at a time (a failed test must not stop the others: poison is ignored).
fn machine() -> MutexGuard<'static, ()> {
    MACHINE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn xtask() -> Command {
    kit::xtask(Duration::from_secs(900))
}

/// The grade of a tree (`--solutions`, or none for exercises/) in a format, from standard output.
fn grade(tree: Option<&str>, format: &str) -> (i32, String) {
    let mut command = xtask();
    command.arg("grade").arg(format!("--format={format}"));
    command.args(tree);
    let (code, out, err) = outcome(&mut command);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, out)
}

/// Replaces the first `from` in a file by `to`, insisting that it is there.
fn replace(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} does not contain {from:?}", file.display());
    fs::write(file, text.replacen(from, to, 1)).unwrap();
}

fn u64_of(value: &Value, field: &str) -> u64 {
    value[field].as_u64().unwrap_or_else(|| panic!("{field} is not a whole number in {value}"))
}

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("{field} is not a string in {value}"))
}

/// The checks of a json report: (exercise, check id) → (status, points, max points).
fn checks_of(report: &Value) -> BTreeMap<(String, String), (String, u64, u64)> {
    let mut checks = BTreeMap::new();
    for exercise in report["exercises"].as_array().unwrap() {
        for check in exercise["checks"].as_array().unwrap() {
            let key = (str_of(exercise, "exercise").to_owned(), str_of(check, "check").to_owned());
            checks.insert(
                key,
                (str_of(check, "status").to_owned(), u64_of(check, "points"), u64_of(check, "max_points")),
            );
        }
    }
    checks
}

/// Checks a json report against the schema the README documents, and returns it parsed.
fn check_json_schema(text: &str) -> Value {
    let report: Value = serde_json::from_str(text).expect("the json format is JSON");
    assert_eq!(report["schema"], 1, "{report}");
    str_of(&report, "tree");
    u64_of(&report, "duration_ms");
    let (mut points, mut max, mut passed, mut total) = (0, 0, 0, 0);
    let exercises = report["exercises"].as_array().unwrap();
    assert_eq!(exercises.iter().map(|e| str_of(e, "exercise").to_owned()).collect::<Vec<_>>(), self::exercises());
    for exercise in exercises {
        let (mut e_points, mut e_max, mut e_passed) = (0, 0, 0);
        assert!(exercise["broken"].is_null() || exercise["broken"]["summary"].is_string(), "{exercise}");
        let checks = exercise["checks"].as_array().unwrap();
        assert!(!checks.is_empty());
        for check in checks {
            assert_eq!(check["exercise"], exercise["exercise"]);
            for field in ["check", "title", "step"] {
                assert!(!str_of(check, field).is_empty(), "{field} of {check}");
            }
            let status = str_of(check, "status");
            assert!(["pass", "fail", "error", "timeout"].contains(&status), "{check}");
            let (p, m) = (u64_of(check, "points"), u64_of(check, "max_points"));
            assert!(m >= 1, "{check}");
            if status == "pass" {
                assert_eq!((p, &check["message"], &check["details"]), (m, &Value::Null, &Value::Null), "{check}");
                e_passed += 1;
            } else {
                assert_eq!(p, 0, "{check}");
                assert!(!str_of(check, "message").is_empty(), "{check}");
                for field in ["did", "expected", "got"] {
                    str_of(&check["details"], field);
                }
            }
            for line in check["transcript"].as_array().unwrap() {
                assert!(["grader", "student", "grader-handler"].contains(&str_of(line, "who")), "{line}");
                str_of(line, "text");
            }
            for stream in ["stdout", "stderr"] {
                str_of(&check[stream], "text");
                u64_of(&check[stream], "dropped_bytes");
            }
            u64_of(check, "duration_ms");
            e_points += p;
            e_max += m;
        }
        assert_eq!(
            (u64_of(exercise, "points"), u64_of(exercise, "max_points"), u64_of(exercise, "passed")),
            (e_points, e_max, e_passed),
            "the exercise's totals are the sums of its checks: {exercise}"
        );
        assert_eq!(u64_of(exercise, "total"), checks.len() as u64);
        assert!(check_withheld_is_consistent(exercise, checks));
        points += e_points;
        max += e_max;
        passed += e_passed;
        total += checks.len() as u64;
    }
    assert_eq!(
        (u64_of(&report, "points"), u64_of(&report, "max_points"), u64_of(&report, "passed"), u64_of(&report, "total")),
        (points, max, passed, total)
    );
    let withheld: u64 = exercises.iter().map(|e| u64_of(e, "withheld")).sum();
    assert_eq!(u64_of(&report, "withheld"), withheld, "the report's withheld checks are the exercises' sum");
    report
}

/// A grade either ran an exercise's private checks (then none is withheld) or withheld them (then
/// none is in its list).
fn check_withheld_is_consistent(exercise: &Value, checks: &[Value]) -> bool {
    let private = checks.iter().filter(|c| c["private"].as_bool().expect("every check says if it is private")).count();
    private == 0 || u64_of(exercise, "withheld") == 0
}

#[test]
fn json_reports_follow_the_documented_schema_with_points() {
    let _machine = machine();
    let (code, out) = grade(Some("--solutions"), "json");
    assert_eq!(code, 0);
    let solutions = check_json_schema(&out);
    assert_eq!(solutions["points"], solutions["max_points"], "every check passes on the solutions");
    let checks = checks_of(&solutions);
    assert!(checks.values().all(|(status, _, _)| status == "pass"));
    assert!(checks.values().any(|&(_, _, max)| max > 1), "some checks weigh more than one point");
    assert!(u64_of(&solutions, "max_points") > u64_of(&solutions, "total"), "points are not just a count of checks");

    // The instructor's grade runs every check; a student's (exercises/) the public ones, and
    // counts the private ones as withheld.
    let private = private_checks(&solutions);
    assert!(!private.is_empty(), "the kit has private checks");
    assert_eq!(u64_of(&solutions, "withheld"), 0, "--solutions runs the private checks");
    let (code, out) = grade(None, "json");
    assert_eq!(code, 1);
    let stubs = check_json_schema(&out);
    assert_eq!(stubs["points"], 0, "every check fails on the stubs");
    assert_eq!(u64_of(&stubs, "withheld"), private.len() as u64, "a student's grade withholds the private checks");
    let stub_checks = checks_of(&stubs);
    let public: Vec<_> = checks.keys().filter(|key| !private.contains(key)).collect();
    assert_eq!(stub_checks.keys().collect::<Vec<_>>(), public, "the same public checks");
    for (key, (status, _, max)) in &stub_checks {
        assert_ne!(status, "pass", "{key:?}");
        assert_eq!(*max, checks[key].2, "a check is worth the same on any tree: {key:?}");
    }
    // An instructor grading the stubs as a submission (--tree) runs the private ones too.
    let mut command = xtask();
    command.args(["grade", "--format=json", "--tree"]).arg(kit().join("exercises"));
    let (code, out, _) = outcome(&mut command);
    assert_eq!(code, 1);
    let as_submission = check_json_schema(&out);
    assert_eq!(u64_of(&as_submission, "withheld"), 0);
    assert_eq!(checks_of(&as_submission).keys().collect::<Vec<_>>(), checks.keys().collect::<Vec<_>>());
}

/// `(exercise, check)` of every private check in a json report.
fn private_checks(report: &Value) -> Vec<(String, String)> {
    report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["checks"].as_array().unwrap())
        .filter(|c| c["private"] == true)
        .map(|c| (str_of(c, "exercise").to_owned(), str_of(c, "check").to_owned()))
        .collect()
}

#[test]
fn the_human_format_shows_points_per_exercise_and_in_total() {
    let _machine = machine();
    let (_, json) = grade(Some("--solutions"), "json");
    let reference = check_json_schema(&json);
    let (code, out) = grade(Some("--solutions"), "human");
    assert_eq!(code, 0, "{out}");
    for exercise in reference["exercises"].as_array().unwrap() {
        let (name, max, total) =
            (str_of(exercise, "exercise"), u64_of(exercise, "max_points"), u64_of(exercise, "total"));
        assert!(out.contains(&format!("{name}  {total}/{total} checks, {max}/{max} points")), "{name}: {out}");
    }
    let (max, total) = (u64_of(&reference, "max_points"), u64_of(&reference, "total"));
    assert!(out.contains(&format!("Total: {total}/{total} checks passed, {max}/{max} points, ")), "{out}");
    assert!(out.contains(" (2 points)"), "a heavier check says what it is worth: {out}");

    let (_, json) = grade(None, "json");
    let student = check_json_schema(&json);
    let (code, out) = grade(None, "human");
    assert_eq!(code, 1);
    let (max, total, withheld) =
        (u64_of(&student, "max_points"), u64_of(&student, "total"), u64_of(&student, "withheld"));
    assert!(out.contains(&format!("Total: 0/{total} checks passed, 0/{max} points, ")), "{out}");
    assert!(
        out.contains(&format!("+ {withheld} private checks, not counted here: they run at final grading")),
        "a student's grade says how many private checks there are: {out}"
    );
}

/// Parses a JUnit document and checks what CI systems read: counts that match the test cases,
/// times that add up, failure messages, and one suite per exercise with its points.
fn check_junit(xml: &str, json: &Value) {
    let document = roxmltree::Document::parse(xml).expect("the junit format is well-formed XML 1.0");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let count = |node: roxmltree::Node, attribute: &str| -> u64 {
        node.attribute(attribute).unwrap_or_else(|| panic!("no {attribute} on {node:?}")).parse().unwrap()
    };
    let time = |node: roxmltree::Node| -> f64 { node.attribute("time").unwrap().parse().unwrap() };
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    let exercises = json["exercises"].as_array().unwrap();
    assert_eq!(suites.len(), exercises.len());
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for (suite, exercise) in suites.iter().zip(exercises) {
        assert_eq!(suite.attribute("name"), exercise["exercise"].as_str());
        let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        let checks = exercise["checks"].as_array().unwrap();
        assert_eq!(count(*suite, "tests"), cases.len() as u64);
        assert_eq!(cases.len(), checks.len());
        let failed = |tag: &str| cases.iter().filter(|c| c.children().any(|n| n.has_tag_name(tag))).count() as u64;
        assert_eq!(count(*suite, "failures"), failed("failure"));
        assert_eq!(count(*suite, "errors"), failed("error"));
        assert_eq!(count(*suite, "skipped"), 0);
        let case_time: f64 = cases.iter().map(|c| time(*c)).sum();
        assert!((time(*suite) - case_time).abs() < 0.0005 * cases.len() as f64 + 1e-9, "suite time is the sum");
        let property = |name: &str| -> u64 {
            let node = suite.descendants().find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name));
            node.and_then(|n| n.attribute("value")).unwrap().parse().unwrap()
        };
        assert_eq!(property("points"), u64_of(exercise, "points"));
        assert_eq!(property("max_points"), u64_of(exercise, "max_points"));
        for (case, check) in cases.iter().zip(checks) {
            let name = case.attribute("name").unwrap();
            assert!(name.starts_with(str_of(check, "check")), "{name}");
            assert!(case.attribute("classname").unwrap().ends_with(str_of(exercise, "exercise")));
            let failure = case.children().find(|n| n.has_tag_name("failure") || n.has_tag_name("error"));
            match str_of(check, "status") {
                "pass" => assert!(failure.is_none(), "{name}"),
                status => {
                    let failure = failure.unwrap_or_else(|| panic!("{name} has no failure element"));
                    // The json report comes from another grade of the tree, with other ports and
                    // perhaps other output: the message must be the same kind of explanation.
                    let message = failure.attribute("message").unwrap();
                    assert!(message.starts_with("the grader ") && message.contains("; expected "), "{message}");
                    let kind = failure.attribute("type").unwrap();
                    assert_eq!(kind, if status == "error" { "grader-error" } else { status });
                    let body = failure.text().unwrap_or_default();
                    assert!(body.contains("expected "), "the body explains the failure: {body}");
                }
            }
        }
        tests += cases.len() as u64;
        failures += failed("failure");
        errors += failed("error");
    }
    assert_eq!((count(root, "tests"), count(root, "failures"), count(root, "errors")), (tests, failures, errors));
}

#[test]
fn junit_reports_are_well_formed_and_count_right() {
    let _machine = machine();
    for (tree, expected_code) in [(Some("--solutions"), 0), (None, 1)] {
        let (code, json) = grade(tree, "json");
        assert_eq!(code, expected_code);
        let json = check_json_schema(&json);
        let (code, xml) = grade(tree, "junit");
        assert_eq!(code, expected_code);
        check_junit(&xml, &json);
    }
}

#[test]
fn junit_carries_what_student_code_printed_even_characters_xml_forbids() {
    let _machine = machine();
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tree-printing-control-characters");
    let _ = fs::remove_dir_all(&tree);
    copy_dir(&kit().join("solutions"), &tree);
    // Library code prints into the check's own process, whose output the report keeps.
    replace(
        &tree.join("01-bind/src/lib.rs"),
        "    let addr = parse_address(text)?;",
        "    println!(\"binding {text} \\u{7}\\u{0}\\u{1b}[31m <&> ]]>\");\n    \
         eprintln!(\"warning: \\u{1} <b>\");\n    let addr = parse_address(text)?;",
    );
    let output = tree.join("report.xml");
    let (code, out, err) =
        outcome(xtask().args(["grade", "01", "--format", "junit", "--output"]).arg(&output).arg("--tree").arg(&tree));
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.is_empty(), "with --output, nothing on standard output: {out}");
    assert!(err.contains(&output.display().to_string()), "says where it wrote: {err}");
    let xml = fs::read_to_string(&output).unwrap();
    let document = roxmltree::Document::parse(&xml).expect("well-formed despite the control characters");
    let out_text: Vec<&str> =
        document.descendants().filter(|n| n.has_tag_name("system-out")).filter_map(|n| n.text()).collect();
    assert!(out_text.iter().any(|t| t.contains("binding 127.0.0.1:0 \\u{7}\\u{0}\\u{1b}[31m <&> ]]>")), "{out_text:?}");
    let err_text: Vec<&str> =
        document.descendants().filter(|n| n.has_tag_name("system-err")).filter_map(|n| n.text()).collect();
    assert!(err_text.iter().any(|t| t.contains("warning: \\u{1} <b>")), "{err_text:?}");
}

#[test]
fn gradescope_results_have_the_fields_gradescope_reads() {
    let _machine = machine();
    for (tree, expected_code) in [(Some("--solutions"), 0), (None, 1)] {
        let (_, json) = grade(tree, "json");
        let json = check_json_schema(&json);
        let (code, out) = grade(tree, "gradescope");
        assert_eq!(code, expected_code);
        let results: Value = serde_json::from_str(&out).expect("results.json is JSON");
        let visibility = ["hidden", "after_due_date", "after_published", "visible"];
        assert!(visibility.contains(&str_of(&results, "visibility")));
        assert!(visibility.contains(&str_of(&results, "stdout_visibility")));
        u64_of(&results, "execution_time");
        str_of(&results, "output");
        let tests = results["tests"].as_array().unwrap();
        assert_eq!(tests.len() as u64, u64_of(&json, "total"), "one test per check");
        let mut score = 0.0;
        let mut max = 0.0;
        let mut numbers = std::collections::BTreeSet::new();
        for test in tests {
            assert!(!str_of(test, "name").is_empty());
            assert!(numbers.insert(str_of(test, "number").to_owned()), "numbers are unique: {test}");
            assert!(visibility.contains(&str_of(test, "visibility")));
            let (s, m) = (test["score"].as_f64().unwrap(), test["max_score"].as_f64().unwrap());
            assert!(s == 0.0 || s == m, "{test}");
            let status = str_of(test, "status");
            assert_eq!(status, if s == m { "passed" } else { "failed" }, "{test}");
            let output = str_of(test, "output");
            if status == "failed" {
                assert!(output.contains("expected ") && output.contains("got "), "{output}");
            }
            score += s;
            max += m;
        }
        assert_eq!(results["score"].as_f64(), Some(score), "the score is the sum of the tests");
        assert_eq!(score, json["points"].as_f64().unwrap());
        assert_eq!(max, json["max_points"].as_f64().unwrap());
    }
}

#[test]
fn classroom_results_give_the_reporter_the_points() {
    let _machine = machine();
    for (tree, expected_code, expected_status) in [(Some("--solutions"), 0, "pass"), (None, 1, "fail")] {
        let (_, json) = grade(tree, "json");
        let json = check_json_schema(&json);
        let (code, out) = grade(tree, "classroom");
        assert_eq!(code, expected_code);
        let result: Value = serde_json::from_str(&out).expect("the classroom format is JSON");
        assert_eq!(result["version"], 1);
        assert_eq!(str_of(&result, "status"), expected_status);
        // What the reporter sends to Classroom: the sum of the tests' scores over max_score.
        assert_eq!(u64_of(&result, "max_score"), u64_of(&json, "max_points"));
        let tests = result["tests"].as_array().unwrap();
        assert_eq!(tests.len() as u64, u64_of(&json, "total"));
        let score: u64 = tests.iter().map(|t| u64_of(t, "score")).sum();
        assert_eq!(score, u64_of(&json, "points"));
        for test in tests {
            assert!(!str_of(test, "name").is_empty());
            let status = str_of(test, "status");
            assert!(["pass", "fail", "error"].contains(&status), "{test}");
            assert_eq!(test["message"].is_null(), status == "pass", "{test}");
            u64_of(test, "duration");
        }
        // It travels base64-encoded in one environment variable, which Linux caps at 128 KiB.
        assert!(out.len() * 4 / 3 < 100 * 1024, "{} bytes", out.len());
    }
}

/// Runs the Gradescope template's `run_autograder` on a submission, outside Gradescope (with the
/// autograder folder in a scratch place), and returns its results.json.
fn run_autograder(name: &str, fill: impl FnOnce(&Path)) -> Value {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradescope").join(name);
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("submission")).unwrap();
    fill(&root.join("submission"));
    let output = std::process::Command::new("bash")
        .arg(kit().join("templates/gradescope/run_autograder"))
        .env("AUTOGRADER", &root)
        .env("KIT", kit())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run_autograder failed: {log}");
    let text = fs::read_to_string(root.join("results/results.json")).unwrap_or_else(|e| panic!("{e}: {log}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {text}"))
}

#[test]
fn the_gradescope_template_grades_an_upload_and_explains_an_empty_one() {
    let _machine = machine();
    let (_, json) = grade(Some("--solutions"), "json");
    let reference = check_json_schema(&json);

    // A whole copy of the kit, zipped with its folder, with build output in it.
    let results = run_autograder("kit-clone", |submission| {
        let clone = submission.join("sockets-course-main");
        copy_dir(&kit().join("solutions"), &clone.join("exercises"));
        fs::create_dir_all(clone.join("exercises/01-bind/target/debug")).unwrap();
        fs::write(clone.join("exercises/01-bind/target/debug/junk"), "not source").unwrap();
    });
    assert_eq!(results["score"].as_u64(), Some(u64_of(&reference, "max_points")), "{results}");
    assert_eq!(results["tests"].as_array().unwrap().len() as u64, u64_of(&reference, "total"));
    // The grader found the exercises in the copy's folder, and wrote nothing into the upload.
    fn files(dir: &Path) -> usize {
        fs::read_dir(dir)
            .unwrap()
            .map(Result::unwrap)
            .map(|e| if e.file_type().unwrap().is_dir() { files(&e.path()) } else { 1 })
            .sum()
    }
    let submission = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gradescope/kit-clone/submission");
    assert_eq!(files(&submission), files(&kit().join("solutions")) + 1, "the upload and its junk file, nothing more");

    let results = run_autograder("nothing", |submission| fs::write(submission.join("README.md"), "hi").unwrap());
    assert_eq!(results["score"].as_u64(), Some(0), "{results}");
    assert!(str_of(&results, "output").starts_with("No exercise found."), "{results}");
    assert_eq!(results["tests"].as_array().unwrap().len(), 0);
}

#[test]
fn format_and_batch_options_are_checked() {
    let cases: &[(&[&str], &str)] = &[
        (&["grade", "--format", "xml"], "--format takes one of human, json, junit, gradescope, classroom"),
        (&["grade", "--parallel", "2"], "add --submissions DIR"),
        (&["grade", "--submissions", "/no/such/folder"], "no such folder"),
        (&["grade", "--submissions", ".", "--format", "json"], "--format and --write do not apply"),
        (&["grade", "--write", "junit"], "--write takes FORMAT=FILE"),
        (&["grade", "--write", "xml=report.xml"], "the format is one of human, json"),
        (&["grade", "--submissions", ".", "--solutions"], "do not apply"),
        (&["grade", "--submissions", ".", "--parallel", "0"], "--parallel takes a whole number"),
        (&["grade", "--submissions", ".", "--time-limit", "soon"], "--time-limit takes a whole number of seconds"),
    ];
    for (args, message) in cases {
        let (code, _, err) = outcome(xtask().args(*args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.contains(message), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 2, "one error line and one usage pointer: {err}");
    }
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = outcome(xtask().args(["grade", "--submissions"]).arg(empty.path()));
    assert_eq!(code, 2);
    assert!(err.contains("holds no folders"), "{err}");
    let (code, out, _) = outcome(xtask().arg("--help"));
    assert_eq!(code, 0);
    for option in [
        "--format FORMAT",
        "--output FILE",
        "--write FORMAT=FILE",
        "--submissions DIR",
        "--parallel N",
        "--time-limit SECS",
    ] {
        assert!(out.contains(option), "--help lacks {option}");
    }
}

/// A generated submission: how it differs from the solutions, and what the grade must find.
struct Submission {
    name: &'static str,
    kind: Kind,
}

enum Kind {
    /// A copy of solutions/ (in a copy of the whole kit, when `nested`).
    Solution { nested: bool },
    /// A copy of exercises/: the untouched stubs.
    Stub,
    /// A solution with one line changed, and the checks that must catch it, all in `exercise`.
    Bug {
        exercise: &'static str,
        file: &'static str,
        from: &'static str,
        to: &'static str,
        caught_by: &'static [&'static str],
    },
    /// A solution whose exercise does not compile.
    DoesNotCompile { exercise: &'static str },
    /// A solution without one of its exercises.
    Missing { exercise: &'static str },
    /// A folder with no exercise in it.
    Empty,
    /// A build script that never ends: the submission's time limit must stop it.
    BuildHangs,
}

fn class() -> Vec<Submission> {
    use Kind::*;
    let mut class = Vec::new();
    for name in ["ada", "alan", "barbara", "donald", "edsger", "grace"] {
        class.push(Submission { name, kind: Solution { nested: false } });
    }
    class.push(Submission { name: "ken-kit-clone", kind: Solution { nested: true } });
    for name in ["stub-1", "stub-2", "stub-3"] {
        class.push(Submission { name, kind: Stub });
    }
    class.extend([
        Submission {
            name: "bug-addr-in-use-is-other",
            kind: Bug {
                exercise: "01-bind",
                file: "src/lib.rs",
                from: "io::ErrorKind::AddrInUse => BindError::AddrInUse(addr)",
                to: "io::ErrorKind::AddrInUse => BindError::Other(addr, error)",
                caught_by: &["address-in-use"],
            },
        },
        Submission {
            name: "bug-exit-code-zero-on-error",
            kind: Bug {
                exercise: "01-bind",
                file: "src/main.rs",
                from: "eprintln!(\"error: {error}\");\n            ExitCode::FAILURE",
                to: "eprintln!(\"error: {error}\");\n            ExitCode::SUCCESS",
                caught_by: &["program-reports-errors"],
            },
        },
        Submission {
            name: "bug-parse-hangs-on-ipv6",
            kind: Bug {
                exercise: "01-bind",
                file: "src/lib.rs",
                from: "    text.parse().map_err",
                to: "    if text.contains('[') {\n        loop {\n            std::thread::park();\n        }\n    }\n    text.parse().map_err",
                caught_by: &["parse-address"],
            },
        },
        Submission {
            name: "bug-greeting-without-newline",
            kind: Bug {
                exercise: "02-accept-loop",
                file: "src/lib.rs",
                from: "stream.write_all(GREETING.as_bytes())?;",
                to: "stream.write_all(GREETING.trim_end().as_bytes())?;",
                caught_by: &[
                    "classic-client",
                    "several-in-a-row",
                    "closes-after-reply",
                    "early-disconnect",
                    "program-serves-clients",
                    // Private checks come after the public ones.
                    "stops-after-limit",
                ],
            },
        },
        Submission {
            name: "bug-greet-waits-for-a-client-that-left",
            kind: Bug {
                exercise: "02-accept-loop",
                file: "src/lib.rs",
                from: "    if n > 0 {",
                to: "    if n == 0 {\n        loop {\n            std::thread::park();\n        }\n    }\n    if n > 0 {",
                caught_by: &["early-disconnect", "silent-client", "program-serves-clients"],
            },
        },
        Submission {
            name: "bug-one-write-is-not-write-all",
            kind: Bug {
                exercise: "03-client",
                file: "src/lib.rs",
                from: "writer.write_all(message)?;",
                to: "let _ = writer.write(message)?;",
                caught_by: &["write-all"],
            },
        },
        Submission {
            name: "bug-reply-printed-on-stderr",
            kind: Bug {
                exercise: "03-client",
                file: "src/main.rs",
                from: "println!(\"{reply}\");",
                to: "eprintln!(\"{reply}\");",
                caught_by: &["program-talks"],
            },
        },
        Submission { name: "broken-does-not-compile", kind: DoesNotCompile { exercise: "02-accept-loop" } },
        Submission { name: "broken-missing-client", kind: Missing { exercise: "03-client" } },
        Submission { name: "broken-empty", kind: Empty },
        Submission { name: "broken-build-hangs", kind: BuildHangs },
    ]);
    class
}

/// Writes the class into `dir`, one folder per submission.
fn generate(dir: &Path, class: &[Submission]) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    for submission in class {
        let to = dir.join(submission.name);
        match &submission.kind {
            Kind::Solution { nested: false } => copy_dir(&kit().join("solutions"), &to),
            Kind::Solution { nested: true } => {
                copy_dir(&kit().join("solutions"), &to.join("exercises"));
                fs::write(to.join("README.md"), "a student's clone of the kit").unwrap();
            }
            Kind::Stub => copy_dir(&kit().join("exercises"), &to),
            Kind::Bug { exercise, file, from, to: changed, .. } => {
                copy_dir(&kit().join("solutions"), &to);
                replace(&to.join(exercise).join(file), from, changed);
            }
            Kind::DoesNotCompile { exercise } => {
                copy_dir(&kit().join("solutions"), &to);
                let lib = to.join(exercise).join("src/lib.rs");
                let text = fs::read_to_string(&lib).unwrap();
                fs::write(&lib, format!("{text}\npub fn broken() -> u8 {{ \"not a number\" }}\n")).unwrap();
            }
            Kind::Missing { exercise } => {
                copy_dir(&kit().join("solutions"), &to);
                fs::remove_dir_all(to.join(exercise)).unwrap();
            }
            Kind::Empty => fs::create_dir_all(to.join("notes")).unwrap(),
            Kind::BuildHangs => {
                copy_dir(&kit().join("solutions"), &to);
                corpus_case::hang_the_compiler(&to.join("01-bind/src/lib.rs"));
            }
        }
    }
}

#[test]
fn a_generated_class_is_graded_in_one_command_with_the_right_totals() {
    let _machine = machine();
    // What each check is worth, from the reference.
    let (_, json) = grade(Some("--solutions"), "json");
    let reference = check_json_schema(&json);
    let worth = checks_of(&reference);
    let max: BTreeMap<String, u64> = reference["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_of(e, "exercise").to_owned(), u64_of(e, "max_points")))
        .collect();
    let max_total: u64 = max.values().sum();

    let class = class();
    assert!(class.len() >= 20);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("class");
    generate(&dir, &class);
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("class-grades");
    let _ = fs::remove_dir_all(&out_dir);

    let started = Instant::now();
    // The time limit is far above what a submission takes (seconds), so only the hanging build hits
    // it for good (another may reach it while waiting for the hanging one, and is graded again).
    let (code, out, err) = outcome(xtask().args(["grade", "--time-limit", "45", "--submissions"]).arg(&dir));
    let elapsed = started.elapsed();
    eprintln!(
        "batch of {} submissions: {:.1} s, {:.1} submissions per minute\n{out}",
        class.len(),
        elapsed.as_secs_f64(),
        class.len() as f64 / elapsed.as_secs_f64() * 60.0
    );
    assert_eq!(code, 1, "two submissions cannot be graded: {out}\n{err}");
    assert!(out.contains(&format!("Graded {} of {} submissions in ", class.len() - 2, class.len())), "{out}");
    let table = out_dir.join("grades.csv");
    assert!(out.contains(&table.display().to_string()), "says where it wrote, by default beside the class: {out}");

    let mut reader = csv::Reader::from_path(&table).unwrap();
    let mut header: Vec<String> = vec!["student".into()];
    header.extend(exercises());
    header.extend(["total", "max", "status", "note"].map(String::from));
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), header);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut names: Vec<&str> = class.iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(rows.iter().map(|r| &r[0]).collect::<Vec<_>>(), names, "one row per student, by name");

    for row in &rows {
        let submission = class.iter().find(|s| s.name == &row[0]).unwrap();
        let field = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
        let note = field("note");
        // What each exercise must score, worked out from what the submission is.
        let expected: BTreeMap<String, Option<u64>> = max
            .iter()
            .map(|(exercise, &full)| {
                let points = match &submission.kind {
                    Kind::Solution { .. } => Some(full),
                    Kind::Stub => Some(0),
                    Kind::Bug { exercise: buggy, caught_by, .. } if buggy == exercise => Some(
                        full - caught_by.iter().map(|id| worth[&(exercise.clone(), (*id).to_owned())].2).sum::<u64>(),
                    ),
                    Kind::DoesNotCompile { exercise: broken } | Kind::Missing { exercise: broken }
                        if broken == exercise =>
                    {
                        Some(0)
                    }
                    Kind::Bug { .. } | Kind::DoesNotCompile { .. } | Kind::Missing { .. } => Some(full),
                    Kind::Empty | Kind::BuildHangs => None,
                };
                (exercise.clone(), points)
            })
            .collect();
        for (exercise, points) in &expected {
            let shown = field(exercise);
            assert_eq!(shown, points.map(|p| p.to_string()).unwrap_or_default(), "{} {exercise}: {note}", &row[0]);
        }
        let total: u64 = expected.values().flatten().sum();
        assert_eq!(field("total"), total.to_string(), "{}", &row[0]);
        assert_eq!(field("max"), max_total.to_string(), "{}", &row[0]);
        let graded = !matches!(submission.kind, Kind::Empty | Kind::BuildHangs);
        assert_eq!(field("status"), if graded { "graded" } else { "not graded" }, "{}", &row[0]);

        // The reason is in the row.
        match &submission.kind {
            Kind::Solution { .. } | Kind::Stub => assert_eq!(note, "", "{}", &row[0]),
            // A call that never returns fails its check at the call's own limit (the check does
            // not time out): the report says so, and the note has nothing to add.
            Kind::Bug { caught_by: ["parse-address"], .. } => assert_eq!(note, "", "{}", &row[0]),
            Kind::Bug { .. } => {}
            Kind::DoesNotCompile { exercise } => {
                assert!(note.starts_with(&format!("{exercise}: your crate does not compile: ")), "{note}")
            }
            Kind::Missing { exercise } => assert!(note.starts_with(&format!("{exercise}: missing: ")), "{note}"),
            Kind::Empty => assert!(note.contains("no exercise folders"), "{note}"),
            Kind::BuildHangs => assert!(note.contains("took longer than 45 s (a build script"), "{note}"),
        }

        // Beside it, the report to hand back: the human one, or why there is none.
        let text = fs::read_to_string(out_dir.join("reports").join(format!("{}.txt", &row[0]))).unwrap();
        assert!(!text.contains("slot-") && !text.contains('\u{1b}'), "{text}");
        match &submission.kind {
            Kind::Empty | Kind::BuildHangs => {
                assert_eq!(text, format!("{}: not graded: {note}\n", &row[0]))
            }
            _ => assert!(text.contains(&format!(", {total}/{max_total} points")), "{}: {text}", &row[0]),
        }
        match &submission.kind {
            Kind::Bug { caught_by: ["parse-address"], .. } => assert!(text.contains("it was still running"), "{text}"),
            Kind::Bug { exercise, .. } => assert!(text.contains(exercise) && text.contains("expected"), "{text}"),
            Kind::DoesNotCompile { .. } => assert!(text.contains("your crate does not compile"), "{text}"),
            _ => {}
        }

        // One json report per graded student, in the documented schema, agreeing with the CSV.
        let report = out_dir.join("reports").join(format!("{}.json", &row[0]));
        if !graded {
            assert!(!report.exists(), "{}", report.display());
            continue;
        }
        let report = check_json_schema(&fs::read_to_string(&report).unwrap());
        assert_eq!(u64_of(&report, "points"), total, "{}", &row[0]);
        assert!(str_of(&report, "tree").starts_with(&dir.join(&row[0]).display().to_string()), "{report}");
        if let Kind::Bug { exercise, caught_by, .. } = &submission.kind {
            let failed: Vec<&str> = report["exercises"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["exercise"] == *exercise)
                .flat_map(|e| e["checks"].as_array().unwrap())
                .filter(|c| c["status"] != "pass")
                .map(|c| str_of(c, "check"))
                .collect();
            assert_eq!(&failed, caught_by, "{}", &row[0]);
        }
    }
}
