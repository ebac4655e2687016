//! The wizard's screens as an operator sees them, for the render benchmark and the
//! instruction count of `benches/frame_instructions.sh`: both draw the same screens.

use ecr_share::aws::{CallReport, Identity, Outcome};
use ecr_share::core::flow::Side;
use ecr_share::core::flow::{FieldId, FlowId, Form};
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::App;
use ecr_share::tui::update::update;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Every screen measured, by the name the benchmarks report it under.
pub fn screens() -> Vec<(&'static str, App)> {
    let mut log = app_after_step_4();
    press(&mut log, KeyCode::Char('L'));
    vec![
        ("curated step 2", app_on_step_2()),
        ("step 4 with results", app_after_step_4()),
        ("run log", log),
    ]
}

/// The curated form with the procedure's example values.
#[allow(dead_code)] // the render benchmark's documents use it; the frame counter does not
pub fn filled_form() -> Form {
    let mut form = Form::new(FlowId::CuratedPackages);
    form.set(
        FieldId::SubscriptionId,
        "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
    );
    form.set(FieldId::SourceAccount, "111111111111");
    form.set(FieldId::DestinationAccount, "999999999999");
    form
}

/// The wizard on Flow A's step 2 (the longest policy), as an operator sees it.
fn app_on_step_2() -> App {
    let mut app = App::new();
    for code in [KeyCode::Enter, KeyCode::Enter, KeyCode::Char('2')] {
        update(&mut app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    app.curated.form = filled_form();
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Answers the runs effects started as AWS would: profiles resolve to two accounts,
/// every call reports done with the ARN it made.
fn answer(app: &mut App, effects: Vec<Effect>) {
    for effect in effects {
        let Effect::Start { run, job } = effect else {
            continue;
        };
        if let Job::Identity { flow, side, target } = *job {
            let account = if side == Side::Destination {
                "999999999999"
            } else {
                "123456789012"
            };
            let output = Output::Identity {
                flow,
                side,
                profile: target.profile,
                result: Ok(Identity {
                    account: account.into(),
                    arn: format!("arn:aws:iam::{account}:user/admin"),
                }),
                region: None,
            };
            update(app, Msg::Output { run, output });
        } else {
            for call in job.calls() {
                let report = CallReport::new(
                    call,
                    "",
                    Outcome::Done(
                        "created arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy"
                            .into(),
                    ),
                );
                update(app, Msg::Call { run, report });
            }
        }
        update(
            app,
            Msg::Finished {
                run,
                cancelled: false,
            },
        );
    }
}

/// The wizard on Flow A's step 4 after it ran: three results under the form.
fn app_after_step_4() -> App {
    let mut app = App::new();
    // Into the curated flow, then past its accounts screen to the steps.
    for code in [KeyCode::Enter, KeyCode::Enter] {
        let effects = press(&mut app, code);
        answer(&mut app, effects);
    }
    for code in [KeyCode::Char('4'), KeyCode::Char('x'), KeyCode::Char('y')] {
        let effects = press(&mut app, code);
        answer(&mut app, effects);
    }
    assert_eq!(
        app.step_run(FlowId::CuratedPackages, 3)
            .map(|run| run.reports.len()),
        Some(3),
        "step 4 ran"
    );
    app
}
