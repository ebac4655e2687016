//! Validated inputs. Every constructor takes what the operator typed and either returns
//! a value that is safe to put in a document or an [`Invalid`] whose message says what
//! is wrong in words an operator can act on.

use std::fmt;

use super::regions::{self, Partition};

/// Why a typed value was refused. The message is shown at the field and on the
/// command line as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid<T>(message: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid(message.into()))
}

/// The most characters of a refused value a message shows.
pub const SHOWN_MAX: usize = 80;

/// A refused value as a message may show it: control characters and the invisible
/// characters that reorder text are escaped (`\x1b`, `\n`, `\u{202e}`), so nothing the
/// operator typed or a file held can move the cursor or recolour the terminal, and a
/// long value is cut after [`SHOWN_MAX`] characters with `…`.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in value.chars() {
        let piece = match c {
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\t' => "\\t".to_string(),
            c if c.is_control() && (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
            c if c.is_control() || is_reordering(c) => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        };
        let width = piece.chars().count();
        if count + width > SHOWN_MAX {
            out.push('…');
            return out;
        }
        count += width;
        out.push_str(&piece);
    }
    out
}

/// One character as [`shown`] shows it.
fn shown_char(c: char) -> String {
    shown(c.encode_utf8(&mut [0; 4]))
}

/// Invisible characters that change the order or direction text is drawn in.
fn is_reordering(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Reads an account id as the console shows it or as it is typed: twelve digits,
    /// possibly in groups separated by one dash or space (`1111-2222-3333`,
    /// `1111 2222 3333`), which are dropped. Anything else is refused.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        if text.is_empty() {
            return invalid("enter the 12-digit AWS account id");
        }
        let digits: String = match grouped_digits(text) {
            Some(digits) => digits,
            None => {
                let bad = text
                    .chars()
                    .find(|c| !c.is_ascii_digit() && !is_group_separator(*c))
                    .or_else(|| text.chars().find(|c| !c.is_ascii_digit()))
                    .unwrap_or(' ');
                return invalid(format!(
                    "an account id has only the digits 0-9, not '{}'",
                    shown_char(bad)
                ));
            }
        };
        if digits.len() != 12 {
            return invalid(format!(
                "an account id has exactly 12 digits; this has {}",
                digits.len()
            ));
        }
        Ok(AccountId(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `arn:<partition>:iam::<account>:root`, the principal that stands for the account.
    pub fn root_arn(&self, partition: Partition) -> String {
        format!("arn:{partition}:iam::{}:root", self.0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `c` may stand between two digit groups of one account id.
fn is_group_separator(c: char) -> bool {
    c == '-' || c == ' '
}

/// The digits of `text` when it is digit groups separated by single dashes or
/// spaces (`1111-2222-3333`); `None` when anything else is in it.
fn grouped_digits(text: &str) -> Option<String> {
    let mut digits = String::with_capacity(12);
    let mut previous_digit = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            previous_digit = true;
        } else if is_group_separator(c)
            && previous_digit
            && chars.peek().is_some_and(char::is_ascii_digit)
        {
            previous_digit = false;
        } else {
            return None;
        }
    }
    Some(digits)
}

/// One or more account ids, separated by commas, semicolons, line breaks or white
/// space, as they are pasted: a run of digit groups on one line that makes exactly
/// 12 digits (`1111 2222 3333`) is one account. Duplicates are dropped, the first
/// order is kept.
pub fn parse_account_list(input: &str) -> Result<Vec<AccountId>, Invalid> {
    let mut accounts: Vec<AccountId> = Vec::new();
    let mut index = 0;
    for chunk in input.split([',', ';', '\n', '\r']) {
        let words: Vec<&str> = chunk.split_whitespace().collect();
        let mut start = 0;
        while start < words.len() {
            index += 1;
            let (account, taken) = match AccountId::parse(words[start]) {
                Ok(account) => (account, 1),
                Err(Invalid(reason)) => match grouped_run(&words[start..]) {
                    Some(found) => found,
                    None => {
                        return Err(Invalid(format!(
                            "account {index} ('{}'): {reason}",
                            shown(words[start])
                        )));
                    }
                },
            };
            start += taken;
            if !accounts.contains(&account) {
                accounts.push(account);
            }
        }
    }
    if accounts.is_empty() {
        return invalid("enter at least one 12-digit account id (separate several with commas)");
    }
    Ok(accounts)
}

/// The account that the first words make together (`1111 2222 3333`), and how many
/// words it took: only words of digit groups, and only while they hold at most 12
/// digits.
fn grouped_run(words: &[&str]) -> Option<(AccountId, usize)> {
    let mut digits = 0;
    for (taken, word) in words.iter().enumerate() {
        digits += grouped_digits(word)?.len();
        if digits > 12 {
            return None;
        }
        if digits == 12 {
            let joined = words[..=taken].join(" ");
            return AccountId::parse(&joined).ok().map(|id| (id, taken + 1));
        }
    }
    None
}

/// A region the wizard knows, with its partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    name: String,
    partition: Partition,
}

impl Region {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        if text.is_empty() {
            return invalid("enter a region, such as us-west-2");
        }
        match regions::partition_of(text) {
            Some(partition) => Ok(Region {
                name: text.to_string(),
                partition,
            }),
            None => {
                let lower = text.to_ascii_lowercase();
                if lower != text && regions::partition_of(&lower).is_some() {
                    return invalid(format!("region names are lower case: {lower}"));
                }
                invalid(format!(
                    "'{}' is not a region this tool knows (for example us-east-1, eu-west-1, cn-north-1, us-gov-west-1)",
                    shown(text)
                ))
            }
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// An EKS Anywhere subscription id: a UUID such as `e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionId(String);

impl SubscriptionId {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        const SHAPE: &str = "a subscription id is hex digits in groups of 8-4-4-4-12, like e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964";
        if text.is_empty() {
            return invalid("enter the subscription id");
        }
        let groups: Vec<&str> = text.split('-').collect();
        let lengths_ok = groups.len() == 5
            && groups
                .iter()
                .zip([8, 4, 4, 4, 12])
                .all(|(group, len)| group.len() == len);
        let hex_ok = groups
            .iter()
            .all(|group| group.chars().all(|c| c.is_ascii_hexdigit()));
        if !lengths_ok || !hex_ok {
            return invalid(SHAPE);
        }
        Ok(SubscriptionId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of IAM entity a name is for; the kinds differ in their length limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamKind {
    Policy,
    Role,
    User,
}

impl IamKind {
    fn max_len(self) -> usize {
        match self {
            IamKind::Policy => 128,
            IamKind::Role | IamKind::User => 64,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            IamKind::Policy => "policy",
            IamKind::Role => "role",
            IamKind::User => "user",
        }
    }
}

/// A name for an IAM policy, role or user: letters, digits and `+=,.@_-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamName(String);

impl IamName {
    pub fn parse(kind: IamKind, input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        let noun = kind.noun();
        if text.is_empty() {
            return invalid(format!("enter a {noun} name"));
        }
        if let Some(bad) = text.chars().find(|c| !is_iam_name_char(*c)) {
            return invalid(format!(
                "a {noun} name may use letters, digits and + = , . @ _ - only, not '{}'",
                shown_char(bad)
            ));
        }
        let max = kind.max_len();
        let len = text.chars().count();
        if len > max {
            return invalid(format!(
                "a {noun} name has at most {max} characters; this has {len}"
            ));
        }
        Ok(IamName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// An ECR repository name: 2–256 characters of lower-case path components such as
/// `team/app-images`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryName(String);

impl RepositoryName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        if text.is_empty() {
            return invalid("enter the repository name, such as team/app");
        }
        let len = text.chars().count();
        if !(2..=256).contains(&len) {
            return invalid(format!(
                "a repository name has 2 to 256 characters; this has {len}"
            ));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(*c)))
        {
            return invalid(if bad.is_ascii_uppercase() {
                "a repository name is lower case".to_string()
            } else {
                format!(
                    "a repository name may use lower-case letters, digits and . _ - / only, not '{}'",
                    shown_char(bad)
                )
            });
        }
        for component in text.split('/') {
            if component.is_empty() {
                return invalid(
                    "a repository name has no empty parts: no leading, trailing or doubled '/'",
                );
            }
            let starts_ok = component.starts_with(|c: char| c.is_ascii_alphanumeric());
            let ends_ok = component.ends_with(|c: char| c.is_ascii_alphanumeric());
            let doubled = component
                .as_bytes()
                .windows(2)
                .any(|w| b"._-".contains(&w[0]) && b"._-".contains(&w[1]));
            if !starts_ok || !ends_ok || doubled {
                return invalid(format!(
                    "'{}': each part of a repository name starts and ends with a letter or digit, with single . _ - between",
                    shown(component)
                ));
            }
        }
        Ok(RepositoryName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RepositoryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ARN of an IAM role: `arn:<partition>:iam::<account>:role/<path><name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    text: String,
    account: AccountId,
    name: IamName,
}

impl RoleArn {
    pub fn new(partition: Partition, account: &AccountId, name: &IamName) -> Self {
        RoleArn {
            text: format!("arn:{partition}:iam::{account}:role/{name}"),
            account: account.clone(),
            name: name.clone(),
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        const SHAPE: &str =
            "a role ARN looks like arn:aws:iam::111111111111:role/curated-packages-role";
        if text.is_empty() {
            return invalid("enter the role ARN (arn:aws:iam::<account>:role/<name>)");
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[3].is_empty() {
            return invalid(SHAPE);
        }
        if !["aws", "aws-cn", "aws-us-gov"].contains(&parts[1]) {
            return invalid(format!(
                "'{}' is not a partition (aws, aws-cn or aws-us-gov)",
                shown(parts[1])
            ));
        }
        let account = AccountId::parse(parts[4])
            .map_err(|Invalid(reason)| Invalid(format!("in the role ARN, {reason}")))?;
        // An ARN holds the account as 12 plain digits; groups are not cleaned here.
        if account.as_str() != parts[4] {
            return invalid(
                "in the role ARN, the account id is 12 digits with nothing between them",
            );
        }
        let Some(path_and_name) = parts[5].strip_prefix("role/") else {
            return invalid(SHAPE);
        };
        let (path, name_text) = match path_and_name.rsplit_once('/') {
            Some((path, name)) => (Some(path), name),
            None => (None, path_and_name),
        };
        if let Some(path) = path {
            // An IAM path is `/segment/.../`: no empty segments, printable ASCII only.
            let bad_segment = path.split('/').any(|segment| segment.is_empty());
            let bad_char = path.chars().any(|c| !c.is_ascii_graphic());
            if bad_segment || bad_char {
                return invalid(
                    "in the role ARN, the path has an empty part or a character that is not printable",
                );
            }
        }
        if name_text != name_text.trim() {
            return invalid("in the role ARN, the role name has white space");
        }
        let name = IamName::parse(IamKind::Role, name_text)
            .map_err(|Invalid(reason)| Invalid(format!("in the role ARN, {reason}")))?;
        Ok(RoleArn {
            text: text.to_string(),
            account,
            name,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    pub fn name(&self) -> &IamName {
        &self.name
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// An AWS Organizations organization id: `o-` and 10 to 32 lower-case letters or
/// digits (`o-a1b2c3d4e5`). A repository policy's `aws:PrincipalOrgID` condition
/// compares it with `StringEquals`, which is case-sensitive, so no other spelling
/// would ever match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganizationId(String);

impl OrganizationId {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let text = input.trim();
        if text.is_empty() {
            return invalid(
                "enter the organization id: o- and 10 to 32 lower-case letters or digits, as AWS Organizations shows it",
            );
        }
        if is_account_text(text) {
            return invalid(format!(
                "'{}' is an account id; an organization id starts with o-",
                shown(text)
            ));
        }
        if text.starts_with("arn:") {
            return invalid(format!(
                "'{}' is an ARN; give the organization id alone (o-...)",
                shown(text)
            ));
        }
        if text.starts_with("r-") || text.starts_with("ou-") {
            return invalid(format!(
                "'{}' is the id of an organization root or unit; the organization id starts with o-",
                shown(text)
            ));
        }
        let Some(rest) = text.strip_prefix("o-") else {
            return invalid(format!(
                "an organization id starts with o-, as in o-a1b2c3d4e5; '{}' does not",
                shown(text)
            ));
        };
        if let Some(bad) = rest
            .chars()
            .find(|c| !c.is_ascii_lowercase() && !c.is_ascii_digit())
        {
            return invalid(if bad.is_ascii_uppercase() {
                "an organization id is lower case (aws:PrincipalOrgID compares it exactly)"
                    .to_string()
            } else {
                format!(
                    "after o-, an organization id has only lower-case letters and digits, not '{}'",
                    shown_char(bad)
                )
            });
        }
        if !(10..=32).contains(&rest.len()) {
            return invalid(format!(
                "after o-, an organization id has 10 to 32 letters or digits; this has {}",
                rest.len()
            ));
        }
        Ok(OrganizationId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a text is an account id, as typed (with or without digit groups).
fn is_account_text(text: &str) -> bool {
    grouped_digits(text).is_some_and(|digits| digits.len() == 12)
}

/// One or more organization ids, separated by commas, semicolons or white space.
/// Duplicates are dropped, the first order is kept.
pub fn parse_organization_list(input: &str) -> Result<Vec<OrganizationId>, Invalid> {
    let mut organizations: Vec<OrganizationId> = Vec::new();
    let words = input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|word| !word.is_empty());
    for (index, word) in words.enumerate() {
        let organization = OrganizationId::parse(word).map_err(|Invalid(reason)| {
            Invalid(format!(
                "organization {} ('{}'): {reason}",
                index + 1,
                shown(word)
            ))
        })?;
        if !organizations.contains(&organization) {
            organizations.push(organization);
        }
    }
    if organizations.is_empty() {
        return invalid("enter at least one organization id (o-...)");
    }
    Ok(organizations)
}

/// Checks a base URL the registry request (which carries the ECR token) may go to:
/// `https://` to any host, plain `http://` only to this machine (127.0.0.0/8, ::1,
/// localhost), since anywhere else the token would cross the network unencrypted.
/// The URL is read by the same parser that later sends the request.
pub fn check_registry_url(input: &str) -> Result<(), Invalid> {
    let text = input.trim();
    if text.is_empty() {
        return invalid("enter a URL, such as https://registry.example.com");
    }
    let not_a_url = || {
        Invalid(format!(
            "'{}' is not an http:// or https:// URL",
            shown(text)
        ))
    };
    let uri: hyper::Uri = text.parse().map_err(|_| not_a_url())?;
    let host = uri
        .host()
        .filter(|host| !host.is_empty())
        .ok_or_else(not_a_url)?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback_host(host) => Ok(()),
        Some("http") => invalid(format!(
            "plain http:// would send the registry token unencrypted to {}: use https://, or http:// only to this machine (127.0.0.1, ::1, localhost)",
            shown(host)
        )),
        _ => Err(not_a_url()),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// The size limits AWS puts on the documents the wizard writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeLimit {
    /// A role trust policy (the default IAM quota).
    TrustPolicy,
    /// A customer-managed IAM policy; AWS does not count white space.
    ManagedPolicy,
    /// An ECR repository policy.
    RepositoryPolicy,
}

impl SizeLimit {
    pub fn max_chars(self) -> usize {
        match self {
            SizeLimit::TrustPolicy => 2_048,
            SizeLimit::ManagedPolicy => 6_144,
            SizeLimit::RepositoryPolicy => 10_240,
        }
    }

    fn what(self) -> &'static str {
        match self {
            SizeLimit::TrustPolicy => "a trust policy",
            SizeLimit::ManagedPolicy => "an IAM managed policy",
            SizeLimit::RepositoryPolicy => "a repository policy",
        }
    }

    /// The characters of a document's text that count against the limit.
    pub fn counted(self, text: &str) -> usize {
        match self {
            SizeLimit::ManagedPolicy => text.chars().filter(|c| !c.is_whitespace()).count(),
            SizeLimit::TrustPolicy | SizeLimit::RepositoryPolicy => {
                // AWS counts the policy as sent; the wizard sends it compact.
                compact_len(text)
            }
        }
    }

    /// Checks a document's text against the limit, counted as AWS counts it.
    pub fn check(self, text: &str) -> Result<(), Invalid> {
        let counted = self.counted(text);
        let max = self.max_chars();
        if counted > max {
            return invalid(format!(
                "{} has at most {max} characters; this one has {counted}",
                self.what()
            ));
        }
        Ok(())
    }
}

fn compact_len(text: &str) -> usize {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|value| value.to_string().chars().count())
        .unwrap_or_else(|_| text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(AccountId::parse("111111111111").is_ok());
        assert_eq!(
            AccountId::parse("11111111111").unwrap_err().0,
            "an account id has exactly 12 digits; this has 11"
        );
        assert!(
            AccountId::parse("11111111111a")
                .unwrap_err()
                .0
                .contains("'a'")
        );
        assert!(AccountId::parse("").is_err());
    }

    #[test]
    fn account_ids_as_the_console_shows_them_are_cleaned() {
        for pasted in [
            "1111-2222-3333",
            "1111 2222 3333",
            " 1111-2222-3333\n",
            "111122-223333",
        ] {
            assert_eq!(AccountId::parse(pasted).unwrap().as_str(), "111122223333");
        }
        assert_eq!(
            AccountId::parse("1111-2222-333").unwrap_err().0,
            "an account id has exactly 12 digits; this has 11"
        );
        for refused in [
            "1111--2222-3333",
            "-111122223333",
            "1111-2222-3333-",
            "1111_2222_3333",
        ] {
            let reason = AccountId::parse(refused).unwrap_err().0;
            assert!(
                reason.starts_with("an account id has only the digits"),
                "{refused}: {reason}"
            );
        }
        assert!(
            AccountId::parse("1111-2222-333a")
                .unwrap_err()
                .0
                .contains("'a'")
        );
        assert!(RoleArn::parse("arn:aws:iam::1111-2222-3333:role/r").is_err());
    }

    #[test]
    fn account_lists_as_they_are_pasted() {
        let ids = |text: &str| -> Vec<String> {
            parse_account_list(text)
                .unwrap()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            ids("1111 2222 3333\n444455556666; 7777-8888-9999,111111111111"),
            [
                "111122223333",
                "444455556666",
                "777788889999",
                "111111111111"
            ]
        );
        assert_eq!(
            ids("111111111111 2222 2222 2222 333333333333"),
            ["111111111111", "222222222222", "333333333333"]
        );
        assert_eq!(
            ids("111111111111\r\n\r\n222222222222\n"),
            ["111111111111", "222222222222"]
        );
        // Groups never join across a line break or a comma.
        assert!(parse_account_list("1111 2222\n3333").is_err());
        let err = parse_account_list("111111111111, 1111 2222").unwrap_err();
        assert!(err.0.starts_with("account 2 ('1111')"), "{err}");
    }

    #[test]
    fn account_lists_split_on_commas_and_spaces_and_drop_repeats() {
        let list = parse_account_list("111111111111, 222222222222 111111111111").unwrap();
        let ids: Vec<&str> = list.iter().map(AccountId::as_str).collect();
        assert_eq!(ids, ["111111111111", "222222222222"]);
        let err = parse_account_list("111111111111,12").unwrap_err();
        assert!(err.0.starts_with("account 2 ('12')"), "{err}");
        assert!(parse_account_list(" , ").is_err());
    }

    #[test]
    fn organization_ids() {
        for good in [
            "o-a1b2c3d4e5",
            "o-abcdefghij",
            &format!("o-{}", "a".repeat(32)),
        ] {
            assert_eq!(OrganizationId::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(
            OrganizationId::parse(" o-a1b2c3d4e5\n").unwrap().as_str(),
            "o-a1b2c3d4e5"
        );
        for (bad, reason) in [
            ("", "enter the organization id"),
            ("o-abc123", "10 to 32 letters or digits; this has 6"),
            (&format!("o-{}", "a".repeat(33)), "this has 33"),
            ("o-A1B2C3D4E5", "is lower case"),
            ("o-a1b2c3d4e5*", "not '*'"),
            ("o-a1b2c3d4_5", "not '_'"),
            ("a1b2c3d4e5", "starts with o-"),
            ("O-a1b2c3d4e5", "starts with o-"),
            ("111111111111", "is an account id"),
            ("1111-2222-3333", "is an account id"),
            ("r-ab12", "organization root or unit"),
            ("ou-ab12-cdefgh12", "organization root or unit"),
            (
                "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5",
                "is an ARN",
            ),
            ("o-a1b2c3d4e\u{1b}[2J", "not '\\x1b'"),
        ] {
            let error = OrganizationId::parse(bad).unwrap_err().0;
            assert!(error.contains(reason), "{bad:?}: {error}");
        }
    }

    #[test]
    fn organization_lists_split_and_drop_repeats() {
        let list = parse_organization_list("o-a1b2c3d4e5, o-zzzzzzzzzz;o-a1b2c3d4e5\n").unwrap();
        let ids: Vec<&str> = list.iter().map(OrganizationId::as_str).collect();
        assert_eq!(ids, ["o-a1b2c3d4e5", "o-zzzzzzzzzz"]);
        let error = parse_organization_list("o-a1b2c3d4e5,o-x").unwrap_err().0;
        assert!(error.starts_with("organization 2 ('o-x'): "), "{error}");
        assert!(parse_organization_list(" , ").is_err());
    }

    #[test]
    fn regions_and_partitions() {
        assert_eq!(
            Region::parse("cn-north-1").unwrap().partition(),
            Partition::AwsCn
        );
        assert_eq!(
            Region::parse("US-WEST-2").unwrap_err().0,
            "region names are lower case: us-west-2"
        );
        assert!(Region::parse("us-west-9").is_err());
    }

    #[test]
    fn subscription_ids() {
        assert!(SubscriptionId::parse("e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964").is_ok());
        assert!(SubscriptionId::parse("e29fd0d2-d8a8-4ed4-be54-c6c0dd0f796").is_err());
        assert!(SubscriptionId::parse("g29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964").is_err());
    }

    #[test]
    fn iam_names() {
        assert!(IamName::parse(IamKind::Policy, "curated-packages-policy").is_ok());
        assert!(IamName::parse(IamKind::Policy, &"a".repeat(128)).is_ok());
        assert!(IamName::parse(IamKind::Policy, &"a".repeat(129)).is_err());
        assert_eq!(
            IamName::parse(IamKind::Role, &"a".repeat(65))
                .unwrap_err()
                .0,
            "a role name has at most 64 characters; this has 65"
        );
        assert!(
            IamName::parse(IamKind::User, "bad name")
                .unwrap_err()
                .0
                .contains("' '")
        );
    }

    #[test]
    fn repository_names() {
        for good in ["ab", "team/app", "a.b_c-d/e1", "x/y/z9"] {
            assert!(RepositoryName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "a", "Team/app", "/app", "app/", "a//b", "a..b", "-ab", "ab-", "a b",
        ] {
            assert!(RepositoryName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn role_arns() {
        let arn = RoleArn::parse("arn:aws:iam::111111111111:role/curated-packages-role").unwrap();
        assert_eq!(arn.account().as_str(), "111111111111");
        assert_eq!(arn.name().as_str(), "curated-packages-role");
        assert!(RoleArn::parse("arn:aws:iam::111111111111:role/path/to/r").is_ok());
        assert!(RoleArn::parse("arn:aws:iam::111111111111:user/u").is_err());
        assert!(
            RoleArn::parse("arn:aws:iam::1111:role/r")
                .unwrap_err()
                .0
                .contains("12 digits")
        );
        assert!(RoleArn::parse("arn:aws:s3:::bucket").is_err());
        for bad in [
            "arn:aws:iam::111111111111:role/ abc",
            "arn:aws:iam::111111111111:role/a b/c",
            "arn:aws:iam::111111111111:role/x\n/c",
            "arn:aws:iam::111111111111:role//r",
        ] {
            assert!(RoleArn::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refused_values_are_shown_escaped_and_cut() {
        assert_eq!(shown("team/app"), "team/app");
        assert_eq!(shown("a\u{1b}[31mb\nc\td\u{7f}"), r"a\x1b[31mb\nc\td\x7f");
        assert_eq!(shown("x\u{202e}y\u{9b}"), r"x\u{202e}y\x9b");
        let long = "é".repeat(5_000);
        let cut = shown(&long);
        assert_eq!(cut.chars().count(), SHOWN_MAX + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(shown(&"x".repeat(SHOWN_MAX)), "x".repeat(SHOWN_MAX));
    }

    #[test]
    fn no_message_carries_a_raw_control_character_or_a_huge_value() {
        let hostile = "us-east-1\u{1b}]0;owned\u{7}\n";
        let huge = format!("{}\u{1b}\n", "a".repeat(5_000));
        for value in [hostile, huge.as_str()] {
            let messages = [
                AccountId::parse(value).unwrap_err().0,
                parse_account_list(&format!("111111111111 {value}"))
                    .unwrap_err()
                    .0,
                Region::parse(value).unwrap_err().0,
                IamName::parse(IamKind::Role, &format!("\u{1b}{value}"))
                    .unwrap_err()
                    .0,
                RepositoryName::parse(&format!("ab/\u{1b}{value}"))
                    .unwrap_err()
                    .0,
                RepositoryName::parse(&format!("ab/-{}", &value[..value.len().min(200)]))
                    .unwrap_err()
                    .0,
                RoleArn::parse(&format!("arn:{value}:iam::111111111111:role/r"))
                    .unwrap_err()
                    .0,
            ];
            for message in messages {
                assert!(!message.chars().any(char::is_control), "{message:?}");
                assert!(message.chars().count() < 250, "{message:?}");
            }
        }
        assert!(
            Region::parse(hostile)
                .unwrap_err()
                .0
                .contains(r"'us-east-1\x1b]0;owned\x07'")
        );
    }

    #[test]
    fn registry_urls_use_https_unless_they_stay_on_this_machine() {
        for good in [
            "https://registry.example.com",
            "https://10.0.0.5:5000/v2",
            "http://127.0.0.1:5000",
            "http://127.8.9.10",
            "http://localhost:8080/",
            "http://LOCALHOST",
            "http://[::1]:5000",
            "http://[::ffff:127.0.0.1]:80",
        ] {
            assert_eq!(check_registry_url(good), Ok(()), "{good}");
        }
        for bad in [
            "http://registry.example.com",
            "http://10.0.0.5:5000",
            "http://128.0.0.1",
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
            "http://127.0.0.1@evil.example.com",
            "http://[::2]:5000",
        ] {
            let error = check_registry_url(bad).unwrap_err().0;
            assert!(error.contains("unencrypted"), "{bad}: {error}");
            assert!(error.contains("https://"), "{bad}: {error}");
        }
        for bad in [
            "ftp://host",
            "registry.example.com",
            "https://",
            "",
            "http://\u{1b}[2J",
        ] {
            let error = check_registry_url(bad).unwrap_err().0;
            assert!(!error.contains("unencrypted"), "{bad:?}: {error}");
            assert!(!error.chars().any(char::is_control), "{error:?}");
        }
    }

    #[test]
    fn size_limits() {
        assert!(SizeLimit::TrustPolicy.check("{}").is_ok());
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(2_100));
        assert!(
            SizeLimit::TrustPolicy
                .check(&big)
                .unwrap_err()
                .0
                .contains("2048")
        );
        assert!(SizeLimit::RepositoryPolicy.check(&big).is_ok());
    }
}
