//! Outputs of a run: per-day rows and the summary with the headline KPIs ([`metrics`]),
//! and writers that replace files atomically ([`write`]).

pub mod chart;
pub mod metrics;
pub mod report;
pub mod story;
mod calibrate_report;
mod optimize_report;
mod sweep_report;
pub mod write;

pub use metrics::{DayRow, Kpis, N_FIGURES, PlatformRow, RUN_FIGURES, Summary, run_figures};
