//! A failed AWS call, reduced to what an operator needs: which call, AWS's own error
//! code and message, and what to do about it.

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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
        match &error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let message = err
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| DisplayErrorContext(err).to_string());
                CallError::new(operation, err.code(), message)
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
