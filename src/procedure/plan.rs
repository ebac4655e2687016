//! From validated inputs to a [`Job`]: the one place that says what each step does.
//! The wizard plans from its form and the accounts its profiles resolved to; the
//! commands fill the same form from their flags and plan through the same functions.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::aws::Target;
use crate::aws::eks::PackageRegistry;
use crate::aws::verify::VerifyPlan;
use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{CuratedStep, FieldId, Form, RepositoryStep, Side, Step, field_spec};
use crate::core::merge::Grant;
use crate::core::secret::AccessKeyPair;
use crate::core::validate::{AccountId, IamName, Invalid};

use super::job::{IamTarget, Job, SecretHome};

/// What is known of each side of a procedure: the credentials its calls use and,
/// once looked up, the account they act as (or why that is not known).
#[derive(Debug, Clone, Default)]
pub struct Sides(HashMap<Side, (Target, Result<AccountId, String>)>);

impl Sides {
    pub fn new() -> Sides {
        Sides::default()
    }

    /// Records a side's credentials and what is known of its account.
    pub fn insert(&mut self, side: Side, target: Target, account: Result<AccountId, String>) {
        self.0.insert(side, (target, account));
    }

    /// The credentials a side's calls use (the default chain when none were named).
    pub fn target(&self, side: Side) -> Target {
        self.0
            .get(&side)
            .map(|(target, _)| target.clone())
            .unwrap_or_default()
    }

    /// The account a side's credentials act as.
    pub fn account(&self, side: Side) -> Result<AccountId, String> {
        match self.0.get(&side) {
            Some((_, account)) => account.clone(),
            None => Err(format!(
                "The {} profile has not been looked up yet.",
                side.label()
            )),
        }
    }

    fn iam(&self, form: &Form, side: Side) -> Result<IamTarget, String> {
        let region = valid(FieldId::Region, form.region())?;
        Ok(IamTarget {
            target: self.target(side),
            partition: region.partition(),
            account: self.account(side)?,
        })
    }
}

fn valid<T>(field: FieldId, result: Result<T, Invalid>) -> Result<T, String> {
    result.map_err(|reason| format!("{} is not valid yet: {reason}", field_spec(field).label))
}

/// The work of a step, built from values that all validate; `Err` says, in words
/// for the operator, what is missing.
pub fn plan(step: Step, form: &Form, sides: &Sides) -> Result<Job, String> {
    match step {
        Step::Curated(step) => plan_curated(step, form, sides),
        Step::Repository(step) => plan_repository(step, form, sides),
    }
}

fn plan_curated(step: CuratedStep, form: &Form, sides: &Sides) -> Result<Job, String> {
    match step {
        CuratedStep::Registry => Ok(Job::FindRegistry {
            target: sides.target(Side::Source),
            region: valid(FieldId::Region, form.region())?,
            subscription: valid(FieldId::SubscriptionId, form.subscription())?,
        }),
        CuratedStep::ReadPolicy => {
            let (name, document) = read_policy(form)?;
            Ok(Job::ReadPolicy {
                name,
                document,
                iam: sides.iam(form, Side::Source)?,
            })
        }
        CuratedStep::Role => Ok(Job::Role {
            role: valid(FieldId::RoleName, form.iam_name(FieldId::RoleName))?,
            trust: trust_policy(form)?,
            policy: valid(
                FieldId::ReadPolicyName,
                form.iam_name(FieldId::ReadPolicyName),
            )?,
            iam: sides.iam(form, Side::Source)?,
        }),
        CuratedStep::User => {
            let (policy, document) = assume_role_policy(form)?;
            Ok(Job::User {
                policy,
                document,
                user: valid(FieldId::UserName, form.iam_name(FieldId::UserName))?,
                iam: sides.iam(form, Side::Destination)?,
            })
        }
        CuratedStep::AccessKey => Ok(Job::AccessKey {
            user: valid(FieldId::UserName, form.iam_name(FieldId::UserName))?,
            home: secret_home(form)?,
            iam: sides.iam(form, Side::Destination)?,
        }),
        CuratedStep::ConfigFile => Ok(Job::WriteConfig {
            home: secret_home(form)?,
            key: created_key(form)?,
        }),
        CuratedStep::Cluster => {
            let key = created_key(form)?;
            valid(FieldId::KubeContext, form.check(FieldId::KubeContext))?;
            let context = form.text(FieldId::KubeContext).trim().to_string();
            Ok(Job::Kubectl {
                context: (!context.is_empty()).then_some(context),
                home: secret_home(form)?,
                key,
            })
        }
        CuratedStep::Verify => {
            let key = form.access_key.clone().ok_or_else(|| {
                "Verifying needs the access key of step 5: run step 5 (it reuses the key its config file holds), or press V to check a config file saved earlier.".to_string()
            })?;
            let region = valid(FieldId::Region, form.region())?;
            let registry = valid(
                FieldId::RegistryAccount,
                form.account(FieldId::RegistryAccount),
            )?;
            let role_arn = valid(FieldId::RoleArn, form.role_arn())?;
            Ok(Job::Verify {
                target: sides.target(Side::Destination),
                key,
                plan: VerifyPlan::new(role_arn, PackageRegistry::in_region(registry, &region).host),
            })
        }
    }
}

/// Curated step 7 for the command line: the `aws-secret` manifest written to a file.
pub fn plan_manifest(form: &Form, path: PathBuf) -> Result<Job, String> {
    Ok(Job::WriteManifest {
        path,
        home: secret_home(form)?,
        key: created_key(form)?,
    })
}

fn plan_repository(step: RepositoryStep, form: &Form, sides: &Sides) -> Result<Job, String> {
    match step {
        RepositoryStep::Choose => {
            valid(FieldId::Region, form.region())?;
            Ok(Job::Repositories {
                target: sides.target(Side::RepositoryOwner),
            })
        }
        RepositoryStep::Grantees => {
            Err("Nothing runs here: step 3 merges this grant into the repository's policy.".into())
        }
        RepositoryStep::Apply => Ok(Job::PlanGrant {
            target: sides.target(Side::RepositoryOwner),
            repository: valid(FieldId::Repository, form.repository())?,
            grant: grant(form)?,
        }),
    }
}

/// The key of step 5, which steps 6 to 8 need.
fn created_key(form: &Form) -> Result<AccessKeyPair, String> {
    form.access_key.clone().ok_or_else(|| {
        "This needs the access key of step 5: run step 5 first (it reuses the key its config file holds, or creates one straight into that file).".to_string()
    })
}

/// Where step 5 puts the new key, and everything else the config file says.
fn secret_home(form: &Form) -> Result<SecretHome, String> {
    valid(FieldId::ConfigPath, form.check(FieldId::ConfigPath))?;
    Ok(SecretHome {
        path: PathBuf::from(form.text(FieldId::ConfigPath).trim()),
        user: valid(FieldId::UserName, form.iam_name(FieldId::UserName))?,
        role_arn: valid(FieldId::RoleArn, form.role_arn())?,
        region: valid(FieldId::Region, form.region())?,
        overwrite: form.overwrite_files,
    })
}

/// Step 2's policy: its name and the ECR read document for the registry account.
fn read_policy(form: &Form) -> Result<(IamName, Value), String> {
    let registry = valid(
        FieldId::RegistryAccount,
        form.account(FieldId::RegistryAccount),
    )?;
    Ok((
        valid(
            FieldId::ReadPolicyName,
            form.iam_name(FieldId::ReadPolicyName),
        )?,
        documents::ecr_read_policy(form.partition(), Some(&registry)),
    ))
}

/// Step 3's trust policy for the destination account, within its size limit.
fn trust_policy(form: &Form) -> Result<Value, String> {
    let destination = valid(
        FieldId::DestinationAccount,
        form.account(FieldId::DestinationAccount),
    )?;
    if let Some(problem) = form.document_size_problem(DocumentKind::TrustPolicy) {
        return Err(problem.to_string());
    }
    Ok(documents::trust_policy(
        form.partition(),
        Some(&destination),
    ))
}

/// Step 4's policy: its name and the permission to assume the role of step 3.
fn assume_role_policy(form: &Form) -> Result<(IamName, Value), String> {
    let role_arn = valid(FieldId::RoleArn, form.role_arn())?;
    Ok((
        valid(
            FieldId::AssumePolicyName,
            form.iam_name(FieldId::AssumePolicyName),
        )?,
        documents::assume_role_policy(Some(&role_arn)),
    ))
}

fn grant(form: &Form) -> Result<Grant, String> {
    Ok(Grant {
        access: form.access(),
        accounts: valid(FieldId::Grantees, form.grantees())?,
        organizations: Vec::new(),
        region: valid(FieldId::Region, form.region())?,
    })
}

/// Making the wanted document current where a step found one that differs: a new
/// default version of a policy, or a role's trust policy.
pub fn plan_update(step: CuratedStep, form: &Form, sides: &Sides) -> Result<Job, String> {
    match step {
        CuratedStep::ReadPolicy => {
            let (name, document) = read_policy(form)?;
            Ok(Job::UpdatePolicy {
                side: Side::Source,
                name,
                document,
                iam: sides.iam(form, Side::Source)?,
            })
        }
        CuratedStep::Role => Ok(Job::UpdateTrust {
            role: valid(FieldId::RoleName, form.iam_name(FieldId::RoleName))?,
            trust: trust_policy(form)?,
            iam: sides.iam(form, Side::Source)?,
        }),
        CuratedStep::User => {
            let (name, document) = assume_role_policy(form)?;
            Ok(Job::UpdatePolicy {
                side: Side::Destination,
                name,
                document,
                iam: sides.iam(form, Side::Destination)?,
            })
        }
        _ => Err("Nothing on this step has a document to replace.".into()),
    }
}

/// Taking the grant for the entered accounts out of the repository's policy.
pub fn plan_revoke(form: &Form, sides: &Sides) -> Result<Job, String> {
    let region = valid(FieldId::Region, form.region())?;
    Ok(Job::PlanRevoke {
        target: sides.target(Side::RepositoryOwner),
        repository: valid(FieldId::Repository, form.repository())?,
        accounts: valid(FieldId::Grantees, form.grantees())?,
        organizations: Vec::new(),
        partition: region.partition(),
    })
}

/// Whether the config file of step 5 holds a key of the user (which step 5 then
/// reuses, if IAM still lists it), for a confirmation to say so before it runs.
pub fn saved_key_reusable(form: &Form) -> Option<String> {
    let user = form.iam_name(FieldId::UserName).ok()?;
    let text = std::fs::read_to_string(form.text(FieldId::ConfigPath).trim()).ok()?;
    documents::saved_key(&text, &user).map(|key| key.access_key_id)
}
