//! JUnit XML (`--format junit`), the test report every CI system reads (GitHub Actions reporters,
//! GitLab, Jenkins): one `<testsuite>` per exercise, one `<testcase>` per check. A failed or
//! timed-out check carries `<failure message=... type=...>` with the whole explanation as its body;
//! a grader error is an `<error>`; what the student's code printed goes into `<system-out>` and
//! `<system-err>`. Points travel as `<properties>` of each suite, which JUnit has no field for.
//!
//! Everything is escaped, including the control characters XML 1.0 cannot carry at all (not even
//! as `&#1;`): those are written as visible `\u{1}` text, so that a student's binary output can
//! never make the file unreadable.

use std::fmt::Write;
use std::time::Duration;

use grader::report::{CheckReport, ExerciseReport, Report, Status};

use crate::render::human::{self, Detail};
use crate::style::Style;

/// The report as a JUnit XML document.
pub fn render(report: &Report, _elapsed: Duration) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = Counts::of(report.exercises.iter().flat_map(|e| &e.checks));
    // No `skipped` here: the common JUnit schema (Jenkins') allows it on a <testsuite> only, and
    // validators that follow it reject the whole document.
    let _ = writeln!(
        out,
        "<testsuites name=\"sockets-course\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        counts.tests,
        counts.failures,
        counts.errors,
        seconds(counts.millis)
    );
    for exercise in &report.exercises {
        suite(&mut out, exercise);
    }
    out.push_str("</testsuites>\n");
    out
}

/// What the counting attributes say, over some checks.
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    millis: u64,
}

impl Counts {
    fn of<'a>(checks: impl Iterator<Item = &'a CheckReport>) -> Self {
        let mut counts = Counts { tests: 0, failures: 0, errors: 0, millis: 0 };
        for check in checks {
            counts.tests += 1;
            counts.millis += check.duration_ms;
            match check.status {
                Status::Pass => {}
                Status::Fail | Status::Timeout => counts.failures += 1,
                Status::Error => counts.errors += 1,
            }
        }
        counts
    }
}

fn suite(out: &mut String, exercise: &ExerciseReport) {
    let counts = Counts::of(exercise.checks.iter());
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{}\">",
        attr(&exercise.name),
        counts.tests,
        counts.failures,
        counts.errors,
        seconds(counts.millis)
    );
    out.push_str("    <properties>\n");
    let _ = writeln!(out, "      <property name=\"points\" value=\"{}\"/>", exercise.score());
    let _ = writeln!(out, "      <property name=\"max_points\" value=\"{}\"/>", exercise.max_score());
    out.push_str("    </properties>\n");
    for check in &exercise.checks {
        case(out, &exercise.name, check);
    }
    if let Some(broken) = &exercise.broken {
        // Where a CI system shows suite output, the compiler's message is the first thing to fix.
        let _ =
            writeln!(out, "    <system-err>{}</system-err>", text(&format!("{}\n{}", broken.summary, broken.detail)));
    }
    out.push_str("  </testsuite>\n");
}

fn case(out: &mut String, exercise: &str, check: &CheckReport) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&format!("{}: {}", check.id, check.title)),
        attr(&format!("sockets-course.{exercise}")),
        seconds(check.duration_ms)
    );
    let element = match check.status {
        Status::Pass => None,
        Status::Fail => Some(("failure", "fail")),
        Status::Timeout => Some(("failure", "timeout")),
        Status::Error => Some(("error", "grader-error")),
    };
    if element.is_none() && check.stdout.is_empty() && check.stderr.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    if let Some((element, kind)) = element {
        let message = check.fail.as_ref().map(ToString::to_string).unwrap_or_else(|| kind.to_owned());
        let body = human::verdict(check, &Style::plain(), Detail::Everything);
        let _ = writeln!(
            out,
            "      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>",
            attr(&message),
            text(&body)
        );
    }
    for (element, output) in [("system-out", &check.stdout), ("system-err", &check.stderr)] {
        if !output.is_empty() {
            let mut shown = output.text.clone();
            if output.dropped > 0 {
                let _ = write!(shown, "\n… ({} more bytes left out)", output.dropped);
            }
            let _ = writeln!(out, "      <{element}>{}</{element}>", text(&shown));
        }
    }
    out.push_str("    </testcase>\n");
}

/// Seconds with millisecond precision, as JUnit's `time` attributes have them.
fn seconds(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// Escapes character data.
pub fn text(value: &str) -> String {
    escape(value, false)
}

/// Escapes an attribute value (in double quotes). Line breaks and tabs become character
/// references, which attribute-value normalisation would otherwise turn into spaces.
pub fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if !allowed_in_xml(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0's `Char` production: tab, line feed, carriage return, and the rest of Unicode but the
/// C0 controls and the two non-characters U+FFFE and U+FFFF (surrogates cannot occur in a `str`).
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(text("a < b && c > \"d\""), "a &lt; b &amp;&amp; c &gt; \"d\"");
        assert_eq!(attr("say \"hi\" <now>"), "say &quot;hi&quot; &lt;now&gt;");
    }

    #[test]
    fn line_breaks_survive_in_attributes_and_text() {
        assert_eq!(attr("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
        assert_eq!(text("a\nb\tc\rd"), "a\nb\tc&#13;d");
    }

    #[test]
    fn characters_xml_cannot_carry_become_visible_escapes() {
        assert_eq!(text("bell\u{7} nul\0 esc\u{1b} end"), "bell\\u{7} nul\\u{0} esc\\u{1b} end");
        assert_eq!(attr("\u{fffe}\u{ffff}"), "\\u{fffe}\\u{ffff}");
        assert_eq!(text("café ✓ 𝄞 \u{7f}"), "café ✓ 𝄞 \u{7f}");
    }

    #[test]
    fn only_attributes_the_common_junit_schema_allows() {
        use grader::report::{ExerciseReport, Output};
        let check = CheckReport {
            id: "c".into(),
            title: "t".into(),
            step: grader::Step::Bind,
            status: Status::Pass,
            fail: None,
            transcript: Vec::new(),
            stdout: Output::default(),
            stderr: Output::default(),
            duration_ms: 3,
            points: 1,
            private: false,
        };
        let exercise = ExerciseReport {
            name: "01-bind".into(),
            broken: None,
            checks: vec![check],
            withheld: 0,
            ignored: Vec::new(),
        };
        let report = Report { tree: "t".into(), exercises: vec![exercise], isolation: String::new() };
        let xml = render(&report, Duration::ZERO);
        // Jenkins' junit-10.xsd, the schema JUnit validators use: `skipped` is a <testsuite>'s.
        let attributes = |tag: &str| -> Vec<String> {
            let start = xml.find(&format!("<{tag} ")).unwrap();
            let element = &xml[start..start + xml[start..].find('>').unwrap()];
            element
                .split('"')
                .step_by(2)
                .filter_map(|p| p.trim().strip_suffix('=')?.rsplit(' ').next().map(str::to_owned))
                .collect()
        };
        let suites = ["name", "time", "tests", "failures", "disabled", "errors"];
        assert_eq!(attributes("testsuites"), ["name", "tests", "failures", "errors", "time"], "{xml}");
        assert!(attributes("testsuites").iter().all(|a| suites.contains(&a.as_str())), "{xml}");
        let suite =
            ["name", "tests", "failures", "errors", "time", "disabled", "skipped", "timestamp", "hostname", "id"];
        assert!(attributes("testsuite").iter().all(|a| suite.contains(&a.as_str())), "{xml}");
    }

    #[test]
    fn times_are_seconds_with_milliseconds() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(5), "0.005");
    }
}
