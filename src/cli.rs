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
    /// Grant accounts access to a private ECR repository, merged into its current policy.
    Grant(GrantArgs),
    /// Remove the access that `grant` gave, leaving every other statement.
    Revoke(RevokeArgs),
    /// Run the EKS Anywhere Curated Packages sharing procedure across two accounts, or
    /// manage what it set up: teardown, rotate-key, verify, export.
    Curated(CuratedCommand),
    /// Who may do what on every repository of an account and region.
    Audit(AuditArgs),
    /// Check an identity or repository policy for mistakes, offline.
    Lint(LintArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output.
    Man,
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
    /// A repository policy granting accounts access to an ECR repository.
    Repo {
        /// How much the accounts may do.
        #[arg(long, value_enum)]
        access: AccessArg,
        /// A grantee account id; repeat for several.
        #[arg(long = "account", value_name = "ID", required = true)]
        accounts: Vec<String>,
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
    /// The repository to share.
    #[arg(long, value_name = "NAME")]
    pub repository: String,
    /// A grantee account id; repeat for several.
    #[arg(long = "account", value_name = "ID", required = true)]
    pub accounts: Vec<String>,
    /// How much the accounts may do.
    #[arg(long, value_enum)]
    pub access: AccessArg,
    /// Show the merged policy and its diff, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The shared repository.
    #[arg(long, value_name = "NAME")]
    pub repository: String,
    /// An account whose access is removed; repeat for several.
    #[arg(long = "account", value_name = "ID", required = true)]
    pub accounts: Vec<String>,
    /// Show the resulting policy and its diff, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

/// `ecr-share curated`: the procedure itself when no subcommand is named, or one of
/// the lifecycle subcommands.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CuratedCommand {
    #[command(subcommand)]
    pub action: Option<CuratedAction>,
    #[command(flatten)]
    pub run: Option<CuratedArgs>,
}

#[derive(Debug, Subcommand)]
pub enum CuratedAction {
    /// Remove what the procedure created, in reverse order, in the right account each.
    Teardown(TeardownArgs),
    /// Replace the user's access key: create, save, verify, apply, then delete the old.
    RotateKey(RotateKeyArgs),
    /// Run the step 8 checks from a saved config file.
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
    /// Remove without asking (without it a terminal is asked; no terminal, no change).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    #[command(flatten)]
    pub names: CuratedNames,
    /// The config file to write the new key into (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub config_out: PathBuf,
    /// The aws-secret manifest to write the new key into (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub secret_out: Option<PathBuf>,
    /// Base URL the verification's manifest request goes to, instead of
    /// https://<registry host>.
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
    /// The kubeconfig context to `kubectl apply` the new Secret to, before the old
    /// key is deleted.
    #[arg(long, value_name = "CONTEXT")]
    pub context: Option<String>,
    /// Replace --config-out and --secret-out even when they are files ecr-share did
    /// not write for this user.
    #[arg(long)]
    pub overwrite: bool,
    /// Rotate without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The AWS config file the procedure wrote (step 6).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Base URL the manifest request goes to, instead of https://<registry host>.
    #[arg(long, value_name = "URL")]
    pub registry_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub names: CuratedNames,
    /// The subscription's id (asked for the registry account unless
    /// --registry-account is given).
    #[arg(long, value_name = "ID")]
    pub subscription_id: Option<String>,
    /// The registry account, instead of asking the subscription.
    #[arg(long, value_name = "ID")]
    pub registry_account: Option<String>,
    /// The source account's id, instead of asking its profile (to work offline).
    #[arg(long, value_name = "ID")]
    pub source_account: Option<String>,
    /// The destination account's id, instead of asking its profile.
    #[arg(long, value_name = "ID")]
    pub destination_account: Option<String>,
    /// Where apply.sh writes the AWS config file.
    #[arg(long, value_name = "FILE")]
    pub config_out: Option<PathBuf>,
    /// The folder to write apply.sh, teardown.sh and the documents into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace files already in --out.
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
}
