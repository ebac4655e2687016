//! The two procedures as data: each step names the account it runs in, the fields it
//! asks for, the documents it shows and the AWS calls it makes. The terminal layer
//! draws whatever is declared here; adding a step does not touch the event loop.

use std::collections::{HashMap, HashSet};

use super::documents::{self, Access, DocumentKind};
use super::merge::PolicyChange;
use super::regions::{self, Partition};
use super::secret::{AccessKeyPair, Secret};
use super::validate::{
    self, AccountId, IamKind, IamName, Invalid, Region, RepositoryName, RoleArn, SizeLimit,
    SubscriptionId,
};

/// Which procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowId {
    CuratedPackages,
    RepositorySharing,
}

/// The steps of the curated-packages procedure, in order. Each is declared once in
/// the flow's table below (its fields, documents and calls) and planned and executed
/// by [`crate::procedure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CuratedStep {
    Registry,
    ReadPolicy,
    Role,
    User,
    AccessKey,
    ConfigFile,
    Cluster,
    Verify,
}

impl CuratedStep {
    pub const ALL: [CuratedStep; 8] = [
        CuratedStep::Registry,
        CuratedStep::ReadPolicy,
        CuratedStep::Role,
        CuratedStep::User,
        CuratedStep::AccessKey,
        CuratedStep::ConfigFile,
        CuratedStep::Cluster,
        CuratedStep::Verify,
    ];

    /// Its position in the procedure, from 0.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The number the operator sees, from 1.
    pub fn number(self) -> usize {
        self.index() + 1
    }

    pub fn spec(self) -> &'static StepSpec {
        &CURATED_PACKAGES.steps[self.index()]
    }
}

/// The steps of sharing a repository, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepositoryStep {
    Choose,
    Grantees,
    Apply,
}

impl RepositoryStep {
    pub const ALL: [RepositoryStep; 3] = [
        RepositoryStep::Choose,
        RepositoryStep::Grantees,
        RepositoryStep::Apply,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn spec(self) -> &'static StepSpec {
        &REPOSITORY_SHARING.steps[self.index()]
    }
}

/// A step of either procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Curated(CuratedStep),
    Repository(RepositoryStep),
}

impl Step {
    /// The step at a position of a flow, as the wizard numbers them from 0.
    pub fn at(flow: FlowId, index: usize) -> Option<Step> {
        match flow {
            FlowId::CuratedPackages => CuratedStep::ALL.get(index).copied().map(Step::Curated),
            FlowId::RepositorySharing => RepositoryStep::ALL
                .get(index)
                .copied()
                .map(Step::Repository),
        }
    }

    pub fn flow(self) -> FlowId {
        match self {
            Step::Curated(_) => FlowId::CuratedPackages,
            Step::Repository(_) => FlowId::RepositorySharing,
        }
    }

    pub fn index(self) -> usize {
        match self {
            Step::Curated(step) => step.index(),
            Step::Repository(step) => step.index(),
        }
    }

    pub fn spec(self) -> &'static StepSpec {
        match self {
            Step::Curated(step) => step.spec(),
            Step::Repository(step) => step.spec(),
        }
    }
}

/// Whose credentials a step runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The account that owns the EKS Anywhere subscription.
    Source,
    /// The account that receives curated-packages access.
    Destination,
    /// The account that owns the shared repository.
    RepositoryOwner,
}

impl Side {
    /// The field that names this side's AWS profile.
    pub fn profile_field(self) -> FieldId {
        match self {
            Side::Source => FieldId::SourceProfile,
            Side::Destination => FieldId::DestinationProfile,
            Side::RepositoryOwner => FieldId::Profile,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Side::Source => "source account",
            Side::Destination => "destination account",
            Side::RepositoryOwner => "repository account",
        }
    }
}

/// Every input the wizard asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldId {
    /// The AWS profile of the source account (empty: the default credentials).
    SourceProfile,
    /// The AWS profile of the destination account.
    DestinationProfile,
    /// The AWS profile of the account that owns the repository.
    Profile,
    Region,
    SubscriptionId,
    RegistryAccount,
    ReadPolicyName,
    SourceAccount,
    DestinationAccount,
    RoleName,
    AssumePolicyName,
    UserName,
    RoleArn,
    ConfigPath,
    KubeContext,
    Repository,
    Grantees,
    Access,
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text, validated as typed.
    Text,
    /// One of a fixed list, cycled with ←/→ or space.
    Choice(&'static [&'static str]),
}

pub struct FieldSpec {
    pub id: FieldId,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: FieldKind,
    /// An empty optional field is valid.
    pub optional: bool,
}

const ACCESS_CHOICES: &[&str] = &["pull", "pull-push", "lambda"];

pub fn field_spec(id: FieldId) -> FieldSpec {
    let (label, hint, kind, optional) = match id {
        FieldId::SourceProfile => (
            "Source profile",
            "default credentials",
            FieldKind::Text,
            true,
        ),
        FieldId::DestinationProfile => (
            "Destination profile",
            "default credentials",
            FieldKind::Text,
            true,
        ),
        FieldId::Profile => ("Profile", "default credentials", FieldKind::Text, true),
        FieldId::Region => ("Region", "e.g. us-west-2", FieldKind::Text, false),
        FieldId::SubscriptionId => (
            "Subscription id",
            "from aws eks list-eks-anywhere-subscriptions",
            FieldKind::Text,
            false,
        ),
        FieldId::RegistryAccount => (
            "Registry account",
            "defaults from the region",
            FieldKind::Text,
            false,
        ),
        FieldId::ReadPolicyName => ("Policy name", "IAM policy name", FieldKind::Text, false),
        FieldId::SourceAccount => (
            "Source account",
            "the subscription's account",
            FieldKind::Text,
            false,
        ),
        FieldId::DestinationAccount => (
            "Destination account",
            "receives access",
            FieldKind::Text,
            false,
        ),
        FieldId::RoleName => ("Role name", "IAM role name", FieldKind::Text, false),
        FieldId::AssumePolicyName => ("Policy name", "IAM policy name", FieldKind::Text, false),
        FieldId::UserName => ("User name", "IAM user name", FieldKind::Text, false),
        FieldId::RoleArn => ("Role ARN", "the role from step 3", FieldKind::Text, false),
        FieldId::ConfigPath => (
            "Config file path",
            "where the config file is saved",
            FieldKind::Text,
            false,
        ),
        FieldId::KubeContext => (
            "Kube context",
            "optional; x lists kubectl's contexts",
            FieldKind::Text,
            true,
        ),
        FieldId::Repository => ("Repository", "e.g. team/app", FieldKind::Text, false),
        FieldId::Grantees => (
            "Grantee accounts",
            "comma-separated",
            FieldKind::Text,
            false,
        ),
        FieldId::Access => (
            "Access",
            "←/→ to change",
            FieldKind::Choice(ACCESS_CHOICES),
            false,
        ),
    };
    FieldSpec {
        id,
        label,
        hint,
        kind,
        optional,
    }
}

pub struct StepSpec {
    pub title: &'static str,
    /// A word or two for the progress bar.
    pub short: &'static str,
    pub side: Side,
    pub instructions: &'static str,
    pub fields: &'static [FieldId],
    pub documents: &'static [DocumentKind],
    /// The AWS API calls the step makes when executed (empty: nothing to execute).
    pub calls: &'static [&'static str],
}

pub struct FlowSpec {
    pub id: FlowId,
    pub name: &'static str,
    pub summary: &'static str,
    pub steps: &'static [StepSpec],
    defaults: &'static [(FieldId, &'static str)],
}

impl FlowSpec {
    pub fn get(id: FlowId) -> &'static FlowSpec {
        match id {
            FlowId::CuratedPackages => &CURATED_PACKAGES,
            FlowId::RepositorySharing => &REPOSITORY_SHARING,
        }
    }
}

/// Both flows, in the order the start screen lists them.
pub const FLOWS: [FlowId; 2] = [FlowId::CuratedPackages, FlowId::RepositorySharing];

static CURATED_PACKAGES: FlowSpec = FlowSpec {
    id: FlowId::CuratedPackages,
    name: "EKS Anywhere Curated Packages",
    summary: "Give another account of yours access to the curated-packages registry of your EKS Anywhere subscription.",
    defaults: &[
        (FieldId::Region, "us-west-2"),
        (FieldId::ReadPolicyName, "curated-packages-policy"),
        (FieldId::RoleName, "curated-packages-role"),
        (
            FieldId::AssumePolicyName,
            "curated-packages-assume-role-policy",
        ),
        (FieldId::UserName, "curated-packages-user"),
        (FieldId::ConfigPath, "./curated-packages-aws-config"),
    ],
    steps: &[
        StepSpec {
            title: "Find the packages registry account",
            short: "Registry",
            side: Side::Source,
            instructions: "Curated packages are served from an ECR registry that belongs to AWS, one per region. Enter the region that hosts your EKS Anywhere subscription and the subscription's id. The subscription names its registry; until it is asked, the registry account comes from the table of production registries for the region.",
            fields: &[
                FieldId::SourceProfile,
                FieldId::Region,
                FieldId::SubscriptionId,
            ],
            documents: &[DocumentKind::DescribeSubscriptionCommand],
            calls: &["eks:DescribeEksAnywhereSubscription"],
        },
        StepSpec {
            title: "ECR login and read policy",
            short: "Read policy",
            side: Side::Source,
            instructions: "In the source account, create an IAM policy that can log in to ECR and read every repository of the registry account. The registry account defaults from the region of step 1; change it only if your subscription names another one.",
            fields: &[FieldId::RegistryAccount, FieldId::ReadPolicyName],
            documents: &[DocumentKind::EcrReadPolicy],
            calls: &["iam:CreatePolicy"],
        },
        StepSpec {
            title: "Role for curated packages",
            short: "Role",
            side: Side::Source,
            instructions: "In the source account, create a role that the destination account may assume, and attach the policy from step 2 to it. The trust policy names the destination account's root, which lets that account's IAM decide who may assume the role.",
            fields: &[
                FieldId::SourceAccount,
                FieldId::DestinationAccount,
                FieldId::RoleName,
            ],
            documents: &[DocumentKind::TrustPolicy],
            calls: &["iam:CreateRole", "iam:AttachRolePolicy"],
        },
        StepSpec {
            title: "User that assumes the role",
            short: "User",
            side: Side::Destination,
            instructions: "In the destination account, create a policy that allows assuming the role from step 3, and a user with that policy attached. The role lives in the source account, so its ARN carries the source account id (not the registry account, as some copies of the docs say).",
            fields: &[
                FieldId::DestinationProfile,
                FieldId::AssumePolicyName,
                FieldId::UserName,
                FieldId::RoleArn,
            ],
            documents: &[DocumentKind::AssumeRolePolicy],
            calls: &["iam:CreatePolicy", "iam:CreateUser", "iam:AttachUserPolicy"],
        },
        StepSpec {
            title: "Access key",
            short: "Key",
            side: Side::Destination,
            instructions: "Create an access key for the user, straight into the AWS config file at this path (mode 0600), so its secret is never only on screen. When that file already holds a key of the user that IAM still lists, the key is reused and none is created. The secret is shown masked until you reveal it.",
            fields: &[FieldId::ConfigPath],
            documents: &[DocumentKind::AccessKey],
            calls: &["iam:ListAccessKeys", "iam:CreateAccessKey"],
        },
        StepSpec {
            title: "AWS config file",
            short: "Config",
            side: Side::Destination,
            instructions: "The curated-packages controller reads an AWS config file: its default profile assumes the role, using the user's keys from a profile of their own. Step 5 wrote it with the key; x writes it again after a change (mode 0600), s saves a copy elsewhere.",
            fields: &[FieldId::Region, FieldId::ConfigPath],
            documents: &[DocumentKind::AwsConfigFile],
            calls: &[],
        },
        StepSpec {
            title: "Put it in the cluster",
            short: "Cluster",
            side: Side::Destination,
            instructions: "Existing cluster: replace Secret aws-secret in namespace eksa-packages with this manifest. The config file is its `config` key, base64 without line breaks; the other keys stay, empty. New cluster: set EKSA_AWS_CONFIG_FILE to the config file before creating the cluster (press v to switch documents).",
            fields: &[FieldId::KubeContext],
            documents: &[
                DocumentKind::SecretManifest,
                DocumentKind::NewClusterInstruction,
            ],
            calls: &[],
        },
        StepSpec {
            title: "Verify",
            short: "Verify",
            side: Side::Destination,
            instructions: "Check the whole chain from the new credentials: the user assumes the role, the role gets an ECR login token, and the registry answers a manifest request. Each check is reported separately, so an unreachable registry is not mistaken for a denied role. x checks the key of step 5; V checks a config file saved earlier (by step 6 or ecr-share curated) and asks for its path.",
            fields: &[],
            documents: &[DocumentKind::VerifyChecks],
            calls: &["sts:AssumeRole", "ecr:GetAuthorizationToken"],
        },
    ],
};

static REPOSITORY_SHARING: FlowSpec = FlowSpec {
    id: FlowId::RepositorySharing,
    name: "ECR repository",
    summary: "Let other AWS accounts pull (or push) images of one of your private ECR repositories.",
    defaults: &[(FieldId::Region, "us-east-1"), (FieldId::Access, "pull")],
    steps: &[
        StepSpec {
            title: "Choose the repository",
            short: "Repository",
            side: Side::RepositoryOwner,
            instructions: "Pick the private repository to share, in the account and region that own it. Its current policy is read first: whatever it already allows is kept.",
            fields: &[FieldId::Profile, FieldId::Region, FieldId::Repository],
            documents: &[DocumentKind::RepositoryPolicyCommand],
            calls: &["ecr:DescribeRepositories", "ecr:GetRepositoryPolicy"],
        },
        StepSpec {
            title: "Who gets access",
            short: "Grantees",
            side: Side::RepositoryOwner,
            instructions: "Enter the accounts that receive access (not the account that owns the repository) and how much they get. Pull for Lambda also lets the Lambda service pull for those accounts' functions; Lambda pulls across accounts only within one region, the repository's.",
            fields: &[FieldId::Grantees, FieldId::Access],
            documents: &[DocumentKind::RepositoryPolicy],
            calls: &[],
        },
        StepSpec {
            title: "Apply the policy",
            short: "Apply",
            side: Side::RepositoryOwner,
            instructions: "set-repository-policy replaces the repository's whole policy, so x first reads the current one and merges this grant into it: a statement with the same Sid is replaced (keeping the accounts it already names), every other statement is kept. Review the changes, then confirm. u puts the previous policy back; d takes this grant out again.",
            fields: &[],
            documents: &[
                DocumentKind::PolicyChanges,
                DocumentKind::RepositoryPolicy,
                DocumentKind::ApplyRepositoryPolicy,
            ],
            calls: &["ecr:SetRepositoryPolicy", "ecr:GetRepositoryPolicy"],
        },
    ],
};

/// The keys of step 5, shown under the key pair but never part of what is copied
/// or saved.
const ACCESS_KEY_KEYS: &str =
    "\nr reveals or hides the secret · y copies the key id · Y copies the secret\n";

/// Whether a field, once emptied, follows its default again: the fields whose default
/// comes from other fields or from the profiles (an empty value is never wanted).
pub fn follows_when_cleared(field: FieldId) -> bool {
    matches!(
        field,
        FieldId::SourceAccount
            | FieldId::DestinationAccount
            | FieldId::RegistryAccount
            | FieldId::RoleArn
    )
}

/// What the operator has entered in one flow, plus what earlier steps produced.
#[derive(Debug, Clone)]
pub struct Form {
    flow: FlowId,
    values: HashMap<FieldId, String>,
    /// Fields the operator typed in; the others follow their derived default.
    edited: HashSet<FieldId>,
    /// The key created in step 5, once it exists.
    pub access_key: Option<AccessKeyPair>,
    /// Whether documents show the secret access key; masked until the operator asks.
    pub reveal_secret: bool,
    /// The accounts the profiles resolved to; they fill account fields left untyped.
    pub resolved: HashMap<Side, AccountId>,
    /// The grant merged into the repository's current policy, once that was read.
    pub merged: Option<MergedGrant>,
    /// The region the flow's main profile is configured with: the region's default
    /// until the operator types one.
    pub profile_region: Option<String>,
    /// Whether files that ecr-share did not write for this user may be replaced
    /// (`--overwrite`, or a confirmation that named the file).
    pub overwrite_files: bool,
}

/// A repository grant worked out against the policy as read from AWS. Shown only
/// while the inputs it was made from are unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedGrant {
    /// The repository, grantees and access it was made for.
    pub inputs: (String, String, String, String),
    pub change: PolicyChange,
}

impl Form {
    pub fn new(flow: FlowId) -> Self {
        Form {
            flow,
            values: HashMap::new(),
            edited: HashSet::new(),
            access_key: None,
            reveal_secret: false,
            resolved: HashMap::new(),
            merged: None,
            overwrite_files: false,
            profile_region: None,
        }
    }

    /// The inputs a merged grant depends on, to tell whether it is still current.
    pub fn grant_inputs(&self) -> (String, String, String, String) {
        (
            self.text(FieldId::Region),
            self.text(FieldId::Repository),
            self.text(FieldId::Grantees),
            self.text(FieldId::Access),
        )
    }

    /// The merged grant, if it was made from the inputs as they are now.
    pub fn current_merge(&self) -> Option<&PolicyChange> {
        self.merged
            .as_ref()
            .filter(|merged| merged.inputs == self.grant_inputs())
            .map(|merged| &merged.change)
    }

    pub fn flow(&self) -> FlowId {
        self.flow
    }

    /// The text of a field: what was typed, else its derived or documented default.
    pub fn text(&self, field: FieldId) -> String {
        if self.edited.contains(&field) {
            return self.values.get(&field).cloned().unwrap_or_default();
        }
        self.derived(field)
            .or_else(|| {
                FlowSpec::get(self.flow)
                    .defaults
                    .iter()
                    .find(|(id, _)| *id == field)
                    .map(|(_, text)| (*text).to_string())
            })
            .unwrap_or_default()
    }

    /// Sets a field as typed by the operator. Emptying a field that follows a default
    /// from other fields (an account, the role ARN) makes it follow that default again.
    pub fn set(&mut self, field: FieldId, text: impl Into<String>) {
        let text = text.into();
        if text.trim().is_empty() && follows_when_cleared(field) {
            self.reset(field);
            return;
        }
        self.values.insert(field, text);
        self.edited.insert(field);
    }

    /// Whether the operator typed this field (rather than it following a default).
    pub fn is_edited(&self, field: FieldId) -> bool {
        self.edited.contains(&field)
    }

    /// Forgets what was typed, so the field follows its default again.
    pub fn reset(&mut self, field: FieldId) {
        self.values.remove(&field);
        self.edited.remove(&field);
    }

    /// Defaults that follow from other fields: values flow between steps this way.
    fn derived(&self, field: FieldId) -> Option<String> {
        match field {
            FieldId::Region => self
                .profile_region
                .clone()
                .filter(|name| regions::partition_of(name).is_some()),
            FieldId::SourceAccount => self.resolved.get(&Side::Source).map(ToString::to_string),
            FieldId::DestinationAccount => self
                .resolved
                .get(&Side::Destination)
                .map(ToString::to_string),
            FieldId::RegistryAccount => {
                regions::curated_packages_registry(&self.text(FieldId::Region)).map(String::from)
            }
            FieldId::RoleArn => {
                let partition = self.region().ok()?.partition();
                let account = self.account(FieldId::SourceAccount).ok()?;
                let name = self.iam_name(FieldId::RoleName).ok()?;
                Some(RoleArn::new(partition, &account, &name).to_string())
            }
            _ => None,
        }
    }

    /// Why the field's current text is not acceptable, if it is not.
    pub fn check(&self, field: FieldId) -> Result<(), Invalid> {
        let text = self.text(field);
        if field_spec(field).optional && text.trim().is_empty() {
            return Ok(());
        }
        match field {
            FieldId::SourceProfile | FieldId::DestinationProfile | FieldId::Profile => {
                if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    Err(Invalid("a profile name has no spaces".into()))
                } else {
                    Ok(())
                }
            }
            FieldId::Region => Region::parse(&text).map(drop),
            FieldId::SubscriptionId => SubscriptionId::parse(&text).map(drop),
            FieldId::RegistryAccount | FieldId::SourceAccount | FieldId::DestinationAccount => {
                AccountId::parse(&text).map(drop)
            }
            FieldId::ReadPolicyName | FieldId::AssumePolicyName => {
                IamName::parse(IamKind::Policy, &text).map(drop)
            }
            FieldId::RoleName => IamName::parse(IamKind::Role, &text).map(drop),
            FieldId::UserName => IamName::parse(IamKind::User, &text).map(drop),
            FieldId::RoleArn => RoleArn::parse(&text).map(drop),
            FieldId::ConfigPath => {
                if text.trim().is_empty() {
                    Err(Invalid("enter a path for the config file".into()))
                } else {
                    Ok(())
                }
            }
            FieldId::KubeContext => {
                if text.chars().any(char::is_whitespace) {
                    Err(Invalid("a kube context name has no spaces".into()))
                } else {
                    Ok(())
                }
            }
            FieldId::Repository => RepositoryName::parse(&text).map(drop),
            FieldId::Grantees => self.grantees().map(drop),
            FieldId::Access => Access::from_cli_name(&text)
                .map(drop)
                .ok_or_else(|| Invalid("choose pull, pull-push or lambda".into())),
        }
    }

    pub fn region(&self) -> Result<Region, Invalid> {
        Region::parse(&self.text(FieldId::Region))
    }

    pub fn partition(&self) -> Option<Partition> {
        self.region().ok().map(|r| r.partition())
    }

    pub fn account(&self, field: FieldId) -> Result<AccountId, Invalid> {
        AccountId::parse(&self.text(field))
    }

    pub fn iam_name(&self, field: FieldId) -> Result<IamName, Invalid> {
        let kind = match field {
            FieldId::RoleName => IamKind::Role,
            FieldId::UserName => IamKind::User,
            _ => IamKind::Policy,
        };
        IamName::parse(kind, &self.text(field))
    }

    pub fn role_arn(&self) -> Result<RoleArn, Invalid> {
        RoleArn::parse(&self.text(FieldId::RoleArn))
    }

    pub fn subscription(&self) -> Result<SubscriptionId, Invalid> {
        SubscriptionId::parse(&self.text(FieldId::SubscriptionId))
    }

    pub fn repository(&self) -> Result<RepositoryName, Invalid> {
        RepositoryName::parse(&self.text(FieldId::Repository))
    }

    /// The grantee accounts. The account that owns the repository is refused: its
    /// own IAM policies decide its access, a repository policy adds nothing for it.
    pub fn grantees(&self) -> Result<Vec<AccountId>, Invalid> {
        let grantees = validate::parse_account_list(&self.text(FieldId::Grantees))?;
        match self.resolved.get(&Side::RepositoryOwner) {
            Some(owner) if grantees.contains(owner) => Err(Invalid(format!(
                "account {owner} owns the repository; its own IAM policies decide its access — grant other accounts"
            ))),
            _ => Ok(grantees),
        }
    }

    pub fn access(&self) -> Access {
        Access::from_cli_name(&self.text(FieldId::Access)).unwrap_or(Access::Pull)
    }

    /// Moves a choice field to its next (or previous) option.
    pub fn cycle(&mut self, field: FieldId, forward: bool) {
        if let FieldKind::Choice(options) = field_spec(field).kind {
            let current = self.text(field);
            let index = options.iter().position(|o| *o == current).unwrap_or(0);
            let next = if forward {
                (index + 1) % options.len()
            } else {
                (index + options.len() - 1) % options.len()
            };
            self.set(field, options[next]);
        }
    }

    /// The document as the step shows it, built only from values that validate. The
    /// secret access key is masked unless the operator revealed it.
    pub fn document(&self, kind: DocumentKind) -> String {
        let mut text = if self.reveal_secret {
            self.export(kind)
        } else {
            self.masked().export(kind)
        };
        if kind == DocumentKind::AccessKey && self.access_key.is_some() {
            text.push_str(ACCESS_KEY_KEYS);
        }
        text
    }

    /// A copy of the form whose access key's secret is replaced by its mask.
    fn masked(&self) -> Form {
        let mut form = self.clone();
        if let Some(pair) = &mut form.access_key {
            pair.secret_access_key = Secret::new(pair.secret_access_key.masked());
        }
        form.reveal_secret = true;
        form
    }

    /// The document with every value as it is, secret included: what copying and
    /// saving hand out.
    pub fn export(&self, kind: DocumentKind) -> String {
        let region = self.region().ok();
        let partition = self.partition();
        match kind {
            DocumentKind::DescribeSubscriptionCommand => {
                documents::describe_subscription_command_as(
                    self.profile(Side::Source).as_deref(),
                    region.as_ref(),
                    self.subscription().ok().as_ref(),
                )
            }
            DocumentKind::EcrReadPolicy => documents::pretty(&documents::ecr_read_policy(
                partition,
                self.account(FieldId::RegistryAccount).ok().as_ref(),
            )),
            DocumentKind::TrustPolicy => documents::pretty(&documents::trust_policy(
                partition,
                self.account(FieldId::DestinationAccount).ok().as_ref(),
            )),
            DocumentKind::AssumeRolePolicy => documents::pretty(&documents::assume_role_policy(
                self.role_arn().ok().as_ref(),
            )),
            DocumentKind::AccessKey => match &self.access_key {
                Some(pair) => format!(
                    "Access key id:     {}\nSecret access key: {}\n",
                    pair.access_key_id,
                    pair.secret_access_key.expose()
                ),
                None => format!(
                    "No key yet. Running this step creates one for user {}.\n\nThe secret access key is shown once, masked until revealed.\n",
                    self.iam_name(FieldId::UserName)
                        .map_or_else(|_| "<USER_NAME>".to_string(), |n| n.to_string())
                ),
            },
            DocumentKind::AwsConfigFile => self.config_file(),
            DocumentKind::SecretManifest => documents::aws_secret_manifest(&self.config_file()),
            DocumentKind::NewClusterInstruction => {
                documents::new_cluster_instruction(self.text(FieldId::ConfigPath).trim())
            }
            DocumentKind::VerifyChecks => self.verify_checks(),
            DocumentKind::RepositoryPolicyCommand => format!(
                "# The current policy, which this grant is merged into:\naws ecr get-repository-policy \\\n{}  --repository-name {}\n",
                self.aws_target_lines(Side::RepositoryOwner),
                documents::shell_quote(&self.repository_or_placeholder()),
            ),
            DocumentKind::RepositoryPolicy => match self.current_merge() {
                Some(change) => match &change.policy {
                    Some(policy) => documents::pretty(policy),
                    None => "The policy is deleted: nothing else was in it.\n".to_string(),
                },
                None => documents::pretty(&self.repository_policy()),
            },
            DocumentKind::PolicyChanges => match self.current_merge() {
                Some(change) => {
                    // Why the change looks as it does (a look-alike statement kept,
                    // the grant put under another Sid) comes first, as comments.
                    let mut text: String = change
                        .notes
                        .iter()
                        .map(|note| format!("# {note}\n"))
                        .collect();
                    if change.changes {
                        text.push_str(&change.diff);
                    } else {
                        text.push_str("No change: the current policy already grants this.\n");
                    }
                    text
                }
                None => "The current policy has not been read yet.\n\nPress x: ecr-share reads the repository's policy, merges this grant into it\n(ecr-share's own statements are extended; every statement it did not write\nis kept exactly, even one that only looks like its own), shows what changes\nhere, and applies it only after you confirm.\n".to_string(),
            },
            DocumentKind::ApplyRepositoryPolicy => format!(
                "# Replaces the whole policy: merge first, keep a copy of the old one.\naws ecr get-repository-policy \\\n{target}  --repository-name {repo} > previous-policy.json\naws ecr set-repository-policy \\\n{target}  --repository-name {repo} \\\n  --policy-text file://repository-policy.json\n",
                target = self.aws_target_lines(Side::RepositoryOwner),
                repo = documents::shell_quote(&self.repository_or_placeholder()),
            ),
        }
    }

    /// The profile a side's steps run with, as typed; `None` for the default
    /// credentials, a placeholder while the name does not validate.
    pub fn profile(&self, side: Side) -> Option<String> {
        let field = side.profile_field();
        let text = self.text(field);
        let name = text.trim();
        if name.is_empty() {
            None
        } else if self.check(field).is_err() {
            Some("<PROFILE>".to_string())
        } else {
            Some(name.to_string())
        }
    }

    /// `--profile` (when the side has one) and `--region` for an `aws` command that
    /// acts as this side's steps do, as in [`documents::aws_target_options`].
    pub fn aws_target_options(&self, side: Side) -> String {
        documents::aws_target_options(self.profile(side).as_deref(), &self.region_or_placeholder())
    }

    /// The same options, one per continued line, for a command spread over lines.
    pub fn aws_target_lines(&self, side: Side) -> String {
        documents::aws_target_lines(self.profile(side).as_deref(), &self.region_or_placeholder())
    }

    fn region_or_placeholder(&self) -> String {
        self.region()
            .map_or_else(|_| "<REGION>".to_string(), |r| r.name().to_string())
    }

    fn repository_or_placeholder(&self) -> String {
        self.repository()
            .map_or_else(|_| "<REPOSITORY>".to_string(), |r| r.to_string())
    }

    /// The repository policy of this grant alone.
    pub fn repository_policy(&self) -> serde_json::Value {
        let grantees = self.grantees().ok();
        documents::repository_policy(
            self.access(),
            self.partition(),
            self.region().ok().as_ref(),
            grantees.as_deref(),
        )
    }

    fn config_file(&self) -> String {
        documents::aws_config_file(
            self.iam_name(FieldId::UserName).ok().as_ref(),
            self.role_arn().ok().as_ref(),
            self.region().ok().as_ref(),
            self.access_key.as_ref(),
        )
    }

    fn verify_checks(&self) -> String {
        let registry = self
            .account(FieldId::RegistryAccount)
            .map_or_else(|_| "<REGISTRY_ACCOUNT_ID>".to_string(), |a| a.to_string());
        let region = self
            .region()
            .map_or_else(|_| "<REGION>".to_string(), |r| r.to_string());
        let suffix = self.partition().unwrap_or(Partition::Aws).dns_suffix();
        let role = self
            .role_arn()
            .map_or_else(|_| "<ROLE_ARN>".to_string(), |r| r.to_string());
        format!(
            "1. With the new access key, assume\n   {role}\n2. With the role, get an ECR authorization token\n   (ecr:GetAuthorizationToken in {region})\n3. With the token, request\n   GET https://{registry}.dkr.ecr.{region}.{suffix}/v2/eks-anywhere-packages/manifests/latest\n   200 or 404: the policy works (404 only means no such tag)\n   401 or 403: the registry refused the role\n"
        )
    }

    /// The first field of a step that does not validate, with its reason.
    pub fn first_problem(&self, step: &StepSpec) -> Option<(FieldId, Invalid)> {
        step.fields
            .iter()
            .find_map(|field| self.check(*field).err().map(|e| (*field, e)))
    }

    /// Size checks for the documents that AWS limits.
    pub fn document_size_problem(&self, kind: DocumentKind) -> Option<Invalid> {
        size_problem(kind, &self.document(kind))
    }
}

/// Why a document of this kind, as generated, is too large for AWS to take.
pub fn size_problem(kind: DocumentKind, text: &str) -> Option<Invalid> {
    {
        let limit = match kind {
            DocumentKind::TrustPolicy => SizeLimit::TrustPolicy,
            DocumentKind::EcrReadPolicy | DocumentKind::AssumeRolePolicy => {
                SizeLimit::ManagedPolicy
            }
            DocumentKind::RepositoryPolicy => SizeLimit::RepositoryPolicy,
            _ => return None,
        };
        limit.check(text).err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_account_follows_the_region_until_typed() {
        let mut form = Form::new(FlowId::CuratedPackages);
        assert_eq!(form.text(FieldId::RegistryAccount), "346438352937");
        form.set(FieldId::Region, "eu-west-1");
        assert_eq!(form.text(FieldId::RegistryAccount), "090204409458");
        form.set(FieldId::RegistryAccount, "067575901363");
        form.set(FieldId::Region, "us-east-1");
        assert_eq!(form.text(FieldId::RegistryAccount), "067575901363");
        form.reset(FieldId::RegistryAccount);
        assert_eq!(form.text(FieldId::RegistryAccount), "331113665574");
    }

    #[test]
    fn an_emptied_account_field_follows_its_default_again() {
        let mut form = Form::new(FlowId::CuratedPackages);
        form.resolved
            .insert(Side::Source, AccountId::parse("111111111111").unwrap());
        form.set(FieldId::SourceAccount, "222222222222");
        assert_eq!(form.text(FieldId::SourceAccount), "222222222222");
        form.set(FieldId::SourceAccount, " ");
        assert!(!form.is_edited(FieldId::SourceAccount));
        assert_eq!(form.text(FieldId::SourceAccount), "111111111111");
        form.set(FieldId::RegistryAccount, "");
        assert_eq!(form.text(FieldId::RegistryAccount), "346438352937");
        form.set(FieldId::RoleArn, "");
        assert_eq!(
            form.text(FieldId::RoleArn),
            "arn:aws:iam::111111111111:role/curated-packages-role"
        );
        // A field with no default from other fields keeps what was typed, empty too.
        form.set(FieldId::RoleName, "");
        assert!(form.is_edited(FieldId::RoleName));
        assert_eq!(form.text(FieldId::RoleName), "");
    }

    #[test]
    fn the_role_arn_comes_from_the_source_account_and_role_name() {
        let mut form = Form::new(FlowId::CuratedPackages);
        assert!(form.role_arn().is_err());
        form.set(FieldId::SourceAccount, "111111111111");
        assert_eq!(
            form.text(FieldId::RoleArn),
            "arn:aws:iam::111111111111:role/curated-packages-role"
        );
        form.set(FieldId::Region, "us-gov-west-1");
        form.set(FieldId::RoleName, "r");
        assert_eq!(
            form.text(FieldId::RoleArn),
            "arn:aws-us-gov:iam::111111111111:role/r"
        );
    }

    #[test]
    fn an_invalid_value_never_reaches_a_document() {
        let mut form = Form::new(FlowId::CuratedPackages);
        form.set(FieldId::DestinationAccount, "99999999999");
        let doc = form.document(DocumentKind::TrustPolicy);
        assert!(!doc.contains("99999999999"), "{doc}");
        assert!(doc.contains("<DESTINATION_ACCOUNT_ID>"));
        assert!(form.check(FieldId::DestinationAccount).is_err());
    }

    #[test]
    fn choices_cycle_both_ways() {
        let mut form = Form::new(FlowId::RepositorySharing);
        assert_eq!(form.access(), Access::Pull);
        form.cycle(FieldId::Access, true);
        assert_eq!(form.access(), Access::PullPush);
        form.cycle(FieldId::Access, false);
        form.cycle(FieldId::Access, false);
        assert_eq!(form.access(), Access::LambdaPull);
    }

    #[test]
    fn the_profiles_region_is_the_default_region_until_one_is_typed() {
        let mut form = Form::new(FlowId::CuratedPackages);
        assert_eq!(form.text(FieldId::Region), "us-west-2");
        form.profile_region = Some("eu-central-1".into());
        assert_eq!(form.text(FieldId::Region), "eu-central-1");
        assert_eq!(form.text(FieldId::RegistryAccount), "364992945014");
        // A region the wizard does not know is no default.
        form.profile_region = Some("mars-1".into());
        assert_eq!(form.text(FieldId::Region), "us-west-2");
        form.profile_region = Some("eu-central-1".into());
        form.set(FieldId::Region, "us-east-1");
        assert_eq!(form.text(FieldId::Region), "us-east-1");
    }

    #[test]
    fn the_step_enums_name_every_declared_step_in_order() {
        assert_eq!(
            FlowSpec::get(FlowId::CuratedPackages).steps.len(),
            CuratedStep::ALL.len()
        );
        assert_eq!(
            FlowSpec::get(FlowId::RepositorySharing).steps.len(),
            RepositoryStep::ALL.len()
        );
        for (index, step) in CuratedStep::ALL.into_iter().enumerate() {
            assert_eq!(step.index(), index);
            assert_eq!(
                Step::at(FlowId::CuratedPackages, index),
                Some(Step::Curated(step))
            );
        }
        assert_eq!(CuratedStep::Role.spec().short, "Role");
        assert_eq!(CuratedStep::AccessKey.spec().short, "Key");
        assert_eq!(RepositoryStep::Apply.spec().short, "Apply");
        assert_eq!(Step::at(FlowId::RepositorySharing, 3), None);
    }

    #[test]
    fn every_step_declares_a_document() {
        for flow in FLOWS {
            for step in FlowSpec::get(flow).steps {
                assert!(!step.documents.is_empty(), "{}", step.title);
            }
        }
    }
}
