//! The wizard's side of planning a step: which credentials and account each side
//! uses, handed to the procedure engine that plans the work, and what the
//! confirmation says, which is also where a step is refused before it runs in the
//! wrong account.

use crate::aws::Target;
use crate::core::access_change::{self, RepositoryPlace};
use crate::core::documents;
use crate::core::flow::{FieldId, FlowId, Side, Step};
use crate::core::regions::Partition;
use crate::core::validate::{AccountId, IamName};
use crate::procedure::{self, SecretHome, Sides};

use super::jobs::Job;
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

/// What the wizard knows of each side of a flow, for the engine to plan with.
pub fn known_sides(app: &App, flow: FlowId) -> Sides {
    let mut known = Sides::new();
    for &side in sides(flow) {
        let account = match app.flow(flow).identities.get(&side) {
            Some(IdentityState::Known(target, identity)) => AccountId::parse(&identity.account)
                .map_err(|reason| {
                    format!("{} names an odd account: {reason}", target.profile_label())
                }),
            Some(IdentityState::Resolving(target)) => Err(format!(
                "Still looking up which account {} is; try again in a moment.",
                target.profile_label()
            )),
            Some(IdentityState::Failed(target, error)) => Err(format!(
                "{} could not be used: {error}",
                target.profile_label()
            )),
            None => Err(format!(
                "The {} profile has not been looked up yet.",
                side.label()
            )),
        };
        known.insert(side, target(app, flow, side), account);
    }
    known
}

/// The work of a step, planned by the procedure engine from the form.
pub fn job_for_step(app: &App, flow: FlowId, step: usize) -> Result<Job, String> {
    let step = Step::at(flow, step).ok_or_else(|| "This step has nothing to run.".to_string())?;
    let mut job = procedure::plan(step, &app.flow(flow).form, &known_sides(app, flow))?;
    // A mirror named on the command line stands in for the registry.
    if let Job::Verify { plan, .. } = &mut job {
        plan.registry_url = app.registry_url.clone();
    }
    Ok(job)
}

/// Making the wanted document current where the step found one that differs.
pub fn update_job(app: &App, flow: FlowId, step: usize) -> Result<Job, String> {
    match Step::at(flow, step) {
        Some(Step::Curated(step)) => {
            procedure::plan_update(step, &app.flow(flow).form, &known_sides(app, flow))
        }
        _ => Err("Nothing on this step has a document to replace.".into()),
    }
}

/// Taking the grant for the entered accounts out of the repository's policy.
pub fn revoke_job(app: &App, flow: FlowId) -> Result<Job, String> {
    procedure::plan_revoke(&app.flow(flow).form, &known_sides(app, flow))
}

/// The file a job would replace although ecr-share did not write it for this user.
fn foreign_file(job: &Job) -> Option<std::path::PathBuf> {
    let (path, home, ours): (&std::path::Path, &SecretHome, fn(&SecretHome, &str) -> bool) =
        match job {
            Job::AccessKey { home, .. } | Job::WriteConfig { home, .. } => {
                (&home.path, home, |home, text| home.is_ours(text))
            }
            Job::WriteManifest { path, home, .. } => {
                (path, home, |home, text| home.is_our_manifest(text))
            }
            _ => return None,
        };
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_file() {
        // Symlinks and folders are refused when the job runs, with the reason.
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    (!ours(home, &text)).then(|| path.to_path_buf())
}

/// A file the job would replace although ecr-share did not write it for this user.
/// The confirmation names it, and confirming is then the operator's yes to replacing
/// it, so the job is allowed to.
fn name_replaced_file(job: &mut Job) -> Option<String> {
    let path = foreign_file(job)?;
    match job {
        Job::AccessKey { home, .. }
        | Job::WriteConfig { home, .. }
        | Job::WriteManifest { home, .. } => home.overwrite = true,
        _ => return None,
    }
    Some(format!(
        "Replaces  {}, which ecr-share did not write for this user (its contents are lost)",
        path.display()
    ))
}

/// What a change does to access, for its confirmation: sentences saying who gains or
/// loses what, whether anything is removed or replaced (then only `y` confirms), and
/// the diff to show beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessSummary {
    pub lines: Vec<String>,
    pub removes_access: bool,
    pub diff: String,
}

/// Whether the run that planned a step's repository change was a revoke.
fn planned_by_revoke(app: &App, flow: FlowId, step: usize) -> bool {
    app.step_run(flow, step)
        .is_some_and(|run| matches!(run.job, Job::PlanRevoke { .. }))
}

fn known_account(app: &App, flow: FlowId, side: Side) -> Option<String> {
    match app.flow(flow).identities.get(&side) {
        Some(IdentityState::Known(_, identity)) => Some(identity.account.clone()),
        _ => None,
    }
}

fn unified_diff(old: &str, new: &str, from: &str, to: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(from, to)
        .to_string()
}

/// The document a step's last run found to differ, parsed.
fn differing_document(app: &App, flow: FlowId, step: usize) -> Option<serde_json::Value> {
    let text = app.step_run(flow, step)?.differing.as_deref()?;
    serde_json::from_str(text).ok()
}

/// Who gains or loses what through a job, in plain words.
pub fn access_summary(app: &App, flow: FlowId, step: usize, job: &Job) -> AccessSummary {
    let form = &app.flow(flow).form;
    let partition = form.partition().unwrap_or(Partition::Aws);
    let mut summary = AccessSummary {
        removes_access: foreign_file(job).is_some(),
        ..AccessSummary::default()
    };
    match job {
        Job::Apply { target, plan } => {
            let owner = known_account(app, flow, Side::RepositoryOwner);
            let place = RepositoryPlace {
                repository: plan.repository.as_str(),
                account: owner.as_deref(),
                profile: target.profile.as_deref(),
                partition,
            };
            let change = access_change::repository_access_change(
                plan.change.previous_policy().as_ref(),
                plan.change.policy.as_ref(),
                &place,
            );
            summary.lines = change.lines;
            summary.lines.extend(plan.change.notes.iter().cloned());
            summary.removes_access |= change.removes_access || plan.change.policy.is_none();
            summary.diff = plan.change.diff.clone();
        }
        Job::Restore {
            target,
            repository,
            previous,
            current,
        } => {
            let owner = known_account(app, flow, Side::RepositoryOwner);
            let place = RepositoryPlace {
                repository: repository.as_str(),
                account: owner.as_deref(),
                profile: target.profile.as_deref(),
                partition,
            };
            let parse = |text: &Option<String>| {
                text.as_deref()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            };
            let (now, back) = (parse(current), parse(previous));
            let change =
                access_change::repository_access_change(now.as_ref(), back.as_ref(), &place);
            summary.lines = change.lines;
            summary.removes_access |= change.removes_access;
            let pretty = |value: &Option<serde_json::Value>| {
                value.as_ref().map(documents::pretty).unwrap_or_default()
            };
            summary.diff = unified_diff(
                &pretty(&now),
                &pretty(&back),
                "policy now",
                "previous policy",
            );
        }
        Job::UpdateTrust { iam, role, trust } => {
            let current = differing_document(app, flow, step);
            let change = access_change::trust_change(role.as_str(), current.as_ref(), trust);
            summary.lines.push(format!(
                "role {role} in {} will trust {} (it may assume the role)",
                iam.account,
                accounts_phrase(&access_change::trusted(trust))
            ));
            summary.lines.extend(change.lines);
            summary.removes_access |= change.removes_access;
            if let Some(current) = &current {
                summary.diff = unified_diff(
                    &documents::pretty(current),
                    &documents::pretty(trust),
                    "trust policy now",
                    "trust policy after",
                );
            }
        }
        Job::UpdatePolicy {
            iam,
            name,
            document,
            ..
        } => {
            let current = differing_document(app, flow, step);
            let change = access_change::policy_change(name.as_str(), current.as_ref(), document);
            summary.lines.push(format!(
                "policy {name} in {} gets the document shown as its default version",
                iam.account
            ));
            summary.lines.extend(change.lines);
            summary.removes_access |= change.removes_access;
            if let Some(current) = &current {
                summary.diff = unified_diff(
                    &documents::pretty(current),
                    &documents::pretty(document),
                    "policy now",
                    "policy after",
                );
            }
        }
        Job::Role {
            iam,
            role,
            trust,
            policy,
        } => {
            summary.lines.push(format!(
                "role {role} in {} will trust {} (it may assume the role)",
                iam.account,
                accounts_phrase(&access_change::trusted(trust))
            ));
            summary.lines.push(format!(
                "the role gets policy {policy} of step 2, so whoever assumes it may pull curated packages"
            ));
        }
        Job::ReadPolicy { iam, name, .. } => {
            let registry = form
                .account(FieldId::RegistryAccount)
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "the registry account".into());
            summary.lines.push(format!(
                "policy {name} in {} will allow pulling from every repository of registry account {registry} (and ecr:GetAuthorizationToken)",
                iam.account
            ));
        }
        Job::User {
            iam, policy, user, ..
        } => {
            let role = form
                .role_arn()
                .map(|r| r.to_string())
                .unwrap_or_else(|_| "the role of step 3".into());
            summary.lines.push(format!(
                "user {user} in {} gets policy {policy}, which lets it assume {role}",
                iam.account
            ));
        }
        _ => {}
    }
    summary
}

/// "account 1" or "accounts 1 and 2"; principals that are not accounts as they are.
fn accounts_phrase(principals: &[String]) -> String {
    let accounts = principals
        .iter()
        .all(|p| p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()));
    let joined = match principals {
        [] => "no one".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    match (accounts, principals.len()) {
        (true, 1) => format!("account {joined}"),
        (true, n) if n > 1 => format!("accounts {joined}"),
        _ => joined,
    }
}

/// What the confirmation says: a title, the lines naming profile, account, region
/// and calls, and the problems that stop the step.
pub fn describe(
    app: &App,
    flow: FlowId,
    step: usize,
    job: &mut Job,
) -> (String, Vec<String>, Vec<String>) {
    let state = app.flow(flow);
    let granting = app.step_run(flow, step).and_then(|run| match &run.job {
        Job::PlanGrant { grant, .. } => Some(grant.access),
        _ => None,
    });
    let title = match job {
        Job::Apply { plan, .. } if planned_by_revoke(app, flow, step) => {
            format!("Revoke the grant on {}", plan.repository)
        }
        Job::Apply { plan, .. } if plan.change.policy.is_none() => {
            "Delete the repository policy".to_string()
        }
        Job::Apply { plan, .. } if granting.is_some() => format!(
            "Grant {} on {}",
            granting.map(|a| a.label()).unwrap_or_default(),
            plan.repository
        ),
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

    if let Some(side) = job.side(flow) {
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
    let access = access_summary(app, flow, step, job);
    if !access.lines.is_empty() {
        lines.push(String::new());
        lines.push("What changes:".to_string());
        lines.extend(access.lines.iter().map(|line| format!("  • {line}")));
    }
    if let Some(line) = name_replaced_file(job) {
        lines.push(line);
    }
    if let Job::AccessKey { home, user, .. } = job {
        let (more_lines, more_problems) = key_plan(app, flow, home, user);
        lines.extend(more_lines);
        problems.extend(more_problems);
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
        let count = |sign: char, header: &str| {
            plan.change
                .diff
                .lines()
                .filter(|l| l.starts_with(sign) && !l.starts_with(header))
                .count()
        };
        lines.push(String::new());
        lines.push(format!(
            "Changes  +{} −{} lines (see Changes); the previous text is kept, u puts it back",
            count('+', "+++"),
            count('-', "---")
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

/// What step 5 will do with the keys the user has: reuse the one its config file
/// holds, create one when the user has none, or refuse, since IAM cannot show a
/// secret again and a second key would only add to the user's limit of two.
fn key_plan(
    app: &App,
    flow: FlowId,
    home: &SecretHome,
    user: &IamName,
) -> (Vec<String>, Vec<String>) {
    let form = &app.flow(flow).form;
    let path = home.path.display();
    let Some(keys) = &app.flow(flow).user_keys else {
        return (Vec::new(), Vec::new());
    };
    let mut lines: Vec<String> = keys
        .iter()
        .map(|key| format!("Has key  {}", key.describe()))
        .collect();
    let saved = procedure::saved_key_reusable(form);
    match saved.filter(|id| keys.iter().any(|k| &k.id == id)) {
        Some(id) => {
            lines.push(format!(
                "Reuses   key {id} from {path}: no new key is created"
            ));
            (lines, Vec::new())
        }
        None if keys.is_empty() => {
            lines.push(format!(
                "Creates  a new key, straight into {path} (mode 0600)"
            ));
            (lines, Vec::new())
        }
        None => {
            let options = form.aws_target_options(Side::Destination);
            let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
            let problem = format!(
                "User {user} already has {} whose secret IAM cannot show again, and {path} does not hold it. Set the config file path to the file written when it was created, or delete it first (aws iam delete-access-key --user-name {user} --access-key-id {}{options}).",
                if ids.len() == 1 {
                    format!("key {}", ids[0])
                } else {
                    format!("keys {}", ids.join(", "))
                },
                ids[0]
            );
            (lines, vec![problem])
        }
    }
}
