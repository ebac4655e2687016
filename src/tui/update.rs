//! `update`: applies one message to the model and returns the work it asks for.
//! It is plain and synchronous. A key becomes an [`Action`] through the bindings in
//! [`keys`](super::keys); side effects (runs, clipboard, files) are returned as
//! [`Effect`]s for the runtime to perform, and their results come back as messages.

use std::path::PathBuf;

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::aws::Outcome;
use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{
    FLOWS, FieldId, FieldKind, FlowId, FlowSpec, MergedGrant, Side, field_spec,
};
use crate::core::validate::AccountId;
use crate::files;

use super::accounts;
use super::jobs::{Job, Output, RunId};
use super::keys::{Action, Mode};
use super::message::{Effect, Msg, SaveError};
use super::model::{
    App, Confirm, IdentityState, Overlay, PathPurpose, Picker, SavePrompt, Screen, Tone,
};
use super::{manage, runlog, steps, switch};

/// Applies one message to the model and returns the work it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let repository = switch::current_repository(app);
    let effects = apply(app, msg);
    switch::after_repository_change(app, &repository);
    effects
}

fn apply(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => {
            super::paste::on_paste(app, &text);
            Vec::new()
        }
        Msg::ProfileRegion(region) => {
            for flow in FLOWS {
                let form = &mut app.flow_mut(flow).form;
                if form.profile_region.is_none() {
                    form.profile_region = region.clone();
                }
            }
            Vec::new()
        }
        Msg::Resize => Vec::new(),
        Msg::Tick => {
            app.ticks = app.ticks.wrapping_add(1);
            Vec::new()
        }
        Msg::Copied { what, result } => {
            match result {
                Ok(method) => app.say(
                    Tone::Success,
                    format!("Copied {what} {}", method.describe()),
                ),
                Err(reason) => app.say(Tone::Error, format!("Could not copy {what}: {reason}")),
            }
            Vec::new()
        }
        Msg::Saved(result) => {
            on_saved(app, result);
            Vec::new()
        }
        Msg::Call { run, report } => {
            if let Some(state) = app.runs.get_mut(&run)
                && !state.cancelled
            {
                state.reports.push(report);
            }
            Vec::new()
        }
        Msg::Output { run, output } => on_output(app, run, output),
        Msg::Finished { run, cancelled } => {
            super::access::on_finished(app, run, cancelled);
            on_finished(app, run, cancelled);
            Vec::new()
        }
        Msg::Exported(result) => {
            manage::on_exported(app, result);
            Vec::new()
        }
    }
}

fn on_finished(app: &mut App, run: RunId, cancelled: bool) {
    let Some(state) = app.runs.get_mut(&run) else {
        return;
    };
    state.running = false;
    state.cancelled |= cancelled;
    if manage::owns(&state.job) {
        manage::finished(app, run);
        return;
    }
    let Some(step) = state.step else {
        return;
    };
    let title = FlowSpec::get(state.flow).steps[step].title;
    let failed = state.reports.iter().find(|r| r.outcome.is_failure());
    let differs = state
        .reports
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Differs(_)));
    let (tone, text) = if state.cancelled {
        (
            Tone::Error,
            format!(
                "Cancelled “{title}” after {} of {} calls; the list shows what was done.",
                state.reports.len(),
                state.calls.len()
            ),
        )
    } else if let Some(report) = failed {
        (
            Tone::Error,
            format!("“{title}” stopped: {}", report.outcome.detail()),
        )
    } else if differs {
        let offer = if state.flow == FlowId::CuratedPackages && (1..=3).contains(&step) {
            " U makes the wanted document current."
        } else {
            ""
        };
        // Say "nothing was changed" only when no call of this run changed anything.
        let changed = state
            .reports
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Done(_)));
        let said = if changed {
            "something differs after a change: the list shows what was done"
        } else {
            "something exists and differs; nothing was changed"
        };
        (Tone::Error, format!("“{title}”: {said}.{offer}"))
    } else {
        (Tone::Success, format!("“{title}” done."))
    };
    let restored = matches!(state.job, Job::Restore { .. });
    // A run whose output told the operator what happened (a registry found or
    // fallen back to, a key created) needs no summary on top; nor does a read.
    if state.spoke || (tone == Tone::Success && !state.job.writes()) {
        return;
    }
    let flow = state.flow;
    if restored && tone == Tone::Success {
        let flow_state = app.flow_mut(flow);
        flow_state.previous_policy = None;
        flow_state.form.merged = None;
        app.say(
            Tone::Success,
            "The previous policy is back (read back to confirm).",
        );
        return;
    }
    app.say(tone, text);
}

fn on_output(app: &mut App, run: RunId, output: Output) -> Vec<Effect> {
    let Some(state) = app.runs.get(&run) else {
        return Vec::new();
    };
    if state.cancelled {
        return Vec::new();
    }
    let flow = state.flow;
    let step = state.step;
    if let Output::AccessProgress { .. } | Output::Access(_) = output {
        super::access::on_output(app, run, output);
        return Vec::new();
    }
    if let Output::Differing { document } = output {
        // Kept for `U`, whose confirmation says what the replaced document loses.
        if let Some(state) = app.runs.get_mut(&run) {
            state.differing = Some(document);
        }
        return Vec::new();
    }
    if let Some(state) = app.runs.get_mut(&run) {
        state.spoke = true;
    }
    match output {
        Output::Identity {
            side,
            profile,
            result,
            region,
            ..
        } => {
            let target = match app.flow(flow).identities.get(&side) {
                Some(IdentityState::Resolving(target)) if target.profile == profile => {
                    target.clone()
                }
                // An answer for a profile no longer asked about.
                _ => return Vec::new(),
            };
            let state = app.flow_mut(flow);
            match result {
                Ok(identity) => {
                    if let Ok(account) = AccountId::parse(&identity.account) {
                        state.form.resolved.insert(side, account);
                    }
                    // The main profile's own region is the default region.
                    if matches!(side, Side::Source | Side::RepositoryOwner) && region.is_some() {
                        state.form.profile_region = region;
                    }
                    state
                        .identities
                        .insert(side, IdentityState::Known(target, identity));
                }
                Err(error) => {
                    state.form.resolved.remove(&side);
                    state
                        .identities
                        .insert(side, IdentityState::Failed(target, error));
                }
            }
        }
        Output::Profiles(result) => {
            app.profiles = Some(result);
            accounts::profiles_arrived(app);
        }
        Output::KubeContexts(result) => accounts::contexts_arrived(app, flow, result),
        Output::Registry(lookup) => {
            let explanation = lookup.explain();
            let state = app.flow_mut(flow);
            let Some(registry) = &lookup.registry else {
                app.say(Tone::Error, format!("Step 1 found {explanation}."));
                return Vec::new();
            };
            let account = registry.account.to_string();
            let typed = state.form.is_edited(FieldId::RegistryAccount)
                && state.form.text(FieldId::RegistryAccount) != account
                && state.registry_note.is_none();
            if typed {
                app.say(
                    Tone::Info,
                    format!("Found {explanation}; the registry account you typed is kept."),
                );
                return Vec::new();
            }
            state.form.set(FieldId::RegistryAccount, account.clone());
            state.registry_note = Some((account, explanation.clone()));
            app.say(Tone::Success, format!("Step 2 uses {explanation}."));
        }
        Output::AccessKey {
            key,
            saved_to,
            created,
        } => {
            let state = app.flow_mut(flow);
            let id = key.access_key_id.clone();
            state.form.access_key = Some(key);
            state.form.reveal_secret = false;
            state.key_saved_to = Some(saved_to.clone());
            let text = if created {
                format!(
                    "New access key {id} created, straight into {} (mode 0600). r reveals the secret, Y copies it.",
                    saved_to.display()
                )
            } else {
                format!(
                    "Key {id} reused from {}: no new key was created.",
                    saved_to.display()
                )
            };
            app.say(Tone::Success, text);
        }
        Output::Keys { keys, .. } => {
            app.flow_mut(flow).user_keys = Some(keys);
            let step = step.unwrap_or(app.flow(flow).step);
            match steps::job_for_step(app, flow, step) {
                Ok(job) => open_confirm(app, flow, step, job),
                Err(reason) => app.say(Tone::Error, reason),
            }
        }
        Output::Repositories(names) => {
            if names.is_empty() {
                app.say(
                    Tone::Info,
                    "No repositories in this account and region: type the name instead.",
                );
            } else {
                let current = app.flow(flow).form.text(FieldId::Repository);
                let selected = names.iter().position(|n| *n == current).unwrap_or(0);
                app.overlay = Some(Overlay::Pick(Picker { names, selected }));
            }
        }
        Output::Plan(plan) if plan.repository.as_str() != switch::current_repository(app) => {
            app.say(
                Tone::Info,
                format!(
                    "The policy of {} was read, but the repository changed since: x works it out again.",
                    plan.repository
                ),
            );
        }
        Output::Plan(plan) => {
            let state = app.flow_mut(flow);
            let inputs = state.form.grant_inputs();
            let changes = plan.change.changes;
            state.form.merged = Some(MergedGrant {
                inputs,
                change: plan.change.clone(),
            });
            state.document = 0;
            state.scroll = 0;
            if !changes {
                let revoking = app
                    .runs
                    .get(&run)
                    .is_some_and(|r| matches!(r.job, Job::PlanRevoke { .. }));
                app.say(
                    Tone::Success,
                    if revoking {
                        "Nothing to revoke: no statement of ecr-share's grants these accounts; nothing was changed."
                    } else {
                        "Nothing to change: the current policy already grants this."
                    },
                );
                return Vec::new();
            }
            let step = step.unwrap_or(state.step);
            let job = Job::Apply {
                target: steps::target(app, flow, Side::RepositoryOwner),
                plan,
            };
            open_confirm(app, flow, step, job);
        }
        Output::Differing { .. } | Output::AccessProgress { .. } | Output::Access(_) => {}
        output @ (Output::TeardownPlan(_)
        | Output::TornDown(_)
        | Output::RotationSurvey(_)
        | Output::Rotated { .. }) => manage::on_output(app, run, output),
        Output::Applied {
            repository,
            previous,
            current,
        } => {
            let state = app.flow_mut(flow);
            state.previous_policy = Some((repository, previous, current));
            app.say(
                Tone::Success,
                "Applied and read back. u puts the previous policy back.",
            );
        }
    }
    Vec::new()
}

/// Opens the confirmation for a job that changes something.
fn open_confirm(app: &mut App, flow: FlowId, step: usize, mut job: Job) {
    let access = steps::access_summary(app, flow, step, &job);
    let (title, lines, problems) = steps::describe(app, flow, step, &mut job);
    app.status = None;
    app.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        flow,
        step,
        job,
        title,
        lines,
        problems,
        removes_access: access.removes_access,
        diff: access.diff,
        scroll: 0,
        scroll_room: std::cell::Cell::new(None),
    })));
}

/// Starts looking up the account behind each profile of a flow whose profile or
/// region changed since it was last looked up.
pub fn refresh_identities(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let mut effects = Vec::new();
    for &side in steps::sides(flow) {
        let target = steps::target(app, flow, side);
        let current = app
            .flow(flow)
            .identities
            .get(&side)
            .map(IdentityState::target);
        if current == Some(&target) {
            continue;
        }
        app.flow_mut(flow)
            .identities
            .insert(side, IdentityState::Resolving(target.clone()));
        app.flow_mut(flow).form.resolved.remove(&side);
        effects.push(app.start(flow, None, Job::Identity { flow, side, target }));
    }
    effects
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let mode = Mode::of(app);
    let Some(action) = mode.action(&key) else {
        return Vec::new();
    };
    if action == Action::Quit {
        return quit(app);
    }
    let mut effects = match (mode, app.screen) {
        (Mode::Help, _) => {
            app.overlay = None;
            Vec::new()
        }
        (Mode::Save | Mode::VerifyPath | Mode::ExportPath, _) => on_save_prompt(app, action, key),
        (Mode::Confirm | Mode::ConfirmRemoval, _) => on_confirm(app, action),
        (Mode::Pick, _) => on_pick(app, action),
        (Mode::Choose, _) => accounts::on_choose(app, action, key),
        (Mode::Accounts, Screen::Flow(flow)) => accounts::on_accounts(app, flow, action),
        (Mode::Manage, Screen::Flow(_)) => manage::on_manage(app, action),
        (Mode::Log, _) => runlog::on_log(app, action),
        (Mode::Access | Mode::AccessFilter, _) => super::access::on_key(app, action, key),
        (Mode::Menu, _) | (_, Screen::Menu) => on_menu(app, action),
        (Mode::Editing, Screen::Flow(flow)) => on_edit(app, flow, action, key),
        (Mode::Step, Screen::Flow(flow)) => on_step(app, flow, action),
    };
    // Profiles are looked up once the operator is done typing them.
    if matches!(
        mode,
        Mode::Menu | Mode::Step | Mode::Editing | Mode::Accounts | Mode::Choose
    ) && let Screen::Flow(flow) = app.screen
        && app.flow(flow).editing.is_none()
        && !effects.contains(&Effect::Quit)
    {
        effects.extend(refresh_identities(app, flow));
    }
    effects
}

fn on_confirm(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Overlay::Confirm(confirm)) = &app.overlay else {
        return Vec::new();
    };
    match action {
        Action::Confirm => {
            if !confirm.problems.is_empty() {
                app.say(
                    Tone::Error,
                    "This step cannot run as it stands: see the reasons in the box.",
                );
                return Vec::new();
            }
            let Some(Overlay::Confirm(confirm)) = app.overlay.take() else {
                return Vec::new();
            };
            if manage::owns(&confirm.job) {
                return manage::confirmed(app, confirm.job);
            }
            app.status = None;
            vec![app.start(confirm.flow, Some(confirm.step), confirm.job)]
        }
        Action::Decline => {
            app.overlay = None;
            app.say(Tone::Info, "Not run: nothing was changed.");
            Vec::new()
        }
        Action::ScrollDown | Action::ScrollUp => {
            scroll_confirm(app, action == Action::ScrollDown);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// Scrolls the changes shown with a confirmation a line, up to their last line.
fn scroll_confirm(app: &mut App, down: bool) {
    if let Some(Overlay::Confirm(confirm)) = &mut app.overlay {
        // Before the first frame, every line could wrap once or twice.
        let total = 3 * (confirm.lines.len() + confirm.diff.lines().count());
        let max = confirm
            .scroll_room
            .get()
            .unwrap_or(u16::try_from(total).unwrap_or(u16::MAX));
        confirm.scroll = if down {
            confirm.scroll.saturating_add(1).min(max)
        } else {
            confirm.scroll.saturating_sub(1)
        };
    }
}

fn on_pick(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Overlay::Pick(picker)) = &mut app.overlay else {
        return Vec::new();
    };
    match action {
        Action::PickUp => picker.selected = picker.selected.saturating_sub(1),
        Action::PickDown => {
            picker.selected = (picker.selected + 1).min(picker.names.len().saturating_sub(1));
        }
        Action::PickTake => {
            let name = picker.names.get(picker.selected).cloned();
            app.overlay = None;
            if let (Some(name), Screen::Flow(flow)) = (name, app.screen) {
                app.flow_mut(flow)
                    .form
                    .set(FieldId::Repository, name.clone());
                app.say(Tone::Success, format!("Repository {name} chosen."));
            }
        }
        Action::PickClose => app.overlay = None,
        _ => {}
    }
    Vec::new()
}

fn on_menu(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::OpenHelp => app.overlay = Some(Overlay::Help),
        Action::MenuUp => app.menu_selected = app.menu_selected.saturating_sub(1),
        Action::MenuDown => {
            app.menu_selected = (app.menu_selected + 1).min(FLOWS.len() - 1);
        }
        Action::MenuSelect(index) => app.menu_selected = index.min(FLOWS.len() - 1),
        Action::MenuStart => return accounts::open(app, FLOWS[app.menu_selected]),
        _ => {}
    }
    Vec::new()
}

fn on_step(app: &mut App, flow: FlowId, action: Action) -> Vec<Effect> {
    let state = app.flow_mut(flow);
    let steps = state.spec().steps.len();
    match action {
        Action::OpenHelp => app.overlay = Some(Overlay::Help),
        Action::Back => {
            let run = state.step_runs.get(&state.step).copied();
            if let Some(run) = run
                && let Some(running) = app.runs.get(&run).filter(|r| r.running)
            {
                if must_finish(&running.job) {
                    app.say(Tone::Info, UNSTOPPABLE);
                    return Vec::new();
                }
                return vec![Effect::Cancel { run }];
            }
            app.screen = Screen::Menu;
            app.status = None;
        }
        Action::Run => return execute_step(app, flow),
        Action::OpenAccounts => return accounts::open(app, flow),
        Action::WhoHasAccess => return super::access::open(app, flow),
        Action::OpenManage => manage::open(app, flow),
        Action::Revoke if flow == FlowId::RepositorySharing => return revoke_grant(app, flow),
        Action::Restore if flow == FlowId::RepositorySharing => {
            return restore_policy(app, flow);
        }
        Action::RevealSecret if state.form.access_key.is_some() => {
            state.form.reveal_secret = !state.form.reveal_secret;
            let shown = state.form.reveal_secret;
            app.say(
                Tone::Info,
                if shown {
                    "The secret access key is shown. r hides it again."
                } else {
                    "The secret access key is masked."
                },
            );
        }
        Action::CopySecret => return copy_secret(app, flow),
        Action::OpenLog => app.overlay = Some(Overlay::Log { scroll: 0 }),
        Action::ScrollLeft => state.hscroll = state.hscroll.saturating_sub(8),
        Action::ScrollRight => {
            let text = state.form.document(state.document_kind());
            let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            let last = u16::try_from(longest.saturating_sub(8)).unwrap_or(u16::MAX);
            state.hscroll = state.hscroll.saturating_add(8).min(last);
        }
        Action::ResultsUp => state.results_scroll = state.results_scroll.saturating_sub(1),
        Action::ResultsDown => {
            let max = app.results_max.get();
            let state = app.flow_mut(flow);
            state.results_scroll = state.results_scroll.saturating_add(1).min(max);
        }
        Action::UpdateExisting => return update_existing(app, flow),
        Action::VerifySaved => super::saved::ask_path(app, flow),
        Action::NextStep if state.step + 1 < steps => {
            state.go_to_step(state.step + 1);
            app.status = None;
        }
        Action::PreviousStep if state.step > 0 => {
            state.go_to_step(state.step - 1);
            app.status = None;
        }
        Action::GoToStep(step) if step < steps => {
            state.go_to_step(step);
            app.status = None;
        }
        Action::Edit => {
            if state.step_spec().fields.is_empty() {
                app.say(Tone::Info, "This step has nothing to fill in.");
            } else {
                let selected = state.selected;
                state.start_editing(selected);
            }
        }
        Action::EditLast => {
            let last = state.step_spec().fields.len().saturating_sub(1);
            state.start_editing(last);
        }
        Action::ScrollDown => scroll_document(app, flow, 1),
        Action::ScrollUp => scroll_document(app, flow, -1),
        Action::ScrollTop => app.flow_mut(flow).scroll = 0,
        Action::ScrollBottom => scroll_document(app, flow, i32::from(u16::MAX)),
        Action::NextDocument => {
            let count = state.step_spec().documents.len();
            if count > 1 {
                state.document = (state.document + 1) % count;
                state.scroll = 0;
            } else {
                app.say(Tone::Info, "This step shows one document.");
            }
        }
        Action::CopyDocument => return copy_shown_document(app, flow),
        Action::CopyValue => return copy_field(app, flow),
        Action::Save => {
            let kind = state.document_kind();
            let path = if kind == DocumentKind::AwsConfigFile
                && state.form.check(FieldId::ConfigPath).is_ok()
            {
                state.form.text(FieldId::ConfigPath).trim().to_string()
            } else {
                documents::default_file_name(kind).to_string()
            };
            app.overlay = Some(Overlay::Save(SavePrompt {
                input: Input::new(path),
                kind,
                confirm_overwrite: false,
                create_folder: false,
                purpose: PathPurpose::Save,
            }));
        }
        _ => {}
    }
    Vec::new()
}

fn state_step(app: &App, flow: FlowId) -> usize {
    app.flow(flow).step
}

/// `x`: runs the step's calls: reads at once, changes after a confirmation.
fn execute_step(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let step = state_step(app, flow);
    if app.step_run(flow, step).is_some_and(|run| run.running) {
        app.say(Tone::Info, "This step is still running: Esc cancels it.");
        return Vec::new();
    }
    match steps::job_for_step(app, flow, step) {
        Err(reason) => {
            app.say(Tone::Error, reason);
            Vec::new()
        }
        // Step 5 first reads which keys the user has, so its confirmation can say
        // whether a key is reused, created, or cannot be had.
        Ok(Job::AccessKey { iam, user, .. }) => {
            app.say(Tone::Info, "Reading the user's access keys…");
            vec![app.start(flow, Some(step), Job::ListKeys { iam, user })]
        }
        // Step 7 without a context first lists kubectl's, to choose the cluster from.
        Ok(Job::Kubectl { context: None, .. }) => {
            app.say(Tone::Info, "Reading kubectl's contexts…");
            vec![app.start(flow, None, Job::KubeContexts)]
        }
        Ok(job) if job.writes() => {
            open_confirm(app, flow, step, job);
            Vec::new()
        }
        Ok(job) => {
            app.say(Tone::Info, "Reading…");
            vec![app.start(flow, Some(step), job)]
        }
    }
}

/// `U`: after a step found a policy or role that differs, asks to make the wanted
/// document current.
fn update_existing(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let step = state_step(app, flow);
    let differs = app.step_run(flow, step).is_some_and(|run| {
        !run.running
            && run
                .reports
                .iter()
                .any(|r| matches!(r.outcome, Outcome::Differs(_)))
    });
    if !differs {
        app.say(
            Tone::Info,
            "U replaces a document only after this step found one that differs (run it with x first).",
        );
        return Vec::new();
    }
    match steps::update_job(app, flow, step) {
        Ok(job) => open_confirm(app, flow, step, job),
        Err(reason) => app.say(Tone::Error, reason),
    }
    Vec::new()
}

/// `d` on the repository flow: works out taking the grant out, then asks.
fn revoke_grant(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let step = state_step(app, flow);
    match steps::revoke_job(app, flow) {
        Ok(job) => {
            app.say(
                Tone::Info,
                "Reading the current policy to take the grant out…",
            );
            vec![app.start(flow, Some(step), job)]
        }
        Err(reason) => {
            app.say(Tone::Error, reason);
            Vec::new()
        }
    }
}

/// `u` on the repository flow: puts back the policy the last change replaced.
fn restore_policy(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let Some((repository, previous, current)) = app.flow(flow).previous_policy.clone() else {
        app.say(
            Tone::Info,
            "Nothing to put back: no change was applied in this session.",
        );
        return Vec::new();
    };
    if let Some(reason) = switch::restore_elsewhere(app, repository.as_str()) {
        app.say(Tone::Info, reason);
        return Vec::new();
    }
    let job = Job::Restore {
        target: steps::target(app, flow, Side::RepositoryOwner),
        repository,
        previous,
        current,
    };
    let step = state_step(app, flow);
    open_confirm(app, flow, step, job);
    Vec::new()
}

fn copy_secret(app: &mut App, flow: FlowId) -> Vec<Effect> {
    match &app.flow(flow).form.access_key {
        Some(pair) => vec![Effect::Copy {
            what: "the secret access key".into(),
            text: pair.secret_access_key.expose().to_string(),
        }],
        None => {
            app.say(
                Tone::Info,
                "No access key was created in this session (step 5).",
            );
            Vec::new()
        }
    }
}

fn on_edit(app: &mut App, flow: FlowId, action: Action, key: KeyEvent) -> Vec<Effect> {
    let state = app.flow_mut(flow);
    let fields = state.step_spec().fields;
    let field = fields[state.selected];
    let last = fields.len() - 1;
    match action {
        Action::StopEditing => state.editing = None,
        Action::NextField => {
            if state.selected < last {
                state.start_editing(state.selected + 1);
            } else {
                state.editing = None;
            }
        }
        Action::PreviousField => {
            if state.selected > 0 {
                state.start_editing(state.selected - 1);
            } else {
                state.editing = None;
            }
        }
        Action::NextStep | Action::PreviousStep => {
            state.editing = None;
            return on_step(app, flow, action);
        }
        Action::ResetField => {
            state.form.reset(field);
            let selected = state.selected;
            state.start_editing(selected);
            app.say(
                Tone::Info,
                format!("{} follows its default again.", field_spec(field).label),
            );
        }
        _ => match field_spec(field).kind {
            FieldKind::Choice(_) => match action {
                Action::NextChoice => state.form.cycle(field, true),
                Action::PreviousChoice => state.form.cycle(field, false),
                _ => {}
            },
            FieldKind::Text => {
                if let Some(input) = &mut state.editing
                    && input.handle_event(&Event::Key(key)).is_some()
                {
                    let text = input.value().to_string();
                    state.form.set(field, text);
                }
            }
        },
    }
    Vec::new()
}

fn scroll_document(app: &mut App, flow: FlowId, delta: i32) {
    let height = app.document_height.get();
    // Long lines are drawn wrapped: the last frame knows how many lines that made.
    let drawn = usize::from(app.document_lines.get());
    let state = app.flow_mut(flow);
    let lines = state.form.document(state.document_kind()).lines().count();
    let lines = lines.max(drawn);
    let max = lines.saturating_sub(usize::from(height.max(1)));
    let max = u16::try_from(max).unwrap_or(u16::MAX);
    let next = (i32::from(state.scroll) + delta).clamp(0, i32::from(max));
    state.scroll = u16::try_from(next).unwrap_or(0);
}

/// `c`: copies the document shown, except step 5's key while its secret is masked:
/// the operator has not chosen to show the secret, so it is not handed out whole.
fn copy_shown_document(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let state = app.flow(flow);
    if state.document_kind() == DocumentKind::AccessKey
        && state.form.access_key.is_some()
        && !state.form.reveal_secret
    {
        app.say(
            Tone::Info,
            "Nothing copied while the secret is masked: reveal with r first, or Y copies the secret alone.",
        );
        return Vec::new();
    }
    copy_document(app, flow)
}

fn copy_document(app: &App, flow: FlowId) -> Vec<Effect> {
    let state = app.flow(flow);
    let kind = state.document_kind();
    let text = state.form.export(kind);
    let what = if documents::has_placeholder(&text) {
        format!("the {} (it still has <placeholders>)", kind.title())
    } else {
        format!("the {}", kind.title())
    };
    vec![Effect::Copy { what, text }]
}

fn copy_field(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let state = app.flow(flow);
    if state.document_kind() == DocumentKind::AccessKey
        && let Some(pair) = &state.form.access_key
    {
        return vec![Effect::Copy {
            what: "the access key id".into(),
            text: pair.access_key_id.clone(),
        }];
    }
    let Some(field) = state.selected_field() else {
        app.say(
            Tone::Info,
            "This step has no value to copy; c copies the document.",
        );
        return Vec::new();
    };
    let label = field_spec(field).label;
    if let Err(reason) = state.form.check(field) {
        app.say(Tone::Error, format!("{label} is not valid yet: {reason}"));
        return Vec::new();
    }
    vec![Effect::Copy {
        what: label.to_string(),
        text: state.form.text(field),
    }]
}

fn on_save_prompt(app: &mut App, action: Action, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Save(prompt)) = &mut app.overlay else {
        return Vec::new();
    };
    match action {
        Action::CancelSave if prompt.purpose == PathPurpose::Verify => {
            app.overlay = None;
            app.say(Tone::Info, "Nothing checked.");
        }
        Action::CancelSave if prompt.purpose == PathPurpose::Export => {
            app.overlay = None;
            app.say(Tone::Info, "Nothing written.");
        }
        Action::ExportFiles => return manage::export_typed(app),
        Action::CancelSave => {
            app.overlay = None;
            app.say(Tone::Info, "Not saved.");
        }
        Action::VerifyFile => return super::saved::check_typed(app),
        Action::SaveFile => {
            let typed = prompt.input.value().trim().to_string();
            if typed.is_empty() {
                app.say(Tone::Error, "Enter a file name to save to.");
                return Vec::new();
            }
            let path = match files::expand_home(&typed, files::home_folder().as_deref()) {
                Ok(path) => path,
                Err(reason) => {
                    app.say(Tone::Error, format!("Not saved: {reason}"));
                    return Vec::new();
                }
            };
            let kind = prompt.kind;
            let overwrite = prompt.confirm_overwrite;
            let create_folder = prompt.create_folder;
            let Some(flow) = app.active() else {
                return Vec::new();
            };
            let contents = flow.form.export(kind);
            return vec![Effect::Save {
                path,
                contents,
                private: kind.may_hold_secret(),
                overwrite,
                create_folder,
            }];
        }
        _ => {
            if prompt.input.handle_event(&Event::Key(key)).is_some() {
                prompt.confirm_overwrite = false;
                prompt.create_folder = false;
            }
        }
    }
    Vec::new()
}

fn on_saved(app: &mut App, result: Result<PathBuf, SaveError>) {
    match result {
        Ok(path) => {
            let config_saved = matches!(&app.overlay, Some(Overlay::Save(prompt)) if prompt.kind == DocumentKind::AwsConfigFile);
            let manifest_saved = matches!(&app.overlay, Some(Overlay::Save(prompt)) if prompt.kind == DocumentKind::SecretManifest);
            if let (true, Screen::Flow(flow)) = (manifest_saved, app.screen) {
                app.flow_mut(flow).manifest_saved_to = Some(path.clone());
            }
            if let (true, Screen::Flow(flow)) = (config_saved, app.screen) {
                let state = app.flow_mut(flow);
                if state.form.access_key.is_some() {
                    state.key_saved_to = Some(path.clone());
                }
            }
            app.overlay = None;
            app.say(Tone::Success, format!("Saved to {}", path.display()));
        }
        Err(SaveError::Exists(path)) => {
            if let Some(Overlay::Save(prompt)) = &mut app.overlay {
                prompt.confirm_overwrite = true;
            }
            app.say(
                Tone::Error,
                format!(
                    "{} exists: Enter replaces it, Esc keeps it.",
                    path.display()
                ),
            );
        }
        Err(SaveError::MissingFolder(folder)) => {
            if let Some(Overlay::Save(prompt)) = &mut app.overlay {
                prompt.create_folder = true;
            }
            app.say(
                Tone::Error,
                format!(
                    "folder {} does not exist: Enter creates it, Esc cancels.",
                    folder.display()
                ),
            );
        }
        Err(SaveError::Io(reason)) => app.say(Tone::Error, format!("Not saved: {reason}")),
    }
}

/// Creating a key cannot be stopped half-way: once `iam:CreateAccessKey` is sent, the
/// only place its secret can go is the config file the job writes next. A rotation
/// creates a key too, and decides about the old one only once the new one works.
pub fn must_finish(job: &Job) -> bool {
    matches!(job, Job::AccessKey { .. } | Job::RotateKey { .. })
}

/// Why a run that must finish cannot be stopped now.
fn unstoppable(job: &Job) -> &'static str {
    match job {
        Job::RotateKey { .. } => manage::ROTATION_UNSTOPPABLE,
        _ => UNSTOPPABLE,
    }
}

const UNSTOPPABLE: &str = "Step 5 is creating the access key: it cannot be stopped before the key is in its config file. Wait a moment.";

/// Quits, unless a created key's secret is in no file, or a key is being created:
/// then the first press says so and only a second one quits.
fn quit(app: &mut App) -> Vec<Effect> {
    if let Some(run) = app.runs.values().find(|r| r.running && must_finish(&r.job)) {
        let text = unstoppable(&run.job);
        app.say(Tone::Error, text);
        return Vec::new();
    }
    let unsaved = FLOWS.into_iter().find_map(|flow| {
        let state = app.flow(flow);
        match (&state.form.access_key, &state.key_saved_to) {
            (Some(key), None) => Some(key.access_key_id.clone()),
            _ => None,
        }
    });
    match unsaved {
        Some(id) if !app.quit_armed => {
            app.quit_armed = true;
            app.say(
                Tone::Error,
                format!(
                    "The secret of access key {id} is in no file and IAM cannot show it again: s on step 6 saves the config file. Press q again to quit anyway."
                ),
            );
            Vec::new()
        }
        _ => vec![Effect::Quit],
    }
}
