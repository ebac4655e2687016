//! The one procedure engine that the wizard and the commands both drive.
//!
//! Each step of a procedure is a named variant ([`CuratedStep`], [`RepositoryStep`])
//! whose inputs, documents and calls are declared once in [`crate::core::flow`].
//! Here a step is planned into a [`Job`] from validated inputs ([`plan`]) and the job
//! is executed against AWS, reporting every call through [`Report`] ([`execute`]).
//! The wizard's report sends each call over its channel to the screen; `curated`,
//! `grant` and `revoke` print a line per call. How they show progress and how they
//! ask for confirmation is all that differs between them: the calls made, the
//! safety checks and the order are the same.
//!
//! [`teardown`] removes what the curated-packages procedure created: it surveys both
//! accounts, plans the removals (and what it leaves, and why), and executes the plan
//! through the same [`Report`]. [`rotate`] replaces the user's key the same way, and
//! [`lifecycle`] runs both as jobs, for the wizard.

pub mod checks;
mod execute;
pub mod export;
pub mod export_folder;
mod job;
pub mod lifecycle;
mod plan;
pub mod rotate;
pub mod saved;
pub mod teardown;

pub use crate::core::flow::{CuratedStep, RepositoryStep, Step};
pub use execute::{Report, execute};
pub use job::{IamTarget, Job, Output, SecretHome};
pub use plan::{Sides, plan, plan_manifest, plan_revoke, plan_update, saved_key_reusable};
