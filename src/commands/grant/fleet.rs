//! Several repositories in one run of `grant` or `revoke`: what became of each, the
//! one confirmation that covers them all, and the summary and exit code at the end.
//!
//! Every repository is planned first; one that cannot be planned (missing, access
//! denied, a policy that cannot be merged safely) is left out and said so, and the
//! others go ahead. Applying goes on past a repository that fails. The end names each
//! failure and why, prints the command that tries the failed ones again (re-running
//! is safe: it reads each policy afresh), and exits non-zero.

use std::process::ExitCode;

use crate::core::documents::shell_quote;
use crate::core::validate::RepositoryName;
use crate::{errln, outln};

/// What became of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ended {
    /// The policy already says what was asked; nothing was written.
    NothingToDo,
    /// The change was only shown.
    DryRun,
    /// The operator answered no at the question.
    NotConfirmed,
    /// The change was written and read back.
    Applied,
    /// The change could not be worked out (no such repository, its policy could not
    /// be read, or not merged safely): why. Nothing was written to it.
    NotPlanned(String),
    /// Applying failed: the message, which says whether the policy was changed.
    Failed(String),
}

impl Ended {
    /// The summary's word on it.
    fn status(&self) -> String {
        match self {
            Ended::NothingToDo => "nothing to change".to_string(),
            Ended::DryRun => "not changed (dry run)".to_string(),
            Ended::NotConfirmed => "not changed (not confirmed)".to_string(),
            Ended::Applied => "changed, and read back as applied".to_string(),
            Ended::NotPlanned(reason) => {
                format!("FAILED before any change: {reason}. Nothing was written to it.")
            }
            Ended::Failed(message) => format!("FAILED: {message}"),
        }
    }

    fn is_failure(&self) -> bool {
        matches!(self, Ended::NotPlanned(_) | Ended::Failed(_))
    }

    /// Whether the repository's policy was written (or may have been).
    fn changed(&self) -> Option<&'static str> {
        match self {
            Ended::Applied => Some("WAS changed all the same and read back as applied"),
            Ended::Failed(message) if message.contains("may have been changed") => {
                Some("may have been changed (see below)")
            }
            Ended::Failed(message) if message.contains("WAS changed") => {
                Some("WAS changed (see below)")
            }
            _ => None,
        }
    }
}

/// How to run the same command again for some of its repositories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rerun {
    /// `grant` or `revoke`.
    pub subcommand: &'static str,
    /// ` --profile 'p' --region 'r'`, as `ecr-share` takes them.
    pub target_options: String,
    /// Everything after the repositories: ` --account 1 --access pull`.
    pub rest: String,
}

impl Rerun {
    pub(super) fn command(&self, repositories: &[&RepositoryName]) -> String {
        let repositories: String = repositories
            .iter()
            .map(|r| format!(" --repository {}", shell_quote(r.as_str())))
            .collect();
        format!(
            "ecr-share{} {}{repositories}{}",
            self.target_options, self.subcommand, self.rest
        )
    }
}

/// What the confirmation says of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Confirming<'a> {
    /// It changes: the write call and who gains or loses what.
    Change {
        write_call: &'static str,
        sentences: Vec<String>,
    },
    /// Its policy already says this.
    NothingToDo,
    /// It could not be planned: why.
    LeftOut(&'a str),
}

/// The lines that come before the one question for several repositories: each
/// repository with the call it gets and who gains or loses what, then the ones that
/// need nothing and the ones left out.
pub(super) fn confirmation_lines(
    place: &str,
    repositories: &[(&RepositoryName, Confirming)],
) -> Vec<String> {
    let changing = repositories
        .iter()
        .filter(|(_, c)| matches!(c, Confirming::Change { .. }))
        .count();
    let mut lines = vec![format!(
        "{changing} of the {} repositories change, in {place}:",
        repositories.len()
    )];
    for (repository, confirming) in repositories {
        if let Confirming::Change {
            write_call,
            sentences,
        } = confirming
        {
            lines.push(format!("  `{repository}` ({write_call}):"));
            lines.extend(sentences.iter().map(|s| format!("    {s}")));
        }
    }
    for (repository, confirming) in repositories {
        match confirming {
            Confirming::NothingToDo => lines.push(format!(
                "  `{repository}`: already as asked, nothing to change"
            )),
            Confirming::LeftOut(reason) => lines.push(format!(
                "  `{repository}`: LEFT OUT, nothing is written to it: {reason}"
            )),
            Confirming::Change { .. } => {}
        }
    }
    lines
}

/// The question for several repositories: which ones change, and how many are left
/// out (they were listed just above).
pub(super) fn question(changing: &[&RepositoryName], left_out: usize) -> String {
    let names: Vec<String> = changing.iter().map(|r| format!("`{r}`")).collect();
    let others = match left_out {
        0 => String::new(),
        1 => " (the one left out above is not touched)".to_string(),
        n => format!(" (the {n} left out above are not touched)"),
    };
    format!("Apply the changes to {}{others}? [y/N] ", and_list(&names))
}

/// Items joined as English: "a", "a and b", "a, b and c".
pub(super) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Ends the command: with several repositories, a summary line for each; then every
/// failure on standard error, the command to try the failed ones again, and the exit
/// code. When standard output could not be written the operator did not see
/// everything: the command fails, and standard error says which policies were
/// changed all the same.
pub(super) fn finish(results: &[(RepositoryName, Ended)], rerun: &Rerun) -> ExitCode {
    if crate::output::stdout_failed() {
        let reason = crate::output::stdout_error().unwrap_or("unknown error");
        let what: Vec<String> = results
            .iter()
            .map(|(repository, ended)| match ended.changed() {
                Some(changed) => format!("the policy of `{repository}` {changed}"),
                None => format!("the policy of `{repository}` was not changed"),
            })
            .collect();
        errln!(
            "ecr-share: standard output could not be written ({reason}); {}.",
            what.join("; ")
        );
        for (repository, ended) in results {
            if let Ended::NotPlanned(message) | Ended::Failed(message) = ended {
                errln!("ecr-share: `{repository}`: {message}");
            }
        }
        return ExitCode::FAILURE;
    }
    let failed: Vec<&(RepositoryName, Ended)> =
        results.iter().filter(|(_, e)| e.is_failure()).collect();
    if let [(_, ended)] = results {
        match ended {
            Ended::NotPlanned(reason) => {
                errln!("ecr-share: {reason}. Nothing was changed.");
            }
            Ended::Failed(message) => {
                errln!("ecr-share: {message}");
            }
            _ => {}
        }
    } else {
        outln!();
        outln!("Summary:");
        for (repository, ended) in results {
            outln!("  `{repository}`: {}", ended.status());
        }
        if !failed.is_empty() {
            errln!(
                "ecr-share: {} of the {} repositories failed; the others went ahead as the summary says:",
                failed.len(),
                results.len()
            );
            for (repository, ended) in &failed {
                errln!("  `{repository}`: {}", ended.status());
            }
            let names: Vec<&RepositoryName> = failed.iter().map(|(r, _)| r).collect();
            errln!(
                "To try the failed ones again (each policy is read afresh): {}",
                rerun.command(&names)
            );
        }
    }
    let declined = results
        .iter()
        .any(|(_, e)| matches!(e, Ended::NotConfirmed));
    if failed.is_empty() && !declined {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> RepositoryName {
        RepositoryName::parse(text).unwrap()
    }

    #[test]
    fn the_rerun_command_names_only_the_failed_repositories() {
        let rerun = Rerun {
            subcommand: "grant",
            target_options: " --profile 'prod' --region 'us-west-2'".into(),
            rest: " --account 222222222222 --access pull".into(),
        };
        let (b, c) = (name("team/b"), name("team/c"));
        assert_eq!(
            rerun.command(&[&b, &c]),
            "ecr-share --profile 'prod' --region 'us-west-2' grant --repository 'team/b' --repository 'team/c' --account 222222222222 --access pull"
        );
    }

    #[test]
    fn the_confirmation_names_every_repository_and_what_it_gets() {
        let (a, b, c) = (name("team/a"), name("team/b"), name("team/c"));
        let lines = confirmation_lines(
            "account 123456789012 (profile `prod`), region us-west-2",
            &[
                (
                    &a,
                    Confirming::Change {
                        write_call: "ecr:SetRepositoryPolicy",
                        sentences: vec!["account 222222222222 gains pull on team/a".into()],
                    },
                ),
                (&b, Confirming::LeftOut("there is no repository `team/b`")),
                (&c, Confirming::NothingToDo),
            ],
        );
        assert_eq!(
            lines,
            [
                "1 of the 3 repositories change, in account 123456789012 (profile `prod`), region us-west-2:",
                "  `team/a` (ecr:SetRepositoryPolicy):",
                "    account 222222222222 gains pull on team/a",
                "  `team/b`: LEFT OUT, nothing is written to it: there is no repository `team/b`",
                "  `team/c`: already as asked, nothing to change",
            ]
        );
        assert_eq!(
            question(&[&a, &c], 1),
            "Apply the changes to `team/a` and `team/c` (the one left out above is not touched)? [y/N] "
        );
        assert_eq!(question(&[&a], 0), "Apply the changes to `team/a`? [y/N] ");
    }

    #[test]
    fn a_failure_shows_in_the_status_and_the_exit_code_decision() {
        assert!(Ended::NotPlanned("x".into()).is_failure());
        assert!(Ended::Failed("x".into()).is_failure());
        assert!(!Ended::Applied.is_failure());
        assert!(
            Ended::NotPlanned("there is no repository `team/b`".into())
                .status()
                .starts_with("FAILED before any change: there is no repository `team/b`")
        );
        assert_eq!(
            Ended::Failed("x. The policy of `a` may have been changed: y".into()).changed(),
            Some("may have been changed (see below)")
        );
        assert_eq!(
            Ended::Failed("x. Nothing was changed.".into()).changed(),
            None
        );
        assert_eq!(Ended::DryRun.changed(), None);
    }
}
