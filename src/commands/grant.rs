//! `ecr-share grant` and `ecr-share revoke`: share private repositories with other
//! accounts or whole organizations through their repository policies, or take that
//! access away again.
//!
//! Both read every named repository's current policy and work out each change first,
//! show every diff, ask once for all of them (`--yes`, or a `y` typed at a terminal),
//! then apply them one by one with the same checks as a single change. Other
//! statements in a policy are never touched. Every AWS call gets one line with its
//! outcome; a repository that fails does not stop the others, and the end says which
//! failed, why, and whether anything was changed in it.

mod fleet;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use crate::aws::ecr::{self, Plan};
use crate::aws::error::ANSWER_LOST;
use crate::aws::{self, CallReport, Identity, Outcome, Target};
use crate::cli::{GrantArgs, RevokeArgs};
use crate::core::access_change;
use crate::core::documents::{self, Access, shell_quote};
use crate::core::merge::{self, Grant, MergeError, OtherAccess, PolicyWrite};
use crate::core::regions::Partition;
use crate::core::validate::{
    AccountId, OrganizationId, Region, RepositoryName, parse_account_list, parse_organization_list,
    shown,
};
use crate::procedure::{self, Job, Output, Report};
use crate::{out, outln};

use fleet::{Confirming, Ended, Rerun};

const GET_POLICY: &str = "ecr:GetRepositoryPolicy";

pub fn run_grant(
    profile: Option<String>,
    region: Option<String>,
    args: GrantArgs,
) -> anyhow::Result<ExitCode> {
    let input = Input::parse(
        profile,
        region,
        &args.repositories,
        &args.accounts,
        &args.organizations,
    )?;
    let access = Access::from(args.access);
    if access == Access::LambdaPull && !input.organizations.is_empty() {
        bail!("--organization: {}", MergeError::LambdaForOrganization);
    }
    let confirm = Confirm::from_flags(args.dry_run, args.yes);
    let (results, rerun) = runtime()?.block_on(async {
        let session = Session::open(&input).await?;
        let grant = Grant {
            access,
            accounts: input.accounts.clone(),
            organizations: input.organizations.clone(),
            region: session.region.clone(),
        };
        outln!(
            "Granting {} access to {} for {}.",
            access.label(),
            repository_list(&input.repositories),
            grantee_list(&grant.accounts, &grant.organizations)
        );
        if grant.accounts.iter().any(|a| a.as_str() == session.identity.account) {
            outln!(
                "Note: account {} owns the repository; its own IAM policies already decide its access.",
                session.identity.account
            );
        }
        if access == Access::LambdaPull {
            outln!(
                "Note: Lambda functions pull images across accounts only within one region; the grant covers functions in {}.",
                session.region
            );
        }
        if !grant.organizations.is_empty() {
            outln!(
                "Note: every account of {} gets access, also accounts that join later; AWS checks aws:PrincipalOrgID on each request.",
                organization_list(&grant.organizations)
            );
        }
        let mut planned = Vec::new();
        for repository in &input.repositories {
            let job = Job::PlanGrant {
                target: session.job_target(),
                repository: repository.clone(),
                grant: grant.clone(),
            };
            let state = match session.plan(job).await {
                Err(reason) => Planned::Failed(reason),
                Ok(plan) => {
                    input.notes(repository, &plan.change.notes);
                    if plan.change.changes {
                        Planned::Change(Box::new(plan))
                    } else {
                        outln!("The policy of `{repository}` already grants this; nothing to change.");
                        Planned::NothingToDo
                    }
                }
            };
            planned.push((repository.clone(), state));
        }
        let rest = format!(
            "{} --access {}",
            grantee_options(&grant.accounts, &grant.organizations),
            access.cli_name()
        );
        let results = session.review_and_apply(planned, confirm).await?;
        anyhow::Ok((results, session.rerun("grant", rest)))
    })?;
    Ok(fleet::finish(&results, &rerun))
}

pub fn run_revoke(
    profile: Option<String>,
    region: Option<String>,
    args: RevokeArgs,
) -> anyhow::Result<ExitCode> {
    let input = Input::parse(
        profile,
        region,
        &args.repositories,
        &args.accounts,
        &args.organizations,
    )?;
    let confirm = Confirm::from_flags(args.dry_run, args.yes);
    let (results, rerun) = runtime()?.block_on(async {
        let session = Session::open(&input).await?;
        let partition = session.region.partition();
        outln!(
            "Revoking the access ecr-share granted to {} on {}.",
            grantee_list(&input.accounts, &input.organizations),
            repository_list(&input.repositories)
        );
        let mut planned = Vec::new();
        for repository in &input.repositories {
            let job = Job::PlanRevoke {
                target: session.job_target(),
                repository: repository.clone(),
                accounts: input.accounts.clone(),
                organizations: input.organizations.clone(),
                partition,
            };
            let state = match session.plan(job).await {
                Err(reason) => Planned::Failed(reason),
                Ok(plan) => {
                    input.notes(repository, &plan.change.notes);
                    input.notes(
                        repository,
                        &foreign_mentions(&plan, &input.accounts, partition),
                    );
                    input.notes(
                        repository,
                        &organization_mentions(&plan, &input.accounts, &input.organizations),
                    );
                    input.notes(
                        repository,
                        &foreign_organization_mentions(&plan, &input.organizations),
                    );
                    if plan.change.changes {
                        Planned::Change(Box::new(plan))
                    } else {
                        if plan.change.previous.is_none() {
                            outln!("`{repository}` has no repository policy; nothing to revoke.");
                        } else {
                            outln!(
                                "The policy of `{repository}` grants none of these {} access through ecr-share's statements; nothing to change.",
                                grantee_noun(&input.accounts, &input.organizations)
                            );
                        }
                        Planned::NothingToDo
                    }
                }
            };
            planned.push((repository.clone(), state));
        }
        let rest = grantee_options(&input.accounts, &input.organizations);
        let results = session.review_and_apply(planned, confirm).await?;
        anyhow::Ok((results, session.rerun("revoke", rest)))
    })?;
    Ok(fleet::finish(&results, &rerun))
}

/// What planning came to for one repository.
#[derive(Debug)]
enum Planned {
    /// The policy already says what was asked.
    NothingToDo,
    /// The change worked out, to show and apply.
    Change(Box<Plan>),
    /// Why the change could not be worked out; nothing was written.
    Failed(String),
}

/// The validated command line shared by both commands.
struct Input {
    target: Target,
    region: Option<Region>,
    /// The repositories, in the order named, each once.
    repositories: Vec<RepositoryName>,
    accounts: Vec<AccountId>,
    organizations: Vec<OrganizationId>,
}

impl Input {
    fn parse(
        profile: Option<String>,
        region: Option<String>,
        repositories: &[String],
        accounts: &[String],
        organizations: &[String],
    ) -> anyhow::Result<Input> {
        let mut names: Vec<RepositoryName> = Vec::new();
        for text in repositories {
            let name = RepositoryName::parse(text).map_err(|e| {
                if repositories.len() == 1 {
                    anyhow!("--repository: {e}")
                } else {
                    anyhow!("--repository '{}': {e}", shown(text))
                }
            })?;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if names.is_empty() {
            bail!("--repository: name at least one repository");
        }
        let accounts = if accounts.is_empty() {
            Vec::new()
        } else {
            parse_account_list(&accounts.join(",")).map_err(|e| anyhow!("--account: {e}"))?
        };
        let organizations = if organizations.is_empty() {
            Vec::new()
        } else {
            parse_organization_list(&organizations.join(","))
                .map_err(|e| anyhow!("--organization: {e}"))?
        };
        if accounts.is_empty() && organizations.is_empty() {
            bail!("--account: name at least one account (or --organization)");
        }
        let parsed_region = region
            .as_deref()
            .map(Region::parse)
            .transpose()
            .map_err(|e| anyhow!("--region: {e}"))?;
        Ok(Input {
            target: Target::new(profile, region),
            region: parsed_region,
            repositories: names,
            accounts,
            organizations,
        })
    }

    /// Prints notes on one repository's change; with several repositories each names
    /// the repository it is about.
    fn notes(&self, repository: &RepositoryName, notes: &[String]) {
        for note in notes {
            if self.repositories.len() == 1 {
                outln!("Note: {note}");
            } else {
                outln!("Note on `{repository}`: {note}");
            }
        }
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
}

impl Session {
    async fn open(input: &Input) -> anyhow::Result<Session> {
        let config = aws::load_config(&input.target)
            .await
            .map_err(|e| anyhow!("{e}. Nothing was changed."))?;
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
        outln!(
            "Acting in account {} with {}, region {region}.",
            identity.account,
            input.target.profile_label()
        );
        Ok(Session {
            target: input.target.clone(),
            identity,
            region,
        })
    }

    /// The credentials and the resolved region, as the procedure's jobs take them.
    fn job_target(&self) -> Target {
        Target::new(self.target.profile.clone(), Some(self.region.to_string()))
    }

    /// How to run the command again, for the repositories that failed.
    fn rerun(&self, subcommand: &'static str, rest: String) -> Rerun {
        Rerun {
            subcommand,
            target_options: documents::aws_target_options(
                self.target.profile.as_deref(),
                self.region.name(),
            ),
            rest,
        }
    }

    /// Runs a planning job (read the policy, work out the change). A failure is the
    /// reason, for the operator; nothing was written.
    async fn plan(&self, job: Job) -> Result<Plan, String> {
        let mut printer = Printer::default();
        procedure::execute(job, &mut printer).await;
        if let Some(plan) = printer.plan {
            return Ok(plan);
        }
        Err(
            match printer.reports.iter().find_map(|r| match &r.outcome {
                Outcome::Failed(error) => Some(error),
                _ => None,
            }) {
                // Working out the change is no AWS call: its message says it all.
                Some(error) if error.operation == "merge" => {
                    error.message.trim_end_matches('.').to_string()
                }
                Some(error) => error.to_string(),
                None => "the change could not be worked out".to_string(),
            },
        )
    }

    /// Where the changes are made, as the confirmation names it.
    fn place(&self) -> String {
        format!(
            "account {} ({}), region {}",
            self.identity.account,
            self.target.profile_label(),
            self.region
        )
    }

    /// Shows every planned change, asks once for all of them, and applies each in
    /// turn: a repository that fails does not stop the ones after it.
    async fn review_and_apply(
        &self,
        planned: Vec<(RepositoryName, Planned)>,
        confirm: Confirm,
    ) -> anyhow::Result<Vec<(RepositoryName, Ended)>> {
        let several = planned.len() > 1;
        let mut confirming = Vec::new();
        for (_, state) in &planned {
            confirming.push(match state {
                Planned::Change(plan) => {
                    let sentences = self.show_change(plan);
                    Confirming::Change {
                        write_call: write_call(plan),
                        sentences,
                    }
                }
                Planned::NothingToDo => Confirming::NothingToDo,
                Planned::Failed(reason) => Confirming::LeftOut(reason),
            });
        }
        let changing: Vec<&RepositoryName> = planned
            .iter()
            .filter(|(_, state)| matches!(state, Planned::Change(_)))
            .map(|(repository, _)| repository)
            .collect();
        let left_out = planned
            .iter()
            .filter(|(_, state)| matches!(state, Planned::Failed(_)))
            .count();
        if several && !changing.is_empty() {
            let named: Vec<(&RepositoryName, Confirming)> = planned
                .iter()
                .map(|(repository, _)| repository)
                .zip(confirming)
                .collect();
            outln!();
            for line in fleet::confirmation_lines(&self.place(), &named) {
                outln!("{line}");
            }
        } else if !changing.is_empty() {
            outln!();
        }

        let proceed = match confirm {
            _ if changing.is_empty() => None,
            Confirm::DryRun => {
                outln!("Dry run: nothing was changed.");
                Some(Ended::DryRun)
            }
            Confirm::Yes => None,
            Confirm::Ask => {
                let question = match (
                    several,
                    planned.iter().find_map(|(_, s)| match s {
                        Planned::Change(plan) => Some(plan),
                        _ => None,
                    }),
                ) {
                    (false, Some(plan)) => format!(
                        "Apply {} to `{}` in {}? [y/N] ",
                        write_call_detail(plan),
                        plan.repository,
                        self.place()
                    ),
                    _ => fleet::question(&changing, left_out),
                };
                if ask(&question)? {
                    None
                } else {
                    outln!("Not applied; nothing was changed.");
                    Some(Ended::NotConfirmed)
                }
            }
        };

        let mut results = Vec::new();
        for (repository, state) in planned {
            let ended = match (state, &proceed) {
                (Planned::NothingToDo, _) => Ended::NothingToDo,
                (Planned::Failed(reason), _) => Ended::NotPlanned(reason),
                (Planned::Change(_), Some(ended)) => ended.clone(),
                (Planned::Change(plan), None) => self.apply(*plan, several).await,
            };
            results.push((repository, ended));
        }
        Ok(results)
    }

    /// Prints one repository's change: who gains or loses what, and the diff. Returns
    /// the sentences, for the confirmation.
    fn show_change(&self, plan: &Plan) -> Vec<String> {
        let repository = &plan.repository;
        outln!();
        outln!("Change to the policy of `{repository}`:");
        let place = access_change::RepositoryPlace {
            repository: repository.as_str(),
            account: Some(&self.identity.account),
            profile: self.target.profile.as_deref(),
            partition: self.region.partition(),
        };
        let sentences = access_change::who_gains_and_loses(&plan.change, &place);
        for line in &sentences {
            outln!("  {line}");
        }
        out!("{}", plan.change.diff);
        sentences
    }

    /// Writes one repository's change and reads it back.
    async fn apply(&self, plan: Plan, several: bool) -> Ended {
        let repository = plan.repository.clone();
        if several {
            outln!();
            outln!("Applying the change to `{repository}`.");
        }
        outln!("To put the previous policy back if needed:");
        outln!("  {}", self.restore_command(&plan));
        let mut printer = Printer::default();
        procedure::execute(
            Job::Apply {
                target: self.job_target(),
                plan: Box::new(plan),
            },
            &mut printer,
        )
        .await;
        match applied(&repository, &printer.reports, printer.applied) {
            Ok(()) => {
                outln!("Done: the policy of `{repository}` is updated and confirmed.");
                Ended::Applied
            }
            Err(message) => {
                if several {
                    outln!("Failed: `{repository}`: {message}");
                }
                Ended::Failed(message)
            }
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
        command.push_str(&documents::aws_target_options(
            self.target.profile.as_deref(),
            self.region.name(),
        ));
        command
    }
}

/// The write a planned change makes.
fn write_call(plan: &Plan) -> &'static str {
    match plan.change.write() {
        PolicyWrite::Delete => "ecr:DeleteRepositoryPolicy",
        PolicyWrite::Set(_) | PolicyWrite::Nothing => "ecr:SetRepositoryPolicy",
    }
}

/// The write a planned change makes, with why when the policy goes.
fn write_call_detail(plan: &Plan) -> &'static str {
    match plan.change.write() {
        PolicyWrite::Delete => "ecr:DeleteRepositoryPolicy (no statement is left)",
        PolicyWrite::Set(_) | PolicyWrite::Nothing => "ecr:SetRepositoryPolicy",
    }
}

/// The commands' [`Report`]: a line per call as it finishes, and what the job found.
#[derive(Debug, Default)]
struct Printer {
    /// Every call of the job, in order.
    reports: Vec<CallReport>,
    /// The change a planning job worked out.
    plan: Option<Plan>,
    /// Whether an apply job wrote the change and read it back as applied.
    applied: bool,
}

impl Report for Printer {
    fn call(&mut self, report: CallReport) {
        print_report(&report);
        self.reports.push(report);
    }

    fn output(&mut self, output: Output) {
        match output {
            Output::Plan(plan) => self.plan = Some(*plan),
            Output::Applied { .. } => self.applied = true,
            _ => {}
        }
    }
}

/// What applying a change came to, from the calls it made: `Ok` when the change was
/// written and read back, else the message that ends the command. "Nothing was
/// changed" is said only when the calls show it; when a write's answer was lost and
/// reading back could not settle it, the policy may have been changed, and the
/// message says what the read-back found.
fn applied(
    repository: &RepositoryName,
    reports: &[CallReport],
    confirmed: bool,
) -> Result<(), String> {
    let problem = reports.iter().find_map(|r| match &r.outcome {
        Outcome::Failed(error) => Some(error.to_string()),
        Outcome::Differs(detail) => Some(format!("{} on `{}`: {detail}", r.call, r.subject)),
        _ => None,
    });
    let problem = match (problem, confirmed) {
        (None, true) => return Ok(()),
        (Some(problem), _) => problem,
        (None, false) => "the change could not be confirmed".to_string(),
    };
    let lost = reports
        .iter()
        .position(|r| matches!(&r.outcome, Outcome::Failed(error) if error.is(ANSWER_LOST)));
    if let Some(index) = lost {
        let found = match reports[index + 1..]
            .iter()
            .find(|r| r.call == GET_POLICY)
            .map(|r| &r.outcome)
        {
            Some(Outcome::Failed(error)) => format!("nothing, reading it failed ({error})"),
            Some(other) => {
                let detail = other.detail();
                detail
                    .strip_prefix("read back: ")
                    .unwrap_or(&detail)
                    .to_string()
            }
            None => "nothing, the policy was not read back".to_string(),
        };
        return Err(format!(
            "{problem}. The policy of `{repository}` may have been changed: the answer to {} was lost. What the read-back found: {found}. Check the policy before using the command above: it puts the previous policy back and would also undo any change somebody else made since.",
            reports[index].call
        ));
    }
    if ecr::may_have_changed(reports) {
        Err(format!(
            "{problem}. The policy of `{repository}` WAS changed; the command above puts the previous one back."
        ))
    } else {
        Err(format!("{problem}. Nothing was changed."))
    }
}

/// Statements not written by ecr-share that may still let a revoked account in: they
/// name it (or a principal in it), let its Lambda functions in through `aws:sourceARN`,
/// allow everyone but the principals under `NotPrincipal`, or allow any principal.
/// Revoke leaves them alone, and the operator should know the account may keep access.
fn foreign_mentions(plan: &Plan, accounts: &[AccountId], partition: Partition) -> Vec<String> {
    let Some(policy) = &plan.change.policy else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for (index, statement) in merge::statements_of(policy).into_iter().enumerate() {
        if merge::is_owned(statement) {
            continue;
        }
        let name = statement
            .get("Sid")
            .and_then(|sid| sid.as_str())
            .map_or_else(|| format!("number {}", index + 1), |sid| format!("`{sid}`"));
        for account in accounts {
            let how = match merge::other_access(statement, account, partition) {
                None => continue,
                Some(OtherAccess::Names(principal))
                    if principal == account.as_str()
                        || principal == account.root_arn(partition) =>
                {
                    format!("still names account {account}")
                }
                Some(OtherAccess::Names(principal)) => {
                    format!("still names account {account} ({principal})")
                }
                Some(OtherAccess::LambdaFunctions(arn)) => {
                    format!("still lets Lambda functions of account {account} in ({arn})")
                }
                Some(OtherAccess::AllBut) => format!(
                    "allows every principal except those under its NotPrincipal, so account {account} may still have access through it"
                ),
                Some(OtherAccess::Anyone { conditions }) if conditions.is_empty() => format!(
                    "lets any principal in, with no condition, so account {account} still has access through it"
                ),
                Some(OtherAccess::Anyone { conditions }) => format!(
                    "lets any principal in, limited only by its conditions ({}), so account {account} may still have access through it",
                    conditions.join(", ")
                ),
            };
            notes.push(format!(
                "statement {name} was not written by ecr-share and {how}; it is left as it is"
            ));
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
    outln!(
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
    let not_asked = |e: std::io::Error| {
        anyhow!("not applied: the question could not be asked ({e}). Nothing was changed.")
    };
    write!(output, "{question}").map_err(not_asked)?;
    output.flush().map_err(not_asked)?;
    let mut answer = String::new();
    input.read_line(&mut answer).map_err(|e| {
        anyhow!("not applied: the answer could not be read ({e}). Nothing was changed.")
    })?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Ecr-share's organization statements that still let every account of an
/// organization in after a revoke of accounts: an account that belongs to one keeps
/// that access, and revoking it takes `--organization`.
fn organization_mentions(
    plan: &Plan,
    accounts: &[AccountId],
    organizations: &[OrganizationId],
) -> Vec<String> {
    let Some(policy) = &plan.change.policy else {
        return Vec::new();
    };
    if accounts.is_empty() {
        return Vec::new();
    }
    let revoked: Vec<&str> = organizations.iter().map(OrganizationId::as_str).collect();
    let mut notes = Vec::new();
    for statement in merge::statements_of(policy) {
        if !merge::is_owned_organization_statement(statement) {
            continue;
        }
        let kept: Vec<String> = merge::organization_ids(statement)
            .into_iter()
            .filter(|id| !revoked.contains(&id.as_str()))
            .collect();
        if kept.is_empty() {
            continue;
        }
        let sid = statement.get("Sid").and_then(|s| s.as_str()).unwrap_or("");
        notes.push(format!(
            "ecr-share's statement `{sid}` still lets every account of {} in; {} keeps that access if it belongs to {}. To take it away, revoke with --organization",
            fleet::and_list(&kept),
            account_list(accounts),
            if kept.len() == 1 { "it" } else { "one of them" }
        ));
    }
    notes
}

/// Statements not written by ecr-share that still name a revoked organization in
/// their `aws:PrincipalOrgID` condition: revoke leaves them alone, and the
/// organization may keep access through them.
fn foreign_organization_mentions(plan: &Plan, organizations: &[OrganizationId]) -> Vec<String> {
    let Some(policy) = &plan.change.policy else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for (index, statement) in merge::statements_of(policy).into_iter().enumerate() {
        if merge::is_owned(statement)
            || statement.get("Effect").and_then(|e| e.as_str()) != Some("Allow")
        {
            continue;
        }
        let named = merge::organization_ids(statement);
        for organization in organizations {
            if named.iter().any(|id| id == organization.as_str()) {
                let name = statement
                    .get("Sid")
                    .and_then(|sid| sid.as_str())
                    .map_or_else(|| format!("number {}", index + 1), |sid| format!("`{sid}`"));
                notes.push(format!(
                    "statement {name} was not written by ecr-share and still names organization {organization} (aws:PrincipalOrgID); it is left as it is"
                ));
            }
        }
    }
    notes
}

fn account_list(accounts: &[AccountId]) -> String {
    let ids: Vec<&str> = accounts.iter().map(AccountId::as_str).collect();
    match ids.as_slice() {
        [one] => format!("account {one}"),
        many => format!("accounts {}", many.join(", ")),
    }
}

fn organization_list(organizations: &[OrganizationId]) -> String {
    let ids: Vec<String> = organizations.iter().map(ToString::to_string).collect();
    match ids.as_slice() {
        [one] => format!("organization {one}"),
        many => format!("organizations {}", fleet::and_list(many)),
    }
}

/// The accounts and organizations of a grant or revoke, as a sentence names them.
fn grantee_list(accounts: &[AccountId], organizations: &[OrganizationId]) -> String {
    match (accounts.is_empty(), organizations.is_empty()) {
        (false, true) => account_list(accounts),
        (true, false) => organization_list(organizations),
        _ => format!(
            "{} and {}",
            account_list(accounts),
            organization_list(organizations)
        ),
    }
}

/// "accounts", "organizations" or "accounts and organizations".
fn grantee_noun(accounts: &[AccountId], organizations: &[OrganizationId]) -> &'static str {
    match (accounts.is_empty(), organizations.is_empty()) {
        (false, true) => "accounts",
        (true, false) => "organizations",
        _ => "accounts and organizations",
    }
}

/// The repositories as the first line names them.
fn repository_list(repositories: &[RepositoryName]) -> String {
    match repositories {
        [one] => format!("`{one}`"),
        many => {
            let names: Vec<String> = many.iter().map(|r| format!("`{r}`")).collect();
            format!("{} repositories ({})", many.len(), names.join(", "))
        }
    }
}

/// The grantees as `ecr-share` takes them on its command line.
fn grantee_options(accounts: &[AccountId], organizations: &[OrganizationId]) -> String {
    let accounts = accounts.iter().map(|a| format!(" --account {a}"));
    let organizations = organizations.iter().map(|o| format!(" --organization {o}"));
    accounts.chain(organizations).collect()
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

    const SET_POLICY: &str = "ecr:SetRepositoryPolicy";
    const HELD: &str = r#"{"Statement":[{"Sid":"SomebodyElse"}]}"#;

    fn report(call: &str, outcome: Outcome) -> CallReport {
        CallReport::new(call, "team/app", outcome)
    }

    fn checked() -> CallReport {
        report(
            GET_POLICY,
            Outcome::Ok("the policy is still the one the change was worked out from".into()),
        )
    }

    fn lost(message: &str) -> CallReport {
        report(
            SET_POLICY,
            Outcome::Failed(aws::CallError::new(SET_POLICY, Some(ANSWER_LOST), message)),
        )
    }

    fn repository() -> RepositoryName {
        RepositoryName::parse("team/app").unwrap()
    }

    #[test]
    fn a_write_read_back_as_applied_is_done() {
        let reports = [
            checked(),
            report(SET_POLICY, Outcome::Done("the new policy is set".into())),
            report(
                GET_POLICY,
                Outcome::Ok("read back: the policy is the one applied".into()),
            ),
        ];
        assert_eq!(applied(&repository(), &reports, true), Ok(()));
    }

    #[test]
    fn a_lost_answer_with_another_policy_read_back_may_have_changed_it() {
        let reports = [
            checked(),
            lost("no answer from AWS in time; the read-back shows neither"),
            report(
                GET_POLICY,
                Outcome::Differs(format!(
                    "read back: AWS holds another policy than the one sent: {HELD}"
                )),
            ),
        ];
        let message = applied(&repository(), &reports, false).unwrap_err();
        assert!(
            message.contains("The policy of `team/app` may have been changed"),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "What the read-back found: AWS holds another policy than the one sent: {HELD}."
            )),
            "{message}"
        );
        assert!(!message.contains("WAS changed"), "{message}");
        assert!(
            !message.to_lowercase().contains("nothing was changed"),
            "{message}"
        );
    }

    #[test]
    fn a_lost_answer_with_a_failed_read_back_may_have_changed_it() {
        let reports = [
            checked(),
            lost("no answer from AWS in time; reading the policy back failed too"),
            report(
                GET_POLICY,
                Outcome::Failed(aws::CallError::new(
                    GET_POLICY,
                    Some("Timeout"),
                    "no answer from AWS in time",
                )),
            ),
        ];
        let message = applied(&repository(), &reports, false).unwrap_err();
        assert!(message.contains("may have been changed"), "{message}");
        assert!(
            message.contains(
                "What the read-back found: nothing, reading it failed (ecr:GetRepositoryPolicy failed: Timeout: no answer from AWS in time"
            ),
            "{message}"
        );
        assert!(!message.contains("WAS changed"), "{message}");
    }

    #[test]
    fn a_write_that_went_through_but_reads_back_otherwise_was_changed() {
        let reports = [
            checked(),
            report(SET_POLICY, Outcome::Done("the new policy is set".into())),
            report(
                GET_POLICY,
                Outcome::Differs(format!(
                    "read back: AWS holds a different policy than the one applied: {HELD}"
                )),
            ),
        ];
        let message = applied(&repository(), &reports, false).unwrap_err();
        assert!(
            message.contains("The policy of `team/app` WAS changed"),
            "{message}"
        );
        assert!(message.contains(HELD), "{message}");
    }

    #[test]
    fn nothing_was_changed_only_when_the_reports_show_it() {
        let not_applied = [
            checked(),
            report(
                SET_POLICY,
                Outcome::Failed(aws::CallError::new(
                    SET_POLICY,
                    Some("Timeout"),
                    "no answer; the read-back shows the previous policy, so the change was NOT applied (checked)",
                )),
            ),
            report(
                GET_POLICY,
                Outcome::Ok("read back: the previous policy, unchanged".into()),
            ),
        ];
        let message = applied(&repository(), &not_applied, false).unwrap_err();
        assert!(message.ends_with("Nothing was changed."), "{message}");

        let changed_since = [report(
            GET_POLICY,
            Outcome::Differs("the policy changed since it was read".into()),
        )];
        let message = applied(&repository(), &changed_since, false).unwrap_err();
        assert!(
            message.starts_with("ecr:GetRepositoryPolicy on `team/app`: the policy changed"),
            "{message}"
        );
        assert!(message.ends_with("Nothing was changed."), "{message}");
    }

    fn plan_of(change: merge::PolicyChange) -> Plan {
        Plan {
            repository: repository(),
            change,
            read: report(GET_POLICY, Outcome::Ok("read".into())),
        }
    }

    #[test]
    fn a_revoke_says_what_may_still_let_an_organization_or_its_accounts_in() {
        let organization = |id: &str| OrganizationId::parse(id).unwrap();
        let theirs = serde_json::json!({
            "Sid": "Partners", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", "o-zzzzzzzzzz"]}}
        });
        let current = serde_json::json!({"Version": "2012-10-17", "Statement": [theirs]});
        let grant = Grant {
            access: Access::Pull,
            accounts: vec![AccountId::parse("222222222222").unwrap()],
            organizations: vec![organization("o-a1b2c3d4e5"), organization("o-bbbbbbbbbb")],
            region: Region::parse("us-east-1").unwrap(),
        };
        let granted = merge::grant(Some(&current.to_string()), &grant).unwrap();
        let text = granted.policy_text().unwrap();

        // Revoking one organization: somebody else's statement still names it.
        let revoked = merge::revoke_grantees(
            Some(&text),
            &merge::Revocation {
                accounts: Vec::new(),
                organizations: vec![organization("o-a1b2c3d4e5")],
                partition: Partition::Aws,
            },
        )
        .unwrap();
        assert_eq!(
            foreign_organization_mentions(&plan_of(revoked), &[organization("o-a1b2c3d4e5")]),
            [
                "statement `Partners` was not written by ecr-share and still names organization o-a1b2c3d4e5 (aws:PrincipalOrgID); it is left as it is"
            ]
        );

        // Revoking the account: ecr-share's own organization statement may still let
        // it in; the organization being revoked alongside is not counted.
        let accounts = [AccountId::parse("222222222222").unwrap()];
        let revoked = merge::revoke(Some(&text), &accounts, Partition::Aws).unwrap();
        let plan = plan_of(revoked);
        assert_eq!(
            organization_mentions(&plan, &accounts, &[]),
            [
                "ecr-share's statement `AllowPullOrganization` still lets every account of o-a1b2c3d4e5 and o-bbbbbbbbbb in; account 222222222222 keeps that access if it belongs to one of them. To take it away, revoke with --organization"
            ]
        );
        assert_eq!(
            organization_mentions(&plan, &accounts, &[organization("o-bbbbbbbbbb")]),
            [
                "ecr-share's statement `AllowPullOrganization` still lets every account of o-a1b2c3d4e5 in; account 222222222222 keeps that access if it belongs to it. To take it away, revoke with --organization"
            ]
        );
        assert!(organization_mentions(&plan, &[], &[]).is_empty());
    }

    #[test]
    fn flags_decide_the_confirmation() {
        assert_eq!(Confirm::from_flags(true, true), Confirm::DryRun);
        assert_eq!(Confirm::from_flags(false, true), Confirm::Yes);
        assert_eq!(Confirm::from_flags(false, false), Confirm::Ask);
    }

    fn parse(
        region: Option<&str>,
        repositories: &[&str],
        accounts: &[&str],
        organizations: &[&str],
    ) -> anyhow::Result<Input> {
        let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Input::parse(
            None,
            region.map(str::to_string),
            &owned(repositories),
            &owned(accounts),
            &owned(organizations),
        )
    }

    #[test]
    fn bad_input_is_one_clear_message() {
        let error = parse(None, &["Team/App"], &["222222222222"], &[])
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "--repository: a repository name is lower case"
        );
        let error = parse(None, &["team/a", "Team/App"], &["222222222222"], &[])
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "--repository 'Team/App': a repository name is lower case"
        );
        let error = parse(None, &["app"], &["2222"], &[]).err().unwrap();
        assert!(
            error
                .to_string()
                .starts_with("--account: account 1 ('2222')"),
            "{error}"
        );
        let error = parse(Some("mars-1"), &["app"], &["222222222222"], &[])
            .err()
            .unwrap();
        assert!(error.to_string().starts_with("--region: "), "{error}");
        let error = parse(None, &["app"], &[], &["o-abc"]).err().unwrap();
        assert!(
            error
                .to_string()
                .starts_with("--organization: organization 1 ('o-abc'): after o-"),
            "{error}"
        );
        let error = parse(None, &["app"], &[], &[]).err().unwrap();
        assert!(error.to_string().starts_with("--account: "), "{error}");
    }

    #[test]
    fn repositories_and_grantees_are_kept_once_in_order() {
        let input = parse(
            None,
            &["team/b", "team/a", "team/b"],
            &[],
            &["o-a1b2c3d4e5", "o-a1b2c3d4e5"],
        )
        .unwrap();
        let names: Vec<&str> = input.repositories.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["team/b", "team/a"]);
        assert_eq!(input.organizations.len(), 1);
        assert!(input.accounts.is_empty());
        assert_eq!(
            grantee_options(&input.accounts, &input.organizations),
            " --organization o-a1b2c3d4e5"
        );
        assert_eq!(
            repository_list(&input.repositories),
            "2 repositories (`team/b`, `team/a`)"
        );
    }
}
