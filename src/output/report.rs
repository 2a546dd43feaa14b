//! HTML reports: one self-contained file (inline SVG charts, no script, nothing fetched)
//! for the output folder of `cesim run`, `sweep`, `compare` or `paper`, read back from the
//! CSV and JSON files those commands write.

use std::collections::BTreeMap;
use std::path::Path;

use super::chart::{self, Series};

/// A CSV file as columns.
pub(super) struct Table {
    pub(super) headers: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

impl Table {
    pub(super) fn read(path: &Path) -> Result<Table, String> {
        let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let headers = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.iter().map(String::from).collect();
        let rows = r.records().map(|x| x.map(|x| x.iter().map(String::from).collect())).collect::<Result<_, _>>().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Table { headers, rows })
    }

    pub(super) fn idx(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub(super) fn num(&self, row: &[String], name: &str) -> f64 {
        self.idx(name).and_then(|i| row.get(i)).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
    }

    pub(super) fn text<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.idx(name).and_then(|i| row.get(i)).map_or("", String::as_str)
    }

    pub(super) fn col(&self, name: &str) -> Vec<f64> {
        self.rows.iter().map(|r| self.num(r, name)).collect()
    }
}

/// A figure's label with its unit, for charts and tables: e.g. `churn_rate` → "churn rate
/// (share of residents)", `profit_yuan` → "profit (yuan)"; a name it does not know in words,
/// its unit (`_yuan`, `_days`, `_hours`, `_km`, `_kg`) in brackets.
pub fn figure_label(name: &str) -> String {
    let known = match name {
        "churn_rate" => "churn rate (share of residents)",
        "churn_rate_net" => "net churn rate (share of residents)",
        "spoilage_rate" => "spoilage rate (share of units procured)",
        "transit_spoilage_rate" => "transit spoilage rate (share of units shipped)",
        "fill_rate" => "fill rate (share of units ordered)",
        "defect_rate" => "defect rate (share handed over)",
        "net_margin" => "net margin (share of revenue)",
        "stockout_days" => "stock-out days (days)",
        "orders" => "orders (count)",
        "lots_rejected" => "lots rejected (lots)",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    for unit in ["yuan", "days", "hours", "km", "kg"] {
        if let Some(head) = name.strip_suffix(&format!("_{unit}")) {
            return format!("{} ({unit})", head.replace('_', " "));
        }
    }
    if let Some(rest) = name.strip_prefix("units_") {
        return format!("units {} (units)", rest.replace('_', " "));
    }
    name.replace('_', " ")
}

pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Assembles the page.
pub(super) fn page(title: &str, intro: &str, figures: &[(String, String)]) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>{}</title>\n", esc(title)));
    h.push_str("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}figure{margin:1.5em 0;border-top:1px solid #ddd;padding-top:1em}figcaption{color:#555;font-size:0.9em;margin-top:0.3em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}.headline{display:flex;flex-wrap:wrap;gap:1em}.headline div{border-left:4px solid #0072B2;padding:0.2em 0.8em}.headline b{display:block;font-size:1.3em}.headline small{display:block;color:#555}.note{color:#555;font-size:0.9em}</style>\n");
    h.push_str("</head><body>\n");
    h.push_str(&format!("<h1>{}</h1>\n{intro}\n", esc(title)));
    for (svg, caption) in figures {
        h.push_str(&format!("<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n", esc(caption)));
    }
    h.push_str("</body></html>\n");
    h
}

/// The report of an output folder, as HTML text.
///
/// # Errors
/// A message naming the folder if it holds no known output, or a file that cannot be read.
pub fn report(dir: &Path) -> Result<String, String> {
    if dir.join("sensitivity.csv").exists() {
        sensitivity_report(dir)
    } else if dir.join("daily.csv").exists() && dir.join("summary.json").exists() {
        run_report(dir)
    } else if dir.join("summary.csv").exists() && dir.join("runs.csv").exists() {
        super::sweep_report::sweep_report(dir)
    } else if dir.join("candidates.csv").exists() && dir.join("best.csv").exists() {
        super::optimize_report::optimize_report(dir)
    } else if dir.join("parameters.csv").exists() && dir.join("fit.csv").exists() {
        super::calibrate_report::calibrate_report(dir)
    } else if dir.join("compare.csv").exists() {
        forest_report(dir, "compare.csv", "figure", "diff", "significant", "Paired comparison")
    } else if dir.join("claims.csv").exists() {
        forest_report(dir, "claims.csv", "claim", "mean_effect", "holds", "The paper's claims")
    } else {
        Err(format!(
            "{}: no cesim output here (want daily.csv + summary.json from run, runs.csv + summary.csv from sweep, candidates.csv + best.csv from optimize, parameters.csv + fit.csv from calibrate, compare.csv or claims.csv)",
            dir.display()
        ))
    }
}

/// Morris: the μ*–σ plane per figure; Sobol: S1 and ST bars with CIs per figure.
fn sensitivity_report(dir: &Path) -> Result<String, String> {
    let t = Table::read(&dir.join("sensitivity.csv"))?;
    let mut figures: Vec<String> = Vec::new();
    for r in &t.rows {
        let f = t.text(r, "figure").to_string();
        if !figures.contains(&f) {
            figures.push(f);
        }
    }
    let morris = t.idx("mu_star").is_some();
    let mut figs = Vec::new();
    for f in &figures {
        let rows: Vec<&Vec<String>> = t.rows.iter().filter(|r| t.text(r, "figure") == f).collect();
        if morris {
            let pts: Vec<(String, f64, f64)> = rows.iter().map(|r| (t.text(r, "parameter").to_string(), t.num(r, "mu_star"), t.num(r, "sigma"))).collect();
            figs.push((
                chart::labelled_scatter(&format!("Morris screening of {f}"), "μ* (mean |elementary effect| per full range)", "σ (spread of the effects)", &pts)?,
                format!("{f}: inputs far right matter most; high σ means the effect depends on the level of this or other inputs (non-linear, interacting); at the origin: no effect."),
            ));
        } else {
            let bars: Vec<(String, chart::WithCi, chart::WithCi)> = rows
                .iter()
                .map(|r| {
                    let g = |c: &str| (t.num(r, c), t.num(r, &format!("{c}_ci_low")), t.num(r, &format!("{c}_ci_high")));
                    (t.text(r, "parameter").to_string(), g("s1"), g("st"))
                })
                .collect();
            figs.push((
                chart::index_bars(&format!("Sobol indices of {f}"), "S1 (alone)", "ST (with interactions)", &bars)?,
                format!("{f}: the share of its variance each input explains alone (S1) and with its interactions (ST); ST − S1 is interaction."),
            ));
        }
    }
    let method = if morris { "Morris elementary effects" } else { "Sobol indices" };
    Ok(page(&format!("Sensitivity: {method}"), "<p>From <code>sensitivity.csv</code> (see the README, Sensitivity analysis).</p>", &figs))
}

fn series(t: &Table, x: &str, y: &str, name: &str) -> Series {
    let xs = t.col(x);
    let ys = t.col(y);
    Series { name: name.to_string(), points: xs.into_iter().zip(ys).collect(), band: Vec::new() }
}

fn run_report(dir: &Path) -> Result<String, String> {
    let daily = Table::read(&dir.join("daily.csv"))?;
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).map_err(|e| format!("{}: {e}", dir.display()))?).map_err(|e| e.to_string())?;
    let mut figs = Vec::new();
    let f = |svg: Result<String, String>, cap: &str, figs: &mut Vec<(String, String)>| -> Result<(), String> {
        figs.push((svg?, cap.to_string()));
        Ok(())
    };
    f(
        chart::lines("Residents who are customers", "day", "residents", &[series(&daily, "day", "active_residents", "active residents")]),
        "Residents in the market who are customers of a platform at the end of each day.",
        &mut figs,
    )?;
    let causes = ["price", "stockout", "defect", "refund", "leader_left", "scandal", "other", "moved"];
    let churn: Vec<Series> = causes.iter().map(|c| series(&daily, "day", &format!("churn_{c}"), c)).collect();
    f(chart::lines("Customers lost per day, by cause", "day", "customers lost", &churn), "Churn by cause: the last bad experience with the platform within memory, or price, other, moved.", &mut figs)?;
    // Waterfall: procured → losses by stage → what reached residents (or is still in the chain).
    let t = &summary["totals"];
    let procured = t["units_procured"].as_f64().unwrap_or(0.0);
    let stages: Vec<(String, f64)> = t["spoiled_by_stage"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| Some((x[0].as_str()?.to_string(), x[1].as_f64()?))).collect())
        .unwrap_or_default();
    let returned = t["units_returned"].as_f64().unwrap_or(0.0);
    let mut steps: Vec<(String, f64)> = stages.iter().map(|(n, v)| (format!("− {n}"), *v)).collect();
    steps.push(("− returned".into(), returned));
    let left = procured - steps.iter().map(|s| s.1).sum::<f64>();
    let sold = t["units_sold"].as_f64().unwrap_or(0.0);
    steps.push(("− still in stock / transit".into(), (left - sold).max(0.0)));
    f(
        chart::waterfall("Units: from procured to sold", "units", ("procured", procured), &steps, "sold"),
        "Spoilage by stage as a waterfall: every unit bought is sold, lost at a stage, returned, or still in the chain.",
        &mut figs,
    )?;
    let lines = [
        ("cogs_yuan", "goods sold"),
        ("write_offs_yuan", "write-offs"),
        ("transport_inbound_yuan", "transport inbound"),
        ("transport_linehaul_yuan", "transport linehaul"),
        ("transport_last_mile_yuan", "transport last mile"),
        ("transport_fleet_yuan", "own fleet"),
        ("warehousing_yuan", "warehousing"),
        ("qc_yuan", "quality control"),
        ("commission_yuan", "leader commission"),
        ("coupons_yuan", "coupons"),
    ];
    let orders = daily.col("orders");
    let days = daily.col("day");
    let layers: Vec<Series> = lines
        .iter()
        .map(|(c, n)| Series {
            name: n.to_string(),
            points: days.iter().zip(daily.col(c)).zip(&orders).map(|((&d, v), &o)| (d, if o > 0.0 { v / o } else { 0.0 })).collect(),
            band: Vec::new(),
        })
        .collect();
    f(chart::stacked("Cost per order by line", "day", "yuan per order", &layers), "Each day's costs divided by that evening's orders, stacked by line.", &mut figs)?;
    let shorts: Vec<Series> = std::iter::once(series(&daily, "day", "units_stockout", "missing at pickup"))
        .chain(["shock", "supplier", "capacity", "quality", "other"].iter().map(|c| series(&daily, "day", &format!("short_{c}"), &format!("short: {c}"))))
        .collect();
    f(chart::lines("Stock-outs", "day", "units", &shorts), "Units missing at pickup, and units the central warehouse could not allocate, by cause.", &mut figs)?;
    if dir.join("platforms.csv").exists() {
        let p = Table::read(&dir.join("platforms.csv"))?;
        let mut by: BTreeMap<String, Vec<&Vec<String>>> = BTreeMap::new();
        for r in &p.rows {
            by.entry(p.text(r, "platform").to_string()).or_default().push(r);
        }
        let per = |col: &str| -> Vec<Series> {
            by.iter()
                .map(|(name, rows)| Series { name: name.clone(), points: rows.iter().map(|r| (p.num(r, "day"), p.num(r, col))).collect(), band: Vec::new() })
                .collect()
        };
        f(chart::lines("Market share by platform", "day", "share of shopping occasions", &per("market_share")), "Orders / shopping occasions (the outside option included).", &mut figs)?;
        f(chart::lines("Price index by platform", "day", "basket price / outside prices", &per("price_index")), "Each platform's basket price over the same basket at the outside option's prices (wet market, supermarket); 1 = at par.", &mut figs)?;
        f(
            chart::lines("Refund lead time by platform", "day", "hours from report to decision", &per("refund_lead_time_hours")),
            "Mean hours from a complaint to the refund decision (0 on days without complaints).",
            &mut figs,
        )?;
    }
    let intro = format!(
        "<p>Scenario <b>{}</b>, seed {}, replication {}, {} days, {} residents.</p>\n{}",
        esc(summary["scenario"].as_str().unwrap_or("")),
        summary["seed"],
        summary["replication"],
        summary["days"],
        summary["residents_initial"],
        headline(dir, &summary["kpis"])?,
    );
    Ok(page(&format!("cesim run: {}", summary["scenario"].as_str().unwrap_or("")), &intro, &figs))
}

/// The headline KPIs of a run report, as (figure, label, percent?).
const HEADLINE: [(&str, &str, bool); 6] = [
    ("churn_rate", "churn", true),
    ("spoilage_rate", "spoilage", true),
    ("fill_rate", "fill rate", true),
    ("cost_per_order_yuan", "cost per order, yuan", false),
    ("profit_yuan", "profit, yuan", false),
    ("net_margin", "net margin", true),
];

/// A block of the headline KPIs: means with 95 % CIs over replications when the folder has
/// `kpis.csv` (`figure, mean, ci95_low, ci95_high, n`, as `cesim serve` writes it), else this
/// replication's values.
fn headline(dir: &Path, kpis: &serde_json::Value) -> Result<String, String> {
    let show = |v: f64, pct: bool| if pct { format!("{:.2} %", 100.0 * v) } else { chart::tick(v) };
    let ci = if dir.join("kpis.csv").exists() { Some(Table::read(&dir.join("kpis.csv"))?) } else { None };
    let mut h = String::from("<div class=\"headline\">");
    let mut n_reps = 1.0;
    for (key, label, pct) in HEADLINE {
        let row = ci.as_ref().and_then(|t| t.rows.iter().find(|r| t.text(r, "figure") == key).map(|r| (t, r)));
        let (value, band) = match row {
            Some((t, r)) => {
                n_reps = t.num(r, "n");
                (t.num(r, "mean"), format!("<small>95 % CI {} – {}</small>", show(t.num(r, "ci95_low"), pct), show(t.num(r, "ci95_high"), pct)))
            }
            None => (kpis[key].as_f64().unwrap_or(f64::NAN), String::new()),
        };
        h.push_str(&format!("<div><span>{label}</span><b>{}</b>{band}</div>", show(value, pct)));
    }
    h.push_str("</div>");
    let note = if ci.is_some() { format!("Means over {n_reps} replications with 95 % confidence intervals; the charts show replication 0.") } else { "One replication: no confidence interval (run replications, e.g. with <code>cesim sweep</code> or <code>cesim serve</code>, for one).".into() };
    Ok(format!("{h}\n<p class=\"note\">{note}</p>"))
}

/// A forest plot of paired effects (a comparison's figures, or the paper's claims), with a
/// headline of what differs or holds.
fn forest_report(dir: &Path, file: &str, label: &str, mean: &str, ok: &str, title: &str) -> Result<String, String> {
    let t = Table::read(&dir.join(file))?;
    let claims = label == "claim";
    let rows: Vec<(String, f64, f64, f64, bool)> = t
        .rows
        .iter()
        .map(|r| {
            let good = matches!(t.text(r, ok), "yes" | "true");
            let name = t.text(r, label);
            let shown = if claims { name.to_string() } else { figure_label(name) };
            (shown, t.num(r, mean), t.num(r, "ci95_low"), t.num(r, "ci95_high"), good)
        })
        .collect();
    let svg = chart::forest(title, &rows)?;
    let mut table = String::from("<table><tr><th>row</th><th>effect</th><th>95 % CI</th><th></th></tr>");
    for (l, m, lo, hi, g) in &rows {
        table.push_str(&format!("<tr><td>{}</td><td>{m:.4}</td><td>[{lo:.4}, {hi:.4}]</td><td>{}</td></tr>", esc(l), if *g { "✓" } else { "✗" }));
    }
    table.push_str("</table>");
    let yes: Vec<&str> = rows.iter().filter(|r| r.4).map(|r| r.0.as_str()).collect();
    let headline = if claims {
        let kinds: Vec<&str> = t.rows.iter().map(|r| t.text(r, "kind")).collect();
        let count = |kind: &str, held: bool| t.rows.iter().zip(&rows).filter(|(r, x)| t.text(r, "kind") == kind && (!held || x.4)).count();
        let mut h = format!("<p class=\"headline\"><b>{} of {} claims hold</b>", yes.len(), rows.len());
        for (kind, name) in [("finding", "findings"), ("identity", "identities")] {
            if kinds.contains(&kind) {
                h.push_str(&format!("; {name}: {} of {}", count(kind, true), count(kind, false)));
            }
        }
        h.push_str(" (a finding could have come out otherwise; an identity follows from one equation or the inputs: a check of the implementation).</p>");
        h
    } else {
        let no: Vec<&str> = rows.iter().filter(|r| !r.4).map(|r| r.0.as_str()).collect();
        format!(
            "<p class=\"headline\"><b>{} of {} figures differ</b> (95 % CI of B − A excludes 0): {}.</p><p>Cannot be told apart: {}.</p>",
            yes.len(),
            rows.len(),
            esc(&yes.join("; ")),
            if no.is_empty() { "none".to_string() } else { esc(&no.join("; ")) }
        )
    };
    let intro = format!("{headline}<p>Effects B − A with 95 % CIs (green: significant / holds; red: not).</p>");
    let mut html = page(title, &intro, &[(svg, "Forest plot: each row scaled to its own largest absolute value; the vertical line is no effect.".into())]);
    html = html.replace("</body></html>", &format!("{table}\n</body></html>"));
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::figure_label;

    #[test]
    fn figures_read_in_words_with_units() {
        assert_eq!(figure_label("churn_rate"), "churn rate (share of residents)");
        assert_eq!(figure_label("cost_per_order_yuan"), "cost per order (yuan)");
        assert_eq!(figure_label("refund_lead_time_hours"), "refund lead time (hours)");
        assert_eq!(figure_label("units_procured"), "units procured (units)");
        assert_eq!(figure_label("stockout_days"), "stock-out days (days)");
        assert_eq!(figure_label("mystery_figure"), "mystery figure");
    }
}
