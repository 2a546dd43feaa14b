//! Trucks and vans: a transport mode's speed, load, cost and temperature in transit.
//!
//! Cost of moving a load over a lane: `trips × (cost_per_trip + 2 × distance × cost_per_km)`
//! with `trips = ceil(load_kg / capacity_kg)`; vehicles return empty, hence the 2.

use crate::scenario::Mode;

/// A transport mode (cold truck, ambient truck, van, ...), ready for simulation.
#[derive(Debug, Clone)]
pub struct TransportMode {
    /// Name (the key in `[modes]`).
    pub name: String,
    /// km/h.
    pub speed_kmh: f64,
    /// kg per vehicle.
    pub capacity_kg: f64,
    /// yuan per km.
    pub cost_per_km_yuan: f64,
    /// yuan per trip.
    pub cost_per_trip_yuan: f64,
    /// °C of the load in transit.
    pub temp_c: f64,
}

impl TransportMode {
    /// From its scenario entry.
    pub fn new(name: &str, m: &Mode) -> Self {
        TransportMode {
            name: name.to_string(),
            speed_kmh: m.speed_kmh,
            capacity_kg: m.capacity_kg,
            cost_per_km_yuan: m.cost_per_km_yuan,
            cost_per_trip_yuan: m.cost_per_trip_yuan,
            temp_c: m.temp_c,
        }
    }

    /// Hours to drive `distance_km`.
    pub fn travel_hours(&self, distance_km: f64) -> f64 {
        distance_km / self.speed_kmh
    }

    /// Vehicles needed for `load_kg`.
    pub fn trips(&self, load_kg: f64) -> u32 {
        if load_kg <= 0.0 { 0 } else { (load_kg / self.capacity_kg).ceil() as u32 }
    }

    /// Cost, yuan, of `trips` out-and-back trips over a lane of `distance_km`.
    pub fn cost_yuan(&self, trips: u32, distance_km: f64) -> f64 {
        trips as f64 * (self.cost_per_trip_yuan + 2.0 * distance_km * self.cost_per_km_yuan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_and_cost() {
        let m = TransportMode {
            name: "cold_truck".into(),
            speed_kmh: 50.0,
            capacity_kg: 1000.0,
            cost_per_km_yuan: 5.0,
            cost_per_trip_yuan: 100.0,
            temp_c: 4.0,
        };
        assert_eq!(m.trips(0.0), 0);
        assert_eq!(m.trips(1000.0), 1);
        assert_eq!(m.trips(1000.5), 2);
        assert_eq!(m.cost_yuan(2, 30.0), 2.0 * (100.0 + 300.0));
        assert_eq!(m.travel_hours(100.0), 2.0);
    }
}
