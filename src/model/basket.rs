//! What an order holds. A resident who shops on a platform takes product `p` with its
//! chance `b_p` (`basket_prob` × the segment's boost × `residents.basket_scale`, capped at
//! 1), independently of the others, **given that the order holds at least one product**:
//! someone who goes to order buys something. (Before this rule an empty draw placed no
//! order, so a smaller basket also meant fewer orders and the shopping rate could not be
//! told apart from the basket's size.)
//!
//! The draw is exact and needs no retries. With up to [`ALIAS_MAX_PRODUCTS`] products the
//! basket is one draw from the distribution of the non-empty baskets,
//! `P(B) = Π_{p∈B} b_p · Π_{p∉B} (1 − b_p) / (1 − Π_q (1 − b_q))`, by Walker's alias
//! method (`rand_distr`'s `WeightedAliasIndex`: two uniforms, whatever the products).
//! With more, the first product in the order is drawn from its distribution given a
//! non-empty basket, `P(first = p) = (Π_{q<p} (1 − b_q)) · b_p / (1 − Π_q (1 − b_q))`,
//! then each later product with its own chance (a uniform each). Expected products in
//! an order: `Σ_p b_p / (1 − Π_p (1 − b_p))`.

use rand::{Rng, RngExt};
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;

use super::resident::u64_threshold;

/// Products up to which a basket is drawn from the table of all baskets (2ⁿ entries a
/// segment: 1 024 at most).
pub const ALIAS_MAX_PRODUCTS: usize = 10;

/// Every segment's basket: the alias table of its baskets (up to [`ALIAS_MAX_PRODUCTS`]
/// products), else chances scaled to `u64` and the first product's cumulative
/// distribution, `[segment × products + p]`.
#[derive(Debug, Clone, Default)]
pub struct Baskets {
    /// Products on offer.
    pub n_products: usize,
    /// Per segment, the alias table of its non-empty baskets (index = basket), if the
    /// products are few enough and the segment takes any.
    tables: Vec<Option<WeightedAliasIndex<f64>>>,
    chances: Vec<f64>,
    thresholds: Vec<u64>,
    /// Cumulative unnormalised chance that the first product is `≤ p`; the last of each
    /// segment is the chance of a non-empty basket.
    first_cumulative: Vec<f64>,
}

impl Baskets {
    /// Baskets from each segment's chances (`chances[segment][p]`, clamped to [0, 1]).
    pub fn new(chances: &[Vec<f64>]) -> Self {
        let n_products = chances.first().map_or(0, Vec::len);
        let mut b = Baskets { n_products, ..Baskets::default() };
        for seg in chances {
            let mut none_before = 1.0;
            let mut cumulative = 0.0;
            for &c in seg {
                let c = c.clamp(0.0, 1.0);
                b.chances.push(c);
                b.thresholds.push(u64_threshold(c));
                cumulative += none_before * c;
                none_before *= 1.0 - c;
                b.first_cumulative.push(cumulative);
            }
            b.tables.push(if n_products <= ALIAS_MAX_PRODUCTS { basket_table(seg) } else { None });
        }
        b
    }

    /// A basket of `segment` (bit `p` set: product `p` in the order), never empty unless
    /// the segment takes no product at all (then `0`: no order).
    ///
    /// Inlined where it is called, the alias table's draw with it (the call cost the
    /// evening about three instructions a basket); the draw product by product is a call.
    #[inline(always)]
    pub fn draw<R: Rng + ?Sized>(&self, segment: usize, rng: &mut R) -> u64 {
        match &self.tables[segment] {
            Some(table) => table.sample(rng) as u64,
            None => self.draw_by_product(segment, rng),
        }
    }

    /// [`Self::draw`] without a table: the first product from its distribution given a
    /// non-empty basket, then each later one with its own chance.
    #[inline(never)]
    fn draw_by_product<R: Rng + ?Sized>(&self, segment: usize, rng: &mut R) -> u64 {
        let n = self.n_products;
        let cum = &self.first_cumulative[segment * n..][..n];
        let total = cum.last().copied().unwrap_or(0.0);
        if total <= 0.0 {
            return 0;
        }
        let first = first_product(cum, rng.random::<f64>() * total);
        let mut basket = 1u64 << first;
        for (p, &t) in self.thresholds[segment * n..][..n].iter().enumerate().skip(first + 1) {
            if rng.next_u64() < t {
                basket |= 1 << p;
            }
        }
        basket
    }

    /// Expected products in an order of `segment` (its basket given non-empty).
    pub fn expected_products(&self, segment: usize) -> f64 {
        let n = self.n_products;
        let total = self.first_cumulative[segment * n..][..n].last().copied().unwrap_or(0.0);
        if total <= 0.0 {
            return 0.0;
        }
        self.chances[segment * n..][..n].iter().sum::<f64>() / total
    }
}

/// The alias table of the non-empty baskets of products with `chances` (clamped to
/// [0, 1]): basket `B` (bit p: product p) weighs `Π_{p∈B} b_p · Π_{p∉B} (1 − b_p)`, the
/// empty basket 0. `None` if no basket has weight (the segment takes nothing).
fn basket_table(chances: &[f64]) -> Option<WeightedAliasIndex<f64>> {
    let weights = (0..1usize << chances.len())
        .map(|b| {
            if b == 0 {
                return 0.0;
            }
            chances.iter().enumerate().map(|(p, &c)| if b >> p & 1 == 1 { c.clamp(0.0, 1.0) } else { 1.0 - c.clamp(0.0, 1.0) }).product()
        })
        .collect();
    WeightedAliasIndex::new(weights).ok()
}

/// The first product of a basket for `x` uniform in [0, `cum`'s last): the first `p` whose
/// cumulative chance exceeds `x`. Should rounding put `x` at the top end, the last product
/// with a chance (its cumulative chance above the one before).
fn first_product(cum: &[f64], x: f64) -> usize {
    cum.iter().position(|&c| x < c).unwrap_or_else(|| (0..cum.len()).rev().find(|&p| cum[p] > if p == 0 { 0.0 } else { cum[p - 1] }).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    /// The baskets of `chances`, drawn product by product (as with many products).
    fn by_product(chances: &[Vec<f64>]) -> Baskets {
        let mut b = Baskets::new(chances);
        b.tables.iter_mut().for_each(|t| *t = None);
        b
    }

    #[test]
    fn every_basket_comes_at_its_chance_either_way() {
        // Three products: each of the seven non-empty baskets at Π b · Π (1 − b) over the
        // chance of a non-empty one, from the table and product by product.
        let chances = vec![vec![0.5, 0.2, 0.7]];
        let nonempty = 1.0 - 0.5 * 0.8 * 0.3;
        for (way, b) in [("table", Baskets::new(&chances)), ("by product", by_product(&chances))] {
            assert_eq!(b.tables[0].is_some(), way == "table");
            let mut rng = RunSeed::new(6, 0).stream("t", 0, 0);
            let n = 200_000;
            let mut seen = [0u64; 8];
            for _ in 0..n {
                seen[b.draw(0, &mut rng) as usize] += 1;
            }
            assert_eq!(seen[0], 0, "{way}: an empty basket");
            for (basket, &x) in seen.iter().enumerate().skip(1) {
                let want = (0..3).map(|p| if basket >> p & 1 == 1 { chances[0][p] } else { 1.0 - chances[0][p] }).product::<f64>() / nonempty;
                let got = x as f64 / n as f64;
                let se = (want * (1.0 - want) / n as f64).sqrt();
                assert!((got - want).abs() <= 4.0 * se, "{way}: basket {basket:03b} {got} against {want}");
            }
        }
    }

    #[test]
    fn many_products_are_drawn_product_by_product() {
        let b = Baskets::new(&vec![vec![0.1; ALIAS_MAX_PRODUCTS + 1]; 2]);
        assert!(b.tables.iter().all(Option::is_none));
        let mut rng = RunSeed::new(7, 0).stream("t", 0, 0);
        assert!((0..1_000).all(|_| (1..1 << (ALIAS_MAX_PRODUCTS + 1)).contains(&b.draw(1, &mut rng))));
        let b = Baskets::new(&vec![vec![0.1; ALIAS_MAX_PRODUCTS]; 2]);
        assert!(b.tables.iter().all(Option::is_some));
    }

    #[test]
    fn a_basket_is_never_empty_and_holds_each_product_at_its_conditional_chance() {
        let chances = vec![vec![0.5, 0.35, 0.15, 0.25, 0.3, 0.05], vec![0.05, 0.02, 0.0, 0.1, 0.01, 0.03]];
        for b in [Baskets::new(&chances), by_product(&chances)] {
            holds_each_product_at_its_conditional_chance(&b, &chances);
        }
    }

    fn holds_each_product_at_its_conditional_chance(b: &Baskets, chances: &[Vec<f64>]) {
        let mut rng = RunSeed::new(4, 0).stream("t", 0, 0);
        let n = 200_000;
        for (s, ch) in chances.iter().enumerate() {
            let nonempty = 1.0 - ch.iter().map(|c| 1.0 - c).product::<f64>();
            let mut seen = vec![0u64; ch.len()];
            let mut items = 0u64;
            for _ in 0..n {
                let basket = b.draw(s, &mut rng);
                assert_ne!(basket, 0, "segment {s}: an empty basket");
                assert_eq!(basket >> ch.len(), 0, "only products on offer");
                items += basket.count_ones() as u64;
                for (p, x) in seen.iter_mut().enumerate() {
                    *x += (basket >> p) & 1;
                }
            }
            for (p, &x) in seen.iter().enumerate() {
                let want = ch[p] / nonempty;
                let got = x as f64 / n as f64;
                // Four standard errors of a share over n draws.
                let se = (want * (1.0 - want) / n as f64).sqrt();
                assert!((got - want).abs() <= 4.0 * se + 1e-9, "segment {s} product {p}: {got} against {want}");
            }
            let mean = items as f64 / n as f64;
            let want = b.expected_products(s);
            assert!((want - ch.iter().sum::<f64>() / nonempty).abs() < 1e-12, "closed form {want}");
            assert!((mean - want).abs() < 0.01, "segment {s}: {mean} products per order against {want}");
        }
    }

    #[test]
    fn the_first_product_is_where_the_uniform_falls() {
        // Chances 0, 0.5, 0, 0.5 → cumulative 0, 0.5, 0.5, 0.75.
        let cum = [0.0, 0.5, 0.5, 0.75];
        assert_eq!(first_product(&cum, 0.0), 1);
        assert_eq!(first_product(&cum, 0.4999), 1);
        // At a boundary the next product with a chance.
        assert_eq!(first_product(&cum, 0.5), 3);
        assert_eq!(first_product(&cum, 0.7), 3);
        // Rounding at the top end: the last product with a chance, not a product without.
        assert_eq!(first_product(&cum, 0.75), 3);
        assert_eq!(first_product(&[0.0, 0.25, 0.25], 0.25), 1);
        assert_eq!(first_product(&[0.25, 0.25, 0.25], 0.25), 0);
    }

    #[test]
    fn certain_and_impossible_products() {
        // A product with chance 1 is in every basket; one with chance 0 in none; a segment
        // that takes nothing draws the empty basket (no order).
        let b = Baskets::new(&[vec![0.0, 1.0, 0.2], vec![0.0, 0.0, 0.0]]);
        let mut rng = RunSeed::new(5, 0).stream("t", 0, 0);
        for _ in 0..10_000 {
            let x = b.draw(0, &mut rng);
            assert_eq!(x & 0b011, 0b010, "{x:b}");
            assert_eq!(b.draw(1, &mut rng), 0);
        }
        assert_eq!(b.expected_products(1), 0.0);
        assert!((b.expected_products(0) - 1.2).abs() < 1e-12);
    }
}
