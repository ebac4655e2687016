//! `ecr-share grant` and `ecr-share revoke`: share a private repository with other
//! accounts through its repository policy, or take that access away again.
//!
//! Both read the current policy, show the change as a diff, and write only after
//! confirmation (`--yes`, or a `y` typed at a terminal). Other statements in the
//! policy are never touched. Every AWS call gets one line with its outcome, and a
//! failure says exactly what was already changed.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use crate::aws::ecr::{Ecr, Plan, PlanError};
use crate::aws::{self, CallReport, Identity, Outcome, Target};
use crate::cli::{GrantArgs, RevokeArgs};
use crate::core::documents::Access;
use crate::core::merge::{self, Grant, PolicyWrite};
use crate::core::regions::Partition;
use crate::core::validate::{AccountId, Region, RepositoryName, parse_account_list};

pub fn run_grant(
    profile: Option<String>,
    region: Option<String>,
    args: GrantArgs,
) -> anyhow::Result<ExitCode> {
    let input = Input::parse(profile, region, &args.repository, &args.accounts)?;
    let access = Access::from(args.access);
    let confirm = Confirm::from_flags(args.dry_run, args.yes);
    runtime()?.block_on(async {
        let session = Session::open(&input).await?;
        let grant = Grant {
            access,
            accounts: input.accounts.clone(),
            region: session.region.clone(),
        };
        println!(
            "Granting {} access to `{}` for {}.",
            access.label(),
            input.repository,
            account_list(&grant.accounts)
        );
        if grant.accounts.iter().any(|a| a.as_str() == session.identity.account) {
            println!(
                "Note: account {} owns the repository; its own IAM policies already decide its access.",
                session.identity.account
            );
        }
        if access == Access::LambdaPull {
            println!(
                "Note: Lambda functions pull images across accounts only within one region; the grant covers functions in {}.",
                session.region
            );
        }
        let plan = session.reported(
            session.ecr.plan_grant(&input.repository, &grant).await,
        )?;
        if !plan.change.changes {
            println!(
                "The policy of `{}` already grants this; nothing to change.",
                input.repository
            );
            return Ok(ExitCode::SUCCESS);
        }
        session.review_and_apply(&plan, confirm).await
    })
}

pub fn run_revoke(
    profile: Option<String>,
    region: Option<String>,
    args: RevokeArgs,
) -> anyhow::Result<ExitCode> {
    let input = Input::parse(profile, region, &args.repository, &args.accounts)?;
    let confirm = Confirm::from_flags(args.dry_run, args.yes);
    runtime()?.block_on(async {
        let session = Session::open(&input).await?;
        let partition = session.region.partition();
        println!(
            "Revoking the access ecr-share granted to {} on `{}`.",
            account_list(&input.accounts),
            input.repository
        );
        let plan = session.reported(
            session
                .ecr
                .plan_revoke(&input.repository, &input.accounts, partition)
                .await,
        )?;
        for note in foreign_mentions(&plan, &input.accounts, partition) {
            println!("Note: {note}");
        }
        if !plan.change.changes {
            if plan.change.previous.is_none() {
                println!(
                    "`{}` has no repository policy; nothing to revoke.",
                    input.repository
                );
            } else {
                println!(
                    "The policy of `{}` grants none of these accounts access through ecr-share's statements; nothing to change.",
                    input.repository
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        session.review_and_apply(&plan, confirm).await
    })
}

/// The validated command line shared by both commands.
struct Input {
    target: Target,
    region: Option<Region>,
    repository: RepositoryName,
    accounts: Vec<AccountId>,
}

impl Input {
    fn parse(
        profile: Option<String>,
        region: Option<String>,
        repository: &str,
        accounts: &[String],
    ) -> anyhow::Result<Input> {
        let repository =
            RepositoryName::parse(repository).map_err(|e| anyhow!("--repository: {e}"))?;
        let accounts =
            parse_account_list(&accounts.join(",")).map_err(|e| anyhow!("--account: {e}"))?;
        let parsed_region = region
            .as_deref()
            .map(Region::parse)
            .transpose()
            .map_err(|e| anyhow!("--region: {e}"))?;
        Ok(Input {
            target: Target::new(profile, region),
            region: parsed_region,
            repository,
            accounts,
        })
    }
}

/// What the operator allowed: only show the change, ask, or apply without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    DryRun,
    Ask,
    Yes,
}

impl Confirm {
    fn from_flags(dry_run: bool, yes: bool) -> Confirm {
        match (dry_run, yes) {
            (true, _) => Confirm::DryRun,
            (false, true) => Confirm::Yes,
            (false, false) => Confirm::Ask,
        }
    }
}

/// The credentials, the account they act in, and the region every call goes to.
struct Session {
    target: Target,
    identity: Identity,
    region: Region,
    ecr: Ecr,
}

impl Session {
    async fn open(input: &Input) -> anyhow::Result<Session> {
        let config = aws::load_config(&input.target).await?;
        let region = match (&input.region, config.region()) {
            (Some(region), _) => region.clone(),
            (None, Some(region)) => Region::parse(region.as_ref())
                .map_err(|e| anyhow!("the region of {}: {e}", input.target.profile_label()))?,
            (None, None) => bail!(
                "no region: pass --region or set a region for {}",
                input.target.profile_label()
            ),
        };
        let identity = match aws::caller_identity(&config).await {
            Ok(identity) => identity,
            Err(error) => {
                print_report(&CallReport::new(
                    "sts:GetCallerIdentity",
                    input.target.profile_label(),
                    Outcome::Failed(error.clone()),
                ));
                bail!(
                    "could not resolve the identity of {}: {error}. Nothing was changed.",
                    input.target.profile_label()
                );
            }
        };
        print_report(&CallReport::new(
            "sts:GetCallerIdentity",
            input.target.profile_label(),
            Outcome::Ok(identity.arn.clone()),
        ));
        println!(
            "Acting in account {} with {}, region {region}.",
            identity.account,
            input.target.profile_label()
        );
        let ecr = Ecr::new(&config);
        Ok(Session {
            target: input.target.clone(),
            identity,
            region,
            ecr,
        })
    }

    /// Reports how reading the policy went; a failure ends the command.
    fn reported(&self, planned: Result<Plan, PlanError>) -> anyhow::Result<Plan> {
        match planned {
            Ok(plan) => {
                print_report(&plan.read);
                Ok(plan)
            }
            Err(PlanError::Call(error)) => {
                print_report(&CallReport::new(
                    error.operation.clone(),
                    "",
                    Outcome::Failed(error.clone()),
                ));
                bail!("{error}. Nothing was changed.")
            }
            Err(PlanError::Merge(error)) => bail!("{error}. Nothing was changed."),
        }
    }

    async fn review_and_apply(&self, plan: &Plan, confirm: Confirm) -> anyhow::Result<ExitCode> {
        let repository = &plan.repository;
        println!();
        println!("Change to the policy of `{repository}`:");
        print!("{}", plan.change.diff);
        println!();
        let write_call = match plan.change.write() {
            PolicyWrite::Set(_) => "ecr:SetRepositoryPolicy",
            PolicyWrite::Delete => "ecr:DeleteRepositoryPolicy (no statement is left)",
            PolicyWrite::Nothing => return Ok(ExitCode::SUCCESS),
        };
        match confirm {
            Confirm::DryRun => {
                println!("Dry run: nothing was changed.");
                return Ok(ExitCode::SUCCESS);
            }
            Confirm::Yes => {}
            Confirm::Ask => {
                let question = format!(
                    "Apply {write_call} to `{repository}` in account {} ({}), region {}? [y/N] ",
                    self.identity.account,
                    self.target.profile_label(),
                    self.region
                );
                if !ask(&question)? {
                    println!("Not applied; nothing was changed.");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }

        println!("To put the previous policy back if needed:");
        println!("  {}", self.restore_command(plan));
        let reports = self.ecr.apply(plan).await;
        for report in &reports {
            print_report(report);
        }
        let wrote = reports
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Done(_)));
        let problem = reports.iter().find_map(|r| match &r.outcome {
            Outcome::Failed(error) => Some(error.to_string()),
            Outcome::Differs(detail) => Some(format!("{} on `{}`: {detail}", r.call, r.subject)),
            _ => None,
        });
        match (problem, wrote) {
            (None, _) => {
                println!("Done: the policy of `{repository}` is updated and confirmed.");
                Ok(ExitCode::SUCCESS)
            }
            (Some(problem), false) => bail!("{problem}. Nothing was changed."),
            (Some(problem), true) => bail!(
                "{problem}. The policy of `{repository}` WAS changed; the command above puts the previous one back."
            ),
        }
    }

    /// The `aws` command that puts the previous policy back, so the operator has it
    /// before anything is written.
    fn restore_command(&self, plan: &Plan) -> String {
        let mut command = match plan.change.previous_policy() {
            Some(previous) => format!(
                "aws ecr set-repository-policy --repository-name {} --policy-text {}",
                shell_quote(plan.repository.as_str()),
                shell_quote(&previous.to_string())
            ),
            None => format!(
                "aws ecr delete-repository-policy --repository-name {}",
                shell_quote(plan.repository.as_str())
            ),
        };
        command.push_str(&format!(" --region {}", self.region));
        if let Some(profile) = &self.target.profile {
            command.push_str(&format!(" --profile {}", shell_quote(profile)));
        }
        command
    }
}

/// Statements not written by ecr-share that still name a revoked account: revoke
/// leaves them alone, and the operator should know the account may keep access.
fn foreign_mentions(plan: &Plan, accounts: &[AccountId], partition: Partition) -> Vec<String> {
    let Some(policy) = &plan.change.policy else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for (index, statement) in merge::statements_of(policy).into_iter().enumerate() {
        if merge::is_own(statement) {
            continue;
        }
        let principals = merge::aws_principals(statement);
        for account in accounts {
            if principals
                .iter()
                .any(|p| p == account.as_str() || *p == account.root_arn(partition))
            {
                let name = statement
                    .get("Sid")
                    .and_then(|sid| sid.as_str())
                    .map_or_else(|| format!("number {}", index + 1), |sid| format!("`{sid}`"));
                notes.push(format!(
                    "statement {name} was not written by ecr-share and still names account {account}; it is left as it is"
                ));
            }
        }
    }
    notes
}

/// One line per AWS call. A failure's full message goes to standard error once, with
/// what was already done; its line here names only the error code.
fn print_report(report: &CallReport) {
    let subject = if report.subject.is_empty() {
        String::new()
    } else {
        format!(" {}", report.subject)
    };
    let detail = match &report.outcome {
        Outcome::Failed(error) => error.code().unwrap_or("see below").to_string(),
        other => other.detail(),
    };
    println!(
        "{:<26}{subject}: {}: {detail}",
        report.call,
        report.outcome.label(),
    );
}

/// Asks on the terminal. Without a terminal there is no one to ask, so the change is
/// refused rather than applied.
fn ask(question: &str) -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    ask_on(
        terminal,
        &mut stdin.lock(),
        &mut std::io::stdout(),
        question,
    )
}

fn ask_on(
    terminal: bool,
    input: &mut impl BufRead,
    output: &mut impl Write,
    question: &str,
) -> anyhow::Result<bool> {
    if !terminal {
        bail!(
            "not applied: standard input is not a terminal, so the change cannot be confirmed; pass --yes to apply it or --dry-run to only show it. Nothing was changed."
        );
    }
    write!(output, "{question}").context("writing the question")?;
    output.flush().context("writing the question")?;
    let mut answer = String::new();
    input.read_line(&mut answer).context("reading the answer")?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn account_list(accounts: &[AccountId]) -> String {
    let ids: Vec<&str> = accounts.iter().map(AccountId::as_str).collect();
    match ids.as_slice() {
        [one] => format!("account {one}"),
        many => format!("accounts {}", many.join(", ")),
    }
}

/// Quotes a word for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_single_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote("{\"a\":1}"), "'{\"a\":1}'");
    }

    #[test]
    fn only_a_yes_typed_at_a_terminal_confirms() {
        let mut shown = Vec::new();
        for (typed, expected) in [
            ("y\n", true),
            ("YES\n", true),
            ("\n", false),
            ("no\n", false),
            ("", false),
        ] {
            let confirmed =
                ask_on(true, &mut typed.as_bytes(), &mut shown, "Apply? [y/N] ").unwrap();
            assert_eq!(confirmed, expected, "{typed:?}");
        }
        assert!(
            String::from_utf8(shown)
                .unwrap()
                .starts_with("Apply? [y/N] ")
        );
        let refused = ask_on(false, &mut "y\n".as_bytes(), &mut Vec::new(), "Apply? ").unwrap_err();
        assert!(refused.to_string().contains("pass --yes"), "{refused}");
    }

    #[test]
    fn flags_decide_the_confirmation() {
        assert_eq!(Confirm::from_flags(true, true), Confirm::DryRun);
        assert_eq!(Confirm::from_flags(false, true), Confirm::Yes);
        assert_eq!(Confirm::from_flags(false, false), Confirm::Ask);
    }

    #[test]
    fn bad_input_is_one_clear_message() {
        let error = Input::parse(None, None, "Team/App", &["222222222222".into()])
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "--repository: a repository name is lower case"
        );
        let error = Input::parse(None, None, "app", &["2222".into()])
            .err()
            .unwrap();
        assert!(
            error
                .to_string()
                .starts_with("--account: account 1 ('2222')"),
            "{error}"
        );
        let error = Input::parse(None, Some("mars-1".into()), "app", &["222222222222".into()])
            .err()
            .unwrap();
        assert!(error.to_string().starts_with("--region: "), "{error}");
    }
}
