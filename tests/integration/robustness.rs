//! No input makes cesim panic, and time that crosses days is handled.
//!
//! - A structure-aware property test builds scenarios from `tests/data/everything.toml` by
//!   random edits (any field to a value of its type, extreme or negative numbers, strings,
//!   arrays of other shapes, whole tables dropped, per-platform overrides of any path,
//!   huge populations) and asserts that each one either loads and runs, or is refused with
//!   a located message — never a panic.
//! - A property test with random delays and breakdowns up to the maxima on every mode
//!   checks that units and money balance (the run checks every day), that each day's
//!   crates ride each leg at most once, and that goods that missed the window are `late`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use toml::{Table, Value};

use cesim::model::accounts::Stage;
use cesim::scenario::{self, ScenarioError};

fn everything() -> Table {
    std::fs::read_to_string(crate::file("tests/data/everything.toml")).unwrap().parse().unwrap()
}

/// Dotted paths of every leaf and table of `t`.
fn paths(v: &Value, path: String, out: &mut Vec<String>) {
    if !path.is_empty() {
        out.push(path.clone());
    }
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                paths(x, if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                paths(x, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A value for random edit `kind` (0..12), with `x` a random number.
fn value(kind: u8, x: f64) -> Value {
    match kind {
        0 => Value::Float(x),
        1 => Value::Float(-x),
        2 => Value::Float(x * 1e12),
        3 => Value::Float(0.0),
        4 => Value::Integer(x as i64),
        5 => Value::Integer(-(x as i64) - 1),
        6 => Value::Integer(i64::MAX),
        7 => Value::String("x".into()),
        8 => Value::Boolean(x > 0.5),
        9 => Value::Array(vec![]),
        10 => Value::Array(vec![Value::Float(x), Value::String("y".into())]),
        _ => Value::Table(Table::new()),
    }
}

/// Loads `text` as the CLI does (parse, validate, memory limit) and runs it for a few days.
fn load_and_run(text: &str) -> Result<(), String> {
    let mut sc = scenario::parse_str(text, "random.toml").map_err(|e| match e {
        ScenarioError::Parse { line, .. } | ScenarioError::Invalid { line, .. } if line > 0 => e.to_string(),
        other => panic!("an error without a location: {other}"),
    })?;
    cesim::model::footprint::check(&sc)?;
    sc.run.horizon_days = sc.run.horizon_days.min(6);
    sc.run.warmup_days = sc.run.warmup_days.min(sc.run.horizon_days - 1);
    cesim::model::run(&sc, sc.run.seed, 0).map_err(|e| e.to_string())?;
    Ok(())
}

proptest! {
    // A fixed seed keeps CI reproducible; change it to
    // explore other cases. A random seed once found a supplier lane of 10¹² km whose steady-start pipeline never ended.
    #![proptest_config(ProptestConfig { cases: 300, rng_seed: proptest::test_runner::RngSeed::Fixed(20261127), ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics(edits in proptest::collection::vec((0usize..10_000, 0u8..12, 0.0f64..2_000.0, 0u8..8), 1..4)) {
        // Memory the edited scenarios may take here (a huge population must be refused).
        cesim::model::footprint::set_limit_bytes(256 << 20);
        let mut t = everything();
        for (at, kind, x, how) in edits {
            let mut all = Vec::new();
            paths(&Value::Table(t.clone()), String::new(), &mut all);
            let path = all[at % all.len()].clone();
            let v = value(kind, x);
            match how {
                // Scale a number within a factor of 0 to 2 (extreme but often in range).
                0..=2 => {
                    let scaled = match scenario::path::get(&t, &path) {
                        Some(Value::Float(f)) => Some(Value::Float(f * x / 1000.0)),
                        Some(Value::Integer(i)) => Some(Value::Integer((*i as f64 * x / 1000.0) as i64)),
                        _ => None,
                    };
                    if let Some(sv) = scaled {
                        let _ = scenario::path::set(&mut t, &path, sv);
                    }
                }
                // Replace a field or table in place by a value of any type.
                3 | 4 => { let _ = scenario::path::set(&mut t, &path, v); }
                // Override it for platform b.
                5 | 6 => {
                    if let Some(Value::Table(o)) = t.get_mut("platforms").and_then(|p| p.as_array_mut()).and_then(|a| a.get_mut(1)).and_then(|b| b.as_table_mut()).map(|b| b.entry("overrides").or_insert(Value::Table(Table::new()))) {
                        o.insert(path.split('[').next().unwrap_or_default().to_string(), v);
                    }
                }
                // A huge population.
                _ => {
                    let _ = scenario::path::set(&mut t, "grid_warehouses[0].leaders", Value::Integer(10_000_000));
                    let _ = scenario::path::set(&mut t, "leaders.households_mean", Value::Integer(100_000));
                }
            }
        }
        let text = toml::to_string(&t).unwrap_or_default();
        let outcome = catch_unwind(AssertUnwindSafe(|| load_and_run(&text)));
        prop_assert!(outcome.is_ok(), "panicked on:\n{text}");
    }

    #[test]
    fn late_legs_are_charged_once_and_written_off(
        seed in 0u64..1_000,
        delays in proptest::collection::vec((0.0f64..=1.0, 0.0f64..23.0, 0.0f64..=1.0, 0.0f64..23.0), 4),
    ) {
        let mut sc = crate::small();
        sc.run.horizon_days = 8;
        for (m, (dp, dh, bp, bh)) in sc.modes.values_mut().zip(&delays) {
            m.delay_prob = *dp;
            m.delay_hours = *dh;
            m.breakdown_prob = *bp;
            // delay + breakdown stay under a day (longer is refused).
            m.breakdown_hours = bh.min(23.9 - dh);
        }
        let text = toml::to_string(&sc).unwrap();
        let sc = scenario::parse_str(&text, "delays.toml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        // The run checks units and money at every day's end and fails if they break.
        let r = cesim::model::run(&sc, seed, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = &r.total;
        prop_assert_eq!(t.units_procured, t.units_sold + t.spoiled_total() + r.stock_units_end + r.transit_units_end);
        let days = r.days.len() as u64;
        let grids = sc.grid_warehouses.len() as u64;
        let leaders: u64 = sc.grid_warehouses.iter().map(|g| g.leaders as u64).sum();
        for d in &r.days {
            prop_assert!(d.tally.linehaul_loads <= grids, "day {}: {} linehaul loads for {} grids", d.day, d.tally.linehaul_loads, grids);
            prop_assert!(d.tally.van_runs <= leaders, "day {}: {} van runs for {} leaders", d.day, d.tally.van_runs, leaders);
        }
        prop_assert!(t.linehaul_loads <= grids * days);
        // Vans that always arrive after the pickup closes lose everything they carry.
        let van = sc.modes.get("cold_van").unwrap();
        if van.delay_prob == 1.0 && van.delay_hours > 16.0 {
            prop_assert!(t.units_sold == 0 || t.spoiled[Stage::Late as usize] > 0);
        }
    }
}

#[test]
fn vans_a_whole_pickup_late_lose_their_load_as_late() {
    let mut sc = crate::small();
    let v = sc.modes.get_mut("cold_van").unwrap();
    v.delay_prob = 1.0;
    v.delay_hours = 20.0;
    v.breakdown_hours = 2.0;
    let r = cesim::model::run(&sc, 1, 0).unwrap();
    assert_eq!(r.total.units_sold, 0);
    assert!(r.total.spoiled[Stage::Late as usize] > 0);
    // Each day's crates left on their van once; none rode again the next day.
    let leaders = sc.grid_warehouses[0].leaders as u64;
    assert!(r.days.iter().all(|d| d.tally.van_runs <= leaders));
}
