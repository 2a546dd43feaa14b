//! Scheduled shocks from `[[shocks]]`: a yield cut in a region, a closed lane, a lane whose
//! trucks break down, or a supplier that leaves. Each is on for `days` days from
//! `start_day`. A shock season (`start_day_max`, `days_max`, `depth_max`) is drawn once per
//! replication from the stream `(SHOCK_SEASON, shock index)` of the market's seed, so
//! every platform and the world see the same season, and two policies compared under
//! common random numbers face the same one.

use rand::RngExt;

use super::streams;
use crate::engine::RunSeed;
use crate::scenario::{ShockConfig, ShockKind};

/// The scheduled shocks of a run.
#[derive(Debug, Clone, Default)]
pub struct ShockSchedule {
    shocks: Vec<ShockConfig>,
}

impl ShockSchedule {
    /// The scenario's list, with each shock season drawn for the market's `seed`.
    pub fn new(shocks: &[ShockConfig], seed: &RunSeed) -> Self {
        let shocks = shocks
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut rng = seed.stream(streams::SHOCK_SEASON, i as u64, 0);
                let start_day = s.start_day_max.map_or(s.start_day, |m| rng.random_range(s.start_day..=m.max(s.start_day)));
                let days = s.days_max.map_or(s.days, |m| rng.random_range(s.days..=m.max(s.days)));
                let depth = s.depth_max.map_or(s.depth, |m| if m > s.depth { rng.random_range(s.depth..=m) } else { s.depth });
                ShockConfig { start_day, days, depth, start_day_max: None, days_max: None, depth_max: None, ..s.clone() }
            })
            .collect();
        ShockSchedule { shocks }
    }

    /// The shocks as drawn for this replication.
    pub fn drawn(&self) -> &[ShockConfig] {
        &self.shocks
    }

    fn on(&self, kind: ShockKind, target: &str, day: u64) -> impl Iterator<Item = &ShockConfig> {
        self.shocks.iter().filter(move |s| {
            s.kind == kind && s.target == target && day >= s.start_day as u64 && day < s.start_day as u64 + s.days as u64
        })
    }

    /// Share of yield lost in `region` on `day` to scheduled shocks (the deepest one).
    pub fn yield_cut(&self, region: &str, day: u64) -> f64 {
        self.on(ShockKind::Yield, region, day).map(|s| s.depth).fold(0.0, f64::max)
    }

    /// Whether the lane of `target` (a supplier or grid warehouse) is closed on `day`.
    pub fn road_closed(&self, target: &str, day: u64) -> bool {
        self.on(ShockKind::RoadClosed, target, day).next().is_some()
    }

    /// Whether every trip on the lane of `target` breaks down on `day`.
    pub fn breakdown(&self, target: &str, day: u64) -> bool {
        self.on(ShockKind::TruckBreakdown, target, day).next().is_some()
    }

    /// Whether `supplier` has left on `day`.
    pub fn exited(&self, supplier: &str, day: u64) -> bool {
        self.on(ShockKind::SupplierExit, supplier, day).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shocks_are_on_for_their_days_only() {
        let fixed = |kind, target: &str, start_day, days, depth| ShockConfig { kind, target: target.into(), start_day, days, depth, start_day_max: None, days_max: None, depth_max: None };
        let s = ShockSchedule::new(
            &[fixed(ShockKind::Yield, "north", 5, 3, 0.7), fixed(ShockKind::Yield, "north", 6, 1, 0.9), fixed(ShockKind::RoadClosed, "farm", 0, 1, 1.0)],
            &RunSeed::new(1, 0),
        );
        assert_eq!(s.yield_cut("north", 4), 0.0);
        assert_eq!(s.yield_cut("north", 5), 0.7);
        assert_eq!(s.yield_cut("north", 6), 0.9);
        assert_eq!(s.yield_cut("north", 8), 0.0);
        assert_eq!(s.yield_cut("south", 5), 0.0);
        assert!(s.road_closed("farm", 0) && !s.road_closed("farm", 1));
        assert!(!s.exited("farm", 0) && !s.breakdown("farm", 0));
    }

    #[test]
    fn a_season_is_drawn_per_replication_within_its_ranges() {
        let season = ShockConfig { kind: ShockKind::Yield, target: "north".into(), start_day: 10, days: 5, depth: 0.4, start_day_max: Some(40), days_max: Some(20), depth_max: Some(0.9) };
        let draws: Vec<ShockConfig> = (0..200).map(|r| ShockSchedule::new(std::slice::from_ref(&season), &RunSeed::new(7, r)).drawn()[0].clone()).collect();
        for d in &draws {
            assert!((10..=40).contains(&d.start_day) && (5..=20).contains(&d.days) && (0.4..=0.9).contains(&d.depth), "{d:?}");
        }
        // The whole range is used, and a replication draws the same season every time.
        let starts: std::collections::BTreeSet<u32> = draws.iter().map(|d| d.start_day).collect();
        assert!(starts.contains(&10) && starts.contains(&40) && starts.len() > 25, "{starts:?}");
        assert!(draws.iter().any(|d| d.days == 5) && draws.iter().any(|d| d.days == 20));
        assert!(draws.iter().any(|d| d.depth < 0.45) && draws.iter().any(|d| d.depth > 0.85));
        assert_eq!(ShockSchedule::new(std::slice::from_ref(&season), &RunSeed::new(7, 3)).drawn(), std::slice::from_ref(&draws[3]));
        // Without ranges, the shock is as written whatever the replication.
        let fixed = ShockConfig { start_day_max: None, days_max: None, depth_max: None, ..season };
        assert_eq!(ShockSchedule::new(std::slice::from_ref(&fixed), &RunSeed::new(7, 9)).drawn(), std::slice::from_ref(&fixed));
    }
}
