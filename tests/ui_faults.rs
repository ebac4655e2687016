//! The wizard under network faults: keys keep working while AWS does not answer, and
//! an endpoint that cannot be reached fails with a message an operator can act on.

mod common;

use std::net::TcpListener;
use std::sync::Arc;

use common::harness::{NoClipboard, ctrl, key};
use ecr_share::core::flow::{FieldId, FlowId, Side};
use ecr_share::tui::jobs::{AwsRunner, Job, RunId, Runner};
use ecr_share::tui::message::Msg;
use ecr_share::tui::model::{App, IdentityState, Screen};
use ecr_share::tui::runtime::event_loop;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::Notify;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

/// The real AWS runner, with a signal each time a run ends.
#[derive(Default)]
struct Watched {
    finished: Arc<Notify>,
}

impl Runner for Watched {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        let (inner, mut answers) = mpsc::unbounded_channel();
        // Only the profile lookups are waited for; reading the profile names is not.
        let watched = matches!(job, Job::Identity { .. });
        let job = AwsRunner.start(run, job, inner);
        let finished = self.finished.clone();
        tokio::spawn(async move {
            while let Some(msg) = answers.recv().await {
                let done = matches!(msg, Msg::Finished { .. });
                let _ = sender.send(msg);
                if done && watched {
                    finished.notify_one();
                }
            }
            job.abort();
        })
    }
}

/// Points the SDK at `endpoint` with static keys and nothing else.
fn use_endpoint(endpoint: &str) {
    // SAFETY: the only test of this binary sets the environment before it starts the
    // runtime whose threads read it.
    unsafe {
        common::set_only_aws_env(&[
            ("AWS_ENDPOINT_URL", endpoint.to_string()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/ecr-share-config".to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/ecr-share-credentials".to_string(),
            ),
        ])
    };
}

/// Opens the curated flow, types a destination account while the profile lookups
/// are out, waits for `lookups_to_finish` of them, then quits.
fn run_wizard(lookups_to_finish: usize) -> App {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (sender, receiver) = mpsc::unbounded_channel();
        let runner = Watched::default();
        let finished = runner.finished.clone();
        let keys = sender.clone();
        let script = tokio::spawn(async move {
            // Start the flow, then past the accounts screen to the steps.
            keys.send(key(KeyCode::Enter)).unwrap();
            keys.send(key(KeyCode::Enter)).unwrap();
            keys.send(key(KeyCode::Char('3'))).unwrap();
            keys.send(key(KeyCode::Tab)).unwrap();
            keys.send(key(KeyCode::Tab)).unwrap();
            for c in "999999999999".chars() {
                keys.send(key(KeyCode::Char(c))).unwrap();
            }
            keys.send(key(KeyCode::Esc)).unwrap();
            for _ in 0..lookups_to_finish {
                finished.notified().await;
            }
            keys.send(ctrl('c')).unwrap();
        });
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let app = event_loop(
            &mut terminal,
            App::new(),
            (sender, receiver),
            &mut NoClipboard,
            &runner,
        )
        .await
        .unwrap();
        script.await.unwrap();
        app
    })
}

#[test]
fn the_wizard_answers_keys_while_aws_does_not_and_says_why_a_call_failed() {
    // An endpoint that takes connections and never answers: the lookups hang, the keys
    // are still handled, and quitting does not wait for them.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    use_endpoint(&format!("http://{}", silent.local_addr().unwrap()));
    let app = run_wizard(0);
    assert_eq!(
        app.curated.form.text(FieldId::DestinationAccount),
        "999999999999"
    );
    assert!(
        matches!(
            app.curated.identities.get(&Side::Source),
            Some(IdentityState::Resolving(_))
        ),
        "{:?}",
        app.curated.identities
    );
    drop(silent);

    // A closed port: the lookups fail with a connection error naming the cause and
    // what to do, and everything typed meanwhile is kept.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    use_endpoint(&format!("http://{closed}"));
    let app = run_wizard(2);
    assert_eq!(
        app.curated.form.text(FieldId::DestinationAccount),
        "999999999999"
    );
    for side in [Side::Source, Side::Destination] {
        let Some(IdentityState::Failed(_, error)) = app.curated.identities.get(&side) else {
            panic!("{side:?}: {:?}", app.curated.identities.get(&side));
        };
        assert_eq!(error.code(), Some("ConnectionFailed"), "{error}");
        assert!(
            error.message.contains("could not reach the endpoint"),
            "{error}"
        );
        assert!(error.to_string().contains("AWS_ENDPOINT_URL"), "{error}");
    }
    assert_eq!(app.screen, Screen::Flow(FlowId::CuratedPackages));
}
