//! `ecr-share lint [FILE|-]`: check an identity, repository or trust policy for
//! mistakes, offline, and print what was found.
//!
//! Exit codes:
//! - 0: clean: no finding, or only information.
//! - 1: at least one warning or error; also when the report could not be written
//!   (standard output closed), so a script never reads "clean" from a lost report.
//! - 2: the document could not be read (no such file, not text, too large); the reason
//!   is one line on standard error. clap's own usage errors use 2 as well.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::cli::{LintArgs, LintKind, LintOutput};
use crate::core::lint::{self, Lint, PolicyKind, Severity};
use crate::core::service_authorization::TABLE;
use crate::core::validate::shown;
use crate::output;

/// The exit code when the document could not be read.
pub const UNREADABLE: u8 = 2;

/// The most bytes read: no policy AWS accepts comes near it (a repository policy has
/// at most 10,240 characters), and a mistaken `lint /dev/zero` stops here.
pub const MAX_BYTES: u64 = 1024 * 1024;

pub fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let from_stdin = args.file.as_deref().is_none_or(|p| p == Path::new("-"));
    let name = match &args.file {
        Some(path) if !from_stdin => shown(&path.display().to_string()),
        _ => "standard input".to_string(),
    };
    let read = if from_stdin {
        if io::stdin().is_terminal() {
            crate::errln!("ecr-share: reading a policy from standard input; end it with Ctrl-D");
        }
        read_limited(io::stdin().lock())
    } else {
        let path = args.file.as_deref().expect("a file that is not `-`");
        File::open(path).and_then(read_limited)
    };
    let text = match read.map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => return Ok(unreadable(&name, "it is not UTF-8 text")),
        Err(error) => return Ok(unreadable(&name, &error.to_string())),
    };
    let kind = match args.kind {
        LintKind::Auto => None,
        LintKind::Identity => Some(PolicyKind::Identity),
        LintKind::Repository => Some(PolicyKind::Repository),
        LintKind::Trust => Some(PolicyKind::Trust),
    };
    let outcome = lint::lint(&text, kind);
    match args.output {
        LintOutput::Text => print_text(&name, &outcome),
        LintOutput::Json => {
            let source = if from_stdin { "-".to_string() } else { name };
            crate::outln!("{:#}", report_json(&source, &outcome));
        }
    }
    if output::stdout_failed() {
        crate::errln!(
            "ecr-share: the report could not be written to standard output: {}",
            output::stdout_error().unwrap_or("unknown error")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(if outcome.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn unreadable(name: &str, reason: &str) -> ExitCode {
    crate::errln!("ecr-share: cannot lint {name}: {}", shown(reason));
    ExitCode::from(UNREADABLE)
}

/// Reads at most [`MAX_BYTES`]; more is an error.
fn read_limited(reader: impl Read) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(io::Error::other(format!(
            "it is larger than {} KiB, far more than any policy AWS accepts",
            MAX_BYTES / 1024
        )));
    }
    Ok(bytes)
}

/// One line per finding (`warning[rule] Statement[0] (Sid): reason`), then a summary.
fn print_text(name: &str, outcome: &Lint) {
    for finding in &outcome.findings {
        let place = finding
            .statement
            .as_ref()
            .map_or_else(|| "policy".to_string(), ToString::to_string);
        crate::outln!(
            "{}[{}] {place}: {}",
            finding.severity,
            finding.rule,
            finding.reason
        );
    }
    let kind = match outcome.kind {
        Some(kind) => format!("{} ({})", kind.label(), outcome.kind_source.describe()),
        None => "not a policy".to_string(),
    };
    crate::outln!("{name}: {kind}: {}", summary(outcome));
}

/// "2 errors, 1 warning", "clean, 1 info", "clean".
fn summary(outcome: &Lint) -> String {
    let count = |severity: Severity, one: &str, many: &str| {
        let n = outcome.count(severity);
        (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
    };
    let errors = count(Severity::Error, "error", "errors");
    let warnings = count(Severity::Warning, "warning", "warnings");
    let infos = count(Severity::Info, "info", "info");
    let parts: Vec<String> = [errors, warnings, infos].into_iter().flatten().collect();
    match (outcome.is_clean(), parts.is_empty()) {
        (true, true) => "clean".to_string(),
        (true, false) => format!("clean, {}", parts.join(", ")),
        (false, _) => parts.join(", "),
    }
}

/// The whole report as one JSON object.
fn report_json(source: &str, outcome: &Lint) -> Value {
    let findings: Vec<Value> = outcome
        .findings
        .iter()
        .map(|finding| {
            json!({
                "rule": finding.rule.id(),
                "severity": finding.severity.as_str(),
                "statement": finding.statement.as_ref().map(|at| json!({
                    "index": at.index,
                    "sid": at.sid,
                })),
                "reason": finding.reason,
            })
        })
        .collect();
    json!({
        "source": source,
        "kind": outcome.kind.map(PolicyKind::as_str),
        "kind_source": outcome.kind_source.describe(),
        "clean": outcome.is_clean(),
        "findings": findings,
        "service_data": TABLE.source_label(),
    })
}
