//! `ecr-share curated export` end to end: the scripts it writes, run with the aws CLI
//! against the local AWS emulator with two accounts, build exactly what `curated`
//! builds, and teardown.sh takes it back without touching anything else. An export
//! with the accounts given asks AWS nothing; the output folder is never overwritten
//! or written through a link without being told.
//!
//! The aws CLI (v1) is `ECR_SHARE_TEST_AWS` when set (scripts/test.sh sets it when it
//! had to install one), else `aws` on the PATH; without it these tests fail.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::aws::{Registry, access_keys, block_on, file_mode, iam_client};
use common::{
    DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, assert_failure, assert_success, stderr,
    stdout,
};
use ecr_share::core::documents;
use ecr_share::core::validate::{IamKind, IamName, Region, RoleArn};
use serde_json::Value;

/// us-east-1's production registry, named on the command line so that no export
/// depends on the EKS Anywhere API the emulator does not serve.
const REGISTRY: &str = "331113665574";
const REGION: &str = "us-east-1";
const READ_POLICY: &str = "curated-packages-policy";
const ROLE: &str = "curated-packages-role";
const ASSUME_POLICY: &str = "curated-packages-assume-role-policy";
const USER: &str = "curated-packages-user";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/curated-packages-role";
const READ_ARN: &str = "arn:aws:iam::123456789012:policy/curated-packages-policy";
const ASSUME_ARN: &str = "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy";

/// The PATH the scripts run with: the aws CLI's folder first when one was given.
fn script_path_env() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var("ECR_SHARE_TEST_AWS") {
        Ok(aws) => {
            let folder = Path::new(&aws)
                .parent()
                .expect("ECR_SHARE_TEST_AWS names a file")
                .display()
                .to_string();
            format!("{folder}:{path}")
        }
        Err(_) => path,
    }
}

/// The environment without any inherited AWS setting, plus `vars`.
fn clean(command: &mut Command, vars: &[(&'static str, String)]) {
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command
        .env("PATH", script_path_env())
        .envs(vars.iter().cloned());
}

/// `aws ARGS` with these settings; fails the test when the aws CLI is missing.
fn aws(vars: &[(&'static str, String)], args: &[&str]) -> Output {
    let mut command = Command::new("aws");
    clean(&mut command, vars);
    command.args(args).output().unwrap_or_else(|error| {
        panic!("the aws CLI cannot run ({error}): install it, or run the suite with scripts/test.sh, which installs it when missing")
    })
}

/// The `ecr-share` binary under umask 022, so the modes it asks for are the modes
/// the files get.
fn ecr_share(vars: &[(&'static str, String)], args: &[&str]) -> Output {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_ecr-share"))
        .args(args)
        .env("HOME", std::env::temp_dir());
    clean(&mut command, vars);
    command.output().expect("ecr-share runs")
}

/// One test's emulator, profiles and folders.
struct Setup {
    moto: Moto,
    dir: tempfile::TempDir,
    profiles: Profiles,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let setup = Setup {
            moto,
            dir,
            profiles,
        };
        let version = aws(&setup.profiles.env(), &["--version"]);
        assert_success(&version);
        setup
    }

    /// Empties both accounts and issues the destination profile's keys again.
    fn reset(&mut self) {
        self.moto.post("/moto-api/reset");
        self.profiles = self.moto.profiles(self.dir.path());
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn config_out(&self) -> PathBuf {
        self.path("out/eksa-aws-config")
    }

    fn secret_out(&self) -> PathBuf {
        self.path("out/aws-secret.yaml")
    }

    /// `curated export` into `folder` with the usual flags plus `extra`.
    fn export(&self, folder: &str, extra: &[&str]) -> Output {
        std::fs::create_dir_all(self.path("out")).unwrap();
        let out = self.path(folder).display().to_string();
        let config = self.config_out().display().to_string();
        let secret = self.secret_out().display().to_string();
        let mut args = vec![
            "--region",
            REGION,
            "curated",
            "export",
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
            "--registry-account",
            REGISTRY,
            "--config-out",
            &config,
            "--secret-out",
            &secret,
            "--out",
            &out,
        ];
        args.extend_from_slice(extra);
        ecr_share(&self.profiles.env(), &args)
    }

    /// Runs a script of an export with bash, from another folder than its own.
    fn run(&self, folder: &str, script: &str) -> Output {
        let elsewhere = self.path("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let mut command = Command::new("bash");
        command
            .arg(self.path(folder).join(script))
            .current_dir(elsewhere);
        clean(&mut command, &self.profiles.env());
        command.output().expect("bash runs")
    }

    fn iam(&self, account: &str) -> aws_sdk_iam::Client {
        let keys = (account != SOURCE_ACCOUNT).then(|| self.moto.assume_into(account));
        iam_client(&self.moto.url, keys)
    }
}

fn decode(encoded: &str) -> Value {
    let text = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap()
}

/// What the procedure's entities are in IAM: every document parsed, the tags and
/// attachments sorted.
#[derive(Debug, PartialEq)]
struct Built {
    /// The local policies of the source and the destination account, by name.
    policy_names: (Vec<String>, Vec<String>),
    read_policy: Value,
    read_policy_tags: Vec<(String, String)>,
    trust: Value,
    role_tags: Vec<(String, String)>,
    role_policies: Vec<String>,
    assume_policy: Value,
    assume_policy_tags: Vec<(String, String)>,
    user_tags: Vec<(String, String)>,
    user_policies: Vec<String>,
    user_keys: usize,
}

fn tags(tags: &[aws_sdk_iam::types::Tag]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn default_document(iam: &aws_sdk_iam::Client, arn: &str) -> Value {
    block_on(async {
        let policy = iam.get_policy().policy_arn(arn).send().await.unwrap();
        let version = policy.policy().unwrap().default_version_id().unwrap();
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

/// The account's local policies, without those the test made on the side.
fn policy_names(iam: &aws_sdk_iam::Client) -> Vec<String> {
    block_on(async {
        let output = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        let mut names: Vec<String> = output
            .policies()
            .iter()
            .filter_map(|p| p.policy_name().map(str::to_string))
            .filter(|name| !name.starts_with("unrelated"))
            .collect();
        names.sort();
        names
    })
}

fn built(setup: &Setup) -> Built {
    let source = setup.iam(SOURCE_ACCOUNT);
    let destination = setup.iam(DESTINATION_ACCOUNT);
    let policy_names = (policy_names(&source), policy_names(&destination));
    let read_policy = default_document(&source, READ_ARN);
    let assume_policy = default_document(&destination, ASSUME_ARN);
    let user_keys = access_keys(&destination, USER).len();
    block_on(async {
        let read_policy_tags = source
            .list_policy_tags()
            .policy_arn(READ_ARN)
            .send()
            .await
            .unwrap();
        let role = source.get_role().role_name(ROLE).send().await.unwrap();
        let role = role.role().unwrap();
        let role_tags = source
            .list_role_tags()
            .role_name(ROLE)
            .send()
            .await
            .unwrap();
        let role_policies = source
            .list_attached_role_policies()
            .role_name(ROLE)
            .send()
            .await
            .unwrap();
        let assume_policy_tags = destination
            .list_policy_tags()
            .policy_arn(ASSUME_ARN)
            .send()
            .await
            .unwrap();
        let user_tags = destination
            .list_user_tags()
            .user_name(USER)
            .send()
            .await
            .unwrap();
        let user_policies = destination
            .list_attached_user_policies()
            .user_name(USER)
            .send()
            .await
            .unwrap();
        Built {
            policy_names,
            read_policy,
            read_policy_tags: tags(read_policy_tags.tags()),
            trust: decode(role.assume_role_policy_document().unwrap()),
            role_tags: tags(role_tags.tags()),
            role_policies: role_policies
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
            assume_policy,
            assume_policy_tags: tags(assume_policy_tags.tags()),
            user_tags: tags(user_tags.tags()),
            user_policies: user_policies
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect(),
            user_keys,
        }
    })
}

/// Whether IAM has the role, the user, and each of the two policies.
fn present(setup: &Setup) -> (bool, bool, bool, bool) {
    let source = setup.iam(SOURCE_ACCOUNT);
    let destination = setup.iam(DESTINATION_ACCOUNT);
    block_on(async {
        (
            source
                .get_policy()
                .policy_arn(READ_ARN)
                .send()
                .await
                .is_ok(),
            source.get_role().role_name(ROLE).send().await.is_ok(),
            destination
                .get_policy()
                .policy_arn(ASSUME_ARN)
                .send()
                .await
                .is_ok(),
            destination.get_user().user_name(USER).send().await.is_ok(),
        )
    })
}

/// Things of the operator's own in both accounts, which teardown must leave alone:
/// a policy attached to a role in the source account, a user with a key in the
/// destination account.
fn unrelated_entities(setup: &Setup) {
    let source = setup.iam(SOURCE_ACCOUNT);
    let destination = setup.iam(DESTINATION_ACCOUNT);
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    block_on(async {
        source
            .create_policy()
            .policy_name("unrelated-policy")
            .policy_document(document)
            .send()
            .await
            .unwrap();
        source
            .create_role()
            .role_name("unrelated-role")
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
        source
            .attach_role_policy()
            .role_name("unrelated-role")
            .policy_arn("arn:aws:iam::123456789012:policy/unrelated-policy")
            .send()
            .await
            .unwrap();
        destination
            .create_user()
            .user_name("unrelated-user")
            .send()
            .await
            .unwrap();
        destination
            .create_access_key()
            .user_name("unrelated-user")
            .send()
            .await
            .unwrap();
    });
}

fn unrelated_entities_are_there(setup: &Setup) {
    let source = setup.iam(SOURCE_ACCOUNT);
    let destination = setup.iam(DESTINATION_ACCOUNT);
    block_on(async {
        let attached = source
            .list_attached_role_policies()
            .role_name("unrelated-role")
            .send()
            .await
            .expect("the unrelated role is still there");
        assert_eq!(
            attached.attached_policies()[0].policy_arn(),
            Some("arn:aws:iam::123456789012:policy/unrelated-policy")
        );
        destination
            .get_user()
            .user_name("unrelated-user")
            .send()
            .await
            .expect("the unrelated user is still there");
    });
    assert_eq!(access_keys(&destination, "unrelated-user").len(), 1);
}

#[test]
fn apply_builds_what_curated_builds_and_teardown_takes_it_back() {
    let mut setup = Setup::new();

    // What `curated` builds, on empty accounts.
    let registry = Registry::start(404);
    let curated_config = setup.path("curated-config");
    let curated = ecr_share(
        &setup.profiles.env(),
        &[
            "--region",
            REGION,
            "curated",
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
            "--subscription-id",
            "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
            "--registry-account",
            REGISTRY,
            "--config-out",
            &curated_config.display().to_string(),
            "--registry-url",
            &registry.url,
            "--yes",
        ],
    );
    assert_success(&curated);
    let by_curated = built(&setup);

    // The same accounts emptied, with things of the operator's own in them.
    setup.reset();
    unrelated_entities(&setup);
    let export = setup.export("review", &[]);
    assert_success(&export);
    let out = stdout(&export);
    assert!(
        out.contains("source: profile `source` is account 123456789012"),
        "{out}"
    );
    assert!(out.contains("nothing was changed in AWS"), "{out}");
    assert!(
        policy_names(&setup.iam(SOURCE_ACCOUNT)).is_empty(),
        "the export changed nothing"
    );

    let apply = setup.run("review", "apply.sh");
    assert_success(&apply);
    let by_script = built(&setup);
    assert_eq!(by_script, by_curated);
    assert_eq!(
        by_script.read_policy_tags,
        [
            (
                "ecr-share:procedure".to_string(),
                "curated-packages".to_string()
            ),
            ("managed-by".to_string(), "ecr-share".to_string())
        ]
    );
    assert_eq!(
        by_script.policy_names,
        (
            vec![READ_POLICY.to_string()],
            vec![ASSUME_POLICY.to_string()]
        )
    );
    assert_eq!(by_script.role_policies, [READ_ARN]);
    assert_eq!(by_script.user_policies, [ASSUME_ARN]);
    assert_eq!(by_script.user_keys, 1);

    // The config file: 0600, exactly the document ecr-share builds, with the key IAM
    // lists for the user; the manifest carries it.
    let config = std::fs::read_to_string(setup.config_out()).unwrap();
    assert_eq!(file_mode(&setup.config_out()), 0o600);
    assert_eq!(file_mode(&setup.secret_out()), 0o600);
    let user = IamName::parse(IamKind::User, USER).unwrap();
    let key = documents::saved_key(&config, &user).expect("the config file holds the key");
    assert_eq!(
        config,
        documents::aws_config_file(
            Some(&user),
            Some(&RoleArn::parse(ROLE_ARN).unwrap()),
            Some(&Region::parse(REGION).unwrap()),
            Some(&key),
        )
    );
    assert_eq!(
        access_keys(&setup.iam(DESTINATION_ACCOUNT), USER),
        [key.access_key_id.as_str()]
    );
    assert_eq!(
        std::fs::read_to_string(setup.secret_out()).unwrap(),
        documents::aws_secret_manifest(&config)
    );
    let secret = key.secret_access_key.expose();
    assert!(!stdout(&apply).contains(secret) && !stderr(&apply).contains(secret));
    assert!(stdout(&apply).contains(&key.access_key_id));

    // The key works: as the user, and through the role as the config file's default
    // profile does it.
    let with_config = [
        ("AWS_CONFIG_FILE", setup.config_out().display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            setup.path("no-credentials").display().to_string(),
        ),
        ("AWS_ENDPOINT_URL", setup.moto.url.clone()),
    ];
    let identity = |profile: &str, query: &str| {
        let output = aws(
            &with_config,
            &[
                "sts",
                "get-caller-identity",
                "--profile",
                profile,
                "--region",
                REGION,
                "--query",
                query,
                "--output",
                "text",
            ],
        );
        assert_success(&output);
        stdout(&output).trim().to_string()
    };
    assert_eq!(
        identity(USER, "Arn"),
        "arn:aws:iam::999999999999:user/curated-packages-user"
    );
    // The file holds only the destination user's key: acting in the source account
    // is possible only through the role. (The emulator names the session by no role.)
    assert_eq!(identity("default", "Account"), SOURCE_ACCOUNT);

    // An export with the accounts given, asking nothing, is byte for byte the same.
    let offline = setup.export(
        "offline",
        &[
            "--source-account",
            SOURCE_ACCOUNT,
            "--destination-account",
            DESTINATION_ACCOUNT,
        ],
    );
    assert_success(&offline);
    let mut names: Vec<_> = std::fs::read_dir(setup.path("review"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6);
    for name in names {
        assert_eq!(
            std::fs::read(setup.path("offline").join(&name)).unwrap(),
            std::fs::read(setup.path("review").join(&name)).unwrap(),
            "{name:?}"
        );
    }

    // Teardown removes all four and the key, and nothing else.
    let teardown = setup.run("review", "teardown.sh");
    assert_success(&teardown);
    let said = stdout(&teardown);
    assert!(
        said.contains(&format!(
            "deleted access key {} of user curated-packages-user",
            key.access_key_id
        )),
        "{said}"
    );
    assert!(
        said.contains("rm -- "),
        "it says how to remove the files: {said}"
    );
    assert_eq!(present(&setup), (false, false, false, false));
    assert!(policy_names(&setup.iam(SOURCE_ACCOUNT)).is_empty());
    assert!(policy_names(&setup.iam(DESTINATION_ACCOUNT)).is_empty());
    unrelated_entities_are_there(&setup);
    assert!(
        setup.config_out().exists(),
        "the files are left to the operator"
    );
}

#[test]
fn a_stop_midway_says_what_was_done_and_teardown_takes_back_only_that() {
    let setup = Setup::new();
    assert_success(&setup.export("review", &[]));
    // Without its document, step 4 fails after steps 2 and 3 are done.
    std::fs::remove_file(setup.path("review/curated-packages-assume-role-policy.json")).unwrap();
    let apply = setup.run("review", "apply.sh");
    assert_failure(&apply);
    let said = stderr(&apply);
    assert!(
        said.contains("apply.sh stopped during step 4, User that assumes the role."),
        "{said}"
    );
    for done in [
        format!("  - created policy {READ_ARN} in the source account"),
        format!("  - created role {ROLE_ARN}"),
        "  - attached policy curated-packages-policy to role curated-packages-role".to_string(),
    ] {
        assert!(said.contains(&done), "{done}\n{said}");
    }
    assert!(said.contains("teardown.sh removes whatever"), "{said}");
    assert_eq!(present(&setup), (true, true, false, false));
    assert!(!setup.config_out().exists());

    // A policy of someone else's attached to the role: teardown changes nothing.
    let source = setup.iam(SOURCE_ACCOUNT);
    let foreign = "arn:aws:iam::123456789012:policy/someone-elses";
    block_on(async {
        source
            .create_policy()
            .policy_name("someone-elses")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        source
            .attach_role_policy()
            .role_name(ROLE)
            .policy_arn(foreign)
            .send()
            .await
            .unwrap();
    });
    let refused = setup.run("review", "teardown.sh");
    assert_failure(&refused);
    let said = stderr(&refused);
    assert!(
        said.contains(&format!(
            "role curated-packages-role (source account 123456789012): policy {foreign} is attached to it too"
        )),
        "{said}"
    );
    assert!(said.contains("nothing was changed in AWS"), "{said}");
    assert_eq!(present(&setup), (true, true, false, false));

    // Once it is detached, teardown removes what apply.sh made and skips the rest.
    block_on(async {
        source
            .detach_role_policy()
            .role_name(ROLE)
            .policy_arn(foreign)
            .send()
            .await
            .unwrap();
    });
    let teardown = setup.run("review", "teardown.sh");
    assert_success(&teardown);
    let said = stdout(&teardown);
    assert!(
        said.contains("deleted role curated-packages-role"),
        "{said}"
    );
    assert!(
        said.contains(&format!("deleted policy {READ_ARN}")),
        "{said}"
    );
    assert!(!said.contains("deleted user"), "{said}");
    assert_eq!(present(&setup), (false, false, false, false));
    assert_eq!(policy_names(&source), ["someone-elses"]);

    let again = setup.run("review", "teardown.sh");
    assert_success(&again);
    assert!(
        stdout(&again).contains("nothing to remove"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn apply_changes_nothing_when_an_account_or_an_entity_is_not_the_exported_one() {
    let setup = Setup::new();

    // Written for another source account than the profile is.
    let other = setup.export(
        "other-account",
        &[
            "--source-account",
            "111111111111",
            "--destination-account",
            DESTINATION_ACCOUNT,
        ],
    );
    assert_success(&other);
    let apply = setup.run("other-account", "apply.sh");
    assert_failure(&apply);
    let said = stderr(&apply);
    assert!(
        said.contains(
            "apply.sh: profile 'source' is account 123456789012, but this script's source account is 111111111111."
        ),
        "{said}"
    );
    assert!(said.contains("nothing was changed in AWS"), "{said}");
    assert_eq!(present(&setup), (false, false, false, false));

    // A role by the procedure's name that is someone else's: nothing is created.
    block_on(async {
        setup
            .iam(SOURCE_ACCOUNT)
            .create_role()
            .role_name(ROLE)
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
            .send()
            .await
            .unwrap();
    });
    assert_success(&setup.export("review", &[]));
    let apply = setup.run("review", "apply.sh");
    assert_failure(&apply);
    let said = stderr(&apply);
    assert!(
        said.contains("role curated-packages-role (source account 123456789012)"),
        "{said}"
    );
    assert!(
        said.contains("it never reuses or changes what exists"),
        "{said}"
    );
    assert!(said.contains("nothing was changed in AWS"), "{said}");
    assert_eq!(present(&setup), (false, true, false, false));
    assert!(!setup.config_out().exists() && !setup.secret_out().exists());
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

/// An export with every account given, in an environment where any AWS call fails:
/// the endpoint is a closed port and the profiles exist in no file.
fn offline_export(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let out = out.display().to_string();
    let config = dir.join("eksa-aws-config").display().to_string();
    let mut args = vec![
        "--region",
        REGION,
        "curated",
        "export",
        "--source-profile",
        "source",
        "--destination-profile",
        "destination",
        "--source-account",
        SOURCE_ACCOUNT,
        "--destination-account",
        DESTINATION_ACCOUNT,
        "--registry-account",
        REGISTRY,
        "--config-out",
        &config,
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    ecr_share(
        &[
            ("AWS_ENDPOINT_URL", closed_port()),
            ("AWS_CONFIG_FILE", dir.join("none").display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("none").display().to_string(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ],
        &args,
    )
}

#[test]
fn an_export_with_the_accounts_given_asks_aws_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/review");
    let output = offline_export(dir.path(), &out, &[]);
    assert_success(&output);
    let said = stdout(&output);
    assert!(
        said.contains("source: account 123456789012 (given; profile `source` was not asked)"),
        "{said}"
    );
    assert!(said.contains("Run:    bash '"), "{said}");
    assert_eq!(file_mode(&out.join("apply.sh")), 0o755);
    assert_eq!(file_mode(&out.join("teardown.sh")), 0o755);
    for document in [
        "curated-packages-policy.json",
        "curated-packages-trust-policy.json",
        "curated-packages-assume-role-policy.json",
        "ownership-tags.json",
    ] {
        assert_eq!(file_mode(&out.join(document)), 0o644, "{document}");
        let text = std::fs::read_to_string(out.join(document)).unwrap();
        serde_json::from_str::<Value>(&text).expect("each document is JSON");
    }
    let apply = std::fs::read_to_string(out.join("apply.sh")).unwrap();
    assert!(
        apply.contains(&dir.path().join("eksa-aws-config").display().to_string()),
        "the config file's absolute path is in the script"
    );
    // Without the registry account and without a way to ask for it, nothing is
    // written.
    let dir = tempfile::tempdir().unwrap();
    let output = ecr_share(
        &[],
        &[
            "--region",
            REGION,
            "curated",
            "export",
            "--source-profile",
            "s",
            "--destination-profile",
            "d",
            "--out",
            &dir.path().join("x").display().to_string(),
        ],
    );
    assert_failure(&output);
    assert!(
        stderr(&output).contains(
            "--registry-account ID (the production registry of us-east-1 is 331113665574)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("x").exists());
}

#[test]
fn the_output_folder_is_never_overwritten_or_written_through_a_link_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();

    let refused = offline_export(dir.path(), &out, &[]);
    assert_failure(&refused);
    assert!(
        stderr(&refused).contains("pass --overwrite"),
        "{}",
        stderr(&refused)
    );
    assert!(!out.join("apply.sh").exists());

    assert_success(&offline_export(dir.path(), &out, &["--overwrite"]));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::write(out.join("apply.sh"), "edited").unwrap();
    assert_success(&offline_export(dir.path(), &out, &["--overwrite"]));
    assert!(
        std::fs::read_to_string(out.join("apply.sh"))
            .unwrap()
            .starts_with("#!/usr/bin/env bash")
    );

    // One of its files is a link to someone else's file: nothing is written at all.
    let theirs = dir.path().join("theirs.sh");
    std::fs::write(&theirs, "theirs").unwrap();
    std::fs::remove_file(out.join("teardown.sh")).unwrap();
    std::os::unix::fs::symlink(&theirs, out.join("teardown.sh")).unwrap();
    std::fs::write(out.join("apply.sh"), "edited").unwrap();
    let refused = offline_export(dir.path(), &out, &["--overwrite"]);
    assert_failure(&refused);
    assert!(
        stderr(&refused).contains("symbolic link"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "theirs");
    assert_eq!(
        std::fs::read_to_string(out.join("apply.sh")).unwrap(),
        "edited"
    );

    // The folder itself a link: refused, even with --overwrite.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    let refused = offline_export(dir.path(), &link, &["--overwrite"]);
    assert_failure(&refused);
    assert!(
        stderr(&refused).contains("symbolic link"),
        "{}",
        stderr(&refused)
    );
}
