//! Product: price, cost, weight and how fast it perishes.
//!
//! Decay model. A unit's age is counted in *0 °C-equivalent hours*: an hour at `T` °C adds
//! `q10^(T/10)` of them (the Q10 rule; USDA Handbook 66 gives Q10 ≈ 2–4 for produce). Each
//! unit of a lot has its own shelf life, normal with mean `shelf_life_hours_at_0c` and
//! coefficient of variation `shelf_life_cv` (truncated at zero). A unit whose age passes its
//! shelf life is spoiled. So the share of a lot's surviving units that spoil while its age
//! goes from `a0` to `a1` is `(F(a1) − F(a0)) / (1 − F(a0))`, `F` the shelf-life CDF.

use statrs::function::erf::erfc;

use crate::scenario::ProductConfig;

/// A product (SKU), ready for simulation.
#[derive(Debug, Clone)]
pub struct Product {
    /// Name from the scenario.
    pub name: String,
    /// Index of its supplier.
    pub supplier: usize,
    /// kg per unit.
    pub unit_kg: f64,
    /// Purchase price per unit, yuan.
    pub unit_cost_yuan: f64,
    /// Retail (list) price per unit, yuan.
    pub price_yuan: f64,
    /// Price of the unit outside the platforms (wet market, supermarket), yuan.
    pub reference_price_yuan: f64,
    /// Mean shelf life at 0 °C, hours.
    pub shelf_mean_h: f64,
    /// Standard deviation of shelf life at 0 °C, hours.
    pub shelf_sd_h: f64,
    /// Q10 factor.
    pub q10: f64,
    /// Probability an ordering resident takes one unit.
    pub basket_prob: f64,
    /// Seasonal swing of the purchase price.
    pub season_amplitude: f64,
    /// Day the purchase price peaks.
    pub season_peak_day: u32,
}

impl Product {
    /// From its scenario entry; `supplier` is the index of the named supplier.
    pub fn new(c: &ProductConfig, supplier: usize) -> Self {
        Product {
            name: c.name.clone(),
            supplier,
            unit_kg: c.unit_kg,
            unit_cost_yuan: c.unit_cost_yuan,
            price_yuan: c.price_yuan,
            reference_price_yuan: c.reference_price_yuan,
            shelf_mean_h: c.shelf_life_hours_at_0c,
            shelf_sd_h: c.shelf_life_hours_at_0c * c.shelf_life_cv,
            q10: c.q10,
            basket_prob: c.basket_prob,
            season_amplitude: c.season_amplitude,
            season_peak_day: c.season_peak_day,
        }
    }

    /// Multiplier of the purchase price on `day`: `1 + amplitude × cos(2π (day − peak) / 365)`.
    pub fn season(&self, day: u64) -> f64 {
        let phase = 2.0 * std::f64::consts::PI * (day as f64 - self.season_peak_day as f64) / 365.0;
        1.0 + self.season_amplitude * phase.cos()
    }

    /// 0 °C-equivalent hours that one hour at `temp_c` adds to a unit's age.
    pub fn aging_rate(&self, temp_c: f64) -> f64 {
        self.q10.powf(temp_c / 10.0)
    }

    /// Share of a fresh lot spoiled by 0 °C-equivalent age `age_h`: the shelf-life CDF.
    pub fn spoiled_share(&self, age_h: f64) -> f64 {
        0.5 * erfc(-(age_h - self.shelf_mean_h) / (self.shelf_sd_h * std::f64::consts::SQRT_2))
    }

    /// Probability that a unit alive at age `from_h` is spoiled by age `to_h`.
    pub fn spoil_prob(&self, from_h: f64, to_h: f64) -> f64 {
        if to_h <= from_h {
            return 0.0;
        }
        self.spoil_prob_from(self.spoiled_share(from_h), from_h, to_h)
    }

    /// [`Product::spoil_prob`] given `f0 = spoiled_share(from_h)`.
    pub fn spoil_prob_from(&self, f0: f64, from_h: f64, to_h: f64) -> f64 {
        self.spoil_prob_and_share(f0, from_h, to_h).0
    }

    /// [`Product::spoil_prob_from`], and `spoiled_share(to_h)` when it was needed (not
    /// when `to_h ≤ from_h`, nor when nothing is left alive at `from_h`).
    pub fn spoil_prob_and_share(&self, f0: f64, from_h: f64, to_h: f64) -> (f64, Option<f64>) {
        if to_h <= from_h {
            return (0.0, None);
        }
        let alive = 1.0 - f0;
        if alive <= 1e-12 {
            return (1.0, None);
        }
        let f1 = self.spoiled_share(to_h);
        (((f1 - f0) / alive).clamp(0.0, 1.0), Some(f1))
    }
}

#[cfg(test)]
impl Product {
    /// A plain product for tests: 1 kg and cost 1 a unit, price 2, shelf life 100 ± 20 hours
    /// at 0 °C, temperature factor `q10`.
    pub(crate) fn plain(q10: f64) -> Product {
        Product {
            name: "x".into(),
            supplier: 0,
            unit_kg: 1.0,
            unit_cost_yuan: 1.0,
            price_yuan: 2.0,
            reference_price_yuan: 2.0,
            shelf_mean_h: 100.0,
            shelf_sd_h: 20.0,
            q10,
            basket_prob: 1.0,
            season_amplitude: 0.0,
            season_peak_day: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greens() -> Product {
        Product {
            name: "greens".into(),
            supplier: 0,
            unit_kg: 0.5,
            unit_cost_yuan: 2.0,
            price_yuan: 3.0,
            reference_price_yuan: 3.0,
            shelf_mean_h: 240.0,
            shelf_sd_h: 60.0,
            q10: 2.4,
            basket_prob: 0.5,
            season_amplitude: 0.0,
            season_peak_day: 0,
        }
    }

    #[test]
    fn q10_rule() {
        let p = greens();
        assert!((p.aging_rate(0.0) - 1.0).abs() < 1e-12);
        assert!((p.aging_rate(10.0) - 2.4).abs() < 1e-12);
        assert!((p.aging_rate(20.0) - 2.4 * 2.4).abs() < 1e-9);
    }

    #[test]
    fn season_peaks_and_troughs() {
        let p = Product { season_amplitude: 0.3, season_peak_day: 100, ..greens() };
        assert!((p.season(100) - 1.3).abs() < 1e-12);
        assert!((p.season(100 + 365 / 2) - 0.7).abs() < 1e-3);
        assert_eq!(greens().season(42), 1.0);
    }

    #[test]
    fn half_spoiled_at_mean_life() {
        let p = greens();
        assert!((p.spoiled_share(240.0) - 0.5).abs() < 1e-12);
        // one standard deviation below the mean: Φ(−1) = 0.158655…
        assert!((p.spoiled_share(180.0) - 0.158_655_253_931_457).abs() < 1e-9);
    }

    #[test]
    fn conditional_spoilage_composes() {
        // Surviving a → b then b → c equals surviving a → c.
        let p = greens();
        let (a, b, c) = (100.0, 200.0, 260.0);
        let two_steps = (1.0 - p.spoil_prob(a, b)) * (1.0 - p.spoil_prob(b, c));
        assert!((two_steps - (1.0 - p.spoil_prob(a, c))).abs() < 1e-12);
        assert_eq!(p.spoil_prob(50.0, 50.0), 0.0);
    }

    #[test]
    fn a_step_gives_the_share_it_computed() {
        // The later age's share when the probability needed it; none when no time passed or
        // nothing was alive.
        let p = greens();
        let (a, b) = (100.0, 200.0);
        let (prob, share) = p.spoil_prob_and_share(p.spoiled_share(a), a, b);
        assert_eq!((prob.to_bits(), share), (p.spoil_prob(a, b).to_bits(), Some(p.spoiled_share(b))));
        assert_eq!(p.spoil_prob_and_share(p.spoiled_share(a), a, a), (0.0, None));
        assert_eq!(p.spoil_prob_and_share(1.0, a, b), (1.0, None));
    }
}
