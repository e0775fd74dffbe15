//! The class table of batch grading (`grades.csv`): one row per student with the points of each
//! exercise, the total, the maximum, whether the submission could be graded and a note saying
//! what went wrong (an exercise that does not build, checks that timed out, why it was not graded).
//!
//! RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote or line break quoted.
//! A text field that a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) is prefixed
//! with `'`: folder names and compiler messages come from students.

use crate::commands::batch::Row;

/// The table: a header, then the rows in the order given.
pub fn render(exercises: &[String], rows: &[Row]) -> String {
    let mut header: Vec<String> = vec!["student".into()];
    header.extend(exercises.iter().cloned());
    header.extend(["total", "max", "status", "note"].map(String::from));
    let mut out = line(&header);
    for row in rows {
        let mut fields = vec![text(&row.student)];
        fields.extend(row.points.iter().map(|p| p.map(|p| p.to_string()).unwrap_or_default()));
        fields.push(row.total.to_string());
        fields.push(row.max.to_string());
        fields.push(if row.graded { "graded" } else { "not graded" }.into());
        fields.push(text(&row.note));
        out.push_str(&line(&fields));
    }
    out
}

fn line(fields: &[String]) -> String {
    let mut out = fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// A text field, defused for spreadsheets.
fn text(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{field}") } else { field.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(student: &str, note: &str) -> Row {
        Row {
            student: student.into(),
            points: vec![Some(3), None],
            total: 3,
            max: 10,
            graded: true,
            note: note.into(),
            timed_out: false,
        }
    }

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let table = render(&["01-bind".into(), "02-accept-loop".into()], &[row("ann", "a, \"b\"\nc")]);
        assert_eq!(
            table,
            "student,01-bind,02-accept-loop,total,max,status,note\r\nann,3,,3,10,graded,\"a, \"\"b\"\"\nc\"\r\n"
        );
    }

    #[test]
    fn text_that_looks_like_a_formula_is_defused() {
        let table = render(&["01-bind".into(), "02-x".into()], &[row("=cmd()", "@sum")]);
        assert!(table.contains("\r\n'=cmd(),3,,3,10,graded,'@sum\r\n"), "{table}");
    }
}
