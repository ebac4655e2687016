//! The pure core: validated inputs, the documents each step shows, and both flows as
//! data. Nothing here knows about terminals or AWS.

pub mod access_change;
pub mod audit;
pub mod documents;
pub mod flow;
pub mod lint;
pub mod merge;
pub mod regions;
pub mod saved_config;
pub mod secret;
pub mod service_authorization;
pub mod validate;
