//! Properties of merging a grant into a repository policy and revoking it, over
//! arbitrary policies and grants to accounts, organizations or both: other people's
//! statements (random ones, and look-alikes that carry this tool's Sids with some
//! other shape) are never lost, altered or widened, no statement that lets anyone in
//! appears unless it is limited to named organizations by exactly one
//! `StringEquals` on `aws:PrincipalOrgID`, the result is always a valid document, and
//! granting is idempotent.

use ecr_share::core::documents::{Access, OWN_ORGANIZATION_SIDS, OWN_REPOSITORY_SIDS};
use ecr_share::core::merge::{self, Grant, PolicyChange, PolicyWrite, Revocation};
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, OrganizationId, Region};
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

fn organization_id() -> impl Strategy<Value = String> {
    // A small pool, as for accounts; each a valid id.
    prop::sample::select(vec!["o-aaaaaaaaaa", "o-a1b2c3d4e5", "o-zz99zz99zz99"])
        .prop_map(str::to_string)
}

/// Every Sid this tool writes, account and organization forms.
fn tool_sids() -> impl Iterator<Item = &'static str> {
    OWN_REPOSITORY_SIDS.into_iter().chain(OWN_ORGANIZATION_SIDS)
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

/// Whether a Sid is one of this tool's or of their numbered series (`AllowPull2`).
fn is_tool_sid(sid: &str) -> bool {
    tool_sids().any(|own| {
        sid.strip_prefix(own)
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A statement that is not this tool's by its Sid: any Sid but ours (or none), any
/// actions, principals, conditions and extra keys.
fn random_statement() -> impl Strategy<Value = Value> {
    (
        prop::option::of(
            "[A-Za-z0-9]{1,16}".prop_filter("not one of ours", |sid| !is_tool_sid(sid)),
        ),
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

/// One change that makes a statement of this tool's shape somebody else's.
#[derive(Debug, Clone, Copy)]
enum Defect {
    Deny,
    OrgCondition,
    ExtraLambdaCondition,
    StarPrincipal,
    OrganizationForm,
    NotPrincipal,
    Resource,
    NotResource,
    NotAction,
    FewerActions,
    MoreActions,
    NoAction,
    RolePrincipal,
    ServicePrincipal,
    OneFunction,
    OrganizationStringLike,
    SecondOrganizationKey,
    SecondOperator,
    WildcardOrganization,
    ForAnyValueOrganization,
    NoOrganization,
}

fn defect() -> impl Strategy<Value = Defect> {
    prop::sample::select(vec![
        Defect::Deny,
        Defect::OrgCondition,
        Defect::ExtraLambdaCondition,
        Defect::StarPrincipal,
        Defect::OrganizationForm,
        Defect::NotPrincipal,
        Defect::Resource,
        Defect::NotResource,
        Defect::NotAction,
        Defect::FewerActions,
        Defect::MoreActions,
        Defect::NoAction,
        Defect::RolePrincipal,
        Defect::ServicePrincipal,
        Defect::OneFunction,
        Defect::OrganizationStringLike,
        Defect::SecondOrganizationKey,
        Defect::SecondOperator,
        Defect::WildcardOrganization,
        Defect::ForAnyValueOrganization,
        Defect::NoOrganization,
    ])
}

fn apply_defect(statement: &mut Map<String, Value>, defect: Defect) {
    let lambda = statement
        .get("Sid")
        .and_then(Value::as_str)
        .is_some_and(|sid| sid.starts_with("AllowLambdaPull"));
    let organization = statement
        .get("Sid")
        .and_then(Value::as_str)
        .is_some_and(|sid| sid.contains("Organization"));
    match defect {
        Defect::Deny => {
            statement.insert("Effect".into(), json!("Deny"));
        }
        Defect::OrgCondition => {
            let condition = statement.entry("Condition").or_insert_with(|| json!({}));
            condition["StringEquals"] = json!({"aws:PrincipalOrgID": "o-abc123"});
        }
        Defect::ExtraLambdaCondition => {
            let condition = statement.entry("Condition").or_insert_with(|| json!({}));
            condition["StringEquals"] = json!({"aws:SourceAccount": "111111111111"});
        }
        // An organization statement has "*" already: "AWS": "*" is not its shape.
        Defect::StarPrincipal if organization => {
            statement.insert("Principal".into(), json!({"AWS": "*"}));
        }
        Defect::StarPrincipal => {
            statement.insert("Principal".into(), json!("*"));
        }
        Defect::OrganizationForm => {
            statement.insert("Principal".into(), json!("*"));
            statement.insert(
                "Condition".into(),
                json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            );
        }
        Defect::NotPrincipal => {
            let principal = statement.remove("Principal").unwrap_or(json!({"AWS": "*"}));
            statement.insert("NotPrincipal".into(), principal);
        }
        Defect::Resource => {
            statement.insert("Resource".into(), json!("*"));
        }
        Defect::NotResource => {
            statement.insert(
                "NotResource".into(),
                json!("arn:aws:ecr:us-west-2:111111111111:repository/secret"),
            );
        }
        Defect::NotAction => {
            statement.insert("NotAction".into(), json!("ecr:DeleteRepository"));
        }
        Defect::FewerActions => {
            let actions = match statement.get("Action") {
                Some(Value::Array(items)) if items.len() > 1 => Value::Array(items[1..].to_vec()),
                _ => json!("ecr:DescribeImages"),
            };
            statement.insert("Action".into(), actions);
        }
        Defect::MoreActions => {
            let mut actions = match statement.get("Action") {
                Some(Value::Array(items)) => items.clone(),
                Some(one) => vec![one.clone()],
                None => Vec::new(),
            };
            actions.push(json!("ecr:DeleteRepository"));
            statement.insert("Action".into(), Value::Array(actions));
        }
        Defect::NoAction => {
            statement.remove("Action");
        }
        Defect::RolePrincipal => {
            statement.insert(
                "Principal".into(),
                json!({"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::555555555555:role/ci"]}),
            );
        }
        Defect::ServicePrincipal => {
            if let Some(Value::Object(principal)) = statement.get_mut("Principal") {
                if lambda {
                    principal.insert("AWS".into(), json!("arn:aws:iam::111111111111:root"));
                } else {
                    principal.insert("Service".into(), json!("codebuild.amazonaws.com"));
                }
            } else {
                statement.insert(
                    "Principal".into(),
                    json!({"AWS": "111111111111", "Service": "codebuild.amazonaws.com"}),
                );
            }
        }
        Defect::OrganizationStringLike => {
            statement.insert(
                "Condition".into(),
                json!({"StringLike": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}}),
            );
        }
        Defect::SecondOrganizationKey => {
            let condition = statement.entry("Condition").or_insert_with(|| json!({}));
            let equals = &mut condition["StringEquals"];
            if !equals.is_object() {
                *equals = json!({});
            }
            equals["aws:PrincipalAccount"] = json!("111111111111");
        }
        Defect::SecondOperator => {
            let condition = statement.entry("Condition").or_insert_with(|| json!({}));
            condition["Bool"] = json!({"aws:SecureTransport": "true"});
        }
        Defect::WildcardOrganization => {
            statement.insert(
                "Condition".into(),
                json!({"StringEquals": {"aws:PrincipalOrgID": ["o-aaaaaaaaaa", "o-*"]}}),
            );
        }
        Defect::ForAnyValueOrganization => {
            statement.insert(
                "Condition".into(),
                json!({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ["o-aaaaaaaaaa"]}}),
            );
        }
        Defect::NoOrganization => {
            statement.insert(
                "Condition".into(),
                json!({"StringEquals": {"aws:PrincipalOrgID": []}}),
            );
        }
        Defect::OneFunction => {
            if lambda {
                statement.insert(
                    "Condition".into(),
                    json!({"StringLike": {"aws:sourceARN": "arn:aws:lambda:us-west-2:111111111111:function:deploy"}}),
                );
            } else {
                statement.insert("Effect".into(), json!("Deny"));
            }
        }
    }
}

/// A statement that looks like one of this tool's, with its Sid (or one of the
/// numbered series), but has at least one defect that makes it somebody else's.
fn look_alike() -> impl Strategy<Value = Value> {
    (
        grant(),
        1..4u32,
        prop::collection::vec(defect(), 1..4),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(grant, number, defects, pick)| {
            let statements = grant.statements();
            let Value::Object(mut statement) = statements[pick.index(statements.len())].clone()
            else {
                unreachable!("templates are objects")
            };
            if number > 1 {
                let sid = format!("{}{number}", statement["Sid"].as_str().unwrap());
                statement.insert("Sid".into(), json!(sid));
            }
            for defect in defects {
                apply_defect(&mut statement, defect);
            }
            Value::Object(statement)
        })
}

/// Somebody else's statement: a random one or a look-alike of this tool's.
fn foreign_statement() -> impl Strategy<Value = Value> {
    prop_oneof![random_statement(), look_alike()]
}

/// One of this tool's statements as an earlier grant or a person may have written
/// it: the template, or with bare account ids, the actions in another order, or a Sid
/// further along the series.
fn owned_statements() -> impl Strategy<Value = Vec<Value>> {
    (grant(), any::<bool>(), any::<bool>(), 1..3u32).prop_map(|(grant, bare, reversed, number)| {
        grant
            .statements()
            .into_iter()
            .map(|mut statement| {
                if bare && let Some(aws) = statement.pointer_mut("/Principal/AWS") {
                    let ids: Vec<String> = match aws {
                        Value::String(one) => vec![one.clone()],
                        Value::Array(many) => many
                            .iter()
                            .map(|v| v.as_str().unwrap().to_string())
                            .collect(),
                        _ => unreachable!(),
                    };
                    *aws = one_or_many(
                        ids.iter()
                            .map(|arn| arn.split(':').nth(4).unwrap().to_string())
                            .collect(),
                    );
                }
                if reversed && let Some(Value::Array(actions)) = statement.get_mut("Action") {
                    actions.reverse();
                }
                if number > 1 {
                    let sid = format!("{}{number}", statement["Sid"].as_str().unwrap());
                    statement["Sid"] = json!(sid);
                }
                statement
            })
            .collect()
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

fn organizations() -> impl Strategy<Value = Vec<OrganizationId>> {
    prop::collection::vec(organization_id(), 1..3).prop_map(|ids| {
        let mut organizations: Vec<OrganizationId> = Vec::new();
        for id in ids {
            let organization = OrganizationId::parse(&id).unwrap();
            if !organizations.contains(&organization) {
                organizations.push(organization);
            }
        }
        organizations
    })
}

/// The access levels an organization can be granted (not Lambda pull).
fn organization_access() -> impl Strategy<Value = Access> {
    prop::sample::select(vec![Access::Pull, Access::PullPush])
}

/// A grant to accounts, to organizations, or to both.
fn grant() -> impl Strategy<Value = Grant> {
    let region = || Region::parse("us-west-2").unwrap();
    prop_oneof![
        (access(), accounts()).prop_map(move |(access, accounts)| Grant {
            access,
            accounts,
            organizations: Vec::new(),
            region: region(),
        }),
        (organization_access(), organizations()).prop_map(move |(access, organizations)| {
            Grant {
                access,
                accounts: Vec::new(),
                organizations,
                region: region(),
            }
        }),
        (organization_access(), accounts(), organizations()).prop_map(
            move |(access, accounts, organizations)| Grant {
                access,
                accounts,
                organizations,
                region: region(),
            }
        ),
    ]
}

/// What a revoke names: accounts, organizations, or both.
fn revocation() -> impl Strategy<Value = Revocation> {
    prop_oneof![
        accounts().prop_map(|accounts| Revocation {
            accounts,
            organizations: Vec::new(),
            partition: Partition::Aws,
        }),
        organizations().prop_map(|organizations| Revocation {
            accounts: Vec::new(),
            organizations,
            partition: Partition::Aws,
        }),
        (accounts(), organizations()).prop_map(|(accounts, organizations)| Revocation {
            accounts,
            organizations,
            partition: Partition::Aws,
        }),
    ]
}

/// A current policy, with the foreign statements it holds: foreign statements
/// (random ones and look-alikes of this tool's), possibly with this tool's own
/// statements mixed in, `Statement` as an object or a list, any version.
fn policy_and_foreign() -> impl Strategy<Value = (Option<String>, Vec<Value>)> {
    let statements = (
        prop::collection::vec(foreign_statement(), 0..5),
        prop::option::of(owned_statements()),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(foreign, owned, at)| {
            let mut statements = foreign.clone();
            for own in owned.unwrap_or_default() {
                let position = at.index(statements.len() + 1);
                statements.insert(position, own);
            }
            (statements, foreign)
        });
    prop_oneof![
        1 => Just((None, Vec::new())),
        6 => (
            statements,
            prop::sample::select(vec![Some("2008-10-17"), Some("2012-10-17"), None]),
            any::<bool>(),
        )
            .prop_map(|((statements, foreign), version, as_object)| {
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
                (Some(Value::Object(policy).to_string()), foreign)
            }),
    ]
}

fn current_policy() -> impl Strategy<Value = Option<String>> {
    policy_and_foreign().prop_map(|(policy, _)| policy)
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

/// The statements of a result that are among the input's foreign ones, in order: the
/// input's foreign statements exactly when none was changed, dropped or reordered
/// (an owned statement never equals a foreign one, which has a defect).
fn kept_foreign(after: &[Value], foreign: &[Value]) -> Vec<Value> {
    after
        .iter()
        .filter(|s| foreign.contains(s))
        .cloned()
        .collect()
}

/// Whether an organization id is written as AWS Organizations writes one.
fn is_organization_id(id: &str) -> bool {
    id.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The organization ids a statement is limited to when its only condition is exactly
/// one `StringEquals` on `aws:PrincipalOrgID` over valid organization ids; `None` for
/// any other condition (or none). Checked here on its own terms, not by the tool's
/// code.
fn organization_limit(statement: &Value) -> Option<Vec<String>> {
    let operators = statement.get("Condition")?.as_object()?;
    let keys = operators.get("StringEquals")?.as_object()?;
    if operators.len() != 1 || keys.len() != 1 {
        return None;
    }
    let (key, ids) = keys.iter().next()?;
    if !key.eq_ignore_ascii_case("aws:PrincipalOrgID") {
        return None;
    }
    let ids: Vec<String> = match ids {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    (!ids.is_empty() && ids.iter().all(|id| is_organization_id(id))).then_some(ids)
}

/// Whether an `Allow` statement lets any principal in (`"*"`, or `"*"` among its AWS
/// principals, or everyone but a `NotPrincipal`).
fn lets_any_principal(statement: &Value) -> bool {
    statement.get("Effect") == Some(&json!("Allow"))
        && (merge::aws_principals(statement).iter().any(|p| p == "*")
            || statement.get("NotPrincipal").is_some())
}

/// Whether a statement lets anyone in without being limited to organizations: an
/// organization statement (`"*"` WITH exactly the `aws:PrincipalOrgID` condition) is
/// not public; `"*"` with no condition, or with any other condition, is.
fn public(statement: &Value) -> bool {
    lets_any_principal(statement)
        && (statement.get("NotPrincipal").is_some() || organization_limit(statement).is_none())
}

/// No statement of the result lets anyone in unless the input had that very
/// statement, or it is limited to organizations that the grant names or that the
/// tool's own statements of the input already named.
fn assert_no_new_public_statement(before: &[Value], after: &[Value], granted: &[OrganizationId]) {
    let mut allowed: Vec<String> = granted.iter().map(ToString::to_string).collect();
    for statement in before.iter().filter(|s| merge::is_owned(s)) {
        allowed.extend(merge::organization_ids(statement));
    }
    for statement in after.iter().filter(|s| !before.contains(s)) {
        assert!(!public(statement), "new public statement: {statement}");
        if lets_any_principal(statement) {
            let ids = organization_limit(statement).unwrap();
            assert!(
                ids.iter().all(|id| allowed.contains(id)),
                "{statement} names an organization nobody granted"
            );
            assert!(merge::is_owned(statement), "{statement}");
        }
    }
}

/// Whether a Sid is `base` or `base` followed by a number (its series).
fn in_series(statement: &Value, base: &str) -> bool {
    statement["Sid"]
        .as_str()
        .and_then(|sid| sid.strip_prefix(base))
        .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
}

fn names_account(statement: &Value, account: &AccountId) -> bool {
    merge::aws_principals(statement)
        .iter()
        .any(|p| *p == root(account) || p == account.as_str())
}

/// Whether an owned statement is one of the input's with some grantees taken out.
fn only_lost_grantees(before: &[Value], statement: &Value) -> bool {
    before
        .iter()
        .filter(|was| was["Sid"] == statement["Sid"])
        .any(|was| {
            merge::aws_principals(statement)
                .iter()
                .all(|p| merge::aws_principals(was).contains(p))
                && merge::source_arns(statement)
                    .iter()
                    .all(|a| merge::source_arns(was).contains(a))
                && merge::organization_ids(statement)
                    .iter()
                    .all(|o| merge::organization_ids(was).contains(o))
        })
}

/// The tool's base Sid of an owned statement's series (the longest that fits).
fn base_sid(statement: &Value) -> &'static str {
    tool_sids()
        .filter(|base| in_series(statement, base))
        .max_by_key(|base| base.len())
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn look_alikes_are_never_owned(statement in look_alike()) {
        prop_assert!(!merge::is_owned(&statement), "{}", statement);
    }

    #[test]
    fn owned_statements_are_owned(owned in owned_statements()) {
        for statement in owned {
            prop_assert!(merge::is_owned(&statement), "{}", statement);
        }
    }

    #[test]
    fn granting_keeps_every_foreign_statement_unchanged_and_in_order(
        (current, foreign) in policy_and_foreign(),
        grant in grant(),
    ) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        assert_well_formed(&change);
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        prop_assert_eq!(kept_foreign(&after, &foreign), kept_foreign(&before, &foreign));
        prop_assert_eq!(kept_foreign(&before, &foreign), foreign);
        assert_no_new_public_statement(&before, &after, &grant.organizations);
        // What is neither kept foreign nor was there before is the tool's own.
        for statement in after.iter().filter(|s| !before.contains(s)) {
            prop_assert!(merge::is_owned(statement), "{}", statement);
        }
    }

    #[test]
    fn granting_keeps_foreign_statements_at_their_positions(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        // Owned statements are extended in place and new ones appended; only a second
        // owned statement under the same Sid is folded into the first. Without such
        // duplicates nothing moves.
        let mut owned_sids: Vec<&Value> = before.iter().filter(|s| merge::is_owned(s)).map(|s| &s["Sid"]).collect();
        let count = owned_sids.len();
        owned_sids.dedup();
        owned_sids.sort_by_key(|v| v.to_string());
        owned_sids.dedup();
        prop_assume!(owned_sids.len() == count);
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
            let base = wanted["Sid"].as_str().unwrap();
            let target: Vec<&Value> = after
                .iter()
                .filter(|s| merge::is_owned(s) && base_sid(s) == base)
                .filter(|s| {
                    if base.ends_with("Organization") {
                        return grant.organizations.iter().all(|organization| {
                            merge::organization_ids(s).contains(&organization.to_string())
                        });
                    }
                    grant.accounts.iter().all(|account| {
                        if base == "AllowLambdaPull" {
                            merge::source_arns(s).contains(&function(account))
                        } else {
                            names_account(s, account)
                        }
                    })
                })
                .collect();
            prop_assert!(
                !target.is_empty(),
                "no owned {} statement grants all of {:?} {:?}",
                base,
                grant.accounts,
                grant.organizations
            );
        }
    }

    #[test]
    fn granting_loses_no_account_granted_before(current in current_policy(), grant in grant()) {
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        for old in before.iter().filter(|s| merge::is_owned(s)) {
            let base = base_sid(old);
            let now: Vec<&Value> = after.iter().filter(|s| merge::is_owned(s) && base_sid(s) == base).collect();
            for principal in merge::aws_principals(old) {
                prop_assert!(now.iter().any(|s| merge::aws_principals(s).contains(&principal)), "{} lost", principal);
            }
            for arn in merge::source_arns(old) {
                prop_assert!(now.iter().any(|s| merge::source_arns(s).contains(&arn)), "{} lost", arn);
            }
            for organization in merge::organization_ids(old) {
                prop_assert!(
                    now.iter().any(|s| merge::organization_ids(s).contains(&organization)),
                    "{} lost",
                    organization
                );
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
        (current, foreign_statements) in policy_and_foreign(),
        revoked in revocation(),
    ) {
        let change = merge::revoke_grantees(current.as_deref(), &revoked).unwrap();
        assert_well_formed(&change);
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        prop_assert_eq!(kept_foreign(&after, &foreign_statements), foreign_statements.clone());
        prop_assert_eq!(foreign(change.policy.as_ref()), foreign(parsed(current.as_deref()).as_ref()));
        assert_no_new_public_statement(&before, &after, &[]);
        for statement in after.iter().filter(|s| merge::is_owned(s)) {
            prop_assert!(
                before.contains(statement) || only_lost_grantees(&before, statement),
                "{}",
                statement
            );
            for account in &revoked.accounts {
                prop_assert!(!names_account(statement, account));
                prop_assert!(!merge::source_arns(statement).contains(&function(account)));
            }
            for organization in &revoked.organizations {
                prop_assert!(!merge::organization_ids(statement).contains(&organization.to_string()));
            }
            // An owned statement that lets any principal in keeps its limit.
            if lets_any_principal(statement) {
                prop_assert!(organization_limit(statement).is_some(), "{}", statement);
            }
        }
        if change.policy.is_none() && current.is_some() {
            prop_assert!(foreign_statements.is_empty());
            prop_assert_eq!(change.write(), PolicyWrite::Delete);
        }
    }

    #[test]
    fn organization_grants_and_revokes_never_touch_a_foreign_statement(
        (current, foreign_statements) in policy_and_foreign(),
        access in organization_access(),
        granted in organizations(),
        revoked in organizations(),
    ) {
        let grant = Grant {
            access,
            accounts: Vec::new(),
            organizations: granted.clone(),
            region: Region::parse("us-west-2").unwrap(),
        };
        let change = merge::grant(current.as_deref(), &grant).unwrap();
        assert_well_formed(&change);
        let before = statements(parsed(current.as_deref()).as_ref());
        let after = statements(change.policy.as_ref());
        prop_assert_eq!(kept_foreign(&after, &foreign_statements), foreign_statements.clone());
        prop_assert_eq!(foreign(change.policy.as_ref()), foreign(parsed(current.as_deref()).as_ref()));
        assert_no_new_public_statement(&before, &after, &granted);
        // All that is new or changed is the tool's organization statement, "*" WITH
        // the condition over the organizations named.
        for statement in after.iter().filter(|s| !before.contains(s)) {
            prop_assert!(merge::is_owned_organization_statement(statement), "{}", statement);
            let ids = organization_limit(statement);
            prop_assert!(ids.is_some(), "{}", statement);
        }

        let revocation = Revocation {
            accounts: Vec::new(),
            organizations: revoked.clone(),
            partition: Partition::Aws,
        };
        let taken = merge::revoke_grantees(change.policy_text().as_deref(), &revocation).unwrap();
        assert_well_formed(&taken);
        let last = statements(taken.policy.as_ref());
        prop_assert_eq!(kept_foreign(&last, &foreign_statements), foreign_statements.clone());
        assert_no_new_public_statement(&after, &last, &[]);
        for statement in last.iter().filter(|s| merge::is_owned(s)) {
            for organization in &revoked {
                prop_assert!(!merge::organization_ids(statement).contains(&organization.to_string()));
            }
        }
        // Accounts' statements are not an organization revoke's business.
        let accounts_before: Vec<&Value> = after
            .iter()
            .filter(|s| merge::is_owned(s) && !merge::is_owned_organization_statement(s))
            .collect();
        let accounts_after: Vec<&Value> = last
            .iter()
            .filter(|s| merge::is_owned(s) && !merge::is_owned_organization_statement(s))
            .collect();
        prop_assert_eq!(accounts_before, accounts_after);
    }

    #[test]
    fn revoking_a_grant_restores_a_policy_that_had_no_own_statements(
        foreign_statements in prop::collection::vec(foreign_statement(), 0..5),
        grant in grant(),
    ) {
        let current = (!foreign_statements.is_empty())
            .then(|| json!({"Version": "2012-10-17", "Statement": foreign_statements}).to_string());
        let granted = merge::grant(current.as_deref(), &grant).unwrap();
        let revocation = Revocation {
            accounts: grant.accounts.clone(),
            organizations: grant.organizations.clone(),
            partition: grant.partition(),
        };
        let revoked = merge::revoke_grantees(granted.policy_text().as_deref(), &revocation).unwrap();
        prop_assert_eq!(revoked.policy, parsed(current.as_deref()));
    }
}
