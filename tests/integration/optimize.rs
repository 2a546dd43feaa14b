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
    let f = optimize::run(&s, 2, 4, None, None, &mut |_| {}).unwrap();
    let (o, fresh) = (f.outcome, f.validation);
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
    let free = optimize::run(&study(""), 2, 4, None, None, &mut |_| {}).unwrap().outcome;
    let tight = optimize::run(&study("[[constraint]]\nfigure = \"stockout_days\"\nat_most = 0.0\nconfidence = 0.9\n"), 2, 4, None, None, &mut |_| {}).unwrap().outcome;
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

#[test]
fn two_objectives_give_a_front_from_lean_to_safe() {
    // Spoilage against stock-out days over the safety buffer: a bigger buffer spoils more and
    // runs out less, so the front runs from a lean buffer (least spoilage) to a safe one.
    let base = crate::file("scenarios/forecasting.toml");
    let file = crate::temp_file(
        "front.toml",
        &format!(
            "base = {:?}\nreplications = 3\nbudget_runs = 90\ndays = 12\nfront_points = 3\n[[objective]]\nfigure = \"spoilage_rate\"\nsense = \"min\"\n[[objective]]\nfigure = \"stockout_days\"\nsense = \"min\"\n[[decision]]\npath = \"policy.safety_stock_factor\"\nmin = 0.0\nmax = 1.0\n",
            base.display().to_string()
        ),
    );
    let out = std::env::temp_dir().join(format!("cesim-front-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let st = optimize_cmd(&file, &out).output().unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let text = std::fs::read_to_string(out.join("pareto.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap_or_else(|| panic!("no {n} in {h:?}"));
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let num = |r: &csv::StringRecord, n: &str| r[col(n)].parse::<f64>().unwrap();
    assert!(rows.len() >= 2, "{text}");
    let (lean, safe) = (&rows[0], &rows[rows.len() - 1]);
    let b = "policy.safety_stock_factor";
    assert!(num(lean, b) < num(safe, b), "lean end {} vs safe end {}", num(lean, b), num(safe, b));
    assert!(num(lean, "spoilage_rate_mean") < num(safe, "spoilage_rate_mean"));
    assert!(num(lean, "stockout_days_mean") > num(safe, "stockout_days_mean"));
    for r in &rows {
        assert!(num(r, "spoilage_rate_ci95_low") <= num(r, "spoilage_rate_mean") && num(r, "spoilage_rate_mean") <= num(r, "spoilage_rate_ci95_high"));
        assert_eq!(num(r, "fresh_reps"), 10.0);
    }
    assert_eq!(rows.iter().filter(|r| &r[col("chosen")] == "yes").count(), 1);
    // Every point is a runnable scenario with its buffer written in.
    for (k, row) in rows.iter().enumerate() {
        let p = out.join("pareto").join(format!("point_{k:02}.toml"));
        let s = cesim::scenario::load(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!((s.policy.safety_stock_factor - num(row, b)).abs() < 1e-6);
    }
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("Pareto front"));
    // A bad second objective is refused at its line.
    let bad = crate::temp_file("front_bad.toml", &std::fs::read_to_string(&file).unwrap().replace("figure = \"stockout_days\"", "figure = \"spoilage_rate\""));
    let st = optimize_cmd(&bad, &out.join("bad")).output().unwrap();
    let err = String::from_utf8_lossy(&st.stderr);
    assert_eq!(st.status.code(), Some(2), "{err}");
    assert!(err.contains("front_bad.toml:") && err.contains("must be different figures"), "{err}");
}

#[test]
fn shards_on_a_shared_folder_reach_the_answer_of_one_process() {
    let base = crate::file("scenarios/forecasting.toml");
    let file = crate::temp_file(
        "shards.toml",
        &format!(
            "base = {:?}\nreplications = 3\nbudget_runs = 48\ndays = 8\n[objective]\nfigure = \"profit_yuan\"\nsense = \"max\"\n[[decision]]\npath = \"policy.safety_stock_factor\"\nmin = 0.0\nmax = 1.0\n",
            base.display().to_string()
        ),
    );
    let dir = file.parent().unwrap().join("shards");
    let _ = std::fs::remove_dir_all(&dir);
    let (single, shared) = (dir.join("single"), dir.join("shared"));
    let o = optimize_cmd(&file, &single).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Three shards at once on one folder, one thread each.
    let kids: Vec<std::process::Child> = (1..=3)
        .map(|i| {
            let mut c = optimize_cmd(&file, &shared);
            c.args(["--shard", &format!("{i}/3")]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for k in kids {
        let o = k.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in ["best.csv", "candidates.csv", "best.toml"] {
        assert_eq!(std::fs::read(single.join(f)).unwrap(), std::fs::read(shared.join(f)).unwrap(), "{f}: shards vs one process");
    }
    // The work was split: each shard journalled its own share, and no run twice.
    let runs = |i: usize| std::fs::read_to_string(shared.join(format!("journal-{i}of3.csv"))).unwrap().lines().count() - 1;
    let (a, b, c) = (runs(1), runs(2), runs(3));
    let total = std::fs::read_to_string(single.join("journal.csv")).unwrap().lines().count() - 1;
    assert!(a > 0 && b > 0 && c > 0 && a + b + c == total, "shards ran {a} + {b} + {c}, one process {total}");
    // One process on the shards' folder finds every run and simulates none.
    let o = optimize_cmd(&file, &shared).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("resuming: {total} runs")), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(shared.join("journal.csv")).unwrap().lines().count(), 1);
}
