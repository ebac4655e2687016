//! What reaches the wizard's state machine ([`Msg`]) and what it asks the runtime to
//! do ([`Effect`]). Both are plain data: `update` turns one message into effects, the
//! runtime performs them, and their results come back as messages.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;

use crate::aws::CallReport;
use crate::procedure::export::ExportFile;

use super::clipboard::CopyMethod;
use super::jobs::{Job, Output, RunId};

/// Everything that can change the wizard's state.
#[derive(Debug)]
pub enum Msg {
    /// A key the operator pressed: the only way the operator steers the wizard.
    Key(KeyEvent),
    /// Text pasted into the terminal, whole: it goes into a field, never acts as keys.
    Paste(String),
    /// The region the start profile is configured with, read after the first frame
    /// so that start-up never waits for the AWS files: the default region.
    ProfileRegion(Option<String>),
    /// The terminal changed size; the next frame lays out anew.
    Resize,
    /// Time passed: spinners move on while something runs.
    Tick,
    /// The clipboard answered a copy request, so the status line can say how it went.
    Copied {
        what: String,
        result: Result<CopyMethod, String>,
    },
    /// A file write finished; an existing file turns the prompt into a question.
    Saved(Result<PathBuf, SaveError>),
    /// One call of a running step finished, for the live status of the step.
    Call { run: RunId, report: CallReport },
    /// A running step found something later steps use (an account, a key, a plan).
    Output { run: RunId, output: Output },
    /// A run ended: every call reported, or it was cancelled.
    Finished { run: RunId, cancelled: bool },
    /// The export of the Manage screen was written (the folder, made absolute, and
    /// the names of the files), or why not; a missing folder or one that holds
    /// files turns the prompt into a question.
    Exported(Result<(PathBuf, Vec<String>), ExportError>),
}

/// Work for the runtime: the only ways `update` reaches outside the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a job in the background; it reports back as `Call`, `Output`, `Finished`.
    Start { run: RunId, job: Box<Job> },
    /// Stop a run still in flight, because the operator pressed Esc on its step.
    Cancel { run: RunId },
    /// Put text on the clipboard; `what` names it in the status line.
    Copy { what: String, text: String },
    /// Write a document to a file. A file that may hold a secret is created 0600.
    Save {
        path: PathBuf,
        contents: String,
        private: bool,
        overwrite: bool,
        /// Create the file's missing folder first (0700, with its parents): the
        /// operator said yes to that.
        create_folder: bool,
    },
    /// Write the export of the procedure into a folder: the scripts 0755, the
    /// documents 0644, none through a symbolic link, and no AWS call.
    Export {
        folder: PathBuf,
        files: Vec<ExportFile>,
        /// Replace the export's own files in a folder that holds files: the
        /// operator said yes to that.
        replace: bool,
        /// Create the folder when it is missing: the operator said yes to that.
        create_folder: bool,
    },
    /// Leave the program, restoring the terminal.
    Quit,
}

/// Why a save did not happen, as [`Msg::Saved`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// The file exists; the operator is asked before it is replaced.
    Exists(PathBuf),
    /// The folder the file would go in does not exist; the operator is asked before
    /// it is created.
    MissingFolder(PathBuf),
    /// The operating system refused, with its reason.
    Io(String),
}

/// Why an export was not written, as [`Msg::Exported`] reports it. Nothing was
/// written in any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// The folder does not exist; the operator is asked before it is created.
    MissingFolder(PathBuf),
    /// The folder holds files; the operator is asked before the export's files in
    /// it are replaced.
    HoldsFiles(PathBuf),
    /// Refused or failed, with the reason.
    Io(String),
}
