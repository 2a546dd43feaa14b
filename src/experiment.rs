//! Experiments over many runs: parameter sweeps ([`sweep`]) run in parallel with resume
//! and shards ([`runner`]), paired comparisons ([`compare`]) and their statistics
//! ([`stats`]), global sensitivity analysis ([`sensitivity`]) on the sweep runner. Sits above [`crate::model`]; never prints: progress goes to a callback.
//!
//! Seeds: replication `r` of every point of a sweep (and of both sides of a comparison)
//! runs with `RunSeed(seed, r)`, so points are compared under common random numbers.

pub mod base;
pub mod calibrate;
pub mod compare;
pub mod optimize;
pub mod paper;
pub mod runner;
pub mod sensitivity;
pub mod stats;
pub mod sweep;

/// A problem with an experiment.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExperimentError {
    /// A sweep file is wrong (bad input; the CLI exits 2).
    #[error("{file}:{line}:{column}: {message}")]
    Sweep {
        /// The sweep file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A scenario (base or compared) is wrong (bad input).
    #[error(transparent)]
    Scenario(#[from] crate::scenario::ScenarioError),
    /// An output folder holds another experiment, or shards do not fit together (bad input).
    #[error("{0}")]
    Refused(String),
    /// Reading or writing results failed.
    #[error("{0}")]
    Io(String),
    /// A run failed an internal check (a bug).
    #[error("run {run}: {message}")]
    Run {
        /// Global run index.
        run: usize,
        /// The model's error.
        message: String,
    },
}

impl ExperimentError {
    /// Whether the error is the user's input (exit code 2) rather than the machine's.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ExperimentError::Sweep { .. } | ExperimentError::Scenario(_) | ExperimentError::Refused(_))
    }
}

pub(crate) fn io_err(path: &std::path::Path, e: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Io(format!("{}: {e}", path.display()))
}

/// An experiment file (sweep, sensitivity, optimisation) read in: errors point into it by
/// line and column.
pub(crate) struct SourceFile {
    /// Its path, as shown.
    pub(crate) file: String,
    /// Its text.
    pub(crate) text: String,
}

impl SourceFile {
    /// Reads `path`.
    pub(crate) fn read(path: &std::path::Path) -> Result<Self, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
        Ok(SourceFile { file: path.display().to_string(), text })
    }

    /// An error at the field `segs` (or the file's start).
    pub(crate) fn at(&self, segs: &[crate::scenario::validate::Seg], message: String) -> ExperimentError {
        let (line, column) = crate::scenario::locate(&self.text, segs);
        ExperimentError::Sweep { file: self.file.clone(), line, column, message }
    }

    /// A fingerprint of this file and the text of its base scenario (each followed by a
    /// 0xff separator, FNV-1a): refuses resuming or mixing in results of a changed study.
    pub(crate) fn fingerprint(&self, base_text: &str) -> String {
        let bytes: Vec<u8> = [self.text.as_bytes(), base_text.as_bytes()].iter().flat_map(|p| p.iter().copied().chain([0xff])).collect();
        format!("{:016x}", crate::engine::rng::fnv1a(&bytes))
    }

    /// The file parsed as `T`, a parse error at its line and column.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ExperimentError> {
        toml::from_str(&self.text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| crate::scenario::line_col(&self.text, s.start));
            ExperimentError::Sweep { file: self.file.clone(), line, column, message: e.message().trim().to_string() }
        })
    }
}
