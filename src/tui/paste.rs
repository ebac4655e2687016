//! Text pasted into the terminal ([`Msg::Paste`](super::message::Msg::Paste)): it goes
//! into the field being edited, or the selected one, and never acts as key presses.
//! Several lines pasted into the grantee list fill the list; a single-line field takes
//! the first line and the status line says the rest was left out. A list's filter
//! (profiles, regions, contexts, who has access) takes the first line.

use tui_input::Input;

use crate::core::flow::{FieldId, FieldKind, field_spec};

use super::model::{App, Overlay, Screen, Tone};

/// Puts pasted text where the operator is typing, or into the selected field.
pub(super) fn on_paste(app: &mut App, text: &str) {
    match &mut app.overlay {
        Some(Overlay::Save(prompt)) => {
            let (line, dropped) = first_line(text);
            prompt.input = inserted(&prompt.input, &line);
            prompt.confirm_overwrite = false;
            prompt.create_folder = false;
            if dropped {
                app.say(
                    Tone::Info,
                    "Only the first line was pasted into the file name; the rest was left out.",
                );
            }
            return;
        }
        // A list's filter takes the first line, as typing it would.
        Some(Overlay::Choose(chooser)) => {
            let (line, _) = first_line(text);
            chooser.filter = inserted(&chooser.filter, line.trim());
            chooser.selected = 0;
            return;
        }
        Some(Overlay::Access(screen)) => {
            let (line, _) = first_line(text);
            screen.filter = inserted(&screen.filter, line.trim());
            screen.filtering = true;
            return;
        }
        Some(_) => {
            app.say(
                Tone::Info,
                "The pasted text was not used: close this window first (Esc).",
            );
            return;
        }
        None => {}
    }
    let Screen::Flow(flow) = app.screen else {
        app.say(
            Tone::Info,
            "The pasted text was not used: open a procedure and a field first.",
        );
        return;
    };
    let state = app.flow_mut(flow);
    let Some(field) = state.selected_field() else {
        app.say(
            Tone::Info,
            "The pasted text was not used: this step has nothing to fill in.",
        );
        return;
    };
    let label = field_spec(field).label;
    if let FieldKind::Choice(_) = field_spec(field).kind {
        app.say(
            Tone::Info,
            format!("{label} is chosen with ←/→; the pasted text was not used."),
        );
        return;
    }
    let started = state.editing.is_none();
    if started {
        let selected = state.selected;
        state.start_editing(selected);
    }
    let Some(input) = &mut state.editing else {
        return;
    };
    let mut dropped = false;
    let pasted = if field == FieldId::Grantees {
        let list = account_lines(text);
        let before: String = input.value().chars().take(input.cursor()).collect();
        let before = before.trim_end();
        if before.is_empty() || before.ends_with([',', ';']) {
            list
        } else {
            format!(", {list}")
        }
    } else {
        let (line, cut) = first_line(text);
        dropped = cut;
        // A field that holds one value takes the pasted value in place of the
        // one it showed when the paste opened it.
        if started {
            *input = Input::default();
        }
        line
    };
    *input = inserted(input, &pasted);
    let value = input.value().to_string();
    state.form.set(field, value);
    if dropped {
        app.say(
            Tone::Info,
            format!("Only the first line was pasted into {label}; the rest was left out."),
        );
    } else {
        app.say(Tone::Info, format!("Pasted into {label}."));
    }
}

/// The text up to the first line break, without control characters, and whether
/// anything but blank space came after it.
fn first_line(text: &str) -> (String, bool) {
    let text = text.trim_start_matches(['\r', '\n']);
    let (line, rest) = match text.find(['\r', '\n']) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    (printable(line), !rest.trim().is_empty())
}

/// Every non-blank line of a paste, joined with ", " (the list's separator).
fn account_lines(text: &str) -> String {
    text.lines()
        .map(|line| printable(line).trim().to_string())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A pasted line with tabs as spaces and other control characters left out, so
/// nothing pasted can move the cursor or recolour the terminal.
fn printable(line: &str) -> String {
    line.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// `input` with `text` put in at its cursor, the cursor after it.
fn inserted(input: &Input, text: &str) -> Input {
    let cursor = input.cursor();
    let before: String = input.value().chars().take(cursor).collect();
    let after: String = input.value().chars().skip(cursor).collect();
    Input::new(format!("{before}{text}{after}")).with_cursor(cursor + text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_control_characters() {
        assert_eq!(
            first_line("\r\nteam/app\r\nmore"),
            ("team/app".to_string(), true)
        );
        assert_eq!(first_line("team/app\n \n"), ("team/app".to_string(), false));
        assert_eq!(
            first_line("a\u{1b}[31mb\tc"),
            ("a[31mb c".to_string(), false)
        );
        assert_eq!(
            account_lines("111111111111\r\n\r\n 2222-2222-2222 \n"),
            "111111111111, 2222-2222-2222"
        );
        let input = Input::new("ab".into()).with_cursor(1);
        let input = inserted(&input, "é-");
        assert_eq!((input.value(), input.cursor()), ("aé-b", 3));
    }
}
