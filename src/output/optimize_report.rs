//! The report of a `cesim optimize` folder (`candidates.csv`, `best.csv`): the decision
//! chosen and its KPIs on fresh replications, how the search converged (every candidate's
//! objective in the order evaluated, feasible or not, and the best feasible so far), and the
//! objective against each decision variable.

use std::path::Path;

use super::chart::{self, Series};
use super::report::{Table, esc, figure_label, page};

/// The report, as HTML text.
///
/// # Errors
/// A file that cannot be read, or `candidates.csv` without its objective column.
pub(super) fn optimize_report(dir: &Path) -> Result<String, String> {
    let c = Table::read(&dir.join("candidates.csv"))?;
    let best = Table::read(&dir.join("best.csv"))?;
    let measure = c.headers.iter().find(|h| h.ends_with("_mean") || h.ends_with("_cvar")).ok_or_else(|| format!("{}: candidates.csv has no <figure>_mean or <figure>_cvar column", dir.display()))?.clone();
    let objective = measure.rsplit_once('_').map_or(measure.as_str(), |(f, _)| f).to_string();
    let (from, to) = (c.idx("stage").map_or(0, |i| i + 1), c.idx("reps").unwrap_or(c.headers.len()));
    let decisions: Vec<String> = c.headers[from..to].to_vec();
    let feasible = |r: &[String]| c.text(r, "feasible") == "yes";
    let two = dir.join("pareto.csv").exists();
    let chosen = c.rows.iter().find(|r| c.text(r, "chosen") == "yes");
    let y = format!("{} ({} over the candidate's replications)", figure_label(&objective), if measure.ends_with("_cvar") { "CVaR" } else { "mean" });
    // Convergence: the best feasible so far, in the order candidates were evaluated. The
    // sense is read off the choice: the chosen decision is the best feasible one.
    let maximise = chosen.is_none_or(|ch| c.rows.iter().filter(|r| feasible(r)).all(|r| c.num(r, &measure) <= c.num(ch, &measure) + 1e-9));
    let mut best_so_far = Series { name: "best feasible so far".into(), ..Series::default() };
    let mut groups = vec![Series { name: "feasible".into(), ..Series::default() }, Series { name: "infeasible".into(), ..Series::default() }, Series { name: "chosen".into(), ..Series::default() }];
    let mut top: Option<f64> = None;
    for r in &c.rows {
        let (i, v) = (c.num(r, "candidate"), c.num(r, &measure));
        groups[if feasible(r) { 0 } else { 1 }].points.push((i, v));
        if feasible(r) && top.is_none_or(|t| if maximise { v > t } else { v < t }) {
            top = Some(v);
        }
        if let Some(t) = top {
            best_so_far.points.push((i, t));
        }
    }
    if let Some(ch) = chosen {
        groups[2].points.push((c.num(ch, "candidate"), c.num(ch, &measure)));
    }
    let mut figs = vec![(
        // With two objectives the chosen point is a compromise, not the best on the first:
        // no best-so-far line.
        chart::scatter(&format!("Convergence: {}", figure_label(&objective)), "candidate (in the order evaluated)", &y, &groups, (!two).then_some(&best_so_far))?,
        "Every candidate's estimate, feasible (its chance constraints met) or not, and the best feasible one found so far; the chosen decision was then confirmed by ranking and selection.".to_string(),
    )];
    for d in &decisions {
        let mut g = vec![Series { name: "feasible".into(), ..Series::default() }, Series { name: "infeasible".into(), ..Series::default() }, Series { name: "chosen".into(), ..Series::default() }];
        for r in &c.rows {
            g[if feasible(r) { 0 } else { 1 }].points.push((c.num(r, d), c.num(r, &measure)));
        }
        if let Some(ch) = chosen {
            g[2].points.push((c.num(ch, d), c.num(ch, &measure)));
        }
        figs.push((chart::scatter(&format!("{} against {d}", figure_label(&objective)), d, &y, &g, None)?, format!("Each candidate's {} against its {d}.", figure_label(&objective))));
    }
    if let Ok(front) = Table::read(&dir.join("pareto.csv")) {
        figs.insert(0, pareto_chart(&c, &front, &measure, &objective)?);
    }
    let mut head = String::from(if two { "<p class=\"headline\"><b>The front's compromise</b>" } else { "<p class=\"headline\"><b>Chosen decision</b>" });
    match chosen {
        Some(ch) => head.push_str(&esc(&shown(&decisions, |d| c.num(ch, d), |d| c.text(ch, d).to_string()).join(", "))),
        None => head.push_str("none feasible"),
    }
    head.push_str(&format!(" ({} candidates evaluated).</p>", c.rows.len()));
    let mut table = String::from("<table><tr><th>figure</th><th>mean</th><th>95 % CI</th><th>replications</th></tr>");
    for r in &best.rows {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>[{}, {}]</td><td>{}</td></tr>",
            esc(&figure_label(best.text(r, "figure"))),
            chart::tick(best.num(r, "mean")),
            chart::tick(best.num(r, "ci95_low")),
            chart::tick(best.num(r, "ci95_high")),
            best.text(r, "reps")
        ));
    }
    table.push_str("</table>");
    let intro = format!("{head}<p>The chosen decision's figures on fresh replications it was not selected on (<code>best.csv</code>):</p>{table}");
    Ok(page("cesim optimize", &intro, &figs))
}

/// The Pareto front of a two-objective search: the front's points on fresh replications
/// (`pareto.csv`) with their CIs, over every feasible candidate's search estimates.
fn pareto_chart(c: &Table, front: &Table, measure: &str, first: &str) -> Result<(String, String), String> {
    let second = c.headers.iter().filter(|h| h.as_str() != measure).find_map(|h| h.strip_suffix("_mean")).ok_or("candidates.csv has no second objective")?.to_string();
    let others: Vec<(f64, f64)> = c.rows.iter().filter(|r| c.text(r, "feasible") == "yes" && c.text(r, "on_front") != "yes").map(|r| (c.num(r, measure), c.num(r, &format!("{second}_mean")))).collect();
    let cross = |r: &[String], f: &str| (front.num(r, &format!("{f}_mean")), front.num(r, &format!("{f}_ci95_low")), front.num(r, &format!("{f}_ci95_high")));
    let points: Vec<_> = front.rows.iter().map(|r| (cross(r, first), cross(r, &second))).collect();
    let chosen = front.rows.iter().position(|r| front.text(r, "chosen") == "yes");
    let svg = chart::front(&format!("Pareto front: {} against {}", figure_label(first), figure_label(&second)), &figure_label(first), &figure_label(&second), &others, &points, chosen)?;
    let text = format!(
        "No decision is better on both: along the front, one objective is bought with the other. Each point of the front is measured on fresh replications (mean and 95 % CI on both; pareto.csv, runnable as pareto/point_NN.toml); grey dots are the other feasible candidates' search estimates; the ringed point is the compromise written to best.toml. {} of the front's members are measured.",
        front.rows.len()
    );
    Ok((svg, text))
}

/// Decision values as read: a group of share weights (`… (weight)` columns under one path)
/// as the shares they make, others as written.
fn shown(decisions: &[String], num: impl Fn(&str) -> f64, text: impl Fn(&str) -> String) -> Vec<String> {
    let group = |d: &str| d.strip_suffix(" (weight)").and_then(|p| p.rsplit_once('.')).map(|(g, _)| g.to_string());
    decisions
        .iter()
        .map(|d| match (group(d), d.strip_suffix(" (weight)")) {
            (Some(g), Some(path)) => {
                let total: f64 = decisions.iter().filter(|x| group(x).as_deref() == Some(g.as_str())).map(|x| num(x)).sum();
                format!("{path} = {:.3} (share)", if total > 0.0 { num(d) / total } else { f64::NAN })
            }
            // A whole number as written in a scenario (`16`, not `16.000000`).
            _ => match text(d).parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{d} = {v:.0}"),
                _ => format!("{d} = {}", text(d)),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn weights_read_as_shares() {
        let d = vec!["policy.safety_stock_factor".to_string(), "s.split.farm (weight)".into(), "s.split.shop (weight)".into()];
        let v = |x: &str| match x {
            "policy.safety_stock_factor" => 0.1,
            "s.split.farm (weight)" => 0.6,
            _ => 0.2,
        };
        assert_eq!(shown(&d, v, |x| v(x).to_string()), vec!["policy.safety_stock_factor = 0.1", "s.split.farm = 0.750 (share)", "s.split.shop = 0.250 (share)"]);
        let d = vec!["qc.sample_size".to_string(), "qc.audit".into()];
        let text = |x: &str| if x == "qc.sample_size" { "16.000000".to_string() } else { "spot".to_string() };
        assert_eq!(shown(&d, |_| 0.0, text), vec!["qc.sample_size = 16", "qc.audit = spot"]);
    }
}
