//! `ecr-share audit`.

use std::process::ExitCode;

use crate::cli::AuditArgs;

pub fn run(
    _profile: Option<String>,
    _region: Option<String>,
    _args: AuditArgs,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ecr-share audit` is not built yet")
}
