//! Integration tests, built as one binary; one file per behaviour.

mod calibrate;
mod cli;
mod conservation;
mod determinism;
mod liveness;
mod market;
mod metamorphic;
mod network;
mod optimize;
mod paper;
mod readme_defaults;
mod report;
mod robustness;
mod scenario_errors;
mod scenarios_parse;
mod season;
mod serve;
mod serve_browser;
mod sensitivity;
mod spoilage;
mod supply;
mod sweep;
mod stockouts;

use std::path::{Path, PathBuf};

use cesim::experiment::stats::{MeanCi, paired_diff_ci};
use cesim::model::RunReport;
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

/// A new file `name` holding `text`, in a folder of its own under the system's temporary
/// folder (tests run in parallel). The folder is emptied first: one of that name can only be
/// left over from an earlier test process that had the same process id (ids are reused),
/// and its files (an optimisation's journal, a sweep's) would be taken for this test's.
pub fn temp_file(name: &str, text: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cesim-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A shipped scenario by stem, e.g. `load("baseline")`.
pub fn load(name: &str) -> Scenario {
    scenario::load(&file(&format!("scenarios/{name}.toml"))).unwrap()
}

/// `n` replications of `sc` (replication r of every scenario shares its streams).
pub fn reps(sc: &Scenario, n: u64) -> Vec<RunReport> {
    (0..n).map(|r| cesim::model::run(sc, sc.run.seed, r).unwrap()).collect()
}

/// Paired difference `b − a` of a figure over replications, with its 95 % CI.
pub fn diff(a: &[RunReport], b: &[RunReport], f: impl Fn(&RunReport) -> f64) -> MeanCi {
    let xa: Vec<f64> = a.iter().map(&f).collect();
    let xb: Vec<f64> = b.iter().map(&f).collect();
    paired_diff_ci(&xa, &xb, 0.95)
}

/// An effect above zero with a CI that excludes zero.
pub fn up(d: MeanCi) -> bool {
    d.mean > 0.0 && d.excludes_zero()
}

/// An effect below zero with a CI that excludes zero.
pub fn down(d: MeanCi) -> bool {
    d.mean < 0.0 && d.excludes_zero()
}
