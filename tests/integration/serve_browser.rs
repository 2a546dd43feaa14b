//! `cesim serve` driven as a person would, in headless Chromium through ChromeDriver
//! (Debian's `chromium` and `chromium-driver`; `.ci/run` installs both and sets
//! `CESIM_REQUIRE_BROWSER`, which turns their absence into a failure): open `/`, pick a
//! scenario, change a lever, run, see the headline and the report's charts; open `/play`,
//! play three nights, see the score against the plan.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::serve::Server;

struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<Driver> {
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new("chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
    Some(Driver(child, port))
}

async fn connect(port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    let profile = std::env::temp_dir().join(format!("cesim-chromium-{}-{port}", std::process::id()));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,1600", format!("--user-data-dir={}", profile.display())] }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(c) = ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("ChromeDriver did not answer at {url}");
}

/// Runs `js` until it returns something truthy (60 s at most); returns it.
async fn until(c: &Client, js: &str, what: &str) -> Value {
    for _ in 0..300 {
        let v = c.execute(js, vec![]).await.unwrap();
        if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("waited 60 s for {what}");
}

async fn set(c: &Client, css: &str, value: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

#[test]
fn the_pages_work_in_headless_chromium() {
    let Some(driver) = chromedriver().filter(|_| std::path::Path::new("/usr/bin/chromium").exists()) else {
        assert!(std::env::var_os("CESIM_REQUIRE_BROWSER").is_none(), "CESIM_REQUIRE_BROWSER is set but chromium or chromedriver is missing");
        eprintln!("skipped: no chromium + chromedriver (.ci/run installs them and sets CESIM_REQUIRE_BROWSER)");
        return;
    };
    let server = Server::start();
    let base = format!("http://{}", server.addr);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = connect(driver.1).await;
        // Runs: pick a scenario, change a lever, run, see the headline and the report.
        c.goto(&format!("{base}/")).await.unwrap();
        let title = c.title().await.unwrap();
        assert!(title.contains("cesim"), "{title}");
        c.find(Locator::Css("input[name=scenario][value=forecasting]")).await.unwrap().click().await.unwrap();
        until(&c, "return document.querySelectorAll('#levers input, #levers select').length", "the levers' form").await;
        set(&c, "#lever-run-horizon_days", "6").await;
        set(&c, "#lever-policy-safety_stock_factor", "0.4").await;
        set(&c, "#replications", "2").await;
        c.find(Locator::Css("#run")).await.unwrap().click().await.unwrap();
        until(&c, "return document.querySelector('#result .headline') !== null", "the run's headline").await;
        let headline = c.find(Locator::Css("#result .headline")).await.unwrap().text().await.unwrap();
        assert!(headline.contains("Spoilage") && headline.contains("95 % CI"), "{headline}");
        let charts = until(&c, "const d = document.getElementById('report').contentDocument; return d && d.readyState === 'complete' && d.querySelectorAll('svg polyline, svg path, svg rect').length", "the report's charts").await;
        assert!(charts.as_u64().unwrap_or(0) > 10, "{charts}");
        // The run asked for exactly what the form said.
        let runs = c.find(Locator::Css("#runs tbody")).await.unwrap().text().await.unwrap();
        assert!(runs.contains("policy.safety_stock_factor = 0.4") && runs.contains("run.horizon_days = 6"), "{runs}");
        // A second run, then the comparison of the two.
        set(&c, "#lever-policy-safety_stock_factor", "0.1").await;
        c.find(Locator::Css("#run")).await.unwrap().click().await.unwrap();
        until(&c, "return document.querySelectorAll('.pick:not([disabled])').length === 2", "two finished runs").await;
        c.execute("document.querySelectorAll('.pick').forEach(b => b.click())", vec![]).await.unwrap();
        until(&c, "return document.querySelector('#compare-table') !== null", "the comparison").await;
        let table = c.find(Locator::Css("#compare-table")).await.unwrap().text().await.unwrap();
        assert!(table.contains("units_procured") && table.contains("differs"), "{table}");

        // The game: three nights, then the score against the plan.
        c.goto(&format!("{base}/play")).await.unwrap();
        set(&c, "#game-nights", "3").await;
        c.find(Locator::Css("#start")).await.unwrap().click().await.unwrap();
        until(&c, "return document.querySelectorAll('#tonight tbody tr').length", "tonight's table").await;
        for night in 1..=3 {
            let h = c.find(Locator::Css("#night-title")).await.unwrap().text().await.unwrap();
            assert!(h.starts_with(&format!("Night {night} of 3")), "{h}");
            set(&c, "#buy-tofu", "800").await;
            c.find(Locator::Css("#sleep")).await.unwrap().click().await.unwrap();
            let want = if night < 3 { format!("return document.getElementById('night-title').textContent.startsWith('Night {}')", night + 1) } else { "return document.querySelector('#score-table') !== null".to_string() };
            until(&c, &want, &format!("night {night}'s answer")).await;
            if night == 2
                && let Some(dir) = std::env::var_os("CESIM_SCREENSHOTS")
            {
                std::fs::write(std::path::Path::new(&dir).join("play-night.png"), c.screenshot().await.unwrap()).unwrap();
            }
            if night < 3 {
                let chart = c.execute("return document.querySelectorAll('#season-chart polyline').length", vec![]).await.unwrap();
                assert_eq!(chart, json!(4), "the season's chart draws four lines");
            }
        }
        let score = c.find(Locator::Css("#score-table")).await.unwrap().text().await.unwrap();
        assert!(score.contains("Profit") && score.contains("Fill rate") && score.contains("Spoilage"), "{score}");
        let lines = c.execute("return document.querySelectorAll('#score-chart polyline').length", vec![]).await.unwrap();
        assert_eq!(lines, json!(2), "you and the plan, day by day");
        if let Some(dir) = std::env::var_os("CESIM_SCREENSHOTS") {
            std::fs::write(std::path::Path::new(&dir).join("play-score.png"), c.screenshot().await.unwrap()).unwrap();
        }
        // Several sources: the split is the student's, and stays as set.
        c.goto(&format!("{base}/play")).await.unwrap();
        c.execute("document.getElementById('game-scenario').value = 'multi_sourcing'", vec![]).await.unwrap();
        set(&c, "#game-nights", "2").await;
        c.find(Locator::Css("#start")).await.unwrap().click().await.unwrap();
        until(&c, "return document.querySelectorAll('#tonight input.split').length", "the split inputs").await;
        let first = c.execute("return [...document.querySelectorAll('#tonight input.split')].slice(0, 2).map(i => [i.dataset.product, i.dataset.supplier])", vec![]).await.unwrap();
        let (p, a, b) = (first[0][0].as_str().unwrap().to_string(), first[0][1].as_str().unwrap().to_string(), first[1][1].as_str().unwrap().to_string());
        set(&c, &format!("input.split[data-product={p}][data-supplier={a}]"), "25").await;
        set(&c, &format!("input.split[data-product={p}][data-supplier={b}]"), "75").await;
        c.find(Locator::Css("#sleep")).await.unwrap().click().await.unwrap();
        until(&c, "return document.getElementById('night-title').textContent.startsWith('Night 2')", "night 2").await;
        let shares = c.execute(&format!("return [...document.querySelectorAll('input.split[data-product={p}]')].map(i => Number(i.value))"), vec![]).await.unwrap();
        assert_eq!(shares, json!([25, 75]), "the split the student set");
        c.close().await.unwrap();
    });
}
