//! The run log: every run of the session with every call it made and what that came
//! to, and a summary of everything the session created or changed, per account, with
//! the commands that undo it. Also how one call's report is drawn, in the step's
//! results panel and in the log alike: long text wrapped, never cut, and a diff drawn
//! as a diff.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear};

use crate::aws::{CallReport, Outcome, Target};
use crate::core::flow::{FlowSpec, Side};
use crate::procedure::Job;

use super::keys::Action;
use super::message::Effect;
use super::model::{App, Overlay, RunState, Tone};
use super::rows::Rows;
use super::view::wrap_words;

const DIM: Style = Style::new().fg(Color::DarkGray);
const ACCENT: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);

/// One thing the session created or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The account it is in (`None`: on this machine or in a cluster).
    pub account: Option<String>,
    /// The profile and region it was made with, as the undo command names them.
    pub target: Option<Target>,
    /// What happened, in a few words: "created role".
    pub what: String,
    /// Its ARN, or the file or resource it names.
    pub name: String,
    /// The command that undoes it, runnable as printed, when there is one.
    pub undo: Option<String>,
}

/// The commands that undo what the session changed, newest first, one a line.
pub fn undo_script(app: &App) -> String {
    let mut script: Vec<String> = session_changes(app)
        .into_iter()
        .rev()
        .filter_map(|change| change.undo)
        .collect();
    script.push(String::new());
    script.join("\n")
}

/// Everything the runs of this session created or changed, oldest first. Only calls
/// that reported `done` count: what already existed was not made by this session.
pub fn session_changes(app: &App) -> Vec<Change> {
    let mut ids: Vec<_> = app.runs.keys().copied().collect();
    ids.sort_unstable();
    let mut changes = Vec::new();
    for id in ids {
        let run = &app.runs[&id];
        for report in &run.reports {
            if matches!(report.outcome, Outcome::Done(_)) {
                changes.extend(change_of(app, run, report));
            }
        }
    }
    changes
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@+,%*".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `--profile P --region R` as the target names them.
fn flags(target: &Target) -> String {
    let mut out = String::new();
    if let Some(profile) = &target.profile {
        out.push_str(&format!(" --profile {}", shell(profile)));
    }
    if let Some(region) = &target.region {
        out.push_str(&format!(" --region {}", shell(region)));
    }
    out
}

fn change_of(app: &App, run: &RunState, report: &CallReport) -> Option<Change> {
    let call = report.call.as_str();
    let is = |name: &str| call == name || call.starts_with(&format!("{name} "));
    let iam_change = |iam: &crate::procedure::IamTarget, what: &str, name: String, undo| Change {
        account: Some(iam.account.to_string()),
        target: Some(iam.target.clone()),
        what: what.to_string(),
        name,
        undo,
    };
    match &run.job {
        Job::ReadPolicy { iam, name, .. }
        | Job::User {
            iam, policy: name, ..
        } if is("iam:CreatePolicy") => {
            let arn = format!("arn:{}:iam::{}:policy/{name}", iam.partition, iam.account);
            let undo = format!(
                "aws iam delete-policy --policy-arn {}{}",
                shell(&arn),
                flags(&iam.target)
            );
            Some(iam_change(iam, "created policy", arn, Some(undo)))
        }
        Job::UpdatePolicy { iam, name, .. } => {
            let arn = format!("arn:{}:iam::{}:policy/{name}", iam.partition, iam.account);
            let undo = format!(
                "aws iam list-policy-versions --policy-arn {}{} (then set-default-policy-version to the previous one)",
                shell(&arn),
                flags(&iam.target)
            );
            Some(iam_change(
                iam,
                "made a new default version of policy",
                arn,
                Some(undo),
            ))
        }
        Job::UpdateTrust { iam, role, .. } => {
            let arn = format!("arn:{}:iam::{}:role/{role}", iam.partition, iam.account);
            Some(iam_change(
                iam,
                "replaced the trust policy of role (the run above shows the old one)",
                arn,
                None,
            ))
        }
        Job::Role { iam, role, .. } if is("iam:CreateRole") => {
            let arn = format!("arn:{}:iam::{}:role/{role}", iam.partition, iam.account);
            let undo = format!(
                "aws iam delete-role --role-name {}{}",
                shell(role.as_str()),
                flags(&iam.target)
            );
            Some(iam_change(iam, "created role", arn, Some(undo)))
        }
        Job::Role {
            iam, role, policy, ..
        } if is("iam:AttachRolePolicy") => {
            let arn = format!("arn:{}:iam::{}:policy/{policy}", iam.partition, iam.account);
            let undo = format!(
                "aws iam detach-role-policy --role-name {} --policy-arn {}{}",
                shell(role.as_str()),
                shell(&arn),
                flags(&iam.target)
            );
            Some(iam_change(
                iam,
                &format!("attached to role {role} the policy"),
                arn,
                Some(undo),
            ))
        }
        Job::User { iam, user, .. } if is("iam:CreateUser") => {
            let arn = format!("arn:{}:iam::{}:user/{user}", iam.partition, iam.account);
            let undo = format!(
                "aws iam delete-user --user-name {}{}",
                shell(user.as_str()),
                flags(&iam.target)
            );
            Some(iam_change(iam, "created user", arn, Some(undo)))
        }
        Job::User {
            iam, user, policy, ..
        } if is("iam:AttachUserPolicy") => {
            let arn = format!("arn:{}:iam::{}:policy/{policy}", iam.partition, iam.account);
            let undo = format!(
                "aws iam detach-user-policy --user-name {} --policy-arn {}{}",
                shell(user.as_str()),
                shell(&arn),
                flags(&iam.target)
            );
            Some(iam_change(
                iam,
                &format!("attached to user {user} the policy"),
                arn,
                Some(undo),
            ))
        }
        Job::AccessKey { iam, user, .. } if is("iam:CreateAccessKey") => {
            let key = app
                .flow(run.flow)
                .form
                .access_key
                .as_ref()
                .map(|pair| pair.access_key_id.clone())
                .unwrap_or_else(|| "<ACCESS_KEY_ID>".to_string());
            let undo = format!(
                "aws iam delete-access-key --user-name {} --access-key-id {}{}",
                shell(user.as_str()),
                shell(&key),
                flags(&iam.target)
            );
            Some(iam_change(
                iam,
                &format!("created an access key of user {user}"),
                key,
                Some(undo),
            ))
        }
        Job::WriteConfig { home, .. } if is("write") => Some(file_change(&home.path)),
        Job::WriteManifest { path, .. } if is("write") => Some(file_change(path)),
        Job::Kubectl { context, .. } => {
            let context = context
                .as_ref()
                .map(|c| format!(" --context {}", shell(c)))
                .unwrap_or_default();
            Some(Change {
                account: None,
                target: None,
                what: "applied in the cluster".to_string(),
                name: "Secret aws-secret in namespace eksa-packages".to_string(),
                undo: Some(format!(
                    "kubectl delete secret aws-secret --namespace eksa-packages{context}"
                )),
            })
        }
        Job::Apply { target, plan }
            if is("ecr:SetRepositoryPolicy") || is("ecr:DeleteRepositoryPolicy") =>
        {
            let form = &app.flow(run.flow).form;
            let account = form
                .resolved
                .get(&Side::RepositoryOwner)
                .map(ToString::to_string);
            let repository = plan.repository.as_str();
            let name = match (&account, form.partition(), &target.region) {
                (Some(account), Some(partition), Some(region)) => {
                    format!("arn:{partition}:ecr:{region}:{account}:repository/{repository}")
                }
                _ => repository.to_string(),
            };
            let undo = match &plan.change.previous {
                Some(_) => format!(
                    "u on the repository flow puts the previous policy back (or: aws ecr set-repository-policy --repository-name {} --policy-text file://previous-policy.json{})",
                    shell(repository),
                    flags(target)
                ),
                None => format!(
                    "aws ecr delete-repository-policy --repository-name {}{}",
                    shell(repository),
                    flags(target)
                ),
            };
            Some(Change {
                account,
                target: Some(target.clone()),
                what: "changed the repository policy of".to_string(),
                name,
                undo: Some(undo),
            })
        }
        Job::Teardown {
            source,
            destination,
            plan,
            ..
        } if call != crate::procedure::teardown::RECHECK => {
            // The first report is the re-read; each one after it is a removal.
            let at = run.reports.iter().position(|r| std::ptr::eq(r, report))?;
            let removal = plan.removals.get(at.checked_sub(1)?)?;
            let iam = match removal.side() {
                Some(Side::Source) => Some(source),
                Some(_) => Some(destination),
                None => None,
            };
            Some(Change {
                account: iam.map(|iam| iam.account.to_string()),
                target: iam.map(|iam| iam.target.clone()),
                what: "removed (teardown)".to_string(),
                name: removal.describe(),
                undo: None,
            })
        }
        Job::RotateKey { rotation, .. } if is("iam:CreateAccessKey") => {
            let detail = report.outcome.detail();
            let key = detail
                .strip_prefix("created ")
                .and_then(|rest| rest.split([';', ' ']).next())
                .unwrap_or("<ACCESS_KEY_ID>")
                .to_string();
            let undo = format!(
                "aws iam delete-access-key --user-name {} --access-key-id {}{}",
                shell(rotation.user.as_str()),
                shell(&key),
                flags(&rotation.iam.target)
            );
            Some(iam_change(
                &rotation.iam,
                &format!(
                    "created an access key of user {} (key rotation)",
                    rotation.user
                ),
                key,
                Some(undo),
            ))
        }
        Job::RotateKey { rotation, .. } if is("iam:DeleteAccessKey") => Some(iam_change(
            &rotation.iam,
            &format!(
                "deleted the old access key of user {} (key rotation)",
                rotation.user
            ),
            report.subject.clone(),
            None,
        )),
        Job::RotateKey { .. } if is("write") => Some(Change {
            account: None,
            target: None,
            what: "wrote the file (mode 0600, key rotation)".to_string(),
            name: report.subject.clone(),
            undo: None,
        }),
        Job::Restore {
            target, repository, ..
        } if is("ecr:SetRepositoryPolicy") || is("ecr:DeleteRepositoryPolicy") => Some(Change {
            account: app
                .flow(run.flow)
                .form
                .resolved
                .get(&Side::RepositoryOwner)
                .map(ToString::to_string),
            target: Some(target.clone()),
            what: "put the previous repository policy back on".to_string(),
            name: repository.to_string(),
            undo: None,
        }),
        _ => None,
    }
}

fn file_change(path: &std::path::Path) -> Change {
    let shown = path.display().to_string();
    Change {
        account: None,
        target: None,
        what: "wrote the file (mode 0600)".to_string(),
        undo: Some(format!("rm -- {}", shell(&shown))),
        name: shown,
    }
}

/// A line of text broken to `width` columns at spaces where it can be, else inside
/// a word; leading spaces are kept on the first piece. Nothing is dropped.
pub fn wrap_keep(line: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = line.chars().collect();
    while rest.len() > width {
        let lead = rest.iter().take_while(|c| **c == ' ').count();
        let cut = rest[..=width]
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|at| *at > lead)
            .unwrap_or(width);
        pieces.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        let skip = if rest.get(cut) == Some(&' ') {
            cut + 1
        } else {
            cut
        };
        rest = rest[skip..].to_vec();
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

fn diff_style(line: &str) -> Style {
    if line.starts_with("+++") || line.starts_with("---") {
        BOLD
    } else if line.starts_with('+') {
        Style::new().fg(Color::Green)
    } else if line.starts_with('-') {
        Style::new().fg(Color::Red)
    } else if line.starts_with("@@") {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new()
    }
}

/// The outcome's mark and its colour.
pub fn outcome_icon(outcome: &Outcome) -> (&'static str, Style) {
    match outcome {
        Outcome::Done(_) | Outcome::Ok(_) => ("✓", Style::new().fg(Color::Green)),
        Outcome::AlreadyExisted(_) => ("=", Style::new().fg(Color::Cyan)),
        Outcome::Differs(_) => ("≠", Style::new().fg(Color::Yellow)),
        Outcome::Failed(_) => ("✗", Style::new().fg(Color::Red)),
    }
}

/// One call's report at `width` columns: its mark, call, subject and outcome, then
/// the detail wrapped under it; a diff in the detail is one line per change, `+`
/// green and `-` red, long lines continued rather than cut.
pub fn report_lines(report: &CallReport, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let detail_width = width.saturating_sub(4).max(10);
    let (icon, style) = outcome_icon(&report.outcome);
    let head = if report.subject.is_empty() {
        format!("{}: {}", report.call, report.outcome.label())
    } else {
        format!(
            "{} {}: {}",
            report.call,
            report.subject,
            report.outcome.label()
        )
    };
    let mut lines = Vec::new();
    for (index, line) in wrap_words(&head, detail_width + 2).into_iter().enumerate() {
        let lead = if index == 0 {
            format!("{icon} ")
        } else {
            "  ".to_string()
        };
        lines.push(Line::from(vec![Span::styled(lead, style), Span::raw(line)]));
    }
    let mut in_diff = false;
    for text in report.outcome.detail().lines() {
        in_diff |= text.starts_with("--- ") || text.starts_with("@@");
        if in_diff {
            let style = diff_style(text);
            let (mark, body) = text.split_at(text.chars().next().map_or(0, char::len_utf8));
            for (index, piece) in wrap_keep(body, detail_width.saturating_sub(1))
                .into_iter()
                .enumerate()
            {
                let mark = if index == 0 { mark } else { " " };
                lines.push(Line::from(Span::styled(
                    format!("    {mark}{piece}"),
                    style,
                )));
            }
        } else {
            for line in wrap_words(text, detail_width) {
                lines.push(Line::from(Span::styled(format!("    {line}"), DIM)));
            }
        }
    }
    lines
}

/// Who a run ran as, in a few words.
fn run_heading(app: &App, run: &RunState) -> String {
    let spec = FlowSpec::get(run.flow);
    let place = match run.step {
        Some(step) => format!(
            "{} · step {} {}",
            spec.name,
            step + 1,
            spec.steps[step].title
        ),
        None => match &run.job {
            Job::Identity { .. } => format!("{} · looking up a profile's account", spec.name),
            Job::Profiles => format!("{} · reading the AWS profiles", spec.name),
            Job::KubeContexts => format!("{} · reading kubectl's contexts", spec.name),
            job => match super::manage::run_title(job) {
                Some(title) => format!("{} · {title}", spec.name),
                None => spec.name.to_string(),
            },
        },
    };
    let account = run
        .job
        .side(run.flow)
        .and_then(|side| app.flow(run.flow).form.resolved.get(&side))
        .map(|account| format!(" → account {account}"))
        .unwrap_or_default();
    let who = run
        .job
        .target()
        .map(|target| {
            let region = target
                .region
                .as_ref()
                .map(|r| format!(", {r}"))
                .unwrap_or_default();
            format!(" · {}{region}{account}", target.profile_label())
        })
        .or_else(|| super::manage::run_place(app, &run.job).map(|place| format!(" · {place}")))
        .unwrap_or_else(|| " · on this machine".to_string());
    let state = if run.running {
        " · running"
    } else if run.cancelled {
        " · cancelled"
    } else {
        ""
    };
    format!("{place}{who}{state}")
}

/// The whole log at `width` columns: the summary of changes, every run, every message.
pub fn log_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let text_width = usize::from(width).saturating_sub(2).max(10);
    let mut lines = vec![Line::from(Span::styled(
        "What this session created or changed",
        ACCENT,
    ))];
    let changes = session_changes(app);
    if changes.is_empty() {
        lines.push(Line::from(Span::styled(
            "  Nothing yet: no step has changed anything in AWS or on this machine.",
            DIM,
        )));
    }
    let mut groups: Vec<(Option<String>, Vec<&Change>)> = Vec::new();
    for change in &changes {
        match groups
            .iter_mut()
            .find(|(account, _)| *account == change.account)
        {
            Some((_, list)) => list.push(change),
            None => groups.push((change.account.clone(), vec![change])),
        }
    }
    for (account, list) in groups {
        let title = match (&account, list.first().and_then(|c| c.target.as_ref())) {
            (Some(account), Some(target)) => {
                format!("Account {account} ({})", target.profile_label())
            }
            (Some(account), None) => format!("Account {account}"),
            _ => "On this machine and in the cluster".to_string(),
        };
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(format!("  {title}"), BOLD)));
        for change in &list {
            for (index, piece) in
                wrap_keep(&format!("{} {}", change.what, change.name), text_width - 4)
                    .into_iter()
                    .enumerate()
            {
                let lead = if index == 0 { "  • " } else { "    " };
                lines.push(Line::raw(format!("{lead}{piece}")));
            }
        }
        let undo: Vec<&String> = list.iter().rev().filter_map(|c| c.undo.as_ref()).collect();
        if !undo.is_empty() {
            lines.push(Line::from(Span::styled("    To undo, in this order:", DIM)));
            for command in undo {
                // A long command goes on over lines ending in `\`, so it runs pasted.
                let pieces = wrap_keep(command, text_width.saturating_sub(10).max(10));
                let last = pieces.len() - 1;
                for (index, piece) in pieces.into_iter().enumerate() {
                    let indent = if index == 0 { "" } else { "  " };
                    let end = if index == last { "" } else { " \\" };
                    lines.push(Line::from(Span::styled(
                        format!("      {indent}{piece}{end}"),
                        Style::new().fg(Color::Yellow),
                    )));
                }
            }
        }
    }

    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("Every run, oldest first", ACCENT)));
    let mut ids: Vec<_> = app.runs.keys().copied().collect();
    ids.sort_unstable();
    if ids.is_empty() {
        lines.push(Line::from(Span::styled("  Nothing has run yet.", DIM)));
    }
    for id in ids {
        let run = &app.runs[&id];
        lines.push(Line::raw(""));
        if run.step.is_none() && run.reports.is_empty() {
            // Looking up a profile's account: what it found is in its heading.
            for piece in wrap_words(&format!("#{id} {}", run_heading(app, run)), text_width) {
                lines.push(Line::from(Span::styled(piece, DIM)));
            }
            continue;
        }
        for piece in wrap_words(&format!("#{id} {}", run_heading(app, run)), text_width) {
            lines.push(Line::from(Span::styled(piece, BOLD)));
        }
        for report in &run.reports {
            for line in report_lines(report, width.saturating_sub(2)) {
                let mut spans = vec![Span::raw("  ")];
                spans.extend(line.spans);
                lines.push(Line::from(spans));
            }
        }
        for call in run.calls.iter().skip(run.reports.len()) {
            let suffix = if run.running { "" } else { " — not run" };
            for piece in wrap_words(&format!("· {call}{suffix}"), text_width - 2) {
                lines.push(Line::from(Span::styled(format!("  {piece}"), DIM)));
            }
        }
    }

    if !app.said.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("Messages, oldest first", ACCENT)));
        for status in &app.said {
            let style = match status.tone {
                Tone::Info => Style::new(),
                Tone::Success => Style::new().fg(Color::Green),
                Tone::Error => Style::new().fg(Color::Red),
            };
            for (index, piece) in wrap_words(&status.text, text_width - 4)
                .into_iter()
                .enumerate()
            {
                let lead = if index == 0 { "  • " } else { "    " };
                lines.push(Line::from(Span::styled(format!("{lead}{piece}"), style)));
            }
        }
    }
    lines
}

/// The run log over the whole screen, from line `scroll`.
pub fn draw_log(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(" Run log ", ACCENT))
        .title_bottom(
            Line::from(Span::styled(
                " ↓↑ scroll · c copy the undo commands · L or Esc closes ",
                DIM,
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = log_lines(app, inner.width);
    let total = lines.len();
    let max = total.saturating_sub(usize::from(inner.height));
    let max = u16::try_from(max).unwrap_or(u16::MAX);
    app.log_max.set(max);
    let scroll = scroll.min(max);
    frame.render_widget(Rows(&lines[usize::from(scroll).min(total)..]), inner);
    if max > 0 {
        let marker = format!(
            " {}/{total} ",
            usize::from(scroll) + usize::from(inner.height).min(total)
        );
        let width = marker.chars().count() as u16;
        if area.width > width + 4 {
            let rect = Rect::new(area.x + 2, area.bottom() - 1, width, 1);
            frame.render_widget(Rows(&[Line::from(Span::styled(marker, DIM))]), rect);
        }
    }
}

/// Keys while the run log is open.
pub(super) fn on_log(app: &mut App, action: Action) -> Vec<Effect> {
    if action == Action::CopyUndo {
        return vec![Effect::Copy {
            what: "the undo commands".into(),
            text: undo_script(app),
        }];
    }
    let Some(Overlay::Log { scroll }) = &mut app.overlay else {
        return Vec::new();
    };
    let max = app.log_max.get();
    let current = (*scroll).min(max);
    match action {
        Action::CloseLog => app.overlay = None,
        Action::LogDown => *scroll = current.saturating_add(1).min(max),
        Action::LogUp => *scroll = current.saturating_sub(1),
        Action::LogTop => *scroll = 0,
        Action::LogBottom => *scroll = max,
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keep_breaks_at_spaces_and_drops_nothing() {
        let line = "    \"Resource\": \"arn:aws:iam::123456789012:role/curated-packages-role\"";
        let pieces = wrap_keep(line, 40);
        assert_eq!(pieces[0], "    \"Resource\":");
        assert_eq!(pieces[1], "\"arn:aws:iam::123456789012:role/curated-");
        assert_eq!(pieces.concat().replace(' ', ""), line.replace(' ', ""));
        assert!(pieces.iter().all(|p| p.chars().count() <= 40));
        assert_eq!(wrap_keep("short", 40), vec!["short"]);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell("curated-packages-role"), "curated-packages-role");
        assert_eq!(
            shell("arn:aws:iam::123456789012:policy/p"),
            "arn:aws:iam::123456789012:policy/p"
        );
        assert_eq!(shell("my profile"), "'my profile'");
        assert_eq!(shell("it's"), r"'it'\''s'");
        assert_eq!(shell(""), "''");
    }

    #[test]
    fn a_diff_in_a_report_is_one_line_per_change_in_colour() {
        let report = CallReport::new(
            "iam:CreateRole",
            "r",
            Outcome::Differs(
                "it differs\n--- current\n+++ wanted\n@@ -1 +1 @@\n-  \"a\": 1\n+  \"a\": 2\n"
                    .into(),
            ),
        );
        let lines = report_lines(&report, 60);
        let texts: Vec<String> = lines.iter().map(ToString::to_string).collect();
        let minus = texts.iter().position(|t| t == "    -  \"a\": 1").unwrap();
        let plus = texts.iter().position(|t| t == "    +  \"a\": 2").unwrap();
        assert_eq!(plus, minus + 1, "{texts:?}");
        assert_eq!(lines[minus].spans[0].style.fg, Some(Color::Red));
        assert_eq!(lines[plus].spans[0].style.fg, Some(Color::Green));
        assert!(texts.contains(&"    it differs".to_string()));
    }
}
