//! Every key the wizard knows, in one place: the help overlay and the hint line are
//! drawn from here.

use super::app::{App, Overlay, Screen};

/// The help overlay: groups of key descriptions.
pub const HELP: &[(&str, &[&str])] = &[
    (
        "Anywhere",
        &["Ctrl-C quit · ? this help · Esc close / back"],
    ),
    (
        "Start",
        &["↑/↓ choose a procedure · Enter start it · q quit"],
    ),
    (
        "A step",
        &[
            "→ or n next step · ← or p previous · 1-9 go to a step",
            "Tab or Enter edit the fields · Shift-Tab the last field",
            "↓/↑ or j/k scroll the document · g/G top / bottom",
            "v the step's next document",
            "c copy the document · y copy the selected field's value",
            "s save the document to a file",
            "x run the step (asks first when it changes something)",
            "Esc cancel a running step, or back to the start · q quit",
            "r reveal/hide the secret key · y key id · Y the secret (step 5)",
            "U replace a policy or trust policy found to differ (asks first)",
            "d revoke the grant · u restore the previous policy (repository)",
        ],
    ),
    (
        "Editing",
        &[
            "Tab or ↓ next field · Shift-Tab or ↑ previous",
            "Enter next field (leaves after the last) · Esc stop",
            "←/→ or space change a choice · Ctrl-R default value",
            "Ctrl-U clear · Ctrl-W delete a word · Home/End",
        ],
    ),
    ("Confirm", &["y or Enter run · n or Esc do not"]),
    ("Save", &["Enter save · Esc cancel"]),
];

/// The hint line for what the operator is doing now.
pub fn hint(app: &App) -> &'static str {
    match (&app.overlay, app.screen) {
        (Some(Overlay::Help), _) => "Esc or ? closes the help",
        (Some(Overlay::Save(_)), _) => "Enter save · Esc cancel",
        (Some(Overlay::Confirm(_)), _) => "y run it · n or Esc do not",
        (Some(Overlay::Pick(_)), _) => "↑/↓ choose · Enter take it · Esc close",
        (None, Screen::Menu) => "↑/↓ choose · Enter start · ? help · q quit",
        (None, Screen::Flow(flow)) if app.flow(flow).editing.is_some() => {
            "Tab/↓ next · ⇧Tab/↑ previous · Enter next · Esc done · Ctrl-R default"
        }
        (None, Screen::Flow(flow)) if app.flow(flow).step_spec().fields.is_empty() => {
            "→/← step · x run · c copy · s save · v doc · ? help · q quit"
        }
        (None, Screen::Flow(_)) => {
            "→/← step · Tab edit · x run · c copy · s save · v doc · ? help · q quit"
        }
    }
}
