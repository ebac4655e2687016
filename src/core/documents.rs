//! The documents each step shows: policies built from the JSON templates in `assets/`,
//! the AWS config file, the Kubernetes Secret, and the equivalent `aws` commands.
//!
//! Builders take validated values. Where a value is missing or failed validation the
//! caller passes `None` and the document shows a placeholder such as
//! `<DESTINATION_ACCOUNT_ID>` instead, so a document never carries a rejected value.

use base64::Engine as _;
use serde_json::Value;

use super::regions::Partition;
use super::secret::{AccessKeyPair, Secret};
use super::validate::{AccountId, IamName, OrganizationId, Region, RoleArn, SubscriptionId};

const ECR_READ_POLICY: &str = include_str!("../../assets/ecr-read-policy.json");
const TRUST_POLICY: &str = include_str!("../../assets/trust-policy.json");
const ASSUME_ROLE_POLICY: &str = include_str!("../../assets/assume-role-policy.json");
const REPOSITORY_PULL: &str = include_str!("../../assets/repository-pull.json");
const REPOSITORY_PULL_PUSH: &str = include_str!("../../assets/repository-pull-push.json");
const REPOSITORY_LAMBDA_PULL: &str = include_str!("../../assets/repository-lambda-pull.json");
const REPOSITORY_PULL_ORGANIZATION: &str =
    include_str!("../../assets/repository-pull-organization.json");
const REPOSITORY_PULL_PUSH_ORGANIZATION: &str =
    include_str!("../../assets/repository-pull-push-organization.json");

/// The policy language version ECR repository policies are written in (as in the ECR docs).
pub const REPOSITORY_POLICY_VERSION: &str = "2008-10-17";

/// What a template variable stands for.
enum Fill {
    /// Replaced wherever `${NAME}` occurs in a string.
    One(String),
    /// A string that is exactly `${NAME}` becomes one string for one item, an array
    /// for several (as AWS writes principals and condition values).
    List(Vec<String>),
}

/// Fills a template's `${NAME}` variables inside its string values. The template is
/// parsed first, so no value can change the document's structure.
fn fill_template(template: &str, vars: &[(&str, Fill)]) -> Value {
    let mut value: Value =
        serde_json::from_str(template).expect("the templates in assets/ are valid JSON");
    fill_value(&mut value, vars);
    value
}

fn fill_value(value: &mut Value, vars: &[(&str, Fill)]) {
    match value {
        Value::String(text) => {
            for (name, fill) in vars {
                let token = format!("${{{name}}}");
                match fill {
                    Fill::List(items) if *text == token => {
                        *value = match items.as_slice() {
                            [one] => Value::String(one.clone()),
                            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
                        };
                        return;
                    }
                    Fill::One(replacement) if text.contains(&token) => {
                        *text = text.replace(&token, replacement);
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| fill_value(item, vars)),
        Value::Object(map) => map.values_mut().for_each(|item| fill_value(item, vars)),
        _ => {}
    }
}

fn partition_text(partition: Option<Partition>) -> String {
    partition.map_or_else(|| "<PARTITION>".to_string(), |p| p.as_str().to_string())
}

fn or_placeholder(value: Option<&impl ToString>, placeholder: &str) -> String {
    value.map_or_else(|| placeholder.to_string(), ToString::to_string)
}

/// Whether a document still shows a placeholder such as `<ROLE_ARN>` for a value that
/// is missing or failed validation.
pub fn has_placeholder(text: &str) -> bool {
    text.match_indices('<').any(|(at, _)| {
        let rest = &text[at + 1..];
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && rest
                .find('>')
                .is_some_and(|end| !rest[..end].contains(['\n', '<', '"']))
    })
}

/// Pretty JSON as the wizard shows and writes it: two-space indentation, the
/// template's key order, a final newline.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Step 2: ECR login and read access to every repository of the registry account.
pub fn ecr_read_policy(partition: Option<Partition>, registry: Option<&AccountId>) -> Value {
    fill_template(
        ECR_READ_POLICY,
        &[
            ("PARTITION", Fill::One(partition_text(partition))),
            (
                "REGISTRY_ACCOUNT",
                Fill::One(or_placeholder(registry, "<REGISTRY_ACCOUNT_ID>")),
            ),
        ],
    )
}

/// Step 3: the trust policy that lets the destination account assume the role.
pub fn trust_policy(partition: Option<Partition>, destination: Option<&AccountId>) -> Value {
    fill_template(
        TRUST_POLICY,
        &[
            ("PARTITION", Fill::One(partition_text(partition))),
            (
                "DESTINATION_ACCOUNT",
                Fill::One(or_placeholder(destination, "<DESTINATION_ACCOUNT_ID>")),
            ),
        ],
    )
}

/// Step 4: the destination user's permission to assume the role from step 3.
pub fn assume_role_policy(role_arn: Option<&RoleArn>) -> Value {
    fill_template(
        ASSUME_ROLE_POLICY,
        &[(
            "ROLE_ARN",
            Fill::One(or_placeholder(role_arn, "<ROLE_ARN>")),
        )],
    )
}

/// How much a repository grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    Pull,
    PullPush,
    LambdaPull,
}

impl Access {
    pub const ALL: [Access; 3] = [Access::Pull, Access::PullPush, Access::LambdaPull];

    /// The name used on the command line (`--access`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::PullPush => "pull-push",
            Access::LambdaPull => "lambda",
        }
    }

    pub fn from_cli_name(name: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.cli_name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Access::Pull => "pull",
            Access::PullPush => "pull and push",
            Access::LambdaPull => "pull for Lambda",
        }
    }
}

/// The `Sid`s of the statements this tool writes into a repository policy. A Sid
/// alone does not make a statement the tool's: its shape has to match the template
/// too (see `merge::is_owned`).
pub const OWN_REPOSITORY_SIDS: [&str; 3] = ["AllowPull", "AllowPullAndPush", "AllowLambdaPull"];

/// The `Sid`s of the statements this tool writes for whole organizations: `"*"` as
/// the principal, limited by exactly one `StringEquals` on `aws:PrincipalOrgID`. As
/// with [`OWN_REPOSITORY_SIDS`], the Sid alone does not make a statement the tool's.
pub const OWN_ORGANIZATION_SIDS: [&str; 2] =
    ["AllowPullOrganization", "AllowPullAndPushOrganization"];

/// The actions of the statement this tool writes under `sid` (one of
/// [`OWN_REPOSITORY_SIDS`] or [`OWN_ORGANIZATION_SIDS`]), as its template lists them;
/// `None` for any other Sid.
pub fn repository_statement_actions(sid: &str) -> Option<Vec<String>> {
    [
        REPOSITORY_PULL,
        REPOSITORY_PULL_PUSH,
        REPOSITORY_LAMBDA_PULL,
        REPOSITORY_PULL_ORGANIZATION,
        REPOSITORY_PULL_PUSH_ORGANIZATION,
    ]
    .into_iter()
    .map(|template| fill_template(template, &[]))
    .find(|statement| statement["Sid"] == sid)
    .map(|statement| {
        statement["Action"]
            .as_array()
            .expect("the repository templates list their actions")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

/// The statements that grant `accounts` the given access to a repository.
pub fn repository_statements(
    access: Access,
    partition: Option<Partition>,
    region: Option<&Region>,
    accounts: Option<&[AccountId]>,
) -> Vec<Value> {
    let partition_name = partition_text(partition);
    let roots: Vec<String> = match accounts {
        Some(list) if !list.is_empty() => list
            .iter()
            .map(|a| format!("arn:{partition_name}:iam::{a}:root"))
            .collect(),
        _ => vec![format!(
            "arn:{partition_name}:iam::<GRANTEE_ACCOUNT_ID>:root"
        )],
    };
    let principal = [("GRANTEE_ROOT_ARNS", Fill::List(roots))];
    match access {
        Access::Pull => vec![fill_template(REPOSITORY_PULL, &principal)],
        Access::PullPush => vec![fill_template(REPOSITORY_PULL_PUSH, &principal)],
        Access::LambdaPull => {
            let region_name = or_placeholder(region, "<REGION>");
            let functions: Vec<String> = match accounts {
                Some(list) if !list.is_empty() => list
                    .iter()
                    .map(|a| format!("arn:{partition_name}:lambda:{region_name}:{a}:function:*"))
                    .collect(),
                _ => vec![format!(
                    "arn:{partition_name}:lambda:{region_name}:<GRANTEE_ACCOUNT_ID>:function:*"
                )],
            };
            vec![
                fill_template(REPOSITORY_PULL, &principal),
                fill_template(
                    REPOSITORY_LAMBDA_PULL,
                    &[("GRANTEE_LAMBDA_FUNCTION_ARNS", Fill::List(functions))],
                ),
            ]
        }
    }
}

/// The statement that grants every account of `organizations` the given access to a
/// repository: any principal, on condition that its account belongs to one of them.
/// `None` for Lambda pull: the Lambda service statement names each account's
/// functions by ARN, which an organization id does not give.
pub fn repository_organization_statement(
    access: Access,
    organizations: &[OrganizationId],
) -> Option<Value> {
    let template = match access {
        Access::Pull => REPOSITORY_PULL_ORGANIZATION,
        Access::PullPush => REPOSITORY_PULL_PUSH_ORGANIZATION,
        Access::LambdaPull => return None,
    };
    let ids = if organizations.is_empty() {
        vec!["<ORGANIZATION_ID>".to_string()]
    } else {
        organizations.iter().map(ToString::to_string).collect()
    };
    Some(fill_template(
        template,
        &[("ORGANIZATION_IDS", Fill::List(ids))],
    ))
}

/// A whole repository policy holding only this grant, as the ECR docs show it.
pub fn repository_policy(
    access: Access,
    partition: Option<Partition>,
    region: Option<&Region>,
    accounts: Option<&[AccountId]>,
) -> Value {
    serde_json::json!({
        "Version": REPOSITORY_POLICY_VERSION,
        "Statement": repository_statements(access, partition, region, accounts),
    })
}

/// Step 1: the `aws` command that finds the curated-packages registry, with the
/// default credentials.
pub fn describe_subscription_command(
    region: Option<&Region>,
    subscription: Option<&SubscriptionId>,
) -> String {
    describe_subscription_command_as(None, region, subscription)
}

/// Step 1: the `aws` command that finds the curated-packages registry, run with
/// `profile` (none: the default credentials) in `region`.
pub fn describe_subscription_command_as(
    profile: Option<&str>,
    region: Option<&Region>,
    subscription: Option<&SubscriptionId>,
) -> String {
    format!(
        "aws eks describe-eks-anywhere-subscription \\\n{}  --id {} \\\n  --query 'subscription.packageRegistry'\n",
        aws_target_lines(profile, &or_placeholder(region, "<REGION>")),
        shell_quote(&or_placeholder(subscription, "<SUBSCRIPTION_ID>")),
    )
}

/// Quotes a word for a POSIX shell: the whole word in single quotes, each `'` in
/// it written as `'\''`. Any text comes out as exactly one word.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The options that make an `aws` command act where the step acts: `--profile` when
/// the step uses a named profile (none for the default credentials) and always
/// `--region`, each quoted, as one line fragment: ` --profile 'prod' --region 'us-east-1'`.
pub fn aws_target_options(profile: Option<&str>, region: &str) -> String {
    let mut options = String::new();
    if let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) {
        options.push_str(&format!(" --profile {}", shell_quote(profile)));
    }
    options.push_str(&format!(" --region {}", shell_quote(region)));
    options
}

/// The same options as [`aws_target_options`], one per continued line
/// (`  --profile 'prod' \`), for the commands the documents spread over lines.
pub fn aws_target_lines(profile: Option<&str>, region: &str) -> String {
    let mut lines = String::new();
    if let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) {
        lines.push_str(&format!("  --profile {} \\\n", shell_quote(profile)));
    }
    lines.push_str(&format!("  --region {} \\\n", shell_quote(region)));
    lines
}

/// Step 6: the AWS config file the curated-packages controller reads. Its default
/// profile assumes the role through the user's keys.
pub fn aws_config_file(
    user: Option<&IamName>,
    role_arn: Option<&RoleArn>,
    region: Option<&Region>,
    keys: Option<&AccessKeyPair>,
) -> String {
    let user = or_placeholder(user, "<USER_NAME>");
    let (key_id, secret) = match keys {
        Some(pair) => (
            pair.access_key_id.clone(),
            pair.secret_access_key.expose().to_string(),
        ),
        None => (
            "<ACCESS_KEY_ID from step 5>".to_string(),
            "<SECRET_ACCESS_KEY from step 5>".to_string(),
        ),
    };
    format!(
        "[default]\nsource_profile={user}\nrole_arn={}\nregion={}\n\n[profile {user}]\naws_access_key_id={key_id}\naws_secret_access_key={secret}\n",
        or_placeholder(role_arn, "<ROLE_ARN>"),
        or_placeholder(region, "<REGION>"),
    )
}

/// The key pair of the user's profile in a config file ecr-share wrote.
pub fn saved_key(config_file: &str, user: &IamName) -> Option<AccessKeyPair> {
    let header = format!("[profile {user}]");
    let mut in_section = false;
    let (mut id, mut secret) = (None, None);
    for line in config_file.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "aws_access_key_id" => id = Some(value.trim().to_string()),
                "aws_secret_access_key" => secret = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    Some(AccessKeyPair {
        access_key_id: id.filter(|v| !v.is_empty())?,
        secret_access_key: Secret::new(secret.filter(|v| !v.is_empty())?),
    })
}

/// The namespace and name of the Secret the curated-packages controller reads.
pub const PACKAGES_NAMESPACE: &str = "eksa-packages";
pub const PACKAGES_SECRET: &str = "aws-secret";

/// Step 7: the `aws-secret` Secret for an existing cluster. The config file goes in
/// the `config` key, base64 without line wrapping; the older key fields must stay
/// present, empty.
pub fn aws_secret_manifest(config_file: &str) -> String {
    let config = base64::engine::general_purpose::STANDARD.encode(config_file.as_bytes());
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {PACKAGES_SECRET}\n  namespace: {PACKAGES_NAMESPACE}\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: \"\"\n  AWS_SECRET_ACCESS_KEY: \"\"\n  REGION: \"\"\n  config: {config}\n"
    )
}

/// Step 7, new clusters: point `eksctl anywhere` at the config file.
pub fn new_cluster_instruction(config_path: &str) -> String {
    let config_path = shell_quote(config_path);
    format!(
        "# For a new cluster, before creating it:\nexport EKSA_AWS_CONFIG_FILE={config_path}\neksctl anywhere create cluster -f cluster.yaml\n\n# For an existing cluster, apply the aws-secret manifest instead:\nkubectl apply -f aws-secret.yaml\n"
    )
}

/// The file name a document is saved under by default.
pub fn default_file_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::DescribeSubscriptionCommand => "describe-subscription.sh",
        DocumentKind::EcrReadPolicy => "curated-packages-policy.json",
        DocumentKind::TrustPolicy => "curated-packages-trust-policy.json",
        DocumentKind::AssumeRolePolicy => "curated-packages-assume-role-policy.json",
        DocumentKind::AccessKey => "access-key.txt",
        DocumentKind::AwsConfigFile => "curated-packages-aws-config",
        DocumentKind::SecretManifest => "aws-secret.yaml",
        DocumentKind::NewClusterInstruction => "new-cluster.sh",
        DocumentKind::VerifyChecks => "verify.txt",
        DocumentKind::RepositoryPolicyCommand => "get-repository-policy.sh",
        DocumentKind::RepositoryPolicy => "repository-policy.json",
        DocumentKind::ApplyRepositoryPolicy => "set-repository-policy.sh",
        DocumentKind::PolicyChanges => "repository-policy.diff",
    }
}

/// Every document a step can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    DescribeSubscriptionCommand,
    EcrReadPolicy,
    TrustPolicy,
    AssumeRolePolicy,
    AccessKey,
    AwsConfigFile,
    SecretManifest,
    NewClusterInstruction,
    VerifyChecks,
    RepositoryPolicyCommand,
    RepositoryPolicy,
    ApplyRepositoryPolicy,
    /// The diff between the repository's current policy and the merged one.
    PolicyChanges,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::DescribeSubscriptionCommand => "aws CLI command",
            DocumentKind::EcrReadPolicy => "ECR read policy",
            DocumentKind::TrustPolicy => "Trust policy",
            DocumentKind::AssumeRolePolicy => "Assume-role policy",
            DocumentKind::AccessKey => "Access key",
            DocumentKind::AwsConfigFile => "AWS config file",
            DocumentKind::SecretManifest => "Secret aws-secret",
            DocumentKind::NewClusterInstruction => "New cluster",
            DocumentKind::VerifyChecks => "What is checked",
            DocumentKind::RepositoryPolicyCommand => "Current policy",
            DocumentKind::RepositoryPolicy => "Repository policy",
            DocumentKind::ApplyRepositoryPolicy => "aws CLI equivalent",
            DocumentKind::PolicyChanges => "Changes to the current policy",
        }
    }

    pub fn language(self) -> Language {
        match self {
            DocumentKind::EcrReadPolicy
            | DocumentKind::TrustPolicy
            | DocumentKind::AssumeRolePolicy
            | DocumentKind::RepositoryPolicy => Language::Json,
            DocumentKind::AwsConfigFile => Language::Ini,
            DocumentKind::SecretManifest => Language::Yaml,
            DocumentKind::DescribeSubscriptionCommand
            | DocumentKind::NewClusterInstruction
            | DocumentKind::RepositoryPolicyCommand
            | DocumentKind::ApplyRepositoryPolicy => Language::Shell,
            DocumentKind::AccessKey | DocumentKind::VerifyChecks => Language::Text,
            DocumentKind::PolicyChanges => Language::Diff,
        }
    }

    /// Whether the document can hold a secret, so a saved copy must be private (0600).
    pub fn may_hold_secret(self) -> bool {
        matches!(
            self,
            DocumentKind::AccessKey | DocumentKind::AwsConfigFile | DocumentKind::SecretManifest
        )
    }
}

/// How a document is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Json,
    Ini,
    Yaml,
    Shell,
    Diff,
    Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_the_profile_only_when_there_is_one_and_always_the_region() {
        assert_eq!(
            aws_target_options(None, "us-east-1"),
            " --region 'us-east-1'"
        );
        assert_eq!(
            aws_target_options(Some("  "), "us-east-1"),
            " --region 'us-east-1'"
        );
        assert_eq!(
            aws_target_options(Some("o'brien"), "eu-west-1"),
            r" --profile 'o'\''brien' --region 'eu-west-1'"
        );
        assert_eq!(
            aws_target_lines(Some("prod"), "eu-west-1"),
            "  --profile 'prod' \\\n  --region 'eu-west-1' \\\n"
        );
    }

    #[test]
    fn the_describe_command_carries_the_profile_it_is_given() {
        let region = Region::parse("us-west-2").unwrap();
        let plain = describe_subscription_command(Some(&region), None);
        assert!(!plain.contains("--profile"), "{plain}");
        assert!(plain.contains("--region 'us-west-2'"), "{plain}");
        let with = describe_subscription_command_as(Some("src"), Some(&region), None);
        assert!(with.contains("  --profile 'src' \\\n"), "{with}");
        assert!(with.contains("--id '<SUBSCRIPTION_ID>'"), "{with}");
    }

    fn account(id: &str) -> AccountId {
        AccountId::parse(id).unwrap()
    }

    #[test]
    fn one_grantee_is_a_string_and_several_are_an_array() {
        let one = repository_policy(
            Access::Pull,
            Some(Partition::Aws),
            None,
            Some(&[account("222222222222")]),
        );
        assert_eq!(
            one["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::222222222222:root"
        );
        let two = repository_policy(
            Access::LambdaPull,
            Some(Partition::AwsCn),
            Some(&Region::parse("cn-north-1").unwrap()),
            Some(&[account("222222222222"), account("333333333333")]),
        );
        assert_eq!(
            two["Statement"][0]["Principal"]["AWS"],
            serde_json::json!([
                "arn:aws-cn:iam::222222222222:root",
                "arn:aws-cn:iam::333333333333:root"
            ])
        );
        assert_eq!(
            two["Statement"][1]["Condition"]["StringLike"]["aws:sourceARN"],
            serde_json::json!([
                "arn:aws-cn:lambda:cn-north-1:222222222222:function:*",
                "arn:aws-cn:lambda:cn-north-1:333333333333:function:*"
            ])
        );
    }

    #[test]
    fn each_own_sid_has_its_template_actions() {
        assert_eq!(
            repository_statement_actions("AllowPull").unwrap(),
            [
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "ecr:BatchCheckLayerAvailability"
            ]
        );
        assert_eq!(
            repository_statement_actions("AllowPullAndPush")
                .unwrap()
                .len(),
            7
        );
        assert_eq!(
            repository_statement_actions("AllowLambdaPull").unwrap(),
            ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        );
        assert_eq!(repository_statement_actions("CiPush"), None);
        for (sid, access) in OWN_ORGANIZATION_SIDS
            .into_iter()
            .zip([Access::Pull, Access::PullPush])
        {
            let account_sid = sid.trim_end_matches("Organization");
            assert_eq!(
                repository_statement_actions(sid),
                repository_statement_actions(account_sid),
                "{sid}"
            );
            let statement = repository_organization_statement(access, &[]).unwrap();
            assert_eq!(statement["Sid"], sid);
        }
    }

    #[test]
    fn an_organization_statement_is_any_principal_in_the_organizations() {
        let org = |id: &str| OrganizationId::parse(id).unwrap();
        let one = repository_organization_statement(Access::Pull, &[org("o-a1b2c3d4e5")]).unwrap();
        assert_eq!(
            one,
            serde_json::json!({
                "Sid": "AllowPullOrganization",
                "Effect": "Allow",
                "Principal": "*",
                "Action": [
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "ecr:BatchCheckLayerAvailability"
                ],
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
            })
        );
        let two = repository_organization_statement(
            Access::PullPush,
            &[org("o-a1b2c3d4e5"), org("o-zzzzzzzzzz")],
        )
        .unwrap();
        assert_eq!(
            two["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
            serde_json::json!(["o-a1b2c3d4e5", "o-zzzzzzzzzz"])
        );
        assert_eq!(
            repository_organization_statement(Access::LambdaPull, &[org("o-a1b2c3d4e5")]),
            None
        );
    }

    #[test]
    fn missing_values_show_placeholders() {
        let text = pretty(&trust_policy(None, None));
        assert!(
            text.contains("arn:<PARTITION>:iam::<DESTINATION_ACCOUNT_ID>:root"),
            "{text}"
        );
        let config = aws_config_file(None, None, None, None);
        assert!(config.contains("<ACCESS_KEY_ID from step 5>"));
    }

    #[test]
    fn placeholders_are_recognised() {
        assert!(has_placeholder(
            "arn:aws:iam::<DESTINATION_ACCOUNT_ID>:root"
        ));
        assert!(has_placeholder("<ACCESS_KEY_ID from step 5>"));
        assert!(!has_placeholder("a < b and c > d"));
        assert!(!has_placeholder(&pretty(&trust_policy(
            Some(Partition::Aws),
            Some(&account("999999999999"))
        ))));
    }

    #[test]
    fn the_key_is_read_back_from_the_users_profile_only() {
        let user = IamName::parse(
            super::super::validate::IamKind::User,
            "curated-packages-user",
        )
        .unwrap();
        let keys = AccessKeyPair {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: Secret::new("s3cr3t/+="),
        };
        let role = RoleArn::parse("arn:aws:iam::111111111111:role/r").unwrap();
        let region = Region::parse("us-west-2").unwrap();
        let text = aws_config_file(Some(&user), Some(&role), Some(&region), Some(&keys));
        assert_eq!(saved_key(&text, &user), Some(keys));
        let other = IamName::parse(super::super::validate::IamKind::User, "someone-else").unwrap();
        assert_eq!(saved_key(&text, &other), None);
        assert_eq!(
            saved_key(
                "[profile curated-packages-user]\naws_access_key_id=A\n",
                &user
            ),
            None
        );
    }

    #[test]
    fn secret_manifest_base64_has_no_line_breaks() {
        let config = "x".repeat(500);
        let manifest = aws_secret_manifest(&config);
        let line = manifest
            .lines()
            .find(|l| l.trim_start().starts_with("config:"))
            .unwrap();
        let encoded = line.trim_start().trim_start_matches("config: ");
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap(),
            config.as_bytes()
        );
        for key in [
            "AWS_ACCESS_KEY_ID: \"\"",
            "AWS_SECRET_ACCESS_KEY: \"\"",
            "REGION: \"\"",
            "namespace: eksa-packages",
            "type: Opaque",
        ] {
            assert!(manifest.contains(key), "{key}");
        }
    }
}
