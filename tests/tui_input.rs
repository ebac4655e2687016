//! Input as operators paste and type it: account ids with dashes or spaces, several
//! accounts pasted at once, bracketed paste that never acts as keys, emptied account
//! fields that follow their default again, `~` and missing folders on save, and a
//! repository switch that leaves nothing of the old repository in reach.

mod common;

use std::path::PathBuf;

use common::harness::{RecordingClipboard, ScriptedRunner, ctrl, key, press, render, type_text};
use ecr_share::aws::{CallReport, Identity, Outcome};
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::core::validate::RepositoryName;
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::message::{Effect, Msg, SaveError};
use ecr_share::tui::model::{App, Overlay, Screen, Tone};
use ecr_share::tui::runtime::event_loop;
use ecr_share::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

fn open(app: &mut App, flow: FlowId) -> Vec<Effect> {
    if flow == FlowId::RepositorySharing {
        press(app, &[KeyCode::Down]);
    }
    let mut effects = press(app, &[KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(flow));
    // The accounts screen comes first; Enter goes on to step 1.
    effects.extend(press(app, &[KeyCode::Enter]));
    assert_eq!(app.flow(flow).accounts_row, None);
    effects
}

/// Answers the profile look-ups a key started: every side is `account`.
fn answer_identities(app: &mut App, effects: Vec<Effect>, account: &str) {
    for effect in effects {
        if let Effect::Start { run, job } = effect
            && let Job::Identity { flow, side, target } = *job
        {
            update(
                app,
                Msg::Output {
                    run,
                    output: Output::Identity {
                        flow,
                        side,
                        profile: target.profile,
                        result: Ok(Identity {
                            account: account.into(),
                            arn: format!("arn:aws:iam::{account}:user/admin"),
                        }),
                        region: None,
                    },
                },
            );
            update(
                app,
                Msg::Finished {
                    run,
                    cancelled: false,
                },
            );
        }
    }
}

/// Selects field `index` of the current step, empties it and types `text`.
fn fill(app: &mut App, index: usize, text: &str) {
    select(app, index);
    press(app, &[KeyCode::Enter]);
    update(app, ctrl('u'));
    type_text(app, text);
    press(app, &[KeyCode::Esc]);
}

/// Puts the cursor on field `index` of the current step without editing it.
fn select(app: &mut App, index: usize) {
    let Screen::Flow(flow) = app.screen else {
        panic!("no flow is open");
    };
    let state = app.flow_mut(flow);
    state.editing = None;
    state.selected = index;
}

fn status(app: &App) -> String {
    app.status.clone().map(|s| s.text).unwrap_or_default()
}

fn paste(app: &mut App, text: &str) -> Vec<Effect> {
    update(app, Msg::Paste(text.into()))
}

#[test]
fn console_account_ids_are_cleaned_where_they_are_typed() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3')]);
    fill(&mut app, 1, "9999-9999-9999");
    let state = app.active().unwrap();
    assert_eq!(state.form.check(FieldId::DestinationAccount), Ok(()));
    let trust = state.form.document(state.document_kind());
    assert!(trust.contains("arn:aws:iam::999999999999:root"), "{trust}");
    assert!(!trust.contains("9999-9999"), "{trust}");
}

#[test]
fn several_lines_pasted_into_the_grantees_fill_the_list() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    press(&mut app, &[KeyCode::Char('2')]);
    // Nothing is being edited: the paste opens the selected field.
    let effects = paste(
        &mut app,
        "111111111111\r\n2222 2222 2222\n\n3333-3333-3333\n",
    );
    assert!(effects.is_empty(), "{effects:?}");
    let state = app.active().unwrap();
    assert!(state.editing.is_some(), "the paste opened the field");
    assert_eq!(
        state.form.text(FieldId::Grantees),
        "111111111111, 2222 2222 2222, 3333-3333-3333"
    );
    let ids: Vec<String> = state
        .form
        .grantees()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(ids, ["111111111111", "222222222222", "333333333333"]);
    let policy = state.form.document(state.document_kind());
    for id in &ids {
        assert!(
            policy.contains(&format!("arn:aws:iam::{id}:root")),
            "{policy}"
        );
    }
    // A second paste adds to the list.
    paste(&mut app, "444444444444");
    let grantees = app.active().unwrap().form.grantees().unwrap();
    assert_eq!(grantees.len(), 4);
}

#[test]
fn a_single_line_field_takes_the_first_line_and_says_the_rest_was_left_out() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    select(&mut app, 2);
    let effects = paste(&mut app, "team/app\nq\nx\u{1b}[2J");
    assert!(
        effects.is_empty(),
        "pasted text never acts as keys: {effects:?}"
    );
    assert_eq!(app.repository.form.text(FieldId::Repository), "team/app");
    assert!(
        status(&app).contains("Only the first line was pasted into Repository"),
        "{}",
        status(&app)
    );
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Flow(FlowId::RepositorySharing));

    // Into a field being edited, the paste goes in at the cursor.
    assert!(app.repository.editing.is_some(), "the field stays open");
    press(&mut app, &[KeyCode::Home]);
    paste(&mut app, "base/");
    assert_eq!(
        app.repository.form.text(FieldId::Repository),
        "base/team/app"
    );
    assert!(status(&app).contains("Pasted into Repository"));
}

#[test]
fn a_paste_with_nowhere_to_go_is_not_used_and_does_nothing() {
    let mut app = App::new();
    // On the start screen, `q` pasted does not quit.
    assert!(paste(&mut app, "q").is_empty());
    assert_eq!(app.screen, Screen::Menu);
    assert!(status(&app).contains("not used"));

    open(&mut app, FlowId::RepositorySharing);
    press(&mut app, &[KeyCode::Char('3')]);
    assert!(paste(&mut app, "x\ny").is_empty());
    assert!(app.overlay.is_none());
    assert!(
        status(&app).contains("nothing to fill in"),
        "{}",
        status(&app)
    );

    // A choice is picked with the arrows, not pasted.
    press(&mut app, &[KeyCode::Char('2')]);
    select(&mut app, 1);
    paste(&mut app, "pull-push");
    assert_eq!(app.repository.form.text(FieldId::Access), "pull");
    assert!(status(&app).contains("chosen with ←/→"), "{}", status(&app));
}

#[test]
fn a_paste_into_the_save_prompt_goes_into_the_file_name() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('s')]);
    let Some(Overlay::Save(prompt)) = &mut app.overlay else {
        panic!("no save prompt");
    };
    prompt.input = tui_input::Input::default();
    paste(&mut app, "/tmp/trust.json\nrm -rf /");
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [Effect::Save { path, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(path, &PathBuf::from("/tmp/trust.json"));
}

#[test]
fn an_emptied_account_field_follows_the_profile_again_at_once() {
    let mut app = App::new();
    let effects = open(&mut app, FlowId::CuratedPackages);
    answer_identities(&mut app, effects, "111111111111");
    press(&mut app, &[KeyCode::Char('3')]);
    assert_eq!(
        app.curated.form.text(FieldId::SourceAccount),
        "111111111111"
    );
    fill(&mut app, 0, "222222222222");
    assert_eq!(
        app.curated.form.text(FieldId::SourceAccount),
        "222222222222"
    );
    // Emptied: the profile's account is back, without Ctrl-R.
    fill(&mut app, 0, "");
    assert!(!app.curated.form.is_edited(FieldId::SourceAccount));
    assert_eq!(
        app.curated.form.text(FieldId::SourceAccount),
        "111111111111"
    );
    let trust = app.curated.form.document(app.curated.document_kind());
    assert!(!trust.contains("222222222222"), "{trust}");
    // While the field is open and empty, the default already counts.
    select(&mut app, 0);
    press(&mut app, &[KeyCode::Enter]);
    update(&mut app, ctrl('u'));
    assert_eq!(
        app.curated.form.text(FieldId::SourceAccount),
        "111111111111"
    );
    assert_eq!(app.curated.form.check(FieldId::SourceAccount), Ok(()));
}

#[test]
fn a_leading_tilde_saves_under_the_home_folder() {
    let home = std::env::home_dir().expect("tests run with a home folder");
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('s')]);
    update(&mut app, ctrl('u'));
    type_text(&mut app, "~/policies/trust.json");
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [Effect::Save { path, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(path, &home.join("policies/trust.json"));
}

#[test]
fn a_missing_folder_is_offered_and_a_second_enter_creates_it() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('s')]);
    update(&mut app, ctrl('u'));
    type_text(&mut app, "/nowhere/trust.json");
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save {
            create_folder: false,
            ..
        }]
    ));
    update(
        &mut app,
        Msg::Saved(Err(SaveError::MissingFolder("/nowhere".into()))),
    );
    assert_eq!(
        status(&app),
        "folder /nowhere does not exist: Enter creates it, Esc cancels."
    );
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("The folder does not exist: Enter creates it (0700) and saves"),
        "{screen}"
    );
    assert!(screen.contains("~ is the home folder"), "{screen}");
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save {
            create_folder: true,
            ..
        }]
    ));
    // Changing the name takes the yes back.
    update(
        &mut app,
        Msg::Saved(Err(SaveError::MissingFolder("/nowhere".into()))),
    );
    type_text(&mut app, "x");
    assert!(matches!(
        press(&mut app, &[KeyCode::Enter]).as_slice(),
        [Effect::Save {
            create_folder: false,
            ..
        }]
    ));
    // Esc cancels.
    press(&mut app, &[KeyCode::Esc]);
    assert!(app.overlay.is_none());
    assert_eq!(status(&app), "Not saved.");
}

/// Runs the whole event loop with `keys`, then quits.
async fn run_keys(keys: Vec<Msg>) -> App {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    for msg in keys.into_iter().chain([ctrl('c')]) {
        sender.send(msg).unwrap();
    }
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    event_loop(
        &mut terminal,
        App::new(),
        (sender, receiver),
        &mut RecordingClipboard::default(),
        &ScriptedRunner::default(),
    )
    .await
    .unwrap()
}

/// Keys that open step 3 of the curated flow and its save prompt with `path` typed.
fn save_as(path: &str) -> Vec<Msg> {
    let mut keys = vec![
        key(KeyCode::Enter),
        // Past the accounts screen to the steps.
        key(KeyCode::Enter),
        key(KeyCode::Char('3')),
        key(KeyCode::Char('s')),
        ctrl('u'),
    ];
    keys.extend(path.chars().map(|c| key(KeyCode::Char(c))));
    keys.push(key(KeyCode::Enter));
    keys
}

#[tokio::test]
async fn saving_into_a_missing_folder_creates_it_0700_after_a_second_enter() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("new/policies");
    let path = folder.join("trust.json");

    let app = run_keys(save_as(&path.display().to_string())).await;
    assert!(!folder.exists(), "one Enter creates nothing");
    assert_eq!(
        app.status.clone().unwrap().text,
        format!(
            "folder {} does not exist: Enter creates it, Esc cancels.",
            folder.display()
        )
    );

    let mut keys = save_as(&path.display().to_string());
    keys.push(key(KeyCode::Enter));
    let app = run_keys(keys).await;
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains("sts:AssumeRole"), "{saved}");
    assert_eq!(app.status.clone().unwrap().tone, Tone::Success);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for made in [&folder, &dir.path().join("new")] {
            let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", made.display());
        }
    }
}

#[tokio::test]
async fn saving_to_a_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = save_as(&dir.path().display().to_string());
    // A second Enter does not turn the refusal into a replace.
    keys.push(key(KeyCode::Enter));
    let app = run_keys(keys).await;
    let status = app.status.clone().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert_eq!(
        status.text,
        format!(
            "Not saved: {} is a folder; name a file in it",
            dir.path().display()
        )
    );
    assert!(matches!(app.overlay, Some(Overlay::Save(_))));
    assert!(dir.path().is_dir());
}

/// The repository flow with `team/old` chosen and its grant planned on step 3.
fn planned_grant() -> (App, u64) {
    let mut app = App::new();
    let effects = open(&mut app, FlowId::RepositorySharing);
    answer_identities(&mut app, effects, "123456789012");
    fill(&mut app, 2, "team/old");
    press(&mut app, &[KeyCode::Char('2')]);
    fill(&mut app, 0, "222222222222");
    press(&mut app, &[KeyCode::Char('3')]);
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::PlanGrant { .. }));
    (app, *run)
}

#[test]
fn switching_repository_forgets_the_old_runs_and_u_says_where_the_change_was() {
    let (mut app, run) = planned_grant();
    update(
        &mut app,
        Msg::Call {
            run,
            report: CallReport::new(
                "ecr:GetRepositoryPolicy",
                "team/old",
                Outcome::Ok("no policy".into()),
            ),
        },
    );
    update(
        &mut app,
        Msg::Finished {
            run,
            cancelled: false,
        },
    );
    assert!(app.step_run(FlowId::RepositorySharing, 2).is_some());
    app.repository.previous_policy = Some((
        RepositoryName::parse("team/old").unwrap(),
        None,
        Some("{}".into()),
    ));

    press(&mut app, &[KeyCode::Char('1')]);
    fill(&mut app, 2, "team/new");
    for step in 0..3 {
        assert!(
            app.step_run(FlowId::RepositorySharing, step).is_none(),
            "step {} still shows a run of team/old",
            step + 1
        );
    }
    press(&mut app, &[KeyCode::Char('3')]);
    assert!(press(&mut app, &[KeyCode::Char('u')]).is_empty());
    assert!(
        app.overlay.is_none(),
        "u does not offer to restore team/new"
    );
    assert_eq!(
        status(&app),
        "The last change was to team/old; switch back to it to restore it."
    );

    // Back on team/old, u offers the restore.
    press(&mut app, &[KeyCode::Char('1')]);
    fill(&mut app, 2, "team/old");
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('u')]);
    let Some(Overlay::Confirm(confirm)) = &app.overlay else {
        panic!("u did not ask: {}", status(&app));
    };
    assert!(
        matches!(&confirm.job, Job::Restore { repository, .. } if repository.as_str() == "team/old")
    );
}

#[test]
fn a_plan_read_for_a_repository_left_since_is_not_offered() {
    let (mut app, run) = planned_grant();
    let Some(Job::PlanGrant { grant, .. }) = app.runs.get(&run).map(|r| r.job.clone()) else {
        panic!("no plan run");
    };
    press(&mut app, &[KeyCode::Char('1')]);
    fill(&mut app, 2, "team/new");
    let plan = ecr_share::aws::ecr::Plan {
        repository: RepositoryName::parse("team/old").unwrap(),
        change: ecr_share::core::merge::grant(None, &grant).unwrap(),
        read: CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/old",
            Outcome::Ok("no policy".into()),
        ),
    };
    update(
        &mut app,
        Msg::Output {
            run,
            output: Output::Plan(Box::new(plan)),
        },
    );
    assert!(app.overlay.is_none(), "no confirmation for team/old");
    assert!(app.repository.form.merged.is_none());
    assert!(status(&app).contains("the repository changed since"));
}
