//! Direction of effects with replications: switching the cold chain off raises spoilage.
//! Paired under common random numbers; the 95 % CI of the difference must exclude zero.

use cesim::experiment::stats::paired_diff_ci;
use cesim::output::Kpis;
use cesim::scenario::Scenario;

fn spoilage_rate(sc: &Scenario, rep: u64) -> f64 {
    let r = cesim::model::run(sc, sc.run.seed, rep).unwrap();
    Kpis::of(&r).spoilage_rate
}

/// Cold chain off: trucks, vans and warehouses at ambient temperature (25 °C).
fn ambient(mut sc: Scenario) -> Scenario {
    for m in sc.modes.values_mut() {
        m.temp_c = 25.0;
    }
    sc.central_warehouse.temp_c = 25.0;
    for g in &mut sc.grid_warehouses {
        g.temp_c = 25.0;
    }
    sc
}

#[test]
fn cold_chain_off_means_more_spoilage() {
    let cold = crate::small();
    let warm = ambient(cold.clone());
    let reps = 10;
    let a: Vec<f64> = (0..reps).map(|r| spoilage_rate(&cold, r)).collect();
    let b: Vec<f64> = (0..reps).map(|r| spoilage_rate(&warm, r)).collect();
    let d = paired_diff_ci(&a, &b, 0.95);
    assert!(d.mean > 0.0 && d.excludes_zero(), "ambient − cold spoilage rate: {d:?}");
}
