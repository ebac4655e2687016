//! Merging a repository grant into the policy a repository already has, and taking it
//! out again.
//!
//! `ecr:SetRepositoryPolicy` replaces the whole policy, so a grant is always written as
//! the current policy with this tool's statements merged in. The tool's statements are
//! the ones whose `Sid` is one of [`OWN_REPOSITORY_SIDS`]; every other statement is
//! somebody else's and is carried over untouched, at the same position. A statement
//! someone else wrote under one of those Sids is indistinguishable from ours and is
//! treated as ours.

use serde_json::{Map, Value};

use super::documents::{self, Access, OWN_REPOSITORY_SIDS, REPOSITORY_POLICY_VERSION};
use super::regions::Partition;
use super::validate::{AccountId, Invalid, Region, SizeLimit};

/// The condition key that limits `AllowLambdaPull` to the grantees' functions. IAM
/// compares condition keys without regard to case, so `aws:SourceArn` is the same key.
const SOURCE_ARN_KEY: &str = "aws:sourceARN";

/// What to grant: the access level, to whom, and in which region (the region also
/// decides the partition of every ARN).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    pub accounts: Vec<AccountId>,
    pub region: Region,
}

impl Grant {
    pub fn partition(&self) -> Partition {
        self.region.partition()
    }

    /// The statements this grant writes, before merging.
    pub fn statements(&self) -> Vec<Value> {
        documents::repository_statements(
            self.access,
            Some(self.partition()),
            Some(&self.region),
            Some(&self.accounts),
        )
    }
}

/// Why a policy change cannot be worked out. Nothing is written in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The repository's current policy does not parse, so merging could lose it.
    #[error(
        "the repository's current policy is not valid JSON ({0}); it is left as it is rather than overwritten"
    )]
    NotJson(String),
    /// The current policy parses but is not shaped like a policy document.
    #[error("the repository's current policy is not a policy document: {0}")]
    NotAPolicy(String),
    /// The merged policy would be larger than ECR accepts.
    #[error("the merged policy is too large: {0}")]
    TooLarge(Invalid),
    #[error("name at least one account")]
    NoAccounts,
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
/// Each of the grant's statements replaces the statement with the same Sid, keeping
/// every principal (and Lambda source ARN) that statement already granted; statements
/// not present yet are appended. Every other statement is kept exactly.
pub fn grant(current: Option<&str>, grant: &Grant) -> Result<PolicyChange, MergeError> {
    if grant.accounts.is_empty() {
        return Err(MergeError::NoAccounts);
    }
    let mut document = match current {
        Some(text) => Document::parse(text)?,
        None => Document::new(),
    };
    for wanted in grant.statements() {
        let sid = sid_of(&wanted).unwrap_or_default().to_string();
        let same: Vec<usize> = document
            .statements
            .iter()
            .enumerate()
            .filter(|(_, statement)| sid_of(statement) == Some(sid.as_str()))
            .map(|(index, _)| index)
            .collect();
        let existing: Vec<&Value> = same.iter().map(|&i| &document.statements[i]).collect();
        let merged = merged_statement(wanted, &existing);
        match same.split_first() {
            Some((&first, duplicates)) => {
                document.statements[first] = merged;
                for &index in duplicates.iter().rev() {
                    document.statements.remove(index);
                }
            }
            None => document.statements.push(merged),
        }
    }
    finish(current, Some(document.into_value()))
}

/// Removes the accounts' access that this tool granted: their root ARNs from the own
/// statements' AWS principals and their functions from `AllowLambdaPull`'s source ARNs.
///
/// An own statement left without principals is dropped, and so is an `AllowLambdaPull`
/// left without source ARNs (without that condition it would let every account's
/// functions pull). Other statements are never touched. When no statement remains the
/// policy is deleted.
pub fn revoke(
    current: Option<&str>,
    accounts: &[AccountId],
    partition: Partition,
) -> Result<PolicyChange, MergeError> {
    if accounts.is_empty() {
        return Err(MergeError::NoAccounts);
    }
    let Some(text) = current else {
        return finish(None, None);
    };
    let mut document = Document::parse(text)?;
    let mut kept = Vec::with_capacity(document.statements.len());
    for mut statement in std::mem::take(&mut document.statements) {
        if is_own(&statement) && !revoke_from_statement(&mut statement, accounts, partition) {
            continue;
        }
        kept.push(statement);
    }
    document.statements = kept;
    let policy = if document.statements.is_empty() {
        None
    } else {
        Some(document.into_value())
    };
    finish(current, policy)
}

/// Whether a statement is one this tool writes.
pub fn is_own(statement: &Value) -> bool {
    sid_of(statement).is_some_and(|sid| OWN_REPOSITORY_SIDS.contains(&sid))
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
        let value: Value =
            serde_json::from_str(text).map_err(|e| MergeError::NotJson(e.to_string()))?;
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

fn finish(current: Option<&str>, policy: Option<Value>) -> Result<PolicyChange, MergeError> {
    let previous_value = match current {
        Some(text) => Some(
            serde_json::from_str::<Value>(text).map_err(|e| MergeError::NotJson(e.to_string()))?,
        ),
        None => None,
    };
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

/// One string for one item, a list for several, as AWS writes them.
fn string_or_list(items: Vec<String>) -> Value {
    match <[String; 1]>::try_from(items) {
        Ok([one]) => Value::String(one),
        Err(many) => Value::Array(many.into_iter().map(Value::String).collect()),
    }
}

/// The account a principal stands for, where it stands for a whole account: a root
/// ARN or a bare account id (which AWS turns into the root ARN). Two spellings of the
/// same account are one principal.
fn principal_account(principal: &str) -> Option<&str> {
    let is_account = |text: &str| text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit());
    if is_account(principal) {
        return Some(principal);
    }
    let parts: Vec<&str> = principal.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] if is_account(account) => Some(account),
        _ => None,
    }
}

/// Appends the items not already there, keeping the first-seen order.
fn union(existing: Vec<String>, added: Vec<String>, same: fn(&str, &str) -> bool) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(existing.len() + added.len());
    for item in existing.into_iter().chain(added) {
        if !all.iter().any(|seen| same(seen, &item)) {
            all.push(item);
        }
    }
    all
}

fn same_principal(a: &str, b: &str) -> bool {
    a == b || matches!((principal_account(a), principal_account(b)), (Some(x), Some(y)) if x == y)
}

fn same_text(a: &str, b: &str) -> bool {
    a == b
}

/// The grant's statement, with the principals and source ARNs of the own statements
/// it replaces added back, so no account granted before loses access.
fn merged_statement(mut wanted: Value, existing: &[&Value]) -> Value {
    let before: Vec<String> = existing.iter().flat_map(|s| aws_principals(s)).collect();
    if let Some(Value::Object(principal)) = wanted.get_mut("Principal") {
        let granted = principal.get("AWS").map(strings).unwrap_or_default();
        let all = union(before, granted, same_principal);
        if !all.is_empty() {
            principal.insert("AWS".to_string(), string_or_list(all));
        }
    }
    let before: Vec<String> = existing.iter().flat_map(|s| source_arns(s)).collect();
    let pointer = format!("/Condition/StringLike/{SOURCE_ARN_KEY}");
    if let Some(arns) = wanted.pointer_mut(&pointer) {
        let all = union(before, strings(arns), same_text);
        *arns = string_or_list(all);
    }
    wanted
}

/// Takes the accounts out of one own statement. Returns whether the statement is to
/// be kept.
fn revoke_from_statement(
    statement: &mut Value,
    accounts: &[AccountId],
    partition: Partition,
) -> bool {
    let revoked_principal = |principal: &str| {
        accounts.iter().any(|account| {
            principal == account.as_str() || principal == account.root_arn(partition)
        })
    };
    let revoked_function = |arn: &str| {
        let parts: Vec<&str> = arn.split(':').collect();
        matches!(
            parts.as_slice(),
            ["arn", p, "lambda", _, account, "function", ..]
                if *p == partition.as_str() && accounts.iter().any(|a| a.as_str() == *account)
        )
    };

    if let Some(Value::Object(principal)) = statement.get_mut("Principal")
        && let Some(aws) = principal.get("AWS")
    {
        let before = strings(aws);
        let after: Vec<String> = before
            .iter()
            .filter(|p| !revoked_principal(p))
            .cloned()
            .collect();
        if after.len() != before.len() {
            if after.is_empty() {
                principal.remove("AWS");
            } else {
                principal.insert("AWS".to_string(), string_or_list(after));
            }
            if principal.is_empty() {
                return false;
            }
        }
    }

    if let Some(Value::Object(condition)) = statement.get_mut("Condition") {
        for operator in condition.values_mut().filter_map(Value::as_object_mut) {
            for (key, value) in operator.iter_mut() {
                if !key.eq_ignore_ascii_case(SOURCE_ARN_KEY) {
                    continue;
                }
                let before = strings(value);
                let after: Vec<String> = before
                    .iter()
                    .filter(|a| !revoked_function(a))
                    .cloned()
                    .collect();
                if after.len() != before.len() {
                    if after.is_empty() {
                        return false;
                    }
                    *value = string_or_list(after);
                }
            }
        }
    }
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
    fn accounts_in_an_own_lambda_statement_are_kept() {
        let current = json!({"Statement": [{
            "Sid": "AllowLambdaPull", "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::444444444444:root"},
            "Action": "ecr:BatchGetImage",
            "Condition": {"StringLike": {"aws:sourceARN": "arn:aws:lambda:us-west-2:444444444444:function:*"}}
        }]});
        let change = grant(
            Some(&text(&current)),
            &grant_of(Access::LambdaPull, &["222222222222"]),
        )
        .unwrap();
        let policy = change.policy.unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"],
            json!({"Service": "lambda.amazonaws.com", "AWS": "arn:aws:iam::444444444444:root"})
        );
    }

    #[test]
    fn a_star_principal_in_an_own_statement_is_not_narrowed() {
        let current = json!({"Statement": {"Sid": "AllowPull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}});
        let change = grant(Some(&text(&current)), &pull(&["222222222222"])).unwrap();
        assert_eq!(
            change.policy.unwrap()["Statement"]["Principal"]["AWS"],
            json!(["*", "arn:aws:iam::222222222222:root"])
        );
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
    fn revoking_keeps_other_principal_kinds_in_an_own_statement() {
        let current = json!({"Statement": [{
            "Sid": "AllowPull", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root", "Service": "codebuild.amazonaws.com"},
            "Action": "ecr:BatchGetImage"
        }]});
        let change = revoke(
            Some(&text(&current)),
            &[account("222222222222")],
            Partition::Aws,
        )
        .unwrap();
        assert_eq!(
            change.policy.unwrap()["Statement"][0]["Principal"],
            json!({"Service": "codebuild.amazonaws.com"})
        );
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
            < limit - 300
        {
            let i = big.len();
            big.push(json!({"Sid": format!("Team{i}"), "Effect": "Allow",
                   "Principal": {"AWS": format!("arn:aws:iam::{i:012}:role/builds")},
                   "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}));
        }
        let current = json!({"Version": "2008-10-17", "Statement": big});
        assert!(current.to_string().len() < SizeLimit::RepositoryPolicy.max_chars());
        let error = grant(
            Some(&text(&current)),
            &pull(&[
                "222222222222",
                "333333333333",
                "444444444444",
                "666666666666",
            ]),
        )
        .unwrap_err();
        assert!(matches!(error, MergeError::TooLarge(_)), "{error}");
        assert!(error.to_string().contains("10240"), "{error}");
    }

    #[test]
    fn duplicate_own_statements_become_one() {
        let current = json!({"Statement": [
            {"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "ecr:BatchGetImage"},
            foreign(),
            {"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": "ecr:BatchGetImage"}
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
}
