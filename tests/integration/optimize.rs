//! `cesim optimize` on a one-dimensional simulation problem whose answer a brute-force grid
//! gives: the profit-best safety buffer of forecasting.toml (20 days). The optimiser must do
//! as well as the grid, with fewer runs, and a constraint must move its answer.

use cesim::experiment::optimize;

fn study(extra: &str) -> optimize::Study {
    let base = crate::file("scenarios/forecasting.toml");
    let file = crate::temp_file(
        "buffer.toml",
        &format!(
            "base = {:?}\nreplications = 4\nbudget_runs = 120\ndays = 20\n[objective]\nfigure = \"profit_yuan\"\nsense = \"max\"\n[[decision]]\npath = \"policy.safety_stock_factor\"\nmin = 0.0\nmax = 1.0\n{extra}",
            base.display().to_string()
        ),
    );
    optimize::load(&file).unwrap()
}

fn mean_profit(s: &optimize::Study, x: f64) -> f64 {
    (0..4).map(|r| s.evaluate(&[x], r).unwrap()[10]).sum::<f64>() / 4.0
}

#[test]
fn does_as_well_as_a_brute_force_grid() {
    let s = study("");
    assert_eq!(cesim::output::RUN_FIGURES[10], "profit_yuan");
    let (o, fresh) = optimize::run(&s, 2, 4, &mut |_| {}).unwrap();
    let x = o.candidates[o.chosen].x[0];
    let grid: Vec<(f64, f64)> = (0..=10).map(|i| i as f64 / 10.0).map(|b| (b, mean_profit(&s, b))).collect();
    let best = grid.iter().map(|g| g.1).fold(f64::MIN, f64::max);
    let got = mean_profit(&s, x);
    assert!(got >= best - 0.02 * best.abs(), "buffer {x}: profit {got}, grid best {best} ({grid:?})");
    assert!(o.runs <= 120 && fresh.len() == 4);
    // The answer is not a corner of the box.
    assert!(x > 0.0 && x < 0.5, "{x}");
}

#[test]
fn a_tighter_constraint_costs_profit() {
    let free = optimize::run(&study(""), 2, 4, &mut |_| {}).unwrap().0;
    let tight = optimize::run(&study("[[constraint]]\nfigure = \"stockout_days\"\nat_most = 0.0\nconfidence = 0.9\n"), 2, 4, &mut |_| {}).unwrap().0;
    let (xf, xt) = (free.candidates[free.chosen].x[0], tight.candidates[tight.chosen].x[0]);
    // No stock-out day at all needs a bigger buffer than the profit-best one.
    assert!(xt > xf, "constrained {xt} vs free {xf}");
}
