//! The wizard's state machine: the model, the messages that change it, and `update`,
//! which is plain and synchronous. Side effects (clipboard, files) are returned as
//! [`Effect`]s for the runtime to perform; their results come back as messages.

use std::cell::Cell;
use std::path::PathBuf;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::core::documents::{self, DocumentKind};
use crate::core::flow::{FLOWS, FieldId, FieldKind, FlowId, FlowSpec, Form, StepSpec, field_spec};

use super::clipboard::CopyMethod;

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
}

/// Work for the runtime: the only ways `update` reaches outside the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
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

    fn active_mut(&mut self) -> Option<&mut FlowState> {
        match self.screen {
            Screen::Flow(flow) => Some(self.flow_mut(flow)),
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
    }
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
        None => {}
    }
    match app.screen {
        Screen::Menu => on_menu_key(app, key),
        Screen::Flow(flow) => {
            if app.flow(flow).editing.is_some() {
                on_edit_key(app, flow, key)
            } else {
                on_flow_key(app, flow, key)
            }
        }
    }
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
            app.screen = Screen::Menu;
            app.status = None;
        }
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
            app.overlay = Some(Overlay::Save(SavePrompt {
                input: Input::new(documents::default_file_name(kind).to_string()),
                kind,
                confirm_overwrite: false,
            }));
        }
        _ => {}
    }
    Vec::new()
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
    let text = state.form.document(kind);
    let what = if documents::has_placeholder(&text) {
        format!("the {} (it still has <placeholders>)", kind.title())
    } else {
        format!("the {}", kind.title())
    };
    vec![Effect::Copy { what, text }]
}

fn copy_field(app: &mut App, flow: FlowId) -> Vec<Effect> {
    let state = app.flow(flow);
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
            let contents = flow.form.document(kind);
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

/// Leaves text editing, if any, so keys act as commands again.
pub fn stop_editing(app: &mut App) {
    if let Some(flow) = app.active_mut() {
        flow.editing = None;
    }
}
