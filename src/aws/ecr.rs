//! A private repository's policy: list the repositories, read the policy, work out a
//! grant or revoke against it (a [`Plan`]), apply the plan and read the policy back,
//! and put a previous policy back.
//!
//! A plan is worked out from the policy as read, shown to the operator, and applied
//! later; `apply` reads the policy again first and writes nothing when somebody has
//! changed it in between, because `ecr:SetRepositoryPolicy` replaces the whole policy.
//! Restoring checks the same way that the policy is still the one the tool applied.
//!
//! Writes and deletions are sent once, without the SDK's retries. When an answer is
//! lost, the policy is read back and the report says what AWS holds.

use aws_config::SdkConfig;
use aws_sdk_ecr::Client;
use aws_sdk_ecr::config::retry::RetryConfig;

use super::error::{ANSWER_LOST, outcome_unknown};
use super::{CallError, CallReport, Outcome};
use crate::core::merge::{self, Grant, MergeError, PolicyChange, PolicyWrite, Revocation};
use crate::core::validate::RepositoryName;

const DESCRIBE_REPOSITORIES: &str = "ecr:DescribeRepositories";
const GET_POLICY: &str = "ecr:GetRepositoryPolicy";
const SET_POLICY: &str = "ecr:SetRepositoryPolicy";
const DELETE_POLICY: &str = "ecr:DeleteRepositoryPolicy";
const REPOSITORY_NOT_FOUND: &str = "RepositoryNotFoundException";

/// A grant or revoke worked out against a repository's policy as it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub repository: RepositoryName,
    /// The previous policy, the new one, and the diff between them.
    pub change: PolicyChange,
    /// What reading the current policy came to.
    pub read: CallReport,
}

/// Why a plan could not be worked out. Nothing has been written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Reading the current policy failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The current policy cannot be merged with safely, or the result is too large.
    #[error(transparent)]
    Merge(#[from] MergeError),
}

/// The ECR calls of one region and set of credentials.
#[derive(Debug, Clone)]
pub struct Ecr {
    client: Client,
    /// `--profile`/`--region` for the `aws` commands its messages suggest.
    command_options: String,
}

impl Ecr {
    pub fn new(config: &SdkConfig) -> Ecr {
        let region = config.region().map(ToString::to_string);
        Ecr::from_client(Client::new(config)).commands_as(None, region.as_deref())
    }

    /// Makes the `aws` commands its messages suggest name this profile (none: the
    /// default credentials) and region.
    pub fn commands_as(mut self, profile: Option<&str>, region: Option<&str>) -> Ecr {
        self.command_options =
            crate::core::documents::aws_target_options(profile, region.unwrap_or("<REGION>"));
        self
    }

    /// Uses a client as it is configured (tests hand in one with mocked answers).
    pub fn from_client(client: Client) -> Ecr {
        let region = client.config().region().map(ToString::to_string);
        let command_options = crate::core::documents::aws_target_options(
            None,
            region.as_deref().unwrap_or("<REGION>"),
        );
        Ecr {
            client,
            command_options,
        }
    }

    /// The names of every repository in the account and region, in AWS's order.
    pub async fn list_repositories(&self) -> Result<Vec<String>, CallError> {
        let repositories = self
            .client
            .describe_repositories()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk(DESCRIBE_REPOSITORIES, e))?;
        Ok(repositories
            .into_iter()
            .filter_map(|r| r.repository_name)
            .collect())
    }

    /// The repository's policy text as AWS holds it; `None` when it has no policy.
    pub async fn current_policy(
        &self,
        repository: &RepositoryName,
    ) -> Result<Option<String>, CallError> {
        let answer = self
            .client
            .get_repository_policy()
            .repository_name(repository.as_str())
            .send()
            .await;
        match answer {
            Ok(output) => Ok(output.policy_text),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_repository_policy_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(self.call_error(GET_POLICY, repository, error)),
        }
    }

    /// Reads the policy and merges `grant` into it.
    pub async fn plan_grant(
        &self,
        repository: &RepositoryName,
        grant: &Grant,
    ) -> Result<Plan, PlanError> {
        let current = self.current_policy(repository).await?;
        let change = merge::grant(current.as_deref(), grant)?;
        Ok(self.plan(repository, change))
    }

    /// Reads the policy and takes the accounts' and organizations' grant out of it.
    pub async fn plan_revoke(
        &self,
        repository: &RepositoryName,
        revocation: &Revocation,
    ) -> Result<Plan, PlanError> {
        let current = self.current_policy(repository).await?;
        let change = merge::revoke_grantees(current.as_deref(), revocation)?;
        Ok(self.plan(repository, change))
    }

    /// Applies a plan: checks the policy is still the one the plan was made from,
    /// writes (or deletes) it, and reads it back. One report per call, in order; the
    /// calls stop at the first that does not come out as wanted. A plan that changes
    /// nothing makes no call.
    pub async fn apply(&self, plan: &Plan) -> Vec<CallReport> {
        let repository = &plan.repository;
        let mut reports = Vec::new();
        let write = plan.change.write();
        if write == PolicyWrite::Nothing {
            return reports;
        }

        let unchanged = match self.current_policy(repository).await {
            Ok(now) if same_policy(now.as_deref(), plan.change.previous.as_deref()) => {
                Outcome::Ok("the policy is still the one the change was worked out from".into())
            }
            Ok(_) => Outcome::Differs(
                "the policy changed since it was read, so nothing was written; work out the change again".into(),
            ),
            Err(error) => Outcome::Failed(error),
        };
        let go_on = matches!(unchanged, Outcome::Ok(_));
        reports.push(CallReport::new(GET_POLICY, repository.as_str(), unchanged));
        if !go_on {
            return reports;
        }

        let wanted = match write {
            PolicyWrite::Set(policy) => Some(policy.to_string()),
            _ => None,
        };
        self.write_and_confirm(
            repository,
            plan.change.previous.as_deref(),
            wanted.as_deref(),
            &mut reports,
        )
        .await;
        reports
    }

    /// Puts a previous policy back (`None`: the repository had none, so its policy is
    /// deleted), then reads it back. `expected_current` is the policy the tool's last
    /// change wrote (`None`: that change deleted it). The policy is read first: when it
    /// is no longer that one, somebody changed it since, and nothing is written,
    /// because putting the previous policy back would drop their change.
    pub async fn restore(
        &self,
        repository: &RepositoryName,
        previous: Option<&str>,
        expected_current: Option<&str>,
    ) -> Vec<CallReport> {
        let mut reports = Vec::new();
        let now = match self.current_policy(repository).await {
            Ok(now) => now,
            Err(error) => {
                reports.push(CallReport::new(
                    GET_POLICY,
                    repository.as_str(),
                    Outcome::Failed(error),
                ));
                return reports;
            }
        };
        let found = if same_policy(now.as_deref(), previous) {
            Outcome::AlreadyExisted(
                "the previous policy is already in place; nothing to put back".into(),
            )
        } else if same_policy(now.as_deref(), expected_current) {
            Outcome::Ok("the policy is still the one ecr-share applied".into())
        } else {
            Outcome::Differs(format!(
                "the policy changed since ecr-share applied its change, so nothing was written: putting the previous policy back would undo that change too. AWS holds now: {}",
                now.as_deref().unwrap_or("no policy")
            ))
        };
        let go_on = matches!(found, Outcome::Ok(_));
        reports.push(CallReport::new(GET_POLICY, repository.as_str(), found));
        if go_on {
            self.write_and_confirm(repository, now.as_deref(), previous, &mut reports)
                .await;
        }
        reports
    }

    fn plan(&self, repository: &RepositoryName, change: PolicyChange) -> Plan {
        let found = match change.previous_policy() {
            Some(policy) => {
                let count = merge::statements_of(&policy).len();
                format!(
                    "the current policy has {count} statement{}",
                    if count == 1 { "" } else { "s" }
                )
            }
            None => "the repository has no policy yet".to_string(),
        };
        Plan {
            repository: repository.clone(),
            change,
            read: CallReport::new(GET_POLICY, repository.as_str(), Outcome::Ok(found)),
        }
    }

    /// Sets `wanted` as the policy (or deletes the policy for `None`) and reads it back.
    /// `before` is the policy AWS held just before. The write is sent once: when its
    /// answer is lost, the read-back tells whether it took effect.
    async fn write_and_confirm(
        &self,
        repository: &RepositoryName,
        before: Option<&str>,
        wanted: Option<&str>,
        reports: &mut Vec<CallReport>,
    ) {
        let (call, outcome) = match wanted {
            Some(text) => {
                let answer = self
                    .client
                    .set_repository_policy()
                    .repository_name(repository.as_str())
                    .policy_text(text)
                    .customize()
                    .config_override(once())
                    .send()
                    .await;
                let outcome = match answer {
                    Ok(_) => Outcome::Done("the new policy is set".into()),
                    Err(error) if outcome_unknown(&error) => {
                        let lost = self.call_error(SET_POLICY, repository, error);
                        return self
                            .settle_lost(SET_POLICY, repository, before, wanted, lost, reports)
                            .await;
                    }
                    Err(error) => Outcome::Failed(self.call_error(SET_POLICY, repository, error)),
                };
                (SET_POLICY, outcome)
            }
            None => {
                let answer = self
                    .client
                    .delete_repository_policy()
                    .repository_name(repository.as_str())
                    .customize()
                    .config_override(once())
                    .send()
                    .await;
                let outcome = match answer {
                    Ok(_) => Outcome::Done("the policy is deleted".into()),
                    Err(error)
                        if error
                            .as_service_error()
                            .is_some_and(|e| e.is_repository_policy_not_found_exception()) =>
                    {
                        Outcome::AlreadyExisted("the repository has no policy".into())
                    }
                    Err(error) if outcome_unknown(&error) => {
                        let lost = self.call_error(DELETE_POLICY, repository, error);
                        return self
                            .settle_lost(DELETE_POLICY, repository, before, wanted, lost, reports)
                            .await;
                    }
                    Err(error) => {
                        Outcome::Failed(self.call_error(DELETE_POLICY, repository, error))
                    }
                };
                (DELETE_POLICY, outcome)
            }
        };
        let failed = outcome.is_failure();
        reports.push(CallReport::new(call, repository.as_str(), outcome));
        if failed {
            return;
        }

        let confirmed = match self.current_policy(repository).await {
            Ok(back) if same_policy(back.as_deref(), wanted) => Outcome::Ok(match wanted {
                Some(_) => "read back: the policy is the one applied".into(),
                None => "read back: the repository has no policy".into(),
            }),
            Ok(Some(back)) => Outcome::Differs(format!(
                "read back: AWS holds a different policy than the one applied: {back}"
            )),
            Ok(None) => {
                Outcome::Differs("read back: the repository has no policy after all".into())
            }
            Err(error) => Outcome::Failed(error),
        };
        reports.push(CallReport::new(GET_POLICY, repository.as_str(), confirmed));
    }

    /// After a write whose answer was lost: reads the policy back and reports the
    /// write as applied (AWS holds `wanted`), as not applied (AWS still holds
    /// `before`), or as unknown with what AWS holds; then the read-back itself.
    async fn settle_lost(
        &self,
        call: &str,
        repository: &RepositoryName,
        before: Option<&str>,
        wanted: Option<&str>,
        lost: CallError,
        reports: &mut Vec<CallReport>,
    ) {
        let (written, read) = match self.current_policy(repository).await {
            Ok(now) if same_policy(now.as_deref(), wanted) => (
                Outcome::Done(
                    match wanted {
                        Some(_) => {
                            "applied; the answer was lost, the read-back shows the new policy"
                        }
                        None => "deleted; the answer was lost, the read-back shows no policy",
                    }
                    .into(),
                ),
                Outcome::Ok(match wanted {
                    Some(_) => "read back: the policy is the one applied".into(),
                    None => "read back: the repository has no policy".into(),
                }),
            ),
            Ok(now) if same_policy(now.as_deref(), before) => (
                Outcome::Failed(CallError::new(
                    call,
                    lost.code(),
                    format!(
                        "{}; the read-back shows the previous policy, so the change was NOT applied (checked)",
                        lost.message
                    ),
                )),
                Outcome::Ok("read back: the previous policy, unchanged".into()),
            ),
            Ok(now) => {
                let held = now.unwrap_or_else(|| "no policy".into());
                (
                    Outcome::Failed(CallError::new(
                        call,
                        Some(ANSWER_LOST),
                        format!(
                            "{}; the read-back shows neither the policy sent nor the previous one, so somebody else changed it too. AWS holds: {held}",
                            lost.message
                        ),
                    )),
                    Outcome::Differs(format!(
                        "read back: AWS holds another policy than the one sent: {held}"
                    )),
                )
            }
            Err(error) => (
                Outcome::Failed(CallError::new(
                    call,
                    Some(ANSWER_LOST),
                    format!(
                        "{}; reading the policy back failed too ({error}), so AWS may or may not hold the new policy: check with aws ecr get-repository-policy --repository-name {}{}",
                        lost.message,
                        crate::core::documents::shell_quote(repository.as_str()),
                        self.command_options
                    ),
                )),
                Outcome::Failed(error),
            ),
        };
        reports.push(CallReport::new(call, repository.as_str(), written));
        reports.push(CallReport::new(GET_POLICY, repository.as_str(), read));
    }

    /// An SDK error as a [`CallError`]; a missing repository is named with its region
    /// and account, since the usual cause is the wrong profile or region.
    fn call_error<E, R>(
        &self,
        operation: &str,
        repository: &RepositoryName,
        error: aws_smithy_runtime_api::client::result::SdkError<E, R>,
    ) -> CallError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let error = CallError::from_sdk(operation, error);
        if !error.is(REPOSITORY_NOT_FOUND) {
            return error;
        }
        let region = self
            .client
            .config()
            .region()
            .map_or_else(|| "(no region)".to_string(), ToString::to_string);
        let account = registry_in_message(&error.message).map_or_else(
            || "the credentials' account".to_string(),
            |id| format!("account {id}"),
        );
        CallError::new(
            operation,
            Some(REPOSITORY_NOT_FOUND),
            format!(
                "there is no repository `{repository}` in {account}, region {region}; check the repository name, the region and the profile"
            ),
        )
    }
}

/// Whether the calls behind these reports may have changed the policy: one was done,
/// or one's answer was lost and reading back could not settle it. A report that says
/// "nothing was changed" must first check that this is false.
pub fn may_have_changed(reports: &[CallReport]) -> bool {
    reports.iter().any(|report| match &report.outcome {
        Outcome::Done(_) => true,
        Outcome::Failed(error) => error.is(ANSWER_LOST),
        _ => false,
    })
}

/// The retry setting for one call that must not be sent twice blindly.
fn once() -> aws_sdk_ecr::config::Builder {
    aws_sdk_ecr::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// Whether two policy texts are the same policy. AWS reformats the text it stores, so
/// they are compared as parsed JSON (as text where one does not parse).
fn same_policy(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            match (
                serde_json::from_str::<serde_json::Value>(a),
                serde_json::from_str::<serde_json::Value>(b),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => a == b,
            }
        }
        _ => false,
    }
}

/// The registry (account) id in ECR's "does not exist in the registry with id
/// '123456789012'" message.
fn registry_in_message(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("registry with id '")?;
    let id = rest.get(..12)?;
    id.bytes().all(|b| b.is_ascii_digit()).then_some(id)
}

/// The repository names in the account and region of `config`.
pub async fn list_repositories(config: &SdkConfig) -> Result<Vec<String>, CallError> {
    Ecr::new(config).list_repositories().await
}

/// The repository's policy text; `None` when it has none.
pub async fn current_policy(
    config: &SdkConfig,
    repository: &RepositoryName,
) -> Result<Option<String>, CallError> {
    Ecr::new(config).current_policy(repository).await
}

/// Reads the repository's policy and merges `grant` into it.
pub async fn plan_grant(
    config: &SdkConfig,
    repository: &RepositoryName,
    grant: &Grant,
) -> Result<Plan, PlanError> {
    Ecr::new(config).plan_grant(repository, grant).await
}

/// Reads the repository's policy and takes the accounts' and organizations' grant
/// out of it.
pub async fn plan_revoke(
    config: &SdkConfig,
    repository: &RepositoryName,
    revocation: &Revocation,
) -> Result<Plan, PlanError> {
    Ecr::new(config).plan_revoke(repository, revocation).await
}

/// Applies a plan and reads the policy back; see [`Ecr::apply`].
pub async fn apply(config: &SdkConfig, plan: &Plan) -> Vec<CallReport> {
    Ecr::new(config).apply(plan).await
}

/// Puts a previous policy back, unless the policy changed since the tool's change
/// (`expected_current`); see [`Ecr::restore`].
pub async fn restore(
    config: &SdkConfig,
    repository: &RepositoryName,
    previous: Option<&str>,
    expected_current: Option<&str>,
) -> Vec<CallReport> {
    Ecr::new(config)
        .restore(repository, previous, expected_current)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    const BEFORE: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"CiPush","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:PutImage"}]}"#;

    fn grant() -> Grant {
        Grant {
            access: crate::core::documents::Access::Pull,
            accounts: vec![crate::core::validate::AccountId::parse("999999999999").unwrap()],
            organizations: Vec::new(),
            region: crate::core::validate::Region::parse("us-east-1").unwrap(),
        }
    }

    #[tokio::test]
    async fn a_write_lost_to_a_server_error_is_sent_once_and_checked() {
        let read = mock!(Client::get_repository_policy).then_output(|| {
            GetRepositoryPolicyOutput::builder()
                .policy_text(BEFORE)
                .build()
        });
        let write = mock!(Client::set_repository_policy).then_http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(500).unwrap(),
                SdkBody::from(r#"{"__type":"ServerException","message":"internal failure"}"#),
            )
        });
        let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&read, &write], |c| c
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(crate::aws::MAX_ATTEMPTS)
                    .with_initial_backoff(std::time::Duration::from_millis(1))
            ));
        let ecr = Ecr::from_client(client);
        let repository = RepositoryName::parse("team/app").unwrap();
        let plan = ecr.plan_grant(&repository, &grant()).await.unwrap();
        let reports = ecr.apply(&plan).await;

        assert_eq!(write.num_calls(), 1, "sent once, not retried");
        let calls: Vec<&str> = reports.iter().map(|r| r.call.as_str()).collect();
        assert_eq!(calls, [GET_POLICY, SET_POLICY, GET_POLICY]);
        let Outcome::Failed(error) = &reports[1].outcome else {
            panic!("{reports:?}")
        };
        assert!(
            error.message.contains(
                "the read-back shows the previous policy, so the change was NOT applied (checked)"
            ),
            "{error}"
        );
        assert!(!may_have_changed(&reports), "checked: nothing changed");
    }

    #[tokio::test]
    async fn a_lost_write_whose_read_back_fails_names_a_command_for_the_same_place() {
        let read = mock!(Client::get_repository_policy)
            .sequence()
            .output(|| {
                GetRepositoryPolicyOutput::builder()
                    .policy_text(BEFORE)
                    .build()
            })
            // The plan's read and the re-read just before the write.
            .times(2)
            .http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(400).unwrap(),
                    SdkBody::from(r#"{"__type":"AccessDeniedException","message":"denied"}"#),
                )
            })
            .repeatedly()
            .build();
        let write = mock!(Client::set_repository_policy).then_http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(500).unwrap(),
                SdkBody::from(r#"{"__type":"ServerException","message":"internal failure"}"#),
            )
        });
        let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&read, &write], |c| c
            .retry_config(RetryConfig::disabled()));
        let ecr = Ecr::from_client(client).commands_as(Some("prod"), Some("eu-west-1"));
        let repository = RepositoryName::parse("team/app").unwrap();
        let plan = ecr.plan_grant(&repository, &grant()).await.unwrap();
        let reports = ecr.apply(&plan).await;
        let Outcome::Failed(error) = &reports[1].outcome else {
            panic!("{reports:?}")
        };
        assert!(
            error.message.ends_with(
                "check with aws ecr get-repository-policy --repository-name 'team/app' --profile 'prod' --region 'eu-west-1'"
            ),
            "{error}"
        );
    }

    #[test]
    fn only_a_done_or_unsettled_call_may_have_changed_the_policy() {
        let report = |outcome| CallReport::new(SET_POLICY, "team/app", outcome);
        assert!(!may_have_changed(&[report(Outcome::Failed(
            CallError::new(SET_POLICY, Some("Timeout"), "checked")
        ))]));
        assert!(may_have_changed(&[report(Outcome::Failed(
            CallError::new(SET_POLICY, Some(ANSWER_LOST), "unknown")
        ))]));
        assert!(may_have_changed(&[report(Outcome::Done("set".into()))]));
        assert!(!may_have_changed(&[report(Outcome::Differs("x".into()))]));
    }

    #[test]
    fn policies_compare_as_json() {
        assert!(same_policy(
            Some("{\"a\": [1, 2]}"),
            Some("{\n  \"a\":[1,2]}")
        ));
        assert!(!same_policy(Some("{\"a\": [2, 1]}"), Some("{\"a\":[1,2]}")));
        assert!(!same_policy(None, Some("{}")));
        assert!(same_policy(None, None));
    }

    #[test]
    fn the_registry_is_read_from_ecr_messages() {
        assert_eq!(
            registry_in_message(
                "The repository with name 'app' does not exist in the registry with id '123456789012'"
            ),
            Some("123456789012")
        );
        assert_eq!(registry_in_message("no such repository"), None);
        assert_eq!(registry_in_message("registry with id 'abc'"), None);
    }
}
