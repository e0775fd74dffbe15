//! Terminal colors: on when stdout is a terminal, off when piped or when `NO_COLOR` is set
//! (https://no-color.org).

use std::io::IsTerminal;

/// Which escape codes to use (none, when colors are off).
#[derive(Clone, Copy, Debug)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colors for standard output, following the conventions above.
    pub fn for_stdout() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { on: std::io::stdout().is_terminal() && !no_color }
    }

    /// No colors at all.
    #[allow(dead_code)]
    pub fn plain() -> Self {
        Style { on: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    /// Success.
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// Failure.
    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    /// Attention: timeouts, grader errors.
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    /// Headings.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Secondary detail.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}
