//! Replacing the curated-packages user's access key without a moment in which the
//! user has no working key.
//!
//! [`survey`] only reads: the user's keys with their age and last use, what the
//! config file (and the Secret manifest) hold now, and from that a [`Plan`], or why
//! nothing can be done. [`execute`] then makes the changes in this order, each
//! reported through [`Report`]:
//!
//! 1. the new key's home: the config file's replacement is opened (and the
//!    manifest's), and the current files are copied to `<file>.previous`;
//! 2. `iam:CreateAccessKey`, the secret straight into the config file, then the
//!    manifest;
//! 3. the new key is checked as step 8 checks it (assume the role, retried while IAM
//!    catches up; an ECR token; the registry when it can be reached);
//! 4. `kubectl apply` of the new Secret, when a context is given;
//! 5. only then the old key is deleted, and the `.previous` copies with it.
//!
//! Whatever stops the run after the new key exists leaves the old key in IAM and its
//! config file in `<file>.previous`, and the [`Ending`] says how to finish (run again:
//! the rotation under way is found from those copies) or how to roll back. Without a
//! context the old key is kept until the operator says the new Secret is applied
//! (`delete_old_key`), since a cluster that still holds the old key would lose access.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;

use crate::aws::eks::PackageRegistry;
use crate::aws::error::ANSWER_LOST;
use crate::aws::iam::{self, Iam};
use crate::aws::keys::{self, KeyFacts};
use crate::aws::verify::{self, Backoff, VerifyPlan};
use crate::aws::{self, CallError, CallReport, Outcome};
use crate::core::documents::{self, shell_quote};
use crate::core::saved_config;
use crate::core::secret::AccessKeyPair;
use crate::core::validate::{IamName, Region, RoleArn};
use crate::files::{self, PreparedFile, Replace};
use crate::kube;

use super::checks::{Checks, Verdict};
use super::execute::Report;
use super::job::{IamTarget, SecretHome};

const WRITE: &str = "write";
const REMOVE: &str = "remove";
const CREATE: &str = "iam:CreateAccessKey";
const LIST: &str = "iam:ListAccessKeys";

/// A rotation's inputs, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotation {
    /// IAM in the destination account, where the user is.
    pub iam: IamTarget,
    pub user: IamName,
    /// The AWS config file that holds the user's key.
    pub config: PathBuf,
    /// The `aws-secret` manifest that holds the config file.
    pub manifest: Option<PathBuf>,
    /// The role the new config file assumes, when the operator named it; otherwise
    /// the one the current config file names.
    pub role_arn: Option<RoleArn>,
    pub region: Region,
    /// The registry the new key is checked against.
    pub registry: PackageRegistry,
    /// Where the manifest request goes instead of `https://<registry host>`.
    pub registry_url: Option<String>,
    /// The kubeconfig context to `kubectl apply` the new Secret to.
    pub context: Option<String>,
    /// Without a context: delete the old key once the new one works, because no
    /// cluster needs the new Secret applied by this run.
    pub delete_old_key: bool,
    /// Replace files that ecr-share did not write for this user.
    pub overwrite: bool,
    /// How long to retry assuming the role while IAM does not know the new key yet.
    pub backoff: Backoff,
}

impl Rotation {
    /// The files the rotation writes: the config file, then the manifest.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        std::iter::once(&self.config).chain(self.manifest.iter())
    }

    /// Those files, for a sentence: "a and b".
    pub fn files(&self) -> String {
        self.paths()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// Where the new key's manifest request goes.
    pub fn registry_base(&self) -> String {
        self.registry_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", self.registry.host))
    }
}

/// What a file the rotation writes holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    Missing,
    /// A file ecr-share wrote for this user, with the key it holds (when it holds a
    /// whole pair) and the role it names.
    Ours {
        key: Option<AccessKeyPair>,
        role_arn: Option<RoleArn>,
    },
    /// A file ecr-share did not write for this user.
    Foreign,
    /// A symbolic link, a folder or something else that is never written to.
    Refused(String),
}

impl Held {
    fn key_id(&self) -> Option<&str> {
        match self {
            Held::Ours { key: Some(key), .. } => Some(&key.access_key_id),
            _ => None,
        }
    }
}

/// The work a rotation will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The role the new config file assumes.
    pub role_arn: RoleArn,
    /// The key the config file holds now, deleted once the new one works.
    pub old: Option<String>,
    /// A rotation under way: the new key an earlier run created, which the config
    /// file holds while `<config>.previous` holds the old one. Nothing is created.
    pub resume: Option<AccessKeyPair>,
}

impl Plan {
    /// The old key this run deletes once the new one works: only when a cluster gets
    /// the new Secret from this run, or the operator asked for it.
    pub fn deletes(&self, rotation: &Rotation) -> Option<&str> {
        self.old
            .as_deref()
            .filter(|_| rotation.context.is_some() || rotation.delete_old_key)
    }
}

/// The most the check of a new key waits for IAM to know it.
pub fn total_wait(backoff: Backoff) -> Duration {
    let mut delay = backoff.first_delay;
    let mut total = Duration::ZERO;
    for _ in 1..backoff.attempts.max(1) {
        total += delay;
        delay = (delay * 2).min(backoff.max_delay);
    }
    total
}

/// The rotation in an operator's words, a line per step in the order [`execute`]
/// takes them, for the command and the wizard to show before it runs. `keep_old`
/// says why this run keeps the old key and how it is deleted later.
pub fn steps(rotation: &Rotation, plan: &Plan, keep_old: &str) -> Vec<String> {
    let config = rotation.config.display();
    let files = rotation.files();
    let mut steps = Vec::new();
    match (&plan.resume, &plan.old) {
        (Some(new), _) => steps.push(format!(
            "no new key: {} is the new key of the rotation under way, and {config} holds it",
            new.access_key_id
        )),
        (None, old) => {
            if let Some(old) = old {
                let copies = rotation
                    .paths()
                    .map(|path| backup_path(path).display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ");
                steps.push(format!(
                    "copies the current files to {copies} (0600), kept until the new key works (old key {old})"
                ));
            }
            steps.push(format!(
                "creates a new access key for user {} with iam:CreateAccessKey, straight into {files} (mode 0600)",
                rotation.user
            ));
        }
    }
    let base = rotation.registry_base();
    steps.push(format!(
        "checks the new key: sts:AssumeRole {} (retried for up to {} s while IAM catches up), ecr:GetAuthorizationToken, GET {base}{}",
        plan.role_arn,
        total_wait(rotation.backoff).as_secs(),
        verify::MANIFEST_PATH
    ));
    if let Some(context) = &rotation.context {
        steps.push(format!(
            "applies the new Secret aws-secret (namespace eksa-packages) with kubectl --context {context}"
        ));
    }
    match (&plan.old, plan.deletes(rotation)) {
        (_, Some(old)) => steps.push(format!(
            "deletes the old key {old} with iam:DeleteAccessKey, only once the steps above succeeded, and the .previous copies with it"
        )),
        (Some(old), None) => steps.push(format!("keeps the old key {old}: {keep_old}")),
        (None, None) => steps.push("no old key to delete".to_string()),
    }
    steps
}

/// What [`survey`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    /// The user's keys, with their age and last use.
    pub keys: Vec<KeyFacts>,
    /// What the config file holds.
    pub config: Held,
    /// Things worth saying before anything is done.
    pub notes: Vec<String>,
    /// The work, or why there is none (nothing was changed).
    pub plan: Result<Plan, String>,
    /// `--profile`/`--region` for the `aws` commands the texts suggest.
    pub command_options: String,
}

/// How a rotation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The new key works and is in place, and the old one (if there was one) is
    /// deleted.
    Done {
        new: String,
        deleted: Option<String>,
        notes: Vec<String>,
    },
    /// The new key works and is in place; the old one is kept until the new Secret
    /// is applied. `next` says how to finish.
    Paused {
        new: String,
        old: String,
        next: Vec<String>,
    },
    /// Stopped before a key was created, or the key created was deleted again.
    /// `certain`: nothing was changed in AWS (otherwise `reason` says what may have).
    NotStarted { reason: String, certain: bool },
    /// Stopped with the new key created; the old one is kept.
    Stopped {
        reason: String,
        new: String,
        /// The files that hold the new key.
        held_by: Vec<PathBuf>,
        old: Option<String>,
        finish: Vec<String>,
        roll_back: Vec<String>,
    },
}

/// `<file>.previous`: where a rotation keeps the file it replaced until the new key
/// works.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".previous");
    path.with_file_name(name)
}

/// Which of two files a rotation reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Manifest,
}

/// What the file at `path` holds, for `user`.
fn inspect(path: &Path, kind: Kind, user: &IamName) -> Held {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Held::Missing,
        Err(error) => return Held::Refused(format!("{shown} cannot be read: {error}")),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Held::Refused(format!(
                "{shown} is a symbolic link; ecr-share never writes through one: name the file itself"
            ));
        }
        Ok(meta) if meta.is_dir() => {
            return Held::Refused(format!("{shown} is a folder; name a file in it"));
        }
        Ok(meta) if !meta.is_file() => {
            return Held::Refused(format!("{shown} is not a regular file"));
        }
        Ok(_) => {}
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Held::Foreign;
    };
    let config = match kind {
        Kind::Config if files::is_config_for_user(user.as_str(), &text) => text,
        Kind::Manifest if files::is_secret_manifest_for_user(user.as_str(), &text) => {
            match manifest_config(&text, user) {
                Some(config) => config,
                None => return Held::Foreign,
            }
        }
        _ => return Held::Foreign,
    };
    Held::Ours {
        key: documents::saved_key(&config, user),
        role_arn: saved_config::parse(&config)
            .ok()
            .map(|saved| saved.role_arn),
    }
}

/// The config file inside an `aws-secret` manifest ecr-share wrote for `user`.
fn manifest_config(manifest: &str, user: &IamName) -> Option<String> {
    use base64::Engine as _;
    manifest
        .lines()
        .filter_map(|line| line.trim().strip_prefix("config:"))
        .filter_map(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .find(|config| files::is_config_for_user(user.as_str(), config))
}

/// The SDK configuration of the destination account, and IAM in it.
async fn clients(target: &IamTarget) -> Result<(SdkConfig, Iam, aws_sdk_iam::Client), CallError> {
    let config = aws::load_config(&target.target).await?;
    let iam = target.iam(&config);
    let client = aws_sdk_iam::Client::new(&config);
    Ok((config, iam, client))
}

/// Reads what a rotation starts from and plans it. Nothing is changed.
pub async fn survey<R: Report + Send + ?Sized>(rotation: &Rotation, report: &mut R) -> Survey {
    let user = &rotation.user;
    let mut survey = Survey {
        keys: Vec::new(),
        config: Held::Missing,
        notes: Vec::new(),
        plan: Err(String::new()),
        command_options: documents::aws_target_options(
            rotation.iam.target.profile.as_deref(),
            rotation.region.name(),
        ),
    };
    let (_, iam, client) = match clients(&rotation.iam).await {
        Ok(clients) => clients,
        Err(error) => {
            survey.plan = Err(error.to_string());
            report.call(CallReport::new(
                error.operation.clone(),
                rotation.iam.target.profile_label(),
                Outcome::Failed(error),
            ));
            return survey;
        }
    };
    survey.command_options = iam.command_options().to_string();
    let listed = match iam.list_access_keys(user).await {
        Ok(listed) => listed,
        Err(error) => {
            survey.plan = Err(if error.is("NoSuchEntity") {
                format!(
                    "user {user} does not exist in account {}: `ecr-share curated` creates it and its first key",
                    rotation.iam.account
                )
            } else {
                format!("the user's keys could not be listed: {error}")
            });
            report.call(CallReport::new(LIST, user.as_str(), Outcome::Failed(error)));
            return survey;
        }
    };
    let ids: Vec<&str> = listed.iter().map(|k| k.id.as_str()).collect();
    report.call(CallReport::new(
        LIST,
        user.as_str(),
        Outcome::Ok(match ids.as_slice() {
            [] => "the user has no access key".to_string(),
            [one] => format!("the user has 1 access key: {one}"),
            many => format!(
                "the user has {} access keys: {}",
                many.len(),
                many.join(", ")
            ),
        }),
    ));
    let now = SystemTime::now();
    survey.keys = keys::with_last_use(&client, listed, now, &mut |r| report.call(r)).await;
    survey.config = inspect(&rotation.config, Kind::Config, user);
    survey.plan = plan(
        rotation,
        &survey.keys,
        &survey.config,
        &mut survey.notes,
        &survey.command_options,
    );
    survey
}

fn listed(keys: &[KeyFacts], id: &str) -> bool {
    keys.iter().any(|k| k.info.id == id)
}

/// Decides what a rotation does from what [`survey`] read.
fn plan(
    rotation: &Rotation,
    keys: &[KeyFacts],
    config: &Held,
    notes: &mut Vec<String>,
    command_options: &str,
) -> Result<Plan, String> {
    let user = &rotation.user;
    let path = rotation.config.display();
    match config {
        Held::Refused(reason) => return Err(format!("--config-out: {reason}")),
        Held::Foreign if !rotation.overwrite => {
            return Err(format!(
                "--config-out: {path} exists and was not written by ecr-share for user {user}; pass --overwrite to replace it (its contents are lost), or choose another path"
            ));
        }
        Held::Foreign => notes.push(format!(
            "{path} was not written by ecr-share for user {user}: it is replaced (--overwrite), and no key is deleted"
        )),
        Held::Missing => notes.push(format!(
            "{path} does not exist: the new key goes into a new file, and no key is deleted"
        )),
        Held::Ours { key: None, .. } => notes.push(format!(
            "{path} names user {user} but holds no whole key pair: it is replaced, and no key is deleted"
        )),
        Held::Ours { key: Some(key), .. } if !listed(keys, &key.access_key_id) => notes.push(format!(
            "{path} holds key {}, which IAM no longer lists: the new key replaces it in the file, and no key is deleted",
            key.access_key_id
        )),
        Held::Ours { .. } => {}
    }
    if let Some(manifest) = &rotation.manifest {
        match inspect(manifest, Kind::Manifest, user) {
            Held::Refused(reason) => return Err(format!("--secret-out: {reason}")),
            Held::Foreign if !rotation.overwrite => {
                return Err(format!(
                    "--secret-out: {} exists and was not written by ecr-share for user {user}; pass --overwrite to replace it, or choose another path",
                    manifest.display()
                ));
            }
            _ => {}
        }
    }
    let file_role = match config {
        Held::Ours { role_arn, .. } => role_arn.clone(),
        _ => None,
    };
    let role_arn = match (&rotation.role_arn, &file_role) {
        (Some(given), Some(file)) if given != file => {
            notes.push(format!(
                "{path} assumes {file}; the new file assumes {given} (from --source-profile and --role-name)"
            ));
            given.clone()
        }
        (Some(given), _) => given.clone(),
        (None, Some(file)) => file.clone(),
        (None, None) => {
            return Err(format!(
                "{path} does not name the role to assume: give --source-profile (and --role-name, unless it is curated-packages-role) so the new config file can name it"
            ));
        }
    };

    let current = config.key_id().filter(|id| listed(keys, id));
    // A rotation under way: the config file holds the new key, and its copy in
    // `.previous` the old one; IAM lists both.
    let backup = backup_path(&rotation.config);
    match inspect(&backup, Kind::Config, user) {
        Held::Ours {
            key: Some(previous),
            ..
        } if current.is_some_and(|id| id != previous.access_key_id)
            && listed(keys, &previous.access_key_id) =>
        {
            let Held::Ours { key: Some(new), .. } = config else {
                unreachable!("current is only set for a config file with a key");
            };
            notes.push(format!(
                "a rotation is under way: {path} holds key {}, and {} the old key {}; this run checks the new key and finishes it, creating nothing",
                new.access_key_id,
                backup.display(),
                previous.access_key_id
            ));
            return Ok(Plan {
                role_arn,
                old: Some(previous.access_key_id),
                resume: Some(new.clone()),
            });
        }
        Held::Ours { key, .. } => notes.push(format!(
            "{} is left from an earlier rotation{}: {}",
            backup.display(),
            key.map(|k| format!(" (key {})", k.access_key_id))
                .unwrap_or_default(),
            if current.is_some() {
                "it is replaced by the copy of the current file"
            } else {
                "it is left as it is"
            }
        )),
        Held::Foreign | Held::Refused(_) if current.is_some() => {
            return Err(format!(
                "{} is in the way: it was not written by ecr-share for user {user}. Move it away: a rotation keeps the current config file there until the new key works",
                backup.display()
            ));
        }
        _ => {}
    }

    if keys.len() >= iam::MAX_ACCESS_KEYS {
        return Err(limit_message(rotation, keys, current, command_options));
    }
    for key in keys.iter().filter(|k| Some(k.info.id.as_str()) != current) {
        notes.push(format!(
            "key {} is not in {path}: it is left alone (delete it yourself once nothing uses it: aws iam delete-access-key --user-name {user} --access-key-id {}{command_options})",
            key.info.id, key.info.id
        ));
    }
    Ok(Plan {
        role_arn,
        old: current.map(str::to_string),
        resume: None,
    })
}

/// Why no key can be created at IAM's limit of two, and which key to delete.
fn limit_message(
    rotation: &Rotation,
    keys: &[KeyFacts],
    current: Option<&str>,
    command_options: &str,
) -> String {
    let user = &rotation.user;
    let path = rotation.config.display();
    let now = SystemTime::now();
    let mut text = format!(
        "user {user} already has {} access keys, the most IAM allows, so no new key can be created:",
        keys.len()
    );
    for key in keys {
        let held = if Some(key.info.id.as_str()) == current {
            format!(" (in {path})")
        } else {
            String::new()
        };
        text.push_str(&format!("\n  {}{held}", key.describe(now)));
    }
    // The one to suggest: not the config file's, and the one used longest ago.
    let mut others: Vec<&KeyFacts> = keys
        .iter()
        .filter(|k| Some(k.info.id.as_str()) != current)
        .collect();
    others.sort_by_key(|k| k.last_used_at().map(|d| (d.secs(), d.subsec_nanos())));
    let Some(suggested) = others.first() else {
        return text;
    };
    if current.is_none() {
        text.push_str(&format!(
            "\n{path} holds neither, so ecr-share cannot tell which one a cluster uses: check their last use above before deleting one."
        ));
    }
    text.push_str(&format!(
        "\nDelete the one nobody uses, then run again:\n  aws iam delete-access-key --user-name {user} --access-key-id {}{command_options}",
        suggested.info.id
    ));
    text
}

/// What [`execute`] does with a plan, one line per call or file write in the order
/// they are made, for a confirmation and the live status to list before it runs.
pub fn calls(rotation: &Rotation, plan: &Plan) -> Vec<String> {
    let config = rotation.config.display();
    let files = rotation.files();
    let mut calls = Vec::new();
    match (&plan.resume, &plan.old) {
        (Some(new), _) => calls.push(format!(
            "no new key: {} is the new key of the rotation under way, and {config} holds it",
            new.access_key_id
        )),
        (None, old) => {
            if old.is_some() {
                for path in rotation.paths() {
                    calls.push(format!(
                        "write {} (a copy of {}, kept until the new key works)",
                        backup_path(path).display(),
                        path.display()
                    ));
                }
            }
            calls.push(format!(
                "iam:CreateAccessKey {}, straight into {files} (mode 0600)",
                rotation.user
            ));
            calls.push(format!("write {config} (the new key)"));
            if let Some(manifest) = &rotation.manifest {
                calls.push(format!("write {} (the new Secret)", manifest.display()));
            }
        }
    }
    let base = rotation.registry_base();
    calls.push(format!(
        "sts:AssumeRole {} with the new key (retried while IAM catches up)",
        plan.role_arn
    ));
    calls.push("ecr:GetAuthorizationToken (as the role)".to_string());
    calls.push(format!("GET {base}{}", verify::MANIFEST_PATH));
    if let Some(context) = &rotation.context {
        calls.push(format!(
            "kubectl apply of Secret eksa-packages/aws-secret with --context {context}"
        ));
    }
    if let Some(old) = plan.deletes(rotation) {
        calls.push(format!(
            "iam:DeleteAccessKey {old} (the old key), only once the new one works"
        ));
        calls.push("remove the .previous copies (they hold the old key)".to_string());
    }
    calls
}

/// Writes `contents` to `path` in one step, 0600, unless it already holds them.
fn ensure_file(path: &Path, contents: &str, replace: Replace<'_>) -> CallReport {
    let subject = path.display().to_string();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
        && std::fs::read_to_string(path).is_ok_and(|text| text == contents)
    {
        return CallReport::new(
            WRITE,
            subject,
            Outcome::AlreadyExisted("it already holds the new key, unchanged".into()),
        );
    }
    let outcome = match PreparedFile::prepare(path, replace) {
        Err(refusal) => Outcome::Failed(CallError::new(
            WRITE,
            Some("NotWritten"),
            refusal.to_string(),
        )),
        Ok(prepared) => match prepared.commit(contents) {
            Ok(_) => Outcome::Done("the new key is in it, mode 0600".into()),
            Err(error) => {
                Outcome::Failed(CallError::new(WRITE, None, format!("{subject}: {error}")))
            }
        },
    };
    CallReport::new(WRITE, subject, outcome)
}

/// The run of [`execute`]: the reports go out as they happen, and what has been done
/// so far decides what a stop says.
struct Run<'a, R: Report + ?Sized> {
    rotation: &'a Rotation,
    report: &'a mut R,
    command_options: String,
    /// The `.previous` copies this run wrote.
    backups: Vec<(PathBuf, PathBuf)>,
}

impl<R: Report + ?Sized> Run<'_, R> {
    /// Reports a call; `true` when it did not fail.
    fn call(&mut self, report: CallReport) -> bool {
        let fine = !report.outcome.is_failure();
        tracing::info!(call = %report.call, subject = %report.subject, outcome = report.outcome.label(), "call");
        self.report.call(report);
        fine
    }

    fn failed(&mut self, call: &str, subject: &str, code: Option<&str>, message: String) {
        self.call(CallReport::new(
            call,
            subject,
            Outcome::Failed(CallError::new(call, code, message)),
        ));
    }

    /// Copies the file at `path` to `<path>.previous` (0600), when it is one
    /// ecr-share wrote for this user.
    fn back_up(&mut self, path: &Path, kind: Kind) -> bool {
        if !matches!(inspect(path, kind, &self.rotation.user), Held::Ours { .. }) {
            return true;
        }
        let backup = backup_path(path);
        let subject = backup.display().to_string();
        let user = self.rotation.user.as_str();
        let ours = move |text: &str| match kind {
            Kind::Config => files::is_config_for_user(user, text),
            Kind::Manifest => files::is_secret_manifest_for_user(user, text),
        };
        let copied = std::fs::read_to_string(path)
            .map_err(|error| format!("{} cannot be read: {error}", path.display()))
            .and_then(|text| {
                PreparedFile::prepare(&backup, Replace::IfOurs(&ours))
                    .map_err(|refusal| refusal.to_string())?
                    .commit(&text)
                    .map_err(|error| format!("{subject}: {error}"))
            });
        match copied {
            Ok(_) => {
                self.backups.push((path.to_path_buf(), backup));
                self.call(CallReport::new(
                    WRITE,
                    subject,
                    Outcome::Done(format!(
                        "a copy of {}, mode 0600, kept until the new key works",
                        path.display()
                    )),
                ))
            }
            Err(reason) => {
                self.failed(WRITE, &subject, Some("NotWritten"), reason);
                false
            }
        }
    }

    /// Removes the `.previous` copies: they hold the old key's secret.
    fn remove_backups(&mut self, why: &str) {
        for (_, backup) in std::mem::take(&mut self.backups) {
            let subject = backup.display().to_string();
            match std::fs::remove_file(&backup) {
                Ok(()) => {
                    self.call(CallReport::new(
                        REMOVE,
                        subject,
                        Outcome::Done(why.to_string()),
                    ));
                }
                Err(error) => self.failed(
                    REMOVE,
                    &subject,
                    None,
                    format!("{error}; remove it yourself: it holds the old key's secret"),
                ),
            }
        }
    }

    fn delete_command(&self, id: &str) -> String {
        format!(
            "aws iam delete-access-key --user-name {} --access-key-id {id}{}",
            self.rotation.user, self.command_options
        )
    }

    /// A stop once the new key exists: the old key stays, and the ending says how to
    /// finish or roll back.
    fn stopped(&self, plan: &Plan, new: &str, reason: String) -> Ending {
        let rotation = self.rotation;
        let config = rotation.config.display().to_string();
        let mut finish = Vec::new();
        let mut roll_back = Vec::new();
        match &plan.old {
            Some(old) => {
                let backup = backup_path(&rotation.config);
                finish.push(format!(
                    "once the cause is fixed, run the same command again: it finds the rotation under way ({config} holds the new key {new}, {} the old key {old}), checks {new} again, and deletes {old} only once {new} works",
                    backup.display()
                ));
                for path in rotation.paths() {
                    let backup = backup_path(path);
                    if backup.is_file() {
                        roll_back.push(format!(
                            "mv {} {}",
                            shell_quote(&backup.display().to_string()),
                            shell_quote(&path.display().to_string())
                        ));
                    }
                }
            }
            None => finish.push(format!(
                "{config} holds the new key {new}; once the cause is fixed, check it with ecr-share curated verify --config {}",
                shell_quote(&config)
            )),
        }
        roll_back.push(self.delete_command(new));
        let files = [(&rotation.config, Kind::Config)]
            .into_iter()
            .chain(rotation.manifest.iter().map(|path| (path, Kind::Manifest)));
        let held_by = files
            .filter(|(path, kind)| inspect(path, *kind, &rotation.user).key_id() == Some(new))
            .map(|(path, _)| path.clone())
            .collect();
        Ending::Stopped {
            reason,
            new: new.to_string(),
            held_by,
            old: plan.old.clone(),
            finish,
            roll_back,
        }
    }
}

/// Carries out a [`Plan`] of [`survey`], reporting every call and file write.
pub async fn execute<R: Report + ?Sized>(
    rotation: &Rotation,
    plan: Plan,
    report: &mut R,
) -> Ending {
    let mut run = Run {
        rotation,
        report,
        command_options: String::new(),
        backups: Vec::new(),
    };
    let (config, iam, client) = match clients(&rotation.iam).await {
        Ok(clients) => clients,
        Err(error) => {
            let reason = error.to_string();
            run.call(CallReport::new(
                error.operation.clone(),
                rotation.iam.target.profile_label(),
                Outcome::Failed(error),
            ));
            return Ending::NotStarted {
                reason,
                certain: true,
            };
        }
    };
    run.command_options = iam.command_options().to_string();
    let user = &rotation.user;
    let home = SecretHome {
        path: rotation.config.clone(),
        user: user.clone(),
        role_arn: plan.role_arn.clone(),
        region: rotation.region.clone(),
        overwrite: rotation.overwrite,
    };
    let config_ours = |text: &str| home.is_ours(text);
    let manifest_ours = |text: &str| home.is_our_manifest(text);
    let config_replace = if rotation.overwrite {
        Replace::Always
    } else {
        Replace::IfOurs(&config_ours)
    };
    let manifest_replace = if rotation.overwrite {
        Replace::Always
    } else {
        Replace::IfOurs(&manifest_ours)
    };

    let new = match &plan.resume {
        Some(key) => {
            run.call(CallReport::new(
                CREATE,
                user.as_str(),
                Outcome::AlreadyExisted(format!(
                    "{} was created by an earlier run of this rotation and {} holds it; no new key",
                    key.access_key_id,
                    rotation.config.display()
                )),
            ));
            let written = ensure_file(&rotation.config, &home.config_file(key), config_replace);
            if !run.call(written) {
                let reason = format!("{} could not be written", rotation.config.display());
                return run.stopped(&plan, &key.access_key_id, reason);
            }
            if let Some(manifest) = &rotation.manifest
                && !backup_path(manifest).exists()
                && inspect(manifest, Kind::Manifest, user).key_id()
                    != Some(key.access_key_id.as_str())
                && !run.back_up(manifest, Kind::Manifest)
            {
                let reason = format!("{} could not be copied", manifest.display());
                return run.stopped(&plan, &key.access_key_id, reason);
            }
            key.clone()
        }
        None => {
            // The homes first: a refusal or an unwritable folder stops here, before
            // any key exists.
            let prepared = match PreparedFile::prepare(&rotation.config, config_replace) {
                Ok(prepared) => prepared,
                Err(refusal) => {
                    let reason = format!("{refusal}; no key was created");
                    run.failed(
                        WRITE,
                        &rotation.config.display().to_string(),
                        Some("NotWritten"),
                        reason.clone(),
                    );
                    return Ending::NotStarted {
                        reason,
                        certain: true,
                    };
                }
            };
            let prepared_manifest = match &rotation.manifest {
                None => None,
                Some(path) => match PreparedFile::prepare(path, manifest_replace) {
                    Ok(prepared) => Some(prepared),
                    Err(refusal) => {
                        let reason = format!("{refusal}; no key was created");
                        run.failed(
                            WRITE,
                            &path.display().to_string(),
                            Some("NotWritten"),
                            reason.clone(),
                        );
                        return Ending::NotStarted {
                            reason,
                            certain: true,
                        };
                    }
                },
            };
            if plan.old.is_some() {
                let copied = run.back_up(&rotation.config, Kind::Config)
                    && rotation
                        .manifest
                        .as_ref()
                        .is_none_or(|path| run.back_up(path, Kind::Manifest));
                if !copied {
                    run.remove_backups("the copy is not needed: no key was created");
                    return Ending::NotStarted {
                        reason: "the current files could not be copied aside; no key was created"
                            .into(),
                        certain: true,
                    };
                }
            }
            let created = iam.create_access_key(user).await;
            for recovered in created.recovered {
                run.call(recovered);
            }
            let Some(key) = created.key else {
                let (reason, certain) = match &created.report.outcome {
                    Outcome::Failed(error) => (error.to_string(), !error.is(ANSWER_LOST)),
                    other => (other.detail(), true),
                };
                run.call(created.report);
                run.remove_backups("the copy is not needed: no key was created");
                return Ending::NotStarted { reason, certain };
            };
            run.call(created.report);
            if let Err(error) = prepared.commit(&home.config_file(&key)) {
                let path = rotation.config.display().to_string();
                run.failed(
                    WRITE,
                    &path,
                    None,
                    format!("{path}: {error}; the new key's secret could not be saved"),
                );
                // A key whose secret is lost only counts against IAM's limit of two.
                let deleted = iam.delete_unsaved_key(user, &key.access_key_id).await;
                let certain = !deleted.outcome.is_failure();
                run.call(deleted);
                run.remove_backups("the copy is not needed: the new key was deleted again");
                return Ending::NotStarted {
                    reason: format!(
                        "{path} could not be written ({error}), so the new key {} was deleted again{}",
                        key.access_key_id,
                        if certain {
                            ""
                        } else {
                            " (the deletion failed: see above)"
                        }
                    ),
                    certain,
                };
            }
            run.call(CallReport::new(
                WRITE,
                rotation.config.display().to_string(),
                Outcome::Done("the new key is in it, mode 0600".into()),
            ));
            if let (Some(path), Some(prepared)) = (&rotation.manifest, prepared_manifest) {
                let manifest = documents::aws_secret_manifest(&home.config_file(&key));
                let subject = path.display().to_string();
                match prepared.commit(&manifest) {
                    Ok(_) => {
                        run.call(CallReport::new(
                            WRITE,
                            &subject,
                            Outcome::Done("the new Secret is in it, mode 0600".into()),
                        ));
                    }
                    Err(error) => {
                        run.failed(WRITE, &subject, None, format!("{subject}: {error}"));
                        let reason = format!("{subject} could not be written: {error}");
                        return run.stopped(&plan, &key.access_key_id, reason);
                    }
                }
            }
            key
        }
    };
    let new_id = new.access_key_id.clone();
    if plan.resume.is_some()
        && let Some(path) = &rotation.manifest
    {
        let manifest = documents::aws_secret_manifest(&home.config_file(&new));
        if !run.call(ensure_file(path, &manifest, manifest_replace)) {
            let reason = format!("{} could not be written", path.display());
            return run.stopped(&plan, &new_id, reason);
        }
    }

    // The new key must work before anything depends on it.
    let mut check = VerifyPlan::new(plan.role_arn.clone(), rotation.registry.host.clone());
    check.registry_url = rotation.registry_url.clone();
    check.backoff = rotation.backoff;
    let reports = verify::verify(&config, &new, &check).await;
    let verdict = Checks::from_reports(&reports).verdict();
    for report in reports {
        run.call(report);
    }
    if !verdict.key_accepted() {
        let reason = match verdict {
            Verdict::AwsUnreachable(check) => format!(
                "the new key could not be checked: AWS could not be reached for “{}”",
                check.title()
            ),
            Verdict::Refused(check) => format!(
                "the new key did not pass the check “{}” (see above)",
                check.title()
            ),
            Verdict::Works | Verdict::RegistryUnchecked => unreachable!("accepted"),
        };
        return run.stopped(&plan, &new_id, reason);
    }
    let mut notes = Vec::new();
    if verdict == Verdict::RegistryUnchecked {
        notes.push(format!(
            "the registry could not be asked from here; the new key assumed the role and got an ECR token, which is all a key changes (the registry check is about the role's policy: ecr-share curated verify --config {} checks it where the registry is reachable)",
            shell_quote(&rotation.config.display().to_string())
        ));
    }

    if let Some(context) = &rotation.context {
        let manifest = documents::aws_secret_manifest(&home.config_file(&new));
        let outcome = match kube::apply_manifest(Some(context), &manifest).await {
            Ok(output) => Outcome::Done(output.trim().to_string()),
            Err(error) => Outcome::Failed(CallError::new("kubectl apply", None, error.to_string())),
        };
        let subject = format!("secret eksa-packages/aws-secret in context {context}");
        if !run.call(CallReport::new("kubectl apply", subject, outcome)) {
            let reason = format!(
                "the new Secret could not be applied to context {context}, so the old key is kept"
            );
            return run.stopped(&plan, &new_id, reason);
        }
    }

    let Some(old) = plan.old.clone() else {
        if rotation.context.is_none() {
            notes.push(match &rotation.manifest {
                Some(path) => format!(
                    "no cluster was changed: apply the new Secret where it is used (kubectl apply -f {})",
                    shell_quote(&path.display().to_string())
                ),
                None => "no cluster was changed: give the clusters that use the key the new config file".to_string(),
            });
        }
        return Ending::Done {
            new: new_id,
            deleted: None,
            notes,
        };
    };
    if rotation.context.is_none() && !rotation.delete_old_key {
        let mut next = Vec::new();
        match &rotation.manifest {
            Some(path) => next.push(format!(
                "apply the new Secret to every cluster that uses the key: kubectl apply -f {} (with --context for each)",
                shell_quote(&path.display().to_string())
            )),
            None => next.push(format!(
                "give every cluster that uses the key the new config file {} (run again with --secret-out FILE for its Secret manifest, or with --context to apply it from here)",
                rotation.config.display()
            )),
        }
        next.push(format!(
            "then run the same command again with --delete-old-key: it checks {new_id} again and deletes {old}"
        ));
        return Ending::Paused {
            new: new_id,
            old,
            next,
        };
    }
    let deleted = keys::delete_key(&client, user, &old, &run.command_options).await;
    if !run.call(deleted) {
        let reason = format!(
            "the new key {new_id} works and is in place, but the old key {old} could not be deleted: run the same command again, or {}",
            run.delete_command(&old)
        );
        return run.stopped(&plan, &new_id, reason);
    }
    // The copies hold the deleted key's secret: nothing can use it any more. A
    // resumed rotation removes the ones its first run wrote.
    let files = [(&rotation.config, Kind::Config)]
        .into_iter()
        .chain(rotation.manifest.iter().map(|path| (path, Kind::Manifest)));
    run.backups = files
        .map(|(path, kind)| (path.clone(), backup_path(path), kind))
        .filter(|(_, backup, kind)| matches!(inspect(backup, *kind, user), Held::Ours { .. }))
        .map(|(path, backup, _)| (path, backup))
        .collect();
    run.remove_backups("it held the old key, now deleted");
    Ending::Done {
        new: new_id,
        deleted: Some(old),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_for_a_new_key_is_the_sum_of_the_delays() {
        assert_eq!(total_wait(Backoff::default()), Duration::from_secs(23));
        let once = Backoff {
            attempts: 1,
            ..Backoff::default()
        };
        assert_eq!(total_wait(once), Duration::ZERO);
    }

    #[test]
    fn the_previous_copy_sits_beside_the_file() {
        assert_eq!(
            backup_path(Path::new("/tmp/x/curated-packages-aws-config")),
            PathBuf::from("/tmp/x/curated-packages-aws-config.previous")
        );
        assert_eq!(
            backup_path(Path::new("aws-secret.yaml")),
            PathBuf::from("aws-secret.yaml.previous")
        );
    }
}
