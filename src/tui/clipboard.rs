//! Copying to the clipboard: the system clipboard (arboard) where a display is
//! available, otherwise — or when that fails — an OSC 52 escape sequence that asks the
//! terminal to set its clipboard, which also works over SSH.

use std::io::Write;

use base64::Engine as _;

/// How a copy reached the clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyMethod {
    /// The system clipboard, through the display server.
    System,
    /// An OSC 52 escape sequence written to the terminal; `why` says why the system
    /// clipboard was not used.
    Osc52 { why: String },
}

impl CopyMethod {
    /// The end of the status line after "Copied X".
    pub fn describe(&self) -> String {
        match self {
            CopyMethod::System => {
                "to the system clipboard (kept while ecr-share runs; a clipboard manager keeps it after)".to_string()
            }
            CopyMethod::Osc52 { why } => format!(
                "through the terminal (OSC 52; {why}). If nothing arrives, the terminal does not allow OSC 52: save with s instead"
            ),
        }
    }
}

/// Anything that can take a copy. The wizard uses the system one; tests use a fake
/// that records what was copied.
pub trait Clipboard {
    fn copy(&mut self, text: &str) -> Result<CopyMethod, String>;
}

/// The bytes that ask a terminal to put `text` on its clipboard: OSC 52 with the
/// clipboard selection `c`, the text in base64, ended by BEL.
pub fn osc52_sequence(text: &str) -> Vec<u8> {
    let mut bytes = b"\x1b]52;c;".to_vec();
    bytes.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(text.as_bytes())
            .as_bytes(),
    );
    bytes.push(0x07);
    bytes
}

/// What the environment says about reaching a system clipboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// Logged in over SSH: a system clipboard here would be the remote machine's.
    pub ssh: bool,
    /// An X11 or Wayland display is set.
    pub display: bool,
    /// Inside tmux, which passes OSC 52 on only with `set-clipboard on`.
    pub tmux: bool,
}

impl Environment {
    pub fn detect() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Environment {
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            display: cfg!(any(target_os = "macos", windows))
                || set("DISPLAY")
                || set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
        }
    }

    /// Why the system clipboard is not used, or `None` when it should be tried.
    fn reason_to_skip_system(&self) -> Option<&'static str> {
        if self.ssh {
            Some("SSH session")
        } else if !self.display {
            Some("no display")
        } else {
            None
        }
    }
}

/// The real clipboard. The arboard handle is kept for the whole run: on Linux the
/// copied text is served by this process, and dropping the handle would drop it.
pub struct SystemClipboard<W: Write> {
    environment: Environment,
    system: Option<arboard::Clipboard>,
    terminal: W,
}

impl<W: Write> SystemClipboard<W> {
    pub fn new(environment: Environment, terminal: W) -> Self {
        SystemClipboard {
            environment,
            system: None,
            terminal,
        }
    }

    /// What was written to the terminal (for tests of the exact bytes).
    pub fn terminal(&self) -> &W {
        &self.terminal
    }

    fn copy_with_osc52(&mut self, text: &str, why: String) -> Result<CopyMethod, String> {
        let why = if self.environment.tmux {
            format!("{why}; inside tmux it needs `set-clipboard on`")
        } else {
            why
        };
        self.terminal
            .write_all(&osc52_sequence(text))
            .and_then(|()| self.terminal.flush())
            .map_err(|e| format!("writing to the terminal failed: {e}"))?;
        Ok(CopyMethod::Osc52 { why })
    }

    fn copy_with_system(&mut self, text: &str) -> Result<(), String> {
        if self.system.is_none() {
            self.system = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let clipboard = self.system.as_mut().expect("set above");
        clipboard
            .set_text(text.to_string())
            .map_err(|e| e.to_string())
    }
}

impl<W: Write> Clipboard for SystemClipboard<W> {
    fn copy(&mut self, text: &str) -> Result<CopyMethod, String> {
        if let Some(why) = self.environment.reason_to_skip_system() {
            return self.copy_with_osc52(text, why.to_string());
        }
        match self.copy_with_system(text) {
            Ok(()) => Ok(CopyMethod::System),
            Err(reason) => {
                self.system = None;
                self.copy_with_osc52(text, format!("the system clipboard failed: {reason}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_the_exact_escape_sequence() {
        assert_eq!(osc52_sequence("hi"), b"\x1b]52;c;aGk=\x07");
        assert_eq!(osc52_sequence(""), b"\x1b]52;c;\x07");
    }

    #[test]
    fn over_ssh_the_copy_goes_through_the_terminal() {
        let environment = Environment {
            ssh: true,
            display: true,
            tmux: false,
        };
        let mut clipboard = SystemClipboard::new(environment, Vec::new());
        let method = clipboard.copy("{\"Version\": \"2012-10-17\"}").unwrap();
        assert_eq!(
            method,
            CopyMethod::Osc52 {
                why: "SSH session".into()
            }
        );
        assert_eq!(
            clipboard.terminal().as_slice(),
            b"\x1b]52;c;eyJWZXJzaW9uIjogIjIwMTItMTAtMTcifQ==\x07"
        );
    }

    #[test]
    fn without_a_display_the_copy_goes_through_the_terminal_and_says_so() {
        let environment = Environment {
            ssh: false,
            display: false,
            tmux: true,
        };
        let mut clipboard = SystemClipboard::new(environment, Vec::new());
        let method = clipboard.copy("x").unwrap();
        let description = method.describe();
        assert!(description.contains("no display"), "{description}");
        assert!(description.contains("set-clipboard on"), "{description}");
        assert_eq!(clipboard.terminal().as_slice(), b"\x1b]52;c;eA==\x07");
    }

    #[test]
    fn a_terminal_that_cannot_be_written_is_a_failure_not_a_silent_success() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("closed"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut clipboard = SystemClipboard::new(Environment::default(), Broken);
        let error = clipboard.copy("x").unwrap_err();
        assert!(error.contains("closed"), "{error}");
    }
}
