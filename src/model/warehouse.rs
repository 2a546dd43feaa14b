//! Warehouses: the central warehouse (receives lots, stores them cold, picks per leader)
//! and the grid warehouses (sort a truck into crates per leader).
//!
//! Central stock is kept per product in issue order: oldest units first under FEFO (first
//! expired, first out), arrival order under FIFO; the two differ when lots of different
//! ages arrive (a wholesaler's older lot after a farm's fresh one). Each product is stored
//! in its temperature zone (chilled, ambient, frozen). Spoilage while stored is drawn
//! whenever stock is aged ([`CentralWarehouse::age_to`]) and counted at stage `central`.
//! The warehouse picks at most `capacity_units_per_day` units a day.

use std::collections::VecDeque;
use std::ops::Range;

use rand::Rng;

use super::lot::{Lot, Portion};
use super::product::Product;
use crate::engine::SimTime;
use crate::scenario::{CentralWarehouseConfig, GridWarehouseConfig, IssuePolicy, TempClass};

/// Temperature of the zone holding `class`: chilled, ambient or frozen.
pub fn zone_temp_c(class: TempClass, chilled_c: f64, ambient_c: f64, frozen_c: f64) -> f64 {
    match class {
        TempClass::Chilled => chilled_c,
        TempClass::Ambient => ambient_c,
        TempClass::Frozen => frozen_c,
    }
}

/// The central warehouse.
#[derive(Debug, Clone)]
pub struct CentralWarehouse {
    /// Storage temperature per product (its zone), °C.
    pub temps_c: Vec<f64>,
    /// Units it can pick per day.
    pub capacity_units_per_day: f64,
    /// FEFO or FIFO.
    pub issue_policy: IssuePolicy,
    /// yuan per unit handled.
    pub handling_cost_yuan_per_unit: f64,
    /// yuan per unit held overnight.
    pub storage_cost_yuan_per_unit_day: f64,
    /// Index of the linehaul transport mode.
    pub linehaul_mode: usize,
    /// Stock per product, oldest first.
    pub stock: Vec<VecDeque<Portion>>,
}

impl CentralWarehouse {
    /// From its scenario entry, with empty stock for products of the given temperature classes.
    pub fn new(c: &CentralWarehouseConfig, linehaul_mode: usize, classes: &[TempClass]) -> Self {
        let n_products = classes.len();
        CentralWarehouse {
            temps_c: classes.iter().map(|&k| zone_temp_c(k, c.temp_c, c.ambient_zone_temp_c, c.frozen_zone_temp_c)).collect(),
            capacity_units_per_day: c.capacity_units_per_day,
            issue_policy: c.issue_policy,
            handling_cost_yuan_per_unit: c.handling_cost_yuan_per_unit,
            storage_cost_yuan_per_unit_day: c.storage_cost_yuan_per_unit_day,
            linehaul_mode,
            stock: vec![VecDeque::new(); n_products],
        }
    }

    /// Units of product `p` in stock.
    pub fn units(&self, p: usize) -> u32 {
        self.stock[p].iter().map(|x| x.qty).sum()
    }

    /// Ages all stock of product `p` to `now`; returns units spoiled (and drops empty portions).
    pub fn age_to<R: Rng + Clone>(&mut self, p: usize, now: SimTime, product: &Product, rng: &mut R) -> u32 {
        let mut spoiled = 0;
        for x in self.stock[p].iter_mut() {
            spoiled += x.age_to(now, self.temps_c[p], product, rng);
        }
        self.stock[p].retain(|x| x.qty > 0);
        spoiled
    }

    /// Puts a portion of product `p` into stock, in issue order.
    pub fn receive(&mut self, p: usize, x: Portion) {
        let st = &mut self.stock[p];
        st.push_back(x);
        if self.issue_policy == IssuePolicy::Fefo {
            // Oldest first; among equals, earlier lots first (a stable, total order).
            st.make_contiguous().sort_by(|a, b| b.age_h.total_cmp(&a.age_h).then(a.lot.cmp(&b.lot)));
        }
    }

    /// Takes up to `n` units of product `p`, oldest first, pushing them as portions onto `out`.
    /// Returns the units taken. (The pick as it was before the central pick ran on the
    /// threads: the reference [`walk`] and [`remove_first`] are tested against.)
    ///
    /// [`walk`]: CentralWarehouse::walk
    /// [`remove_first`]: CentralWarehouse::remove_first
    #[cfg(test)]
    pub fn pick(&mut self, p: usize, n: u32, out: &mut Vec<Portion>) -> u32 {
        let mut left = n;
        while left > 0 {
            let Some(front) = self.stock[p].front_mut() else { break };
            let part = front.take(left);
            left -= part.qty;
            if front.qty == 0 {
                self.stock[p].pop_front();
            }
            if part.qty > 0 {
                out.push(part);
            }
        }
        n - left
    }

    /// Walks up to `n` units of product `p`'s stock from `at`, oldest first, as [`pick`]
    /// would take them, without taking them: calls `piece(portion, units)` for each part of
    /// a portion walked (never 0 units). Returns the units walked and the place after them.
    ///
    /// [`pick`]: CentralWarehouse::pick
    pub fn walk(&self, p: usize, at: StockPlace, n: u32, mut piece: impl FnMut(&Portion, u32)) -> (u32, StockPlace) {
        let (mut left, mut at) = (n, at);
        let stock = &self.stock[p];
        while left > 0 {
            let Some(x) = stock.get(at.portion as usize) else { break };
            let take = left.min(x.qty - at.units);
            if take > 0 {
                piece(x, take);
            }
            left -= take;
            at.units += take;
            if at.units == x.qty {
                at = StockPlace { portion: at.portion + 1, units: 0 };
            }
        }
        (n - left, at)
    }

    /// Removes the first `n` units of product `p`'s stock, oldest first (what [`pick`] of
    /// `n` would take, or a run of picks of `n` in all).
    ///
    /// [`pick`]: CentralWarehouse::pick
    pub fn remove_first(&mut self, p: usize, n: u32) {
        let mut left = n;
        while left > 0 {
            let Some(front) = self.stock[p].front_mut() else { break };
            let take = left.min(front.qty);
            front.qty -= take;
            left -= take;
            if front.qty == 0 {
                self.stock[p].pop_front();
            }
        }
    }

    /// Removes the stock of product `p` from recalled lots; returns (units, their cost in yuan).
    pub fn remove_recalled(&mut self, p: usize, lots: &[Lot]) -> (u64, f64) {
        let (mut units, mut yuan) = (0u64, 0.0);
        self.stock[p].retain(|x| {
            let lot = &lots[x.lot as usize];
            if lot.recalled {
                units += x.qty as u64;
                yuan += x.qty as f64 * lot.unit_cost_yuan;
            }
            !lot.recalled
        });
        (units, yuan)
    }

    /// Money value of the stock at purchase cost, yuan.
    pub fn value_yuan(&self, lots: &[Lot]) -> f64 {
        (0..self.stock.len()).map(|p| self.value_of(p, lots)).sum()
    }

    /// Money value of the stock of product `p` at purchase cost, yuan.
    pub fn value_of(&self, p: usize, lots: &[Lot]) -> f64 {
        self.stock[p].iter().map(|x| x.qty as f64 * lots[x.lot as usize].unit_cost_yuan).sum()
    }
}

/// A place in a product's central stock: `units` into its portion number `portion`
/// (oldest first), for [`CentralWarehouse::walk`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StockPlace {
    /// Index of the portion in the product's stock.
    pub portion: u32,
    /// Units of it already walked.
    pub units: u32,
}

/// A grid (forward) warehouse and the leaders it serves.
#[derive(Debug, Clone)]
pub struct GridWarehouse {
    /// Name from the scenario.
    pub name: String,
    /// km from the central warehouse.
    pub distance_km: f64,
    /// °C per product (its zone) while goods wait for sorting.
    pub temps_c: Vec<f64>,
    /// yuan per unit sorted.
    pub handling_cost_yuan_per_unit: f64,
    /// Index of the last-mile transport mode.
    pub last_mile_mode: usize,
    /// Indices of its leaders.
    pub leaders: Range<usize>,
}

impl GridWarehouse {
    /// From its scenario entry, for products of the given temperature classes.
    pub fn new(c: &GridWarehouseConfig, last_mile_mode: usize, leaders: Range<usize>, classes: &[TempClass]) -> Self {
        GridWarehouse {
            name: c.name.clone(),
            distance_km: c.distance_km,
            temps_c: classes.iter().map(|&k| zone_temp_c(k, c.temp_c, c.ambient_zone_temp_c, c.frozen_zone_temp_c)).collect(),
            handling_cost_yuan_per_unit: c.handling_cost_yuan_per_unit,
            last_mile_mode,
            leaders,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_oldest_first_and_splits() {
        let cfg: CentralWarehouseConfig = toml::from_str("linehaul_mode = \"x\"").unwrap();
        let mut cw = CentralWarehouse::new(&cfg, 0, &[TempClass::Chilled]);
        cw.receive(0, Portion::new(1, 10, 10.0, SimTime(0)));
        cw.receive(0, Portion::new(0, 5, 50.0, SimTime(0)));
        let mut out = Vec::new();
        assert_eq!(cw.pick(0, 8, &mut out), 8);
        assert_eq!(out.iter().map(|x| (x.lot, x.qty)).collect::<Vec<_>>(), vec![(0, 5), (1, 3)]);
        assert_eq!(cw.units(0), 7);
        out.clear();
        assert_eq!(cw.pick(0, 100, &mut out), 7);
        assert_eq!(cw.units(0), 0);
    }

    #[test]
    fn a_walk_meets_what_picks_take_and_removing_leaves_what_they_leave() {
        // Stock 5, 0, 3, 4 (an empty portion among them); picks of 2, 4, 0, 3 and 9 units
        // one after another against walks from the place the last walk ended.
        let cfg: CentralWarehouseConfig = toml::from_str("linehaul_mode = \"x\"\nissue_policy = \"fifo\"").unwrap();
        let mut cw = CentralWarehouse::new(&cfg, 0, &[TempClass::Chilled]);
        for (lot, qty) in [(0, 5), (1, 0), (2, 3), (3, 4)] {
            cw.receive(0, Portion::new(lot, qty, lot as f64, SimTime(0)));
        }
        let (mut picked, mut at, mut total) = (cw.clone(), StockPlace::default(), 0);
        for n in [2, 4, 0, 3, 9] {
            let mut walked = Vec::new();
            let (got, after) = cw.walk(0, at, n, |x, q| walked.push(x.part(q)));
            let mut out = Vec::new();
            assert_eq!(picked.pick(0, n, &mut out), got, "pick of {n}");
            assert_eq!(walked, out, "pick of {n}");
            (at, total) = (after, total + got);
        }
        assert_eq!(total, 12, "the stock runs out in the last");
        let mut removed = cw.clone();
        removed.remove_first(0, 7);
        let mut out = Vec::new();
        assert_eq!(removed.pick(0, 100, &mut out), 5);
        assert_eq!(out.iter().map(|x| (x.lot, x.qty)).collect::<Vec<_>>(), vec![(2, 1), (3, 4)]);
        cw.remove_first(0, 12);
        assert!(cw.stock[0].is_empty());
    }

    #[test]
    fn fifo_issues_in_arrival_order() {
        let cfg: CentralWarehouseConfig = toml::from_str("linehaul_mode = \"x\"\nissue_policy = \"fifo\"").unwrap();
        let mut cw = CentralWarehouse::new(&cfg, 0, &[TempClass::Frozen]);
        assert_eq!(cw.temps_c, vec![-18.0]);
        cw.receive(0, Portion::new(1, 10, 10.0, SimTime(0)));
        cw.receive(0, Portion::new(0, 5, 50.0, SimTime(0)));
        let mut out = Vec::new();
        cw.pick(0, 3, &mut out);
        assert_eq!(out[0].lot, 1);
    }
}
