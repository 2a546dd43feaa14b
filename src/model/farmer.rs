//! Farmers by region: the weather that decides how much of a supplier's normal yield is
//! there to harvest.
//!
//! Each region runs a random shock process: on a day with no shock on, a shock starts with
//! probability `shock_onset_prob_per_day` (stream `("weather", region, day)`), then cuts
//! the yield of every supplier in the region by `shock_depth` for `shock_days` days.
//! Scheduled `yield` shocks from `[[shocks]]` add to it; where both are on, the deeper one
//! counts.

use super::streams;
use rand::RngExt;

use crate::engine::RunSeed;
use crate::scenario::RegionConfig;

/// A growing region and its weather state.
#[derive(Debug, Clone)]
pub struct Region {
    /// Name from the scenario.
    pub name: String,
    onset_prob: f64,
    depth: f64,
    days: u32,
    /// Days left of the current random shock (0 = none on).
    left: u32,
}

impl Region {
    /// From its scenario entry, with no shock on.
    pub fn new(c: &RegionConfig) -> Self {
        Region { name: c.name.clone(), onset_prob: c.shock_onset_prob_per_day, depth: c.shock_depth, days: c.shock_days, left: 0 }
    }

    /// Advances the weather to `day` (call once per day, in order) and returns the share of
    /// yield lost to a random shock on that day.
    pub fn weather(&mut self, seed: &RunSeed, index: usize, day: u64) -> f64 {
        if self.left == 0 && self.onset_prob > 0.0 {
            let mut rng = seed.stream(streams::WEATHER, index as u64, day);
            if rng.random_bool(self.onset_prob) {
                self.left = self.days;
            }
        }
        if self.left > 0 {
            self.left -= 1;
            self.depth
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shock_frequency_matches_onset_probability() {
        // With onset p and duration D, the long-run share of shocked days is
        // D·p / (1 + (D − 1)·p) (a renewal process with mean cycle 1/p + D − 1... days).
        let c = RegionConfig { name: "r".into(), shock_onset_prob_per_day: 0.02, shock_depth: 0.6, shock_days: 10 };
        let mut r = Region::new(&c);
        let seed = RunSeed::new(3, 0);
        let n = 200_000u64;
        let shocked = (0..n).filter(|&d| r.weather(&seed, 0, d) > 0.0).count() as f64 / n as f64;
        let p: f64 = 0.02;
        let expect = 10.0 * p / (1.0 + 9.0 * p);
        assert!((shocked - expect).abs() < 0.01, "shocked share {shocked}, expected {expect}");
    }
}
