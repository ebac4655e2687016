//! Which credentials a run acts with, end to end against the local AWS emulator: an
//! explicit `--profile` wins over keys in the environment, `AWS_PROFILE` keeps the
//! SDK's own precedence, and a profile that is in no file is refused by name before
//! any call. Also: a region added to the curated-packages table since 2025, and a run
//! that may hold a secret writes no core file.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{DESTINATION_ACCOUNT, Moto, Profiles, SOURCE_ACCOUNT, ecr_share_command};
use common::{stderr, stdout};

const REPOSITORY: &str = "team/app";
const GRANTEE: &str = "222222222222";

/// The emulator, its two profiles, and ECR clients acting in each account.
struct Setup {
    moto: Moto,
    dir: tempfile::TempDir,
    profiles: Profiles,
    runtime: tokio::runtime::Runtime,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Setup {
            moto,
            dir,
            profiles,
            runtime,
        }
    }

    /// An ECR client acting in `account`, with its own keys (not the tool's).
    fn ecr(&self, account: &str) -> aws_sdk_ecr::Client {
        let credentials = if account == SOURCE_ACCOUNT {
            aws_sdk_ecr::config::Credentials::new("testing", "testing", None, None, "tests")
        } else {
            let (key, secret, token) = self.moto.assume_into(account);
            aws_sdk_ecr::config::Credentials::new(key, secret, Some(token), None, "tests")
        };
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new("us-east-1"))
            .endpoint_url(&self.moto.url)
            .credentials_provider(credentials)
            .build();
        aws_sdk_ecr::Client::from_conf(config)
    }

    /// The same repository name in both accounts, so a write in the wrong account
    /// would land instead of failing.
    fn repositories(&self) -> (aws_sdk_ecr::Client, aws_sdk_ecr::Client) {
        let source = self.ecr(SOURCE_ACCOUNT);
        let destination = self.ecr(DESTINATION_ACCOUNT);
        self.runtime.block_on(async {
            for client in [&source, &destination] {
                client
                    .create_repository()
                    .repository_name(REPOSITORY)
                    .send()
                    .await
                    .unwrap();
            }
        });
        (source, destination)
    }

    fn policy(&self, client: &aws_sdk_ecr::Client) -> Option<serde_json::Value> {
        self.runtime.block_on(async {
            match client
                .get_repository_policy()
                .repository_name(REPOSITORY)
                .send()
                .await
            {
                Ok(output) => output
                    .policy_text
                    .map(|text| serde_json::from_str(&text).expect("the policy is JSON")),
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|e| e.is_repository_policy_not_found_exception()) =>
                {
                    None
                }
                Err(error) => panic!("reading the policy: {error:?}"),
            }
        })
    }

    /// Runs `ecr-share` with the profile files, the emulator and `extra_env`.
    fn run(&self, extra_env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut command = ecr_share_command();
        command.envs(self.profiles.env()).args(args);
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let output = command.output().expect("ecr-share runs");
        eprintln!(
            "ecr-share {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            stdout(&output),
            stderr(&output)
        );
        output
    }
}

/// Environment keys that act as the source account on the emulator.
const SOURCE_KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

fn grant_args(profile: Option<&str>) -> Vec<&str> {
    let mut args = Vec::new();
    if let Some(profile) = profile {
        args.extend(["--profile", profile]);
    }
    args.extend([
        "grant",
        "--repository",
        REPOSITORY,
        "--account",
        GRANTEE,
        "--access",
        "pull",
        "--yes",
        "--region",
        "us-east-1",
    ]);
    args
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\n{}\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

fn grantee_of(policy: &serde_json::Value) -> &serde_json::Value {
    &policy["Statement"][0]["Principal"]["AWS"]
}

#[test]
fn an_explicit_profile_wins_over_keys_in_the_environment() {
    let setup = Setup::new();
    let (source, destination) = setup.repositories();

    let output = setup.run(SOURCE_KEYS, &grant_args(Some("destination")));
    assert_success(&output);

    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "Acting in account {DESTINATION_ACCOUNT} with profile `destination`"
        )),
        "{out}"
    );
    assert!(!out.contains(SOURCE_ACCOUNT), "{out}");
    let written = setup
        .policy(&destination)
        .expect("the policy landed in the profile's account");
    assert_eq!(
        grantee_of(&written),
        &serde_json::json!(format!("arn:aws:iam::{GRANTEE}:root"))
    );
    assert_eq!(
        setup.policy(&source),
        None,
        "nothing was written in the account of the environment keys"
    );
}

#[test]
fn an_assume_role_profile_still_works_with_keys_in_the_environment() {
    let setup = Setup::new();
    let (source, destination) = setup.repositories();
    // A profile with no keys of its own: the SDK assumes its role with the source
    // profile's keys. The emulator maps the role's account to the new keys.
    let mut config = std::fs::read_to_string(&setup.profiles.config).unwrap();
    config.push_str(&format!(
        "\n[profile via-role]\nrole_arn = arn:aws:iam::{DESTINATION_ACCOUNT}:role/deployer\nsource_profile = source\n"
    ));
    std::fs::write(&setup.profiles.config, config).unwrap();
    let mut args = grant_args(Some("via-role"));
    args.truncate(args.len() - 2);

    let output = setup.run(
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ],
        &args,
    );
    assert_success(&output);

    assert!(
        stdout(&output).contains(&format!(
            "Acting in account {DESTINATION_ACCOUNT} with profile `via-role`, region us-east-1."
        )),
        "{}",
        stdout(&output)
    );
    assert!(setup.policy(&destination).is_some());
    assert_eq!(setup.policy(&source), None);
}

#[test]
fn an_explicit_profile_wins_over_aws_profile_too() {
    let setup = Setup::new();
    let (source, destination) = setup.repositories();

    let output = setup.run(
        &[("AWS_PROFILE", "destination")],
        &grant_args(Some("source")),
    );
    assert_success(&output);

    assert!(
        stdout(&output).contains(&format!(
            "Acting in account {SOURCE_ACCOUNT} with profile `source`"
        )),
        "{}",
        stdout(&output)
    );
    assert!(setup.policy(&source).is_some());
    assert_eq!(setup.policy(&destination), None);
}

#[test]
fn without_region_an_explicit_profile_brings_its_own() {
    let setup = Setup::new();
    let (source, destination) = setup.repositories();
    let mut args = grant_args(Some("destination"));
    args.truncate(args.len() - 2);
    assert!(!args.contains(&"--region"));

    let output = setup.run(
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "eu-west-1"),
        ],
        &args,
    );
    assert_success(&output);

    assert!(
        stdout(&output).contains(&format!(
            "Acting in account {DESTINATION_ACCOUNT} with profile `destination`, region us-east-1."
        )),
        "{}",
        stdout(&output)
    );
    assert!(setup.policy(&destination).is_some());
    assert_eq!(setup.policy(&source), None);
}

#[test]
fn aws_profile_keeps_the_sdk_precedence() {
    let setup = Setup::new();
    let (source, destination) = setup.repositories();

    let output = setup.run(&[("AWS_PROFILE", "destination")], &grant_args(None));
    assert_success(&output);

    assert!(
        stdout(&output).contains(&format!(
            "Acting in account {DESTINATION_ACCOUNT} with the default credentials"
        )),
        "{}",
        stdout(&output)
    );
    assert!(setup.policy(&destination).is_some());
    assert_eq!(setup.policy(&source), None);
}

/// A local endpoint that counts the connections made to it and answers none.
struct SilentEndpoint {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl SilentEndpoint {
    fn start() -> SilentEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&connections);
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        SilentEndpoint { url, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

#[test]
fn a_profile_in_neither_file_is_refused_by_name_before_any_call() {
    let setup = Setup::new();
    let endpoint = SilentEndpoint::start();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.url.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
    ];

    let output = setup.run(&env, &grant_args(Some("no-such-profile")));

    assert!(!output.status.success(), "{}", stdout(&output));
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    let expected = format!(
        "profile `no-such-profile` is in neither {} nor {}",
        setup.profiles.config.display(),
        setup.profiles.credentials.display()
    );
    assert!(err.contains(&expected), "{err}");
    assert!(!stdout(&output).contains("Acting in account"));
    assert_eq!(endpoint.connections(), 0, "no AWS call was made");

    // The same for curated's source profile.
    let config_out = setup.dir.path().join("out-config");
    let config_out = config_out.display().to_string();
    let output = setup.run(
        &env,
        &[
            "--region",
            "us-east-1",
            "curated",
            "--source-profile",
            "nowhere",
            "--destination-profile",
            "destination",
            "--subscription-id",
            "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
            "--config-out",
            &config_out,
            "--yes",
        ],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("profile `nowhere` is in neither"),
        "{}",
        stderr(&output)
    );
    assert!(!std::path::Path::new(&config_out).exists());
    assert_eq!(endpoint.connections(), 0, "no AWS call was made");
}

#[test]
fn curated_serves_ca_west_1_from_the_table() {
    let setup = Setup::new();
    let config_out = setup.dir.path().join("curated-config");
    let config_out = config_out.display().to_string();
    let registry = common::aws::Registry::start(404).url;

    let output = setup.run(
        &[],
        &[
            "--region",
            "ca-west-1",
            "curated",
            "--source-profile",
            "source",
            "--destination-profile",
            "destination",
            "--subscription-id",
            "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964",
            "--config-out",
            &config_out,
            "--registry-url",
            &registry,
            "--yes",
        ],
    );

    assert_success(&output);
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        !all.contains("no production curated-packages registry"),
        "{all}"
    );
    assert!(
        all.contains(
            "registry account 571600859530 (571600859530.dkr.ecr.ca-west-1.amazonaws.com)"
        ),
        "{all}"
    );
}

/// A run that may hold a secret has no core file limit left: checked from outside, in
/// `/proc/<pid>/limits`, while the run waits on an endpoint that never answers.
#[test]
fn a_run_writes_no_core_file() {
    let endpoint = SilentEndpoint::start();
    let mut child = ecr_share_command()
        .env("AWS_ENDPOINT_URL", &endpoint.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(grant_args(None))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ecr-share starts");
    while endpoint.connections() == 0 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).ok();
            panic!("ecr-share ended before calling AWS: {status}\n{err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id()));
    child.kill().ok();
    child.wait().ok();
    let limits = limits.expect("the running process's limits are readable");
    let core = limits
        .lines()
        .find(|line| line.starts_with("Max core file size"))
        .expect("a core size line");
    let values: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
    assert_eq!(values, ["0", "0"], "{core}");
}
