//! The policy linter: one table row per rule with documents that break it and ones
//! that do not, each asserting the exact findings (rule id and severity); a property
//! that every document ecr-share generates lints clean but for the one known flaw of
//! the curated-packages read policy it copies from the EKS Anywhere documentation; and
//! the command line's exit codes and standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use proptest::prelude::*;
use serde_json::{Value, json};

use ecr_share::core::documents::{self, Access};
use ecr_share::core::lint::{self, Finding, KindSource, PolicyKind, Rule, Severity};
use ecr_share::core::merge::{self, Grant};
use ecr_share::core::regions::{KNOWN_REGIONS, Partition};
use ecr_share::core::validate::{
    AccountId, IamKind, IamName, OrganizationId, Region, RoleArn, SizeLimit,
};

use PolicyKind::{Identity, Repository, Trust};
use Severity::{Error, Info, Warning};

// ---------------------------------------------------------------------------------
// Documents to vary.

fn identity(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn repository(statement: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

/// An identity statement that is fine as it is.
fn login() -> Value {
    json!({"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
}

/// A repository statement that is fine as it is.
fn pull() -> Value {
    json!({
        "Sid": "AllowPull",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    })
}

/// `base` with `key` set to `value` (or removed, for `Value::Null`).
fn with(mut base: Value, key: &str, value: Value) -> Value {
    let fields = base.as_object_mut().unwrap();
    if value.is_null() {
        fields.remove(key);
    } else {
        fields.insert(key.to_string(), value);
    }
    base
}

const REPO_ARN: &str = "arn:aws:ecr:us-west-2:111122223333:repository/app";

/// A repository policy of compact size within [low, high] characters: one statement
/// whose principals are as many account roots as it takes.
fn repository_policy_of_size(low: usize, high: usize) -> String {
    let mut accounts = 1;
    loop {
        let roots: Vec<String> = (0..accounts)
            .map(|n| format!("arn:aws:iam::{:012}:root", 100_000_000_000u64 + n))
            .collect();
        let text = repository(with(pull(), "Principal", json!({"AWS": roots})));
        let size = SizeLimit::RepositoryPolicy.counted(&text);
        if size >= low {
            assert!(size <= high, "one more account overshoots: {size}");
            return text;
        }
        accounts += 1;
    }
}

/// An identity policy of at least `chars` characters without white space.
fn identity_policy_of_size(chars: usize) -> String {
    let mut resources = Vec::new();
    loop {
        let text = identity(json!({
            "Effect": "Allow",
            "Action": "ecr:BatchGetImage",
            "Resource": resources,
        }));
        if SizeLimit::ManagedPolicy.counted(&text) >= chars {
            return text;
        }
        resources.push(format!("{REPO_ARN}{}", resources.len()));
    }
}

// ---------------------------------------------------------------------------------
// The table.

/// One document and the findings it must give: exactly these (rule id, severity)
/// pairs, in any order. `rule` is the rule the row is about: a row whose findings hold
/// it is a positive case, any other row a negative one.
struct Row {
    rule: Rule,
    name: &'static str,
    kind: Option<PolicyKind>,
    document: String,
    expected: Vec<(&'static str, Severity)>,
}

fn row(
    rule: Rule,
    name: &'static str,
    kind: Option<PolicyKind>,
    document: impl Into<String>,
    expected: &[(&'static str, Severity)],
) -> Row {
    Row {
        rule,
        name,
        kind,
        document: document.into(),
        expected: expected.to_vec(),
    }
}

fn rows() -> Vec<Row> {
    let big_repository = repository_policy_of_size(10_241, 10_400);
    let near_repository = repository_policy_of_size(9_300, 10_000);
    let big_identity = identity_policy_of_size(6_145);
    // Plenty of white space, which a managed policy's limit does not count.
    let airy_identity = format!("{}{}", " ".repeat(20_000), identity(login()));
    vec![
        // json
        row(
            Rule::Json,
            "cut short",
            None,
            r#"{"Version": "#,
            &[("json", Error)],
        ),
        row(Rule::Json, "a list", None, "[]", &[("json", Error)]),
        row(Rule::Json, "a policy", None, identity(login()), &[]),
        // duplicate-key
        row(
            Rule::DuplicateKey,
            "Effect twice",
            None,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#,
            &[("duplicate-key", Error)],
        ),
        row(
            Rule::DuplicateKey,
            "the same key in two objects",
            None,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#,
            &[],
        ),
        // version
        row(
            Rule::Version,
            "a made-up version",
            None,
            json!({"Version": "2012-10-18", "Statement": [login()]}).to_string(),
            &[("version", Error)],
        ),
        row(
            Rule::Version,
            "a number",
            None,
            json!({"Version": 2012, "Statement": [login()]}).to_string(),
            &[("version", Error)],
        ),
        row(
            Rule::Version,
            "the current version",
            None,
            identity(login()),
            &[],
        ),
        // old-version
        row(
            Rule::OldVersion,
            "an identity policy in 2008-10-17",
            None,
            json!({"Version": "2008-10-17", "Statement": [login()]}).to_string(),
            &[("old-version", Warning)],
        ),
        row(
            Rule::OldVersion,
            "no version",
            None,
            json!({"Statement": [login()]}).to_string(),
            &[("old-version", Warning)],
        ),
        row(
            Rule::OldVersion,
            "a repository policy in 2008-10-17, as the ECR documentation writes them",
            None,
            json!({"Version": "2008-10-17", "Statement": [pull()]}).to_string(),
            &[("old-version", Info)],
        ),
        row(
            Rule::OldVersion,
            "a repository policy in 2008-10-17 with a policy variable",
            None,
            json!({"Version": "2008-10-17", "Statement": [with(pull(), "Condition", json!({
                "StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/owner}"}
            }))]})
            .to_string(),
            &[("old-version", Warning)],
        ),
        row(
            Rule::OldVersion,
            "2012-10-17",
            None,
            repository(pull()),
            &[],
        ),
        // statement
        row(
            Rule::Statement,
            "no Statement",
            None,
            json!({"Version": "2012-10-17"}).to_string(),
            &[("statement", Error)],
        ),
        row(
            Rule::Statement,
            "an empty Statement list",
            None,
            json!({"Version": "2012-10-17", "Statement": []}).to_string(),
            &[("statement", Error)],
        ),
        row(
            Rule::Statement,
            "a statement that is a string",
            None,
            json!({"Version": "2012-10-17", "Statement": ["Allow"]}).to_string(),
            &[("statement", Error)],
        ),
        row(
            Rule::Statement,
            "one statement object",
            None,
            json!({"Version": "2012-10-17", "Statement": login()}).to_string(),
            &[],
        ),
        // unknown-key
        row(
            Rule::UnknownKey,
            "a misspelt statement key",
            None,
            identity(with(login(), "Conditions", json!({}))),
            &[("unknown-key", Error)],
        ),
        row(
            Rule::UnknownKey,
            "a top-level key in the wrong case",
            None,
            json!({"Version": "2012-10-17", "Statement": [login()], "id": "x"}).to_string(),
            &[("unknown-key", Error)],
        ),
        row(
            Rule::UnknownKey,
            "Id",
            None,
            json!({"Version": "2012-10-17", "Id": "read", "Statement": [login()]}).to_string(),
            &[],
        ),
        // sid
        row(
            Rule::Sid,
            "a dash in an identity policy's Sid",
            None,
            identity(with(login(), "Sid", json!("ecr-login"))),
            &[("sid", Error)],
        ),
        row(
            Rule::Sid,
            "a Sid twice in an identity policy",
            None,
            json!({"Version": "2012-10-17", "Statement": [login(), login()]}).to_string(),
            &[("sid", Error)],
        ),
        row(
            Rule::Sid,
            "a Sid twice in a repository policy",
            None,
            json!({"Version": "2012-10-17", "Statement": [pull(), pull()]}).to_string(),
            &[("sid", Warning)],
        ),
        row(
            Rule::Sid,
            "a Sid that is a number",
            None,
            identity(with(login(), "Sid", json!(7))),
            &[("sid", Error)],
        ),
        row(
            Rule::Sid,
            "a Sid with a space in a repository policy, as the ECR console writes them",
            None,
            repository(with(pull(), "Sid", json!("new statement"))),
            &[],
        ),
        // effect
        row(
            Rule::Effect,
            "lower-case allow",
            None,
            identity(with(login(), "Effect", json!("allow"))),
            &[("effect", Error)],
        ),
        row(
            Rule::Effect,
            "no Effect",
            None,
            identity(with(login(), "Effect", Value::Null)),
            &[("effect", Error)],
        ),
        row(
            Rule::Effect,
            "Deny",
            None,
            identity(with(login(), "Effect", json!("Deny"))),
            &[],
        ),
        // action
        row(
            Rule::Action,
            "no Action",
            None,
            identity(with(login(), "Action", Value::Null)),
            &[("action", Error)],
        ),
        row(
            Rule::Action,
            "Action and NotAction",
            None,
            identity(with(login(), "NotAction", json!("ecr:PutImage"))),
            &[("action", Error)],
        ),
        row(
            Rule::Action,
            "an action without a service",
            None,
            identity(with(login(), "Action", json!("GetAuthorizationToken"))),
            &[("action", Error)],
        ),
        row(
            Rule::Action,
            "an empty Action list",
            None,
            identity(with(login(), "Action", json!([]))),
            &[("action", Error)],
        ),
        row(
            Rule::Action,
            "every action",
            None,
            identity(with(login(), "Action", json!("*"))),
            &[],
        ),
        // principal
        row(
            Rule::Principal,
            "a Principal in an identity policy",
            Some(Identity),
            repository(pull()),
            &[("principal", Error), ("resource", Error)],
        ),
        row(
            Rule::Principal,
            "a repository statement without Principal",
            Some(Repository),
            repository(with(pull(), "Principal", Value::Null)),
            &[("principal", Error)],
        ),
        row(
            Rule::Principal,
            "a Principal that is a plain ARN string",
            None,
            repository(with(
                pull(),
                "Principal",
                json!("arn:aws:iam::111122223333:root"),
            )),
            &[("principal", Error)],
        ),
        row(
            Rule::Principal,
            "an unknown principal type",
            None,
            repository(with(pull(), "Principal", json!({"Users": "alice"}))),
            &[("principal", Error)],
        ),
        row(
            Rule::Principal,
            "a wildcard in a principal ARN",
            None,
            repository(with(
                pull(),
                "Principal",
                json!({"AWS": "arn:aws:iam::111122223333:role/*"}),
            )),
            &[("principal", Error)],
        ),
        row(
            Rule::Principal,
            "a group, which cannot be a principal",
            None,
            repository(with(
                pull(),
                "Principal",
                json!({"AWS": "arn:aws:iam::111122223333:group/admins"}),
            )),
            &[("principal", Error)],
        ),
        row(
            Rule::Principal,
            "the unique id of a deleted user",
            None,
            repository(with(
                pull(),
                "Principal",
                json!({"AWS": ["arn:aws:iam::111122223333:root", "AIDAJQABLZS4A3QDU576Q"]}),
            )),
            &[("principal", Warning)],
        ),
        row(
            Rule::Principal,
            "a bare account id, a role, a session and a service",
            None,
            repository(with(
                pull(),
                "Principal",
                json!({
                    "AWS": [
                        "111122223333",
                        "arn:aws:iam::111122223333:role/ci/builder",
                        "arn:aws:sts::111122223333:assumed-role/builder/session"
                    ],
                    "Service": "codebuild.amazonaws.com"
                }),
            )),
            &[],
        ),
        // resource
        row(
            Rule::Resource,
            "an identity statement without Resource",
            None,
            identity(with(login(), "Resource", Value::Null)),
            &[("resource", Error)],
        ),
        row(
            Rule::Resource,
            "Resource and NotResource",
            None,
            identity(with(login(), "NotResource", json!(REPO_ARN))),
            &[("resource", Error)],
        ),
        row(
            Rule::Resource,
            "a Resource that is a number",
            None,
            identity(with(login(), "Resource", json!(42))),
            &[("resource", Error)],
        ),
        row(
            Rule::Resource,
            "NotResource",
            None,
            identity(json!({"Effect": "Deny", "Action": "ecr:*", "NotResource": REPO_ARN})),
            &[],
        ),
        // condition
        row(
            Rule::Condition,
            "a Condition that is a string",
            None,
            identity(with(login(), "Condition", json!("aws:SecureTransport"))),
            &[("condition", Error)],
        ),
        row(
            Rule::Condition,
            "a misspelt operator",
            None,
            identity(with(
                login(),
                "Condition",
                json!({"StringEqual": {"aws:PrincipalOrgID": "o-abc123"}}),
            )),
            &[("condition", Error)],
        ),
        row(
            Rule::Condition,
            "a key without a prefix",
            None,
            identity(with(
                login(),
                "Condition",
                json!({"Bool": {"SecureTransport": "true"}}),
            )),
            &[("condition", Error)],
        ),
        row(
            Rule::Condition,
            "a null value",
            None,
            identity(with(
                login(),
                "Condition",
                json!({"StringEquals": {"aws:PrincipalOrgID": null}}),
            )),
            &[("condition", Error)],
        ),
        row(
            Rule::Condition,
            "set operators, IfExists and a boolean value",
            None,
            identity(with(
                login(),
                "Condition",
                json!({
                    "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["team", "env"]},
                    "Bool": {"aws:SecureTransport": true}
                }),
            )),
            &[],
        ),
        // public-access
        row(
            Rule::PublicAccess,
            "Principal *",
            None,
            repository(with(pull(), "Principal", json!("*"))),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "AWS * among accounts",
            None,
            repository(with(
                pull(),
                "Principal",
                json!({"AWS": ["arn:aws:iam::111122223333:root", "*"]}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "AWS * with a negated organization condition",
            None,
            repository(with(
                with(pull(), "Principal", json!({"AWS": "*"})),
                "Condition",
                json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "an organization condition that matches any organization",
            None,
            repository(with(
                with(pull(), "Principal", "*".into()),
                "Condition",
                json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "an IfExists condition, which lets a request without the key in",
            None,
            repository(with(
                with(pull(), "Principal", "*".into()),
                "Condition",
                json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "a principal ARN pattern over any account",
            None,
            repository(with(
                with(pull(), "Principal", "*".into()),
                "Condition",
                json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "Allow with NotPrincipal",
            None,
            repository(with(
                with(pull(), "Principal", Value::Null),
                "NotPrincipal",
                json!({"AWS": "arn:aws:iam::111122223333:root"}),
            )),
            &[("public-access", Error)],
        ),
        row(
            Rule::PublicAccess,
            "AWS * within one organization",
            None,
            repository(with(
                with(pull(), "Principal", json!({"AWS": "*"})),
                "Condition",
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            )),
            &[],
        ),
        row(
            Rule::PublicAccess,
            "* limited to one account's roles",
            None,
            repository(with(
                with(pull(), "Principal", "*".into()),
                "Condition",
                json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}),
            )),
            &[],
        ),
        row(
            Rule::PublicAccess,
            "Deny to everyone",
            None,
            repository(with(
                with(pull(), "Principal", "*".into()),
                "Effect",
                json!("Deny"),
            )),
            &[],
        ),
        // ineffective-action
        row(
            Rule::IneffectiveAction,
            "registry actions on repository ARNs, as the curated-packages read policy has them",
            None,
            identity(json!({
                "Sid": "ECRRead",
                "Effect": "Allow",
                "Action": ["ecr:DescribeRegistry", "ecr:BatchGetImage"],
                "Resource": "arn:aws:ecr:*:111122223333:repository/*"
            })),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "a role action on a repository ARN",
            None,
            identity(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": REPO_ARN})),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "a Deny that denies nothing",
            None,
            identity(
                json!({"Effect": "Deny", "Action": "ecr:GetAuthorizationToken", "Resource": REPO_ARN}),
            ),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "the login action in a repository policy",
            None,
            repository(with(
                pull(),
                "Action",
                json!(["ecr:BatchGetImage", "ecr:GetAuthorizationToken"]),
            )),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "another service's action in a repository policy",
            None,
            repository(with(
                pull(),
                "Action",
                json!(["ecr:BatchGetImage", "s3:GetObject"]),
            )),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "an ECR action in a trust policy",
            Some(Trust),
            repository(with(
                pull(),
                "Action",
                json!(["sts:AssumeRole", "ecr:BatchGetImage"]),
            )),
            &[("ineffective-action", Warning)],
        ),
        row(
            Rule::IneffectiveAction,
            "registry actions on *",
            None,
            identity(
                json!({"Effect": "Allow", "Action": ["ecr:DescribeRegistry", "ecr:GetAuthorizationToken"], "Resource": "*"}),
            ),
            &[],
        ),
        row(
            Rule::IneffectiveAction,
            "a wildcard that also matches repository actions",
            None,
            identity(json!({"Effect": "Allow", "Action": "ecr:Describe*", "Resource": REPO_ARN})),
            &[],
        ),
        row(
            Rule::IneffectiveAction,
            "every ECR action in a repository policy",
            None,
            repository(with(pull(), "Action", json!("ecr:*"))),
            &[],
        ),
        row(
            Rule::IneffectiveAction,
            "AssumeRole and TagSession in a trust policy",
            None,
            repository(with(
                pull(),
                "Action",
                json!(["sts:AssumeRole", "sts:TagSession"]),
            )),
            &[],
        ),
        // unknown-action
        row(
            Rule::UnknownAction,
            "a misspelt action",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImages", "Resource": REPO_ARN}),
            ),
            &[("unknown-action", Warning)],
        ),
        row(
            Rule::UnknownAction,
            "a wildcard that matches nothing",
            None,
            identity(json!({"Effect": "Allow", "Action": "ecr:Pull*", "Resource": REPO_ARN})),
            &[("unknown-action", Warning)],
        ),
        row(
            Rule::UnknownAction,
            "a misspelt action under NotAction",
            None,
            identity(json!({"Effect": "Deny", "NotAction": "iam:GetRol", "Resource": "*"})),
            &[("unknown-action", Warning)],
        ),
        row(
            Rule::UnknownAction,
            "actions in any case",
            None,
            identity(
                json!({"Effect": "Allow", "Action": ["ECR:batchgetimage", "ecr:Batch*"], "Resource": REPO_ARN}),
            ),
            &[],
        ),
        // unchecked-service
        row(
            Rule::UncheckedService,
            "an S3 action",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}),
            ),
            &[("unchecked-service", Info)],
        ),
        row(
            Rule::UncheckedService,
            "only checked services",
            None,
            identity(
                json!({"Effect": "Allow", "Action": ["iam:GetRole", "sts:GetCallerIdentity"], "Resource": "*"}),
            ),
            &[],
        ),
        // arn
        row(
            Rule::Arn,
            "five parts",
            None,
            identity(with(
                login(),
                "Resource",
                json!("arn:aws:ecr:us-west-2:111122223333"),
            )),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "an unknown partition",
            None,
            identity(with(
                login(),
                "Resource",
                json!("arn:aws-mars:ecr:us-west-2:111122223333:repository/app"),
            )),
            &[("arn", Error), ("ineffective-action", Warning)],
        ),
        row(
            Rule::Arn,
            "a region that is not one",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr:uswest2:111122223333:repository/app"}),
            ),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "a China region in the aws partition",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr:cn-north-1:111122223333:repository/app"}),
            ),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "a region in an IAM ARN",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam:us-east-1:111122223333:role/app"}),
            ),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "no region in an ECR ARN",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr::111122223333:repository/app"}),
            ),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "a name where an ARN belongs",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "repository/app"}),
            ),
            &[("arn", Error)],
        ),
        row(
            Rule::Arn,
            "policy variables, colons and all, in ARNs",
            None,
            identity(
                json!({"Effect": "Allow", "Action": ["iam:GetUser", "ecr:BatchGetImage"], "Resource": [
                    "arn:aws:iam::111122223333:user/${aws:username}",
                    "arn:aws:ecr:${aws:RequestedRegion}:111122223333:repository/${aws:PrincipalTag/team}/*"
                ]}),
            ),
            &[],
        ),
        row(
            Rule::Arn,
            "GovCloud, ISO and wildcard ARNs",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": [
                    "arn:aws-us-gov:ecr:us-gov-west-1:111122223333:repository/app",
                    "arn:aws-iso:ecr:us-iso-east-1:111122223333:repository/app",
                    "arn:aws-cn:ecr:*:*:repository/*"
                ]}),
            ),
            &[],
        ),
        // account-id
        row(
            Rule::AccountId,
            "a principal of five digits",
            None,
            repository(with(pull(), "Principal", json!({"AWS": "12345"}))),
            &[("account-id", Error)],
        ),
        row(
            Rule::AccountId,
            "an ARN with an 11-digit account",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr:us-west-2:11112222333:repository/app"}),
            ),
            &[("account-id", Error)],
        ),
        row(
            Rule::AccountId,
            "an AWS managed policy ARN",
            None,
            identity(
                json!({"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
            ),
            &[],
        ),
        // resource-in-resource-policy
        row(
            Rule::ResourceInResourcePolicy,
            "Resource in a repository policy",
            None,
            repository(with(pull(), "Resource", json!(REPO_ARN))),
            &[("resource-in-resource-policy", Error)],
        ),
        row(
            Rule::ResourceInResourcePolicy,
            "Resource in a trust policy",
            None,
            repository(with(
                with(pull(), "Action", json!("sts:AssumeRole")),
                "Resource",
                json!("*"),
            )),
            &[("resource-in-resource-policy", Error)],
        ),
        row(
            Rule::ResourceInResourcePolicy,
            "a repository policy without Resource",
            None,
            repository(pull()),
            &[],
        ),
        // size
        row(
            Rule::Size,
            "a repository policy over 10,240 characters",
            None,
            big_repository,
            &[("size", Warning)],
        ),
        row(
            Rule::Size,
            "a repository policy within 10% of the limit",
            None,
            near_repository,
            &[("size", Info)],
        ),
        row(
            Rule::Size,
            "an identity policy over 6,144 characters",
            None,
            big_identity,
            &[("size", Warning)],
        ),
        row(
            Rule::Size,
            "an identity policy with much white space",
            None,
            airy_identity,
            &[],
        ),
    ]
}

fn pairs(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
    let mut pairs: Vec<_> = findings.iter().map(|f| (f.rule.id(), f.severity)).collect();
    pairs.sort();
    pairs
}

#[test]
fn each_rule_finds_what_it_should_and_nothing_else() {
    let mut failures = Vec::new();
    for row in rows() {
        let outcome = lint::lint(&row.document, row.kind);
        let mut expected = row.expected.clone();
        expected.sort();
        if pairs(&outcome.findings) != expected {
            failures.push(format!(
                "{} / {}: expected {expected:?}, found:\n{}",
                row.rule,
                row.name,
                outcome
                    .findings
                    .iter()
                    .map(|f| format!("  {}[{}] {}", f.severity, f.rule, f.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_positive_and_a_negative_row() {
    let rows = rows();
    for rule in Rule::ALL {
        let about: Vec<&Row> = rows.iter().filter(|r| r.rule == rule).collect();
        assert!(
            about
                .iter()
                .any(|r| r.expected.iter().any(|(id, _)| *id == rule.id())),
            "{rule} has no row that breaks it"
        );
        assert!(
            about
                .iter()
                .any(|r| r.expected.iter().all(|(id, _)| *id != rule.id())),
            "{rule} has no row that keeps it"
        );
    }
}

#[test]
fn every_finding_is_one_line_and_quotes_the_document_escaped() {
    let hostile = identity(json!({
        "Sid": "A\u{1b}[31mB",
        "Effect": "Allow\n",
        "Action": "ecr:\u{202e}Get",
        "Resource": "arn:aws:ecr:us-west-2:1111\u{7}:repository/x"
    }));
    let outcome = lint::lint(&hostile, None);
    assert!(outcome.findings.len() >= 3, "{:?}", outcome.findings);
    for finding in &outcome.findings {
        let text = format!(
            "{} {}",
            finding.reason,
            finding
                .statement
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
    }
}

#[test]
fn the_kind_is_read_from_the_document_unless_given() {
    let cases = [
        (identity(login()), Identity, KindSource::NoPrincipal),
        (repository(pull()), Repository, KindSource::Principal),
        (
            repository(with(pull(), "Action", json!("sts:AssumeRole"))),
            Trust,
            KindSource::PrincipalAndStsActions,
        ),
    ];
    for (document, kind, source) in cases {
        let outcome = lint::lint(&document, None);
        assert_eq!((outcome.kind, outcome.kind_source), (Some(kind), source));
        let given = lint::lint(&document, Some(Identity));
        assert_eq!(
            (given.kind, given.kind_source),
            (Some(Identity), KindSource::Given)
        );
    }
    let not_a_policy = lint::lint("[1]", None);
    assert_eq!(
        (not_a_policy.kind, not_a_policy.kind_source),
        (None, KindSource::NotAPolicy)
    );
}

#[test]
fn the_trust_limit_is_2048_characters() {
    let roots: Vec<String> = (0..70)
        .map(|n| format!("arn:aws:iam::{:012}:root", 200_000_000_000u64 + n))
        .collect();
    let text = repository(json!({
        "Effect": "Allow",
        "Principal": {"AWS": roots},
        "Action": "sts:AssumeRole"
    }));
    let outcome = lint::lint(&text, None);
    assert_eq!(outcome.kind, Some(Trust));
    assert_eq!(pairs(&outcome.findings), [("size", Warning)]);
    assert!(
        outcome.findings[0].reason.contains("over the 2048"),
        "{}",
        outcome.findings[0].reason
    );
}

#[test]
fn a_misspelt_action_gets_the_likely_one_suggested() {
    let outcome = lint::lint(
        &identity(json!({"Effect": "Allow", "Action": "ecr:BatchGetImages", "Resource": REPO_ARN})),
        None,
    );
    assert!(
        outcome.findings[0]
            .reason
            .ends_with("did you mean ecr:BatchGetImage?"),
        "{}",
        outcome.findings[0].reason
    );
}

// ---------------------------------------------------------------------------------
// Every generated document lints clean, but for the seed's flaw.

/// The one finding on the curated-packages read policy: the seed pairs two registry
/// actions with the registry's repository ARN, where they grant nothing.
fn seed_flaw(partition: Partition, registry: &AccountId) -> Finding {
    Finding {
        rule: Rule::IneffectiveAction,
        severity: Warning,
        statement: Some(lint::StatementRef {
            index: 0,
            sid: Some("ECRRead".to_string()),
        }),
        reason: format!(
            "\"ecr:DescribeRegistry\" and \"ecr:DescribePullThroughCacheRules\" have no resource type, so only \"Resource\": \"*\" grants them; paired with \"arn:{partition}:ecr:*:{registry}:repository/*\" they grant nothing"
        ),
    }
}

fn account() -> impl Strategy<Value = AccountId> {
    "[0-9]{12}".prop_map(|id| AccountId::parse(&id).unwrap())
}

fn accounts() -> impl Strategy<Value = Vec<AccountId>> {
    prop::collection::vec(account(), 1..6).prop_map(|mut ids| {
        ids.sort();
        ids.dedup();
        ids
    })
}

fn region() -> impl Strategy<Value = Region> {
    prop::sample::select(KNOWN_REGIONS.to_vec()).prop_map(|(name, _)| Region::parse(name).unwrap())
}

fn role_name() -> impl Strategy<Value = IamName> {
    "[A-Za-z0-9+=,.@_-]{1,64}".prop_map(|name| IamName::parse(IamKind::Role, &name).unwrap())
}

fn access() -> impl Strategy<Value = Access> {
    prop::sample::select(Access::ALL.to_vec())
}

/// What a repository policy ecr-share writes may carry: information only, about its
/// 2008-10-17 version (the language the ECR documentation writes in) or its size.
fn assert_only_repository_information(text: &str) {
    let outcome = lint::lint(text, None);
    assert_eq!(outcome.kind, Some(Repository), "{text}");
    for finding in &outcome.findings {
        assert!(
            finding.severity == Info && matches!(finding.rule, Rule::OldVersion | Rule::Size),
            "{finding:?} in {text}"
        );
    }
    assert!(
        outcome.findings.iter().any(|f| f.rule == Rule::OldVersion),
        "{text}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_curated_packages_documents_lint_clean_but_for_the_seed_flaw(
        registry in account(),
        destination in account(),
        source in account(),
        region in region(),
        role in role_name(),
    ) {
        let partition = region.partition();

        let read = documents::pretty(&documents::ecr_read_policy(Some(partition), Some(&registry)));
        let outcome = lint::lint(&read, None);
        prop_assert_eq!(outcome.kind, Some(Identity));
        prop_assert_eq!(outcome.findings, vec![seed_flaw(partition, &registry)]);

        let trust = documents::pretty(&documents::trust_policy(Some(partition), Some(&destination)));
        let outcome = lint::lint(&trust, None);
        prop_assert_eq!(outcome.kind, Some(Trust));
        prop_assert_eq!(outcome.findings, vec![]);

        let arn = RoleArn::new(partition, &source, &role);
        let assume = documents::pretty(&documents::assume_role_policy(Some(&arn)));
        let outcome = lint::lint(&assume, None);
        prop_assert_eq!(outcome.kind, Some(Identity));
        prop_assert_eq!(outcome.findings, vec![]);
    }

    #[test]
    fn generated_repository_policies_lint_clean(
        access in access(),
        grantees in accounts(),
        region in region(),
    ) {
        let policy = documents::repository_policy(
            access,
            Some(region.partition()),
            Some(&region),
            Some(&grantees),
        );
        assert_only_repository_information(&policy.to_string());
        assert_only_repository_information(&documents::pretty(&policy));
    }

    #[test]
    fn merged_repository_policies_lint_clean(
        region in region(),
        steps in prop::collection::vec(
            (access(), accounts(), prop::collection::vec("o-[a-z0-9]{10,32}", 0..3), any::<bool>()),
            1..6,
        ),
    ) {
        let mut current: Option<String> = None;
        for (access, accounts, organizations, revoke) in steps {
            // Lambda pull names each account's functions, so it takes no organization.
            let organizations = if access == Access::LambdaPull {
                Vec::new()
            } else {
                organizations
                    .iter()
                    .map(|id| OrganizationId::parse(id).expect("a well-formed organization id"))
                    .collect()
            };
            let change = if revoke && current.is_some() {
                merge::revoke(current.as_deref(), &accounts, region.partition())
            } else {
                let grant = Grant { access, accounts, organizations, region: region.clone() };
                merge::grant(current.as_deref(), &grant)
            };
            let Ok(change) = change else { continue };
            current = change.policy_text();
            if let Some(text) = &current {
                assert_only_repository_information(text);
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// The command line.

fn ecr_share_lint(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecr-share"))
        .arg("lint")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write_temp(contents: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents).unwrap();
    file
}

#[test]
fn a_clean_policy_exits_0_and_says_so() {
    let file = write_temp(identity(login()).as_bytes());
    let output = ecr_share_lint(&[file.path().to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.ends_with(": identity policy (no statement names a Principal): clean\n"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}

#[test]
fn information_alone_still_exits_0() {
    let policy = json!({"Version": "2008-10-17", "Statement": [pull()]}).to_string();
    let output = ecr_share_lint(&["-"], Some(&policy));
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("info[old-version] policy: "), "{stdout}");
    assert!(
        stdout.ends_with(
            "standard input: repository policy (statements name a Principal): clean, 1 info\n"
        ),
        "{stdout}"
    );
}

#[test]
fn a_warning_exits_1_with_one_line_per_finding() {
    let read = documents::pretty(&documents::ecr_read_policy(
        Some(Partition::Aws),
        Some(&AccountId::parse("346438352937").unwrap()),
    ));
    let output = ecr_share_lint(&[], Some(&read));
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(
            "warning[ineffective-action] Statement[0] (ECRRead): \"ecr:DescribeRegistry\""
        ),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        "standard input: identity policy (no statement names a Principal): 1 warning"
    );
}

#[test]
fn an_error_exits_1_and_json_output_carries_every_field() {
    let public = repository(with(pull(), "Principal", "*".into()));
    let output = ecr_share_lint(&["--output", "json", "-"], Some(&public));
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["source"], "-");
    assert_eq!(report["kind"], "repository");
    assert_eq!(report["clean"], false);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "public-access");
    assert_eq!(finding["severity"], "error");
    assert_eq!(
        finding["statement"],
        json!({"index": 0, "sid": "AllowPull"})
    );
    assert!(
        finding["reason"]
            .as_str()
            .unwrap()
            .starts_with("lets anyone in")
    );
    assert!(
        report["service_data"]
            .as_str()
            .unwrap()
            .starts_with("parliament ")
    );
}

#[test]
fn the_kind_flag_overrides_detection() {
    let output = ecr_share_lint(&["--kind", "identity"], Some(&repository(pull())));
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(
            "error[principal] Statement[0] (AllowPull): an identity policy has no Principal"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("identity policy (as asked)"), "{stdout}");
}

#[test]
fn unreadable_input_exits_2_with_the_reason() {
    let missing = ecr_share_lint(&["/nonexistent/policy.json"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert_eq!(
        text(&missing.stderr),
        "ecr-share: cannot lint /nonexistent/policy.json: No such file or directory (os error 2)\n"
    );

    let folder = tempfile::tempdir().unwrap();
    let directory = ecr_share_lint(&[folder.path().to_str().unwrap()], None);
    assert_eq!(directory.status.code(), Some(2));

    let binary = write_temp(&[0xff, 0xfe, b'{', b'}']);
    let not_text = ecr_share_lint(&[binary.path().to_str().unwrap()], None);
    assert_eq!(not_text.status.code(), Some(2));
    assert!(text(&not_text.stderr).ends_with(": it is not UTF-8 text\n"));

    let huge = write_temp(&vec![b' '; 1024 * 1024 + 1]);
    let too_big = ecr_share_lint(&[huge.path().to_str().unwrap()], None);
    assert_eq!(too_big.status.code(), Some(2));
    assert!(
        text(&too_big.stderr).contains("larger than 1024 KiB"),
        "{}",
        text(&too_big.stderr)
    );
}

#[test]
fn a_bad_flag_value_is_a_usage_error() {
    let output = ecr_share_lint(&["--kind", "bucket"], Some("{}"));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn invalid_json_on_standard_input_is_a_finding_not_a_usage_error() {
    let output = ecr_share_lint(&["-"], Some("{\"Version\": "));
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("error[json] policy: not valid JSON: "),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("standard input: not a policy: 1 error\n"),
        "{stdout}"
    );
}
