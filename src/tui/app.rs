//! The wizard's state machine: the model, the messages that change it, and `update`,
//! which is plain and synchronous. Side effects (clipboard, files) are returned as
//! [`Effect`]s for the runtime to perform; their results come back as messages.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::aws::{CallError, CallReport, Identity, Outcome, Target};
use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{
    FLOWS, FieldId, FieldKind, FlowId, FlowSpec, Form, MergedGrant, Side, StepSpec, field_spec,
};
use crate::core::validate::{AccountId, RepositoryName};

use super::clipboard::CopyMethod;
use super::jobs::{Job, Output, RunId};
use super::steps;

/// Everything that can change the wizard's state.
#[derive(Debug)]
pub enum Msg {
    /// A key the operator pressed.
    Key(KeyEvent),
    /// The terminal changed size; the next frame lays out anew.
    Resize,
    /// Time passed: spinners move on.
    Tick,
    /// The clipboard answered a copy request.
    Copied {
        what: String,
        result: Result<CopyMethod, String>,
    },
    /// A file write finished.
    Saved(Result<PathBuf, SaveError>),
    /// One call of a running step finished.
    Call { run: RunId, report: CallReport },
    /// A running step found something later steps use.
    Output { run: RunId, output: Output },
    /// A run ended: every call reported, or it was cancelled.
    Finished { run: RunId, cancelled: bool },
}

/// Work for the runtime: the only ways `update` reaches outside the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a job in the background; it reports back as `Call`, `Output`, `Finished`.
    Start { run: RunId, job: Box<Job> },
    /// Stop a run still in flight.
    Cancel { run: RunId },
    /// Put text on the clipboard; `what` names it in the status line.
    Copy { what: String, text: String },
    /// Write a document to a file. A file that may hold a secret is created 0600.
    Save {
        path: PathBuf,
        contents: String,
        private: bool,
        overwrite: bool,
    },
    /// Leave the program, restoring the terminal.
    Quit,
}

/// Why a save did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// The file exists; the operator is asked before it is replaced.
    Exists(PathBuf),
    /// The operating system refused, with its reason.
    Io(String),
}

/// A line of feedback at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// A window drawn over the screen that takes the keys while open.
#[derive(Debug)]
pub enum Overlay {
    Help,
    Save(SavePrompt),
    /// A step that changes something waits for a yes.
    Confirm(Box<Confirm>),
    /// The repositories of the account and region, to pick one.
    Pick(Picker),
}

/// What a confirmation shows: where the step runs, the calls it makes, and anything
/// that stops it.
#[derive(Debug)]
pub struct Confirm {
    pub flow: FlowId,
    pub step: usize,
    pub job: Job,
    pub title: String,
    pub lines: Vec<String>,
    /// Reasons the step must not run as it stands; `y` does nothing while any is left.
    pub problems: Vec<String>,
}

#[derive(Debug)]
pub struct Picker {
    pub names: Vec<String>,
    pub selected: usize,
}

#[derive(Debug)]
pub struct SavePrompt {
    pub input: Input,
    pub kind: DocumentKind,
    /// Set once the operator was told the file exists: Enter then replaces it.
    pub confirm_overwrite: bool,
}

/// Which screen is in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The start screen, with one entry per flow.
    Menu,
    Flow(FlowId),
}

/// Where the operator is within one flow. Kept per flow, so going back to the menu
/// and into the flow again loses nothing.
#[derive(Debug)]
pub struct FlowState {
    pub form: Form,
    pub step: usize,
    /// The field the cursor is on, by index into the step's fields.
    pub selected: usize,
    /// The text input of the field being edited, when one is.
    pub editing: Option<Input>,
    /// Which of the step's documents is shown.
    pub document: usize,
    /// The document pane's first line.
    pub scroll: u16,
    /// The latest run of each step, shown on it: what it did or is doing.
    pub step_runs: HashMap<usize, RunId>,
    /// Which account each side's profile is.
    pub identities: HashMap<Side, IdentityState>,
    /// The registry account step 1 settled on, and where it came from.
    pub registry_note: Option<(String, String)>,
    /// The repository policy before the last change this session applied.
    /// With it, the policy that change wrote (`None` for either: no policy).
    pub previous_policy: Option<(RepositoryName, Option<String>, Option<String>)>,
}

/// What is known of the account behind a profile.
#[derive(Debug, Clone, PartialEq)]
pub enum IdentityState {
    Resolving(Target),
    Known(Target, Identity),
    Failed(Target, CallError),
}

impl IdentityState {
    pub fn target(&self) -> &Target {
        match self {
            IdentityState::Resolving(target)
            | IdentityState::Known(target, _)
            | IdentityState::Failed(target, _) => target,
        }
    }
}

/// One run of a job and what its calls came to so far.
#[derive(Debug, Clone)]
pub struct RunState {
    pub flow: FlowId,
    /// The step it belongs to; `None` for looking up a profile's account.
    pub step: Option<usize>,
    pub job: Job,
    /// The calls it will make, listed before they run.
    pub calls: Vec<String>,
    pub reports: Vec<CallReport>,
    pub running: bool,
    pub cancelled: bool,
    /// What it found already told the operator; the end adds nothing generic.
    pub spoke: bool,
}

impl FlowState {
    fn new(flow: FlowId) -> Self {
        FlowState {
            form: Form::new(flow),
            step: 0,
            selected: 0,
            editing: None,
            document: 0,
            scroll: 0,
            step_runs: HashMap::new(),
            identities: HashMap::new(),
            registry_note: None,
            previous_policy: None,
        }
    }

    pub fn spec(&self) -> &'static FlowSpec {
        FlowSpec::get(self.form.flow())
    }

    pub fn step_spec(&self) -> &'static StepSpec {
        &self.spec().steps[self.step]
    }

    pub fn document_kind(&self) -> DocumentKind {
        let documents = self.step_spec().documents;
        documents[self.document.min(documents.len() - 1)]
    }

    pub fn selected_field(&self) -> Option<FieldId> {
        self.step_spec().fields.get(self.selected).copied()
    }

    fn go_to_step(&mut self, step: usize) {
        self.editing = None;
        self.step = step.min(self.spec().steps.len() - 1);
        self.selected = 0;
        self.document = 0;
        self.scroll = 0;
    }

    fn start_editing(&mut self, index: usize) {
        let fields = self.step_spec().fields;
        if fields.is_empty() {
            return;
        }
        self.selected = index.min(fields.len() - 1);
        let text = self.form.text(fields[self.selected]);
        self.editing = Some(Input::new(text));
    }
}

pub struct App {
    pub screen: Screen,
    /// The flow highlighted on the start screen.
    pub menu_selected: usize,
    pub curated: FlowState,
    pub repository: FlowState,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Frames drawn since start, for spinners.
    pub ticks: u64,
    /// The height of the document pane in the last frame, so scrolling stops at the end.
    pub document_height: Cell<u16>,
    /// Every run started, by id.
    pub runs: HashMap<RunId, RunState>,
    next_run: RunId,
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    pub fn new() -> Self {
        App {
            screen: Screen::Menu,
            menu_selected: 0,
            curated: FlowState::new(FlowId::CuratedPackages),
            repository: FlowState::new(FlowId::RepositorySharing),
            overlay: None,
            status: None,
            ticks: 0,
            document_height: Cell::new(0),
            runs: HashMap::new(),
            next_run: 1,
        }
    }

    /// The wizard with the command line's `--profile` and `--region` filled in.
    pub fn with_options(profile: Option<String>, region: Option<String>) -> Self {
        let mut app = App::new();
        for flow in FLOWS {
            let form = &mut app.flow_mut(flow).form;
            if let Some(region) = &region {
                form.set(FieldId::Region, region.clone());
            }
            if let Some(profile) = &profile {
                let field = match flow {
                    FlowId::CuratedPackages => FieldId::SourceProfile,
                    FlowId::RepositorySharing => FieldId::Profile,
                };
                form.set(field, profile.clone());
            }
        }
        app
    }

    /// The run shown on a step, if it ran.
    pub fn step_run(&self, flow: FlowId, step: usize) -> Option<&RunState> {
        self.flow(flow)
            .step_runs
            .get(&step)
            .and_then(|run| self.runs.get(run))
    }

    /// Whether anything is in flight, so spinners need frames.
    pub fn is_busy(&self) -> bool {
        self.runs.values().any(|run| run.running)
    }

    /// Registers a run and returns the effect that starts it.
    fn start(&mut self, flow: FlowId, step: Option<usize>, job: Job) -> Effect {
        let run = self.next_run;
        self.next_run += 1;
        if let Some(step) = step {
            self.flow_mut(flow).step_runs.insert(step, run);
        }
        self.runs.insert(
            run,
            RunState {
                flow,
                step,
                calls: job.calls(),
                job: job.clone(),
                reports: Vec::new(),
                running: true,
                cancelled: false,
                spoke: false,
            },
        );
        Effect::Start {
            run,
            job: Box::new(job),
        }
    }

    pub fn flow(&self, flow: FlowId) -> &FlowState {
        match flow {
            FlowId::CuratedPackages => &self.curated,
            FlowId::RepositorySharing => &self.repository,
        }
    }

    pub fn flow_mut(&mut self, flow: FlowId) -> &mut FlowState {
        match flow {
            FlowId::CuratedPackages => &mut self.curated,
            FlowId::RepositorySharing => &mut self.repository,
        }
    }

    /// The flow in front, if a flow is in front.
    pub fn active(&self) -> Option<&FlowState> {
        match self.screen {
            Screen::Flow(flow) => Some(self.flow(flow)),
            Screen::Menu => None,
        }
    }

    /// Whether keys go into a text field (so `q` is a letter, not quit).
    pub fn is_typing(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Save(_)))
            || self.active().is_some_and(|flow| flow.editing.is_some())
    }

    fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            tone,
        });
    }
}

/// Applies one message to the model and returns the work it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(app, key),
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
            on_finished(app, run, cancelled);
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
        (
            Tone::Error,
            format!("“{title}”: something exists and differs; nothing was changed.{offer}"),
        )
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
    if let Some(state) = app.runs.get_mut(&run) {
        state.spoke = true;
    }
    match output {
        Output::Identity {
            side,
            profile,
            result,
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
        Output::AccessKey(key) => {
            let state = app.flow_mut(flow);
            state.form.access_key = Some(key);
            state.form.reveal_secret = false;
            app.say(
                Tone::Success,
                "New access key created. Its secret is shown only now: r reveals it, Y copies it; step 6 puts it in the config file.",
            );
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
                app.say(
                    Tone::Success,
                    "Nothing to change: the current policy already says this.",
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
        Output::Applied {
            repository,
            previous,
            applied,
        } => {
            let state = app.flow_mut(flow);
            state.previous_policy = Some((repository, previous, applied));
            app.say(
                Tone::Success,
                "Applied and read back. u puts the previous policy back.",
            );
        }
    }
    Vec::new()
}

/// Opens the confirmation for a job that changes something.
fn open_confirm(app: &mut App, flow: FlowId, step: usize, job: Job) {
    let (title, lines, problems) = steps::describe(app, flow, step, &job);
    app.status = None;
    app.overlay = Some(Overlay::Confirm(Box::new(Confirm {
        flow,
        step,
        job,
        title,
        lines,
        problems,
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
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return vec![Effect::Quit];
    }
    match &mut app.overlay {
        Some(Overlay::Help) => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter
            ) {
                app.overlay = None;
            }
            return Vec::new();
        }
        Some(Overlay::Save(_)) => return on_save_prompt_key(app, key),
        Some(Overlay::Confirm(_)) => return on_confirm_key(app, key),
        Some(Overlay::Pick(_)) => return on_pick_key(app, key),
        None => {}
    }
    let mut effects = match app.screen {
        Screen::Menu => on_menu_key(app, key),
        Screen::Flow(flow) => {
            if app.flow(flow).editing.is_some() {
                on_edit_key(app, flow, key)
            } else {
                on_flow_key(app, flow, key)
            }
        }
    };
    // Profiles are looked up once the operator is done typing them.
    if let Screen::Flow(flow) = app.screen
        && app.flow(flow).editing.is_none()
        && !effects.contains(&Effect::Quit)
    {
        effects.extend(refresh_identities(app, flow));
    }
    effects
}

fn on_confirm_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Confirm(confirm)) = &app.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Char('y') | KeyCode::Enter => {
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
            app.status = None;
            vec![app.start(confirm.flow, Some(confirm.step), confirm.job)]
        }
        KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
            app.overlay = None;
            app.say(Tone::Info, "Not run: nothing was changed.");
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn on_pick_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Pick(picker)) = &mut app.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => picker.selected = picker.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            picker.selected = (picker.selected + 1).min(picker.names.len().saturating_sub(1));
        }
        KeyCode::Enter => {
            let name = picker.names.get(picker.selected).cloned();
            app.overlay = None;
            if let (Some(name), Screen::Flow(flow)) = (name, app.screen) {
                app.flow_mut(flow)
                    .form
                    .set(FieldId::Repository, name.clone());
                app.say(Tone::Success, format!("Repository {name} chosen."));
            }
        }
        KeyCode::Esc | KeyCode::Char('q') => app.overlay = None,
        _ => {}
    }
    Vec::new()
}

fn on_menu_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('q') => return vec![Effect::Quit],
        KeyCode::Char('?') => app.overlay = Some(Overlay::Help),
        KeyCode::Up | KeyCode::Char('k') => app.menu_selected = app.menu_selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            app.menu_selected = (app.menu_selected + 1).min(FLOWS.len() - 1);
        }
        KeyCode::Char('1') => app.menu_selected = 0,
        KeyCode::Char('2') => app.menu_selected = 1,
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => {
            app.screen = Screen::Flow(FLOWS[app.menu_selected]);
            app.status = None;
        }
        _ => {}
    }
    Vec::new()
}

fn on_flow_key(app: &mut App, flow: FlowId, key: KeyEvent) -> Vec<Effect> {
    let state = app.flow_mut(flow);
    let steps = state.spec().steps.len();
    match key.code {
        KeyCode::Char('q') => return vec![Effect::Quit],
        KeyCode::Char('?') => app.overlay = Some(Overlay::Help),
        KeyCode::Esc => {
            let run = state.step_runs.get(&state.step).copied();
            if let Some(run) = run
                && app.runs.get(&run).is_some_and(|r| r.running)
            {
                return vec![Effect::Cancel { run }];
            }
            app.screen = Screen::Menu;
            app.status = None;
        }
        KeyCode::Char('x') => return execute_step(app, flow),
        KeyCode::Char('d') if flow == FlowId::RepositorySharing => return revoke_grant(app, flow),
        KeyCode::Char('u') if flow == FlowId::RepositorySharing => {
            return restore_policy(app, flow);
        }
        KeyCode::Char('r') if state.form.access_key.is_some() => {
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
        KeyCode::Char('Y') => return copy_secret(app, flow),
        KeyCode::Char('U') => return update_existing(app, flow),
        KeyCode::Right | KeyCode::Char('n') | KeyCode::Char('l') | KeyCode::PageDown
            if state.step + 1 < steps =>
        {
            state.go_to_step(state.step + 1);
            app.status = None;
        }
        KeyCode::Left | KeyCode::Char('p') | KeyCode::Char('h') | KeyCode::PageUp
            if state.step > 0 =>
        {
            state.go_to_step(state.step - 1);
            app.status = None;
        }
        KeyCode::Char(digit @ '1'..='9') => {
            let step = digit as usize - '1' as usize;
            if step < steps {
                state.go_to_step(step);
                app.status = None;
            }
        }
        KeyCode::Tab | KeyCode::Enter | KeyCode::Char('e') | KeyCode::Char('i') => {
            if state.step_spec().fields.is_empty() {
                app.say(Tone::Info, "This step has nothing to fill in.");
            } else {
                let selected = state.selected;
                state.start_editing(selected);
            }
        }
        KeyCode::BackTab => {
            let last = state.step_spec().fields.len().saturating_sub(1);
            state.start_editing(last);
        }
        KeyCode::Down | KeyCode::Char('j') => scroll_document(app, flow, 1),
        KeyCode::Up | KeyCode::Char('k') => scroll_document(app, flow, -1),
        KeyCode::Char('g') | KeyCode::Home => app.flow_mut(flow).scroll = 0,
        KeyCode::Char('G') | KeyCode::End => scroll_document(app, flow, i32::from(u16::MAX)),
        KeyCode::Char('v') => {
            let count = state.step_spec().documents.len();
            if count > 1 {
                state.document = (state.document + 1) % count;
                state.scroll = 0;
            } else {
                app.say(Tone::Info, "This step shows one document.");
            }
        }
        KeyCode::Char('c') => return copy_document(app, flow),
        KeyCode::Char('y') => return copy_field(app, flow),
        KeyCode::Char('s') => {
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

fn on_edit_key(app: &mut App, flow: FlowId, key: KeyEvent) -> Vec<Effect> {
    let state = app.flow_mut(flow);
    let fields = state.step_spec().fields;
    let field = fields[state.selected];
    let last = fields.len() - 1;
    match key.code {
        KeyCode::Esc => state.editing = None,
        KeyCode::Tab | KeyCode::Down => {
            if state.selected < last {
                state.start_editing(state.selected + 1);
            } else {
                state.editing = None;
            }
        }
        KeyCode::Enter => {
            if state.selected < last {
                state.start_editing(state.selected + 1);
            } else {
                state.editing = None;
            }
        }
        KeyCode::BackTab | KeyCode::Up => {
            if state.selected > 0 {
                state.start_editing(state.selected - 1);
            } else {
                state.editing = None;
            }
        }
        KeyCode::PageDown | KeyCode::PageUp => {
            state.editing = None;
            return on_flow_key(app, flow, key);
        }
        KeyCode::Char('r') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.form.reset(field);
            let selected = state.selected;
            state.start_editing(selected);
            app.say(
                Tone::Info,
                format!("{} follows its default again.", field_spec(field).label),
            );
        }
        _ => match field_spec(field).kind {
            FieldKind::Choice(_) => match key.code {
                KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') => {
                    state.form.cycle(field, true)
                }
                KeyCode::Left | KeyCode::Char('h') => state.form.cycle(field, false),
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
    let state = app.flow_mut(flow);
    let lines = state.form.document(state.document_kind()).lines().count();
    let max = lines.saturating_sub(usize::from(height.max(1)));
    let max = u16::try_from(max).unwrap_or(u16::MAX);
    let next = (i32::from(state.scroll) + delta).clamp(0, i32::from(max));
    state.scroll = u16::try_from(next).unwrap_or(0);
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

fn on_save_prompt_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Save(prompt)) = &mut app.overlay else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            app.overlay = None;
            app.say(Tone::Info, "Not saved.");
        }
        KeyCode::Enter => {
            let path = prompt.input.value().trim().to_string();
            if path.is_empty() {
                app.say(Tone::Error, "Enter a file name to save to.");
                return Vec::new();
            }
            let kind = prompt.kind;
            let overwrite = prompt.confirm_overwrite;
            let Some(flow) = app.active() else {
                return Vec::new();
            };
            let contents = flow.form.export(kind);
            return vec![Effect::Save {
                path: PathBuf::from(path),
                contents,
                private: kind.may_hold_secret(),
                overwrite,
            }];
        }
        _ => {
            if prompt.input.handle_event(&Event::Key(key)).is_some() {
                prompt.confirm_overwrite = false;
            }
        }
    }
    Vec::new()
}

fn on_saved(app: &mut App, result: Result<PathBuf, SaveError>) {
    match result {
        Ok(path) => {
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
        Err(SaveError::Io(reason)) => app.say(Tone::Error, format!("Not saved: {reason}")),
    }
}
