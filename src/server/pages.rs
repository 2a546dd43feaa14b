//! The pages and their assets (compiled into the binary: nothing is fetched from the
//! internet), and the list of scenarios with their levers.

use std::fmt::Write;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use serde_json::{Value, json};

use super::{ApiError, App, MAX_HOUSEHOLDS, Shipped, levers};
use crate::model::simulation::Season;

const INDEX: &str = include_str!("assets/index.html");
const PLAY: &str = include_str!("assets/play.html");
const ASSETS: [(&str, &str, &str); 4] = [
    ("app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    ("chart.js", "text/javascript; charset=utf-8", include_str!("assets/chart.js")),
    ("index.js", "text/javascript; charset=utf-8", include_str!("assets/index.js")),
    ("play.js", "text/javascript; charset=utf-8", include_str!("assets/play.js")),
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Whether a season can be played on it here (see [`Season::playable`]; and offered).
pub(super) fn playable(s: &Shipped) -> bool {
    Season::playable(&s.scenario).is_ok() && s.households <= MAX_HOUSEHOLDS
}

/// `GET /`: the scenarios by name (listed in the page itself, so it reads without script).
pub(super) async fn index(State(app): State<Arc<App>>) -> Html<String> {
    let mut list = String::new();
    for s in &app.scenarios {
        let name = escape(&s.name);
        let what = escape(&s.scenario.description);
        if s.households <= MAX_HOUSEHOLDS {
            let _ = writeln!(list, "<li><label><input type=\"radio\" name=\"scenario\" value=\"{name}\"> <b>{name}</b></label> — {what}</li>");
        } else {
            let _ = writeln!(list, "<li class=\"muted\"><b>{name}</b> — {what} <i>({} households: run it with <code>cesim run</code>, not here)</i></li>", s.households);
        }
    }
    Html(INDEX.replace("{{SCENARIOS}}", &list))
}

/// `GET /play`.
pub(super) async fn play(State(app): State<Arc<App>>) -> Html<String> {
    let options: String = app.scenarios.iter().filter(|s| playable(s)).map(|s| format!("<option value=\"{0}\"{1}>{0}</option>", escape(&s.name), if s.name == "forecasting" { " selected" } else { "" })).collect();
    Html(PLAY.replace("{{PLAYABLE}}", &options))
}

/// `GET /assets/<file>`.
pub(super) async fn asset(Path(file): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let (_, kind, body) = ASSETS.iter().find(|a| a.0 == file).ok_or_else(|| ApiError::not_found("file", format!("no asset {file}")))?;
    Ok(([(header::CONTENT_TYPE, *kind)], *body))
}

/// `GET /api/scenarios`.
pub(super) async fn scenarios(State(app): State<Arc<App>>) -> Json<Value> {
    let list: Vec<Value> = app
        .scenarios
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "description": s.scenario.description,
                "households": s.households,
                "offered": s.households <= MAX_HOUSEHOLDS,
                "playable": playable(s),
                "products": s.scenario.products.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                "levers": levers::form(&s.scenario),
            })
        })
        .collect();
    Json(Value::Array(list))
}
