//! Supplier: an origin that harvests for the platform each night, up to a random daily yield.
//!
//! The day's available yield per product is `capacity × max(0, 1 + yield_cv × Z)`, `Z`
//! standard normal, drawn from the stream `("yield", supplier, day)`.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::scenario::SupplierConfig;

/// An origin supplier, ready for simulation.
#[derive(Debug, Clone)]
pub struct Supplier {
    /// Name from the scenario.
    pub name: String,
    /// Distance to the central warehouse, km.
    pub distance_km: f64,
    /// Index of the transport mode of its lane to the central warehouse.
    pub mode: usize,
    /// Most units of each product per day.
    pub capacity_units_per_day: f64,
    /// Coefficient of variation of daily yield.
    pub yield_cv: f64,
    /// Share of units defective from the start.
    pub defect_rate: f64,
    /// Hours from harvest to dispatch.
    pub origin_hold_hours: f64,
    /// Temperature at the origin, °C.
    pub origin_temp_c: f64,
}

impl Supplier {
    /// From its scenario entry; `mode` is the index of the named transport mode.
    pub fn new(c: &SupplierConfig, mode: usize) -> Self {
        Supplier {
            name: c.name.clone(),
            distance_km: c.distance_km,
            mode,
            capacity_units_per_day: c.capacity_units_per_day,
            yield_cv: c.yield_cv,
            defect_rate: c.defect_rate,
            origin_hold_hours: c.origin_hold_hours,
            origin_temp_c: c.origin_temp_c,
        }
    }

    /// Units of one product available today.
    pub fn available_yield<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let z: f64 = StandardNormal.sample(rng);
        (self.capacity_units_per_day * (1.0 + self.yield_cv * z).max(0.0)).floor() as u32
    }
}
