//! Every key the wizard knows, in one place. Each mode has one table of
//! [`Binding`]s: a binding is a line of help (the keys it names and what they do)
//! with every key it stands for beside it. `update` dispatches through
//! [`Mode::action`], and the help overlay ([`HELP`]) and the hint line ([`hint`]) are
//! drawn from the same bindings, so the keys and their help cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::model::{App, Overlay, PathPurpose, Screen};

/// What a key asks for. `update` decides what it does in the current state (an
/// action that does not apply, such as "next step" on the last step, does nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Leave the program.
    Quit,
    /// Open the help overlay.
    OpenHelp,
    /// Close the help overlay.
    CloseHelp,
    /// Start screen: highlight the flow above.
    MenuUp,
    /// Start screen: highlight the flow below.
    MenuDown,
    /// Start screen: highlight the flow with this index.
    MenuSelect(usize),
    /// Start screen: open the highlighted flow.
    MenuStart,
    /// A step: go to the next step (also while editing, which it ends).
    NextStep,
    /// A step: go to the previous step (also while editing, which it ends).
    PreviousStep,
    /// A step: go to the step with this index.
    GoToStep(usize),
    /// A step: edit the selected field.
    Edit,
    /// A step: edit the last field.
    EditLast,
    /// A step: scroll the document down a line.
    ScrollDown,
    /// A step: scroll the document up a line.
    ScrollUp,
    /// A step: the document's first line.
    ScrollTop,
    /// A step: the document's last line.
    ScrollBottom,
    /// A step: show the step's next document.
    NextDocument,
    /// A step: copy the shown document.
    CopyDocument,
    /// A step: copy the selected field's value (the access key id on step 5).
    CopyValue,
    /// A step: ask where to save the shown document.
    Save,
    /// A step: run the step's calls (asks first when they change something).
    Run,
    /// A step: cancel the step's run in flight, or go back to the start screen.
    Back,
    /// A step: show or mask the new secret access key.
    RevealSecret,
    /// A step: copy the new secret access key.
    CopySecret,
    /// A step: replace a policy or trust policy the step found to differ.
    UpdateExisting,
    /// Step 8: ask for the path of a saved config file to run its checks from.
    VerifySaved,
    /// The path prompt of step 8: check the config file typed.
    VerifyFile,
    /// A step of the repository flow: take the grant out again.
    Revoke,
    /// A step of the repository flow: put back the policy the last change replaced.
    Restore,
    /// Editing: the next field, or stop after the last.
    NextField,
    /// Editing: the previous field, or stop before the first.
    PreviousField,
    /// Editing: stop editing.
    StopEditing,
    /// Editing: the field follows its default value again.
    ResetField,
    /// Editing: the next value of a choice (a text field takes the key as typing).
    NextChoice,
    /// Editing: the previous value of a choice (a text field takes the key as typing).
    PreviousChoice,
    /// Editing or saving: the key goes into the text being typed.
    Type,
    /// Confirmation: run the step.
    Confirm,
    /// Confirmation: do not run it.
    Decline,
    /// Save prompt: write the file.
    SaveFile,
    /// Save prompt: do not save.
    CancelSave,
    /// Repository picker: highlight the repository above.
    PickUp,
    /// Repository picker: highlight the repository below.
    PickDown,
    /// Repository picker: take the highlighted repository.
    PickTake,
    /// Repository picker: close it without taking one.
    PickClose,
    /// A step: show the accounts screen (profiles and region) again.
    OpenAccounts,
    /// Accounts screen: highlight the line above.
    AccountsUp,
    /// Accounts screen: highlight the line below.
    AccountsDown,
    /// Accounts screen: choose the highlighted line's value from a list.
    AccountsPick,
    /// Accounts screen: go on to the flow's steps.
    AccountsDone,
    /// A list to choose from: highlight the entry above.
    ChooseUp,
    /// A list to choose from: highlight the entry below.
    ChooseDown,
    /// A list to choose from: take the highlighted entry (or the typed text).
    ChooseTake,
    /// A list to choose from: close it, changing nothing.
    ChooseClose,
    /// A step: open the run log (every run of the session and what it changed).
    OpenLog,
    /// Run log: close it.
    CloseLog,
    /// Run log: scroll down a line.
    LogDown,
    /// Run log: scroll up a line.
    LogUp,
    /// Run log: its first line.
    LogTop,
    /// Run log: its last line.
    LogBottom,
    /// Run log: copy the commands that undo what the session changed.
    CopyUndo,
    /// A step: scroll the document's long lines left.
    ScrollLeft,
    /// A step: scroll the document's long lines right.
    ScrollRight,
    /// A step: scroll the step's results down.
    ResultsDown,
    /// A step: scroll the step's results up.
    ResultsUp,
    /// A step of the repository flow: who has access to every repository (on that
    /// screen: read the list again).
    WhoHasAccess,
    /// Who has access: highlight the repository above.
    AccessUp,
    /// Who has access: highlight the repository below.
    AccessDown,
    /// Who has access: take the highlighted repository into the grant steps.
    AccessOpen,
    /// Who has access: type a filter.
    AccessFilter,
    /// Who has access: stop typing the filter, keeping it.
    AccessFilterDone,
    /// Who has access: stop typing the filter and clear it.
    AccessFilterClear,
    /// Who has access: sort by exposure or by name.
    AccessSort,
    /// Who has access: cancel the reading, or close the screen.
    AccessClose,
    /// A step of the curated procedure: the Manage screen.
    OpenManage,
    /// Manage screen: highlight the action above.
    ManageUp,
    /// Manage screen: highlight the action below.
    ManageDown,
    /// Manage screen: highlight the action with this index.
    ManageSelect(usize),
    /// Manage screen: start the highlighted action.
    ManageRun,
    /// Manage screen: teardown detaches policies ecr-share did not attach, or not.
    ToggleDetachForeign,
    /// Manage screen: teardown deletes the files ecr-share wrote, or keeps them.
    ToggleDeleteFiles,
    /// Manage screen: rotation deletes the old key without a cluster context, or not.
    ToggleDeleteOldKey,
    /// The export's folder prompt: write the files there.
    ExportFiles,
}

/// A key as a binding names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key code, whatever modifiers are held (as `Y` arrives with Shift).
    Code(KeyCode),
    /// The letter with Control held.
    Ctrl(char),
}

impl Key {
    /// Whether a pressed key is this one.
    pub fn matches(self, key: &KeyEvent) -> bool {
        match self {
            Key::Code(code) => key.code == code,
            Key::Ctrl(c) => {
                key.code == KeyCode::Char(c) && key.modifiers.contains(KeyModifiers::CONTROL)
            }
        }
    }

    /// The key as a key event without modifiers (Control for [`Key::Ctrl`]).
    pub fn event(self) -> KeyEvent {
        match self {
            Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        }
    }
}

/// One entry of the help: the keys it names (`label`), what they do (`does`), and
/// every key it stands for with the action each asks for. Keys beyond those the label
/// names are quieter aliases of the same thing (`l` for →, PageDown for next step).
#[derive(Debug, PartialEq, Eq)]
pub struct Binding {
    pub label: &'static str,
    pub does: &'static str,
    pub keys: &'static [(Key, Action)],
}

impl Binding {
    /// The entry as the help shows it.
    pub fn text(&self) -> String {
        format!("{} {}", self.label, self.does)
    }
}

const fn code(code: KeyCode) -> Key {
    Key::Code(code)
}

const fn ch(c: char) -> Key {
    Key::Code(KeyCode::Char(c))
}

/// Where the keys go: an overlay that is open, or else the screen in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Help,
    Save,
    Confirm,
    /// A confirmation of a change that removes or replaces access: only `y` confirms.
    ConfirmRemoval,
    Pick,
    Menu,
    Step,
    Editing,
    /// The accounts screen in front of a flow's steps.
    Accounts,
    /// A list to choose a value from, filtered by typing.
    Choose,
    Log,
    /// The path of a saved config file for step 8 to check, being typed.
    VerifyPath,
    /// Who has access to the repositories.
    Access,
    /// Who has access, with keys going into its filter.
    AccessFilter,
    /// The Manage screen in front of the curated procedure's steps.
    Manage,
    /// The folder to write the export into, being typed.
    ExportPath,
}

impl Mode {
    /// Every mode, for tests and the help.
    pub const ALL: [Mode; 16] = [
        Mode::Help,
        Mode::Save,
        Mode::Confirm,
        Mode::ConfirmRemoval,
        Mode::Pick,
        Mode::Menu,
        Mode::Step,
        Mode::Editing,
        Mode::Accounts,
        Mode::Choose,
        Mode::Log,
        Mode::VerifyPath,
        Mode::Access,
        Mode::AccessFilter,
        Mode::Manage,
        Mode::ExportPath,
    ];

    /// The mode the wizard is in.
    pub fn of(app: &App) -> Mode {
        match (&app.overlay, app.screen) {
            (Some(Overlay::Help), _) => Mode::Help,
            (Some(Overlay::Save(prompt)), _) if prompt.purpose == PathPurpose::Verify => {
                Mode::VerifyPath
            }
            (Some(Overlay::Save(prompt)), _) if prompt.purpose == PathPurpose::Export => {
                Mode::ExportPath
            }
            (Some(Overlay::Save(_)), _) => Mode::Save,
            (Some(Overlay::Confirm(confirm)), _) if confirm.removes_access => Mode::ConfirmRemoval,
            (Some(Overlay::Confirm(_)), _) => Mode::Confirm,
            (Some(Overlay::Pick(_)), _) => Mode::Pick,
            (Some(Overlay::Choose(_)), _) => Mode::Choose,
            (Some(Overlay::Log { .. }), _) => Mode::Log,
            (Some(Overlay::Access(screen)), _) if screen.filtering => Mode::AccessFilter,
            (Some(Overlay::Access(_)), _) => Mode::Access,
            (None, Screen::Menu) => Mode::Menu,
            (None, Screen::Flow(flow)) if app.flow(flow).manage.open => Mode::Manage,
            (None, Screen::Flow(flow)) if app.flow(flow).accounts_row.is_some() => Mode::Accounts,
            (None, Screen::Flow(flow)) if app.flow(flow).editing.is_some() => Mode::Editing,
            (None, Screen::Flow(_)) => Mode::Step,
        }
    }

    /// The bindings of this mode, in the order they are tried. Ctrl-C ([`QUIT`]) is
    /// tried before them in every mode.
    pub fn bindings(self) -> &'static [&'static Binding] {
        match self {
            Mode::Help => &[&CLOSE_HELP],
            Mode::Save => &[&SAVE_FILE, &CANCEL_SAVE],
            Mode::VerifyPath => &[&VERIFY_FILE, &CANCEL_SAVE],
            Mode::ExportPath => &[&EXPORT_WRITE, &CANCEL_SAVE],
            Mode::Manage => &[
                &OPEN_HELP,
                &MANAGE_MOVE,
                &MANAGE_RUN,
                &DETACH_FOREIGN,
                &DELETE_FILES,
                &DELETE_OLD_KEY,
                &RESULTS,
                &OPEN_LOG,
                &MANAGE_BACK,
                &STEP_QUIT,
            ],
            Mode::Confirm => &[&CONFIRM, &DECLINE, &CONFIRM_SCROLL],
            Mode::ConfirmRemoval => &[&CONFIRM_REMOVAL, &KEEP_ACCESS, &CONFIRM_SCROLL],
            Mode::Pick => &[&PICK_MOVE, &PICK_TAKE, &PICK_CLOSE],
            Mode::Menu => &[&OPEN_HELP, &MENU_CHOOSE, &MENU_START, &MENU_QUIT],
            Mode::Step => &[
                &OPEN_HELP,
                &NEXT_STEP,
                &PREVIOUS_STEP,
                &GO_TO_STEP,
                &EDIT,
                &EDIT_LAST,
                &SCROLL,
                &TOP_BOTTOM,
                &NEXT_DOCUMENT,
                &VERIFY_SAVED,
                &COPY_DOCUMENT,
                &COPY_VALUE,
                &SAVE,
                &RUN,
                &BACK,
                &STEP_QUIT,
                &REVEAL,
                &COPY_KEY_ID,
                &COPY_SECRET,
                &UPDATE_EXISTING,
                &REVOKE,
                &RESTORE,
                &OPEN_ACCOUNTS,
                &WHO_HAS_ACCESS,
                &OPEN_MANAGE,
                &OPEN_LOG,
                &SIDEWAYS,
                &RESULTS,
            ],
            Mode::Accounts => &[
                &OPEN_HELP,
                &ACCOUNTS_MOVE,
                &ACCOUNTS_PICK,
                &ACCOUNTS_DONE,
                &ACCOUNTS_BACK,
                &STEP_QUIT,
            ],
            Mode::Choose => &[&CHOOSE_MOVE, &CHOOSE_TAKE, &CHOOSE_CLOSE],
            Mode::Log => &[&LOG_SCROLL, &LOG_TOP_BOTTOM, &COPY_UNDO, &CLOSE_LOG],
            Mode::Access => &[
                &ACCESS_MOVE,
                &ACCESS_OPEN,
                &ACCESS_FILTER,
                &ACCESS_SORT,
                &ACCESS_AGAIN,
                &ACCESS_CLOSE,
            ],
            Mode::AccessFilter => &[
                &ACCESS_FILTER_MOVE,
                &ACCESS_FILTER_DONE,
                &ACCESS_FILTER_CLEAR,
            ],
            Mode::Editing => &[
                &RESET_FIELD,
                &NEXT_FIELD,
                &PREVIOUS_FIELD,
                &ENTER_NEXT_FIELD,
                &STOP_EDITING,
                &CHOICE,
                &CLEAR,
                &DELETE_WORD,
                &HOME_END,
            ],
        }
    }

    /// The action a key asks for in this mode, if any. A key no binding names does
    /// nothing, except while typing, where it goes into the text ([`Action::Type`]).
    pub fn action(self, key: &KeyEvent) -> Option<Action> {
        let bound = std::iter::once(&QUIT)
            .chain(self.bindings().iter().copied())
            .flat_map(|binding| binding.keys)
            .find(|(k, _)| k.matches(key))
            .map(|(_, action)| *action);
        match self {
            Mode::Editing
            | Mode::Save
            | Mode::Choose
            | Mode::VerifyPath
            | Mode::AccessFilter
            | Mode::ExportPath => bound.or(Some(Action::Type)),
            _ => bound,
        }
    }
}

/// Ctrl-C leaves from anywhere, also while typing.
pub const QUIT: Binding = Binding {
    label: "Ctrl-C",
    does: "quit",
    keys: &[(Key::Ctrl('c'), Action::Quit)],
};

pub const OPEN_HELP: Binding = Binding {
    label: "?",
    does: "this help",
    keys: &[(ch('?'), Action::OpenHelp)],
};

/// What Esc does across the modes, as the help sums it up.
pub const ESC: Binding = Binding {
    label: "Esc",
    does: "close / back",
    keys: &[
        (code(KeyCode::Esc), Action::CloseHelp),
        (code(KeyCode::Esc), Action::PickClose),
        (code(KeyCode::Esc), Action::Back),
    ],
};

pub const CLOSE_HELP: Binding = Binding {
    label: "Esc or ?",
    does: "closes the help",
    keys: &[
        (code(KeyCode::Esc), Action::CloseHelp),
        (ch('?'), Action::CloseHelp),
        (ch('q'), Action::CloseHelp),
        (code(KeyCode::Enter), Action::CloseHelp),
    ],
};

pub const MENU_CHOOSE: Binding = Binding {
    label: "↑/↓",
    does: "choose a procedure",
    keys: &[
        (code(KeyCode::Up), Action::MenuUp),
        (ch('k'), Action::MenuUp),
        (code(KeyCode::Down), Action::MenuDown),
        (ch('j'), Action::MenuDown),
        (ch('1'), Action::MenuSelect(0)),
        (ch('2'), Action::MenuSelect(1)),
    ],
};

pub const MENU_START: Binding = Binding {
    label: "Enter",
    does: "start it",
    keys: &[
        (code(KeyCode::Enter), Action::MenuStart),
        (code(KeyCode::Right), Action::MenuStart),
        (ch('l'), Action::MenuStart),
    ],
};

pub const MENU_QUIT: Binding = Binding {
    label: "q",
    does: "quit",
    keys: &[(ch('q'), Action::Quit)],
};

pub const NEXT_STEP: Binding = Binding {
    label: "→ or n",
    does: "next step",
    keys: &[
        (code(KeyCode::Right), Action::NextStep),
        (ch('n'), Action::NextStep),
        (ch('l'), Action::NextStep),
        (code(KeyCode::PageDown), Action::NextStep),
    ],
};

pub const PREVIOUS_STEP: Binding = Binding {
    label: "← or p",
    does: "previous",
    keys: &[
        (code(KeyCode::Left), Action::PreviousStep),
        (ch('p'), Action::PreviousStep),
        (ch('h'), Action::PreviousStep),
        (code(KeyCode::PageUp), Action::PreviousStep),
    ],
};

pub const GO_TO_STEP: Binding = Binding {
    label: "1-9",
    does: "go to a step",
    keys: &[
        (ch('1'), Action::GoToStep(0)),
        (ch('2'), Action::GoToStep(1)),
        (ch('3'), Action::GoToStep(2)),
        (ch('4'), Action::GoToStep(3)),
        (ch('5'), Action::GoToStep(4)),
        (ch('6'), Action::GoToStep(5)),
        (ch('7'), Action::GoToStep(6)),
        (ch('8'), Action::GoToStep(7)),
        (ch('9'), Action::GoToStep(8)),
    ],
};

pub const EDIT: Binding = Binding {
    label: "Tab or Enter",
    does: "edit the fields",
    keys: &[
        (code(KeyCode::Tab), Action::Edit),
        (code(KeyCode::Enter), Action::Edit),
        (ch('e'), Action::Edit),
        (ch('i'), Action::Edit),
    ],
};

pub const EDIT_LAST: Binding = Binding {
    label: "Shift-Tab",
    does: "the last field",
    keys: &[(code(KeyCode::BackTab), Action::EditLast)],
};

pub const SCROLL: Binding = Binding {
    label: "↓/↑ or j/k",
    does: "scroll the document",
    keys: &[
        (code(KeyCode::Down), Action::ScrollDown),
        (code(KeyCode::Up), Action::ScrollUp),
        (ch('j'), Action::ScrollDown),
        (ch('k'), Action::ScrollUp),
    ],
};

pub const TOP_BOTTOM: Binding = Binding {
    label: "g/G",
    does: "top / bottom",
    keys: &[
        (ch('g'), Action::ScrollTop),
        (ch('G'), Action::ScrollBottom),
        (code(KeyCode::Home), Action::ScrollTop),
        (code(KeyCode::End), Action::ScrollBottom),
    ],
};

pub const NEXT_DOCUMENT: Binding = Binding {
    label: "v",
    does: "the step's next document",
    keys: &[(ch('v'), Action::NextDocument)],
};

pub const VERIFY_SAVED: Binding = Binding {
    label: "V",
    does: "verify a saved config (step 8)",
    keys: &[(ch('V'), Action::VerifySaved)],
};

pub const COPY_DOCUMENT: Binding = Binding {
    label: "c",
    does: "copy the document",
    keys: &[(ch('c'), Action::CopyDocument)],
};

pub const COPY_VALUE: Binding = Binding {
    label: "y",
    does: "copy the selected field's value",
    keys: &[(ch('y'), Action::CopyValue)],
};

pub const SAVE: Binding = Binding {
    label: "s",
    does: "save the document to a file",
    keys: &[(ch('s'), Action::Save)],
};

pub const RUN: Binding = Binding {
    label: "x",
    does: "run the step (asks first when it changes something)",
    keys: &[(ch('x'), Action::Run)],
};

pub const BACK: Binding = Binding {
    label: "Esc",
    does: "cancel a running step, or back to the start",
    keys: &[(code(KeyCode::Esc), Action::Back)],
};

pub const STEP_QUIT: Binding = Binding {
    label: "q",
    does: "quit",
    keys: &[(ch('q'), Action::Quit)],
};

pub const REVEAL: Binding = Binding {
    label: "r",
    does: "reveal/hide the secret key",
    keys: &[(ch('r'), Action::RevealSecret)],
};

/// On step 5, `y` copies the new access key id: the same key as [`COPY_VALUE`].
pub const COPY_KEY_ID: Binding = Binding {
    label: "y",
    does: "key id",
    keys: &[(ch('y'), Action::CopyValue)],
};

pub const COPY_SECRET: Binding = Binding {
    label: "Y",
    does: "the secret (step 5)",
    keys: &[(ch('Y'), Action::CopySecret)],
};

pub const UPDATE_EXISTING: Binding = Binding {
    label: "U",
    does: "replace a policy or trust policy found to differ (asks first)",
    keys: &[(ch('U'), Action::UpdateExisting)],
};

pub const REVOKE: Binding = Binding {
    label: "d",
    does: "revoke the grant",
    keys: &[(ch('d'), Action::Revoke)],
};

pub const RESTORE: Binding = Binding {
    label: "u",
    does: "restore the previous policy (repository)",
    keys: &[(ch('u'), Action::Restore)],
};

pub const OPEN_LOG: Binding = Binding {
    label: "L",
    does: "the run log",
    keys: &[(ch('L'), Action::OpenLog)],
};

pub const OPEN_MANAGE: Binding = Binding {
    label: "M",
    does: "manage what was set up",
    keys: &[(ch('M'), Action::OpenManage)],
};

pub const MANAGE_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose an action",
    keys: &[
        (code(KeyCode::Up), Action::ManageUp),
        (ch('k'), Action::ManageUp),
        (code(KeyCode::Down), Action::ManageDown),
        (ch('j'), Action::ManageDown),
        (ch('1'), Action::ManageSelect(0)),
        (ch('2'), Action::ManageSelect(1)),
        (ch('3'), Action::ManageSelect(2)),
        (ch('4'), Action::ManageSelect(3)),
    ],
};

pub const MANAGE_RUN: Binding = Binding {
    label: "Enter",
    does: "start it (what changes asks first)",
    keys: &[(code(KeyCode::Enter), Action::ManageRun)],
};

pub const DETACH_FOREIGN: Binding = Binding {
    label: "f",
    does: "teardown: detach policies ecr-share did not attach",
    keys: &[(ch('f'), Action::ToggleDetachForeign)],
};

pub const DELETE_FILES: Binding = Binding {
    label: "d",
    does: "teardown: delete the files ecr-share wrote too",
    keys: &[(ch('d'), Action::ToggleDeleteFiles)],
};

pub const DELETE_OLD_KEY: Binding = Binding {
    label: "o",
    does: "rotation: delete the old key without a kube context",
    keys: &[(ch('o'), Action::ToggleDeleteOldKey)],
};

pub const MANAGE_BACK: Binding = Binding {
    label: "Esc",
    does: "cancel a read in flight, or back to the steps",
    keys: &[(code(KeyCode::Esc), Action::Back)],
};

pub const EXPORT_WRITE: Binding = Binding {
    label: "Enter",
    does: "write the files",
    keys: &[(code(KeyCode::Enter), Action::ExportFiles)],
};

pub const SIDEWAYS: Binding = Binding {
    label: "</>",
    does: "document sideways",
    keys: &[
        (ch('<'), Action::ScrollLeft),
        (ch('>'), Action::ScrollRight),
    ],
};

pub const RESULTS: Binding = Binding {
    label: "[/]",
    does: "scroll results",
    keys: &[(ch('['), Action::ResultsUp), (ch(']'), Action::ResultsDown)],
};

pub const LOG_SCROLL: Binding = Binding {
    label: "↓/↑ or j/k",
    does: "scroll",
    keys: &[
        (code(KeyCode::Down), Action::LogDown),
        (code(KeyCode::Up), Action::LogUp),
        (ch('j'), Action::LogDown),
        (ch('k'), Action::LogUp),
        (code(KeyCode::PageDown), Action::LogBottom),
        (code(KeyCode::PageUp), Action::LogTop),
    ],
};

pub const LOG_TOP_BOTTOM: Binding = Binding {
    label: "g/G",
    does: "top / bottom",
    keys: &[
        (ch('g'), Action::LogTop),
        (ch('G'), Action::LogBottom),
        (code(KeyCode::Home), Action::LogTop),
        (code(KeyCode::End), Action::LogBottom),
    ],
};

pub const COPY_UNDO: Binding = Binding {
    label: "c",
    does: "copy undo commands",
    keys: &[(ch('c'), Action::CopyUndo)],
};

pub const CLOSE_LOG: Binding = Binding {
    label: "L or Esc",
    does: "close",
    keys: &[
        (ch('L'), Action::CloseLog),
        (code(KeyCode::Esc), Action::CloseLog),
        (ch('q'), Action::CloseLog),
    ],
};

pub const RESET_FIELD: Binding = Binding {
    label: "Ctrl-R",
    does: "default value",
    keys: &[(Key::Ctrl('r'), Action::ResetField)],
};

pub const NEXT_FIELD: Binding = Binding {
    label: "Tab or ↓",
    does: "next field",
    keys: &[
        (code(KeyCode::Tab), Action::NextField),
        (code(KeyCode::Down), Action::NextField),
    ],
};

pub const PREVIOUS_FIELD: Binding = Binding {
    label: "Shift-Tab or ↑",
    does: "previous",
    keys: &[
        (code(KeyCode::BackTab), Action::PreviousField),
        (code(KeyCode::Up), Action::PreviousField),
    ],
};

pub const ENTER_NEXT_FIELD: Binding = Binding {
    label: "Enter",
    does: "next field (leaves after the last)",
    keys: &[(code(KeyCode::Enter), Action::NextField)],
};

/// PageDown and PageUp also end the editing, then change the step.
pub const STOP_EDITING: Binding = Binding {
    label: "Esc",
    does: "stop",
    keys: &[
        (code(KeyCode::Esc), Action::StopEditing),
        (code(KeyCode::PageDown), Action::NextStep),
        (code(KeyCode::PageUp), Action::PreviousStep),
    ],
};

/// On a text field these keys move the cursor or type instead.
pub const CHOICE: Binding = Binding {
    label: "←/→ or space",
    does: "change a choice",
    keys: &[
        (code(KeyCode::Left), Action::PreviousChoice),
        (code(KeyCode::Right), Action::NextChoice),
        (ch(' '), Action::NextChoice),
        (ch('l'), Action::NextChoice),
        (ch('h'), Action::PreviousChoice),
    ],
};

pub const CLEAR: Binding = Binding {
    label: "Ctrl-U",
    does: "clear",
    keys: &[(Key::Ctrl('u'), Action::Type)],
};

pub const DELETE_WORD: Binding = Binding {
    label: "Ctrl-W",
    does: "delete a word",
    keys: &[(Key::Ctrl('w'), Action::Type)],
};

pub const HOME_END: Binding = Binding {
    label: "Home/End",
    does: "",
    keys: &[
        (code(KeyCode::Home), Action::Type),
        (code(KeyCode::End), Action::Type),
    ],
};

pub const CONFIRM: Binding = Binding {
    label: "y or Enter",
    does: "run",
    keys: &[
        (ch('y'), Action::Confirm),
        (code(KeyCode::Enter), Action::Confirm),
    ],
};

pub const DECLINE: Binding = Binding {
    label: "n or Esc",
    does: "do not",
    keys: &[
        (ch('n'), Action::Decline),
        (code(KeyCode::Esc), Action::Decline),
        (ch('q'), Action::Decline),
    ],
};

/// A change that removes or replaces access defaults to No: only `y` confirms it.
pub const CONFIRM_REMOVAL: Binding = Binding {
    label: "y",
    does: "removes access",
    keys: &[(ch('y'), Action::Confirm)],
};

/// Enter keeps things as they are where a change removes or replaces access.
pub const KEEP_ACCESS: Binding = Binding {
    label: "Enter/n/Esc",
    does: "keep it",
    keys: &[
        (code(KeyCode::Enter), Action::Decline),
        (ch('n'), Action::Decline),
        (code(KeyCode::Esc), Action::Decline),
        (ch('q'), Action::Decline),
    ],
};

/// Scrolls a confirmation whose lines and changes do not fit.
pub const CONFIRM_SCROLL: Binding = Binding {
    label: "↓/↑",
    does: "scroll the changes",
    keys: &[
        (code(KeyCode::Down), Action::ScrollDown),
        (code(KeyCode::Up), Action::ScrollUp),
        (ch('j'), Action::ScrollDown),
        (ch('k'), Action::ScrollUp),
    ],
};

pub const SAVE_FILE: Binding = Binding {
    label: "Enter",
    does: "save",
    keys: &[(code(KeyCode::Enter), Action::SaveFile)],
};

pub const VERIFY_FILE: Binding = Binding {
    label: "Enter",
    does: "check it",
    keys: &[(code(KeyCode::Enter), Action::VerifyFile)],
};

pub const CANCEL_SAVE: Binding = Binding {
    label: "Esc",
    does: "cancel",
    keys: &[(code(KeyCode::Esc), Action::CancelSave)],
};

pub const PICK_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose",
    keys: &[
        (code(KeyCode::Up), Action::PickUp),
        (ch('k'), Action::PickUp),
        (code(KeyCode::Down), Action::PickDown),
        (ch('j'), Action::PickDown),
    ],
};

pub const PICK_TAKE: Binding = Binding {
    label: "Enter",
    does: "take it",
    keys: &[(code(KeyCode::Enter), Action::PickTake)],
};

pub const PICK_CLOSE: Binding = Binding {
    label: "Esc",
    does: "close",
    keys: &[
        (code(KeyCode::Esc), Action::PickClose),
        (ch('q'), Action::PickClose),
    ],
};

pub const OPEN_ACCOUNTS: Binding = Binding {
    label: "a",
    does: "the accounts: profiles and region",
    keys: &[(ch('a'), Action::OpenAccounts)],
};

pub const WHO_HAS_ACCESS: Binding = Binding {
    label: "W",
    does: "who has access",
    keys: &[(ch('W'), Action::WhoHasAccess)],
};

pub const ACCESS_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose",
    keys: &[
        (code(KeyCode::Up), Action::AccessUp),
        (ch('k'), Action::AccessUp),
        (code(KeyCode::Down), Action::AccessDown),
        (ch('j'), Action::AccessDown),
    ],
};

pub const ACCESS_OPEN: Binding = Binding {
    label: "Enter",
    does: "open",
    keys: &[(code(KeyCode::Enter), Action::AccessOpen)],
};

pub const ACCESS_FILTER: Binding = Binding {
    label: "/",
    does: "filter",
    keys: &[(ch('/'), Action::AccessFilter)],
};

pub const ACCESS_SORT: Binding = Binding {
    label: "s",
    does: "sort",
    keys: &[(ch('s'), Action::AccessSort)],
};

pub const ACCESS_AGAIN: Binding = Binding {
    label: "W",
    does: "read again",
    keys: &[(ch('W'), Action::WhoHasAccess)],
};

pub const ACCESS_CLOSE: Binding = Binding {
    label: "Esc",
    does: "close",
    keys: &[
        (code(KeyCode::Esc), Action::AccessClose),
        (ch('q'), Action::AccessClose),
    ],
};

pub const ACCESS_FILTER_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose",
    keys: &[
        (code(KeyCode::Up), Action::AccessUp),
        (code(KeyCode::Down), Action::AccessDown),
    ],
};

pub const ACCESS_FILTER_DONE: Binding = Binding {
    label: "Enter",
    does: "keep the filter",
    keys: &[(code(KeyCode::Enter), Action::AccessFilterDone)],
};

pub const ACCESS_FILTER_CLEAR: Binding = Binding {
    label: "Esc",
    does: "clear it",
    keys: &[(code(KeyCode::Esc), Action::AccessFilterClear)],
};

pub const ACCOUNTS_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose a line",
    keys: &[
        (code(KeyCode::Up), Action::AccountsUp),
        (ch('k'), Action::AccountsUp),
        (code(KeyCode::Down), Action::AccountsDown),
        (ch('j'), Action::AccountsDown),
    ],
};

pub const ACCOUNTS_PICK: Binding = Binding {
    label: "space or Tab",
    does: "choose its value from a list",
    keys: &[
        (ch(' '), Action::AccountsPick),
        (code(KeyCode::Tab), Action::AccountsPick),
        (ch('e'), Action::AccountsPick),
    ],
};

pub const ACCOUNTS_DONE: Binding = Binding {
    label: "Enter or →",
    does: "on to the steps",
    keys: &[
        (code(KeyCode::Enter), Action::AccountsDone),
        (code(KeyCode::Right), Action::AccountsDone),
        (ch('n'), Action::AccountsDone),
    ],
};

pub const ACCOUNTS_BACK: Binding = Binding {
    label: "Esc",
    does: "back to the start",
    keys: &[(code(KeyCode::Esc), Action::Back)],
};

pub const CHOOSE_MOVE: Binding = Binding {
    label: "↑/↓",
    does: "choose",
    keys: &[
        (code(KeyCode::Up), Action::ChooseUp),
        (code(KeyCode::Down), Action::ChooseDown),
    ],
};

pub const CHOOSE_TAKE: Binding = Binding {
    label: "Enter",
    does: "take it (typing filters)",
    keys: &[(code(KeyCode::Enter), Action::ChooseTake)],
};

pub const CHOOSE_CLOSE: Binding = Binding {
    label: "Esc",
    does: "close",
    keys: &[(code(KeyCode::Esc), Action::ChooseClose)],
};

/// A group of the help overlay: its heading, the modes it speaks of, and its lines,
/// each a row of bindings.
pub struct HelpGroup {
    pub heading: &'static str,
    pub modes: &'static [Mode],
    pub lines: &'static [&'static [&'static Binding]],
}

/// The help overlay.
pub const HELP: &[HelpGroup] = &[
    HelpGroup {
        heading: "Anywhere",
        modes: &Mode::ALL,
        lines: &[&[&QUIT, &OPEN_HELP, &ESC]],
    },
    HelpGroup {
        heading: "Start",
        modes: &[Mode::Menu],
        lines: &[&[&MENU_CHOOSE, &MENU_START, &MENU_QUIT]],
    },
    HelpGroup {
        heading: "A step",
        modes: &[Mode::Step],
        lines: &[
            &[&NEXT_STEP, &PREVIOUS_STEP, &GO_TO_STEP],
            &[&EDIT, &EDIT_LAST],
            &[&SCROLL, &TOP_BOTTOM],
            &[&NEXT_DOCUMENT, &VERIFY_SAVED],
            &[&COPY_DOCUMENT, &COPY_VALUE],
            &[&SAVE],
            &[&RUN],
            &[&BACK, &STEP_QUIT],
            &[&REVEAL, &COPY_KEY_ID, &COPY_SECRET],
            &[&UPDATE_EXISTING],
            &[&REVOKE, &RESTORE],
            &[&OPEN_ACCOUNTS, &WHO_HAS_ACCESS, &OPEN_MANAGE],
            &[&OPEN_LOG, &SIDEWAYS, &RESULTS],
        ],
    },
    HelpGroup {
        heading: "Accounts",
        modes: &[Mode::Accounts],
        lines: &[
            &[&ACCOUNTS_MOVE, &ACCOUNTS_PICK],
            &[&ACCOUNTS_DONE, &ACCOUNTS_BACK, &STEP_QUIT],
        ],
    },
    HelpGroup {
        heading: "A list",
        modes: &[Mode::Choose],
        lines: &[&[&CHOOSE_MOVE, &CHOOSE_TAKE, &CHOOSE_CLOSE]],
    },
    HelpGroup {
        heading: "Manage",
        modes: &[Mode::Manage],
        lines: &[
            &[&MANAGE_MOVE, &MANAGE_RUN],
            &[&DETACH_FOREIGN],
            &[&DELETE_FILES],
            &[&DELETE_OLD_KEY],
            &[&RESULTS, &OPEN_LOG],
            &[&MANAGE_BACK, &STEP_QUIT],
        ],
    },
    HelpGroup {
        heading: "Run log",
        modes: &[Mode::Log],
        lines: &[&[&LOG_SCROLL, &COPY_UNDO, &CLOSE_LOG]],
    },
    HelpGroup {
        heading: "Editing",
        modes: &[Mode::Editing],
        lines: &[
            &[&NEXT_FIELD, &PREVIOUS_FIELD],
            &[&ENTER_NEXT_FIELD, &STOP_EDITING],
            &[&CHOICE, &RESET_FIELD],
            &[&CLEAR, &DELETE_WORD, &HOME_END],
        ],
    },
    HelpGroup {
        heading: "Confirm",
        modes: &[Mode::Confirm, Mode::ConfirmRemoval],
        lines: &[
            &[&CONFIRM, &DECLINE, &CONFIRM_SCROLL],
            &[&CONFIRM_REMOVAL, &KEEP_ACCESS],
        ],
    },
    HelpGroup {
        heading: "Save",
        modes: &[Mode::Save],
        lines: &[&[&SAVE_FILE, &CANCEL_SAVE]],
    },
];

/// The groups of the help worth showing over a mode: the start screen's keys on the
/// start screen, the accounts screen's there, and everything a step leads to on a step.
pub fn help_for(beneath: Mode) -> Vec<&'static HelpGroup> {
    HELP.iter()
        .filter(|group| match beneath {
            Mode::Menu => group.modes.contains(&Mode::Menu),
            Mode::Accounts => {
                group.modes.contains(&Mode::Accounts) || group.modes.contains(&Mode::Choose)
            }
            // The Manage screen's keys, and the confirmations it opens.
            Mode::Manage => {
                group.modes.contains(&Mode::Manage) || group.modes.contains(&Mode::Confirm)
            }
            // A list and the run log show their own keys in their hint line; the
            // help on a step keeps to what fits a plain 80×24 terminal.
            _ => ![
                &[Mode::Menu][..],
                &[Mode::Accounts],
                &[Mode::Choose],
                &[Mode::Log],
                &[Mode::Manage],
            ]
            .contains(&group.modes),
        })
        .collect()
}

impl Mode {
    /// The mode under any overlay: the screen in front, and whether a field is edited.
    pub fn beneath(app: &App) -> Mode {
        match app.screen {
            Screen::Menu => Mode::Menu,
            Screen::Flow(flow) if app.flow(flow).manage.open => Mode::Manage,
            Screen::Flow(flow) if app.flow(flow).accounts_row.is_some() => Mode::Accounts,
            Screen::Flow(flow) if app.flow(flow).editing.is_some() => Mode::Editing,
            Screen::Flow(_) => Mode::Step,
        }
    }
}

/// One help line as the overlay shows it.
pub fn help_line(line: &[&Binding]) -> String {
    line.iter()
        .map(|binding| binding.text().trim_end().to_string())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The short forms on the hint line, each standing for bindings of its mode.
const HINT_MENU: &[Binding] = &[
    Binding {
        label: "↑/↓",
        does: "choose",
        keys: &[
            (code(KeyCode::Up), Action::MenuUp),
            (code(KeyCode::Down), Action::MenuDown),
        ],
    },
    Binding {
        label: "Enter",
        does: "start",
        keys: &[(code(KeyCode::Enter), Action::MenuStart)],
    },
    Binding {
        label: "?",
        does: "help",
        keys: &[(ch('?'), Action::OpenHelp)],
    },
    Binding {
        label: "q",
        does: "quit",
        keys: &[(ch('q'), Action::Quit)],
    },
];

const HINT_EDITING: &[Binding] = &[
    Binding {
        label: "Tab/↓",
        does: "next",
        keys: &[
            (code(KeyCode::Tab), Action::NextField),
            (code(KeyCode::Down), Action::NextField),
        ],
    },
    Binding {
        label: "⇧Tab/↑",
        does: "previous",
        keys: &[
            (code(KeyCode::BackTab), Action::PreviousField),
            (code(KeyCode::Up), Action::PreviousField),
        ],
    },
    Binding {
        label: "Enter",
        does: "next",
        keys: &[(code(KeyCode::Enter), Action::NextField)],
    },
    Binding {
        label: "Esc",
        does: "done",
        keys: &[(code(KeyCode::Esc), Action::StopEditing)],
    },
    Binding {
        label: "Ctrl-R",
        does: "default",
        keys: &[(Key::Ctrl('r'), Action::ResetField)],
    },
];

/// The step hint's "Tab edit", left out on a step without fields.
const HINT_EDIT: Binding = Binding {
    label: "Tab",
    does: "edit",
    keys: &[(code(KeyCode::Tab), Action::Edit)],
};

const HINT_STEP: &[Binding] = &[
    Binding {
        label: "→/←",
        does: "step",
        keys: &[
            (code(KeyCode::Right), Action::NextStep),
            (code(KeyCode::Left), Action::PreviousStep),
        ],
    },
    HINT_EDIT,
    Binding {
        label: "x",
        does: "run",
        keys: &[(ch('x'), Action::Run)],
    },
    Binding {
        label: "c",
        does: "copy",
        keys: &[(ch('c'), Action::CopyDocument)],
    },
    Binding {
        label: "s",
        does: "save",
        keys: &[(ch('s'), Action::Save)],
    },
    Binding {
        label: "v",
        does: "doc",
        keys: &[(ch('v'), Action::NextDocument)],
    },
    Binding {
        label: "?",
        does: "help",
        keys: &[(ch('?'), Action::OpenHelp)],
    },
    Binding {
        label: "q",
        does: "quit",
        keys: &[(ch('q'), Action::Quit)],
    },
];

const HINT_CONFIRM: &[Binding] = &[
    Binding {
        label: "y",
        does: "run it",
        keys: &[(ch('y'), Action::Confirm)],
    },
    DECLINE,
];

const HINT_CONFIRM_REMOVAL: &[Binding] = &[CONFIRM_REMOVAL, KEEP_ACCESS];
const HINT_SAVE: &[Binding] = &[SAVE_FILE, CANCEL_SAVE];
const HINT_VERIFY_PATH: &[Binding] = &[VERIFY_FILE, CANCEL_SAVE];
const HINT_PICK: &[Binding] = &[PICK_MOVE, PICK_TAKE, PICK_CLOSE];
const HINT_HELP: &[Binding] = &[CLOSE_HELP];
const HINT_CHOOSE: &[Binding] = &[CHOOSE_MOVE, CHOOSE_TAKE, CHOOSE_CLOSE];
const HINT_ACCOUNTS: &[Binding] = &[
    Binding {
        label: "↑/↓",
        does: "line",
        keys: &[
            (code(KeyCode::Up), Action::AccountsUp),
            (code(KeyCode::Down), Action::AccountsDown),
        ],
    },
    Binding {
        label: "space",
        does: "choose",
        keys: &[(ch(' '), Action::AccountsPick)],
    },
    Binding {
        label: "Enter",
        does: "steps",
        keys: &[(code(KeyCode::Enter), Action::AccountsDone)],
    },
    Binding {
        label: "Esc",
        does: "back",
        keys: &[(code(KeyCode::Esc), Action::Back)],
    },
    Binding {
        label: "?",
        does: "help",
        keys: &[(ch('?'), Action::OpenHelp)],
    },
    Binding {
        label: "q",
        does: "quit",
        keys: &[(ch('q'), Action::Quit)],
    },
];
const HINT_LOG: &[Binding] = &[LOG_SCROLL, LOG_TOP_BOTTOM, COPY_UNDO, CLOSE_LOG];
const HINT_ACCESS: &[Binding] = &[
    ACCESS_MOVE,
    ACCESS_OPEN,
    ACCESS_FILTER,
    ACCESS_SORT,
    ACCESS_AGAIN,
    ACCESS_CLOSE,
];
const HINT_ACCESS_FILTER: &[Binding] =
    &[ACCESS_FILTER_MOVE, ACCESS_FILTER_DONE, ACCESS_FILTER_CLEAR];
const HINT_EXPORT_PATH: &[Binding] = &[EXPORT_WRITE, CANCEL_SAVE];
const HINT_MANAGE: &[Binding] = &[
    Binding {
        label: "↑/↓",
        does: "choose",
        keys: &[
            (code(KeyCode::Up), Action::ManageUp),
            (code(KeyCode::Down), Action::ManageDown),
        ],
    },
    Binding {
        label: "Enter",
        does: "start",
        keys: &[(code(KeyCode::Enter), Action::ManageRun)],
    },
    Binding {
        label: "f/d/o",
        does: "options",
        keys: &[
            (ch('f'), Action::ToggleDetachForeign),
            (ch('d'), Action::ToggleDeleteFiles),
            (ch('o'), Action::ToggleDeleteOldKey),
        ],
    },
    Binding {
        label: "L",
        does: "log",
        keys: &[(ch('L'), Action::OpenLog)],
    },
    Binding {
        label: "Esc",
        does: "back",
        keys: &[(code(KeyCode::Esc), Action::Back)],
    },
    Binding {
        label: "?",
        does: "help",
        keys: &[(ch('?'), Action::OpenHelp)],
    },
    Binding {
        label: "q",
        does: "quit",
        keys: &[(ch('q'), Action::Quit)],
    },
];

/// The hint line's entries for a mode (on a step, with or without "Tab edit").
pub fn hints(mode: Mode, has_fields: bool) -> Vec<&'static Binding> {
    let all = match mode {
        Mode::Help => HINT_HELP,
        Mode::Save => HINT_SAVE,
        Mode::VerifyPath => HINT_VERIFY_PATH,
        Mode::Confirm => HINT_CONFIRM,
        Mode::ConfirmRemoval => HINT_CONFIRM_REMOVAL,
        Mode::Pick => HINT_PICK,
        Mode::Menu => HINT_MENU,
        Mode::Step => HINT_STEP,
        Mode::Editing => HINT_EDITING,
        Mode::Accounts => HINT_ACCOUNTS,
        Mode::Choose => HINT_CHOOSE,
        Mode::Log => HINT_LOG,
        Mode::Access => HINT_ACCESS,
        Mode::AccessFilter => HINT_ACCESS_FILTER,
        Mode::Manage => HINT_MANAGE,
        Mode::ExportPath => HINT_EXPORT_PATH,
    };
    all.iter()
        .filter(|binding| has_fields || **binding != HINT_EDIT)
        .collect()
}

/// The hint line for what the operator is doing now.
pub fn hint(app: &App) -> String {
    let has_fields = app
        .active()
        .is_some_and(|flow| !flow.step_spec().fields.is_empty());
    help_line(&hints(Mode::of(app), has_fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys a label names: "→ or n", "↑/↓", "1-9", "Ctrl-R", "Home/End".
    fn named_keys(label: &str) -> Vec<Key> {
        let mut keys = Vec::new();
        for part in label.split(" or ") {
            if part == "/" {
                keys.push(ch('/'));
                continue;
            }
            if part == "1-9" {
                keys.extend(('1'..='9').map(ch));
                continue;
            }
            for name in part.split('/') {
                let key = match name {
                    "Esc" => code(KeyCode::Esc),
                    "Enter" => code(KeyCode::Enter),
                    "Tab" => code(KeyCode::Tab),
                    "Shift-Tab" | "⇧Tab" => code(KeyCode::BackTab),
                    "↑" => code(KeyCode::Up),
                    "↓" => code(KeyCode::Down),
                    "←" => code(KeyCode::Left),
                    "→" => code(KeyCode::Right),
                    "Home" => code(KeyCode::Home),
                    "End" => code(KeyCode::End),
                    "space" => ch(' '),
                    _ if name.starts_with("Ctrl-") && name.chars().count() == 6 => {
                        let c = name.chars().last().unwrap().to_ascii_lowercase();
                        Key::Ctrl(c)
                    }
                    _ if name.chars().count() == 1 => ch(name.chars().next().unwrap()),
                    _ => panic!("a label names an unknown key {name:?} in {label:?}"),
                };
                keys.push(key);
            }
        }
        keys
    }

    /// Every binding a mode's help or hint line shows for it.
    fn shown(mode: Mode) -> Vec<&'static Binding> {
        let mut shown: Vec<&Binding> = HELP
            .iter()
            .filter(|group| group.modes.contains(&mode))
            .flat_map(|group| group.lines.iter().flat_map(|line| line.iter().copied()))
            .collect();
        shown.extend(hints(mode, true));
        shown
    }

    #[test]
    fn every_key_the_help_and_hints_name_does_what_they_say() {
        let entries = HELP
            .iter()
            .flat_map(|group| {
                group
                    .lines
                    .iter()
                    .flat_map(|line| line.iter().map(|b| (group.modes, *b)))
            })
            .chain(Mode::ALL.iter().flat_map(|mode| {
                hints(*mode, true)
                    .into_iter()
                    .map(|b| (std::slice::from_ref(mode), b))
            }));
        for (modes, binding) in entries {
            for key in named_keys(binding.label) {
                assert!(
                    binding.keys.iter().any(|(k, _)| *k == key),
                    "{:?} names {key:?}, which it does not bind",
                    binding.text()
                );
            }
            for (key, action) in binding.keys {
                assert!(
                    modes
                        .iter()
                        .any(|mode| mode.action(&key.event()) == Some(*action)),
                    "{:?}: {key:?} does not ask for {action:?} in {modes:?}",
                    binding.text()
                );
            }
        }
    }

    #[test]
    fn every_key_a_mode_dispatches_is_in_its_help_or_hint() {
        for mode in Mode::ALL {
            let shown = shown(mode);
            for binding in std::iter::once(&QUIT).chain(mode.bindings().iter().copied()) {
                assert!(
                    shown.contains(&binding),
                    "{mode:?}: {:?} is dispatched but shown nowhere",
                    binding.text()
                );
            }
        }
    }

    #[test]
    fn no_key_asks_for_two_things_in_one_mode() {
        for mode in Mode::ALL {
            let keys: Vec<(Key, Action)> = mode
                .bindings()
                .iter()
                .flat_map(|binding| binding.keys.iter().copied())
                .collect();
            for (key, action) in &keys {
                for (other, other_action) in &keys {
                    assert!(
                        key != other || action == other_action,
                        "{mode:?}: {key:?} asks for {action:?} and {other_action:?}"
                    );
                }
                // Nothing earlier in the table shadows it.
                assert_eq!(mode.action(&key.event()), Some(*action), "{mode:?} {key:?}");
            }
        }
    }

    #[test]
    fn typing_modes_take_unbound_keys_as_text_and_others_ignore_them() {
        let letter = ch('z').event();
        assert_eq!(Mode::Editing.action(&letter), Some(Action::Type));
        assert_eq!(Mode::Save.action(&letter), Some(Action::Type));
        assert_eq!(Mode::Step.action(&letter), None);
        assert_eq!(Mode::Menu.action(&letter), None);
        // q is a letter while typing, and quits elsewhere; Ctrl-C quits everywhere.
        assert_eq!(Mode::Editing.action(&ch('q').event()), Some(Action::Type));
        assert_eq!(Mode::Step.action(&ch('q').event()), Some(Action::Quit));
        for mode in Mode::ALL {
            assert_eq!(mode.action(&Key::Ctrl('c').event()), Some(Action::Quit));
        }
    }

    #[test]
    fn the_help_lines_read_as_before() {
        let lines: Vec<String> = HELP
            .iter()
            .flat_map(|group| group.lines.iter().map(|line| help_line(line)))
            .collect();
        assert_eq!(lines[0], "Ctrl-C quit · ? this help · Esc close / back");
        assert_eq!(lines.last().unwrap(), "Enter save · Esc cancel");
        assert!(lines.contains(&"Ctrl-U clear · Ctrl-W delete a word · Home/End".to_string()));
        assert_eq!(
            help_line(&hints(Mode::Step, false)),
            "→/← step · x run · c copy · s save · v doc · ? help · q quit"
        );
    }
}
