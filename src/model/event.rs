//! The events of a run and the error that stops one: the vocabulary shared by the market
//! ([`super::simulation`]) and its platforms ([`super::platform`]), kept apart so that
//! neither imports the other's internals.

/// Events of the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// An event of platform `k`.
    Platform(u8, PlatformEvent),
    /// The evening cut-off: prices, residents' choices, purchases.
    Cutoff,
    /// The day's close.
    DayEnd,
}

/// A platform's own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlatformEvent {
    /// The central warehouse picks last night's orders.
    CentralPick,
    /// Trucks leave for grid warehouse g.
    LinehaulDepart(u32),
    /// (grid, day of the trip's goods)
    LinehaulArrive(u32, u32),
    /// (grid, day of the trip's goods)
    LastMileDepart(u32, u32),
    /// (leader, day of the trip's goods)
    LeaderArrive(u32, u32),
    /// Pickup closes at every leader.
    Pickups,
    /// Supplier s's lots arrive at the central warehouse.
    InboundArrival(u32, u32),
}

/// Error that stops a run. Fatal: the run's outputs are not written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Units or money stopped balancing: a bug in the model.
    #[error("day {day}: {message}")]
    Unbalanced {
        /// Day of the failed check.
        day: u64,
        /// Which balance failed, with both sides.
        message: String,
    },
    /// An event was scheduled in the past: a bug in the model.
    #[error("event queue: {0}")]
    Queue(String),
    /// A platform's overrides do not apply (only if the scenario was changed after loading).
    #[error("platform {0}")]
    Platform(String),
    /// The population would not fit in memory (see [`super::footprint`]).
    #[error("too big: {0}")]
    TooBig(String),
    /// A season cannot be played on this market (see [`super::simulation::Season`]).
    #[error("cannot play: {0}")]
    NotPlayable(String),
    /// The worker threads could not be started.
    #[error("threads: {0}")]
    Threads(String),
}
