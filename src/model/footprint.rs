//! Memory footprint of a run, estimated from the scenario before anything is built, so a
//! population no machine here can hold is refused up front instead of running until the
//! operating system kills it.
//!
//! Estimate: residents (households plus prospects, at the top of the households spread)
//! × ([`BYTES_PER_RESIDENT`] + [`BYTES_PER_RESIDENT_PLATFORM`] × platforms +
//! [`BYTES_PER_RESIDENT_ORDERS`]) + leaders × platforms × ([`BYTES_PER_LEADER`] + 32 bytes
//! per product). The limit is 80 % of the
//! machine's memory (`/proc/meminfo`; 16 GiB where it cannot be read) unless set with
//! [`set_limit_bytes`] (`cesim … --max-memory-gib`).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::scenario::Scenario;

/// Bytes of the per-resident columns of [`super::resident::Residents`] (a test checks them).
pub const BYTES_PER_RESIDENT: u64 = 27;
/// Bytes of the per-resident, per-platform columns.
pub const BYTES_PER_RESIDENT_PLATFORM: u64 = 10;
/// Bytes per resident of the neighbourhoods' order lists (16 bytes an order, room for the
/// busiest evening at up to a quarter of residents ordering).
pub const BYTES_PER_RESIDENT_ORDERS: u64 = 4;
/// Bytes of a leader's fixed state on one platform (crates, orders, rating).
pub const BYTES_PER_LEADER: u64 = 160;

static LIMIT_BYTES: AtomicU64 = AtomicU64::new(0);

/// Sets the largest estimated footprint a run may have (0: the default).
pub fn set_limit_bytes(bytes: u64) {
    LIMIT_BYTES.store(bytes, Ordering::Relaxed);
}

/// The limit in force, bytes.
pub fn limit_bytes() -> u64 {
    match LIMIT_BYTES.load(Ordering::Relaxed) {
        0 => machine_memory_bytes() / 5 * 4,
        x => x,
    }
}

fn machine_memory_bytes() -> u64 {
    let kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("MemTotal:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|x| x.parse::<u64>().ok())
    });
    kib.map_or(16 << 30, |k| k * 1024)
}

/// Residents and leaders a scenario creates, and its estimated bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Residents (households and prospects), at most.
    pub residents: f64,
    /// Leaders (neighbourhoods).
    pub leaders: f64,
    /// Estimated bytes.
    pub bytes: f64,
}

/// Estimates the footprint of `sc` (in floating point: sizes may be absurd).
pub fn estimate(sc: &Scenario) -> Footprint {
    let leaders: f64 = sc.grid_warehouses.iter().map(|g| g.leaders as f64).sum();
    let households = sc.leaders.households_mean as f64 * (1.0 + sc.leaders.households_spread);
    let residents = leaders * households * (1.0 + sc.market.prospects_share);
    let np = sc.platforms.len().max(1) as f64;
    let per_resident = (BYTES_PER_RESIDENT + BYTES_PER_RESIDENT_PLATFORM * np as u64 + BYTES_PER_RESIDENT_ORDERS) as f64;
    let per_leader = (BYTES_PER_LEADER + 32 * sc.products.len() as u64) as f64 * np;
    Footprint { residents, leaders, bytes: residents * per_resident + leaders * per_leader }
}

/// Checks `sc` against the limit: `Err(message)` with the estimate when it is over.
///
/// # Errors
/// The estimate, the limit and how to raise it.
pub fn check(sc: &Scenario) -> Result<Footprint, String> {
    let f = estimate(sc);
    let limit = limit_bytes() as f64;
    if f.bytes <= limit {
        return Ok(f);
    }
    let gib = |b: f64| b / (1u64 << 30) as f64;
    Err(format!(
        "{:.3e} leaders × {} households (+{:.0} % prospects) make {:.3e} residents, about {:.1} GiB of memory, over the limit of {:.1} GiB (80 % of this machine's memory); shrink the population, or raise the limit with --max-memory-gib",
        f.leaders,
        sc.leaders.households_mean,
        100.0 * sc.market.prospects_share,
        f.residents,
        gib(f.bytes),
        gib(limit)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_matches_the_residents_columns() {
        use crate::model::resident::Residents;
        use crate::scenario::ResidentsConfig;
        for np in [1usize, 2, 3] {
            let mut res = Residents::new(&ResidentsConfig::default(), &[], np);
            let mut rng = crate::engine::RunSeed::new(1, 0).stream("t", 0, 0);
            let draws = res.draws(&[1.0, 1.0, 1.0]);
            res.add(1000, 1000, 0, &draws, &mut rng);
            res.shrink_to_fit();
            assert_eq!(res.heap_bytes() as u64, 1000 * (BYTES_PER_RESIDENT + BYTES_PER_RESIDENT_PLATFORM * np as u64));
        }
    }

    #[test]
    fn a_limit_refuses_and_names_the_estimate() {
        let mut sc: Scenario = toml::from_str(include_str!("../../tests/data/small.toml")).unwrap();
        assert!(check(&sc).is_ok());
        sc.grid_warehouses[0].leaders = 10_000_000;
        sc.leaders.households_mean = 100_000;
        let e = check(&sc).unwrap_err();
        assert!(e.contains("GiB") && e.contains("--max-memory-gib"), "{e}");
    }
}
