//! The wizard's Manage screen against the local AWS emulator, with the real runner:
//! after steps 2 to 5 run in the wizard, the export writes its files and changes
//! nothing in either account; the rotation replaces the key of step 5 with a new one
//! in the config file, checked against a local registry; the teardown asks, `Enter`
//! keeps everything, a deletion IAM refuses stops it with what was removed, and
//! teardown again removes the rest and the config file. It is the only test of this
//! binary, because it sets the process's AWS environment.

mod common;

use common::aws::Registry;
use common::harness::{Harness, ctrl, render};
use common::proxy::Proxy;
use common::{DESTINATION_ACCOUNT, Moto, SOURCE_ACCOUNT};
use ecr_share::core::flow::FieldId;
use ecr_share::tui::jobs::AwsRunner;
use ecr_share::tui::model::{App, Overlay, Tone};
use ratatui::crossterm::event::KeyCode;

const USER: &str = "curated-packages-user";

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

/// IAM's answer when a user has no service-specific credentials.
const NO_SERVICE_CREDENTIALS: &str = r#"<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/><IsTruncated>false</IsTruncated></ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>manage-tests</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>"#;

/// IAM refusing to delete a role that is still in use.
const DELETE_CONFLICT: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>DeleteConflict</Code><Message>Cannot delete entity, must remove roles from instance profile first.</Message></Error><RequestId>manage-tests</RequestId></ErrorResponse>"#;

/// Runs the current step: x, then y for the confirmation.
async fn run_step(wizard: &mut Harness<AwsRunner>, step: char) {
    wizard
        .press(&[KeyCode::Char(step), KeyCode::Char('x')])
        .await;
    assert!(
        matches!(&wizard.app.overlay, Some(Overlay::Confirm(confirm)) if confirm.problems.is_empty()),
        "step {step}: {:?}",
        wizard.app.overlay
    );
    wizard.press(&[KeyCode::Char('y')]).await;
}

/// Every user, role and policy of an account, by name.
async fn entities(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let mut names = Vec::new();
    for user in iam.list_users().send().await.unwrap().users() {
        names.push(format!("user {}", user.user_name()));
    }
    for role in iam.list_roles().send().await.unwrap().roles() {
        names.push(format!("role {}", role.role_name()));
    }
    let policies = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    for policy in policies.policies() {
        names.push(format!(
            "policy {}",
            policy.policy_name().unwrap_or_default()
        ));
    }
    names.sort();
    names
}

async fn keys_of(iam: &aws_sdk_iam::Client) -> Vec<String> {
    match iam.list_access_keys().user_name(USER).send().await {
        Ok(output) => output
            .access_key_metadata()
            .iter()
            .filter_map(|k| k.access_key_id().map(str::to_string))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Against the emulator: after steps 2 to 5, the export changes nothing in AWS;
/// rotation replaces the key of step 5 with a new one in the config file; teardown
/// asks, `Enter` keeps everything, a refused deletion stops it with what was
/// removed, and teardown again removes the rest and the file.
#[test]
fn against_the_emulator_export_changes_nothing_rotation_replaces_the_key_and_teardown_removes_all()
{
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut profiles = moto.profiles(dir.path());
    // The emulator does not serve iam:ListServiceSpecificCredentials: the proxy in
    // front of it answers as IAM does for a user without any, and refuses a
    // deletion when told to.
    let proxy = Proxy::start(&moto.url);
    proxy.answer(
        "ListServiceSpecificCredentials",
        usize::MAX,
        200,
        NO_SERVICE_CREDENTIALS,
    );
    profiles.endpoint = proxy.url().to_string();
    // SAFETY: this is the only test of this binary that changes the environment, and
    // it does so while it holds the emulator, before its runtime starts.
    unsafe { common::set_only_aws_env(&profiles.env()) };
    let destination_keys = moto.assume_into(DESTINATION_ACCOUNT);
    let registry = Registry::start(404);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let source_iam = common::aws::iam_client(&moto.url, None);
        let destination_iam = common::aws::iam_client(&moto.url, Some(destination_keys));
        let app = App::with_options(Some("source".into()), Some("us-east-1".into()))
            .with_destination_profile(Some("destination".into()))
            .with_registry_url(Some(registry.url.clone()));
        let mut wizard = Harness::new(app, AwsRunner);
        wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
        let config = dir.path().join("curated-packages-aws-config");
        wizard
            .app
            .curated
            .form
            .set(FieldId::ConfigPath, config.display().to_string());
        for step in ['2', '3', '4', '5'] {
            run_step(&mut wizard, step).await;
        }
        let first = wizard
            .app
            .curated
            .form
            .access_key
            .clone()
            .expect("step 5 made a key");
        assert_eq!(keys_of(&destination_iam).await, [first.access_key_id.as_str()]);
        let source_before = entities(&source_iam).await;
        let destination_before = entities(&destination_iam).await;
        assert_eq!(
            source_before,
            [
                "policy curated-packages-policy",
                "role curated-packages-role"
            ]
        );

        // Export: the files, and nothing changed in either account.
        let review = dir.path().join("review");
        wizard
            .press(&[KeyCode::Char('M'), KeyCode::Char('4'), KeyCode::Enter])
            .await;
        wizard.send(ctrl('u')).await;
        wizard.type_text(&review.display().to_string()).await;
        wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
        let apply = std::fs::read_to_string(review.join("apply.sh")).expect("apply.sh is written");
        assert!(apply.contains(SOURCE_ACCOUNT) && apply.contains(DESTINATION_ACCOUNT));
        assert!(review.join("teardown.sh").is_file());
        assert_eq!(entities(&source_iam).await, source_before);
        assert_eq!(entities(&destination_iam).await, destination_before);
        assert_eq!(keys_of(&destination_iam).await, [first.access_key_id.as_str()]);

        // Rotation: the confirmation names the key of step 5; y replaces it.
        wizard
            .press(&[KeyCode::Char('2'), KeyCode::Char('o'), KeyCode::Enter])
            .await;
        let lines = confirm_lines(&wizard.app).join("\n");
        assert!(
            lines.contains(&format!("deletes the old key {}", first.access_key_id)),
            "{lines}"
        );
        wizard.press(&[KeyCode::Char('y')]).await;
        let (tone, text) = status(&wizard.app);
        assert_eq!(
            tone,
            Tone::Success,
            "{text}\n{:#?}",
            wizard
                .app
                .curated
                .manage
                .run
                .map(|r| &wizard.app.runs[&r].reports)
        );
        let now = keys_of(&destination_iam).await;
        assert_eq!(now.len(), 1);
        assert_ne!(now[0], first.access_key_id, "the old key is gone");
        let held = std::fs::read_to_string(&config).unwrap();
        assert!(
            held.contains(&format!("aws_access_key_id={}", now[0])),
            "the new key is in the file"
        );
        assert!(!held.contains(first.secret_access_key.expose()));
        assert_eq!(
            wizard
                .app
                .curated
                .form
                .access_key
                .as_ref()
                .map(|k| k.access_key_id.clone()),
            Some(now[0].clone())
        );
        assert!(
            !registry.requests().is_empty(),
            "the new key was checked against the registry"
        );
        let screen = render(&wizard.app, 160, 45);
        let new_secret = held
            .lines()
            .find_map(|l| l.strip_prefix("aws_secret_access_key="))
            .unwrap()
            .to_string();
        assert!(!screen.contains(&new_secret));

        // Teardown: Enter keeps everything; y removes it all, the file too.
        wizard
            .press(&[KeyCode::Char('1'), KeyCode::Char('d'), KeyCode::Enter])
            .await;
        let lines = confirm_lines(&wizard.app).join("\n");
        assert!(
            lines.contains("role arn:aws:iam::123456789012:role/curated-packages-role"),
            "{lines}"
        );
        assert!(
            lines.contains(&format!("access key {} of user {USER}", now[0])),
            "{lines}"
        );
        assert!(
            lines.contains(&format!("file {}", config.display())),
            "{lines}"
        );
        wizard.press(&[KeyCode::Enter]).await;
        assert_eq!(
            entities(&source_iam).await,
            source_before,
            "Enter changes nothing"
        );
        assert_eq!(entities(&destination_iam).await, destination_before);
        // IAM refuses to delete the role once: the teardown stops there and says
        // what it removed; the next one resumes from what is left.
        proxy.answer("DeleteRole", 1, 409, DELETE_CONFLICT);
        wizard.press(&[KeyCode::Enter, KeyCode::Char('y')]).await;
        let (tone, text) = status(&wizard.app);
        assert_eq!(tone, Tone::Error, "{text}");
        let text = outcome(&wizard.app);
        assert!(
            text.starts_with("Teardown stopped at iam:DeleteRole curated-packages-role"),
            "{text}"
        );
        assert!(text.contains("DeleteConflict"), "{text}");
        assert!(
            text.contains("Already removed: [destination 999999999999 · profile `destination`] access key"),
            "{text}"
        );
        assert!(
            text.contains("Not removed: [source 123456789012 · profile `source`] role arn:aws:iam::123456789012:role/curated-packages-role"),
            "{text}"
        );
        assert!(text.contains("teardown again: it reads what is left and resumes"), "{text}");
        assert_eq!(entities(&source_iam).await, source_before);
        assert!(entities(&destination_iam).await.is_empty());
        assert!(config.exists(), "the file goes last");

        wizard.press(&[KeyCode::Enter]).await;
        let lines = confirm_lines(&wizard.app).join("\n");
        assert!(lines.contains("Deletes, in this order (3 removals):"), "{lines}");
        assert!(!lines.contains("[destination"), "the destination is done: {lines}");
        wizard.press(&[KeyCode::Char('y')]).await;
        let (tone, text) = status(&wizard.app);
        assert_eq!(tone, Tone::Success, "{text}");
        assert!(
            entities(&source_iam).await.is_empty(),
            "the source account is as before"
        );
        assert!(entities(&destination_iam).await.is_empty());
        assert!(
            !config.exists(),
            "the config file ecr-share wrote is deleted"
        );
        let calls: Vec<String> = wizard.app.runs[&wizard.app.curated.manage.run.unwrap()]
            .reports
            .iter()
            .map(|r| format!("{} {}", r.call, r.outcome.label()))
            .collect();
        assert_eq!(calls[0], "re-read ok");
        assert!(calls[1..].iter().all(|c| c.ends_with("done")), "{calls:?}");

        // Again: nothing is left to remove, and nothing is asked.
        wizard.press(&[KeyCode::Enter]).await;
        assert!(wizard.app.overlay.is_none());
        assert!(
            outcome(&wizard.app).starts_with("Nothing to remove"),
            "{}",
            outcome(&wizard.app)
        );
    });
}
