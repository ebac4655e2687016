//! Who gains or loses what when a document changes, in plain sentences for a
//! confirmation: a repository policy (grant, revoke, restore) and a role's trust
//! policy or an identity policy that is replaced.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::merge::{self, OtherAccess, PolicyChange};
use super::regions::Partition;
use super::validate::AccountId;

/// Where a repository is, as the sentences name it.
#[derive(Debug, Clone, Copy)]
pub struct RepositoryPlace<'a> {
    pub repository: &'a str,
    /// The account that owns the repository, when known.
    pub account: Option<&'a str>,
    /// The profile whose credentials make the change (`None`: the default chain).
    pub profile: Option<&'a str>,
    pub partition: Partition,
}

impl RepositoryPlace<'_> {
    fn describe(&self) -> String {
        let mut text = self.repository.to_string();
        if let Some(account) = self.account {
            text.push_str(&format!(" in account {account}"));
        }
        if let Some(profile) = self.profile {
            text.push_str(&format!(" (profile {profile})"));
        }
        text
    }
}

/// What a change does to access, as sentences, and whether anyone loses anything
/// (a confirmation of such a change defaults to No).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessChange {
    pub lines: Vec<String>,
    pub removes_access: bool,
}

const PULL: u8 = 1;
const PUSH: u8 = 2;

/// Who an owned statement lets in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Grantee {
    Account(String),
    LambdaFunctions {
        region: String,
        account: String,
    },
    Other(String),
    /// Every account of an organization (`aws:PrincipalOrgID`).
    Organization(String),
}

/// Grantees that change alike: gains (else loses), the kind of grantee (accounts,
/// Lambda functions, other principals, organizations), the levels gained or lost, the
/// levels kept, and the region of Lambda functions.
type Group = (bool, u8, u8, u8, Option<String>);

/// The sentences for a repository policy change worked out by a grant or revoke.
pub fn who_gains_and_loses(change: &PolicyChange, place: &RepositoryPlace) -> Vec<String> {
    repository_access_change(
        change.previous_policy().as_ref(),
        change.policy.as_ref(),
        place,
    )
    .lines
}

/// What going from one repository policy to another (`None`: no policy) does to
/// access: who gains or loses which level, and what happens to the statements
/// ecr-share did not write.
pub fn repository_access_change(
    previous: Option<&Value>,
    new: Option<&Value>,
    place: &RepositoryPlace,
) -> AccessChange {
    let before = owned_access(previous);
    let after = owned_access(new);
    let where_ = place.describe();
    let mut removes_access = false;

    // Gains and losses, grouped so that accounts that change alike share a sentence.
    let mut groups: BTreeMap<Group, Vec<Grantee>> = BTreeMap::new();
    let grantees: BTreeSet<&Grantee> = before.keys().chain(after.keys()).collect();
    for grantee in grantees {
        let had = before.get(grantee).copied().unwrap_or(0);
        let has = after.get(grantee).copied().unwrap_or(0);
        let kind = match grantee {
            Grantee::Account(_) => 0,
            Grantee::LambdaFunctions { .. } => 1,
            Grantee::Other(_) => 2,
            Grantee::Organization(_) => 3,
        };
        let region = match grantee {
            Grantee::LambdaFunctions { region, .. } => Some(region.clone()),
            _ => None,
        };
        if has & !had != 0 {
            groups
                .entry((true, kind, has & !had, had & has, region.clone()))
                .or_default()
                .push(grantee.clone());
        }
        if had & !has != 0 {
            removes_access = true;
            groups
                .entry((false, kind, had & !has, had & has, region))
                .or_default()
                .push(grantee.clone());
        }
    }
    let mut lines = Vec::new();
    for ((gains, kind, bits, kept, region), members) in &groups {
        let names: Vec<String> = members
            .iter()
            .map(|g| match g {
                Grantee::Account(a) | Grantee::LambdaFunctions { account: a, .. } => a.clone(),
                Grantee::Other(p) | Grantee::Organization(p) => p.clone(),
            })
            .collect();
        let plural = names.len() > 1;
        let who = match kind {
            0 => format!(
                "{} {}",
                if plural { "accounts" } else { "account" },
                sentence(&names)
            ),
            1 => format!(
                "the Lambda functions of {} {} in {}",
                if plural { "accounts" } else { "account" },
                sentence(&names),
                region.as_deref().unwrap_or("")
            ),
            3 => format!(
                "every account of {} {}",
                if plural {
                    "organizations"
                } else {
                    "organization"
                },
                sentence(&names)
            ),
            _ => sentence(&names),
        };
        // "the Lambda functions of ... gain"; "every account of ... gains".
        let many = match kind {
            1 => true,
            3 => false,
            _ => plural,
        };
        let verb = match (gains, many) {
            (true, false) => "gains",
            (true, true) => "gain",
            (false, false) => "loses",
            (false, true) => "lose",
        };
        let keeps = if *kept != 0 {
            format!(
                " ({} {})",
                if many { "keep" } else { "keeps" },
                level(*kept)
            )
        } else {
            String::new()
        };
        lines.push(format!("{who} {verb} {} on {where_}{keeps}", level(*bits)));
    }

    // Accounts that lose everything ecr-share gave them but that a statement it did
    // not write still lets in.
    for grantee in before.keys() {
        let Grantee::Account(account) = grantee else {
            continue;
        };
        if after.contains_key(grantee) {
            continue;
        }
        let Ok(id) = AccountId::parse(account) else {
            continue;
        };
        for statement in foreign(new) {
            if let Some(access) = merge::other_access(statement, &id, place.partition) {
                let how = match access {
                    OtherAccess::Names(principal) => format!("names {principal}"),
                    OtherAccess::LambdaFunctions(arn) => format!("lets {arn} in"),
                    OtherAccess::AllBut => "allows every principal but a few".to_string(),
                    OtherAccess::Anyone { .. } => "allows any principal".to_string(),
                };
                lines.push(format!(
                    "account {account} may still get in: statement {}, which ecr-share did not write, {how} and is kept",
                    sid_label(statement)
                ));
            }
        }
    }

    // The statements ecr-share did not write.
    let old_foreign = foreign(previous);
    let new_foreign = foreign(new);
    let kept = new_foreign
        .iter()
        .filter(|s| old_foreign.contains(s))
        .count();
    let removed: Vec<&Value> = old_foreign
        .iter()
        .filter(|s| !new_foreign.contains(s))
        .copied()
        .collect();
    let added: Vec<&Value> = new_foreign
        .iter()
        .filter(|s| !old_foreign.contains(s))
        .copied()
        .collect();
    for statement in &removed {
        removes_access = true;
        lines.push(format!(
            "statement {}, which ecr-share did not write, is removed",
            sid_label(statement)
        ));
    }
    for statement in &added {
        lines.push(format!(
            "statement {}, which ecr-share did not write, is added",
            sid_label(statement)
        ));
    }
    if groups.is_empty() && removed.is_empty() && added.is_empty() {
        lines.push("no one gains or loses access".to_string());
    }
    if previous.is_some() && new.is_none() {
        lines.push(format!(
            "{} is left without a policy (no statement remains)",
            place.repository
        ));
    }
    let kept_note = match kept {
        0 => String::new(),
        1 => " (1 statement ecr-share did not write is kept as it is)".to_string(),
        n => format!(" ({n} statements ecr-share did not write are kept as they are)"),
    };
    if removed.is_empty() && added.is_empty() {
        lines.push(format!("nothing else in the policy changes{kept_note}"));
    } else if kept > 0 {
        lines.push(format!("everything else in the policy stays{kept_note}"));
    }
    AccessChange {
        lines,
        removes_access,
    }
}

/// Who may assume a role under a trust policy: the principals of its `Allow`
/// statements, an account root shown as the bare account id.
pub fn trusted(trust: &Value) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for statement in merge::statements_of(trust) {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let principals: Vec<String> = match statement.get("Principal") {
            Some(Value::String(star)) => vec![star.clone()],
            Some(Value::Object(kinds)) => kinds.values().flat_map(strings).collect(),
            _ => Vec::new(),
        };
        for principal in principals {
            let shown = root_account(&principal).unwrap_or(principal);
            if !found.contains(&shown) {
                found.push(shown);
            }
        }
    }
    found
}

/// What replacing a role's trust policy does: who may assume it now and after. With
/// the current document unknown, the replacement is taken to remove access.
pub fn trust_change(role: &str, current: Option<&Value>, wanted: &Value) -> AccessChange {
    let after = trusted(wanted);
    let Some(current) = current else {
        return AccessChange {
            lines: vec![
                format!("the trust policy role {role} has now is replaced as a whole"),
                format!("after this only {} may assume it", sentence(&after)),
            ],
            removes_access: true,
        };
    };
    let before = trusted(current);
    let dropped: Vec<String> = before
        .iter()
        .filter(|p| !after.contains(p))
        .cloned()
        .collect();
    let mut lines = vec![format!(
        "the trust policy now lets {} assume the role",
        sentence(&before)
    )];
    if dropped.is_empty() {
        lines.push(format!(
            "after this {} may assume it; no one loses that",
            sentence(&after)
        ));
    } else {
        lines.push(format!(
            "after this only {} may; {} {} it",
            sentence(&after),
            sentence(&dropped),
            if dropped.len() == 1 { "loses" } else { "lose" }
        ));
    }
    AccessChange {
        lines,
        removes_access: !dropped.is_empty(),
    }
}

/// What making `wanted` an identity policy's default version does: the actions and
/// resources its `Allow` statements stop or start naming. With the current document
/// unknown, the replacement is taken to remove access.
pub fn policy_change(name: &str, current: Option<&Value>, wanted: &Value) -> AccessChange {
    let Some(current) = current else {
        return AccessChange {
            lines: vec![format!(
                "the document policy {name} has now is replaced as a whole by the one shown"
            )],
            removes_access: true,
        };
    };
    let (old_actions, old_resources) = allowed(current);
    let (new_actions, new_resources) = allowed(wanted);
    let mut lines = Vec::new();
    let lost_actions: Vec<String> = old_actions.difference(&new_actions).cloned().collect();
    let lost_resources: Vec<String> = old_resources.difference(&new_resources).cloned().collect();
    let new_only_actions: Vec<String> = new_actions.difference(&old_actions).cloned().collect();
    let new_only_resources: Vec<String> =
        new_resources.difference(&old_resources).cloned().collect();
    if !lost_actions.is_empty() {
        lines.push(format!(
            "policy {name} stops allowing {}",
            sentence(&lost_actions)
        ));
    }
    if !lost_resources.is_empty() {
        lines.push(format!(
            "policy {name} stops applying to {}",
            sentence(&lost_resources)
        ));
    }
    if !new_only_actions.is_empty() {
        lines.push(format!(
            "policy {name} starts allowing {}",
            sentence(&new_only_actions)
        ));
    }
    if !new_only_resources.is_empty() {
        lines.push(format!(
            "policy {name} starts applying to {}",
            sentence(&new_only_resources)
        ));
    }
    if lines.is_empty() {
        lines.push(format!(
            "policy {name} allows the same actions on the same resources after this"
        ));
    }
    AccessChange {
        removes_access: !lost_actions.is_empty() || !lost_resources.is_empty(),
        lines,
    }
}

/// The actions and resources of a policy's `Allow` statements.
fn allowed(policy: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut actions = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for statement in merge::statements_of(policy) {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        actions.extend(statement.get("Action").map(strings).unwrap_or_default());
        resources.extend(statement.get("Resource").map(strings).unwrap_or_default());
    }
    (actions, resources)
}

/// The access each grantee has through ecr-share's statements of a policy.
fn owned_access(policy: Option<&Value>) -> BTreeMap<Grantee, u8> {
    let mut access = BTreeMap::new();
    let Some(policy) = policy else {
        return access;
    };
    for statement in merge::statements_of(policy) {
        if !merge::is_owned(statement) {
            continue;
        }
        let sid = statement.get("Sid").and_then(Value::as_str).unwrap_or("");
        if sid.starts_with("AllowLambdaPull") {
            for arn in merge::source_arns(statement) {
                let parts: Vec<&str> = arn.split(':').collect();
                let grantee = match parts.as_slice() {
                    ["arn", _, "lambda", region, account, ..] => Grantee::LambdaFunctions {
                        region: region.to_string(),
                        account: account.to_string(),
                    },
                    _ => Grantee::Other(arn.clone()),
                };
                *access.entry(grantee).or_insert(0) |= PULL;
            }
            continue;
        }
        let bits = if sid.starts_with("AllowPullAndPush") {
            PULL | PUSH
        } else {
            PULL
        };
        if merge::is_owned_organization_statement(statement) {
            for organization in merge::organization_ids(statement) {
                *access
                    .entry(Grantee::Organization(organization))
                    .or_insert(0) |= bits;
            }
            continue;
        }
        for principal in merge::aws_principals(statement) {
            let grantee = match root_account(&principal) {
                Some(account) => Grantee::Account(account),
                None => Grantee::Other(principal),
            };
            *access.entry(grantee).or_insert(0) |= bits;
        }
    }
    access
}

/// The statements of a policy that are not ecr-share's.
fn foreign(policy: Option<&Value>) -> Vec<&Value> {
    policy
        .map(merge::statements_of)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| !merge::is_owned(s))
        .collect()
}

fn sid_label(statement: &Value) -> String {
    match statement.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => format!("`{sid}`"),
        _ => "(without a Sid)".to_string(),
    }
}

/// The account of a root ARN or a bare account id.
fn root_account(principal: &str) -> Option<String> {
    let is_account = |t: &str| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit());
    if is_account(principal) {
        return Some(principal.to_string());
    }
    let parts: Vec<&str> = principal.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] if is_account(account) => Some(account.to_string()),
        _ => None,
    }
}

fn level(bits: u8) -> &'static str {
    match bits {
        PULL => "pull",
        PUSH => "push",
        _ => "pull and push",
    }
}

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

/// Items joined as English: "a", "a and b", "a, b and c".
fn sentence(items: &[String]) -> String {
    match items {
        [] => "no one".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::documents::Access;
    use crate::core::merge::{self, Grant};
    use crate::core::validate::Region;

    const PLACE: RepositoryPlace = RepositoryPlace {
        repository: "team/app",
        account: Some("123456789012"),
        profile: Some("prod"),
        partition: Partition::Aws,
    };

    fn grant(access: Access, accounts: &[&str]) -> Grant {
        Grant {
            access,
            accounts: accounts
                .iter()
                .map(|a| AccountId::parse(a).unwrap())
                .collect(),
            organizations: Vec::new(),
            region: Region::parse("us-west-2").unwrap(),
        }
    }

    fn foreign_policy() -> String {
        json!({
            "Version": "2008-10-17",
            "Statement": [
                {"Sid": "CI", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444444444444:root"}, "Action": "ecr:*"},
                {"Sid": "Scan", "Effect": "Allow", "Principal": {"Service": "inspector.amazonaws.com"}, "Action": "ecr:BatchGetImage"}
            ]
        })
        .to_string()
    }

    #[test]
    fn a_grant_names_the_grantee_the_level_and_where() {
        let change = merge::grant(
            Some(&foreign_policy()),
            &grant(Access::Pull, &["222222222222"]),
        )
        .unwrap();
        assert_eq!(
            who_gains_and_loses(&change, &PLACE),
            vec![
                "account 222222222222 gains pull on team/app in account 123456789012 (profile prod)",
                "nothing else in the policy changes (2 statements ecr-share did not write are kept as they are)",
            ]
        );
    }

    #[test]
    fn several_accounts_share_one_sentence() {
        let change = merge::grant(
            None,
            &grant(Access::PullPush, &["222222222222", "333333333333"]),
        )
        .unwrap();
        let lines = who_gains_and_loses(&change, &PLACE);
        assert_eq!(
            lines[0],
            "accounts 222222222222 and 333333333333 gain pull and push on team/app in account 123456789012 (profile prod)"
        );
        assert_eq!(lines[1], "nothing else in the policy changes");
    }

    #[test]
    fn lambda_grants_name_the_functions_and_their_region() {
        let change = merge::grant(None, &grant(Access::LambdaPull, &["222222222222"])).unwrap();
        let lines = who_gains_and_loses(&change, &PLACE);
        assert!(
            lines.contains(
                &"the Lambda functions of account 222222222222 in us-west-2 gain pull on team/app in account 123456789012 (profile prod)".to_string()
            ),
            "{lines:?}"
        );
        assert!(lines.contains(
            &"account 222222222222 gains pull on team/app in account 123456789012 (profile prod)"
                .to_string()
        ));
    }

    #[test]
    fn a_revoke_says_who_loses_what_and_removes_access() {
        let granted = merge::grant(
            None,
            &grant(Access::PullPush, &["333333333333", "222222222222"]),
        )
        .unwrap();
        let text = granted.policy_text().unwrap();
        let revoked = merge::revoke(
            Some(&text),
            &[AccountId::parse("333333333333").unwrap()],
            Partition::Aws,
        )
        .unwrap();
        let change = repository_access_change(
            revoked.previous_policy().as_ref(),
            revoked.policy.as_ref(),
            &PLACE,
        );
        assert!(change.removes_access);
        assert_eq!(
            change.lines[0],
            "account 333333333333 loses pull and push on team/app in account 123456789012 (profile prod)"
        );
    }

    #[test]
    fn losing_push_keeps_pull_and_says_so() {
        let before = merge::grant(None, &grant(Access::PullPush, &["222222222222"])).unwrap();
        let after = merge::grant(None, &grant(Access::Pull, &["222222222222"])).unwrap();
        let change =
            repository_access_change(before.policy.as_ref(), after.policy.as_ref(), &PLACE);
        assert!(change.removes_access);
        assert_eq!(
            change.lines[0],
            "account 222222222222 loses push on team/app in account 123456789012 (profile prod) (keeps pull)"
        );
    }

    #[test]
    fn deleting_the_last_statement_leaves_no_policy() {
        let before = merge::grant(None, &grant(Access::Pull, &["222222222222"])).unwrap();
        let change = repository_access_change(before.policy.as_ref(), None, &PLACE);
        assert!(change.removes_access);
        assert!(
            change
                .lines
                .contains(&"team/app is left without a policy (no statement remains)".to_string()),
            "{:?}",
            change.lines
        );
    }

    #[test]
    fn a_restore_that_drops_a_foreign_statement_removes_access() {
        let before: Value = serde_json::from_str(&foreign_policy()).unwrap();
        let change = repository_access_change(Some(&before), None, &PLACE);
        assert!(change.removes_access);
        assert!(
            change.lines[0].contains("statement `CI`, which ecr-share did not write, is removed")
        );
    }

    #[test]
    fn an_organization_grant_and_revoke_name_the_organization() {
        let org = |id: &str| crate::core::validate::OrganizationId::parse(id).unwrap();
        let mut to_organizations = grant(Access::PullPush, &[]);
        to_organizations.organizations = vec![org("o-a1b2c3d4e5"), org("o-zzzzzzzzzz")];
        let change = merge::grant(Some(&foreign_policy()), &to_organizations).unwrap();
        assert_eq!(
            who_gains_and_loses(&change, &PLACE)[0],
            "every account of organizations o-a1b2c3d4e5 and o-zzzzzzzzzz gains pull and push on team/app in account 123456789012 (profile prod)"
        );
        let revoked = merge::revoke_grantees(
            change.policy_text().as_deref(),
            &merge::Revocation {
                accounts: Vec::new(),
                organizations: vec![org("o-zzzzzzzzzz")],
                partition: Partition::Aws,
            },
        )
        .unwrap();
        let access = repository_access_change(
            revoked.previous_policy().as_ref(),
            revoked.policy.as_ref(),
            &PLACE,
        );
        assert!(access.removes_access);
        assert_eq!(
            access.lines[0],
            "every account of organization o-zzzzzzzzzz loses pull and push on team/app in account 123456789012 (profile prod)"
        );
    }

    #[test]
    fn a_grant_alone_removes_nothing() {
        let change = merge::grant(
            Some(&foreign_policy()),
            &grant(Access::Pull, &["222222222222"]),
        )
        .unwrap();
        let access = repository_access_change(
            change.previous_policy().as_ref(),
            change.policy.as_ref(),
            &PLACE,
        );
        assert!(!access.removes_access);
    }

    #[test]
    fn a_revoked_account_a_foreign_statement_still_names_is_told() {
        let policy = json!({
            "Version": "2008-10-17",
            "Statement": [
                {"Sid": "Legacy", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:role/ci"}, "Action": "ecr:BatchGetImage"},
                {"Sid": "AllowPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}, "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
            ]
        })
        .to_string();
        let revoked = merge::revoke(
            Some(&policy),
            &[AccountId::parse("333333333333").unwrap()],
            Partition::Aws,
        )
        .unwrap();
        let lines = who_gains_and_loses(&revoked, &PLACE);
        assert!(
            lines.iter().any(|l| l.starts_with("account 333333333333 may still get in: statement `Legacy`")),
            "{lines:?}"
        );
    }

    fn trust(principals: &[&str]) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}]
        })
    }

    #[test]
    fn replacing_a_trust_policy_says_who_no_longer_may_assume_the_role() {
        let change = trust_change(
            "curated-packages-role",
            Some(&trust(&["arn:aws:iam::888888888888:root"])),
            &trust(&["arn:aws:iam::999999999999:root"]),
        );
        assert!(change.removes_access);
        assert_eq!(
            change.lines,
            vec![
                "the trust policy now lets 888888888888 assume the role",
                "after this only 999999999999 may; 888888888888 loses it",
            ]
        );
    }

    #[test]
    fn a_trust_policy_that_only_adds_removes_nothing() {
        let change = trust_change(
            "r",
            Some(&trust(&["arn:aws:iam::999999999999:root"])),
            &trust(&["arn:aws:iam::999999999999:root", "888888888888"]),
        );
        assert!(!change.removes_access);
    }

    #[test]
    fn an_unknown_current_document_counts_as_removing_access() {
        assert!(trust_change("r", None, &trust(&["999999999999"])).removes_access);
        assert!(policy_change("p", None, &json!({})).removes_access);
    }

    #[test]
    fn replacing_a_policy_names_the_actions_it_stops_allowing() {
        let current = json!({"Statement": [{"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:PutImage"], "Resource": "*"}]});
        let wanted = json!({"Statement": [{"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}]});
        let change = policy_change("read", Some(&current), &wanted);
        assert!(change.removes_access);
        assert_eq!(
            change.lines,
            vec!["policy read stops allowing ecr:PutImage"]
        );
        assert!(!policy_change("read", Some(&wanted), &current).removes_access);
    }
}
