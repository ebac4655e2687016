//! `ecr-share curated`: the whole EKS Anywhere Curated Packages procedure across the
//! source and destination accounts, one printed line per AWS call.
//!
//! It drives the same procedure engine as the wizard: the flags fill the wizard's
//! form, each step is planned and executed by [`crate::procedure`], and this module
//! only prints what happens and asks for the go-ahead. Every input and every file it
//! would replace is checked before anything is called. Running it again changes
//! nothing: what exists is found, compared and reused, and the access key is reused
//! from the config file written the first time rather than created again. A policy
//! or role that exists with another document stops the run, unless the operator
//! asked with `--update-existing` for the wanted document to be made current.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use super::account::{Account, check_profiles_exist};
use super::flags::{self, check_output_path};
use crate::aws::eks::PackageRegistry;
use crate::aws::iam;
use crate::aws::verify;
use crate::aws::{CallError, CallReport, Outcome};
use crate::cli::{CuratedAction, CuratedArgs, CuratedCommand};
use crate::core::documents::shell_quote;
use crate::core::flow::{CuratedStep, FieldId, FlowId, Form, Side, Step};
use crate::core::validate::{AccountId, IamName, Region, SubscriptionId};
use crate::files;
use crate::procedure::teardown::Names;
use crate::procedure::{self, Job, Output, Report, Sides};
use crate::{errln, outln};

/// Everything the operator typed, validated.
struct Input {
    region: Region,
    source_profile: String,
    destination_profile: String,
    subscription: SubscriptionId,
    registry_account: Option<AccountId>,
    policy_name: IamName,
    role_name: IamName,
    assume_policy_name: IamName,
    user_name: IamName,
    config_out: PathBuf,
    secret_out: Option<PathBuf>,
    registry_url: Option<String>,
    update_existing: bool,
    overwrite: bool,
    yes: bool,
}

impl Input {
    fn validate(region: Option<String>, args: CuratedArgs) -> anyhow::Result<Input> {
        let region = flags::region(
            region,
            "curated needs --region: the region that hosts the EKS Anywhere subscription, such as --region us-west-2",
        )?;
        let subscription = SubscriptionId::parse(&args.subscription_id)
            .map_err(|e| anyhow!("--subscription-id: {e}"))?;
        let registry_account =
            flags::optional_account("--registry-account", args.registry_account.as_deref())?;
        let Names {
            read_policy: policy_name,
            role: role_name,
            assume_policy: assume_policy_name,
            user: user_name,
        } = args.names.iam_names()?;
        let (source_profile, destination_profile) = args.names.profiles()?;
        check_output_path("--config-out", &args.config_out)?;
        if let Some(path) = &args.secret_out {
            check_output_path("--secret-out", path)?;
            if path == &args.config_out {
                bail!("--secret-out and --config-out name the same file; give each its own");
            }
        }
        if let Some(url) = &args.registry_url {
            crate::core::validate::check_registry_url(url)
                .map_err(|e| anyhow!("--registry-url: {e}"))?;
        }
        Ok(Input {
            region,
            source_profile,
            destination_profile,
            subscription,
            registry_account,
            policy_name,
            role_name,
            assume_policy_name,
            user_name,
            config_out: args.config_out,
            secret_out: args.secret_out,
            registry_url: args.registry_url,
            update_existing: args.update_existing,
            overwrite: args.overwrite,
            yes: args.yes,
        })
    }
}

/// `ecr-share curated [SUBCOMMAND]`: the procedure, or the named lifecycle command.
pub fn dispatch(region: Option<String>, command: CuratedCommand) -> anyhow::Result<ExitCode> {
    match (command.action, command.run) {
        (Some(CuratedAction::Teardown(args)), _) => super::teardown::run(region, args),
        (Some(CuratedAction::RotateKey(args)), _) => super::rotate::run(region, args),
        (Some(CuratedAction::Verify(args)), _) => super::verify::run(region, args),
        (Some(CuratedAction::Export(args)), _) => super::export::run(region, args),
        (None, Some(args)) => run(region, args),
        // clap asks for the procedure's required flags when no subcommand is named.
        (None, None) => {
            bail!("curated needs its flags or a subcommand; see `ecr-share curated --help`")
        }
    }
}

pub fn run(region: Option<String>, args: CuratedArgs) -> anyhow::Result<ExitCode> {
    let input = Input::validate(region, args)?;
    check_files(&input)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(execute(input))
}

/// Refuses, before any AWS call, to replace a file that ecr-share did not write for
/// this user (an operator's own `~/.aws/config`, say) unless `--overwrite` says so,
/// and any symlink.
fn check_files(input: &Input) -> anyhow::Result<()> {
    let user = input.user_name.as_str();
    let config_ours = |text: &str| files::is_config_for_user(user, text);
    check_replaceable(
        "--config-out",
        &input.config_out,
        input.overwrite,
        &config_ours,
    )?;
    if let Some(path) = &input.secret_out {
        let manifest_ours = |text: &str| files::is_secret_manifest_for_user(user, text);
        check_replaceable("--secret-out", path, input.overwrite, &manifest_ours)?;
    }
    Ok(())
}

fn check_replaceable(
    flag: &str,
    path: &Path,
    overwrite: bool,
    ours: &dyn Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if metadata.file_type().is_symlink() {
        bail!(
            "{flag}: {} is a symbolic link; ecr-share never writes through one: name the file itself",
            path.display()
        );
    }
    if overwrite {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    if !ours(&text) {
        bail!(
            "{flag}: {} exists and was not written by ecr-share for this user; pass --overwrite to replace it, or choose another path. Nothing was changed.",
            path.display()
        );
    }
    Ok(())
}

/// Why the run stopped before the end.
struct Stop {
    step: CuratedStep,
    account: String,
    reason: String,
}

/// The command's [`Report`]: a line per call, tagged with the step and the account,
/// and a record of every change, so a stop can say exactly what was already done.
struct Printer {
    prefix: String,
    step: CuratedStep,
    /// Every change made so far, across steps.
    done: Vec<String>,
    /// What the current job found that later steps use.
    outputs: Vec<Output>,
    /// The current job's first failure, or an entity it found differing.
    problem: Option<CallReport>,
}

impl Printer {
    fn new() -> Printer {
        Printer {
            prefix: String::new(),
            step: CuratedStep::Registry,
            done: Vec::new(),
            outputs: Vec::new(),
            problem: None,
        }
    }

    /// Starts a job of `step`, run in `account`.
    fn begin(&mut self, step: CuratedStep, account: &Account) {
        self.step = step;
        self.prefix = format!(
            "[step {} · {} {}]",
            step.number(),
            account.label,
            account.id
        );
        self.outputs.clear();
        self.problem = None;
    }

    fn note(&self, text: &str) {
        outln!("{} {text}", self.prefix);
    }

    fn stop(&self, account: &Account, reason: impl Into<String>) -> Stop {
        Stop {
            step: self.step,
            account: format!("{} account {}", account.label, account.id),
            reason: reason.into(),
        }
    }

    fn stopped(&self, stop: Stop) -> anyhow::Error {
        let mut text = format!(
            "step {} ({}) stopped: {}",
            stop.step.number(),
            stop.account,
            stop.reason
        );
        if self.done.is_empty() {
            text.push_str("\nnothing was changed in AWS.");
        } else {
            text.push_str("\nalready done:");
            for line in &self.done {
                let _ = write!(text, "\n  - {line}");
            }
            text.push_str(
                "\nnothing was undone; once the cause is fixed, run the same command again: what exists is found and reused.",
            );
        }
        anyhow!(text)
    }

    /// The current job's problem as the reason to stop, if it had one.
    fn problem_reason(&self) -> Option<String> {
        let report = self.problem.as_ref()?;
        Some(match &report.outcome {
            Outcome::Failed(error) => error.to_string(),
            _ => format!(
                "{} {} exists but differs from what this step writes (see above); nothing was changed",
                report.call, report.subject
            ),
        })
    }
}

impl Report for Printer {
    fn call(&mut self, report: CallReport) {
        let detail = match &report.outcome {
            // The call is already on the line; say only what AWS said.
            Outcome::Failed(error) => failure_text(error),
            other => other.detail(),
        };
        let mut lines = detail.lines();
        let first = lines.next().unwrap_or_default();
        if first.is_empty() {
            outln!(
                "{} {} {}: {}",
                self.prefix,
                report.call,
                report.subject,
                report.outcome.label()
            );
        } else {
            outln!(
                "{} {} {}: {} ({first})",
                self.prefix,
                report.call,
                report.subject,
                report.outcome.label()
            );
        }
        for line in lines {
            outln!("    {line}");
        }
        if let Outcome::Done(text) = &report.outcome {
            self.done.push(format!(
                "step {}: {} {}: {text}",
                self.step.number(),
                report.call,
                report.subject
            ));
        }
        let problem = report.outcome.is_failure() || matches!(report.outcome, Outcome::Differs(_));
        if problem && self.problem.is_none() {
            self.problem = Some(report);
        }
    }

    fn output(&mut self, output: Output) {
        self.outputs.push(output);
    }
}

async fn execute(input: Input) -> anyhow::Result<ExitCode> {
    // Both profiles must exist before either account is asked anything.
    check_profiles_exist([
        ("--source-profile", &input.source_profile),
        ("--destination-profile", &input.destination_profile),
    ])
    .await?;
    let source = Account::resolve("source", &input.source_profile, &input.region, "").await?;
    let destination =
        Account::resolve("destination", &input.destination_profile, &input.region, "").await?;
    if source.id == destination.id {
        bail!(
            "profile `{}` and profile `{}` are both account {}: the destination must be another account than the one that owns the subscription",
            source.profile,
            destination.profile,
            source.id
        );
    }
    print_plan(&input, &source, &destination);
    if !input.yes {
        confirm(input.update_existing)?;
    }
    let mut printer = Printer::new();
    let result = run_steps(&input, &source, &destination, &mut printer).await;
    let code = match result {
        Ok(code) => code,
        Err(stop) => return Err(printer.stopped(stop)),
    };
    if crate::output::stdout_failed() {
        errln!(
            "ecr-share: standard output could not be written; the config file {} was written all the same",
            input.config_out.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(code)
}

fn print_plan(input: &Input, source: &Account, destination: &Account) {
    for (label, account) in [("source", source), ("destination", destination)] {
        outln!(
            "In the {label} account {} (profile `{}`):",
            account.id,
            account.profile
        );
        for step in CuratedStep::ALL {
            let spec = step.spec();
            let side = match spec.side {
                Side::Source => "source",
                _ => "destination",
            };
            if side != label {
                continue;
            }
            let work = match step {
                CuratedStep::ConfigFile => {
                    format!("write {} (mode 0600)", input.config_out.display())
                }
                CuratedStep::Cluster => match &input.secret_out {
                    Some(path) => format!("write {} (mode 0600)", path.display()),
                    None => continue,
                },
                CuratedStep::AccessKey => format!(
                    "{} (unless {} holds a key of the user; the key goes straight into it)",
                    spec.calls.join(", "),
                    input.config_out.display()
                ),
                CuratedStep::Verify => format!(
                    "sts:AssumeRole with the new key, ecr:GetAuthorizationToken, GET {}",
                    verify::MANIFEST_PATH
                ),
                _ => spec.calls.join(", "),
            };
            outln!("  step {}  {}: {work}", step.number(), spec.title);
        }
    }
    if input.update_existing {
        outln!(
            "With --update-existing, a policy or role of steps 2-4 that exists with another document gets the wanted one:\n  iam:CreatePolicyVersion as the new default version (iam:DeletePolicyVersion of the oldest first, at {} versions)\n  iam:UpdateAssumeRolePolicy for the role's trust policy",
            iam::MAX_POLICY_VERSIONS
        );
    }
}

fn confirm(update_existing: bool) -> anyhow::Result<()> {
    let prompt = if update_existing {
        "Proceed, replacing the document of any existing policy or role that differs (--update-existing)? [y/N] "
    } else {
        "Proceed? [y/N] "
    };
    super::confirm::ask(
        prompt,
        "not asking for confirmation on a non-interactive input: add --yes to run without asking",
    )
}

/// The form the engine plans from, filled from the command line and the accounts
/// the profiles resolved to: the same form the wizard fills from its fields.
fn form_of(input: &Input, source: &Account, destination: &Account) -> (Form, Sides) {
    let mut form = Form::new(FlowId::CuratedPackages);
    form.set(FieldId::Region, input.region.name());
    form.set(FieldId::SubscriptionId, input.subscription.as_str());
    form.set(FieldId::ReadPolicyName, input.policy_name.as_str());
    form.set(FieldId::RoleName, input.role_name.as_str());
    form.set(FieldId::AssumePolicyName, input.assume_policy_name.as_str());
    form.set(FieldId::UserName, input.user_name.as_str());
    form.set(FieldId::ConfigPath, input.config_out.display().to_string());
    if let Some(account) = &input.registry_account {
        form.set(FieldId::RegistryAccount, account.as_str());
    }
    form.overwrite_files = input.overwrite;
    form.resolved.insert(Side::Source, source.id.clone());
    form.resolved
        .insert(Side::Destination, destination.id.clone());
    let mut sides = Sides::new();
    sides.insert(Side::Source, source.target.clone(), Ok(source.id.clone()));
    sides.insert(
        Side::Destination,
        destination.target.clone(),
        Ok(destination.id.clone()),
    );
    (form, sides)
}

async fn run_steps(
    input: &Input,
    source: &Account,
    destination: &Account,
    printer: &mut Printer,
) -> Result<ExitCode, Stop> {
    let (mut form, sides) = form_of(input, source, destination);
    for step in CuratedStep::ALL {
        let account = match step.spec().side {
            Side::Source => source,
            _ => destination,
        };
        printer.begin(step, account);
        let job = match step {
            CuratedStep::Cluster => match &input.secret_out {
                Some(path) => procedure::plan_manifest(&form, path.clone()),
                None => {
                    cluster_notes(input, printer);
                    continue;
                }
            },
            CuratedStep::Verify => {
                procedure::plan(Step::Curated(step), &form, &sides).map(|job| match job {
                    Job::Verify {
                        target,
                        key,
                        mut plan,
                    } => {
                        plan.registry_url = input.registry_url.clone();
                        Job::Verify { target, key, plan }
                    }
                    other => other,
                })
            }
            _ => procedure::plan(Step::Curated(step), &form, &sides),
        };
        let job = job.map_err(|reason| printer.stop(account, reason))?;
        procedure::execute(job.clone(), printer).await;
        let differs = matches!(
            printer.problem.as_ref().map(|r| &r.outcome),
            Some(Outcome::Differs(_))
        );
        if differs {
            if !input.update_existing {
                return Err(printer.stop(account, differs_reason(step, printer)));
            }
            update_and_rerun(step, job, &form, &sides, account, printer).await?;
        }
        // Step 1's lookup may fail and fall back to the regional table: what it
        // settled on is in its output, which decides whether the run goes on.
        if step == CuratedStep::Registry {
            printer.problem = None;
        }
        if let Some(reason) = printer.problem_reason() {
            if step == CuratedStep::Verify {
                return verified(input, printer, account);
            }
            return Err(printer.stop(account, reason));
        }
        for output in std::mem::take(&mut printer.outputs) {
            take_output(input, &mut form, output, printer, account)?;
        }
        match step {
            CuratedStep::Cluster => cluster_notes(input, printer),
            CuratedStep::Verify => return verified(input, printer, account),
            _ => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// With `--update-existing`: makes the wanted document current, then runs the step
/// again so what follows the document (the attachments) is done too.
async fn update_and_rerun(
    step: CuratedStep,
    job: Job,
    form: &Form,
    sides: &Sides,
    account: &Account,
    printer: &mut Printer,
) -> Result<(), Stop> {
    let update = procedure::plan_update(step, form, sides)
        .map_err(|reason| printer.stop(account, reason))?;
    printer.begin(step, account);
    procedure::execute(update, printer).await;
    if let Some(reason) = printer.problem_reason() {
        return Err(printer.stop(account, reason));
    }
    printer.begin(step, account);
    procedure::execute(job, printer).await;
    Ok(())
}

fn differs_reason(step: CuratedStep, printer: &Printer) -> String {
    let Some(report) = &printer.problem else {
        return "something differs".into();
    };
    let (what, replacement, flag) = match (step, report.call.as_str()) {
        (CuratedStep::Role, "iam:CreateRole") => {
            ("its trust policy", "the role's trust policy", "--role-name")
        }
        (CuratedStep::ReadPolicy, _) => (
            "the document of its default policy version",
            "the new default policy version",
            "--policy-name",
        ),
        _ => (
            "the document of its default policy version",
            "the new default policy version",
            "--assume-policy-name",
        ),
    };
    // The report's text starts with the entity's ARN.
    let detail = report.outcome.detail();
    let arn = detail.split_whitespace().next().unwrap_or_default();
    format!(
        "{} {}: {arn} exists, but {what} differs from the one this step writes (the difference is printed above); nothing was changed. Add --update-existing to make the wanted one {replacement}, or choose another name with {flag}",
        report.call, report.subject
    )
}

/// Takes in what a step found: the registry account (step 1) and the key (step 5).
fn take_output(
    input: &Input,
    form: &mut Form,
    output: Output,
    printer: &Printer,
    account: &Account,
) -> Result<(), Stop> {
    match output {
        Output::Registry(lookup) => {
            let found = lookup.registry.clone();
            let lookup = match &input.registry_account {
                Some(given) => {
                    lookup.overridden(PackageRegistry::in_region(given.clone(), &input.region))
                }
                None => lookup,
            };
            printer.note(&lookup.explain());
            if let (Some(found), Some(given)) = (&found, &input.registry_account)
                && &found.account != given
            {
                printer.note(&format!(
                    "note: --registry-account {given} differs from {}, which was used before the override",
                    found.account
                ));
            }
            let Some(registry) = lookup.registry else {
                return Err(printer.stop(account, lookup.explain()));
            };
            form.set(FieldId::RegistryAccount, registry.account.as_str());
        }
        Output::AccessKey { key, .. } => form.access_key = Some(key),
        _ => {}
    }
    Ok(())
}

fn cluster_notes(input: &Input, printer: &Printer) {
    if let Some(path) = &input.secret_out {
        printer.note(&format!(
            "existing cluster: kubectl apply -f {}",
            shell_quote(&path.display().to_string())
        ));
    }
    printer.note(&format!(
        "new cluster: export EKSA_AWS_CONFIG_FILE={} before eksctl anywhere create cluster",
        shell_quote(&input.config_out.display().to_string())
    ));
}

/// The end of step 8: success, success without the registry check, or a stop.
fn verified(input: &Input, printer: &Printer, account: &Account) -> Result<ExitCode, Stop> {
    match &printer.problem.as_ref().map(|r| &r.outcome) {
        None => {
            outln!(
                "done: the destination account can pull curated packages with {}",
                input.config_out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Outcome::Failed(error)) if error.is("ConnectionFailed") => {
            outln!(
                "done, unverified: the registry could not be reached from here; the role itself was allowed in as far as checked. The cluster may still reach the registry."
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Outcome::Failed(error)) => Err(printer.stop(
            account,
            format!("the new credentials do not work yet: {error}"),
        )),
        Some(_) => Err(printer.stop(account, "the verification ended early")),
    }
}

/// A failure without the call's name: the code, AWS's message and the hint.
fn failure_text(error: &CallError) -> String {
    let mut text = match error.code() {
        Some(code) => format!("{code}: {}", error.message),
        None => error.message.clone(),
    };
    if let Some(hint) = error.hint() {
        let _ = write!(text, " ({hint})");
    }
    text
}
