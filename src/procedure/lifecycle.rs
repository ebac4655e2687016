//! Teardown and key rotation as jobs of the engine, for the wizard's Manage screen.
//! Each is two jobs: a survey that only reads and hands back its plan (the wizard
//! asks with it), then the confirmed plan carried out. The work is
//! [`super::teardown`]'s and [`super::rotate`]'s, the same that `curated teardown`
//! and `curated rotate-key` drive; here every call is reported through [`Report`]
//! as it finishes, and what the command prints at the end goes back as an
//! [`Output`].

use crate::aws::{CallError, CallReport, Outcome};
use crate::core::documents;

use super::execute::Report;
use super::job::{IamTarget, Output};
use super::rotate::{self, Ending, Rotation};
use super::teardown::{self, Accounts, Scope, TeardownPlan};

/// The call a teardown survey reports, once it has read both accounts.
const TEARDOWN_SURVEY: &str = "read";

/// Reads both accounts and the files, and hands back the plan.
pub async fn survey_teardown<R: Report + Send + ?Sized>(
    source: &IamTarget,
    destination: &IamTarget,
    scope: &Scope,
    report: &mut R,
) {
    let subject = "both accounts";
    let surveyed = match Accounts::connect(source, destination).await {
        Ok(accounts) => teardown::survey(&accounts, scope).await,
        Err(error) => Err(error),
    };
    match surveyed {
        Ok(survey) => {
            let plan = teardown::plan(scope, &survey);
            report.call(CallReport::new(
                TEARDOWN_SURVEY,
                subject,
                Outcome::Ok(format!(
                    "{} to remove, {} left in place",
                    count(plan.removals.len(), "thing"),
                    plan.left.len()
                )),
            ));
            report.output(Output::TeardownPlan(Box::new(plan)));
        }
        Err(error) => report.call(CallReport::new(
            TEARDOWN_SURVEY,
            subject,
            Outcome::Failed(error),
        )),
    }
}

/// Carries out a confirmed teardown plan and hands back what it removed.
pub async fn teardown<R: Report + Send + ?Sized>(
    source: &IamTarget,
    destination: &IamTarget,
    scope: &Scope,
    plan: &TeardownPlan,
    report: &mut R,
) {
    let accounts = match Accounts::connect(source, destination).await {
        Ok(accounts) => accounts,
        Err(error) => {
            let failed =
                CallReport::new(teardown::RECHECK, "both accounts", Outcome::Failed(error));
            report.call(failed.clone());
            report.output(Output::TornDown(Box::new(teardown::Executed {
                removed: Vec::new(),
                stopped: Some(teardown::Stopped {
                    report: failed,
                    not_removed: plan.removals.clone(),
                }),
            })));
            return;
        }
    };
    let executed = teardown::execute(&accounts, scope, plan, report).await;
    report.output(Output::TornDown(Box::new(executed)));
}

/// Reads the user's keys and the files, and hands back the survey with its plan.
pub async fn survey_rotation<R: Report + Send + ?Sized>(rotation: &Rotation, report: &mut R) {
    let survey = rotate::survey(rotation, report).await;
    report.call(CallReport::new(
        "read",
        rotation.config.display().to_string(),
        held_outcome(rotation, &survey.config),
    ));
    report.output(Output::RotationSurvey(Box::new(survey)));
}

/// Carries out a confirmed rotation, and hands back how it ended with the key the
/// config file holds now, when that is the new key.
pub async fn rotate<R: Report + Send + ?Sized>(
    rotation: &Rotation,
    plan: rotate::Plan,
    report: &mut R,
) {
    let ending = rotate::execute(rotation, plan, report).await;
    let new = match &ending {
        Ending::Done { new, .. } | Ending::Paused { new, .. } => Some(new.as_str()),
        Ending::Stopped { new, held_by, .. } if held_by.contains(&rotation.config) => {
            Some(new.as_str())
        }
        _ => None,
    };
    let key = new.and_then(|new| {
        let text = std::fs::read_to_string(&rotation.config).ok()?;
        documents::saved_key(&text, &rotation.user).filter(|key| key.access_key_id == new)
    });
    report.output(Output::Rotated {
        ending: Box::new(ending),
        key,
    });
}

/// What the config file holds, in a few words, without its secret.
fn held_outcome(rotation: &Rotation, held: &rotate::Held) -> Outcome {
    let user = &rotation.user;
    Outcome::Ok(match held {
        rotate::Held::Missing => "it does not exist".to_string(),
        rotate::Held::Ours { key: Some(key), .. } => {
            format!("it holds key {} of user {user}", key.access_key_id)
        }
        rotate::Held::Ours { key: None, .. } => {
            format!("it names user {user} but holds no whole key pair")
        }
        rotate::Held::Foreign => format!("it was not written by ecr-share for user {user}"),
        rotate::Held::Refused(reason) => {
            return Outcome::Failed(CallError::new("read", Some("NotUsable"), reason.clone()));
        }
    })
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
