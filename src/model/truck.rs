//! Trucks, vans and planes: a transport mode's speed, load, cost, temperature in transit,
//! delays and breakdowns, and own fleet versus third party (docs/model.md §4.1.2, §5.1.2).
//!
//! Cost of a lane's load on a day: the load needs `trips = ceil(load_kg / capacity_kg)`
//! vehicles. The first `own_vehicles` trips of the day on this mode are the platform's own
//! fleet (they cost `2 × distance × cost_per_km`; the fleet's fixed cost is charged every
//! day whether used or not); the rest are third-party trips at `cost_per_trip + 2 ×
//! distance × cost_per_km + kg × cost_per_kg` — at the rates of `overflow_mode` if one is
//! set (a hybrid fleet), else at this mode's. Vehicles return empty, hence the 2. If any
//! trip of a load goes by the overflow mode, the whole load travels at the warmer of the
//! two temperatures (a conservative simplification).
//!
//! Each departure may be delayed (`delay_prob`, `delay_hours`) and may break down
//! (`breakdown_prob`, or always under a `truck_breakdown` shock): a breakdown adds
//! `breakdown_hours` during which the load sits at `breakdown_temp_c`.

use rand::{Rng, RngExt};

use crate::scenario::Mode;

/// A transport mode, ready for simulation.
#[derive(Debug, Clone)]
pub struct TransportMode {
    /// Name (the key in `[modes]`).
    pub name: String,
    /// Index of the overflow mode of a hybrid fleet.
    pub overflow: Option<usize>,
    /// Scenario values.
    pub m: Mode,
}

/// Timing and temperature of one departure on a lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Departure {
    /// Hours on the road at the load's normal temperature (travel plus any delay).
    pub road_hours: f64,
    /// Hours stuck after a breakdown, at `breakdown_temp_c`.
    pub breakdown_hours: f64,
}

impl Departure {
    /// Hours from departure to arrival.
    pub fn total_hours(&self) -> f64 {
        self.road_hours + self.breakdown_hours
    }
}

/// Cost of a load split between own and third-party trips.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadCost {
    /// Trips by the platform's own vehicles.
    pub own_trips: u32,
    /// Variable cost of own trips, yuan (charged to this mode).
    pub own_yuan: f64,
    /// Third-party trips.
    pub hired_trips: u32,
    /// Cost of third-party trips, yuan (charged to `hired_mode`).
    pub hired_yuan: f64,
    /// Mode whose rates the third-party trips paid.
    pub hired_mode: usize,
    /// Temperature of the load in transit, °C.
    pub temp_c: f64,
}

impl TransportMode {
    /// From its scenario entry; `overflow` is the index of its overflow mode, if any.
    pub fn new(name: &str, m: &Mode, overflow: Option<usize>) -> Self {
        TransportMode { name: name.to_string(), overflow, m: m.clone() }
    }

    /// Hours to drive `distance_km` without incident.
    pub fn travel_hours(&self, distance_km: f64) -> f64 {
        distance_km / self.m.speed_kmh
    }

    /// Vehicles needed for `load_kg`.
    pub fn trips(&self, load_kg: f64) -> u32 {
        if load_kg <= 0.0 { 0 } else { (load_kg / self.m.capacity_kg).ceil() as u32 }
    }

    /// Draws the timing of one departure over `distance_km`; `forced_breakdown` under a
    /// `truck_breakdown` shock. Always draws twice, so streams stay aligned.
    pub fn depart<R: Rng + ?Sized>(&self, distance_km: f64, forced_breakdown: bool, rng: &mut R) -> Departure {
        let delayed = rng.random_bool(self.m.delay_prob);
        let broke = rng.random_bool(self.m.breakdown_prob) || forced_breakdown;
        Departure {
            road_hours: self.travel_hours(distance_km) + if delayed { self.m.delay_hours } else { 0.0 },
            breakdown_hours: if broke { self.m.breakdown_hours } else { 0.0 },
        }
    }

    /// Cost of carrying `load_kg` over `distance_km` (one way) when `own_used` own
    /// vehicles of this mode have already gone out today; `modes` holds every mode (for
    /// the overflow rates) and `index` is this mode's.
    pub fn load_cost(&self, index: usize, modes: &[TransportMode], load_kg: f64, distance_km: f64, own_used: u32) -> LoadCost {
        let trips = self.trips(load_kg);
        let own = trips.min(self.m.own_vehicles.saturating_sub(own_used));
        let hired = trips - own;
        let hired_mode = self.overflow.unwrap_or(index);
        let h = &modes[hired_mode].m;
        let hired_kg = if trips == 0 { 0.0 } else { load_kg * hired as f64 / trips as f64 };
        let temp_c = if hired > 0 && self.overflow.is_some() { self.m.temp_c.max(h.temp_c) } else { self.m.temp_c };
        LoadCost {
            own_trips: own,
            own_yuan: own as f64 * 2.0 * distance_km * self.m.cost_per_km_yuan,
            hired_trips: hired,
            hired_yuan: hired as f64 * (h.cost_per_trip_yuan + 2.0 * distance_km * h.cost_per_km_yuan) + hired_kg * h.cost_per_kg_yuan,
            hired_mode,
            temp_c,
        }
    }

    /// Fixed cost of the own fleet for one day, yuan.
    pub fn fleet_cost_per_day_yuan(&self) -> f64 {
        self.m.own_vehicles as f64 * self.m.fixed_cost_yuan_per_vehicle_day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(own: u32, temp: f64, per_kg: f64) -> Mode {
        Mode {
            speed_kmh: 50.0,
            capacity_kg: 1000.0,
            cost_per_km_yuan: 5.0,
            cost_per_trip_yuan: 100.0,
            temp_c: temp,
            cost_per_kg_yuan: per_kg,
            delay_prob: 0.0,
            delay_hours: 2.0,
            breakdown_prob: 0.0,
            breakdown_hours: 6.0,
            breakdown_temp_c: 25.0,
            own_vehicles: own,
            fixed_cost_yuan_per_vehicle_day: 300.0,
            overflow_mode: String::new(),
        }
    }

    #[test]
    fn third_party_trips_and_cost() {
        let modes = vec![TransportMode::new("cold", &mode(0, 4.0, 0.0), None)];
        let m = &modes[0];
        assert_eq!(m.trips(0.0), 0);
        assert_eq!(m.trips(1000.0), 1);
        assert_eq!(m.trips(1000.5), 2);
        let c = m.load_cost(0, &modes, 1500.0, 30.0, 0);
        assert_eq!((c.own_trips, c.hired_trips), (0, 2));
        assert_eq!(c.hired_yuan, 2.0 * (100.0 + 300.0));
        assert_eq!(m.travel_hours(100.0), 2.0);
    }

    #[test]
    fn hybrid_fleet_uses_own_vehicles_first() {
        let modes = vec![
            TransportMode::new("own_cold", &mode(1, 4.0, 0.0), Some(1)),
            TransportMode::new("hired_cool", &mode(0, 10.0, 0.1), None),
        ];
        let c = modes[0].load_cost(0, &modes, 2500.0, 10.0, 0);
        assert_eq!((c.own_trips, c.hired_trips, c.hired_mode), (1, 2, 1));
        assert_eq!(c.own_yuan, 100.0);
        assert!((c.hired_yuan - (2.0 * 200.0 + 2500.0 * 2.0 / 3.0 * 0.1)).abs() < 1e-9);
        assert_eq!(c.temp_c, 10.0);
        let all_own = modes[0].load_cost(0, &modes, 900.0, 10.0, 0);
        assert_eq!((all_own.hired_trips, all_own.temp_c), (0, 4.0));
        assert_eq!(modes[0].fleet_cost_per_day_yuan(), 300.0);
    }
}
