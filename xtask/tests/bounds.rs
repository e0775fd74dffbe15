//! Bounded time: a tree whose every function hangs is graded within the bound README.md states
//! ("Bounded time"), computed by `grader::grade::time_bound` from the checks' own time limits and
//! the number of checks run at once, and leaves nothing behind.
//!
//! A test binary of its own, so that it never runs beside the corpus's grades (cargo runs test
//! binaries one after another).

mod corpus_case;
mod leftovers;

use std::path::Path;
use std::time::{Duration, Instant};

use grader::grade::{self, Options};
use grader::report::Status;
use grader::tree::Kit;

#[test]
fn a_tree_that_hangs_in_every_function_is_graded_within_the_stated_bound() {
    let kit = Kit::at(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap());
    let exercises = kit.exercises().unwrap();
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hangs-everywhere");
    corpus_case::write_hanging_tree(&kit.root.join("solutions"), &tree, &exercises).unwrap_or_else(|e| panic!("{e}"));
    // Built first: the bound is about grading, and compiling is not student code running.
    let built = grader::tree::build(&kit, &tree, &exercises).unwrap_or_else(|e| panic!("{e}"));
    let mut limits = Vec::new();
    for (name, runner) in &built {
        let runner =
            runner.as_ref().unwrap_or_else(|broken| panic!("{name} does not build: {broken}\n{}", broken.detail));
        let listed = std::process::Command::new(&runner.judge).arg("--list").output().unwrap();
        let listing: grader::runner::Listing = serde_json::from_slice(&listed.stdout).unwrap();
        limits.extend(listing.checks.iter().map(|c| Duration::from_millis(c.timeout_ms)));
    }
    // Hanging checks sleep rather than compute, so many share two cores and the test is quick.
    let jobs = 32;
    let bound = grade::time_bound(&limits, jobs);

    let started = Instant::now();
    let report =
        grade::grade(&kit, &tree, &exercises, &Options { jobs, private: true, ..Options::default() }, &|_| {}).unwrap();
    let elapsed = started.elapsed();
    // Generous slack: the machine is shared, and a bound that flakes is worse than a loose one.
    assert!(elapsed <= bound * 2, "{} checks took {elapsed:?}; the stated bound is {bound:?}", limits.len());
    assert_eq!(report.total(), limits.len());
    for exercise in &report.exercises {
        assert!(exercise.broken.is_none(), "{}: {:?}", exercise.name, exercise.broken);
        for check in &exercise.checks {
            assert!(
                matches!(check.status, Status::Fail | Status::Timeout),
                "{}/{} is {} on code that hangs everywhere: {:?}",
                exercise.name,
                check.id,
                corpus_case::status_name(check.status),
                check.fail
            );
        }
    }
    let left = leftovers::after_grade(&kit, &tree, &Default::default(), 0);
    assert!(left.is_empty(), "{left:?}");
}
