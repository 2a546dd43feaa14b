//! Parameter paths (used by sweeps and platform overrides): set a value deep inside a
//! scenario's TOML by a dotted path such as
//! `policy.safety_stock_factor`, `sourcing.vegetables.split.veg_wholesaler`,
//! `suppliers[0].capacity_units_per_day` or, by name, `suppliers.veg_farm.capacity_units_per_day`.
//!
//! Rules: an index must exist; a name picks the element of an array of tables whose `name`
//! is that name; a missing table or leaf key is created (fields left at their default can be
//! swept), and the scenario schema then rejects any name it does not know. A value replacing
//! an existing one must have its type (an integer may stand for a float).

use toml::{Table, Value};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A table key, or the `name` of an element of an array of tables.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Splits `a.b[2].c` into steps.
///
/// # Errors
/// A message if the path is empty or malformed.
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (steps.is_empty() || rest.is_empty()) {
            return Err(format!("malformed path {path:?}: empty name"));
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| format!("malformed path {path:?}: missing ]"))?;
            let i = r[..end].parse().map_err(|_| format!("malformed path {path:?}: index {:?} is not a number", &r[..end]))?;
            steps.push(Step::Index(i));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("malformed path {path:?}: unexpected {rest:?}"));
        }
    }
    Ok(steps)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// `new` converted to the type of `old`, or an error naming both.
fn same_type(old: &Value, new: Value, path: &str) -> Result<Value, String> {
    match (old, new) {
        (Value::Float(_), Value::Integer(i)) => Ok(Value::Float(i as f64)),
        (o, n) if std::mem::discriminant(o) == std::mem::discriminant(&n) => Ok(n),
        (o, n) => Err(format!("{path}: wrong type: the base scenario has {} ({o}), got {} ({n})", kind(o), kind(&n))),
    }
}

/// The value at `path` in `root`, by the same rules as [`set`] (an array entry by index
/// or by name), or `None` if nothing is there.
pub fn get<'a>(root: &'a Table, path: &str) -> Option<&'a Value> {
    let mut here: Option<&Value> = None;
    for step in parse_path(path).ok()? {
        let next = match (&step, here) {
            (Step::Key(k), None) => root.get(k),
            (Step::Key(k), Some(Value::Table(t))) => t.get(k),
            (Step::Key(name), Some(Value::Array(a))) => a.iter().find(|x| x.get("name").and_then(Value::as_str) == Some(name.as_str())),
            (Step::Index(i), Some(Value::Array(a))) => a.get(*i),
            _ => None,
        };
        here = Some(next?);
    }
    here
}

/// Sets `path` in `root` to `value`.
///
/// # Errors
/// A message naming the path and what exists there.
pub fn set(root: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let steps = parse_path(path)?;
    let mut table: &mut Table = root;
    let mut i = 0;
    loop {
        let last = i + 1 == steps.len();
        let Step::Key(key) = &steps[i] else {
            return Err(format!("{path}: an index must follow an array"));
        };
        if last {
            let v = match table.get(key) {
                Some(old) => same_type(old, value, path)?,
                None => value,
            };
            table.insert(key.clone(), v);
            return Ok(());
        }
        let entry = table.entry(key.clone()).or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let elem = match &steps[i + 1] {
                    Step::Index(k) => {
                        let n = items.len();
                        items.get_mut(*k).ok_or_else(|| format!("{path}: {key} has {n} entries, index {k} does not exist"))?
                    }
                    Step::Key(name) => {
                        let names: Vec<String> =
                            items.iter().filter_map(|x| x.get("name").and_then(Value::as_str)).map(String::from).collect();
                        items
                            .iter_mut()
                            .find(|x| x.get("name").and_then(Value::as_str) == Some(name))
                            .ok_or_else(|| {
                                let named = if names.is_empty() { "its entries have no names".to_string() } else { format!("names are {}", names.join(", ")) };
                                format!("{path}: no entry of {key} is named {name:?}; {named} (an entry by its place: {key}[0], {key}[1], …)")
                            })?
                    }
                };
                table = elem.as_table_mut().ok_or_else(|| format!("{path}: the entries of {key} are not tables"))?;
                i += 2;
                if i == steps.len() {
                    return Err(format!("{path}: names an entry of {key}, not a field"));
                }
            }
            other => return Err(format!("{path}: {key} is {} ({other}), not a table", kind(other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Table {
        toml::from_str(
            "[policy]\nsafety_stock_factor = 0.05\n[[suppliers]]\nname = \"farm\"\ncapacity_units_per_day = 10.0\n[[suppliers]]\nname = \"market\"\ncapacity_units_per_day = 20.0\n[sourcing.veg]\nsplit = { farm = 0.6, market = 0.4 }\n",
        )
        .unwrap()
    }

    #[test]
    fn get_finds_what_set_would_set() {
        let t = base();
        assert_eq!(get(&t, "policy.safety_stock_factor"), Some(&Value::Float(0.05)));
        assert_eq!(get(&t, "suppliers[1].capacity_units_per_day"), Some(&Value::Float(20.0)));
        assert_eq!(get(&t, "suppliers.market.capacity_units_per_day"), Some(&Value::Float(20.0)));
        assert_eq!(get(&t, "sourcing.veg.split.farm"), Some(&Value::Float(0.6)));
        assert!(get(&t, "suppliers[0]").is_some_and(Value::is_table));
        for missing in ["policy.forecast", "suppliers[2]", "suppliers.ghost.capacity_units_per_day", "policy.safety_stock_factor.x", "a..b"] {
            assert_eq!(get(&t, missing), None, "{missing}");
        }
    }

    #[test]
    fn paths_parse() {
        assert_eq!(parse_path("a.b[2].c").unwrap(), vec![Step::Key("a".into()), Step::Key("b".into()), Step::Index(2), Step::Key("c".into())]);
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[x]").is_err());
        assert!(parse_path("a[1").is_err());
    }

    #[test]
    fn sets_by_key_index_and_name() {
        let mut t = base();
        set(&mut t, "policy.safety_stock_factor", Value::Integer(1)).unwrap();
        assert_eq!(t["policy"]["safety_stock_factor"], Value::Float(1.0));
        set(&mut t, "suppliers[1].capacity_units_per_day", Value::Float(5.0)).unwrap();
        assert_eq!(t["suppliers"][1]["capacity_units_per_day"], Value::Float(5.0));
        set(&mut t, "suppliers.farm.capacity_units_per_day", Value::Float(7.0)).unwrap();
        assert_eq!(t["suppliers"][0]["capacity_units_per_day"], Value::Float(7.0));
        set(&mut t, "sourcing.veg.split.market", Value::Float(0.0)).unwrap();
        assert_eq!(t["sourcing"]["veg"]["split"]["market"], Value::Float(0.0));
        set(&mut t, "qc.sorter_laxity", Value::Float(0.5)).unwrap();
        assert_eq!(t["qc"]["sorter_laxity"], Value::Float(0.5));
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let mut t = base();
        assert!(set(&mut t, "policy.safety_stock_factor", Value::String("x".into())).unwrap_err().contains("wrong type"));
        assert!(set(&mut t, "suppliers[5].capacity_units_per_day", Value::Float(1.0)).unwrap_err().contains("2 entries"));
        assert!(set(&mut t, "suppliers.nobody.capacity_units_per_day", Value::Float(1.0)).unwrap_err().contains("farm, market"));
        assert!(set(&mut t, "policy.safety_stock_factor.deeper", Value::Float(1.0)).unwrap_err().contains("not a table"));
    }
}
