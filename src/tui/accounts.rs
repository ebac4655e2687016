//! The accounts screen in front of each flow's steps: the profiles the flow runs
//! with (chosen from the AWS config and credentials files, or the default chain) and
//! the region, each profile looked up as soon as it is chosen. Also the list that
//! values are chosen from, filtered by typing: profiles, regions, kube contexts.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::aws::profiles::PROFILE_NOT_FOUND;
use crate::core::flow::{FieldId, FlowId, Side, field_spec};
use crate::core::regions::{KNOWN_REGIONS, Partition};
use crate::core::validate::shown;

use super::jobs::Job;
use super::keys::Action;
use super::message::Effect;
use super::model::{App, FlowState, IdentityState, Overlay, Screen, Tone};
use super::rows::Rows;
use super::view::wrap_words;

/// What the default chain is called where a profile is chosen.
pub const DEFAULT_CHAIN: &str = "environment / default chain";

/// One entry of a list to choose from: the value it sets and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A list to choose a field's value from. Typing filters it; Enter takes the
/// highlighted entry, or the typed text when nothing matches.
#[derive(Debug)]
pub struct Chooser {
    pub field: FieldId,
    pub title: String,
    pub options: Vec<Choice>,
    pub filter: Input,
    /// The highlighted entry, by index into [`Chooser::visible`].
    pub selected: usize,
    /// A line under the list: the list is still being read, or could not be.
    pub note: Option<String>,
}

impl Chooser {
    fn new(field: FieldId, title: impl Into<String>, options: Vec<Choice>, current: &str) -> Self {
        let selected = options
            .iter()
            .position(|choice| choice.value == current)
            .unwrap_or(0);
        Chooser {
            field,
            title: title.into(),
            options,
            filter: Input::default(),
            selected,
            note: None,
        }
    }

    /// The entries whose value or label holds the typed text (any case).
    pub fn visible(&self) -> Vec<&Choice> {
        let filter = self.filter.value().trim().to_lowercase();
        self.options
            .iter()
            .filter(|choice| {
                filter.is_empty()
                    || choice.value.to_lowercase().contains(&filter)
                    || choice.label.to_lowercase().contains(&filter)
            })
            .collect()
    }

    /// What Enter takes: the highlighted entry, else the typed text, else nothing.
    pub fn taken(&self) -> Option<String> {
        match self.visible().get(self.selected) {
            Some(choice) => Some(choice.value.clone()),
            None => {
                let typed = self.filter.value().trim();
                (!typed.is_empty()).then(|| typed.to_string())
            }
        }
    }
}

/// The lines of the accounts screen of a flow: its profiles, then the region.
pub fn rows(flow: FlowId) -> &'static [FieldId] {
    match flow {
        FlowId::CuratedPackages => &[
            FieldId::SourceProfile,
            FieldId::DestinationProfile,
            FieldId::Region,
        ],
        FlowId::RepositorySharing => &[FieldId::Profile, FieldId::Region],
    }
}

/// The side whose credentials a profile field chooses.
pub fn side_of(field: FieldId) -> Option<Side> {
    match field {
        FieldId::SourceProfile => Some(Side::Source),
        FieldId::DestinationProfile => Some(Side::Destination),
        FieldId::Profile => Some(Side::RepositoryOwner),
        _ => None,
    }
}

/// Shows the accounts screen of a flow and reads the profile names anew.
pub fn open(app: &mut App, flow: FlowId) -> Vec<Effect> {
    app.screen = Screen::Flow(flow);
    let state = app.flow_mut(flow);
    state.editing = None;
    state.accounts_row = Some(0);
    app.status = None;
    vec![app.start(flow, None, Job::Profiles)]
}

/// A key on the accounts screen.
pub fn on_accounts(app: &mut App, flow: FlowId, action: Action) -> Vec<Effect> {
    let last = rows(flow).len() - 1;
    let row = app.flow(flow).accounts_row.unwrap_or(0);
    match action {
        Action::OpenHelp => app.overlay = Some(Overlay::Help),
        Action::AccountsUp => app.flow_mut(flow).accounts_row = Some(row.saturating_sub(1)),
        Action::AccountsDown => app.flow_mut(flow).accounts_row = Some((row + 1).min(last)),
        Action::AccountsPick => open_chooser(app, flow, rows(flow)[row.min(last)]),
        Action::AccountsDone => {
            app.flow_mut(flow).accounts_row = None;
            app.status = None;
        }
        Action::Back => {
            app.flow_mut(flow).accounts_row = None;
            app.screen = Screen::Menu;
            app.status = None;
        }
        _ => {}
    }
    Vec::new()
}

fn open_chooser(app: &mut App, flow: FlowId, field: FieldId) {
    let current = app.flow(flow).form.text(field).trim().to_string();
    let label = field_spec(field).label;
    let chooser = match field {
        FieldId::Region => Chooser::new(field, label, region_choices(), &current),
        _ => {
            let mut chooser = Chooser::new(field, label, Vec::new(), "");
            fill_profiles(app, &mut chooser, &current);
            chooser
        }
    };
    app.overlay = Some(Overlay::Choose(chooser));
}

/// Every known region; those outside the commercial partition say which they are in.
fn region_choices() -> Vec<Choice> {
    KNOWN_REGIONS
        .iter()
        .map(|(name, partition)| Choice {
            value: (*name).to_string(),
            label: match partition {
                Partition::Aws => (*name).to_string(),
                other => format!("{name} ({})", other.as_str()),
            },
        })
        .collect()
}

/// The default chain, then every profile of the files as far as they are read.
fn fill_profiles(app: &App, chooser: &mut Chooser, current: &str) {
    let mut options = vec![Choice {
        value: String::new(),
        label: DEFAULT_CHAIN.to_string(),
    }];
    chooser.note = match &app.profiles {
        None => Some("reading the AWS config and credentials files…".to_string()),
        Some(Err(error)) => Some(format!("✗ {}", error.message)),
        Some(Ok(names)) if names.is_empty() => {
            Some("no profiles in the AWS config or credentials files".to_string())
        }
        Some(Ok(_)) => None,
    };
    if let Some(Ok(names)) = &app.profiles {
        options.extend(names.iter().map(|name| Choice {
            value: name.clone(),
            label: shown(name),
        }));
    }
    chooser.selected = options
        .iter()
        .position(|choice| choice.value == current)
        .unwrap_or(0);
    chooser.options = options;
}

/// The profile names arrived: a profile list that is open shows them.
pub fn profiles_arrived(app: &mut App) {
    let Some(Overlay::Choose(mut chooser)) = app.overlay.take() else {
        return;
    };
    if side_of(chooser.field).is_some() {
        let current = chooser
            .options
            .get(chooser.selected)
            .map(|choice| choice.value.clone())
            .unwrap_or_default();
        fill_profiles(app, &mut chooser, &current);
    }
    app.overlay = Some(Overlay::Choose(chooser));
}

/// kubectl's contexts arrived for step 7: a list to choose the cluster from, or a
/// plain word that there is none and where the manifest goes instead.
pub fn contexts_arrived(app: &mut App, flow: FlowId, result: Result<Vec<String>, String>) {
    match result {
        Ok(names) if names.is_empty() => app.say(
            Tone::Error,
            "kubectl knows no cluster (its configuration has no contexts), so the manifest cannot be applied from here. s saves it to apply elsewhere with kubectl apply -f <file>.",
        ),
        Ok(names) => {
            let current = app.flow(flow).form.text(FieldId::KubeContext);
            let options = names
                .into_iter()
                .map(|name| Choice {
                    label: shown(&name),
                    value: name,
                })
                .collect::<Vec<_>>();
            let title = format!("Kube contexts ({})", options.len());
            app.overlay = Some(Overlay::Choose(Chooser::new(
                FieldId::KubeContext,
                title,
                options,
                current.trim(),
            )));
            app.say(Tone::Info, "Choose the cluster to put the secret in.");
        }
        Err(reason) => app.say(
            Tone::Error,
            format!(
                "kubectl cannot list its contexts: {reason}. s saves the manifest to apply elsewhere."
            ),
        ),
    }
}

/// A key in a list to choose from.
pub fn on_choose(app: &mut App, action: Action, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Choose(chooser)) = &mut app.overlay else {
        return Vec::new();
    };
    match action {
        Action::ChooseUp => chooser.selected = chooser.selected.saturating_sub(1),
        Action::ChooseDown => {
            let count = chooser.visible().len();
            chooser.selected = (chooser.selected + 1).min(count.saturating_sub(1));
        }
        Action::ChooseTake => {
            let field = chooser.field;
            let taken = chooser.taken();
            app.overlay = None;
            if let (Some(value), Screen::Flow(flow)) = (taken, app.screen) {
                take(app, flow, field, value);
            }
        }
        Action::ChooseClose => app.overlay = None,
        _ => {
            if chooser.filter.handle_event(&Event::Key(key)).is_some() {
                chooser.selected = 0;
            }
        }
    }
    Vec::new()
}

fn take(app: &mut App, flow: FlowId, field: FieldId, value: String) {
    app.flow_mut(flow).form.set(field, value.clone());
    let label = field_spec(field).label;
    let text = match field {
        FieldId::KubeContext => {
            format!(
                "Kube context {} chosen: x puts the secret in that cluster.",
                shown(&value)
            )
        }
        _ if side_of(field).is_some() && value.is_empty() => {
            format!("{label}: the {DEFAULT_CHAIN}; looking up its account…")
        }
        _ if side_of(field).is_some() => {
            format!("{label}: {}; looking up its account…", shown(&value))
        }
        _ => format!("{label}: {}.", shown(&value)),
    };
    app.say(Tone::Info, text);
}

/// Why a profile field's profile cannot be used, when that is known: it is in
/// neither file, or looking it up failed for that reason.
pub fn profile_problem(app: Option<&App>, state: &FlowState, field: FieldId) -> Option<String> {
    let side = side_of(field)?;
    let profile = state.form.text(field).trim().to_string();
    if profile.is_empty() {
        return None;
    }
    if let Some(Some(Ok(names))) = app.map(|app| &app.profiles)
        && !names.contains(&profile)
    {
        return Some(format!(
            "✗ profile `{}` is in neither the AWS config nor the credentials file",
            shown(&profile)
        ));
    }
    match state.identities.get(&side) {
        Some(IdentityState::Failed(target, error))
            if target.profile.as_deref() == Some(profile.as_str())
                && error.is(PROFILE_NOT_FOUND) =>
        {
            Some(format!("✗ {}", error.message))
        }
        _ => None,
    }
}

const DIM: Style = Style::new().fg(Color::DarkGray);
const ACCENT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const ERROR: Style = Style::new().fg(Color::Red);
const GOOD: Style = Style::new().fg(Color::Green);
const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);

/// What the screen is for, in the flow's terms.
fn intro(flow: FlowId) -> &'static str {
    match flow {
        FlowId::CuratedPackages => {
            "Each step runs with one of these profiles, in this region. Choose them before step 1: a profile is looked up (sts:GetCallerIdentity) as soon as it is chosen, and its account shows here."
        }
        FlowId::RepositorySharing => {
            "Every step runs with this profile, in this region: the account that owns the repository. Choose them before step 1: the profile is looked up (sts:GetCallerIdentity) as soon as it is chosen, and its account shows here."
        }
    }
}

/// Which steps a side's profile runs.
fn runs(side: Side) -> &'static str {
    match side {
        Side::Source => "runs steps 1–3 (subscription, read policy, role)",
        Side::Destination => "runs steps 4–8 (user, key, config, cluster, verify)",
        Side::RepositoryOwner => "runs every step (the repository's own account)",
    }
}

/// The accounts screen: header, then one block per line.
pub fn draw(frame: &mut Frame, header: Rect, body: Rect, app: &App, state: &FlowState) {
    let title = format!(" ecr-share › {} › Accounts", state.spec().name);
    let first = Line::from(vec![
        Span::styled(title, ACCENT),
        Span::styled("  before step 1", DIM),
    ]);
    let rule = Line::from(Span::styled("─".repeat(usize::from(header.width)), DIM));
    frame.render_widget(Rows(&[first, rule]), header);
    let area = body.inner(Margin::new(1, 0));
    let lines = screen_lines(app, state, usize::from(area.width));
    frame.render_widget(Rows(&lines), area);
}

fn screen_lines(app: &App, state: &FlowState, width: usize) -> Vec<Line<'static>> {
    let flow = state.form.flow();
    let mut lines: Vec<Line> = wrap_words(intro(flow), width)
        .into_iter()
        .map(Line::raw)
        .collect();
    lines.push(Line::raw(""));
    let fields = rows(flow);
    let label_width = fields
        .iter()
        .map(|f| field_spec(*f).label.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let selected = state.accounts_row.unwrap_or(0);
    let note_width = width.saturating_sub(4).max(10);
    for (index, field) in fields.iter().enumerate() {
        let chosen = index == selected;
        let marker = if chosen { "› " } else { "  " };
        let label = format!("{marker}{:<label_width$}", field_spec(*field).label);
        let label_style = if chosen {
            ACCENT
        } else {
            Style::new().fg(Color::Gray)
        };
        let text = state.form.text(*field).trim().to_string();
        let value = match (field, text.is_empty()) {
            (FieldId::Region, true) => Span::styled("<choose a region>", DIM),
            (_, true) => Span::raw(DEFAULT_CHAIN),
            (_, false) => Span::raw(shown(&text)),
        };
        let value = if chosen {
            Span::styled(value.content, value.style.add_modifier(Modifier::BOLD))
        } else {
            value
        };
        lines.push(Line::from(vec![Span::styled(label, label_style), value]));
        for (note, style) in row_notes(app, state, *field) {
            for line in wrap_words(&note, note_width) {
                lines.push(Line::from(Span::styled(format!("    {line}"), style)));
            }
        }
    }
    if let Some(warning) = same_account(state) {
        lines.push(Line::raw(""));
        for line in wrap_words(&warning, width) {
            lines.push(Line::from(Span::styled(line, ERROR)));
        }
    }
    lines.push(Line::raw(""));
    let found = match &app.profiles {
        None => "Reading the profiles of the AWS config and credentials files…".to_string(),
        Some(Err(error)) => format!("✗ The AWS profiles cannot be read: {}", error.message),
        Some(Ok(names)) if names.is_empty() => {
            "No profiles in the AWS config or credentials files: the default chain is used."
                .to_string()
        }
        Some(Ok(names)) => format!(
            "{} profiles in the AWS config and credentials files; space chooses from them.",
            names.len()
        ),
    };
    for line in wrap_words(&found, width) {
        lines.push(Line::from(Span::styled(line, DIM)));
    }
    lines
}

/// The lines under a row: which steps the profile runs and which account it is, or
/// the region's partition.
fn row_notes(app: &App, state: &FlowState, field: FieldId) -> Vec<(String, Style)> {
    let Some(side) = side_of(field) else {
        return vec![match state.form.check(field) {
            Ok(()) => (
                format!(
                    "✓ partition {}",
                    state
                        .form
                        .partition()
                        .map(Partition::as_str)
                        .unwrap_or_default()
                ),
                DIM,
            ),
            Err(reason) => (format!("✗ {reason}"), ERROR),
        }];
    };
    let mut notes = vec![(runs(side).to_string(), DIM)];
    if let Err(reason) = state.form.check(field) {
        notes.push((format!("✗ {reason}"), ERROR));
        return notes;
    }
    if let Some(problem) = profile_problem(Some(app), state, field) {
        notes.push((problem, ERROR));
        return notes;
    }
    notes.push(match state.identities.get(&side) {
        Some(IdentityState::Known(_, identity)) => (
            format!("✓ account {} ({})", identity.account, identity.arn),
            GOOD,
        ),
        Some(IdentityState::Resolving(_)) => ("looking up the account…".to_string(), DIM),
        Some(IdentityState::Failed(_, error)) => (format!("✗ {error}"), ERROR),
        None => ("not looked up yet".to_string(), DIM),
    });
    notes
}

/// The curated procedure across one account is a mistake worth saying before step 1.
fn same_account(state: &FlowState) -> Option<String> {
    let account = |side| match state.identities.get(&side) {
        Some(IdentityState::Known(_, identity)) => Some(identity.account.clone()),
        _ => None,
    };
    let source = account(Side::Source)?;
    (account(Side::Destination)? == source).then(|| {
        format!(
            "Both profiles are account {source}: the destination should be the other account, the one that receives access."
        )
    })
}

/// A list to choose from, drawn over the screen.
pub fn draw_chooser(frame: &mut Frame, area: Rect, chooser: &Chooser) {
    let visible = chooser.visible();
    let typed = chooser.filter.value().trim();
    let nothing = if typed.is_empty() {
        "nothing to choose from".to_string()
    } else {
        format!("none matches: Enter takes “{typed}” as typed")
    };
    let widest = chooser
        .options
        .iter()
        .map(|choice| choice.label.chars().count() + 2)
        .chain(chooser.note.iter().map(|note| note.chars().count()))
        .chain([nothing.chars().count(), typed.chars().count() + 8])
        .max()
        .unwrap_or(0);
    let width = (widest as u16 + 4)
        .max(44)
        .min(area.width.saturating_sub(4));
    let extra = 2 + u16::from(chooser.note.is_some());
    let room = area.height.saturating_sub(4 + extra).max(1);
    let rows = (visible.len() as u16).clamp(1, room);
    let height = rows + extra + 2;
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    );
    let first = chooser
        .selected
        .saturating_sub(usize::from(rows).saturating_sub(1));
    let inner_width = usize::from(width.saturating_sub(4));
    let mut lines = vec![Line::from(vec![
        Span::styled("filter: ", DIM),
        Span::styled(
            chooser.filter.value().to_string(),
            Style::new().add_modifier(Modifier::UNDERLINED),
        ),
    ])];
    lines.push(Line::raw(""));
    if visible.is_empty() {
        lines.push(Line::from(Span::styled(nothing, DIM)));
    }
    for (index, choice) in visible
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(rows))
    {
        let label: String = choice.label.chars().take(inner_width).collect();
        if index == chooser.selected {
            lines.push(Line::from(Span::styled(format!("▶ {label}"), SELECTED)));
        } else {
            lines.push(Line::raw(format!("  {label}")));
        }
    }
    if let Some(note) = &chooser.note {
        lines.push(Line::from(Span::styled(note.clone(), DIM)));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .title(Span::styled(format!(" {} ", chooser.title), ACCENT))
                .title_bottom(
                    Line::from(Span::styled(" Enter take · Esc close ", DIM)).right_aligned(),
                ),
        ),
        rect,
    );
    let cursor = chooser.filter.visual_cursor() as u16;
    frame.set_cursor_position((
        (rect.x + 1 + 8 + cursor).min(rect.right().saturating_sub(2)),
        rect.y + 1,
    ));
}
