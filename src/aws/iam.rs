//! Steps 2–5: the IAM policies, role, user and access key of the curated-packages
//! procedure. Every call is safe to repeat: an entity that already exists is read
//! back and compared with what the step wants, then reported as identical or as
//! differing, never created twice and never overwritten without being asked.
//!
//! What is not safe to repeat (creating an access key or a policy version, deleting
//! anything) is sent once, without the SDK's retries. When its answer is lost, IAM is
//! read back and the report says what is true.
//!
//! Every policy, role and user created here carries the ownership tags
//! [`OWNERSHIP_TAGS`]; one found existing is reported as not created by ecr-share when
//! it lacks them.

use aws_config::SdkConfig;
use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::types::{PolicyVersion, Tag};
use serde_json::Value;

use super::error::{ANSWER_LOST, outcome_unknown};
use super::{CallError, CallReport, Outcome};
use crate::core::documents::{self, pretty};
use crate::core::regions::Partition;
use crate::core::secret::{AccessKeyPair, Secret};
use crate::core::validate::{AccountId, IamName, SizeLimit};

/// IAM allows a user two access keys.
pub const MAX_ACCESS_KEYS: usize = 2;
/// IAM keeps at most five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The tag that marks an IAM entity as made by this tool.
pub const MANAGED_BY_KEY: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "ecr-share";
/// The tag that names the procedure an IAM entity was made for.
pub const PROCEDURE_KEY: &str = "ecr-share:procedure";
pub const PROCEDURE_VALUE: &str = "curated-packages";
/// The tags on every IAM policy, role and user this tool creates, as (key, value).
pub const OWNERSHIP_TAGS: [(&str, &str); 2] = [
    (MANAGED_BY_KEY, MANAGED_BY_VALUE),
    (PROCEDURE_KEY, PROCEDURE_VALUE),
];
/// Added to what a report says of an existing entity without the ownership tags.
const NOT_OURS: &str = " (not created by ecr-share)";

/// IAM in one account: every ARN it builds names that account and partition.
#[derive(Debug, Clone)]
pub struct Iam {
    pub(super) client: aws_sdk_iam::Client,
    partition: Partition,
    account: AccountId,
    /// `--profile`/`--region` for the `aws` commands its messages suggest, so they
    /// act in this account when pasted.
    command_options: String,
}

/// What an `ensure_*` call found or did for one IAM entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ensured {
    /// The call and what it came to: done, already existed, exists and differs, failed.
    pub report: CallReport,
    /// The entity's ARN when it exists now, whether created or found.
    pub arn: Option<String>,
    /// When the entity exists but differs: the document it has now, pretty-printed.
    pub current: Option<String>,
    /// Whether the entity carries this tool's ownership tags: `Some(true)` when it
    /// was created here or is tagged `managed-by=ecr-share`, `Some(false)` when it
    /// exists without that tag, `None` when that is unknown (the call failed, or its
    /// tags could not be read).
    pub managed: Option<bool>,
}

/// One of a user's access keys, without its secret (which IAM never returns again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyInfo {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// When it was created, as an ISO 8601 date-time.
    pub created: Option<String>,
}

impl AccessKeyInfo {
    /// The key id with its status and age, as reports and confirmations show it.
    pub fn describe(&self) -> String {
        match &self.created {
            Some(created) => format!("{} ({}, created {created})", self.id, self.status),
            None => format!("{} ({})", self.id, self.status),
        }
    }
}

/// What `create_access_key` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessKey {
    pub report: CallReport,
    /// The new key pair, when one was created. Its secret is shown only once.
    pub key: Option<AccessKeyPair>,
    /// The keys the user had before.
    pub existing: Vec<AccessKeyInfo>,
    /// When an answer was lost: the calls made to find out what happened and to
    /// clean up (the lost attempt, `iam:ListAccessKeys`, `iam:DeleteAccessKey`), in
    /// order. Print them before `report`, which is the final `iam:CreateAccessKey`.
    pub recovered: Vec<CallReport>,
}

impl Iam {
    /// IAM with the credentials of `config`, which must act as `account`.
    pub fn new(config: &SdkConfig, partition: Partition, account: AccountId) -> Self {
        let region = config.region().map(ToString::to_string);
        Iam::with_client(aws_sdk_iam::Client::new(config), partition, account)
            .commands_as(None, region.as_deref())
    }

    /// Makes the `aws` commands its messages suggest name this profile (none: the
    /// default credentials) and region.
    pub fn commands_as(mut self, profile: Option<&str>, region: Option<&str>) -> Self {
        self.command_options = documents::aws_target_options(profile, region.unwrap_or("<REGION>"));
        self
    }

    /// `--profile`/`--region` as the `aws` commands in its messages carry them.
    pub fn command_options(&self) -> &str {
        &self.command_options
    }

    pub fn with_client(
        client: aws_sdk_iam::Client,
        partition: Partition,
        account: AccountId,
    ) -> Self {
        Iam {
            client,
            partition,
            account,
            command_options: documents::aws_target_options(None, "<REGION>"),
        }
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// `arn:<partition>:iam::<account>:policy/<name>`.
    pub fn policy_arn(&self, name: &IamName) -> String {
        format!("arn:{}:iam::{}:policy/{name}", self.partition, self.account)
    }

    /// Creates a managed policy, or finds the one by that name and compares its
    /// default version with `document`.
    pub async fn ensure_policy(&self, name: &IamName, document: &Value) -> Ensured {
        const CREATE: &str = "iam:CreatePolicy";
        let text = document.to_string();
        if let Err(invalid) = SizeLimit::ManagedPolicy.check(&text) {
            return failed(CREATE, name, CallError::new(CREATE, None, invalid.0));
        }
        let created = self
            .client
            .create_policy()
            .policy_name(name.as_str())
            .policy_document(text)
            .set_tags(Some(ownership_tags()))
            .send()
            .await;
        match created {
            Ok(output) => {
                let arn = output
                    .policy()
                    .and_then(|p| p.arn())
                    .map(str::to_string)
                    .unwrap_or_else(|| self.policy_arn(name));
                Ensured {
                    report: CallReport::new(
                        CREATE,
                        name.as_str(),
                        Outcome::Done(format!("created {arn}")),
                    ),
                    arn: Some(arn),
                    current: None,
                    managed: Some(true),
                }
            }
            Err(error) => {
                let error = CallError::from_sdk(CREATE, error);
                if !error.is("EntityAlreadyExists") {
                    return failed(CREATE, name, error);
                }
                match self.current_policy_document(name).await {
                    Err(error) => failed(CREATE, name, error),
                    Ok((arn, current)) => {
                        let managed = self.policy_managed(&arn).await;
                        compare(
                            CREATE,
                            name,
                            (arn, managed),
                            "policy document",
                            &current,
                            document,
                        )
                    }
                }
            }
        }
    }

    /// Whether a policy carries the ownership tag; `None` when its tags cannot be read.
    async fn policy_managed(&self, arn: &str) -> Option<bool> {
        let tags: Vec<Tag> = self
            .client
            .list_policy_tags()
            .policy_arn(arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .ok()?;
        Some(is_managed(&tags))
    }

    /// The ARN and default-version document of an existing policy.
    async fn current_policy_document(&self, name: &IamName) -> Result<(String, Value), CallError> {
        const GET: &str = "iam:GetPolicy";
        let arn = self.find_policy_arn(name).await?;
        let policy = self
            .client
            .get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| CallError::from_sdk(GET, e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or_else(|| CallError::new(GET, None, format!("{arn} has no default version")))?;
        let document = self.policy_version_document(&arn, version).await?;
        Ok((arn, document))
    }

    /// The policy's ARN: the usual one, else found by name (a policy created under a
    /// path has the path in its ARN).
    pub(super) async fn find_policy_arn(&self, name: &IamName) -> Result<String, CallError> {
        const LIST: &str = "iam:ListPolicies";
        let arn = self.policy_arn(name);
        match self.client.get_policy().policy_arn(&arn).send().await {
            Ok(_) => return Ok(arn),
            Err(error) => {
                let error = CallError::from_sdk("iam:GetPolicy", error);
                if !error.is("NoSuchEntity") {
                    return Err(error);
                }
            }
        }
        let policies = self
            .client
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk(LIST, e))?;
        policies
            .iter()
            .find(|p| p.policy_name() == Some(name.as_str()))
            .and_then(|p| p.arn())
            .map(str::to_string)
            .ok_or_else(|| {
                CallError::new(
                    LIST,
                    Some("NoSuchEntity"),
                    format!("IAM says policy {name} exists but lists no policy by that name"),
                )
            })
    }

    pub(super) async fn policy_version_document(
        &self,
        arn: &str,
        version: &str,
    ) -> Result<Value, CallError> {
        const GET: &str = "iam:GetPolicyVersion";
        let output = self
            .client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| CallError::from_sdk(GET, e))?;
        let encoded = output
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| CallError::new(GET, None, format!("{arn} {version} has no document")))?;
        decode_document(GET, encoded)
    }

    /// Makes `document` the policy's default version. IAM keeps five versions, so at
    /// five the oldest version that is not the default is deleted first. Neither call
    /// is repeated blindly: when an answer is lost, the versions are read back.
    pub async fn update_policy(&self, policy_arn: &str, document: &Value) -> Vec<CallReport> {
        const LIST: &str = "iam:ListPolicyVersions";
        let mut reports = Vec::new();
        let mut versions = match self.policy_versions(policy_arn).await {
            Ok(versions) => versions,
            Err(error) => {
                reports.push(CallReport::new(LIST, policy_arn, Outcome::Failed(error)));
                return reports;
            }
        };
        if versions.len() >= MAX_POLICY_VERSIONS {
            let oldest = versions
                .iter()
                .filter(|v| !v.is_default_version())
                .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())))
                .and_then(|v| v.version_id())
                .map(str::to_string);
            if let Some(version_id) = oldest {
                let report = self.delete_policy_version(policy_arn, &version_id).await;
                let stop = report.outcome.is_failure();
                reports.push(report);
                if stop {
                    return reports;
                }
                versions.retain(|v| v.version_id() != Some(version_id.as_str()));
            }
        }
        reports.push(
            self.create_policy_version(policy_arn, document, &versions)
                .await,
        );
        reports
    }

    /// The policy's versions, without their documents.
    pub(super) async fn policy_versions(
        &self,
        policy_arn: &str,
    ) -> Result<Vec<PolicyVersion>, CallError> {
        self.client
            .list_policy_versions()
            .policy_arn(policy_arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk("iam:ListPolicyVersions", e))
    }

    /// Deletes one version, sent once; a lost answer is settled by listing the versions.
    async fn delete_policy_version(&self, policy_arn: &str, version_id: &str) -> CallReport {
        const DELETE: &str = "iam:DeletePolicyVersion";
        let done = format!(
            "deleted {version_id}, the oldest of {MAX_POLICY_VERSIONS} versions, to make room"
        );
        let deleted = self
            .client
            .delete_policy_version()
            .policy_arn(policy_arn)
            .version_id(version_id)
            .customize()
            .config_override(once())
            .send()
            .await;
        let outcome = match deleted {
            Ok(_) => Outcome::Done(done),
            Err(error) if outcome_unknown(&error) => {
                let lost = CallError::from_sdk(DELETE, error);
                match self.policy_versions(policy_arn).await {
                    Ok(now) if !now.iter().any(|v| v.version_id() == Some(version_id)) => {
                        Outcome::Done(format!(
                            "{done}; the answer was lost, the read-back shows {version_id} gone"
                        ))
                    }
                    Ok(_) => Outcome::Failed(CallError::new(
                        DELETE,
                        lost.code(),
                        format!(
                            "{}; the read-back shows {version_id} still there, so it was not deleted (checked)",
                            lost.message
                        ),
                    )),
                    Err(read) => Outcome::Failed(CallError::new(
                        DELETE,
                        Some(ANSWER_LOST),
                        format!(
                            "{}; reading the versions back failed too ({read}), so {version_id} may or may not be deleted",
                            lost.message
                        ),
                    )),
                }
            }
            Err(error) => Outcome::Failed(CallError::from_sdk(DELETE, error)),
        };
        CallReport::new(DELETE, policy_arn, outcome)
    }

    /// Creates a version as the default, sent once. When the answer is lost, the
    /// versions are listed: one that was not in `before` and holds `document` is the
    /// one the lost call created, and is reported instead of creating another.
    async fn create_policy_version(
        &self,
        policy_arn: &str,
        document: &Value,
        before: &[PolicyVersion],
    ) -> CallReport {
        const CREATE: &str = "iam:CreatePolicyVersion";
        let created = self
            .client
            .create_policy_version()
            .policy_arn(policy_arn)
            .policy_document(document.to_string())
            .set_as_default(true)
            .customize()
            .config_override(once())
            .send()
            .await;
        let outcome = match created {
            Ok(output) => Outcome::Done(format!(
                "{} is now the default version",
                output
                    .policy_version()
                    .and_then(|v| v.version_id())
                    .unwrap_or("the new version")
            )),
            Err(error) if outcome_unknown(&error) => {
                let lost = CallError::from_sdk(CREATE, error);
                self.created_version(policy_arn, document, before, lost)
                    .await
            }
            Err(error) => Outcome::Failed(CallError::from_sdk(CREATE, error)),
        };
        CallReport::new(CREATE, policy_arn, outcome)
    }

    /// What a `CreatePolicyVersion` whose answer was lost came to, read back.
    async fn created_version(
        &self,
        policy_arn: &str,
        document: &Value,
        before: &[PolicyVersion],
        lost: CallError,
    ) -> Outcome {
        const CREATE: &str = "iam:CreatePolicyVersion";
        let unknown = |why: String| {
            Outcome::Failed(CallError::new(
                CREATE,
                Some(ANSWER_LOST),
                format!("{}; {why}", lost.message),
            ))
        };
        let now = match self.policy_versions(policy_arn).await {
            Ok(now) => now,
            Err(read) => {
                return unknown(format!(
                    "reading the versions back failed too ({read}), so a new version may or may not exist"
                ));
            }
        };
        let new: Vec<&PolicyVersion> = now
            .iter()
            .filter(|v| {
                v.version_id()
                    .is_some_and(|id| !before.iter().any(|b| b.version_id() == Some(id)))
            })
            .collect();
        if new.is_empty() {
            return Outcome::Failed(CallError::new(
                CREATE,
                lost.code(),
                format!(
                    "{}; the read-back shows no new version, so none was created (checked)",
                    lost.message
                ),
            ));
        }
        for version in &new {
            let id = version.version_id().unwrap_or_default();
            match self.policy_version_document(policy_arn, id).await {
                Ok(found) if same_policy(&found, document) => {
                    return if version.is_default_version() {
                        Outcome::Done(format!(
                            "{id} is now the default version; the answer was lost, the read-back shows it"
                        ))
                    } else {
                        unknown(format!(
                            "the read-back shows {id} with this document, but it is not the default version; make it the default with aws iam set-default-policy-version --policy-arn {policy_arn} --version-id {id}{}",
                            self.command_options
                        ))
                    };
                }
                Ok(_) => {}
                Err(read) => {
                    return unknown(format!(
                        "reading {id} back failed ({read}), so whether it holds this document is unknown"
                    ));
                }
            }
        }
        let ids: Vec<&str> = new.iter().filter_map(|v| v.version_id()).collect();
        unknown(format!(
            "the read-back shows new version {} holding another document",
            ids.join(", ")
        ))
    }

    /// Creates a role with `trust_policy`, or finds the one by that name and compares
    /// its trust policy.
    pub async fn ensure_role(&self, name: &IamName, trust_policy: &Value) -> Ensured {
        const CREATE: &str = "iam:CreateRole";
        const GET: &str = "iam:GetRole";
        let text = trust_policy.to_string();
        if let Err(invalid) = SizeLimit::TrustPolicy.check(&text) {
            return failed(CREATE, name, CallError::new(CREATE, None, invalid.0));
        }
        let created = self
            .client
            .create_role()
            .role_name(name.as_str())
            .assume_role_policy_document(text)
            .set_tags(Some(ownership_tags()))
            .send()
            .await;
        let error = match created {
            Ok(output) => {
                let arn = output.role().map(|r| r.arn().to_string());
                return Ensured {
                    report: CallReport::new(
                        CREATE,
                        name.as_str(),
                        Outcome::Done(format!("created {}", arn.as_deref().unwrap_or("the role"))),
                    ),
                    arn,
                    current: None,
                    managed: Some(true),
                };
            }
            Err(error) => CallError::from_sdk(CREATE, error),
        };
        if !error.is("EntityAlreadyExists") {
            return failed(CREATE, name, error);
        }
        let role = match self.client.get_role().role_name(name.as_str()).send().await {
            Ok(output) => output.role().cloned(),
            Err(error) => return failed(CREATE, name, CallError::from_sdk(GET, error)),
        };
        let Some(role) = role else {
            return failed(
                CREATE,
                name,
                CallError::new(GET, None, "the answer names no role"),
            );
        };
        let current = match role.assume_role_policy_document() {
            Some(encoded) => match decode_document(GET, encoded) {
                Ok(value) => value,
                Err(error) => return failed(CREATE, name, error),
            },
            None => Value::Null,
        };
        compare(
            CREATE,
            name,
            (role.arn().to_string(), Some(is_managed(role.tags()))),
            "trust policy",
            &current,
            trust_policy,
        )
    }

    /// Replaces the role's trust policy.
    pub async fn update_trust_policy(&self, name: &IamName, trust_policy: &Value) -> CallReport {
        const UPDATE: &str = "iam:UpdateAssumeRolePolicy";
        let outcome = match self
            .client
            .update_assume_role_policy()
            .role_name(name.as_str())
            .policy_document(trust_policy.to_string())
            .send()
            .await
        {
            Ok(_) => Outcome::Done("trust policy replaced".to_string()),
            Err(error) => Outcome::Failed(CallError::from_sdk(UPDATE, error)),
        };
        CallReport::new(UPDATE, name.as_str(), outcome)
    }

    /// Attaches a managed policy to a role, unless it is attached already.
    pub async fn attach_role_policy(&self, role: &IamName, policy_arn: &str) -> CallReport {
        const LIST: &str = "iam:ListAttachedRolePolicies";
        const ATTACH: &str = "iam:AttachRolePolicy";
        let attached = self
            .client
            .list_attached_role_policies()
            .role_name(role.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let subject = format!("{policy_arn} to {role}");
        match attached {
            Err(error) => CallReport::new(
                ATTACH,
                subject,
                Outcome::Failed(CallError::from_sdk(LIST, error)),
            ),
            Ok(list) if list.iter().any(|p| p.policy_arn() == Some(policy_arn)) => CallReport::new(
                ATTACH,
                subject,
                Outcome::AlreadyExisted("already attached".to_string()),
            ),
            Ok(_) => {
                let outcome = match self
                    .client
                    .attach_role_policy()
                    .role_name(role.as_str())
                    .policy_arn(policy_arn)
                    .send()
                    .await
                {
                    Ok(_) => Outcome::Done("attached".to_string()),
                    Err(error) => Outcome::Failed(CallError::from_sdk(ATTACH, error)),
                };
                CallReport::new(ATTACH, subject, outcome)
            }
        }
    }

    /// Creates a user, or finds the one by that name.
    pub async fn ensure_user(&self, name: &IamName) -> Ensured {
        const CREATE: &str = "iam:CreateUser";
        const GET: &str = "iam:GetUser";
        let error = match self
            .client
            .create_user()
            .user_name(name.as_str())
            .set_tags(Some(ownership_tags()))
            .send()
            .await
        {
            Ok(output) => {
                let arn = output.user().map(|u| u.arn().to_string());
                return Ensured {
                    report: CallReport::new(
                        CREATE,
                        name.as_str(),
                        Outcome::Done(format!("created {}", arn.as_deref().unwrap_or("the user"))),
                    ),
                    arn,
                    current: None,
                    managed: Some(true),
                };
            }
            Err(error) => CallError::from_sdk(CREATE, error),
        };
        if !error.is("EntityAlreadyExists") {
            return failed(CREATE, name, error);
        }
        match self.client.get_user().user_name(name.as_str()).send().await {
            Ok(output) => {
                let arn = output.user().map(|u| u.arn().to_string());
                let managed = output.user().map(|u| is_managed(u.tags()));
                let note = if managed == Some(false) { NOT_OURS } else { "" };
                Ensured {
                    report: CallReport::new(
                        CREATE,
                        name.as_str(),
                        Outcome::AlreadyExisted(format!(
                            "{} exists{note}; reused",
                            arn.as_deref().unwrap_or("the user")
                        )),
                    ),
                    arn,
                    current: None,
                    managed,
                }
            }
            Err(error) => failed(CREATE, name, CallError::from_sdk(GET, error)),
        }
    }

    /// Attaches a managed policy to a user, unless it is attached already.
    pub async fn attach_user_policy(&self, user: &IamName, policy_arn: &str) -> CallReport {
        const LIST: &str = "iam:ListAttachedUserPolicies";
        const ATTACH: &str = "iam:AttachUserPolicy";
        let attached = self
            .client
            .list_attached_user_policies()
            .user_name(user.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await;
        let subject = format!("{policy_arn} to {user}");
        match attached {
            Err(error) => CallReport::new(
                ATTACH,
                subject,
                Outcome::Failed(CallError::from_sdk(LIST, error)),
            ),
            Ok(list) if list.iter().any(|p| p.policy_arn() == Some(policy_arn)) => CallReport::new(
                ATTACH,
                subject,
                Outcome::AlreadyExisted("already attached".to_string()),
            ),
            Ok(_) => {
                let outcome = match self
                    .client
                    .attach_user_policy()
                    .user_name(user.as_str())
                    .policy_arn(policy_arn)
                    .send()
                    .await
                {
                    Ok(_) => Outcome::Done("attached".to_string()),
                    Err(error) => Outcome::Failed(CallError::from_sdk(ATTACH, error)),
                };
                CallReport::new(ATTACH, subject, outcome)
            }
        }
    }

    /// The user's access keys, without secrets.
    pub async fn list_access_keys(&self, user: &IamName) -> Result<Vec<AccessKeyInfo>, CallError> {
        const LIST: &str = "iam:ListAccessKeys";
        let keys = self
            .client
            .list_access_keys()
            .user_name(user.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk(LIST, e))?;
        Ok(keys
            .iter()
            .filter_map(|key| {
                Some(AccessKeyInfo {
                    id: key.access_key_id()?.to_string(),
                    status: key
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "unknown status".to_string()),
                    created: key
                        .create_date()
                        .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
                })
            })
            .collect())
    }

    /// Creates an access key for the user. The user's keys are listed first: at IAM's
    /// limit of two nothing is created and the report names the keys to choose from.
    ///
    /// The call is sent once, without the SDK's retries. When its answer is lost, the
    /// user's keys are listed again: a key that appeared meanwhile was created by the
    /// lost call and its secret can never be read, so it is deleted, and the key is
    /// created again, once. Every call made is in `recovered`.
    pub async fn create_access_key(&self, user: &IamName) -> NewAccessKey {
        const CREATE: &str = "iam:CreateAccessKey";
        const LIST: &str = "iam:ListAccessKeys";
        const ATTEMPTS: usize = 2;
        let existing = match self.list_access_keys(user).await {
            Ok(keys) => keys,
            Err(error) => {
                return NewAccessKey {
                    report: CallReport::new(CREATE, user.as_str(), Outcome::Failed(error)),
                    key: None,
                    existing: Vec::new(),
                    recovered: Vec::new(),
                };
            }
        };
        if existing.len() >= MAX_ACCESS_KEYS {
            let error = CallError::new(
                CREATE,
                Some("LimitExceeded"),
                key_limit_message(user, &existing, &self.command_options),
            );
            return NewAccessKey {
                report: CallReport::new(CREATE, user.as_str(), Outcome::Failed(error)),
                key: None,
                existing,
                recovered: Vec::new(),
            };
        }
        let mut recovered = Vec::new();
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            let created = self
                .client
                .create_access_key()
                .user_name(user.as_str())
                .customize()
                .config_override(once())
                .send()
                .await;
            let error = match created {
                Ok(output) => {
                    let (outcome, key) = new_key(output.access_key(), &existing);
                    return NewAccessKey {
                        report: CallReport::new(CREATE, user.as_str(), outcome),
                        key,
                        existing,
                        recovered,
                    };
                }
                Err(error) => error,
            };
            let unknown = outcome_unknown(&error);
            let lost = CallError::from_sdk(CREATE, error);
            if !unknown {
                break Outcome::Failed(lost);
            }
            let now = match self.list_access_keys(user).await {
                Ok(now) => now,
                Err(read) => {
                    recovered.push(CallReport::new(
                        CREATE,
                        user.as_str(),
                        Outcome::Failed(lost.clone()),
                    ));
                    recovered.push(CallReport::new(
                        LIST,
                        user.as_str(),
                        Outcome::Failed(read.clone()),
                    ));
                    break Outcome::Failed(CallError::new(
                        CREATE,
                        Some(ANSWER_LOST),
                        format!(
                            "{}; listing the user's keys back failed too ({read}), so a key may have been created whose secret can never be read: check with aws iam list-access-keys --user-name {user}{} and delete any key nobody holds",
                            lost.message, self.command_options
                        ),
                    ));
                }
            };
            let stray: Vec<&AccessKeyInfo> = now
                .iter()
                .filter(|key| !existing.iter().any(|old| old.id == key.id))
                .collect();
            let first = if stray.is_empty() {
                Outcome::Ok(format!(
                    "{}; the read-back shows no new key, so none was created (checked)",
                    lost.message
                ))
            } else {
                let ids: Vec<&str> = stray.iter().map(|k| k.id.as_str()).collect();
                Outcome::Done(format!(
                    "{}; the call took effect nevertheless: key {} appeared",
                    lost.message,
                    ids.join(", ")
                ))
            };
            recovered.push(CallReport::new(CREATE, user.as_str(), first));
            let listed = if now.is_empty() {
                "the user has no access key".to_string()
            } else {
                let keys: Vec<String> = now.iter().map(AccessKeyInfo::describe).collect();
                format!("the user has {}", keys.join(", "))
            };
            recovered.push(CallReport::new(LIST, user.as_str(), Outcome::Ok(listed)));
            let mut kept = None;
            for key in stray {
                let report = self.delete_stray_key(user, &key.id).await;
                if report.outcome.is_failure() && kept.is_none() {
                    kept = Some(key.id.clone());
                }
                recovered.push(report);
            }
            if let Some(id) = kept {
                break Outcome::Failed(CallError::new(
                    CREATE,
                    Some(ANSWER_LOST),
                    format!(
                        "the answer was lost and key {id}, which appeared meanwhile, could not be deleted; its secret can never be read: delete it (aws iam delete-access-key --user-name {user} --access-key-id {id}{}) and run again",
                        self.command_options
                    ),
                ));
            }
            if attempt >= ATTEMPTS {
                break Outcome::Failed(CallError::new(
                    CREATE,
                    lost.code(),
                    format!(
                        "the answer was lost {ATTEMPTS} times in a row; every key that appeared meanwhile was deleted, and no key was created: run again"
                    ),
                ));
            }
        };
        NewAccessKey {
            report: CallReport::new(CREATE, user.as_str(), outcome),
            key: None,
            existing,
            recovered,
        }
    }

    /// Deletes a new key whose secret could not be saved: nobody could ever use it,
    /// and it would only count against IAM's limit of two.
    pub async fn delete_unsaved_key(&self, user: &IamName, id: &str) -> CallReport {
        let mut report = self.delete_stray_key(user, id).await;
        if let Outcome::Done(_) = report.outcome {
            report.outcome = Outcome::Done(format!(
                "deleted {id}: its secret could not be saved, so nobody could ever use it"
            ));
        }
        report
    }

    /// Deletes a key that appeared during a lost `CreateAccessKey`: nobody can ever
    /// read its secret. Sent once; a lost answer is settled by listing the keys.
    async fn delete_stray_key(&self, user: &IamName, id: &str) -> CallReport {
        const DELETE: &str = "iam:DeleteAccessKey";
        let done = format!(
            "the answer was lost; key {id} appeared and was deleted because its secret can never be read"
        );
        let deleted = self
            .client
            .delete_access_key()
            .user_name(user.as_str())
            .access_key_id(id)
            .customize()
            .config_override(once())
            .send()
            .await;
        let outcome = match deleted {
            Ok(_) => Outcome::Done(done),
            Err(error) if outcome_unknown(&error) => {
                let lost = CallError::from_sdk(DELETE, error);
                match self.list_access_keys(user).await {
                    Ok(now) if !now.iter().any(|k| k.id == id) => Outcome::Done(format!(
                        "{done} (the answer to the deletion was lost too; the read-back shows the key gone)"
                    )),
                    Ok(_) => Outcome::Failed(CallError::new(
                        DELETE,
                        lost.code(),
                        format!(
                            "{}; the read-back shows key {id} still there, so it was not deleted (checked)",
                            lost.message
                        ),
                    )),
                    Err(read) => Outcome::Failed(CallError::new(
                        DELETE,
                        Some(ANSWER_LOST),
                        format!(
                            "{}; listing the keys back failed too ({read}), so key {id} may or may not be deleted",
                            lost.message
                        ),
                    )),
                }
            }
            Err(error) => Outcome::Failed(CallError::from_sdk(DELETE, error)),
        };
        CallReport::new(DELETE, format!("{id} of {user}"), outcome)
    }
}

/// The report of a `CreateAccessKey` answer and the key pair in it.
fn new_key(
    key: Option<&aws_sdk_iam::types::AccessKey>,
    existing: &[AccessKeyInfo],
) -> (Outcome, Option<AccessKeyPair>) {
    let Some(key) = key else {
        return (
            Outcome::Failed(CallError::new(
                "iam:CreateAccessKey",
                None,
                "the answer holds no access key",
            )),
            None,
        );
    };
    let pair = AccessKeyPair {
        access_key_id: key.access_key_id().to_string(),
        secret_access_key: Secret::new(key.secret_access_key()),
    };
    let mut text = format!("created {}", pair.access_key_id);
    if !existing.is_empty() {
        let others: Vec<String> = existing.iter().map(AccessKeyInfo::describe).collect();
        text.push_str(&format!("; the user also has {}", others.join(", ")));
    }
    (Outcome::Done(text), Some(pair))
}

/// Why no key can be created for a user who has two already. `command_options` are
/// the `--profile`/`--region` of the suggested `aws` command
/// ([`Iam::command_options`]).
pub fn key_limit_message(
    user: &IamName,
    existing: &[AccessKeyInfo],
    command_options: &str,
) -> String {
    let keys: Vec<String> = existing.iter().map(AccessKeyInfo::describe).collect();
    let example = existing
        .first()
        .map_or("<ACCESS_KEY_ID>", |k| k.id.as_str());
    format!(
        "user {user} already has {} access keys, the most IAM allows: {}. Delete one that is no longer used (aws iam delete-access-key --user-name {user} --access-key-id {example}{command_options}) and run again",
        existing.len(),
        keys.join(", ")
    )
}

fn failed(call: &str, subject: &IamName, error: CallError) -> Ensured {
    Ensured {
        report: CallReport::new(call, subject.as_str(), Outcome::Failed(error)),
        arn: None,
        current: None,
        managed: None,
    }
}

/// The ownership tags as IAM takes them.
fn ownership_tags() -> Vec<Tag> {
    OWNERSHIP_TAGS
        .iter()
        .filter_map(|(key, value)| Tag::builder().key(*key).value(*value).build().ok())
        .collect()
}

/// Whether tags mark an entity as made by this tool.
fn is_managed(tags: &[Tag]) -> bool {
    tags.iter()
        .any(|tag| tag.key() == MANAGED_BY_KEY && tag.value() == MANAGED_BY_VALUE)
}

/// The retry setting for one call that must not be sent twice blindly.
pub(super) fn once() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// Reports an existing entity (its ARN and whether it carries the ownership tag) as
/// identical or differing from what the step wants.
fn compare(
    call: &str,
    name: &IamName,
    (arn, managed): (String, Option<bool>),
    what: &str,
    current: &Value,
    wanted: &Value,
) -> Ensured {
    let note = if managed == Some(false) { NOT_OURS } else { "" };
    if same_policy(current, wanted) {
        return Ensured {
            report: CallReport::new(
                call,
                name.as_str(),
                Outcome::AlreadyExisted(format!("{arn} exists{note} with the same {what}; reused")),
            ),
            arn: Some(arn),
            current: None,
            managed,
        };
    }
    let current_text = pretty(current);
    let diff = similar::TextDiff::from_lines(&current_text, &pretty(wanted))
        .unified_diff()
        .header("current", "wanted")
        .to_string();
    Ensured {
        report: CallReport::new(
            call,
            name.as_str(),
            Outcome::Differs(format!(
                "{arn} exists{note}, but its {what} differs from the one this step writes; nothing was changed. Use another name, or replace the document if it is yours to change.\n{diff}"
            )),
        ),
        arn: Some(arn),
        current: Some(current_text),
        managed,
    }
}

/// IAM returns documents URL-encoded.
pub(super) fn decode_document(call: &str, encoded: &str) -> Result<Value, CallError> {
    let text = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&text).map_err(|e| {
        CallError::new(
            call,
            None,
            format!("the policy document IAM returned is not JSON: {e}"),
        )
    })
}

/// Whether two policy documents mean the same. IAM treats a one-item list as the
/// item itself and lists of actions or resources as sets, so `"Action": "x"` and
/// `"Action": ["x"]` are the same policy.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            if items.iter().all(Value::is_string) {
                items.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
                items.dedup();
            }
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

/// An IAM client of account 111111111111 whose answers come from `rules`
/// (aws-smithy-mocks), with the tool's retries on a short backoff: the unit tests of
/// the IAM calls run against it.
#[cfg(test)]
pub(crate) fn mocked_iam(rules: &[&aws_smithy_mocks::Rule]) -> Iam {
    use aws_smithy_mocks::{MockResponseInterceptor, RuleMode, create_mock_http_client};

    let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for rule in rules {
        interceptor = interceptor.with_rule(rule);
    }
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .http_client(create_mock_http_client())
        .interceptor(interceptor)
        // The tool's retries, with a short backoff: a call sent once shows it.
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(crate::aws::MAX_ATTEMPTS)
                .with_initial_backoff(std::time::Duration::from_millis(1))
                .with_max_backoff(std::time::Duration::from_millis(5)),
        )
        .build();
    Iam::with_client(
        aws_sdk_iam::Client::from_conf(config),
        Partition::Aws,
        AccountId::parse("111111111111").unwrap(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::create_policy::CreatePolicyError;
    use aws_sdk_iam::operation::create_policy_version::CreatePolicyVersionOutput;
    use aws_sdk_iam::operation::delete_policy_version::DeletePolicyVersionOutput;
    use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
    use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
    use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
    use aws_sdk_iam::operation::list_policy_tags::ListPolicyTagsOutput;
    use aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput;
    use aws_sdk_iam::types::{AccessKeyMetadata, Policy, PolicyVersion, StatusType};
    use aws_smithy_mocks::{Rule, mock};
    use aws_smithy_types::DateTime;
    use aws_smithy_types::error::ErrorMetadata;
    use serde_json::json;

    use super::mocked_iam as iam;

    const ARN: &str = "arn:aws:iam::111111111111:policy/curated-packages-policy";

    fn name(text: &str) -> IamName {
        IamName::parse(crate::core::validate::IamKind::Policy, text).unwrap()
    }

    fn already_exists() -> Rule {
        mock!(aws_sdk_iam::Client::create_policy).then_error(|| {
            CreatePolicyError::generic(
                ErrorMetadata::builder()
                    .code("EntityAlreadyExists")
                    .message("exists")
                    .build(),
            )
        })
    }

    fn existing_policy(document: &'static str) -> [Rule; 3] {
        [
            mock!(aws_sdk_iam::Client::list_policy_tags)
                .match_requests(|input| input.policy_arn() == Some(ARN))
                .then_output(|| {
                    ListPolicyTagsOutput::builder()
                        .tags(
                            Tag::builder()
                                .key("team")
                                .value("platform")
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap()
                }),
            mock!(aws_sdk_iam::Client::get_policy)
                .match_requests(|input| input.policy_arn() == Some(ARN))
                .then_output(|| {
                    GetPolicyOutput::builder()
                        .policy(Policy::builder().arn(ARN).default_version_id("v3").build())
                        .build()
                }),
            mock!(aws_sdk_iam::Client::get_policy_version)
                .match_requests(|input| input.version_id() == Some("v3"))
                .then_output(move || {
                    GetPolicyVersionOutput::builder()
                        .policy_version(
                            PolicyVersion::builder()
                                .document(document)
                                .version_id("v3")
                                .build(),
                        )
                        .build()
                }),
        ]
    }

    #[tokio::test]
    async fn an_existing_policy_with_the_same_meaning_is_reused() {
        // URL-encoded as IAM returns it; a one-item list where the wanted document has a string.
        let [tags, get, version] = existing_policy(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%2C%22Resource%22%3A%22arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fr%22%7D%5D%7D",
        );
        let create = already_exists();
        let wanted = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111111111111:role/r"}});
        let ensured = iam(&[&create, &tags, &get, &version])
            .ensure_policy(&name("curated-packages-policy"), &wanted)
            .await;
        assert!(
            matches!(ensured.report.outcome, Outcome::AlreadyExisted(_)),
            "{:?}",
            ensured.report
        );
        assert_eq!(ensured.arn.as_deref(), Some(ARN));
        assert_eq!(version.num_calls(), 1);
        assert_eq!(ensured.managed, Some(false), "tagged, but not by ecr-share");
        assert!(
            ensured
                .report
                .outcome
                .detail()
                .contains("exists (not created by ecr-share) with the same policy document"),
            "{:?}",
            ensured.report
        );
    }

    #[tokio::test]
    async fn an_existing_policy_that_differs_is_reported_with_a_diff() {
        let [tags, get, version] = existing_policy(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D",
        );
        let create = already_exists();
        let wanted = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
        let ensured = iam(&[&create, &tags, &get, &version])
            .ensure_policy(&name("curated-packages-policy"), &wanted)
            .await;
        let Outcome::Differs(text) = &ensured.report.outcome else {
            panic!("expected differs: {:?}", ensured.report);
        };
        assert!(text.contains("-    \"Effect\": \"Deny\""), "{text}");
        assert!(text.contains("+    \"Effect\": \"Allow\""), "{text}");
        assert!(ensured.current.unwrap().contains("Deny"));
    }

    #[tokio::test]
    async fn a_sixth_version_first_deletes_the_oldest_that_is_not_default() {
        let list = mock!(aws_sdk_iam::Client::list_policy_versions).then_output(|| {
            let version = |id: &str, secs: i64, default: bool| {
                PolicyVersion::builder()
                    .version_id(id)
                    .create_date(DateTime::from_secs(secs))
                    .is_default_version(default)
                    .build()
            };
            ListPolicyVersionsOutput::builder()
                .versions(version("v5", 500, true))
                .versions(version("v4", 400, false))
                .versions(version("v1", 100, false))
                .versions(version("v3", 300, false))
                .versions(version("v2", 200, false))
                .build()
        });
        let delete = mock!(aws_sdk_iam::Client::delete_policy_version)
            .match_requests(|input| input.version_id() == Some("v1"))
            .then_output(|| DeletePolicyVersionOutput::builder().build());
        let create = mock!(aws_sdk_iam::Client::create_policy_version)
            .match_requests(|input| input.set_as_default() == Some(true))
            .then_output(|| {
                CreatePolicyVersionOutput::builder()
                    .policy_version(PolicyVersion::builder().version_id("v6").build())
                    .build()
            });
        let reports = iam(&[&list, &delete, &create])
            .update_policy(ARN, &json!({}))
            .await;
        let calls: Vec<&str> = reports.iter().map(|r| r.call.as_str()).collect();
        assert_eq!(
            calls,
            ["iam:DeletePolicyVersion", "iam:CreatePolicyVersion"]
        );
        assert!(
            reports.iter().all(|r| !r.outcome.is_failure()),
            "{reports:?}"
        );
        assert!(reports[1].outcome.detail().contains("v6"));
        assert_eq!(delete.num_calls(), 1);
    }

    fn keys(ids: &'static [&'static str]) -> Rule {
        mock!(aws_sdk_iam::Client::list_access_keys).then_output(move || {
            let mut output = ListAccessKeysOutput::builder();
            for id in ids {
                output = output.access_key_metadata(
                    AccessKeyMetadata::builder()
                        .access_key_id(*id)
                        .status(StatusType::Active)
                        .create_date(DateTime::from_secs(1_700_000_000))
                        .build(),
                );
            }
            output.build().unwrap()
        })
    }

    #[tokio::test]
    async fn at_two_keys_nothing_is_created_and_the_keys_are_named() {
        let list = keys(&["AKIAFIRST", "AKIASECOND"]);
        let create = mock!(aws_sdk_iam::Client::create_access_key)
            .then_output(|| unreachable!("no key may be created"));
        let user = name("curated-packages-user");
        let key = iam(&[&list, &create]).create_access_key(&user).await;
        assert_eq!(key.key, None);
        let Outcome::Failed(error) = &key.report.outcome else {
            panic!("expected a failure: {:?}", key.report);
        };
        assert!(error.is("LimitExceeded"));
        assert!(
            error.message.contains("AKIAFIRST") && error.message.contains("AKIASECOND"),
            "{error}"
        );
        assert!(error.message.contains("delete-access-key"), "{error}");
        assert_eq!(create.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_second_key_says_the_user_has_another() {
        let list = keys(&["AKIAFIRST"]);
        let create = mock!(aws_sdk_iam::Client::create_access_key).then_output(|| {
            aws_sdk_iam::operation::create_access_key::CreateAccessKeyOutput::builder()
                .access_key(
                    aws_sdk_iam::types::AccessKey::builder()
                        .user_name("curated-packages-user")
                        .access_key_id("AKIANEW")
                        .secret_access_key("very-secret-value")
                        .status(StatusType::Active)
                        .build()
                        .unwrap(),
                )
                .build()
        });
        let key = iam(&[&list, &create])
            .create_access_key(&name("curated-packages-user"))
            .await;
        let pair = key.key.unwrap();
        assert_eq!(pair.access_key_id, "AKIANEW");
        assert_eq!(pair.secret_access_key.expose(), "very-secret-value");
        let detail = key.report.outcome.detail();
        assert!(detail.contains("also has AKIAFIRST"), "{detail}");
        assert!(!format!("{:?}", key.report).contains("very-secret-value"));
    }

    /// An answer IAM gives when it failed inside: the SDK would retry it.
    fn server_error() -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
        aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>internal failure</Message></Error><RequestId>1</RequestId></ErrorResponse>",
            ),
        )
    }

    fn version(id: &str, default: bool) -> PolicyVersion {
        PolicyVersion::builder()
            .version_id(id)
            .is_default_version(default)
            .build()
    }

    #[tokio::test]
    async fn a_policy_version_whose_answer_is_lost_is_read_back_not_created_again() {
        let list = mock!(aws_sdk_iam::Client::list_policy_versions)
            .sequence()
            .output(|| {
                ListPolicyVersionsOutput::builder()
                    .versions(version("v1", true))
                    .build()
            })
            .output(|| {
                ListPolicyVersionsOutput::builder()
                    .versions(version("v1", false))
                    .versions(version("v2", true))
                    .build()
            })
            .build();
        let create =
            mock!(aws_sdk_iam::Client::create_policy_version).then_http_response(server_error);
        let read = mock!(aws_sdk_iam::Client::get_policy_version)
            .match_requests(|input| input.version_id() == Some("v2"))
            .then_output(|| {
                GetPolicyVersionOutput::builder()
                    .policy_version(
                        PolicyVersion::builder()
                            .version_id("v2")
                            .document("%7B%22Statement%22%3A%5B%5D%7D")
                            .build(),
                    )
                    .build()
            });
        let reports = iam(&[&list, &create, &read])
            .update_policy(ARN, &json!({"Statement": []}))
            .await;
        assert_eq!(create.num_calls(), 1, "sent once, not retried");
        assert_eq!(list.num_calls(), 2, "listed, then read back");
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(reports[0].call, "iam:CreatePolicyVersion");
        assert_eq!(
            reports[0].outcome,
            Outcome::Done(
                "v2 is now the default version; the answer was lost, the read-back shows it".into()
            )
        );
    }

    #[tokio::test]
    async fn a_policy_version_not_created_after_a_lost_answer_says_it_checked() {
        let list = mock!(aws_sdk_iam::Client::list_policy_versions).then_output(|| {
            ListPolicyVersionsOutput::builder()
                .versions(version("v1", true))
                .build()
        });
        let create =
            mock!(aws_sdk_iam::Client::create_policy_version).then_http_response(server_error);
        let reports = iam(&[&list, &create])
            .update_policy(ARN, &json!({"Statement": []}))
            .await;
        assert_eq!(create.num_calls(), 1);
        let Outcome::Failed(error) = &reports[0].outcome else {
            panic!("{reports:?}")
        };
        assert!(
            error
                .message
                .contains("no new version, so none was created (checked)"),
            "{error}"
        );
        assert!(!error.is(ANSWER_LOST));
    }

    #[tokio::test]
    async fn a_refused_policy_version_is_not_read_back() {
        let list = mock!(aws_sdk_iam::Client::list_policy_versions).then_output(|| {
            ListPolicyVersionsOutput::builder()
                .versions(version("v1", true))
                .build()
        });
        let create = mock!(aws_sdk_iam::Client::create_policy_version).then_error(|| {
            aws_sdk_iam::operation::create_policy_version::CreatePolicyVersionError::generic(
                ErrorMetadata::builder()
                    .code("MalformedPolicyDocument")
                    .message("bad")
                    .build(),
            )
        });
        let reports = iam(&[&list, &create])
            .update_policy(ARN, &json!({"Statement": []}))
            .await;
        assert_eq!(list.num_calls(), 1, "AWS answered: nothing to read back");
        let Outcome::Failed(error) = &reports[0].outcome else {
            panic!("{reports:?}")
        };
        assert!(error.is("MalformedPolicyDocument"));
    }

    #[tokio::test]
    async fn a_key_created_by_a_call_whose_answer_was_lost_is_deleted_and_made_again_once() {
        let list = mock!(aws_sdk_iam::Client::list_access_keys)
            .sequence()
            .output(|| {
                ListAccessKeysOutput::builder()
                    .set_access_key_metadata(Some(Vec::new()))
                    .build()
                    .unwrap()
            })
            .output(|| {
                ListAccessKeysOutput::builder()
                    .access_key_metadata(
                        AccessKeyMetadata::builder()
                            .access_key_id("AKIASTRAY")
                            .status(StatusType::Active)
                            .build(),
                    )
                    .build()
                    .unwrap()
            })
            .build();
        let create = mock!(aws_sdk_iam::Client::create_access_key)
            .sequence()
            .http_response(server_error)
            .output(|| {
                aws_sdk_iam::operation::create_access_key::CreateAccessKeyOutput::builder()
                    .access_key(
                        aws_sdk_iam::types::AccessKey::builder()
                            .user_name("curated-packages-user")
                            .access_key_id("AKIANEW")
                            .secret_access_key("very-secret-value")
                            .status(StatusType::Active)
                            .build()
                            .unwrap(),
                    )
                    .build()
            })
            .build();
        let delete = mock!(aws_sdk_iam::Client::delete_access_key)
            .match_requests(|input| input.access_key_id() == Some("AKIASTRAY"))
            .then_output(|| {
                aws_sdk_iam::operation::delete_access_key::DeleteAccessKeyOutput::builder().build()
            });
        let key = iam(&[&list, &create, &delete])
            .create_access_key(&name("curated-packages-user"))
            .await;
        assert_eq!(create.num_calls(), 2, "the lost call and one fresh call");
        assert_eq!(delete.num_calls(), 1);
        assert_eq!(key.key.unwrap().access_key_id, "AKIANEW");
        let calls: Vec<&str> = key.recovered.iter().map(|r| r.call.as_str()).collect();
        assert_eq!(
            calls,
            [
                "iam:CreateAccessKey",
                "iam:ListAccessKeys",
                "iam:DeleteAccessKey"
            ]
        );
        assert_eq!(
            key.recovered[2].outcome,
            Outcome::Done(
                "the answer was lost; key AKIASTRAY appeared and was deleted because its secret can never be read"
                    .into()
            )
        );
        assert!(matches!(key.report.outcome, Outcome::Done(_)));
    }

    #[test]
    fn policies_compare_by_meaning() {
        assert!(same_policy(
            &json!({"Action": ["b", "a"], "Statement": [{"x": 1}]}),
            &json!({"Action": ["a", "b"], "Statement": {"x": 1}})
        ));
        assert!(!same_policy(
            &json!({"Action": ["a", "b"]}),
            &json!({"Action": ["a"]})
        ));
    }
}
