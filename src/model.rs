//! The domain model: one platform's supply chain from origin to resident, on the daily
//! pre-sale cycle, built on the generic [`crate::engine`].
//!
//! ```text
//!  supplier ──inbound──▶ central warehouse ──linehaul──▶ grid warehouse ──last mile──▶ leader ──pickup──▶ resident
//!  (origin)   (lane)      (pick & pack, 02:00)  (truck)   (sort per leader)  (van)     (shop)    (14–21h)
//! ```
//! One file per agent kind or policy: [`product`], [`lot`], [`supplier`], [`truck`],
//! [`warehouse`], [`leader`], [`resident`], [`purchase_plan`]; [`accounts`] keeps units and
//! money balanced; [`simulation`] wires them to the event queue and runs a day after day;
//! [`world`] is what the platforms share (weather, shocks, supplier yields), [`event`] the
//! events and errors, [`footprint`] the memory a run will need.

pub mod accounts;
pub mod aftersales;
pub mod basket;
pub mod event;
pub mod farmer;
pub mod footprint;
pub mod leader;
pub mod lot;
pub mod platform;
pub mod population;
pub mod pricing;
pub mod product;
pub mod purchase_plan;
pub mod quality_control;
pub mod resident;
pub mod shock;
pub mod simulation;
pub mod sourcing;
pub mod streams;
pub mod supplier;
pub mod trace;
pub mod truck;
pub mod warehouse;
pub mod world;

pub use simulation::{ModelError, RunOptions, RunReport, run, run_with};
