//! The unified line diff of snapshot mismatches: kmgen's own (`build --check` prints the
//! same form), unit-tested in `src/bundle/diff.rs`.
pub use kmgen::bundle::unified;
