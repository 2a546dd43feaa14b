//! `cesim sensitivity` end to end on the small scenario: the design runs on the sweep
//! runner, a dead input scores zero and a live one does not; bad files are located errors.

use cesim::experiment::runner::{SweepOptions, run_sweep};
use cesim::experiment::sensitivity;

fn study(dir: &std::path::Path, method: &str) -> std::path::PathBuf {
    let file = dir.join("s.toml");
    let base = crate::file("tests/data/small.toml");
    std::fs::write(
        &file,
        format!(
            "base = {:?}\nmethod = {method:?}\ntrajectories = 6\nsamples = 16\nfigures = [\"spoilage_rate\", \"orders\"]\n[ranges]\n\"leaders.storage_temp_c\" = [4.0, 30.0]\n\"qc.spot_rate\" = [0.0, 1.0]\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    file
}

fn rows(csv: &[u8]) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(csv).records().map(|r| r.unwrap()).collect()
}

#[test]
fn a_dead_input_scores_zero_and_a_live_one_does_not() {
    let dir = std::env::temp_dir().join(format!("cesim-sens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (method, col) in [("morris", 5), ("sobol", 7)] {
        let s = sensitivity::load(&study(&dir, method)).unwrap();
        let out = dir.join(method);
        run_sweep(&s.sweep, &out, &SweepOptions { jobs: 2, shard: None, daily: false }, &mut |_, _| {}).unwrap();
        let csv = sensitivity::analyse(&out, &s).unwrap();
        let r = rows(&csv);
        assert_eq!(r.len(), 4, "{method}: two figures × two inputs");
        let value = |fig: &str, p: &str| r.iter().find(|x| &x[0] == fig && &x[1] == p).unwrap()[col].parse::<f64>().unwrap();
        // spot_rate cannot act under audit = self_check: exactly zero.
        assert_eq!(value("spoilage_rate", "qc.spot_rate"), 0.0, "{method}");
        assert!(value("spoilage_rate", "leaders.storage_temp_c") > 0.0, "{method}");
        // Its report: one chart per figure (μ*–σ plane, or S1/ST bars).
        std::fs::write(out.join("sensitivity.csv"), &csv).unwrap();
        let html = cesim::output::report::report(&out).unwrap();
        assert_eq!(html.matches("<svg").count(), 2, "{method}");
        assert!(html.contains("qc.spot_rate"));
        // Rerunning resumes: nothing to simulate.
        let again = run_sweep(&s.sweep, &out, &SweepOptions { jobs: 1, shard: None, daily: false }, &mut |_, _| {}).unwrap();
        assert_eq!(again.ran, 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_sensitivity_files_are_located() {
    let dir = std::env::temp_dir().join(format!("cesim-sens-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = study(&dir, "morris");
    let text = std::fs::read_to_string(&file).unwrap();
    for (bad, want) in [
        (text.replace("\"morris\"", "\"fast\""), "must be \"morris\" or \"sobol\""),
        (text.replace("[4.0, 30.0]", "[30.0, 4.0]"), "low < high"),
        (text.replace("\"orders\"", "\"happiness\""), "must be one of"),
        (text.replace("leaders.storage_temp_c", "leaders.storage_temperature"), "storage_temperature"),
    ] {
        std::fs::write(&file, bad).unwrap();
        let e = sensitivity::load(&file).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains("s.toml:"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
