//! The wizard driven by keys: the state machine directly, screens rendered into
//! ratatui's TestBackend and compared with snapshots, and the whole event loop with a
//! fake clipboard.

use std::path::PathBuf;

use ecr_share::core::documents::DocumentKind;
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::tui::app::{App, Effect, Msg, Overlay, SaveError, Screen, Tone, update};
use ecr_share::tui::clipboard::{Clipboard, CopyMethod};
use ecr_share::tui::runtime::event_loop;
use ecr_share::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn press(app: &mut App, codes: &[KeyCode]) -> Vec<Effect> {
    codes
        .iter()
        .flat_map(|code| update(app, key(*code)))
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(
            update(app, key(KeyCode::Char(c))).is_empty(),
            "typing {c:?} asked for work"
        );
    }
}

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

/// Opens a flow from the start screen.
fn open(app: &mut App, flow: FlowId) {
    if flow == FlowId::RepositorySharing {
        press(app, &[KeyCode::Down]);
    }
    press(app, &[KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(flow));
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
    press(&mut app, &[KeyCode::Tab, KeyCode::Tab]);
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
    fill(&mut app, 0, "eu-west-1");
    press(&mut app, &[KeyCode::Right]);
    assert_eq!(
        app.curated.form.text(FieldId::RegistryAccount),
        "090204409458"
    );
    assert!(document(&app).contains("arn:aws:ecr:*:090204409458:repository/*"));

    // A region of another partition changes every ARN.
    press(&mut app, &[KeyCode::Left]);
    fill(&mut app, 0, "cn-north-1");
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
        },
    ] = effects.as_slice()
    else {
        panic!("expected a save, got {effects:?}");
    };
    assert_eq!(path, &PathBuf::from("curated-packages-aws-config"));
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
    fill(&mut app, 1, "team/app");
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

/// A clipboard that remembers what it was given.
#[derive(Default)]
struct RecordingClipboard {
    copies: Vec<String>,
}

impl Clipboard for RecordingClipboard {
    fn copy(&mut self, text: &str) -> Result<CopyMethod, String> {
        self.copies.push(text.to_string());
        Ok(CopyMethod::System)
    }
}

#[tokio::test]
async fn the_event_loop_runs_keys_through_to_the_clipboard_and_the_screen() {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let script = [
        key(KeyCode::Enter),
        key(KeyCode::Char('3')),
        key(KeyCode::Tab),
        key(KeyCode::Tab),
    ]
    .into_iter()
    .chain("999999999999".chars().map(|c| key(KeyCode::Char(c))))
    .chain([key(KeyCode::Esc), key(KeyCode::Char('c'))]);
    for msg in script {
        sender.send(msg).unwrap();
    }
    drop(sender);

    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut clipboard = RecordingClipboard::default();
    let app = event_loop(&mut terminal, App::new(), receiver, &mut clipboard)
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
