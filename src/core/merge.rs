//! Merging a repository grant into the policy a repository already has, and taking it
//! out again.
//!
//! `ecr:SetRepositoryPolicy` replaces the whole policy, so a grant is always written as
//! the current policy with this tool's statements merged in.
//!
//! A statement is this tool's (owned) only when it carries one of the tool's Sids
//! ([`OWN_REPOSITORY_SIDS`], [`OWN_ORGANIZATION_SIDS`], or one of them followed by a
//! number from 2 on, such as `AllowPull2`) *and* has exactly the shape the tool
//! writes: `Effect: Allow`, the level's actions, account roots as the only principals
//! (for Lambda: the Lambda service limited by `aws:sourceARN` to whole accounts'
//! functions; for an organization: `"*"` limited by exactly one `StringEquals` on
//! `aws:PrincipalOrgID` over organization ids), and nothing else.
//! Every other statement is foreign: it is carried over as it is, at the same
//! position, and never widened, narrowed or dropped. When a foreign statement holds
//! the Sid a grant would use, the grant goes into a statement of its own under the
//! next free Sid of the series (`AllowPull2`, `AllowPull3`, ...), and the change says
//! why in its notes.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::LazyLock;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::documents::{
    self, Access, OWN_ORGANIZATION_SIDS, OWN_REPOSITORY_SIDS, REPOSITORY_POLICY_VERSION,
};
use super::regions::Partition;
use super::validate::{AccountId, Invalid, OrganizationId, Region, SizeLimit};

/// The condition key that limits `AllowLambdaPull` to the grantees' functions. IAM
/// compares condition keys without regard to case, so `aws:SourceArn` is the same key.
const SOURCE_ARN_KEY: &str = "aws:sourceARN";

/// The condition operator of `AllowLambdaPull`.
const STRING_LIKE: &str = "StringLike";

/// The service principal of `AllowLambdaPull`.
const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";

/// The condition key that limits an organization statement to the organizations'
/// accounts. Condition keys compare without regard to case.
const PRINCIPAL_ORG_ID_KEY: &str = "aws:PrincipalOrgID";

/// The condition operator of an organization statement (case-sensitive, so the ids
/// must be written exactly).
const STRING_EQUALS: &str = "StringEquals";

/// The partitions an account root ARN of an owned statement may name.
const PARTITIONS: [Partition; 3] = [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov];

/// What to grant: the access level, to whom (accounts, whole organizations or both),
/// and in which region (the region also decides the partition of every ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    pub accounts: Vec<AccountId>,
    /// Every account of these organizations gets the access, through one statement
    /// with `"*"` limited by `aws:PrincipalOrgID`. Not for Lambda pull.
    pub organizations: Vec<OrganizationId>,
    pub region: Region,
}

impl Grant {
    pub fn partition(&self) -> Partition {
        self.region.partition()
    }

    /// The statements this grant writes, before merging: the accounts' statements (if
    /// it names accounts), then the organizations' statement (if it names any).
    pub fn statements(&self) -> Vec<Value> {
        let mut statements = Vec::new();
        if !self.accounts.is_empty() {
            statements.extend(documents::repository_statements(
                self.access,
                Some(self.partition()),
                Some(&self.region),
                Some(&self.accounts),
            ));
        }
        if !self.organizations.is_empty() {
            statements.extend(documents::repository_organization_statement(
                self.access,
                &self.organizations,
            ));
        }
        statements
    }

    /// The same grant to only the first `count` of its accounts.
    fn to_first_accounts(&self, count: usize) -> Grant {
        Grant {
            accounts: self.accounts[..count].to_vec(),
            ..self.clone()
        }
    }
}

/// What to revoke: the accounts and organizations whose access through this tool's
/// statements goes, and the partition their ARNs are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub accounts: Vec<AccountId>,
    pub organizations: Vec<OrganizationId>,
    pub partition: Partition,
}

/// Why a policy change cannot be worked out. Nothing is written in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The repository's current policy does not parse, so merging could lose it.
    #[error(
        "the repository's current policy is not valid JSON ({0}); it is left as it is rather than overwritten"
    )]
    NotJson(String),
    /// The current policy names a key twice in one object. JSON readers disagree on
    /// which of the two counts (this tool's reader keeps the last), so a merge could
    /// silently drop the other.
    #[error(
        "the repository's current policy has a duplicate key: {0}; which of the two counts is unclear, so it is left as it is rather than overwritten. Remove the duplicate and run the command again"
    )]
    DuplicateKey(String),
    /// The current policy parses but is not shaped like a policy document.
    #[error("the repository's current policy is not a policy document: {0}")]
    NotAPolicy(String),
    /// The merged policy would be larger than ECR accepts.
    #[error("the merged policy is too large: {0}")]
    TooLarge(Invalid),
    /// Granting all the accounts named would make the policy larger than ECR accepts;
    /// only the first `fit` of them would fit.
    #[error(
        "the merged policy would have {characters} characters, more than the {limit} a repository policy may have: {}. Grant to their organization instead (--organization o-...): one statement covers every account in it, however many there are",
        fit_sentence(.fit, .named),
        limit = SizeLimit::RepositoryPolicy.max_chars()
    )]
    AccountsDoNotFit {
        /// The size of the merged policy with every account, as sent.
        characters: usize,
        /// How many of the accounts named, from the first, would fit.
        fit: usize,
        /// How many accounts the grant names.
        named: usize,
    },
    /// Lambda pull names each account's functions, which an organization id does not.
    #[error(
        "Lambda pull cannot be granted to an organization: the Lambda statement names each account's functions by ARN (aws:sourceARN), which an organization id does not give. Grant pull to the organization, and Lambda pull to the accounts whose functions need it"
    )]
    LambdaForOrganization,
    #[error("name at least one account or organization")]
    NoGrantees,
}

fn fit_sentence(fit: &usize, named: &usize) -> String {
    match *fit {
        0 => format!("not even one of the {named} accounts named fits"),
        1 => format!("only 1 of the {named} accounts named fits (the first)"),
        fit => format!("only {fit} of the {named} accounts named fit (the first {fit})"),
    }
}

/// What a grant or revoke does to a repository's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange {
    /// The policy text as the repository held it (`None`: no policy), kept verbatim so
    /// it can be put back.
    pub previous: Option<String>,
    /// The policy after the change; `None` means the repository has no policy.
    pub policy: Option<Value>,
    /// Whether the policy changes at all, compared as parsed JSON (AWS reformats the
    /// text it stores, so text comparison would see changes where there are none).
    pub changes: bool,
    /// A unified diff of the pretty-printed previous and new policy; empty when
    /// nothing changes.
    pub diff: String,
    /// What the operator should know about the change, in plain sentences: chiefly
    /// why a statement that carries one of the tool's Sids was left alone.
    pub notes: Vec<String>,
}

/// The one write a [`PolicyChange`] needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PolicyWrite<'a> {
    /// The policy already is as wanted.
    Nothing,
    /// `ecr:SetRepositoryPolicy` with this document.
    Set(&'a Value),
    /// `ecr:DeleteRepositoryPolicy`: no statement is left, and ECR refuses a policy
    /// with an empty statement list.
    Delete,
}

impl PolicyChange {
    pub fn write(&self) -> PolicyWrite<'_> {
        match (&self.policy, self.changes) {
            (_, false) => PolicyWrite::Nothing,
            (Some(policy), true) => PolicyWrite::Set(policy),
            (None, true) => PolicyWrite::Delete,
        }
    }

    /// The new policy as it is sent: compact JSON, which is what the size limit counts.
    pub fn policy_text(&self) -> Option<String> {
        self.policy.as_ref().map(Value::to_string)
    }

    /// The previous policy, parsed (it parsed when the change was worked out).
    pub fn previous_policy(&self) -> Option<Value> {
        self.previous
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
    }
}

/// Merges `grant` into the current policy text (`None`: the repository has no policy).
///
/// Each of the grant's statements goes into the owned statement of its level: the
/// accounts (and Lambda source ARNs) it does not name yet are added, and everything it
/// named stays. Where there is no such statement, the grant's statement is appended,
/// under the level's Sid or, when a foreign statement holds that Sid, the next free
/// one of the series. Every foreign statement is kept exactly, at its position.
pub fn grant(current: Option<&str>, grant: &Grant) -> Result<PolicyChange, MergeError> {
    if grant.accounts.is_empty() && grant.organizations.is_empty() {
        return Err(MergeError::NoGrantees);
    }
    if grant.access == Access::LambdaPull && !grant.organizations.is_empty() {
        return Err(MergeError::LambdaForOrganization);
    }
    let (policy, notes) = merged(current, grant)?;
    let text = policy.to_string();
    if let Err(too_large) = SizeLimit::RepositoryPolicy.check(&text) {
        // Counting accounts only helps when the rest of the grant fits on its own.
        let rest_fits =
            grant.organizations.is_empty() || fits(current, &grant.to_first_accounts(0));
        if grant.accounts.is_empty() || !rest_fits {
            return Err(MergeError::TooLarge(too_large));
        }
        return Err(MergeError::AccountsDoNotFit {
            characters: text.chars().count(),
            fit: accounts_that_fit(current, grant),
            named: grant.accounts.len(),
        });
    }
    finish(current, Some(policy), notes)
}

/// Whether the grant merged into the current policy stays within the size limit.
fn fits(current: Option<&str>, grant: &Grant) -> bool {
    merged(current, grant).is_ok_and(|(policy, _)| {
        SizeLimit::RepositoryPolicy
            .check(&policy.to_string())
            .is_ok()
    })
}

/// How many of the grant's accounts, from the first, can be granted without the
/// merged policy crossing the size limit. Each account only adds to the policy, so
/// the count is found by halving.
fn accounts_that_fit(current: Option<&str>, grant: &Grant) -> usize {
    let first = |count: usize| fits(current, &grant.to_first_accounts(count));
    // With no account (and no organization) nothing is added: the policy as AWS
    // holds it, which fits.
    let (mut fit, mut too_many) = (0, grant.accounts.len());
    while too_many - fit > 1 {
        let middle = fit + (too_many - fit) / 2;
        if first(middle) {
            fit = middle;
        } else {
            too_many = middle;
        }
    }
    fit
}

/// The current policy with the grant merged in, and the notes on statements that hold
/// a Sid of the tool but are not its. The size is not checked here.
fn merged(current: Option<&str>, grant: &Grant) -> Result<(Value, Vec<String>), MergeError> {
    let mut document = match current {
        Some(text) => Document::parse(text)?,
        None => Document::new(),
    };
    let mut notes = Vec::new();
    for wanted in grant.statements() {
        let (kind, _) = sid_of(&wanted)
            .and_then(Kind::of_sid)
            .expect("the grant's statements carry the tool's Sids");
        let target = document.target_sid(kind);
        for statement in &document.statements {
            let taken = sid_of(statement)
                .and_then(Kind::of_sid)
                .is_some_and(|(k, n)| k == kind && n < target.number);
            if taken && !is_owned(statement) {
                notes.push(format!(
                    "statement `{}` {}, so it is not ecr-share's: it is kept as it is and the grant goes into `{}`",
                    sid_of(statement).unwrap_or_default(),
                    sentence(&shape_problems(statement, kind)),
                    target.sid
                ));
            }
        }
        let same: Vec<usize> = document
            .statements
            .iter()
            .enumerate()
            .filter(|(_, statement)| sid_of(statement) == Some(target.sid.as_str()))
            .map(|(index, _)| index)
            .collect();
        match same.split_first() {
            Some((&first, duplicates)) => {
                let mut merged = document.statements[first].clone();
                for &index in duplicates {
                    extend_owned(&mut merged, &document.statements[index], kind);
                }
                extend_owned(&mut merged, &wanted, kind);
                document.statements[first] = merged;
                for &index in duplicates.iter().rev() {
                    document.statements.remove(index);
                }
            }
            None => {
                let mut fresh = wanted;
                fresh["Sid"] = Value::String(target.sid);
                document.statements.push(fresh);
            }
        }
    }
    Ok((document.into_value(), notes))
}

/// Removes the accounts' access that this tool granted: their root ARNs from the owned
/// statements' AWS principals and their functions from the owned Lambda statements'
/// source ARNs.
///
/// An owned statement left without principals is dropped, and so is an owned Lambda
/// statement left without source ARNs (without that condition it would let every
/// account's functions pull). Foreign statements are never touched. When no statement
/// remains the policy is deleted.
pub fn revoke(
    current: Option<&str>,
    accounts: &[AccountId],
    partition: Partition,
) -> Result<PolicyChange, MergeError> {
    revoke_grantees(
        current,
        &Revocation {
            accounts: accounts.to_vec(),
            organizations: Vec::new(),
            partition,
        },
    )
}

/// Removes the access this tool granted to the accounts and organizations of
/// `revocation`: account roots and Lambda source ARNs as [`revoke`] does, and the
/// organization ids from the owned organization statements. An owned organization
/// statement left without an organization id is dropped: without its condition it
/// would let anyone in.
pub fn revoke_grantees(
    current: Option<&str>,
    revocation: &Revocation,
) -> Result<PolicyChange, MergeError> {
    if revocation.accounts.is_empty() && revocation.organizations.is_empty() {
        return Err(MergeError::NoGrantees);
    }
    let Some(text) = current else {
        return finish(None, None, Vec::new());
    };
    let mut document = Document::parse(text)?;
    let mut notes = Vec::new();
    let mut kept = Vec::with_capacity(document.statements.len());
    for mut statement in std::mem::take(&mut document.statements) {
        match owned_kind(&statement) {
            Some(kind) => {
                if !revoke_from_owned(&mut statement, kind, revocation) {
                    continue;
                }
            }
            None => {
                if let Some((kind, _)) = sid_of(&statement).and_then(Kind::of_sid) {
                    notes.push(format!(
                        "statement `{}` {}, so it is not ecr-share's: revoke leaves it as it is",
                        sid_of(&statement).unwrap_or_default(),
                        sentence(&shape_problems(&statement, kind))
                    ));
                }
            }
        }
        kept.push(statement);
    }
    document.statements = kept;
    let policy = if document.statements.is_empty() {
        None
    } else {
        Some(document.into_value())
    };
    finish(current, policy, notes)
}

/// Whether a statement is this tool's: one of its Sids and exactly the shape it
/// writes under that Sid. Only owned statements are ever changed by a grant or revoke.
pub fn is_owned(statement: &Value) -> bool {
    owned_kind(statement).is_some()
}

/// The statements of a policy document, whether `Statement` is one object or a list.
pub fn statements_of(policy: &Value) -> Vec<&Value> {
    match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// The AWS principals of a statement: `Principal.AWS` as a list; `"Principal": "*"`
/// counts as `*`.
pub fn aws_principals(statement: &Value) -> Vec<String> {
    match statement.get("Principal") {
        Some(Value::String(star)) => vec![star.clone()],
        Some(Value::Object(principal)) => principal.get("AWS").map(strings).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The `aws:sourceARN` values of a statement's conditions, under any operator.
pub fn source_arns(statement: &Value) -> Vec<String> {
    let Some(Value::Object(condition)) = statement.get("Condition") else {
        return Vec::new();
    };
    condition
        .values()
        .filter_map(Value::as_object)
        .flat_map(|operator| operator.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case(SOURCE_ARN_KEY))
        .flat_map(|(_, value)| strings(value))
        .collect()
}

/// The `aws:PrincipalOrgID` values of a statement's conditions, under any operator.
pub fn organization_ids(statement: &Value) -> Vec<String> {
    let Some(Value::Object(condition)) = statement.get("Condition") else {
        return Vec::new();
    };
    condition
        .values()
        .filter_map(Value::as_object)
        .flat_map(|operator| operator.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case(PRINCIPAL_ORG_ID_KEY))
        .flat_map(|(_, value)| strings(value))
        .collect()
}

/// Whether a statement is one of this tool's organization statements (owned, `"*"`
/// limited by `aws:PrincipalOrgID`).
pub fn is_owned_organization_statement(statement: &Value) -> bool {
    owned_kind(statement).is_some_and(Kind::is_organization)
}

/// How a statement that is not this tool's may still give an account access after a
/// revoke. See [`other_access`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherAccess {
    /// It names the account as a principal: this principal (the root, the bare
    /// account id, or a role or user in the account).
    Names(String),
    /// Its `aws:sourceARN` condition lets the account's Lambda functions in: this ARN.
    LambdaFunctions(String),
    /// It allows every principal except the ones under `NotPrincipal`, and the account
    /// is not among them.
    AllBut,
    /// `"Principal": "*"` (or `"AWS": "*"`): any principal, limited only by the
    /// statement's conditions, whose keys these are (none: no limit at all).
    Anyone { conditions: Vec<String> },
}

/// How an `Allow` statement may still let `account` in, if it may; `None` for a `Deny`
/// or a statement that neither names the account nor is open to it. The statement's
/// ownership is not considered: callers ask this of foreign statements.
pub fn other_access(
    statement: &Value,
    account: &AccountId,
    partition: Partition,
) -> Option<OtherAccess> {
    if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
        return None;
    }
    let in_account = |principal: &str| {
        principal == account.as_str() || {
            let parts: Vec<&str> = principal.split(':').collect();
            matches!(
                parts.as_slice(),
                ["arn", p, "iam" | "sts", "", a, ..]
                    if *p == partition.as_str() && *a == account.as_str()
            )
        }
    };
    if let Some(not_principal) = statement.get("NotPrincipal") {
        let listed = match not_principal {
            Value::Object(kinds) => kinds.get("AWS").map(strings).unwrap_or_default(),
            other => strings(other),
        };
        return (!listed.iter().any(|p| in_account(p))).then_some(OtherAccess::AllBut);
    }
    let principals = aws_principals(statement);
    if principals.iter().any(|p| p == "*") {
        let conditions = condition_keys(statement);
        return Some(OtherAccess::Anyone { conditions });
    }
    if let Some(principal) = principals.into_iter().find(|p| in_account(p)) {
        return Some(OtherAccess::Names(principal));
    }
    source_arns(statement)
        .into_iter()
        .find(|arn| {
            let parts: Vec<&str> = arn.split(':').collect();
            matches!(
                parts.as_slice(),
                ["arn", p, "lambda", _, a, ..] if *p == partition.as_str() && *a == account.as_str()
            )
        })
        .map(OtherAccess::LambdaFunctions)
}

/// One of the statements this tool writes, named by its Sid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pull,
    PullAndPush,
    LambdaPull,
    PullOrganization,
    PullAndPushOrganization,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Pull,
        Kind::PullAndPush,
        Kind::LambdaPull,
        Kind::PullOrganization,
        Kind::PullAndPushOrganization,
    ];

    fn index(self) -> usize {
        match self {
            Kind::Pull => 0,
            Kind::PullAndPush => 1,
            Kind::LambdaPull => 2,
            Kind::PullOrganization => 3,
            Kind::PullAndPushOrganization => 4,
        }
    }

    fn base_sid(self) -> &'static str {
        match self {
            Kind::Pull | Kind::PullAndPush | Kind::LambdaPull => OWN_REPOSITORY_SIDS[self.index()],
            Kind::PullOrganization => OWN_ORGANIZATION_SIDS[0],
            Kind::PullAndPushOrganization => OWN_ORGANIZATION_SIDS[1],
        }
    }

    fn is_organization(self) -> bool {
        matches!(self, Kind::PullOrganization | Kind::PullAndPushOrganization)
    }

    /// The `number`th Sid of the kind's series: the base Sid, then `AllowPull2`, ...
    fn sid(self, number: u32) -> String {
        match number {
            1 => self.base_sid().to_string(),
            n => format!("{}{n}", self.base_sid()),
        }
    }

    /// The kind and number of a Sid of the series, e.g. `AllowPull3` → (Pull, 3).
    fn of_sid(sid: &str) -> Option<(Kind, u32)> {
        Kind::ALL.into_iter().find_map(|kind| {
            let rest = sid.strip_prefix(kind.base_sid())?;
            if rest.is_empty() {
                return Some((kind, 1));
            }
            let plain = rest.len() <= 6
                && !rest.starts_with('0')
                && rest.bytes().all(|b| b.is_ascii_digit());
            if !plain {
                return None;
            }
            let number: u32 = rest.parse().ok()?;
            (number >= 2).then_some((kind, number))
        })
    }

    fn actions(self) -> &'static BTreeSet<String> {
        static ACTIONS: LazyLock<Vec<BTreeSet<String>>> = LazyLock::new(|| {
            Kind::ALL
                .into_iter()
                .map(|kind| {
                    documents::repository_statement_actions(kind.base_sid())
                        .expect("every own Sid has a template")
                        .into_iter()
                        .collect()
                })
                .collect()
        });
        &ACTIONS[self.index()]
    }

    /// The keys an owned statement of this kind has, and no others.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Pull | Kind::PullAndPush => &["Sid", "Effect", "Principal", "Action"],
            Kind::LambdaPull | Kind::PullOrganization | Kind::PullAndPushOrganization => {
                &["Sid", "Effect", "Principal", "Action", "Condition"]
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Pull | Kind::PullOrganization => Access::Pull.label(),
            Kind::PullAndPush | Kind::PullAndPushOrganization => Access::PullPush.label(),
            Kind::LambdaPull => "Lambda pull",
        }
    }
}

/// The Sid a grant of one kind writes to.
struct Target {
    sid: String,
    number: u32,
}

/// The kind of an owned statement; `None` for a foreign one.
fn owned_kind(statement: &Value) -> Option<Kind> {
    let (kind, _) = sid_of(statement).and_then(Kind::of_sid)?;
    shape_problems(statement, kind).is_empty().then_some(kind)
}

/// What keeps a statement carrying a Sid of `kind` from being this tool's, each as a
/// phrase that follows "statement `X`"; empty when it is the tool's.
fn shape_problems(statement: &Value, kind: Kind) -> Vec<String> {
    let Value::Object(fields) = statement else {
        return vec!["is not a JSON object".to_string()];
    };
    let mut problems = Vec::new();
    match fields.get("Effect") {
        Some(Value::String(effect)) if effect == "Allow" => {}
        Some(effect) => problems.push(format!("has \"Effect\": {effect}")),
        None => problems.push("has no Effect".to_string()),
    }
    for key in fields
        .keys()
        .filter(|key| !kind.keys().contains(&key.as_str()))
    {
        problems.push(match key.as_str() {
            "Condition" => format!("has a condition ({})", condition_keys(statement).join(", ")),
            other => format!("has {other}"),
        });
    }
    match fields.get("Principal") {
        None => problems.push("has no Principal".to_string()),
        Some(principal) => problems.extend(principal_problem(principal, kind)),
    }
    match fields.get("Action") {
        None => problems.push("has no Action".to_string()),
        Some(action) => {
            let listed = match action {
                Value::String(_) | Value::Array(_) => strings(action),
                _ => Vec::new(),
            };
            let all_text = match action {
                Value::Array(items) => items.iter().all(Value::is_string),
                other => other.is_string(),
            };
            let set: BTreeSet<String> = listed.into_iter().collect();
            if !all_text || &set != kind.actions() {
                problems.push(format!(
                    "allows other actions than ecr-share's {} actions",
                    kind.label()
                ));
            }
        }
    }
    if kind == Kind::LambdaPull
        && let Some(condition) = fields.get("Condition")
        && !is_lambda_condition(condition)
    {
        problems.push(format!(
            "has a condition other than {STRING_LIKE} on {SOURCE_ARN_KEY} over whole accounts' functions ({})",
            condition_keys(statement).join(", ")
        ));
    }
    if kind == Kind::LambdaPull && !fields.contains_key("Condition") {
        problems.push(format!("has no {SOURCE_ARN_KEY} condition"));
    }
    if kind.is_organization() {
        match fields.get("Condition") {
            None => problems.push(format!("has no {PRINCIPAL_ORG_ID_KEY} condition")),
            Some(condition) if !is_organization_condition(condition) => {
                let description = condition_description(condition);
                let values = condition
                    .get(STRING_EQUALS)
                    .and_then(|tests| tests.get(PRINCIPAL_ORG_ID_KEY));
                problems.push(
                    if let (true, Some(values)) = (
                        description == format!("{STRING_EQUALS} on {PRINCIPAL_ORG_ID_KEY}"),
                        values,
                    ) {
                        format!(
                            "has {PRINCIPAL_ORG_ID_KEY} values that are not all organization ids: {values}"
                        )
                    } else {
                        format!(
                            "has a condition other than exactly one {STRING_EQUALS} on {PRINCIPAL_ORG_ID_KEY} over organization ids ({description})"
                        )
                    },
                )
            }
            Some(_) => {}
        }
    }
    problems
}

/// A condition block as a short phrase: each operator with its keys.
fn condition_description(condition: &Value) -> String {
    let Some(operators) = condition.as_object() else {
        return "not an object".to_string();
    };
    let parts: Vec<String> = operators
        .iter()
        .map(|(operator, tests)| match tests.as_object() {
            Some(keys) => {
                let keys: Vec<&str> = keys.keys().map(String::as_str).collect();
                format!("{operator} on {}", keys.join(", "))
            }
            None => format!("{operator}, not an object"),
        })
        .collect();
    if parts.is_empty() {
        "an empty condition".to_string()
    } else {
        parts.join("; ")
    }
}

/// Whether a condition is exactly `StringEquals` on `aws:PrincipalOrgID` over one or
/// more organization ids, written as AWS Organizations writes them.
fn is_organization_condition(condition: &Value) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    let Some(Value::Object(keys)) = operators.get(STRING_EQUALS) else {
        return false;
    };
    if operators.len() != 1 || keys.len() != 1 {
        return false;
    }
    let Some((key, ids)) = keys.iter().next() else {
        return false;
    };
    key.eq_ignore_ascii_case(PRINCIPAL_ORG_ID_KEY)
        && only_strings(ids)
        && !strings(ids).is_empty()
        && strings(ids)
            .iter()
            .all(|id| OrganizationId::parse(id).is_ok_and(|parsed| parsed.as_str() == id))
}

/// Why a principal is not the one an owned statement of `kind` has.
fn principal_problem(principal: &Value, kind: Kind) -> Option<String> {
    if kind.is_organization() {
        return (principal != "*").then(|| {
            "has a Principal other than \"*\" (an organization statement limits \"*\" by its condition)".to_string()
        });
    }
    if principal == "*" {
        return Some("lets any principal in (\"Principal\": \"*\")".to_string());
    }
    let Value::Object(kinds) = principal else {
        return Some("has a Principal that is neither \"*\" nor an object".to_string());
    };
    let others: Vec<&str> = match kind {
        Kind::Pull | Kind::PullAndPush | Kind::PullOrganization | Kind::PullAndPushOrganization => {
            kinds
                .keys()
                .filter(|k| *k != "AWS")
                .map(String::as_str)
                .collect()
        }
        Kind::LambdaPull => kinds
            .keys()
            .filter(|k| *k != "Service")
            .map(String::as_str)
            .collect(),
    };
    if !others.is_empty() {
        return Some(format!("also names {} principals", others.join(" and ")));
    }
    match kind {
        Kind::Pull | Kind::PullAndPush | Kind::PullOrganization | Kind::PullAndPushOrganization => {
            let Some(aws) = kinds.get("AWS") else {
                return Some("names no AWS principal".to_string());
            };
            if !only_strings(aws) || strings(aws).is_empty() {
                return Some("has an AWS principal that is not a list of accounts".to_string());
            }
            let principals = strings(aws);
            if principals.iter().any(|p| p == "*") {
                return Some("lets any principal in (\"AWS\": \"*\")".to_string());
            }
            let others: Vec<String> = principals
                .into_iter()
                .filter(|p| owned_principal_account(p).is_none())
                .collect();
            (!others.is_empty()).then(|| {
                format!(
                    "names principals other than whole accounts ({})",
                    others.join(", ")
                )
            })
        }
        Kind::LambdaPull => {
            let service = kinds.get("Service");
            let only_lambda = service
                .is_some_and(|s| only_strings(s) && strings(s) == [LAMBDA_SERVICE.to_string()]);
            (!only_lambda)
                .then(|| format!("names a principal other than the {LAMBDA_SERVICE} service"))
        }
    }
}

/// Whether a condition is exactly `StringLike` on `aws:sourceARN` over whole
/// accounts' Lambda functions (`arn:<partition>:lambda:<region>:<account>:function:*`).
fn is_lambda_condition(condition: &Value) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    let Some(Value::Object(keys)) = operators.get(STRING_LIKE) else {
        return false;
    };
    if operators.len() != 1 || keys.len() != 1 {
        return false;
    }
    let Some((key, arns)) = keys.iter().next() else {
        return false;
    };
    key.eq_ignore_ascii_case(SOURCE_ARN_KEY)
        && only_strings(arns)
        && !strings(arns).is_empty()
        && strings(arns).iter().all(|arn| is_function_pattern(arn))
}

/// `arn:<partition>:lambda:<region>:<12 digits>:function:*`.
fn is_function_pattern(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", "*"] => {
            PARTITIONS.iter().any(|p| p.as_str() == *partition)
                && !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && is_account(account)
        }
        _ => false,
    }
}

/// The condition keys a statement tests, in order, without repeats.
fn condition_keys(statement: &Value) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    if let Some(Value::Object(operators)) = statement.get("Condition") {
        for operator in operators.values() {
            match operator {
                Value::Object(tests) => {
                    for key in tests.keys() {
                        if !keys.contains(key) {
                            keys.push(key.clone());
                        }
                    }
                }
                _ => {
                    if keys.is_empty() {
                        keys.push("not an object".to_string());
                    }
                }
            }
        }
    }
    keys
}

/// Phrases joined as English: "a", "a and b", "a, b and c".
fn sentence(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A policy document taken apart: every key but `Statement`, the statements, and
/// whether `Statement` was a single object.
struct Document {
    fields: Map<String, Value>,
    statements: Vec<Value>,
    single: bool,
}

impl Document {
    fn new() -> Document {
        let mut fields = Map::new();
        fields.insert(
            "Version".to_string(),
            Value::String(REPOSITORY_POLICY_VERSION.to_string()),
        );
        Document {
            fields,
            statements: Vec::new(),
            single: false,
        }
    }

    fn parse(text: &str) -> Result<Document, MergeError> {
        let value = parse_policy(text)?;
        let Value::Object(fields) = value else {
            return Err(MergeError::NotAPolicy(
                "it is not a JSON object".to_string(),
            ));
        };
        let (statements, single) = match fields.get("Statement") {
            None => (Vec::new(), false),
            Some(Value::Array(items)) => (items.clone(), false),
            Some(Value::Object(_)) => (vec![fields["Statement"].clone()], true),
            Some(_) => {
                return Err(MergeError::NotAPolicy(
                    "its Statement is neither a statement nor a list of statements".to_string(),
                ));
            }
        };
        Ok(Document {
            fields,
            statements,
            single,
        })
    }

    /// The Sid a grant of `kind` writes to: the first of the series that holds an
    /// owned statement and no foreign one; failing that, the first that no statement
    /// holds. The choice depends only on the policy, so granting again finds the same
    /// statement, and so does revoke (which looks at every owned statement).
    fn target_sid(&self, kind: Kind) -> Target {
        let mut owned: HashSet<u32> = HashSet::new();
        let mut foreign: HashSet<u32> = HashSet::new();
        for statement in &self.statements {
            if let Some((k, number)) = sid_of(statement).and_then(Kind::of_sid)
                && k == kind
            {
                if is_owned(statement) {
                    owned.insert(number);
                } else {
                    foreign.insert(number);
                }
            }
        }
        let number = (1..)
            .take(self.statements.len() + 1)
            .find(|n| owned.contains(n) && !foreign.contains(n))
            .or_else(|| (1..).find(|n| !owned.contains(n) && !foreign.contains(n)))
            .expect("a policy holds finitely many Sids");
        Target {
            sid: kind.sid(number),
            number,
        }
    }

    /// Puts the document back together. `Statement` keeps its position among the keys
    /// and stays a single object when it was one and still is one statement.
    fn into_value(self) -> Value {
        let statement = match (self.single, <[Value; 1]>::try_from(self.statements)) {
            (true, Ok([one])) => one,
            (_, Ok(one)) => Value::Array(one.into()),
            (_, Err(many)) => Value::Array(many),
        };
        let mut fields = self.fields;
        match fields.get_mut("Statement") {
            Some(slot) => *slot = statement,
            None => {
                fields.insert("Statement".to_string(), statement);
            }
        }
        Value::Object(fields)
    }
}

/// Parses the current policy text, refusing one that names a key twice in an object.
fn parse_policy(text: &str) -> Result<Value, MergeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| MergeError::NotJson(e.to_string()))?;
    if let Some(duplicate) = duplicate_key(text) {
        return Err(MergeError::DuplicateKey(duplicate));
    }
    Ok(value)
}

/// The first key that a JSON text names twice in one object, said as "`Effect`
/// appears twice in `Statement[0]` at line 5 column 14"; `None` when every key is
/// named once. Meant for text that parses as JSON: for any other text it returns the
/// parser's own complaint.
pub fn duplicate_key(text: &str) -> Option<String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    UniqueKeys { path: "" }
        .deserialize(&mut deserializer)
        .err()
        .map(|e| e.to_string())
}

/// Walks a JSON document and fails at the first object that has a key twice, naming
/// where it is (`Statement[0].Principal` style, the top level as "the policy
/// document").
struct UniqueKeys<'a> {
    path: &'a str,
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            let path = format!("{}[{index}]", self.path);
            if items
                .next_element_seed(UniqueKeys { path: &path })?
                .is_none()
            {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = entries.next_key::<String>()? {
            if seen.contains(&key) {
                let place = if self.path.is_empty() {
                    "the policy document".to_string()
                } else {
                    format!("`{}`", self.path)
                };
                return Err(de::Error::custom(format!(
                    "`{key}` appears twice in {place}"
                )));
            }
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            entries.next_value_seed(UniqueKeys { path: &path })?;
            seen.insert(key);
        }
        Ok(())
    }
}

fn finish(
    current: Option<&str>,
    policy: Option<Value>,
    notes: Vec<String>,
) -> Result<PolicyChange, MergeError> {
    let previous_value = current.map(parse_policy).transpose()?;
    if let Some(policy) = &policy {
        SizeLimit::RepositoryPolicy
            .check(&policy.to_string())
            .map_err(MergeError::TooLarge)?;
    }
    let changes = previous_value != policy;
    let diff = if changes {
        let old = previous_value
            .as_ref()
            .map(documents::pretty)
            .unwrap_or_default();
        let new = policy.as_ref().map(documents::pretty).unwrap_or_default();
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header("current policy", "new policy")
            .to_string()
    } else {
        String::new()
    };
    Ok(PolicyChange {
        previous: current.map(str::to_string),
        policy,
        changes,
        diff,
        notes,
    })
}

fn sid_of(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

/// A principal or condition value, which IAM writes as one string or a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a value is one string or a list of nothing but strings.
fn only_strings(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Array(items) => items.iter().all(Value::is_string),
        _ => false,
    }
}

/// One string for one item, a list for several, as AWS writes them.
fn string_or_list(items: Vec<String>) -> Value {
    match <[String; 1]>::try_from(items) {
        Ok([one]) => Value::String(one),
        Err(many) => Value::Array(many.into_iter().map(Value::String).collect()),
    }
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account a principal of an owned statement stands for: a root ARN in a known
/// partition or a bare account id (which AWS turns into the root ARN). Two spellings
/// of the same account are one principal.
fn owned_principal_account(principal: &str) -> Option<&str> {
    if is_account(principal) {
        return Some(principal);
    }
    let parts: Vec<&str> = principal.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, "root"]
            if is_account(account) && PARTITIONS.iter().any(|p| p.as_str() == *partition) =>
        {
            Some(account)
        }
        _ => None,
    }
}

/// Whether two principals of owned statements are the same account: the same text,
/// or a bare account id and a root ARN of that account.
fn same_principal(a: &str, b: &str) -> bool {
    a == b
        || matches!(
            (owned_principal_account(a), owned_principal_account(b)),
            (Some(x), Some(y)) if x == y && (is_account(a) || is_account(b))
        )
}

/// The value that holds an owned statement's grantees: `Principal.AWS`, for Lambda
/// the `aws:sourceARN` list under `StringLike`, for an organization statement the
/// `aws:PrincipalOrgID` list under `StringEquals`, whichever case its key has.
fn grantees_mut(statement: &mut Value, kind: Kind) -> Option<&mut Value> {
    let (operator, wanted) = match kind {
        Kind::Pull | Kind::PullAndPush => return statement.pointer_mut("/Principal/AWS"),
        Kind::LambdaPull => (STRING_LIKE, SOURCE_ARN_KEY),
        Kind::PullOrganization | Kind::PullAndPushOrganization => {
            (STRING_EQUALS, PRINCIPAL_ORG_ID_KEY)
        }
    };
    statement
        .pointer_mut(&format!("/Condition/{operator}"))?
        .as_object_mut()?
        .iter_mut()
        .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
        .map(|(_, value)| value)
}

/// Adds to an owned statement the grantees of `other` (a statement of the same kind)
/// that it does not name yet, keeping its own text where nothing is added.
fn extend_owned(statement: &mut Value, other: &Value, kind: Kind) {
    let mut other = other.clone();
    let added = grantees_mut(&mut other, kind)
        .map(|v| strings(v))
        .unwrap_or_default();
    let Some(slot) = grantees_mut(statement, kind) else {
        return;
    };
    let mut all = strings(slot);
    let before = all.len();
    for item in added {
        let known = match kind {
            Kind::Pull | Kind::PullAndPush => all.iter().any(|seen| same_principal(seen, &item)),
            _ => all.contains(&item),
        };
        if !known {
            all.push(item);
        }
    }
    if all.len() != before {
        *slot = string_or_list(all);
    }
}

/// Takes the accounts (or organizations) out of one owned statement. Returns whether
/// the statement is to be kept (an owned statement left without grantees is dropped).
fn revoke_from_owned(statement: &mut Value, kind: Kind, revocation: &Revocation) -> bool {
    let Revocation {
        accounts,
        organizations,
        partition,
    } = revocation;
    let revoked = |item: &str| match kind {
        Kind::Pull | Kind::PullAndPush => accounts
            .iter()
            .any(|account| item == account.as_str() || item == account.root_arn(*partition)),
        Kind::LambdaPull => {
            let parts: Vec<&str> = item.split(':').collect();
            matches!(
                parts.as_slice(),
                ["arn", p, "lambda", _, account, "function", ..]
                    if *p == partition.as_str() && accounts.iter().any(|a| a.as_str() == *account)
            )
        }
        Kind::PullOrganization | Kind::PullAndPushOrganization => organizations
            .iter()
            .any(|organization| item == organization.as_str()),
    };
    let Some(slot) = grantees_mut(statement, kind) else {
        return true;
    };
    let before = strings(slot);
    let after: Vec<String> = before.iter().filter(|i| !revoked(i)).cloned().collect();
    if after.len() == before.len() {
        return true;
    }
    if after.is_empty() {
        return false;
    }
    *slot = string_or_list(after);
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn account(id: &str) -> AccountId {
        AccountId::parse(id).unwrap()
    }

    fn pull(accounts: &[&str]) -> Grant {
        grant_of(Access::Pull, accounts)
    }

    fn grant_of(access: Access, accounts: &[&str]) -> Grant {
        Grant {
            access,
            accounts: accounts.iter().map(|a| account(a)).collect(),
            organizations: Vec::new(),
            region: Region::parse("us-west-2").unwrap(),
        }
    }

    fn foreign() -> Value {
        json!({
            "Sid": "CiPush",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::555555555555:role/ci"},
            "Action": ["ecr:PutImage"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
            "X-Extra": true
        })
    }

    fn text(value: &Value) -> String {
        value.to_string()
    }

    #[test]
    fn a_new_policy_is_the_documented_one() {
        let change = grant(None, &pull(&["222222222222"])).unwrap();
        assert!(change.changes);
        assert_eq!(
            change.policy.as_ref().unwrap(),
            &documents::repository_policy(
                Access::Pull,
                Some(Partition::Aws),
                None,
                Some(&[account("222222222222")])
            )
        );
        assert_eq!(
            change.write(),
            PolicyWrite::Set(change.policy.as_ref().unwrap())
        );
        assert!(
            change.diff.contains("+      \"Sid\": \"AllowPull\""),
            "{}",
            change.diff
        );
    }

    #[test]
    fn foreign_statements_stay_exactly_where_they_were() {
        let current = json!({
            "Version": "2012-10-17",
            "Id": "keep-me",
            "Statement": [foreign(), {"Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository"}]
        });
        let change = grant(Some(&text(&current)), &pull(&["222222222222"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        assert_eq!(policy["Id"], "keep-me");
        let statements = statements_of(&policy);
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0], &current["Statement"][0]);
        assert_eq!(statements[1], &current["Statement"][1]);
        assert_eq!(statements[2]["Sid"], "AllowPull");
    }

    #[test]
    fn a_single_statement_object_is_understood() {
        let current = json!({"Version": "2008-10-17", "Statement": foreign()});
        let change = grant(Some(&text(&current)), &pull(&["222222222222"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], foreign());
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull");
    }

    #[test]
    fn granting_keeps_the_accounts_granted_before() {
        let first = grant(None, &pull(&["222222222222"])).unwrap();
        let second = grant(first.policy_text().as_deref(), &pull(&["333333333333"])).unwrap();
        let policy = second.policy.unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::333333333333:root"
            ])
        );
        assert_eq!(statements_of(&policy).len(), 1);
    }

    #[test]
    fn granting_again_changes_nothing() {
        let first = grant(
            None,
            &grant_of(Access::LambdaPull, &["222222222222", "333333333333"]),
        )
        .unwrap();
        let again = grant(
            first.policy_text().as_deref(),
            &grant_of(Access::LambdaPull, &["333333333333"]),
        )
        .unwrap();
        assert!(!again.changes);
        assert_eq!(again.write(), PolicyWrite::Nothing);
        assert!(again.diff.is_empty());
    }

    #[test]
    fn a_bare_account_id_is_the_same_principal_as_its_root_arn() {
        let current = json!({"Statement": [{
            "Sid": "AllowPull", "Effect": "Allow",
            "Principal": {"AWS": "222222222222"},
            "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability"]
        }]});
        let change = grant(Some(&text(&current)), &pull(&["222222222222"])).unwrap();
        assert_eq!(
            change.policy.unwrap()["Statement"][0]["Principal"]["AWS"],
            "222222222222"
        );
    }

    #[test]
    fn lambda_grant_unites_source_arns_under_any_spelling_of_the_key() {
        let current = json!({"Version": "2008-10-17", "Statement": [{
            "Sid": "AllowLambdaPull", "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:lambda:us-west-2:444444444444:function:*"}}
        }]});
        let change = grant(
            Some(&text(&current)),
            &grant_of(Access::LambdaPull, &["222222222222"]),
        )
        .unwrap();
        let policy = change.policy.unwrap();
        let lambda = statements_of(&policy)
            .into_iter()
            .find(|s| s["Sid"] == "AllowLambdaPull")
            .unwrap()
            .clone();
        assert_eq!(
            source_arns(&lambda),
            [
                "arn:aws:lambda:us-west-2:444444444444:function:*",
                "arn:aws:lambda:us-west-2:222222222222:function:*"
            ]
        );
        // The Lambda statement keeps its position; the pull statement is appended.
        assert_eq!(policy["Statement"][0]["Sid"], "AllowLambdaPull");
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull");
    }

    #[test]
    fn revoking_takes_out_only_the_named_accounts() {
        let granted = grant(
            Some(&text(
                &json!({"Version": "2008-10-17", "Statement": [foreign()]}),
            )),
            &grant_of(Access::LambdaPull, &["222222222222", "333333333333"]),
        )
        .unwrap();
        let change = revoke(
            granted.policy_text().as_deref(),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], foreign());
        assert_eq!(
            policy["Statement"][1]["Principal"]["AWS"],
            "arn:aws:iam::333333333333:root"
        );
        assert_eq!(
            source_arns(&policy["Statement"][2]),
            ["arn:aws:lambda:us-west-2:333333333333:function:*"]
        );
    }

    #[test]
    fn revoking_the_last_account_drops_the_statements() {
        let granted = grant(
            Some(&text(
                &json!({"Version": "2008-10-17", "Statement": [foreign()]}),
            )),
            &grant_of(Access::LambdaPull, &["222222222222"]),
        )
        .unwrap();
        let change = revoke(
            granted.policy_text().as_deref(),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap();
        assert_eq!(
            change.policy.unwrap(),
            json!({"Version": "2008-10-17", "Statement": [foreign()]})
        );
    }

    #[test]
    fn revoking_everything_deletes_the_policy() {
        let granted = grant(None, &grant_of(Access::LambdaPull, &["222222222222"])).unwrap();
        let change = revoke(
            granted.policy_text().as_deref(),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap();
        assert!(change.changes);
        assert_eq!(change.policy, None);
        assert_eq!(change.write(), PolicyWrite::Delete);
        assert!(
            change.diff.contains("-      \"Sid\": \"AllowPull\""),
            "{}",
            change.diff
        );
    }

    #[test]
    fn revoking_an_account_that_has_no_grant_changes_nothing() {
        let current = json!({"Version": "2008-10-17", "Statement": [
            foreign(),
            {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "ecr:BatchGetImage"}
        ]});
        let change = revoke(
            Some(&text(&current)),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap();
        assert!(!change.changes);
        assert_eq!(change.write(), PolicyWrite::Nothing);
        let none = revoke(None, &[account("222222222222")], Partition::Aws).unwrap();
        assert!(!none.changes);
        assert_eq!(none.write(), PolicyWrite::Nothing);
    }

    #[test]
    fn a_policy_that_is_not_json_is_never_overwritten() {
        let error = grant(Some("{\"Statement\": ["), &pull(&["222222222222"])).unwrap_err();
        assert!(matches!(error, MergeError::NotJson(_)), "{error}");
        assert!(error.to_string().contains("not valid JSON"));
        let error = revoke(Some("[]"), &[account("222222222222")], Partition::Aws).unwrap_err();
        assert!(matches!(error, MergeError::NotAPolicy(_)), "{error}");
        let error = grant(Some("{\"Statement\": 3}"), &pull(&["222222222222"])).unwrap_err();
        assert!(matches!(error, MergeError::NotAPolicy(_)), "{error}");
    }

    #[test]
    fn a_merged_policy_over_the_size_limit_is_refused() {
        // Foreign statements up to just under the limit: the policy fits, the grant does not.
        let mut big: Vec<Value> = Vec::new();
        let limit = SizeLimit::RepositoryPolicy.max_chars();
        while json!({"Version": "2008-10-17", "Statement": big})
            .to_string()
            .len()
            < limit - 600
        {
            let i = big.len();
            big.push(json!({"Sid": format!("Team{i}"), "Effect": "Allow",
                   "Principal": {"AWS": format!("arn:aws:iam::{i:012}:role/builds")},
                   "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}));
        }
        let current = json!({"Version": "2008-10-17", "Statement": big});
        assert!(current.to_string().len() < SizeLimit::RepositoryPolicy.max_chars());
        let ids: Vec<String> = (0..30)
            .map(|i| format!("{}", 222_222_222_200u64 + i))
            .collect();
        let named: Vec<&str> = ids.iter().map(String::as_str).collect();
        let error = grant(Some(&text(&current)), &pull(&named)).unwrap_err();
        let MergeError::AccountsDoNotFit {
            characters,
            fit,
            named: count,
        } = error
        else {
            panic!("{error}")
        };
        assert!(characters > limit, "{characters}");
        assert_eq!(count, named.len());
        // The count is the longest list, from the first, that merges within the limit.
        assert!(grant(Some(&text(&current)), &pull(&named[..fit])).is_ok());
        assert!(grant(Some(&text(&current)), &pull(&named[..fit + 1])).is_err());
        assert!(fit > 0 && fit < named.len(), "{fit}");
        let message = error.to_string();
        assert!(
            message.contains(&format!(
                "the merged policy would have {characters} characters, more than the 10240 a repository policy may have: only {fit} of the 30 accounts named fit (the first {fit})"
            )),
            "{message}"
        );
        assert!(message.contains("--organization o-"), "{message}");

        // Nothing more fits at all: not even one.
        let mut full = current.clone();
        let room = limit - full.to_string().len() - 150;
        full["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Sid": "Pad", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository",
                          "Condition": {"StringEquals": {"aws:PrincipalTag/x": "y".repeat(room)}}}));
        assert!(full.to_string().len() <= limit);
        let error = grant(Some(&text(&full)), &pull(&named)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("not even one of the 30 accounts named fits"),
            "{error}"
        );

        // An organization grant is one statement however many accounts it covers, but
        // it still has to fit.
        let mut organizations = pull(&[]);
        organizations.organizations = vec![OrganizationId::parse("o-a1b2c3d4e5").unwrap()];
        let error = grant(Some(&text(&full)), &organizations).unwrap_err();
        assert!(matches!(error, MergeError::TooLarge(_)), "{error}");
        // With accounts beside it, counting them would not help: the organization's
        // statement alone is too large already.
        let mut both = pull(&named);
        both.organizations = organizations.organizations.clone();
        let error = grant(Some(&text(&full)), &both).unwrap_err();
        assert!(matches!(error, MergeError::TooLarge(_)), "{error}");
        // Where the organization's statement fits, the count is of the accounts beside it.
        let error = grant(Some(&text(&current)), &both).unwrap_err();
        let MergeError::AccountsDoNotFit { fit: beside, .. } = error else {
            panic!("{error}")
        };
        assert!(beside < fit, "{beside} < {fit}");
        let mut first = pull(&named[..beside]);
        first.organizations = organizations.organizations.clone();
        assert!(grant(Some(&text(&current)), &first).is_ok());
    }

    const PULL_ACTIONS: [&str; 3] = [
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "ecr:BatchCheckLayerAvailability",
    ];

    fn owned_pull(principals: Value) -> Value {
        json!({"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": principals}, "Action": PULL_ACTIONS})
    }

    fn owned_lambda(arns: Value) -> Value {
        json!({
            "Sid": "AllowLambdaPull", "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Condition": {"StringLike": {"aws:sourceARN": arns}}
        })
    }

    /// The statement from the report: an organization-wide pull under the tool's Sid.
    fn org_pull() -> Value {
        json!({
            "Sid": "AllowPull", "Effect": "Allow", "Principal": "*",
            "Action": PULL_ACTIONS,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
        })
    }

    /// Whether a statement lets any principal in without a condition.
    fn unconditionally_public(statement: &Value) -> bool {
        statement["Effect"] == "Allow"
            && aws_principals(statement).iter().any(|p| p == "*")
            && statement.get("Condition").is_none()
    }

    fn policy_of(statements: Vec<Value>) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    #[test]
    fn the_tools_own_shapes_are_owned() {
        let roots = json!(["arn:aws:iam::222222222222:root", "333333333333"]);
        let mut reordered = owned_pull(roots.clone());
        reordered["Action"] = json!([
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer"
        ]);
        let mut second = owned_pull(json!("arn:aws-cn:iam::222222222222:root"));
        second["Sid"] = json!("AllowPull2");
        let mut lambda = owned_lambda(json!("arn:aws:lambda:us-west-2:222222222222:function:*"));
        lambda["Principal"]["Service"] = json!(["lambda.amazonaws.com"]);
        let lambda_key = json!({
            "Sid": "AllowLambdaPull3", "Effect": "Allow",
            "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Condition": {"StringLike": {"aws:SourceArn": ["arn:aws-us-gov:lambda:us-gov-west-1:222222222222:function:*"]}}
        });
        for statement in [owned_pull(roots), reordered, second, lambda, lambda_key]
            .into_iter()
            .chain(pull(&["222222222222"]).statements())
            .chain(grant_of(Access::PullPush, &["222222222222"]).statements())
            .chain(grant_of(Access::LambdaPull, &["222222222222"]).statements())
        {
            assert!(is_owned(&statement), "{statement}");
        }
    }

    #[test]
    fn only_the_tools_sids_and_their_numbered_series_count() {
        assert_eq!(Kind::of_sid("AllowPull"), Some((Kind::Pull, 1)));
        assert_eq!(Kind::of_sid("AllowPull2"), Some((Kind::Pull, 2)));
        assert_eq!(
            Kind::of_sid("AllowPullAndPush12"),
            Some((Kind::PullAndPush, 12))
        );
        assert_eq!(
            Kind::of_sid("AllowLambdaPull3"),
            Some((Kind::LambdaPull, 3))
        );
        for other in [
            "AllowPull1",
            "AllowPull02",
            "AllowPullX",
            "allowpull",
            "AllowPull-2",
            "Pull",
        ] {
            assert_eq!(Kind::of_sid(other), None, "{other}");
            let mut statement = owned_pull(json!("arn:aws:iam::222222222222:root"));
            statement["Sid"] = json!(other);
            assert!(!is_owned(&statement), "{other}");
        }
        assert_eq!(Kind::Pull.sid(1), "AllowPull");
        assert_eq!(Kind::LambdaPull.sid(2), "AllowLambdaPull2");
    }

    /// Statements that carry one of the tool's Sids but not its shape, each with what
    /// the explanation must mention.
    fn look_alikes() -> Vec<(Value, &'static str)> {
        let root = json!("arn:aws:iam::444444444444:root");
        let with = |key: &str, value: Value| {
            let mut statement = owned_pull(root.clone());
            statement[key] = value;
            statement
        };
        let without = |key: &str| {
            let mut statement = owned_pull(root.clone());
            statement.as_object_mut().unwrap().remove(key);
            statement
        };
        let lambda_arn = json!("arn:aws:lambda:us-west-2:444444444444:function:*");
        let mut lambda_extra = owned_lambda(lambda_arn.clone());
        lambda_extra["Condition"]["StringEquals"] = json!({"aws:SourceAccount": "444444444444"});
        let mut lambda_two_keys = owned_lambda(lambda_arn.clone());
        lambda_two_keys["Condition"]["StringLike"]["aws:SourceAccount"] = json!("444444444444");
        let mut lambda_one_function = owned_lambda(json!(
            "arn:aws:lambda:us-west-2:444444444444:function:deploy"
        ));
        lambda_one_function["Sid"] = json!("AllowLambdaPull2");
        let mut lambda_equals = owned_lambda(lambda_arn.clone());
        lambda_equals["Condition"] = json!({"StringEquals": {"aws:sourceARN": lambda_arn}});
        let mut lambda_accounts = owned_lambda(lambda_arn.clone());
        lambda_accounts["Principal"]["AWS"] = root.clone();
        let mut lambda_no_condition = owned_lambda(lambda_arn);
        lambda_no_condition
            .as_object_mut()
            .unwrap()
            .remove("Condition");
        let mut push_under_pull =
            grant_of(Access::PullPush, &["444444444444"]).statements()[0].clone();
        push_under_pull["Sid"] = json!("AllowPull");
        vec![
            (org_pull(), "has a condition (aws:PrincipalOrgID)"),
            (with("Effect", json!("Deny")), "has \"Effect\": \"Deny\""),
            (
                json!({"Sid": "AllowPullAndPush", "Effect": "Deny",
                       "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
                       "Action": "ecr:*"}),
                "has NotPrincipal",
            ),
            (with("Resource", json!("*")), "has Resource"),
            (
                with(
                    "NotResource",
                    json!("arn:aws:ecr:us-west-2:111111111111:repository/x"),
                ),
                "has NotResource",
            ),
            (
                with("NotAction", json!("ecr:DeleteRepository")),
                "has NotAction",
            ),
            (
                with(
                    "Condition",
                    json!({"Bool": {"aws:SecureTransport": "true"}}),
                ),
                "has a condition (aws:SecureTransport)",
            ),
            (with("Principal", json!("*")), "lets any principal in"),
            (
                with("Principal", json!({"AWS": "*"})),
                "lets any principal in",
            ),
            (
                with(
                    "Principal",
                    json!({"AWS": ["arn:aws:iam::444444444444:root", "arn:aws:iam::555555555555:role/ci"]}),
                ),
                "arn:aws:iam::555555555555:role/ci",
            ),
            (
                with(
                    "Principal",
                    json!({"AWS": root, "Service": "codebuild.amazonaws.com"}),
                ),
                "also names Service principals",
            ),
            (
                with("Action", json!("ecr:BatchGetImage")),
                "allows other actions than ecr-share's pull actions",
            ),
            (
                with(
                    "Action",
                    json!([
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:DeleteRepository"
                    ]),
                ),
                "other actions",
            ),
            (with("Action", json!("ecr:*")), "other actions"),
            (push_under_pull, "other actions"),
            (without("Principal"), "has no Principal"),
            (without("Action"), "has no Action"),
            (lambda_extra, "(aws:sourceARN, aws:SourceAccount)"),
            (lambda_two_keys, "aws:SourceAccount"),
            (lambda_one_function, "function"),
            (lambda_equals, "has a condition other than StringLike"),
            (lambda_accounts, "also names AWS principals"),
            (lambda_no_condition, "has no aws:sourceARN condition"),
        ]
    }

    #[test]
    fn look_alikes_are_foreign_and_say_why() {
        for (statement, why) in look_alikes() {
            assert!(!is_owned(&statement), "{statement}");
            let (kind, _) = Kind::of_sid(sid_of(&statement).unwrap()).unwrap();
            let problems = sentence(&shape_problems(&statement, kind));
            assert!(problems.contains(why), "{statement}: {problems}");
        }
    }

    #[test]
    fn a_grant_never_changes_a_look_alike_and_writes_its_own_statement_beside_it() {
        for (statement, _) in look_alikes() {
            let sid = sid_of(&statement).unwrap().to_string();
            let (kind, number) = Kind::of_sid(&sid).unwrap();
            let access = match kind {
                Kind::Pull | Kind::PullOrganization => Access::Pull,
                Kind::PullAndPush | Kind::PullAndPushOrganization => Access::PullPush,
                Kind::LambdaPull => Access::LambdaPull,
            };
            let current = policy_of(vec![statement.clone()]);
            let change = grant(Some(&current), &grant_of(access, &["222222222222"])).unwrap();
            let policy = change.policy.clone().unwrap();
            let after = statements_of(&policy);
            assert_eq!(after[0], &statement, "kept exactly, in place");
            assert_eq!(
                after.iter().filter(|s| **s == &statement).count(),
                1,
                "{policy}"
            );
            let owned: Vec<&&Value> = after.iter().filter(|s| is_owned(s)).collect();
            assert_eq!(owned.len(), after.len() - 1, "{policy}");
            assert!(owned.iter().all(|s| s["Sid"] != json!(sid)), "{policy}");
            assert!(
                after
                    .iter()
                    .all(|s| !unconditionally_public(s) || *s == &statement),
                "{policy}"
            );
            // A look-alike that holds the Sid the grant would use is explained; one
            // further along the series is not in the way.
            assert_eq!(
                change
                    .notes
                    .iter()
                    .any(|n| n.contains(&format!("statement `{sid}`"))
                        && n.contains("so it is not ecr-share's")),
                number == 1,
                "{statement}: {:?}",
                change.notes
            );

            // Granting again finds the same statement; revoking takes the grant out
            // and leaves the look-alike.
            let again = grant(
                change.policy_text().as_deref(),
                &grant_of(access, &["222222222222"]),
            )
            .unwrap();
            assert!(!again.changes, "{}", again.diff);
            let revoked = revoke(
                change.policy_text().as_deref(),
                &[account("222222222222")],
                Partition::Aws,
            )
            .unwrap();
            assert_eq!(
                revoked.policy.as_ref(),
                Some(&serde_json::from_str::<Value>(&current).unwrap())
            );
            let revoked_alone =
                revoke(Some(&current), &[account("444444444444")], Partition::Aws).unwrap();
            assert!(
                !revoked_alone.changes,
                "{statement}: {}",
                revoked_alone.diff
            );
            assert!(
                revoked_alone
                    .notes
                    .iter()
                    .any(|n| n.contains("revoke leaves it as it is")),
                "{:?}",
                revoked_alone.notes
            );
        }
    }

    #[test]
    fn an_organization_pull_under_the_own_sid_is_never_made_public() {
        let current = policy_of(vec![org_pull()]);
        let change = grant(Some(&current), &pull(&["222222222222"])).unwrap();
        let policy = change.policy.clone().unwrap();
        assert_eq!(
            policy["Statement"],
            json!([org_pull(), {
                "Sid": "AllowPull2", "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": PULL_ACTIONS
            }])
        );
        assert_eq!(
            change.notes,
            [
                "statement `AllowPull` has a condition (aws:PrincipalOrgID) and lets any principal in (\"Principal\": \"*\"), so it is not ecr-share's: it is kept as it is and the grant goes into `AllowPull2`"
            ]
        );

        let second = grant(change.policy_text().as_deref(), &pull(&["333333333333"])).unwrap();
        let policy = second.policy.unwrap();
        assert_eq!(statements_of(&policy).len(), 2);
        assert_eq!(policy["Statement"][0], org_pull());
        assert_eq!(
            policy["Statement"][1]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::333333333333:root"
            ])
        );
    }

    #[test]
    fn a_deny_under_an_own_sid_stays_a_deny() {
        let deny = json!({"Sid": "AllowPull", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": PULL_ACTIONS});
        let current = policy_of(vec![deny.clone()]);
        let change = grant(Some(&current), &pull(&["333333333333"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], deny);
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull2");
        assert_eq!(policy["Statement"][1]["Effect"], "Allow");
        // Revoking the account the Deny names removes nothing: the Deny is not a grant.
        let revoked = revoke(Some(&current), &[account("222222222222")], Partition::Aws).unwrap();
        assert!(!revoked.changes);
    }

    #[test]
    fn a_deny_not_principal_guard_is_kept() {
        let guard = json!({"Sid": "AllowPullAndPush", "Effect": "Deny",
                           "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"},
                           "Action": "ecr:*"});
        let current = json!({"Version": "2008-10-17", "Statement": guard.clone()}).to_string();
        let change = grant(
            Some(&current),
            &grant_of(Access::PullPush, &["222222222222"]),
        )
        .unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], guard);
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPullAndPush2");
        assert!(
            change.notes[0].contains("has \"Effect\": \"Deny\", has NotPrincipal"),
            "{:?}",
            change.notes
        );
    }

    #[test]
    fn every_taken_sid_of_the_series_is_skipped() {
        let mut second = org_pull();
        second["Sid"] = json!("AllowPull2");
        second["Condition"] = json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}});
        let current = policy_of(vec![org_pull(), second.clone()]);
        let change = grant(Some(&current), &pull(&["222222222222"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][2]["Sid"], "AllowPull3");
        assert_eq!(change.notes.len(), 2, "{:?}", change.notes);
        assert!(change.notes[1].contains("statement `AllowPull2` has a condition (aws:SourceIp)"));
    }

    #[test]
    fn an_owned_statement_further_along_the_series_is_extended() {
        // The look-alike was removed after a grant went into AllowPull2: the next grant
        // extends AllowPull2 rather than starting a second owned statement.
        let mut second = owned_pull(json!("arn:aws:iam::222222222222:root"));
        second["Sid"] = json!("AllowPull2");
        let current = policy_of(vec![foreign(), second]);
        let change = grant(Some(&current), &pull(&["333333333333"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(statements_of(&policy).len(), 2);
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull2");
        assert_eq!(
            policy["Statement"][1]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::333333333333:root"
            ])
        );
        assert!(change.notes.is_empty(), "{:?}", change.notes);
    }

    #[test]
    fn a_lambda_statement_that_also_names_accounts_is_foreign() {
        let mixed = json!({
            "Sid": "AllowLambdaPull", "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::444444444444:root"},
            "Action": "ecr:BatchGetImage",
            "Condition": {"StringLike": {"aws:sourceARN": "arn:aws:lambda:us-west-2:444444444444:function:*"}}
        });
        let current = json!({"Statement": [mixed.clone()]}).to_string();
        let change = grant(
            Some(&current),
            &grant_of(Access::LambdaPull, &["222222222222"]),
        )
        .unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], mixed);
        assert_eq!(policy["Statement"][1]["Sid"], "AllowPull");
        assert_eq!(policy["Statement"][2]["Sid"], "AllowLambdaPull2");
        assert_eq!(
            source_arns(&policy["Statement"][2]),
            ["arn:aws:lambda:us-west-2:222222222222:function:*"]
        );
        // Revoke does not take the account out of the foreign statement.
        let revoked = revoke(Some(&current), &[account("444444444444")], Partition::Aws).unwrap();
        assert!(!revoked.changes);
    }

    #[test]
    fn a_star_principal_under_an_own_sid_is_kept_and_never_joined() {
        let public = json!({"Sid": "AllowPull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"});
        let current = json!({"Statement": public.clone()}).to_string();
        let change = grant(Some(&current), &pull(&["222222222222"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(policy["Statement"][0], public);
        assert_eq!(
            policy["Statement"][1]["Principal"],
            json!({"AWS": "arn:aws:iam::222222222222:root"})
        );
    }

    #[test]
    fn revoking_leaves_a_statement_with_other_principal_kinds_alone() {
        let mixed = json!({
            "Sid": "AllowPull", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root", "Service": "codebuild.amazonaws.com"},
            "Action": PULL_ACTIONS
        });
        let current = json!({"Statement": [mixed]}).to_string();
        let change = revoke(Some(&current), &[account("222222222222")], Partition::Aws).unwrap();
        assert!(!change.changes);
        assert_eq!(
            change.notes,
            [
                "statement `AllowPull` also names Service principals, so it is not ecr-share's: revoke leaves it as it is"
            ]
        );
    }

    #[test]
    fn duplicate_own_statements_become_one() {
        let current = json!({"Statement": [
            owned_pull(json!("arn:aws:iam::222222222222:root")),
            foreign(),
            owned_pull(json!("arn:aws:iam::333333333333:root"))
        ]});
        let change = grant(Some(&text(&current)), &pull(&["444444444444"])).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(statements_of(&policy).len(), 2);
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            json!([
                "arn:aws:iam::222222222222:root",
                "arn:aws:iam::333333333333:root",
                "arn:aws:iam::444444444444:root"
            ])
        );
        assert_eq!(policy["Statement"][1], foreign());
    }

    #[test]
    fn an_owned_statement_keeps_its_own_spelling_when_nothing_is_added() {
        let current = json!({"Statement": [{
            "Sid": "AllowPull", "Effect": "Allow",
            "Principal": {"AWS": ["222222222222"]},
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        }]});
        let change = grant(Some(&text(&current)), &pull(&["222222222222"])).unwrap();
        assert!(!change.changes, "{}", change.diff);
    }

    #[test]
    fn a_duplicate_key_anywhere_is_refused() {
        let two_statements = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Deny","Principal":"*","Action":"ecr:*"}],"Statement":[]}"#;
        let error = grant(Some(two_statements), &pull(&["222222222222"])).unwrap_err();
        assert!(matches!(error, MergeError::DuplicateKey(_)), "{error}");
        let message = error.to_string();
        assert!(
            message.contains("`Statement` appears twice in the policy document"),
            "{message}"
        );
        assert!(message.contains("left as it is"), "{message}");
        let error = revoke(
            Some(two_statements),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap_err();
        assert!(matches!(error, MergeError::DuplicateKey(_)), "{error}");

        let in_statement = r#"{"Statement":[{"Sid":"Other"},{"Sid":"AllowPull","Effect":"Deny","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}]}"#;
        let error = grant(Some(in_statement), &pull(&["333333333333"])).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`Effect` appears twice in `Statement[1]`"),
            "{error}"
        );

        let in_condition = r#"{"Statement":{"Sid":"X","Effect":"Allow","Principal":"*","Action":"ecr:*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a","aws:PrincipalOrgID":"o-b"}}}}"#;
        let error = revoke(
            Some(in_condition),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap_err();
        assert!(
            error.to_string().contains(
                "`aws:PrincipalOrgID` appears twice in `Statement.Condition.StringEquals`"
            ),
            "{error}"
        );

        // The same key in different objects is not a duplicate.
        let fine = json!({"Statement": [foreign(), foreign()]}).to_string();
        assert!(grant(Some(&fine), &pull(&["222222222222"])).is_ok());
    }

    #[test]
    fn other_access_says_how_a_foreign_statement_may_still_let_an_account_in() {
        let a = account("222222222222");
        let check = |statement: Value| other_access(&statement, &a, Partition::Aws);
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/ci"}, "Action": "ecr:*"})
            ),
            Some(OtherAccess::Names(
                "arn:aws:iam::222222222222:role/ci".into()
            ))
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::333333333333:root", "222222222222"]}, "Action": "ecr:*"})
            ),
            Some(OtherAccess::Names("222222222222".into()))
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "ecr:BatchGetImage",
                         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-west-2:222222222222:function:app"}}})
            ),
            Some(OtherAccess::LambdaFunctions(
                "arn:aws:lambda:us-west-2:222222222222:function:app".into()
            ))
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "ecr:*"})
            ),
            Some(OtherAccess::AllBut)
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "NotPrincipal": {"AWS": ["arn:aws:iam::222222222222:root"]}, "Action": "ecr:*"})
            ),
            None
        );
        assert_eq!(
            check(org_pull()),
            Some(OtherAccess::Anyone {
                conditions: vec!["aws:PrincipalOrgID".into()]
            })
        );
        assert_eq!(
            check(json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:*"})),
            Some(OtherAccess::Anyone { conditions: vec![] })
        );
        assert_eq!(
            check(
                json!({"Effect": "Deny", "Principal": {"AWS": "222222222222"}, "Action": "ecr:*"})
            ),
            None
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "ecr:*"})
            ),
            None
        );
        assert_eq!(
            check(
                json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws-cn:iam::222222222222:root"}, "Action": "ecr:*"})
            ),
            None,
            "another partition's account is another account"
        );
    }

    fn organization(id: &str) -> OrganizationId {
        OrganizationId::parse(id).unwrap()
    }

    fn to_organizations(access: Access, ids: &[&str]) -> Grant {
        let mut grant = grant_of(access, &[]);
        grant.organizations = ids.iter().map(|id| organization(id)).collect();
        grant
    }

    fn revoking_organizations(ids: &[&str]) -> Revocation {
        Revocation {
            accounts: Vec::new(),
            organizations: ids.iter().map(|id| organization(id)).collect(),
            partition: Partition::Aws,
        }
    }

    /// The tool's organization pull statement for these ids.
    fn owned_org_pull(ids: Value) -> Value {
        json!({
            "Sid": "AllowPullOrganization", "Effect": "Allow", "Principal": "*",
            "Action": PULL_ACTIONS,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids}}
        })
    }

    #[test]
    fn the_tools_organization_shapes_are_owned() {
        let mut key_case = owned_org_pull(json!(["o-a1b2c3d4e5", "o-zzzzzzzzzz"]));
        key_case["Condition"] = json!({"StringEquals": {"aws:principalorgid": "o-a1b2c3d4e5"}});
        let mut second = owned_org_pull(json!("o-a1b2c3d4e5"));
        second["Sid"] = json!("AllowPullOrganization2");
        let mut reordered = owned_org_pull(json!("o-a1b2c3d4e5"));
        reordered["Action"] = json!([
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage"
        ]);
        for statement in [key_case, second, reordered]
            .into_iter()
            .chain(to_organizations(Access::Pull, &["o-a1b2c3d4e5"]).statements())
            .chain(to_organizations(Access::PullPush, &["o-a1b2c3d4e5"]).statements())
        {
            assert!(is_owned(&statement), "{statement}");
            assert!(is_owned_organization_statement(&statement), "{statement}");
        }
        assert_eq!(
            Kind::of_sid("AllowPullOrganization"),
            Some((Kind::PullOrganization, 1))
        );
        assert_eq!(
            Kind::of_sid("AllowPullAndPushOrganization3"),
            Some((Kind::PullAndPushOrganization, 3))
        );
        assert_eq!(Kind::of_sid("AllowPullOrganizations"), None);
        assert!(!is_owned_organization_statement(&owned_pull(json!(
            "arn:aws:iam::222222222222:root"
        ))));
    }

    /// Statements that carry an organization Sid of the tool but not its shape, each
    /// with what the explanation must mention.
    fn organization_look_alikes() -> Vec<(Value, &'static str)> {
        let with = |key: &str, value: Value| {
            let mut statement = owned_org_pull(json!("o-a1b2c3d4e5"));
            statement[key] = value;
            statement
        };
        let condition = |value: Value| with("Condition", value);
        let mut not_principal = owned_org_pull(json!("o-a1b2c3d4e5"));
        let principal = not_principal
            .as_object_mut()
            .unwrap()
            .remove("Principal")
            .unwrap();
        not_principal["NotPrincipal"] = json!({"AWS": principal});
        let mut no_condition = owned_org_pull(json!("o-a1b2c3d4e5"));
        no_condition.as_object_mut().unwrap().remove("Condition");
        let mut push_under_pull =
            to_organizations(Access::PullPush, &["o-a1b2c3d4e5"]).statements()[0].clone();
        push_under_pull["Sid"] = json!("AllowPullOrganization");
        vec![
            (
                condition(json!({
                    "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                    "Bool": {"aws:SecureTransport": "true"}
                })),
                "StringEquals on aws:PrincipalOrgID; Bool on aws:SecureTransport",
            ),
            (
                condition(json!({"StringLike": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
                "StringLike on aws:PrincipalOrgID",
            ),
            (
                condition(json!({"StringEquals": {
                    "aws:PrincipalOrgID": "o-a1b2c3d4e5",
                    "aws:PrincipalAccount": "222222222222"
                }})),
                "StringEquals on aws:PrincipalOrgID, aws:PrincipalAccount",
            ),
            (
                condition(
                    json!({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
                ),
                "ForAnyValue:StringEquals on aws:PrincipalOrgID",
            ),
            (
                condition(json!({"StringEquals": {"aws:PrincipalOrgID": "o-*"}})),
                "has aws:PrincipalOrgID values that are not all organization ids: \"o-*\"",
            ),
            (
                condition(json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
                "not all organization ids: \"o-abc123\"",
            ),
            (
                condition(json!({"StringEquals": {"aws:PrincipalOrgID": []}})),
                "not all organization ids: []",
            ),
            (
                condition(json!({"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5", 7]}})),
                "not all organization ids: [\"o-a1b2c3d4e5\",7]",
            ),
            (
                condition(json!({"StringEquals": {"aws:principalorgid": "O-A1B2C3D4E5"}})),
                "over organization ids (StringEquals on aws:principalorgid)",
            ),
            (condition(json!({})), "an empty condition"),
            (no_condition, "has no aws:PrincipalOrgID condition"),
            (not_principal, "has NotPrincipal"),
            (
                with("Principal", json!({"AWS": "*"})),
                "has a Principal other than \"*\"",
            ),
            (
                with(
                    "Principal",
                    json!({"AWS": "arn:aws:iam::222222222222:root"}),
                ),
                "has a Principal other than \"*\"",
            ),
            (with("Effect", json!("Deny")), "has \"Effect\": \"Deny\""),
            (with("Resource", json!("*")), "has Resource"),
            (
                with("NotAction", json!("ecr:DeleteRepository")),
                "has NotAction",
            ),
            (with("Action", json!("ecr:*")), "other actions"),
            (push_under_pull, "other actions"),
        ]
    }

    #[test]
    fn organization_look_alikes_are_foreign_and_say_why() {
        for (statement, why) in organization_look_alikes() {
            assert!(!is_owned(&statement), "{statement}");
            let (kind, _) = Kind::of_sid(sid_of(&statement).unwrap()).unwrap();
            let problems = sentence(&shape_problems(&statement, kind));
            assert!(problems.contains(why), "{statement}: {problems}");
        }
    }

    #[test]
    fn an_organization_grant_never_changes_a_look_alike() {
        for (statement, _) in organization_look_alikes() {
            let current = policy_of(vec![statement.clone()]);
            let change = grant(
                Some(&current),
                &to_organizations(Access::Pull, &["o-zzzzzzzzzz"]),
            )
            .unwrap();
            let policy = change.policy.unwrap();
            assert_eq!(policy["Statement"][0], statement, "kept exactly, in place");
            assert_eq!(
                policy["Statement"][1],
                json!({
                    "Sid": "AllowPullOrganization2", "Effect": "Allow", "Principal": "*",
                    "Action": PULL_ACTIONS,
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}}
                }),
                "{statement}"
            );
            assert!(
                change.notes[0].starts_with("statement `AllowPullOrganization` ")
                    && change.notes[0]
                        .ends_with("so it is not ecr-share's: it is kept as it is and the grant goes into `AllowPullOrganization2`"),
                "{:?}",
                change.notes
            );
            // Revoking the organization the look-alike names takes nothing from it.
            let revoked =
                revoke_grantees(Some(&current), &revoking_organizations(&["o-a1b2c3d4e5"]))
                    .unwrap();
            assert!(!revoked.changes, "{statement}: {}", revoked.diff);
        }
    }

    #[test]
    fn a_second_organization_joins_the_same_statement() {
        let current = policy_of(vec![foreign(), org_pull()]);
        let first = grant(
            Some(&current),
            &to_organizations(Access::Pull, &["o-a1b2c3d4e5"]),
        )
        .unwrap();
        let second = grant(
            first.policy_text().as_deref(),
            &to_organizations(Access::Pull, &["o-zzzzzzzzzz", "o-a1b2c3d4e5"]),
        )
        .unwrap();
        let policy = second.policy.unwrap();
        let all = statements_of(&policy);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0], &foreign());
        assert_eq!(
            all[1],
            &org_pull(),
            "the look-alike under AllowPull is kept"
        );
        assert_eq!(
            all[2],
            &owned_org_pull(json!(["o-a1b2c3d4e5", "o-zzzzzzzzzz"]))
        );
        // Granting again changes nothing; pull and push is a statement of its own.
        let again = grant(
            Some(&policy.to_string()),
            &to_organizations(Access::Pull, &["o-zzzzzzzzzz"]),
        )
        .unwrap();
        assert!(!again.changes, "{}", again.diff);
        let push = grant(
            Some(&policy.to_string()),
            &to_organizations(Access::PullPush, &["o-zzzzzzzzzz"]),
        )
        .unwrap();
        assert_eq!(
            push.policy.unwrap()["Statement"][3]["Sid"],
            "AllowPullAndPushOrganization"
        );
    }

    #[test]
    fn accounts_and_organizations_in_one_grant_get_one_statement_each() {
        let mut both = pull(&["222222222222"]);
        both.organizations = vec![organization("o-a1b2c3d4e5")];
        let change = grant(None, &both).unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(
            policy["Statement"],
            json!([
                owned_pull(json!("arn:aws:iam::222222222222:root")),
                owned_org_pull(json!("o-a1b2c3d4e5"))
            ])
        );
    }

    #[test]
    fn lambda_pull_is_never_granted_to_an_organization() {
        let mut lambda = grant_of(Access::LambdaPull, &["222222222222"]);
        lambda.organizations = vec![organization("o-a1b2c3d4e5")];
        let error = grant(None, &lambda).unwrap_err();
        assert_eq!(error, MergeError::LambdaForOrganization);
        assert!(error.to_string().contains("Grant pull to the organization"));
        assert_eq!(
            grant(None, &grant_of(Access::Pull, &[])).unwrap_err(),
            MergeError::NoGrantees
        );
    }

    #[test]
    fn revoking_an_organization_takes_out_only_its_id() {
        let mut both = grant_of(Access::PullPush, &["222222222222"]);
        both.organizations = vec![organization("o-a1b2c3d4e5"), organization("o-zzzzzzzzzz")];
        let current = policy_of(vec![foreign(), org_pull()]);
        let granted = grant(Some(&current), &both).unwrap();
        let text = granted.policy_text().unwrap();

        let one = revoke_grantees(Some(&text), &revoking_organizations(&["o-zzzzzzzzzz"])).unwrap();
        let policy = one.policy.unwrap();
        assert_eq!(policy["Statement"][0], foreign());
        assert_eq!(policy["Statement"][1], org_pull());
        assert_eq!(
            policy["Statement"][2]["Principal"]["AWS"], "arn:aws:iam::222222222222:root",
            "the accounts' statement is not touched"
        );
        assert_eq!(organization_ids(&policy["Statement"][3]), ["o-a1b2c3d4e5"]);

        // The last organization goes with its statement: without the condition it
        // would let anyone in.
        let last = revoke_grantees(
            Some(&text),
            &revoking_organizations(&["o-zzzzzzzzzz", "o-a1b2c3d4e5"]),
        )
        .unwrap();
        let policy = last.policy.unwrap();
        assert_eq!(statements_of(&policy).len(), 3);
        assert!(
            statements_of(&policy)
                .iter()
                .all(|s| !unconditionally_public(s) && !is_owned_organization_statement(s)),
            "{policy}"
        );

        // Revoking the account leaves the organizations' statement alone.
        let account_only = revoke(Some(&text), &[account("222222222222")], Partition::Aws).unwrap();
        let policy = account_only.policy.unwrap();
        assert_eq!(
            organization_ids(&policy["Statement"][2]),
            ["o-a1b2c3d4e5", "o-zzzzzzzzzz"]
        );
        assert_eq!(statements_of(&policy).len(), 3);

        // Everything the grant added goes when both are revoked.
        let all = revoke_grantees(
            Some(&text),
            &Revocation {
                accounts: vec![account("222222222222")],
                organizations: both.organizations.clone(),
                partition: Partition::Aws,
            },
        )
        .unwrap();
        assert_eq!(all.policy, Some(serde_json::from_str(&current).unwrap()));
    }
}
