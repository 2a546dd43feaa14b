//! A platform: one company's supply chain (suppliers, central and grid warehouses,
//! trucks, leaders), its policies (sourcing, QC, pricing, after-sales, retention) and its
//! own accounts. Several platforms compete for the same residents in a market
//! ([`super::simulation`]); each is built from its own scenario (the file with the
//! platform's `overrides` applied).
//!
//! Random streams of platform `k > 0` are derived from a seed shifted by `k`, so platform 0
//! of a market draws exactly what the same chain draws alone.

use rand::RngExt;

use super::accounts::{ProductTotals, Stage, SupplierTotals, Tally};
use super::aftersales;
use super::leader::{CrateStage, Leader, Served};
use super::lot::{Lot, Portion};
use super::pricing;
use super::product::Product;
use super::purchase_plan::{self, DemandForecast};
use super::quality_control;
use super::resident::{ChurnCause, Residents};
use super::shock::ShockSchedule;
use super::simulation::{Event, ModelError};
use super::sourcing::Sourcing;
use super::supplier::{Delivery, ShortCause, Supplier};
use super::trace::Trace;
use super::world::World;
use super::truck::TransportMode;
use super::warehouse::{CentralWarehouse, GridWarehouse};
use crate::engine::time::hours_to_minutes;
use crate::engine::{EventQueue, RunSeed, SimTime};
use crate::scenario::{Fallback, ReputationConfig, Scenario};

/// A platform's own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlatformEvent {
    CentralPick,
    LinehaulDepart(u32),
    /// (grid, day of the trip's goods)
    LinehaulArrive(u32, u32),
    /// (grid, day of the trip's goods)
    LastMileDepart(u32, u32),
    /// (leader, day of the trip's goods)
    LeaderArrive(u32, u32),
    Pickup(u32),
    InboundArrival(u32),
}

/// Which leg a load travels, for the cost lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leg {
    Inbound,
    Linehaul,
}

/// Arrival time of a lot whose supplier's departure is not drawn yet.
const NOT_DEPARTED: SimTime = SimTime(u64::MAX);

/// A lot on its way from a supplier to the central warehouse.
struct Inbound {
    product: usize,
    arrival: SimTime,
    /// Hours of the trip spent broken down (at the mode's breakdown temperature), at the end.
    breakdown_hours: f64,
    /// Temperature of the load on the road.
    temp_c: f64,
    portion: Portion,
}

/// One platform's chain and accounts.
pub(crate) struct Platform {
    /// Index in the market.
    pub(crate) k: u8,
    /// Name.
    pub(crate) name: String,
    pub(crate) sc: Scenario,
    seed: RunSeed,
    shocks: ShockSchedule,
    suppliers: Vec<Supplier>,
    /// Each supplier's index among the market's supplier names (one supplier, one yield).
    pub(crate) world_index: Vec<usize>,
    sourcing: Vec<Sourcing>,
    /// Picks a lot bought tonight misses before it arrives, per product (the plan's lead).
    lead_picks: Vec<u32>,
    forecasts: Vec<DemandForecast>,
    /// Tonight's price per product (charged at tomorrow's pickup), yuan.
    pub(crate) prices: Vec<f64>,
    /// Basket price over the reference basket (the outside option's prices).
    pub(crate) price_index: f64,
    /// Subsidy spent so far (list price − price charged, on units handed over), yuan.
    pub(crate) subsidy_spent_yuan: f64,
    /// Retention coupons handed out so far (redeemed or not), yuan.
    pub(crate) coupons_committed_yuan: f64,
    served: Vec<Served>,
    /// Notable events (when tracing).
    pub(crate) trace: Trace,
    central: CentralWarehouse,
    grids: Vec<GridWarehouse>,
    /// Per grid: (road hours, breakdown hours, temperature) of today's linehaul.
    linehaul: Vec<(f64, f64, f64)>,
    pub(crate) leaders: Vec<Leader>,
    lots: Vec<Lot>,
    /// Complaints on their way to the platform: (when it sees them, lot).
    complaints_coming: Vec<(SimTime, u32)>,
    inbound: Vec<Inbound>,
    /// Units ordered at the last cut-off, `leader * n_products + product`.
    pub(crate) orders: Vec<u32>,
    /// Per product: units asked of suppliers but missing since the last pick, by cause.
    pending_short: Vec<[u64; 5]>,
    /// Own vehicles of each mode used today.
    own_used: Vec<u32>,
    pub(crate) today: Tally,
    pub(crate) total: Tally,
    /// Sum of the days after the warm-up (the statistics window).
    pub(crate) stats: Tally,
    /// Its customers when the statistics window opened.
    pub(crate) customers_start: u64,
    pub(crate) product_totals: Vec<ProductTotals>,
    pub(crate) supplier_totals: Vec<SupplierTotals>,
    pub(crate) products: Vec<Product>,
    pub(crate) modes: Vec<TransportMode>,
    scratch: Vec<Portion>,
    requests: Vec<u32>,
    deliveries: Vec<Delivery>,
    /// Per leader: what it ordered of the product being allocated.
    wanted: Vec<u32>,
}

/// Picks a lot bought at the cut-off misses before it reaches the central warehouse
/// (0 = in time for the next pick), with `to_pick_h` hours from the cut-off to that pick.
fn lead_picks_of(sup: &Supplier, modes: &[TransportMode], to_pick_h: f64) -> u32 {
    let arrive_h = sup.c.lead_time_hours + modes[sup.mode].travel_hours(sup.distance_km);
    ((arrive_h - to_pick_h).max(0.0) / 24.0).ceil() as u32
}

fn index_of<T>(items: &[T], name: &str, key: impl Fn(&T) -> &str) -> usize {
    // Names are checked by scenario validation, so the lookup always succeeds; 0 is never used.
    items.iter().position(|x| key(x) == name).unwrap_or(0)
}

impl Platform {
    pub(crate) fn build(k: u8, name: String, sc: Scenario, seed: RunSeed, neighbourhoods: &[std::ops::Range<usize>]) -> Self {
        let names: Vec<&String> = sc.modes.keys().collect();
        let mode_index = |name: &str| names.iter().position(|n| n.as_str() == name).unwrap_or(0);
        let modes: Vec<TransportMode> = sc
            .modes
            .iter()
            .map(|(n, m)| TransportMode::new(n, m, (!m.overflow_mode.is_empty()).then(|| mode_index(&m.overflow_mode))))
            .collect();
        let suppliers: Vec<Supplier> = sc
            .suppliers
            .iter()
            .map(|s| {
                let region = (!s.region.is_empty()).then(|| index_of(&sc.regions, &s.region, |r| &r.name));
                Supplier::new(s, mode_index(&s.mode), region)
            })
            .collect();
        let sourcing: Vec<Sourcing> =
            (0..sc.products.len()).map(|p| Sourcing::for_product(&sc, p, |n| index_of(&suppliers, n, |s| &s.name))).collect();
        let products: Vec<Product> = sc.products.iter().zip(&sourcing).map(|(p, s)| Product::new(p, s.split.first().map_or(0, |x| x.0))).collect();
        let classes: Vec<_> = sc.products.iter().map(|p| p.temp_class).collect();
        let n_p = products.len();
        let t = &sc.timeline;
        // Hours from the cut-off to the next pick; a lot arriving later misses that pick.
        let to_pick_h = 24.0 - t.order_cutoff_hour + t.central_pick_hour;
        let lead_picks =
            sourcing.iter().map(|s| s.split.iter().map(|&(i, _)| lead_picks_of(&suppliers[i], &modes, to_pick_h)).max().unwrap_or(0)).collect();
        let central = CentralWarehouse::new(&sc.central_warehouse, mode_index(&sc.central_warehouse.linehaul_mode), &classes);
        let mut grids = Vec::new();
        let mut leaders = Vec::new();
        for (g, gc) in sc.grid_warehouses.iter().enumerate() {
            let first = leaders.len();
            for _ in 0..gc.leaders {
                let id = leaders.len() as u64;
                let mut rng = seed.stream("network", id + ((k as u64) << 32), 0);
                let km = rng.random_range(gc.leader_distance_km_min..=gc.leader_distance_km_max);
                let mut trng = seed.stream("training", id + ((k as u64) << 32), 0);
                let trained = trng.random_bool(sc.leaders.training_share);
                let temp = if trained { sc.leaders.trained_storage_temp_c } else { sc.leaders.storage_temp_c };
                let range = neighbourhoods.get(id as usize).cloned().unwrap_or(0..0);
                leaders.push(Leader::new(g, km, range, n_p, temp));
            }
            grids.push(GridWarehouse::new(gc, mode_index(&gc.last_mile_mode), first..leaders.len(), &classes));
        }
        let n_l = leaders.len();
        let prices: Vec<f64> = products.iter().map(|p| p.price_yuan).collect();
        let product_totals = products.iter().map(|p| ProductTotals { name: p.name.clone(), ..ProductTotals::default() }).collect();
        let mut supplier_totals: Vec<SupplierTotals> =
            suppliers.iter().map(|s| SupplierTotals { name: s.name.clone(), kind: s.kind, ..SupplierTotals::default() }).collect();
        for (i, st) in supplier_totals.iter_mut().enumerate() {
            st.lead_picks = lead_picks_of(&suppliers[i], &modes, to_pick_h);
        }
        Platform {
            k,
            name,
            shocks: ShockSchedule::new(&sc.shocks),
            forecasts: (0..n_p).map(|_| DemandForecast::new(&sc.policy)).collect(),
            prices,
            price_index: 1.0,
            subsidy_spent_yuan: 0.0,
            coupons_committed_yuan: 0.0,
            served: Vec::new(),
            trace: Trace::default(),
            seed,
            linehaul: vec![(0.0, 0.0, 0.0); grids.len()],
            own_used: vec![0; modes.len()],
            world_index: (0..suppliers.len()).collect(),
            modes,
            suppliers,
            products,
            sourcing,
            lead_picks,
            central,
            grids,
            leaders,
            lots: Vec::new(),
            complaints_coming: Vec::new(),
            inbound: Vec::new(),
            orders: vec![0; n_l * n_p],
            pending_short: vec![[0; 5]; n_p],
            today: Tally::default(),
            total: Tally::default(),
            stats: Tally::default(),
            customers_start: 0,
            product_totals,
            supplier_totals,
            scratch: Vec::new(),
            requests: Vec::new(),
            deliveries: Vec::new(),
            wanted: vec![0; n_l],
            sc,
        }
    }

    /// Schedules this platform's fixed events of `day`.
    pub(crate) fn schedule_day(&self, q: &mut EventQueue<Event>, day: u64) -> Result<(), ModelError> {
        let t = &self.sc.timeline;
        let at = |h: f64| SimTime::at_day_hour(day, h);
        self.schedule(q, at(t.central_pick_hour), PlatformEvent::CentralPick)?;
        for g in 0..self.grids.len() {
            self.schedule(q, at(t.linehaul_depart_hour), PlatformEvent::LinehaulDepart(g as u32))?;
        }
        for l in 0..self.leaders.len() {
            self.schedule(q, at(t.pickup_end_hour), PlatformEvent::Pickup(l as u32))?;
        }
        Ok(())
    }

    fn schedule(&self, q: &mut EventQueue<Event>, at: SimTime, ev: PlatformEvent) -> Result<(), ModelError> {
        q.schedule_at(at, Event::Platform(self.k, ev)).map_err(|e| ModelError::Queue(e.to_string()))
    }

    /// Handles one of this platform's events.
    pub(crate) fn handle(&mut self, q: &mut EventQueue<Event>, now: SimTime, ev: PlatformEvent, residents: &mut Residents, rep: &ReputationConfig) -> Result<(), ModelError> {
        let day = now.day();
        match ev {
            PlatformEvent::CentralPick => self.central_pick(now, day),
            PlatformEvent::LinehaulDepart(g) => self.linehaul_depart(q, g as usize, now, day)?,
            PlatformEvent::LinehaulArrive(g, trip) => {
                let (g, trip) = (g as usize, trip as u64);
                if !self.grid_leaders(g).any(|l| self.leaders[l].trip_day == trip && self.leaders[l].stage == CrateStage::Linehaul) {
                    return Ok(()); // its goods missed their pickup and were written off
                }
                let (_, breakdown_h, temp) = self.linehaul[g];
                let warm = self.modes[self.central.linehaul_mode].m.breakdown_temp_c;
                let stuck_from = SimTime(now.0.saturating_sub(hours_to_minutes(breakdown_h)));
                self.age_grid(g, stuck_from, |_| temp, Stage::Linehaul, day);
                self.age_grid(g, now, |_| warm, Stage::Linehaul, day);
                let units: u64 = self.grid_leaders(g).map(|l| self.leaders[l].units()).sum();
                self.today.warehousing_yuan += units as f64 * self.sc.grid_warehouses[g].handling_cost_yuan_per_unit;
                self.set_stage(g, CrateStage::Grid);
                self.schedule(q, now.plus_hours(self.sc.timeline.grid_sort_hours), PlatformEvent::LastMileDepart(g as u32, trip as u32))?;
            }
            PlatformEvent::LastMileDepart(g, trip) => {
                let g = g as usize;
                if self.grid_leaders(g).any(|l| self.leaders[l].trip_day == trip as u64 && self.leaders[l].stage == CrateStage::Grid) {
                    self.last_mile_depart(q, g, now, day)?;
                }
            }
            PlatformEvent::LeaderArrive(l, trip) => {
                let l = l as usize;
                if self.leaders[l].trip_day != trip as u64 || self.leaders[l].stage != CrateStage::LastMile {
                    return Ok(()); // written off as late at the pickup's close
                }
                let mut rng = self.seed.stream("last_mile", l as u64, day);
                let mode = &self.modes[self.grids[self.leaders[l].grid].last_mile_mode].m;
                let (temp, warm) = (mode.temp_c, mode.breakdown_temp_c);
                let stuck_from = SimTime(now.0.saturating_sub(hours_to_minutes(self.leaders[l].van_breakdown_hours)));
                let (k1, c1) = self.leaders[l].age_to(stuck_from, |_| temp, &self.products, &self.lots, &mut rng);
                let (k2, c2) = self.leaders[l].age_to(now, |_| warm, &self.products, &self.lots, &mut rng);
                self.today.spoil(Stage::LastMile, k1 + k2, c1 + c2);
                self.leaders[l].stage = CrateStage::AtLeader;
            }
            PlatformEvent::Pickup(l) => self.pickup(l as usize, day, residents, rep),
            PlatformEvent::InboundArrival(s) => self.inbound_arrival(s as usize, now, day),
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

    /// Charges the cost of carrying `kg` over `km` by mode `m` on `leg`; returns the load's
    /// temperature in transit and the cost in yuan.
    fn ship(&mut self, m: usize, km: f64, kg: f64, leg: Leg) -> (f64, f64) {
        let c = self.modes[m].load_cost(m, &self.modes, kg, km, self.own_used[m]);
        self.own_used[m] += c.own_trips;
        let yuan = c.own_yuan + c.hired_yuan;
        match leg {
            Leg::Inbound => self.today.transport_inbound_yuan += yuan,
            Leg::Linehaul => self.today.transport_linehaul_yuan += yuan,
        }
        self.today.transport_by_mode_yuan[m] += c.own_yuan;
        self.today.transport_by_mode_yuan[c.hired_mode] += c.hired_yuan;
        (c.temp_c, yuan)
    }

    /// Ages the crates of every leader of grid `g` to `now`, product `p` at `temp_c(p)`,
    /// counting losses at `stage`.
    fn age_grid(&mut self, g: usize, now: SimTime, temp_c: impl Fn(usize) -> f64 + Copy, stage: Stage, day: u64) {
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
        self.observe_complaints(now);
        self.limit_to_grid_capacity(n_p);
        let total_ordered: u64 = self.orders.iter().map(|&x| x as u64).sum();
        // Picking capacity is shared by all products in proportion to their orders.
        let cap_share = (self.central.capacity_units_per_day / total_ordered.max(1) as f64).min(1.0);
        for p in 0..n_p {
            self.age_central(p, now, day, "central_pick");
            let (units, yuan) = self.central.remove_recalled(p, &self.lots);
            self.today.spoil(Stage::Recalled, units, yuan);
            self.today.recall_yuan += units as f64 * self.sc.aftersales.recall_cost_yuan_per_unit;
            let ordered: u64 = (0..n_l).map(|l| self.orders[l * n_p + p] as u64).sum();
            let pending = std::mem::take(&mut self.pending_short[p]);
            if ordered == 0 {
                continue;
            }
            let stock = self.central.units(p) as u64;
            let pickable = (ordered as f64 * cap_share).floor() as u64;
            let avail = stock.min(pickable);
            if avail < ordered {
                self.product_totals[p].units_short += ordered - avail;
                if self.trace.on() {
                    let cause = ShortCause::ALL.iter().copied().max_by_key(|c| pending[*c as usize]).filter(|c| pending[*c as usize] > 0).unwrap_or(ShortCause::Other);
                    let name = self.products[p].name.clone();
                    self.trace.push(now.0, &self.name, "central_warehouse", "central", "stock_out", &name, -1, ordered - avail, cause.name());
                }
                self.attribute_short(ordered, stock, pickable, &pending);
                if (avail as f64) < 0.95 * ordered as f64 {
                    self.today.stockout_product_days += 1;
                }
                // Short: each leader gets floor(order × avail / ordered); the units left over
                // go one each to leaders that were rounded down, from a random starting point.
                let mut given = 0u64;
                for l in 0..n_l {
                    let want = self.orders[l * n_p + p] as u64;
                    self.wanted[l] = want as u32;
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
                    if self.orders[l * n_p + p] < self.wanted[l] {
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
                let dwell: f64 = self.scratch.iter().map(|x| x.qty as f64 * now.hours_since(self.lots[x.lot as usize].received)).sum();
                self.product_totals[p].central_dwell_unit_hours += dwell;
                self.product_totals[p].units_picked += got as u64;
                let leader = &mut self.leaders[l];
                for mut x in self.scratch.drain(..) {
                    x.since = now;
                    leader.crates[p].push(x);
                }
                leader.stage = CrateStage::Central;
                leader.trip_day = day;
            }
            self.today.warehousing_yuan += picked as f64 * self.central.handling_cost_yuan_per_unit;
        }
        self.orders.iter_mut().for_each(|x| *x = 0);
    }

    /// Cuts each grid warehouse's orders to what it can sort in a day (each leader's and
    /// product's order scaled down alike, rounded down); the cut goes short for capacity.
    fn limit_to_grid_capacity(&mut self, n_p: usize) {
        for g in 0..self.grids.len() {
            let leaders = self.grid_leaders(g);
            let cells = leaders.start * n_p..leaders.end * n_p;
            let total: u64 = self.orders[cells.clone()].iter().map(|&x| x as u64).sum();
            let cap = self.sc.grid_warehouses[g].capacity_units_per_day;
            if total as f64 <= cap {
                continue;
            }
            let scale = cap / total as f64;
            for i in cells {
                let cut = self.orders[i] - (self.orders[i] as f64 * scale).floor() as u32;
                self.orders[i] -= cut;
                self.product_totals[i % n_p].units_short += cut as u64;
                self.today.short(ShortCause::Capacity, cut as u64);
            }
        }
    }

    /// Attributes a product's allocation gap to causes: beyond the picking capacity →
    /// capacity; the rest in proportion to what suppliers and QC left missing since the
    /// last pick; whatever they do not explain → other.
    fn attribute_short(&mut self, ordered: u64, stock: u64, pickable: u64, pending: &[u64; 5]) {
        let in_stock = stock.min(ordered);
        self.today.short(ShortCause::Capacity, in_stock.saturating_sub(pickable));
        let supply_gap = ordered - in_stock;
        let explained: u64 = pending.iter().sum();
        let mut given = 0;
        for cause in ShortCause::ALL {
            let share = (supply_gap.min(explained) * pending[cause as usize]).checked_div(explained).unwrap_or(0);
            self.today.short(cause, share);
            given += share;
        }
        self.today.short(ShortCause::Other, supply_gap - given);
    }

    fn linehaul_depart(&mut self, q: &mut EventQueue<Event>, g: usize, now: SimTime, day: u64) -> Result<(), ModelError> {
        let temps = self.central.temps_c.clone();
        self.age_grid(g, now, |p| temps[p], Stage::Central, day);
        let name = self.sc.grid_warehouses[g].name.clone();
        let name = name.as_str();
        if self.shocks.road_closed(name, day) {
            // Lane closed: the crates go back into central stock; the grid's leaders go short.
            for l in self.grid_leaders(g) {
                let mut returned = 0u64;
                for p in 0..self.products.len() {
                    for x in std::mem::take(&mut self.leaders[l].crates[p]) {
                        returned += x.qty as u64;
                        self.central.receive(p, x);
                    }
                }
                self.today.short(ShortCause::Shock, returned);
                if returned > 0 {
                    self.trace.push(now.0, &self.name, "grid_warehouse", name, "road_closed", "", -1, returned, "shock");
                }
                self.leaders[l].stage = CrateStage::Empty;
            }
            return Ok(());
        }
        let m = self.central.linehaul_mode;
        let kg: f64 = self.grid_leaders(g).map(|l| self.leaders[l].load_kg(&self.products)).sum();
        let km = self.grids[g].distance_km;
        if kg <= 0.0 {
            return Ok(());
        }
        let (temp, _) = self.ship(m, km, kg, Leg::Linehaul);
        let mut rng = self.seed.stream("linehaul_trip", g as u64, day);
        let dep = self.modes[m].depart(km, self.shocks.breakdown(name, day), &mut rng);
        if dep.breakdown_hours > 0.0 {
            self.trace.push(now.0, &self.name, "truck", name, "breakdown", "", -1, dep.breakdown_hours.round() as u64, "breakdown");
        }
        self.linehaul[g] = (dep.road_hours, dep.breakdown_hours, temp);
        self.set_stage(g, CrateStage::Linehaul);
        self.schedule(q, now.plus_hours(dep.total_hours()), PlatformEvent::LinehaulArrive(g as u32, day as u32))
    }

    fn last_mile_depart(&mut self, q: &mut EventQueue<Event>, g: usize, now: SimTime, day: u64) -> Result<(), ModelError> {
        let temps = self.grids[g].temps_c.clone();
        self.age_grid(g, now, |p| temps[p], Stage::Grid, day);
        let m = self.grids[g].last_mile_mode;
        let mut kg = 0.0;
        let mut km = 0.0;
        for l in self.grid_leaders(g) {
            let load = self.leaders[l].load_kg(&self.products);
            if load > 0.0 {
                kg += load;
                km += 2.0 * self.leaders[l].distance_km;
            }
        }
        // Vans by load, paying per trip; kilometres are each leader's out-and-back run.
        let c = self.modes[m].load_cost(m, &self.modes, kg, 0.0, self.own_used[m]);
        self.own_used[m] += c.own_trips;
        let yuan_km = km * self.modes[m].m.cost_per_km_yuan;
        self.today.transport_last_mile_yuan += c.own_yuan + c.hired_yuan + yuan_km;
        self.today.transport_by_mode_yuan[m] += c.own_yuan + yuan_km;
        self.today.transport_by_mode_yuan[c.hired_mode] += c.hired_yuan;
        for l in self.grid_leaders(g) {
            if self.leaders[l].stage == CrateStage::Grid {
                // Each leader's van run may be delayed or break down, like any departure.
                let mut rng = self.seed.stream("last_mile_trip", l as u64, day);
                let dep = self.modes[m].depart(self.leaders[l].distance_km, false, &mut rng);
                let leader = &mut self.leaders[l];
                leader.stage = CrateStage::LastMile;
                leader.van_breakdown_hours = dep.breakdown_hours;
                let trip = leader.trip_day as u32;
                self.schedule(q, now.plus_hours(dep.total_hours()), PlatformEvent::LeaderArrive(l as u32, trip))?;
            }
        }
        Ok(())
    }

    /// Pickup at leader `l`: hand-over, then each served resident's trust, complaints,
    /// refunds, recalls, word of mouth, and the leader's rating.
    fn pickup(&mut self, l: usize, day: u64, residents: &mut Residents, rep: &ReputationConfig) {
        let t = &self.sc.timeline;
        let handover = SimTime::at_day_hour(day, 0.5 * (t.pickup_start_hour + t.pickup_end_hour));
        let mut rng = self.seed.stream("pickup", l as u64, day);
        self.observe_complaints(handover);
        let leader = &mut self.leaders[l];
        self.served.clear();
        let tally = leader.pickup(
            self.k,
            residents,
            &mut self.product_totals,
            &self.products,
            &self.prices,
            &mut self.lots,
            handover,
            self.sc.leaders.pickup_rate,
            &mut self.served,
            &mut rng,
        );
        let late = if leader.stage == CrateStage::AtLeader { (0, 0.0) } else { leader.write_off_all(&self.lots) };
        let commission_rate = self.sc.leaders.commission_rate + leader.bonus;
        let hood = leader.residents.clone();
        let alpha = self.sc.leaders.rating_alpha;
        let d = &mut self.today;
        d.units_sold += tally.units_sold;
        d.spoil(Stage::Late, late.0, late.1);
        d.spoil(Stage::Leader, tally.units_spoiled, 0.0);
        d.spoil(Stage::DeliveredDefective, tally.units_defective, 0.0);
        d.spoil(Stage::Recalled, tally.units_recalled, 0.0);
        d.recall_yuan += tally.units_recalled as f64 * self.sc.aftersales.recall_cost_yuan_per_unit;
        d.write_offs_yuan += tally.write_offs_yuan;
        d.units_stockout += tally.units_missing;
        d.revenue_yuan += tally.revenue_yuan;
        d.cogs_yuan += tally.cogs_yuan;
        // Subsidy: what the price charged is below list, on the units handed over.
        let subsidy = (tally.list_revenue_yuan - tally.revenue_yuan).max(0.0);
        d.subsidy_yuan += subsidy;
        self.subsidy_spent_yuan += subsidy;
        let a = &self.sc.aftersales;
        let k = self.k as usize;
        let mut refunds = 0.0;
        for s in &self.served {
            let bad = residents.experience(s.resident, k, s.missing, s.defective, day);
            let leader = &mut self.leaders[l];
            leader.rating += alpha * (if bad { 0.0 } else { 1.0 } - leader.rating);
            for _ in 0..s.defective {
                if !rng.random_bool(a.complaint_prob) {
                    continue;
                }
                let o = aftersales::report(a, &mut rng);
                let d = &mut self.today;
                d.complaints += 1;
                if o.granted {
                    d.refunds_granted += 1;
                    refunds += s.defect_yuan / s.defective as f64;
                } else {
                    d.refunds_refused += 1;
                }
                d.refund_hours_sum += o.hours;
                residents.nudge_trust(s.resident, k, o.trust_delta);
                if o.bad {
                    residents.remember(s.resident, k, ChurnCause::Refund, day);
                }
                if a.traceability {
                    self.complaints_coming.push((handover.plus_hours(o.seen_hours), s.defect_lot));
                }
            }
            if bad && !hood.is_empty() {
                // Word of mouth: neighbours hear of it.
                for _ in 0..rep.word_of_mouth_reach {
                    let r = rng.random_range(hood.clone());
                    residents.nudge_trust(r, k, -rep.word_of_mouth_penalty);
                }
            }
        }
        let d = &mut self.today;
        d.refunds_yuan += refunds;
        d.commission_yuan += commission_rate * (tally.revenue_yuan - refunds);
        d.residents_served += tally.residents_served;
    }

    /// Complaints that have reached the platform by `now` count against their lots; a lot
    /// whose estimated defect rate passes the threshold is recalled (see [`aftersales`]).
    fn observe_complaints(&mut self, now: SimTime) {
        let a = &self.sc.aftersales;
        if !a.traceability || self.complaints_coming.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.complaints_coming.len() {
            let (seen, lot_id) = self.complaints_coming[i];
            if seen > now {
                i += 1;
                continue;
            }
            self.complaints_coming.swap_remove(i);
            let lot = &mut self.lots[lot_id as usize];
            lot.complaints += 1;
            let estimate = lot.complaints as f64 / (lot.handed.max(1) as f64 * a.complaint_prob.max(1e-9));
            if lot.recalled || lot.complaints < a.recall_min_complaints || estimate <= a.recall_defect_threshold {
                continue;
            }
            lot.recalled = true;
            self.today.lots_recalled += 1;
            if lot.defect_rate <= a.recall_defect_threshold {
                self.today.lots_recalled_false += 1;
            }
            let name = self.products[lot.product as usize].name.clone();
            let cause = if lot.defect_rate <= a.recall_defect_threshold { "false_recall" } else { "defect" };
            self.trace.push(now.0, &self.name, "lot", lot_id, "recall", &name, lot_id as i64, lot.complaints as u64, cause);
        }
    }

    /// Sets tonight's prices (day `day`) from the rivals' prices of yesterday (`rival_min[p]`,
    /// `None` without rivals) and returns the basket price index.
    pub(crate) fn set_prices(&mut self, rival_min: &[Option<f64>], day: u64) -> f64 {
        let c = &self.sc.pricing;
        let budget_left = self.subsidy_spent_yuan < c.subsidy_budget_yuan;
        let (mut num, mut den) = (0.0, 0.0);
        for (p, product) in self.products.iter().enumerate() {
            let stock = self.central.units(p) as f64;
            let last_orders = self.forecasts[p].last() as f64;
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

    /// After residents have ordered: tonight's purchase plan and deliveries.
    pub(crate) fn cutoff(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64, world: &mut World) -> Result<(), ModelError> {
        let n_p = self.products.len();
        // Purchase plan and deliveries, product by product.
        let mut shipped_kg = vec![0.0; self.suppliers.len()];
        for p in 0..n_p {
            let ordered: u64 = (0..self.leaders.len()).map(|l| self.orders[l * n_p + p] as u64).sum();
            self.today.units_ordered += ordered;
            self.product_totals[p].units_ordered += ordered;
            self.forecasts[p].observe(ordered as u32);
            self.age_central(p, now, day, "central_cutoff");
            let stock = self.central.units(p);
            let on_order: u32 = self.inbound.iter().filter(|x| x.product == p).map(|x| x.portion.qty).sum();
            let want = purchase_plan::quantity(
                ordered as u32,
                self.forecasts[p].forecast(),
                self.lead_picks[p],
                stock,
                on_order,
                self.sc.policy.safety_stock_factor,
            );
            self.buy(p, want, now, day, &mut shipped_kg, world);
        }
        // One departure per supplier lane carries all its lots of the night.
        for (s, &kg) in shipped_kg.iter().enumerate() {
            if kg <= 0.0 {
                continue;
            }
            let m = self.suppliers[s].mode;
            let km = self.suppliers[s].distance_km;
            let (temp, yuan) = self.ship(m, km, kg, Leg::Inbound);
            self.supplier_totals[s].transport_yuan += yuan;
            self.supplier_totals[s].kg_shipped += kg;
            let mut rng = self.seed.stream("inbound_trip", s as u64, day);
            let forced = self.shocks.breakdown(&self.suppliers[s].name, day);
            let dep = self.modes[m].depart(km, forced, &mut rng);
            if dep.breakdown_hours > 0.0 {
                let sup = self.suppliers[s].name.clone();
                self.trace.push(now.0, &self.name, "truck", sup, "breakdown", "", -1, dep.breakdown_hours.round() as u64, "breakdown");
            }
            let dispatch = now.plus_hours(self.suppliers[s].c.lead_time_hours);
            let arrival = dispatch.plus_hours(dep.total_hours());
            // Tonight's lots of this supplier still carry the "not yet departed" marker.
            for x in self.inbound.iter_mut().filter(|x| x.arrival == NOT_DEPARTED && self.lots[x.portion.lot as usize].supplier as usize == s) {
                x.arrival = arrival;
                x.breakdown_hours = dep.breakdown_hours;
                x.temp_c = temp;
            }
            self.schedule(q, arrival, PlatformEvent::InboundArrival(s as u32))?;
        }
        Ok(())
    }

    /// Asks the sources of product `p` for `want` units tonight and creates their lots.
    fn buy(&mut self, p: usize, want: u32, now: SimTime, day: u64, shipped_kg: &mut [f64], world: &mut World) {
        if want == 0 {
            return;
        }
        let sourcing = &self.sourcing[p];
        sourcing.requests(want, &mut self.requests);
        self.deliveries.clear();
        for (k, &(s, _)) in sourcing.split.iter().enumerate() {
            let sup = &self.suppliers[s];
            let blocked = if self.shocks.exited(&sup.name, day) {
                Some(ShortCause::Supplier)
            } else if self.shocks.road_closed(&sup.name, day) {
                Some(ShortCause::Shock)
            } else {
                None
            };
            let pool = world.yield_of(sup, self.world_index[s], p, day);
            let mut rng = self.seed.stream("supplier_fill", (s * 64 + p) as u64, day);
            self.deliveries.push(sup.deliver(self.requests[k], &pool, blocked, &mut rng));
        }
        if sourcing.fallback == Fallback::Spread {
            // Ask sources that deliver tonight for the others' gaps, in split order.
            let n = self.deliveries.len();
            for i in 0..n {
                let gap: u32 = self.deliveries[i].gap.iter().sum();
                let mut left = gap;
                for j in 0..n {
                    // Only sources the platform buys from (share > 0) stand in for others.
                    if j == i || left == 0 || !self.deliveries[j].delivering || sourcing.split[j].1 <= 0.0 {
                        continue;
                    }
                    let extra = left.min(self.deliveries[j].yield_left);
                    self.deliveries[j].units += extra;
                    self.deliveries[j].yield_left -= extra;
                    left -= extra;
                }
                if gap > 0 {
                    // Scale the gap's causes down to what is still missing.
                    let d = &mut self.deliveries[i];
                    let mut rest = left;
                    for c in 0..5 {
                        let scaled = (d.gap[c] as u64 * left as u64 / gap as u64) as u32;
                        d.gap[c] = scaled;
                        rest -= scaled.min(rest);
                    }
                    d.gap[ShortCause::Other as usize] += rest;
                }
            }
        }
        for k in 0..self.deliveries.len() {
            let d = self.deliveries[k];
            world.take(self.world_index[self.sourcing[p].split[k].0], p, d.units);
            for c in 0..5 {
                self.pending_short[p][c] += d.gap[c] as u64;
            }
            let gap: u32 = d.gap.iter().sum();
            if gap > 0 && self.trace.on() {
                let c = (0..5).max_by_key(|&c| d.gap[c]).unwrap_or(4);
                let sup = self.suppliers[self.sourcing[p].split[k].0].name.clone();
                let name = self.products[p].name.clone();
                self.trace.push(now.0, &self.name, "supplier", sup, "short_delivery", &name, -1, gap as u64, ShortCause::ALL[c].name());
            }
            if d.units > 0 {
                let s = self.sourcing[p].split[k].0;
                self.new_lot(p, s, d.units, now, day, shipped_kg);
            }
        }
    }

    /// A lot of `qty` units of product `p` from supplier `s`, bought tonight.
    fn new_lot(&mut self, p: usize, s: usize, qty: u32, now: SimTime, day: u64, shipped_kg: &mut [f64]) {
        let sup = &self.suppliers[s];
        let product = &self.products[p];
        let mut rng = self.seed.stream("lot", (s * 64 + p) as u64, day);
        let age0 = sup.harvest_age_h(product.shelf_mean_h, &mut rng);
        let (defect_rate, false_origin) = sup.integrity(&mut rng);
        let unit_cost_yuan = product.unit_cost_yuan * sup.c.price_factor * product.season(day);
        let dispatch = now.plus_hours(sup.c.lead_time_hours);
        let harvested = SimTime(dispatch.0.saturating_sub(hours_to_minutes(sup.c.origin_hold_hours)));
        let lot_id = self.lots.len() as u32;
        self.lots.push(Lot { product: p as u16, supplier: s as u16, unit_cost_yuan, defect_rate, false_origin, recalled: false, handed: 0, complaints: 0, harvested, received: harvested });
        self.today.units_procured += qty as u64;
        self.today.procurement_yuan += qty as f64 * unit_cost_yuan;
        self.product_totals[p].units_procured += qty as u64;
        self.supplier_totals[s].procurement_yuan += qty as f64 * unit_cost_yuan;
        let mut portion = Portion { lot: lot_id, qty, age_h: age0, since: harvested };
        let k = portion.age_to(dispatch, sup.c.origin_temp_c, product, &mut rng);
        self.today.spoil(Stage::Origin, k as u64, k as f64 * unit_cost_yuan);
        if portion.qty > 0 {
            shipped_kg[s] += portion.qty as f64 * product.unit_kg;
            self.supplier_totals[s].units_shipped += portion.qty as u64;
            // Arrival is set when the supplier's departure is drawn (after all products).
            self.inbound.push(Inbound { product: p, arrival: NOT_DEPARTED, breakdown_hours: 0.0, temp_c: 0.0, portion });
        }
    }

    fn inbound_arrival(&mut self, s: usize, now: SimTime, day: u64) {
        let warm = self.modes[self.suppliers[s].mode].m.breakdown_temp_c;
        let mut rng = self.seed.stream("inbound", s as u64, day);
        let mut i = 0;
        while i < self.inbound.len() {
            let x = &self.inbound[i];
            if self.lots[x.portion.lot as usize].supplier as usize != s || x.arrival > now {
                i += 1;
                continue;
            }
            // swap_remove reorders the rest, deterministically: the same run always
            // receives lots in the same order.
            let mut x = self.inbound.swap_remove(i);
            let product = &self.products[x.product];
            let lot = x.portion.lot as usize;
            let cost = self.lots[lot].unit_cost_yuan;
            let stuck_from = SimTime(now.0.saturating_sub(hours_to_minutes(x.breakdown_hours)));
            let mut k = x.portion.age_to(stuck_from, x.temp_c, product, &mut rng);
            k += x.portion.age_to(now, warm, product, &mut rng);
            self.today.spoil(Stage::Inbound, k as u64, k as f64 * cost);
            if x.portion.qty == 0 {
                continue;
            }
            self.today.lots_received += 1;
            self.lots[lot].received = now;
            let st = &mut self.supplier_totals[s];
            st.lots_received += 1;
            st.units_received += x.portion.qty as u64;
            st.mean_age_share_on_arrival += x.portion.age_h / product.shelf_mean_h * x.portion.qty as f64;
            let key = self.lots[lot].supplier as u64 * 64 + x.product as u64;
            let mut qrng = self.seed.stream("qc", key, day);
            let r = quality_control::inspect(&self.sc.qc, x.portion.qty, self.lots[lot].defect_rate, self.lots[lot].false_origin, &mut qrng);
            if r.sampled {
                self.today.lots_inspected += 1;
                self.today.qc_yuan += self.sc.qc.sample_size as f64 * self.sc.qc.inspection_cost_yuan_per_unit;
            }
            if r.rejected {
                self.today.lots_rejected += 1;
                let name = self.products[x.product].name.clone();
                self.trace.push(now.0, &self.name, "lot", lot, "lot_rejected", &name, lot as i64, x.portion.qty as u64, if self.lots[lot].false_origin { "false_origin" } else { "quality" });
                self.supplier_totals[s].lots_rejected += 1;
                self.today.units_returned += x.portion.qty as u64;
                self.today.returned_yuan += x.portion.qty as f64 * cost;
                self.pending_short[x.product][ShortCause::Quality as usize] += x.portion.qty as u64;
                continue;
            }
            if self.lots[lot].false_origin {
                self.today.lots_false_origin_accepted += 1;
            }
            x.portion.qty -= r.sorted_out;
            self.today.spoil(Stage::QcSorted, r.sorted_out as u64, r.sorted_out as f64 * cost);
            self.lots[lot].defect_rate = r.defect_rate_after;
            if x.portion.qty > 0 {
                self.central.receive(x.product, x.portion);
            }
        }
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

    /// End of day: storage and fleet costs, then the balance check. Returns the day's tally
    /// with the stock and transit left.
    pub(crate) fn day_end(&mut self, now: SimTime, day: u64) -> Result<(Tally, u64, u64), ModelError> {
        for p in 0..self.products.len() {
            self.age_central(p, now, day, "central_night");
        }
        let held: u64 = self.central.stock.iter().flatten().map(|x| x.qty as u64).sum();
        self.today.warehousing_yuan += held as f64 * self.sc.central_warehouse.storage_cost_yuan_per_unit_day;
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
