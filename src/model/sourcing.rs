//! Sourcing policy: which suppliers a product is bought from, in what shares, and what
//! happens when one of them delivers less than asked (docs/model.md §5.1.1).
//!
//! Single sourcing is a split with one supplier. With `fallback = "spread"` the gap a
//! source leaves is asked of the other sources of the split that have a share above zero,
//! in split order, up to what each has left of tonight's yield.

use crate::scenario::{Fallback, Scenario};

/// A product's sources with normalised shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourcing {
    /// (supplier index, share); shares sum to 1.
    pub split: Vec<(usize, f64)>,
    /// Fallback rule.
    pub fallback: Fallback,
}

impl Sourcing {
    /// The sourcing of product `p` of the scenario; `supplier_index` maps names to indices.
    pub fn for_product(sc: &Scenario, p: usize, supplier_index: impl Fn(&str) -> usize) -> Self {
        let sources = sc.sources_of(p);
        let total: f64 = sources.iter().map(|x| x.1).sum();
        let split = sources.iter().map(|&(n, w)| (supplier_index(n), w / total)).collect();
        let pc = &sc.products[p];
        let fallback = if pc.supplier.is_empty() { sc.sourcing.get(pc.sourcing_category()).map_or(Fallback::None, |c| c.fallback) } else { Fallback::None };
        Sourcing { split, fallback }
    }

    /// The split restricted to the suppliers `keep` accepts, shares renormalised (as is
    /// when it keeps them all).
    pub fn restricted_to(&self, keep: impl Fn(usize) -> bool) -> Sourcing {
        if self.split.iter().all(|&(i, _)| keep(i)) {
            return self.clone();
        }
        let kept: Vec<(usize, f64)> = self.split.iter().copied().filter(|&(i, _)| keep(i)).collect();
        let total: f64 = kept.iter().map(|x| x.1).sum();
        let split = if total > 0.0 { kept.into_iter().map(|(i, w)| (i, w / total)).collect() } else { kept };
        Sourcing { split, fallback: self.fallback }
    }

    /// Splits `units` into whole requests per source (largest remainder, in split order).
    pub fn requests(&self, units: u32, out: &mut Vec<u32>) {
        out.clear();
        let mut given = 0u32;
        for &(_, w) in &self.split {
            let r = (units as f64 * w).floor() as u32;
            out.push(r);
            given += r;
        }
        let mut left = units - given.min(units);
        // Hand the rounding remainder out by largest fractional part, ties in split order.
        while left > 0 && !out.is_empty() {
            let mut best = 0;
            let mut best_frac = -1.0;
            for (i, &(_, w)) in self.split.iter().enumerate() {
                let frac = units as f64 * w - out[i] as f64;
                if frac > best_frac + 1e-12 {
                    best = i;
                    best_frac = frac;
                }
            }
            out[best] += 1;
            left -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_sum_to_units() {
        let s = Sourcing { split: vec![(0, 0.7), (1, 0.3)], fallback: Fallback::Spread };
        let mut out = Vec::new();
        for units in [0u32, 1, 2, 3, 10, 101, 999] {
            s.requests(units, &mut out);
            assert_eq!(out.iter().sum::<u32>(), units);
        }
        s.requests(10, &mut out);
        assert_eq!(out, vec![7, 3]);
        let thirds = Sourcing { split: vec![(0, 1.0 / 3.0), (1, 1.0 / 3.0), (2, 1.0 / 3.0)], fallback: Fallback::None };
        thirds.requests(10, &mut out);
        assert_eq!(out.iter().sum::<u32>(), 10);
        assert!(out.iter().all(|&x| x == 3 || x == 4));
    }
}
