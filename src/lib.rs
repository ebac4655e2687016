//! `ecr-share`: a terminal wizard that shares container-registry access across AWS
//! accounts, one documented step per screen.
//!
//! - [`core`]: validated inputs, documents and both flows as data; no I/O.
//! - [`aws`]: the calls each step makes, through the SDK's standard configuration.
//! - [`tui`]: the wizard, one state machine drawn with ratatui.
//! - [`kube`]: `kubectl apply` for the cluster step.
//! - [`commands`]: the scriptable subcommands.
//! - [`files`] and [`output`]: writing files that may hold secrets, and printing
//!   that never panics.

pub mod aws;
pub mod cli;
pub mod commands;
pub mod core;
pub mod files;
pub mod kube;
pub mod logging;
pub mod output;
pub mod procedure;
pub mod tui;
