//! Supplier: sells one or more products to the platform each night, up to a random yield,
//! with its own price, lead time, reliability, harvest quality and integrity
//! (docs/model.md §4.1.1, §5.1.1).
//!
//! A night's delivery of one product, asked `r` units:
//! 1. if the supplier has left, or its lane is closed, it delivers nothing;
//! 2. otherwise the available yield is `capacity × max(0, 1 + yield_cv·Z) × (1 − cut)`,
//!    `cut` the deepest weather shock on its region, less what other platforms buying from
//!    the same supplier took tonight (one supplier, one yield: see [`super::world`]);
//! 3. with probability `1 − fill_prob` it fails tonight and delivers nothing;
//! 4. otherwise it delivers `min(floor(r × fill_share), yield)`.
//!
//! The gap `r − delivered` is attributed to causes (shock, supplier, capacity) so that
//! stock-outs can be reported by cause. Each delivery is a lot: its units start with an
//! age of `max(0, N(quality_age_share_mean, quality_age_share_sd)) × shelf life`; with
//! probability `relabel_prob` the lot is relabelled defective goods (defect rate
//! `relabel_defect_rate`), otherwise its defect rate is `defect_rate × (1 −
//! self_check_efficacy)`; with probability `false_origin_prob` it carries a false origin.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::scenario::{SupplierConfig, SupplierKind};

/// A supplier, ready for simulation.
#[derive(Debug, Clone)]
pub struct Supplier {
    /// Name from the scenario.
    pub name: String,
    /// Kind (a label for reports).
    pub kind: SupplierKind,
    /// Index of its region, if any.
    pub region: Option<usize>,
    /// Distance to the central warehouse, km.
    pub distance_km: f64,
    /// Index of the transport mode of its lane to the central warehouse.
    pub mode: usize,
    /// Scenario values.
    pub c: SupplierConfig,
}

/// Why units asked of a supplier did not come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortCause {
    /// A weather shock, closed road or other shock.
    Shock = 0,
    /// The supplier failed, under-delivered or has left.
    Supplier,
    /// Not enough capacity (supplier yield or warehouse picking).
    Capacity,
    /// Lots rejected by quality control.
    Quality,
    /// Anything else (stock that spoiled in the warehouse, rounding).
    Other,
}

impl ShortCause {
    /// All causes, in column order.
    pub const ALL: [ShortCause; 5] = [ShortCause::Shock, ShortCause::Supplier, ShortCause::Capacity, ShortCause::Quality, ShortCause::Other];

    /// Column-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            ShortCause::Shock => "shock",
            ShortCause::Supplier => "supplier",
            ShortCause::Capacity => "capacity",
            ShortCause::Quality => "quality",
            ShortCause::Other => "other",
        }
    }
}

/// One night's delivery of one product.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Delivery {
    /// Units delivered.
    pub units: u32,
    /// Yield left after this delivery (what a fallback may still ask for).
    pub yield_left: u32,
    /// Whether the supplier delivers tonight at all (fallbacks ask only those that do).
    pub delivering: bool,
    /// Gap by cause, indexed by [`ShortCause`].
    pub gap: [u32; 5],
}

/// One night's yield of one product of a supplier, shared by the platforms buying from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Yield {
    /// Units there would be without weather.
    pub normal: u32,
    /// Units there are after the weather's cut.
    pub shocked: u32,
    /// Units platforms have bought of it tonight.
    pub taken: u32,
}

impl Supplier {
    /// From its scenario entry, with the indices of its mode and region.
    pub fn new(c: &SupplierConfig, mode: usize, region: Option<usize>) -> Self {
        Supplier { name: c.name.clone(), kind: c.kind, region, distance_km: c.distance_km, mode, c: c.clone() }
    }

    /// Tonight's yield of one product when the weather cuts `cut` of it (`Z` from `rng`).
    pub fn draw_yield<R: Rng + ?Sized>(&self, cut: f64, rng: &mut R) -> Yield {
        let z: f64 = StandardNormal.sample(rng);
        let normal = (self.c.capacity_units_per_day * (1.0 + self.c.yield_cv * z).max(0.0)).floor() as u32;
        Yield { normal, shocked: (normal as f64 * (1.0 - cut)).floor() as u32, taken: 0 }
    }

    /// Tonight's delivery against a request of `asked` units out of what is left of
    /// `pool`; `blocked` is `Some(cause)` if the supplier cannot ship at all.
    pub fn deliver<R: Rng + ?Sized>(&self, asked: u32, pool: &Yield, blocked: Option<ShortCause>, rng: &mut R) -> Delivery {
        // Draw whatever happens, so streams stay aligned between policies.
        let fails = !rng.random_bool(self.c.fill_prob);
        let normal = pool.normal.saturating_sub(pool.taken);
        let shocked = pool.shocked.saturating_sub(pool.taken);
        let mut d = Delivery::default();
        if let Some(cause) = blocked {
            d.gap[cause as usize] = asked;
            return d;
        }
        if fails {
            d.gap[ShortCause::Supplier as usize] = asked;
            d.yield_left = 0;
            return d;
        }
        d.delivering = true;
        let wanted = (asked as f64 * self.c.fill_share).floor() as u32;
        d.units = wanted.min(shocked);
        d.yield_left = shocked - d.units;
        d.gap[ShortCause::Supplier as usize] = asked - wanted;
        d.gap[ShortCause::Shock as usize] = wanted.min(normal) - d.units.min(wanted.min(normal));
        d.gap[ShortCause::Capacity as usize] = wanted.saturating_sub(normal);
        d
    }

    /// Initial age of a new lot, in 0 °C-equivalent hours, for a product of mean shelf
    /// life `shelf_mean_h`.
    pub fn harvest_age_h<R: Rng + ?Sized>(&self, shelf_mean_h: f64, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (self.c.quality_age_share_mean + self.c.quality_age_share_sd * z).max(0.0) * shelf_mean_h
    }

    /// (defect rate, false origin) of a new lot.
    pub fn integrity<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, bool) {
        let relabelled = rng.random_bool(self.c.relabel_prob);
        let false_origin = rng.random_bool(self.c.false_origin_prob);
        let d = if relabelled { self.c.relabel_defect_rate } else { self.c.defect_rate * (1.0 - self.c.self_check_efficacy) };
        (d, false_origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    fn supplier(capacity: f64, fill_share: f64) -> Supplier {
        let c: SupplierConfig = toml::from_str(&format!(
            "name = \"s\"\ndistance_km = 10.0\nmode = \"m\"\ncapacity_units_per_day = {capacity}\nyield_cv = 0.0\nfill_share = {fill_share}\n"
        ))
        .unwrap();
        Supplier::new(&c, 0, None)
    }

    /// Delivers `asked` out of a fresh yield under weather cut `cut`.
    fn fresh(s: &Supplier, asked: u32, cut: f64, blocked: Option<ShortCause>, rng: &mut crate::engine::SimRng) -> Delivery {
        let y = s.draw_yield(cut, rng);
        s.deliver(asked, &y, blocked, rng)
    }

    #[test]
    fn gaps_add_up_by_cause() {
        let mut rng = RunSeed::new(1, 0).stream("t", 0, 0);
        let s = supplier(100.0, 1.0);
        let d = fresh(&s, 80, 0.0, None, &mut rng);
        assert_eq!((d.units, d.yield_left, d.gap), (80, 20, [0; 5]));
        let d = fresh(&s, 150, 0.0, None, &mut rng);
        assert_eq!((d.units, d.gap[ShortCause::Capacity as usize]), (100, 50));
        let d = fresh(&s, 80, 0.5, None, &mut rng);
        assert_eq!((d.units, d.gap[ShortCause::Shock as usize]), (50, 30));
        let d = fresh(&s, 80, 0.0, Some(ShortCause::Shock), &mut rng);
        assert_eq!((d.units, d.gap[ShortCause::Shock as usize], d.delivering), (0, 80, false));
        let half = supplier(100.0, 0.5);
        let d = fresh(&half, 80, 0.0, None, &mut rng);
        assert_eq!((d.units, d.gap[ShortCause::Supplier as usize]), (40, 40));
        for d in [fresh(&s, 150, 0.7, None, &mut rng), fresh(&half, 300, 0.2, None, &mut rng)] {
            let asked = d.units + d.gap.iter().sum::<u32>();
            assert!(asked == 150 || asked == 300, "{d:?}");
        }
    }

    #[test]
    fn a_shared_yield_serves_what_is_left() {
        let mut rng = RunSeed::new(1, 0).stream("t", 0, 0);
        let s = supplier(100.0, 1.0);
        let pool = Yield { normal: 100, shocked: 100, taken: 70 };
        let d = s.deliver(50, &pool, None, &mut rng);
        // 30 left: the rest of the request is a capacity gap (a rival bought it).
        assert_eq!((d.units, d.yield_left, d.gap[ShortCause::Capacity as usize]), (30, 0, 20));
    }
}
