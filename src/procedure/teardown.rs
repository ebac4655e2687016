//! Teardown of the curated-packages procedure: remove what it created, in reverse
//! order, each in its own account, and nothing else.
//!
//! Three parts, so the wizard and the command run the same teardown:
//!
//! - [`survey`] reads everything by the procedure's names in both accounts (and the
//!   files to delete), changing nothing; a read that fails ends it.
//! - [`plan`] (pure) turns that into the ordered [`Removal`]s and the things [`Left`]
//!   in place with the reason. An entity is ecr-share's when it carries both ownership
//!   tags or is exactly what the procedure creates (its document, compared as parsed
//!   JSON); anything else by that name is foreign and left, and so is whatever cannot
//!   go while it stays. What would make `DeleteRole` or `DeleteUser` refuse (inline
//!   policies, instance profiles, a permissions boundary, groups, a console password,
//!   MFA devices, signing certificates, SSH keys, service-specific credentials) is
//!   found here, before anything changes, and leaves that entity in place.
//! - [`execute`] reads everything again and changes nothing unless the plan is still
//!   the one confirmed, then makes each removal once, reporting every call through
//!   [`Report`]. The first removal that fails stops it; [`Executed`] says what was
//!   removed and what was not, and running teardown again resumes from there.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::execute::Report;
use super::job::IamTarget;
use crate::aws::iam::{Iam, same_policy};
use crate::aws::iam_teardown::{Holder, PolicyFacts, RoleFacts, UserFacts};
use crate::aws::{self, CallError, CallReport, Outcome};
use crate::core::documents;
use crate::core::flow::Side;
use crate::core::regions::Partition;
use crate::core::validate::{AccountId, IamName, RoleArn};
use crate::files;

/// The names the procedure used, as `curated` takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The ECR read policy in the source account.
    pub read_policy: IamName,
    /// The role in the source account.
    pub role: IamName,
    /// The assume-role policy in the destination account.
    pub assume_policy: IamName,
    /// The user in the destination account.
    pub user: IamName,
}

/// A file the procedure wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The AWS config file with the user's key (`--config-out`).
    Config,
    /// The `aws-secret` manifest (`--secret-out`).
    Manifest,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Config => "AWS config file",
            FileKind::Manifest => "aws-secret manifest",
        }
    }

    /// Whether `text` is this kind of file as ecr-share writes it for `user`.
    fn is_ours(self, user: &IamName, text: &str) -> bool {
        match self {
            FileKind::Config => files::is_config_for_user(user.as_str(), text),
            FileKind::Manifest => files::is_secret_manifest_for_user(user.as_str(), text),
        }
    }
}

/// What is at a file's path now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Absent,
    /// A regular file that ecr-share wrote for the user.
    Ours,
    /// A regular file that ecr-share did not write for the user.
    Foreign,
    Symlink,
    /// A folder or another thing that is not a regular file.
    NotAFile,
    Unreadable(String),
}

impl FileState {
    /// Reads what is at `path` (never following a symbolic link).
    pub fn of(path: &Path, kind: FileKind, user: &IamName) -> FileState {
        let metadata = match std::fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return FileState::Absent,
            Err(error) => return FileState::Unreadable(error.to_string()),
        };
        if metadata.file_type().is_symlink() {
            return FileState::Symlink;
        }
        if !metadata.is_file() {
            return FileState::NotAFile;
        }
        match std::fs::read_to_string(path) {
            Ok(text) if kind.is_ours(user, &text) => FileState::Ours,
            Ok(_) => FileState::Foreign,
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => FileState::Foreign,
            Err(error) => FileState::Unreadable(error.to_string()),
        }
    }

    /// Why a file in this state is not deleted, for one that is there.
    pub fn refusal(&self, kind: FileKind, user: &IamName) -> Option<String> {
        Some(match self {
            FileState::Absent | FileState::Ours => return None,
            FileState::Foreign => format!(
                "it is not an {} ecr-share wrote for user {user}, so it is not deleted",
                kind.label()
            ),
            FileState::Symlink => {
                "it is a symbolic link; ecr-share never deletes through one or in place of one"
                    .to_string()
            }
            FileState::NotAFile => "it is not a regular file".to_string(),
            FileState::Unreadable(error) => {
                format!("it cannot be read ({error}), so whether ecr-share wrote it is unknown")
            }
        })
    }
}

/// What teardown works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub partition: Partition,
    /// The account that owns the subscription: the read policy and the role.
    pub source: AccountId,
    /// The account that received access: the assume-role policy, the user, its keys.
    pub destination: AccountId,
    pub names: Names,
    /// Whether policies that ecr-share did not attach may be detached from its role
    /// and user (the policies themselves are kept).
    pub detach_foreign: bool,
    /// The files to delete when ecr-share wrote them for the user.
    pub files: Vec<(PathBuf, FileKind)>,
}

impl Scope {
    /// The trust policy the procedure gives the role.
    fn trust_policy(&self) -> Value {
        documents::trust_policy(Some(self.partition), Some(&self.destination))
    }

    /// The assume-role policy the procedure gives the user.
    fn assume_role_policy(&self) -> Value {
        let role = RoleArn::new(self.partition, &self.source, &self.names.role);
        documents::assume_role_policy(Some(&role))
    }
}

/// Everything by the procedure's names, as the two accounts and the disk hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    pub read_policy: Option<PolicyFacts>,
    pub role: Option<RoleFacts>,
    pub assume_policy: Option<PolicyFacts>,
    pub user: Option<UserFacts>,
    pub files: Vec<(PathBuf, FileKind, FileState)>,
}

/// IAM in each of the two accounts.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub source: Iam,
    pub destination: Iam,
}

impl Accounts {
    /// IAM with each side's credentials.
    pub async fn connect(source: &IamTarget, destination: &IamTarget) -> Result<Self, CallError> {
        Ok(Accounts {
            source: iam_for(source).await?,
            destination: iam_for(destination).await?,
        })
    }

    fn on(&self, side: Side) -> &Iam {
        match side {
            Side::Source => &self.source,
            _ => &self.destination,
        }
    }
}

async fn iam_for(target: &IamTarget) -> Result<Iam, CallError> {
    Ok(target.iam(&aws::load_config(&target.target).await?))
}

/// Reads both accounts and the files; changes nothing.
pub async fn survey(accounts: &Accounts, scope: &Scope) -> Result<Survey, CallError> {
    let names = &scope.names;
    let (read_policy, role, assume_policy, user) = tokio::join!(
        accounts.source.policy_facts(&names.read_policy),
        accounts.source.role_facts(&names.role),
        accounts.destination.policy_facts(&names.assume_policy),
        accounts.destination.user_facts(&names.user),
    );
    Ok(Survey {
        read_policy: read_policy?,
        role: role?,
        assume_policy: assume_policy?,
        user: user?,
        files: with_rotation_copies(&scope.files)
            .into_iter()
            .map(|(path, kind)| {
                let state = FileState::of(&path, kind, &names.user);
                (path, kind, state)
            })
            .collect(),
    })
}

/// The files to delete, each followed by the `<file>.previous` copy a rotation that
/// stopped half-way left beside it, when there is one: it holds the old key's
/// secret, and goes with its file when ecr-share wrote it for this user, as the
/// file itself does.
fn with_rotation_copies(files: &[(PathBuf, FileKind)]) -> Vec<(PathBuf, FileKind)> {
    let mut all = Vec::new();
    for (path, kind) in files {
        all.push((path.clone(), *kind));
        let copy = super::rotate::backup_path(path);
        if copy.symlink_metadata().is_ok() {
            all.push((copy, *kind));
        }
    }
    all
}

/// One thing teardown removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    AccessKey {
        user: IamName,
        id: String,
    },
    /// A managed policy's attachment to the user; `foreign` when ecr-share did not
    /// attach it (removed only with `--detach-foreign`; the policy is kept).
    DetachFromUser {
        user: IamName,
        policy_arn: String,
        foreign: bool,
    },
    User {
        name: IamName,
        arn: String,
        why_ours: String,
    },
    /// A version of a policy that is not its default (IAM deletes a policy only
    /// once it has no other version).
    PolicyVersion {
        side: Side,
        policy_arn: String,
        version: String,
    },
    Policy {
        side: Side,
        arn: String,
        why_ours: String,
    },
    /// A managed policy's attachment to the role; `foreign` as for the user.
    DetachFromRole {
        role: IamName,
        policy_arn: String,
        foreign: bool,
    },
    Role {
        name: IamName,
        arn: String,
        why_ours: String,
    },
    File {
        path: PathBuf,
        kind: FileKind,
        user: IamName,
    },
}

impl Removal {
    /// The account it is made in; `None` for a file.
    pub fn side(&self) -> Option<Side> {
        match self {
            Removal::AccessKey { .. } | Removal::DetachFromUser { .. } | Removal::User { .. } => {
                Some(Side::Destination)
            }
            Removal::PolicyVersion { side, .. } | Removal::Policy { side, .. } => Some(*side),
            Removal::DetachFromRole { .. } | Removal::Role { .. } => Some(Side::Source),
            Removal::File { .. } => None,
        }
    }

    /// The call that makes it.
    pub fn call(&self) -> &'static str {
        match self {
            Removal::AccessKey { .. } => "iam:DeleteAccessKey",
            Removal::DetachFromUser { .. } => "iam:DetachUserPolicy",
            Removal::User { .. } => "iam:DeleteUser",
            Removal::PolicyVersion { .. } => "iam:DeletePolicyVersion",
            Removal::Policy { .. } => "iam:DeletePolicy",
            Removal::DetachFromRole { .. } => "iam:DetachRolePolicy",
            Removal::Role { .. } => "iam:DeleteRole",
            Removal::File { .. } => "delete file",
        }
    }

    /// What is removed: its kind and its name or ARN, and why it is ecr-share's.
    pub fn describe(&self) -> String {
        match self {
            Removal::AccessKey { user, id } => format!("access key {id} of user {user}"),
            Removal::DetachFromUser {
                user,
                policy_arn,
                foreign,
            } => format!(
                "attachment of policy {policy_arn} to user {user}{}",
                foreign_note(*foreign)
            ),
            Removal::User { arn, why_ours, .. } => format!("user {arn} ({why_ours})"),
            Removal::PolicyVersion {
                policy_arn,
                version,
                ..
            } => format!("policy version {version} of {policy_arn} (not the default version)"),
            Removal::Policy { arn, why_ours, .. } => format!("policy {arn} ({why_ours})"),
            Removal::DetachFromRole {
                role,
                policy_arn,
                foreign,
            } => format!(
                "attachment of policy {policy_arn} to role {role}{}",
                foreign_note(*foreign)
            ),
            Removal::Role { arn, why_ours, .. } => format!("role {arn} ({why_ours})"),
            Removal::File { path, kind, user } => format!(
                "file {} (the {} ecr-share wrote for user {user})",
                path.display(),
                kind.label()
            ),
        }
    }
}

fn foreign_note(foreign: bool) -> &'static str {
    if foreign {
        " (ecr-share did not attach it; detached because of --detach-foreign, the policy is kept)"
    } else {
        ""
    }
}

/// Something by the procedure's names that teardown leaves in place, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// The account it is in; `None` for a file.
    pub side: Option<Side>,
    /// Its kind and name or ARN.
    pub what: String,
    pub reason: String,
    /// Whether it is ecr-share's (left because something stops its removal), as
    /// opposed to a foreign thing that merely has the name.
    pub ours: bool,
}

/// What teardown removes, in order, and what it leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeardownPlan {
    pub removals: Vec<Removal>,
    pub left: Vec<Left>,
    /// Files that are not there: nothing to delete.
    pub absent_files: Vec<PathBuf>,
}

impl TeardownPlan {
    /// Whether something of ecr-share's stays after the plan is carried out.
    pub fn leaves_ours(&self) -> bool {
        self.left.iter().any(|left| left.ours)
    }
}

/// Builds the plan from what the survey found.
pub fn plan(scope: &Scope, survey: &Survey) -> TeardownPlan {
    let mut plan = TeardownPlan::default();
    let names = &scope.names;

    // The destination account: the keys, the user, then the assume-role policy.
    let our_assume_arn = our_policy_arn(&survey.assume_policy, Ownership::assume(scope));
    let user_removed = match &survey.user {
        None => true,
        Some(user) => plan_user(scope, user, our_assume_arn, &mut plan),
    };
    if let Some(policy) = &survey.assume_policy {
        let freed = |holder: &Holder| matches!(holder, Holder::User(name) if name == names.user.as_str() && user_removed);
        plan_policy(
            Side::Destination,
            policy,
            Ownership::assume(scope),
            &freed,
            &mut plan,
        );
    }

    // The source account: the role, then the read policy.
    let our_read_arn = our_policy_arn(&survey.read_policy, Ownership::read(scope));
    let role_removed = match &survey.role {
        None => true,
        Some(role) => plan_role(scope, role, our_read_arn, &mut plan),
    };
    if let Some(policy) = &survey.read_policy {
        let freed = |holder: &Holder| matches!(holder, Holder::Role(name) if name == names.role.as_str() && role_removed);
        plan_policy(
            Side::Source,
            policy,
            Ownership::read(scope),
            &freed,
            &mut plan,
        );
    }

    // The files last: they hold the key, so they go only with the user.
    let user_stays = survey.user.is_some() && !user_removed;
    for (path, kind, state) in &survey.files {
        let what = format!("file {}", path.display());
        match state {
            FileState::Absent => plan.absent_files.push(path.clone()),
            FileState::Ours if user_stays => plan.left.push(Left {
                side: None,
                what,
                reason: format!("it holds the key of user {}, which stays", names.user),
                ours: true,
            }),
            FileState::Ours => plan.removals.push(Removal::File {
                path: path.clone(),
                kind: *kind,
                user: names.user.clone(),
            }),
            other => plan.left.push(Left {
                side: None,
                what,
                reason: other
                    .refusal(*kind, &names.user)
                    .unwrap_or_else(|| "it is not ecr-share's".to_string()),
                ours: false,
            }),
        }
    }
    plan
}

/// How a policy by the procedure's name is recognised as ecr-share's.
#[derive(Clone, Copy)]
enum Ownership<'a> {
    /// The ECR read policy, for whichever registry account it names.
    Read(Partition),
    /// The assume-role policy on the procedure's role.
    Assume(&'a Scope),
}

impl<'a> Ownership<'a> {
    fn read(scope: &Scope) -> Ownership<'a> {
        Ownership::Read(scope.partition)
    }

    fn assume(scope: &'a Scope) -> Ownership<'a> {
        Ownership::Assume(scope)
    }
}

const TAGGED: &str = "tagged by ecr-share";

/// The surveyed policy's ARN when the policy is ecr-share's: attachments of it are
/// the procedure's to detach.
fn our_policy_arn<'p>(
    policy: &'p Option<PolicyFacts>,
    ownership: Ownership<'_>,
) -> Option<&'p str> {
    policy
        .as_ref()
        .filter(|p| policy_ownership(p, ownership).is_ok())
        .map(|p| p.arn.as_str())
}

/// `Ok(why it is ecr-share's)` or `Err(why it is not)`.
fn policy_ownership(policy: &PolicyFacts, ownership: Ownership<'_>) -> Result<String, String> {
    let matches = match ownership {
        Ownership::Read(partition) => is_read_policy(&policy.document, partition),
        Ownership::Assume(scope) => same_policy(&policy.document, &scope.assume_role_policy()),
    };
    match (policy.tagged, matches) {
        (true, true) => Ok(TAGGED.to_string()),
        (true, false) => Ok(format!(
            "{TAGGED}; its default version differs from the document the procedure writes"
        )),
        (false, true) => Ok("not tagged, but exactly the document the procedure writes".to_string()),
        (false, false) => Err(match ownership {
            Ownership::Read(_) => "it does not carry ecr-share's tags and its document is not the ECR read policy the procedure writes".to_string(),
            Ownership::Assume(scope) => format!(
                "it does not carry ecr-share's tags and its document differs from the one the procedure writes (sts:AssumeRole on {})",
                RoleArn::new(scope.partition, &scope.source, &scope.names.role)
            ),
        }),
    }
}

/// Whether a document is the procedure's ECR read policy for some registry account
/// (teardown is not told which registry the procedure used).
fn is_read_policy(document: &Value, partition: Partition) -> bool {
    let prefix = format!("arn:{partition}:ecr:*:");
    let mut strings = Vec::new();
    collect_strings(document, &mut strings);
    strings
        .iter()
        .filter_map(|text| text.strip_prefix(&prefix)?.strip_suffix(":repository/*"))
        .filter_map(|account| AccountId::parse(account).ok())
        .any(|registry| {
            same_policy(
                document,
                &documents::ecr_read_policy(Some(partition), Some(&registry)),
            )
        })
}

fn collect_strings<'v>(value: &'v Value, into: &mut Vec<&'v str>) {
    match value {
        Value::String(text) => into.push(text),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, into)),
        Value::Object(map) => map.values().for_each(|item| collect_strings(item, into)),
        _ => {}
    }
}

/// Plans a managed policy's removal: every other version, then the policy, unless
/// it is foreign or still attached to something that stays.
fn plan_policy(
    side: Side,
    policy: &PolicyFacts,
    ownership: Ownership<'_>,
    freed: &dyn Fn(&Holder) -> bool,
    plan: &mut TeardownPlan,
) {
    let what = format!("policy {}", policy.arn);
    let why_ours = match policy_ownership(policy, ownership) {
        Ok(why) => why,
        Err(reason) => {
            plan.left.push(Left {
                side: Some(side),
                what,
                reason,
                ours: false,
            });
            return;
        }
    };
    let holding: Vec<String> = policy
        .holders
        .iter()
        .filter(|holder| !freed(holder))
        .map(Holder::describe)
        .collect();
    if !holding.is_empty() {
        plan.left.push(Left {
            side: Some(side),
            what,
            reason: format!(
                "it is ecr-share's ({why_ours}), but still attached to {}, which teardown leaves in place",
                holding.join(", ")
            ),
            ours: true,
        });
        return;
    }
    for version in &policy.other_versions {
        plan.removals.push(Removal::PolicyVersion {
            side,
            policy_arn: policy.arn.clone(),
            version: version.clone(),
        });
    }
    plan.removals.push(Removal::Policy {
        side,
        arn: policy.arn.clone(),
        why_ours,
    });
}

/// Plans the role's removal; returns whether it is removed.
fn plan_role(
    scope: &Scope,
    role: &RoleFacts,
    our_policy: Option<&str>,
    plan: &mut TeardownPlan,
) -> bool {
    let what = format!("role {}", role.arn);
    let matches = same_policy(&role.trust, &scope.trust_policy());
    let why_ours = match (role.tagged, matches) {
        (true, true) => TAGGED.to_string(),
        (true, false) => {
            format!("{TAGGED}; its trust policy differs from the one the procedure writes")
        }
        (false, true) => {
            "not tagged, but exactly the trust policy the procedure writes".to_string()
        }
        (false, false) => {
            plan.left.push(Left {
                side: Some(Side::Source),
                what,
                reason: format!(
                    "it does not carry ecr-share's tags and its trust policy differs from the one the procedure writes (which trusts account {} alone); it is left with its attachments",
                    scope.destination
                ),
                ours: false,
            });
            return false;
        }
    };
    let mut blockers: Vec<String> = Vec::new();
    blockers.extend(role.inline.iter().map(|n| format!("inline policy {n}")));
    blockers.extend(
        role.instance_profiles
            .iter()
            .map(|n| format!("instance profile {n}")),
    );
    blockers.extend(
        role.boundary
            .iter()
            .map(|arn| format!("permissions boundary {arn}")),
    );
    let holder = Attachable {
        side: Side::Source,
        what,
        why_ours: &why_ours,
        attached: &role.attached,
        our_policy,
        blockers,
    };
    let Some(detach) = holder.plan(scope.detach_foreign, plan) else {
        return false;
    };
    for (policy_arn, foreign) in detach {
        plan.removals.push(Removal::DetachFromRole {
            role: scope.names.role.clone(),
            policy_arn,
            foreign,
        });
    }
    plan.removals.push(Removal::Role {
        name: scope.names.role.clone(),
        arn: role.arn.clone(),
        why_ours,
    });
    true
}

/// Plans the user's removal; returns whether it is removed.
fn plan_user(
    scope: &Scope,
    user: &UserFacts,
    our_policy: Option<&str>,
    plan: &mut TeardownPlan,
) -> bool {
    let what = format!("user {}", user.arn);
    if !user.tagged {
        plan.left.push(Left {
            side: Some(Side::Destination),
            what,
            reason: "it does not carry ecr-share's tags, so ecr-share did not create it (the procedure reuses a user that exists); it is left with its access keys and attachments".to_string(),
            ours: false,
        });
        return false;
    }
    let mut blockers: Vec<String> = Vec::new();
    blockers.extend(user.inline.iter().map(|n| format!("inline policy {n}")));
    blockers.extend(
        user.groups
            .iter()
            .map(|n| format!("membership of group {n}")),
    );
    if user.login_profile {
        blockers.push("a console password (login profile)".to_string());
    }
    blockers.extend(user.mfa_devices.iter().map(|n| format!("MFA device {n}")));
    blockers.extend(
        user.signing_certificates
            .iter()
            .map(|n| format!("signing certificate {n}")),
    );
    blockers.extend(
        user.ssh_public_keys
            .iter()
            .map(|n| format!("SSH public key {n}")),
    );
    blockers.extend(
        user.service_credentials
            .iter()
            .map(|n| format!("service-specific credential {n}")),
    );
    blockers.extend(
        user.boundary
            .iter()
            .map(|arn| format!("permissions boundary {arn}")),
    );
    let holder = Attachable {
        side: Side::Destination,
        what,
        why_ours: TAGGED,
        attached: &user.attached,
        our_policy,
        blockers,
    };
    let Some(detach) = holder.plan(scope.detach_foreign, plan) else {
        return false;
    };
    for key in &user.access_keys {
        plan.removals.push(Removal::AccessKey {
            user: scope.names.user.clone(),
            id: key.id.clone(),
        });
    }
    for (policy_arn, foreign) in detach {
        plan.removals.push(Removal::DetachFromUser {
            user: scope.names.user.clone(),
            policy_arn,
            foreign,
        });
    }
    plan.removals.push(Removal::User {
        name: scope.names.user.clone(),
        arn: user.arn.clone(),
        why_ours: TAGGED.to_string(),
    });
    true
}

/// The role or the user of ecr-share's, with what stops its removal.
struct Attachable<'a> {
    side: Side,
    what: String,
    why_ours: &'a str,
    /// The ARNs of the managed policies attached to it.
    attached: &'a [String],
    /// The ARN of the procedure's policy for it, when that policy is ecr-share's.
    our_policy: Option<&'a str>,
    /// What would make its deletion refuse and teardown does not remove.
    blockers: Vec<String>,
}

impl Attachable<'_> {
    /// The attachments to take off before it is deleted (ecr-share's first, then the
    /// foreign ones, flagged), or `None` when it stays: then why is in `plan.left`.
    fn plan(self, detach_foreign: bool, plan: &mut TeardownPlan) -> Option<Vec<(String, bool)>> {
        let why = self.why_ours;
        if !self.blockers.is_empty() {
            plan.left.push(Left {
                side: Some(self.side),
                what: self.what,
                reason: format!(
                    "it is ecr-share's ({why}), but it has {}, which the procedure never adds and teardown does not remove; it is left as it is, with its keys and attachments. Remove those first, then run teardown again",
                    self.blockers.join(", ")
                ),
                ours: true,
            });
            return None;
        }
        let (ours, foreign): (Vec<&String>, Vec<&String>) = self
            .attached
            .iter()
            .partition(|arn| Some(arn.as_str()) == self.our_policy);
        if !foreign.is_empty() && !detach_foreign {
            let list: Vec<&str> = foreign.iter().map(|a| a.as_str()).collect();
            plan.left.push(Left {
                side: Some(self.side),
                what: self.what,
                reason: format!(
                    "it is ecr-share's ({why}), but policies ecr-share did not attach are attached to it: {}; it is left as it is. Detach them first, or run teardown with --detach-foreign to detach them (the policies themselves are kept)",
                    list.join(", ")
                ),
                ours: true,
            });
            return None;
        }
        Some(
            ours.into_iter()
                .map(|arn| (arn.clone(), false))
                .chain(foreign.into_iter().map(|arn| (arn.clone(), true)))
                .collect(),
        )
    }
}

/// What [`execute`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// What was removed, in order.
    pub removed: Vec<Removal>,
    /// Why it stopped before the end, if it did.
    pub stopped: Option<Stopped>,
}

/// A teardown that stopped: the report that stopped it and what was not removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub report: CallReport,
    /// The removals not made, the one that failed first.
    pub not_removed: Vec<Removal>,
}

/// The report of the read that comes before any change.
pub const RECHECK: &str = "re-read";

/// Carries out a confirmed plan. Both accounts and the files are read again first,
/// and nothing is changed unless that gives the same plan (IAM has no conditional
/// delete: this keeps the time in which someone else's change could be removed to
/// the run itself, not the time the operator took to confirm). Each removal is made
/// once; the first that fails stops the run.
pub async fn execute<R: Report + Send + ?Sized>(
    accounts: &Accounts,
    scope: &Scope,
    confirmed: &TeardownPlan,
    report: &mut R,
) -> Executed {
    let stop = |report: CallReport| Executed {
        removed: Vec::new(),
        stopped: Some(Stopped {
            report,
            not_removed: confirmed.removals.clone(),
        }),
    };
    let recheck = match survey(accounts, scope).await {
        Err(error) => CallReport::new(RECHECK, "both accounts", Outcome::Failed(error)),
        Ok(now) if plan(scope, &now) != *confirmed => CallReport::new(
            RECHECK,
            "both accounts",
            Outcome::Failed(CallError::new(
                RECHECK,
                Some("ChangedSincePlan"),
                "what IAM or the disk holds changed since the plan was made, so nothing was changed; run teardown again to see the plan as things are now",
            )),
        ),
        Ok(_) => CallReport::new(
            RECHECK,
            "both accounts",
            Outcome::Ok("unchanged since the plan".to_string()),
        ),
    };
    let failed = recheck.outcome.is_failure();
    tracing::info!(call = %recheck.call, outcome = recheck.outcome.label(), "teardown");
    report.call(recheck.clone());
    if failed {
        return stop(recheck);
    }
    let mut removed = Vec::new();
    for (at, removal) in confirmed.removals.iter().enumerate() {
        let done = remove(accounts, removal).await;
        tracing::info!(call = %done.call, subject = %done.subject, outcome = done.outcome.label(), "teardown");
        report.call(done.clone());
        if done.outcome.is_failure() {
            return Executed {
                removed,
                stopped: Some(Stopped {
                    report: done,
                    not_removed: confirmed.removals[at..].to_vec(),
                }),
            };
        }
        removed.push(removal.clone());
    }
    Executed {
        removed,
        stopped: None,
    }
}

/// Makes one removal.
async fn remove(accounts: &Accounts, removal: &Removal) -> CallReport {
    let iam = removal.side().map(|side| accounts.on(side));
    match (removal, iam) {
        (Removal::AccessKey { user, id }, Some(iam)) => iam.delete_access_key(user, id).await,
        (
            Removal::DetachFromUser {
                user, policy_arn, ..
            },
            Some(iam),
        ) => iam.detach_user_policy(user, policy_arn).await,
        (Removal::User { name, .. }, Some(iam)) => iam.delete_user(name).await,
        (
            Removal::PolicyVersion {
                policy_arn,
                version,
                ..
            },
            Some(iam),
        ) => iam.delete_non_default_version(policy_arn, version).await,
        (Removal::Policy { arn, .. }, Some(iam)) => iam.delete_policy(arn).await,
        (
            Removal::DetachFromRole {
                role, policy_arn, ..
            },
            Some(iam),
        ) => iam.detach_role_policy(role, policy_arn).await,
        (Removal::Role { name, .. }, Some(iam)) => iam.delete_role(name).await,
        (Removal::File { path, kind, user }, _) => delete_file(path, *kind, user),
        (_, None) => CallReport::new(
            removal.call(),
            removal.describe(),
            Outcome::Failed(CallError::new(
                removal.call(),
                None,
                "no account to make it in",
            )),
        ),
    }
}

/// Deletes a file, checking once more just before that ecr-share wrote it.
fn delete_file(path: &Path, kind: FileKind, user: &IamName) -> CallReport {
    const DELETE: &str = "delete file";
    let subject = path.display().to_string();
    let state = FileState::of(path, kind, user);
    if state == FileState::Absent {
        return CallReport::new(
            DELETE,
            subject,
            Outcome::Ok("not there any more; nothing to delete".to_string()),
        );
    }
    if let Some(refusal) = state.refusal(kind, user) {
        return CallReport::new(
            DELETE,
            subject,
            Outcome::Failed(CallError::new(DELETE, Some("NotOurs"), refusal)),
        );
    }
    let outcome = match std::fs::remove_file(path) {
        Ok(()) => Outcome::Done("deleted".to_string()),
        Err(error) => Outcome::Failed(CallError::new(DELETE, None, error.to_string())),
    };
    CallReport::new(DELETE, subject, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam::AccessKeyInfo;
    use crate::core::validate::IamKind;
    use serde_json::json;

    const READ_ARN: &str = "arn:aws:iam::111111111111:policy/curated-packages-policy";
    const ASSUME_ARN: &str = "arn:aws:iam::999999999999:policy/curated-packages-assume-role-policy";
    const ROLE_ARN: &str = "arn:aws:iam::111111111111:role/curated-packages-role";
    const USER_ARN: &str = "arn:aws:iam::999999999999:user/curated-packages-user";
    const ROLE: &str = "curated-packages-role";
    const USER: &str = "curated-packages-user";

    fn name(kind: IamKind, text: &str) -> IamName {
        IamName::parse(kind, text).unwrap()
    }

    fn scope() -> Scope {
        Scope {
            partition: Partition::Aws,
            source: AccountId::parse("111111111111").unwrap(),
            destination: AccountId::parse("999999999999").unwrap(),
            names: Names {
                read_policy: name(IamKind::Policy, "curated-packages-policy"),
                role: name(IamKind::Role, ROLE),
                assume_policy: name(IamKind::Policy, "curated-packages-assume-role-policy"),
                user: name(IamKind::User, USER),
            },
            detach_foreign: false,
            files: Vec::new(),
        }
    }

    fn read_policy(registry: &str) -> PolicyFacts {
        PolicyFacts {
            arn: READ_ARN.to_string(),
            tagged: true,
            document: documents::ecr_read_policy(
                Some(Partition::Aws),
                Some(&AccountId::parse(registry).unwrap()),
            ),
            other_versions: Vec::new(),
            holders: vec![Holder::Role(ROLE.to_string())],
        }
    }

    fn role() -> RoleFacts {
        RoleFacts {
            arn: ROLE_ARN.to_string(),
            tagged: true,
            trust: scope().trust_policy(),
            boundary: None,
            attached: vec![READ_ARN.to_string()],
            inline: Vec::new(),
            instance_profiles: Vec::new(),
        }
    }

    fn assume_policy() -> PolicyFacts {
        PolicyFacts {
            arn: ASSUME_ARN.to_string(),
            tagged: true,
            document: scope().assume_role_policy(),
            other_versions: Vec::new(),
            holders: vec![Holder::User(USER.to_string())],
        }
    }

    fn user() -> UserFacts {
        UserFacts {
            arn: USER_ARN.to_string(),
            tagged: true,
            boundary: None,
            attached: vec![ASSUME_ARN.to_string()],
            inline: Vec::new(),
            groups: Vec::new(),
            access_keys: vec![AccessKeyInfo {
                id: "AKIAKEY".to_string(),
                status: "Active".to_string(),
                created: None,
            }],
            login_profile: false,
            mfa_devices: Vec::new(),
            signing_certificates: Vec::new(),
            ssh_public_keys: Vec::new(),
            service_credentials: Vec::new(),
        }
    }

    fn everything() -> Survey {
        Survey {
            read_policy: Some(read_policy("346438352937")),
            role: Some(role()),
            assume_policy: Some(assume_policy()),
            user: Some(user()),
            files: Vec::new(),
        }
    }

    fn calls(plan: &TeardownPlan) -> Vec<String> {
        plan.removals
            .iter()
            .map(|r| format!("{} {}", r.call(), r.describe()))
            .collect()
    }

    #[test]
    fn everything_of_ecr_shares_goes_in_reverse_order_each_in_its_account() {
        let mut survey = everything();
        survey.read_policy.as_mut().unwrap().other_versions = vec!["v1".into(), "v2".into()];
        let plan = plan(&scope(), &survey);
        assert_eq!(
            calls(&plan),
            [
                "iam:DeleteAccessKey access key AKIAKEY of user curated-packages-user".to_string(),
                format!("iam:DetachUserPolicy attachment of policy {ASSUME_ARN} to user {USER}"),
                format!("iam:DeleteUser user {USER_ARN} (tagged by ecr-share)"),
                format!("iam:DeletePolicy policy {ASSUME_ARN} (tagged by ecr-share)"),
                format!("iam:DetachRolePolicy attachment of policy {READ_ARN} to role {ROLE}"),
                format!("iam:DeleteRole role {ROLE_ARN} (tagged by ecr-share)"),
                format!(
                    "iam:DeletePolicyVersion policy version v1 of {READ_ARN} (not the default version)"
                ),
                format!(
                    "iam:DeletePolicyVersion policy version v2 of {READ_ARN} (not the default version)"
                ),
                format!("iam:DeletePolicy policy {READ_ARN} (tagged by ecr-share)"),
            ]
        );
        let sides: Vec<Option<Side>> = plan.removals.iter().map(Removal::side).collect();
        assert_eq!(
            sides,
            [
                [Some(Side::Destination); 4].as_slice(),
                [Some(Side::Source); 5].as_slice()
            ]
            .concat()
        );
        assert!(plan.left.is_empty());
    }

    #[test]
    fn untagged_entities_are_ecr_shares_only_when_exactly_what_the_procedure_writes() {
        let mut survey = everything();
        // The same meaning written differently (a one-item list) still matches.
        let role = survey.role.as_mut().unwrap();
        role.tagged = false;
        role.trust["Statement"][0]["Action"] = json!(["sts:AssumeRole"]);
        // A read policy for another registry account than the regional one.
        let read = survey.read_policy.as_mut().unwrap();
        *read = read_policy("067575901363");
        read.tagged = false;
        survey.assume_policy.as_mut().unwrap().tagged = false;
        let matching = plan(&scope(), &survey);
        assert_eq!(matching.removals.len(), 7, "{matching:#?}");
        assert!(matching.left.is_empty(), "{matching:#?}");
        assert!(calls(&matching).contains(&format!(
            "iam:DeleteRole role {ROLE_ARN} (not tagged, but exactly the trust policy the procedure writes)"
        )));

        // One more action in the read policy: not the procedure's.
        let read = survey.read_policy.as_mut().unwrap();
        read.document["Statement"][1]["Action"] = json!(["ecr:GetAuthorizationToken", "s3:*"]);
        // Its attachment to the role is then not ecr-share's either, which keeps the
        // role in place too.
        let plan = plan(&scope(), &survey);
        let left: Vec<(&str, bool)> = plan
            .left
            .iter()
            .map(|l| (l.what.as_str(), l.ours))
            .collect();
        assert_eq!(
            left,
            [
                (format!("role {ROLE_ARN}").as_str(), true),
                (format!("policy {READ_ARN}").as_str(), false)
            ],
            "{plan:#?}"
        );
        assert!(plan.left[0].reason.contains(&format!(
            "policies ecr-share did not attach are attached to it: {READ_ARN}"
        )));
        assert!(!calls(&plan).iter().any(|c| c.contains(READ_ARN)));
    }

    #[test]
    fn a_trust_policy_naming_another_account_makes_the_role_foreign_and_it_keeps_the_read_policy() {
        let mut survey = everything();
        let role = survey.role.as_mut().unwrap();
        role.tagged = false;
        role.trust["Statement"][0]["Principal"]["AWS"] = json!("arn:aws:iam::222222222222:root");
        let plan = plan(&scope(), &survey);
        let left: Vec<(&str, bool)> = plan
            .left
            .iter()
            .map(|l| (l.what.as_str(), l.ours))
            .collect();
        assert_eq!(
            left,
            [
                (format!("role {ROLE_ARN}").as_str(), false),
                (format!("policy {READ_ARN}").as_str(), true)
            ]
        );
        assert!(
            plan.left[1]
                .reason
                .contains("still attached to role curated-packages-role")
        );
        assert!(!calls(&plan).iter().any(|c| c.contains("Role")));
        assert_eq!(plan.removals.len(), 4, "the destination side still goes");
    }

    #[test]
    fn a_tagged_role_whose_trust_changed_is_still_ecr_shares() {
        let mut survey = everything();
        survey.role.as_mut().unwrap().trust = json!({"Statement": []});
        let plan = plan(&scope(), &survey);
        assert!(calls(&plan).contains(&format!(
            "iam:DeleteRole role {ROLE_ARN} (tagged by ecr-share; its trust policy differs from the one the procedure writes)"
        )));
    }

    #[test]
    fn what_makes_a_deletion_refuse_leaves_the_entity_and_what_hangs_on_it() {
        let mut survey = everything();
        survey.role.as_mut().unwrap().instance_profiles = vec!["nodes".into()];
        survey.user.as_mut().unwrap().mfa_devices = vec!["arn:aws:iam::999999999999:mfa/x".into()];
        survey.user.as_mut().unwrap().groups = vec!["admins".into()];
        let mut scope = scope();
        scope.detach_foreign = true;
        let plan = plan(&scope, &survey);
        assert!(plan.removals.is_empty(), "{plan:#?}");
        assert!(plan.left.iter().all(|l| l.ours));
        let reasons: Vec<&str> = plan.left.iter().map(|l| l.reason.as_str()).collect();
        assert!(
            reasons[0]
                .contains("membership of group admins, MFA device arn:aws:iam::999999999999:mfa/x"),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("still attached to user curated-packages-user"));
        assert!(reasons[2].contains("instance profile nodes"));
        assert!(reasons[3].contains("still attached to role curated-packages-role"));
    }

    #[test]
    fn foreign_attachments_stop_the_removal_unless_detaching_them_is_asked_for() {
        let mut survey = everything();
        let other = "arn:aws:iam::aws:policy/ReadOnlyAccess".to_string();
        survey.user.as_mut().unwrap().attached.push(other.clone());
        let left = plan(&scope(), &survey);
        assert_eq!(left.left.len(), 2, "{left:#?}");
        assert!(left.left[0].reason.contains(&other));
        assert!(left.left[0].reason.contains("--detach-foreign"));

        let mut scope = scope();
        scope.detach_foreign = true;
        let detached = plan(&scope, &survey);
        assert!(detached.left.is_empty());
        assert_eq!(
            detached.removals[2],
            Removal::DetachFromUser {
                user: name(IamKind::User, USER),
                policy_arn: other,
                foreign: true
            }
        );
    }

    #[test]
    fn a_policy_attached_elsewhere_stays() {
        let mut survey = everything();
        survey
            .assume_policy
            .as_mut()
            .unwrap()
            .holders
            .push(Holder::Group("ops".into()));
        let plan = plan(&scope(), &survey);
        assert_eq!(plan.left.len(), 1);
        assert!(plan.left[0].reason.contains("still attached to group ops"));
        assert!(calls(&plan).iter().any(|c| c.starts_with("iam:DeleteUser")));
    }

    #[test]
    fn files_go_only_with_the_user_and_only_when_ecr_share_wrote_them() {
        let mut survey = everything();
        survey.files = vec![
            (PathBuf::from("config"), FileKind::Config, FileState::Ours),
            (
                PathBuf::from("secret"),
                FileKind::Manifest,
                FileState::Foreign,
            ),
            (PathBuf::from("gone"), FileKind::Config, FileState::Absent),
        ];
        let removed = plan(&scope(), &survey);
        assert_eq!(
            removed.removals.last(),
            Some(&Removal::File {
                path: PathBuf::from("config"),
                kind: FileKind::Config,
                user: name(IamKind::User, USER)
            })
        );
        assert_eq!(removed.left.len(), 1);
        assert!(!removed.left[0].ours);
        assert_eq!(removed.absent_files, [PathBuf::from("gone")]);

        survey.user.as_mut().unwrap().tagged = false;
        let kept = plan(&scope(), &survey);
        assert!(
            !kept
                .removals
                .iter()
                .any(|r| matches!(r, Removal::File { .. }))
        );
        assert!(kept.left.iter().any(|l| l.what == "file config"
            && l.reason == "it holds the key of user curated-packages-user, which stays"));
    }

    #[test]
    fn nothing_there_is_nothing_to_remove() {
        let survey = Survey {
            read_policy: None,
            role: None,
            assume_policy: None,
            user: None,
            files: Vec::new(),
        };
        assert_eq!(plan(&scope(), &survey), TeardownPlan::default());
    }

    #[test]
    fn a_file_is_ours_only_as_ecr_share_writes_it_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let user = name(IamKind::User, USER);
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "[default]\nsource_profile=curated-packages-user\nrole_arn=x\n\n[profile curated-packages-user]\naws_access_key_id=AKIA\naws_secret_access_key=s\n",
        )
        .unwrap();
        assert_eq!(
            FileState::of(&config, FileKind::Config, &user),
            FileState::Ours
        );
        assert_eq!(
            FileState::of(&config, FileKind::Manifest, &user),
            FileState::Foreign
        );
        let other = name(IamKind::User, "someone-else");
        assert_eq!(
            FileState::of(&config, FileKind::Config, &other),
            FileState::Foreign
        );
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&config, &link).unwrap();
        assert_eq!(
            FileState::of(&link, FileKind::Config, &user),
            FileState::Symlink
        );
        assert_eq!(
            FileState::of(dir.path(), FileKind::Config, &user),
            FileState::NotAFile
        );
        assert_eq!(
            FileState::of(&dir.path().join("none"), FileKind::Config, &user),
            FileState::Absent
        );

        let deleted = delete_file(&link, FileKind::Config, &user);
        assert!(deleted.outcome.is_failure(), "{deleted:?}");
        assert!(config.exists() && link.exists());
        let deleted = delete_file(&config, FileKind::Config, &user);
        assert_eq!(deleted.outcome, Outcome::Done("deleted".into()));
        assert!(!config.exists());
    }
}
