//! `ecr-share curated teardown` end to end against the local AWS emulator, across two
//! accounts: after `curated` ran, it removes exactly what the procedure created and
//! leaves everything else in both accounts as it was; same-named things it did not
//! create, foreign attachments and whatever would make a deletion refuse are
//! reported and left; nothing changes without `--yes` or with `--dry-run`; a refused
//! deletion stops with what was removed and how to resume; a lost answer is read
//! back.
//!
//! The binary runs through the fault-injecting proxy in front of the emulator: the
//! emulator does not serve `iam:ListServiceSpecificCredentials` (it answers 500), so
//! the proxy answers that call as IAM does, and it injects the faults.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::aws::{Registry, block_on, iam_client};
use common::proxy::Proxy;
use common::{
    DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, assert_failure, assert_success, stderr,
    stdout,
};
use ecr_share::aws::iam::Iam;
use ecr_share::aws::{CallReport, Outcome};
use ecr_share::core::flow::Side;
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, IamKind, IamName};
use ecr_share::procedure::teardown::{self, Accounts, Names, Removal, Scope};
use ecr_share::procedure::{Output as JobOutput, Report};
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
const ROLE: &str = "curated-packages-role";
const USER: &str = "curated-packages-user";
const READ_POLICY_ARN: &str = "arn:aws:iam::123456789012:policy/curated-packages-policy";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/curated-packages-role";
const ASSUME_POLICY_ARN: &str =
    "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy";
const USER_ARN: &str = "arn:aws:iam::999999999999:user/curated-packages-user";

/// IAM's answer when a user has no service-specific credentials.
const NO_SERVICE_CREDENTIALS: &str = r#"<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/><IsTruncated>false</IsTruncated></ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>teardown-tests</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>"#;

/// IAM's answer when the user has a CodeCommit password.
const ONE_SERVICE_CREDENTIAL: &str = r#"<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials><member><UserName>curated-packages-user</UserName><Status>Active</Status><ServiceUserName>curated-packages-user-at-999999999999</ServiceUserName><CreateDate>2025-01-01T00:00:00Z</CreateDate><ServiceSpecificCredentialId>ACCAEXAMPLECREDENTIAL</ServiceSpecificCredentialId><ServiceName>codecommit.amazonaws.com</ServiceName></member></ServiceSpecificCredentials><IsTruncated>false</IsTruncated></ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>teardown-tests</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>"#;

/// IAM refusing to delete a role, as it does when the role is still in use.
const DELETE_CONFLICT: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>DeleteConflict</Code><Message>Cannot delete entity, must remove roles from instance profile first.</Message></Error><RequestId>teardown-tests</RequestId></ErrorResponse>"#;

/// One test's emulator, the proxy in front of it, profiles, files and registry.
struct Setup {
    moto: Moto,
    proxy: Proxy,
    profiles: Profiles,
    dir: tempfile::TempDir,
    registry: Registry,
}

impl Setup {
    fn new() -> Setup {
        Setup::answering_service_credentials(NO_SERVICE_CREDENTIALS)
    }

    /// A setup whose `iam:ListServiceSpecificCredentials` answers with `body`.
    fn answering_service_credentials(body: &str) -> Setup {
        let moto = Moto::start();
        let dir = tempfile::tempdir().unwrap();
        let mut profiles = moto.profiles(dir.path());
        let proxy = Proxy::start(&moto.url);
        proxy.answer("ListServiceSpecificCredentials", usize::MAX, 200, body);
        profiles.endpoint = proxy.url().to_string();
        Setup {
            moto,
            proxy,
            profiles,
            dir,
            registry: Registry::start(404),
        }
    }

    fn config_out(&self) -> PathBuf {
        self.dir.path().join("curated-packages-aws-config")
    }

    fn secret_out(&self) -> PathBuf {
        self.dir.path().join("aws-secret.yaml")
    }

    fn names() -> Vec<&'static str> {
        vec![
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
        ]
    }

    /// Runs the procedure with `--yes`.
    fn curated(&self) -> Output {
        let config_out = self.config_out().display().to_string();
        let secret_out = self.secret_out().display().to_string();
        let mut args = vec!["--region", "us-east-1", "curated"];
        args.extend(Setup::names());
        args.extend([
            "--subscription-id",
            SUBSCRIPTION,
            "--config-out",
            &config_out,
            "--secret-out",
            &secret_out,
            "--registry-url",
            &self.registry.url,
            "--yes",
        ]);
        self.profiles.run(&args)
    }

    /// Runs teardown with the default names plus `extra`.
    fn teardown(&self, extra: &[&str]) -> Output {
        let mut args = vec!["--region", "us-east-1", "curated", "teardown"];
        args.extend(Setup::names());
        args.extend_from_slice(extra);
        let output = self.profiles.run(&args);
        eprintln!(
            "--- teardown {extra:?}\n--- stdout\n{}--- stderr\n{}",
            stdout(&output),
            stderr(&output)
        );
        output
    }

    /// Teardown with `--yes --delete-files` and both files.
    fn teardown_with_files(&self, extra: &[&str]) -> Output {
        let config_out = self.config_out().display().to_string();
        let secret_out = self.secret_out().display().to_string();
        let mut args = vec![
            "--delete-files",
            "--config-out",
            &config_out,
            "--secret-out",
            &secret_out,
        ];
        args.extend_from_slice(extra);
        self.teardown(&args)
    }

    /// IAM in the source account, straight to the emulator.
    fn source(&self) -> aws_sdk_iam::Client {
        iam_client(&self.moto.url, None)
    }

    /// IAM in the destination account, straight to the emulator.
    fn destination(&self) -> aws_sdk_iam::Client {
        iam_client(
            &self.moto.url,
            Some(self.moto.assume_into(DESTINATION_ACCOUNT)),
        )
    }

    /// Everything IAM holds in both accounts.
    fn listing(&self) -> Value {
        json!({
            "source": listing(&self.source()),
            "destination": listing(&self.destination()),
        })
    }

    /// The IAM actions that reached the emulator (or the proxy's own answers).
    fn iam_actions(&self) -> Vec<String> {
        self.proxy
            .seen()
            .into_iter()
            .filter(|a| a != "GetCallerIdentity" && a != "AssumeRole")
            .collect()
    }
}

fn decode(encoded: &str) -> Value {
    let text = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

fn tags(list: &[aws_sdk_iam::types::Tag]) -> Vec<(String, String)> {
    sorted(
        list.iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    )
}

/// Every user (tags, attached and inline policies, access keys), role (trust policy,
/// tags, attached and inline policies) and customer managed policy (every version's
/// document, the default, tags) of one account.
fn listing(iam: &aws_sdk_iam::Client) -> Value {
    block_on(async {
        let mut users = serde_json::Map::new();
        for user in iam.list_users().send().await.unwrap().users() {
            let name = user.user_name();
            let got = iam.get_user().user_name(name).send().await.unwrap();
            let attached = iam
                .list_attached_user_policies()
                .user_name(name)
                .send()
                .await
                .unwrap();
            let inline = iam
                .list_user_policies()
                .user_name(name)
                .send()
                .await
                .unwrap();
            let keys = iam.list_access_keys().user_name(name).send().await.unwrap();
            users.insert(
                name.to_string(),
                json!({
                    "tags": tags(got.user().unwrap().tags()),
                    "attached": sorted(attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect()),
                    "inline": sorted(inline.policy_names().to_vec()),
                    "keys": sorted(keys.access_key_metadata().iter().filter_map(|k| k.access_key_id().map(str::to_string)).collect()),
                }),
            );
        }
        let mut roles = serde_json::Map::new();
        for role in iam.list_roles().send().await.unwrap().roles() {
            let name = role.role_name();
            let got = iam.get_role().role_name(name).send().await.unwrap();
            let got = got.role().unwrap();
            let attached = iam
                .list_attached_role_policies()
                .role_name(name)
                .send()
                .await
                .unwrap();
            let inline = iam
                .list_role_policies()
                .role_name(name)
                .send()
                .await
                .unwrap();
            roles.insert(
                name.to_string(),
                json!({
                    "trust": decode(got.assume_role_policy_document().unwrap()),
                    "tags": tags(got.tags()),
                    "attached": sorted(attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect()),
                    "inline": sorted(inline.policy_names().to_vec()),
                }),
            );
        }
        let mut policies = serde_json::Map::new();
        let local = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        for policy in local.policies() {
            let arn = policy.arn().unwrap();
            let mut versions = serde_json::Map::new();
            let listed = iam
                .list_policy_versions()
                .policy_arn(arn)
                .send()
                .await
                .unwrap();
            for version in listed.versions() {
                let id = version.version_id().unwrap();
                let got = iam
                    .get_policy_version()
                    .policy_arn(arn)
                    .version_id(id)
                    .send()
                    .await
                    .unwrap();
                versions.insert(
                    id.to_string(),
                    json!({
                        "default": version.is_default_version(),
                        "document": decode(got.policy_version().unwrap().document().unwrap()),
                    }),
                );
            }
            let policy_tags = iam.list_policy_tags().policy_arn(arn).send().await.unwrap();
            policies.insert(
                arn.to_string(),
                json!({"versions": versions, "tags": tags(policy_tags.tags())}),
            );
        }
        json!({"users": users, "roles": roles, "policies": policies})
    })
}

fn policy(iam: &aws_sdk_iam::Client, name: &str, document: &Value) -> String {
    block_on(
        iam.create_policy()
            .policy_name(name)
            .policy_document(document.to_string())
            .send(),
    )
    .unwrap()
    .policy()
    .unwrap()
    .arn()
    .unwrap()
    .to_string()
}

fn s3_read() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"
    }]})
}

fn trusting(account: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "sts:AssumeRole"
    }]})
}

/// Unrelated users, roles, policies and keys in both accounts, which no teardown may
/// touch.
fn create_unrelated(setup: &Setup) {
    for (iam, account) in [
        (setup.source(), SOURCE_ACCOUNT),
        (setup.destination(), DESTINATION_ACCOUNT),
    ] {
        let arn = policy(&iam, "team-read", &s3_read());
        block_on(async {
            iam.create_user().user_name("ci").send().await.unwrap();
            iam.create_access_key()
                .user_name("ci")
                .send()
                .await
                .unwrap();
            iam.attach_user_policy()
                .user_name("ci")
                .policy_arn(&arn)
                .send()
                .await
                .unwrap();
            iam.create_role()
                .role_name("app")
                .assume_role_policy_document(trusting(account).to_string())
                .send()
                .await
                .unwrap();
            iam.attach_role_policy()
                .role_name("app")
                .policy_arn(&arn)
                .send()
                .await
                .unwrap();
        });
    }
}

fn role_exists(iam: &aws_sdk_iam::Client, name: &str) -> bool {
    block_on(iam.get_role().role_name(name).send()).is_ok()
}

fn user_exists(iam: &aws_sdk_iam::Client, name: &str) -> bool {
    block_on(iam.get_user().user_name(name).send()).is_ok()
}

fn policy_exists(iam: &aws_sdk_iam::Client, arn: &str) -> bool {
    block_on(iam.get_policy().policy_arn(arn).send()).is_ok()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("missing {needle:?} in\n{text}"))
}

#[test]
fn teardown_removes_exactly_what_curated_created_in_reverse_order() {
    let setup = Setup::new();
    create_unrelated(&setup);
    let before_curated = setup.listing();
    assert_success(&setup.curated());
    let after_curated = setup.listing();
    assert_ne!(before_curated, after_curated);
    let key = after_curated["destination"]["users"][USER]["keys"][0]
        .as_str()
        .unwrap()
        .to_string();

    // The plan only: every removal named with its kind, ARN, account and profile.
    let output = setup.teardown_with_files(&["--dry-run"]);
    assert_success(&output);
    let out = stdout(&output);
    let dest = "[destination 999999999999 · profile `destination`]";
    let src = "[source 123456789012 · profile `source`]";
    let lines = [
        format!("{dest} access key {key} of user {USER}: iam:DeleteAccessKey"),
        format!(
            "{dest} attachment of policy {ASSUME_POLICY_ARN} to user {USER}: iam:DetachUserPolicy"
        ),
        format!("{dest} user {USER_ARN} (tagged by ecr-share): iam:DeleteUser"),
        format!("{dest} policy {ASSUME_POLICY_ARN} (tagged by ecr-share): iam:DeletePolicy"),
        format!(
            "{src} attachment of policy {READ_POLICY_ARN} to role {ROLE}: iam:DetachRolePolicy"
        ),
        format!("{src} role {ROLE_ARN} (tagged by ecr-share): iam:DeleteRole"),
        format!("{src} policy {READ_POLICY_ARN} (tagged by ecr-share): iam:DeletePolicy"),
        format!(
            "[this machine] file {} (the AWS config file ecr-share wrote for user {USER}): delete file",
            setup.config_out().display()
        ),
        format!(
            "[this machine] file {} (the aws-secret manifest ecr-share wrote for user {USER}): delete file",
            setup.secret_out().display()
        ),
    ];
    let mut at = 0;
    for line in &lines {
        let found = position(&out, line);
        assert!(found > at, "{line:?} is out of order in\n{out}");
        at = found;
    }
    assert!(
        out.contains("Teardown plan (9 removals), in this order:"),
        "{out}"
    );
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert_eq!(setup.listing(), after_curated, "the dry run changed IAM");
    assert!(setup.config_out().exists() && setup.secret_out().exists());

    // Without --yes and without a terminal: the plan, a refusal, no change.
    let output = setup.teardown(&[]);
    assert_failure(&output);
    assert!(stdout(&output).contains(&lines[0]), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("add --yes to remove without asking"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("Nothing was changed."));
    assert_eq!(setup.listing(), after_curated, "a refused run changed IAM");

    // The teardown itself: both accounts exactly as before the procedure ran.
    let seen_before = setup.iam_actions().len();
    let output = setup.teardown_with_files(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert_eq!(setup.listing(), before_curated);
    assert!(!setup.config_out().exists() && !setup.secret_out().exists());
    let deletions: Vec<String> = setup.iam_actions()[seen_before..]
        .iter()
        .filter(|a| a.starts_with("Delete") || a.starts_with("Detach"))
        .cloned()
        .collect();
    assert_eq!(
        deletions,
        [
            "DeleteAccessKey",
            "DetachUserPolicy",
            "DeleteUser",
            "DeletePolicy",
            "DetachRolePolicy",
            "DeleteRole",
            "DeletePolicy"
        ],
        "each sent once, in reverse order"
    );
    for line in [
        "[both accounts] re-read both accounts: ok (unchanged since the plan)".to_string(),
        format!("{dest} iam:DeleteAccessKey {key} of {USER}: done (deleted)"),
        format!("{dest} iam:DeleteUser {USER}: done (deleted)"),
        format!("{src} iam:DeleteRole {ROLE}: done (deleted)"),
        format!(
            "[this machine] delete file {}: done (deleted)",
            setup.config_out().display()
        ),
        "Teardown done: 9 removals made.".to_string(),
    ] {
        assert!(out.contains(&line), "missing {line:?} in\n{out}");
    }

    // A second teardown finds nothing.
    let output = setup.teardown_with_files(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("Nothing to remove."), "{out}");
    assert!(
        out.contains(&format!(
            "Not there:\n  - [this machine] file {}: nothing to delete",
            setup.config_out().display()
        )),
        "{out}"
    );
    assert!(!out.contains("Teardown plan"), "{out}");
    assert_eq!(setup.listing(), before_curated);
}

#[test]
fn a_same_named_role_the_tool_did_not_create_is_reported_and_left() {
    let setup = Setup::new();
    let source = setup.source();
    let theirs = trusting("222222222222");
    let their_policy = policy(&source, "their-policy", &s3_read());
    block_on(async {
        source
            .create_role()
            .role_name(ROLE)
            .assume_role_policy_document(theirs.to_string())
            .send()
            .await
            .unwrap();
        source
            .attach_role_policy()
            .role_name(ROLE)
            .policy_arn(&their_policy)
            .send()
            .await
            .unwrap();
    });
    let their_role = listing(&source)["roles"][ROLE].clone();
    // The procedure stops at step 3 on the role that differs, after its read policy.
    assert_failure(&setup.curated());
    assert!(policy_exists(&source, READ_POLICY_ARN));

    let output = setup.teardown(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains(&format!(
        "Left in place:\n  - [source 123456789012 · profile `source`] role {ROLE_ARN}: it does not carry ecr-share's tags and its trust policy differs from the one the procedure writes (which trusts account 999999999999 alone)"
    )), "{out}");
    assert!(
        out.contains(&format!("iam:DeletePolicy {READ_POLICY_ARN}: done")),
        "{out}"
    );
    assert!(out.contains("Left in place: 1 thing by these names that ecr-share did not create"));
    assert!(!policy_exists(&source, READ_POLICY_ARN));
    assert_eq!(
        listing(&source)["roles"][ROLE],
        their_role,
        "their role keeps its trust policy and attachment"
    );
    assert!(policy_exists(&source, &their_policy));
    assert!(
        !setup
            .iam_actions()
            .iter()
            .any(|a| a == "DeleteRole" || a == "DetachRolePolicy"),
        "{:?}",
        setup.iam_actions()
    );

    let output = setup.teardown(&["--yes"]);
    assert_success(&output);
    assert!(stdout(&output).contains("Nothing to remove."));
    assert!(stdout(&output).contains(&format!("role {ROLE_ARN}: it does not carry")));
}

#[test]
fn a_same_named_user_the_tool_did_not_create_is_left_with_what_depends_on_it() {
    let setup = Setup::new();
    let destination = setup.destination();
    block_on(destination.create_user().user_name(USER).send()).unwrap();
    // The procedure reuses the user: it attaches its policy and creates a key.
    assert_success(&setup.curated());
    let their_user = listing(&destination)["users"][USER].clone();
    assert_eq!(their_user["keys"].as_array().unwrap().len(), 1);

    let output = setup.teardown_with_files(&["--yes"]);
    assert_failure(&output);
    let out = stdout(&output);
    for line in [
        format!(
            "[destination 999999999999 · profile `destination`] user {USER_ARN}: it does not carry ecr-share's tags, so ecr-share did not create it"
        ),
        format!(
            "[destination 999999999999 · profile `destination`] policy {ASSUME_POLICY_ARN}: it is ecr-share's (tagged by ecr-share), but still attached to user {USER}, which teardown leaves in place"
        ),
        format!(
            "[this machine] file {}: it holds the key of user {USER}, which stays",
            setup.config_out().display()
        ),
    ] {
        assert!(out.contains(&line), "missing {line:?} in\n{out}");
    }
    assert!(
        stderr(&output).contains(&format!(
            "not everything ecr-share created could be removed: policy {ASSUME_POLICY_ARN}, file"
        )),
        "{}",
        stderr(&output)
    );
    // The source side went; the user keeps its key and attachment, and the files stay.
    let source = setup.source();
    assert!(!role_exists(&source, ROLE));
    assert!(!policy_exists(&source, READ_POLICY_ARN));
    assert_eq!(listing(&destination)["users"][USER], their_user);
    assert!(policy_exists(&destination, ASSUME_POLICY_ARN));
    assert!(setup.config_out().exists() && setup.secret_out().exists());
}

#[test]
fn a_foreign_policy_on_the_role_is_left_attached_unless_detach_foreign() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    let source = setup.source();
    let audit = policy(&source, "audit", &s3_read());
    block_on(
        source
            .attach_role_policy()
            .role_name(ROLE)
            .policy_arn(&audit)
            .send(),
    )
    .unwrap();
    let role_before = listing(&source)["roles"][ROLE].clone();

    let output = setup.teardown(&["--yes"]);
    assert_failure(&output);
    let out = stdout(&output);
    for line in [
        format!(
            "role {ROLE_ARN}: it is ecr-share's (tagged by ecr-share), but policies ecr-share did not attach are attached to it: {audit}; it is left as it is. Detach them first, or run teardown with --detach-foreign"
        ),
        format!(
            "policy {READ_POLICY_ARN}: it is ecr-share's (tagged by ecr-share), but still attached to role {ROLE}, which teardown leaves in place"
        ),
    ] {
        assert!(out.contains(&line), "missing {line:?} in\n{out}");
    }
    assert!(stderr(&output).contains(&format!(
        "not everything ecr-share created could be removed: role {ROLE_ARN}, policy {READ_POLICY_ARN} stay"
    )), "{}", stderr(&output));
    assert_eq!(listing(&source)["roles"][ROLE], role_before);
    let destination = setup.destination();
    assert!(!user_exists(&destination, USER));
    assert!(!policy_exists(&destination, ASSUME_POLICY_ARN));

    // Nothing new to remove: the same report, and no change.
    let output = setup.teardown(&["--yes"]);
    assert_failure(&output);
    assert!(stdout(&output).contains("Nothing to remove."));
    assert!(stderr(&output).contains("nothing was changed"));

    let output = setup.teardown(&["--yes", "--detach-foreign"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains(&format!(
        "attachment of policy {audit} to role {ROLE} (ecr-share did not attach it; detached because of --detach-foreign, the policy is kept): iam:DetachRolePolicy"
    )), "{out}");
    assert!(!role_exists(&source, ROLE));
    assert!(!policy_exists(&source, READ_POLICY_ARN));
    assert!(policy_exists(&source, &audit), "the foreign policy is kept");
}

#[test]
fn what_would_make_a_deletion_refuse_is_reported_before_anything_changes() {
    let setup = Setup::answering_service_credentials(ONE_SERVICE_CREDENTIAL);
    assert_success(&setup.curated());
    let destination = setup.destination();
    block_on(async {
        destination
            .put_user_policy()
            .user_name(USER)
            .policy_name("extra")
            .policy_document(s3_read().to_string())
            .send()
            .await
            .unwrap();
        destination
            .create_login_profile()
            .user_name(USER)
            .password("Correct-Horse-9")
            .send()
            .await
            .unwrap();
    });
    let user_before = listing(&destination)["users"][USER].clone();

    let output = setup.teardown(&["--yes", "--detach-foreign"]);
    assert_failure(&output);
    let out = stdout(&output);
    assert!(out.contains(&format!(
        "user {USER_ARN}: it is ecr-share's (tagged by ecr-share), but it has inline policy extra, a console password (login profile), service-specific credential ACCAEXAMPLECREDENTIAL, which the procedure never adds and teardown does not remove; it is left as it is, with its keys and attachments"
    )), "{out}");
    assert!(!out.contains("iam:DeleteAccessKey"), "{out}");
    assert!(
        !setup
            .iam_actions()
            .iter()
            .any(|a| a == "DeleteAccessKey" || a == "DetachUserPolicy" || a == "DeleteUser"),
        "{:?}",
        setup.iam_actions()
    );
    assert_eq!(listing(&destination)["users"][USER], user_before);
    assert!(policy_exists(&destination, ASSUME_POLICY_ARN));
    assert!(!role_exists(&setup.source(), ROLE));
}

#[test]
fn delete_files_refuses_a_file_the_tool_did_not_write() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    let after_curated = setup.listing();
    let seen_before = setup.proxy.seen().len();
    let theirs = setup.dir.path().join("config");
    std::fs::write(&theirs, "[default]\nregion = eu-west-1\n").unwrap();
    let theirs_text = theirs.display().to_string();

    let output = setup.teardown(&["--yes", "--delete-files", "--config-out", &theirs_text]);
    assert_failure(&output);
    assert!(stderr(&output).contains(&format!(
        "--config-out: {theirs_text}: it is not an AWS config file ecr-share wrote for user {USER}, so it is not deleted. Name the file ecr-share wrote, or leave out --delete-files. Nothing was changed."
    )), "{}", stderr(&output));
    assert_eq!(
        setup.proxy.seen()[seen_before..],
        Vec::<String>::new(),
        "refused before any call"
    );

    // A link to the file ecr-share wrote is refused too.
    let link = setup.dir.path().join("link");
    std::os::unix::fs::symlink(setup.config_out(), &link).unwrap();
    let output = setup.teardown(&[
        "--yes",
        "--delete-files",
        "--config-out",
        &link.display().to_string(),
    ]);
    assert_failure(&output);
    assert!(
        stderr(&output).contains("is a symbolic link"),
        "{}",
        stderr(&output)
    );

    // The manifest given as the config file is not a config file.
    let output = setup.teardown(&[
        "--yes",
        "--delete-files",
        "--config-out",
        &setup.secret_out().display().to_string(),
    ]);
    assert_failure(&output);

    assert_eq!(setup.listing(), after_curated);
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "[default]\nregion = eu-west-1\n"
    );
    assert!(setup.config_out().exists() && link.exists() && setup.secret_out().exists());

    // Without --delete-files the files are named and kept.
    let output = setup.teardown(&[
        "--yes",
        "--config-out",
        &setup.config_out().display().to_string(),
    ]);
    assert_success(&output);
    assert!(stdout(&output).contains("kept (add --delete-files to delete it"));
    assert!(setup.config_out().exists());
}

#[test]
fn profiles_are_checked_before_any_call_and_must_be_two_accounts() {
    let setup = Setup::new();
    let output = setup.profiles.run(&[
        "--region",
        "us-east-1",
        "curated",
        "teardown",
        "--source-profile",
        "source",
        "--destination-profile",
        "nowhere",
        "--yes",
    ]);
    assert_failure(&output);
    assert!(
        stderr(&output).contains("--destination-profile"),
        "{}",
        stderr(&output)
    );
    assert_eq!(setup.proxy.seen(), Vec::<String>::new(), "no call at all");

    let output = setup.profiles.run(&[
        "--region",
        "us-east-1",
        "curated",
        "teardown",
        "--source-profile",
        "source",
        "--destination-profile",
        "source",
        "--yes",
    ]);
    assert_failure(&output);
    assert!(
        stderr(&output).contains("are both account 123456789012"),
        "{}",
        stderr(&output)
    );
    assert_eq!(setup.iam_actions(), Vec::<String>::new(), "no IAM call");

    let output = setup.profiles.run(&[
        "curated",
        "teardown",
        "--source-profile",
        "source",
        "--destination-profile",
        "destination",
    ]);
    assert_failure(&output);
    assert!(stderr(&output).contains("needs --region"));
}

#[test]
fn a_refused_deletion_stops_with_what_was_removed_and_how_to_resume() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    setup.proxy.answer("DeleteRole", 1, 409, DELETE_CONFLICT);

    let output = setup.teardown(&["--yes"]);
    assert_failure(&output);
    let err = stderr(&output);
    let dest = "[destination 999999999999 · profile `destination`]";
    let src = "[source 123456789012 · profile `source`]";
    assert!(err.contains(&format!(
        "teardown stopped at iam:DeleteRole {ROLE}: iam:DeleteRole failed: DeleteConflict: Cannot delete entity, must remove roles from instance profile first."
    )), "{err}");
    let removed = position(&err, "already removed:");
    let not_removed = position(&err, "not removed:");
    for line in [
        format!("{dest} access key "),
        format!("{dest} attachment of policy {ASSUME_POLICY_ARN} to user {USER}"),
        format!("{dest} user {USER_ARN}"),
        format!("{dest} policy {ASSUME_POLICY_ARN}"),
        format!("{src} attachment of policy {READ_POLICY_ARN} to role {ROLE}"),
    ] {
        let at = position(&err, &line);
        assert!(removed < at && at < not_removed, "{line:?} in\n{err}");
    }
    for line in [
        format!("{src} role {ROLE_ARN}"),
        format!("{src} policy {READ_POLICY_ARN}"),
    ] {
        assert!(position(&err, &line) > not_removed, "{line:?} in\n{err}");
    }
    assert!(
        err.contains("run the same teardown command again: it reads what is left and resumes"),
        "{err}"
    );
    let source = setup.source();
    assert!(role_exists(&source, ROLE));
    assert!(policy_exists(&source, READ_POLICY_ARN));
    assert!(!user_exists(&setup.destination(), USER));
    assert_eq!(setup.proxy.count("DeleteRole"), 1, "not retried");

    // Run again: it resumes with what is left.
    let output = setup.teardown(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("Teardown plan (2 removals)"), "{out}");
    assert!(!role_exists(&source, ROLE));
    assert!(!policy_exists(&source, READ_POLICY_ARN));
}

#[test]
fn a_lost_answer_to_a_deletion_is_read_back() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    setup.proxy.lose_answer("DeleteUser", 1);

    let output = setup.teardown(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains(&format!(
        "iam:DeleteUser {USER}: done (deleted; the answer was lost, the read-back shows the user gone)"
    )), "{out}");
    assert_eq!(setup.proxy.lost(), ["DeleteUser"]);
    assert_eq!(setup.proxy.count("DeleteUser"), 1, "sent once");
    assert!(!user_exists(&setup.destination(), USER));
    assert!(!role_exists(&setup.source(), ROLE));
}

/// Records what the engine reports.
#[derive(Default)]
struct Recorded(Vec<CallReport>);

impl Report for Recorded {
    fn call(&mut self, report: CallReport) {
        self.0.push(report);
    }
    fn output(&mut self, _: JobOutput) {}
}

fn name(kind: IamKind, text: &str) -> IamName {
    IamName::parse(kind, text).unwrap()
}

#[test]
fn a_change_after_the_plan_was_confirmed_stops_before_any_removal() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    let source_id = AccountId::parse(SOURCE_ACCOUNT).unwrap();
    let destination_id = AccountId::parse(DESTINATION_ACCOUNT).unwrap();
    let proxied = |keys| iam_client(setup.proxy.url(), keys);
    let accounts = Accounts {
        source: Iam::with_client(proxied(None), Partition::Aws, source_id.clone()),
        destination: Iam::with_client(
            proxied(Some(setup.moto.assume_into(DESTINATION_ACCOUNT))),
            Partition::Aws,
            destination_id.clone(),
        ),
    };
    let scope = Scope {
        partition: Partition::Aws,
        source: source_id,
        destination: destination_id,
        names: Names {
            read_policy: name(IamKind::Policy, "curated-packages-policy"),
            role: name(IamKind::Role, ROLE),
            assume_policy: name(IamKind::Policy, "curated-packages-assume-role-policy"),
            user: name(IamKind::User, USER),
        },
        detach_foreign: false,
        files: Vec::new(),
    };
    let survey = block_on(teardown::survey(&accounts, &scope)).unwrap();
    let confirmed = teardown::plan(&scope, &survey);
    assert_eq!(confirmed.removals.len(), 7, "{confirmed:#?}");
    assert!(matches!(
        confirmed.removals.last(),
        Some(Removal::Policy {
            side: Side::Source,
            ..
        })
    ));

    // Someone attaches a policy to the role while the operator reads the plan.
    let source = setup.source();
    let audit = policy(&source, "audit", &s3_read());
    block_on(
        source
            .attach_role_policy()
            .role_name(ROLE)
            .policy_arn(&audit)
            .send(),
    )
    .unwrap();
    let before = setup.listing();

    let mut recorded = Recorded::default();
    let executed = block_on(teardown::execute(
        &accounts,
        &scope,
        &confirmed,
        &mut recorded,
    ));

    assert!(executed.removed.is_empty(), "{executed:?}");
    let stopped = executed.stopped.unwrap();
    assert_eq!(stopped.not_removed, confirmed.removals);
    assert_eq!(recorded.0.len(), 1, "{:?}", recorded.0);
    let Outcome::Failed(error) = &recorded.0[0].outcome else {
        panic!("{:?}", recorded.0)
    };
    assert!(error.is("ChangedSincePlan"), "{error}");
    assert!(error.message.contains("nothing was changed"), "{error}");
    assert_eq!(setup.listing(), before);
}

#[test]
fn delete_files_takes_the_copies_a_stopped_rotation_left_and_only_ours() {
    let setup = Setup::new();
    assert_success(&setup.curated());
    // A rotation that stopped keeps the replaced files as `<file>.previous`: they hold
    // the old key's secret, written by ecr-share for this user.
    let config_backup = PathBuf::from(format!("{}.previous", setup.config_out().display()));
    let secret_backup = PathBuf::from(format!("{}.previous", setup.secret_out().display()));
    std::fs::copy(setup.config_out(), &config_backup).unwrap();
    std::fs::write(&secret_backup, "not a manifest ecr-share wrote\n").unwrap();

    let output = setup.teardown_with_files(&["--yes"]);
    assert_success(&output);
    assert!(!setup.config_out().exists() && !setup.secret_out().exists());
    assert!(!config_backup.exists(), "{}", stdout(&output));
    assert!(stdout(&output).contains(&config_backup.display().to_string()));
    // A `.previous` beside the manifest that ecr-share did not write is kept.
    assert_eq!(
        std::fs::read_to_string(&secret_backup).unwrap(),
        "not a manifest ecr-share wrote\n"
    );
}
