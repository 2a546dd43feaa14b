//! What a neighbourhood's population is drawn from: segment shares, each segment's
//! shopping-chance scale, spend (Pareto), initial trust and attachment (Beta).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, Pareto};

/// The distributions new residents are drawn from (see [`super::resident::Residents::draws`]).
#[derive(Debug, Clone)]
pub struct Draws {
    pub(super) shares: Vec<f64>,
    pub(super) scales: Vec<f64>,
    pub(super) trust: Option<BetaByGammas>,
    pub(super) attach: Option<BetaByGammas>,
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

/// Beta(mean·k, (1 − mean)·k), drawn as `X / (X + Y)` with independent `X ~ Gamma(mean·k)`
/// and `Y ~ Gamma((1 − mean)·k)`: the same law as `rand_distr::Beta`, at a third of its cost
/// (21 ns a draw against 68 at Beta(16, 4) on the development machine; it is drawn once or
/// twice for each of ~10⁸ residents when Xingsheng's network is built).
#[derive(Debug, Clone, Copy)]
pub struct BetaByGammas {
    x: Gamma<f64>,
    y: Gamma<f64>,
    mean: f64,
}

impl BetaByGammas {
    /// `None` if a shape is not positive (shapes are floored at 10⁻⁶, as for a Beta).
    pub fn new(mean: f64, k: f64) -> Option<Self> {
        let shape = |s: f64| Gamma::new(s.max(1e-6), 1.0).ok();
        Some(BetaByGammas { x: shape(mean * k)?, y: shape((1.0 - mean) * k)?, mean })
    }
}

impl Distribution<f64> for BetaByGammas {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let (x, y) = (self.x.sample(rng), self.y.sample(rng));
        if x + y > 0.0 {
            x / (x + y)
        } else {
            // Both shapes so small that both draws underflow: the law's limit, all its mass
            // at 0 and 1, 1 with chance `mean`.
            f64::from(rng.random::<f64>() < self.mean)
        }
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
    fn beta_by_gammas_has_the_beta_law() {
        // Mean a/(a+b) and variance ab/((a+b)²(a+b+1)) within 4 standard errors.
        let mut rng = RunSeed::new(5, 0).stream("t", 0, 0);
        for (mean, k) in [(0.8, 20.0), (0.5, 4.0), (0.3, 0.8)] {
            let d = BetaByGammas::new(mean, k).unwrap();
            let n = 200_000;
            let v: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
            let m = v.iter().sum::<f64>() / n as f64;
            let var = mean * (1.0 - mean) / (k + 1.0);
            assert!((m - mean).abs() < 4.0 * (var / n as f64).sqrt(), "Beta({mean}, {k}): mean {m}");
            let s2 = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            // The variance of a sample variance is below 2σ⁴/n·(1 + kurtosis excess), bounded here by 4σ⁴/n.
            assert!((s2 - var).abs() < 4.0 * (4.0 * var * var / n as f64).sqrt(), "Beta({mean}, {k}): variance {s2} against {var}");
        }
        // The empirical CDF of Beta(16, 4) against statrs's, at five points.
        use statrs::distribution::{Beta, ContinuousCDF};
        let (d, exact) = (BetaByGammas::new(0.8, 20.0).unwrap(), Beta::new(16.0, 4.0).unwrap());
        let n = 200_000;
        let v: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        for x in [0.6, 0.7, 0.8, 0.85, 0.9] {
            let (f, fx) = (v.iter().filter(|&&y| y <= x).count() as f64 / n as f64, exact.cdf(x));
            assert!((f - fx).abs() < 4.0 * (fx * (1.0 - fx) / n as f64).sqrt(), "F({x}) = {f} against {fx}");
        }
    }

    #[test]
    fn a_degenerate_beta_puts_its_mass_at_the_ends() {
        // Shapes 2.5·10⁻⁴ and 7.5·10⁻⁴: most Gamma draws underflow to 0, one or both.
        let d = BetaByGammas::new(0.25, 1e-3).unwrap();
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
