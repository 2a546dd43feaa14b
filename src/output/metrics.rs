//! Metrics: turns a [`RunReport`] into `daily.csv` rows and the `summary.json` content.
//!
//! Headline KPIs:
//! - `churn_rate` (gross): residents who left the market at least once / residents
//!   exposed (customers at the start of the statistics window or who became one later);
//!   `churn_rate_net`: of those, the ones who are no platform's customer at the end;
//! - `spoilage_rate`: units lost at every stage (incl. delivered defective) / units procured;
//! - `cost_per_order_yuan`: (cost of goods sold + write-offs + transport + warehousing +
//!   quality control + commission) / orders placed.

use serde::Serialize;

use crate::model::accounts::{ProductTotals, Stage, SupplierTotals, Tally};
use crate::model::resident::ChurnCause;
use crate::model::platform::CentreTotals;
use crate::model::simulation::PlatformDay;
use crate::model::supplier::ShortCause;
use crate::model::simulation::{DayRecord, RunReport};

/// One row of `daily.csv`. Flows are for that day; `active_residents`, `churned_total`,
/// `stock_units` and `transit_units` are states at the day's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    /// Day index, from 0.
    pub day: u64,
    /// Resident orders placed at the evening cut-off.
    pub orders: u64,
    /// Units in those orders.
    pub units_ordered: u64,
    /// Units bought from suppliers.
    pub units_procured: u64,
    /// Good units handed over to residents.
    pub units_sold: u64,
    /// Units ordered (the evening before) but not handed over.
    pub units_stockout: u64,
    /// Units lost at the origin.
    pub spoiled_origin: u64,
    /// Units lost on the supplier → central lane.
    pub spoiled_inbound: u64,
    /// Units sorted out as defective at the central warehouse.
    pub spoiled_qc_sorted: u64,
    /// Units lost in the central warehouse.
    pub spoiled_central: u64,
    /// Units lost on central → grid trucks.
    pub spoiled_linehaul: u64,
    /// Units lost in grid warehouses.
    pub spoiled_grid: u64,
    /// Units lost on vans to leaders.
    pub spoiled_last_mile: u64,
    /// Units that missed the pickup window (late truck or van), written off.
    pub spoiled_late: u64,
    /// Units lost at leaders (spoiled, or not picked up).
    pub spoiled_leader: u64,
    /// Units handed over defective and refunded.
    pub spoiled_delivered_defective: u64,
    /// Units of recalled lots written off (traceability).
    pub spoiled_recalled: u64,
    /// Units of rejected lots sent back to suppliers.
    pub units_returned: u64,
    /// Units the central warehouse could not allocate because of a shock.
    pub short_shock: u64,
    /// … because a supplier failed, under-delivered or left.
    pub short_supplier: u64,
    /// … because of supplier or picking capacity.
    pub short_capacity: u64,
    /// … because quality control rejected lots.
    pub short_quality: u64,
    /// … for other reasons (stock spoiled in the warehouse).
    pub short_other: u64,
    /// Products allocated less than 95 % of their orders this day.
    pub products_short: u64,
    /// Lots received, sampled by QC, rejected.
    pub lots_received: u64,
    /// Lots sampled by quality control.
    pub lots_inspected: u64,
    /// Lots rejected by quality control.
    pub lots_rejected: u64,
    /// Accepted lots with a false origin label.
    pub lots_false_origin_accepted: u64,
    /// Lots recalled after complaints (traceability).
    pub lots_recalled: u64,
    /// Of them, lots whose supplier defect rate was below the threshold (false recalls).
    pub lots_recalled_false: u64,
    /// Residents in the market who are customers of a platform at day end.
    pub active_residents: u64,
    /// Residents lost to the market this day: a customer of no platform any more (the
    /// headline churn; with one platform, the same as `churned`).
    pub left_market: u64,
    /// Customers lost by the platforms this day (a resident switching platform counts for
    /// the one it left), every cause; the `churn_*` columns split it by cause.
    pub churned: u64,
    /// … to a cheaper rival.
    pub churn_price: u64,
    /// … after stock-outs.
    pub churn_stockout: u64,
    /// … after defective items.
    pub churn_defect: u64,
    /// … after a refused or slow refund.
    pub churn_refund: u64,
    /// … because their leader switched platform.
    pub churn_leader_left: u64,
    /// … after a scandal.
    pub churn_scandal: u64,
    /// … for no remembered reason (outside option or rival preferred).
    pub churn_other: u64,
    /// … who moved away.
    pub churn_moved: u64,
    /// New or returning customers.
    pub customers_gained: u64,
    /// Prospects who joined the market (inflow follows reputation).
    pub newcomers: u64,
    /// Reports of defective units.
    pub complaints: u64,
    /// Refunds granted.
    pub refunds_granted: u64,
    /// Refunds refused.
    pub refunds_refused: u64,
    /// Mean hours from report to refund decision (0 without reports).
    pub refund_lead_time_hours: f64,
    /// Residents lost to the market since the start.
    pub left_market_total: u64,
    /// Price of units handed over, yuan.
    pub revenue_yuan: f64,
    /// Refunds, yuan.
    pub refunds_yuan: f64,
    /// Paid to suppliers, yuan.
    pub procurement_yuan: f64,
    /// Purchase cost of good units sold, yuan.
    pub cogs_yuan: f64,
    /// Purchase cost of units lost, yuan.
    pub write_offs_yuan: f64,
    /// Purchase cost of rejected lots, refunded by suppliers, yuan.
    pub returned_yuan: f64,
    /// Supplier → central transport, yuan.
    pub transport_inbound_yuan: f64,
    /// Central → grid transport, yuan.
    pub transport_linehaul_yuan: f64,
    /// Grid → leader transport, yuan.
    pub transport_last_mile_yuan: f64,
    /// Own-fleet fixed cost, yuan.
    pub transport_fleet_yuan: f64,
    /// Handling and storage, yuan.
    pub warehousing_yuan: f64,
    /// Inspection, yuan.
    pub qc_yuan: f64,
    /// Retrieving recalled units, yuan.
    pub recall_yuan: f64,
    /// Leader commission, yuan.
    pub commission_yuan: f64,
    /// Retention coupons redeemed, yuan.
    pub coupons_yuan: f64,
    /// Price cuts below list on units handed over (memo: already out of revenue), yuan.
    pub subsidy_yuan: f64,
    /// revenue − refunds − cogs − write-offs − transport − warehousing − QC − coupons − commission, yuan.
    pub profit_yuan: f64,
    /// Units in warehouses and at leaders at day end.
    pub stock_units: u64,
    /// Units on the road at day end.
    pub transit_units: u64,
}

/// One row of `platforms.csv`: a platform's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformRow {
    /// Day index.
    pub day: u64,
    /// Platform name.
    pub platform: String,
    /// Orders placed.
    pub orders: u64,
    /// Orders / shopping occasions in the market (platforms and outside option).
    pub market_share: f64,
    /// Customers at day end.
    pub customers: u64,
    /// Customers gained.
    pub customers_gained: u64,
    /// Customers lost, every cause.
    pub churned: u64,
    /// … to a cheaper rival.
    pub churn_price: u64,
    /// … after stock-outs.
    pub churn_stockout: u64,
    /// … after defects.
    pub churn_defect: u64,
    /// … after a refused or slow refund.
    pub churn_refund: u64,
    /// … because the leader left.
    pub churn_leader_left: u64,
    /// … after a scandal.
    pub churn_scandal: u64,
    /// … for no remembered reason.
    pub churn_other: u64,
    /// … who moved away.
    pub churn_moved: u64,
    /// Reports of defective units.
    pub complaints: u64,
    /// Refunds granted.
    pub refunds_granted: u64,
    /// Refunds refused.
    pub refunds_refused: u64,
    /// Mean hours from report to decision.
    pub refund_lead_time_hours: f64,
    /// Basket price / list prices.
    pub price_index: f64,
    /// Mean trust of residents in the market.
    pub mean_trust: f64,
    /// Pickup points still run.
    pub leaders_serving: u64,
    /// 1 if a scandal broke.
    pub scandal: u8,
    /// Revenue, yuan.
    pub revenue_yuan: f64,
    /// Profit, yuan.
    pub profit_yuan: f64,
    /// Profit / (revenue − refunds).
    pub margin: f64,
    /// Price cuts below list, yuan.
    pub subsidy_yuan: f64,
    /// Coupons redeemed, yuan.
    pub coupons_yuan: f64,
}

impl PlatformRow {
    /// The row of platform `name` for one day.
    pub fn new(name: &str, d: &PlatformDay) -> Self {
        let t = &d.tally;
        let c = |x: ChurnCause| t.churned_by_cause[x as usize];
        PlatformRow {
            day: d.day,
            platform: name.to_string(),
            orders: t.orders,
            market_share: d.market_share,
            customers: d.customers,
            customers_gained: t.gained,
            churned: t.churned(),
            churn_price: c(ChurnCause::Price),
            churn_stockout: c(ChurnCause::Stockout),
            churn_defect: c(ChurnCause::Defect),
            churn_refund: c(ChurnCause::Refund),
            churn_leader_left: c(ChurnCause::LeaderLeft),
            churn_scandal: c(ChurnCause::Scandal),
            churn_other: c(ChurnCause::Other),
            churn_moved: c(ChurnCause::Moved),
            complaints: t.complaints,
            refunds_granted: t.refunds_granted,
            refunds_refused: t.refunds_refused,
            refund_lead_time_hours: ratio(t.refund_hours_sum, t.complaints as f64),
            price_index: d.price_index,
            mean_trust: d.mean_trust,
            leaders_serving: d.leaders_serving,
            scandal: d.scandal as u8,
            revenue_yuan: yuan(t.revenue_yuan),
            profit_yuan: yuan(t.profit_yuan()),
            margin: ratio(t.profit_yuan(), t.revenue_yuan - t.refunds_yuan),
            subsidy_yuan: yuan(t.subsidy_yuan),
            coupons_yuan: yuan(t.coupons_yuan),
        }
    }

    /// All rows of a run: day by day, platforms in order.
    pub fn all(r: &RunReport) -> Vec<PlatformRow> {
        let days = r.platforms.first().map_or(0, |p| p.days.len());
        (0..days).flat_map(|i| r.platforms.iter().map(move |p| PlatformRow::new(&p.name, &p.days[i]))).collect()
    }
}

/// A platform's run in `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformSummary {
    /// Name.
    pub name: String,
    /// Orders.
    pub orders: u64,
    /// Mean daily market share.
    pub market_share: f64,
    /// Customers at the end.
    pub customers_end: u64,
    /// Customers lost (events) / its customers at the window's start plus customers gained.
    pub churn_rate: f64,
    /// Customers lost by cause name.
    pub churn_by_cause: Vec<(String, u64)>,
    /// Reports of defective units.
    pub complaints: u64,
    /// Mean hours from report to decision.
    pub refund_lead_time_hours: f64,
    /// Mean price index.
    pub price_index: f64,
    /// Revenue, yuan.
    pub revenue_yuan: f64,
    /// Profit, yuan.
    pub profit_yuan: f64,
    /// Profit / (revenue − refunds).
    pub margin: f64,
    /// Price cuts below list, yuan.
    pub subsidy_yuan: f64,
    /// Coupons redeemed, yuan.
    pub coupons_yuan: f64,
}

/// Money rounded to 1/10 000 yuan so files stay readable.
fn yuan(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

impl DayRow {
    /// The row for one day; `left_market_total` is the running total up to and including it.
    pub fn new(d: &DayRecord, left_market_total: u64) -> Self {
        let t = &d.tally;
        let s = |stage: Stage| t.spoiled[stage as usize];
        DayRow {
            day: d.day,
            orders: t.orders,
            units_ordered: t.units_ordered,
            units_procured: t.units_procured,
            units_sold: t.units_sold,
            units_stockout: t.units_stockout,
            spoiled_origin: s(Stage::Origin),
            spoiled_inbound: s(Stage::Inbound),
            spoiled_qc_sorted: s(Stage::QcSorted),
            spoiled_central: s(Stage::Central),
            spoiled_linehaul: s(Stage::Linehaul),
            spoiled_grid: s(Stage::Grid),
            spoiled_last_mile: s(Stage::LastMile),
            spoiled_late: s(Stage::Late),
            spoiled_leader: s(Stage::Leader),
            spoiled_delivered_defective: s(Stage::DeliveredDefective),
            spoiled_recalled: s(Stage::Recalled),
            units_returned: t.units_returned,
            short_shock: t.short_by_cause[ShortCause::Shock as usize],
            short_supplier: t.short_by_cause[ShortCause::Supplier as usize],
            short_capacity: t.short_by_cause[ShortCause::Capacity as usize],
            short_quality: t.short_by_cause[ShortCause::Quality as usize],
            short_other: t.short_by_cause[ShortCause::Other as usize],
            products_short: t.stockout_product_days,
            lots_received: t.lots_received,
            lots_inspected: t.lots_inspected,
            lots_rejected: t.lots_rejected,
            lots_false_origin_accepted: t.lots_false_origin_accepted,
            lots_recalled: t.lots_recalled,
            lots_recalled_false: t.lots_recalled_false,
            active_residents: d.active_residents,
            left_market: t.left_market(),
            churned: t.churned(),
            churn_price: t.churned_by_cause[ChurnCause::Price as usize],
            churn_stockout: t.churned_by_cause[ChurnCause::Stockout as usize],
            churn_defect: t.churned_by_cause[ChurnCause::Defect as usize],
            churn_refund: t.churned_by_cause[ChurnCause::Refund as usize],
            churn_leader_left: t.churned_by_cause[ChurnCause::LeaderLeft as usize],
            churn_scandal: t.churned_by_cause[ChurnCause::Scandal as usize],
            churn_other: t.churned_by_cause[ChurnCause::Other as usize],
            churn_moved: t.churned_by_cause[ChurnCause::Moved as usize],
            customers_gained: t.gained,
            newcomers: d.newcomers,
            complaints: t.complaints,
            refunds_granted: t.refunds_granted,
            refunds_refused: t.refunds_refused,
            refund_lead_time_hours: ratio(t.refund_hours_sum, t.complaints as f64),
            left_market_total,
            revenue_yuan: yuan(t.revenue_yuan),
            refunds_yuan: yuan(t.refunds_yuan),
            procurement_yuan: yuan(t.procurement_yuan),
            cogs_yuan: yuan(t.cogs_yuan),
            write_offs_yuan: yuan(t.write_offs_yuan),
            returned_yuan: yuan(t.returned_yuan),
            transport_inbound_yuan: yuan(t.transport_inbound_yuan),
            transport_linehaul_yuan: yuan(t.transport_linehaul_yuan),
            transport_last_mile_yuan: yuan(t.transport_last_mile_yuan),
            transport_fleet_yuan: yuan(t.transport_fleet_yuan),
            warehousing_yuan: yuan(t.warehousing_yuan),
            qc_yuan: yuan(t.qc_yuan),
            recall_yuan: yuan(t.recall_yuan),
            commission_yuan: yuan(t.commission_yuan),
            coupons_yuan: yuan(t.coupons_yuan),
            subsidy_yuan: yuan(t.subsidy_yuan),
            profit_yuan: yuan(t.profit_yuan()),
            stock_units: d.stock_units,
            transit_units: d.transit_units,
        }
    }

    /// All rows of a run.
    pub fn all(report: &RunReport) -> Vec<DayRow> {
        let mut churned = 0;
        report
            .days
            .iter()
            .map(|d| {
                churned += d.tally.left_market();
                DayRow::new(d, churned)
            })
            .collect()
    }
}

/// The headline KPIs of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// Gross churn: residents who left the market at least once in the statistics window
    /// (a customer of no platform any more: shopping only outside, or moved away), each
    /// counted once / residents exposed (customers at the window's start, and everyone who
    /// became one later, newcomers included). With one platform: its churn.
    pub churn_rate: f64,
    /// Net churn: residents exposed who are a customer of no platform at the end (those
    /// who left and came back do not count) / residents exposed.
    pub churn_rate_net: f64,
    /// Units lost at every stage / units procured.
    pub spoilage_rate: f64,
    /// (cogs + write-offs + transport + warehousing + quality control + commission) / orders, yuan.
    pub cost_per_order_yuan: f64,
    /// (transport + warehousing) / orders, yuan.
    pub fulfilment_cost_per_order_yuan: f64,
    /// Units handed over (good or defective) / units asked for at pickup (handed over +
    /// out of stock); orders never collected are left out.
    pub fill_rate: f64,
    /// Defective units handed over / units handed over.
    pub defect_rate: f64,
    /// Days on which at least one product was allocated less than 95 % of its orders.
    pub stockout_days: u64,
    /// Transport, yuan per unit sold.
    pub transport_cost_per_unit_yuan: f64,
    /// Units lost in transit (inbound, linehaul, last mile) / units procured.
    pub transit_spoilage_rate: f64,
    /// Profit over the run, yuan.
    pub profit_yuan: f64,
    /// Profit / (revenue − refunds).
    pub net_margin: f64,
}

/// Totals over the run, with losses by stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Orders placed.
    pub orders: u64,
    /// Units ordered.
    pub units_ordered: u64,
    /// Units procured.
    pub units_procured: u64,
    /// Good units sold.
    pub units_sold: u64,
    /// Units out of stock.
    pub units_stockout: u64,
    /// Units lost, by stage name, in chain order.
    pub spoiled_by_stage: Vec<(String, u64)>,
    /// Units lost at every stage.
    pub spoiled_total: u64,
    /// Units of rejected lots returned.
    pub units_returned: u64,
    /// Units not allocated, by cause name.
    pub short_by_cause: Vec<(String, u64)>,
    /// Lots received.
    pub lots_received: u64,
    /// Lots sampled by QC.
    pub lots_inspected: u64,
    /// Lots rejected by QC.
    pub lots_rejected: u64,
    /// Accepted lots with a false origin label.
    pub lots_false_origin_accepted: u64,
    /// Lots recalled after complaints (traceability).
    pub lots_recalled: u64,
    /// Of them, lots whose supplier defect rate was below the threshold (false recalls).
    pub lots_recalled_false: u64,
    /// Residents lost to the market.
    pub churned: u64,
    /// Each money line, yuan.
    pub revenue_yuan: f64,
    /// Refunds, yuan.
    pub refunds_yuan: f64,
    /// Paid to suppliers, yuan.
    pub procurement_yuan: f64,
    /// Cost of goods sold, yuan.
    pub cogs_yuan: f64,
    /// Write-offs, yuan.
    pub write_offs_yuan: f64,
    /// Rejected lots refunded by suppliers, yuan.
    pub returned_yuan: f64,
    /// Transport supplier → central, yuan.
    pub transport_inbound_yuan: f64,
    /// Transport central → grid, yuan.
    pub transport_linehaul_yuan: f64,
    /// Transport grid → leader, yuan.
    pub transport_last_mile_yuan: f64,
    /// Own-fleet fixed cost, yuan.
    pub transport_fleet_yuan: f64,
    /// Transport by mode name, yuan.
    pub transport_by_mode_yuan: Vec<(String, f64)>,
    /// Warehousing, yuan.
    pub warehousing_yuan: f64,
    /// Quality control, yuan.
    pub qc_yuan: f64,
    /// Retrieving recalled units, yuan.
    pub recall_yuan: f64,
    /// Leader commission, yuan.
    pub commission_yuan: f64,
}

/// Content of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Root seed.
    pub seed: u64,
    /// Replication index.
    pub replication: u64,
    /// Days in the statistics (simulated days after the warm-up).
    pub days: u64,
    /// Warm-up days simulated before them.
    pub warmup_days: u64,
    /// Residents in the market when statistics started.
    pub residents_initial: u64,
    /// Residents exposed to churn: customers at the start and everyone who became one later.
    pub residents_exposed: u64,
    /// Residents active at the end.
    pub residents_active_end: u64,
    /// Headline KPIs.
    pub kpis: Kpis,
    /// Totals.
    pub totals: Totals,
    /// Share of money spent brought by the top 20 % of residents.
    pub top20_revenue_share: f64,
    /// Per platform.
    pub platforms: Vec<PlatformSummary>,
    /// Per product (with the mean hours a unit dwells at the central warehouse).
    pub products: Vec<ProductSummary>,
    /// Per supplier, with transport cost per kg.
    pub suppliers: Vec<SupplierSummary>,
    /// Per central warehouse of the network (`centres.csv`).
    pub centres: Vec<CentreTotals>,
}

/// A product's totals with derived figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductSummary {
    /// Totals from the run.
    #[serde(flatten)]
    pub totals: ProductTotals,
    /// Mean hours a unit dwells at the central warehouse before it is picked.
    pub mean_central_dwell_hours: f64,
}

/// A supplier's totals with derived figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierSummary {
    /// Totals from the run.
    #[serde(flatten)]
    pub totals: SupplierTotals,
    /// Transport of its lane per kg shipped, yuan.
    pub transport_per_kg_yuan: f64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// How many figures [`run_figures`] returns.
pub const N_FIGURES: usize = 23;

/// Names of the figures [`run_figures`] returns, in order: the columns experiments report.
pub const RUN_FIGURES: [&str; N_FIGURES] = [
    "churn_rate",
    "churn_rate_net",
    "spoilage_rate",
    "cost_per_order_yuan",
    "fulfilment_cost_per_order_yuan",
    "fill_rate",
    "defect_rate",
    "stockout_days",
    "transport_cost_per_unit_yuan",
    "transit_spoilage_rate",
    "profit_yuan",
    "net_margin",
    "orders",
    "units_procured",
    "units_stockout",
    "units_short",
    "units_spoiled",
    "lots_rejected",
    "revenue_yuan",
    "procurement_yuan",
    "transport_yuan",
    "units_ordered",
    "units_sold",
];

/// The headline KPIs and main totals of a run, named by [`RUN_FIGURES`].
pub fn run_figures(r: &RunReport) -> [f64; N_FIGURES] {
    let k = Kpis::of(r);
    let t = &r.total;
    [
        k.churn_rate,
        k.churn_rate_net,
        k.spoilage_rate,
        k.cost_per_order_yuan,
        k.fulfilment_cost_per_order_yuan,
        k.fill_rate,
        k.defect_rate,
        k.stockout_days as f64,
        k.transport_cost_per_unit_yuan,
        k.transit_spoilage_rate,
        k.profit_yuan,
        k.net_margin,
        t.orders as f64,
        t.units_procured as f64,
        t.units_stockout as f64,
        t.short_by_cause.iter().sum::<u64>() as f64,
        t.spoiled_total() as f64,
        t.lots_rejected as f64,
        yuan(t.revenue_yuan),
        yuan(t.procurement_yuan),
        yuan(t.transport_yuan()),
        t.units_ordered as f64,
        t.units_sold as f64,
    ]
}

impl Kpis {
    /// KPIs of a run.
    pub fn of(r: &RunReport) -> Self {
        let mut k = Kpis::new(&r.total);
        k.churn_rate = ratio(r.residents_left as f64, r.residents_exposed as f64);
        k.churn_rate_net = ratio(r.residents_lost as f64, r.residents_exposed as f64);
        k.stockout_days = r.days.iter().filter(|d| d.tally.stockout_product_days > 0).count() as u64;
        k
    }

    /// KPIs from a total tally (the churn rates and `stockout_days` need the run: see [`Kpis::of`]).
    pub fn new(t: &Tally) -> Self {
        let cost = t.cogs_yuan + t.write_offs_yuan + t.transport_yuan() + t.warehousing_yuan + t.qc_yuan + t.recall_yuan + t.coupons_yuan + t.commission_yuan;
        let transit = t.spoiled[Stage::Inbound as usize] + t.spoiled[Stage::Linehaul as usize] + t.spoiled[Stage::LastMile as usize];
        let handed = (t.units_sold + t.spoiled[Stage::DeliveredDefective as usize]) as f64;
        Kpis {
            churn_rate: 0.0,
            churn_rate_net: 0.0,
            spoilage_rate: ratio(t.spoiled_total() as f64, t.units_procured as f64),
            cost_per_order_yuan: ratio(cost, t.orders as f64),
            fulfilment_cost_per_order_yuan: ratio(t.transport_yuan() + t.warehousing_yuan, t.orders as f64),
            fill_rate: ratio(handed, handed + t.units_stockout as f64),
            defect_rate: ratio(t.spoiled[Stage::DeliveredDefective as usize] as f64, handed),
            stockout_days: 0,
            transport_cost_per_unit_yuan: ratio(t.transport_yuan(), t.units_sold as f64),
            transit_spoilage_rate: ratio(transit as f64, t.units_procured as f64),
            profit_yuan: yuan(t.profit_yuan()),
            net_margin: ratio(t.profit_yuan(), t.revenue_yuan - t.refunds_yuan),
        }
    }
}

impl Summary {
    /// The summary of a run.
    pub fn new(r: &RunReport) -> Self {
        let t = &r.total;
        Summary {
            scenario: r.scenario.clone(),
            seed: r.seed,
            replication: r.replication,
            days: r.days.len() as u64,
            warmup_days: r.warmup_days,
            residents_initial: r.residents_initial,
            residents_exposed: r.residents_exposed,
            residents_active_end: r.days.last().map_or(r.residents_initial, |d| d.active_residents),
            kpis: Kpis::of(r),
            top20_revenue_share: r.top20_revenue_share,
            platforms: r
                .platforms
                .iter()
                .map(|p| {
                    let t = &p.total;
                    let n = p.days.len().max(1) as f64;
                    PlatformSummary {
                        name: p.name.clone(),
                        orders: t.orders,
                        market_share: p.days.iter().map(|d| d.market_share).sum::<f64>() / n,
                        customers_end: p.days.last().map_or(0, |d| d.customers),
                        churn_rate: ratio(t.churned() as f64, (p.customers_start + t.gained) as f64),
                        churn_by_cause: ChurnCause::ALL.iter().map(|c| (c.name().to_string(), t.churned_by_cause[*c as usize])).collect(),
                        complaints: t.complaints,
                        refund_lead_time_hours: ratio(t.refund_hours_sum, t.complaints as f64),
                        price_index: p.days.iter().map(|d| d.price_index).sum::<f64>() / n,
                        revenue_yuan: yuan(t.revenue_yuan),
                        profit_yuan: yuan(t.profit_yuan()),
                        margin: ratio(t.profit_yuan(), t.revenue_yuan - t.refunds_yuan),
                        subsidy_yuan: yuan(t.subsidy_yuan),
                        coupons_yuan: yuan(t.coupons_yuan),
                    }
                })
                .collect(),
            products: r.products.iter().map(|p| ProductSummary { mean_central_dwell_hours: p.mean_central_dwell_hours(), totals: p.clone() }).collect(),
            suppliers: r
                .suppliers
                .iter()
                .map(|s| SupplierSummary { transport_per_kg_yuan: yuan(s.transport_per_kg_yuan()), totals: s.clone() })
                .collect(),
            centres: r
                .centres
                .iter()
                .map(|c| CentreTotals { inbound_yuan: yuan(c.inbound_yuan), linehaul_yuan: yuan(c.linehaul_yuan), inbound_kg: yuan(c.inbound_kg), ..c.clone() })
                .collect(),
            totals: Totals {
                orders: t.orders,
                units_ordered: t.units_ordered,
                units_procured: t.units_procured,
                units_sold: t.units_sold,
                units_stockout: t.units_stockout,
                spoiled_by_stage: Stage::ALL.iter().map(|s| (s.name().to_string(), t.spoiled[*s as usize])).collect(),
                spoiled_total: t.spoiled_total(),
                units_returned: t.units_returned,
                short_by_cause: ShortCause::ALL.iter().map(|c| (c.name().to_string(), t.short_by_cause[*c as usize])).collect(),
                lots_received: t.lots_received,
                lots_inspected: t.lots_inspected,
                lots_rejected: t.lots_rejected,
                lots_false_origin_accepted: t.lots_false_origin_accepted,
                lots_recalled: t.lots_recalled,
                lots_recalled_false: t.lots_recalled_false,
                churned: t.left_market(),
                revenue_yuan: yuan(t.revenue_yuan),
                refunds_yuan: yuan(t.refunds_yuan),
                procurement_yuan: yuan(t.procurement_yuan),
                cogs_yuan: yuan(t.cogs_yuan),
                write_offs_yuan: yuan(t.write_offs_yuan),
                returned_yuan: yuan(t.returned_yuan),
                transport_inbound_yuan: yuan(t.transport_inbound_yuan),
                transport_linehaul_yuan: yuan(t.transport_linehaul_yuan),
                transport_last_mile_yuan: yuan(t.transport_last_mile_yuan),
                transport_fleet_yuan: yuan(t.transport_fleet_yuan),
                transport_by_mode_yuan: r.mode_names.iter().zip(t.transport_by_mode_yuan).map(|(n, y)| (n.clone(), yuan(y))).collect(),
                warehousing_yuan: yuan(t.warehousing_yuan),
                qc_yuan: yuan(t.qc_yuan),
                recall_yuan: yuan(t.recall_yuan),
                commission_yuan: yuan(t.commission_yuan),
            },
        }
    }
}
