//! A platform's goods on the move after the central pick (`central_pick.rs`): linehaul
//! trucks to the grid warehouses, sorting, vans to the leaders, and the ageing (spoilage by stage) of every crate on the way. Each event
//! carries the day of its trip, so a late truck's event leaves the next day's crates alone.
//! The passes over a grid's leaders (ageing, loads, vans) run on the run's threads, each
//! leader drawing from its own streams ([`over_leaders`]).

use crate::model::streams;
use super::{Leg, Platform};
use crate::engine::{EventQueue, SimTime};
use crate::model::accounts::Stage;
use crate::model::event::{Event, ModelError, PlatformEvent};
use crate::engine::parallel::Workers;
use crate::model::leader::{Aged, CrateStage, Leader};
use crate::model::lot::SpoilMemo;
use crate::model::supplier::ShortCause;

/// Leaders per chunk of work in a pass over a grid's leaders.
const LEADERS_PER_CHUNK: usize = 256;

/// What a pass over a grid's leaders adds up.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct GridSums {
    /// Units spoiled in the pass, and their cost in yuan.
    pub spoiled: u64,
    pub spoiled_yuan: f64,
    /// Units and kg left in the crates after it.
    pub units: u64,
    pub load_kg: f64,
    /// Vans that left, and their kilometres out and back.
    pub vans: u64,
    pub van_km: f64,
    /// Vans among them that arrive after the pickup closes.
    pub late_vans: u64,
}

impl GridSums {
    /// A leader's ageing: what spoiled, and what its crates hold after it.
    fn aged(a: Aged) -> Self {
        GridSums { spoiled: a.spoiled, spoiled_yuan: a.spoiled_yuan, units: a.units, load_kg: a.load_kg, ..GridSums::default() }
    }

    fn add(self, o: GridSums) -> Self {
        GridSums {
            spoiled: self.spoiled + o.spoiled,
            spoiled_yuan: self.spoiled_yuan + o.spoiled_yuan,
            units: self.units + o.units,
            load_kg: self.load_kg + o.load_kg,
            vans: self.vans + o.vans,
            van_km: self.van_km + o.van_km,
            late_vans: self.late_vans + o.late_vans,
        }
    }
}

/// Runs `f` on every leader of `range` (with its index and a memo per product) on the
/// run's threads, a chunk of leaders at a time, and adds up what it returns: in leader
/// order within a chunk and in chunk order across, so the sums do not depend on the thread
/// count. `f` draws from streams keyed by the leader, so the draws do not either.
pub(super) fn over_leaders(leaders: &mut [Leader], range: std::ops::Range<usize>, n_products: usize, workers: &Workers, f: impl Fn(usize, &mut Leader, &mut [SpoilMemo]) -> GridSums + Sync) -> GridSums {
    let first = range.start;
    let work: Vec<(usize, &mut [Leader])> = leaders[range].chunks_mut(LEADERS_PER_CHUNK).enumerate().map(|(i, c)| (first + i * LEADERS_PER_CHUNK, c)).collect();
    let sums = workers.map(work, |(start, leaders)| {
        let mut memo = vec![SpoilMemo::default(); n_products];
        leaders.iter_mut().enumerate().fold(GridSums::default(), |s, (i, leader)| s.add(f(start + i, leader, &mut memo)))
    });
    sums.into_iter().fold(GridSums::default(), GridSums::add)
}

impl Platform {
    pub(super) fn grid_leaders(&self, g: usize) -> std::ops::Range<usize> {
        self.grids[g].leaders.clone()
    }

    pub(super) fn set_stage(&mut self, g: usize, stage: CrateStage) {
        for l in self.grid_leaders(g) {
            self.leaders[l].move_crates(stage);
        }
    }

    /// Charges the cost of carrying `kg` over `km` by mode `m` on `leg`; returns the load's
    /// temperature in transit and the cost in yuan.
    pub(super) fn ship(&mut self, m: usize, km: f64, kg: f64, leg: Leg) -> (f64, f64) {
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
    /// counting losses at `stage`, and moves them on to `then` if given (crates that hold
    /// nothing stay empty); returns what the pass adds up (units and load left).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn age_grid(&mut self, g: usize, now: SimTime, temp_c: impl Fn(usize) -> f64 + Copy + Sync, stage: Stage, then: Option<CrateStage>, day: u64, workers: &Workers) -> GridSums {
        let (products, lots, seed) = (&self.products, &self.lots, self.seed);
        let ageing = streams::agents(&seed, streams::ageing(stage), day);
        let sums = over_leaders(&mut self.leaders, self.grids[g].leaders.clone(), products.len(), workers, |l, leader, memo| {
            let mut rng = ageing.agent(l as u64);
            let s = GridSums::aged(leader.age_to(now, temp_c, products, lots, memo, &mut rng));
            if let Some(stage) = then {
                leader.move_crates(stage);
            }
            s
        });
        self.today.spoil(stage, sums.spoiled, sums.spoiled_yuan);
        sums
    }

    /// Ages centre `c`'s stock of product `p` to `now`, drawing from stream `purpose`.
    pub(super) fn age_central(&mut self, c: usize, p: usize, now: SimTime, day: u64, purpose: &str) {
        let centre = &mut self.centres[c];
        let mut rng = self.seed.stream(purpose, centre.key(p as u64), day);
        let before = centre.wh.value_of(p, &self.lots);
        let k = centre.wh.age_to(p, now, &self.products[p], &mut rng);
        let after = centre.wh.value_of(p, &self.lots);
        centre.totals.units_spoiled_central += k as u64;
        self.today.spoil(Stage::Central, k as u64, before - after);
    }

    pub(super) fn linehaul_depart(&mut self, q: &mut EventQueue<Event>, g: usize, now: SimTime, day: u64, workers: &Workers) -> Result<(), ModelError> {
        let c = self.grid_centre[g];
        let temps = self.centres[c].wh.temps_c.clone();
        let name = self.sc.grid_warehouses[g].name.clone();
        let name = name.as_str();
        // The crates are loaded in the ageing's pass over the leaders, unless the lane is
        // closed (and put back if it turns out there is nothing to carry).
        let closed = self.shocks.road_closed(name, day);
        let kg = self.age_grid(g, now, |p| temps[p], Stage::Central, (!closed).then_some(CrateStage::Linehaul), day, workers).load_kg;
        if closed {
            // Lane closed: the crates go back into central stock; the grid's leaders go short.
            for l in self.grid_leaders(g) {
                let mut returned = 0u64;
                for p in 0..self.products.len() {
                    for x in std::mem::take(&mut self.leaders[l].crates[p]) {
                        returned += x.qty as u64;
                        self.centres[c].wh.receive(p, x);
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
        let m = self.centres[c].wh.linehaul_mode;
        let km = self.grids[g].distance_km;
        if kg <= 0.0 {
            self.set_stage(g, CrateStage::Central);
            return Ok(());
        }
        let (temp, yuan) = self.ship(m, km, kg, Leg::Linehaul);
        self.centres[c].totals.linehaul_yuan += yuan;
        self.today.linehaul_loads += 1;
        let mut rng = self.seed.stream(streams::LINEHAUL_TRIP, g as u64, day);
        let dep = self.modes[m].depart(km, self.shocks.breakdown(name, day), &mut rng);
        if dep.breakdown_hours > 0.0 {
            self.trace.push(now.0, &self.name, "truck", name, "breakdown", "", -1, dep.breakdown_hours.round() as u64, "breakdown");
        }
        self.linehaul[g] = (dep.road_hours, dep.breakdown_hours, temp);
        self.schedule(q, now.plus_hours(dep.total_hours()), PlatformEvent::LinehaulArrive(g as u32, day as u32))
    }

    /// A truck reaches grid warehouse `g` with trip `trip`'s crates (if they were not written
    /// off as late meanwhile): ageing on the road, handling, sorting.
    pub(super) fn linehaul_arrive(&mut self, q: &mut EventQueue<Event>, g: usize, trip: u64, now: SimTime, day: u64, workers: &Workers) -> Result<(), ModelError> {
        if !self.grid_leaders(g).any(|l| self.leaders[l].trip_day == trip && self.leaders[l].stage == CrateStage::Linehaul) {
            return Ok(()); // its goods missed their pickup and were written off
        }
        let (_, breakdown_h, temp) = self.linehaul[g];
        let warm = self.modes[self.centres[self.grid_centre[g]].wh.linehaul_mode].m.breakdown_temp_c;
        let (products, lots, seed) = (&self.products, &self.lots, self.seed);
        let ageing = streams::agents(&seed, streams::AGE_LINEHAUL, day);
        let sums = over_leaders(&mut self.leaders, self.grids[g].leaders.clone(), products.len(), workers, |l, leader, memo| {
            let mut rng = ageing.agent(l as u64);
            let spoiled = leader.age_on_the_road(now, breakdown_h, temp, warm, products, lots, memo, &mut rng);
            // Unloaded at the grid.
            leader.move_crates(CrateStage::Grid);
            GridSums::aged(spoiled)
        });
        self.today.spoil(Stage::Linehaul, sums.spoiled, sums.spoiled_yuan);
        let units = sums.units;
        self.today.warehousing_yuan += units as f64 * self.sc.grid_warehouses[g].handling_cost_yuan_per_unit;
        self.schedule(q, now.plus_hours(self.sc.timeline.grid_sort_hours), PlatformEvent::LastMileDepart(g as u32, trip as u32))
    }

    /// The vans leave grid warehouse `g` for its leaders, after the crates' last hours at
    /// the grid. On the run's threads, leader by leader: the crates' ageing at the grid, the
    /// van's run (delay, breakdown), and the ageing on the road of the vans that arrive
    /// before the pickup closes (nothing else touches those crates meanwhile; booked at the
    /// pickup, see `pickup.rs`). Then the vans' cost, and the arrivals after the close
    /// scheduled in leader order.
    pub(super) fn last_mile_depart(&mut self, q: &mut EventQueue<Event>, g: usize, now: SimTime, day: u64, workers: &Workers) -> Result<(), ModelError> {
        let m = self.grids[g].last_mile_mode;
        let close = SimTime::at_day_hour(day, self.sc.timeline.pickup_end_hour);
        let (products, lots, seed, grid_temps, van) = (&self.products, &self.lots, self.seed, &self.grids[g].temps_c, &self.modes[m]);
        let (temp, warm) = (van.m.temp_c, van.m.breakdown_temp_c);
        let (ageing, trips, vans) = (streams::agents(&seed, streams::AGE_GRID, day), streams::agents(&seed, streams::LAST_MILE_TRIP, day), streams::agents(&seed, streams::LAST_MILE, day));
        let sums = over_leaders(&mut self.leaders, self.grids[g].leaders.clone(), products.len(), workers, |l, leader, memo| {
            let mut rng = ageing.agent(l as u64);
            let mut s = GridSums::aged(leader.age_to(now, |p| grid_temps[p], products, lots, memo, &mut rng));
            if s.load_kg > 0.0 {
                // Kilometres are each loaded leader's out-and-back run.
                s.van_km = 2.0 * leader.distance_km;
            }
            if leader.stage != CrateStage::Grid {
                return s;
            }
            // Each leader's van run may be delayed or break down, like any departure.
            let dep = van.depart(leader.distance_km, false, &mut trips.agent(l as u64));
            s.vans = 1;
            leader.stage = CrateStage::LastMile;
            leader.van_breakdown_hours = dep.breakdown_hours;
            let arrive = now.plus_hours(dep.total_hours());
            leader.van_arrival = (arrive < close).then_some(arrive);
            leader.van_due = (arrive >= close).then_some(arrive);
            s.late_vans = u64::from(arrive >= close);
            if let Some(arrive) = leader.van_arrival {
                let mut rng = vans.agent(l as u64);
                leader.van_spoiled = leader.age_on_the_road(arrive, dep.breakdown_hours, temp, warm, products, lots, memo, &mut rng).lost();
            }
            s
        });
        self.today.spoil(Stage::Grid, sums.spoiled, sums.spoiled_yuan);
        // Vans by load, paying per trip, and per kilometre of every run.
        let c = self.modes[m].load_cost(m, &self.modes, sums.load_kg, 0.0, self.own_used[m]);
        self.own_used[m] += c.own_trips;
        let yuan_km = sums.van_km * self.modes[m].m.cost_per_km_yuan;
        self.today.transport_last_mile_yuan += c.own_yuan + c.hired_yuan + yuan_km;
        self.today.transport_by_mode_yuan[m] += c.own_yuan + yuan_km;
        self.today.transport_by_mode_yuan[c.hired_mode] += c.hired_yuan;
        self.today.van_runs += sums.vans;
        // Vans due after the close are scheduled in leader order (every leader's `van_due`
        // is `None` after this; the walk is needed only when some are due).
        if sums.late_vans > 0 {
            for l in self.grid_leaders(g) {
                if let Some(arrive) = self.leaders[l].van_due.take() {
                    let trip = self.leaders[l].trip_day as u32;
                    self.schedule(q, arrive, PlatformEvent::LeaderArrive(l as u32, trip))?;
                }
            }
        }
        Ok(())
    }

    /// The van with trip `trip`'s crates reaches leader `l` after the pickup closed (unless
    /// they were written off as late there): ageing on the road, at the van's breakdown
    /// temperature for its last hours if it broke down. (A van that arrives before the
    /// close has no event: its arrival is booked at the pickup.)
    pub(super) fn leader_arrive(&mut self, l: usize, trip: u64, now: SimTime, day: u64) {
        if self.leaders[l].trip_day != trip || self.leaders[l].stage != CrateStage::LastMile {
            return;
        }
        let mut rng = streams::agents(&self.seed, streams::LAST_MILE, day).agent(l as u64);
        let mode = &self.modes[self.grids[self.leaders[l].grid].last_mile_mode].m;
        let (temp, warm) = (mode.temp_c, mode.breakdown_temp_c);
        let leader = &mut self.leaders[l];
        let (k, c) = leader.age_on_the_road(now, leader.van_breakdown_hours, temp, warm, &self.products, &self.lots, &mut self.spoil_memo, &mut rng).lost();
        self.today.spoil(Stage::LastMile, k, c);
        self.leaders[l].stage = CrateStage::AtLeader;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::PlatformEvent;

    fn leaders(n: usize) -> Vec<Leader> {
        (0..n).map(|_| Leader::new(0, 1.0, 0..0, 2, 4.0)).collect()
    }

    #[test]
    fn a_pass_over_leaders_adds_up_every_leader_whatever_the_threads() {
        // Leaders 50..600 of 600 (three chunks, the last short), each returning figures of
        // its own index: the sums are those of the leaders, on one thread or three.
        let mut all = leaders(600);
        let f = |l: usize, _: &mut Leader, _: &mut [SpoilMemo]| GridSums {
            spoiled: l as u64,
            spoiled_yuan: 0.5 * l as f64,
            units: 1,
            load_kg: 2.0,
            vans: (l % 2) as u64,
            van_km: 3.0,
            late_vans: (l % 3 == 0) as u64,
        };
        let (a, b) = (f(1, &mut all[0].clone(), &mut []), f(2, &mut all[0].clone(), &mut []));
        let ab = a.add(b);
        assert_eq!((ab.spoiled, ab.spoiled_yuan, ab.units, ab.load_kg, ab.vans, ab.van_km, ab.late_vans), (3, 1.5, 2, 4.0, 1, 6.0, 0), "one addition");
        let index_sum: u64 = (50..600).sum();
        for threads in [1, 3] {
            let s = over_leaders(&mut all, 50..600, 2, &Workers::new(threads).unwrap(), f);
            assert_eq!((s.spoiled, s.spoiled_yuan, s.units, s.load_kg, s.vans, s.van_km, s.late_vans), (index_sum, 0.5 * index_sum as f64, 550, 1100.0, 275, 1650.0, 183), "{threads} threads");
        }
    }

    /// Grid 0's trucks on day 5 of [`stocked`]'s network, the pickup closing at `close_hour`:
    /// the central pick, the linehaul, its arrival, the vans. Returns the platform, the
    /// events left in the queue after the vans left, and the leaders picked for.
    fn grid_day(close_hour: f64) -> (Platform, Vec<(SimTime, Event)>, Vec<usize>) {
        let mut pf = crate::model::platform::central_pick::tests::stocked(3);
        pf.sc.timeline.pickup_end_hour = close_hour;
        let (day, w, mut q) = (5, Workers::new(2).unwrap(), EventQueue::new());
        pf.central_pick(SimTime::at_day_hour(day, 2.0), day, &w);
        let picked: Vec<usize> = pf.grid_leaders(0).filter(|&l| pf.leaders[l].stage == CrateStage::Central).collect();
        pf.linehaul_depart(&mut q, 0, SimTime::at_day_hour(day, 5.0), day, &w).unwrap();
        assert!(picked.iter().all(|&l| pf.leaders[l].stage == CrateStage::Linehaul), "loaded");
        let (at, ev) = q.pop().unwrap();
        assert!(matches!(ev, Event::Platform(0, PlatformEvent::LinehaulArrive(0, 5))), "{ev:?}");
        pf.linehaul_arrive(&mut q, 0, 5, at, day, &w).unwrap();
        assert!(picked.iter().all(|&l| pf.leaders[l].stage == CrateStage::Grid), "unloaded");
        let (at, ev) = q.pop().unwrap();
        assert!(matches!(ev, Event::Platform(0, PlatformEvent::LastMileDepart(0, 5))), "{ev:?}");
        pf.last_mile_depart(&mut q, 0, at, day, &w).unwrap();
        let mut left = Vec::new();
        while let Some(x) = q.pop() {
            left.push(x);
        }
        (pf, left, picked)
    }

    #[test]
    fn a_late_van_ages_its_crates_to_its_arrival_and_books_what_spoiled_on_the_way() {
        // Closing at 05:30, every van comes late: each arrival ages the leader's crates on
        // the van to its time, books what spoiled at the last mile, and leaves them at the shop.
        let (mut pf, late, picked) = grid_day(5.5);
        assert!(!late.is_empty());
        let (mut before, mut spoiled) = (0, 0);
        for &(at, ref ev) in &late {
            let Event::Platform(0, PlatformEvent::LeaderArrive(l, trip)) = *ev else { panic!("{ev:?}") };
            let l = l as usize;
            before += pf.leaders[l].units();
            let booked = pf.today.spoiled[Stage::LastMile as usize];
            pf.leader_arrive(l, trip as u64, at, 5);
            spoiled += pf.today.spoiled[Stage::LastMile as usize] - booked;
            assert_eq!(pf.leaders[l].stage, CrateStage::AtLeader, "leader {l} has its goods");
            assert!(pf.leaders[l].crates.iter().flatten().all(|x| x.since == at), "aged to the arrival");
        }
        let after: u64 = picked.iter().map(|&l| pf.leaders[l].units()).sum();
        assert!(before > 0);
        assert_eq!(after + spoiled, before, "every unit arrived or spoiled on the van");
    }

    #[test]
    fn vans_that_come_after_the_close_are_scheduled_and_the_others_booked_at_the_pickup() {
        // Closing at 05:30, every van comes late (it leaves after 06:30): one arrival event
        // each, and none booked for the pickup.
        let (pf, late, picked) = grid_day(5.5);
        assert!(picked.len() >= 2, "{picked:?}");
        assert_eq!(pf.today.van_runs, picked.len() as u64);
        let want: Vec<u32> = picked.iter().map(|&l| l as u32).collect();
        let mut got: Vec<u32> = late.iter().map(|(_, e)| if let Event::Platform(0, PlatformEvent::LeaderArrive(l, 5)) = e { *l } else { u32::MAX }).collect();
        got.sort_unstable();
        assert_eq!(got, want, "one arrival each (in the order they come)");
        assert!(picked.iter().all(|&l| pf.leaders[l].stage == CrateStage::LastMile && pf.leaders[l].van_arrival.is_none() && pf.leaders[l].van_due.is_none()));
        // Closing just before midnight, every van comes in time: no event, each arrival kept
        // for the pickup.
        let (pf, late, picked) = grid_day(23.9);
        assert!(late.is_empty(), "{late:?}");
        assert_eq!(pf.today.van_runs, picked.len() as u64);
        assert!(picked.iter().all(|&l| pf.leaders[l].van_arrival.is_some() && pf.leaders[l].van_due.is_none()));
    }

    #[test]
    fn a_leader_aged_adds_what_spoiled_and_what_is_left() {
        let s = GridSums::aged(Aged { spoiled: 7, spoiled_yuan: 3.5, units: 12, load_kg: 18.0 });
        assert_eq!((s.spoiled, s.spoiled_yuan, s.units, s.load_kg, s.vans, s.van_km), (7, 3.5, 12, 18.0, 0, 0.0));
    }
}
