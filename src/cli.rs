//! Command-line interface (clap derive): `cesim run` and `cesim validate`.
//!
//! Raw arguments ([`Cli`]) are turned into library calls here; the library never parses
//! arguments or prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use cesim::output::write::write_run;
use cesim::output::{DayRow, Summary};
use cesim::scenario;

/// Simulate community group buying (社区团购): suppliers, warehouses, cold trucks, group
/// leaders and residents, measuring churn, spoilage and cost.
#[derive(Debug, Parser)]
#[command(name = "cesim", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate one scenario and write daily.csv and summary.json.
    ///
    /// Runs replication 0 (or --replication) of the scenario over its horizon, prints the
    /// headline KPIs and writes `daily.csv` (a row per day) and `summary.json` (totals and
    /// KPIs) into --out, each replaced atomically.
    Run {
        /// Scenario file (TOML), e.g. scenarios/baseline.toml.
        scenario: PathBuf,
        /// Output folder, created if missing.
        #[arg(long, default_value = "results/run")]
        out: PathBuf,
        /// Root seed; overrides `[run] seed` of the scenario.
        #[arg(long)]
        seed: Option<u64>,
        /// Days to simulate; overrides `[run] horizon_days`. At least 1.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        days: Option<u32>,
        /// Replication index (0-based): a different, reproducible draw of every random stream.
        #[arg(long, default_value_t = 0)]
        replication: u64,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files without running them; exit 2 at the first bad one.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

/// Runs the command line; returns the exit code, or an error for `main` to print.
pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { scenario, out, seed, days, replication, quiet } => {
            run_scenario(&scenario, &out, seed, days, replication, quiet)
        }
        Command::Validate { scenarios } => {
            for path in scenarios {
                let s = scenario::load(&path)?;
                println!("{}: ok ({} products, {} grid warehouses, {} days)", path.display(), s.products.len(), s.grid_warehouses.len(), s.run.horizon_days);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_scenario(path: &Path, out: &Path, seed: Option<u64>, days: Option<u32>, replication: u64, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut sc = scenario::load(path)?;
    if let Some(d) = days {
        sc.run.horizon_days = d;
    }
    let seed = seed.unwrap_or(sc.run.seed);
    let started = std::time::Instant::now();
    let report = cesim::model::run(&sc, seed, replication).with_context(|| format!("simulating {}", path.display()))?;
    let elapsed = started.elapsed();
    let rows = DayRow::all(&report);
    let summary = Summary::new(&report);
    write_run(out, &rows, &summary).with_context(|| format!("writing results to {}", out.display()))?;
    if !quiet {
        print_summary(&summary, out, elapsed)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &Summary, out: &Path, elapsed: std::time::Duration) -> std::io::Result<()> {
    let k = &s.kpis;
    let t = &s.totals;
    let mut o = std::io::stdout().lock();
    writeln!(o, "scenario {} — seed {}, replication {}, {} days, {} residents ({:.2} s)", s.scenario, s.seed, s.replication, s.days, s.residents_initial, elapsed.as_secs_f64())?;
    writeln!(o, "  churn rate            {:>10.2} %   ({} of {} residents)", 100.0 * k.churn_rate, t.churned, s.residents_initial)?;
    writeln!(o, "  spoilage rate         {:>10.2} %   ({} of {} units procured)", 100.0 * k.spoilage_rate, t.spoiled_total, t.units_procured)?;
    writeln!(o, "  cost per order        {:>10.2} yuan", k.cost_per_order_yuan)?;
    writeln!(o, "  fulfilment per order  {:>10.2} yuan (transport + warehousing)", k.fulfilment_cost_per_order_yuan)?;
    writeln!(o, "  fill rate             {:>10.2} %", 100.0 * k.fill_rate)?;
    writeln!(o, "  defective handed over {:>10.2} %", 100.0 * k.defect_rate)?;
    writeln!(o, "  profit                {:>10.0} yuan (net margin {:.1} %)", k.profit_yuan, 100.0 * k.net_margin)?;
    let stages: Vec<String> = t.spoiled_by_stage.iter().map(|(n, u)| format!("{n} {u}")).collect();
    writeln!(o, "  spoiled by stage      {}", stages.join(", "))?;
    writeln!(o, "wrote {}/daily.csv and {}/summary.json", out.display(), out.display())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_flags_parse() {
        let cli = Cli::try_parse_from(["cesim", "run", "s.toml", "--out", "/tmp/x", "--seed", "7", "--days", "3"]).unwrap();
        match cli.command {
            Command::Run { seed, days, out, .. } => {
                assert_eq!((seed, days), (Some(7), Some(3)));
                assert_eq!(out, PathBuf::from("/tmp/x"));
            }
            _ => panic!("wrong command"),
        }
    }

    #[test]
    fn zero_days_is_refused() {
        assert!(Cli::try_parse_from(["cesim", "run", "s.toml", "--days", "0"]).is_err());
    }

    #[test]
    fn validate_needs_a_file() {
        assert!(Cli::try_parse_from(["cesim", "validate"]).is_err());
    }
}
