//! `V` on step 8: the same checks as `x`, from the config file saved at the step's
//! path instead of the key of step 5, so a file written earlier (or by
//! `ecr-share curated`) can be checked without running the procedure again.

use crate::aws::verify::Backoff;
use crate::core::flow::{CuratedStep, FieldId, FlowId, Step};
use crate::files;

use super::jobs::Job;
use super::message::Effect;
use super::model::{App, Tone};

/// Starts checking the config file at the path of step 8.
pub fn verify_saved(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let step = app.flow(flow).step;
    if Step::at(flow, step) != Some(Step::Curated(CuratedStep::Verify)) {
        app.say(
            Tone::Info,
            "V checks a saved config file on step 8 (Verify) of the curated procedure.",
        );
        return Vec::new();
    }
    if app.step_run(flow, step).is_some_and(|run| run.running) {
        app.say(Tone::Info, "This step is still running: Esc cancels it.");
        return Vec::new();
    }
    let form = &app.flow(flow).form;
    if let Err(reason) = form.check(FieldId::ConfigPath) {
        app.say(Tone::Error, format!("Config file path: {reason}"));
        return Vec::new();
    }
    let typed = form.text(FieldId::ConfigPath).trim().to_string();
    let path = match files::expand_home(&typed, files::home_folder().as_deref()) {
        Ok(path) => path,
        Err(reason) => {
            app.say(Tone::Error, format!("Config file path: {reason}"));
            return Vec::new();
        }
    };
    // A registry account the operator typed (or step 1 found) is the one to ask;
    // otherwise the production registry of the file's own region.
    let registry_account = form
        .is_edited(FieldId::RegistryAccount)
        .then(|| form.account(FieldId::RegistryAccount).ok())
        .flatten();
    let job = Job::VerifySaved {
        path: path.clone(),
        region: None,
        registry_account,
        registry_url: None,
        // A saved key is not new: a refusal is an answer, not IAM catching up.
        backoff: Backoff {
            attempts: 1,
            ..Backoff::default()
        },
    };
    app.say(Tone::Info, format!("Checking {}…", path.display()));
    vec![app.start(flow, Some(step), job)]
}
