//! Generic discrete-event core: simulated time, an event queue with deterministic
//! tie-breaking, and named random streams.
//!
//! Nothing here knows about vegetables, trucks or residents; the domain model in
//! [`crate::model`] builds on these pieces:
//! - [`SimTime`]: integer minutes since the start of a run;
//! - [`EventQueue`]: pops events by `(time, insertion sequence)`, so equal times pop FIFO;
//! - [`pages::advise_huge`]: huge pages for the big columns of agent state;
//! - [`parallel::Workers`]: work over fixed chunks of agents on a pool of threads, results
//!   in chunk order, so outputs do not depend on the thread count;
//! - [`RunSeed`] / [`SimRng`]: random streams derived from `(seed, replication, purpose, ids)`,
//!   so adding a stream shifts no other stream and results never depend on thread count.

pub mod pages;
pub mod parallel;
pub mod prefetch;
pub mod queue;
pub mod rng;
pub mod scan;
pub mod time;

pub use queue::EventQueue;
pub use rng::{RunSeed, SimRng};
pub use time::SimTime;
