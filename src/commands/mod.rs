//! The scriptable side: each subcommand of `ecr-share`.

pub mod account;
pub mod audit;
pub mod completions;
pub mod confirm;
pub mod curated;
pub mod export;
pub mod flags;
pub mod grant;
pub mod lint;
pub mod policy;
pub mod rotate;
pub mod teardown;
pub mod verify;
