//! The simulation: a market of one or more platforms competing for the residents of a
//! set of neighbourhoods (one pickup point of every platform in each), driven by the event
//! queue through the daily pre-sale cycle. Returns a [`RunReport`].
//!
//! Events of day `d` (hours from `[timeline]`; platform events carry the platform):
//! ```text
//! 02:00 CentralPick        each platform allocates last night's orders per leader
//! 05:00 LinehaulDepart(g)  trucks to each grid warehouse; then LinehaulArrive, LastMileDepart,
//!                          LeaderArrive as the goods move
//! 21:00 Pickup(l)          hand-over, trust, complaints and refunds, recalls, word of mouth
//! 23:00 Cutoff             prices (from rivals' of yesterday); today's scandals; residents who
//!                          act tonight move away or choose and order, and every resident ends
//!                          its day in the same pass (scandal, trust recovery, coupon
//!                          eligibility, counts); each platform's purchase plan; suppliers ship
//!                          (InboundArrival later)
//! 23:59 DayEnd             coupons handed out, leader ratings and switching, newcomers,
//!                          accounts and balance checks, daily rows
//! ```
//! Random streams are named by purpose and agent (and day), e.g. `("lot", supplier × 64 +
//! product, day)`; each resident's evening draws from its own stream `(EVENING, resident,
//! day)` (see [`super::streams`]), so two scenarios that differ in policy see the same draws.

mod market_events;
mod neighbourhoods;
mod season;

use std::ops::Range;

use rand::RngExt;

use super::accounts::{ProductTotals, Stage, SupplierTotals, Tally};
pub(crate) use super::event::Event;
pub use super::event::ModelError;
pub use season::{Night, ProductNight, Season, Today};
use super::platform::{CentreTotals, Platform, Town};
use super::streams;
use super::basket::Baskets;
use super::resident::{Census, ChurnCause, Order, Residents, ShopTally, top_share};
use neighbourhoods::CouponRule;
use super::trace::{Trace, TraceEvent};
use super::world::World;
use crate::engine::time::MINUTES_PER_DAY;
use crate::engine::parallel::Workers;
use crate::engine::{EventQueue, RunSeed, SimTime};
use crate::scenario::{PricePolicy, RetentionTarget, Scenario};

/// What a run produced: market totals per day, and per platform.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Root seed used.
    pub seed: u64,
    /// Replication index.
    pub replication: u64,
    /// Residents in the market when statistics start (after the warm-up).
    pub residents_initial: u64,
    /// Days of warm-up before statistics start (not in `days`).
    pub warmup_days: u64,
    /// Residents who were a customer of some platform during the statistics window
    /// (customers at its start, and everyone who became one later): the churn denominator.
    pub residents_exposed: u64,
    /// Of them, residents who left the market at least once (gross churn, each counted once).
    pub residents_left: u64,
    /// Of them, residents who are not a customer of any platform at the end (net churn).
    pub residents_lost: u64,
    /// Per day (index = day), summed over platforms.
    pub days: Vec<DayRecord>,
    /// Sum over all days and platforms.
    pub total: Tally,
    /// Units in stock at the end (all platforms).
    pub stock_units_end: u64,
    /// Units in transit at the end (all platforms).
    pub transit_units_end: u64,
    /// Names of the transport modes, in the order of `Tally::transport_by_mode_yuan`.
    pub mode_names: Vec<String>,
    /// Run totals per product (summed over platforms).
    pub products: Vec<ProductTotals>,
    /// Run totals per supplier (of every platform; names prefixed with the platform's in a market).
    pub suppliers: Vec<SupplierTotals>,
    /// Per platform.
    pub platforms: Vec<PlatformReport>,
    /// Run totals per central warehouse (of every platform; names prefixed with the
    /// platform's in a market).
    pub centres: Vec<CentreTotals>,
    /// Share of all money spent brought by the top 20 % of residents by spend.
    pub top20_revenue_share: f64,
}

/// One platform's run.
#[derive(Debug, Clone)]
pub struct PlatformReport {
    /// Name.
    pub name: String,
    /// Its customers when statistics started.
    pub customers_start: u64,
    /// Per day.
    pub days: Vec<PlatformDay>,
    /// Totals.
    pub total: Tally,
}

/// One platform's day.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformDay {
    /// Day index.
    pub day: u64,
    /// The day's flows.
    pub tally: Tally,
    /// Orders / shopping occasions in the market (platforms and outside option).
    pub market_share: f64,
    /// Residents who are its customers at day end.
    pub customers: u64,
    /// Basket price over the reference (outside) basket, tonight.
    pub price_index: f64,
    /// Mean trust in it of the residents in the market.
    pub mean_trust: f64,
    /// Pickup points it still runs.
    pub leaders_serving: u64,
    /// Whether a scandal broke today.
    pub scandal: bool,
}

/// Residents per slice of the walks over all of them at a run's end.
const FINISH_SLICE: usize = 1 << 18;

/// One day's market totals and end-of-day state.
#[derive(Debug, Clone)]
pub struct DayRecord {
    /// Day index, from 0.
    pub day: u64,
    /// Flows of the day, summed over platforms.
    pub tally: Tally,
    /// Residents in the market who are a customer of at least one platform, at day end.
    pub active_residents: u64,
    /// Prospects who joined the market this day (reputation-dependent inflow).
    pub newcomers: u64,
    /// Units in stock at day end (warehouses, leaders).
    pub stock_units: u64,
    /// Units in transit at day end.
    pub transit_units: u64,
}

struct Market {
    sc: Scenario,
    seed: RunSeed,
    platforms: Vec<Platform>,
    residents: Residents,
    /// Each neighbourhood's residents (consecutive, from 0).
    hoods: Vec<Range<usize>>,
    /// Chunks of work: neighbourhood index ranges, and the residents each covers.
    chunks: Vec<Range<usize>>,
    resident_chunks: Vec<Range<usize>>,
    /// Each chunk's counts for the day's end, kept as its residents change.
    census: Vec<Census>,
    /// The run's worker threads.
    workers: Workers,
    /// Each neighbourhood's orders at the last cut-off, in resident order.
    orders: Vec<Vec<Order>>,
    /// Units ordered at the last cut-off, `(neighbourhood × platforms + k) × n_products + p`.
    hood_units: Vec<u32>,
    /// Each neighbourhood's first prospect (prospects are its last residents).
    first_prospect: Vec<usize>,
    n_products: usize,
    /// Every segment's basket.
    baskets: Baskets,
    shop_tally: Vec<ShopTally>,
    outside_today: u64,
    /// Per platform: no triggered scandal before this day.
    scandal_quiet_until: Vec<u64>,
    /// Spend multiplier of the top 20 % (retention targeting).
    top_spend: f32,
    days: Vec<DayRecord>,
    /// Weather, shocks and supplier yields, shared by every platform.
    world: World,
    platform_days: Vec<Vec<PlatformDay>>,
    trace: Trace,
    /// Days before statistics start.
    warmup: u64,
    /// Residents in the market when statistics started.
    residents_start: u64,
    /// Each platform at yesterday's end, for the market's events in the trace.
    watch: Vec<market_events::Watch>,
    /// Each segment's customers over the last week, for the market's events in the trace.
    segment_watch: market_events::SegmentWatch,
    /// Tonight's scandals and the residents' day-end counts, from the evening to the day's end.
    tonight: Option<(Vec<Option<f64>>, neighbourhoods::DayEndCounts)>,
}

/// Runs replication `replication` of `sc` with root seed `seed` over `sc.run.horizon_days`.
///
/// # Errors
/// [`ModelError`] if a balance check fails (a bug, never bad input: input is validated
/// when the scenario is loaded).
pub fn run(sc: &Scenario, seed: u64, replication: u64) -> Result<RunReport, ModelError> {
    run_with(sc, seed, replication, &RunOptions::default(), &mut |_, _| {}).map(|(r, _)| r)
}

/// How to run: options that change the work, never the results.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Collect the trace of notable events.
    pub trace: bool,
    /// Threads for the passes over residents (outputs are identical for any number).
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { trace: false, threads: 1 }
    }
}

/// Like [`run`], with `options`, also returning the trace of notable events (when
/// `options.trace`), and calling `progress(days_done, days)` at the end of every simulated day.
///
/// # Errors
/// As [`run`]; [`ModelError::Threads`] if the worker threads cannot be started.
pub fn run_with(sc: &Scenario, seed: u64, replication: u64, options: &RunOptions, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<(RunReport, Vec<TraceEvent>), ModelError> {
    let workers = Workers::new(options.threads).map_err(ModelError::Threads)?;
    // The whole run on a thread of the pool: see `Workers::within`.
    workers.clone().within(|| simulate(sc, seed, replication, options.trace, workers, progress))
}

/// [`run_with`] on the thread it is called from, with `workers` for its parallel passes.
fn simulate(sc: &Scenario, seed: u64, replication: u64, trace: bool, workers: Workers, progress: &mut (dyn FnMut(u64, u64) + Send)) -> Result<(RunReport, Vec<TraceEvent>), ModelError> {
    let (mut m, mut q) = Market::start(sc, seed, replication, trace, workers)?;
    // Run until the last day's end: events due in its last minute after it (a lot arriving
    // at 23:59) belong to a day that is not simulated and stay pending.
    let last_day = sc.run.horizon_days as u64 - 1;
    while let Some((now, ev)) = q.pop() {
        m.handle(&mut q, now, ev)?;
        if ev == Event::DayEnd {
            progress(now.day() + 1, last_day + 1);
            if now.day() == last_day {
                break;
            }
        }
    }
    Ok(m.finish(seed, replication))
}

impl Market {
    /// The market of replication `replication`, built and with its first day scheduled.
    fn start(sc: &Scenario, seed: u64, replication: u64, trace: bool, workers: Workers) -> Result<(Market, EventQueue<Event>), ModelError> {
        let mut m = Market::build(sc, RunSeed::new(seed, replication), workers)?;
        m.trace = Trace::new(trace);
        for p in &mut m.platforms {
            p.trace = Trace::new(trace);
        }
        let warmup = (sc.run.warmup_days as u64).min(sc.run.horizon_days.max(1) as u64 - 1);
        m.warmup = warmup;
        if warmup == 0 {
            m.start_window();
        }
        let mut q: EventQueue<Event> = EventQueue::with_capacity(2 * m.hoods.len() * m.platforms.len() + 64);
        m.schedule_day(&mut q, 0)?;
        Ok((m, q))
    }

    /// The run's report and trace, once its last day has ended.
    fn finish(mut self, seed: u64, replication: u64) -> (RunReport, Vec<TraceEvent>) {
        let m = &mut self;
        let sc = &m.sc;
        // One trace in time order (stable: events of one time keep their order, market first).
        let mut events = m.trace.events.take().unwrap_or_default();
        for p in &mut m.platforms {
            events.extend(p.trace.events.take().unwrap_or_default());
        }
        events.sort_by_key(|e| e.time_min);
        let mut total = Tally::default();
        let (mut stock, mut transit) = (0, 0);
        let mut products: Vec<ProductTotals> = m.platforms[0].product_totals.iter().map(|p| ProductTotals { name: p.name.clone(), ..ProductTotals::default() }).collect();
        let mut suppliers = Vec::new();
        let multi = m.platforms.len() > 1;
        for p in &m.platforms {
            total += &p.stats;
            let (s, t) = p.stock_and_transit();
            stock += s;
            transit += t;
            for (a, b) in products.iter_mut().zip(&p.product_totals) {
                a.units_ordered += b.units_ordered;
                a.units_procured += b.units_procured;
                a.units_short += b.units_short;
                a.units_sold += b.units_sold;
                a.units_defective += b.units_defective;
                a.units_stockout += b.units_stockout;
                a.units_picked += b.units_picked;
                a.central_dwell_unit_hours += b.central_dwell_unit_hours;
            }
            for s in &p.supplier_totals {
                let mut s = s.clone();
                if s.units_received > 0 {
                    s.mean_age_share_on_arrival /= s.units_received as f64;
                }
                if multi {
                    s.name = format!("{}/{}", p.name, s.name);
                }
                suppliers.push(s);
            }
        }
        let centres = m
            .platforms
            .iter()
            .flat_map(|p| p.centres.iter().map(move |c| CentreTotals { name: if multi { format!("{}/{}", p.name, c.name) } else { c.name.clone() }, ..c.totals.clone() }))
            .collect();
        let ((exposed, left, lost), spends) = neighbourhoods::run_end(&m.residents, &m.workers, FINISH_SLICE);
        let top20_revenue_share = top_share(spends, 0.2);
        let platforms = m
            .platforms
            .iter()
            .zip(std::mem::take(&mut m.platform_days))
            .map(|(p, days)| PlatformReport { name: p.name.clone(), customers_start: p.customers_start, days, total: p.stats.clone() })
            .collect();
        (RunReport {
            scenario: sc.name.clone(),
            seed,
            replication,
            residents_initial: m.residents_start,
            warmup_days: m.warmup,
            residents_exposed: exposed,
            residents_left: left,
            residents_lost: lost,
            days: std::mem::take(&mut m.days),
            total,
            stock_units_end: stock,
            transit_units_end: transit,
            mode_names: m.platforms[0].modes.iter().map(|x| x.name.clone()).collect(),
            products,
            suppliers,
            platforms,
            centres,
            top20_revenue_share,
        }, events)
    }

    fn build(sc: &Scenario, seed: RunSeed, workers: Workers) -> Result<Self, ModelError> {
        super::footprint::check(sc).map_err(ModelError::TooBig)?;
        let resolved = sc.resolve_platforms().map_err(|(i, path, msg)| ModelError::Platform(format!("{i} ({path}): {msg}")))?;
        let n_platforms = resolved.len();
        let base = resolved[0].1.clone();
        // Neighbourhoods: one per leader of the first platform, with its households.
        let mut residents = Residents::new(&sc.residents, &sc.segments, n_platforms);
        let shares: Vec<f64> = if sc.segments.is_empty() {
            crate::scenario::default_segments(sc.residents.order_prob_per_day).iter().map(|g| g.share).collect()
        } else {
            sc.segments.iter().map(|g| g.share).collect()
        };
        let (mut hoods, mut households, mut first_prospect) = (Vec::new(), Vec::new(), Vec::new());
        let l = &base.leaders;
        for gc in &base.grid_warehouses {
            let km = (gc.leader_distance_km_min, gc.leader_distance_km_max);
            for _ in 0..gc.leaders {
                let id = hoods.len() as u64;
                let (h, prospects) = neighbourhoods::hood_size(&seed, id, km, l.households_mean, l.households_spread, sc.market.prospects_share);
                let start = hoods.last().map_or(0, |r: &Range<usize>| r.end);
                hoods.push(start..start + h + prospects);
                households.push(h);
                first_prospect.push(start + h);
            }
        }
        let draws = residents.draws(&shares);
        neighbourhoods::populate(&mut residents, &hoods, &households, &draws, &seed, &workers);
        residents.shrink_to_fit();
        let (chunks, resident_chunks) = neighbourhoods::hood_chunks(&hoods);
        let census = workers.map(residents.split_mut(&resident_chunks), |v| v.census());
        let mut platforms: Vec<Platform> = resolved
            .into_iter()
            .enumerate()
            .map(|(k, (name, psc))| {
                let pseed = if k == 0 { seed } else { RunSeed::new(seed.seed.wrapping_add((k as u64) << 40), seed.replication) };
                Platform::build(k as u8, name, psc, pseed, seed, &hoods)
            })
            .collect();
        let n_products = platforms[0].products.len();
        let names: Vec<&str> = platforms.iter().flat_map(|p| p.sc.suppliers.iter().map(|s| s.name.as_str())).collect();
        let world = World::new(&base, seed, &names, n_products);
        for p in &mut platforms {
            p.world_index = p.sc.suppliers.iter().map(|s| world.supplier_index(&s.name)).collect();
        }
        let chances: Vec<Vec<f64>> = residents
            .segments
            .iter()
            .map(|seg| base.products.iter().map(|pc| pc.basket_prob * pc.segment_boost.get(&seg.name).copied().unwrap_or(1.0) * base.residents.basket_scale).collect())
            .collect();
        let baskets = Baskets::new(&chances);
        // The spend multiplier of the top 20 %, if a retention policy targets them.
        let top_spend = if platforms.iter().any(|p| p.sc.retention.target == RetentionTarget::TopSpend) {
            let mut spend: Vec<f32> = residents.spend.clone();
            let i = spend.len() / 5;
            if i < spend.len() { *spend.select_nth_unstable_by(i, |a, b| b.total_cmp(a)).1 } else { f32::MAX }
        } else {
            f32::MAX
        };
        Ok(Market {
            sc: sc.clone(),
            seed,
            orders: neighbourhoods::order_lists(hoods.len()),
            hood_units: vec![0; hoods.len() * n_platforms * n_products],
            first_prospect,
            chunks,
            resident_chunks,
            census,
            workers,
            shop_tally: vec![ShopTally::default(); n_platforms],
            outside_today: 0,
            scandal_quiet_until: vec![0; n_platforms],
            platform_days: vec![Vec::new(); n_platforms],
            platforms,
            residents,
            hoods,
            n_products,
            baskets,
            top_spend,
            days: Vec::new(),
            world,
            trace: Trace::default(),
            warmup: 0,
            residents_start: 0,
            watch: vec![market_events::Watch::default(); n_platforms],
            segment_watch: market_events::SegmentWatch::default(),
            tonight: None,
        })
    }

    fn schedule_day(&self, q: &mut EventQueue<Event>, day: u64) -> Result<(), ModelError> {
        for p in &self.platforms {
            p.schedule_day(q, day)?;
        }
        let t = &self.sc.timeline;
        let put = |q: &mut EventQueue<Event>, at, ev| q.schedule_at(at, ev).map_err(|e| ModelError::Queue(e.to_string()));
        put(q, SimTime::at_day_hour(day, t.order_cutoff_hour), Event::Cutoff)?;
        put(q, SimTime((day + 1) * MINUTES_PER_DAY - 1), Event::DayEnd)
    }

    fn handle(&mut self, q: &mut EventQueue<Event>, now: SimTime, ev: Event) -> Result<(), ModelError> {
        let day = now.day();
        match ev {
            Event::Platform(k, pe) => {
                let mut town = Town {
                    residents: &mut self.residents,
                    orders: &self.orders,
                    chunks: &self.chunks,
                    resident_chunks: &self.resident_chunks,
                    census: &mut self.census,
                    workers: &self.workers,
                };
                self.platforms[k as usize].handle(q, now, pe, &mut town, &self.sc.reputation)
            }
            Event::Cutoff => self.cutoff(q, now, day),
            Event::DayEnd => self.day_end(q, now, day),
        }
    }

    fn cutoff(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        self.evening(now, day);
        self.purchases(q, now, day)
    }

    /// The cut-off's market side: tonight's prices, the residents' orders, the world's weather.
    fn evening(&mut self, now: SimTime, day: u64) {
        let np = self.platforms.len();
        let n_products = self.n_products;
        // Prices from the rivals' prices of yesterday (all read before any is changed).
        let yesterday: Vec<Vec<f64>> = self.platforms.iter().map(|p| p.prices.clone()).collect();
        for k in 0..np {
            let rival_min: Vec<Option<f64>> = (0..n_products)
                .map(|p| (0..np).filter(|&j| j != k).map(|j| yesterday[j][p]).reduce(f64::min))
                .collect();
            self.platforms[k].set_prices(&rival_min, day);
        }
        // Residents choose and order, neighbourhood by neighbourhood, and end their day.
        let scandal = self.scandals(day);
        let coupons = self.coupon_rules();
        let (tally, outside, counts) = self.evening_all(day, &scandal, &coupons);
        self.shop_tally.copy_from_slice(&tally[..np]);
        self.outside_today = outside;
        self.tonight = Some((scandal, counts));
        // The world's day: weather in every region (random and scheduled shocks).
        for (i, before) in self.world.new_day(day) {
            let cut = self.world.weather_cut[i];
            let region = self.world.region_name(i).to_string();
            if cut > 0.0 && before == 0.0 {
                self.trace.push(now.0, "", "region", &region, "weather_shock", "", -1, (cut * 100.0).round() as u64, "weather");
            } else if cut == 0.0 && before > 0.0 {
                self.trace.push(now.0, "", "region", &region, "weather_over", "", -1, 0, "weather");
            }
        }
    }

    /// The cut-off's purchases: platforms buy in turn, in an order that rotates by day
    /// (shared supplier yields).
    fn purchases(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        let np = self.platforms.len();
        for i in 0..np {
            let k = (day as usize + i) % np;
            let p = &mut self.platforms[k];
            let t = &self.shop_tally[k];
            p.today.orders += t.orders;
            p.today.gained += t.gained;
            for (a, b) in p.today.churned_by_cause.iter_mut().zip(t.churned) {
                *a += b;
            }
            for (a, b) in p.today.left_market_by_cause.iter_mut().zip(t.left_market) {
                *a += b;
            }
            p.today.coupons_yuan += t.coupons_redeemed as f64 * p.sc.retention.coupon_yuan;
            p.cutoff(q, now, day, &mut self.world)?;
        }
        Ok(())
    }

    /// Today's scandals (depth per platform): scheduled, or set off by today's
    /// delivered-defect rate (known once the pickups are over, before the cut-off).
    fn scandals(&mut self, day: u64) -> Vec<Option<f64>> {
        let rep = &self.sc.reputation;
        let mut scandal = vec![None; self.platforms.len()];
        for s in &self.sc.scandals {
            if s.day as u64 == day {
                let k = self.platforms.iter().position(|p| p.name == s.platform).unwrap_or(0);
                scandal[k] = Some(s.depth.unwrap_or(rep.scandal_depth));
            }
        }
        for (k, p) in self.platforms.iter().enumerate() {
            let t = &p.today;
            let handed = t.units_sold + t.spoiled[Stage::DeliveredDefective as usize];
            let rate = if handed > 0 { t.spoiled[Stage::DeliveredDefective as usize] as f64 / handed as f64 } else { 0.0 };
            if rate > rep.scandal_defect_threshold && day >= self.scandal_quiet_until[k] && scandal[k].is_none() {
                scandal[k] = Some(rep.scandal_depth);
                self.scandal_quiet_until[k] = day + rep.scandal_cooldown_days as u64;
            }
        }
        scandal
    }

    /// Who may get each platform's retention coupon tonight (the budget aside).
    fn coupon_rules(&self) -> Vec<CouponRule> {
        let seg_of = |name: &str| self.residents.segments.iter().position(|s| s.name == name).map(|i| i as u8);
        self.platforms
            .iter()
            .map(|p| {
                let rt = &p.sc.retention;
                let segment = seg_of(&rt.segment);
                CouponRule {
                    active: rt.target != RetentionTarget::None
                        && rt.budget_yuan - p.coupons_committed_yuan >= rt.coupon_yuan
                        && (rt.segment.is_empty() || segment.is_some()),
                    at_risk_trust: rt.at_risk_trust,
                    min_spend: if rt.target == RetentionTarget::TopSpend { self.top_spend } else { f32::NEG_INFINITY },
                    segment: if rt.segment.is_empty() { None } else { segment },
                }
            })
            .collect()
    }

    fn day_end(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        let np = self.platforms.len();
        // The residents' day end ran with the evening (see `evening_all`); now coupons in
        // resident order while each platform's budget lasts.
        let (scandal, counts) = self.tonight.take().ok_or_else(|| ModelError::Queue(format!("day {day} ended without its evening")))?;
        let mut coupon_left: Vec<f64> = self.platforms.iter().map(|p| p.sc.retention.budget_yuan - p.coupons_committed_yuan).collect();
        for &(r, k) in &counts.coupon_candidates {
            let (r, k) = (r as usize, k as usize);
            let coupon_yuan = self.platforms[k].sc.retention.coupon_yuan;
            if coupon_left[k] >= coupon_yuan {
                self.residents.coupon[r] |= 1 << k;
                coupon_left[k] -= coupon_yuan;
                self.platforms[k].coupons_committed_yuan += coupon_yuan;
            }
        }
        let (trust_sum, customers, in_market, active) = (&counts.trust_sum[..np], &counts.customers, counts.in_market, counts.active);
        self.leaders_day_end(day);
        let newcomers = self.inflow(day, trust_sum, in_market);
        if self.trace.on() {
            let t = now.0;
            for (k, sc) in scandal.iter().enumerate() {
                if let Some(depth) = sc {
                    let name = self.platforms[k].name.clone();
                    self.trace.push(t, &name, "platform", &name, "scandal", "", -1, (depth * 100.0).round() as u64, "scandal");
                }
            }
            for (k, tally) in self.shop_tally.iter().enumerate() {
                let name = self.platforms[k].name.clone();
                for c in ChurnCause::ALL {
                    let n = tally.churned[c as usize];
                    if n > 0 {
                        self.trace.push(t, &name, "residents", &name, "customers_lost", "", -1, n, c.name());
                    }
                }
            }
            if newcomers > 0 {
                self.trace.push(t, "", "market", "market", "newcomers", "", -1, newcomers, "reputation");
            }
            let names: Vec<&str> = self.residents.segments.iter().map(|g| g.name.as_str()).collect();
            self.segment_watch.look(day, &counts.active_by_segment, &names, &mut self.trace);
        }
        // Accounts and rows.
        let occasions = self.outside_today + self.shop_tally.iter().map(|t| t.orders).sum::<u64>();
        let mut market = Tally::default();
        let (mut stock, mut transit) = (0, 0);
        for k in 0..np {
            let price_index = self.platforms[k].price_index;
            let serving = self.platforms[k].leaders.iter().filter(|l| l.serves).count() as u64;
            let (tally, s, t) = self.platforms[k].day_end(now, day)?;
            if self.trace.on() {
                let p = &self.platforms[k];
                let (pricing, retention) = (&p.sc.pricing, &p.sc.retention);
                let today = market_events::Today {
                    name: &p.name,
                    price_index,
                    share: if occasions > 0 { tally.orders as f64 / occasions as f64 } else { 0.0 },
                    mean_trust: if in_market > 0 { trust_sum[k] / in_market as f64 } else { 0.0 },
                    scandal: scandal[k].is_some(),
                    subsidy_left: (pricing.policy == PricePolicy::SubsidyWar).then_some(p.subsidy_spent_yuan < pricing.subsidy_budget_yuan),
                    subsidy_spent_yuan: p.subsidy_spent_yuan,
                    coupons_left: (retention.target != RetentionTarget::None).then_some(retention.budget_yuan - p.coupons_committed_yuan >= retention.coupon_yuan),
                    rivals: np > 1,
                };
                self.watch[k].look(day, today, &mut self.trace);
            }
            market += &tally;
            stock += s;
            transit += t;
            if day < self.warmup {
                continue;
            }
            self.platforms[k].stats += &tally;
            self.platform_days[k].push(PlatformDay {
                day,
                market_share: if occasions > 0 { tally.orders as f64 / occasions as f64 } else { 0.0 },
                tally,
                customers: customers[k],
                price_index,
                mean_trust: if in_market > 0 { trust_sum[k] / in_market as f64 } else { 0.0 },
                leaders_serving: serving,
                scandal: scandal[k].is_some(),
            });
        }
        if day >= self.warmup {
            self.days.push(DayRecord { day, tally: market, active_residents: active, newcomers, stock_units: stock, transit_units: transit });
        }
        if day + 1 == self.warmup {
            self.start_window();
        }
        if day + 1 < self.sc.run.horizon_days as u64 {
            self.schedule_day(q, day + 1)?;
        }
        Ok(())
    }

    /// Opens the statistics window (at the start, or after the warm-up's last day).
    fn start_window(&mut self) {
        let (in_market, customers) = self.start_window_all();
        self.residents_start = in_market;
        for (p, c) in self.platforms.iter_mut().zip(customers) {
            p.start_window(c);
        }
    }

    /// Leader ratings → commission bonuses for the top-rated; leaders switching to a rival.
    fn leaders_day_end(&mut self, day: u64) {
        let np = self.platforms.len();
        for p in &mut self.platforms {
            let l = &p.sc.leaders;
            if l.bonus_top_share <= 0.0 {
                continue;
            }
            let mut ratings: Vec<f64> = p.leaders.iter().filter(|x| x.serves).map(|x| x.rating).collect();
            ratings.sort_by(|a, b| b.total_cmp(a));
            let n_top = ((ratings.len() as f64 * l.bonus_top_share).ceil() as usize).min(ratings.len());
            let cut = if n_top == 0 { f64::INFINITY } else { ratings[n_top - 1] };
            for x in &mut p.leaders {
                x.bonus = if x.serves && x.rating >= cut { l.bonus_commission } else { 0.0 };
            }
        }
        if np < 2 {
            return;
        }
        let base_rate: Vec<f64> = self.platforms.iter().map(|p| p.sc.leaders.commission_rate).collect();
        for k in 0..np {
            let l = self.platforms[k].sc.leaders.clone();
            if l.switch_prob_per_day <= 0.0 {
                continue;
            }
            // The rival paying the highest commission.
            let (j, rival_rate) = (0..np).filter(|&j| j != k).map(|j| (j, base_rate[j])).fold((k, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
            for n in 0..self.hoods.len() {
                let leader = &self.platforms[k].leaders[n];
                if !leader.serves {
                    continue;
                }
                let own = base_rate[k] + leader.bonus;
                let odds = l.switch_prob_per_day
                    * (l.switch_commission_sensitivity * (rival_rate - own) + l.switch_performance_sensitivity * (1.0 - leader.rating)).exp();
                let mut rng = self.seed.stream(streams::SWITCH, ((k as u64) << 32) + n as u64, day);
                if !rng.random_bool(odds.min(1.0)) {
                    continue;
                }
                self.platforms[k].leaders[n].serves = false;
                let (from, to) = (self.platforms[k].name.clone(), self.platforms[j].name.clone());
                self.trace.push((day + 1) * MINUTES_PER_DAY - 1, &from, "leader", format!("{n} to {to}"), "leader_switched", "", -1, self.hoods[n].len() as u64, "commission");
                let mut hood = self.residents.range_mut(self.hoods[n].clone());
                for r in self.hoods[n].clone() {
                    let i = r - hood.start;
                    if hood.home[i] as usize == k && rng.random_bool(l.follow_share) {
                        hood.home[i] = j as u8;
                    }
                    if hood.customer[i] & (1 << k) != 0 {
                        hood.remember(r, k, ChurnCause::LeaderLeft, day);
                    }
                }
            }
        }
    }

    /// Prospects join the market at a rate scaled by the mean trust in the platforms.
    /// Returns how many joined.
    fn inflow(&mut self, day: u64, trust_sum: &[f64], in_market: u64) -> u64 {
        let m = &self.sc.market;
        if m.inflow_prob_per_day <= 0.0 || in_market == 0 {
            return 0;
        }
        let mean_trust = trust_sum.iter().sum::<f64>() / (in_market as f64 * trust_sum.len() as f64);
        let p = (m.inflow_prob_per_day * mean_trust / self.sc.residents.trust_initial).clamp(0.0, 1.0);
        self.inflow_all(day, p)
    }
}
