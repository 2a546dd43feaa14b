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
        let pc = &sc.products[p];
        if !pc.supplier.is_empty() {
            return Sourcing { split: vec![(supplier_index(&pc.supplier), 1.0)], fallback: Fallback::None };
        }
        let cat = if pc.category.is_empty() { &pc.name } else { &pc.category };
        match sc.sourcing.get(cat) {
            Some(c) => {
                let total: f64 = c.split.values().sum();
                let split = c.split.iter().map(|(n, w)| (supplier_index(n), w / total)).collect();
                Sourcing { split, fallback: c.fallback }
            }
            // Validation guarantees a supplier or a sourcing entry; an empty split buys nothing.
            None => Sourcing { split: Vec::new(), fallback: Fallback::None },
        }
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
