//! A resident's evening: those whose next evening out is tonight move away or shop — a
//! multinomial logit over the platforms serving its neighbourhood and the outside option,
//! a basket, an order — and draw when they next act (geometric days, [`next_action`]).

use std::ops::Range;

use rand::{Rng, RngExt};
use rand_distr::Exp1;

use super::*;
use crate::engine::prefetch::prefetch;
use crate::engine::scan;

/// Residents ahead in an evening whose columns are asked for from memory.
const AHEAD: usize = 4;

impl ResidentsMut<'_> {
    /// Cause of a churn of local resident `r` from `k` on `day` after choosing `chose` (a
    /// platform or [`NO_CHOICE`] for the outside option).
    fn churn_cause(&self, r: usize, k: usize, day: u64, chose: u8, offers: &[Offer]) -> ChurnCause {
        let i = r * self.platforms + k;
        let bad = self.last_bad_kp[i];
        if bad != NO_CAUSE && day.saturating_sub(self.last_bad_day_kp[i] as u64) <= self.c.memory_days as u64 {
            return ChurnCause::ALL[bad as usize];
        }
        if chose != NO_CHOICE && offers[chose as usize].price_index < offers[k].price_index {
            return ChurnCause::Price;
        }
        ChurnCause::Other
    }

    /// Local resident `r` moves away: out of the market, a customer of no platform, with
    /// the churn and the departure counted. (This, [`Self::churn`] and [`Self::gain`] are
    /// out of line: most evenings of most residents need none of them.)
    #[cold]
    #[inline(never)]
    fn move_away(&mut self, r: usize, np: usize, tally: &mut [ShopTally], census: &mut Census) {
        self.next_day[r] = NEVER;
        self.status[r] = MOVED;
        census.in_market -= 1;
        census.active -= u64::from(self.customer[r] != 0);
        let mut last = None;
        for (k, t) in tally.iter_mut().enumerate().take(np) {
            census.offset_sum[k] -= self.trust_kp[r * np + k] as f64;
            if self.customer[r] & (1 << k) != 0 {
                t.churned[ChurnCause::Moved as usize] += 1;
                census.customers[k] -= 1;
                last = Some(k);
            }
        }
        if let Some(k) = last {
            tally[k].left_market[ChurnCause::Moved as usize] += 1;
            self.flags[r] |= LEFT;
        }
        self.customer[r] = 0;
    }

    /// Local resident `r` has churned from platform `k` on `day`, after choosing `chose`
    /// (a platform or [`NO_CHOICE`]): counted in `t` by its cause, and as a departure from
    /// the market if it is now a customer of none and chose the outside option.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn churn(&mut self, r: usize, k: usize, day: u64, chose: u8, offers: &[Offer], t: &mut ShopTally, census: &mut Census) {
        let cause = self.churn_cause(r, k, day, chose, offers);
        t.churned[cause as usize] += 1;
        self.customer[r] &= !(1 << k);
        census.customers[k] -= 1;
        census.active -= u64::from(self.customer[r] == 0);
        if self.customer[r] == 0 && chose == NO_CHOICE {
            t.left_market[cause as usize] += 1;
            self.flags[r] |= LEFT;
        }
    }

    /// Local resident `r`, not a customer of platform `k`, becomes one (`t`: `k`'s tally).
    #[cold]
    #[inline(never)]
    fn gain(&mut self, r: usize, k: usize, t: &mut ShopTally, census: &mut Census) {
        census.active += u64::from(self.customer[r] == 0);
        census.customers[k] += 1;
        self.customer[r] |= 1 << k;
        self.flags[r] |= EXPOSED;
        t.gained += 1;
    }

    /// One evening's shopping of the residents in `range` (one neighbourhood, global
    /// indices inside the view): those whose `next_day` is tonight move away or shop, and
    /// a shopper draws when it next acts (`due`: scratch space for their indices). Adds
    /// units ordered to `units[k × n_products + p]` and each order to `orders` (in resident
    /// order); a shopper who chooses a platform orders a basket of its segment from
    /// `baskets` (never empty). Resident `r` draws from `evening.agent(r)` only (moving,
    /// shopping, choice, basket), so a change in one resident's choice shifts
    /// no other resident's numbers. Those who move away, churn or become customers are
    /// counted in `census`. Returns the shoppers who chose the outside option.
    #[allow(clippy::too_many_arguments)]
    pub fn shop(
        &mut self,
        range: Range<usize>,
        day: u64,
        offers: &[Offer],
        outside: bool,
        baskets: &Baskets,
        units: &mut [u32],
        orders: &mut Vec<Order>,
        tally: &mut [ShopTally],
        evening: AgentStreams,
        due: &mut Vec<u32>,
        census: &mut Census,
    ) -> u64 {
        if self.platforms == 1 {
            self.shop_of::<1>(range, day, offers, outside, baskets, units, orders, tally, evening, due, census)
        } else {
            self.shop_of::<0>(range, day, offers, outside, baskets, units, orders, tally, evening, due, census)
        }
    }

    /// [`Self::shop`], compiled apart for a market of one platform (`NP` = 1: the loops over
    /// the platforms are one step, known when compiled) and for any number (`NP` = 0): the
    /// same steps in the same order, so the same numbers. (A third copy for two platforms
    /// gained 1 % of the instructions on two and lost 2 % on one: the compiler then inlined
    /// less of the draws into the one-platform copy.)
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn shop_of<const NP: usize>(
        &mut self,
        range: Range<usize>,
        day: u64,
        offers: &[Offer],
        outside: bool,
        baskets: &Baskets,
        units: &mut [u32],
        orders: &mut Vec<Order>,
        tally: &mut [ShopTally],
        evening: AgentStreams,
        due: &mut Vec<u32>,
        census: &mut Census,
    ) -> u64 {
        let np = if NP > 0 { NP } else { self.platforms };
        let mut outside_chosen = 0u64;
        let move_rate = rate(self.c.base_churn_prob_per_day);
        let churn_after = self.c.churn_after_occasions.min(255) as u8;
        let today = day.min((NEVER >> 1) as u64) as u32;
        let (trust_initial, scale) = (self.c.trust_initial, self.scale);
        let mut weights = [0.0f64; MAX_PLATFORMS];
        // Most residents do nothing tonight: one tight scan finds those who act.
        let a = range.start - self.start;
        due_tonight(&self.next_day[a..range.end - self.start], today, a, due);
        for (j, &r) in due.iter().enumerate() {
            // The columns of the resident a few ahead are asked for from memory now (the
            // evening waits on them more than it computes).
            if let Some(&a) = due.get(j + AHEAD) {
                let a = a as usize;
                prefetch(self.status, a);
                prefetch(self.shop_rate, a);
                prefetch(self.segment, a);
                prefetch(self.trust_kp, a * np);
                prefetch(self.home, a);
                prefetch(self.attach, a);
                prefetch(self.coupon, a);
                prefetch(self.customer, a);
                prefetch(self.missed_kp, a * np);
                prefetch(self.qty, a);
            }
            let r = r as usize;
            if self.status[r] != IN_MARKET {
                continue;
            }
            let resident = (r + self.start) as u64;
            let mut rng = evening.agent(resident);
            if self.next_day[r] & 1 == 1 {
                self.move_away(r, np, tally, census);
                continue;
            }
            // Tonight it shops; first, when it next acts (drawn before anything else, so
            // its days do not depend on what it chooses).
            self.next_day[r] = next_action(day + 1, self.shop_rate[r] as f64, move_rate, &mut rng);
            // Multinomial logit over the platforms serving here and the outside option:
            // utilities are differences to the outside option's (which keeps exp() in range).
            let seg = &self.segments[self.segment[r] as usize];
            let mut v = [0.0f64; MAX_PLATFORMS];
            for k in 0..np {
                let o = &offers[k];
                if o.serves {
                    let trust = trust_initial + scale * self.trust_kp[r * np + k] as f64;
                    let mut util = seg.beta_trust * trust
                        + seg.beta_price * (o.price_index - 1.0)
                        + seg.beta_avail * o.availability;
                    if self.home[r] as usize == k {
                        util += seg.beta_attach * self.attach[r] as f64;
                    }
                    if self.coupon[r] & (1 << k) != 0 {
                        util += o.coupon_utility;
                    }
                    v[k] = (util - seg.outside_asc).min(50.0);
                }
            }
            // The weights e^v close enough to settle nearly every choice without libm's exp;
            // the exact weights only when the draw falls next to a boundary (or a utility is
            // out of the close range): the same choices, number for number.
            let outside_weight = if outside { 1.0 } else { 0.0 };
            let mut close = true;
            let mut total = 0.0;
            for k in 0..np {
                weights[k] = if offers[k].serves { exp_close(v[k]).unwrap_or_else(|| { close = false; 0.0 }) } else { 0.0 };
                total += weights[k];
            }
            if !close {
                total = exact_weights(&mut weights[..np], &v, offers);
            }
            // The platforms' weights first, then the outside option's (the order of the sum).
            total += outside_weight;
            if total <= 0.0 {
                continue;
            }
            let u = rng.random::<f64>();
            let settled = if close { settle(&weights[..np], total, outside, u) } else { None };
            let chose = settled.unwrap_or_else(|| {
                // Exact already when not close; made so otherwise (the same numbers again).
                let total = exact_weights(&mut weights[..np], &v, offers) + outside_weight;
                choose(&weights[..np], total, outside, u)
            });
            for (k, t) in tally.iter_mut().enumerate().take(np) {
                if k as u8 == chose || self.customer[r] & (1 << k) == 0 {
                    continue;
                }
                let m = &mut self.missed_kp[r * np + k];
                *m = m.saturating_add(1);
                if *m >= churn_after {
                    self.churn(r, k, day, chose, offers, t, census);
                }
            }
            if chose == NO_CHOICE {
                outside_chosen += 1;
                continue;
            }
            let k = chose as usize;
            self.missed_kp[r * np + k] = 0;
            if self.customer[r] & (1 << k) == 0 {
                self.gain(r, k, &mut tally[k], census);
            }
            let q = self.qty[r] as u32;
            let n_products = baskets.n_products;
            let basket = baskets.draw(self.segment[r] as usize, &mut rng);
            let mut rest = basket;
            while rest != 0 {
                units[k * n_products + rest.trailing_zeros() as usize] += q;
                rest &= rest - 1;
            }
            if basket != 0 {
                orders.push(Order { resident: resident as u32, platform: chose, qty: self.qty[r], basket });
                tally[k].orders += 1;
                if self.coupon[r] & (1 << k) != 0 {
                    self.coupon[r] &= !(1 << k);
                    tally[k].coupons_redeemed += 1;
                }
            }
        }
        outside_chosen
    }
}

/// Fills `due` with `offset + i` for each `i` whose `next_day[i]` falls on `today` (its day
/// is `next_day >> 1`), in order. Sixty-four residents at a time: their comparisons make a
/// bit mask (side by side, see [`scan`]), whose set bits are then walked.
fn due_tonight(next_day: &[u32], today: u32, offset: usize, due: &mut Vec<u32>) {
    due.clear();
    let mut walk = |mut m: u64, first: usize| {
        while m != 0 {
            due.push((first + m.trailing_zeros() as usize) as u32);
            m &= m - 1;
        }
    };
    let blocks = next_day.chunks_exact(scan::BLOCK);
    let (rest, start_rest) = (blocks.remainder(), next_day.len() - next_day.len() % scan::BLOCK);
    for (b, block) in blocks.enumerate() {
        let block = block.try_into().expect("chunks_exact gives whole blocks");
        walk(scan::halves_equal(block, today), offset + b * scan::BLOCK);
    }
    walk(scan::halves_equal_short(rest, today), offset + start_rest);
}

/// The weights `e^v` of the platforms that serve (0 for the others), from libm's `exp`;
/// returns their sum.
fn exact_weights(weights: &mut [f64], v: &[f64], offers: &[Offer]) -> f64 {
    let mut total = 0.0;
    for (k, w) in weights.iter_mut().enumerate() {
        *w = if offers[k].serves { v[k].exp() } else { 0.0 };
        total += *w;
    }
    total
}

/// The logit's choice for the uniform draw `u`: the platform `k` whose share of `total`
/// (the weights' sum, plus 1 for the outside option) holds `u × total`, or [`NO_CHOICE`]
/// for the outside option.
fn choose(weights: &[f64], total: f64, outside: bool, u: f64) -> u8 {
    let mut x = u * total;
    for (k, &w) in weights.iter().enumerate() {
        if x < w {
            return k as u8;
        }
        x -= w;
    }
    if outside {
        return NO_CHOICE;
    }
    // Rounding at the top end: the last platform with weight.
    weights.iter().rposition(|&w| w > 0.0).map_or(NO_CHOICE, |k| k as u8)
}

/// [`choose`] from weights within a relative 10⁻¹¹ of the exact ones, when that settles
/// it: `u × total` is further than 10⁻⁸ × `total` from every boundary between shares,
/// so neither the weights' error nor rounding can move it across one. `None` otherwise.
fn settle(weights: &[f64], total: f64, outside: bool, u: f64) -> Option<u8> {
    let (x, margin) = (u * total, 1e-8 * total);
    let mut upto = 0.0;
    let mut chose = None;
    for (k, &w) in weights.iter().enumerate() {
        upto += w;
        if (x - upto).abs() <= margin {
            return None;
        }
        if chose.is_none() && x < upto {
            chose = Some(k as u8);
        }
    }
    match chose {
        None if outside => Some(NO_CHOICE),
        c => c,
    }
}

/// `e^v` within a relative 10⁻¹¹ for `v` in [−60, 50] (`None` outside): `2ⁿ · e^r` with
/// `n = round(v / ln 2)`, `|r| ≤ ln 2 / 2`, and `e^r` by its Taylor series to `r⁹/9!`
/// (remainder below 10⁻¹¹), summed in pairs (Estrin's scheme: a short chain of
/// dependent operations). A filter for [`settle`], never a weight of a choice.
fn exp_close(v: f64) -> Option<f64> {
    if !(-60.0..=50.0).contains(&v) {
        return None;
    }
    // Adding 1.5·2⁵² rounds v / ln 2 to an integer n, which is then in the sum's low bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let t = v * std::f64::consts::LOG2_E + SHIFT;
    let n = (t.to_bits() & ((1 << 52) - 1)) as i64 - (1 << 51);
    let r = v - (t - SHIFT) * std::f64::consts::LN_2;
    let (r2, pair) = (r * r, |a: f64, b: f64| a + b * r);
    let r4 = r2 * r2;
    let e_r = (pair(1.0, 1.0) + r2 * pair(1.0 / 2.0, 1.0 / 6.0))
        + r4 * (pair(1.0 / 24.0, 1.0 / 120.0) + r2 * pair(1.0 / 720.0, 1.0 / 5040.0))
        + r4 * r4 * pair(1.0 / 40320.0, 1.0 / 362880.0);
    Some(e_r * f64::from_bits(((n + 1023) as u64) << 52))
}

/// When a resident in the market next acts, from the evening `from_day` on: the days until
/// it next shops are geometric with its daily shopping chance (given as [`rate`]
/// `shop_rate`), the days until it moves away geometric with the chance of `move_rate`
/// (moving first when both fall on one evening). The same law as a daily draw of each (both
/// are memoryless, so the draw not taken can be drawn anew next time), at the cost of one
/// draw per time it acts instead of one per day.
///
/// Two draws from `rng`, always: the trip's exponential (rand_distr's), then a uniform `u`
/// whose inverse `−ln(1 − u)` is the move's exponential. Its logarithm is taken only when
/// the move could come first: `−ln(1 − u) ≥ u`, so a `u` of at least `move_rate × (days to
/// the trip + 1)` (with a margin for rounding) moves after the trip.
pub fn next_action<R: Rng + ?Sized>(from_day: u64, shop_rate: f64, move_rate: f64, rng: &mut R) -> u32 {
    let shop = geometric_gap(shop_rate, rng.sample(Exp1));
    let moving = move_gap(shop, move_rate, rng.random());
    let (gap, bit) = if moving <= shop { (moving, 1) } else { (shop, 0) };
    match from_day.checked_add(gap) {
        Some(d) if d < (NEVER >> 1) as u64 => ((d as u32) << 1) | bit,
        _ => NEVER,
    }
}

/// Days until a move of rate `move_rate` drawn by inversion from the uniform `u`,
/// `⌊−ln(1 − u) / move_rate⌋`, when it is at most `shop`; `u64::MAX` when it is not (the
/// logarithm is skipped when `u` alone shows it: see [`next_action`]).
fn move_gap(shop: u64, move_rate: f64, u: f64) -> u64 {
    if move_rate > 0.0 && u < move_rate * (shop as f64 + 1.0) * (1.0 + 1e-9) {
        let gap = geometric_gap(move_rate, -(-u).ln_1p());
        if gap <= shop {
            return gap;
        }
    }
    u64::MAX
}

/// `−ln(1 − p)`: the rate whose exponential waiting time, rounded down to whole days, is
/// the number of failures before the first success of daily trials with chance `p`
/// (`P(gap ≥ g) = e^(−g·rate) = (1 − p)^g`); infinite for `p ≥ 1`, 0 for `p ≤ 0`.
pub fn rate(p: f64) -> f64 {
    if p <= 0.0 { 0.0 } else { -(-p.min(1.0)).ln_1p() }
}

/// Failures before the first success of daily trials whose chance has [`rate`] `rate`,
/// from a standard exponential draw `e`: `⌊e / rate⌋`; `u64::MAX` if `rate ≤ 0` or the
/// gap is 2³² days or more (never, for any run).
fn geometric_gap(rate: f64, e: f64) -> u64 {
    let q = e / rate;
    // The cast truncates, which is the floor of a quotient ≥ 0 (an infinite rate gives 0);
    // to 32 bits, it is a few instructions less than to 64.
    if rate > 0.0 && q < 4_294_967_296.0 { u64::from(q as u32) } else { u64::MAX }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;
    use crate::model::resident::tests::{drawn, population, same_census};

    #[test]
    fn those_due_tonight_are_found_in_order_whatever_the_length() {
        // Lengths around the block of 64; days 0..4 with the move bit on some; due on day 2.
        let mut rng = RunSeed::new(9, 0).stream("test", 0, 0);
        for len in [0, 1, 63, 64, 65, 128, 200] {
            let days: Vec<u32> = (0..len).map(|_| rng.random_range(0..10u32)).collect();
            let mut due = vec![7];
            due_tonight(&days, 2, 100, &mut due);
            let want: Vec<u32> = (0..len).filter(|&i| days[i] >> 1 == 2).map(|i| 100 + i as u32).collect();
            assert_eq!(due, want, "length {len}");
        }
        let mut due = Vec::new();
        due_tonight(&[NEVER, 5, 4, u32::MAX - 1], NEVER >> 1, 0, &mut due);
        assert_eq!(due, [0, 3], "never is a day of its own, with or without the move bit");
    }

    #[test]
    fn choice_follows_the_logit() {
        // One platform at equal utility with the outside option: half the shoppers choose it.
        let mut res = population(50_000, 1);
        for s in &mut res.segments {
            s.beta_trust = 0.0;
            s.beta_attach = 0.0;
            s.beta_avail = 0.0;
            s.outside_asc = 0.0;
        }
        res.shop_rate.iter_mut().for_each(|p| *p = f32::INFINITY);
        let key = |d: u64| AgentStreams::new(RunSeed::new(3, 0).stream_key("s", 0, d));
        res.all_mut().schedule(0..50_000, 1, key(1));
        let offers = [Offer { serves: true, price_index: 1.0, availability: 1.0, coupon_utility: 0.0 }];
        let baskets = Baskets::new(&vec![vec![1.0]; res.segments.len()]);
        let mut units = [0u32];
        let mut orders = Vec::new();
        let mut tally = [ShopTally::default()];
        let evening = |d: u64| AgentStreams::new(RunSeed::new(2, 0).stream_key("t", 0, d));
        let mut census = res.all_mut().census();
        res.all_mut().shop(0..50_000, 1, &offers, true, &baskets, &mut units, &mut orders, &mut tally, evening(1), &mut Vec::new(), &mut census);
        same_census(&census, &res.all_mut().census());
        assert_eq!(orders.len() as u64, tally[0].orders);
        assert!(orders.windows(2).all(|w| w[0].resident < w[1].resident), "orders in resident order");
        let share = tally[0].orders as f64 / 50_000.0;
        assert!((share - 0.5).abs() < 0.01, "share {share}");
        // Without an outside option everyone chooses the only platform and nobody churns.
        let mut tally = [ShopTally::default()];
        for day in 2..10 {
            res.all_mut().shop(0..50_000, day, &offers, false, &baskets, &mut units, &mut orders, &mut tally, evening(day), &mut Vec::new(), &mut census);
        }
        same_census(&census, &res.all_mut().census());
        assert_eq!(tally[0].orders, 8 * 50_000);
        assert_eq!(tally[0].churned.iter().sum::<u64>(), 0);
    }

    #[test]
    fn the_one_platform_copy_gives_the_numbers_of_the_general_one() {
        // One platform, spread trust, moving away, an outside option, coupons held, churn
        // after two occasions elsewhere, a remembered stock-out: fifteen evenings through the
        // copy compiled for one platform and through the general one, from the same state.
        let c = ResidentsConfig { trust_concentration: 20.0, base_churn_prob_per_day: 0.02, churn_after_occasions: 2, ..ResidentsConfig::default() };
        let mut res = drawn(&c, 20_000, 1);
        res.all_mut().schedule(0..20_000, 1, AgentStreams::new(RunSeed::new(3, 0).stream_key("s", 0, 1)));
        for r in (0..20_000).step_by(7) {
            res.coupon[r] = 1;
        }
        let census = res.all_mut().census();
        for r in (0..20_000).step_by(5) {
            res.all_mut().remember(r, 0, ChurnCause::Stockout, 1);
        }
        let baskets = Baskets::new(&vec![vec![0.6, 0.3, 0.8]; res.segments.len()]);
        let offers = [Offer { serves: true, price_index: 1.05, availability: 0.9, coupon_utility: 0.4 }];
        let (mut one, mut general) = (res.clone(), res);
        let (mut census_one, mut census_general) = (census, census);
        let mut shoppers = 0;
        for day in 1..16 {
            let evening = AgentStreams::new(RunSeed::new(2, 0).stream_key("t", 0, day));
            let run = |res: &mut Residents, census: &mut Census, general: bool| {
                let (mut units, mut orders, mut tally) = ([0u32; 3], Vec::new(), [ShopTally::default()]);
                let mut view = res.all_mut();
                let args = (0..20_000, day, &offers[..], true, &baskets);
                let outside = if general {
                    view.shop_of::<0>(args.0, args.1, args.2, args.3, args.4, &mut units, &mut orders, &mut tally, evening, &mut Vec::new(), census)
                } else {
                    view.shop_of::<1>(args.0, args.1, args.2, args.3, args.4, &mut units, &mut orders, &mut tally, evening, &mut Vec::new(), census)
                };
                (units, orders, tally, outside)
            };
            let a = run(&mut one, &mut census_one, false);
            let b = run(&mut general, &mut census_general, true);
            assert_eq!(a, b, "day {day}");
            assert_eq!(census_one, census_general, "day {day}");
            shoppers += a.1.len() as u64 + a.3;
        }
        assert_eq!(one.next_day, general.next_day);
        assert_eq!((&one.status, &one.customer, &one.coupon, &one.flags), (&general.status, &general.customer, &general.coupon, &general.flags));
        assert_eq!(one.missed_kp, general.missed_kp);
        let churned = one.status.iter().zip(&one.customer).filter(|&(&s, &c)| s == IN_MARKET && c == 0).count();
        let moved = one.status.iter().filter(|&&s| s == MOVED).count();
        assert!(shoppers > 20_000 && churned > 100 && moved > 1_000, "shoppers {shoppers}, churned {churned}, moved {moved}");
        same_census(&census_one, &one.all_mut().census());
    }

    #[test]
    fn a_churn_a_gain_and_a_move_are_each_counted_once_where_they_belong() {
        // Three residents on two platforms, each trusting each platform differently:
        // 0 a customer of both, 1 of neither (never one), 2 of platform 1 only.
        let mut res = drawn(&ResidentsConfig::default(), 3, 2);
        (res.customer[0], res.customer[1], res.customer[2], res.flags[1]) = (3, 0, 2, 0);
        res.trust_kp.iter_mut().enumerate().for_each(|(i, t)| *t = 0.01 * (i as f32 + 1.0));
        let offers = [Offer { serves: true, price_index: 0.9, ..Offer::default() }, Offer { serves: true, price_index: 1.0, ..Offer::default() }];
        let mut census = res.all_mut().census();
        let mut t = [ShopTally::default(); 2];
        let (other, price, moved) = (ChurnCause::Other as usize, ChurnCause::Price as usize, ChurnCause::Moved as usize);
        let mut v = res.all_mut();
        // 0 leaves platform 0 for the outside option: still platform 1's, so not gone.
        v.churn(0, 0, 5, NO_CHOICE, &offers, &mut t[0], &mut census);
        assert_eq!((v.customer[0], t[0].churned[other], t[0].left_market, v.flags[0] & LEFT), (2, 1, [0; 8], 0));
        // Then platform 1 too: a customer of none, gone to the outside option.
        v.churn(0, 1, 5, NO_CHOICE, &offers, &mut t[1], &mut census);
        assert_eq!((v.customer[0], t[1].churned[other], t[1].left_market[other], v.flags[0] & LEFT), (0, 1, 1, LEFT));
        // 2 leaves platform 1 for the cheaper platform 0: churned for the price, not gone.
        v.churn(2, 1, 5, 0, &offers, &mut t[1], &mut census);
        assert_eq!((v.customer[2], t[1].churned[price], t[1].left_market.iter().sum::<u64>(), v.flags[2] & LEFT), (0, 1, 1, 0));
        // 1 becomes platform 1's customer (and so one whom the churn figures count), 2 platform 0's.
        v.gain(1, 1, &mut t[1], &mut census);
        v.gain(2, 0, &mut t[0], &mut census);
        assert_eq!((v.customer[1], v.flags[1], t[1].gained, v.customer[2], t[0].gained), (2, EXPOSED, 1, 1, 1));
        same_census(&census, &v.census());
        // 1 moves away: lost by platform 1, to the market; no longer counted at all.
        v.move_away(1, 2, &mut t, &mut census);
        assert_eq!((v.status[1], v.next_day[1], v.customer[1], v.flags[1]), (MOVED, NEVER, 0, EXPOSED | LEFT));
        assert_eq!((t[1].churned[moved], t[1].left_market[moved], t[0].churned[moved], t[0].left_market[moved]), (1, 1, 0, 0));
        // 0, a customer of none, moves away too: nobody's customer lost, no departure counted.
        v.move_away(0, 2, &mut t, &mut census);
        assert_eq!((t[0].churned[moved] + t[1].churned[moved], t[0].left_market[moved] + t[1].left_market[moved]), (1, 1));
        same_census(&census, &v.census());
        assert_eq!((census.in_market, census.active, census.customers[0], census.customers[1]), (1, 1, 1, 0));
    }

    #[test]
    fn the_counts_kept_through_evenings_on_two_platforms_are_a_recount() {
        // Two platforms trusted differently by each resident, residents moving away, churning
        // and switching over ten evenings: the counts kept as they change (in the market,
        // customers, the trust offsets summed per platform) are those counted afresh.
        let c = ResidentsConfig { trust_concentration: 20.0, base_churn_prob_per_day: 0.05, churn_after_occasions: 2, ..ResidentsConfig::default() };
        let mut res = drawn(&c, 5_000, 2);
        res.all_mut().schedule(0..5_000, 1, AgentStreams::new(RunSeed::new(3, 0).stream_key("s", 0, 1)));
        for r in (0..5_000).step_by(3) {
            res.customer[r] |= 2;
        }
        let start = res.all_mut().census();
        let mut census = start;
        let baskets = Baskets::new(&vec![vec![0.6, 0.3]; res.segments.len()]);
        let offers = [Offer { serves: true, price_index: 1.05, availability: 0.9, coupon_utility: 0.0 }, Offer { serves: true, price_index: 0.95, availability: 0.8, coupon_utility: 0.0 }];
        let evenings = |res: &mut Residents, census: &mut Census, outside: bool| {
            let mut tallies = [ShopTally::default(); 2];
            for day in 1..11 {
                let evening = AgentStreams::new(RunSeed::new(2, 0).stream_key("t", 0, day));
                let (mut units, mut orders, mut tally) = ([0u32; 4], Vec::new(), [ShopTally::default(); 2]);
                res.all_mut().shop(0..5_000, day, &offers, outside, &baskets, &mut units, &mut orders, &mut tally, evening, &mut Vec::new(), census);
                tallies.iter_mut().zip(&tally).for_each(|(a, b)| a.add(b));
            }
            tallies
        };
        let (mut quiet, mut quiet_census) = (res.clone(), start);
        let tallies = evenings(&mut res, &mut census, true);
        let moved = res.status.iter().filter(|&&s| s == MOVED).count();
        let churned = |k: usize| tallies[k].churned.iter().sum::<u64>() - tallies[k].churned[ChurnCause::Moved as usize];
        assert!(moved > 500 && churned(0) > 50 && churned(1) > 50 && tallies[0].gained > 50, "moved {moved}, churned {} and {}, gained {}", churned(0), churned(1), tallies[0].gained);
        let recount = res.all_mut().census();
        same_census(&census, &recount);
        // Every customer gained or lost is counted, by its cause: each platform's customers
        // at the start, plus those gained, less those lost, are its customers now.
        for (k, t) in tallies.iter().enumerate() {
            let lost: u64 = t.churned.iter().sum();
            assert_eq!(start.customers[k] + t.gained - lost, recount.customers[k], "platform {k}");
        }
        // Those who left the market without moving (a customer of none, gone to the outside
        // option) are flagged, each once however often it left.
        let left_in_market = res.status.iter().zip(&res.flags).filter(|&(&s, &f)| s == IN_MARKET && f & LEFT != 0).count() as u64;
        let left_by_churn: u64 = tallies.iter().map(|t| t.left_market.iter().sum::<u64>() - t.left_market[ChurnCause::Moved as usize]).sum();
        assert!(left_in_market > 0 && left_in_market <= left_by_churn, "{left_in_market} flagged, {left_by_churn} departures");
        // No outside option and churn only after 255 occasions elsewhere: nobody churns, so
        // everyone who moves away was a customer, lost to the market (flagged) once, by the
        // platform it was a customer of last.
        quiet.c.churn_after_occasions = 255;
        let tallies = evenings(&mut quiet, &mut quiet_census, false);
        let moved = quiet.status.iter().filter(|&&s| s == MOVED).count() as u64;
        let left = |k: usize| tallies[k].left_market[ChurnCause::Moved as usize];
        assert!(moved > 500 && left(0) > 0 && left(1) > 0, "moved {moved}, lost by platform 0 {}, by 1 {}", left(0), left(1));
        assert_eq!(left(0) + left(1), moved);
        assert_eq!(quiet.status.iter().zip(&quiet.flags).filter(|&(&s, &f)| s == MOVED && f & LEFT != 0).count() as u64, moved);
        assert_eq!(tallies.iter().map(|t| t.churned.iter().sum::<u64>() - t.churned[ChurnCause::Moved as usize]).sum::<u64>(), 0);
        same_census(&quiet_census, &quiet.all_mut().census());
    }

    #[test]
    fn utilities_beyond_the_close_range_choose_by_the_exact_weights() {
        // Both platforms' utilities far below the outside option's (out of the close
        // series' range), no outside option: the exact weights e^−100 and 3·e^−100 share
        // the shoppers 1 : 3.
        let mut res = population(40_000, 2);
        for s in &mut res.segments {
            (s.beta_trust, s.beta_attach, s.beta_avail, s.beta_price, s.outside_asc) = (0.0, 0.0, 0.0, 1.0, 100.0);
        }
        res.shop_rate.iter_mut().for_each(|p| *p = f32::INFINITY);
        res.all_mut().schedule(0..40_000, 1, AgentStreams::new(RunSeed::new(3, 0).stream_key("s", 0, 1)));
        let offer = |price_index| Offer { serves: true, price_index, availability: 1.0, coupon_utility: 0.0 };
        let offers = [offer(1.0), offer(1.0 + 3f64.ln())];
        let baskets = Baskets::new(&vec![vec![1.0]; res.segments.len()]);
        let (mut units, mut orders, mut tally) = ([0u32; 2], Vec::new(), [ShopTally::default(); 2]);
        let evening = AgentStreams::new(RunSeed::new(2, 0).stream_key("t", 0, 1));
        let mut census = res.all_mut().census();
        res.all_mut().shop(0..40_000, 1, &offers, false, &baskets, &mut units, &mut orders, &mut tally, evening, &mut Vec::new(), &mut census);
        same_census(&census, &res.all_mut().census());
        assert_eq!(tally[0].orders + tally[1].orders, 40_000, "everyone shops on a platform");
        let share = tally[1].orders as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
    }

    #[test]
    fn a_view_shops_its_own_residents_as_the_whole_population_would() {
        // Two neighbourhoods of 3 000, the second shopped through a view that starts at
        // resident 3 000 (as a chunk of the run's threads does): the orders of the whole
        // population's pass over it, and none from the first neighbourhood.
        let run = |split: bool| {
            let mut res = population(6_000, 1);
            res.shop_rate.iter_mut().for_each(|p| *p = 0.7);
            let key = AgentStreams::new(RunSeed::new(3, 0).stream_key("s", 0, 1));
            res.all_mut().schedule(0..6_000, 1, key);
            let offers = [Offer { serves: true, price_index: 1.0, availability: 1.0, coupon_utility: 0.0 }];
            let baskets = Baskets::new(&vec![vec![1.0]; res.segments.len()]);
            let (mut units, mut orders, mut tally) = ([0u32], Vec::new(), [ShopTally::default()]);
            let evening = AgentStreams::new(RunSeed::new(2, 0).stream_key("t", 0, 1));
            let mut views = if split { res.split_mut(&[0..3_000, 3_000..6_000]) } else { vec![res.all_mut()] };
            let view = views.last_mut().unwrap();
            let mut census = view.census();
            view.shop(3_000..6_000, 1, &offers, true, &baskets, &mut units, &mut orders, &mut tally, evening, &mut Vec::new(), &mut census);
            same_census(&census, &view.census());
            orders
        };
        let (whole, split) = (run(false), run(true));
        assert!(whole.len() > 500, "{}", whole.len());
        assert!(whole.iter().all(|o| (3_000..6_000).contains(&(o.resident as usize))));
        assert_eq!(whole, split);
    }

    #[test]
    fn a_gap_is_the_quotients_floor_or_never() {
        assert_eq!(geometric_gap(0.5, 1.2), 2);
        assert_eq!(geometric_gap(0.5, 0.99), 1);
        assert_eq!(geometric_gap(f64::INFINITY, 5.0), 0, "a certain trial: no day's wait");
        assert_eq!(geometric_gap(0.0, 1.0), u64::MAX, "no chance: never");
        assert_eq!(geometric_gap(1e-12, 1.0), u64::MAX, "beyond 2³² days: never");
        assert_eq!(geometric_gap(1.0, 4_294_967_295.5), 4_294_967_295);
    }

    #[test]
    fn a_move_skipped_by_its_bound_comes_after_the_trip() {
        // Whatever the rate, the trip and the draw (many just at the bound), the move day is
        // the one the logarithm gives when that is not after the trip.
        let mut rng = RunSeed::new(8, 0).stream("t", 0, 0);
        for case in 0..300_000 {
            let (shop, b) = (rng.random_range(0..2_000u64), 10f64.powf(rng.random_range(-7.0..1.0)));
            let x = b * (shop as f64 + 1.0);
            let u: f64 = if case % 2 == 0 { rng.random() } else { (x * (1.0 + rng.random_range(-1e-8..1e-8))).min(0.999) };
            let exact = geometric_gap(b, -(-u).ln_1p());
            assert_eq!(move_gap(shop, b, u), if exact <= shop { exact } else { u64::MAX }, "shop {shop} rate {b} u {u}");
        }
        assert_eq!(move_gap(5, 0.0, 0.0), u64::MAX, "no moving at a zero rate");
        // A resident who never shops: the move the logarithm gives, at any rate, or never
        // when it is 2³² days away or more.
        for case in 0..100_000 {
            let b = 10f64.powf(rng.random_range(-12.0..0.0));
            let u: f64 = if case % 2 == 0 { rng.random() } else { (b * 4_294_967_296.0 * (1.0 + rng.random_range(-1e-8..1e-8))).min(0.999) };
            assert_eq!(move_gap(u64::MAX, b, u), geometric_gap(b, -(-u).ln_1p()), "never shops, rate {b} u {u}");
        }
    }

    #[test]
    fn the_close_exponential_is_within_its_bound() {
        let mut v = -60.0;
        while v <= 50.0 {
            let (close, exact) = (exp_close(v).unwrap(), v.exp());
            assert!((close / exact - 1.0).abs() < 1e-11, "e^{v}: {close} against {exact}");
            v += 0.001_37;
        }
        for v in [-60.000_001, 50.000_001, f64::NAN, f64::NEG_INFINITY, -1e300] {
            assert_eq!(exp_close(v), None, "{v}");
        }
    }

    #[test]
    fn a_settled_choice_is_the_exact_choice() {
        // Random utilities (0 to 3 platforms serving among up to 4, with and without the
        // outside option) and draws, half of them placed next to a boundary between shares:
        // whenever the close weights settle a choice it is the one the exact weights give,
        // and almost every draw away from a boundary is settled.
        let mut rng = RunSeed::new(9, 0).stream("t", 0, 0);
        let (mut settled, mut far) = (0, 0);
        for case in 0..200_000 {
            let np = rng.random_range(1..=MAX_PLATFORMS);
            let outside = rng.random_bool(0.7);
            let v: Vec<f64> = (0..np).map(|_| rng.random_range(-60.0..50.0) * rng.random::<f64>().powi(3)).collect();
            let serves: Vec<bool> = (0..np).map(|_| rng.random_bool(0.8)).collect();
            let exact: Vec<f64> = (0..np).map(|k| if serves[k] { v[k].exp() } else { 0.0 }).collect();
            let close: Vec<f64> = (0..np).map(|k| if serves[k] { exp_close(v[k]).unwrap() } else { 0.0 }).collect();
            let extra = if outside { 1.0 } else { 0.0 };
            let (total, total_close) = (exact.iter().sum::<f64>() + extra, close.iter().sum::<f64>() + extra);
            if total <= 0.0 {
                continue;
            }
            let near = case % 2 == 0;
            let u = if near {
                // Within a few ulps of a boundary.
                let upto: f64 = exact[..=rng.random_range(0..np)].iter().sum();
                let b = (upto / total).min(1.0 - f64::EPSILON);
                f64::from_bits((b.to_bits() as i64 + rng.random_range(-3..=3)) as u64).clamp(0.0, 1.0 - f64::EPSILON)
            } else {
                rng.random::<f64>()
            };
            if let Some(c) = settle(&close, total_close, outside, u) {
                assert_eq!(c, choose(&exact, total, outside, u), "v {v:?} serves {serves:?} outside {outside} u {u}");
                settled += usize::from(!near);
            }
            far += usize::from(!near);
        }
        assert!(settled as f64 > 0.9999 * far as f64, "{settled} of {far} settled");
    }

    #[test]
    fn the_days_between_trips_are_those_of_a_daily_draw() {
        // Geometric gaps with daily chance p: P(gap = 0) = p, mean (1 − p)/p, each within four
        // standard errors over n draws.
        let mut rng = RunSeed::new(6, 0).stream("t", 0, 0);
        let n = 200_000;
        for p in [0.02, 0.147, 0.6] {
            let gaps: Vec<f64> = (0..n)
                .map(|_| {
                    let d = next_action(10, rate(p), 0.0, &mut rng);
                    assert_eq!(d & 1, 0, "no moving at a zero chance");
                    (d >> 1) as f64 - 10.0
                })
                .collect();
            assert!(gaps.iter().all(|&g| g >= 0.0), "never before the first evening");
            let zero = gaps.iter().filter(|&&g| g == 0.0).count() as f64 / n as f64;
            assert!((zero - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt(), "p {p}: P(gap 0) {zero}");
            let mean = gaps.iter().sum::<f64>() / n as f64;
            let want = (1.0 - p) / p;
            assert!((mean - want).abs() < 4.0 * (1.0 - p).sqrt() / p / (n as f64).sqrt(), "p {p}: mean gap {mean} against {want}");
        }
        // Moving away first (ties to moving) with chance q / (1 − (1 − p)(1 − q)).
        let (p, q) = (0.147, 0.05);
        let moves = (0..n).filter(|_| next_action(0, rate(p), rate(q), &mut rng) & 1 == 1).count() as f64 / n as f64;
        let want = q / (1.0 - (1.0 - p) * (1.0 - q));
        assert!((moves - want).abs() < 4.0 * (want * (1.0 - want) / n as f64).sqrt(), "{moves} against {want}");
        // Certain and impossible.
        assert_eq!(next_action(7, rate(1.0), 0.0, &mut rng), 14);
        assert_eq!(next_action(7, rate(0.0), rate(0.0), &mut rng), NEVER);
        assert_eq!(next_action(7, rate(0.0), rate(1.0), &mut rng), 15);
    }
}
