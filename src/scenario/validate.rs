//! Scenario validation: ranges and cross-references, reported with the field's path.
//!
//! [`validate`] stops at the first bad value and returns a [`BadValue`] naming the field
//! by path (e.g. `products[2].q10`), the value as written and what is allowed. The
//! loader turns the path into a line and column of the file.

use super::schema::Scenario;

/// One step of a field path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A key in a table.
    Key(String),
    /// An index in an array (0-based).
    Index(usize),
}

/// A value that is not allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct BadValue {
    /// Where the value is.
    pub path: Vec<Seg>,
    /// The value, as text.
    pub value: String,
    /// What is allowed instead.
    pub allowed: String,
}

/// `a.b[2].c` for a path.
pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

struct Checker {
    prefix: Vec<Seg>,
}

impl Checker {
    fn at(&self, key: &'static str) -> Vec<Seg> {
        let mut p = self.prefix.clone();
        p.push(Seg::Key(key.to_string()));
        p
    }

    /// `lo <= v <= hi` (or `<` where `open_lo` / `open_hi`), finite.
    fn range(&self, key: &'static str, v: f64, lo: f64, hi: f64, open_lo: bool, open_hi: bool) -> Result<(), BadValue> {
        let ok = v.is_finite()
            && (if open_lo { v > lo } else { v >= lo })
            && (if open_hi { v < hi } else { v <= hi });
        if ok {
            return Ok(());
        }
        let l = if open_lo { "(" } else { "[" };
        let h = if open_hi { ")" } else { "]" };
        let hi_s = if hi.is_infinite() { "∞".to_string() } else { fmt(hi) };
        Err(BadValue { path: self.at(key), value: fmt(v), allowed: format!("must be a number in {l}{}, {hi_s}{h}", fmt(lo)) })
    }

    fn at_owned(&self, key: &str) -> Vec<Seg> {
        let mut p = self.prefix.clone();
        p.push(Seg::Key(key.to_string()));
        p
    }

    fn range_owned(&self, key: &str, v: f64, lo: f64, hi: f64) -> Result<(), BadValue> {
        if v.is_finite() && v >= lo && v <= hi {
            return Ok(());
        }
        Err(BadValue { path: self.at_owned(key), value: fmt(v), allowed: format!("must be a number in [{}, {}]", fmt(lo), fmt(hi)) })
    }

    fn positive(&self, key: &'static str, v: f64) -> Result<(), BadValue> {
        self.range(key, v, 0.0, f64::INFINITY, true, true)
    }

    fn non_negative(&self, key: &'static str, v: f64) -> Result<(), BadValue> {
        self.range(key, v, 0.0, f64::INFINITY, false, true)
    }

    fn unit(&self, key: &'static str, v: f64) -> Result<(), BadValue> {
        self.range(key, v, 0.0, 1.0, false, false)
    }

    fn hour(&self, key: &'static str, v: f64) -> Result<(), BadValue> {
        self.range(key, v, 0.0, 24.0, false, true)
    }

    fn temp(&self, key: &'static str, v: f64) -> Result<(), BadValue> {
        self.range(key, v, -30.0, 45.0, false, false)
    }

    fn one_of(&self, key: &'static str, v: &str, names: &[&str]) -> Result<(), BadValue> {
        if names.contains(&v) {
            return Ok(());
        }
        Err(BadValue {
            path: self.at(key),
            value: format!("\"{v}\""),
            allowed: format!("must be one of: {}", names.join(", ")),
        })
    }

    fn unique(&self, key: &'static str, v: &str, earlier: &[&str]) -> Result<(), BadValue> {
        if earlier.contains(&v) {
            return Err(BadValue { path: self.at(key), value: format!("\"{v}\""), allowed: "must be unique; this name is used twice".into() });
        }
        if v.is_empty() {
            return Err(BadValue { path: self.at(key), value: "\"\"".into(), allowed: "must not be empty".into() });
        }
        Ok(())
    }

    fn count(&self, key: &'static str, v: u64, lo: u64, hi: u64) -> Result<(), BadValue> {
        if (lo..=hi).contains(&v) {
            return Ok(());
        }
        Err(BadValue { path: self.at(key), value: v.to_string(), allowed: format!("must be an integer in [{lo}, {hi}]") })
    }
}

fn fmt(v: f64) -> String {
    if v.is_finite() && v == v.trunc() && v.abs() < 1e15 { format!("{v:.1}") } else { format!("{v}") }
}

fn at(path: Vec<Seg>) -> Checker {
    Checker { prefix: path }
}

fn missing(key: &'static str, what: &str) -> BadValue {
    BadValue { path: vec![Seg::Key(key.into())], value: "[]".into(), allowed: format!("needs at least one {what}") }
}

/// Checks every value's range and every name reference.
///
/// # Errors
/// The first [`BadValue`] found, in file order of sections.
pub fn validate(s: &Scenario) -> Result<(), BadValue> {
    let c = at(vec![Seg::Key("run".into())]);
    c.count("horizon_days", s.run.horizon_days as u64, 1, 100_000)?;
    c.count("replications", s.run.replications as u64, 1, 1_000_000)?;

    let t = &s.timeline;
    let c = at(vec![Seg::Key("timeline".into())]);
    c.hour("order_cutoff_hour", t.order_cutoff_hour)?;
    c.hour("central_pick_hour", t.central_pick_hour)?;
    c.hour("linehaul_depart_hour", t.linehaul_depart_hour)?;
    c.range("grid_sort_hours", t.grid_sort_hours, 0.0, 12.0, false, false)?;
    c.hour("pickup_start_hour", t.pickup_start_hour)?;
    c.hour("pickup_end_hour", t.pickup_end_hour)?;
    if t.linehaul_depart_hour < t.central_pick_hour {
        return Err(BadValue {
            path: c.at("linehaul_depart_hour"),
            value: fmt(t.linehaul_depart_hour),
            allowed: format!("must be ≥ central_pick_hour ({})", fmt(t.central_pick_hour)),
        });
    }
    if t.pickup_end_hour <= t.pickup_start_hour {
        return Err(BadValue {
            path: c.at("pickup_end_hour"),
            value: fmt(t.pickup_end_hour),
            allowed: format!("must be > pickup_start_hour ({})", fmt(t.pickup_start_hour)),
        });
    }
    if t.pickup_end_hour > t.order_cutoff_hour {
        return Err(BadValue {
            path: c.at("pickup_end_hour"),
            value: fmt(t.pickup_end_hour),
            allowed: format!("must be ≤ order_cutoff_hour ({})", fmt(t.order_cutoff_hour)),
        });
    }

    if s.modes.is_empty() {
        return Err(missing("modes", "transport mode ([modes.<name>])"));
    }
    for (name, m) in &s.modes {
        let c = at(vec![Seg::Key("modes".into()), Seg::Key(name.clone())]);
        c.positive("speed_kmh", m.speed_kmh)?;
        c.positive("capacity_kg", m.capacity_kg)?;
        c.non_negative("cost_per_km_yuan", m.cost_per_km_yuan)?;
        c.non_negative("cost_per_trip_yuan", m.cost_per_trip_yuan)?;
        c.temp("temp_c", m.temp_c)?;
        c.non_negative("cost_per_kg_yuan", m.cost_per_kg_yuan)?;
        c.unit("delay_prob", m.delay_prob)?;
        c.range("delay_hours", m.delay_hours, 0.0, 240.0, false, false)?;
        c.unit("breakdown_prob", m.breakdown_prob)?;
        c.range("breakdown_hours", m.breakdown_hours, 0.0, 240.0, false, false)?;
        c.temp("breakdown_temp_c", m.breakdown_temp_c)?;
        c.non_negative("fixed_cost_yuan_per_vehicle_day", m.fixed_cost_yuan_per_vehicle_day)?;
    }
    if s.modes.len() > super::MAX_MODES {
        return Err(BadValue {
            path: vec![Seg::Key("modes".into())],
            value: format!("{} modes", s.modes.len()),
            allowed: format!("at most {} modes", super::MAX_MODES),
        });
    }
    let mode_names: Vec<&str> = s.modes.keys().map(String::as_str).collect();
    for (name, m) in &s.modes {
        if !m.overflow_mode.is_empty() {
            let c = at(vec![Seg::Key("modes".into()), Seg::Key(name.clone())]);
            let others: Vec<&str> = mode_names.iter().copied().filter(|n| n != name).collect();
            c.one_of("overflow_mode", &m.overflow_mode, &others)?;
        }
    }

    let mut region_names: Vec<&str> = Vec::new();
    for (i, r) in s.regions.iter().enumerate() {
        let c = at(vec![Seg::Key("regions".into()), Seg::Index(i)]);
        c.unique("name", &r.name, &region_names)?;
        region_names.push(&r.name);
        c.unit("shock_onset_prob_per_day", r.shock_onset_prob_per_day)?;
        c.unit("shock_depth", r.shock_depth)?;
        c.count("shock_days", r.shock_days as u64, 1, 100_000)?;
    }

    if s.suppliers.is_empty() {
        return Err(missing("suppliers", "supplier ([[suppliers]])"));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, sup) in s.suppliers.iter().enumerate() {
        let c = at(vec![Seg::Key("suppliers".into()), Seg::Index(i)]);
        c.unique("name", &sup.name, &names)?;
        names.push(&sup.name);
        c.non_negative("distance_km", sup.distance_km)?;
        c.one_of("mode", &sup.mode, &mode_names)?;
        if !sup.region.is_empty() {
            c.one_of("region", &sup.region, &region_names)?;
        }
        c.range("price_factor", sup.price_factor, 0.0, 100.0, true, false)?;
        c.unit("fill_prob", sup.fill_prob)?;
        c.unit("fill_share", sup.fill_share)?;
        c.range("lead_time_hours", sup.lead_time_hours, 0.0, 24.0 * 60.0, false, false)?;
        c.range("quality_age_share_mean", sup.quality_age_share_mean, 0.0, 1.0, false, true)?;
        c.range("quality_age_share_sd", sup.quality_age_share_sd, 0.0, 1.0, false, false)?;
        c.unit("relabel_prob", sup.relabel_prob)?;
        c.unit("relabel_defect_rate", sup.relabel_defect_rate)?;
        c.unit("false_origin_prob", sup.false_origin_prob)?;
        c.unit("self_check_efficacy", sup.self_check_efficacy)?;
        c.positive("capacity_units_per_day", sup.capacity_units_per_day)?;
        c.range("yield_cv", sup.yield_cv, 0.0, 2.0, false, false)?;
        c.unit("defect_rate", sup.defect_rate)?;
        c.range("origin_hold_hours", sup.origin_hold_hours, 0.0, 240.0, false, false)?;
        c.temp("origin_temp_c", sup.origin_temp_c)?;
    }
    let supplier_names = names;

    if s.products.is_empty() {
        return Err(missing("products", "product ([[products]])"));
    }
    c_count_products(s)?;
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in s.products.iter().enumerate() {
        let c = at(vec![Seg::Key("products".into()), Seg::Index(i)]);
        c.unique("name", &p.name, &names)?;
        names.push(&p.name);
        if !p.supplier.is_empty() {
            c.one_of("supplier", &p.supplier, &supplier_names)?;
        } else {
            let cat = if p.category.is_empty() { &p.name } else { &p.category };
            if !s.sourcing.contains_key(cat) {
                return Err(BadValue {
                    path: c.at("supplier"),
                    value: "(none)".into(),
                    allowed: format!("name a supplier, or add [sourcing.{cat}] with a split"),
                });
            }
        }
        c.positive("unit_kg", p.unit_kg)?;
        c.non_negative("unit_cost_yuan", p.unit_cost_yuan)?;
        c.positive("price_yuan", p.price_yuan)?;
        c.range("shelf_life_hours_at_0c", p.shelf_life_hours_at_0c, 0.0, 1e7, true, false)?;
        c.range("shelf_life_cv", p.shelf_life_cv, 0.0, 1.0, true, false)?;
        c.range("q10", p.q10, 1.0, 10.0, false, false)?;
        c.unit("basket_prob", p.basket_prob)?;
    }

    for (cat, sc) in &s.sourcing {
        let c = at(vec![Seg::Key("sourcing".into()), Seg::Key(cat.clone())]);
        if sc.split.is_empty() {
            return Err(BadValue { path: c.at("split"), value: "{}".into(), allowed: "needs at least one supplier = share".into() });
        }
        let c2 = at(vec![Seg::Key("sourcing".into()), Seg::Key(cat.clone()), Seg::Key("split".into())]);
        let mut total = 0.0;
        for (name, share) in &sc.split {
            if !supplier_names.contains(&name.as_str()) {
                return Err(BadValue {
                    path: c2.at_owned(name),
                    value: format!("\"{name}\""),
                    allowed: format!("must be one of: {}", supplier_names.join(", ")),
                });
            }
            c2.range_owned(name, *share, 0.0, 1e6)?;
            total += share;
        }
        if total <= 0.0 {
            return Err(BadValue { path: c.at("split"), value: fmt(total), allowed: "shares must sum to more than 0".into() });
        }
    }

    let cw = &s.central_warehouse;
    let c = at(vec![Seg::Key("central_warehouse".into())]);
    c.positive("capacity_units_per_day", cw.capacity_units_per_day)?;
    c.temp("ambient_zone_temp_c", cw.ambient_zone_temp_c)?;
    c.temp("frozen_zone_temp_c", cw.frozen_zone_temp_c)?;
    c.temp("temp_c", cw.temp_c)?;
    c.non_negative("handling_cost_yuan_per_unit", cw.handling_cost_yuan_per_unit)?;
    c.non_negative("storage_cost_yuan_per_unit_day", cw.storage_cost_yuan_per_unit_day)?;
    c.one_of("linehaul_mode", &cw.linehaul_mode, &mode_names)?;

    if s.grid_warehouses.is_empty() {
        return Err(missing("grid_warehouses", "grid warehouse ([[grid_warehouses]])"));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, g) in s.grid_warehouses.iter().enumerate() {
        let c = at(vec![Seg::Key("grid_warehouses".into()), Seg::Index(i)]);
        c.unique("name", &g.name, &names)?;
        names.push(&g.name);
        c.non_negative("distance_km", g.distance_km)?;
        c.temp("temp_c", g.temp_c)?;
        c.non_negative("handling_cost_yuan_per_unit", g.handling_cost_yuan_per_unit)?;
        c.count("leaders", g.leaders as u64, 1, 10_000_000)?;
        c.positive("capacity_units_per_day", g.capacity_units_per_day)?;
        c.non_negative("leader_distance_km_min", g.leader_distance_km_min)?;
        c.range("leader_distance_km_max", g.leader_distance_km_max, g.leader_distance_km_min, 1000.0, false, false)?;
        c.one_of("last_mile_mode", &g.last_mile_mode, &mode_names)?;
        c.temp("ambient_zone_temp_c", g.ambient_zone_temp_c)?;
        c.temp("frozen_zone_temp_c", g.frozen_zone_temp_c)?;
        // Goods must reach the farthest leader before pickup opens.
        let linehaul = &s.modes[&cw.linehaul_mode];
        let van = &s.modes[&g.last_mile_mode];
        let fixed_h = t.linehaul_depart_hour + t.grid_sort_hours + g.leader_distance_km_max / van.speed_kmh;
        let arrive_h = fixed_h + g.distance_km / linehaul.speed_kmh;
        if arrive_h > t.pickup_start_hour {
            let max_km = ((t.pickup_start_hour - fixed_h) * linehaul.speed_kmh).max(0.0);
            return Err(BadValue {
                path: c.at("distance_km"),
                value: fmt(g.distance_km),
                allowed: format!(
                    "must be at most {max_km:.0} km: trucks leaving at {:.1} h would reach the farthest leader at {arrive_h:.1} h, after pickup opens at {:.1} h",
                    t.linehaul_depart_hour, t.pickup_start_hour
                ),
            });
        }
    }

    let l = &s.leaders;
    let c = at(vec![Seg::Key("leaders".into())]);
    c.count("households_mean", l.households_mean as u64, 1, 100_000)?;
    c.range("households_spread", l.households_spread, 0.0, 1.0, false, true)?;
    c.range("commission_rate", l.commission_rate, 0.0, 1.0, false, true)?;
    c.temp("storage_temp_c", l.storage_temp_c)?;
    c.unit("pickup_rate", l.pickup_rate)?;

    let r = &s.residents;
    let c = at(vec![Seg::Key("residents".into())]);
    c.range("order_prob_per_day", r.order_prob_per_day, 0.0, 1.0, true, false)?;
    c.positive("order_prob_concentration", r.order_prob_concentration)?;
    c.range("satisfaction_initial", r.satisfaction_initial, 0.0, 1.0, true, true)?;
    c.positive("satisfaction_concentration", r.satisfaction_concentration)?;
    c.unit("recovery_rate", r.recovery_rate)?;
    c.unit("stockout_penalty", r.stockout_penalty)?;
    c.unit("defect_penalty", r.defect_penalty)?;
    c.range("churn_threshold", r.churn_threshold, 0.0, 1.0, false, true)?;
    c.range("base_churn_prob_per_day", r.base_churn_prob_per_day, 0.0, 1.0, false, true)?;
    c.unit("quality_margin_share", r.quality_margin_share)?;

    let grid_names = names;
    for (i, sh) in s.shocks.iter().enumerate() {
        use super::schema::ShockKind;
        let c = at(vec![Seg::Key("shocks".into()), Seg::Index(i)]);
        let targets: Vec<&str> = match sh.kind {
            ShockKind::Yield => region_names.clone(),
            ShockKind::SupplierExit => supplier_names.clone(),
            ShockKind::RoadClosed | ShockKind::TruckBreakdown => supplier_names.iter().chain(grid_names.iter()).copied().collect(),
        };
        if targets.is_empty() {
            return Err(BadValue {
                path: c.at("target"),
                value: format!("\"{}\"", sh.target),
                allowed: "a yield shock needs a [[regions]] entry to target".into(),
            });
        }
        c.one_of("target", &sh.target, &targets)?;
        c.count("start_day", sh.start_day as u64, 0, 100_000)?;
        c.count("days", sh.days as u64, 1, 100_000)?;
        c.unit("depth", sh.depth)?;
    }

    let q = &s.qc;
    let c = at(vec![Seg::Key("qc".into())]);
    c.unit("spot_rate", q.spot_rate)?;
    c.count("sample_size", q.sample_size as u64, 1, 1_000_000)?;
    c.count("accept_max_defects", q.accept_max_defects as u64, 0, q.sample_size as u64)?;
    c.unit("sorter_laxity", q.sorter_laxity)?;
    c.non_negative("inspection_cost_yuan_per_unit", q.inspection_cost_yuan_per_unit)?;

    let c = at(vec![Seg::Key("policy".into())]);
    c.range("safety_stock_factor", s.policy.safety_stock_factor, 0.0, 2.0, false, false)?;
    c.count("forecast_window_days", s.policy.forecast_window_days as u64, 1, 365)?;
    c.range("smoothing_alpha", s.policy.smoothing_alpha, 0.0, 1.0, true, false)?;
    Ok(())
}

/// Basket bits are a `u64`: at most 64 products.
fn c_count_products(s: &Scenario) -> Result<(), BadValue> {
    if s.products.len() > 64 {
        return Err(BadValue {
            path: vec![Seg::Key("products".into())],
            value: format!("{} products", s.products.len()),
            allowed: "at most 64 products".into(),
        });
    }
    Ok(())
}
