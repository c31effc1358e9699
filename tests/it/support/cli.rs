//! Runs the real `kmgen` binary: a builder in the manner of `just`'s tests, then assertions
//! on the captured output, each returning it for further checks.
//!
//! ```ignore
//! let out = Kmgen::new()
//!     .current_dir(&dir)
//!     .args(["check", "profile.toml"])
//!     .run()
//!     .failure(1)
//!     .stderr_snapshot("tests/cases/errors/bad-host.stderr");
//! ```
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::scratch::Scratch;
use super::{repo, snapshot};

/// A run of `kmgen` being set up. The caller's environment is cleaned of what changes
/// kmgen's output: colours, terminal width, `SOURCE_DATE_EPOCH` and every `KMGEN_*` variable.
#[derive(Default)]
pub struct Kmgen {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    dir: Option<PathBuf>,
    file_size_limit_kib: Option<u32>,
}

impl Kmgen {
    pub fn new() -> Kmgen {
        Kmgen::default()
    }

    pub fn args<I, S>(mut self, args: I) -> Kmgen
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets a variable on top of the cleaned environment.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Kmgen {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// What kmgen reads on stdin; without it, stdin is closed (`/dev/null`). No command reads
    /// stdin today: this is here so that a test of one needs no new plumbing.
    #[allow(dead_code)]
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Kmgen {
        self.stdin = Some(input.into());
        self
    }

    /// The working folder; without it, a fresh empty scratch folder ([`Output::dir`]).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Kmgen {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Runs under `ulimit -f` with SIGXFSZ ignored, so that writing a file larger than `kib`
    /// KiB fails with EFBIG instead of killing the process (root ignores permissions, not
    /// resource limits).
    pub fn file_size_limit_kib(mut self, kib: u32) -> Kmgen {
        self.file_size_limit_kib = Some(kib);
        self
    }

    pub fn run(self) -> Output {
        let bin = env!("CARGO_BIN_EXE_kmgen");
        let mut cmd = match self.file_size_limit_kib {
            None => Command::new(bin),
            Some(kib) => {
                // `ulimit -f` counts 512-byte blocks.
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!(
                        "trap '' XFSZ; ulimit -f {}; exec \"$0\" \"$@\"",
                        kib * 2
                    ))
                    .arg(bin);
                sh
            }
        };
        let scratch = self.dir.is_none().then(|| Scratch::new("kmgen-run"));
        let dir = match (&self.dir, &scratch) {
            (Some(d), _) => d.clone(),
            (None, Some(s)) => s.to_path_buf(),
            (None, None) => unreachable!(),
        };
        cmd.args(&self.args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("SOURCE_DATE_EPOCH");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KMGEN_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let command = std::iter::once("kmgen".into())
            .chain(self.args.iter().map(|a| a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{command}`: {e}"));
        // Written from a thread: a large input must not block on a full stdout pipe.
        let writer = self.stdin.map(|input| {
            let mut pipe = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            })
        });
        let out = child.wait_with_output().unwrap();
        if let Some(w) = writer {
            w.join().unwrap();
        }
        Output {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            command,
            dir,
            _scratch: scratch,
        }
    }
}

/// What one run of `kmgen` did.
#[derive(Debug)]
pub struct Output {
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for reports.
    command: String,
    dir: PathBuf,
    /// The working folder when the builder made it, kept as long as the output.
    _scratch: Option<Scratch>,
}

impl Output {
    /// The folder kmgen ran in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// stdout and stderr together, for "never shows X" checks.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Exit code 0.
    pub fn success(self) -> Output {
        self.exit_code(0)
    }

    /// Exit code `code` (not 0).
    pub fn failure(self, code: i32) -> Output {
        assert_ne!(code, 0, "failure(0): use success()");
        self.exit_code(code)
    }

    fn exit_code(self, code: i32) -> Output {
        if self.code != Some(code) {
            self.fail(&format!("exit code {:?}, expected {code}", self.code));
        }
        self
    }

    pub fn stdout_is(self, expected: &str) -> Output {
        if self.stdout != expected {
            self.fail(&format!("stdout is not {expected:?}"));
        }
        self
    }

    pub fn stderr_is(self, expected: &str) -> Output {
        if self.stderr != expected {
            self.fail(&format!("stderr is not {expected:?}"));
        }
        self
    }

    pub fn stdout_contains(self, needle: &str) -> Output {
        if !self.stdout.contains(needle) {
            self.fail(&format!("stdout lacks {needle:?}"));
        }
        self
    }

    pub fn stderr_contains(self, needle: &str) -> Output {
        if !self.stderr.contains(needle) {
            self.fail(&format!("stderr lacks {needle:?}"));
        }
        self
    }

    /// stdout is exactly the snapshot file `path` (relative to the repository).
    pub fn stdout_snapshot(self, path: impl AsRef<Path>) -> Output {
        if let Err(report) = snapshot::compare(&repo().join(path), &self.stdout) {
            panic!("`{}`: {report}", self.command);
        }
        self
    }

    /// stderr is exactly the snapshot file `path` (relative to the repository).
    pub fn stderr_snapshot(self, path: impl AsRef<Path>) -> Output {
        if let Err(report) = snapshot::compare(&repo().join(path), &self.stderr) {
            panic!("`{}`: {report}", self.command);
        }
        self
    }

    fn fail(&self, what: &str) -> ! {
        panic!(
            "`{}` (in {}): {what}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.command,
            self.dir.display(),
            self.stdout,
            self.stderr
        )
    }
}
