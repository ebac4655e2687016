//! The terminal wizard: one state machine — its messages (`message`), its model
//! (`model`) and `update`, with every key bound in `keys` — drawn by `view` and
//! driven by `runtime`.

pub mod access;
pub mod accounts;
pub mod clipboard;
mod findings;
pub mod highlight;
pub mod jobs;
pub mod keys;
pub mod manage;
mod manage_view;
pub mod message;
pub mod model;
mod paste;
mod rows;
pub mod runlog;
pub mod runtime;
mod saved;
pub mod steps;
mod switch;
pub mod update;
pub mod view;

pub use runtime::run;
