//! Driving the wizard in tests: keys as messages, the state machine run with its
//! effects performed against a fake clipboard, a fake file system and a job runner,
//! and the screen read as text from ratatui's TestBackend.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ecr_share::aws::{CallReport, Identity, Outcome};
use ecr_share::core::flow::Side;
use ecr_share::tui::clipboard::{Clipboard, CopyMethod};
use ecr_share::tui::jobs::{Job, Output, RunId, Runner};
use ecr_share::tui::message::{Effect, Msg, SaveError};
use ecr_share::tui::model::App;
use ecr_share::tui::runtime;
use ecr_share::tui::update::update;
use ecr_share::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

/// A key press without modifiers.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A letter pressed with Control.
pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Presses keys on the state machine alone and returns the effects they asked for,
/// unperformed.
pub fn press(app: &mut App, codes: &[KeyCode]) -> Vec<Effect> {
    codes
        .iter()
        .flat_map(|code| update(app, key(*code)))
        .collect()
}

/// Types text into the field being edited; typing never asks for work.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(
            update(app, key(KeyCode::Char(c))).is_empty(),
            "typing {c:?} asked for work"
        );
    }
}

/// The wizard drawn at a size, as text.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

/// A clipboard that remembers what it was given.
#[derive(Default)]
pub struct RecordingClipboard {
    pub copies: Vec<String>,
}

impl Clipboard for RecordingClipboard {
    fn copy(&mut self, text: &str) -> Result<CopyMethod, String> {
        self.copies.push(text.to_string());
        Ok(CopyMethod::System)
    }
}

/// A clipboard that is never there.
pub struct NoClipboard;

impl Clipboard for NoClipboard {
    fn copy(&mut self, _: &str) -> Result<CopyMethod, String> {
        Err("not in this test".into())
    }
}

/// A runner that answers as AWS would, without AWS: profiles resolve to the accounts
/// it was given (123456789012 otherwise), and every other job reports one successful
/// call per listed call. It signals `answered` each time it has answered a job.
#[derive(Default)]
pub struct ScriptedRunner {
    pub started: Mutex<Vec<Job>>,
    pub accounts: HashMap<Side, &'static str>,
    pub answered: Arc<Notify>,
    /// The profile names the AWS files hold, as reading them answers.
    pub profiles: Vec<&'static str>,
    /// kubectl's contexts, as listing them answers.
    pub contexts: Vec<&'static str>,
}

impl ScriptedRunner {
    pub fn with_accounts(source: &'static str, destination: &'static str) -> Self {
        ScriptedRunner {
            accounts: HashMap::from([(Side::Source, source), (Side::Destination, destination)]),
            ..ScriptedRunner::default()
        }
    }
}

impl Runner for ScriptedRunner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        self.started.lock().unwrap().push(job.clone());
        let mut messages = Vec::new();
        if let Job::Identity { flow, side, target } = &job {
            let account = self.accounts.get(side).copied().unwrap_or("123456789012");
            messages.push(Msg::Output {
                run,
                output: Output::Identity {
                    flow: *flow,
                    side: *side,
                    profile: target.profile.clone(),
                    result: Ok(Identity {
                        account: account.to_string(),
                        arn: format!("arn:aws:iam::{account}:user/admin"),
                    }),
                    region: None,
                },
            });
        } else if matches!(job, Job::Profiles | Job::KubeContexts) {
            let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect();
            messages.push(Msg::Output {
                run,
                output: match job {
                    Job::Profiles => Output::Profiles(Ok(names(&self.profiles))),
                    _ => Output::KubeContexts(Ok(names(&self.contexts))),
                },
            });
        } else {
            for call in job.calls() {
                messages.push(Msg::Call {
                    run,
                    report: CallReport::new(call, "", Outcome::Done("created".into())),
                });
            }
        }
        messages.push(Msg::Finished {
            run,
            cancelled: false,
        });
        for msg in messages {
            let _ = sender.send(msg);
        }
        let answered = self.answered.clone();
        tokio::spawn(async move { answered.notify_one() })
    }
}

/// The wizard with everything around it faked but the runner: keys go through
/// `update`, and every effect is performed as the program would, with a recording
/// clipboard and files kept in memory. Jobs run on `runner` until they finish.
pub struct Harness<R: Runner> {
    pub app: App,
    pub runner: R,
    pub clipboard: RecordingClipboard,
    /// The files saved, by path.
    pub files: HashMap<PathBuf, String>,
    /// Whether the wizard asked to quit.
    pub quit: bool,
    terminal: Terminal<TestBackend>,
    sender: UnboundedSender<Msg>,
    receiver: UnboundedReceiver<Msg>,
    in_flight: HashMap<RunId, JoinHandle<()>>,
}

impl<R: Runner> Harness<R> {
    /// The harness around `app`, drawing on a 120×40 screen.
    pub fn new(app: App, runner: R) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Harness {
            app,
            runner,
            clipboard: RecordingClipboard::default(),
            files: HashMap::new(),
            quit: false,
            terminal: Terminal::new(TestBackend::new(120, 40)).unwrap(),
            sender,
            receiver,
            in_flight: HashMap::new(),
        }
    }

    /// Presses keys one after the other; after each, performs what it asked for and
    /// waits until every job it started has finished.
    pub async fn press(&mut self, codes: &[KeyCode]) {
        for code in codes {
            self.send(key(*code)).await;
        }
    }

    /// Types text, one key at a time.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.send(key(KeyCode::Char(c))).await;
        }
    }

    /// Feeds one message through `update` and settles what follows from it.
    pub async fn send(&mut self, msg: Msg) {
        let effects = update(&mut self.app, msg);
        self.settle(effects).await;
    }

    /// Performs effects, and feeds back every message their jobs send until no job
    /// is in flight.
    async fn settle(&mut self, mut effects: Vec<Effect>) {
        loop {
            while let Some(effect) = effects.pop() {
                if let Some(reply) = self.perform(effect) {
                    effects.extend(update(&mut self.app, reply));
                }
            }
            if self.in_flight.is_empty() {
                return;
            }
            let msg = self
                .receiver
                .recv()
                .await
                .expect("the harness keeps a sender, so the channel stays open");
            if let Msg::Finished { run, .. } = &msg {
                self.in_flight.remove(run);
            }
            effects.extend(update(&mut self.app, msg));
        }
    }

    /// Performs one effect as the runtime does, returning the message it answers with.
    fn perform(&mut self, effect: Effect) -> Option<Msg> {
        match effect {
            Effect::Quit => {
                self.quit = true;
                None
            }
            Effect::Start { run, job } => {
                let handle = self.runner.start(run, *job, self.sender.clone());
                self.in_flight.insert(run, handle);
                None
            }
            Effect::Cancel { run } => {
                if let Some(handle) = self.in_flight.remove(&run) {
                    handle.abort();
                }
                Some(Msg::Finished {
                    run,
                    cancelled: true,
                })
            }
            Effect::Copy { what, text } => Some(Msg::Copied {
                what,
                result: self.clipboard.copy(&text),
            }),
            Effect::Save {
                path,
                contents,
                overwrite,
                ..
            } => {
                if self.files.contains_key(&path) && !overwrite {
                    return Some(Msg::Saved(Err(SaveError::Exists(path))));
                }
                self.files.insert(path.clone(), contents);
                Some(Msg::Saved(Ok(path)))
            }
            // Written for real, as the program writes it: the tests give a folder
            // of their own.
            Effect::Export {
                folder,
                files,
                replace,
                create_folder,
            } => Some(Msg::Exported(runtime::write_export(
                &folder,
                &files,
                replace,
                create_folder,
            ))),
        }
    }

    /// The screen as the operator sees it now.
    pub fn screen(&mut self) -> String {
        let app = &self.app;
        self.terminal.draw(|frame| view::draw(frame, app)).unwrap();
        self.terminal.backend().to_string()
    }
}

/// Answers the identity look-ups among `effects`: the destination side is
/// `destination`, every other side `source`.
pub fn answer_identities(app: &mut App, effects: Vec<Effect>, source: &str, destination: &str) {
    for effect in effects {
        if let Effect::Start { run, job } = effect
            && let Job::Identity { flow, side, target } = *job
        {
            let account = if side == Side::Destination {
                destination
            } else {
                source
            };
            update(
                app,
                Msg::Output {
                    run,
                    output: Output::Identity {
                        flow,
                        side,
                        profile: target.profile,
                        result: Ok(Identity {
                            account: account.into(),
                            arn: format!("arn:aws:iam::{account}:user/admin"),
                        }),
                        region: None,
                    },
                },
            );
            update(
                app,
                Msg::Finished {
                    run,
                    cancelled: false,
                },
            );
        }
    }
}
