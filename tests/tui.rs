//! The wizard driven by keys: the state machine directly, screens rendered into
//! ratatui's TestBackend and compared with snapshots, and the whole event loop with a
//! fake clipboard.

mod common;

use std::path::PathBuf;

use common::harness::{
    Harness, RecordingClipboard, ScriptedRunner, ctrl, key, press, render, type_text,
};
use ecr_share::aws::iam::AccessKeyInfo;
use ecr_share::aws::{CallReport, Identity, Outcome};
use ecr_share::core::documents::DocumentKind;
use ecr_share::core::flow::{FieldId, FlowId, Side};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::core::validate::{IamKind, IamName};
use ecr_share::tui::clipboard::CopyMethod;
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::message::{Effect, Msg, SaveError};
use ecr_share::tui::model::{App, Confirm, Overlay, Screen, Tone};
use ecr_share::tui::runtime::event_loop;
use ecr_share::tui::update::update;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

/// Opens a flow from the start screen.
fn open(app: &mut App, flow: FlowId) {
    if flow == FlowId::RepositorySharing {
        press(app, &[KeyCode::Down]);
    }
    press(app, &[KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(flow));
    // The accounts screen comes first; Enter goes on to step 1.
    press(app, &[KeyCode::Enter]);
    assert_eq!(app.flow(flow).accounts_row, None);
}

/// Edits one field of the current step: selects it from the first field, clears it
/// and types `text`, then stops editing.
fn fill(app: &mut App, index: usize, text: &str) {
    press(app, &[KeyCode::Tab]);
    for _ in 0..index {
        press(app, &[KeyCode::Tab]);
    }
    update(app, ctrl('u'));
    type_text(app, text);
    press(app, &[KeyCode::Esc]);
    app_flow_reset_selection(app);
}

fn app_flow_reset_selection(app: &mut App) {
    if let Screen::Flow(flow) = app.screen {
        app.flow_mut(flow).selected = 0;
    }
}

fn document(app: &App) -> String {
    let state = app.active().expect("a flow is open");
    state.form.document(state.document_kind())
}

#[test]
fn start_screen_offers_both_flows_with_keys() {
    let app = App::new();
    let screen = render(&app, 80, 24);
    assert!(screen.contains("EKS Anywhere Curated Packages"));
    assert!(screen.contains("ECR repository"));
    assert!(screen.contains("q quit"));
    insta::assert_snapshot!("start_screen_80x24", screen);
}

#[test]
fn q_quits_outside_a_field_and_types_inside_one() {
    let mut app = App::new();
    assert_eq!(
        update(&mut app, key(KeyCode::Char('q'))),
        vec![Effect::Quit]
    );

    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
    assert!(app.is_typing());
    update(&mut app, ctrl('u'));
    type_text(&mut app, "qq");
    assert_eq!(app.repository.form.text(FieldId::Repository), "qq");
    // Ctrl-C quits from anywhere, also while typing.
    assert_eq!(update(&mut app, ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn steps_move_both_ways_and_stop_at_the_ends() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Left]);
    assert_eq!(app.curated.step, 0);
    for expected in 1..8 {
        press(&mut app, &[KeyCode::Right]);
        assert_eq!(app.curated.step, expected);
    }
    press(&mut app, &[KeyCode::Right]);
    assert_eq!(app.curated.step, 7);
    press(&mut app, &[KeyCode::Char('3')]);
    assert_eq!(app.curated.step, 2);
    press(&mut app, &[KeyCode::PageUp]);
    assert_eq!(app.curated.step, 1);
}

#[test]
fn the_region_flows_into_the_registry_account_and_the_policy() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    fill(&mut app, 1, "eu-west-1");
    press(&mut app, &[KeyCode::Right]);
    assert_eq!(
        app.curated.form.text(FieldId::RegistryAccount),
        "090204409458"
    );
    assert!(document(&app).contains("arn:aws:ecr:*:090204409458:repository/*"));

    // A region of another partition changes every ARN.
    press(&mut app, &[KeyCode::Left]);
    fill(&mut app, 1, "cn-north-1");
    press(&mut app, &[KeyCode::Right]);
    fill(&mut app, 0, "123456789012");
    assert!(
        document(&app).contains("arn:aws-cn:ecr:*:123456789012:repository/*"),
        "{}",
        document(&app)
    );
}

#[test]
fn an_invalid_value_is_marked_at_the_field_and_kept_out_of_the_document() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3')]);
    fill(&mut app, 1, "99999999999");
    assert!(!document(&app).contains("99999999999"));
    assert!(document(&app).contains("<DESTINATION_ACCOUNT_ID>"));
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("an account id has exactly 12 digits"),
        "{screen}"
    );

    press(&mut app, &[KeyCode::Tab, KeyCode::Tab]);
    type_text(&mut app, "9");
    assert!(document(&app).contains("arn:aws:iam::999999999999:root"));
}

#[test]
fn the_role_arn_of_step_3_reaches_step_4_and_the_config_file() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3')]);
    fill(&mut app, 0, "111111111111");
    fill(&mut app, 2, "my-role");
    press(&mut app, &[KeyCode::Right]);
    assert!(document(&app).contains("\"Resource\": \"arn:aws:iam::111111111111:role/my-role\""));
    press(&mut app, &[KeyCode::Right, KeyCode::Right]);
    let config = document(&app);
    assert!(
        config.contains("role_arn=arn:aws:iam::111111111111:role/my-role"),
        "{config}"
    );
    assert!(config.contains("region=us-west-2"));
    assert!(config.contains("source_profile=curated-packages-user"));
}

#[test]
fn copy_hands_the_shown_document_to_the_clipboard_and_says_how() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('2')]);
    let effects = press(&mut app, &[KeyCode::Char('c')]);
    let [Effect::Copy { what, text }] = effects.as_slice() else {
        panic!("expected one copy, got {effects:?}");
    };
    assert_eq!(what, "the ECR read policy");
    assert_eq!(text, &document(&app));
    update(
        &mut app,
        Msg::Copied {
            what: what.clone(),
            result: Ok(CopyMethod::Osc52 {
                why: "SSH session".into(),
            }),
        },
    );
    let status = app.status.clone().unwrap();
    assert_eq!(status.tone, Tone::Success);
    assert!(
        status.text.contains("OSC 52; SSH session"),
        "{}",
        status.text
    );

    update(
        &mut app,
        Msg::Copied {
            what: "x".into(),
            result: Err("no terminal".into()),
        },
    );
    assert_eq!(app.status.clone().unwrap().tone, Tone::Error);
}

#[test]
fn copy_of_a_field_value_refuses_an_invalid_one() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab, KeyCode::Esc]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    assert_eq!(
        effects,
        vec![Effect::Copy {
            what: "Region".into(),
            text: "us-west-2".into()
        }]
    );
    press(&mut app, &[KeyCode::Char('3')]);
    assert!(press(&mut app, &[KeyCode::Char('y')]).is_empty());
    assert_eq!(app.status.clone().unwrap().tone, Tone::Error);
}

#[test]
fn saving_asks_for_a_path_and_asks_again_before_replacing() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('6')]);
    press(&mut app, &[KeyCode::Char('s')]);
    assert!(matches!(app.overlay, Some(Overlay::Save(_))));
    assert!(app.is_typing());
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [
        Effect::Save {
            path,
            private,
            overwrite,
            contents,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("expected a save, got {effects:?}");
    };
    // The config file goes where step 6 says.
    assert_eq!(path, &PathBuf::from("./curated-packages-aws-config"));
    assert!(*private, "the config file may hold the secret key");
    assert!(!*overwrite);
    assert!(contents.starts_with("[default]\n"));

    update(&mut app, Msg::Saved(Err(SaveError::Exists(path.clone()))));
    assert!(app.status.clone().unwrap().text.contains("exists"));
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save {
            overwrite: true,
            ..
        }]
    ));
    update(&mut app, Msg::Saved(Ok(path.clone())));
    assert!(app.overlay.is_none());
    assert_eq!(app.status.clone().unwrap().tone, Tone::Success);

    // A policy is not private.
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('s')]);
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Save { private: false, .. }]
    ));
}

#[test]
fn a_step_with_two_documents_switches_with_v() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('7')]);
    assert_eq!(app.curated.document_kind(), DocumentKind::SecretManifest);
    press(&mut app, &[KeyCode::Char('v')]);
    assert_eq!(
        app.curated.document_kind(),
        DocumentKind::NewClusterInstruction
    );
    assert!(document(&app).contains("EKSA_AWS_CONFIG_FILE='./curated-packages-aws-config'"));
    press(&mut app, &[KeyCode::Char('v')]);
    assert_eq!(app.curated.document_kind(), DocumentKind::SecretManifest);
}

#[test]
fn the_menu_and_back_keeps_what_was_typed() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    fill(&mut app, 2, "team/app");
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen, Screen::Menu);
    press(&mut app, &[KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(FlowId::RepositorySharing));
    assert_eq!(app.repository.form.text(FieldId::Repository), "team/app");
}

#[test]
fn repository_grant_for_lambda_lists_every_grantee_in_both_statements() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    press(&mut app, &[KeyCode::Right]);
    fill(&mut app, 0, "222222222222, 333333333333");
    // Access is a choice: → cycles pull → pull-push → lambda.
    press(
        &mut app,
        &[
            KeyCode::Tab,
            KeyCode::Tab,
            KeyCode::Right,
            KeyCode::Right,
            KeyCode::Esc,
        ],
    );
    let policy: serde_json::Value = serde_json::from_str(&document(&app)).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        serde_json::json!([
            "arn:aws:iam::222222222222:root",
            "arn:aws:iam::333333333333:root"
        ])
    );
    assert_eq!(
        policy["Statement"][1]["Condition"]["StringLike"]["aws:sourceARN"],
        serde_json::json!([
            "arn:aws:lambda:us-east-1:222222222222:function:*",
            "arn:aws:lambda:us-east-1:333333333333:function:*"
        ])
    );
    insta::assert_snapshot!("repository_lambda_120x40", render(&app, 120, 40));
}

#[test]
fn curated_step_2_side_by_side() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('2')]);
    insta::assert_snapshot!("curated_step_2_120x40", render(&app, 120, 40));
}

#[test]
fn narrow_terminals_stack_the_panes() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('3')]);
    fill(&mut app, 1, "99999999");
    let screen = render(&app, 80, 24);
    insta::assert_snapshot!("curated_step_3_80x24", screen);
}

#[test]
fn a_tiny_terminal_gets_a_message_not_garbage() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    let screen = render(&app, 40, 12);
    assert!(screen.contains("Terminal too small"));
    insta::assert_snapshot!("too_small_40x12", screen);
    // Even smaller sizes draw without panicking.
    for (width, height) in [(1, 1), (10, 3), (59, 30), (200, 17)] {
        render(&app, width, height);
    }
}

#[test]
fn help_lists_every_key_and_closes() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('?')]);
    let screen = render(&app, 80, 24);
    for needle in ["Ctrl-C", "copy the document", "save the document", "Ctrl-R"] {
        assert!(screen.contains(needle), "{needle} missing:\n{screen}");
    }
    insta::assert_snapshot!("help_80x24", screen);
    press(&mut app, &[KeyCode::Esc]);
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Flow(FlowId::CuratedPackages));
}

#[test]
fn every_step_of_both_flows_draws_at_every_size() {
    for flow in [FlowId::CuratedPackages, FlowId::RepositorySharing] {
        let mut app = App::new();
        open(&mut app, flow);
        let steps = app.flow(flow).spec().steps.len();
        for step in 0..steps {
            for (width, height) in [(80, 24), (100, 30), (120, 40), (60, 18), (250, 60)] {
                let screen = render(&app, width, height);
                let title = app.flow(flow).step_spec().title;
                assert!(
                    screen.contains(&format!("Step {} of {steps}", step + 1)),
                    "{title} at {width}x{height}:\n{screen}"
                );
            }
            press(&mut app, &[KeyCode::Right]);
        }
    }
}

#[tokio::test]
async fn the_event_loop_runs_keys_through_to_the_clipboard_and_the_screen() {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let script = [
        key(KeyCode::Enter),
        key(KeyCode::Enter),
        key(KeyCode::Char('3')),
        key(KeyCode::Tab),
        key(KeyCode::Tab),
    ]
    .into_iter()
    .chain("999999999999".chars().map(|c| key(KeyCode::Char(c))))
    .chain([key(KeyCode::Esc), key(KeyCode::Char('c')), ctrl('c')]);
    for msg in script {
        sender.send(msg).unwrap();
    }

    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut clipboard = RecordingClipboard::default();
    let app = event_loop(
        &mut terminal,
        App::new(),
        (sender, receiver),
        &mut clipboard,
        &ScriptedRunner::default(),
    )
    .await
    .unwrap();

    assert_eq!(clipboard.copies.len(), 1);
    let copied: serde_json::Value = serde_json::from_str(&clipboard.copies[0]).unwrap();
    assert_eq!(
        copied["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::999999999999:root"
    );
    let status = app.status.unwrap();
    assert!(
        status
            .text
            .starts_with("Copied the Trust policy to the system clipboard"),
        "{}",
        status.text
    );
}

/// Starts the runs an update asked for by feeding back what a scripted runner says,
/// with no event loop: resolves profiles to the given accounts.
fn answer_identities(app: &mut App, effects: Vec<Effect>, source: &str, destination: &str) {
    for effect in effects {
        // Reading the profile names finds none.
        if let Effect::Start { run, job } = &effect
            && matches!(**job, Job::Profiles)
        {
            update(
                app,
                Msg::Output {
                    run: *run,
                    output: Output::Profiles(Ok(Vec::new())),
                },
            );
            update(
                app,
                Msg::Finished {
                    run: *run,
                    cancelled: false,
                },
            );
        }
        if let Effect::Start { run, job } = effect
            && let Job::Identity { flow, side, target } = *job
        {
            let account = if side == Side::Destination {
                destination
            } else {
                source
            };
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

fn open_with_accounts(flow: FlowId, source: &str, destination: &str) -> App {
    let mut app = App::new();
    if flow == FlowId::RepositorySharing {
        press(&mut app, &[KeyCode::Down]);
    }
    let effects = press(&mut app, &[KeyCode::Enter]);
    let lookups = effects
        .iter()
        .filter(|e| matches!(e, Effect::Start { job, .. } if matches!(**job, Job::Identity { .. })))
        .count();
    assert_eq!(
        lookups,
        if flow == FlowId::CuratedPackages {
            2
        } else {
            1
        }
    );
    answer_identities(&mut app, effects, source, destination);
    // Past the accounts screen, to step 1.
    press(&mut app, &[KeyCode::Enter]);
    app
}

fn confirm(app: &App) -> &Confirm {
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => confirm,
        other => panic!("expected a confirmation, found {other:?}"),
    }
}

#[test]
fn profiles_are_looked_up_and_fill_the_account_fields() {
    let app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    assert_eq!(
        app.curated.form.text(FieldId::SourceAccount),
        "111111111111"
    );
    assert_eq!(
        app.curated.form.text(FieldId::DestinationAccount),
        "999999999999"
    );
    assert_eq!(
        app.curated.form.text(FieldId::RoleArn),
        "arn:aws:iam::111111111111:role/curated-packages-role"
    );
    let screen = render(&app, 120, 40);
    assert!(screen.contains("account 111111111111"), "{screen}");
}

#[test]
fn a_changed_profile_is_looked_up_again_once_typed() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Tab]);
    type_text(&mut app, "prod");
    let effects = press(&mut app, &[KeyCode::Esc]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("expected one lookup, got {effects:?}");
    };
    let Job::Identity { side, target, .. } = job.as_ref() else {
        panic!("expected a lookup, got {job:?}");
    };
    assert_eq!(*side, Side::Source);
    assert_eq!(target.profile.as_deref(), Some("prod"));
    assert_eq!(target.region.as_deref(), Some("us-west-2"));
}

#[test]
fn a_change_asks_first_naming_profile_account_region_and_calls() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('3')]);
    assert!(
        press(&mut app, &[KeyCode::Char('x')]).is_empty(),
        "nothing runs before a yes"
    );
    let asked = confirm(&app);
    let text = asked.lines.join("\n");
    for needle in [
        "Using    the default credentials",
        "Account  111111111111",
        "Region   us-west-2",
        "iam:CreateRole curated-packages-role",
        "iam:AttachRolePolicy curated-packages-policy to curated-packages-role",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(asked.problems.is_empty(), "{:?}", asked.problems);
    insta::assert_snapshot!("confirm_role_100x30", render(&app, 100, 30));

    // n changes nothing.
    assert!(press(&mut app, &[KeyCode::Char('n')]).is_empty());
    assert!(app.overlay.is_none());

    press(&mut app, &[KeyCode::Char('x')]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("expected the step to start, got {effects:?}");
    };
    let Job::Role {
        iam,
        role,
        trust,
        policy,
    } = job.as_ref()
    else {
        panic!("expected the role job, got {job:?}");
    };
    assert_eq!(iam.account.as_str(), "111111111111");
    assert_eq!(role.as_str(), "curated-packages-role");
    assert_eq!(policy.as_str(), "curated-packages-policy");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::999999999999:root"
    );
}

#[test]
fn a_step_never_runs_in_the_wrong_account() {
    // Both profiles are the same account.
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "111111111111");
    press(&mut app, &[KeyCode::Char('4'), KeyCode::Char('x')]);
    let asked = confirm(&app);
    assert!(
        asked
            .problems
            .iter()
            .any(|p| p.contains("both account 111111111111")),
        "{:?}",
        asked.problems
    );
    assert!(press(&mut app, &[KeyCode::Char('y')]).is_empty(), "refused");
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    press(&mut app, &[KeyCode::Esc]);

    // The destination typed in step 3 is not the destination profile's account.
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('3')]);
    fill(&mut app, 1, "888888888888");
    press(&mut app, &[KeyCode::Char('4'), KeyCode::Char('x')]);
    let asked = confirm(&app);
    assert!(
        asked.problems.iter().any(|p| p.contains(
            "resolves to account 999999999999, but step 4 must run in the destination account 888888888888"
        )),
        "{:?}",
        asked.problems
    );
    assert!(press(&mut app, &[KeyCode::Char('y')]).is_empty());
}

#[test]
fn live_status_shows_each_call_as_it_finishes_and_esc_cancels() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('4'), KeyCode::Char('x')]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let run = *run;
    assert!(app.is_busy());
    update(
        &mut app,
        Msg::Call {
            run,
            report: CallReport::new(
                "iam:CreatePolicy",
                "curated-packages-assume-role-policy",
                Outcome::AlreadyExisted("identical to the wanted document".into()),
            ),
        },
    );
    let screen = render(&app, 120, 40);
    assert!(screen.contains("= iam:CreatePolicy"), "{screen}");
    assert!(screen.contains("already"), "{screen}");
    assert!(
        screen.contains("iam:CreateUser curated-packages-user"),
        "{screen}"
    );
    assert!(screen.contains("Running (Esc cancels)"), "{screen}");

    // Esc cancels the run in flight instead of leaving the step.
    assert_eq!(
        press(&mut app, &[KeyCode::Esc]),
        vec![Effect::Cancel { run }]
    );
    update(
        &mut app,
        Msg::Finished {
            run,
            cancelled: true,
        },
    );
    assert!(!app.is_busy());
    let status = app.status.clone().unwrap();
    assert!(status.text.contains("Cancelled"), "{}", status.text);
    assert!(
        status.text.contains("after 1 of 3 calls"),
        "{}",
        status.text
    );
    // A late answer of the cancelled run changes nothing.
    update(
        &mut app,
        Msg::Call {
            run,
            report: CallReport::new("iam:CreateUser", "u", Outcome::Done("created".into())),
        },
    );
    assert_eq!(
        app.step_run(FlowId::CuratedPackages, 3)
            .unwrap()
            .reports
            .len(),
        1
    );
}

#[test]
fn a_failed_call_shows_aws_code_message_and_hint() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('2'), KeyCode::Char('x')]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let error = ecr_share::aws::CallError::new(
        "iam:CreatePolicy",
        Some("AccessDenied"),
        "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:CreatePolicy",
    );
    update(
        &mut app,
        Msg::Call {
            run: *run,
            report: CallReport::new(
                "iam:CreatePolicy",
                "curated-packages-policy",
                Outcome::Failed(error),
            ),
        },
    );
    update(
        &mut app,
        Msg::Finished {
            run: *run,
            cancelled: false,
        },
    );
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("✗ iam:CreatePolicy curated-packages-policy: failed"),
        "{screen}"
    );
    assert!(screen.contains("AccessDenied"), "{screen}");
    assert!(screen.contains("use a profile"), "{screen}");
    assert_eq!(app.status.clone().unwrap().tone, Tone::Error);
}

#[test]
fn the_access_key_is_masked_until_revealed_and_reaches_the_config_file() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    // x first reads which keys the user has; the confirmation then says what happens.
    let effects = press(&mut app, &[KeyCode::Char('5'), KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::ListKeys { .. }), "{job:?}");
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Keys {
                user: IamName::parse(IamKind::User, "curated-packages-user").unwrap(),
                keys: Vec::new(),
            },
        },
    );
    assert!(
        confirm(&app)
            .lines
            .iter()
            .any(|l| l
                .starts_with("Creates  a new key, straight into ./curated-packages-aws-config")),
        "{:?}",
        confirm(&app).lines
    );
    assert!(confirm(&app).problems.is_empty());
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::AccessKey { .. }));
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::AccessKey {
                key: AccessKeyPair {
                    access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                    secret_access_key: Secret::new(secret),
                },
                saved_to: "./curated-packages-aws-config".into(),
                created: true,
            },
        },
    );
    let screen = render(&app, 120, 40);
    assert!(screen.contains("AKIAIOSFODNN7EXAMPLE"));
    assert!(
        !screen.contains(secret),
        "the secret shows before it is revealed"
    );
    press(&mut app, &[KeyCode::Char('r')]);
    assert!(render(&app, 120, 40).contains(secret));
    press(&mut app, &[KeyCode::Char('r')]);
    assert_eq!(
        press(&mut app, &[KeyCode::Char('Y')]),
        vec![Effect::Copy {
            what: "the secret access key".into(),
            text: secret.into()
        }]
    );
    assert_eq!(
        press(&mut app, &[KeyCode::Char('y')]),
        vec![Effect::Copy {
            what: "the access key id".into(),
            text: "AKIAIOSFODNN7EXAMPLE".into()
        }]
    );

    // Step 6: the config file shows the mask, but copying and saving hand out the key.
    press(&mut app, &[KeyCode::Right]);
    assert!(!render(&app, 120, 40).contains(secret));
    let effects = press(&mut app, &[KeyCode::Char('c')]);
    let [Effect::Copy { text, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(
        text.contains(&format!("aws_secret_access_key={secret}")),
        "{text}"
    );
    assert!(text.contains("aws_access_key_id=AKIAIOSFODNN7EXAMPLE"));
}

#[test]
fn the_repository_is_picked_from_the_account() {
    let mut app = open_with_accounts(FlowId::RepositorySharing, "123456789012", "");
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("reading needs no confirmation: {effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::Repositories { .. }));
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Repositories(vec!["base/images".into(), "team/app".into()]),
        },
    );
    assert!(matches!(app.overlay, Some(Overlay::Pick(_))));
    press(&mut app, &[KeyCode::Down, KeyCode::Enter]);
    assert_eq!(app.repository.form.text(FieldId::Repository), "team/app");
}

#[test]
fn the_grant_is_merged_into_the_current_policy_and_shown_before_it_is_applied() {
    let mut app = open_with_accounts(FlowId::RepositorySharing, "123456789012", "");
    fill(&mut app, 2, "team/app");
    press(&mut app, &[KeyCode::Right]);
    fill(&mut app, 0, "222222222222");
    press(&mut app, &[KeyCode::Right]);
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let Job::PlanGrant {
        grant, repository, ..
    } = job.as_ref()
    else {
        panic!("{job:?}");
    };
    let foreign = r#"{"Version":"2008-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:root"},"Action":"ecr:*"}]}"#;
    let change = ecr_share::core::merge::grant(Some(foreign), grant).unwrap();
    let plan = ecr_share::aws::ecr::Plan {
        repository: repository.clone(),
        change,
        read: CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("1 statement".into()),
        ),
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Plan(Box::new(plan)),
        },
    );
    // The changes are shown, and the write waits for a yes.
    let asked = confirm(&app);
    assert!(
        asked
            .lines
            .iter()
            .any(|l| l.contains("ecr:SetRepositoryPolicy team/app"))
    );
    assert_eq!(app.repository.document_kind(), DocumentKind::PolicyChanges);
    let diff = document(&app);
    assert!(diff.contains("+      \"Sid\": \"AllowPull\""), "{diff}");
    press(&mut app, &[KeyCode::Esc]);
    press(&mut app, &[KeyCode::Char('v')]);
    let merged: serde_json::Value = serde_json::from_str(&document(&app)).unwrap();
    assert_eq!(
        merged["Statement"][0]["Sid"], "CI",
        "the foreign statement is kept first"
    );
    assert_eq!(merged["Statement"][1]["Sid"], "AllowPull");

    // Changing the grant puts the merged view away until the policy is read again.
    press(&mut app, &[KeyCode::Left]);
    fill(&mut app, 0, "333333333333");
    press(&mut app, &[KeyCode::Right]);
    assert!(document(&app).contains("has not been read yet"));
}

#[tokio::test]
async fn the_event_loop_runs_a_confirmed_step_and_reports_each_call() {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let runner = ScriptedRunner::with_accounts("111111111111", "999999999999");
    let answered = runner.answered.clone();
    let keys = sender.clone();
    let script = tokio::spawn(async move {
        keys.send(key(KeyCode::Enter)).unwrap();
        keys.send(key(KeyCode::Enter)).unwrap();
        // Both profiles answered before the step is asked for.
        answered.notified().await;
        answered.notified().await;
        for code in [KeyCode::Char('3'), KeyCode::Char('x'), KeyCode::Char('y')] {
            keys.send(key(code)).unwrap();
        }
        answered.notified().await;
        keys.send(ctrl('c')).unwrap();
    });
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let app = event_loop(
        &mut terminal,
        App::new(),
        (sender, receiver),
        &mut RecordingClipboard::default(),
        &runner,
    )
    .await
    .unwrap();
    script.await.unwrap();

    let started = runner.started.lock().unwrap();
    assert!(
        matches!(started.last(), Some(Job::Role { .. })),
        "{started:?}"
    );
    let run = app
        .step_run(FlowId::CuratedPackages, 2)
        .expect("step 3 ran");
    assert!(!run.running);
    assert_eq!(run.reports.len(), 2);
    assert_eq!(
        app.status.clone().unwrap().text,
        "“Role for curated packages” done."
    );
}

#[test]
fn the_registry_of_step_1_fills_step_2_and_says_where_it_came_from() {
    use ecr_share::aws::eks::{PackageRegistry, RegistryLookup, RegistrySource};
    use ecr_share::core::validate::{AccountId, Region};

    let lookup = |account: &str| RegistryLookup {
        registry: Some(PackageRegistry::in_region(
            AccountId::parse(account).unwrap(),
            &Region::parse("us-west-2").unwrap(),
        )),
        source: RegistrySource::Subscription,
        report: CallReport::new(
            "eks:DescribeEksAnywhereSubscription",
            "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
            Outcome::Ok(format!(
                "packageRegistry {account}.dkr.ecr.us-west-2.amazonaws.com"
            )),
        ),
    };
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    fill(&mut app, 2, "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964");
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("a read runs without asking: {effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::FindRegistry { .. }));
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Registry(lookup("111122223333")),
        },
    );
    update(
        &mut app,
        Msg::Finished {
            run: *run,
            cancelled: false,
        },
    );
    assert_eq!(
        app.curated.form.text(FieldId::RegistryAccount),
        "111122223333"
    );
    assert!(
        app.status
            .clone()
            .unwrap()
            .text
            .contains("named by the subscription")
    );
    press(&mut app, &[KeyCode::Right]);
    assert!(document(&app).contains("arn:aws:ecr:*:111122223333:repository/*"));
    assert!(render(&app, 120, 40).contains("(named by the"));

    // An account the operator typed before the lookup is kept.
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('2')]);
    fill(&mut app, 0, "067575901363");
    press(&mut app, &[KeyCode::Char('1')]);
    fill(&mut app, 2, "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964");
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Registry(lookup("111122223333")),
        },
    );
    assert_eq!(
        app.curated.form.text(FieldId::RegistryAccount),
        "067575901363"
    );
    assert!(
        app.status
            .clone()
            .unwrap()
            .text
            .contains("you typed is kept")
    );
}

#[tokio::test]
async fn a_step_runs_in_the_harness_and_what_it_shows_is_copied_and_saved() {
    let runner = ScriptedRunner::with_accounts("111111111111", "999999999999");
    let mut wizard = Harness::new(App::new(), runner);
    wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationAccount),
        "999999999999",
        "the profiles were looked up when the flow opened"
    );

    wizard
        .press(&[KeyCode::Char('3'), KeyCode::Char('x'), KeyCode::Char('y')])
        .await;
    let run = wizard
        .app
        .step_run(FlowId::CuratedPackages, 2)
        .expect("step 3 ran");
    assert!(!run.running);
    assert_eq!(run.reports.len(), 2);
    let screen = wizard.screen();
    assert!(
        screen.contains("“Role for curated packages” done."),
        "{screen}"
    );
    assert!(
        screen.contains("iam:CreateRole curated-packages-role"),
        "{screen}"
    );

    wizard.press(&[KeyCode::Char('c')]).await;
    let [copied] = wizard
        .clipboard
        .copies
        .clone()
        .try_into()
        .unwrap_or_else(|copies| {
            panic!("expected one copy, got {copies:?}");
        });
    assert!(
        copied.contains("arn:aws:iam::999999999999:root"),
        "{copied}"
    );
    assert!(wizard.screen().contains("Copied the Trust policy"));

    // Saved once; the second save of the same name asks before it replaces the file.
    let path = PathBuf::from("curated-packages-trust-policy.json");
    wizard.press(&[KeyCode::Char('s'), KeyCode::Enter]).await;
    assert_eq!(wizard.files.get(&path), Some(&copied));
    assert!(wizard.app.overlay.is_none());
    wizard.press(&[KeyCode::Char('s'), KeyCode::Enter]).await;
    assert!(matches!(wizard.app.overlay, Some(Overlay::Save(_))));
    assert!(
        wizard.screen().contains("exists: Enter replaces it"),
        "{}",
        wizard.screen()
    );
    wizard.press(&[KeyCode::Enter]).await;
    assert!(wizard.app.overlay.is_none());
    assert_eq!(wizard.files.len(), 1);

    assert!(!wizard.quit);
    wizard.press(&[KeyCode::Char('q')]).await;
    assert!(wizard.quit);
}

#[test]
fn every_bound_key_of_a_step_does_what_its_binding_says_on_every_step() {
    use ecr_share::tui::keys::{Action, Mode};
    for flow in [FlowId::CuratedPackages, FlowId::RepositorySharing] {
        let steps = App::new().flow(flow).spec().steps.len();
        for step in 0..steps {
            for binding in Mode::Step.bindings() {
                for (bound, action) in binding.keys {
                    let mut app = open_with_accounts(flow, "111111111111", "999999999999");
                    app.flow_mut(flow).step = step;
                    assert_eq!(Mode::of(&app), Mode::Step);
                    let effects = update(&mut app, Msg::Key(bound.event()));
                    let has_fields = !app.flow(flow).step_spec().fields.is_empty();
                    let mode = Mode::of(&app);
                    let expected = match action {
                        Action::OpenHelp => Some(Mode::Help),
                        Action::Save => Some(Mode::Save),
                        Action::Back => Some(Mode::Menu),
                        Action::Edit | Action::EditLast if has_fields => Some(Mode::Editing),
                        Action::ScrollDown | Action::ScrollUp | Action::NextDocument => {
                            Some(Mode::Step)
                        }
                        _ => None,
                    };
                    if let Some(expected) = expected {
                        assert_eq!(mode, expected, "{flow:?} step {step}: {bound:?}");
                    }
                    match action {
                        Action::Quit => assert_eq!(effects, vec![Effect::Quit]),
                        Action::CopyDocument => assert!(
                            matches!(effects.as_slice(), [Effect::Copy { .. }]),
                            "{flow:?} step {step}: {effects:?}"
                        ),
                        Action::NextStep => {
                            assert_eq!(app.flow(flow).step, (step + 1).min(steps - 1))
                        }
                        Action::PreviousStep => {
                            assert_eq!(app.flow(flow).step, step.saturating_sub(1))
                        }
                        Action::GoToStep(to) if *to < steps => {
                            assert_eq!(app.flow(flow).step, *to)
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

#[test]
fn a_user_with_a_key_the_config_file_does_not_hold_is_refused_before_a_second_key() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    let effects = press(&mut app, &[KeyCode::Char('5'), KeyCode::Char('x')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Keys {
                user: IamName::parse(IamKind::User, "curated-packages-user").unwrap(),
                keys: vec![AccessKeyInfo {
                    id: "AKIAOLDKEY0000000000".into(),
                    status: "Active".into(),
                    created: Some("2026-01-02T03:04:05Z".into()),
                }],
            },
        },
    );
    let confirmation = confirm(&app);
    assert!(
        confirmation
            .lines
            .iter()
            .any(|l| l.contains("Has key  AKIAOLDKEY0000000000")),
        "{:?}",
        confirmation.lines
    );
    assert!(
        confirmation.problems.iter().any(|p| p.contains("IAM cannot show again")
            && p.contains("aws iam delete-access-key --user-name curated-packages-user --access-key-id AKIAOLDKEY0000000000")),
        "{:?}",
        confirmation.problems
    );
    // A yes does not run it.
    assert_eq!(press(&mut app, &[KeyCode::Char('y')]), Vec::<Effect>::new());
}

#[test]
fn quitting_with_a_secret_in_no_file_asks_first() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    // A key whose secret reached no file (as when its file could not be written).
    app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    assert_eq!(press(&mut app, &[KeyCode::Char('q')]), Vec::<Effect>::new());
    let status = app.status.clone().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("AKIAIOSFODNN7EXAMPLE"),
        "{}",
        status.text
    );
    assert!(status.text.contains("q again"), "{}", status.text);
    assert_eq!(press(&mut app, &[KeyCode::Char('q')]), vec![Effect::Quit]);

    // Once the config file holds it, q quits at once.
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    app.curated.key_saved_to = Some(PathBuf::from("./curated-packages-aws-config"));
    assert_eq!(press(&mut app, &[KeyCode::Char('q')]), vec![Effect::Quit]);
}

#[test]
fn the_main_profiles_region_becomes_the_default_region() {
    let app = App::with_defaults(Some("src".into()), None, Some("eu-central-1".into()));
    assert_eq!(app.curated.form.text(FieldId::Region), "eu-central-1");
    assert_eq!(app.repository.form.text(FieldId::Region), "eu-central-1");
    // --region wins over the profile's region.
    let app = App::with_defaults(
        Some("src".into()),
        Some("us-east-2".into()),
        Some("eu-central-1".into()),
    );
    assert_eq!(app.curated.form.text(FieldId::Region), "us-east-2");
}

#[test]
fn creating_a_key_cannot_be_cancelled_or_quit_half_way() {
    let mut app = open_with_accounts(FlowId::CuratedPackages, "111111111111", "999999999999");
    let effects = press(&mut app, &[KeyCode::Char('5'), KeyCode::Char('x')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Keys {
                user: IamName::parse(IamKind::User, "curated-packages-user").unwrap(),
                keys: Vec::new(),
            },
        },
    );
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    assert!(
        matches!(effects.as_slice(), [Effect::Start { .. }]),
        "{effects:?}"
    );
    // The key is being created: neither Esc nor q may drop it before it is in its file.
    assert_eq!(press(&mut app, &[KeyCode::Esc]), Vec::<Effect>::new());
    assert!(
        app.status
            .clone()
            .unwrap()
            .text
            .contains("cannot be stopped")
    );
    assert_eq!(press(&mut app, &[KeyCode::Char('q')]), Vec::<Effect>::new());
    assert_eq!(
        update(&mut app, ctrl('c')),
        Vec::<Effect>::new(),
        "Ctrl-C waits too"
    );
}

#[test]
fn the_start_profiles_region_arrives_after_the_first_frame_and_becomes_the_default() {
    let mut app = App::with_defaults(Some("src".into()), None, None);
    assert_eq!(app.curated.form.text(FieldId::Region), "us-west-2");
    update(&mut app, Msg::ProfileRegion(Some("eu-central-1".into())));
    assert_eq!(app.curated.form.text(FieldId::Region), "eu-central-1");
    assert_eq!(app.repository.form.text(FieldId::Region), "eu-central-1");
    // A region the operator typed stays.
    app.repository.form.set(FieldId::Region, "us-east-2");
    update(&mut app, Msg::ProfileRegion(Some("ap-south-1".into())));
    assert_eq!(app.repository.form.text(FieldId::Region), "us-east-2");
}
