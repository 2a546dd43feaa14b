//! Pickup and after-sales at a leader: hand-over, each served resident's trust, complaints
//! and refunds, word of mouth, the leader's rating, goods that missed the window (late),
//! and recalls decided from the complaints that have reached the platform.

use rand::RngExt;

use super::Platform;
use crate::model::streams;
use crate::engine::SimTime;
use crate::model::accounts::Stage;
use crate::model::aftersales;
use crate::model::leader::CrateStage;
use crate::model::resident::{ChurnCause, Order, Residents};
use crate::scenario::ReputationConfig;

impl Platform {
    /// Pickup at leader `l`: hand-over, then each served resident's trust, complaints,
    /// refunds, recalls, word of mouth, and the leader's rating.
    pub(super) fn pickup(&mut self, l: usize, day: u64, orders: &[Order], residents: &mut Residents, rep: &ReputationConfig) {
        let t = &self.sc.timeline;
        let handover = SimTime::at_day_hour(day, 0.5 * (t.pickup_start_hour + t.pickup_end_hour));
        let mut rng = self.seed.stream(streams::PICKUP, l as u64, day);
        self.observe_complaints(handover);
        let leader = &mut self.leaders[l];
        self.served.clear();
        let mut residents = residents.range_mut(leader.residents.clone());
        let tally = leader.pickup(
            self.k,
            orders,
            &mut residents,
            &mut self.product_totals,
            &self.products,
            &self.prices,
            &mut self.lots,
            handover,
            self.sc.leaders.pickup_rate,
            &mut self.served,
            streams::residents(&self.market_seed, streams::PICKUP_RESIDENT, day),
            &mut rng,
        );
        let late = if leader.stage == CrateStage::AtLeader { (0, 0.0) } else { leader.write_off_all(&self.lots) };
        let commission_rate = self.sc.leaders.commission_rate + leader.bonus;
        let hood = leader.residents.clone();
        let alpha = self.sc.leaders.rating_alpha;
        let d = &mut self.today;
        d.units_sold += tally.units_sold;
        d.spoil(Stage::Late, late.0, late.1);
        d.spoil(Stage::Leader, tally.units_spoiled, 0.0);
        d.spoil(Stage::DeliveredDefective, tally.units_defective, 0.0);
        d.spoil(Stage::Recalled, tally.units_recalled, 0.0);
        d.recall_yuan += tally.units_recalled as f64 * self.sc.aftersales.recall_cost_yuan_per_unit;
        d.write_offs_yuan += tally.write_offs_yuan;
        d.units_stockout += tally.units_missing;
        d.revenue_yuan += tally.revenue_yuan;
        d.cogs_yuan += tally.cogs_yuan;
        // Subsidy: what the price charged is below list, on the units handed over.
        let subsidy = (tally.list_revenue_yuan - tally.revenue_yuan).max(0.0);
        d.subsidy_yuan += subsidy;
        self.subsidy_spent_yuan += subsidy;
        let a = &self.sc.aftersales;
        let k = self.k as usize;
        let mut refunds = 0.0;
        let aftersales = streams::residents(&self.market_seed, streams::AFTERSALES, day);
        for s in &self.served {
            let mut rng = aftersales.agent(s.resident as u64);
            let bad = residents.experience(s.resident, k, s.missing, s.defective, day);
            let leader = &mut self.leaders[l];
            leader.rating += alpha * (if bad { 0.0 } else { 1.0 } - leader.rating);
            for _ in 0..s.defective {
                if !rng.random_bool(a.complaint_prob) {
                    continue;
                }
                let o = aftersales::report(a, &mut rng);
                let d = &mut self.today;
                d.complaints += 1;
                if o.granted {
                    d.refunds_granted += 1;
                    refunds += s.defect_yuan / s.defective as f64;
                } else {
                    d.refunds_refused += 1;
                }
                d.refund_hours_sum += o.hours;
                residents.nudge_trust(s.resident, k, o.trust_delta);
                if o.bad {
                    residents.remember(s.resident, k, ChurnCause::Refund, day);
                }
                if a.traceability {
                    self.complaints_coming.push((handover.plus_hours(o.seen_hours), s.defect_lot));
                }
            }
            if bad && !hood.is_empty() {
                // Word of mouth: neighbours hear of it.
                for _ in 0..rep.word_of_mouth_reach {
                    let r = rng.random_range(hood.clone());
                    residents.nudge_trust(r, k, -rep.word_of_mouth_penalty);
                }
            }
        }
        let d = &mut self.today;
        d.refunds_yuan += refunds;
        d.commission_yuan += commission_rate * (tally.revenue_yuan - refunds);
        d.residents_served += tally.residents_served;
    }

    /// Complaints that have reached the platform by `now` count against their lots; a lot
    /// whose estimated defect rate passes the threshold is recalled (see [`aftersales`]).
    pub(super) fn observe_complaints(&mut self, now: SimTime) {
        let a = &self.sc.aftersales;
        if !a.traceability || self.complaints_coming.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.complaints_coming.len() {
            let (seen, lot_id) = self.complaints_coming[i];
            if seen > now {
                i += 1;
                continue;
            }
            self.complaints_coming.swap_remove(i);
            let lot = &mut self.lots[lot_id as usize];
            lot.complaints += 1;
            let estimate = lot.complaints as f64 / (lot.handed.max(1) as f64 * a.complaint_prob.max(1e-9));
            if lot.recalled || lot.complaints < a.recall_min_complaints || estimate <= a.recall_defect_threshold {
                continue;
            }
            lot.recalled = true;
            self.today.lots_recalled += 1;
            if lot.defect_rate <= a.recall_defect_threshold {
                self.today.lots_recalled_false += 1;
            }
            let name = self.products[lot.product as usize].name.clone();
            let cause = if lot.defect_rate <= a.recall_defect_threshold { "false_recall" } else { "defect" };
            self.trace.push(now.0, &self.name, "lot", lot_id, "recall", &name, lot_id as i64, lot.complaints as u64, cause);
        }
    }
}
