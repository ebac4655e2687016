use std::process::ExitCode;

use clap::Parser;

use ecr_share::cli::{Cli, Command};

fn main() -> ExitCode {
    if let Err(error) = forbid_core_dumps() {
        eprintln!("ecr-share: warning: could not turn off core dumps: {error}");
    }
    let cli = Cli::parse();
    if cli.command.is_some() && cli.destination_profile.is_some() {
        ecr_share::errln!(
            "ecr-share: --destination-profile before a subcommand is the wizard's; `curated` takes its own after its name"
        );
        return ExitCode::from(2);
    }
    if cli.command.is_some() && cli.registry_url.is_some() {
        ecr_share::errln!(
            "ecr-share: --registry-url before a subcommand is the wizard's; `curated rotate-key` and `curated verify` take their own after their name"
        );
        return ExitCode::from(2);
    }
    let outcome = match cli.command {
        None => ecr_share::tui::run(
            cli.profile,
            cli.destination_profile,
            cli.region,
            cli.log_file,
            cli.registry_url,
        ),
        Some(Command::Policy(command)) => ecr_share::commands::policy::run(command),
        Some(Command::Grant(args)) => {
            ecr_share::commands::grant::run_grant(cli.profile, cli.region, args.0)
        }
        Some(Command::Revoke(args)) => {
            ecr_share::commands::grant::run_revoke(cli.profile, cli.region, args.0)
        }
        Some(Command::Curated(curated)) => {
            ecr_share::commands::curated::dispatch(cli.region, curated)
        }
        Some(Command::Audit(args)) => {
            ecr_share::commands::audit::run(cli.profile, cli.region, args.0)
        }
        Some(Command::Lint(args)) => ecr_share::commands::lint::run(args.0),
        Some(Command::Completions { shell }) => {
            ecr_share::commands::completions::run_completions(shell)
        }
        Some(Command::Man) => ecr_share::commands::completions::run_man(),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            ecr_share::errln!("ecr-share: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Keeps the secrets a run may hold (a new secret access key, the credentials the SDK
/// loaded) out of core files and away from other processes of the same user: no core
/// file may be written (RLIMIT_CORE 0), and the process is not dumpable, which also
/// closes ptrace and `/proc/<pid>/mem` to them. Programs it starts (kubectl) get the
/// zero core limit too.
#[cfg(target_os = "linux")]
fn forbid_core_dumps() -> std::io::Result<()> {
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the struct passed by reference and nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: PR_SET_DUMPABLE takes one integer argument; the unused ones are zero.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn forbid_core_dumps() -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Set in the copy of this test binary that the test starts.
    const CHILD: &str = "ECR_SHARE_TEST_FORBID_CORE_DUMPS";
    const NAME: &str = "tests::the_process_becomes_non_dumpable_and_writes_no_core";

    fn dumpable() -> i32 {
        // SAFETY: PR_GET_DUMPABLE takes no argument and only returns a value.
        unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0) }
    }

    fn core_limit() -> (libc::rlim_t, libc::rlim_t) {
        let mut limit = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit writes into the struct passed by reference.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
        (limit.rlim_cur, limit.rlim_max)
    }

    /// The change is process-wide and cannot be undone, so it is made in a fresh copy
    /// of this test binary rather than in the one running the other tests.
    #[test]
    fn the_process_becomes_non_dumpable_and_writes_no_core() {
        if std::env::var_os(CHILD).is_some() {
            assert_eq!(dumpable(), 1, "a fresh process starts dumpable");
            forbid_core_dumps().expect("the calls succeed");
            assert_eq!(dumpable(), 0);
            assert_eq!(core_limit(), (0, 0));
            println!("checked: non-dumpable, no core");
            return;
        }
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("checked: non-dumpable, no core"),
            "{stdout}"
        );
    }
}
