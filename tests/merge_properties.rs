//! Properties of merging a grant into a repository policy and revoking it, over
//! arbitrary policies: other people's statements are never lost or altered, the result
//! is always a valid document, and granting is idempotent.

use ecr_share::core::documents::{Access, OWN_REPOSITORY_SIDS};
use ecr_share::core::merge::{self, Grant, PolicyChange, PolicyWrite};
use ecr_share::core::validate::{AccountId, Region};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn account_id() -> impl Strategy<Value = String> {
    // A small pool, so grants, revokes and existing policies often share accounts.
    prop::sample::select(vec![
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
        "555555555555",
    ])
    .prop_map(str::to_string)
}

fn one_or_many(items: Vec<String>) -> Value {
    if items.len() == 1 {
        Value::String(items[0].clone())
    } else {
        Value::Array(items.into_iter().map(Value::String).collect())
    }
}

fn principal() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(json!("*"))),
        prop::collection::vec(account_id(), 1..4).prop_map(|accounts| {
            let arns = accounts
                .iter()
                .map(|a| format!("arn:aws:iam::{a}:root"))
                .collect();
            Some(json!({ "AWS": one_or_many(arns) }))
        }),
        account_id().prop_map(|a| Some(json!({ "AWS": format!("arn:aws:iam::{a}:role/ci") }))),
        Just(Some(json!({ "Service": "lambda.amazonaws.com" }))),
        (account_id(), "[a-z]{3,10}").prop_map(|(a, service)| Some(json!({
            "AWS": a,
            "Service": format!("{service}.amazonaws.com"),
        }))),
    ]
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        "o-[a-z0-9]{4,10}"
            .prop_map(|org| Some(json!({"StringEquals": {"aws:PrincipalOrgID": org}}))),
        // Somebody else's Lambda statement, with the same condition key this tool uses.
        account_id().prop_map(|a| Some(json!({"StringLike": {
            "aws:sourceARN": format!("arn:aws:lambda:us-west-2:{a}:function:*")
        }}))),
    ]
}

/// A statement that is not this tool's: any Sid but ours (or none), any actions,
/// principals, conditions and extra keys.
fn foreign_statement() -> impl Strategy<Value = Value> {
    (
        prop::option::of("[A-Za-z0-9]{1,16}".prop_filter("not one of ours", |sid| {
            !OWN_REPOSITORY_SIDS.contains(&sid.as_str())
        })),
        prop::sample::select(vec!["Allow", "Deny"]),
        prop::collection::vec("ecr:[A-Z][A-Za-z]{2,12}", 1..4),
        principal(),
        condition(),
        prop::option::of("[a-z]{1,8}"),
    )
        .prop_map(|(sid, effect, actions, principal, condition, extra)| {
            let mut statement = Map::new();
            if let Some(sid) = sid {
                statement.insert("Sid".into(), json!(sid));
            }
            statement.insert("Effect".into(), json!(effect));
            if let Some(principal) = principal {
                statement.insert("Principal".into(), principal);
            }
            statement.insert("Action".into(), one_or_many(actions));
            if let Some(condition) = condition {
                statement.insert("Condition".into(), condition);
            }
            if let Some(extra) = extra {
                statement.insert("X-Note".into(), json!(extra));
            }
            Value::Object(statement)
        })
}

fn access() -> impl Strategy<Value = Access> {
    prop::sample::select(Access::ALL.to_vec())
}

fn accounts() -> impl Strategy<Value = Vec<AccountId>> {
    prop::collection::vec(account_id(), 1..4).prop_map(|ids| {
        let mut accounts: Vec<AccountId> = Vec::new();
        for id in ids {
            let account = AccountId::parse(&id).unwrap();
            if !accounts.contains(&account) {
                accounts.push(account);
            }
        }
        accounts
    })
}

fn grant() -> impl Strategy<Value = Grant> {
    (access(), accounts()).prop_map(|(access, accounts)| Grant {
        access,
        accounts,
        region: Region::parse("us-west-2").unwrap(),
    })
}

/// A current policy: foreign statements, possibly with this tool's own statements from
/// an earlier grant mixed in, `Statement` as an object or a list, any version.
fn current_policy() -> impl Strategy<Value = Option<String>> {
    let statements = (
        prop::collection::vec(foreign_statement(), 0..5),
        prop::option::of(grant()),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut statements, earlier, at)| {
            if let Some(earlier) = earlier {
                for own in earlier.statements() {
                    let position = at.index(statements.len() + 1);
                    statements.insert(position, own);
                }
            }
            statements
        });
    prop_oneof![
        1 => Just(None),
        6 => (
            statements,
            prop::sample::select(vec![Some("2008-10-17"), Some("2012-10-17"), None]),
            any::<bool>(),
        )
            .prop_map(|(statements, version, as_object)| {
                let mut policy = Map::new();
                if let Some(version) = version {
                    policy.insert("Version".into(), json!(version));
                }
                let statement = if as_object && statements.len() == 1 {
                    statements[0].clone()
                } else {
                    Value::Array(statements)
                };
                policy.insert("Statement".into(), statement);
                Some(Value::Object(policy).to_string())
            }),
    ]
}

fn statements(policy: Option<&Value>) -> Vec<Value> {
    policy
        .map(|p| merge::statements_of(p).into_iter().cloned().collect())
        .unwrap_or_default()
}

fn foreign(policy: Option<&Value>) -> Vec<Value> {
    statements(policy)
        .into_iter()
        .filter(|s| !merge::is_owned(s))
        .collect()
}

fn parsed(text: Option<&str>) -> Option<Value> {
    text.map(|t| serde_json::from_str(t).unwrap())
}

fn root(account: &AccountId) -> String {
    format!("arn:aws:iam::{account}:root")
}

fn function(account: &AccountId) -> String {
    format!("arn:aws:lambda:us-west-2:{account}:function:*")
}

/// The written result always parses back into the same document, within the limit.
fn assert_well_formed(change: &PolicyChange) {
    match change.policy_text() {
        Some(text) => {
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(Some(&back), change.policy.as_ref());
            assert!(back.is_object());
            assert!(text.chars().count() <= 10_240);
            assert!(!statements(Some(&back)).is_empty());
        }
        None => assert!(matches!(
            change.write(),
            PolicyWrite::Delete | PolicyWrite::Nothing
        )),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn granting_keeps_every_foreign_statement(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        assert_well_formed(&change);
        prop_assert_eq!(foreign(change.policy.as_ref()), foreign(parsed(current.as_deref()).as_ref()));
    }

    #[test]
    fn granting_keeps_foreign_statements_at_their_positions(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        // The generated policies hold each own Sid at most once, so nothing is removed:
        // own statements are replaced in place and new ones appended.
        prop_assert!(after.len() >= before.len());
        for (old, new) in before.iter().zip(&after) {
            if merge::is_owned(old) {
                prop_assert_eq!(&old["Sid"], &new["Sid"]);
            } else {
                prop_assert_eq!(old, new);
            }
        }
    }

    #[test]
    fn after_a_grant_every_grantee_has_access(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        let after = statements(change.policy.as_ref());
        for wanted in grant.statements() {
            let sid = wanted["Sid"].as_str().unwrap();
            let own: Vec<&Value> = after.iter().filter(|s| s["Sid"] == sid).collect();
            prop_assert_eq!(own.len(), 1, "one {} statement", sid);
            for account in &grant.accounts {
                if sid == "AllowLambdaPull" {
                    prop_assert!(merge::source_arns(own[0]).contains(&function(account)));
                } else {
                    prop_assert!(merge::aws_principals(own[0]).contains(&root(account)));
                }
            }
        }
    }

    #[test]
    fn granting_loses_no_account_granted_before(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        for wanted in grant.statements() {
            let sid = wanted["Sid"].as_str().unwrap();
            let merged = after.iter().find(|s| s["Sid"] == sid).unwrap();
            for old in before.iter().filter(|s| s["Sid"] == sid) {
                for principal in merge::aws_principals(old) {
                    prop_assert!(merge::aws_principals(merged).contains(&principal), "{} lost", principal);
                }
                for arn in merge::source_arns(old) {
                    prop_assert!(merge::source_arns(merged).contains(&arn), "{} lost", arn);
                }
            }
        }
    }

    #[test]
    fn granting_twice_is_granting_once(current in current_policy(), grant in grant()) {
        let once = merge::grant(current.as_deref(), &grant).unwrap();
        let twice = merge::grant(once.policy_text().as_deref(), &grant).unwrap();
        prop_assert!(!twice.changes, "{}", twice.diff);
        prop_assert_eq!(twice.write(), PolicyWrite::Nothing);
        prop_assert_eq!(twice.policy, once.policy);
    }

    #[test]
    fn revoking_keeps_every_foreign_statement_and_removes_the_grantees(
        current in current_policy(),
        revoked in accounts(),
    ) {
        let change = merge::revoke(current.as_deref(), &revoked, ecr_share::core::regions::Partition::Aws).unwrap();
        assert_well_formed(&change);
        prop_assert_eq!(foreign(change.policy.as_ref()), foreign(parsed(current.as_deref()).as_ref()));
        for statement in statements(change.policy.as_ref()).iter().filter(|s| merge::is_owned(s)) {
            for account in &revoked {
                prop_assert!(!merge::aws_principals(statement).contains(&root(account)));
                prop_assert!(!merge::source_arns(statement).contains(&function(account)));
            }
        }
        if change.policy.is_none() && current.is_some() {
            prop_assert!(foreign(parsed(current.as_deref()).as_ref()).is_empty());
            prop_assert_eq!(change.write(), PolicyWrite::Delete);
        }
    }

    #[test]
    fn revoking_a_grant_restores_a_policy_that_had_no_own_statements(
        foreign_statements in prop::collection::vec(foreign_statement(), 0..5),
        grant in grant(),
    ) {
        let current = (!foreign_statements.is_empty())
            .then(|| json!({"Version": "2012-10-17", "Statement": foreign_statements}).to_string());
        let granted = merge::grant(current.as_deref(), &grant).unwrap();
        let revoked = merge::revoke(granted.policy_text().as_deref(), &grant.accounts, grant.partition()).unwrap();
        prop_assert_eq!(revoked.policy, parsed(current.as_deref()));
    }
}
