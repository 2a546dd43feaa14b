//! A platform: one company's supply chain (suppliers, central and grid warehouses,
//! trucks, leaders), its policies (sourcing, QC, pricing, after-sales, retention) and its
//! own accounts. Several platforms compete for the same residents in a market
//! ([`super::simulation`]); each is built from its own scenario (the file with the
//! platform's `overrides` applied).
//!
//! Random streams of platform `k > 0` are derived from a seed shifted by `k`, so platform 0
//! of a market draws exactly what the same chain draws alone.
//!
//! This file holds the platform's state, how it is built and how its events are
//! dispatched; each concern has its own file: `logistics` (pick, trucks, sorting, vans),
//! `procurement` (purchase plan, suppliers, lots, inbound and QC), `prices`,
//! `pickup` (hand-over, after-sales, recalls) and `accounts` (the day's close).

mod accounts;
mod central_pick;
mod centre;
mod logistics;
mod pickup;
mod prices;
mod procurement;

use super::streams;
use rand::RngExt;

use super::accounts::{ProductTotals, SupplierTotals, Tally};
use super::leader::{CrateStage, Leader};
use super::lot::{Lot, Portion, SpoilMemo};
use super::product::Product;
pub(crate) use pickup::Town;
use super::shock::ShockSchedule;
use super::event::{Event, ModelError, PlatformEvent};
use super::sourcing::Sourcing;
use super::supplier::{Delivery, Supplier};
use super::trace::Trace;
use super::truck::TransportMode;
use super::warehouse::GridWarehouse;
pub(crate) use centre::Centre;
pub use centre::CentreTotals;
use crate::engine::{EventQueue, RunSeed, SimTime};
use crate::scenario::{ReputationConfig, Scenario};

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
    /// The centre it goes to.
    centre: usize,
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
    /// The market's seed: residents' own streams are the same whichever platform serves them.
    market_seed: RunSeed,
    shocks: ShockSchedule,
    suppliers: Vec<Supplier>,
    /// Each supplier's index among the market's supplier names (one supplier, one yield).
    pub(crate) world_index: Vec<usize>,
    /// The network's central warehouses, each with its grids, purchases and lanes.
    pub(crate) centres: Vec<Centre>,
    /// Each grid warehouse's centre.
    grid_centre: Vec<usize>,
    /// Tonight's price per product (charged at tomorrow's pickup), yuan.
    pub(crate) prices: Vec<f64>,
    /// Basket price over the reference basket (the outside option's prices).
    pub(crate) price_index: f64,
    /// Subsidy spent so far (list price − price charged, on units handed over), yuan.
    pub(crate) subsidy_spent_yuan: f64,
    /// Retention coupons handed out so far (redeemed or not), yuan.
    pub(crate) coupons_committed_yuan: f64,
    /// Notable events (when tracing).
    pub(crate) trace: Trace,
    /// Tonight's purchase per (centre × products + product) decided outside the model (a
    /// player), instead of the purchase plan; `None`: the plan decides.
    pub(crate) purchase: Option<Vec<u32>>,
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
    /// Per leader and product (`l × products + p`): the units of the centre's stock (oldest
    /// first) before the first that today's pick gives it (see `central_pick.rs`).
    pick_at: Vec<u64>,
    /// Per centre and product (`c × products + p`): the first unit of each portion of its
    /// stock, oldest first, at today's pick.
    stock_starts: Vec<Vec<u64>>,
    /// The last spoilage computation per product, for leaders' crates aged one after another.
    spoil_memo: Vec<SpoilMemo>,
    requests: Vec<u32>,
    deliveries: Vec<Delivery>,
    /// Per leader: what it ordered of the product being allocated.
    wanted: Vec<u32>,
}

fn index_of<T>(items: &[T], name: &str, key: impl Fn(&T) -> &str) -> usize {
    // Names are checked by scenario validation, so the lookup always succeeds; 0 is never used.
    items.iter().position(|x| key(x) == name).unwrap_or(0)
}

impl Platform {
    pub(crate) fn build(k: u8, name: String, sc: Scenario, seed: RunSeed, market_seed: RunSeed, neighbourhoods: &[std::ops::Range<usize>]) -> Self {
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
        let centres: Vec<Centre> =
            sc.centre_configs().enumerate().map(|(c, cfg)| Centre::build(c, cfg, &sc, &sourcing, mode_index(&cfg.linehaul_mode))).collect();
        // A supplier's lots miss as many picks as its slowest lane to a centre buying from it.
        let supplier_leads: Vec<u32> = sc
            .suppliers
            .iter()
            .enumerate()
            .map(|(i, s)| centres.iter().filter_map(|c| c.lane_km[i]).map(|km| sc.lead_picks_over(s, km)).max().unwrap_or_else(|| sc.lead_picks(s)))
            .collect();
        let mut grids = Vec::new();
        let mut leaders = Vec::new();
        for (g, gc) in sc.grid_warehouses.iter().enumerate() {
            let first = leaders.len();
            for _ in 0..gc.leaders {
                let id = leaders.len() as u64;
                let mut rng = seed.stream(streams::NETWORK, id + ((k as u64) << 32), 0);
                let km = rng.random_range(gc.leader_distance_km_min..=gc.leader_distance_km_max);
                let mut trng = seed.stream(streams::TRAINING, id + ((k as u64) << 32), 0);
                let trained = trng.random_bool(sc.leaders.training_share);
                let temp = if trained { sc.leaders.trained_storage_temp_c } else { sc.leaders.storage_temp_c };
                let range = neighbourhoods.get(id as usize).cloned().unwrap_or(0..0);
                leaders.push(Leader::new(g, km, range, n_p, temp));
            }
            grids.push(GridWarehouse::new(gc, mode_index(&gc.last_mile_mode), first..leaders.len(), &classes));
        }
        let n_c = centres.len();
        let grid_centre = sc.grid_warehouses.iter().map(|g| sc.centre_index(&g.centre)).collect();
        let n_l = leaders.len();
        let prices: Vec<f64> = products.iter().map(|p| p.price_yuan).collect();
        let product_totals = products.iter().map(|p| ProductTotals { name: p.name.clone(), ..ProductTotals::default() }).collect();
        let mut supplier_totals: Vec<SupplierTotals> =
            suppliers.iter().map(|s| SupplierTotals { name: s.name.clone(), kind: s.kind, ..SupplierTotals::default() }).collect();
        for (st, &lead) in supplier_totals.iter_mut().zip(&supplier_leads) {
            st.lead_picks = lead;
        }
        Platform {
            k,
            name,
            shocks: ShockSchedule::new(&sc.shocks, &market_seed),
            prices,
            price_index: 1.0,
            subsidy_spent_yuan: 0.0,
            purchase: None,
            coupons_committed_yuan: 0.0,
            trace: Trace::default(),
            seed,
            market_seed,
            linehaul: vec![(0.0, 0.0, 0.0); grids.len()],
            own_used: vec![0; modes.len()],
            world_index: (0..suppliers.len()).collect(),
            modes,
            suppliers,
            products,
            centres,
            grid_centre,
            grids,
            leaders,
            lots: Vec::new(),
            complaints_coming: Vec::new(),
            inbound: Vec::new(),
            orders: vec![0; n_l * n_p],
            today: Tally::default(),
            total: Tally::default(),
            stats: Tally::default(),
            customers_start: 0,
            product_totals,
            supplier_totals,
            pick_at: vec![0; n_l * n_p],
            stock_starts: vec![Vec::new(); n_c * n_p],
            spoil_memo: vec![SpoilMemo::default(); n_p],
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
        self.schedule(q, at(t.pickup_end_hour), PlatformEvent::Pickups)
    }

    fn schedule(&self, q: &mut EventQueue<Event>, at: SimTime, ev: PlatformEvent) -> Result<(), ModelError> {
        q.schedule_at(at, Event::Platform(self.k, ev)).map_err(|e| ModelError::Queue(e.to_string()))
    }

    /// Handles one of this platform's events.
    pub(crate) fn handle(
        &mut self,
        q: &mut EventQueue<Event>,
        now: SimTime,
        ev: PlatformEvent,
        town: &mut Town,
        rep: &ReputationConfig,
    ) -> Result<(), ModelError> {
        let day = now.day();
        match ev {
            PlatformEvent::CentralPick => self.central_pick(now, day, town.workers),
            PlatformEvent::LinehaulDepart(g) => self.linehaul_depart(q, g as usize, now, day, town.workers)?,
            PlatformEvent::LinehaulArrive(g, trip) => self.linehaul_arrive(q, g as usize, trip as u64, now, day, town.workers)?,
            PlatformEvent::LastMileDepart(g, trip) => {
                let g = g as usize;
                if self.grid_leaders(g).any(|l| self.leaders[l].trip_day == trip as u64 && self.leaders[l].stage == CrateStage::Grid) {
                    self.last_mile_depart(q, g, now, day, town.workers)?;
                }
            }
            PlatformEvent::LeaderArrive(l, trip) => self.leader_arrive(l as usize, trip as u64, now, day),
            PlatformEvent::Pickups => self.pickups(day, town, rep),
            PlatformEvent::InboundArrival(s, c) => self.inbound_arrival(s as usize, c as usize, now, day),
        }
        Ok(())
    }

}
