//! A config file that ecr-share wrote (step 6, `curated --config-out`), read back:
//! the user's access key, the role its default profile assumes and the region, the
//! values the curated-packages controller takes from it.
//!
//! The file holds a secret, so nothing read from it is ever put into a message except
//! the names and ids that are not secret (shown escaped); a problem names the section
//! and the key that is wrong, never the line.

use super::secret::{AccessKeyPair, Secret};
use super::validate::{IamKind, IamName, Invalid, Region, RoleArn, shown};

/// What a config file written by ecr-share says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedConfig {
    /// The user whose key it holds: the `[default]` profile's `source_profile`.
    pub user: IamName,
    /// The role the `[default]` profile assumes.
    pub role_arn: RoleArn,
    /// The `[default]` profile's region, when it names one.
    pub region: Option<Region>,
    /// The key pair of the `[profile <user>]` section.
    pub key: AccessKeyPair,
}

/// Where this tool's config files come from, for messages about one that is not.
const WRITTEN_BY: &str =
    "it is not a config file that ecr-share wrote (curated --config-out, or step 6 of the wizard)";

/// One `[section]` of the file: its name as the AWS SDKs read a config file (`default`
/// for `[default]` and `[profile default]`, the name for `[profile name]`) and its
/// `key=value` pairs, later ones winning.
struct Section {
    name: Option<String>,
    values: Vec<(String, String)>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn sections(text: &str) -> Vec<Section> {
    let mut sections = vec![Section {
        name: None,
        values: Vec::new(),
    }];
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let words: Vec<&str> = inner.split_whitespace().collect();
            let name = match words.as_slice() {
                ["default"] | ["profile", "default"] => Some("default".to_string()),
                ["profile", name] => Some((*name).to_string()),
                _ => None,
            };
            sections.push(Section {
                name,
                values: Vec::new(),
            });
            continue;
        }
        if let Some((key, value)) = line.split_once('=')
            && let Some(section) = sections.last_mut()
        {
            section
                .values
                .push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    sections
}

/// Whether a key id has the shape AWS gives them: 16 to 128 letters and digits.
fn is_key_id(text: &str) -> bool {
    (16..=128).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Reads the config file's text. `Err` says, naming the section and key, what is
/// missing or wrong; it never quotes the secret.
pub fn parse(text: &str) -> Result<SavedConfig, Invalid> {
    let sections = sections(text);
    let named = |name: &str| {
        sections
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(name))
    };
    let Some(default) = named("default") else {
        return Err(Invalid(format!(
            "it has no [default] profile; {WRITTEN_BY}"
        )));
    };
    let Some(user_text) = default.get("source_profile") else {
        return Err(Invalid(format!(
            "its [default] profile has no source_profile; {WRITTEN_BY}"
        )));
    };
    let user = IamName::parse(IamKind::User, user_text).map_err(|Invalid(reason)| {
        Invalid(format!(
            "its [default] source_profile '{}' is not an IAM user name ({reason}); {WRITTEN_BY}",
            shown(user_text)
        ))
    })?;
    let Some(role_text) = default.get("role_arn") else {
        return Err(Invalid(format!(
            "its [default] profile has no role_arn; {WRITTEN_BY}"
        )));
    };
    let role_arn = RoleArn::parse(role_text)
        .map_err(|Invalid(reason)| Invalid(format!("its [default] role_arn: {reason}")))?;
    let region = default
        .get("region")
        .map(Region::parse)
        .transpose()
        .map_err(|Invalid(reason)| Invalid(format!("its [default] region: {reason}")))?;
    let Some(profile) = named(user.as_str()) else {
        return Err(Invalid(format!(
            "it has no [profile {user}] section with the user's key; {WRITTEN_BY}"
        )));
    };
    let Some(id) = profile.get("aws_access_key_id") else {
        return Err(Invalid(format!(
            "its [profile {user}] section has no aws_access_key_id"
        )));
    };
    if !is_key_id(id) {
        return Err(Invalid(format!(
            "its [profile {user}] aws_access_key_id '{}' is not an access key id (16 to 128 letters and digits)",
            shown(id)
        )));
    }
    let Some(secret) = profile.get("aws_secret_access_key") else {
        return Err(Invalid(format!(
            "its [profile {user}] section has no aws_secret_access_key"
        )));
    };
    Ok(SavedConfig {
        user,
        role_arn,
        region,
        key: AccessKeyPair {
            access_key_id: id.to_string(),
            secret_access_key: Secret::new(secret),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::documents::aws_config_file;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn written() -> String {
        aws_config_file(
            Some(&IamName::parse(IamKind::User, "curated-packages-user").unwrap()),
            Some(&RoleArn::parse("arn:aws:iam::111111111111:role/curated-packages-role").unwrap()),
            Some(&Region::parse("us-west-2").unwrap()),
            Some(&AccessKeyPair {
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_access_key: Secret::new(SECRET),
            }),
        )
    }

    #[test]
    fn a_file_ecr_share_wrote_reads_back_whole() {
        let saved = parse(&written()).unwrap();
        assert_eq!(saved.user.as_str(), "curated-packages-user");
        assert_eq!(
            saved.role_arn.as_str(),
            "arn:aws:iam::111111111111:role/curated-packages-role"
        );
        assert_eq!(saved.region.unwrap().name(), "us-west-2");
        assert_eq!(saved.key.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(saved.key.secret_access_key.expose(), SECRET);
    }

    #[test]
    fn spacing_comments_and_the_long_default_header_are_read_as_the_sdks_read_them() {
        let text = format!(
            "# written by hand\n[profile default]\nsource_profile = u1\n; comment\nrole_arn = arn:aws:iam::111111111111:role/r\n\n[profile   u1]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
        );
        let saved = parse(&text).unwrap();
        assert_eq!(saved.user.as_str(), "u1");
        assert_eq!(saved.region, None);
        assert_eq!(saved.key.secret_access_key.expose(), SECRET);
    }

    #[test]
    fn each_missing_part_is_named_and_the_secret_never_is() {
        let full = written();
        let without = |needle: &str| {
            full.lines()
                .filter(|line| !line.starts_with(needle))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let cases = [
            (String::new(), "it has no [default] profile"),
            ("just some text".to_string(), "it has no [default] profile"),
            (without("source_profile"), "has no source_profile"),
            (without("role_arn"), "has no role_arn"),
            (
                without("[profile"),
                "it has no [profile curated-packages-user] section",
            ),
            (without("aws_access_key_id"), "has no aws_access_key_id"),
            (
                without("aws_secret_access_key"),
                "has no aws_secret_access_key",
            ),
            (
                full.replace("region=us-west-2", "region=mars-1"),
                "its [default] region: 'mars-1' is not a region",
            ),
            (
                full.replace("role_arn=arn:aws:iam::111111111111:role/", "role_arn=nope"),
                "its [default] role_arn: a role ARN looks like",
            ),
            (
                full.replace("AKIAIOSFODNN7EXAMPLE", "AKIA\u{1b}[31m"),
                "aws_access_key_id 'AKIA\\x1b[31m' is not an access key id",
            ),
        ];
        for (text, expected) in cases {
            let problem = parse(&text).unwrap_err().0;
            assert!(
                problem.contains(expected),
                "{expected:?} not in {problem:?}"
            );
            assert!(!problem.contains(SECRET), "{problem}");
        }
        // A file cut in the middle of the secret's line still says nothing of it.
        let cut = full.replace(&format!("aws_secret_access_key={SECRET}"), SECRET);
        let problem = parse(&cut).unwrap_err().0;
        assert!(!problem.contains(SECRET), "{problem}");
    }
}
