//! Test support, one place for each concern: scratch folders, snapshots and their diffs, an
//! XML element reader, in-process rendering, and a builder that runs the real `kmgen` binary.
pub mod cli;
pub mod diff;
pub mod files;
pub mod render;
pub mod scratch;
pub mod snapshot;
pub mod tools;
pub mod xml;

pub use cli::Kmgen;
pub use files::{copy_tree, hidden_entries, tree};
pub use scratch::Scratch;

use std::path::Path;

/// The repository root (where `profiles/` and `tests/cases/` are).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (for throwaway servers).
pub fn free_port() -> u16 {
    // The kernel may hand a released port out again: a port given once in this process is
    // never given again (two listeners of one nginx on the same port merge, and the one
    // without `ssl` inherits it).
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if GIVEN.lock().unwrap().insert(port) {
            return port;
        }
    }
}
