//! Switching repository on the repository flow: what was shown for the old one
//! (its runs, its merged grant) stops being shown, so nothing on screen and no key
//! acts on a repository the operator left.

use crate::core::flow::{FieldId, FlowId};

use super::jobs::Job;
use super::model::App;

/// The repository the repository flow names now.
pub(super) fn current_repository(app: &App) -> String {
    app.flow(FlowId::RepositorySharing)
        .form
        .text(FieldId::Repository)
        .trim()
        .to_string()
}

/// Called after every message with the repository named before it: when it changed,
/// the finished runs of the flow's steps are forgotten (the repository list read
/// from the account stays: it is not about one repository) and the merged grant is
/// dropped.
pub(super) fn after_repository_change(app: &mut App, before: &str) {
    if current_repository(app) == before {
        return;
    }
    let App {
        repository, runs, ..
    } = app;
    repository.step_runs.retain(|_, run| {
        runs.get(run)
            .is_some_and(|state| state.running || matches!(state.job, Job::Repositories { .. }))
    });
    repository.form.merged = None;
}

/// Why `u` cannot restore here: the last change was applied to another repository.
pub(super) fn restore_elsewhere(app: &App, changed: &str) -> Option<String> {
    (current_repository(app) != changed)
        .then(|| format!("The last change was to {changed}; switch back to it to restore it."))
}
