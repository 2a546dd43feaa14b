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
    let (o, fresh) = optimize::run(&s, 2, 4, None, &mut |_| {}).unwrap();
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
    let free = optimize::run(&study(""), 2, 4, None, &mut |_| {}).unwrap().0;
    let tight = optimize::run(&study("[[constraint]]\nfigure = \"stockout_days\"\nat_most = 0.0\nconfidence = 0.9\n"), 2, 4, None, &mut |_| {}).unwrap().0;
    let (xf, xt) = (free.candidates[free.chosen].x[0], tight.candidates[tight.chosen].x[0]);
    // No stock-out day at all needs a bigger buffer than the profit-best one.
    assert!(xt > xf, "constrained {xt} vs free {xf}");
}

/// `cesim optimize` of the buffer problem (10 days) into `out`, as a child process.
fn optimize_cmd(file: &std::path::Path, out: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_cesim"));
    c.args(["optimize", "--jobs", "2", "--out"]).arg(out).arg(file);
    c
}

#[test]
fn a_killed_optimisation_resumes_to_the_same_answer() {
    let base = crate::file("scenarios/forecasting.toml");
    let file = crate::temp_file(
        "resume.toml",
        &format!(
            "base = {:?}\nreplications = 3\nbudget_runs = 60\ndays = 10\n[objective]\nfigure = \"profit_yuan\"\nsense = \"max\"\n[[decision]]\npath = \"policy.safety_stock_factor\"\nmin = 0.0\nmax = 1.0\n",
            base.display().to_string()
        ),
    );
    let dir = file.parent().unwrap().to_path_buf();
    let (whole, killed) = (dir.join("whole"), dir.join("killed"));
    let o = optimize_cmd(&file, &whole).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Kill -9 a second search once its journal holds a few runs, then start it again.
    let mut child = optimize_cmd(&file, &killed).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let journal = killed.join("journal.csv");
    let lines = || std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count());
    for _ in 0..600 {
        if lines() > 8 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!killed.join("best.csv").exists(), "killed before the end ({} journal lines)", lines());
    let o = optimize_cmd(&file, &killed).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("resuming:"), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["best.csv", "candidates.csv", "best.toml"] {
        assert_eq!(std::fs::read(whole.join(f)).unwrap(), std::fs::read(killed.join(f)).unwrap(), "{f} after kill -9 and resume");
    }
    // A finished folder resumes without a single new run: the same answer at once.
    let before = lines();
    let o = optimize_cmd(&file, &killed).output().unwrap();
    assert!(o.status.success());
    assert_eq!(lines(), before, "no run simulated again");
    assert_eq!(std::fs::read(whole.join("candidates.csv")).unwrap(), std::fs::read(killed.join("candidates.csv")).unwrap());
    // Another study in the same folder is refused, with exit 2.
    let other = crate::temp_file("resume-other.toml", &std::fs::read_to_string(&file).unwrap().replace("max = 1.0", "max = 0.9"));
    let o = optimize_cmd(&other, &killed).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("journal of another optimisation"));
}
