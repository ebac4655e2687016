use std::process::ExitCode;

use crate::cli::{GrantArgs, RevokeArgs};

pub fn run_grant(
    _profile: Option<String>,
    _region: Option<String>,
    _args: GrantArgs,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available in this build")
}

pub fn run_revoke(
    _profile: Option<String>,
    _region: Option<String>,
    _args: RevokeArgs,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not available in this build")
}
