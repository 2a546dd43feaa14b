//! A centre of a platform's network (docs/model.md §5.1.2): one central warehouse with its
//! own grid warehouses and their leaders, its own purchase plan per product from its own
//! leaders' orders, its own sources (each product's sourcing split restricted to the
//! suppliers it buys from) and its own inbound lanes (`distance_km` of a supplier to the
//! first centre, `lanes_km` to the others). A platform without `[[centres]]` has one.
//!
//! Random streams of centre `c > 0` are keyed by `id + c × 2²⁴` ([`Centre::key`]), so the
//! first centre draws what a one-centre platform draws.

use serde::Serialize;

use crate::model::purchase_plan::DemandForecast;
use crate::model::sourcing::Sourcing;
use crate::model::warehouse::CentralWarehouse;
use crate::scenario::{CentralWarehouseConfig, Scenario};

/// One centre's state.
#[derive(Debug, Clone)]
pub(crate) struct Centre {
    /// Index among the platform's centres.
    pub c: usize,
    /// Name.
    pub name: String,
    /// The warehouse: stock, temperatures, capacity, costs.
    pub wh: CentralWarehouse,
    /// Its leaders (of its grids), in index order.
    pub leaders: Vec<usize>,
    /// Per product: where it buys.
    pub sourcing: Vec<Sourcing>,
    /// Per product: picks a lot bought tonight misses before it arrives (its slowest source).
    pub lead_picks: Vec<u32>,
    /// Per product: its demand forecast.
    pub forecasts: Vec<DemandForecast>,
    /// Per product: units asked of suppliers but missing since the last pick, by cause.
    pub pending_short: Vec<[u64; 5]>,
    /// Per supplier: the lane's km, if it buys from the supplier.
    pub lane_km: Vec<Option<f64>>,
    /// Totals over the statistics window.
    pub totals: CentreTotals,
}

/// Run totals of one centre.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CentreTotals {
    /// Centre name (prefixed with the platform's in a market).
    pub name: String,
    /// Grid warehouses it supplies.
    pub grids: u64,
    /// Leaders of its grids.
    pub leaders: u64,
    /// Units its leaders ordered.
    pub units_ordered: u64,
    /// Units bought from suppliers.
    pub units_procured: u64,
    /// Units picked for its leaders.
    pub units_picked: u64,
    /// Units ordered but not picked (stock, capacity).
    pub units_short: u64,
    /// Units spoiled in its stock.
    pub units_spoiled_central: u64,
    /// kg carried on its inbound lanes.
    pub inbound_kg: f64,
    /// Transport of its inbound lanes, yuan.
    pub inbound_yuan: f64,
    /// Transport of its linehauls to its grids, yuan.
    pub linehaul_yuan: f64,
}

impl Centre {
    /// Centre `c` of `sc` (`cfg` its entry) with the platform's supplier-built `sourcing`,
    /// `mode_index` to find its linehaul mode.
    pub(crate) fn build(c: usize, cfg: &CentralWarehouseConfig, sc: &Scenario, platform_sourcing: &[Sourcing], mode: usize) -> Self {
        let classes: Vec<_> = sc.products.iter().map(|p| p.temp_class).collect();
        let n_p = sc.products.len();
        let lane_km: Vec<Option<f64>> = sc.suppliers.iter().map(|s| sc.lane_km(c, s)).collect();
        let sourcing: Vec<Sourcing> = platform_sourcing.iter().map(|s| s.restricted_to(|i| lane_km[i].is_some())).collect();
        let lead_picks = sourcing
            .iter()
            .map(|s| s.split.iter().map(|&(i, _)| sc.lead_picks_over(&sc.suppliers[i], lane_km[i].unwrap_or(0.0))).max().unwrap_or(0))
            .collect();
        let mut leaders = Vec::new();
        let mut first = 0usize;
        let mut grids = 0;
        for g in &sc.grid_warehouses {
            let n = g.leaders as usize;
            if sc.centre_index(&g.centre) == c {
                leaders.extend(first..first + n);
                grids += 1;
            }
            first += n;
        }
        Centre {
            c,
            name: cfg.name.clone(),
            wh: CentralWarehouse::new(cfg, mode, &classes),
            // (The name is the report's to write: prefixed with the platform's in a market.)
            totals: CentreTotals { grids, leaders: leaders.len() as u64, ..CentreTotals::default() },
            leaders,
            sourcing,
            lead_picks,
            forecasts: (0..n_p).map(|_| DemandForecast::new(&sc.policy)).collect(),
            pending_short: vec![[0; 5]; n_p],
            lane_km,
        }
    }

    /// The stream id of `id` for this centre.
    pub(crate) fn key(&self, id: u64) -> u64 {
        id + ((self.c as u64) << 24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_centre_draws_what_a_one_centre_platform_draws_and_the_others_their_own() {
        let centre = |c: usize| Centre {
            c,
            name: String::new(),
            wh: CentralWarehouse::new(&toml::from_str("linehaul_mode = \"m\"").unwrap(), 0, &[]),
            leaders: Vec::new(),
            sourcing: Vec::new(),
            lead_picks: Vec::new(),
            forecasts: Vec::new(),
            pending_short: Vec::new(),
            lane_km: Vec::new(),
            totals: CentreTotals::default(),
        };
        assert_eq!(centre(0).key(5), 5);
        assert_eq!(centre(1).key(5), 5 + (1 << 24));
        assert_eq!(centre(3).key(7), 7 + 3 * (1 << 24));
        assert_ne!(centre(1).key(5), centre(2).key(5));
    }
}
