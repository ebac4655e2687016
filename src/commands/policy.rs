//! `ecr-share policy ...`: print one generated document as pretty JSON on standard
//! output, for review or for `aws ... --policy-document file://...`.
//!
//! Every value is checked by the same validators the wizard uses, and each document
//! is held to the size limit AWS puts on it, so what is printed would be accepted.
//!
//! Exit codes:
//! - 0: the document was printed.
//! - 2: the command line was refused: a value failed validation, or the document
//!   would be larger than AWS allows. This is the code clap gives its own usage
//!   errors, so a script sees one code for "fix the command line". The reason is one
//!   line on standard error, `ecr-share: --flag: reason`, and nothing is printed on
//!   standard output.
//! - 1: the document could not be written (standard output closed, for example).

use std::fmt;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::cli::PolicyCommand;
use crate::core::documents::{self, Access};
use crate::core::merge::{Grant, MergeError};
use crate::core::validate::{self, AccountId, Invalid, OrganizationId, Region, RoleArn, SizeLimit};
use crate::output;

/// The exit code for a refused command line, the same as clap's usage errors.
pub const REFUSED: u8 = 2;

/// Why a command line was refused: the flag at fault and the validator's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub flag: &'static str,
    pub reason: String,
}

impl Refused {
    fn new(flag: &'static str, Invalid(reason): Invalid) -> Self {
        Refused { flag, reason }
    }
}

/// One line, whatever was typed: the reasons quote the input, which may hold line
/// breaks or other control characters, so those are shown escaped.
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.flag)?;
        for c in self.reason.chars() {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// Prints the document the command asks for, or says on one line why it cannot.
/// Printing never panics: a closed or full standard output ends with exit code 1
/// and the reason on standard error.
pub fn run(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match document(&command) {
        Ok(text) => {
            crate::out!("{text}");
            if output::stdout_failed() {
                crate::errln!(
                    "ecr-share: the document could not be written to standard output: {}",
                    output::stdout_error().unwrap_or("unknown error")
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(refused) => {
            crate::errln!("ecr-share: {refused}");
            Ok(ExitCode::from(REFUSED))
        }
    }
}

/// The document as it is printed: pretty JSON with a final newline.
pub fn document(command: &PolicyCommand) -> Result<String, Refused> {
    let (value, limit, flag) = match command {
        PolicyCommand::EcrRead {
            registry_account,
            region,
        } => {
            let registry = account("--registry-account", registry_account)?;
            let region = region_of(region)?;
            (
                documents::ecr_read_policy(Some(region.partition()), Some(&registry)),
                SizeLimit::ManagedPolicy,
                "--registry-account",
            )
        }
        PolicyCommand::Trust {
            account: id,
            region,
        } => {
            let destination = account("--account", id)?;
            let region = region_of(region)?;
            (
                documents::trust_policy(Some(region.partition()), Some(&destination)),
                SizeLimit::TrustPolicy,
                "--account",
            )
        }
        PolicyCommand::AssumeRole { role_arn } => {
            // The role's own ARN carries its partition, so no region is needed.
            let role = RoleArn::parse(role_arn).map_err(|e| Refused::new("--role-arn", e))?;
            (
                documents::assume_role_policy(Some(&role)),
                SizeLimit::ManagedPolicy,
                "--role-arn",
            )
        }
        PolicyCommand::Repo {
            access,
            accounts,
            organizations,
            region,
        } => {
            let access = Access::from(*access);
            let accounts = if accounts.is_empty() {
                Vec::new()
            } else {
                account_list(accounts)?
            };
            let organizations = organization_list(organizations)?;
            if access == Access::LambdaPull && !organizations.is_empty() {
                return Err(Refused {
                    flag: "--organization",
                    reason: MergeError::LambdaForOrganization.to_string(),
                });
            }
            let grant = Grant {
                access,
                accounts,
                organizations,
                region: region_of(region)?,
            };
            (
                json!({
                    "Version": documents::REPOSITORY_POLICY_VERSION,
                    "Statement": grant.statements(),
                }),
                SizeLimit::RepositoryPolicy,
                if grant.accounts.is_empty() {
                    "--organization"
                } else {
                    "--account"
                },
            )
        }
    };
    within_limit(&value, limit, flag)
}

fn account(flag: &'static str, text: &str) -> Result<AccountId, Refused> {
    AccountId::parse(text).map_err(|e| Refused::new(flag, e))
}

/// Each `--organization` may be a comma-separated list too; blanks are refused.
fn organization_list(values: &[String]) -> Result<Vec<OrganizationId>, Refused> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    validate::parse_organization_list(&values.join(","))
        .map_err(|e| Refused::new("--organization", e))
}

fn region_of(text: &str) -> Result<Region, Refused> {
    Region::parse(text).map_err(|e| Refused::new("--region", e))
}

/// Each `--account` may itself be a comma-separated list, as the wizard accepts;
/// repeats are dropped. An empty `--account` (an unset shell variable, say) is
/// refused rather than silently skipped.
fn account_list(values: &[String]) -> Result<Vec<AccountId>, Refused> {
    for blank in values.iter().filter(|v| v.trim().is_empty()) {
        // The validator refuses a blank id with its usual words.
        account("--account", blank)?;
    }
    validate::parse_account_list(&values.join(",")).map_err(|e| Refused::new("--account", e))
}

/// Pretty text of a document that AWS would accept. The limit is blamed on the flag
/// that makes the document grow (the accounts of a repository policy).
fn within_limit(value: &Value, limit: SizeLimit, flag: &'static str) -> Result<String, Refused> {
    let text = documents::pretty(value);
    limit.check(&text).map_err(|Invalid(reason)| Refused {
        flag,
        reason: format!("the document would be too large: {reason}"),
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::AccessArg;

    fn repo(access: AccessArg, accounts: &[&str], region: &str) -> PolicyCommand {
        PolicyCommand::Repo {
            access,
            accounts: accounts.iter().map(|a| a.to_string()).collect(),
            organizations: Vec::new(),
            region: region.to_string(),
        }
    }

    #[test]
    fn the_flag_at_fault_leads_the_message() {
        let refused = document(&PolicyCommand::EcrRead {
            registry_account: "06757590136".into(),
            region: "us-east-1".into(),
        })
        .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "--registry-account: an account id has exactly 12 digits; this has 11"
        );
        let refused = document(&PolicyCommand::Trust {
            account: "999999999999".into(),
            region: "mars-1".into(),
        })
        .unwrap_err();
        assert_eq!(refused.flag, "--region");
    }

    #[test]
    fn line_breaks_in_the_input_stay_on_one_line() {
        let refused = document(&PolicyCommand::Trust {
            account: "9999\n99999999".into(),
            region: "us-east-1".into(),
        })
        .unwrap_err();
        let line = refused.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("\\n"), "{line}");
    }

    #[test]
    fn the_region_decides_the_partition() {
        let text = document(&repo(AccessArg::Lambda, &["222222222222"], "cn-north-1")).unwrap();
        assert!(text.contains("arn:aws-cn:iam::222222222222:root"), "{text}");
        assert!(
            text.contains("arn:aws-cn:lambda:cn-north-1:222222222222:function:*"),
            "{text}"
        );
        let text = document(&PolicyCommand::Trust {
            account: "999999999999".into(),
            region: "us-gov-west-1".into(),
        })
        .unwrap();
        assert!(
            text.contains("arn:aws-us-gov:iam::999999999999:root"),
            "{text}"
        );
    }

    #[test]
    fn accounts_may_be_repeated_or_listed_and_an_empty_one_is_refused() {
        let text = document(&repo(
            AccessArg::Pull,
            &["222222222222,333333333333", "222222222222"],
            "us-east-1",
        ))
        .unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["Statement"][0]["Principal"]["AWS"],
            serde_json::json!([
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::333333333333:root"
            ])
        );
        let refused =
            document(&repo(AccessArg::Pull, &["222222222222", " "], "us-east-1")).unwrap_err();
        assert_eq!(refused.flag, "--account");
    }

    #[test]
    fn a_repository_policy_past_the_limit_is_refused() {
        let many: Vec<String> = (0..400).map(|n| format!("{:012}", 100_000 + n)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let refused = document(&repo(AccessArg::Lambda, &refs, "us-east-1")).unwrap_err();
        assert_eq!(refused.flag, "--account");
        assert!(refused.reason.contains("10240"), "{}", refused.reason);
        assert!(document(&repo(AccessArg::Lambda, &refs[..50], "us-east-1")).is_ok());
    }
}
