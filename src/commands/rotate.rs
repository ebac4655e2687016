//! `ecr-share curated rotate-key`: replaces the curated-packages user's access key.
//!
//! The work is the procedure engine's ([`crate::procedure::rotate`]): it reads the
//! user's keys and the files, plans, and carries the plan out. This module checks the
//! flags, prints the keys and the plan, asks for the go-ahead, and prints every call
//! and how the rotation ended.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Context, anyhow, bail};

use super::account::{Account, NOTHING_CHANGED, check_profiles_exist};
use super::flags::{self, check_output_path};
use crate::aws::CallReport;
use crate::aws::eks::PackageRegistry;
use crate::aws::verify::Backoff;
use crate::cli::RotateKeyArgs;
use crate::core::regions;
use crate::core::validate::{AccountId, IamKind, IamName, Region, RoleArn, check_registry_url};
use crate::procedure::rotate::{self, Ending, Plan, Rotation, Survey};
use crate::procedure::{IamTarget, Output, Report};
use crate::{errln, outln};

/// The rotation is done.
pub const EXIT_DONE: u8 = 0;
/// The rotation stopped; the output says what was done.
pub const EXIT_STOPPED: u8 = 1;
/// The new key works and is in place; the old one is kept until the new Secret is
/// applied (run again with --delete-old-key, or with --context).
pub const EXIT_OLD_KEY_KEPT: u8 = 3;

/// The flags, validated.
struct Input {
    region: Region,
    destination_profile: String,
    user: IamName,
    source_profile: Option<String>,
    role_name: IamName,
    config_out: PathBuf,
    secret_out: Option<PathBuf>,
    registry_account: Option<AccountId>,
    registry_url: Option<String>,
    context: Option<String>,
    delete_old_key: bool,
    overwrite: bool,
    yes: bool,
}

impl Input {
    fn validate(region: Option<String>, args: RotateKeyArgs) -> anyhow::Result<Input> {
        let region = flags::region(
            region,
            "rotate-key needs --region: the region of the config file, such as --region us-west-2",
        )?;
        let destination_profile =
            flags::profile("--destination-profile", &args.destination_profile)?;
        let source_profile = args
            .source_profile
            .as_deref()
            .map(|profile| flags::profile("--source-profile", profile))
            .transpose()?;
        let user = IamName::parse(IamKind::User, &args.user_name)
            .map_err(|e| anyhow!("--user-name: {e}"))?;
        let role_name = IamName::parse(IamKind::Role, &args.role_name)
            .map_err(|e| anyhow!("--role-name: {e}"))?;
        check_output_path("--config-out", &args.config_out)?;
        if let Some(path) = &args.secret_out {
            check_output_path("--secret-out", path)?;
            if path == &args.config_out {
                bail!("--secret-out and --config-out name the same file; give each its own");
            }
        }
        let registry_account =
            flags::optional_account("--registry-account", args.registry_account.as_deref())?;
        if let Some(url) = &args.registry_url {
            check_registry_url(url).map_err(|e| anyhow!("--registry-url: {e}"))?;
        }
        let context = match args.context.as_deref().map(str::trim) {
            Some("") => bail!("--context: enter the name of a kubeconfig context"),
            Some(context) if context.chars().any(char::is_whitespace) => {
                bail!("--context: a kube context name has no spaces")
            }
            other => other.map(str::to_string),
        };
        Ok(Input {
            region,
            destination_profile,
            user,
            source_profile,
            role_name,
            config_out: args.config_out,
            secret_out: args.secret_out,
            registry_account,
            registry_url: args.registry_url,
            context,
            delete_old_key: args.delete_old_key,
            overwrite: args.overwrite,
            yes: args.yes,
        })
    }
}

pub fn run(region: Option<String>, args: RotateKeyArgs) -> anyhow::Result<ExitCode> {
    let input = Input::validate(region, args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(execute(input))
}

async fn execute(input: Input) -> anyhow::Result<ExitCode> {
    check_profiles_exist(
        std::iter::once(("--destination-profile", &input.destination_profile))
            .chain(input.source_profile.iter().map(|p| ("--source-profile", p))),
    )
    .await?;
    let destination = Account::resolve(
        "destination",
        &input.destination_profile,
        &input.region,
        NOTHING_CHANGED,
    )
    .await?;
    let role_arn = match &input.source_profile {
        Some(profile) => {
            let source =
                Account::resolve("source", profile, &input.region, NOTHING_CHANGED).await?;
            Some(RoleArn::new(
                input.region.partition(),
                &source.id,
                &input.role_name,
            ))
        }
        None => None,
    };
    let registry = match &input.registry_account {
        Some(account) => PackageRegistry::in_region(account.clone(), &input.region),
        None => {
            let account = regions::curated_packages_registry(input.region.name())
                .and_then(|account| AccountId::parse(account).ok())
                .ok_or_else(|| {
                    anyhow!(
                        "--registry-account: {} has no production curated-packages registry; name the registry the role may pull from. Nothing was changed.",
                        input.region
                    )
                })?;
            PackageRegistry::in_region(account, &input.region)
        }
    };
    let rotation = Rotation {
        iam: IamTarget {
            target: destination.target,
            partition: input.region.partition(),
            account: destination.id,
        },
        user: input.user.clone(),
        config: input.config_out.clone(),
        manifest: input.secret_out.clone(),
        role_arn,
        region: input.region.clone(),
        registry,
        registry_url: input.registry_url.clone(),
        context: input.context.clone(),
        delete_old_key: input.delete_old_key,
        overwrite: input.overwrite,
        backoff: Backoff::default(),
    };

    let mut printer = Printer;
    let survey = rotate::survey(&rotation, &mut printer).await;
    print_keys(&rotation, &survey);
    for note in &survey.notes {
        outln!("note: {note}");
    }
    let plan = match survey.plan.clone() {
        Ok(plan) => plan,
        Err(reason) => {
            errln!("rotate-key stopped: {reason}\nnothing was changed.");
            return Ok(ExitCode::from(EXIT_STOPPED));
        }
    };
    print_plan(&rotation, &plan);
    if !input.yes {
        confirm()?;
    }
    let ending = rotate::execute(&rotation, plan, &mut printer).await;
    let code = print_ending(&rotation, &ending);
    if crate::output::stdout_failed() {
        errln!(
            "ecr-share: standard output could not be written; see above for how the rotation ended"
        );
        return Ok(ExitCode::from(code.max(EXIT_STOPPED)));
    }
    Ok(ExitCode::from(code))
}

/// The user's keys, with their age, their last use, and which one the file holds.
fn print_keys(rotation: &Rotation, survey: &Survey) {
    let now = SystemTime::now();
    let held = match &survey.config {
        rotate::Held::Ours { key: Some(key), .. } => Some(key.access_key_id.as_str()),
        _ => None,
    };
    if survey.plan.is_err() && survey.keys.is_empty() {
        return;
    }
    outln!(
        "user {} has {}:",
        rotation.user,
        match survey.keys.len() {
            0 => "no access key".to_string(),
            1 => "1 access key".to_string(),
            n => format!("{n} access keys"),
        }
    );
    for key in &survey.keys {
        let mark = if Some(key.info.id.as_str()) == held {
            format!("  ← in {}", rotation.config.display())
        } else {
            String::new()
        };
        outln!("  {}{mark}", key.describe(now));
    }
}

fn print_plan(rotation: &Rotation, plan: &Plan) {
    outln!(
        "The rotation, in account {} ({}):",
        rotation.iam.account,
        rotation.iam.target.profile_label()
    );
    let keep_old = "without --context no cluster gets the new Secret from this run, so the old key is deleted only by a later run with --delete-old-key";
    for (number, step) in rotate::steps(rotation, plan, keep_old).iter().enumerate() {
        outln!("  {}. {step}", number + 1);
    }
}

fn confirm() -> anyhow::Result<()> {
    super::confirm::ask(
        "Rotate the key? [y/N] ",
        "not asking for confirmation on a non-interactive input: add --yes to rotate without asking. Nothing was changed.",
    )
}

/// Says how the rotation ended; returns the exit code.
fn print_ending(rotation: &Rotation, ending: &Ending) -> u8 {
    let files = match &rotation.manifest {
        Some(manifest) => format!("{} and {}", rotation.config.display(), manifest.display()),
        None => rotation.config.display().to_string(),
    };
    match ending {
        Ending::Done {
            new,
            deleted,
            notes,
        } => {
            for note in notes {
                outln!("note: {note}");
            }
            match deleted {
                Some(old) => outln!(
                    "done: {new} is the user's key now, in {files}; the old key {old} is deleted"
                ),
                None => outln!("done: {new} is the user's key now, in {files}"),
            };
            EXIT_DONE
        }
        Ending::Paused { new, old, next } => {
            outln!(
                "the new key {new} works and is in {files}; the old key {old} is kept, so a cluster that still holds it keeps working. To finish:"
            );
            for (number, step) in next.iter().enumerate() {
                outln!("  {}. {step}", number + 1);
            }
            EXIT_OLD_KEY_KEPT
        }
        Ending::NotStarted { reason, certain } => {
            let tail = if *certain {
                "\nnothing was changed in AWS; the files are as they were."
            } else {
                ""
            };
            errln!("rotate-key stopped: {reason}{tail}");
            EXIT_STOPPED
        }
        Ending::Stopped {
            reason,
            new,
            held_by,
            old,
            finish,
            roll_back,
        } => {
            let mut text = format!("rotate-key stopped: {reason}\n");
            let held = held_by
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ");
            text.push_str(&format!("the new key {new} was created and is in {held}"));
            match old {
                Some(old) => text.push_str(&format!(
                    "; the old key {old} is kept, and the files that hold it are beside them as .previous copies.\n"
                )),
                None => text.push('\n'),
            }
            for line in finish {
                text.push_str(&format!("to finish: {line}\n"));
            }
            text.push_str("to roll back instead:\n");
            for command in roll_back {
                text.push_str(&format!("  {command}\n"));
            }
            errln!("{}", text.trim_end());
            EXIT_STOPPED
        }
    }
}

/// Prints a line per call as it finishes.
struct Printer;

impl Report for Printer {
    fn call(&mut self, report: CallReport) {
        let detail = match &report.outcome {
            crate::aws::Outcome::Failed(error) => match error.code() {
                Some(code) => format!("{code}: {}", error.message),
                None => error.message.clone(),
            },
            other => other.detail(),
        };
        let mut lines = detail.lines();
        let first = lines.next().unwrap_or_default();
        if first.is_empty() {
            outln!(
                "[rotate] {} {}: {}",
                report.call,
                report.subject,
                report.outcome.label()
            );
        } else {
            outln!(
                "[rotate] {} {}: {} ({first})",
                report.call,
                report.subject,
                report.outcome.label()
            );
        }
        for line in lines {
            outln!("    {line}");
        }
    }

    fn output(&mut self, _: Output) {}
}
