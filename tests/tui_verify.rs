//! Step 8 of the wizard from a saved config file: `V` asks for the file's path
//! (starting from the path of steps 5 and 6), Enter runs the checks from that file,
//! not from the key of step 5; a file that cannot be used says why on screen without
//! a word of its secret; and the help and the hint line name the keys.

mod common;

use common::harness::{Harness, ScriptedRunner, ctrl, press, render, type_text};
use ecr_share::aws::Outcome;
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::tui::jobs::{AwsRunner, Job};
use ecr_share::tui::keys::{self, Mode};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Overlay, PathPurpose, Screen, Tone};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The curated flow, past the accounts screen, on step 8.
fn on_step_8(app: &mut App) {
    press(app, &[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('8')]);
    assert_eq!(app.screen, Screen::Flow(FlowId::CuratedPackages));
    assert_eq!(app.curated.step, 7);
}

/// `V`, the typed path instead of the one offered, and Enter.
fn check(app: &mut App, path: &str) -> Vec<Effect> {
    assert!(press(app, &[KeyCode::Char('V')]).is_empty());
    update(app, ctrl('u'));
    type_text(app, path);
    press(app, &[KeyCode::Enter])
}

fn status(app: &App) -> (Tone, String) {
    let status = app.status.as_ref().expect("a status line");
    (status.tone, status.text.clone())
}

#[test]
fn v_asks_for_the_path_and_enter_checks_that_file() {
    let mut app = App::new();
    on_step_8(&mut app);
    app.curated
        .form
        .set(FieldId::ConfigPath, "/srv/eksa/curated-packages-aws-config");

    // V offers the path of steps 5 and 6, and keys go into it as text.
    assert!(press(&mut app, &[KeyCode::Char('V')]).is_empty());
    let Some(Overlay::Save(prompt)) = &app.overlay else {
        panic!("V asks for a path: {:?}", app.overlay);
    };
    assert_eq!(prompt.purpose, PathPurpose::Verify);
    assert_eq!(
        prompt.input.value(),
        "/srv/eksa/curated-packages-aws-config"
    );
    assert_eq!(Mode::of(&app), Mode::VerifyPath);
    assert_eq!(keys::hint(&app), "Enter check it · Esc cancel");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Check a saved config file"), "{screen}");
    assert!(app.is_typing(), "q is a letter here");

    update(&mut app, ctrl('u'));
    type_text(&mut app, "~/old-config");
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(app.overlay.is_none());
    let [Effect::Start { run: started, job }] = effects.as_slice() else {
        panic!("one run starts: {effects:?}");
    };
    let started = *started;
    let Job::VerifySaved {
        path,
        region,
        registry_account,
        registry_url,
        backoff,
    } = job.as_ref()
    else {
        panic!("the saved file is checked: {job:?}");
    };
    let home = std::env::home_dir().unwrap();
    assert_eq!(*path, home.join("old-config"), "~ is the home folder");
    // The file's own region and the production registry of it; no retries for a key
    // that is not new.
    assert_eq!(*region, None);
    assert_eq!(*registry_account, None);
    assert_eq!(*registry_url, None);
    assert_eq!(backoff.attempts, 1);
    // Choosing the file changed nothing that steps 5 and 6 write to.
    assert_eq!(
        app.curated.form.text(FieldId::ConfigPath),
        "/srv/eksa/curated-packages-aws-config"
    );
    // The run shows on step 8, with the calls it makes listed before they run.
    let run = app
        .step_run(FlowId::CuratedPackages, 7)
        .expect("step 8 ran");
    assert_eq!(
        run.calls[0],
        format!("read {}", home.join("old-config").display())
    );
    assert!(
        run.calls[1].starts_with("sts:AssumeRole"),
        "{:?}",
        run.calls
    );

    // While it runs, V does not ask again; once it ended, a registry account the
    // operator typed is the one asked.
    assert!(press(&mut app, &[KeyCode::Char('V')]).is_empty());
    assert!(app.overlay.is_none());
    update(
        &mut app,
        Msg::Finished {
            run: started,
            cancelled: false,
        },
    );
    app.curated
        .form
        .set(FieldId::RegistryAccount, "111122223333");
    let effects = check(&mut app, "./saved");
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let Job::VerifySaved {
        registry_account, ..
    } = job.as_ref()
    else {
        panic!("{job:?}");
    };
    assert_eq!(
        registry_account.as_ref().map(|a| a.as_str()),
        Some("111122223333")
    );
}

#[test]
fn esc_checks_nothing_and_an_empty_path_is_refused() {
    let mut app = App::new();
    on_step_8(&mut app);
    press(&mut app, &[KeyCode::Char('V')]);
    assert!(press(&mut app, &[KeyCode::Esc]).is_empty());
    assert!(app.overlay.is_none());
    assert_eq!(status(&app).1, "Nothing checked.");
    assert!(app.step_run(FlowId::CuratedPackages, 7).is_none());

    assert!(check(&mut app, "   ").is_empty());
    assert!(app.overlay.is_some(), "the prompt stays open");
    assert_eq!(
        status(&app),
        (
            Tone::Error,
            "Enter the path of the config file to check.".into()
        )
    );
}

#[test]
fn v_elsewhere_says_where_it_works_and_asks_nothing() {
    let mut app = App::new();
    press(
        &mut app,
        &[KeyCode::Enter, KeyCode::Enter, KeyCode::Char('2')],
    );
    assert!(press(&mut app, &[KeyCode::Char('V')]).is_empty());
    assert!(app.overlay.is_none());
    let (_, text) = status(&app);
    assert!(text.contains("step 8"), "{text}");
}

#[test]
fn without_a_key_x_on_step_8_points_at_v() {
    let mut app = App::new();
    on_step_8(&mut app);
    assert!(press(&mut app, &[KeyCode::Char('x')]).is_empty());
    let (tone, text) = status(&app);
    assert_eq!(tone, Tone::Error);
    assert!(
        text.contains("press V to check a config file saved earlier"),
        "{text}"
    );
}

#[tokio::test]
async fn a_file_that_cannot_be_used_is_named_on_screen_without_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut wizard = Harness::new(App::new(), AwsRunner);
    on_step_8(&mut wizard.app);

    let missing = dir.path().join("no-such-config");
    wizard.press(&[KeyCode::Char('V')]).await;
    wizard.send(ctrl('u')).await;
    wizard.type_text(&missing.display().to_string()).await;
    wizard.press(&[KeyCode::Enter]).await;
    let run = wizard
        .app
        .step_run(FlowId::CuratedPackages, 7)
        .expect("step 8 ran");
    assert!(!run.running);
    assert_eq!(
        run.reports.len(),
        1,
        "nothing is asked of AWS: {:?}",
        run.reports
    );
    assert_eq!(run.reports[0].call, "read config file");
    let (tone, text) = status(&wizard.app);
    assert_eq!(tone, Tone::Error);
    assert!(text.contains("does not exist"), "{text}");

    // A file with a secret but no role: the reason, never the secret.
    let roleless = dir.path().join("roleless");
    std::fs::write(
        &roleless,
        format!(
            "[default]\nsource_profile=curated-packages-user\nregion=us-east-1\n\n[profile curated-packages-user]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key={SECRET}\n"
        ),
    )
    .unwrap();
    wizard.press(&[KeyCode::Char('V')]).await;
    wizard.send(ctrl('u')).await;
    wizard.type_text(&roleless.display().to_string()).await;
    wizard.press(&[KeyCode::Enter]).await;
    let run = wizard.app.step_run(FlowId::CuratedPackages, 7).unwrap();
    let Outcome::Failed(error) = &run.reports[0].outcome else {
        panic!("{:?}", run.reports);
    };
    assert!(error.message.contains("has no role_arn"), "{error}");
    // Wide enough that the results panel keeps its lines whole.
    let screen = render(&wizard.app, 200, 50);
    assert!(screen.contains("has no role_arn"), "{screen}");
    assert!(!screen.contains(SECRET));
    assert!(!format!("{:?}", wizard.app.said).contains(SECRET));
}

#[tokio::test]
async fn a_scripted_run_of_v_shows_every_check_on_step_8() {
    let mut wizard = Harness::new(App::new(), ScriptedRunner::default());
    on_step_8(&mut wizard.app);
    wizard.press(&[KeyCode::Char('V')]).await;
    wizard.send(ctrl('u')).await;
    wizard.type_text("./saved-config").await;
    wizard.press(&[KeyCode::Enter]).await;
    let run = wizard.app.step_run(FlowId::CuratedPackages, 7).unwrap();
    assert_eq!(run.reports.len(), 4, "{:?}", run.reports);
    let screen = render(&wizard.app, 200, 50);
    assert!(screen.contains("read ./saved-config"), "{screen}");
    assert!(screen.contains("ecr:GetAuthorizationToken"), "{screen}");
}

#[test]
fn the_help_names_v() {
    let mut app = App::new();
    on_step_8(&mut app);
    press(&mut app, &[KeyCode::Char('?')]);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("V verify a saved config (step 8)"),
        "{screen}"
    );
}
