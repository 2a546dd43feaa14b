//! Scenarios: the TOML schema, its defaults, loading and validation.
//!
//! [`load`] reads a file, parses it into a [`Scenario`] (unknown fields are errors) and
//! validates every value. Any problem becomes a [`ScenarioError`] that names the file,
//! the line and column, the field and the bad value, and says what is allowed.

pub mod ownership;
pub mod path;
pub mod schema;
pub mod validate;
pub mod warnings;

use std::path::Path;

pub use schema::*;

/// Most transport modes a scenario may define (costs per mode are kept in fixed arrays).
pub const MAX_MODES: usize = 16;

/// Most competing platforms in one market.
pub const MAX_PLATFORMS: usize = 4;

impl Scenario {
    /// Picks a lot of `supplier` bought at the cut-off misses before it reaches the central
    /// warehouse (0 = in time for the next pick): its lead time plus the lane's travel
    /// (distance / speed of its mode) against the hours from the cut-off to the next pick.
    pub fn lead_picks(&self, supplier: &SupplierConfig) -> u32 {
        self.lead_picks_over(supplier, supplier.distance_km)
    }

    /// [`Scenario::lead_picks`] over a lane of `km`.
    pub fn lead_picks_over(&self, supplier: &SupplierConfig, km: f64) -> u32 {
        let t = &self.timeline;
        let to_pick_h = 24.0 - t.order_cutoff_hour + t.central_pick_hour;
        let speed = self.modes.get(&supplier.mode).map_or(f64::INFINITY, |m| m.speed_kmh);
        let arrive_h = supplier.lead_time_hours + km / speed;
        ((arrive_h - to_pick_h).max(0.0) / 24.0).ceil() as u32
    }

    /// Product `p`'s sources and their shares (as written, not normalised): its own
    /// `supplier`, else its category's sourcing split.
    pub fn sources_of(&self, p: usize) -> Vec<(&str, f64)> {
        let pc = &self.products[p];
        if !pc.supplier.is_empty() {
            return vec![(pc.supplier.as_str(), 1.0)];
        }
        self.sourcing.get(pc.sourcing_category()).map(|c| c.split.iter().map(|(n, w)| (n.as_str(), *w)).collect()).unwrap_or_default()
    }

    /// The central warehouses of the network: `[central_warehouse]`, then `[[centres]]`.
    pub fn centre_configs(&self) -> impl Iterator<Item = &CentralWarehouseConfig> {
        std::iter::once(&self.central_warehouse).chain(&self.centres)
    }

    /// Index of the centre called `name` (empty or unknown: the first; names are checked
    /// by validation).
    pub fn centre_index(&self, name: &str) -> usize {
        if name.is_empty() { 0 } else { self.centre_configs().position(|c| c.name == name).unwrap_or(0) }
    }

    /// km of the lane from `supplier` to centre `c`, if the centre buys from it (and the
    /// lane is given).
    pub fn lane_km(&self, c: usize, supplier: &SupplierConfig) -> Option<f64> {
        let cfg = self.centre_configs().nth(c)?;
        if !cfg.suppliers.is_empty() && !cfg.suppliers.contains(&supplier.name) {
            return None;
        }
        if c == 0 { Some(supplier.distance_km) } else { supplier.lanes_km.get(&cfg.name).copied() }
    }

    /// Each platform's own scenario: this one with the platform's `overrides` applied (and
    /// no `[[platforms]]` of its own). Without `[[platforms]]`, one platform named after the
    /// scenario.
    ///
    /// # Errors
    /// (platform index, override path, message) for an override that does not apply.
    pub fn resolve_platforms(&self) -> Result<Vec<(String, Scenario)>, (usize, String, String)> {
        let mut base = self.clone();
        base.platforms.clear();
        if self.platforms.is_empty() {
            return Ok(vec![(self.name.clone(), base)]);
        }
        // Scandals name platforms of the market; a platform's own scenario has none.
        base.scandals.clear();
        if self.platforms.is_empty() {
            return Ok(vec![(self.name.clone(), base)]);
        }
        let table = toml::Table::try_from(&base).map_err(|e| (0, String::new(), e.to_string()))?;
        let mut out = Vec::new();
        for (i, p) in self.platforms.iter().enumerate() {
            let mut t = table.clone();
            for (path, value) in &p.overrides {
                ownership::check_path(path).map_err(|m| (i, path.clone(), m))?;
                path::set(&mut t, path, value.clone()).map_err(|m| (i, path.clone(), m))?;
            }
            let sc: Scenario = t.try_into().map_err(|e: toml::de::Error| (i, String::new(), e.message().to_string()))?;
            ownership::check_resolved(&base, &sc).map_err(|m| (i, String::new(), m))?;
            out.push((p.name.clone(), sc));
        }
        Ok(out)
    }
}

/// A problem with a scenario file. Always fatal for that file; the CLI exits with code 2.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {reason}")]
    Io {
        /// The file's path as given.
        file: String,
        /// What the operating system said.
        reason: String,
    },
    /// The file is not valid TOML, or does not fit the schema (unknown field, wrong type).
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file's path as given.
        file: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A value is out of range or refers to something that does not exist.
    #[error("{file}:{line}:{column}: {field} = {value}: {allowed}")]
    Invalid {
        /// The file's path as given.
        file: String,
        /// 1-based line of the field (of its table if the field is missing).
        line: usize,
        /// 1-based column.
        column: usize,
        /// Dotted path of the field, e.g. `products[2].price_yuan`.
        field: String,
        /// The bad value as written.
        value: String,
        /// What is allowed.
        allowed: String,
    },
}

/// Reads, parses and validates the scenario at `path`.
///
/// # Errors
/// [`ScenarioError`] naming file, line:column, field, value and what is allowed.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::Io { file: file.clone(), reason: e.to_string() })?;
    parse_str(&text, &file)
}

/// Parses and validates scenario text; `file` is used in error messages only.
///
/// # Errors
/// As [`load`].
pub fn parse_str(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(text, at);
        let message = e.message().trim().to_string();
        let message = match field_at(text, at) {
            Some(field) if !field.is_empty() => format!("{field}: {message}"),
            _ => message,
        };
        ScenarioError::Parse { file: file.to_string(), line, column, message }
    })?;
    let invalid = |bad: validate::BadValue, prefix: &[validate::Seg], note: &str| {
        let full: Vec<validate::Seg> = prefix.iter().cloned().chain(bad.path.iter().cloned()).collect();
        let (line, column) = locate(text, if prefix.is_empty() { &bad.path } else { prefix });
        ScenarioError::Invalid {
            file: file.to_string(),
            line,
            column,
            field: format!("{note}{}", validate::path_string(if prefix.is_empty() { &bad.path } else { &full[prefix.len()..] })),
            value: bad.value,
            allowed: bad.allowed,
        }
    };
    validate::validate(&scenario).map_err(|b| invalid(b, &[], ""))?;
    // Every platform's own scenario must be valid too, with as many leaders as the first.
    let platforms = scenario.resolve_platforms().map_err(|(i, path, message)| {
        let at = [validate::Seg::Key("platforms".into()), validate::Seg::Index(i), validate::Seg::Key("overrides".into()), validate::Seg::Key(path.clone())];
        let (line, column) = locate(text, &at);
        ScenarioError::Parse { file: file.to_string(), line, column, message: if path.is_empty() { format!("platforms[{i}].overrides: {message}") } else { format!("platforms[{i}].overrides.\"{path}\": {message}") } }
    })?;
    let leaders = |s: &Scenario| s.grid_warehouses.iter().map(|g| g.leaders as u64).sum::<u64>();
    let n0 = leaders(&platforms[0].1);
    for (i, (name, p)) in platforms.iter().enumerate() {
        let at = [validate::Seg::Key("platforms".into()), validate::Seg::Index(i), validate::Seg::Key("overrides".into())];
        if !scenario.platforms.is_empty() {
            validate::validate(p).map_err(|b| invalid(b, &at, &format!("platform {name}: ")))?;
        }
        if leaders(p) != n0 {
            let (line, column) = locate(text, &at);
            return Err(ScenarioError::Invalid {
                file: file.to_string(),
                line,
                column,
                field: format!("platform {name}: grid_warehouses[*].leaders"),
                value: leaders(p).to_string(),
                allowed: format!("every platform needs one pickup point per neighbourhood: {n0} leaders, as the first"),
            });
        }
    }
    Ok(scenario)
}

/// 1-based (line, column) of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// 1-based (line, column) where the field at `path` is written in `text`; falls back to
/// the deepest existing parent, or (1, 1).
pub fn locate(text: &str, path: &[validate::Seg]) -> (usize, usize) {
    use toml::de::{DeTable, DeValue};
    let Ok(root) = DeTable::parse(text) else { return (1, 1) };
    let mut span = 0..0;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&DeValue<'_>> = None;
    for seg in path {
        let next = match (seg, table, value) {
            (validate::Seg::Key(k), Some(t), _) => t.get(k.as_str()),
            (validate::Seg::Index(i), _, Some(v)) => v.as_array().and_then(|a| a.get(*i)),
            _ => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        table = next.get_ref().as_table();
        value = Some(next.get_ref());
    }
    line_col(text, span.start)
}

/// Dotted path of the innermost key or value written at byte offset `at`; for a key the
/// path of its table. `None` if the text does not parse or nothing is there.
fn field_at(text: &str, at: usize) -> Option<String> {
    use toml::de::{DeTable, DeValue};
    fn walk(v: &DeValue<'_>, at: usize, path: &mut Vec<String>, best: &mut Option<String>) {
        match v {
            DeValue::Table(t) => {
                for (k, x) in t.iter() {
                    let key_span = k.span();
                    if key_span.contains(&at) {
                        *best = Some(path.join("."));
                    }
                    path.push(k.get_ref().to_string());
                    if x.span().contains(&at) && !x.get_ref().is_array() {
                        *best = Some(path.join("."));
                    }
                    walk(x.get_ref(), at, path, best);
                    path.pop();
                }
            }
            DeValue::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    if let Some(last) = path.last_mut() {
                        let base = last.split('[').next().unwrap_or_default().to_string();
                        *last = format!("{base}[{i}]");
                    }
                    if x.span().contains(&at) {
                        *best = Some(path.join("."));
                    }
                    walk(x.get_ref(), at, path, best);
                }
            }
            _ => {}
        }
    }
    let root = DeTable::parse(text).ok()?;
    let mut best = None;
    walk(&DeValue::Table(root.into_inner()), at, &mut Vec::new(), &mut best);
    best
}

impl ProductConfig {
    /// The `[sourcing.<category>]` entry that sources it: its `category`, else its name.
    pub fn sourcing_category(&self) -> &str {
        if self.category.is_empty() { &self.name } else { &self.category }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
