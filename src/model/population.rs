//! What a neighbourhood's population is drawn from: segment shares, each segment's
//! shopping-chance scale, spend (Pareto), initial trust and attachment (Beta).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Pareto};

/// The distributions new residents are drawn from (see [`super::resident::Residents::draws`]).
#[derive(Debug, Clone)]
pub struct Draws {
    pub(super) shares: Vec<f64>,
    pub(super) scales: Vec<f64>,
    pub(super) trust: Option<BetaByQuantiles>,
    pub(super) attach: Option<BetaByQuantiles>,
    pub(super) pareto: Option<Pareto<f64>>,
}

/// The `c` for which `E[min(0.95, c·m)] = mean` when `m ~ Pareto(1, a)`, `a > 1`:
/// `E = c·a/(a−1)·(1 − M^(1−a)) + 0.95·M^(−a)` with `M = 0.95/c`, solved by bisection.
pub(super) fn order_scale(mean: f64, a: f64) -> f64 {
    let expect = |c: f64| {
        let big_m = (0.95 / c).max(1.0);
        c * a / (a - 1.0) * (1.0 - big_m.powf(1.0 - a)) + 0.95 * big_m.powf(-a)
    };
    let (mut lo, mut hi) = (0.0, 0.95);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if expect(mid) < mean { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// The segment of a new resident whose uniform draw times the shares' sum is `u`: the first
/// whose running sum of `shares` (positive) passes `u`, the last if none does. Counted
/// without a branch on each share (building the population mispredicted about one branch a
/// resident here): the running sums only grow, so those at or below `u` are the ones before it.
pub(super) fn segment_of(shares: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    let mut below = 0;
    for s in shares {
        acc += s;
        below += usize::from(acc <= u);
    }
    below.min(shares.len() - 1)
}

/// Units of each product a resident of spend multiple `m` (≥ 1) orders: `√m` rounded, 1 to 10.
/// Clamped first, then rounded as `⌊x + ½⌋` by the cast, which is `round(x)` for `x ≥ 1` (the sum
/// is exact there or rounds to a number with the same floor), without `round`'s branches.
pub(super) fn order_qty(m: f64) -> u8 {
    (m.sqrt().clamp(1.0, 10.0) + 0.5) as u8
}

/// Beta(mean·k, (1 − mean)·k) by inversion: one uniform `u`, and the Beta's quantile
/// function at `u`, tabulated at `u = i / QUANTILES` (statrs's inverse of the regularized
/// incomplete beta function) and interpolated linearly between. The law drawn agrees with
/// the Beta's at the table's nodes (up to statrs's numerical error) and both are monotone
/// between them, so their CDFs differ by at most `1 / QUANTILES`. One uniform a draw, and a
/// draw that grows with the Beta's mean for the same uniform: a change of `trust_initial`
/// moves each resident's trust and no other number of its neighbourhood's stream (common
/// random numbers). It replaced a draw by two Gammas, `X / (X + Y)`: drawn once or twice for
/// each of ~10⁸ residents when Xingsheng's network is built, and building a hundredth of it
/// now takes 28 % fewer instructions.
#[derive(Debug, Clone)]
pub struct BetaByQuantiles {
    /// The quantile at `i / QUANTILES`, `i` = 0 ..= `QUANTILES`.
    q: Vec<f64>,
}

/// Intervals of a [`BetaByQuantiles`] table.
pub const QUANTILES: usize = 4096;

impl BetaByQuantiles {
    /// `None` unless `mean` is in [0, 1] and `k` finite and not negative (shapes are
    /// floored at 10⁻⁶).
    pub fn new(mean: f64, k: f64) -> Option<Self> {
        if !((0.0..=1.0).contains(&mean) && k >= 0.0 && k.is_finite()) {
            return None;
        }
        let (a, b) = ((mean * k).max(1e-6), ((1.0 - mean) * k).max(1e-6));
        let beta = statrs::distribution::Beta::new(a, b).ok()?;
        let mut q: Vec<f64> = (0..=QUANTILES).map(|i| statrs::distribution::ContinuousCDF::inverse_cdf(&beta, i as f64 / QUANTILES as f64)).collect();
        // The inverse is found numerically: kept in [0, 1] and never decreasing.
        let mut floor = 0.0f64;
        for x in &mut q {
            *x = if x.is_nan() { floor } else { x.clamp(floor, 1.0) };
            floor = *x;
        }
        (q[0], q[QUANTILES]) = (0.0, 1.0);
        Some(BetaByQuantiles { q })
    }

    /// The tabulated quantile at `u` in [0, 1] (a draw's `u` is below 1; 1 gives 1).
    pub fn quantile(&self, u: f64) -> f64 {
        let x = u * QUANTILES as f64;
        let i = (x as usize).min(QUANTILES - 1);
        let (lo, hi) = (self.q[i], self.q[i + 1]);
        lo + (x - i as f64) * (hi - lo)
    }
}

impl Distribution<f64> for BetaByQuantiles {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(rng.random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    #[test]
    fn a_segment_and_an_order_size_are_those_of_the_plain_formulas() {
        // The first running sum above u (the last segment when none is), and √m rounded and
        // clamped, on random draws and next to every boundary (a running sum, a half-integer
        // root), a few ulps either side.
        let first_above = |shares: &[f64], u: f64| {
            let mut acc = 0.0;
            for (j, s) in shares.iter().enumerate() {
                acc += s;
                if u < acc {
                    return j;
                }
            }
            shares.len() - 1
        };
        let near = |x: f64, k: i64| f64::from_bits((x.to_bits() as i64 + k) as u64);
        let mut rng = RunSeed::new(5, 0).stream("t", 0, 0);
        for case in 0..20_000 {
            let n = rng.random_range(1..6);
            let shares: Vec<f64> = (0..n).map(|_| rng.random_range(1e-3..3.0)).collect();
            let total: f64 = shares.iter().sum();
            let mut us = vec![rng.random::<f64>() * total, 0.0, total, total * 1.5];
            let mut acc = 0.0;
            for s in &shares {
                acc += s;
                us.extend((-3..=3).map(|k| near(acc, k)));
            }
            for u in us {
                assert_eq!(segment_of(&shares, u), first_above(&shares, u), "case {case}: shares {shares:?} u {u}");
            }
        }
        let plain = |m: f64| m.sqrt().round().clamp(1.0, 10.0) as u8;
        let mut ms: Vec<f64> = (0..200_000).map(|_| rng.random_range(1.0..2000.0)).collect();
        for k in 1..=11 {
            let root = k as f64 + 0.5;
            ms.extend((-4..=4).flat_map(|j| [near(root, j) * near(root, j), near(root * root, j)]));
            ms.extend((-4..=4).map(|j| near(k as f64 * k as f64, j)));
        }
        ms.extend([1.0, 2000.0, near(1.0, 1)]);
        for m in ms {
            assert_eq!(order_qty(m), plain(m), "m {m}");
        }
    }

    #[test]
    fn beta_by_quantiles_is_the_beta_within_its_table() {
        use statrs::distribution::{Beta, ContinuousCDF};
        for (mean, k) in [(0.8, 20.0), (0.5, 4.0), (0.3, 0.8), (0.6, 3.0), (0.95, 400.0)] {
            let (d, exact) = (BetaByQuantiles::new(mean, k).unwrap(), Beta::new(mean * k, (1.0 - mean) * k).unwrap());
            // The Beta's CDF at the value drawn from `u` is `u` within one interval of the table.
            let mut worst = 0.0f64;
            for j in 0..8 * QUANTILES {
                let u = (j as f64 + 0.5) / (8 * QUANTILES) as f64;
                let x = d.quantile(u);
                assert!((0.0..=1.0).contains(&x), "Beta({mean}, {k}) at {u}: {x}");
                worst = worst.max((exact.cdf(x) - u).abs());
            }
            assert!(worst <= 1.0 / QUANTILES as f64, "Beta({mean}, {k}): CDF off by {worst}");
            assert_eq!((d.quantile(0.0), d.quantile(1.0)), (0.0, 1.0), "Beta({mean}, {k}): the ends");
        }
        // Drawn: mean a/(a+b) and variance ab/((a+b)²(a+b+1)) within 4 standard errors.
        let mut rng = RunSeed::new(5, 0).stream("t", 0, 0);
        for (mean, k) in [(0.8, 20.0), (0.3, 0.8)] {
            let d = BetaByQuantiles::new(mean, k).unwrap();
            let n = 200_000;
            let v: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            let m = v.iter().sum::<f64>() / n as f64;
            let var = mean * (1.0 - mean) / (k + 1.0);
            assert!((m - mean).abs() < 4.0 * (var / n as f64).sqrt(), "Beta({mean}, {k}): mean {m}");
            let s2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            // The variance of a sample variance is below 2σ⁴/n·(1 + kurtosis excess), bounded here by 4σ⁴/n.
            assert!((s2 - var).abs() < 4.0 * (4.0 * var * var / n as f64).sqrt(), "Beta({mean}, {k}): variance {s2} against {var}");
        }
    }

    #[test]
    fn one_uniform_a_draw_that_grows_with_the_mean() {
        // The same stream through two means: each draw is higher at the higher mean, and
        // the streams stay in step (the next draw of both is the same number).
        let (low, high) = (BetaByQuantiles::new(0.79, 20.0).unwrap(), BetaByQuantiles::new(0.8, 20.0).unwrap());
        let (mut a, mut b) = (RunSeed::new(7, 0).stream("t", 0, 0), RunSeed::new(7, 0).stream("t", 0, 0));
        for _ in 0..10_000 {
            let (x, y) = (low.sample(&mut a), high.sample(&mut b));
            assert!(x <= y, "{x} at mean 0.79 above {y} at 0.8");
        }
        assert_eq!(a.random::<u64>(), b.random::<u64>());
        assert!([(f64::NAN, 1.0), (1.1, 1.0), (0.5, f64::INFINITY), (0.5, -1.0)].iter().all(|&(m, k)| BetaByQuantiles::new(m, k).is_none()));
    }

    #[test]
    fn a_degenerate_beta_puts_its_mass_at_the_ends() {
        // Shapes 2.5·10⁻⁴ and 7.5·10⁻⁴: nearly all the mass at 0 (chance 0.75) and 1.
        let d = BetaByQuantiles::new(0.25, 1e-3).unwrap();
        let mut rng = RunSeed::new(6, 0).stream("t", 0, 0);
        let v: Vec<f64> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        let ends = v.iter().filter(|&&x| !(1e-3..=1.0 - 1e-3).contains(&x)).count();
        assert!(ends as f64 >= 0.99 * v.len() as f64, "{ends}");
        let ones = v.iter().filter(|&&x| x > 0.5).count() as f64 / v.len() as f64;
        assert!((ones - 0.25).abs() < 0.02, "{ones}");
    }
    #[test]
    fn order_scale_hits_the_mean() {
        let c = order_scale(0.12, 1.16);
        let mut rng = RunSeed::new(8, 0).stream("t", 0, 0);
        let d = Pareto::new(1.0, 1.16).unwrap();
        let n = 400_000;
        let mean = (0..n).map(|_| (c * d.sample(&mut rng)).min(0.95)).sum::<f64>() / n as f64;
        assert!((mean - 0.12).abs() < 0.002, "{mean}");
    }

}
