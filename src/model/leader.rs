//! Group leader: runs a pickup point, receives crates from its grid warehouse each day and
//! hands them out to the residents who ordered.
//!
//! Pickup. Goods wait at the shop at `storage_temp_c` from arrival until the middle of the
//! pickup window; units that spoil meanwhile are discarded (stage `leader`) and their
//! buyers see a missing item. Residents come in a random order (a random rotation of the
//! leader's resident range); each comes with probability `pickup_rate`. A unit handed over
//! is defective with probability `1 − (1 − supplier defect rate) × (1 − P(spoils within
//! quality_margin_share × mean shelf life))`; defective units are refunded (stage
//! `delivered_defective`). What nobody picked up is written off at the leader.

use std::ops::Range;

use rand::{Rng, RngExt};

use super::accounts::ProductTotals;
use super::lot::{Lot, Portion};
use super::product::Product;
use super::resident::Residents;
use crate::engine::SimTime;

/// Where a leader's crates for the day are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrateStage {
    /// No goods for today.
    Empty,
    /// Picked and packed at the central warehouse.
    Central,
    /// On the truck to the grid warehouse.
    Linehaul,
    /// At the grid warehouse, being sorted.
    Grid,
    /// On the van to the leader.
    LastMile,
    /// At the leader's shop.
    AtLeader,
}

/// A group leader.
#[derive(Debug, Clone)]
pub struct Leader {
    /// Index of the grid warehouse serving it.
    pub grid: usize,
    /// km from its grid warehouse.
    pub distance_km: f64,
    /// Its residents' indices.
    pub residents: Range<usize>,
    /// Today's crates, per product.
    pub crates: Vec<Vec<Portion>>,
    /// Where the crates are.
    pub stage: CrateStage,
}

/// Units and money from one leader's pickup.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PickupTally {
    /// Good units handed over.
    pub units_sold: u64,
    /// Defective units handed over (and refunded).
    pub units_defective: u64,
    /// Units ordered but not handed over (none left, or spoiled at the leader).
    pub units_missing: u64,
    /// Units spoiled at the leader, or left over after pickup.
    pub units_spoiled: u64,
    /// Price of all units handed over, yuan.
    pub revenue_yuan: f64,
    /// Price refunded for defective units, yuan.
    pub refunds_yuan: f64,
    /// Purchase cost of good units handed over, yuan.
    pub cogs_yuan: f64,
    /// Purchase cost of units spoiled or defective, yuan.
    pub write_offs_yuan: f64,
    /// Residents who churned after this pickup.
    pub churned: u32,
}

/// Scratch state for one product during a pickup: the portion being handed out.
#[derive(Clone, Copy, Default)]
struct Cursor {
    idx: usize,
    defect_p: f64,
    ready: bool,
}

impl Leader {
    /// A leader with empty crates for `n_products`.
    pub fn new(grid: usize, distance_km: f64, residents: Range<usize>, n_products: usize) -> Self {
        Leader { grid, distance_km, residents, crates: vec![Vec::new(); n_products], stage: CrateStage::Empty }
    }

    /// Units in the crates.
    pub fn units(&self) -> u64 {
        self.crates.iter().flatten().map(|x| x.qty as u64).sum()
    }

    /// kg in the crates.
    pub fn load_kg(&self, products: &[Product]) -> f64 {
        self.crates.iter().zip(products).map(|(c, p)| c.iter().map(|x| x.qty as f64).sum::<f64>() * p.unit_kg).sum()
    }

    /// Value of the crates at purchase cost, yuan.
    pub fn value_yuan(&self, lots: &[Lot]) -> f64 {
        self.crates.iter().flatten().map(|x| x.qty as f64 * lots[x.lot as usize].unit_cost_yuan).sum()
    }

    /// Ages every crate to `now`, product `p` at `temp_c(p)`. Returns (units spoiled,
    /// their cost in yuan).
    pub fn age_to<R: Rng + ?Sized>(
        &mut self,
        now: SimTime,
        temp_c: impl Fn(usize) -> f64,
        products: &[Product],
        lots: &[Lot],
        rng: &mut R,
    ) -> (u64, f64) {
        let mut units = 0u64;
        let mut cost = 0.0;
        for (p, (crate_, product)) in self.crates.iter_mut().zip(products).enumerate() {
            for x in crate_.iter_mut() {
                let k = x.age_to(now, temp_c(p), product, rng);
                units += k as u64;
                cost += k as f64 * lots[x.lot as usize].unit_cost_yuan;
            }
            crate_.retain(|x| x.qty > 0);
        }
        (units, cost)
    }

    /// Writes off everything in the crates. Returns (units, cost in yuan).
    pub fn write_off_all(&mut self, lots: &[Lot]) -> (u64, f64) {
        let out = (self.units(), self.value_yuan(lots));
        for c in &mut self.crates {
            c.clear();
        }
        self.stage = CrateStage::Empty;
        out
    }

    /// Hands out today's crates to the residents who ordered, at `handover` time, with
    /// goods kept at `temp_c`. Clears every ordering resident's basket and the crates.
    /// Adds per-product hand-overs and misses to `per_product`.
    #[allow(clippy::too_many_arguments)]
    pub fn pickup<R: Rng + ?Sized>(
        &mut self,
        residents: &mut Residents,
        per_product: &mut [ProductTotals],
        products: &[Product],
        lots: &[Lot],
        handover: SimTime,
        temp_c: f64,
        pickup_rate: f64,
        rng: &mut R,
    ) -> PickupTally {
        let mut t = PickupTally::default();
        if self.stage == CrateStage::AtLeader {
            let (k, cost) = self.age_to(handover, |_| temp_c, products, lots, rng);
            t.units_spoiled += k;
            t.write_offs_yuan += cost;
        }
        let margin_share = residents.params.quality_margin_share;
        let mut cursors = [Cursor::default(); 64];
        let at_shop = self.stage == CrateStage::AtLeader;
        let range = self.residents.clone();
        let n = range.len();
        if n > 0 {
            let offset = rng.random_range(0..n);
            for k in 0..n {
                let r = range.start + (offset + k) % n;
                let mut basket = residents.basket[r];
                if basket == 0 {
                    continue;
                }
                residents.basket[r] = 0;
                if !rng.random_bool(pickup_rate) {
                    continue;
                }
                let (mut missing, mut defective) = (0u32, 0u32);
                while basket != 0 {
                    let p = basket.trailing_zeros() as usize;
                    basket &= basket - 1;
                    let product = &products[p];
                    let crate_ = &mut self.crates[p];
                    let cur = &mut cursors[p];
                    while at_shop && cur.idx < crate_.len() && crate_[cur.idx].qty == 0 {
                        cur.idx += 1;
                        cur.ready = false;
                    }
                    if !at_shop || cur.idx >= crate_.len() {
                        missing += 1;
                        per_product[p].units_stockout += 1;
                        continue;
                    }
                    let x = &mut crate_[cur.idx];
                    let lot = &lots[x.lot as usize];
                    if !cur.ready {
                        let wilt = product.spoil_prob(x.age_h, x.age_h + margin_share * product.shelf_mean_h);
                        cur.defect_p = 1.0 - (1.0 - lot.defect_rate) * (1.0 - wilt);
                        cur.ready = true;
                    }
                    x.qty -= 1;
                    t.revenue_yuan += product.price_yuan;
                    if rng.random::<f64>() < cur.defect_p {
                        defective += 1;
                        t.units_defective += 1;
                        per_product[p].units_defective += 1;
                        t.refunds_yuan += product.price_yuan;
                        t.write_offs_yuan += lot.unit_cost_yuan;
                    } else {
                        t.units_sold += 1;
                        per_product[p].units_sold += 1;
                        t.cogs_yuan += lot.unit_cost_yuan;
                    }
                }
                t.units_missing += missing as u64;
                if residents.record_pickup(r, missing, defective) {
                    t.churned += 1;
                }
            }
        }
        if at_shop {
            let (k, cost) = self.write_off_all(lots);
            t.units_spoiled += k;
            t.write_offs_yuan += cost;
        }
        t
    }
}
