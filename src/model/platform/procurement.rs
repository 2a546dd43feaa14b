//! A platform's purchases: tonight's plan per centre and product, requests to its sources out of the
//! world's shared yields (with fallback), new lots and their ageing at the origin, inbound
//! trips, and the lots' arrival at the central warehouse with quality control.

use crate::model::streams;
use super::{Inbound, Leg, NOT_DEPARTED, Platform};
use crate::engine::time::hours_to_minutes;
use crate::engine::{EventQueue, SimTime};
use crate::model::accounts::Stage;
use crate::model::event::{Event, ModelError, PlatformEvent};
use crate::model::lot::{Lot, Portion};
use crate::model::purchase_plan::{self, DemandForecast};
use crate::model::quality_control;
use crate::model::supplier::{ShortCause};
use crate::model::world::World;
use crate::scenario::Fallback;

impl Platform {
    /// After residents have ordered: tonight's purchase plan and deliveries.
    pub(crate) fn cutoff(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64, world: &mut World) -> Result<(), ModelError> {
        let n_p = self.products.len();
        let n_s = self.suppliers.len();
        // Purchase plan and deliveries, centre by centre, product by product.
        let mut shipped_kg = vec![0.0; self.centres.len() * n_s];
        for c in 0..self.centres.len() {
            for p in 0..n_p {
                let centre = &self.centres[c];
                let ordered: u64 = centre.leaders.iter().map(|&l| self.orders[l * n_p + p] as u64).sum();
                self.today.units_ordered += ordered;
                self.product_totals[p].units_ordered += ordered;
                self.centres[c].totals.units_ordered += ordered;
                self.centres[c].forecasts[p].observe(ordered as u32);
                self.age_central(c, p, now, day, streams::CENTRAL_CUTOFF);
                let plan = self.plan(c, p, ordered, &self.centres[c].forecasts[p], self.centres[c].wh.units(p));
                let want = self.purchase.as_ref().map_or(plan, |v| v[c * n_p + p]);
                self.buy(c, p, want, now, day, &mut shipped_kg[c * n_s..(c + 1) * n_s], world);
            }
        }
        let first_night = day == 0;
        // One departure per lane (supplier, centre) carries all its lots of the night.
        for (i, &kg) in shipped_kg.iter().enumerate() {
            if kg <= 0.0 {
                continue;
            }
            let (c, s) = (i / n_s, i % n_s);
            let m = self.suppliers[s].mode;
            let km = self.centres[c].lane_km[s].unwrap_or(self.suppliers[s].distance_km);
            let (temp, yuan) = self.ship(m, km, kg, Leg::Inbound);
            self.supplier_totals[s].transport_yuan += yuan;
            self.supplier_totals[s].kg_shipped += kg;
            self.centres[c].totals.inbound_yuan += yuan;
            self.centres[c].totals.inbound_kg += kg;
            let mut rng = self.seed.stream(streams::INBOUND_TRIP, self.centres[c].key(s as u64), day);
            let forced = self.shocks.breakdown(&self.suppliers[s].name, day);
            let dep = self.modes[m].depart(km, forced, &mut rng);
            if dep.breakdown_hours > 0.0 {
                let sup = self.suppliers[s].name.clone();
                self.trace.push(now.0, &self.name, "truck", sup, "breakdown", "", -1, dep.breakdown_hours.round() as u64, "breakdown");
            }
            let dispatch = now.plus_hours(self.suppliers[s].c.lead_time_hours);
            let arrival = dispatch.plus_hours(dep.total_hours());
            // Tonight's lots of this lane still carry the "not yet departed" marker.
            for x in self.inbound.iter_mut().filter(|x| x.arrival == NOT_DEPARTED && x.centre == c && self.lots[x.portion.lot as usize].supplier as usize == s) {
                x.arrival = arrival;
                x.breakdown_hours = dep.breakdown_hours;
                x.temp_c = temp;
            }
            self.schedule(q, arrival, PlatformEvent::InboundArrival(s as u32, c as u32))?;
        }
        if first_night && self.sc.run.steady_start {
            self.pipeline(q, now, day)?;
        }
        Ok(())
    }

    /// What the purchase plan buys tonight for centre `c` of product `p`: `ordered` tonight,
    /// `forecast` having seen them, `stock` at the warehouse now.
    fn plan(&self, c: usize, p: usize, ordered: u64, forecast: &DemandForecast, stock: u32) -> u32 {
        purchase_plan::quantity(ordered as u32, forecast.forecast(), self.centres[c].lead_picks[p], stock, self.on_order(c, p), self.sc.policy.safety_stock_factor)
    }

    /// Before tonight's purchases (at the cut-off `now` of `day`): centre `c`'s stock of
    /// product `p` once aged to now, and what the plan would buy, computed on a copy with
    /// the streams the purchase will use (the same numbers, nothing changed).
    pub(crate) fn plan_preview(&self, c: usize, p: usize, now: SimTime, day: u64) -> (Vec<Portion>, u32) {
        let centre = &self.centres[c];
        let mut wh = centre.wh.clone();
        let mut rng = self.seed.stream(streams::CENTRAL_CUTOFF, centre.key(p as u64), day);
        wh.age_to(p, now, &self.products[p], &mut rng);
        let ordered: u64 = centre.leaders.iter().map(|&l| self.orders[l * self.products.len() + p] as u64).sum();
        let mut forecast = centre.forecasts[p].clone();
        forecast.observe(ordered as u32);
        let plan = self.plan(c, p, ordered, &forecast, wh.units(p));
        (std::mem::take(&mut wh.stock[p]).into(), plan)
    }

    /// Units of product `p` bought for centre `c` and still on the road.
    pub(crate) fn on_order(&self, c: usize, p: usize) -> u32 {
        self.inbound.iter().filter(|x| x.product == p && x.centre == c).map(|x| x.portion.qty).sum()
    }

    /// The lots a platform in its steady state would have on the road at the first cut-off:
    /// for a product whose lots arrive `L ≥ 1` picks late, one lot per source for each of
    /// the `L` nights before, sized at tonight's orders plus the buffer and split as the
    /// sourcing says, each arriving when a lot bought on its night would (at once if that
    /// is already past: it would be waiting in the warehouse). They are paid for tonight
    /// and start at their harvest age.
    fn pipeline(&mut self, q: &mut EventQueue<Event>, now: SimTime, day: u64) -> Result<(), ModelError> {
        let n_p = self.products.len();
        for c in 0..self.centres.len() {
            for p in 0..n_p {
                let centre = &self.centres[c];
                let lead = centre.lead_picks[p];
                if lead == 0 {
                    continue;
                }
                let ordered: u64 = centre.leaders.iter().map(|&l| self.orders[l * n_p + p] as u64).sum();
                let qty = (ordered as f64 * (1.0 + self.sc.policy.safety_stock_factor)).ceil() as u32;
                if qty == 0 {
                    continue;
                }
                centre.sourcing[p].requests(qty, &mut self.requests);
                let requests = self.requests.clone();
                for nights_before in 1..=lead {
                    for (k, &r) in requests.iter().enumerate() {
                        let s = self.centres[c].sourcing[p].split[k].0;
                        let km = self.centres[c].lane_km[s].unwrap_or(self.suppliers[s].distance_km);
                        if r == 0 || self.sc.lead_picks_over(&self.sc.suppliers[s], km) < nights_before {
                            continue;
                        }
                        let mut kg = vec![0.0; self.suppliers.len()];
                        self.new_lot(c, p, s, r, now, day, &mut kg);
                        if kg[s] <= 0.0 {
                            continue;
                        }
                        let m = self.suppliers[s].mode;
                        let (temp, yuan) = self.ship(m, km, kg[s], Leg::Inbound);
                        self.supplier_totals[s].transport_yuan += yuan;
                        self.supplier_totals[s].kg_shipped += kg[s];
                        self.centres[c].totals.inbound_yuan += yuan;
                        self.centres[c].totals.inbound_kg += kg[s];
                        let trip_h = self.suppliers[s].c.lead_time_hours + self.modes[m].travel_hours(km);
                        let arrival = now.plus_hours((trip_h - 24.0 * nights_before as f64).max(1.0 / 60.0));
                        if let Some(x) = self.inbound.last_mut() {
                            x.arrival = arrival;
                            x.temp_c = temp;
                        }
                        self.schedule(q, arrival, PlatformEvent::InboundArrival(s as u32, c as u32))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Asks centre `c`'s sources of product `p` for `want` units tonight and creates their
    /// lots (their kg added to `shipped_kg[supplier]`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn buy(&mut self, c: usize, p: usize, want: u32, now: SimTime, day: u64, shipped_kg: &mut [f64], world: &mut World) {
        if want == 0 {
            return;
        }
        let sourcing = &self.centres[c].sourcing[p];
        sourcing.requests(want, &mut self.requests);
        self.deliveries.clear();
        for (k, &(s, _)) in sourcing.split.iter().enumerate() {
            let sup = &self.suppliers[s];
            let blocked = if self.shocks.exited(&sup.name, day) {
                Some(ShortCause::Supplier)
            } else if self.shocks.road_closed(&sup.name, day) {
                Some(ShortCause::Shock)
            } else {
                None
            };
            let pool = world.yield_of(sup, self.world_index[s], p, day);
            let mut rng = self.seed.stream(streams::SUPPLIER_FILL, self.centres[c].key((s * 64 + p) as u64), day);
            self.deliveries.push(sup.deliver(self.requests[k], &pool, blocked, &mut rng));
        }
        if sourcing.fallback == Fallback::Spread {
            // Ask sources that deliver tonight for the others' gaps, in split order.
            let n = self.deliveries.len();
            for i in 0..n {
                let gap: u32 = self.deliveries[i].gap.iter().sum();
                let mut left = gap;
                for j in 0..n {
                    // Only sources the platform buys from (share > 0) stand in for others.
                    if j == i || left == 0 || !self.deliveries[j].delivering || sourcing.split[j].1 <= 0.0 {
                        continue;
                    }
                    let extra = left.min(self.deliveries[j].yield_left);
                    self.deliveries[j].units += extra;
                    self.deliveries[j].yield_left -= extra;
                    left -= extra;
                }
                if gap > 0 {
                    // Scale the gap's causes down to what is still missing.
                    let d = &mut self.deliveries[i];
                    let mut rest = left;
                    for c in 0..5 {
                        let scaled = (d.gap[c] as u64 * left as u64 / gap as u64) as u32;
                        d.gap[c] = scaled;
                        rest -= scaled.min(rest);
                    }
                    d.gap[ShortCause::Other as usize] += rest;
                }
            }
        }
        for k in 0..self.deliveries.len() {
            let d = self.deliveries[k];
            let s = self.centres[c].sourcing[p].split[k].0;
            world.take(self.world_index[s], p, d.units);
            for cause in 0..5 {
                self.centres[c].pending_short[p][cause] += d.gap[cause] as u64;
            }
            let gap: u32 = d.gap.iter().sum();
            if gap > 0 && self.trace.on() {
                let c = (0..5).max_by_key(|&c| d.gap[c]).unwrap_or(4);
                let sup = self.suppliers[s].name.clone();
                let name = self.products[p].name.clone();
                self.trace.push(now.0, &self.name, "supplier", sup, "short_delivery", &name, -1, gap as u64, ShortCause::ALL[c].name());
            }
            if d.units > 0 {
                self.new_lot(c, p, s, d.units, now, day, shipped_kg);
            }
        }
    }

    /// A lot of `qty` units of product `p` from supplier `s` for centre `c`, bought tonight.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_lot(&mut self, c: usize, p: usize, s: usize, qty: u32, now: SimTime, day: u64, shipped_kg: &mut [f64]) {
        let sup = &self.suppliers[s];
        let product = &self.products[p];
        let mut rng = self.seed.stream(streams::LOT, self.centres[c].key((s * 64 + p) as u64), day);
        let age0 = sup.harvest_age_h(product.shelf_mean_h, &mut rng);
        let (defect_rate, false_origin) = sup.integrity(&mut rng);
        let unit_cost_yuan = product.unit_cost_yuan * sup.c.price_factor * product.season(day);
        let dispatch = now.plus_hours(sup.c.lead_time_hours);
        let harvested = SimTime(dispatch.0.saturating_sub(hours_to_minutes(sup.c.origin_hold_hours)));
        let lot_id = self.lots.len() as u32;
        self.lots.push(Lot { product: p as u16, supplier: s as u16, unit_cost_yuan, defect_rate, false_origin, recalled: false, handed: 0, complaints: 0, harvested, received: harvested });
        self.today.units_procured += qty as u64;
        self.today.procurement_yuan += qty as f64 * unit_cost_yuan;
        self.product_totals[p].units_procured += qty as u64;
        self.centres[c].totals.units_procured += qty as u64;
        self.supplier_totals[s].procurement_yuan += qty as f64 * unit_cost_yuan;
        let mut portion = Portion::new(lot_id, qty, age0, harvested);
        let k = portion.age_to(dispatch, sup.c.origin_temp_c, product, &mut rng);
        self.today.spoil(Stage::Origin, k as u64, k as f64 * unit_cost_yuan);
        if portion.qty > 0 {
            shipped_kg[s] += portion.qty as f64 * product.unit_kg;
            self.supplier_totals[s].units_shipped += portion.qty as u64;
            // Arrival is set when the supplier's departure is drawn (after all products).
            self.inbound.push(Inbound { product: p, centre: c, arrival: NOT_DEPARTED, breakdown_hours: 0.0, temp_c: 0.0, portion });
        }
    }

    /// Lots on the lane from supplier `s` to centre `c` that are due arrive.
    pub(super) fn inbound_arrival(&mut self, s: usize, c: usize, now: SimTime, day: u64) {
        let warm = self.modes[self.suppliers[s].mode].m.breakdown_temp_c;
        let mut rng = self.seed.stream(streams::INBOUND, self.centres[c].key(s as u64), day);
        let mut i = 0;
        while i < self.inbound.len() {
            let x = &self.inbound[i];
            if self.lots[x.portion.lot as usize].supplier as usize != s || x.centre != c || x.arrival > now {
                i += 1;
                continue;
            }
            // swap_remove reorders the rest, deterministically: the same run always
            // receives lots in the same order.
            let mut x = self.inbound.swap_remove(i);
            let product = &self.products[x.product];
            let lot = x.portion.lot as usize;
            let cost = self.lots[lot].unit_cost_yuan;
            let stuck_from = SimTime(now.0.saturating_sub(hours_to_minutes(x.breakdown_hours)));
            let mut k = x.portion.age_to(stuck_from, x.temp_c, product, &mut rng);
            k += x.portion.age_to(now, warm, product, &mut rng);
            self.today.spoil(Stage::Inbound, k as u64, k as f64 * cost);
            if x.portion.qty == 0 {
                continue;
            }
            self.today.lots_received += 1;
            self.lots[lot].received = now;
            let st = &mut self.supplier_totals[s];
            st.lots_received += 1;
            st.units_received += x.portion.qty as u64;
            st.mean_age_share_on_arrival += x.portion.age_h / product.shelf_mean_h * x.portion.qty as f64;
            let key = self.lots[lot].supplier as u64 * 64 + x.product as u64;
            let mut qrng = self.seed.stream(streams::QC, self.centres[c].key(key), day);
            let r = quality_control::inspect(&self.sc.qc, x.portion.qty, self.lots[lot].defect_rate, self.lots[lot].false_origin, &mut qrng);
            if r.sampled {
                self.today.lots_inspected += 1;
                self.today.qc_yuan += self.sc.qc.sample_size as f64 * self.sc.qc.inspection_cost_yuan_per_unit;
            }
            if r.rejected {
                self.today.lots_rejected += 1;
                let name = self.products[x.product].name.clone();
                self.trace.push(now.0, &self.name, "lot", lot, "lot_rejected", &name, lot as i64, x.portion.qty as u64, if self.lots[lot].false_origin { "false_origin" } else { "quality" });
                self.supplier_totals[s].lots_rejected += 1;
                self.today.units_returned += x.portion.qty as u64;
                self.today.returned_yuan += x.portion.qty as f64 * cost;
                self.centres[c].pending_short[x.product][ShortCause::Quality as usize] += x.portion.qty as u64;
                continue;
            }
            if self.lots[lot].false_origin {
                self.today.lots_false_origin_accepted += 1;
            }
            x.portion.qty -= r.sorted_out;
            self.today.spoil(Stage::QcSorted, r.sorted_out as u64, r.sorted_out as f64 * cost);
            self.lots[lot].defect_rate = r.defect_rate_after;
            if x.portion.qty > 0 {
                self.centres[c].wh.receive(x.product, x.portion);
            }
        }
    }
}
