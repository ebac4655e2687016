//! `ecr-share curated export`.

use std::process::ExitCode;

use crate::cli::ExportArgs;

pub fn run(_region: Option<String>, _args: ExportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ecr-share curated export` is not built yet")
}
