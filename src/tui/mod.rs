use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(
    _profile: Option<String>,
    _region: Option<String>,
    _log_file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available in this build")
}
