//! Step 8: check the whole chain from the new credentials, one check at a time, so an
//! unreachable registry is never mistaken for a denied role: the user's key assumes
//! the role, the role gets an ECR login token, and the registry answers a manifest
//! request with that token.

use std::time::Duration;

use aws_config::SdkConfig;
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::{CallError, CallReport, Outcome};
use crate::core::secret::{AccessKeyPair, Secret};
use crate::core::validate::RoleArn;

const ASSUME_ROLE: &str = "sts:AssumeRole";
const GET_TOKEN: &str = "ecr:GetAuthorizationToken";
/// The manifest the curated-packages controller reads first.
pub const MANIFEST_PATH: &str = "/v2/eks-anywhere-packages/manifests/latest";
/// The manifest media types a registry client announces.
pub const MANIFEST_MEDIA_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
/// How long the registry may take to answer.
pub const REGISTRY_TIMEOUT: Duration = Duration::from_secs(15);
const SESSION_NAME: &str = "ecr-share-verify";

/// Retries of `sts:AssumeRole` while a new user, key or role is not yet visible
/// everywhere in IAM (AWS says this can take seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            attempts: 6,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// The role's temporary credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
}

/// What to check and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyPlan {
    pub role_arn: RoleArn,
    /// The registry host, such as `346438352937.dkr.ecr.us-west-2.amazonaws.com`.
    pub registry_host: String,
    /// Where to send the manifest request instead of `https://<registry host>`
    /// (a mirror, or a local server in tests).
    pub registry_url: Option<String>,
    pub backoff: Backoff,
}

impl VerifyPlan {
    pub fn new(role_arn: RoleArn, registry_host: impl Into<String>) -> Self {
        VerifyPlan {
            role_arn,
            registry_host: registry_host.into(),
            registry_url: None,
            backoff: Backoff::default(),
        }
    }

    /// The base URL the manifest request goes to.
    pub fn registry_base(&self) -> String {
        self.registry_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", self.registry_host))
    }
}

/// Runs the three checks with the new key; `config` gives the region, endpoint and
/// timeouts (its own credentials are not used). A check runs only when the one before
/// it passed, so the reports end at the first failure.
pub async fn verify(config: &SdkConfig, key: &AccessKeyPair, plan: &VerifyPlan) -> Vec<CallReport> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(config)
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                &key.access_key_id,
                key.secret_access_key.expose(),
                None,
                None,
                "ecr-share-new-access-key",
            ))
            .build(),
    );
    let (report, role) = assume_role_with(&sts, &plan.role_arn, plan.backoff).await;
    let mut reports = vec![report];
    let Some(role) = role else {
        return reports;
    };
    let ecr = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(config)
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                &role.access_key_id,
                role.secret_access_key.expose(),
                Some(role.session_token.expose().to_string()),
                None,
                "ecr-share-role",
            ))
            .build(),
    );
    let (report, token) = authorization_token_with(&ecr).await;
    reports.push(report);
    let Some(token) = token else {
        return reports;
    };
    reports.push(check_registry(&plan.registry_base(), &plan.registry_host, &token).await);
    reports
}

fn retryable(error: &CallError) -> bool {
    error.is("AccessDenied") || error.is("InvalidClientTokenId")
}

/// Assumes the role, retrying with growing delays while IAM does not yet know the
/// new key or trust.
pub async fn assume_role_with(
    client: &aws_sdk_sts::Client,
    role_arn: &RoleArn,
    backoff: Backoff,
) -> (CallReport, Option<RoleCredentials>) {
    let subject = role_arn.to_string();
    let attempts = backoff.attempts.max(1);
    let mut delay = backoff.first_delay;
    let mut attempt = 1;
    loop {
        let answer = client
            .assume_role()
            .role_arn(role_arn.as_str())
            .role_session_name(SESSION_NAME)
            .send()
            .await;
        match answer {
            Ok(output) => {
                let Some(credentials) = output.credentials() else {
                    let error =
                        CallError::new(ASSUME_ROLE, None, "the answer holds no credentials");
                    return (
                        CallReport::new(ASSUME_ROLE, subject, Outcome::Failed(error)),
                        None,
                    );
                };
                let role = RoleCredentials {
                    access_key_id: credentials.access_key_id().to_string(),
                    secret_access_key: Secret::new(credentials.secret_access_key()),
                    session_token: Secret::new(credentials.session_token()),
                };
                let text = if attempt == 1 {
                    "the key may assume the role".to_string()
                } else {
                    format!(
                        "the key may assume the role (after {attempt} attempts while IAM caught up)"
                    )
                };
                return (
                    CallReport::new(ASSUME_ROLE, subject, Outcome::Ok(text)),
                    Some(role),
                );
            }
            Err(error) => {
                let mut error = CallError::from_sdk(ASSUME_ROLE, error);
                if retryable(&error) && attempt < attempts {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(backoff.max_delay);
                    attempt += 1;
                    continue;
                }
                if retryable(&error) && attempts > 1 {
                    error.message = format!(
                        "{} (still refused after {attempts} attempts; IAM can take a minute to know a new key or trust policy, else check the role's trust policy and the user's assume-role policy)",
                        error.message
                    );
                }
                return (
                    CallReport::new(ASSUME_ROLE, subject, Outcome::Failed(error)),
                    None,
                );
            }
        }
    }
}

/// Gets an ECR login token with the role's credentials.
pub async fn authorization_token_with(
    client: &aws_sdk_ecr::Client,
) -> (CallReport, Option<Secret>) {
    const SUBJECT: &str = "with the role's credentials";
    match client.get_authorization_token().send().await {
        Err(error) => (
            CallReport::new(
                GET_TOKEN,
                SUBJECT,
                Outcome::Failed(CallError::from_sdk(GET_TOKEN, error)),
            ),
            None,
        ),
        Ok(output) => {
            let token = output
                .authorization_data()
                .iter()
                .find_map(|data| data.authorization_token())
                .filter(|token| !token.is_empty());
            match token {
                Some(token) => (
                    CallReport::new(
                        GET_TOKEN,
                        SUBJECT,
                        Outcome::Ok("the role may log in to ECR".to_string()),
                    ),
                    Some(Secret::new(token)),
                ),
                None => (
                    CallReport::new(
                        GET_TOKEN,
                        SUBJECT,
                        Outcome::Failed(CallError::new(
                            GET_TOKEN,
                            None,
                            "the answer holds no token",
                        )),
                    ),
                    None,
                ),
            }
        }
    }
}

/// Asks the registry for the curated-packages manifest with the ECR token. 200 and
/// 404 both mean the registry let the role in; 401 and 403 mean it did not.
pub async fn check_registry(base_url: &str, registry_host: &str, token: &Secret) -> CallReport {
    let call = format!("GET {MANIFEST_PATH}");
    let url = format!("{}{MANIFEST_PATH}", base_url.trim_end_matches('/'));
    let outcome = match fetch_status(&url, token).await {
        Err(message) => Outcome::Failed(CallError::new(
            &call,
            Some("ConnectionFailed"),
            format!(
                "could not reach {url}: {message}; the role's access could not be checked from here, which is not a denial"
            ),
        )),
        Ok(200) => Outcome::Ok("200: the role may pull from the registry".to_string()),
        Ok(404) => Outcome::Ok(
            "404: the registry let the role in and has no manifest tagged latest, which is fine"
                .to_string(),
        ),
        Ok(status @ (401 | 403)) => Outcome::Failed(CallError::new(
            &call,
            Some("RegistryDenied"),
            format!(
                "the registry refused the role's token (HTTP {status}): check that the policy of step 2 names registry account of {registry_host} and is attached to the role"
            ),
        )),
        Ok(status) => Outcome::Failed(CallError::new(
            &call,
            Some(&format!("HTTP{status}")),
            format!(
                "the registry answered HTTP {status}, which says nothing about the role's access"
            ),
        )),
    };
    let subject = if base_url.trim_end_matches('/') == format!("https://{registry_host}") {
        registry_host.to_string()
    } else {
        format!("{registry_host} at {base_url}")
    };
    CallReport::new(call, subject, outcome)
}

/// The status of one GET; `Err` when no answer came.
async fn fetch_status(url: &str, token: &Secret) -> Result<u16, String> {
    let request = hyper::Request::get(url)
        .header(
            hyper::header::AUTHORIZATION,
            format!("Basic {}", token.expose()),
        )
        .header(hyper::header::ACCEPT, MANIFEST_MEDIA_TYPES)
        .header(
            hyper::header::USER_AGENT,
            concat!("ecr-share/", env!("CARGO_PKG_VERSION")),
        )
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("not a URL: {e}"))?;
    let mut http = HttpConnector::new();
    http.set_connect_timeout(Some(super::CONNECT_TIMEOUT));
    let answer = if url.starts_with("http://") {
        let client = HttpClient::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(http);
        tokio::time::timeout(REGISTRY_TIMEOUT, client.request(request)).await
    } else {
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|e| format!("no trusted root certificates on this machine: {e}"))?
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        let client = HttpClient::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector);
        tokio::time::timeout(REGISTRY_TIMEOUT, client.request(request)).await
    };
    match answer {
        Err(_) => Err(format!("no answer within {} s", REGISTRY_TIMEOUT.as_secs())),
        Ok(Err(error)) => Err(describe_http_error(&error)),
        Ok(Ok(response)) => Ok(response.status().as_u16()),
    }
}

fn describe_http_error(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    use aws_sdk_ecr::operation::get_authorization_token::GetAuthorizationTokenOutput;
    use aws_sdk_ecr::types::AuthorizationData;
    use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_types::DateTime;
    use aws_smithy_types::error::ErrorMetadata;

    const ROLE: &str = "arn:aws:iam::111111111111:role/curated-packages-role";

    fn tiny() -> Backoff {
        Backoff {
            attempts: 4,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    fn sts(rule: &Rule) -> aws_sdk_sts::Client {
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, [rule])
    }

    fn ecr(rule: &Rule) -> aws_sdk_ecr::Client {
        mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [rule])
    }

    fn refused(code: &'static str) -> AssumeRoleError {
        AssumeRoleError::generic(
            ErrorMetadata::builder()
                .code(code)
                .message("not yet")
                .build(),
        )
    }

    fn role_credentials() -> AssumeRoleOutput {
        AssumeRoleOutput::builder()
            .credentials(
                aws_sdk_sts::types::Credentials::builder()
                    .access_key_id("ASIAROLE")
                    .secret_access_key("role-secret")
                    .session_token("role-token")
                    .expiration(DateTime::from_secs(2_000_000_000))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[tokio::test]
    async fn assuming_the_role_is_retried_while_iam_catches_up() {
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(|input| input.role_arn() == Some(ROLE))
            .sequence()
            .error(|| refused("InvalidClientTokenId"))
            .error(|| refused("AccessDenied"))
            .output(role_credentials)
            .build();
        let (report, role) =
            assume_role_with(&sts(&rule), &RoleArn::parse(ROLE).unwrap(), tiny()).await;
        assert_eq!(rule.num_calls(), 3);
        let role = role.expect("the third attempt succeeds");
        assert_eq!(role.access_key_id, "ASIAROLE");
        assert_eq!(role.session_token.expose(), "role-token");
        assert!(
            report.outcome.detail().contains("after 3 attempts"),
            "{report:?}"
        );
        assert!(!format!("{report:?}{role:?}").contains("role-secret"));
    }

    #[tokio::test]
    async fn assuming_gives_up_after_the_last_attempt_and_says_why() {
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .sequence()
            .error(|| refused("AccessDenied"))
            .repeatedly()
            .build();
        let (report, role) =
            assume_role_with(&sts(&rule), &RoleArn::parse(ROLE).unwrap(), tiny()).await;
        assert_eq!(rule.num_calls(), 4);
        assert_eq!(role, None);
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.is("AccessDenied"));
        assert!(error.message.contains("after 4 attempts"), "{error}");
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .sequence()
            .error(|| refused("ExpiredToken"))
            .repeatedly()
            .build();
        let (report, _) =
            assume_role_with(&sts(&rule), &RoleArn::parse(ROLE).unwrap(), tiny()).await;
        assert_eq!(rule.num_calls(), 1);
        assert!(report.outcome.is_failure());
    }

    /// A registry on 127.0.0.1 that answers one request with `status` and hands back
    /// the request's head.
    fn registry(status: u16) -> (String, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            sender.send(head).unwrap();
        });
        (base, receiver)
    }

    #[tokio::test]
    async fn the_ecr_token_goes_to_the_registry_as_basic_authorization() {
        let rule = mock!(aws_sdk_ecr::Client::get_authorization_token).then_output(|| {
            GetAuthorizationTokenOutput::builder()
                .authorization_data(
                    AuthorizationData::builder()
                        .authorization_token("QVdTOnJlZ2lzdHJ5LXBhc3N3b3Jk")
                        .proxy_endpoint("https://346438352937.dkr.ecr.us-west-2.amazonaws.com")
                        .build(),
                )
                .build()
        });
        let (report, token) = authorization_token_with(&ecr(&rule)).await;
        assert!(!report.outcome.is_failure(), "{report:?}");
        let token = token.unwrap();
        assert_eq!(token.expose(), "QVdTOnJlZ2lzdHJ5LXBhc3N3b3Jk");

        let (base, request) = registry(200);
        let report = check_registry(
            &base,
            "346438352937.dkr.ecr.us-west-2.amazonaws.com",
            &token,
        )
        .await;
        assert!(matches!(report.outcome, Outcome::Ok(_)), "{report:?}");
        let head = request.recv().unwrap();
        assert!(
            head.starts_with("GET /v2/eks-anywhere-packages/manifests/latest HTTP/1.1\r\n"),
            "{head}"
        );
        let lower = head.to_ascii_lowercase();
        assert!(
            lower.contains("authorization: basic qvdtonjlz2lzdhj5lxbhc3n3b3jk\r\n"),
            "{head}"
        );
        assert!(
            lower.contains("application/vnd.docker.distribution.manifest.v2+json"),
            "{head}"
        );
    }

    #[tokio::test]
    async fn an_answer_without_a_token_fails_the_check() {
        let rule = mock!(aws_sdk_ecr::Client::get_authorization_token)
            .then_output(|| GetAuthorizationTokenOutput::builder().build());
        let (report, token) = authorization_token_with(&ecr(&rule)).await;
        assert!(report.outcome.is_failure());
        assert_eq!(token, None);
    }

    #[tokio::test]
    async fn registry_answers_mean_allowed_denied_or_unreachable() {
        let token = Secret::new("dG9rZW4=");
        for (status, allowed) in [(200, true), (404, true), (401, false), (403, false)] {
            let (base, _request) = registry(status);
            let report = check_registry(&base, "registry.example", &token).await;
            assert_eq!(
                !report.outcome.is_failure(),
                allowed,
                "{status}: {report:?}"
            );
            if !allowed {
                let Outcome::Failed(error) = &report.outcome else {
                    unreachable!()
                };
                assert!(error.is("RegistryDenied"), "{error}");
            }
        }
        let closed = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", listener.local_addr().unwrap())
        };
        let report = check_registry(&closed, "registry.example", &token).await;
        let Outcome::Failed(error) = &report.outcome else {
            panic!("{report:?}")
        };
        assert!(error.is("ConnectionFailed"), "{error}");
        assert!(error.message.contains("not a denial"), "{error}");
        assert!(!error.to_string().contains("dG9rZW4="));
    }
}
