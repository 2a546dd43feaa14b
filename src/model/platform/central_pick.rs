//! The central pick: each centre's leaders' orders cut to what the grid warehouses can
//! sort, shared out when stock or picking capacity is short (shortfalls by cause), and
//! picked oldest first into the leaders' crates.
//!
//! On the calling thread, centre by centre and product by product: ageing and recalls of
//! the stock, the allocation, each leader's orders added up in leader order (the units of
//! stock before its first) and the pick's totals. Then, on the run's threads, each leader
//! finds its first unit in the stock and fills its own crates from there (the stock is only
//! read), and last the picked units leave the stock. The crates get the same portions in the same order as a
//! pick leader after leader would give them, for any thread count.

use rand::RngExt;

use super::Platform;
use super::logistics::{GridSums, over_leaders};
use crate::engine::SimTime;
use crate::engine::time::MINUTES_PER_HOUR;
use crate::engine::parallel::Workers;
use crate::model::accounts::Stage;
use crate::model::leader::CrateStage;
use crate::model::streams;
use crate::model::supplier::ShortCause;
use crate::model::warehouse::StockPlace;

impl Platform {
    /// The day's central pick at `now` (see the module's doc).
    pub(super) fn central_pick(&mut self, now: SimTime, day: u64, workers: &Workers) {
        let n_p = self.products.len();
        self.observe_complaints(now);
        self.limit_to_grid_capacity(n_p);
        let mut picked_units = Vec::with_capacity(self.centres.len() * n_p);
        for c in 0..self.centres.len() {
            self.centre_pick(c, now, day, &mut picked_units);
        }
        let (orders, pick_at, centres, grid_centre, starts) = (&self.orders, &self.pick_at, &self.centres, &self.grid_centre, &self.stock_starts);
        over_leaders(&mut self.leaders, 0..orders.len() / n_p.max(1), n_p, workers, |l, leader, _| {
            let c = grid_centre[leader.grid];
            let wh = &centres[c].wh;
            let mut any = false;
            for (p, crate_) in leader.crates.iter_mut().enumerate() {
                let n = orders[l * n_p + p];
                if n > 0 {
                    any = true;
                    let at = place(&starts[c * n_p + p], pick_at[l * n_p + p]);
                    wh.walk(p, at, n, |x, q| {
                        let mut y = x.part(q);
                        y.since = now;
                        crate_.push(y)
                    });
                }
            }
            if any {
                leader.stage = CrateStage::Central;
                leader.trip_day = day;
            }
            GridSums::default()
        });
        for (i, &n) in picked_units.iter().enumerate() {
            self.centres[i / n_p].wh.remove_first(i % n_p, n);
        }
        self.orders.iter_mut().for_each(|x| *x = 0);
    }

    /// Centre `c`'s part of the pick on the calling thread: each product's stock aged and
    /// cleared of recalled lots, its leaders' orders shared out when short, the units of
    /// stock before each leader's first (`pick_at`, in leader order) and each portion's
    /// first unit (`stock_starts`); the pick's totals (its units' hours in stock summed
    /// exactly). Pushes the units picked of each product onto `picked_units`.
    fn centre_pick(&mut self, c: usize, now: SimTime, day: u64, picked_units: &mut Vec<u32>) {
        let n_p = self.products.len();
        let leaders = std::mem::take(&mut self.centres[c].leaders);
        let n_l = leaders.len();
        let mut rng = self.seed.stream(streams::ALLOCATION, c as u64, day);
        let total_ordered: u64 = leaders.iter().map(|&l| self.orders[l * n_p..(l + 1) * n_p].iter().map(|&x| x as u64).sum::<u64>()).sum();
        // Picking capacity is shared by all products in proportion to their orders.
        let cap_share = (self.centres[c].wh.capacity_units_per_day / total_ordered.max(1) as f64).min(1.0);
        for p in 0..n_p {
            self.age_central(c, p, now, day, streams::CENTRAL_PICK);
            let (units, yuan) = self.centres[c].wh.remove_recalled(p, &self.lots);
            self.today.spoil(Stage::Recalled, units, yuan);
            self.today.recall_yuan += units as f64 * self.sc.aftersales.recall_cost_yuan_per_unit;
            let ordered: u64 = leaders.iter().map(|&l| self.orders[l * n_p + p] as u64).sum();
            let pending = std::mem::take(&mut self.centres[c].pending_short[p]);
            if ordered == 0 {
                picked_units.push(0);
                continue;
            }
            let stock = self.centres[c].wh.units(p) as u64;
            let pickable = (ordered as f64 * cap_share).floor() as u64;
            let avail = stock.min(pickable);
            if avail < ordered {
                self.product_totals[p].units_short += ordered - avail;
                self.centres[c].totals.units_short += ordered - avail;
                if self.trace.on() {
                    let cause = ShortCause::ALL.iter().copied().max_by_key(|c| pending[*c as usize]).filter(|c| pending[*c as usize] > 0).unwrap_or(ShortCause::Other);
                    let name = self.products[p].name.clone();
                    let centre = self.centres[c].name.clone();
                    self.trace.push(now.0, &self.name, "central_warehouse", centre, "stock_out", &name, -1, ordered - avail, cause.name());
                }
                self.attribute_short(ordered, stock, pickable, &pending);
                if (avail as f64) < 0.95 * ordered as f64 {
                    self.today.stockout_product_days += 1;
                }
                // Short: each leader gets floor(order × avail / ordered); the units left over
                // go one each to leaders that were rounded down, from a random starting point.
                let mut given = 0u64;
                for &l in &leaders {
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
                    let l = leaders[(start + k) % n_l];
                    if self.orders[l * n_p + p] < self.wanted[l] {
                        self.orders[l * n_p + p] += 1;
                        extra -= 1;
                    }
                }
            }
            // Each leader's units start where the last one's ended (in units of the stock,
            // oldest first; each portion's first unit in `stock_starts`).
            let mut before = 0u64;
            for &l in &leaders {
                let n = self.orders[l * n_p + p];
                self.pick_at[l * n_p + p] = before;
                before += n as u64;
            }
            let picked = before.min(stock);
            let starts = &mut self.stock_starts[c * n_p + p];
            starts.clear();
            starts.extend(self.centres[c].wh.stock[p].iter().scan(0u64, |s, x| Some(std::mem::replace(s, *s + x.qty as u64))));
            let wh = &self.centres[c].wh;
            // Hours the picked units waited in stock, summed exactly (in unit-minutes).
            let mut unit_minutes = 0u64;
            wh.walk(p, StockPlace::default(), picked as u32, |x, q| unit_minutes += q as u64 * now.minutes().saturating_sub(self.lots[x.lot as usize].received.minutes()));
            self.product_totals[p].central_dwell_unit_hours += unit_minutes as f64 / MINUTES_PER_HOUR as f64;
            self.product_totals[p].units_picked += picked;
            picked_units.push(picked as u32);
            self.centres[c].totals.units_picked += picked;
            self.today.warehousing_yuan += picked as f64 * self.centres[c].wh.handling_cost_yuan_per_unit;
        }
        self.centres[c].leaders = leaders;
    }

    /// Cuts each grid warehouse's orders to what it can sort in a day (each leader's and
    /// product's order scaled down alike, rounded down); the cut goes short for capacity.
    pub(super) fn limit_to_grid_capacity(&mut self, n_p: usize) {
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
    pub(super) fn attribute_short(&mut self, ordered: u64, stock: u64, pickable: u64, pending: &[u64; 5]) {
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
}

/// The place in a product's stock of its unit number `units`, given each portion's first
/// unit (`starts`, oldest first): in the last portion that starts at or before it (past
/// the empty ones, as a pick goes).
fn place(starts: &[u64], units: u64) -> StockPlace {
    let portion = starts.partition_point(|&s| s <= units).saturating_sub(1);
    StockPlace { portion: portion as u32, units: (units - starts.get(portion).copied().unwrap_or(0)) as u32 }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::engine::RunSeed;
    use crate::model::lot::{Lot, Portion};
    use rand::RngExt;

    /// The national network with three leaders a grid (12 centres, 6 products), each
    /// centre's stock a few lots of 0 to 40 units and each leader's orders 0 to 3 units of
    /// each product (so that some centres run short), all drawn from `seed`.
    pub(in crate::model::platform) fn stocked(seed: u64) -> Platform {
        let mut sc = crate::scenario::load(std::path::Path::new("scenarios/xingsheng_2020.toml")).unwrap();
        sc.grid_warehouses.iter_mut().for_each(|g| g.leaders = 3);
        let run = RunSeed::new(seed, 0);
        let mut pf = Platform::build(0, "x".into(), sc, run, run, &[]);
        let mut rng = run.stream("test", 0, 0);
        let now = SimTime::at_day_hour(5, 2.0);
        for c in 0..pf.centres.len() {
            for p in 0..pf.products.len() {
                for _ in 0..rng.random_range(0..5) {
                    let lot = pf.lots.len() as u32;
                    let received = SimTime(now.0 - rng.random_range(60..4320));
                    let (product, supplier, harvested) = (p as u16, 0, received);
                    pf.lots.push(Lot { product, supplier, unit_cost_yuan: 1.0, defect_rate: 0.0, false_origin: false, recalled: false, handed: 0, complaints: 0, harvested, received });
                    // Brought up to date now: the pick's ageing draws nothing.
                    pf.centres[c].wh.stock[p].push_back(Portion::new(lot, rng.random_range(0..40), 1.0, now));
                }
            }
        }
        pf.orders.iter_mut().for_each(|x| *x = rng.random_range(0..4));
        pf
    }

    #[test]
    fn every_leader_gets_the_next_units_of_its_centres_stock_on_any_threads() {
        let now = SimTime::at_day_hour(5, 2.0);
        for seed in [1, 2] {
            let before = stocked(seed);
            let n_p = before.products.len();
            let mut one = stocked(seed);
            one.central_pick(now, 5, &Workers::new(1).unwrap());
            let mut three = stocked(seed);
            three.central_pick(now, 5, &Workers::new(3).unwrap());
            let crates = |pf: &Platform| pf.leaders.iter().map(|l| l.crates.clone()).collect::<Vec<_>>();
            assert_eq!(crates(&one), crates(&three), "seed {seed}: the crates, one thread or three");
            let (mut short, mut full) = (0, 0);
            for (c, centre) in one.centres.iter().enumerate() {
                for p in 0..n_p {
                    let stock: Vec<Portion> = before.centres[c].wh.stock[p].iter().copied().collect();
                    assert_eq!(centre.wh.stock[p], three.centres[c].wh.stock[p], "seed {seed}: what is left, one thread or three");
                    // The centre's leaders' units, in leader order, then what is left: the
                    // stock as it was, unit for unit (lot by lot, in its order).
                    let mut units: Vec<u32> = Vec::new();
                    let add = |units: &mut Vec<u32>, x: &Portion| units.extend(std::iter::repeat_n(x.lot, x.qty as usize));
                    let mut ordered = 0;
                    for &l in &centre.leaders {
                        let got: u32 = one.leaders[l].crates[p].iter().map(|x| x.qty).sum();
                        let want = before.orders[l * n_p + p];
                        assert!(got <= want, "seed {seed}: leader {l} got {got} of {want}");
                        ordered += want;
                        for x in &one.leaders[l].crates[p] {
                            assert!(x.qty > 0 && x.since == now && x.age_h == 1.0, "seed {seed}: a piece {x:?}");
                            add(&mut units, x);
                        }
                    }
                    let given = units.len() as u32;
                    centre.wh.stock[p].iter().for_each(|x| add(&mut units, x));
                    let mut was: Vec<u32> = Vec::new();
                    stock.iter().for_each(|x| add(&mut was, x));
                    assert_eq!(units, was, "seed {seed}: centre {c}, product {p}");
                    assert_eq!(given, ordered.min(was.len() as u32), "seed {seed}: all that was asked for, or all there was");
                    if ordered > was.len() as u32 { short += 1 } else { full += 1 }
                }
            }
            assert!(short > 0 && full > 0, "seed {seed}: {short} short and {full} not");
            assert!(one.orders.iter().all(|&x| x == 0), "the orders are done with");
            // Picked for: every leader given something, none that asked for nothing (one
            // whose share, short, rounds to nothing may be neither; one whose share found
            // the stock gone is picked for with empty crates).
            for (l, (a, b)) in one.leaders.iter().zip(&three.leaders).enumerate() {
                let picked = a.stage == CrateStage::Central && a.trip_day == 5;
                assert_eq!((picked, a.stage, a.trip_day), (b.stage == CrateStage::Central && b.trip_day == 5, b.stage, b.trip_day));
                let given = a.crates.iter().any(|c| !c.is_empty());
                let asked = before.orders[l * n_p..(l + 1) * n_p].iter().any(|&x| x > 0);
                assert!(picked || !given, "leader {l}: given, not picked for");
                assert!(asked || !picked, "leader {l}: picked for, asked for nothing");
            }
        }
    }

    #[test]
    fn a_unit_is_placed_in_its_portion_past_the_empty_ones() {
        // Portions of 5, 0, 3, 0, 4 units start at units 0, 5, 5, 8, 8.
        let starts = [0, 5, 5, 8, 8];
        let at = |portion, units| StockPlace { portion, units };
        assert_eq!(place(&starts, 0), at(0, 0));
        assert_eq!(place(&starts, 4), at(0, 4));
        assert_eq!(place(&starts, 5), at(2, 0), "the empty portion is passed");
        assert_eq!(place(&starts, 7), at(2, 2));
        assert_eq!(place(&starts, 8), at(4, 0));
        assert_eq!(place(&starts, 11), at(4, 3));
        assert_eq!(place(&[0, 0, 2], 0), at(1, 0), "empty at the front");
        assert_eq!(place(&[], 0), at(0, 0), "no stock");
    }
}
