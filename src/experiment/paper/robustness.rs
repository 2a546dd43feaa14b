//! How robust each finding is to the inputs the paper's scenarios call assumptions: the
//! claim's scenarios are run again at the points of a Latin hypercube over [`UNCERTAIN`]
//! (each point sets the same values in every scenario of the claim, on the inputs those
//! scenarios share; [`FULL`]: 64 points, 2 paired replications each), and the finding's
//! `robust_share` is the share of points where its mean effect lies on the expected side.
//!
//! An input on which a claim's scenarios differ is the claim's lever, not an assumption:
//! it is left as the scenarios set it.
//!
//! Besides the share (with its Wilson 95 % interval) each finding reports what flips it:
//! the input whose values rank-correlate most with the effect (Spearman ρ), and, where the
//! finding holds on only part of the space, the condition on that input under which it
//! holds (the threshold that best separates the points where it holds from the others).

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use toml::{Table, Value};

use super::{Claim, ExperimentError, kind, scenario_table};
use crate::engine::RunSeed;
use crate::experiment::stats::wilson;
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

/// The size of the robustness design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// Points of the Latin hypercube.
    pub points: usize,
    /// Paired replications at each point.
    pub reps: usize,
}

/// The committed table's design: 64 points, 2 paired replications each.
pub const FULL: Design = Design { points: 64, reps: 2 };
/// `cesim paper --quick`: 16 points, 1 replication each (rough shares; the verdicts are the
/// claims', run as in the full table).
pub const QUICK: Design = Design { points: 16, reps: 1 };

/// A finding's robustness over the uncertain inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Robustness {
    /// Share of the points where the mean effect lies on the expected side.
    pub share: f64,
    /// Wilson 95 % interval of the share.
    pub ci: (f64, f64),
    /// The input most rank-correlated with the effect, and Spearman's ρ.
    pub flips_with: Option<(&'static str, f64)>,
    /// Where it holds on part of the space only: `input > t` or `input < t`.
    pub holds_if: Option<String>,
}

/// Ranks of `xs` (average ranks for ties).
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            r[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (0 when either side is constant).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    if vx <= 0.0 || vy <= 0.0 { 0.0 } else { cov / (vx * vy).sqrt() }
}

/// The threshold on `x` that best separates `held` (rule `x > t` or `x < t`), as text, with
/// the share of points the rule classifies right.
fn condition(name: &str, x: &[f64], held: &[bool]) -> String {
    let mut best = (0usize, f64::NAN, true);
    let mut sorted: Vec<f64> = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    for w in sorted.windows(2) {
        let t = 0.5 * (w[0] + w[1]);
        for above in [true, false] {
            let right = x.iter().zip(held).filter(|&(&xi, &h)| (if above { xi > t } else { xi < t }) == h).count();
            if right > best.0 {
                best = (right, t, above);
            }
        }
    }
    let (right, t, above) = best;
    format!("{name} {} {} ({:.0} % of points right)", if above { ">" } else { "<" }, significant(t), 100.0 * right as f64 / x.len().max(1) as f64)
}

/// `x` with three significant digits.
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// Each claim's robustness (findings only; `None` for identities), in claim order.
///
/// # Errors
/// A scenario that does not load or does not validate at a point, or a run that fails.
pub fn robust_shares(claims: &[Claim], dir: &Path, seed: u64, jobs: usize, size: Design) -> Result<Vec<Option<Robustness>>, ExperimentError> {
    let Design { points, reps } = size;
    let design = latin_hypercube(points, UNCERTAIN.len(), RunSeed::new(seed, 0));
    let mut tables: HashMap<&str, (Table, String)> = HashMap::new();
    for c in claims.iter().filter(|c| kind(c.id) == "finding") {
        for s in c.scenarios {
            if !tables.contains_key(s) {
                tables.insert(s, scenario_table(dir, s)?);
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
            for i in 0..points {
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
                (0..reps)
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
            let effects: Vec<f64> = (0..points)
                .map(|i| {
                    (0..reps)
                        .map(|r| {
                            let set: Vec<&RunReport> = c.scenarios.iter().map(|s| &done[&(*s, i, mask)][r]).collect();
                            (c.effect)(&set)
                        })
                        .sum::<f64>()
                        / reps as f64
                })
                .collect();
            let held: Vec<bool> = effects.iter().map(|&e| c.expect.holds_at(e)).collect();
            let k = held.iter().filter(|&&h| h).count();
            let share = k as f64 / points as f64;
            let column = |j: usize| -> Vec<f64> { (0..points).map(|i| design[i][j]).collect() };
            let flips_with = (0..UNCERTAIN.len())
                .filter(|j| mask & (1 << j) != 0)
                .map(|j| (j, spearman(&column(j), &effects)))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(j, rho)| (UNCERTAIN[j].0, rho));
            let holds_if = match flips_with {
                Some((name, _)) if k > 0 && k < points => {
                    let j = UNCERTAIN.iter().position(|u| u.0 == name).unwrap_or(0);
                    let (lo, hi) = (UNCERTAIN[j].1, UNCERTAIN[j].2);
                    let x: Vec<f64> = column(j).iter().map(|u| lo + u * (hi - lo)).collect();
                    Some(condition(name, &x, &held))
                }
                _ => None,
            };
            Some(Robustness { share, ci: wilson(k, points), flips_with, holds_if })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_its_formula_at_known_points() {
        // 0 of 10: [0, 0.2775]; 5 of 10: [0.2366, 0.7634]; 64 of 64: [0.9434, 1].
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3;
        assert!(close(wilson(0, 10), (0.0, 0.2775)), "{:?}", wilson(0, 10));
        assert!(close(wilson(5, 10), (0.2366, 0.7634)), "{:?}", wilson(5, 10));
        assert!(close(wilson(64, 64), (0.9434, 1.0)), "{:?}", wilson(64, 64));
    }

    #[test]
    fn spearman_and_the_condition_find_the_flipping_input() {
        let x: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| (v - 12.0).powi(3)).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        assert!((spearman(&x, &y.iter().map(|v| -v).collect::<Vec<_>>()) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x, &[1.0; 20]), 0.0);
        let held: Vec<bool> = y.iter().map(|&v| v > 0.0).collect();
        assert_eq!(condition("a", &x, &held), "a > 12.5 (100 % of points right)");
        let below: Vec<bool> = held.iter().map(|h| !h).collect();
        assert!(condition("a", &x, &below).starts_with("a < 12.5"));
    }
}
