//! Purchase planning: how many units of a product to buy tonight (docs/model.md §4.1.3, §5.1.3).
//!
//! Lots that reach the central warehouse before the next pick (lead 0) are bought against
//! tonight's known pre-sale orders: `buy = ceil(orders × (1 + safety)) − stock`. Lots that
//! arrive `L ≥ 1` picks later must be bought ahead of orders, up to a target that covers
//! the picks until they arrive: `buy = ceil((orders + L × forecast) × (1 + safety)) −
//! stock − on order`. The forecast is a [`Forecast`] policy over past nights' orders:
//! `none` (tonight's orders), a moving average, or exponential smoothing.

use crate::scenario::{Forecast, PolicyConfig};

/// Order history and forecast of one product.
#[derive(Debug, Clone)]
pub struct DemandForecast {
    policy: Forecast,
    window: usize,
    alpha: f64,
    history: Vec<u32>,
    level: Option<f64>,
}

impl DemandForecast {
    /// An empty history under `policy`.
    pub fn new(policy: &PolicyConfig) -> Self {
        DemandForecast {
            policy: policy.forecast,
            window: policy.forecast_window_days as usize,
            alpha: policy.smoothing_alpha,
            history: Vec::new(),
            level: None,
        }
    }

    /// Records tonight's orders.
    pub fn observe(&mut self, orders: u32) {
        self.history.push(orders);
        let x = orders as f64;
        self.level = Some(match self.level {
            None => x,
            Some(l) => self.alpha * x + (1.0 - self.alpha) * l,
        });
    }

    /// Last night's orders (0 before the first night).
    pub fn last(&self) -> u32 {
        self.history.last().copied().unwrap_or(0)
    }

    /// Forecast of a future night's orders.
    pub fn forecast(&self) -> f64 {
        match self.policy {
            Forecast::None => self.history.last().copied().unwrap_or(0) as f64,
            Forecast::MovingAverage => {
                let n = self.history.len().min(self.window);
                if n == 0 {
                    return 0.0;
                }
                self.history[self.history.len() - n..].iter().map(|&x| x as f64).sum::<f64>() / n as f64
            }
            Forecast::ExpSmoothing => self.level.unwrap_or(0.0),
        }
    }
}

/// Units to buy for one product: `orders` known tonight, `lead_picks` picks before a lot
/// bought now arrives, `stock` at the central warehouse and `on_order` on the way.
pub fn quantity(orders: u32, forecast: f64, lead_picks: u32, stock: u32, on_order: u32, safety_stock_factor: f64) -> u32 {
    let demand = orders as f64 + lead_picks as f64 * forecast;
    let target = (demand * (1.0 + safety_stock_factor)).ceil() as u32;
    target.saturating_sub(stock).saturating_sub(on_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_orders_plus_buffer_net_of_stock() {
        assert_eq!(quantity(100, 0.0, 0, 0, 0, 0.05), 105);
        assert_eq!(quantity(100, 0.0, 0, 30, 0, 0.05), 75);
        assert_eq!(quantity(100, 0.0, 0, 500, 0, 0.05), 0);
        assert_eq!(quantity(0, 0.0, 0, 0, 0, 0.5), 0);
        // Bought two picks ahead: tonight's orders plus two forecast nights, net of the pipeline.
        assert_eq!(quantity(100, 90.0, 2, 10, 150, 0.0), 120);
    }

    #[test]
    fn forecasts() {
        let mut p = PolicyConfig { forecast: Forecast::MovingAverage, forecast_window_days: 2, ..PolicyConfig::default() };
        let mut ma = DemandForecast::new(&p);
        p.forecast = Forecast::ExpSmoothing;
        p.smoothing_alpha = 0.5;
        let mut es = DemandForecast::new(&p);
        p.forecast = Forecast::None;
        let mut naive = DemandForecast::new(&p);
        for x in [10, 20, 40] {
            ma.observe(x);
            es.observe(x);
            naive.observe(x);
        }
        assert_eq!(ma.forecast(), 30.0);
        assert_eq!(es.forecast(), 0.5 * 40.0 + 0.5 * (0.5 * 20.0 + 0.5 * 10.0));
        assert_eq!(naive.forecast(), 40.0);
    }
}
