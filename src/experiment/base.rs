//! The base scenario of an optimisation or calibration file: read once (with the file's
//! `[fixed]` settings written in), and the scenarios made from it by writing values at
//! dotted paths, run for their figures, or written out as a runnable file.

use std::path::Path;

use toml::{Table, Value};

use super::ExperimentError;
use crate::output::run_figures;
use crate::scenario::{self, Scenario, path as param, validate::Seg};

/// A base scenario to write values into.
#[derive(Debug, Clone)]
pub struct Base {
    /// Its table as written (with `[fixed]` applied).
    table: Table,
    /// Its file, for errors.
    file: String,
    /// A horizon for the experiment's runs (`days`), if the file gives one.
    days: Option<u32>,
    /// The base, parsed.
    pub scenario: Scenario,
    /// Every field of the base with its value or default: where paths are looked up.
    pub full: Table,
}

impl Base {
    /// Reads `base` (relative to the experiment file at `path`) and writes `fixed` into it;
    /// `at` locates errors in the experiment file.
    ///
    /// # Errors
    /// A base that cannot be read or is invalid, with or without `fixed`.
    pub(crate) fn load(path: &Path, base: &str, fixed: &Table, days: Option<u32>, at: impl Fn(&[Seg], String) -> ExperimentError) -> Result<Base, ExperimentError> {
        let key = |k: &str| Seg::Key(k.to_string());
        let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
        let text = std::fs::read_to_string(&base_path).map_err(|e| at(&[key("base")], format!("base = {base:?}: cannot read {}: {e}", base_path.display())))?;
        let file = base_path.display().to_string();
        scenario::parse_str(&text, &file)?;
        let mut table: Table = toml::from_str(&text).map_err(|e| at(&[key("base")], e.to_string()))?;
        for (p, v) in fixed {
            param::set(&mut table, p, v.clone()).map_err(|m| at(&[key("fixed"), key(p)], m))?;
        }
        let text = toml::to_string(&table).map_err(|e| at(&[key("fixed")], e.to_string()))?;
        let scenario = scenario::parse_str(&text, &file).map_err(|e| at(&[key("fixed")], format!("the base with [fixed] applied is not valid: {e}")))?;
        let full = Table::try_from(&scenario).map_err(|e| at(&[key("base")], e.to_string()))?;
        Ok(Base { table, file, days, scenario, full })
    }

    /// The base's table with `values` written in (and the experiment's horizon).
    pub fn table(&self, values: &[(String, Value)]) -> Result<Table, ExperimentError> {
        let mut t = self.table.clone();
        for (p, v) in values {
            param::set(&mut t, p, v.clone()).map_err(ExperimentError::Io)?;
        }
        if let Some(d) = self.days {
            param::set(&mut t, "run.horizon_days", Value::Integer(d as i64)).map_err(ExperimentError::Io)?;
        }
        Ok(t)
    }

    /// The scenario with `values` written in, validated.
    pub fn scenario_with(&self, values: &[(String, Value)]) -> Result<Scenario, ExperimentError> {
        let text = toml::to_string(&self.table(values)?).map_err(|e| ExperimentError::Io(e.to_string()))?;
        Ok(scenario::parse_str(&text, &self.file)?)
    }

    /// Every figure of [`crate::output::RUN_FIGURES`] of replication `rep` (root `seed`) of
    /// the scenario with `values` written in.
    pub fn figures(&self, values: &[(String, Value)], seed: u64, rep: u64) -> Result<Vec<f64>, ExperimentError> {
        let sc = self.scenario_with(values)?;
        let report = crate::model::run(&sc, seed, rep).map_err(|e| ExperimentError::Run { run: rep as usize, message: e.to_string() })?;
        Ok(run_figures(&report).to_vec())
    }

    /// The scenario with `values` written in as a runnable file at the base's own
    /// horizon, after `header`.
    ///
    /// # Errors
    /// Values that cannot be written (not expected once the experiment has loaded).
    pub fn write(&self, values: &[(String, Value)], header: &str) -> Result<String, ExperimentError> {
        let mut t = self.table(values)?;
        if self.days.is_some()
            && let Some(h) = param::get(&self.table, "run.horizon_days").cloned()
        {
            param::set(&mut t, "run.horizon_days", h).map_err(ExperimentError::Io)?;
        }
        let body = toml::to_string(&t).map_err(|e| ExperimentError::Io(e.to_string()))?;
        Ok(format!("{header}\n{body}"))
    }
}
