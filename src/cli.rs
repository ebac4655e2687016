//! The command line. Without a subcommand `ecr-share` starts the wizard; the
//! subcommands are the scriptable side: print documents, grant and revoke repository
//! access, run the curated-packages procedure.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::documents::Access;

#[derive(Debug, Parser)]
#[command(
    name = "ecr-share",
    version,
    about = "Share container-registry access across AWS accounts: EKS Anywhere Curated Packages and private ECR repositories.",
    long_about = "Without a subcommand, starts the terminal wizard. Credentials come from the AWS SDK's standard chain (AWS_PROFILE, profiles, SSO, environment, instance roles); AWS_ENDPOINT_URL is honoured."
)]
pub struct Cli {
    /// AWS profile (default: the SDK's default chain, which reads AWS_PROFILE). Given
    /// here, it wins over keys in the environment, as `aws --profile` does. In the
    /// wizard it is the source (or repository) account's profile; `curated` takes its
    /// own two.
    #[arg(long, global = true)]
    pub profile: Option<String>,

    /// AWS region (default: the profile's region; `curated` requires it).
    #[arg(long, global = true)]
    pub region: Option<String>,

    /// The wizard's destination account profile (the account that receives
    /// curated-packages access), as `curated --destination-profile` takes it.
    #[arg(long, value_name = "PROFILE")]
    pub destination_profile: Option<String>,

    /// Where the wizard writes its log (default: the platform's cache folder).
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Where the wizard's registry checks (step 8, V, key rotation on the Manage
    /// screen) send the manifest request instead of https://<registry host>: a
    /// mirror, as `curated verify --registry-url` takes it.
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
// Parsed once per run, so the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Print one of the generated documents as JSON.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Grant accounts or whole organizations access to private ECR repositories, merged
    /// into each repository's current policy.
    Grant(Deferred<GrantArgs>),
    /// Remove the access that `grant` gave, leaving every other statement.
    Revoke(Deferred<RevokeArgs>),
    /// Run the EKS Anywhere Curated Packages sharing procedure across two accounts, or
    /// manage what it set up: teardown, rotate-key, verify, export.
    Curated(CuratedCommand),
    /// Who may do what on every repository of an account and region.
    Audit(Deferred<AuditArgs>),
    /// Check an identity or repository policy for mistakes, offline.
    Lint(Deferred<LintArgs>),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output.
    Man,
}

/// A subcommand's flags, defined only once the subcommand is named on the command
/// line (or help, completions or the manual page need them all): the wizard, which
/// names none, starts without building every subcommand's flags.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

impl<T: clap::FromArgMatches> clap::FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(command: clap::Command) -> clap::Command {
        command.defer(T::augment_args)
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        command.defer(T::augment_args_for_update)
    }
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The ECR login and read policy for the curated-packages registry (step 2).
    EcrRead {
        /// The registry's 12-digit account id.
        #[arg(long, value_name = "ID")]
        registry_account: String,
        /// Region; decides the partition.
        #[arg(long, default_value = "us-east-1")]
        region: String,
    },
    /// The role trust policy that lets the destination account assume the role (step 3).
    Trust {
        /// The destination account's 12-digit id.
        #[arg(long, value_name = "ID")]
        account: String,
        /// Region; decides the partition.
        #[arg(long, default_value = "us-east-1")]
        region: String,
    },
    /// The destination user's policy that allows assuming the role (step 4).
    AssumeRole {
        /// The ARN of the role created in the source account.
        #[arg(long, value_name = "ARN")]
        role_arn: String,
    },
    /// A repository policy granting accounts or organizations access to an ECR
    /// repository: the statements `grant` merges into the repository's policy.
    Repo {
        /// How much the accounts may do.
        #[arg(long, value_enum)]
        access: AccessArg,
        /// A grantee account id; repeat for several.
        #[arg(
            long = "account",
            value_name = "ID",
            required_unless_present = "organizations"
        )]
        accounts: Vec<String>,
        /// A grantee organization id: every account in the organization, through
        /// aws:PrincipalOrgID; repeat for several. Not with --access lambda.
        #[arg(long = "organization", value_name = "ID")]
        organizations: Vec<String>,
        /// The repository's region (the Lambda condition and the partition).
        #[arg(long, default_value = "us-east-1")]
        region: String,
    },
}

/// `--access` as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessArg {
    Pull,
    PullPush,
    Lambda,
}

impl From<AccessArg> for Access {
    fn from(arg: AccessArg) -> Access {
        match arg {
            AccessArg::Pull => Access::Pull,
            AccessArg::PullPush => Access::PullPush,
            AccessArg::Lambda => Access::LambdaPull,
        }
    }
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The repository to share; repeat for several (all are planned first, and one
    /// confirmation covers them).
    #[arg(long = "repository", value_name = "NAME", required = true)]
    pub repositories: Vec<String>,
    /// A grantee account id; repeat for several.
    #[arg(
        long = "account",
        value_name = "ID",
        required_unless_present = "organizations"
    )]
    pub accounts: Vec<String>,
    /// A grantee organization id (o- and 10 to 32 lower-case letters or digits): every
    /// account in the organization, through aws:PrincipalOrgID; repeat for several.
    /// Not with --access lambda.
    #[arg(long = "organization", value_name = "ID")]
    pub organizations: Vec<String>,
    /// How much the accounts may do.
    #[arg(long, value_enum)]
    pub access: AccessArg,
    /// Show the merged policies and their diffs, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The shared repository; repeat for several.
    #[arg(long = "repository", value_name = "NAME", required = true)]
    pub repositories: Vec<String>,
    /// An account whose access is removed; repeat for several.
    #[arg(
        long = "account",
        value_name = "ID",
        required_unless_present = "organizations"
    )]
    pub accounts: Vec<String>,
    /// An organization whose access (granted with --organization) is removed; repeat
    /// for several.
    #[arg(long = "organization", value_name = "ID")]
    pub organizations: Vec<String>,
    /// Show the resulting policies and their diffs, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

/// `ecr-share curated`: the procedure itself when no subcommand is named (`run`), or
/// one of the lifecycle subcommands (`action`); exactly one of the two is set.
#[derive(Debug)]
pub struct CuratedCommand {
    pub action: Option<CuratedAction>,
    pub run: Option<CuratedArgs>,
}

// Written out rather than derived: clap's derive cannot tell whether an optional
// group of flags that itself holds a flattened group was given, so the subcommand's
// presence decides which of the two is parsed.
impl clap::FromArgMatches for CuratedCommand {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        if matches.subcommand_name().is_some() {
            Ok(CuratedCommand {
                action: Some(CuratedAction::from_arg_matches(matches)?),
                run: None,
            })
        } else {
            Ok(CuratedCommand {
                action: None,
                run: Some(CuratedArgs::from_arg_matches(matches)?),
            })
        }
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = CuratedCommand::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for CuratedCommand {
    fn augment_args(command: clap::Command) -> clap::Command {
        // Defined when `curated` is named, like every subcommand (see [`Deferred`]).
        command.defer(|command| {
            CuratedAction::augment_subcommands(CuratedArgs::augment_args(command))
                .args_conflicts_with_subcommands(true)
                .subcommand_negates_reqs(true)
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        CuratedCommand::augment_args(command)
    }
}

#[derive(Debug, Subcommand)]
pub enum CuratedAction {
    /// Remove what the procedure created, in reverse order, in the right account each.
    Teardown(TeardownArgs),
    /// Replace the user's access key: create, save, verify, apply, then delete the old.
    #[command(
        long_about = "Replace the curated-packages user's access key without a moment in which the user has no working key: the user's keys are listed with their age and last use; the new key is created straight into --config-out (and --secret-out), the current files are kept as <file>.previous, the new key is checked (assume the role, ECR login, the registry when it can be reached), the new Secret is applied with --context, and only then the old key is deleted. Without --context the old key is kept until you run again with --delete-old-key, so a cluster that still holds it keeps working. A run that stops says how to finish (run again) or roll back.\n\nExit codes: 0 done; 1 stopped (the output says what was done); 3 the new key works and is in place, the old key is kept until the new Secret is applied."
    )]
    RotateKey(RotateKeyArgs),
    /// Run the step 8 checks from a saved config file.
    #[command(
        long_about = "Run the step 8 checks from a saved config file, each with its own status line: the file's key assumes the role it names, the role gets an ECR login token, and the registry answers a manifest request. No profile is needed; the region is the file's unless --region is given.\n\nExit codes: 0 all three passed; 1 a check was refused; 2 the command line or the file cannot be used; 3 the key and the role passed but the registry could not be reached from here (not a denial); 4 AWS could not be reached."
    )]
    Verify(VerifyArgs),
    /// Write the whole procedure as a reviewable shell script and its documents.
    Export(ExportArgs),
}

/// The two profiles and the four names every curated command shares.
#[derive(Debug, Clone, Args)]
pub struct CuratedNames {
    /// Profile of the account that owns the EKS Anywhere subscription.
    #[arg(long, value_name = "P")]
    pub source_profile: String,
    /// Profile of the account that receives access.
    #[arg(long, value_name = "Q")]
    pub destination_profile: String,
    /// Name of the ECR read policy in the source account.
    #[arg(long, default_value = "curated-packages-policy")]
    pub policy_name: String,
    /// Name of the role in the source account.
    #[arg(long, default_value = "curated-packages-role")]
    pub role_name: String,
    /// Name of the assume-role policy in the destination account.
    #[arg(long, default_value = "curated-packages-assume-role-policy")]
    pub assume_policy_name: String,
    /// Name of the user in the destination account.
    #[arg(long, default_value = "curated-packages-user")]
    pub user_name: String,
}

#[derive(Debug, Args)]
pub struct CuratedArgs {
    #[command(flatten)]
    pub names: CuratedNames,
    /// The subscription's id.
    #[arg(long, value_name = "ID")]
    pub subscription_id: String,
    /// The registry account, instead of asking the subscription.
    #[arg(long, value_name = "ID")]
    pub registry_account: Option<String>,
    /// Where to write the AWS config file (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub config_out: PathBuf,
    /// Where to write the aws-secret manifest (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub secret_out: Option<PathBuf>,
    /// Base URL the verification's manifest request goes to, instead of
    /// https://<registry host> (a registry mirror, or a local registry in tests).
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
    /// Where a policy or role exists with another document, make the wanted document
    /// current (a new default policy version; the role's new trust policy) instead of
    /// stopping.
    #[arg(long)]
    pub update_existing: bool,
    /// Replace --config-out and --secret-out even when they are files ecr-share did
    /// not write for this user (without it such a file stops the run before any call).
    #[arg(long)]
    pub overwrite: bool,
    /// Run without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub names: CuratedNames,
    /// The config file the procedure wrote (deleted only with --delete-files).
    #[arg(long, value_name = "FILE")]
    pub config_out: Option<PathBuf>,
    /// The aws-secret manifest the procedure wrote (deleted only with --delete-files).
    #[arg(long, value_name = "FILE")]
    pub secret_out: Option<PathBuf>,
    /// Also delete --config-out and --secret-out, when ecr-share wrote them.
    #[arg(long)]
    pub delete_files: bool,
    /// Detach policies that ecr-share did not attach from the role and the user
    /// (without it they are reported and the role or user is left in place).
    #[arg(long)]
    pub detach_foreign: bool,
    /// Print the plan only: what would be removed and what left, and change nothing.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
    /// Remove without asking (without it a terminal is asked; no terminal, no change).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    /// Profile of the account that receives access, where the user is.
    #[arg(long, value_name = "Q")]
    pub destination_profile: String,
    /// Name of the user in the destination account.
    #[arg(long, default_value = "curated-packages-user")]
    pub user_name: String,
    /// Profile of the account that owns the role: with --role-name it names the role
    /// the new config file assumes (default: the role --config-out names).
    #[arg(long, value_name = "P")]
    pub source_profile: Option<String>,
    /// Name of the role in the source account (with --source-profile).
    #[arg(long, default_value = "curated-packages-role")]
    pub role_name: String,
    /// The config file that holds the user's key; the new key goes into it (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub config_out: PathBuf,
    /// The aws-secret manifest to write the new key into (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub secret_out: Option<PathBuf>,
    /// The registry the new key is checked against (default: the production
    /// curated-packages registry of the region).
    #[arg(long, value_name = "ID")]
    pub registry_account: Option<String>,
    /// Base URL the verification's manifest request goes to, instead of
    /// https://<registry host>.
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
    /// The kubeconfig context to `kubectl apply` the new Secret to, before the old
    /// key is deleted.
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,
    /// Without --context: delete the old key once the new one works. Use it when no
    /// cluster holds the old key, or once every cluster that does has the new Secret
    /// (run again with it after applying --secret-out yourself).
    #[arg(long)]
    pub delete_old_key: bool,
    /// Replace --config-out and --secret-out even when they are files ecr-share did
    /// not write for this user.
    #[arg(long)]
    pub overwrite: bool,
    /// Rotate without asking (without it a terminal is asked; no terminal, no change).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The AWS config file the procedure wrote (step 6, curated --config-out).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The registry account (default: the production curated-packages registry of
    /// the region).
    #[arg(long, value_name = "ID")]
    pub registry_account: Option<String>,
    /// Base URL the manifest request goes to, instead of https://<registry host>.
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub names: CuratedNames,
    /// The subscription's id: the registry account is asked from it (a read in the
    /// source account) unless --registry-account is given.
    #[arg(long, value_name = "ID")]
    pub subscription_id: Option<String>,
    /// The registry account, instead of asking the subscription.
    #[arg(long, value_name = "ID")]
    pub registry_account: Option<String>,
    /// The source account's id, instead of asking its profile (with
    /// --destination-account and --registry-account, nothing is asked of AWS).
    #[arg(long, value_name = "ID")]
    pub source_account: Option<String>,
    /// The destination account's id, instead of asking its profile.
    #[arg(long, value_name = "ID")]
    pub destination_account: Option<String>,
    /// Where apply.sh writes the AWS config file with the new key (default:
    /// curated-packages-aws-config in the current folder; made absolute).
    #[arg(long, value_name = "FILE")]
    pub config_out: Option<PathBuf>,
    /// Where apply.sh writes the aws-secret manifest (default: aws-secret.yaml beside
    /// the config file; made absolute).
    #[arg(long, value_name = "FILE")]
    pub secret_out: Option<PathBuf>,
    /// The folder to write apply.sh, teardown.sh and the documents into (created
    /// when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into --out even when it holds files, replacing the export's own files
    /// (other files in it are left alone).
    #[arg(long)]
    pub overwrite: bool,
}

/// `--output` of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditOutput {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only these repositories; repeat for several (default: every repository).
    #[arg(long = "repository", value_name = "NAME")]
    pub repositories: Vec<String>,
    /// A table that fits the terminal, or a JSON array with one object per repository.
    #[arg(long, value_enum, default_value = "table")]
    pub output: AuditOutput,
    /// The most AWS calls in flight at once (1 to 256).
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The policy document to check; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// What the policy is: `auto` reads it from the document (a Principal makes it a
    /// resource policy: a trust policy when every action is an sts action, a
    /// repository policy otherwise).
    #[arg(long, value_enum, default_value = "auto")]
    pub kind: LintKind,
    /// One line per finding and a summary, or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    pub output: LintOutput,
}

/// `--kind` of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintKind {
    Auto,
    Identity,
    Repository,
    Trust,
}

/// `--output` of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintOutput {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curated_with_flags_runs_the_procedure() {
        let cli = Cli::try_parse_from([
            "ecr-share",
            "curated",
            "--source-profile",
            "a",
            "--destination-profile",
            "b",
            "--subscription-id",
            "x",
            "--config-out",
            "c",
        ])
        .unwrap();
        let Some(Command::Curated(curated)) = cli.command else {
            panic!()
        };
        assert!(curated.action.is_none());
        let run = curated.run.expect("the procedure's flags");
        assert_eq!(run.names.source_profile, "a");
        assert_eq!(run.subscription_id, "x");
    }

    #[test]
    fn curated_with_a_subcommand_runs_it_and_needs_only_its_flags() {
        let cli = Cli::try_parse_from([
            "ecr-share",
            "curated",
            "teardown",
            "--source-profile",
            "a",
            "--destination-profile",
            "b",
            "--yes",
        ])
        .unwrap();
        let Some(Command::Curated(curated)) = cli.command else {
            panic!()
        };
        assert!(curated.run.is_none());
        let Some(CuratedAction::Teardown(args)) = curated.action else {
            panic!()
        };
        assert_eq!(args.names.destination_profile, "b");
        assert!(args.yes);
    }

    #[test]
    fn curated_without_flags_names_the_missing_ones() {
        let error = Cli::try_parse_from(["ecr-share", "curated", "--source-profile", "a"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--subscription-id"), "{error}");
        assert!(error.contains("--config-out"), "{error}");
        let error = Cli::try_parse_from([
            "ecr-share",
            "curated",
            "--source-profile",
            "a",
            "verify",
            "--config",
            "f",
        ])
        .unwrap_err();
        assert_eq!(
            error.kind(),
            clap::error::ErrorKind::ArgumentConflict,
            "{error}"
        );
    }
}
