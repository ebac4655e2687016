//! The Manage screen of the curated procedure (`M`): it lists teardown, key
//! rotation, verify and export with what each acts on; teardown reads first, then
//! asks with every deletion named, where `Enter` keeps things and only `y` removes;
//! rotation names the old key and the files; a stop says what was done and how to
//! resume; export writes the files and asks AWS nothing. Key-driven with a scripted
//! runner; `e2e_manage.rs` runs the same keys against the local AWS emulator.

mod common;

use std::path::{Path, PathBuf};

use common::harness::{Harness, ScriptedRunner, ctrl, press, render, type_text};
use ecr_share::aws::iam::AccessKeyInfo;
use ecr_share::aws::keys::{KeyFacts, LastUsed};
use ecr_share::aws::{CallError, CallReport, Outcome};
use ecr_share::core::documents::DocumentKind;
use ecr_share::core::flow::{FieldId, FlowId, Side};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::core::validate::{IamKind, IamName, RoleArn};
use ecr_share::procedure::rotate::{self, Ending, Held};
use ecr_share::procedure::teardown::{Executed, Left, Removal, Stopped, TeardownPlan};
use ecr_share::tui::jobs::{Job, Output, RunId, Runner};
use ecr_share::tui::keys::{self, Mode};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Overlay, Screen, Tone};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

const SOURCE: &str = "111111111111";
const DESTINATION: &str = "999999999999";
const USER: &str = "curated-packages-user";
const ROLE_ARN: &str = "arn:aws:iam::111111111111:role/curated-packages-role";
const USER_ARN: &str = "arn:aws:iam::999999999999:user/curated-packages-user";
const READ_ARN: &str = "arn:aws:iam::111111111111:policy/curated-packages-policy";
const ASSUME_ARN: &str = "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy";
const OLD_KEY: &str = "AKIAOLDKEY0000000001";
const NEW_KEY: &str = "AKIANEWKEY0000000002";
const NEW_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYNEWSECRET";

fn user() -> IamName {
    IamName::parse(IamKind::User, USER).unwrap()
}

/// What teardown finds after the procedure ran: every entity of ecr-share's, and a
/// file by the procedure's name that ecr-share did not write.
fn full_plan() -> TeardownPlan {
    let role = IamName::parse(IamKind::Role, "curated-packages-role").unwrap();
    TeardownPlan {
        removals: vec![
            Removal::AccessKey {
                user: user(),
                id: OLD_KEY.into(),
            },
            Removal::DetachFromUser {
                user: user(),
                policy_arn: ASSUME_ARN.into(),
                foreign: false,
            },
            Removal::User {
                name: user(),
                arn: USER_ARN.into(),
                why_ours: "tagged by ecr-share".into(),
            },
            Removal::Policy {
                side: Side::Destination,
                arn: ASSUME_ARN.into(),
                why_ours: "tagged by ecr-share".into(),
            },
            Removal::DetachFromRole {
                role: role.clone(),
                policy_arn: READ_ARN.into(),
                foreign: false,
            },
            Removal::Role {
                name: role,
                arn: ROLE_ARN.into(),
                why_ours: "tagged by ecr-share".into(),
            },
            Removal::Policy {
                side: Side::Source,
                arn: READ_ARN.into(),
                why_ours: "tagged by ecr-share".into(),
            },
        ],
        left: vec![Left {
            side: None,
            what: "file ./aws-secret.yaml".into(),
            reason: "it is not an aws-secret manifest ecr-share wrote for user curated-packages-user, so it is not deleted".into(),
            ours: false,
        }],
        absent_files: Vec::new(),
    }
}

/// What a rotation finds: the user's one key, held by the config file.
fn rotation_survey() -> rotate::Survey {
    rotate::Survey {
        keys: vec![KeyFacts {
            info: AccessKeyInfo {
                id: OLD_KEY.into(),
                status: "Active".into(),
                created: Some("2026-01-05T10:00:00Z".into()),
            },
            last_used: Ok(LastUsed {
                date: None,
                service: None,
                region: None,
            }),
        }],
        config: Held::Ours {
            key: Some(AccessKeyPair {
                access_key_id: OLD_KEY.into(),
                secret_access_key: Secret::new("old-secret-never-shown"),
            }),
            role_arn: None,
        },
        notes: Vec::new(),
        plan: Ok(rotate::Plan {
            role_arn: RoleArn::parse(ROLE_ARN).unwrap(),
            old: Some(OLD_KEY.into()),
            resume: None,
        }),
        command_options: " --profile receiver --region us-west-2".into(),
    }
}

fn new_key() -> AccessKeyPair {
    AccessKeyPair {
        access_key_id: NEW_KEY.into(),
        secret_access_key: Secret::new(NEW_SECRET),
    }
}

/// Answers the Manage screen's jobs as the engine would, with what it is given;
/// every other job as [`ScriptedRunner`] does.
struct ManageRunner {
    inner: ScriptedRunner,
    plan: TeardownPlan,
    /// How a teardown ends; `None`: every removal made.
    torn_down: Option<Executed>,
    survey: rotate::Survey,
    rotated: Ending,
}

impl ManageRunner {
    fn new() -> ManageRunner {
        ManageRunner {
            inner: ScriptedRunner::with_accounts(SOURCE, DESTINATION),
            plan: full_plan(),
            torn_down: None,
            survey: rotation_survey(),
            rotated: Ending::Done {
                new: NEW_KEY.into(),
                deleted: Some(OLD_KEY.into()),
                notes: Vec::new(),
            },
        }
    }

    fn jobs(&self) -> Vec<Job> {
        self.inner.started.lock().unwrap().clone()
    }
}

impl Runner for ManageRunner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        let (reports, output) = match &job {
            Job::TeardownSurvey { .. } => (
                vec![CallReport::new(
                    "read",
                    "both accounts",
                    Outcome::Ok("read".into()),
                )],
                Output::TeardownPlan(Box::new(self.plan.clone())),
            ),
            Job::Teardown { plan, .. } => {
                let executed = self.torn_down.clone().unwrap_or(Executed {
                    removed: plan.removals.clone(),
                    stopped: None,
                });
                let mut reports = vec![CallReport::new(
                    "re-read",
                    "both accounts",
                    Outcome::Ok("unchanged since the plan".into()),
                )];
                reports.extend(executed.removed.iter().map(|removal| {
                    CallReport::new(
                        removal.call(),
                        removal.describe(),
                        Outcome::Done("deleted".into()),
                    )
                }));
                if let Some(stopped) = &executed.stopped {
                    reports.push(stopped.report.clone());
                }
                (reports, Output::TornDown(Box::new(executed)))
            }
            Job::RotationSurvey { .. } => (
                vec![CallReport::new(
                    "iam:ListAccessKeys",
                    USER,
                    Outcome::Ok(format!("the user has 1 access key: {OLD_KEY}")),
                )],
                Output::RotationSurvey(Box::new(self.survey.clone())),
            ),
            Job::RotateKey { .. } => (
                vec![CallReport::new(
                    "iam:CreateAccessKey",
                    USER,
                    Outcome::Done(format!("created {NEW_KEY}")),
                )],
                Output::Rotated {
                    ending: Box::new(self.rotated.clone()),
                    key: Some(new_key()),
                },
            ),
            _ => return self.inner.start(run, job, sender),
        };
        self.inner.started.lock().unwrap().push(job);
        for report in reports {
            let _ = sender.send(Msg::Call { run, report });
        }
        let _ = sender.send(Msg::Output { run, output });
        let _ = sender.send(Msg::Finished {
            run,
            cancelled: false,
        });
        let answered = self.inner.answered.clone();
        tokio::spawn(async move { answered.notify_one() })
    }
}

/// The curated flow past its accounts screen, profiles `prod` and `receiver` looked
/// up, with the config file of step 6 at `./eksa/aws-config`.
fn curated_app() -> App {
    let mut app = App::with_options(Some("prod".into()), Some("us-west-2".into()))
        .with_destination_profile(Some("receiver".into()));
    app.curated
        .form
        .set(FieldId::ConfigPath, "./eksa/aws-config");
    app
}

async fn wizard(runner: ManageRunner) -> Harness<ManageRunner> {
    let mut wizard = Harness::new(curated_app(), runner);
    wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
    assert_eq!(wizard.app.screen, Screen::Flow(FlowId::CuratedPackages));
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationAccount),
        DESTINATION
    );
    wizard
}

/// `M`, then the action with this number highlighted.
async fn open_manage(wizard: &mut Harness<ManageRunner>, action: char) {
    wizard
        .press(&[KeyCode::Char('M'), KeyCode::Char(action)])
        .await;
    assert_eq!(Mode::of(&wizard.app), Mode::Manage);
}

fn status(app: &App) -> (Tone, String) {
    let status = app.status.as_ref().expect("a status line");
    (status.tone, status.text.clone())
}

fn outcome(app: &App) -> String {
    app.curated
        .manage
        .outcome
        .as_ref()
        .expect("the screen keeps what the action came to")
        .text
        .clone()
}

fn confirm_lines(app: &App) -> Vec<String> {
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => confirm.lines.clone(),
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

#[tokio::test]
async fn the_manage_screen_lists_the_four_actions_and_what_each_acts_on() {
    let mut wizard = wizard(ManageRunner::new()).await;
    open_manage(&mut wizard, '1').await;
    let screen = render(&wizard.app, 120, 36);
    for line in [
        "1 Teardown",
        "2 Rotate the key",
        "3 Verify a config file",
        "4 Export for review",
        "[source 111111111111 · profile `prod`] role curated-packages-role, policy curated-packages-policy",
        "[destination 999999999999 · profile `receiver`] user curated-packages-user with its keys,",
        "f detach foreign policies: off · d delete the files too (./eksa/aws-config): off",
    ] {
        assert!(screen.contains(line), "{line:?} missing:\n{screen}");
    }
    assert_eq!(
        keys::hint(&wizard.app),
        "↑/↓ choose · Enter start · f/d/o options · L log · Esc back · ? help · q quit"
    );

    // The rotation acts on the user, its config file and the cluster of step 7.
    wizard.press(&[KeyCode::Down]).await;
    let screen = render(&wizard.app, 120, 36);
    assert!(
        screen.contains("user curated-packages-user: its key in ./eksa/aws-config"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "o delete the old key once the new one works (no kube context on step 7): off"
        ),
        "{screen}"
    );
    wizard.press(&[KeyCode::Char('4')]).await;
    let screen = render(&wizard.app, 120, 36);
    assert!(screen.contains("region us-west-2"), "{screen}");

    // Nothing ran: choosing an action only shows it.
    assert!(
        wizard
            .runner
            .jobs()
            .iter()
            .all(|job| matches!(job, Job::Identity { .. } | Job::Profiles))
    );

    // The help speaks of this screen; Esc goes back to the step.
    wizard.press(&[KeyCode::Char('?')]).await;
    let help = render(&wizard.app, 80, 24);
    assert!(help.contains("Manage"), "{help}");
    assert!(
        help.contains("d teardown: delete the files ecr-share wrote too"),
        "{help}"
    );
    wizard.press(&[KeyCode::Esc, KeyCode::Esc]).await;
    assert_eq!(Mode::of(&wizard.app), Mode::Step);
    assert!(!wizard.app.curated.manage.open);
}

#[tokio::test]
async fn the_manage_screen_at_80x24_and_120x36() {
    let mut wizard = wizard(ManageRunner::new()).await;
    open_manage(&mut wizard, '1').await;
    for (width, height) in [(80, 24), (120, 36)] {
        let screen = render(&wizard.app, width, height);
        insta::assert_snapshot!(format!("manage_screen_{width}x{height}"), screen);
    }
}

#[test]
fn m_on_the_repository_flow_says_what_it_is_for() {
    let mut app = App::new();
    press(
        &mut app,
        &[
            KeyCode::Down,
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Char('M'),
        ],
    );
    assert!(!app.repository.manage.open && !app.curated.manage.open);
    assert!(status(&app).1.contains("curated-packages procedure"));
}

#[tokio::test]
async fn teardown_reads_first_then_names_each_deletion_and_only_y_removes() {
    let mut wizard = wizard(ManageRunner::new()).await;
    // The key of step 5 in this session is the one the teardown deletes.
    wizard.app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: OLD_KEY.into(),
        secret_access_key: Secret::new("old-secret-never-shown"),
    });
    wizard.app.curated.key_saved_to = Some(PathBuf::from("./eksa/aws-config"));
    open_manage(&mut wizard, '1').await;
    wizard.press(&[KeyCode::Enter]).await;

    // The read ran with the names of the steps and the accounts of both profiles.
    let jobs = wizard.runner.jobs();
    let Some(Job::TeardownSurvey {
        source,
        destination,
        scope,
    }) = jobs.last()
    else {
        panic!("a teardown reads first: {jobs:?}");
    };
    assert_eq!(source.account.as_str(), SOURCE);
    assert_eq!(source.target.profile.as_deref(), Some("prod"));
    assert_eq!(destination.account.as_str(), DESTINATION);
    assert_eq!(destination.target.profile.as_deref(), Some("receiver"));
    assert_eq!(scope.names.role.as_str(), "curated-packages-role");
    assert_eq!(scope.names.user.as_str(), USER);
    assert!(!scope.detach_foreign && scope.files.is_empty());

    // The confirmation names every deletion with its account and profile, and what
    // stays and why.
    assert_eq!(Mode::of(&wizard.app), Mode::ConfirmRemoval);
    let lines = confirm_lines(&wizard.app);
    let text = lines.join("\n");
    for removal in full_plan().removals {
        let tag = match removal.side() {
            Some(Side::Source) => "[source 111111111111 · profile `prod`]",
            _ => "[destination 999999999999 · profile `receiver`]",
        };
        let line = format!("{tag} {}: {}", removal.describe(), removal.call());
        assert!(text.contains(&line), "{line:?} missing:\n{text}");
    }
    assert!(text.contains("Left in place (1 thing):"), "{text}");
    assert!(
        text.contains("[this machine] file ./aws-secret.yaml: it is not an aws-secret manifest"),
        "{text}"
    );
    assert!(
        text.contains(
            "Files kept: ./eksa/aws-config (with d on the Manage screen, teardown deletes"
        ),
        "{text}"
    );
    assert!(text.contains("teardown again resumes"), "{text}");

    // Enter keeps everything: no removal starts.
    wizard.press(&[KeyCode::Enter]).await;
    assert!(wizard.app.overlay.is_none());
    assert_eq!(
        status(&wizard.app),
        (Tone::Info, "Not run: nothing was changed.".into())
    );
    assert!(
        !wizard
            .runner
            .jobs()
            .iter()
            .any(|job| matches!(job, Job::Teardown { .. }))
    );

    // y removes, in the order shown, and the screen lists every call.
    wizard.press(&[KeyCode::Enter]).await;
    wizard.press(&[KeyCode::Char('y')]).await;
    let jobs = wizard.runner.jobs();
    let Some(Job::Teardown { plan, .. }) = jobs.last() else {
        panic!("y starts the teardown: {jobs:?}");
    };
    assert_eq!(**plan, full_plan());
    let (tone, text) = status(&wizard.app);
    assert_eq!(tone, Tone::Success);
    assert!(text.starts_with("Teardown done: 7 removals made"), "{text}");
    // At 80x24 the calls take the room of the teardown's details; another action
    // highlighted shows what it acts on again.
    let small = render(&wizard.app, 80, 24);
    assert!(small.contains("Manage · teardown"), "{small}");
    assert!(small.contains("✓ re-read both accounts: ok"), "{small}");
    assert!(!small.contains("f detach foreign policies"), "{small}");
    wizard.press(&[KeyCode::Down]).await;
    let small = render(&wizard.app, 80, 24);
    assert!(small.contains("o delete the old key"), "{small}");
    wizard.press(&[KeyCode::Up]).await;
    // Steps 6 to 8 no longer offer the deleted key.
    assert_eq!(wizard.app.curated.form.access_key, None);
    assert_eq!(wizard.app.curated.key_saved_to, None);
    let screen = render(&wizard.app, 160, 45);
    assert!(
        screen.contains(&format!(
            "✓ iam:DeleteRole role {ROLE_ARN} (tagged by ecr-share): done"
        )),
        "{screen}"
    );
    // The run log has the run, with both accounts.
    let log = ecr_share::tui::runlog::session_changes(&wizard.app);
    assert!(
        log.iter()
            .any(|c| c.what == "removed (teardown)" && c.account.as_deref() == Some(SOURCE)),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_teardown_confirmation_at_80x24_and_120x36() {
    let mut wizard = wizard(ManageRunner::new()).await;
    open_manage(&mut wizard, '1').await;
    wizard.press(&[KeyCode::Enter]).await;
    for (width, height) in [(80, 24), (120, 36)] {
        let screen = render(&wizard.app, width, height);
        insta::assert_snapshot!(format!("manage_teardown_confirm_{width}x{height}"), screen);
    }
    // What does not fit scrolls, to its last line and no further.
    render(&wizard.app, 80, 24);
    for _ in 0..40 {
        wizard.press(&[KeyCode::Down]).await;
    }
    let screen = render(&wizard.app, 80, 24);
    assert!(screen.contains("teardown again"), "{screen}");
}

#[tokio::test]
async fn the_options_reach_the_teardown_and_the_rotation() {
    let mut wizard = wizard(ManageRunner::new()).await;
    wizard.app.curated.manifest_saved_to = Some(PathBuf::from("./eksa/aws-secret.yaml"));
    open_manage(&mut wizard, '1').await;
    wizard
        .press(&[KeyCode::Char('f'), KeyCode::Char('d'), KeyCode::Enter])
        .await;
    let jobs = wizard.runner.jobs();
    let Some(Job::TeardownSurvey { scope, .. }) = jobs.last() else {
        panic!("{jobs:?}");
    };
    assert!(scope.detach_foreign);
    let files: Vec<&Path> = scope.files.iter().map(|(path, _)| path.as_path()).collect();
    assert_eq!(
        files,
        [
            Path::new("./eksa/aws-config"),
            Path::new("./eksa/aws-secret.yaml")
        ]
    );
    wizard.press(&[KeyCode::Esc]).await;

    wizard
        .press(&[KeyCode::Char('2'), KeyCode::Char('o'), KeyCode::Enter])
        .await;
    let jobs = wizard.runner.jobs();
    let Some(Job::RotationSurvey { rotation }) = jobs.last() else {
        panic!("{jobs:?}");
    };
    assert!(rotation.delete_old_key);
    assert_eq!(rotation.config, PathBuf::from("./eksa/aws-config"));
    assert_eq!(
        rotation.manifest,
        Some(PathBuf::from("./eksa/aws-secret.yaml"))
    );
    assert_eq!(rotation.user.as_str(), USER);
    assert_eq!(rotation.iam.account.as_str(), DESTINATION);
    assert_eq!(
        rotation
            .role_arn
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some(ROLE_ARN)
    );
}

#[tokio::test]
async fn a_teardown_that_stops_says_what_was_removed_and_that_running_it_again_resumes() {
    let mut runner = ManageRunner::new();
    let plan = full_plan();
    runner.torn_down = Some(Executed {
        removed: plan.removals[..5].to_vec(),
        stopped: Some(Stopped {
            report: CallReport::new(
                "iam:DeleteRole",
                "curated-packages-role",
                Outcome::Failed(CallError::new(
                    "iam:DeleteRole",
                    Some("DeleteConflict"),
                    "Cannot delete entity, must remove policies first.",
                )),
            ),
            not_removed: plan.removals[5..].to_vec(),
        }),
    });
    let mut wizard = wizard(runner).await;
    open_manage(&mut wizard, '1').await;
    wizard.press(&[KeyCode::Enter, KeyCode::Char('y')]).await;
    let text = outcome(&wizard.app);
    assert!(
        text.starts_with("Teardown stopped at iam:DeleteRole curated-packages-role"),
        "{text}"
    );
    assert!(text.contains("DeleteConflict"), "{text}");
    assert!(
        text.contains(&format!(
            "Already removed: [destination 999999999999 · profile `receiver`] access key {OLD_KEY} of user {USER}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Not removed: [source 111111111111 · profile `prod`] role {ROLE_ARN}"
        )),
        "{text}"
    );
    assert!(
        text.contains("teardown again: it reads what is left and resumes"),
        "{text}"
    );
    assert_eq!(status(&wizard.app).0, Tone::Error);
    let screen = render(&wizard.app, 120, 36);
    assert!(
        screen.contains("Teardown stopped at iam:DeleteRole"),
        "{screen}"
    );
}

#[test]
fn esc_cancels_a_read_but_a_rotation_under_way_must_finish() {
    let mut app = curated_app();
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    common::harness::answer_identities(&mut app, effects, SOURCE, DESTINATION);
    press(&mut app, &[KeyCode::Char('M')]);
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("the read starts: {effects:?}");
    };
    let run = *run;
    assert_eq!(press(&mut app, &[KeyCode::Esc]), [Effect::Cancel { run }]);
    update(
        &mut app,
        Msg::Finished {
            run,
            cancelled: true,
        },
    );
    assert_eq!(
        outcome(&app),
        "Cancelled: it only read, so nothing was changed."
    );
    assert!(app.curated.manage.open, "the cancel keeps the screen");

    // A rotation the operator confirmed runs to its end: Esc and q wait.
    let effects = press(&mut app, &[KeyCode::Char('2'), KeyCode::Enter]);
    let [Effect::Start { run: survey, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut app,
        Msg::Output {
            run: *survey,
            output: Output::RotationSurvey(Box::new(rotation_survey())),
        },
    );
    update(
        &mut app,
        Msg::Finished {
            run: *survey,
            cancelled: false,
        },
    );
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("y starts the rotation: {effects:?}");
    };
    assert!(matches!(**job, Job::RotateKey { .. }));
    assert!(press(&mut app, &[KeyCode::Esc]).is_empty());
    assert!(status(&app).1.contains("cannot be stopped half-way"));
    assert!(press(&mut app, &[KeyCode::Char('q')]).is_empty());
    assert!(status(&app).1.contains("cannot be stopped half-way"));
    let screen = render(&app, 120, 36);
    assert!(screen.contains("it cannot be stopped half-way"), "{screen}");
}

#[tokio::test]
async fn rotation_names_the_old_key_and_the_files_and_the_new_key_is_used_after() {
    let mut wizard = wizard(ManageRunner::new()).await;
    open_manage(&mut wizard, '2').await;
    wizard.press(&[KeyCode::Enter]).await;
    let text = confirm_lines(&wizard.app).join("\n");
    assert!(
        text.contains(&format!(
            "Key      {OLD_KEY} (Active, created 2026-01-05T10:00:00Z"
        )),
        "{text}"
    );
    assert!(text.contains("← in ./eksa/aws-config"), "{text}");
    assert!(
        text.contains(&format!(
            "copies the current files to ./eksa/aws-config.previous (0600), kept until the new key works (old key {OLD_KEY})"
        )),
        "{text}"
    );
    assert!(
        text.contains("creates a new access key for user curated-packages-user with iam:CreateAccessKey, straight into ./eksa/aws-config (mode 0600)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("sts:AssumeRole {ROLE_ARN}")),
        "{text}"
    );
    // Without a kube context the old key stays until the operator says so.
    assert!(
        text.contains(&format!("keeps the old key {OLD_KEY}")),
        "{text}"
    );
    assert!(!text.contains("old-secret-never-shown"));
    assert_eq!(Mode::of(&wizard.app), Mode::Confirm, "nothing is deleted");

    // With o the old key is deleted once the new one works: only y confirms that.
    wizard
        .press(&[KeyCode::Esc, KeyCode::Char('o'), KeyCode::Enter])
        .await;
    let Some(Overlay::Confirm(confirm)) = &wizard.app.overlay else {
        panic!("{:?}", wizard.app.overlay);
    };
    assert_eq!(
        confirm.title,
        format!("Replace access key {OLD_KEY} of user {USER}")
    );
    assert!(confirm.removes_access);
    assert!(
        confirm.lines.iter().any(|l| l.contains(&format!(
            "deletes the old key {OLD_KEY} with iam:DeleteAccessKey, only once the steps above succeeded"
        ))),
        "{:?}",
        confirm.lines
    );
    wizard.press(&[KeyCode::Char('y')]).await;
    let (tone, text) = status(&wizard.app);
    assert_eq!(tone, Tone::Success, "{text}");
    assert!(
        text.contains(&format!(
            "Key rotated: {NEW_KEY} is the user's key now, in ./eksa/aws-config; the old key {OLD_KEY} is deleted."
        )),
        "{text}"
    );
    // Steps 6 to 8 use the new key; it is masked, and nowhere on screen or in the log.
    let state = &wizard.app.curated;
    assert_eq!(state.form.access_key, Some(new_key()));
    assert_eq!(state.key_saved_to, Some(PathBuf::from("./eksa/aws-config")));
    wizard.press(&[KeyCode::Esc, KeyCode::Char('6')]).await;
    let config = wizard.app.curated.form.export(DocumentKind::AwsConfigFile);
    assert!(
        config.contains(&format!("aws_access_key_id={NEW_KEY}")),
        "{config}"
    );
    for (width, height) in [(80, 24), (120, 36), (160, 45)] {
        let screen = render(&wizard.app, width, height);
        assert!(!screen.contains(NEW_SECRET), "{screen}");
    }
    update(
        &mut wizard.app,
        Msg::Key(ratatui::crossterm::event::KeyEvent::from(KeyCode::Char(
            'L',
        ))),
    );
    assert!(!render(&wizard.app, 160, 45).contains(NEW_SECRET));
    assert!(!format!("{:?}", wizard.app.said).contains(NEW_SECRET));
}

#[tokio::test]
async fn a_rotation_that_stops_keeps_the_old_key_and_says_how_to_finish_or_roll_back() {
    let mut runner = ManageRunner::new();
    runner.rotated = Ending::Stopped {
        reason: "the new key did not pass the check “assume the role” (see above)".into(),
        new: NEW_KEY.into(),
        held_by: vec![PathBuf::from("./eksa/aws-config")],
        old: Some(OLD_KEY.into()),
        finish: Vec::new(),
        roll_back: vec![
            "mv ./eksa/aws-config.previous ./eksa/aws-config".into(),
            format!(
                "aws iam delete-access-key --user-name {USER} --access-key-id {NEW_KEY} --profile receiver --region us-west-2"
            ),
        ],
    };
    let mut wizard = wizard(runner).await;
    open_manage(&mut wizard, '2').await;
    wizard
        .press(&[KeyCode::Char('o'), KeyCode::Enter, KeyCode::Char('y')])
        .await;
    let text = outcome(&wizard.app);
    for part in [
        "Key rotation stopped: the new key did not pass the check “assume the role”",
        &format!("The old key {OLD_KEY} is kept"),
        &format!(
            "rotate again: it finds the rotation under way, creates nothing, checks {NEW_KEY} again and deletes {OLD_KEY} only once {NEW_KEY} works"
        ),
        "To roll back instead: mv ./eksa/aws-config.previous ./eksa/aws-config ; aws iam delete-access-key",
    ] {
        assert!(text.contains(part), "{part:?} missing:\n{text}");
    }
    assert_eq!(status(&wizard.app).0, Tone::Error);
}

#[tokio::test]
async fn verify_is_step_8s_v() {
    let mut wizard = wizard(ManageRunner::new()).await;
    open_manage(&mut wizard, '3').await;
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(wizard.app.curated.step, 7);
    assert!(!wizard.app.curated.manage.open);
    assert_eq!(Mode::of(&wizard.app), Mode::VerifyPath);
    let Some(Overlay::Save(prompt)) = &wizard.app.overlay else {
        panic!("{:?}", wizard.app.overlay);
    };
    assert_eq!(prompt.input.value(), "./eksa/aws-config");
}

#[tokio::test]
async fn export_writes_the_files_into_a_folder_it_offers_to_create_and_asks_aws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut wizard = wizard(ManageRunner::new()).await;
    let before = wizard.runner.jobs().len();
    open_manage(&mut wizard, '4').await;
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(Mode::of(&wizard.app), Mode::ExportPath);
    assert_eq!(
        keys::hint(&wizard.app),
        "Enter write the files · Esc cancel"
    );
    assert!(render(&wizard.app, 80, 24).contains("Export the procedure for review"));

    let folder = dir.path().join("new").join("review");
    wizard.send(ctrl('u')).await;
    wizard.type_text(&folder.display().to_string()).await;
    wizard.press(&[KeyCode::Enter]).await;
    assert!(!folder.exists(), "nothing is created unasked");
    let (_, text) = status(&wizard.app);
    assert!(text.contains("does not exist: Enter creates it"), "{text}");
    wizard.press(&[KeyCode::Enter]).await;
    assert!(wizard.app.overlay.is_none());
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "apply.sh",
            "curated-packages-assume-role-policy.json",
            "curated-packages-policy.json",
            "curated-packages-trust-policy.json",
            "ownership-tags.json",
            "teardown.sh",
        ]
    );
    let apply = std::fs::read_to_string(folder.join("apply.sh")).unwrap();
    assert!(
        apply.contains(SOURCE) && apply.contains(DESTINATION),
        "{apply}"
    );
    assert!(apply.contains("--profile 'prod'") && apply.contains("--profile 'receiver'"));
    // The config path is absolute: the script runs from its own folder.
    let config = std::path::absolute("./eksa/aws-config").unwrap();
    assert!(apply.contains(&config.display().to_string()), "{apply}");
    let (tone, text) = status(&wizard.app);
    assert_eq!(tone, Tone::Success);
    assert!(text.contains("Wrote 6 files into"), "{text}");
    assert!(text.contains("nothing was changed in AWS"), "{text}");
    assert_eq!(
        wizard.runner.jobs().len(),
        before,
        "no job ran: no AWS call"
    );

    // Again into the same folder: it holds files, so Enter asks first.
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    wizard.press(&[KeyCode::Enter]).await;
    wizard.send(ctrl('u')).await;
    wizard.type_text(&folder.display().to_string()).await;
    wizard.press(&[KeyCode::Enter]).await;
    assert!(status(&wizard.app).1.contains("already holds files"));
    assert!(wizard.app.overlay.is_some());
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(status(&wizard.app).0, Tone::Success);
    assert_eq!(
        std::fs::read_to_string(folder.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn the_export_folder_reads_a_tilde_as_the_home_folder_and_esc_writes_nothing() {
    let mut app = curated_app();
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    common::harness::answer_identities(&mut app, effects, SOURCE, DESTINATION);
    press(
        &mut app,
        &[KeyCode::Char('M'), KeyCode::Char('4'), KeyCode::Enter],
    );
    update(&mut app, ctrl('u'));
    type_text(&mut app, "~/review");
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [Effect::Export { folder, files, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(*folder, std::env::home_dir().unwrap().join("review"));
    assert_eq!(files.len(), 6);
    assert!(press(&mut app, &[KeyCode::Esc]).is_empty());
    assert_eq!(status(&app).1, "Nothing written.");
}

#[test]
fn an_export_without_the_accounts_says_what_is_missing() {
    let mut app = curated_app();
    press(
        &mut app,
        &[
            KeyCode::Enter,
            KeyCode::Enter,
            KeyCode::Char('M'),
            KeyCode::Char('4'),
            KeyCode::Enter,
        ],
    );
    assert!(app.overlay.is_none(), "no folder is asked for");
    let (tone, text) = status(&app);
    assert_eq!(tone, Tone::Error);
    assert!(text.starts_with("Export cannot start:"), "{text}");
    assert!(text.contains("Nothing was asked of AWS"), "{text}");
}

/// The engine words a teardown's reasons for the command's flags; the screen says
/// its own keys instead.
#[test]
fn teardown_reasons_name_the_screens_keys_not_the_commands_flags() {
    use ecr_share::aws::iam_teardown::UserFacts;
    use ecr_share::procedure::teardown::{self, Survey};

    let mut app = curated_app();
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    common::harness::answer_identities(&mut app, effects, SOURCE, DESTINATION);
    let survey = Survey {
        read_policy: None,
        role: None,
        assume_policy: None,
        user: Some(UserFacts {
            arn: USER_ARN.into(),
            tagged: true,
            boundary: None,
            attached: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            inline: Vec::new(),
            groups: Vec::new(),
            access_keys: Vec::new(),
            login_profile: false,
            mfa_devices: Vec::new(),
            signing_certificates: Vec::new(),
            ssh_public_keys: Vec::new(),
            service_credentials: Vec::new(),
        }),
        files: Vec::new(),
    };
    for detach in [false, true] {
        press(&mut app, &[KeyCode::Char('M')]);
        if detach {
            press(&mut app, &[KeyCode::Char('f')]);
        }
        let effects = press(&mut app, &[KeyCode::Enter]);
        let [Effect::Start { run, job }] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        let Job::TeardownSurvey { scope, .. } = job.as_ref() else {
            panic!("{job:?}");
        };
        assert_eq!(scope.detach_foreign, detach);
        let plan = teardown::plan(scope, &survey);
        update(
            &mut app,
            Msg::Output {
                run: *run,
                output: Output::TeardownPlan(Box::new(plan)),
            },
        );
        update(
            &mut app,
            Msg::Finished {
                run: *run,
                cancelled: false,
            },
        );
        let text = if detach {
            confirm_lines(&app).join("\n")
        } else {
            outcome(&app)
        };
        assert!(!text.contains("--detach-foreign"), "{text}");
        let said = if detach {
            "detached because f on the Manage screen is on"
        } else {
            "or turn on f on the Manage screen to detach them"
        };
        assert!(text.contains(said), "{text}");
        press(&mut app, &[KeyCode::Esc]);
    }
}

/// `--registry-url` names a mirror for every registry check of the wizard: step 8,
/// `V`, and the new key of a rotation. Before a subcommand it is refused, as the
/// subcommands take their own.
#[tokio::test]
async fn the_wizards_registry_url_reaches_every_check_and_is_refused_before_a_subcommand() {
    let url = "http://127.0.0.1:9/mirror";
    let mut wizard = wizard(ManageRunner::new()).await;
    wizard.app.registry_url = Some(url.to_string());
    open_manage(&mut wizard, '2').await;
    wizard.press(&[KeyCode::Enter]).await;
    let jobs = wizard.runner.jobs();
    let Some(Job::RotationSurvey { rotation }) = jobs.last() else {
        panic!("{jobs:?}");
    };
    assert_eq!(rotation.registry_url.as_deref(), Some(url));
    let text = confirm_lines(&wizard.app).join("\n");
    assert!(
        text.contains(&format!(
            "GET {url}/v2/eks-anywhere-packages/manifests/latest"
        )),
        "{text}"
    );
    wizard
        .press(&[KeyCode::Esc, KeyCode::Char('3'), KeyCode::Enter])
        .await;
    let effects = press(&mut wizard.app, &[KeyCode::Enter]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let Job::VerifySaved { registry_url, .. } = job.as_ref() else {
        panic!("{job:?}");
    };
    assert_eq!(registry_url.as_deref(), Some(url));

    let refused = common::ecr_share_command()
        .args(["--registry-url", url, "curated", "verify", "--config", "x"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        common::stderr(&refused).contains("--registry-url before a subcommand is the wizard's"),
        "{}",
        common::stderr(&refused)
    );
    let remote = common::ecr_share_command()
        .args(["--registry-url", "http://registry.example.com"])
        .output()
        .unwrap();
    assert!(!remote.status.success());
    assert!(
        common::stderr(&remote).contains("--registry-url:"),
        "{}",
        common::stderr(&remote)
    );
}

/// The rotation's refusals speak of the steps' files, not the command's flags.
#[tokio::test]
async fn a_rotation_that_cannot_start_says_why_in_the_wizards_words() {
    let mut runner = ManageRunner::new();
    runner.survey.config = Held::Foreign;
    runner.survey.plan = Err("--config-out: ./eksa/aws-config exists and was not written by ecr-share for user curated-packages-user; pass --overwrite to replace it (its contents are lost), or choose another path".into());
    let mut wizard = wizard(runner).await;
    open_manage(&mut wizard, '2').await;
    wizard.press(&[KeyCode::Enter]).await;
    assert!(wizard.app.overlay.is_none(), "nothing to confirm");
    let text = outcome(&wizard.app);
    assert!(
        text.starts_with("Key rotation cannot start: the config file of step 6: ./eksa/aws-config exists and was not written by ecr-share"),
        "{text}"
    );
    assert!(text.contains("the wizard never replaces it"), "{text}");
    assert!(text.contains("Nothing was changed."), "{text}");
    assert!(!text.contains("--"), "{text}");
    assert!(
        !wizard
            .runner
            .jobs()
            .iter()
            .any(|job| matches!(job, Job::RotateKey { .. }))
    );
}
