//! Runs started from the page: a shipped scenario with levers set, `replications` of it on
//! a thread of their own (replication `i` with the scenario's seed, so two runs pair
//! replication by replication under common random numbers), progress in simulated days,
//! the KPIs with 95 % CIs over replications, and replication 0's files (CSV, story, report).

use std::collections::VecDeque;
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, App, levers};
use crate::experiment::stats::{MeanCi, mean_ci, paired_diff_ci};
use crate::model::simulation::{RunOptions, run_with};
use crate::output::write::{atomic_write, write_run, write_trace};
use crate::output::{DayRow, N_FIGURES, PlatformRow, RUN_FIGURES, Summary, run_figures};
use crate::scenario::Scenario;

/// Runs kept (the oldest finished one makes room).
pub const MAX_RUNS: usize = 64;
/// Runs simulating at once; more are refused (503) until one ends.
pub const MAX_RUNNING: usize = 2;
/// Most replications of one run.
pub const MAX_REPLICATIONS: u64 = 20;
/// Files of a run offered for download.
pub const FILES: [&str; 9] = ["report.html", "story.md", "daily.csv", "platforms.csv", "centres.csv", "events.csv", "summary.json", "replications.csv", "kpis.csv"];

/// The runs.
#[derive(Debug)]
pub struct Runs {
    dir: PathBuf,
    inner: Mutex<RunTable>,
}

#[derive(Debug, Default)]
struct RunTable {
    next: u64,
    runs: VecDeque<Arc<Run>>,
}

/// One run.
#[derive(Debug)]
pub struct Run {
    id: u64,
    scenario: String,
    levers: serde_json::Map<String, Value>,
    replications: u64,
    days_total: u64,
    days_done: AtomicU64,
    dir: PathBuf,
    outcome: Mutex<Outcome>,
}

#[derive(Debug, Clone, Default)]
enum Outcome {
    #[default]
    Running,
    /// Figures per replication, in [`RUN_FIGURES`] order, and each figure's mean with its
    /// 95 % CI over them.
    Done(Vec<[f64; N_FIGURES]>, Vec<MeanCi>),
    Failed(String),
}

/// `POST /api/runs` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Shipped scenario name.
    pub scenario: String,
    /// Lever path → value.
    #[serde(default)]
    pub levers: serde_json::Map<String, Value>,
    /// Replications, 1 to [`MAX_REPLICATIONS`]. Default 3.
    #[serde(default = "default_replications")]
    pub replications: u64,
}

fn default_replications() -> u64 {
    3
}

impl Runs {
    /// Runs writing their files under `dir`.
    pub fn new(dir: &FsPath) -> Self {
        Runs { dir: dir.to_path_buf(), inner: Mutex::new(RunTable::default()) }
    }

    fn get(&self, field: &str, id: u64) -> Result<Arc<Run>, ApiError> {
        let t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        t.runs.iter().find(|r| r.id == id).cloned().ok_or_else(|| ApiError::not_found(field, format!("no run {id}")))
    }

    /// Keeps a new run, if there is room to simulate it.
    fn add(&self, scenario: &str, levers: serde_json::Map<String, Value>, replications: u64, days_total: u64) -> Result<Arc<Run>, ApiError> {
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if t.runs.iter().filter(|r| r.running()).count() >= MAX_RUNNING {
            return Err(ApiError::busy(format!("{MAX_RUNNING} runs are simulating; try again when one ends")));
        }
        if t.runs.len() >= MAX_RUNS
            && let Some(i) = t.runs.iter().position(|r| !r.running())
            && let Some(old) = t.runs.remove(i)
        {
            let _ = std::fs::remove_dir_all(&old.dir);
        }
        t.next += 1;
        let id = t.next;
        let run = Arc::new(Run {
            id,
            scenario: scenario.to_string(),
            levers,
            replications,
            days_total,
            days_done: AtomicU64::new(0),
            dir: self.dir.join(format!("run-{id}")),
            outcome: Mutex::new(Outcome::Running),
        });
        t.runs.push_back(run.clone());
        Ok(run)
    }
}

impl Run {
    fn outcome(&self) -> Outcome {
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn running(&self) -> bool {
        matches!(self.outcome(), Outcome::Running)
    }

    /// Simulates every replication (on this thread), writing replication 0's files.
    fn simulate(&self, sc: &Scenario) {
        let result = (|| -> Result<(Vec<[f64; N_FIGURES]>, Vec<MeanCi>), String> {
            let mut figures = Vec::new();
            for rep in 0..self.replications {
                let opts = RunOptions { trace: rep == 0, threads: 1 };
                let (report, events) = run_with(sc, sc.run.seed, rep, &opts, &mut |_, _| {
                    self.days_done.fetch_add(1, Ordering::Relaxed);
                })
                .map_err(|e| e.to_string())?;
                figures.push(run_figures(&report));
                if rep == 0 {
                    let rows = DayRow::all(&report);
                    let io = |e: std::io::Error| e.to_string();
                    write_run(&self.dir, &rows, &PlatformRow::all(&report), &Summary::new(&report)).map_err(io)?;
                    write_trace(&self.dir, &report.scenario, &rows, &events).map_err(io)?;
                }
            }
            let mut csv = format!("replication,{}\n", RUN_FIGURES.join(","));
            for (i, f) in figures.iter().enumerate() {
                csv.push_str(&format!("{i},{}\n", f.iter().map(f64::to_string).collect::<Vec<_>>().join(",")));
            }
            atomic_write(&self.dir.join("replications.csv"), csv.as_bytes()).map_err(|e| e.to_string())?;
            let cis: Vec<MeanCi> = (0..N_FIGURES).map(|i| mean_ci(&column(&figures, i), 0.95)).collect();
            let mut kpis = String::from("figure,mean,ci95_low,ci95_high,n\n");
            for (name, m) in RUN_FIGURES.iter().zip(&cis) {
                kpis.push_str(&format!("{name},{},{},{},{}\n", m.mean, m.lo, m.hi, m.n));
            }
            atomic_write(&self.dir.join("kpis.csv"), kpis.as_bytes()).map_err(|e| e.to_string())?;
            // The report, now that the headline's CIs are known.
            atomic_write(&self.dir.join("report.html"), crate::output::report::report(&self.dir)?.as_bytes()).map_err(|e| e.to_string())?;
            Ok((figures, cis))
        })();
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = match result {
            Ok((f, cis)) => Outcome::Done(f, cis),
            Err(e) => Outcome::Failed(e),
        };
    }

    fn json(&self) -> Value {
        let (status, kpis, error) = match self.outcome() {
            Outcome::Running => ("running", Value::Null, Value::Null),
            Outcome::Failed(e) => ("failed", Value::Null, Value::String(e)),
            Outcome::Done(_, cis) => {
                let k: serde_json::Map<String, Value> = RUN_FIGURES.iter().zip(&cis).map(|(name, m)| ((*name).into(), json!({ "mean": m.mean, "ci95_low": m.lo, "ci95_high": m.hi, "n": m.n }))).collect();
                ("done", Value::Object(k), Value::Null)
            }
        };
        let done = self.days_done.load(Ordering::Relaxed).min(self.days_total);
        json!({
            "run": self.id,
            "scenario": self.scenario,
            "levers": self.levers,
            "replications": self.replications,
            "status": status,
            "progress": if self.days_total > 0 { done as f64 / self.days_total as f64 } else { 1.0 },
            "days_done": done,
            "days_total": self.days_total,
            "kpis": kpis,
            "error": error,
            "files": if status == "done" { FILES.iter().map(|f| format!("/runs/{}/{f}", self.id)).collect::<Vec<_>>() } else { Vec::new() },
        })
    }
}

/// Figure `i` of every replication.
fn column(figures: &[[f64; N_FIGURES]], i: usize) -> Vec<f64> {
    figures.iter().map(|r| r[i]).collect()
}

/// `POST /api/runs`.
pub async fn start(State(app): State<Arc<App>>, req: Result<Json<RunRequest>, JsonRejection>) -> Result<Json<Value>, ApiError> {
    let req = super::body(req)?;
    if !(1..=MAX_REPLICATIONS).contains(&req.replications) {
        return Err(ApiError::bad("replications", format!("{}: from 1 to {MAX_REPLICATIONS}", req.replications)));
    }
    let shipped = app.scenario("scenario", &req.scenario)?;
    let sc = levers::apply(&shipped.text, &shipped.file, &req.levers)?;
    let run = app.runs.add(&shipped.name, req.levers, req.replications, req.replications * sc.run.horizon_days as u64)?;
    let r = run.clone();
    std::thread::Builder::new().name(format!("run-{}", run.id)).spawn(move || r.simulate(&sc)).map_err(ApiError::model)?;
    Ok(Json(run.json()))
}

/// `GET /api/runs/<id>`.
pub async fn status(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Result<Json<Value>, ApiError> {
    Ok(Json(app.runs.get("run", id)?.json()))
}

/// `GET /api/compare?a=&b=` query.
#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    /// First run (the reference).
    pub a: u64,
    /// Second run.
    pub b: u64,
}

/// `GET /api/compare`: per KPI, b − a paired by replication, with a 95 % CI.
pub async fn compare(State(app): State<Arc<App>>, q: Result<Query<CompareQuery>, axum::extract::rejection::QueryRejection>) -> Result<Json<Value>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad("query", e.body_text()))?;
    let (a, b) = (app.runs.get("a", q.a)?, app.runs.get("b", q.b)?);
    let (Outcome::Done(fa, _), Outcome::Done(fb, _)) = (a.outcome(), b.outcome()) else {
        return Err(ApiError::conflict("both runs must have finished"));
    };
    let n = fa.len().min(fb.len());
    if n < 2 {
        return Err(ApiError::bad("a", format!("paired CIs need two replications or more in both runs; they have {} and {}", fa.len(), fb.len())));
    }
    let rows: Vec<Value> = RUN_FIGURES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (xa, xb) = (column(&fa[..n], i), column(&fb[..n], i));
            let d = paired_diff_ci(&xa, &xb, 0.95);
            json!({ "figure": name, "a": mean_ci(&xa, 0.95).mean, "b": mean_ci(&xb, 0.95).mean, "diff": d.mean, "ci95_low": d.lo, "ci95_high": d.hi, "differs": d.excludes_zero() })
        })
        .collect();
    Ok(Json(json!({ "a": a.json(), "b": b.json(), "pairs": n, "paired_by": "replication (same seed and replication index: common random numbers)", "figures": rows })))
}

/// `GET /runs/<id>/<file>`: one of [`FILES`] of a finished run.
pub async fn file(State(app): State<Arc<App>>, Path((id, name)): Path<(u64, String)>) -> Result<impl IntoResponse, ApiError> {
    let run = app.runs.get("run", id)?;
    if !FILES.contains(&name.as_str()) {
        return Err(ApiError::not_found("file", format!("{name}: files are {}", FILES.join(", "))));
    }
    if run.running() {
        return Err(ApiError::conflict(format!("run {id} is still simulating")));
    }
    let bytes = tokio::fs::read(run.dir.join(&name)).await.map_err(|e| ApiError::not_found("file", format!("{name}: {e}")))?;
    let kind = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        _ => "text/markdown; charset=utf-8",
    };
    let disposition = if name.ends_with(".html") { "inline".to_string() } else { format!("attachment; filename=\"run{id}-{name}\"") };
    Ok(([(header::CONTENT_TYPE, kind.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes))
}
