//! Simulated time: whole minutes since the start of a run, as an integer.
//!
//! Integer time makes event order exact (no float ties that depend on rounding) and
//! lets a day be a plain division. One tick is one minute.

/// Minutes in an hour.
pub const MINUTES_PER_HOUR: u64 = 60;
/// Minutes in a day.
pub const MINUTES_PER_DAY: u64 = 24 * MINUTES_PER_HOUR;

/// A point in simulated time, in minutes since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// The time `hour` hours (fractional hours allowed, rounded to the minute) after the
    /// start of day `day` (day 0 is the first day).
    pub fn at_day_hour(day: u64, hour: f64) -> SimTime {
        SimTime(day * MINUTES_PER_DAY + hours_to_minutes(hour))
    }

    /// The day this time falls in (day 0 is the first day).
    pub fn day(self) -> u64 {
        self.0 / MINUTES_PER_DAY
    }

    /// Minutes since the start of the run.
    pub fn minutes(self) -> u64 {
        self.0
    }

    /// Hours elapsed from `earlier` to `self`; zero if `earlier` is later.
    pub fn hours_since(self, earlier: SimTime) -> f64 {
        self.0.saturating_sub(earlier.0) as f64 / MINUTES_PER_HOUR as f64
    }

    /// This time plus a duration in hours (rounded to the minute).
    pub fn plus_hours(self, hours: f64) -> SimTime {
        SimTime(self.0 + hours_to_minutes(hours))
    }
}

/// Converts hours to whole minutes, rounding to the nearest minute; negative or NaN gives 0.
pub fn hours_to_minutes(hours: f64) -> u64 {
    if hours.is_nan() || hours <= 0.0 {
        0
    } else {
        (hours * MINUTES_PER_HOUR as f64).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_and_hour_round_trip() {
        let t = SimTime::at_day_hour(3, 14.5);
        assert_eq!(t.minutes(), 3 * 1440 + 870);
        assert_eq!(t.day(), 3);
        assert_eq!(t.plus_hours(10.0).day(), 4);
        assert!((t.plus_hours(1.25).hours_since(t) - 1.25).abs() < 1e-12);
        assert_eq!(SimTime(5).hours_since(SimTime(10)), 0.0);
        assert_eq!(hours_to_minutes(-1.0), 0);
    }
}
