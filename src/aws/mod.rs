//! The AWS layer: client configuration from the SDK's standard chain, and the calls
//! each step makes. Nothing here draws on a terminal; results and failures are plain
//! values the wizard and the scriptable commands both report.

pub mod error;
pub mod identity;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

pub use error::CallError;
pub use identity::{Identity, caller_identity};

/// How long to wait for a TCP connection to an AWS endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one attempt at a call may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a call may take with all its retries.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(40);
/// Attempts per call under the SDK's standard retry mode (throttling, 5xx, timeouts).
pub const MAX_ATTEMPTS: u32 = 3;

/// Which credentials and region to use: a named profile or the default chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
}

impl Target {
    pub fn new(profile: Option<String>, region: Option<String>) -> Self {
        Target { profile, region }
    }

    /// How the operator named these credentials, for messages.
    pub fn profile_label(&self) -> String {
        match &self.profile {
            Some(name) => format!("profile `{name}`"),
            None => "the default credentials".to_string(),
        }
    }
}

/// Loads the SDK configuration for a target: the standard credential chain
/// (environment, profiles, SSO, instance roles), `AWS_ENDPOINT_URL`, explicit
/// timeouts and standard retries.
pub async fn load_config(target: &Target) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(profile) = &target.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &target.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    loader.load().await
}
