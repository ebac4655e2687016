//! The AWS layer: client configuration from the SDK's standard chain, and the calls
//! each step makes. Nothing here draws on a terminal; results and failures are plain
//! values the wizard and the scriptable commands both report.

pub mod audit;
pub mod ecr;
pub mod eks;
pub mod error;
pub mod iam;
pub mod iam_teardown;
pub mod identity;
pub mod keys;
pub mod profiles;
pub mod verify;

use std::time::Duration;

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

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

/// Loads the SDK configuration for a target: `AWS_ENDPOINT_URL`, explicit timeouts and
/// standard retries, and credentials and region as follows.
///
/// - A named profile (`--profile`, the wizard's profile field, `curated`'s two
///   profiles) wins over keys in the environment, as `aws --profile` does: the
///   credentials come from that profile alone (static keys, SSO, assume-role,
///   `credential_process`), and the region from the target, else from the profile,
///   else from the SDK's region chain. A profile that is in neither the config nor the
///   credentials file is refused by name before any call is made.
/// - No profile: the SDK's standard chain (environment keys, `AWS_PROFILE`, SSO,
///   instance roles) and its region chain, unless the target names a region.
pub async fn load_config(target: &Target) -> Result<SdkConfig, CallError> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let retries = RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts.clone())
        .retry_config(retries.clone());
    let mut region = target.region.clone().map(Region::new);
    if let Some(name) = &target.profile {
        let profile = profiles::find(name).await?;
        if region.is_none() {
            region = profile.region.map(Region::new);
        }
        if region.is_none() {
            region = DefaultRegionChain::builder()
                .profile_name(name)
                .build()
                .region()
                .await;
        }
        // The profile's own provider, configured as the SDK's default chain would
        // configure it (a region for assume-role and SSO calls, the same timeouts and
        // retries), but without the environment keys that chain tries first.
        let provider_config = ProviderConfig::default()
            .with_region(region.clone())
            .with_timeout_config(timeouts)
            .with_retry_config(retries);
        loader = loader.profile_name(name).credentials_provider(
            ProfileFileCredentialsProvider::builder()
                .configure(&provider_config)
                .profile_name(name)
                .build(),
        );
    }
    if let Some(region) = region {
        loader = loader.region(region);
    }
    Ok(loader.load().await)
}

/// The region a profile is configured with, which the wizard offers as its default
/// region: see [`profiles::configured_region`] (files and environment only, so the
/// first frame never waits on the network).
pub async fn profile_region(profile: Option<&str>) -> Option<String> {
    profiles::configured_region(profile).await
}

/// What one AWS call came to, as the wizard's live status and the commands' output
/// line report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The call changed something (created, attached, applied); the text says what.
    Done(String),
    /// The call read something or checked something and found it as wanted.
    Ok(String),
    /// What the step would create already exists exactly as wanted; nothing changed.
    AlreadyExisted(String),
    /// Something by that name exists but differs from what the step wants; nothing
    /// changed. The text says how it differs and what the operator can do.
    Differs(String),
    /// The call failed.
    Failed(CallError),
}

impl Outcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }

    /// The one word the status column shows.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Done(_) => "done",
            Outcome::Ok(_) => "ok",
            Outcome::AlreadyExisted(_) => "already existed",
            Outcome::Differs(_) => "exists, differs",
            Outcome::Failed(_) => "failed",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Outcome::Done(text)
            | Outcome::Ok(text)
            | Outcome::AlreadyExisted(text)
            | Outcome::Differs(text) => text.clone(),
            Outcome::Failed(error) => error.to_string(),
        }
    }
}

/// One AWS call of a step and what it came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    /// The API call, such as `iam:CreateRole`.
    pub call: String,
    /// What it was called on, such as the role's name.
    pub subject: String,
    pub outcome: Outcome,
}

impl CallReport {
    pub fn new(call: impl Into<String>, subject: impl Into<String>, outcome: Outcome) -> Self {
        CallReport {
            call: call.into(),
            subject: subject.into(),
            outcome,
        }
    }
}
