//! How robust each finding is to the inputs the paper's scenarios call assumptions: the
//! claim's scenarios are run again at [`POINTS`] points of a Latin hypercube over
//! [`UNCERTAIN`] (each point sets the same values in every scenario of the claim, on the
//! inputs those scenarios share), [`REPS`] paired replications each, and the finding's
//! `robust_share` is the share of points where its mean effect lies on the expected side.
//!
//! An input on which a claim's scenarios differ is the claim's lever, not an assumption:
//! it is left as the scenarios set it.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use toml::{Table, Value};

use super::{Claim, ExperimentError, kind};
use crate::engine::RunSeed;
use crate::experiment::sweep::latin_hypercube;
use crate::model::RunReport;
use crate::scenario::{self, path};

/// Inputs the scenarios call assumptions (docs/model.md Sources: no figures exist for
/// consumers' trust and churn, the shops' temperatures), with the ranges tested.
pub const UNCERTAIN: &[(&str, f64, f64)] = &[
    ("residents.trust_initial", 0.65, 0.9),
    ("residents.stockout_penalty", 0.03, 0.12),
    ("residents.defect_penalty", 0.06, 0.24),
    ("residents.recovery_rate", 0.05, 0.2),
    ("residents.order_prob_per_day", 0.08, 0.16),
    ("residents.base_churn_prob_per_day", 0.0001, 0.0006),
    ("leaders.storage_temp_c", 15.0, 28.0),
    ("reputation.word_of_mouth_penalty", 0.01, 0.06),
];

/// Points of the Latin hypercube.
pub const POINTS: usize = 16;
/// Paired replications at each point.
pub const REPS: usize = 2;

/// Each claim's `robust_share` (findings only; `None` for identities), in claim order.
///
/// # Errors
/// A scenario that does not load or does not validate at a point, or a run that fails.
pub fn robust_shares(claims: &[Claim], dir: &Path, seed: u64, jobs: usize) -> Result<Vec<Option<f64>>, ExperimentError> {
    let design = latin_hypercube(POINTS, UNCERTAIN.len(), RunSeed::new(seed, 0));
    let mut tables: HashMap<&str, (Table, String)> = HashMap::new();
    for c in claims.iter().filter(|c| kind(c.id) == "finding") {
        for s in c.scenarios {
            if !tables.contains_key(s) {
                let file = dir.join(format!("{s}.toml"));
                let text = std::fs::read_to_string(&file).map_err(|e| ExperimentError::Io(format!("{}: {e}", file.display())))?;
                let t: Table = toml::from_str(&text).map_err(|e| ExperimentError::Io(format!("{}: {e}", file.display())))?;
                tables.insert(s, (t, file.display().to_string()));
            }
        }
    }
    // The inputs each finding may vary: those on which all its scenarios agree.
    let varied: Vec<u32> = claims
        .iter()
        .map(|c| {
            let mut mask = 0u32;
            for (j, (p, _, _)) in UNCERTAIN.iter().enumerate() {
                let values: Vec<Option<&Value>> = c.scenarios.iter().map(|s| tables.get(s).and_then(|(t, _)| path::get(t, p))).collect();
                if values.windows(2).all(|w| w[0] == w[1]) {
                    mask |= 1 << j;
                }
            }
            mask
        })
        .collect();
    // Every (scenario, point, inputs varied) the findings need, run once.
    let mut jobs_list: Vec<(&str, usize, u32)> = Vec::new();
    for (c, &mask) in claims.iter().zip(&varied) {
        if kind(c.id) != "finding" {
            continue;
        }
        for s in c.scenarios {
            for i in 0..POINTS {
                jobs_list.push((s, i, mask));
            }
        }
    }
    jobs_list.sort();
    jobs_list.dedup();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let runs: Vec<Result<Vec<RunReport>, ExperimentError>> = pool.install(|| {
        jobs_list
            .par_iter()
            .map(|&(s, i, mask)| {
                let (t, file) = &tables[s];
                let mut t = t.clone();
                for (j, (p, lo, hi)) in UNCERTAIN.iter().enumerate() {
                    if mask & (1 << j) != 0 {
                        path::set(&mut t, p, Value::Float(lo + design[i][j] * (hi - lo))).map_err(|e| ExperimentError::Io(format!("{file}: {p}: {e}")))?;
                    }
                }
                let text = toml::to_string(&t).map_err(|e| ExperimentError::Io(e.to_string()))?;
                let sc = scenario::parse_str(&text, file)?;
                (0..REPS)
                    .map(|r| crate::model::run(&sc, seed, r as u64).map_err(|e| ExperimentError::Run { run: i, message: format!("{s} at robustness point {i}: {e}") }))
                    .collect()
            })
            .collect()
    });
    let mut done: HashMap<(&str, usize, u32), Vec<RunReport>> = HashMap::new();
    for (key, r) in jobs_list.into_iter().zip(runs) {
        done.insert(key, r?);
    }
    Ok(claims
        .iter()
        .zip(&varied)
        .map(|(c, &mask)| {
            if kind(c.id) != "finding" {
                return None;
            }
            let held = (0..POINTS)
                .filter(|&i| {
                    let effects: Vec<f64> = (0..REPS)
                        .map(|r| {
                            let set: Vec<&RunReport> = c.scenarios.iter().map(|s| &done[&(*s, i, mask)][r]).collect();
                            (c.effect)(&set)
                        })
                        .collect();
                    c.expect.holds_at(effects.iter().sum::<f64>() / REPS as f64)
                })
                .count();
            Some(held as f64 / POINTS as f64)
        })
        .collect())
}
