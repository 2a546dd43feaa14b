//! Statistics of replications: mean, standard deviation and a Student-t confidence
//! interval (quantile from `statrs`), for single KPIs and for paired differences under
//! common random numbers.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean of a sample with its spread and a two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    /// Sample size.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator); 0 when n < 2.
    pub sd: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
}

impl MeanCi {
    /// Whether the interval excludes zero.
    pub fn excludes_zero(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

/// Mean and `level` (e.g. 0.95) Student-t interval of `xs`. With fewer than two values the
/// interval is the mean itself (no spread can be estimated).
pub fn mean_ci(xs: &[f64], level: f64) -> MeanCi {
    let n = xs.len();
    if n == 0 {
        return MeanCi { n, mean: f64::NAN, sd: f64::NAN, lo: f64::NAN, hi: f64::NAN };
    }
    // Welford's algorithm: one pass, numerically stable.
    let (mut mean, mut m2) = (0.0, 0.0);
    for (i, &x) in xs.iter().enumerate() {
        let d = x - mean;
        mean += d / (i + 1) as f64;
        m2 += d * (x - mean);
    }
    if n < 2 {
        return MeanCi { n, mean, sd: 0.0, lo: mean, hi: mean };
    }
    let sd = (m2 / (n - 1) as f64).sqrt();
    let half = t_quantile(level, n - 1) * sd / (n as f64).sqrt();
    MeanCi { n, mean, sd, lo: mean - half, hi: mean + half }
}

/// Mean difference `b − a` over pairs (replication `i` of `a` with replication `i` of `b`).
/// Pairs beyond the shorter slice are ignored.
pub fn paired_diff_ci(a: &[f64], b: &[f64], level: f64) -> MeanCi {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    mean_ci(&d, level)
}

/// Two-sided Student-t quantile for `level` with `dof` degrees of freedom.
fn t_quantile(level: f64, dof: usize) -> f64 {
    // dof ≥ 1 here, so the distribution exists.
    match StudentsT::new(0.0, 1.0, dof as f64) {
        Ok(t) => t.inverse_cdf(0.5 + level / 2.0),
        Err(_) => f64::NAN,
    }
}

/// Wilson score interval (95 %) of `k` successes in `n`.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n) = (1.959_963_984_540_054, n as f64);
    let p = k as f64 / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_textbook_interval() {
        // 1..=5: mean 3, sd √2.5, t(0.975, 4) = 2.776445.
        let ci = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert!((ci.mean - 3.0).abs() < 1e-12);
        assert!((ci.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776_445_105 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((ci.hi - 3.0 - half).abs() < 1e-6, "{ci:?}");
        assert!(ci.excludes_zero());
    }

    #[test]
    fn paired_difference_removes_common_noise() {
        let a = [10.0, 20.0, 30.0, 40.0];
        let b = [11.0, 21.1, 30.9, 41.0];
        let d = paired_diff_ci(&a, &b, 0.95);
        assert!(d.excludes_zero() && d.mean > 0.0);
        assert_eq!(mean_ci(&[], 0.95).n, 0);
        assert_eq!(mean_ci(&[2.0], 0.95).lo, 2.0);
    }
}
