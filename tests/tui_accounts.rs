//! The accounts screen in front of each flow: profiles chosen from the AWS files,
//! each looked up as soon as it is chosen, the region from a list that typing
//! filters, a profile that does not exist marked; `--destination-profile`; and step 7
//! choosing the cluster from kubectl's contexts.

mod common;

use std::collections::HashMap;
use std::path::Path;

use clap::Parser;
use common::harness::{Harness, ScriptedRunner, press, render};
use ecr_share::aws::profiles;
use ecr_share::cli::Cli;
use ecr_share::core::flow::{FieldId, FlowId, Side};
use ecr_share::core::secret::{AccessKeyPair, Secret};
use ecr_share::tui::jobs::{Job, Output};
use ecr_share::tui::message::{Effect, Msg};
use ecr_share::tui::model::{App, Overlay, Screen, Tone};
use ecr_share::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const SOURCE: &str = "111111111111";
const DESTINATION: &str = "999999999999";

fn runner() -> ScriptedRunner {
    ScriptedRunner {
        accounts: HashMap::from([(Side::Source, SOURCE), (Side::Destination, DESTINATION)]),
        profiles: vec!["default", "dev", "prod", "receiver"],
        ..ScriptedRunner::default()
    }
}

/// The curated flow opened from the start screen with `prod` and `receiver` given
/// on the command line, every lookup answered.
async fn curated() -> Harness<ScriptedRunner> {
    let app = App::with_options(Some("prod".into()), Some("us-west-2".into()))
        .with_destination_profile(Some("receiver".into()));
    let mut wizard = Harness::new(app, runner());
    wizard.press(&[KeyCode::Enter]).await;
    wizard
}

fn started(wizard: &Harness<ScriptedRunner>) -> Vec<Job> {
    wizard.runner.started.lock().unwrap().clone()
}

#[tokio::test]
async fn entering_a_flow_shows_the_accounts_first_with_both_accounts_resolved() {
    let mut wizard = curated().await;
    assert_eq!(wizard.app.screen, Screen::Flow(FlowId::CuratedPackages));
    assert_eq!(wizard.app.curated.accounts_row, Some(0));
    let jobs = started(&wizard);
    assert!(jobs.contains(&Job::Profiles), "{jobs:?}");
    let mut looked_up: Vec<Option<String>> = jobs
        .iter()
        .filter_map(|job| match job {
            Job::Identity { target, .. } => Some(target.profile.clone()),
            _ => None,
        })
        .collect();
    looked_up.sort();
    assert_eq!(
        looked_up,
        [Some("prod".to_string()), Some("receiver".to_string())]
    );
    let screen = wizard.screen();
    assert!(screen.contains("Accounts"), "{screen}");
    assert!(
        screen.contains(&format!(
            "✓ account {SOURCE} (arn:aws:iam::{SOURCE}:user/admin)"
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("✓ account {DESTINATION}")),
        "{screen}"
    );
    assert!(screen.contains("4 profiles"), "{screen}");

    // Step 3 already knows the destination account: Enter goes on to step 1.
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(wizard.app.curated.accounts_row, None);
    assert_eq!(wizard.app.curated.step, 0);
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationAccount),
        DESTINATION
    );
    assert!(wizard.screen().contains("Step 1 of 8"));
}

#[tokio::test]
async fn the_accounts_screen_at_every_size() {
    let wizard = curated().await;
    for (width, height) in [(80, 24), (100, 30), (120, 36), (160, 45)] {
        let screen = render(&wizard.app, width, height);
        for needle in [
            "Source profile",
            "Destination profile",
            "Region",
            "us-west-2",
            "partition aws",
            &format!("arn:aws:iam::{SOURCE}:user/admin"),
            &format!("arn:aws:iam::{DESTINATION}:user/admin"),
        ] {
            assert!(
                screen.contains(needle),
                "{needle} at {width}x{height}:\n{screen}"
            );
        }
        assert!(!screen.contains('…'), "cut at {width}x{height}:\n{screen}");
        insta::assert_snapshot!(format!("accounts_curated_{width}x{height}"), screen);
    }
}

#[tokio::test]
async fn a_profile_is_chosen_from_the_files_and_looked_up_at_once() {
    let mut wizard = curated().await;
    wizard.press(&[KeyCode::Down, KeyCode::Char(' ')]).await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("space opens the list: {:?}", wizard.app.overlay);
    };
    let labels: Vec<&str> = chooser.visible().iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "environment / default chain",
            "default",
            "dev",
            "prod",
            "receiver"
        ]
    );
    let screen = wizard.screen();
    assert!(screen.contains("environment / default chain"), "{screen}");
    insta::assert_snapshot!("accounts_profile_list_80x24", render(&wizard.app, 80, 24));

    // Typing filters; q is a letter here, not quit.
    wizard.type_text("dq").await;
    assert!(!wizard.quit);
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("the list stays open while typing");
    };
    assert!(chooser.visible().is_empty());
    wizard.press(&[KeyCode::Backspace]).await;
    wizard.type_text("e").await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("the list stays open while typing");
    };
    let labels: Vec<&str> = chooser.visible().iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["environment / default chain", "default", "dev"]);
    wizard
        .press(&[KeyCode::Down, KeyCode::Down, KeyCode::Enter])
        .await;
    assert!(wizard.app.overlay.is_none());
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationProfile),
        "dev"
    );
    let last = started(&wizard).into_iter().last().unwrap();
    let Job::Identity { side, target, .. } = last else {
        panic!("the chosen profile is looked up at once: {last:?}");
    };
    assert_eq!(side, Side::Destination);
    assert_eq!(target.profile.as_deref(), Some("dev"));

    // The default chain is a choice of its own: the field is emptied.
    wizard
        .press(&[KeyCode::Char(' '), KeyCode::Up, KeyCode::Up, KeyCode::Enter])
        .await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationProfile),
        ""
    );
    let Some(Job::Identity { target, .. }) = started(&wizard).into_iter().last() else {
        panic!("the default chain is looked up too");
    };
    assert_eq!(target.profile, None);
}

#[tokio::test]
async fn a_profile_in_neither_file_is_marked_at_the_field() {
    let mut wizard = curated().await;
    wizard.press(&[KeyCode::Down, KeyCode::Char(' ')]).await;
    wizard.type_text("recieverr").await;
    let screen = wizard.screen();
    assert!(
        screen.contains("Enter takes “recieverr” as typed"),
        "{screen}"
    );
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::DestinationProfile),
        "recieverr"
    );
    let screen = wizard.screen();
    assert!(
        screen.contains(
            "✗ profile `recieverr` is in neither the AWS config nor the credentials file"
        ),
        "{screen}"
    );
    assert!(
        !screen.contains(&format!("✓ account {DESTINATION}")),
        "{screen}"
    );
}

#[test]
fn a_profile_that_failed_as_not_found_is_marked_on_its_step() {
    let mut app = App::with_options(Some("nowhere".into()), None);
    let effects = press(&mut app, &[KeyCode::Enter, KeyCode::Enter]);
    let (run, target) = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Start { run, job } => match job.as_ref() {
                Job::Identity {
                    side: Side::Source,
                    target,
                    ..
                } => Some((*run, target.clone())),
                _ => None,
            },
            _ => None,
        })
        .expect("the source profile is looked up");
    let error = profiles::not_found(
        "nowhere",
        Path::new("/home/op/.aws/config"),
        Path::new("/home/op/.aws/credentials"),
    );
    update(
        &mut app,
        Msg::Output {
            run,
            output: Output::Identity {
                flow: FlowId::CuratedPackages,
                side: Side::Source,
                profile: target.profile,
                result: Err(error),
                region: None,
            },
        },
    );
    let screen = render(&app, 120, 40);
    assert!(screen.contains("✗ profile `nowhere` is in"), "{screen}");
}

#[tokio::test]
async fn the_region_is_chosen_from_the_known_regions_and_typing_filters() {
    let mut wizard = curated().await;
    wizard
        .press(&[KeyCode::Down, KeyCode::Down, KeyCode::Tab])
        .await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("Tab opens the region list: {:?}", wizard.app.overlay);
    };
    assert_eq!(chooser.field, FieldId::Region);
    assert_eq!(
        chooser.taken().as_deref(),
        Some("us-west-2"),
        "the current one"
    );
    assert!(chooser.visible().len() > 30);
    wizard.type_text("eu-c").await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("the list stays open while typing");
    };
    let names: Vec<&str> = chooser.visible().iter().map(|c| c.value.as_str()).collect();
    assert_eq!(names, ["eu-central-1", "eu-central-2"]);
    wizard.press(&[KeyCode::Down, KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::Region),
        "eu-central-2"
    );
    // Both profiles are looked up again in the new region.
    let regions: Vec<Option<String>> = started(&wizard)
        .iter()
        .rev()
        .take(2)
        .filter_map(|job| match job {
            Job::Identity { target, .. } => Some(target.region.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        regions,
        [Some("eu-central-2".into()), Some("eu-central-2".into())]
    );

    // Other partitions say which they are in; Esc closes the list and changes nothing.
    wizard.press(&[KeyCode::Char(' ')]).await;
    wizard.type_text("cn-north").await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("the list is open");
    };
    assert_eq!(chooser.visible()[0].label, "cn-north-1 (aws-cn)");
    wizard.press(&[KeyCode::Esc]).await;
    assert!(wizard.app.overlay.is_none());
    assert_eq!(
        wizard.app.curated.form.text(FieldId::Region),
        "eu-central-2"
    );

    // A region pasted from the console filters the list as typing does; its other
    // lines never act as keys.
    wizard.press(&[KeyCode::Char(' ')]).await;
    wizard.send(Msg::Paste(" ap-southeast-4\nq\n".into())).await;
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("a paste keeps the list open: {:?}", wizard.app.overlay);
    };
    let names: Vec<&str> = chooser.visible().iter().map(|c| c.value.as_str()).collect();
    assert_eq!(names, ["ap-southeast-4"]);
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::Region),
        "ap-southeast-4"
    );
}

#[tokio::test]
async fn the_repository_flow_asks_for_its_one_profile() {
    let app = App::with_options(Some("prod".into()), Some("us-east-1".into()));
    let mut wizard = Harness::new(app, runner());
    wizard.press(&[KeyCode::Down, KeyCode::Enter]).await;
    assert_eq!(wizard.app.repository.accounts_row, Some(0));
    let screen = wizard.screen();
    assert!(screen.contains("ECR repository › Accounts"), "{screen}");
    assert!(screen.contains("runs every step"), "{screen}");
    assert!(!screen.contains("Destination profile"), "{screen}");
    insta::assert_snapshot!("accounts_repository_80x24", render(&wizard.app, 80, 24));
    // The last line is the region: ↓ stops there.
    wizard
        .press(&[KeyCode::Down, KeyCode::Down, KeyCode::Down])
        .await;
    assert_eq!(wizard.app.repository.accounts_row, Some(1));
    wizard.press(&[KeyCode::Enter]).await;
    assert!(wizard.screen().contains("Step 1 of 3"));
}

#[tokio::test]
async fn a_comes_back_to_the_accounts_and_esc_there_goes_to_the_start() {
    let mut wizard = curated().await;
    wizard.press(&[KeyCode::Enter, KeyCode::Char('4')]).await;
    assert_eq!(wizard.app.curated.step, 3);
    let before = started(&wizard).len();
    wizard.press(&[KeyCode::Char('a')]).await;
    assert_eq!(wizard.app.curated.accounts_row, Some(0));
    assert_eq!(
        started(&wizard)[before..],
        [Job::Profiles],
        "the files are read again; unchanged profiles are not looked up again"
    );
    // Enter goes back to the step it was left at.
    wizard.press(&[KeyCode::Enter]).await;
    assert_eq!(wizard.app.curated.step, 3);
    wizard.press(&[KeyCode::Char('a'), KeyCode::Esc]).await;
    assert_eq!(wizard.app.screen, Screen::Menu);
}

#[test]
fn unreadable_profile_files_are_said_on_the_accounts_screen() {
    let mut app = App::new();
    let effects = press(&mut app, &[KeyCode::Enter]);
    let run = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Start { run, job } if **job == Job::Profiles => Some(*run),
            _ => None,
        })
        .expect("the profile names are read");
    assert!(render(&app, 80, 24).contains("Reading the profiles"));
    let error = ecr_share::aws::CallError::new(
        profiles::OPERATION,
        Some(profiles::PROFILE_FILE_UNREADABLE),
        "could not parse /home/op/.aws/config: line 3 is not a section",
    );
    update(
        &mut app,
        Msg::Output {
            run,
            output: Output::Profiles(Err(error)),
        },
    );
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("✗ The AWS profiles cannot be read: could not parse"),
        "{screen}"
    );
}

#[test]
fn destination_profile_is_an_option_of_the_wizard() {
    let cli = Cli::try_parse_from(["ecr-share", "--destination-profile", "receiver"]).unwrap();
    assert_eq!(cli.destination_profile.as_deref(), Some("receiver"));
    assert!(cli.command.is_none());
    let app = App::with_options(None, None).with_destination_profile(cli.destination_profile);
    assert_eq!(
        app.curated.form.text(FieldId::DestinationProfile),
        "receiver"
    );
    assert_eq!(app.curated.form.text(FieldId::SourceProfile), "");
    assert_eq!(app.repository.form.text(FieldId::Profile), "");
}

/// The curated flow on step 7, with step 5's key in hand.
async fn on_step_7(contexts: Vec<&'static str>) -> Harness<ScriptedRunner> {
    let mut wizard = curated().await;
    wizard.runner.contexts = contexts;
    wizard.press(&[KeyCode::Enter]).await;
    wizard.app.curated.form.access_key = Some(AccessKeyPair {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    });
    wizard.press(&[KeyCode::Char('7')]).await;
    let screen = wizard.screen();
    assert!(
        screen.contains("empty: x lists kubectl's contexts"),
        "{screen}"
    );
    wizard
}

#[tokio::test]
async fn step_7_chooses_the_cluster_from_kubectls_contexts() {
    let mut wizard = on_step_7(vec!["admin@prod", "kind-dev"]).await;
    wizard.press(&[KeyCode::Char('x')]).await;
    assert_eq!(started(&wizard).last(), Some(&Job::KubeContexts));
    let Some(Overlay::Choose(chooser)) = &wizard.app.overlay else {
        panic!("the contexts are offered: {:?}", wizard.app.overlay);
    };
    assert_eq!(chooser.field, FieldId::KubeContext);
    assert!(wizard.screen().contains("Kube contexts (2)"));
    wizard.press(&[KeyCode::Down, KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::KubeContext),
        "kind-dev"
    );
    wizard.press(&[KeyCode::Char('x')]).await;
    let Some(Overlay::Confirm(confirm)) = &wizard.app.overlay else {
        panic!("applying asks first: {:?}", wizard.app.overlay);
    };
    let Job::Kubectl { context, .. } = &confirm.job else {
        panic!("{:?}", confirm.job);
    };
    assert_eq!(context.as_deref(), Some("kind-dev"));
}

#[tokio::test]
async fn step_7_without_a_cluster_says_so_and_where_the_manifest_goes() {
    let mut wizard = on_step_7(Vec::new()).await;
    wizard.press(&[KeyCode::Char('x')]).await;
    assert!(
        wizard.app.overlay.is_none(),
        "nothing to choose, nothing to run"
    );
    assert!(
        !started(&wizard)
            .iter()
            .any(|job| matches!(job, Job::Kubectl { .. })),
        "kubectl apply is not tried without a cluster"
    );
    let status = wizard.app.status.clone().unwrap();
    assert_eq!(status.tone, Tone::Error);
    assert!(
        status.text.contains("kubectl knows no cluster"),
        "{}",
        status.text
    );
    assert!(status.text.contains("s saves it"), "{}", status.text);
}

#[test]
fn destination_profile_before_a_subcommand_is_refused_with_a_reason() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecr-share"))
        .args([
            "--destination-profile",
            "receiver",
            "policy",
            "trust",
            "--account",
            "999999999999",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--destination-profile before a subcommand is the wizard's"),
        "{stderr}"
    );
}

#[tokio::test]
async fn hostile_profile_names_are_shown_escaped() {
    let mut wizard = Harness::new(
        App::new(),
        ScriptedRunner {
            profiles: vec!["evil\u{1b}[2J"],
            ..ScriptedRunner::default()
        },
    );
    wizard.press(&[KeyCode::Enter, KeyCode::Char(' ')]).await;
    let screen = wizard.screen();
    assert!(screen.contains("evil\\x1b[2J"), "{screen}");
    assert!(!screen.contains('\u{1b}'), "{screen}");
    // Taken, it is the name as the files hold it.
    wizard.press(&[KeyCode::Down, KeyCode::Enter]).await;
    assert_eq!(
        wizard.app.curated.form.text(FieldId::SourceProfile),
        "evil\u{1b}[2J"
    );
    assert!(!wizard.screen().contains('\u{1b}'));
}
