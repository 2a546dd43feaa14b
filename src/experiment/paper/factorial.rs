//! Designs that separate levers: where a claim's two scenarios differ in two levers at once
//! (lax sorting: the supplier's integrity and the sorters' laxity; strict QC: the audit and
//! the sorting; relay: the channel and the refund rule; ambient: the vehicles and the rooms;
//! under-planning: the buffer and the forecast), a 2 × 2 factorial design runs the four arms
//! (A, A with lever 1 of B, A with lever 2 of B, B) under common random numbers and splits
//! the claim's effect into each lever's main effect and their interaction, each with a 95 %
//! CI over the paired replications.
//!
//! With `e(X → Y)` the claim's effect from arm X to arm Y in one replication (the claims'
//! effects are differences of one figure between their two scenarios):
//! - main effect of lever 1 = ½ [e(00 → 10) + e(01 → 11)], of lever 2 likewise;
//! - interaction = e(01 → 11) − e(00 → 10) (how much lever 1 does more with lever 2 on);
//! - both = e(00 → 11), the claim's effect itself.
//!
//! The levers must cover every field on which the two scenarios differ (besides name and
//! description): the arm with both levers is checked to be scenario B, field for field.

use std::path::Path;

use rayon::prelude::*;
use toml::{Table, Value};

use super::{Claim, kind, scenario_table};
use crate::experiment::ExperimentError;
use crate::experiment::stats::{MeanCi, mean_ci};
use crate::model::RunReport;
use crate::scenario::{self, path};

/// A lever: a name and the fields it sets.
type Lever = (&'static str, &'static [&'static str]);

/// The scenario pairs that change two levers at once, and their levers (in either order of
/// the pair: the arms take B's values onto A).
const PAIRS: &[(&str, &str, [Lever; 2])] = &[
    (
        "honest_sorting",
        "lax_sorting",
        [("supplier integrity (false origin, relabelling)", &["suppliers.fruit_orchard.false_origin_prob", "suppliers.fruit_orchard.relabel_prob"]), ("sorter laxity", &["qc.sorter_laxity"])],
    ),
    ("lax_sorting", "strict_qc", [("audit", &["qc.audit"]), ("sorter laxity", &["qc.sorter_laxity"])]),
    (
        "aftersales_app",
        "aftersales_relay",
        [("channel (app or leader relay)", &["aftersales.channel", "aftersales.app_hours", "aftersales.relay_step_hours"]), ("refund rule", &["aftersales.refund_rule", "aftersales.resalable_share"])],
    ),
    (
        "cold_chain",
        "ambient_chain",
        [
            (
                "vehicles (cold or ambient)",
                &[
                    "central_warehouse.linehaul_mode",
                    "grid_warehouses.grid_east.last_mile_mode",
                    "grid_warehouses.grid_west.last_mile_mode",
                    "suppliers.fruit_orchard.mode",
                    "suppliers.tofu_workshop.mode",
                    "suppliers.veg_farm.mode",
                ],
            ),
            ("rooms (4 or 25 °C)", &["central_warehouse.temp_c", "grid_warehouses.grid_east.temp_c", "grid_warehouses.grid_west.temp_c"]),
        ],
    ),
    ("plan_forecast", "plan_under", [("forecast", &["policy.forecast"]), ("safety buffer", &["policy.safety_stock_factor"])]),
];

/// One term of a claim's factorial decomposition.
#[derive(Debug, Clone)]
pub struct Term {
    /// The claim.
    pub claim: &'static str,
    /// `main: <lever>`, `interaction` or `both (the claim's effect)`.
    pub term: String,
    /// Mean and 95 % CI over the paired replications.
    pub ci: MeanCi,
}

/// The levers of a claim's pair, if it is one of [`PAIRS`] (in either order).
fn levers_of(claim: &Claim) -> Option<[Lever; 2]> {
    let [a, b] = claim.scenarios else { return None };
    PAIRS.iter().find(|(x, y, _)| (x == a && y == b) || (x == b && y == a)).map(|p| p.2)
}

/// Removes the field at a dotted `path` of tables (named array entries allowed, as in
/// [`path::get`]); nothing if absent.
fn remove(root: &mut Table, p: &str) {
    let Some((parent, key)) = p.rsplit_once('.') else {
        root.remove(p);
        return;
    };
    let mut here: &mut Table = root;
    for step in parent.split('.') {
        let next = match here.get_mut(step) {
            Some(Value::Table(t)) => t,
            _ => return,
        };
        here = next;
    }
    // A parent that is an entry of an array by name is not reached by the walk above;
    // the pairs only remove fields of top-level tables.
    here.remove(key);
}

/// Arm `mask` (bit j: lever j taken from B) of the pair (a, b).
fn arm(a: &Table, b: &Table, levers: &[Lever; 2], mask: usize, file: &str) -> Result<Table, ExperimentError> {
    let mut t = a.clone();
    for (j, (_, fields)) in levers.iter().enumerate() {
        if mask & (1 << j) == 0 {
            continue;
        }
        for f in *fields {
            match path::get(b, f) {
                Some(v) => path::set(&mut t, f, v.clone()).map_err(|e| ExperimentError::Io(format!("{file}: {e}")))?,
                None => remove(&mut t, f),
            }
        }
    }
    Ok(t)
}

/// The tables of `a` and `b` without their name and description, for comparison.
fn body(t: &Table) -> Table {
    let mut t = t.clone();
    t.remove("name");
    t.remove("description");
    t
}

/// The factorial decomposition of every claim on a pair of [`PAIRS`], `reps` paired
/// replications each.
///
/// # Errors
/// A scenario that does not load or validate, a run that fails, or levers that do not
/// turn A into B.
pub fn factorials(claims: &[Claim], dir: &Path, reps: usize, seed: u64, jobs: usize) -> Result<Vec<Term>, ExperimentError> {
    // The arms of each pair (in the claims' order of A and B), built and checked once.
    let mut pairs: Vec<(&str, &str, Vec<scenario::Scenario>)> = Vec::new();
    for c in claims {
        let (Some(levers), [a, b]) = (levers_of(c), c.scenarios) else { continue };
        if pairs.iter().any(|(x, y, _)| x == a && y == b) {
            continue;
        }
        let ((ta, file), (tb, _)) = (scenario_table(dir, a)?, scenario_table(dir, b)?);
        let mut arms = Vec::new();
        for mask in 0..4 {
            let t = arm(&ta, &tb, &levers, mask, &file)?;
            if mask == 3 && body(&t) != body(&tb) {
                return Err(ExperimentError::Io(format!("the levers of {a} → {b} do not turn {a} into {b}: a field they differ on is in no lever")));
            }
            let text = toml::to_string(&t).map_err(|e| ExperimentError::Io(e.to_string()))?;
            arms.push(scenario::parse_str(&text, &file)?);
        }
        pairs.push((a, b, arms));
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build().map_err(|e| ExperimentError::Io(e.to_string()))?;
    let n = pairs.len() * 4 * reps;
    let runs: Vec<Result<RunReport, ExperimentError>> = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let (p, m, r) = (i / (4 * reps), (i / reps) % 4, i % reps);
                crate::model::run(&pairs[p].2[m], seed, r as u64).map_err(|e| ExperimentError::Run { run: i, message: format!("{} → {} arm {m}: {e}", pairs[p].0, pairs[p].1) })
            })
            .collect()
    });
    let runs: Vec<RunReport> = runs.into_iter().collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for c in claims {
        let (Some(levers), [a, b]) = (levers_of(c), c.scenarios) else { continue };
        let p = pairs.iter().position(|(x, y, _)| x == a && y == b).expect("every pair was built");
        let at = |m: usize, r: usize| &runs[(p * 4 + m) * reps + r];
        let e = |from: usize, to: usize, r: usize| (c.effect)(&[at(from, r), at(to, r)]);
        let term = |name: String, f: &dyn Fn(usize) -> f64| Term { claim: c.id, term: name, ci: mean_ci(&(0..reps).map(f).collect::<Vec<_>>(), 0.95) };
        out.push(term(format!("main: {}", levers[0].0), &|r| 0.5 * (e(0, 1, r) + e(2, 3, r))));
        out.push(term(format!("main: {}", levers[1].0), &|r| 0.5 * (e(0, 2, r) + e(1, 3, r))));
        out.push(term("interaction".into(), &|r| e(2, 3, r) - e(0, 1, r)));
        out.push(term("both (the claim's effect)".into(), &|r| e(0, 3, r)));
    }
    Ok(out)
}

/// `factorial.csv`: claim, kind, kpi, term, reps, seed, mean_effect, ci95_low, ci95_high,
/// and whether the CI excludes zero.
pub fn factorial_csv(terms: &[Term], claims: &[Claim], reps: usize, seed: u64) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["claim", "kind", "scenario_a", "scenario_b", "kpi", "term", "reps", "seed", "mean_effect", "ci95_low", "ci95_high", "nonzero"]);
    for t in terms {
        let Some(c) = claims.iter().find(|c| c.id == t.claim) else { continue };
        let _ = w.write_record([
            t.claim.to_string(),
            kind(t.claim).to_string(),
            c.scenarios[0].to_string(),
            c.scenarios[1].to_string(),
            c.kpi.to_string(),
            t.term.clone(),
            reps.to_string(),
            seed.to_string(),
            format!("{:.6}", t.ci.mean),
            format!("{:.6}", t.ci.lo),
            format!("{:.6}", t.ci.hi),
            if t.ci.lo > 0.0 || t.ci.hi < 0.0 { "yes" } else { "no" }.to_string(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_take_each_lever_from_b_and_remove_what_b_lacks() {
        let a: Table = toml::from_str("[x]\np = 1\nq = 2\nkeep = 0\n[y]\nr = \"a\"\n").unwrap();
        let b: Table = toml::from_str("[x]\np = 10\nkeep = 0\n[y]\nr = \"b\"\n").unwrap();
        let levers: [Lever; 2] = [("one", &["x.p", "x.q"]), ("two", &["y.r"])];
        let get = |t: &Table, p: &str| path::get(t, p).cloned();
        let t1 = arm(&a, &b, &levers, 1, "f").unwrap();
        assert_eq!((get(&t1, "x.p"), get(&t1, "x.q"), get(&t1, "y.r")), (Some(Value::Integer(10)), None, Some(Value::String("a".into()))));
        let t2 = arm(&a, &b, &levers, 2, "f").unwrap();
        assert_eq!((get(&t2, "x.p"), get(&t2, "x.q"), get(&t2, "y.r")), (Some(Value::Integer(1)), Some(Value::Integer(2)), Some(Value::String("b".into()))));
        assert_eq!(arm(&a, &b, &levers, 3, "f").unwrap(), b);
        assert_eq!(arm(&a, &b, &levers, 0, "f").unwrap(), a);
    }
}
