//! Sweeps (issue 5): byte-identical outputs for any --jobs, resume after kill -9, refusal
//! of a changed sweep, shards merged into the single-process files, located errors, and a
//! paired comparison through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cesim"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cesim-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let o = cesim().arg("sweep").arg(file).arg("--out").arg(out).args(extra).output().unwrap();
    assert!(o.status.success() || !extra.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}/{f}: {e}", dir.display()))
}

#[test]
fn outputs_are_identical_for_any_jobs_and_load_as_csv() {
    let file = crate::file("tests/data/sweeps/small_grid.toml");
    let (a, b) = (tmp("j1"), tmp("j2"));
    sweep(&file, &a, &["--jobs", "1", "--daily"]);
    sweep(&file, &b, &["--jobs", "2", "--daily"]);
    for f in ["runs.csv", "summary.csv", "daily.csv"] {
        assert_eq!(read(&a, f), read(&b, f), "{f} differs between --jobs 1 and 2");
    }
    // runs.csv: header + 12 runs, every row with every column.
    let runs = String::from_utf8(read(&a, "runs.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(runs.as_bytes());
    let header = rdr.headers().unwrap().clone();
    assert!(header.iter().any(|h| h == "policy.safety_stock_factor") && header.iter().any(|h| h == "churn_rate"));
    let rows: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r.len() == header.len()));
    // summary.csv: one row per point and figure; the CI brackets the mean.
    let summary = read(&a, "summary.csv");
    let mut s = csv::Reader::from_reader(&summary[..]);
    let h = s.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<_> = s.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4 * cesim::output::RUN_FIGURES.len());
    for r in &rows {
        let (lo, mean, hi): (f64, f64, f64) = (r[col("ci95_low")].parse().unwrap(), r[col("mean")].parse().unwrap(), r[col("ci95_high")].parse().unwrap());
        assert!(lo <= mean && mean <= hi, "{r:?}");
        assert_eq!(&r[col("n")], "3");
    }
    // Rerunning into the same folder does nothing and changes nothing.
    let again = sweep(&file, &a, &["--jobs", "2", "--daily"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 runs simulated, 12 already done"));
    assert_eq!(read(&a, "runs.csv"), read(&b, "runs.csv"));
    // Replication r of every point shares its streams: same seed column everywhere.
    assert!(runs.lines().skip(1).all(|l| l.split(',').nth(3) == Some("7")));
}

#[test]
fn kill_9_mid_sweep_loses_and_duplicates_nothing() {
    let file = crate::file("tests/data/sweeps/long.toml");
    let (reference, killed) = (tmp("ref"), tmp("killed"));
    sweep(&file, &reference, &["--jobs", "2"]);
    let journal = killed.join("journal.csv");
    // Kill at a few different moments, resuming in between.
    for wait_for in [3usize, 40, 90] {
        let mut child = cesim()
            .arg("sweep")
            .arg(&file)
            .arg("--out")
            .arg(&killed)
            .args(["--jobs", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        loop {
            let lines = std::fs::read(&journal).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0);
            if lines >= wait_for || start.elapsed().as_secs() > 60 || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
    }
    let before = std::fs::read(&journal).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0);
    assert!(before < 200, "the kills came too late to interrupt anything");
    let o = sweep(&file, &killed, &["--jobs", "2"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("{before} already done")));
    assert_eq!(read(&reference, "runs.csv"), read(&killed, "runs.csv"));
    assert_eq!(read(&reference, "summary.csv"), read(&killed, "summary.csv"));
    // The journal holds every run exactly once.
    let text = String::from_utf8(read(&killed, "journal.csv")).unwrap();
    let mut ids: Vec<usize> = text.lines().map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, (0..200).collect::<Vec<_>>());
}

#[test]
fn a_changed_sweep_refuses_to_resume() {
    let dir = tmp("changed");
    let file = dir.join("s.toml");
    std::fs::create_dir_all(&dir).unwrap();
    let small = crate::file("tests/data/small.toml");
    let text = format!("base = {:?}\nreplications = 2\ndays = 3\n[grid]\n\"policy.safety_stock_factor\" = [0.0, 0.1]\n", small.display().to_string());
    std::fs::write(&file, &text).unwrap();
    let out = dir.join("out");
    sweep(&file, &out, &[]);
    std::fs::write(&file, text.replace("0.1]", "0.2]")).unwrap();
    let o = cesim().arg("sweep").arg(&file).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("another sweep") && err.contains("new --out"), "{err}");
}

#[test]
fn shards_merge_into_the_single_process_files() {
    let file = crate::file("tests/data/sweeps/small_grid.toml");
    let whole = tmp("whole");
    sweep(&file, &whole, &["--daily"]);
    let shards: Vec<PathBuf> = (1..=3).map(|i| tmp(&format!("shard{i}"))).collect();
    for (i, d) in shards.iter().enumerate() {
        let o = sweep(&file, d, &["--daily", "--shard", &format!("{}/3", i + 1)]);
        assert!(String::from_utf8_lossy(&o.stdout).contains("shard done"));
        assert!(!d.join("runs.csv").exists());
    }
    let merged = tmp("merged");
    // Merging only two of three shards is refused: runs are missing.
    let o = cesim().arg("merge").args(&shards[..2]).arg("--out").arg(&merged).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing"));
    let o = cesim().arg("merge").args(&shards).arg("--out").arg(&merged).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["runs.csv", "summary.csv", "daily.csv"] {
        assert_eq!(read(&whole, f), read(&merged, f), "{f}");
    }
}

#[test]
fn bad_sweeps_name_line_path_and_what_is_allowed() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let small = crate::file("tests/data/small.toml").display().to_string();
    let cases = [
        ("\"policy.no_such_knob\" = [1.0]", "unknown field `no_such_knob`"),
        ("\"policy.safety_stock_factor\" = [\"lots\"]", "invalid type: string \"lots\", expected f64"),
        ("\"suppliers.farm.distance_km\" = [\"far\"]", "wrong type: the base scenario has a number (100.0), got a string"),
        ("\"policy.safety_stock_factor\" = [5.0]", "policy.safety_stock_factor = 5.0: must be a number in [0.0, 2.0]"),
        ("\"suppliers[3].distance_km\" = [1.0]", "index 3 does not exist"),
        ("\"suppliers.nobody.distance_km\" = [1.0]", "names are farm"),
    ];
    for (k, (line, want)) in cases.iter().enumerate() {
        let f = dir.join(format!("bad{k}.toml"));
        std::fs::write(&f, format!("base = {small:?}\n\n[grid]\n{line}\n")).unwrap();
        let o = cesim().arg("sweep").arg(&f).arg("--out").arg(dir.join("o")).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{line}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("bad{k}.toml:4:")), "{line}: {err}");
        assert!(err.contains(want), "{line}: {err}");
    }
}

#[test]
fn compare_reports_every_figure_paired() {
    let out = tmp("compare");
    let o = cesim()
        .args(["compare"])
        .arg(crate::file("scenarios/supply_shock_single_source.toml"))
        .arg(crate::file("scenarios/multi_sourcing.toml"))
        .args(["--reps", "5", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("stockout_days") && table.contains("yes"));
    let bytes = read(&out, "compare.csv");
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let rows: Vec<_> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), cesim::output::RUN_FIGURES.len());
    let days = rows.iter().find(|x| &x[0] == "stockout_days").unwrap();
    assert!(days[7].parse::<f64>().unwrap() < 0.0 && &days[11] == "true");
    // Its report: a headline counting what differs, rows labelled in words with units.
    let html = cesim::output::report::report(&out).unwrap();
    let differ = rows.iter().filter(|x| &x[11] == "true").count();
    assert!(html.contains(&format!("<b>{differ} of {} figures differ</b>", rows.len())), "headline");
    assert!(html.contains("stock-out days (days)") && html.contains("cost per order (yuan)") && !html.contains(">stockout_days<"), "labels");
}

#[test]
fn a_sweeps_labels_reach_its_report_and_bad_ones_are_refused() {
    let dir = crate::file("tests/data/sweeps");
    let grid = std::fs::read_to_string(dir.join("small_grid.toml")).unwrap();
    let write = |name: &str, extra: &str| {
        let p = dir.join(format!("{name}-{}.toml", std::process::id()));
        std::fs::write(&p, format!("{grid}\n{extra}")).unwrap();
        p
    };
    let good = write("labelled", "[labels]\n\"policy.safety_stock_factor\" = \"buffer over orders\"\nstockout_days = \"days with a stock-out\"\n");
    let out = tmp("labelled");
    let o = cesim().arg("sweep").arg(&good).arg("--out").arg(&out).output().unwrap();
    let _ = std::fs::remove_file(&good);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = cesim::output::report::report(&out).unwrap();
    assert!(html.contains("buffer over orders") && html.contains("days with a stock-out"), "labels in the report");
    assert!(!html.contains("stock-out days (days)"), "the given label replaces the default");
    for (extra, want) in [("[labels]\nno_such = \"x\"\n", "neither a parameter"), ("[labels]\nstockout_days = 3\n", "non-empty string")] {
        let bad = write("badlabel", extra);
        let o = cesim().arg("sweep").arg(&bad).arg("--out").arg(tmp("badlabel")).output().unwrap();
        let _ = std::fs::remove_file(&bad);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(":11:") && err.contains(want), "file:line:col and why: {err}");
    }
}
