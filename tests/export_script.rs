//! The scripts `curated export` writes, without AWS: their exact text for fixed
//! accounts (snapshots), that bash parses them and ShellCheck finds nothing, that
//! every `aws` command in them names its profile and region, and that odd but valid
//! profile names stay one quoted word.

use std::path::PathBuf;
use std::process::Command;

use ecr_share::aws::Target;
use ecr_share::core::flow::{FieldId, FlowId, Form, Side};
use ecr_share::core::validate::AccountId;
use ecr_share::procedure::Sides;
use ecr_share::procedure::export::{
    APPLY_SCRIPT, ExportFile, ExportOptions, TEARDOWN_SCRIPT, export,
};

const SOURCE: &str = "111111111111";
const DESTINATION: &str = "999999999999";
const REGION: &str = "us-west-2";

/// The export of the procedure with these profiles, for fixed accounts.
fn files(source_profile: &str, destination_profile: &str) -> Vec<ExportFile> {
    let mut form = Form::new(FlowId::CuratedPackages);
    form.set(FieldId::Region, REGION);
    form.set(
        FieldId::SubscriptionId,
        "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
    );
    form.set(FieldId::ConfigPath, "/home/operator/eksa/eksa-aws-config");
    let source = AccountId::parse(SOURCE).unwrap();
    let destination = AccountId::parse(DESTINATION).unwrap();
    form.resolved.insert(Side::Source, source.clone());
    form.resolved.insert(Side::Destination, destination.clone());
    let region = Some(REGION.to_string());
    let mut sides = Sides::new();
    sides.insert(
        Side::Source,
        Target::new(Some(source_profile.into()), region.clone()),
        Ok(source),
    );
    sides.insert(
        Side::Destination,
        Target::new(Some(destination_profile.into()), region),
        Ok(destination),
    );
    export(
        &form,
        &sides,
        ExportOptions {
            manifest_path: "/home/operator/eksa/aws-secret.yaml",
            registry_note: "registry account 346438352937 (346438352937.dkr.ecr.us-west-2.amazonaws.com) from the table of production registries for the region",
        },
    )
    .unwrap()
}

fn script(files: &[ExportFile], name: &str) -> String {
    files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("the export has {name}"))
        .contents
        .clone()
}

/// The scripts written to a folder of their own, for tools that read files.
fn written(files: &[ExportFile]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = [APPLY_SCRIPT, TEARDOWN_SCRIPT]
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::write(&path, script(files, name)).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

#[test]
fn apply_sh_for_fixed_accounts() {
    insta::assert_snapshot!(script(
        &files("subscription-owner", "cluster-account"),
        APPLY_SCRIPT
    ));
}

#[test]
fn teardown_sh_for_fixed_accounts() {
    insta::assert_snapshot!(script(
        &files("subscription-owner", "cluster-account"),
        TEARDOWN_SCRIPT
    ));
}

#[test]
fn bash_parses_both_scripts() {
    for profiles in [
        ("subscription-owner", "cluster-account"),
        ("o'brien$(id)", "\"quoted\"`id`;\\"),
    ] {
        let (_dir, paths) = written(&files(profiles.0, profiles.1));
        for path in paths {
            let output = Command::new("bash").arg("-n").arg(&path).output().unwrap();
            assert!(
                output.status.success(),
                "{profiles:?} {}: {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// ShellCheck, from `ECR_SHARE_TEST_SHELLCHECK` or the PATH (`scripts/test.sh`
/// installs it when missing); its absence fails the test.
#[test]
fn shellcheck_finds_nothing() {
    let shellcheck =
        std::env::var("ECR_SHARE_TEST_SHELLCHECK").unwrap_or_else(|_| "shellcheck".into());
    let (_dir, paths) = written(&files("subscription-owner", "cluster-account"));
    let output = Command::new(&shellcheck)
        .args(&paths)
        .output()
        .unwrap_or_else(|error| {
            panic!("{shellcheck} cannot run ({error}); run the suite with scripts/test.sh, which installs it")
        });
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every `aws` command of a script, as its words: the script's lines with their
/// continuations joined, comments included (a command named in a comment is meant
/// to be pasted), split as the shell splits them, and the words of any quoted
/// message that names a command split again.
fn aws_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut commands = Vec::new();
    for line in joined.lines() {
        let line = line.trim_start().trim_start_matches('#');
        if !line.contains("aws ") {
            continue;
        }
        // The multi-line strings (the config file, the manifest) name no command.
        let Ok(words) = shell_words::split(line) else {
            continue;
        };
        collect_commands(&words, &mut commands);
    }
    commands
}

fn collect_commands(words: &[String], commands: &mut Vec<Vec<String>>) {
    for (at, word) in words.iter().enumerate() {
        let service = words.get(at + 1).map(String::as_str);
        if (word == "aws" || word.ends_with("(aws"))
            && matches!(service, Some("iam" | "sts" | "eks"))
        {
            commands.push(words[at..].to_vec());
        } else if word.contains("aws ")
            && let Ok(inner) = shell_words::split(word)
        {
            collect_commands(&inner, commands);
        }
    }
}

fn option<'a>(command: &'a [String], name: &str) -> Option<&'a str> {
    command
        .iter()
        .position(|word| word == name)
        .and_then(|at| command.get(at + 1))
        .map(String::as_str)
}

/// What marks a command as one about the source account's entities.
const SOURCE_MARKS: [&str; 4] = [
    SOURCE,
    "--role-name",
    "file://curated-packages-policy.json",
    "describe-eks-anywhere-subscription",
];
/// What marks a command as one about the destination account's entities.
const DESTINATION_MARKS: [&str; 3] = [
    DESTINATION,
    "--user-name",
    "file://curated-packages-assume-role-policy.json",
];

#[test]
fn every_aws_command_names_the_profile_and_region_of_its_account() {
    for (source_profile, destination_profile) in [
        ("subscription-owner", "cluster-account"),
        ("o'brien$(id)", "\"quoted\"`id`;\\"),
    ] {
        let files = files(source_profile, destination_profile);
        for name in [APPLY_SCRIPT, TEARDOWN_SCRIPT] {
            let text = script(&files, name);
            let commands = aws_commands(&text);
            let mentioned = ["aws iam ", "aws sts ", "aws eks "]
                .iter()
                .map(|call| text.matches(call).count())
                .sum::<usize>();
            assert_eq!(
                commands.len(),
                mentioned,
                "{name}: every command is found\n{commands:#?}"
            );
            assert!(commands.len() >= 10, "{name}: {}", commands.len());
            for command in &commands {
                let profile = option(command, "--profile")
                    .unwrap_or_else(|| panic!("{name}: no --profile in {command:?}"));
                assert_eq!(
                    option(command, "--region"),
                    Some(REGION),
                    "{name}: {command:?}"
                );
                // A command about an entity of one account runs with that account's
                // profile.
                let text = command.join(" ");
                let names = |markers: &[&str]| markers.iter().any(|m| text.contains(m));
                let expected = if names(&SOURCE_MARKS) {
                    source_profile
                } else if names(&DESTINATION_MARKS) {
                    destination_profile
                } else {
                    assert_eq!(command[1], "sts", "{name}: {command:?}");
                    profile
                };
                assert_eq!(profile, expected, "{name}: {command:?}");
            }
            // Both accounts are checked before anything else.
            let identity: Vec<&str> = commands
                .iter()
                .filter(|c| c[1] == "sts")
                .filter_map(|c| option(c, "--profile"))
                .collect();
            assert_eq!(identity, [source_profile, destination_profile], "{name}");
        }
    }
}

#[test]
fn the_creating_calls_come_in_the_order_of_the_procedure_and_carry_the_tags() {
    let files = files("subscription-owner", "cluster-account");
    let apply = aws_commands(&script(&files, APPLY_SCRIPT));
    let calls: Vec<String> = apply
        .iter()
        .filter(|c| c[1] == "iam" && !c[2].starts_with("get-") && !c[2].starts_with("list-"))
        .map(|c| c[2].clone())
        .collect();
    assert_eq!(
        calls,
        [
            "create-policy",
            "create-role",
            "attach-role-policy",
            "create-policy",
            "create-user",
            "attach-user-policy",
            "create-access-key"
        ]
    );
    for command in apply
        .iter()
        .filter(|c| c[2] != "create-access-key" && c[2].starts_with("create-"))
    {
        assert_eq!(
            option(command, "--tags"),
            Some("file://ownership-tags.json"),
            "{command:?}"
        );
    }
    let teardown = aws_commands(&script(&files, TEARDOWN_SCRIPT));
    let calls: Vec<String> = teardown
        .iter()
        .filter(|c| c[2].starts_with("delete-") || c[2].starts_with("detach-"))
        .map(|c| c[2].clone())
        .collect();
    assert_eq!(
        calls,
        [
            "delete-access-key",
            "detach-user-policy",
            "delete-user",
            "delete-policy-version",
            "delete-policy",
            "detach-role-policy",
            "delete-role",
            "delete-policy-version",
            "delete-policy"
        ]
    );
}

#[test]
fn the_documents_are_read_from_the_scripts_folder() {
    let files = files("subscription-owner", "cluster-account");
    let apply = script(&files, APPLY_SCRIPT);
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    let mut referenced = 0;
    for word in apply.split_whitespace() {
        if let Some(name) = word.strip_prefix("file://") {
            assert!(names.contains(&name), "{name} is one of the files");
            assert!(!name.contains('/'), "{name} is beside the script");
            referenced += 1;
        }
    }
    assert_eq!(referenced, 3 + 4, "three documents, four tagged creations");
    assert!(apply.contains("cd -- \"$(dirname -- \"${BASH_SOURCE[0]}\")\""));
}
