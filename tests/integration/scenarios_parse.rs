//! Every shipped scenario loads and validates.

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    let mut stack = vec![crate::file("scenarios")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                // Sweep and sensitivity files have their own schemas (tested below).
                if p.file_name().is_some_and(|n| n != "sweeps" && n != "sensitivity") {
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

#[test]
fn every_shipped_sweep_loads() {
    let mut n = 0;
    for e in std::fs::read_dir(crate::file("scenarios/sweeps")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = cesim::experiment::sweep::load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.runs() > 0);
            n += 1;
        }
    }
    assert!(n >= 2);
}

#[test]
fn every_shipped_sensitivity_file_loads() {
    let mut n = 0;
    for e in std::fs::read_dir(crate::file("scenarios/sensitivity")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = cesim::experiment::sensitivity::load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.sweep.runs() > 0);
            n += 1;
        }
    }
    assert!(n >= 2);
}
