//! Faults the emulator cannot produce on its own: a closed endpoint, access denied and
//! throttling. The ECR calls are answered by the SDK's own mocks (aws-smithy-mocks);
//! the closed endpoint is a real closed port on 127.0.0.1.

mod common;

use std::net::TcpListener;

use aws_sdk_ecr::Client;
use aws_sdk_ecr::operation::get_repository_policy::GetRepositoryPolicyOutput;
use aws_smithy_mocks::{RuleMode, mock};
use common::mocks::{self, Retries};
use common::{stderr, stdout};
use ecr_share::aws::ecr::{Ecr, PlanError};
use ecr_share::aws::{self, MAX_ATTEMPTS, Outcome, Target};
use ecr_share::core::documents::Access;
use ecr_share::core::merge::Grant;
use ecr_share::core::validate::{AccountId, Region, RepositoryName};

const ACCESS_DENIED: &str = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:SetRepositoryPolicy on resource: arn:aws:ecr:us-east-1:123456789012:repository/team/app because no identity-based policy allows the ecr:SetRepositoryPolicy action";

fn repository() -> RepositoryName {
    RepositoryName::parse("team/app").unwrap()
}

fn pull_grant() -> Grant {
    Grant {
        access: Access::Pull,
        accounts: vec![AccountId::parse("999999999999").unwrap()],
        organizations: Vec::new(),
        region: Region::parse("us-east-1").unwrap(),
    }
}

fn foreign_policy() -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "CiPush", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"},
        "Action": "ecr:PutImage"
    }]})
    .to_string()
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn access_denied_on_write_shows_aws_code_and_message_and_nothing_was_changed() {
    let policy = foreign_policy();
    let read = mock!(Client::get_repository_policy).then_output(move || {
        GetRepositoryPolicyOutput::builder()
            .policy_text(policy.clone())
            .build()
    });
    let write = mock!(Client::set_repository_policy)
        .then_http_response(|| mocks::json_error(400, "AccessDeniedException", ACCESS_DENIED));
    let client = mocks::ecr(RuleMode::MatchAny, &[&read, &write], Retries::None);
    let ecr = Ecr::from_client(client);

    let plan = ecr.plan_grant(&repository(), &pull_grant()).await.unwrap();
    assert!(plan.change.changes);
    let reports = ecr.apply(&plan).await;

    assert_eq!(reports.len(), 2, "{reports:?}");
    assert_eq!(reports[0].call, "ecr:GetRepositoryPolicy");
    assert!(matches!(reports[0].outcome, Outcome::Ok(_)));
    assert_eq!(reports[1].call, "ecr:SetRepositoryPolicy");
    let Outcome::Failed(error) = &reports[1].outcome else {
        panic!("{reports:?}")
    };
    assert_eq!(error.code(), Some("AccessDeniedException"));
    assert_eq!(error.message, ACCESS_DENIED);
    let shown = error.to_string();
    assert!(shown.starts_with("ecr:SetRepositoryPolicy failed: AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized"), "{shown}");
    assert!(
        shown.contains("use a profile that may make this call"),
        "{shown}"
    );
    assert_eq!(write.num_calls(), 1, "access denied is not retried");
    assert!(
        !reports
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Done(_)))
    );
}

#[tokio::test]
async fn access_denied_on_read_stops_the_plan() {
    let read = mock!(Client::get_repository_policy).then_http_response(|| {
        mocks::json_error(
            400,
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:GetRepositoryPolicy",
        )
    });
    let client = mocks::ecr(RuleMode::MatchAny, &[&read], Retries::None);
    let error = Ecr::from_client(client)
        .plan_grant(&repository(), &pull_grant())
        .await
        .unwrap_err();
    let PlanError::Call(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.operation, "ecr:GetRepositoryPolicy");
    assert_eq!(error.code(), Some("AccessDeniedException"));
    assert!(
        error
            .message
            .contains("not authorized to perform: ecr:GetRepositoryPolicy")
    );
}

#[tokio::test]
async fn throttling_is_retried_then_shown_with_aws_code_and_message() {
    let read = mock!(Client::get_repository_policy)
        .then_http_response(|| mocks::json_error(400, "ThrottlingException", "Rate exceeded"));
    let client = mocks::ecr(RuleMode::MatchAny, &[&read], Retries::AsTheTool);
    let error = Ecr::from_client(client)
        .current_policy(&repository())
        .await
        .unwrap_err();
    assert_eq!(
        read.num_calls() as u32,
        MAX_ATTEMPTS,
        "every attempt was throttled"
    );
    assert_eq!(error.code(), Some("ThrottlingException"));
    assert_eq!(error.message, "Rate exceeded");
    assert!(
        error.to_string().contains("AWS is throttling requests"),
        "{error}"
    );
}

#[tokio::test]
async fn throttling_that_passes_is_not_an_error() {
    let read = mock!(Client::get_repository_policy)
        .sequence()
        .http_response(|| mocks::json_error(400, "ThrottlingException", "Rate exceeded"))
        .output(|| {
            GetRepositoryPolicyOutput::builder()
                .policy_text("{}")
                .build()
        })
        .build();
    let client = mocks::ecr(RuleMode::Sequential, &[&read], Retries::AsTheTool);
    let policy = Ecr::from_client(client)
        .current_policy(&repository())
        .await
        .unwrap();
    assert_eq!(policy.as_deref(), Some("{}"));
    assert_eq!(read.num_calls(), 2);
}

#[tokio::test]
async fn a_policy_changed_since_it_was_read_is_not_overwritten() {
    let before = foreign_policy();
    let meanwhile = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "Added", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"
    }]})
    .to_string();
    let read = mock!(Client::get_repository_policy)
        .sequence()
        .output(move || {
            GetRepositoryPolicyOutput::builder()
                .policy_text(before.clone())
                .build()
        })
        .output(move || {
            GetRepositoryPolicyOutput::builder()
                .policy_text(meanwhile.clone())
                .build()
        })
        .build();
    let write = mock!(Client::set_repository_policy).then_output(|| {
        aws_sdk_ecr::operation::set_repository_policy::SetRepositoryPolicyOutput::builder().build()
    });
    let client = mocks::ecr(RuleMode::MatchAny, &[&read, &write], Retries::None);
    let ecr = Ecr::from_client(client);

    let plan = ecr.plan_grant(&repository(), &pull_grant()).await.unwrap();
    let reports = ecr.apply(&plan).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        matches!(&reports[0].outcome, Outcome::Differs(text) if text.contains("changed since it was read"))
    );
    assert_eq!(write.num_calls(), 0);
}

#[tokio::test]
async fn a_closed_endpoint_is_a_connection_failure() {
    // The SDK's own configuration, pointed at a closed port.
    let config = aws::load_config(&Target::new(None, Some("us-east-1".into())))
        .await
        .expect("no profile is named");
    let config = config
        .into_builder()
        .endpoint_url(format!("http://127.0.0.1:{}", closed_port()))
        .credentials_provider(aws_sdk_ecr::config::SharedCredentialsProvider::new(
            aws_sdk_ecr::config::Credentials::new("testing", "testing", None, None, "tests"),
        ))
        .build();
    let error = ecr_share::aws::ecr::plan_grant(&config, &repository(), &pull_grant())
        .await
        .unwrap_err();
    let PlanError::Call(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.code(), Some("ConnectionFailed"));
    assert!(
        error.message.starts_with("could not reach the endpoint"),
        "{error}"
    );
}

#[test]
fn the_command_against_a_closed_endpoint_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "[default]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        &credentials,
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let output = common::ecr_share_command()
        .args([
            "grant",
            "--repository",
            "team/app",
            "--account",
            "999999999999",
            "--access",
            "pull",
            "--yes",
        ])
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env(
            "AWS_ENDPOINT_URL",
            format!("http://127.0.0.1:{}", closed_port()),
        )
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(!output.status.success(), "{}", stdout(&output));
    assert!(err.contains("ConnectionFailed"), "{err}");
    assert!(err.contains("could not reach the endpoint"), "{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
