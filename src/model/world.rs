//! One world: what lies outside the platforms and is the same for all of them — the
//! weather of every growing region, the scheduled shocks, and each supplier's daily yield.
//!
//! Weather is drawn once per market from the market's seed (stream `("weather", region,
//! day)`), so rivals buying from one region see one season. A supplier is known by its
//! name: if two platforms name the same supplier, it is one supplier with one yield per
//! product and night (stream `("yield", supplier × 64 + product, day)`, the supplier's
//! index in the market's list of names, its capacity that of the first platform naming
//! it). **Sharing rule:** each night the platforms buy in turn, first come first served,
//! in an order that rotates by day (platform `(day + i) mod n` buys `i`-th), each taking
//! what it asks (and what its fallback asks) from what the ones before it left.

use super::streams;
use super::farmer::Region;
use super::shock::ShockSchedule;
use super::supplier::{Supplier, Yield};
use crate::engine::RunSeed;
use crate::scenario::Scenario;

/// The market's weather and tonight's supplier yields.
#[derive(Debug, Clone)]
pub(crate) struct World {
    seed: RunSeed,
    regions: Vec<Region>,
    shocks: ShockSchedule,
    /// Share of yield lost per region today (random and scheduled shocks, the deeper).
    pub(crate) weather_cut: Vec<f64>,
    /// Supplier names of every platform, each once.
    names: Vec<String>,
    n_products: usize,
    /// Tonight's yield per (supplier name index, product), drawn when first asked.
    yields: Vec<Option<Yield>>,
}

impl World {
    /// The world of market `sc` (its regions and shocks), for platforms buying from
    /// `suppliers` (every platform's supplier names).
    pub(crate) fn new(sc: &Scenario, seed: RunSeed, suppliers: &[&str], n_products: usize) -> Self {
        let mut names: Vec<String> = Vec::new();
        for s in suppliers {
            if !names.iter().any(|n| n == s) {
                names.push((*s).to_string());
            }
        }
        World {
            seed,
            regions: sc.regions.iter().map(Region::new).collect(),
            shocks: ShockSchedule::new(&sc.shocks, &seed),
            weather_cut: vec![0.0; sc.regions.len()],
            yields: vec![None; names.len() * n_products],
            names,
            n_products,
        }
    }

    /// Region names.
    pub(crate) fn region_name(&self, i: usize) -> &str {
        &self.regions[i].name
    }

    /// Advances the weather to `day` (once per day, in order) and forgets last night's
    /// yields. Returns the regions whose cut changed: (index, cut before).
    pub(crate) fn new_day(&mut self, day: u64) -> Vec<(usize, f64)> {
        self.yields.iter_mut().for_each(|y| *y = None);
        let mut changed = Vec::new();
        for (i, r) in self.regions.iter_mut().enumerate() {
            let random = r.weather(&self.seed, i, day);
            let before = self.weather_cut[i];
            self.weather_cut[i] = random.max(self.shocks.yield_cut(&r.name, day));
            if self.weather_cut[i] != before {
                changed.push((i, before));
            }
        }
        changed
    }

    /// Index of supplier `name` in the market.
    pub(crate) fn supplier_index(&self, name: &str) -> usize {
        self.names.iter().position(|n| n == name).unwrap_or(0)
    }

    /// What is left tonight of supplier `sup`'s (market index `s`) yield of product `p`,
    /// drawn if nobody asked before.
    pub(crate) fn yield_of(&mut self, sup: &Supplier, s: usize, p: usize, day: u64) -> Yield {
        let i = s * self.n_products + p;
        if let Some(y) = self.yields[i] {
            return y;
        }
        let cut = sup.region.map_or(0.0, |r| self.weather_cut[r]);
        let mut rng = self.seed.stream(streams::YIELD, (s * 64 + p) as u64, day);
        let y = sup.draw_yield(cut, &mut rng);
        self.yields[i] = Some(y);
        y
    }

    /// Records that `units` more of supplier `s`'s product `p` were bought tonight.
    pub(crate) fn take(&mut self, s: usize, p: usize, units: u32) {
        if let Some(y) = &mut self.yields[s * self.n_products + p] {
            y.taken += units;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{RegionConfig, ShockConfig, ShockKind};

    fn world() -> (World, Supplier) {
        let mut sc: Scenario = toml::from_str(include_str!("../../tests/data/small.toml")).unwrap();
        sc.regions.push(RegionConfig { name: "valley".into(), shock_onset_prob_per_day: 0.0, shock_depth: 0.5, shock_days: 3 });
        sc.shocks.push(ShockConfig { kind: ShockKind::Yield, target: "valley".into(), start_day: 2, days: 2, depth: 0.6, start_day_max: None, days_max: None, depth_max: None });
        sc.suppliers[0].region = "valley".into();
        sc.suppliers[0].yield_cv = 0.0;
        let sup = Supplier::new(&sc.suppliers[0], 0, Some(0));
        (World::new(&sc, RunSeed::new(1, 0), &["farm", "other", "farm"], 3), sup)
    }

    #[test]
    fn one_supplier_one_yield_shared_by_who_buys_first() {
        let (mut w, sup) = world();
        assert_eq!((w.supplier_index("farm"), w.supplier_index("other")), (0, 1));
        assert_eq!(w.region_name(0), "valley");
        w.new_day(0);
        let y = w.yield_of(&sup, 0, 1, 0);
        assert_eq!((y.normal, y.shocked, y.taken), (400, 400, 0));
        w.take(0, 1, 150);
        // A second platform asking tonight sees what the first left.
        assert_eq!(w.yield_of(&sup, 0, 1, 0).taken, 150);
        // Another product, or another night, is a fresh yield.
        assert_eq!(w.yield_of(&sup, 0, 2, 0).taken, 0);
        w.new_day(1);
        assert_eq!(w.yield_of(&sup, 0, 1, 1).taken, 0);
    }

    #[test]
    fn scheduled_weather_cuts_every_buyer_alike() {
        let (mut w, sup) = world();
        for day in 0..2 {
            assert!(w.new_day(day).is_empty(), "no change on day {day}");
        }
        assert_eq!(w.new_day(2), vec![(0, 0.0)]);
        assert_eq!(w.weather_cut[0], 0.6);
        assert_eq!(w.yield_of(&sup, 0, 0, 2).shocked, 160);
        w.new_day(3);
        assert_eq!(w.new_day(4), vec![(0, 0.6)]);
        assert_eq!(w.weather_cut[0], 0.0);
    }

    #[test]
    fn every_supplier_and_product_has_its_own_yield() {
        let (mut w, mut sup) = world();
        sup.c.yield_cv = 0.5;
        w.new_day(0);
        // Separate pools: buying supplier 1's product 0 leaves supplier 0's products alone.
        let before: Vec<Yield> = (0..3).map(|p| w.yield_of(&sup, 0, p, 0)).collect();
        let _ = w.yield_of(&sup, 1, 0, 0);
        w.take(1, 0, 7);
        let after: Vec<Yield> = (0..3).map(|p| w.yield_of(&sup, 0, p, 0)).collect();
        assert_eq!(before, after);
        assert_eq!(w.yield_of(&sup, 1, 0, 0).taken, 7);
        // Independent draws: with a 50 % CV the six yields are not all alike.
        let mut normals: Vec<u32> = (0..2).flat_map(|s| (0..3).map(move |p| (s, p))).map(|(s, p)| w.yield_of(&sup, s, p, 0).normal).collect();
        normals.sort_unstable();
        normals.dedup();
        assert!(normals.len() >= 5, "{normals:?}");
    }
}
