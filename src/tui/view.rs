//! Drawing. Views only read the model; the one thing they write back is the size of
//! the document pane, so scrolling knows where the end is.

use std::cell::RefCell;
use std::rc::Rc;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use crate::core::documents::{Access, Language};
use crate::core::flow::{FLOWS, FieldId, FieldKind, FlowSpec, field_spec};
use crate::core::{documents, flow, regions};

use super::findings;
use super::highlight::highlight;
use super::keys;
use super::model::{
    App, Confirm, FlowState, IdentityState, Overlay, PathPurpose, Picker, RunState, SavePrompt,
    Screen, Tone,
};
use super::rows::Rows;
use super::runlog;

/// Below this the wizard shows a message instead of its screens.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 18;
/// From this width on, form and document stand side by side.
pub const WIDE: u16 = 120;

const DIM: Style = Style::new().fg(Color::DarkGray);
const ACCENT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const ERROR: Style = Style::new().fg(Color::Red);
const NEEDED: Style = Style::new().fg(Color::Yellow);
const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return;
    }
    let footer_lines = footer_lines(app, area.width);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(footer_lines.len() as u16),
    ])
    .areas(area);
    match app.screen {
        Screen::Menu => {
            draw_menu_header(frame, header);
            draw_menu(frame, body, app);
        }
        Screen::Flow(flow) if app.flow(flow).manage.open => {
            super::manage_view::draw(frame, header, body, app);
        }
        Screen::Flow(flow) if app.flow(flow).accounts_row.is_some() => {
            super::accounts::draw(frame, header, body, app, app.flow(flow));
        }
        Screen::Flow(flow) => {
            let state = app.flow(flow);
            draw_flow_header(frame, header, state);
            draw_flow(frame, body, app, state);
        }
    }
    frame.render_widget(Rows(&footer_lines), footer);
    match &app.overlay {
        Some(Overlay::Help) => draw_help(frame, area, app),
        Some(Overlay::Save(prompt)) => draw_save_prompt(frame, area, prompt),
        Some(Overlay::Confirm(confirm)) => draw_confirm(frame, area, confirm),
        Some(Overlay::Pick(picker)) => draw_picker(frame, area, picker),
        Some(Overlay::Choose(chooser)) => super::accounts::draw_chooser(frame, area, chooser),
        Some(Overlay::Log { scroll }) => runlog::draw_log(frame, area, app, *scroll),
        Some(Overlay::Access(screen)) => super::access::draw(frame, area, app, screen),
        None => {}
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = Text::from(vec![
        Line::from("Terminal too small".bold()),
        Line::from(format!("{}×{}", area.width, area.height)),
        Line::from(format!("ecr-share needs {MIN_WIDTH}×{MIN_HEIGHT}")),
        Line::from("(80×24 or more is best)"),
        Line::from("Enlarge it, or q to quit"),
    ]);
    let height = (text.lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let rect = Rect::new(area.x, y, area.width, height);
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_menu_header(frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(vec![
            Span::styled(" ecr-share ", ACCENT),
            Span::raw("· share container-registry access across AWS accounts"),
        ]),
        Line::from(Span::styled("─".repeat(usize::from(area.width)), DIM)),
    ];
    frame.render_widget(Rows(&lines), area);
}

fn draw_menu(frame: &mut Frame, area: Rect, app: &App) {
    let area = area.inner(Margin::new(2, 1));
    let mut lines = vec![Line::from("Choose what to share:".bold()), Line::raw("")];
    for (index, flow) in FLOWS.iter().enumerate() {
        let spec = FlowSpec::get(*flow);
        let selected = index == app.menu_selected;
        let marker = if selected { "▶ " } else { "  " };
        let name_style = if selected {
            SELECTED.add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        lines.push(Line::from(vec![
            Span::styled(marker, ACCENT),
            Span::styled(format!("{}. {}", index + 1, spec.name), name_style),
            Span::styled(format!("  ({} steps)", spec.steps.len()), DIM),
        ]));
        for line in wrap_words(spec.summary, usize::from(area.width).saturating_sub(5)) {
            lines.push(Line::from(format!("     {line}")));
        }
        lines.push(Line::raw(""));
    }
    for line in wrap_words(
        "↑/↓ choose · Enter start · ? all keys · q quit · Ctrl-C quits from anywhere",
        usize::from(area.width),
    ) {
        lines.push(Line::from(Span::styled(line, DIM)));
    }
    frame.render_widget(Rows(&lines), area);
}

fn draw_flow_header(frame: &mut Frame, area: Rect, state: &FlowState) {
    let spec = state.spec();
    let count = spec.steps.len();
    let step = state.step_spec();
    let position = format!("Step {} of {count} ", state.step + 1);
    let title = format!(" ecr-share › {} › {}", spec.name, step.title);
    let room = usize::from(area.width).saturating_sub(position.chars().count() + 1);
    let title = truncate(&title, room);
    let padding =
        usize::from(area.width).saturating_sub(title.chars().count() + position.chars().count());
    let first = Line::from(vec![
        Span::styled(title, ACCENT),
        Span::raw(" ".repeat(padding)),
        Span::styled(position, Style::new().add_modifier(Modifier::BOLD)),
    ]);

    // Every step's title when it fits, otherwise numbers with the current title.
    let full: usize = spec.steps.iter().map(|s| s.short.chars().count() + 5).sum();
    let compact = full + 1 > usize::from(area.width);
    let mut spans = vec![Span::raw(" ")];
    for (index, s) in spec.steps.iter().enumerate() {
        let current = index == state.step;
        let label = if compact && !current {
            format!(" {} ", index + 1)
        } else {
            format!(" {} {} ", index + 1, s.short)
        };
        let style = if current {
            SELECTED.add_modifier(Modifier::BOLD)
        } else if index < state.step {
            Style::new().fg(Color::Gray)
        } else {
            DIM
        };
        spans.push(Span::styled(label, style));
        if index + 1 < count {
            spans.push(Span::styled("›", DIM));
        }
    }
    frame.render_widget(Rows(&[first, Line::from(spans)]), area);
}

/// The narrowest the document pane gets beside the form; narrower, they are stacked.
const MIN_DOCUMENT: u16 = 50;
/// The narrowest the form gets beside the document: its instructions, notes and
/// results stay readable. A document whose lines with identifiers would leave the
/// form less is drawn below the form instead, at the full width.
const MIN_FORM: u16 = 40;

/// The widths of form and document side by side, or `None` to stack them. The form
/// gets 45% of the width, less when the document's longest line that holds an ARN,
/// an account id or a URL needs the room (other long lines wrap), but never less
/// than its longest value (a value is never wrapped) nor [`MIN_FORM`]; the document
/// never less than [`MIN_DOCUMENT`].
fn side_by_side(state: &FlowState, document: &str, width: u16) -> Option<(u16, u16)> {
    if width < WIDE {
        return None;
    }
    let form_need = form_width_needed(state);
    let document_need = document_width_needed(document);
    if width.saturating_sub(document_need) < MIN_FORM {
        return None;
    }
    let form = (width * 45 / 100)
        .min(width.saturating_sub(document_need))
        .max(form_need);
    if width.saturating_sub(form) < MIN_DOCUMENT {
        return None;
    }
    Some((form, width - form))
}

/// Columns the form needs so no field's value is cut: marker, label, value, border.
fn form_width_needed(state: &FlowState) -> u16 {
    let label = label_width(state);
    let value = state
        .step_spec()
        .fields
        .iter()
        .map(|field| match field_spec(*field).kind {
            FieldKind::Choice(options) => {
                options.iter().map(|o| o.chars().count() + 1).sum::<usize>()
            }
            FieldKind::Text => state.form.text(*field).chars().count() + 1,
        })
        .max()
        .unwrap_or(0);
    u16::try_from(2 + label + value + 2).unwrap_or(u16::MAX)
}

/// Columns the document needs so its longest line with an ARN, an account id or a
/// URL stands on one line.
fn document_width_needed(document: &str) -> u16 {
    let longest = document
        .lines()
        .filter(|line| holds_identifier(line))
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0);
    u16::try_from(longest + 2).unwrap_or(u16::MAX)
}

/// Whether a line holds an ARN, a URL or a 12-digit account id.
pub fn holds_identifier(line: &str) -> bool {
    if line.contains("arn:") || line.contains("http") {
        return true;
    }
    let mut run = 0;
    for c in line.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run == 12 {
            return true;
        }
    }
    false
}

fn draw_flow(frame: &mut Frame, area: Rect, app: &App, state: &FlowState) {
    // Generated once per frame: the layout and the pane both read it.
    let document = state.form.document(state.document_kind());
    if let Some((form_width, _)) = side_by_side(state, &document, area.width) {
        let [form, document_area] =
            Layout::horizontal([Constraint::Length(form_width), Constraint::Min(0)]).areas(area);
        draw_form(frame, form, app, state, true);
        draw_document(frame, document_area, app, state, &document);
    } else {
        // A step with results gives the document less room, so they can be seen.
        let keep = if app.step_run(state.form.flow(), state.step).is_some() {
            5
        } else {
            7
        };
        let form_height = form_height(app, state, area.width).min(area.height.saturating_sub(keep));
        let [form, document_area] =
            Layout::vertical([Constraint::Length(form_height), Constraint::Min(0)]).areas(area);
        draw_form(frame, form, app, state, false);
        draw_document(frame, document_area, app, state, &document);
    }
}

/// Lines the form needs at a given width when stacked above the document.
fn form_height(app: &App, state: &FlowState, width: u16) -> u16 {
    let inner = width.saturating_sub(2);
    let (instructions, fields) = form_parts(state, inner);
    let meta = meta_lines(state, inner).len();
    let runs = run_lines(app, state, inner).len();
    (instructions.len() + 2 + meta + fields.iter().map(|f| 1 + f.note.len()).sum::<usize>() + runs)
        as u16
}

/// One field as drawn: its label column and the lines of its note.
struct FieldRows {
    field: FieldId,
    index: usize,
    note: Vec<Line<'static>>,
}

/// The step's instructions wrapped to `width`, and each field with its wrapped note.
fn form_parts(state: &FlowState, width: u16) -> (Vec<String>, Vec<FieldRows>) {
    let step = state.step_spec();
    let instructions = wrap_words(step.instructions, usize::from(width));
    let indent = note_indent(state, width);
    let note_width = usize::from(width).saturating_sub(indent).max(10);
    let fields = step
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let (text, style) = field_note(state, *field);
            let note = wrap_words(&text, note_width)
                .into_iter()
                .map(|line| {
                    Line::from(vec![
                        Span::raw(" ".repeat(indent)),
                        Span::styled(line, style),
                    ])
                })
                .collect();
            FieldRows {
                field: *field,
                index,
                note,
            }
        })
        .collect();
    (instructions, fields)
}

fn label_width(state: &FlowState) -> usize {
    state
        .step_spec()
        .fields
        .iter()
        .map(|f| field_spec(*f).label.chars().count())
        .max()
        .unwrap_or(0)
        + 2
}

/// Notes line up under the values when there is room, else they start near the edge.
fn note_indent(state: &FlowState, width: u16) -> usize {
    let aligned = label_width(state) + 2;
    if usize::from(width) >= aligned + 30 {
        aligned
    } else {
        4
    }
}

/// Which account the step runs in and the calls it makes, wrapped.
fn meta_lines(state: &FlowState, width: u16) -> Vec<String> {
    let step = state.step_spec();
    let calls = if step.calls.is_empty() {
        "no AWS calls".to_string()
    } else {
        step.calls.join(", ")
    };
    let mut lines = wrap_words(
        &format!("Runs in the {} · {calls}", step.side.label()),
        usize::from(width),
    );
    lines.extend(who_lines(state, width));
    lines
}

/// Which account the step's profile is, wrapped.
fn who_lines(state: &FlowState, width: u16) -> Vec<String> {
    let step = state.step_spec();
    let who = match state.identities.get(&step.side) {
        Some(IdentityState::Known(target, identity)) => {
            format!(
                "{} → account {} ({})",
                target.profile_label(),
                identity.account,
                identity.arn
            )
        }
        Some(IdentityState::Resolving(target)) => {
            format!("{} → looking up the account…", target.profile_label())
        }
        Some(IdentityState::Failed(target, error)) => {
            format!("{} → ✗ {}", target.profile_label(), short_error(error))
        }
        None => String::new(),
    };
    wrap_words(&who, usize::from(width))
}

/// Greedy word wrap; a word longer than the width is cut.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    // Columns in `line`, kept as it grows so no line is counted twice.
    let mut columns = 0;
    for word in text.split_whitespace() {
        let word_columns = word.chars().count();
        if columns > 0 && columns + 1 + word_columns > width {
            lines.push(std::mem::take(&mut line));
            columns = 0;
        }
        if columns > 0 {
            line.push(' ');
            columns += 1;
        }
        line.push_str(word);
        columns += word_columns;
        while columns > width {
            let cut = line
                .char_indices()
                .nth(width)
                .map_or(line.len(), |(i, _)| i);
            let rest = line.split_off(cut);
            lines.push(std::mem::replace(&mut line, rest));
            columns -= width;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn draw_form(frame: &mut Frame, area: Rect, app: &App, state: &FlowState, bordered: bool) {
    let step = state.step_spec();
    let inner = if bordered {
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .title(Span::styled(format!(" {} ", step.title), ACCENT));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        inner
    } else {
        area.inner(Margin::new(1, 0))
    };
    let (instructions, mut fields) = form_parts(state, inner.width);
    let mut runs = run_lines(app, state, inner.width);
    let mut meta = meta_lines(state, inner.width);
    let fields_height: usize = fields.iter().map(|f| 1 + f.note.len()).sum();
    // When results do not fit, the form makes room: plain ✓ notes, the list of calls
    // (the results name them) and the blank line above the results go.
    let compact = !runs.is_empty()
        && fields_height + 3 + meta.len() + runs.len().min(RESULTS_KEPT)
            > usize::from(inner.height);
    if compact {
        meta = who_lines(state, inner.width);
        for rows in &mut fields {
            if rows.note.len() == 1 && rows.note[0].to_string().trim() == "✓" {
                rows.note.clear();
            }
        }
        if runs.first().is_some_and(|line| line.width() == 0) {
            runs.remove(0);
        }
    }
    let fields_height: usize = fields.iter().map(|f| 1 + f.note.len()).sum();
    // Fields win over instructions when space is short: they are what is being edited;
    // so do the first lines of the results.
    let room = usize::from(inner.height)
        .saturating_sub(fields_height + 2 + meta.len() + runs.len().min(RESULTS_KEPT));
    let mut lines: Vec<Line> = instructions
        .iter()
        .take(room.max(1))
        .map(|l| Line::raw(l.clone()))
        .collect();
    if instructions.len() > room.max(1)
        && let Some(last) = lines.last_mut()
    {
        let kept: String = last
            .to_string()
            .chars()
            .take(usize::from(inner.width).saturating_sub(1))
            .collect();
        *last = Line::raw(format!("{}…", kept.trim_end()));
    }
    lines.push(Line::raw(""));
    lines.extend(
        meta.into_iter()
            .map(|line| Line::from(Span::styled(line, DIM))),
    );
    lines.push(Line::raw(""));
    let top = inner.y + lines.len() as u16;
    frame.render_widget(Rows(&lines), inner);

    let label_width = label_width(state);
    let mut y = top;
    for rows in fields {
        if y >= inner.bottom() {
            break;
        }
        draw_field(
            frame,
            Rect::new(inner.x, y, inner.width, 1),
            state,
            rows.field,
            rows.index,
            label_width,
        );
        y += 1;
        for note in rows.note {
            if y >= inner.bottom() {
                break;
            }
            frame.render_widget(
                Rows(std::slice::from_ref(&note)),
                Rect::new(inner.x, y, inner.width, 1),
            );
            y += 1;
        }
    }
    let rest = Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y));
    draw_results(frame, rest, app, state, runs);
}

/// Lines of results kept in view before the instructions give way.
const RESULTS_KEPT: usize = 12;

/// The step's results in the room left under the form: all of them when they fit,
/// else a window that `[`/`]` scrolls, with a line saying where it is.
fn draw_results(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    state: &FlowState,
    runs: Vec<Line<'static>>,
) {
    let rows = usize::from(area.height);
    if rows == 0 || runs.is_empty() {
        app.results_max.set(0);
        return;
    }
    if runs.len() <= rows {
        app.results_max.set(0);
        frame.render_widget(Rows(&runs), area);
        return;
    }
    let shown = rows.saturating_sub(1).max(1);
    let max = runs.len() - shown;
    app.results_max.set(u16::try_from(max).unwrap_or(u16::MAX));
    let first = usize::from(state.results_scroll).min(max);
    let total = runs.len();
    let mut lines: Vec<Line> = runs.into_iter().skip(first).take(shown).collect();
    if rows > 1 {
        let marker = format!(
            "▾ results {}–{} of {total} lines · [/] scroll · L run log",
            first + 1,
            first + shown
        );
        lines.push(Line::from(Span::styled(
            truncate(&marker, usize::from(area.width)),
            NEEDED,
        )));
    }
    frame.render_widget(Rows(&lines), area);
}

pub(super) const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The step's latest run: one line a call, with its status, then its detail.
fn run_lines(app: &App, state: &FlowState, width: u16) -> Vec<Line<'static>> {
    let Some(run) = app.step_run(state.form.flow(), state.step) else {
        return Vec::new();
    };
    let mut lines = vec![
        Line::raw(""),
        Line::from(Span::styled(
            run_heading(run),
            Style::new().add_modifier(Modifier::BOLD),
        )),
    ];
    let detail_width = usize::from(width).saturating_sub(4).max(10);
    for report in &run.reports {
        lines.extend(runlog::report_lines(report, width));
    }
    for (index, call) in run.calls.iter().enumerate().skip(run.reports.len()) {
        let (icon, style, suffix) = if run.running && index == run.reports.len() {
            (SPINNER[(app.ticks % 10) as usize], ACCENT, "")
        } else if run.running {
            ("·", DIM, "")
        } else {
            ("·", DIM, " — not run")
        };
        for (index, line) in wrap_words(&format!("{call}{suffix}"), detail_width + 2)
            .into_iter()
            .enumerate()
        {
            let lead = if index == 0 {
                format!("{icon} ")
            } else {
                "  ".to_string()
            };
            let text_style = if run.running { Style::new() } else { DIM };
            lines.push(Line::from(vec![
                Span::styled(lead, style),
                Span::styled(line, text_style),
            ]));
        }
    }
    lines
}

fn run_heading(run: &RunState) -> String {
    if run.running {
        "Running (Esc cancels)".to_string()
    } else if run.cancelled {
        "Cancelled: calls already made are listed".to_string()
    } else if run.reports.iter().any(|r| r.outcome.is_failure()) {
        "Last run stopped".to_string()
    } else {
        "Last run".to_string()
    }
}

fn draw_field(
    frame: &mut Frame,
    row: Rect,
    state: &FlowState,
    field: FieldId,
    index: usize,
    label_width: usize,
) {
    let spec = field_spec(field);
    let form = &state.form;
    let selected = index == state.selected;
    let editing = selected && state.editing.is_some();
    let label_style = if selected {
        ACCENT
    } else {
        Style::new().fg(Color::Gray)
    };
    let marker = if editing {
        "✎ "
    } else if selected {
        "› "
    } else {
        "  "
    };
    let label = format!("{marker}{:<width$}", spec.label, width = label_width);
    let value_x = row.x + label.chars().count() as u16;
    let value_width = row.width.saturating_sub(label.chars().count() as u16);
    let mut spans = vec![Span::styled(label, label_style)];

    match spec.kind {
        FieldKind::Choice(options) => {
            let current = form.text(field);
            for (index, option) in options.iter().enumerate() {
                let style = if *option == current {
                    if editing {
                        SELECTED
                    } else {
                        Style::new().add_modifier(Modifier::BOLD)
                    }
                } else {
                    DIM
                };
                if index > 0 {
                    spans.push(Span::raw(" "));
                }
                spans.push(Span::styled(option.to_string(), style));
            }
        }
        FieldKind::Text => {
            if let (true, Some(input)) = (editing, &state.editing) {
                let width = usize::from(value_width.max(1)) - 1;
                let scroll = input.visual_scroll(width);
                let visible: String = input.value().chars().skip(scroll).take(width + 1).collect();
                spans.push(Span::styled(
                    visible,
                    Style::new().add_modifier(Modifier::UNDERLINED),
                ));
                let cursor = input.visual_cursor().saturating_sub(scroll) as u16;
                frame.set_cursor_position((value_x + cursor.min(value_width), row.y));
            } else {
                let text = form.text(field);
                if text.is_empty() {
                    spans.push(Span::styled(
                        truncate(&format!("<{}>", spec.hint), usize::from(value_width)),
                        DIM,
                    ));
                } else {
                    spans.push(Span::raw(truncate(&text, usize::from(value_width))));
                }
            }
        }
    }
    frame.render_widget(Rows(&[Line::from(spans)]), row);
}

/// The line under a field: why it is not valid, or where its value came from.
fn field_note(state: &FlowState, field: FieldId) -> (String, Style) {
    let form = &state.form;
    let text = form.text(field);
    match form.check(field) {
        Err(reason) if text.trim().is_empty() && !form.is_edited(field) => {
            return (format!("needed: {reason}"), NEEDED);
        }
        Err(reason) => return (format!("✗ {reason}"), ERROR),
        Ok(()) => {}
    }
    let note = match field {
        FieldId::Region => form
            .partition()
            .map(|p| format!("✓ partition {p}"))
            .unwrap_or_default(),
        FieldId::RegistryAccount
            if state
                .registry_note
                .as_ref()
                .is_some_and(|(account, _)| *account == text) =>
        {
            format!(
                "✓ {}",
                state
                    .registry_note
                    .as_ref()
                    .map(|(_, note)| note.as_str())
                    .unwrap_or_default()
            )
        }
        FieldId::RegistryAccount if !form.is_edited(field) => {
            let region = form.text(FieldId::Region);
            if regions::curated_packages_registry(&region).is_some() {
                format!("✓ production registry of {region}")
            } else {
                "✓".to_string()
            }
        }
        FieldId::RegistryAccount => {
            "✓ typed (empty it or Ctrl-R: back to the region's registry)".to_string()
        }
        FieldId::SourceAccount | FieldId::DestinationAccount | FieldId::RoleArn
            if form.is_edited(field) =>
        {
            "✓ typed (empty it to follow the default again)".to_string()
        }
        FieldId::RoleArn if !form.is_edited(field) => {
            "✓ from the source account and role name of step 3".to_string()
        }
        FieldId::Grantees => match form.grantees() {
            Ok(list) if list.len() > 1 => format!("✓ {} accounts", list.len()),
            _ => "✓".to_string(),
        },
        FieldId::Access => match form.access() {
            Access::LambdaPull => format!(
                "pull for Lambda: the functions must run in {}, the repository's region (Lambda pulls across accounts only within one region)",
                form.text(FieldId::Region)
            ),
            access => access.label().to_string(),
        },
        FieldId::KubeContext if text.is_empty() => {
            "empty: x lists kubectl's contexts to choose from".to_string()
        }
        FieldId::SourceProfile | FieldId::DestinationProfile | FieldId::Profile => {
            match super::accounts::profile_problem(None, state, field) {
                Some(problem) => return (problem, ERROR),
                None => "✓".to_string(),
            }
        }
        _ => "✓".to_string(),
    };
    (note, DIM)
}

fn draw_document(frame: &mut Frame, area: Rect, app: &App, state: &FlowState, text: &str) {
    let step = state.step_spec();
    let kind = state.document_kind();
    let count = step.documents.len();
    let mut title = vec![Span::styled(format!(" {} ", kind.title()), ACCENT)];
    if count > 1 {
        title.push(Span::styled(
            format!("{}/{count} · v next ", state.document + 1),
            DIM,
        ));
    }
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(Line::from(title))
        .title_top(Line::from(Span::styled(" c copy · s save ", DIM)).right_aligned());
    if let Some(problem) = flow::size_problem(kind, text) {
        block = block.title_bottom(Line::from(Span::styled(format!(" ✗ {problem} "), ERROR)));
    } else if documents::has_placeholder(text) {
        block = block.title_bottom(Line::from(Span::styled(
            " <…> marks a value still missing ",
            NEEDED,
        )));
    }
    let mut inner = block.inner(area);
    // The linter's warnings take the pane's last lines, at most a third of it.
    let findings = state.lint.findings(kind, text);
    let mut lint_area = None;
    if !findings.is_empty() && inner.height >= 6 {
        let room = usize::from(inner.height / 3);
        let lines = findings::lines(kind, &findings, usize::from(inner.width), room);
        let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        let [document, rule, below] = Layout::vertical([
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(height),
        ])
        .areas(inner);
        inner = document;
        lint_area = Some((rule, below, lines));
    }

    // A long line is wrapped at a space and its rest indented, so no ARN or URL is
    // cut; the Secret manifest's lines are never wrapped (its base64 must stay one
    // line) and scroll sideways instead. Copy and save take every line whole.
    let width = usize::from(inner.width);
    let (lines, clipped) = state
        .document_view
        .lines(text, kind.language(), width, state.hscroll);
    if clipped || state.hscroll > 0 {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" </> sideways · column {} ", state.hscroll + 1),
                DIM,
            ))
            .centered(),
        );
    }
    frame.render_widget(block, area);
    app.document_height.set(inner.height);
    let total = lines.len();
    app.document_lines
        .set(u16::try_from(total).unwrap_or(u16::MAX));
    let max_scroll = total.saturating_sub(usize::from(inner.height)) as u16;
    let scroll = state.scroll.min(max_scroll);
    // Only the lines in view are handed to the widget.
    let first = usize::from(scroll).min(total);
    let last = (first + usize::from(inner.height)).min(total);
    frame.render_widget(Rows(&lines[first..last]), inner);
    if let Some((rule, below, lines)) = lint_area {
        let label = " ecr-share lint ";
        let dashes = usize::from(rule.width).saturating_sub(label.chars().count() + 1);
        frame.render_widget(
            Rows(&[Line::from(vec![
                Span::styled("─", DIM),
                Span::styled(label, DIM),
                Span::styled("─".repeat(dashes), DIM),
            ])]),
            rule,
        );
        frame.render_widget(Rows(&lines), below);
    }
    if max_scroll > 0 {
        let marker = format!(
            " {}/{} ↑↓ ",
            usize::from(scroll) + usize::from(inner.height).min(total),
            total
        );
        let width = marker.chars().count() as u16;
        if area.width > width + 2 {
            let rect = Rect::new(area.right() - width - 1, area.bottom() - 1, width, 1);
            frame.render_widget(Rows(&[Line::from(Span::styled(marker, DIM))]), rect);
        }
    }
}

/// Lines the status takes at most; a longer one ends with a pointer to the log.
const FOOTER_LINES: usize = 3;

/// The footer: the status wrapped to the width (never cut), or the key hint.
fn footer_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let room = usize::from(width).saturating_sub(2).max(10);
    let Some(status) = &app.status else {
        let hint = keys::hint(app);
        return wrap_words(&hint, room)
            .into_iter()
            .take(2)
            .map(|line| Line::from(Span::styled(format!(" {line}"), DIM)))
            .collect();
    };
    let style = match status.tone {
        Tone::Info => Style::new(),
        Tone::Success => Style::new().fg(Color::Green),
        Tone::Error => ERROR.add_modifier(Modifier::BOLD),
    };
    let mut lines = wrap_words(&status.text, room);
    if lines.len() > FOOTER_LINES {
        lines.truncate(FOOTER_LINES - 1);
        lines.push("… the whole message is in the run log: L".to_string());
    }
    lines
        .into_iter()
        .map(|line| Line::from(Span::styled(format!(" {line}"), style)))
        .collect()
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

fn draw_help(frame: &mut Frame, area: Rect, app: &App) {
    let mut lines = Vec::new();
    for group in keys::help_for(keys::Mode::beneath(app)) {
        for (index, entry) in group.lines.iter().enumerate() {
            let heading = if index == 0 { group.heading } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{heading:<12}"), ACCENT),
                Span::raw(keys::help_line(entry)),
            ]));
        }
    }
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 4;
    popup(
        frame,
        centered(area, width, lines.len() as u16 + 2),
        " Keys ".to_string(),
        Span::styled(" Esc or ? closes ", DIM),
        Style::new(),
        lines,
    );
}

/// A window over the screen: cleared, bordered, a title, a footer on the right.
fn popup(
    frame: &mut Frame,
    rect: Rect,
    title: String,
    footer: Span<'static>,
    border: Style,
    lines: Vec<Line>,
) {
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(border)
                .title(Span::styled(title, ACCENT))
                .title_bottom(Line::from(footer).right_aligned()),
        ),
        rect,
    );
}

fn draw_save_prompt(frame: &mut Frame, area: Rect, prompt: &SavePrompt) {
    let rect = centered(area, 70, 6);
    frame.render_widget(Clear, rect);
    let verify = prompt.purpose == PathPurpose::Verify;
    let export = prompt.purpose == PathPurpose::Export;
    let title = if verify {
        " Check a saved config file (step 8) ".to_string()
    } else if export {
        " Export the procedure for review ".to_string()
    } else {
        format!(" Save the {} ", prompt.kind.title())
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(title, ACCENT));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [label, input, note] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(if export {
            "Folder (relative to the current folder; ~ is the home folder):"
        } else {
            "File path (relative to the current folder; ~ is the home folder):"
        }),
        label,
    );
    let width = usize::from(input.width.max(2)) - 1;
    let scroll = prompt.input.visual_scroll(width);
    let visible: String = prompt
        .input
        .value()
        .chars()
        .skip(scroll)
        .take(width + 1)
        .collect();
    frame.render_widget(
        Paragraph::new(Span::styled(
            visible,
            Style::new().add_modifier(Modifier::UNDERLINED),
        )),
        input,
    );
    frame.set_cursor_position((
        input.x + (prompt.input.visual_cursor().saturating_sub(scroll) as u16).min(input.width),
        input.y,
    ));
    let text = if verify {
        Span::styled(
            "Enter checks it: its key, the role it names, the registry (the file is read, never shown). Esc cancels.",
            DIM,
        )
    } else if export && prompt.create_folder {
        Span::styled(
            "The folder does not exist: Enter creates it and writes the export, Esc cancels.",
            ERROR,
        )
    } else if export && prompt.confirm_overwrite {
        Span::styled(
            "The folder holds files: Enter replaces the export's files in it (the others stay), Esc keeps them.",
            ERROR,
        )
    } else if export {
        Span::styled(
            "Enter writes apply.sh, teardown.sh and the documents; nothing changes in AWS. Esc cancels.",
            DIM,
        )
    } else if prompt.create_folder {
        Span::styled(
            "The folder does not exist: Enter creates it (0700) and saves, Esc cancels.",
            ERROR,
        )
    } else if prompt.confirm_overwrite {
        Span::styled("The file exists: Enter replaces it, Esc keeps it.", ERROR)
    } else if prompt.kind.may_hold_secret() {
        Span::styled(
            "Written with mode 0600: it may hold a secret. Enter saves, Esc cancels.",
            DIM,
        )
    } else {
        Span::styled("Enter saves, Esc cancels.", DIM)
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), note);
}

/// The document's lines as drawn at `width` columns, and whether any was cut. Lines
/// that fit are drawn as they are; longer ones are wrapped, except in YAML (the
/// Secret manifest), whose lines start `hscroll` columns in and are cut at the edge.
/// The document's lines as last drawn, highlighted and wrapped: drawn again from
/// here until the document, its width or its sideways scroll changes.
#[derive(Debug, Default)]
pub struct DocumentView(RefCell<Option<DrawnDocument>>);

#[derive(Debug)]
struct DrawnDocument {
    text: String,
    language: Language,
    width: usize,
    hscroll: u16,
    lines: Rc<Vec<Line<'static>>>,
    clipped: bool,
}

impl DocumentView {
    fn lines(
        &self,
        text: &str,
        language: Language,
        width: usize,
        hscroll: u16,
    ) -> (Rc<Vec<Line<'static>>>, bool) {
        let mut drawn = self.0.borrow_mut();
        if let Some(d) = drawn.as_ref()
            && d.text == text
            && d.language == language
            && d.width == width
            && d.hscroll == hscroll
        {
            return (Rc::clone(&d.lines), d.clipped);
        }
        let (lines, clipped) = document_lines(text, language, width, hscroll);
        let lines = Rc::new(lines);
        *drawn = Some(DrawnDocument {
            text: text.to_string(),
            language,
            width,
            hscroll,
            lines: Rc::clone(&lines),
            clipped,
        });
        (lines, clipped)
    }
}

fn document_lines(
    text: &str,
    language: Language,
    width: usize,
    hscroll: u16,
) -> (Vec<Line<'static>>, bool) {
    let mut lines = Vec::new();
    let mut clipped = false;
    for line in text.lines() {
        let count = line.chars().count();
        if language == Language::Yaml {
            let shown: String = line.chars().skip(usize::from(hscroll)).collect();
            clipped |= shown.chars().count() > width;
            for line in highlight(&shown, language) {
                lines.push(clip_line(line, width));
            }
            continue;
        }
        if count <= width || width < 8 {
            lines.extend(
                highlight(line, language)
                    .into_iter()
                    .map(|l| clip_line(l, width)),
            );
            continue;
        }
        let (mark, body) = if language == Language::Diff {
            line.split_at(line.chars().next().map_or(0, char::len_utf8))
        } else {
            ("", line)
        };
        let lead = body.chars().take_while(|c| *c == ' ').count();
        // The rest is indented two more, less when that keeps its longest word (a
        // URL) whole.
        let longest = body
            .split(' ')
            .map(|word| word.chars().count())
            .max()
            .unwrap_or(0);
        let room_after_mark = width.saturating_sub(mark.len());
        let more = (lead + 2).min(room_after_mark.saturating_sub(longest));
        let room = room_after_mark.saturating_sub(lead.max(more)).max(4);
        for (index, piece) in runlog::wrap_keep(body.trim_start(), room)
            .into_iter()
            .enumerate()
        {
            let indent = if index == 0 { lead } else { more };
            let piece = format!("{mark}{}{piece}", " ".repeat(indent));
            lines.extend(
                highlight(&piece, language)
                    .into_iter()
                    .map(|l| clip_line(l, width)),
            );
        }
    }
    (lines, clipped)
}

/// Cuts a line to `width` columns, marking the cut with a dim `…`.
fn clip_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width || width == 0 {
        return line;
    }
    let mut room = width - 1;
    let mut spans = Vec::new();
    for span in line.spans {
        if room == 0 {
            break;
        }
        let count = span.content.chars().count();
        if count <= room {
            room -= count;
            spans.push(span);
        } else {
            let cut: String = span.content.chars().take(room).collect();
            spans.push(Span::styled(cut, span.style));
            room = 0;
        }
    }
    spans.push(Span::styled("…", DIM));
    Line::from(spans)
}

/// The confirmation. Where it comes with a diff, the diff stays in view: beside the
/// dialog when form and document stand side by side (the dialog over the form, the
/// changes over the document), else under the dialog's lines in the same window,
/// scrolled with ↓/↑.
fn draw_confirm(frame: &mut Frame, area: Rect, confirm: &Confirm) {
    let footer = if !confirm.problems.is_empty() {
        " cannot run: Esc closes ".to_string()
    } else if confirm.removes_access {
        format!(
            " {} ",
            keys::help_line(&keys::hints(keys::Mode::ConfirmRemoval, false))
        )
    } else {
        " y run · n or Esc cancel ".to_string()
    };
    let border = if confirm.removes_access {
        ERROR
    } else {
        Style::new().fg(Color::Yellow)
    };
    let footer = Span::styled(footer, Style::new().add_modifier(Modifier::BOLD));
    // The screen's body, between the header and the hint line.
    let body = Rect::new(
        area.x,
        area.y + 2,
        area.width,
        area.height.saturating_sub(3),
    );
    let plain_width = area.width.saturating_sub(4).min(96);
    let plain = confirm_lines(confirm, usize::from(plain_width.saturating_sub(2)));
    // Without a diff the dialog stands in the middle when its lines fit; otherwise
    // it takes the body and scrolls (↓/↑) as a stacked diff does.
    if confirm.diff.is_empty() && plain.1.len() + 2 <= usize::from(area.height) {
        let (title, lines) = plain;
        let width = plain_width;
        popup(
            frame,
            centered(area, width, lines.len() as u16 + 2),
            title,
            footer,
            border,
            lines,
        );
    } else if let Some((left, right, (title, lines))) = (!confirm.diff.is_empty())
        .then(|| confirm_side_by_side(area, body, confirm))
        .flatten()
    {
        let height = lines.len() as u16 + 2;
        popup(
            frame,
            Rect::new(left.x, left.y, left.width, height),
            title,
            footer,
            border,
            lines,
        );
        let diff = diff_lines(&confirm.diff, usize::from(right.width.saturating_sub(2)));
        let visible = usize::from(right.height.saturating_sub(2));
        let room = diff.len().saturating_sub(visible);
        confirm
            .scroll_room
            .set(Some(u16::try_from(room).unwrap_or(u16::MAX)));
        let scroll = usize::from(confirm.scroll).min(room);
        let more = scroll_marker(scroll, visible, diff.len());
        popup(
            frame,
            right,
            " Changes ".to_string(),
            Span::styled(more, DIM),
            Style::new(),
            diff.into_iter().skip(scroll).collect(),
        );
    } else {
        let width = body.width;
        let inner_width = usize::from(width.saturating_sub(2));
        let (title, mut lines) = confirm_lines(confirm, inner_width);
        if !confirm.diff.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled("Changes:", ACCENT)));
            lines.extend(diff_lines(&confirm.diff, inner_width));
        }
        let height = (lines.len() as u16 + 2).min(body.height);
        let visible = usize::from(height.saturating_sub(2));
        let room = lines.len().saturating_sub(visible);
        confirm
            .scroll_room
            .set(Some(u16::try_from(room).unwrap_or(u16::MAX)));
        let scroll = usize::from(confirm.scroll).min(room);
        let more = scroll_marker(scroll, visible, lines.len());
        let rect = Rect::new(body.x, body.y, width, height);
        popup(
            frame,
            rect,
            title,
            footer,
            border,
            lines.into_iter().skip(scroll).collect(),
        );
        if !more.is_empty() && rect.width > more.chars().count() as u16 + 4 {
            let marker = Rect::new(
                rect.x + 2,
                rect.bottom() - 1,
                more.chars().count() as u16,
                1,
            );
            frame.render_widget(Rows(&[Line::from(Span::styled(more, DIM))]), marker);
        }
    }
}

/// The dialog's place over the form and the changes' place over the document, with
/// the dialog's lines, when form and document stand side by side and the lines fit.
fn confirm_side_by_side(
    area: Rect,
    body: Rect,
    confirm: &Confirm,
) -> Option<(Rect, Rect, (String, Vec<Line<'static>>))> {
    if area.width < WIDE {
        return None;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    let (title, lines) = confirm_lines(confirm, usize::from(left.width.saturating_sub(2)));
    (lines.len() + 2 <= usize::from(left.height)).then_some((left, right, (title, lines)))
}

/// "↓ 12 more" and the like, when not everything fits.
fn scroll_marker(scroll: usize, visible: usize, total: usize) -> String {
    let below = total.saturating_sub(scroll + visible);
    match (scroll, below) {
        (0, 0) => String::new(),
        (_, 0) => " ↑ more above ".to_string(),
        _ => format!(" ↓/↑ {below} more lines "),
    }
}

/// The confirmation's title for its border and its lines and problems, wrapped to
/// the width. A title too long for the border opens the lines instead, whole.
fn confirm_lines(confirm: &Confirm, inner_width: usize) -> (String, Vec<Line<'static>>) {
    let mut lines: Vec<Line> = Vec::new();
    let mut title = format!(" {}? ", confirm.title);
    if title.chars().count() > inner_width {
        for wrapped in wrap_words(&format!("{}?", confirm.title), inner_width) {
            lines.push(Line::from(Span::styled(wrapped, ACCENT)));
        }
        lines.push(Line::raw(""));
        title = " Confirm? ".to_string();
    }
    for line in &confirm.lines {
        if line.chars().count() <= inner_width {
            lines.push(Line::raw(line.clone()));
            continue;
        }
        let indent = if line.starts_with("  ") { "    " } else { "" };
        let room = inner_width.saturating_sub(indent.chars().count());
        for (index, wrapped) in wrap_words(line, room).into_iter().enumerate() {
            let indent = if index == 0 && !indent.is_empty() {
                "  "
            } else {
                indent
            };
            lines.push(Line::raw(format!("{indent}{wrapped}")));
        }
    }
    for problem in &confirm.problems {
        lines.push(Line::raw(""));
        for wrapped in wrap_words(&format!("✗ {problem}"), inner_width) {
            lines.push(Line::from(Span::styled(
                wrapped,
                ERROR.add_modifier(Modifier::BOLD),
            )));
        }
    }
    (title, lines)
}

/// A unified diff drawn as a diff: a line per change, added lines green, removed
/// lines red, hunk headers dim. A line wider than the room continues on the next
/// row, so no ARN is cut.
fn diff_lines(diff: &str, width: usize) -> Vec<Line<'static>> {
    let width = width.max(2);
    let mut lines = Vec::new();
    for line in diff.lines() {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            DIM.add_modifier(Modifier::BOLD)
        } else if line.starts_with('+') {
            Style::new().fg(Color::Green)
        } else if line.starts_with('-') {
            ERROR
        } else if line.starts_with("@@") {
            DIM
        } else {
            Style::new()
        };
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            lines.push(Line::raw(""));
            continue;
        }
        for (index, chunk) in chars.chunks(width - 1).enumerate() {
            let text: String = chunk.iter().collect();
            let text = if index == 0 { text } else { format!(" {text}") };
            lines.push(Line::from(Span::styled(text, style)));
        }
    }
    lines
}

fn draw_picker(frame: &mut Frame, area: Rect, picker: &Picker) {
    let height = (picker.names.len() as u16 + 2)
        .min(area.height.saturating_sub(4))
        .max(3);
    let visible = usize::from(height - 2);
    let first = picker.selected.saturating_sub(visible.saturating_sub(1));
    let lines: Vec<Line> = picker
        .names
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(index, name)| {
            if index == picker.selected {
                Line::from(Span::styled(format!("▶ {name}"), SELECTED))
            } else {
                Line::raw(format!("  {name}"))
            }
        })
        .collect();
    let width = picker
        .names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0) as u16
        + 6;
    popup(
        frame,
        centered(area, width.max(40), height),
        format!(" Repositories ({}) ", picker.names.len()),
        Span::styled(" Enter take it · Esc close ", DIM),
        Style::new(),
        lines,
    );
}

/// An error in a line or two: AWS's code with what to do, or the start of the message.
fn short_error(error: &crate::aws::CallError) -> String {
    match (error.code(), error.hint()) {
        (Some(code), Some(hint)) => format!("{code}: {hint}"),
        _ => truncate(&error.message, 120),
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}
