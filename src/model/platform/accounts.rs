//! A platform's books at the day's close: storage and fleet costs, stock and transit, the
//! balance checks, and the statistics window.

use super::Platform;
use crate::model::streams;
use crate::engine::SimTime;
use crate::model::accounts::{ProductTotals, SupplierTotals, Tally};
use crate::model::event::ModelError;
use crate::model::leader::CrateStage;

impl Platform {
    /// (units in stock, units in transit, inventory value at cost in yuan).
    pub(super) fn inventory(&self) -> (u64, u64, f64) {
        let mut stock: u64 = self.centres.iter().flat_map(|c| c.wh.stock.iter().flatten()).map(|x| x.qty as u64).sum();
        let mut transit: u64 = self.inbound.iter().map(|x| x.portion.qty as u64).sum();
        let mut value = self.centres.iter().map(|c| c.wh.value_yuan(&self.lots)).sum::<f64>()
            + self.inbound.iter().map(|x| x.portion.qty as f64 * self.lots[x.portion.lot as usize].unit_cost_yuan).sum::<f64>();
        for l in &self.leaders {
            let u = l.units();
            match l.stage {
                CrateStage::Linehaul | CrateStage::LastMile => transit += u,
                _ => stock += u,
            }
            value += l.value_yuan(&self.lots);
        }
        (stock, transit, value)
    }

    /// End of day: storage and fleet costs, then the balance check. Returns the day's tally
    /// with the stock and transit left.
    pub(crate) fn day_end(&mut self, now: SimTime, day: u64) -> Result<(Tally, u64, u64), ModelError> {
        for c in 0..self.centres.len() {
            for p in 0..self.products.len() {
                self.age_central(c, p, now, day, streams::CENTRAL_NIGHT);
            }
            let held: u64 = self.centres[c].wh.stock.iter().flatten().map(|x| x.qty as u64).sum();
            self.today.warehousing_yuan += held as f64 * self.centres[c].wh.storage_cost_yuan_per_unit_day;
        }
        for (m, mode) in self.modes.iter().enumerate() {
            let fleet = mode.fleet_cost_per_day_yuan();
            self.today.transport_fleet_yuan += fleet;
            self.today.transport_by_mode_yuan[m] += fleet;
        }
        self.own_used.iter_mut().for_each(|x| *x = 0);
        let today = std::mem::take(&mut self.today);
        self.total += &today;
        let (stock, transit, value) = self.inventory();
        self.total
            .check_balance(stock, transit, value)
            .map_err(|message| ModelError::Unbalanced { day, message: format!("platform {}: {message}", self.name) })?;
        Ok((today, stock, transit))
    }

    /// Opens the statistics window: per-product and per-supplier totals start again.
    pub(crate) fn start_window(&mut self, customers: u64) {
        self.customers_start = customers;
        for p in &mut self.product_totals {
            *p = ProductTotals { name: std::mem::take(&mut p.name), ..ProductTotals::default() };
        }
        for c in &mut self.centres {
            let t = &c.totals;
            c.totals = super::CentreTotals { grids: t.grids, leaders: t.leaders, ..Default::default() };
        }
        for s in &mut self.supplier_totals {
            *s = SupplierTotals { name: std::mem::take(&mut s.name), kind: s.kind, lead_picks: s.lead_picks, ..SupplierTotals::default() };
        }
    }

    /// (units in stock, units in transit) now.
    pub(crate) fn stock_and_transit(&self) -> (u64, u64) {
        let (s, t, _) = self.inventory();
        (s, t)
    }
}
