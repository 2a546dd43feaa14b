//! `cesim optimize`: the best decision under uncertainty, with a statistical guarantee.
//!
//! ```toml
//! base = "../forecasting.toml"   # relative to this file
//! replications = 6               # per candidate; replication r of every candidate shares its streams
//! budget_runs = 240              # runs the search and the selection may spend
//! # seed = 7, days = 30          # as in sweeps
//! # delta = 500.0                # indifference zone, objective units (default 1 % of the finalists' mean)
//! # finalists = 4                # candidates that race in the selection
//! [fixed]                        # fields set in every candidate (the problem's setting)
//! "regions.shandong.shock_onset_prob_per_day" = 0.02
//! [objective]                    # or two [[objective]] tables: a Pareto front of the two
//! figure = "profit_yuan"         # any figure of runs.csv
//! sense = "max"                  # or "min"
//! measure = "mean"               # or "cvar:0.1": the mean of the worst 10 % of replications
//! [[decision]]
//! path = "policy.safety_stock_factor"
//! min = 0.0
//! max = 1.0                      # integer fields take integers; `values = [...]` for categories
//! [[shares]]                     # shares that sum to one, e.g. a sourcing split
//! paths = ["sourcing.vegetables.split.veg_farm", "sourcing.vegetables.split.veg_wholesaler"]
//! [[constraint]]
//! figure = "stockout_days"
//! at_most = 2.0                  # or at_least
//! confidence = 0.9               # P(stockout_days ≤ 2) ≥ 0.9 over replications
//! ```
//!
//! The search is [`search`]: a Latin hypercube, shrinking local boxes, then Kim–Nelson
//! selection among the finalists. Outputs: `best.toml` (the base with the chosen decision
//! written in), `best.csv` (every figure of the chosen decision on fresh replications it was
//! not selected on: mean and 95 % CI), `candidates.csv` (every candidate, its estimates and
//! feasibility); with two objectives, `pareto.csv` (up to `front_points` = 8 members of the
//! front on fresh replications) and `best.toml` is the front's compromise. Shards (`--shard
//! i/N` on a shared folder) split every batch's runs and read each other's journals.

pub mod journal;
pub mod search;

use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;
use toml::{Table, Value};

use super::ExperimentError;
use super::runner::Shard;
use super::base::Base;
use super::stats::mean_ci;
use crate::output::RUN_FIGURES;
use crate::scenario::{self, path as param, validate::Seg};
use search::{Chance, Dim, Measure, Outcome, Problem, Second};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptimizeFile {
    base: String,
    #[serde(default = "d_reps")]
    replications: u32,
    budget_runs: u32,
    seed: Option<u64>,
    days: Option<u32>,
    delta: Option<f64>,
    #[serde(default = "d_finalists")]
    finalists: u32,
    /// One objective (`[objective]`), or two (`[[objective]]` twice: a Pareto front).
    objective: Value,
    /// With two objectives: members of the front measured on fresh replications.
    #[serde(default = "d_front_points")]
    front_points: u32,
    #[serde(default)]
    decision: Vec<DecisionFile>,
    #[serde(default)]
    shares: Vec<SharesFile>,
    #[serde(default)]
    constraint: Vec<ConstraintFile>,
    /// Fields set in every candidate (the problem's setting, not decisions).
    #[serde(default)]
    fixed: Table,
}

fn d_reps() -> u32 {
    6
}
fn d_finalists() -> u32 {
    4
}
fn d_front_points() -> u32 {
    8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveFile {
    figure: String,
    sense: String,
    #[serde(default = "d_measure")]
    measure: String,
}

fn d_measure() -> String {
    "mean".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionFile {
    path: String,
    min: Option<f64>,
    max: Option<f64>,
    values: Option<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharesFile {
    paths: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConstraintFile {
    figure: String,
    at_most: Option<f64>,
    at_least: Option<f64>,
    confidence: f64,
}

/// How a decision dimension is written into the scenario.
#[derive(Debug, Clone)]
enum Lever {
    /// One field: a number (integer if the field is).
    Field { path: String, integer: bool },
    /// One field taking one of these values.
    Choice { path: String, values: Vec<Value> },
    /// A share of a group: dimension `first..first + paths.len()` normalised.
    Share { paths: Vec<String>, first: usize },
}

/// A loaded optimisation problem.
#[derive(Debug, Clone)]
pub struct Study {
    /// The search problem (figures indexed as in [`RUN_FIGURES`]).
    pub problem: Problem,
    levers: Vec<Lever>,
    /// Column names of the decision dimensions.
    pub columns: Vec<String>,
    base: Base,
    /// Fingerprint of the study file and its base scenario (the journal's first line).
    pub fingerprint: String,
    /// With two objectives: how many members of the front are measured on fresh replications.
    pub front_points: usize,
}

impl Study {
    /// The values to write for decision `x`: (path, value) pairs.
    pub fn assignments(&self, x: &[f64]) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let mut shares_done = Vec::new();
        for (d, lever) in self.levers.iter().enumerate() {
            match lever {
                Lever::Field { path, integer: true } => out.push((path.clone(), Value::Integer(x[d].round() as i64))),
                Lever::Field { path, integer: false } => out.push((path.clone(), Value::Float(x[d]))),
                Lever::Choice { path, values } => out.push((path.clone(), values[x[d] as usize].clone())),
                Lever::Share { paths, first } => {
                    if shares_done.contains(first) {
                        continue;
                    }
                    shares_done.push(*first);
                    let u = &x[*first..*first + paths.len()];
                    let total: f64 = u.iter().sum();
                    for (i, p) in paths.iter().enumerate() {
                        let s = if total > 0.0 { u[i] / total } else { 1.0 / paths.len() as f64 };
                        out.push((p.clone(), Value::Float(s)));
                    }
                }
            }
        }
        out
    }

    /// The figures of decision `x` in replication `rep`.
    pub fn evaluate(&self, x: &[f64], rep: u64) -> Result<Vec<f64>, ExperimentError> {
        self.base.figures(&self.assignments(x), self.problem.seed, rep)
    }
}

fn figure_index(name: &str) -> Option<usize> {
    RUN_FIGURES.iter().position(|f| *f == name)
}

/// Loads an optimisation file.
///
/// # Errors
/// [`ExperimentError::Sweep`] with the file's line and column for a malformed file, an
/// unknown figure or path, a bad range; [`ExperimentError::Scenario`] for an invalid base.
pub fn load(path: &Path) -> Result<Study, ExperimentError> {
    let src = super::SourceFile::read(path)?;
    let at = |segs: &[scenario::validate::Seg], message: String| src.at(segs, message);
    let key = |k: &str| Seg::Key(k.to_string());
    let f: OptimizeFile = src.parse()?;
    let figures = || RUN_FIGURES.join(", ");
    // One objective as a table, or two as an array of tables.
    let objectives: Vec<(Vec<Seg>, &Value)> = match &f.objective {
        Value::Table(_) => vec![(vec![key("objective")], &f.objective)],
        Value::Array(a) if (1..=2).contains(&a.len()) => a.iter().enumerate().map(|(i, v)| (vec![key("objective"), Seg::Index(i)], v)).collect(),
        _ => return Err(at(&[key("objective")], "give one [objective] table, or two [[objective]] tables (a Pareto front of the two)".into())),
    };
    let mut parsed = Vec::new();
    for (loc, v) in &objectives {
        let o: ObjectiveFile = (*v).clone().try_into().map_err(|e: toml::de::Error| at(loc, format!("objective: {}", e.message())))?;
        let sub = |k: &str| [loc.clone(), vec![key(k)]].concat();
        let figure = figure_index(&o.figure).ok_or_else(|| at(&sub("figure"), format!("figure {:?}: must be one of {}", o.figure, figures())))?;
        let maximise = match o.sense.as_str() {
            "max" => true,
            "min" => false,
            s => return Err(at(&sub("sense"), format!("sense = {s:?}: must be \"max\" or \"min\""))),
        };
        let measure = match o.measure.as_str() {
            "mean" => Measure::Mean,
            m => match m.strip_prefix("cvar:").and_then(|q| q.parse::<f64>().ok()) {
                Some(q) if q > 0.0 && q <= 1.0 && parsed.is_empty() => Measure::Cvar(q),
                Some(_) if !parsed.is_empty() => return Err(at(&sub("measure"), format!("measure = {m:?}: the second objective is a mean (\"mean\")"))),
                _ => return Err(at(&sub("measure"), format!("measure = {m:?}: must be \"mean\" or \"cvar:q\" with q in (0, 1]"))),
            },
        };
        parsed.push((figure, maximise, measure));
    }
    if parsed.len() == 2 && parsed[0].0 == parsed[1].0 {
        return Err(at(&[key("objective"), Seg::Index(1), key("figure")], format!("figure {:?}: the two objectives must be different figures", RUN_FIGURES[parsed[1].0])));
    }
    let second = parsed.get(1).map(|&(figure, maximise, _)| Second { figure, maximise });
    let (objective, maximise, measure) = parsed.swap_remove(0);
    if second.is_some() && f.front_points < 2 {
        return Err(at(&[key("front_points")], format!("front_points = {}: must be at least 2 (the front's two ends)", f.front_points)));
    }
    if f.replications < 2 {
        return Err(at(&[key("replications")], format!("replications = {}: must be at least 2 (the selection needs a variance)", f.replications)));
    }
    if f.decision.is_empty() && f.shares.is_empty() {
        return Err(at(&[], "give at least one [[decision]] or [[shares]]".into()));
    }
    let base = Base::load(path, &f.base, &f.fixed, f.days, at)?;
    let (mut dims, mut levers, mut columns) = (Vec::new(), Vec::new(), Vec::new());
    for (i, d) in f.decision.iter().enumerate() {
        let loc = [key("decision"), Seg::Index(i), key("path")];
        let current = param::get(&base.full, &d.path).ok_or_else(|| at(&loc, format!("path {:?}: no such field in the base scenario", d.path)))?;
        match (&d.values, d.min, d.max) {
            (Some(values), None, None) if !values.is_empty() => {
                dims.push(Dim::Category(values.len()));
                levers.push(Lever::Choice { path: d.path.clone(), values: values.clone() });
            }
            (None, Some(lo), Some(hi)) if lo <= hi => {
                let integer = current.is_integer();
                dims.push(if integer { Dim::Integer(lo.ceil() as i64, hi.floor() as i64) } else { Dim::Real(lo, hi) });
                levers.push(Lever::Field { path: d.path.clone(), integer });
            }
            _ => return Err(at(&[key("decision"), Seg::Index(i)], format!("{}: give min ≤ max, or values = [...]", d.path))),
        }
        columns.push(d.path.clone());
    }
    for (i, g) in f.shares.iter().enumerate() {
        if g.paths.len() < 2 {
            return Err(at(&[key("shares"), Seg::Index(i), key("paths")], "a share group needs at least two paths".into()));
        }
        let first = dims.len();
        for p in &g.paths {
            if param::get(&base.full, p).is_none() {
                return Err(at(&[key("shares"), Seg::Index(i), key("paths")], format!("path {p:?}: no such field in the base scenario")));
            }
            dims.push(Dim::Real(0.0, 1.0));
            levers.push(Lever::Share { paths: g.paths.clone(), first });
            columns.push(format!("{p} (weight)"));
        }
    }
    let mut constraints = Vec::new();
    for (i, c) in f.constraint.iter().enumerate() {
        let loc = |k: &str| [key("constraint"), Seg::Index(i), key(k)];
        let figure = figure_index(&c.figure).ok_or_else(|| at(&loc("figure"), format!("figure {:?}: must be one of {}", c.figure, figures())))?;
        if c.at_most.is_none() && c.at_least.is_none() {
            return Err(at(&[key("constraint"), Seg::Index(i)], "give at_most or at_least".into()));
        }
        if !(c.confidence > 0.0 && c.confidence < 1.0) {
            return Err(at(&loc("confidence"), format!("confidence = {}: must be in (0, 1)", c.confidence)));
        }
        constraints.push(Chance { figure, at_most: c.at_most, at_least: c.at_least, confidence: c.confidence });
    }
    if let Some(d) = f.delta
        && d <= 0.0
    {
        return Err(at(&[key("delta")], format!("delta = {d}: must be > 0")));
    }
    let problem = Problem {
        dims,
        objective,
        maximise,
        measure,
        constraints,
        replications: f.replications as usize,
        budget_runs: f.budget_runs as usize,
        delta: f.delta.unwrap_or(0.0),
        alpha: 0.05,
        finalists: f.finalists.max(2) as usize,
        seed: f.seed.unwrap_or(base.scenario.run.seed),
        second,
    };
    let fingerprint = src.fingerprint(&base.write(&[], "")?);
    let study = Study { problem, levers, columns, base, fingerprint, front_points: f.front_points as usize };
    // The box's corners must make valid scenarios: check the first and last.
    for u in [0.0, 0.999] {
        let x: Vec<f64> = study.problem.dims.iter().map(|d| d.at(u)).collect();
        study.base.scenario_with(&study.assignments(&x)).map_err(|e| at(&[key("decision")], format!("the decision box's corner {x:?} is not a valid scenario: {e}")))?;
    }
    Ok(study)
}

/// What an optimisation found.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The search's outcome.
    pub outcome: Outcome,
    /// The chosen decision's figures on fresh replications (10 000, 10 001, …).
    pub validation: Vec<Vec<f64>>,
    /// With two objectives: up to `front_points` members of the front, evenly spread along
    /// it (its two ends and the chosen compromise among them), ordered by the first
    /// objective, each with its figures on the same fresh replications; else empty.
    pub front: Vec<(usize, Vec<Vec<f64>>)>,
}

/// Up to `m` members of `front` evenly spread along it (both ends kept), and `chosen`.
fn thin(front: &[usize], m: usize, chosen: usize) -> Vec<usize> {
    let n = front.len();
    let mut picked: Vec<usize> = if n <= m { (0..n).collect() } else { (0..m).map(|j| (j * (n - 1) + (m - 1) / 2) / (m - 1)).collect() };
    if let Some(c) = front.iter().position(|&i| i == chosen) {
        picked.push(c);
    }
    picked.sort_unstable();
    picked.dedup();
    picked.into_iter().map(|j| front[j]).collect()
}

/// Runs the optimisation on `jobs` threads; returns the outcome and the chosen decision's
/// figures on `fresh` fresh replications (and, with two objectives, the front's).
/// `progress(runs_done)` is called after each batch (the caller draws; workers never
/// print). With a `journal`, every finished run is journalled and journalled runs are not
/// simulated again (resume after a kill; see [`journal`]).
///
/// With a `shard` i/N (and a journal in a folder the other shards share), this process
/// simulates the runs of each batch whose place in it is i − 1 modulo N, and waits for the
/// others' runs to appear in their journals: every shard retraces the same search and ends
/// with the same outcome.
///
/// # Errors
/// A run that fails; a journal that cannot be written; a shard without a journal.
pub fn run(study: &Study, jobs: usize, fresh: usize, shard: Option<Shard>, mut journal: Option<&mut journal::Journal>, progress: &mut dyn FnMut(usize)) -> Result<Finished, ExperimentError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let mut done = 0usize;
    let mut eval = |batch: &[(Vec<f64>, u64)]| -> Result<Vec<Vec<f64>>, ExperimentError> {
        let known: Vec<Option<Vec<f64>>> = batch.iter().map(|(x, r)| journal.as_deref().and_then(|j| j.get(x, *r).cloned())).collect();
        let mine = |i: usize| shard.is_none_or(|s| i % s.count == s.index - 1);
        let todo: Vec<usize> = (0..batch.len()).filter(|&i| known[i].is_none() && mine(i)).collect();
        // Each run is journalled as soon as it ends (in any order: the journal is keyed).
        let shared = std::sync::Mutex::new(journal.as_deref_mut());
        let new: Vec<Result<Vec<f64>, ExperimentError>> = pool.install(|| {
            todo.par_iter()
                .map(|&i| {
                    let y = study.evaluate(&batch[i].0, batch[i].1)?;
                    if let Some(j) = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_deref_mut() {
                        j.record(&batch[i].0, batch[i].1, &y)?;
                    }
                    Ok(y)
                })
                .collect()
        });
        let mut out = known;
        for (&i, y) in todo.iter().zip(new) {
            out[i] = Some(y?);
        }
        // The other shards' runs, as their journals gain them.
        while out.iter().any(Option::is_none) {
            let j = journal.as_deref_mut().ok_or_else(|| ExperimentError::Refused("a shard needs the folder's journal".into()))?;
            std::thread::sleep(std::time::Duration::from_millis(100));
            j.refresh()?;
            for (i, y) in out.iter_mut().enumerate() {
                if y.is_none() {
                    *y = j.get(&batch[i].0, batch[i].1).cloned();
                }
            }
        }
        done += batch.len();
        progress(done);
        Ok(out.into_iter().flatten().collect())
    };
    let outcome = search::search(&study.problem, &mut eval)?;
    let measured = if outcome.front.is_empty() { vec![outcome.chosen] } else { thin(&outcome.front, study.front_points, outcome.chosen) };
    let cands = &outcome.candidates;
    let batch: Vec<(Vec<f64>, u64)> = measured.iter().flat_map(|&c| (0..fresh as u64).map(move |i| (cands[c].x.clone(), 10_000 + i))).collect();
    let ys = eval(&batch)?;
    let per: Vec<(usize, Vec<Vec<f64>>)> = measured.iter().zip(ys.chunks(fresh.max(1))).map(|(&c, y)| (c, y.to_vec())).collect();
    let validation = per.iter().find(|(c, _)| *c == outcome.chosen).map(|(_, y)| y.clone()).unwrap_or_default();
    let front = if outcome.front.is_empty() { Vec::new() } else { per };
    Ok(Finished { outcome, validation, front })
}

/// `best.csv`: figure, mean, ci95_low, ci95_high of every figure over the fresh replications.
pub fn best_csv(validation: &[Vec<f64>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["figure", "mean", "ci95_low", "ci95_high", "reps"]);
    for (j, name) in RUN_FIGURES.iter().enumerate() {
        let xs: Vec<f64> = validation.iter().map(|y| y[j]).collect();
        let ci = mean_ci(&xs, 0.95);
        let _ = w.write_record([name.to_string(), format!("{:.6}", ci.mean), format!("{:.6}", ci.lo), format!("{:.6}", ci.hi), xs.len().to_string()]);
    }
    w.into_inner().unwrap_or_default()
}

/// `candidates.csv`: every candidate, its decision, replications, objective estimate,
/// each constraint's estimated probability, feasibility, and whether it was chosen.
pub fn candidates_csv(study: &Study, o: &Outcome) -> Vec<u8> {
    let p = &study.problem;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = vec!["candidate".into(), "stage".into()];
    head.extend(study.columns.iter().cloned());
    head.extend(["reps".into(), format!("{}_{}", RUN_FIGURES[p.objective], match p.measure { Measure::Mean => "mean", Measure::Cvar(_) => "cvar", Measure::Distance(_) => "distance" })]);
    if let Some(s) = &p.second {
        head.push(format!("{}_mean", RUN_FIGURES[s.figure]));
    }
    for c in &p.constraints {
        head.push(format!("p_{}_ok", RUN_FIGURES[c.figure]));
    }
    head.extend(["feasible".into(), "chosen".into()]);
    if p.second.is_some() {
        head.push("on_front".into());
    }
    let _ = w.write_record(&head);
    for (i, c) in o.candidates.iter().enumerate() {
        let mut row = vec![i.to_string(), c.stage.to_string()];
        row.extend(c.x.iter().map(|v| format!("{v:.6}")));
        row.push(c.reps.len().to_string());
        row.push(format!("{:.6}", c.estimate(p)));
        if let Some(s) = &p.second {
            let m = c.second_score(p);
            row.push(format!("{:.6}", if s.maximise { m } else { -m }));
        }
        row.extend(p.constraints.iter().map(|k| format!("{:.4}", k.share(&c.reps))));
        row.push(if c.feasible(p) { "yes" } else { "no" }.into());
        row.push(if i == o.chosen { "yes" } else { "" }.into());
        if p.second.is_some() {
            row.push(if o.front.contains(&i) { "yes" } else { "" }.into());
        }
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// `pareto.csv` (two objectives): the front's members measured on fresh replications, in
/// the order of the first objective: point, candidate, the decision, each objective's mean
/// and 95 % CI on the fresh replications, the search's estimates, whether it is the chosen
/// compromise.
pub fn pareto_csv(study: &Study, f: &Finished) -> Vec<u8> {
    let p = &study.problem;
    let figs: Vec<usize> = std::iter::once(p.objective).chain(p.second.as_ref().map(|s| s.figure)).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = vec!["point".into(), "candidate".into()];
    head.extend(study.columns.iter().cloned());
    for &j in &figs {
        head.extend(["mean", "ci95_low", "ci95_high"].iter().map(|s| format!("{}_{s}", RUN_FIGURES[j])));
    }
    head.push("fresh_reps".into());
    head.extend(figs.iter().map(|&j| format!("{}_search", RUN_FIGURES[j])));
    head.extend(["search_reps".into(), "chosen".into()]);
    let _ = w.write_record(&head);
    for (k, (c, ys)) in f.front.iter().enumerate() {
        let cand = &f.outcome.candidates[*c];
        let mut row = vec![k.to_string(), c.to_string()];
        row.extend(cand.x.iter().map(|v| format!("{v:.6}")));
        for &j in &figs {
            let ci = mean_ci(&ys.iter().map(|y| y[j]).collect::<Vec<_>>(), 0.95);
            row.extend([ci.mean, ci.lo, ci.hi].iter().map(|v| format!("{v:.6}")));
        }
        row.push(ys.len().to_string());
        for &j in &figs {
            row.push(format!("{:.6}", cand.reps.iter().map(|y| y[j]).sum::<f64>() / cand.reps.len().max(1) as f64));
        }
        row.push(cand.reps.len().to_string());
        row.push(if *c == f.outcome.chosen { "yes" } else { "" }.into());
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// `best.toml`: the base scenario with decision `x` written in, and a header saying so.
///
/// # Errors
/// A decision that cannot be written (not expected after [`load`]).
pub fn best_toml(study: &Study, x: &[f64], header: &str) -> Result<String, ExperimentError> {
    study.base.write(&study.assignments(x), header)
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn a_front_is_thinned_evenly_keeping_its_ends_and_the_choice() {
        let front: Vec<usize> = (100..120).collect();
        assert_eq!(thin(&front, 4, 110), vec![100, 106, 110, 113, 119]);
        assert_eq!(thin(&front, 2, 100), vec![100, 119]);
        assert_eq!(thin(&front[..3], 8, 101), vec![100, 101, 102]);
    }
}
