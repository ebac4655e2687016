//! Printing that never panics.
//!
//! `println!` and friends panic when standard output is a closed pipe
//! (`ecr-share ... | head -3`) or a full disk (`> /dev/full`). A command that has
//! created something in AWS must still finish its work then, above all put a new
//! secret into its file, so it prints through these macros instead:
//!
//! - [`out!`](crate::out) and [`outln!`](crate::outln): standard output;
//! - [`errln!`](crate::errln): standard error.
//!
//! A failed write is remembered and every later write to the same stream is skipped
//! (what follows would be incomplete anyway). At the end a command asks
//! [`stdout_failed`] and exits non-zero when its output was lost, naming the reason
//! from [`stdout_error`] on standard error.

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints to standard output like `print!`, but a failure is remembered instead of
/// panicking.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::print_stdout(::std::format_args!($($arg)*), false)
    };
}

/// Prints a line to standard output like `println!`, but a failure is remembered
/// instead of panicking.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::print_stdout(::std::format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::print_stdout(::std::format_args!($($arg)*), true)
    };
}

/// Prints a line to standard error like `eprintln!`, but a failure is remembered
/// instead of panicking.
#[macro_export]
macro_rules! errln {
    () => {
        $crate::output::print_stderr(::std::format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::print_stderr(::std::format_args!($($arg)*), true)
    };
}

/// One output stream's record: whether a write failed, and the first reason.
#[derive(Debug, Default)]
pub struct Stream {
    failed: AtomicBool,
    reason: OnceLock<String>,
}

impl Stream {
    pub const fn new() -> Self {
        Stream {
            failed: AtomicBool::new(false),
            reason: OnceLock::new(),
        }
    }

    /// Writes `args` (and a line break) to `writer`, unless an earlier write failed.
    /// Returns whether this write went through; a failure is remembered.
    pub fn write(&self, writer: &mut impl Write, args: fmt::Arguments<'_>, newline: bool) -> bool {
        if self.failed() {
            return false;
        }
        let result = writer.write_fmt(args).and_then(|()| {
            if newline {
                writer.write_all(b"\n")
            } else {
                Ok(())
            }
        });
        self.record(result)
    }

    /// Flushes `writer`, remembering a failure; `true` when everything went through.
    pub fn flush(&self, writer: &mut impl Write) -> bool {
        if self.failed() {
            return false;
        }
        self.record(writer.flush())
    }

    /// Whether a write or flush failed.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// The reason of the first failure, such as "Broken pipe (os error 32)".
    pub fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }

    fn record(&self, result: io::Result<()>) -> bool {
        match result {
            Ok(()) => true,
            Err(error) => {
                let _ = self.reason.set(error.to_string());
                self.failed.store(true, Ordering::Relaxed);
                false
            }
        }
    }
}

static STDOUT: Stream = Stream::new();
static STDERR: Stream = Stream::new();

/// What `out!` and `outln!` call: prints to standard output, never panics.
pub fn print_stdout(args: fmt::Arguments<'_>, newline: bool) -> bool {
    STDOUT.write(&mut io::stdout().lock(), args, newline)
}

/// What `errln!` calls: prints to standard error, never panics.
pub fn print_stderr(args: fmt::Arguments<'_>, newline: bool) -> bool {
    STDERR.write(&mut io::stderr().lock(), args, newline)
}

/// Flushes standard output (text without a final line break waits in a buffer);
/// `true` when everything printed so far went through.
pub fn flush_stdout() -> bool {
    STDOUT.flush(&mut io::stdout().lock())
}

/// Whether anything printed on standard output was lost. Flushes first, so the
/// answer covers everything printed so far.
pub fn stdout_failed() -> bool {
    !flush_stdout()
}

/// Why standard output failed, when it did.
pub fn stdout_error() -> Option<&'static str> {
    STDOUT.reason()
}

/// Whether anything printed on standard error was lost.
pub fn stderr_failed() -> bool {
    STDERR.failed()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes `room` bytes and then fails like a full disk or a closed
    /// pipe.
    struct Failing {
        taken: Vec<u8>,
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.taken.len() >= self.room {
                return Err(io::Error::from(self.kind));
            }
            let n = buf.len().min(self.room - self.taken.len());
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_is_remembered_and_later_writes_are_skipped() {
        let stream = Stream::new();
        let mut writer = Failing {
            taken: Vec::new(),
            room: 6,
            kind: io::ErrorKind::BrokenPipe,
        };
        assert!(stream.write(&mut writer, format_args!("one"), true));
        assert!(!stream.failed());
        assert!(!stream.write(&mut writer, format_args!("two {}", 2), true));
        assert!(stream.failed());
        assert_eq!(stream.reason(), Some("broken pipe"));
        writer.room = 100;
        assert!(!stream.write(&mut writer, format_args!("three"), true));
        assert!(!stream.flush(&mut writer));
        assert_eq!(writer.taken, b"one\ntw");
    }

    #[test]
    fn a_full_disk_is_a_failure_like_any_other() {
        let stream = Stream::new();
        let mut writer = Failing {
            taken: Vec::new(),
            room: 0,
            kind: io::ErrorKind::StorageFull,
        };
        assert!(!stream.write(&mut writer, format_args!("x"), false));
        assert!(stream.failed());
        assert!(stream.reason().is_some());
    }

    #[test]
    fn a_working_writer_gets_exactly_the_text() {
        let stream = Stream::new();
        let mut buffer = Vec::new();
        assert!(stream.write(&mut buffer, format_args!("a{}", 1), false));
        assert!(stream.write(&mut buffer, format_args!(""), true));
        assert!(stream.write(&mut buffer, format_args!("b"), true));
        assert!(stream.flush(&mut buffer));
        assert_eq!(buffer, b"a1\nb\n");
        assert!(!stream.failed());
        assert_eq!(stream.reason(), None);
    }
}
