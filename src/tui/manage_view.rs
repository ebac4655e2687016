//! Drawing the Manage screen: the four actions, what the highlighted one acts on,
//! what the latest action came to, and its calls as they finish (the same lines as a
//! step's results), scrolled with `[`/`]` when they do not fit.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::manage::{self, ManageAction};
use super::model::{App, RunState, Tone};
use super::rows::Rows;
use super::runlog;
use super::update::must_finish;
use super::view::{SPINNER, wrap_words};

const DIM: Style = Style::new().fg(Color::DarkGray);
const ACCENT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const ERROR: Style = Style::new().fg(Color::Red);
const NEEDED: Style = Style::new().fg(Color::Yellow);
const SELECTED: Style = Style::new()
    .add_modifier(Modifier::REVERSED)
    .add_modifier(Modifier::BOLD);

const INTRO: &str = "What the procedure set up, by the names of its steps, the profiles of the accounts screen and the files of steps 6 and 7. Nothing changes before a confirmation.";

/// The screen: header, the actions, then what the latest action came to.
pub fn draw(frame: &mut Frame, header: Rect, body: Rect, app: &App) {
    let title = format!(" ecr-share › {} › Manage", app.curated.spec().name);
    let first = Line::from(vec![
        Span::styled(title, ACCENT),
        Span::styled("  after the procedure", DIM),
    ]);
    let rule = Line::from(Span::styled("─".repeat(usize::from(header.width)), DIM));
    frame.render_widget(Rows(&[first, rule]), header);

    let area = body.inner(Margin::new(1, 0));
    let width = usize::from(area.width);
    let lower = result_lines(app, area.width);
    let room = usize::from(area.height);
    // What an action came to wins over its details when both do not fit; another
    // action highlighted shows what it acts on.
    let manage = &app.curated.manage;
    let mut upper = action_lines(app, width, true);
    if manage.shown_for == Some(manage.action())
        && upper.len() + lower.len().min(RESULTS_KEPT) > room
    {
        upper = action_lines(app, width, false);
    }
    if upper.len() + lower.len() <= room {
        app.results_max.set(0);
        let mut lines = upper;
        lines.extend(lower);
        frame.render_widget(Rows(&lines), area);
        return;
    }
    // The actions keep their place; the results scroll in what is left, with a line
    // saying where they are.
    let shown = room.saturating_sub(upper.len() + 1).max(1);
    let max = lower.len().saturating_sub(shown);
    app.results_max.set(u16::try_from(max).unwrap_or(u16::MAX));
    let first = usize::from(app.curated.manage.scroll).min(max);
    let total = lower.len();
    let mut lines = upper;
    lines.extend(lower.into_iter().skip(first).take(shown));
    let marker = format!(
        "▾ lines {}–{} of {total} · [/] scroll · L run log",
        first + 1,
        (first + shown).min(total)
    );
    lines.push(Line::from(Span::styled(
        wrap_words(&marker, width)
            .into_iter()
            .next()
            .unwrap_or_default(),
        NEEDED,
    )));
    frame.render_widget(Rows(&lines), area);
}

/// Lines of results kept in view before the details of the action give way.
const RESULTS_KEPT: usize = 10;

/// The intro, and each action with its summary; the highlighted one with what it
/// acts on, when `details` says so.
fn action_lines(app: &App, width: usize, details: bool) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = wrap_words(INTRO, width)
        .into_iter()
        .map(|line| Line::from(Span::styled(line, DIM)))
        .collect();
    lines.push(Line::raw(""));
    let selected = app.curated.manage.action();
    let title_width = ManageAction::ALL
        .iter()
        .map(|a| a.title().chars().count())
        .max()
        .unwrap_or(0);
    for (index, action) in ManageAction::ALL.iter().enumerate() {
        let chosen = *action == selected;
        let marker = if chosen { "› " } else { "  " };
        let title = format!("{} {:<title_width$}", index + 1, action.title());
        let lead = 2 + title.chars().count() + 2;
        let summary = wrap_words(action.summary(), width.saturating_sub(lead).max(10));
        for (at, piece) in summary.into_iter().enumerate() {
            let mut spans = Vec::new();
            if at == 0 {
                spans.push(Span::styled(marker, ACCENT));
                spans.push(Span::styled(
                    title.clone(),
                    if chosen {
                        SELECTED
                    } else {
                        Style::new().add_modifier(Modifier::BOLD)
                    },
                ));
                spans.push(Span::raw("  "));
            } else {
                spans.push(Span::raw(" ".repeat(lead)));
            }
            spans.push(Span::raw(piece));
            lines.push(Line::from(spans));
        }
        if chosen && details {
            for detail in manage::details(app, *action) {
                let style = if detail.starts_with('✗') {
                    ERROR
                } else {
                    DIM
                };
                for piece in runlog::wrap_keep(&detail, width.saturating_sub(5).max(10)) {
                    lines.push(Line::from(Span::styled(format!("     {piece}"), style)));
                }
            }
        }
    }
    lines
}

/// What the latest action came to, and the calls of the screen's latest run.
fn result_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let manage = &app.curated.manage;
    let text_width = usize::from(width).max(10);
    let mut lines = Vec::new();
    if let Some(outcome) = &manage.outcome {
        let style = match outcome.tone {
            Tone::Info => Style::new(),
            Tone::Success => Style::new().fg(Color::Green),
            Tone::Error => ERROR.add_modifier(Modifier::BOLD),
        };
        lines.push(Line::raw(""));
        for paragraph in outcome.text.lines() {
            for piece in runlog::wrap_keep(paragraph, text_width) {
                lines.push(Line::from(Span::styled(piece, style)));
            }
        }
    }
    let Some(run) = manage.run.and_then(|run| app.runs.get(&run)) else {
        return lines;
    };
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        heading(run),
        Style::new().add_modifier(Modifier::BOLD),
    )));
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
        for (at, piece) in
            runlog::wrap_keep(&format!("{call}{suffix}"), text_width.saturating_sub(2))
                .into_iter()
                .enumerate()
        {
            let lead = if at == 0 {
                format!("{icon} ")
            } else {
                "  ".to_string()
            };
            lines.push(Line::from(vec![
                Span::styled(lead, style),
                Span::styled(piece, if run.running { Style::new() } else { DIM }),
            ]));
        }
    }
    lines
}

fn heading(run: &RunState) -> String {
    let title = manage::run_title(&run.job).unwrap_or("Manage");
    if run.running && must_finish(&run.job) {
        format!("{title}: running (it cannot be stopped half-way)")
    } else if run.running {
        format!("{title}: running (Esc cancels)")
    } else if run.cancelled {
        format!("{title}: cancelled; the calls already made are listed")
    } else if run.reports.iter().any(|r| r.outcome.is_failure()) {
        format!("{title}: stopped")
    } else {
        title.to_string()
    }
}
