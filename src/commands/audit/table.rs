//! The table `audit` prints: four columns that fit a width, cells wrapped at spaces
//! and an ARN between its parts, never cutting an account id, an organization id or
//! an IAM unique id; and text from a policy escaped before it reaches a terminal.

use std::collections::BTreeSet;
use std::io::IsTerminal;

use super::{ErrorReport, RepositoryReport, Status};
use crate::core::audit::{Grantee, GranteeAccess};

/// The table's width when standard output is no terminal and `COLUMNS` is not set.
const DEFAULT_WIDTH: usize = 100;
/// The narrowest table drawn; a narrower terminal gets lines this long.
const NARROWEST: usize = 60;

/// The table's width: the terminal's when standard output is one, else `COLUMNS`,
/// else [`DEFAULT_WIDTH`]; never below [`NARROWEST`].
pub(super) fn table_width() -> usize {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| crossterm::terminal::size().ok())
        .flatten()
        .map(|(columns, _)| usize::from(columns))
        .filter(|&columns| columns > 0);
    let columns = terminal.or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .filter(|&columns| columns > 0)
    });
    columns.unwrap_or(DEFAULT_WIDTH).max(NARROWEST)
}

/// One row of the table: a grant (grantee, access, conditions) or a note that spans
/// those three columns.
enum Row {
    Grant([String; 3]),
    Note(String),
}

const HEADINGS: [&str; 4] = ["REPOSITORY", "GRANTEE", "ACCESS", "CONDITIONS"];
/// How much room each column keeps, relative to the others, when the table must
/// be narrower than its cells.
const WEIGHTS: [f64; 4] = [1.0, 1.1, 0.7, 1.6];
const GAP: &str = "  ";

/// The table and a summary as lines of at most `width` characters (a longer line
/// only where an account id, an organization id or a unique id would otherwise be
/// cut).
pub(super) fn table(reports: &[RepositoryReport], region: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let accounts: BTreeSet<&str> = reports
        .iter()
        .filter_map(|r| r.account.as_deref())
        .collect();
    let place = match accounts.len() {
        0 => format!("Region {region}"),
        1 => format!(
            "Account {}, region {region}",
            accounts.iter().next().expect("one account")
        ),
        _ => format!(
            "Accounts {}, region {region}",
            accounts.iter().copied().collect::<Vec<_>>().join(", ")
        ),
    };
    if reports.is_empty() {
        lines.extend(wrap(&format!("{place}: no repositories."), width));
        return lines;
    }

    let groups: Vec<(String, Vec<Row>)> = reports
        .iter()
        .map(|report| (printable(&report.repository), rows(report)))
        .collect();
    let widths = column_widths(&groups, width);
    let spanned = widths[1] + widths[2] + widths[3] + 2 * GAP.len();

    let heading: Vec<String> = HEADINGS.iter().map(|h| h.to_string()).collect();
    lines.push(join_row(&heading, &widths));
    lines.push(join_row(
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        &widths,
    ));
    for (name, rows) in &groups {
        let mut name_lines = wrap(name, widths[0]).into_iter();
        for row in rows {
            let cells: Vec<Vec<String>> = match row {
                Row::Grant(cells) => cells
                    .iter()
                    .zip(&widths[1..])
                    .map(|(cell, w)| wrap(cell, *w))
                    .collect(),
                Row::Note(text) => vec![wrap(text, spanned)],
            };
            let height = cells.iter().map(Vec::len).max().unwrap_or(1);
            for i in 0..height {
                let first = name_lines.next().unwrap_or_default();
                let mut parts = vec![first];
                parts.extend(cells.iter().map(|c| c.get(i).cloned().unwrap_or_default()));
                let part_widths: Vec<usize> = match row {
                    Row::Grant(_) => widths.to_vec(),
                    Row::Note(_) => vec![widths[0], spanned],
                };
                lines.push(join_row(&parts, &part_widths));
            }
        }
        // A name longer than its rows goes on, alone.
        for rest in name_lines {
            lines.push(rest);
        }
    }
    lines.push(String::new());
    lines.extend(wrap(&summary(reports, &place), width));
    lines
}

/// The cells of one repository's rows.
fn rows(report: &RepositoryReport) -> Vec<Row> {
    let mut rows = Vec::new();
    match report.status {
        Status::Policy => {
            for grant in &report.grants {
                rows.push(Row::Grant([
                    printable(&grant.grantee.describe()),
                    printable(&grant.describe_access()),
                    printable(&shown_conditions(grant).join("; ")),
                ]));
            }
            if report.grants.is_empty() && report.findings.is_empty() {
                rows.push(Row::Note("its policy grants no one".to_string()));
            }
            for finding in &report.findings {
                rows.push(Row::Note(format!("! {}", printable(&finding.message))));
            }
        }
        Status::NoPolicy => rows.push(Row::Note(
            "no policy: only the owning account's IAM policies decide".to_string(),
        )),
        Status::Missing => rows.push(Row::Note(
            "MISSING: there is no repository of this name".to_string(),
        )),
        Status::Failed => {
            let error = report
                .error
                .as_ref()
                .map(ErrorReport::text)
                .unwrap_or_default();
            rows.push(Row::Note(format!("NOT READ: {}", printable(&error))));
        }
    }
    rows
}

/// The conditions a row shows: all of them, except that an organization's row does
/// not repeat the condition that names the organization (its grantee cell says it).
fn shown_conditions(grant: &GranteeAccess) -> Vec<&str> {
    grant
        .conditions
        .iter()
        .map(String::as_str)
        .filter(|condition| match &grant.grantee {
            Grantee::Organization { organization } => {
                !(condition.starts_with("only from organization")
                    && condition.contains(organization.as_str()))
            }
            _ => true,
        })
        .collect()
}

fn summary(reports: &[RepositoryReport], place: &str) -> String {
    let count = |status| reports.iter().filter(|r| r.status == status).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        format!("{} with a policy", count(Status::Policy)),
        format!("{} without one", count(Status::NoPolicy)),
    ];
    let public = reports.iter().filter(|r| r.public).count();
    parts.push(format!("{public} public"));
    let missing = count(Status::Missing);
    if missing > 0 {
        parts.push(format!("{missing} missing"));
    }
    let failed = count(Status::Failed);
    if failed > 0 {
        parts.push(format!("{failed} not read"));
    }
    format!(
        "{place}: {}: {}.",
        plural(reports.len(), "repository", "repositories"),
        parts.join(", ")
    )
}

/// Widths of the four columns within `width`: each as wide as its longest line when
/// that fits; otherwise the widest columns give way first, but no column gets
/// narrower than its longest id or a readable minimum.
fn column_widths(groups: &[(String, Vec<Row>)], width: usize) -> [usize; 4] {
    let mut natural = [0usize; 4];
    let mut atoms = [0usize; 4];
    let mut note = 0usize;
    for (i, heading) in HEADINGS.iter().enumerate() {
        natural[i] = heading.chars().count();
    }
    let mut measure = |column: usize, text: &str| {
        natural[column] = natural[column].max(text.chars().count());
        atoms[column] = atoms[column].max(longest_atom(text));
    };
    for (name, rows) in groups {
        measure(0, name);
        for row in rows {
            match row {
                Row::Grant(cells) => {
                    for (i, cell) in cells.iter().enumerate() {
                        measure(i + 1, cell);
                    }
                }
                Row::Note(text) => note = note.max(longest_atom(text)),
            }
        }
    }
    // Readable widths, given up only when the table cannot fit otherwise: a name,
    // "account 111111111111", "pull and push", a phrase.
    let floor = [10, 20, 13, 16];
    let soft: Vec<usize> = (0..4)
        .map(|i| natural[i].min(floor[i]).max(atoms[i]))
        .collect();
    let hard: Vec<usize> = (0..4)
        .map(|i| HEADINGS[i].chars().count().max(atoms[i]))
        .collect();
    let mut widths = natural;
    let available = width.saturating_sub(3 * GAP.len());
    for minimum in [soft, hard] {
        while widths.iter().sum::<usize>() > available {
            // The column widest for its weight gives way: conditions are the
            // wordiest cells and keep the most room, the access level the least.
            let Some(widest) = (0..4).filter(|&i| widths[i] > minimum[i]).max_by(|&a, &b| {
                let share = |i: usize| widths[i] as f64 / WEIGHTS[i];
                share(a).total_cmp(&share(b)).then(a.cmp(&b))
            }) else {
                break;
            };
            widths[widest] -= 1;
        }
    }
    // A note spans the last three columns; they hold its longest id too.
    let spanned = widths[1] + widths[2] + widths[3] + 2 * GAP.len();
    if note > spanned {
        widths[3] += note - spanned;
    }
    widths
}

/// Cells padded to their widths and joined, without trailing spaces.
fn join_row(parts: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, (part, width)) in parts.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(GAP);
        }
        line.push_str(part);
        if i + 1 < parts.len() {
            let pad = width.saturating_sub(part.chars().count());
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    line.trim_end().to_string()
}

/// Text wrapped to `width` characters: at spaces, and a word longer than a line at
/// `:`, `/` or `,` where it can (an ARN between its parts), never inside an account
/// id, an organization id or an IAM unique id. Such an id longer than the line
/// stands alone on a longer line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut length = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let size = word.chars().count();
        if length > 0 && length + 1 + size <= width {
            line.push(' ');
            line.push_str(word);
            length += 1 + size;
            continue;
        }
        if length > 0 {
            lines.push(std::mem::take(&mut line));
        }
        if size <= width {
            line.push_str(word);
            length = size;
            continue;
        }
        let mut pieces = break_word(word, width);
        let last = pieces.pop().unwrap_or_default();
        lines.extend(pieces);
        length = last.chars().count();
        line = last;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word longer than `width` in pieces of at most `width` characters, broken after
/// `:`, `/` or `,` where possible, else after `-`, `_` or `.`, else between the
/// words of a name such as `DeleteRepository`, else anywhere outside an id.
fn break_word(word: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let protected = atoms(&chars);
    let allowed = |at: usize| !protected.iter().any(|&(start, end)| start < at && at < end);
    let after = |at: usize, marks: &[char]| allowed(at) && marks.contains(&chars[at - 1]);
    let camel = |at: usize| {
        allowed(at) && at < chars.len() && chars[at - 1].is_lowercase() && chars[at].is_uppercase()
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let window = (start + 1..=start + width).rev();
        let end = window
            .clone()
            .find(|&at| after(at, &[':', '/', ',']))
            .or_else(|| window.clone().find(|&at| after(at, &['-', '_', '.'])))
            .or_else(|| window.clone().find(|&at| camel(at)))
            .or_else(|| window.clone().find(|&at| allowed(at)))
            .or_else(|| (start + width + 1..=chars.len()).find(|&at| allowed(at)))
            .unwrap_or(chars.len());
        pieces.push(chars[start..end].iter().collect());
        start = end;
    }
    if start < chars.len() {
        pieces.push(chars[start..].iter().collect());
    }
    pieces
}

/// The character ranges of ids that are never cut: twelve or more digits in a row
/// (an account id), `o-` and ten or more lowercase letters or digits (an
/// organization id), and an IAM unique id (`AROA`, `AIDA`, … and twelve or more
/// capitals or digits).
fn atoms(chars: &[char]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        let run =
            |from: usize, ok: fn(&char) -> bool| chars[from..].iter().take_while(|c| ok(c)).count();
        if chars[i].is_ascii_digit() && boundary {
            let n = run(i, char::is_ascii_digit);
            if n >= 12 {
                ranges.push((i, i + n));
            }
            i += n.max(1);
            continue;
        }
        if boundary && chars[i] == 'o' && chars.get(i + 1) == Some(&'-') {
            let n = run(i + 2, |c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if n >= 10 {
                ranges.push((i, i + 2 + n));
                i += 2 + n;
                continue;
            }
        }
        if boundary && chars[i].is_ascii_uppercase() {
            let n = run(i, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            let prefix: String = chars[i..(i + 4).min(chars.len())].iter().collect();
            if n >= 16 && ["AIDA", "AROA", "AGPA", "AIPA"].contains(&prefix.as_str()) {
                ranges.push((i, i + n));
            }
            i += n.max(1);
            continue;
        }
        i += 1;
    }
    ranges
}

/// The longest id in a text, which a column must be at least as wide as.
fn longest_atom(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    atoms(&chars)
        .into_iter()
        .map(|(start, end)| end - start)
        .max()
        .unwrap_or(0)
}

/// Text from a policy or an answer made safe for a terminal: control characters
/// and the invisible characters that reorder text are shown escaped (`\x1b`,
/// `\u{202e}`), so nothing in a policy can move the cursor or recolour the screen.
pub(super) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let reorders = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || reorders => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::PolicyRead;
    use super::super::tests::{OWNER, report, with_policy};
    use super::*;
    use crate::aws::CallError;

    /// Reports of every kind, with long ARNs, ids and a hostile Sid.
    fn mixed_reports() -> Vec<RepositoryReport> {
        vec![
            with_policy(
                "platform/build-images/base-runtime",
                json!([
                    {"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/pipelines/very-long-deployment-role-name"}, "Action": ["ecr:BatchGetImage", "ecr:PutImage", "ecr:DeleteRepository"]},
                    {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
                    {"Sid": "AllowLambdaPull", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "ecr:BatchGetImage", "Condition": {"StringLike": {"aws:sourceARN": "arn:aws:lambda:ap-southeast-2:222222222222:function:*"}}},
                    {"Sid": "Old", "Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEID1234567"}, "Action": "ecr:BatchGetImage"},
                    {"Sid": "\u{1b}[31mRed\u{202e}", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}
                ]),
            ),
            report("empty", PolicyRead::NoPolicy),
            report("gone", PolicyRead::Missing),
            report(
                "denied",
                PolicyRead::Failed(CallError::new(
                    "ecr:GetRepositoryPolicy",
                    Some("AccessDeniedException"),
                    "User: arn:aws:iam::123456789012:user/audit is not authorized",
                )),
            ),
        ]
    }

    fn ids_of(reports: &[RepositoryReport]) -> Vec<String> {
        let mut ids = vec![
            OWNER.to_string(),
            "111111111111".to_string(),
            "222222222222".to_string(),
            "o-a1b2c3d4e5".to_string(),
            "AROAEXAMPLEID1234567".to_string(),
        ];
        for report in reports {
            ids.extend(report.accounts.iter().cloned());
            ids.extend(report.organizations.iter().cloned());
        }
        ids
    }

    #[test]
    fn the_table_fits_the_width_and_never_cuts_an_id() {
        let reports = mixed_reports();
        for width in [60, 64, 72, 80, 100, 160] {
            let lines = table(&reports, "us-east-1", width);
            let text = lines.join("\n");
            for line in &lines {
                assert!(
                    line.chars().count() <= width,
                    "{width}: {line:?} is {} long\n{text}",
                    line.chars().count()
                );
            }
            for id in ids_of(&reports) {
                assert!(
                    lines.iter().any(|l| l.contains(&id)),
                    "{width}: {id} is cut or missing\n{text}"
                );
            }
            for expected in [
                "platform/",
                "MISSING",
                "NOT READ",
                "AccessDeniedException",
                "no policy",
                "public",
            ] {
                assert!(text.contains(expected), "{width}: {expected}\n{text}");
            }
            assert!(
                !text.contains('\u{1b}'),
                "an escape sequence reached the table"
            );
            assert!(!text.contains('\u{202e}'));
            assert!(text.contains("\\x1b[31mRed\\u{202e}"), "{text}");
        }
    }

    #[test]
    fn the_longest_organization_id_fits_80_columns_uncut() {
        let org = "o-abcdefghijklmnopqrstuvwxyz012345";
        let reports = vec![with_policy(
            "platform/build-images/base-runtime",
            json!([{"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:PutImage"],
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org, "aws:PrincipalTag/team": "platform-engineering"}}}]),
        )];
        let lines = table(&reports, "us-east-1", 80);
        let text = lines.join("\n");
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        assert!(lines.iter().any(|l| l.contains(org)), "{text}");
        assert!(
            !text.contains("only from organization"),
            "the organization's own condition is not repeated\n{text}"
        );
        assert!(
            text.contains("PrincipalTag/"),
            "the other condition is shown\n{text}"
        );
    }

    #[test]
    fn a_wide_enough_table_keeps_every_cell_on_one_line() {
        let reports = vec![with_policy(
            "app",
            json!([{"Sid": "P", "Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "ecr:BatchGetImage"}]),
        )];
        let lines = table(&reports, "us-east-1", 100);
        assert_eq!(
            lines,
            vec![
                "REPOSITORY  GRANTEE               ACCESS  CONDITIONS",
                "----------  --------------------  ------  ----------",
                "app         account 111111111111  pull",
                "",
                "Account 123456789012, region us-east-1: 1 repository: 1 with a policy, 0 without one, 0 public.",
            ]
        );
    }

    #[test]
    fn no_repositories_is_said_in_a_line() {
        assert_eq!(
            table(&[], "eu-west-1", 80),
            vec!["Region eu-west-1: no repositories."]
        );
    }

    #[test]
    fn wrapping_breaks_an_arn_between_its_parts() {
        let text = "only when source ARN matches arn:aws:lambda:us-east-1:222222222222:function:*";
        for width in 12..=40 {
            let lines = wrap(text, width);
            assert!(
                lines.iter().all(|l| l.chars().count() <= width),
                "{width}: {lines:?}"
            );
            assert!(
                lines.iter().any(|l| l.contains("222222222222")),
                "{width}: {lines:?}"
            );
            assert_eq!(
                lines.concat().replace(' ', ""),
                text.replace(' ', ""),
                "nothing is lost"
            );
        }
        assert_eq!(
            wrap(text, 30),
            vec![
                "only when source ARN matches",
                "arn:aws:lambda:us-east-1:",
                "222222222222:function:*",
            ]
        );
    }

    #[test]
    fn an_id_wider_than_the_line_stands_alone_uncut() {
        let lines = wrap("organization o-abcdefghijklmnopqrstuvwxyz012345", 20);
        assert_eq!(
            lines,
            vec!["organization", "o-abcdefghijklmnopqrstuvwxyz012345"]
        );
        let lines = wrap("x:AROAEXAMPLEID1234567/y", 8);
        assert_eq!(lines, vec!["x:", "AROAEXAMPLEID1234567", "/y"]);
        // An action name breaks between its words; a long word without ids is cut
        // anywhere when it must be.
        assert_eq!(
            wrap("ecr:DeleteRepository", 13),
            vec!["ecr:", "Delete", "Repository"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn ids_are_found_where_they_are() {
        let text: Vec<char> =
            "arn:aws:iam::111111111111:role/o-a1b2c3d4e5 1234 AIDAJQABLZS4A3QDU576Q"
                .chars()
                .collect();
        let found: Vec<String> = atoms(&text)
            .into_iter()
            .map(|(s, e)| text[s..e].iter().collect())
            .collect();
        assert_eq!(
            found,
            vec!["111111111111", "o-a1b2c3d4e5", "AIDAJQABLZS4A3QDU576Q"]
        );
    }

    #[test]
    fn text_from_a_policy_cannot_steer_the_terminal() {
        assert_eq!(
            printable("a\u{1b}[2Jb\n\u{202e}c\u{7}"),
            "a\\x1b[2Jb\\n\\u{202e}c\\x07"
        );
        assert_eq!(printable("plain text: ü"), "plain text: ü");
    }
}
