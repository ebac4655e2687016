//! `V` on step 8: the same checks as `x`, from a config file saved earlier instead of
//! the key of step 5, so a file written before (or by `ecr-share curated`) can be
//! checked without running the procedure again. `V` asks for the file's path; Enter
//! starts the checks.

use tui_input::Input;

use crate::aws::verify::Backoff;
use crate::core::documents::DocumentKind;
use crate::core::flow::{CuratedStep, FieldId, FlowId, Step};
use crate::files;

use super::jobs::Job;
use super::message::Effect;
use super::model::{App, Overlay, PathPurpose, SavePrompt, Screen, Tone};

/// `V`: asks for the path of the config file to check, starting from the path of
/// steps 5 and 6.
pub fn ask_path(app: &mut App, flow: FlowId) {
    let step = app.flow(flow).step;
    if Step::at(flow, step) != Some(Step::Curated(CuratedStep::Verify)) {
        app.say(
            Tone::Info,
            "V checks a saved config file on step 8 (Verify) of the curated procedure.",
        );
        return;
    }
    if app.step_run(flow, step).is_some_and(|run| run.running) {
        app.say(Tone::Info, "This step is still running: Esc cancels it.");
        return;
    }
    let path = app
        .flow(flow)
        .form
        .text(FieldId::ConfigPath)
        .trim()
        .to_string();
    app.status = None;
    app.overlay = Some(Overlay::Save(SavePrompt {
        input: Input::new(path),
        kind: DocumentKind::AwsConfigFile,
        confirm_overwrite: false,
        create_folder: false,
        purpose: PathPurpose::Verify,
    }));
}

/// Enter in the path prompt: starts checking the config file typed.
pub fn check_typed(app: &mut App) -> Vec<Effect> {
    let (Some(Overlay::Save(prompt)), Screen::Flow(flow)) = (&app.overlay, app.screen) else {
        return Vec::new();
    };
    let typed = prompt.input.value().trim().to_string();
    if typed.is_empty() {
        app.say(Tone::Error, "Enter the path of the config file to check.");
        return Vec::new();
    }
    let path = match files::expand_home(&typed, files::home_folder().as_deref()) {
        Ok(path) => path,
        Err(reason) => {
            app.say(Tone::Error, format!("Not checked: {reason}"));
            return Vec::new();
        }
    };
    app.overlay = None;
    let form = &app.flow(flow).form;
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
        registry_url: app.registry_url.clone(),
        // A saved key is not new: a refusal is an answer, not IAM catching up.
        backoff: Backoff {
            attempts: 1,
            ..Backoff::default()
        },
    };
    app.say(Tone::Info, format!("Checking {}…", path.display()));
    let step = app.flow(flow).step;
    vec![app.start(flow, Some(step), job)]
}
