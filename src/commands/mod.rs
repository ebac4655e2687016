//! The scriptable side: each subcommand of `ecr-share`.

pub mod completions;
pub mod curated;
pub mod grant;
pub mod policy;
