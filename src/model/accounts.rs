//! Accounts: every unit and every yuan of a run, per day and in total.
//!
//! Units: `procured = sold + Σ spoiled by stage (incl. delivered_defective) + in stock + in
//! transit + returned`. Money (valued at purchase cost): `procurement = cogs + write_offs +
//! inventory value + returned value` (rejected lots are refunded by the supplier), and
//! `profit = revenue − refunds − cogs − write_offs − transport − warehousing − quality
//! control − recall retrieval − coupons − commission`. [`Tally::check_balance`] tests both; the simulation calls it at the end of
//! every day and stops with an error if either fails.

use std::ops::AddAssign;

use serde::Serialize;

use super::supplier::ShortCause;
use crate::scenario::MAX_MODES;

/// Where in the chain a unit was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// At the origin, between harvest and dispatch.
    Origin = 0,
    /// On the lane from supplier to central warehouse.
    Inbound,
    /// Sorted out as visibly defective at the central warehouse.
    QcSorted,
    /// In the central warehouse.
    Central,
    /// On the truck from central to grid warehouse.
    Linehaul,
    /// In the grid warehouse.
    Grid,
    /// On the van from grid warehouse to leader.
    LastMile,
    /// Missed the pickup window (a delayed or broken-down truck or van): written off at
    /// the window's close, wherever the goods were.
    Late,
    /// At the leader (spoiled before pickup, or not picked up).
    Leader,
    /// Handed over defective.
    DeliveredDefective,
    /// Recalled (traceability): written off wherever the lot still was.
    Recalled,
}

impl Stage {
    /// All stages in chain order.
    pub const ALL: [Stage; 11] = [
        Stage::Origin,
        Stage::Inbound,
        Stage::QcSorted,
        Stage::Central,
        Stage::Linehaul,
        Stage::Grid,
        Stage::LastMile,
        Stage::Late,
        Stage::Leader,
        Stage::DeliveredDefective,
        Stage::Recalled,
    ];

    /// Column-friendly name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Origin => "origin",
            Stage::Inbound => "inbound",
            Stage::QcSorted => "qc_sorted",
            Stage::Central => "central",
            Stage::Linehaul => "linehaul",
            Stage::Grid => "grid",
            Stage::LastMile => "last_mile",
            Stage::Late => "late",
            Stage::Leader => "leader",
            Stage::DeliveredDefective => "delivered_defective",
            Stage::Recalled => "recalled",
        }
    }
}

/// Counts and money over a period (a day, or a whole run).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Resident orders placed (non-empty baskets).
    pub orders: u64,
    /// Units ordered.
    pub units_ordered: u64,
    /// Units bought from suppliers (harvested for the platform).
    pub units_procured: u64,
    /// Good units handed over to residents.
    pub units_sold: u64,
    /// Units ordered but not handed over.
    pub units_stockout: u64,
    /// Units lost, per [`Stage`].
    pub spoiled: [u64; 11],
    /// Units of rejected lots sent back to suppliers.
    pub units_returned: u64,
    /// Units the central warehouse could not allocate, by [`ShortCause`].
    pub short_by_cause: [u64; 5],
    /// (product, day) pairs allocated less than 95 % of their orders.
    pub stockout_product_days: u64,
    /// Lots received at the central warehouse.
    pub lots_received: u64,
    /// Lots sampled by quality control.
    pub lots_inspected: u64,
    /// Lots rejected by quality control.
    pub lots_rejected: u64,
    /// Accepted lots with a false origin label.
    pub lots_false_origin_accepted: u64,
    /// Lots recalled (traceability).
    pub lots_recalled: u64,
    /// Of them, lots whose supplier defect rate was at or below the threshold (false recalls).
    pub lots_recalled_false: u64,
    /// Retrieving recalled units, yuan.
    pub recall_yuan: f64,
    /// Loads sent from a central to a grid warehouse (one per grid and day at most: each
    /// day's crates ride the linehaul once).
    pub linehaul_loads: u64,
    /// Van runs from a grid warehouse to a leader (one per leader and day at most).
    pub van_runs: u64,
    /// Customers lost, by cause ([`crate::model::resident::ChurnCause`]).
    pub churned_by_cause: [u64; 8],
    /// Customers lost to the market (a customer of no platform any more, shopping outside
    /// or moved away), by cause, counted on the platform that lost them last.
    pub left_market_by_cause: [u64; 8],
    /// New or returning customers.
    pub gained: u64,
    /// Residents served at pickups.
    pub residents_served: u64,
    /// Reports of defective units.
    pub complaints: u64,
    /// Refunds granted.
    pub refunds_granted: u64,
    /// Refunds refused.
    pub refunds_refused: u64,
    /// Hours from report to decision, summed over reports.
    pub refund_hours_sum: f64,
    /// Gap between list and charged prices on units handed over (memo, inside revenue), yuan.
    pub subsidy_yuan: f64,
    /// Retention coupons redeemed, yuan (a cost line).
    pub coupons_yuan: f64,
    /// Price of units handed over, yuan.
    pub revenue_yuan: f64,
    /// Refunds for defective units, yuan.
    pub refunds_yuan: f64,
    /// Paid to suppliers, yuan.
    pub procurement_yuan: f64,
    /// Purchase cost of good units sold, yuan.
    pub cogs_yuan: f64,
    /// Purchase cost of units lost, yuan.
    pub write_offs_yuan: f64,
    /// Purchase cost of rejected lots, refunded by suppliers, yuan.
    pub returned_yuan: f64,
    /// Supplier → central trucks, yuan.
    pub transport_inbound_yuan: f64,
    /// Central → grid trucks, yuan.
    pub transport_linehaul_yuan: f64,
    /// Grid → leader vans, yuan.
    pub transport_last_mile_yuan: f64,
    /// Own-fleet fixed cost, yuan.
    pub transport_fleet_yuan: f64,
    /// Transport by mode (index of `[modes]` in name order), yuan; sums the four lines above.
    pub transport_by_mode_yuan: [f64; MAX_MODES],
    /// Handling and storage at warehouses, yuan.
    pub warehousing_yuan: f64,
    /// Inspection at the central warehouse, yuan.
    pub qc_yuan: f64,
    /// Leader commission, yuan.
    pub commission_yuan: f64,
}

impl Tally {
    /// Records `units` lost at `stage`, worth `cost_yuan` at purchase cost.
    pub fn spoil(&mut self, stage: Stage, units: u64, cost_yuan: f64) {
        self.spoiled[stage as usize] += units;
        self.write_offs_yuan += cost_yuan;
    }

    /// Customers lost, every cause.
    pub fn churned(&self) -> u64 {
        self.churned_by_cause.iter().sum()
    }

    /// Customers lost to the market (every platform), every cause.
    pub fn left_market(&self) -> u64 {
        self.left_market_by_cause.iter().sum()
    }

    /// Units lost at every stage together.
    pub fn spoiled_total(&self) -> u64 {
        self.spoiled.iter().sum()
    }

    /// Records `units` that could not be allocated, for `cause`.
    pub fn short(&mut self, cause: ShortCause, units: u64) {
        self.short_by_cause[cause as usize] += units;
    }

    /// All transport, yuan.
    pub fn transport_yuan(&self) -> f64 {
        self.transport_inbound_yuan + self.transport_linehaul_yuan + self.transport_last_mile_yuan + self.transport_fleet_yuan
    }

    /// Profit, yuan: revenue − refunds − cogs − write-offs − transport − warehousing − commission.
    pub fn profit_yuan(&self) -> f64 {
        self.revenue_yuan
            - self.refunds_yuan
            - self.cogs_yuan
            - self.write_offs_yuan
            - self.transport_yuan()
            - self.warehousing_yuan
            - self.qc_yuan
            - self.recall_yuan
            - self.coupons_yuan
            - self.commission_yuan
    }

    /// Checks both balances of a cumulative tally against the inventory left.
    ///
    /// # Errors
    /// A message with both sides if units or money do not balance.
    pub fn check_balance(&self, stock_units: u64, transit_units: u64, inventory_yuan: f64) -> Result<(), String> {
        let out = self.units_sold + self.spoiled_total() + stock_units + transit_units + self.units_returned;
        if self.units_procured != out {
            return Err(format!(
                "units do not balance: procured {} ≠ sold {} + spoiled {} + in stock {} + in transit {} + returned {}",
                self.units_procured,
                self.units_sold,
                self.spoiled_total(),
                stock_units,
                transit_units,
                self.units_returned
            ));
        }
        let money_out = self.cogs_yuan + self.write_offs_yuan + inventory_yuan + self.returned_yuan;
        let tol = 1e-6 * (1.0 + self.procurement_yuan.abs());
        if (self.procurement_yuan - money_out).abs() > tol {
            return Err(format!(
                "money does not balance: procurement {:.6} ≠ cogs {:.6} + write-offs {:.6} + inventory {:.6} + returned {:.6}",
                self.procurement_yuan, self.cogs_yuan, self.write_offs_yuan, inventory_yuan, self.returned_yuan
            ));
        }
        let by_mode: f64 = self.transport_by_mode_yuan.iter().sum();
        if (by_mode - self.transport_yuan()).abs() > 1e-6 * (1.0 + by_mode.abs()) {
            return Err(format!("transport by mode {by_mode:.6} ≠ transport by leg {:.6}", self.transport_yuan()));
        }
        Ok(())
    }
}

/// Run totals of one product.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProductTotals {
    /// Product name.
    pub name: String,
    /// Units ordered.
    pub units_ordered: u64,
    /// Units bought.
    pub units_procured: u64,
    /// Units the central warehouse could not allocate.
    pub units_short: u64,
    /// Good units handed over.
    pub units_sold: u64,
    /// Defective units handed over.
    pub units_defective: u64,
    /// Units ordered but not handed over.
    pub units_stockout: u64,
    /// Units picked at the central warehouse.
    pub units_picked: u64,
    /// Hours units spent at the central warehouse before being picked, summed over units.
    pub central_dwell_unit_hours: f64,
}

impl ProductTotals {
    /// Mean hours a unit dwells at the central warehouse before it is picked.
    pub fn mean_central_dwell_hours(&self) -> f64 {
        if self.units_picked > 0 { self.central_dwell_unit_hours / self.units_picked as f64 } else { 0.0 }
    }
}

/// Run totals of one supplier.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SupplierTotals {
    /// Supplier name.
    pub name: String,
    /// Its kind (a label for reports: what the supplier is, not how it behaves).
    pub kind: crate::scenario::SupplierKind,
    /// Units shipped (after origin losses).
    pub units_shipped: u64,
    /// kg shipped.
    pub kg_shipped: f64,
    /// Paid for its lots, yuan.
    pub procurement_yuan: f64,
    /// Transport of its lane, yuan.
    pub transport_yuan: f64,
    /// Lots received at the central warehouse.
    pub lots_received: u64,
    /// Lots rejected by QC.
    pub lots_rejected: u64,
    /// Picks a lot bought at the cut-off misses before it arrives (0 = next morning's pick).
    pub lead_picks: u32,
    /// Mean age of received units as a share of shelf life (0 = fresh, 1 = at the mean shelf life).
    pub mean_age_share_on_arrival: f64,
    /// Units received (weights of the mean above).
    pub units_received: u64,
}

impl SupplierTotals {
    /// Transport cost per kg shipped, yuan.
    pub fn transport_per_kg_yuan(&self) -> f64 {
        if self.kg_shipped > 0.0 { self.transport_yuan / self.kg_shipped } else { 0.0 }
    }
}

impl AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, o: &Tally) {
        self.orders += o.orders;
        self.units_ordered += o.units_ordered;
        self.units_procured += o.units_procured;
        self.units_sold += o.units_sold;
        self.units_stockout += o.units_stockout;
        for (a, b) in self.spoiled.iter_mut().zip(o.spoiled) {
            *a += b;
        }
        self.units_returned += o.units_returned;
        for (a, b) in self.short_by_cause.iter_mut().zip(o.short_by_cause) {
            *a += b;
        }
        self.stockout_product_days += o.stockout_product_days;
        self.lots_received += o.lots_received;
        self.lots_inspected += o.lots_inspected;
        self.lots_rejected += o.lots_rejected;
        self.lots_false_origin_accepted += o.lots_false_origin_accepted;
        self.lots_recalled += o.lots_recalled;
        self.lots_recalled_false += o.lots_recalled_false;
        self.recall_yuan += o.recall_yuan;
        self.linehaul_loads += o.linehaul_loads;
        self.van_runs += o.van_runs;
        self.returned_yuan += o.returned_yuan;
        self.transport_fleet_yuan += o.transport_fleet_yuan;
        for (a, b) in self.transport_by_mode_yuan.iter_mut().zip(o.transport_by_mode_yuan) {
            *a += b;
        }
        self.qc_yuan += o.qc_yuan;
        for (a, b) in self.churned_by_cause.iter_mut().zip(o.churned_by_cause) {
            *a += b;
        }
        for (a, b) in self.left_market_by_cause.iter_mut().zip(o.left_market_by_cause) {
            *a += b;
        }
        self.gained += o.gained;
        self.residents_served += o.residents_served;
        self.complaints += o.complaints;
        self.refunds_granted += o.refunds_granted;
        self.refunds_refused += o.refunds_refused;
        self.refund_hours_sum += o.refund_hours_sum;
        self.subsidy_yuan += o.subsidy_yuan;
        self.coupons_yuan += o.coupons_yuan;
        self.revenue_yuan += o.revenue_yuan;
        self.refunds_yuan += o.refunds_yuan;
        self.procurement_yuan += o.procurement_yuan;
        self.cogs_yuan += o.cogs_yuan;
        self.write_offs_yuan += o.write_offs_yuan;
        self.transport_inbound_yuan += o.transport_inbound_yuan;
        self.transport_linehaul_yuan += o.transport_linehaul_yuan;
        self.transport_last_mile_yuan += o.transport_last_mile_yuan;
        self.warehousing_yuan += o.warehousing_yuan;
        self.commission_yuan += o.commission_yuan;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_detects_a_lost_unit_and_a_lost_yuan() {
        let mut t = Tally { units_procured: 10, units_sold: 6, procurement_yuan: 20.0, cogs_yuan: 12.0, ..Tally::default() };
        t.spoil(Stage::Central, 2, 4.0);
        assert!(t.check_balance(1, 1, 4.0).is_ok());
        assert!(t.check_balance(1, 0, 4.0).unwrap_err().contains("units"));
        assert!(t.check_balance(1, 1, 3.0).unwrap_err().contains("money"));
    }

    #[test]
    fn profit_sums_lines() {
        let t = Tally {
            revenue_yuan: 100.0,
            refunds_yuan: 5.0,
            cogs_yuan: 50.0,
            write_offs_yuan: 10.0,
            transport_inbound_yuan: 3.0,
            transport_linehaul_yuan: 2.0,
            transport_last_mile_yuan: 1.0,
            warehousing_yuan: 4.0,
            commission_yuan: 9.5,
            ..Tally::default()
        };
        assert!((t.profit_yuan() - 15.5).abs() < 1e-12);
    }
}
