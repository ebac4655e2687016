//! Step 8 from a config file saved earlier (by step 6, `curated --config-out` or a
//! key rotation): the file is read as the curated-packages controller reads it, and
//! its key, role and region are checked the way step 8 checks a new key. No profile
//! is needed: the file is all the checks use.

use std::io::Read;
use std::path::Path;

use crate::aws::eks::PackageRegistry;
use crate::aws::verify::{self, Backoff, VerifyPlan};
use crate::aws::{self, CallError, CallReport, Outcome, Target};
use crate::core::regions;
use crate::core::saved_config::{self, SavedConfig};
use crate::core::validate::{AccountId, Region};

/// The call name of reading the file.
pub const READ: &str = "read config file";
/// The call name of settling which registry the manifest request goes to.
pub const REGISTRY: &str = "registry";
/// The code of a file that cannot be used, and of a registry that cannot be named.
pub const UNUSABLE: &str = "ConfigFileUnusable";

/// The most a config file may hold; ecr-share writes a few hundred bytes.
const MOST_BYTES: u64 = 64 * 1024;

/// Reads the config file at `path`. `Err` says why it cannot be used, in words that
/// name the path and never quote its contents.
pub fn read(path: &Path) -> Result<SavedConfig, String> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => format!(
            "{shown} does not exist: give the config file that `ecr-share curated --config-out` (or step 6 of the wizard) wrote"
        ),
        _ => format!("{shown} cannot be read: {error}"),
    })?;
    if metadata.is_dir() {
        return Err(format!("{shown} is a folder; give the config file in it"));
    }
    if !metadata.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MOST_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|error| format!("{shown} cannot be read: {error}"))?;
    if bytes.len() as u64 > MOST_BYTES {
        return Err(format!(
            "{shown} is larger than {} KiB: it is not a config file that ecr-share wrote",
            MOST_BYTES / 1024
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        format!("{shown} is not text: it is not a config file that ecr-share wrote")
    })?;
    saved_config::parse(&text).map_err(|reason| format!("{shown}: {reason}"))
}

/// Checks the config file at `path`: one report for reading it, one for the registry
/// the request goes to, then the three checks of step 8 (ending at the first that
/// does not pass). `region` replaces the file's region; `registry_account` names the
/// registry, else the production registry of the region is used.
pub async fn verify_saved(
    path: &Path,
    region: Option<&Region>,
    registry_account: Option<&AccountId>,
    registry_url: Option<&str>,
    backoff: Backoff,
) -> Vec<CallReport> {
    let subject = path.display().to_string();
    let unusable = |message: String| {
        CallReport::new(
            READ,
            &subject,
            Outcome::Failed(CallError::new(READ, Some(UNUSABLE), message)),
        )
    };
    let saved = match read(path) {
        Ok(saved) => saved,
        Err(reason) => return vec![unusable(reason)],
    };
    let region = match (region, &saved.region) {
        (Some(given), _) => given.clone(),
        (None, Some(from_file)) => from_file.clone(),
        (None, None) => {
            return vec![unusable(format!(
                "{subject} names no region in its [default] profile: give one with --region"
            ))];
        }
    };
    let region_note = match (&saved.region, region.name()) {
        (Some(file), chosen) if file.name() != chosen => {
            format!("region {chosen} (given; the file says {file})")
        }
        (Some(_), chosen) => format!("region {chosen}"),
        (None, chosen) => format!("region {chosen} (given; the file names none)"),
    };
    let mut reports = vec![CallReport::new(
        READ,
        &subject,
        Outcome::Ok(format!(
            "user {}, key {}, role {}, {region_note}",
            saved.user, saved.key.access_key_id, saved.role_arn
        )),
    )];
    let registry = match registry_account {
        Some(account) => {
            let registry = PackageRegistry::in_region(account.clone(), &region);
            let text = format!("{} (given)", registry.host);
            (registry, text)
        }
        None => match regions::curated_packages_registry(region.name())
            .and_then(|account| AccountId::parse(account).ok())
        {
            Some(account) => {
                let registry = PackageRegistry::in_region(account, &region);
                let text = format!(
                    "{} (the production registry of {region}; name another with --registry-account)",
                    registry.host
                );
                (registry, text)
            }
            None => {
                reports.push(CallReport::new(
                    REGISTRY,
                    region.name(),
                    Outcome::Failed(CallError::new(
                        REGISTRY,
                        Some(UNUSABLE),
                        format!(
                            "{region} has no production curated-packages registry: name the registry account with --registry-account"
                        ),
                    )),
                ));
                return reports;
            }
        },
    };
    let (registry, text) = registry;
    let mut plan = VerifyPlan::new(saved.role_arn.clone(), registry.host);
    plan.registry_url = registry_url.map(str::to_string);
    plan.backoff = backoff;
    let text = match &plan.registry_url {
        Some(url) => format!("{text}, asked at {url}"),
        None => text,
    };
    reports.push(CallReport::new(
        REGISTRY,
        &plan.registry_host,
        Outcome::Ok(text),
    ));
    // The key comes from the file; the configuration only gives the region, the
    // endpoint and the timeouts.
    let target = Target::new(None, Some(region.name().to_string()));
    match aws::load_config(&target).await {
        Ok(config) => reports.extend(verify::verify(&config, &saved.key, &plan).await),
        Err(error) => reports.push(CallReport::new(
            error.operation.clone(),
            "the SDK configuration",
            Outcome::Failed(error),
        )),
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn no_retry() -> Backoff {
        Backoff {
            attempts: 1,
            first_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    async fn first_problem(path: &Path) -> String {
        let reports = verify_saved(path, None, None, None, no_retry()).await;
        assert_eq!(reports.len(), 1, "{reports:?}");
        let Outcome::Failed(error) = &reports[0].outcome else {
            panic!("{reports:?}")
        };
        assert!(error.is(UNUSABLE));
        assert_eq!(reports[0].call, READ);
        error.message.clone()
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_used_says_why_before_any_call() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing-here");
        assert!(first_problem(&missing).await.contains("does not exist"));
        assert!(first_problem(dir.path()).await.contains("is a folder"));

        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
        assert!(first_problem(&binary).await.contains("is not text"));

        let keyless = dir.path().join("keyless");
        std::fs::write(
            &keyless,
            format!(
                "[default]\nsource_profile=u\nrole_arn=arn:aws:iam::111111111111:role/r\nregion=us-east-1\n\n[profile u]\naws_secret_access_key={SECRET}\n"
            ),
        )
        .unwrap();
        let problem = first_problem(&keyless).await;
        assert!(problem.contains("has no aws_access_key_id"), "{problem}");
        assert!(!problem.contains(SECRET));

        let regionless = dir.path().join("regionless");
        std::fs::write(
            &regionless,
            format!(
                "[default]\nsource_profile=u\nrole_arn=arn:aws:iam::111111111111:role/r\n\n[profile u]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key={SECRET}\n"
            ),
        )
        .unwrap();
        assert!(
            first_problem(&regionless)
                .await
                .contains("give one with --region")
        );
    }

    #[tokio::test]
    async fn a_region_without_a_production_registry_needs_the_account_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            format!(
                "[default]\nsource_profile=u\nrole_arn=arn:aws-cn:iam::111111111111:role/r\nregion=cn-north-1\n\n[profile u]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key={SECRET}\n"
            ),
        )
        .unwrap();
        let reports = verify_saved(&path, None, None, None, no_retry()).await;
        assert_eq!(reports.len(), 2, "{reports:?}");
        assert!(matches!(reports[0].outcome, Outcome::Ok(_)));
        assert_eq!(reports[1].call, REGISTRY);
        assert!(
            reports[1].outcome.detail().contains("--registry-account"),
            "{reports:?}"
        );
        assert!(!format!("{reports:?}").contains(SECRET));
    }
}
