//! Warehouses: the central warehouse (receives lots, stores them cold, picks per leader)
//! and the grid warehouses (sort a truck into crates per leader).
//!
//! Central stock is kept per product in issue order (first expired, first out: lots arrive
//! in harvest order and age alike, so the oldest sits at the front). Spoilage while stored
//! is drawn whenever stock is aged ([`CentralWarehouse::age_to`]) and counted at stage
//! `central`.

use std::collections::VecDeque;
use std::ops::Range;

use rand::Rng;

use super::lot::{Lot, Portion};
use super::product::Product;
use crate::engine::SimTime;
use crate::scenario::{CentralWarehouseConfig, GridWarehouseConfig};

/// The central warehouse.
#[derive(Debug, Clone)]
pub struct CentralWarehouse {
    /// Storage temperature, °C.
    pub temp_c: f64,
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
    /// From its scenario entry, with empty stock for `n_products`.
    pub fn new(c: &CentralWarehouseConfig, linehaul_mode: usize, n_products: usize) -> Self {
        CentralWarehouse {
            temp_c: c.temp_c,
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
    pub fn age_to<R: Rng + ?Sized>(&mut self, p: usize, now: SimTime, product: &Product, rng: &mut R) -> u32 {
        let mut spoiled = 0;
        for x in self.stock[p].iter_mut() {
            spoiled += x.age_to(now, self.temp_c, product, rng);
        }
        self.stock[p].retain(|x| x.qty > 0);
        spoiled
    }

    /// Takes up to `n` units of product `p`, oldest first, pushing them as portions onto `out`.
    /// Returns the units taken.
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

    /// Money value of the stock at purchase cost, yuan.
    pub fn value_yuan(&self, lots: &[Lot]) -> f64 {
        (0..self.stock.len()).map(|p| self.value_of(p, lots)).sum()
    }

    /// Money value of the stock of product `p` at purchase cost, yuan.
    pub fn value_of(&self, p: usize, lots: &[Lot]) -> f64 {
        self.stock[p].iter().map(|x| x.qty as f64 * lots[x.lot as usize].unit_cost_yuan).sum()
    }
}

/// A grid (forward) warehouse and the leaders it serves.
#[derive(Debug, Clone)]
pub struct GridWarehouse {
    /// Name from the scenario.
    pub name: String,
    /// km from the central warehouse.
    pub distance_km: f64,
    /// °C while goods wait for sorting.
    pub temp_c: f64,
    /// yuan per unit sorted.
    pub handling_cost_yuan_per_unit: f64,
    /// Index of the last-mile transport mode.
    pub last_mile_mode: usize,
    /// Indices of its leaders.
    pub leaders: Range<usize>,
}

impl GridWarehouse {
    /// From its scenario entry.
    pub fn new(c: &GridWarehouseConfig, last_mile_mode: usize, leaders: Range<usize>) -> Self {
        GridWarehouse {
            name: c.name.clone(),
            distance_km: c.distance_km,
            temp_c: c.temp_c,
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
        let cfg = CentralWarehouseConfig {
            temp_c: 4.0,
            handling_cost_yuan_per_unit: 0.0,
            storage_cost_yuan_per_unit_day: 0.0,
            linehaul_mode: "x".into(),
        };
        let mut cw = CentralWarehouse::new(&cfg, 0, 1);
        cw.stock[0].push_back(Portion { lot: 0, qty: 5, age_h: 50.0, since: SimTime(0) });
        cw.stock[0].push_back(Portion { lot: 1, qty: 10, age_h: 10.0, since: SimTime(0) });
        let mut out = Vec::new();
        assert_eq!(cw.pick(0, 8, &mut out), 8);
        assert_eq!(out.iter().map(|x| (x.lot, x.qty)).collect::<Vec<_>>(), vec![(0, 5), (1, 3)]);
        assert_eq!(cw.units(0), 7);
        out.clear();
        assert_eq!(cw.pick(0, 100, &mut out), 7);
        assert_eq!(cw.units(0), 0);
    }
}
