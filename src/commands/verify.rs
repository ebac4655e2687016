//! `ecr-share curated verify`.

use std::process::ExitCode;

use crate::cli::VerifyArgs;

pub fn run(_region: Option<String>, _args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ecr-share curated verify` is not built yet")
}
