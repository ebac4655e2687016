//! `ecr-share curated teardown`.

use std::process::ExitCode;

use crate::cli::TeardownArgs;

pub fn run(_region: Option<String>, _args: TeardownArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ecr-share curated teardown` is not built yet")
}
