//! Confirmations that say who gains or loses what, keep the diff in view, and for a
//! change that removes or replaces access default to No: `Enter` keeps things as
//! they are and only `y` confirms.

mod common;

use common::harness::{answer_identities, ctrl, press, render, type_text};
use ecr_share::aws::ecr::Plan;
use ecr_share::aws::{CallReport, Outcome};
use ecr_share::core::documents::Access;
use ecr_share::core::flow::Side;
use ecr_share::core::merge::{self, Grant};
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, Region, RepositoryName};
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::keys::Mode;
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Confirm, Overlay, Screen};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (120, 36), (160, 45)];

/// A statement of somebody else's that every policy here carries.
const FOREIGN: &str = r#"{"Version":"2008-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:root"},"Action":"ecr:*"}]}"#;

/// Types `text` into field `index` of the current step; returns what leaving the
/// field asked for.
fn fill(app: &mut App, index: usize, text: &str) -> Vec<Effect> {
    let mut effects = press(app, &[KeyCode::Tab]);
    for _ in 0..index {
        effects.extend(press(app, &[KeyCode::Tab]));
    }
    update(app, ctrl('u'));
    type_text(app, text);
    effects.extend(press(app, &[KeyCode::Esc]));
    if let Screen::Flow(flow) = app.screen {
        app.flow_mut(flow).selected = 0;
    }
    effects
}

/// The repository flow on step 3 with profile `prod` (account 123456789012),
/// repository team/app and grantee 222222222222 for `access`.
fn repository_on_step_3(access: Access) -> App {
    let mut app = App::new();
    let effects = press(&mut app, &[KeyCode::Down, KeyCode::Enter, KeyCode::Enter]);
    answer_identities(&mut app, effects, "123456789012", "");
    for (index, text) in [(0, "prod"), (1, "us-west-2"), (2, "team/app")] {
        let effects = fill(&mut app, index, text);
        answer_identities(&mut app, effects, "123456789012", "");
    }
    press(&mut app, &[KeyCode::Right]);
    fill(&mut app, 0, "222222222222");
    while app.repository.form.access() != access {
        press(
            &mut app,
            &[KeyCode::Tab, KeyCode::Tab, KeyCode::Right, KeyCode::Esc],
        );
        app.repository.selected = 0;
    }
    press(&mut app, &[KeyCode::Right]);
    assert!(
        steps_known(&app),
        "the profile's account is known before step 3 asks"
    );
    app
}

fn steps_known(app: &App) -> bool {
    matches!(
        app.repository.identities.get(&Side::RepositoryOwner),
        Some(ecr_share::tui::model::IdentityState::Known(..))
    )
}

fn plan_of(change: merge::PolicyChange) -> Plan {
    Plan {
        repository: RepositoryName::parse("team/app").unwrap(),
        change,
        read: CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("read".into()),
        ),
    }
}

/// Answers the planning run the key started with `plan`.
fn answer_plan(app: &mut App, effects: Vec<Effect>, plan: Plan) {
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("expected one planning run, got {effects:?}");
    };
    update(
        app,
        Msg::Output {
            run: *run,
            output: Output::Plan(Box::new(plan)),
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

fn confirm(app: &App) -> &Confirm {
    match &app.overlay {
        Some(Overlay::Confirm(confirm)) => confirm,
        other => panic!("expected a confirmation, found {other:?}"),
    }
}

fn account(id: &str) -> AccountId {
    AccountId::parse(id).unwrap()
}

/// The grant planned against a policy with one foreign statement.
fn grant_confirmation() -> App {
    let mut app = repository_on_step_3(Access::Pull);
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let Some(Effect::Start { job, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let Job::PlanGrant { grant, .. } = job.as_ref() else {
        panic!("{job:?}");
    };
    let change = merge::grant(Some(FOREIGN), grant).unwrap();
    answer_plan(&mut app, effects, plan_of(change));
    app
}

/// The policy holds a grant of pull to 222222222222 beside the foreign statement.
fn granted_policy() -> String {
    let grant = Grant {
        access: Access::Pull,
        accounts: vec![account("222222222222")],
        organizations: Vec::new(),
        region: Region::parse("us-west-2").unwrap(),
    };
    merge::grant(Some(FOREIGN), &grant)
        .unwrap()
        .policy_text()
        .unwrap()
}

/// `d` on step 3, answered with the revoke worked out against the granted policy.
fn revoke_confirmation(app: &mut App) {
    let effects = press(app, &[KeyCode::Char('d')]);
    let Some(Effect::Start { job, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::PlanRevoke { .. }), "{job:?}");
    let change = merge::revoke(
        Some(&granted_policy()),
        &[account("222222222222")],
        Partition::Aws,
    )
    .unwrap();
    answer_plan(app, effects, plan_of(change));
}

#[test]
fn a_grant_confirmation_names_the_grantee_the_level_and_where() {
    let mut app = grant_confirmation();
    let asked = confirm(&app);
    assert_eq!(asked.title, "Grant pull on team/app");
    let text = asked.lines.join("\n");
    for needle in [
        "account 222222222222 gains pull on team/app in account 123456789012 (profile prod)",
        "nothing else in the policy changes (1 statement ecr-share did not write is kept as it is)",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(!asked.removes_access, "a grant removes nothing");
    assert_eq!(Mode::of(&app), Mode::Confirm);
    for (width, height) in SIZES {
        let screen = render(&app, width, height);
        assert!(
            screen.contains("222222222222 gains pull"),
            "{width}×{height}:\n{screen}"
        );
        insta::assert_snapshot!(format!("confirm_grant_{width}x{height}"), screen);
    }
    // A grant that takes nothing away is confirmed with Enter too.
    let effects = press(&mut app, &[KeyCode::Enter]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("expected the grant to start, got {effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::Apply { .. }), "{job:?}");
}

#[test]
fn a_revoke_is_titled_so_says_who_loses_what_and_enter_does_not_confirm_it() {
    let mut app = repository_on_step_3(Access::Pull);
    revoke_confirmation(&mut app);
    let asked = confirm(&app);
    assert_eq!(asked.title, "Revoke the grant on team/app");
    assert!(asked.removes_access);
    let text = asked.lines.join("\n");
    assert!(
        text.contains(
            "account 222222222222 loses pull on team/app in account 123456789012 (profile prod)"
        ),
        "{text}"
    );
    assert_eq!(Mode::of(&app), Mode::ConfirmRemoval);
    for (width, height) in SIZES {
        let screen = render(&app, width, height);
        assert!(
            screen.contains("y removes access · Enter/n/Esc keep it"),
            "{width}×{height}:\n{screen}"
        );
        assert!(!screen.contains("Apply the repository policy"), "{screen}");
        insta::assert_snapshot!(format!("confirm_revoke_{width}x{height}"), screen);
    }

    // Enter keeps the policy as it is.
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Start { .. })),
        "Enter started {effects:?}"
    );
    assert!(app.overlay.is_none(), "Enter closes the question");
    assert_eq!(
        app.status.as_ref().map(|s| s.text.as_str()),
        Some("Not run: nothing was changed.")
    );

    // y takes the grant out.
    revoke_confirmation(&mut app);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { job, .. }] = effects.as_slice() else {
        panic!("expected the revoke to start, got {effects:?}");
    };
    let Job::Apply { plan, .. } = job.as_ref() else {
        panic!("{job:?}");
    };
    let policy = plan.change.policy.as_ref().expect("CI is kept");
    assert!(!policy.to_string().contains("222222222222"), "{policy}");
}

#[test]
fn the_diff_stays_in_view_beside_the_question_or_under_it() {
    let mut app = grant_confirmation();
    // Side by side: the dialog over the form, the changes over the document.
    let screen = render(&app, 160, 45);
    let row = screen
        .lines()
        .find(|l| l.contains("gains pull"))
        .expect("the question is shown");
    assert!(row.contains("│"), "{row}");
    assert!(screen.contains(" Changes "), "{screen}");
    assert!(
        screen.contains("+        \"AWS\": \"arn:aws:iam::222222222222:root\""),
        "{screen}"
    );

    // Stacked: the changes follow the question and scroll into view.
    let diff_line = "+      \"Sid\": \"AllowPull\"";
    assert!(!render(&app, 80, 24).contains(diff_line));
    let mut seen = false;
    for _ in 0..40 {
        press(&mut app, &[KeyCode::Down]);
        if render(&app, 80, 24).contains(diff_line) {
            seen = true;
            break;
        }
    }
    assert!(seen, "scrolling never showed the diff");
    // Scrolling stops at the end: one press up moves the view at once.
    for _ in 0..10 {
        press(&mut app, &[KeyCode::Down]);
        render(&app, 80, 24);
    }
    let bottom = render(&app, 80, 24);
    press(&mut app, &[KeyCode::Up]);
    assert_ne!(render(&app, 80, 24), bottom);
    assert!(
        matches!(app.overlay, Some(Overlay::Confirm(_))),
        "scrolling keeps the question open"
    );
}

#[test]
fn restoring_a_grant_away_defaults_to_no() {
    let mut app = grant_confirmation();
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Applied {
                repository: RepositoryName::parse("team/app").unwrap(),
                previous: Some(FOREIGN.to_string()),
                current: Some(granted_policy()),
            },
        },
    );
    press(&mut app, &[KeyCode::Char('u')]);
    let asked = confirm(&app);
    assert!(asked.removes_access);
    assert!(
        asked.lines.iter().any(|l| l.contains(
            "account 222222222222 loses pull on team/app in account 123456789012 (profile prod)"
        )),
        "{:?}",
        asked.lines
    );
    assert!(
        asked
            .diff
            .lines()
            .any(|l| l.starts_with('-') && l.contains("arn:aws:iam::222222222222:root")),
        "{}",
        asked.diff
    );
    assert!(press(&mut app, &[KeyCode::Enter]).is_empty());
    assert!(app.overlay.is_none());
}

fn trust(account: &str) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "sts:AssumeRole"
        }]
    })
}

#[test]
fn replacing_a_trust_policy_says_whose_trust_it_drops_and_defaults_to_no() {
    let mut app = App::new();
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    answer_identities(&mut app, effects, "111111111111", "999999999999");
    press(&mut app, &[KeyCode::Char('3'), KeyCode::Char('x')]);
    let asked = confirm(&app);
    assert!(
        asked.lines.iter().any(|l| l.contains(
            "role curated-packages-role in 111111111111 will trust account 999999999999 (it may assume the role)"
        )),
        "{:?}",
        asked.lines
    );
    assert!(!asked.removes_access);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    // The role exists and trusts another account.
    let current = serde_json::to_string_pretty(&trust("888888888888")).unwrap();
    for msg in [
        Msg::Output {
            run: *run,
            output: Output::Differing { document: current },
        },
        Msg::Call {
            run: *run,
            report: CallReport::new(
                "iam:CreateRole",
                "curated-packages-role",
                Outcome::Differs("arn:aws:iam::111111111111:role/curated-packages-role exists, but its trust policy differs".into()),
            ),
        },
        Msg::Finished {
            run: *run,
            cancelled: false,
        },
    ] {
        update(&mut app, msg);
    }
    press(&mut app, &[KeyCode::Char('U')]);
    let asked = confirm(&app);
    assert_eq!(
        asked.title,
        "Replace the trust policy of role curated-packages-role"
    );
    let text = asked.lines.join("\n");
    for needle in [
        "the trust policy now lets 888888888888 assume the role",
        "after this only 999999999999 may; 888888888888 loses it",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(asked.removes_access);
    assert!(asked.diff.contains("888888888888"), "{}", asked.diff);
    let screen = render(&app, 120, 36);
    assert!(screen.contains("888888888888"), "{screen}");
    assert!(
        screen.contains("curated-packages-role?"),
        "the title is never cut:\n{screen}"
    );
    insta::assert_snapshot!("confirm_update_trust_120x36", screen);
    assert!(
        press(&mut app, &[KeyCode::Enter]).is_empty(),
        "Enter keeps the trust"
    );
    press(&mut app, &[KeyCode::Char('U')]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    assert!(
        matches!(effects.as_slice(), [Effect::Start { job, .. }] if matches!(**job, Job::UpdateTrust { .. })),
        "{effects:?}"
    );
}

#[test]
fn replacing_a_file_ecr_share_did_not_write_defaults_to_no() {
    use ecr_share::core::flow::FieldId;
    use ecr_share::core::secret::{AccessKeyPair, Secret};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, "[profile someone-else]\nregion = eu-west-1\n").unwrap();
    let mut app = App::new();
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    answer_identities(&mut app, effects, "111111111111", "999999999999");
    app.curated
        .form
        .set(FieldId::ConfigPath, path.display().to_string());
    app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    press(&mut app, &[KeyCode::Char('6'), KeyCode::Char('x')]);
    let asked = confirm(&app);
    assert!(asked.removes_access, "{:?}", asked.lines);
    assert!(
        asked
            .lines
            .iter()
            .any(|l| l.starts_with("Replaces") && l.contains("did not write")),
        "{:?}",
        asked.lines
    );
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("wJalrXUtnFEMI"), "no secret on screen");
    assert!(press(&mut app, &[KeyCode::Enter]).is_empty());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[profile someone-else]\nregion = eu-west-1\n"
    );
    press(&mut app, &[KeyCode::Char('x')]);
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    assert!(
        matches!(effects.as_slice(), [Effect::Start { job, .. }] if matches!(**job, Job::WriteConfig { .. })),
        "{effects:?}"
    );
}
