//! Step 7 for an existing cluster: hand the `aws-secret` manifest to `kubectl apply`.
//! The manifest holds the secret key, so it goes through stdin, never a file or an
//! argument that other users could see in the process list.

use std::ffi::OsString;
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Why `kubectl apply` did not apply the manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KubectlError {
    #[error(
        "kubectl was not found on PATH: install it, or apply the manifest yourself with kubectl apply -f <file>"
    )]
    NotFound,
    #[error("kubectl could not be run: {0}")]
    Io(String),
    #[error("{}", failed_text(status, output))]
    Failed { status: String, output: String },
}

/// kubectl's own words, once: its output trimmed, or its exit status when it said
/// nothing.
fn failed_text(status: &str, output: &str) -> String {
    let output = trim_output(output);
    if output.is_empty() {
        format!("kubectl ended with {status} and said nothing")
    } else {
        output
    }
}

/// The most kubectl's output is allowed to take on screen.
const MAX_OUTPUT: usize = 400;

/// kubectl's output as it is worth reading: its log-line prefixes
/// (`E1129 22:13:26.123456   4242 memcache.go:265] `) taken off, each distinct line
/// once, at most a few hundred characters.
pub fn trim_output(output: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in output.lines() {
        let line = strip_log_prefix(line.trim()).trim();
        if !line.is_empty() && !lines.contains(&line) {
            lines.push(line);
        }
    }
    let text = lines.join(" · ");
    if text.chars().count() <= MAX_OUTPUT {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_OUTPUT - 1).collect();
    cut.push('…');
    cut
}

/// Takes a klog header off a line: a severity letter, `MMDD hh:mm:ss.micros`, a
/// thread id and `file:line] `.
fn strip_log_prefix(line: &str) -> &str {
    let mut chars = line.chars();
    let severity = chars.next();
    let date: String = chars.by_ref().take(4).collect();
    if !matches!(severity, Some('I' | 'W' | 'E' | 'F'))
        || date.len() != 4
        || !date.chars().all(|c| c.is_ascii_digit())
    {
        return line;
    }
    match line.find("] ") {
        Some(end) if line[..end].contains(':') => &line[end + 2..],
        _ => line,
    }
}

/// The contexts of kubectl's configuration (`kubectl config get-contexts -o name`),
/// in its order. None means kubectl knows no cluster.
pub async fn contexts() -> Result<Vec<String>, KubectlError> {
    contexts_in(None).await
}

async fn contexts_in(path: Option<&OsString>) -> Result<Vec<String>, KubectlError> {
    let output = kubectl(path)
        .args(["config", "get-contexts", "-o", "name"])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => KubectlError::NotFound,
            _ => KubectlError::Io(error.to_string()),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        return Err(KubectlError::Failed {
            status: output.status.to_string(),
            output: stderr,
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect())
}

/// Whether a `kubectl` can be run here.
pub async fn kubectl_available() -> bool {
    kubectl_available_in(None).await
}

/// Runs `kubectl apply -f -` (with `--context` when given), the manifest on stdin.
/// Returns what kubectl printed, such as `secret/aws-secret configured`.
pub async fn apply_manifest(context: Option<&str>, manifest: &str) -> Result<String, KubectlError> {
    apply_manifest_in(None, context, manifest).await
}

fn kubectl(path: Option<&OsString>) -> Command {
    let mut command = Command::new("kubectl");
    if let Some(path) = path {
        // The child's PATH is also where the program is looked up.
        command.env("PATH", path);
    }
    command.kill_on_drop(true);
    command
}

async fn kubectl_available_in(path: Option<&OsString>) -> bool {
    kubectl(path)
        .args(["version", "--client"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}

async fn apply_manifest_in(
    path: Option<&OsString>,
    context: Option<&str>,
    manifest: &str,
) -> Result<String, KubectlError> {
    let mut command = kubectl(path);
    if let Some(context) = context.filter(|c| !c.trim().is_empty()) {
        command.args(["--context", context.trim()]);
    }
    command
        .args(["apply", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => KubectlError::NotFound,
        _ => KubectlError::Io(error.to_string()),
    })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let written = stdin.write_all(manifest.as_bytes()).await;
    drop(stdin);
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| KubectlError::Io(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if !output.status.success() {
        let text = if stderr.is_empty() { stdout } else { stderr };
        return Err(KubectlError::Failed {
            status: output.status.to_string(),
            output: text,
        });
    }
    written.map_err(|e| KubectlError::Io(format!("could not hand kubectl the manifest: {e}")))?;
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    /// A fake `kubectl` that records its arguments and stdin in `dir`, then prints
    /// `output` and exits with `code`.
    fn fake_kubectl(dir: &Path, output: &str, code: i32) -> OsString {
        let script = dir.join("kubectl");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir}/args'\ncat > '{dir}/stdin'\necho '{output}'\nexit {code}\n",
                dir = dir.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut path = OsString::from(dir);
        path.push(":/usr/bin:/bin");
        path
    }

    #[tokio::test]
    async fn the_manifest_goes_to_kubectl_apply_on_stdin_with_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_kubectl(dir.path(), "secret/aws-secret configured", 0);
        let manifest = "apiVersion: v1\nkind: Secret\n";
        let printed = apply_manifest_in(Some(&path), Some("admin@prod"), manifest)
            .await
            .unwrap();
        assert_eq!(printed, "secret/aws-secret configured");
        let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
        assert_eq!(args, "--context\nadmin@prod\napply\n-f\n-\n");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("stdin")).unwrap(),
            manifest
        );
    }

    #[tokio::test]
    async fn without_a_context_kubectl_uses_its_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_kubectl(dir.path(), "created", 0);
        apply_manifest_in(Some(&path), Some("  "), "x")
            .await
            .unwrap();
        let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
        assert_eq!(args, "apply\n-f\n-\n");
    }

    #[tokio::test]
    async fn a_failing_kubectl_reports_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_kubectl(dir.path(), "error: context prod not found", 1);
        let error = apply_manifest_in(Some(&path), Some("prod"), "x")
            .await
            .unwrap_err();
        let KubectlError::Failed { output, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(output, "error: context prod not found");
    }

    #[test]
    fn kubectl_errors_are_said_once_without_log_prefixes() {
        let raw = "E1129 22:13:26.123456   4242 memcache.go:265] couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp [::1]:8080: connect: connection refused\nE1129 22:13:26.223456   4242 memcache.go:265] couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp [::1]:8080: connect: connection refused\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?\n";
        let trimmed = trim_output(raw);
        assert_eq!(
            trimmed,
            "couldn't get current server API group list: Get \"http://localhost:8080/api?timeout=32s\": dial tcp [::1]:8080: connect: connection refused · The connection to the server localhost:8080 was refused - did you specify the right host or port?"
        );
        let error = KubectlError::Failed {
            status: "exit status: 1".into(),
            output: raw.into(),
        };
        assert_eq!(error.to_string(), trimmed);
        let silent = KubectlError::Failed {
            status: "exit status: 1".into(),
            output: "\n".into(),
        };
        assert_eq!(
            silent.to_string(),
            "kubectl ended with exit status: 1 and said nothing"
        );
        let long = "x".repeat(1000);
        assert_eq!(trim_output(&long).chars().count(), MAX_OUTPUT);
    }

    #[tokio::test]
    async fn contexts_are_listed_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = fake_kubectl(dir.path(), "admin@prod\nkind-dev", 0);
        assert_eq!(
            contexts_in(Some(&path)).await.unwrap(),
            ["admin@prod", "kind-dev"]
        );
        let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
        assert_eq!(args, "config\nget-contexts\n-o\nname\n");
        let path = fake_kubectl(dir.path(), "", 0);
        assert!(contexts_in(Some(&path)).await.unwrap().is_empty());
        let missing = OsString::from(tempfile::tempdir().unwrap().path());
        assert_eq!(
            contexts_in(Some(&missing)).await.unwrap_err(),
            KubectlError::NotFound
        );
    }

    #[tokio::test]
    async fn a_missing_kubectl_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = OsString::from(dir.path());
        assert!(!kubectl_available_in(Some(&path)).await);
        assert_eq!(
            apply_manifest_in(Some(&path), None, "x").await.unwrap_err(),
            KubectlError::NotFound
        );
        let path = fake_kubectl(dir.path(), "Client Version: v1.31.0", 0);
        assert!(kubectl_available_in(Some(&path)).await);
    }
}
