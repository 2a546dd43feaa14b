//! After-sales (docs/model.md §4.3, §5.3): what happens when a resident finds a defective unit.
//!
//! The resident reports it with probability `complaint_prob`. Through the leader
//! (`leader_relay`) the report goes leader → customer service → return → inspection, each
//! step taking an exponential time with mean `relay_step_hours[i]`; in the app (`in_app`)
//! one step of mean `app_hours`. Under `resalable_only` the refund is granted only if the
//! returned item is judged resalable (probability `resalable_share`); under `no_questions`
//! always. A granted refund gives back `refund_recovery × exp(−hours /
//! refund_patience_hours)` of trust; a refused one takes `refused_penalty`; a refusal or a
//! refund slower than the patience is remembered as a `refund` experience.
//!
//! Traceability: each report names the unit's lot and reaches the platform after the
//! first step of its channel (the leader's relay, or the app). The platform sees, per lot,
//! the units handed over and the complaints arrived so far, and estimates the lot's defect
//! rate as `complaints / (handed × complaint_prob)`. Once a lot has `recall_min_complaints`
//! and its estimate passes `recall_defect_threshold` it is recalled: its units still at the
//! central warehouse or at leaders that have not handed out yet are written off (stage
//! `recalled`, each unit costing `recall_cost_yuan_per_unit` to retrieve). The estimate
//! counts wilted units too, so a lot can be recalled although its supplier's defect rate is
//! below the threshold (a false recall), and the relay recalls later than the app.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp};

use crate::scenario::{AftersalesConfig, Channel, RefundRule};

/// How one report ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Whether the refund was granted.
    pub granted: bool,
    /// Hours from report to decision.
    pub hours: f64,
    /// Trust change for the resident.
    pub trust_delta: f64,
    /// Whether the resident remembers it as a bad refund experience.
    pub bad: bool,
    /// Hours from report until the platform sees it (the first step of the channel).
    pub seen_hours: f64,
}

fn exp_hours<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> f64 {
    // Exp::new fails only for a non-positive rate; a zero mean is an instant step.
    if mean <= 0.0 { 0.0 } else { Exp::new(1.0 / mean).map_or(mean, |d| d.sample(rng)) }
}

/// Handles one report of a defective unit.
pub fn report<R: Rng + ?Sized>(c: &AftersalesConfig, rng: &mut R) -> Outcome {
    let (hours, seen_hours) = match c.channel {
        Channel::LeaderRelay => {
            let steps: [f64; 4] = std::array::from_fn(|i| exp_hours(c.relay_step_hours[i], rng));
            (steps.iter().sum(), steps[0])
        }
        Channel::InApp => {
            let h = exp_hours(c.app_hours, rng);
            (h, h)
        }
    };
    let granted = match c.refund_rule {
        RefundRule::NoQuestions => true,
        RefundRule::ResalableOnly => rng.random_bool(c.resalable_share),
    };
    let slow = hours > c.refund_patience_hours;
    if granted {
        Outcome { granted, hours, trust_delta: c.refund_recovery * (-hours / c.refund_patience_hours).exp(), bad: slow, seen_hours }
    } else {
        Outcome { granted, hours, trust_delta: -c.refused_penalty, bad: true, seen_hours }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;

    #[test]
    fn relay_is_slower_and_stricter_than_the_app() {
        let relay = AftersalesConfig::default();
        let app = AftersalesConfig { channel: Channel::InApp, refund_rule: RefundRule::NoQuestions, ..relay.clone() };
        let mut rng = RunSeed::new(4, 0).stream("t", 0, 0);
        let n = 20_000;
        let (mut hr, mut ha, mut gr, mut ga) = (0.0, 0.0, 0, 0);
        for _ in 0..n {
            let a = report(&relay, &mut rng);
            let b = report(&app, &mut rng);
            hr += a.hours;
            ha += b.hours;
            gr += a.granted as u32;
            ga += b.granted as u32;
        }
        // Means: 84 h through the leader, 4 h in the app; 30 % and 100 % granted.
        assert!((hr / n as f64 - 84.0).abs() < 2.0);
        assert!((ha / n as f64 - 4.0).abs() < 0.2);
        assert!((gr as f64 / n as f64 - 0.3).abs() < 0.015);
        assert_eq!(ga, n);
    }

    /// The app with an instant step (mean 0 h): every report takes exactly 0 hours.
    fn instant(rule: RefundRule, patience: f64) -> AftersalesConfig {
        AftersalesConfig { channel: Channel::InApp, app_hours: 0.0, refund_rule: rule, refund_patience_hours: patience, ..AftersalesConfig::default() }
    }

    #[test]
    fn a_granted_refund_gives_back_trust_shrinking_with_delay() {
        let mut rng = RunSeed::new(5, 0).stream("t", 0, 0);
        let c = instant(RefundRule::NoQuestions, 24.0);
        let o = report(&c, &mut rng);
        assert!(o.granted && !o.bad);
        assert_eq!((o.hours, o.seen_hours), (0.0, 0.0));
        assert!((o.trust_delta - c.refund_recovery).abs() < 1e-12, "{o:?}");
        // Through the app at 4 h mean: recovery × exp(−hours / patience), below the full amount.
        let app = AftersalesConfig { channel: Channel::InApp, refund_rule: RefundRule::NoQuestions, ..AftersalesConfig::default() };
        for _ in 0..100 {
            let o = report(&app, &mut rng);
            let want = app.refund_recovery * (-o.hours / app.refund_patience_hours).exp();
            assert!((o.trust_delta - want).abs() < 1e-12);
            assert_eq!(o.bad, o.hours > app.refund_patience_hours);
            assert_eq!(o.seen_hours, o.hours);
        }
    }

    #[test]
    fn a_refund_no_faster_than_patience_is_not_remembered_as_slow() {
        let mut rng = RunSeed::new(6, 0).stream("t", 0, 0);
        // 0 h against a patience of 0 h: not slower than the patience, so not bad.
        let o = report(&instant(RefundRule::NoQuestions, 0.0), &mut rng);
        assert!(o.granted && !o.bad, "{o:?}");
    }

    #[test]
    fn a_refused_refund_costs_trust_and_is_remembered() {
        let mut rng = RunSeed::new(7, 0).stream("t", 0, 0);
        let c = AftersalesConfig { resalable_share: 0.0, ..instant(RefundRule::ResalableOnly, 24.0) };
        let o = report(&c, &mut rng);
        assert!(!o.granted && o.bad);
        assert_eq!(o.trust_delta, -c.refused_penalty);
    }

    #[test]
    fn the_relay_is_seen_after_its_first_step() {
        let mut rng = RunSeed::new(8, 0).stream("t", 0, 0);
        let relay = AftersalesConfig { relay_step_hours: [5.0, 0.0, 0.0, 0.0], ..AftersalesConfig::default() };
        let (mut seen, n) = (0.0, 20_000);
        for _ in 0..n {
            let o = report(&relay, &mut rng);
            assert_eq!(o.seen_hours, o.hours, "later steps take no time here");
            seen += o.seen_hours;
        }
        assert!((seen / n as f64 - 5.0).abs() < 0.2);
        let slow_tail = AftersalesConfig { relay_step_hours: [1.0, 30.0, 30.0, 30.0], ..AftersalesConfig::default() };
        let o = report(&slow_tail, &mut rng);
        assert!(o.seen_hours < o.hours);
    }
}
