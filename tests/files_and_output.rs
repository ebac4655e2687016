//! The built binary with a standard output or error that cannot be written (a pipe
//! whose reader is gone, a full disk), and the file API as a command uses it.

#![cfg(unix)]

use std::fs::OpenOptions;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use ecr_share::files::{FileRefusal, PreparedFile, Replace, Written, is_config_for_user};

fn ecr_share() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ecr-share"));
    command.stdin(Stdio::null());
    command
}

/// The write end of a pipe whose read end is already closed: every write fails with
/// `EPIPE`, whenever it happens.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn dev_full() -> std::fs::File {
    OpenOptions::new().write(true).open("/dev/full").unwrap()
}

fn trust(account: &str) -> Command {
    let mut command = ecr_share();
    command.args(["policy", "trust", "--account", account]);
    command
}

fn assert_no_panic(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_ne!(
        output.status.code(),
        Some(101),
        "exit code of a panic: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn the_document_reaches_a_working_pipe() {
    let output = trust("999999999999").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("arn:aws:iam::999999999999:root"), "{text}");
    assert!(output.stderr.is_empty());
}

#[test]
fn a_closed_pipe_on_standard_output_is_reported_not_a_panic() {
    let output = trust("999999999999")
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_full_disk_on_standard_output_is_reported_not_a_panic() {
    let output = trust("999999999999")
        .stdout(dev_full())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = assert_no_panic(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
}

#[test]
fn a_refusal_with_standard_error_closed_keeps_its_exit_code() {
    for stderr in [Stdio::from(closed_pipe()), Stdio::from(dev_full())] {
        let output = trust("12345")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn nothing_at_all_can_be_printed_and_nothing_panics() {
    let output = trust("999999999999")
        .stdout(closed_pipe())
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

/// The order the `curated` command follows: prepare the config file, then create the
/// key, then commit. A file the operator wrote is refused before anything happens.
#[test]
fn a_config_file_is_prepared_before_the_key_and_an_operators_own_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let user = "curated-packages-user";
    let ours = |text: &str| is_config_for_user(user, text);

    let operators = dir.path().join("config");
    let own = "[default]\nregion=eu-west-1\n\n[profile prod]\nrole_arn=arn:aws:iam::1:role/x\n";
    std::fs::write(&operators, own).unwrap();
    let refusal = PreparedFile::prepare(&operators, Replace::IfOurs(&ours)).unwrap_err();
    assert!(matches!(refusal, FileRefusal::Foreign { .. }), "{refusal}");
    assert!(refusal.to_string().contains("--overwrite"), "{refusal}");
    assert_eq!(std::fs::read_to_string(&operators).unwrap(), own);

    let path = dir.path().join("eksa-aws-config");
    let prepared = PreparedFile::prepare(&path, Replace::IfOurs(&ours)).unwrap();
    let config = format!(
        "[default]\nsource_profile={user}\nrole_arn=arn:aws:iam::111111111111:role/r\nregion=us-west-2\n\n[profile {user}]\naws_access_key_id=AKIANEW\naws_secret_access_key=new-secret\n"
    );
    assert_eq!(prepared.commit_or_keep(&config).unwrap(), Written::Created);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), config);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A second run recognises its own file and may replace it.
    let again = PreparedFile::prepare(&path, Replace::IfOurs(&ours)).unwrap();
    assert_eq!(again.commit(&config).unwrap(), Written::Unchanged);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["config", "eksa-aws-config"]);
}
