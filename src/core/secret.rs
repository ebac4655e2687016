//! A secret value that cannot be printed by accident: `Debug` and `Display` show a
//! mask, so a secret that reaches a log line or a panic message stays hidden.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call it only where the value must leave the program: the
    /// config file, the clipboard, the screen after the operator reveals it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value as the screen shows it until the operator reveals it.
    pub fn masked(&self) -> String {
        "*".repeat(self.0.chars().count().clamp(8, 40))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// An IAM user's access key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyPair {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_formats_its_value() {
        let secret = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(!format!("{secret:?}").contains("wJalr"));
        assert!(!format!("{secret}").contains("wJalr"));
        let pair = AccessKeyPair {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: secret.clone(),
        };
        assert!(!format!("{pair:?}").contains("wJalr"));
        assert_eq!(secret.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(secret.masked().len(), 40);
    }
}
