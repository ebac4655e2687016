//! Syntax colours for the document pane. Placeholders such as `<ROLE_ARN>` stand out,
//! so a document that still misses a value is seen at a glance.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::core::documents::Language;

const KEY: Style = Style::new().fg(Color::Cyan);
const STRING: Style = Style::new().fg(Color::Green);
const NUMBER: Style = Style::new().fg(Color::Magenta);
const LITERAL: Style = Style::new().fg(Color::Yellow);
const PUNCTUATION: Style = Style::new().fg(Color::Gray);
const COMMENT: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::ITALIC);
const SECTION: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
const COMMAND: Style = Style::new().add_modifier(Modifier::BOLD);
const PLACEHOLDER: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);

/// The document's lines with colours for its language.
pub fn highlight(text: &str, language: Language) -> Vec<Line<'static>> {
    text.lines()
        .map(|line| {
            let mut spans = Vec::new();
            match language {
                Language::Json => json_line(line, &mut spans),
                Language::Ini => ini_line(line, &mut spans),
                Language::Yaml => yaml_line(line, &mut spans),
                Language::Shell => shell_line(line, &mut spans),
                Language::Diff => spans.push(diff_line(line)),
                Language::Text => with_placeholders(line, Style::new(), &mut spans),
            }
            Line::from(spans)
        })
        .collect()
}

/// Pushes `text` in `style`, with every `<PLACEHOLDER>` marked.
fn with_placeholders(text: &str, style: Style, spans: &mut Vec<Span<'static>>) {
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        let candidate = &rest[start + 1..start + length];
        let looks_like_placeholder = candidate.starts_with(|c: char| c.is_ascii_uppercase())
            && candidate.chars().all(|c| {
                c.is_ascii_uppercase()
                    || c.is_ascii_digit()
                    || " _-".contains(c)
                    || c.is_ascii_lowercase()
            });
        if !looks_like_placeholder {
            spans.push(Span::styled(rest[..=start].to_string(), style));
            rest = &rest[start + 1..];
            continue;
        }
        if start > 0 {
            spans.push(Span::styled(rest[..start].to_string(), style));
        }
        spans.push(Span::styled(
            rest[start..=start + length].to_string(),
            PLACEHOLDER,
        ));
        rest = &rest[start + length + 1..];
    }
    if !rest.is_empty() {
        spans.push(Span::styled(rest.to_string(), style));
    }
}

fn diff_line(line: &str) -> Span<'static> {
    let style = if line.starts_with("+++") || line.starts_with("---") {
        Style::new().add_modifier(Modifier::BOLD)
    } else if line.starts_with('+') {
        Style::new().fg(Color::Green)
    } else if line.starts_with('-') {
        Style::new().fg(Color::Red)
    } else if line.starts_with("@@") {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new()
    };
    Span::styled(line.to_string(), style)
}

fn json_line(line: &str, spans: &mut Vec<Span<'static>>) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            let token: String = chars[start..i].iter().collect();
            let is_key = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            with_placeholders(&token, if is_key { KEY } else { STRING }, spans);
        } else if c.is_ascii_digit() || c == '-' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".+-".contains(chars[i]))
            {
                i += 1;
            }
            spans.push(Span::styled(
                chars[start..i].iter().collect::<String>(),
                NUMBER,
            ));
        } else if c.is_ascii_alphabetic() {
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            spans.push(Span::styled(
                chars[start..i].iter().collect::<String>(),
                LITERAL,
            ));
        } else {
            while i < chars.len()
                && !(chars[i] == '"' || chars[i].is_ascii_alphanumeric() || chars[i] == '-')
            {
                i += 1;
            }
            spans.push(Span::styled(
                chars[start..i].iter().collect::<String>(),
                PUNCTUATION,
            ));
        }
    }
}

fn ini_line(line: &str, spans: &mut Vec<Span<'static>>) {
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        with_placeholders(line, SECTION, spans);
    } else if trimmed.starts_with('#') || trimmed.starts_with(';') {
        spans.push(Span::styled(line.to_string(), COMMENT));
    } else if let Some((key, value)) = line.split_once('=') {
        spans.push(Span::styled(key.to_string(), KEY));
        spans.push(Span::styled("=", PUNCTUATION));
        with_placeholders(value, STRING, spans);
    } else {
        with_placeholders(line, Style::new(), spans);
    }
}

fn yaml_line(line: &str, spans: &mut Vec<Span<'static>>) {
    if line.trim_start().starts_with('#') {
        spans.push(Span::styled(line.to_string(), COMMENT));
    } else if let Some((key, value)) = line.split_once(':') {
        spans.push(Span::styled(key.to_string(), KEY));
        spans.push(Span::styled(":", PUNCTUATION));
        with_placeholders(value, STRING, spans);
    } else {
        with_placeholders(line, Style::new(), spans);
    }
}

fn shell_line(line: &str, spans: &mut Vec<Span<'static>>) {
    if line.trim_start().starts_with('#') {
        spans.push(Span::styled(line.to_string(), COMMENT));
        return;
    }
    let mut first_word = true;
    let mut in_quote = false;
    for (index, piece) in line.split('\'').enumerate() {
        if index > 0 {
            spans.push(Span::styled("'", STRING));
            in_quote = !in_quote;
        }
        if in_quote {
            with_placeholders(piece, STRING, spans);
            continue;
        }
        for word in piece.split_inclusive(' ') {
            let bare = word.trim();
            let style = if bare.starts_with("--") {
                KEY
            } else if bare == "\\" || bare == ">" {
                PUNCTUATION
            } else if first_word && !bare.is_empty() {
                COMMAND
            } else {
                Style::new()
            };
            if !bare.is_empty() {
                first_word = false;
            }
            with_placeholders(word, style, spans);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styled(lines: &[Line<'_>], content: &str) -> Style {
        lines
            .iter()
            .flat_map(|line| line.spans.iter())
            .find(|span| span.content == content)
            .map(|span| span.style)
            .unwrap_or_else(|| panic!("no span {content:?} in {lines:?}"))
    }

    #[test]
    fn json_keys_strings_and_placeholders_differ() {
        let text = "{\n  \"Principal\": {\n    \"AWS\": \"arn:aws:iam::<DESTINATION_ACCOUNT_ID>:root\"\n  }\n}\n";
        let lines = highlight(text, Language::Json);
        assert_eq!(lines.len(), 5);
        assert_eq!(styled(&lines, "\"Principal\""), KEY);
        assert_eq!(styled(&lines, "\"arn:aws:iam::"), STRING);
        assert_eq!(styled(&lines, "<DESTINATION_ACCOUNT_ID>"), PLACEHOLDER);
        // Every character survives highlighting.
        let joined: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(joined.join("\n") + "\n", text);
    }

    #[test]
    fn shell_comments_flags_and_quotes() {
        let lines = highlight(
            "# note\naws ecr get-repository-policy --region 'us-east-1'\n",
            Language::Shell,
        );
        assert_eq!(styled(&lines, "# note"), COMMENT);
        assert_eq!(styled(&lines, "--region "), KEY);
        assert_eq!(styled(&lines, "us-east-1"), STRING);
    }

    #[test]
    fn comparisons_are_not_placeholders() {
        let lines = highlight("a < b and c > d", Language::Text);
        assert!(lines[0].spans.iter().all(|s| s.style != PLACEHOLDER));
    }
}
