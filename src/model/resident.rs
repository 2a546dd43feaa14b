//! Residents (households), kept as a struct of arrays: one entry per resident in each
//! column, residents of a leader stored contiguously.
//!
//! Ordering. Each evening every active resident first may leave for reasons outside the
//! model (probability `base_churn_prob_per_day`), then orders with probability
//! `order_prob × min(1, satisfaction / satisfaction_initial)`; an order holds one unit of
//! each product `p` with probability `basket_prob[p]` (an empty basket is no order).
//!
//! Satisfaction and churn (the rule the README documents). After a pickup with no problem
//! satisfaction moves `recovery_rate` of the way to 1; otherwise it drops by
//! `stockout_penalty` per missing unit plus `defect_penalty` per defective unit. A resident
//! whose satisfaction falls below `churn_threshold` churns: stops ordering for good.
//!
//! No allocation and no event per resident: the per-day loops run over index ranges.

use std::ops::Range;

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};

use crate::scenario::ResidentsConfig;

/// Parameters of ordering and satisfaction shared by all residents.
#[derive(Debug, Clone)]
pub struct ResidentParams {
    /// Mean initial satisfaction.
    pub satisfaction_initial: f64,
    /// Share of the way to 1 after a good pickup.
    pub recovery_rate: f64,
    /// Loss per missing unit.
    pub stockout_penalty: f64,
    /// Loss per defective unit.
    pub defect_penalty: f64,
    /// Churn below this satisfaction.
    pub churn_threshold: f64,
    /// Daily probability of leaving anyway.
    pub base_churn_prob_per_day: f64,
    /// Defect margin at hand-over, as a share of mean shelf life.
    pub quality_margin_share: f64,
}

/// All residents of a run.
#[derive(Debug, Clone)]
pub struct Residents {
    /// Daily order probability when fully satisfied, per resident.
    pub order_prob: Vec<f32>,
    /// Satisfaction in [0, 1], per resident.
    pub satisfaction: Vec<f32>,
    /// Whether the resident still shops on the platform.
    pub active: Vec<bool>,
    /// Products ordered at the last cut-off (bit `p` = one unit of product `p`), per resident.
    pub basket: Vec<u64>,
    /// Shared parameters.
    pub params: ResidentParams,
}

/// What one evening's ordering of one leader's residents produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderTally {
    /// Residents who placed an order.
    pub orders: u32,
    /// Residents who left for reasons outside the model.
    pub churned: u32,
}

impl Residents {
    /// An empty population with the given parameters.
    pub fn new(c: &ResidentsConfig) -> Self {
        Residents {
            order_prob: Vec::new(),
            satisfaction: Vec::new(),
            active: Vec::new(),
            basket: Vec::new(),
            params: ResidentParams {
                satisfaction_initial: c.satisfaction_initial,
                recovery_rate: c.recovery_rate,
                stockout_penalty: c.stockout_penalty,
                defect_penalty: c.defect_penalty,
                churn_threshold: c.churn_threshold,
                base_churn_prob_per_day: c.base_churn_prob_per_day,
                quality_margin_share: c.quality_margin_share,
            },
        }
    }

    /// Number of residents (active or not).
    pub fn len(&self) -> usize {
        self.active.len()
    }

    /// Whether there are no residents.
    pub fn is_empty(&self) -> bool {
        self.active.is_empty()
    }

    /// Residents still active.
    pub fn active_count(&self) -> usize {
        self.active.iter().filter(|&&a| a).count()
    }

    /// Appends `n` residents drawn from `c`; returns their index range.
    pub fn add<R: Rng + ?Sized>(&mut self, n: usize, c: &ResidentsConfig, rng: &mut R) -> Range<usize> {
        let start = self.len();
        let beta = |mean: f64, k: f64| Beta::new(mean * k, (1.0 - mean) * k);
        // Means are validated in (0, 1) and concentrations > 0, so both Betas exist; a
        // mean of exactly 1 (allowed for order_prob) is handled as a constant.
        let order = beta(c.order_prob_per_day, c.order_prob_concentration).ok();
        let sat = beta(c.satisfaction_initial, c.satisfaction_concentration).ok();
        for _ in 0..n {
            let p = order.as_ref().map_or(c.order_prob_per_day, |b| b.sample(rng));
            let s = sat.as_ref().map_or(c.satisfaction_initial, |b| b.sample(rng));
            self.order_prob.push(p as f32);
            self.satisfaction.push(s as f32);
            self.active.push(true);
            self.basket.push(0);
        }
        start..self.len()
    }

    /// Evening ordering for the residents in `range`. Adds one to `orders[p]` for each unit
    /// of product `p` ordered; `basket_threshold[p]` is `basket_prob[p]` scaled to `u64`.
    pub fn place_orders<R: Rng + ?Sized>(
        &mut self,
        range: Range<usize>,
        basket_threshold: &[u64],
        orders: &mut [u32],
        rng: &mut R,
    ) -> OrderTally {
        let mut tally = OrderTally::default();
        let base = self.params.base_churn_prob_per_day;
        let inv_sat0 = 1.0 / self.params.satisfaction_initial;
        for r in range {
            self.basket[r] = 0;
            if !self.active[r] {
                continue;
            }
            let u: f64 = rng.random();
            if u < base {
                self.active[r] = false;
                tally.churned += 1;
                continue;
            }
            // Conditional on u ≥ base, (u − base)/(1 − base) is again uniform on [0, 1).
            let v = (u - base) / (1.0 - base);
            let p = self.order_prob[r] as f64 * (self.satisfaction[r] as f64 * inv_sat0).min(1.0);
            if v >= p {
                continue;
            }
            let mut basket = 0u64;
            for (i, &t) in basket_threshold.iter().enumerate() {
                if rng.next_u64() < t {
                    basket |= 1 << i;
                    orders[i] += 1;
                }
            }
            if basket != 0 {
                self.basket[r] = basket;
                tally.orders += 1;
            }
        }
        tally
    }

    /// Updates resident `r` after a pickup with `missing` units out of stock and
    /// `defective` defective units. Returns true if the resident churns now.
    pub fn record_pickup(&mut self, r: usize, missing: u32, defective: u32) -> bool {
        let p = &self.params;
        let s = self.satisfaction[r] as f64;
        let s = if missing == 0 && defective == 0 {
            s + p.recovery_rate * (1.0 - s)
        } else {
            (s - p.stockout_penalty * missing as f64 - p.defect_penalty * defective as f64).max(0.0)
        };
        self.satisfaction[r] = s as f32;
        if s < p.churn_threshold && self.active[r] {
            self.active[r] = false;
            return true;
        }
        false
    }
}

/// `prob` in [0, 1] as a threshold for comparing with a uniform `u64`.
pub fn u64_threshold(prob: f64) -> u64 {
    if prob >= 1.0 { u64::MAX } else { (prob * 18_446_744_073_709_551_616.0) as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    fn config() -> ResidentsConfig {
        ResidentsConfig::default()
    }

    #[test]
    fn good_pickup_recovers_bad_pickup_hurts_and_churns() {
        let c = ResidentsConfig { satisfaction_concentration: 1e6, ..config() };
        let mut res = Residents::new(&c);
        let mut rng = RunSeed::new(1, 0).stream("t", 0, 0);
        res.add(2, &c, &mut rng);
        let s0 = res.satisfaction[0];
        assert!(!res.record_pickup(0, 0, 0));
        assert!(res.satisfaction[0] > s0);
        // 0.8 − 3 × 0.12 = 0.44 < 0.45: churns.
        assert!(res.record_pickup(1, 0, 3));
        assert!(!res.active[1]);
        assert_eq!(res.active_count(), 1);
    }

    #[test]
    fn order_rate_matches_probability() {
        let c = ResidentsConfig { order_prob_per_day: 0.3, base_churn_prob_per_day: 0.0, ..config() };
        let mut res = Residents::new(&c);
        let mut rng = RunSeed::new(2, 0).stream("t", 0, 0);
        let range = res.add(20_000, &c, &mut rng);
        let thresholds = [u64_threshold(1.0), u64_threshold(0.5)];
        let mut orders = [0u32; 2];
        let t = res.place_orders(range, &thresholds, &mut orders, &mut rng);
        // Satisfaction starts near its mean, so the order rate is near 0.3 (± 5 s.e.).
        let rate = t.orders as f64 / 20_000.0;
        assert!((rate - 0.3).abs() < 0.02, "rate {rate}");
        assert_eq!(orders[0], t.orders);
        let half = orders[1] as f64 / orders[0] as f64;
        assert!((half - 0.5).abs() < 0.04, "share {half}");
    }
}
