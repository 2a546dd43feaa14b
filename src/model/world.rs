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
            shocks: ShockSchedule::new(&sc.shocks),
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
            if self.weather_cut[i] != before || (day == 0 && before > 0.0) {
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
