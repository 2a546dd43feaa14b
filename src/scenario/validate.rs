//! Scenario validation: ranges and cross-references, reported with the field's path.
//!
//! [`validate`] stops at the first bad value and returns a [`BadValue`] naming the field
//! by path (e.g. `products[2].q10`), the value as written and what is allowed. The
//! loader turns the path into a line and column of the file.


mod network;
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
    c.count("warmup_days", s.run.warmup_days as u64, 0, s.run.horizon_days as u64 - 1)?;
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
        c.range("delay_hours", m.delay_hours, 0.0, 24.0, false, true)?;
        c.unit("breakdown_prob", m.breakdown_prob)?;
        c.range("breakdown_hours", m.breakdown_hours, 0.0, 24.0, false, true)?;
        if m.delay_hours + m.breakdown_hours >= 24.0 {
            // A vehicle a day late would be needed for the next day's run on its lane, which
            // the day-by-day fleet (trips and own vehicles counted per day) cannot represent.
            return Err(BadValue {
                path: c.at("breakdown_hours"),
                value: fmt(m.breakdown_hours),
                allowed: format!(
                    "delay_hours + breakdown_hours must stay under 24 h (here {} + {}): a vehicle a day late would overlap its next run; model longer outages with [[shocks]] road_closed or supplier_exit",
                    fmt(m.delay_hours),
                    fmt(m.breakdown_hours)
                ),
            });
        }
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
        // A lane longer than 60 days is no supply chain for fresh goods, and its lots would
        // fill the pipeline for months.
        if let Some(m) = s.modes.get(&sup.mode) {
            let lane_h = sup.lead_time_hours + sup.distance_km / m.speed_kmh;
            if lane_h > 24.0 * 60.0 {
                return Err(BadValue {
                    path: c.at("distance_km"),
                    value: fmt(sup.distance_km),
                    allowed: format!(
                        "the lane takes {lane_h:.0} h (lead_time_hours {} + distance / {} km/h of mode {}): at most 1440 h (60 days)",
                        fmt(sup.lead_time_hours),
                        fmt(m.speed_kmh),
                        sup.mode
                    ),
                });
            }
        }
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
            let cat = p.sourcing_category();
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
        c.positive("reference_price_yuan", p.reference_price_yuan)?;
        c.range("shelf_life_hours_at_0c", p.shelf_life_hours_at_0c, 0.0, 1e7, true, false)?;
        c.range("shelf_life_cv", p.shelf_life_cv, 0.0, 1.0, true, false)?;
        c.range("q10", p.q10, 1.0, 10.0, false, false)?;
        c.unit("basket_prob", p.basket_prob)?;
        c.range("season_amplitude", p.season_amplitude, 0.0, 0.9, false, false)?;
        c.count("season_peak_day", p.season_peak_day as u64, 0, 364)?;
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

    let centre_names = network::centres(s, &mode_names)?;

    if s.grid_warehouses.is_empty() {
        return Err(missing("grid_warehouses", "grid warehouse ([[grid_warehouses]])"));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, g) in s.grid_warehouses.iter().enumerate() {
        let c = at(vec![Seg::Key("grid_warehouses".into()), Seg::Index(i)]);
        c.unique("name", &g.name, &names)?;
        names.push(&g.name);
        if !g.centre.is_empty() {
            c.one_of("centre", &g.centre, &centre_names)?;
        }
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
        let cw = s.centre_configs().nth(s.centre_index(&g.centre)).unwrap_or(&s.central_warehouse);
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

    c.unit("training_share", l.training_share)?;
    c.temp("trained_storage_temp_c", l.trained_storage_temp_c)?;
    c.range("rating_alpha", l.rating_alpha, 0.0, 1.0, true, false)?;
    c.unit("bonus_top_share", l.bonus_top_share)?;
    c.range("bonus_commission", l.bonus_commission, 0.0, 1.0, false, true)?;
    c.unit("switch_prob_per_day", l.switch_prob_per_day)?;
    c.range("switch_commission_sensitivity", l.switch_commission_sensitivity, 0.0, 1000.0, false, false)?;
    c.range("switch_performance_sensitivity", l.switch_performance_sensitivity, 0.0, 1000.0, false, false)?;
    c.unit("follow_share", l.follow_share)?;

    let r = &s.residents;
    let c = at(vec![Seg::Key("residents".into())]);
    c.range("order_prob_per_day", r.order_prob_per_day, 0.0, 1.0, true, false)?;
    c.range("basket_scale", r.basket_scale, 0.0, 100.0, true, false)?;
    c.range("spend_pareto_shape", r.spend_pareto_shape, 1.0, 100.0, true, false)?;
    c.range("trust_initial", r.trust_initial, 0.0, 1.0, true, true)?;
    c.positive("trust_concentration", r.trust_concentration)?;
    c.unit("attachment_mean", r.attachment_mean)?;
    c.unit("recovery_rate", r.recovery_rate)?;
    c.unit("stockout_penalty", r.stockout_penalty)?;
    c.unit("defect_penalty", r.defect_penalty)?;
    c.count("churn_after_occasions", r.churn_after_occasions as u64, 1, 1000)?;
    c.range("base_churn_prob_per_day", r.base_churn_prob_per_day, 0.0, 1.0, false, true)?;
    c.unit("quality_margin_share", r.quality_margin_share)?;
    c.count("memory_days", r.memory_days as u64, 1, 100_000)?;

    let mut seg_names: Vec<&str> = Vec::new();
    for (i, g) in s.segments.iter().enumerate() {
        let c = at(vec![Seg::Key("segments".into()), Seg::Index(i)]);
        c.unique("name", &g.name, &seg_names)?;
        seg_names.push(&g.name);
        c.positive("share", g.share)?;
        if let Some(p) = g.order_prob_per_day {
            c.range("order_prob_per_day", p, 0.0, 1.0, true, false)?;
        }
        c.range("beta_price", g.beta_price, -1000.0, 1000.0, false, false)?;
        c.range("beta_trust", g.beta_trust, 0.0, 1000.0, false, false)?;
        c.range("beta_attachment", g.beta_attachment, 0.0, 1000.0, false, false)?;
        c.range("beta_availability", g.beta_availability, 0.0, 1000.0, false, false)?;
        c.range("outside_asc", g.outside_asc, -1000.0, 1000.0, false, false)?;
    }
    if s.segments.len() > 255 {
        return Err(BadValue { path: vec![Seg::Key("segments".into())], value: format!("{} segments", s.segments.len()), allowed: "at most 255 segments".into() });
    }
    let defaults = super::schema::default_segments(s.residents.order_prob_per_day);
    let seg_names: Vec<&str> = if s.segments.is_empty() { defaults.iter().map(|g| g.name.as_str()).collect() } else { seg_names };
    for (i, p) in s.products.iter().enumerate() {
        for (seg, m) in &p.segment_boost {
            let c = at(vec![Seg::Key("products".into()), Seg::Index(i), Seg::Key("segment_boost".into())]);
            if !seg_names.contains(&seg.as_str()) {
                return Err(BadValue { path: c.at_owned(seg), value: format!("\"{seg}\""), allowed: format!("must be a segment: {}", seg_names.join(", ")) });
            }
            c.range_owned(seg, *m, 0.0, 1000.0)?;
        }
    }

    let m = &s.market;
    let c = at(vec![Seg::Key("market".into())]);
    c.range("prospects_share", m.prospects_share, 0.0, 10.0, false, false)?;
    c.unit("inflow_prob_per_day", m.inflow_prob_per_day)?;

    let rp = &s.reputation;
    let c = at(vec![Seg::Key("reputation".into())]);
    c.count("word_of_mouth_reach", rp.word_of_mouth_reach as u64, 0, 100)?;
    c.unit("word_of_mouth_penalty", rp.word_of_mouth_penalty)?;
    c.range("scandal_defect_threshold", rp.scandal_defect_threshold, 0.0, 1.0, true, false)?;
    c.unit("scandal_depth", rp.scandal_depth)?;
    c.count("scandal_cooldown_days", rp.scandal_cooldown_days as u64, 1, 100_000)?;
    c.unit("trust_recovery_per_day", rp.trust_recovery_per_day)?;

    let pr = &s.pricing;
    let c = at(vec![Seg::Key("pricing".into())]);
    c.range("margin", pr.margin, 0.0, 100.0, false, false)?;
    c.range("undercut_share", pr.undercut_share, 0.0, 1.0, false, true)?;
    c.non_negative("subsidy_budget_yuan", pr.subsidy_budget_yuan)?;
    c.range("min_margin", pr.min_margin, -1.0, 100.0, false, false)?;
    c.non_negative("perishable_shelf_life_hours", pr.perishable_shelf_life_hours)?;
    c.non_negative("clearance_overstock_ratio", pr.clearance_overstock_ratio)?;

    let a = &s.aftersales;
    let c = at(vec![Seg::Key("aftersales".into())]);
    c.unit("complaint_prob", a.complaint_prob)?;
    c.unit("resalable_share", a.resalable_share)?;
    for h in a.relay_step_hours {
        c.range("relay_step_hours", h, 0.0, 10_000.0, false, false)?;
    }
    c.range("app_hours", a.app_hours, 0.0, 10_000.0, false, false)?;
    c.unit("refund_recovery", a.refund_recovery)?;
    c.positive("refund_patience_hours", a.refund_patience_hours)?;
    c.unit("refused_penalty", a.refused_penalty)?;
    c.unit("recall_defect_threshold", a.recall_defect_threshold)?;
    c.count("recall_min_complaints", a.recall_min_complaints as u64, 1, 1_000_000)?;
    c.non_negative("recall_cost_yuan_per_unit", a.recall_cost_yuan_per_unit)?;

    let rt = &s.retention;
    let c = at(vec![Seg::Key("retention".into())]);
    if !rt.segment.is_empty() {
        c.one_of("segment", &rt.segment, &seg_names)?;
    }
    c.non_negative("budget_yuan", rt.budget_yuan)?;
    c.positive("coupon_yuan", rt.coupon_yuan)?;
    c.non_negative("coupon_utility", rt.coupon_utility)?;
    c.unit("at_risk_trust", rt.at_risk_trust)?;

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
        if let Some(m) = sh.start_day_max {
            c.count("start_day_max", m as u64, sh.start_day as u64, 100_000)?;
        }
        if let Some(m) = sh.days_max {
            c.count("days_max", m as u64, sh.days as u64, 100_000)?;
        }
        if let Some(m) = sh.depth_max {
            c.range("depth_max", m, sh.depth, 1.0, false, false)?;
        }
    }

    let q = &s.qc;
    let c = at(vec![Seg::Key("qc".into())]);
    c.unit("spot_rate", q.spot_rate)?;
    c.count("sample_size", q.sample_size as u64, 1, 1_000_000)?;
    c.count("accept_max_defects", q.accept_max_defects as u64, 0, q.sample_size as u64)?;
    c.unit("sorter_laxity", q.sorter_laxity)?;
    c.non_negative("inspection_cost_yuan_per_unit", q.inspection_cost_yuan_per_unit)?;

    let mut platform_names: Vec<&str> = Vec::new();
    for (i, p) in s.platforms.iter().enumerate() {
        let c = at(vec![Seg::Key("platforms".into()), Seg::Index(i)]);
        c.unique("name", &p.name, &platform_names)?;
        platform_names.push(&p.name);
    }
    if s.platforms.len() > super::MAX_PLATFORMS {
        return Err(BadValue {
            path: vec![Seg::Key("platforms".into())],
            value: format!("{} platforms", s.platforms.len()),
            allowed: format!("at most {} platforms", super::MAX_PLATFORMS),
        });
    }
    for (i, sc) in s.scandals.iter().enumerate() {
        let c = at(vec![Seg::Key("scandals".into()), Seg::Index(i)]);
        if !sc.platform.is_empty() {
            c.one_of("platform", &sc.platform, &platform_names)?;
        }
        if let Some(d) = sc.depth {
            c.unit("depth", d)?;
        }
    }

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
