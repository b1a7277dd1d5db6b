//! Runs the real `rayc` binary on hostile input inside hard limits: CPU time,
//! address space and a wall-clock guard (for inputs that block rather than spin).
//! A case that breaks a limit is killed by the kernel and fails its test with
//! what it used, so the hostile-input suites can never hang CI or eat the machine.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The limits of one hostile case (the bound: 2 s, 256 MiB).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// CPU seconds (user + system), enforced with `RLIMIT_CPU`: immune to a busy CI machine.
    pub cpu_secs: u64,
    /// Address-space cap, enforced with `RLIMIT_AS`.
    pub memory_mib: u64,
    /// Wall-clock guard for inputs that block (FIFOs), killed after this.
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_secs: 2,
            memory_mib: 256,
            wall: Duration::from_secs(20),
        }
    }
}

/// What a bounded run did.
#[derive(Debug)]
pub struct Bounded {
    /// Exit code; `None` when a signal ended it (a limit hit or a crash).
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident set in KiB, from `wait4`.
    pub max_rss_kib: i64,
    /// CPU time used (user + system).
    pub cpu: Duration,
    pub wall: Duration,
    pub timed_out: bool,
}

impl Bounded {
    /// Everything about the run, for assertion messages.
    pub fn shown(&self) -> String {
        format!(
            "code {:?} signal {:?} timed_out {} cpu {:?} wall {:?} rss {} KiB\n--- stdout (first 2000 bytes)\n{}\n--- stderr (first 4000 bytes)\n{}",
            self.code,
            self.signal,
            self.timed_out,
            self.cpu,
            self.wall,
            self.max_rss_kib,
            head(&self.stdout, 2000),
            head(&self.stderr, 4000)
        )
    }

    /// The hostile-input contract: rayc ended by itself within the limits, with
    /// exit 1 or 2 (never 0, never a panic's 101 or a signal).
    pub fn assert_refused(&self) -> &Self {
        assert!(
            !self.timed_out,
            "rayc did not finish in time\n{}",
            self.shown()
        );
        assert!(
            matches!(self.code, Some(1) | Some(2)),
            "expected exit 1 or 2\n{}",
            self.shown()
        );
        assert!(
            !self.stderr.contains("panicked"),
            "rayc panicked\n{}",
            self.shown()
        );
        self
    }

    /// The stderr holds a located finding: `file:line:col:` then the code.
    pub fn assert_located(&self, file: &str, code: &str) -> &Self {
        let located = self.stderr.lines().any(|line| {
            line.starts_with(file)
                && line[file.len()..]
                    .split(':')
                    .skip(1)
                    .take(2)
                    .all(|n| n.trim().parse::<u32>().is_ok())
                && line.contains(code)
        });
        assert!(
            located,
            "expected a finding {code} located in {file}:LINE:COL\n{}",
            self.shown()
        );
        self
    }
}

fn head(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Runs any command under `limits`, capturing both streams (each read up to
/// 64 MiB so a runaway writer cannot fill the test's memory either).
// The child is reaped by `wait4` below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn run_bounded(mut cmd: Command, limits: Limits) -> Bounded {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let cpu = limits.cpu_secs;
    let bytes = limits.memory_mib * 1024 * 1024;
    // SAFETY: only async-signal-safe calls (setrlimit) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let cpu_limit = libc::rlimit {
                rlim_cur: cpu,
                rlim_max: cpu + 1,
            };
            let as_limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_CPU, &cpu_limit) != 0
                || libc::setrlimit(libc::RLIMIT_AS, &as_limit) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    // Reaped below with wait4, which also reports the peak RSS `Child::wait` hides.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("spawn rayc");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_reader = std::thread::spawn(move || read_capped(&mut out));
    let err_reader = std::thread::spawn(move || read_capped(&mut err));

    let mut timed_out = false;
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter for wait4.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our child; status and usage are valid out-parameters.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if start.elapsed() > limits.wall && !timed_out {
            timed_out = true;
            // SAFETY: killing our own child process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    Bounded {
        code,
        signal,
        stdout,
        stderr,
        max_rss_kib: usage.ru_maxrss,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        wall,
        timed_out,
    }
}

fn read_capped(r: &mut impl Read) -> String {
    const CAP: u64 = 64 * 1024 * 1024;
    let mut buf = Vec::new();
    let _ = r.by_ref().take(CAP).read_to_end(&mut buf);
    // Drain the rest so the writer never blocks on a full pipe.
    let _ = std::io::copy(r, &mut std::io::sink());
    String::from_utf8_lossy(&buf).into_owned()
}
