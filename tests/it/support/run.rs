//! The one way the suites run the `rayc` binary: [`Rayc`] takes the args, the
//! folder, extra environment and stdin, and runs either plainly ([`Rayc::run`])
//! or under hard limits ([`Rayc::bounded`], see `bounded.rs`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::bounded::{Bounded, Limits, run_bounded};

pub const RAYC: &str = env!("CARGO_BIN_EXE_rayc");

/// One finished run of rayc.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code and both streams, the way snapshots show them.
    pub fn shown(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.shown());
        self
    }

    /// Exits with `code` and says every one of `texts` on stdout or stderr.
    pub fn expect(&self, code: i32, texts: &[&str]) -> &Self {
        self.assert_code(code);
        let all = format!("{}{}", self.stdout, self.stderr);
        for t in texts {
            assert!(all.contains(t), "missing {t:?} in\n{}", self.shown());
        }
        self
    }

    /// Says `text` on neither stream.
    pub fn lacks(&self, text: &str) -> &Self {
        let all = format!("{}{}", self.stdout, self.stderr);
        assert!(
            !all.contains(text),
            "unexpected {text:?} in\n{}",
            self.shown()
        );
        self
    }
}

/// rayc with `args` in `dir`: colourless (`NO_COLOR=1`, no `TERM` or
/// `CLICOLOR_FORCE` from the caller), help 100 columns wide, stdin empty.
pub struct Rayc {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Rayc {
    pub fn new<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Rayc {
        let mut cmd = Command::new(RAYC);
        cmd.args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("TERM");
        Rayc { cmd, stdin: None }
    }

    pub fn env(mut self, key: &str, value: &str) -> Rayc {
        self.cmd.env(key, value);
        self
    }

    pub fn envs(mut self, pairs: &[(&str, &str)]) -> Rayc {
        self.cmd.envs(pairs.iter().copied());
        self
    }

    /// Unsets `key` (e.g. `NO_COLOR`, for the colour tests).
    pub fn env_remove(mut self, key: &str) -> Rayc {
        self.cmd.env_remove(key);
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Rayc {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// The configured command, for the few tests that need their own stdio
    /// (a closed pipe, `/dev/full`) or a child they control.
    pub fn command(self) -> Command {
        assert!(self.stdin.is_none(), "command() takes no stdin");
        self.cmd
    }

    /// Runs to the end; a signal or non-UTF-8 output fails the test.
    pub fn run(mut self) -> Run {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn rayc");
        let mut pipe = child.stdin.take().expect("stdin piped");
        let input = self.stdin.unwrap_or_default();
        // A writer thread: rayc may stop reading early (too large) and close the pipe.
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().expect("wait for rayc");
        writer.join().expect("stdin writer");
        Run {
            code: out.status.code().expect("rayc was killed by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Runs under `limits` without `RAYC_SHARED` (hostile input never reaches
    /// the oracle); stdin is empty.
    pub fn bounded(mut self, limits: Limits) -> Bounded {
        assert!(self.stdin.is_none(), "bounded runs take no stdin");
        self.cmd.env_remove("RAYC_SHARED").stdin(Stdio::null());
        run_bounded(self.cmd, limits)
    }
}

/// `rayc args…` in `dir`, the common case.
pub fn rayc(dir: &Path, args: &[&str]) -> Run {
    Rayc::new(dir, args).run()
}
