//! The linter's findings beside a policy document: what `ecr-share lint` would say
//! about the document on screen, under it, in the document's pane.
//!
//! Linting runs when the document changes, not on every frame: the last document
//! linted and its findings are kept per flow.

use std::cell::RefCell;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::core::documents::{self, DocumentKind};
use crate::core::lint::{self, Finding, PolicyKind, Severity};

use super::view::wrap_words;

const WARNING: Style = Style::new().fg(Color::Yellow);
const ERROR: Style = Style::new().fg(Color::Red);
const DIM: Style = Style::new().fg(Color::DarkGray);

/// Why the read policy of step 2 is kept as it is, said with its one finding.
const SEED_FLAW: &str = "This is the read policy as the EKS Anywhere documentation publishes it. Pulling packages does not need those two actions, so the policy is kept as published: the warning costs nothing.";

/// The last document linted, as the wizard showed it, and what the linter found.
#[derive(Debug, Default)]
pub struct LintCache(RefCell<Option<(String, Vec<Finding>)>>);

/// The linter's kind for a document the wizard shows; `None` for what is no policy.
pub fn policy_kind(kind: DocumentKind) -> Option<PolicyKind> {
    match kind {
        DocumentKind::EcrReadPolicy | DocumentKind::AssumeRolePolicy => Some(PolicyKind::Identity),
        DocumentKind::TrustPolicy => Some(PolicyKind::Trust),
        DocumentKind::RepositoryPolicy => Some(PolicyKind::Repository),
        _ => None,
    }
}

impl LintCache {
    /// The warnings and errors in `text` (information is left to `ecr-share lint`).
    /// A document that still has placeholders is not linted: its values are missing,
    /// not wrong.
    pub fn findings(&self, kind: DocumentKind, text: &str) -> Vec<Finding> {
        let Some(policy) = policy_kind(kind) else {
            return Vec::new();
        };
        if documents::has_placeholder(text) {
            return Vec::new();
        }
        let mut cache = self.0.borrow_mut();
        if let Some((linted, findings)) = cache.as_ref()
            && linted == text
        {
            return findings.clone();
        }
        let findings: Vec<Finding> = lint::lint(text, Some(policy))
            .findings
            .into_iter()
            .filter(|finding| finding.severity >= Severity::Warning)
            .collect();
        *cache = Some((text.to_string(), findings.clone()));
        findings
    }
}

/// The findings as lines of at most `width` columns, words never cut, in at most
/// `room` lines: each with its reason (and, for the published read policy, why it is
/// kept) when they fit, else with the reason alone, else one short line each (rule
/// and statement) and where to read the reasons.
pub fn lines(
    kind: DocumentKind,
    findings: &[Finding],
    width: usize,
    room: usize,
) -> Vec<Line<'static>> {
    for explained in [true, false] {
        let mut lines = Vec::new();
        for finding in findings {
            let text = format!(
                "{} {}: {}",
                mark(finding),
                finding.rule.id(),
                finding.reason
            );
            push_wrapped(&mut lines, &text, width, style(finding));
            if explained
                && kind == DocumentKind::EcrReadPolicy
                && finding.rule == lint::Rule::IneffectiveAction
            {
                push_wrapped(&mut lines, SEED_FLAW, width, DIM);
            }
        }
        if lines.len() <= room {
            return lines;
        }
    }
    let mut short = Vec::new();
    for finding in findings {
        let text = match &finding.statement {
            Some(statement) => format!("{} {} in {statement}", mark(finding), finding.rule.id()),
            None => format!("{} {}", mark(finding), finding.rule.id()),
        };
        push_wrapped(&mut short, &text, width, style(finding));
    }
    let hint = "s saves the policy; ecr-share lint FILE then says why";
    let hint_lines = wrap_words(hint, width).len();
    if short.len() + hint_lines > room {
        short.truncate(room.saturating_sub(hint_lines).max(1));
    }
    push_wrapped(&mut short, hint, width, DIM);
    short.truncate(room.max(1));
    short
}

fn mark(finding: &Finding) -> &'static str {
    if finding.severity == Severity::Error {
        "✗"
    } else {
        "⚠"
    }
}

fn style(finding: &Finding) -> Style {
    if finding.severity == Severity::Error {
        ERROR
    } else {
        WARNING
    }
}

fn push_wrapped(lines: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    lines.extend(
        wrap_words(text, width)
            .into_iter()
            .map(|line| Line::from(Span::styled(line, style))),
    );
}
