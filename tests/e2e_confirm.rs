//! `ecr-share grant` and `ecr-share revoke` say, before the diff and the question,
//! who gains or loses what on which repository in which account.

mod common;

use aws_sdk_ecr::config::{BehaviorVersion, Credentials, Region};
use common::{DESTINATION_ACCOUNT, Moto, SOURCE_ACCOUNT, stderr, stdout};

fn run(profiles: &common::Profiles, args: &[&str]) -> String {
    let mut all = vec!["--profile", "source", "--region", "us-east-1"];
    all.extend_from_slice(args);
    let output = profiles.run(&all);
    assert!(
        output.status.success(),
        "ecr-share {}\n--- stdout\n{}--- stderr\n{}",
        all.join(" "),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

#[test]
fn grant_and_revoke_say_who_gains_and_loses_what_before_the_diff() {
    let (moto, _dir, profiles) = Moto::start_with_profiles();
    let config = aws_sdk_ecr::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&moto.url)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        aws_sdk_ecr::Client::from_conf(config)
            .create_repository()
            .repository_name("team/app")
            .send()
            .await
            .unwrap();
    });
    let grant = [
        "grant",
        "--repository",
        "team/app",
        "--access",
        "pull-push",
        "--account",
        DESTINATION_ACCOUNT,
    ];

    let dry = run(&profiles, &[&grant[..], &["--dry-run"]].concat());
    let gains = format!(
        "  account {DESTINATION_ACCOUNT} gains pull and push on team/app in account {SOURCE_ACCOUNT} (profile source)"
    );
    let at = dry.find(&gains).unwrap_or_else(|| panic!("{dry}"));
    let diff = dry
        .find("+++ new policy")
        .unwrap_or_else(|| panic!("{dry}"));
    assert!(at < diff, "the sentence comes before the diff:\n{dry}");

    run(&profiles, &[&grant[..], &["--yes"]].concat());
    let revoke = run(
        &profiles,
        &[
            "revoke",
            "--repository",
            "team/app",
            "--account",
            DESTINATION_ACCOUNT,
            "--dry-run",
        ],
    );
    assert!(
        revoke.contains(&format!(
            "  account {DESTINATION_ACCOUNT} loses pull and push on team/app in account {SOURCE_ACCOUNT} (profile source)"
        )),
        "{revoke}"
    );
    assert!(
        revoke.contains("  team/app is left without a policy (no statement remains)"),
        "{revoke}"
    );
}
