//! The log goes to a file, never to the terminal the wizard draws on. Nothing secret
//! is logged: secrets are `core::secret::Secret`, whose formatting is masked.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;
use tracing_subscriber::EnvFilter;

/// Where the log goes when `--log-file` is not given.
pub fn default_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "ecr-share")
        .map(|dirs| dirs.cache_dir().join("ecr-share.log"))
        .unwrap_or_else(|| std::env::temp_dir().join("ecr-share.log"))
}

/// Starts logging to `path` (or the default), at the level in `ECR_SHARE_LOG`
/// (default `info`). Returns the path in use.
pub fn init(path: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = path.unwrap_or_else(default_path);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the log folder {}", parent.display()))?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let filter =
        EnvFilter::try_from_env("ECR_SHARE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // A second initialisation (in tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    Ok(path)
}
