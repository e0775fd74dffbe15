//! The grader's reliability corpus: known-buggy variants of the solutions (*mutants*, the mistakes
//! students make) and *hostile* submissions (panics, hangs, exits, floods of output, processes
//! left behind, forged verdicts), each one file in `tests/corpus/NN-name/*.case` (the format is in
//! `tests/corpus/README.md`). Every case is graded end to end, through the same build and the same
//! isolated check processes as a student's grade, and every verdict it gets is asserted: the
//! grader must judge it right, keep what student code prints bounded, and leave no process or
//! port behind.
//!
//! Adding a case for an exercise is adding a file; this code reads whatever is there.

mod corpus_case;
mod leftovers;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use grader::grade::{self, OUTPUT_LIMIT, Options};
use grader::report::{ExerciseReport, Report};
use grader::tree::Kit;

use corpus_case::{Case, Kind};

fn kit() -> Kit {
    Kit::at(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
}

/// Where a case's tree lives: a stable path, so that a later run reuses its build.
fn tree_of(case: &Case) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").join(format!("{}-{}", case.exercise, case.name))
}

/// How many cases are graded at once. A failing check spends most of its time waiting for student
/// code that does not answer, so a few grades share two cores well.
const CASES_AT_ONCE: usize = 3;

#[test]
fn the_corpus_is_judged_right_and_leaves_nothing_behind() {
    let kit = kit();
    let mut cases = corpus_case::load_all(&kit.root.join("xtask/tests/corpus")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cases.is_empty(), "no cases in xtask/tests/corpus");
    // A maintainer working on one exercise can judge its cases alone: CORPUS_EXERCISE=02-accept-loop.
    if let Ok(only) = std::env::var("CORPUS_EXERCISE") {
        cases.retain(|case| case.exercise == only);
        assert!(!cases.is_empty(), "no cases for CORPUS_EXERCISE={only}");
    }
    let mut exercises: Vec<String> = cases.iter().map(|c| c.exercise.clone()).collect();
    exercises.dedup();
    for exercise in &exercises {
        let mutants = cases.iter().filter(|c| &c.exercise == exercise && c.kind == Kind::Mutant).count();
        assert!(mutants >= 3, "{exercise} has {mutants} mutants in the corpus; it needs at least 3");
    }
    let started = Instant::now();
    // Every tree is built before any is graded, so that no check runs beside a compiler: checks
    // are about timing on a loaded machine too, and the corpus must not flake.
    let built = in_parallel(&cases, CASES_AT_ONCE, |case| {
        let tree = tree_of(case);
        case.write_tree(&kit.root, &tree)?;
        grader::tree::build(&kit, &tree, std::slice::from_ref(&case.exercise)).map(drop).map_err(|e| e.to_string())
    });
    let mut problems: Vec<String> = cases
        .iter()
        .zip(built)
        .filter_map(|(case, built)| built.err().map(|e| format!("{}: {e}", case.id())))
        .collect();
    // The checks that catch a mutant must pass on the solution: graded once, here.
    let solutions = grade::grade(
        &kit,
        &kit.root.join("solutions"),
        &exercises,
        &Options { jobs: 2, private: true, ..Options::default() },
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("grading solutions/: {e}"));
    let graded = in_parallel(&cases, CASES_AT_ONCE, |case| Ok(grade_case(&kit, case, &solutions)));
    for (case, found) in cases.iter().zip(graded) {
        problems.extend(found.unwrap_or_default().into_iter().map(|p| format!("{}: {p}", case.id())));
    }
    assert!(
        problems.is_empty(),
        "{} problems in the corpus ({} cases, {:.1} s):\n  {}",
        problems.len(),
        cases.len(),
        started.elapsed().as_secs_f64(),
        problems.join("\n  ")
    );
}

/// Runs `work` on every case, `at_once` at a time; the results in the order of `cases`.
fn in_parallel<T: Send>(
    cases: &[Case],
    at_once: usize,
    work: impl Fn(&Case) -> Result<T, String> + Sync,
) -> Vec<Result<T, String>> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<T, String>>>> = cases.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..at_once {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(n) else { break };
                    *results[n].lock().unwrap() = Some(work(case));
                }
            });
        }
    });
    results.into_iter().map(|r| r.into_inner().unwrap().expect("every case ran")).collect()
}

/// Grades one case (already built) and returns what is wrong with the result.
fn grade_case(kit: &Kit, case: &Case, solutions: &Report) -> Vec<String> {
    let tree = tree_of(case);
    let exercises = std::slice::from_ref(&case.exercise);
    let report =
        match grade::grade(kit, &tree, exercises, &Options { jobs: 2, private: true, ..Options::default() }, &|_| {}) {
            Ok(report) => report,
            Err(e) => return vec![format!("the grade could not run: {e}")],
        };
    let mut problems = Vec::new();
    let mut reported = Default::default();
    match report.exercises.iter().find(|e| e.name == case.exercise) {
        Some(graded) => {
            reported = leftovers::reported(graded);
            let solution = solutions.exercises.iter().find(|e| e.name == case.exercise);
            problems.extend(case.judge(graded, solution));
            problems.extend(bounded_output(graded));
            problems.extend(no_kit_text(kit, graded));
        }
        None => problems.push(format!("the report has no {}", case.exercise)),
    }
    problems.extend(leftovers::after_grade(kit, &tree, &reported, case.reports));
    problems
}

/// Nothing of the kit's private checks or solutions reaches the report, whatever student code did:
/// the first line of each such file (its `//!` title) must not appear in it.
fn no_kit_text(kit: &Kit, graded: &ExerciseReport) -> Vec<String> {
    let json = serde_json::to_string(graded).expect("reports serialise");
    let secret = [
        kit.root.join("grader/checks").join(&graded.name).join("src/private.rs"),
        kit.root.join("solutions").join(&graded.name).join("src/lib.rs"),
    ];
    secret
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok()?.lines().next().map(str::to_owned))
        .filter(|title| {
            let escaped = serde_json::to_string(title).expect("strings serialise");
            json.contains(&escaped[1..escaped.len() - 1])
        })
        .map(|title| format!("the report contains a line of the kit's secrets: {title:?}"))
        .collect()
}

/// What student code printed is kept within the grader's limit, whatever it printed.
fn bounded_output(graded: &ExerciseReport) -> Vec<String> {
    // Kept bytes are shown as text; an invalid byte becomes a three-byte replacement character.
    let limit = 3 * OUTPUT_LIMIT;
    graded
        .checks
        .iter()
        .flat_map(|c| [(c, "stdout", &c.stdout), (c, "stderr", &c.stderr)])
        .filter(|(_, _, output)| output.text.len() > limit)
        .map(|(c, stream, output)| format!("{}: {} bytes of {stream} kept, over the limit", c.id, output.text.len()))
        .collect()
}

/// The corpus's port check must see a server that outlived its grade, and only that: a port that
/// a finished connection still holds in TIME_WAIT is not a leftover (it once failed CI so).
#[test]
fn a_port_counts_as_left_behind_only_while_a_server_listens_on_it() {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    assert!(leftovers::still_listened_on(port), "a listener held by this test is a server left behind");

    // The client closes first, so its own port sits in TIME_WAIT once both sides are closed.
    let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (mut accepted, _) = server.accept().unwrap();
    let client_port = client.local_addr().unwrap().port();
    drop(client);
    accepted.read_to_end(&mut Vec::new()).unwrap();
    drop((accepted, server));
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", client_port)).is_err(),
        "a client port in TIME_WAIT cannot be bound again: the case this check must not mistake"
    );
    assert!(!leftovers::still_listened_on(client_port), "a port in TIME_WAIT is no server");
    assert!(!leftovers::still_listened_on(port), "a closed listener is no server");
}
