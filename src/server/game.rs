//! The purchasing game: a student is the platform's buyer for a season of `nights`. Each
//! night they see tonight's orders, the stock and its age, what is on the road, today's
//! stock-outs, spoilage and complaints and the platform's forecast, and set tonight's
//! purchase per product (and the sourcing split where a product has several sources); the
//! market answers ([`crate::model::simulation::Season`]). At the end their season is scored
//! against the platform's own purchase plan on the same random numbers (the same seed: the
//! same residents, weather and suppliers).
//!
//! A season of `nights` simulates `nights + 1` days: the purchase of the last night is
//! picked up on the day after it; that day's own purchase is left to the plan (for the
//! player and the benchmark alike).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, App};
use crate::model::RunReport;
use crate::model::simulation::{Night, Season, run};
use crate::output::Kpis;
use crate::scenario::Scenario;

/// Games kept at once; a new game past this replaces the one idle longest, if idle for
/// [`IDLE_EXPIRY`]; otherwise it is refused (503).
pub const MAX_GAMES: usize = 256;
/// A game untouched this long may make room for a new one.
pub const IDLE_EXPIRY: Duration = Duration::from_secs(2 * 3600);
/// Longest season, nights.
pub const MAX_NIGHTS: u32 = 60;
/// Most units of one product a night's purchase may ask for.
pub const MAX_UNITS: u64 = 10_000_000;

/// The games in play.
#[derive(Debug, Default)]
pub struct Games {
    inner: Mutex<GameTable>,
}

#[derive(Debug, Default)]
struct GameTable {
    next: u64,
    live: HashMap<u64, Arc<Mutex<Game>>>,
    touched: HashMap<u64, Instant>,
}

/// One game.
#[derive(Debug)]
pub struct Game {
    id: u64,
    scenario: String,
    nights: u32,
    seed: u64,
    hints: bool,
    sc: Scenario,
    season: Option<Season>,
    played: u32,
    history: Vec<Value>,
    score: Option<Value>,
}

/// `POST /api/play` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Shipped scenario name.
    pub scenario: String,
    /// Nights to play, 1 to [`MAX_NIGHTS`]. Default 14.
    #[serde(default = "default_nights")]
    pub nights: u32,
    /// Root seed. Default: the scenario's.
    pub seed: Option<u64>,
    /// Show what the platform's own plan would buy each night. Default false.
    #[serde(default)]
    pub hints: bool,
}

fn default_nights() -> u32 {
    14
}

/// `POST /api/play/<id>/night` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NightRequest {
    /// Units to buy tonight per product name (a product left out: none).
    #[serde(default)]
    pub purchase: BTreeMap<String, Value>,
    /// New sourcing split per product: share per supplier (every source of the product).
    #[serde(default)]
    pub split: BTreeMap<String, BTreeMap<String, f64>>,
}

impl Games {
    fn get(&self, id: u64) -> Result<Arc<Mutex<Game>>, ApiError> {
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let g = t.live.get(&id).cloned().ok_or_else(|| ApiError::not_found("game", format!("no game {id} (finished games are kept until the server restarts or needs room)")))?;
        t.touched.insert(id, Instant::now());
        Ok(g)
    }

    /// Keeps `game` (its id from [`Games::next_id`]).
    fn insert(&self, id: u64, game: Game) -> Result<(), ApiError> {
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if t.live.len() >= MAX_GAMES {
            let idle = t.touched.iter().filter(|(_, at)| at.elapsed() >= IDLE_EXPIRY).min_by_key(|(_, at)| **at).map(|(id, _)| *id);
            let Some(old) = idle else {
                return Err(ApiError::busy(format!("{MAX_GAMES} games are in play; try again later")));
            };
            t.live.remove(&old);
            t.touched.remove(&old);
        }
        t.live.insert(id, Arc::new(Mutex::new(game)));
        t.touched.insert(id, Instant::now());
        Ok(())
    }

    fn next_id(&self) -> u64 {
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        t.next += 1;
        t.next
    }

    /// Games kept.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).live.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Game {
    /// A new game of `sc` (already checked playable) for `nights` nights.
    fn new(id: u64, name: &str, sc: &Scenario, nights: u32, seed: u64, hints: bool) -> Result<Game, ApiError> {
        let mut sc = sc.clone();
        sc.run.horizon_days = nights + 1;
        sc.run.warmup_days = 0;
        let season = Season::new(&sc, seed, 0).map_err(|e| match e {
            crate::model::ModelError::NotPlayable(m) => ApiError::bad("scenario", m),
            e => ApiError::model(e),
        })?;
        Ok(Game { id, scenario: name.to_string(), nights, seed, hints, sc, season: Some(season), played: 0, history: Vec::new(), score: None })
    }

    /// The state the page shows.
    pub fn state(&self) -> Value {
        let tonight = self.season.as_ref().filter(|_| self.played < self.nights).map(|s| self.night_json(&s.tonight()));
        json!({
            "game": self.id,
            "scenario": self.scenario,
            "seed": self.seed,
            "nights": self.nights,
            "played": self.played,
            "over": self.played >= self.nights,
            "tonight": tonight,
            "history": self.history,
        })
    }

    fn night_json(&self, n: &Night) -> Value {
        let mut v = serde_json::to_value(n).unwrap_or(Value::Null);
        if !self.hints
            && let Some(ps) = v.get_mut("products").and_then(Value::as_array_mut)
        {
            for p in ps {
                if let Some(o) = p.as_object_mut() {
                    o.remove("plan_units");
                }
            }
        }
        v
    }

    /// Plays tonight; at the season's end, scores it.
    fn night(&mut self, req: &NightRequest) -> Result<(), ApiError> {
        let Some(season) = self.season.as_mut().filter(|_| self.played < self.nights) else {
            return Err(ApiError::conflict(format!("the season of {} nights is over: GET /api/play/{}/score", self.nights, self.id)));
        };
        let tonight = season.tonight();
        let names: Vec<&str> = tonight.products.iter().map(|p| p.name.as_str()).collect();
        let index = |field: String, name: &str| names.iter().position(|n| *n == name).ok_or_else(|| ApiError::bad(&field, format!("no product {name:?} in {}; products: {}", self.scenario, names.join(", "))));
        let mut units = vec![0u32; names.len()];
        for (name, v) in &req.purchase {
            let field = format!("purchase.{name}");
            let p = index(field.clone(), name)?;
            let n = v.as_u64().filter(|&n| n <= MAX_UNITS).ok_or_else(|| ApiError::bad(&field, format!("{v} is not a whole number of units from 0 to {MAX_UNITS}")))?;
            units[p] = n as u32;
        }
        // Check every split before changing any.
        let mut splits = Vec::new();
        for (name, shares) in &req.split {
            let field = format!("split.{name}");
            let p = index(field.clone(), name)?;
            let sources: Vec<&str> = tonight.products[p].sources.iter().map(|s| s.0.as_str()).collect();
            if let Some(s) = shares.keys().find(|s| !sources.contains(&s.as_str())) {
                return Err(ApiError::bad(&format!("{field}.{s}"), format!("{s:?} is not a source of {name}; its sources: {}", sources.join(", "))));
            }
            let row: Vec<f64> = sources.iter().map(|s| shares.get(*s).copied().unwrap_or(0.0)).collect();
            if row.iter().any(|x| !x.is_finite() || *x < 0.0) || row.iter().sum::<f64>() <= 0.0 {
                return Err(ApiError::bad(&field, format!("shares {row:?} of {}: each a number ≥ 0, not all 0", sources.join(", "))));
            }
            splits.push((p, field, row));
        }
        for (p, field, row) in splits {
            season.set_split(p, &row).map_err(|m| ApiError::bad(&field, m))?;
        }
        let bought: u64 = units.iter().map(|&u| u as u64).sum();
        season.night(Some(&units)).map_err(ApiError::model)?;
        self.played += 1;
        let after = season.tonight();
        let today = after.today.as_ref();
        self.history.push(json!({
            "night": self.played,
            "day": tonight.day,
            "orders_units": tonight.products.iter().map(|p| p.orders_units).sum::<u64>(),
            "bought_units": bought,
            "stock_units": tonight.products.iter().map(|p| p.stock_units).sum::<u64>(),
            "sold_units_next_day": today.map_or(0, |t| t.units_sold),
            "stockout_units_next_day": today.map_or(0, |t| t.units_stockout),
            "spoiled_units_next_day": today.map_or(0, |t| t.units_spoiled),
            "complaints_next_day": today.map_or(0, |t| t.complaints),
        }));
        if self.played >= self.nights {
            self.finish()?;
        }
        Ok(())
    }

    /// Ends the season and scores it against the plan on the same seed.
    fn finish(&mut self) -> Result<(), ApiError> {
        let Some(season) = self.season.take() else { return Ok(()) };
        let player = season.finish().map_err(ApiError::model)?;
        let benchmark = run(&self.sc, self.seed, 0).map_err(ApiError::model)?;
        let days: Vec<Value> = player.days.iter().zip(&benchmark.days).map(|(a, b)| json!({ "day": a.day, "player": day(a), "benchmark": day(b) })).collect();
        self.score = Some(json!({
            "game": self.id,
            "scenario": self.scenario,
            "nights": self.nights,
            "seed": self.seed,
            "player": kpis(&player),
            "benchmark": kpis(&benchmark),
            "days": days,
            "benchmark_is": "the platform's own purchase plan (its forecast policy and safety buffer) on the same seed",
        }));
        Ok(())
    }
}

fn day(d: &crate::model::simulation::DayRecord) -> Value {
    let t = &d.tally;
    json!({ "orders": t.orders, "units_sold": t.units_sold, "units_stockout": t.units_stockout, "units_spoiled": t.spoiled_total(), "units_procured": t.units_procured, "profit_yuan": t.profit_yuan() })
}

/// The KPIs of `summary.json`, with the season's totals.
fn kpis(r: &RunReport) -> Value {
    let mut v = serde_json::to_value(Kpis::of(r)).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        let t = &r.total;
        o.insert("orders".into(), json!(t.orders));
        o.insert("units_procured".into(), json!(t.units_procured));
        o.insert("units_sold".into(), json!(t.units_sold));
        o.insert("units_spoiled".into(), json!(t.spoiled_total()));
        o.insert("units_stockout".into(), json!(t.units_stockout));
    }
    v
}

/// `POST /api/play`.
pub async fn start(State(app): State<Arc<App>>, req: Result<Json<StartRequest>, JsonRejection>) -> Result<Json<Value>, ApiError> {
    let req = super::body(req)?;
    if !(1..=MAX_NIGHTS).contains(&req.nights) {
        return Err(ApiError::bad("nights", format!("{} nights: from 1 to {MAX_NIGHTS}", req.nights)));
    }
    let shipped = app.scenario("scenario", &req.scenario)?;
    let (sc, name) = (shipped.scenario.clone(), shipped.name.clone());
    let seed = req.seed.unwrap_or(sc.run.seed);
    let app2 = app.clone();
    let state = tokio::task::spawn_blocking(move || {
        let id = app2.games.next_id();
        let game = Game::new(id, &name, &sc, req.nights, seed, req.hints)?;
        let state = game.state();
        app2.games.insert(id, game)?;
        Ok::<_, ApiError>(state)
    })
    .await
    .map_err(ApiError::model)??;
    Ok(Json(json!({ "game": state["game"], "state": state })))
}

/// `GET /api/play/<id>`.
pub async fn state(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Result<Json<Value>, ApiError> {
    let g = app.games.get(id)?;
    let s = tokio::task::spawn_blocking(move || g.lock().unwrap_or_else(PoisonError::into_inner).state()).await.map_err(ApiError::model)?;
    Ok(Json(s))
}

/// `POST /api/play/<id>/night`.
pub async fn night(State(app): State<Arc<App>>, Path(id): Path<u64>, req: Result<Json<NightRequest>, JsonRejection>) -> Result<Json<Value>, ApiError> {
    let req = super::body(req)?;
    let g = app.games.get(id)?;
    let s = tokio::task::spawn_blocking(move || {
        let mut game = g.lock().unwrap_or_else(PoisonError::into_inner);
        game.night(&req).map(|()| game.state())
    })
    .await
    .map_err(ApiError::model)??;
    Ok(Json(s))
}

/// `GET /api/play/<id>/score`.
pub async fn score(State(app): State<Arc<App>>, Path(id): Path<u64>) -> Result<Json<Value>, ApiError> {
    let g = app.games.get(id)?;
    let game = g.lock().unwrap_or_else(PoisonError::into_inner);
    match &game.score {
        Some(s) => Ok(Json(s.clone())),
        None => Err(ApiError::conflict(format!("{} of {} nights played: the score comes at the season's end", game.played, game.nights))),
    }
}
