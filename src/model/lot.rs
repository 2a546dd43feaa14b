//! Lots and portions: a lot is one supplier's harvest of one product on one day; a portion
//! is part of a lot at one place in the chain, with the age of its units.
//!
//! Invariant: a portion's units are alive (not spoiled); spoiled units leave the portion
//! the moment they are drawn, and the caller counts them at the stage where they spoiled.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution};

use super::product::Product;
use crate::engine::SimTime;

/// A lot: what never changes about a batch.
#[derive(Debug, Clone)]
pub struct Lot {
    /// Product index.
    pub product: u16,
    /// Supplier index.
    pub supplier: u16,
    /// Purchase price per unit, yuan (units are valued at this cost everywhere).
    pub unit_cost_yuan: f64,
    /// Share of units defective (supplier quality and integrity, after sorting), in [0, 1].
    pub defect_rate: f64,
    /// Whether the lot carries a false origin label.
    pub false_origin: bool,
    /// Whether the lot has been recalled (traceability).
    pub recalled: bool,
    /// Units of it handed over to residents so far (what the platform can see).
    pub handed: u32,
    /// Complaints about it that have reached the platform so far.
    pub complaints: u32,
    /// When the lot was harvested.
    pub harvested: SimTime,
    /// When it reached the central warehouse (its harvest time until then).
    pub received: SimTime,
}

/// Bits of (age, hours, temperature).
type StepKey = (u64, u64, u64);

/// The last few results of a pure function, keyed by the bits of its inputs; the oldest
/// gives way. A hit returns exactly what the function returned.
#[derive(Debug, Clone, Copy)]
struct Recent<K: Copy + PartialEq, V: Copy, const N: usize> {
    entries: [Option<(K, V)>; N],
    next: usize,
}

impl<K: Copy + PartialEq, V: Copy, const N: usize> Default for Recent<K, V, N> {
    fn default() -> Self {
        Recent { entries: [None; N], next: 0 }
    }
}

impl<K: Copy + PartialEq, V: Copy, const N: usize> Recent<K, V, N> {
    fn get_or(&mut self, key: K, f: impl FnOnce() -> V) -> V {
        for (k, v) in self.entries.iter().flatten() {
            if *k == key {
                return *v;
            }
        }
        let v = f();
        self.entries[self.next] = Some((key, v));
        self.next = (self.next + 1) % N;
        v
    }
}

/// Recent spoilage computations of one product, keyed by their inputs' bits: the ageing
/// rate at a temperature, the share spoiled by an age, the whole step (age, hours,
/// temperature) → (new age, probability of spoiling), and the probability of spoiling
/// between two ages. Portions of one lot travel together, so the crates of the leaders of
/// one grid repeat the same few inputs (one per lot), and a memo kept across them computes
/// each once: the same numbers, without the normal CDFs and powers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpoilMemo {
    rate: Recent<u64, f64, 2>,
    share: Recent<u64, f64, 4>,
    steps: Recent<StepKey, (f64, f64, Option<f64>), 4>,
    probs: Recent<(u64, u64), f64, 4>,
}

impl SpoilMemo {
    /// A step from `age_h` (whose spoiled share is `f0` when known) over `hours` at
    /// `temp_c`: (new age, probability of spoiling, the new age's spoiled share when it
    /// was computed).
    fn step(&mut self, age_h: f64, f0: Option<f64>, hours: f64, temp_c: f64, product: &Product) -> (f64, f64, Option<f64>) {
        let key = (age_h.to_bits(), hours.to_bits(), temp_c.to_bits());
        let (rate, share) = (&mut self.rate, &mut self.share);
        self.steps.get_or(key, || {
            let rate = rate.get_or(key.2, || product.aging_rate(temp_c));
            let new_age = age_h + hours * rate;
            let f0 = f0.unwrap_or_else(|| share.get_or(key.0, || product.spoiled_share(age_h)));
            let (p, f1) = product.spoil_prob_and_share(f0, age_h, new_age);
            (new_age, p, f1)
        })
    }

    /// [`Product::spoil_prob`] from `from_h` (whose spoiled share is `f0` when known) to
    /// `to_h`, remembered.
    pub fn spoil_prob(&mut self, from_h: f64, f0: Option<f64>, to_h: f64, product: &Product) -> f64 {
        self.probs.get_or((from_h.to_bits(), to_h.to_bits()), || match f0 {
            Some(f0) => product.spoil_prob_from(f0, from_h, to_h),
            None => product.spoil_prob(from_h, to_h),
        })
    }
}

/// Units of one lot at one place, all of the same age.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Portion {
    /// Index of the lot in the run's lot table.
    pub lot: u32,
    /// Units alive.
    pub qty: u32,
    /// Age in 0 °C-equivalent hours at time `since`.
    pub age_h: f64,
    /// When `age_h` was last brought up to date.
    pub since: SimTime,
    /// The bits of the age whose spoiled share is `share` ([`NO_AGE`] until one is known).
    share_age: u64,
    /// [`Product::spoiled_share`] of the age with bits `share_age`, kept from the step that
    /// brought the portion to it: the next step starts from it without a normal CDF (the
    /// same number, as the share is a function of the age alone).
    share: f64,
}

/// [`Portion::share_age`] of a portion whose spoiled share is not known: the bits of a NaN,
/// which no age has.
const NO_AGE: u64 = u64::MAX;

impl Portion {
    /// `qty` units of lot `lot` of age `age_h` at `since`.
    pub fn new(lot: u32, qty: u32, age_h: f64, since: SimTime) -> Portion {
        Portion { lot, qty, age_h, since, share_age: NO_AGE, share: 0.0 }
    }

    /// The spoiled share of the portion's age, if it is known.
    fn known_share(&self) -> Option<f64> {
        (self.share_age == self.age_h.to_bits()).then_some(self.share)
    }

    /// Ages the portion from `since` to `now` at `temp_c`, draws how many units spoil in
    /// that time (binomial), removes them and returns their number.
    pub fn age_to<R: Rng + Clone>(&mut self, now: SimTime, temp_c: f64, product: &Product, rng: &mut R) -> u32 {
        self.age_to_memo(now, temp_c, product, &mut SpoilMemo::default(), rng)
    }

    /// [`Portion::age_to`], reusing `memo`'s last computation for the product when this
    /// portion's age, hours and temperature are the same (portions of one lot travel
    /// together, so most do), and the spoiled share of its age when the last step left it:
    /// the same numbers, without the normal CDFs and powers.
    pub fn age_to_memo<R: Rng + Clone>(&mut self, now: SimTime, temp_c: f64, product: &Product, memo: &mut SpoilMemo, rng: &mut R) -> u32 {
        let hours = now.hours_since(self.since);
        self.since = now.max(self.since);
        if hours <= 0.0 || self.qty == 0 {
            return 0;
        }
        let (new_age, p, share) = memo.step(self.age_h, self.known_share(), hours, temp_c, product);
        self.age_h = new_age;
        if let Some(share) = share {
            (self.share_age, self.share) = (new_age.to_bits(), share);
        }
        let spoiled = binomial(self.qty, p, rng);
        self.qty -= spoiled;
        spoiled
    }

    /// [`Product::spoil_prob`] from the portion's age to `to_h`, with `memo`.
    pub fn spoil_prob_to(&self, to_h: f64, product: &Product, memo: &mut SpoilMemo) -> f64 {
        memo.spoil_prob(self.age_h, self.known_share(), to_h, product)
    }

    /// Splits off up to `n` units into a new portion (same lot, age and time).
    pub fn take(&mut self, n: u32) -> Portion {
        let n = n.min(self.qty);
        self.qty -= n;
        self.part(n)
    }

    /// `qty` units like these (same lot, age and time), the portion left as it is.
    pub fn part(&self, qty: u32) -> Portion {
        Portion { qty, ..*self }
    }
}

/// A binomial draw of `n` trials with probability `p` (clamped to [0, 1]): `rand_distr`'s,
/// number for number, without its power `(1 − p)ⁿ` when the draw is plainly 0.
///
/// For `n·p < 10` and `p ≤ ½`, `rand_distr` inverts the distribution (BINV): one uniform
/// `u`, and 0 if `u ≤ (1 − p)ⁿ`, computed with `powf` — most spoilage draws, where `p` is
/// small. Bernoulli's inequality gives `(1 − p)ⁿ ≥ 1 − n·p`, so a uniform below that bound
/// (less a margin for rounding in both) is a 0 without the power: the draw is taken from a
/// copy of the stream and kept only then; otherwise the stream is drawn as before.
///
/// The plain cases are inlined where it is called (a pickup draws one per portion);
/// `rand_distr`'s draw is a call.
#[inline(always)]
pub fn binomial<R: Rng + Clone>(n: u32, p: f64, rng: &mut R) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let np = n as f64 * p;
    if p <= 0.5 && np < 10.0 && 1.0 - p != 1.0 {
        let mut ahead = rng.clone();
        let u: f64 = ahead.random();
        if u <= 1.0 - np - (n as f64 + 4.0) * 1e-15 {
            *rng = ahead;
            return 0;
        }
    }
    binomial_drawn(n, p, rng)
}

/// `rand_distr`'s binomial draw, for `p` in (0, 1).
#[inline(never)]
fn binomial_drawn<R: Rng + Clone>(n: u32, p: f64, rng: &mut R) -> u32 {
    // Binomial::new only fails for p outside [0, 1], excluded by the caller.
    match Binomial::new(n as u64, p) {
        Ok(b) => b.sample(rng) as u32,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    #[test]
    fn the_memo_changes_no_number() {
        // Portions of equal and of different ages, hours and temperatures, aged with and
        // without a memo from the same stream: the same survivors and ages, bit for bit.
        let p = Product::plain(2.5);
        let mut memo = SpoilMemo::default();
        let (mut a, mut b) = (RunSeed::new(3, 0).stream("t", 0, 0), RunSeed::new(3, 0).stream("t", 0, 0));
        // Neighbours that repeat, and that differ in the age, the hours or the temperature only.
        let steps = [(10.0, 1, 4.0), (10.0, 1, 4.0), (10.0, 1, 20.0), (10.0, 2, 20.0), (55.5, 2, 20.0), (55.5, 2, 20.0), (200.0, 2, 4.0)];
        // Each portion aged three times in a row (the later steps start from the share the
        // step before kept), against the product's own functions and a plain binomial draw.
        for i in 0..210usize {
            let (age_h, hours, temp) = steps[i % steps.len()];
            let mut x = Portion::new(0, 40, age_h, SimTime(0));
            assert_eq!(x.known_share(), None, "a new portion's share is not known");
            for s in 1..=3u64 {
                let (from, qty) = (x.age_h, x.qty);
                if qty == 0 {
                    break;
                }
                let to = from + hours as f64 * p.aging_rate(temp);
                let want = binomial(qty, p.spoil_prob(from, to), &mut a);
                let k = x.age_to_memo(SimTime(60 * hours * s), temp, &p, &mut memo, &mut b);
                assert_eq!((k, x.age_h.to_bits(), x.qty), (want, to.to_bits(), qty - want), "portion {i} step {s}");
                assert_eq!(x.known_share().map(f64::to_bits), Some(p.spoiled_share(to).to_bits()), "portion {i} step {s}: its new age's share");
            }
        }
        // Lots that alternate (a hit on an older entry), more of them than the memo holds
        // (an entry given way), and the probability between two ages, each with and
        // without the share of the first age known.
        let mut memo = SpoilMemo::default();
        let ages = [10.0, 55.5, 10.0, 120.0, 55.5, 200.0, 7.0, 10.0, 300.0, 55.5];
        for (i, &age_h) in ages.iter().cycle().take(60).enumerate() {
            let temp = if i % 7 < 3 { 4.0 } else { 20.0 };
            let to = age_h + 2.0 * p.aging_rate(temp);
            let known = (i % 2 == 1).then(|| p.spoiled_share(age_h));
            let share = p.spoil_prob_and_share(p.spoiled_share(age_h), age_h, to).1;
            assert_eq!(memo.step(age_h, known, 2.0, temp, &p), (to, p.spoil_prob(age_h, to), share), "step {i}");
            assert_eq!(memo.spoil_prob(age_h, known, age_h + 30.0, &p).to_bits(), p.spoil_prob(age_h, age_h + 30.0).to_bits(), "prob {i}");
        }
        assert_eq!(memo.spoil_prob(50.0, None, 50.0, &p), 0.0, "no time, no spoilage");
    }

    #[test]
    fn a_portion_knows_the_share_of_its_own_age_only() {
        // Kept by a step, by a split and by a part; gone when the age is changed by hand;
        // not known after a step that did not need it (nothing left alive to spoil).
        let p = Product::plain(2.5);
        let mut rng = RunSeed::new(4, 0).stream("t", 0, 0);
        let mut x = Portion::new(1, 500, 30.0, SimTime(0));
        x.age_to(SimTime(120), 4.0, &p, &mut rng);
        let share = Some(p.spoiled_share(x.age_h));
        assert_eq!(x.known_share(), share);
        assert_eq!((x.take(5).known_share(), x.part(3).known_share(), x.known_share()), (share, share, share));
        // The wilt ahead, from the kept share and without one: the product's own.
        let mut memo = SpoilMemo::default();
        let wilt = |x: &Portion, memo: &mut SpoilMemo| x.spoil_prob_to(x.age_h + 25.0, &p, memo).to_bits();
        assert_eq!(wilt(&x, &mut memo), p.spoil_prob(x.age_h, x.age_h + 25.0).to_bits());
        assert!(p.spoil_prob(x.age_h, x.age_h + 25.0) > 0.01);
        x.age_h += 1.0;
        assert_eq!(x.known_share(), None, "another age: its share is not the one kept");
        assert_eq!(wilt(&x, &mut memo), p.spoil_prob(x.age_h, x.age_h + 25.0).to_bits());
        // Past the shelf life nothing is alive at the start: every unit spoils, no share is
        // computed, and the one kept for the earlier age does not pass for the new one's.
        let mut y = Portion::new(1, 50, 30.0, SimTime(0));
        y.age_to(SimTime(60), 4.0, &p, &mut rng);
        y.age_h = 1_000.0;
        y.qty = 50;
        assert_eq!(y.age_to(SimTime(120), 4.0, &p, &mut rng), 50);
        assert_eq!(y.known_share(), None);
    }

    #[test]
    fn a_memo_keeps_its_last_entries_and_lets_the_oldest_go() {
        // What it is for: the last N inputs are not computed again; the N+1-th new one
        // pushes out the oldest only.
        let mut m: Recent<u64, u64, 4> = Recent::default();
        let mut computed = 0;
        let mut get = |m: &mut Recent<u64, u64, 4>, k: u64| m.get_or(k, || { computed += 1; k * 10 });
        for k in 0..4 {
            assert_eq!(get(&mut m, k), k * 10);
        }
        for k in (0..4).rev() {
            assert_eq!(get(&mut m, k), k * 10);
        }
        assert_eq!(get(&mut m, 4), 40);
        for k in 1..5 {
            assert_eq!(get(&mut m, k), k * 10);
        }
        assert_eq!(computed, 5, "each of 0..5 computed once");
        let mut again = 0;
        assert_eq!(m.get_or(0, || { again += 1; 0 }), 0);
        assert_eq!(again, 1, "0, the oldest, was let go");
    }

    #[test]
    fn warmer_spoils_more_on_average() {
        let p = Product::plain(2.5);
        let mut rng = RunSeed::new(7, 0).stream("test", 0, 0);
        let mut cold_total = 0;
        let mut warm_total = 0;
        for _ in 0..200 {
            let mut cold = Portion::new(0, 1000, 60.0, SimTime(0));
            let mut warm = cold;
            cold_total += cold.age_to(SimTime::at_day_hour(0, 10.0), 2.0, &p, &mut rng);
            warm_total += warm.age_to(SimTime::at_day_hour(0, 10.0), 25.0, &p, &mut rng);
            assert!(cold.age_h < warm.age_h);
        }
        assert!(warm_total > 3 * cold_total, "warm {warm_total} cold {cold_total}");
    }

    #[test]
    fn spoilage_matches_expectation() {
        // 10 hours at 10 °C with Q10 = 2 ages 20 equivalent hours: from 100 to 120.
        let p = Product::plain(2.0);
        let expect = p.spoil_prob(100.0, 120.0);
        let mut rng = RunSeed::new(9, 0).stream("test", 0, 0);
        let n = 2000u32;
        let mut total = 0u64;
        let reps = 500;
        for _ in 0..reps {
            let mut x = Portion::new(0, n, 100.0, SimTime(0));
            total += x.age_to(SimTime(600), 10.0, &p, &mut rng) as u64;
            assert!((x.age_h - 120.0).abs() < 1e-9);
        }
        let mean = total as f64 / (reps as f64 * n as f64);
        let se = (expect * (1.0 - expect) / (reps as f64 * n as f64)).sqrt();
        assert!((mean - expect).abs() < 5.0 * se, "mean {mean} expect {expect}");
    }

    #[test]
    fn take_splits_units() {
        let mut a = Portion::new(3, 10, 5.0, SimTime(1));
        let b = a.take(4);
        assert_eq!((a.qty, b.qty, b.lot, b.age_h), (6, 4, 3, 5.0));
        let c = a.take(100);
        assert_eq!((a.qty, c.qty), (0, 6));
    }

    #[test]
    fn a_binomial_is_rand_distrs_number_for_number() {
        // The shortcut for a plain 0 gives rand_distr's draw and leaves the stream where
        // rand_distr leaves it: small p (the shortcut taken most times), p where the bound
        // is loose (u between 1 − n·p and (1 − p)ⁿ: rand_distr's way), n·p near 10 and p
        // near ½ and above (not taken: rand_distr draws the failures then, and for n = 1 the
        // bound 1 − p is no bound for them), p too small for 1 − p to differ from 1 (Poisson: not taken).
        let cases = [(1, 0.001), (20, 0.001), (20, 0.01), (30, 0.05), (7, 0.3), (40, 0.24), (19, 0.5), (3, 0.6), (1, 0.6), (2, 0.55), (200, 0.04), (50, 1e-17), (1000, 0.02)];
        let mut zeros = 0;
        for (i, &(n, p)) in cases.iter().enumerate() {
            let (mut a, mut b) = (RunSeed::new(9, 0).stream("t", i as u64, 0), RunSeed::new(9, 0).stream("t", i as u64, 0));
            for draw in 0..2000 {
                let ours = binomial(n, p, &mut a);
                let theirs = Binomial::new(n as u64, p).unwrap().sample(&mut b) as u32;
                assert_eq!(ours, theirs, "n {n} p {p} draw {draw}");
                zeros += usize::from(ours == 0);
                let (x, y): (u64, u64) = (a.random(), b.random());
                assert_eq!(x, y, "the stream after n {n} p {p} draw {draw}");
            }
        }
        assert!(zeros > 5000, "{zeros}");
        // The edges: no trials, p ≤ 0, p ≥ 1.
        let mut r = RunSeed::new(9, 0).stream("t", 99, 0);
        assert_eq!((binomial(0, 0.3, &mut r), binomial(5, 0.0, &mut r), binomial(5, -1.0, &mut r), binomial(5, 1.0, &mut r), binomial(5, 2.0, &mut r)), (0, 0, 0, 5, 5));
    }
}
