//! `cesim serve` (issue 14), through the binary on a free loopback port: the play API runs
//! a season and scores it against the plan exactly as `run` does, bad requests get a 4xx
//! naming the field, a burst of concurrent games loses none, runs report CIs and compare.
//! The browser's side is in `serve_browser.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use cesim::model::simulation::run;
use cesim::output::Kpis;
use serde_json::{Value, json};

/// A `cesim serve` on a free port, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:port`.
    pub addr: String,
}

impl Server {
    pub fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cesim"))
            .args(["serve", "--port", "0", "--scenarios"])
            .arg(crate::file("scenarios"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
        assert!(addr.starts_with("127.0.0.1:"), "bound to loopback by default: {addr}");
        Server { child, addr }
    }

    /// One request; (status, body).
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let body = body.unwrap_or("");
        write!(s, "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", self.addr, body.len()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out.split(' ').nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
        let body = out.split_once("\r\n\r\n").map_or("", |x| x.1);
        // Chunked bodies: keep what lies between the first line (its size) and the end marker.
        let body = if out.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
        (status, body)
    }

    pub fn json(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (st, b) = self.call(method, path, body.map(|v| v.to_string()).as_deref());
        (st, serde_json::from_str(&b).unwrap_or(Value::Null))
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn products() -> Vec<String> {
    crate::load("forecasting").products.iter().map(|p| p.name.clone()).collect()
}

/// Plays `nights` nights of forecasting with `units` of every product; (game id, score).
fn season(s: &Server, nights: u32, units: u64) -> (u64, Value) {
    let (st, g) = s.json("POST", "/api/play", Some(json!({"scenario": "forecasting", "nights": nights, "seed": 7})));
    assert_eq!(st, 200, "{g}");
    let id = g["game"].as_u64().unwrap();
    assert_eq!(g["state"]["tonight"]["products"].as_array().unwrap().len(), products().len());
    for n in 0..nights {
        let purchase: serde_json::Map<String, Value> = products().into_iter().map(|p| (p, json!(units))).collect();
        let (st, state) = s.json("POST", &format!("/api/play/{id}/night"), Some(json!({ "purchase": purchase })));
        assert_eq!(st, 200, "{state}");
        assert_eq!(state["played"], n + 1);
        assert_eq!(state["history"].as_array().unwrap().len() as u32, n + 1);
    }
    let (st, score) = s.json("GET", &format!("/api/play/{id}/score"), None);
    assert_eq!(st, 200, "{score}");
    (id, score)
}

#[test]
fn a_season_is_scored_against_the_plan_on_the_same_seed() {
    let s = Server::start();
    let (_, score) = season(&s, 3, 0);
    for k in ["profit_yuan", "spoilage_rate", "churn_rate", "fill_rate"] {
        assert!(score["player"][k].is_number() && score["benchmark"][k].is_number(), "{k}: {score}");
    }
    // The benchmark is the run of the scenario itself over the season (nights + 1 days).
    let mut sc = crate::load("forecasting");
    sc.run.horizon_days = 4;
    sc.run.warmup_days = 0;
    let k = Kpis::of(&run(&sc, 7, 0).unwrap());
    assert_eq!(score["benchmark"]["profit_yuan"].as_f64(), Some(k.profit_yuan));
    assert_eq!(score["benchmark"]["fill_rate"].as_f64(), Some(k.fill_rate));
    assert_eq!(score["days"].as_array().unwrap().len(), 4);
    // Buying nothing fills less than the plan.
    assert!(score["player"]["fill_rate"].as_f64() < score["benchmark"]["fill_rate"].as_f64(), "{score}");
    // The hints show the plan's purchase only when asked for.
    let (_, g) = s.json("POST", "/api/play", Some(json!({"scenario": "forecasting", "nights": 2})));
    assert!(g["state"]["tonight"]["products"][0].get("plan_units").is_none(), "{g}");
    let (_, g) = s.json("POST", "/api/play", Some(json!({"scenario": "forecasting", "nights": 2, "hints": true})));
    assert!(g["state"]["tonight"]["products"][0]["plan_units"].is_u64(), "{g}");
    // The default season is 14 nights, of the scenario's seed.
    assert_eq!(g["state"]["nights"], 2);
    let (_, g) = s.json("POST", "/api/play", Some(json!({"scenario": "forecasting"})));
    assert_eq!((g["state"]["nights"].as_u64(), g["state"]["seed"].as_u64()), (Some(14), Some(sc.run.seed)));
}

#[test]
fn bad_requests_get_a_4xx_naming_the_field() {
    let s = Server::start();
    let (_, g) = s.json("POST", "/api/play", Some(json!({"scenario": "forecasting", "nights": 1})));
    let id = g["game"].as_u64().unwrap();
    let night = format!("/api/play/{id}/night");
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        ("POST", "/api/play".into(), Some(r#"{"scenario": "nowhere"}"#), 400, "scenario"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "price_war"}"#), 400, "scenario"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "xingsheng_2020"}"#), 400, "scenario"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "forecasting", "nights": 0}"#), 400, "nights"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "forecasting", "nights": 61}"#), 400, "nights"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "forecasting", "night": 3}"#), 400, "body"),
        ("POST", "/api/play".into(), Some(r#"{"scenario": "#), 400, "body"),
        ("POST", night.clone(), Some(r#"{"purchase": {"no_such_product": 5}}"#), 400, "purchase.no_such_product"),
        ("POST", night.clone(), Some(r#"{"purchase": {"tofu": -5}}"#), 400, "purchase.tofu"),
        ("POST", night.clone(), Some(r#"{"purchase": {"tofu": 1.5}}"#), 400, "purchase.tofu"),
        ("POST", night.clone(), Some(r#"{"purchase": {"tofu": 100000000}}"#), 400, "purchase.tofu"),
        ("POST", night.clone(), Some(r#"{"split": {"tofu": {"veg_farm": 1.0}}}"#), 400, "split.tofu.veg_farm"),
        ("POST", night.clone(), Some(r#"{"split": {"tofu": {"tofu_workshop": 0.0}}}"#), 400, "split.tofu"),
        ("GET", format!("/api/play/{id}/score"), None, 409, ""),
        ("GET", "/api/play/99999".into(), None, 404, "game"),
        ("POST", "/api/play/99999/night".into(), Some("{}"), 404, "game"),
        ("POST", "/api/runs".into(), Some(r#"{"scenario": "baseline", "levers": {"policy.safety_stock_factor": -1}}"#), 400, "levers.policy.safety_stock_factor"),
        ("POST", "/api/runs".into(), Some(r#"{"scenario": "baseline", "levers": {"products": 1}}"#), 400, "levers.products"),
        ("POST", "/api/runs".into(), Some(r#"{"scenario": "baseline", "replications": 0}"#), 400, "replications"),
        ("GET", "/api/runs/99999".into(), None, 404, "run"),
        ("GET", "/api/compare?a=1".into(), None, 400, "query"),
        ("GET", "/api/compare?a=99998&b=99999".into(), None, 404, "a"),
        ("GET", "/runs/99999/daily.csv".into(), None, 404, "run"),
        ("GET", "/assets/../Cargo.toml".into(), None, 404, ""),
    ];
    for (method, path, body, want, field) in cases {
        let (st, b) = s.call(method, &path, body);
        assert_eq!(st, want, "{method} {path} {body:?}: {b}");
        if !field.is_empty() {
            let v: Value = serde_json::from_str(&b).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {b}"));
            assert_eq!(v["field"], field, "{method} {path} {body:?}: {b}");
            assert!(!v["error"].as_str().unwrap_or("").is_empty(), "{b}");
        }
    }
    // The game is untouched by the bad nights: it plays on, then is over.
    let (st, state) = s.json("POST", &night, Some(json!({"purchase": {"tofu": 10}})));
    assert_eq!((st, state["played"].as_u64(), state["over"].as_bool()), (200, Some(1), Some(true)), "{state}");
    let (st, _) = s.json("POST", &night, Some(json!({})));
    assert_eq!(st, 409, "a night after the season's end");
}

#[test]
fn a_burst_of_concurrent_games_loses_none() {
    let mut s = Server::start();
    let before = s.json("GET", "/api/scenarios", None).1;
    assert!(before.as_array().unwrap().iter().any(|x| x["name"] == "baseline" && x["playable"] == true));
    let scores: Vec<(u64, Value)> = std::thread::scope(|t| {
        let games: Vec<_> = (0..12).map(|_| t.spawn(|| season(&s, 2, 300))).collect();
        let pages: Vec<_> = (0..40).map(|_| t.spawn(|| s.call("GET", "/", None).0)).collect();
        for p in pages {
            assert_eq!(p.join().unwrap(), 200);
        }
        games.into_iter().map(|g| g.join().unwrap()).collect()
    });
    assert!(s.alive(), "the server survived the burst");
    let mut ids: Vec<u64> = scores.iter().map(|x| x.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "every game its own id");
    // Same seed, same purchases: every game scores the same, and each is still there.
    for (id, score) in &scores {
        assert_eq!(score["player"], scores[0].1["player"]);
        let (st, again) = s.json("GET", &format!("/api/play/{id}/score"), None);
        assert_eq!((st, &again["player"]), (200, &score["player"]));
    }
}

/// Polls run `id` until it is no longer running.
fn finished(s: &Server, id: u64) -> Value {
    for _ in 0..600 {
        let (st, r) = s.json("GET", &format!("/api/runs/{id}"), None);
        assert_eq!(st, 200, "{r}");
        if r["status"] != "running" {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("run {id} did not finish in 60 s");
}

#[test]
fn runs_report_cis_and_compare_paired() {
    let s = Server::start();
    let start = |buffer: f64| {
        let (st, r) = s.json("POST", "/api/runs", Some(json!({"scenario": "forecasting", "replications": 3, "levers": {"run.horizon_days": 8, "policy.safety_stock_factor": buffer}})));
        assert_eq!(st, 200, "{r}");
        r["run"].as_u64().unwrap()
    };
    let (a, b) = (start(0.1), start(0.6));
    let (ra, rb) = (finished(&s, a), finished(&s, b));
    assert_eq!(ra["status"], "done", "{ra}");
    assert_eq!((ra["days_done"].as_u64(), ra["progress"].as_f64()), (Some(24), Some(1.0)));
    let k = &ra["kpis"]["spoilage_rate"];
    assert!(k["ci95_low"].as_f64() <= k["mean"].as_f64() && k["mean"].as_f64() <= k["ci95_high"].as_f64() && k["n"] == 3, "{k}");
    // Replication 0's outputs are those of `cesim run` with the levers set.
    let mut sc = crate::load("forecasting");
    sc.run.horizon_days = 8;
    sc.policy.safety_stock_factor = 0.1;
    let r0 = run(&sc, sc.run.seed, 0).unwrap();
    let (st, csv) = s.call("GET", &format!("/runs/{a}/replications.csv"), None);
    assert_eq!(st, 200);
    let row0: Vec<f64> = csv.lines().nth(1).unwrap().split(',').skip(1).map(|x| x.parse().unwrap()).collect();
    assert_eq!(row0, cesim::output::run_figures(&r0).to_vec());
    let (_, html) = s.call("GET", &format!("/runs/{a}/report.html"), None);
    assert!(html.contains("Means over 3 replications with 95 % confidence intervals"), "the report's headline has the CIs");
    for f in ["report.html", "daily.csv", "story.md", "summary.json", "events.csv", "kpis.csv"] {
        let (st, body) = s.call("GET", &format!("/runs/{a}/{f}"), None);
        assert!(st == 200 && !body.is_empty(), "{f}: {st}");
    }
    assert!(rb["kpis"]["units_procured"]["mean"].as_f64() > ra["kpis"]["units_procured"]["mean"].as_f64());
    // Paired: a bigger buffer buys more in every replication, so the CI excludes zero.
    let (st, c) = s.json("GET", &format!("/api/compare?a={a}&b={b}"), None);
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["pairs"], 3);
    let procured = c["figures"].as_array().unwrap().iter().find(|f| f["figure"] == "units_procured").unwrap();
    assert!(procured["ci95_low"].as_f64().unwrap() > 0.0 && procured["differs"] == true, "{procured}");
}
