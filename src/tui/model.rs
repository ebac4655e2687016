//! The wizard's model: which screen is in front, each flow's form and step, the
//! overlays, and every run with what its calls came to. `update` changes it; `view`
//! draws it.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;

use tui_input::Input;

use crate::aws::iam::AccessKeyInfo;
use crate::aws::{CallError, CallReport, Identity, Target};
use crate::core::documents::DocumentKind;
use crate::core::flow::{FLOWS, FieldId, FlowId, FlowSpec, Form, Side, StepSpec};
use crate::core::validate::RepositoryName;

pub use super::accounts::Chooser;
use super::jobs::{Job, RunId};
pub use super::manage::{Manage, ManageAction};
use super::message::Effect;

/// A line of feedback at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

/// How a status line reads: plain, good news, or a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Plain information.
    Info,
    /// Something worked.
    Success,
    /// Something failed or was refused.
    Error,
}

/// A window drawn over the screen that takes the keys while open.
#[derive(Debug)]
pub enum Overlay {
    /// Every key, by mode.
    Help,
    /// The file name to save the shown document to.
    Save(SavePrompt),
    /// A step that changes something waits for a yes.
    Confirm(Box<Confirm>),
    /// The repositories of the account and region, to pick one.
    Pick(Picker),
    /// A list to choose a field's value from (profiles, regions, kube contexts);
    /// typing filters it.
    Choose(Chooser),
    /// The run log over the whole screen: every run of the session and what it
    /// changed, from this line on.
    Log { scroll: u16 },
    /// Who has access to every repository of the repository flow's account and
    /// region (`W`).
    Access(Box<super::access::AccessScreen>),
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
    /// The change removes or replaces access (a revoke, a restore that drops
    /// statements, a document that loses principals, a file replaced): only `y`
    /// confirms it, and `Enter` keeps things as they are.
    pub removes_access: bool,
    /// The change as a unified diff, shown beside the confirmation (empty: none).
    pub diff: String,
    /// How far the changes shown with the confirmation are scrolled.
    pub scroll: u16,
    /// How far they can scroll in the last frame (`None` before the first), so
    /// scrolling stops at the end.
    pub scroll_room: Cell<Option<u16>>,
}

/// The repositories to choose from, and the one highlighted.
#[derive(Debug)]
pub struct Picker {
    pub names: Vec<String>,
    pub selected: usize,
}

/// The file name being typed for a save.
#[derive(Debug)]
pub struct SavePrompt {
    pub input: Input,
    pub kind: DocumentKind,
    /// Set once the operator was told the file exists: Enter then replaces it.
    pub confirm_overwrite: bool,
    /// Set once the operator was told the folder does not exist: Enter creates it.
    pub create_folder: bool,
    /// What the typed path is for.
    pub purpose: PathPurpose,
}

/// What the path typed in a [`SavePrompt`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    /// Save the shown document there.
    Save,
    /// Run the checks of step 8 from the config file there (`V`).
    Verify,
    /// Write the export of the procedure into the folder there (Manage screen).
    Export,
}

/// Which screen is in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The start screen, with one entry per flow.
    Menu,
    /// A flow, on the step it was left at.
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
    /// The document pane's first column, for lines that are never wrapped.
    pub hscroll: u16,
    /// The first line of the step's results panel.
    pub results_scroll: u16,
    /// The latest run of each step, shown on it: what it did or is doing.
    pub step_runs: HashMap<usize, RunId>,
    /// Which account each side's profile is.
    pub identities: HashMap<Side, IdentityState>,
    /// The registry account step 1 settled on, and where it came from.
    pub registry_note: Option<(String, String)>,
    /// The last change this session applied to a repository policy: the repository,
    /// the policy before it and the policy it wrote (`None`: no policy). Restoring
    /// checks the repository still holds what was written.
    pub previous_policy: Option<(RepositoryName, Option<String>, Option<String>)>,
    /// The config file that holds the access key of step 5.
    pub key_saved_to: Option<PathBuf>,
    /// The access keys step 5 found the user has, read just before it asks.
    pub user_keys: Option<Vec<AccessKeyInfo>>,
    /// The line highlighted on the accounts screen, while that screen is in front of
    /// the flow's steps.
    pub accounts_row: Option<usize>,
    /// The linter's findings on the document last shown, kept until it changes.
    pub lint: super::findings::LintCache,
    /// The document as last drawn, kept until it changes.
    pub document_view: super::view::DocumentView,
    /// The Manage screen (curated procedure): teardown, key rotation, verify, export.
    pub manage: Manage,
    /// Where the Secret manifest of step 7 was saved this session, for rotation,
    /// teardown and export to use.
    pub manifest_saved_to: Option<PathBuf>,
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
    /// The document a policy or role it found to differ has now, pretty-printed.
    pub differing: Option<String>,
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
            hscroll: 0,
            results_scroll: 0,
            step_runs: HashMap::new(),
            identities: HashMap::new(),
            registry_note: None,
            previous_policy: None,
            key_saved_to: None,
            user_keys: None,
            accounts_row: None,
            lint: Default::default(),
            document_view: Default::default(),
            manage: Manage::default(),
            manifest_saved_to: None,
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

    pub(super) fn go_to_step(&mut self, step: usize) {
        self.editing = None;
        self.step = step.min(self.spec().steps.len() - 1);
        self.selected = 0;
        self.document = 0;
        self.scroll = 0;
        self.hscroll = 0;
        self.results_scroll = 0;
    }

    pub(super) fn start_editing(&mut self, index: usize) {
        let fields = self.step_spec().fields;
        if fields.is_empty() {
            return;
        }
        self.selected = index.min(fields.len() - 1);
        let text = self.form.text(fields[self.selected]);
        self.editing = Some(Input::new(text));
    }
}

/// The whole state of the wizard.
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
    /// The document's lines as drawn (long lines wrapped) in the last frame.
    pub document_lines: Cell<u16>,
    /// How far the run log could scroll in the last frame.
    pub log_max: Cell<u16>,
    /// How far the step's results panel could scroll in the last frame.
    pub results_max: Cell<u16>,
    /// Every status line said this session, in order, for the run log.
    pub said: Vec<Status>,
    /// Every run started, by id.
    pub runs: HashMap<RunId, RunState>,
    next_run: RunId,
    /// Set once quitting was refused because a secret is in no file: the next quit
    /// goes through.
    pub quit_armed: bool,
    /// The profile names of the AWS config and credentials files, once read.
    pub profiles: Option<Result<Vec<String>, CallError>>,
    /// Where the registry checks (step 8, `V`, key rotation) send the manifest
    /// request instead of `https://<registry host>`: a mirror (`--registry-url`).
    pub registry_url: Option<String>,
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
            document_lines: Cell::new(0),
            log_max: Cell::new(0),
            results_max: Cell::new(0),
            said: Vec::new(),
            runs: HashMap::new(),
            next_run: 1,
            quit_armed: false,
            profiles: None,
            registry_url: None,
        }
    }

    /// The wizard with the command line's `--profile` and `--region` filled in.
    pub fn with_options(profile: Option<String>, region: Option<String>) -> Self {
        App::with_defaults(profile, region, None)
    }

    /// [`App::with_options`], with the region the profile is configured with as the
    /// default region (until `--region` or the operator names one).
    pub fn with_defaults(
        profile: Option<String>,
        region: Option<String>,
        profile_region: Option<String>,
    ) -> Self {
        let mut app = App::new();
        for flow in FLOWS {
            let form = &mut app.flow_mut(flow).form;
            form.profile_region = profile_region.clone();
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

    /// The wizard with the command line's `--destination-profile` filled in: the
    /// curated procedure's destination account.
    pub fn with_destination_profile(mut self, profile: Option<String>) -> Self {
        if let Some(profile) = profile {
            self.curated
                .form
                .set(FieldId::DestinationProfile, profile.trim());
        }
        self
    }

    /// The wizard with the command line's `--registry-url`: the registry checks ask
    /// that mirror.
    pub fn with_registry_url(mut self, url: Option<String>) -> Self {
        self.registry_url = url;
        self
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
    pub(super) fn start(&mut self, flow: FlowId, step: Option<usize>, job: Job) -> Effect {
        let run = self.next_run;
        self.next_run += 1;
        if let Some(step) = step {
            let state = self.flow_mut(flow);
            state.step_runs.insert(step, run);
            state.results_scroll = 0;
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
                differing: None,
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
        matches!(self.overlay, Some(Overlay::Save(_) | Overlay::Choose(_)))
            || matches!(&self.overlay, Some(Overlay::Access(screen)) if screen.filtering)
            || self.active().is_some_and(|flow| flow.editing.is_some())
    }

    /// Puts a line in the status bar.
    pub(super) fn say(&mut self, tone: Tone, text: impl Into<String>) {
        let status = Status {
            text: text.into(),
            tone,
        };
        // The log keeps the latest messages of a long session.
        if self.said.len() >= 1000 {
            self.said.remove(0);
        }
        self.said.push(status.clone());
        self.status = Some(status);
    }
}
