//! A season played night by night (issue 14): left to the plan it is the run, bit for bit;
//! buying what the plan would buy is the run too; the outcome follows the purchases.

use cesim::model::simulation::{Season, run};
use cesim::model::{ModelError, RunReport};
use cesim::output::Kpis;
use cesim::scenario::Scenario;

use crate::load;

fn short(name: &str, days: u32) -> Scenario {
    let mut sc = load(name);
    sc.run.horizon_days = days;
    sc.run.warmup_days = 0;
    sc
}

/// Plays every night with `buy(night) → purchase` and returns the report.
fn play(sc: &Scenario, mut buy: impl FnMut(&cesim::model::simulation::Night) -> Option<Vec<u32>>) -> RunReport {
    let mut s = Season::new(sc, sc.run.seed, 0).unwrap();
    let mut nights = 0;
    while !s.is_over() {
        let purchase = buy(&s.tonight());
        s.night(purchase.as_deref()).unwrap();
        nights += 1;
    }
    assert_eq!(nights, sc.run.horizon_days, "one cut-off a day");
    s.finish().unwrap()
}

#[test]
fn a_season_left_to_the_plan_is_the_run() {
    for name in ["forecasting", "multi_sourcing", "supply_shock_single_source"] {
        let sc = short(name, 9);
        let want = format!("{:?}", run(&sc, sc.run.seed, 0).unwrap());
        assert_eq!(format!("{:?}", play(&sc, |_| None)), want, "{name}");
        // Paused and finished at once: the same.
        assert_eq!(format!("{:?}", Season::new(&sc, sc.run.seed, 0).unwrap().finish().unwrap()), want, "{name}");
        // Buying, each night, what the plan would buy (as the buyer sees it) is the run.
        let plan = play(&sc, |n| Some(n.products.iter().map(|p| p.plan_units as u32).collect()));
        assert_eq!(format!("{plan:?}"), want, "{name}: buying the plan's units");
    }
}

#[test]
fn the_outcome_follows_the_purchases() {
    let sc = short("forecasting", 8);
    let none = Kpis::of(&play(&sc, |n| Some(vec![0; n.products.len()])));
    let plan = Kpis::of(&play(&sc, |_| None));
    let plenty = Kpis::of(&play(&sc, |n| Some(n.products.iter().map(|p| 3 * p.plan_units as u32 + 500).collect())));
    // (Plenty fills less than the plan: the old stock it leaves is handed out first and wilts.)
    assert!(none.fill_rate < plan.fill_rate && none.fill_rate < plenty.fill_rate, "fill: {} {} {}", none.fill_rate, plan.fill_rate, plenty.fill_rate);
    assert!(plenty.spoilage_rate > plan.spoilage_rate, "spoilage: plan {} plenty {}", plan.spoilage_rate, plenty.spoilage_rate);
    assert!(plan.profit_yuan > none.profit_yuan && plan.profit_yuan > plenty.profit_yuan, "profit: {} {} {}", none.profit_yuan, plan.profit_yuan, plenty.profit_yuan);
}

#[test]
fn tonight_shows_the_state() {
    let sc = short("forecasting", 6);
    let mut s = Season::new(&sc, sc.run.seed, 0).unwrap();
    let first = s.tonight();
    assert_eq!(first.day, 0);
    assert!(first.today.is_none());
    assert_eq!(first.products.len(), sc.products.len());
    assert!(first.products.iter().all(|p| p.orders_units > 0 && p.forecast_units > 0.0), "{first:?}");
    // Leafy greens are booked a day ahead (lead 24 h): tonight's lot misses tomorrow's pick.
    let greens = first.products.iter().find(|p| p.name == "leafy_greens").unwrap();
    assert_eq!(greens.lead_nights, 1);
    let tofu = first.products.iter().find(|p| p.name == "tofu").unwrap();
    assert_eq!(tofu.lead_nights, 0);
    // Nothing bought: tomorrow's tofu pickup is short of everything ordered tonight.
    let mut buy = vec![0u32; sc.products.len()];
    s.night(Some(&buy)).unwrap();
    let n = s.tonight();
    assert_eq!(n.day, 1);
    let tofu_now = n.products.iter().find(|p| p.name == "tofu").unwrap();
    // (All of it but what residents who stay away would have left at the leader's.)
    let missing = tofu_now.stockout_units_today;
    assert!(missing <= tofu.orders_units && missing * 10 >= 9 * tofu.orders_units, "{missing} of {}: {n:?}", tofu.orders_units);
    let t = n.today.as_ref().unwrap();
    assert_eq!(t.units_stockout, n.products.iter().map(|p| p.stockout_units_today).sum::<u64>(), "{t:?}");
    assert!(t.units_sold > 0 && n.customers > 0, "the greens of the pipeline are sold: {t:?}");
    // Each night's stock-outs are that day's own, not the running total.
    s.night(Some(&buy)).unwrap();
    let n2 = s.tonight();
    let t2 = n2.today.as_ref().unwrap();
    assert_eq!(t2.units_stockout, n2.products.iter().map(|p| p.stockout_units_today).sum::<u64>(), "{n2:?}");
    let tofu2 = n2.products.iter().find(|p| p.name == "tofu").unwrap().stockout_units_today;
    let tofu1 = n.products.iter().find(|p| p.name == "tofu").unwrap();
    assert!(tofu2 <= tofu1.orders_units, "day 2's tofu stock-outs {tofu2} ≤ night 1's orders {}", tofu1.orders_units);
    // Buying plenty of tofu puts it in stock by the next cut-off.
    buy[sc.products.iter().position(|p| p.name == "tofu").unwrap()] = 5000;
    s.night(Some(&buy)).unwrap();
    let after = s.tonight();
    let t = after.products.iter().find(|p| p.name == "tofu").unwrap();
    assert!(t.stock_units > 0 && t.stock_age_share > 0.0 && t.stock_age_share < 1.0, "{t:?}");
}

#[test]
fn a_split_moves_purchases_between_sources() {
    let sc = short("multi_sourcing", 6);
    let mut s = Season::new(&sc, sc.run.seed, 0).unwrap();
    let n = s.tonight();
    let p = n.products.iter().position(|p| p.sources.len() == 2).expect("a product with two sources");
    let farm = n.products[p].sources[0].0.clone();
    assert!(s.set_split(p, &[1.0]).unwrap_err().contains("1 shares for 2 sources"));
    assert!(s.set_split(p, &[-1.0, 2.0]).is_err());
    assert!(s.set_split(p, &[f64::NAN, 2.0]).is_err());
    assert!(s.set_split(p, &[0.0, 0.0]).is_err());
    s.set_split(p, &[3.0, 0.0]).unwrap();
    assert_eq!(s.tonight().products[p].sources, vec![(farm.clone(), 1.0), (n.products[p].sources[1].0.clone(), 0.0)]);
    let all_farm = s.finish().unwrap();
    let base = run(&sc, sc.run.seed, 0).unwrap();
    let bought = |r: &RunReport, who: &str| r.suppliers.iter().find(|x| x.name == who).unwrap().procurement_yuan;
    let other = &n.products[p].sources[1].0;
    assert!(bought(&all_farm, &farm) > bought(&base, &farm), "the farm sells more");
    assert!(bought(&all_farm, other) < bought(&base, other), "the other source sells less");
}

#[test]
fn only_one_platform_with_one_centre_can_be_played() {
    let sc = short("price_war", 3);
    let e = Season::new(&sc, 1, 0).unwrap_err();
    assert!(matches!(e, ModelError::NotPlayable(_)) && e.to_string().contains("2 platforms"), "{e}");
}
