//! The registry of random streams: every purpose a run draws for, in one place, with the
//! ids it is keyed by. A stream is `RunSeed::stream(purpose, a, b)` (see
//! [`crate::engine::rng`]); per-resident and per-leader streams are counter-based and keyed
//! by (purpose, resident or leader, day) ([`agents`]), so one resident's changed choice
//! shifts no other resident's numbers.
//! A test checks that no two purposes collide.

use crate::engine::rng::AgentStreams;
use crate::engine::RunSeed;

use super::accounts::Stage;

/// Layout of the network: a leader's distance and its neighbourhood's size (id, 0).
pub const NETWORK: &str = "network";
/// A neighbourhood's residents: segments, spend, trust, attachment, home (id, 0).
pub const RESIDENTS: &str = "residents";
/// Which leaders are trained in storage (leader id + platform << 32, 0).
pub const TRAINING: &str = "training";
/// A resident's evening when it acts: moving away, or shopping (when it next acts, choice,
/// basket) (resident, day).
pub const EVENING: &str = "evening";
/// When a resident next acts, drawn as it enters the market: at the start, or on joining
/// (resident, first evening it may act).
pub const SCHEDULE: &str = "schedule";
/// A resident at pickup: collecting, defects, complaints, word of mouth (resident, day).
pub const PICKUP_RESIDENT: &str = "pickup_resident";
/// A resident's after-sales: complaints, their handling, word of mouth (resident, day).
pub const AFTERSALES: &str = "aftersales";
/// A leader's pickup: the order residents come in (leader, day).
pub const PICKUP: &str = "pickup";
/// Sharing a short product among leaders (0, day).
pub const ALLOCATION: &str = "allocation";
/// Weather in a region (region, day).
pub const WEATHER: &str = "weather";
/// A supplier's yield of a product (supplier × 64 + product, day).
pub const YIELD: &str = "yield";
/// Whether a supplier delivers tonight (supplier × 64 + product, day).
pub const SUPPLIER_FILL: &str = "supplier_fill";
/// A new lot: harvest age, integrity, origin spoilage (supplier × 64 + product, day).
pub const LOT: &str = "lot";
/// An inbound departure: delay, breakdown (supplier, day).
pub const INBOUND_TRIP: &str = "inbound_trip";
/// Spoilage on arrival from an inbound lane (supplier, day).
pub const INBOUND: &str = "inbound";
/// Quality control of a lot (supplier × 64 + product, day).
pub const QC: &str = "qc";
/// Spoilage in central stock at the cut-off, the pick and the night (product, day).
pub const CENTRAL_CUTOFF: &str = "central_cutoff";
/// See [`CENTRAL_CUTOFF`].
pub const CENTRAL_PICK: &str = "central_pick";
/// See [`CENTRAL_CUTOFF`].
pub const CENTRAL_NIGHT: &str = "central_night";
/// A linehaul departure: delay, breakdown (grid, day).
pub const LINEHAUL_TRIP: &str = "linehaul_trip";
/// A van's run to a leader: delay, breakdown (leader, day).
pub const LAST_MILE_TRIP: &str = "last_mile_trip";
/// Spoilage on the van (leader, day).
pub const LAST_MILE: &str = "last_mile";
/// Spoilage of a leader's crates in central stock before loading (leader, day).
pub const AGE_CENTRAL: &str = "central";
/// Spoilage of a leader's crates on the linehaul, on the road then stuck (leader, day).
pub const AGE_LINEHAUL: &str = "linehaul";
/// Spoilage of a leader's crates while sorted at the grid warehouse (leader, day).
pub const AGE_GRID: &str = "grid";
/// A leader switching platform (leader + platform << 32, day).
pub const SWITCH: &str = "switch";
/// Prospects joining the market (neighbourhood, day).
pub const INFLOW: &str = "inflow";
/// A shock season's draw (shock index, 0), once per replication.
pub const SHOCK_SEASON: &str = "shock_season";

/// Every purpose, for the collision test.
pub const ALL: &[&str] = &[
    NETWORK, RESIDENTS, TRAINING, EVENING, SCHEDULE, PICKUP_RESIDENT, AFTERSALES, PICKUP, ALLOCATION, WEATHER, YIELD, SUPPLIER_FILL, LOT, INBOUND_TRIP, INBOUND, QC,
    CENTRAL_CUTOFF, CENTRAL_PICK, CENTRAL_NIGHT, LINEHAUL_TRIP, LAST_MILE_TRIP, LAST_MILE, AGE_CENTRAL, AGE_LINEHAUL, AGE_GRID, SWITCH, INFLOW, SHOCK_SEASON,
];

/// The purpose under which a leader's crates age at `stage`.
pub fn ageing(stage: Stage) -> &'static str {
    match stage {
        Stage::Linehaul => AGE_LINEHAUL,
        Stage::Grid => AGE_GRID,
        _ => AGE_CENTRAL,
    }
}

/// Counter-based streams of many agents (residents, leaders) for `purpose` on `day`: agent
/// `i` draws from `.agent(i)`, made in a few operations and independent of every other.
pub fn agents(seed: &RunSeed, purpose: &str, day: u64) -> AgentStreams {
    AgentStreams::new(seed.stream_key(purpose, u64::MAX, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_purposes_collide() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a, b, "purpose named twice");
            }
        }
        // Distinct purposes give distinct keys for the same ids.
        let seed = RunSeed::new(1, 0);
        let mut keys: Vec<u64> = ALL.iter().flat_map(|p| (0..50u64).map(move |d| (*p, d))).map(|(p, d)| seed.stream_key(p, 3, d)).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn every_stage_that_ages_crates_has_a_purpose() {
        assert_eq!(ageing(Stage::Central), AGE_CENTRAL);
        assert_eq!(ageing(Stage::Linehaul), AGE_LINEHAUL);
        assert_eq!(ageing(Stage::Grid), AGE_GRID);
    }
}
