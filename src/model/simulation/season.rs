//! A season played night by night: the market runs until tonight's orders are in, then
//! waits for tonight's purchase to be decided outside the model (a student playing the
//! platform's buyer) before it goes on to the next night. Nothing else differs from
//! [`super::run`]: a season whose every purchase is left to the plan (`None`) is the run,
//! bit for bit, and every draw comes from the same streams, so a player and the plan face
//! the same residents, weather and suppliers.
//!
//! Playable markets have one platform with one central warehouse (the player is its buyer).

use serde::Serialize;

use super::{Event, Market, ModelError, RunReport};
use crate::engine::parallel::Workers;
use crate::engine::{EventQueue, SimTime};
use crate::model::lot::Portion;
use crate::scenario::Scenario;

/// A market paused at a cut-off, waiting for tonight's purchase.
pub struct Season {
    m: Market,
    q: EventQueue<Event>,
    seed: u64,
    replication: u64,
    /// The cut-off the market waits at (`None`: the last day has ended).
    paused: Option<SimTime>,
    /// Each product's stock-outs up to the last cut-off, for today's own.
    stockouts_before: Vec<u64>,
    stockouts_today: Vec<u64>,
}

/// What the buyer sees tonight.
#[derive(Debug, Clone, Serialize)]
pub struct Night {
    /// Tonight's day, from 0.
    pub day: u64,
    /// Per product.
    pub products: Vec<ProductNight>,
    /// Today up to the cut-off: the pickup is over (none on the first night, before any).
    pub today: Option<Today>,
    /// Customers at yesterday's end (at the start on the first night).
    pub customers: u64,
}

/// One product tonight.
#[derive(Debug, Clone, Serialize)]
pub struct ProductNight {
    /// Product name.
    pub name: String,
    /// Units the residents ordered tonight (handed over at tomorrow's pickup).
    pub orders_units: u64,
    /// Units at the central warehouse now.
    pub stock_units: u64,
    /// Mean share of its shelf life the stock has used (units-weighted; 0 without stock).
    pub stock_age_share: f64,
    /// Units bought on earlier nights and still on the road.
    pub on_order_units: u64,
    /// Picks a lot bought tonight misses before it arrives: 0 = in time for tomorrow
    /// morning's pick (it serves tonight's orders), 1 = the pick after, …
    pub lead_nights: u32,
    /// The platform's forecast of one night's orders, tonight's included (its policy).
    pub forecast_units: f64,
    /// What the platform's own purchase plan would buy tonight.
    pub plan_units: u64,
    /// Purchase price per unit, yuan.
    pub unit_cost_yuan: f64,
    /// Tonight's selling price per unit, yuan.
    pub price_yuan: f64,
    /// Where it is bought: (supplier, share), in the sourcing's order.
    pub sources: Vec<(String, f64)>,
    /// Units ordered for today's pickup but not there (stock-outs).
    pub stockout_units_today: u64,
}

/// The platform's day so far, at the cut-off (today's pickup is over; the day's costs of
/// storage and commission are booked at its end).
#[derive(Debug, Clone, Serialize)]
pub struct Today {
    /// Units handed over at today's pickup.
    pub units_sold: u64,
    /// Units ordered for today but missing at the pickup.
    pub units_stockout: u64,
    /// Units spoiled anywhere today so far.
    pub units_spoiled: u64,
    /// Complaints received today.
    pub complaints: u64,
    /// Revenue of today's pickup, yuan.
    pub revenue_yuan: f64,
}

impl Season {
    /// Replication `replication` of `sc` with root seed `seed`, paused at the first cut-off.
    ///
    /// # Errors
    /// [`ModelError::NotPlayable`] for a market of several platforms or centres; as [`super::run`].
    pub fn new(sc: &Scenario, seed: u64, replication: u64) -> Result<Season, ModelError> {
        Season::playable(sc).map_err(ModelError::NotPlayable)?;
        // One thread: a season is played a day at a time, and is small.
        let (m, q) = Market::start(sc, seed, replication, false, Workers::new(1).map_err(ModelError::Threads)?)?;
        let n = m.n_products;
        let mut s = Season { m, q, seed, replication, paused: None, stockouts_before: vec![0; n], stockouts_today: vec![0; n] };
        s.advance()?;
        Ok(s)
    }

    /// Whether a season can be played on `sc`: one platform with one central warehouse
    /// (else why not).
    pub fn playable(sc: &Scenario) -> Result<(), String> {
        if !sc.platforms.is_empty() {
            return Err(format!("{} has {} platforms; a season is played on a market of one", sc.name, sc.platforms.len()));
        }
        if !sc.centres.is_empty() {
            return Err(format!("{} has {} central warehouses; a season is played with one", sc.name, sc.centres.len() + 1));
        }
        Ok(())
    }

    /// Runs events until the next cut-off's orders are in (or the last day has ended).
    fn advance(&mut self) -> Result<(), ModelError> {
        let last_day = self.m.sc.run.horizon_days as u64 - 1;
        while let Some((now, ev)) = self.q.pop() {
            if ev == Event::Cutoff {
                self.m.evening(now, now.day());
                self.paused = Some(now);
                let totals = &self.m.platforms[0].product_totals;
                for (p, t) in totals.iter().enumerate() {
                    self.stockouts_today[p] = t.units_stockout - self.stockouts_before[p];
                    self.stockouts_before[p] = t.units_stockout;
                }
                return Ok(());
            }
            self.m.handle(&mut self.q, now, ev)?;
            if ev == Event::DayEnd && now.day() == last_day {
                break;
            }
        }
        self.paused = None;
        Ok(())
    }

    /// Whether the last day has ended.
    pub fn is_over(&self) -> bool {
        self.paused.is_none()
    }

    /// Buys tonight: `purchase[p]` units of product `p` (`None`: the platform's own plan
    /// decides), then runs to the next night. A no-op once the season is over.
    ///
    /// # Errors
    /// As [`super::run`]; `purchase` must have one entry per product (checked by the caller).
    pub fn night(&mut self, purchase: Option<&[u32]>) -> Result<(), ModelError> {
        let Some(now) = self.paused else { return Ok(()) };
        self.m.platforms[0].purchase = purchase.map(<[u32]>::to_vec);
        let r = self.m.purchases(&mut self.q, now, now.day());
        self.m.platforms[0].purchase = None;
        r?;
        self.advance()
    }

    /// Sets the sourcing split of product `p` from tonight on: `shares` per source, in the
    /// order of [`ProductNight::sources`], normalised.
    ///
    /// # Errors
    /// A message naming what is wrong: not one share per source, a share negative or not
    /// finite, or all zero.
    pub fn set_split(&mut self, p: usize, shares: &[f64]) -> Result<(), String> {
        let sourcing = &mut self.m.platforms[0].centres[0].sourcing[p];
        if shares.len() != sourcing.split.len() {
            return Err(format!("{} shares for {} sources", shares.len(), sourcing.split.len()));
        }
        if let Some(x) = shares.iter().find(|x| !x.is_finite() || **x < 0.0) {
            return Err(format!("share {x} is not a number ≥ 0"));
        }
        let total: f64 = shares.iter().sum();
        if total <= 0.0 {
            return Err("the shares are all zero".into());
        }
        for (s, x) in sourcing.split.iter_mut().zip(shares) {
            s.1 = x / total;
        }
        Ok(())
    }

    /// What the buyer sees tonight (the state at the last cut-off once the season is over).
    pub fn tonight(&self) -> Night {
        let p0 = &self.m.platforms[0];
        let c = &p0.centres[0];
        let day = self.paused.map_or(self.m.sc.run.horizon_days as u64, SimTime::day);
        let products = p0
            .products
            .iter()
            .enumerate()
            .map(|(p, product)| {
                let orders: u64 = c.leaders.iter().map(|&l| p0.orders[l * p0.products.len() + p] as u64).sum();
                let (stock, plan) = match self.paused {
                    Some(now) => p0.plan_preview(0, p, now, now.day()),
                    None => (c.wh.stock[p].iter().copied().collect(), 0),
                };
                let units: u64 = stock.iter().map(|x| x.qty as u64).sum();
                let mut forecast = c.forecasts[p].clone();
                forecast.observe(orders as u32);
                ProductNight {
                    name: product.name.clone(),
                    orders_units: orders,
                    stock_units: units,
                    stock_age_share: age_share(&stock, product.shelf_mean_h),
                    on_order_units: p0.on_order(0, p) as u64,
                    lead_nights: c.lead_picks[p],
                    forecast_units: forecast.forecast(),
                    plan_units: plan as u64,
                    unit_cost_yuan: product.unit_cost_yuan,
                    price_yuan: p0.prices[p],
                    sources: c.sourcing[p].split.iter().map(|&(s, w)| (p0.sc.suppliers[s].name.clone(), w)).collect(),
                    stockout_units_today: self.stockouts_today[p],
                }
            })
            .collect();
        let t = &p0.today;
        let today = (day > 0).then(|| Today {
            units_sold: t.units_sold,
            units_stockout: t.units_stockout,
            units_spoiled: t.spoiled_total(),
            complaints: t.complaints,
            revenue_yuan: t.revenue_yuan,
        });
        let customers = self.m.platform_days[0].last().map_or(p0.customers_start, |d| d.customers);
        Night { day, products, today, customers }
    }

    /// Plays the nights left with the platform's own plan and returns the run's report.
    ///
    /// # Errors
    /// As [`super::run`].
    pub fn finish(mut self) -> Result<RunReport, ModelError> {
        while !self.is_over() {
            self.night(None)?;
        }
        Ok(self.m.finish(self.seed, self.replication).0)
    }
}

/// The units-weighted mean age of `stock` as a share of a mean shelf life of `shelf_h`
/// hours (0 without stock).
fn age_share(stock: &[Portion], shelf_h: f64) -> f64 {
    let units: u64 = stock.iter().map(|x| x.qty as u64).sum();
    if units == 0 {
        return 0.0;
    }
    stock.iter().map(|x| x.qty as f64 * x.age_h).sum::<f64>() / units as f64 / shelf_h
}

impl std::fmt::Debug for Season {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Season").field("scenario", &self.m.sc.name).field("seed", &self.seed).field("paused", &self.paused).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stock_age_is_weighted_by_units() {
        let p = |qty, age_h| Portion::new(0, qty, age_h, SimTime(0));
        // 30 units at 10 h and 10 units at 50 h: 20 h on average, of 200 h.
        assert_eq!(age_share(&[p(30, 10.0), p(10, 50.0)], 200.0), 0.1);
        assert_eq!(age_share(&[p(4, 100.0)], 400.0), 0.25);
        assert_eq!(age_share(&[], 200.0), 0.0);
        assert_eq!(age_share(&[p(0, 80.0)], 200.0), 0.0);
    }
}
