//! The report of a `cesim calibrate` folder (`parameters.csv`, `fit.csv`, and ABC's
//! `posterior.csv`): each parameter's estimate and 90 % range within its prior, and each
//! target's fit — the simulated mean's gap to the observed value in the target's own sds.

use std::path::Path;

use super::chart;
use super::report::{Table, esc, page};

/// The report, as HTML text.
///
/// # Errors
/// A file that cannot be read.
pub(super) fn calibrate_report(dir: &Path) -> Result<String, String> {
    let p = Table::read(&dir.join("parameters.csv"))?;
    let f = Table::read(&dir.join("fit.csv"))?;
    let identified = |r: &[String]| p.text(r, "identified") == "true";
    // Ranges as shares of the prior range, so parameters of any unit share one axis.
    let share = |r: &[String], col: &str| {
        let (lo, hi) = (p.num(r, "prior_min"), p.num(r, "prior_max"));
        (p.num(r, col) - lo) / (hi - lo)
    };
    let ranges: Vec<(String, f64, f64, f64)> = p
        .rows
        .iter()
        .map(|r| (format!("{}{}", p.text(r, "parameter"), if identified(r) { "" } else { " (not identified)" }), share(r, "estimate"), share(r, "low"), share(r, "high")))
        .collect();
    let gaps: Vec<(String, f64, f64, f64)> = f
        .rows
        .iter()
        .map(|r| {
            let (obs, sd) = (f.num(r, "observed"), f.num(r, "sd"));
            let z = |col: &str| (f.num(r, col) - obs) / sd;
            (format!("{}{}", f.text(r, "target"), if f.text(r, "within") == "true" { "" } else { " (off)" }), z("simulated"), z("ci95_low"), z("ci95_high"))
        })
        .collect();
    let mut figs = vec![
        (
            chart::dots("Each parameter's estimate and 90 % range, within its prior", "share of the prior range (0 = its min, 1 = its max)", &ranges)?,
            "A range spanning most of the prior means the targets leave the parameter where the prior put it: not identified by them, which is an answer, not a failure.".to_string(),
        ),
        (
            chart::dots("The fit: simulated mean − observed, in the target's sds", "(simulated − observed) / sd, with the simulated mean's 95 % CI", &gaps)?,
            "Each target's simulated mean at the estimate, on fresh replications, minus its observed value, in units of the observed value's stated uncertainty; within ±1.96 (and the estimate's own uncertainty) the target is met.".to_string(),
        ),
    ];
    if let Ok(post) = Table::read(&dir.join("posterior.csv")) {
        let names: Vec<String> = post.headers.iter().skip(3).cloned().collect();
        if names.len() >= 2 {
            let pts: Vec<(f64, f64)> = post.rows.iter().map(|r| (post.num(r, &names[0]), post.num(r, &names[1]))).collect();
            let g = [chart::Series { name: "posterior particles".into(), points: pts, band: Vec::new() }];
            figs.push((chart::scatter("The ABC posterior sample: the first two parameters", &names[0], &names[1], &g, None)?, format!("The {} particles of the last population (posterior.csv, with their weights).", post.rows.len())));
        }
    }
    let mut table = String::from("<table><tr><th>parameter</th><th>estimate</th><th>90 % range</th><th>prior</th><th>identified</th></tr>");
    for r in &p.rows {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>[{}, {}]</td><td>[{}, {}]</td><td>{}</td></tr>",
            esc(p.text(r, "parameter")),
            chart::tick(p.num(r, "estimate")),
            chart::tick(p.num(r, "low")),
            chart::tick(p.num(r, "high")),
            chart::tick(p.num(r, "prior_min")),
            chart::tick(p.num(r, "prior_max")),
            if identified(r) { "yes" } else { "no" }
        ));
    }
    table.push_str("</table><table><tr><th>target</th><th>observed ± sd</th><th>simulated</th><th>95 % CI</th><th>within</th><th>source</th></tr>");
    for r in &f.rows {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{} ± {}</td><td>{}</td><td>[{}, {}]</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
            esc(f.text(r, "target")),
            chart::tick(f.num(r, "observed")),
            chart::tick(f.num(r, "sd")),
            chart::tick(f.num(r, "simulated")),
            chart::tick(f.num(r, "ci95_low")),
            chart::tick(f.num(r, "ci95_high")),
            f.text(r, "within"),
            esc(f.text(r, "source"))
        ));
    }
    table.push_str("</table>");
    let met = f.rows.iter().filter(|r| f.text(r, "within") == "true").count();
    let ided = p.rows.iter().filter(|r| identified(r)).count();
    let intro = format!("<p class=\"headline\"><b>{met} of {} targets met; {ided} of {} parameters identified</b></p>{table}", f.rows.len(), p.rows.len());
    Ok(page("cesim calibrate", &intro, &figs))
}
