//! A failed AWS call, reduced to what an operator needs: which call, AWS's own error
//! code and message, and what to do about it.

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

/// The code given to a server error (HTTP 5xx) whose answer names no AWS error code.
pub const SERVER_ERROR: &str = "ServerError";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The API call, such as `iam:CreateRole`.
    pub operation: String,
    /// AWS's error code, such as `AccessDenied`; `None` when no answer came back.
    pub code: Option<String>,
    pub message: String,
}

impl CallError {
    pub fn new(
        operation: impl Into<String>,
        code: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        CallError {
            operation: operation.into(),
            code: code.map(str::to_string),
            message: message.into(),
        }
    }

    /// Reduces an SDK error to its code and message.
    pub fn from_sdk<E, R>(operation: &str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let raw = error
            .raw_response()
            .and_then(|raw| (raw as &dyn Any).downcast_ref::<HttpResponse>());
        match &error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                match raw {
                    Some(raw) if err.code().is_none() || raw.status().is_server_error() => {
                        from_answer(operation, raw, err.code(), err.message())
                    }
                    _ => {
                        let message = err
                            .message()
                            .map(str::to_string)
                            .unwrap_or_else(|| DisplayErrorContext(err).to_string());
                        CallError::new(operation, err.code(), message)
                    }
                }
            }
            SdkError::ResponseError(_) if raw.is_some_and(|raw| raw.status().is_server_error()) => {
                from_answer(operation, raw.expect("checked above"), None, None)
            }
            SdkError::TimeoutError(_) => CallError::new(
                operation,
                Some("Timeout"),
                "no answer from AWS in time".to_string(),
            ),
            SdkError::DispatchFailure(_) => {
                let chain = error_chain(&error);
                if chain.contains("credentials") {
                    CallError::new(operation, Some("NoCredentials"), chain)
                } else {
                    CallError::new(
                        operation,
                        Some("ConnectionFailed"),
                        format!("could not reach the endpoint: {chain}"),
                    )
                }
            }
            _ => CallError::new(operation, None, error_chain(&error)),
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// What the operator can do about it, where the code says.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.code.as_deref()?;
        Some(match code {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
                "the credentials lack this permission: use a profile that may make this call"
            }
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded" => {
                "AWS is throttling requests: wait a moment and run the step again"
            }
            "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => {
                "the credentials have expired: refresh them (for SSO: aws sso login) and retry"
            }
            "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" => {
                "AWS does not recognise these credentials: check the profile's keys"
            }
            "NoCredentials" => {
                "no usable credentials for this profile: check its keys, or run aws sso login for an SSO profile"
            }
            "Timeout" | "ConnectionFailed" => {
                "check the network, the region and AWS_ENDPOINT_URL, then retry"
            }
            "LimitExceeded" => "an IAM quota is reached: remove an unused entity first",
            SERVER_ERROR | "InternalFailure" | "InternalError" | "ServiceUnavailable"
            | "ServerException" => {
                "AWS had a problem of its own: retry in a moment; if it persists, give AWS support the request id"
            }
            super::profiles::PROFILE_NOT_FOUND => {
                "name a profile from one of these files, or create it with aws configure --profile <name>"
            }
            super::profiles::PROFILE_FILE_UNREADABLE => {
                "fix the file, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a readable one"
            }
            _ => return None,
        })
    }
}

/// The code of a call whose answer was lost and whose effect reading back could not
/// settle: AWS may or may not have done it.
pub const ANSWER_LOST: &str = "AnswerLost";

/// Whether a failed call may still have taken effect: no answer came back (a timeout,
/// a dropped connection, an answer that could not be read), or AWS answered with a
/// server error or without an error code. An error answer with a code below 500 means
/// AWS refused the call; a request that was never built or sent (no connection could
/// be made) changed nothing.
pub fn outcome_unknown<E>(error: &SdkError<E, HttpResponse>) -> bool
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error() || service.err().code().is_none()
        }
        SdkError::ConstructionFailure(_) => false,
        SdkError::DispatchFailure(failure) => !failure.is_user() && !never_connected(error),
        _ => true,
    }
}

/// Whether an error says no connection was made, so the request never left.
fn never_connected(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(current) = next {
        let connect = current
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect);
        let refused = current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
        if connect || refused {
            return true;
        }
        next = current.source();
    }
    false
}

/// An HTTP answer that is a server error, or carries no AWS error code, described by
/// its status and request id rather than the SDK's debug dump of an unmodelled error.
fn from_answer(
    operation: &str,
    raw: &HttpResponse,
    code: Option<&str>,
    message: Option<&str>,
) -> CallError {
    let status = raw.status();
    let reason = hyper::StatusCode::from_u16(status.as_u16())
        .ok()
        .and_then(|status| status.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default();
    let mut text = format!("AWS answered {}{reason}", status.as_u16());
    match (code, message) {
        (_, Some(message)) if !message.is_empty() => {
            text.push_str(": ");
            text.push_str(&shown_answer(message));
        }
        (Some(_), _) => {}
        (None, _) => text.push_str(" without an AWS error code"),
    }
    match raw.headers().request_id() {
        Some(id) => text.push_str(&format!(" (request id {})", shown_answer(id))),
        None => text.push_str(" (no request id)"),
    }
    let code = match code {
        Some(code) => Some(code),
        None if status.is_server_error() => Some(SERVER_ERROR),
        None => None,
    };
    CallError::new(operation, code, text)
}

/// Text from an answer, made safe to print.
fn shown_answer(text: &str) -> String {
    const MOST: usize = 400;
    let escaped: String = text
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if escaped.chars().count() > MOST {
        escaped.chars().take(MOST).collect::<String>() + "…"
    } else {
        escaped
    }
}

/// The messages of an error and its sources, joined with ": ", without the debug
/// dumps of requests and responses, and with repeats dropped.
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    const MOST: usize = 400;
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    let mut joined = parts.join(": ");
    if joined.chars().count() > MOST {
        joined = joined.chars().take(MOST).collect::<String>() + "…";
    }
    if joined.is_empty() {
        DisplayErrorContext(error).to_string()
    } else {
        joined
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.operation, self.message)?,
            None => write!(f, "{} failed: {}", self.operation, self.message)?,
        }
        if let Some(hint) = self.hint() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl StdError for CallError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn the_chain_reads_as_plain_messages_without_repeats() {
        let error = Layer(
            "dispatch failure",
            Some(Box::new(Layer(
                "dispatch failure",
                Some(Box::new(Layer("connection refused", None))),
            ))),
        );
        assert_eq!(error_chain(&error), "dispatch failure: connection refused");
        let long = Layer(Box::leak("x".repeat(1_000).into_boxed_str()), None);
        assert_eq!(error_chain(&long).chars().count(), 401);
    }

    type IamError = aws_sdk_iam::operation::create_access_key::CreateAccessKeyError;

    fn service_error(status: u16, code: Option<&str>) -> SdkError<IamError, HttpResponse> {
        let mut meta = aws_smithy_types::error::ErrorMetadata::builder().message("m");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        SdkError::service_error(
            IamError::generic(meta.build()),
            HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
                aws_smithy_types::body::SdkBody::empty(),
            ),
        )
    }

    fn dispatch(error: std::io::Error) -> SdkError<IamError, HttpResponse> {
        SdkError::dispatch_failure(aws_smithy_runtime_api::client::result::ConnectorError::io(
            Box::new(error),
        ))
    }

    #[test]
    fn only_a_refusal_or_an_unsent_request_has_a_known_outcome() {
        use std::io::{Error, ErrorKind};
        assert!(!outcome_unknown(&service_error(400, Some("LimitExceeded"))));
        assert!(outcome_unknown(&service_error(500, Some("ServiceFailure"))));
        assert!(outcome_unknown(&service_error(400, None)));
        assert!(outcome_unknown(&dispatch(Error::from(
            ErrorKind::ConnectionReset
        ))));
        assert!(!outcome_unknown(&dispatch(Error::from(
            ErrorKind::ConnectionRefused
        ))));
        assert!(outcome_unknown(
            &SdkError::<IamError, HttpResponse>::timeout_error(Box::new(Error::from(
                ErrorKind::TimedOut
            )))
        ));
        assert!(!outcome_unknown(
            &SdkError::<IamError, HttpResponse>::construction_failure(Box::new(Error::from(
                ErrorKind::InvalidInput
            )))
        ));
    }

    /// What `ecr:GetRepositoryPolicy` comes to when ECR answers with `response`.
    async fn ecr_answering(response: fn() -> HttpResponse) -> CallError {
        use aws_sdk_ecr::Client;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};
        let rule = mock!(Client::get_repository_policy).then_http_response(response);
        let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&rule], |config| config
            .retry_config(aws_sdk_ecr::config::retry::RetryConfig::disabled()));
        let error = client
            .get_repository_policy()
            .repository_name("team/app")
            .send()
            .await
            .expect_err("the answer is an error");
        CallError::from_sdk("ecr:GetRepositoryPolicy", error)
    }

    fn answer(status: u16, body: &str, request_id: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
            aws_smithy_types::body::SdkBody::from(body),
        );
        if let Some(id) = request_id {
            response
                .headers_mut()
                .insert("x-amzn-requestid", id.to_string());
        }
        response
    }

    #[tokio::test]
    async fn a_bare_server_error_names_the_status_and_the_request_id() {
        let error = ecr_answering(|| answer(500, "", Some("6f1c-4e2a-9b7d"))).await;
        assert!(error.is(SERVER_ERROR), "{error:?}");
        assert_eq!(
            error.message,
            "AWS answered 500 Internal Server Error without an AWS error code (request id 6f1c-4e2a-9b7d)"
        );
        let text = error.to_string();
        assert!(!text.contains("Unhandled"), "{text}");
        assert!(!text.contains("ErrorMetadata"), "{text}");
        assert!(text.contains("retry in a moment"), "{text}");
    }

    #[tokio::test]
    async fn a_server_error_with_an_aws_code_keeps_code_and_message() {
        let error = ecr_answering(|| {
            answer(
                503,
                r#"{"__type":"ServerException","message":"try later"}"#,
                Some("req-1"),
            )
        })
        .await;
        assert!(error.is("ServerException"), "{error:?}");
        assert_eq!(
            error.message,
            "AWS answered 503 Service Unavailable: try later (request id req-1)"
        );
    }

    #[tokio::test]
    async fn an_answer_without_code_or_request_id_says_so() {
        let error = ecr_answering(|| answer(502, "<html>\u{1b}[2J</html>", None)).await;
        assert!(error.is(SERVER_ERROR), "{error:?}");
        assert!(
            error.message.starts_with("AWS answered 502 Bad Gateway"),
            "{}",
            error.message
        );
        assert!(
            error.message.ends_with("(no request id)"),
            "{}",
            error.message
        );
        assert!(!error.to_string().chars().any(char::is_control), "{error}");
    }

    #[tokio::test]
    async fn client_errors_keep_their_code_and_message() {
        let error = ecr_answering(|| {
            answer(
                400,
                r#"{"__type":"RepositoryNotFoundException","message":"no such repository"}"#,
                Some("req-2"),
            )
        })
        .await;
        assert!(error.is("RepositoryNotFoundException"), "{error:?}");
        assert_eq!(error.message, "no such repository");
    }

    #[test]
    fn codes_carry_a_hint() {
        let denied = CallError::new("iam:CreateRole", Some("AccessDenied"), "no");
        assert_eq!(
            denied.to_string(),
            "iam:CreateRole failed: AccessDenied: no (the credentials lack this permission: use a profile that may make this call)"
        );
        assert!(
            CallError::new("x", Some("NoCredentials"), "m")
                .hint()
                .unwrap()
                .contains("sso")
        );
        assert_eq!(CallError::new("x", Some("Odd"), "m").hint(), None);
    }
}
