//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, the population
//! Monte Carlo of Beaumont, Cornuet, Marin & Robert 2009, *Biometrika* 96:983–990; Toni et
//! al. 2009): a population of parameter values (particles) is carried through shrinking
//! tolerances on the distance of its simulated targets to the observed ones, and the last
//! population is a sample of the posterior.
//!
//! - Distance: `d(θ) = Σ_j ((m_j(θ) − m̂_j) / sd_j)²`, `m_j` a target's mean over the
//!   calibration's replications — each particle on replications of its own, so the
//!   posterior carries the simulation's noise.
//! - Generation 0: `particles` values from the prior (uniform on the box, a Latin
//!   hypercube), all kept.
//! - Generation t: tolerance `ε_t` = the previous population's weighted median distance, but
//!   never below `ε_min` = the 90 % quantile of χ² with one degree of freedom per target (a
//!   model at the truth meets it in 9 of 10 draws of targets with the stated sds). Proposals
//!   pick a particle by weight and move it by a Gaussian of twice the population's weighted
//!   variance per parameter (inside the prior box); a proposal is kept when `d ≤ ε_t`, with
//!   weight `1 / Σ_j w_j K(θ | θ_j)` (uniform prior).
//! - Once at `ε_min`, a last generation keeps each proposal with probability `exp(−d/2)`:
//!   the targets' stated sds as a normal error model, under which the sample is the exact
//!   posterior (Wilkinson 2013, *Stat. Appl. Genet. Mol. Biol.* 12:129–141).
//! - If the budget of runs ends first, the last complete population is kept (and the
//!   output says the tolerance it reached).
//!
//! Each parameter's estimate is its posterior mean, its 90 % interval the weighted 5 % and
//! 95 % quantiles; it is not identified when that interval is wider than half its prior range
//! (the targets leave it near its prior).

use rand::RngExt;
use rand_distr::{Distribution, Normal};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::Calibration;
use crate::engine::RunSeed;
use crate::experiment::ExperimentError;
use crate::experiment::sweep::latin_hypercube;

/// A particle of the posterior sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    /// Parameter values.
    pub theta: Vec<f64>,
    /// Normalised weight.
    pub weight: f64,
    /// Distance of its simulated targets to the observed ones.
    pub distance: f64,
}

/// What the sampler reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// The last complete population.
    pub particles: Vec<Particle>,
    /// Its tolerance.
    pub epsilon: f64,
    /// The tolerance aimed at (χ²₀.₉ with one degree per target).
    pub epsilon_min: f64,
    /// Generations run after the prior's.
    pub generations: usize,
    /// Whether the last generation, under the normal error model, was completed.
    pub exact: bool,
    /// Runs spent.
    pub runs: usize,
}

/// Evaluates a batch of (θ, replication) runs: each run's targets.
pub type Batch<'a> = dyn Fn(&[(Vec<f64>, u64)]) -> Result<Vec<Vec<f64>>, ExperimentError> + 'a;

fn distance(c: &Calibration, m: &[f64]) -> f64 {
    c.targets.iter().zip(m).map(|(t, x)| ((x - t.value) / t.sd).powi(2)).sum()
}

/// The weighted `q`-quantile of `xs` (weights summing to one).
pub fn weighted_quantile(xs: &[(f64, f64)], q: f64) -> f64 {
    let mut v: Vec<(f64, f64)> = xs.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut acc = 0.0;
    for &(x, w) in &v {
        acc += w;
        if acc >= q - 1e-12 {
            return x;
        }
    }
    v.last().map_or(f64::NAN, |x| x.0)
}

/// Runs ABC-SMC with `particles` particles; `batch` simulates.
///
/// # Errors
/// A run that fails.
pub fn sample(c: &Calibration, particles: usize, batch: &Batch) -> Result<Posterior, ExperimentError> {
    let n = particles.max(8);
    let k = c.parameters.len();
    let r = c.replications as u64;
    let epsilon_min = ChiSquared::new(c.targets.len() as f64).map_or(1.0, |d| d.inverse_cdf(0.9));
    let mut next_rep = 1_000_000u64;
    let mut runs = 0usize;
    let mut simulate = |thetas: Vec<Vec<f64>>, runs: &mut usize| -> Result<Vec<(Vec<f64>, f64)>, ExperimentError> {
        // Particle i runs replications next_rep + r·i, …: its own, never another's.
        let jobs: Vec<(Vec<f64>, u64)> = thetas.iter().enumerate().flat_map(|(i, t)| (0..r).map(move |x| (t.clone(), next_rep + r * i as u64 + x))).collect();
        next_rep += r * thetas.len() as u64;
        *runs += jobs.len();
        let out = batch(&jobs)?;
        Ok(thetas
            .into_iter()
            .zip(out.chunks(r as usize))
            .map(|(t, reps)| {
                let mean: Vec<f64> = (0..c.targets.len()).map(|j| reps.iter().map(|m| m[j]).sum::<f64>() / r as f64).collect();
                let d = distance(c, &mean);
                (t, d)
            })
            .collect())
    };
    // Generation 0: the prior.
    let unit = latin_hypercube(n, k, RunSeed::new(c.seed, 0));
    let thetas: Vec<Vec<f64>> = unit.iter().map(|u| c.parameters.iter().zip(u).map(|(p, &u)| p.min + u * (p.max - p.min)).collect()).collect();
    let mut pop: Vec<Particle> = simulate(thetas, &mut runs)?.into_iter().map(|(theta, distance)| Particle { theta, weight: 1.0 / n as f64, distance }).collect();
    let mut epsilon = f64::INFINITY;
    let mut generations = 0;
    let mut rng = RunSeed::new(c.seed, 0).stream("calibrate_abc", 0, 0);
    let mut exact = false;
    loop {
        // Shrinking tolerances down to ε_min; then one last generation that keeps a proposal
        // with probability exp(−d/2): the targets' stated uncertainty as a normal error
        // model, which makes the sample the posterior under it (Wilkinson 2013).
        let last = epsilon <= epsilon_min;
        let target = weighted_quantile(&pop.iter().map(|p| (p.distance, p.weight)).collect::<Vec<_>>(), 0.5).max(epsilon_min);
        // The kernel: twice the weighted variance of each parameter.
        let sd: Vec<f64> = (0..k)
            .map(|j| {
                let m: f64 = pop.iter().map(|p| p.weight * p.theta[j]).sum();
                let v: f64 = pop.iter().map(|p| p.weight * (p.theta[j] - m).powi(2)).sum();
                (2.0 * v).sqrt().max(1e-6 * (c.parameters[j].max - c.parameters[j].min))
            })
            .collect();
        let cumulative: Vec<f64> = pop.iter().scan(0.0, |a, p| { *a += p.weight; Some(*a) }).collect();
        let mut next: Vec<Particle> = Vec::new();
        let mut tried = 0usize;
        while next.len() < n && runs + (n - next.len()).max(8) * r as usize <= c.budget_runs && tried < 200 * n {
            let want = (n - next.len()).max(8);
            let proposals: Vec<Vec<f64>> = (0..want)
                .map(|_| {
                    let u: f64 = rng.random::<f64>() * cumulative.last().copied().unwrap_or(1.0);
                    let j = cumulative.iter().position(|&x| x >= u).unwrap_or(pop.len() - 1);
                    c.parameters
                        .iter()
                        .enumerate()
                        .map(|(d, p)| {
                            let kernel = Normal::new(pop[j].theta[d], sd[d]).expect("a positive sd");
                            (0..100).map(|_| kernel.sample(&mut rng)).find(|x| (p.min..=p.max).contains(x)).unwrap_or(pop[j].theta[d])
                        })
                        .collect()
                })
                .collect();
            tried += want;
            for (theta, d) in simulate(proposals, &mut runs)? {
                let keep = if last { rng.random::<f64>() < (-0.5 * d).exp() } else { d <= target };
                if keep && next.len() < n {
                    let density: f64 = pop.iter().map(|q| q.weight * (0..k).map(|a| (-0.5 * ((theta[a] - q.theta[a]) / sd[a]).powi(2)).exp() / sd[a]).product::<f64>()).sum();
                    next.push(Particle { theta, weight: 1.0 / density.max(1e-300), distance: d });
                }
            }
        }
        if next.len() < n {
            // The budget ended inside this generation: the last complete one stands.
            break;
        }
        let total: f64 = next.iter().map(|p| p.weight).sum();
        next.iter_mut().for_each(|p| p.weight /= total);
        pop = next;
        generations += 1;
        if last {
            exact = true;
            break;
        }
        epsilon = target;
    }
    Ok(Posterior { particles: pop, epsilon, epsilon_min, generations, runs, exact })
}

#[cfg(test)]
mod tests {
    use super::weighted_quantile;

    #[test]
    fn weighted_quantiles() {
        let xs = [(3.0, 0.25), (1.0, 0.25), (2.0, 0.5)];
        assert_eq!(weighted_quantile(&xs, 0.2), 1.0);
        assert_eq!(weighted_quantile(&xs, 0.5), 2.0);
        assert_eq!(weighted_quantile(&xs, 0.75), 2.0);
        assert_eq!(weighted_quantile(&xs, 0.8), 3.0);
    }
}
