//! A user's access keys as key rotation needs them: how old each is and when it was
//! last used (`iam:GetAccessKeyLastUsed`), and deleting the key a rotation replaced.
//!
//! Deleting is not safe to repeat blindly: it is sent once, without the SDK's
//! retries, and when its answer is lost the user's keys are listed to say what is
//! true.

use std::time::{Duration, SystemTime};

use aws_sdk_iam::config::retry::RetryConfig;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use super::error::{ANSWER_LOST, outcome_unknown};
use super::iam::AccessKeyInfo;
use super::{CallError, CallReport, Outcome};
use crate::core::validate::IamName;

const LAST_USED: &str = "iam:GetAccessKeyLastUsed";
const DELETE: &str = "iam:DeleteAccessKey";
const LIST: &str = "iam:ListAccessKeys";

/// When and where IAM last saw a key used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastUsed {
    /// `None`: never used (IAM keeps this since April 2015).
    pub date: Option<DateTime>,
    /// The service it was used with, such as `sts`.
    pub service: Option<String>,
    pub region: Option<String>,
}

/// One of the user's keys, with its last use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    pub info: AccessKeyInfo,
    /// Why the last use is not known, when it could not be read.
    pub last_used: Result<LastUsed, CallError>,
}

impl KeyFacts {
    /// The key as a rotation lists it: id, status, age and last use, at `now`.
    pub fn describe(&self, now: SystemTime) -> String {
        let created = match self.info.created.as_deref() {
            Some(created) => match age(created, now) {
                Some(age) => format!("created {created} ({age} old)"),
                None => format!("created {created}"),
            },
            None => "creation date unknown".to_string(),
        };
        let used = match &self.last_used {
            Ok(last) => last.describe(now),
            Err(error) => format!("last use unknown ({})", error.code().unwrap_or("failed")),
        };
        format!("{} ({}, {created}, {used})", self.info.id, self.info.status)
    }

    /// When the key was last used, for ordering (never used first).
    pub fn last_used_at(&self) -> Option<DateTime> {
        self.last_used.as_ref().ok().and_then(|last| last.date)
    }
}

impl LastUsed {
    /// "never used", or "last used 2025-01-02T03:04:05Z (3 days ago) with sts in us-east-1".
    pub fn describe(&self, now: SystemTime) -> String {
        let Some(date) = self.date else {
            return "never used".to_string();
        };
        let text = date
            .fmt(Format::DateTime)
            .unwrap_or_else(|_| date.secs().to_string());
        let mut described = match elapsed(date, now) {
            Some(elapsed) => format!("last used {text} ({} ago)", span(elapsed)),
            None => format!("last used {text}"),
        };
        let known = |value: &Option<String>| {
            value
                .as_deref()
                .filter(|v| !v.is_empty() && *v != "N/A")
                .map(str::to_string)
        };
        if let Some(service) = known(&self.service) {
            described.push_str(&format!(" with {service}"));
        }
        if let Some(region) = known(&self.region) {
            described.push_str(&format!(" in {region}"));
        }
        described
    }
}

/// How long ago an ISO 8601 date-time was, in words ("3 days"); `None` when it does
/// not parse or lies ahead.
pub fn age(created: &str, now: SystemTime) -> Option<String> {
    let created = DateTime::from_str(created, Format::DateTime).ok()?;
    elapsed(created, now).map(span)
}

fn elapsed(then: DateTime, now: SystemTime) -> Option<Duration> {
    let then = SystemTime::try_from(then).ok()?;
    now.duration_since(then).ok()
}

/// A duration in the largest whole unit: "40 seconds", "1 minute", "5 hours", "3 days".
fn span(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (count, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// When a key was last used. A key IAM does not know is an error (`NoSuchEntity`).
pub async fn last_used(client: &aws_sdk_iam::Client, id: &str) -> Result<LastUsed, CallError> {
    let output = client
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await
        .map_err(|error| CallError::from_sdk(LAST_USED, error))?;
    let last = output.access_key_last_used();
    Ok(LastUsed {
        date: last.and_then(|l| l.last_used_date()).copied(),
        service: last.map(|l| l.service_name().to_string()),
        region: last.map(|l| l.region().to_string()),
    })
}

/// Reads the last use of every key, reporting each read.
pub async fn with_last_use(
    client: &aws_sdk_iam::Client,
    keys: Vec<AccessKeyInfo>,
    now: SystemTime,
    report: &mut (dyn FnMut(CallReport) + Send),
) -> Vec<KeyFacts> {
    let mut facts = Vec::with_capacity(keys.len());
    for info in keys {
        let last_used = last_used(client, &info.id).await;
        let outcome = match &last_used {
            Ok(last) => Outcome::Ok(last.describe(now)),
            Err(error) => Outcome::Failed(error.clone()),
        };
        report(CallReport::new(LAST_USED, &info.id, outcome));
        facts.push(KeyFacts { info, last_used });
    }
    facts
}

/// Deletes the key a rotation replaced. Sent once; when the answer is lost, the
/// user's keys are listed: the report says whether the key is gone. A key that is
/// already gone counts as deleted. `command_options` are the `--profile`/`--region`
/// of the `aws` command the report suggests when the key is still there.
pub async fn delete_key(
    client: &aws_sdk_iam::Client,
    user: &IamName,
    id: &str,
    command_options: &str,
) -> CallReport {
    let subject = format!("{id} of {user}");
    let command = format!(
        "aws iam delete-access-key --user-name {user} --access-key-id {id}{command_options}"
    );
    let sent = client
        .delete_access_key()
        .user_name(user.as_str())
        .access_key_id(id)
        .customize()
        .config_override(
            aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()),
        )
        .send()
        .await;
    let outcome = match sent {
        Ok(_) => Outcome::Done(format!("deleted {id}")),
        Err(error) if outcome_unknown(&error) => {
            let lost = CallError::from_sdk(DELETE, error);
            match listed(client, user).await {
                Ok(ids) if !ids.iter().any(|k| k == id) => Outcome::Done(format!(
                    "deleted {id} (the answer was lost; the read-back shows the key gone)"
                )),
                Ok(_) => Outcome::Failed(CallError::new(
                    DELETE,
                    lost.code(),
                    format!(
                        "{}; the read-back shows {id} still there, so it was not deleted (checked): run again, or {command}",
                        lost.message
                    ),
                )),
                Err(read) => Outcome::Failed(CallError::new(
                    DELETE,
                    Some(ANSWER_LOST),
                    format!(
                        "{}; listing the keys back failed too ({read}), so {id} may or may not be deleted: check with aws iam list-access-keys --user-name {user}{command_options}",
                        lost.message
                    ),
                )),
            }
        }
        Err(error) => {
            let error = CallError::from_sdk(DELETE, error);
            if error.is("NoSuchEntity") {
                Outcome::Done(format!("{id} is already gone"))
            } else {
                let message = format!("{}; to delete it yourself: {command}", error.message);
                Outcome::Failed(CallError::new(DELETE, error.code(), message))
            }
        }
    };
    CallReport::new(DELETE, subject, outcome)
}

async fn listed(client: &aws_sdk_iam::Client, user: &IamName) -> Result<Vec<String>, CallError> {
    let output = client
        .list_access_keys()
        .user_name(user.as_str())
        .send()
        .await
        .map_err(|error| CallError::from_sdk(LIST, error))?;
    Ok(output
        .access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id().map(str::to_string))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::delete_access_key::{DeleteAccessKeyError, DeleteAccessKeyOutput};
    use aws_sdk_iam::operation::get_access_key_last_used::GetAccessKeyLastUsedOutput;
    use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
    use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    const OPTIONS: &str = " --profile 'dest' --region 'us-east-1'";

    fn client(rules: &[&Rule]) -> aws_sdk_iam::Client {
        mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules.iter().copied())
    }

    fn user() -> IamName {
        IamName::parse(
            crate::core::validate::IamKind::User,
            "curated-packages-user",
        )
        .unwrap()
    }

    fn at(secs: i64) -> SystemTime {
        SystemTime::try_from(DateTime::from_secs(secs)).unwrap()
    }

    fn lost() -> HttpResponse {
        HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>internal failure</Message></Error><RequestId>1</RequestId></ErrorResponse>",
            ),
        )
    }

    fn listing(ids: &'static [&'static str]) -> Rule {
        mock!(aws_sdk_iam::Client::list_access_keys).then_output(move || {
            let mut output = ListAccessKeysOutput::builder();
            for id in ids {
                output = output
                    .access_key_metadata(AccessKeyMetadata::builder().access_key_id(*id).build());
            }
            output.build().unwrap()
        })
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        let now = at(1_700_000_000);
        assert_eq!(
            age("2023-11-14T22:13:00Z", now).as_deref(),
            Some("20 seconds")
        );
        assert_eq!(age("2023-11-14T21:13:20Z", now).as_deref(), Some("1 hour"));
        assert_eq!(age("2023-11-11T22:13:20Z", now).as_deref(), Some("3 days"));
        assert_eq!(age("2023-11-15T00:00:00Z", now), None, "in the future");
        assert_eq!(age("yesterday", now), None);
    }

    #[tokio::test]
    async fn last_use_is_read_with_service_and_region_or_as_never() {
        let used = mock!(aws_sdk_iam::Client::get_access_key_last_used)
            .match_requests(|input| input.access_key_id() == Some("AKIAUSED"))
            .then_output(|| {
                GetAccessKeyLastUsedOutput::builder()
                    .access_key_last_used(
                        AccessKeyLastUsed::builder()
                            .last_used_date(DateTime::from_secs(1_699_996_400))
                            .service_name("sts")
                            .region("us-east-1")
                            .build()
                            .unwrap(),
                    )
                    .build()
            });
        let never = mock!(aws_sdk_iam::Client::get_access_key_last_used)
            .match_requests(|input| input.access_key_id() == Some("AKIANEVER"))
            .then_output(|| {
                GetAccessKeyLastUsedOutput::builder()
                    .access_key_last_used(
                        AccessKeyLastUsed::builder()
                            .service_name("N/A")
                            .region("N/A")
                            .build()
                            .unwrap(),
                    )
                    .build()
            });
        let client = client(&[&used, &never]);
        let now = at(1_700_000_000);
        let keys = vec![
            AccessKeyInfo {
                id: "AKIAUSED".into(),
                status: "Active".into(),
                created: Some("2023-11-04T22:13:20Z".into()),
            },
            AccessKeyInfo {
                id: "AKIANEVER".into(),
                status: "Inactive".into(),
                created: None,
            },
        ];
        let mut reports = Vec::new();
        let facts = with_last_use(&client, keys, now, &mut |r| reports.push(r)).await;
        assert_eq!(
            facts[0].describe(now),
            "AKIAUSED (Active, created 2023-11-04T22:13:20Z (10 days old), last used 2023-11-14T21:13:20Z (1 hour ago) with sts in us-east-1)"
        );
        assert_eq!(
            facts[1].describe(now),
            "AKIANEVER (Inactive, creation date unknown, never used)"
        );
        assert_eq!(facts[1].last_used_at(), None);
        let calls: Vec<String> = reports
            .iter()
            .map(|r| format!("{} {} {}", r.call, r.subject, r.outcome.label()))
            .collect();
        assert_eq!(
            calls,
            [
                "iam:GetAccessKeyLastUsed AKIAUSED ok",
                "iam:GetAccessKeyLastUsed AKIANEVER ok"
            ]
        );
    }

    #[tokio::test]
    async fn a_lost_deletion_answer_is_settled_by_listing_the_keys() {
        let delete = mock!(aws_sdk_iam::Client::delete_access_key).then_http_response(lost);
        let gone = listing(&["AKIANEW"]);
        let report = delete_key(&client(&[&delete, &gone]), &user(), "AKIAOLD", OPTIONS).await;
        assert_eq!(delete.num_calls(), 1, "sent once");
        assert_eq!(
            report.outcome,
            Outcome::Done(
                "deleted AKIAOLD (the answer was lost; the read-back shows the key gone)".into()
            )
        );

        let delete = mock!(aws_sdk_iam::Client::delete_access_key).then_http_response(lost);
        let still = listing(&["AKIAOLD", "AKIANEW"]);
        let report = delete_key(&client(&[&delete, &still]), &user(), "AKIAOLD", OPTIONS).await;
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(
            error.message.contains("still there, so it was not deleted"),
            "{error}"
        );
        assert!(
            error.message.contains(
                "aws iam delete-access-key --user-name curated-packages-user --access-key-id AKIAOLD --profile 'dest' --region 'us-east-1'"
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_key_already_gone_counts_as_deleted_and_a_refusal_names_the_command() {
        let gone = mock!(aws_sdk_iam::Client::delete_access_key).then_error(|| {
            DeleteAccessKeyError::generic(
                ErrorMetadata::builder()
                    .code("NoSuchEntity")
                    .message("no such key")
                    .build(),
            )
        });
        let report = delete_key(&client(&[&gone]), &user(), "AKIAOLD", OPTIONS).await;
        assert_eq!(
            report.outcome,
            Outcome::Done("AKIAOLD is already gone".into())
        );

        let denied = mock!(aws_sdk_iam::Client::delete_access_key).then_error(|| {
            DeleteAccessKeyError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not allowed")
                    .build(),
            )
        });
        let list = listing(&[]);
        let report = delete_key(&client(&[&denied, &list]), &user(), "AKIAOLD", OPTIONS).await;
        assert_eq!(
            list.num_calls(),
            0,
            "a refusal is an answer: nothing to read back"
        );
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.is("AccessDenied"));
        assert!(
            error
                .message
                .contains("--access-key-id AKIAOLD --profile 'dest'"),
            "{error}"
        );

        let fine = mock!(aws_sdk_iam::Client::delete_access_key)
            .then_output(|| DeleteAccessKeyOutput::builder().build());
        let report = delete_key(&client(&[&fine]), &user(), "AKIAOLD", OPTIONS).await;
        assert_eq!(report.outcome, Outcome::Done("deleted AKIAOLD".into()));
        assert_eq!(report.subject, "AKIAOLD of curated-packages-user");
    }
}
