//! Experiments over many runs: statistics of replications (more to come: sweeps,
//! comparisons, shards). Sits above [`crate::model`]; never prints.

pub mod stats;
