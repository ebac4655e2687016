//! `ecr-share audit`: who may do what on every repository of an account and region
//! (or the named ones), read from each repository policy.
//!
//! The reads run with at most `--concurrency` calls in flight. Every repository gets
//! a result, also when its policy could not be read; the exit code says whether all
//! were read. The analysis itself is [`crate::core::audit`]; this module reads,
//! prints a table that fits the terminal or the JSON documented in the README, and
//! shows progress on a terminal's standard error. The table's layout is in
//! [`table`].

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::aws::audit::{PolicyRead, PolicyReader, RepositoryRead, Wanted};
use crate::aws::{self, Target};
use crate::cli::{AuditArgs, AuditOutput};
use crate::core::audit::{self as analysis, Finding, GranteeAccess, PolicyAudit};
use crate::core::validate::{Region, RepositoryName};
use crate::{errln, outln};

mod table;

use table::{printable, table, table_width};

/// The exit code when a named repository does not exist (every other one was read).
pub const EXIT_MISSING: u8 = 3;
/// The exit code when a repository's policy could not be read.
pub const EXIT_NOT_READ: u8 = 4;

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
            .read_all(
                wanted,
                usize::from(args.concurrency),
                &mut |done, total, _| progress.count(done, total, Instant::now()),
            )
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::aws::CallError;

    pub(super) const OWNER: &str = "123456789012";

    pub(super) fn report(name: &str, read: PolicyRead) -> RepositoryReport {
        RepositoryReport::new(
            RepositoryRead {
                name: name.to_string(),
                account: Some(OWNER.to_string()),
                read,
            },
            "us-east-1",
        )
    }

    pub(super) fn with_policy(name: &str, statements: serde_json::Value) -> RepositoryReport {
        let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        report(name, PolicyRead::Policy(text))
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
