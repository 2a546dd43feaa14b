//! Reports (issue 7): HTML reports of a run and a sweep are self-contained, every SVG
//! parses as XML and draws data, and the pages load in headless Chromium without errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cesim"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cesim-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A run report and a sweep report, built through the binary into folders named `tag-…`.
fn reports(tag: &str) -> Vec<PathBuf> {
    let run = tmp(&format!("{tag}-run"));
    let o = cesim().args(["run", "--days", "30", "--report", "--trace", "-q", "--out"]).arg(&run).arg(crate::file("scenarios/supply_shock_single_source.toml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sweep = tmp(&format!("{tag}-sweep"));
    let o = cesim().arg("sweep").arg(crate::file("tests/data/sweeps/small_grid.toml")).arg("--out").arg(&sweep).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cesim().arg("report").arg(&sweep).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    vec![run.join("report.html"), sweep.join("report.html")]
}

fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg").map(|(i, _)| &html[i..i + html[i..].find("</svg>").unwrap() + 6]).collect()
}

/// Elements that draw data (not the white background or the axes' frame).
fn data_marks(svg: &roxmltree::Document) -> usize {
    svg.descendants().filter(|n| matches!(n.tag_name().name(), "polyline" | "polygon" | "circle" | "path") || (n.has_tag_name("rect") && n.attribute("fill").is_some_and(|f| f != "#FFFFFF" && f != "none"))).count()
}

#[test]
fn every_svg_parses_as_xml_and_draws_data() {
    let pages = reports("xml");
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(!html.contains("<script"), "{}: no scripts", page.display());
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "{}: nothing fetched", page.display());
        let charts = svgs(&html);
        assert!(charts.len() >= 2, "{}: {} charts", page.display(), charts.len());
        for (i, svg) in charts.iter().enumerate() {
            let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{} chart {i}: {e}", page.display()));
            assert!(data_marks(&doc) > 0, "{} chart {i} draws no data", page.display());
            assert!(doc.descendants().any(|n| n.has_tag_name("text")), "{} chart {i} has no title or labels", page.display());
        }
    }
    // The run's headline: KPIs without CI for one replication, said so.
    let html = std::fs::read_to_string(&pages[0]).unwrap();
    assert!(html.contains("class=\"headline\"") && html.contains("spoilage") && html.contains("One replication: no confidence interval"), "headline block");
    let run = pages[0].parent().unwrap();
    let story = std::fs::read_to_string(run.join("story.md")).unwrap();
    assert!(story.contains("weather shock") && story.contains("short"), "{story}");
    let events = std::fs::read_to_string(run.join("events.csv")).unwrap();
    assert!(events.starts_with("time_min,day,platform,agent_kind,agent_id,event,product,lot,quantity,cause"));
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|b| {
        let out = Command::new("which").arg(b).output().ok()?;
        out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    })
}

fn render(browser: &Path, page: &Path) -> (String, String) {
    let profile = tmp(&format!("profile-{}", page.parent().and_then(|p| p.file_name()).map_or(String::new(), |n| n.to_string_lossy().into_owned())));
    let o = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-logging=stderr"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn reports_load_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CESIM_REQUIRE_BROWSER").is_none(), "CESIM_REQUIRE_BROWSER is set but no chromium is installed");
        eprintln!("skipped: no chromium (.ci/run installs it and sets CESIM_REQUIRE_BROWSER)");
        return;
    };
    for page in reports("browser") {
        let html = std::fs::read_to_string(&page).unwrap();
        let (dom, log) = render(&browser, &page);
        assert!(dom.contains("<h1>"), "{}: the page did not load: {log}", page.display());
        for bad in ["Uncaught", "CONSOLE(", "ERR_FILE_NOT_FOUND", "Failed to load resource"] {
            assert!(!log.contains(bad), "{}: browser reported {bad}: {log}", page.display());
        }
        // Every chart is in the rendered DOM and draws data there.
        let (before, after) = (svgs(&html).len(), svgs(&dom).len());
        assert_eq!(before, after, "{}: {after} of {before} charts in the rendered page", page.display());
        for (i, svg) in svgs(&dom).iter().enumerate() {
            let marks = ["<polyline", "<polygon", "<circle", "<path"].iter().map(|m| svg.matches(m).count()).sum::<usize>();
            assert!(marks > 0, "{} chart {i} is an empty frame in the browser", page.display());
        }
    }
}

#[test]
fn the_multi_sourcing_sweep_report_answers_its_question() {
    let out = tmp("share-sweep");
    let o = cesim().args(["sweep", "--jobs", "2", "--out"]).arg(&out).arg(crate::file("scenarios/sweeps/multi_sourcing_share.toml")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = cesim::output::report::report(&out).unwrap();
    // The fallback rule is a category: lines, never a numeric axis.
    assert!(!html.contains("0 = none") && !html.contains("1 = spread"));
    // (Labelled in the sweep file's [labels].)
    assert!(html.contains("when a source falls short = none") && html.contains("when a source falls short = spread"));
    // The two shares sum to one: one axis, never both in one label.
    // The file lists the wholesaler's share first: it is the x axis, the farm's the rest.
    assert!(html.contains("veg farm share (moves with wholesaler's share of vegetables)"), "design line missing");
    assert!(html.contains("against wholesaler&apos;s share of vegetables") && html.contains("the rest: veg farm share"), "the x axis is the wholesaler's share");
    // (Series labels read `name = value`; the axis may say which share is the rest.)
    let texts: Vec<&str> = html.split("<text").skip(1).filter_map(|t| t.split("</text>").next()?.split_once('>').map(|x| x.1)).collect();
    assert!(!texts.iter().any(|t| t.contains("veg farm") && t.contains("veg wholesaler") && t.contains('=')), "a series label names both shares");
    // The headline table: the best point of every KPI.
    let table = html.split("<table>").nth(1).and_then(|t| t.split("</table>").next()).expect("a headline table");
    for kpi in ["churn rate", "spoilage rate", "cost per order", "days with a stock-out", "defect rate", "profit"] {
        assert!(table.contains(kpi), "headline lacks {kpi}");
    }
    assert!(table.contains("Holm"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn an_optimisation_report_shows_the_choice_and_the_convergence() {
    // The committed result of scenarios/optimize/multi_sourcing.toml.
    let dir = crate::file("results/optimize/multi_sourcing");
    let html = cesim::output::report::report(&dir).unwrap();
    let charts = svgs(&html);
    assert_eq!(charts.len(), 4, "convergence and one chart per decision variable");
    for svg in &charts {
        let doc = roxmltree::Document::parse(svg).unwrap();
        assert!(data_marks(&doc) > 10);
    }
    assert!(html.contains("best feasible so far") && html.contains("Convergence: profit (yuan)"));
    // The split reads as shares that sum to one.
    let shares: Vec<f64> = html.match_indices(" (share)").map(|(i, _)| html[..i].rsplit(" = ").next().unwrap().parse::<f64>().unwrap()).collect();
    assert_eq!(shares.len(), 2, "{shares:?}");
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 0.002, "{shares:?}");
    // Every figure of best.csv in the table, in words.
    assert!(html.contains("stock-out days (days)") && html.contains("profit (yuan)"));
}
