//! The market side of a run's story: what a reader of the trace should hear about besides
//! the supply chain. Each day's end compares every platform with its yesterday and pushes
//! an event when something notable happens:
//!
//! - `prices_cut` / `prices_restored`: the basket price index crosses [`CUT_INDEX`] (a
//!   price war starting and ending); quantity = index in %;
//! - `subsidy_exhausted`: the subsidy budget is spent (quantity = yuan spent);
//! - `coupon_budget_exhausted`: no money left for one more retention coupon;
//! - `share_swing`: the platform's share of shopping occasions moves by at least
//!   [`SWING_POINTS`] percentage points in a day (quantity = today's share in %, cause
//!   `up` or `down`);
//! - `trust_recovered`: after a scandal, mean trust is back within [`RECOVERED_SHARE`] of
//!   its level the day before the scandal (quantity = days it took);
//! - `segment_leaving` (market-wide, agent = the segment): a segment's customers (of any
//!   platform) are at least [`SEGMENT_DROP`] fewer than [`SEGMENT_WEEK`] days before
//!   (quantity = customers lost over those days); told again at most once a week.
//!
//! These are read off numbers the run computes anyway; they change no result.

use crate::engine::time::MINUTES_PER_DAY;
use crate::model::trace::Trace;

/// A basket price index below this is a price cut (5 % under the outside option).
pub(super) const CUT_INDEX: f64 = 0.95;
/// A day-on-day move of market share of at least this many percentage points is a swing.
pub(super) const SWING_POINTS: f64 = 10.0;
/// Trust back within this share of its pre-scandal level has recovered.
pub(super) const RECOVERED_SHARE: f64 = 0.95;

/// A segment whose customers fall by this share within [`SEGMENT_WEEK`] days is leaving.
pub(super) const SEGMENT_DROP: f64 = 0.05;
/// The window of [`SEGMENT_DROP`], days.
pub(super) const SEGMENT_WEEK: usize = 7;

/// Each segment's customers over the last days, for `segment_leaving`.
#[derive(Debug, Clone, Default)]
pub(super) struct SegmentWatch {
    /// Customers per segment at the end of each of the last [`SEGMENT_WEEK`] + 1 days, oldest first.
    days: std::collections::VecDeque<Vec<u64>>,
    /// Per segment: no event before this day.
    quiet_until: Vec<u64>,
}

impl SegmentWatch {
    /// Records today's customers per segment (`names` in segment order) and tells a
    /// segment leaving in `trace`, at day `day`'s end.
    pub(super) fn look(&mut self, day: u64, customers: &[u64], names: &[&str], trace: &mut Trace) {
        self.days.push_back(customers.to_vec());
        if self.days.len() > SEGMENT_WEEK + 1 {
            self.days.pop_front();
        }
        self.quiet_until.resize(customers.len(), 0);
        if self.days.len() <= SEGMENT_WEEK {
            return;
        }
        let time = (day + 1) * MINUTES_PER_DAY - 1;
        for (g, (&now, &then)) in customers.iter().zip(&self.days[0]).enumerate() {
            if day >= self.quiet_until[g] && then > 0 && (now as f64) <= (1.0 - SEGMENT_DROP) * then as f64 {
                trace.push(time, "", "segment", names.get(g).copied().unwrap_or(""), "segment_leaving", "", -1, then - now, "churn");
                self.quiet_until[g] = day + SEGMENT_WEEK as u64;
            }
        }
    }
}

/// What one platform looked like at yesterday's end.
#[derive(Debug, Clone, Default)]
pub(super) struct Watch {
    seen: bool,
    price_index: f64,
    share: f64,
    trust: f64,
    subsidy_left: bool,
    coupons_left: bool,
    /// (day of the scandal, trust the day before it), while trust is still down.
    scandal: Option<(u64, f64)>,
}

/// One platform's state at a day's end, as the watcher reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Today<'a> {
    pub name: &'a str,
    pub price_index: f64,
    /// Share of the market's shopping occasions, in [0, 1].
    pub share: f64,
    pub mean_trust: f64,
    pub scandal: bool,
    /// Whether the subsidy war still has budget (`None`: no subsidy policy).
    pub subsidy_left: Option<bool>,
    pub subsidy_spent_yuan: f64,
    /// Whether one more coupon can be paid (`None`: no retention policy).
    pub coupons_left: Option<bool>,
    /// Whether the market has rivals (shares only mean something then).
    pub rivals: bool,
}

impl Watch {
    /// Compares `t` with yesterday and records what changed in `trace`, at day `day`'s end.
    pub(super) fn look(&mut self, day: u64, t: Today, trace: &mut Trace) {
        let time = (day + 1) * MINUTES_PER_DAY - 1;
        let pct = |x: f64| (x * 100.0).round().max(0.0) as u64;
        if self.seen {
            if t.price_index < CUT_INDEX && self.price_index >= CUT_INDEX {
                trace.push(time, t.name, "platform", t.name, "prices_cut", "", -1, pct(t.price_index), "pricing");
            } else if t.price_index >= CUT_INDEX && self.price_index < CUT_INDEX {
                trace.push(time, t.name, "platform", t.name, "prices_restored", "", -1, pct(t.price_index), "pricing");
            }
            if t.subsidy_left == Some(false) && self.subsidy_left {
                trace.push(time, t.name, "platform", t.name, "subsidy_exhausted", "", -1, t.subsidy_spent_yuan.round() as u64, "pricing");
            }
            if t.coupons_left == Some(false) && self.coupons_left {
                trace.push(time, t.name, "platform", t.name, "coupon_budget_exhausted", "", -1, 0, "retention");
            }
            if t.rivals && ((t.share - self.share) * 100.0).abs() + 1e-9 >= SWING_POINTS {
                trace.push(time, t.name, "platform", t.name, "share_swing", "", -1, pct(t.share), if t.share > self.share { "up" } else { "down" });
            }
        } else if t.price_index < CUT_INDEX {
            trace.push(time, t.name, "platform", t.name, "prices_cut", "", -1, pct(t.price_index), "pricing");
        }
        if t.scandal && self.scandal.is_none() {
            self.scandal = Some((day, if self.seen { self.trust } else { t.mean_trust }));
        } else if let Some((from, before)) = self.scandal {
            if t.mean_trust >= RECOVERED_SHARE * before {
                trace.push(time, t.name, "platform", t.name, "trust_recovered", "", -1, day - from, "reputation");
                self.scandal = None;
            }
        }
        self.seen = true;
        self.price_index = t.price_index;
        self.share = t.share;
        self.trust = t.mean_trust;
        self.subsidy_left = t.subsidy_left.unwrap_or(false);
        self.coupons_left = t.coupons_left.unwrap_or(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today(price_index: f64, share: f64, trust: f64) -> Today<'static> {
        Today { name: "p", price_index, share, mean_trust: trust, scandal: false, subsidy_left: None, subsidy_spent_yuan: 0.0, coupons_left: None, rivals: true }
    }

    fn events(days: &[Today]) -> Vec<(u64, &'static str, u64, &'static str)> {
        let (mut w, mut tr) = (Watch::default(), Trace::new(true));
        for (d, t) in days.iter().enumerate() {
            w.look(d as u64, *t, &mut tr);
        }
        tr.events.unwrap().into_iter().map(|e| (e.day, e.event, e.quantity, e.cause)).collect()
    }

    #[test]
    fn a_price_war_starts_and_ends() {
        let e = events(&[today(1.0, 0.5, 0.8), today(0.94, 0.5, 0.8), today(0.5, 0.5, 0.8), today(0.95, 0.5, 0.8)]);
        assert_eq!(e, vec![(1, "prices_cut", 94, "pricing"), (3, "prices_restored", 95, "pricing")]);
        // Cut from the first evening on.
        assert_eq!(events(&[today(0.9, 0.5, 0.8)]), vec![(0, "prices_cut", 90, "pricing")]);
    }

    #[test]
    fn budgets_run_out_once() {
        let mut a = today(1.0, 0.5, 0.8);
        a.subsidy_left = Some(true);
        a.coupons_left = Some(true);
        let mut b = a;
        b.subsidy_left = Some(false);
        b.subsidy_spent_yuan = 1234.4;
        let mut c = b;
        c.coupons_left = Some(false);
        let e = events(&[a, b, b, c, c]);
        assert_eq!(e, vec![(1, "subsidy_exhausted", 1234, "pricing"), (3, "coupon_budget_exhausted", 0, "retention")]);
        // Without a budget at all, nothing runs out.
        assert!(events(&[today(1.0, 0.5, 0.8), today(1.0, 0.5, 0.8)]).is_empty());
    }

    #[test]
    fn swings_need_ten_points_and_rivals() {
        let e = events(&[today(1.0, 0.40, 0.8), today(1.0, 0.49, 0.8), today(1.0, 0.90, 0.8), today(1.0, 0.80, 0.8)]);
        assert_eq!(e, vec![(2, "share_swing", 90, "up"), (3, "share_swing", 80, "down")]);
        let mut alone = [today(1.0, 0.4, 0.8), today(1.0, 0.9, 0.8)];
        for t in &mut alone {
            t.rivals = false;
        }
        assert!(events(&alone).is_empty());
    }

    #[test]
    fn a_segment_leaving_is_told_once_a_week() {
        let (mut w, mut tr) = (SegmentWatch::default(), Trace::new(true));
        // Segment "old" loses 1 % a day from day 3 on; "young" holds; "empty" never had
        // customers (nobody to lose).
        for d in 0..20u64 {
            let old = if d < 3 { 1000 } else { (1000.0 * 0.99f64.powi(d as i32 - 2)).round() as u64 };
            w.look(d, &[old, 500, 0], &["old", "young", "empty"], &mut tr);
        }
        let events = tr.events.unwrap();
        assert!(events.iter().all(|e| e.lot == -1 && e.agent_kind == "segment" && e.platform.is_empty()), "no lot, the market's: {events:?}");
        let e: Vec<(u64, String, u64)> = events.into_iter().map(|e| (e.day, e.agent_id, e.quantity)).collect();
        // 5 % down over a week first on day 8 (1000 on day 1 → 941), then a week later.
        assert_eq!(e.iter().map(|x| (x.0, x.1.as_str())).collect::<Vec<_>>(), vec![(8, "old"), (15, "old")], "{e:?}");
        assert_eq!(e[0].2, 1000 - 941);
    }

    #[test]
    fn trust_recovers_against_its_level_before_the_scandal() {
        let mut s = today(1.0, 0.5, 0.6);
        s.scandal = true;
        let e = events(&[today(1.0, 0.5, 0.8), s, today(1.0, 0.5, 0.7), today(1.0, 0.5, 0.759), today(1.0, 0.5, 0.761), today(1.0, 0.5, 0.9)]);
        assert_eq!(e, vec![(4, "trust_recovered", 3, "reputation")]);
    }
}
