//! Purchase planning: how many units of a product to buy tonight.
//!
//! Policy (issue 2): cover tonight's pre-sale orders plus a safety buffer, net of the
//! usable stock already at the central warehouse:
//! `buy = max(0, ceil(orders × (1 + safety_stock_factor)) − stock)`.
//! Forecast-based plans for stock bought ahead of orders are a later policy.

/// Units to buy for one product.
pub fn quantity(orders: u32, stock: u32, safety_stock_factor: f64) -> u32 {
    let target = (orders as f64 * (1.0 + safety_stock_factor)).ceil() as u32;
    target.saturating_sub(stock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_orders_plus_buffer_net_of_stock() {
        assert_eq!(quantity(100, 0, 0.05), 105);
        assert_eq!(quantity(100, 30, 0.05), 75);
        assert_eq!(quantity(100, 500, 0.05), 0);
        assert_eq!(quantity(0, 0, 0.5), 0);
    }
}
