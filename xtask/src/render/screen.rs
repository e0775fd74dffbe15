//! The screen of `cargo xtask watch`, fitted to the terminal it runs in (80×24 and smaller).
//!
//! A screen is a column of blocks (the header, the failing check's title, its `expected` and `got`,
//! the conversation, the other checks, the keys…), each with a priority. When the blocks do not fit,
//! the least important ones are cut first, each down to the lines it must keep, and a cut block
//! shows a line saying how to see it all (`cargo xtask grade 02 -v`). The failing check's title,
//! what was expected and what happened are never cut; a conversation keeps its end, where things
//! went wrong. Every line is wrapped (or, as a last resort, cut) to the width, so that the terminal
//! never wraps a line itself and scrolls the top away.
//!
//! Without a terminal (piped output) nothing is fitted: every block is shown whole, unwrapped.

use grader::report::{CheckReport, ExerciseReport, Output, Status};

use crate::render::human::{self, DETAIL_INDENT};
use crate::style::Style;
use crate::term::Size;

/// How much a block matters: when the screen is short, lower priorities are cut first.
pub type Priority = u8;

/// Never cut: the header, the failing check's title, the keys, the status line.
pub const ALWAYS: Priority = Priority::MAX;
/// What was expected and what happened: cut only to their first lines, last of all.
pub const VERDICT: Priority = 200;
/// What the student asked for (a hint, the list, a question) and the news of the last grade.
pub const ASKED: Priority = 150;
/// The check's own hint.
pub const HINT: Priority = 120;
/// What the grader did.
pub const DID: Priority = 110;
/// The progress bar and the blank lines between parts.
pub const FRAME: Priority = 100;
/// The conversation.
pub const CONVERSATION: Priority = 60;
/// What the student's code printed.
pub const PRINTED: Priority = 50;
/// The other checks of the exercise.
pub const OTHERS: Priority = 40;
/// The lifecycle step, which the exercise's guide explains too.
pub const STEP: Priority = 20;

/// Text for the line that replaces a block's cut lines, given how many were cut.
type CutNote = Box<dyn Fn(usize) -> String>;

/// A part of the screen.
pub struct Block {
    /// The lines, each at most as wide as the screen.
    pub lines: Vec<String>,
    priority: Priority,
    /// Lines kept however short the screen.
    keep: usize,
    /// Keep the last lines rather than the first when cut (the note then comes first).
    from_end: bool,
    /// Where each item starts, when the lines are items wrapped over several lines (the entries of
    /// a conversation, the checks of a list): a cut falls between items, never inside one.
    items: Option<Vec<usize>>,
    /// The line in place of what was cut, given how many lines (or items) were cut; without one,
    /// cut lines vanish silently.
    note: Option<CutNote>,
}

impl Block {
    /// Lines (already wrapped to the width) that go together.
    pub fn new(lines: Vec<String>, priority: Priority) -> Block {
        Block { lines, priority, keep: 0, from_end: false, items: None, note: None }
    }

    /// Items of one or more lines each, cut only whole.
    pub fn items(items: Vec<Vec<String>>, priority: Priority) -> Block {
        let mut starts = Vec::with_capacity(items.len());
        let mut lines = Vec::new();
        for item in items {
            starts.push(lines.len());
            lines.extend(item);
        }
        Block { items: Some(starts), ..Block::new(lines, priority) }
    }

    /// `text` wrapped to `width`: the first line starts with `first` (`indent` cells wide on
    /// screen), the others are indented by `indent`.
    pub fn text(first: &str, indent: usize, text: &str, width: Option<usize>, priority: Priority) -> Block {
        let mut out = String::new();
        human::wrapped(&mut out, first, indent, text, width);
        Block::new(out.lines().map(str::to_owned).collect(), priority)
    }

    /// One blank line.
    pub fn blank(priority: Priority) -> Block {
        Block::new(vec![String::new()], priority)
    }

    /// Keeps at least `n` lines when cut.
    pub fn keep(mut self, n: usize) -> Block {
        self.keep = n;
        self
    }

    /// Cuts from the start, keeping the end.
    pub fn keep_end(mut self) -> Block {
        self.from_end = true;
        self
    }

    /// Says, in place of the cut lines, how to see them.
    pub fn note(mut self, note: impl Fn(usize) -> String + 'static) -> Block {
        self.note = Some(Box::new(note));
        self
    }

    /// True when showing `shown` lines cuts no item in two.
    fn cuts_between_items(&self, shown: usize) -> bool {
        let Some(starts) = &self.items else { return true };
        let boundary = if self.from_end { self.lines.len() - shown } else { shown };
        shown == 0 || boundary == self.lines.len() || starts.contains(&boundary)
    }

    /// How many lines, or items when the block has items, `shown` lines leave out.
    fn cut_count(&self, shown: usize) -> usize {
        let Some(starts) = &self.items else { return self.lines.len() - shown };
        let boundary = if self.from_end { self.lines.len() - shown } else { shown };
        let before = starts.iter().filter(|&&start| start < boundary).count();
        if self.from_end { before } else { starts.len() - before }
    }

    /// Screen lines the block takes with `shown` of its lines shown.
    fn cost(&self, shown: usize) -> usize {
        if shown < self.lines.len() && self.note.is_some() { shown + 1 } else { shown }
    }

    fn render(&self, shown: usize, out: &mut Vec<String>) {
        if shown >= self.lines.len() {
            out.extend(self.lines.iter().cloned());
            return;
        }
        let note = self.note.as_ref().map(|note| note(self.cut_count(shown)));
        if self.from_end {
            out.extend(note);
            out.extend(self.lines[self.lines.len() - shown..].iter().cloned());
        } else {
            out.extend(self.lines[..shown].iter().cloned());
            out.extend(note);
        }
    }
}

/// The lines of the screen: every block whole when there is no terminal, else cut to `size`. The
/// last block is the status line, always on the last row.
pub fn fit(blocks: &[Block], size: Option<Size>) -> Vec<String> {
    let Some(size) = size else {
        return blocks.iter().flat_map(|b| b.lines.iter().cloned()).collect();
    };
    let height = size.height.max(1);
    let mut shown: Vec<usize> = blocks.iter().map(|b| b.lines.len()).collect();
    let total = |shown: &[usize]| blocks.iter().zip(shown).map(|(b, &n)| b.cost(n)).sum::<usize>();
    // The least important first; among equals, the lowest on the screen first.
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by_key(|&i| (blocks[i].priority, std::cmp::Reverse(i)));
    for i in order {
        if total(&shown) <= height || blocks[i].priority == ALWAYS {
            break;
        }
        let least = blocks[i].keep.min(blocks[i].lines.len());
        while shown[i] > least && total(&shown) > height {
            shown[i] -= 1;
        }
        while shown[i] > least && !blocks[i].cuts_between_items(shown[i]) {
            shown[i] -= 1;
        }
    }
    let mut lines = Vec::new();
    for (block, &n) in blocks.iter().zip(&shown) {
        block.render(n, &mut lines);
    }
    // A terminal too small for even the essentials: the top, and the status line at the bottom.
    if lines.len() > height {
        let status = lines.pop().unwrap_or_default();
        lines.truncate(height - 1);
        lines.push(status);
    }
    lines.into_iter().map(|line| cut(&line, size.width)).collect()
}

/// `line` cut to `width` cells with `…` when longer; color codes take no room and are closed.
pub fn cut(line: &str, width: usize) -> String {
    if human::visible_len(line) <= width {
        return line.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut in_escape = false;
    for c in line.chars() {
        match (in_escape, c) {
            (false, '\x1b') => {
                in_escape = true;
                out.push(c);
            }
            (true, _) => {
                in_escape = c != 'm';
                out.push(c);
            }
            (false, _) if used + 1 < width => {
                used += 1;
                out.push(c);
            }
            (false, _) => break,
        }
    }
    out.push('…');
    if line.contains('\x1b') {
        out.push_str("\x1b[0m");
    }
    out
}

/// The result of a grade of `exercise` as blocks: its score; then, when it fails, its first failure
/// (title, what the grader did, expected, got, hint, conversation, what the code printed); then
/// the other checks. `command` is how to see everything: `cargo xtask grade 02`.
pub fn exercise(exercise: &ExerciseReport, style: &Style, width: Option<usize>) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks.push(Block::text("", 0, &human::score_line(exercise, style), width, ALWAYS));
    let grade = format!("cargo xtask grade {}", &exercise.name[..2]);
    if let Some(broken) = &exercise.broken {
        let mark = format!("  {} ", style.red("✗"));
        blocks.push(Block::text(&mark, 4, &human::clean(&broken.summary), width, VERDICT).keep(2));
        // The compiler's own message keeps its layout (its ASCII art points at columns).
        let detail: Vec<String> =
            broken.detail.lines().map(|l| format!("{DETAIL_INDENT}{}", human::clean(l))).collect();
        let (shown, style) = (grade.clone(), *style);
        blocks.push(Block::new(detail, CONVERSATION).note(move |n| {
            style.dim(&either(
                width,
                format!("{DETAIL_INDENT}… {n} more lines of the compiler's message: `{shown}` shows them all"),
                format!("{DETAIL_INDENT}… {n} more lines: `{shown}`"),
            ))
        }));
        return blocks;
    }
    let failure = exercise.checks.iter().position(|c| c.status != Status::Pass);
    if let Some(index) = failure {
        failure_blocks(&mut blocks, &exercise.checks[index], style, width, &grade);
    }
    // The other checks, one line each.
    let mut others = Vec::new();
    for (i, check) in exercise.checks.iter().enumerate() {
        if Some(i) != failure {
            let mut out = String::new();
            human::wrapped(&mut out, &format!("  {} ", human::mark(check, style)), 4, &title(check), width);
            others.push(out.lines().map(str::to_owned).collect());
        }
    }
    if !exercise.ignored.is_empty() {
        let line = format!("ignored (only the .rs files of src/ are built): {}", exercise.ignored.join(", "));
        let mut out = String::new();
        human::wrapped(&mut out, "  ", 4, &human::clean(&line), width);
        others.push(out.lines().map(str::to_owned).collect());
    }
    if exercise.withheld > 0 {
        others.push(vec![format!("  {}", style.dim(&human::private_line(exercise.withheld)))]);
    }
    let passing = exercise.passed();
    let failing = exercise.checks.len() - passing - usize::from(failure.is_some());
    let style = *style;
    blocks.push(Block::items(others, OTHERS).note(move |_| {
        let what = match (passing, failing) {
            (p, 0) => format!("{p} passing"),
            (0, f) => format!("{f} more failing"),
            (p, f) => format!("{p} passing, {f} more failing"),
        };
        style.dim(&either(
            width,
            format!("  … other checks: {what}; `{grade}` shows every check"),
            format!("  … {what}: `{grade}`"),
        ))
    }));
    blocks
}

/// Text written for a wide page (a guide's hint: paragraphs with hard line breaks, perhaps a code
/// block) as lines for the screen: each paragraph joined and wrapped to `width` under `indent`
/// spaces, code kept line for line, blank lines kept between paragraphs.
pub fn reflow(text: &str, indent: usize, width: Option<usize>) -> Vec<String> {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_code = false;
    let flush = |paragraph: &mut Vec<&str>, lines: &mut Vec<String>| {
        if !paragraph.is_empty() {
            let mut out = String::new();
            human::wrapped(&mut out, &pad, indent, &paragraph.join(" "), width);
            lines.extend(out.lines().map(str::to_owned));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        let trimmed = line.trim();
        let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        if in_code || fence {
            flush(&mut paragraph, &mut lines);
            lines.push(format!("{pad}{line}"));
            in_code ^= fence;
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut lines);
            lines.push(String::new());
        } else {
            // A list item starts a paragraph of its own.
            if trimmed.starts_with("- ") || trimmed.starts_with("* ") {
                flush(&mut paragraph, &mut lines);
            }
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut lines);
    lines
}

/// `long` when it fits in `width` (or nothing is fitted), else `short`: a note says how to see
/// what was cut in one line, and a narrow terminal gets the short way of saying it.
fn either(width: Option<usize>, long: String, short: String) -> String {
    if width.is_none_or(|width| human::visible_len(&long) <= width) { long } else { short }
}

/// A check's title, with its points when it is worth more than one.
fn title(check: &CheckReport) -> String {
    if check.points == 1 { check.title.clone() } else { format!("{} ({} points)", check.title, check.points) }
}

fn failure_blocks(blocks: &mut Vec<Block>, check: &CheckReport, style: &Style, width: Option<usize>, grade: &str) {
    blocks.push(Block::text(&format!("  {} ", human::mark(check, style)), 4, &title(check), width, ALWAYS));
    let field = |name: &str, value: &str, priority: Priority| {
        let heading = format!("{DETAIL_INDENT}{} ", style.dim(&format!("{name:<9}")));
        Block::text(&heading, 16, &human::clean(value), width, priority)
    };
    let whole = grade.to_owned();
    let note = move |_: usize| {
        let indent = " ".repeat(16);
        either(width, format!("{indent}… (cut to fit: `{whole}` shows it whole)"), format!("{indent}… (`{whole}`)"))
    };
    if let Some(fail) = &check.fail {
        if !fail.did.is_empty() {
            blocks.push(field("grader", &fail.did, DID).keep(1).note(note.clone()));
        }
        if !fail.expected.is_empty() {
            blocks.push(field("expected", &fail.expected, VERDICT).keep(2).note(note.clone()));
        }
        if !fail.got.is_empty() {
            blocks.push(field("got", &fail.got, VERDICT).keep(3).note(note.clone()));
        }
        if let Some(hint) = fail.hint.as_deref().filter(|h| !h.is_empty()) {
            blocks.push(field("hint", hint, HINT).keep(2).note(note.clone()));
        }
        blocks.push(field("step", &format!("{}: {}", check.step.label(), check.step.explain()), STEP));
    }
    // Two lines (the call and its panic) say no more than the message; longer ones show the exchange.
    if check.transcript.len() > 2 {
        let mut entries = vec![vec![format!("{DETAIL_INDENT}{}", style.dim("conversation"))]];
        for line in &check.transcript {
            let mut out = String::new();
            human::wrapped(&mut out, "        ", 20, &human::clean(&line.to_string()), width);
            entries.push(out.lines().map(str::to_owned).collect());
        }
        let (verbose, style) = (format!("{grade} -v"), *style);
        blocks.push(Block::items(entries, CONVERSATION).keep_end().note(move |n| {
            // The heading is the first item cut; the count is of the conversation's own lines.
            style.dim(&match n.saturating_sub(1) {
                0 => format!("{DETAIL_INDENT}conversation (`{verbose}` shows it whole)"),
                n => either(
                    width,
                    format!(
                        "{DETAIL_INDENT}conversation, its first {} cut to fit: `{verbose}` shows it all",
                        human::plural(n as u64, "line")
                    ),
                    format!("{DETAIL_INDENT}conversation, {} cut: `{verbose}`", human::plural(n as u64, "line")),
                ),
            })
        }));
    }
    for (heading, output) in [("stdout", &check.stdout), ("stderr", &check.stderr)] {
        if let Some(block) = printed(heading, output, style, width, grade) {
            blocks.push(block);
        }
    }
}

/// What the student's code printed on one stream, as the full report shows it; cut at its end.
fn printed(stream: &str, output: &Output, style: &Style, width: Option<usize>, grade: &str) -> Option<Block> {
    if output.is_empty() {
        return None;
    }
    let mut out = String::new();
    let layout = human::Layout { style: *style, detail: human::Detail::Failures, width };
    human::stream(&mut out, &format!("your code printed on {stream}"), output, &layout);
    let lines = out.lines().map(str::to_owned).collect();
    let (grade, stream, style) = (grade.to_owned(), stream.to_owned(), *style);
    Some(Block::new(lines, PRINTED).note(move |_| {
        style.dim(&either(
            width,
            format!("{DETAIL_INDENT}your code printed on {stream}: `{grade}` shows it"),
            format!("{DETAIL_INDENT}printed on {stream}: `{grade}`"),
        ))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::Step;
    use grader::check::Fail;
    use grader::transcript::{Line, Who};

    fn lines(n: usize, what: &str) -> Vec<String> {
        (0..n).map(|i| format!("{what} {i}")).collect()
    }

    #[test]
    fn blocks_are_cut_least_important_first_with_a_note_and_the_status_stays_last() {
        let blocks = vec![
            Block::new(lines(2, "head"), ALWAYS),
            Block::new(lines(5, "talk"), CONVERSATION).keep_end().note(|n| format!("{n} cut")),
            Block::new(lines(3, "others"), OTHERS),
            Block::new(lines(1, "status"), ALWAYS),
        ];
        let all = fit(&blocks, None);
        assert_eq!(all.len(), 11);
        let fitted = fit(&blocks, Some(Size { width: 80, height: 7 }));
        assert_eq!(fitted, ["head 0", "head 1", "2 cut", "talk 2", "talk 3", "talk 4", "status 0"]);
        // Too small for even the essentials: the top, and the status line.
        assert_eq!(fit(&blocks, Some(Size { width: 80, height: 3 })), ["head 0", "head 1", "status 0"]);
    }

    #[test]
    fn items_are_cut_whole_and_counted_as_items() {
        let items = vec![lines(1, "heading"), lines(3, "long entry"), lines(1, "last")];
        let blocks = vec![
            Block::items(items, CONVERSATION).keep_end().note(|n| format!("{n} items cut")),
            Block::new(lines(1, "status"), ALWAYS),
        ];
        // Room for the note, the last entry and two lines of the long one: the long one goes whole.
        let fitted = fit(&blocks, Some(Size { width: 80, height: 5 }));
        assert_eq!(fitted, ["2 items cut", "last 0", "status 0"]);
        let fitted = fit(&blocks, Some(Size { width: 80, height: 6 }));
        assert_eq!(fitted, ["heading 0", "long entry 0", "long entry 1", "long entry 2", "last 0", "status 0"]);
    }

    fn failing(title: &str, got: &str) -> CheckReport {
        CheckReport {
            id: title.replace(' ', "-"),
            title: title.to_owned(),
            step: Step::ReadWrite,
            status: Status::Fail,
            fail: Some(
                Fail::new("called serve(&listener, Some(1), greet)")
                    .expected("the reply 15 bytes \"Hello, client!\\n\"")
                    .got(got)
                    .hint("a client that leaves is its own problem: keep accepting"),
            ),
            transcript: Vec::new(),
            stdout: Output::default(),
            stderr: Output::default(),
            points: 2,
            private: false,
            duration_ms: 1,
        }
    }

    fn passing(title: &str) -> CheckReport {
        CheckReport { status: Status::Pass, fail: None, points: 1, ..failing(title, "") }
    }

    /// An exercise whose screen is far taller than a terminal: many checks, a long conversation,
    /// long output, long fields.
    fn crowded() -> ExerciseReport {
        let mut first = failing(
            "a client that hangs up at once does not stop the loop, and neither does one that sends nothing",
            &"nothing, and then the connection closed; ".repeat(4),
        );
        first.transcript = (0..30)
            .map(|i| Line {
                who: if i % 2 == 0 { Who::Grader } else { Who::Student },
                text: format!("step {i}: 14 bytes \"Hello, server!\""),
            })
            .collect();
        first.stdout = Output { text: (0..15).map(|i| format!("debug line {i}\n")).collect(), dropped: 0 };
        let mut checks = vec![passing("binding works"), first];
        checks.extend((0..8).map(|i| failing(&format!("another check number {i}"), "nothing")));
        checks.extend((0..4).map(|i| passing(&format!("a passing check number {i}"))));
        ExerciseReport { name: "02-accept-loop".into(), broken: None, checks, withheld: 2, ignored: Vec::new() }
    }

    fn screen(size: Size) -> Vec<String> {
        let exercise = crowded();
        let style = Style::plain();
        let mut blocks =
            vec![Block::text("", 0, "sockets-course watch  02-accept-loop (2 of 7)", Some(size.width), ALWAYS)];
        blocks.push(Block::blank(FRAME));
        blocks.extend(super::exercise(&exercise, &style, Some(size.width)));
        blocks.push(Block::text(
            "",
            0,
            "q quit · r grade again · n/p next/previous exercise · h hint · l list · c check all · x reset",
            Some(size.width),
            ALWAYS,
        ));
        blocks.push(Block::new(vec!["⠋ Checking 3/9…".into()], ALWAYS));
        fit(&blocks, Some(size))
    }

    #[test]
    fn the_failure_fits_80_by_24_and_60_by_20_with_title_expected_and_got_first() {
        for size in [Size { width: 80, height: 24 }, Size { width: 60, height: 20 }] {
            let lines = screen(size);
            let text = lines.join("\n");
            assert!(lines.len() <= size.height, "{size:?}: {} lines:\n{text}", lines.len());
            for line in &lines {
                assert!(human::visible_len(line) <= size.width, "{size:?}: too wide: {line:?}\n{text}");
            }
            let at = |needle: &str| lines.iter().position(|l| l.contains(needle));
            let title = at("✗ a client that hangs up").unwrap_or_else(|| panic!("{size:?}: no title:\n{text}"));
            let expected = at("expected  the reply").unwrap_or_else(|| panic!("{size:?}: no expected:\n{text}"));
            let got = at("got       nothing").unwrap_or_else(|| panic!("{size:?}: no got:\n{text}"));
            assert!(title < expected && expected < got, "{size:?}:\n{text}");
            // The conversation keeps its end, and says how to see it all.
            assert!(text.contains("lines cut") && text.contains("`cargo xtask grade 02 -v`"), "{size:?}:\n{text}");
            assert!(!text.contains("step 0:"), "{size:?}:\n{text}");
            // The keys and the status line are still there, the status last.
            assert!(text.contains("q quit"), "{size:?}:\n{text}");
            assert_eq!(lines.last().unwrap(), "⠋ Checking 3/9…", "{size:?}:\n{text}");
        }
        // Without a terminal, nothing is cut.
        let style = Style::plain();
        let whole = fit(&super::exercise(&crowded(), &style, None), None).join("\n");
        assert!(whole.contains("step 0:") && whole.contains("step 29:") && whole.contains("debug line 14"), "{whole}");
        assert!(whole.contains("✓ a passing check number 3"), "{whole}");
    }

    #[test]
    fn a_tall_terminal_shows_everything_in_order() {
        let lines = screen(Size { width: 120, height: 200 });
        let text = lines.join("\n");
        assert!(!text.contains("cut to fit") && !text.contains("… other checks"), "{text}");
        let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
        assert!(at("grader ") < at("expected ") && at("got ") < at("hint ") && at("hint ") < at("conversation"));
        assert!(at("conversation") < at("✓ binding works"), "the failure comes before the other checks: {text}");
    }

    #[test]
    fn a_hint_is_reflowed_to_the_width_and_its_code_kept_as_written() {
        let hint = "First line of a paragraph\nwritten for a wide page.\n\n```rust\nlet x = 1;\n```\n- an item";
        assert_eq!(
            reflow(hint, 2, Some(30)),
            [
                "  First line of a paragraph",
                "  written for a wide page.",
                "",
                "  ```rust",
                "  let x = 1;",
                "  ```",
                "  - an item"
            ]
        );
        assert_eq!(reflow("one\ntwo", 2, None), ["  one two"]);
    }

    #[test]
    fn long_lines_are_cut_to_the_width_and_colors_closed() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 3), "abc");
        assert_eq!(cut("\x1b[1mabcdef\x1b[0m", 4), "\x1b[1mabc…\x1b[0m");
    }
}
