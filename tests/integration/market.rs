//! Market (issue 4): directions of effects with replications and paired 95 % CIs under
//! common random numbers, the 80/20 spend rule, and no churn without any alternative.

use cesim::model::RunReport;
use cesim::model::resident::ChurnCause;
use cesim::output::Kpis;
use cesim::scenario::{Channel, PriceFloor, PricePolicy, RefundRule, Scenario};

use crate::{diff, down, load, up};

const REPS: u64 = 8;

fn reps(sc: &Scenario) -> Vec<RunReport> {
    crate::reps(sc, REPS)
}

fn platform<'a>(r: &'a RunReport, name: &str) -> &'a cesim::model::simulation::PlatformReport {
    r.platforms.iter().find(|p| p.name == name).unwrap()
}

fn set(sc: &mut Scenario, platform: usize, path: &str, value: toml::Value) {
    sc.platforms[platform].overrides.insert(path.into(), value);
}

#[test]
fn a_scandal_raises_churn() {
    let with = load("scandal");
    let mut without = with.clone();
    without.scandals.clear();
    let (a, b) = (reps(&without), reps(&with));
    let d = diff(&a, &b, |r| Kpis::of(r).churn_rate);
    assert!(up(d), "churn rate, scandal − none: {d:?}");
    let scandal_churn = diff(&a, &b, |r| r.total.churned_by_cause[ChurnCause::Scandal as usize] as f64);
    assert!(up(scandal_churn), "{scandal_churn:?}");
    // Fewer newcomers while trust is low.
    let newcomers = diff(&a, &b, |r| r.days.iter().map(|d| d.newcomers).sum::<u64>() as f64);
    assert!(down(newcomers), "newcomers, scandal − none: {newcomers:?}");
}

#[test]
fn in_app_no_questions_after_sales_lowers_churn_vs_leader_relay() {
    let relay = load("aftersales_leader_relay");
    let mut app = relay.clone();
    app.aftersales.channel = Channel::InApp;
    app.aftersales.refund_rule = RefundRule::NoQuestions;
    let (a, b) = (reps(&relay), reps(&app));
    let d = diff(&a, &b, |r| Kpis::of(r).churn_rate);
    assert!(down(d), "churn rate, in-app − relay: {d:?}");
    let lead = diff(&a, &b, |r| r.total.refund_hours_sum / r.total.complaints.max(1) as f64);
    assert!(down(lead), "refund lead time, in-app − relay: {lead:?}");
}

#[test]
fn undercutting_wins_share_and_cuts_margin() {
    let mut list = load("price_war");
    set(&mut list, 0, "pricing.policy", "list".into());
    set(&mut list, 1, "pricing.policy", "list".into());
    let mut cut = list.clone();
    set(&mut cut, 1, "pricing.policy", "undercut".into());
    let (a, b) = (reps(&list), reps(&cut));
    let share = diff(&a, &b, |r| platform(r, "challenger").total.orders as f64 / r.total.orders as f64);
    assert!(up(share), "challenger's share of orders, undercut − list: {share:?}");
    let margin = diff(&a, &b, |r| {
        let t = &platform(r, "challenger").total;
        t.profit_yuan() / (t.revenue_yuan - t.refunds_yuan)
    });
    assert!(down(margin), "challenger's margin, undercut − list: {margin:?}");
}

#[test]
fn a_price_floor_limits_the_wars_losses() {
    let war = load("price_war");
    let mut floor = war.clone();
    floor.pricing.floor = PriceFloor::Cost;
    let (a, b) = (reps(&war), reps(&floor));
    // The worst day's loss of any platform is smaller with the floor. (The war's total
    // cost is not: the challenger's subsidy budget sets it, and a floor makes the budget
    // last longer — see the closing note of issue 4.)
    let worst_day = |r: &RunReport| -> f64 {
        r.platforms.iter().flat_map(|p| p.days.iter()).map(|d| d.tally.profit_yuan()).fold(f64::MAX, f64::min)
    };
    let d = diff(&a, &b, worst_day);
    assert!(up(d), "worst daily profit, floor − none: {d:?}");
    // The floor holds the price index at or above cost over the war.
    let lowest = |r: &RunReport| r.platforms.iter().flat_map(|p| p.days.iter()).map(|d| d.price_index).fold(f64::MAX, f64::min);
    let low = diff(&a, &b, lowest);
    assert!(up(low), "lowest price index, floor − none: {low:?}");
    assert_eq!(war.platforms[1].overrides["pricing.policy"].as_str(), Some("subsidy_war"));
    let _ = PricePolicy::SubsidyWar;
}

#[test]
fn leader_switching_moves_residents() {
    // Only the incumbent's leaders may switch (to the rival's higher commission).
    let mut switch = load("leader_incentives");
    set(&mut switch, 1, "leaders.switch_prob_per_day", 0.0.into());
    let mut stay = switch.clone();
    stay.leaders.switch_prob_per_day = 0.0;
    let (a, b) = (reps(&stay), reps(&switch));
    let customers = |r: &RunReport, n: &str| platform(r, n).days.last().unwrap().customers as f64;
    let lost = diff(&a, &b, |r| customers(r, "incumbent"));
    assert!(down(lost), "incumbent's customers at the end, switching − none: {lost:?}");
    let won = diff(&a, &b, |r| customers(r, "rival"));
    assert!(up(won), "rival's customers at the end, switching − none: {won:?}");
    assert!(b.iter().all(|r| r.total.churned_by_cause[ChurnCause::LeaderLeft as usize] > 0));
}

#[test]
fn rating_bonuses_keep_leaders() {
    let with = load("leader_incentives");
    let mut without = with.clone();
    without.leaders.bonus_top_share = 0.0;
    let (a, b) = (reps(&without), reps(&with));
    let d = diff(&a, &b, |r| platform(r, "incumbent").days.last().unwrap().leaders_serving as f64);
    assert!(up(d), "incumbent's leaders at the end, bonus − none: {d:?}");
}

#[test]
fn leader_training_cuts_spoilage_at_pickup_points() {
    let untrained = load("baseline");
    let mut trained = untrained.clone();
    trained.leaders.training_share = 1.0;
    let (a, b) = (reps(&untrained), reps(&trained));
    let leader = cesim::model::accounts::Stage::Leader as usize;
    let d = diff(&a, &b, |r| r.total.spoiled[leader] as f64 / r.total.units_procured as f64);
    assert!(down(d), "spoilage at leaders, trained − untrained: {d:?}");
}

#[test]
fn top_fifth_of_residents_bring_70_to_90_percent_of_revenue() {
    for r in reps(&load("baseline")).iter().take(3) {
        assert!((0.70..=0.90).contains(&r.top20_revenue_share), "top-20 % share {}", r.top20_revenue_share);
    }
}

#[test]
fn with_one_platform_and_no_outside_option_nobody_churns_to_a_rival() {
    let mut sc = load("baseline");
    sc.market.outside_option = false;
    for r in reps(&sc).iter().take(3) {
        let by = r.total.churned_by_cause;
        for c in ChurnCause::ALL {
            if c != ChurnCause::Moved {
                assert_eq!(by[c as usize], 0, "{} churn without any alternative", c.name());
            }
        }
        assert!(by[ChurnCause::Moved as usize] > 0, "people still move away");
    }
}

#[test]
fn competitor_aware_pricing_follows_the_season() {
    // Purchase prices swing ±30 % with the season (peak on day 30); a list price is fixed,
    // price intelligence moves with the cost and keeps the margin.
    let mut list = load("baseline");
    for p in &mut list.products {
        p.season_amplitude = 0.3;
        p.season_peak_day = 30;
    }
    let mut aware = list.clone();
    aware.pricing.policy = PricePolicy::CompetitorAware;
    let (a, b) = (reps(&list), reps(&aware));
    let margin = diff(&a, &b, |r| Kpis::of(r).net_margin);
    assert!(up(margin), "net margin, competitor-aware − list: {margin:?}");
    // At the peak the aware price index is the season's 1.3; the list price stays at 1.
    let pi = |r: &RunReport, d: usize| r.platforms[0].days[d].price_index;
    assert!(b.iter().all(|r| (pi(r, 30) - 1.3).abs() < 1e-9), "{}", pi(&b[0], 30));
    assert!(a.iter().all(|r| pi(r, 30) == 1.0));
}

/// The trace's market events of `sc`, as (day, platform, event).
fn market_events(sc: &Scenario) -> Vec<(u64, String, &'static str)> {
    let opts = cesim::model::simulation::RunOptions { trace: true, threads: 1 };
    let (_, events) = cesim::model::simulation::run_with(sc, sc.run.seed, 0, &opts, &mut |_, _| {}).unwrap();
    events.into_iter().filter(|e| e.agent_kind == "platform").map(|e| (e.day, e.platform, e.event)).collect()
}

#[test]
fn the_trace_tells_the_price_war() {
    let mut sc = load("price_war");
    sc.run.horizon_days = 40;
    let e = market_events(&sc);
    let day_of = |who: &str, what: &str| e.iter().filter(|x| x.1 == who && x.2 == what).map(|x| x.0).collect::<Vec<_>>();
    // The challenger cuts at once, the incumbent answers the next evening.
    assert_eq!(day_of("challenger", "prices_cut"), vec![0], "{e:?}");
    assert_eq!(day_of("incumbent", "prices_cut"), vec![1], "{e:?}");
    let out = day_of("challenger", "subsidy_exhausted");
    assert_eq!(out.len(), 1, "{e:?}");
    // Prices go back to list the day the money runs out, and the market swings.
    assert_eq!(day_of("challenger", "prices_restored"), out, "{e:?}");
    assert!(day_of("incumbent", "share_swing").contains(&out[0]), "{e:?}");
    // A bigger budget lasts longer (metamorphic).
    set(&mut sc, 1, "pricing.subsidy_budget_yuan", toml::Value::Float(600_000.0));
    let later = market_events(&sc).into_iter().find(|x| x.2 == "subsidy_exhausted").map_or(u64::MAX, |x| x.0);
    assert!(later > out[0], "budget doubled: runs out on day {later}, was {}", out[0]);
    // Without a subsidy war nothing is cut, exhausted or swung.
    let mut calm = load("price_war");
    calm.run.horizon_days = 40;
    set(&mut calm, 1, "pricing.policy", toml::Value::String("list".into()));
    set(&mut calm, 0, "pricing.policy", toml::Value::String("list".into()));
    let e = market_events(&calm);
    assert!(!e.iter().any(|x| matches!(x.2, "prices_cut" | "subsidy_exhausted")), "{e:?}");
}

#[test]
fn the_story_tells_the_market() {
    let mut sc = load("price_war");
    sc.run.horizon_days = 30;
    let opts = cesim::model::simulation::RunOptions { trace: true, threads: 1 };
    let (r, events) = cesim::model::simulation::run_with(&sc, sc.run.seed, 0, &opts, &mut |_, _| {}).unwrap();
    let rows = cesim::output::DayRow::all(&r);
    let story = cesim::output::story::story(&sc.name, &rows, &events);
    assert!(story.contains("subsidy budget runs out") && story.contains("market share") && story.contains("price war goes on"), "{story}");
    // Segments leaving, leaders switching and scandals, first in their day's line.
    let sc = cesim::scenario::load(&crate::file("tests/data/everything.toml")).unwrap();
    let (r, events) = cesim::model::simulation::run_with(&sc, sc.run.seed, 0, &opts, &mut |_, _| {}).unwrap();
    let story = cesim::output::story::story(&sc.name, &cesim::output::DayRow::all(&r), &events);
    let leaving = story.lines().find(|l| l.contains("segment is leaving")).unwrap_or_else(|| panic!("{story}"));
    assert!(!leaving.contains("…and") || leaving.find("segment is leaving") < leaving.find("recalled"), "{leaving}");
    assert!(story.contains("switches platform") && story.contains("a scandal breaks"), "{story}");
}
