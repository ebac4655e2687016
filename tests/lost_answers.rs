//! Calls that take effect but whose answer is lost, against the local AWS emulator
//! behind a fault-injecting proxy (tests/common/proxy.rs): nothing is sent twice
//! blindly, what happened is read back, and no report says "nothing was changed"
//! unless it checked. Also: restore refuses after a foreign change, and what the tool
//! creates in IAM carries its ownership tags.

mod common;

use std::time::Duration;

use aws_sdk_ecr::config::retry::RetryConfig;
use aws_sdk_ecr::config::timeout::TimeoutConfig;
use common::aws::{access_keys, block_on};
use common::proxy::Proxy;
use common::{DESTINATION_ACCOUNT, Moto, SOURCE_ACCOUNT, stderr, stdout};
use ecr_share::aws::ecr::{self, Ecr};
use ecr_share::aws::iam::{self, Iam};
use ecr_share::aws::{ATTEMPT_TIMEOUT, CallReport, MAX_ATTEMPTS, Outcome};
use ecr_share::core::documents::{self, Access};
use ecr_share::core::merge::Grant;
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, IamKind, IamName, Region, RepositoryName};
use serde_json::{Value, json};

const REPOSITORY: &str = "team/app";
const USER: &str = "curated-packages-user";

/// The tool's retry settings (standard, three attempts) with a short backoff, so an
/// SDK retry burst would show in the proxy's record.
fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn timeouts(attempt: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(attempt)
        .build()
}

/// An IAM client for `endpoint` as the plain keys (account 123456789012), or with the
/// keys given.
fn iam_client(
    endpoint: &str,
    keys: Option<(String, String, String)>,
    attempt: Duration,
) -> aws_sdk_iam::Client {
    let credentials = match keys {
        Some((key, secret, token)) => {
            aws_sdk_iam::config::Credentials::new(key, secret, Some(token), None, "tests")
        }
        None => aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "tests"),
    };
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .retry_config(retries())
        .timeout_config(timeouts(attempt))
        .build();
    aws_sdk_iam::Client::from_conf(config)
}

fn ecr_client(endpoint: &str) -> aws_sdk_ecr::Client {
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
        .region(aws_sdk_ecr::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_ecr::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .retry_config(retries())
        .timeout_config(timeouts(ATTEMPT_TIMEOUT))
        .build();
    aws_sdk_ecr::Client::from_conf(config)
}

fn tool_iam(client: aws_sdk_iam::Client, account: &str) -> Iam {
    Iam::with_client(client, Partition::Aws, AccountId::parse(account).unwrap())
}

fn name(kind: IamKind, text: &str) -> IamName {
    IamName::parse(kind, text).unwrap()
}

fn repository() -> RepositoryName {
    RepositoryName::parse(REPOSITORY).unwrap()
}

fn pull_grant() -> Grant {
    Grant {
        access: Access::Pull,
        accounts: vec![AccountId::parse(DESTINATION_ACCOUNT).unwrap()],
        organizations: Vec::new(),
        region: Region::parse("us-east-1").unwrap(),
    }
}

fn create_repository(ecr: &aws_sdk_ecr::Client) {
    block_on(async {
        ecr.create_repository()
            .repository_name(REPOSITORY)
            .send()
            .await
            .unwrap();
    });
}

fn set_policy(ecr: &aws_sdk_ecr::Client, text: &str) {
    block_on(async {
        ecr.set_repository_policy()
            .repository_name(REPOSITORY)
            .policy_text(text)
            .send()
            .await
            .unwrap();
    });
}

/// The policy the emulator holds, parsed; `None` when there is none.
fn policy(ecr: &aws_sdk_ecr::Client) -> Option<Value> {
    block_on(async {
        match ecr
            .get_repository_policy()
            .repository_name(REPOSITORY)
            .send()
            .await
        {
            Ok(output) => output
                .policy_text
                .map(|t| serde_json::from_str(&t).unwrap()),
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

fn foreign_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "CiPush", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:root")},
        "Action": "ecr:PutImage"
    }]})
}

fn says_nothing_changed(text: &str) -> bool {
    text.to_ascii_lowercase().contains("nothing was changed")
}

fn no_report_says_nothing_changed(reports: &[CallReport]) {
    for report in reports {
        assert!(
            !says_nothing_changed(&report.outcome.detail()),
            "{report:?}"
        );
    }
}

/// The IAM actions the proxy saw, without STS.
fn iam_actions(proxy: &Proxy) -> Vec<String> {
    proxy
        .seen()
        .into_iter()
        .filter(|a| a != "GetCallerIdentity" && a != "AssumeRole")
        .collect()
}

fn lost_create_access_key_leaves_one_readable_key(proxy_setup: impl Fn(&Proxy), attempt: Duration) {
    let moto = Moto::start();
    let direct = iam_client(&moto.url, None, ATTEMPT_TIMEOUT);
    block_on(async {
        direct.create_user().user_name(USER).send().await.unwrap();
    });
    let proxy = Proxy::start(&moto.url);
    proxy_setup(&proxy);
    let iam = tool_iam(iam_client(proxy.url(), None, attempt), SOURCE_ACCOUNT);

    let created = block_on(iam.create_access_key(&name(IamKind::User, USER)));

    let pair = created.key.as_ref().unwrap_or_else(|| {
        panic!("a key is created: {created:?}");
    });
    assert!(
        matches!(created.report.outcome, Outcome::Done(_)),
        "{created:?}"
    );
    assert!(!pair.secret_access_key.expose().is_empty());
    assert_eq!(
        access_keys(&direct, USER),
        std::slice::from_ref(&pair.access_key_id)
    );

    assert_eq!(proxy.lost(), ["CreateAccessKey"]);
    assert_eq!(
        iam_actions(&proxy),
        [
            "ListAccessKeys",
            "CreateAccessKey",
            "ListAccessKeys",
            "DeleteAccessKey",
            "CreateAccessKey",
        ],
        "the lost call, the read-back, the deletion of the stray key, one fresh call; no retry burst"
    );
    let calls: Vec<&str> = created.recovered.iter().map(|r| r.call.as_str()).collect();
    assert_eq!(
        calls,
        [
            "iam:CreateAccessKey",
            "iam:ListAccessKeys",
            "iam:DeleteAccessKey"
        ]
    );
    let deleted = created.recovered[2].outcome.detail();
    assert!(
        deleted.contains("appeared and was deleted because its secret can never be read"),
        "{deleted}"
    );
    assert!(!deleted.contains(&pair.access_key_id), "{deleted}");
    let everything = format!("{created:?}");
    assert!(!everything.contains(pair.secret_access_key.expose()));
}

#[test]
fn a_lost_create_access_key_answer_leaves_exactly_the_returned_key() {
    lost_create_access_key_leaves_one_readable_key(
        |proxy| proxy.lose_answer("CreateAccessKey", 1),
        ATTEMPT_TIMEOUT,
    );
}

#[test]
fn a_create_access_key_answer_held_past_the_attempt_timeout_is_read_back() {
    lost_create_access_key_leaves_one_readable_key(
        |proxy| proxy.hold_answer("CreateAccessKey", 1, Duration::from_secs(3)),
        Duration::from_millis(700),
    );
}

#[test]
fn a_lost_set_repository_policy_answer_is_read_back_as_applied() {
    let moto = Moto::start();
    let direct = ecr_client(&moto.url);
    create_repository(&direct);
    set_policy(&direct, &foreign_policy().to_string());
    let proxy = Proxy::start(&moto.url);
    let ecr = Ecr::from_client(ecr_client(proxy.url()));

    let plan = block_on(ecr.plan_grant(&repository(), &pull_grant())).unwrap();
    proxy.lose_answer("SetRepositoryPolicy", 1);
    let reports = block_on(ecr.apply(&plan));

    let calls: Vec<&str> = reports.iter().map(|r| r.call.as_str()).collect();
    assert_eq!(
        calls,
        [
            "ecr:GetRepositoryPolicy",
            "ecr:SetRepositoryPolicy",
            "ecr:GetRepositoryPolicy"
        ],
        "{reports:?}"
    );
    assert_eq!(
        reports[1].outcome,
        Outcome::Done("applied; the answer was lost, the read-back shows the new policy".into())
    );
    assert!(matches!(reports[2].outcome, Outcome::Ok(_)), "{reports:?}");
    no_report_says_nothing_changed(&reports);
    assert!(ecr::may_have_changed(&reports));
    assert_eq!(policy(&direct), plan.change.policy);
    assert_eq!(proxy.lost(), ["SetRepositoryPolicy"]);
    assert_eq!(proxy.count("SetRepositoryPolicy"), 1, "sent once");
}

#[test]
fn a_lost_delete_repository_policy_answer_during_restore_is_read_back() {
    let moto = Moto::start();
    let direct = ecr_client(&moto.url);
    create_repository(&direct);
    let proxy = Proxy::start(&moto.url);
    let ecr = Ecr::from_client(ecr_client(proxy.url()));
    let plan = block_on(ecr.plan_grant(&repository(), &pull_grant())).unwrap();
    block_on(ecr.apply(&plan));
    let applied = plan.change.policy_text();
    assert!(policy(&direct).is_some());

    proxy.lose_answer("DeleteRepositoryPolicy", 1);
    let reports = block_on(ecr.restore(&repository(), None, applied.as_deref()));

    let written = reports
        .iter()
        .find(|r| r.call == "ecr:DeleteRepositoryPolicy")
        .unwrap_or_else(|| panic!("{reports:?}"));
    assert_eq!(
        written.outcome,
        Outcome::Done("deleted; the answer was lost, the read-back shows no policy".into())
    );
    assert!(
        reports.iter().all(|r| !r.outcome.is_failure()),
        "{reports:?}"
    );
    assert_eq!(policy(&direct), None);
    assert_eq!(proxy.count("DeleteRepositoryPolicy"), 1);
}

#[test]
fn grant_through_the_binary_with_a_lost_answer_reports_it_applied() {
    let moto = Moto::start();
    let direct = ecr_client(&moto.url);
    create_repository(&direct);
    set_policy(&direct, &foreign_policy().to_string());
    let dir = tempfile::tempdir().unwrap();
    let mut profiles = moto.profiles(dir.path());
    let proxy = Proxy::start(&moto.url);
    profiles.endpoint = proxy.url().to_string();
    proxy.lose_answer("SetRepositoryPolicy", 1);

    let output = profiles.run(&[
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
    ]);
    let (out, err) = (stdout(&output), stderr(&output));
    eprintln!("--- stdout\n{out}--- stderr\n{err}");

    assert!(output.status.success(), "{out}{err}");
    assert!(!says_nothing_changed(&out), "{out}");
    assert!(!says_nothing_changed(&err), "{err}");
    assert!(
        out.contains("the answer was lost, the read-back shows the new policy"),
        "{out}"
    );
    assert_eq!(proxy.lost(), ["SetRepositoryPolicy"]);
    assert_eq!(proxy.count("SetRepositoryPolicy"), 1);
    let held = policy(&direct).unwrap();
    let statements = held["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{held}");
    assert_eq!(statements[0], foreign_policy()["Statement"][0]);
    assert!(
        statements[1].to_string().contains(DESTINATION_ACCOUNT),
        "{held}"
    );
}

#[test]
fn restore_refuses_when_the_policy_changed_since_the_tool_applied_it() {
    let moto = Moto::start();
    let direct = ecr_client(&moto.url);
    create_repository(&direct);
    let before = foreign_policy().to_string();
    set_policy(&direct, &before);
    let ecr = Ecr::from_client(ecr_client(&moto.url));
    let plan = block_on(ecr.plan_grant(&repository(), &pull_grant())).unwrap();
    block_on(ecr.apply(&plan));
    let applied = plan.change.policy_text().unwrap();

    // Somebody else adds a statement after the grant.
    let mut theirs = plan.change.policy.clone().unwrap();
    theirs["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "Added", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "ecr:BatchGetImage"
    }));
    set_policy(&direct, &theirs.to_string());

    let reports = block_on(ecr.restore(&repository(), Some(&before), Some(&applied)));
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].call, "ecr:GetRepositoryPolicy");
    let Outcome::Differs(text) = &reports[0].outcome else {
        panic!("{reports:?}")
    };
    assert!(text.contains("changed since ecr-share applied"), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(
        policy(&direct),
        Some(theirs.clone()),
        "their change is kept"
    );
    assert!(!ecr::may_have_changed(&reports));

    // Their statement gone again: the policy is the applied one, and restore goes ahead.
    set_policy(&direct, &applied);
    let reports = block_on(ecr.restore(&repository(), Some(&before), Some(&applied)));
    assert!(
        reports
            .iter()
            .all(|r| !r.outcome.is_failure() && !matches!(r.outcome, Outcome::Differs(_))),
        "{reports:?}"
    );
    assert_eq!(policy(&direct), Some(foreign_policy()));
}

/// The tags IAM holds on an entity, as (key, value).
fn tags(list: Vec<aws_sdk_iam::types::Tag>) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = list
        .into_iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    tags.sort();
    tags
}

fn ownership() -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = iam::OWNERSHIP_TAGS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tags.sort();
    tags
}

#[test]
fn what_the_tool_creates_in_iam_carries_its_tags() {
    let moto = Moto::start();
    assert_eq!(
        ownership(),
        [
            (
                "ecr-share:procedure".to_string(),
                "curated-packages".to_string()
            ),
            ("managed-by".to_string(), "ecr-share".to_string()),
        ]
    );
    let source_client = iam_client(&moto.url, None, ATTEMPT_TIMEOUT);
    let destination_client = iam_client(
        &moto.url,
        Some(moto.assume_into(DESTINATION_ACCOUNT)),
        ATTEMPT_TIMEOUT,
    );
    let source = tool_iam(source_client.clone(), SOURCE_ACCOUNT);
    let destination = tool_iam(destination_client.clone(), DESTINATION_ACCOUNT);
    let registry = AccountId::parse("346438352937").unwrap();
    let read_policy = documents::ecr_read_policy(Some(Partition::Aws), Some(&registry));
    let trust = documents::trust_policy(
        Some(Partition::Aws),
        Some(&AccountId::parse(DESTINATION_ACCOUNT).unwrap()),
    );
    let policy_name = name(IamKind::Policy, "curated-packages-policy");
    let role_name = name(IamKind::Role, "curated-packages-role");
    let user_name = name(IamKind::User, USER);

    let policy = block_on(source.ensure_policy(&policy_name, &read_policy));
    let role = block_on(source.ensure_role(&role_name, &trust));
    let user = block_on(destination.ensure_user(&user_name));
    for ensured in [&policy, &role, &user] {
        assert!(
            matches!(ensured.report.outcome, Outcome::Done(_)),
            "{ensured:?}"
        );
        assert_eq!(ensured.managed, Some(true));
    }

    let (policy_tags, role_tags, user_tags) = block_on(async {
        let policy_tags = source_client
            .list_policy_tags()
            .policy_arn(policy.arn.clone().unwrap())
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec();
        let role_tags = source_client
            .list_role_tags()
            .role_name(role_name.as_str())
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec();
        let user_tags = destination_client
            .list_user_tags()
            .user_name(user_name.as_str())
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec();
        (policy_tags, role_tags, user_tags)
    });
    assert_eq!(tags(policy_tags), ownership());
    assert_eq!(tags(role_tags), ownership());
    assert_eq!(tags(user_tags), ownership());

    // Found again: reused, and known to be the tool's.
    for ensured in [
        block_on(source.ensure_policy(&policy_name, &read_policy)),
        block_on(source.ensure_role(&role_name, &trust)),
        block_on(destination.ensure_user(&user_name)),
    ] {
        assert!(
            matches!(ensured.report.outcome, Outcome::AlreadyExisted(_)),
            "{ensured:?}"
        );
        assert_eq!(ensured.managed, Some(true), "{ensured:?}");
        assert!(!ensured.report.outcome.detail().contains("not created by"));
    }
}

#[test]
fn an_untagged_entity_is_reported_as_not_created_by_the_tool() {
    let moto = Moto::start();
    let client = iam_client(&moto.url, None, ATTEMPT_TIMEOUT);
    let iam = tool_iam(client.clone(), SOURCE_ACCOUNT);
    let trust = documents::trust_policy(
        Some(Partition::Aws),
        Some(&AccountId::parse(DESTINATION_ACCOUNT).unwrap()),
    );
    let other = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"
    }]});
    block_on(async {
        client
            .create_role()
            .role_name("curated-packages-role")
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap();
        client
            .create_policy()
            .policy_name("curated-packages-policy")
            .policy_document(other.to_string())
            .send()
            .await
            .unwrap();
        client.create_user().user_name(USER).send().await.unwrap();
    });

    let role = block_on(iam.ensure_role(&name(IamKind::Role, "curated-packages-role"), &trust));
    assert!(
        matches!(role.report.outcome, Outcome::AlreadyExisted(_)),
        "{role:?}"
    );
    assert_eq!(role.managed, Some(false));
    assert!(
        role.report
            .outcome
            .detail()
            .contains("(not created by ecr-share)")
    );

    let registry = AccountId::parse("346438352937").unwrap();
    let wanted = documents::ecr_read_policy(Some(Partition::Aws), Some(&registry));
    let policy =
        block_on(iam.ensure_policy(&name(IamKind::Policy, "curated-packages-policy"), &wanted));
    assert!(
        matches!(policy.report.outcome, Outcome::Differs(_)),
        "{policy:?}"
    );
    assert_eq!(policy.managed, Some(false));
    assert!(
        policy
            .report
            .outcome
            .detail()
            .contains("(not created by ecr-share)")
    );

    let user = block_on(iam.ensure_user(&name(IamKind::User, USER)));
    assert_eq!(user.managed, Some(false), "{user:?}");
    assert!(
        user.report
            .outcome
            .detail()
            .contains("(not created by ecr-share)")
    );
}

#[test]
fn a_lost_create_policy_version_answer_reports_the_version_it_made() {
    let moto = Moto::start();
    let direct = iam_client(&moto.url, None, ATTEMPT_TIMEOUT);
    let iam_direct = tool_iam(direct.clone(), SOURCE_ACCOUNT);
    let policy_name = name(IamKind::Policy, "curated-packages-policy");
    let first = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"
    }]});
    let created = block_on(iam_direct.ensure_policy(&policy_name, &first));
    let arn = created.arn.unwrap();
    let proxy = Proxy::start(&moto.url);
    proxy.lose_answer("CreatePolicyVersion", 1);
    let iam = tool_iam(
        iam_client(proxy.url(), None, ATTEMPT_TIMEOUT),
        SOURCE_ACCOUNT,
    );
    let registry = AccountId::parse("346438352937").unwrap();
    let wanted = documents::ecr_read_policy(Some(Partition::Aws), Some(&registry));

    let reports = block_on(iam.update_policy(&arn, &wanted));

    let last = reports.last().unwrap();
    assert_eq!(last.call, "iam:CreatePolicyVersion");
    assert_eq!(
        last.outcome,
        Outcome::Done(
            "v2 is now the default version; the answer was lost, the read-back shows it".into()
        )
    );
    assert_eq!(proxy.count("CreatePolicyVersion"), 1, "sent once");
    let versions = block_on(async {
        direct
            .list_policy_versions()
            .policy_arn(&arn)
            .send()
            .await
            .unwrap()
            .versions()
            .len()
    });
    assert_eq!(versions, 2, "one new version, not one per attempt");
}
