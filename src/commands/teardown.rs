//! `ecr-share curated teardown`: remove what the curated-packages procedure created,
//! in reverse order, each in its own account.
//!
//! The planning and the removals are the procedure engine's
//! ([`crate::procedure::teardown`]); this module checks the flags, resolves the two
//! profiles as `curated` does, prints the plan, asks, and prints one line per call.
//! Nothing is changed without `--yes` or a `y` typed at a terminal, and `--dry-run`
//! prints the plan only.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use super::account::{Account, NOTHING_CHANGED, check_profiles_exist};
use super::flags;
use crate::aws::error::ANSWER_LOST;
use crate::aws::{CallReport, Outcome};
use crate::cli::TeardownArgs;
use crate::core::flow::Side;
use crate::core::validate::{IamName, Region};
use crate::procedure::teardown::{
    self, Accounts, Executed, FileKind, FileState, Names, Removal, Scope, TeardownPlan,
};
use crate::procedure::{IamTarget, Output, Report};
use crate::{errln, outln};

/// The flags, validated.
struct Input {
    region: Region,
    source_profile: String,
    destination_profile: String,
    names: Names,
    /// The files to delete when ecr-share wrote them (with `--delete-files`).
    files: Vec<(PathBuf, FileKind)>,
    /// Files named without `--delete-files`: kept, and said so.
    kept_files: Vec<PathBuf>,
    detach_foreign: bool,
    dry_run: bool,
    yes: bool,
}

impl Input {
    fn validate(region: Option<String>, args: TeardownArgs) -> anyhow::Result<Input> {
        let region = flags::region(
            region,
            "curated teardown needs --region: the region the procedure ran in, such as --region us-west-2",
        )?;
        let names = args.names.iam_names()?;
        let (source_profile, destination_profile) = args.names.profiles()?;
        let given: Vec<(&str, PathBuf, FileKind)> = [
            ("--config-out", args.config_out, FileKind::Config),
            ("--secret-out", args.secret_out, FileKind::Manifest),
        ]
        .into_iter()
        .filter_map(|(flag, path, kind)| path.map(|path| (flag, path, kind)))
        .collect();
        for (flag, path, _) in &given {
            if path.as_os_str().is_empty() {
                bail!("{flag}: enter a file path");
            }
        }
        if let [(_, first, _), (_, second, _)] = given.as_slice()
            && first == second
        {
            bail!("--secret-out and --config-out name the same file; give each its own");
        }
        let (files, kept_files) = if args.delete_files {
            if given.is_empty() {
                bail!(
                    "--delete-files deletes --config-out and --secret-out: name at least one of them"
                );
            }
            for (flag, path, kind) in &given {
                check_deletable(flag, path, *kind, &names.user)?;
            }
            (
                given
                    .into_iter()
                    .map(|(_, path, kind)| (path, kind))
                    .collect(),
                Vec::new(),
            )
        } else {
            (
                Vec::new(),
                given.into_iter().map(|(_, path, _)| path).collect(),
            )
        };
        Ok(Input {
            region,
            source_profile,
            destination_profile,
            names,
            files,
            kept_files,
            detach_foreign: args.detach_foreign,
            dry_run: args.dry_run,
            yes: args.yes,
        })
    }
}

/// Refuses, before any AWS call, a file that ecr-share did not write for this user,
/// a symbolic link, or anything but a regular file.
fn check_deletable(flag: &str, path: &Path, kind: FileKind, user: &IamName) -> anyhow::Result<()> {
    if let Some(refusal) = FileState::of(path, kind, user).refusal(kind, user) {
        bail!(
            "{flag}: {}: {refusal}. Name the file ecr-share wrote, or leave out --delete-files. Nothing was changed.",
            path.display()
        );
    }
    Ok(())
}

pub fn run(region: Option<String>, args: TeardownArgs) -> anyhow::Result<ExitCode> {
    let input = Input::validate(region, args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(execute(input))
}

/// The two accounts, by side.
struct Both {
    source: Account,
    destination: Account,
}

impl Both {
    fn tag(&self, side: Option<Side>) -> String {
        match side {
            Some(Side::Source) => self.source.tag(),
            Some(_) => self.destination.tag(),
            None => "[this machine]".to_string(),
        }
    }
}

async fn execute(input: Input) -> anyhow::Result<ExitCode> {
    // Both profiles must exist before either account is asked anything.
    check_profiles_exist([
        ("--source-profile", &input.source_profile),
        ("--destination-profile", &input.destination_profile),
    ])
    .await?;
    let source = Account::resolve(
        "source",
        &input.source_profile,
        &input.region,
        NOTHING_CHANGED,
    )
    .await?;
    let destination = Account::resolve(
        "destination",
        &input.destination_profile,
        &input.region,
        NOTHING_CHANGED,
    )
    .await?;
    if source.id == destination.id {
        bail!(
            "profile `{}` and profile `{}` are both account {}: the procedure runs across two accounts, so one of them is not the one it ran in. Nothing was changed.",
            source.profile,
            destination.profile,
            source.id
        );
    }
    let partition = input.region.partition();
    let scope = Scope {
        partition,
        source: source.id.clone(),
        destination: destination.id.clone(),
        names: input.names.clone(),
        detach_foreign: input.detach_foreign,
        files: input.files.clone(),
    };
    let target = |account: &Account| IamTarget {
        target: account.target.clone(),
        partition,
        account: account.id.clone(),
    };
    let accounts = Accounts::connect(&target(&source), &target(&destination))
        .await
        .map_err(|e| anyhow!("{e}. Nothing was changed."))?;
    let both = Both {
        source,
        destination,
    };
    let survey = teardown::survey(&accounts, &scope)
        .await
        .map_err(|e| anyhow!("reading what is there failed: {e}. Nothing was changed."))?;
    let plan = teardown::plan(&scope, &survey);
    print_plan(&input, &plan, &both);

    if plan.removals.is_empty() {
        outln!("Nothing to remove.");
        return finish(&plan, None);
    }
    if input.dry_run {
        outln!("Dry run: nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    if !input.yes {
        confirm(plan.removals.len())?;
    }
    let mut printer = Printer {
        both: &both,
        pending: plan.removals.iter(),
    };
    let executed = teardown::execute(&accounts, &scope, &plan, &mut printer).await;
    if let Some(stopped) = &executed.stopped {
        return Err(stopped_error(&executed, &stopped.report, &both));
    }
    outln!(
        "Teardown done: {} made.",
        count(executed.removed.len(), "removal")
    );
    finish(&plan, Some(&executed))
}

/// The end: success, unless something of ecr-share's stays.
fn finish(plan: &TeardownPlan, executed: Option<&Executed>) -> anyhow::Result<ExitCode> {
    let foreign = plan.left.iter().filter(|left| !left.ours).count();
    if foreign > 0 {
        outln!(
            "Left in place: {} by these names that ecr-share did not create (see above).",
            count(foreign, "thing")
        );
    }
    if plan.leaves_ours() {
        let ours: Vec<&str> = plan
            .left
            .iter()
            .filter(|left| left.ours)
            .map(|left| left.what.as_str())
            .collect();
        let done = match executed {
            Some(_) => "everything else was removed",
            None => "nothing was changed",
        };
        let verb = if ours.len() == 1 { "stays" } else { "stay" };
        bail!(
            "not everything ecr-share created could be removed: {} {verb}, for the reasons given above ({done}). Once that is resolved, run the same teardown again.",
            ours.join(", ")
        );
    }
    if crate::output::stdout_failed() {
        errln!("ecr-share: standard output could not be written; the teardown itself finished");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn print_plan(input: &Input, plan: &TeardownPlan, both: &Both) {
    if !plan.removals.is_empty() {
        outln!(
            "Teardown plan ({}), in this order:",
            count(plan.removals.len(), "removal")
        );
        for (at, removal) in plan.removals.iter().enumerate() {
            outln!(
                "  {:>2}. {} {}: {}",
                at + 1,
                both.tag(removal.side()),
                removal.describe(),
                removal.call()
            );
        }
    }
    if !plan.left.is_empty() || !input.kept_files.is_empty() {
        outln!("Left in place:");
        for left in &plan.left {
            outln!("  - {} {}: {}", both.tag(left.side), left.what, left.reason);
        }
        for path in &input.kept_files {
            outln!(
                "  - {} file {}: kept (add --delete-files to delete it when ecr-share wrote it)",
                both.tag(None),
                path.display()
            );
        }
    }
    if !plan.absent_files.is_empty() {
        outln!("Not there:");
        for path in &plan.absent_files {
            outln!(
                "  - {} file {}: nothing to delete",
                both.tag(None),
                path.display()
            );
        }
    }
}

fn confirm(removals: usize) -> anyhow::Result<()> {
    super::confirm::ask(
        &format!("Remove these {}? [y/N] ", count(removals, "thing")),
        "not asking for confirmation on a non-interactive input: add --yes to remove without asking, or --dry-run to print the plan only. Nothing was changed.",
    )
}

/// Prints a line per call, tagged with the account the removal is made in. Each
/// removal makes exactly one report, after the re-read that comes first.
struct Printer<'a> {
    both: &'a Both,
    pending: std::slice::Iter<'a, Removal>,
}

impl Report for Printer<'_> {
    fn call(&mut self, report: CallReport) {
        let tag = if report.call == teardown::RECHECK {
            "[both accounts]".to_string()
        } else {
            self.both.tag(self.pending.next().and_then(Removal::side))
        };
        let detail = match &report.outcome {
            Outcome::Failed(error) => error.to_string(),
            other => other.detail(),
        };
        outln!(
            "{tag} {} {}: {} ({detail})",
            report.call,
            report.subject,
            report.outcome.label()
        );
    }

    fn output(&mut self, _: Output) {}
}

/// What a stop says: the call that stopped it, what was removed, what was not, and
/// how to resume.
fn stopped_error(executed: &Executed, report: &CallReport, both: &Both) -> anyhow::Error {
    let mut text = format!(
        "teardown stopped at {} {}: {}",
        report.call,
        report.subject,
        report.outcome.detail()
    );
    if executed.removed.is_empty() {
        text.push_str("\nnothing was removed.");
    } else {
        text.push_str("\nalready removed:");
        for removal in &executed.removed {
            let _ = write!(
                text,
                "\n  - {} {}",
                both.tag(removal.side()),
                removal.describe()
            );
        }
    }
    if let Some(stopped) = &executed.stopped
        && !stopped.not_removed.is_empty()
    {
        let lost = matches!(&report.outcome, Outcome::Failed(error) if error.is(ANSWER_LOST));
        text.push_str(if lost {
            "\nnot removed (the first may have been: its answer was lost, and reading back could not tell):"
        } else {
            "\nnot removed:"
        });
        for removal in &stopped.not_removed {
            let _ = write!(
                text,
                "\n  - {} {}",
                both.tag(removal.side()),
                removal.describe()
            );
        }
    }
    text.push_str(
        "\nOnce the cause is fixed, run the same teardown command again: it reads what is left and resumes from there.",
    );
    anyhow!(text)
}
