//! A platform's prices for tonight, from its pricing policy and the rivals' prices of
//! yesterday, and its price index against the outside option's prices.

use super::Platform;
use crate::model::pricing;

impl Platform {
    /// Sets tonight's prices (day `day`) from the rivals' prices of yesterday (`rival_min[p]`,
    /// `None` without rivals) and returns the basket price index.
    pub(crate) fn set_prices(&mut self, rival_min: &[Option<f64>], day: u64) -> f64 {
        let c = &self.sc.pricing;
        let budget_left = self.subsidy_spent_yuan < c.subsidy_budget_yuan;
        let (mut num, mut den) = (0.0, 0.0);
        for (p, product) in self.products.iter().enumerate() {
            let stock = self.centres.iter().map(|c| c.wh.units(p)).sum::<u32>() as f64;
            let last_orders = self.centres.iter().map(|c| c.forecasts[p].last()).sum::<u32>() as f64;
            let clearance = product.shelf_mean_h < c.perishable_shelf_life_hours && stock > c.clearance_overstock_ratio * last_orders.max(1.0);
            // Price intelligence follows the season; the other policies keep their list price.
            let season = product.season(day);
            let list = if c.policy == crate::scenario::PricePolicy::CompetitorAware { product.price_yuan * season } else { product.price_yuan };
            let x = pricing::PriceInputs {
                list_yuan: list,
                unit_cost_yuan: product.unit_cost_yuan * season,
                rival_min_yuan: rival_min[p],
                clearance,
                budget_left,
            };
            self.prices[p] = pricing::price(c, x);
            num += product.basket_prob * self.prices[p];
            den += product.basket_prob * product.reference_price_yuan;
        }
        self.price_index = if den > 0.0 { num / den } else { 1.0 };
        self.price_index
    }
}
