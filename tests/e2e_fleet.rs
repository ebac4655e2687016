//! `ecr-share grant` and `revoke` over several repositories and to whole organizations,
//! end to end against the local AWS emulator: what each policy holds afterwards
//! (compared as parsed JSON), what the operator is told, and the exit code. A
//! fault-injecting proxy (tests/common/proxy.rs) loses an answer or lets another
//! writer change a policy between the tool's read and its write, on one repository
//! of several.

mod common;

use common::aws::{block_on, ecr_client, repository_policy};
use common::proxy::Proxy;
use common::{DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, stderr, stdout};
use serde_json::{Value, json};

const OTHER_ACCOUNT: &str = "222222222222";
const ORGANIZATION: &str = "o-a1b2c3d4e5";
const OTHER_ORGANIZATION: &str = "o-zzzzzzzzzz";
const PULL_ACTIONS: [&str; 3] = [
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
];

/// The emulator, its profiles and an ECR client straight to it, as the source account.
struct Fleet {
    moto: Moto,
    _dir: tempfile::TempDir,
    profiles: Profiles,
    ecr: aws_sdk_ecr::Client,
}

impl Fleet {
    /// The emulator with these repositories, each holding `foreign_policy(name)`.
    fn with(repositories: &[&str]) -> Fleet {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let ecr = ecr_client(&moto.url, None);
        let fleet = Fleet {
            moto,
            _dir: dir,
            profiles,
            ecr,
        };
        for repository in repositories {
            fleet.create(repository);
            fleet.set_policy(repository, &foreign_policy(repository).to_string());
        }
        fleet
    }

    fn create(&self, repository: &str) {
        block_on(
            self.ecr
                .create_repository()
                .repository_name(repository)
                .send(),
        )
        .unwrap();
    }

    fn set_policy(&self, repository: &str, text: &str) {
        set_policy(&self.ecr, repository, text);
    }

    fn policy(&self, repository: &str) -> Option<Value> {
        repository_policy(&self.ecr, repository)
    }

    /// Runs `ecr-share` as the source profile in us-east-1, through `endpoint` when
    /// given (a proxy) instead of the emulator itself.
    fn run_through(&self, endpoint: Option<&str>, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--profile", "source", "--region", "us-east-1"];
        all.extend_from_slice(args);
        let output = match endpoint {
            Some(url) => Profiles {
                config: self.profiles.config.clone(),
                credentials: self.profiles.credentials.clone(),
                endpoint: url.to_string(),
            }
            .run(&all),
            None => self.profiles.run(&all),
        };
        eprintln!(
            "ecr-share {}\n--- exit {:?}\n--- stdout\n{}--- stderr\n{}",
            all.join(" "),
            output.status.code(),
            stdout(&output),
            stderr(&output)
        );
        output
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.run_through(None, args)
    }
}

fn set_policy(ecr: &aws_sdk_ecr::Client, repository: &str, text: &str) {
    block_on(
        ecr.set_repository_policy()
            .repository_name(repository)
            .policy_text(text)
            .send(),
    )
    .unwrap();
}

/// `--repository` for each name.
fn repository_args<'a>(repositories: &[&'a str]) -> Vec<&'a str> {
    repositories
        .iter()
        .flat_map(|r| ["--repository", r])
        .collect()
}

/// A statement somebody else wrote, different in each repository.
fn foreign_statement(repository: &str) -> Value {
    json!({
        "Sid": format!("Builds{}", repository.len()),
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:role/{}", repository.replace('/', "-"))},
        "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload"],
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": repository}}
    })
}

fn foreign_policy(repository: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [foreign_statement(repository)]})
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
        "Action": PULL_ACTIONS
    })
}

fn organization_pull(sid: &str, organizations: &[&str]) -> Value {
    let ids = if organizations.len() == 1 {
        json!(organizations[0])
    } else {
        json!(organizations)
    };
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*",
        "Action": PULL_ACTIONS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids}}
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
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

/// Whether any statement lets every principal in with no condition at all.
fn has_unconditional_star(policy: &Value) -> bool {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    statements.iter().any(|s| {
        let star = s["Principal"] == "*" || s["Principal"]["AWS"] == "*";
        s["Effect"] == "Allow" && star && s.get("Condition").is_none()
    })
}

const THREE: [&str; 3] = ["team/api", "team/web", "tools/builder"];

#[test]
fn a_grant_and_a_revoke_over_three_repositories_keep_each_foreign_statement() {
    let fleet = Fleet::with(&THREE);
    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--account",
        OTHER_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run(&args);
    assert_success(&output);
    for repository in THREE {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [
                foreign_statement(repository),
                pull_statement(&[DESTINATION_ACCOUNT, OTHER_ACCOUNT]),
            ]}),
            "{repository}"
        );
    }
    let out = stdout(&output);
    assert!(
        out.contains(
            "Granting pull access to 3 repositories (`team/api`, `team/web`, `tools/builder`) for accounts 999999999999, 222222222222."
        ),
        "{out}"
    );
    // Every diff first, then one block that names each repository and who gains what,
    // then the writes, each with its own restore command.
    let last_diff = out.rfind("Change to the policy of").unwrap();
    let block = out
        .find("3 of the 3 repositories change, in account 123456789012 (profile `source`), region us-east-1:")
        .expect(&out);
    let first_write = out.find("ecr:SetRepositoryPolicy    ").expect(&out);
    assert!(last_diff < block && block < first_write, "{out}");
    for repository in THREE {
        assert!(
            out.contains(&format!("  `{repository}` (ecr:SetRepositoryPolicy):\n    accounts 222222222222 and 999999999999 gain pull on {repository} in account 123456789012 (profile source)\n")),
            "{repository}: {out}"
        );
        assert!(
            out.contains(&format!(
                "aws ecr set-repository-policy --repository-name '{repository}'"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "  `{repository}`: changed, and read back as applied"
            )),
            "{out}"
        );
    }
    assert_eq!(out.matches("ecr:SetRepositoryPolicy    ").count(), 3);

    let mut args = vec!["revoke"];
    args.extend(repository_args(&THREE));
    args.extend(["--account", DESTINATION_ACCOUNT, "--yes"]);
    assert_success(&fleet.run(&args));
    for repository in THREE {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [
                foreign_statement(repository),
                pull_statement(&[OTHER_ACCOUNT]),
            ]})
        );
    }
    let mut args = vec!["revoke"];
    args.extend(repository_args(&THREE));
    args.extend(["--account", OTHER_ACCOUNT, "--yes"]);
    assert_success(&fleet.run(&args));
    for repository in THREE {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            foreign_policy(repository)
        );
    }
}

#[test]
fn a_dry_run_over_several_repositories_shows_every_change_and_writes_nothing() {
    let fleet = Fleet::with(&THREE);
    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull-push",
        "--dry-run",
    ]);
    let output = fleet.run(&args);
    assert_success(&output);
    let out = stdout(&output);
    for repository in THREE {
        assert!(
            out.contains(&format!("Change to the policy of `{repository}`:")),
            "{out}"
        );
        assert!(
            out.contains(&format!("  `{repository}`: not changed (dry run)")),
            "{out}"
        );
        assert_eq!(
            fleet.policy(repository).unwrap(),
            foreign_policy(repository)
        );
    }
    assert_eq!(
        out.matches("+      \"Sid\": \"AllowPullAndPush\"").count(),
        3
    );
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert!(!out.contains("ecr:SetRepositoryPolicy    "), "{out}");

    // Without --yes and without a terminal there is no one to confirm: nothing at all
    // is written.
    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend(["--account", DESTINATION_ACCOUNT, "--access", "pull"]);
    let output = fleet.run(&args);
    assert_failure(&output);
    assert!(stderr(&output).contains("standard input is not a terminal"));
    for repository in THREE {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            foreign_policy(repository)
        );
    }
}

#[test]
fn a_missing_repository_among_several_is_named_and_the_others_go_ahead() {
    let fleet = Fleet::with(&["team/api", "tools/builder"]);
    let repositories = ["team/api", "team/gone", "tools/builder"];
    let mut args = vec!["grant"];
    args.extend(repository_args(&repositories));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run(&args);
    assert_failure(&output);
    for repository in ["team/api", "tools/builder"] {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [
                foreign_statement(repository),
                pull_statement(&[DESTINATION_ACCOUNT]),
            ]})
        );
    }
    let (out, err) = (stdout(&output), stderr(&output));
    // Said at the confirmation, before anything is written.
    let left_out = out
        .find("  `team/gone`: LEFT OUT, nothing is written to it: ecr:GetRepositoryPolicy failed: RepositoryNotFoundException: there is no repository `team/gone` in account 123456789012, region us-east-1")
        .expect(&out);
    assert!(left_out < out.find("ecr:SetRepositoryPolicy    ").unwrap());
    assert!(
        out.contains("2 of the 3 repositories change, in account 123456789012"),
        "{out}"
    );
    // And at the end, with the command that tries it again.
    assert!(
        err.contains(
            "ecr-share: 1 of the 3 repositories failed; the others went ahead as the summary says:"
        ),
        "{err}"
    );
    assert!(
        err.contains("  `team/gone`: FAILED before any change: ecr:GetRepositoryPolicy failed: RepositoryNotFoundException"),
        "{err}"
    );
    assert!(err.contains("Nothing was written to it."), "{err}");
    assert!(
        err.contains("To try the failed ones again (each policy is read afresh): ecr-share --profile 'source' --region 'us-east-1' grant --repository 'team/gone' --account 999999999999 --access pull"),
        "{err}"
    );
    assert!(!err.contains("team/api`: FAILED"), "{err}");

    // A dry run says the same and changes nothing.
    let before = fleet.policy("team/api");
    let mut args = vec!["revoke"];
    args.extend(repository_args(&repositories));
    args.extend(["--account", DESTINATION_ACCOUNT, "--dry-run"]);
    let output = fleet.run(&args);
    assert_failure(&output);
    assert!(stderr(&output).contains("`team/gone`: FAILED before any change"));
    assert_eq!(fleet.policy("team/api"), before);
}

#[test]
fn an_organization_grant_and_revoke_keep_foreign_statements_and_look_alikes() {
    let fleet = Fleet::with(&["team/api"]);
    // Somebody else's organization statement under the tool's Sid, with a second
    // condition: not the tool's, so kept as it is and never joined.
    let mut look_alike = organization_pull("AllowPullOrganization", &[ORGANIZATION]);
    look_alike["Condition"]["Bool"] = json!({"aws:SecureTransport": "true"});
    let original = json!({"Version": "2012-10-17", "Statement": [
        foreign_statement("team/api"),
        look_alike.clone(),
    ]});
    fleet.set_policy("team/api", &original.to_string());

    let grant = |organization: &str| {
        fleet.run(&[
            "grant",
            "--repository",
            "team/api",
            "--organization",
            organization,
            "--access",
            "pull",
            "--yes",
        ])
    };
    let output = grant(ORGANIZATION);
    assert_success(&output);
    let policy = fleet.policy("team/api").unwrap();
    assert_eq!(
        policy,
        json!({"Version": "2012-10-17", "Statement": [
            foreign_statement("team/api"),
            look_alike.clone(),
            organization_pull("AllowPullOrganization2", &[ORGANIZATION]),
        ]})
    );
    assert!(!has_unconditional_star(&policy), "{policy}");
    let out = stdout(&output);
    assert!(
        out.contains("Note: statement `AllowPullOrganization` has a condition other than exactly one StringEquals on aws:PrincipalOrgID over organization ids (StringEquals on aws:PrincipalOrgID; Bool on aws:SecureTransport), so it is not ecr-share's: it is kept as it is and the grant goes into `AllowPullOrganization2`"),
        "{out}"
    );
    assert!(
        out.contains("every account of organization o-a1b2c3d4e5 gains pull on team/api in account 123456789012 (profile source)"),
        "{out}"
    );

    // A second organization joins the tool's statement.
    assert_success(&grant(OTHER_ORGANIZATION));
    assert_eq!(
        fleet.policy("team/api").unwrap()["Statement"][2],
        organization_pull(
            "AllowPullOrganization2",
            &[ORGANIZATION, OTHER_ORGANIZATION]
        )
    );

    // Revoking one takes only its id; revoking the other takes the statement, and
    // leaves the foreign statement and the look-alike exactly as they were.
    let revoke = |organization: &str| {
        fleet.run(&[
            "revoke",
            "--repository",
            "team/api",
            "--organization",
            organization,
            "--yes",
        ])
    };
    let output = revoke(ORGANIZATION);
    assert_success(&output);
    assert!(
        stdout(&output)
            .contains("every account of organization o-a1b2c3d4e5 loses pull on team/api"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        fleet.policy("team/api").unwrap()["Statement"][2],
        organization_pull("AllowPullOrganization2", &[OTHER_ORGANIZATION])
    );
    assert_success(&revoke(OTHER_ORGANIZATION));
    assert_eq!(fleet.policy("team/api").unwrap(), original);
}

#[test]
fn accounts_and_an_organization_in_one_grant_across_repositories() {
    let fleet = Fleet::with(&["team/api", "team/web"]);
    let output = fleet.run(&[
        "grant",
        "--repository",
        "team/api",
        "--repository",
        "team/web",
        "--account",
        DESTINATION_ACCOUNT,
        "--organization",
        ORGANIZATION,
        "--access",
        "pull",
        "--yes",
    ]);
    assert_success(&output);
    for repository in ["team/api", "team/web"] {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [
                foreign_statement(repository),
                pull_statement(&[DESTINATION_ACCOUNT]),
                organization_pull("AllowPullOrganization", &[ORGANIZATION]),
            ]})
        );
    }
    // Revoking the account says the organization may still let it in.
    let output = fleet.run(&[
        "revoke",
        "--repository",
        "team/api",
        "--account",
        DESTINATION_ACCOUNT,
        "--yes",
    ]);
    assert_success(&output);
    assert!(
        stdout(&output).contains("Note: ecr-share's statement `AllowPullOrganization` still lets every account of o-a1b2c3d4e5 in; account 999999999999 keeps that access if it belongs to it. To take it away, revoke with --organization"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        fleet.policy("team/api").unwrap(),
        json!({"Version": "2012-10-17", "Statement": [
            foreign_statement("team/api"),
            organization_pull("AllowPullOrganization", &[ORGANIZATION]),
        ]})
    );
}

#[test]
fn organizations_are_refused_at_the_flag_for_lambda_and_when_malformed() {
    let fleet = Fleet::with(&[]);
    for (extra, expected) in [
        (
            ["--organization", ORGANIZATION, "--access", "lambda"],
            "ecr-share: --organization: Lambda pull cannot be granted to an organization",
        ),
        (
            ["--organization", "o-abc", "--access", "pull"],
            "ecr-share: --organization: organization 1 ('o-abc'): after o-, an organization id has 10 to 32 letters or digits; this has 3",
        ),
        (
            ["--organization", "O-A1B2C3D4E5", "--access", "pull"],
            "ecr-share: --organization: organization 1 ('O-A1B2C3D4E5'): an organization id starts with o-",
        ),
    ] {
        let mut args = vec!["grant", "--repository", "team/api"];
        args.extend(extra);
        let output = fleet.run(&args);
        assert_failure(&output);
        let err = stderr(&output);
        assert!(err.starts_with(expected), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            stdout(&output).is_empty(),
            "no AWS call: {}",
            stdout(&output)
        );
    }
}

#[test]
fn a_grant_that_would_cross_the_size_limit_is_refused_with_how_many_accounts_fit() {
    let fleet = Fleet::with(&["team/api"]);
    // Somebody else's statements up to some 7,000 characters.
    let mut statements = vec![foreign_statement("team/api")];
    while json!({"Version": "2012-10-17", "Statement": statements})
        .to_string()
        .len()
        < 7_000
    {
        let i = statements.len();
        statements.push(json!({
            "Sid": format!("Team{i}"),
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{SOURCE_ACCOUNT}:role/builds-{i}")},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        }));
    }
    let original = json!({"Version": "2012-10-17", "Statement": statements});
    fleet.set_policy("team/api", &original.to_string());

    let accounts: Vec<String> = (0..200)
        .map(|i| format!("{}", 300_000_000_000u64 + i))
        .collect();
    let mut args = vec![
        "grant",
        "--repository",
        "team/api",
        "--access",
        "pull",
        "--yes",
    ];
    for account in &accounts {
        args.extend(["--account", account]);
    }
    let output = fleet.run(&args);
    assert_failure(&output);
    let err = stderr(&output);
    let fit: usize = err
        .split("only ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect(&err);
    assert!(
        err.contains(&format!(
            "more than the 10240 a repository policy may have: only {fit} of the 200 accounts named fit (the first {fit}). Grant to their organization instead (--organization o-...)"
        )),
        "{err}"
    );
    assert!(err.contains("Nothing was changed."), "{err}");
    assert!(!stdout(&output).contains("ecr:SetRepositoryPolicy"));
    assert_eq!(fleet.policy("team/api").unwrap(), original);

    // The organization form fits where the accounts did not.
    let output = fleet.run(&[
        "grant",
        "--repository",
        "team/api",
        "--organization",
        ORGANIZATION,
        "--access",
        "pull",
        "--dry-run",
    ]);
    assert_success(&output);
    assert!(stdout(&output).contains("+      \"Sid\": \"AllowPullOrganization\""));

    // The count is right: the first `fit` accounts are granted, one more is refused.
    let mut args = vec![
        "grant",
        "--repository",
        "team/api",
        "--access",
        "pull",
        "--dry-run",
    ];
    for account in &accounts[..=fit] {
        args.extend(["--account", account]);
    }
    let output = fleet.run(&args);
    assert_failure(&output);
    assert!(stderr(&output).contains(&format!("only {fit} of the {} accounts", fit + 1)));
    let mut args = vec![
        "grant",
        "--repository",
        "team/api",
        "--access",
        "pull",
        "--yes",
    ];
    for account in &accounts[..fit] {
        args.extend(["--account", account]);
    }
    assert_success(&fleet.run(&args));
    let policy = fleet.policy("team/api").unwrap();
    assert!(policy.to_string().len() <= 10_240);
    assert_eq!(
        policy["Statement"].as_array().unwrap().last().unwrap()["Principal"]["AWS"]
            .as_array()
            .unwrap()
            .len(),
        fit
    );
}

#[test]
fn a_policy_changed_since_read_on_one_repository_does_not_stop_the_others() {
    let fleet = Fleet::with(&THREE);
    let proxy = Proxy::start(&fleet.moto.url);
    // Another writer changes team/web between the tool's first read (the plan) and
    // its second (just before the write).
    let theirs = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "TheirChange", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{OTHER_ACCOUNT}:root")},
        "Action": "ecr:BatchGetImage"
    }]});
    let direct = ecr_client(&fleet.moto.url, None);
    let their_text = theirs.to_string();
    proxy.before_request("GetRepositoryPolicy", "\"team/web\"", 1, move || {
        set_policy(&direct, "team/web", &their_text);
    });

    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run_through(Some(proxy.url()), &args);
    assert_failure(&output);

    assert_eq!(
        fleet.policy("team/web").unwrap(),
        theirs,
        "their change stays"
    );
    for repository in ["team/api", "tools/builder"] {
        assert_eq!(
            fleet.policy(repository).unwrap()["Statement"][1],
            pull_statement(&[DESTINATION_ACCOUNT]),
            "{repository}"
        );
    }
    assert_eq!(proxy.count("SetRepositoryPolicy"), 2);
    let err = stderr(&output);
    assert!(
        err.contains("ecr-share: 1 of the 3 repositories failed"),
        "{err}"
    );
    assert!(
        err.contains("  `team/web`: FAILED: ecr:GetRepositoryPolicy on `team/web`: the policy changed since it was read, so nothing was written; work out the change again. Nothing was changed."),
        "{err}"
    );
    assert!(
        err.contains("grant --repository 'team/web' --account"),
        "{err}"
    );
    let out = stdout(&output);
    assert!(
        out.contains("  `tools/builder`: changed, and read back as applied"),
        "{out}"
    );
}

#[test]
fn a_lost_answer_on_one_repository_is_read_back_and_the_others_go_ahead() {
    let fleet = Fleet::with(&THREE);
    let proxy = Proxy::start(&fleet.moto.url);
    // The first write's answer is lost: it took effect, and the read-back says so.
    proxy.lose_answer("SetRepositoryPolicy", 1);

    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run_through(Some(proxy.url()), &args);
    assert_success(&output);
    assert_eq!(proxy.lost(), ["SetRepositoryPolicy"]);
    assert_eq!(proxy.count("SetRepositoryPolicy"), 3, "each sent once");
    for repository in THREE {
        assert_eq!(
            fleet.policy(repository).unwrap()["Statement"][1],
            pull_statement(&[DESTINATION_ACCOUNT])
        );
    }
    let out = stdout(&output);
    assert!(
        out.contains(
            "team/api: done: applied; the answer was lost, the read-back shows the new policy"
        ),
        "{out}"
    );
}

#[test]
fn a_lost_answer_that_cannot_be_settled_is_named_and_the_others_go_ahead() {
    let fleet = Fleet::with(&THREE);
    let proxy = Proxy::start(&fleet.moto.url);
    // The answer to team/api's write is lost, and before the tool reads it back
    // another writer replaces the policy: the read-back shows neither.
    proxy.lose_answer("SetRepositoryPolicy", 1);
    let direct = ecr_client(&fleet.moto.url, None);
    let theirs = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "TheirChange", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"
    }]});
    let their_text = theirs.to_string();
    proxy.before_request("GetRepositoryPolicy", "\"team/api\"", 2, move || {
        set_policy(&direct, "team/api", &their_text);
    });

    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run_through(Some(proxy.url()), &args);
    assert_failure(&output);
    assert_eq!(proxy.count("SetRepositoryPolicy"), 3, "each sent once");
    assert_eq!(fleet.policy("team/api").unwrap(), theirs);
    for repository in ["team/web", "tools/builder"] {
        assert_eq!(
            fleet.policy(repository).unwrap()["Statement"][1],
            pull_statement(&[DESTINATION_ACCOUNT])
        );
    }
    let err = stderr(&output);
    assert!(
        err.contains("ecr-share: 1 of the 3 repositories failed"),
        "{err}"
    );
    assert!(
        err.contains("  `team/api`: FAILED: ecr:SetRepositoryPolicy failed: ") && err.contains("The policy of `team/api` may have been changed: the answer to ecr:SetRepositoryPolicy was lost."),
        "{err}"
    );
    assert!(!err.contains("`team/web`: FAILED"), "{err}");
}

#[test]
fn access_denied_on_two_repositories_of_three_leaves_the_third_applied() {
    let fleet = Fleet::with(&THREE);
    let proxy = Proxy::start(&fleet.moto.url);
    // team/web cannot even be read; tools/builder can be read but not written.
    proxy.fail_request(
        "GetRepositoryPolicy",
        "\"team/web\"",
        0,
        "AccessDeniedException",
    );
    proxy.fail_request(
        "SetRepositoryPolicy",
        "\"tools/builder\"",
        0,
        "AccessDeniedException",
    );

    let mut args = vec!["grant"];
    args.extend(repository_args(&THREE));
    args.extend([
        "--account",
        DESTINATION_ACCOUNT,
        "--access",
        "pull",
        "--yes",
    ]);
    let output = fleet.run_through(Some(proxy.url()), &args);
    assert_failure(&output);

    assert_eq!(
        fleet.policy("team/api").unwrap()["Statement"][1],
        pull_statement(&[DESTINATION_ACCOUNT])
    );
    for repository in ["team/web", "tools/builder"] {
        assert_eq!(
            fleet.policy(repository).unwrap(),
            foreign_policy(repository),
            "{repository}"
        );
    }
    assert_eq!(
        proxy.count("SetRepositoryPolicy"),
        2,
        "team/web was never written to"
    );
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(
        out.contains("  `team/web`: LEFT OUT, nothing is written to it: ecr:GetRepositoryPolicy failed: AccessDeniedException"),
        "{out}"
    );
    assert!(
        err.contains("ecr-share: 2 of the 3 repositories failed"),
        "{err}"
    );
    assert!(
        err.contains("  `team/web`: FAILED before any change: ecr:GetRepositoryPolicy failed: AccessDeniedException"),
        "{err}"
    );
    assert!(
        err.contains(
            "  `tools/builder`: FAILED: ecr:SetRepositoryPolicy failed: AccessDeniedException"
        ),
        "{err}"
    );
    assert!(err.contains("Nothing was changed."), "{err}");
    assert!(
        err.contains("grant --repository 'team/web' --repository 'tools/builder' --account 999999999999 --access pull"),
        "{err}"
    );
    assert!(
        out.contains("  `team/api`: changed, and read back as applied"),
        "{out}"
    );
}
