//! Sweep files (`scenarios/sweeps/*.toml`): a base scenario and the parameters to vary,
//! as a full grid, an explicit list of points, or a Latin hypercube.
//!
//! ```toml
//! base = "../multi_sourcing.toml"   # relative to this file
//! replications = 10                 # per point (default 1)
//! # seed = 7                        # default: the base scenario's [run] seed
//! # days = 30                       # default: the base scenario's horizon
//!
//! [grid]                            # every combination; the last parameter varies fastest
//! "sourcing.vegetables.split.veg_wholesaler" = [0.0, 0.2, 0.4]
//! "policy.safety_stock_factor" = [0.0, 0.1]
//!
//! # or: [[points]] tables of path = value, one per point
//! # or: [lhs] n = 20 and [lhs.ranges] "path" = [low, high]
//!
//! [labels]                          # optional: words for the report's axes and tables
//! "sourcing.vegetables.split.veg_wholesaler" = "wholesaler share of vegetables"
//! stockout_days = "days with a stock-out"
//! ```
//! Parameters are columns in the order the file first names them (toml's `preserve_order`). Every point's scenario is built and validated when
//! the sweep is loaded, so a bad path or value fails before anything runs, with the sweep
//! file's line and column.

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::RngExt;
use serde::Deserialize;
use toml::{Table, Value};

use super::ExperimentError;
use crate::scenario::path as param;
use crate::engine::RunSeed;
use crate::scenario::{self, Scenario, ScenarioError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    base: String,
    #[serde(default = "one")]
    replications: u32,
    seed: Option<u64>,
    days: Option<u32>,
    #[serde(default)]
    grid: Table,
    #[serde(default)]
    points: Vec<Table>,
    lhs: Option<LhsFile>,
    #[serde(default)]
    labels: Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LhsFile {
    n: u32,
    ranges: Table,
}

fn one() -> u32 {
    1
}

/// One point of a sweep: its parameter values and the scenario they make.
#[derive(Debug, Clone)]
pub struct Point {
    /// Values, in the order of [`Sweep::params`].
    pub values: Vec<Value>,
    /// The base scenario with these values set.
    pub scenario: Scenario,
}

/// A loaded, validated sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// Parameter paths, in the order the file names them.
    pub params: Vec<String>,
    /// Points, in grid / list / hypercube order.
    pub points: Vec<Point>,
    /// Replications per point.
    pub replications: u32,
    /// Root seed of every run.
    pub seed: u64,
    /// Fingerprint of the sweep file and its base scenario (refuses resuming a changed sweep).
    pub fingerprint: String,
    /// Labels for the report: (parameter path or figure, words), from `[labels]`.
    pub labels: Vec<(String, String)>,
}

impl Sweep {
    /// Total runs: points × replications.
    pub fn runs(&self) -> usize {
        self.points.len() * self.replications as usize
    }
}

/// A Latin hypercube of `n` points in `[0, 1)^k`: in each dimension one point per stratum
/// `[i/n, (i+1)/n)`, strata shuffled per dimension; dimension `j` draws from the stream
/// `("lhs", j)` of `seed`.
pub fn latin_hypercube(n: usize, k: usize, seed: RunSeed) -> Vec<Vec<f64>> {
    let mut rows = vec![Vec::with_capacity(k); n];
    for j in 0..k {
        let mut rng = seed.stream("lhs", j as u64, 0);
        let mut strata: Vec<usize> = (0..n).collect();
        strata.shuffle(&mut rng);
        for (i, row) in rows.iter_mut().enumerate() {
            let u: f64 = rng.random();
            row.push((strata[i] as f64 + u) / n as f64);
        }
    }
    rows
}

/// Loads a sweep file and builds and validates every point.
///
/// # Errors
/// [`ExperimentError::Sweep`] with the sweep file's line and column for a malformed file,
/// a bad path, a value of the wrong type or out of range; [`ExperimentError::Scenario`] if
/// the base scenario itself is invalid.
pub fn load(path: &Path) -> Result<Sweep, ExperimentError> {
    let src = super::SourceFile::read(path)?;
    let at = |segs: &[scenario::validate::Seg], message: String| src.at(segs, message);
    let key = |k: &str| scenario::validate::Seg::Key(k.to_string());
    let sf: SweepFile = src.parse()?;
    if sf.replications == 0 {
        return Err(at(&[key("replications")], "replications = 0: must be at least 1".into()));
    }
    let base_path = path.parent().unwrap_or(Path::new(".")).join(&sf.base);
    let base_text = std::fs::read_to_string(&base_path)
        .map_err(|e| at(&[key("base")], format!("base = {:?}: cannot read {}: {e}", sf.base, base_path.display())))?;
    let base_file = base_path.display().to_string();
    let base_scenario = scenario::parse_str(&base_text, &base_file)?;
    let base_table: Table = toml::from_str(&base_text).map_err(|e| at(&[key("base")], e.to_string()))?;

    let modes = [!sf.grid.is_empty(), !sf.points.is_empty(), sf.lhs.is_some()];
    if modes.iter().filter(|&&m| m).count() != 1 {
        return Err(at(&[], "give exactly one of [grid], [[points]] or [lhs]".into()));
    }
    // (values per point, location of each parameter's key for errors)
    let (params, rows, where_): (Vec<String>, Vec<Vec<Value>>, Vec<Vec<scenario::validate::Seg>>) = if !sf.grid.is_empty() {
        let params: Vec<String> = sf.grid.keys().cloned().collect();
        let mut lists = Vec::new();
        for p in &params {
            match &sf.grid[p] {
                Value::Array(a) if !a.is_empty() => lists.push(a.clone()),
                other => return Err(at(&[key("grid"), key(p)], format!("{p} = {other}: must be a non-empty array of values"))),
            }
        }
        let mut rows = vec![Vec::new()];
        for list in &lists {
            rows = rows.into_iter().flat_map(|r| list.iter().map(move |v| [r.clone(), vec![v.clone()]].concat())).collect();
        }
        let where_ = params.iter().map(|p| vec![key("grid"), key(p)]).collect();
        (params, rows, where_)
    } else if !sf.points.is_empty() {
        // In the order the file first names them.
        let mut params: Vec<String> = Vec::new();
        for k in sf.points.iter().flat_map(|t| t.keys()) {
            if !params.contains(k) {
                params.push(k.clone());
            }
        }
        let mut rows = Vec::new();
        for (i, t) in sf.points.iter().enumerate() {
            let mut row = Vec::new();
            for p in &params {
                let v = t.get(p).ok_or_else(|| {
                    at(&[key("points"), scenario::validate::Seg::Index(i)], format!("points[{i}] lacks {p}: every point must set every parameter"))
                })?;
                row.push(v.clone());
            }
            rows.push(row);
        }
        let where_ = params.iter().map(|p| vec![key("points"), scenario::validate::Seg::Index(0), key(p)]).collect();
        (params, rows, where_)
    } else {
        let lhs = sf.lhs.as_ref().expect("one mode is set and it is lhs");
        if lhs.n == 0 || lhs.ranges.is_empty() {
            return Err(at(&[key("lhs")], "lhs needs n ≥ 1 and at least one range".into()));
        }
        let params: Vec<String> = lhs.ranges.keys().cloned().collect();
        let seed = sf.seed.unwrap_or(base_scenario.run.seed);
        let n = lhs.n as usize;
        let unit = latin_hypercube(n, params.len(), RunSeed::new(seed, 0));
        let mut rows = vec![Vec::new(); n];
        for (j, p) in params.iter().enumerate() {
            let loc = [key("lhs"), key("ranges"), key(p)];
            let (lo, hi, ints) = match &lhs.ranges[p] {
                Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
                    (Value::Integer(l), Value::Integer(h)) if l <= h => (*l as f64, *h as f64, true),
                    (l, h) => match (l.as_float().or(l.as_integer().map(|x| x as f64)), h.as_float().or(h.as_integer().map(|x| x as f64))) {
                        (Some(l), Some(h)) if l <= h => (l, h, false),
                        _ => return Err(at(&loc, format!("{p}: must be [low, high] numbers with low ≤ high"))),
                    },
                },
                _ => return Err(at(&loc, format!("{p}: must be [low, high]"))),
            };
            for (i, row) in rows.iter_mut().enumerate() {
                let x = lo + unit[i][j] * (hi - lo);
                row.push(if ints { Value::Integer(x.floor().min(hi) as i64) } else { Value::Float(x) });
            }
        }
        let where_ = params.iter().map(|p| vec![key("lhs"), key("ranges"), key(p)]).collect();
        (params, rows, where_)
    };

    let mut points = Vec::with_capacity(rows.len());
    for (i, values) in rows.into_iter().enumerate() {
        let mut t = base_table.clone();
        for (j, p) in params.iter().enumerate() {
            param::set(&mut t, p, values[j].clone()).map_err(|m| at(&where_[j], m))?;
        }
        if let Some(d) = sf.days {
            param::set(&mut t, "run.horizon_days", Value::Integer(d as i64)).map_err(|m| at(&[key("days")], m))?;
        }
        let text = toml::to_string(&t).map_err(|e| at(&[], e.to_string()))?;
        let scenario = scenario::parse_str(&text, &base_file).map_err(|e| {
            let shown: Vec<String> = params.iter().zip(&values).map(|(p, v)| format!("{p} = {v}")).collect();
            let why = match e {
                ScenarioError::Invalid { field, value, allowed, .. } => format!("{field} = {value}: {allowed}"),
                ScenarioError::Parse { message, .. } => message,
                other => other.to_string(),
            };
            let j = where_.len().saturating_sub(1).min(params.len().saturating_sub(1));
            at(&where_[j], format!("point {i} ({}): {why}", shown.join(", ")))
        })?;
        points.push(Point { values, scenario });
    }
    let mut labels = Vec::new();
    for (name, v) in &sf.labels {
        let loc = [key("labels"), key(name)];
        if !params.contains(name) && !crate::output::RUN_FIGURES.contains(&name.as_str()) {
            return Err(at(&loc, format!("labels: {name:?} is neither a parameter of this sweep ({}) nor a figure of runs.csv", params.join(", "))));
        }
        match v.as_str() {
            Some(text) if !text.trim().is_empty() => labels.push((name.clone(), text.to_string())),
            _ => return Err(at(&loc, format!("labels.{name} = {v}: must be a non-empty string"))),
        }
    }
    let seed = sf.seed.unwrap_or(base_scenario.run.seed);
    let fingerprint = src.fingerprint(&base_text);
    Ok(Sweep { file: path.to_path_buf(), params, points, replications: sf.replications, seed, fingerprint, labels })
}
