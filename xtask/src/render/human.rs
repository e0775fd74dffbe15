//! The report as a student reads it: per exercise a line per check (✓ or ✗), and under each
//! failure what the grader did, what it expected, what it got, a hint, the conversation and what
//! the student's code printed.
//!
//! Everything student code can influence (what it printed, its panic messages) is shown with
//! control characters escaped, so that it cannot clear or recolor the screen, and bounded, so that
//! a flood of output does not bury the verdict. Long lines are wrapped to the terminal's width
//! with their indentation kept; piped output is never wrapped, so that it stays stable.

use std::fmt::Write;

use grader::report::{CheckReport, ExerciseReport, Output, Report, Status};

use crate::style::Style;

/// How many lines of a conversation are shown before the middle is left out.
const SHOWN_TRANSCRIPT: usize = 40;
/// How many lines of what student code printed are shown, per stream.
const SHOWN_OUTPUT_LINES: usize = 20;
/// How many characters of one printed line are shown.
const SHOWN_LINE_CHARS: usize = 200;
/// Below this many columns of room a line is not wrapped (it would be unreadable either way).
const MIN_ROOM: usize = 20;

/// How much to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Only the totals.
    Totals,
    /// Every check's line, and details of failures.
    Failures,
    /// Details of passed checks too.
    Everything,
}

/// How the text is laid out.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Colors, or none.
    pub style: Style,
    /// How much to show.
    pub detail: Detail,
    /// The terminal's width; `None` when output is not a terminal (nothing is wrapped).
    pub width: Option<usize>,
}

/// What a grade of the student's own tree (`exercises/`) knows beyond the report.
#[derive(Clone, Debug, Default)]
pub struct Student {
    /// The exercises still equal to their stub. Each is one line ("not started"), but for the first
    /// exercise to work on: a first grade shows one exercise's failures, not every failure of the
    /// chapter.
    pub stubs: Vec<String>,
}

/// The report as text; `student` when it is a grade of the student's own tree.
pub fn render(report: &Report, layout: &Layout, student: Option<&Student>) -> String {
    let style = &layout.style;
    let mut out = String::new();
    let next = report.exercises.iter().find(|e| !e.complete());
    if layout.detail != Detail::Totals {
        let not_started = |exercise: &ExerciseReport| {
            student.is_some_and(|s| s.stubs.contains(&exercise.name))
                && next.is_none_or(|next| next.name != exercise.name)
        };
        let width = report.exercises.iter().filter(|e| not_started(e)).map(|e| e.name.len()).max().unwrap_or(0);
        let mut in_a_run = false;
        for exercise in &report.exercises {
            if not_started(exercise) {
                let name = style.bold(&format!("{:<width$}", exercise.name));
                let count = plural(exercise.checks.len() as u64, "check");
                let _ = writeln!(out, "{name}  {}", style.dim(&format!("not started: {count}")));
                in_a_run = true;
                continue;
            }
            if std::mem::take(&mut in_a_run) {
                out.push('\n');
            }
            out.push_str(&exercise_section(exercise, layout));
        }
        if in_a_run {
            out.push('\n');
        }
    }
    let checks = format!("{}/{} checks passed", report.passed(), report.total());
    let points = format!("{}/{} points", report.score(), report.max_score());
    let exercises = format!("{}/{} exercises complete", report.complete(), report.exercises.len());
    let total = format!("Total: {checks}, {points}, {exercises}");
    let total = if report.all_passed() { style.green(&total) } else { style.bold(&total) };
    wrapped(&mut out, "", 0, &total, layout.width);
    if report.withheld() > 0 {
        wrapped(&mut out, "", 0, &private_line(report.withheld()), layout.width);
    }
    if layout.detail != Detail::Totals
        && let Some(next) = next
    {
        let line = match student {
            Some(_) => format!(
                "Next: {} (the first exercise not complete yet). Keep `cargo xtask watch` running beside your \
                 editor: it grades the exercise at every save and shows one failure at a time.",
                next.name
            ),
            None => format!("Next: {} (the first exercise not complete yet)", next.name),
        };
        wrapped(&mut out, "", 0, &line, layout.width);
    }
    if layout.detail == Detail::Everything && !report.isolation.is_empty() {
        let _ = writeln!(out, "{}", style.dim(&format!("Isolation: {}", report.isolation)));
    }
    out
}

/// `02-accept-loop  6/9 checks, 9/14 points`: an exercise's name and score, green when complete.
pub fn score_line(exercise: &ExerciseReport, style: &Style) -> String {
    let score = format!(
        "{}/{} checks, {}/{} points",
        exercise.passed(),
        exercise.checks.len(),
        exercise.score(),
        exercise.max_score()
    );
    let score = if exercise.complete() { style.green(&score) } else { score };
    format!("{}  {score}", style.bold(&exercise.name))
}

/// One exercise: its name and score, a line per check, and the details the layout asks for.
pub fn exercise_section(exercise: &ExerciseReport, layout: &Layout) -> String {
    let style = &layout.style;
    let mut out = String::new();
    let _ = writeln!(out, "{}", score_line(exercise, style));
    if let Some(broken) = &exercise.broken {
        wrapped(&mut out, &format!("  {} ", style.red("✗")), 4, &clean(&broken.summary), layout.width);
        // The compiler's own message keeps its layout (its ASCII art points at columns).
        for line in broken.detail.lines() {
            let _ = writeln!(out, "      {}", clean(line));
        }
        let count = exercise.checks.len();
        let _ =
            writeln!(out, "  {}", style.dim(&format!("{count} checks not run: every check needs the crate to build")));
        let _ = writeln!(out);
        return out;
    }
    for check in &exercise.checks {
        let details = match layout.detail {
            Detail::Totals => false,
            Detail::Failures => check.status != Status::Pass,
            Detail::Everything => true,
        };
        check_lines(&mut out, check, layout, details);
    }
    if !exercise.ignored.is_empty() {
        let line = format!("ignored (only the .rs files of src/ are built): {}", exercise.ignored.join(", "));
        wrapped(&mut out, "  ", 4, &clean(&line), layout.width);
    }
    if exercise.withheld > 0 {
        let _ = writeln!(out, "  {}", style.dim(&private_line(exercise.withheld)));
    }
    let _ = writeln!(out);
    out
}

/// The mark before a check's title: passed, failed, timed out, or the grader's own error.
pub(crate) fn mark(check: &CheckReport, style: &Style) -> String {
    match check.status {
        Status::Pass => style.green("✓"),
        Status::Fail => style.red("✗"),
        Status::Timeout => style.yellow("✗ timed out:"),
        Status::Error => style.yellow("! grader error:"),
    }
}

fn check_lines(out: &mut String, check: &CheckReport, layout: &Layout, details: bool) {
    let style = &layout.style;
    let mark = mark(check, style);
    // Most checks are worth one point; only the heavier ones say so.
    let worth = if check.points == 1 { String::new() } else { format!(" ({} points)", check.points) };
    wrapped(out, &format!("  {mark} "), 4, &format!("{}{worth}", check.title), layout.width);
    if details {
        fields(out, check, layout);
        stream(out, "your code printed on stdout", &check.stdout, layout);
        stream(out, "your code printed on stderr", &check.stderr, layout);
    }
}

/// Why a check ended as it did, one field per line (the lifecycle step, what the grader did, what
/// it expected and got, a hint) and the conversation. Not indented and not wrapped: the machine
/// formats reuse it, so that a failure reads the same everywhere.
pub fn verdict(check: &CheckReport, style: &Style, detail: Detail) -> String {
    let mut out = String::new();
    fields(&mut out, check, &Layout { style: *style, detail, width: None });
    dedent(&out)
}

/// What student code printed during the check, bounded; not indented (see [`verdict`]).
pub fn printed(check: &CheckReport, style: &Style) -> String {
    let layout = Layout { style: *style, detail: Detail::Failures, width: None };
    let mut out = String::new();
    stream(&mut out, "your code printed on stdout", &check.stdout, &layout);
    stream(&mut out, "your code printed on stderr", &check.stderr, &layout);
    dedent(&out)
}

/// Removes the indentation under a check line.
fn dedent(text: &str) -> String {
    text.lines().map(|line| format!("{}\n", line.strip_prefix(DETAIL_INDENT).unwrap_or(line))).collect()
}

/// How far the details of a check are indented under its line.
pub(crate) const DETAIL_INDENT: &str = "      ";

fn fields(out: &mut String, check: &CheckReport, layout: &Layout) {
    let style = &layout.style;
    let field = |out: &mut String, name: &str, value: &str| {
        if !value.is_empty() {
            let heading = format!("{DETAIL_INDENT}{} ", style.dim(&format!("{name:<9}")));
            wrapped(out, &heading, 16, &clean(value), layout.width);
        }
    };
    if let Some(fail) = &check.fail {
        field(out, "step", &format!("{}: {}", check.step.label(), check.step.explain()));
        field(out, "grader", &fail.did);
        field(out, "expected", &fail.expected);
        field(out, "got", &fail.got);
        if let Some(hint) = &fail.hint {
            field(out, "hint", hint);
        }
    }
    // Two lines (the call and its panic) say no more than the message; longer ones show the exchange.
    let transcript = &check.transcript;
    if !transcript.is_empty() && (transcript.len() > 2 || layout.detail == Detail::Everything) {
        let _ = writeln!(out, "{DETAIL_INDENT}{}", style.dim("conversation"));
        let (head, tail) = if transcript.len() > SHOWN_TRANSCRIPT {
            (SHOWN_TRANSCRIPT / 2, SHOWN_TRANSCRIPT / 2)
        } else {
            (transcript.len(), 0)
        };
        for line in &transcript[..head] {
            wrapped(out, "        ", 20, &clean(&line.to_string()), layout.width);
        }
        if tail > 0 {
            let left_out = transcript.len() - head - tail;
            let _ = writeln!(out, "        {}", style.dim(&format!("… ({left_out} lines left out) …")));
            for line in &transcript[transcript.len() - tail..] {
                wrapped(out, "        ", 20, &clean(&line.to_string()), layout.width);
            }
        }
    }
}

pub(crate) fn stream(out: &mut String, heading: &str, output: &Output, layout: &Layout) {
    if output.is_empty() {
        return;
    }
    let style = &layout.style;
    let _ = writeln!(out, "{DETAIL_INDENT}{}", style.dim(heading));
    for line in output.text.lines().take(SHOWN_OUTPUT_LINES) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut shown: String = clean(line).chars().take(SHOWN_LINE_CHARS).collect();
        let more = clean(line).chars().count().saturating_sub(SHOWN_LINE_CHARS);
        if more > 0 {
            shown.push_str(&style.dim(&format!("… ({more} more characters)")));
        }
        wrapped(out, "        ", 8, &shown, layout.width);
    }
    let more_lines = output.text.lines().count().saturating_sub(SHOWN_OUTPUT_LINES);
    if more_lines > 0 || output.dropped > 0 {
        let mut left_out = Vec::new();
        if more_lines > 0 {
            left_out.push(plural(more_lines as u64, "more line"));
        }
        if output.dropped > 0 {
            left_out.push(format!("{} not kept", plural(output.dropped, "more byte")));
        }
        let _ = writeln!(out, "        {}", style.dim(&format!("… ({})", left_out.join(", "))));
    }
}

/// Says that private checks exist and when they run.
pub(crate) fn private_line(count: usize) -> String {
    let checks = plural(count as u64, "private check");
    format!("+ {checks}, not counted here: {} at final grading", if count == 1 { "it runs" } else { "they run" })
}

pub(crate) fn plural(n: u64, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// Text with control characters made visible: a tab becomes a space, anything else that could move
/// the cursor, ring the bell or start an escape sequence becomes `\n`, `\r` or `\xNN`.
pub fn clean(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push(' '),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes `first` (the prefix of the first line, `indent` columns wide on screen) and `text`,
/// wrapped at word boundaries to `width` with later lines indented by `indent` spaces.
pub(crate) fn wrapped(out: &mut String, first: &str, indent: usize, text: &str, width: Option<usize>) {
    let room = width.map(|w| w.saturating_sub(indent)).filter(|&room| room >= MIN_ROOM);
    let lines = match room {
        Some(room) => wrap(text, room),
        None => vec![text.to_owned()],
    };
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{first}{line}");
        } else {
            let _ = writeln!(out, "{:indent$}{line}", "");
        }
    }
}

/// Splits `text` into lines of at most `room` characters, breaking at spaces where it can and
/// inside a word only when the word alone is longer than a line. Escape sequences of colors count
/// as no width.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let mut word = word.to_owned();
        let mut len = visible_len(&word);
        if used > 0 && used + 1 + len > room {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word longer than a line (a long payload, say) starts a line of its own (see above) and
        // is cut where each line ends.
        while len > room {
            let cut = word.char_indices().nth(room).map_or(word.len(), |(i, _)| i);
            lines.push(word[..cut].to_owned());
            word = word[cut..].to_owned();
            len = visible_len(&word);
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(&word);
        used += len;
    }
    lines.push(line);
    lines
}

/// Characters on screen: color escape sequences (`ESC [ … m`) take no room.
pub(crate) fn visible_len(text: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::Step;
    use grader::check::Fail;
    use grader::transcript::{Line, Who};

    fn layout(detail: Detail, width: Option<usize>) -> Layout {
        Layout { style: Style::plain(), detail, width }
    }

    fn failed(title: &str) -> CheckReport {
        CheckReport {
            id: title.replace(' ', "-"),
            title: title.to_owned(),
            step: Step::ReadWrite,
            status: Status::Fail,
            fail: Some(Fail::new("sent \"Hello, server!\"").expected("the reply").got("nothing").hint("read")),
            transcript: Vec::new(),
            stdout: Output::default(),
            stderr: Output::default(),
            points: 1,
            private: false,
            duration_ms: 1,
        }
    }

    fn exercise(checks: Vec<CheckReport>) -> ExerciseReport {
        ExerciseReport { name: "03-client".into(), broken: None, checks, withheld: 0, ignored: Vec::new() }
    }

    #[test]
    fn words_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), [""]);
        // Colors take no room.
        assert_eq!(wrap("\x1b[2mab\x1b[0m cd", 5), ["\x1b[2mab\x1b[0m cd"]);
    }

    #[test]
    fn fields_wrap_under_their_own_indentation_and_piped_output_is_not_wrapped() {
        let mut check = failed("a check");
        check.fail.as_mut().unwrap().got = "word ".repeat(30).trim_end().to_owned();
        let narrow = exercise_section(&exercise(vec![check.clone()]), &layout(Detail::Failures, Some(60)));
        let got: Vec<&str> = narrow.lines().skip_while(|l| !l.contains("got ")).take(3).collect();
        assert!(got.iter().all(|l| l.chars().count() <= 60), "{narrow}");
        assert!(got[1].starts_with(&" ".repeat(16)) && got[1].trim_start().starts_with("word"), "{narrow}");
        let piped = exercise_section(&exercise(vec![check]), &layout(Detail::Failures, None));
        assert_eq!(piped.lines().filter(|l| l.contains("word")).count(), 1, "{piped}");
    }

    #[test]
    fn control_characters_from_student_code_are_made_visible() {
        assert_eq!(clean("ok"), "ok");
        assert_eq!(clean("a\x1b[2Jb\tc\u{7}"), "a\\x1b[2Jb c\\x07");
        let mut check = failed("prints");
        check.stdout = Output { text: "clear\x1b[2J\r\n".into(), dropped: 0 };
        check.fail.as_mut().unwrap().got = "a panic: line one\nline two".into();
        let out = exercise_section(&exercise(vec![check]), &layout(Detail::Failures, None));
        assert!(out.contains("        clear\\x1b[2J\n"), "{out}");
        assert!(out.contains("a panic: line one\\nline two"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
    }

    #[test]
    fn printed_output_is_bounded_with_a_count_of_what_was_left_out() {
        let mut check = failed("floods");
        let text: String = (0..30).map(|i| format!("line {i}\n")).collect::<String>() + &"x".repeat(500);
        check.stderr = Output { text, dropped: 1234 };
        let out = exercise_section(&exercise(vec![check]), &layout(Detail::Failures, None));
        assert!(out.contains("your code printed on stderr"), "{out}");
        assert!(out.contains("        line 19\n") && !out.contains("line 20"), "{out}");
        assert!(out.contains("… (11 more lines, 1234 more bytes not kept)"), "{out}");
        let out = exercise_section(
            &exercise(vec![CheckReport {
                stdout: Output { text: "y".repeat(250), dropped: 0 },
                ..failed("long line")
            }]),
            &layout(Detail::Failures, None),
        );
        assert!(out.contains(&format!("{}… (50 more characters)", "y".repeat(200))), "{out}");
    }

    #[test]
    fn a_long_conversation_keeps_its_beginning_and_its_end() {
        let mut check = failed("chatty");
        check.transcript =
            (0..100).map(|i| Line { who: Who::Student, text: format!("1 byte \"{i}\"") }).collect::<Vec<_>>();
        let out = exercise_section(&exercise(vec![check]), &layout(Detail::Failures, None));
        assert!(out.contains("your code → 1 byte \"0\""), "{out}");
        assert!(out.contains("… (60 lines left out) …"), "{out}");
        assert!(out.contains("your code → 1 byte \"99\""), "{out}");
        assert!(!out.contains("\"50\""), "{out}");
    }

    #[test]
    fn student_text_cannot_start_a_line_or_drive_the_terminal() {
        let fake = "Total: 29/29 checks passed, 3/3 exercises complete";
        let fail = Fail::new("called bind").expected("Ok").got(format!("a panic: boom\n{fake}\r\x1b[1A"));
        let mut check = failed("a check");
        check.fail = Some(fail);
        check.stdout = Output { text: format!("\r\x1b[2K{fake}\n✓ all good"), dropped: 0 };
        let report = Report { tree: "t".into(), exercises: vec![exercise(vec![check])], isolation: String::new() };
        let out = render(&report, &layout(Detail::Failures, None), None);
        let totals: Vec<&str> = out.lines().filter(|l| l.starts_with("Total: ")).collect();
        assert_eq!(totals.len(), 1, "{out}");
        assert!(totals[0].starts_with("Total: 0/1 checks passed"), "{out}");
        assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
        assert!(out.contains(r"\r\x1b[2KTotal: 29/29"), "escaped, still readable: {out}");
    }
}
