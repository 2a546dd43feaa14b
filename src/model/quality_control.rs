//! Quality control at the central warehouse (docs/model.md §4.1.1, §5.1.1, §5.1.3).
//!
//! - **Audit policy** decides which incoming lots are sampled: none under `self_check`
//!   (the supplier's own check only), every lot under `recheck`, a random share
//!   `spot_rate` under `spot`.
//! - **Acceptance sampling** of a sampled lot: inspect `n` units, reject the lot if more
//!   than `c` are defective. Each unit is defective with the lot's defect rate `d`, so a
//!   lot is accepted with probability `Σ_{k≤c} C(n,k) d^k (1−d)^(n−k)` (the plan's
//!   operating characteristic, [`acceptance_probability`]). A sampled lot with a false
//!   origin label is caught and rejected too. Rejected lots go back to the supplier.
//! - **Sorting**: sorters remove each defective unit of an accepted lot unless they are
//!   lax (probability `sorter_laxity`); the removed units are counted at stage
//!   `qc_sorted`, and the lot's defect rate falls to `d·laxity / (1 − d·(1 − laxity))`.

use rand::{Rng, RngExt};
use statrs::distribution::{Binomial as BinomialDist, DiscreteCDF};

use super::lot::binomial;
use crate::scenario::{Audit, QcConfig};

/// What inspection and sorting did to one lot.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Inspection {
    /// Whether the lot was sampled.
    pub sampled: bool,
    /// Whether it was rejected (sent back).
    pub rejected: bool,
    /// Whether a false origin label was caught.
    pub false_origin_caught: bool,
    /// Units the sorters removed (accepted lots only).
    pub sorted_out: u32,
    /// Defect rate of the accepted units after sorting.
    pub defect_rate_after: f64,
}

/// Inspects and sorts a lot of `qty` units with defect rate `defect_rate`.
pub fn inspect<R: Rng + Clone>(qc: &QcConfig, qty: u32, defect_rate: f64, false_origin: bool, rng: &mut R) -> Inspection {
    let sampled = match qc.audit {
        Audit::SelfCheck => false,
        Audit::Recheck => true,
        Audit::Spot => rng.random_bool(qc.spot_rate),
    };
    let mut out = Inspection { sampled, ..Inspection::default() };
    if sampled {
        let defects = binomial(qc.sample_size, defect_rate, rng);
        out.false_origin_caught = false_origin;
        if defects > qc.accept_max_defects || false_origin {
            out.rejected = true;
            return out;
        }
    }
    let removed_p = defect_rate * (1.0 - qc.sorter_laxity);
    out.sorted_out = binomial(qty, removed_p, rng);
    out.defect_rate_after = if removed_p >= 1.0 { 0.0 } else { defect_rate * qc.sorter_laxity / (1.0 - removed_p) };
    out
}

/// Probability the plan (`n`, `c`) accepts a lot with defect rate `d`: the binomial CDF at `c`.
pub fn acceptance_probability(n: u32, c: u32, d: f64) -> f64 {
    match BinomialDist::new(d.clamp(0.0, 1.0), n as u64) {
        Ok(b) => b.cdf(c as u64),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    fn qc(audit: Audit) -> QcConfig {
        QcConfig { audit, sample_size: 20, accept_max_defects: 1, sorter_laxity: 0.3, ..QcConfig::default() }
    }

    #[test]
    fn oc_curve_matches_simulation() {
        // The simulated acceptance rate of a sampling plan matches its binomial
        // operating characteristic within 4 standard errors, at several defect rates.
        let plan = qc(Audit::Recheck);
        let mut rng = RunSeed::new(5, 0).stream("qc", 0, 0);
        let lots = 20_000;
        for d in [0.01, 0.05, 0.1, 0.2] {
            let accepted = (0..lots).filter(|_| !inspect(&plan, 500, d, false, &mut rng).rejected).count() as f64 / lots as f64;
            let p = acceptance_probability(20, 1, d);
            let se = (p * (1.0 - p) / lots as f64).sqrt();
            assert!((accepted - p).abs() < 4.0 * se + 1e-9, "d {d}: simulated {accepted}, OC {p}");
        }
        // Known value: n = 20, c = 1, d = 0.05 → 0.95^20 + 20·0.05·0.95^19 = 0.735840…
        assert!((acceptance_probability(20, 1, 0.05) - 0.735_839_7).abs() < 1e-6);
    }

    #[test]
    fn self_check_samples_nothing_and_sorting_lowers_defects() {
        let mut rng = RunSeed::new(6, 0).stream("qc", 0, 0);
        let r = inspect(&qc(Audit::SelfCheck), 1000, 0.1, true, &mut rng);
        assert!(!r.sampled && !r.rejected);
        assert!(r.sorted_out > 0);
        assert!(r.defect_rate_after < 0.1);
        let caught = inspect(&qc(Audit::Recheck), 1000, 0.0, true, &mut rng);
        assert!(caught.rejected && caught.false_origin_caught);
    }
}
