//! Who may do what on a repository, read from its policy: every grantee of every
//! statement (an account or a principal in it, an organization, the Lambda functions
//! of an account, a service, anyone), how much it may do, under which conditions in
//! plain words, and what deserves a look (public access, grants to the repository's
//! own account, principals AWS can no longer resolve, a policy near its size limit).
//!
//! Pure: it takes the policy text and the account that owns the repository, so the
//! `audit` command and the wizard show the same findings.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use super::documents::{self, Access};
use super::merge;
use super::validate::SizeLimit;

/// A policy over this share of the size limit is reported as near it.
pub const NEAR_LIMIT_PERCENT: usize = 90;

/// What a repository policy lets whom do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyAudit {
    /// The policy's length as AWS counts it against the 10,240-character limit (the
    /// compact JSON).
    pub characters: usize,
    /// One entry per grantee per statement, in the policy's order.
    pub grants: Vec<GranteeAccess>,
    /// What deserves a look, in the policy's order (size last).
    pub findings: Vec<Finding>,
}

impl PolicyAudit {
    /// Whether any statement allows anyone, with no condition that limits who.
    pub fn is_public(&self) -> bool {
        self.findings.iter().any(|f| f.kind == FindingKind::Public)
    }

    /// The accounts an `Allow` statement names, by a principal or by its Lambda
    /// functions, sorted and without repeats.
    pub fn accounts(&self) -> Vec<String> {
        let accounts: BTreeSet<&str> = self
            .allowed()
            .filter_map(|grant| match &grant.grantee {
                Grantee::Account { account, .. } => Some(account.as_str()),
                Grantee::LambdaFunctions {
                    account: Some(account),
                    ..
                } => Some(account.as_str()),
                _ => None,
            })
            .collect();
        accounts.into_iter().map(str::to_string).collect()
    }

    /// The organizations an `Allow` statement lets in, sorted and without repeats.
    pub fn organizations(&self) -> Vec<String> {
        let organizations: BTreeSet<&str> = self
            .allowed()
            .filter_map(|grant| match &grant.grantee {
                Grantee::Organization { organization } => Some(organization.as_str()),
                _ => None,
            })
            .collect();
        organizations.into_iter().map(str::to_string).collect()
    }

    fn allowed(&self) -> impl Iterator<Item = &GranteeAccess> {
        self.grants.iter().filter(|g| g.effect == Effect::Allow)
    }
}

/// One grantee of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GranteeAccess {
    /// The statement's `Sid`, or `#N` (counted from 1) for a statement without one.
    pub statement: String,
    pub effect: Effect,
    pub grantee: Grantee,
    pub access: Level,
    /// The statement's `Action` as written (for `all_except`: its `NotAction`).
    pub actions: Vec<String>,
    /// For `other`: the actions that are neither pull nor push, as written.
    pub other_actions: Vec<String>,
    /// The statement's conditions in plain words ("only from organization o-abc").
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grantee {
    /// An account: the whole account (its root or its bare id; `principal` is `None`)
    /// or one role, user or role session within it (`principal` is its ARN).
    Account {
        account: String,
        principal: Option<String>,
    },
    /// Every principal of an organization: `"*"` limited by `aws:PrincipalOrgID` (or
    /// `aws:PrincipalOrgPaths`).
    Organization { organization: String },
    /// The Lambda functions of an account: the `lambda.amazonaws.com` service limited
    /// by `aws:SourceArn` (`functions`, the ARN pattern) or `aws:SourceAccount`.
    /// `account` is `None` when the pattern does not name one account.
    LambdaFunctions {
        account: Option<String>,
        functions: Option<String>,
    },
    /// A service principal such as `codebuild.amazonaws.com`.
    Service { service: String },
    /// Any principal: `"*"` with no organization or account condition.
    Anyone,
    /// Every principal except the ones listed (`NotPrincipal`).
    AllExcept { principals: Vec<String> },
    /// An IAM unique id (`AIDA…`, `AROA…`): AWS shows one in place of the ARN of a
    /// user or role that was deleted. It stands for no current principal.
    UnknownId { id: String },
    /// A web or SAML identity provider.
    Federated { provider: String },
    /// A principal in none of the shapes above, as written.
    Other { principal: String },
}

impl Grantee {
    /// The grantee in a few words, as a table cell or a sentence shows it.
    pub fn describe(&self) -> String {
        match self {
            Grantee::Account {
                account,
                principal: None,
            } => format!("account {account}"),
            Grantee::Account {
                account,
                principal: Some(arn),
            } => format!("account {account} {}", principal_name(arn)),
            Grantee::Organization { organization } => format!("organization {organization}"),
            Grantee::LambdaFunctions {
                account: Some(account),
                functions,
            } => match functions.as_deref().and_then(lambda_region) {
                Some(region) => format!("Lambda functions of account {account} in {region}"),
                None => format!("Lambda functions of account {account}"),
            },
            Grantee::LambdaFunctions {
                account: None,
                functions: Some(arns),
            } => format!("Lambda functions matching {arns}"),
            Grantee::LambdaFunctions {
                account: None,
                functions: None,
            } => "Lambda functions".to_string(),
            Grantee::Service { service } => format!("service {service}"),
            Grantee::Anyone => "anyone (*)".to_string(),
            Grantee::AllExcept { principals } => {
                format!("anyone except {}", principals.join(", "))
            }
            Grantee::UnknownId { id } => format!("unknown principal {id}"),
            Grantee::Federated { provider } => format!("federated {provider}"),
            Grantee::Other { principal } => principal.clone(),
        }
    }
}

/// The part of a principal ARN after its account: `role/ci`, `user/alice`,
/// `assumed-role/ci/session`.
fn principal_name(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

fn lambda_region(arn: &str) -> Option<&str> {
    let region = arn.split(':').nth(3)?;
    (!region.is_empty() && !region.contains(['*', '?'])).then_some(region)
}

/// How much a statement allows (or denies), from its actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Only actions of pulling an image.
    Pull,
    /// Only actions of pushing an image.
    Push,
    /// Pull and push actions, nothing else.
    PullAndPush,
    /// Actions beyond pull and push (listed in `other_actions`), or wildcards.
    Other,
    /// Every action except the ones listed (`NotAction`).
    AllExcept,
}

impl Level {
    /// The level in words: the labels of the grant command's access levels.
    pub fn label(self) -> &'static str {
        match self {
            Level::Pull => Access::Pull.label(),
            Level::PullAndPush => Access::PullPush.label(),
            Level::Push => "push",
            Level::Other => "other actions",
            Level::AllExcept => "all actions except",
        }
    }
}

impl GranteeAccess {
    /// The access in a few words: `pull`, `pull and push`, `pull and push,
    /// ecr:DeleteRepository`, `all actions except ecr:PutImage`, with `deny` in front
    /// of a `Deny` statement's.
    pub fn describe_access(&self) -> String {
        let text = match self.access {
            Level::Pull | Level::Push | Level::PullAndPush => self.access.label().to_string(),
            Level::Other => {
                let standard = classify(
                    &self
                        .actions
                        .iter()
                        .filter(|a| !self.other_actions.contains(a))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
                let mut parts = Vec::new();
                if let (level @ (Level::Pull | Level::Push | Level::PullAndPush), _) = standard {
                    parts.push(level.label().to_string());
                }
                parts.extend(self.other_actions.iter().cloned());
                if parts.is_empty() {
                    "no actions".to_string()
                } else {
                    parts.join(", ")
                }
            }
            Level::AllExcept => format!("all actions except {}", self.actions.join(", ")),
        };
        match self.effect {
            Effect::Allow => text,
            Effect::Deny => format!("deny {text}"),
        }
    }
}

/// Something in a policy that deserves a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// The statement it is about (`None`: the whole policy).
    pub statement: Option<String>,
    /// What it means, in a sentence.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An `Allow` for any principal (`"*"`, or `NotPrincipal`) with no condition that
    /// limits who.
    Public,
    /// An `Allow` for the repository's own account or a principal in it.
    OwnAccount,
    /// A principal that is an IAM unique id: its user or role was deleted.
    UnknownPrincipal,
    /// A service principal with no `aws:SourceAccount` or `aws:SourceArn` condition:
    /// the service acting for any account may use the grant.
    UnscopedService,
    /// The policy is over [`NEAR_LIMIT_PERCENT`] of the size limit.
    NearSizeLimit,
    /// The policy is not JSON, or has no statements in a shape that can be read.
    Unreadable,
}

/// The pull actions and the push actions, from the grant command's own templates.
static LEVELS: LazyLock<(BTreeSet<String>, BTreeSet<String>)> = LazyLock::new(|| {
    let lower = |sid: &str| -> BTreeSet<String> {
        documents::repository_statement_actions(sid)
            .expect("the grant templates have these Sids")
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect()
    };
    let pull = lower(documents::OWN_REPOSITORY_SIDS[0]);
    let push = lower(documents::OWN_REPOSITORY_SIDS[1])
        .difference(&pull)
        .cloned()
        .collect();
    (pull, push)
});

/// The level of a list of actions and the ones that are neither pull nor push.
/// Actions are compared without regard to case, as IAM does; a wildcard counts as
/// another action, since it may stand for any.
fn classify(actions: &[String]) -> (Level, Vec<String>) {
    let (pull, push) = &*LEVELS;
    let mut has_pull = false;
    let mut has_push = false;
    let mut other = Vec::new();
    for action in actions {
        let lower = action.to_ascii_lowercase();
        if pull.contains(&lower) {
            has_pull = true;
        } else if push.contains(&lower) {
            has_push = true;
        } else {
            other.push(action.clone());
        }
    }
    let level = match (other.is_empty() && !actions.is_empty(), has_pull, has_push) {
        (false, _, _) => Level::Other,
        (true, true, false) => Level::Pull,
        (true, false, true) => Level::Push,
        (true, _, _) => Level::PullAndPush,
    };
    (level, other)
}

/// Reads a repository policy: who may do what, and what deserves a look. `owner` is
/// the account that owns the repository.
pub fn audit_policy(text: &str, owner: &str) -> PolicyAudit {
    let policy: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            return PolicyAudit {
                characters: text.chars().count(),
                grants: Vec::new(),
                findings: vec![Finding {
                    kind: FindingKind::Unreadable,
                    statement: None,
                    message: format!("the policy is not JSON ({error}); it was not analysed"),
                }],
            };
        }
    };
    let characters = policy.to_string().chars().count();
    let mut grants = Vec::new();
    let mut findings = Vec::new();
    let statements = merge::statements_of(&policy);
    if !policy.is_object() || statements.iter().any(|s| !s.is_object()) {
        findings.push(Finding {
            kind: FindingKind::Unreadable,
            statement: None,
            message: "the policy is not an object whose statements are objects; what cannot be read was not analysed".to_string(),
        });
    }
    for (index, statement) in statements.into_iter().enumerate() {
        if statement.is_object() {
            read_statement(statement, index, owner, &mut grants, &mut findings);
        }
    }
    let limit = SizeLimit::RepositoryPolicy.max_chars();
    if characters * 100 > limit * NEAR_LIMIT_PERCENT {
        findings.push(Finding {
            kind: FindingKind::NearSizeLimit,
            statement: None,
            message: format!(
                "the policy has {} of the {} characters a repository policy may have ({}%); a further grant may not fit",
                thousands(characters),
                thousands(limit),
                characters * 100 / limit
            ),
        });
    }
    PolicyAudit {
        characters,
        grants,
        findings,
    }
}

/// The grantees of one statement and its findings.
fn read_statement(
    statement: &Value,
    index: usize,
    owner: &str,
    grants: &mut Vec<GranteeAccess>,
    findings: &mut Vec<Finding>,
) {
    let label = match statement.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => sid.to_string(),
        _ => format!("#{}", index + 1),
    };
    let effect = match statement.get("Effect").and_then(Value::as_str) {
        Some(effect) if effect.eq_ignore_ascii_case("deny") => Effect::Deny,
        _ => Effect::Allow,
    };
    let (access, actions, other_actions) = match statement.get("NotAction") {
        Some(not_action) => (Level::AllExcept, strings(not_action), Vec::new()),
        None => {
            let actions = statement.get("Action").map(strings).unwrap_or_default();
            let (level, other) = classify(&actions);
            (level, actions, other)
        }
    };
    let tests = condition_tests(statement);
    let conditions: Vec<String> = tests.iter().map(Test::words).collect();
    let limited = tests.iter().any(Test::limits_who);
    let mut finding = |kind, message: String| {
        findings.push(Finding {
            kind,
            statement: Some(label.clone()),
            message,
        });
    };

    let mut grantees = Vec::new();
    if let Some(not_principal) = statement.get("NotPrincipal") {
        let principals = principal_values(not_principal)
            .into_iter()
            .map(|(_, value)| value)
            .collect();
        grantees.push(Grantee::AllExcept { principals });
    } else if let Some(principal) = statement.get("Principal") {
        for (kind, value) in principal_values(principal) {
            grantees.extend(grantees_of(&kind, &value, &tests));
        }
    }
    if grantees.is_empty() {
        // AWS refuses such a statement in a repository policy, but a policy may
        // still hold one; it is shown rather than left out.
        grantees.push(Grantee::Other {
            principal: "no principal".to_string(),
        });
    }

    let level_words = {
        let sample = GranteeAccess {
            statement: label.clone(),
            effect: Effect::Allow,
            grantee: Grantee::Anyone,
            access,
            actions: actions.clone(),
            other_actions: other_actions.clone(),
            conditions: Vec::new(),
        };
        sample.describe_access()
    };
    for grantee in &grantees {
        if let Grantee::UnknownId { id } = grantee {
            finding(
                FindingKind::UnknownPrincipal,
                format!(
                    "statement {label} names {id}, an IAM unique id rather than an ARN: the user or role it stood for was deleted, and the statement lets no one in through it (a new user or role of the same name is not that one)"
                ),
            );
        }
        if effect == Effect::Deny {
            continue;
        }
        match grantee {
            Grantee::Anyone | Grantee::AllExcept { .. } if !limited => {
                let who = match grantee {
                    Grantee::Anyone => "lets anyone (\"*\")".to_string(),
                    _ => format!("lets {}", grantee.describe()),
                };
                let why = if conditions.is_empty() {
                    "with no condition".to_string()
                } else {
                    format!(
                        "with no condition that limits who (its conditions: {})",
                        conditions.join("; ")
                    )
                };
                finding(
                    FindingKind::Public,
                    format!("statement {label} is public: it {who} {level_words}, {why}"),
                );
            }
            Grantee::Account { account, principal } if account == owner => {
                let whom = match principal {
                    None => format!("its own account {account}"),
                    Some(arn) => format!("{} of its own account {account}", principal_name(arn)),
                };
                let note = match principal {
                    None => {
                        "the account's IAM policies already decide what its users and roles may do"
                    }
                    Some(_) => "that principal gets it even without an IAM policy that allows it",
                };
                finding(
                    FindingKind::OwnAccount,
                    format!("statement {label} grants {whom} {level_words}: {note}"),
                );
            }
            Grantee::Service { service } if !tests.iter().any(Test::scopes_service) => {
                finding(
                    FindingKind::UnscopedService,
                    format!(
                        "statement {label} lets the service {service} in for any account that uses it: no aws:SourceAccount or aws:SourceArn condition names whose resources it acts for"
                    ),
                );
            }
            _ => {}
        }
    }
    for grantee in grantees {
        grants.push(GranteeAccess {
            statement: label.clone(),
            effect,
            grantee,
            access,
            actions: actions.clone(),
            other_actions: other_actions.clone(),
            conditions: conditions.clone(),
        });
    }
}

/// The principals of a `Principal` or `NotPrincipal` element as (kind, value):
/// `"*"` is `("AWS", "*")`.
fn principal_values(principal: &Value) -> Vec<(String, String)> {
    match principal {
        Value::String(text) => vec![("AWS".to_string(), text.clone())],
        Value::Object(kinds) => kinds
            .iter()
            .flat_map(|(kind, values)| {
                strings(values)
                    .into_iter()
                    .map(move |value| (kind.clone(), value))
            })
            .collect(),
        other => vec![("AWS".to_string(), other.to_string())],
    }
}

/// The grantees one principal stands for, given the statement's conditions.
fn grantees_of(kind: &str, value: &str, tests: &[Test]) -> Vec<Grantee> {
    match kind {
        "AWS" if value == "*" => anyone_limited_by(tests),
        "AWS" => vec![aws_principal(value)],
        "Service" if value == "*" => anyone_limited_by(tests),
        "Service" if value.starts_with("lambda.") => lambda_functions(value, tests),
        "Service" => vec![Grantee::Service {
            service: value.to_string(),
        }],
        "Federated" => vec![Grantee::Federated {
            provider: value.to_string(),
        }],
        _ => vec![Grantee::Other {
            principal: format!("{kind}: {value}"),
        }],
    }
}

/// `"*"`: the organizations or accounts its conditions limit it to, else anyone.
fn anyone_limited_by(tests: &[Test]) -> Vec<Grantee> {
    let organizations: Vec<String> = tests
        .iter()
        .filter(|t| t.limits_who() && t.key_is(PRINCIPAL_ORG_ID))
        .flat_map(|t| t.values.iter().cloned())
        .chain(
            tests
                .iter()
                .filter(|t| t.limits_who() && t.key_is(PRINCIPAL_ORG_PATHS))
                .flat_map(|t| t.values.iter())
                .filter_map(|path| path.split('/').next().map(str::to_string)),
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !organizations.is_empty() {
        return organizations
            .into_iter()
            .map(|organization| Grantee::Organization { organization })
            .collect();
    }
    let accounts: BTreeSet<String> = tests
        .iter()
        .filter(|t| t.limits_who() && t.key_is(PRINCIPAL_ACCOUNT))
        .flat_map(|t| t.values.iter().cloned())
        .collect();
    if !accounts.is_empty() {
        return accounts
            .into_iter()
            .map(|account| Grantee::Account {
                account,
                principal: None,
            })
            .collect();
    }
    vec![Grantee::Anyone]
}

/// The Lambda service: the functions its `aws:SourceArn` or `aws:SourceAccount`
/// conditions name, one grantee per function pattern or account.
fn lambda_functions(service: &str, tests: &[Test]) -> Vec<Grantee> {
    let positive = |t: &&Test| t.positive() && !t.if_exists && !t.for_all_values;
    let mut grantees: Vec<Grantee> = tests
        .iter()
        .filter(positive)
        .filter(|t| t.key_is(SOURCE_ARN))
        .flat_map(|t| t.values.iter())
        .map(|arn| {
            let account = arn
                .split(':')
                .nth(4)
                .filter(|a| is_account(a))
                .map(str::to_string);
            Grantee::LambdaFunctions {
                account,
                functions: Some(arn.clone()),
            }
        })
        .collect();
    if grantees.is_empty() {
        grantees = tests
            .iter()
            .filter(positive)
            .filter(|t| t.key_is(SOURCE_ACCOUNT))
            .flat_map(|t| t.values.iter())
            .map(|account| Grantee::LambdaFunctions {
                account: is_account(account).then(|| account.clone()),
                functions: None,
            })
            .collect();
    }
    if grantees.is_empty() {
        grantees.push(Grantee::Service {
            service: service.to_string(),
        });
    }
    grantees
}

/// An AWS principal: an account, a principal in one, a unique id, or as written.
fn aws_principal(value: &str) -> Grantee {
    if is_account(value) {
        return Grantee::Account {
            account: value.to_string(),
            principal: None,
        };
    }
    if is_unique_id(value) {
        return Grantee::UnknownId {
            id: value.to_string(),
        };
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] if is_account(account) => Grantee::Account {
            account: account.to_string(),
            principal: None,
        },
        ["arn", _, "iam" | "sts", "", account, name] if is_account(account) && !name.is_empty() => {
            Grantee::Account {
                account: account.to_string(),
                principal: Some(value.to_string()),
            }
        }
        _ => Grantee::Other {
            principal: value.to_string(),
        },
    }
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The prefixes of IAM unique ids that stand in a policy for a deleted principal:
/// users, roles, groups and instance profiles.
const UNIQUE_ID_PREFIXES: [&str; 4] = ["AIDA", "AROA", "AGPA", "AIPA"];

fn is_unique_id(text: &str) -> bool {
    UNIQUE_ID_PREFIXES.iter().any(|p| text.starts_with(p))
        && (16..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

const PRINCIPAL_ORG_ID: &str = "aws:PrincipalOrgID";
const PRINCIPAL_ORG_PATHS: &str = "aws:PrincipalOrgPaths";
const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";
const PRINCIPAL_ARN: &str = "aws:PrincipalArn";
const SOURCE_ARN: &str = "aws:SourceArn";
const SOURCE_ACCOUNT: &str = "aws:SourceAccount";
const SOURCE_ORG_ID: &str = "aws:SourceOrgID";
const SOURCE_IP: &str = "aws:SourceIp";
const SOURCE_VPC: &str = "aws:SourceVpc";
const SOURCE_VPCE: &str = "aws:SourceVpce";
const SECURE_TRANSPORT: &str = "aws:SecureTransport";

/// The condition keys that say who may make the request or from where, so that a
/// positive test of one of them keeps a `"*"` statement from being public. Keys any
/// caller can set for itself (tags, user agent, principal type) are not among them.
const LIMITING_KEYS: [&str; 13] = [
    PRINCIPAL_ORG_ID,
    PRINCIPAL_ORG_PATHS,
    PRINCIPAL_ACCOUNT,
    PRINCIPAL_ARN,
    SOURCE_ARN,
    SOURCE_ACCOUNT,
    SOURCE_ORG_ID,
    SOURCE_IP,
    SOURCE_VPC,
    SOURCE_VPCE,
    "aws:SourceOwner",
    "aws:userid",
    "aws:PrincipalServiceName",
];

/// One test of a statement's `Condition`: `"StringEquals": {"aws:PrincipalOrgID":
/// "o-abc"}` is operator `StringEquals`, key `aws:PrincipalOrgID`, values `o-abc`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Test {
    /// The operator without `ForAnyValue:`/`ForAllValues:` and `IfExists`.
    operator: String,
    if_exists: bool,
    for_all_values: bool,
    key: String,
    values: Vec<String>,
}

fn condition_tests(statement: &Value) -> Vec<Test> {
    let Some(Value::Object(operators)) = statement.get("Condition") else {
        return Vec::new();
    };
    let mut tests = Vec::new();
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else { continue };
        let mut base = operator.as_str();
        let mut for_all_values = false;
        if let Some((set, rest)) = base.split_once(':') {
            for_all_values = set.eq_ignore_ascii_case("ForAllValues");
            base = rest;
        }
        let if_exists = base.len() > 8 && base[base.len() - 8..].eq_ignore_ascii_case("IfExists");
        if if_exists {
            base = &base[..base.len() - 8];
        }
        for (key, values) in keys {
            tests.push(Test {
                operator: base.to_string(),
                if_exists,
                for_all_values,
                key: key.clone(),
                values: strings(values),
            });
        }
    }
    tests
}

impl Test {
    fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }

    fn operator_is(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.operator.eq_ignore_ascii_case(n))
    }

    /// A test that a value is (or matches) one of the listed, not that it is not.
    fn positive(&self) -> bool {
        self.operator_is(&[
            "StringEquals",
            "StringEqualsIgnoreCase",
            "StringLike",
            "ArnEquals",
            "ArnLike",
            "IpAddress",
        ])
    }

    fn like(&self) -> bool {
        self.operator_is(&["StringLike", "StringNotLike", "ArnLike", "ArnNotLike"])
    }

    /// Whether the test limits who may make the request: a positive test of a key
    /// that names the caller or where it comes from, against values that are not
    /// wildcards for everyone. `IfExists` and `ForAllValues` tests do not: a request
    /// without the key (a caller in no organization, say) passes them.
    fn limits_who(&self) -> bool {
        self.positive()
            && !self.if_exists
            && !self.for_all_values
            && LIMITING_KEYS.iter().any(|k| self.key_is(k))
            && !self.values.is_empty()
            && self.values.iter().all(|v| self.value_limits(v))
    }

    /// Whether the test ties a service principal to an account or a resource.
    fn scopes_service(&self) -> bool {
        self.limits_who()
            && (self.key_is(SOURCE_ARN)
                || self.key_is(SOURCE_ACCOUNT)
                || self.key_is(SOURCE_ORG_ID))
    }

    fn value_limits(&self, value: &str) -> bool {
        let wild = |text: &str| text.contains(['*', '?']);
        if value.chars().all(|c| c == '*' || c == '?') {
            return false;
        }
        if self.key_is(SOURCE_IP) {
            return !value.ends_with("/0");
        }
        let arn_key = self.key_is(SOURCE_ARN) || self.key_is(PRINCIPAL_ARN);
        if arn_key {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            return match parts.as_slice() {
                [_, _, _, _, account, _] if is_account(account) => true,
                [_, _, _, _, "", resource] => !wild(resource),
                _ => false,
            };
        }
        if self.key_is(PRINCIPAL_ORG_PATHS) {
            // `o-abc/r-root/ou-team/*` limits to an organization as long as the
            // organization id itself is not a pattern.
            let organization = value.split('/').next().unwrap_or("");
            return !organization.is_empty() && !wild(organization);
        }
        if self.like() {
            // A pattern such as `o-*` or `1111*` may match anyone's.
            return !wild(value);
        }
        true
    }

    /// The test in plain words.
    fn words(&self) -> String {
        let values = self.values.join(" or ");
        let plural = self.values.len() > 1;
        let is_word = if self.like() { "matches" } else { "is" };
        let is_not_word = if self.like() {
            "does not match"
        } else {
            "is not"
        };
        let positive = self.positive();
        let negative = self.operator_is(&[
            "StringNotEquals",
            "StringNotEqualsIgnoreCase",
            "StringNotLike",
            "ArnNotEquals",
            "ArnNotLike",
            "NotIpAddress",
        ]);
        let known = if positive || negative {
            let (only, is) = if positive {
                ("only", is_word)
            } else {
                ("not", is_not_word)
            };
            if self.key_is(PRINCIPAL_ORG_ID) {
                Some(format!(
                    "{only} from organization{} {values}",
                    if plural { "s" } else { "" }
                ))
            } else if self.key_is(PRINCIPAL_ORG_PATHS) {
                Some(format!(
                    "{only} from organization path{} {values}",
                    if plural { "s" } else { "" }
                ))
            } else if self.key_is(PRINCIPAL_ACCOUNT) {
                Some(format!(
                    "{only} principals of account{} {values}",
                    if plural { "s" } else { "" }
                ))
            } else if self.key_is(SOURCE_ARN) {
                Some(format!("only when source ARN {is} {values}"))
            } else if self.key_is(SOURCE_ACCOUNT) {
                Some(format!("only when source account {is} {values}"))
            } else if self.key_is(PRINCIPAL_ARN) {
                Some(format!("only when principal ARN {is} {values}"))
            } else if self.key_is(SOURCE_IP) {
                Some(format!("{only} from IP addresses in {values}"))
            } else if self.key_is(SOURCE_VPCE) {
                Some(format!("{only} through VPC endpoint {values}"))
            } else if self.key_is(SOURCE_VPC) {
                Some(format!("{only} from VPC {values}"))
            } else {
                None
            }
        } else if self.key_is(SECURE_TRANSPORT) && self.operator_is(&["Bool"]) {
            match values.as_str() {
                "true" => Some("only over TLS".to_string()),
                "false" => Some("only without TLS".to_string()),
                _ => None,
            }
        } else {
            None
        };
        let mut text = known.unwrap_or_else(|| self.generic_words(&values));
        if self.if_exists || self.for_all_values {
            text.push_str(&format!(" (or when the request has no {})", self.key));
        }
        text
    }

    fn generic_words(&self, values: &str) -> String {
        let key = &self.key;
        if self.operator_is(&["Null"]) {
            return match values {
                "true" => format!("only when the request has no {key}"),
                "false" => format!("only when the request has {key}"),
                _ => format!("only when {key} Null {values}"),
            };
        }
        let phrase = [
            ("StringEquals", "is"),
            ("StringNotEquals", "is not"),
            ("StringEqualsIgnoreCase", "is (any case)"),
            ("StringNotEqualsIgnoreCase", "is not (any case)"),
            ("StringLike", "matches"),
            ("StringNotLike", "does not match"),
            ("ArnEquals", "is"),
            ("ArnLike", "matches"),
            ("ArnNotEquals", "is not"),
            ("ArnNotLike", "does not match"),
            ("NumericEquals", "is"),
            ("NumericNotEquals", "is not"),
            ("NumericLessThan", "is below"),
            ("NumericLessThanEquals", "is at most"),
            ("NumericGreaterThan", "is above"),
            ("NumericGreaterThanEquals", "is at least"),
            ("DateEquals", "is"),
            ("DateNotEquals", "is not"),
            ("DateLessThan", "is before"),
            ("DateLessThanEquals", "is at or before"),
            ("DateGreaterThan", "is after"),
            ("DateGreaterThanEquals", "is at or after"),
            ("Bool", "is"),
            ("BinaryEquals", "is"),
            ("IpAddress", "is in"),
            ("NotIpAddress", "is not in"),
        ]
        .into_iter()
        .find(|(name, _)| self.operator.eq_ignore_ascii_case(name))
        .map_or_else(|| self.operator.clone(), |(_, phrase)| phrase.to_string());
        format!("only when {key} {phrase} {values}")
    }
}

/// A string or a list of them, as policies write one or several values; numbers and
/// booleans as their text.
fn strings(value: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        Value::Null => Vec::new(),
        other => vec![one(other)],
    }
}

/// `10240` as `10,240`.
fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::regions::Partition;
    use crate::core::validate::{AccountId, Region};

    const OWNER: &str = "123456789012";
    const OTHER: &str = "111111111111";
    const PULL: [&str; 3] = [
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:BatchCheckLayerAvailability",
    ];

    fn policy(statements: Value) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    fn audit(statements: Value) -> PolicyAudit {
        audit_policy(&policy(statements), OWNER)
    }

    fn kinds(audit: &PolicyAudit) -> Vec<FindingKind> {
        audit.findings.iter().map(|f| f.kind).collect()
    }

    fn only_grant(audit: &PolicyAudit) -> &GranteeAccess {
        assert_eq!(audit.grants.len(), 1, "{:#?}", audit.grants);
        &audit.grants[0]
    }

    #[test]
    fn an_account_root_is_the_whole_account() {
        let audit = audit(json!([{
            "Sid": "Partner", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{OTHER}:root")},
            "Action": PULL
        }]));
        assert_eq!(
            only_grant(&audit),
            &GranteeAccess {
                statement: "Partner".into(),
                effect: Effect::Allow,
                grantee: Grantee::Account {
                    account: OTHER.into(),
                    principal: None
                },
                access: Level::Pull,
                actions: PULL.iter().map(|a| a.to_string()).collect(),
                other_actions: vec![],
                conditions: vec![],
            }
        );
        assert_eq!(audit.accounts(), vec![OTHER]);
        assert!(audit.findings.is_empty(), "{:?}", audit.findings);
        assert!(!audit.is_public());
        assert_eq!(audit.grants[0].grantee.describe(), "account 111111111111");
    }

    #[test]
    fn a_bare_account_id_is_the_account_too() {
        let audit = audit(
            json!({"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:BatchGetImage"}),
        );
        let grant = only_grant(&audit);
        assert_eq!(
            grant.grantee,
            Grantee::Account {
                account: OTHER.into(),
                principal: None
            }
        );
        assert_eq!(
            grant.statement, "#1",
            "a statement without a Sid is numbered"
        );
        assert_eq!(grant.access, Level::Pull);
    }

    #[test]
    fn a_role_arn_shows_the_account_and_the_principal() {
        let arn = format!("arn:aws:iam::{OTHER}:role/ci/deployer");
        let mut actions: Vec<&str> = PULL.to_vec();
        actions.extend([
            "ecr:PutImage",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
        ]);
        let audit = audit(
            json!([{"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": [arn]}, "Action": actions}]),
        );
        let grant = only_grant(&audit);
        assert_eq!(
            grant.grantee,
            Grantee::Account {
                account: OTHER.into(),
                principal: Some(arn.clone())
            }
        );
        assert_eq!(grant.access, Level::PullAndPush);
        assert_eq!(grant.describe_access(), "pull and push");
        assert_eq!(
            grant.grantee.describe(),
            "account 111111111111 role/ci/deployer"
        );
        assert_eq!(audit.accounts(), vec![OTHER]);
    }

    #[test]
    fn an_assumed_role_session_is_a_principal_of_its_account() {
        let arn = format!("arn:aws:sts::{OTHER}:assumed-role/ci/build-7");
        let audit = audit(
            json!([{"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "ecr:PutImage"}]),
        );
        let grant = only_grant(&audit);
        assert_eq!(
            grant.grantee,
            Grantee::Account {
                account: OTHER.into(),
                principal: Some(arn)
            }
        );
        assert_eq!(grant.access, Level::Push);
    }

    #[test]
    fn star_with_an_organization_condition_is_the_organization_and_not_public() {
        let audit = audit(json!([{
            "Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": PULL,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
        }]));
        let grant = only_grant(&audit);
        assert_eq!(
            grant.grantee,
            Grantee::Organization {
                organization: "o-a1b2c3d4e5".into()
            }
        );
        assert_eq!(
            grant.conditions,
            vec!["only from organization o-a1b2c3d4e5"]
        );
        assert!(!audit.is_public());
        assert!(audit.findings.is_empty(), "{:?}", audit.findings);
        assert_eq!(audit.organizations(), vec!["o-a1b2c3d4e5"]);
        assert!(audit.accounts().is_empty());
    }

    #[test]
    fn several_organizations_are_one_grantee_each() {
        let audit = audit(json!([{
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": PULL,
            "Condition": {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-bbbbbbbbbb", "o-aaaaaaaaaa"]}}
        }]));
        assert_eq!(audit.organizations(), vec!["o-aaaaaaaaaa", "o-bbbbbbbbbb"]);
        assert_eq!(audit.grants.len(), 2);
        assert_eq!(
            audit.grants[0].conditions,
            vec!["only from organizations o-bbbbbbbbbb or o-aaaaaaaaaa"]
        );
        assert!(!audit.is_public());
    }

    #[test]
    fn an_organization_path_names_its_organization() {
        let audit = audit(json!([{
            "Effect": "Allow", "Principal": "*", "Action": PULL,
            "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}}
        }]));
        assert_eq!(audit.organizations(), vec!["o-a1b2c3d4e5"]);
        assert!(!audit.is_public());
        assert_eq!(
            audit.grants[0].conditions,
            vec!["only from organization path o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]
        );
    }

    #[test]
    fn star_with_a_condition_that_does_not_limit_who_is_public() {
        for condition in [
            json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}}),
            json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            json!({"StringEquals": {"aws:PrincipalTag/team": "ci"}}),
            json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
        ] {
            let audit = audit(
                json!([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": PULL, "Condition": condition}]),
            );
            assert!(audit.is_public(), "{condition}: {:#?}", audit);
            assert_eq!(audit.grants[0].grantee, Grantee::Anyone, "{condition}");
            let message = &audit.findings[0].message;
            assert!(
                message.contains("with no condition that limits who"),
                "{message}"
            );
        }
    }

    #[test]
    fn star_limited_by_an_ip_range_or_a_source_account_is_not_public() {
        for condition in [
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            json!({"StringEquals": {"aws:PrincipalAccount": OTHER}}),
            json!({"ArnLike": {"aws:PrincipalArn": format!("arn:aws:iam::{OTHER}:role/*")}}),
        ] {
            let audit = audit(
                json!([{"Effect": "Allow", "Principal": "*", "Action": PULL, "Condition": condition}]),
            );
            assert!(!audit.is_public(), "{condition}: {:#?}", audit);
        }
        let by_account = audit(json!([{"Effect": "Allow", "Principal": "*", "Action": PULL,
            "Condition": {"StringEquals": {"aws:PrincipalAccount": OTHER}}}]));
        assert_eq!(by_account.accounts(), vec![OTHER]);
        assert_eq!(
            by_account.grants[0].conditions,
            vec!["only principals of account 111111111111"]
        );
    }

    #[test]
    fn star_with_no_condition_is_public() {
        let audit =
            audit(json!([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": PULL}]));
        let grant = only_grant(&audit);
        assert_eq!(grant.grantee, Grantee::Anyone);
        assert!(audit.is_public());
        assert_eq!(
            audit.findings,
            vec![Finding {
                kind: FindingKind::Public,
                statement: Some("Open".into()),
                message: "statement Open is public: it lets anyone (\"*\") pull, with no condition"
                    .into(),
            }]
        );
    }

    #[test]
    fn the_lambda_grant_names_the_functions_account_and_region() {
        let accounts = [AccountId::parse("222222222222").unwrap()];
        let statements = documents::repository_statements(
            Access::LambdaPull,
            Some(Partition::Aws),
            Some(&Region::parse("us-west-2").unwrap()),
            Some(&accounts),
        );
        let audit = audit(Value::Array(statements));
        assert_eq!(audit.grants.len(), 2, "{:#?}", audit.grants);
        let lambda = &audit.grants[1];
        assert_eq!(lambda.statement, "AllowLambdaPull");
        assert_eq!(
            lambda.grantee,
            Grantee::LambdaFunctions {
                account: Some("222222222222".into()),
                functions: Some("arn:aws:lambda:us-west-2:222222222222:function:*".into()),
            }
        );
        assert_eq!(lambda.access, Level::Pull);
        assert_eq!(
            lambda.conditions,
            vec!["only when source ARN matches arn:aws:lambda:us-west-2:222222222222:function:*"]
        );
        assert_eq!(
            lambda.grantee.describe(),
            "Lambda functions of account 222222222222 in us-west-2"
        );
        assert_eq!(audit.accounts(), vec!["222222222222"]);
        assert!(audit.findings.is_empty(), "{:?}", audit.findings);
    }

    #[test]
    fn lambda_by_source_account_and_lambda_without_a_condition() {
        let by_account = audit(
            json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "ecr:BatchGetImage",
            "Condition": {"StringEquals": {"aws:SourceAccount": OTHER}}}]),
        );
        assert_eq!(
            only_grant(&by_account).grantee,
            Grantee::LambdaFunctions {
                account: Some(OTHER.into()),
                functions: None
            }
        );
        assert!(by_account.findings.is_empty());

        let open = audit(
            json!([{"Sid": "AnyLambda", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "ecr:BatchGetImage"}]),
        );
        assert_eq!(
            only_grant(&open).grantee,
            Grantee::Service {
                service: "lambda.amazonaws.com".into()
            }
        );
        assert_eq!(kinds(&open), vec![FindingKind::UnscopedService]);
        assert!(!open.is_public());
    }

    #[test]
    fn another_service_principal_and_whether_it_is_scoped() {
        let unscoped = audit(
            json!([{"Sid": "Build", "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": PULL}]),
        );
        assert_eq!(
            only_grant(&unscoped).grantee,
            Grantee::Service {
                service: "codebuild.amazonaws.com".into()
            }
        );
        assert_eq!(kinds(&unscoped), vec![FindingKind::UnscopedService]);
        assert!(
            unscoped.findings[0]
                .message
                .contains("codebuild.amazonaws.com")
        );

        let scoped = audit(
            json!([{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": PULL,
            "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}}]),
        );
        assert!(scoped.findings.is_empty(), "{:?}", scoped.findings);
        assert_eq!(
            scoped.grants[0].conditions,
            vec!["only when source account is 123456789012"]
        );
    }

    #[test]
    fn a_grant_to_the_own_account_is_a_finding() {
        let audit = audit(json!([
            {"Sid": "Self", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{OWNER}:root")}, "Action": PULL},
            {"Sid": "SelfCi", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{OWNER}:role/ci")}, "Action": "ecr:PutImage"},
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": PULL}
        ]));
        assert_eq!(
            kinds(&audit),
            vec![FindingKind::OwnAccount, FindingKind::OwnAccount]
        );
        assert_eq!(audit.findings[0].statement.as_deref(), Some("Self"));
        assert!(
            audit.findings[0]
                .message
                .starts_with("statement Self grants its own account 123456789012 pull"),
            "{}",
            audit.findings[0].message
        );
        assert!(
            audit.findings[1].message.starts_with(
                "statement SelfCi grants role/ci of its own account 123456789012 push"
            ),
            "{}",
            audit.findings[1].message
        );
        assert_eq!(audit.accounts(), vec![OTHER, OWNER]);
    }

    #[test]
    fn a_unique_id_is_an_unknown_principal() {
        let audit = audit(
            json!([{"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": ["AROAEXAMPLEID1234567", format!("arn:aws:iam::{OTHER}:root")]}, "Action": PULL}]),
        );
        assert_eq!(audit.grants.len(), 2);
        assert_eq!(
            audit.grants[0].grantee,
            Grantee::UnknownId {
                id: "AROAEXAMPLEID1234567".into()
            }
        );
        assert_eq!(kinds(&audit), vec![FindingKind::UnknownPrincipal]);
        assert!(audit.findings[0].message.contains("was deleted"));
        // A user's unique id too; an access key id is not a principal shape.
        let user = aws_principal("AIDAJQABLZS4A3QDU576Q");
        assert!(matches!(user, Grantee::UnknownId { .. }));
        assert!(matches!(
            aws_principal("not-a-principal"),
            Grantee::Other { .. }
        ));
    }

    #[test]
    fn a_deny_is_shown_as_a_deny_and_never_public() {
        let audit = audit(json!([{"Sid": "NoPush", "Effect": "Deny", "Principal": "*",
            "Action": ["ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]}]));
        let grant = only_grant(&audit);
        assert_eq!(grant.effect, Effect::Deny);
        assert_eq!(grant.grantee, Grantee::Anyone);
        assert_eq!(grant.describe_access(), "deny push");
        assert!(!audit.is_public());
        assert!(audit.findings.is_empty());
        assert!(audit.accounts().is_empty());
    }

    #[test]
    fn not_principal_allows_everyone_else() {
        let allow = audit(
            json!([{"Sid": "AllBut", "Effect": "Allow", "NotPrincipal": {"AWS": format!("arn:aws:iam::{OTHER}:root")}, "Action": PULL}]),
        );
        assert_eq!(
            only_grant(&allow).grantee,
            Grantee::AllExcept {
                principals: vec![format!("arn:aws:iam::{OTHER}:root")]
            }
        );
        assert!(allow.is_public());
        assert!(
            allow.findings[0]
                .message
                .contains("anyone except arn:aws:iam::111111111111:root")
        );

        let deny =
            audit(json!([{"Effect": "Deny", "NotPrincipal": {"AWS": OTHER}, "Action": "ecr:*"}]));
        assert_eq!(only_grant(&deny).effect, Effect::Deny);
        assert!(!deny.is_public());
    }

    #[test]
    fn not_action_is_every_action_but_the_listed() {
        let audit = audit(
            json!([{"Effect": "Allow", "Principal": {"AWS": OTHER}, "NotAction": ["ecr:DeleteRepository", "ecr:SetRepositoryPolicy"]}]),
        );
        let grant = only_grant(&audit);
        assert_eq!(grant.access, Level::AllExcept);
        assert_eq!(
            grant.describe_access(),
            "all actions except ecr:DeleteRepository, ecr:SetRepositoryPolicy"
        );
    }

    #[test]
    fn other_actions_are_listed_beside_pull_and_push() {
        let audit = audit(json!([
            {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": ["ecr:batchgetimage", "ecr:DeleteRepository"]},
            {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:*"},
            {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:Batch*"}
        ]));
        let [mixed, all, wildcard] = &audit.grants[..] else {
            panic!("{:#?}", audit.grants)
        };
        assert_eq!(mixed.access, Level::Other);
        assert_eq!(mixed.other_actions, vec!["ecr:DeleteRepository"]);
        assert_eq!(mixed.describe_access(), "pull, ecr:DeleteRepository");
        assert_eq!(all.describe_access(), "ecr:*");
        assert_eq!(wildcard.access, Level::Other);
    }

    #[test]
    fn a_policy_over_ninety_percent_of_the_limit_is_near_it() {
        let arns = |n: usize| -> Vec<String> {
            (0..n)
                .map(|i| format!("arn:aws:iam::{:012}:root", 100_000_000_000u64 + i as u64))
                .collect()
        };
        let sized = |n: usize| {
            let text = policy(
                json!([{"Sid": "Many", "Effect": "Allow", "Principal": {"AWS": arns(n)}, "Action": PULL}]),
            );
            audit_policy(&text, OWNER)
        };
        // Each root ARN adds 32 characters; find the sizes on both sides of 90%.
        let limit = SizeLimit::RepositoryPolicy.max_chars();
        let below = (1..400)
            .map(sized)
            .take_while(|a| a.characters * 100 <= limit * NEAR_LIMIT_PERCENT)
            .last()
            .unwrap();
        assert!(below.characters > 9_000, "{}", below.characters);
        assert!(!kinds(&below).contains(&FindingKind::NearSizeLimit));
        let above = sized(below.grants.len() + 1);
        assert!(above.characters * 100 > limit * NEAR_LIMIT_PERCENT);
        assert_eq!(kinds(&above), vec![FindingKind::NearSizeLimit]);
        assert_eq!(above.findings[0].statement, None);
        assert!(
            above.findings[0].message.contains(&format!(
                "{} of the 10,240 characters",
                thousands(above.characters)
            )),
            "{}",
            above.findings[0].message
        );
    }

    #[test]
    fn the_size_is_counted_on_the_compact_policy() {
        let compact = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:BatchGetImage"}]),
        );
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&compact).unwrap())
                .unwrap();
        assert_eq!(
            audit_policy(&pretty, OWNER).characters,
            compact.chars().count()
        );
    }

    #[test]
    fn text_that_is_not_a_policy_is_reported_not_analysed() {
        let audit = audit_policy("{not json", OWNER);
        assert!(audit.grants.is_empty());
        assert_eq!(kinds(&audit), vec![FindingKind::Unreadable]);
        let strange = audit_policy(r#"{"Statement": ["text"]}"#, OWNER);
        assert_eq!(kinds(&strange), vec![FindingKind::Unreadable]);
    }

    #[test]
    fn conditions_read_as_plain_words() {
        let audit = audit(
            json!([{"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": PULL, "Condition": {
                "StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "ArnEquals": {"aws:SourceArn": "arn:aws:codebuild:us-east-1:111111111111:project/app"},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                "StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"},
                "Bool": {"aws:SecureTransport": "true"},
                "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                "Null": {"aws:PrincipalTag/team": "false"},
                "StringLikeIfExists": {"aws:PrincipalTag/env": "prod*"}
            }}]),
        );
        assert_eq!(
            only_grant(&audit).conditions,
            vec![
                "not from organization o-a1b2c3d4e5",
                "only when source ARN is arn:aws:codebuild:us-east-1:111111111111:project/app",
                "only from IP addresses in 10.0.0.0/8 or 192.168.0.0/16",
                "only through VPC endpoint vpce-1a2b3c4d",
                "only over TLS",
                "only when aws:MultiFactorAuthAge is below 3600",
                "only when the request has aws:PrincipalTag/team",
                "only when aws:PrincipalTag/env matches prod* (or when the request has no aws:PrincipalTag/env)",
            ]
        );
    }

    #[test]
    fn other_principal_kinds_are_kept_as_written() {
        let audit = audit(json!([
            {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": PULL},
            {"Effect": "Allow", "Principal": {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, "Action": PULL},
            {"Effect": "Allow", "Action": PULL}
        ]));
        let grantees: Vec<&Grantee> = audit.grants.iter().map(|g| &g.grantee).collect();
        assert_eq!(
            grantees,
            vec![
                &Grantee::Federated {
                    provider: "cognito-identity.amazonaws.com".into()
                },
                &Grantee::Other {
                    principal: "CanonicalUser: 79a59df900b949e55d96a1e698fbaced".into()
                },
                &Grantee::Other {
                    principal: "no principal".into()
                },
            ]
        );
    }

    #[test]
    fn the_json_of_a_grant_has_its_fields_in_a_fixed_order() {
        let audit = audit(
            json!([{"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{OTHER}:role/ci")}, "Action": "ecr:BatchGetImage",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]),
        );
        assert_eq!(
            serde_json::to_string(&audit.grants[0]).unwrap(),
            r#"{"statement":"Ci","effect":"allow","grantee":{"kind":"account","account":"111111111111","principal":"arn:aws:iam::111111111111:role/ci"},"access":"pull","actions":["ecr:BatchGetImage"],"other_actions":[],"conditions":["only from organization o-a1b2c3d4e5"]}"#
        );
        let public = super::audit_policy(
            &policy(
                json!({"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}),
            ),
            OWNER,
        );
        assert_eq!(
            serde_json::to_string(&public.findings[0]).unwrap(),
            r#"{"kind":"public","statement":"Open","message":"statement Open is public: it lets anyone (\"*\") pull, with no condition"}"#
        );
        assert_eq!(
            serde_json::to_string(&public.grants[0].grantee).unwrap(),
            r#"{"kind":"anyone"}"#
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(10_240), "10,240");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
