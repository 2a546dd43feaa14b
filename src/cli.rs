//! Command-line interface (clap derive): `cesim run`, `validate`, `sweep`, `merge`, `compare`.
//!
//! Raw arguments ([`Cli`]) are turned into library calls here; the library never parses
//! arguments or prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use cesim::experiment::compare::compare;
use cesim::experiment::runner::{Shard, SweepOptions, merge, run_sweep};
use cesim::experiment::sweep;
use cesim::output::write::{atomic_write, write_run};
use cesim::output::{DayRow, PlatformRow, Summary};
use cesim::scenario;

/// Simulate community group buying (社区团购): suppliers, warehouses, cold trucks, group
/// leaders and residents, measuring churn, spoilage and cost.
#[derive(Debug, Parser)]
#[command(name = "cesim", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest estimated memory a run may take, GiB (default: 80 % of this machine's);
    /// bigger populations are refused up front with the estimate.
    #[arg(long, global = true)]
    max_memory_gib: Option<f64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the classroom's web app: runs with levers, reports, comparisons, the buyer's game.
    ///
    /// Open the address it prints in a browser. Bound to 127.0.0.1 (this machine only)
    /// unless --host says otherwise (e.g. 0.0.0.0 for a classroom's network). Nothing is
    /// fetched from the internet.
    Serve {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to bind: 127.0.0.1 (default) serves this machine only.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Folder of the scenarios offered (every *.toml in it).
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Folder where runs write their files (default: a folder in the system's temp).
        #[arg(long)]
        work: Option<PathBuf>,
    },
    /// Simulate one scenario and write daily.csv, platforms.csv, centres.csv and summary.json.
    ///
    /// Runs replication 0 (or --replication) of the scenario over its horizon, prints the
    /// headline KPIs and writes `daily.csv` (a row per day, market totals), `platforms.csv`
    /// (a row per day and platform), `centres.csv` (totals per central warehouse) and
    /// `summary.json` (totals and KPIs) into --out, each
    /// replaced atomically.
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
        /// Also write report.html (charts) beside the CSV files.
        #[arg(long)]
        report: bool,
        /// Also write events.csv (notable events) and story.md (the run, day by day).
        #[arg(long)]
        trace: bool,
        /// Threads for the passes over residents (default: all cores); outputs are
        /// byte-identical for any number.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        threads: Option<u16>,
    },
    /// Write a self-contained HTML report (inline SVG charts) of an output folder.
    ///
    /// Works on the folder of `run` (daily.csv, platforms.csv, summary.json), `sweep`
    /// (summary.csv), `compare` (compare.csv), `paper` (claims.csv) or `sensitivity`
    /// (sensitivity.csv). Opens offline.
    Report {
        /// Output folder of run, sweep, compare or paper.
        dir: PathBuf,
        /// HTML file to write (default: DIR/report.html).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check scenario files without running them; exit 2 at the first bad one.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Run a parameter sweep: points × replications in parallel, resumable.
    ///
    /// Writes runs.csv (a row per run), summary.csv (a row per point and figure, with a
    /// 95 % CI) and, with --daily, a tidy daily.csv into --out. Rerunning the same command
    /// into the same folder skips finished runs (after a crash or kill too); a changed
    /// sweep file is refused. Outputs are byte-identical for any --jobs.
    Sweep {
        /// Sweep file (TOML), e.g. scenarios/sweeps/multi_sourcing_share.toml.
        sweep: PathBuf,
        /// Output folder, created if missing.
        #[arg(long, default_value = "results/sweep")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run only slice i of N (1-based), e.g. 3/8; combine the folders with `cesim merge`.
        #[arg(long)]
        shard: Option<Shard>,
        /// Also write daily.csv: run, point, replication, day, metric, value.
        #[arg(long)]
        daily: bool,
    },
    /// Combine the shard folders of one sweep into the files one process would have written.
    Merge {
        /// Shard output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Reproduce the paper's claims: every problem (§4) and remedy (§5) as a paired comparison.
    ///
    /// Runs the scenarios of scenarios/paper/ with --reps replications each under common
    /// random numbers, prints the claims table (claim, section, scenarios, KPI, expected
    /// direction, mean effect, 95 % CI, holds) and writes claims.csv and README.md into --out.
    Paper {
        /// Replications per scenario.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=10_000))]
        reps: u32,
        /// A quick run for checks and the test suite: the same claims and factorial designs,
        /// robustness at 16 points × 1 replication instead of 64 × 2 (its verdicts are the full
        /// run's; its robust shares are rough); default --out results/paper-quick.
        #[arg(long)]
        quick: bool,
        /// Output folder (default results/paper; results/paper-quick with --quick).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Folder of the claim scenarios.
        #[arg(long, default_value = "scenarios/paper")]
        scenarios: PathBuf,
        /// Root seed.
        #[arg(long, default_value_t = 20260101)]
        seed: u64,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Global sensitivity analysis (Morris screening or Sobol indices) over input ranges.
    ///
    /// Builds the design of the file (`method = "morris"` or `"sobol"`, `[ranges]` of
    /// dotted paths, `figures`), runs its points on the sweep runner into --out (parallel,
    /// resumable, shards; common random numbers across points) and writes
    /// `sensitivity.csv`: μ, μ*, its 95 % CI and σ per figure and input (morris), or S1 and
    /// ST with 95 % CIs (sobol).
    Sensitivity {
        /// Sensitivity file (TOML).
        file: PathBuf,
        /// Output folder, created if missing.
        #[arg(long, default_value = "results/sensitivity")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run only slice i of N (1-based); merge the folders, then rerun without --shard to analyse.
        #[arg(long)]
        shard: Option<Shard>,
    },
    /// Find the best decision under uncertainty, with a statistical guarantee.
    ///
    /// Decisions (dotted paths: ranges, integers, categories, shares summing to one), an
    /// objective (a figure's mean or CVaR) and chance constraints come from the file; the
    /// search is a Latin hypercube, then shrinking local boxes, then Kim–Nelson ranking and
    /// selection among the finalists (two objectives: their Pareto front). Writes best.toml,
    /// best.csv (fresh replications), candidates.csv (and pareto.csv, pareto/), report.html.
    Optimize {
        /// Optimisation file (TOML), e.g. scenarios/optimize/forecasting_buffer.toml.
        file: PathBuf,
        /// Output folder, created if missing.
        #[arg(long, default_value = "results/optimize")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Run as shard i of N (1-based): start N processes on the same --out folder (shared
        /// by every machine); each simulates its share of every batch and reads the others'
        /// runs from their journals; shard 1 writes the outputs.
        #[arg(long)]
        shard: Option<Shard>,
    },
    /// Fit parameters to known figures (simulated method of moments), with 90 % ranges.
    ///
    /// Targets (figures with an observed value, its sd and source) and free parameters
    /// (dotted paths with prior ranges) come from the file. Writes calibrated.toml,
    /// parameters.csv (estimate, 90 % interval, identified) and fit.csv.
    Calibrate {
        /// Calibration file (TOML), e.g. scenarios/calibration/baseline.toml.
        file: PathBuf,
        /// Output folder, created if missing.
        #[arg(long, default_value = "results/calibrate")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Instead of calibrating, check the ranges' honesty: calibrate on K synthetic truths
        /// generated by the model (with the targets' stated uncertainty) and report how often
        /// the 90 % ranges hold the truth (coverage.csv).
        #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(2..=10_000))]
        coverage: Option<u32>,
    },
    /// Compare two scenarios pairwise under common random numbers, figure by figure.
    ///
    /// Runs --reps replications of each (replication r of both uses the same random
    /// streams, seeded from A's [run] seed or --seed) and reports for every figure the mean
    /// difference B − A, its 95 % CI, the p-value and whether it is significant.
    Compare {
        /// Scenario A (the reference).
        a: PathBuf,
        /// Scenario B.
        b: PathBuf,
        /// Replications of each.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=100_000))]
        reps: u32,
        /// Root seed (default: A's `[run] seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Also write compare.csv into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Runs the command line; returns the exit code, or an error for `main` to print.
pub(crate) fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if let Some(g) = cli.max_memory_gib {
        cesim::model::footprint::set_limit_bytes((g.max(0.0) * (1u64 << 30) as f64) as u64);
    }
    match cli.command {
        Command::Run { scenario, out, seed, days, replication, quiet, report, trace, threads } => {
            let options = cesim::model::RunOptions { trace, threads: jobs_or_all(threads.map(usize::from)) };
            run_scenario(&scenario, &out, seed, days, replication, quiet, report, &options)
        }
        Command::Report { dir, out } => {
            let html = cesim::output::report::report(&dir).map_err(|m| anyhow::anyhow!(m))?;
            let path = out.unwrap_or_else(|| dir.join("report.html"));
            atomic_write(&path, html.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {} ({} charts)", path.display(), html.matches("<svg").count());
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { sweep, out, jobs, shard, daily } => run_sweep_cmd(&sweep, &out, jobs, shard, daily),
        Command::Merge { dirs, out } => {
            let runs = merge(&dirs, &out)?;
            println!("merged {} folders: {runs} runs into {}/runs.csv and summary.csv", dirs.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Paper { reps, quick, out, scenarios, seed, jobs } => {
            let reps = reps as usize;
            let out = out.unwrap_or_else(|| PathBuf::from(if quick { "results/paper-quick" } else { "results/paper" }));
            paper_cmd(reps, quick, &out, &scenarios, seed, jobs)
        }
        Command::Sensitivity { file, out, jobs, shard } => sensitivity_cmd(&file, &out, jobs, shard),
        Command::Optimize { file, out, jobs, shard } => optimize_cmd(&file, &out, jobs, shard),
        Command::Serve { port, host, scenarios, work } => {
            let work = work.unwrap_or_else(|| std::env::temp_dir().join(format!("cesim-serve-{}", std::process::id())));
            cesim::server::serve(&cesim::server::Options { host, port, scenarios, work })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Calibrate { file, out, jobs, coverage } => calibrate_cmd(&file, &out, jobs, coverage),
        Command::Compare { a, b, reps, seed, jobs, out } => compare_cmd(&a, &b, reps as usize, seed, jobs, out.as_deref()),
        Command::Validate { scenarios } => {
            for path in scenarios {
                let s = load(&path)?;
                print_warnings(&s, &path);
                println!("{}: ok ({} products, {} grid warehouses, {} days)", path.display(), s.products.len(), s.grid_warehouses.len(), s.run.horizon_days);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints, on stderr, a warning for every field written in `path` that cannot act.
fn print_warnings(sc: &scenario::Scenario, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for w in scenario::warnings::written(scenario::warnings::warnings(sc), &text) {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// Loads a scenario and refuses, at its first `leaders` field, a population over the
/// memory limit.
fn load(path: &Path) -> Result<scenario::Scenario, scenario::ScenarioError> {
    let sc = scenario::load(path)?;
    if let Err(allowed) = cesim::model::footprint::check(&sc) {
        use scenario::validate::Seg;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let (line, column) = scenario::locate(&text, &[Seg::Key("grid_warehouses".into()), Seg::Index(0), Seg::Key("leaders".into())]);
        let leaders: u64 = sc.grid_warehouses.iter().map(|g| g.leaders as u64).sum();
        return Err(scenario::ScenarioError::Invalid {
            file: path.display().to_string(),
            line,
            column,
            field: "grid_warehouses[*].leaders × leaders.households_mean".into(),
            value: format!("{leaders} × {}", sc.leaders.households_mean),
            allowed,
        });
    }
    Ok(sc)
}

#[allow(clippy::too_many_arguments)]
fn run_scenario(path: &Path, out: &Path, seed: Option<u64>, days: Option<u32>, replication: u64, quiet: bool, html: bool, options: &cesim::model::RunOptions) -> anyhow::Result<ExitCode> {
    let mut sc = load(path)?;
    if !quiet {
        print_warnings(&sc, path);
    }
    if let Some(d) = days {
        sc.run.horizon_days = d;
    }
    let seed = seed.unwrap_or(sc.run.seed);
    let started = std::time::Instant::now();
    // A progress bar over simulated days, on a terminal only.
    let bar = if quiet { None } else { progress_bar(sc.run.horizon_days as u64, "{bar:40} day {pos}/{len}  {per_sec}  {eta} left") };
    let trace = options.trace;
    let (report, events) = cesim::model::run_with(&sc, seed, replication, options, &mut |done, _| {
        if let Some(b) = &bar {
            b.set_position(done);
        }
    })
    .with_context(|| format!("simulating {}", path.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let rows = DayRow::all(&report);
    let summary = Summary::new(&report);
    write_run(out, &rows, &PlatformRow::all(&report), &summary).with_context(|| format!("writing results to {}", out.display()))?;
    if trace {
        cesim::output::write::write_trace(out, &report.scenario, &rows, &events).with_context(|| format!("writing the trace to {}", out.display()))?;
    }
    if html {
        let page = cesim::output::report::report(out).map_err(|m| anyhow::anyhow!(m))?;
        atomic_write(&out.join("report.html"), page.as_bytes())?;
    }
    if !quiet {
        print_summary(&summary, out, elapsed)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar of `len` steps with `template`, when stderr is a terminal.
fn progress_bar(len: u64, template: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(len);
        b.set_style(indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
        b
    })
}

fn jobs_or_all(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

fn run_sweep_cmd(path: &Path, out: &Path, jobs: Option<usize>, shard: Option<Shard>, daily: bool) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let sw = sweep::load(path)?;
    let jobs = jobs_or_all(jobs);
    let opts = SweepOptions { jobs, shard, daily };
    eprintln!(
        "sweep {}: {} points × {} replications = {} runs{}, {jobs} jobs, into {}",
        path.display(),
        sw.points.len(),
        sw.replications,
        sw.runs(),
        shard.map(|s| format!(" (shard {s})")).unwrap_or_default(),
        out.display()
    );
    let started = std::time::Instant::now();
    let outcome = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let r = run_sweep(&sw, out, &opts, &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        });
        bar.finish_and_clear();
        r?
    } else {
        // Not a terminal: a plain line about every 10 % of the runs.
        let mut last = 0;
        run_sweep(&sw, out, &opts, &mut |done, total| {
            let step = (total / 10).max(1);
            if done == total || done >= last + step {
                last = done;
                eprintln!("{done}/{total} runs ({:.0} s)", started.elapsed().as_secs_f64());
            }
        })?
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} runs simulated, {} already done, in {:.1} s ({:.1} runs/s)",
        outcome.ran,
        outcome.skipped,
        secs,
        outcome.ran as f64 / secs.max(1e-9)
    );
    if outcome.finalized {
        println!("wrote {0}/runs.csv and {0}/summary.csv{1}", out.display(), if daily { format!(" and {}/daily.csv", out.display()) } else { String::new() });
    } else {
        println!("shard done; combine all shard folders with: cesim merge DIR... --out DIR");
    }
    Ok(ExitCode::SUCCESS)
}

fn sensitivity_cmd(path: &Path, out: &Path, jobs: Option<usize>, shard: Option<Shard>) -> anyhow::Result<ExitCode> {
    use cesim::experiment::sensitivity;
    let study = sensitivity::load(path)?;
    let opts = SweepOptions { jobs: jobs_or_all(jobs), shard, daily: false };
    eprintln!("sensitivity {}: {} inputs, {} points × {} replications = {} runs, into {}", path.display(), study.ranges.len(), study.sweep.points.len(), study.sweep.replications, study.sweep.runs(), out.display());
    let started = std::time::Instant::now();
    let outcome = run_sweep(&study.sweep, out, &opts, &mut |_, _| {})?;
    if !outcome.finalized {
        println!("shard done; merge the shard folders with `cesim merge`, then rerun this command on the merged folder to analyse");
        return Ok(ExitCode::SUCCESS);
    }
    let csv = sensitivity::analyse(out, &study)?;
    atomic_write(&out.join("sensitivity.csv"), &csv)?;
    print!("{}", String::from_utf8_lossy(&csv));
    println!("{} runs ({} already done) in {:.1} s; wrote {}/sensitivity.csv", outcome.ran, outcome.skipped, started.elapsed().as_secs_f64(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn optimize_cmd(path: &Path, out: &Path, jobs: Option<usize>, shard: Option<Shard>) -> anyhow::Result<ExitCode> {
    use cesim::experiment::optimize;
    let started = std::time::Instant::now();
    let study = optimize::load(path)?;
    let p = &study.problem;
    let fresh = p.replications.max(10);
    let measured = if p.second.is_some() { study.front_points + 1 } else { 1 };
    let bar = progress_bar((p.budget_runs + measured * fresh) as u64, "{bar:40} {pos}/{len} runs  {per_sec}  {eta} left");
    let journal_file = out.join(shard.map_or("journal.csv".to_string(), |s| format!("journal-{}of{}.csv", s.index, s.count)));
    let mut journal = optimize::journal::Journal::open(&journal_file, &study.fingerprint, study.columns.len(), cesim::output::RUN_FIGURES.len())?;
    if journal.found > 0 {
        eprintln!("resuming: {} runs found in {}", journal.found, out.display());
    }
    let finished = optimize::run(&study, jobs_or_all(jobs), fresh, shard, Some(&mut journal), &mut |done| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let (o, validation) = (&finished.outcome, &finished.validation);
    if let Some(s) = shard.filter(|s| s.index > 1) {
        println!("shard {s} done ({} runs of the search's {} journalled in {}); shard 1 writes the outputs", journal.written, o.runs, journal_file.display());
        return Ok(ExitCode::SUCCESS);
    }
    let best = &o.candidates[o.chosen];
    let g = &o.guarantee;
    let name = |j: usize| cesim::output::RUN_FIGURES[j];
    let objective = name(p.objective);
    let decision: Vec<String> = study.assignments(&best.x).iter().map(|(k, v)| format!("{k} = {v}")).collect();
    let guarantee = if let Some(s) = &p.second {
        format!(
            "two objectives ({objective}, {}): a front of {} decisions, none better on both; this is its compromise (nearest the front's ideal point, each objective scaled to the front's range); no single best, so no selection guarantee",
            name(s.figure),
            o.front.len()
        )
    } else if g.reached {
        format!(
            "with probability ≥ {:.0} % it is within δ = {:.4} of the best of {} finalists (Kim–Nelson, {} replications)",
            100.0 * g.confidence,
            g.delta,
            g.finalists,
            g.reps
        )
    } else {
        format!("the budget ended with finalists still within δ = {:.4} of each other: no selection guarantee; more budget_runs would give one", g.delta)
    };
    let fresh_mean = |j: usize| validation.iter().map(|y| y[j]).sum::<f64>() / validation.len().max(1) as f64;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let header = format!(
        "# cesim optimize {}: the chosen decision ({}), written into the base scenario.\n# {objective}: {:.4} on the search's replications, {:.4} on {} fresh ones; {guarantee}.",
        path.display(),
        decision.join(", "),
        best.estimate(p),
        fresh_mean(p.objective),
        validation.len()
    );
    atomic_write(&out.join("best.toml"), optimize::best_toml(&study, &best.x, &header)?.as_bytes())?;
    atomic_write(&out.join("best.csv"), &optimize::best_csv(validation))?;
    atomic_write(&out.join("candidates.csv"), &optimize::candidates_csv(&study, o))?;
    if let Some(s) = &p.second {
        atomic_write(&out.join("pareto.csv"), &optimize::pareto_csv(&study, &finished))?;
        std::fs::create_dir_all(out.join("pareto")).with_context(|| format!("creating {}", out.join("pareto").display()))?;
        for (k, (c, ys)) in finished.front.iter().enumerate() {
            let x = &o.candidates[*c].x;
            let mean = |j: usize| ys.iter().map(|y| y[j]).sum::<f64>() / ys.len().max(1) as f64;
            let said: Vec<String> = study.assignments(x).iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let header = format!(
                "# cesim optimize {}: point {k} of the Pareto front ({}), written into the base scenario.\n# On {} fresh replications: {objective} {:.4}, {} {:.4}.",
                path.display(),
                said.join(", "),
                ys.len(),
                mean(p.objective),
                name(s.figure),
                mean(s.figure)
            );
            atomic_write(&out.join("pareto").join(format!("point_{k:02}.toml")), optimize::best_toml(&study, x, &header)?.as_bytes())?;
        }
    }
    atomic_write(&out.join("report.html"), cesim::output::report::report(out).map_err(|m| anyhow::anyhow!(m))?.as_bytes())?;
    println!("best: {}", decision.join(", "));
    println!("{objective}: {:.4} (search), {:.4} (mean of {} fresh replications)", best.estimate(p), fresh_mean(p.objective), validation.len());
    if let Some(s) = &p.second {
        println!("{}: {:.4} (mean of {} fresh replications)", name(s.figure), fresh_mean(s.figure), validation.len());
        println!("front ({} of {} members on fresh replications; pareto.csv, pareto/point_NN.toml):", finished.front.len(), o.front.len());
        for (k, (_, ys)) in finished.front.iter().enumerate() {
            let mean = |j: usize| ys.iter().map(|y| y[j]).sum::<f64>() / ys.len().max(1) as f64;
            println!("  point {k:2}: {objective} {:.4}, {} {:.4}", mean(p.objective), name(s.figure), mean(s.figure));
        }
    }
    for c in &p.constraints {
        let k = validation.iter().filter(|y| c.at_most.is_none_or(|b| y[c.figure] <= b) && c.at_least.is_none_or(|b| y[c.figure] >= b)).count();
        println!("constraint {}: met in {k} of {} fresh replications (wanted ≥ {:.0} %)", name(c.figure), validation.len(), 100.0 * c.confidence);
    }
    println!("guarantee: {guarantee}");
    let front_files = if p.second.is_some() { ", pareto.csv, pareto/" } else { "" };
    println!(
        "{} candidates, {} runs (+{} fresh), {:.0} s; wrote {}/best.toml, best.csv, candidates.csv{front_files}, report.html",
        o.candidates.len(),
        o.runs,
        finished.front.len().max(1) * validation.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn calibrate_cmd(path: &Path, out: &Path, jobs: Option<usize>, coverage: Option<u32>) -> anyhow::Result<ExitCode> {
    use cesim::experiment::calibrate;
    let started = std::time::Instant::now();
    let cal = calibrate::load(path)?;
    if let Some(k) = coverage {
        let rows = calibrate::coverage_study(&cal, k as usize, jobs_or_all(jobs))?;
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        atomic_write(&out.join("coverage.csv"), &calibrate::coverage::csv(&rows))?;
        println!("coverage of the 90 % ranges over {k} synthetic truths ({}):", match cal.method {
            calibrate::Method::Smm => "simulated method of moments",
            calibrate::Method::Abc { .. } => "ABC-SMC",
        });
        for (p, n, covered, (lo, hi)) in calibrate::coverage::summary(&rows) {
            let share = if n > 0 { format!("{:.0} %", 100.0 * covered as f64 / n as f64) } else { "—".into() };
            println!("  {p:<40} {covered} of {n} identified truths covered: {share} (95 % [{:.0} %, {:.0} %])", 100.0 * lo, 100.0 * hi);
        }
        println!("{:.0} s; wrote {}/coverage.csv", started.elapsed().as_secs_f64(), out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let fresh = cal.replications.max(8);
    let done = calibrate::run(&cal, jobs_or_all(jobs), fresh)?;
    let (estimates, fits, runs) = (&done.estimates, &done.fits, done.runs);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let shown: Vec<String> = estimates.iter().map(|e| format!("{} = {:.4} [{:.4}, {:.4}]", e.path, e.estimate, e.low, e.high)).collect();
    let header = format!("# cesim calibrate {}: the base with the estimates written in ({}; 90 % ranges).", path.display(), shown.join(", "));
    atomic_write(&out.join("calibrated.toml"), calibrate::calibrated_toml(&cal, estimates, &header)?.as_bytes())?;
    atomic_write(&out.join("parameters.csv"), &calibrate::parameters_csv(&cal, estimates))?;
    atomic_write(&out.join("fit.csv"), &calibrate::fit_csv(&cal, fits))?;
    if let Some(p) = &done.posterior {
        atomic_write(&out.join("posterior.csv"), &calibrate::posterior_csv(&cal, p))?;
        println!(
            "ABC-SMC: {} particles after {} generations; {}; posterior.csv",
            p.particles.len(),
            p.generations,
            if p.exact {
                format!("tolerance down to {:.3} (χ²₀.₉), then a generation under the targets' normal error model: a posterior sample", p.epsilon_min)
            } else {
                format!("the budget ended at tolerance {:.3} (aim {:.3}, then a generation under the error model): more budget_runs would sharpen it", p.epsilon, p.epsilon_min)
            }
        );
    }
    for e in estimates {
        println!("{:<40} {:>12.4}  90 % [{:.4}, {:.4}]{}", e.path, e.estimate, e.low, e.high, if e.identified { "" } else { "  NOT IDENTIFIED by these targets" });
    }
    for f in fits {
        println!("{:<24} observed {:>14.4} ± {:<10.4} simulated {:>14.4} [{:.4}, {:.4}] {}", f.target, f.observed, f.sd, f.simulated, f.ci95_low, f.ci95_high, if f.within { "within" } else { "OFF" });
    }
    atomic_write(&out.join("report.html"), cesim::output::report::report(out).map_err(|m| anyhow::anyhow!(m))?.as_bytes())?;
    println!("{runs} runs, {:.0} s; wrote {}/calibrated.toml, parameters.csv, fit.csv, report.html", started.elapsed().as_secs_f64(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn paper_cmd(reps: usize, quick: bool, out: &Path, dir: &Path, seed: u64, jobs: Option<usize>) -> anyhow::Result<ExitCode> {
    use cesim::experiment::paper;
    let started = std::time::Instant::now();
    let size = if quick { paper::ROBUST_QUICK } else { paper::ROBUST_FULL };
    let mut results = paper::run_claims(dir, reps, seed, None, jobs_or_all(jobs))?;
    let claims: Vec<paper::Claim> = results.iter().map(|r| r.claim.clone()).collect();
    for (r, robust) in results.iter_mut().zip(paper::robust_shares(&claims, dir, seed, jobs_or_all(jobs), size)?) {
        r.robust = robust;
    }
    let mut o = std::io::stdout().lock();
    writeln!(o, "{:<34} {:<12} {:<10} {:>14} {:>30}  holds  robust", "claim", "section", "expected", "mean effect", "95 % CI")?;
    for r in &results {
        writeln!(
            o,
            "{:<34} {:<12} {:<10} {:>14.4} {:>30}  {:<5}  {}",
            r.claim.id,
            r.claim.section,
            r.claim.expect.text(),
            r.ci.mean,
            format!("[{:.4}, {:.4}]", r.ci.lo, r.ci.hi),
            if r.holds { "yes" } else { "NO" },
            r.robust.as_ref().map_or("—".to_string(), |x| format!("{:.0} %", 100.0 * x.share))
        )?;
    }
    let held = results.iter().filter(|r| r.holds).count();
    writeln!(o, "{held} of {} claims hold ({reps} replications, seed {seed}, {:.0} s)", results.len(), started.elapsed().as_secs_f64())?;
    let side = paper::run_side_findings(dir, reps, seed, jobs_or_all(jobs))?;
    writeln!(o, "side findings:")?;
    for r in &side {
        writeln!(o, "  {:<32} mean {:.4} [{:.4}, {:.4}] {}", r.claim.id, r.ci.mean, r.ci.lo, r.ci.hi, if r.holds { "holds" } else { "does not hold" })?;
    }
    let terms = paper::factorials(&claims, dir, reps, seed, jobs_or_all(jobs))?;
    writeln!(o, "levers apart (2 × 2 factorial designs, {reps} paired replications):")?;
    for t in &terms {
        writeln!(o, "  {:<34} {:<52} {:>14.4} [{:.4}, {:.4}]", t.claim, t.term, t.ci.mean, t.ci.lo, t.ci.hi)?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    atomic_write(&out.join("claims.csv"), &paper::claims_csv(&results, reps, seed))?;
    atomic_write(&out.join("factorial.csv"), &paper::factorial_csv(&terms, &claims, reps, seed))?;
    let command = format!("cargo run --release -- paper{} --reps {reps} --seed {seed} --out {}", if quick { " --quick" } else { "" }, out.display());
    atomic_write(&out.join("README.md"), paper::claims_markdown(&results, &side, &terms, reps, seed, &command, size).as_bytes())?;
    writeln!(o, "wrote {0}/claims.csv, {0}/factorial.csv and {0}/README.md", out.display())?;
    Ok(ExitCode::SUCCESS)
}

fn compare_cmd(a: &Path, b: &Path, reps: usize, seed: Option<u64>, jobs: Option<usize>, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let sa = load(a)?;
    let sb = load(b)?;
    let seed = seed.unwrap_or(sa.run.seed);
    let rows = compare(&sa, &sb, reps, seed, jobs_or_all(jobs))?;
    let mut o = std::io::stdout().lock();
    writeln!(o, "A = {}, B = {}: {reps} paired replications, seed {seed}", a.display(), b.display())?;
    writeln!(o, "{:<32} {:>14} {:>14} {:>14} {:>26} {:>9}  sig", "figure", "mean A", "mean B", "B − A", "95 % CI", "p")?;
    for r in &rows {
        writeln!(
            o,
            "{:<32} {:>14.6} {:>14.6} {:>14.6} {:>26} {:>9.4}  {}",
            r.figure,
            r.mean_a,
            r.mean_b,
            r.diff.mean,
            format!("[{:.6}, {:.6}]", r.diff.lo, r.diff.hi),
            r.p_value,
            if r.significant() { "yes" } else { "no" }
        )?;
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["figure", "a", "b", "reps", "seed", "mean_a", "mean_b", "diff", "ci95_low", "ci95_high", "p_value", "significant"])?;
        for r in &rows {
            w.write_record([
                r.figure.to_string(),
                a.display().to_string(),
                b.display().to_string(),
                reps.to_string(),
                seed.to_string(),
                r.mean_a.to_string(),
                r.mean_b.to_string(),
                r.diff.mean.to_string(),
                r.diff.lo.to_string(),
                r.diff.hi.to_string(),
                r.p_value.to_string(),
                r.significant().to_string(),
            ])?;
        }
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        atomic_write(&dir.join("compare.csv"), &bytes)?;
        writeln!(o, "wrote {}/compare.csv", dir.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &Summary, out: &Path, elapsed: std::time::Duration) -> std::io::Result<()> {
    let k = &s.kpis;
    let t = &s.totals;
    let mut o = std::io::stdout().lock();
    let warm = if s.warmup_days > 0 { format!(" after {} warm-up days", s.warmup_days) } else { String::new() };
    writeln!(o, "scenario {} — seed {}, replication {}, {} days{warm}, {} residents ({:.2} s)", s.scenario, s.seed, s.replication, s.days, s.residents_initial, elapsed.as_secs_f64())?;
    writeln!(o, "  churn rate (gross)    {:>10.2} %   (left the market, of {} residents who were customers)", 100.0 * k.churn_rate, s.residents_exposed)?;
    writeln!(o, "  churn rate (net)      {:>10.2} %   (still gone at the end)", 100.0 * k.churn_rate_net)?;
    writeln!(o, "  spoilage rate         {:>10.2} %   ({} of {} units procured)", 100.0 * k.spoilage_rate, t.spoiled_total, t.units_procured)?;
    writeln!(o, "  cost per order        {:>10.2} yuan", k.cost_per_order_yuan)?;
    writeln!(o, "  fulfilment per order  {:>10.2} yuan (transport + warehousing)", k.fulfilment_cost_per_order_yuan)?;
    writeln!(o, "  fill rate             {:>10.2} %", 100.0 * k.fill_rate)?;
    writeln!(o, "  defective handed over {:>10.2} %", 100.0 * k.defect_rate)?;
    writeln!(o, "  profit                {:>10.0} yuan (net margin {:.1} %)", k.profit_yuan, 100.0 * k.net_margin)?;
    let stages: Vec<String> = t.spoiled_by_stage.iter().map(|(n, u)| format!("{n} {u}")).collect();
    writeln!(o, "  spoiled by stage      {}", stages.join(", "))?;
    if s.platforms.len() > 1 {
        for p in &s.platforms {
            writeln!(
                o,
                "  {:<20} share {:>5.1} %  churn {:>5.2} %  margin {:>6.1} %  price index {:.3}  refund lead {:.0} h",
                p.name,
                100.0 * p.market_share,
                100.0 * p.churn_rate,
                100.0 * p.margin,
                p.price_index,
                p.refund_lead_time_hours
            )?;
        }
    }
    let churn: Vec<String> = s.platforms.iter().flat_map(|p| p.churn_by_cause.iter()).fold(Vec::<(String, u64)>::new(), |mut acc, (n, c)| {
        match acc.iter_mut().find(|(m, _)| m == n) {
            Some(x) => x.1 += c,
            None => acc.push((n.clone(), *c)),
        }
        acc
    }).iter().map(|(n, c)| format!("{n} {c}")).collect();
    writeln!(o, "  churn by cause        {}", churn.join(", "))?;
    writeln!(o, "wrote {0}/daily.csv, {0}/platforms.csv, {0}/centres.csv and {0}/summary.json", out.display())?;
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
        let cli = Cli::try_parse_from(["cesim", "run", "s.toml", "--report", "--trace"]).unwrap();
        assert!(matches!(cli.command, Command::Run { report: true, trace: true, .. }));
    }

    #[test]
    fn zero_days_is_refused() {
        assert!(Cli::try_parse_from(["cesim", "run", "s.toml", "--days", "0"]).is_err());
    }

    #[test]
    fn sweep_flags_parse() {
        let cli = Cli::try_parse_from(["cesim", "sweep", "s.toml", "--jobs", "2", "--shard", "2/4", "--daily"]).unwrap();
        match cli.command {
            Command::Sweep { jobs, shard, daily, .. } => {
                assert_eq!((jobs, daily), (Some(2), true));
                assert_eq!(shard, Some(Shard { index: 2, count: 4 }));
            }
            _ => panic!("wrong command"),
        }
        assert!(Cli::try_parse_from(["cesim", "sweep", "s.toml", "--shard", "5/4"]).is_err());
        assert!(Cli::try_parse_from(["cesim", "sweep", "s.toml", "--shard", "0/4"]).is_err());
        assert!(Cli::try_parse_from(["cesim", "compare", "a.toml", "b.toml", "--reps", "1"]).is_err());
    }

    #[test]
    fn validate_needs_a_file() {
        assert!(Cli::try_parse_from(["cesim", "validate"]).is_err());
    }
}
