//! The market's passes over its residents, neighbourhood chunk by neighbourhood chunk, on
//! the run's worker threads: drawing the population, the evening's shopping, the day's end
//! (scandals, trust recovery, coupon eligibility, counts), newcomers joining, and the
//! run's end (churn counts and spends, in fixed slices of residents).
//!
//! The day's end does not walk every resident: trust's drift back towards its initial level
//! is one change of the market's trust scale (see `trust_kp` in `resident.rs`), and the
//! counts it reports are kept per chunk as residents change ([`Census`]). Only a scandal,
//! a coupon policy, the trace's segment counts or the scale's return to 1 (every few
//! hundred days) walk a chunk's residents.
//!
//! Chunks are consecutive neighbourhoods of at least [`CHUNK_RESIDENTS`] residents, fixed
//! by the population alone. Every random draw comes from a stream keyed by the resident or
//! the neighbourhood, integer counts add up in any order and sums of reals are added chunk
//! by chunk in chunk order, so a run's outputs are the same for any `--threads`.

use std::ops::Range;

use rand::RngExt;

use super::Market;
use crate::engine::parallel::{Workers, chunks, split_mut};
use crate::engine::RunSeed;
use crate::model::lot::binomial;
use crate::model::resident::{Census, ChurnCause, Draws, IN_MARKET, MIN_TRUST_SCALE, Offer, Order, PROSPECT, Residents, ResidentsMut, ShopTally};
use crate::model::streams;
use crate::scenario::MAX_PLATFORMS;

/// Residents per chunk of work (at least; chunks end at a neighbourhood's end).
pub(super) const CHUNK_RESIDENTS: usize = 1 << 15;

/// What the day's end reports: the chunks' counts, and what a chunk's day-end pass found.
#[derive(Default)]
pub(super) struct DayEndCounts {
    /// Sum of trust in each platform over residents in the market.
    pub trust_sum: [f64; MAX_PLATFORMS],
    /// Customers of each platform in the market.
    pub customers: [u64; MAX_PLATFORMS],
    /// Residents in the market.
    pub in_market: u64,
    /// Of them, customers of some platform.
    pub active: u64,
    /// Of them, per segment (when counted: empty otherwise).
    pub active_by_segment: Vec<u64>,
    /// Customers eligible for a coupon (resident, platform), in resident order; whether
    /// each gets one depends on the budget left.
    pub coupon_candidates: Vec<(u32, u8)>,
}

impl DayEndCounts {
    /// Nothing counted yet, for `segments` segments (0: not counted per segment).
    fn new(segments: usize) -> Self {
        DayEndCounts { active_by_segment: vec![0; segments], ..DayEndCounts::default() }
    }

    /// Adds what a later chunk's pass found (its coupon candidates after these: resident
    /// order).
    fn add(&mut self, other: DayEndCounts) {
        for (a, b) in self.active_by_segment.iter_mut().zip(&other.active_by_segment) {
            *a += b;
        }
        self.coupon_candidates.extend(other.coupon_candidates);
    }

    /// The counts of every chunk (`census`, in chunk order), trust at scale `scale`.
    fn count(&mut self, census: &[Census], trust_initial: f64, scale: f64) {
        let mut all = Census::default();
        for c in census {
            all.add(c);
        }
        (self.in_market, self.active, self.customers) = (all.in_market, all.active, all.customers);
        for (k, t) in self.trust_sum.iter_mut().enumerate() {
            *t = all.trust_sum(k, trust_initial, scale);
        }
    }
}

/// Who may get a retention coupon of a platform tonight (the budget aside).
#[derive(Clone, Copy)]
pub(super) struct CouponRule {
    /// Whether the platform hands out coupons now (a target and budget for one more).
    pub active: bool,
    /// Trust below which a customer is at risk.
    pub at_risk_trust: f64,
    /// Minimum spend multiplier (`0` unless the top spenders are targeted).
    pub min_spend: f32,
    /// Segment targeted, if any.
    pub segment: Option<u8>,
}

/// Neighbourhood `id`'s size: (households in the market, prospects).
/// (`km`: the range of its leader's distance, drawn first from the same stream.)
pub(super) fn hood_size(seed: &RunSeed, id: u64, km: (f64, f64), households_mean: u32, spread: f64, prospects_share: f64) -> (usize, usize) {
    let mut rng = seed.stream(streams::NETWORK, id, 0);
    let _km: f64 = rng.random_range(km.0..=km.1);
    let f = 1.0 + spread * rng.random_range(-1.0..=1.0);
    let households = ((households_mean as f64 * f).round() as usize).max(1);
    (households, (households as f64 * prospects_share).round() as usize)
}

/// The chunks of `hoods` (neighbourhood index ranges) and the residents each covers.
pub(super) fn hood_chunks(hoods: &[Range<usize>]) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let c = chunks(hoods.iter().map(|h| h.len()), CHUNK_RESIDENTS);
    let residents = c.iter().map(|c| hoods[c.start].start..hoods[c.end - 1].end).collect();
    (c, residents)
}

/// Draws every neighbourhood's residents (`households[n]` in the market first, then the
/// prospects), each from its own stream, on `workers`.
pub(super) fn populate(residents: &mut Residents, hoods: &[Range<usize>], households: &[usize], draws: &Draws, seed: &RunSeed, workers: &Workers) {
    let np = residents.platforms;
    residents.zeroed(hoods.last().map_or(0, |h| h.end));
    let (hood_chunks, resident_chunks) = hood_chunks(hoods);
    let views = residents.split_mut(&resident_chunks);
    let work: Vec<(ResidentsMut, Range<usize>)> = views.into_iter().zip(hood_chunks).collect();
    let schedule = streams::agents(seed, streams::SCHEDULE, 0);
    workers.map(work, |(mut view, chunk)| {
        for n in chunk {
            let mut rng = seed.stream(streams::RESIDENTS, n as u64, 0);
            let home = if np > 1 { rng.random_range(0..np) as u8 } else { 0 };
            view.fill(hoods[n].clone(), households[n], home, draws, &mut rng);
            view.schedule(hoods[n].clone(), 0, schedule);
            if np > 1 {
                // Each resident's home platform: the pickup point it knows best.
                for r in hoods[n].clone() {
                    let i = r - view.start;
                    let h = rng.random_range(0..np) as u8;
                    view.home[i] = h;
                    view.customer[i] = if view.status[i] == IN_MARKET { 1 << h } else { 0 };
                }
            }
        }
    });
}

impl Market {
    /// Opens the statistics window in every chunk; returns (residents in the market,
    /// customers of each platform).
    pub(super) fn start_window_all(&mut self) -> (u64, [u64; MAX_PLATFORMS]) {
        let views = self.residents.split_mut(&self.resident_chunks);
        let mut total = (0, [0; MAX_PLATFORMS]);
        for (n, c) in self.workers.map(views, |mut v| v.start_window()) {
            total.0 += n;
            for (a, b) in total.1.iter_mut().zip(c) {
                *a += b;
            }
        }
        total
    }

    /// Tonight's shopping in every neighbourhood, and each resident's day end right after
    /// its shopping (one pass over the residents): fills `self.orders` and each platform's
    /// units ordered per leader; returns (per-platform tallies, shoppers who chose the
    /// outside option, the day end's counts).
    ///
    /// The day end (`scandal[k]`: depth of platform k's scandal today; trust drifting back
    /// towards its initial level; coupon eligibility; counts) reads and writes nothing the
    /// evening of another resident uses, and nothing happens to residents between the
    /// cut-off and the day's end, so doing it resident by resident during the evening gives
    /// the numbers of a separate pass at 23:59.
    pub(super) fn evening_all(&mut self, day: u64, scandal: &[Option<f64>], coupons: &[CouponRule]) -> ([ShopTally; MAX_PLATFORMS], u64, DayEndCounts) {
        let np = self.platforms.len();
        let n_products = self.n_products;
        let width = np * n_products;
        let evening = streams::agents(&self.seed, streams::EVENING, day);
        // What each platform offers in each neighbourhood tonight (`n × platforms + k`).
        let mut offers = Vec::with_capacity(self.hoods.len() * np);
        for n in 0..self.hoods.len() {
            offers.extend(self.platforms.iter().map(|p| Offer {
                serves: p.leaders[n].serves,
                price_index: p.price_index,
                availability: p.leaders[n].availability,
                coupon_utility: p.sc.retention.coupon_utility,
            }));
        }
        let offers = &offers;
        let (outside, baskets, hoods) = (self.sc.market.outside_option, &self.baskets, &self.hoods);
        // Tonight's drift of trust towards its initial level: the scale after it (back to 1,
        // the offsets multiplied by it, when it is too small).
        let drifted = self.residents.trust_scale * (1.0 - self.sc.reputation.trust_recovery_per_day);
        let rescale = Rescale { rebase: (drifted < MIN_TRUST_SCALE).then_some(drifted), after: if drifted < MIN_TRUST_SCALE { 1.0 } else { drifted } };
        // Customers per segment are for the trace's segment watch only.
        let n_segments = if self.trace.on() { self.residents.segments.len() } else { 0 };
        let views = self.residents.split_mut(&self.resident_chunks);
        let orders = split_mut(&mut self.orders, &self.chunks, 1);
        let units = split_mut(&mut self.hood_units, &self.chunks, width);
        let census = self.census.iter_mut();
        let work: Vec<_> = views.into_iter().zip(orders).zip(units).zip(census).zip(self.chunks.iter().cloned()).collect();
        let walk = scandal.iter().any(Option::is_some) || rescale.rebase.is_some();
        let results = self.workers.map(work, |((((mut view, orders), units), census), chunk)| {
            let mut tally = [ShopTally::default(); MAX_PLATFORMS];
            let mut outside_chosen = 0;
            let mut c = DayEndCounts::new(n_segments);
            let mut due = Vec::new();
            for (i, n) in chunk.enumerate() {
                let u = &mut units[i * width..(i + 1) * width];
                u.fill(0);
                orders[i].clear();
                outside_chosen += view.shop(hoods[n].clone(), day, &offers[n * np..(n + 1) * np], outside, baskets, u, &mut orders[i], &mut tally, evening, &mut due, census);
                day_end(&mut view, hoods[n].clone(), day, scandal, coupons, rescale, &mut c);
            }
            if walk {
                // Offsets changed for all: the chunk's counts afresh.
                *census = view.census();
            }
            (tally, outside_chosen, c)
        });
        let mut tally = [ShopTally::default(); MAX_PLATFORMS];
        let mut outside_chosen = 0;
        let mut total = DayEndCounts::new(n_segments);
        for (t, o, c) in results {
            for (a, b) in tally.iter_mut().zip(&t) {
                a.add(b);
            }
            outside_chosen += o;
            total.add(c);
        }
        self.residents.trust_scale = rescale.after;
        total.count(&self.census, self.sc.residents.trust_initial, rescale.after);
        for (k, p) in self.platforms.iter_mut().enumerate() {
            for n in 0..self.hoods.len() {
                p.orders[n * n_products..(n + 1) * n_products].copy_from_slice(&self.hood_units[n * width + k * n_products..][..n_products]);
            }
        }
        (tally, outside_chosen, total)
    }

    /// Prospects join the market, in each neighbourhood a binomial draw with probability
    /// `p` (its own stream) among its prospects, who are the last of its residents.
    /// Returns how many joined.
    pub(super) fn inflow_all(&mut self, day: u64, p: f64) -> u64 {
        let seed = self.seed;
        let hoods = &self.hoods;
        let views = self.residents.split_mut(&self.resident_chunks);
        let first = split_mut(&mut self.first_prospect, &self.chunks, 1);
        let work: Vec<_> = views.into_iter().zip(first).zip(self.census.iter_mut()).zip(self.chunks.iter().cloned()).collect();
        let schedule = streams::agents(&seed, streams::SCHEDULE, day + 1);
        self.workers
            .map(work, |(((mut view, first), census), chunk)| {
                let mut joined = 0u64;
                for (i, n) in chunk.enumerate() {
                    let prospects = (hoods[n].end - first[i]) as u32;
                    if prospects == 0 {
                        continue;
                    }
                    let mut rng = seed.stream(streams::INFLOW, n as u64, day);
                    let joins = binomial(prospects, p, &mut rng) as usize;
                    view.join(first[i]..first[i] + joins, census);
                    view.schedule(first[i]..first[i] + joins, day + 1, schedule);
                    first[i] += joins;
                    joined += joins as u64;
                }
                joined
            })
            .into_iter()
            .sum()
    }
}

/// Tonight's drift of trust, as a change of the market's trust scale.
#[derive(Clone, Copy)]
struct Rescale {
    /// The scale after the drift, when it is too small: the offsets of those in the market
    /// are multiplied by it and the scale is back to 1.
    rebase: Option<f64>,
    /// The scale after the drift (1 after a rebase).
    after: f64,
}

/// The day end of the residents `range` (scandals, trust's drift when the offsets are
/// rebased, coupon eligibility, customers per segment when asked for), into `c`. Trust
/// otherwise drifts by the change of the scale, and the counts are kept as residents change.
fn day_end(res: &mut ResidentsMut, range: Range<usize>, day: u64, scandal: &[Option<f64>], coupons: &[CouponRule], rescale: Rescale, c: &mut DayEndCounts) {
    let np = res.platforms;
    let (a, b) = (range.start - res.start, range.end - res.start);
    let (trust_initial, scale) = (res.c.trust_initial, res.scale);
    // A scandal cuts trust before the day's drift; its customers remember it.
    if scandal.iter().any(Option::is_some) {
        for i in a..b {
            if res.status[i] != IN_MARKET {
                continue;
            }
            for (k, depth) in scandal.iter().enumerate().take(np) {
                if let Some(depth) = *depth {
                    let cut = res.trust(i, k) * (1.0 - depth);
                    res.trust_kp[i * np + k] = ((cut - trust_initial) / scale) as f32;
                    if res.customer[i] & (1 << k) != 0 {
                        res.remember(i + res.start, k, ChurnCause::Scandal, day);
                    }
                }
            }
        }
    }
    if let Some(f) = rescale.rebase {
        for i in (a..b).filter(|&i| res.status[i] == IN_MARKET) {
            for y in &mut res.trust_kp[i * np..(i + 1) * np] {
                *y = (*y as f64 * f) as f32;
            }
        }
    }
    // Coupons may go to customers at risk after the drift (the budget decides later).
    if coupons.iter().any(|r| r.active) {
        for i in (a..b).filter(|&i| res.status[i] == IN_MARKET) {
            for (k, rule) in coupons.iter().enumerate().take(np) {
                if rule.active
                    && res.customer[i] & (1 << k) != 0
                    && res.coupon[i] & (1 << k) == 0
                    && trust_initial + rescale.after * (res.trust_kp[i * np + k] as f64) < rule.at_risk_trust
                    && res.spend[i] >= rule.min_spend
                    && rule.segment.is_none_or(|s| s == res.segment[i])
                {
                    c.coupon_candidates.push(((i + res.start) as u32, k as u8));
                }
            }
        }
    }
    if !c.active_by_segment.is_empty() {
        for i in a..b {
            c.active_by_segment[res.segment[i] as usize] += u64::from(res.status[i] == IN_MARKET && res.customer[i] != 0);
        }
    }
}

/// The walks over every resident at a run's end, on `workers` in fixed slices of `slice`
/// residents: (residents ever exposed to a platform, those of them who left the market,
/// those lost to every platform) and the spends of the residents who were ever in the
/// market (prospects who never joined spend nothing), in resident order. Each slice's
/// count of those places its spends in one array, which the threads fill side by side.
pub(super) fn run_end(r: &Residents, workers: &Workers, slice: usize) -> ((u64, u64, u64), Vec<f32>) {
    let n = r.len();
    let slices: Vec<Range<usize>> = (0..n).step_by(slice.max(1)).map(|a| a..(a + slice).min(n)).collect();
    let ever_in = |x: &u8| *x != PROSPECT;
    let counts = workers.map(slices.clone(), |s| (r.churn_counts(s.clone()), r.status[s].iter().filter(|x| ever_in(x)).count()));
    let churn = counts.iter().fold((0, 0, 0), |a, (b, _)| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let mut at = 0;
    let places: Vec<Range<usize>> = counts.iter().map(|&(_, k)| {
        at += k;
        at - k..at
    }).collect();
    let mut spends = vec![0.0f32; at];
    let parts: Vec<_> = split_mut(&mut spends, &places, 1).zip(slices).collect();
    workers.map(parts, |(out, s)| {
        let ever = r.status[s.clone()].iter().zip(&r.spent_yuan[s]).filter(|(x, _)| ever_in(x));
        out.iter_mut().zip(ever).for_each(|(o, (_, &y))| *o = y);
    });
    (churn, spends)
}

/// The orders of every neighbourhood, one list each (kept between days for their capacity).
pub(super) fn order_lists(hoods: usize) -> Vec<Vec<Order>> {
    vec![Vec::new(); hoods]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resident::tests::same_census;
    use crate::model::event::Event;
    use crate::scenario::{self, RetentionTarget};

    #[test]
    fn a_runs_end_counts_and_spends_are_the_walks_of_one_thread_in_resident_order() {
        use crate::model::resident::{EXPOSED, LEFT, MOVED};
        let mut r = crate::model::resident::tests::population(1000, 2);
        for i in 0..r.len() {
            // Prospects in runs and alone, residents who moved, lost customers, spends.
            r.status[i] = if i % 11 < 3 || i % 97 == 0 { PROSPECT } else if i % 13 == 0 { MOVED } else { IN_MARKET };
            r.flags[i] = if i % 5 == 0 { 0 } else if i % 7 == 0 { EXPOSED | LEFT } else { EXPOSED };
            r.customer[i] = u8::from(i % 3 != 0);
            r.spent_yuan[i] = (i % 17) as f32 * 1.5;
        }
        let want_spends: Vec<f32> = (0..r.len()).filter(|&i| r.status[i] != PROSPECT).map(|i| r.spent_yuan[i]).collect();
        let want = (r.churn_counts(0..r.len()), want_spends);
        assert!(want.0.0 > want.0.1 && want.0.1 > 0 && want.0.2 > 0 && want.1.len() < 1000, "{:?}", want.0);
        for (threads, slice) in [(1, 1 << 18), (1, 7), (3, 7), (3, 64), (2, 1000)] {
            assert_eq!(run_end(&r, &Workers::new(threads).unwrap(), slice), want, "{threads} threads, slices of {slice}");
        }
    }

    /// A busy market: a scandal on day 20, at-risk coupons, word of mouth, residents moving
    /// away and joining, and trust drifting half the way back each day (the offsets return
    /// to scale 1 every 17 days).
    fn busy() -> crate::scenario::Scenario {
        let mut sc = scenario::load(std::path::Path::new("scenarios/scandal.toml")).unwrap();
        sc.run.horizon_days = 40;
        sc.reputation.trust_recovery_per_day = 0.5;
        sc.residents.base_churn_prob_per_day = 0.01;
        sc.market.inflow_prob_per_day = 0.05;
        sc.retention.target = RetentionTarget::All;
        (sc.retention.budget_yuan, sc.retention.coupon_yuan, sc.retention.at_risk_trust) = (20_000.0, 3.0, 0.6);
        sc
    }

    #[test]
    fn the_counts_kept_are_the_counts_afresh_every_day() {
        let sc = busy();
        let (mut m, mut q) = Market::start(&sc, 5, 0, false, Workers::new(2).unwrap()).unwrap();
        let (mut rebased, mut days) = (0, 0);
        while let Some((now, ev)) = q.pop() {
            m.handle(&mut q, now, ev).unwrap();
            if ev != Event::DayEnd {
                continue;
            }
            days += 1;
            rebased += u32::from(m.residents.trust_scale == 1.0);
            let views = m.residents.split_mut(&m.resident_chunks);
            for (view, census) in views.iter().zip(&m.census) {
                same_census(census, &view.census());
            }
            if now.day() + 1 == sc.run.horizon_days as u64 {
                break;
            }
        }
        assert_eq!(days, 40);
        assert_eq!(rebased, 2, "0.5¹⁷ < 2⁻¹⁶: the scale returned to 1 on days 16 and 33");
        assert!(m.days.iter().map(|d| d.newcomers).sum::<u64>() > 1_000, "residents joined");
    }

    #[test]
    fn trust_drifts_back_geometrically_and_a_scandal_cuts_it_first() {
        // Evenings alone (no pickups, nobody moving or joining) change no resident's trust
        // but by the drift: the mean follows T₀ + (m₀ − T₀)(1 − ρ)ᵈ, across the offsets'
        // return to scale 1 (0.7³² < 2⁻¹⁶). A scandal of depth δ on day 10 cuts the mean
        // to (1 − δ)·m before that day's drift.
        let mut sc = busy();
        (sc.reputation.trust_recovery_per_day, sc.residents.base_churn_prob_per_day) = (0.3, 0.0);
        let (mut m, _) = Market::start(&sc, 5, 0, false, Workers::new(2).unwrap()).unwrap();
        let t0 = sc.residents.trust_initial;
        let mut all = Census::default();
        m.census.iter().for_each(|c| all.add(c));
        let n = all.in_market as f64;
        let mut mean = all.trust_sum(0, t0, 1.0) / n;
        assert!((mean - t0).abs() > 1e-4, "the drawn trust's mean is not T₀ exactly: {mean}");
        let (quiet, depth) = ([None], 0.4);
        for day in 0..40 {
            let scandal = if day == 10 { [Some(depth)] } else { quiet };
            let (_, _, counts) = m.evening_all(day, &scandal, &[]);
            if day == 10 {
                mean *= 1.0 - depth;
            }
            mean = t0 + (mean - t0) * 0.7;
            assert_eq!(counts.in_market as f64, n);
            let got = counts.trust_sum[0] / n;
            assert!((got - mean).abs() < 1e-6 * mean, "day {day}: mean trust {got}, the law's {mean}");
        }
        // (Multiplied as the evening does: `powi` rounds differently in a debug build.)
        let eight_days = (0..8).fold(1.0, |s: f64, _| s * (1.0 - sc.reputation.trust_recovery_per_day));
        assert_eq!(m.residents.trust_scale, eight_days, "scale 1 after day 31, then eight days of drift");
    }
}
