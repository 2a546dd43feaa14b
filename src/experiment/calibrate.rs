//! `cesim calibrate`: parameter values fitted to the figures we know, with ranges, by the
//! simulated method of moments (McFadden 1989; Gouriéroux & Monfort 1996) or by
//! approximate Bayesian computation ([`abc`]); [`coverage`] checks the ranges on synthetic
//! truths.
//!
//! ```toml
//! base = "../baseline.toml"      # relative to this file
//! replications = 4               # per candidate, common random numbers across candidates
//! budget_runs = 400
//! method = "smm"                 # or "abc" (with particles = 64)
//! # seed = 7, days = 30          # as in sweeps
//! [[target]]
//! figure = "orders"              # any figure of runs.csv, or a ratio: "revenue_yuan / orders"
//! value = 60000.0
//! sd = 3000.0                    # the target's uncertainty
//! source = "what the figure is and where it comes from"
//! [[parameter]]
//! path = "residents.order_prob_per_day"
//! min = 0.05                     # the prior range
//! max = 0.3
//! ```
//!
//! **Estimate**: the parameters minimising `J(θ) = Σ_j ((m_j(θ) − m̂_j) / sd_j)²`, `m_j(θ)`
//! a target's simulated mean over the replications, found by the search of `cesim optimize`
//! (Latin hypercube, shrinking boxes, a final race) on the same replications for every θ.
//!
//! **Ranges**: the sandwich of the method of moments. With `G` the Jacobian of the
//! simulated means at the estimate (central differences, common random numbers),
//! `W = diag(1/sd²)` and `Ω = diag(sd² + σ²/R)` (the targets' uncertainty plus the noise of
//! their simulated means, σ² measured over the estimate's `R` replications),
//! `Var θ̂ ≈ (GᵀWG)⁻¹ GᵀWΩWG (GᵀWG)⁻¹`. The 90 % interval is `θ̂ ± 1.645·se`, cut to the
//! prior range. A parameter is *not identified* when the targets barely move with it
//! (over half its prior range they move by less than one sd: it is left out of `GᵀWG`,
//! its range is the prior's), or when its interval is wider than half its prior range.
//!
//! **Fit**: each target's simulated mean and 95 % CI on fresh replications at the estimate;
//! `within` when the observed value lies within 1.96 × √(sd² + se² + (G Cov Gᵀ)ⱼⱼ) of it:
//! the target's uncertainty, the simulated mean's, and the estimate's carried to the target.

pub mod abc;
pub mod coverage;

use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;
use toml::{Table, Value};

use super::ExperimentError;
use super::base::Base;
use super::optimize::search::{self, Dim, Measure, Problem};
use super::stats::mean_ci;
use crate::output::RUN_FIGURES;
use crate::scenario::{path as param, validate::Seg};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalibrationFile {
    base: String,
    #[serde(default = "d_reps")]
    replications: u32,
    budget_runs: u32,
    #[serde(default = "d_method")]
    method: String,
    /// ABC: particles per population.
    particles: Option<u32>,
    seed: Option<u64>,
    days: Option<u32>,
    target: Vec<TargetFile>,
    parameter: Vec<ParameterFile>,
}

fn d_reps() -> u32 {
    4
}
fn d_method() -> String {
    "smm".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    figure: String,
    value: f64,
    sd: f64,
    #[serde(default)]
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParameterFile {
    path: String,
    min: f64,
    max: f64,
}

/// A target figure, or a ratio of two (`"revenue_yuan / orders"`: the order value).
#[derive(Debug, Clone)]
pub struct Target {
    /// Figure name (or `a / b`) and the index in [`RUN_FIGURES`] of the figure (or of `a`).
    pub figure: String,
    index: usize,
    /// The divisor's index, for a ratio.
    per: Option<usize>,
    /// Observed value.
    pub value: f64,
    /// Its uncertainty (standard deviation).
    pub sd: f64,
    /// Where it comes from.
    pub source: String,
}

/// A free parameter and its prior range.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Dotted path.
    pub path: String,
    /// Prior range.
    pub min: f64,
    /// Prior range.
    pub max: f64,
    integer: bool,
}

/// A loaded calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Targets.
    pub targets: Vec<Target>,
    /// Free parameters.
    pub parameters: Vec<Parameter>,
    /// Replications per candidate.
    pub replications: usize,
    /// Runs the search may spend.
    pub budget_runs: usize,
    /// Root seed.
    pub seed: u64,
    /// The method.
    pub method: Method,
    base: Base,
}

/// How parameters are estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The simulated method of moments.
    Smm,
    /// ABC-SMC with this many particles ([`abc`]).
    Abc {
        /// Particles per population.
        particles: usize,
    },
}

/// What a calibration found.
#[derive(Debug, Clone)]
pub struct Calibrated {
    /// Each parameter's estimate and range.
    pub estimates: Vec<Estimate>,
    /// Each target's fit at the estimate, on fresh replications.
    pub fits: Vec<Fit>,
    /// Runs spent.
    pub runs: usize,
    /// ABC: the posterior sample.
    pub posterior: Option<abc::Posterior>,
}

/// One parameter's estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Dotted path.
    pub path: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error (∞ when not identified).
    pub se: f64,
    /// 90 % interval, cut to the prior range.
    pub low: f64,
    /// See `low`.
    pub high: f64,
    /// Whether the targets identify it.
    pub identified: bool,
}

/// One target's fit at the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Figure.
    pub target: String,
    /// Observed value and its sd.
    pub observed: f64,
    /// See `observed`.
    pub sd: f64,
    /// Simulated mean on fresh replications, and its 95 % CI.
    pub simulated: f64,
    /// See `simulated`.
    pub ci95_low: f64,
    /// See `simulated`.
    pub ci95_high: f64,
    /// Whether the observed value is within 1.96 √(sd² + se² + (G Cov Gᵀ)ⱼⱼ) of the
    /// simulated mean.
    pub within: bool,
}

impl Calibration {
    /// The values to write for parameters `theta`: (path, value) pairs.
    fn values(&self, theta: &[f64]) -> Vec<(String, Value)> {
        self.parameters
            .iter()
            .zip(theta)
            .map(|(p, &x)| (p.path.clone(), if p.integer { Value::Integer(x.round() as i64) } else { Value::Float(x) }))
            .collect()
    }

    /// The targets' figures in replication `rep` at `theta`.
    pub fn moments(&self, theta: &[f64], rep: u64) -> Result<Vec<f64>, ExperimentError> {
        let f = self.base.figures(&self.values(theta), self.seed, rep)?;
        Ok(self.targets.iter().map(|t| t.per.map_or(f[t.index], |d| if f[d] != 0.0 { f[t.index] / f[d] } else { 0.0 })).collect())
    }
}

/// Loads a calibration file.
///
/// # Errors
/// [`ExperimentError::Sweep`] at the file's line and column for a malformed file, an
/// unknown figure or path, a bad range or sd, an unsupported method.
pub fn load(path: &Path) -> Result<Calibration, ExperimentError> {
    let src = super::SourceFile::read(path)?;
    let at = |segs: &[Seg], message: String| src.at(segs, message);
    let key = |k: &str| Seg::Key(k.to_string());
    let f: CalibrationFile = src.parse()?;
    let method = match (f.method.as_str(), f.particles) {
        ("smm", None) => Method::Smm,
        ("abc", p) => Method::Abc { particles: p.unwrap_or(64) as usize },
        ("smm", Some(_)) => return Err(at(&[key("particles")], "particles: only for method = \"abc\"".into())),
        (m, _) => return Err(at(&[key("method")], format!("method = {m:?}: must be \"smm\" (the simulated method of moments) or \"abc\" (approximate Bayesian computation, SMC)"))),
    };
    if let (Method::Abc { particles }, true) = (method, f.particles.is_some_and(|p| p < 8)) {
        return Err(at(&[key("particles")], format!("particles = {particles}: must be at least 8")));
    }
    if f.replications < 2 || f.target.is_empty() || f.parameter.is_empty() {
        return Err(at(&[], "give replications ≥ 2, at least one [[target]] and one [[parameter]]".into()));
    }
    let base = Base::load(path, &f.base, &Table::new(), f.days, at)?;
    let mut targets = Vec::new();
    for (i, t) in f.target.iter().enumerate() {
        let loc = |k: &str| [key("target"), Seg::Index(i), key(k)];
        let find = |name: &str| {
            RUN_FIGURES.iter().position(|x| *x == name.trim()).ok_or_else(|| at(&loc("figure"), format!("figure {:?}: must be one of {}, or a ratio of two (\"revenue_yuan / orders\")", t.figure, RUN_FIGURES.join(", "))))
        };
        let (index, per) = match t.figure.split_once('/') {
            Some((a, b)) => (find(a)?, Some(find(b)?)),
            None => (find(&t.figure)?, None),
        };
        if !(t.sd > 0.0 && t.sd.is_finite()) {
            return Err(at(&loc("sd"), format!("sd = {}: must be > 0", t.sd)));
        }
        targets.push(Target { figure: t.figure.clone(), index, per, value: t.value, sd: t.sd, source: t.source.clone() });
    }
    let mut parameters = Vec::new();
    for (i, p) in f.parameter.iter().enumerate() {
        let loc = |k: &str| [key("parameter"), Seg::Index(i), key(k)];
        let current = param::get(&base.full, &p.path).ok_or_else(|| at(&loc("path"), format!("path {:?}: no such field in the base scenario", p.path)))?;
        if p.min.partial_cmp(&p.max) != Some(std::cmp::Ordering::Less) {
            return Err(at(&loc("max"), format!("[{}, {}]: must have min < max", p.min, p.max)));
        }
        parameters.push(Parameter { path: p.path.clone(), min: p.min, max: p.max, integer: current.is_integer() });
    }
    let c = Calibration {
        targets,
        parameters,
        replications: f.replications as usize,
        budget_runs: f.budget_runs as usize,
        seed: f.seed.unwrap_or(base.scenario.run.seed),
        method,
        base,
    };
    for corner in [0.0, 1.0] {
        let theta: Vec<f64> = c.parameters.iter().map(|p| p.min + corner * (p.max - p.min)).collect();
        c.base.scenario_with(&c.values(&theta)).map_err(|e| at(&[key("parameter")], format!("the prior box's corner {theta:?} is not a valid scenario: {e}")))?;
    }
    Ok(c)
}

/// Runs the calibration on `jobs` threads: estimates, fit on `fresh` fresh replications.
///
/// # Errors
/// A run that fails.
pub fn run(c: &Calibration, jobs: usize, fresh: usize) -> Result<Calibrated, ExperimentError> {
    on_threads(c, jobs, |batch| {
        let (estimates, carried, runs, posterior) = estimate(c, batch)?;
        let theta: Vec<f64> = estimates.iter().map(|e| e.estimate).collect();
        let fits = fit(c, &theta, &carried, fresh, batch)?;
        Ok(Calibrated { estimates, fits, runs: runs + fresh, posterior })
    })
}

/// The coverage of the calibration's 90 % ranges over `truths` synthetic truths (see
/// [`coverage`]), on `jobs` threads.
///
/// # Errors
/// A run that fails.
pub fn coverage_study(c: &Calibration, truths: usize, jobs: usize) -> Result<Vec<coverage::Covered>, ExperimentError> {
    on_threads(c, jobs, |batch| coverage::study(c, truths, batch))
}

/// Calls `f` with a batch that simulates (θ, replication) runs of `c` on `jobs` threads.
fn on_threads<T>(c: &Calibration, jobs: usize, f: impl FnOnce(&abc::Batch) -> Result<T, ExperimentError>) -> Result<T, ExperimentError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let batch = |jobs: &[(Vec<f64>, u64)]| -> Result<Vec<Vec<f64>>, ExperimentError> { pool.install(|| jobs.par_iter().map(|(x, r)| c.moments(x, *r)).collect()) };
    f(&batch)
}

/// The parameters' estimates by the calibration's method: estimates, each target's variance
/// carried from the estimate's (SMM), runs spent, the posterior (ABC).
type Estimated = (Vec<Estimate>, Vec<f64>, usize, Option<abc::Posterior>);

fn estimate(c: &Calibration, batch: &abc::Batch) -> Result<Estimated, ExperimentError> {
    Ok(match c.method {
        Method::Smm => {
            let (e, carried, runs) = smm(c, batch)?;
            (e, carried, runs, None)
        }
        Method::Abc { particles } => {
            let post = abc::sample(c, particles, batch)?;
            (abc_estimates(c, &post), vec![0.0; c.targets.len()], post.runs, Some(post))
        }
    })
}

/// Each parameter's posterior mean and weighted 5–95 % quantiles.
fn abc_estimates(c: &Calibration, post: &abc::Posterior) -> Vec<Estimate> {
    c.parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let xs: Vec<(f64, f64)> = post.particles.iter().map(|q| (q.theta[j], q.weight)).collect();
            let mean: f64 = xs.iter().map(|(x, w)| x * w).sum();
            let se = xs.iter().map(|(x, w)| w * (x - mean).powi(2)).sum::<f64>().sqrt();
            let (low, high) = (abc::weighted_quantile(&xs, 0.05), abc::weighted_quantile(&xs, 0.95));
            Estimate { path: p.path.clone(), estimate: mean, se, low, high, identified: (high - low) < 0.5 * (p.max - p.min) }
        })
        .collect()
}

/// The simulated method of moments: estimates, each target's variance carried from the
/// estimate's (`G Cov Gᵀ`), and the runs spent.
fn smm(c: &Calibration, batch: &abc::Batch) -> Result<(Vec<Estimate>, Vec<f64>, usize), ExperimentError> {
    let nt = c.targets.len();
    // The search minimises the distance of the mean moments to the targets.
    let problem = Problem {
        dims: c.parameters.iter().map(|p| if p.integer { Dim::Integer(p.min.ceil() as i64, p.max.floor() as i64) } else { Dim::Real(p.min, p.max) }).collect(),
        objective: 0,
        maximise: false,
        measure: Measure::Distance(c.targets.iter().enumerate().map(|(j, t)| (j, t.value, t.sd)).collect()),
        constraints: Vec::new(),
        replications: c.replications,
        budget_runs: c.budget_runs,
        delta: 0.5,
        alpha: 0.05,
        finalists: 4,
        seed: c.seed,
        second: None,
    };
    let mut eval = |jobs: &[(Vec<f64>, u64)]| batch(jobs);
    let outcome = search::search(&problem, &mut eval)?;
    let theta = outcome.candidates[outcome.chosen].x.clone();
    let mut runs = outcome.runs;
    // Jacobian of the simulated means by central differences, on the same replications.
    let k = c.parameters.len();
    let r = c.replications as u64;
    let mut jobs_list = Vec::new();
    for (j, p) in c.parameters.iter().enumerate() {
        let h = 0.05 * (p.max - p.min);
        for s in [-1.0, 1.0] {
            let mut x = theta.clone();
            x[j] = (x[j] + s * h).clamp(p.min, p.max);
            for rep in 0..r {
                jobs_list.push((x.clone(), rep));
            }
        }
    }
    let out = batch(&jobs_list)?;
    runs += jobs_list.len();
    let mut g = vec![vec![0.0; k]; nt];
    for j in 0..k {
        let mean_at = |side: usize| -> Vec<f64> {
            let base = (2 * j + side) * r as usize;
            (0..nt).map(|t| (0..r as usize).map(|i| out[base + i][t]).sum::<f64>() / r as f64).collect()
        };
        let (lo, hi) = (mean_at(0), mean_at(1));
        let dx = jobs_list[(2 * j + 1) * r as usize].0[j] - jobs_list[2 * j * r as usize].0[j];
        for t in 0..nt {
            g[t][j] = if dx > 0.0 { (hi[t] - lo[t]) / dx } else { 0.0 };
        }
    }
    // GᵀWG, W = diag(1/sd²).
    let mut info = vec![vec![0.0; k]; k];
    for a in 0..k {
        for b in 0..k {
            info[a][b] = (0..nt).map(|t| g[t][a] * g[t][b] / c.targets[t].sd.powi(2)).sum();
        }
    }
    // A parameter is seen by the targets if moving it over half its prior range moves them
    // by at least one sd (in the weighted norm); the others are left out of the inversion.
    let seen: Vec<usize> = (0..k).filter(|&j| info[j][j] * (0.5 * (c.parameters[j].max - c.parameters[j].min)).powi(2) >= 1.0).collect();
    let sub: Vec<Vec<f64>> = seen.iter().map(|&a| seen.iter().map(|&b| info[a][b]).collect()).collect();
    // The sandwich (GᵀWG)⁻¹ GᵀWΩWG (GᵀWG)⁻¹, Ω = diag(sd² + σ²/R): each target's stated
    // uncertainty plus the noise of its simulated mean, σ² measured over the estimate's
    // replications.
    let reps = &outcome.candidates[outcome.chosen].reps;
    let omega: Vec<f64> = (0..nt)
        .map(|t| {
            let xs: Vec<f64> = reps.iter().map(|y| y[t]).collect();
            let m = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
            let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len().max(2) - 1) as f64;
            c.targets[t].sd.powi(2) + var / xs.len().max(1) as f64
        })
        .collect();
    let meat: Vec<Vec<f64>> = seen.iter().map(|&a| seen.iter().map(|&b| (0..nt).map(|t| g[t][a] * g[t][b] * omega[t] / c.targets[t].sd.powi(4)).sum()).collect()).collect();
    let cov: Option<Vec<Vec<f64>>> = invert(&sub).map(|bread| {
        let n = seen.len();
        let bm: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| (0..n).map(|l| bread[i][l] * meat[l][j]).sum()).collect()).collect();
        let mut full = vec![vec![0.0; k]; k];
        for (i, &a) in seen.iter().enumerate() {
            for (j, &b) in seen.iter().enumerate() {
                full[a][b] = (0..n).map(|l| bm[i][l] * bread[l][j]).sum();
            }
        }
        full
    });
    let estimates = c
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let se = match &cov {
                Some(m) if seen.contains(&j) => m[j][j].max(0.0).sqrt(),
                _ => f64::INFINITY,
            };
            let (low, high) = ((theta[j] - 1.645 * se).max(p.min), (theta[j] + 1.645 * se).min(p.max));
            let identified = se.is_finite() && (high - low) < 0.5 * (p.max - p.min);
            Estimate { path: p.path.clone(), estimate: theta[j], se, low, high, identified }
        })
        .collect();
    let carried = (0..nt)
        .map(|t| cov.as_ref().map_or(0.0, |m| (0..k).flat_map(|a| (0..k).map(move |b| (a, b))).map(|(a, b)| g[t][a] * m[a][b] * g[t][b]).sum::<f64>()))
        .collect();
    Ok((estimates, carried, runs))
}

/// Each target's fit at `theta` on `fresh` fresh replications (20 000, …): within when the
/// observed value lies within 1.96 × √(sd² + se² + carried) of the simulated mean.
fn fit(c: &Calibration, theta: &[f64], carried: &[f64], fresh: usize, batch: &abc::Batch) -> Result<Vec<Fit>, ExperimentError> {
    let fresh_jobs: Vec<(Vec<f64>, u64)> = (0..fresh as u64).map(|i| (theta.to_vec(), 20_000 + i)).collect();
    let fresh_out = batch(&fresh_jobs)?;
    Ok(c.targets
        .iter()
        .enumerate()
        .map(|(t, tg)| {
            let xs: Vec<f64> = fresh_out.iter().map(|m| m[t]).collect();
            let ci = mean_ci(&xs, 0.95);
            let se = (ci.hi - ci.lo) / (2.0 * 1.96);
            Fit {
                target: tg.figure.clone(),
                observed: tg.value,
                sd: tg.sd,
                simulated: ci.mean,
                ci95_low: ci.lo,
                ci95_high: ci.hi,
                within: (ci.mean - tg.value).abs() <= 1.96 * (tg.sd.powi(2) + se.powi(2) + carried[t].max(0.0)).sqrt(),
            }
        })
        .collect())
}

/// The inverse of a small symmetric matrix (Gauss–Jordan with partial pivoting); `None`
/// when singular.
fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let scale = m.iter().flatten().fold(0.0f64, |a, &x| a.max(x.abs()));
    if scale == 0.0 {
        return None;
    }
    let mut a: Vec<Vec<f64>> = m.iter().enumerate().map(|(i, row)| row.iter().copied().chain((0..n).map(|j| if i == j { 1.0 } else { 0.0 })).collect()).collect();
    for col in 0..n {
        let piv = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[piv][col].abs() < 1e-12 * scale {
            return None;
        }
        a.swap(col, piv);
        let d = a[col][col];
        a[col].iter_mut().for_each(|x| *x /= d);
        for row in 0..n {
            if row != col {
                let f = a[row][col];
                if f != 0.0 {
                    let pivot_row = a[col].clone();
                    a[row].iter_mut().zip(&pivot_row).for_each(|(x, p)| *x -= f * p);
                }
            }
        }
    }
    Some(a.into_iter().map(|row| row[n..].to_vec()).collect())
}

/// `parameters.csv`: each parameter's estimate, 90 % range, se, whether identified, and its
/// prior range.
pub fn parameters_csv(c: &Calibration, e: &[Estimate]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["parameter", "estimate", "low", "high", "se", "identified", "prior_min", "prior_max"]);
    for (x, p) in e.iter().zip(&c.parameters) {
        let _ = w.write_record([
            x.path.clone(),
            format!("{:.6}", x.estimate),
            format!("{:.6}", x.low),
            format!("{:.6}", x.high),
            format!("{:.6}", x.se),
            x.identified.to_string(),
            format!("{}", p.min),
            format!("{}", p.max),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// `posterior.csv` (ABC): every particle of the last population, its weight, distance and
/// parameter values.
pub fn posterior_csv(c: &Calibration, p: &abc::Posterior) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["particle".to_string(), "weight".into(), "distance".into()];
    head.extend(c.parameters.iter().map(|p| p.path.clone()));
    let _ = w.write_record(&head);
    for (i, q) in p.particles.iter().enumerate() {
        let mut row = vec![i.to_string(), format!("{:.8}", q.weight), format!("{:.6}", q.distance)];
        row.extend(q.theta.iter().map(|x| format!("{x:.6}")));
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// `fit.csv`.
pub fn fit_csv(c: &Calibration, f: &[Fit]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["target", "observed", "sd", "simulated", "ci95_low", "ci95_high", "within", "source"]);
    for (x, t) in f.iter().zip(&c.targets) {
        let _ = w.write_record([
            x.target.clone(),
            format!("{:.6}", x.observed),
            format!("{:.6}", x.sd),
            format!("{:.6}", x.simulated),
            format!("{:.6}", x.ci95_low),
            format!("{:.6}", x.ci95_high),
            x.within.to_string(),
            t.source.clone(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// `calibrated.toml`: the base with the estimates written in (at the base's horizon).
///
/// # Errors
/// An estimate that cannot be written (not expected after [`load`]).
pub fn calibrated_toml(c: &Calibration, e: &[Estimate], header: &str) -> Result<String, ExperimentError> {
    let theta: Vec<f64> = e.iter().map(|x| x.estimate).collect();
    c.base.write(&c.values(&theta), header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_small_matrices() {
        let m = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = invert(&m).unwrap();
        // m · inv = I.
        for (i, row) in m.iter().enumerate() {
            for j in 0..2 {
                let x: f64 = row.iter().zip(&inv).map(|(a, inv_row)| a * inv_row[j]).sum();
                assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
        assert!(invert(&[vec![0.0]]).is_none());
    }
}
