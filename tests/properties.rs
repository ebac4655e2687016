//! Properties of the pure core, for any input at all: every validator either refuses
//! with a message or accepts a value that lands verbatim (trimmed, as the validators
//! trim) where it belongs in the documents; nothing panics; a refused value never
//! reaches a document.

use proptest::prelude::*;
use serde_json::Value;

use ecr_share::cli::{AccessArg, PolicyCommand};
use ecr_share::commands::policy;
use ecr_share::core::documents::{self, Access, DocumentKind, Language};
use ecr_share::core::flow::{FLOWS, FieldId, FlowId, FlowSpec, Form};
use ecr_share::core::regions::{KNOWN_REGIONS, Partition, partition_of};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::core::validate::{
    self, AccountId, IamKind, IamName, Region, RepositoryName, RoleArn, SizeLimit, SubscriptionId,
};

// Every field and document kind. The exhaustive matches below stop the build when a
// variant is added, so neither list can fall behind.

const FIELDS: [FieldId; 18] = [
    FieldId::Region,
    FieldId::SubscriptionId,
    FieldId::RegistryAccount,
    FieldId::ReadPolicyName,
    FieldId::SourceAccount,
    FieldId::DestinationAccount,
    FieldId::RoleName,
    FieldId::AssumePolicyName,
    FieldId::UserName,
    FieldId::RoleArn,
    FieldId::ConfigPath,
    FieldId::KubeContext,
    FieldId::Repository,
    FieldId::Grantees,
    FieldId::Access,
    FieldId::SourceProfile,
    FieldId::DestinationProfile,
    FieldId::Profile,
];

fn field_index(field: FieldId) -> usize {
    match field {
        FieldId::Region => 0,
        FieldId::SubscriptionId => 1,
        FieldId::RegistryAccount => 2,
        FieldId::ReadPolicyName => 3,
        FieldId::SourceAccount => 4,
        FieldId::DestinationAccount => 5,
        FieldId::RoleName => 6,
        FieldId::AssumePolicyName => 7,
        FieldId::UserName => 8,
        FieldId::RoleArn => 9,
        FieldId::ConfigPath => 10,
        FieldId::KubeContext => 11,
        FieldId::Repository => 12,
        FieldId::Grantees => 13,
        FieldId::Access => 14,
        FieldId::SourceProfile => 15,
        FieldId::DestinationProfile => 16,
        FieldId::Profile => 17,
    }
}

const KINDS: [DocumentKind; 13] = [
    DocumentKind::DescribeSubscriptionCommand,
    DocumentKind::EcrReadPolicy,
    DocumentKind::TrustPolicy,
    DocumentKind::AssumeRolePolicy,
    DocumentKind::AccessKey,
    DocumentKind::AwsConfigFile,
    DocumentKind::SecretManifest,
    DocumentKind::NewClusterInstruction,
    DocumentKind::VerifyChecks,
    DocumentKind::RepositoryPolicyCommand,
    DocumentKind::RepositoryPolicy,
    DocumentKind::ApplyRepositoryPolicy,
    DocumentKind::PolicyChanges,
];

fn kind_index(kind: DocumentKind) -> usize {
    match kind {
        DocumentKind::DescribeSubscriptionCommand => 0,
        DocumentKind::EcrReadPolicy => 1,
        DocumentKind::TrustPolicy => 2,
        DocumentKind::AssumeRolePolicy => 3,
        DocumentKind::AccessKey => 4,
        DocumentKind::AwsConfigFile => 5,
        DocumentKind::SecretManifest => 6,
        DocumentKind::NewClusterInstruction => 7,
        DocumentKind::VerifyChecks => 8,
        DocumentKind::RepositoryPolicyCommand => 9,
        DocumentKind::RepositoryPolicy => 10,
        DocumentKind::ApplyRepositoryPolicy => 11,
        DocumentKind::PolicyChanges => 12,
    }
}

const LIMITS: [SizeLimit; 3] = [
    SizeLimit::TrustPolicy,
    SizeLimit::ManagedPolicy,
    SizeLimit::RepositoryPolicy,
];

const PARTITIONS: [Partition; 3] = [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov];

#[test]
fn the_lists_of_fields_and_documents_are_complete() {
    for (index, field) in FIELDS.iter().enumerate() {
        assert_eq!(field_index(*field), index, "{field:?}");
    }
    for (index, kind) in KINDS.iter().enumerate() {
        assert_eq!(kind_index(*kind), index, "{kind:?}");
    }
}

// Inputs: arbitrary Unicode mixed with text near each validator's edge, so both the
// refusing and the accepting side are exercised.

fn padding() -> impl Strategy<Value = String> {
    prop_oneof![
        "", " ", "\t", "\n", "\u{a0}", "\u{2028}", "\u{3000}", "\\s{0,3}"
    ]
    .prop_map(String::from)
}

fn padded(core: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (padding(), core, padding()).prop_map(|(before, core, after)| before + &core + &after)
}

fn account_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        padded("[0-9]{12}".prop_map(String::from)),
        padded("[0-9]{10,14}".prop_map(String::from)),
        "[0-9a-f ٠-٩０-９]{12}",
        "[0-9\n\r\u{85}\u{2028}]{12,13}",
        padded("[0-9]{1,6}([- ][0-9]{1,6}){1,4}".prop_map(String::from)),
        "[0-9 -]{10,16}",
    ]
    .boxed()
}

fn region_text() -> impl Strategy<Value = String> {
    let names: Vec<&str> = KNOWN_REGIONS.iter().map(|(name, _)| *name).collect();
    prop_oneof![
        any::<String>(),
        padded(
            (prop::sample::select(names), any::<bool>()).prop_map(|(name, upper)| if upper {
                name.to_uppercase()
            } else {
                name.to_string()
            })
        ),
        "[a-z]{2}(-gov)?-[a-z]{4,9}-[0-9]",
        "[a-z\n\r\t-]{4,12}[0-9]",
    ]
}

fn role_arn_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        padded(
            "arn:(aws|aws-cn|aws-us-gov|aws-xx|):(iam|sts)::[0-9]{11,13}:(role|user)/([a-zA-Z0-9_-]{1,8}/){0,2}[a-zA-Z0-9+=,.@_ é-]{0,70}"
                .prop_map(String::from)
        ),
        "arn:aws:iam::[0-9]{12}:role/\\PC{0,20}",
        padded(
            "arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([a-z]{1,8}/){0,2}[a-zA-Z0-9+=,.@_-]{1,64}"
                .prop_map(String::from)
        ),
    ]
}

fn account_list_text() -> BoxedStrategy<String> {
    prop_oneof![
        any::<String>(),
        "([0-9]{12}[, \n\t]{1,3}){1,6}",
        "(10000000000[0-3][, ]){1,8}",
        "([0-9]{10,13}[, ;]){1,4}",
        "([0-9]{4}[- ][0-9]{4}[- ][0-9]{4}[, ;\n]{1,2}){1,5}",
        "([0-9]{2,6}[- ,;\n]){2,8}",
    ]
    .boxed()
}

fn name_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9+=,.@_-]{0,130}",
        "[A-Za-z0-9 #é-]{1,20}",
    ]
}

fn subscription_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        padded(
            "[0-9a-fA-F]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                .prop_map(String::from)
        ),
        "[0-9a-gx]{7,9}-[0-9a-f]{3,5}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{11,13}",
    ]
}

fn repository_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9]{1,6}([._-]?[a-z0-9]{1,6}){0,2}(/[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?){0,3}",
        "[a-zA-Z0-9._/ -]{0,12}",
    ]
}

/// Any text for any field: arbitrary, blank, with spaces, or near-valid for some field.
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\s{0,3}",
        "[a-z]{1,4} [a-z]{1,4}",
        account_text(),
        region_text(),
        role_arn_text(),
        account_list_text(),
        "pull|pull-push|lambda|push",
    ]
}

/// Commands take several values at once; weighting each towards valid ones lets whole
/// commands be accepted often enough to check their documents.
fn mostly_valid(
    any_text: impl Strategy<Value = String>,
    valid: &'static str,
) -> impl Strategy<Value = String> {
    prop_oneof![1 => any_text, 3 => valid.prop_map(String::from)]
}

/// Up to `max` fields typed in, in any order, some more than once.
fn edits(max: usize) -> impl Strategy<Value = Vec<(FieldId, String)>> {
    prop::collection::vec(
        (prop::sample::select(FIELDS.to_vec()), field_text()),
        0..max,
    )
}

fn access() -> impl Strategy<Value = Access> {
    prop::sample::select(Access::ALL.to_vec())
}

fn known_region() -> impl Strategy<Value = Region> {
    let names: Vec<&str> = KNOWN_REGIONS.iter().map(|(name, _)| *name).collect();
    prop::sample::select(names).prop_map(|name| Region::parse(name).unwrap())
}

// Reading documents back.

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a document is JSON")
}

fn reparse(value: &Value) -> Value {
    let text = documents::pretty(value);
    serde_json::from_str(&text).expect("a printed document is JSON")
}

/// A principal or condition value: one string, or an array of them.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().expect("a list of strings").to_string())
            .collect(),
        other => panic!("not a string or a list of strings: {other}"),
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The ASCII digits of a text, in order.
fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Whether a text is digit groups separated by single dashes or spaces.
fn is_grouped(text: &str) -> bool {
    !text.is_empty()
        && text
            .split(['-', ' '])
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()))
}

proptest! {
    #[test]
    fn account_ids(input in account_text()) {
        let trimmed = input.trim();
        match AccountId::parse(&input) {
            Err(refused) => {
                prop_assert!(!refused.0.is_empty());
                prop_assert!(!(is_grouped(trimmed) && digits_of(trimmed).len() == 12));
            }
            Ok(account) => {
                // Cleaning drops only the dashes and spaces between digit groups: it
                // never accepts other than 12 digits and never changes them.
                prop_assert!(is_grouped(trimmed), "{:?} accepted", trimmed);
                prop_assert!(is_account_id(account.as_str()));
                prop_assert_eq!(account.as_str(), digits_of(trimmed));
                let trimmed = account.as_str();
                for partition in PARTITIONS {
                    let read = reparse(&documents::ecr_read_policy(Some(partition), Some(&account)));
                    prop_assert_eq!(
                        &read["Statement"][0]["Resource"],
                        &format!("arn:{partition}:ecr:*:{trimmed}:repository/*")
                    );
                    let trust = reparse(&documents::trust_policy(Some(partition), Some(&account)));
                    prop_assert_eq!(
                        &trust["Statement"][0]["Principal"]["AWS"],
                        &format!("arn:{partition}:iam::{trimmed}:root")
                    );
                    prop_assert_eq!(
                        account.root_arn(partition),
                        format!("arn:{partition}:iam::{trimmed}:root")
                    );
                }
            }
        }
    }

    #[test]
    fn regions(input in region_text(), access in access(), grantee in "[0-9]{12}") {
        let trimmed = input.trim();
        match Region::parse(&input) {
            Err(refused) => {
                prop_assert!(!refused.0.is_empty());
                prop_assert_eq!(partition_of(trimmed), None);
            }
            Ok(region) => {
                prop_assert_eq!(region.name(), trimmed);
                prop_assert_eq!(Some(region.partition()), partition_of(trimmed));
                let grantee = AccountId::parse(&grantee).unwrap();
                let policy = reparse(&documents::repository_policy(
                    access,
                    Some(region.partition()),
                    Some(&region),
                    Some(std::slice::from_ref(&grantee)),
                ));
                let partition = region.partition();
                prop_assert_eq!(
                    &policy["Statement"][0]["Principal"]["AWS"],
                    &format!("arn:{partition}:iam::{grantee}:root")
                );
                if access == Access::LambdaPull {
                    prop_assert_eq!(
                        &policy["Statement"][1]["Condition"]["StringLike"]["aws:sourceARN"],
                        &format!("arn:{partition}:lambda:{trimmed}:{grantee}:function:*")
                    );
                }
            }
        }
    }

    #[test]
    fn role_arns(input in role_arn_text()) {
        let trimmed = input.trim();
        match RoleArn::parse(&input) {
            Err(refused) => prop_assert!(!refused.0.is_empty()),
            Ok(role) => {
                prop_assert_eq!(role.as_str(), trimmed);
                prop_assert!(is_account_id(role.account().as_str()));
                let partition = trimmed.split(':').nth(1).unwrap();
                prop_assert!(["aws", "aws-cn", "aws-us-gov"].contains(&partition));
                let prefix = format!("arn:{partition}:iam::{}:role/", role.account());
                prop_assert!(trimmed.starts_with(&prefix));
                let ending = format!("/{}", role.name());
                prop_assert!(trimmed.ends_with(&ending), "{:?} ends with {:?}", trimmed, ending);
                let policy = reparse(&documents::assume_role_policy(Some(&role)));
                prop_assert_eq!(&policy["Statement"]["Resource"], trimmed);
                prop_assert_eq!(&policy["Statement"]["Action"], "sts:AssumeRole");
            }
        }
    }

    #[test]
    fn account_lists(input in account_list_text(), access in access(), region in known_region()) {
        match validate::parse_account_list(&input) {
            Err(refused) => prop_assert!(!refused.0.is_empty()),
            Ok(accounts) => {
                prop_assert!(!accounts.is_empty());
                // Every id is 12 of the typed digits, in the order typed, each once:
                // the digits typed, taken 12 at a time, are the accounts.
                let typed = digits_of(&input);
                prop_assert_eq!(typed.len() % 12, 0);
                let mut expected: Vec<&str> = Vec::new();
                for start in (0..typed.len()).step_by(12) {
                    let part = &typed[start..start + 12];
                    if !expected.contains(&part) {
                        expected.push(part);
                    }
                }
                // Nothing but digits and the separators a paste holds was accepted.
                prop_assert!(input.chars().all(|c| c.is_ascii_digit()
                    || c.is_whitespace()
                    || ",;-".contains(c)));
                let ids: Vec<&str> = accounts.iter().map(AccountId::as_str).collect();
                prop_assert_eq!(&ids, &expected);

                let partition = region.partition();
                let policy = reparse(&documents::repository_policy(
                    access,
                    Some(partition),
                    Some(&region),
                    Some(&accounts),
                ));
                let roots: Vec<String> =
                    ids.iter().map(|id| format!("arn:{partition}:iam::{id}:root")).collect();
                prop_assert_eq!(strings(&policy["Statement"][0]["Principal"]["AWS"]), roots);
                let statements = policy["Statement"].as_array().unwrap();
                if access == Access::LambdaPull {
                    prop_assert_eq!(statements.len(), 2);
                    let functions: Vec<String> = ids
                        .iter()
                        .map(|id| format!("arn:{partition}:lambda:{}:{id}:function:*", region.name()))
                        .collect();
                    prop_assert_eq!(
                        strings(&statements[1]["Condition"]["StringLike"]["aws:sourceARN"]),
                        functions
                    );
                } else {
                    prop_assert_eq!(statements.len(), 1);
                }
                let _ = SizeLimit::RepositoryPolicy.check(&documents::pretty(&policy));
            }
        }
    }

    #[test]
    fn iam_names(input in name_text()) {
        let trimmed = input.trim();
        for (kind, max) in [(IamKind::Policy, 128), (IamKind::Role, 64), (IamKind::User, 64)] {
            let acceptable = !trimmed.is_empty()
                && trimmed.chars().count() <= max
                && trimmed.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
            match IamName::parse(kind, &input) {
                Err(refused) => {
                    prop_assert!(!refused.0.is_empty());
                    prop_assert!(!acceptable, "{:?} refused: {}", trimmed, refused);
                }
                Ok(name) => {
                    prop_assert!(acceptable);
                    prop_assert_eq!(name.as_str(), trimmed);
                }
            }
        }
    }

    #[test]
    fn subscription_ids(input in subscription_text()) {
        match SubscriptionId::parse(&input) {
            Err(refused) => prop_assert!(!refused.0.is_empty()),
            Ok(id) => {
                prop_assert_eq!(id.as_str(), input.trim());
                prop_assert_eq!(id.as_str().len(), 36);
                let command = documents::describe_subscription_command(None, Some(&id));
                let flag = format!("--id '{}'", input.trim());
                prop_assert!(command.contains(&flag), "{}", command);
            }
        }
    }

    #[test]
    fn repository_names(input in repository_text()) {
        match RepositoryName::parse(&input) {
            Err(refused) => prop_assert!(!refused.0.is_empty()),
            Ok(name) => {
                let trimmed = input.trim();
                prop_assert_eq!(name.as_str(), trimmed);
                prop_assert!((2..=256).contains(&trimmed.len()));
                prop_assert!(trimmed.split('/').all(|part| !part.is_empty()));
            }
        }
    }

    #[test]
    fn size_checks_take_any_text(input in any::<String>()) {
        for limit in LIMITS {
            if let Err(refused) = limit.check(&input) {
                prop_assert!(refused.0.contains(&limit.max_chars().to_string()), "{}", refused);
            }
        }
    }

    /// The command line's documents: refused with one line naming the flag, or JSON
    /// carrying the values where they belong.
    #[test]
    fn policy_commands(
        account in mostly_valid(account_text(), "[0-9]{12}"),
        region in mostly_valid(region_text(), "(us-east-1|us-west-2|cn-north-1|us-gov-west-1)"),
        role_arn in role_arn_text(),
        grantees in prop::collection::vec(mostly_valid(account_text(), "[0-9]{12}(,[0-9]{12})?"), 1..4),
        access in prop::sample::select(vec![AccessArg::Pull, AccessArg::PullPush, AccessArg::Lambda]),
    ) {
        let commands = [
            PolicyCommand::EcrRead { registry_account: account.clone(), region: region.clone() },
            PolicyCommand::Trust { account: account.clone(), region: region.clone() },
            PolicyCommand::AssumeRole { role_arn: role_arn.clone() },
            PolicyCommand::Repo { access, accounts: grantees.clone(), organizations: Vec::new(), region: region.clone() },
        ];
        for command in &commands {
            match policy::document(command) {
                Err(refused) => {
                    let line = refused.to_string();
                    let lead = format!("{}: ", refused.flag);
                    prop_assert!(line.starts_with(&lead), "{}", line);
                    prop_assert!(!refused.reason.is_empty());
                    let breaks = ['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'];
                    prop_assert!(!line.contains(breaks), "{:?}", line);
                }
                Ok(text) => {
                    let value: Value = serde_json::from_str(&text).expect("the document is JSON");
                    match command {
                        PolicyCommand::EcrRead { .. } => {
                            let partition = partition_of(region.trim()).unwrap();
                            prop_assert_eq!(
                                &value["Statement"][0]["Resource"],
                                &format!("arn:{partition}:ecr:*:{}:repository/*", digits_of(&account))
                            );
                        }
                        PolicyCommand::Trust { .. } => {
                            let partition = partition_of(region.trim()).unwrap();
                            prop_assert_eq!(
                                &value["Statement"][0]["Principal"]["AWS"],
                                &format!("arn:{partition}:iam::{}:root", digits_of(&account))
                            );
                        }
                        PolicyCommand::AssumeRole { .. } => {
                            prop_assert_eq!(&value["Statement"]["Resource"], role_arn.trim());
                        }
                        PolicyCommand::Repo { .. } => {
                            let partition = partition_of(region.trim()).unwrap();
                            let principals = strings(&value["Statement"][0]["Principal"]["AWS"]);
                            for grantee in &grantees {
                                // Accepted grantees are their digits, 12 at a time.
                                let typed = digits_of(grantee);
                                for start in (0..typed.len()).step_by(12) {
                                    let id = &typed[start..(start + 12).min(typed.len())];
                                    let root = format!("arn:{partition}:iam::{id}:root");
                                    prop_assert!(principals.contains(&root));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Whatever is typed into whichever field, every document of both flows is built
    /// without a panic, and the JSON ones are JSON.
    #[test]
    fn forms_take_any_input(
        flow in prop::sample::select(FLOWS.to_vec()),
        edits in edits(16),
        key in proptest::option::of(("AKIA[A-Z0-9]{16}", "[A-Za-z0-9/+]{40}")),
        cycles in prop::collection::vec(any::<bool>(), 0..4),
    ) {
        let mut form = Form::new(flow);
        for (field, text) in &edits {
            form.set(*field, text.clone());
        }
        for forward in cycles {
            form.cycle(FieldId::Access, forward);
        }
        form.access_key = key.as_ref().map(|(id, secret)| AccessKeyPair {
            access_key_id: id.clone(),
            secret_access_key: Secret::new(secret.clone()),
        });
        for field in FIELDS {
            if let Err(refused) = form.check(field) {
                prop_assert!(!refused.0.is_empty(), "{:?}", field);
            }
        }
        for step in FlowSpec::get(flow).steps {
            if let Some((_, refused)) = form.first_problem(step) {
                prop_assert!(!refused.0.is_empty());
            }
        }
        for kind in KINDS {
            let text = form.document(kind);
            prop_assert!(!text.is_empty(), "{:?}", kind);
            if kind.language() == Language::Json {
                let parsed: Result<Value, _> = serde_json::from_str(&text);
                prop_assert!(parsed.is_ok(), "{:?} is not JSON: {}", kind, text);
            }
            let _ = form.document_size_problem(kind);
            if let (DocumentKind::AccessKey, Some((_, secret))) = (kind, &key) {
                prop_assert!(!text.contains(secret.as_str()), "the key document shows the secret");
            }
        }
    }

    /// A value that fails validation leaves every document exactly as any other
    /// refused value would: nothing of it shows.
    #[test]
    fn refused_values_never_reach_a_document(
        flow in prop::sample::select(FLOWS.to_vec()),
        edits in edits(10),
        field in prop::sample::select(FIELDS.to_vec()),
        refused in field_text(),
    ) {
        let mut form = Form::new(flow);
        for (other, text) in &edits {
            if *other != field {
                form.set(*other, text.clone());
            }
        }
        form.set(field, refused.clone());
        if form.check(field).is_ok() {
            return Ok(());
        }
        let with_refused: Vec<String> = KINDS.iter().map(|kind| form.document(*kind)).collect();

        let stand_in = match field {
            FieldId::ConfigPath => "",
            FieldId::KubeContext
            | FieldId::SourceProfile
            | FieldId::DestinationProfile
            | FieldId::Profile => "a b",
            _ => "#",
        };
        form.set(field, stand_in);
        prop_assert!(form.check(field).is_err(), "the stand-in for {:?} is refused", field);
        let with_stand_in: Vec<String> = KINDS.iter().map(|kind| form.document(*kind)).collect();
        for (kind, (a, b)) in KINDS.iter().zip(with_refused.iter().zip(&with_stand_in)) {
            prop_assert_eq!(a, b, "{:?} with {:?} = {:?}", kind, field, refused);
        }
    }

    /// Values that validate show up in the wizard's documents where they belong.
    #[test]
    fn forms_carry_valid_values(
        region in known_region(),
        registry in "[0-9]{12}",
        source in "[0-9]{12}",
        destination in "[0-9]{12}",
        role in "[A-Za-z0-9+=,.@_-]{1,64}",
        grantees in prop::collection::vec("[0-9]{12}", 1..5),
        access in access(),
    ) {
        let partition = region.partition();
        let mut curated = Form::new(FlowId::CuratedPackages);
        curated.set(FieldId::Region, region.name());
        curated.set(FieldId::RegistryAccount, registry.clone());
        curated.set(FieldId::SourceAccount, source.clone());
        curated.set(FieldId::DestinationAccount, destination.clone());
        curated.set(FieldId::RoleName, role.clone());
        let role_arn = format!("arn:{partition}:iam::{source}:role/{role}");
        prop_assert_eq!(curated.text(FieldId::RoleArn), role_arn.clone());

        let read = json(&curated.document(DocumentKind::EcrReadPolicy));
        prop_assert_eq!(
            &read["Statement"][0]["Resource"],
            &format!("arn:{partition}:ecr:*:{registry}:repository/*")
        );
        let trust = json(&curated.document(DocumentKind::TrustPolicy));
        prop_assert_eq!(
            &trust["Statement"][0]["Principal"]["AWS"],
            &format!("arn:{partition}:iam::{destination}:root")
        );
        let assume = json(&curated.document(DocumentKind::AssumeRolePolicy));
        prop_assert_eq!(&assume["Statement"]["Resource"], &role_arn);
        let config_line = format!("role_arn={role_arn}\n");
        prop_assert!(curated.document(DocumentKind::AwsConfigFile).contains(&config_line));

        let mut repository = Form::new(FlowId::RepositorySharing);
        repository.set(FieldId::Region, region.name());
        repository.set(FieldId::Grantees, grantees.join(", "));
        repository.set(FieldId::Access, access.cli_name());
        let policy = json(&repository.document(DocumentKind::RepositoryPolicy));
        let mut distinct: Vec<&String> = Vec::new();
        for id in &grantees {
            if !distinct.contains(&id) {
                distinct.push(id);
            }
        }
        let roots: Vec<String> = distinct
            .iter()
            .map(|id| format!("arn:{partition}:iam::{id}:root"))
            .collect();
        prop_assert_eq!(strings(&policy["Statement"][0]["Principal"]["AWS"]), roots);
        if access == Access::LambdaPull {
            let functions: Vec<String> = distinct
                .iter()
                .map(|id| format!("arn:{partition}:lambda:{}:{id}:function:*", region.name()))
                .collect();
            let condition = &policy["Statement"][1]["Condition"]["StringLike"]["aws:sourceARN"];
            prop_assert_eq!(strings(condition), functions);
        }
    }
}
