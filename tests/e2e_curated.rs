//! `ecr-share curated` end to end against the local AWS emulator, across two
//! accounts: what it creates, that a second run changes nothing, that it stops and
//! explains instead of overwriting or exceeding limits, and that the secret key only
//! ever lands in the files the operator asked for.

mod common;

use std::path::PathBuf;
use std::process::Output;

use base64::Engine as _;
use common::aws::{Registry, access_keys, block_on, file_mode, ini_value};
use common::{
    DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, assert_failure, assert_success, stderr,
    stdout,
};
use serde_json::{Value, json};

const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
/// The production registry of us-east-1, which the flow falls back to because the
/// emulator does not serve EKS Anywhere subscriptions.
const US_EAST_1_REGISTRY: &str = "331113665574";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/curated-packages-role";

/// One test's emulator, profiles, output folder and local registry.
struct Setup {
    moto: Moto,
    profiles: Profiles,
    dir: tempfile::TempDir,
    registry: Registry,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        Setup {
            moto,
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

    /// Runs the flow with the usual arguments plus `extra`.
    fn run(&self, extra: &[&str]) -> Output {
        let config_out = self.config_out().display().to_string();
        let secret_out = self.secret_out().display().to_string();
        let mut args = vec![
            "--region",
            "us-east-1",
            "curated",
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
            "--subscription-id",
            SUBSCRIPTION,
            "--config-out",
            &config_out,
            "--secret-out",
            &secret_out,
            "--registry-url",
            &self.registry.url,
        ];
        args.extend_from_slice(extra);
        self.profiles.run(&args)
    }

    fn iam(&self, account: &str) -> aws_sdk_iam::Client {
        let (key, secret, token) = if account == SOURCE_ACCOUNT {
            ("testing".to_string(), "testing".to_string(), None)
        } else {
            let (key, secret, token) = self.moto.assume_into(account);
            (key, secret, Some(token))
        };
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.moto.url)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                key, secret, token, None, "tests",
            ))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }
}

fn decode(encoded: &str) -> Value {
    let text = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

fn policy_document(iam: &aws_sdk_iam::Client, arn: &str) -> Value {
    block_on(async {
        let policy = iam.get_policy().policy_arn(arn).send().await.unwrap();
        let version = policy
            .policy()
            .unwrap()
            .default_version_id()
            .unwrap()
            .to_string();
        let document = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .unwrap();
        decode(document.policy_version().unwrap().document().unwrap())
    })
}

fn trust_policy(iam: &aws_sdk_iam::Client, role: &str) -> Value {
    block_on(async {
        let output = iam.get_role().role_name(role).send().await.unwrap();
        decode(
            output
                .role()
                .unwrap()
                .assume_role_policy_document()
                .unwrap(),
        )
    })
}

fn role_policies(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    block_on(async {
        let output = iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await
            .unwrap();
        output
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect()
    })
}

fn user_policies(iam: &aws_sdk_iam::Client, user: &str) -> Vec<String> {
    block_on(async {
        let output = iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap();
        output
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect()
    })
}

fn local_policy_names(iam: &aws_sdk_iam::Client) -> Vec<String> {
    block_on(async {
        let output = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        output
            .policies()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_string))
            .collect()
    })
}

#[test]
fn the_whole_flow_across_two_accounts() {
    let setup = Setup::new();
    let output = setup.run(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);

    // Both profiles are shown with the account they really are.
    assert!(
        out.contains("source: profile `source` is account 123456789012"),
        "{out}"
    );
    assert!(
        out.contains("destination: profile `destination` is account 999999999999"),
        "{out}"
    );
    // Step 1 is not served by the emulator: the regional table is used, and it says so.
    assert!(
        out.contains(&format!(
            "registry account {US_EAST_1_REGISTRY} ({US_EAST_1_REGISTRY}.dkr.ecr.us-east-1.amazonaws.com) from the table of production registries"
        )),
        "{out}"
    );
    assert!(
        out.contains("[step 3 · source 123456789012] iam:CreateRole curated-packages-role: done"),
        "{out}"
    );
    assert!(
        out.contains(
            "[step 5 · destination 999999999999] iam:CreateAccessKey curated-packages-user: done"
        ),
        "{out}"
    );

    // Source account: the read policy on the registry, the role trusting the destination.
    let source = setup.iam(SOURCE_ACCOUNT);
    let policy_arn = "arn:aws:iam::123456789012:policy/curated-packages-policy";
    let read = policy_document(&source, policy_arn);
    assert_eq!(
        read["Statement"][0]["Resource"],
        json!(format!("arn:aws:ecr:*:{US_EAST_1_REGISTRY}:repository/*"))
    );
    assert_eq!(read["Statement"][0]["Action"].as_array().unwrap().len(), 11);
    assert_eq!(
        read["Statement"][1]["Action"],
        json!(["ecr:GetAuthorizationToken"])
    );
    let trust = trust_policy(&source, "curated-packages-role");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::999999999999:root")
    );
    assert_eq!(trust["Statement"][0]["Action"], json!("sts:AssumeRole"));
    assert_eq!(
        role_policies(&source, "curated-packages-role"),
        [policy_arn]
    );

    // Destination account: the assume-role policy names the role in the source account.
    let destination = setup.iam(DESTINATION_ACCOUNT);
    let assume_arn = "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy";
    let assume = policy_document(&destination, assume_arn);
    assert_eq!(assume["Statement"]["Resource"], json!(ROLE_ARN));
    assert_eq!(assume["Statement"]["Action"], json!("sts:AssumeRole"));
    assert_eq!(
        user_policies(&destination, "curated-packages-user"),
        [assume_arn]
    );
    let keys = access_keys(&destination, "curated-packages-user");
    assert_eq!(keys.len(), 1);
    // Nothing of the destination's landed in the source account, or the reverse.
    assert_eq!(local_policy_names(&source), ["curated-packages-policy"]);
    assert_eq!(
        local_policy_names(&destination),
        ["curated-packages-assume-role-policy"]
    );

    // The config file: the default profile assumes the role through the user's profile.
    let config = std::fs::read_to_string(setup.config_out()).unwrap();
    assert_eq!(file_mode(&setup.config_out()), 0o600);
    assert_eq!(
        ini_value(&config, "default", "role_arn").as_deref(),
        Some(ROLE_ARN)
    );
    assert_eq!(
        ini_value(&config, "default", "source_profile").as_deref(),
        Some("curated-packages-user")
    );
    assert_eq!(
        ini_value(&config, "default", "region").as_deref(),
        Some("us-east-1")
    );
    assert_eq!(
        ini_value(
            &config,
            "profile curated-packages-user",
            "aws_access_key_id"
        ),
        Some(keys[0].clone())
    );
    let secret = ini_value(
        &config,
        "profile curated-packages-user",
        "aws_secret_access_key",
    )
    .unwrap();
    assert!(secret.len() >= 20, "a real secret key is in the file");

    // The Secret manifest carries the same file, base64 on one line.
    let manifest = std::fs::read_to_string(setup.secret_out()).unwrap();
    assert_eq!(file_mode(&setup.secret_out()), 0o600);
    let encoded = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("config: "))
        .unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
        config.as_bytes()
    );

    // Step 8 reached the registry with the role's ECR token.
    let requests = setup.registry.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /v2/eks-anywhere-packages/manifests/latest "),
        "{}",
        requests[0]
    );
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains("authorization: basic "),
        "{}",
        requests[0]
    );
    assert!(
        out.contains("sts:AssumeRole arn:aws:iam::123456789012:role/curated-packages-role: ok"),
        "{out}"
    );

    // The secret key is in the files asked for and nowhere else.
    assert!(!out.contains(&secret), "the secret key reached stdout");
    assert!(
        !stderr(&output).contains(&secret),
        "the secret key reached stderr"
    );
}

#[test]
fn a_second_run_changes_nothing_and_creates_no_second_key() {
    let setup = Setup::new();
    assert_success(&setup.run(&["--yes"]));
    let config_before = std::fs::read_to_string(setup.config_out()).unwrap();

    let output = setup.run(&["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    for line in [
        "iam:CreatePolicy curated-packages-policy: already existed",
        "iam:CreateRole curated-packages-role: already existed",
        "iam:AttachRolePolicy arn:aws:iam::123456789012:policy/curated-packages-policy to curated-packages-role: already existed",
        "iam:CreatePolicy curated-packages-assume-role-policy: already existed",
        "iam:CreateUser curated-packages-user: already existed",
        "iam:AttachUserPolicy arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy to curated-packages-user: already existed",
        "iam:CreateAccessKey curated-packages-user: already existed",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    assert!(
        !out.contains(": done"),
        "a second run changed something:\n{out}"
    );
    let destination = setup.iam(DESTINATION_ACCOUNT);
    assert_eq!(access_keys(&destination, "curated-packages-user").len(), 1);
    assert_eq!(
        std::fs::read_to_string(setup.config_out()).unwrap(),
        config_before
    );
    assert_eq!(file_mode(&setup.config_out()), 0o600);
    let secret = ini_value(
        &config_before,
        "profile curated-packages-user",
        "aws_secret_access_key",
    )
    .unwrap();
    assert!(!out.contains(&secret) && !stderr(&output).contains(&secret));
}

/// A trust policy that lets another account than the destination assume the role.
fn foreign_trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole"
        }]
    })
}

fn create_role(iam: &aws_sdk_iam::Client, name: &str, trust: &Value) {
    block_on(
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send(),
    )
    .unwrap();
}

#[test]
fn an_existing_role_that_differs_is_reported_and_left_alone() {
    let setup = Setup::new();
    let source = setup.iam(SOURCE_ACCOUNT);
    let theirs = foreign_trust_policy();
    create_role(&source, "curated-packages-role", &theirs);

    let output = setup.run(&["--yes"]);
    assert_failure(&output);
    let out = stdout(&output);
    let err = stderr(&output);
    assert!(
        out.contains("iam:CreateRole curated-packages-role: exists, differs"),
        "{out}"
    );
    // The diff shows which principal is there and which one the step wants.
    assert!(out.contains("arn:aws:iam::111111111111:root"), "{out}");
    assert!(out.contains("arn:aws:iam::999999999999:root"), "{out}");
    assert!(
        err.contains("step 3 (source account 123456789012) stopped"),
        "{err}"
    );
    // The stop says which document differs and how to have it replaced.
    assert!(
        err.contains(&format!(
            "iam:CreateRole curated-packages-role: {ROLE_ARN} exists, but its trust policy differs from the one this step writes"
        )),
        "{err}"
    );
    assert!(
        err.contains("Add --update-existing to make the wanted one the role's trust policy"),
        "{err}"
    );
    assert!(!out.contains("iam:UpdateAssumeRolePolicy"), "{out}");
    assert!(err.contains("already done:"), "{err}");
    assert!(
        err.contains("step 2: iam:CreatePolicy curated-packages-policy"),
        "{err}"
    );
    assert_eq!(trust_policy(&source, "curated-packages-role"), theirs);
    assert!(role_policies(&source, "curated-packages-role").is_empty());
    // Nothing of the destination's steps ran.
    assert!(local_policy_names(&setup.iam(DESTINATION_ACCOUNT)).is_empty());
}

#[test]
fn an_existing_policy_that_differs_stops_the_run_before_the_role() {
    let setup = Setup::new();
    let source = setup.iam(SOURCE_ACCOUNT);
    let theirs = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}]
    });
    block_on(
        source
            .create_policy()
            .policy_name("curated-packages-policy")
            .policy_document(theirs.to_string())
            .send(),
    )
    .unwrap();

    let output = setup.run(&["--yes"]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(
        err.contains("step 2 (source account 123456789012) stopped"),
        "{err}"
    );
    assert!(
        err.contains("the document of its default policy version differs"),
        "{err}"
    );
    assert!(
        err.contains(
            "Add --update-existing to make the wanted one the new default policy version, or choose another name with --policy-name"
        ),
        "{err}"
    );
    assert!(err.contains("nothing was changed in AWS"), "{err}");
    assert_eq!(
        policy_document(
            &source,
            "arn:aws:iam::123456789012:policy/curated-packages-policy"
        ),
        theirs
    );
    assert!(
        block_on(source.get_role().role_name("curated-packages-role").send()).is_err(),
        "no role was created after the stop"
    );
}

#[test]
fn update_existing_makes_the_wanted_documents_current_and_goes_on() {
    let setup = Setup::new();
    let source = setup.iam(SOURCE_ACCOUNT);
    let policy_arn = "arn:aws:iam::123456789012:policy/curated-packages-policy";
    let old_read = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}]
    });
    block_on(
        source
            .create_policy()
            .policy_name("curated-packages-policy")
            .policy_document(old_read.to_string())
            .send(),
    )
    .unwrap();
    create_role(&source, "curated-packages-role", &foreign_trust_policy());

    let output = setup.run(&["--yes", "--update-existing"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(
        out.contains("With --update-existing, a policy or role of steps 2-4 that exists with another document gets the wanted one"),
        "the plan says documents will be replaced:\n{out}"
    );
    for line in [
        "[step 2 · source 123456789012] iam:CreatePolicy curated-packages-policy: exists, differs",
        "[step 2 · source 123456789012] iam:CreatePolicyVersion arn:aws:iam::123456789012:policy/curated-packages-policy: done (v2 is now the default version)",
        "[step 3 · source 123456789012] iam:CreateRole curated-packages-role: exists, differs",
        "[step 3 · source 123456789012] iam:UpdateAssumeRolePolicy curated-packages-role: done (trust policy replaced)",
        "[step 3 · source 123456789012] iam:AttachRolePolicy arn:aws:iam::123456789012:policy/curated-packages-policy to curated-packages-role: done",
        "done: the destination account can pull curated packages",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }

    // The role now trusts the destination account, as a fresh run would have made it.
    let trust = trust_policy(&source, "curated-packages-role");
    let wanted_trust: Value = serde_json::from_str(&stdout(&setup.profiles.run(&[
        "policy",
        "trust",
        "--account",
        DESTINATION_ACCOUNT,
    ])))
    .unwrap();
    assert_eq!(trust, wanted_trust);
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        json!("arn:aws:iam::999999999999:root")
    );

    // The read policy's new default version is the wanted document; the old one is kept.
    let wanted_read: Value = serde_json::from_str(&stdout(&setup.profiles.run(&[
        "policy",
        "ecr-read",
        "--registry-account",
        US_EAST_1_REGISTRY,
    ])))
    .unwrap();
    assert_eq!(policy_document(&source, policy_arn), wanted_read);
    let versions = block_on(source.list_policy_versions().policy_arn(policy_arn).send())
        .unwrap()
        .versions()
        .len();
    assert_eq!(versions, 2);
    assert_eq!(
        role_policies(&source, "curated-packages-role"),
        [policy_arn]
    );

    // A second run with the flag finds everything as wanted and changes nothing.
    let again = setup.run(&["--yes", "--update-existing"]);
    assert_success(&again);
    let out = stdout(&again);
    assert!(
        !out.contains(": done"),
        "a second run changed something:\n{out}"
    );
    assert!(!out.contains("exists, differs"), "{out}");
}

#[test]
fn at_the_two_key_limit_it_explains_and_stops() {
    let setup = Setup::new();
    let destination = setup.iam(DESTINATION_ACCOUNT);
    let ids: Vec<String> = block_on(async {
        destination
            .create_user()
            .user_name("curated-packages-user")
            .send()
            .await
            .unwrap();
        let mut ids = Vec::new();
        for _ in 0..2 {
            let key = destination
                .create_access_key()
                .user_name("curated-packages-user")
                .send()
                .await
                .unwrap();
            ids.push(key.access_key().unwrap().access_key_id().to_string());
        }
        ids
    });

    let output = setup.run(&["--yes"]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(
        err.contains("step 5 (destination account 999999999999) stopped"),
        "{err}"
    );
    assert!(
        err.contains("already has 2 access keys, the most IAM allows"),
        "{err}"
    );
    for id in &ids {
        assert!(err.contains(id.as_str()), "{id} not named in\n{err}");
    }
    assert!(
        err.contains("aws iam delete-access-key --user-name curated-packages-user"),
        "{err}"
    );
    assert!(err.contains("already done:"), "{err}");
    assert_eq!(access_keys(&destination, "curated-packages-user").len(), 2);
    assert!(!setup.config_out().exists(), "no config file without a key");
}

#[test]
fn a_user_whose_key_is_not_in_the_config_file_stops_the_run() {
    let setup = Setup::new();
    assert_success(&setup.run(&["--yes"]));
    std::fs::remove_file(setup.config_out()).unwrap();

    let output = setup.run(&["--yes"]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(err.contains("whose secret IAM cannot show again"), "{err}");
    assert!(err.contains("nothing was changed in AWS"), "{err}");
    assert_eq!(
        access_keys(&setup.iam(DESTINATION_ACCOUNT), "curated-packages-user").len(),
        1
    );
}

#[test]
fn the_operator_can_name_the_registry_account() {
    let setup = Setup::new();
    let output = setup.run(&["--yes", "--registry-account", "111122223333"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("registry account 111122223333"), "{out}");
    assert!(out.contains("given by the operator"), "{out}");
    let read = policy_document(
        &setup.iam(SOURCE_ACCOUNT),
        "arn:aws:iam::123456789012:policy/curated-packages-policy",
    );
    assert_eq!(
        read["Statement"][0]["Resource"],
        json!("arn:aws:ecr:*:111122223333:repository/*")
    );
}

#[test]
fn the_same_account_on_both_sides_is_refused() {
    let setup = Setup::new();
    let config_out = setup.config_out().display().to_string();
    let output = setup.profiles.run(&[
        "--region",
        "us-east-1",
        "curated",
        "--source-profile",
        "source",
        "--destination-profile",
        "default",
        "--subscription-id",
        SUBSCRIPTION,
        "--config-out",
        &config_out,
        "--yes",
    ]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(err.contains("are both account 123456789012"), "{err}");
    assert!(local_policy_names(&setup.iam(SOURCE_ACCOUNT)).is_empty());
}

#[test]
fn without_yes_and_without_a_terminal_nothing_runs() {
    let setup = Setup::new();
    let output = setup.run(&[]);
    assert_failure(&output);
    assert!(stderr(&output).contains("add --yes"), "{}", stderr(&output));
    assert!(local_policy_names(&setup.iam(SOURCE_ACCOUNT)).is_empty());
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let setup = Setup::new();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "curated",
                "--source-profile",
                "source",
                "--destination-profile",
                "destination",
                "--subscription-id",
                SUBSCRIPTION,
                "--config-out",
                "x",
                "--yes",
            ],
            "curated needs --region",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "curated",
                "--source-profile",
                "source",
                "--destination-profile",
                "destination",
                "--subscription-id",
                "not-a-subscription",
                "--config-out",
                "x",
                "--yes",
            ],
            "--subscription-id: a subscription id is hex digits",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "curated",
                "--source-profile",
                "source",
                "--destination-profile",
                "destination",
                "--subscription-id",
                SUBSCRIPTION,
                "--role-name",
                "bad role",
                "--config-out",
                "x",
                "--yes",
            ],
            "--role-name: a role name may use",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "curated",
                "--source-profile",
                "source",
                "--destination-profile",
                "destination",
                "--subscription-id",
                SUBSCRIPTION,
                "--config-out",
                "/no/such/folder/config",
                "--yes",
            ],
            "--config-out: the folder /no/such/folder does not exist",
        ),
    ];
    for (args, message) in cases {
        let output = setup.profiles.run(args);
        assert_failure(&output);
        let err = stderr(&output);
        assert!(err.contains(message), "{message:?} not in {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    assert!(local_policy_names(&setup.iam(SOURCE_ACCOUNT)).is_empty());
}
