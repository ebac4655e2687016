//! `ecr-share grant` and `ecr-share revoke` end to end against the local AWS emulator:
//! the policy AWS holds afterwards, compared as parsed JSON, and what the operator is
//! told.

mod common;

use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use common::{DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, stderr, stdout};
use serde_json::{Value, json};

const REPOSITORY: &str = "team/app";
const OTHER_ACCOUNT: &str = "222222222222";

/// The emulator, its profiles, and an ECR client acting as the source account.
struct Setup {
    _moto: Moto,
    _dir: tempfile::TempDir,
    profiles: Profiles,
    ecr: aws_sdk_ecr::Client,
    runtime: tokio::runtime::Runtime,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&moto.url)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .build();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Setup {
            _moto: moto,
            _dir: dir,
            profiles,
            ecr: aws_sdk_ecr::Client::from_conf(config),
            runtime,
        }
    }

    /// A setup with the repository created in the source account.
    fn with_repository() -> Setup {
        let setup = Setup::new();
        setup.runtime.block_on(async {
            setup
                .ecr
                .create_repository()
                .repository_name(REPOSITORY)
                .send()
                .await
                .unwrap();
        });
        setup
    }

    fn set_policy(&self, text: &str) {
        self.runtime.block_on(async {
            self.ecr
                .set_repository_policy()
                .repository_name(REPOSITORY)
                .policy_text(text)
                .send()
                .await
                .unwrap();
        });
    }

    /// The policy text as the emulator holds it; `None` when there is none.
    fn policy_text(&self) -> Option<String> {
        self.runtime.block_on(async {
            match self
                .ecr
                .get_repository_policy()
                .repository_name(REPOSITORY)
                .send()
                .await
            {
                Ok(output) => output.policy_text,
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_repository_policy_not_found_exception()) =>
                {
                    None
                }
                Err(error) => panic!("reading the policy: {error:?}"),
            }
        })
    }

    fn policy(&self) -> Option<Value> {
        self.policy_text()
            .map(|text| serde_json::from_str(&text).expect("the policy is JSON"))
    }

    /// Runs `ecr-share` as the source profile in us-east-1.
    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--profile", "source", "--region", "us-east-1"];
        all.extend_from_slice(args);
        let output = self.profiles.run(&all);
        eprintln!(
            "ecr-share {}\n--- stdout\n{}--- stderr\n{}",
            all.join(" "),
            stdout(&output),
            stderr(&output)
        );
        output
    }

    fn grant(&self, access: &str, accounts: &[&str], extra: &[&str]) -> std::process::Output {
        let mut args = vec!["grant", "--repository", REPOSITORY, "--access", access];
        for account in accounts {
            args.extend(["--account", account]);
        }
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn revoke(&self, accounts: &[&str], extra: &[&str]) -> std::process::Output {
        let mut args = vec!["revoke", "--repository", REPOSITORY];
        for account in accounts {
            args.extend(["--account", account]);
        }
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

fn foreign_statement() -> Value {
    json!({
        "Sid": "CiPush",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:role/ci")},
        "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload"]
    })
}

fn foreign_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [foreign_statement()]})
}

fn pull_statement(accounts: &[&str]) -> Value {
    let arns: Vec<String> = accounts
        .iter()
        .map(|a| format!("arn:aws:iam::{a}:root"))
        .collect();
    json!({
        "Sid": "AllowPull",
        "Effect": "Allow",
        "Principal": {"AWS": if arns.len() == 1 { json!(arns[0]) } else { json!(arns) }},
        "Action": [
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "ecr:BatchCheckLayerAvailability"
        ]
    })
}

fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "exit {:?}\n{}\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

fn assert_failure(output: &std::process::Output) {
    assert!(
        !output.status.success(),
        "expected a failure\n{}",
        stdout(output)
    );
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

#[test]
fn grant_merges_into_the_policy_and_keeps_a_foreign_statement() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());

    let output = setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);

    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2012-10-17", "Statement": [
            foreign_statement(),
            pull_statement(&[DESTINATION_ACCOUNT]),
        ]})
    );
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "Acting in account {SOURCE_ACCOUNT} with profile `source`, region us-east-1"
        )),
        "{out}"
    );
    assert!(
        out.contains("+      \"Sid\": \"AllowPull\""),
        "the diff shows the new statement: {out}"
    );
    assert!(out.contains("ecr:SetRepositoryPolicy"), "{out}");
    assert!(out.contains(": done: "), "{out}");
    assert!(
        out.contains("read back: the policy is the one applied"),
        "{out}"
    );
    assert!(
        out.contains("aws ecr set-repository-policy --repository-name 'team/app'"),
        "{out}"
    );
}

#[test]
fn granting_again_reports_no_change_and_writes_nothing() {
    let setup = Setup::with_repository();
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    // Store the same policy as differently formatted text: a second write would
    // replace it with the tool's compact text.
    let pretty = serde_json::to_string_pretty(&setup.policy().unwrap()).unwrap();
    setup.set_policy(&pretty);

    let output = setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(
        out.contains("already grants this; nothing to change"),
        "{out}"
    );
    assert!(!out.contains("ecr:SetRepositoryPolicy"), "{out}");
    assert_eq!(setup.policy_text().unwrap(), pretty);
}

#[test]
fn granting_a_second_account_keeps_the_first() {
    let setup = Setup::with_repository();
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    assert_success(&setup.grant("pull", &[OTHER_ACCOUNT], &["--yes"]));
    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2008-10-17", "Statement": [pull_statement(&[DESTINATION_ACCOUNT, OTHER_ACCOUNT])]})
    );
}

#[test]
fn pull_and_push_and_pull_are_separate_statements() {
    let setup = Setup::with_repository();
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    assert_success(&setup.grant("pull-push", &[OTHER_ACCOUNT], &["--yes"]));
    let policy = setup.policy().unwrap();
    assert_eq!(
        policy["Statement"][0],
        pull_statement(&[DESTINATION_ACCOUNT])
    );
    assert_eq!(policy["Statement"][1]["Sid"], "AllowPullAndPush");
    assert_eq!(
        policy["Statement"][1]["Principal"]["AWS"],
        format!("arn:aws:iam::{OTHER_ACCOUNT}:root")
    );
}

#[test]
fn lambda_grant_adds_the_lambda_statement_for_the_region() {
    let setup = Setup::with_repository();
    let output = setup.grant("lambda", &[DESTINATION_ACCOUNT, OTHER_ACCOUNT], &["--yes"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("only within one region"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2008-10-17", "Statement": [
            pull_statement(&[DESTINATION_ACCOUNT, OTHER_ACCOUNT]),
            {
                "Sid": "AllowLambdaPull",
                "Effect": "Allow",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Condition": {"StringLike": {"aws:sourceARN": [
                    format!("arn:aws:lambda:us-east-1:{DESTINATION_ACCOUNT}:function:*"),
                    format!("arn:aws:lambda:us-east-1:{OTHER_ACCOUNT}:function:*"),
                ]}}
            }
        ]})
    );
}

#[test]
fn revoke_removes_exactly_the_grant() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    assert_success(&setup.grant("lambda", &[DESTINATION_ACCOUNT, OTHER_ACCOUNT], &["--yes"]));

    let output = setup.revoke(&[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    let policy = setup.policy().unwrap();
    assert_eq!(policy["Statement"][0], foreign_statement());
    assert_eq!(policy["Statement"][1], pull_statement(&[OTHER_ACCOUNT]));
    assert_eq!(
        policy["Statement"][2]["Condition"]["StringLike"]["aws:sourceARN"],
        format!("arn:aws:lambda:us-east-1:{OTHER_ACCOUNT}:function:*")
    );

    assert_success(&setup.revoke(&[OTHER_ACCOUNT], &["--yes"]));
    assert_eq!(setup.policy().unwrap(), foreign_policy());
}

#[test]
fn revoke_deletes_the_policy_when_only_the_grant_was_there() {
    let setup = Setup::with_repository();
    assert_success(&setup.grant("pull-push", &[DESTINATION_ACCOUNT], &["--yes"]));
    let output = setup.revoke(&[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    assert_eq!(setup.policy_text(), None);
    let out = stdout(&output);
    assert!(out.contains("ecr:DeleteRepositoryPolicy"), "{out}");
    assert!(
        out.contains("read back: the repository has no policy"),
        "{out}"
    );
    assert!(
        out.contains("aws ecr set-repository-policy"),
        "the restore command: {out}"
    );
}

#[test]
fn revoking_an_account_without_a_grant_changes_nothing() {
    let setup = Setup::with_repository();
    let foreign = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "Partner",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{DESTINATION_ACCOUNT}:root")},
        "Action": "ecr:BatchGetImage"
    }]})
    .to_string();
    setup.set_policy(&foreign);
    let output = setup.revoke(&[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("nothing to change"), "{out}");
    assert!(
        out.contains(
            "statement `Partner` was not written by ecr-share and still names account 999999999999"
        ),
        "{out}"
    );
    assert_eq!(setup.policy_text().unwrap(), foreign);
}

#[test]
fn a_missing_repository_is_a_clear_error() {
    let setup = Setup::new();
    let output = setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(err.contains("RepositoryNotFoundException"), "{err}");
    assert!(
        err.contains(&format!(
            "there is no repository `{REPOSITORY}` in account {SOURCE_ACCOUNT}, region us-east-1"
        )),
        "{err}"
    );
    assert!(err.contains("Nothing was changed"), "{err}");
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_applied() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    // The test harness runs the command with standard input closed, not a terminal.
    let output = setup.grant("pull", &[DESTINATION_ACCOUNT], &[]);
    assert_failure(&output);
    let err = stderr(&output);
    assert!(err.contains("standard input is not a terminal"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(setup.policy_text().unwrap(), foreign_policy().to_string());
}

#[test]
fn dry_run_shows_the_change_and_changes_nothing() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    let output = setup.grant("pull", &[DESTINATION_ACCOUNT], &["--dry-run"]);
    assert_success(&output);
    let out = stdout(&output);
    assert!(out.contains("+      \"Sid\": \"AllowPull\""), "{out}");
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert!(!out.contains("ecr:SetRepositoryPolicy"), "{out}");
    assert_eq!(setup.policy_text().unwrap(), foreign_policy().to_string());

    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    let before = setup.policy_text();
    let output = setup.revoke(&[DESTINATION_ACCOUNT], &["--dry-run", "--yes"]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("-      \"Sid\": \"AllowPull\""),
        "{}",
        stdout(&output)
    );
    assert_eq!(setup.policy_text(), before);
}

#[test]
fn a_single_statement_object_and_extra_keys_survive() {
    let setup = Setup::with_repository();
    let single =
        json!({"Version": "2012-10-17", "Id": "team-policy", "Statement": foreign_statement()});
    setup.set_policy(&single.to_string());
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2012-10-17", "Id": "team-policy", "Statement": [
            foreign_statement(),
            pull_statement(&[DESTINATION_ACCOUNT]),
        ]})
    );
}

#[test]
fn bad_input_is_refused_before_any_call() {
    let output = common::ecr_share_command()
        .args([
            "grant",
            "--repository",
            "team/app",
            "--account",
            "12345",
            "--access",
            "pull",
            "--yes",
        ])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_failure(&output);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("ecr-share: --account: account 1 ('12345')"),
        "{err}"
    );
}

const PULL_ACTIONS: [&str; 3] = [
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
];

/// An organization-wide pull that carries the tool's Sid: not the tool's statement.
fn organization_pull() -> Value {
    json!({
        "Sid": "AllowPull",
        "Effect": "Allow",
        "Principal": "*",
        "Action": PULL_ACTIONS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    })
}

/// A Deny that carries the tool's Sid.
fn deny_under_the_pull_sid() -> Value {
    json!({
        "Sid": "AllowPull",
        "Effect": "Deny",
        "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
        "Action": PULL_ACTIONS
    })
}

/// A guard that denies pushing to everyone but the owner, under the tool's Sid.
fn push_guard() -> Value {
    json!({
        "Sid": "AllowPullAndPush",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:root")},
        "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]
    })
}

/// Whether any statement lets every principal in without a condition.
fn has_unconditional_public_statement(policy: &Value) -> bool {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    statements.iter().any(|s| {
        let principal = &s["Principal"];
        let star = principal == "*"
            || principal["AWS"] == "*"
            || principal["AWS"]
                .as_array()
                .is_some_and(|list| list.iter().any(|p| p == "*"));
        s["Effect"] == "Allow" && star && s.get("Condition").is_none()
    })
}

/// Grants two accounts, one at a time, next to a statement that carries the tool's
/// Sid but is not the tool's, then revokes both: the statement is never changed, the
/// grant lives in `own_sid`, and the output says why.
fn grant_and_revoke_beside(look_alike: Value, access: &str, own_sid: &str, why: &str) {
    let setup = Setup::with_repository();
    let original = json!({"Version": "2012-10-17", "Statement": [look_alike.clone()]});
    setup.set_policy(&original.to_string());
    let look_alike_sid = look_alike["Sid"].as_str().unwrap();
    let own = |accounts: &[&str]| {
        let mut statement = if access == "pull" {
            pull_statement(accounts)
        } else {
            let mut statement = pull_statement(accounts);
            statement["Action"] = json!([
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability",
                "ecr:PutImage",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload"
            ]);
            statement
        };
        statement["Sid"] = json!(own_sid);
        statement
    };

    let output = setup.grant(access, &[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    let policy = setup.policy().unwrap();
    assert_eq!(
        policy,
        json!({"Version": "2012-10-17", "Statement": [look_alike.clone(), own(&[DESTINATION_ACCOUNT])]})
    );
    assert!(!has_unconditional_public_statement(&policy), "{policy}");
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "Note: statement `{look_alike_sid}` {why}, so it is not ecr-share's: it is kept as it is and the grant goes into `{own_sid}`"
        )),
        "{out}"
    );

    // A second grant extends the same statement.
    assert_success(&setup.grant(access, &[OTHER_ACCOUNT], &["--yes"]));
    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2012-10-17", "Statement": [
            look_alike.clone(),
            own(&[DESTINATION_ACCOUNT, OTHER_ACCOUNT]),
        ]})
    );

    // Revoke finds it too, and leaves the look-alike alone.
    let output = setup.revoke(&[DESTINATION_ACCOUNT, OTHER_ACCOUNT], &["--yes"]);
    assert_success(&output);
    assert_eq!(setup.policy().unwrap(), original);
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "Note: statement `{look_alike_sid}` {why}, so it is not ecr-share's: revoke leaves it as it is"
        )),
        "{out}"
    );
}

#[test]
fn an_organization_pull_under_the_tools_sid_is_kept_and_never_made_public() {
    grant_and_revoke_beside(
        organization_pull(),
        "pull",
        "AllowPull2",
        "has a condition (aws:PrincipalOrgID) and lets any principal in (\"Principal\": \"*\")",
    );
}

#[test]
fn a_deny_under_the_tools_sid_stays_a_deny() {
    grant_and_revoke_beside(
        deny_under_the_pull_sid(),
        "pull",
        "AllowPull2",
        "has \"Effect\": \"Deny\"",
    );
}

#[test]
fn a_deny_not_principal_guard_under_the_tools_sid_is_kept() {
    grant_and_revoke_beside(
        push_guard(),
        "pull-push",
        "AllowPullAndPush2",
        "has \"Effect\": \"Deny\", has NotPrincipal, has no Principal and allows other actions than ecr-share's pull and push actions",
    );
}

#[test]
fn revoke_says_which_other_statements_may_still_let_the_account_in() {
    let setup = Setup::with_repository();
    let policy = json!({"Version": "2012-10-17", "Statement": [
        organization_pull(),
        {
            "Sid": "PartnerFunctions",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringLike": {"aws:sourceARN": format!("arn:aws:lambda:us-east-1:{DESTINATION_ACCOUNT}:function:*")}}
        },
        {
            "Sid": "EveryoneButAuditors",
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::444444444444:root"},
            "Action": "ecr:BatchGetImage"
        }
    ]});
    setup.set_policy(&policy.to_string());
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));

    let output = setup.revoke(&[DESTINATION_ACCOUNT], &["--yes"]);
    assert_success(&output);
    assert_eq!(setup.policy().unwrap(), policy);
    let out = stdout(&output);
    for note in [
        format!(
            "statement `AllowPull` was not written by ecr-share and lets any principal in, limited only by its conditions (aws:PrincipalOrgID), so account {DESTINATION_ACCOUNT} may still have access through it"
        ),
        format!(
            "statement `PartnerFunctions` was not written by ecr-share and still lets Lambda functions of account {DESTINATION_ACCOUNT} in (arn:aws:lambda:us-east-1:{DESTINATION_ACCOUNT}:function:*)"
        ),
        format!(
            "statement `EveryoneButAuditors` was not written by ecr-share and allows every principal except those under its NotPrincipal, so account {DESTINATION_ACCOUNT} may still have access through it"
        ),
    ] {
        assert!(out.contains(&note), "{note}\n{out}");
    }
}

#[test]
fn a_policy_with_two_statement_keys_is_refused_and_left_as_it_is() {
    let setup = Setup::with_repository();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}],"Statement":[{}]}}"#,
        push_guard(),
        foreign_statement()
    );
    setup.set_policy(&text);
    for output in [
        setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]),
        setup.revoke(&[DESTINATION_ACCOUNT], &["--yes"]),
    ] {
        assert_failure(&output);
        let err = stderr(&output);
        assert!(
            err.contains("`Statement` appears twice in the policy document"),
            "{err}"
        );
        assert!(err.contains("Nothing was changed"), "{err}");
        assert!(!stdout(&output).contains("ecr:SetRepositoryPolicy"));
        assert_eq!(setup.policy_text().unwrap(), text);
    }
}

/// Runs `grant --yes` as the source profile with standard output going to `stdout`.
fn grant_with_stdout(setup: &Setup, stdout: std::process::Stdio) -> std::process::Child {
    common::ecr_share_command()
        .envs(setup.profiles.env())
        .args([
            "--profile",
            "source",
            "--region",
            "us-east-1",
            "grant",
            "--repository",
            REPOSITORY,
            "--account",
            DESTINATION_ACCOUNT,
            "--access",
            "pull",
            "--yes",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ecr-share starts")
}

/// Output that could not be written fails the command, which still finishes the
/// change and says on standard error that it was made.
fn assert_applied_without_stdout(setup: &Setup, output: &std::process::Output) {
    let err = stderr(output);
    assert_ne!(output.status.code(), Some(101), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("standard output could not be written"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "the policy of `{REPOSITORY}` WAS changed all the same"
        )),
        "{err}"
    );
    assert_eq!(
        setup.policy().unwrap(),
        json!({"Version": "2012-10-17", "Statement": [
            foreign_statement(),
            pull_statement(&[DESTINATION_ACCOUNT]),
        ]})
    );
}

#[test]
fn grant_into_a_closed_pipe_applies_and_does_not_panic() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    let mut child = grant_with_stdout(&setup, std::process::Stdio::piped());
    // Nobody reads: the pipe is closed before the command prints anything.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_applied_without_stdout(&setup, &output);
}

#[test]
fn grant_onto_a_full_disk_applies_and_does_not_panic() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full is there");
    let output = grant_with_stdout(&setup, full.into())
        .wait_with_output()
        .unwrap();
    assert_applied_without_stdout(&setup, &output);
}

#[test]
fn a_dry_run_into_a_closed_pipe_says_nothing_was_changed() {
    let setup = Setup::with_repository();
    setup.set_policy(&foreign_policy().to_string());
    assert_success(&setup.grant("pull", &[DESTINATION_ACCOUNT], &["--yes"]));
    let granted = setup.policy_text();
    let mut child = common::ecr_share_command()
        .envs(setup.profiles.env())
        .args([
            "--profile",
            "source",
            "--region",
            "us-east-1",
            "revoke",
            "--repository",
            REPOSITORY,
            "--account",
            DESTINATION_ACCOUNT,
            "--dry-run",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ecr-share starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("the policy of `{REPOSITORY}` was not changed")),
        "{err}"
    );
    assert_eq!(setup.policy_text(), granted);
}
