//! What validation reads besides the profile: the environment and files next to the profile.
use std::path::Path;

/// Where secrets and `extra_trusted` files are looked up.
pub struct Env<'a> {
    /// Directory of the profile file: `{ file = ... }` and `extra_trusted` are relative to it.
    pub base_dir: &'a Path,
    pub var: &'a dyn Fn(&str) -> Option<String>,
}
