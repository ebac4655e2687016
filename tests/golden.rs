//! Golden documents: for the example values of the two procedures ecr-share was
//! specified from, every generated document equals the JSON the procedure shows, with
//! the actions in the same order. The JSON is kept under `tests/fixtures/seeds/`, and
//! checked against the procedures themselves (`shared/seeds/` beside the repository,
//! or `ECR_SHARE_SEEDS`); a missing fixture or seed fails the test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use ecr_share::core::documents::{self, Access, DocumentKind};
use ecr_share::core::flow::{FieldId, FlowId, Form};
use ecr_share::core::merge::Grant;
use ecr_share::core::regions::Partition;
use ecr_share::core::validate::{AccountId, IamKind, IamName, OrganizationId, Region, RoleArn};

const CURATED: &str = "curated-packages-sharing";
const REPOSITORY: &str = "ecr-repository-sharing";

/// The values the curated-packages procedure uses in its examples.
const SEED_REGISTRY: &str = "067575901363";
const SEED_DESTINATION: &str = "999999999999";
const SEED_ROLE_ARN: &str = "arn:aws:iam::111111111111:role/curated-packages-role";

/// What the repository procedure's `ACCOUNT_ID` and `REGION_NAME` are replaced with.
const GRANTEE: &str = "222222222222";
const REGION: &str = "us-east-1";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seeds")
}

/// The procedures themselves: `ECR_SHARE_SEEDS` when set, else `shared/seeds` beside
/// the repository or beside any folder above it. Missing seeds fail
/// the test with the way to point at them: a comparison that cannot run never passes.
fn seeds() -> PathBuf {
    if let Some(dir) = std::env::var_os("ECR_SHARE_SEEDS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ECR_SHARE_SEEDS is {}, which is not a folder",
            dir.display()
        );
        return dir;
    }
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    repository
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/seeds"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the seeds are not in shared/seeds beside {} or any folder above it: set ECR_SHARE_SEEDS to the folder holding curated-packages-sharing.md and ecr-repository-sharing.md",
                repository.display()
            )
        })
}

/// The fixture files of one seed, in the order the seed shows its blocks.
fn fixture_files(seed: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixtures().join(seed))
        .unwrap_or_else(|e| panic!("reading the fixtures of {seed}: {e}"))
        .map(|entry| entry.expect("a readable fixture folder").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// A fixture's text, with the repository procedure's placeholders filled in.
fn seed_text(seed: &str, name: &str) -> String {
    let path = fixtures().join(seed).join(format!("{name}.json"));
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .replace("ACCOUNT_ID", GRANTEE)
        .replace("REGION_NAME", REGION)
}

fn seed_json(seed: &str, name: &str) -> Value {
    serde_json::from_str(&seed_text(seed, name))
        .unwrap_or_else(|e| panic!("{seed}/{name} is not JSON: {e}"))
}

/// The fenced blocks of a markdown text that are JSON: labelled `json` or not at all
/// (the repository procedure labels none). Each block's lines, each ending in `\n`.
fn json_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<(bool, String)> = None;
    for line in markdown.lines() {
        match &mut open {
            None => {
                if let Some(info) = line.trim_start().strip_prefix("```") {
                    let info = info.trim();
                    open = Some((info.is_empty() || info == "json", String::new()));
                }
            }
            Some((is_json, text)) => {
                if line.trim() == "```" {
                    if *is_json {
                        blocks.push(std::mem::take(text));
                    }
                    open = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    blocks
}

/// The actions of every statement, in order; a single action counts as a list of one.
fn actions(policy: &Value) -> Vec<Vec<String>> {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    statements
        .iter()
        .map(|statement| match &statement["Action"] {
            Value::String(action) => vec![action.clone()],
            Value::Array(items) => items
                .iter()
                .map(|a| a.as_str().expect("an action is a string").to_string())
                .collect(),
            other => panic!("a statement without actions: {other}"),
        })
        .collect()
}

/// The generated document equals the seed's as JSON, with the actions in the seed's
/// order, and prints as the seed writes it.
fn assert_golden(generated: &Value, seed: &str, name: &str) {
    let expected = seed_json(seed, name);
    assert_eq!(generated, &expected, "{seed}/{name}");
    assert_eq!(actions(generated), actions(&expected), "{seed}/{name}");
    assert_eq!(
        documents::pretty(generated),
        seed_text(seed, name),
        "{seed}/{name}"
    );
}

fn account(id: &str) -> AccountId {
    AccountId::parse(id).unwrap()
}

fn region() -> Region {
    Region::parse(REGION).unwrap()
}

#[test]
fn json_blocks_are_taken_as_the_seeds_write_them() {
    let markdown = "intro\n```bash\naws sts get-caller-identity\n```\n\n```json\n{\n  \"a\": 1\n}\n``` \ntext\n```\n{}\n```\n";
    assert_eq!(json_blocks(markdown), ["{\n  \"a\": 1\n}\n", "{}\n"]);
}

#[test]
fn the_fixtures_are_the_seeds_json_blocks() {
    let seeds = seeds();
    for seed in [CURATED, REPOSITORY] {
        let markdown = fs::read_to_string(seeds.join(format!("{seed}.md")))
            .unwrap_or_else(|e| panic!("reading the seed {seed}: {e}"));
        let blocks = json_blocks(&markdown);
        let files = fixture_files(seed);
        assert_eq!(
            blocks.len(),
            files.len(),
            "{seed} has {} JSON blocks and tests/fixtures/seeds/{seed} {} files",
            blocks.len(),
            files.len()
        );
        for (block, file) in blocks.iter().zip(&files) {
            let fixture = fs::read_to_string(file).unwrap();
            assert_eq!(&fixture, block, "{} differs from the seed", file.display());
        }
    }
}

#[test]
fn every_fixture_is_compared_below() {
    let names = |seed| -> Vec<String> {
        fixture_files(seed)
            .iter()
            .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        names(CURATED),
        [
            "1-ecr-read-policy",
            "2-trust-policy",
            "3-assume-role-policy"
        ]
    );
    assert_eq!(
        names(REPOSITORY),
        ["1-pull", "2-pull-push", "3-lambda-pull"]
    );
}

#[test]
fn ecr_read_policy_for_the_seed_registry() {
    let policy =
        documents::ecr_read_policy(Some(region().partition()), Some(&account(SEED_REGISTRY)));
    assert_golden(&policy, CURATED, "1-ecr-read-policy");
}

#[test]
fn trust_policy_for_the_seed_destination() {
    let policy = documents::trust_policy(Some(Partition::Aws), Some(&account(SEED_DESTINATION)));
    assert_golden(&policy, CURATED, "2-trust-policy");
}

#[test]
fn assume_role_policy_for_the_seed_role() {
    let parsed = RoleArn::parse(SEED_ROLE_ARN).unwrap();
    assert_golden(
        &documents::assume_role_policy(Some(&parsed)),
        CURATED,
        "3-assume-role-policy",
    );
    // The ARN the wizard builds from the source account and role name is the same.
    let built = RoleArn::new(
        Partition::Aws,
        &account("111111111111"),
        &IamName::parse(IamKind::Role, "curated-packages-role").unwrap(),
    );
    assert_golden(
        &documents::assume_role_policy(Some(&built)),
        CURATED,
        "3-assume-role-policy",
    );
}

#[test]
fn repository_policies_for_one_grantee() {
    for (access, name) in [
        (Access::Pull, "1-pull"),
        (Access::PullPush, "2-pull-push"),
        (Access::LambdaPull, "3-lambda-pull"),
    ] {
        let policy = documents::repository_policy(
            access,
            Some(region().partition()),
            Some(&region()),
            Some(&[account(GRANTEE)]),
        );
        assert_golden(&policy, REPOSITORY, name);
    }
}

#[test]
fn the_wizard_shows_the_seed_documents() {
    let mut curated = Form::new(FlowId::CuratedPackages);
    curated.set(FieldId::Region, REGION);
    curated.set(FieldId::RegistryAccount, SEED_REGISTRY);
    curated.set(FieldId::SourceAccount, "111111111111");
    curated.set(FieldId::DestinationAccount, SEED_DESTINATION);
    for (kind, name) in [
        (DocumentKind::EcrReadPolicy, "1-ecr-read-policy"),
        (DocumentKind::TrustPolicy, "2-trust-policy"),
        (DocumentKind::AssumeRolePolicy, "3-assume-role-policy"),
    ] {
        assert_eq!(curated.document(kind), seed_text(CURATED, name), "{name}");
    }

    let mut repository = Form::new(FlowId::RepositorySharing);
    repository.set(FieldId::Region, REGION);
    repository.set(FieldId::Grantees, GRANTEE);
    for (access, name) in [
        ("pull", "1-pull"),
        ("pull-push", "2-pull-push"),
        ("lambda", "3-lambda-pull"),
    ] {
        repository.set(FieldId::Access, access);
        assert_eq!(
            repository.document(DocumentKind::RepositoryPolicy),
            seed_text(REPOSITORY, name),
            "{name}"
        );
    }
}

// The command line.

fn ecr_share(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecr-share"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the ecr-share binary runs")
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the printed document is JSON")
}

#[test]
fn the_command_line_prints_the_seed_documents() {
    let printed = ecr_share(&["policy", "ecr-read", "--registry-account", SEED_REGISTRY]);
    assert_golden(&stdout_json(&printed), CURATED, "1-ecr-read-policy");
    assert_eq!(
        String::from_utf8(printed.stdout).unwrap(),
        seed_text(CURATED, "1-ecr-read-policy")
    );

    let printed = ecr_share(&["policy", "trust", "--account", SEED_DESTINATION]);
    assert_golden(&stdout_json(&printed), CURATED, "2-trust-policy");

    let printed = ecr_share(&["policy", "assume-role", "--role-arn", SEED_ROLE_ARN]);
    assert_golden(&stdout_json(&printed), CURATED, "3-assume-role-policy");

    for (access, name) in [
        ("pull", "1-pull"),
        ("pull-push", "2-pull-push"),
        ("lambda", "3-lambda-pull"),
    ] {
        let printed = ecr_share(&[
            "policy",
            "repo",
            "--access",
            access,
            "--account",
            GRANTEE,
            "--region",
            REGION,
        ]);
        assert_golden(&stdout_json(&printed), REPOSITORY, name);
    }
}

#[test]
fn the_region_given_before_the_subcommand_decides_the_partition() {
    let printed = ecr_share(&[
        "--region",
        "cn-north-1",
        "policy",
        "trust",
        "--account",
        SEED_DESTINATION,
    ]);
    assert_eq!(
        stdout_json(&printed)["Statement"][0]["Principal"]["AWS"],
        "arn:aws-cn:iam::999999999999:root"
    );
    let printed = ecr_share(&[
        "policy",
        "repo",
        "--access",
        "lambda",
        "--account",
        GRANTEE,
        "--region",
        "us-gov-west-1",
    ]);
    let policy = stdout_json(&printed);
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"],
        "arn:aws-us-gov:iam::222222222222:root"
    );
    assert_eq!(
        policy["Statement"][1]["Condition"]["StringLike"]["aws:sourceARN"],
        "arn:aws-us-gov:lambda:us-gov-west-1:222222222222:function:*"
    );
}

/// `policy repo --organization` prints exactly the statements `grant` merges: the
/// accounts' statement and one for the organizations, limited by aws:PrincipalOrgID.
#[test]
fn an_organization_grant_prints_the_statements_grant_writes() {
    let printed = ecr_share(&[
        "policy",
        "repo",
        "--access",
        "pull-push",
        "--account",
        GRANTEE,
        "--organization",
        "o-a1b2c3d4e5,o-f6g7h8i9j0",
        "--region",
        REGION,
    ]);
    assert_eq!(printed.status.code(), Some(0), "{printed:?}");
    let grant = Grant {
        access: Access::PullPush,
        accounts: vec![AccountId::parse(GRANTEE).unwrap()],
        organizations: ["o-a1b2c3d4e5", "o-f6g7h8i9j0"]
            .map(|id| OrganizationId::parse(id).unwrap())
            .to_vec(),
        region: Region::parse(REGION).unwrap(),
    };
    let policy = stdout_json(&printed);
    assert_eq!(policy["Statement"], Value::Array(grant.statements()));
    assert_eq!(policy["Version"], documents::REPOSITORY_POLICY_VERSION);
    let organization = &policy["Statement"][1];
    assert_eq!(organization["Principal"], "*");
    assert_eq!(
        organization["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
        serde_json::json!(["o-a1b2c3d4e5", "o-f6g7h8i9j0"])
    );

    // An organization alone is enough; with Lambda pull it is refused, as by grant.
    let printed = ecr_share(&[
        "policy",
        "repo",
        "--access",
        "pull",
        "--organization",
        "o-a1b2c3d4e5",
    ]);
    assert_eq!(
        stdout_json(&printed)["Statement"].as_array().unwrap().len(),
        1
    );
    assert_refused(
        &[
            "policy",
            "repo",
            "--access",
            "lambda",
            "--organization",
            "o-a1b2c3d4e5",
        ],
        "--organization",
        "Lambda",
    );
    assert_refused(
        &[
            "policy",
            "repo",
            "--access",
            "pull",
            "--organization",
            "o-AB",
        ],
        "--organization",
        "o-",
    );
    let neither = ecr_share(&["policy", "repo", "--access", "pull"]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&neither.stderr).contains("--account"));
}

/// Refused input: exit 2, nothing on standard output, one line on standard error that
/// names the flag and says what is wrong.
fn assert_refused(args: &[&str], flag: &str, says: &str) {
    let output = ecr_share(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?} printed a document");
    let line = stderr
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("{args:?}: no final newline: {stderr:?}"));
    assert!(
        !line.contains('\n'),
        "{args:?}: more than one line: {stderr:?}"
    );
    assert!(
        line.starts_with(&format!("ecr-share: {flag}: ")),
        "{args:?}: {line}"
    );
    assert!(line.contains(says), "{args:?}: {line}");
}

#[test]
fn bad_input_is_refused_on_one_line() {
    assert_refused(
        &["policy", "ecr-read", "--registry-account", "06757590136"],
        "--registry-account",
        "an account id has exactly 12 digits; this has 11",
    );
    assert_refused(
        &["policy", "ecr-read", "--registry-account", "0675759013ab"],
        "--registry-account",
        "only the digits 0-9, not 'a'",
    );
    assert_refused(
        &["policy", "ecr-read", "--registry-account", ""],
        "--registry-account",
        "enter the 12-digit AWS account id",
    );
    assert_refused(
        &[
            "policy",
            "ecr-read",
            "--registry-account",
            SEED_REGISTRY,
            "--region",
            "us-west-9",
        ],
        "--region",
        "'us-west-9' is not a region this tool knows",
    );
    assert_refused(
        &[
            "policy",
            "trust",
            "--account",
            SEED_DESTINATION,
            "--region",
            "US-EAST-1",
        ],
        "--region",
        "region names are lower case: us-east-1",
    );
    assert_refused(
        &["policy", "trust", "--account", "9999\n99999999"],
        "--account",
        "not '\\n'",
    );
    assert_refused(
        &[
            "policy",
            "trust",
            "--account",
            SEED_DESTINATION,
            "--region",
            "eu-\nwest-1",
        ],
        "--region",
        "'eu-\\nwest-1'",
    );
    assert_refused(
        &[
            "policy",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::1111:role/r",
        ],
        "--role-arn",
        "in the role ARN, an account id has exactly 12 digits",
    );
    assert_refused(
        &[
            "policy",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::111111111111:user/u",
        ],
        "--role-arn",
        "a role ARN looks like",
    );
    assert_refused(
        &[
            "policy",
            "assume-role",
            "--role-arn",
            "arn:aws-xx:iam::111111111111:role/r",
        ],
        "--role-arn",
        "'aws-xx' is not a partition",
    );
    assert_refused(
        &[
            "policy",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::111111111111:role/a b",
        ],
        "--role-arn",
        "not ' '",
    );
    assert_refused(
        &[
            "policy",
            "repo",
            "--access",
            "pull",
            "--account",
            GRANTEE,
            "--account",
            "12",
        ],
        "--account",
        "account 2 ('12'): an account id has exactly 12 digits; this has 2",
    );
    assert_refused(
        &[
            "policy",
            "repo",
            "--access",
            "pull",
            "--account",
            GRANTEE,
            "--account",
            "",
        ],
        "--account",
        "enter the 12-digit AWS account id",
    );
    assert_refused(
        &[
            "policy",
            "repo",
            "--access",
            "lambda",
            "--account",
            GRANTEE,
            "--region",
            "cn-north-9",
        ],
        "--region",
        "'cn-north-9' is not a region",
    );
}

#[test]
fn a_repository_policy_too_large_for_ecr_is_refused() {
    let accounts: Vec<String> = (0..400)
        .map(|n| format!("{:012}", 100_000_000 + n))
        .collect();
    let mut args = vec!["policy", "repo", "--access", "lambda"];
    for id in &accounts {
        args.extend(["--account", id.as_str()]);
    }
    assert_refused(
        &args,
        "--account",
        "a repository policy has at most 10240 characters",
    );

    // The same accounts fit as a plain pull grant up to the limit.
    let mut args = vec!["policy", "repo", "--access", "pull"];
    for id in &accounts[..250] {
        args.extend(["--account", id.as_str()]);
    }
    let policy = stdout_json(&ecr_share(&args));
    assert_eq!(
        policy["Statement"][0]["Principal"]["AWS"]
            .as_array()
            .map(Vec::len),
        Some(250)
    );
}

#[test]
fn usage_errors_exit_2_and_print_no_document() {
    for args in [
        &["policy", "repo", "--access", "pull"][..],
        &["policy", "repo", "--access", "read", "--account", GRANTEE],
        &["policy", "trust"],
        &[
            "policy",
            "ecr-read",
            "--registry-account",
            SEED_REGISTRY,
            "--bogus",
        ],
    ] {
        let output = ecr_share(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn help_and_version() {
    let help = ecr_share(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("Usage: ecr-share"), "{text}");
    assert!(text.contains("policy"), "{text}");

    let help = ecr_share(&["policy", "--help"]);
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for subcommand in ["ecr-read", "trust", "assume-role", "repo"] {
        assert!(text.contains(subcommand), "{subcommand}: {text}");
    }

    let version = ecr_share(&["--version"]);
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("ecr-share {}\n", env!("CARGO_PKG_VERSION"))
    );
}
