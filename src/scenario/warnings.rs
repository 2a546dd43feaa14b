//! Fields that cannot act in a given scenario: valid, but dead because of another choice
//! (e.g. `qc.spot_rate` when `audit = "recheck"`). `cesim validate` and `cesim run` print
//! each as a warning naming the field and why, so no input is silently ignored.
//!
//! A field is reported only if it is dead for every platform of the market (a platform's
//! overrides may bring it to life).

use super::{Audit, Channel, Forecast, PriceFloor, PricePolicy, RefundRule, RetentionTarget, Scenario, ShockKind};

/// A field that cannot act, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// Dotted path of the field, e.g. `qc.spot_rate`.
    pub field: String,
    /// Why it has no effect here.
    pub why: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} has no effect: {}", self.field, self.why)
    }
}

/// The dead fields of one platform's scenario (`market_size` platforms in the market).
fn dead_fields(sc: &Scenario, platforms: usize) -> Vec<Warning> {
    let mut w = Vec::new();
    let mut dead = |field: &str, why: &str| w.push(Warning { field: field.to_string(), why: why.to_string() });
    let q = &sc.qc;
    if q.audit != Audit::Spot {
        dead("qc.spot_rate", "only `audit = \"spot\"` samples a share of lots");
    }
    if q.audit == Audit::SelfCheck {
        for f in ["qc.sample_size", "qc.accept_max_defects", "qc.inspection_cost_yuan_per_unit"] {
            dead(f, "`audit = \"self_check\"` samples no lot");
        }
    }
    if !sc.segments.is_empty() && sc.segments.iter().all(|g| g.order_prob_per_day.is_some()) {
        dead("residents.order_prob_per_day", "every [[segments]] entry sets its own order_prob_per_day");
    }
    let p = &sc.pricing;
    if p.policy != PricePolicy::CostPlus {
        dead("pricing.margin", "only `policy = \"cost_plus\"` marks up cost");
    }
    let rivals = platforms > 1;
    if !matches!(p.policy, PricePolicy::Undercut | PricePolicy::SubsidyWar) || !rivals {
        dead("pricing.undercut_share", "only `undercut` and `subsidy_war` against a rival undercut");
    }
    if p.policy != PricePolicy::SubsidyWar || !rivals {
        dead("pricing.subsidy_budget_yuan", "only `subsidy_war` against a rival spends a subsidy");
    }
    if p.policy != PricePolicy::CompetitorAware || !rivals {
        dead("pricing.min_margin", "only `competitor_aware` against a rival meets prices down to a margin");
    }
    if p.floor == PriceFloor::None {
        for f in ["pricing.perishable_shelf_life_hours", "pricing.clearance_overstock_ratio"] {
            dead(f, "the clearance exemption matters only under `floor = \"cost\"`");
        }
    }
    let a = &sc.aftersales;
    match a.channel {
        Channel::InApp => dead("aftersales.relay_step_hours", "`channel = \"in_app\"` has no relay"),
        Channel::LeaderRelay => dead("aftersales.app_hours", "`channel = \"leader_relay\"` does not use the app"),
    }
    if a.refund_rule == RefundRule::NoQuestions {
        dead("aftersales.resalable_share", "`refund_rule = \"no_questions\"` refunds every report");
    }
    if !a.traceability {
        for f in ["aftersales.recall_defect_threshold", "aftersales.recall_min_complaints", "aftersales.recall_cost_yuan_per_unit"] {
            dead(f, "`traceability = false` recalls nothing");
        }
    }
    let r = &sc.retention;
    if r.target == RetentionTarget::None {
        for f in ["retention.segment", "retention.budget_yuan", "retention.coupon_yuan", "retention.coupon_utility", "retention.at_risk_trust"] {
            dead(f, "`target = \"none\"` hands out no coupon");
        }
    }
    let rep = &sc.reputation;
    if rep.word_of_mouth_reach == 0 {
        dead("reputation.word_of_mouth_penalty", "`word_of_mouth_reach = 0` tells nobody");
    }
    if rep.scandal_defect_threshold >= 1.0 {
        dead("reputation.scandal_cooldown_days", "`scandal_defect_threshold = 1` never sets off a scandal");
        if sc.scandals.iter().all(|s| s.depth.is_some()) {
            dead("reputation.scandal_depth", "no scandal is set off and every [[scandals]] entry gives its own depth");
        }
    }
    let l = &sc.leaders;
    if l.bonus_top_share <= 0.0 {
        dead("leaders.bonus_commission", "`bonus_top_share = 0` rewards nobody");
    }
    if l.training_share <= 0.0 {
        dead("leaders.trained_storage_temp_c", "`training_share = 0` trains nobody");
    }
    if l.switch_prob_per_day <= 0.0 || !rivals {
        for f in ["leaders.switch_commission_sensitivity", "leaders.switch_performance_sensitivity", "leaders.follow_share"] {
            dead(f, "leaders switch only with `switch_prob_per_day > 0` and a rival platform");
        }
    }
    if !rivals {
        dead("leaders.switch_prob_per_day", "there is no rival platform to switch to");
    }
    let m = &sc.market;
    if m.prospects_share <= 0.0 {
        dead("market.inflow_prob_per_day", "`prospects_share = 0`: there is nobody to join");
    }
    let pol = &sc.policy;
    let ahead = sc.suppliers.iter().any(|s| sc.lead_picks(s) > 0);
    if !ahead {
        for f in ["policy.forecast", "policy.forecast_window_days", "policy.smoothing_alpha"] {
            dead(f, "every lane arrives before the next pick, so purchases follow known orders and nothing is forecast");
        }
    } else {
        if pol.forecast != Forecast::MovingAverage {
            dead("policy.forecast_window_days", "only `forecast = \"moving_average\"` averages a window");
        }
        if pol.forecast != Forecast::ExpSmoothing {
            dead("policy.smoothing_alpha", "only `forecast = \"exp_smoothing\"` smooths");
        }
    }
    // Modes: a mode no lane uses, and fields of a mode that cannot act.
    let used = |name: &str| {
        sc.suppliers.iter().any(|s| s.mode == name)
            || sc.central_warehouse.linehaul_mode == name
            || sc.grid_warehouses.iter().any(|g| g.last_mile_mode == name)
            || sc.modes.values().any(|m| m.overflow_mode == name && m.own_vehicles > 0)
    };
    // Modes whose lanes a truck_breakdown shock forces to break down.
    let forced: Vec<&str> = sc
        .shocks
        .iter()
        .filter(|s| s.kind == ShockKind::TruckBreakdown)
        .filter_map(|s| match sc.suppliers.iter().find(|x| x.name == s.target) {
            Some(x) => Some(x.mode.as_str()),
            None => sc.grid_warehouses.iter().any(|g| g.name == s.target).then_some(sc.central_warehouse.linehaul_mode.as_str()),
        })
        .collect();
    let lane = |name: &str| {
        sc.suppliers.iter().any(|s| s.mode == name) || sc.central_warehouse.linehaul_mode == name || sc.grid_warehouses.iter().any(|g| g.last_mile_mode == name)
    };
    for (name, mode) in &sc.modes {
        if !used(name) {
            dead(&format!("modes.{name}"), "no lane (supplier, linehaul, last mile, or overflow of an own fleet) uses this mode");
            continue;
        }
        if !lane(name) {
            for f in ["speed_kmh", "capacity_kg", "delay_prob", "delay_hours", "breakdown_prob", "breakdown_hours", "breakdown_temp_c", "own_vehicles", "fixed_cost_yuan_per_vehicle_day", "overflow_mode"] {
                dead(&format!("modes.{name}.{f}"), "an overflow mode lends only its rates and temperature to third-party trips; its timing, capacity and fleet act on lanes that name it");
            }
            continue;
        }
        if mode.delay_prob <= 0.0 {
            dead(&format!("modes.{name}.delay_hours"), "`delay_prob = 0`: no departure is delayed");
        }
        if mode.breakdown_prob <= 0.0 && !forced.contains(&name.as_str()) {
            for f in ["breakdown_hours", "breakdown_temp_c"] {
                dead(&format!("modes.{name}.{f}"), "`breakdown_prob = 0` and no truck_breakdown shock on its lanes: nothing breaks down");
            }
        }
        if mode.own_vehicles == 0 {
            for f in ["fixed_cost_yuan_per_vehicle_day", "overflow_mode"] {
                dead(&format!("modes.{name}.{f}"), "`own_vehicles = 0`: there is no own fleet");
            }
        } else if !mode.overflow_mode.is_empty() {
            for f in ["cost_per_trip_yuan", "cost_per_kg_yuan"] {
                dead(&format!("modes.{name}.{f}"), "own trips pay only per km, and trips beyond the own fleet pay `overflow_mode`'s rates");
            }
        }
    }
    for (i, s) in sc.shocks.iter().enumerate() {
        if s.kind != ShockKind::Yield {
            dead(&format!("shocks[{i}].depth"), "only `yield` shocks have a depth; the others close or break a lane, or remove a supplier, entirely");
        }
    }
    for (i, g) in sc.regions.iter().enumerate() {
        if !sc.suppliers.iter().any(|s| s.region == g.name) {
            dead(&format!("regions[{i}]"), "no supplier grows in this region");
        } else if g.shock_onset_prob_per_day <= 0.0 {
            for f in ["shock_depth", "shock_days"] {
                dead(&format!("regions[{i}].{f}"), "`shock_onset_prob_per_day = 0`: no random shock starts");
            }
        }
    }
    for (i, s) in sc.suppliers.iter().enumerate() {
        if s.relabel_prob <= 0.0 {
            dead(&format!("suppliers[{i}].relabel_defect_rate"), "`relabel_prob = 0`: no lot is relabelled");
        }
        for centre in s.lanes_km.keys() {
            if sc.centres.iter().any(|c| &c.name == centre && !c.suppliers.is_empty() && !c.suppliers.contains(&s.name)) {
                dead(&format!("suppliers[{i}].lanes_km.{centre}"), "that centre's `suppliers` leave this supplier out: nothing travels the lane");
            }
        }
    }
    for (i, p) in sc.products.iter().enumerate() {
        if p.season_amplitude <= 0.0 {
            dead(&format!("products[{i}].season_peak_day"), "`season_amplitude = 0`: prices have no season");
        }
    }
    for (cat, s) in &sc.sourcing {
        if s.split.len() < 2 {
            dead(&format!("sourcing.{cat}.fallback"), "a single source has no other source to fall back on");
        }
    }
    w
}

/// Fields of `sc` that cannot act, for every platform of its market; sorted.
pub fn warnings(sc: &Scenario) -> Vec<Warning> {
    let Ok(platforms) = sc.resolve_platforms() else { return Vec::new() };
    let n = platforms.len();
    let mut common: Option<Vec<Warning>> = None;
    for (i, (_, p)) in platforms.iter().enumerate() {
        let mut w = dead_fields(p, n);
        // The file's value of a field a platform overrides does not reach that platform.
        if let Some(pc) = sc.platforms.get(i) {
            for path in pc.overrides.keys() {
                w.push(Warning { field: path.clone(), why: format!("every platform that could use it overrides it (platform {} does)", pc.name) });
            }
        }
        w.sort();
        common = Some(match common {
            None => w,
            Some(c) => c.into_iter().filter(|x| w.iter().any(|y| y.field == x.field)).collect(),
        });
    }
    common.unwrap_or_default()
}

/// The warnings about fields actually written in the scenario's `text` (a field left at
/// its default is not the user's doing): what `cesim validate` and `cesim run` print.
pub fn written(warnings: Vec<Warning>, text: &str) -> Vec<Warning> {
    let Ok(root) = text.parse::<toml::Table>() else { return warnings };
    warnings.into_iter().filter(|w| is_written(&root, &w.field)).collect()
}

fn is_written(root: &toml::Table, field: &str) -> bool {
    super::path::parse_path(field).is_err() || super::path::get(root, field).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        toml::from_str(include_str!("../../tests/data/small.toml")).unwrap()
    }

    #[test]
    fn only_written_fields_are_reported() {
        let mut sc = small();
        sc.qc.audit = Audit::Recheck;
        let text = "[qc]\naudit = \"recheck\"\nspot_rate = 0.5\n[[regions]]\nname = \"r\"\n";
        let w = written(warnings(&sc), text);
        assert!(w.iter().any(|x| x.field == "qc.spot_rate"), "{w:?}");
        assert!(!w.iter().any(|x| x.field == "pricing.margin"), "{w:?}");
        assert!(is_written(&text.parse().unwrap(), "regions[0]"));
        assert!(!is_written(&text.parse().unwrap(), "regions[1]"));
    }

    #[test]
    fn spot_rate_is_dead_unless_spot_sampling() {
        let mut sc = small();
        sc.qc.audit = Audit::Recheck;
        let w = warnings(&sc);
        assert!(w.iter().any(|x| x.field == "qc.spot_rate" && x.why.contains("spot")), "{w:?}");
        assert!(!w.iter().any(|x| x.field == "qc.sample_size"));
        sc.qc.audit = Audit::Spot;
        assert!(!warnings(&sc).iter().any(|x| x.field == "qc.spot_rate"));
    }

    #[test]
    fn a_platform_that_brings_a_field_to_life_silences_it() {
        let mut sc = small();
        let mut o = toml::Table::new();
        o.insert("pricing.policy".into(), toml::Value::String("cost_plus".into()));
        sc.platforms = vec![
            crate::scenario::PlatformConfig { name: "a".into(), overrides: toml::Table::new() },
            crate::scenario::PlatformConfig { name: "b".into(), overrides: o },
        ];
        assert!(!warnings(&sc).iter().any(|x| x.field == "pricing.margin"));
        assert!(warnings(&sc).iter().any(|x| x.field == "pricing.min_margin"));
    }
}
