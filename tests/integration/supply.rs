//! Supply side (issue 3): directions of effects with replications and paired 95 % CIs
//! under common random numbers, and the QC plan's operating characteristic in a full run.

use cesim::model::RunReport;
use cesim::model::quality_control::acceptance_probability;
use cesim::output::Kpis;
use cesim::scenario::{Audit, Scenario};

use crate::{diff, down as lower, load, up as higher};

const REPS: u64 = 10;

fn reps(sc: &Scenario) -> Vec<RunReport> {
    crate::reps(sc, REPS)
}

#[test]
fn split_source_means_fewer_stockout_days_under_the_same_shock() {
    let single = reps(&load("supply_shock_single_source"));
    let split = reps(&load("multi_sourcing"));
    let d = diff(&single, &split, |r| Kpis::of(r).stockout_days as f64);
    assert!(lower(d), "stock-out days, split − single: {d:?}");
    let short = diff(&single, &split, |r| r.total.units_stockout as f64);
    assert!(lower(short), "units out of stock, split − single: {short:?}");
}

#[test]
fn split_source_costs_more_in_normal_times() {
    // Without the shock both buy the same units (same demand streams); the wholesaler's
    // share is dearer. (Under the shock a per-unit comparison would mostly show the
    // changed product mix: the single source buys fewer of the cheap vegetables.)
    let mut single = load("supply_shock_single_source");
    let mut split = load("multi_sourcing");
    single.shocks.clear();
    split.shocks.clear();
    let (a, b) = (reps(&single), reps(&split));
    let unit_cost = diff(&a, &b, |r| r.total.procurement_yuan / r.total.units_procured as f64);
    assert!(higher(unit_cost), "procurement yuan per unit, split − single: {unit_cost:?}");
}

#[test]
fn stricter_qc_means_fewer_defects_delivered_and_more_rejected_lots() {
    let lax = load("lax_sorting");
    let mut strict = lax.clone();
    strict.qc.audit = Audit::Recheck;
    strict.qc.sorter_laxity = 0.3;
    let (a, b) = (reps(&lax), reps(&strict));
    let defects = diff(&a, &b, |r| Kpis::of(r).defect_rate);
    assert!(lower(defects), "defect rate delivered, strict − lax: {defects:?}");
    let rejected = diff(&a, &b, |r| r.total.lots_rejected as f64);
    assert!(higher(rejected), "lots rejected, strict − lax: {rejected:?}");
    let qc_cost = diff(&a, &b, |r| r.total.qc_yuan);
    assert!(higher(qc_cost), "inspection cost, strict − lax: {qc_cost:?}");
}

#[test]
fn cold_trucks_mean_less_transit_spoilage_and_more_transport_cost() {
    let cold = load("baseline");
    let mut ambient = cold.clone();
    for s in &mut ambient.suppliers {
        s.mode = "ambient_truck".into();
    }
    ambient.central_warehouse.linehaul_mode = "ambient_truck".into();
    for g in &mut ambient.grid_warehouses {
        g.last_mile_mode = "ambient_van".into();
    }
    let (a, b) = (reps(&cold), reps(&ambient));
    let spoil = diff(&a, &b, |r| Kpis::of(r).transit_spoilage_rate);
    assert!(higher(spoil), "transit spoilage rate, ambient − cold: {spoil:?}");
    let cost = diff(&a, &b, |r| r.total.transport_yuan());
    assert!(lower(cost), "transport cost, ambient − cold: {cost:?}");
}

#[test]
fn simulated_lot_acceptance_follows_the_oc_curve() {
    // Every lot sampled with n = 20, c = 1; every lot's defect rate is 0.1 (no relabelling,
    // no self-check), so lots are accepted with probability OC(0.1) = 0.3917.
    let mut sc = crate::small();
    sc.run.horizon_days = 60;
    sc.qc.audit = Audit::Recheck;
    for s in &mut sc.suppliers {
        s.defect_rate = 0.1;
        s.self_check_efficacy = 0.0;
        s.relabel_prob = 0.0;
        s.false_origin_prob = 0.0;
    }
    let (mut inspected, mut rejected) = (0u64, 0u64);
    for r in 0..REPS {
        let rep = cesim::model::run(&sc, 99, r).unwrap();
        inspected += rep.total.lots_inspected;
        rejected += rep.total.lots_rejected;
    }
    let accept = 1.0 - rejected as f64 / inspected as f64;
    let p = acceptance_probability(20, 1, 0.1);
    let se = (p * (1.0 - p) / inspected as f64).sqrt();
    assert!(inspected > 1000, "{inspected} lots");
    assert!((accept - p).abs() < 4.0 * se, "simulated acceptance {accept}, OC {p}, se {se}");
}

#[test]
fn over_stocking_spoils_and_under_stocking_stocks_out() {
    let base = load("forecasting");
    let mut lean = base.clone();
    lean.policy.safety_stock_factor = 0.0;
    let mut fat = base.clone();
    fat.policy.safety_stock_factor = 0.5;
    let (a, b) = (reps(&lean), reps(&fat));
    let spoil = diff(&a, &b, |r| Kpis::of(r).spoilage_rate);
    assert!(higher(spoil), "spoilage rate, over − under: {spoil:?}");
    // Stock-outs at the central warehouse: units it could not allocate. (Units missing at
    // pickup also include goods spoiled at the leader, which over-stocking raises: FEFO
    // issues the older stock first.)
    let short = diff(&a, &b, |r| r.total.short_by_cause.iter().sum::<u64>() as f64);
    assert!(lower(short), "units short at the central warehouse, over − under: {short:?}");
}

#[test]
fn air_is_dearer_per_kg_and_faster_than_truck() {
    let r = cesim::model::run(&load("long_haul_air_vs_truck"), 1, 0).unwrap();
    let by = |n: &str| r.suppliers.iter().find(|s| s.name == n).unwrap().clone();
    let (truck, air) = (by("pears_by_truck"), by("pears_by_air"));
    assert!(air.transport_per_kg_yuan() > 5.0 * truck.transport_per_kg_yuan());
    assert_eq!(air.lead_picks, 0);
    assert!(truck.lead_picks >= 2);
    assert!(truck.mean_age_share_on_arrival > air.mean_age_share_on_arrival);
    // Truck lots miss the morning's pick and wait a day at the central warehouse.
    let dwell = |n: &str| r.products.iter().find(|p| p.name == n).unwrap().mean_central_dwell_hours();
    assert!(dwell("frozen_pears_truck") > dwell("frozen_pears_air") + 12.0);
}

#[test]
fn a_small_grid_warehouse_goes_short_for_capacity() {
    let mut sc = crate::small();
    sc.grid_warehouses[0].capacity_units_per_day = 50.0;
    let r = cesim::model::run(&sc, 3, 0).unwrap();
    let capacity = r.total.short_by_cause[cesim::model::supplier::ShortCause::Capacity as usize];
    assert!(capacity > 0);
    let plenty = cesim::model::run(&crate::small(), 3, 0).unwrap();
    assert!(r.total.units_stockout > plenty.total.units_stockout);
}

#[test]
fn a_closed_road_to_the_grid_leaves_its_leaders_short() {
    let mut sc = crate::small();
    sc.shocks.push(toml::from_str("kind = \"road_closed\"\ntarget = \"grid\"\nstart_day = 5\ndays = 2").unwrap());
    let r = cesim::model::run(&sc, 3, 0).unwrap();
    let shock = r.total.short_by_cause[cesim::model::supplier::ShortCause::Shock as usize];
    assert!(shock > 0);
    assert_eq!(r.days[5].tally.units_sold, 0);
    assert_eq!(r.days[6].tally.units_sold, 0);
    assert!(r.days[7].tally.units_sold > 0);
}

#[test]
fn fallback_covers_a_supplier_that_leaves() {
    let mut sc = load("multi_sourcing");
    sc.shocks = vec![toml::from_str("kind = \"supplier_exit\"\ntarget = \"veg_farm\"\nstart_day = 10\ndays = 30").unwrap()];
    let mut none = sc.clone();
    none.sourcing.get_mut("vegetables").unwrap().fallback = cesim::scenario::Fallback::None;
    let (a, b) = (reps(&none), reps(&sc));
    let d = diff(&a, &b, |r| r.total.short_by_cause.iter().sum::<u64>() as f64);
    assert!(lower(d), "units short, spread − none: {d:?}");
}

#[test]
fn a_steady_start_fills_the_first_picks_of_lanes_with_a_lead_time() {
    // Forecasting's lanes arrive a pick late: an empty pipeline leaves day 1 short.
    let steady = crate::load("forecasting");
    let mut empty = steady.clone();
    empty.run.steady_start = false;
    let day1 = |sc: &cesim::scenario::Scenario| cesim::model::run(sc, sc.run.seed, 0).unwrap().days[1].tally.units_stockout;
    let (s, e) = (day1(&steady), day1(&empty));
    assert!(e > 10 * s.max(1), "day-1 stock-outs: steady {s}, empty {e}");
}

/// The day the weather shock on shandong starts in replication `rep` of `sc` (from the trace).
fn shock_onset(sc: &cesim::scenario::Scenario, rep: u64) -> Option<u64> {
    let opts = cesim::model::simulation::RunOptions { trace: true, threads: 1 };
    let (_, events) = cesim::model::simulation::run_with(sc, sc.run.seed, rep, &opts, &mut |_, _| {}).unwrap();
    events.iter().find(|e| e.event == "weather_shock" && e.agent_id == "shandong").map(|e| e.day)
}

#[test]
fn a_shock_season_is_drawn_per_replication_and_shared_by_policies() {
    let mut single = crate::load("supply_shock_single_source");
    let mut split = crate::load("multi_sourcing");
    for sc in [&mut single, &mut split] {
        sc.run.horizon_days = 50;
        sc.shocks[0].start_day_max = Some(35);
    }
    let onsets: Vec<u64> = (0..8).map(|r| shock_onset(&single, r).expect("the shock comes")).collect();
    assert!(onsets.iter().all(|d| (20..=35).contains(d)), "{onsets:?}");
    assert!(onsets.iter().collect::<std::collections::BTreeSet<_>>().len() > 3, "the onset varies: {onsets:?}");
    // The other policy faces the same season, replication by replication.
    for (r, d) in onsets.iter().enumerate() {
        assert_eq!(shock_onset(&split, r as u64), Some(*d), "replication {r}");
    }
    // A range that ends before it starts is refused, naming the field and what is allowed.
    let text = std::fs::read_to_string(crate::file("scenarios/supply_shock_single_source.toml")).unwrap();
    for (extra, field) in [("depth = 0.8\ndepth_max = 0.5", "shocks[0].depth_max = 0.5"), ("days = 14\ndays_max = 3", "shocks[0].days_max = 3"), ("start_day = 20\nstart_day_max = 5", "shocks[0].start_day_max = 5")] {
        let (key, _) = extra.split_once('\n').unwrap();
        let e = cesim::scenario::parse_str(&text.replacen(key, extra, 1), "s.toml").unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("s.toml:7"), "{e}");
    }
    // Without the range, every replication has it on day 20.
    single.shocks[0].start_day_max = None;
    assert!((0..4).all(|r| shock_onset(&single, r) == Some(20)));
}
