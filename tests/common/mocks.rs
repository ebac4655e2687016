//! SDK clients whose calls are answered by rules (aws-smithy-mocks) instead of AWS,
//! for what the emulator cannot produce: access denied, throttling, a policy that
//! changes between two reads.

use std::time::Duration;

use aws_sdk_ecr::config::retry::RetryConfig;
use aws_smithy_mocks::{Rule, RuleMode, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use ecr_share::aws::MAX_ATTEMPTS;

/// How a mocked client retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// The SDK's test defaults: no retries.
    None,
    /// The attempts the tool makes, with a backoff short enough for a test.
    AsTheTool,
}

/// The retry settings the tool uses, with a backoff short enough for a test.
pub fn quick_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

/// An ECR client answered by `rules`, tried as `mode` says.
pub fn ecr(mode: RuleMode, rules: &[&Rule], retries: Retries) -> aws_sdk_ecr::Client {
    mock_client!(aws_sdk_ecr, mode, rules.iter().copied(), |config| {
        match retries {
            Retries::None => config,
            Retries::AsTheTool => config.retry_config(quick_retries()),
        }
    })
}

/// An error answer as the JSON protocols (ECR, EKS) send it.
pub fn json_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({"__type": code, "message": message}).to_string();
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body))
}
