//! `ecr-share completions <shell>` and `ecr-share man`: the shell completion script
//! and the manual page, both generated from the command line's own definition, so
//! they name exactly the subcommands and flags this build has.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::output;

/// The completion script for `shell`, as the shell sources it.
pub fn completion_script(shell: Shell) -> String {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The manual page in roff, for `man -l -` or a `man1` folder.
pub fn man_page() -> std::io::Result<String> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// `ecr-share completions <shell>`: prints the script on standard output.
pub fn run_completions(shell: Shell) -> anyhow::Result<ExitCode> {
    print(&completion_script(shell), "the completion script")
}

/// `ecr-share man`: prints the manual page on standard output.
pub fn run_man() -> anyhow::Result<ExitCode> {
    let page = man_page().map_err(|error| anyhow::anyhow!("rendering the manual page: {error}"))?;
    print(&page, "the manual page")
}

fn print(text: &str, what: &str) -> anyhow::Result<ExitCode> {
    crate::out!("{text}");
    if output::stdout_failed() {
        crate::errln!(
            "ecr-share: {what} could not be written to standard output: {}",
            output::stdout_error().unwrap_or("unknown error")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            let script = completion_script(shell);
            assert!(!script.trim().is_empty(), "{shell}");
            for name in ["grant", "revoke", "curated", "policy", "completions", "man"] {
                assert!(script.contains(name), "{shell} script lacks {name}");
            }
            assert!(script.contains("ecr-share"), "{shell}");
        }
    }

    #[test]
    fn the_manual_page_is_roff_naming_the_commands() {
        let page = man_page().unwrap();
        assert!(page.starts_with(".ie") || page.starts_with(".TH"), "{page}");
        assert!(page.contains(".TH ecr-share"), "{page}");
        assert!(page.contains(".SH NAME"), "{page}");
        for name in ["grant", "revoke", "curated", "policy", "completions", "man"] {
            assert!(page.contains(name), "the page lacks {name}");
        }
    }
}
