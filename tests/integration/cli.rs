//! The built binary: `run` writes both files deterministically, `validate` exits 2 on a bad
//! file with its error on stderr.

use std::process::Command;

fn cesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cesim"))
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cesim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn run_writes_files_and_is_deterministic() {
    let small = crate::file("tests/data/small.toml");
    let (a, b) = (tmp("a"), tmp("b"));
    for out in [&a, &b] {
        let o = cesim().args(["run", "--days", "6", "--out"]).arg(out).arg(&small).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("churn rate") && stdout.contains("spoilage rate") && stdout.contains("cost per order"));
    }
    let da = std::fs::read(a.join("daily.csv")).unwrap();
    assert_eq!(da, std::fs::read(b.join("daily.csv")).unwrap());
    assert_eq!(String::from_utf8_lossy(&da).lines().count(), 7, "header + 6 days");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("summary.json")).unwrap()).unwrap();
    for k in ["churn_rate", "spoilage_rate", "cost_per_order_yuan"] {
        assert!(summary["kpis"][k].is_number(), "summary.json lacks kpis.{k}");
    }
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 4, "daily, platforms, centres, summary: {names:?}");
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn seed_flag_changes_results() {
    let small = crate::file("tests/data/small.toml");
    let (a, b) = (tmp("s1"), tmp("s2"));
    for (out, seed) in [(&a, "1"), (&b, "2")] {
        let o = cesim().args(["run", "-q", "--days", "4", "--seed", seed, "--out"]).arg(out).arg(&small).output().unwrap();
        assert!(o.status.success());
        assert!(o.stdout.is_empty(), "--quiet prints nothing");
    }
    assert_ne!(std::fs::read(a.join("daily.csv")).unwrap(), std::fs::read(b.join("daily.csv")).unwrap());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn bad_scenario_exits_2_with_located_error() {
    let bad = crate::file("tests/bad_scenarios/negative_distance.toml");
    for args in [vec!["validate"], vec!["run", "--out", "/tmp/cesim-never-written"]] {
        let o = cesim().args(&args).arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("negative_distance.toml:36:") && err.contains("suppliers[0].distance_km = -5.0"), "{err}");
    }
    assert!(!std::path::Path::new("/tmp/cesim-never-written").exists());
}

#[test]
fn validate_accepts_the_baseline() {
    let o = cesim().arg("validate").arg(crate::file("scenarios/baseline.toml")).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok"));
}

#[test]
fn bad_flag_exits_2() {
    let o = cesim().args(["run", "x.toml", "--days", "0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}
