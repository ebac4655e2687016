//! A [`Job`] is one step's work as plain data: every value it needs is validated
//! before it exists, so executing it only makes calls. [`Output`] is what a job found
//! that later steps use.

use std::path::PathBuf;

use aws_config::SdkConfig;
use serde_json::Value;

use crate::aws::audit::RepositoryRead;
use crate::aws::ecr::Plan;
use crate::aws::eks::RegistryLookup;
use crate::aws::iam::{AccessKeyInfo, Iam};
use crate::aws::verify::{Backoff, VerifyPlan};
use crate::aws::{CallError, Identity, Target};
use crate::core::documents;
use crate::core::flow::{FlowId, Side};
use crate::core::merge::Grant;
use crate::core::regions::Partition;
use crate::core::secret::AccessKeyPair;
use crate::core::validate::{
    AccountId, IamName, OrganizationId, Region, RepositoryName, RoleArn, SubscriptionId,
};
use crate::files;

use super::rotate::{self, Rotation};
use super::teardown::{Executed, Scope, TeardownPlan};

/// IAM in one account, as a job needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamTarget {
    pub target: Target,
    pub partition: Partition,
    pub account: AccountId,
}

impl IamTarget {
    /// IAM with the credentials of `config`, its suggested commands naming this
    /// target's profile and region (the config's region when none was given).
    pub fn iam(&self, config: &SdkConfig) -> Iam {
        let region = self
            .target
            .region
            .clone()
            .or_else(|| config.region().map(ToString::to_string));
        Iam::new(config, self.partition, self.account.clone())
            .commands_as(self.target.profile.as_deref(), region.as_deref())
    }
}

/// The AWS config file that holds a new access key: where it goes and what else it
/// says. It is prepared before the key is created, so the secret always has a home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHome {
    pub path: PathBuf,
    pub user: IamName,
    pub role_arn: RoleArn,
    pub region: Region,
    /// Whether a file that ecr-share did not write for this user may be replaced.
    pub overwrite: bool,
}

impl SecretHome {
    /// The config file with this key in it.
    pub fn config_file(&self, key: &AccessKeyPair) -> String {
        documents::aws_config_file(
            Some(&self.user),
            Some(&self.role_arn),
            Some(&self.region),
            Some(key),
        )
    }

    /// Whether `text` is a config file ecr-share wrote for this user, which it may
    /// replace without asking.
    pub fn is_ours(&self, text: &str) -> bool {
        files::is_config_for_user(self.user.as_str(), text)
    }

    /// Whether `text` is an `aws-secret` manifest ecr-share wrote for this user.
    pub fn is_our_manifest(&self, text: &str) -> bool {
        files::is_secret_manifest_for_user(self.user.as_str(), text)
    }
}

/// One step's work, with every value it needs already validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Which account a profile is (`sts:GetCallerIdentity`).
    Identity {
        flow: FlowId,
        side: Side,
        target: Target,
    },
    /// The profile names of the AWS config and credentials files, to choose from.
    Profiles,
    /// The contexts kubectl's configuration names, to choose the cluster from.
    KubeContexts,
    /// Curated step 1: ask the subscription for its registry.
    FindRegistry {
        target: Target,
        region: Region,
        subscription: SubscriptionId,
    },
    /// Curated step 2: the ECR read policy.
    ReadPolicy {
        iam: IamTarget,
        name: IamName,
        document: Value,
    },
    /// Make the wanted document the policy's default version (it exists and differs).
    UpdatePolicy {
        side: Side,
        iam: IamTarget,
        name: IamName,
        document: Value,
    },
    /// Make the wanted trust policy the role's (it exists and differs).
    UpdateTrust {
        iam: IamTarget,
        role: IamName,
        trust: Value,
    },
    /// Curated step 3: the role, its trust policy, and the read policy attached.
    Role {
        iam: IamTarget,
        role: IamName,
        trust: Value,
        policy: IamName,
    },
    /// Curated step 4: the assume-role policy, the user, and the attachment.
    User {
        iam: IamTarget,
        policy: IamName,
        document: Value,
        user: IamName,
    },
    /// Curated step 5, before it asks: which keys the user has now.
    ListKeys { iam: IamTarget, user: IamName },
    /// Curated step 5: the user's access key, reused from its config file when that
    /// file holds a key IAM still lists, otherwise created straight into the file.
    AccessKey {
        iam: IamTarget,
        user: IamName,
        home: SecretHome,
    },
    /// Curated step 6: the config file with the key, written 0600.
    WriteConfig {
        home: SecretHome,
        key: AccessKeyPair,
    },
    /// Curated step 7: the `aws-secret` manifest written to a file, 0600.
    WriteManifest {
        path: PathBuf,
        home: SecretHome,
        key: AccessKeyPair,
    },
    /// Curated step 7: `kubectl apply` of the `aws-secret` manifest.
    Kubectl {
        context: Option<String>,
        home: SecretHome,
        key: AccessKeyPair,
    },
    /// Curated step 8: the new key assumes the role, logs in to ECR, asks the registry.
    Verify {
        target: Target,
        key: AccessKeyPair,
        plan: VerifyPlan,
    },
    /// Curated step 8 from a config file saved earlier: its key assumes the role it
    /// names, logs in to ECR, asks the registry. No profile is used.
    VerifySaved {
        path: PathBuf,
        /// Instead of the region the file names.
        region: Option<Region>,
        /// The registry account; `None`: the production registry of the region.
        registry_account: Option<AccountId>,
        /// Where the manifest request goes instead of `https://<registry host>`.
        registry_url: Option<String>,
        backoff: Backoff,
    },
    /// Repository step 1: the repositories to pick from.
    Repositories { target: Target },
    /// Who has access: every repository of the account and region, and its policy.
    Access { target: Target },
    /// Repository step 3: read the current policy and merge the grant into it.
    PlanGrant {
        target: Target,
        repository: RepositoryName,
        grant: Grant,
    },
    /// Repository step 3: read the current policy and take the grant out of it.
    PlanRevoke {
        target: Target,
        repository: RepositoryName,
        accounts: Vec<AccountId>,
        /// Organizations whose grant goes too (the wizard names none).
        organizations: Vec<OrganizationId>,
        partition: Partition,
    },
    /// Write a worked-out policy change and read it back.
    Apply { target: Target, plan: Box<Plan> },
    /// Put the policy from before the last change back, unless somebody changed the
    /// policy since that change.
    Restore {
        target: Target,
        repository: RepositoryName,
        previous: Option<String>,
        /// The policy the last change wrote: what the repository must still hold.
        current: Option<String>,
    },
    /// Teardown, before it asks: both accounts and the files read, and the plan of
    /// what goes and what stays. Nothing is changed.
    TeardownSurvey {
        source: IamTarget,
        destination: IamTarget,
        scope: Box<Scope>,
    },
    /// Teardown as confirmed: everything read again, and only if the plan is still
    /// this one, each removal made once, in order.
    Teardown {
        source: IamTarget,
        destination: IamTarget,
        scope: Box<Scope>,
        plan: Box<TeardownPlan>,
    },
    /// Key rotation, before it asks: the user's keys with their age and last use,
    /// what the files hold, and the plan or why there is none. Nothing is changed.
    RotationSurvey { rotation: Box<Rotation> },
    /// Key rotation as confirmed: the new key into its files, checked, applied, and
    /// only then the old key deleted.
    RotateKey {
        rotation: Box<Rotation>,
        plan: Box<rotate::Plan>,
    },
}

/// What a run found that later steps use.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Identity {
        flow: FlowId,
        side: Side,
        profile: Option<String>,
        result: Result<Identity, CallError>,
        /// The region the profile is configured with, if any.
        region: Option<String>,
    },
    /// The profile names of the config and credentials files.
    Profiles(Result<Vec<String>, CallError>),
    /// kubectl's contexts, or why they could not be read.
    KubeContexts(Result<Vec<String>, String>),
    Registry(RegistryLookup),
    /// The user's key, and the config file that holds it.
    AccessKey {
        key: AccessKeyPair,
        saved_to: PathBuf,
        /// Created by this run (else reused from the file).
        created: bool,
    },
    /// The keys a user has (without secrets).
    Keys {
        user: IamName,
        keys: Vec<AccessKeyInfo>,
    },
    Repositories(Vec<String>),
    /// Who has access: how many repositories' policies were read, of how many, and
    /// the one just read (none before the first).
    AccessProgress {
        done: usize,
        total: usize,
        read: Option<Box<RepositoryRead>>,
    },
    /// Who has access: every repository and what reading its policy came to, or why
    /// the repositories could not be listed.
    Access(Result<Vec<RepositoryRead>, CallError>),
    /// A policy or role that exists and differs: the document it has now,
    /// pretty-printed, so replacing it can say what it loses.
    Differing {
        document: String,
    },
    Plan(Box<Plan>),
    /// A policy change was applied: `previous` is the text it replaced, `current`
    /// the text it wrote (`None`: the policy was deleted).
    Applied {
        repository: RepositoryName,
        previous: Option<String>,
        current: Option<String>,
    },
    /// What a teardown would remove and leave in place; nothing was changed.
    TeardownPlan(Box<TeardownPlan>),
    /// What a teardown removed, and where it stopped if it did.
    TornDown(Box<Executed>),
    /// What a key rotation starts from, with its plan or why there is none.
    RotationSurvey(Box<rotate::Survey>),
    /// How a key rotation ended, and the key the config file holds now (read back
    /// from it), which the later steps use from then on.
    Rotated {
        ending: Box<rotate::Ending>,
        key: Option<AccessKeyPair>,
    },
}

impl Job {
    /// The calls the job makes, in order, as the live status lists them before they
    /// run and the confirmation names them.
    pub fn calls(&self) -> Vec<String> {
        match self {
            Job::Identity { .. } => vec!["sts:GetCallerIdentity".into()],
            Job::Profiles => vec!["read the AWS config and credentials files".into()],
            Job::KubeContexts => vec!["kubectl config get-contexts -o name".into()],
            Job::FindRegistry { subscription, .. } => {
                vec![format!(
                    "eks:DescribeEksAnywhereSubscription {subscription}"
                )]
            }
            Job::ReadPolicy { name, .. } => vec![format!("iam:CreatePolicy {name}")],
            Job::UpdatePolicy { name, .. } => vec![format!(
                "iam:CreatePolicyVersion {name}, as the default (the oldest other version is deleted first when there are five)"
            )],
            Job::UpdateTrust { role, .. } => vec![format!("iam:UpdateAssumeRolePolicy {role}")],
            Job::Role { role, policy, .. } => vec![
                format!("iam:CreateRole {role}"),
                format!("iam:AttachRolePolicy {policy} to {role}"),
            ],
            Job::User { policy, user, .. } => vec![
                format!("iam:CreatePolicy {policy}"),
                format!("iam:CreateUser {user}"),
                format!("iam:AttachUserPolicy {policy} to {user}"),
            ],
            Job::ListKeys { user, .. } => vec![format!("iam:ListAccessKeys {user}")],
            Job::AccessKey { user, home, .. } => vec![
                format!("iam:ListAccessKeys {user}"),
                format!(
                    "iam:CreateAccessKey {user}, straight into {} (unless that file holds a key of the user)",
                    home.path.display()
                ),
            ],
            Job::WriteConfig { home, .. } => {
                vec![format!("write {} (mode 0600)", home.path.display())]
            }
            Job::WriteManifest { path, .. } => {
                vec![format!("write {} (mode 0600)", path.display())]
            }
            Job::Kubectl { context, .. } => vec![match context {
                Some(context) => format!("kubectl apply -f - --context {context}"),
                None => "kubectl apply -f - (current context)".to_string(),
            }],
            Job::Verify { plan, .. } => vec![
                format!("sts:AssumeRole {}", plan.role_arn),
                "ecr:GetAuthorizationToken (as the role)".to_string(),
                format!(
                    "GET {}/v2/eks-anywhere-packages/manifests/latest",
                    plan.registry_base()
                ),
            ],
            Job::VerifySaved {
                path, registry_url, ..
            } => vec![
                format!("read {}", path.display()),
                "sts:AssumeRole (the role the file names, with the file's key)".to_string(),
                "ecr:GetAuthorizationToken (as the role)".to_string(),
                format!(
                    "GET {}/v2/eks-anywhere-packages/manifests/latest",
                    registry_url.as_deref().unwrap_or("https://<registry>")
                ),
            ],
            Job::Repositories { .. } => vec!["ecr:DescribeRepositories".into()],
            Job::Access { .. } => vec![
                "ecr:DescribeRepositories".into(),
                "ecr:GetRepositoryPolicy of each repository".into(),
            ],
            Job::PlanGrant { repository, .. } | Job::PlanRevoke { repository, .. } => {
                vec![format!("ecr:GetRepositoryPolicy {repository}")]
            }
            Job::Apply { plan, .. } => {
                let repository = &plan.repository;
                let write = if plan.change.policy.is_some() {
                    format!("ecr:SetRepositoryPolicy {repository}")
                } else {
                    format!("ecr:DeleteRepositoryPolicy {repository}")
                };
                vec![
                    format!("ecr:GetRepositoryPolicy {repository} (unchanged since read?)"),
                    write,
                    format!("ecr:GetRepositoryPolicy {repository} (read back)"),
                ]
            }
            Job::Restore {
                repository,
                previous,
                ..
            } => vec![
                format!("ecr:GetRepositoryPolicy {repository} (unchanged since applied?)"),
                match previous {
                    Some(_) => format!("ecr:SetRepositoryPolicy {repository} (the previous text)"),
                    None => format!("ecr:DeleteRepositoryPolicy {repository} (it had none)"),
                },
                format!("ecr:GetRepositoryPolicy {repository} (read back)"),
            ],
            Job::TeardownSurvey { scope, .. } => {
                let names = &scope.names;
                let mut calls = vec![
                    format!(
                        "read the source account {}: policy {}, role {} and what is attached to them",
                        scope.source, names.read_policy, names.role
                    ),
                    format!(
                        "read the destination account {}: policy {}, user {} with its keys and attachments",
                        scope.destination, names.assume_policy, names.user
                    ),
                ];
                calls.extend(
                    scope.files.iter().map(|(path, kind)| {
                        format!("read {} (the {})", path.display(), kind.label())
                    }),
                );
                calls
            }
            Job::Teardown { plan, .. } => std::iter::once(
                "re-read both accounts and the files (unchanged since the plan?)".to_string(),
            )
            .chain(
                plan.removals
                    .iter()
                    .map(|removal| format!("{} {}", removal.call(), removal.describe())),
            )
            .collect(),
            Job::RotationSurvey { rotation } => vec![
                format!(
                    "iam:ListAccessKeys {}, then iam:GetAccessKeyLastUsed for each key",
                    rotation.user
                ),
                format!("read {}", rotation.config.display()),
            ],
            Job::RotateKey { rotation, plan } => rotate::calls(rotation, plan),
        }
    }

    /// Whether the job changes anything (reads run without a confirmation).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Job::Identity { .. }
                | Job::Profiles
                | Job::KubeContexts
                | Job::FindRegistry { .. }
                | Job::ListKeys { .. }
                | Job::Repositories { .. }
                | Job::Access { .. }
                | Job::PlanGrant { .. }
                | Job::PlanRevoke { .. }
                | Job::Verify { .. }
                | Job::VerifySaved { .. }
                | Job::TeardownSurvey { .. }
                | Job::RotationSurvey { .. }
        )
    }

    /// The credentials it runs with, when it runs against AWS.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Job::Identity { target, .. }
            | Job::FindRegistry { target, .. }
            | Job::Verify { target, .. }
            | Job::Repositories { target }
            | Job::Access { target }
            | Job::PlanGrant { target, .. }
            | Job::PlanRevoke { target, .. }
            | Job::Apply { target, .. }
            | Job::Restore { target, .. } => Some(target),
            Job::ReadPolicy { iam, .. }
            | Job::UpdatePolicy { iam, .. }
            | Job::UpdateTrust { iam, .. }
            | Job::Role { iam, .. }
            | Job::User { iam, .. }
            | Job::ListKeys { iam, .. }
            | Job::AccessKey { iam, .. } => Some(&iam.target),
            Job::RotationSurvey { rotation } | Job::RotateKey { rotation, .. } => {
                Some(&rotation.iam.target)
            }
            // Teardown works in both accounts; each call names its own.
            Job::TeardownSurvey { .. } | Job::Teardown { .. } => None,
            Job::Kubectl { .. }
            | Job::WriteConfig { .. }
            | Job::WriteManifest { .. }
            | Job::VerifySaved { .. }
            | Job::Profiles
            | Job::KubeContexts => None,
        }
    }

    /// The side whose credentials the job uses (`None` for local work and jobs that
    /// are not tied to one side).
    pub fn side(&self, flow: FlowId) -> Option<Side> {
        match self {
            Job::Kubectl { .. }
            | Job::WriteConfig { .. }
            | Job::WriteManifest { .. }
            | Job::VerifySaved { .. }
            | Job::Profiles
            | Job::KubeContexts
            | Job::TeardownSurvey { .. }
            | Job::Teardown { .. } => None,
            Job::UpdatePolicy { side, .. } | Job::Identity { side, .. } => Some(*side),
            Job::ReadPolicy { .. }
            | Job::Role { .. }
            | Job::UpdateTrust { .. }
            | Job::FindRegistry { .. } => Some(Side::Source),
            Job::User { .. }
            | Job::ListKeys { .. }
            | Job::AccessKey { .. }
            | Job::Verify { .. }
            | Job::RotationSurvey { .. }
            | Job::RotateKey { .. } => Some(Side::Destination),
            _ if flow == FlowId::RepositorySharing => Some(Side::RepositoryOwner),
            _ => None,
        }
    }
}
