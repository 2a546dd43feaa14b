//! The trace of a run: notable events (not every resident's day), for `events.csv` and the
//! story of a run. Collected only when asked for; the model pushes, the output layer writes.

use serde::Serialize;

/// One traced event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Minute since the start of the run.
    pub time_min: u64,
    /// Day of the event.
    pub day: u64,
    /// Platform name (empty for the market).
    pub platform: String,
    /// Agent kind: `supplier`, `region`, `central_warehouse`, `grid_warehouse`, `truck`,
    /// `lot`, `leader`, `residents`, `platform`, `market`.
    pub agent_kind: &'static str,
    /// Agent name or index.
    pub agent_id: String,
    /// What happened, e.g. `short_delivery`, `stock_out`, `lot_rejected`, `recall`,
    /// `customers_lost`, `scandal`, `leader_switched`, `weather_shock`, `road_closed`.
    pub event: &'static str,
    /// Product name, if any.
    pub product: String,
    /// Lot index, or −1.
    pub lot: i64,
    /// Units or residents concerned.
    pub quantity: u64,
    /// Cause, if any.
    pub cause: &'static str,
}

/// A trace being collected (or not).
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Events, in the order they happened.
    pub events: Option<Vec<TraceEvent>>,
}

impl Trace {
    /// A trace that collects when `on`.
    pub fn new(on: bool) -> Self {
        Trace { events: on.then(Vec::new) }
    }

    /// Whether events are collected.
    pub fn on(&self) -> bool {
        self.events.is_some()
    }

    /// Records an event (a no-op when off).
    #[allow(clippy::too_many_arguments)]
    pub fn push(&mut self, time_min: u64, platform: &str, agent_kind: &'static str, agent_id: impl ToString, event: &'static str, product: &str, lot: i64, quantity: u64, cause: &'static str) {
        if let Some(v) = &mut self.events {
            v.push(TraceEvent {
                time_min,
                day: time_min / crate::engine::time::MINUTES_PER_DAY,
                platform: platform.to_string(),
                agent_kind,
                agent_id: agent_id.to_string(),
                event,
                product: product.to_string(),
                lot,
                quantity,
                cause,
            });
        }
    }
}
