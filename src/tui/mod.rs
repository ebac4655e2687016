//! The terminal wizard: one state machine (`app`), drawn by `view`, driven by
//! `runtime`.

pub mod app;
pub mod clipboard;
pub mod highlight;
pub mod jobs;
pub mod keys;
pub mod runtime;
pub mod steps;
pub mod view;

pub use runtime::run;
