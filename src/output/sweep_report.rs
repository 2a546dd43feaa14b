//! The report of a sweep folder, built to answer the sweep's question.
//!
//! - **The design understood.** A parameter whose values are not numbers (e.g. a
//!   `fallback` rule) is categorical: it becomes one line per value, never a numeric axis.
//!   A parameter that is a function of another across the points (two shares that sum to
//!   one) moves with it: the two are one axis, shown by the first in column order. The x
//!   axis is the numeric parameter with the most levels; every other parameter becomes one
//!   line per value.
//! - **A headline per KPI**: the best point (lowest churn, spoilage, cost, stock-out days,
//!   defects; highest profit) with its 95 % CI, and the points that cannot be told apart
//!   from it: paired t-tests of each point against the best over the sweep's common random
//!   numbers (replication r of every point shares its streams), Holm-corrected at 5 %.
//! - **Readable charts**: labels from the last part of each path and each figure's name
//!   with its unit; the cost–spoilage and cost–churn trade-offs with their Pareto fronts.

use std::collections::BTreeMap;
use std::path::Path;

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::chart::{self, Series};
use super::report::{Table, esc, figure_label, page};

/// KPIs of the headline and the charts: (column, lower is better); labels from
/// [`figure_label`].
const KPIS: [(&str, bool); 6] = [("churn_rate", true), ("spoilage_rate", true), ("cost_per_order_yuan", true), ("stockout_days", true), ("defect_rate", true), ("profit_yuan", false)];

/// A parameter's label: the last part of its path in words (e.g. `veg_wholesaler` under a
/// split → `veg wholesaler share`), with the part before it where another parameter of the
/// sweep ends alike (`veg farm mode`, `fruit orchard mode`).
fn label_among(path: &str, all: &[String]) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let last = parts.last().copied().unwrap_or(path);
    let clash = all.iter().filter(|p| p.rsplit('.').next() == Some(last)).count() > 1;
    let words = if clash && parts.len() > 1 { format!("{} {last}", parts[parts.len() - 2]) } else { last.to_string() };
    let words = words.replace('_', " ");
    if path.contains(".split.") { format!("{words} share") } else { words }
}

struct Design {
    /// Whether each parameter is numeric.
    numeric: Vec<bool>,
    /// For a parameter that moves with an earlier one, that one's index.
    follows: Vec<Option<usize>>,
    /// The x axis (a numeric, independent parameter), if any.
    x: Option<usize>,
}

fn design(params: &[String], points: &[Vec<String>]) -> Design {
    let numeric: Vec<bool> = (0..params.len()).map(|j| points.iter().all(|v| v[j].parse::<f64>().is_ok())).collect();
    let levels = |j: usize| {
        let mut v: Vec<&String> = points.iter().map(|p| &p[j]).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    // j follows i if every value of i comes with one value of j, and both have as many levels.
    let function_of = |j: usize, i: usize| {
        let mut seen: BTreeMap<&String, &String> = BTreeMap::new();
        points.iter().all(|p| *seen.entry(&p[i]).or_insert(&p[j]) == &p[j]) && levels(i) == levels(j)
    };
    let mut follows = vec![None; params.len()];
    for j in 0..params.len() {
        follows[j] = (0..j).find(|&i| follows[i].is_none() && numeric[i] == numeric[j] && levels(j) > 1 && function_of(j, i));
    }
    let x = (0..params.len()).filter(|&j| numeric[j] && follows[j].is_none() && levels(j) > 1).max_by_key(|&j| (levels(j), usize::MAX - j));
    Design { numeric, follows, x }
}

/// Two-sided p-value of a paired t-test of `d` (differences) against zero.
fn paired_p(d: &[f64]) -> f64 {
    let n = d.len() as f64;
    if d.len() < 2 {
        return f64::NAN;
    }
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    if sd == 0.0 {
        return if mean == 0.0 { 1.0 } else { 0.0 };
    }
    let t = mean / (sd / n.sqrt());
    StudentsT::new(0.0, 1.0, n - 1.0).map_or(f64::NAN, |s| 2.0 * (1.0 - s.cdf(t.abs())))
}

/// Holm-adjusted p-values (same order as `p`).
fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = p.len() as f64;
    let mut out = vec![1.0; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank as f64) * p[i]).min(1.0));
        out[i] = running;
    }
    out
}

/// The sweep report of `dir` (`summary.csv` and `runs.csv`).
pub(super) fn sweep_report(dir: &Path) -> Result<String, String> {
    let s = Table::read(&dir.join("summary.csv"))?;
    let runs = Table::read(&dir.join("runs.csv"))?;
    let params: Vec<String> = s.headers.iter().skip(1).take_while(|h| h.as_str() != "figure").cloned().collect();
    // Per point: parameter values and (mean, lo, hi) per figure; per point and figure, the values by replication.
    let mut values: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut stats: BTreeMap<(usize, String), (f64, f64, f64)> = BTreeMap::new();
    for r in &s.rows {
        let p: usize = s.text(r, "point").parse().unwrap_or(0);
        values.entry(p).or_insert_with(|| params.iter().map(|c| s.text(r, c).to_string()).collect());
        stats.insert((p, s.text(r, "figure").to_string()), (s.num(r, "mean"), s.num(r, "ci95_low"), s.num(r, "ci95_high")));
    }
    let mut by_rep: BTreeMap<(usize, &str), Vec<(u64, f64)>> = BTreeMap::new();
    for r in &runs.rows {
        let p: usize = runs.text(r, "point").parse().unwrap_or(0);
        let rep: u64 = runs.text(r, "replication").parse().unwrap_or(0);
        for (k, _) in KPIS {
            by_rep.entry((p, k)).or_default().push((rep, runs.num(r, k)));
        }
    }
    // A sweep file's [labels], carried in its manifest, over the defaults.
    let given: BTreeMap<String, String> = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| serde_json::from_value::<Vec<(String, String)>>(m["labels"].clone()).ok())
        .unwrap_or_default()
        .into_iter()
        .collect();
    let label = |p: &str| given.get(p).cloned().unwrap_or_else(|| label_among(p, &params));
    let figure_label = |k: &str| given.get(k).cloned().unwrap_or_else(|| figure_label(k));
    let points: Vec<usize> = values.keys().copied().collect();
    let rows: Vec<Vec<String>> = points.iter().map(|p| values[p].clone()).collect();
    let d = design(&params, &rows);
    let name = |p: usize| -> String {
        let v = &values[&p];
        let parts: Vec<String> = (0..params.len()).filter(|&j| d.follows[j].is_none()).map(|j| format!("{} = {}", label(&params[j]), v[j])).collect();
        format!("point {p} ({})", parts.join(", "))
    };

    // Headline: best point per KPI and the points indistinguishable from it.
    let mut head = String::from("<h2>Best point per KPI</h2>\n<table>\n<tr><th>KPI</th><th>best point</th><th>mean</th><th>95 % CI</th><th>indistinguishable from the best (paired, Holm-corrected, 5 %)</th></tr>\n");
    for (k, lower) in KPIS {
        let lab = figure_label(k);
        let lab = lab.as_str();
        let mut cand: Vec<(usize, f64)> = points.iter().filter_map(|&p| stats.get(&(p, k.to_string())).map(|x| (p, x.0))).filter(|x| x.1.is_finite()).collect();
        if cand.is_empty() {
            continue;
        }
        cand.sort_by(|a, b| if lower { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) });
        let best = cand[0].0;
        let (mean, lo, hi) = stats[&(best, k.to_string())];
        let base: BTreeMap<u64, f64> = by_rep.get(&(best, k)).map(|v| v.iter().copied().collect()).unwrap_or_default();
        let others: Vec<usize> = cand.iter().skip(1).map(|c| c.0).collect();
        let ps: Vec<f64> = others
            .iter()
            .map(|&p| {
                let diffs: Vec<f64> = by_rep.get(&(p, k)).map(|v| v.iter().filter_map(|(r, x)| base.get(r).map(|b| x - b)).collect()).unwrap_or_default();
                paired_p(&diffs)
            })
            .collect();
        let adjusted = holm(&ps);
        let same: Vec<String> = others.iter().zip(&adjusted).filter(|(_, a)| **a >= 0.05 || a.is_nan()).map(|(p, _)| name(*p)).collect();
        let same = if ps.iter().all(|p| p.is_nan()) { "(one replication per point: cannot tell)".to_string() } else if same.is_empty() { "none".into() } else { same.join("; ") };
        head.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{mean:.4}</td><td>[{lo:.4}, {hi:.4}]</td><td style=\"text-align:left\">{}</td></tr>\n",
            esc(lab),
            esc(&name(best)),
            esc(&same)
        ));
    }
    head.push_str("</table>\n");

    // Charts: each KPI against the x axis, one line per combination of the other parameters.
    let mut figs = Vec::new();
    if let Some(xi) = d.x {
        let moving: Vec<String> = (0..params.len()).filter(|&j| d.follows[j] == Some(xi)).map(|j| label(&params[j])).collect();
        let x_desc = if moving.is_empty() { label(&params[xi]) } else { format!("{} (the rest: {})", label(&params[xi]), moving.join(", ")) };
        for (k, _) in KPIS {
            let lab = figure_label(k);
            let lab = lab.as_str();
            let mut groups: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
            for &p in &points {
                let Some(&(mean, lo, hi)) = stats.get(&(p, k.to_string())) else { continue };
                let v = &values[&p];
                let line: Vec<String> = (0..params.len()).filter(|&j| j != xi && d.follows[j].is_none()).map(|j| format!("{} = {}", label(&params[j]), v[j])).collect();
                groups.entry(line.join(", ")).or_default().push((v[xi].parse().unwrap_or(f64::NAN), mean, lo, hi));
            }
            let series: Vec<Series> = groups
                .into_iter()
                .map(|(name, mut v)| {
                    v.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Series { name: if name.is_empty() { "all points".into() } else { name }, points: v.iter().map(|x| (x.0, x.1)).collect(), band: v.iter().map(|x| (x.0, x.2, x.3)).collect() }
                })
                .collect();
            figs.push((chart::lines(&format!("{lab} against {}", label(&params[xi])), &x_desc, lab, &series)?, format!("Mean {lab} over replications with its 95 % CI band; one line per value of the other parameters.")));
        }
    }
    // No numeric parameter: each KPI per point, on one scale, with its CI.
    if d.x.is_none() {
        for (k, _) in KPIS {
            let lab = figure_label(k);
            let lab = lab.as_str();
            let rows: Vec<(String, f64, f64, f64)> = points.iter().filter_map(|&p| stats.get(&(p, k.to_string())).map(|&(m, lo, hi)| (name(p), m, lo, hi))).collect();
            figs.push((chart::dots(&format!("{lab} per point"), lab, &rows)?, format!("Mean {lab} of each point over replications, with its 95 % CI.")));
        }
    }
    // A two-way grid of independent numeric parameters keeps its heat maps.
    let free: Vec<usize> = (0..params.len()).filter(|&j| d.numeric[j] && d.follows[j].is_none()).collect();
    if free.len() == 2 && params.len() == 2 {
        let (a, b) = (free[0], free[1]);
        let mut xs: Vec<String> = rows.iter().map(|v| v[a].clone()).collect();
        let mut ys: Vec<String> = rows.iter().map(|v| v[b].clone()).collect();
        xs.sort_by(|p, q| p.parse::<f64>().unwrap_or(0.0).total_cmp(&q.parse::<f64>().unwrap_or(0.0)));
        xs.dedup();
        ys.sort_by(|p, q| p.parse::<f64>().unwrap_or(0.0).total_cmp(&q.parse::<f64>().unwrap_or(0.0)));
        ys.dedup();
        if xs.len() * ys.len() == points.len() {
            for (k, _) in KPIS.iter().filter(|k| k.0 == "churn_rate" || k.0 == "cost_per_order_yuan") {
                let lab = figure_label(k);
                let lab = lab.as_str();
                let mut grid = vec![vec![f64::NAN; xs.len()]; ys.len()];
                for &p in &points {
                    let v = &values[&p];
                    let (i, j) = (xs.iter().position(|x| *x == v[a]).unwrap_or(0), ys.iter().position(|y| *y == v[b]).unwrap_or(0));
                    grid[j][i] = stats.get(&(p, k.to_string())).map_or(f64::NAN, |x| x.0);
                }
                figs.push((chart::heatmap(lab, &label(&params[a]), &label(&params[b]), &xs, &ys, &grid)?, format!("Mean {lab} over the two-way grid.")));
            }
        }
    }
    for (y, ylab) in [("spoilage_rate", "spoilage rate"), ("churn_rate", "churn rate")] {
        let scatter: Vec<(f64, f64)> = points.iter().filter_map(|&p| Some((stats.get(&(p, y.to_string()))?.0, stats.get(&(p, "cost_per_order_yuan".to_string()))?.0))).collect();
        figs.push((
            chart::pareto_scatter(&format!("Cost against {ylab}, one point per sweep point"), ylab, "cost per order (yuan)", &scatter)?,
            format!("Sweep points by mean {ylab} and cost per order; the red line joins the Pareto front (no point is better on both)."),
        ));
    }
    let shown: Vec<String> = (0..params.len())
        .map(|j| match d.follows[j] {
            Some(i) => format!("{} (moves with {})", label(&params[j]), label(&params[i])),
            None if !d.numeric[j] => format!("{} (categorical)", label(&params[j])),
            None => label(&params[j]),
        })
        .collect();
    let intro = format!("<p>Sweep with {} points over {}.</p>\n{head}", points.len(), esc(&shown.join(", ")));
    Ok(page("cesim sweep", &intro, &figs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|x| x.to_string()).collect()).collect()
    }

    #[test]
    fn shares_that_move_together_are_one_axis_and_rules_are_categories() {
        let params: Vec<String> = ["fallback", "split.farm", "split.wholesaler"].iter().map(|x| x.to_string()).collect();
        let rows = v(&[&["none", "1.0", "0.0"], &["none", "0.8", "0.2"], &["spread", "1.0", "0.0"], &["spread", "0.8", "0.2"]]);
        let d = design(&params, &rows);
        assert_eq!(d.numeric, vec![false, true, true]);
        assert_eq!(d.follows, vec![None, None, Some(1)]);
        assert_eq!(d.x, Some(1));
        // Modes switched together are one categorical parameter.
        let params: Vec<String> = ["a.mode", "b.mode", "c.temp"].iter().map(|x| x.to_string()).collect();
        let rows = v(&[&["cold", "cold", "1"], &["warm", "warm", "1"], &["cold", "cold", "2"]]);
        let d = design(&params, &rows);
        assert_eq!(d.follows, vec![None, Some(0), None]);
        assert_eq!(label_among("suppliers.veg_farm.mode", &params), "veg farm mode");
        assert_eq!(label_among("sourcing.veg.split.farm", &params), "farm share");
    }

    #[test]
    fn holm_adjusts_and_keeps_order() {
        let a = holm(&[0.01, 0.04, 0.03]);
        assert!((a[0] - 0.03).abs() < 1e-12 && (a[2] - 0.06).abs() < 1e-12 && (a[1] - 0.06).abs() < 1e-12, "{a:?}");
        assert!(paired_p(&[1.0, 1.1, 0.9, 1.05]) < 0.001);
        assert!(paired_p(&[1.0, -1.0, 0.5, -0.5]) > 0.5);
    }
}
