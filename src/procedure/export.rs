//! The whole curated-packages procedure as files to review before anything happens
//! in AWS: `apply.sh` and `teardown.sh`, bash scripts of `aws` CLI calls, and every
//! JSON document they send, each in a file of its own.
//!
//! Generating them is pure. The files come from the same form and the same plans
//! ([`super::plan`]) that the engine executes, so each policy document is, byte for
//! byte, the text `curated` sends (`document.to_string()`), and the config file and
//! the Secret manifest are the ones [`documents`] builds, with the new key filled in
//! by the script. The wizard can offer the same export; `curated export` resolves
//! the accounts, writes the files and prints what it wrote.
//!
//! What the scripts promise, in their own header comments too:
//! - `apply.sh` only creates. Before any change it checks that each profile is the
//!   account the script names, that none of the four IAM entities exists, and that
//!   neither output file exists; anything found stops it with nothing changed. It
//!   never reuses or updates an existing entity, so what runs is what was reviewed.
//!   A stop midway lists what it had created and points at `teardown.sh`.
//! - `teardown.sh` removes, in reverse order and each in its own account, only what
//!   is tagged `managed-by=ecr-share` and used by nothing else; it checks all of
//!   that before its first change, and skips what does not exist, so it can run
//!   after a partial `apply.sh` and again.

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::Value;

use crate::aws::iam::{MANAGED_BY_KEY, MANAGED_BY_VALUE, OWNERSHIP_TAGS};
use crate::core::documents::{
    self, DocumentKind, PACKAGES_NAMESPACE, PACKAGES_SECRET, aws_target_options, shell_quote,
};
use crate::core::flow::{CuratedStep, Form, Side, Step};
use crate::core::regions::Partition;
use crate::core::secret::{AccessKeyPair, Secret};
use crate::core::validate::{AccountId, IamName, Region, SubscriptionId};

use super::job::{IamTarget, Job, SecretHome};
use super::plan::{Sides, plan};

/// The script that carries out the procedure.
pub const APPLY_SCRIPT: &str = "apply.sh";
/// The script that removes what `apply.sh` created.
pub const TEARDOWN_SCRIPT: &str = "teardown.sh";
/// The `--tags` of every policy, role and user `apply.sh` creates.
pub const TAGS_FILE: &str = "ownership-tags.json";

/// What a written file is, which decides its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// A script to run (0755 before the umask).
    Script,
    /// A document the scripts read (0644 before the umask).
    Document,
}

/// One file of an export: its name in the export folder and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: &'static str,
    pub kind: ExportKind,
    /// What it is, for the summary that lists the files.
    pub about: &'static str,
    pub contents: String,
}

/// What the export needs besides the form and the accounts: where `apply.sh` writes
/// the Secret manifest, and where the registry account came from.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions<'a> {
    /// Where `apply.sh` writes the `aws-secret` manifest (the config file goes where
    /// the form's config path says).
    pub manifest_path: &'a str,
    /// One sentence saying where the registry account came from, for step 1's
    /// comment (such as `RegistryLookup::explain`).
    pub registry_note: &'a str,
}

/// The files of the export, in the order the summary lists them: the two scripts,
/// then the documents. `Err` says, in words for the operator, what is missing or
/// refused.
pub fn export(
    form: &Form,
    sides: &Sides,
    options: ExportOptions<'_>,
) -> Result<Vec<ExportFile>, String> {
    let procedure = Procedure::plan(form, sides, options)?;
    Ok(vec![
        ExportFile {
            name: APPLY_SCRIPT,
            kind: ExportKind::Script,
            about: "the procedure: steps 2 to 7 as aws CLI calls",
            contents: procedure.apply_script(),
        },
        ExportFile {
            name: TEARDOWN_SCRIPT,
            kind: ExportKind::Script,
            about: "removes what apply.sh creates, in reverse order",
            contents: procedure.teardown_script(),
        },
        ExportFile {
            name: documents::default_file_name(DocumentKind::EcrReadPolicy),
            kind: ExportKind::Document,
            about: "step 2: the ECR login and read policy",
            contents: procedure.read_document.to_string(),
        },
        ExportFile {
            name: documents::default_file_name(DocumentKind::TrustPolicy),
            kind: ExportKind::Document,
            about: "step 3: the role's trust policy",
            contents: procedure.trust.to_string(),
        },
        ExportFile {
            name: documents::default_file_name(DocumentKind::AssumeRolePolicy),
            kind: ExportKind::Document,
            about: "step 4: the user's assume-role policy",
            contents: procedure.assume_document.to_string(),
        },
        ExportFile {
            name: TAGS_FILE,
            kind: ExportKind::Document,
            about: "the tags on every policy, role and user apply.sh creates",
            contents: ownership_tags().to_string(),
        },
    ])
}

/// The ownership tags as the `aws` CLI takes them (`--tags file://...`).
pub fn ownership_tags() -> Value {
    Value::Array(
        OWNERSHIP_TAGS
            .iter()
            .map(|(key, value)| serde_json::json!({ "Key": key, "Value": value }))
            .collect(),
    )
}

/// One account as the scripts use it.
struct Account {
    /// Which side, as the messages say it: `source` or `destination`.
    label: &'static str,
    profile: String,
    id: AccountId,
    /// ` --profile '<profile>' --region '<region>'`, for every `aws` command.
    options: String,
}

/// Everything the scripts say, validated and planned.
struct Procedure {
    region: Region,
    source: Account,
    destination: Account,
    registry_note: String,
    subscription: Option<SubscriptionId>,
    read_policy: IamName,
    read_document: Value,
    read_arn: String,
    role: IamName,
    trust: Value,
    assume_policy: IamName,
    assume_document: Value,
    assume_arn: String,
    user: IamName,
    home: SecretHome,
    config_path: String,
    manifest_path: String,
}

/// Placeholders the scripts replace with shell variables: text that no document can
/// hold, so each is found exactly where the variable goes.
const KEY_ID_MARK: &str = "ECRSHAREEXPORTKEYID";
const SECRET_MARK: &str = "ECRSHAREEXPORTSECRET";
const CONFIG_MARK: &str = "ECRSHAREEXPORTCONFIG";

impl Procedure {
    fn plan(form: &Form, sides: &Sides, options: ExportOptions<'_>) -> Result<Procedure, String> {
        let step = |step: CuratedStep| plan(Step::Curated(step), form, sides);
        let Job::ReadPolicy {
            iam: source_iam,
            name: read_policy,
            document: read_document,
        } = step(CuratedStep::ReadPolicy)?
        else {
            return Err(unexpected(CuratedStep::ReadPolicy));
        };
        let Job::Role {
            role,
            trust,
            policy: attached,
            ..
        } = step(CuratedStep::Role)?
        else {
            return Err(unexpected(CuratedStep::Role));
        };
        let Job::User {
            iam: destination_iam,
            policy: assume_policy,
            document: assume_document,
            user,
        } = step(CuratedStep::User)?
        else {
            return Err(unexpected(CuratedStep::User));
        };
        let Job::AccessKey { home, .. } = step(CuratedStep::AccessKey)? else {
            return Err(unexpected(CuratedStep::AccessKey));
        };
        if attached != read_policy {
            return Err(unexpected(CuratedStep::Role));
        }
        let region = home.region.clone();
        let source = account("source", Side::Source, &source_iam, &region)?;
        let destination = account("destination", Side::Destination, &destination_iam, &region)?;
        if source.id == destination.id {
            return Err(format!(
                "the source and the destination are both account {}: the destination must be another account than the one that owns the subscription",
                source.id
            ));
        }
        let config_path = path_text("the config file", &home.path.display().to_string())?;
        let manifest_path = path_text("the Secret manifest", options.manifest_path)?;
        if config_path == manifest_path {
            return Err(format!(
                "the config file and the Secret manifest are both {config_path}; give each its own file"
            ));
        }
        Ok(Procedure {
            read_arn: policy_arn(source_iam.partition, &source.id, &read_policy),
            assume_arn: policy_arn(destination_iam.partition, &destination.id, &assume_policy),
            region,
            source,
            destination,
            registry_note: options.registry_note.to_string(),
            subscription: form.subscription().ok(),
            read_policy,
            read_document,
            role,
            trust,
            assume_policy,
            assume_document,
            user,
            home,
            config_path,
            manifest_path,
        })
    }

    /// The step's header comment: its number and title as the flow declares them, and
    /// the account it acts in.
    fn step_comment(&self, script: &mut String, step: CuratedStep) {
        let spec = step.spec();
        let account = match spec.side {
            Side::Source => &self.source,
            _ => &self.destination,
        };
        script.push('\n');
        comment(
            script,
            &format!(
                "Step {} of {}: {} ({} account {}, profile {})",
                step.number(),
                CuratedStep::ALL.len(),
                spec.title,
                account.label,
                account.id,
                shell_quote(&account.profile)
            ),
        );
    }

    fn header(&self, script: &mut String, purpose: &str, promise: &str) {
        script.push_str("#!/usr/bin/env bash\n");
        comment(script, purpose);
        script.push_str("#\n");
        for (label, value) in [
            ("region", self.region.name().to_string()),
            (
                "source account",
                format!(
                    "{}, profile {}: the ECR read policy and the role",
                    self.source.id,
                    shell_quote(&self.source.profile)
                ),
            ),
            (
                "destination account",
                format!(
                    "{}, profile {}: the assume-role policy, the user and its access key",
                    self.destination.id,
                    shell_quote(&self.destination.profile)
                ),
            ),
            ("config file", self.config_path.clone()),
            ("Secret manifest", self.manifest_path.clone()),
        ] {
            comment_raw(script, &format!("  {label:<20} {value}"));
        }
        script.push_str("#\n");
        comment(script, promise);
        script.push_str("set -euo pipefail\n");
    }

    fn apply_script(&self) -> String {
        let mut s = String::new();
        let (src, dst) = (&self.source.options, &self.destination.options);
        let q = |text: &str| shell_quote(text);
        self.header(
            &mut s,
            "apply.sh: the EKS Anywhere Curated Packages procedure as aws CLI calls, written by `ecr-share curated export`. Review it and the documents beside it, then run it with bash, from any folder. Nothing in AWS changes before it runs.",
            &format!(
                "It only creates. Before any change it checks that each profile is the account named above, that none of the policies, the role and the user exists yet, and that neither file exists; anything found stops it with nothing changed. It never reuses or updates what exists, so what runs is what was reviewed. Should it stop midway, it lists what it had created: {TEARDOWN_SCRIPT} removes that (it skips what does not exist), and then {APPLY_SCRIPT} can run again.\n\nEvery policy, role and user it creates is tagged {} ({TAGS_FILE}), as ecr-share tags what it creates. The secret access key goes into the config file and the manifest only (both mode 0600), never to the terminal.",
                tags_text()
            ),
        );
        s.push_str(
            "# Files are created readable by their owner only (the config file and the\n# manifest hold the secret key).\numask 077\n# The documents are read from this script's folder (file://NAME below).\ncd -- \"$(dirname -- \"${BASH_SOURCE[0]}\")\"\n",
        );
        s.push_str(APPLY_PRELUDE);
        self.account_checks(&mut s, "apply.sh");

        s.push_str("\n# None of what this script creates may exist yet.\n");
        s.push_str(ABSENT_FUNCTION);
        s.push_str("exists=()\n");
        for (command, what) in [
            (
                format!(
                    "aws iam get-policy{src} \\\n  --policy-arn {}",
                    q(&self.read_arn)
                ),
                format!("policy {} (source account)", self.read_arn),
            ),
            (
                format!(
                    "aws iam get-role{src} \\\n  --role-name {}",
                    q(self.role.as_str())
                ),
                format!("role {} (source account {})", self.role, self.source.id),
            ),
            (
                format!(
                    "aws iam get-policy{dst} \\\n  --policy-arn {}",
                    q(&self.assume_arn)
                ),
                format!("policy {} (destination account)", self.assume_arn),
            ),
            (
                format!(
                    "aws iam get-user{dst} \\\n  --user-name {}",
                    q(self.user.as_str())
                ),
                format!(
                    "user {} (destination account {})",
                    self.user, self.destination.id
                ),
            ),
        ] {
            let _ = writeln!(s, "absent {command} \\\n  || exists+=({})", q(&what));
        }
        let _ = writeln!(
            s,
            "if [ -n \"${{exists[*]+set}}\" ]; then\n  printf 'apply.sh: these exist already; this script only creates, it never reuses or changes what exists:\\n' >&2\n  printf '  %s\\n' \"${{exists[@]}}\" >&2\n  printf '%s\\n' {} >&2\n  exit 1\nfi",
            q(&format!(
                "Remove them ({TEARDOWN_SCRIPT} removes what ecr-share created), or export again with other names (--policy-name, --role-name, --assume-policy-name, --user-name)."
            ))
        );
        let _ = writeln!(
            s,
            "\n# The config file and the manifest will hold the secret: neither may exist yet\n# (nor be a link), and their folders must.\nfor file in {} {}; do\n  if [ -e \"$file\" ] || [ -L \"$file\" ]; then\n    printf 'apply.sh: %s exists; move it away, or export again with another --config-out or --secret-out.\\n' \"$file\" >&2\n    exit 1\n  fi\n  if [ ! -d \"$(dirname -- \"$file\")\" ]; then\n    printf 'apply.sh: the folder of %s does not exist; create it first.\\n' \"$file\" >&2\n    exit 1\n  fi\ndone",
            q(&self.config_path),
            q(&self.manifest_path)
        );

        // Step 1: decided when the export was written.
        self.step_comment(&mut s, CuratedStep::Registry);
        comment(
            &mut s,
            &format!(
                "Decided when this was exported: {}. The read policy of step 2 names it.",
                self.registry_note
            ),
        );
        if let Some(subscription) = &self.subscription {
            comment(&mut s, "What the subscription names, to compare:");
            comment_raw(
                &mut s,
                &format!(
                    "  aws eks describe-eks-anywhere-subscription{src} --id {} --query 'subscription.packageRegistry'",
                    q(subscription.as_str())
                ),
            );
        }

        self.step_comment(&mut s, CuratedStep::ReadPolicy);
        let read_file = documents::default_file_name(DocumentKind::EcrReadPolicy);
        let _ = writeln!(
            s,
            "step='step 2, ECR login and read policy'\nchanging=yes\narn=$(aws iam create-policy{src} \\\n  --policy-name {} \\\n  --policy-document file://{read_file} \\\n  --tags file://{TAGS_FILE} \\\n  --query Policy.Arn --output text)\ndid \"created policy $arn in the source account\"",
            q(self.read_policy.as_str()),
        );

        self.step_comment(&mut s, CuratedStep::Role);
        let trust_file = documents::default_file_name(DocumentKind::TrustPolicy);
        let _ = writeln!(
            s,
            "step='step 3, Role for curated packages'\narn=$(aws iam create-role{src} \\\n  --role-name {role} \\\n  --assume-role-policy-document file://{trust_file} \\\n  --tags file://{TAGS_FILE} \\\n  --query Role.Arn --output text)\ndid \"created role $arn\"\naws iam attach-role-policy{src} \\\n  --role-name {role} \\\n  --policy-arn {policy}\ndid {attached}",
            role = q(self.role.as_str()),
            policy = q(&self.read_arn),
            attached = q(&format!(
                "attached policy {} to role {}",
                self.read_policy, self.role
            )),
        );

        self.step_comment(&mut s, CuratedStep::User);
        let assume_file = documents::default_file_name(DocumentKind::AssumeRolePolicy);
        let _ = writeln!(
            s,
            "step='step 4, User that assumes the role'\narn=$(aws iam create-policy{dst} \\\n  --policy-name {} \\\n  --policy-document file://{assume_file} \\\n  --tags file://{TAGS_FILE} \\\n  --query Policy.Arn --output text)\ndid \"created policy $arn in the destination account\"\narn=$(aws iam create-user{dst} \\\n  --user-name {user} \\\n  --tags file://{TAGS_FILE} \\\n  --query User.Arn --output text)\ndid \"created user $arn\"\naws iam attach-user-policy{dst} \\\n  --user-name {user} \\\n  --policy-arn {policy}\ndid {attached}",
            q(self.assume_policy.as_str()),
            user = q(self.user.as_str()),
            policy = q(&self.assume_arn),
            attached = q(&format!(
                "attached policy {} to user {}",
                self.assume_policy, self.user
            )),
        );

        self.step_comment(&mut s, CuratedStep::AccessKey);
        comment(
            &mut s,
            &format!(
                "The config file and the manifest are created first (empty, mode 0600, never over an existing file), so the secret has its home before the key exists. The key is asked for once (AWS_MAX_ATTEMPTS=1): a retried create could make a second key. If the call fails without an answer, a key may exist whose secret nobody has: {TEARDOWN_SCRIPT} deletes every key of the user."
            ),
        );
        let (config, manifest) = (q(&self.config_path), q(&self.manifest_path));
        let _ = writeln!(
            s,
            "step='step 5, Access key'\nset -o noclobber\nexec 3>{config}\nopened+=({config})\nexec 4>{manifest}\nopened+=({manifest})\nkey=$(AWS_MAX_ATTEMPTS=1 aws iam create-access-key{dst} \\\n  --user-name {user} \\\n  --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)\nkey_id=${{key%%$'\\t'*}}\nsecret_key=${{key#*$'\\t'}}\nunset key\nif [ -z \"$key_id\" ] || [ -z \"$secret_key\" ] || [ \"$key_id\" = \"$secret_key\" ]; then\n  printf '%s\\n' {no_key} >&2\n  exit 1\nfi\ndid \"created access key $key_id for user {user_text} (its secret goes only into the two files)\"",
            user = q(self.user.as_str()),
            user_text = double_quoted(self.user.as_str()),
            no_key = q(&format!(
                "apply.sh: the answer held no key pair; list the keys of the user (aws iam list-access-keys{dst} --user-name {}) and delete any you did not receive.",
                q(self.user.as_str())
            )),
        );

        self.step_comment(&mut s, CuratedStep::ConfigFile);
        comment(
            &mut s,
            "The controller's config file: its default profile assumes the role with the user's key from a profile of its own.",
        );
        let _ = writeln!(
            s,
            "step='step 6, AWS config file'\nconfig_text=\"{}\"\nprintf '%s' \"$config_text\" >&3\nexec 3>&-\ndid {}",
            self.config_template(),
            q(&format!("wrote {} (mode 0600)", self.config_path)),
        );

        self.step_comment(&mut s, CuratedStep::Cluster);
        comment(
            &mut s,
            &format!(
                "Secret {PACKAGES_SECRET} in namespace {PACKAGES_NAMESPACE} for an existing cluster: the config file, base64 without line breaks, under `config`; the three key fields stay, empty. A new cluster reads the config file through EKSA_AWS_CONFIG_FILE instead."
            ),
        );
        let _ = writeln!(
            s,
            "step='step 7, Put it in the cluster'\nconfig_b64=$(printf '%s' \"$config_text\" | base64 | tr -d '\\n')\nprintf '%s' \"{}\" >&4\nexec 4>&-\nunset secret_key config_text config_b64\ndid {}",
            self.manifest_template(),
            q(&format!("wrote {} (mode 0600)", self.manifest_path)),
        );

        self.step_comment(&mut s, CuratedStep::Verify);
        comment(
            &mut s,
            "Not run here: IAM takes a few seconds to accept a new key. Then `ecr-share curated verify` checks the whole chain from the config file.",
        );
        let _ = writeln!(
            s,
            "step='the end'\nprintf '%s\\n' {}\nprintf \"  undo:  bash '%s/{TEARDOWN_SCRIPT}'\\n\" \"$PWD\"",
            q(&format!(
                "apply.sh: done. The secret access key is only in the two files.\n  existing cluster:  kubectl apply -f {manifest}\n  new cluster:       export EKSA_AWS_CONFIG_FILE={config}  (before eksctl anywhere create cluster)\n  verify, in a few seconds:  ecr-share curated verify --config {config}",
            ))
        );
        s
    }

    /// The account checks both scripts start with.
    fn account_checks(&self, s: &mut String, script: &str) {
        let _ = writeln!(
            s,
            "\n# Each profile must act as the account this script was written for.\nexpect_account() {{\n  # $1: which account, $2: the profile, $3: the account expected, $4: the account it is\n  if [ \"$4\" != \"$3\" ]; then\n    printf \"{script}: profile '%s' is account %s, but this script's %s account is %s.\\n\" \"$2\" \"$4\" \"$1\" \"$3\" >&2\n    exit 1\n  fi\n}}"
        );
        for account in [&self.source, &self.destination] {
            let _ = writeln!(
                s,
                "account=$(aws sts get-caller-identity{} \\\n  --query Account --output text)\nexpect_account {} {} {} \"$account\"",
                account.options,
                account.label,
                shell_quote(&account.profile),
                shell_quote(account.id.as_str()),
            );
        }
    }

    /// The config file as a double-quoted shell word, the key filled in from
    /// `$key_id` and `$secret_key`.
    fn config_template(&self) -> String {
        let marked = AccessKeyPair {
            access_key_id: KEY_ID_MARK.to_string(),
            secret_access_key: Secret::new(SECRET_MARK),
        };
        double_quoted(&self.home.config_file(&marked))
            .replacen(KEY_ID_MARK, "${key_id}", 1)
            .replacen(SECRET_MARK, "${secret_key}", 1)
    }

    /// The Secret manifest as a double-quoted shell word, the encoded config file
    /// filled in from `$config_b64`.
    fn manifest_template(&self) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(CONFIG_MARK);
        double_quoted(&documents::aws_secret_manifest(CONFIG_MARK)).replacen(
            &encoded,
            "${config_b64}",
            1,
        )
    }

    fn teardown_script(&self) -> String {
        let mut s = String::new();
        let (src, dst) = (&self.source.options, &self.destination.options);
        let q = |text: &str| shell_quote(text);
        self.header(
            &mut s,
            &format!(
                "teardown.sh: removes what {APPLY_SCRIPT} of this folder creates, in reverse order, each in its own account; written by `ecr-share curated export`. Review it as you reviewed {APPLY_SCRIPT}."
            ),
            &format!(
                "It removes only what is tagged {MANAGED_BY_KEY}={MANAGED_BY_VALUE} and used by nothing else. Before any change it checks that each profile is the account named above, that every one of the policies, the role and the user that exists carries that tag, that the role and the user hold no other policy (attached or inline) and the user is in no group, and that each policy is attached to nothing but the role or the user; anything else stops it with nothing changed. What does not exist is skipped, so it can run after {APPLY_SCRIPT} stopped midway, and again. Every access key of the user is deleted (the user is ecr-share's). The config file and the manifest are left in place; it says how to remove them."
            ),
        );
        s.push_str("# Relative paths below are taken from this script's folder, as apply.sh takes them.\ncd -- \"$(dirname -- \"${BASH_SOURCE[0]}\")\"\n");
        s.push_str(TEARDOWN_PRELUDE);
        self.account_checks(&mut s, "teardown.sh");

        s.push_str("\n# What exists, whether it is ecr-share's, and what else uses it.\n");
        s.push_str(MANAGED_TAG_FUNCTION);
        s.push_str("refused=()\n");
        self.holder_checks(&mut s, Holder::User);
        self.policy_checks(&mut s, Holder::User);
        self.holder_checks(&mut s, Holder::Role);
        self.policy_checks(&mut s, Holder::Role);
        let _ = writeln!(
            s,
            "if [ -n \"${{refused[*]+set}}\" ]; then\n  printf 'teardown.sh: these are not only what apply.sh made:\\n' >&2\n  printf '  %s\\n' \"${{refused[@]}}\" >&2\n  printf '%s\\n' {} >&2\n  exit 1\nfi\nif [ \"$user\" = no ] && [ \"$assume_policy\" = no ] && [ \"$role\" = no ] && [ \"$read_policy\" = no ]; then\n  printf '%s\\n' {}\n  exit 0\nfi",
            q(
                "teardown.sh removes only what ecr-share created and nothing else uses; deal with these first, or leave them."
            ),
            q(
                "teardown.sh: nothing to remove; none of the policies, the role and the user exists."
            ),
        );

        self.step_comment(&mut s, CuratedStep::AccessKey);
        let user = q(self.user.as_str());
        let _ = writeln!(
            s,
            "step='step 5, Access key'\nchanging=yes\nif [ \"$user\" = yes ]; then\n  keys=$(aws iam list-access-keys{dst} \\\n    --user-name {user} \\\n    --query 'AccessKeyMetadata[].AccessKeyId' --output text)\n  for key_id in $keys; do\n    AWS_MAX_ATTEMPTS=1 aws iam delete-access-key{dst} \\\n      --user-name {user} \\\n      --access-key-id \"$key_id\"\n    did \"deleted access key $key_id of user {user_text}\"\n  done\nfi",
            user_text = double_quoted(self.user.as_str()),
        );

        self.step_comment(&mut s, CuratedStep::User);
        let _ = writeln!(
            s,
            "step='step 4, User that assumes the role'\nif [ \"$user_attached\" = yes ]; then\n  aws iam detach-user-policy{dst} \\\n    --user-name {user} \\\n    --policy-arn {policy}\n  did {detached}\nfi\nif [ \"$user\" = yes ]; then\n  aws iam delete-user{dst} \\\n    --user-name {user}\n  did {deleted}\nfi",
            policy = q(&self.assume_arn),
            detached = q(&format!(
                "detached policy {} from user {}",
                self.assume_policy, self.user
            )),
            deleted = q(&format!(
                "deleted user {} (destination account {})",
                self.user, self.destination.id
            )),
        );
        delete_policy(&mut s, "assume_policy", dst, &self.assume_arn);

        self.step_comment(&mut s, CuratedStep::Role);
        let role = q(self.role.as_str());
        let _ = writeln!(
            s,
            "step='step 3, Role for curated packages'\nif [ \"$role_attached\" = yes ]; then\n  aws iam detach-role-policy{src} \\\n    --role-name {role} \\\n    --policy-arn {policy}\n  did {detached}\nfi\nif [ \"$role\" = yes ]; then\n  aws iam delete-role{src} \\\n    --role-name {role}\n  did {deleted}\nfi",
            policy = q(&self.read_arn),
            detached = q(&format!(
                "detached policy {} from role {}",
                self.read_policy, self.role
            )),
            deleted = q(&format!(
                "deleted role {} (source account {})",
                self.role, self.source.id
            )),
        );

        self.step_comment(&mut s, CuratedStep::ReadPolicy);
        s.push_str("step='step 2, ECR login and read policy'\n");
        delete_policy(&mut s, "read_policy", src, &self.read_arn);

        s.push_str("\nstep='the end'\nprintf 'teardown.sh: done.\\n'\n");
        for path in [&self.config_path, &self.manifest_path] {
            let _ = writeln!(
                s,
                "if [ -e {} ]; then\n  printf '%s\\n' {}\nfi",
                q(path),
                q(&format!(
                    "The key in {path} is deleted; remove the file once nothing uses it: rm -- {}",
                    q(path)
                )),
            );
        }
        s
    }

    /// The checks of the user or the role: whether it exists (`$user`, `$role`), its
    /// tag, and what else it holds. Whether the procedure's policy is attached to it
    /// goes in `$user_attached` or `$role_attached`.
    fn holder_checks(&self, s: &mut String, holder: Holder) {
        let q = |text: &str| shell_quote(text);
        let (var, noun, account, name, arn) = match holder {
            Holder::User => (
                "user",
                "user",
                &self.destination,
                &self.user,
                &self.assume_arn,
            ),
            Holder::Role => ("role", "role", &self.source, &self.role, &self.read_arn),
        };
        let options = &account.options;
        let what = double_quoted(&format!(
            "{noun} {name} ({} account {})",
            account.label, account.id
        ));
        let _ = writeln!(
            s,
            "{var}=no\n{var}_attached=no\nif managed_tag aws iam list-{noun}-tags{options} \\\n  --{noun}-name {name_q} \\\n  --query {tag_query} --output text; then\n  {var}=yes\n  [ \"$tag\" = {managed} ] || refused+=(\"{what}: not tagged {tag}\")\n  arns=$(aws iam list-attached-{noun}-policies{options} \\\n    --{noun}-name {name_q} \\\n    --query 'AttachedPolicies[].PolicyArn' --output text)\n  for arn in $arns; do\n    if [ \"$arn\" = {arn_q} ]; then\n      {var}_attached=yes\n    else\n      refused+=(\"{what}: policy $arn is attached to it too\")\n    fi\n  done\n  inline=$(aws iam list-{noun}-policies{options} \\\n    --{noun}-name {name_q} \\\n    --query 'PolicyNames' --output text)\n  [ -z \"$inline\" ] || refused+=(\"{what}: it has inline policies: $inline\")",
            name_q = q(name.as_str()),
            tag_query = tag_query(),
            managed = q(MANAGED_BY_VALUE),
            tag = double_quoted(&format!("{MANAGED_BY_KEY}={MANAGED_BY_VALUE}")),
            arn_q = q(arn),
        );
        if holder == Holder::User {
            let _ = writeln!(
                s,
                "  groups=$(aws iam list-groups-for-user{options} \\\n    --user-name {} \\\n    --query 'Groups[].GroupName' --output text)\n  [ -z \"$groups\" ] || refused+=(\"{what}: it is in groups: $groups\")",
                q(name.as_str()),
            );
        }
        s.push_str("fi\n");
    }

    /// The checks of the policy the user or the role holds: whether it exists
    /// (`$assume_policy`, `$read_policy`), its tag, and that nothing but the user or
    /// the role has it attached.
    fn policy_checks(&self, s: &mut String, holder: Holder) {
        let q = |text: &str| shell_quote(text);
        let (var, account, arn, only) = match holder {
            Holder::User => (
                "assume_policy",
                &self.destination,
                &self.assume_arn,
                format!("user:{}", self.user),
            ),
            Holder::Role => (
                "read_policy",
                &self.source,
                &self.read_arn,
                format!("role:{}", self.role),
            ),
        };
        let options = &account.options;
        let what = double_quoted(&format!("policy {arn} ({} account)", account.label));
        let _ = writeln!(
            s,
            "{var}=no\nif managed_tag aws iam list-policy-tags{options} \\\n  --policy-arn {arn_q} \\\n  --query {tag_query} --output text; then\n  {var}=yes\n  [ \"$tag\" = {managed} ] || refused+=(\"{what}: not tagged {tag}\")\n  entities=$(aws iam list-entities-for-policy{options} \\\n    --policy-arn {arn_q} \\\n    --query {entities_query} --output text)\n  for entity in $entities; do\n    [ \"$entity\" = {only} ] || refused+=(\"{what}: it is attached to $entity too\")\n  done\nfi",
            arn_q = q(arn),
            tag_query = tag_query(),
            managed = q(MANAGED_BY_VALUE),
            tag = double_quoted(&format!("{MANAGED_BY_KEY}={MANAGED_BY_VALUE}")),
            entities_query = ENTITIES_QUERY,
            only = q(&only),
        );
    }
}

/// What holds one of the procedure's policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// The destination account's user, which holds the assume-role policy.
    User,
    /// The source account's role, which holds the read policy.
    Role,
}

/// Every group, user and role a policy is attached to, as `group:NAME`, `user:NAME`
/// and `role:NAME` (IAM names have no `:`), as one shell word.
const ENTITIES_QUERY: &str = "\"[PolicyGroups[].join(':', ['group', GroupName]), PolicyUsers[].join(':', ['user', UserName]), PolicyRoles[].join(':', ['role', RoleName])][]\"";

/// The `managed-by` tag's value among an entity's tags (`None` when it has none), as
/// one shell word.
fn tag_query() -> String {
    format!("\"Tags[?Key=='{MANAGED_BY_KEY}'].Value | [0]\"")
}

/// Deletes a policy that `$<var>` says exists: its other versions first, as IAM
/// wants.
fn delete_policy(s: &mut String, var: &str, options: &str, arn: &str) {
    let q = shell_quote(arn);
    let _ = writeln!(
        s,
        "if [ \"${var}\" = yes ]; then\n  versions=$(aws iam list-policy-versions{options} \\\n    --policy-arn {q} \\\n    --query 'Versions[?!IsDefaultVersion].VersionId' --output text)\n  for version in $versions; do\n    AWS_MAX_ATTEMPTS=1 aws iam delete-policy-version{options} \\\n      --policy-arn {q} \\\n      --version-id \"$version\"\n    did \"deleted version $version of policy {arn_text}\"\n  done\n  aws iam delete-policy{options} \\\n    --policy-arn {q}\n  did {deleted}\nfi",
        arn_text = double_quoted(arn),
        deleted = shell_quote(&format!("deleted policy {arn}")),
    );
}

/// The shell functions and state `apply.sh` starts with.
const APPLY_PRELUDE: &str = r#"
step='the checks before any change'
changing=no
created=()
opened=()

# Prints a change, and keeps it for the summary should the script stop.
did() {
  created+=("$1")
  printf '  %s\n' "$1"
}

# On a stop: what was done and how to go on. The files opened for a key that never
# came are removed. (${a[@]+"${a[@]}"} lets bash 3.2 expand an empty array under
# set -u.)
stopped() {
  local status=$? file
  if [ "$status" -eq 0 ]; then
    return
  fi
  for file in ${opened[@]+"${opened[@]}"}; do
    if [ ! -s "$file" ]; then
      rm -f -- "$file"
    fi
  done
  if [ "$changing" = no ]; then
    printf 'apply.sh stopped during %s: nothing was changed in AWS.\n' "$step" >&2
    return
  fi
  printf 'apply.sh stopped during %s.\n' "$step" >&2
  if [ -n "${created[*]+set}" ]; then
    printf 'Already done:\n' >&2
    printf '  - %s\n' "${created[@]}" >&2
  fi
  printf '%s\n' 'The call that failed (its error is above) may still have taken effect if its answer was lost. Nothing was undone: teardown.sh removes whatever of this procedure exists and skips the rest; then apply.sh can run again.' >&2
}
trap stopped EXIT
"#;

/// The shell functions and state `teardown.sh` starts with.
const TEARDOWN_PRELUDE: &str = r#"
step='the checks before any change'
changing=no
removed=()

# Prints a change, and keeps it for the summary should the script stop.
did() {
  removed+=("$1")
  printf '  %s\n' "$1"
}

# On a stop: what was removed and how to go on.
stopped() {
  local status=$?
  if [ "$status" -eq 0 ]; then
    return
  fi
  if [ "$changing" = no ]; then
    printf 'teardown.sh stopped during %s: nothing was changed in AWS.\n' "$step" >&2
    return
  fi
  printf 'teardown.sh stopped during %s.\n' "$step" >&2
  if [ -n "${removed[*]+set}" ]; then
    printf 'Already removed:\n' >&2
    printf '  - %s\n' "${removed[@]}" >&2
  fi
  printf '%s\n' 'Once the cause (its error is above) is fixed, run teardown.sh again: it skips what is gone.' >&2
}
trap stopped EXIT
"#;

/// `apply.sh`'s test that an entity does not exist.
const ABSENT_FUNCTION: &str = r#"# Succeeds when IAM answers that the entity does not exist, fails when it exists,
# and stops on any other answer (access denied, no network).
absent() {
  local answer
  if answer=$("$@" 2>&1); then
    return 1
  fi
  if [[ $answer == *NoSuchEntity* ]]; then
    return 0
  fi
  printf '%s\n' "$answer" >&2
  exit 1
}
"#;

/// `teardown.sh`'s look-up of an entity's `managed-by` tag.
const MANAGED_TAG_FUNCTION: &str = r#"# Sets $tag to the entity's managed-by tag ("None" when it has none) and succeeds;
# fails when the entity does not exist; stops on any other answer.
tag=''
managed_tag() {
  if tag=$("$@" 2>&1); then
    return 0
  fi
  if [[ $tag == *NoSuchEntity* ]]; then
    return 1
  fi
  printf '%s\n' "$tag" >&2
  exit 1
}
"#;

fn unexpected(step: CuratedStep) -> String {
    format!(
        "step {} planned other work than the export expects",
        step.number()
    )
}

fn account(
    label: &'static str,
    side: Side,
    iam: &IamTarget,
    region: &Region,
) -> Result<Account, String> {
    let profile = iam
        .target
        .profile
        .clone()
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "the export names the profile in every aws command: give the {} a profile",
                side.label()
            )
        })?;
    if profile.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "the {} profile has white space or a control character; a profile name has none",
            side.label()
        ));
    }
    Ok(Account {
        label,
        options: aws_target_options(Some(&profile), region.name()),
        profile,
        id: iam.account.clone(),
    })
}

/// A path the scripts name, refused when it is empty or holds a control character
/// (a line break would end a comment or a message).
fn path_text(what: &str, path: &str) -> Result<String, String> {
    if path.trim().is_empty() {
        return Err(format!("{what} needs a path"));
    }
    if path.chars().any(char::is_control) {
        return Err(format!(
            "the path of {what} has a control character (such as a line break); choose another"
        ));
    }
    Ok(path.to_string())
}

fn policy_arn(partition: Partition, account: &AccountId, name: &IamName) -> String {
    format!("arn:{partition}:iam::{account}:policy/{name}")
}

/// `managed-by=ecr-share and ecr-share:procedure=curated-packages`.
fn tags_text() -> String {
    OWNERSHIP_TAGS
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Text inside a double-quoted shell word: `\`, `"`, `$` and `` ` `` escaped, so
/// the text comes out as it is.
fn double_quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted
}

/// Appends `text` as comment lines wrapped at 80 columns; a blank line in it
/// becomes a bare `#`.
fn comment(script: &mut String, text: &str) {
    for paragraph in text.split('\n') {
        let mut line = String::from("#");
        for word in paragraph.split_whitespace() {
            let word = printable(word);
            if line.len() > 1 && line.len() + 1 + word.chars().count() > 80 {
                script.push_str(&line);
                script.push('\n');
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(&word);
        }
        script.push_str(&line);
        script.push('\n');
    }
}

/// Appends one comment line as it is (any control character made a space, so it
/// stays one line).
fn comment_raw(script: &mut String, text: &str) {
    script.push_str("# ");
    script.push_str(&printable(text));
    script.push('\n');
}

fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Target;
    use crate::core::flow::{FieldId, FlowId};

    const MANIFEST: &str = "/home/operator/eksa/aws-secret.yaml";
    const NOTE: &str = "registry account 346438352937 (from the table)";

    fn options() -> ExportOptions<'static> {
        ExportOptions {
            manifest_path: MANIFEST,
            registry_note: NOTE,
        }
    }

    fn form_and_sides(source_profile: Option<&str>) -> (Form, Sides) {
        let mut form = Form::new(FlowId::CuratedPackages);
        form.set(FieldId::Region, "us-west-2");
        form.set(FieldId::ConfigPath, "/home/operator/eksa/config");
        let source = AccountId::parse("111111111111").unwrap();
        let destination = AccountId::parse("999999999999").unwrap();
        form.resolved.insert(Side::Source, source.clone());
        form.resolved.insert(Side::Destination, destination.clone());
        let region = Some("us-west-2".to_string());
        let mut sides = Sides::new();
        sides.insert(
            Side::Source,
            Target::new(source_profile.map(String::from), region.clone()),
            Ok(source),
        );
        sides.insert(
            Side::Destination,
            Target::new(Some("cluster-account".into()), region),
            Ok(destination),
        );
        (form, sides)
    }

    /// Runs a bash script and returns its standard output.
    fn bash(script: &str) -> String {
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(script)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn the_script_writes_exactly_the_config_file_and_manifest_of_the_documents() {
        let (mut form, sides) = form_and_sides(Some("subscription-owner"));
        // A role ARN as the wizard lets an operator type it: its path may hold any
        // printable character, shell syntax included.
        form.set(
            FieldId::RoleArn,
            "arn:aws:iam::111111111111:role/x$(id)\"`\\/curated-packages-role",
        );
        let procedure = Procedure::plan(&form, &sides, options()).unwrap();
        let key = AccessKeyPair {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        };
        let written = bash(&format!(
            "key_id='{}'\nsecret_key='{}'\nconfig_text=\"{}\"\nconfig_b64=$(printf '%s' \"$config_text\" | base64 | tr -d '\\n')\nprintf '%s\\0%s' \"$config_text\" \"{}\"\n",
            key.access_key_id,
            key.secret_access_key.expose(),
            procedure.config_template(),
            procedure.manifest_template(),
        ));
        let (config, manifest) = written.split_once('\0').unwrap();
        let expected = procedure.home.config_file(&key);
        assert!(expected.contains("role/x$(id)\"`\\/"), "{expected}");
        assert_eq!(config, expected);
        assert_eq!(manifest, documents::aws_secret_manifest(&expected));
    }

    #[test]
    fn no_text_leaves_a_comment_line() {
        let (form, sides) = form_and_sides(Some("subscription-owner"));
        let note = "registry account 1\nrm -rf ~ \r\n\u{85}touch pwned";
        let files = export(
            &form,
            &sides,
            ExportOptions {
                manifest_path: MANIFEST,
                registry_note: note,
            },
        )
        .unwrap();
        let apply = &files[0].contents;
        let mut found = 0;
        for line in apply.lines() {
            if line.contains("rm -rf") || line.contains("pwned") {
                found += 1;
                assert!(line.starts_with('#'), "{line}");
            }
        }
        assert!(found > 0, "the note is in the script");
        let mut text = String::new();
        comment_raw(&mut text, "one\ntwo\rthree");
        assert_eq!(text, "# one two three\n");
    }

    #[test]
    fn every_file_has_its_own_name_and_the_documents_are_the_planned_ones() {
        let (form, sides) = form_and_sides(Some("subscription-owner"));
        let files = export(&form, &sides, options()).unwrap();
        let mut names: Vec<&str> = files.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), files.len());
        let registry = AccountId::parse("346438352937").unwrap();
        let document = |name: &str| {
            files
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.contents.clone())
                .unwrap()
        };
        assert_eq!(
            document("curated-packages-policy.json"),
            documents::ecr_read_policy(Some(Partition::Aws), Some(&registry)).to_string()
        );
        assert_eq!(
            document("curated-packages-trust-policy.json"),
            documents::trust_policy(
                Some(Partition::Aws),
                Some(&AccountId::parse("999999999999").unwrap())
            )
            .to_string()
        );
        let role = crate::core::validate::RoleArn::parse(
            "arn:aws:iam::111111111111:role/curated-packages-role",
        )
        .unwrap();
        assert_eq!(
            document("curated-packages-assume-role-policy.json"),
            documents::assume_role_policy(Some(&role)).to_string()
        );
        assert_eq!(
            document(TAGS_FILE),
            r#"[{"Key":"managed-by","Value":"ecr-share"},{"Key":"ecr-share:procedure","Value":"curated-packages"}]"#
        );
        for file in &files {
            let scripts = [APPLY_SCRIPT, TEARDOWN_SCRIPT];
            assert_eq!(
                file.kind == ExportKind::Script,
                scripts.contains(&file.name),
                "{}",
                file.name
            );
        }
    }

    #[test]
    fn what_the_scripts_cannot_say_is_refused_with_a_reason() {
        let (form, sides) = form_and_sides(None);
        let refused = export(&form, &sides, options()).unwrap_err();
        assert!(refused.contains("source account a profile"), "{refused}");

        let (mut form, mut sides) = form_and_sides(Some("owner"));
        let same = AccountId::parse("999999999999").unwrap();
        form.resolved.insert(Side::Source, same.clone());
        sides.insert(
            Side::Source,
            Target::new(Some("owner".into()), Some("us-west-2".into())),
            Ok(same),
        );
        let refused = export(&form, &sides, options()).unwrap_err();
        assert!(refused.contains("both account 999999999999"), "{refused}");

        let (form, sides) = form_and_sides(Some("owner"));
        for (manifest, reason) in [
            ("/home/operator/eksa/config", "give each its own file"),
            ("/tmp/a\nb", "control character"),
            (" ", "needs a path"),
        ] {
            let refused = export(
                &form,
                &sides,
                ExportOptions {
                    manifest_path: manifest,
                    registry_note: NOTE,
                },
            )
            .unwrap_err();
            assert!(refused.contains(reason), "{manifest:?}: {refused}");
        }

        let (mut form, sides) = form_and_sides(Some("owner"));
        form.set(FieldId::UserName, "bad name");
        let refused = export(&form, &sides, options()).unwrap_err();
        assert!(refused.contains("User name"), "{refused}");
    }
}
