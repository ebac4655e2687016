//! Named profiles in the AWS config and credentials files, read with the SDK's own
//! parser, so that a profile the operator names is known to exist before any call.

use std::path::{Path, PathBuf};

use aws_runtime::env_config::file::EnvConfigFiles;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::os_shim_internal::{Env, Fs};

use super::CallError;
use crate::core::validate::shown;

/// The operation a failed profile lookup reports.
pub const OPERATION: &str = "read AWS profiles";
/// The code of a profile that is in neither file.
pub const PROFILE_NOT_FOUND: &str = "ProfileNotFound";
/// The code of a config or credentials file the SDK cannot read or parse.
pub const PROFILE_FILE_UNREADABLE: &str = "ProfileFileUnreadable";

/// What the files say about a profile that exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The profile's `region`, if it sets one.
    pub region: Option<String>,
}

/// Looks a profile up in the config and credentials files (`AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE`, by default `~/.aws/config` and `~/.aws/credentials`).
pub async fn find(name: &str) -> Result<Profile, CallError> {
    find_in(name, &Fs::real(), &Env::real()).await
}

/// The region a profile is configured with, read from the environment and the files
/// only: never from the instance metadata service, whose lookup can take seconds to
/// give up off EC2, which the wizard's first frame must not wait for. With a profile:
/// its `region`, else `AWS_REGION`. Without one: `AWS_REGION`, else the region of the
/// profile `AWS_PROFILE` names (or `default`). `None` for a profile that does not
/// exist.
pub async fn configured_region(profile: Option<&str>) -> Option<String> {
    configured_region_in(profile, &Fs::real(), &Env::real()).await
}

async fn configured_region_in(profile: Option<&str>, fs: &Fs, env: &Env) -> Option<String> {
    let from_env = || {
        env.get("AWS_REGION")
            .ok()
            .map(|region| region.trim().to_string())
            .filter(|region| !region.is_empty())
    };
    match profile {
        Some(name) => find_in(name, fs, env).await.ok()?.region.or_else(from_env),
        None => match from_env() {
            Some(region) => Some(region),
            None => {
                let name = env
                    .get("AWS_PROFILE")
                    .ok()
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| "default".to_string());
                find_in(name.trim(), fs, env).await.ok()?.region
            }
        },
    }
}

/// The names of every profile in the config and credentials files, sorted, each once.
/// Files that do not exist hold no profiles; a file that cannot be parsed is an error.
pub async fn list() -> Result<Vec<String>, CallError> {
    list_in(&Fs::real(), &Env::real()).await
}

async fn list_in(fs: &Fs, env: &Env) -> Result<Vec<String>, CallError> {
    let set = load(fs, env).await?;
    let mut names: Vec<String> = set.profiles().map(str::to_string).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

async fn load(fs: &Fs, env: &Env) -> Result<aws_config::profile::ProfileSet, CallError> {
    aws_config::profile::load(fs, env, &EnvConfigFiles::default(), None)
        .await
        .map_err(|error| {
            CallError::new(
                OPERATION,
                Some(PROFILE_FILE_UNREADABLE),
                DisplayErrorContext(&error).to_string(),
            )
        })
}

async fn find_in(name: &str, fs: &Fs, env: &Env) -> Result<Profile, CallError> {
    let set = load(fs, env).await?;
    match set.get_profile(name) {
        Some(profile) => Ok(Profile {
            region: profile
                .get("region")
                .map(str::trim)
                .filter(|region| !region.is_empty())
                .map(str::to_string),
        }),
        None => {
            let (config, credentials) = files_in(env);
            Err(not_found(name, &config, &credentials))
        }
    }
}

/// The refusal of a profile that is in neither file, naming both.
pub fn not_found(name: &str, config: &Path, credentials: &Path) -> CallError {
    CallError::new(
        OPERATION,
        Some(PROFILE_NOT_FOUND),
        format!(
            "profile `{}` is in neither {} nor {}",
            shown(name),
            shown(&config.display().to_string()),
            shown(&credentials.display().to_string())
        ),
    )
}

/// The config and credentials files the SDK reads, as it finds them: the path in
/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else the default under the home
/// folder, with a leading `~` expanded.
pub fn files() -> (PathBuf, PathBuf) {
    files_in(&Env::real())
}

fn files_in(env: &Env) -> (PathBuf, PathBuf) {
    let home = env
        .get("HOME")
        .ok()
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(std::env::home_dir);
    let file = |variable: &str, default: &str| match env.get(variable) {
        Ok(path) if !path.is_empty() => expand_home(&path, home.as_deref()),
        _ => match &home {
            Some(home) => home.join(default),
            None => PathBuf::from("~").join(default),
        },
    };
    (
        file("AWS_CONFIG_FILE", ".aws/config"),
        file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    )
}

fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    let rest = if path == "~" {
        Some("")
    } else {
        path.strip_prefix("~/")
    };
    match (rest, home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_the_home_folder() {
        let home = Path::new("/home/op");
        assert_eq!(
            expand_home("~/aws/config", Some(home)),
            PathBuf::from("/home/op/aws/config")
        );
        assert_eq!(
            expand_home("/etc/aws/config", Some(home)),
            PathBuf::from("/etc/aws/config")
        );
        assert_eq!(
            expand_home("~other/config", Some(home)),
            PathBuf::from("~other/config")
        );
    }

    #[test]
    fn a_missing_profile_is_named_with_both_files() {
        let error = not_found(
            "no-such",
            Path::new("/home/x/.aws/config"),
            Path::new("/home/x/.aws/credentials"),
        );
        assert!(error.is(PROFILE_NOT_FOUND));
        assert_eq!(
            error.message,
            "profile `no-such` is in neither /home/x/.aws/config nor /home/x/.aws/credentials"
        );
    }

    fn files(entries: &[(&str, &str)]) -> Fs {
        Fs::from_map(
            entries
                .iter()
                .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
                .collect::<std::collections::HashMap<_, _>>(),
        )
    }

    #[tokio::test]
    async fn profiles_are_found_in_either_file_with_their_region() {
        let fs = files(&[
            (
                "/home/op/.aws/config",
                "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = base\n",
            ),
            (
                "/home/op/.aws/credentials",
                "[base]\naws_access_key_id = A\naws_secret_access_key = B\n",
            ),
        ]);
        let env = Env::from_slice(&[("HOME", "/home/op")]);
        let prod = find_in("prod", &fs, &env).await.unwrap();
        assert_eq!(prod.region.as_deref(), Some("eu-west-1"));
        let base = find_in("base", &fs, &env).await.unwrap();
        assert_eq!(base.region, None);
        let missing = find_in("no-such", &fs, &env).await.unwrap_err();
        assert_eq!(
            missing.message,
            "profile `no-such` is in neither /home/op/.aws/config nor /home/op/.aws/credentials"
        );
    }

    #[tokio::test]
    async fn the_configured_region_comes_from_the_files_and_the_environment_only() {
        let fs = files(&[(
            "/home/op/.aws/config",
            "[default]\nregion = us-east-2\n[profile prod]\nregion = eu-west-1\n[profile bare]\noutput = json\n[profile chosen]\nregion = ap-south-2\n",
        )]);
        let env = Env::from_slice(&[("HOME", "/home/op")]);
        let region = |profile| configured_region_in(profile, &fs, &env);
        assert_eq!(region(Some("prod")).await.as_deref(), Some("eu-west-1"));
        assert_eq!(region(None).await.as_deref(), Some("us-east-2"));
        assert_eq!(region(Some("bare")).await, None);
        assert_eq!(region(Some("no-such")).await, None);
        let env = Env::from_slice(&[("HOME", "/home/op"), ("AWS_PROFILE", "chosen")]);
        assert_eq!(
            configured_region_in(None, &fs, &env).await.as_deref(),
            Some("ap-south-2")
        );
        let env = Env::from_slice(&[("HOME", "/home/op"), ("AWS_REGION", "ca-west-1")]);
        assert_eq!(
            configured_region_in(None, &fs, &env).await.as_deref(),
            Some("ca-west-1")
        );
        assert_eq!(
            configured_region_in(Some("bare"), &fs, &env)
                .await
                .as_deref(),
            Some("ca-west-1")
        );
        assert_eq!(
            configured_region_in(Some("prod"), &fs, &env)
                .await
                .as_deref(),
            Some("eu-west-1")
        );
    }

    #[tokio::test]
    async fn the_file_variables_are_honoured() {
        let fs = files(&[
            ("/etc/aws/config", "[profile ci]\nregion = us-west-2\n"),
            ("/home/op/.aws/config", "[profile home]\n"),
        ]);
        let env = Env::from_slice(&[
            ("HOME", "/home/op"),
            ("AWS_CONFIG_FILE", "/etc/aws/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "~/keys"),
        ]);
        assert_eq!(
            find_in("ci", &fs, &env).await.unwrap().region.as_deref(),
            Some("us-west-2")
        );
        let missing = find_in("home", &fs, &env).await.unwrap_err();
        assert!(missing.is(PROFILE_NOT_FOUND));
        assert_eq!(
            missing.message,
            "profile `home` is in neither /etc/aws/config nor /home/op/keys"
        );
    }

    #[tokio::test]
    async fn every_profile_of_both_files_is_listed_once_and_sorted() {
        let fs = files(&[
            (
                "/home/op/.aws/config",
                "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n[profile base]\n",
            ),
            (
                "/home/op/.aws/credentials",
                "[base]\naws_access_key_id = A\naws_secret_access_key = B\n[ci]\naws_access_key_id = C\naws_secret_access_key = D\n",
            ),
        ]);
        let env = Env::from_slice(&[("HOME", "/home/op")]);
        assert_eq!(
            list_in(&fs, &env).await.unwrap(),
            ["base", "ci", "default", "prod"]
        );
        // No files: no profiles, and no error.
        let empty = list_in(&files(&[]), &env).await.unwrap();
        assert!(empty.is_empty(), "{empty:?}");
    }

    #[test]
    fn a_hostile_profile_name_is_shown_escaped() {
        let error = not_found("a\u{1b}[2Jb\nc", Path::new("/c"), Path::new("/k"));
        assert!(!error.to_string().chars().any(char::is_control), "{error}");
        assert!(error.message.contains(r"a\x1b[2Jb\nc"), "{}", error.message);
    }
}
