//! The event loop: reads keys on a thread of its own, feeds every message through
//! `update`, performs the effects it returns and draws a frame. The terminal is
//! restored on every way out, panics included (ratatui's panic hook).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use tokio::sync::mpsc;

use std::collections::HashMap;

use tokio::task::JoinHandle;

use super::clipboard::{Clipboard, Environment, SystemClipboard};
use super::jobs::{AwsRunner, RunId, Runner};
use super::message::{Effect, ExportError, Msg, SaveError};
use super::model::App;
use super::update::update;
use super::view;
use crate::files::{
    FileRefusal, Privacy, create_private_folder, refuse_placeholders_over_existing, write_document,
};
use crate::procedure::export::ExportFile;
use crate::procedure::export_folder::{self, ExportRefusal};

/// How often spinners move while something runs.
const TICK: Duration = Duration::from_millis(120);

pub fn run(
    profile: Option<String>,
    destination_profile: Option<String>,
    region: Option<String>,
    log_file: Option<PathBuf>,
    registry_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(url) = &registry_url {
        crate::core::validate::check_registry_url(url)
            .map_err(|reason| anyhow::anyhow!("--registry-url: {reason}"))?;
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the wizard needs a terminal; for scripts use `ecr-share policy`, `grant`, `revoke` or `curated` (see --help)"
        );
    }
    let log_path = crate::logging::init(log_file)?;
    tracing::info!(?profile, ?destination_profile, ?region, log = %log_path.display(), "wizard starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
        enable_bracketed_paste();
        let (sender, receiver) = mpsc::unbounded_channel();
        spawn_terminal_events(sender.clone());
        let mut clipboard = SystemClipboard::new(Environment::detect(), std::io::stdout());
        // The profile's own region becomes the default region once read; the first
        // frame does not wait for the files.
        if region.is_none() {
            let sender = sender.clone();
            let profile = profile.clone();
            tokio::spawn(async move {
                let region = crate::aws::profile_region(profile.as_deref()).await;
                let _ = sender.send(Msg::ProfileRegion(region));
            });
        }
        let app = App::with_defaults(profile, region, None)
            .with_destination_profile(destination_profile)
            .with_registry_url(registry_url);
        let result = event_loop(
            &mut terminal,
            app,
            (sender, receiver),
            &mut clipboard,
            &AwsRunner,
        )
        .await;
        disable_bracketed_paste();
        ratatui::restore();
        result.map(drop)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Asks the terminal to hand a paste over as one piece of text rather than as key
/// presses, so pasted text never steers the wizard. A panic turns it off again before
/// ratatui's own hook restores the rest of the terminal.
fn enable_bracketed_paste() {
    if let Err(error) = ratatui::crossterm::execute!(std::io::stdout(), EnableBracketedPaste) {
        tracing::warn!(%error, "the terminal refused bracketed paste");
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        disable_bracketed_paste();
        previous(info);
    }));
}

/// Turns bracketed paste off, on every way out.
fn disable_bracketed_paste() {
    let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
}

/// Runs the wizard until it quits or its messages end, and returns the final model.
/// Messages come from `receiver` (terminal events in the program, a script in tests).
pub async fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    (sender, mut receiver): (mpsc::UnboundedSender<Msg>, mpsc::UnboundedReceiver<Msg>),
    clipboard: &mut impl Clipboard,
    runner: &impl Runner,
) -> anyhow::Result<App>
where
    B::Error: Send + Sync + 'static,
{
    let mut in_flight: HashMap<RunId, JoinHandle<()>> = HashMap::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut redraw = true;
    loop {
        if redraw {
            terminal.draw(|frame| view::draw(frame, &app))?;
        }
        let msg = tokio::select! {
            received = receiver.recv() => match received {
                Some(msg) => msg,
                None => return Ok(app),
            },
            _ = ticker.tick() => Msg::Tick,
        };
        if let Msg::Finished { run, .. } = &msg {
            in_flight.remove(run);
        }
        // A tick only moves a spinner, and a profile without a region of its own
        // changes nothing on screen.
        redraw = !matches!(msg, Msg::Tick | Msg::ProfileRegion(None)) || app.is_busy();
        let mut pending = update(&mut app, msg);
        while let Some(effect) = pending.pop() {
            redraw = true;
            let reply = match effect {
                Effect::Quit => {
                    for (_, handle) in in_flight.drain() {
                        handle.abort();
                    }
                    return Ok(app);
                }
                Effect::Start { run, job } => {
                    tracing::info!(run, calls = ?job.calls(), "starting a step");
                    in_flight.insert(run, runner.start(run, *job, sender.clone()));
                    continue;
                }
                Effect::Cancel { run } => {
                    if let Some(handle) = in_flight.remove(&run) {
                        handle.abort();
                    }
                    tracing::info!(run, "cancelled a step");
                    Msg::Finished {
                        run,
                        cancelled: true,
                    }
                }
                Effect::Copy { what, text } => {
                    let result = clipboard.copy(&text);
                    tracing::info!(what, ok = result.is_ok(), "copy");
                    Msg::Copied { what, result }
                }
                Effect::Save {
                    path,
                    contents,
                    private,
                    overwrite,
                    create_folder,
                } => Msg::Saved(save_in_folder(
                    path,
                    &contents,
                    private,
                    overwrite,
                    create_folder,
                )),
                Effect::Export {
                    folder,
                    files,
                    replace,
                    create_folder,
                } => Msg::Exported(write_export(&folder, &files, replace, create_folder)),
            };
            pending.extend(update(&mut app, reply));
        }
    }
}

/// Writes the export into `folder` with the code `curated export` uses. A missing
/// folder is reported until the operator said yes to creating it, and one that holds
/// files until the operator said yes to replacing the export's files in it.
pub fn write_export(
    folder: &Path,
    files: &[ExportFile],
    replace: bool,
    create_folder: bool,
) -> Result<(PathBuf, Vec<String>), ExportError> {
    let missing = std::fs::symlink_metadata(folder)
        .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound);
    if missing && !create_folder {
        return Err(ExportError::MissingFolder(folder.to_path_buf()));
    }
    match export_folder::write_export(folder, files, replace) {
        Ok(()) => {
            tracing::info!(folder = %folder.display(), files = files.len(), "wrote the export");
            Ok((
                folder.to_path_buf(),
                files.iter().map(|file| file.name.to_string()).collect(),
            ))
        }
        Err(ExportRefusal::HoldsFiles(path)) => Err(ExportError::HoldsFiles(path)),
        Err(refusal) => Err(ExportError::Io(refusal.to_string())),
    }
}

/// [`save`], refusing a folder by name first, and with a missing folder either
/// reported (the prompt offers to create it) or, once the operator said yes, created
/// 0700 with its parents.
fn save_in_folder(
    path: PathBuf,
    contents: &str,
    private: bool,
    overwrite: bool,
    create_folder: bool,
) -> Result<PathBuf, SaveError> {
    if std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_dir()) {
        return Err(SaveError::Io(FileRefusal::Folder { path }.to_string()));
    }
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .map(PathBuf::from);
    if let Some(folder) = folder
        && std::fs::symlink_metadata(&folder)
            .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound)
    {
        if !create_folder {
            return Err(SaveError::MissingFolder(folder));
        }
        if let Err(error) = create_private_folder(&folder) {
            return Err(SaveError::Io(format!(
                "cannot create the folder {}: {error}",
                folder.display()
            )));
        }
        tracing::info!(folder = %folder.display(), "created a folder to save into");
    }
    save(path, contents, private, overwrite)
}

/// Saves a document the operator asked for. Never through a symbolic link, never
/// over a folder, an existing file only once the operator said yes (then replaced
/// by a rename, not rewritten in place), and never a document that still has
/// placeholders over an existing file.
fn save(
    path: PathBuf,
    contents: &str,
    private: bool,
    overwrite: bool,
) -> Result<PathBuf, SaveError> {
    if let Err(refusal) = refuse_placeholders_over_existing(&path, contents) {
        return Err(SaveError::Io(refusal.to_string()));
    }
    let privacy = if private {
        Privacy::Private
    } else {
        Privacy::Shared
    };
    match write_document(&path, contents, privacy, overwrite) {
        Ok(()) => {
            tracing::info!(path = %path.display(), private, "saved a document");
            Ok(path)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(SaveError::Exists(path))
        }
        // A refusal names the path and the way out itself.
        Err(error) => match error
            .get_ref()
            .and_then(|e| e.downcast_ref::<FileRefusal>())
        {
            Some(refusal) => Err(SaveError::Io(refusal.to_string())),
            None => Err(SaveError::Io(format!("{}: {error}", path.display()))),
        },
    }
}

/// Terminal events arrive on a thread of their own, so a slow AWS answer never
/// delays a key.
fn spawn_terminal_events(sender: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) => Msg::Key(key),
                Ok(Event::Resize(..)) => Msg::Resize,
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(_) => continue,
                Err(error) => {
                    tracing::error!(%error, "reading the terminal failed");
                    return;
                }
            };
            if sender.send(msg).is_err() {
                return;
            }
        }
    });
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_created_0700_only_once_the_operator_said_yes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("new/deeper");
        let path = folder.join("policy.json");
        assert_eq!(
            save_in_folder(path.clone(), "{}\n", false, false, false),
            Err(SaveError::MissingFolder(folder.clone()))
        );
        assert!(
            !dir.path().join("new").exists(),
            "nothing is created unasked"
        );
        assert_eq!(
            save_in_folder(path.clone(), "{}\n", false, false, true),
            Ok(path.clone())
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}\n");
        for made in [&folder, &dir.path().join("new")] {
            let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", made.display());
        }
    }

    #[test]
    fn a_folder_is_refused_by_name_even_with_placeholders_or_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let unfinished = "{\"Principal\": \"arn:aws:iam::<DESTINATION_ACCOUNT_ID>:root\"}\n";
        for (contents, overwrite) in [(unfinished, false), ("{}", true), ("{}", false)] {
            match save_in_folder(dir.path().to_path_buf(), contents, false, overwrite, true) {
                Err(SaveError::Io(reason)) => {
                    assert!(
                        reason.contains("is a folder; name a file in it"),
                        "{reason}"
                    );
                    assert!(
                        reason.contains(&*dir.path().display().to_string()),
                        "{reason}"
                    );
                }
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    }

    #[test]
    fn save_refuses_links_and_placeholders_over_a_file_and_asks_before_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trust-policy.json");
        let finished = "{\"Principal\": \"arn:aws:iam::999999999999:root\"}\n";
        let unfinished = "{\"Principal\": \"arn:aws:iam::<DESTINATION_ACCOUNT_ID>:root\"}\n";

        assert_eq!(
            save(path.clone(), unfinished, false, false),
            Ok(path.clone())
        );
        assert_eq!(
            save(path.clone(), finished, false, false),
            Err(SaveError::Exists(path.clone()))
        );
        assert_eq!(save(path.clone(), finished, false, true), Ok(path.clone()));
        match save(path.clone(), unfinished, false, true) {
            Err(SaveError::Io(reason)) => assert!(reason.contains("placeholders"), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), finished);

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        match save(link.clone(), "secret", true, true) {
            Err(SaveError::Io(reason)) => {
                assert!(reason.contains("symbolic link"), "{reason}");
                assert_eq!(reason.matches(&*link.display().to_string()).count(), 1);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), finished);
        match save(dir.path().to_path_buf(), finished, false, true) {
            Err(SaveError::Io(reason)) => assert!(reason.contains("is a folder"), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}
