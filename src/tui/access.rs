//! "Who has access" (`W` on the repository flow): every repository of the flow's
//! account and region, with what its policy exposes and who may do what on it.
//!
//! The reading is one job ([`Job::Access`]) on the wizard's runner: it lists the
//! repositories, reads each policy with a bounded number of calls in flight and hands
//! over each repository as it is read, so the screen shows "n of m" and the rows read
//! so far live, and Esc cancels it, keeping those rows. The policy
//! analysis is the audit command's ([`crate::core::audit`]), so both show the same
//! findings. Enter takes a repository into the flow's grant steps.

use std::cmp::Ordering;

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::aws::audit::{PolicyRead, RepositoryRead};
use crate::aws::{CallError, Target};
use crate::core::audit::{self as analysis, Effect as StatementEffect, FindingKind, Grantee};
use crate::core::flow::{FieldId, FlowId, RepositoryStep, Side};

use super::jobs::{Job, Output, RunId};
use super::keys::{self, Action, Mode};
use super::message::Effect;
use super::model::{App, Overlay, Screen, Tone};
use super::rows::Rows;
use super::steps;
use super::view::wrap_words;

const DIM: Style = Style::new().fg(Color::DarkGray);
const ACCENT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const ERROR: Style = Style::new().fg(Color::Red);
const WARN: Style = Style::new().fg(Color::Yellow);
const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);

/// What a repository's policy exposes, most exposed first: the order of the flags in
/// a row, and of the rows when sorted by exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flag {
    /// Anyone may use it: a principal `*` with no condition that limits who.
    Public,
    /// Its policy could not be read, so what it allows is unknown.
    NotRead,
    /// Its policy is not JSON or has no statement in a shape that can be read.
    Unreadable,
    /// Every principal of an organization.
    Organization,
    /// Other accounts, or principals in them.
    Accounts,
    /// The Lambda functions of an account.
    Lambda,
    /// A principal AWS no longer resolves (its user or role was deleted).
    UnknownPrincipal,
    /// The repository's own account, which needs no repository policy.
    OwnAccount,
    /// The policy is near its size limit: a grant more may not fit.
    NearSizeLimit,
}

impl Flag {
    pub fn label(self) -> &'static str {
        match self {
            Flag::Public => "public",
            Flag::NotRead => "not read",
            Flag::Unreadable => "unreadable",
            Flag::Organization => "organization",
            Flag::Accounts => "accounts",
            Flag::Lambda => "Lambda",
            Flag::UnknownPrincipal => "unknown principal",
            Flag::OwnAccount => "own account",
            Flag::NearSizeLimit => "near size limit",
        }
    }

    fn style(self) -> Style {
        match self {
            Flag::Public | Flag::NotRead | Flag::Unreadable => ERROR.add_modifier(Modifier::BOLD),
            _ => WARN,
        }
    }
}

/// The widest flag label: the width of the exposure column.
const FLAGS_WIDTH: usize = 17;
/// The grantee column is never narrower, so the longest organization id
/// (`o-` and 32 characters) with its access fits a line uncut.
const GRANTS_MIN: usize = 36;
const NAME_MIN: usize = 10;

/// One repository as the screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    /// The name as AWS lists it, put into the flow's Repository field on Enter.
    pub repository: String,
    /// Its exposure, most exposed first, without repeats.
    pub flags: Vec<Flag>,
    /// Who may do what: "account 111111111111: pull", one per grantee and statement.
    pub grants: Vec<String>,
    /// Said in place of grants: no policy, or why it was not read.
    pub note: Option<String>,
    /// The accounts and organizations its policy names, for the filter.
    pub ids: Vec<String>,
}

impl AccessRow {
    /// The row of one repository read.
    pub fn new(read: RepositoryRead) -> AccessRow {
        let mut row = AccessRow {
            repository: read.name,
            flags: Vec::new(),
            grants: Vec::new(),
            note: None,
            ids: Vec::new(),
        };
        let owner = read.account.unwrap_or_default();
        match read.read {
            PolicyRead::Policy(text) => {
                let audit = analysis::audit_policy(&text, &owner);
                if audit.is_public() {
                    row.flags.push(Flag::Public);
                }
                for finding in &audit.findings {
                    row.flags.extend(match finding.kind {
                        FindingKind::OwnAccount => Some(Flag::OwnAccount),
                        FindingKind::UnknownPrincipal => Some(Flag::UnknownPrincipal),
                        FindingKind::NearSizeLimit => Some(Flag::NearSizeLimit),
                        FindingKind::Unreadable => Some(Flag::Unreadable),
                        FindingKind::Public | FindingKind::UnscopedService => None,
                    });
                }
                for grant in &audit.grants {
                    let allowed = grant.effect == StatementEffect::Allow;
                    match &grant.grantee {
                        Grantee::Organization { organization } => {
                            row.ids.push(organization.clone());
                            if allowed {
                                row.flags.push(Flag::Organization);
                            }
                        }
                        Grantee::Account { account, .. } => {
                            row.ids.push(account.clone());
                            if allowed && *account != owner {
                                row.flags.push(Flag::Accounts);
                            }
                        }
                        Grantee::LambdaFunctions { account, .. } => {
                            row.ids.extend(account.clone());
                            if allowed {
                                row.flags.push(Flag::Lambda);
                            }
                        }
                        _ => {}
                    }
                    let line = printable(&format!(
                        "{}: {}",
                        grant.grantee.describe(),
                        grant.describe_access()
                    ));
                    if !row.grants.contains(&line) {
                        row.grants.push(line);
                    }
                }
                if row.grants.is_empty() && !row.flags.contains(&Flag::Unreadable) {
                    row.note = Some("a policy that grants nobody".into());
                } else if let Some(finding) = audit
                    .findings
                    .iter()
                    .find(|f| f.kind == FindingKind::Unreadable)
                {
                    row.note = Some(printable(&finding.message));
                }
            }
            PolicyRead::NoPolicy => {
                row.note = Some("no policy: only its own account's IAM decides".into());
            }
            PolicyRead::Missing => row.note = Some("gone since it was listed".into()),
            PolicyRead::Failed(error) => {
                row.flags.push(Flag::NotRead);
                row.note = Some(printable(&error.to_string()));
            }
        }
        row.flags.sort();
        row.flags.dedup();
        row.ids.sort();
        row.ids.dedup();
        row
    }

    /// How exposed it is, as a number: a flag outweighs every flag after it together.
    fn exposure(&self) -> u32 {
        self.flags.iter().map(|flag| 1 << (16 - *flag as u32)).sum()
    }

    /// Whether the repository's name or an account or organization id its policy
    /// names holds the text (in any case).
    fn matches(&self, filter: &str) -> bool {
        filter.is_empty()
            || self.repository.to_lowercase().contains(filter)
            || self.ids.iter().any(|id| id.to_lowercase().contains(filter))
    }
}

/// How the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// The most exposed first (public first), then by name.
    Exposure,
    Name,
}

/// How far the reading got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    Listing,
    Reading {
        done: usize,
        total: usize,
    },
    Done,
    Cancelled {
        done: usize,
        total: usize,
    },
    /// The repositories could not be listed: why.
    Failed(String),
}

/// The "who has access" screen.
#[derive(Debug)]
pub struct AccessScreen {
    /// The profile and region the list is of.
    pub target: Target,
    /// The read of the list.
    pub run: RunId,
    pub reading: Reading,
    /// Every repository, in the order of `sort`.
    pub rows: Vec<AccessRow>,
    pub sort: SortBy,
    pub filter: Input,
    /// Keys go into the filter.
    pub filtering: bool,
    /// The highlighted row, by index into [`AccessScreen::visible`].
    pub selected: usize,
}

impl AccessScreen {
    /// The rows the filter lets through, in order.
    pub fn visible(&self) -> Vec<&AccessRow> {
        let filter = self.filter.value().trim().to_lowercase();
        self.rows
            .iter()
            .filter(|row| row.matches(&filter))
            .collect()
    }

    fn sort_rows(&mut self) {
        let sort = self.sort;
        self.rows.sort_by(|a, b| sort.order(a, b));
    }

    /// The highlighted repository's name, once the operator moved the highlight
    /// off the top row (left there, it stays on whatever comes first).
    fn selected_name(&self) -> Option<String> {
        if self.selected == 0 {
            return None;
        }
        let visible = self.visible();
        visible.get(self.selected).map(|row| row.repository.clone())
    }

    /// Highlights `name` again where it now is, or the first row.
    fn reselect(&mut self, name: Option<String>) {
        self.selected = name
            .and_then(|name| self.visible().iter().position(|row| row.repository == name))
            .unwrap_or(0);
    }

    /// A repository read while the others are still being read, in its place: a
    /// highlight the operator moved stays on its repository.
    fn insert(&mut self, row: AccessRow) {
        let name = self.selected_name();
        let sort = self.sort;
        let at = self
            .rows
            .partition_point(|other| sort.order(other, &row) == Ordering::Less);
        self.rows.insert(at, row);
        self.reselect(name);
    }
}

impl SortBy {
    fn order(self, a: &AccessRow, b: &AccessRow) -> Ordering {
        match self {
            SortBy::Name => a.repository.cmp(&b.repository),
            SortBy::Exposure => b
                .exposure()
                .cmp(&a.exposure())
                .then_with(|| a.repository.cmp(&b.repository)),
        }
    }
}

/// `W` on the repository flow: reads who has access to every repository of its
/// profile and region.
pub(super) fn open(app: &mut App, flow: FlowId) -> Vec<Effect> {
    if flow != FlowId::RepositorySharing {
        app.say(
            Tone::Info,
            "W lists who has access to the repositories: it is on the ECR repository flow.",
        );
        return Vec::new();
    }
    if let Err(reason) = app.flow(flow).form.region() {
        app.say(Tone::Error, format!("Region is not valid yet: {reason}"));
        return Vec::new();
    }
    start(app, flow, SortBy::Exposure, Input::default())
}

fn start(app: &mut App, flow: FlowId, sort: SortBy, filter: Input) -> Vec<Effect> {
    let target = steps::target(app, flow, Side::RepositoryOwner);
    let effect = app.start(
        flow,
        None,
        Job::Access {
            target: target.clone(),
        },
    );
    let Effect::Start { run, .. } = &effect else {
        return Vec::new();
    };
    app.overlay = Some(Overlay::Access(Box::new(AccessScreen {
        target,
        run: *run,
        reading: Reading::Listing,
        rows: Vec::new(),
        sort,
        filter,
        filtering: false,
        selected: 0,
    })));
    app.status = None;
    vec![effect]
}

/// What the read job found: its progress, and at the end every repository.
pub(super) fn on_output(app: &mut App, run: RunId, output: Output) {
    let Some(Overlay::Access(screen)) = &mut app.overlay else {
        return;
    };
    if screen.run != run {
        return;
    }
    match output {
        Output::AccessProgress { done, total, read } => {
            screen.reading = Reading::Reading { done, total };
            if let Some(read) = read {
                screen.insert(AccessRow::new(*read));
            }
        }
        Output::Access(Ok(reads)) => {
            let name = screen.selected_name();
            screen.rows = reads.into_iter().map(AccessRow::new).collect();
            screen.sort_rows();
            screen.reselect(name);
            screen.reading = Reading::Done;
        }
        Output::Access(Err(error)) => screen.reading = Reading::Failed(listing_failed(error)),
        _ => {}
    }
}

fn listing_failed(error: CallError) -> String {
    printable(&format!("The repositories could not be listed: {error}"))
}

/// The read ended: cancelled, or without a list (its credentials could not be
/// loaded, say).
pub(super) fn on_finished(app: &mut App, run: RunId, cancelled: bool) {
    let failure = app.runs.get(&run).and_then(|state| {
        state
            .reports
            .iter()
            .find(|r| r.outcome.is_failure())
            .map(|r| r.outcome.detail())
    });
    let Some(Overlay::Access(screen)) = &mut app.overlay else {
        return;
    };
    if screen.run != run {
        return;
    }
    match (&screen.reading, cancelled) {
        (Reading::Listing, true) => screen.reading = Reading::Cancelled { done: 0, total: 0 },
        (Reading::Reading { done, total }, true) => {
            screen.reading = Reading::Cancelled {
                done: *done,
                total: *total,
            };
        }
        (Reading::Listing | Reading::Reading { .. }, false) => {
            screen.reading = Reading::Failed(printable(&format!(
                "The repositories could not be read: {}",
                failure.unwrap_or_else(|| "the read ended without an answer".into())
            )));
        }
        _ => {}
    }
}

/// Keys on the screen and in its filter.
pub(super) fn on_key(app: &mut App, action: Action, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Access(screen)) = &mut app.overlay else {
        return Vec::new();
    };
    let running = matches!(screen.reading, Reading::Listing | Reading::Reading { .. });
    match action {
        Action::AccessUp => screen.selected = screen.selected.saturating_sub(1),
        Action::AccessDown => {
            let count = screen.visible().len();
            screen.selected = (screen.selected + 1).min(count.saturating_sub(1));
        }
        Action::AccessFilter => screen.filtering = true,
        Action::AccessFilterDone => screen.filtering = false,
        Action::AccessFilterClear => {
            screen.filtering = false;
            screen.filter = Input::default();
            screen.selected = 0;
        }
        Action::AccessSort => {
            screen.sort = match screen.sort {
                SortBy::Exposure => SortBy::Name,
                SortBy::Name => SortBy::Exposure,
            };
            screen.sort_rows();
            screen.selected = 0;
        }
        Action::WhoHasAccess => {
            let (sort, filter) = (screen.sort, screen.filter.clone());
            let mut effects = Vec::new();
            if running {
                effects.push(Effect::Cancel { run: screen.run });
            }
            effects.extend(start(app, FlowId::RepositorySharing, sort, filter));
            return effects;
        }
        Action::AccessClose if running => return vec![Effect::Cancel { run: screen.run }],
        // A filter goes first, so Esc never leaves the list by surprise.
        Action::AccessClose if !screen.filter.value().is_empty() => {
            screen.filter = Input::default();
            screen.selected = 0;
        }
        Action::AccessClose => app.overlay = None,
        Action::AccessOpen => open_repository(app),
        Action::Type if screen.filter.handle_event(&Event::Key(key)).is_some() => {
            screen.selected = 0;
        }
        _ => {}
    }
    Vec::new()
}

/// Enter: the highlighted repository becomes the flow's, on the step that reads its
/// current policy, as long as the flow still names the profile and region it was
/// listed from.
fn open_repository(app: &mut App) {
    let Some(Overlay::Access(screen)) = &app.overlay else {
        return;
    };
    let Some(row) = screen.visible().get(screen.selected).copied() else {
        return;
    };
    let name = row.repository.clone();
    let flow = FlowId::RepositorySharing;
    let now = steps::target(app, flow, Side::RepositoryOwner);
    if now != screen.target {
        let listed = describe_target(&screen.target);
        app.say(
            Tone::Error,
            format!(
                "The list is of {listed}, but the flow now uses {}: W reads the list again.",
                describe_target(&now)
            ),
        );
        return;
    }
    app.overlay = None;
    app.screen = Screen::Flow(flow);
    let state = app.flow_mut(flow);
    state.accounts_row = None;
    state.form.set(FieldId::Repository, name.clone());
    let apply = RepositoryStep::ALL
        .iter()
        .position(|step| *step == RepositoryStep::Apply)
        .unwrap_or(0);
    state.go_to_step(apply);
    app.say(
        Tone::Success,
        format!(
            "Repository {} chosen: x reads its current policy and merges the grant of step 2 into it; d takes that grant out.",
            printable(&name)
        ),
    );
}

fn describe_target(target: &Target) -> String {
    format!(
        "{} in {}",
        target.profile_label(),
        target.region.as_deref().unwrap_or("no region")
    )
}

/// Text from a policy or an answer made safe for the terminal: control characters
/// and the invisible characters that reorder text are shown escaped, so nothing in a
/// policy can move the cursor or recolour the screen.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let reorders = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || reorders {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// How the columns share the width: the name's, and the grantees' (`None`: the
/// grantees go under the name, the width being too small for three columns).
fn columns(rows: &[&AccessRow], width: usize) -> (usize, Option<usize>) {
    // The marker and a space between columns.
    let room = width.saturating_sub(2 + 2);
    let longest = rows
        .iter()
        .map(|row| printable(&row.repository).chars().count())
        .max()
        .unwrap_or(0);
    let most = room.saturating_sub(FLAGS_WIDTH + GRANTS_MIN);
    if most < NAME_MIN {
        return (room.saturating_sub(FLAGS_WIDTH + 1).max(NAME_MIN), None);
    }
    let name = longest.clamp(NAME_MIN, most);
    (name, Some(room - FLAGS_WIDTH - name))
}

/// The lines of one row, each as (name, flags, grantees) cells.
fn row_lines(
    row: &AccessRow,
    selected: bool,
    width: usize,
    (name_width, grants_width): (usize, Option<usize>),
) -> Vec<Line<'static>> {
    let name_lines = wrap_words(&printable(&row.repository), name_width);
    let flag_lines = wrap_words(
        &row.flags
            .iter()
            .map(|f| f.label().replace(' ', "\u{a0}"))
            .collect::<Vec<_>>()
            .join(" "),
        FLAGS_WIDTH,
    );
    let (detail, detail_style): (Vec<String>, Style) = match &row.note {
        Some(note) if row.grants.is_empty() => (
            vec![note.clone()],
            if row.flags.contains(&Flag::NotRead) {
                ERROR
            } else {
                DIM
            },
        ),
        _ => (row.grants.clone(), Style::new()),
    };
    let detail_width = grants_width.unwrap_or(width.saturating_sub(4));
    let detail_lines: Vec<String> = detail
        .iter()
        .flat_map(|text| wrap_words(text, detail_width))
        .collect();
    let name_style = if selected {
        SELECTED.add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    };
    let flag_spans = |line: &str| -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for (index, label) in line.split(' ').enumerate() {
            if index > 0 {
                spans.push(Span::raw(" "));
            }
            let text = label.replace('\u{a0}', " ");
            let style = row
                .flags
                .iter()
                .find(|f| f.label() == text)
                .map_or(Style::new(), |f| f.style());
            spans.push(Span::styled(text, style));
        }
        spans
    };
    let pad = |text: &str, width: usize| {
        let used = text.chars().count();
        " ".repeat(width.saturating_sub(used))
    };
    let mut lines = Vec::new();
    let first_rows = match grants_width {
        Some(_) => name_lines
            .len()
            .max(flag_lines.len())
            .max(detail_lines.len())
            .max(1),
        None => name_lines.len().max(flag_lines.len()).max(1),
    };
    for index in 0..first_rows {
        let marker = if selected && index == 0 { "▶ " } else { "  " };
        let name = name_lines.get(index).map_or("", String::as_str);
        let flags = flag_lines.get(index).map_or("", String::as_str);
        let mut spans = vec![
            Span::styled(marker, ACCENT),
            Span::styled(name.to_string(), name_style),
            Span::raw(format!("{} ", pad(name, name_width))),
        ];
        spans.extend(flag_spans(flags));
        if grants_width.is_some() {
            let visible_flags = flags.replace('\u{a0}', " ");
            spans.push(Span::raw(format!("{} ", pad(&visible_flags, FLAGS_WIDTH))));
            if let Some(detail) = detail_lines.get(index) {
                spans.push(Span::styled(detail.clone(), detail_style));
            }
        }
        lines.push(Line::from(spans));
    }
    if grants_width.is_none() {
        for detail in detail_lines {
            lines.push(Line::from(vec![
                Span::raw("    "),
                Span::styled(detail, detail_style),
            ]));
        }
    }
    lines
}

/// Draws the screen over the whole terminal.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, screen: &AccessScreen) {
    frame.render_widget(Clear, area);
    let hint = keys::help_line(&keys::hints(Mode::of(app), false));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(
            format!(
                " Who has access · {} ",
                printable(&describe_target(&screen.target))
            ),
            ACCENT,
        ))
        .title_bottom(Line::from(Span::styled(format!(" {hint} "), DIM)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = inner.inner(Margin::new(1, 0));
    let width = usize::from(inner.width);
    let visible = screen.visible();
    let mut top: Vec<Line> = Vec::new();
    let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"][(app.ticks % 10) as usize];
    let (state, state_style) = match &screen.reading {
        Reading::Listing => (
            format!("{spinner} Listing the repositories… (Esc cancels)"),
            Style::new(),
        ),
        Reading::Reading { done, total } => (
            format!("{spinner} Reading the policies: {done} of {total} (Esc cancels)"),
            Style::new(),
        ),
        Reading::Done => {
            let public = screen
                .rows
                .iter()
                .filter(|r| r.flags.contains(&Flag::Public))
                .count();
            let not_read = screen
                .rows
                .iter()
                .filter(|r| r.flags.contains(&Flag::NotRead))
                .count();
            let mut text = format!(
                "{} repositories · {public} public · sorted by {} (s: by {})",
                screen.rows.len(),
                match screen.sort {
                    SortBy::Exposure => "exposure",
                    SortBy::Name => "name",
                },
                match screen.sort {
                    SortBy::Exposure => "name",
                    SortBy::Name => "exposure",
                },
            );
            if not_read > 0 {
                text.push_str(&format!(" · {not_read} not read"));
            }
            (text, Style::new())
        }
        Reading::Cancelled { done: 0, total: 0 } => (
            "Cancelled while listing the repositories. W reads again.".to_string(),
            ERROR,
        ),
        Reading::Cancelled { done: 0, total } => (
            format!("Cancelled before any of the {total} policies was read. W reads again."),
            ERROR,
        ),
        Reading::Cancelled { done, total } => (
            format!(
                "Cancelled after {done} of {total} policies: only those read are listed. W reads again."
            ),
            ERROR,
        ),
        Reading::Failed(reason) => (format!("{reason} W reads again."), ERROR),
    };
    for line in wrap_words(&state, width) {
        top.push(Line::from(Span::styled(line, state_style)));
    }
    let filter = screen.filter.value();
    if screen.filtering || !filter.is_empty() {
        let shown = if screen.filtering {
            format!("{}▏", printable(filter))
        } else {
            printable(filter)
        };
        top.push(Line::from(vec![
            Span::styled("filter (name or account/org id): ", DIM),
            Span::styled(shown, Style::new().add_modifier(Modifier::UNDERLINED)),
            Span::styled(format!("  {} of {}", visible.len(), screen.rows.len()), DIM),
        ]));
    }
    let widths = columns(&visible, width);
    if !screen.rows.is_empty() {
        let header = match widths.1 {
            Some(_) => format!(
                "  {:<name$} {:<flags$} {}",
                "Repository",
                "Exposure",
                "Who: access",
                name = widths.0,
                flags = FLAGS_WIDTH
            ),
            None => format!("  {:<name$} Exposure", "Repository", name = widths.0),
        };
        top.push(Line::from(Span::styled(header, DIM)));
    }
    if let Some(status) = &app.status {
        let style = match status.tone {
            Tone::Error => ERROR.add_modifier(Modifier::BOLD),
            Tone::Success => Style::new().fg(Color::Green),
            Tone::Info => Style::new(),
        };
        for line in wrap_words(&status.text, width) {
            top.push(Line::from(Span::styled(line, style)));
        }
    }
    if screen.reading == Reading::Done && visible.is_empty() {
        top.push(Line::from(Span::styled(
            if screen.rows.is_empty() {
                "No repositories in this account and region."
            } else {
                "No repository matches the filter."
            },
            DIM,
        )));
    }
    let top_height = u16::try_from(top.len())
        .unwrap_or(u16::MAX)
        .min(inner.height);
    frame.render_widget(
        Rows(&top),
        Rect::new(inner.x, inner.y, inner.width, top_height),
    );
    let list = Rect::new(
        inner.x,
        inner.y + top_height,
        inner.width,
        inner.height - top_height,
    );
    let blocks: Vec<Vec<Line>> = visible
        .iter()
        .enumerate()
        .map(|(index, row)| row_lines(row, index == screen.selected, width, widths))
        .collect();
    // The first row drawn: the highlighted row and as many before it as fit.
    let room = usize::from(list.height);
    let selected = screen.selected.min(blocks.len().saturating_sub(1));
    let mut first = selected;
    let mut used = blocks.get(selected).map_or(0, Vec::len);
    while first > 0 && used + blocks[first - 1].len() <= room {
        first -= 1;
        used += blocks[first].len();
    }
    let lines: Vec<Line> = blocks
        .into_iter()
        .skip(first)
        .flatten()
        .take(room)
        .collect();
    frame.render_widget(Rows(&lines), list);
}
