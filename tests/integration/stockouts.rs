//! A supplier short of capacity causes stock-outs, lower satisfaction and more churn.

use cesim::experiment::stats::paired_diff_ci;
use cesim::output::Kpis;

#[test]
fn scarce_supply_means_stockouts_and_churn() {
    let plenty = crate::small();
    let mut scarce = plenty.clone();
    scarce.suppliers[0].capacity_units_per_day = 40.0; // about half of the greens ordered
    let reps = 8;
    let kpis = |sc: &cesim::scenario::Scenario, r: u64| {
        let rep = cesim::model::run(sc, sc.run.seed, r).unwrap();
        (Kpis::of(&rep), rep.total.units_stockout as f64)
    };
    let (mut fa, mut fb, mut ca, mut cb) = (vec![], vec![], vec![], vec![]);
    for r in 0..reps {
        let (ka, _) = kpis(&plenty, r);
        let (kb, sb) = kpis(&scarce, r);
        assert!(sb > 0.0);
        fa.push(ka.fill_rate);
        fb.push(kb.fill_rate);
        ca.push(ka.churn_rate);
        cb.push(kb.churn_rate);
    }
    let fill = paired_diff_ci(&fa, &fb, 0.95);
    assert!(fill.mean < 0.0 && fill.excludes_zero(), "fill rate scarce − plenty: {fill:?}");
    let churn = paired_diff_ci(&ca, &cb, 0.95);
    assert!(churn.mean > 0.0 && churn.excludes_zero(), "churn scarce − plenty: {churn:?}");
}
