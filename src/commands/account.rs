//! The account each profile acts as, asked of AWS (`sts:GetCallerIdentity`) before
//! anything else, as every curated-packages command does.

use anyhow::anyhow;

use crate::aws::{self as aws_layer, Target};
use crate::core::validate::{AccountId, Region};
use crate::outln;

/// The end of a message about a failure before the first change.
pub const NOTHING_CHANGED: &str = ". Nothing was changed.";

/// Refuses, before any account is asked anything, a profile that the AWS config
/// does not define: every profile must exist before the first call.
pub async fn check_profiles_exist<P: AsRef<str>>(
    profiles: impl IntoIterator<Item = (&'static str, P)>,
) -> anyhow::Result<()> {
    for (flag, profile) in profiles {
        crate::aws::profiles::find(profile.as_ref())
            .await
            .map_err(|e| anyhow!("{flag}: {e}{NOTHING_CHANGED}"))?;
    }
    Ok(())
}

/// One of the two accounts, as resolved from its profile.
pub struct Account {
    /// `source` or `destination`, as the lines printed about it say.
    pub label: &'static str,
    pub profile: String,
    pub id: AccountId,
    pub target: Target,
}

impl Account {
    /// Asks the profile which account it is, and prints the answer. `after` ends the
    /// message when the profile cannot be loaded or asked ([`NOTHING_CHANGED`], or
    /// nothing).
    pub async fn resolve(
        label: &'static str,
        profile: &str,
        region: &Region,
        after: &str,
    ) -> anyhow::Result<Account> {
        let target = Target::new(Some(profile.to_string()), Some(region.name().to_string()));
        let config = aws_layer::load_config(&target)
            .await
            .map_err(|e| anyhow!("{label} {}: {e}{after}", target.profile_label()))?;
        let identity = aws_layer::caller_identity(&config)
            .await
            .map_err(|e| anyhow!("{label} {}: {e}{after}", target.profile_label()))?;
        let id = AccountId::parse(&identity.account)
            .map_err(|e| anyhow!("{label} {}: {e}", target.profile_label()))?;
        outln!(
            "{label}: {} is account {id} ({})",
            target.profile_label(),
            identity.arn
        );
        Ok(Account {
            label,
            profile: profile.to_string(),
            id,
            target,
        })
    }

    /// `[destination 999999999999 · profile `p`]`, as plan lines start.
    pub fn tag(&self) -> String {
        format!("[{} {} · profile `{}`]", self.label, self.id, self.profile)
    }
}
