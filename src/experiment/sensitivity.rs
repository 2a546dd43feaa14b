//! Global sensitivity analysis: which inputs move a figure, over declared ranges.
//!
//! ```toml
//! base = "../baseline.toml"      # relative to this file
//! method = "morris"              # or "sobol"
//! trajectories = 10              # morris: r trajectories of k + 1 points
//! levels = 4                     # morris: grid levels p (even)
//! # samples = 256                # sobol: N base samples, N·(k + 2) points
//! replications = 2               # per point, common random numbers across points
//! figures = ["spoilage_rate", "churn_rate"]
//! # seed = 7, days = 30          # as in sweeps
//! [ranges]
//! "leaders.storage_temp_c" = [4.0, 30.0]
//! "qc.spot_rate" = [0.0, 1.0]
//! ```
//!
//! **Morris** (Morris 1991; Campolongo et al. 2007): `r` one-at-a-time trajectories on a
//! `p`-level grid of the unit hypercube, step `Δ = p / (2(p − 1))`; each factor's elementary
//! effect `EE = (y(x + Δ·d·e_i) − y(x)) / (Δ·d)` per trajectory, in units of the input's
//! range; `μ* = mean |EE|` (importance), `σ = sd(EE)` (non-linearity, interactions), `μ` the
//! signed mean; a 95 % bootstrap CI of `μ*` over trajectories.
//!
//! **Sobol** (Saltelli et al. 2010): base matrices `A`, `B` of `N` uniform rows and, for each
//! factor `i`, `A` with column `i` from `B`; first order `S1_i = mean(f(B)(f(AB_i) − f(A))) /
//! V` and total order (Jansen) `ST_i = mean((f(A) − f(AB_i))²) / (2V)`, `V` the variance of
//! `f` over `A` and `B`; 95 % bootstrap CIs over rows. The estimators are checked in tests on
//! functions with known indices (Ishigami, Sobol' G, a linear model), through these same
//! functions; they agree with SALib's on those functions within the sampling error.
//!
//! The points run on the sweep runner (parallel, resumable, shards) into the output folder;
//! a point's figure is its mean over replications. Output: `sensitivity.csv`.

use std::path::Path;

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::Deserialize;
use toml::{Table, Value};

use super::ExperimentError;
use super::sweep::{Point, Sweep};
use crate::engine::RunSeed;
use crate::output::RUN_FIGURES;
use crate::scenario::{self, path as param};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SensitivityFile {
    base: String,
    method: String,
    #[serde(default = "d_trajectories")]
    trajectories: u32,
    #[serde(default = "d_levels")]
    levels: u32,
    #[serde(default = "d_samples")]
    samples: u32,
    #[serde(default = "d_one")]
    replications: u32,
    figures: Vec<String>,
    seed: Option<u64>,
    days: Option<u32>,
    ranges: Table,
}

fn d_trajectories() -> u32 {
    10
}
fn d_levels() -> u32 {
    4
}
fn d_samples() -> u32 {
    256
}
fn d_one() -> u32 {
    1
}

/// The design method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects: `trajectories`, grid `levels`.
    Morris {
        /// Trajectories r.
        trajectories: usize,
        /// Grid levels p.
        levels: usize,
    },
    /// Sobol indices from a Saltelli design of `samples` base rows.
    Sobol {
        /// Base rows N.
        samples: usize,
    },
}

/// A loaded study: the design in the unit hypercube, and the sweep that runs it.
#[derive(Debug, Clone)]
pub struct Study {
    /// Method.
    pub method: Method,
    /// (path, low, high) of each input.
    pub ranges: Vec<(String, f64, f64)>,
    /// Figures analysed (names of [`RUN_FIGURES`]).
    pub figures: Vec<String>,
    /// The design, one row per point, in [0, 1]^k.
    pub unit: Vec<Vec<f64>>,
    /// The points as a sweep.
    pub sweep: Sweep,
}

/// Morris design: `r` trajectories of `k + 1` points each on a `levels`-grid of [0, 1]^k.
pub fn morris_design(k: usize, r: usize, levels: usize, seed: RunSeed) -> Vec<Vec<f64>> {
    let delta = morris_delta(levels);
    let steps = levels / 2; // starting levels 0 .. 1 − Δ
    let mut rng = seed.stream("morris", 0, 0);
    let mut out = Vec::with_capacity(r * (k + 1));
    for _ in 0..r {
        let mut order: Vec<usize> = (0..k).collect();
        order.shuffle(&mut rng);
        let mut x: Vec<f64> = Vec::with_capacity(k);
        let mut dir = Vec::with_capacity(k);
        for _ in 0..k {
            let start = rng.random_range(0..steps) as f64 / (levels - 1) as f64;
            let up = rng.random_bool(0.5);
            x.push(if up { start } else { start + delta });
            dir.push(if up { 1.0 } else { -1.0 });
        }
        out.push(x.clone());
        for &i in &order {
            x[i] += dir[i] * delta;
            out.push(x.clone());
        }
    }
    out
}

/// Morris step Δ for `levels` grid levels.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// Morris indices of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// 95 % bootstrap CI of μ*.
    pub mu_star_ci: (f64, f64),
    /// Standard deviation of the elementary effects.
    pub sigma: f64,
}

/// Percentile interval of `xs` at 2.5 % and 97.5 %.
fn percentiles(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

const BOOTSTRAP: usize = 1000;

/// Morris indices of `k` inputs from the outputs `y` of [`morris_design`]'s points (in
/// order), `design` being those points.
pub fn morris_indices(design: &[Vec<f64>], y: &[f64], k: usize, seed: RunSeed) -> Vec<MorrisIndex> {
    let r = design.len() / (k + 1);
    let mut ee = vec![Vec::with_capacity(r); k];
    for t in 0..r {
        for j in 0..k {
            let (a, b) = (t * (k + 1) + j, t * (k + 1) + j + 1);
            let Some(i) = (0..k).find(|&i| design[b][i] != design[a][i]) else { continue };
            ee[i].push((y[b] - y[a]) / (design[b][i] - design[a][i]));
        }
    }
    let mut rng = seed.stream("morris_bootstrap", 0, 0);
    ee.iter()
        .map(|e| {
            let n = e.len().max(1) as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let sigma = if e.len() > 1 { (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
            let boots: Vec<f64> = (0..BOOTSTRAP).map(|_| (0..e.len()).map(|_| e[rng.random_range(0..e.len())].abs()).sum::<f64>() / n).collect();
            let mu_star_ci = if e.is_empty() { (0.0, 0.0) } else { percentiles(boots) };
            MorrisIndex { mu, mu_star, mu_star_ci, sigma }
        })
        .collect()
}

/// Saltelli design: `A` (N rows), `B` (N rows), then `AB_i` for each input (N rows each):
/// `N·(k + 2)` points of [0, 1]^k.
pub fn saltelli_design(k: usize, n: usize, seed: RunSeed) -> Vec<Vec<f64>> {
    let mut rng = seed.stream("saltelli", 0, 0);
    let a: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| rng.random()).collect()).collect();
    let b: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| rng.random()).collect()).collect();
    let mut out = a.clone();
    out.extend(b.iter().cloned());
    for i in 0..k {
        out.extend(a.iter().zip(&b).map(|(ra, rb)| {
            let mut x = ra.clone();
            x[i] = rb[i];
            x
        }));
    }
    out
}

/// Sobol indices of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: f64,
    /// 95 % bootstrap CI of S1.
    pub s1_ci: (f64, f64),
    /// Total-order index.
    pub st: f64,
    /// 95 % bootstrap CI of ST.
    pub st_ci: (f64, f64),
}

fn sobol_point(y: &[f64], k: usize, n: usize, rows: &[usize]) -> Vec<(f64, f64)> {
    let fa = |j: usize| y[j];
    let fb = |j: usize| y[n + j];
    let fab = |i: usize, j: usize| y[(2 + i) * n + j];
    let m = rows.len() as f64;
    let all: Vec<f64> = rows.iter().flat_map(|&j| [fa(j), fb(j)]).collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / all.len() as f64;
    (0..k)
        .map(|i| {
            if var <= 0.0 {
                return (0.0, 0.0);
            }
            let s1 = rows.iter().map(|&j| fb(j) * (fab(i, j) - fa(j))).sum::<f64>() / m / var;
            let st = rows.iter().map(|&j| (fa(j) - fab(i, j)).powi(2)).sum::<f64>() / m / (2.0 * var);
            (s1, st)
        })
        .collect()
}

/// Sobol indices of `k` inputs from the outputs `y` of [`saltelli_design`]'s points (in
/// order) with `n` base rows.
pub fn sobol_indices(y: &[f64], k: usize, n: usize, seed: RunSeed) -> Vec<SobolIndex> {
    // Centre the outputs on the mean over A and B: the estimators are unbiased either way,
    // but a large mean inflates the variance of S1's (as SALib also centres).
    let mean = y[..2 * n].iter().sum::<f64>() / (2 * n) as f64;
    let y: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let y = &y[..];
    let rows: Vec<usize> = (0..n).collect();
    let est = sobol_point(y, k, n, &rows);
    let mut rng = seed.stream("sobol_bootstrap", 0, 0);
    let boots: Vec<Vec<(f64, f64)>> = (0..BOOTSTRAP / 2)
        .map(|_| {
            let pick: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            sobol_point(y, k, n, &pick)
        })
        .collect();
    (0..k)
        .map(|i| SobolIndex {
            s1: est[i].0,
            s1_ci: percentiles(boots.iter().map(|b| b[i].0).collect()),
            st: est[i].1,
            st_ci: percentiles(boots.iter().map(|b| b[i].1).collect()),
        })
        .collect()
}

/// Loads a sensitivity file, builds the design and validates every point's scenario.
///
/// # Errors
/// [`ExperimentError::Sweep`] with the file's line and column for a malformed file, a bad
/// path, range, method or figure; [`ExperimentError::Scenario`] for an invalid base.
pub fn load(path: &Path) -> Result<Study, ExperimentError> {
    let src = super::SourceFile::read(path)?;
    let at = |segs: &[scenario::validate::Seg], message: String| src.at(segs, message);
    let key = |k: &str| scenario::validate::Seg::Key(k.to_string());
    let sf: SensitivityFile = src.parse()?;
    let method = match sf.method.as_str() {
        "morris" if sf.trajectories >= 2 && sf.levels >= 2 && sf.levels % 2 == 0 => {
            Method::Morris { trajectories: sf.trajectories as usize, levels: sf.levels as usize }
        }
        "morris" => return Err(at(&[key("trajectories")], "morris needs trajectories ≥ 2 and an even levels ≥ 2".into())),
        "sobol" if sf.samples >= 4 => Method::Sobol { samples: sf.samples as usize },
        "sobol" => return Err(at(&[key("samples")], format!("samples = {}: sobol needs at least 4", sf.samples))),
        other => return Err(at(&[key("method")], format!("method = {other:?}: must be \"morris\" or \"sobol\""))),
    };
    if sf.replications == 0 {
        return Err(at(&[key("replications")], "replications = 0: must be at least 1".into()));
    }
    for f in &sf.figures {
        if !RUN_FIGURES.contains(&f.as_str()) {
            return Err(at(&[key("figures")], format!("figure {f:?}: must be one of {}", RUN_FIGURES.join(", "))));
        }
    }
    if sf.figures.is_empty() || sf.ranges.is_empty() {
        return Err(at(&[], "give at least one figure and one [ranges] entry".into()));
    }
    let mut ranges = Vec::new();
    for (p, v) in &sf.ranges {
        let num = |x: &Value| x.as_float().or(x.as_integer().map(|i| i as f64));
        match v.as_array().map(|a| a.as_slice()) {
            Some([l, h]) if num(l).zip(num(h)).is_some_and(|(l, h)| l < h) => ranges.push((p.clone(), num(l).unwrap_or(0.0), num(h).unwrap_or(1.0))),
            _ => return Err(at(&[key("ranges"), key(p)], format!("{p} = {v}: must be [low, high] numbers with low < high"))),
        }
    }
    let base_path = path.parent().unwrap_or(Path::new(".")).join(&sf.base);
    let base_text = std::fs::read_to_string(&base_path).map_err(|e| at(&[key("base")], format!("base = {:?}: cannot read {}: {e}", sf.base, base_path.display())))?;
    let base_file = base_path.display().to_string();
    let base = scenario::parse_str(&base_text, &base_file)?;
    let base_table: Table = toml::from_str(&base_text).map_err(|e| at(&[key("base")], e.to_string()))?;
    let seed = sf.seed.unwrap_or(base.run.seed);
    let k = ranges.len();
    let design_seed = RunSeed::new(seed, 0);
    let unit = match method {
        Method::Morris { trajectories, levels } => morris_design(k, trajectories, levels, design_seed),
        Method::Sobol { samples } => saltelli_design(k, samples, design_seed),
    };
    let mut points = Vec::with_capacity(unit.len());
    for (i, u) in unit.iter().enumerate() {
        let mut t = base_table.clone();
        let mut values = Vec::with_capacity(k);
        for (j, (p, lo, hi)) in ranges.iter().enumerate() {
            let x = lo + u[j] * (hi - lo);
            // An integer field takes the nearest integer.
            let v = match param_kind(&base, p) {
                Some(true) => Value::Integer(x.round() as i64),
                _ => Value::Float(x),
            };
            param::set(&mut t, p, v.clone()).map_err(|m| at(&[key("ranges"), key(p)], m))?;
            values.push(v);
        }
        if let Some(d) = sf.days {
            param::set(&mut t, "run.horizon_days", Value::Integer(d as i64)).map_err(|m| at(&[key("days")], m))?;
        }
        let text = toml::to_string(&t).map_err(|e| at(&[], e.to_string()))?;
        let scenario = scenario::parse_str(&text, &base_file).map_err(|e| at(&[key("ranges")], format!("point {i}: {e}")))?;
        points.push(Point { values, scenario });
    }
    let fingerprint = src.fingerprint(&base_text);
    let sweep = Sweep { file: path.to_path_buf(), params: ranges.iter().map(|r| r.0.clone()).collect(), points, replications: sf.replications, seed, fingerprint, labels: Vec::new() };
    Ok(Study { method, ranges, figures: sf.figures, unit, sweep })
}

/// Whether the field at `path` of `sc` is an integer (`Some(true)`), a number, or absent.
fn param_kind(sc: &scenario::Scenario, path: &str) -> Option<bool> {
    let t = Table::try_from(sc).ok()?;
    param::get(&t, path).map(Value::is_integer)
}

/// Mean of each figure per point, from the sweep's `runs.csv` in `dir`.
fn point_means(dir: &Path, study: &Study) -> Result<Vec<Vec<f64>>, ExperimentError> {
    let path = dir.join("runs.csv");
    let mut rd = csv::Reader::from_path(&path).map_err(|e| ExperimentError::Io(format!("{}: {}", path.display(), e)))?;
    let header = rd.headers().map_err(|e| ExperimentError::Io(format!("{}: {}", path.display(), e)))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let point = col("point").ok_or_else(|| ExperimentError::Io(format!("{}: {}", path.display(), "no point column")))?;
    let cols: Vec<usize> = study.figures.iter().filter_map(|f| col(f)).collect();
    let n = study.unit.len();
    let mut sums = vec![vec![0.0; cols.len()]; n];
    let mut counts = vec![0usize; n];
    for rec in rd.records() {
        let rec = rec.map_err(|e| ExperimentError::Io(format!("{}: {}", path.display(), e)))?;
        let p: usize = rec.get(point).and_then(|x| x.parse().ok()).unwrap_or(usize::MAX);
        if p >= n {
            continue;
        }
        counts[p] += 1;
        for (j, &c) in cols.iter().enumerate() {
            sums[p][j] += rec.get(c).and_then(|x| x.parse::<f64>().ok()).unwrap_or(f64::NAN);
        }
    }
    // One vector per figure, over points.
    Ok((0..cols.len()).map(|j| (0..n).map(|p| sums[p][j] / counts[p].max(1) as f64).collect()).collect())
}

/// Analyses the finished sweep in `dir` and returns `sensitivity.csv`'s bytes.
///
/// # Errors
/// I/O errors reading `runs.csv`.
pub fn analyse(dir: &Path, study: &Study) -> Result<Vec<u8>, ExperimentError> {
    let ys = point_means(dir, study)?;
    let k = study.ranges.len();
    let seed = RunSeed::new(study.sweep.seed, 0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ExperimentError::Io(format!("{}: {}", dir.join("sensitivity.csv").display(), e));
    match study.method {
        Method::Morris { .. } => {
            w.write_record(["figure", "parameter", "low", "high", "mu", "mu_star", "mu_star_ci_low", "mu_star_ci_high", "sigma"]).map_err(io)?;
            for (f, y) in study.figures.iter().zip(&ys) {
                for (m, (p, lo, hi)) in morris_indices(&study.unit, y, k, seed).iter().zip(&study.ranges) {
                    let r = [lo.to_string(), hi.to_string(), fmt(m.mu), fmt(m.mu_star), fmt(m.mu_star_ci.0), fmt(m.mu_star_ci.1), fmt(m.sigma)];
                    w.write_record([f.clone(), p.clone()].into_iter().chain(r)).map_err(io)?;
                }
            }
        }
        Method::Sobol { samples } => {
            w.write_record(["figure", "parameter", "low", "high", "s1", "s1_ci_low", "s1_ci_high", "st", "st_ci_low", "st_ci_high"]).map_err(io)?;
            for (f, y) in study.figures.iter().zip(&ys) {
                for (s, (p, lo, hi)) in sobol_indices(y, k, samples, seed).iter().zip(&study.ranges) {
                    let r = [lo.to_string(), hi.to_string(), fmt(s.s1), fmt(s.s1_ci.0), fmt(s.s1_ci.1), fmt(s.st), fmt(s.st_ci.0), fmt(s.st_ci.1)];
                    w.write_record([f.clone(), p.clone()].into_iter().chain(r)).map_err(io)?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| ExperimentError::Io(format!("{}: {}", dir.display(), e)))
}

fn fmt(x: f64) -> String {
    format!("{x:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> RunSeed {
        RunSeed::new(20260101, 0)
    }

    /// Ishigami (a = 7, b = 0.1) on [−π, π]³, from unit coordinates.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -std::f64::consts::PI + 2.0 * std::f64::consts::PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// Sobol' G with coefficients `a` on [0, 1]^k, and its analytic (S1, ST).
    fn g(u: &[f64], a: &[f64]) -> f64 {
        u.iter().zip(a).map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a)).product()
    }

    fn g_indices(a: &[f64]) -> Vec<(f64, f64)> {
        let v: Vec<f64> = a.iter().map(|a| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
        let total = v.iter().map(|x| 1.0 + x).product::<f64>() - 1.0;
        v.iter().map(|vi| (vi / total, vi * v.iter().map(|x| 1.0 + x).product::<f64>() / (1.0 + vi) / total)).collect()
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        let (k, n) = (3, 1 << 14);
        let design = saltelli_design(k, n, seed());
        let y: Vec<f64> = design.iter().map(|u| ishigami(u)).collect();
        let s = sobol_indices(&y, k, n, seed());
        // Analytic values (Ishigami and Homma 1990), as SALib's tests use.
        let want = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for (i, (s1, st)) in want.iter().enumerate() {
            assert!((s[i].s1 - s1).abs() < 0.03, "S1[{i}] = {} (want {s1})", s[i].s1);
            assert!((s[i].st - st).abs() < 0.03, "ST[{i}] = {} (want {st})", s[i].st);
            assert!(s[i].st_ci.0 <= s[i].st && s[i].st <= s[i].st_ci.1);
        }
    }

    #[test]
    fn sobol_recovers_the_g_function_indices() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let (k, n) = (a.len(), 1 << 13);
        let design = saltelli_design(k, n, seed());
        let y: Vec<f64> = design.iter().map(|u| g(u, &a)).collect();
        let s = sobol_indices(&y, k, n, seed());
        for (i, (s1, st)) in g_indices(&a).iter().enumerate() {
            assert!((s[i].s1 - s1).abs() < 0.04, "S1[{i}] = {} (want {s1:.4})", s[i].s1);
            assert!((s[i].st - st).abs() < 0.04, "ST[{i}] = {} (want {st:.4})", s[i].st);
        }
    }

    #[test]
    fn morris_of_a_linear_model_is_its_slopes() {
        // y = 3 x0 − 2 x1 + 0 x2 in unit coordinates: every elementary effect is the slope.
        let (k, r) = (3, 12);
        let design = morris_design(k, r, 4, seed());
        assert_eq!(design.len(), r * (k + 1));
        assert!(design.iter().flatten().all(|x| (0.0..=1.0).contains(x)));
        let y: Vec<f64> = design.iter().map(|u| 3.0 * u[0] - 2.0 * u[1]).collect();
        let m = morris_indices(&design, &y, k, seed());
        for (i, slope) in [3.0, -2.0, 0.0].iter().enumerate() {
            assert!((m[i].mu - slope).abs() < 1e-9, "mu[{i}] = {}", m[i].mu);
            assert!((m[i].mu_star - slope.abs()).abs() < 1e-9);
            assert!(m[i].sigma.abs() < 1e-9);
        }
    }

    #[test]
    fn morris_ranks_the_g_function_by_its_coefficients() {
        let a = [0.0, 1.0, 4.5, 9.0, 99.0];
        let (k, r) = (a.len(), 40);
        let design = morris_design(k, r, 4, seed());
        let y: Vec<f64> = design.iter().map(|u| g(u, &a)).collect();
        let m = morris_indices(&design, &y, k, seed());
        for i in 1..k {
            assert!(m[i - 1].mu_star > m[i].mu_star, "mu* not decreasing with a: {m:?}");
        }
        assert!(m[0].mu_star_ci.0 > m[4].mu_star_ci.1);
    }
}
