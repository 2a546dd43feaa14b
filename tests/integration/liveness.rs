//! Every input acts or is refused: the liveness test. It walks every numeric, boolean and
//! enum field of `tests/data/everything.toml` (a market with every mechanism on), perturbs
//! it, and asserts that some output changes — or that `cesim validate` warns the field
//! cannot act in this scenario. A field that does nothing, silently, is a bug.

use cesim::output::{DayRow, PlatformRow, Summary};
use cesim::scenario::{self, Scenario, warnings};
use toml::{Table, Value};

/// Every enum value the schema knows: a string field is perturbed to the first of these
/// (other than its own) that the schema accepts there.
const ENUM_VALUES: [&str; 33] = [
    "self_check", "recheck", "spot", "chilled", "ambient", "frozen", "fefo", "fifo", "list", "cost_plus", "match_lowest", "undercut",
    "subsidy_war", "competitor_aware", "none", "cost", "leader_relay", "in_app", "resalable_only", "no_questions", "all",
    "top_spend", "moving_average", "exp_smoothing", "origin_direct", "wholesaler", "brand", "self_operated", "spread", "yield",
    "road_closed", "truck_breakdown", "supplier_exit",
];

/// Leaves of `v` with their dotted paths (array elements as `[i]`).
fn leaves(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                leaves(x, p, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| x.is_table()) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, format!("{path}[{i}]"), out);
            }
        }
        _ => out.push((path, v.clone())),
    }
}

/// Candidate perturbations of a value, in order of preference.
fn perturbations(v: &Value) -> Vec<Value> {
    match v {
        Value::Float(x) => {
            let x = *x;
            [x * 1.5, x * 0.5, x + 1.0, x - 1.0, x + 0.1, x - 0.1, 0.5, 1.0 - x, 0.9].into_iter().filter(|y| *y != x).map(Value::Float).collect()
        }
        Value::Integer(i) => [i * 2, i + 1, i - 1, i / 2, 1].into_iter().filter(|y| y != i).map(Value::Integer).collect(),
        Value::Boolean(b) => vec![Value::Boolean(!b)],
        Value::String(s) if ENUM_VALUES.contains(&s.as_str()) => {
            ENUM_VALUES.iter().filter(|e| **e != s).map(|e| Value::String((*e).to_string())).collect()
        }
        Value::Array(a) if a.iter().all(|x| x.is_float()) => {
            vec![Value::Array(a.iter().map(|x| Value::Float(x.as_float().unwrap_or(0.0) * 1.5)).collect())]
        }
        _ => Vec::new(),
    }
}

fn set(t: &mut Table, path: &str, value: Value) {
    scenario::path::set(t, path, value).unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// Everything a run writes, as bytes.
fn outputs(sc: &Scenario) -> Vec<u8> {
    let r = cesim::model::run(sc, sc.run.seed, 0).expect("runs");
    let mut out = serde_json::to_vec(&Summary::new(&r)).unwrap();
    out.extend(cesim::output::write::csv_bytes(&DayRow::all(&r)).unwrap());
    out.extend(cesim::output::write::csv_bytes(&PlatformRow::all(&r)).unwrap());
    out
}

/// Whether warning field `w` covers `path` (the field itself, or a table above it).
fn covers(w: &str, path: &str) -> bool {
    path == w || path.starts_with(&format!("{w}.")) || path.starts_with(&format!("{w}["))
}

#[test]
fn every_field_acts_or_is_warned_about() {
    let file = crate::file("tests/data/everything.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let base = scenario::parse_str(&text, "everything.toml").unwrap();
    let base_out = outputs(&base);
    let table = Table::try_from(&base).unwrap();
    let mut fields = Vec::new();
    leaves(&Value::Table(table.clone()), String::new(), &mut fields);
    // The seed and the horizon change outputs trivially, replications act in experiments
    // (not in one run); names are not values; platforms' overrides are other fields' values.
    let skip = |p: &str| ["run.seed", "run.horizon_days", "run.replications", "name", "description"].contains(&p) || p.starts_with("platforms");
    let (mut checked, mut silent, mut untried) = (0, Vec::new(), Vec::new());
    for (path, value) in fields.iter().filter(|(p, _)| !skip(p)) {
        // Try every valid perturbation until one changes an output.
        let (mut tried, mut acted, mut last) = (false, false, None);
        for alt in perturbations(value) {
            let mut t = table.clone();
            set(&mut t, path, alt.clone());
            let Ok(text) = toml::to_string(&t) else { continue };
            let Ok(sc) = scenario::parse_str(&text, "perturbed.toml") else { continue };
            tried = true;
            if outputs(&sc) != base_out {
                acted = true;
                break;
            }
            last = Some((alt, sc));
        }
        if tried {
            checked += 1;
        } else if !perturbations(value).is_empty() {
            untried.push(path.clone());
        }
        if let (false, Some((alt, sc))) = (acted, last) {
            if !warnings::warnings(&sc).iter().any(|w| covers(&w.field, path)) {
                silent.push(format!("{path} = {value} (last tried {alt})"));
            }
        }
    }
    assert!(checked > 150, "only {checked} fields perturbed");
    assert!(silent.is_empty(), "{} fields change nothing and are not warned about:\n{}", silent.len(), silent.join("\n"));
    assert!(untried.len() < 10, "no valid perturbation for: {untried:?}");
}
