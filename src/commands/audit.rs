//! `ecr-share audit`: who may do what on every repository of an account and region
//! (or the named ones), read from each repository policy.
//!
//! The reads run with at most `--concurrency` calls in flight. Every repository gets
//! a result, also when its policy could not be read; the exit code says whether all
//! were read. The analysis itself is [`crate::core::audit`]; this module reads,
//! prints a table that fits the terminal or the JSON documented in the README, and
//! shows progress on a terminal's standard error.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::aws::audit::{PolicyRead, PolicyReader, RepositoryRead, Wanted};
use crate::aws::{self, Target};
use crate::cli::{AuditArgs, AuditOutput};
use crate::core::audit::{self as analysis, Finding, Grantee, GranteeAccess, PolicyAudit};
use crate::core::validate::{Region, RepositoryName};
use crate::{errln, outln};

/// The exit code when a named repository does not exist (every other one was read).
pub const EXIT_MISSING: u8 = 3;
/// The exit code when a repository's policy could not be read.
pub const EXIT_NOT_READ: u8 = 4;

/// The table's width when standard output is no terminal and `COLUMNS` is not set.
const DEFAULT_WIDTH: usize = 100;
/// The narrowest table drawn; a narrower terminal gets lines this long.
const NARROWEST: usize = 60;

pub fn run(
    profile: Option<String>,
    region: Option<String>,
    args: AuditArgs,
) -> anyhow::Result<ExitCode> {
    let names = named_repositories(&args.repositories)?;
    let parsed_region = region
        .as_deref()
        .map(Region::parse)
        .transpose()
        .map_err(|e| anyhow!("--region: {e}"))?;
    let target = Target::new(profile, region);
    let progress_shown = progress_wanted(args.output, std::io::stderr().is_terminal());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (region, reads) = runtime.block_on(async {
        let config = aws::load_config(&target).await?;
        let region = match (parsed_region, config.region()) {
            (Some(region), _) => region,
            (None, Some(region)) => Region::parse(region.as_ref())
                .map_err(|e| anyhow!("the region of {}: {e}", target.profile_label()))?,
            (None, None) => bail!(
                "no region: pass --region or set a region for {}",
                target.profile_label()
            ),
        };
        let reader = PolicyReader::new(&config);
        let mut progress = Progress::new(progress_shown.then(std::io::stderr));
        let wanted = if names.is_empty() {
            progress.say("listing repositories", Instant::now());
            let mut listed = reader.list().await.map_err(|error| {
                progress.clear();
                anyhow!(
                    "could not list the repositories of {} in {region}: {error}",
                    target.profile_label()
                )
            })?;
            listed.sort_by(|a, b| a.name.cmp(&b.name));
            listed.into_iter().map(Wanted::Listed).collect()
        } else {
            names.into_iter().map(Wanted::Named).collect()
        };
        let reads = reader
            .read_all(wanted, usize::from(args.concurrency), &mut |done, total| {
                progress.count(done, total, Instant::now())
            })
            .await;
        progress.clear();
        Ok((region, reads))
    })?;

    let reports: Vec<RepositoryReport> = reads
        .into_iter()
        .map(|read| RepositoryReport::new(read, region.name()))
        .collect();
    match args.output {
        AuditOutput::Json => print_json(&reports),
        AuditOutput::Table => {
            for line in table(&reports, region.name(), table_width()) {
                outln!("{line}");
            }
        }
    }
    for report in &reports {
        match (&report.status, &report.error) {
            (Status::Failed, Some(error)) => {
                errln!(
                    "ecr-share: `{}`: its policy could not be read: {}",
                    printable(&report.repository),
                    printable(&error.text())
                );
            }
            (Status::Missing, _) => {
                errln!(
                    "ecr-share: `{}`: there is no repository of this name in {}",
                    printable(&report.repository),
                    region
                );
            }
            _ => {}
        }
    }
    if crate::output::stdout_failed() {
        let reason = crate::output::stdout_error().unwrap_or("unknown error");
        errln!(
            "ecr-share: standard output could not be written ({reason}); the audit is incomplete."
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(exit_code(&reports))
}

/// The named repositories, checked and without repeats, in the order given.
fn named_repositories(names: &[String]) -> anyhow::Result<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for name in names {
        let name = RepositoryName::parse(name).map_err(|e| anyhow!("--repository: {e}"))?;
        if seen.insert(name.as_str().to_string()) {
            out.push(name.as_str().to_string());
        }
    }
    Ok(out)
}

/// 0 when every repository was read; [`EXIT_NOT_READ`] when any could not be read
/// (whatever else); else [`EXIT_MISSING`] when a named one does not exist.
fn exit_code(reports: &[RepositoryReport]) -> ExitCode {
    if reports.iter().any(|r| r.status == Status::Failed) {
        ExitCode::from(EXIT_NOT_READ)
    } else if reports.iter().any(|r| r.status == Status::Missing) {
        ExitCode::from(EXIT_MISSING)
    } else {
        ExitCode::SUCCESS
    }
}

/// One repository in the JSON output. The fields are printed in this order; the
/// README documents each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct RepositoryReport {
    repository: String,
    /// The account that owns it (`null` for a named repository that does not exist).
    account: Option<String>,
    region: String,
    status: Status,
    /// Why the policy could not be read (`status` is `failed`).
    error: Option<ErrorReport>,
    public: bool,
    accounts: Vec<String>,
    organizations: Vec<String>,
    policy_characters: Option<usize>,
    grants: Vec<GranteeAccess>,
    findings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    /// The policy was read and analysed.
    Policy,
    /// The repository has no policy.
    NoPolicy,
    /// There is no repository of this name (any more).
    Missing,
    /// The policy could not be read.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ErrorReport {
    call: String,
    code: Option<String>,
    message: String,
    /// What the operator can do about it, where the code says.
    hint: Option<String>,
}

impl ErrorReport {
    fn text(&self) -> String {
        let mut text = format!("{} failed", self.call);
        if let Some(code) = &self.code {
            text.push_str(&format!(": {code}"));
        }
        text.push_str(&format!(": {}", self.message));
        if let Some(hint) = &self.hint {
            text.push_str(&format!(" ({hint})"));
        }
        text
    }
}

impl RepositoryReport {
    fn new(read: RepositoryRead, region: &str) -> RepositoryReport {
        let mut report = RepositoryReport {
            repository: read.name,
            account: read.account,
            region: region.to_string(),
            status: Status::Policy,
            error: None,
            public: false,
            accounts: Vec::new(),
            organizations: Vec::new(),
            policy_characters: None,
            grants: Vec::new(),
            findings: Vec::new(),
        };
        match read.read {
            PolicyRead::Policy(text) => {
                let audit: PolicyAudit =
                    analysis::audit_policy(&text, report.account.as_deref().unwrap_or(""));
                report.public = audit.is_public();
                report.accounts = audit.accounts();
                report.organizations = audit.organizations();
                report.policy_characters = Some(audit.characters);
                report.grants = audit.grants;
                report.findings = audit.findings;
            }
            PolicyRead::NoPolicy => report.status = Status::NoPolicy,
            PolicyRead::Missing => report.status = Status::Missing,
            PolicyRead::Failed(error) => {
                report.status = Status::Failed;
                report.error = Some(ErrorReport {
                    hint: error.hint().map(str::to_string),
                    call: error.operation,
                    code: error.code,
                    message: error.message,
                });
            }
        }
        report
    }
}

fn print_json(reports: &[RepositoryReport]) {
    let text = serde_json::to_string_pretty(reports).expect("the report always serializes");
    outln!("{text}");
}

/// Whether progress is shown: only for the table, and only when standard error is
/// a terminal (never into a pipe or a log, never beside JSON).
fn progress_wanted(output: AuditOutput, stderr_is_terminal: bool) -> bool {
    output == AuditOutput::Table && stderr_is_terminal
}

/// The least time between two redraws of the progress line.
const REDRAW: Duration = Duration::from_millis(100);

/// Progress ("reading policies 340/1000"), redrawn in place on one line at most ten
/// times a second, and wiped when the reads are done. `None`: not shown.
struct Progress<W: Write> {
    out: Option<W>,
    drawn: Option<Instant>,
}

impl<W: Write> Progress<W> {
    fn new(out: Option<W>) -> Progress<W> {
        Progress { out, drawn: None }
    }

    fn say(&mut self, text: &str, now: Instant) {
        if let Some(out) = &mut self.out {
            // Progress is a courtesy: a failed write changes nothing else.
            let _ = write!(out, "\r\x1b[2K{text}");
            let _ = out.flush();
            self.drawn = Some(now);
        }
    }

    fn count(&mut self, done: usize, total: usize, now: Instant) {
        let due = self
            .drawn
            .is_none_or(|at| now.saturating_duration_since(at) >= REDRAW);
        if due || done == total {
            self.say(&format!("reading policies {done}/{total}"), now);
        }
    }

    fn clear(&mut self) {
        if let Some(out) = &mut self.out
            && self.drawn.take().is_some()
        {
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        }
    }
}

/// The table's width: the terminal's when standard output is one, else `COLUMNS`,
/// else [`DEFAULT_WIDTH`]; never below [`NARROWEST`].
fn table_width() -> usize {
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
fn table(reports: &[RepositoryReport], region: &str, width: usize) -> Vec<String> {
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
fn printable(text: &str) -> String {
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

    use super::*;
    use crate::aws::CallError;

    const OWNER: &str = "123456789012";

    fn report(name: &str, read: PolicyRead) -> RepositoryReport {
        RepositoryReport::new(
            RepositoryRead {
                name: name.to_string(),
                account: Some(OWNER.to_string()),
                read,
            },
            "us-east-1",
        )
    }

    fn with_policy(name: &str, statements: serde_json::Value) -> RepositoryReport {
        let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        report(name, PolicyRead::Policy(text))
    }

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

    #[test]
    fn the_json_of_a_repository_has_its_fields_in_a_fixed_order() {
        let failed = report(
            "denied",
            PolicyRead::Failed(CallError::new(
                "ecr:GetRepositoryPolicy",
                Some("AccessDeniedException"),
                "no",
            )),
        );
        assert_eq!(
            serde_json::to_string(&failed).unwrap(),
            r#"{"repository":"denied","account":"123456789012","region":"us-east-1","status":"failed","error":{"call":"ecr:GetRepositoryPolicy","code":"AccessDeniedException","message":"no","hint":"the credentials lack this permission: use a profile that may make this call"},"public":false,"accounts":[],"organizations":[],"policy_characters":null,"grants":[],"findings":[]}"#
        );
        let open = with_policy(
            "open",
            json!([{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]),
        );
        assert_eq!(open.status, Status::Policy);
        assert!(open.public);
        // The compact policy: {"Version":"2012-10-17","Statement":[{"Sid":"Open",...}]}
        assert_eq!(open.policy_characters, Some(115));
        assert_eq!(
            serde_json::to_value(&open).unwrap()["grants"][0]["grantee"],
            json!({"kind": "anyone"})
        );
    }

    #[test]
    fn progress_is_drawn_on_one_line_at_most_ten_times_a_second_and_wiped() {
        let start = Instant::now();
        let mut progress = Progress::new(Some(Vec::new()));
        progress.say("listing repositories", start);
        progress.count(1, 3, start + Duration::from_millis(50));
        progress.count(2, 3, start + Duration::from_millis(150));
        progress.count(3, 3, start + Duration::from_millis(160));
        progress.clear();
        let written = String::from_utf8(progress.out.take().unwrap()).unwrap();
        assert_eq!(
            written,
            "\r\x1b[2Klisting repositories\r\x1b[2Kreading policies 2/3\r\x1b[2Kreading policies 3/3\r\x1b[2K"
        );

        let mut hidden: Progress<Vec<u8>> = Progress::new(None);
        hidden.say("listing repositories", start);
        hidden.count(1, 1, start);
        hidden.clear();
        assert!(hidden.out.is_none() && hidden.drawn.is_none());
    }

    #[test]
    fn progress_only_for_a_table_on_a_terminal() {
        assert!(progress_wanted(AuditOutput::Table, true));
        assert!(!progress_wanted(AuditOutput::Table, false));
        assert!(!progress_wanted(AuditOutput::Json, true));
        assert!(!progress_wanted(AuditOutput::Json, false));
    }

    #[test]
    fn the_exit_code_says_what_was_not_read() {
        let ok = vec![report("a", PolicyRead::NoPolicy)];
        assert_eq!(exit_code(&ok), ExitCode::SUCCESS);
        let mut missing = ok.clone();
        missing.push(report("b", PolicyRead::Missing));
        assert_eq!(exit_code(&missing), ExitCode::from(EXIT_MISSING));
        let mut failed = missing.clone();
        failed.push(report(
            "c",
            PolicyRead::Failed(CallError::new("ecr:GetRepositoryPolicy", None, "x")),
        ));
        assert_eq!(exit_code(&failed), ExitCode::from(EXIT_NOT_READ));
    }

    #[test]
    fn named_repositories_are_checked_and_kept_once_in_order() {
        let names: Vec<String> = ["bb", "aa", "bb"].iter().map(|s| s.to_string()).collect();
        assert_eq!(named_repositories(&names).unwrap(), vec!["bb", "aa"]);
        let error = named_repositories(&["Bad Name".to_string()]).unwrap_err();
        assert!(error.to_string().starts_with("--repository: "), "{error}");
    }
}
