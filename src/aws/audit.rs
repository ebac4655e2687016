//! The reads of an audit: every repository of the account and region (or the named
//! ones), then each one's policy, with a bounded number of calls in flight.
//!
//! The client uses the SDK's adaptive retry mode: when AWS throttles, it retries with
//! backoff and also slows down the calls that follow, instead of letting hundreds of
//! reads fail. Timeouts are the project's (see [`super::load_config`]). Reads are
//! idempotent, so retrying them is always safe.

use aws_config::SdkConfig;
use aws_sdk_ecr::Client;
use aws_sdk_ecr::config::retry::RetryConfig;
use tokio::task::JoinSet;

use super::{CallError, MAX_ATTEMPTS};

const DESCRIBE_REPOSITORIES: &str = "ecr:DescribeRepositories";
const GET_POLICY: &str = "ecr:GetRepositoryPolicy";
/// The most repositories one `DescribeRepositories` page holds (the default is 100).
const LIST_PAGE: i32 = 1000;

/// A repository as listed: its name and the account (registry) that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    pub account: String,
}

/// Which repository to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// One that the listing returned.
    Listed(Repository),
    /// One the operator named: it is looked up first, since it may not exist.
    Named(String),
}

impl Wanted {
    fn name(&self) -> &str {
        match self {
            Wanted::Listed(repository) => &repository.name,
            Wanted::Named(name) => name,
        }
    }
}

/// What reading one repository's policy came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRead {
    /// The policy text as AWS holds it.
    Policy(String),
    /// The repository has no policy (`RepositoryPolicyNotFoundException`).
    NoPolicy,
    /// There is no repository of that name (`RepositoryNotFoundException`).
    Missing,
    /// A call failed; the audit goes on with the others.
    Failed(CallError),
}

/// One repository and what reading its policy came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryRead {
    pub name: String,
    /// The account that owns it; `None` when it was named and could not be found.
    pub account: Option<String>,
    pub read: PolicyRead,
}

/// The ECR reads of one region and set of credentials.
#[derive(Debug, Clone)]
pub struct PolicyReader {
    client: Client,
}

impl PolicyReader {
    /// A client from the loaded configuration, with the adaptive retry mode.
    pub fn new(config: &SdkConfig) -> PolicyReader {
        let config = aws_sdk_ecr::config::Builder::from(config)
            .retry_config(RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS))
            .build();
        PolicyReader::from_client(Client::from_conf(config))
    }

    /// Uses a client as it is configured (tests hand in one with mocked answers).
    pub fn from_client(client: Client) -> PolicyReader {
        PolicyReader { client }
    }

    /// Every repository of the account and region, page by page, in pages of the
    /// most AWS gives at once.
    pub async fn list(&self) -> Result<Vec<Repository>, CallError> {
        let repositories = self
            .client
            .describe_repositories()
            .max_results(LIST_PAGE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| CallError::from_sdk(DESCRIBE_REPOSITORIES, e))?;
        Ok(repositories
            .into_iter()
            .filter_map(|r| {
                Some(Repository {
                    name: r.repository_name?,
                    account: r.registry_id.unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Reads the policy of every wanted repository, at most `concurrency` at a time
    /// (each repository's calls are made one after the other, so no more than
    /// `concurrency` calls are ever in flight). `progress` is told how many are done
    /// after each, with the one just read. The results are in the order asked.
    pub async fn read_all(
        &self,
        wanted: Vec<Wanted>,
        concurrency: usize,
        progress: &mut (dyn FnMut(usize, usize, &RepositoryRead) + Send),
    ) -> Vec<RepositoryRead> {
        let total = wanted.len();
        let mut results: Vec<Option<RepositoryRead>> = vec![None; total];
        let mut queue = wanted.into_iter().enumerate();
        let mut running = JoinSet::new();
        let start = |running: &mut JoinSet<(usize, RepositoryRead)>, next| {
            if let Some((index, wanted)) = next {
                let reader = self.clone();
                running.spawn(async move { (index, reader.read_one(wanted).await) });
            }
        };
        for _ in 0..concurrency.max(1) {
            start(&mut running, queue.next());
        }
        let mut done = 0;
        while let Some(joined) = running.join_next().await {
            let (index, read) = match joined {
                Ok(finished) => finished,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => panic!("a policy read was cancelled: {error}"),
            };
            done += 1;
            progress(done, total, &read);
            results[index] = Some(read);
            start(&mut running, queue.next());
        }
        results
            .into_iter()
            .map(|read| read.expect("every started read finished"))
            .collect()
    }

    async fn read_one(&self, wanted: Wanted) -> RepositoryRead {
        let name = wanted.name().to_string();
        let account = match wanted {
            Wanted::Listed(repository) => repository.account,
            Wanted::Named(name) => match self.look_up(&name).await {
                Ok(Some(account)) => account,
                Ok(None) => {
                    return RepositoryRead {
                        name,
                        account: None,
                        read: PolicyRead::Missing,
                    };
                }
                Err(error) => {
                    return RepositoryRead {
                        name,
                        account: None,
                        read: PolicyRead::Failed(error),
                    };
                }
            },
        };
        let read = self.policy(&name).await;
        RepositoryRead {
            name,
            account: Some(account).filter(|a| !a.is_empty()),
            read,
        }
    }

    /// The account that owns a named repository; `None` when there is none by that
    /// name.
    async fn look_up(&self, name: &str) -> Result<Option<String>, CallError> {
        let answer = self
            .client
            .describe_repositories()
            .repository_names(name)
            .send()
            .await;
        match answer {
            Ok(output) => Ok(output
                .repositories()
                .iter()
                .find(|r| r.repository_name() == Some(name))
                .map(|r| r.registry_id().unwrap_or_default().to_string())),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_repository_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(CallError::from_sdk(DESCRIBE_REPOSITORIES, error)),
        }
    }

    async fn policy(&self, name: &str) -> PolicyRead {
        let answer = self
            .client
            .get_repository_policy()
            .repository_name(name)
            .send()
            .await;
        match answer {
            Ok(output) => match output.policy_text {
                Some(text) => PolicyRead::Policy(text),
                None => PolicyRead::NoPolicy,
            },
            Err(error) => match error.as_service_error() {
                Some(e) if e.is_repository_policy_not_found_exception() => PolicyRead::NoPolicy,
                Some(e) if e.is_repository_not_found_exception() => PolicyRead::Missing,
                _ => PolicyRead::Failed(CallError::from_sdk(GET_POLICY, error)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecr::config::retry::RetryMode;
    use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
    use aws_sdk_ecr::operation::get_repository_policy::{
        GetRepositoryPolicyError, GetRepositoryPolicyOutput,
    };
    use aws_sdk_ecr::types::error::{
        RepositoryNotFoundException, RepositoryPolicyNotFoundException,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn the_client_retries_in_adaptive_mode_with_the_project_s_attempts() {
        let config = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        let reader = PolicyReader::new(&config);
        let retries = reader.client.config().retry_config().unwrap();
        assert_eq!(retries.mode(), RetryMode::Adaptive);
        assert_eq!(retries.max_attempts(), MAX_ATTEMPTS);
    }

    #[test]
    fn each_repository_gets_its_own_outcome_in_the_order_asked() {
        let policy = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("with-policy"))
            .then_output(|| {
                GetRepositoryPolicyOutput::builder()
                    .policy_text("{\"Statement\":[]}")
                    .build()
            });
        let none = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("without"))
            .then_error(|| {
                GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
                    RepositoryPolicyNotFoundException::builder().build(),
                )
            });
        let gone = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("deleted-since"))
            .then_error(|| {
                GetRepositoryPolicyError::RepositoryNotFoundException(
                    RepositoryNotFoundException::builder().build(),
                )
            });
        let denied = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("denied"))
            .then_http_response(|| {
                let body = r#"{"__type":"AccessDeniedException","message":"not allowed"}"#;
                HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body))
            });
        let named = mock!(Client::describe_repositories)
            .match_requests(|r| r.repository_names() == ["named"])
            .then_output(|| {
                DescribeRepositoriesOutput::builder()
                    .repositories(
                        aws_sdk_ecr::types::Repository::builder()
                            .repository_name("named")
                            .registry_id("123456789012")
                            .build(),
                    )
                    .build()
            });
        let named_policy = mock!(Client::get_repository_policy)
            .match_requests(|r| r.repository_name() == Some("named"))
            .then_error(|| {
                GetRepositoryPolicyError::RepositoryPolicyNotFoundException(
                    RepositoryPolicyNotFoundException::builder().build(),
                )
            });
        let absent = mock!(Client::describe_repositories)
            .match_requests(|r| r.repository_names() == ["absent"])
            .then_error(|| {
                aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError::RepositoryNotFoundException(
                    RepositoryNotFoundException::builder().build(),
                )
            });
        let client = mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [
                &policy,
                &none,
                &gone,
                &denied,
                &named,
                &named_policy,
                &absent
            ]
        );
        let reader = PolicyReader::from_client(client);
        let listed = |name: &str| {
            Wanted::Listed(Repository {
                name: name.into(),
                account: "123456789012".into(),
            })
        };
        let mut seen = Vec::new();
        let reads = runtime().block_on(reader.read_all(
            vec![
                listed("with-policy"),
                listed("without"),
                listed("deleted-since"),
                listed("denied"),
                Wanted::Named("named".into()),
                Wanted::Named("absent".into()),
            ],
            2,
            &mut |done, total, _| seen.push((done, total)),
        ));
        let outcomes: Vec<(&str, Option<&str>, &PolicyRead)> = reads
            .iter()
            .map(|r| (r.name.as_str(), r.account.as_deref(), &r.read))
            .collect();
        assert_eq!(outcomes.len(), 6);
        assert_eq!(
            outcomes[0],
            (
                "with-policy",
                Some("123456789012"),
                &PolicyRead::Policy("{\"Statement\":[]}".into())
            )
        );
        assert_eq!(outcomes[1].2, &PolicyRead::NoPolicy);
        assert_eq!(outcomes[2].2, &PolicyRead::Missing);
        match outcomes[3].2 {
            PolicyRead::Failed(error) => {
                assert_eq!(error.operation, GET_POLICY);
                assert_eq!(error.code(), Some("AccessDeniedException"));
                assert_eq!(error.message, "not allowed");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            outcomes[4],
            ("named", Some("123456789012"), &PolicyRead::NoPolicy)
        );
        assert_eq!(outcomes[5], ("absent", None, &PolicyRead::Missing));
        assert_eq!(
            seen,
            (1..=6).map(|done| (done, 6)).collect::<Vec<_>>(),
            "progress counts every repository once"
        );
    }

    #[test]
    fn the_listing_follows_every_page() {
        let page = |names: &[&str], token: Option<&str>| {
            let mut output = DescribeRepositoriesOutput::builder();
            for name in names {
                output = output.repositories(
                    aws_sdk_ecr::types::Repository::builder()
                        .repository_name(*name)
                        .registry_id("123456789012")
                        .build(),
                );
            }
            output.set_next_token(token.map(str::to_string)).build()
        };
        let first = mock!(Client::describe_repositories)
            .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(1000))
            .then_output(move || page(&["a", "b"], Some("next")));
        let second = mock!(Client::describe_repositories)
            .match_requests(|r| r.next_token() == Some("next"))
            .then_output(move || page(&["c"], None));
        let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&first, &second]);
        let listed = runtime()
            .block_on(PolicyReader::from_client(client).list())
            .unwrap();
        let names: Vec<&str> = listed.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(listed.iter().all(|r| r.account == "123456789012"));
    }
}
