//! Pricing policies (docs/model.md §4.2.2, §5.2.2): each evening before residents choose, a
//! platform sets each product's price from its list price, its unit cost and its rivals'
//! prices of the day before.
//!
//! - `list`: the product's `price_yuan`; `cost_plus`: unit cost × (1 + margin);
//! - `match_lowest`: the lowest rival price (own list price without rivals);
//! - `undercut`: `undercut_share` below the lowest rival price;
//! - `subsidy_war`: undercut while the subsidy budget lasts — the gap to the list price is
//!   the subsidy spent — then back to list;
//! - `competitor_aware`: the list price moved with the season's purchase price (a product's
//!   `season_amplitude`), but meet a cheaper rival down to `min_margin` over cost (price
//!   intelligence: never cut where nobody is cheaper). Regional price levels are not
//!   modelled: a market is one region.
//!
//! The optional regulatory floor (`floor = "cost"`, the December 2020 rule) keeps every
//! price at or above unit cost, except clearance of perishables (mean shelf life under
//! `perishable_shelf_life_hours`) when central stock exceeds `clearance_overstock_ratio` ×
//! last night's orders.

use crate::scenario::{PriceFloor, PricePolicy, PricingConfig};

/// One product's pricing inputs for tonight.
#[derive(Debug, Clone, Copy)]
pub struct PriceInputs {
    /// List price, yuan.
    pub list_yuan: f64,
    /// Unit cost, yuan.
    pub unit_cost_yuan: f64,
    /// Lowest rival price yesterday, yuan (`None` without rivals).
    pub rival_min_yuan: Option<f64>,
    /// Whether the product is perishable and overstocked (may be cleared below cost).
    pub clearance: bool,
    /// Whether the subsidy budget has money left.
    pub budget_left: bool,
}

/// Tonight's price of one product under `c`.
pub fn price(c: &PricingConfig, x: PriceInputs) -> f64 {
    let cut = |rival: f64| rival * (1.0 - c.undercut_share);
    let p = match (c.policy, x.rival_min_yuan) {
        (PricePolicy::List, _) => x.list_yuan,
        (PricePolicy::CostPlus, _) => x.unit_cost_yuan * (1.0 + c.margin),
        (PricePolicy::MatchLowest, Some(r)) => r,
        (PricePolicy::Undercut, Some(r)) => cut(r),
        (PricePolicy::SubsidyWar, Some(r)) if x.budget_left => cut(r).min(x.list_yuan),
        (PricePolicy::CompetitorAware, Some(r)) => x.list_yuan.min(r.max(x.unit_cost_yuan * (1.0 + c.min_margin))),
        (_, _) => x.list_yuan,
    };
    if c.floor == PriceFloor::Cost && !x.clearance { p.max(x.unit_cost_yuan) } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(rival: Option<f64>) -> PriceInputs {
        PriceInputs { list_yuan: 10.0, unit_cost_yuan: 7.0, rival_min_yuan: rival, clearance: false, budget_left: true }
    }

    #[test]
    fn policies() {
        let c = |policy| PricingConfig { policy, ..PricingConfig::default() };
        assert_eq!(price(&c(PricePolicy::List), inputs(Some(5.0))), 10.0);
        assert!((price(&c(PricePolicy::CostPlus), inputs(None)) - 10.15).abs() < 1e-9);
        assert_eq!(price(&c(PricePolicy::MatchLowest), inputs(Some(9.0))), 9.0);
        assert_eq!(price(&c(PricePolicy::MatchLowest), inputs(None)), 10.0);
        assert!((price(&c(PricePolicy::Undercut), inputs(Some(9.0))) - 8.1).abs() < 1e-9);
        let broke = PriceInputs { budget_left: false, ..inputs(Some(9.0)) };
        assert_eq!(price(&c(PricePolicy::SubsidyWar), broke), 10.0);
        // Competitor-aware: meets a cheaper rival, not below 10 % over cost, never above list.
        assert_eq!(price(&c(PricePolicy::CompetitorAware), inputs(Some(9.0))), 9.0);
        assert!((price(&c(PricePolicy::CompetitorAware), inputs(Some(5.0))) - 7.7).abs() < 1e-9);
        assert_eq!(price(&c(PricePolicy::CompetitorAware), inputs(Some(12.0))), 10.0);
    }

    #[test]
    fn floor_stops_selling_below_cost_except_clearance() {
        let c = PricingConfig { policy: PricePolicy::Undercut, undercut_share: 0.5, floor: PriceFloor::Cost, ..PricingConfig::default() };
        assert_eq!(price(&c, inputs(Some(10.0))), 7.0);
        let clear = PriceInputs { clearance: true, ..inputs(Some(10.0)) };
        assert_eq!(price(&c, clear), 5.0);
    }
}
