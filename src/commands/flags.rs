//! The flags the curated-packages commands share, checked the same way in each: the
//! region, the profiles, the names of what the procedure creates, and the files it
//! writes. Each refusal names its flag.

use std::path::Path;

use anyhow::{anyhow, bail};

use crate::cli::CuratedNames;
use crate::core::validate::{AccountId, IamKind, IamName, Region};
use crate::procedure::teardown::Names;

/// The region, which the command cannot do without; `missing` says why it needs one.
pub fn region(region: Option<String>, missing: &str) -> anyhow::Result<Region> {
    let region = region.ok_or_else(|| anyhow!("{missing}"))?;
    Region::parse(&region).map_err(|e| anyhow!("--region: {e}"))
}

/// An account id the command may go without, checked at `flag` when given.
pub fn optional_account(flag: &str, value: Option<&str>) -> anyhow::Result<Option<AccountId>> {
    value
        .map(AccountId::parse)
        .transpose()
        .map_err(|e| anyhow!("{flag}: {e}"))
}

/// A profile's name, trimmed; an empty one is refused at `flag`.
pub fn profile(flag: &str, text: &str) -> anyhow::Result<String> {
    let profile = text.trim();
    if profile.is_empty() {
        bail!("{flag}: enter the name of an AWS profile");
    }
    Ok(profile.to_string())
}

impl CuratedNames {
    /// The four IAM names, each checked at its flag.
    pub fn iam_names(&self) -> anyhow::Result<Names> {
        let name = |flag: &str, kind: IamKind, text: &str| {
            IamName::parse(kind, text).map_err(|e| anyhow!("--{flag}: {e}"))
        };
        Ok(Names {
            read_policy: name("policy-name", IamKind::Policy, &self.policy_name)?,
            role: name("role-name", IamKind::Role, &self.role_name)?,
            assume_policy: name(
                "assume-policy-name",
                IamKind::Policy,
                &self.assume_policy_name,
            )?,
            user: name("user-name", IamKind::User, &self.user_name)?,
        })
    }

    /// The source and the destination profile, trimmed.
    pub fn profiles(&self) -> anyhow::Result<(String, String)> {
        Ok((
            profile("--source-profile", &self.source_profile)?,
            profile("--destination-profile", &self.destination_profile)?,
        ))
    }
}

/// A file the command will write: a path, not a folder, in a folder that exists.
pub fn check_output_path(flag: &str, path: &Path) -> anyhow::Result<()> {
    if path.as_os_str().is_empty() {
        bail!("{flag}: enter a file path");
    }
    if path.is_dir() {
        bail!("{flag}: {} is a folder; name a file in it", path.display());
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        bail!("{flag}: the folder {} does not exist", parent.display());
    }
    Ok(())
}
