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
    #[error("kubectl apply failed ({status}): {output}")]
    Failed { status: String, output: String },
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
