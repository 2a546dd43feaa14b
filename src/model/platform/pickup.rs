//! Pickup and after-sales at the leaders: hand-over, each served resident's trust,
//! complaints and refunds, word of mouth, the leader's rating, goods that missed the window
//! (late), and recalls decided from the complaints that have reached the platform.
//!
//! Every leader's pickup closes at the same hour: the platform first reads the complaints
//! that have reached it (recalls), then the leaders hand out, chunk of neighbourhoods by
//! chunk on the run's threads (each touches only its own crates and residents), and their
//! results are booked in leader order, so the books do not depend on the thread count.

use rand::RngExt;
use rand::distr::Bernoulli;

use super::Platform;
use crate::engine::parallel::{Workers, split_mut};
use crate::engine::prefetch::prefetch;
use crate::engine::rng::AgentStreams;
use crate::engine::{RunSeed, SimTime};
use crate::model::accounts::{ProductTotals, Stage};
use crate::model::aftersales;
use crate::model::leader::{CrateStage, Leader, PickupTally, Served, rated};
use crate::model::lot::{Lot, SpoilMemo};
use crate::model::product::Product;
use crate::model::resident::{Census, ChurnCause, Order, Residents, ResidentsMut};
use crate::model::streams;
use crate::scenario::{ReputationConfig, Scenario};

/// The residents' side of a pickup: their columns, their orders and the chunks of work.
pub(crate) struct Town<'a> {
    /// All residents.
    pub residents: &'a mut Residents,
    /// Each neighbourhood's orders.
    pub orders: &'a [Vec<Order>],
    /// Chunks of neighbourhoods (= leaders), and the residents each covers.
    pub chunks: &'a [std::ops::Range<usize>],
    pub resident_chunks: &'a [std::ops::Range<usize>],
    /// Each chunk's counts for the day's end (trust changes here).
    pub census: &'a mut [Census],
    /// The run's threads.
    pub workers: &'a Workers,
}

/// What the platform's books need from one leader's pickup.
#[derive(Default)]
struct LeaderPickup {
    tally: PickupTally,
    /// Goods that arrived after the pickup closed: (units, cost).
    late: (u64, f64),
    /// Units spoiled on the van that arrived before the close, and their cost.
    van_spoiled: (u64, f64),
    commission_rate: f64,
    complaints: u64,
    granted: u64,
    refused: u64,
    refunds_yuan: f64,
    /// End of its reports in the chunk's `hours` and `reports`.
    reports_end: usize,
}

/// One chunk's pickups: per leader, and what they add to lots, products and complaints.
#[derive(Default)]
struct ChunkPickups {
    leaders: Vec<LeaderPickup>,
    /// Units handed over per lot (lot, units).
    handed: Vec<(u32, u32)>,
    per_product: Vec<ProductTotals>,
    /// Hours to decide each report, in order.
    hours: Vec<f64>,
    /// Reports on their way to the platform (when it sees them, lot), in order.
    reports: Vec<(SimTime, u32)>,
}

/// What every leader's pickup reads.
struct Shared<'a> {
    k: u8,
    sc: &'a Scenario,
    rep: &'a ReputationConfig,
    products: &'a [Product],
    prices: &'a [f64],
    lots: &'a [Lot],
    /// Each leader's pickup stream (the order residents come in, ageing at the shop).
    leader_streams: AgentStreams,
    /// Whether a resident who ordered comes (`pickup_rate`).
    pickup: Bernoulli,
    market_seed: RunSeed,
    handover: SimTime,
    day: u64,
}

impl Platform {
    /// Pickup at every leader (see the module's doc).
    pub(super) fn pickups(&mut self, day: u64, town: &mut Town, rep: &ReputationConfig) {
        let t = &self.sc.timeline;
        let handover = SimTime::at_day_hour(day, 0.5 * (t.pickup_start_hour + t.pickup_end_hour));
        self.observe_complaints(handover);
        let shared = Shared {
            k: self.k,
            sc: &self.sc,
            rep,
            products: &self.products,
            prices: &self.prices,
            lots: &self.lots,
            leader_streams: streams::agents(&self.seed, streams::PICKUP, day),
            pickup: Bernoulli::new(self.sc.leaders.pickup_rate).expect("pickup_rate is validated to lie in [0, 1]"),
            market_seed: self.market_seed,
            handover,
            day,
        };
        let leaders = split_mut(&mut self.leaders, town.chunks, 1);
        let views = town.residents.split_mut(town.resident_chunks);
        let orders = town.orders;
        let work: Vec<_> = leaders.zip(views).zip(town.census.iter_mut()).zip(town.chunks.iter().cloned()).collect();
        let n_products = self.products.len();
        let chunks = town.workers.map(work, |(((leaders, mut view), census), chunk)| {
            let mut out = ChunkPickups { per_product: vec![ProductTotals::default(); n_products], ..ChunkPickups::default() };
            let mut memo = vec![SpoilMemo::default(); n_products];
            for (i, l) in chunk.enumerate() {
                // The next leader's crates and orders are asked for from memory now.
                if let Some(next) = leaders.get(i + 1) {
                    next.crates.iter().for_each(|c| prefetch(c, 0));
                    prefetch(&orders[l + 1], 0);
                }
                let leader = &mut leaders[i];
                let one = pickup_at(leader, l, &orders[l], &mut view, census, &shared, &mut out, &mut memo);
                out.leaders.push(one);
            }
            out
        });
        for c in chunks {
            self.book(&c);
        }
    }

    /// Books one chunk's pickups, leader by leader.
    fn book(&mut self, c: &ChunkPickups) {
        for &(lot, n) in &c.handed {
            self.lots[lot as usize].handed += n;
        }
        for (a, b) in self.product_totals.iter_mut().zip(&c.per_product) {
            a.units_stockout += b.units_stockout;
            a.units_defective += b.units_defective;
            a.units_sold += b.units_sold;
        }
        let mut reports = 0;
        for x in &c.leaders {
            let (tally, late) = (&x.tally, x.late);
            let d = &mut self.today;
            d.units_sold += tally.units_sold;
            d.spoil(Stage::LastMile, x.van_spoiled.0, x.van_spoiled.1);
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
            d.complaints += x.complaints;
            d.refunds_granted += x.granted;
            d.refunds_refused += x.refused;
            for h in &c.hours[reports..x.reports_end] {
                d.refund_hours_sum += h;
            }
            if self.sc.aftersales.traceability {
                self.complaints_coming.extend_from_slice(&c.reports[reports..x.reports_end]);
            }
            reports = x.reports_end;
            d.refunds_yuan += x.refunds_yuan;
            d.commission_yuan += x.commission_rate * (tally.revenue_yuan - x.refunds_yuan);
            d.residents_served += tally.residents_served;
        }
    }
    /// Complaints that have reached the platform by `now` count against their lots; a lot
    /// whose estimated defect rate passes the threshold is recalled (see [`aftersales`]).
    pub(super) fn observe_complaints(&mut self, now: SimTime) {
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
}

/// Pickup at leader `l`: the hand-over, each served resident's trust, complaints, refunds and
/// word of mouth right after its own, and the leader's rating; what the books need goes to
/// `out`.
#[allow(clippy::too_many_arguments)]
fn pickup_at(
    leader: &mut Leader,
    l: usize,
    orders: &[Order],
    residents: &mut ResidentsMut,
    census: &mut Census,
    s: &Shared,
    out: &mut ChunkPickups,
    memo: &mut [SpoilMemo],
) -> LeaderPickup {
    // Today's van, if it came before the close: its crates are at the shop.
    let mut van_spoiled = (0, 0.0);
    if leader.stage == CrateStage::LastMile && leader.van_arrival.take().is_some() {
        van_spoiled = leader.van_spoiled;
        leader.stage = CrateStage::AtLeader;
    }
    let mut rng = s.leader_streams.agent(l as u64);
    let hood = leader.residents.clone();
    let alpha = s.sc.leaders.rating_alpha;
    let a = &s.sc.aftersales;
    let k = s.k as usize;
    let aftersales = streams::agents(&s.market_seed, streams::AFTERSALES, s.day);
    let (hours, reports) = (&mut out.hours, &mut out.reports);
    let (mut x, mut rating) = (LeaderPickup::default(), leader.rating);
    // Each resident served: trust, the leader's rating, complaints and refunds, word of
    // mouth, right after its hand-out.
    let mut after_handout = |sv: &Served, residents: &mut ResidentsMut| {
        let bad = residents.experience(sv.resident, k, sv.missing, sv.defective, s.day, census);
        rating = rated(rating, alpha, !bad);
        if !bad {
            // A good pickup (nothing missing, nothing defective) has nothing to report or
            // tell: its stream is not needed (made from its key alone, so making it only
            // when needed changes no number).
            return;
        }
        let mut rng = aftersales.agent(sv.resident as u64);
        for _ in 0..sv.defective {
            if !rng.random_bool(a.complaint_prob) {
                continue;
            }
            let o = aftersales::report(a, &mut rng);
            x.complaints += 1;
            if o.granted {
                x.granted += 1;
                x.refunds_yuan += sv.defect_yuan / sv.defective as f64;
            } else {
                x.refused += 1;
            }
            hours.push(o.hours);
            reports.push((s.handover.plus_hours(o.seen_hours), sv.defect_lot));
            residents.nudge_trust(sv.resident, k, o.trust_delta, census);
            if o.bad {
                residents.remember(sv.resident, k, ChurnCause::Refund, s.day);
            }
        }
        if !hood.is_empty() {
            // Word of mouth: neighbours hear of it.
            for _ in 0..s.rep.word_of_mouth_reach {
                let r = rng.random_range(hood.clone());
                residents.nudge_trust(r, k, -s.rep.word_of_mouth_penalty, census);
            }
        }
    };
    x.tally = leader.pickup(
        s.k,
        orders,
        residents,
        &mut out.per_product,
        s.products,
        s.prices,
        s.lots,
        memo,
        &mut out.handed,
        s.handover,
        s.pickup,
        &mut after_handout,
        streams::agents(&s.market_seed, streams::PICKUP_RESIDENT, s.day),
        &mut rng,
    );
    leader.rating = rating;
    x.late = if leader.stage == CrateStage::AtLeader { (0, 0.0) } else { leader.write_off_all(s.lots) };
    x.van_spoiled = van_spoiled;
    x.commission_rate = s.sc.leaders.commission_rate + leader.bonus;
    x.reports_end = out.hours.len();
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lot::Portion;
    use crate::model::resident::tests::population_of;

    /// One pickup at a leader of 40 residents (trust all but equal), the first 30 of whom ordered
    /// one unit of product 0; its crate holds 30 units of a lot with `defect_rate`, at the
    /// shop or, when `late`, still on a van that has not come. Rating 0.5, commission bonus
    /// 0.02. Returns what the books get, the leader, and each resident's trust before and
    /// after.
    fn one_pickup(defect_rate: f64, late: bool) -> (LeaderPickup, Leader, Vec<f64>, Vec<f64>) {
        let mut sc = crate::scenario::load(std::path::Path::new("scenarios/baseline.toml")).unwrap();
        sc.aftersales.traceability = false;
        (sc.leaders.pickup_rate, sc.leaders.rating_alpha, sc.leaders.commission_rate) = (1.0, 0.1, 0.10);
        (sc.reputation.word_of_mouth_reach, sc.reputation.word_of_mouth_penalty) = (3, 0.03);
        let run = RunSeed::new(4, 0);
        let hood = 0..40;
        let pf = Platform::build(0, "x".into(), sc, run, run, std::slice::from_ref(&hood));
        let n_products = pf.products.len();
        let mut res = population_of(&pf.sc.residents, 40, 1);
        let day = 3;
        let handover = SimTime::at_day_hour(day, 17.0);
        let lots = [Lot { product: 0, supplier: 0, unit_cost_yuan: 1.5, defect_rate, false_origin: false, recalled: false, handed: 0, complaints: 0, harvested: handover, received: handover }];
        let mut leader = Leader::new(0, 1.0, 0..40, n_products, 4.0);
        leader.crates[0].push(Portion::new(0, 30, 0.0, handover));
        (leader.stage, leader.rating, leader.bonus) = (if late { CrateStage::LastMile } else { CrateStage::AtLeader }, 0.5, 0.02);
        let orders: Vec<Order> = (0..30).map(|r| Order { resident: r, platform: 0, qty: 1, basket: 1 }).collect();
        let shared = Shared {
            k: 0,
            sc: &pf.sc,
            rep: &pf.sc.reputation,
            products: &pf.products,
            prices: &pf.prices,
            lots: &lots,
            leader_streams: streams::agents(&run, streams::PICKUP, day),
            pickup: Bernoulli::new(pf.sc.leaders.pickup_rate).unwrap(),
            market_seed: run,
            handover,
            day,
        };
        let mut out = ChunkPickups { per_product: vec![ProductTotals::default(); n_products], ..ChunkPickups::default() };
        let mut census = res.all_mut().census();
        let trust = |res: &Residents| (0..40).map(|r| res.trust(r, 0)).collect::<Vec<f64>>();
        let before = trust(&res);
        let x = pickup_at(&mut leader, 0, &orders, &mut res.all_mut(), &mut census, &shared, &mut out, &mut vec![SpoilMemo::default(); n_products]);
        let after = trust(&res);
        (x, leader, before, after)
    }

    #[test]
    fn a_pickup_books_the_rating_the_commission_and_the_late_goods() {
        let (x, leader, before, after) = one_pickup(0.0, false);
        let (alpha, commission) = (0.1, 0.10);
        assert_eq!(x.tally.residents_served, 30, "every order served");
        let want = (0..30).fold(0.5, |r, _| rated(r, alpha, true));
        assert_eq!(leader.rating, want, "thirty good pickups from 0.5");
        assert_eq!(x.commission_rate, commission + 0.02, "the platform's rate plus the leader's bonus");
        assert_eq!(x.late, (0, 0.0), "nothing late when the goods are at the shop");
        assert!((0..30).all(|r| after[r] > before[r]) && after[30..] == before[30..], "good pickups raise the trust of those served only");
        // The van has not come: nobody gets anything, the 30 units are written off late.
        let (x, leader, ..) = one_pickup(0.0, true);
        assert_eq!(x.late, (30, 45.0));
        assert_eq!((x.tally.units_sold, x.tally.units_missing), (0, 30));
        assert_eq!(leader.rating, (0..30).fold(0.5, |r, _| rated(r, alpha, false)), "thirty bad pickups");
    }

    #[test]
    fn a_bad_pickup_is_told_to_the_neighbours() {
        // Every unit defective: the ten who ordered nothing hear of it (word of mouth, three
        // neighbours a bad pickup at 0.03 each), and those served lose trust.
        let (good, ..) = one_pickup(0.0, false);
        let (bad, _, before, after) = one_pickup(1.0, false);
        assert_eq!((good.tally.units_defective, bad.tally.units_defective), (0, 30));
        let heard: f64 = (30..40).map(|r| before[r] - after[r]).sum();
        assert!(heard > 0.03 * 3.0, "the ten not served lost {heard} of trust together");
        assert!((0..30).all(|r| after[r] < before[r]));
    }
}
