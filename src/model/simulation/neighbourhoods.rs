//! The market's passes over its residents, neighbourhood chunk by neighbourhood chunk, on
//! the run's worker threads: drawing the population, the evening's shopping, the day's end
//! (scandals, trust recovery, coupon eligibility, counts) and newcomers joining.
//!
//! Chunks are consecutive neighbourhoods of at least [`CHUNK_RESIDENTS`] residents, fixed
//! by the population alone. Every random draw comes from a stream keyed by the resident or
//! the neighbourhood, integer counts add up in any order and sums of reals are added chunk
//! by chunk in chunk order, so a run's outputs are the same for any `--threads`.

use std::ops::Range;

use rand::RngExt;

use super::Market;
use crate::engine::parallel::{chunks, split_mut};
use crate::engine::RunSeed;
use crate::model::lot::binomial;
use crate::model::resident::{ChurnCause, Draws, IN_MARKET, Offer, Order, Residents, ResidentsMut, ShopTally};
use crate::model::streams;
use crate::scenario::MAX_PLATFORMS;

/// Residents per chunk of work (at least; chunks end at a neighbourhood's end).
pub(super) const CHUNK_RESIDENTS: usize = 1 << 15;

/// What a chunk's day-end pass counted.
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

    /// Adds a later chunk's counts (its coupon candidates after these: resident order).
    fn add(&mut self, other: DayEndCounts) {
        for (a, b) in self.active_by_segment.iter_mut().zip(&other.active_by_segment) {
            *a += b;
        }
        for (k, (a, b)) in self.trust_sum.iter_mut().zip(&other.trust_sum).enumerate() {
            *a += b;
            self.customers[k] += other.customers[k];
        }
        self.in_market += other.in_market;
        self.active += other.active;
        self.coupon_candidates.extend(other.coupon_candidates);
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
pub(super) fn populate(residents: &mut Residents, hoods: &[Range<usize>], households: &[usize], draws: &Draws, seed: &RunSeed, workers: &crate::engine::parallel::Workers) {
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
        let drift = Drift { trust_initial: self.sc.residents.trust_initial, recovery: self.sc.reputation.trust_recovery_per_day };
        // Customers per segment are for the trace's segment watch only.
        let n_segments = if self.trace.on() { self.residents.segments.len() } else { 0 };
        let views = self.residents.split_mut(&self.resident_chunks);
        let orders = split_mut(&mut self.orders, &self.chunks, 1);
        let units = split_mut(&mut self.hood_units, &self.chunks, width);
        let work: Vec<_> = views.into_iter().zip(orders).zip(units).zip(self.chunks.iter().cloned()).collect();
        let results = self.workers.map(work, |(((mut view, orders), units), chunk)| {
            let mut tally = [ShopTally::default(); MAX_PLATFORMS];
            let mut outside_chosen = 0;
            let mut c = DayEndCounts::new(n_segments);
            let mut due = Vec::new();
            for (i, n) in chunk.enumerate() {
                let u = &mut units[i * width..(i + 1) * width];
                u.fill(0);
                orders[i].clear();
                outside_chosen += view.shop(hoods[n].clone(), day, &offers[n * np..(n + 1) * np], outside, baskets, u, &mut orders[i], &mut tally, evening, &mut due);
                day_end(&mut view, hoods[n].clone(), day, scandal, coupons, drift, &mut c);
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
        let work: Vec<_> = views.into_iter().zip(first).zip(self.chunks.iter().cloned()).collect();
        let schedule = streams::agents(&seed, streams::SCHEDULE, day + 1);
        self.workers
            .map(work, |((mut view, first), chunk)| {
                let mut joined = 0u64;
                for (i, n) in chunk.enumerate() {
                    let prospects = (hoods[n].end - first[i]) as u32;
                    if prospects == 0 {
                        continue;
                    }
                    let mut rng = seed.stream(streams::INFLOW, n as u64, day);
                    let joins = binomial(prospects, p, &mut rng) as usize;
                    view.status[first[i] - view.start..][..joins].fill(IN_MARKET);
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

/// Trust's drift back towards its initial level.
#[derive(Clone, Copy)]
struct Drift {
    trust_initial: f64,
    recovery: f64,
}

impl Drift {
    /// Trust `t` after a day's drift (one expression for both paths of [`day_end`], so
    /// they give the same numbers).
    fn step(self, t: f32) -> f32 {
        let x = t as f64;
        (x + self.recovery * (self.trust_initial - x)) as f32
    }
}

/// The day end of the residents `range` (scandals, trust recovery, coupon eligibility),
/// counted into `c`.
fn day_end(res: &mut ResidentsMut, range: Range<usize>, day: u64, scandal: &[Option<f64>], coupons: &[CouponRule], drift: Drift, c: &mut DayEndCounts) {
    let np = res.platforms;
    let (a, b) = (range.start - res.start, range.end - res.start);
    // A scandal cuts trust before the day's drift; its customers remember it.
    if scandal.iter().any(Option::is_some) {
        for i in a..b {
            if res.status[i] != IN_MARKET {
                continue;
            }
            for (k, depth) in scandal.iter().enumerate().take(np) {
                if let Some(depth) = *depth {
                    res.trust_kp[i * np + k] *= (1.0 - depth) as f32;
                    if res.customer[i] & (1 << k) != 0 {
                        res.remember(i + res.start, k, ChurnCause::Scandal, day);
                    }
                }
            }
        }
    }
    let (status, customer, trust) = (&res.status[a..b], &res.customer[a..b], &mut res.trust_kp[a * np..b * np]);
    match np {
        1 => drift_counted::<1>(status, customer, trust, drift, c),
        2 => drift_counted::<2>(status, customer, trust, drift, c),
        3 => drift_counted::<3>(status, customer, trust, drift, c),
        _ => drift_counted::<MAX_PLATFORMS>(status, customer, trust, drift, c),
    }
    // Coupons may go to customers at risk after the drift (the budget decides later).
    if coupons.iter().any(|r| r.active) {
        for i in (a..b).filter(|&i| res.status[i] == IN_MARKET) {
            for (k, rule) in coupons.iter().enumerate().take(np) {
                if rule.active
                    && res.customer[i] & (1 << k) != 0
                    && res.coupon[i] & (1 << k) == 0
                    && (res.trust_kp[i * np + k] as f64) < rule.at_risk_trust
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

/// Trust's drift for the residents of one neighbourhood, of `NP` platforms (`trust`: `NP`
/// per resident), counted into `c`. Branch-free: those not in the market keep their trust
/// and add 0. Trust is summed in four lanes (resident `i` in lane `i mod 4`), added
/// `(l₀ + l₁) + (l₂ + l₃)` at the end: four short chains of additions instead of one long
/// one, and a sum fixed by the neighbourhood alone (not by the threads).
fn drift_counted<const NP: usize>(status: &[u8], customer: &[u8], trust: &mut [f32], drift: Drift, c: &mut DayEndCounts) {
    let (mut in_market, mut active) = (0, 0);
    let mut lanes = [[0.0f64; NP]; 4];
    let mut customers = [0u64; NP];
    // Resident j of a group of four (the last group may be short) into lane j.
    let mut group = |status: &[u8], customer: &[u8], trust: &mut [f32]| {
        for (j, ((&status, &customer), trust)) in status.iter().zip(customer).zip(trust.chunks_exact_mut(NP)).enumerate() {
            let here = status == IN_MARKET;
            in_market += u64::from(here);
            active += u64::from(here && customer != 0);
            for k in 0..NP {
                let drifted = drift.step(trust[k]);
                trust[k] = if here { drifted } else { trust[k] };
                lanes[j][k] += if here { drifted as f64 } else { 0.0 };
                customers[k] += u64::from(here && customer >> k & 1 != 0);
            }
        }
    };
    let (mut s, mut c4, mut t) = (status.chunks_exact(4), customer.chunks_exact(4), trust.chunks_exact_mut(4 * NP));
    for ((s, c4), t) in (&mut s).zip(&mut c4).zip(&mut t) {
        group(s, c4, t);
    }
    group(s.remainder(), c4.remainder(), t.into_remainder());
    c.in_market += in_market;
    c.active += active;
    for k in 0..NP {
        c.trust_sum[k] += (lanes[0][k] + lanes[1][k]) + (lanes[2][k] + lanes[3][k]);
        c.customers[k] += customers[k];
    }
}

/// The orders of every neighbourhood, one list each (kept between days for their capacity).
pub(super) fn order_lists(hoods: usize) -> Vec<Vec<Order>> {
    vec![Vec::new(); hoods]
}
