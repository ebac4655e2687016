//! What the verification checks of step 8 came to, one check at a time, and what
//! they mean together. A check that could not reach AWS or the registry is kept apart
//! from one that was refused: an unreachable registry says nothing about the role, and
//! an unreachable STS nothing about the key.

use crate::aws::error::SERVER_ERROR;
use crate::aws::{CallError, CallReport, Outcome};

/// The three checks, in the order they run; each needs the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The user's key assumes the role (`sts:AssumeRole`).
    AssumeRole,
    /// The role gets an ECR login token (`ecr:GetAuthorizationToken`).
    EcrToken,
    /// The registry answers a manifest request made with that token.
    Registry,
}

impl Check {
    pub const ALL: [Check; 3] = [Check::AssumeRole, Check::EcrToken, Check::Registry];

    /// The check as its status line names it.
    pub fn title(self) -> &'static str {
        match self {
            Check::AssumeRole => "assume the role",
            Check::EcrToken => "ECR login token",
            Check::Registry => "registry manifest",
        }
    }

    /// Its position, counting from 1.
    pub fn number(self) -> usize {
        match self {
            Check::AssumeRole => 1,
            Check::EcrToken => 2,
            Check::Registry => 3,
        }
    }

    /// What a check that did not run waited for.
    pub fn needs(self) -> &'static str {
        match self {
            Check::AssumeRole => "the config file",
            Check::EcrToken => "the role",
            Check::Registry => "an ECR token",
        }
    }

    /// The check a reported call belongs to.
    fn of(call: &str) -> Option<Check> {
        if call.starts_with("sts:AssumeRole") {
            Some(Check::AssumeRole)
        } else if call.starts_with("ecr:GetAuthorizationToken") {
            Some(Check::EcrToken)
        } else if call.starts_with("GET ") {
            Some(Check::Registry)
        } else {
            None
        }
    }
}

/// What one check came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckState {
    /// It passed; the text says what that showed.
    Passed(String),
    /// AWS or the registry answered no: the credentials or the policy do not work.
    Refused(CallError),
    /// No verdict: AWS or the registry could not be reached, or answered something
    /// that says nothing about access (a server error, an odd HTTP status).
    Unreachable(CallError),
    /// It did not run, because the check before it did not pass.
    NotRun,
}

impl CheckState {
    /// The one word its status line shows.
    pub fn label(&self) -> &'static str {
        match self {
            CheckState::Passed(_) => "ok",
            CheckState::Refused(_) => "refused",
            CheckState::Unreachable(_) => "unreachable",
            CheckState::NotRun => "not run",
        }
    }
}

/// What the checks mean together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// All three passed.
    Works,
    /// The key assumed the role and the role got an ECR token, but the registry
    /// could not be reached from here or gave no verdict.
    RegistryUnchecked,
    /// AWS could not be reached for a check: nothing is known about the key.
    AwsUnreachable(Check),
    /// A check was refused: the key, the role or its policy do not work.
    Refused(Check),
}

impl Verdict {
    /// Whether AWS accepted the key: it assumed the role and the role got a token.
    pub fn key_accepted(self) -> bool {
        matches!(self, Verdict::Works | Verdict::RegistryUnchecked)
    }
}

/// The three checks as the reports of a verification left them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checks {
    pub states: [(Check, CheckState); 3],
}

impl Checks {
    /// Reads the reports of [`crate::aws::verify::verify`]; a check without a report
    /// did not run.
    pub fn from_reports(reports: &[CallReport]) -> Checks {
        let state = |check: Check| {
            let Some(report) = reports
                .iter()
                .rev()
                .find(|r| Check::of(&r.call) == Some(check))
            else {
                return CheckState::NotRun;
            };
            match &report.outcome {
                Outcome::Failed(error) if no_verdict(check, error) => {
                    CheckState::Unreachable(error.clone())
                }
                Outcome::Failed(error) => CheckState::Refused(error.clone()),
                other => CheckState::Passed(other.detail()),
            }
        };
        Checks {
            states: Check::ALL.map(|check| (check, state(check))),
        }
    }

    /// The verdict: the first check that did not pass decides it.
    pub fn verdict(&self) -> Verdict {
        for (check, state) in &self.states {
            match state {
                CheckState::Passed(_) => {}
                CheckState::Unreachable(_) if *check == Check::Registry => {
                    return Verdict::RegistryUnchecked;
                }
                CheckState::Unreachable(_) => return Verdict::AwsUnreachable(*check),
                CheckState::Refused(_) | CheckState::NotRun => return Verdict::Refused(*check),
            }
        }
        Verdict::Works
    }
}

/// Whether a failed check gave no verdict on access.
fn no_verdict(check: Check, error: &CallError) -> bool {
    let code = error.code().unwrap_or_default();
    match check {
        Check::Registry => code == "ConnectionFailed" || code.starts_with("HTTP"),
        _ => {
            matches!(
                code,
                "ConnectionFailed"
                    | "Timeout"
                    | "Throttling"
                    | "ThrottlingException"
                    | "InternalFailure"
                    | "InternalError"
                    | "ServiceUnavailable"
                    | "ServiceFailure"
            ) || code == SERVER_ERROR
        }
    }
}

/// What the operator can do about a check that did not pass.
pub fn hint(check: Check, state: &CheckState) -> Option<String> {
    let error = match state {
        CheckState::Refused(error) | CheckState::Unreachable(error) => error,
        CheckState::Passed(_) | CheckState::NotRun => return None,
    };
    let code = error.code().unwrap_or_default();
    let text = match (check, state) {
        (Check::Registry, CheckState::Unreachable(_)) => {
            "this is not a denial: the role got an ECR token, but the registry could not be asked from here. A cluster may still reach it; --registry-url sends the request to a mirror".to_string()
        }
        (Check::Registry, _) => {
            "the registry refused the role's token: the policy of step 2 must name the registry account and be attached to the role; `ecr-share curated` puts it right".to_string()
        }
        (_, CheckState::Unreachable(_)) => format!(
            "AWS could not be asked ({}): this says nothing about the key; check the network, the region and AWS_ENDPOINT_URL, then run again",
            if code.is_empty() { "no answer" } else { code }
        ),
        (Check::AssumeRole, _) if code == "InvalidClientTokenId" => {
            "AWS does not know this access key: it was deleted or deactivated, or this is not the latest config file. `ecr-share curated rotate-key` gives the user a new key".to_string()
        }
        (Check::AssumeRole, _) if code == "SignatureDoesNotMatch" => {
            "the secret does not belong to this access key id: the file was edited or cut. `ecr-share curated rotate-key` gives the user a new key".to_string()
        }
        (Check::AssumeRole, _) if code.starts_with("AccessDenied") => {
            "the role's trust policy (step 3) must trust the user's account, and the user's assume-role policy (step 4) must name this role; `ecr-share curated` puts both right. A key or policy changed in the last minute may not be known everywhere in IAM yet: run again in a minute".to_string()
        }
        (Check::EcrToken, _) if code.starts_with("AccessDenied") => {
            "the role may not call ecr:GetAuthorizationToken: the ECR read policy of step 2 must be attached to the role".to_string()
        }
        _ => return error.hint().map(str::to_string),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(call: &str, code: &str) -> CallReport {
        CallReport::new(
            call,
            "x",
            Outcome::Failed(CallError::new(call, Some(code), "message")),
        )
    }

    fn ok(call: &str) -> CallReport {
        CallReport::new(call, "x", Outcome::Ok("fine".into()))
    }

    const GET: &str = "GET /v2/eks-anywhere-packages/manifests/latest";

    #[test]
    fn an_unreachable_registry_is_not_a_refusal() {
        let reports = [
            ok("sts:AssumeRole"),
            ok("ecr:GetAuthorizationToken"),
            failed(GET, "ConnectionFailed"),
        ];
        let checks = Checks::from_reports(&reports);
        assert_eq!(checks.verdict(), Verdict::RegistryUnchecked);
        assert!(checks.verdict().key_accepted());
        assert_eq!(checks.states[2].1.label(), "unreachable");
        let odd = Checks::from_reports(&[
            ok("sts:AssumeRole"),
            ok("ecr:GetAuthorizationToken"),
            failed(GET, "HTTP502"),
        ]);
        assert_eq!(odd.verdict(), Verdict::RegistryUnchecked);
        let denied = Checks::from_reports(&[
            ok("sts:AssumeRole"),
            ok("ecr:GetAuthorizationToken"),
            failed(GET, "RegistryDenied"),
        ]);
        assert_eq!(denied.verdict(), Verdict::Refused(Check::Registry));
        assert!(!denied.verdict().key_accepted());
    }

    #[test]
    fn a_denied_role_stops_the_checks_after_it() {
        let checks = Checks::from_reports(&[failed("sts:AssumeRole", "AccessDenied")]);
        assert_eq!(checks.verdict(), Verdict::Refused(Check::AssumeRole));
        let labels: Vec<&str> = checks.states.iter().map(|(_, s)| s.label()).collect();
        assert_eq!(labels, ["refused", "not run", "not run"]);
        let hint = hint(Check::AssumeRole, &checks.states[0].1).unwrap();
        assert!(hint.contains("trust policy (step 3)"), "{hint}");
    }

    #[test]
    fn unreachable_aws_gives_no_verdict_on_the_key() {
        let checks = Checks::from_reports(&[failed("sts:AssumeRole", "ConnectionFailed")]);
        assert_eq!(checks.verdict(), Verdict::AwsUnreachable(Check::AssumeRole));
        assert!(!checks.verdict().key_accepted());
        let hint = hint(Check::AssumeRole, &checks.states[0].1).unwrap();
        assert!(hint.contains("says nothing about the key"), "{hint}");

        let all = Checks::from_reports(&[
            ok("sts:AssumeRole"),
            ok("ecr:GetAuthorizationToken"),
            ok(GET),
        ]);
        assert_eq!(all.verdict(), Verdict::Works);
        assert_eq!(
            Checks::from_reports(&[]).verdict(),
            Verdict::Refused(Check::AssumeRole)
        );
    }

    #[test]
    fn an_unknown_key_and_a_missing_ecr_permission_are_named() {
        let unknown = CheckState::Refused(CallError::new(
            "sts:AssumeRole",
            Some("InvalidClientTokenId"),
            "no",
        ));
        let text = hint(Check::AssumeRole, &unknown).unwrap();
        assert!(text.contains("AWS does not know this access key"), "{text}");
        let denied = CheckState::Refused(CallError::new(
            "ecr:GetAuthorizationToken",
            Some("AccessDeniedException"),
            "no",
        ));
        let text = hint(Check::EcrToken, &denied).unwrap();
        assert!(text.contains("ecr:GetAuthorizationToken"), "{text}");
        assert_eq!(hint(Check::EcrToken, &CheckState::NotRun), None);
    }
}
