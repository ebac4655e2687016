//! `ecr-share curated rotate-key` end to end against the local AWS emulator, across
//! two accounts, after `curated` set everything up: the rotation leaves exactly one
//! key, a new one, in the config file and the Secret manifest (0600), applied to the
//! cluster before the old key is deleted; without a context the old key is kept until
//! the operator says so; a failed check, or a cluster that refuses the new Secret,
//! keeps the old key and prints how to finish or roll back (and rolling back as
//! printed works); at IAM's limit of two keys nothing is created; a lost answer to
//! CreateAccessKey leaves no extra key; without --yes and a terminal nothing changes;
//! and the keys are listed with their age and last use. kubectl is a script that keeps
//! what it was given.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use common::aws::{Registry, access_keys, block_on, file_mode, iam_client, ini_value};
use common::proxy::Proxy;
use common::{DESTINATION_ACCOUNT, Moto, Profiles, stderr, stdout};

const SUBSCRIPTION: &str = "e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
const USER: &str = "curated-packages-user";
const USER_SECTION: &str = "profile curated-packages-user";
const TARGET: &str = "--profile 'destination' --region 'us-east-1'";

/// One test's emulator, profiles and folder, after `curated` created the user's
/// first key into the config file and the manifest.
struct Setup {
    moto: Moto,
    profiles: Profiles,
    dir: tempfile::TempDir,
    /// The key `curated` created, and its secret.
    old: String,
    old_secret: String,
}

impl Setup {
    fn new() -> Setup {
        let (moto, dir, profiles) = Moto::start_with_profiles();
        let registry = Registry::start(404);
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
            &dir.path()
                .join("curated-packages-aws-config")
                .display()
                .to_string(),
            "--secret-out",
            &dir.path().join("aws-secret.yaml").display().to_string(),
            "--registry-url",
            &registry.url,
            "--yes",
        ]);
        assert!(output.status.success(), "curated: {}", stderr(&output));
        let mut setup = Setup {
            moto,
            profiles,
            dir,
            old: String::new(),
            old_secret: String::new(),
        };
        let (key, secret) = setup.held();
        setup.old = key;
        setup.old_secret = secret;
        setup
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("curated-packages-aws-config")
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("aws-secret.yaml")
    }

    fn previous(path: &Path) -> PathBuf {
        let mut name = path.file_name().unwrap().to_os_string();
        name.push(".previous");
        path.with_file_name(name)
    }

    /// The key id and secret the config file holds.
    fn held(&self) -> (String, String) {
        held_in(&self.config())
    }

    fn destination_keys(&self) -> Vec<String> {
        let keys = self.moto.assume_into(DESTINATION_ACCOUNT);
        let mut ids = access_keys(&iam_client(&self.moto.url, Some(keys)), USER);
        ids.sort();
        ids
    }

    /// `curated rotate-key` with the usual flags plus `extra`, and `env` on top of the
    /// profiles' environment.
    fn rotate(&self, extra: &[&str], env: &[(&str, String)]) -> Output {
        let config = self.config().display().to_string();
        let manifest = self.manifest().display().to_string();
        let mut args = vec![
            "--region",
            "us-east-1",
            "curated",
            "rotate-key",
            "--destination-profile",
            "destination",
            "--config-out",
            &config,
            "--secret-out",
            &manifest,
            "--yes",
        ];
        args.extend_from_slice(extra);
        let mut command = common::ecr_share_command();
        command.envs(self.profiles.env()).args(&args);
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("ecr-share runs");
        let everything = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            !everything.contains(&self.old_secret),
            "the old secret reached the output"
        );
        if let Ok(text) = std::fs::read_to_string(self.config()) {
            let (_, secret) = held_text(&text);
            assert!(
                !everything.contains(&secret),
                "the new secret reached the output"
            );
        }
        output
    }
}

fn held_in(path: &Path) -> (String, String) {
    held_text(&std::fs::read_to_string(path).unwrap())
}

fn held_text(text: &str) -> (String, String) {
    (
        ini_value(text, USER_SECTION, "aws_access_key_id").unwrap(),
        ini_value(text, USER_SECTION, "aws_secret_access_key").unwrap(),
    )
}

/// The config file inside a manifest.
fn manifest_config(path: &Path) -> String {
    let manifest = std::fs::read_to_string(path).unwrap();
    let encoded = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("config: "))
        .unwrap();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code")
}

fn assert_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

/// A fake `kubectl` in `dir` that keeps its arguments and the manifest it was given,
/// and says it configured the Secret; the PATH that finds it.
fn fake_kubectl(dir: &Path) -> String {
    kubectl_answering(dir, "secret/aws-secret configured", 0)
}

/// A fake `kubectl` that keeps what it was given, prints `said` and exits with `code`.
fn kubectl_answering(dir: &Path, said: &str, code: i32) -> String {
    let script = dir.join("kubectl");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir}/args'\ncat > '{dir}/stdin'\necho '{said}'\nexit {code}\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:/usr/bin:/bin", dir.display())
}

/// The line of `out` that holds `needle`, by position.
fn line_of(out: &str, needle: &str) -> usize {
    out.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{out}"))
}

#[test]
fn a_rotation_leaves_one_new_key_in_the_files_and_the_cluster_and_deletes_the_old() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let kube = tempfile::tempdir().unwrap();
    let path = fake_kubectl(kube.path());
    let output = setup.rotate(
        &["--registry-url", &registry.url, "--context", "kind-test"],
        &[("PATH", path)],
    );
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));

    // Exactly one key, a new one, and the files hold it, 0600.
    let (new, new_secret) = setup.held();
    assert_ne!(new, setup.old);
    assert_ne!(new_secret, setup.old_secret);
    assert_eq!(setup.destination_keys(), std::slice::from_ref(&new));
    assert_eq!(file_mode(&setup.config()), 0o600);
    assert_eq!(file_mode(&setup.manifest()), 0o600);
    let config = std::fs::read_to_string(setup.config()).unwrap();
    assert_eq!(manifest_config(&setup.manifest()), config);
    assert_eq!(
        ini_value(&config, "default", "role_arn").as_deref(),
        Some("arn:aws:iam::123456789012:role/curated-packages-role")
    );
    // The copies kept during the rotation held the old secret: they are gone.
    assert!(!Setup::previous(&setup.config()).exists());
    assert!(!Setup::previous(&setup.manifest()).exists());

    // The cluster got the manifest that is on disk, with the context asked for.
    assert_eq!(
        std::fs::read_to_string(kube.path().join("stdin")).unwrap(),
        std::fs::read_to_string(setup.manifest()).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(kube.path().join("args")).unwrap(),
        "--context\nkind-test\napply\n-f\n-\n"
    );

    // The keys are listed with their age and last use (curated's check used the old
    // key with STS), and which one the config file holds.
    let listed = out
        .lines()
        .find(|line| line.trim_start().starts_with(&setup.old))
        .unwrap_or_else(|| panic!("the old key is listed:\n{out}"));
    assert!(listed.contains("(Active, created "), "{listed}");
    assert!(listed.contains(" old), last used "), "{listed}");
    assert!(listed.contains(" ago) with sts in us-east-1"), "{listed}");
    assert!(
        listed.contains(&format!("← in {}", setup.config().display())),
        "{listed}"
    );
    assert_lines(
        &out,
        &[
            "user curated-packages-user has 1 access key:",
            &format!("iam:GetAccessKeyLastUsed {}: ok (last used ", setup.old),
            &format!(
                "[rotate] iam:CreateAccessKey curated-packages-user: done (created {new}; the user also has {}",
                setup.old
            ),
            "[rotate] sts:AssumeRole arn:aws:iam::123456789012:role/curated-packages-role: ok",
            "[rotate] kubectl apply secret eksa-packages/aws-secret in context kind-test: done (secret/aws-secret configured)",
            &format!(
                "[rotate] iam:DeleteAccessKey {} of curated-packages-user: done",
                setup.old
            ),
            &format!(
                "done: {new} is the user's key now, in {} and {}; the old key {} is deleted",
                setup.config().display(),
                setup.manifest().display(),
                setup.old
            ),
        ],
    );
    // Only once the new key passed its checks and the cluster has it is the old one
    // deleted.
    let deleted = line_of(&out, "[rotate] iam:DeleteAccessKey");
    assert!(
        line_of(
            &out,
            "[rotate] GET /v2/eks-anywhere-packages/manifests/latest"
        ) < deleted
    );
    assert!(line_of(&out, "[rotate] kubectl apply") < deleted);
    assert_eq!(registry.requests().len(), 1, "the new key's registry check");
}

#[test]
fn without_a_context_the_old_key_is_kept_until_the_operator_says_so() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let output = setup.rotate(&["--registry-url", &registry.url], &[]);
    let out = stdout(&output);
    assert_eq!(code(&output), 3, "{out}\n{}", stderr(&output));
    let (new, _) = setup.held();
    let mut both = vec![setup.old.clone(), new.clone()];
    both.sort();
    assert_eq!(setup.destination_keys(), both);
    assert_lines(
        &out,
        &[
            &format!(
                "the new key {new} works and is in {} and {}; the old key {} is kept",
                setup.config().display(),
                setup.manifest().display(),
                setup.old
            ),
            &format!(
                "kubectl apply -f '{}' (with --context for each)",
                setup.manifest().display()
            ),
            "then run the same command again with --delete-old-key",
        ],
    );
    assert!(!out.contains("[rotate] iam:DeleteAccessKey"), "{out}");
    // The old key's files wait beside the new ones, 0600.
    let previous = Setup::previous(&setup.config());
    assert_eq!(held_in(&previous).0, setup.old);
    assert_eq!(file_mode(&previous), 0o600);
    assert_eq!(
        held_text(&manifest_config(&Setup::previous(&setup.manifest()))).0,
        setup.old
    );
    assert_eq!(held_text(&manifest_config(&setup.manifest())).0, new);

    // Once the Secret is applied, the same command with --delete-old-key finishes:
    // it finds the rotation under way, creates nothing, checks the new key again.
    let output = setup.rotate(&["--registry-url", &registry.url, "--delete-old-key"], &[]);
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));
    assert_lines(
        &out,
        &[
            "user curated-packages-user has 2 access keys:",
            "note: a rotation is under way",
            &format!(
                "[rotate] iam:CreateAccessKey curated-packages-user: already existed ({new} was created by an earlier run"
            ),
            &format!(
                "[rotate] iam:DeleteAccessKey {} of curated-packages-user: done",
                setup.old
            ),
        ],
    );
    assert_eq!(setup.destination_keys(), std::slice::from_ref(&new));
    assert_eq!(setup.held().0, new);
    assert!(!previous.exists());
    assert!(!Setup::previous(&setup.manifest()).exists());
    assert_eq!(
        registry.requests().len(),
        2,
        "the new key was checked again"
    );
}

#[test]
fn a_failed_check_keeps_the_old_key_and_says_how_to_finish_or_roll_back() {
    let setup = Setup::new();
    let refusing = Registry::start(403);
    let output = setup.rotate(&["--registry-url", &refusing.url, "--delete-old-key"], &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{}\n{err}", stdout(&output));
    let (new, _) = setup.held();
    let mut both = vec![setup.old.clone(), new.clone()];
    both.sort();
    assert_eq!(setup.destination_keys(), both, "the old key is kept");
    assert!(!stdout(&output).contains("[rotate] iam:DeleteAccessKey"));
    let config = setup.config().display().to_string();
    let manifest = setup.manifest().display().to_string();
    assert_lines(
        &err,
        &[
            "rotate-key stopped: the new key did not pass the check “registry manifest”",
            &format!("the old key {} is kept", setup.old),
            "to finish: once the cause is fixed, run the same command again",
            "to roll back instead:",
            &format!("  mv '{config}.previous' '{config}'"),
            &format!("  mv '{manifest}.previous' '{manifest}'"),
            &format!(
                "  aws iam delete-access-key --user-name curated-packages-user --access-key-id {new} {TARGET}"
            ),
        ],
    );

    // Rolling back as printed puts everything as it was before the rotation.
    for line in err.lines().filter(|l| l.trim_start().starts_with("mv ")) {
        let status = std::process::Command::new("sh")
            .args(["-c", line.trim()])
            .status()
            .unwrap();
        assert!(status.success(), "{line}");
    }
    let keys = setup.moto.assume_into(DESTINATION_ACCOUNT);
    block_on(
        iam_client(&setup.moto.url, Some(keys))
            .delete_access_key()
            .user_name(USER)
            .access_key_id(&new)
            .send(),
    )
    .unwrap();
    assert_eq!(setup.destination_keys(), std::slice::from_ref(&setup.old));
    assert_eq!(setup.held(), (setup.old.clone(), setup.old_secret.clone()));
    assert_eq!(held_text(&manifest_config(&setup.manifest())).0, setup.old);
    let registry = Registry::start(404);
    let verified = setup.profiles.run(&[
        "curated",
        "verify",
        "--config",
        &config,
        "--registry-url",
        &registry.url,
    ]);
    assert_eq!(code(&verified), 0, "{}", stdout(&verified));
}

#[test]
fn at_two_keys_it_stops_before_creating_anything() {
    let setup = Setup::new();
    let keys = setup.moto.assume_into(DESTINATION_ACCOUNT);
    let extra = block_on(
        iam_client(&setup.moto.url, Some(keys))
            .create_access_key()
            .user_name(USER)
            .send(),
    )
    .unwrap()
    .access_key()
    .unwrap()
    .access_key_id()
    .to_string();
    let before = std::fs::read_to_string(setup.config()).unwrap();
    let registry = Registry::start(404);

    let output = setup.rotate(&["--registry-url", &registry.url, "--delete-old-key"], &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{}\n{err}", stdout(&output));
    assert_lines(
        &err,
        &[
            "rotate-key stopped: user curated-packages-user already has 2 access keys, the most IAM allows, so no new key can be created:",
            &format!("  {} (Active, created ", setup.old),
            &format!(" (in {})", setup.config().display()),
            &format!("  {extra} (Active, created "),
            "never used",
            &format!(
                "Delete the one nobody uses, then run again:\n  aws iam delete-access-key --user-name curated-packages-user --access-key-id {extra} {TARGET}"
            ),
            "nothing was changed.",
        ],
    );
    let mut both = vec![setup.old.clone(), extra];
    both.sort();
    assert_eq!(setup.destination_keys(), both);
    assert_eq!(std::fs::read_to_string(setup.config()).unwrap(), before);
    assert!(!Setup::previous(&setup.config()).exists());
    assert!(registry.requests().is_empty());
}

#[test]
fn a_lost_answer_to_create_access_key_leaves_no_extra_key() {
    let setup = Setup::new();
    let proxy = Proxy::start(&setup.moto.url);
    proxy.lose_answer("CreateAccessKey", 1);
    let registry = Registry::start(404);
    let output = setup.rotate(
        &["--registry-url", &registry.url, "--delete-old-key"],
        &[("AWS_ENDPOINT_URL", proxy.url().to_string())],
    );
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));
    assert_eq!(proxy.lost(), ["CreateAccessKey"]);
    assert_eq!(
        proxy.count("CreateAccessKey"),
        2,
        "the lost call and one fresh call, nothing more"
    );
    assert!(
        out.contains("appeared and was deleted because its secret can never be read"),
        "{out}"
    );
    let (new, _) = setup.held();
    assert_ne!(new, setup.old);
    assert_eq!(setup.destination_keys(), [new]);
}

#[test]
fn a_cluster_that_refuses_the_new_secret_keeps_the_old_key() {
    let setup = Setup::new();
    let registry = Registry::start(404);
    let kube = tempfile::tempdir().unwrap();
    let path = kubectl_answering(kube.path(), "error: context \"prod\" does not exist", 1);
    let output = setup.rotate(
        &["--registry-url", &registry.url, "--context", "prod"],
        &[("PATH", path)],
    );
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{}\n{err}", stdout(&output));
    let (new, _) = setup.held();
    let mut both = vec![setup.old.clone(), new.clone()];
    both.sort();
    assert_eq!(setup.destination_keys(), both, "the old key is kept");
    assert!(
        stdout(&output).contains("[rotate] kubectl apply secret eksa-packages/aws-secret in context prod: failed (error: context \"prod\" does not exist)"),
        "{}",
        stdout(&output)
    );
    assert_lines(
        &err,
        &[
            "rotate-key stopped: the new Secret could not be applied to context prod, so the old key is kept",
            "to finish: once the cause is fixed, run the same command again",
            &format!("--access-key-id {new} {TARGET}"),
        ],
    );
    assert_eq!(held_in(&Setup::previous(&setup.config())).0, setup.old);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_changes() {
    let setup = Setup::new();
    let before = std::fs::read_to_string(setup.config()).unwrap();
    let config = setup.config().display().to_string();
    let output = setup.profiles.run(&[
        "--region",
        "us-east-1",
        "curated",
        "rotate-key",
        "--destination-profile",
        "destination",
        "--config-out",
        &config,
        "--delete-old-key",
    ]);
    assert_eq!(code(&output), 1);
    assert!(stderr(&output).contains("add --yes"), "{}", stderr(&output));
    // The keys were listed and the plan printed, but nothing was done.
    assert!(stdout(&output).contains("The rotation, in account 999999999999"));
    assert_eq!(setup.destination_keys(), std::slice::from_ref(&setup.old));
    assert_eq!(std::fs::read_to_string(setup.config()).unwrap(), before);
    assert!(!Setup::previous(&setup.config()).exists());
}
