//! Shared by the tests: the local AWS emulator that `scripts/test.sh` starts, and two
//! profiles on it that act as two different accounts; the wizard's test harness
//! ([`harness`]); SDK clients answered by mocks ([`mocks`]).

#![allow(dead_code)]

pub mod aws;
pub mod harness;
pub mod mocks;
pub mod proxy;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// Plain static keys act as this account on the emulator.
pub const SOURCE_ACCOUNT: &str = "123456789012";
/// Keys from assuming a role in this account act as it.
pub const DESTINATION_ACCOUNT: &str = "999999999999";

static EMULATOR: Mutex<()> = Mutex::new(());

/// The emulator, held by one test at a time (a reset empties every account).
pub struct Moto {
    pub url: String,
    _guard: MutexGuard<'static, ()>,
}

impl Moto {
    /// Takes the emulator and empties it. Panics with the way to run the suite when
    /// the emulator is not there: these tests are never skipped.
    pub fn start() -> Moto {
        let guard = EMULATOR
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let url = std::env::var("ECR_SHARE_TEST_MOTO").unwrap_or_else(|_| {
            panic!(
                "ECR_SHARE_TEST_MOTO is not set: run the suite with scripts/test.sh, which starts the local AWS emulator"
            )
        });
        let moto = Moto { url, _guard: guard };
        moto.post("/moto-api/reset");
        moto
    }

    fn host_port(&self) -> &str {
        self.url.trim_start_matches("http://").trim_end_matches('/')
    }

    /// A bare HTTP POST to the emulator's own API (no client library needed).
    pub fn post(&self, path: &str) -> String {
        let mut stream =
            TcpStream::connect(self.host_port()).expect("the emulator accepts connections");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.host_port()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "{answer}"
        );
        answer
    }

    /// Takes the emulator, as [`Moto::start`], with a fresh folder holding the two
    /// profiles of [`Moto::profiles`].
    pub fn start_with_profiles() -> (Moto, tempfile::TempDir, Profiles) {
        let moto = Moto::start();
        let dir = tempfile::tempdir().unwrap();
        let profiles = moto.profiles(dir.path());
        (moto, dir, profiles)
    }

    /// Writes an AWS config and credentials file with two profiles: `source` (plain keys,
    /// account 123456789012) and `destination` (keys from assuming a role in account
    /// 999999999999). Returns the environment to run `ecr-share` or the SDK with.
    pub fn profiles(&self, dir: &Path) -> Profiles {
        let (key, secret, token) = self.assume_into(DESTINATION_ACCOUNT);
        let config = dir.join("config");
        let credentials = dir.join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n\n[profile source]\nregion = us-east-1\n\n[profile destination]\nregion = us-east-1\n",
        )
        .unwrap();
        std::fs::write(
            &credentials,
            format!(
                "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[source]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[destination]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_session_token = {token}\n"
            ),
        )
        .unwrap();
        Profiles {
            config,
            credentials,
            endpoint: self.url.clone(),
        }
    }

    /// Keys that act as `account` on the emulator.
    pub fn assume_into(&self, account: &str) -> (String, String, String) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let config = aws_sdk_sts::Config::builder()
                .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
                .region(aws_sdk_sts::config::Region::new("us-east-1"))
                .endpoint_url(&self.url)
                .credentials_provider(aws_sdk_sts::config::Credentials::new(
                    "testing", "testing", None, None, "tests",
                ))
                .build();
            let output = aws_sdk_sts::Client::from_conf(config)
                .assume_role()
                .role_arn(format!("arn:aws:iam::{account}:role/ecr-share-tests"))
                .role_session_name("ecr-share-tests")
                .send()
                .await
                .expect("the emulator hands out keys for another account");
            let creds = output
                .credentials()
                .expect("assume-role returns credentials");
            (
                creds.access_key_id().to_string(),
                creds.secret_access_key().to_string(),
                creds.session_token().to_string(),
            )
        })
    }
}

/// AWS config and credentials files on the emulator.
pub struct Profiles {
    pub config: PathBuf,
    pub credentials: PathBuf,
    pub endpoint: String,
}

impl Profiles {
    /// The environment that makes the SDK and `ecr-share` use these files and the emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_CONFIG_FILE", self.config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                self.credentials.display().to_string(),
            ),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
    }

    /// Runs the `ecr-share` binary with these profiles and no inherited AWS settings.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = ecr_share_command();
        command.envs(self.env()).args(args);
        command.output().expect("ecr-share runs")
    }
}

/// Makes these the only AWS settings of this test process.
///
/// # Safety
/// The environment is process-wide: call it only from a test binary's single test,
/// before starting any runtime or thread that reads the environment.
pub unsafe fn set_only_aws_env(vars: &[(&str, String)]) {
    // SAFETY: the caller guarantees no other thread reads the environment meanwhile.
    unsafe {
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") {
                std::env::remove_var(name);
            }
        }
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
    }
}

/// The built binary, with every inherited AWS setting removed.
pub fn ecr_share_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecr-share"));
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command.env("HOME", std::env::temp_dir());
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the command succeeded, showing what it printed when it did not.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Asserts the command failed, showing what it printed when it did not.
pub fn assert_failure(output: &Output) {
    assert!(
        !output.status.success(),
        "expected a failure\nstdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}
