//! Every command the wizard shows or copies is runnable as printed: it parses as shell
//! words, and each `aws` command in it names the profile and region of the step that
//! shows it. Also: step 5's `c` never hands out a masked secret or the help line, and
//! the repository's own account is refused as a grantee.

mod common;

use common::harness::{answer_identities, press};
use ecr_share::aws::iam::{self, AccessKeyInfo};
use ecr_share::core::documents::{self, DocumentKind, Language};
use ecr_share::core::flow::{FLOWS, FieldId, FlowId};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::core::validate::{IamKind, IamName};
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Overlay, Screen, Tone};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;

/// The commands of a shell text: continued lines joined, blank lines and comments
/// left out, each split into words as a POSIX shell does. Panics on one that does
/// not parse.
fn commands(text: &str) -> Vec<Vec<String>> {
    text.replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            shell_words::split(line)
                .unwrap_or_else(|error| panic!("{line:?} does not parse as shell words: {error}"))
        })
        .collect()
}

/// The value given to an option, when the command has it once; panics when twice.
fn option<'a>(words: &'a [String], name: &str) -> Option<&'a str> {
    let places: Vec<usize> = words
        .iter()
        .enumerate()
        .filter(|(_, word)| *word == name)
        .map(|(at, _)| at)
        .collect();
    assert!(places.len() <= 1, "{name} given twice in {words:?}");
    places
        .first()
        .map(|at| words.get(at + 1).expect("the option has a value").as_str())
}

/// Checks every `aws` command of a shell text against the profile and region it
/// must act with; returns how many it checked.
fn assert_aws_targets(text: &str, profile: Option<&str>, region: &str) -> usize {
    let mut checked = 0;
    for words in commands(text) {
        if words.first().map(String::as_str) != Some("aws") {
            continue;
        }
        assert_eq!(option(&words, "--profile"), profile, "{words:?}\n{text}");
        assert_eq!(
            option(&words, "--region"),
            Some(region),
            "{words:?}\n{text}"
        );
        checked += 1;
    }
    checked
}

/// The `aws ...` command a hint gives in parentheses, split into words.
fn hinted_command(hint: &str) -> Vec<String> {
    let start = hint
        .find("(aws ")
        .unwrap_or_else(|| panic!("no command in {hint:?}"));
    let end = start + hint[start..].find(')').expect("the command is closed");
    let mut found = commands(&hint[start + 1..end]);
    assert_eq!(found.len(), 1, "{hint}");
    found.remove(0)
}

fn open(app: &mut App, flow: FlowId) -> Vec<Effect> {
    if flow == FlowId::RepositorySharing {
        press(app, &[KeyCode::Down]);
    }
    let mut effects = press(app, &[KeyCode::Enter]);
    assert_eq!(app.screen, Screen::Flow(flow));
    // The accounts screen comes first; Enter goes on to step 1.
    effects.extend(press(app, &[KeyCode::Enter]));
    assert_eq!(app.flow(flow).accounts_row, None);
    effects
}

/// The text `c` copies, which must be exactly one copy.
fn copied(app: &mut App) -> String {
    let effects = press(app, &[KeyCode::Char('c')]);
    match effects.as_slice() {
        [Effect::Copy { text, .. }] => text.clone(),
        other => panic!("expected one copy, got {other:?}"),
    }
}

/// Walks every step of a flow and checks each shell document it shows, as shown and
/// as copied; returns how many `aws` commands were checked.
fn check_every_shell_document(app: &mut App, flow: FlowId, region: &str) -> usize {
    let steps = ecr_share::core::flow::FlowSpec::get(flow).steps;
    let mut checked = 0;
    for (index, step) in steps.iter().enumerate() {
        let digit = char::from_digit(u32::try_from(index + 1).unwrap(), 10).unwrap();
        press(app, &[KeyCode::Char(digit)]);
        assert_eq!(app.flow(flow).step, index);
        let profile = app.flow(flow).form.profile(step.side);
        for (at, kind) in step.documents.iter().enumerate() {
            if kind.language() != Language::Shell {
                continue;
            }
            app.flow_mut(flow).document = at;
            assert_eq!(app.flow(flow).document_kind(), *kind);
            let shown = app.flow(flow).form.document(*kind);
            let copy = copied(app);
            assert_eq!(
                shown, copy,
                "{}: what is copied is what is shown",
                step.title
            );
            let in_shown = assert_aws_targets(&shown, profile.as_deref(), region);
            assert_eq!(
                in_shown,
                assert_aws_targets(&copy, profile.as_deref(), region)
            );
            checked += in_shown;
        }
        app.flow_mut(flow).document = 0;
    }
    checked
}

#[test]
fn every_shown_command_parses_and_names_the_steps_profile_and_region() {
    // Names with a quote in them come out as one word too.
    for profile in [None, Some("ops-prod"), Some("o'brien")] {
        for flow in FLOWS {
            let mut app = App::new();
            open(&mut app, flow);
            let form = &mut app.flow_mut(flow).form;
            form.set(FieldId::Region, "eu-west-1");
            match flow {
                FlowId::CuratedPackages => {
                    form.set(
                        FieldId::SubscriptionId,
                        "5c1f6c1e-2b50-4b0c-9d49-52b1a3c1e001",
                    );
                    if let Some(profile) = profile {
                        form.set(FieldId::SourceProfile, profile);
                        form.set(FieldId::DestinationProfile, format!("{profile}-dest"));
                    }
                }
                FlowId::RepositorySharing => {
                    form.set(FieldId::Repository, "team/app");
                    form.set(FieldId::Grantees, "222222222222");
                    if let Some(profile) = profile {
                        form.set(FieldId::Profile, profile);
                    }
                }
            }
            let checked = check_every_shell_document(&mut app, flow, "eu-west-1");
            // Step 1's describe command; the repository's current-policy command and
            // the two commands of its aws CLI equivalent.
            let expected = match flow {
                FlowId::CuratedPackages => 1,
                FlowId::RepositorySharing => 3,
            };
            assert_eq!(checked, expected, "{flow:?} with {profile:?}");
        }
    }
}

#[test]
fn step_1_runs_with_the_source_profile_and_the_subscription_as_given() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    let form = &mut app.curated.form;
    form.set(FieldId::SourceProfile, "source");
    form.set(FieldId::DestinationProfile, "destination");
    form.set(FieldId::Region, "us-east-2");
    form.set(
        FieldId::SubscriptionId,
        "5c1f6c1e-2b50-4b0c-9d49-52b1a3c1e001",
    );
    let text = app
        .curated
        .form
        .export(DocumentKind::DescribeSubscriptionCommand);
    let words = commands(&text).remove(0);
    assert_eq!(
        words,
        [
            "aws",
            "eks",
            "describe-eks-anywhere-subscription",
            "--profile",
            "source",
            "--region",
            "us-east-2",
            "--id",
            "5c1f6c1e-2b50-4b0c-9d49-52b1a3c1e001",
            "--query",
            "subscription.packageRegistry",
        ]
    );
}

#[test]
fn a_profile_name_that_does_not_validate_never_reaches_a_command() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    app.repository.form.set(FieldId::Profile, "two words");
    let text = app
        .repository
        .form
        .document(DocumentKind::RepositoryPolicyCommand);
    assert!(!text.contains("two words"), "{text}");
    assert_eq!(
        assert_aws_targets(&text, Some("<PROFILE>"), "us-east-1"),
        1,
        "{text}"
    );
}

#[test]
fn the_new_cluster_instruction_parses_with_any_config_path() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    app.curated
        .form
        .set(FieldId::ConfigPath, "/home/op/it's here/config");
    let text = app.curated.form.export(DocumentKind::NewClusterInstruction);
    let all = commands(&text);
    assert_eq!(
        all[0],
        ["export", "EKSA_AWS_CONFIG_FILE=/home/op/it's here/config"]
    );
    assert!(all.iter().all(|words| !words.is_empty()));
}

#[test]
fn the_delete_key_hint_of_step_5_names_the_destination_profile_and_region() {
    let mut app = App::new();
    let effects = open(&mut app, FlowId::CuratedPackages);
    answer_identities(&mut app, effects, "111111111111", "999999999999");
    let form = &mut app.curated.form;
    form.set(FieldId::SourceProfile, "source");
    form.set(FieldId::DestinationProfile, "destination");
    form.set(FieldId::Region, "eu-west-1");
    // The changed profiles are looked up again when the step changes.
    let effects = press(&mut app, &[KeyCode::Char('5')]);
    answer_identities(&mut app, effects, "111111111111", "999999999999");
    let effects = press(&mut app, &[KeyCode::Char('x')]);
    let [Effect::Start { run, job }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(matches!(job.as_ref(), Job::ListKeys { .. }), "{job:?}");
    update(
        &mut app,
        Msg::Output {
            run: *run,
            output: Output::Keys {
                user: IamName::parse(IamKind::User, "curated-packages-user").unwrap(),
                keys: vec![AccessKeyInfo {
                    id: "AKIAOLDKEY0000000000".into(),
                    status: "Active".into(),
                    created: None,
                }],
            },
        },
    );
    let Some(Overlay::Confirm(confirm)) = &app.overlay else {
        panic!("expected a confirmation, found {:?}", app.overlay);
    };
    let hint = confirm
        .problems
        .iter()
        .find(|p| p.contains("delete-access-key"))
        .unwrap_or_else(|| panic!("{:?}", confirm.problems));
    let words = hinted_command(hint);
    assert_eq!(
        &words[..3],
        ["aws", "iam", "delete-access-key"],
        "{words:?}"
    );
    assert_eq!(option(&words, "--user-name"), Some("curated-packages-user"));
    assert_eq!(
        option(&words, "--access-key-id"),
        Some("AKIAOLDKEY0000000000")
    );
    assert_eq!(option(&words, "--profile"), Some("destination"));
    assert_eq!(option(&words, "--region"), Some("eu-west-1"));
}

#[test]
fn the_key_limit_hint_names_the_profile_and_region_it_is_given() {
    let user = IamName::parse(IamKind::User, "curated-packages-user").unwrap();
    let keys = vec![
        AccessKeyInfo {
            id: "AKIAFIRST00000000000".into(),
            status: "Active".into(),
            created: None,
        },
        AccessKeyInfo {
            id: "AKIASECOND0000000000".into(),
            status: "Inactive".into(),
            created: None,
        },
    ];
    for profile in [None, Some("dest prod")] {
        let options = documents::aws_target_options(profile, "ap-south-1");
        let hint = iam::key_limit_message(&user, &keys, &options);
        let words = hinted_command(&hint);
        assert_eq!(&words[..3], ["aws", "iam", "delete-access-key"]);
        assert_eq!(option(&words, "--profile"), profile);
        assert_eq!(option(&words, "--region"), Some("ap-south-1"));
        assert_eq!(
            option(&words, "--access-key-id"),
            Some("AKIAFIRST00000000000")
        );
    }
}

fn with_key(app: &mut App) -> &'static str {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new(secret),
    });
    secret
}

#[test]
fn step_5_copies_nothing_while_the_secret_is_masked() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    let secret = with_key(&mut app);
    press(&mut app, &[KeyCode::Char('5')]);
    assert_eq!(app.curated.document_kind(), DocumentKind::AccessKey);
    assert_eq!(press(&mut app, &[KeyCode::Char('c')]), Vec::<Effect>::new());
    let status = app.status.clone().expect("a message says why");
    assert_eq!(status.tone, Tone::Info);
    assert!(
        status.text.contains("reveal with r first"),
        "{}",
        status.text
    );
    assert!(
        status.text.contains("Y copies the secret alone"),
        "{}",
        status.text
    );
    assert!(!status.text.contains(secret));
    // The key lines and their keys are still shown, the secret masked.
    let shown = app.curated.form.document(DocumentKind::AccessKey);
    assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"), "{shown}");
    assert!(shown.contains("r reveals or hides the secret"), "{shown}");
    assert!(!shown.contains(secret), "{shown}");
}

#[test]
fn step_5_revealed_copies_the_key_lines_and_never_the_help_line() {
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    let secret = with_key(&mut app);
    press(&mut app, &[KeyCode::Char('5'), KeyCode::Char('r')]);
    assert!(app.curated.form.reveal_secret);
    let text = copied(&mut app);
    assert_eq!(
        text,
        format!("Access key id:     AKIAIOSFODNN7EXAMPLE\nSecret access key: {secret}\n")
    );
    assert!(!text.contains("reveals"), "{text}");
    // Before a key exists there is no secret to hold back: c copies the note.
    let mut app = App::new();
    open(&mut app, FlowId::CuratedPackages);
    press(&mut app, &[KeyCode::Char('5')]);
    assert!(copied(&mut app).starts_with("No key yet."));
}

#[test]
fn the_repositorys_own_account_is_refused_as_a_grantee() {
    let mut app = App::new();
    let effects = open(&mut app, FlowId::RepositorySharing);
    answer_identities(&mut app, effects, "123456789012", "123456789012");
    let form = &mut app.repository.form;
    form.set(FieldId::Grantees, "222222222222, 123456789012");
    let refused = form.check(FieldId::Grantees).unwrap_err();
    assert_eq!(
        refused.0,
        "account 123456789012 owns the repository; its own IAM policies decide its access — grant other accounts"
    );
    assert!(form.grantees().is_err());
    let policy = form.document(DocumentKind::RepositoryPolicy);
    assert!(!policy.contains("123456789012"), "{policy}");
    // The reason is shown at the field.
    press(&mut app, &[KeyCode::Char('2')]);
    let screen = common::harness::render(&app, 160, 45);
    assert!(
        screen.contains("account 123456789012 owns the repository"),
        "{screen}"
    );
    // Other accounts alone are fine.
    app.repository.form.set(FieldId::Grantees, "222222222222");
    assert!(app.repository.form.check(FieldId::Grantees).is_ok());
}

#[test]
fn an_own_account_is_only_known_once_the_profile_resolved() {
    let mut app = App::new();
    open(&mut app, FlowId::RepositorySharing);
    app.repository.form.set(FieldId::Grantees, "123456789012");
    assert!(app.repository.form.check(FieldId::Grantees).is_ok());
}

fn ecr_share(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ecr-share"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_binary_prints_a_completion_script_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = ecr_share(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(!script.trim().is_empty(), "{shell}");
        for name in [
            "grant",
            "revoke",
            "curated",
            "policy",
            "completions",
            "man",
            "audit",
            "lint",
            "teardown",
            "rotate-key",
            "verify",
            "export",
        ] {
            assert!(script.contains(name), "{shell} script lacks {name}");
        }
        // Each subcommand's flags are defined only when it is named; completion
        // scripts still hold them all.
        for flag in [
            "subscription-id",
            "detach-foreign",
            "concurrency",
            "organization",
        ] {
            assert!(script.contains(flag), "{shell} script lacks --{flag}");
        }
    }
    let refused = ecr_share(&["completions", "tcsh"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("bash, elvish, fish, powershell, zsh"),
        "{message}"
    );
}

#[test]
fn the_binary_prints_its_manual_page_in_roff() {
    let output = ecr_share(&["man"]);
    assert!(output.status.success(), "{output:?}");
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH ecr-share 1"), "{page}");
    assert!(page.contains(".SH SYNOPSIS"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for name in [
        "grant",
        "revoke",
        "curated",
        "policy",
        "completions",
        "audit",
        "lint",
    ] {
        assert!(
            page.contains(&format!("ecr\\-share\\-{name}(1)")),
            "the page lacks {name}"
        );
    }
}
