//! The main levers a class changes, for the form of `cesim serve`: each a scenario field
//! (dotted path) with a label, its unit, the range the scenario validation accepts, and
//! help text; the default shown is the scenario's own value. Values sent back are written
//! into the scenario's text and validated like a file: what validation refuses is refused
//! with its message.

use serde::Serialize;
use toml::{Table, Value};

use super::ApiError;
use crate::scenario::{self, Scenario, path as param};

/// What a lever takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// A real number in [min, max].
    Number {
        /// Lowest.
        min: f64,
        /// Highest.
        max: f64,
        /// Step of the form's field.
        step: f64,
    },
    /// A whole number in [min, max].
    Whole {
        /// Lowest.
        min: i64,
        /// Highest.
        max: i64,
    },
    /// One of the options.
    Choice {
        /// Allowed values.
        options: &'static [&'static str],
    },
}

/// One lever.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lever {
    /// Scenario field, dotted.
    pub path: &'static str,
    /// Label for the form.
    pub label: &'static str,
    /// Unit (empty for a choice).
    pub unit: &'static str,
    /// What it takes.
    #[serde(flatten)]
    pub kind: Kind,
    /// What it does, for a student.
    pub help: &'static str,
}

const fn number(path: &'static str, label: &'static str, unit: &'static str, min: f64, max: f64, step: f64, help: &'static str) -> Lever {
    Lever { path, label, unit, kind: Kind::Number { min, max, step }, help }
}

/// The levers, in the form's order.
pub const LEVERS: [Lever; 12] = [
    Lever { path: "run.horizon_days", label: "Days simulated", unit: "days", kind: Kind::Whole { min: 1, max: 365 }, help: "How long the run lasts." },
    number("policy.safety_stock_factor", "Safety buffer", "share of demand", 0.0, 2.0, 0.05, "Extra stock bought over tonight's orders and the forecast: fewer stock-outs, more spoilage."),
    Lever { path: "policy.forecast", label: "Forecast", unit: "", kind: Kind::Choice { options: &["none", "moving_average", "exp_smoothing"] }, help: "How tomorrow's orders are forecast for produce bought a day ahead." },
    Lever { path: "qc.audit", label: "Quality control", unit: "", kind: Kind::Choice { options: &["self_check", "spot", "recheck"] }, help: "self_check: trust the supplier; spot: sample some lots; recheck: sample every lot." },
    number("qc.sorter_laxity", "Sorter laxity", "share let through", 0.0, 1.0, 0.05, "Share of defective units the sorters let through."),
    number("central_warehouse.temp_c", "Central cold room", "°C", -30.0, 40.0, 1.0, "Storage temperature of the central warehouse: colder keeps produce longer."),
    number("leaders.storage_temp_c", "Leader's shop", "°C", -30.0, 40.0, 1.0, "Where the goods wait for pickup: 22 °C is a shop without a fridge."),
    number("leaders.commission_rate", "Leader commission", "share of sales", 0.0, 0.9, 0.01, "What a group leader earns on the sales of their pickup point."),
    number("residents.order_prob_per_day", "Shopping chance", "per day", 0.01, 1.0, 0.01, "Mean daily chance that a resident goes shopping (on the platform or elsewhere)."),
    number("residents.trust_initial", "Initial trust", "0–1", 0.05, 0.95, 0.05, "Residents' trust in the platform at the start."),
    Lever { path: "aftersales.channel", label: "After-sales channel", unit: "", kind: Kind::Choice { options: &["leader_relay", "in_app"] }, help: "leader_relay: complaints go through the leader (slow); in_app: the resident reports in the app." },
    Lever { path: "pricing.policy", label: "Pricing", unit: "", kind: Kind::Choice { options: &["list", "cost_plus", "match_lowest", "undercut", "subsidy_war", "competitor_aware"] }, help: "How tonight's prices are set (rival prices matter only in a market of several platforms)." },
];

/// The levers with `sc`'s values as defaults.
pub fn form(sc: &Scenario) -> Vec<serde_json::Value> {
    let full = Table::try_from(sc).unwrap_or_default();
    LEVERS
        .iter()
        .map(|l| {
            let mut v = serde_json::to_value(l).unwrap_or_default();
            let default = param::get(&full, l.path).and_then(|x| serde_json::to_value(x).ok()).unwrap_or_default();
            v["default"] = default;
            v
        })
        .collect()
}

/// The scenario of `text` (file `file`) with `values` (lever path → JSON value) written in,
/// validated.
///
/// # Errors
/// A path that is not a lever, a value of the wrong kind or out of range, or a scenario
/// that validation refuses (its message, naming the field).
pub fn apply(text: &str, file: &str, values: &serde_json::Map<String, serde_json::Value>) -> Result<Scenario, ApiError> {
    let mut table: Table = toml::from_str(text).map_err(ApiError::model)?;
    for (path, v) in values {
        let field = format!("levers.{path}");
        let lever = LEVERS.iter().find(|l| l.path == path).ok_or_else(|| ApiError::bad(&field, format!("{path} is not a lever; levers: {}", LEVERS.map(|l| l.path).join(", "))))?;
        let value = match lever.kind {
            Kind::Number { min, max, .. } => match v.as_f64() {
                Some(x) if (min..=max).contains(&x) => Value::Float(x),
                _ => return Err(ApiError::bad(&field, format!("{v}: a number from {min} to {max} ({})", lever.unit))),
            },
            Kind::Whole { min, max } => match v.as_i64() {
                Some(x) if (min..=max).contains(&x) => Value::Integer(x),
                _ => return Err(ApiError::bad(&field, format!("{v}: a whole number from {min} to {max} ({})", lever.unit))),
            },
            Kind::Choice { options } => match v.as_str() {
                Some(x) if options.contains(&x) => Value::String(x.to_string()),
                _ => return Err(ApiError::bad(&field, format!("{v}: one of {}", options.join(", ")))),
            },
        };
        param::set(&mut table, path, value).map_err(|m| ApiError::bad(&field, m))?;
    }
    let text = toml::to_string(&table).map_err(ApiError::model)?;
    scenario::parse_str(&text, file).map_err(|e| ApiError::bad("levers", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> (String, Scenario) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let sc = scenario::parse_str(&text, path).unwrap();
        (text, sc)
    }

    fn set(path: &str, v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert(path.into(), v);
        m
    }

    #[test]
    fn every_lever_takes_its_range_and_options() {
        let (text, _) = baseline();
        for l in LEVERS {
            let values: Vec<serde_json::Value> = match l.kind {
                Kind::Number { min, max, .. } => vec![min.into(), max.into()],
                Kind::Whole { min, max } => vec![min.into(), max.into()],
                Kind::Choice { options } => options.iter().map(|&o| o.into()).collect(),
            };
            for v in values {
                let sc = apply(&text, "baseline.toml", &set(l.path, v.clone())).unwrap_or_else(|e| panic!("{} = {v}: {e:?}", l.path));
                // The value acts: it is the scenario's now.
                let full = Table::try_from(&sc).unwrap();
                let got = serde_json::to_value(param::get(&full, l.path).unwrap()).unwrap();
                assert!(got == v || got.as_f64() == v.as_f64() && v.is_number(), "{}: set {v}, got {got}", l.path);
            }
        }
    }

    #[test]
    fn values_outside_are_refused_naming_the_lever() {
        let (text, _) = baseline();
        for (path, v) in [("policy.safety_stock_factor", serde_json::json!(-0.1)), ("run.horizon_days", serde_json::json!(0)), ("policy.forecast", serde_json::json!("crystal_ball")), ("residents.trust_initial", serde_json::json!("high"))] {
            let e = apply(&text, "baseline.toml", &set(path, v)).unwrap_err();
            assert_eq!((e.status, e.field.as_str()), (400, format!("levers.{path}").as_str()), "{e:?}");
        }
        let e = apply(&text, "baseline.toml", &set("products", serde_json::json!(1))).unwrap_err();
        assert!(e.error.contains("not a lever"), "{e:?}");
    }

    #[test]
    fn defaults_are_the_scenarios_own() {
        let (_, sc) = baseline();
        let f = form(&sc);
        let buffer = f.iter().find(|l| l["path"] == "policy.safety_stock_factor").unwrap();
        assert_eq!(buffer["default"].as_f64(), Some(sc.policy.safety_stock_factor));
        assert_eq!(buffer["unit"], "share of demand");
        assert_eq!(f.iter().find(|l| l["path"] == "run.horizon_days").unwrap()["default"].as_i64(), Some(sc.run.horizon_days as i64));
    }
}
