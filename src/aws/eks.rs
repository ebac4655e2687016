//! Step 1: which ECR registry serves the curated packages of a subscription.
//!
//! `DescribeEksAnywhereSubscription` answers with a `packageRegistry` string such as
//! `346438352937.dkr.ecr.us-west-2.amazonaws.com`, but that field is in no published
//! API model, so the SDK drops it while deserializing. An interceptor reads it from
//! the raw response body instead. When the subscription does not name a registry the
//! production registry of the region is used, and the lookup says so.

use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_sdk_eks::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_eks::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;

use super::{CallError, CallReport, Outcome};
use crate::core::regions;
use crate::core::validate::{AccountId, Invalid, Region, SubscriptionId};

const OPERATION: &str = "eks:DescribeEksAnywhereSubscription";

/// The ECR registry that serves curated packages: its account and host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRegistry {
    pub account: AccountId,
    /// Such as `346438352937.dkr.ecr.us-west-2.amazonaws.com`.
    pub host: String,
}

impl PackageRegistry {
    /// Reads `<account>.dkr.ecr.<region>.amazonaws.com` (or `.amazonaws.com.cn`).
    pub fn parse(host: &str) -> Result<Self, Invalid> {
        let text = host.trim();
        let shape = || {
            Invalid(format!(
                "'{text}' is not a registry host of the form <account>.dkr.ecr.<region>.amazonaws.com"
            ))
        };
        let (account, rest) = text.split_once(".dkr.ecr.").ok_or_else(shape)?;
        let region = rest
            .strip_suffix(".amazonaws.com.cn")
            .or_else(|| rest.strip_suffix(".amazonaws.com"))
            .ok_or_else(shape)?;
        let region_ok = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(shape());
        }
        let account = AccountId::parse(account).map_err(|Invalid(reason)| {
            Invalid(format!("in the registry host '{text}', {reason}"))
        })?;
        Ok(PackageRegistry {
            account,
            host: text.to_string(),
        })
    }

    /// The registry of an account in a region, named as ECR names registries.
    pub fn in_region(account: AccountId, region: &Region) -> Self {
        let host = format!(
            "{account}.dkr.ecr.{}.{}",
            region.name(),
            region.partition().dns_suffix()
        );
        PackageRegistry { account, host }
    }
}

impl fmt::Display for PackageRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.account, self.host)
    }
}

/// Why the registry came from the regional table rather than the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackReason {
    /// The answer carried no `packageRegistry`.
    FieldAbsent,
    /// The call failed.
    CallFailed(CallError),
    /// `packageRegistry` was there but not a registry host.
    Unparseable(String),
}

impl fmt::Display for FallbackReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FallbackReason::FieldAbsent => f.write_str("the subscription names no packageRegistry"),
            FallbackReason::CallFailed(error) => match error.code() {
                Some(code) => write!(f, "the subscription could not be read ({code})"),
                None => write!(f, "the subscription could not be read ({})", error.message),
            },
            FallbackReason::Unparseable(text) => {
                write!(
                    f,
                    "the subscription's packageRegistry '{text}' is not a registry host"
                )
            }
        }
    }
}

/// Where the registry account came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrySource {
    /// The subscription's own `packageRegistry`.
    Subscription,
    /// The table of production registries for the region, for the reason given.
    RegionalTable(FallbackReason),
    /// The operator named it.
    Operator,
}

/// What step 1 found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryLookup {
    /// `None` when the subscription named none and the region has no production registry.
    pub registry: Option<PackageRegistry>,
    pub source: RegistrySource,
    /// The `DescribeEksAnywhereSubscription` call and what it came to.
    pub report: CallReport,
}

impl RegistryLookup {
    /// One sentence saying which registry is used and why, for the status line.
    pub fn explain(&self) -> String {
        match (&self.registry, &self.source) {
            (Some(registry), RegistrySource::Subscription) => {
                format!("registry account {} (named by the subscription)", registry)
            }
            (Some(registry), RegistrySource::Operator) => {
                format!("registry account {} (given by the operator)", registry)
            }
            (Some(registry), RegistrySource::RegionalTable(reason)) => format!(
                "registry account {} from the table of production registries for the region, because {reason}",
                registry
            ),
            (None, RegistrySource::RegionalTable(reason)) => format!(
                "no registry account: {reason}, and the region has no production curated-packages registry; name it with --registry-account"
            ),
            (None, _) => "no registry account".to_string(),
        }
    }

    /// The same lookup with the registry the operator named, keeping what the call said.
    pub fn overridden(mut self, registry: PackageRegistry) -> Self {
        self.registry = Some(registry);
        self.source = RegistrySource::Operator;
        self
    }
}

/// Asks the subscription for its registry, falling back to the regional table.
pub async fn find_package_registry(
    config: &SdkConfig,
    region: &Region,
    subscription: &SubscriptionId,
) -> RegistryLookup {
    let client = aws_sdk_eks::Client::new(config);
    find_package_registry_with(&client, region, subscription).await
}

/// [`find_package_registry`] with a client already built.
pub async fn find_package_registry_with(
    client: &aws_sdk_eks::Client,
    region: &Region,
    subscription: &SubscriptionId,
) -> RegistryLookup {
    let capture = PackageRegistryCapture::default();
    let answer = client
        .describe_eks_anywhere_subscription()
        .id(subscription.as_str())
        .customize()
        .interceptor(capture.clone())
        .send()
        .await;
    let subject = subscription.to_string();
    let found = match answer {
        Err(error) => Err(FallbackReason::CallFailed(describe_failure(error))),
        Ok(_) => match capture.take() {
            None => Err(FallbackReason::FieldAbsent),
            Some(text) => {
                PackageRegistry::parse(&text).map_err(|_| FallbackReason::Unparseable(text))
            }
        },
    };
    match found {
        Ok(registry) => RegistryLookup {
            report: CallReport::new(
                OPERATION,
                subject,
                Outcome::Ok(format!("packageRegistry {}", registry.host)),
            ),
            registry: Some(registry),
            source: RegistrySource::Subscription,
        },
        Err(reason) => {
            let outcome = match &reason {
                FallbackReason::CallFailed(error) => Outcome::Failed(error.clone()),
                other => Outcome::Ok(other.to_string()),
            };
            let registry = regions::curated_packages_registry(region.name()).map(|account| {
                let account =
                    AccountId::parse(account).expect("the regional table holds account ids");
                PackageRegistry::in_region(account, region)
            });
            RegistryLookup {
                registry,
                source: RegistrySource::RegionalTable(reason),
                report: CallReport::new(OPERATION, subject, outcome),
            }
        }
    }
}

/// An answer that is no AWS error at all (an HTML page from an endpoint that does not
/// serve this API, say) is described by its HTTP status rather than the parser's
/// complaint about its first character.
fn describe_failure(
    error: aws_sdk_eks::error::SdkError<
        aws_sdk_eks::operation::describe_eks_anywhere_subscription::DescribeEksAnywhereSubscriptionError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> CallError {
    let status = error
        .raw_response()
        .map(|response| response.status().as_u16());
    let described = CallError::from_sdk(OPERATION, error);
    match status {
        Some(status) if described.code.is_none() => CallError::new(
            OPERATION,
            None,
            format!("HTTP {status} without an AWS error: the endpoint does not serve this API"),
        ),
        _ => described,
    }
}

/// Keeps the `subscription.packageRegistry` string of the raw answer, which the SDK's
/// model does not know.
#[derive(Debug, Clone, Default)]
struct PackageRegistryCapture(Arc<Mutex<Option<String>>>);

impl PackageRegistryCapture {
    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Intercept for PackageRegistryCapture {
    fn name(&self) -> &'static str {
        "PackageRegistryCapture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let found = context
            .response()
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(bytes).ok())
            .and_then(|body| {
                body.get("subscription")?
                    .get("packageRegistry")?
                    .as_str()
                    .map(str::to_string)
            });
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = found;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::operation::describe_eks_anywhere_subscription::DescribeEksAnywhereSubscriptionError;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";

    fn client(rule: &Rule) -> aws_sdk_eks::Client {
        mock_client!(aws_sdk_eks, RuleMode::MatchAny, [rule])
    }

    fn answer(body: &'static str) -> Rule {
        mock!(aws_sdk_eks::Client::describe_eks_anywhere_subscription)
            .match_requests(|input| input.id() == Some(SUBSCRIPTION))
            .then_http_response(move || {
                HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body))
            })
    }

    fn region(name: &str) -> Region {
        Region::parse(name).unwrap()
    }

    fn subscription() -> SubscriptionId {
        SubscriptionId::parse(SUBSCRIPTION).unwrap()
    }

    #[tokio::test]
    async fn the_registry_named_by_the_subscription_wins_over_the_table() {
        let rule = answer(
            r#"{"subscription":{"id":"e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964","status":"ACTIVE","packageRegistry":"111122223333.dkr.ecr.us-west-2.amazonaws.com"}}"#,
        );
        let lookup =
            find_package_registry_with(&client(&rule), &region("us-west-2"), &subscription()).await;
        let registry = lookup.registry.clone().unwrap();
        assert_eq!(registry.account.as_str(), "111122223333");
        assert_eq!(
            registry.host,
            "111122223333.dkr.ecr.us-west-2.amazonaws.com"
        );
        assert_eq!(lookup.source, RegistrySource::Subscription);
        assert_eq!(lookup.report.call, OPERATION);
        assert!(!lookup.report.outcome.is_failure());
        assert!(
            lookup.explain().contains("named by the subscription"),
            "{}",
            lookup.explain()
        );
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_answer_without_the_field_falls_back_to_the_regional_table() {
        let rule = answer(
            r#"{"subscription":{"id":"e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964","status":"ACTIVE"}}"#,
        );
        let lookup =
            find_package_registry_with(&client(&rule), &region("us-west-2"), &subscription()).await;
        assert_eq!(
            lookup.registry.as_ref().unwrap().account.as_str(),
            "346438352937"
        );
        assert_eq!(
            lookup.registry.as_ref().unwrap().host,
            "346438352937.dkr.ecr.us-west-2.amazonaws.com"
        );
        assert_eq!(
            lookup.source,
            RegistrySource::RegionalTable(FallbackReason::FieldAbsent)
        );
        assert!(
            lookup.explain().contains("names no packageRegistry"),
            "{}",
            lookup.explain()
        );
    }

    #[tokio::test]
    async fn an_unparseable_registry_falls_back_and_quotes_it() {
        let rule = answer(r#"{"subscription":{"packageRegistry":"public.ecr.aws/eks-anywhere"}}"#);
        let lookup =
            find_package_registry_with(&client(&rule), &region("eu-west-1"), &subscription()).await;
        assert_eq!(lookup.registry.unwrap().account.as_str(), "090204409458");
        assert_eq!(
            lookup.source,
            RegistrySource::RegionalTable(FallbackReason::Unparseable(
                "public.ecr.aws/eks-anywhere".into()
            ))
        );
    }

    #[tokio::test]
    async fn a_failed_call_falls_back_with_the_error() {
        let rule =
            mock!(aws_sdk_eks::Client::describe_eks_anywhere_subscription).then_error(|| {
                DescribeEksAnywhereSubscriptionError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not allowed to describe subscriptions")
                        .build(),
                )
            });
        let lookup =
            find_package_registry_with(&client(&rule), &region("us-east-1"), &subscription()).await;
        assert_eq!(
            lookup.registry.as_ref().unwrap().account.as_str(),
            "331113665574"
        );
        let RegistrySource::RegionalTable(FallbackReason::CallFailed(error)) = &lookup.source
        else {
            panic!("expected a fallback after a failed call: {lookup:?}");
        };
        assert!(error.is("AccessDeniedException"));
        assert!(lookup.report.outcome.is_failure());
        assert!(
            lookup
                .explain()
                .contains("could not be read (AccessDeniedException)"),
            "{}",
            lookup.explain()
        );
    }

    #[tokio::test]
    async fn a_not_found_page_with_no_table_entry_leaves_no_registry() {
        let rule = mock!(aws_sdk_eks::Client::describe_eks_anywhere_subscription)
            .then_http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(404).unwrap(),
                    SdkBody::from("<html><body>Not Found</body></html>"),
                )
            });
        let lookup =
            find_package_registry_with(&client(&rule), &region("cn-north-1"), &subscription())
                .await;
        assert_eq!(lookup.registry, None);
        assert!(matches!(
            lookup.source,
            RegistrySource::RegionalTable(FallbackReason::CallFailed(_))
        ));
        let explained = lookup.explain();
        assert!(explained.contains("--registry-account"), "{explained}");
        assert!(
            explained.contains("HTTP 404 without an AWS error"),
            "{explained}"
        );
    }

    #[test]
    fn registry_hosts() {
        let china =
            PackageRegistry::parse("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn").unwrap();
        assert_eq!(china.account.as_str(), "111122223333");
        for bad in [
            "346438352937.dkr.ecr.us-west-2.example.com",
            "34643835293.dkr.ecr.us-west-2.amazonaws.com",
            "346438352937.dkr.ecr..amazonaws.com",
            "",
        ] {
            assert!(PackageRegistry::parse(bad).is_err(), "{bad}");
        }
        let built = PackageRegistry::in_region(
            AccountId::parse("111122223333").unwrap(),
            &region("cn-northwest-1"),
        );
        assert_eq!(
            built.host,
            "111122223333.dkr.ecr.cn-northwest-1.amazonaws.com.cn"
        );
    }
}
