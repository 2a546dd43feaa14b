//! Integration tests, built as one binary; one file per behaviour.

mod cli;
mod conservation;
mod determinism;
mod market;
mod paper;
mod report;
mod scenario_errors;
mod scenarios_parse;
mod spoilage;
mod supply;
mod sweep;
mod stockouts;

use std::path::{Path, PathBuf};

use cesim::scenario::{self, Scenario};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The small test scenario (one grid, 8 leaders, ~500 households, 3 products).
pub fn small() -> Scenario {
    scenario::load(&root().join("tests/data/small.toml")).expect("tests/data/small.toml is valid")
}

/// A file under the project root.
pub fn file(rel: &str) -> PathBuf {
    root().join(Path::new(rel))
}
