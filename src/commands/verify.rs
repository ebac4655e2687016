//! `ecr-share curated verify`: the checks of step 8, from a config file saved
//! earlier. The file's key assumes the role the file names, the role gets an ECR
//! login token, and the registry answers a manifest request with it. Each check has
//! its own status line, and the exit code tells a script what went wrong, so a
//! registry that cannot be reached from here is never taken for a denied role:
//!
//! - 0: all three checks passed;
//! - 1: a check was refused (the key, the role or its policy do not work);
//! - 2: the command line or the config file cannot be used (nothing was asked);
//! - 3: the key and the role passed, but the registry could not be reached from
//!   here or answered without a verdict;
//! - 4: AWS could not be reached, so nothing is known about the key.
//!
//! The file is read, never printed: no line of it reaches the output or the log.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::aws::verify::Backoff;
use crate::aws::{CallError, CallReport, Outcome};
use crate::cli::VerifyArgs;
use crate::core::validate::{AccountId, Region, check_registry_url};
use crate::procedure::checks::{self, CheckState, Checks, Verdict};
use crate::procedure::saved::{READ, REGISTRY};
use crate::procedure::{self, Job, Output, Report};
use crate::{errln, outln};

/// All three checks passed.
pub const EXIT_VERIFIED: u8 = 0;
/// A check was refused.
pub const EXIT_REFUSED: u8 = 1;
/// The command line or the config file cannot be used.
pub const EXIT_UNUSABLE: u8 = 2;
/// The registry could not be reached; the key and the role passed.
pub const EXIT_REGISTRY_UNREACHABLE: u8 = 3;
/// AWS could not be reached.
pub const EXIT_AWS_UNREACHABLE: u8 = 4;

pub fn run(region: Option<String>, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let job = match job(region, args) {
        Ok(job) => job,
        Err(problem) => {
            errln!("ecr-share: {problem}");
            return Ok(ExitCode::from(EXIT_UNUSABLE));
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let mut collected = Collected::default();
    runtime.block_on(procedure::execute(job, &mut collected));
    Ok(ExitCode::from(print(&collected.0)))
}

/// The job from the flags; `Err` names the flag that is wrong.
fn job(region: Option<String>, args: VerifyArgs) -> Result<Job, String> {
    if args.config.as_os_str().is_empty() {
        return Err("--config: enter the path of the config file".into());
    }
    let region = region
        .map(|text| Region::parse(&text).map_err(|e| format!("--region: {e}")))
        .transpose()?;
    let registry_account = args
        .registry_account
        .as_deref()
        .map(|text| AccountId::parse(text).map_err(|e| format!("--registry-account: {e}")))
        .transpose()?;
    if let Some(url) = &args.registry_url {
        check_registry_url(url).map_err(|e| format!("--registry-url: {e}"))?;
    }
    Ok(Job::VerifySaved {
        path: args.config,
        region,
        registry_account,
        registry_url: args.registry_url,
        // A saved file's key is not new: a refusal is an answer, not IAM catching up.
        backoff: Backoff {
            attempts: 1,
            ..Backoff::default()
        },
    })
}

/// The reports, kept until the run ends.
#[derive(Default)]
struct Collected(Vec<CallReport>);

impl Report for Collected {
    fn call(&mut self, report: CallReport) {
        self.0.push(report);
    }

    fn output(&mut self, _: Output) {}
}

/// Prints what the reports say, a line per check, and returns the exit code.
fn print(reports: &[CallReport]) -> u8 {
    for report in reports {
        match (report.call.as_str(), &report.outcome) {
            (READ | REGISTRY, Outcome::Failed(error)) => {
                let flag = if report.call == READ {
                    "--config"
                } else {
                    "--registry-account"
                };
                errln!("ecr-share: {flag}: {}", error.message);
                errln!("nothing was checked.");
                return EXIT_UNUSABLE;
            }
            (READ, outcome) => {
                outln!("config file {}: {}", report.subject, outcome.detail());
            }
            (REGISTRY, outcome) => {
                outln!("registry {}", outcome.detail());
            }
            (_, Outcome::Failed(error)) if !is_check(&report.call) => {
                // Not one of the checks: the configuration could not be set up.
                errln!("ecr-share: {error}");
                return EXIT_REFUSED;
            }
            _ => {}
        }
    }
    let checks = Checks::from_reports(reports);
    for (check, state) in &checks.states {
        let detail = match state {
            CheckState::Passed(text) => text.clone(),
            CheckState::Refused(error) | CheckState::Unreachable(error) => said(error),
            CheckState::NotRun => format!("it needs {}", check.needs()),
        };
        outln!(
            "check {} of 3, {}: {} ({detail})",
            check.number(),
            check.title(),
            state.label()
        );
        if let Some(hint) = checks::hint(*check, state) {
            outln!("    what to do: {hint}");
        }
    }
    let (code, text) = match checks.verdict() {
        Verdict::Works => (
            EXIT_VERIFIED,
            "verified: all three checks passed; this config file can pull curated packages"
                .to_string(),
        ),
        Verdict::Refused(check) => (
            EXIT_REFUSED,
            format!(
                "not verified: the check “{}” was refused, so this config file cannot pull curated packages",
                check.title()
            ),
        ),
        Verdict::RegistryUnchecked => (
            EXIT_REGISTRY_UNREACHABLE,
            "not verified: the key assumed the role and the role got an ECR token, but the registry could not be asked from here (this is not a denial)".to_string(),
        ),
        Verdict::AwsUnreachable(check) => (
            EXIT_AWS_UNREACHABLE,
            format!(
                "not verified: AWS could not be reached for the check “{}”, so nothing is known about the key",
                check.title()
            ),
        ),
    };
    let mut line = text;
    let _ = write!(line, " (exit {code})");
    outln!("{line}");
    if crate::output::stdout_failed() {
        errln!("ecr-share: standard output could not be written");
        return code.max(EXIT_REFUSED);
    }
    code
}

/// Whether a call is one of the three checks.
fn is_check(call: &str) -> bool {
    call.starts_with("sts:AssumeRole")
        || call.starts_with("ecr:GetAuthorizationToken")
        || call.starts_with("GET ")
}

/// What AWS or the registry said: the code and the message, without the call.
fn said(error: &CallError) -> String {
    match error.code() {
        Some(code) => format!("{code}: {}", error.message),
        None => error.message.clone(),
    }
}
