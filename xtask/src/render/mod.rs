//! Output formats of a grade report, one module each.

pub mod human;
