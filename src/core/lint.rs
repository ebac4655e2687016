//! Checks a policy document for mistakes, offline: an IAM identity policy, an ECR
//! repository policy or a role trust policy. Each finding names its rule, a severity,
//! the statement it is about and a one-line reason.
//!
//! The rules (ids as [`Rule::id`] gives them):
//! - `json`, `duplicate-key`: the text is not one JSON object, or names a key twice.
//! - `version`, `statement`, `unknown-key`, `sid`, `effect`, `action`, `principal`,
//!   `resource`, `condition`: the policy grammar.
//! - `old-version`: no `Version`, or `2008-10-17`, where policy variables such as
//!   `${aws:username}` are plain text. A warning, except in a repository policy that
//!   uses no variable, where it is information (the ECR documentation writes its
//!   repository policies in 2008-10-17).
//! - `public-access`: an `Allow` for any principal (`"*"`, `{"AWS": "*"}`, or every
//!   principal but the ones `NotPrincipal` names) that no condition narrows to an
//!   organization, account or ARN.
//! - `ineffective-action`: actions that cannot take effect where they stand: registry
//!   actions or other services' actions in a repository policy, other than role actions
//!   in a trust policy, and in an identity policy actions whose resource types the
//!   statement's `Resource` does not name (an action with no resource type needs `*`).
//! - `unknown-action`: an ecr, ecr-public, iam or sts action (or a wildcard) that
//!   matches no action of AWS's service authorization data;
//!   `unchecked-service`: actions of other services, which are not checked.
//! - `arn`, `account-id`: malformed ARNs and account ids.
//! - `resource-in-resource-policy`: `Resource` in a repository or trust policy, which
//!   ECR and IAM refuse.
//! - `size`: over the limit AWS puts on the kind of policy (a warning), or within 10% of
//!   it (information).
//!
//! Nothing here reads files or talks to AWS: the wizard can show the same findings
//! beside each document.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde_json::{Map, Value};

use super::merge;
use super::regions;
use super::service_authorization::{self, ActionInfo, Service, TABLE, has_wildcard};
use super::validate::{SizeLimit, shown};

/// How much a finding matters. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; the policy does what it says.
    Info,
    /// AWS takes the policy, but part of it does not do what it seems to, or does too
    /// much.
    Warning,
    /// AWS refuses the policy, or it cannot mean what is written.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a policy is attached to, which decides its grammar and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role: no Principal, a Resource.
    Identity,
    /// Set on an ECR repository: a Principal, no Resource.
    Repository,
    /// A role's trust policy: a Principal, role-session actions, no Resource.
    Trust,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 3] = [
        PolicyKind::Identity,
        PolicyKind::Repository,
        PolicyKind::Trust,
    ];

    /// The name used on the command line (`--kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Repository => "repository",
            PolicyKind::Trust => "trust",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity policy",
            PolicyKind::Repository => "repository policy",
            PolicyKind::Trust => "role trust policy",
        }
    }

    /// The size limit AWS puts on the kind. An identity policy is held to the
    /// managed-policy limit.
    pub fn size_limit(self) -> SizeLimit {
        match self {
            PolicyKind::Identity => SizeLimit::ManagedPolicy,
            PolicyKind::Repository => SizeLimit::RepositoryPolicy,
            PolicyKind::Trust => SizeLimit::TrustPolicy,
        }
    }

    fn is_resource_policy(self) -> bool {
        self != PolicyKind::Identity
    }
}

/// How the kind a document was linted as was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindSource {
    /// The caller named it.
    Given,
    /// No statement names a Principal: an identity policy.
    NoPrincipal,
    /// Statements name a Principal and every action is an sts action: a trust policy.
    PrincipalAndStsActions,
    /// Statements name a Principal: a repository policy.
    Principal,
    /// No kind was given and the document is not a JSON object.
    NotAPolicy,
}

impl KindSource {
    pub fn describe(self) -> &'static str {
        match self {
            KindSource::Given => "as asked",
            KindSource::NoPrincipal => "no statement names a Principal",
            KindSource::PrincipalAndStsActions => {
                "statements name a Principal and every action is an sts action"
            }
            KindSource::Principal => "statements name a Principal",
            KindSource::NotAPolicy => "the document is not a JSON object",
        }
    }
}

/// Every rule, by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    Json,
    DuplicateKey,
    Version,
    OldVersion,
    Statement,
    UnknownKey,
    Sid,
    Effect,
    Action,
    Principal,
    Resource,
    Condition,
    PublicAccess,
    IneffectiveAction,
    UnknownAction,
    UncheckedService,
    Arn,
    AccountId,
    ResourceInResourcePolicy,
    Size,
}

impl Rule {
    pub const ALL: [Rule; 20] = [
        Rule::Json,
        Rule::DuplicateKey,
        Rule::Version,
        Rule::OldVersion,
        Rule::Statement,
        Rule::UnknownKey,
        Rule::Sid,
        Rule::Effect,
        Rule::Action,
        Rule::Principal,
        Rule::Resource,
        Rule::Condition,
        Rule::PublicAccess,
        Rule::IneffectiveAction,
        Rule::UnknownAction,
        Rule::UncheckedService,
        Rule::Arn,
        Rule::AccountId,
        Rule::ResourceInResourcePolicy,
        Rule::Size,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::Json => "json",
            Rule::DuplicateKey => "duplicate-key",
            Rule::Version => "version",
            Rule::OldVersion => "old-version",
            Rule::Statement => "statement",
            Rule::UnknownKey => "unknown-key",
            Rule::Sid => "sid",
            Rule::Effect => "effect",
            Rule::Action => "action",
            Rule::Principal => "principal",
            Rule::Resource => "resource",
            Rule::Condition => "condition",
            Rule::PublicAccess => "public-access",
            Rule::IneffectiveAction => "ineffective-action",
            Rule::UnknownAction => "unknown-action",
            Rule::UncheckedService => "unchecked-service",
            Rule::Arn => "arn",
            Rule::AccountId => "account-id",
            Rule::ResourceInResourcePolicy => "resource-in-resource-policy",
            Rule::Size => "size",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The statement a finding is about: its position in `Statement` (0 for a single
/// statement object) and its Sid when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Statement[{}]", self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " ({})", shown(sid))?;
        }
        Ok(())
    }
}

/// One finding. The reason is one line, and any text it quotes from the document is
/// shown escaped (see [`shown`]), so it is safe to print on a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// `None` for a finding about the whole document.
    pub statement: Option<StatementRef>,
    pub reason: String,
}

/// The outcome of linting one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// What the document was linted as; `None` when it is not a JSON object and no kind
    /// was given.
    pub kind: Option<PolicyKind>,
    pub kind_source: KindSource,
    /// In document order: the document's own findings first, then each statement's.
    pub findings: Vec<Finding>,
}

impl Lint {
    /// The most serious finding's severity; `None` when there is none.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Clean: nothing worse than information.
    pub fn is_clean(&self) -> bool {
        self.worst().is_none_or(|worst| worst == Severity::Info)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints a policy document as `kind`, or, when `kind` is `None`, as the kind its shape
/// says: a document with a Principal is a resource policy (a trust policy when every
/// action is an sts action, a repository policy otherwise); one without is an identity
/// policy.
pub fn lint(document: &str, kind: Option<PolicyKind>) -> Lint {
    let value: Value = match serde_json::from_str(document) {
        Ok(value) => value,
        Err(error) => {
            return Lint {
                kind,
                kind_source: given_or_not_a_policy(kind),
                findings: vec![Finding {
                    rule: Rule::Json,
                    severity: Severity::Error,
                    statement: None,
                    reason: format!("not valid JSON: {error}"),
                }],
            };
        }
    };
    let mut linter = Linter {
        kind: kind.unwrap_or(PolicyKind::Identity),
        findings: Vec::new(),
    };
    if let Some(duplicate) = merge::duplicate_key(document) {
        linter.document(
            Rule::DuplicateKey,
            Severity::Error,
            format!(
                "{duplicate}; readers disagree on which of the two counts, so the policy may not mean what it seems to"
            ),
        );
    }
    let Value::Object(fields) = &value else {
        linter.document(
            Rule::Json,
            Severity::Error,
            format!(
                "a policy document is a JSON object; this is {}",
                json_type(&value)
            ),
        );
        return Lint {
            kind,
            kind_source: given_or_not_a_policy(kind),
            findings: linter.findings,
        };
    };
    let (kind, kind_source) = match kind {
        Some(kind) => (kind, KindSource::Given),
        None => detect_kind(fields),
    };
    linter.kind = kind;
    linter.policy(fields, document);
    Lint {
        kind: Some(kind),
        kind_source,
        findings: linter.findings,
    }
}

fn given_or_not_a_policy(kind: Option<PolicyKind>) -> KindSource {
    match kind {
        Some(_) => KindSource::Given,
        None => KindSource::NotAPolicy,
    }
}

/// The kind a policy's shape says it is.
fn detect_kind(fields: &Map<String, Value>) -> (PolicyKind, KindSource) {
    let statements: Vec<&Map<String, Value>> = match fields.get("Statement") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(one)) => vec![one],
        _ => Vec::new(),
    };
    let has_principal = statements
        .iter()
        .any(|s| s.contains_key("Principal") || s.contains_key("NotPrincipal"));
    if !has_principal {
        return (PolicyKind::Identity, KindSource::NoPrincipal);
    }
    let actions: Vec<&str> = statements
        .iter()
        .flat_map(|s| [s.get("Action"), s.get("NotAction")])
        .flatten()
        .flat_map(string_items)
        .collect();
    let only_sts = !actions.is_empty()
        && actions.iter().all(|action| {
            action
                .split_once(':')
                .is_some_and(|(service, _)| service.eq_ignore_ascii_case("sts"))
        });
    if only_sts {
        (PolicyKind::Trust, KindSource::PrincipalAndStsActions)
    } else {
        (PolicyKind::Repository, KindSource::Principal)
    }
}

const TOP_LEVEL_KEYS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const CURRENT_VERSION: &str = "2012-10-17";
const OLD_VERSION: &str = "2008-10-17";
const PRINCIPAL_TYPES: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

/// The partitions an ARN may name.
const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The condition operators, without `IfExists` and the `ForAllValues:` /
/// `ForAnyValue:` set prefixes.
const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// The operators under which a condition can narrow who is let in: they require the
/// key to be present and equal to (or like) one of the values.
const NARROWING_OPERATORS: [&str; 5] = [
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
];

/// Condition keys that, tested with a narrowing operator, limit a public statement to
/// an organization, an account or named principals or sources.
const NARROWING_KEYS: [&str; 12] = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:userid",
];

/// The part of a size limit within which a document is said to be close to it.
const NEAR_LIMIT_PERCENT: usize = 90;

struct Linter {
    kind: PolicyKind,
    findings: Vec<Finding>,
}

impl Linter {
    fn kind(&self) -> PolicyKind {
        self.kind
    }

    fn document(&mut self, rule: Rule, severity: Severity, reason: String) {
        self.findings.push(Finding {
            rule,
            severity,
            statement: None,
            reason,
        });
    }

    fn at(&mut self, at: &StatementRef, rule: Rule, severity: Severity, reason: String) {
        self.findings.push(Finding {
            rule,
            severity,
            statement: Some(at.clone()),
            reason,
        });
    }

    fn policy(&mut self, fields: &Map<String, Value>, text: &str) {
        for key in fields.keys() {
            if !TOP_LEVEL_KEYS.contains(&key.as_str()) {
                let reason = unknown_key_reason(key, &TOP_LEVEL_KEYS, "a policy document");
                self.document(Rule::UnknownKey, Severity::Error, reason);
            }
        }
        self.version(fields.get("Version"), text);
        let statements: Vec<(usize, &Value)> = match fields.get("Statement") {
            None => {
                let hint = if fields.contains_key("Effect") || fields.contains_key("Action") {
                    " (this looks like one statement on its own: a policy holds it as {\"Version\": \"2012-10-17\", \"Statement\": [...]})"
                } else {
                    ""
                };
                self.document(
                    Rule::Statement,
                    Severity::Error,
                    format!("the policy has no Statement{hint}"),
                );
                Vec::new()
            }
            Some(Value::Array(items)) if items.is_empty() => {
                self.document(
                    Rule::Statement,
                    Severity::Error,
                    "Statement is an empty list; AWS refuses a policy without statements"
                        .to_string(),
                );
                Vec::new()
            }
            Some(Value::Array(items)) => items.iter().enumerate().collect(),
            Some(one @ Value::Object(_)) => vec![(0, one)],
            Some(other) => {
                self.document(
                    Rule::Statement,
                    Severity::Error,
                    format!(
                        "Statement is a statement object or a list of them; this is {}",
                        json_type(other)
                    ),
                );
                Vec::new()
            }
        };
        let mut sids: HashMap<String, usize> = HashMap::new();
        for (index, statement) in statements {
            let Value::Object(statement) = statement else {
                let at = StatementRef { index, sid: None };
                self.at(
                    &at,
                    Rule::Statement,
                    Severity::Error,
                    format!(
                        "a statement is a JSON object; this is {}",
                        json_type(statement)
                    ),
                );
                continue;
            };
            let sid = statement
                .get("Sid")
                .and_then(Value::as_str)
                .map(str::to_string);
            let at = StatementRef {
                index,
                sid: sid.clone(),
            };
            if let Some(sid) = sid.filter(|s| !s.is_empty()) {
                if let Some(first) = sids.get(&sid) {
                    let severity = match self.kind() {
                        PolicyKind::Repository => Severity::Warning,
                        PolicyKind::Identity | PolicyKind::Trust => Severity::Error,
                    };
                    self.at(
                        &at,
                        Rule::Sid,
                        severity,
                        format!(
                            "the Sid {} is already used by Statement[{first}]; a Sid names one statement",
                            quoted(&sid)
                        ),
                    );
                } else {
                    sids.insert(sid, index);
                }
            }
            self.statement(&at, statement);
        }
        self.size(text);
    }

    fn version(&mut self, version: Option<&Value>, text: &str) {
        let uses_variables = text.contains("${");
        match version {
            None => self.document(
                Rule::OldVersion,
                Severity::Warning,
                format!(
                    "no Version: AWS reads the policy as {OLD_VERSION}, where policy variables such as ${{aws:username}} are plain text; add \"Version\": \"{CURRENT_VERSION}\""
                ),
            ),
            Some(Value::String(v)) if v == CURRENT_VERSION => {}
            Some(Value::String(v)) if v == OLD_VERSION => {
                let severity = if self.kind() == PolicyKind::Repository && !uses_variables {
                    Severity::Info
                } else {
                    Severity::Warning
                };
                let what = if uses_variables {
                    "so the policy variables (${...}) in this policy are matched as plain text"
                } else {
                    "where policy variables such as ${aws:username} would be plain text"
                };
                self.document(
                    Rule::OldVersion,
                    severity,
                    format!(
                        "Version {OLD_VERSION} is the older policy language, {what}; {CURRENT_VERSION} is current"
                    ),
                );
            }
            Some(other) => self.document(
                Rule::Version,
                Severity::Error,
                format!(
                    "Version is \"{CURRENT_VERSION}\" or \"{OLD_VERSION}\"; this is {}",
                    describe(other)
                ),
            ),
        }
    }

    fn size(&mut self, text: &str) {
        let limit = self.kind().size_limit();
        let counted = limit.counted(text);
        let max = limit.max_chars();
        let how = match limit {
            SizeLimit::ManagedPolicy => "characters without white space",
            SizeLimit::TrustPolicy | SizeLimit::RepositoryPolicy => "characters as compact JSON",
        };
        if counted > max {
            self.document(
                Rule::Size,
                Severity::Warning,
                format!(
                    "{counted} {how}, over the {max} that AWS allows {}; AWS will refuse it",
                    limit_owner(limit)
                ),
            );
        } else if counted * 100 > max * NEAR_LIMIT_PERCENT {
            self.document(
                Rule::Size,
                Severity::Info,
                format!(
                    "{counted} {how}, within 10% of the {max} that AWS allows {}",
                    limit_owner(limit)
                ),
            );
        }
    }

    fn statement(&mut self, at: &StatementRef, statement: &Map<String, Value>) {
        for key in statement.keys() {
            if !STATEMENT_KEYS.contains(&key.as_str()) {
                let reason = unknown_key_reason(key, &STATEMENT_KEYS, "a statement");
                self.at(at, Rule::UnknownKey, Severity::Error, reason);
            }
        }
        match statement.get("Sid") {
            None | Some(Value::String(_)) => {}
            Some(other) => self.at(
                at,
                Rule::Sid,
                Severity::Error,
                format!("Sid is a string; this is {}", json_type(other)),
            ),
        }
        if self.kind() != PolicyKind::Repository
            && let Some(Value::String(sid)) = statement.get("Sid")
            && let Some(bad) = sid.chars().find(|c| !c.is_ascii_alphanumeric())
        {
            self.at(
                at,
                Rule::Sid,
                Severity::Error,
                format!(
                    "IAM takes only letters A-Z, a-z and digits in a Sid; {} has {}",
                    quoted(sid),
                    quoted(&bad.to_string())
                ),
            );
        }
        let effect = match statement.get("Effect") {
            Some(Value::String(e)) if e == "Allow" || e == "Deny" => Some(e.as_str()),
            Some(other) => {
                let hint = match other.as_str() {
                    Some(e) if e.eq_ignore_ascii_case("allow") => " (it is case-sensitive: Allow)",
                    Some(e) if e.eq_ignore_ascii_case("deny") => " (it is case-sensitive: Deny)",
                    _ => "",
                };
                self.at(
                    at,
                    Rule::Effect,
                    Severity::Error,
                    format!(
                        "Effect is \"Allow\" or \"Deny\"; this is {}{hint}",
                        describe(other)
                    ),
                );
                None
            }
            None => {
                self.at(
                    at,
                    Rule::Effect,
                    Severity::Error,
                    "the statement has no Effect (\"Allow\" or \"Deny\")".to_string(),
                );
                None
            }
        };
        let actions = self.actions(at, statement);
        self.principal(at, statement);
        let resources = self.resources(at, statement);
        self.condition(at, statement.get("Condition"));
        if effect == Some("Allow") && self.kind().is_resource_policy() {
            self.public_access(at, statement);
        }
        if let Some(ListKey::Plain(actions)) = &actions {
            let verb = if effect == Some("Deny") {
                Verb::DENY
            } else {
                Verb::GRANT
            };
            match self.kind() {
                PolicyKind::Repository => self.repository_actions(at, actions, verb),
                PolicyKind::Trust => self.trust_actions(at, actions, verb),
                PolicyKind::Identity => {
                    if let Some(ListKey::Plain(resources)) = &resources {
                        self.identity_actions(at, actions, resources, verb);
                    }
                }
            }
        }
    }

    /// Checks Action / NotAction and returns the actions that are well formed.
    fn actions(
        &mut self,
        at: &StatementRef,
        statement: &Map<String, Value>,
    ) -> Option<ListKey<Vec<ActionName>>> {
        let (key, value, list) = match (statement.get("Action"), statement.get("NotAction")) {
            (Some(_), Some(_)) => {
                self.at(
                    at,
                    Rule::Action,
                    Severity::Error,
                    "the statement has both Action and NotAction; it takes one of them".to_string(),
                );
                return None;
            }
            (None, None) => {
                self.at(
                    at,
                    Rule::Action,
                    Severity::Error,
                    "the statement has neither Action nor NotAction".to_string(),
                );
                return None;
            }
            (Some(value), None) => ("Action", value, ListKey::Plain(())),
            (None, Some(value)) => ("NotAction", value, ListKey::Not(())),
        };
        let items = self.string_list(at, Rule::Action, key, value)?;
        let mut names = Vec::new();
        for item in items {
            match ActionName::parse(item) {
                Ok(name) => names.push(name),
                Err(reason) => self.at(at, Rule::Action, Severity::Error, reason),
            }
        }
        self.known_actions(at, &names);
        Some(match list {
            ListKey::Plain(()) => ListKey::Plain(names),
            ListKey::Not(()) => ListKey::Not(names),
        })
    }

    /// `unknown-action` and `unchecked-service` for each action.
    fn known_actions(&mut self, at: &StatementRef, names: &[ActionName]) {
        let mut unchecked: BTreeSet<String> = BTreeSet::new();
        for name in names {
            let ActionName::Service { service, action } = name else {
                continue;
            };
            if has_wildcard(service) {
                continue;
            }
            let Some((prefix, table)) = TABLE.service(service) else {
                unchecked.insert(service.to_ascii_lowercase());
                continue;
            };
            if !table.matching(action).is_empty() {
                continue;
            }
            let reason = if has_wildcard(action) {
                format!(
                    "{} matches no action of {prefix} in AWS's service authorization data ({}), so it {}",
                    quoted(&name.to_string()),
                    TABLE.source_label(),
                    "does nothing"
                )
            } else {
                let hint = table
                    .closest(action)
                    .map(|close| format!("; did you mean {prefix}:{close}?"))
                    .unwrap_or_default();
                format!(
                    "{} is not an action of {prefix} in AWS's service authorization data ({}){hint}",
                    quoted(&name.to_string()),
                    TABLE.source_label(),
                )
            };
            self.at(at, Rule::UnknownAction, Severity::Warning, reason);
        }
        if !unchecked.is_empty() && self.kind() != PolicyKind::Repository {
            let list: Vec<String> = unchecked.iter().map(|s| shown(s)).collect();
            self.at(
                at,
                Rule::UncheckedService,
                Severity::Info,
                format!(
                    "{} actions are not in the embedded service data ({}), so they are not checked",
                    english_list(&list),
                    TABLE.prefixes().join(", ")
                ),
            );
        }
    }

    fn principal(&mut self, at: &StatementRef, statement: &Map<String, Value>) {
        let principal = statement.get("Principal");
        let not_principal = statement.get("NotPrincipal");
        if !self.kind().is_resource_policy() {
            if principal.is_some() || not_principal.is_some() {
                self.at(
                    at,
                    Rule::Principal,
                    Severity::Error,
                    "an identity policy has no Principal or NotPrincipal: it applies to the user, group or role it is attached to".to_string(),
                );
            }
            return;
        }
        let (key, value) = match (principal, not_principal) {
            (Some(_), Some(_)) => {
                self.at(
                    at,
                    Rule::Principal,
                    Severity::Error,
                    "the statement has both Principal and NotPrincipal; it takes one of them"
                        .to_string(),
                );
                return;
            }
            (None, None) => {
                self.at(
                    at,
                    Rule::Principal,
                    Severity::Error,
                    format!(
                        "a {} statement names who it applies to with Principal (or NotPrincipal)",
                        self.kind().label()
                    ),
                );
                return;
            }
            (Some(value), None) => ("Principal", value),
            (None, Some(value)) => ("NotPrincipal", value),
        };
        match value {
            Value::String(star) if star == "*" => {}
            Value::Object(kinds) if kinds.is_empty() => self.at(
                at,
                Rule::Principal,
                Severity::Error,
                format!("{key} is an empty object; name at least one principal"),
            ),
            Value::Object(kinds) => {
                for (kind, values) in kinds {
                    if !PRINCIPAL_TYPES.contains(&kind.as_str()) {
                        let reason = format!(
                            "{} is not a principal type ({})",
                            quoted(kind),
                            PRINCIPAL_TYPES.join(", ")
                        );
                        self.at(at, Rule::Principal, Severity::Error, reason);
                        continue;
                    }
                    let Some(items) =
                        self.string_list(at, Rule::Principal, &format!("{key}.{kind}"), values)
                    else {
                        continue;
                    };
                    for item in items {
                        match kind.as_str() {
                            "AWS" => self.aws_principal(at, item),
                            "Service" => self.service_principal(at, item),
                            _ => {}
                        }
                    }
                }
            }
            other => self.at(
                at,
                Rule::Principal,
                Severity::Error,
                format!(
                    "{key} is \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}; this is {}",
                    describe(other)
                ),
            ),
        }
    }

    fn aws_principal(&mut self, at: &StatementRef, principal: &str) {
        if principal == "*" {
            return;
        }
        if principal.bytes().all(|b| b.is_ascii_digit()) {
            if principal.len() != 12 {
                self.at(
                    at,
                    Rule::AccountId,
                    Severity::Error,
                    format!(
                        "the principal {} is not an account id: an account id has exactly 12 digits; this has {}",
                        quoted(principal),
                        principal.len()
                    ),
                );
            }
            return;
        }
        if principal.starts_with("arn:") {
            let Some(arn) = self.arn(at, principal) else {
                return;
            };
            if has_wildcard(principal) {
                self.at(
                    at,
                    Rule::Principal,
                    Severity::Error,
                    format!(
                        "the principal {} has a wildcard; a principal ARN names one principal (use \"*\" with a condition on aws:PrincipalArn)",
                        quoted(principal)
                    ),
                );
                return;
            }
            let principal_shape = matches!(arn.service.as_str(), "iam" | "sts")
                && arn.region.is_empty()
                && (arn.resource == "root"
                    || ["user/", "role/", "assumed-role/", "federated-user/"]
                        .iter()
                        .any(|p| arn.resource.starts_with(p)));
            if !principal_shape {
                self.at(
                    at,
                    Rule::Principal,
                    Severity::Error,
                    format!(
                        "{} is not a principal: an AWS principal is an account root, user, role or role session (arn:aws:iam::111122223333:root, :user/..., :role/..., arn:aws:sts::111122223333:assumed-role/...)",
                        quoted(principal)
                    ),
                );
            }
            return;
        }
        if is_unique_id(principal) {
            self.at(
                at,
                Rule::Principal,
                Severity::Warning,
                format!(
                    "{} is an IAM unique id: AWS writes one in place of a principal that was deleted, and it matches no principal now",
                    quoted(principal)
                ),
            );
            return;
        }
        self.at(
            at,
            Rule::Principal,
            Severity::Error,
            format!(
                "{} is not an AWS principal: \"*\", a 12-digit account id or an IAM ARN",
                quoted(principal)
            ),
        );
    }

    fn service_principal(&mut self, at: &StatementRef, service: &str) {
        let looks_like_host = !service.is_empty()
            && service.contains('.')
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !looks_like_host {
            self.at(
                at,
                Rule::Principal,
                Severity::Error,
                format!(
                    "{} is not a service principal such as lambda.amazonaws.com",
                    quoted(service)
                ),
            );
        }
    }

    /// Checks Resource / NotResource and returns the resources.
    fn resources<'v>(
        &mut self,
        at: &StatementRef,
        statement: &'v Map<String, Value>,
    ) -> Option<ListKey<Vec<&'v str>>> {
        let resource = statement.get("Resource");
        let not_resource = statement.get("NotResource");
        if self.kind().is_resource_policy() {
            if resource.is_some() || not_resource.is_some() {
                let key = if resource.is_some() {
                    "Resource"
                } else {
                    "NotResource"
                };
                let reason = match self.kind() {
                    PolicyKind::Repository => format!(
                        "a repository policy applies to its own repository and takes no {key}; ECR refuses it (\"Invalid repository policy provided\")"
                    ),
                    _ => format!(
                        "a trust policy applies to its own role and takes no {key}; IAM refuses it (\"Has prohibited field {key}\")"
                    ),
                };
                self.at(at, Rule::ResourceInResourcePolicy, Severity::Error, reason);
            }
            return None;
        }
        let (key, value, list) = match (resource, not_resource) {
            (Some(_), Some(_)) => {
                self.at(
                    at,
                    Rule::Resource,
                    Severity::Error,
                    "the statement has both Resource and NotResource; it takes one of them"
                        .to_string(),
                );
                return None;
            }
            (None, None) => {
                self.at(
                    at,
                    Rule::Resource,
                    Severity::Error,
                    "an identity policy statement names what it applies to with Resource (or NotResource)".to_string(),
                );
                return None;
            }
            (Some(value), None) => ("Resource", value, true),
            (None, Some(value)) => ("NotResource", value, false),
        };
        let items = self.string_list(at, Rule::Resource, key, value)?;
        for item in &items {
            if *item != "*" {
                if item.starts_with("arn:") {
                    self.arn(at, item);
                } else {
                    self.at(
                        at,
                        Rule::Arn,
                        Severity::Error,
                        format!("{key} {} is neither \"*\" nor an ARN", quoted(item)),
                    );
                }
            }
        }
        Some(if list {
            ListKey::Plain(items)
        } else {
            ListKey::Not(items)
        })
    }

    fn condition(&mut self, at: &StatementRef, condition: Option<&Value>) {
        let Some(condition) = condition else {
            return;
        };
        let Value::Object(operators) = condition else {
            self.at(
                at,
                Rule::Condition,
                Severity::Error,
                format!(
                    "Condition is an object of operators such as {{\"StringEquals\": {{\"aws:PrincipalOrgID\": \"o-...\"}}}}; this is {}",
                    json_type(condition)
                ),
            );
            return;
        };
        for (operator, tests) in operators {
            if !is_condition_operator(operator) {
                self.at(
                    at,
                    Rule::Condition,
                    Severity::Error,
                    format!(
                        "{} is not a condition operator (such as StringEquals, ArnLike, Bool, optionally with IfExists or ForAnyValue:)",
                        quoted(operator)
                    ),
                );
            }
            let Value::Object(tests) = tests else {
                self.at(
                    at,
                    Rule::Condition,
                    Severity::Error,
                    format!(
                        "the {} condition is an object of condition keys and values; this is {}",
                        quoted(operator),
                        json_type(tests)
                    ),
                );
                continue;
            };
            if tests.is_empty() {
                self.at(
                    at,
                    Rule::Condition,
                    Severity::Error,
                    format!("the {} condition tests no key", quoted(operator)),
                );
            }
            for (key, values) in tests {
                if !key.contains(':') || key.starts_with(':') || key.ends_with(':') {
                    self.at(
                        at,
                        Rule::Condition,
                        Severity::Error,
                        format!(
                            "{} is not a condition key such as aws:SourceArn (a prefix, a colon and a name)",
                            quoted(key)
                        ),
                    );
                }
                let scalar = |v: &Value| v.is_string() || v.is_number() || v.is_boolean();
                let fine = match values {
                    Value::Array(items) => !items.is_empty() && items.iter().all(scalar),
                    other => scalar(other),
                };
                if !fine {
                    self.at(
                        at,
                        Rule::Condition,
                        Severity::Error,
                        format!(
                            "the values of {} under {} are a string, number or boolean, or a non-empty list of them; this is {}",
                            quoted(key),
                            quoted(operator),
                            describe(values)
                        ),
                    );
                }
            }
        }
    }

    fn public_access(&mut self, at: &StatementRef, statement: &Map<String, Value>) {
        let everyone = match (statement.get("Principal"), statement.get("NotPrincipal")) {
            (Some(Value::String(star)), _) if star == "*" => Some("\"Principal\": \"*\""),
            (Some(Value::Object(kinds)), _)
                if kinds
                    .get("AWS")
                    .is_some_and(|aws| string_items(aws).contains(&"*")) =>
            {
                Some("\"AWS\": \"*\"")
            }
            (None, Some(_)) => Some("Allow with NotPrincipal: everyone but the ones it names"),
            _ => None,
        };
        let Some(everyone) = everyone else {
            return;
        };
        if narrows_principals(statement.get("Condition")) {
            return;
        }
        self.at(
            at,
            Rule::PublicAccess,
            Severity::Error,
            format!(
                "lets anyone in ({everyone}) and no condition narrows it to an organization, account or ARN (aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn, aws:PrincipalArn)"
            ),
        );
    }

    /// In a repository policy, actions that act on no repository: registry actions
    /// and other services' actions.
    fn repository_actions(&mut self, at: &StatementRef, actions: &[ActionName], verb: Verb) {
        let mut registry = Vec::new();
        let mut foreign = Vec::new();
        for name in actions {
            let ActionName::Service { service, action } = name else {
                continue;
            };
            if has_wildcard(service) && service_authorization::wildcard_match(service, "ecr") {
                continue;
            }
            if !service.eq_ignore_ascii_case("ecr") {
                foreign.push(quoted(&name.to_string()));
                continue;
            }
            let Some((_, ecr)) = TABLE.service("ecr") else {
                continue;
            };
            let matched = ecr.matching(action);
            if !matched.is_empty()
                && matched
                    .iter()
                    .all(|(_, info)| !info.resource_types.contains_key("repository"))
            {
                registry.push(quoted(&name.to_string()));
            }
        }
        if !registry.is_empty() {
            let reason = format!(
                "{} {} on the registry, not on a repository, so a repository policy cannot {} {}; an identity policy with \"Resource\": \"*\" does",
                english_list(&registry),
                if registry.len() == 1 { "acts" } else { "act" },
                verb.base,
                if registry.len() == 1 { "it" } else { "them" },
            );
            self.at(at, Rule::IneffectiveAction, Severity::Warning, reason);
        }
        if !foreign.is_empty() {
            let reason = format!(
                "{} {} not {}, so a repository policy cannot {} {}",
                english_list(&foreign),
                if foreign.len() == 1 { "is" } else { "are" },
                if foreign.len() == 1 {
                    "an ECR action"
                } else {
                    "ECR actions"
                },
                verb.base,
                if foreign.len() == 1 { "it" } else { "them" },
            );
            self.at(at, Rule::IneffectiveAction, Severity::Warning, reason);
        }
    }

    /// In a trust policy, actions that are not role-session actions.
    fn trust_actions(&mut self, at: &StatementRef, actions: &[ActionName], verb: Verb) {
        let mut other = Vec::new();
        for name in actions {
            let ActionName::Service { service, action } = name else {
                continue;
            };
            if has_wildcard(service) && service_authorization::wildcard_match(service, "sts") {
                continue;
            }
            let role_action = service.eq_ignore_ascii_case("sts")
                && TABLE.service("sts").is_some_and(|(_, sts)| {
                    let matched = sts.matching(action);
                    matched.is_empty()
                        || matched
                            .iter()
                            .any(|(_, info)| info.resource_types.contains_key("role"))
                });
            if !role_action {
                other.push(quoted(&name.to_string()));
            }
        }
        if !other.is_empty() {
            let reason = format!(
                "{} {} not a role-session action such as sts:AssumeRole, so a trust policy cannot {} {}",
                english_list(&other),
                if other.len() == 1 { "is" } else { "are" },
                verb.base,
                if other.len() == 1 { "it" } else { "them" },
            );
            self.at(at, Rule::IneffectiveAction, Severity::Warning, reason);
        }
    }

    /// In an identity policy, actions that none of the statement's resources can be:
    /// an action with no resource type takes effect only with `"Resource": "*"`, and
    /// one with resource types only with an ARN of one of them.
    fn identity_actions(
        &mut self,
        at: &StatementRef,
        actions: &[ActionName],
        resources: &[&str],
        verb: Verb,
    ) {
        // A resource that is not an ARN has its own finding; what it would match is
        // anyone's guess, so the actions are not judged by it.
        let malformed =
            |r: &&str| !r.starts_with("arn:") || without_variables(r).splitn(6, ':').count() < 6;
        if resources.contains(&"*") || resources.iter().any(malformed) {
            return;
        }
        let mut without_type = Vec::new();
        let mut other_type: Vec<String> = Vec::new();
        let mut wanted_types: BTreeSet<String> = BTreeSet::new();
        for name in actions {
            let ActionName::Service { service, action } = name else {
                continue;
            };
            if has_wildcard(service) {
                continue;
            }
            let Some((_, table)) = TABLE.service(service) else {
                continue;
            };
            let matched = table.matching(action);
            if matched.is_empty() {
                continue;
            }
            let takes_effect = matched
                .iter()
                .any(|(_, info)| action_may_apply(table, info, resources));
            if takes_effect {
                continue;
            }
            if matched
                .iter()
                .all(|(_, info)| info.resource_types.is_empty())
            {
                without_type.push(quoted(&name.to_string()));
            } else {
                other_type.push(quoted(&name.to_string()));
                for (_, info) in &matched {
                    wanted_types.extend(info.resource_types.keys().cloned());
                }
            }
        }
        let shown_resources: Vec<String> = resources.iter().map(|r| quoted(r)).collect();
        let resources_text = english_list(&shown_resources);
        if !without_type.is_empty() {
            let many = without_type.len() > 1;
            let reason = format!(
                "{} {} no resource type, so only \"Resource\": \"*\" {} {}; paired with {resources_text} {} {} nothing",
                english_list(&without_type),
                if many { "have" } else { "has" },
                verb.third_person,
                if many { "them" } else { "it" },
                if many { "they" } else { "it" },
                if many { verb.base } else { verb.third_person },
            );
            self.at(at, Rule::IneffectiveAction, Severity::Warning, reason);
        }
        if !other_type.is_empty() {
            let many = other_type.len() > 1;
            let types: Vec<String> = wanted_types.into_iter().collect();
            let reason = format!(
                "{} {} on {} resources, and {resources_text} {} none, so {} {} nothing",
                english_list(&other_type),
                if many { "act" } else { "acts" },
                english_list_or(&types),
                if resources.len() > 1 { "are" } else { "is" },
                if many { "they" } else { "it" },
                if many { verb.base } else { verb.third_person },
            );
            self.at(at, Rule::IneffectiveAction, Severity::Warning, reason);
        }
    }

    /// A string or non-empty list of strings under `key`; a finding of `rule` and
    /// `None` otherwise.
    fn string_list<'v>(
        &mut self,
        at: &StatementRef,
        rule: Rule,
        key: &str,
        value: &'v Value,
    ) -> Option<Vec<&'v str>> {
        match value {
            Value::String(one) => Some(vec![one.as_str()]),
            Value::Array(items) if items.is_empty() => {
                self.at(at, rule, Severity::Error, format!("{key} is an empty list"));
                None
            }
            Value::Array(items) if items.iter().all(Value::is_string) => {
                Some(items.iter().filter_map(Value::as_str).collect())
            }
            other => {
                self.at(
                    at,
                    rule,
                    Severity::Error,
                    format!(
                        "{key} is a string or a list of strings; this is {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// Checks an ARN's shape (`arn` and `account-id`); the parts when it has six.
    fn arn(&mut self, at: &StatementRef, text: &str) -> Option<Arn> {
        // A policy variable such as ${aws:username} may stand anywhere and holds a
        // colon of its own; it is read as the wildcard it amounts to.
        let plain = without_variables(text);
        let parts: Vec<&str> = plain.splitn(6, ':').collect();
        let [_, partition, service, region, account, resource] = parts.as_slice() else {
            self.at(
                at,
                Rule::Arn,
                Severity::Error,
                format!(
                    "{} is not an ARN: arn:partition:service:region:account:resource has six parts",
                    quoted(text)
                ),
            );
            return None;
        };
        let arn = Arn {
            partition: partition.to_string(),
            service: service.to_string(),
            region: region.to_string(),
            resource: resource.to_string(),
        };
        let mut problems: Vec<String> = Vec::new();
        if !has_wildcard(partition) && !PARTITIONS.contains(partition) {
            problems.push(format!(
                "{} is not a partition ({})",
                quoted(partition),
                PARTITIONS.join(", ")
            ));
        }
        let service_ok = !service.is_empty()
            && service.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'*' || b == b'?'
            });
        if !service_ok {
            problems.push(format!(
                "{} is not a service name such as ecr or iam",
                quoted(service)
            ));
        }
        if !region.is_empty() && !has_wildcard(region) {
            if !is_region_shaped(region) {
                problems.push(format!(
                    "{} is not a region such as us-east-1",
                    quoted(region)
                ));
            } else if let Some(home) = regions::partition_of(region)
                && !has_wildcard(partition)
                && home.as_str() != *partition
            {
                problems.push(format!(
                    "the region {} is in the {home} partition, not {}",
                    quoted(region),
                    quoted(partition)
                ));
            }
        }
        if let Some(problem) = service_region_problem(&arn) {
            problems.push(problem);
        }
        if resource.is_empty() {
            problems.push("it names no resource after the account".to_string());
        }
        if !problems.is_empty() {
            self.at(
                at,
                Rule::Arn,
                Severity::Error,
                format!("the ARN {}: {}", quoted(text), problems.join("; ")),
            );
        }
        let account_ok = account.is_empty()
            || *account == "aws"
            || has_wildcard(account)
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        if !account_ok {
            self.at(
                at,
                Rule::AccountId,
                Severity::Error,
                format!(
                    "the ARN {} names the account {}; an account id has exactly 12 digits",
                    quoted(text),
                    quoted(account)
                ),
            );
        }
        Some(arn)
    }
}

/// What a statement does with its actions, as the reasons say it.
#[derive(Debug, Clone, Copy)]
struct Verb {
    base: &'static str,
    third_person: &'static str,
}

impl Verb {
    const GRANT: Verb = Verb {
        base: "grant",
        third_person: "grants",
    };
    const DENY: Verb = Verb {
        base: "deny",
        third_person: "denies",
    };
}

/// Where a statement has `Key` or `NotKey` (both carry the same kind of list).
enum ListKey<T> {
    Plain(T),
    Not(T),
}

/// An action as a policy writes it: `*`, or `service:Name` (either part may hold
/// wildcards).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ActionName {
    All,
    Service { service: String, action: String },
}

impl ActionName {
    fn parse(text: &str) -> Result<ActionName, String> {
        if text == "*" {
            return Ok(ActionName::All);
        }
        let Some((service, action)) = text.split_once(':') else {
            return Err(format!(
                "{} is not an action: an action is service:Name, such as ecr:BatchGetImage, or \"*\"",
                quoted(text)
            ));
        };
        let service_ok = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'*' | b'?'));
        let action_ok = !action.is_empty()
            && action
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*' | b'?'));
        if !service_ok || !action_ok {
            return Err(format!(
                "{} is not an action: a service prefix, a colon and a name of letters and digits (wildcards * and ? allowed)",
                quoted(text)
            ));
        }
        Ok(ActionName::Service {
            service: service.to_string(),
            action: action.to_string(),
        })
    }
}

impl fmt::Display for ActionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionName::All => f.write_str("*"),
            ActionName::Service { service, action } => write!(f, "{service}:{action}"),
        }
    }
}

/// The parts of an ARN that the rules look at.
struct Arn {
    partition: String,
    service: String,
    region: String,
    resource: String,
}

/// The text with each policy variable (`${aws:username}`) replaced by `*`, which
/// matches whatever the variable may stand for.
fn without_variables(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("${") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether an action may take effect on one of `resources` (none of which is `*`):
/// one of them could be a resource of one of the action's types. An action with no
/// resource type takes effect only with `*`.
fn action_may_apply(service: &Service, info: &ActionInfo, resources: &[&str]) -> bool {
    info.resource_types.keys().any(|kind| {
        let Some(template) = service.resource_types.get(kind) else {
            // A type without a known ARN format: nothing to compare, so assume it may.
            return true;
        };
        resources
            .iter()
            .any(|resource| arn_may_be_of_type(resource, template))
    })
}

/// Whether a Resource ARN (possibly with wildcards) could name a resource of the type
/// whose ARN format is `template` (`arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`).
/// Only the service and the fixed start of the resource part are compared, which is
/// enough to tell that a repository ARN is no role, and never wrongly says "no".
fn arn_may_be_of_type(resource: &str, template: &str) -> bool {
    let resource = without_variables(resource);
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let wanted: Vec<&str> = template.splitn(6, ':').collect();
    let ([_, _, service, _, _, rest], [_, _, wanted_service, _, _, wanted_rest]) =
        (parts.as_slice(), wanted.as_slice())
    else {
        // Not an ARN: the arn rule says so; it is not this rule's to judge.
        return true;
    };
    if !service_authorization::wildcard_match(service, wanted_service) {
        return false;
    }
    let fixed = |text: &'_ str, stops: &[&str]| -> (usize, bool) {
        let end = stops
            .iter()
            .filter_map(|stop| text.find(stop))
            .min()
            .unwrap_or(text.len());
        (end, end < text.len())
    };
    let (end, open) = fixed(rest, &["*", "?"]);
    let (wanted_end, wanted_open) = fixed(wanted_rest, &["${"]);
    let (a, b) = (&rest[..end], &wanted_rest[..wanted_end]);
    match (open, wanted_open) {
        (false, false) => a == b,
        (false, true) => a.starts_with(b),
        (true, false) => b.starts_with(a),
        (true, true) => a.starts_with(b) || b.starts_with(a),
    }
}

/// An ARN of a service in the table whose region part is wrong for the service: iam,
/// sts and ecr-public ARNs have none, ecr ARNs have one (or `*`).
fn service_region_problem(arn: &Arn) -> Option<String> {
    if has_wildcard(&arn.service) || has_wildcard(&arn.region) {
        return None;
    }
    let templates: Vec<&str> = TABLE
        .services
        .values()
        .flat_map(|service| service.resource_types.values())
        .map(String::as_str)
        .filter(|template| template.split(':').nth(2) == Some(arn.service.as_str()))
        .collect();
    if templates.is_empty() {
        return None;
    }
    let regional = |template: &&str| template.split(':').nth(3) != Some("");
    if templates.iter().all(regional) && arn.region.is_empty() {
        return Some(format!(
            "{} ARNs name a region (or * for any)",
            shown(&arn.service)
        ));
    }
    if !templates.iter().any(regional) && !arn.region.is_empty() {
        return Some(format!(
            "{} ARNs have no region (arn:{}:{}::account:...)",
            shown(&arn.service),
            shown(&arn.partition),
            shown(&arn.service)
        ));
    }
    None
}

/// Whether a statement's conditions limit who it lets in to an organization, account
/// or named principals or sources: a narrowing operator (not `IfExists`, not
/// `ForAllValues:`, which both let a request without the key through) on a narrowing
/// key, with no value that matches anyone.
fn narrows_principals(condition: Option<&Value>) -> bool {
    let Some(Value::Object(operators)) = condition else {
        return false;
    };
    operators.iter().any(|(operator, tests)| {
        let Some(base) = narrowing_base(operator) else {
            return false;
        };
        let Value::Object(tests) = tests else {
            return false;
        };
        tests.iter().any(|(key, values)| {
            let Some(narrowing) = NARROWING_KEYS.iter().find(|k| k.eq_ignore_ascii_case(key))
            else {
                return false;
            };
            let values: Vec<&str> = string_items(values);
            !values.is_empty()
                && values
                    .iter()
                    .all(|value| value_narrows(narrowing, value, base.ends_with("Like")))
        })
    })
}

/// The operator without a `ForAnyValue:` prefix when it is a narrowing one.
fn narrowing_base(operator: &str) -> Option<&'static str> {
    let lower = operator.to_ascii_lowercase();
    let base = lower.strip_prefix("foranyvalue:").unwrap_or(&lower);
    NARROWING_OPERATORS
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(base))
}

/// Whether one condition value limits who matches: not all wildcards, and for ARN keys
/// tested with a `Like` operator, no wildcard in the account part; for the other keys
/// tested with `Like`, no wildcard at all.
fn value_narrows(key: &str, value: &str, like: bool) -> bool {
    if value.is_empty() || value.chars().all(|c| c == '*' || c == '?') {
        return false;
    }
    if !like {
        return true;
    }
    if key.ends_with("Arn") {
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        return parts.len() == 6 && !has_wildcard(parts[4]) && !has_wildcard(parts[2]);
    }
    !has_wildcard(value)
}

fn is_condition_operator(operator: &str) -> bool {
    let lower = operator.to_ascii_lowercase();
    let base = lower
        .strip_prefix("forallvalues:")
        .or_else(|| lower.strip_prefix("foranyvalue:"))
        .unwrap_or(&lower);
    let base = base.strip_suffix("ifexists").unwrap_or(base);
    CONDITION_OPERATORS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(base))
}

/// `us-east-1`, `us-gov-west-1`, `cn-northwest-1`, `eu-isoe-west-1`: two letters,
/// words, a number.
fn is_region_shaped(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// An IAM unique id such as `AIDAJQABLZS4A3QDU576Q`: IAM writes these in place of
/// principals that were deleted.
fn is_unique_id(text: &str) -> bool {
    const PREFIXES: [&str; 6] = ["AIDA", "AROA", "AGPA", "AIPA", "ANPA", "ANVA"];
    PREFIXES.iter().any(|p| text.starts_with(p))
        && text.len() >= 16
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn unknown_key_reason(key: &str, known: &[&str], place: &str) -> String {
    let hint = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(key))
        .map(|k| format!(" (keys are case-sensitive: {k})"))
        .unwrap_or_default();
    format!(
        "{} is not a key of {place} ({}){hint}",
        quoted(key),
        known.join(", ")
    )
}

/// The kind of policy a size limit is for, as messages name it.
fn limit_owner(limit: SizeLimit) -> &'static str {
    match limit {
        SizeLimit::ManagedPolicy => "a managed policy",
        SizeLimit::TrustPolicy => "a role trust policy (the default quota)",
        SizeLimit::RepositoryPolicy => "a repository policy",
    }
}

/// The strings of a string or list value; nothing for anything else.
fn string_items(value: &Value) -> Vec<&str> {
    match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A short description of a value for a message: a string quoted, anything else by its type.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quoted(text),
        Value::Array(items) if items.is_empty() => "an empty list".to_string(),
        other => json_type(other).to_string(),
    }
}

/// Text from the document as a message quotes it: escaped, shortened, in quotes.
fn quoted(text: &str) -> String {
    format!("\"{}\"", shown(text))
}

/// "a", "a and b", "a, b and c".
fn english_list(items: &[String]) -> String {
    join_english(items, "and")
}

/// "a", "a or b", "a, b or c".
fn english_list_or(items: &[String]) -> String {
    join_english(items, "or")
}

fn join_english(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}
