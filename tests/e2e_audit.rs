//! `ecr-share audit` end to end against the local AWS emulator: repositories with
//! every kind of policy, the JSON compared with what each policy says, named
//! repositories of which one is missing, the table in 80 columns, a policy that
//! cannot be read, and the most calls in flight at once.

mod common;

use std::collections::BTreeMap;
use std::process::Output;
use std::time::Duration;

use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use common::proxy::Proxy;
use common::{Moto, Profiles, SOURCE_ACCOUNT, stderr, stdout};
use ecr_share::core::documents::{self, Access};
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, Region as ValidRegion};
use serde_json::{Value, json};

const PARTNER: &str = "111111111111";
const LAMBDA_ACCOUNT: &str = "222222222222";
const EXCLUDED: &str = "333333333333";
const ORGANIZATION: &str = "o-a1b2c3d4e5";
const DELETED_ROLE: &str = "AROAEXAMPLEID1234567";
const PULL: [&str; 3] = [
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
];
const PUSH: [&str; 4] = [
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
];

/// The emulator, its profiles, and an ECR client acting as the source account.
struct Setup {
    moto: Moto,
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
            moto,
            _dir: dir,
            profiles,
            ecr: aws_sdk_ecr::Client::from_conf(config),
            runtime,
        }
    }

    /// Creates the repository and, when given, sets its policy.
    fn repository(&self, name: &str, policy: Option<&Value>) {
        self.runtime.block_on(async {
            self.ecr
                .create_repository()
                .repository_name(name)
                .send()
                .await
                .unwrap();
            if let Some(policy) = policy {
                self.ecr
                    .set_repository_policy()
                    .repository_name(name)
                    .policy_text(policy.to_string())
                    .send()
                    .await
                    .unwrap();
            }
        });
    }

    /// Runs `ecr-share` as the source profile in us-east-1, through `endpoint`.
    fn run_through(&self, endpoint: &str, args: &[&str], columns: Option<&str>) -> Output {
        let mut all = vec!["--profile", "source", "--region", "us-east-1"];
        all.extend_from_slice(args);
        let mut command = common::ecr_share_command();
        command
            .envs(self.profiles.env())
            .env("AWS_ENDPOINT_URL", endpoint)
            .env_remove("COLUMNS")
            .args(&all);
        if let Some(columns) = columns {
            command.env("COLUMNS", columns);
        }
        let output = command.output().expect("ecr-share runs");
        eprintln!(
            "ecr-share {}\n--- stdout\n{}--- stderr\n{}",
            all.join(" "),
            stdout(&output),
            stderr(&output)
        );
        output
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_through(&self.moto.url.clone(), args, None)
    }
}

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// What the audit must report for a repository, read off its policy by hand.
struct Expected {
    public: bool,
    accounts: Vec<&'static str>,
    organizations: Vec<&'static str>,
    /// Per grant, in the policy's order: effect, grantee (as JSON), access.
    grants: Vec<(&'static str, Value, &'static str)>,
    findings: Vec<&'static str>,
}

/// Every kind of policy the audit tells apart, and what each one says.
fn cases() -> Vec<(&'static str, Option<Value>, Expected)> {
    let lambda_policy = documents::repository_policy(
        Access::LambdaPull,
        Some(Partition::Aws),
        Some(&ValidRegion::parse("us-east-1").unwrap()),
        Some(&[AccountId::parse(LAMBDA_ACCOUNT).unwrap()]),
    );
    let many_roots: Vec<String> = (0..285)
        .map(|i| root(&format!("{}", 100_000_000_000u64 + i)))
        .collect();
    let pull_push: Vec<&str> = PULL.iter().chain(PUSH.iter()).copied().collect();
    vec![
        (
            "none",
            None,
            Expected {
                public: false,
                accounts: vec![],
                organizations: vec![],
                grants: vec![],
                findings: vec![],
            },
        ),
        (
            "account-root",
            Some(policy(
                json!([{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": root(PARTNER)}, "Action": PULL}]),
            )),
            Expected {
                public: false,
                accounts: vec![PARTNER],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "account", "account": PARTNER, "principal": null}),
                    "pull",
                )],
                findings: vec![],
            },
        ),
        (
            "account-role",
            Some(policy(
                json!([{"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:role/ci")}, "Action": pull_push}]),
            )),
            Expected {
                public: false,
                accounts: vec![PARTNER],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "account", "account": PARTNER, "principal": format!("arn:aws:iam::{PARTNER}:role/ci")}),
                    "pull_and_push",
                )],
                findings: vec![],
            },
        ),
        (
            "organization",
            Some(policy(
                json!([{"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": PULL,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}}}]),
            )),
            Expected {
                public: false,
                accounts: vec![],
                organizations: vec![ORGANIZATION],
                grants: vec![(
                    "allow",
                    json!({"kind": "organization", "organization": ORGANIZATION}),
                    "pull",
                )],
                findings: vec![],
            },
        ),
        (
            "lambda",
            Some(lambda_policy),
            Expected {
                public: false,
                accounts: vec![LAMBDA_ACCOUNT],
                organizations: vec![],
                grants: vec![
                    (
                        "allow",
                        json!({"kind": "account", "account": LAMBDA_ACCOUNT, "principal": null}),
                        "pull",
                    ),
                    (
                        "allow",
                        json!({"kind": "lambda_functions", "account": LAMBDA_ACCOUNT,
                            "functions": format!("arn:aws:lambda:us-east-1:{LAMBDA_ACCOUNT}:function:*")}),
                        "pull",
                    ),
                ],
                findings: vec![],
            },
        ),
        (
            "service",
            Some(policy(
                json!([{"Sid": "Build", "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": PULL}]),
            )),
            Expected {
                public: false,
                accounts: vec![],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "service", "service": "codebuild.amazonaws.com"}),
                    "pull",
                )],
                findings: vec!["unscoped_service"],
            },
        ),
        (
            "public",
            Some(policy(
                json!([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": PULL}]),
            )),
            Expected {
                public: true,
                accounts: vec![],
                organizations: vec![],
                grants: vec![("allow", json!({"kind": "anyone"}), "pull")],
                findings: vec!["public"],
            },
        ),
        (
            "public-if-exists",
            Some(policy(
                json!([{"Sid": "AlmostOrg", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": PULL,
                "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORGANIZATION}}}]),
            )),
            Expected {
                public: true,
                accounts: vec![],
                organizations: vec![],
                grants: vec![("allow", json!({"kind": "anyone"}), "pull")],
                findings: vec!["public"],
            },
        ),
        (
            "own-account",
            Some(policy(
                json!([{"Sid": "Self", "Effect": "Allow", "Principal": {"AWS": root(SOURCE_ACCOUNT)}, "Action": PULL}]),
            )),
            Expected {
                public: false,
                accounts: vec![SOURCE_ACCOUNT],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "account", "account": SOURCE_ACCOUNT, "principal": null}),
                    "pull",
                )],
                findings: vec!["own_account"],
            },
        ),
        (
            "deleted-role",
            Some(policy(
                json!([{"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": DELETED_ROLE}, "Action": PULL}]),
            )),
            Expected {
                public: false,
                accounts: vec![],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "unknown_id", "id": DELETED_ROLE}),
                    "pull",
                )],
                findings: vec!["unknown_principal"],
            },
        ),
        (
            "deny",
            Some(policy(json!([
                {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": PULL},
                {"Sid": "NoPush", "Effect": "Deny", "Principal": "*", "Action": PUSH}
            ]))),
            Expected {
                public: false,
                accounts: vec![PARTNER],
                organizations: vec![],
                grants: vec![
                    (
                        "allow",
                        json!({"kind": "account", "account": PARTNER, "principal": null}),
                        "pull",
                    ),
                    ("deny", json!({"kind": "anyone"}), "push"),
                ],
                findings: vec![],
            },
        ),
        (
            "not-principal",
            Some(policy(
                json!([{"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": root(EXCLUDED)}, "Action": PULL}]),
            )),
            Expected {
                public: true,
                accounts: vec![],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "all_except", "principals": [root(EXCLUDED)]}),
                    "pull",
                )],
                findings: vec!["public"],
            },
        ),
        (
            "not-action",
            Some(policy(
                json!([{"Sid": "Most", "Effect": "Allow", "Principal": {"AWS": root(PARTNER)}, "NotAction": ["ecr:DeleteRepository"]}]),
            )),
            Expected {
                public: false,
                accounts: vec![PARTNER],
                organizations: vec![],
                grants: vec![(
                    "allow",
                    json!({"kind": "account", "account": PARTNER, "principal": null}),
                    "all_except",
                )],
                findings: vec![],
            },
        ),
        (
            "near-limit",
            Some(policy(
                json!([{"Sid": "Many", "Effect": "Allow", "Principal": {"AWS": many_roots}, "Action": PULL}]),
            )),
            Expected {
                public: false,
                accounts: vec![],
                organizations: vec![],
                grants: vec![],
                findings: vec!["near_size_limit"],
            },
        ),
    ]
}

fn parse_reports(output: &Output) -> Vec<Value> {
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("the output is JSON ({error}):\n{}", stdout(output)));
    value.as_array().expect("a JSON array").clone()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn every_kind_of_policy_is_reported_as_it_says() {
    let setup = Setup::new();
    let cases = cases();
    for (name, policy, _) in &cases {
        setup.repository(name, policy.as_ref());
    }
    let output = setup.run(&["audit", "--output", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).is_empty(),
        "no progress or messages when all is read and standard error is no terminal"
    );
    let reports = parse_reports(&output);
    let names: Vec<&str> = reports
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    let mut sorted: Vec<&str> = cases.iter().map(|(name, _, _)| *name).collect();
    sorted.sort();
    assert_eq!(names, sorted, "every repository, sorted by name");

    let by_name: BTreeMap<&str, &Value> = names.iter().copied().zip(&reports).collect();
    for (name, policy, expected) in &cases {
        let report = by_name[name];
        let keys: Vec<&str> = report
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "repository",
                "account",
                "region",
                "status",
                "error",
                "public",
                "accounts",
                "organizations",
                "policy_characters",
                "grants",
                "findings"
            ],
            "{name}: the documented fields in their order"
        );
        assert_eq!(report["account"], SOURCE_ACCOUNT, "{name}");
        assert_eq!(report["region"], "us-east-1", "{name}");
        assert_eq!(report["error"], Value::Null, "{name}");
        let status = if policy.is_some() {
            "policy"
        } else {
            "no_policy"
        };
        assert_eq!(report["status"], status, "{name}");
        assert_eq!(report["public"], expected.public, "{name}: public");
        assert_eq!(
            strings(&report["organizations"]),
            expected.organizations,
            "{name}: organizations"
        );
        let findings: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap())
            .collect();
        assert_eq!(findings, expected.findings, "{name}: findings");
        if *name == "near-limit" {
            // 285 account roots, one grantee each.
            let characters = report["policy_characters"].as_u64().unwrap();
            assert!(characters > 9_216 && characters <= 10_240, "{characters}");
            assert_eq!(report["grants"].as_array().unwrap().len(), 285);
            assert_eq!(report["accounts"].as_array().unwrap().len(), 285);
            continue;
        }
        assert_eq!(
            strings(&report["accounts"]),
            expected.accounts,
            "{name}: accounts"
        );
        let grants: Vec<(&str, &Value, &str)> = report["grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["effect"].as_str().unwrap(),
                    &g["grantee"],
                    g["access"].as_str().unwrap(),
                )
            })
            .collect();
        let wanted: Vec<(&str, &Value, &str)> = expected
            .grants
            .iter()
            .map(|(effect, grantee, access)| (*effect, grantee, *access))
            .collect();
        assert_eq!(grants, wanted, "{name}: grants");
        match policy {
            Some(policy) => assert_eq!(
                report["policy_characters"].as_u64().unwrap() as usize,
                policy.to_string().chars().count(),
                "{name}: the size as AWS counts it"
            ),
            None => assert_eq!(report["policy_characters"], Value::Null),
        }
    }
    let organization = by_name["organization"];
    assert_eq!(
        organization["grants"][0]["conditions"],
        json!([format!("only from organization {ORGANIZATION}")])
    );
}

#[test]
fn named_repositories_with_one_missing_are_all_reported() {
    let setup = Setup::new();
    setup.repository("team/app", None);
    setup.repository(
        "team/shared",
        Some(&policy(json!([{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": root(PARTNER)}, "Action": PULL}]))),
    );
    setup.repository("not-asked", None);
    let output = setup.run(&[
        "audit",
        "--output",
        "json",
        "--repository",
        "team/shared",
        "--repository",
        "no-such-repository",
        "--repository",
        "team/app",
    ]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "a missing repository has its own exit code"
    );
    let reports = parse_reports(&output);
    let outcome: Vec<(&str, &str, &Value)> = reports
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                &r["account"],
            )
        })
        .collect();
    assert_eq!(
        outcome,
        vec![
            ("team/shared", "policy", &json!(SOURCE_ACCOUNT)),
            ("no-such-repository", "missing", &Value::Null),
            ("team/app", "no_policy", &json!(SOURCE_ACCOUNT)),
        ],
        "the named ones, in the order named, and nothing else"
    );
    assert_eq!(strings(&reports[0]["accounts"]), vec![PARTNER]);
    assert!(
        stderr(&output).contains("`no-such-repository`: there is no repository of this name"),
        "{}",
        stderr(&output)
    );

    let all_there = setup.run(&["audit", "--repository", "team/app", "--output", "json"]);
    assert_eq!(all_there.status.code(), Some(0));

    let bad = setup.run(&["audit", "--repository", "Not Valid"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("--repository: "), "{}", stderr(&bad));
    assert!(stdout(&bad).is_empty());
}

#[test]
fn the_table_fits_80_columns_without_cutting_ids() {
    let setup = Setup::new();
    for (name, policy, _) in cases() {
        if name == "near-limit" {
            continue;
        }
        setup.repository(name, policy.as_ref());
    }
    setup.repository(
        "platform/base-images/runtime-with-a-rather-long-name",
        Some(&policy(json!([{
            "Sid": "Pipelines", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{PARTNER}:role/pipelines/deployment-role-with-a-long-name")},
            "Action": ["ecr:BatchGetImage", "ecr:PutImage", "ecr:DeleteRepository"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        }]))),
    );
    let moto_url = setup.moto.url.clone();
    let output = setup.run_through(&moto_url, &["audit"], Some("80"));
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{line:?} is {} characters\n{text}",
            line.chars().count()
        );
    }
    for id in [
        PARTNER,
        LAMBDA_ACCOUNT,
        EXCLUDED,
        SOURCE_ACCOUNT,
        ORGANIZATION,
        DELETED_ROLE,
    ] {
        assert!(
            text.lines().any(|l| l.contains(id)),
            "{id} is cut or missing\n{text}"
        );
    }
    for words in [
        "REPOSITORY",
        "public",
        "no policy",
        "deny push",
        "pull and push",
    ] {
        assert!(text.contains(words), "{words}\n{text}");
    }
    assert!(text.contains("14 repositories"), "{text}");
    assert!(
        stderr(&output).is_empty(),
        "no progress when standard error is no terminal"
    );
}

#[test]
fn a_policy_that_cannot_be_read_is_named_and_the_rest_still_printed() {
    let setup = Setup::new();
    setup.repository("aa-first", None);
    setup.repository(
        "bb-second",
        Some(&policy(
            json!([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": PULL}]),
        )),
    );
    setup.repository("cc-third", None);
    let proxy = Proxy::start(&setup.moto.url);
    // Every attempt at the first repository's policy loses its answer.
    let attempts = ecr_share::aws::MAX_ATTEMPTS as usize;
    proxy.lose_answer("GetRepositoryPolicy", attempts);
    let output = setup.run_through(
        proxy.url(),
        &["audit", "--output", "json", "--concurrency", "1"],
        None,
    );
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_eq!(
        proxy.count("GetRepositoryPolicy"),
        attempts + 2,
        "every attempt at the first, one at each of the others"
    );
    let reports = parse_reports(&output);
    let statuses: Vec<(&str, &str)> = reports
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("aa-first", "failed"),
            ("bb-second", "policy"),
            ("cc-third", "no_policy"),
        ]
    );
    assert_eq!(reports[0]["error"]["call"], "ecr:GetRepositoryPolicy");
    assert_eq!(reports[1]["public"], true);
    let errors = stderr(&output);
    assert!(
        errors.contains("`aa-first`: its policy could not be read: ecr:GetRepositoryPolicy failed"),
        "{errors}"
    );
    assert!(!errors.contains("bb-second"), "{errors}");
}

#[test]
fn no_more_calls_are_in_flight_than_allowed() {
    let setup = Setup::new();
    for i in 0..24 {
        let statements = json!([{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": root(PARTNER)}, "Action": PULL}]);
        setup.repository(
            &format!("repository-{i:02}"),
            (i % 2 == 0).then(|| policy(statements)).as_ref(),
        );
    }
    for (limit, named) in [(3, false), (1, false), (4, true)] {
        let proxy = Proxy::start(&setup.moto.url);
        // Answers that take a while, as from a distant endpoint, so that calls overlap
        // when they are allowed to.
        proxy.delay_answers(Duration::from_millis(100));
        let limit_text = limit.to_string();
        let mut args = vec![
            "audit",
            "--output",
            "json",
            "--concurrency",
            limit_text.as_str(),
        ];
        let names: Vec<String> = (0..12).map(|i| format!("repository-{i:02}")).collect();
        if named {
            for name in &names {
                args.extend(["--repository", name.as_str()]);
            }
        }
        let output = setup.run_through(proxy.url(), &args, None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let reports = parse_reports(&output);
        let expected = if named { 12 } else { 24 };
        assert_eq!(reports.len(), expected);
        assert_eq!(proxy.count("GetRepositoryPolicy"), expected);
        if named {
            assert_eq!(proxy.count("DescribeRepositories"), 12);
        }
        let peak = proxy.peak_in_flight();
        assert!(
            peak <= limit,
            "--concurrency {limit}: {peak} calls were in flight at once"
        );
        if limit > 1 {
            assert!(
                peak > 1,
                "--concurrency {limit}: the calls never overlapped (at most {peak} at once)"
            );
        }
    }
}
