//! `ecr-share curated export`: the whole curated-packages procedure written into a
//! folder for review (`apply.sh`, `teardown.sh` and every document they send), with
//! no change in AWS.
//!
//! It only reads, and only what it is not given: each account from its profile
//! (`sts:GetCallerIdentity`) unless `--source-account` / `--destination-account`
//! name it, and the registry account from the subscription unless
//! `--registry-account` names it. With all three it asks AWS nothing. The files come
//! from [`crate::procedure::export`], from the same form the `curated` command
//! fills; this module checks the flags and the folder, resolves the accounts, writes
//! the files and says what it wrote.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use super::account::Account;
use super::flags;
use crate::aws::eks::PackageRegistry;
use crate::aws::{CallReport, Target};
use crate::cli::ExportArgs;
use crate::core::documents::{self, DocumentKind, shell_quote};
use crate::core::flow::{CuratedStep, FieldId, FlowId, Form, Side, Step};
use crate::core::regions;
use crate::core::validate::{AccountId, IamName, Region, SubscriptionId};
use crate::procedure::export::{self as generate, ExportFile, ExportOptions};
use crate::procedure::export_folder::{self, ExportRefusal};
use crate::procedure::teardown::Names;
use crate::procedure::{self, Output, Report, Sides};
use crate::{errln, outln};

/// Everything the operator typed, validated.
struct Input {
    region: Region,
    source_profile: String,
    destination_profile: String,
    subscription: Option<SubscriptionId>,
    registry_account: Option<AccountId>,
    source_account: Option<AccountId>,
    destination_account: Option<AccountId>,
    policy_name: IamName,
    role_name: IamName,
    assume_policy_name: IamName,
    user_name: IamName,
    config_out: String,
    secret_out: String,
    out: PathBuf,
    overwrite: bool,
}

impl Input {
    fn validate(region: Option<String>, args: ExportArgs) -> anyhow::Result<Input> {
        let region = flags::region(
            region,
            "curated export needs --region: the region that hosts the EKS Anywhere subscription, such as --region us-west-2",
        )?;
        let account =
            |flag: &str, value: &Option<String>| flags::optional_account(flag, value.as_deref());
        let registry_account = account("--registry-account", &args.registry_account)?;
        let source_account = account("--source-account", &args.source_account)?;
        let destination_account = account("--destination-account", &args.destination_account)?;
        let subscription = args
            .subscription_id
            .as_deref()
            .map(SubscriptionId::parse)
            .transpose()
            .map_err(|e| anyhow!("--subscription-id: {e}"))?;
        if registry_account.is_none() && subscription.is_none() {
            let table = regions::curated_packages_registry(region.name())
                .map(|id| format!(" (the production registry of {region} is {id})"))
                .unwrap_or_default();
            bail!(
                "curated export needs the registry account: --registry-account ID{table}, or --subscription-id to ask the subscription"
            );
        }
        if let (Some(source), Some(destination)) = (&source_account, &destination_account)
            && source == destination
        {
            bail!(
                "--source-account and --destination-account are both {source}: the destination must be another account than the one that owns the subscription"
            );
        }
        let Names {
            read_policy: policy_name,
            role: role_name,
            assume_policy: assume_policy_name,
            user: user_name,
        } = args.names.iam_names()?;
        // The script spells the profiles as words of a command line.
        let script_profile = |flag: &str, text: &str| {
            let profile = flags::profile(flag, text)?;
            if profile.chars().any(|c| c.is_whitespace() || c.is_control()) {
                bail!("{flag}: a profile name has no spaces or control characters");
            }
            Ok(profile)
        };
        let source_profile = script_profile("--source-profile", &args.names.source_profile)?;
        let destination_profile =
            script_profile("--destination-profile", &args.names.destination_profile)?;
        let here = std::env::current_dir()
            .context("the current folder cannot be read, so relative paths mean nothing")?;
        let config_out = match &args.config_out {
            Some(path) => script_path("--config-out", &here, path)?,
            None => script_path(
                "--config-out",
                &here,
                Path::new(documents::default_file_name(DocumentKind::AwsConfigFile)),
            )?,
        };
        let secret_out = match &args.secret_out {
            Some(path) => script_path("--secret-out", &here, path)?,
            None => config_out
                .parent()
                .unwrap_or(&here)
                .join(documents::default_file_name(DocumentKind::SecretManifest)),
        };
        if secret_out == config_out {
            bail!("--secret-out and --config-out name the same file; give each its own");
        }
        let config_out = path_text("--config-out", &config_out)?;
        let secret_out = path_text("--secret-out", &secret_out)?;
        if args.out.as_os_str().is_empty() {
            bail!("--out: enter the folder to write the export into");
        }
        Ok(Input {
            region,
            source_profile,
            destination_profile,
            subscription,
            registry_account,
            source_account,
            destination_account,
            policy_name,
            role_name,
            assume_policy_name,
            user_name,
            config_out,
            secret_out,
            out: args.out,
            overwrite: args.overwrite,
        })
    }

    fn target(&self, side: Side) -> Target {
        let profile = match side {
            Side::Source => &self.source_profile,
            _ => &self.destination_profile,
        };
        Target::new(Some(profile.clone()), Some(self.region.name().to_string()))
    }
}

/// A path the script will write, absolute (so it means what it meant where the
/// export ran, from wherever the script runs), and not a folder.
fn script_path(flag: &str, here: &Path, path: &Path) -> anyhow::Result<PathBuf> {
    if path.as_os_str().is_empty() {
        bail!("{flag}: enter a file path");
    }
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        bail!("{flag}: {} is a folder; name a file in it", path.display());
    }
    // `absolute` drops `.` parts but keeps `..`, which a link in the path may need.
    std::path::absolute(here.join(path))
        .with_context(|| format!("{flag}: {} cannot be made absolute", path.display()))
}

/// The path as the script spells it: text without control characters.
fn path_text(flag: &str, path: &Path) -> anyhow::Result<String> {
    let text = path.to_str().ok_or_else(|| {
        anyhow!(
            "{flag}: {} is not valid UTF-8; a script cannot spell it faithfully",
            path.display()
        )
    })?;
    if text.chars().any(char::is_control) {
        bail!("{flag}: the path has a control character (such as a line break); choose another");
    }
    Ok(text.to_string())
}

pub fn run(region: Option<String>, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let input = Input::validate(region, args)?;
    check_folder(&input.out, input.overwrite)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let (form, sides, registry_note) = runtime.block_on(resolve(&input))?;
    let files = generate::export(
        &form,
        &sides,
        ExportOptions {
            manifest_path: &input.secret_out,
            registry_note: &registry_note,
        },
    )
    .map_err(|reason| anyhow!("{reason}. Nothing was written."))?;
    write_files(&input.out, &files, input.overwrite)?;
    summary(&input, &files);
    if crate::output::stdout_failed() {
        errln!(
            "ecr-share: standard output could not be written; the export in {} was written all the same",
            input.out.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses, before anything is asked or written, a folder that is a symbolic link or
/// not a folder, and one that holds files unless `--overwrite` says so.
fn check_folder(out: &Path, overwrite: bool) -> anyhow::Result<()> {
    export_folder::check_folder(out, overwrite).map_err(refused)
}

/// The refusal as the command says it, at its flag.
fn refused(refusal: ExportRefusal) -> anyhow::Error {
    match refusal {
        ExportRefusal::HoldsFiles(path) => anyhow!(
            "--out: {} already holds files; pass --overwrite to replace the export's files in it (the others are left alone), or choose an empty or new folder. Nothing was written.",
            path.display()
        ),
        ExportRefusal::File(refusal) => anyhow!("{refusal}. Nothing was written."),
        other => anyhow!("--out: {other}"),
    }
}

/// The form and accounts the export is generated from, and where the registry
/// account came from. Asks AWS only for what the flags did not give.
async fn resolve(input: &Input) -> anyhow::Result<(Form, Sides, String)> {
    let mut sides = Sides::new();
    for (side, given) in [
        (Side::Source, &input.source_account),
        (Side::Destination, &input.destination_account),
    ] {
        let target = input.target(side);
        let label = if side == Side::Source {
            "source"
        } else {
            "destination"
        };
        let id = match given {
            Some(id) => {
                outln!(
                    "{label}: account {id} (given; {} was not asked)",
                    target.profile_label()
                );
                id.clone()
            }
            None => resolve_account(label, &target, &input.region).await?,
        };
        sides.insert(side, target, Ok(id));
    }
    let source = sides.account(Side::Source).map_err(|e| anyhow!(e))?;
    let destination = sides.account(Side::Destination).map_err(|e| anyhow!(e))?;
    if source == destination {
        bail!(
            "profile `{}` and profile `{}` are both account {source}: the destination must be another account than the one that owns the subscription. Nothing was written.",
            input.source_profile,
            input.destination_profile
        );
    }
    let mut form = form_of(input, &source, &destination);
    let registry_note = match &input.registry_account {
        Some(account) => format!(
            "registry account {} (given by the operator)",
            PackageRegistry::in_region(account.clone(), &input.region)
        ),
        None => {
            let registry = find_registry(&form, &sides).await?;
            form.set(FieldId::RegistryAccount, registry.0.as_str());
            registry.1
        }
    };
    Ok((form, sides, registry_note))
}

async fn resolve_account(
    label: &'static str,
    target: &Target,
    region: &Region,
) -> anyhow::Result<AccountId> {
    let profile = target.profile.as_deref().unwrap_or_default();
    crate::aws::profiles::find(profile)
        .await
        .map_err(|e| anyhow!("--{label}-profile: {e}. Nothing was written."))?;
    Ok(Account::resolve(label, profile, region, "").await?.id)
}

/// What a job reported: its calls are printed, its outputs kept.
#[derive(Default)]
struct Collect {
    outputs: Vec<Output>,
}

impl Report for Collect {
    fn call(&mut self, report: CallReport) {
        let detail = report.outcome.detail();
        let first = detail.lines().next().unwrap_or_default();
        if first.is_empty() {
            outln!(
                "{} {}: {}",
                report.call,
                report.subject,
                report.outcome.label()
            );
        } else {
            outln!(
                "{} {}: {} ({first})",
                report.call,
                report.subject,
                report.outcome.label()
            );
        }
    }

    fn output(&mut self, output: Output) {
        self.outputs.push(output);
    }
}

/// Step 1, as `curated` runs it: the subscription's registry, else the region's
/// production registry, with the sentence that says which.
async fn find_registry(form: &Form, sides: &Sides) -> anyhow::Result<(AccountId, String)> {
    let job = procedure::plan(Step::Curated(CuratedStep::Registry), form, sides)
        .map_err(|reason| anyhow!("step 1: {reason}"))?;
    let mut collect = Collect::default();
    procedure::execute(job, &mut collect).await;
    let lookup = collect
        .outputs
        .into_iter()
        .find_map(|output| match output {
            Output::Registry(lookup) => Some(lookup),
            _ => None,
        })
        .ok_or_else(|| {
            anyhow!("step 1 found no registry account; name it with --registry-account")
        })?;
    let note = lookup.explain();
    outln!("{note}");
    match lookup.registry {
        Some(registry) => Ok((registry.account, note)),
        None => bail!("{note}. Nothing was written."),
    }
}

/// The form the export is generated from: filled from the flags and the accounts,
/// as `curated` fills it.
fn form_of(input: &Input, source: &AccountId, destination: &AccountId) -> Form {
    let mut form = Form::new(FlowId::CuratedPackages);
    form.set(FieldId::Region, input.region.name());
    if let Some(subscription) = &input.subscription {
        form.set(FieldId::SubscriptionId, subscription.as_str());
    }
    form.set(FieldId::SourceProfile, input.source_profile.as_str());
    form.set(
        FieldId::DestinationProfile,
        input.destination_profile.as_str(),
    );
    form.set(FieldId::ReadPolicyName, input.policy_name.as_str());
    form.set(FieldId::RoleName, input.role_name.as_str());
    form.set(FieldId::AssumePolicyName, input.assume_policy_name.as_str());
    form.set(FieldId::UserName, input.user_name.as_str());
    form.set(FieldId::ConfigPath, input.config_out.as_str());
    if let Some(account) = &input.registry_account {
        form.set(FieldId::RegistryAccount, account.as_str());
    }
    form.resolved.insert(Side::Source, source.clone());
    form.resolved.insert(Side::Destination, destination.clone());
    form
}

/// Creates the folder if missing and writes every file, as the wizard does: all are
/// checked and opened first, so a refusal leaves the folder as it was.
fn write_files(out: &Path, files: &[ExportFile], overwrite: bool) -> anyhow::Result<()> {
    export_folder::write_export(out, files, overwrite).map_err(refused)
}

fn summary(input: &Input, files: &[ExportFile]) {
    let folder = std::path::absolute(&input.out).unwrap_or_else(|_| input.out.clone());
    outln!("wrote {} (nothing was changed in AWS):", folder.display());
    let width = files.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for file in files {
        outln!("  {:<width$}  {}", file.name, file.about);
    }
    outln!(
        "apply.sh writes the config file {} and the Secret manifest {} (mode 0600).",
        input.config_out,
        input.secret_out
    );
    outln!(
        "Review: read both scripts and the documents; each document is the exact text sent (pretty-print one with: jq . FILE)."
    );
    let script = |name: &str| shell_quote(&folder.join(name).display().to_string());
    outln!("Run:    bash {}", script(generate::APPLY_SCRIPT));
    outln!("Undo:   bash {}", script(generate::TEARDOWN_SCRIPT));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command, CuratedAction};
    use clap::Parser;

    /// `ecr-share ARGS` parsed down to the export's flags.
    fn args(line: &[&str]) -> (Option<String>, ExportArgs) {
        let mut words = vec!["ecr-share"];
        words.extend_from_slice(line);
        let cli = Cli::try_parse_from(words).unwrap();
        match cli.command {
            Some(Command::Curated(curated)) => match curated.action {
                Some(CuratedAction::Export(args)) => (cli.region, args),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    fn refused(line: &[&str]) -> String {
        let (region, args) = args(line);
        match Input::validate(region, args) {
            Ok(_) => panic!("{line:?} was accepted"),
            Err(error) => error.to_string(),
        }
    }

    const BASE: [&str; 8] = [
        "curated",
        "export",
        "--source-profile",
        "owner",
        "--destination-profile",
        "cluster",
        "--out",
        "review",
    ];

    fn with(region: Option<&str>, extra: &[&str]) -> Vec<String> {
        let mut line: Vec<String> = Vec::new();
        if let Some(region) = region {
            line.extend(["--region".to_string(), region.to_string()]);
        }
        line.extend(BASE.iter().map(|w| w.to_string()));
        line.extend(extra.iter().map(|w| w.to_string()));
        line
    }

    fn refused_with(region: Option<&str>, extra: &[&str]) -> String {
        let line = with(region, extra);
        refused(&line.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn every_bad_flag_is_named_with_its_reason() {
        let registry = ["--registry-account", "346438352937"];
        assert!(refused_with(None, &registry).contains("needs --region"));
        assert!(refused_with(Some("mars-1"), &registry).starts_with("--region:"));
        let message = refused_with(Some("us-west-2"), &[]);
        assert!(
            message.contains("(the production registry of us-west-2 is 346438352937)"),
            "{message}"
        );
        assert!(
            refused_with(Some("us-west-2"), &["--registry-account", "12"])
                .starts_with("--registry-account:")
        );
        assert!(
            refused_with(Some("us-west-2"), &["--subscription-id", "nope"])
                .starts_with("--subscription-id:")
        );
        let same = refused_with(
            Some("us-west-2"),
            &[
                "--registry-account",
                "346438352937",
                "--source-account",
                "111111111111",
                "--destination-account",
                "111111111111",
            ],
        );
        assert!(same.contains("both 111111111111"), "{same}");
        let same_file = refused_with(
            Some("us-west-2"),
            &[
                "--registry-account",
                "346438352937",
                "--config-out",
                "/tmp/x",
                "--secret-out",
                "/tmp/./x",
            ],
        );
        assert!(same_file.contains("name the same file"), "{same_file}");
        let folder = refused_with(
            Some("us-west-2"),
            &[
                "--registry-account",
                "346438352937",
                "--config-out",
                "/tmp/",
            ],
        );
        assert!(folder.contains("is a folder"), "{folder}");
        let line_break = refused_with(
            Some("us-west-2"),
            &["--registry-account", "346438352937", "--config-out", "a\nb"],
        );
        assert!(line_break.contains("control character"), "{line_break}");
        let name = refused_with(
            Some("us-west-2"),
            &["--registry-account", "346438352937", "--user-name", "a b"],
        );
        assert!(name.starts_with("--user-name:"), "{name}");
        let profile = refused(&[
            "--region",
            "us-west-2",
            "curated",
            "export",
            "--source-profile",
            "my profile",
            "--destination-profile",
            "cluster",
            "--registry-account",
            "346438352937",
            "--out",
            "review",
        ]);
        assert!(profile.starts_with("--source-profile:"), "{profile}");
    }

    #[test]
    fn the_files_default_beside_each_other_and_are_made_absolute() {
        let line = with(Some("us-west-2"), &["--registry-account", "346438352937"]);
        let (region, parsed) = args(&line.iter().map(String::as_str).collect::<Vec<_>>());
        let input = Input::validate(region, parsed).unwrap();
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            Path::new(&input.config_out),
            here.join("curated-packages-aws-config")
        );
        assert_eq!(Path::new(&input.secret_out), here.join("aws-secret.yaml"));

        let line = with(
            Some("us-west-2"),
            &[
                "--registry-account",
                "346438352937",
                "--config-out",
                "./eksa/config",
            ],
        );
        let (region, parsed) = args(&line.iter().map(String::as_str).collect::<Vec<_>>());
        let input = Input::validate(region, parsed).unwrap();
        assert_eq!(Path::new(&input.config_out), here.join("eksa/config"));
        assert_eq!(
            Path::new(&input.secret_out),
            here.join("eksa/aws-secret.yaml")
        );
    }

    #[test]
    fn a_folder_with_files_or_a_link_is_refused_before_anything_happens() {
        let dir = tempfile::tempdir().unwrap();
        check_folder(&dir.path().join("new"), false).unwrap();
        check_folder(dir.path(), false).unwrap();
        std::fs::write(dir.path().join("notes"), "mine").unwrap();
        let held = check_folder(dir.path(), false).unwrap_err().to_string();
        assert!(held.contains("pass --overwrite"), "{held}");
        check_folder(dir.path(), true).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let refused = check_folder(&link, true).unwrap_err().to_string();
        assert!(refused.contains("symbolic link"), "{refused}");
        let refused = check_folder(&dir.path().join("notes"), true)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("not a folder"), "{refused}");
    }
}
