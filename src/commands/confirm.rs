//! The go-ahead a changing command asks for at a terminal (`--yes` skips it).

use std::io::IsTerminal;

use anyhow::{Context, bail};

/// Asks `prompt` on standard error and reads the answer: only `y` or `yes` goes
/// ahead. Input that is not a terminal is never asked; `non_interactive` says what
/// to do instead.
pub fn ask(prompt: &str, non_interactive: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!("{non_interactive}");
    }
    crate::output::print_stderr(format_args!("{prompt}"), false);
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("could not read the answer")?;
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        bail!("stopped at the operator's request; nothing was changed");
    }
    Ok(())
}
