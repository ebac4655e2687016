//! `ecr-share curated`: the whole EKS Anywhere Curated Packages procedure across the
//! source and destination accounts, one printed line per AWS call.
//!
//! Every input is validated before anything is called. Running it again changes
//! nothing: what exists is found, compared and reused, and the access key is reused
//! from the config file written the first time rather than created again. A policy
//! or role that exists with another document stops the run, unless the operator
//! asked with `--update-existing` for the wanted document to be made current.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use aws_config::SdkConfig;
use serde_json::Value;

use crate::aws::eks::{self, PackageRegistry};
use crate::aws::iam::{self, Iam};
use crate::aws::verify::{self, VerifyPlan};
use crate::aws::{self as aws_layer, CallError, CallReport, Outcome, Target};
use crate::cli::CuratedArgs;
use crate::core::documents;
use crate::core::secret::{AccessKeyPair, Secret};
use crate::core::validate::{AccountId, IamKind, IamName, Region, RoleArn, SubscriptionId};

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
    yes: bool,
}

impl Input {
    fn validate(region: Option<String>, args: CuratedArgs) -> anyhow::Result<Input> {
        let region = region.ok_or_else(|| {
            anyhow!("curated needs --region: the region that hosts the EKS Anywhere subscription, such as --region us-west-2")
        })?;
        let region = Region::parse(&region).map_err(|e| anyhow!("--region: {e}"))?;
        let subscription = SubscriptionId::parse(&args.subscription_id)
            .map_err(|e| anyhow!("--subscription-id: {e}"))?;
        let registry_account = args
            .registry_account
            .as_deref()
            .map(AccountId::parse)
            .transpose()
            .map_err(|e| anyhow!("--registry-account: {e}"))?;
        let name = |flag: &str, kind: IamKind, text: &str| {
            IamName::parse(kind, text).map_err(|e| anyhow!("--{flag}: {e}"))
        };
        let policy_name = name("policy-name", IamKind::Policy, &args.policy_name)?;
        let role_name = name("role-name", IamKind::Role, &args.role_name)?;
        let assume_policy_name = name(
            "assume-policy-name",
            IamKind::Policy,
            &args.assume_policy_name,
        )?;
        let user_name = name("user-name", IamKind::User, &args.user_name)?;
        for (flag, profile) in [
            ("source-profile", &args.source_profile),
            ("destination-profile", &args.destination_profile),
        ] {
            if profile.trim().is_empty() {
                bail!("--{flag}: enter the name of an AWS profile");
            }
        }
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
            source_profile: args.source_profile.trim().to_string(),
            destination_profile: args.destination_profile.trim().to_string(),
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
            yes: args.yes,
        })
    }
}

fn check_output_path(flag: &str, path: &Path) -> anyhow::Result<()> {
    if path.as_os_str().is_empty() {
        bail!("{flag}: enter a file path");
    }
    if path.is_dir() {
        bail!("{flag}: {} is a folder; name a file in it", path.display());
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!("{flag}: the folder {} does not exist", parent.display());
    }
    Ok(())
}

pub fn run(region: Option<String>, args: CuratedArgs) -> anyhow::Result<ExitCode> {
    let input = Input::validate(region, args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(execute(input))
}

/// One of the two accounts, as resolved from its profile.
struct Account {
    label: &'static str,
    profile: String,
    id: AccountId,
    config: SdkConfig,
}

impl Account {
    async fn resolve(
        label: &'static str,
        profile: &str,
        region: &Region,
    ) -> anyhow::Result<Account> {
        let target = Target::new(Some(profile.to_string()), Some(region.name().to_string()));
        let config = aws_layer::load_config(&target).await?;
        let identity = aws_layer::caller_identity(&config)
            .await
            .map_err(|e| anyhow!("{label} {}: {e}", target.profile_label()))?;
        let id = AccountId::parse(&identity.account)
            .map_err(|e| anyhow!("{label} {}: {e}", target.profile_label()))?;
        println!(
            "{label}: {} is account {id} ({})",
            target.profile_label(),
            identity.arn
        );
        Ok(Account {
            label,
            profile: profile.to_string(),
            id,
            config,
        })
    }
}

/// The running record: prints one line per call and remembers what changed, so a
/// stop can say exactly what was already done.
struct Progress {
    done: Vec<String>,
}

/// Why the run stopped before the end.
struct Stop {
    step: u8,
    account: String,
    reason: String,
}

impl Progress {
    fn report(&mut self, step: u8, account: &Account, report: &CallReport) {
        let prefix = format!("[step {step} · {} {}]", account.label, account.id);
        let detail = match &report.outcome {
            // The call is already on the line; say only what AWS said.
            Outcome::Failed(error) => failure_text(error),
            other => other.detail(),
        };
        let mut lines = detail.lines();
        let first = lines.next().unwrap_or_default();
        if first.is_empty() {
            println!(
                "{prefix} {} {}: {}",
                report.call,
                report.subject,
                report.outcome.label()
            );
        } else {
            println!(
                "{prefix} {} {}: {} ({first})",
                report.call,
                report.subject,
                report.outcome.label()
            );
        }
        for line in lines {
            println!("    {line}");
        }
        if let Outcome::Done(text) = &report.outcome {
            self.done.push(format!(
                "step {step}: {} {}: {text}",
                report.call, report.subject
            ));
        }
    }

    fn note(&self, step: u8, account: &Account, text: &str) {
        println!("[step {step} · {} {}] {text}", account.label, account.id);
    }

    /// Prints the report; a failure or a differing entity stops the run.
    fn require(&mut self, step: u8, account: &Account, report: &CallReport) -> Result<(), Stop> {
        self.report(step, account, report);
        let reason = match &report.outcome {
            Outcome::Failed(error) => error.to_string(),
            Outcome::Differs(_) => format!(
                "{} {} exists but differs from what this step writes (see above); nothing was changed",
                report.call, report.subject
            ),
            _ => return Ok(()),
        };
        Err(self.stop(step, account, reason))
    }

    fn stop(&self, step: u8, account: &Account, reason: impl Into<String>) -> Stop {
        Stop {
            step,
            account: format!("{} account {}", account.label, account.id),
            reason: reason.into(),
        }
    }

    fn stopped(&self, stop: Stop) -> anyhow::Error {
        let mut text = format!(
            "step {} ({}) stopped: {}",
            stop.step, stop.account, stop.reason
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
}

async fn execute(input: Input) -> anyhow::Result<ExitCode> {
    let source = Account::resolve("source", &input.source_profile, &input.region).await?;
    let destination =
        Account::resolve("destination", &input.destination_profile, &input.region).await?;
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
    let mut progress = Progress { done: Vec::new() };
    match run_steps(&input, &source, &destination, &mut progress).await {
        Ok(code) => Ok(code),
        Err(stop) => Err(progress.stopped(stop)),
    }
}

fn print_plan(input: &Input, source: &Account, destination: &Account) {
    println!(
        "In the source account {} (profile `{}`):\n  step 1  eks:DescribeEksAnywhereSubscription {}\n  step 2  iam:CreatePolicy {}\n  step 3  iam:CreateRole {}, iam:AttachRolePolicy",
        source.id, source.profile, input.subscription, input.policy_name, input.role_name
    );
    println!(
        "In the destination account {} (profile `{}`):\n  step 4  iam:CreatePolicy {}, iam:CreateUser {}, iam:AttachUserPolicy\n  step 5  iam:CreateAccessKey {} (unless {} holds a key of the user)\n  step 6  write {} (mode 0600){}\n  step 8  sts:AssumeRole with the new key, ecr:GetAuthorizationToken, GET {}",
        destination.id,
        destination.profile,
        input.assume_policy_name,
        input.user_name,
        input.user_name,
        input.config_out.display(),
        input.config_out.display(),
        input.secret_out.as_ref().map_or(String::new(), |p| format!(
            "\n  step 7  write {} (mode 0600)",
            p.display()
        )),
        verify::MANIFEST_PATH,
    );
    if input.update_existing {
        println!(
            "With --update-existing, a policy or role of steps 2-4 that exists with another document gets the wanted one:\n  iam:CreatePolicyVersion as the new default version (iam:DeletePolicyVersion of the oldest first, at {} versions)\n  iam:UpdateAssumeRolePolicy for the role's trust policy",
            iam::MAX_POLICY_VERSIONS
        );
    }
}

fn confirm(update_existing: bool) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "not asking for confirmation on a non-interactive input: add --yes to run without asking"
        );
    }
    if update_existing {
        eprint!(
            "Proceed, replacing the document of any existing policy or role that differs (--update-existing)? [y/N] "
        );
    } else {
        eprint!("Proceed? [y/N] ");
    }
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("could not read the answer")?;
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        bail!("stopped at the operator's request; nothing was changed");
    }
    Ok(())
}

async fn run_steps(
    input: &Input,
    source: &Account,
    destination: &Account,
    progress: &mut Progress,
) -> Result<ExitCode, Stop> {
    let partition = input.region.partition();

    // Step 1: the registry account, from the subscription, the table or the operator.
    let lookup =
        eks::find_package_registry(&source.config, &input.region, &input.subscription).await;
    progress.report(1, source, &lookup.report);
    let found = lookup.registry.clone();
    let lookup = match &input.registry_account {
        Some(account) => {
            lookup.overridden(PackageRegistry::in_region(account.clone(), &input.region))
        }
        None => lookup,
    };
    progress.note(1, source, &lookup.explain());
    if let (Some(found), Some(given)) = (&found, &input.registry_account)
        && &found.account != given
    {
        progress.note(
            1,
            source,
            &format!(
                "note: --registry-account {given} differs from {}, which was used before the override",
                found.account
            ),
        );
    }
    let Some(registry) = lookup.registry else {
        return Err(progress.stop(1, source, lookup.explain()));
    };

    // Step 2: ECR login and read policy.
    let source_iam = Iam::new(&source.config, partition, source.id.clone());
    let read_policy = documents::ecr_read_policy(Some(partition), Some(&registry.account));
    let policy = source_iam
        .ensure_policy(&input.policy_name, &read_policy)
        .await;
    let policy_arn = settle(
        &policy,
        Wanted::Policy {
            document: &read_policy,
            name_flag: "--policy-name",
        },
        &source_iam,
        input.update_existing,
        2,
        source,
        progress,
    )
    .await?;

    // Step 3: the role the destination account may assume.
    let trust = documents::trust_policy(Some(partition), Some(&destination.id));
    let role = source_iam.ensure_role(&input.role_name, &trust).await;
    let role_arn_text = settle(
        &role,
        Wanted::Trust {
            role: &input.role_name,
            document: &trust,
        },
        &source_iam,
        input.update_existing,
        3,
        source,
        progress,
    )
    .await?;
    let role_arn = RoleArn::parse(&role_arn_text).map_err(|e| progress.stop(3, source, e.0))?;
    let attached = source_iam
        .attach_role_policy(&input.role_name, &policy_arn)
        .await;
    progress.require(3, source, &attached)?;

    // Step 4: the destination user and its permission to assume the role.
    let destination_iam = Iam::new(&destination.config, partition, destination.id.clone());
    let assume = documents::assume_role_policy(Some(&role_arn));
    let assume_policy = destination_iam
        .ensure_policy(&input.assume_policy_name, &assume)
        .await;
    let assume_policy_arn = settle(
        &assume_policy,
        Wanted::Policy {
            document: &assume,
            name_flag: "--assume-policy-name",
        },
        &destination_iam,
        input.update_existing,
        4,
        destination,
        progress,
    )
    .await?;
    let user = destination_iam.ensure_user(&input.user_name).await;
    progress.require(4, destination, &user.report)?;
    let attached = destination_iam
        .attach_user_policy(&input.user_name, &assume_policy_arn)
        .await;
    progress.require(4, destination, &attached)?;

    // Step 5: the access key, reused from the config file when it is the user's.
    let key = access_key(input, &destination_iam, destination, progress).await?;

    // Step 6: the AWS config file; step 7: the Secret manifest, when asked for.
    let config_file = documents::aws_config_file(
        Some(&input.user_name),
        Some(&role_arn),
        Some(&input.region),
        Some(&key),
    );
    let written = write_report(&input.config_out, &config_file);
    progress.require(6, destination, &written)?;
    if let Some(path) = &input.secret_out {
        let manifest = documents::aws_secret_manifest(&config_file);
        let written = write_report(path, &manifest);
        progress.require(7, destination, &written)?;
        progress.note(
            7,
            destination,
            &format!("existing cluster: kubectl apply -f {}", path.display()),
        );
    }
    progress.note(
        7,
        destination,
        &format!(
            "new cluster: export EKSA_AWS_CONFIG_FILE='{}' before eksctl anywhere create cluster",
            input.config_out.display()
        ),
    );

    // Step 8: the whole chain, from the new key.
    let mut plan = VerifyPlan::new(role_arn, registry.host.clone());
    plan.registry_url = input.registry_url.clone();
    let reports = verify::verify(&destination.config, &key, &plan).await;
    for report in &reports {
        progress.report(8, destination, report);
    }
    let failure = reports.iter().find_map(|r| match &r.outcome {
        Outcome::Failed(error) => Some(error),
        _ => None,
    });
    match failure {
        None if reports.len() == 3 => {
            println!(
                "done: the destination account can pull curated packages with {}",
                input.config_out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(error) if error.is("ConnectionFailed") => {
            println!(
                "done, unverified: the registry could not be reached from here; the role itself was allowed in as far as checked. The cluster may still reach the registry."
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(error) => Err(progress.stop(
            8,
            destination,
            format!("the new credentials do not work yet: {error}"),
        )),
        None => Err(progress.stop(8, destination, "the verification ended early")),
    }
}

/// The document a policy or role should have, and how to make it current.
enum Wanted<'a> {
    /// A managed policy's document; `name_flag` is the option that names the policy.
    Policy {
        document: &'a Value,
        name_flag: &'static str,
    },
    /// A role's trust policy.
    Trust {
        role: &'a IamName,
        document: &'a Value,
    },
}

impl Wanted<'_> {
    fn current_document(&self) -> &'static str {
        match self {
            Wanted::Policy { .. } => "the document of its default policy version",
            Wanted::Trust { .. } => "its trust policy",
        }
    }

    fn replacement(&self) -> &'static str {
        match self {
            Wanted::Policy { .. } => "the new default policy version",
            Wanted::Trust { .. } => "the role's trust policy",
        }
    }

    fn name_flag(&self) -> &'static str {
        match self {
            Wanted::Policy { name_flag, .. } => name_flag,
            Wanted::Trust { .. } => "--role-name",
        }
    }
}

/// Prints what `ensure_policy` or `ensure_role` found and returns the entity's ARN.
/// One that exists with another document stops the run, unless the operator asked
/// for the wanted document to be made current; the run then goes on, since the
/// attachments and the verification need the entity as it is wanted.
async fn settle(
    ensured: &iam::Ensured,
    wanted: Wanted<'_>,
    iam: &Iam,
    update_existing: bool,
    step: u8,
    account: &Account,
    progress: &mut Progress,
) -> Result<String, Stop> {
    if !matches!(ensured.report.outcome, Outcome::Differs(_)) {
        progress.require(step, account, &ensured.report)?;
        return arn_of(ensured, step, account, progress);
    }
    progress.report(step, account, &ensured.report);
    let arn = arn_of(ensured, step, account, progress)?;
    if !update_existing {
        return Err(progress.stop(
            step,
            account,
            format!(
                "{} {}: {arn} exists, but {} differs from the one this step writes (the difference is printed above); nothing was changed. Add --update-existing to make the wanted one {}, or choose another name with {}",
                ensured.report.call,
                ensured.report.subject,
                wanted.current_document(),
                wanted.replacement(),
                wanted.name_flag()
            ),
        ));
    }
    let reports = match wanted {
        Wanted::Policy { document, .. } => iam.update_policy(&arn, document).await,
        Wanted::Trust { role, document } => vec![iam.update_trust_policy(role, document).await],
    };
    for report in &reports {
        progress.require(step, account, report)?;
    }
    Ok(arn)
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

fn arn_of(
    ensured: &iam::Ensured,
    step: u8,
    account: &Account,
    progress: &Progress,
) -> Result<String, Stop> {
    ensured.arn.clone().ok_or_else(|| {
        progress.stop(
            step,
            account,
            format!(
                "{} {}: AWS named no ARN",
                ensured.report.call, ensured.report.subject
            ),
        )
    })
}

/// Step 5. A second run must not create a second key, and a key's secret cannot be
/// read back from IAM: so a key is reused only from the config file written when it
/// was created, and a user with other keys stops the run with an explanation.
async fn access_key(
    input: &Input,
    iam: &Iam,
    destination: &Account,
    progress: &mut Progress,
) -> Result<AccessKeyPair, Stop> {
    const CREATE: &str = "iam:CreateAccessKey";
    let user = &input.user_name;
    let existing = iam.list_access_keys(user).await.map_err(|error| {
        progress.report(
            5,
            destination,
            &CallReport::new(CREATE, user.as_str(), Outcome::Failed(error.clone())),
        );
        progress.stop(5, destination, error.to_string())
    })?;
    let saved = std::fs::read_to_string(&input.config_out)
        .ok()
        .and_then(|text| saved_key(&text, user));
    if let Some(saved) = saved.filter(|key| existing.iter().any(|k| k.id == key.access_key_id)) {
        progress.report(
            5,
            destination,
            &CallReport::new(
                CREATE,
                user.as_str(),
                Outcome::AlreadyExisted(format!(
                    "{} exists and {} holds it; reused",
                    saved.access_key_id,
                    input.config_out.display()
                )),
            ),
        );
        return Ok(saved);
    }
    if !existing.is_empty() {
        let file = input.config_out.display();
        let reason = if existing.len() >= iam::MAX_ACCESS_KEYS {
            format!(
                "{}; {file} holds neither, so there is no secret to reuse",
                iam::key_limit_message(user, &existing)
            )
        } else {
            let ids: Vec<&str> = existing.iter().map(|k| k.id.as_str()).collect();
            format!(
                "user {user} already has access key {}, whose secret IAM cannot show again, and {file} does not hold it. Point --config-out at the config file written when that key was created, or delete the key (aws iam delete-access-key --user-name {user} --access-key-id {}) and run again",
                ids.join(", "),
                ids[0]
            )
        };
        let error = CallError::new(CREATE, Some("KeyNotReusable"), reason.clone());
        progress.report(
            5,
            destination,
            &CallReport::new(CREATE, user.as_str(), Outcome::Failed(error)),
        );
        return Err(progress.stop(5, destination, reason));
    }
    let created = iam.create_access_key(user).await;
    progress.require(5, destination, &created.report)?;
    created
        .key
        .ok_or_else(|| progress.stop(5, destination, "IAM returned no key"))
}

/// The key pair of the user's profile in a config file this command wrote.
fn saved_key(config_file: &str, user: &IamName) -> Option<AccessKeyPair> {
    let header = format!("[profile {user}]");
    let mut in_section = false;
    let (mut id, mut secret) = (None, None);
    for line in config_file.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "aws_access_key_id" => id = Some(value.trim().to_string()),
                "aws_secret_access_key" => secret = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    Some(AccessKeyPair {
        access_key_id: id.filter(|v| !v.is_empty())?,
        secret_access_key: Secret::new(secret.filter(|v| !v.is_empty())?),
    })
}

fn write_report(path: &Path, content: &str) -> CallReport {
    use crate::files::{Written, write_private};
    let subject = path.display().to_string();
    let outcome = match write_private(path, content) {
        Ok(Written::Unchanged) => Outcome::AlreadyExisted("unchanged, mode 0600".to_string()),
        Ok(Written::Created) => Outcome::Done("written, mode 0600".to_string()),
        Err(error) => Outcome::Failed(CallError::new("write", None, format!("{subject}: {error}"))),
    };
    CallReport::new("write", subject, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> IamName {
        IamName::parse(IamKind::User, "curated-packages-user").unwrap()
    }

    #[test]
    fn the_key_is_read_back_from_the_users_profile_only() {
        let keys = AccessKeyPair {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: Secret::new("s3cr3t/+="),
        };
        let role = RoleArn::parse("arn:aws:iam::111111111111:role/r").unwrap();
        let text = documents::aws_config_file(
            Some(&user()),
            Some(&role),
            Some(&Region::parse("us-west-2").unwrap()),
            Some(&keys),
        );
        assert_eq!(saved_key(&text, &user()), Some(keys));
        let other = IamName::parse(IamKind::User, "someone-else").unwrap();
        assert_eq!(saved_key(&text, &other), None);
        assert_eq!(
            saved_key(
                "[profile curated-packages-user]\naws_access_key_id=A\n",
                &user()
            ),
            None
        );
    }
}
