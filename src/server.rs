//! `cesim serve`: the classroom's web app, on axum (tokio), bound to loopback unless asked.
//!
//! Pages (no asset is fetched from the internet; the pages, their CSS and script are in
//! the binary): `/` picks a shipped scenario, sets its main levers in a form built from the
//! lever table ([`levers`]), runs it with progress, shows the report, compares two runs and
//! offers the CSV files; `/play` is the purchasing game ([`game`]).
//!
//! JSON API (errors are `{"error": message, "field": name}` with a 4xx status):
//! ```text
//! GET  /api/scenarios                  shipped scenarios with their levers
//! POST /api/runs                       {"scenario", "levers": {path: value}, "replications"} → {"run": id}
//! GET  /api/runs/<id>                  status, progress, KPIs with 95 % CIs, files
//! GET  /api/compare?a=<id>&b=<id>      paired differences b − a per KPI with 95 % CIs
//! GET  /runs/<id>/<file>               report.html, story.md, daily.csv, … of replication 0
//! POST /api/play                       {"scenario", "nights", "seed"} → {"game": id, "state"}
//! GET  /api/play/<id>                  the game's state
//! POST /api/play/<id>/night            {"purchase": {product: units}, "split": {product: {supplier: share}}}
//! GET  /api/play/<id>/score            {"player": KPIs, "benchmark": KPIs, "days": …} at the season's end
//! ```
//! Simulations run off the async threads (`spawn_blocking`, or a thread per run), one game
//! at a time per game; the number of games and runs kept is bounded ([`game::MAX_GAMES`],
//! [`runs::MAX_RUNS`]).

pub mod game;
pub mod levers;
mod pages;
pub mod runs;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::scenario::{self, Scenario};

/// Households above which a shipped scenario is listed but not offered (a national
/// network takes minutes and gigabytes a run: not for a class).
pub const MAX_HOUSEHOLDS: u64 = 2_000_000;

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to bind.
    pub host: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// Folder of the scenarios offered.
    pub scenarios: PathBuf,
    /// Folder where runs write their files.
    pub work: PathBuf,
}

/// A shipped scenario.
#[derive(Debug, Clone)]
pub struct Shipped {
    /// Its name (the file's stem).
    pub name: String,
    /// Its text, as written.
    pub text: String,
    /// Its file, for errors.
    pub file: String,
    /// Parsed.
    pub scenario: Scenario,
    /// Households in its market.
    pub households: u64,
}

/// The app's state, shared by every request.
#[derive(Debug)]
pub struct App {
    /// Scenarios offered, by name.
    pub scenarios: Vec<Shipped>,
    /// Games in play.
    pub games: game::Games,
    /// Runs started.
    pub runs: runs::Runs,
}

impl App {
    /// The app over the scenarios of `dir` (every valid `*.toml`; invalid ones are skipped
    /// with a message on stderr), writing runs under `work`.
    ///
    /// # Errors
    /// A folder that cannot be read or holds no valid scenario.
    pub fn new(dir: &Path, work: &Path) -> anyhow::Result<App> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("--scenarios {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut scenarios = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f)?;
            match scenario::parse_str(&text, &f.display().to_string()) {
                Ok(sc) => {
                    let households = sc.grid_warehouses.iter().map(|g| g.leaders as u64).sum::<u64>() * sc.leaders.households_mean as u64;
                    let name = f.file_stem().map_or(String::new(), |s| s.to_string_lossy().into_owned());
                    scenarios.push(Shipped { name, text, file: f.display().to_string(), scenario: sc, households });
                }
                Err(e) => eprintln!("cesim serve: skipping {}: {e}", f.display()),
            }
        }
        if scenarios.is_empty() {
            anyhow::bail!("--scenarios {}: no valid scenario (*.toml) there", dir.display());
        }
        std::fs::create_dir_all(work)?;
        Ok(App { scenarios, games: game::Games::default(), runs: runs::Runs::new(work) })
    }

    /// The offered scenario `name`, or an error naming `field` and the scenarios offered.
    pub fn scenario(&self, field: &str, name: &str) -> Result<&Shipped, ApiError> {
        self.scenarios
            .iter()
            .find(|s| s.name == name && s.households <= MAX_HOUSEHOLDS)
            .ok_or_else(|| ApiError::bad(field, format!("no scenario {name:?} here; offered: {}", self.offered().join(", "))))
    }

    /// Names of the scenarios small enough to run here.
    pub fn offered(&self) -> Vec<&str> {
        self.scenarios.iter().filter(|s| s.households <= MAX_HOUSEHOLDS).map(|s| s.name.as_str()).collect()
    }
}

/// An error answered to a request: a status and a message naming the field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    /// HTTP status.
    #[serde(skip)]
    pub status: u16,
    /// What is wrong, with the value and what is allowed.
    pub error: String,
    /// The request's field at fault (dotted), if one.
    pub field: String,
}

impl ApiError {
    /// 400: a request field is wrong.
    pub fn bad(field: &str, error: impl Into<String>) -> Self {
        ApiError { status: 400, error: error.into(), field: field.into() }
    }
    /// 404: no such thing.
    pub fn not_found(field: &str, error: impl Into<String>) -> Self {
        ApiError { status: 404, error: error.into(), field: field.into() }
    }
    /// 409: not now (a season over, a run not finished).
    pub fn conflict(error: impl Into<String>) -> Self {
        ApiError { status: 409, error: error.into(), field: String::new() }
    }
    /// 503: the server is full; try later.
    pub fn busy(error: impl Into<String>) -> Self {
        ApiError { status: 503, error: error.into(), field: String::new() }
    }
    /// 500: the model failed (a bug, never the request).
    pub fn model(e: impl std::fmt::Display) -> Self {
        ApiError { status: 500, error: format!("the simulation failed (a bug, please report it): {e}"), field: String::new() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, Json(self)).into_response()
    }
}

/// A JSON body, or a 400 naming the body with serde's message (which names the field).
fn body<T>(b: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(x)| x).map_err(|e| ApiError::bad("body", e.body_text()))
}

/// The app's routes.
pub fn router(app: Arc<App>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(pages::index))
        .route("/play", get(pages::play))
        .route("/assets/{file}", get(pages::asset))
        .route("/api/scenarios", get(pages::scenarios))
        .route("/api/runs", post(runs::start))
        .route("/api/runs/{id}", get(runs::status))
        .route("/api/compare", get(runs::compare))
        .route("/runs/{id}/{file}", get(runs::file))
        .route("/api/play", post(game::start))
        .route("/api/play/{id}", get(game::state))
        .route("/api/play/{id}/night", post(game::night))
        .route("/api/play/{id}/score", get(game::score))
        .with_state(app)
}

/// Serves until killed; prints the address on stderr once listening.
///
/// # Errors
/// The address cannot be bound, or the scenarios cannot be read.
pub fn serve(opts: &Options) -> anyhow::Result<()> {
    let app = Arc::new(App::new(&opts.scenarios, &opts.work)?);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let addr = SocketAddr::new(opts.host, opts.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr()?;
        eprintln!("cesim serve: http://{local}/ ({} scenarios from {}; Ctrl-C stops)", app.scenarios.len(), opts.scenarios.display());
        axum::serve(listener, router(app)).await?;
        Ok(())
    })
}
