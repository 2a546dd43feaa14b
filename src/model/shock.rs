//! Scheduled shocks from `[[shocks]]`: a yield cut in a region, a closed lane, a lane whose
//! trucks break down, or a supplier that leaves. Each is on for `days` days from
//! `start_day`.

use crate::scenario::{ShockConfig, ShockKind};

/// The scheduled shocks of a run.
#[derive(Debug, Clone, Default)]
pub struct ShockSchedule {
    shocks: Vec<ShockConfig>,
}

impl ShockSchedule {
    /// From the scenario's list.
    pub fn new(shocks: &[ShockConfig]) -> Self {
        ShockSchedule { shocks: shocks.to_vec() }
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
        let s = ShockSchedule::new(&[
            ShockConfig { kind: ShockKind::Yield, target: "north".into(), start_day: 5, days: 3, depth: 0.7 },
            ShockConfig { kind: ShockKind::Yield, target: "north".into(), start_day: 6, days: 1, depth: 0.9 },
            ShockConfig { kind: ShockKind::RoadClosed, target: "farm".into(), start_day: 0, days: 1, depth: 1.0 },
        ]);
        assert_eq!(s.yield_cut("north", 4), 0.0);
        assert_eq!(s.yield_cut("north", 5), 0.7);
        assert_eq!(s.yield_cut("north", 6), 0.9);
        assert_eq!(s.yield_cut("north", 8), 0.0);
        assert_eq!(s.yield_cut("south", 5), 0.0);
        assert!(s.road_closed("farm", 0) && !s.road_closed("farm", 1));
        assert!(!s.exited("farm", 0) && !s.breakdown("farm", 0));
    }
}
