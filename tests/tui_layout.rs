//! Every result visible, nothing cut: a step's results after it ran, the run log with
//! what the session changed and how to undo it, a trust policy that differs drawn as
//! a diff, and a walk over every step of both flows that finds no ARN, account id or
//! URL cut off with `…`, at 80×24, 100×30, 120×36 and 160×45.

mod common;

use common::harness::{Harness, ScriptedRunner, key, render};
use ecr_share::aws::{CallReport, Outcome};
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::tui::message::Msg;
use ecr_share::tui::model::{App, Overlay, Screen};
use ecr_share::tui::runlog::session_changes;
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (120, 36), (160, 45)];

const SOURCE: &str = "123456789012";
const DESTINATION: &str = "999999999999";

/// The curated flow opened with both profiles looked up.
async fn curated() -> Harness<ScriptedRunner> {
    let mut wizard = Harness::new(
        App::new(),
        ScriptedRunner::with_accounts(SOURCE, DESTINATION),
    );
    wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
    assert_eq!(wizard.app.screen, Screen::Flow(FlowId::CuratedPackages));
    wizard.app.curated.form.set(
        FieldId::SubscriptionId,
        "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
    );
    wizard
}

/// Runs the step in front (`x`, then `y` to the confirmation).
async fn run_step(wizard: &mut Harness<ScriptedRunner>, step: char) {
    wizard
        .press(&[KeyCode::Char(step), KeyCode::Char('x'), KeyCode::Char('y')])
        .await;
}

/// Gives the latest run of a curated step the reports AWS gives.
fn answer(wizard: &mut Harness<ScriptedRunner>, step: usize, reports: Vec<CallReport>) {
    let run = *wizard
        .app
        .curated
        .step_runs
        .get(&step)
        .expect("the step ran");
    wizard.app.runs.get_mut(&run).unwrap().reports = reports;
}

fn done(call: &str, subject: &str, text: &str) -> CallReport {
    CallReport::new(call, subject, Outcome::Done(text.to_string()))
}

/// The curated steps 2, 3 and 4 run, with what AWS reports for them.
async fn curated_after_steps_2_to_4() -> Harness<ScriptedRunner> {
    let mut wizard = curated().await;
    run_step(&mut wizard, '2').await;
    answer(
        &mut wizard,
        1,
        vec![done(
            "iam:CreatePolicy",
            "curated-packages-policy",
            "created arn:aws:iam::123456789012:policy/curated-packages-policy",
        )],
    );
    run_step(&mut wizard, '3').await;
    answer(
        &mut wizard,
        2,
        vec![
            done(
                "iam:CreateRole",
                "curated-packages-role",
                "created arn:aws:iam::123456789012:role/curated-packages-role",
            ),
            done(
                "iam:AttachRolePolicy",
                "arn:aws:iam::123456789012:policy/curated-packages-policy to curated-packages-role",
                "attached",
            ),
        ],
    );
    run_step(&mut wizard, '4').await;
    answer(&mut wizard, 3, step_4_reports());
    wizard
}

fn step_4_reports() -> Vec<CallReport> {
    vec![
        done(
            "iam:CreatePolicy",
            "curated-packages-assume-role-policy",
            "created arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy",
        ),
        done(
            "iam:CreateUser",
            "curated-packages-user",
            "created arn:aws:iam::999999999999:user/curated-packages-user",
        ),
        done(
            "iam:AttachUserPolicy",
            "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy to curated-packages-user",
            "attached",
        ),
    ]
}

/// Tokens on a screen that name an ARN, a URL or an account id and end in `…`.
fn cut_identifiers(screen: &str) -> Vec<String> {
    screen
        .split(|c: char| c.is_whitespace() || "\"│╭╮╰╯─(),`'".contains(c))
        .filter(|token| token.ends_with('…'))
        .filter(|token| {
            let mut run = 0;
            let mut longest = 0;
            for c in token.chars() {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                longest = longest.max(run);
            }
            token.contains("arn:") || token.contains("http") || longest >= 6
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_scan_finds_a_cut_arn_and_passes_a_whole_one() {
    let cut = "│ \"Resource\": \"arn:aws:iam::123456789012:role/curated-package…│";
    assert_eq!(
        cut_identifiers(cut),
        vec!["arn:aws:iam::123456789012:role/curated-package…"]
    );
    assert_eq!(cut_identifiers("account 1234567890…"), vec!["1234567890…"]);
    assert!(cut_identifiers("arn:aws:iam::123456789012:root reg…").is_empty());
}

#[tokio::test]
async fn a_step_with_three_results_shows_them_all_at_every_size() {
    let mut wizard = curated().await;
    run_step(&mut wizard, '4').await;
    let run = wizard
        .app
        .step_run(FlowId::CuratedPackages, 3)
        .expect("step 4 ran");
    assert_eq!(
        run.reports.len(),
        3,
        "the scripted runner answered each call"
    );
    for (width, height) in SIZES {
        let screen = render(&wizard.app, width, height);
        for call in [
            "iam:CreatePolicy curated-packages-assume-role-policy",
            "iam:CreateUser curated-packages-user",
            "iam:AttachUserPolicy",
        ] {
            // Every result is on screen, or one ] away, with a line saying so.
            let mut seen = screen.contains(call);
            let mut scrolled = wizard.app.curated.results_scroll;
            let mut app_screen = screen.clone();
            for _ in 0..20 {
                if seen {
                    break;
                }
                assert!(
                    app_screen.contains("[/] scroll"),
                    "{call} is hidden without a way to it at {width}x{height}:\n{app_screen}"
                );
                update(&mut wizard.app, key(KeyCode::Char(']')));
                assert!(
                    wizard.app.curated.results_scroll > scrolled
                        || wizard.app.curated.results_scroll == u16::MAX,
                    "] did not scroll at {width}x{height}"
                );
                scrolled = wizard.app.curated.results_scroll;
                app_screen = render(&wizard.app, width, height);
                seen = app_screen.contains(call);
            }
            assert!(seen, "{call} never shows at {width}x{height}");
            wizard.app.curated.results_scroll = 0;
        }
        insta::assert_snapshot!(format!("step_4_results_{width}x{height}"), screen);
    }
}

#[tokio::test]
async fn the_run_log_lists_every_run_and_what_to_undo() {
    let mut wizard = curated_after_steps_2_to_4().await;
    wizard.app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    wizard.press(&[KeyCode::Char('L')]).await;
    assert!(matches!(wizard.app.overlay, Some(Overlay::Log { .. })));

    let changes = session_changes(&wizard.app);
    let undo: Vec<&str> = changes.iter().filter_map(|c| c.undo.as_deref()).collect();
    assert_eq!(
        undo,
        vec![
            "aws iam delete-policy --policy-arn arn:aws:iam::123456789012:policy/curated-packages-policy --region us-west-2",
            "aws iam delete-role --role-name curated-packages-role --region us-west-2",
            "aws iam detach-role-policy --role-name curated-packages-role --policy-arn arn:aws:iam::123456789012:policy/curated-packages-policy --region us-west-2",
            "aws iam delete-policy --policy-arn arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy --region us-west-2",
            "aws iam delete-user --user-name curated-packages-user --region us-west-2",
            "aws iam detach-user-policy --user-name curated-packages-user --policy-arn arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy --region us-west-2",
        ]
    );
    assert_eq!(changes[0].account.as_deref(), Some(SOURCE));
    assert_eq!(changes[3].account.as_deref(), Some(DESTINATION));

    for (width, height) in SIZES {
        let mut screen = render(&wizard.app, width, height);
        assert!(screen.contains("Run log"), "{screen}");
        assert!(screen.contains(&format!("Account {SOURCE}")), "{screen}");
        assert!(
            cut_identifiers(&screen).is_empty(),
            "{width}x{height}:\n{screen}"
        );
        insta::assert_snapshot!(format!("run_log_{width}x{height}"), screen);
        // Scrolling reaches the end: the list of runs, down to step 4's last call.
        wizard.press(&[KeyCode::Char('G')]).await;
        screen = render(&wizard.app, width, height);
        assert!(screen.contains("Messages, oldest first") || screen.contains("#"));
        assert!(cut_identifiers(&screen).is_empty(), "{screen}");
        wizard.press(&[KeyCode::Char('g')]).await;
    }
    // The secret never reaches the log.
    for (width, height) in SIZES {
        assert!(!render(&wizard.app, width, height).contains("wJalrXUtnFEMI"));
    }
    // c copies the undo commands, newest first, each runnable on its own line.
    wizard.press(&[KeyCode::Char('c')]).await;
    let copied = wizard.clipboard.copies.last().expect("c copied").clone();
    let lines: Vec<&str> = copied.lines().collect();
    assert_eq!(lines.len(), 6, "{copied}");
    assert!(
        lines[0].starts_with("aws iam detach-user-policy --user-name curated-packages-user"),
        "{copied}"
    );
    assert!(lines[5].starts_with("aws iam delete-policy --policy-arn arn:aws:iam::123456789012:policy/curated-packages-policy"));
    wizard.press(&[KeyCode::Char('L')]).await;
    assert!(wizard.app.overlay.is_none());
}

#[tokio::test]
async fn undo_commands_name_the_profile_and_region_the_step_used() {
    let mut wizard = curated().await;
    wizard
        .app
        .curated
        .form
        .set(FieldId::SourceProfile, "prod".to_string());
    wizard.app.curated.form.set(FieldId::Region, "eu-west-1");
    run_step(&mut wizard, '3').await;
    let changes = session_changes(&wizard.app);
    let role = changes
        .iter()
        .find(|c| c.what == "created role")
        .expect("the role is listed");
    assert_eq!(
        role.undo.as_deref(),
        Some(
            "aws iam delete-role --role-name curated-packages-role --profile prod --region eu-west-1"
        )
    );
}

fn trust_diff() -> String {
    let current = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\n        \"AWS\": \"arn:aws:iam::888888888888:root\"\n      },\n      \"Action\": \"sts:AssumeRole\"\n    }\n  ]\n}\n";
    let wanted = current.replace("888888888888", DESTINATION);
    similar::TextDiff::from_lines(current, &wanted)
        .unified_diff()
        .header("current", "wanted")
        .to_string()
}

#[tokio::test]
async fn a_trust_policy_that_differs_is_drawn_as_a_diff() {
    let mut wizard = curated().await;
    run_step(&mut wizard, '3').await;
    answer(
        &mut wizard,
        2,
        vec![CallReport::new(
            "iam:CreateRole",
            "curated-packages-role",
            Outcome::Differs(format!(
                "arn:aws:iam::123456789012:role/curated-packages-role exists, but its trust policy differs from the one this step writes; nothing was changed. Use another name, or replace the document if it is yours to change.\n{}",
                trust_diff()
            )),
        )],
    );
    wizard.app.status = None;
    for (width, height) in SIZES {
        let mut app_screen = render(&wizard.app, width, height);
        // The panel may need scrolling on a small screen; each change is a line.
        let mut seen_minus = false;
        let mut seen_plus = false;
        for _ in 0..40 {
            for line in app_screen.lines() {
                seen_minus |= line.contains("-        \"AWS\": \"arn:aws:iam::888888888888:root\"");
                seen_plus |= line.contains("+        \"AWS\": \"arn:aws:iam::999999999999:root\"");
            }
            if seen_minus && seen_plus {
                break;
            }
            update(&mut wizard.app, key(KeyCode::Char(']')));
            app_screen = render(&wizard.app, width, height);
        }
        assert!(
            seen_minus && seen_plus,
            "{width}x{height}: the diff is not one line per change:\n{app_screen}"
        );
        // The screen as it shows the changed lines.
        assert!(cut_identifiers(&app_screen).is_empty(), "{app_screen}");
        insta::assert_snapshot!(format!("trust_policy_differs_{width}x{height}"), app_screen);
        wizard.app.curated.results_scroll = 0;
    }
}

#[test]
fn a_long_status_wraps_instead_of_being_cut() {
    let mut app = App::new();
    update(&mut app, key(KeyCode::Enter));
    // Past the accounts screen to the steps.
    update(&mut app, key(KeyCode::Enter));
    let mut wizard_app = app;
    // Quitting with a key in no file says a long sentence naming the key.
    wizard_app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    update(&mut wizard_app, key(KeyCode::Char('q')));
    let status = wizard_app.status.clone().expect("quitting asks first");
    assert!(status.text.len() > 100);
    for (width, height) in SIZES {
        let screen = render(&wizard_app, width, height);
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches('"').trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("Press q again to quit anyway."),
            "{width}x{height}:\n{screen}"
        );
    }
}

#[test]
fn the_secret_manifest_scrolls_sideways() {
    let mut app = App::new();
    update(&mut app, key(KeyCode::Enter));
    // Past the accounts screen to the steps.
    update(&mut app, key(KeyCode::Enter));
    app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    update(&mut app, key(KeyCode::Char('7')));
    let before = render(&app, 80, 24);
    assert!(before.contains("</> sideways"), "{before}");
    update(&mut app, key(KeyCode::Char('>')));
    assert_eq!(app.curated.hscroll, 8);
    let after = render(&app, 80, 24);
    assert_ne!(before, after);
    update(&mut app, key(KeyCode::Char('<')));
    assert_eq!(app.curated.hscroll, 0);
    update(&mut app, key(KeyCode::Char('<')));
    assert_eq!(app.curated.hscroll, 0, "never scrolls left of the start");
}

/// Every step of both flows at every size, with realistic values and results, shows
/// no ARN, account id or URL cut off.
#[tokio::test]
async fn no_arn_account_or_url_on_any_screen_ends_in_an_ellipsis() {
    let mut wizard = curated_after_steps_2_to_4().await;
    wizard.app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    wizard.app.curated.key_saved_to = Some("./curated-packages-aws-config".into());
    walk(&mut wizard.app, FlowId::CuratedPackages);

    let mut app = App::new();
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Enter));
    // Past the accounts screen to the steps.
    update(&mut app, key(KeyCode::Enter));
    let form = &mut app.repository.form;
    form.set(FieldId::Repository, "team/app");
    form.set(FieldId::Grantees, "222222222222, 333333333333");
    for access in ["pull", "lambda"] {
        app.repository.form.set(FieldId::Access, access);
        walk(&mut app, FlowId::RepositorySharing);
    }
}

fn walk(app: &mut App, flow: FlowId) {
    let steps = app.flow(flow).spec().steps.len();
    for step in 0..steps {
        update(app, key(KeyCode::Char(char::from(b'1' + step as u8))));
        assert_eq!(app.flow(flow).step, step);
        let documents = app.flow(flow).step_spec().documents.len();
        for document in 0..documents {
            app.flow_mut(flow).document = document;
            for (width, height) in SIZES {
                let screen = render(app, width, height);
                let cut = cut_identifiers(&screen);
                assert!(
                    cut.is_empty(),
                    "{flow:?} step {} document {document} at {width}x{height} cuts {cut:?}:\n{screen}",
                    step + 1
                );
                // With room enough, the form is never squeezed beside a wide
                // document: the step's instructions are read whole.
                if width >= 120 {
                    let instructions = app.flow(flow).step_spec().instructions;
                    let shown: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
                    for word in instructions.split_whitespace() {
                        assert!(
                            shown.contains(word),
                            "{flow:?} step {} at {width}x{height} lacks {word:?} of its instructions:\n{screen}",
                            step + 1
                        );
                    }
                }
            }
        }
        update(app, Msg::Key(key_event('L')));
        for (width, height) in SIZES {
            let screen = render(app, width, height);
            assert!(cut_identifiers(&screen).is_empty(), "{screen}");
        }
        update(app, Msg::Key(key_event('L')));
    }
}

fn key_event(c: char) -> ratatui::crossterm::event::KeyEvent {
    ratatui::crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        ratatui::crossterm::event::KeyModifiers::NONE,
    )
}

#[test]
fn the_registry_url_of_step_8_stays_on_one_line_when_it_fits() {
    let mut app = App::new();
    update(&mut app, key(KeyCode::Enter));
    // Past the accounts screen to the steps.
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char('8')));
    let url = "https://346438352937.dkr.ecr.us-west-2.amazonaws.com/v2/eks-anywhere-packages/manifests/latest";
    for (width, height) in [(100, 30), (120, 36), (160, 45)] {
        let screen = render(&app, width, height);
        assert!(screen.contains(url), "{width}x{height}:\n{screen}");
    }
    // Too narrow for it: the URL goes on over two lines, never cut.
    let screen = render(&app, 80, 24);
    assert!(cut_identifiers(&screen).is_empty(), "{screen}");
    assert!(screen.contains("https://346438352937.dkr.ecr.us-west-2.amazonaws.com"));
}

/// Applies a grant to a repository with no policy, as the wizard does it, and
/// returns the wizard after the write reported done.
async fn repository_granted() -> App {
    use ecr_share::tui::jobs::{Job, Output};
    use ecr_share::tui::message::Effect;
    let mut wizard = Harness::new(App::new(), ScriptedRunner::default());
    wizard
        .press(&[KeyCode::Down, KeyCode::Enter, KeyCode::Enter])
        .await;
    let mut app = wizard.app;
    app.repository.form.set(FieldId::Repository, "team/app");
    app.repository
        .form
        .set(FieldId::Grantees, "222222222222, 333333333333");
    update(&mut app, key(KeyCode::Char('3')));
    let effects = update(&mut app, key(KeyCode::Char('x')));
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let Job::PlanGrant {
        grant, repository, ..
    } = job.as_ref()
    else {
        panic!("{job:?}");
    };
    let plan = ecr_share::aws::ecr::Plan {
        repository: repository.clone(),
        change: ecr_share::core::merge::grant(None, grant).unwrap(),
        read: CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("no policy".into()),
        ),
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Plan(Box::new(plan)),
        },
    );
    let effects = update(&mut app, key(KeyCode::Char('y')));
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("the write waits for a yes: {effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::Apply { .. }));
    for report in [
        CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("unchanged".into()),
        ),
        CallReport::new(
            "ecr:SetRepositoryPolicy",
            "team/app",
            Outcome::Done("the new policy is set".into()),
        ),
        CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("read back".into()),
        ),
    ] {
        update(&mut app, Msg::Call { run: *run, report });
    }
    update(
        &mut app,
        Msg::Finished {
            run: *run,
            cancelled: false,
        },
    );
    app
}

#[tokio::test]
async fn a_repository_grant_is_in_the_summary_with_the_command_that_removes_it() {
    let mut app = repository_granted().await;
    let changes = session_changes(&app);
    let [change] = changes.as_slice() else {
        panic!("{changes:?}");
    };
    assert_eq!(change.account.as_deref(), Some("123456789012"));
    assert_eq!(
        change.name,
        "arn:aws:ecr:us-east-1:123456789012:repository/team/app"
    );
    assert_eq!(
        change.undo.as_deref(),
        Some("aws ecr delete-repository-policy --repository-name team/app --region us-east-1")
    );
    update(&mut app, key(KeyCode::Char('L')));
    for (width, height) in SIZES {
        let screen = render(&app, width, height);
        assert!(
            screen.contains("changed the repository policy of"),
            "{screen}"
        );
        assert!(cut_identifiers(&screen).is_empty(), "{screen}");
    }
}

/// The wizard on a curated step, past the accounts screen.
fn curated_on_step(step: char) -> App {
    let mut app = App::new();
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char(step)));
    app
}

#[test]
fn the_read_policy_shows_the_linters_warning_and_why_it_is_kept() {
    let app = curated_on_step('2');
    for (width, height) in [(120, 36), (160, 45)] {
        let screen = render(&app, width, height);
        let shown: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(shown.contains("ecr-share lint"), "{screen}");
        assert!(shown.contains("⚠ ineffective-action"), "{screen}");
        assert!(shown.contains("they grant nothing"), "{screen}");
        assert!(shown.contains("kept as published"), "{screen}");
        assert!(cut_identifiers(&screen).is_empty(), "{screen}");
    }
    // With less room the reason stays and why the policy is kept goes.
    let screen = render(&app, 100, 30);
    let shown: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(shown.contains("⚠ ineffective-action:"), "{screen}");
    assert!(shown.contains("they grant nothing"), "{screen}");
    assert!(!shown.contains("kept as published"), "{screen}");
    assert!(cut_identifiers(&screen).is_empty(), "{screen}");
    // Short of room, one line per finding and where to read the reasons.
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("⚠ ineffective-action in Statement[0] (ECRRead)"),
        "{screen}"
    );
    assert!(
        screen.contains("s saves the policy; ecr-share lint FILE then says why"),
        "{screen}"
    );
}

#[test]
fn clean_documents_and_documents_with_missing_values_show_no_findings() {
    // The trust policy and the assume-role policy lint clean.
    let mut app = curated_on_step('3');
    app.curated
        .form
        .set(FieldId::DestinationAccount, "999999999999");
    let screen = render(&app, 120, 36);
    assert!(!screen.contains("ecr-share lint"), "{screen}");
    let mut app = curated_on_step('4');
    app.curated.form.set(FieldId::SourceAccount, "123456789012");
    let screen = render(&app, 120, 36);
    assert!(!screen.contains("ecr-share lint"), "{screen}");
    // A placeholder is a value still missing, not a mistake.
    let app = curated_on_step('3');
    let screen = render(&app, 120, 36);
    assert!(screen.contains("<"), "{screen}");
    assert!(!screen.contains("ecr-share lint"), "{screen}");
}

#[test]
fn a_repository_policy_grant_lints_clean_in_the_wizard() {
    let mut app = App::new();
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Enter));
    let form = &mut app.repository.form;
    form.set(FieldId::Repository, "team/app");
    form.set(FieldId::Grantees, "222222222222, 333333333333");
    let mut policies_linted = 0;
    for access in ["pull", "pull-push", "lambda"] {
        app.repository.form.set(FieldId::Access, access);
        for step in 0..app.repository.spec().steps.len() {
            update(&mut app, key(KeyCode::Char(char::from(b'1' + step as u8))));
            let documents = app.repository.step_spec().documents.len();
            for document in 0..documents {
                app.repository.document = document;
                let screen = render(&app, 120, 36);
                assert!(!screen.contains("ecr-share lint"), "{access}:\n{screen}");
                let kind = app.repository.document_kind();
                let text = app.repository.form.document(kind);
                if tui_findings_apply(kind) && !text.contains('<') {
                    policies_linted += 1;
                }
            }
        }
    }
    // The repository policy itself was on screen, whole, for each level.
    assert!(policies_linted >= 3, "{policies_linted}");
}

fn tui_findings_apply(kind: ecr_share::core::documents::DocumentKind) -> bool {
    kind == ecr_share::core::documents::DocumentKind::RepositoryPolicy
}

/// The Manage screen with each action highlighted, and the teardown confirmation
/// scrolled from its first line to its last, cut no ARN, account id or URL.
#[tokio::test]
async fn the_manage_screen_and_the_teardown_confirmation_cut_no_identifier() {
    use ecr_share::core::flow::Side;
    use ecr_share::core::validate::{IamKind, IamName};
    use ecr_share::procedure::teardown::{Left, Removal, TeardownPlan};
    use ecr_share::tui::jobs::Output;
    use ecr_share::tui::message::Effect;

    let wizard = curated().await;
    let mut app = wizard.app;
    app.curated.manifest_saved_to =
        Some("/srv/eksa/clusters/production-east/aws-secret.yaml".into());
    update(&mut app, Msg::Key(key_event('M')));
    for action in ['1', '2', '3', '4'] {
        update(&mut app, key(KeyCode::Char(action)));
        for (width, height) in SIZES {
            let screen = render(&app, width, height);
            let cut = cut_identifiers(&screen);
            assert!(
                cut.is_empty(),
                "action {action} at {width}x{height} cuts {cut:?}:\n{screen}"
            );
        }
    }

    update(&mut app, key(KeyCode::Char('1')));
    let effects = update(&mut app, key(KeyCode::Enter));
    let [Effect::Start { run, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let user = IamName::parse(IamKind::User, "curated-packages-user").unwrap();
    let role = IamName::parse(IamKind::Role, "curated-packages-role").unwrap();
    let plan = TeardownPlan {
        removals: vec![
            Removal::DetachFromUser {
                user: user.clone(),
                policy_arn: format!("arn:aws:iam::{DESTINATION}:policy/curated-packages-assume-role-policy"),
                foreign: false,
            },
            Removal::User {
                name: user,
                arn: format!("arn:aws:iam::{DESTINATION}:user/curated-packages-user"),
                why_ours: "tagged by ecr-share".into(),
            },
            Removal::Role {
                name: role,
                arn: format!("arn:aws:iam::{SOURCE}:role/curated-packages-role"),
                why_ours: "tagged by ecr-share".into(),
            },
            Removal::PolicyVersion {
                side: Side::Source,
                policy_arn: format!("arn:aws:iam::{SOURCE}:policy/curated-packages-policy"),
                version: "v1".into(),
            },
        ],
        left: vec![Left {
            side: Some(Side::Source),
            what: format!("policy arn:aws:iam::{SOURCE}:policy/curated-packages-policy"),
            reason: "it is ecr-share's (tagged by ecr-share), but still attached to group ops, which teardown leaves in place".into(),
            ours: true,
        }],
        absent_files: Vec::new(),
    };
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::TeardownPlan(Box::new(plan)),
        },
    );
    assert!(matches!(app.overlay, Some(Overlay::Confirm(_))));
    for (width, height) in SIZES {
        for _ in 0..30 {
            let screen = render(&app, width, height);
            let cut = cut_identifiers(&screen);
            assert!(cut.is_empty(), "{width}x{height} cuts {cut:?}:\n{screen}");
            update(&mut app, key(KeyCode::Down));
        }
        for _ in 0..30 {
            update(&mut app, key(KeyCode::Up));
        }
    }
}
