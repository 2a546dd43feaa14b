//! Every shipped scenario loads and validates.

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    let mut stack = vec![crate::file("scenarios")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                // Sweep, sensitivity, optimisation and calibration files have their own schemas
                // (tested below).
                if p.file_name().is_some_and(|n| !["sweeps", "sensitivity", "optimize", "calibration"].contains(&n.to_str().unwrap_or(""))) {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "toml") {
                cesim::scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
    }
    assert!(n >= 1);
}

/// Loads every `.toml` file of `scenarios/<dir>` with `load`, which returns its run count.
fn each_file_loads<E: std::fmt::Display>(dir: &str, load: impl Fn(&std::path::Path) -> Result<usize, E>) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(crate::file(&format!("scenarios/{dir}"))).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let runs = load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(runs > 0, "{} has no runs", p.display());
            n += 1;
        }
    }
    n
}

#[test]
fn every_shipped_sweep_loads() {
    assert!(each_file_loads("sweeps", |p| cesim::experiment::sweep::load(p).map(|s| s.runs())) >= 2);
}

#[test]
fn every_shipped_sensitivity_file_loads() {
    assert!(each_file_loads("sensitivity", |p| cesim::experiment::sensitivity::load(p).map(|s| s.sweep.runs())) >= 2);
}

#[test]
fn every_shipped_optimisation_file_loads() {
    assert!(each_file_loads("optimize", |p| cesim::experiment::optimize::load(p).map(|s| s.problem.budget_runs)) >= 2);
}

#[test]
fn every_shipped_calibration_file_loads() {
    assert!(each_file_loads("calibration", |p| cesim::experiment::calibrate::load(p).map(|c| c.budget_runs)) >= 1);
}
