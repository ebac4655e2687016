//! Which account a set of credentials really is.

use aws_config::SdkConfig;

use super::CallError;

/// The answer of `sts:GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

pub async fn caller_identity(config: &SdkConfig) -> Result<Identity, CallError> {
    const OPERATION: &str = "sts:GetCallerIdentity";
    let output = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| CallError::from_sdk(OPERATION, e))?;
    match (output.account(), output.arn()) {
        (Some(account), Some(arn)) => Ok(Identity {
            account: account.to_string(),
            arn: arn.to_string(),
        }),
        _ => Err(CallError::new(
            OPERATION,
            None,
            "the answer names no account",
        )),
    }
}
