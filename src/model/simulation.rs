//! The simulation: builds the agents from a scenario, drives them with the event queue
//! through the daily pre-sale cycle, and returns a [`RunReport`].
//!
//! Events of day `d` (hours from `[timeline]`):
//! ```text
//! 02:00 CentralPick        age stock, allocate last night's orders per leader (FEFO)
//! 05:00 LinehaulDepart(g)  truck per grid warehouse; arrives after distance / speed
//!       LinehaulArrive(g)  unload at the grid; sorting takes grid_sort_hours
//!       LastMileDepart(g)  vans to every leader of the grid
//!       LeaderArrive(l)    crates at the shop
//! 21:00 Pickup(l)          hand-over to residents (aged to the middle of the window)
//! 23:00 Cutoff             residents order; purchase plan; suppliers harvest and ship
//!       InboundArrival(s)  lots reach the central warehouse
//! 23:59 DayEnd             storage cost, daily row, balance check
//! ```
//! Random streams are named by purpose and agent (and day), e.g. `("demand", leader, day)`,
//! so two scenarios that differ in policy still see the same demand draws.

use rand::RngExt;

use super::accounts::{Stage, Tally};
use super::leader::{CrateStage, Leader};
use super::lot::{Lot, Portion};
use super::product::Product;
use super::purchase_plan;
use super::resident::{Residents, u64_threshold};
use super::supplier::Supplier;
use super::truck::TransportMode;
use super::warehouse::{CentralWarehouse, GridWarehouse};
use crate::engine::time::MINUTES_PER_DAY;
use crate::engine::{EventQueue, RunSeed, SimTime};
use crate::scenario::Scenario;

/// Error that stops a run. Fatal: the run's outputs are not written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Units or money stopped balancing: a bug in the model.
    #[error("day {day}: {message}")]
    Unbalanced {
        /// Day of the failed check.
        day: u64,
        /// Which balance failed, with both sides.
        message: String,
    },
    /// An event was scheduled in the past: a bug in the model.
    #[error("event queue: {0}")]
    Queue(String),
}

/// What a run produced: one [`Tally`] per day plus totals and population figures.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Scenario name.
    pub scenario: String,
    /// Root seed used.
    pub seed: u64,
    /// Replication index.
    pub replication: u64,
    /// Residents at the start.
    pub residents_initial: u64,
    /// Per day (index = day).
    pub days: Vec<DayRecord>,
    /// Sum over all days.
    pub total: Tally,
    /// Units in stock at the end.
    pub stock_units_end: u64,
    /// Units in transit at the end.
    pub transit_units_end: u64,
}

/// One day's tally and end-of-day state.
#[derive(Debug, Clone)]
pub struct DayRecord {
    /// Day index, from 0.
    pub day: u64,
    /// Flows of the day.
    pub tally: Tally,
    /// Residents still active at day end.
    pub active_residents: u64,
    /// Units in stock at day end (warehouses, leaders).
    pub stock_units: u64,
    /// Units in transit at day end.
    pub transit_units: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    CentralPick,
    LinehaulDepart(u32),
    LinehaulArrive(u32),
    LastMileDepart(u32),
    LeaderArrive(u32),
    Pickup(u32),
    Cutoff,
    InboundArrival(u32),
    DayEnd,
}

struct Inbound {
    supplier: usize,
    product: usize,
    arrival: SimTime,
    portion: Portion,
}

struct World<'a> {
    sc: &'a Scenario,
    seed: RunSeed,
    modes: Vec<TransportMode>,
    suppliers: Vec<Supplier>,
    products: Vec<Product>,
    basket_threshold: Vec<u64>,
    central: CentralWarehouse,
    grids: Vec<GridWarehouse>,
    leaders: Vec<Leader>,
    residents: Residents,
    lots: Vec<Lot>,
    inbound: Vec<Inbound>,
    /// Units ordered at the last cut-off, `leader * n_products + product`.
    orders: Vec<u32>,
    today: Tally,
    total: Tally,
    days: Vec<DayRecord>,
    scratch: Vec<Portion>,
    /// Per leader: what it ordered of the product being allocated.
    shortfall: Vec<u32>,
}

/// Runs replication `replication` of `sc` with root seed `seed` over `sc.run.horizon_days`.
///
/// # Errors
/// [`ModelError`] if a balance check fails (a bug, never bad input: input is validated
/// when the scenario is loaded).
pub fn run(sc: &Scenario, seed: u64, replication: u64) -> Result<RunReport, ModelError> {
    let mut w = World::build(sc, RunSeed::new(seed, replication));
    let residents_initial = w.residents.len() as u64;
    let mut q: EventQueue<Event> = EventQueue::with_capacity(2 * w.leaders.len() + 64);
    w.schedule_day(&mut q, 0)?;
    let horizon = SimTime(sc.run.horizon_days as u64 * MINUTES_PER_DAY - 1);
    while let Some((now, ev)) = q.pop_until(horizon) {
        w.handle(&mut q, now, ev)?;
    }
    let (stock, transit, _) = w.inventory();
    Ok(RunReport {
        scenario: sc.name.clone(),
        seed,
        replication,
        residents_initial,
        days: w.days,
        total: w.total,
        stock_units_end: stock,
        transit_units_end: transit,
    })
}

fn index_of<T>(items: &[T], name: &str, key: impl Fn(&T) -> &str) -> usize {
    // Names are checked by scenario validation, so the lookup always succeeds; 0 is never used.
    items.iter().position(|x| key(x) == name).unwrap_or(0)
}

impl<'a> World<'a> {
    fn build(sc: &'a Scenario, seed: RunSeed) -> Self {
        let modes: Vec<TransportMode> = sc.modes.iter().map(|(n, m)| TransportMode::new(n, m)).collect();
        let mode_index = |name: &str| index_of(&modes, name, |m| &m.name);
        let suppliers: Vec<Supplier> = sc.suppliers.iter().map(|s| Supplier::new(s, mode_index(&s.mode))).collect();
        let products: Vec<Product> = sc
            .products
            .iter()
            .map(|p| Product::new(p, index_of(&suppliers, &p.supplier, |s| &s.name)))
            .collect();
        let n_p = products.len();
        let central = CentralWarehouse::new(&sc.central_warehouse, mode_index(&sc.central_warehouse.linehaul_mode), n_p);
        let mut grids = Vec::new();
        let mut leaders = Vec::new();
        let mut residents = Residents::new(&sc.residents);
        for (g, gc) in sc.grid_warehouses.iter().enumerate() {
            let first = leaders.len();
            for _ in 0..gc.leaders {
                let id = leaders.len() as u64;
                let mut rng = seed.stream("network", id, 0);
                let km = rng.random_range(gc.leader_distance_km_min..=gc.leader_distance_km_max);
                let spread = sc.leaders.households_spread;
                let f = 1.0 + spread * rng.random_range(-1.0..=1.0);
                let households = ((sc.leaders.households_mean as f64 * f).round() as usize).max(1);
                let mut rrng = seed.stream("residents", id, 0);
                let range = residents.add(households, &sc.residents, &mut rrng);
                leaders.push(Leader::new(g, km, range, n_p));
            }
            grids.push(GridWarehouse::new(gc, mode_index(&gc.last_mile_mode), first..leaders.len()));
        }
        let basket_threshold = products.iter().map(|p| u64_threshold(p.basket_prob)).collect();
        let n_l = leaders.len();
        let orders = vec![0; n_l * n_p];
        World {
            sc,
            seed,
            modes,
            suppliers,
            products,
            basket_threshold,
            central,
            grids,
            leaders,
            residents,
            lots: Vec::new(),
            inbound: Vec::new(),
            orders,
            today: Tally::default(),
            total: Tally::default(),
            days: Vec::new(),
            scratch: Vec::new(),
            shortfall: vec![0; n_l],
        }
    }

    fn schedule_day(&self, q: &mut EventQueue<Event>, day: u64) -> Result<(), ModelError> {
        let t = &self.sc.timeline;
        let at = |h: f64| SimTime::at_day_hour(day, h);
        let mut put = |time: SimTime, ev: Event| q.schedule_at(time, ev).map_err(|e| ModelError::Queue(e.to_string()));
        put(at(t.central_pick_hour), Event::CentralPick)?;
        for g in 0..self.grids.len() {
            put(at(t.linehaul_depart_hour), Event::LinehaulDepart(g as u32))?;
        }
        for l in 0..self.leaders.len() {
            put(at(t.pickup_end_hour), Event::Pickup(l as u32))?;
        }
        put(at(t.order_cutoff_hour), Event::Cutoff)?;
        put(SimTime((day + 1) * MINUTES_PER_DAY - 1), Event::DayEnd)?;
        Ok(())
    }

    fn handle(&mut self, q: &mut EventQueue<Event>, now: SimTime, ev: Event) -> Result<(), ModelError> {
        let day = now.day();
        match ev {
            Event::CentralPick => self.central_pick(now, day),
            Event::LinehaulDepart(g) => {
                let g = g as usize;
                let temp = self.central.temp_c;
                self.age_grid(g, now, temp, Stage::Central, day);
                let mode = &self.modes[self.central.linehaul_mode];
                let kg: f64 = self.grid_leaders(g).map(|l| self.leaders[l].load_kg(&self.products)).sum();
                let km = self.grids[g].distance_km;
                self.today.transport_linehaul_yuan += mode.cost_yuan(mode.trips(kg), km);
                let arrive = now.plus_hours(mode.travel_hours(km));
                self.set_stage(g, CrateStage::Linehaul);
                schedule(q, arrive, Event::LinehaulArrive(g as u32))?;
            }
            Event::LinehaulArrive(g) => {
                let g = g as usize;
                let temp = self.modes[self.central.linehaul_mode].temp_c;
                self.age_grid(g, now, temp, Stage::Linehaul, day);
                let units: u64 = self.grid_leaders(g).map(|l| self.leaders[l].units()).sum();
                self.today.warehousing_yuan += units as f64 * self.grids[g].handling_cost_yuan_per_unit;
                self.set_stage(g, CrateStage::Grid);
                schedule(q, now.plus_hours(self.sc.timeline.grid_sort_hours), Event::LastMileDepart(g as u32))?;
            }
            Event::LastMileDepart(g) => {
                let g = g as usize;
                let temp = self.grids[g].temp_c;
                self.age_grid(g, now, temp, Stage::Grid, day);
                let mode = &self.modes[self.grids[g].last_mile_mode];
                let mut kg = 0.0;
                let mut km = 0.0;
                for l in self.grids[g].leaders.clone() {
                    let load = self.leaders[l].load_kg(&self.products);
                    if load > 0.0 {
                        kg += load;
                        km += 2.0 * self.leaders[l].distance_km;
                    }
                }
                self.today.transport_last_mile_yuan +=
                    mode.trips(kg) as f64 * mode.cost_per_trip_yuan + km * mode.cost_per_km_yuan;
                for l in self.grids[g].leaders.clone() {
                    if self.leaders[l].stage == CrateStage::Grid {
                        self.leaders[l].stage = CrateStage::LastMile;
                        let arrive = now.plus_hours(mode.travel_hours(self.leaders[l].distance_km));
                        schedule(q, arrive, Event::LeaderArrive(l as u32))?;
                    }
                }
            }
            Event::LeaderArrive(l) => {
                let l = l as usize;
                let mut rng = self.seed.stream("last_mile", l as u64, day);
                let temp = self.modes[self.grids[self.leaders[l].grid].last_mile_mode].temp_c;
                let (k, cost) = self.leaders[l].age_to(now, temp, &self.products, &self.lots, &mut rng);
                self.today.spoil(Stage::LastMile, k, cost);
                self.leaders[l].stage = CrateStage::AtLeader;
                if now >= SimTime::at_day_hour(day, self.sc.timeline.pickup_end_hour) {
                    // Too late for today's pickup: written off at the leader.
                    let (k, cost) = self.leaders[l].write_off_all(&self.lots);
                    self.today.spoil(Stage::Leader, k, cost);
                }
            }
            Event::Pickup(l) => self.pickup(l as usize, day),
            Event::Cutoff => self.cutoff(q, now, day)?,
            Event::InboundArrival(s) => {
                let s = s as usize;
                let mode = &self.modes[self.suppliers[s].mode];
                let mut rng = self.seed.stream("inbound", s as u64, day);
                let mut i = 0;
                while i < self.inbound.len() {
                    if self.inbound[i].supplier == s && self.inbound[i].arrival <= now {
                        let mut x = self.inbound.swap_remove(i);
                        let product = &self.products[x.product];
                        let k = x.portion.age_to(now, mode.temp_c, product, &mut rng);
                        let cost = self.lots[x.portion.lot as usize].unit_cost_yuan;
                        self.today.spoil(Stage::Inbound, k as u64, k as f64 * cost);
                        if x.portion.qty > 0 {
                            self.central.stock[x.product].push_back(x.portion);
                        }
                    } else {
                        i += 1;
                    }
                }
                // Keep FEFO order: portions of a product sorted oldest (largest age) first.
                for st in &mut self.central.stock {
                    st.make_contiguous().sort_by(|a, b| b.age_h.total_cmp(&a.age_h).then(a.lot.cmp(&b.lot)));
                }
            }
            Event::DayEnd => self.day_end(q, now, day)?,
        }
        Ok(())
    }

    fn grid_leaders(&self, g: usize) -> std::ops::Range<usize> {
        self.grids[g].leaders.clone()
    }

    fn set_stage(&mut self, g: usize, stage: CrateStage) {
        for l in self.grid_leaders(g) {
            if self.leaders[l].stage != CrateStage::Empty {
                self.leaders[l].stage = stage;
            }
        }
    }

    /// Ages the crates of every leader of grid `g` to `now` at `temp_c`, counting losses at `stage`.
    fn age_grid(&mut self, g: usize, now: SimTime, temp_c: f64, stage: Stage, day: u64) {
        let mut rng = self.seed.stream(stage.name(), g as u64, day);
        let (mut units, mut cost) = (0, 0.0);
        for l in self.grid_leaders(g) {
            let (k, c) = self.leaders[l].age_to(now, temp_c, &self.products, &self.lots, &mut rng);
            units += k;
            cost += c;
        }
        self.today.spoil(stage, units, cost);
    }

    fn age_central(&mut self, p: usize, now: SimTime, day: u64, purpose: &str) {
        let mut rng = self.seed.stream(purpose, p as u64, day);
        let before = self.central.value_of(p, &self.lots);
        let k = self.central.age_to(p, now, &self.products[p], &mut rng);
        let after = self.central.value_of(p, &self.lots);
        self.today.spoil(Stage::Central, k as u64, before - after);
    }

    fn central_pick(&mut self, now: SimTime, day: u64) {
        let n_p = self.products.len();
        let n_l = self.leaders.len();
        let mut rng = self.seed.stream("allocation", 0, day);
        for p in 0..n_p {
            self.age_central(p, now, day, "central_pick");
            let ordered: u64 = (0..n_l).map(|l| self.orders[l * n_p + p] as u64).sum();
            if ordered == 0 {
                continue;
            }
            let avail = self.central.units(p) as u64;
            if avail < ordered {
                // Short: each leader gets floor(order × avail / ordered); the units left over
                // go one each to leaders that were rounded down, from a random starting point.
                let mut given = 0u64;
                for l in 0..n_l {
                    let want = self.orders[l * n_p + p] as u64;
                    self.shortfall[l] = want as u32;
                    let share = want * avail / ordered;
                    self.orders[l * n_p + p] = share as u32;
                    given += share;
                }
                let mut extra = avail - given;
                let start = rng.random_range(0..n_l);
                for k in 0..n_l {
                    if extra == 0 {
                        break;
                    }
                    let l = (start + k) % n_l;
                    if self.orders[l * n_p + p] < self.shortfall[l] {
                        self.orders[l * n_p + p] += 1;
                        extra -= 1;
                    }
                }
            }
            let mut picked = 0u64;
            for l in 0..n_l {
                let n = self.orders[l * n_p + p];
                if n == 0 {
                    continue;
                }
                self.scratch.clear();
                let got = self.central.pick(p, n, &mut self.scratch);
                picked += got as u64;
                let leader = &mut self.leaders[l];
                for mut x in self.scratch.drain(..) {
                    x.since = now;
                    leader.crates[p].push(x);
                }
                leader.stage = CrateStage::Central;
            }
            self.today.warehousing_yuan += picked as f64 * self.central.handling_cost_yuan_per_unit;
        }
        self.orders.iter_mut().for_each(|x| *x = 0);
    }

    fn pickup(&mut self, l: usize, day: u64) {
        let t = &self.sc.timeline;
        let handover = SimTime::at_day_hour(day, 0.5 * (t.pickup_start_hour + t.pickup_end_hour));
        let mut rng = self.seed.stream("pickup", l as u64, day);
        let leader = &mut self.leaders[l];
        let tally = leader.pickup(
            &mut self.residents,
            &self.products,
            &self.lots,
            handover,
            self.sc.leaders.storage_temp_c,
            self.sc.leaders.pickup_rate,
            &mut rng,
        );
        let d = &mut self.today;
        d.units_sold += tally.units_sold;
        d.spoil(Stage::Leader, tally.units_spoiled, 0.0);
        d.spoil(Stage::DeliveredDefective, tally.units_defective, 0.0);
        d.write_offs_yuan += tally.write_offs_yuan;
        d.units_stockout += tally.units_missing;
        d.revenue_yuan += tally.revenue_yuan;
        d.refunds_yuan += tally.refunds_yuan;
        d.cogs_yuan += tally.cogs_yuan;
        d.commission_yuan += self.sc.leaders.commission_rate * (tally.revenue_yuan - tally.refunds_yuan);
        d.churned += tally.churned as u64;
    }

    fn cutoff(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        let n_p = self.products.len();
        // Residents order, leader by leader, each from its own stream.
        for l in 0..self.leaders.len() {
            let mut rng = self.seed.stream("demand", l as u64, day);
            let range = self.leaders[l].residents.clone();
            let orders = &mut self.orders[l * n_p..(l + 1) * n_p];
            let t = self.residents.place_orders(range, &self.basket_threshold, orders, &mut rng);
            self.today.orders += t.orders as u64;
            self.today.churned += t.churned as u64;
        }
        // Purchase plan and harvest, product by product.
        let mut shipped_kg = vec![0.0; self.suppliers.len()];
        let mut arrival = vec![SimTime(0); self.suppliers.len()];
        for p in 0..n_p {
            let ordered: u64 = (0..self.leaders.len()).map(|l| self.orders[l * n_p + p] as u64).sum();
            self.today.units_ordered += ordered;
            self.age_central(p, now, day, "central_cutoff");
            let stock = self.central.units(p);
            let want = purchase_plan::quantity(ordered as u32, stock, self.sc.policy.safety_stock_factor);
            let product = &self.products[p];
            let s = product.supplier;
            let sup = &self.suppliers[s];
            let mut rng = self.seed.stream("yield", p as u64, day);
            let qty = want.min(sup.available_yield(&mut rng));
            if qty == 0 {
                continue;
            }
            let harvested = SimTime(now.0.saturating_sub(crate::engine::time::hours_to_minutes(sup.origin_hold_hours)));
            let lot_id = self.lots.len() as u32;
            self.lots.push(Lot {
                product: p as u16,
                supplier: s as u16,
                unit_cost_yuan: product.unit_cost_yuan,
                defect_rate: sup.defect_rate,
                harvested,
            });
            self.today.units_procured += qty as u64;
            self.today.procurement_yuan += qty as f64 * product.unit_cost_yuan;
            let mut portion = Portion { lot: lot_id, qty, age_h: 0.0, since: harvested };
            let mut rng = self.seed.stream("origin", p as u64, day);
            let k = portion.age_to(now, sup.origin_temp_c, product, &mut rng);
            self.today.spoil(Stage::Origin, k as u64, k as f64 * product.unit_cost_yuan);
            shipped_kg[s] += portion.qty as f64 * product.unit_kg;
            let mode = &self.modes[sup.mode];
            arrival[s] = now.plus_hours(mode.travel_hours(sup.distance_km));
            if portion.qty > 0 {
                self.inbound.push(Inbound { supplier: s, product: p, arrival: arrival[s], portion });
            }
        }
        for (s, sup) in self.suppliers.iter().enumerate() {
            if shipped_kg[s] > 0.0 {
                let mode = &self.modes[sup.mode];
                self.today.transport_inbound_yuan += mode.cost_yuan(mode.trips(shipped_kg[s]), sup.distance_km);
                schedule(q, arrival[s], Event::InboundArrival(s as u32))?;
            }
        }
        Ok(())
    }

    /// (units in stock, units in transit, inventory value at cost in yuan).
    fn inventory(&self) -> (u64, u64, f64) {
        let mut stock: u64 = self.central.stock.iter().flatten().map(|x| x.qty as u64).sum();
        let mut transit: u64 = self.inbound.iter().map(|x| x.portion.qty as u64).sum();
        let mut value = self.central.value_yuan(&self.lots)
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

    fn day_end(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        for p in 0..self.products.len() {
            self.age_central(p, now, day, "central_night");
        }
        let held: u64 = self.central.stock.iter().flatten().map(|x| x.qty as u64).sum();
        self.today.warehousing_yuan += held as f64 * self.central.storage_cost_yuan_per_unit_day;
        let today = std::mem::take(&mut self.today);
        self.total += &today;
        let (stock, transit, value) = self.inventory();
        self.total.check_balance(stock, transit, value).map_err(|message| ModelError::Unbalanced { day, message })?;
        self.days.push(DayRecord {
            day,
            tally: today,
            active_residents: self.residents.active_count() as u64,
            stock_units: stock,
            transit_units: transit,
        });
        if day + 1 < self.sc.run.horizon_days as u64 {
            self.schedule_day(q, day + 1)?;
        }
        Ok(())
    }
}

fn schedule(q: &mut EventQueue<Event>, at: SimTime, ev: Event) -> Result<(), ModelError> {
    q.schedule_at(at, ev).map_err(|e| ModelError::Queue(e.to_string()))
}
