//! The Manage screen of the curated-packages procedure (`M` on a step): what to do
//! with what the procedure set up, as `ecr-share curated` offers it — tear it down,
//! rotate the user's key, verify a saved config file, export the procedure for
//! review. Each acts on the names of the steps, the profiles and accounts of the
//! accounts screen and the files of steps 6 and 7, and the screen says which.
//!
//! Teardown and rotation first run a read on the engine (live status on the screen,
//! `Esc` cancels it), then open a confirmation that names every change; confirming
//! runs the plan on the engine, every call listed as it finishes, and the screen
//! keeps what it came to. Verify is step 8's `V`; export writes the files with the
//! same code as `curated export` and changes nothing in AWS.

use std::path::PathBuf;

use tui_input::Input;

use crate::aws::Outcome;
use crate::aws::eks::PackageRegistry;
use crate::aws::verify::Backoff;
use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{CuratedStep, FieldId, FlowId, Side, field_spec};
use crate::core::regions;
use crate::core::validate::{AccountId, IamName, Invalid};
use crate::files;
use crate::procedure::IamTarget;
use crate::procedure::export::{self as generate, ExportFile, ExportOptions};
use crate::procedure::rotate::{self, Ending, Held, Rotation};
use crate::procedure::teardown::{Executed, FileKind, Names, Removal, Scope, TeardownPlan};

use super::jobs::{Job, Output, RunId};
use super::keys::Action;
use super::message::{Effect, ExportError};
use super::model::{App, Confirm, Overlay, PathPurpose, SavePrompt, Status, Tone};
use super::steps;

const FLOW: FlowId = FlowId::CuratedPackages;

/// One thing the Manage screen does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManageAction {
    Teardown,
    RotateKey,
    Verify,
    Export,
}

impl ManageAction {
    pub const ALL: [ManageAction; 4] = [
        ManageAction::Teardown,
        ManageAction::RotateKey,
        ManageAction::Verify,
        ManageAction::Export,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ManageAction::Teardown => "Teardown",
            ManageAction::RotateKey => "Rotate the key",
            ManageAction::Verify => "Verify a config file",
            ManageAction::Export => "Export for review",
        }
    }

    /// What it does, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            ManageAction::Teardown => "remove what the procedure created, newest first",
            ManageAction::RotateKey => "a new key, checked, and then the old one deleted",
            ManageAction::Verify => "step 8's checks from a config file saved earlier",
            ManageAction::Export => "the procedure as scripts, to review; no AWS change",
        }
    }
}

/// The Manage screen's state: kept while the screen is closed, so its options and
/// what the latest action came to are there when it opens again.
#[derive(Debug, Default)]
pub struct Manage {
    /// Whether the screen is in front of the flow's steps.
    pub open: bool,
    /// The highlighted action, by index into [`ManageAction::ALL`].
    pub selected: usize,
    /// Teardown detaches policies ecr-share did not attach from its role and user
    /// (`--detach-foreign`); the policies themselves are kept.
    pub detach_foreign: bool,
    /// Teardown deletes the config file and the Secret manifest too, when ecr-share
    /// wrote them for the user (`--delete-files`).
    pub delete_files: bool,
    /// Rotation deletes the old key once the new one works, also without a cluster
    /// context (`--delete-old-key`): the operator applied the new Secret.
    pub delete_old_key: bool,
    /// The latest run started here, shown on the screen.
    pub run: Option<RunId>,
    /// What the latest action came to, kept on the screen (the status line moves on).
    pub outcome: Option<Status>,
    /// How far the screen's lower part (outcome and calls) is scrolled.
    pub scroll: u16,
    /// The action the outcome and calls shown belong to.
    pub shown_for: Option<ManageAction>,
}

impl Manage {
    pub fn action(&self) -> ManageAction {
        ManageAction::ALL[self.selected.min(ManageAction::ALL.len() - 1)]
    }
}

/// `M` on a step: the Manage screen of the curated procedure.
pub fn open(app: &mut App, flow: FlowId) {
    if flow != FLOW {
        app.say(
            Tone::Info,
            "M manages what the curated-packages procedure set up; the repository flow undoes a grant with d and u.",
        );
        return;
    }
    let state = app.flow_mut(flow);
    state.editing = None;
    state.manage.open = true;
    app.status = None;
}

/// Whether a job is one of the Manage screen's.
pub fn owns(job: &Job) -> bool {
    matches!(
        job,
        Job::TeardownSurvey { .. }
            | Job::Teardown { .. }
            | Job::RotationSurvey { .. }
            | Job::RotateKey { .. }
    )
}

/// The latest run of the screen, while it runs.
fn running(app: &App) -> Option<RunId> {
    app.curated
        .manage
        .run
        .filter(|run| app.runs.get(run).is_some_and(|r| r.running))
}

/// A key on the Manage screen.
pub fn on_manage(app: &mut App, action: Action) -> Vec<Effect> {
    let count = ManageAction::ALL.len();
    let manage = &mut app.curated.manage;
    match action {
        Action::OpenHelp => app.overlay = Some(Overlay::Help),
        Action::OpenLog => app.overlay = Some(Overlay::Log { scroll: 0 }),
        Action::ManageUp => manage.selected = manage.selected.saturating_sub(1),
        Action::ManageDown => manage.selected = (manage.selected + 1).min(count - 1),
        Action::ManageSelect(index) => manage.selected = index.min(count - 1),
        Action::ResultsUp => manage.scroll = manage.scroll.saturating_sub(1),
        Action::ResultsDown => {
            let max = app.results_max.get();
            let manage = &mut app.curated.manage;
            manage.scroll = manage.scroll.saturating_add(1).min(max);
        }
        Action::ToggleDetachForeign => {
            manage.detach_foreign = !manage.detach_foreign;
            let on = manage.detach_foreign;
            app.say(
                Tone::Info,
                if on {
                    "Teardown detaches policies ecr-share did not attach from its role and user (the policies are kept)."
                } else {
                    "Teardown leaves a role or user with policies ecr-share did not attach in place."
                },
            );
        }
        Action::ToggleDeleteFiles => {
            manage.delete_files = !manage.delete_files;
            let on = manage.delete_files;
            app.say(
                Tone::Info,
                if on {
                    "Teardown deletes the config file and the manifest too, when ecr-share wrote them for the user."
                } else {
                    "Teardown keeps the config file and the manifest."
                },
            );
        }
        Action::ToggleDeleteOldKey => {
            manage.delete_old_key = !manage.delete_old_key;
            let on = manage.delete_old_key;
            app.say(
                Tone::Info,
                if on {
                    "Rotation deletes the old key once the new one works: say so only once every cluster has the new Secret."
                } else {
                    "Without a kube context on step 7, rotation keeps the old key until the new Secret is applied."
                },
            );
        }
        Action::Back => {
            if let Some(run) = running(app) {
                if app
                    .runs
                    .get(&run)
                    .is_some_and(|r| super::update::must_finish(&r.job))
                {
                    app.say(Tone::Info, ROTATION_UNSTOPPABLE);
                    return Vec::new();
                }
                return vec![Effect::Cancel { run }];
            }
            app.curated.manage.open = false;
            app.status = None;
        }
        Action::ManageRun => return run_action(app),
        _ => {}
    }
    Vec::new()
}

/// Said when Esc or q would stop a rotation under way.
pub const ROTATION_UNSTOPPABLE: &str = "The key rotation cannot be stopped half-way: once the new key is asked for, it goes into its config file and is checked, and the old key is kept or deleted as confirmed. Wait a moment.";

/// Enter: the highlighted action.
fn run_action(app: &mut App) -> Vec<Effect> {
    let action = app.curated.manage.action();
    if matches!(action, ManageAction::Teardown | ManageAction::RotateKey) && running(app).is_some()
    {
        app.say(
            Tone::Info,
            "Something is still running on this screen: wait for it, or Esc cancels a read.",
        );
        return Vec::new();
    }
    match action {
        ManageAction::Teardown => match teardown_job(app) {
            Ok(job) => {
                app.say(Tone::Info, "Reading both accounts and the files…");
                start(app, job)
            }
            Err(reason) => refuse(app, "Teardown", reason),
        },
        ManageAction::RotateKey => match rotation(app) {
            Ok(rotation) => {
                app.say(Tone::Info, "Reading the user's keys and the config file…");
                start(
                    app,
                    Job::RotationSurvey {
                        rotation: Box::new(rotation),
                    },
                )
            }
            Err(reason) => refuse(app, "Key rotation", reason),
        },
        ManageAction::Verify => {
            // Step 8's own V: the checks show on step 8, where they always do.
            app.curated.manage.open = false;
            app.curated.go_to_step(CuratedStep::Verify.index());
            super::saved::ask_path(app, FLOW);
            Vec::new()
        }
        ManageAction::Export => {
            ask_export_folder(app);
            Vec::new()
        }
    }
}

fn refuse(app: &mut App, what: &str, reason: String) -> Vec<Effect> {
    let reason = reason.trim_end_matches('.');
    app.say(
        Tone::Error,
        format!("{what} cannot start: {reason}. Nothing was asked of AWS."),
    );
    Vec::new()
}

/// Starts a run shown on the screen.
fn start(app: &mut App, job: Job) -> Vec<Effect> {
    let effect = app.start(FLOW, None, job);
    if let Effect::Start { run, .. } = &effect {
        let manage = &mut app.curated.manage;
        manage.run = Some(*run);
        manage.outcome = None;
        manage.scroll = 0;
        manage.shown_for = Some(manage.action());
    }
    vec![effect]
}

/// Keeps what an action came to on the screen, and says it in the status line.
fn conclude(app: &mut App, tone: Tone, lines: Vec<String>) {
    let text = lines.join(" ");
    let manage = &mut app.curated.manage;
    manage.outcome = Some(Status {
        text: lines.join("\n"),
        tone,
    });
    manage.shown_for = Some(manage.action());
    app.say(tone, text);
}

fn valid<T>(field: FieldId, result: Result<T, Invalid>) -> Result<T, String> {
    result.map_err(|reason| format!("{} is not valid yet: {reason}", field_spec(field).label))
}

fn name(app: &App, field: FieldId) -> Result<IamName, String> {
    valid(field, app.curated.form.iam_name(field))
}

/// The names the procedure used, from its steps.
fn names(app: &App) -> Result<Names, String> {
    Ok(Names {
        read_policy: name(app, FieldId::ReadPolicyName)?,
        role: name(app, FieldId::RoleName)?,
        assume_policy: name(app, FieldId::AssumePolicyName)?,
        user: name(app, FieldId::UserName)?,
    })
}

/// IAM in one account, from the accounts screen: its profile and resolved account.
fn iam(app: &App, side: Side) -> Result<IamTarget, String> {
    let region = valid(FieldId::Region, app.curated.form.region())?;
    let sides = steps::known_sides(app, FLOW);
    Ok(IamTarget {
        target: sides.target(side),
        partition: region.partition(),
        account: sides.account(side)?,
    })
}

/// The config file of steps 5 and 6, as its field names it.
fn config_path(app: &App) -> Option<PathBuf> {
    let form = &app.curated.form;
    form.check(FieldId::ConfigPath).ok()?;
    let text = form.text(FieldId::ConfigPath).trim().to_string();
    (!text.is_empty()).then(|| PathBuf::from(text))
}

/// The files of the procedure: the config file, and the Secret manifest saved on
/// step 7 this session.
fn procedure_files(app: &App) -> Vec<(PathBuf, FileKind)> {
    config_path(app)
        .map(|path| (path, FileKind::Config))
        .into_iter()
        .chain(
            app.curated
                .manifest_saved_to
                .clone()
                .map(|path| (path, FileKind::Manifest)),
        )
        .collect()
}

/// The two accounts, refusing one account for both.
fn both(app: &App) -> Result<(IamTarget, IamTarget), String> {
    let source = iam(app, Side::Source)?;
    let destination = iam(app, Side::Destination)?;
    if source.account == destination.account {
        return Err(format!(
            "the source and destination profiles are both account {}: the procedure runs across two accounts, so one of them is not the one it ran in (a: the accounts screen)",
            source.account
        ));
    }
    Ok((source, destination))
}

/// The teardown's survey, from the form and the accounts screen.
pub fn teardown_job(app: &App) -> Result<Job, String> {
    let (source, destination) = both(app)?;
    let manage = &app.curated.manage;
    let scope = Scope {
        partition: source.partition,
        source: source.account.clone(),
        destination: destination.account.clone(),
        names: names(app)?,
        detach_foreign: manage.detach_foreign,
        files: if manage.delete_files {
            procedure_files(app)
        } else {
            Vec::new()
        },
    };
    Ok(Job::TeardownSurvey {
        source,
        destination,
        scope: Box::new(scope),
    })
}

/// The rotation, from the form, the accounts screen and the files of steps 6 and 7.
pub fn rotation(app: &App) -> Result<Rotation, String> {
    let form = &app.curated.form;
    let region = valid(FieldId::Region, form.region())?;
    let config = config_path(app).ok_or_else(|| {
        "step 6 has no valid config file path: the rotation writes the new key there".to_string()
    })?;
    let registry = valid(
        FieldId::RegistryAccount,
        form.account(FieldId::RegistryAccount),
    )?;
    let context = form.text(FieldId::KubeContext).trim().to_string();
    Ok(Rotation {
        iam: iam(app, Side::Destination)?,
        user: name(app, FieldId::UserName)?,
        config,
        manifest: app.curated.manifest_saved_to.clone(),
        // The role of step 3 when the source account is known; else the file's.
        role_arn: form.role_arn().ok(),
        registry: PackageRegistry::in_region(registry, &region),
        region,
        registry_url: app.registry_url.clone(),
        context: (!context.is_empty()).then_some(context),
        delete_old_key: app.curated.manage.delete_old_key,
        overwrite: false,
        backoff: Backoff::default(),
    })
}

/// `[source 111111111111 · profile `prod`]`, as the command tags its lines.
fn tag(app: &App, side: Option<Side>) -> String {
    let Some(side) = side else {
        return "[this machine]".to_string();
    };
    let label = match side {
        Side::Source => "source",
        _ => "destination",
    };
    let target = steps::target(app, FLOW, side);
    let account = steps::known_sides(app, FLOW)
        .account(side)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "(account not known)".to_string());
    format!("[{label} {account} · {}]", target.profile_label())
}

/// The engine's words for the command's flags, as the keys of this screen: the
/// teardown's reasons and descriptions name `--detach-foreign` and `--delete-files`.
fn screen_words(text: &str) -> String {
    text.replace(
        "run teardown with --detach-foreign",
        "turn on f on the Manage screen",
    )
    .replace(
        "because of --detach-foreign",
        "because f on the Manage screen is on",
    )
}

/// The rotation's words for the command's flags, as this screen and the steps say
/// them: its refusals and notes name `--config-out`, `--secret-out`, `--overwrite`
/// and `--source-profile`.
fn rotation_words(text: &str) -> String {
    text.replace("--config-out: ", "the config file of step 6: ")
        .replace("--secret-out: ", "the manifest saved on step 7: ")
        .replace(
            "pass --overwrite to replace it (its contents are lost), or choose another path",
            "the wizard never replaces it: choose another config file path on step 6, or move the file away",
        )
        .replace(
            "pass --overwrite to replace it, or choose another path",
            "the wizard never replaces it: move it away, or save the manifest elsewhere on step 7",
        )
        .replace(
            "(from --source-profile and --role-name)",
            "(from the source account and role name of step 3)",
        )
        .replace(
            "give --source-profile (and --role-name, unless it is curated-packages-role) so the new config file can name it",
            "choose the source profile on the accounts screen (a), so the new config file can name the role of step 3",
        )
}

/// `account 111111111111 (profile `prod`)`, as a confirmation's first lines say it.
fn account_line(app: &App, side: Side) -> String {
    let target = steps::target(app, FLOW, side);
    match steps::known_sides(app, FLOW).account(side) {
        Ok(account) => format!("account {account} ({})", target.profile_label()),
        Err(_) => format!("account not known ({})", target.profile_label()),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// What a run of the screen found or came to.
pub fn on_output(app: &mut App, run: RunId, output: Output) {
    if app.curated.manage.run != Some(run) {
        return;
    }
    match output {
        Output::TeardownPlan(plan) => planned_teardown(app, run, *plan),
        Output::TornDown(executed) => torn_down(app, run, &executed),
        Output::RotationSurvey(survey) => surveyed_rotation(app, run, *survey),
        Output::Rotated { ending, key } => rotated(app, *ending, key),
        _ => {}
    }
}

/// The survey of a teardown arrived: nothing to do, or the confirmation.
fn planned_teardown(app: &mut App, run: RunId, plan: TeardownPlan) {
    let Some(Job::TeardownSurvey {
        source,
        destination,
        scope,
    }) = app.runs.get(&run).map(|r| r.job.clone())
    else {
        return;
    };
    if plan.removals.is_empty() {
        let mut lines = vec!["Nothing to remove: nothing of ecr-share's by the procedure's names is in either account.".to_string()];
        lines.extend(left_lines(app, &plan));
        let tone = if plan.leaves_ours() {
            Tone::Error
        } else {
            Tone::Success
        };
        conclude(app, tone, lines);
        return;
    }
    let region = app.curated.form.text(FieldId::Region);
    let mut lines = vec![
        format!("Source       {}", account_line(app, Side::Source)),
        format!("Destination  {}", account_line(app, Side::Destination)),
        format!("Region       {}", region.trim()),
        String::new(),
        format!(
            "Deletes, in this order ({}):",
            count(plan.removals.len(), "removal")
        ),
    ];
    for (at, removal) in plan.removals.iter().enumerate() {
        lines.push(format!(
            "  {:>2}. {} {}: {}",
            at + 1,
            tag(app, removal.side()),
            screen_words(&removal.describe()),
            removal.call()
        ));
    }
    let left = left_lines(app, &plan);
    if !left.is_empty() {
        lines.push(String::new());
        lines.extend(left);
    }
    lines.push(String::new());
    lines.push("Both accounts and the files are read again first: nothing changes unless this is still the plan. A deletion that fails stops the teardown; what was removed is listed, and teardown again resumes from what is left.".to_string());
    let job = Job::Teardown {
        source,
        destination,
        scope,
        plan: Box::new(plan),
    };
    open_confirm(
        app,
        "Tear down what the curated-packages procedure created",
        lines,
        true,
        job,
    );
}

/// The "Left in place" part of a teardown's plan, and the files it keeps.
fn left_lines(app: &App, plan: &TeardownPlan) -> Vec<String> {
    let mut lines = Vec::new();
    if !plan.left.is_empty() {
        lines.push(format!(
            "Left in place ({}):",
            count(plan.left.len(), "thing")
        ));
        for left in &plan.left {
            lines.push(format!(
                "  • {} {}: {}",
                tag(app, left.side),
                left.what,
                screen_words(&left.reason)
            ));
        }
    }
    if !app.curated.manage.delete_files {
        let files: Vec<String> = procedure_files(app)
            .iter()
            .map(|(path, _)| path.display().to_string())
            .collect();
        if !files.is_empty() {
            lines.push(format!(
                "Files kept: {} (with d on the Manage screen, teardown deletes what ecr-share wrote for the user).",
                files.join(" and ")
            ));
        }
    }
    for path in &plan.absent_files {
        lines.push(format!(
            "Not there: {} (nothing to delete).",
            path.display()
        ));
    }
    lines
}

/// A teardown ended: what was removed, what was not, and how to go on.
fn torn_down(app: &mut App, run: RunId, executed: &Executed) {
    let Some(Job::Teardown { plan, .. }) = app.runs.get(&run).map(|r| r.job.clone()) else {
        return;
    };
    let removed: Vec<String> = executed
        .removed
        .iter()
        .map(|r| format!("{} {}", tag(app, r.side()), screen_words(&r.describe())))
        .collect();
    forget_removed_key(app, executed);
    let Some(stopped) = &executed.stopped else {
        let mut lines = vec![format!(
            "Teardown done: {} made, each listed below.",
            count(executed.removed.len(), "removal")
        )];
        let foreign = plan.left.iter().filter(|l| !l.ours).count();
        if foreign > 0 {
            lines.push(format!(
                "Left in place: {} by these names that ecr-share did not create.",
                count(foreign, "thing")
            ));
        }
        let ours: Vec<&str> = plan
            .left
            .iter()
            .filter(|l| l.ours)
            .map(|l| l.what.as_str())
            .collect();
        if ours.is_empty() {
            conclude(app, Tone::Success, lines);
        } else {
            lines.push(format!(
                "Not everything of ecr-share's could go: {} stays, for the reasons the confirmation gave. Once that is resolved, teardown again.",
                ours.join(", ")
            ));
            conclude(app, Tone::Error, lines);
        }
        return;
    };
    let report = &stopped.report;
    let mut lines = vec![format!(
        "Teardown stopped at {} {}: {}",
        report.call,
        report.subject,
        report.outcome.detail()
    )];
    if removed.is_empty() {
        lines.push("Nothing was removed.".to_string());
    } else {
        lines.push(format!("Already removed: {}.", removed.join("; ")));
    }
    if !stopped.not_removed.is_empty() {
        let not: Vec<String> = stopped
            .not_removed
            .iter()
            .map(|r| format!("{} {}", tag(app, r.side()), screen_words(&r.describe())))
            .collect();
        lines.push(format!("Not removed: {}.", not.join("; ")));
    }
    lines.push(
        "Once the cause is fixed, teardown again: it reads what is left and resumes from there."
            .to_string(),
    );
    conclude(app, Tone::Error, lines);
}

/// A teardown that deleted the key of step 5 leaves steps 6 to 8 without one: they
/// would otherwise write and apply a key IAM no longer has.
fn forget_removed_key(app: &mut App, executed: &Executed) {
    let state = &mut app.curated;
    let held = state
        .form
        .access_key
        .as_ref()
        .map(|k| k.access_key_id.clone());
    let removed = executed.removed.iter().any(
        |removal| matches!(removal, Removal::AccessKey { id, .. } if Some(id) == held.as_ref()),
    );
    if removed {
        state.form.access_key = None;
        state.form.reveal_secret = false;
        state.key_saved_to = None;
        state.user_keys = None;
    }
}

/// The survey of a rotation arrived: why it cannot be done, or the confirmation.
fn surveyed_rotation(app: &mut App, run: RunId, survey: rotate::Survey) {
    let Some(Job::RotationSurvey { rotation }) = app.runs.get(&run).map(|r| r.job.clone()) else {
        return;
    };
    let keys = key_lines(&rotation, &survey);
    let plan = match survey.plan.clone() {
        Ok(plan) => plan,
        Err(reason) => {
            let reason = rotation_words(&reason);
            let mut lines = vec![format!(
                "Key rotation cannot start: {}. Nothing was changed.",
                reason.trim_end_matches('.')
            )];
            lines.extend(keys);
            conclude(app, Tone::Error, lines);
            return;
        }
    };
    let files = rotation.files();
    let mut lines = vec![
        format!(
            "Account  {} ({}), user {}",
            rotation.iam.account,
            rotation.iam.target.profile_label(),
            rotation.user
        ),
        format!("Files    {files}"),
    ];
    lines.extend(keys);
    for note in &survey.notes {
        lines.push(format!("Note     {}", rotation_words(note)));
    }
    lines.push(String::new());
    lines.push("In this order:".to_string());
    let keep_old = "step 7 names no kube context, so no cluster gets the new Secret from here (o on the Manage screen deletes it once every cluster has the new Secret)";
    let steps = rotate::steps(&rotation, &plan, keep_old);
    let deletes = plan.deletes(&rotation).map(str::to_string);
    for (number, step) in steps.iter().enumerate() {
        lines.push(format!("  {}. {step}", number + 1));
    }
    lines.push(String::new());
    lines.push("Once the new key is asked for, the rotation cannot be cancelled: Esc and q wait until it is in its files. If the new key fails its check, the old key stays, and this screen says how to finish or roll back.".to_string());
    let title = match (&plan.resume, &deletes) {
        (Some(_), _) => format!("Finish the key rotation of user {}", rotation.user),
        (None, Some(old)) => format!("Replace access key {old} of user {}", rotation.user),
        (None, None) => format!("Create a new access key for user {}", rotation.user),
    };
    let removes_access = deletes.is_some();
    let job = Job::RotateKey {
        rotation,
        plan: Box::new(plan),
    };
    open_confirm(app, &title, lines, removes_access, job);
}

/// The user's keys with their age and last use, marking the one the file holds.
fn key_lines(rotation: &Rotation, survey: &rotate::Survey) -> Vec<String> {
    let now = std::time::SystemTime::now();
    let held = match &survey.config {
        Held::Ours { key: Some(key), .. } => Some(key.access_key_id.as_str()),
        _ => None,
    };
    if survey.keys.is_empty() {
        return vec![format!("Keys     user {} has no access key", rotation.user)];
    }
    survey
        .keys
        .iter()
        .map(|key| {
            let mark = if Some(key.info.id.as_str()) == held {
                format!(" ← in {}", rotation.config.display())
            } else {
                String::new()
            };
            format!("Key      {}{mark}", key.describe(now))
        })
        .collect()
}

/// A rotation ended: the later steps use the key the config file holds now, and the
/// screen says what happened and how to go on.
fn rotated(app: &mut App, ending: Ending, key: Option<crate::core::secret::AccessKeyPair>) {
    let Some(rotation) = app
        .curated
        .manage
        .run
        .and_then(|run| app.runs.get(&run))
        .and_then(|run| match &run.job {
            Job::RotateKey { rotation, .. } => Some(rotation.clone()),
            _ => None,
        })
    else {
        return;
    };
    if let Some(key) = key {
        let state = &mut app.curated;
        state.form.access_key = Some(key);
        state.form.reveal_secret = false;
        state.key_saved_to = Some(rotation.config.clone());
        state.user_keys = None;
    }
    let files = rotation.files();
    let later = "Steps 6 to 8 use the new key from now on.";
    match ending {
        Ending::Done {
            new,
            deleted,
            notes,
        } => {
            let mut lines = vec![match deleted {
                Some(old) => format!(
                    "Key rotated: {new} is the user's key now, in {files}; the old key {old} is deleted."
                ),
                None => format!(
                    "Key rotated: {new} is the user's key now, in {files}; there was no old key to delete."
                ),
            }];
            lines.extend(notes.iter().map(|note| format!("Note: {note}.")));
            lines.push(later.to_string());
            conclude(app, Tone::Success, lines);
        }
        Ending::Paused { new, old, .. } => {
            let apply = match &rotation.manifest {
                Some(path) => format!(
                    "kubectl apply -f {} (or x on step 7)",
                    documents::shell_quote(&path.display().to_string())
                ),
                None => {
                    "x on step 7, or its manifest saved with s and applied with kubectl".to_string()
                }
            };
            conclude(
                app,
                Tone::Success,
                vec![
                    format!(
                        "The new key {new} works and is in {files}; the old key {old} is kept, so a cluster that still holds it keeps working."
                    ),
                    format!(
                        "To finish: apply the new Secret to every cluster that uses the key ({apply}), then turn on o here and rotate again: it checks {new} again, creates nothing, and deletes {old}."
                    ),
                    later.to_string(),
                ],
            );
        }
        Ending::NotStarted { reason, certain } => {
            let tail = if certain {
                "Nothing was changed in AWS; the files are as they were."
            } else {
                "Whether IAM made the change is not certain: the calls above say what was read back."
            };
            conclude(
                app,
                Tone::Error,
                vec![
                    format!("Key rotation stopped: {}.", reason.trim_end_matches('.')),
                    tail.to_string(),
                ],
            );
        }
        Ending::Stopped {
            reason,
            new,
            held_by,
            old,
            roll_back,
            ..
        } => {
            let held = held_by
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ");
            let mut lines = vec![
                format!("Key rotation stopped: {}.", reason.trim_end_matches('.')),
                format!("The new key {new} was created and is in {held}."),
            ];
            match &old {
                Some(old) => {
                    lines.push(format!(
                        "The old key {old} is kept, and the files that hold it are beside them as .previous copies."
                    ));
                    lines.push(format!(
                        "To finish: once the cause is fixed, rotate again: it finds the rotation under way, creates nothing, checks {new} again and deletes {old} only once {new} works."
                    ));
                }
                None => lines.push(format!(
                    "To finish: once the cause is fixed, check it with V on step 8 (or ecr-share curated verify --config {}).",
                    documents::shell_quote(&rotation.config.display().to_string())
                )),
            }
            lines.push(format!("To roll back instead: {}", roll_back.join(" ; ")));
            if !held.is_empty() {
                lines.push(later.to_string());
            }
            conclude(app, Tone::Error, lines);
        }
    }
}

fn open_confirm(app: &mut App, title: &str, lines: Vec<String>, removes_access: bool, job: Job) {
    app.status = None;
    let step = app.curated.step;
    app.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        flow: FLOW,
        step,
        job,
        title: title.to_string(),
        lines,
        problems: Vec::new(),
        removes_access,
        diff: String::new(),
        scroll: 0,
        scroll_room: std::cell::Cell::new(None),
    })));
}

/// `y` on a confirmation of the screen: the run starts, shown on the screen.
pub fn confirmed(app: &mut App, job: Job) -> Vec<Effect> {
    app.status = None;
    start(app, job)
}

/// A run of the screen ended; say what only its end can tell (a cancel, a read that
/// failed). What it found was said when it arrived.
pub fn finished(app: &mut App, run: RunId) {
    if app.curated.manage.run != Some(run) {
        return;
    }
    let Some(state) = app.runs.get(&run) else {
        return;
    };
    if state.spoke && !state.cancelled {
        return;
    }
    let job = state.job.clone();
    let reports = state.reports.clone();
    if state.cancelled {
        let lines = match &job {
            Job::Teardown { plan, .. } => {
                // The first report is the re-read; each one after it a removal.
                let made: Vec<String> = reports
                    .iter()
                    .skip(1)
                    .zip(&plan.removals)
                    .filter(|(report, _)| matches!(report.outcome, Outcome::Done(_)))
                    .map(|(_, removal)| {
                        format!(
                            "{} {}",
                            tag(app, removal.side()),
                            screen_words(&removal.describe())
                        )
                    })
                    .collect();
                vec![
                    format!(
                        "Teardown cancelled after {} of {} calls.",
                        reports.len(),
                        job.calls().len()
                    ),
                    if made.is_empty() {
                        "No removal had finished.".to_string()
                    } else {
                        format!("Removed: {}.", made.join("; "))
                    },
                    "The call in flight may or may not have been made: teardown again reads what is left and resumes from there.".to_string(),
                ]
            }
            _ => vec!["Cancelled: it only read, so nothing was changed.".to_string()],
        };
        conclude(app, Tone::Error, lines);
        return;
    }
    let failed = reports.iter().find(|r| r.outcome.is_failure());
    let what = match job {
        Job::TeardownSurvey { .. } => "Teardown could not read what is there",
        Job::RotationSurvey { .. } => "Key rotation could not read the user's keys",
        _ => "It stopped",
    };
    let detail = failed
        .map(|report| report.outcome.detail())
        .unwrap_or_else(|| "it ended without an answer".to_string());
    conclude(
        app,
        Tone::Error,
        vec![format!(
            "{what}: {}. Nothing was changed.",
            detail.trim_end_matches('.')
        )],
    );
}

/// Asks for the folder to write the export into, once the export can be generated.
fn ask_export_folder(app: &mut App) {
    if let Err(reason) = export_files(app) {
        refuse(app, "Export", reason);
        return;
    }
    app.status = None;
    app.overlay = Some(Overlay::Save(SavePrompt {
        input: Input::new("curated-packages-export".to_string()),
        // What the prompt writes is a folder of files; this names none of them.
        kind: DocumentKind::EcrReadPolicy,
        confirm_overwrite: false,
        create_folder: false,
        purpose: PathPurpose::Export,
    }));
}

/// A path as the scripts spell it: absolute, `~` read as the home folder, so the
/// scripts mean it from any folder.
fn absolute(text: &str) -> Result<PathBuf, String> {
    let path = files::expand_home(text.trim(), files::home_folder().as_deref())?;
    std::path::absolute(&path)
        .map_err(|error| format!("{} cannot be made absolute: {error}", path.display()))
}

/// The export's files, generated as `curated export` generates them: from the form,
/// the accounts the accounts screen resolved, the config file of step 6 and the
/// manifest saved on step 7 (or `aws-secret.yaml` beside the config file).
pub fn export_files(app: &App) -> Result<Vec<ExportFile>, String> {
    let state = &app.curated;
    let mut form = state.form.clone();
    let config = config_path(app).ok_or_else(|| {
        "step 6 has no valid config file path; apply.sh writes the key there".to_string()
    })?;
    let config = absolute(&config.display().to_string())?;
    let manifest = match &state.manifest_saved_to {
        Some(path) => absolute(&path.display().to_string())?,
        None => config
            .parent()
            .unwrap_or(&config)
            .join(documents::default_file_name(DocumentKind::SecretManifest)),
    };
    let config_text = config
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", config.display()))?
        .to_string();
    let manifest_text = manifest
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", manifest.display()))?
        .to_string();
    form.set(FieldId::ConfigPath, config_text);
    let sides = steps::known_sides(app, FLOW);
    let registry_note = registry_note(app)?;
    generate::export(
        &form,
        &sides,
        ExportOptions {
            manifest_path: &manifest_text,
            registry_note: &registry_note,
        },
    )
}

/// Where the registry account came from, in the sentence step 1 would say.
fn registry_note(app: &App) -> Result<String, String> {
    let form = &app.curated.form;
    let region = valid(FieldId::Region, form.region())?;
    let account: AccountId = valid(
        FieldId::RegistryAccount,
        form.account(FieldId::RegistryAccount),
    )?;
    if let Some((found, note)) = &app.curated.registry_note
        && *found == account.to_string()
    {
        return Ok(note.clone());
    }
    let registry = PackageRegistry::in_region(account.clone(), &region);
    Ok(if form.is_edited(FieldId::RegistryAccount) {
        format!("registry account {registry} (given by the operator)")
    } else if regions::curated_packages_registry(region.name()) == Some(account.as_str()) {
        format!(
            "registry account {registry} from the table of production registries for the region (step 1 was not run)"
        )
    } else {
        format!("registry account {registry}")
    })
}

/// Enter in the export's folder prompt: the files go to the runtime to be written.
pub fn export_typed(app: &mut App) -> Vec<Effect> {
    let Some(Overlay::Save(prompt)) = &app.overlay else {
        return Vec::new();
    };
    let typed = prompt.input.value().trim().to_string();
    let (replace, create_folder) = (prompt.confirm_overwrite, prompt.create_folder);
    if typed.is_empty() {
        app.say(Tone::Error, "Enter the folder to write the export into.");
        return Vec::new();
    }
    let folder = match absolute(&typed) {
        Ok(folder) => folder,
        Err(reason) => {
            app.say(Tone::Error, format!("Not written: {reason}"));
            return Vec::new();
        }
    };
    match export_files(app) {
        Ok(files) => vec![Effect::Export {
            folder,
            files,
            replace,
            create_folder,
        }],
        Err(reason) => {
            app.overlay = None;
            refuse(app, "Export", reason);
            Vec::new()
        }
    }
}

/// The export was written, or why not: a missing folder or one with files turns the
/// prompt into a question.
pub fn on_exported(app: &mut App, result: Result<(PathBuf, Vec<String>), ExportError>) {
    let prompt = match &mut app.overlay {
        Some(Overlay::Save(prompt)) if prompt.purpose == PathPurpose::Export => prompt,
        _ => return,
    };
    match result {
        Ok((folder, names)) => {
            app.overlay = None;
            let shown = documents::shell_quote(&folder.display().to_string());
            conclude(
                app,
                Tone::Success,
                vec![
                    format!(
                        "Wrote {} into {} (nothing was changed in AWS): {}.",
                        count(names.len(), "file"),
                        folder.display(),
                        names.join(", ")
                    ),
                    format!(
                        "Review the scripts and documents; bash {shown}/{} runs the procedure, bash {shown}/{} takes it back.",
                        generate::APPLY_SCRIPT,
                        generate::TEARDOWN_SCRIPT
                    ),
                ],
            );
        }
        Err(ExportError::MissingFolder(folder)) => {
            prompt.create_folder = true;
            app.say(
                Tone::Error,
                format!(
                    "folder {} does not exist: Enter creates it and writes the export, Esc cancels.",
                    folder.display()
                ),
            );
        }
        Err(ExportError::HoldsFiles(folder)) => {
            prompt.confirm_overwrite = true;
            app.say(
                Tone::Error,
                format!(
                    "{} already holds files: Enter replaces the export's files in it (the others are left alone), Esc keeps them.",
                    folder.display()
                ),
            );
        }
        Err(ExportError::Io(reason)) => {
            app.say(
                Tone::Error,
                format!("Not written: {reason}. Nothing was written."),
            );
        }
    }
}

/// Which accounts a run of the screen works in, for the run log.
pub fn run_place(app: &App, job: &Job) -> Option<String> {
    match job {
        Job::TeardownSurvey { .. } | Job::Teardown { .. } => Some(format!(
            "{} and {}",
            tag(app, Some(Side::Source)),
            tag(app, Some(Side::Destination))
        )),
        _ => None,
    }
}

/// What the run log calls a run of the screen.
pub fn run_title(job: &Job) -> Option<&'static str> {
    Some(match job {
        Job::TeardownSurvey { .. } => "Manage · teardown: reading what is there",
        Job::Teardown { .. } => "Manage · teardown",
        Job::RotationSurvey { .. } => "Manage · key rotation: reading the user's keys",
        Job::RotateKey { .. } => "Manage · key rotation",
        _ => return None,
    })
}

/// What an action acts on, for the screen: names, accounts, profiles and files.
pub fn details(app: &App, action: ManageAction) -> Vec<String> {
    let state = &app.curated;
    let form = &state.form;
    let text = |field: FieldId| form.text(field).trim().to_string();
    let manage = &state.manage;
    let on_off = |on: bool| if on { "on" } else { "off" };
    let config = config_path(app)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<no valid config file path on step 6>".to_string());
    let manifest = state
        .manifest_saved_to
        .as_ref()
        .map(|p| format!("the manifest {}", p.display()));
    match action {
        ManageAction::Teardown => {
            let files = procedure_files(app)
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let mut lines = vec![
                format!(
                    "{} role {}, policy {}",
                    tag(app, Some(Side::Source)),
                    text(FieldId::RoleName),
                    text(FieldId::ReadPolicyName)
                ),
                format!(
                    "{} user {} with its keys, policy {}",
                    tag(app, Some(Side::Destination)),
                    text(FieldId::UserName),
                    text(FieldId::AssumePolicyName)
                ),
                format!(
                    "f detach foreign policies: {} · d delete the files too ({}): {}",
                    on_off(manage.detach_foreign),
                    if files.is_empty() {
                        "none known"
                    } else {
                        &files
                    },
                    on_off(manage.delete_files)
                ),
            ];
            if let Err(reason) = teardown_job(app) {
                lines.push(format!("✗ {reason}"));
            }
            lines
        }
        ManageAction::RotateKey => {
            let context = text(FieldId::KubeContext);
            let mut lines = vec![
                format!(
                    "{} user {}: its key in {config}{}",
                    tag(app, Some(Side::Destination)),
                    text(FieldId::UserName),
                    manifest
                        .as_ref()
                        .map(|m| format!(" and {m}"))
                        .unwrap_or_else(|| " (no manifest saved on step 7)".to_string())
                ),
                if context.is_empty() {
                    format!(
                        "o delete the old key once the new one works (no kube context on step 7): {}",
                        on_off(manage.delete_old_key)
                    )
                } else {
                    format!(
                        "The new Secret goes to kube context {context} (step 7), then the old key is deleted."
                    )
                },
            ];
            if let Err(reason) = rotation(app) {
                lines.push(format!("✗ {reason}"));
            }
            lines
        }
        ManageAction::Verify => vec![format!(
            "On step 8: asks for the file (from {config}) and checks its key, its role and the registry; the file is read, never shown."
        )],
        ManageAction::Export => {
            let mut lines = vec![format!(
                "{} and {}, region {}; the key goes to {config}",
                tag(app, Some(Side::Source)),
                tag(app, Some(Side::Destination)),
                text(FieldId::Region)
            )];
            if let Err(reason) = export_files(app) {
                lines.push(format!("✗ {reason}"));
            }
            lines
        }
    }
}
