//! One source of truth for each default: the README's scenario table must show the
//! schema's defaults. Each row of the table under "## Scenario format" names fields and
//! their defaults (several separated by `;`, `,` or `/`); every default the row states as
//! a number, boolean or enum value is compared with what the schema fills in.

use toml::{Table, Value};

/// Minimal entries of the array tables (their required fields only), so the schema's
/// defaults show for the rest.
const MINIMAL: &str = r#"
[modes.m]
speed_kmh = 1.0
capacity_kg = 1.0
cost_per_km_yuan = 0.0
cost_per_trip_yuan = 0.0
temp_c = 4.0
[[regions]]
name = "r"
[[shocks]]
kind = "yield"
target = "r"
start_day = 0
days = 1
[[suppliers]]
name = "s"
distance_km = 1.0
mode = "m"
capacity_units_per_day = 1.0
[[products]]
name = "p"
supplier = "s"
unit_kg = 1.0
unit_cost_yuan = 1.0
price_yuan = 1.0
reference_price_yuan = 1.0
shelf_life_hours_at_0c = 1.0
basket_prob = 0.5
[sourcing.c]
split = { s = 1.0 }
[central_warehouse]
linehaul_mode = "m"
[[grid_warehouses]]
name = "g"
distance_km = 1.0
leaders = 1
last_mile_mode = "m"
"#;

/// The schema's value of `field` in README section `section` (e.g. `[[suppliers]]`).
fn schema_default(all: &Table, section: &str, field: &str) -> Option<Value> {
    let name = section.trim_matches(|c| c == '[' || c == ']');
    let table = match name {
        "modes.<name>" => all.get("modes")?.get("m")?,
        "sourcing.<category>" => all.get("sourcing")?.get("c")?,
        _ => match all.get(name)? {
            Value::Array(a) => a.first()?,
            v => v,
        },
    };
    table.get(field).cloned()
}

/// A README default cell part as a TOML value, if it states one.
fn stated(cell: &str) -> Option<Value> {
    let quoted = cell.contains('`');
    let c = cell.trim().trim_matches('`').replace(['−'], "-").replace(' ', "");
    let c = c.split('(').next().unwrap_or_default().to_string();
    if c == "10⁹" {
        return Some(Value::Float(1e9));
    }
    if let Ok(x) = c.parse::<f64>() {
        return Some(Value::Float(x));
    }
    match c.as_str() {
        "true" => Some(Value::Boolean(true)),
        "false" => Some(Value::Boolean(false)),
        "\"\"" => Some(Value::String(String::new())),
        s if s.starts_with('[') => Some(Value::Array(s.trim_matches(|x| x == '[' || x == ']').split(',').filter_map(|x| x.parse::<f64>().ok().map(Value::Float)).collect())),
        s if quoted && s.chars().all(|x| x.is_ascii_lowercase() || x == '_') && !s.is_empty() => Some(Value::String(s.to_string())),
        s if s.starts_with('"') => Some(Value::String(s.trim_matches('"').to_string())),
        _ => None,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Integer(y)) | (Value::Integer(y), Value::Float(x)) => (*x - *y as f64).abs() < 1e-9,
        (Value::Float(x), Value::Float(y)) => (x - y).abs() < 1e-9 * x.abs().max(1.0),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        _ => a == b,
    }
}

#[test]
fn readme_table_shows_the_schema_defaults() {
    let readme = std::fs::read_to_string(crate::file("README.md")).unwrap();
    let start = readme.find("## Scenario format").unwrap();
    let end = readme[start..].find("## Outputs").map_or(readme.len(), |e| start + e);
    let sc = cesim::scenario::parse_str(MINIMAL, "minimal.toml").unwrap();
    let all = Table::try_from(&sc).unwrap();
    let minimal: Table = MINIMAL.parse().unwrap();
    // Defaults the scenario file does not carry: the first-level tables and name.
    let (mut section, mut checked, mut wrong) = (String::new(), 0, Vec::new());
    for row in readme[start..end].lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        if cells.len() < 5 {
            continue;
        }
        if let Some(s) = cells[1].strip_prefix("**`").and_then(|s| s.strip_suffix("`**")) {
            section = s.to_string();
            continue;
        }
        let fields: Vec<String> = cells[1].split(',').map(|f| f.trim().trim_matches('`').to_string()).filter(|f| !f.is_empty()).collect();
        let parts: Vec<&str> = if fields.len() > 1 {
            let by = if cells[3].contains(';') { ';' } else if cells[3].contains('/') { '/' } else { ',' };
            cells[3].split(by).collect()
        } else {
            vec![cells[3]]
        };
        if parts.len() != fields.len() || section.is_empty() && fields[0] != "name" && fields[0] != "description" {
            continue;
        }
        for (field, part) in fields.iter().zip(parts) {
            let Some(want) = stated(part) else { continue };
            let got = if section.is_empty() { all.get(field.as_str()).cloned() } else { schema_default(&all, &section, field) };
            let Some(got) = got else { continue };
            // Fields the minimal entries set are not defaults.
            if schema_default(&minimal, &section, field).is_some() {
                continue;
            }
            checked += 1;
            if !same(&want, &got) {
                wrong.push(format!("{section} {field}: README says {part}, the schema {got}"));
            }
        }
    }
    assert!(checked >= 90, "only {checked} README defaults checked");
    assert!(wrong.is_empty(), "README defaults differ from the schema:\n{}", wrong.join("\n"));
}
