//! Running a step's [`Job`] in the background. The work itself is the procedure
//! engine's ([`crate::procedure::execute`]); here it runs on a task of its own and
//! reports every call over the wizard's channel, so the screen shows live status and
//! never waits. The program uses [`AwsRunner`]; tests use a scripted runner.

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::aws::CallReport;
use crate::procedure::{self, Report};

pub use crate::procedure::{IamTarget, Job, Output};

use super::message::Msg;

/// Tells runs apart, so a late answer of a cancelled run is recognised.
pub type RunId = u64;

/// Starts jobs in the background. Each reports over `sender`: a [`Msg::Call`] per
/// finished call, [`Msg::Output`] for what it found, then [`Msg::Finished`].
pub trait Runner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()>;
}

/// Runs jobs against AWS with the procedure engine.
#[derive(Debug, Clone, Default)]
pub struct AwsRunner;

impl Runner for AwsRunner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut reporter = ChannelReport { run, sender };
            procedure::execute(job, &mut reporter).await;
            reporter.send(Msg::Finished {
                run,
                cancelled: false,
            });
        })
    }
}

/// The wizard's [`Report`]: every call and output goes back to the event loop.
struct ChannelReport {
    run: RunId,
    sender: UnboundedSender<Msg>,
}

impl ChannelReport {
    fn send(&self, msg: Msg) {
        // The loop may have quit; nothing is waiting for the answer then.
        let _ = self.sender.send(msg);
    }
}

impl Report for ChannelReport {
    fn call(&mut self, report: CallReport) {
        self.send(Msg::Call {
            run: self.run,
            report,
        });
    }

    fn output(&mut self, output: Output) {
        self.send(Msg::Output {
            run: self.run,
            output,
        });
    }
}
