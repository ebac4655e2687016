//! `ecr-share curated verify` end to end: a config file written by `curated` against
//! the local AWS emulator passes all three checks; a role that STS refuses fails at
//! the role check and nothing after it runs; an unreachable registry is reported as
//! unreachable, with its own exit code, never as a denial; a file that cannot be used
//! gets a clear message before anything is asked; and the secret key never reaches the
//! output.
//!
//! The emulator never refuses `sts:AssumeRole`, so the refusal comes from a small
//! local endpoint that answers as STS does when a role's trust policy does not allow
//! the caller.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::aws::{Registry, ini_value};
use common::{Moto, Profiles, stderr, stdout};

const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
const USER_SECTION: &str = "profile curated-packages-user";

/// One test's emulator, profiles, folder, and a config file written by `curated`.
struct Setup {
    _moto: Moto,
    profiles: Profiles,
    dir: tempfile::TempDir,
    secret: String,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let registry = Registry::start(404);
        let config = dir.path().join("curated-packages-aws-config");
        let output = profiles.run(&[
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
            &config.display().to_string(),
            "--secret-out",
            &dir.path().join("aws-secret.yaml").display().to_string(),
            "--registry-url",
            &registry.url,
            "--yes",
        ]);
        assert!(output.status.success(), "curated: {}", stderr(&output));
        let text = std::fs::read_to_string(&config).unwrap();
        let secret = ini_value(&text, USER_SECTION, "aws_secret_access_key").unwrap();
        Setup {
            _moto: moto,
            profiles,
            dir,
            secret,
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("curated-packages-aws-config")
    }

    /// `curated verify` of `config` with `extra` flags, and `env` on top of the
    /// profiles' environment.
    fn verify(&self, config: &Path, extra: &[&str], env: &[(&str, String)]) -> Output {
        let config = config.display().to_string();
        let mut args = vec!["curated", "verify", "--config", &config];
        args.extend_from_slice(extra);
        let mut command = common::ecr_share_command();
        command.envs(self.profiles.env()).args(&args);
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("ecr-share runs");
        self.assert_no_secret(&output);
        output
    }

    fn assert_no_secret(&self, output: &Output) {
        assert!(
            !stdout(output).contains(&self.secret) && !stderr(output).contains(&self.secret),
            "the secret key reached the output"
        );
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn assert_lines(out: &str, lines: &[&str]) {
    for line in lines {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

/// An endpoint on 127.0.0.1 that answers every request as STS answers an
/// `AssumeRole` the role's trust policy does not allow, and keeps the request bodies.
struct RefusingSts {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl RefusingSts {
    fn start() -> RefusingSts {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&bodies);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                let answer = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::999999999999:user/curated-packages-user is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/curated-packages-role</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        RefusingSts { url, bodies }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// A URL on 127.0.0.1 where nothing listens.
fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[test]
fn a_config_file_written_by_curated_passes_all_three_checks() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let output = setup.verify(&setup.config(), &["--registry-url", &registry.url], &[]);
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));
    let key = ini_value(
        &std::fs::read_to_string(setup.config()).unwrap(),
        USER_SECTION,
        "aws_access_key_id",
    )
    .unwrap();
    assert_lines(
        &out,
        &[
            &format!(
                "user curated-packages-user, key {key}, role arn:aws:iam::123456789012:role/curated-packages-role, region us-east-1"
            ),
            "registry 331113665574.dkr.ecr.us-east-1.amazonaws.com (the production registry of us-east-1",
            "check 1 of 3, assume the role: ok (the key may assume the role)",
            "check 2 of 3, ECR login token: ok (the role may log in to ECR)",
            "check 3 of 3, registry manifest: ok (404: the registry let the role in",
            "verified: all three checks passed",
        ],
    );
    let requests = registry.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /v2/eks-anywhere-packages/manifests/latest "),
        "{}",
        requests[0]
    );
    assert!(
        requests[0]
            .to_ascii_lowercase()
            .contains("authorization: basic "),
        "{}",
        requests[0]
    );

    // --region replaces the file's region, and with it the production registry.
    let mut command = common::ecr_share_command();
    command.envs(setup.profiles.env()).args([
        "--region",
        "us-west-2",
        "curated",
        "verify",
        "--config",
        &setup.config().display().to_string(),
        "--registry-url",
        &registry.url,
    ]);
    let output = command.output().unwrap();
    setup.assert_no_secret(&output);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_lines(
        &stdout(&output),
        &[
            "region us-west-2 (given; the file says us-east-1)",
            "registry 346438352937.dkr.ecr.us-west-2.amazonaws.com",
        ],
    );
}

#[test]
fn a_denied_role_fails_at_the_role_check_and_nothing_after_it_runs() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let sts = RefusingSts::start();
    let output = setup.verify(
        &setup.config(),
        &["--registry-url", &registry.url],
        &[("AWS_ENDPOINT_URL_STS", sts.url.clone())],
    );
    let out = stdout(&output);
    assert_eq!(code(&output), 1, "{out}\n{}", stderr(&output));
    assert_lines(
        &out,
        &[
            "check 1 of 3, assume the role: refused (AccessDenied: User: arn:aws:iam::999999999999:user/curated-packages-user is not authorized to perform: sts:AssumeRole",
            "what to do: the role's trust policy (step 3) must trust the user's account",
            "check 2 of 3, ECR login token: not run (it needs the role)",
            "check 3 of 3, registry manifest: not run (it needs an ECR token)",
            "not verified: the check “assume the role” was refused",
            "(exit 1)",
        ],
    );
    assert!(!out.contains("unreachable"), "{out}");
    // Asked once: a saved key is not new, so a refusal is not retried.
    let bodies = sts.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains("Action=AssumeRole"), "{}", bodies[0]);
    assert!(
        registry.requests().is_empty(),
        "no token, no registry request"
    );
}

#[test]
fn an_unreachable_registry_is_reported_as_unreachable_not_as_denied() {
    let setup = Setup::new();
    let closed = closed_url();
    let output = setup.verify(&setup.config(), &["--registry-url", &closed], &[]);
    let out = stdout(&output);
    assert_eq!(code(&output), 3, "{out}\n{}", stderr(&output));
    assert_lines(
        &out,
        &[
            "check 1 of 3, assume the role: ok",
            "check 2 of 3, ECR login token: ok",
            "check 3 of 3, registry manifest: unreachable (ConnectionFailed: could not reach",
            "what to do: this is not a denial",
            "not verified: the key assumed the role and the role got an ECR token, but the registry could not be asked from here (this is not a denial) (exit 3)",
        ],
    );
    assert!(
        !out.contains(": refused ("),
        "no check says refused:\n{out}"
    );

    // A registry that does answer, and refuses the token, is a refusal.
    let denying = Registry::start(403);
    let output = setup.verify(&setup.config(), &["--registry-url", &denying.url], &[]);
    let out = stdout(&output);
    assert_eq!(code(&output), 1, "{out}");
    assert_lines(
        &out,
        &[
            "check 3 of 3, registry manifest: refused (RegistryDenied",
            "not verified: the check “registry manifest” was refused",
        ],
    );
}

#[test]
fn unreachable_aws_gives_no_verdict_on_the_key() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let output = setup.verify(
        &setup.config(),
        &["--registry-url", &registry.url],
        &[("AWS_ENDPOINT_URL", closed_url())],
    );
    let out = stdout(&output);
    assert_eq!(code(&output), 4, "{out}\n{}", stderr(&output));
    assert_lines(
        &out,
        &[
            "check 1 of 3, assume the role: unreachable (ConnectionFailed",
            "this says nothing about the key",
            "not verified: AWS could not be reached for the check “assume the role”",
        ],
    );
    assert!(registry.requests().is_empty());
}

#[test]
fn a_file_that_cannot_be_used_gets_a_clear_message_and_nothing_is_asked() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let written = std::fs::read_to_string(setup.config()).unwrap();
    let keyless = setup.dir.path().join("keyless-config");
    std::fs::write(
        &keyless,
        written
            .lines()
            .filter(|line| !line.starts_with("aws_access_key_id"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let cases: [(PathBuf, &str); 4] = [
        (
            setup.dir.path().join("no-such-file"),
            "does not exist: give the config file that `ecr-share curated --config-out`",
        ),
        (
            setup.dir.path().join("aws-secret.yaml"),
            "it has no [default] profile; it is not a config file that ecr-share wrote",
        ),
        (
            keyless,
            "its [profile curated-packages-user] section has no aws_access_key_id",
        ),
        (setup.dir.path().to_path_buf(), "is a folder"),
    ];
    for (path, message) in cases {
        let output = setup.verify(&path, &["--registry-url", &registry.url], &[]);
        let err = stderr(&output);
        assert_eq!(code(&output), 2, "{path:?}: {err}");
        assert!(
            err.contains(&format!("ecr-share: --config: {}", path.display())),
            "{err}"
        );
        assert!(err.contains(message), "{message:?} not in {err}");
        assert!(err.contains("nothing was checked"), "{err}");
        assert_eq!(stdout(&output), "", "nothing printed as checked");
    }
    // A bad flag is named too, with the same exit code.
    let output = setup.verify(&setup.config(), &["--registry-account", "12345"], &[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("--registry-account:"),
        "{}",
        stderr(&output)
    );
    assert!(registry.requests().is_empty());
}
