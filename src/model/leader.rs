//! Group leader: runs a platform's pickup point in a neighbourhood, receives crates from
//! its grid warehouse each day and hands them out to the residents who ordered.
//!
//! Pickup. Goods wait at the shop at the leader's storage temperature (`storage_temp_c`,
//! or `trained_storage_temp_c` for a leader trained in storage, docs/model.md §5.3) from arrival
//! until the middle of the pickup window; units that spoil meanwhile are discarded (stage
//! `leader`) and their buyers see a missing item. Residents come in a random order (a
//! random rotation of the neighbourhood); each comes with probability `pickup_rate`, and
//! whether it comes and which of its units are defective are drawn from its own stream. Units
//! of a recalled lot are not handed out (stage `recalled`). A unit handed over is defective
//! with probability `1 − (1 − lot defect rate) × (1 − P(spoils within quality_margin_share
//! × mean shelf life))` (stage `delivered_defective`). What nobody picked up is written off
//! at the leader. Each resident served is reported to `served`, right after its hand-out,
//! for trust, complaints and the leader's rating ([`rated`]).

use std::ops::Range;

use rand::distr::Bernoulli;
use rand::{Rng, RngExt};

use super::accounts::ProductTotals;
use super::lot::{Lot, Portion, SpoilMemo, binomial};
use super::product::Product;
use super::resident::{Order, ResidentsMut};
use crate::engine::SimTime;
use crate::engine::time::hours_to_minutes;
use crate::engine::prefetch::prefetch;
use crate::engine::rng::AgentStreams;

/// Orders ahead in a pickup whose resident's columns are asked for from memory.
const AHEAD: usize = 8;

/// Where a leader's crates for the day are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrateStage {
    /// No goods for today.
    Empty,
    /// Picked and packed at the central warehouse.
    Central,
    /// On the truck to the grid warehouse.
    Linehaul,
    /// At the grid warehouse, being sorted.
    Grid,
    /// On the van to the leader.
    LastMile,
    /// At the leader's shop.
    AtLeader,
}

/// A group leader.
#[derive(Debug, Clone)]
pub struct Leader {
    /// Index of the grid warehouse serving it.
    pub grid: usize,
    /// km from its grid warehouse.
    pub distance_km: f64,
    /// Its residents' indices.
    pub residents: Range<usize>,
    /// Today's crates, per product.
    pub crates: Vec<Vec<Portion>>,
    /// Where the crates are.
    pub stage: CrateStage,
    /// Day of the central pick that filled the crates: events of an earlier trip (a late
    /// truck arriving after its goods were written off) leave them alone.
    pub trip_day: u64,
    /// Hours today's van spent broken down (at the mode's breakdown temperature), at the end
    /// of its run.
    pub van_breakdown_hours: f64,
    /// When today's van arrives, if before the pickup closes: its crates' ageing on the
    /// road is then computed at departure ([`Leader::van_spoiled`]), and the arrival is
    /// booked at the pickup (nothing reads the crates in between: no event of its own).
    pub van_arrival: Option<SimTime>,
    /// Units spoiled on today's van and their cost, yuan (see `van_arrival`).
    pub van_spoiled: (u64, f64),
    /// When the van that has just left arrives after the pickup closes, until that arrival
    /// is scheduled.
    pub van_due: Option<SimTime>,
    /// Storage temperature at the shop, °C.
    pub storage_temp_c: f64,
    /// Rating: running share of its orders served without a problem.
    pub rating: f64,
    /// Fill rate of its last pickup (what residents see as availability).
    pub availability: f64,
    /// Whether it still runs this platform's pickup point (it may switch to a rival).
    pub serves: bool,
    /// Commission bonus it earns now (top-rated), on top of the platform's rate.
    pub bonus: f64,
}

/// One resident served at a pickup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Served {
    /// Resident index.
    pub resident: usize,
    /// Units missing.
    pub missing: u32,
    /// Defective units handed over.
    pub defective: u32,
    /// Lot of the (last) defective unit, for recalls.
    pub defect_lot: u32,
    /// Price paid for all its defective units, yuan (a granted report refunds their mean).
    pub defect_yuan: f64,
}

/// A leader's rating after serving one more resident, good (nothing missing or defective)
/// or not: the newest pickup weighs `alpha` (`rating_alpha`), the rating before `1 − alpha`.
pub fn rated(rating: f64, alpha: f64, good: bool) -> f64 {
    rating + alpha * (f64::from(u8::from(good)) - rating)
}

/// What one ageing pass over a leader's crates gives: the units that spoiled and their
/// cost, and what the crates hold after it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Aged {
    /// Units spoiled.
    pub spoiled: u64,
    /// Their cost, yuan.
    pub spoiled_yuan: f64,
    /// Units left in the crates.
    pub units: u64,
    /// Their weight, kg.
    pub load_kg: f64,
}

impl Aged {
    /// (units spoiled, their cost in yuan).
    pub fn lost(&self) -> (u64, f64) {
        (self.spoiled, self.spoiled_yuan)
    }
}

/// Units and money from one leader's pickup.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PickupTally {
    /// Good units handed over.
    pub units_sold: u64,
    /// Defective units handed over (and refunded).
    pub units_defective: u64,
    /// Units ordered but not handed over (none left, or spoiled at the leader).
    pub units_missing: u64,
    /// Units spoiled at the leader, or left over after pickup.
    pub units_spoiled: u64,
    /// Residents served.
    pub residents_served: u64,
    /// Price of all units handed over, yuan.
    pub revenue_yuan: f64,
    /// The same units at list price, yuan.
    pub list_revenue_yuan: f64,
    /// Price refunded for defective units, yuan.
    pub refunds_yuan: f64,
    /// Purchase cost of good units handed over, yuan.
    pub cogs_yuan: f64,
    /// Purchase cost of units spoiled or defective, yuan.
    pub write_offs_yuan: f64,
    /// Units of recalled lots written off.
    pub units_recalled: u64,
}

/// Scratch state for one product during a pickup: the portion being handed out, and what
/// has been handed from it (booked when the hand-out moves to the next portion, or ends).
#[derive(Clone, Copy, Default)]
struct Cursor {
    idx: usize,
    /// Whether `idx` is a portion with units to hand out (and `defect_p` is its chance).
    ready: bool,
    /// Chance a unit of the portion is defective.
    defect_p: f64,
    handed: u32,
    defective: u32,
}

impl Cursor {
    /// Moves to the first portion from `idx` on with units to hand out, writing off
    /// recalled ones; `false` if there is none (or the goods are not at the shop).
    fn settle(&mut self, crate_: &mut [Portion], lots: &[Lot], at_shop: bool, t: &mut PickupTally) -> bool {
        while at_shop && self.idx < crate_.len() {
            let x = &mut crate_[self.idx];
            if x.qty > 0 && !lots[x.lot as usize].recalled {
                return true;
            }
            if x.qty > 0 {
                t.units_recalled += x.qty as u64;
                t.write_offs_yuan += x.qty as f64 * lots[x.lot as usize].unit_cost_yuan;
                x.qty = 0;
            }
            self.idx += 1;
        }
        false
    }

    /// [`Self::settle`], then the chance that a unit of the portion it settled on is
    /// defective (the lot's defects, or spoiled within `margin_share` of the product's
    /// mean shelf life), and the cursor ready; `false` if no portion has units to hand out.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn ready_next(&mut self, crate_: &mut [Portion], p: usize, lots: &[Lot], products: &[Product], memo: &mut [SpoilMemo], margin_share: f64, at_shop: bool, t: &mut PickupTally) -> bool {
        if !self.settle(crate_, lots, at_shop, t) {
            return false;
        }
        let x = &crate_[self.idx];
        let product = &products[p];
        let wilt = x.spoil_prob_to(x.age_h + margin_share * product.shelf_mean_h, product, &mut memo[p]);
        self.defect_p = 1.0 - (1.0 - lots[x.lot as usize].defect_rate) * (1.0 - wilt);
        self.ready = true;
        true
    }

    /// Books the units handed from the current portion of product `p` (at `price`, and at
    /// its list price in `products`): units, money and the lot's count in `handed`.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn book(&mut self, crate_: &[Portion], p: usize, lots: &[Lot], price: f64, products: &[Product], t: &mut PickupTally, per_product: &mut [ProductTotals], handed: &mut Vec<(u32, u32)>) {
        if self.handed == 0 {
            return;
        }
        let lot = crate_[self.idx].lot;
        let (n, bad) = (self.handed, self.defective);
        let cost = lots[lot as usize].unit_cost_yuan;
        t.units_sold += (n - bad) as u64;
        t.units_defective += bad as u64;
        per_product[p].units_sold += (n - bad) as u64;
        per_product[p].units_defective += bad as u64;
        t.revenue_yuan += price * n as f64;
        t.list_revenue_yuan += products[p].price_yuan * n as f64;
        t.cogs_yuan += cost * (n - bad) as f64;
        t.write_offs_yuan += cost * bad as f64;
        match handed.last_mut() {
            Some((l, k)) if *l == lot => *k += n,
            _ => handed.push((lot, n)),
        }
        self.handed = 0;
        self.defective = 0;
    }
}

/// Counts `want` units of product `p` ordered but out of stock.
#[cold]
#[inline(never)]
fn stockout(per_product: &mut [ProductTotals], p: usize, want: u32) {
    per_product[p].units_stockout += want as u64;
}

impl Leader {
    /// A leader with empty crates for `n_products`.
    pub fn new(grid: usize, distance_km: f64, residents: Range<usize>, n_products: usize, storage_temp_c: f64) -> Self {
        Leader {
            grid,
            distance_km,
            residents,
            crates: vec![Vec::new(); n_products],
            stage: CrateStage::Empty,
            trip_day: 0,
            van_breakdown_hours: 0.0,
            van_arrival: None,
            van_spoiled: (0, 0.0),
            van_due: None,
            storage_temp_c,
            rating: 1.0,
            availability: 1.0,
            serves: true,
            bonus: 0.0,
        }
    }

    /// Units in the crates.
    pub fn units(&self) -> u64 {
        self.crates.iter().flatten().map(|x| x.qty as u64).sum()
    }

    /// kg in the crates: what an ageing pass counts as it goes ([`Aged::load_kg`]), counted
    /// apart for the tests to check it against.
    #[cfg(test)]
    pub fn load_kg(&self, products: &[Product]) -> f64 {
        self.crates.iter().zip(products).map(|(c, p)| c.iter().map(|x| x.qty as f64).sum::<f64>() * p.unit_kg).sum()
    }

    /// Value of the crates at purchase cost, yuan.
    pub fn value_yuan(&self, lots: &[Lot]) -> f64 {
        self.crates.iter().flatten().map(|x| x.qty as f64 * lots[x.lot as usize].unit_cost_yuan).sum()
    }

    /// Ages every crate to `now`, product `p` at `temp_c(p)`, reusing `memo` (one per
    /// product, kept across the leaders aged together: see [`SpoilMemo`]). Returns what
    /// spoiled and what is left, counted in the same pass.
    pub fn age_to<R: Rng + Clone>(
        &mut self,
        now: SimTime,
        temp_c: impl Fn(usize) -> f64,
        products: &[Product],
        lots: &[Lot],
        memo: &mut [SpoilMemo],
        rng: &mut R,
    ) -> Aged {
        let mut aged = Aged::default();
        for (p, (crate_, product)) in self.crates.iter_mut().zip(products).enumerate() {
            let (mut left, mut emptied) = (0u64, false);
            for x in crate_.iter_mut() {
                let k = x.age_to_memo(now, temp_c(p), product, &mut memo[p], rng);
                // Most steps spoil nothing (adding their 0 yuan would change no sum).
                if k > 0 {
                    aged.spoiled += k as u64;
                    aged.spoiled_yuan += k as f64 * lots[x.lot as usize].unit_cost_yuan;
                }
                left += x.qty as u64;
                emptied |= x.qty == 0;
            }
            // Portions left empty go (only then is the crate rewritten).
            if emptied {
                crate_.retain(|x| x.qty > 0);
            }
            aged.units += left;
            aged.load_kg += left as f64 * product.unit_kg;
        }
        aged
    }

    /// Ages every crate over a trip that ends at `arrive`: at `temp_c` on the road, then, for
    /// its last `breakdown_hours`, at `warm_c` (the vehicle broke down). One stream `rng` for
    /// both; returns what spoiled on the trip and what is left at its end.
    #[allow(clippy::too_many_arguments)]
    pub fn age_on_the_road<R: Rng + Clone>(
        &mut self,
        arrive: SimTime,
        breakdown_hours: f64,
        temp_c: f64,
        warm_c: f64,
        products: &[Product],
        lots: &[Lot],
        memo: &mut [SpoilMemo],
        rng: &mut R,
    ) -> Aged {
        let stuck_from = SimTime(arrive.0.saturating_sub(hours_to_minutes(breakdown_hours)));
        let first = self.age_to(stuck_from, |_| temp_c, products, lots, memo, rng);
        if stuck_from == arrive {
            // No breakdown: every portion's time is `arrive` or later now, so a second pass
            // would age none of them (no draw, nothing written).
            return first;
        }
        let second = self.age_to(arrive, |_| warm_c, products, lots, memo, rng);
        Aged { spoiled: first.spoiled + second.spoiled, spoiled_yuan: first.spoiled_yuan + second.spoiled_yuan, ..second }
    }

    /// Moves today's crates to `stage`, if there are any (crates that hold nothing stay
    /// [`CrateStage::Empty`]).
    pub fn move_crates(&mut self, stage: CrateStage) {
        if self.stage != CrateStage::Empty {
            self.stage = stage;
        }
    }

    /// Writes off everything in the crates. Returns (units, cost in yuan).
    pub fn write_off_all(&mut self, lots: &[Lot]) -> (u64, f64) {
        let out = (self.units(), self.value_yuan(lots));
        for c in &mut self.crates {
            c.clear();
        }
        self.stage = CrateStage::Empty;
        out
    }

    /// Hands out today's crates to the residents of the neighbourhood who ordered from
    /// platform `k` (`orders`: the neighbourhood's orders, in resident order), at
    /// `handover` time, at this leader's storage temperature, at `prices`. Clears the
    /// crates; calls `served` with each resident served, in the order served, right after
    /// its hand-out (the hand-out reads nothing `served` may change: trust, memory), and
    /// pushes the units handed over of each lot onto `handed` (lot, units). A resident who
    /// ordered comes with the chance of `pickup` (`pickup_rate`).
    #[allow(clippy::too_many_arguments)]
    pub fn pickup<R: Rng + Clone>(
        &mut self,
        k: u8,
        orders: &[Order],
        residents: &mut ResidentsMut,
        per_product: &mut [ProductTotals],
        products: &[Product],
        prices: &[f64],
        lots: &[Lot],
        memo: &mut [SpoilMemo],
        handed: &mut Vec<(u32, u32)>,
        handover: SimTime,
        pickup: Bernoulli,
        served: &mut impl FnMut(&Served, &mut ResidentsMut),
        per_resident: AgentStreams,
        rng: &mut R,
    ) -> PickupTally {
        let mut t = PickupTally::default();
        let temp_c = self.storage_temp_c;
        if self.stage == CrateStage::AtLeader {
            let aged = self.age_to(handover, |_| temp_c, products, lots, memo, rng);
            t.units_spoiled += aged.spoiled;
            t.write_offs_yuan += aged.spoiled_yuan;
        }
        let margin_share = residents.c.quality_margin_share;
        let mut cursors = [Cursor::default(); 64];
        let at_shop = self.stage == CrateStage::AtLeader;
        let range = self.residents.clone();
        let n = range.len();
        if n > 0 {
            // Residents come in a random rotation of the neighbourhood's order.
            let first = range.start + rng.random_range(0..n);
            // Orders are in resident order: those before `first` (counted in one sweep of the
            // list, which brings it into cache for the loop below, where a binary search
            // would wait on each probe).
            let split = orders.iter().filter(|o| (o.resident as usize) < first).count();
            let len = orders.len();
            // Order `j` of the rotation is `orders[(split + j) mod len]`, kept without a division.
            let wrap = |i: usize| if i >= len { i - len } else { i };
            for j in 0..len {
                // The columns of the resident a few orders ahead are asked for now (the
                // hand-out waits on them more than it computes).
                if let Some(o) = orders.get(wrap(split + j + AHEAD)) {
                    let ahead = (o.resident as usize).wrapping_sub(residents.start);
                    prefetch(residents.spent_yuan, ahead);
                    prefetch(residents.trust_kp, ahead.wrapping_mul(residents.platforms).wrapping_add(k as usize));
                }
                let o = &orders[wrap(split + j)];
                if o.platform != k {
                    continue;
                }
                let r = o.resident as usize;
                let mut basket = o.basket;
                let mut rr = per_resident.agent(r as u64);
                if basket == 0 || !rr.sample(pickup) {
                    continue;
                }
                let qty = o.qty as u32;
                let mut s = Served { resident: r, missing: 0, defective: 0, defect_lot: 0, defect_yuan: 0.0 };
                let mut spent = 0.0;
                while basket != 0 {
                    let p = basket.trailing_zeros() as usize;
                    basket &= basket - 1;
                    let crate_ = &mut self.crates[p];
                    let cur = &mut cursors[p];
                    let mut want = qty;
                    while want > 0 {
                        // The next portion's chances (once a portion) and the stock-out are
                        // out of line: the hand-out of most units needs neither.
                        if !cur.ready && !cur.ready_next(crate_, p, lots, products, memo, margin_share, at_shop, &mut t) {
                            s.missing += want;
                            stockout(per_product, p, want);
                            break;
                        }
                        // As many units as the portion has; how many are defective, one
                        // binomial draw (one uniform when none is, as nearly always).
                        let x = &mut crate_[cur.idx];
                        let take = want.min(x.qty);
                        x.qty -= take;
                        want -= take;
                        let defective = binomial(take, cur.defect_p, &mut rr);
                        cur.handed += take;
                        cur.defective += defective;
                        spent += prices[p] * take as f64;
                        if defective > 0 {
                            s.defective += defective;
                            s.defect_lot = x.lot;
                            s.defect_yuan += prices[p] * defective as f64;
                        }
                        if x.qty == 0 {
                            cur.book(crate_, p, lots, prices[p], products, &mut t, per_product, handed);
                            cur.idx += 1;
                            cur.ready = false;
                        }
                    }
                }
                residents.spent_yuan[r - residents.start] += spent as f32;
                t.units_missing += s.missing as u64;
                t.residents_served += 1;
                served(&s, residents);
            }
        }
        for (p, cur) in cursors.iter_mut().enumerate().take(self.crates.len()) {
            cur.book(&self.crates[p], p, lots, prices[p], products, &mut t, per_product, handed);
        }
        let handed = t.units_sold + t.units_defective;
        if handed + t.units_missing > 0 {
            self.availability = handed as f64 / (handed + t.units_missing) as f64;
        }
        if at_shop {
            let (k, cost) = self.write_off_all(lots);
            t.units_spoiled += k;
            t.write_offs_yuan += cost;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;
    use crate::model::resident::Residents;
    use crate::scenario::ResidentsConfig;

    /// What one pickup gave: its tally, the residents served in their order, the units
    /// handed per lot, and each resident's spend.
    struct Given {
        tally: PickupTally,
        served: Vec<Served>,
        handed: Vec<(u32, u32)>,
        spent: Vec<f32>,
        availability: f64,
        per_product: ProductTotals,
    }

    /// A pickup on `day` of `stock` fresh units of one product (handed over when they
    /// arrive: no ageing) among `n` residents who each ordered one unit from platform 0,
    /// but those in `elsewhere`, who ordered from platform 1.
    fn pickup(n: usize, stock: u32, day: u64, elsewhere: &[usize]) -> Given {
        pickup_from(n, 1, &[lot(1.0, 0.0, false)], &[(0, stock)], day, elsewhere)
    }

    /// A lot of unit cost `cost_yuan` and defect rate `defect_rate`, recalled or not.
    fn lot(cost_yuan: f64, defect_rate: f64, recalled: bool) -> Lot {
        Lot { product: 0, supplier: 0, unit_cost_yuan: cost_yuan, defect_rate, false_origin: false, recalled, handed: 0, complaints: 0, harvested: SimTime(0), received: SimTime(0) }
    }

    /// The pickup above with `qty` units of the one product per order and the crate's
    /// `portions` (lot index, units) of `lots`, in that order.
    fn pickup_from(n: usize, qty: u8, lots: &[Lot], portions: &[(u32, u32)], day: u64, elsewhere: &[usize]) -> Given {
        pickup_visit(n, qty, lots, portions, day, elsewhere, PROMPT)
    }

    /// How the goods and the residents come to a test pickup: each resident's chance of
    /// coming, and the portions' age (0 °C-equivalent hours) and hours on the shelf before
    /// the hand-over.
    #[derive(Clone, Copy)]
    struct Visit {
        pickup_rate: f64,
        age_h: f64,
        shelf_hours: f64,
    }

    /// Everyone comes; the goods arrive fresh at the hand-over.
    const PROMPT: Visit = Visit { pickup_rate: 1.0, age_h: 0.0, shelf_hours: 0.0 };

    /// [`pickup_from`] with the residents and goods coming as `v` says.
    #[allow(clippy::too_many_arguments)]
    fn pickup_visit(n: usize, qty: u8, lots: &[Lot], portions: &[(u32, u32)], day: u64, elsewhere: &[usize], v: Visit) -> Given {
        let mut res = Residents::new(&ResidentsConfig::default(), &[], 2);
        let shares: Vec<f64> = res.segments.iter().map(|_| 1.0).collect();
        let draws = res.draws(&shares);
        res.add(n, n, 0, &draws, &mut RunSeed::new(1, 0).stream("t", 0, 0));
        res.qty.iter_mut().for_each(|q| *q = qty);
        let products = [Product::plain(2.0)];
        let handover = SimTime::at_day_hour(day, 10.0);
        let mut leader = Leader::new(0, 1.0, 0..n, 1, 4.0);
        for &(lot, qty) in portions {
            leader.crates[0].push(Portion::new(lot, qty, v.age_h, SimTime::at_day_hour(day, 10.0 - v.shelf_hours)));
        }
        leader.stage = CrateStage::AtLeader;
        let orders: Vec<Order> = (0..n).map(|r| Order { resident: r as u32, platform: u8::from(elsewhere.contains(&r)), qty: res.qty[r], basket: 1 }).collect();
        let (mut handed, mut served) = (Vec::new(), Vec::new());
        let mut serve = |s: &Served, _: &mut ResidentsMut| served.push(*s);
        let seed = RunSeed::new(5, 0);
        let mut per_product = vec![ProductTotals::default()];
        let tally = leader.pickup(
            0,
            &orders,
            &mut res.all_mut(),
            &mut per_product,
            &products,
            &[2.0],
            lots,
            &mut [SpoilMemo::default()],
            &mut handed,
            handover,
            Bernoulli::new(v.pickup_rate).unwrap(),
            &mut serve,
            AgentStreams::new(seed.stream_key("r", 0, day)),
            &mut seed.stream("pickup", 0, day),
        );
        assert_eq!(leader.units(), 0, "the crates are empty after a pickup");
        Given { tally, served, handed, spent: res.spent_yuan.clone(), availability: leader.availability, per_product: per_product[0].clone() }
    }

    #[test]
    fn residents_who_do_not_come_get_nothing_and_their_units_are_written_off() {
        let g = pickup_visit(400, 1, &[lot(1.0, 0.0, false)], &[(0, 400)], 3, &[], Visit { pickup_rate: 0.5, ..PROMPT });
        let served = g.tally.residents_served;
        assert!((150..=250).contains(&served), "about half of 400 come: {served}");
        assert_eq!(g.served.len() as u64, served);
        assert_eq!(g.tally.units_sold + g.tally.units_defective, served, "one unit each to those who came");
        assert_eq!(g.tally.units_spoiled, 400 - served, "the units nobody came for are written off");
        assert_eq!(g.spent.iter().filter(|&&x| x > 0.0).count() as u64, served, "only those who came paid");
    }

    #[test]
    fn goods_age_on_the_shelf_until_the_hand_over() {
        // 100 units near their mean shelf life (100 h), ten hours on the leader's shelf at
        // 4 °C: about two in five spoil before the hand-over, and their buyers miss them.
        let aged = pickup_visit(100, 1, &[lot(1.0, 0.0, false)], &[(0, 100)], 3, &[], Visit { age_h: 95.0, shelf_hours: 10.0, ..PROMPT });
        let t = &aged.tally;
        assert!((20..=65).contains(&t.units_missing), "{} missing", t.units_missing);
        assert_eq!(t.units_sold + t.units_defective + t.units_missing, 100);
        assert_eq!(t.units_spoiled, t.units_missing, "what spoiled on the shelf is written off");
        // The same goods handed over as they arrive: nothing spoils, nobody misses anything.
        let fresh = pickup_visit(100, 1, &[lot(1.0, 0.0, false)], &[(0, 100)], 3, &[], Visit { age_h: 95.0, ..PROMPT });
        assert_eq!((fresh.tally.units_missing, fresh.tally.units_spoiled), (0, 0));
    }

    #[test]
    fn units_that_would_spoil_within_the_quality_margin_are_handed_over_defective() {
        // 1 000 units of a sound lot at 95 h (the product's shelf life: 100 ± 20 h), handed
        // over as they arrive: a unit is defective if it would spoil within the quality
        // margin (`quality_margin_share` of the mean shelf life, 10 h), which is the chance
        // of spoiling from 95 h to 105 h, about a third.
        let g = pickup_visit(1000, 1, &[lot(1.0, 0.0, false)], &[(0, 1000)], 3, &[], Visit { age_h: 95.0, ..PROMPT });
        let margin_h = ResidentsConfig::default().quality_margin_share * Product::plain(2.0).shelf_mean_h;
        let p = Product::plain(2.0).spoil_prob(95.0, 95.0 + margin_h);
        assert!((0.25..0.45).contains(&p), "the chance itself: {p}");
        let (want, sd) = (1000.0 * p, (1000.0 * p * (1.0 - p)).sqrt());
        let got = g.tally.units_defective as f64;
        assert!((got - want).abs() < 5.0 * sd, "{got} defective, {want:.0} ± {sd:.0} expected");
        assert_eq!((g.tally.units_sold + g.tally.units_defective, g.tally.units_missing), (1000, 0));
        // Fresh units (0 h) are nowhere near it: none defective.
        let fresh = pickup_visit(1000, 1, &[lot(1.0, 0.0, false)], &[(0, 1000)], 3, &[], PROMPT);
        assert_eq!(fresh.tally.units_defective, 0);
        // A lot with half its units defective besides: a unit is sound if it is neither,
        // independently, `(1 − ½)(1 − p)`.
        let g = pickup_visit(1000, 1, &[lot(1.0, 0.5, false)], &[(0, 1000)], 3, &[], Visit { age_h: 95.0, ..PROMPT });
        let q = 1.0 - 0.5 * (1.0 - p);
        let (want, sd) = (1000.0 * q, (1000.0 * q * (1.0 - q)).sqrt());
        let got = g.tally.units_defective as f64;
        assert!((got - want).abs() < 5.0 * sd, "{got} defective, {want:.0} ± {sd:.0} expected");
    }

    #[test]
    fn recalled_lots_are_written_off_and_each_portion_is_booked_at_its_own_cost() {
        // Crates: an empty portion, a recalled lot (3 units at 1.5 yuan), a lot whose every
        // unit is defective (3 at 2 yuan), a sound lot (5 at 3 yuan); 4 residents order 2
        // units each at 2 yuan: the 8 units left after the recall, 3 defective, 5 good.
        let lots = [lot(1.5, 0.0, true), lot(2.0, 1.0, false), lot(3.0, 0.0, false)];
        let g = pickup_from(4, 2, &lots, &[(2, 0), (0, 3), (1, 3), (2, 5)], 3, &[]);
        let t = g.tally;
        assert_eq!((t.units_recalled, t.units_defective, t.units_sold, t.units_missing, t.units_spoiled), (3, 3, 5, 0, 0));
        assert_eq!((t.revenue_yuan, t.list_revenue_yuan), (16.0, 16.0));
        assert_eq!(t.cogs_yuan, 5.0 * 3.0, "good units at their lot's cost");
        assert_eq!(t.write_offs_yuan, 3.0 * 1.5 + 3.0 * 2.0, "the recalled lot and the defective units");
        assert_eq!(g.handed, [(1, 3), (2, 5)]);
        assert_eq!((g.per_product.units_sold, g.per_product.units_defective, g.per_product.units_stockout), (5, 3, 0));
        assert_eq!(g.served.iter().map(|s| s.defective).sum::<u32>(), 3);
        assert_eq!(g.served.iter().map(|s| s.defect_yuan).sum::<f64>(), 6.0);
        assert!(g.served.iter().filter(|s| s.defective > 0).all(|s| s.defect_lot == 1));
        assert_eq!(g.spent.iter().map(|&x| x as f64).sum::<f64>(), 16.0);
        // One unit short: the last resident served misses it, booked as a stock-out.
        let g = pickup_from(4, 2, &lots, &[(0, 3), (1, 3), (2, 4)], 3, &[]);
        assert_eq!((g.tally.units_missing, g.per_product.units_stockout, g.tally.units_sold), (1, 1, 4));
        assert_eq!(g.served.iter().map(|s| s.missing).sum::<u32>(), 1);
        // Two portions of one lot in a row are one entry of the units handed per lot.
        let g = pickup_from(3, 1, &lots, &[(2, 1), (2, 2)], 3, &[]);
        assert_eq!(g.handed, [(2, 3)]);
    }

    #[test]
    fn a_pickup_hands_out_what_there_is_and_accounts_for_every_unit() {
        // Short: 4 units for 10 orders.
        let g = pickup(10, 4, 3, &[]);
        let t = g.tally;
        assert_eq!((t.units_sold + t.units_defective, t.units_missing, t.units_spoiled, t.residents_served), (4, 6, 0, 10));
        assert_eq!(g.served.len(), 10);
        assert_eq!(g.served.iter().map(|s| s.missing as u64).sum::<u64>(), 6);
        assert_eq!(g.handed, [(0, 4)]);
        assert_eq!((t.revenue_yuan, t.list_revenue_yuan), (8.0, 8.0));
        assert_eq!(g.spent.iter().map(|&x| x as f64).sum::<f64>(), 8.0);
        assert_eq!(t.cogs_yuan + t.write_offs_yuan, 4.0);
        assert_eq!(g.availability, 0.4);
        // Plenty: 15 units for 10 orders; the 5 left over are written off at the leader.
        let t = pickup(10, 15, 3, &[]).tally;
        assert_eq!((t.units_sold + t.units_defective, t.units_missing, t.units_spoiled, t.residents_served), (10, 0, 5, 10));
        assert_eq!(t.cogs_yuan + t.write_offs_yuan, 15.0);
        // Orders from the other platform are not this leader's.
        let g = pickup(10, 15, 3, &[2, 7]);
        assert_eq!(g.tally.residents_served, 8);
        assert!(g.served.iter().all(|s| s.resident != 2 && s.resident != 7));
        assert_eq!((g.spent[2], g.spent[7]), (0.0, 0.0));
    }

    #[test]
    fn a_trip_ages_at_the_road_temperature_then_warm_for_its_breakdown() {
        // Two portions (one ready earlier, one later, of two lots) aged over a trip that ends
        // at hour 40: the same units, draws and ages as ageing to the breakdown's start at the
        // road's 4 °C and then to the arrival at 25 °C, with one stream; no breakdown is the
        // first step alone; a breakdown spoils more.
        let products = [Product::plain(3.0)];
        let lots = [lot(1.0, 0.0, false), lot(2.0, 0.0, false)];
        let arrive = SimTime::at_day_hour(1, 16.0);
        let loaded = || {
            let mut l = Leader::new(0, 1.0, 0..0, 1, 4.0);
            l.crates[0].push(Portion::new(0, 40_000, 20.0, SimTime::at_day_hour(0, 2.0)));
            l.crates[0].push(Portion::new(1, 40_000, 5.0, SimTime::at_day_hour(1, 12.0)));
            l
        };
        let seed = RunSeed::new(3, 0);
        let state = |l: &Leader| l.crates[0].iter().map(|x| (x.lot, x.qty, x.age_h.to_bits(), x.since)).collect::<Vec<_>>();
        let mut spoiled = Vec::new();
        for hours in [0.0, 6.0] {
            let (mut road, mut steps) = (loaded(), loaded());
            let (mut rng, mut rng2) = (seed.stream("road", 0, 0), seed.stream("road", 0, 0));
            let got = road.age_on_the_road(arrive, hours, 4.0, 25.0, &products, &lots, &mut [SpoilMemo::default()], &mut rng);
            let stuck = SimTime(arrive.0 - hours_to_minutes(hours));
            let a = steps.age_to(stuck, |_| 4.0, &products, &lots, &mut [SpoilMemo::default()], &mut rng2);
            let b = if hours > 0.0 { steps.age_to(arrive, |_| 25.0, &products, &lots, &mut [SpoilMemo::default()], &mut rng2) } else { a };
            let (lost, yuan) = if hours > 0.0 { (a.spoiled + b.spoiled, a.spoiled_yuan + b.spoiled_yuan) } else { a.lost() };
            assert_eq!(got, Aged { spoiled: lost, spoiled_yuan: yuan, ..b }, "breakdown {hours} h");
            assert_eq!((got.units, got.load_kg), (steps.units(), steps.load_kg(&products)), "what is left, breakdown {hours} h");
            assert_eq!(state(&road), state(&steps), "breakdown {hours} h");
            assert_eq!(rng.random::<u64>(), rng2.random::<u64>(), "the same draws, breakdown {hours} h");
            assert!(road.crates[0].iter().all(|x| x.since == arrive), "aged to the arrival");
            spoiled.push(got.spoiled);
        }
        assert!(spoiled[1] > spoiled[0] + 1_000, "six warm hours spoil more: {spoiled:?}");
    }

    #[test]
    fn an_ageing_pass_counts_what_spoiled_and_what_is_left_and_drops_empty_portions() {
        let p = |unit_kg: f64| Product { unit_kg, ..Product::plain(2.0) };
        let products = [p(2.0), p(0.5), p(1.0)];
        let lots = [lot(1.0, 0.0, false), lot(2.0, 0.0, false)];
        let at = SimTime::at_day_hour(0, 2.0);
        let mut leader = Leader::new(0, 1.0, 0..0, 3, 4.0);
        // 500 units near their mean shelf life (about half spoil in ten hours at 10 °C), 30
        // long past it (all spoil), 400 fresh ones of the second product, and a crate of the
        // third whose only portion (10 units) is long past it too.
        leader.crates[0].extend([Portion::new(0, 500, 90.0, at), Portion::new(1, 30, 1e6, at)]);
        leader.crates[1].push(Portion::new(0, 400, 0.0, at));
        leader.crates[2].push(Portion::new(1, 10, 1e6, at));
        let mut rng = RunSeed::new(8, 0).stream("t", 0, 0);
        let aged = leader.age_to(SimTime::at_day_hour(0, 12.0), |_| 10.0, &products, &lots, &mut [SpoilMemo::default(); 3], &mut rng);
        assert_eq!(leader.crates[0].len(), 1, "the portion that spoiled through is gone: {:?}", leader.crates[0]);
        assert!(leader.crates[2].is_empty(), "and the crate that spoiled through is empty: {:?}", leader.crates[2]);
        assert_eq!((aged.units, aged.load_kg), (leader.units(), leader.load_kg(&products)), "what is left, counted in the pass");
        assert_eq!(aged.units + aged.spoiled, 940, "every unit spoiled or left");
        assert!((150..=400).contains(&(aged.spoiled - 40)), "about half of the 500: {}", aged.spoiled - 40);
        assert_eq!(aged.spoiled_yuan, (aged.spoiled - 40) as f64 * 1.0 + 40.0 * 2.0, "each unit at its lot's cost");
        // A pass that moves no clock spoils nothing and still counts what is there.
        let again = leader.age_to(SimTime::at_day_hour(0, 12.0), |_| 10.0, &products, &lots, &mut [SpoilMemo::default(); 3], &mut rng);
        assert_eq!(again, Aged { spoiled: 0, spoiled_yuan: 0.0, ..aged });
    }

    #[test]
    fn a_rating_moves_towards_the_newest_pickup_by_alpha() {
        assert_eq!(rated(0.5, 0.25, true), 0.625);
        assert_eq!(rated(0.5, 0.25, false), 0.375);
        assert_eq!(rated(0.8, 1.0, false), 0.0, "alpha 1: the newest pickup alone");
        // Ten good pickups in a row from 0 at alpha 0.1: 1 − 0.9¹⁰.
        let r = (0..10).fold(0.0, |r, _| rated(r, 0.1, true));
        assert!((r - (1.0 - 0.9f64.powi(10))).abs() < 1e-12, "{r}");
    }

    #[test]
    fn crates_move_on_unless_there_are_none() {
        let mut leader = Leader::new(0, 1.0, 0..0, 1, 4.0);
        leader.move_crates(CrateStage::Grid);
        assert_eq!(leader.stage, CrateStage::Empty);
        leader.stage = CrateStage::Linehaul;
        leader.move_crates(CrateStage::Grid);
        assert_eq!(leader.stage, CrateStage::Grid);
    }

    #[test]
    fn residents_come_in_a_random_rotation_of_the_neighbourhood() {
        // The first served is the pickup stream's first draw; the others follow in resident
        // order, round the end; when short, the first ones get the goods.
        let mut starts = std::collections::BTreeSet::new();
        for day in 0..30 {
            let g = pickup(10, 4, day, &[6]);
            let first = RunSeed::new(5, 0).stream("pickup", 0, day).random_range(0..10usize);
            let order: Vec<usize> = g.served.iter().map(|s| s.resident).collect();
            let want: Vec<usize> = (0..10).map(|i| (first + i) % 10).filter(|&r| r != 6).collect();
            assert_eq!(order, want, "day {day}");
            assert!(g.served[..4].iter().all(|s| s.missing == 0) && g.served[4..].iter().all(|s| s.missing == 1), "day {day}");
            starts.insert(first);
        }
        assert!(starts.len() >= 6, "{starts:?}");
    }
}
