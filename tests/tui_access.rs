//! "Who has access" (`W` on the repository flow): every repository of the flow's
//! account and region, read as one job with its progress shown live and Esc to cancel
//! it, listed with its exposure (public first) and who has which level; `s` sorts by
//! name, `/` filters by name or account/org id, and Enter takes a repository into the
//! grant steps. Against scripted answers, and once against the local AWS emulator.

mod common;

use std::sync::Mutex;

use common::harness::{Harness, ScriptedRunner, press, render};
use common::{Moto, SOURCE_ACCOUNT};
use ecr_share::aws::audit::{PolicyRead, RepositoryRead};
use ecr_share::aws::{CallError, Target};
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::tui::access::{AccessScreen, Flag, Reading};
use ecr_share::tui::jobs::{AwsRunner, Job, Output, RunId, Runner};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Overlay, Screen, Tone};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

const PULL: [&str; 3] = [
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
];
const PUSH: [&str; 5] = [
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:BatchCheckLayerAvailability",
];
const ORGANIZATION: &str = "o-abcdefghij12";

fn policy(statements: Value) -> PolicyRead {
    PolicyRead::Policy(json!({"Version": "2012-10-17", "Statement": statements}).to_string())
}

fn read(name: &str, read: PolicyRead) -> RepositoryRead {
    RepositoryRead {
        name: name.into(),
        account: Some(SOURCE_ACCOUNT.into()),
        read,
    }
}

/// The account's repositories as the listing returns them (by name), covering every
/// kind of grantee, a repository without a policy and one whose policy is refused.
fn repositories() -> Vec<RepositoryRead> {
    let pull_push: Vec<&str> = PULL.iter().chain(PUSH.iter()).copied().collect();
    vec![
        read("alpha-plain", PolicyRead::NoPolicy),
        read(
            "billing-lambda",
            policy(json!([{
                "Sid": "LambdaPull", "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": PULL,
                "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:us-east-1:444444444444:function:*"}}
            }])),
        ),
        read(
            "cache-stale",
            policy(json!([
                {"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEID1234567"}, "Action": PULL},
                {"Sid": "Self", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:root")}, "Action": PULL}
            ])),
        ),
        read(
            "docs-public",
            policy(json!([{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": PULL}])),
        ),
        read(
            "edge-org",
            policy(json!([{
                "Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": PULL,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}}
            }])),
        ),
        read(
            "feeds-partners",
            policy(json!([
                {"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": PULL},
                {"Sid": "CI", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:role/ci"}, "Action": pull_push}
            ])),
        ),
        read(
            "locked",
            PolicyRead::Failed(CallError::new(
                "ecr:GetRepositoryPolicy",
                Some("AccessDeniedException"),
                "User is not authorized to perform ecr:GetRepositoryPolicy",
            )),
        ),
    ]
}

/// The harness's runner, answering the read of who has access from a script: the
/// progress after each repository, then the list (or the listing's failure).
struct AccessRunner {
    inner: ScriptedRunner,
    answer: Result<Vec<RepositoryRead>, CallError>,
    /// The targets the reads ran with.
    targets: Mutex<Vec<Target>>,
}

impl AccessRunner {
    fn new(answer: Result<Vec<RepositoryRead>, CallError>) -> Self {
        AccessRunner {
            inner: ScriptedRunner::default(),
            answer,
            targets: Mutex::new(Vec::new()),
        }
    }
}

impl Runner for AccessRunner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        let Job::Access { target } = &job else {
            return self.inner.start(run, job, sender);
        };
        self.targets.lock().unwrap().push(target.clone());
        let output = |output| Msg::Output { run, output };
        if let Ok(reads) = &self.answer {
            let total = reads.len();
            let _ = sender.send(output(Output::AccessProgress {
                done: 0,
                total,
                read: None,
            }));
            for (index, read) in reads.iter().enumerate() {
                let _ = sender.send(output(Output::AccessProgress {
                    done: index + 1,
                    total,
                    read: Some(Box::new(read.clone())),
                }));
            }
        }
        let _ = sender.send(output(Output::Access(self.answer.clone())));
        let _ = sender.send(Msg::Finished {
            run,
            cancelled: false,
        });
        tokio::spawn(async {})
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The repository flow's steps, for profile `owner` in eu-west-1, and `W` pressed.
async fn listed(answer: Result<Vec<RepositoryRead>, CallError>) -> Harness<AccessRunner> {
    let app = App::with_options(Some("owner".into()), Some("eu-west-1".into()));
    let mut wizard = Harness::new(app, AccessRunner::new(answer));
    wizard
        .press(&[KeyCode::Down, KeyCode::Enter, KeyCode::Enter])
        .await;
    assert_eq!(wizard.app.screen, Screen::Flow(FlowId::RepositorySharing));
    wizard.press(&[KeyCode::Char('W')]).await;
    wizard
}

fn screen(app: &App) -> &AccessScreen {
    match &app.overlay {
        Some(Overlay::Access(screen)) => screen,
        other => panic!("expected the who-has-access screen, got {other:?}"),
    }
}

fn names(app: &App) -> Vec<String> {
    screen(app)
        .visible()
        .iter()
        .map(|row| row.repository.clone())
        .collect()
}

fn row<'a>(app: &'a App, name: &str) -> &'a ecr_share::tui::access::AccessRow {
    screen(app)
        .rows
        .iter()
        .find(|row| row.repository == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[test]
fn every_repository_is_listed_with_its_exposure_and_who_has_which_level() {
    runtime().block_on(async {
        let wizard = listed(Ok(repositories())).await;
        assert_eq!(
            *wizard.runner.targets.lock().unwrap(),
            [Target::new(Some("owner".into()), Some("eu-west-1".into()))],
            "the flow's profile and region are read"
        );
        let app = &wizard.app;
        assert_eq!(screen(app).reading, Reading::Done);
        assert_eq!(screen(app).rows.len(), 7);

        assert_eq!(row(app, "docs-public").flags, [Flag::Public]);
        assert_eq!(row(app, "docs-public").grants, ["anyone (*): pull"]);
        assert_eq!(row(app, "edge-org").flags, [Flag::Organization]);
        assert_eq!(
            row(app, "edge-org").grants,
            [format!("organization {ORGANIZATION}: pull")]
        );
        assert_eq!(row(app, "feeds-partners").flags, [Flag::Accounts]);
        assert_eq!(
            row(app, "feeds-partners").grants,
            [
                "account 222222222222: pull",
                "account 333333333333 role/ci: pull and push"
            ]
        );
        assert_eq!(row(app, "billing-lambda").flags, [Flag::Lambda]);
        assert_eq!(
            row(app, "billing-lambda").grants,
            ["Lambda functions of account 444444444444 in us-east-1: pull"]
        );
        assert_eq!(
            row(app, "cache-stale").flags,
            [Flag::UnknownPrincipal, Flag::OwnAccount]
        );
        assert_eq!(row(app, "alpha-plain").flags, []);
        assert!(row(app, "alpha-plain").grants.is_empty());
        assert!(
            row(app, "alpha-plain")
                .note
                .as_ref()
                .unwrap()
                .contains("no policy")
        );
        assert_eq!(row(app, "locked").flags, [Flag::NotRead]);
        assert!(
            row(app, "locked")
                .note
                .as_ref()
                .unwrap()
                .contains("AccessDeniedException"),
            "{:?}",
            row(app, "locked").note
        );

        let shown = render(app, 120, 36);
        for text in [
            "Who has access · profile `owner` in eu-west-1",
            "7 repositories · 1 public · sorted by exposure",
            "1 not read",
            "anyone (*): pull",
            "organization o-abcdefghij12: pull",
            "account 333333333333 role/ci: pull and push",
            "unknown principal",
            "AccessDeniedException",
        ] {
            assert!(shown.contains(text), "{text:?} not on screen:\n{shown}");
        }
    });
}

#[test]
fn public_comes_first_and_s_sorts_by_name() {
    runtime().block_on(async {
        let mut wizard = listed(Ok(repositories())).await;
        assert_eq!(
            names(&wizard.app),
            [
                "docs-public",
                "locked",
                "edge-org",
                "feeds-partners",
                "billing-lambda",
                "cache-stale",
                "alpha-plain"
            ]
        );
        wizard.press(&[KeyCode::Char('s')]).await;
        let mut sorted = names(&wizard.app);
        assert_eq!(sorted[0], "alpha-plain");
        sorted.sort();
        assert_eq!(names(&wizard.app), sorted);
        assert!(render(&wizard.app, 120, 36).contains("sorted by name"));
        wizard.press(&[KeyCode::Char('s')]).await;
        assert_eq!(names(&wizard.app)[0], "docs-public");
    });
}

#[test]
fn a_filter_narrows_by_name_or_by_account_or_organization_id() {
    runtime().block_on(async {
        let mut wizard = listed(Ok(repositories())).await;
        wizard.press(&[KeyCode::Char('/')]).await;
        assert!(wizard.app.is_typing(), "keys go into the filter");
        // q and s are letters in the filter, not quit or sort.
        wizard.type_text("333333").await;
        assert_eq!(names(&wizard.app), ["feeds-partners"]);
        assert!(render(&wizard.app, 120, 36).contains("1 of 7"));

        wizard.press(&[KeyCode::Esc]).await;
        assert_eq!(names(&wizard.app).len(), 7, "Esc clears the filter");
        assert!(matches!(wizard.app.overlay, Some(Overlay::Access(_))));

        wizard.press(&[KeyCode::Char('/')]).await;
        wizard.type_text("O-ABCDEF").await;
        assert_eq!(names(&wizard.app), ["edge-org"], "ids match in any case");

        wizard.press(&[KeyCode::Esc, KeyCode::Char('/')]).await;
        wizard.type_text("s").await;
        assert_eq!(
            names(&wizard.app),
            ["docs-public", "feeds-partners", "cache-stale"]
        );
        wizard.press(&[KeyCode::Enter]).await;
        assert!(
            !wizard.app.is_typing(),
            "Enter keeps the filter and ends typing"
        );
        assert_eq!(names(&wizard.app).len(), 3);

        wizard.press(&[KeyCode::Esc, KeyCode::Char('/')]).await;
        wizard.type_text("nothing-like-it").await;
        assert!(names(&wizard.app).is_empty());
        assert!(render(&wizard.app, 80, 24).contains("No repository matches the filter."));
        // Enter with nothing shown takes nothing.
        wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
        assert!(matches!(wizard.app.overlay, Some(Overlay::Access(_))));
        assert_eq!(wizard.app.repository.form.text(FieldId::Repository), "");
        // On the list, Esc clears a filter first, and only then closes.
        wizard.press(&[KeyCode::Esc]).await;
        assert_eq!(names(&wizard.app).len(), 7);

        // An account id pasted from the console goes into the filter, even before
        // `/`; a second line never acts as keys.
        wizard.send(Msg::Paste("333333333333\nq".into())).await;
        assert!(wizard.app.is_typing(), "the paste opens the filter");
        assert_eq!(names(&wizard.app), ["feeds-partners"]);
        wizard.press(&[KeyCode::Esc]).await;
        assert_eq!(names(&wizard.app).len(), 7);

        wizard.press(&[KeyCode::Esc]).await;
        assert!(wizard.app.overlay.is_none());
    });
}

#[test]
fn enter_takes_the_repository_into_the_step_that_reads_its_policy() {
    runtime().block_on(async {
        let mut wizard = listed(Ok(repositories())).await;
        wizard.press(&[KeyCode::Char('/')]).await;
        wizard.type_text("partners").await;
        wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
        assert!(wizard.app.overlay.is_none(), "{:?}", wizard.app.overlay);
        assert_eq!(wizard.app.screen, Screen::Flow(FlowId::RepositorySharing));
        assert_eq!(
            wizard.app.repository.form.text(FieldId::Repository),
            "feeds-partners"
        );
        assert_eq!(wizard.app.repository.step, 2, "the Apply step");
        let status = wizard.app.status.clone().unwrap();
        assert_eq!(status.tone, Tone::Success);
        assert!(status.text.contains("feeds-partners"), "{}", status.text);

        // x there reads that repository's current policy to merge the grant into.
        wizard
            .app
            .repository
            .form
            .set(FieldId::Grantees, "555555555555");
        wizard.press(&[KeyCode::Char('x')]).await;
        let started = wizard.runner.inner.started.lock().unwrap().clone();
        let plan = started
            .iter()
            .find_map(|job| match job {
                Job::PlanGrant {
                    target, repository, ..
                } => Some((target.clone(), repository.to_string())),
                _ => None,
            })
            .expect("x read the policy");
        assert_eq!(
            plan,
            (
                Target::new(Some("owner".into()), Some("eu-west-1".into())),
                "feeds-partners".to_string()
            )
        );
    });
}

#[test]
fn enter_refuses_once_the_flow_names_another_region_than_the_list() {
    runtime().block_on(async {
        let mut wizard = listed(Ok(repositories())).await;
        wizard.app.repository.form.set(FieldId::Region, "us-west-2");
        wizard.press(&[KeyCode::Enter]).await;
        assert!(matches!(wizard.app.overlay, Some(Overlay::Access(_))));
        assert_eq!(wizard.app.repository.form.text(FieldId::Repository), "");
        let status = wizard.app.status.clone().unwrap();
        assert_eq!(status.tone, Tone::Error);
        assert!(status.text.contains("eu-west-1"), "{}", status.text);
        assert!(status.text.contains("us-west-2"), "{}", status.text);
        assert!(render(&wizard.app, 80, 24).contains("W reads the list again"));
    });
}

#[test]
fn a_refused_listing_is_said_at_the_top_and_w_reads_again() {
    runtime().block_on(async {
        let refused = CallError::new(
            "ecr:DescribeRepositories",
            Some("AccessDeniedException"),
            "not authorized to perform ecr:DescribeRepositories",
        );
        let mut wizard = listed(Err(refused)).await;
        assert!(matches!(screen(&wizard.app).reading, Reading::Failed(_)));
        let shown = render(&wizard.app, 80, 24);
        assert!(
            shown.contains("The repositories could not be listed"),
            "{shown}"
        );
        assert!(shown.contains("AccessDeniedException"), "{shown}");
        wizard.runner.answer = Ok(repositories());
        wizard.press(&[KeyCode::Char('W')]).await;
        assert_eq!(screen(&wizard.app).rows.len(), 7);
        assert_eq!(wizard.runner.targets.lock().unwrap().len(), 2);
        wizard.press(&[KeyCode::Esc]).await;
        assert!(
            wizard.app.overlay.is_none(),
            "Esc closes the list once read"
        );
    });
}

/// The repository flow's steps, on the state machine alone.
fn on_repository_steps() -> App {
    let mut app = App::with_options(Some("owner".into()), Some("eu-west-1".into()));
    press(&mut app, &[KeyCode::Down, KeyCode::Enter, KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(FlowId::RepositorySharing));
    app
}

#[test]
fn progress_shows_live_and_esc_cancels_the_read() {
    let mut app = on_repository_steps();
    let effects = press(&mut app, &[KeyCode::Char('W')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("W starts one read: {effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::Access { .. }));
    assert!(!job.writes(), "who has access only reads");
    let run = *run;
    assert!(render(&app, 80, 24).contains("Listing the repositories"));
    // Each repository shows as soon as its policy is read, in its place by
    // exposure; the highlight stays on the row it was on.
    let all = repositories();
    let public = all.iter().find(|r| r.name == "docs-public").unwrap();
    let plain = all.iter().find(|r| r.name == "alpha-plain").unwrap();
    for (done, read) in [(0, None), (1, Some(plain)), (2, Some(public))] {
        update(
            &mut app,
            Msg::Output {
                run,
                output: Output::AccessProgress {
                    done,
                    total: 5,
                    read: read.map(|r| Box::new(r.clone())),
                },
            },
        );
        if done == 1 {
            assert_eq!(names(&app), ["alpha-plain"]);
        }
    }
    assert!(render(&app, 80, 24).contains("Reading the policies: 2 of 5 (Esc cancels)"));
    assert_eq!(names(&app), ["docs-public", "alpha-plain"], "public first");
    assert_eq!(
        screen(&app).selected,
        0,
        "left alone, the highlight stays on top"
    );
    // Moved by the operator, it stays on its repository as rows come in above it.
    press(&mut app, &[KeyCode::Down]);
    let billing = all.iter().find(|r| r.name == "billing-lambda").unwrap();
    update(
        &mut app,
        Msg::Output {
            run,
            output: Output::AccessProgress {
                done: 3,
                total: 5,
                read: Some(Box::new(billing.clone())),
            },
        },
    );
    let highlighted = &screen(&app).visible()[screen(&app).selected];
    assert_eq!(highlighted.repository, "alpha-plain", "{:?}", names(&app));

    assert_eq!(press(&mut app, &[KeyCode::Esc]), [Effect::Cancel { run }]);
    update(
        &mut app,
        Msg::Finished {
            run,
            cancelled: true,
        },
    );
    let shown = render(&app, 80, 24);
    assert!(
        shown.contains("Cancelled after 3 of 5 policies: only those read are listed."),
        "{shown}"
    );
    for name in ["docs-public", "billing-lambda", "alpha-plain"] {
        assert!(shown.contains(name), "{shown}");
    }
    // A late answer of the cancelled read changes nothing.
    update(
        &mut app,
        Msg::Output {
            run,
            output: Output::Access(Ok(repositories())),
        },
    );
    assert_eq!(names(&app).len(), 3);
    assert!(press(&mut app, &[KeyCode::Esc]).is_empty());
    assert!(app.overlay.is_none());
    assert_eq!(app.screen, Screen::Flow(FlowId::RepositorySharing));
}

#[test]
fn a_read_cancelled_before_any_policy_says_how_far_it_got() {
    for (progress, says) in [
        (
            None,
            "Cancelled while listing the repositories. W reads again.",
        ),
        (
            Some(0),
            "Cancelled before any of the 5 policies was read. W reads again.",
        ),
    ] {
        let mut app = on_repository_steps();
        let effects = press(&mut app, &[KeyCode::Char('W')]);
        let [Effect::Start { run, .. }] = effects.as_slice() else {
            panic!("W starts one read: {effects:?}");
        };
        let run = *run;
        if let Some(done) = progress {
            let output = Output::AccessProgress {
                done,
                total: 5,
                read: None,
            };
            update(&mut app, Msg::Output { run, output });
        }
        assert_eq!(press(&mut app, &[KeyCode::Esc]), [Effect::Cancel { run }]);
        let finished = Msg::Finished {
            run,
            cancelled: true,
        };
        update(&mut app, finished);
        let shown = render(&app, 100, 30);
        assert!(shown.contains(says), "{shown}");
        assert!(screen(&app).rows.is_empty());
    }
}

#[test]
fn w_on_the_curated_flow_says_where_it_works_and_the_help_names_it() {
    let mut app = App::new();
    press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(FlowId::CuratedPackages));
    assert!(press(&mut app, &[KeyCode::Char('W')]).is_empty());
    assert!(app.overlay.is_none());
    assert!(app.status.clone().unwrap().text.contains("repository flow"));

    let mut app = on_repository_steps();
    press(&mut app, &[KeyCode::Char('?')]);
    assert!(render(&app, 80, 24).contains("W who has access"));
}

#[test]
fn snapshots_at_80x24_and_120x36() {
    runtime().block_on(async {
        let wizard = listed(Ok(repositories())).await;
        let narrow = render(&wizard.app, 80, 24);
        // Ids are never cut: each is whole on a line.
        for id in ["222222222222", "333333333333", "444444444444", ORGANIZATION] {
            assert!(narrow.contains(id), "{id} cut or missing:\n{narrow}");
        }
        insta::assert_snapshot!("access_80x24", narrow);
        insta::assert_snapshot!("access_120x36", render(&wizard.app, 120, 36));
    });
}

#[test]
fn the_wizard_lists_who_has_access_on_the_emulator() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let profiles = moto.profiles(dir.path());
    // SAFETY: this test binary changes the environment only here, while it holds the
    // emulator, before the runtime that reads it starts.
    unsafe { common::set_only_aws_env(&profiles.env()) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ecr = common::aws::ecr_client(&moto.url, None);
        for (name, policy) in [
            (
                "shared/public",
                json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": PULL}
                ]}),
            ),
            (
                "shared/partner",
                json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": PULL}
                ]}),
            ),
        ] {
            ecr.create_repository().repository_name(name).send().await.unwrap();
            ecr.set_repository_policy()
                .repository_name(name)
                .policy_text(policy.to_string())
                .send()
                .await
                .unwrap();
        }
        ecr.create_repository()
            .repository_name("shared/none")
            .send()
            .await
            .unwrap();

        let mut wizard = Harness::new(
            App::with_options(Some("source".into()), Some("us-east-1".into())),
            AwsRunner,
        );
        wizard
            .press(&[KeyCode::Down, KeyCode::Enter, KeyCode::Enter])
            .await;
        wizard.press(&[KeyCode::Char('W')]).await;
        let app = &wizard.app;
        assert_eq!(screen(app).reading, Reading::Done, "{:?}", screen(app).reading);
        assert_eq!(
            names(app),
            ["shared/public", "shared/partner", "shared/none"]
        );
        assert_eq!(row(app, "shared/public").flags, [Flag::Public]);
        assert_eq!(row(app, "shared/partner").flags, [Flag::Accounts]);
        assert_eq!(
            row(app, "shared/partner").grants,
            ["account 999999999999: pull"]
        );
        assert_eq!(row(app, "shared/none").flags, []);
        let shown = wizard.screen();
        assert!(shown.contains("3 repositories · 1 public"), "{shown}");

        wizard.press(&[KeyCode::Down, KeyCode::Enter]).await;
        assert_eq!(
            wizard.app.repository.form.text(FieldId::Repository),
            "shared/partner"
        );
        assert_eq!(wizard.app.repository.step, 2);
    });
}

#[test]
fn a_narrow_terminal_puts_grantees_under_the_name_and_cuts_no_id() {
    runtime().block_on(async {
        let mut reads = repositories();
        // A principal with an escape sequence in it cannot recolour the terminal.
        reads.push(read(
            "hostile",
            policy(json!([{"Sid": "X", "Effect": "Allow", "Principal": {"AWS": "\u{1b}[31mred"}, "Action": PULL}])),
        ));
        let mut wizard = listed(Ok(reads)).await;
        wizard.press(&[KeyCode::Char('s')]).await;
        let narrow = render(&wizard.app, 60, 40);
        for id in ["222222222222", "333333333333", "444444444444", ORGANIZATION] {
            assert!(narrow.contains(id), "{id} cut or missing:\n{narrow}");
        }
        assert!(
            narrow.contains("    organization o-abcdefghij12: pull"),
            "{narrow}"
        );
        assert!(!narrow.contains('\u{1b}'), "{narrow}");
        assert!(narrow.contains("\\u{1b}[31mred"), "{narrow}");
    });
}
