//! cesim: a discrete-event, agent-based simulator of community group buying (社区团购):
//! farmers and suppliers, central and grid warehouses, cold trucks, group leaders and
//! residents, measuring churn, spoilage and cost.
//!
//! Layers only look down: the CLI and [`server`] → [`experiment`] and [`output`] →
//! [`model`] → [`engine`]; [`scenario`] is plain data. Start at [`model::run`] with a [`scenario::Scenario`] from
//! [`scenario::load`].

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
// No unsafe code but the audited prefetch hint in `engine::prefetch`, the SSE2
// comparisons of `engine::scan` and the huge-page advice of `engine::pages`.
#![deny(unsafe_code)]

pub mod engine;
pub mod experiment;
pub mod model;
pub mod output;
pub mod scenario;
pub mod server;
