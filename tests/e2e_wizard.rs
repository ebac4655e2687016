//! The wizard's own way of running steps, against the local AWS emulator: keys go
//! through `update`, the jobs it starts run on the real AWS runner, and every message
//! they send comes back through `update`, as in the program.

mod common;

use aws_sdk_iam::config::BehaviorVersion;
use common::harness::Harness;
use common::{DESTINATION_ACCOUNT, Moto, SOURCE_ACCOUNT};
use ecr_share::aws::Outcome;
use ecr_share::core::flow::{FieldId, FlowId};
use ecr_share::tui::jobs::AwsRunner;
use ecr_share::tui::model::{App, Overlay};
use ratatui::crossterm::event::KeyCode;

/// The wizard with its jobs on the real AWS runner.
type Wizard = Harness<AwsRunner>;

/// Runs the current step: x, then y for the confirmation.
async fn run_step(wizard: &mut Wizard) {
    wizard.press(&[KeyCode::Char('x')]).await;
    assert!(
        matches!(&wizard.app.overlay, Some(Overlay::Confirm(confirm)) if confirm.problems.is_empty()),
        "expected a confirmation without problems, got {:?}",
        wizard.app.overlay
    );
    wizard.press(&[KeyCode::Char('y')]).await;
}

fn outcomes(app: &App, flow: FlowId, step: usize) -> Vec<String> {
    app.step_run(flow, step)
        .expect("the step ran")
        .reports
        .iter()
        .map(|r| format!("{} {}", r.call, r.outcome.label()))
        .collect()
}

fn iam(endpoint: &str, key: &str, secret: &str, token: Option<String>) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                key, secret, token, None, "tests",
            ))
            .build(),
    )
}

/// Who the curated-packages role trusts (IAM returns the policy URL-encoded).
async fn trusted_principal(iam: &aws_sdk_iam::Client) -> serde_json::Value {
    let role = iam
        .get_role()
        .role_name("curated-packages-role")
        .send()
        .await
        .unwrap();
    let encoded = role.role().unwrap().assume_role_policy_document().unwrap();
    let trust = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    let trust: serde_json::Value = serde_json::from_str(&trust).unwrap();
    trust["Statement"][0]["Principal"]["AWS"].clone()
}

#[test]
fn the_wizard_runs_the_curated_steps_in_two_accounts_and_a_repository_grant() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let profiles = moto.profiles(dir.path());
    // SAFETY: this test binary changes the environment only here, while it holds the
    // emulator, before the runtime that reads it starts.
    unsafe { common::set_only_aws_env(&profiles.env()) };
    let destination_keys = moto.assume_into(DESTINATION_ACCOUNT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut wizard = Harness::new(
            App::with_options(Some("source".into()), Some("us-east-1".into())),
            AwsRunner,
        );
        wizard.app.curated.form.set(FieldId::DestinationProfile, "destination");
        wizard.press(&[KeyCode::Enter, KeyCode::Enter]).await;
        assert_eq!(wizard.app.curated.form.text(FieldId::SourceAccount), SOURCE_ACCOUNT);
        assert_eq!(wizard.app.curated.form.text(FieldId::DestinationAccount), DESTINATION_ACCOUNT);

        // Step 5 puts the key straight into the config file at this path.
        let config_path = dir.path().join("curated-packages-aws-config");
        wizard.app.curated.form.set(FieldId::ConfigPath, config_path.display().to_string());
        for step in ['2', '3', '4', '5'] {
            wizard.press(&[KeyCode::Char(step)]).await;
            run_step(&mut wizard).await;
        }
        let curated = FlowId::CuratedPackages;
        assert_eq!(outcomes(&wizard.app, curated, 1), ["iam:CreatePolicy done"]);
        assert_eq!(outcomes(&wizard.app, curated, 2), ["iam:CreateRole done", "iam:AttachRolePolicy done"]);
        assert_eq!(
            outcomes(&wizard.app, curated, 3),
            ["iam:CreatePolicy done", "iam:CreateUser done", "iam:AttachUserPolicy done"]
        );
        assert_eq!(
            outcomes(&wizard.app, curated, 4),
            ["iam:ListAccessKeys ok", "iam:CreateAccessKey done", "write done"]
        );
        let key = wizard.app.curated.form.access_key.clone().expect("step 5 hands the key on");
        let saved = std::fs::read_to_string(&config_path).unwrap();
        assert!(saved.contains(&format!("aws_secret_access_key={}", key.secret_access_key.expose())));

        // Running step 5 again reuses the key its config file holds: no second key.
        wizard.press(&[KeyCode::Char('5')]).await;
        wizard.press(&[KeyCode::Char('x')]).await;
        let Some(Overlay::Confirm(confirm)) = &wizard.app.overlay else {
            panic!("step 5 asks first: {:?}", wizard.app.overlay);
        };
        assert!(
            confirm.lines.iter().any(|l| l.contains(&format!("Reuses   key {}", key.access_key_id))),
            "{:?}",
            confirm.lines
        );
        wizard.press(&[KeyCode::Char('y')]).await;
        assert_eq!(outcomes(&wizard.app, curated, 4), ["iam:CreateAccessKey already existed"]);
        assert_eq!(wizard.app.curated.form.access_key.as_ref(), Some(&key));

        // The entities are where the procedure says.
        let source = iam(&moto.url, "testing", "testing", None);
        assert_eq!(
            trusted_principal(&source).await,
            format!("arn:aws:iam::{DESTINATION_ACCOUNT}:root")
        );
        let (id, secret, token) = destination_keys.clone();
        let destination = iam(&moto.url, &id, &secret, Some(token));
        let keys = destination
            .list_access_keys()
            .user_name("curated-packages-user")
            .send()
            .await
            .unwrap();
        let ids: Vec<&str> = keys.access_key_metadata().iter().filter_map(|k| k.access_key_id()).collect();
        assert_eq!(ids, [key.access_key_id.as_str()]);

        // The config file of step 6 carries the new key, and the role in the source account.
        wizard.press(&[KeyCode::Char('6')]).await;
        let config = wizard.app.curated.form.export(ecr_share::core::documents::DocumentKind::AwsConfigFile);
        assert!(config.contains(&format!("role_arn=arn:aws:iam::{SOURCE_ACCOUNT}:role/curated-packages-role")));
        assert!(config.contains(&format!("aws_access_key_id={}", key.access_key_id)));
        assert!(config.contains(&format!("aws_secret_access_key={}", key.secret_access_key.expose())));

        // Running step 3 again changes nothing and says so.
        wizard.press(&[KeyCode::Char('3')]).await;
        run_step(&mut wizard).await;
        assert_eq!(
            outcomes(&wizard.app, curated, 2),
            ["iam:CreateRole already existed", "iam:AttachRolePolicy already existed"]
        );

        // Someone changed the role's trust policy: the step reports it, changes nothing,
        // and U (after a yes) makes the wanted one current again.
        let elsewhere = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::777777777777:root"},"Action":"sts:AssumeRole"}]}"#;
        source
            .update_assume_role_policy()
            .role_name("curated-packages-role")
            .policy_document(elsewhere)
            .send()
            .await
            .unwrap();
        run_step(&mut wizard).await;
        assert_eq!(
            outcomes(&wizard.app, curated, 2),
            ["iam:CreateRole exists, differs"],
            "a differing role stops the step before the attachment"
        );
        assert!(wizard.app.status.clone().unwrap().text.contains("U makes the wanted document current"));
        wizard.press(&[KeyCode::Char('U')]).await;
        assert!(matches!(&wizard.app.overlay, Some(Overlay::Confirm(c)) if c.problems.is_empty()));
        wizard.press(&[KeyCode::Char('y')]).await;
        assert_eq!(outcomes(&wizard.app, curated, 2), ["iam:UpdateAssumeRolePolicy done"]);
        assert_eq!(
            trusted_principal(&source).await,
            format!("arn:aws:iam::{DESTINATION_ACCOUNT}:root")
        );

        // The repository flow: a grant merged into a policy with a foreign statement.
        let ecr = aws_sdk_ecr::Client::from_conf(
            aws_sdk_ecr::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(aws_sdk_ecr::config::Region::new("us-east-1"))
                .endpoint_url(&moto.url)
                .credentials_provider(aws_sdk_ecr::config::Credentials::new("testing", "testing", None, None, "tests"))
                .build(),
        );
        ecr.create_repository().repository_name("team/app").send().await.unwrap();
        let foreign = r#"{"Version":"2008-10-17","Statement":[{"Sid":"CI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444444444444:root"},"Action":"ecr:*"}]}"#;
        ecr.set_repository_policy()
            .repository_name("team/app")
            .policy_text(foreign)
            .send()
            .await
            .unwrap();

        wizard.press(&[KeyCode::Esc, KeyCode::Down, KeyCode::Enter, KeyCode::Enter]).await;
        wizard.press(&[KeyCode::Char('x')]).await;
        assert!(matches!(wizard.app.overlay, Some(Overlay::Pick(_))), "{:?}", wizard.app.overlay);
        wizard.press(&[KeyCode::Enter, KeyCode::Right]).await;
        assert_eq!(wizard.app.repository.form.text(FieldId::Repository), "team/app");
        wizard.app.repository.form.set(FieldId::Grantees, "222222222222");
        wizard.press(&[KeyCode::Right, KeyCode::Char('x')]).await;
        assert!(matches!(wizard.app.overlay, Some(Overlay::Confirm(_))), "the merge waits for a yes");
        wizard.press(&[KeyCode::Char('y')]).await;
        let applied = outcomes(&wizard.app, FlowId::RepositorySharing, 2);
        assert!(applied.iter().all(|o| !o.contains("failed")), "{applied:?}");
        let policy = ecr
            .get_repository_policy()
            .repository_name("team/app")
            .send()
            .await
            .unwrap();
        let policy: serde_json::Value = serde_json::from_str(policy.policy_text().unwrap()).unwrap();
        assert_eq!(policy["Statement"][0]["Sid"], "CI");
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull");
        assert_eq!(policy["Statement"][1]["Principal"]["AWS"], "arn:aws:iam::222222222222:root");

        // u puts the previous policy back, exactly.
        wizard.press(&[KeyCode::Char('u')]).await;
        wizard.press(&[KeyCode::Char('y')]).await;
        let restored = ecr
            .get_repository_policy()
            .repository_name("team/app")
            .send()
            .await
            .unwrap();
        let restored: serde_json::Value = serde_json::from_str(restored.policy_text().unwrap()).unwrap();
        assert_eq!(restored, serde_json::from_str::<serde_json::Value>(foreign).unwrap());
        assert!(
            wizard.app.step_run(FlowId::RepositorySharing, 2)
                .unwrap()
                .reports
                .iter()
                .all(|r| !matches!(r.outcome, Outcome::Failed(_)))
        );

        // Grant again; then someone else adds a statement. u must not wipe it out.
        wizard.press(&[KeyCode::Char('x')]).await;
        wizard.press(&[KeyCode::Char('y')]).await;
        let granted = ecr.get_repository_policy().repository_name("team/app").send().await.unwrap();
        let mut changed: serde_json::Value = serde_json::from_str(granted.policy_text().unwrap()).unwrap();
        changed["Statement"].as_array_mut().unwrap().push(serde_json::json!({
            "Sid": "AddedSince", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
            "Action": "ecr:BatchGetImage"
        }));
        ecr.set_repository_policy()
            .repository_name("team/app")
            .policy_text(changed.to_string())
            .send()
            .await
            .unwrap();
        wizard.press(&[KeyCode::Char('u')]).await;
        wizard.press(&[KeyCode::Char('y')]).await;
        let outcomes = outcomes(&wizard.app, FlowId::RepositorySharing, 2);
        assert!(outcomes.iter().any(|o| o.contains("exists, differs")), "{outcomes:?}");
        assert!(outcomes.iter().all(|o| !o.contains("ecr:SetRepositoryPolicy")), "{outcomes:?}");
        let now = ecr.get_repository_policy().repository_name("team/app").send().await.unwrap();
        let now: serde_json::Value = serde_json::from_str(now.policy_text().unwrap()).unwrap();
        assert_eq!(now, changed, "the statement added since is kept");
    });
}
