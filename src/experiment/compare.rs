//! Paired comparison of two scenarios under common random numbers: replication `r` of
//! both runs with `RunSeed(seed, r)`; for every figure the mean difference `b − a`, its
//! 95 % Student-t CI and two-sided p-value.

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::ExperimentError;
use super::stats::{MeanCi, mean_ci, paired_diff_ci};
use crate::output::{RUN_FIGURES, run_figures};
use crate::scenario::Scenario;

/// One figure compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Figure name (see [`RUN_FIGURES`]).
    pub figure: &'static str,
    /// Mean under `a`.
    pub mean_a: f64,
    /// Mean under `b`.
    pub mean_b: f64,
    /// Paired difference `b − a` with its CI.
    pub diff: MeanCi,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
}

impl Comparison {
    /// Whether the 95 % CI of the difference excludes zero.
    pub fn significant(&self) -> bool {
        self.diff.excludes_zero()
    }
}

/// Runs `reps` replications of `a` and `b` (seed from `a`) on `jobs` threads and compares
/// every figure.
///
/// # Errors
/// [`ExperimentError::Run`] if a run fails an internal check.
pub fn compare(a: &Scenario, b: &Scenario, reps: usize, seed: u64, jobs: usize) -> Result<Vec<Comparison>, ExperimentError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let runs: Vec<Result<[f64; RUN_FIGURES.len()], ExperimentError>> = pool.install(|| {
        (0..2 * reps)
            .into_par_iter()
            .map(|i| {
                let sc = if i < reps { a } else { b };
                let rep = (i % reps) as u64;
                crate::model::run(sc, seed, rep).map(|r| run_figures(&r)).map_err(|e| ExperimentError::Run { run: i, message: e.to_string() })
            })
            .collect()
    });
    let runs: Vec<[f64; RUN_FIGURES.len()]> = runs.into_iter().collect::<Result<_, _>>()?;
    let (ra, rb) = runs.split_at(reps);
    Ok(RUN_FIGURES
        .iter()
        .enumerate()
        .map(|(k, &figure)| {
            let xa: Vec<f64> = ra.iter().map(|r| r[k]).collect();
            let xb: Vec<f64> = rb.iter().map(|r| r[k]).collect();
            let diff = paired_diff_ci(&xa, &xb, 0.95);
            Comparison { figure, mean_a: mean_ci(&xa, 0.95).mean, mean_b: mean_ci(&xb, 0.95).mean, diff, p_value: p_value(&diff) }
        })
        .collect())
}

/// Two-sided p-value of a zero mean for a sample summarised by `ci`.
pub fn p_value(ci: &MeanCi) -> f64 {
    if ci.n < 2 {
        return f64::NAN;
    }
    let se = ci.sd / (ci.n as f64).sqrt();
    if se == 0.0 {
        return if ci.mean == 0.0 { 1.0 } else { 0.0 };
    }
    let t = (ci.mean / se).abs();
    match StudentsT::new(0.0, 1.0, (ci.n - 1) as f64) {
        Ok(d) => 2.0 * (1.0 - d.cdf(t)),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_value_of_a_textbook_t() {
        // n = 5, mean 3, sd √2.5: t = 3/(√2.5/√5) = 4.2426, df 4: p = 0.01324.
        let ci = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert!((p_value(&ci) - 0.013_24).abs() < 1e-4, "{}", p_value(&ci));
        assert_eq!(p_value(&mean_ci(&[0.0, 0.0, 0.0], 0.95)), 1.0);
    }
}
