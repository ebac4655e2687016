//! The safety rules of every write, against the local AWS emulator with two accounts:
//! a secret always reaches its file, whatever happens to standard output; a file the
//! tool did not write is never replaced or written through without being told to;
//! and the wizard, driving the same procedure engine, reuses the key its config file
//! holds instead of creating a second one.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::aws::{Registry, access_keys, block_on, file_mode, iam_client, ini_value};
use common::{DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, stderr, stdout};

const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
const USER: &str = "curated-packages-user";

struct Setup {
    moto: Moto,
    profiles: Profiles,
    dir: tempfile::TempDir,
    registry: Registry,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        Setup {
            moto,
            profiles,
            dir,
            registry: Registry::start(404),
        }
    }

    fn config_out(&self) -> PathBuf {
        self.dir.path().join("curated-packages-aws-config")
    }

    /// `ecr-share curated` with the usual arguments plus `extra`, not yet started.
    fn curated(&self, extra: &[&str]) -> Command {
        let mut command = common::ecr_share_command();
        command.envs(self.profiles.env()).args([
            "--region",
            "us-east-1",
            "curated",
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
            "--subscription-id",
            SUBSCRIPTION,
            "--config-out",
            &self.config_out().display().to_string(),
            "--registry-url",
            &self.registry.url,
            "--yes",
        ]);
        command.args(extra);
        command
    }

    fn destination_iam(&self) -> aws_sdk_iam::Client {
        iam_client(
            &self.moto.url,
            Some(self.moto.assume_into(DESTINATION_ACCOUNT)),
        )
    }
}

fn users(iam: &aws_sdk_iam::Client) -> Vec<String> {
    block_on(async {
        iam.list_users()
            .send()
            .await
            .unwrap()
            .users()
            .iter()
            .map(|u| u.user_name().to_string())
            .collect()
    })
}

/// The config file holds the one key IAM lists for the user, with its secret.
fn assert_key_reached_its_file(setup: &Setup) {
    let text = std::fs::read_to_string(setup.config_out()).expect("the config file was written");
    let section = format!("profile {USER}");
    let id = ini_value(&text, &section, "aws_access_key_id").expect("the key id is in the file");
    let secret = ini_value(&text, &section, "aws_secret_access_key").unwrap();
    assert_eq!(secret.len(), 40, "a whole secret access key is in the file");
    assert_eq!(access_keys(&setup.destination_iam(), USER), [id]);
    assert_eq!(file_mode(&setup.config_out()), 0o600);
}

fn assert_no_panic(output: &Output) {
    assert_ne!(output.status.code(), Some(101), "{}", stderr(output));
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

#[test]
fn a_closed_standard_output_never_loses_the_key() {
    let setup = Setup::new();
    let mut child = setup
        .curated(&[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -3`: read three lines, then close the pipe.
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
    }
    drop(reader);
    let output = child.wait_with_output().unwrap();
    assert_no_panic(&output);
    assert_key_reached_its_file(&setup);
    // The run went to its end, and says that its output was lost.
    assert!(
        stderr(&output).contains("standard output could not be written"),
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_full_disk_on_standard_output_never_loses_the_key() {
    let setup = Setup::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let output = setup
        .curated(&[])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_no_panic(&output);
    assert_key_reached_its_file(&setup);
}

#[test]
fn an_existing_file_that_is_not_ours_stops_the_run_before_any_call() {
    let setup = Setup::new();
    let own = "[default]\nregion = eu-west-1\n\n[profile prod]\nsso_start_url = https://example.awsapps.com/start\n";
    std::fs::write(setup.config_out(), own).unwrap();
    let output = setup.curated(&[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("--config-out"), "{message}");
    assert!(message.contains("--overwrite"), "{message}");
    assert!(message.contains("Nothing was changed"), "{message}");
    assert_eq!(std::fs::read_to_string(setup.config_out()).unwrap(), own);
    // Not even the profiles were looked up, and nothing exists in either account.
    assert!(
        !stdout(&output).contains("is account"),
        "{}",
        stdout(&output)
    );
    assert!(users(&setup.destination_iam()).is_empty());
    let source = iam_client(&setup.moto.url, None);
    assert!(block_on(source.get_role().role_name("curated-packages-role").send()).is_err());

    // With --overwrite the operator said yes: the file is replaced, 0600, with the key.
    let output = setup.curated(&["--overwrite"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_key_reached_its_file(&setup);
}

#[test]
fn a_symlink_is_never_written_through() {
    let setup = Setup::new();
    let victim = setup.dir.path().join("someone-elses-file");
    std::fs::write(&victim, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&victim, setup.config_out()).unwrap();
    for extra in [&[][..], &["--overwrite"][..]] {
        let output = setup.curated(extra).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        assert!(
            stderr(&output).contains("symbolic link"),
            "{}",
            stderr(&output)
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
    }
    assert!(access_keys(&setup.destination_iam(), USER).is_empty());
}

#[test]
fn a_second_run_reuses_the_key_from_the_file_it_wrote() {
    let setup = Setup::new();
    let first = setup.curated(&[]).output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let keys = access_keys(&setup.destination_iam(), USER);
    assert_eq!(keys.len(), 1);
    let second = setup.curated(&[]).output().unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("reused, no new key"),
        "{}",
        stdout(&second)
    );
    assert_eq!(access_keys(&setup.destination_iam(), USER), keys);
    // The source account is untouched by step 5: only the destination has a user.
    let source = iam_client(&setup.moto.url, None);
    assert!(users(&source).is_empty(), "{SOURCE_ACCOUNT} has no user");
}

#[test]
fn a_lost_create_access_key_answer_leaves_one_key_and_it_is_in_the_file() {
    let setup = Setup::new();
    let proxy = common::proxy::Proxy::start(&setup.moto.url);
    proxy.lose_answer("CreateAccessKey", 1);
    let output = setup
        .curated(&[])
        .env("AWS_ENDPOINT_URL", proxy.url())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    // The call took effect and its answer was lost: the key it made cannot be read,
    // so it was deleted, and one new key went into the file.
    assert_eq!(proxy.count("CreateAccessKey"), 2, "{:?}", proxy.seen());
    assert!(
        stdout(&output).contains("was deleted because its secret can never be read"),
        "{}",
        stdout(&output)
    );
    assert_key_reached_its_file(&setup);
}
