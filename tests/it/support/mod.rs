//! Test support, one place for each concern.
pub mod diff;
