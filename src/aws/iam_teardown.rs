//! What teardown reads and deletes in IAM: everything about a role, a user and a
//! managed policy that decides whether it can be removed (its tags, its document,
//! what is attached to it, and everything that makes `DeleteRole` or `DeleteUser`
//! refuse), and the deletions themselves.
//!
//! Reading is plain: a read that fails is returned as the error, and the caller
//! changes nothing. Every deletion is sent once, without the SDK's retries. When its
//! answer is lost, IAM is read back and the report says what is true: gone, still
//! there (checked), or unknown.

use std::future::Future;

use aws_sdk_iam::types::Tag;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use super::error::{ANSWER_LOST, outcome_unknown};
use super::iam::{
    AccessKeyInfo, Iam, MANAGED_BY_KEY, MANAGED_BY_VALUE, PROCEDURE_KEY, PROCEDURE_VALUE,
    decode_document, once,
};
use super::{CallError, CallReport, Outcome};
use crate::core::validate::IamName;

const NO_SUCH_ENTITY: &str = "NoSuchEntity";

/// A role by the procedure's name, as IAM holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleFacts {
    pub arn: String,
    /// Whether it carries both of ecr-share's ownership tags.
    pub tagged: bool,
    /// Its trust policy, decoded.
    pub trust: Value,
    /// The ARN of its permissions boundary, if it has one.
    pub boundary: Option<String>,
    /// The ARNs of the managed policies attached to it.
    pub attached: Vec<String>,
    /// The names of its inline policies.
    pub inline: Vec<String>,
    /// The names of the instance profiles it is in.
    pub instance_profiles: Vec<String>,
}

/// A user by the procedure's name, as IAM holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFacts {
    pub arn: String,
    /// Whether it carries both of ecr-share's ownership tags.
    pub tagged: bool,
    /// The ARN of its permissions boundary, if it has one.
    pub boundary: Option<String>,
    /// The ARNs of the managed policies attached to it.
    pub attached: Vec<String>,
    /// The names of its inline policies.
    pub inline: Vec<String>,
    /// The names of the groups it is in.
    pub groups: Vec<String>,
    pub access_keys: Vec<AccessKeyInfo>,
    /// Whether it has a console password.
    pub login_profile: bool,
    /// The serial numbers of its MFA devices.
    pub mfa_devices: Vec<String>,
    /// The ids of its signing certificates.
    pub signing_certificates: Vec<String>,
    /// The ids of its SSH public keys.
    pub ssh_public_keys: Vec<String>,
    /// The ids of its service-specific credentials (such as CodeCommit passwords).
    pub service_credentials: Vec<String>,
}

/// Who a managed policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    Role(String),
    User(String),
    Group(String),
}

impl Holder {
    /// `role <name>`, `user <name>`, `group <name>`.
    pub fn describe(&self) -> String {
        match self {
            Holder::Role(name) => format!("role {name}"),
            Holder::User(name) => format!("user {name}"),
            Holder::Group(name) => format!("group {name}"),
        }
    }
}

/// A customer managed policy by the procedure's name, as IAM holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFacts {
    pub arn: String,
    /// Whether it carries both of ecr-share's ownership tags.
    pub tagged: bool,
    /// The document of its default version, decoded.
    pub document: Value,
    /// The ids of its versions that are not the default, oldest first.
    pub other_versions: Vec<String>,
    /// Every role, user and group it is attached to (as a permissions policy or as a
    /// permissions boundary).
    pub holders: Vec<Holder>,
}

/// Whether tags carry both `managed-by=ecr-share` and
/// `ecr-share:procedure=curated-packages`.
pub fn has_ownership_tags(tags: &[Tag]) -> bool {
    let has = |key: &str, value: &str| tags.iter().any(|t| t.key() == key && t.value() == value);
    has(MANAGED_BY_KEY, MANAGED_BY_VALUE) && has(PROCEDURE_KEY, PROCEDURE_VALUE)
}

/// `Ok(None)` for an answer that the entity does not exist.
fn absent<T>(result: Result<T, CallError>) -> Result<Option<T>, CallError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is(NO_SUCH_ENTITY) => Ok(None),
        Err(error) => Err(error),
    }
}

impl Iam {
    /// The role called `name` and everything on it; `None` when there is none.
    pub async fn role_facts(&self, name: &IamName) -> Result<Option<RoleFacts>, CallError> {
        const GET: &str = "iam:GetRole";
        let role = self
            .client
            .get_role()
            .role_name(name.as_str())
            .send()
            .await
            .map_err(|e| CallError::from_sdk(GET, e));
        let Some(output) = absent(role)? else {
            return Ok(None);
        };
        let role = output
            .role()
            .ok_or_else(|| CallError::new(GET, None, "the answer names no role"))?;
        let trust = match role.assume_role_policy_document() {
            Some(encoded) => decode_document(GET, encoded)?,
            None => Value::Null,
        };
        Ok(Some(RoleFacts {
            arn: role.arn().to_string(),
            tagged: has_ownership_tags(role.tags()),
            trust,
            boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            attached: self.role_attached(name).await?,
            inline: self
                .client
                .list_role_policies()
                .role_name(name.as_str())
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListRolePolicies", e))?,
            instance_profiles: self
                .client
                .list_instance_profiles_for_role()
                .role_name(name.as_str())
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListInstanceProfilesForRole", e))?
                .iter()
                .map(|p| p.instance_profile_name().to_string())
                .collect(),
        }))
    }

    /// The ARNs of the managed policies attached to a role.
    async fn role_attached(&self, role: &IamName) -> Result<Vec<String>, CallError> {
        let attached = self
            .client
            .list_attached_role_policies()
            .role_name(role.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk("iam:ListAttachedRolePolicies", e))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    /// The ARNs of the managed policies attached to a user.
    async fn user_attached(&self, user: &IamName) -> Result<Vec<String>, CallError> {
        let attached = self
            .client
            .list_attached_user_policies()
            .user_name(user.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk("iam:ListAttachedUserPolicies", e))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    /// The user called `name` and everything that would keep `DeleteUser` from
    /// succeeding; `None` when there is none.
    pub async fn user_facts(&self, name: &IamName) -> Result<Option<UserFacts>, CallError> {
        const GET: &str = "iam:GetUser";
        let user = self
            .client
            .get_user()
            .user_name(name.as_str())
            .send()
            .await
            .map_err(|e| CallError::from_sdk(GET, e));
        let Some(output) = absent(user)? else {
            return Ok(None);
        };
        let user = output
            .user()
            .ok_or_else(|| CallError::new(GET, None, "the answer names no user"))?;
        let login_profile = self
            .client
            .get_login_profile()
            .user_name(name.as_str())
            .send()
            .await
            .map_err(|e| CallError::from_sdk("iam:GetLoginProfile", e));
        let user_name = name.as_str();
        Ok(Some(UserFacts {
            arn: user.arn().to_string(),
            tagged: has_ownership_tags(user.tags()),
            boundary: user
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            attached: self.user_attached(name).await?,
            inline: self
                .client
                .list_user_policies()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListUserPolicies", e))?,
            groups: self
                .client
                .list_groups_for_user()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListGroupsForUser", e))?
                .iter()
                .map(|g| g.group_name().to_string())
                .collect(),
            access_keys: self.list_access_keys(name).await?,
            login_profile: absent(login_profile)?.is_some(),
            mfa_devices: self
                .client
                .list_mfa_devices()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListMFADevices", e))?
                .iter()
                .map(|d| d.serial_number().to_string())
                .collect(),
            signing_certificates: self
                .client
                .list_signing_certificates()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListSigningCertificates", e))?
                .iter()
                .map(|c| c.certificate_id().to_string())
                .collect(),
            ssh_public_keys: self
                .client
                .list_ssh_public_keys()
                .user_name(user_name)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| CallError::from_sdk("iam:ListSSHPublicKeys", e))?
                .iter()
                .map(|k| k.ssh_public_key_id().to_string())
                .collect(),
            service_credentials: self.service_credentials(name).await?,
        }))
    }

    /// The ids of a user's service-specific credentials (the call has no paginator).
    async fn service_credentials(&self, user: &IamName) -> Result<Vec<String>, CallError> {
        const LIST: &str = "iam:ListServiceSpecificCredentials";
        let mut ids = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_service_specific_credentials()
                .user_name(user.as_str())
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| CallError::from_sdk(LIST, e))?;
            ids.extend(
                page.service_specific_credentials()
                    .iter()
                    .map(|c| c.service_specific_credential_id().to_string()),
            );
            match page.marker() {
                Some(next) if page.is_truncated() && marker.as_deref() != Some(next) => {
                    marker = Some(next.to_string());
                }
                _ => return Ok(ids),
            }
        }
    }

    /// The customer managed policy called `name`, its default document, its other
    /// versions and everything it is attached to; `None` when there is none.
    pub async fn policy_facts(&self, name: &IamName) -> Result<Option<PolicyFacts>, CallError> {
        const VERSIONS: &str = "iam:ListPolicyVersions";
        let Some(arn) = absent(self.find_policy_arn(name).await)? else {
            return Ok(None);
        };
        let mut versions = self.policy_versions(&arn).await?;
        versions.sort_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
        let default = versions
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.version_id())
            .ok_or_else(|| CallError::new(VERSIONS, None, format!("{arn} has no default version")))?
            .to_string();
        let document = self.policy_version_document(&arn, &default).await?;
        let tags: Vec<Tag> = self
            .client
            .list_policy_tags()
            .policy_arn(&arn)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk("iam:ListPolicyTags", e))?;
        let pages: Vec<_> = self
            .client
            .list_entities_for_policy()
            .policy_arn(&arn)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk("iam:ListEntitiesForPolicy", e))?;
        let mut holders = Vec::new();
        for page in &pages {
            holders.extend(
                page.policy_roles()
                    .iter()
                    .filter_map(|r| r.role_name().map(|n| Holder::Role(n.to_string()))),
            );
            holders.extend(
                page.policy_users()
                    .iter()
                    .filter_map(|u| u.user_name().map(|n| Holder::User(n.to_string()))),
            );
            holders.extend(
                page.policy_groups()
                    .iter()
                    .filter_map(|g| g.group_name().map(|n| Holder::Group(n.to_string()))),
            );
        }
        Ok(Some(PolicyFacts {
            other_versions: versions
                .iter()
                .filter(|v| !v.is_default_version())
                .filter_map(|v| v.version_id().map(str::to_string))
                .collect(),
            arn,
            tagged: has_ownership_tags(&tags),
            document,
            holders,
        }))
    }

    /// Deletes one of a user's access keys.
    pub async fn delete_access_key(&self, user: &IamName, id: &str) -> CallReport {
        let sent = self
            .client
            .delete_access_key()
            .user_name(user.as_str())
            .access_key_id(id)
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DeleteAccessKey", "deleted"),
            sent,
            format!("key {id}"),
            || async {
                match self.list_access_keys(user).await {
                    Ok(keys) => Ok(!keys.iter().any(|k| k.id == id)),
                    Err(error) if error.is(NO_SUCH_ENTITY) => Ok(true),
                    Err(error) => Err(error),
                }
            },
        )
        .await;
        CallReport::new("iam:DeleteAccessKey", format!("{id} of {user}"), outcome)
    }

    /// Detaches a managed policy from a user.
    pub async fn detach_user_policy(&self, user: &IamName, policy_arn: &str) -> CallReport {
        let sent = self
            .client
            .detach_user_policy()
            .user_name(user.as_str())
            .policy_arn(policy_arn)
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DetachUserPolicy", "detached"),
            sent,
            "the attachment".to_string(),
            || async { detached(self.user_attached(user).await, policy_arn) },
        )
        .await;
        CallReport::new(
            "iam:DetachUserPolicy",
            format!("{policy_arn} from {user}"),
            outcome,
        )
    }

    /// Deletes a user (which must have nothing left on it).
    pub async fn delete_user(&self, user: &IamName) -> CallReport {
        let sent = self
            .client
            .delete_user()
            .user_name(user.as_str())
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DeleteUser", "deleted"),
            sent,
            "the user".to_string(),
            || async {
                let read = self.client.get_user().user_name(user.as_str()).send().await;
                gone(read.map_err(|e| CallError::from_sdk("iam:GetUser", e)))
            },
        )
        .await;
        CallReport::new("iam:DeleteUser", user.as_str(), outcome)
    }

    /// Deletes a version of a managed policy that is not its default.
    pub async fn delete_non_default_version(&self, policy_arn: &str, version: &str) -> CallReport {
        let sent = self
            .client
            .delete_policy_version()
            .policy_arn(policy_arn)
            .version_id(version)
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DeletePolicyVersion", "deleted"),
            sent,
            format!("version {version}"),
            || async {
                match self.policy_versions(policy_arn).await {
                    Ok(now) => Ok(!now.iter().any(|v| v.version_id() == Some(version))),
                    Err(error) if error.is(NO_SUCH_ENTITY) => Ok(true),
                    Err(error) => Err(error),
                }
            },
        )
        .await;
        CallReport::new(
            "iam:DeletePolicyVersion",
            format!("{version} of {policy_arn}"),
            outcome,
        )
    }

    /// Deletes a managed policy (which must have only its default version left and
    /// be attached to nothing).
    pub async fn delete_policy(&self, policy_arn: &str) -> CallReport {
        let sent = self
            .client
            .delete_policy()
            .policy_arn(policy_arn)
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DeletePolicy", "deleted"),
            sent,
            "the policy".to_string(),
            || async {
                let read = self.client.get_policy().policy_arn(policy_arn).send().await;
                gone(read.map_err(|e| CallError::from_sdk("iam:GetPolicy", e)))
            },
        )
        .await;
        CallReport::new("iam:DeletePolicy", policy_arn, outcome)
    }

    /// Detaches a managed policy from a role.
    pub async fn detach_role_policy(&self, role: &IamName, policy_arn: &str) -> CallReport {
        let sent = self
            .client
            .detach_role_policy()
            .role_name(role.as_str())
            .policy_arn(policy_arn)
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DetachRolePolicy", "detached"),
            sent,
            "the attachment".to_string(),
            || async { detached(self.role_attached(role).await, policy_arn) },
        )
        .await;
        CallReport::new(
            "iam:DetachRolePolicy",
            format!("{policy_arn} from {role}"),
            outcome,
        )
    }

    /// Deletes a role (which must have nothing left on it).
    pub async fn delete_role(&self, role: &IamName) -> CallReport {
        let sent = self
            .client
            .delete_role()
            .role_name(role.as_str())
            .customize()
            .config_override(once())
            .send()
            .await
            .map(|_| ());
        let outcome = settle(
            ("iam:DeleteRole", "deleted"),
            sent,
            "the role".to_string(),
            || async {
                let read = self.client.get_role().role_name(role.as_str()).send().await;
                gone(read.map_err(|e| CallError::from_sdk("iam:GetRole", e)))
            },
        )
        .await;
        CallReport::new("iam:DeleteRole", role.as_str(), outcome)
    }
}

/// Whether a read says the entity is gone: `NoSuchEntity` means gone, an answer
/// means still there.
fn gone<T>(read: Result<T, CallError>) -> Result<bool, CallError> {
    absent(read).map(|found| found.is_none())
}

/// Whether a read of an entity's attached policies says `policy_arn` is off it: an
/// entity that is gone (`NoSuchEntity`) holds nothing.
fn detached(attached: Result<Vec<String>, CallError>, policy_arn: &str) -> Result<bool, CallError> {
    match attached {
        Ok(arns) => Ok(!arns.iter().any(|a| a == policy_arn)),
        Err(error) if error.is(NO_SUCH_ENTITY) => Ok(true),
        Err(error) => Err(error),
    }
}

/// What a deletion sent once came to. A refusal is reported as AWS gave it, except
/// `NoSuchEntity`, which means what was to go is not there any more. When the answer
/// is lost, `is_gone` reads IAM back: gone means done, still there means not done
/// (checked), and a read that fails too leaves it unknown (`AnswerLost`).
async fn settle<E, F, Fut>(
    (call, done): (&str, &str),
    sent: Result<(), SdkError<E, HttpResponse>>,
    what: String,
    is_gone: F,
) -> Outcome
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<bool, CallError>>,
{
    let error = match sent {
        Ok(()) => return Outcome::Done(done.to_string()),
        Err(error) => error,
    };
    if !outcome_unknown(&error) {
        let refused = CallError::from_sdk(call, error);
        if refused.is(NO_SUCH_ENTITY) {
            return Outcome::Ok(format!(
                "{what} is not there any more (removed meanwhile); nothing to delete"
            ));
        }
        return Outcome::Failed(refused);
    }
    let lost = CallError::from_sdk(call, error);
    match is_gone().await {
        Ok(true) => Outcome::Done(format!(
            "{done}; the answer was lost, the read-back shows {what} gone"
        )),
        Ok(false) => Outcome::Failed(CallError::new(
            call,
            lost.code(),
            format!(
                "{}; the read-back shows {what} still there, so it was not {done} (checked)",
                lost.message
            ),
        )),
        Err(read) => Outcome::Failed(CallError::new(
            call,
            Some(ANSWER_LOST),
            format!(
                "{}; reading back failed too ({read}), so {what} may or may not be {done}",
                lost.message
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::delete_role::DeleteRoleError;
    use aws_sdk_iam::operation::get_role::{GetRoleError, GetRoleOutput};
    use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
    use aws_sdk_iam::types::{AccessKeyMetadata, Role, StatusType};
    use aws_smithy_mocks::mock;
    use aws_smithy_types::error::ErrorMetadata;

    use crate::aws::iam::mocked_iam as iam;
    use crate::core::validate::IamKind;

    fn role() -> IamName {
        IamName::parse(IamKind::Role, "curated-packages-role").unwrap()
    }

    /// An answer in which IAM failed inside: whether the call took effect is unknown.
    fn server_error() -> HttpResponse {
        HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>internal failure</Message></Error><RequestId>1</RequestId></ErrorResponse>",
            ),
        )
    }

    fn refused(code: &'static str) -> impl Fn() -> DeleteRoleError + Send + Sync {
        move || {
            DeleteRoleError::generic(
                ErrorMetadata::builder()
                    .code(code)
                    .message("Cannot delete entity, must detach all policies first.")
                    .build(),
            )
        }
    }

    fn the_role() -> GetRoleOutput {
        GetRoleOutput::builder()
            .role(
                Role::builder()
                    .path("/")
                    .role_name("curated-packages-role")
                    .role_id("AROA1")
                    .arn("arn:aws:iam::111111111111:role/curated-packages-role")
                    .create_date(aws_smithy_types::DateTime::from_secs(0))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[tokio::test]
    async fn a_refused_deletion_is_reported_as_aws_gave_it_and_not_read_back() {
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_error(refused("DeleteConflict"));
        let read = mock!(aws_sdk_iam::Client::get_role).then_output(the_role);
        let report = iam(&[&delete, &read]).delete_role(&role()).await;
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.is("DeleteConflict"), "{error}");
        assert_eq!(delete.num_calls(), 1);
        assert_eq!(read.num_calls(), 0, "AWS answered: nothing to read back");
    }

    #[tokio::test]
    async fn a_deletion_of_what_is_gone_already_is_no_failure() {
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_error(refused("NoSuchEntity"));
        let report = iam(&[&delete]).delete_role(&role()).await;
        assert_eq!(
            report.outcome,
            Outcome::Ok(
                "the role is not there any more (removed meanwhile); nothing to delete".into()
            )
        );
    }

    #[tokio::test]
    async fn a_lost_answer_whose_deletion_took_effect_is_read_back_as_done() {
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_http_response(server_error);
        let read = mock!(aws_sdk_iam::Client::get_role).then_error(|| {
            GetRoleError::generic(ErrorMetadata::builder().code("NoSuchEntity").build())
        });
        let report = iam(&[&delete, &read]).delete_role(&role()).await;
        assert_eq!(
            report.outcome,
            Outcome::Done("deleted; the answer was lost, the read-back shows the role gone".into())
        );
        assert_eq!(delete.num_calls(), 1, "sent once, not retried");
    }

    #[tokio::test]
    async fn a_lost_answer_whose_deletion_did_not_take_effect_says_it_checked() {
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_http_response(server_error);
        let read = mock!(aws_sdk_iam::Client::get_role).then_output(the_role);
        let report = iam(&[&delete, &read]).delete_role(&role()).await;
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(
            error.message.ends_with(
                "the read-back shows the role still there, so it was not deleted (checked)"
            ),
            "{error}"
        );
        assert!(!error.is(ANSWER_LOST));
        assert_eq!(delete.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_lost_answer_that_cannot_be_read_back_is_unknown() {
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_http_response(server_error);
        let read = mock!(aws_sdk_iam::Client::get_role).then_error(|| {
            GetRoleError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("no")
                    .build(),
            )
        });
        let report = iam(&[&delete, &read]).delete_role(&role()).await;
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.is(ANSWER_LOST), "{error}");
        assert!(
            error
                .message
                .contains("so the role may or may not be deleted"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_lost_key_deletion_is_settled_by_listing_the_keys() {
        let delete = mock!(aws_sdk_iam::Client::delete_access_key).then_http_response(server_error);
        let list = mock!(aws_sdk_iam::Client::list_access_keys).then_output(|| {
            ListAccessKeysOutput::builder()
                .access_key_metadata(
                    AccessKeyMetadata::builder()
                        .access_key_id("AKIAOTHER")
                        .status(StatusType::Active)
                        .build(),
                )
                .build()
                .unwrap()
        });
        let user = IamName::parse(IamKind::User, "curated-packages-user").unwrap();
        let report = iam(&[&delete, &list])
            .delete_access_key(&user, "AKIAGONE")
            .await;
        assert_eq!(report.subject, "AKIAGONE of curated-packages-user");
        assert_eq!(
            report.outcome,
            Outcome::Done(
                "deleted; the answer was lost, the read-back shows key AKIAGONE gone".into()
            )
        );
        assert_eq!(delete.num_calls(), 1);
    }

    #[test]
    fn both_ownership_tags_are_needed() {
        let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
        assert!(has_ownership_tags(&[
            tag(PROCEDURE_KEY, PROCEDURE_VALUE),
            tag(MANAGED_BY_KEY, MANAGED_BY_VALUE),
        ]));
        assert!(!has_ownership_tags(&[tag(
            MANAGED_BY_KEY,
            MANAGED_BY_VALUE
        )]));
        assert!(!has_ownership_tags(&[
            tag(MANAGED_BY_KEY, MANAGED_BY_VALUE),
            tag(PROCEDURE_KEY, "something-else"),
        ]));
    }
}
