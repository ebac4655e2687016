//! From what the operator entered to the work a step does: which credentials, which
//! account, which calls. This is also where a step is refused before it runs in the
//! wrong account.

use crate::aws::Target;
use crate::aws::eks::PackageRegistry;
use crate::aws::verify::VerifyPlan;
use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{FieldId, FlowId, Form, Side, field_spec};
use crate::core::merge::Grant;
use crate::core::validate::{IamName, Invalid};
use serde_json::Value;

use super::jobs::{IamTarget, Job};
use super::model::{App, IdentityState};

/// The sides whose profiles a flow uses.
pub fn sides(flow: FlowId) -> &'static [Side] {
    match flow {
        FlowId::CuratedPackages => &[Side::Source, Side::Destination],
        FlowId::RepositorySharing => &[Side::RepositoryOwner],
    }
}

fn profile_field(side: Side) -> FieldId {
    match side {
        Side::Source => FieldId::SourceProfile,
        Side::Destination => FieldId::DestinationProfile,
        Side::RepositoryOwner => FieldId::Profile,
    }
}

/// The credentials and region a side's calls use: its profile (empty: the default
/// chain) and the flow's region when it is valid.
pub fn target(app: &App, flow: FlowId, side: Side) -> Target {
    let form = &app.flow(flow).form;
    let profile = form.text(profile_field(side)).trim().to_string();
    Target::new(
        (!profile.is_empty()).then_some(profile),
        form.region().ok().map(|r| r.name().to_string()),
    )
}

fn valid<T>(field: FieldId, result: Result<T, Invalid>) -> Result<T, String> {
    result.map_err(|reason| format!("{} is not valid yet: {reason}", field_spec(field).label))
}

/// IAM in the side's account: the account must be known from its profile.
fn iam_target(app: &App, flow: FlowId, side: Side) -> Result<IamTarget, String> {
    let form = &app.flow(flow).form;
    let region = valid(FieldId::Region, form.region())?;
    let account = match app.flow(flow).identities.get(&side) {
        Some(IdentityState::Known(_, identity)) => valid(
            FieldId::SourceAccount,
            crate::core::validate::AccountId::parse(&identity.account),
        )?,
        Some(IdentityState::Resolving(target)) => {
            return Err(format!(
                "Still looking up which account {} is; try again in a moment.",
                target.profile_label()
            ));
        }
        Some(IdentityState::Failed(target, error)) => {
            return Err(format!(
                "{} could not be used: {error}",
                target.profile_label()
            ));
        }
        None => {
            return Err(format!(
                "The {} profile has not been looked up yet.",
                side.label()
            ));
        }
    };
    Ok(IamTarget {
        target: target(app, flow, side),
        partition: region.partition(),
        account,
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

/// The work of a step, built from values that all validate.
pub fn job_for_step(app: &App, flow: FlowId, step: usize) -> Result<Job, String> {
    let form = &app.flow(flow).form;
    match (flow, step) {
        (FlowId::CuratedPackages, 0) => Ok(Job::FindRegistry {
            target: target(app, flow, Side::Source),
            region: valid(FieldId::Region, form.region())?,
            subscription: valid(FieldId::SubscriptionId, form.subscription())?,
        }),
        (FlowId::CuratedPackages, 1) => {
            let (name, document) = read_policy(form)?;
            Ok(Job::ReadPolicy {
                name,
                document,
                iam: iam_target(app, flow, Side::Source)?,
            })
        }
        (FlowId::CuratedPackages, 2) => Ok(Job::Role {
            role: valid(FieldId::RoleName, form.iam_name(FieldId::RoleName))?,
            trust: trust_policy(form)?,
            policy: valid(
                FieldId::ReadPolicyName,
                form.iam_name(FieldId::ReadPolicyName),
            )?,
            iam: iam_target(app, flow, Side::Source)?,
        }),
        (FlowId::CuratedPackages, 3) => {
            let (policy, document) = assume_role_policy(form)?;
            Ok(Job::User {
                policy,
                document,
                user: valid(FieldId::UserName, form.iam_name(FieldId::UserName))?,
                iam: iam_target(app, flow, Side::Destination)?,
            })
        }
        (FlowId::CuratedPackages, 4) => Ok(Job::AccessKey {
            user: valid(FieldId::UserName, form.iam_name(FieldId::UserName))?,
            iam: iam_target(app, flow, Side::Destination)?,
        }),
        (FlowId::CuratedPackages, 5) => Err(
            "This step makes no AWS call: s saves the config file (mode 0600), c copies it.".into(),
        ),
        (FlowId::CuratedPackages, 6) => {
            let manifest = form.export(DocumentKind::SecretManifest);
            if form.access_key.is_none() || documents::has_placeholder(&manifest) {
                return Err(
                    "The Secret still has placeholders: create the access key in step 5 first (its secret cannot be read back later).".into(),
                );
            }
            valid(FieldId::KubeContext, form.check(FieldId::KubeContext))?;
            let context = form.text(FieldId::KubeContext).trim().to_string();
            Ok(Job::Kubectl {
                context: (!context.is_empty()).then_some(context),
                manifest,
            })
        }
        (FlowId::CuratedPackages, 7) => {
            let Some(key) = form.access_key.clone() else {
                return Err(
                    "Verifying needs the access key created in step 5 of this session: its secret cannot be read back.".into(),
                );
            };
            let region = valid(FieldId::Region, form.region())?;
            let registry = valid(
                FieldId::RegistryAccount,
                form.account(FieldId::RegistryAccount),
            )?;
            let role_arn = valid(FieldId::RoleArn, form.role_arn())?;
            Ok(Job::Verify {
                target: target(app, flow, Side::Destination),
                key,
                plan: VerifyPlan::new(role_arn, PackageRegistry::in_region(registry, &region).host),
            })
        }
        (FlowId::RepositorySharing, 0) => {
            valid(FieldId::Region, form.region())?;
            Ok(Job::Repositories {
                target: target(app, flow, Side::RepositoryOwner),
            })
        }
        (FlowId::RepositorySharing, 1) => {
            Err("Nothing runs here: step 3 merges this grant into the repository's policy.".into())
        }
        (FlowId::RepositorySharing, _) => Ok(Job::PlanGrant {
            target: target(app, flow, Side::RepositoryOwner),
            repository: valid(FieldId::Repository, form.repository())?,
            grant: grant(form)?,
        }),
        (FlowId::CuratedPackages, _) => Err("This step has nothing to run.".into()),
    }
}

fn grant(form: &Form) -> Result<Grant, String> {
    Ok(Grant {
        access: form.access(),
        accounts: valid(FieldId::Grantees, form.grantees())?,
        region: valid(FieldId::Region, form.region())?,
    })
}

/// Making the wanted document current where the step found one that differs: a new
/// default version of a policy, or a role's trust policy.
pub fn update_job(app: &App, flow: FlowId, step: usize) -> Result<Job, String> {
    let form = &app.flow(flow).form;
    match (flow, step) {
        (FlowId::CuratedPackages, 1) => {
            let (name, document) = read_policy(form)?;
            Ok(Job::UpdatePolicy {
                side: Side::Source,
                name,
                document,
                iam: iam_target(app, flow, Side::Source)?,
            })
        }
        (FlowId::CuratedPackages, 2) => Ok(Job::UpdateTrust {
            role: valid(FieldId::RoleName, form.iam_name(FieldId::RoleName))?,
            trust: trust_policy(form)?,
            iam: iam_target(app, flow, Side::Source)?,
        }),
        (FlowId::CuratedPackages, 3) => {
            let (name, document) = assume_role_policy(form)?;
            Ok(Job::UpdatePolicy {
                side: Side::Destination,
                name,
                document,
                iam: iam_target(app, flow, Side::Destination)?,
            })
        }
        _ => Err("Nothing on this step has a document to replace.".into()),
    }
}

/// Taking the grant for the entered accounts out of the repository's policy.
pub fn revoke_job(app: &App, flow: FlowId) -> Result<Job, String> {
    let form = &app.flow(flow).form;
    let region = valid(FieldId::Region, form.region())?;
    Ok(Job::PlanRevoke {
        target: target(app, flow, Side::RepositoryOwner),
        repository: valid(FieldId::Repository, form.repository())?,
        accounts: valid(FieldId::Grantees, form.grantees())?,
        partition: region.partition(),
    })
}

/// The side whose credentials a job uses.
fn side_of(flow: FlowId, job: &Job) -> Option<Side> {
    match job {
        Job::Kubectl { .. } => None,
        Job::UpdatePolicy { side, .. } => Some(*side),
        Job::ReadPolicy { .. }
        | Job::Role { .. }
        | Job::UpdateTrust { .. }
        | Job::FindRegistry { .. } => Some(Side::Source),
        Job::User { .. } | Job::AccessKey { .. } | Job::Verify { .. } => Some(Side::Destination),
        Job::Identity { side, .. } => Some(*side),
        _ if flow == FlowId::RepositorySharing => Some(Side::RepositoryOwner),
        _ => None,
    }
}

/// What the confirmation says: a title, the lines naming profile, account, region
/// and calls, and the problems that stop the step.
pub fn describe(
    app: &App,
    flow: FlowId,
    step: usize,
    job: &Job,
) -> (String, Vec<String>, Vec<String>) {
    let state = app.flow(flow);
    let title = match job {
        Job::Apply { plan, .. } if plan.change.policy.is_none() => {
            "Delete the repository policy".to_string()
        }
        Job::Apply { .. } => "Apply the repository policy".to_string(),
        Job::Restore { .. } => "Put the previous repository policy back".to_string(),
        Job::UpdatePolicy { name, .. } => {
            format!("Make the wanted document current for policy {name}")
        }
        Job::UpdateTrust { role, .. } => format!("Replace the trust policy of role {role}"),
        _ => state.spec().steps[step].title.to_string(),
    };
    let mut lines = Vec::new();
    let mut problems = Vec::new();

    if let Some(side) = side_of(flow, job) {
        let target = target(app, flow, side);
        lines.push(format!("Using    {}", target.profile_label()));
        match state.identities.get(&side) {
            Some(IdentityState::Known(_, identity)) => {
                lines.push(format!("Account  {} ({})", identity.account, identity.arn));
                problems.extend(account_problems(app, flow, side, &identity.account, step));
            }
            Some(IdentityState::Resolving(_)) => {
                lines.push("Account  (looking it up…)".to_string());
                problems.push(format!(
                    "Which account {} is is not known yet; try again in a moment.",
                    target.profile_label()
                ));
            }
            Some(IdentityState::Failed(_, error)) => {
                lines.push("Account  unknown".to_string());
                problems.push(format!(
                    "{} could not be used: {error}",
                    target.profile_label()
                ));
            }
            None => problems.push(format!(
                "The {} profile has not been looked up.",
                side.label()
            )),
        }
        lines.push(format!(
            "Region   {}",
            target.region.as_deref().unwrap_or("the profile's own")
        ));
    }
    if let Job::Kubectl { context, .. } = job {
        lines.push(format!(
            "Cluster  {}",
            context.as_deref().unwrap_or("kubectl's current context")
        ));
        lines.push("Replaces Secret aws-secret in namespace eksa-packages.".to_string());
        if !kubectl_on_path() {
            problems.push(
                "kubectl is not on PATH: save the manifest with s and apply it where kubectl is."
                    .into(),
            );
        }
    }
    if let Job::Apply { plan, .. } = job {
        let added = plan
            .change
            .diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count();
        let removed = plan
            .change
            .diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count();
        lines.push(format!(
            "Changes  +{added} −{removed} lines (the Changes document shows them); the previous text is kept, u restores it"
        ));
    }
    lines.push(String::new());
    lines.push("Calls:".to_string());
    lines.extend(job.calls().into_iter().map(|call| format!("  {call}")));
    (title, lines, problems)
}

/// Reasons a step must not run with this account.
fn account_problems(
    app: &App,
    flow: FlowId,
    side: Side,
    account: &str,
    step: usize,
) -> Vec<String> {
    let state = app.flow(flow);
    let form = &state.form;
    let mut problems = Vec::new();
    let profile = target(app, flow, side).profile_label();
    let step_number = step + 1;
    if flow == FlowId::CuratedPackages {
        let other = match side {
            Side::Source => Side::Destination,
            _ => Side::Source,
        };
        if let Some(IdentityState::Known(_, other_identity)) = state.identities.get(&other)
            && other_identity.account == account
        {
            problems.push(format!(
                "The source and destination profiles are both account {account}: the destination must be another account."
            ));
        }
        let (field, what) = match side {
            Side::Source => (FieldId::SourceAccount, "source"),
            _ => (FieldId::DestinationAccount, "destination"),
        };
        if form.is_edited(field)
            && let Ok(entered) = form.account(field)
            && entered.as_str() != account
        {
            problems.push(format!(
                "{profile} resolves to account {account}, but step {step_number} must run in the {what} account {entered} (as entered in step 3)."
            ));
        }
    }
    problems
}

fn kubectl_on_path() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("kubectl").is_file()))
}
