//! The story of a run: a short day-by-day narrative of notable events, written from the
//! trace and the daily rows for a reader who has not seen the model (a student).
//! Quiet stretches are summarised in one line.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::metrics::DayRow;
use crate::model::trace::TraceEvent;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The narrative, in Markdown.
pub fn story(scenario: &str, rows: &[DayRow], events: &[TraceEvent]) -> String {
    let mut by_day: BTreeMap<u64, Vec<&TraceEvent>> = BTreeMap::new();
    for e in events {
        by_day.entry(e.day).or_default().push(e);
    }
    let mut s = String::new();
    let _ = writeln!(s, "# The story of a run: {scenario}\n");
    let first = rows.first();
    let _ = writeln!(
        s,
        "{}. On the first evening {} of the residents are customers and place {}.\n",
        plural(rows.len() as u64, "day", "days"),
        first.map_or(0, |r| r.active_residents),
        plural(first.map_or(0, |r| r.orders), "order", "orders")
    );
    let typical_churn = {
        let mut v: Vec<u64> = rows.iter().map(|r| r.churned).collect();
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let multi = events.iter().filter(|e| !e.platform.is_empty()).map(|e| e.platform.as_str()).collect::<std::collections::BTreeSet<_>>().len() > 1;
    // Shortages already told about on the previous day: (event, agent, product).
    let mut ongoing: Vec<(String, String, String)> = Vec::new();
    let mut quiet_from: Option<u64> = None;
    // Platforms whose prices are cut (a price war going on), for the quiet stretches.
    let mut cutting: Vec<String> = Vec::new();
    let flush = |s: &mut String, from: Option<u64>, to: u64, rows: &[DayRow], cutting: &[String]| {
        if let Some(a) = from {
            let span = &rows[a as usize..to as usize];
            if span.is_empty() {
                return;
            }
            let orders = span.iter().map(|r| r.orders).sum::<u64>() / span.len() as u64;
            let label = if span.len() == 1 { format!("Day {a}") } else { format!("Days {a}–{}", to - 1) };
            let usual = if cutting.is_empty() { "business as usual".to_string() } else { format!("the price war goes on ({} below the wet market's prices)", cutting.join(" and ")) };
            let _ = writeln!(s, "- **{label}**: {usual}, about {orders} orders a night.");
        }
    };
    for (d, row) in rows.iter().enumerate() {
        let day = d as u64;
        let (mut lines, mut market) = (Vec::new(), Vec::new());
        let mut today: Vec<(String, String, String)> = Vec::new();
        let mut continuing = 0u64;
        let mut lost: Vec<String> = Vec::new();
        // A quiet stretch ending today was quiet under yesterday's prices.
        let cutting_before = cutting.clone();
        for e in by_day.get(&day).map(|v| v.as_slice()).unwrap_or(&[]) {
            let who = if e.platform.is_empty() || !multi { String::new() } else { format!(" ({})", e.platform) };
            if matches!(e.event, "short_delivery" | "stock_out") {
                let key = (e.event.to_string(), e.agent_id.clone(), e.product.clone());
                let seen = ongoing.contains(&key);
                today.push(key);
                if seen {
                    if e.event == "stock_out" {
                        continuing += e.quantity;
                    }
                    continue;
                }
            }
            match e.event {
                "prices_cut" if !cutting.contains(&e.platform) => cutting.push(e.platform.clone()),
                "prices_restored" => cutting.retain(|p| p != &e.platform),
                _ => {}
            }
            let line = match e.event {
                "weather_shock" => Some(format!("a weather shock hits region {}: {} % of its yield is lost{who}.", e.agent_id, e.quantity)),
                "weather_over" => Some(format!("the weather in {} is back to normal{who}.", e.agent_id)),
                "road_closed" => Some(format!("the road to grid warehouse {} is closed; {} wait at the central warehouse{who}.", e.agent_id, plural(e.quantity, "unit", "units"))),
                "breakdown" => Some(format!("a truck on the {} lane breaks down and waits {} h in the heat{who}.", e.agent_id, e.quantity)),
                "short_delivery" => Some(format!("supplier {} delivers {} of {} too few ({}){who}.", e.agent_id, plural(e.quantity, "unit", "units"), e.product, e.cause)),
                "stock_out" => Some(format!("the central warehouse is short of {} by {}: orders go unfilled ({}){who}.", e.product, plural(e.quantity, "unit", "units"), e.cause)),
                "lot_rejected" => Some(format!("quality control rejects lot {} of {} ({}, {}){who}.", e.lot, e.product, plural(e.quantity, "unit", "units"), e.cause)),
                "recall" => Some(format!("a complaint traces a bad lot of {} (lot {}); it is recalled everywhere{who}.", e.product, e.lot)),
                "scandal" => Some(format!("**a scandal breaks**: every resident's trust falls by {} %{who}.", e.quantity)),
                "leader_switched" => Some(format!("leader {} switches platform, taking much of a {}-household neighbourhood along{who}.", e.agent_id, e.quantity)),
                "prices_cut" => Some(format!("**{}** cuts its prices to {} % of the wet market's: a price war.", e.platform, e.quantity)),
                "prices_restored" => Some(format!("**{}** is back to {} % of the wet market's prices.", e.platform, e.quantity)),
                "subsidy_exhausted" => Some(format!("{}'s subsidy budget runs out ({} yuan spent): its prices go back to list.", e.platform, e.quantity)),
                "coupon_budget_exhausted" => Some(format!("{}'s retention coupon budget runs out.", e.platform)),
                "share_swing" => Some(format!("{}'s market share {} to {} %.", e.platform, if e.cause == "up" { "jumps" } else { "falls" }, e.quantity)),
                "segment_leaving" => Some(format!("the {} segment is leaving: {} fewer of its residents are customers than a week ago.", e.agent_id, e.quantity)),
                "trust_recovered" => Some(format!("trust in {} has recovered from the scandal, {} later.", e.platform, plural(e.quantity, "day", "days"))),
                "customers_lost" if row.churned > 2 * typical_churn.max(2) => {
                    lost.push(format!("{} {}{who}", e.quantity, e.cause.replace('_', " ")));
                    None
                }
                _ => None,
            };
            if let Some(l) = line
                && !lines.contains(&l)
                && !market.contains(&l)
            {
                // The market's events first: a day's many supply events must not hide them.
                if matches!(e.agent_kind, "platform" | "segment" | "leader") {
                    market.push(l);
                } else {
                    lines.push(l);
                }
            }
        }
        market.append(&mut lines);
        lines = market;
        ongoing = today;
        if !lost.is_empty() {
            lines.push(format!("{} customers are lost (by cause: {}).", row.churned, lost.join(", ")));
        }
        if continuing > 0 {
            lines.push(format!("The shortage goes on: {} short at the central warehouse.", plural(continuing, "unit", "units")));
        }
        if row.units_stockout > 0 && row.units_stockout * 20 > row.units_sold {
            lines.push(format!("{} ordered the evening before are missing at pickup.", plural(row.units_stockout, "unit", "units")));
        }
        if lines.is_empty() {
            quiet_from.get_or_insert(day);
            continue;
        }
        flush(&mut s, quiet_from.take(), day, rows, &cutting_before);
        // Keep each day short: the first few notable things, then a count.
        let shown = lines.len().min(6);
        let _ = writeln!(s, "- **Day {day}** ({} orders, {} customers): {}{}", row.orders, row.active_residents, lines[..shown].join(" "), if lines.len() > shown { format!(" …and {} more events.", lines.len() - shown) } else { String::new() });
    }
    flush(&mut s, quiet_from.take(), rows.len() as u64, rows, &cutting);
    if let Some(last) = rows.last() {
        let _ = writeln!(
            s,
            "\nBy the end, {} of the residents are still customers; {} left the market in all, and {} joined it.",
            last.active_residents,
            plural(last.left_market_total, "resident has", "residents have"),
            plural(rows.iter().map(|r| r.newcomers).sum(), "newcomer", "newcomers")
        );
    }
    s
}
