//! `ecr-share curated rotate-key`.

use std::process::ExitCode;

use crate::cli::RotateKeyArgs;

pub fn run(_region: Option<String>, _args: RotateKeyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ecr-share curated rotate-key` is not built yet")
}
