//! The scenario schema: every field with its meaning, unit and default.
//!
//! Units are in the names (`_km`, `_yuan`, `_hours`, `_per_day`, `_c` for °C, `_kg`).
//! Every table denies unknown fields, so a typo is an error, not a silent default.
//! Defaults that rest on a real-world figure say so in `scenarios/baseline.toml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole scenario: one platform's chain, its residents and its policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown in outputs. Default `"unnamed"`.
    #[serde(default = "default_name")]
    pub name: String,
    /// Free text shown nowhere but kept with the scenario. Default empty.
    #[serde(default)]
    pub description: String,
    /// Seed, horizon, replications.
    #[serde(default)]
    pub run: RunConfig,
    /// Hours of the daily pre-sale cycle.
    #[serde(default)]
    pub timeline: Timeline,
    /// Transport modes by name (e.g. `cold_truck`), referred to by lanes.
    pub modes: BTreeMap<String, Mode>,
    /// Growing regions and their weather-shock process. Default none.
    #[serde(default)]
    pub regions: Vec<RegionConfig>,
    /// Suppliers.
    pub suppliers: Vec<SupplierConfig>,
    /// Sourcing policy per product category: `[sourcing.<category>]`. A product with its
    /// own `supplier` is single-sourced and needs no entry here.
    #[serde(default)]
    pub sourcing: BTreeMap<String, SourcingConfig>,
    /// Scheduled shocks. Default none.
    #[serde(default)]
    pub shocks: Vec<ShockConfig>,
    /// Quality control at the central warehouse.
    #[serde(default)]
    pub qc: QcConfig,
    /// Products sold.
    pub products: Vec<ProductConfig>,
    /// The central warehouse (the first, or only, centre of the network).
    pub central_warehouse: CentralWarehouseConfig,
    /// Further central warehouses of a national network, `[[centres]]`: each with the
    /// fields of `[central_warehouse]`, its own grid warehouses (`centre` of a grid), its
    /// own purchases and inbound lanes (`lanes_km` of a supplier). Default none.
    #[serde(default)]
    pub centres: Vec<CentralWarehouseConfig>,
    /// Grid (forward) warehouses, each serving its own leaders.
    pub grid_warehouses: Vec<GridWarehouseConfig>,
    /// Group leaders (pickup points).
    #[serde(default)]
    pub leaders: LeadersConfig,
    /// Residents (households).
    #[serde(default)]
    pub residents: ResidentsConfig,
    /// Resident segments; default three (see [`default_segments`]).
    #[serde(default)]
    pub segments: Vec<SegmentConfig>,
    /// The market: outside option, newcomers.
    #[serde(default)]
    pub market: MarketConfig,
    /// Word of mouth and scandals.
    #[serde(default)]
    pub reputation: ReputationConfig,
    /// Scheduled scandals.
    #[serde(default)]
    pub scandals: Vec<ScandalConfig>,
    /// Competing platforms; default one, named after the scenario.
    #[serde(default)]
    pub platforms: Vec<PlatformConfig>,
    /// Pricing (per platform through `overrides`).
    #[serde(default)]
    pub pricing: PricingConfig,
    /// After-sales (per platform through `overrides`).
    #[serde(default)]
    pub aftersales: AftersalesConfig,
    /// Retention coupons (per platform through `overrides`).
    #[serde(default)]
    pub retention: RetentionConfig,
    /// Platform policies.
    #[serde(default)]
    pub policy: PolicyConfig,
}

fn default_name() -> String {
    "unnamed".into()
}

/// `[run]`: seed, horizon, replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Root seed of all random streams. Default 1.
    pub seed: u64,
    /// Simulated days, ≥ 1. Default 60.
    pub horizon_days: u32,
    /// Replications for experiments (`run` simulates replication 0). ≥ 1. Default 1.
    pub replications: u32,
    /// Days simulated before statistics start (outputs and KPIs cover the days after it),
    /// in [0, horizon_days). Default 0.
    pub warmup_days: u32,
    /// Start in a steady state: lanes with a lead time already carry the lots bought on
    /// the nights before the run (tonight's orders plus the buffer, one lot per source and
    /// night), so the first picks are not short for want of a history. `false`: an empty
    /// pipeline. Default true.
    pub steady_start: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { seed: 1, horizon_days: 60, replications: 1, warmup_days: 0, steady_start: true }
    }
}

/// `[timeline]`: the daily pre-sale cycle, in hours of the day (0–24).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeline {
    /// Evening order cut-off; orders placed up to here are picked up the next day. Default 23.
    pub order_cutoff_hour: f64,
    /// Next-day hour when the central warehouse picks and packs per grid. Default 2.
    pub central_pick_hour: f64,
    /// Next-day hour when trucks leave the central warehouse for the grids. Default 5.
    pub linehaul_depart_hour: f64,
    /// Hours a grid warehouse takes to sort a truck into crates per leader. Default 1.5.
    pub grid_sort_hours: f64,
    /// Next-day hour when residents start picking up at the leader. Default 14.
    pub pickup_start_hour: f64,
    /// Hour when pickup closes; what is left spoils at the leader. Default 21.
    pub pickup_end_hour: f64,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            order_cutoff_hour: 23.0,
            central_pick_hour: 2.0,
            linehaul_depart_hour: 5.0,
            grid_sort_hours: 1.5,
            pickup_start_hour: 14.0,
            pickup_end_hour: 21.0,
        }
    }
}

/// `[modes.<name>]`: a transport mode (cold truck, ambient truck, van, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mode {
    /// Average speed, km/h, > 0.
    pub speed_kmh: f64,
    /// Load per vehicle, kg, > 0.
    pub capacity_kg: f64,
    /// Variable cost per km driven, yuan, ≥ 0.
    pub cost_per_km_yuan: f64,
    /// Fixed cost per trip (driver, loading), yuan, ≥ 0.
    pub cost_per_trip_yuan: f64,
    /// Temperature of the load in transit, °C, in [-30, 45].
    pub temp_c: f64,
    /// Cost per kg carried (air freight), yuan, ≥ 0. Default 0.
    #[serde(default)]
    pub cost_per_kg_yuan: f64,
    /// Probability a trip is delayed, in [0, 1]. Default 0.
    #[serde(default)]
    pub delay_prob: f64,
    /// Hours a delayed trip loses, ≥ 0. Default 2.
    #[serde(default = "d_delay_hours")]
    pub delay_hours: f64,
    /// Probability a trip breaks down (cooling lost while waiting for help), in [0, 1]. Default 0.
    #[serde(default)]
    pub breakdown_prob: f64,
    /// Hours lost to a breakdown, ≥ 0. Default 6.
    #[serde(default = "d_breakdown_hours")]
    pub breakdown_hours: f64,
    /// Temperature of the load during a breakdown, °C. Default 25.
    #[serde(default = "d_breakdown_temp")]
    pub breakdown_temp_c: f64,
    /// Own vehicles (fixed cost each day, used first); 0 = all trips third-party. Default 0.
    #[serde(default)]
    pub own_vehicles: u32,
    /// Fixed cost per own vehicle per day, yuan, ≥ 0. Default 0.
    #[serde(default)]
    pub fixed_cost_yuan_per_vehicle_day: f64,
    /// Mode (a `[modes]` key) that carries trips beyond `own_vehicles` (hybrid fleet);
    /// empty = this mode's own rates. Default empty.
    #[serde(default)]
    pub overflow_mode: String,
}

fn d_delay_hours() -> f64 {
    2.0
}
fn d_breakdown_hours() -> f64 {
    6.0
}
fn d_breakdown_temp() -> f64 {
    25.0
}

/// `[[regions]]`: a growing region whose weather can cut the yield of its suppliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    /// Unique name, referred to by suppliers and shocks.
    pub name: String,
    /// Daily probability a weather shock starts (when none is on), in [0, 1]. Default 0.
    #[serde(default)]
    pub shock_onset_prob_per_day: f64,
    /// Share of yield lost while a random shock lasts, in [0, 1]. Default 0.5.
    #[serde(default = "d_shock_depth")]
    pub shock_depth: f64,
    /// Days a random shock lasts, ≥ 1. Default 7.
    #[serde(default = "d_shock_days")]
    pub shock_days: u32,
}

fn d_shock_depth() -> f64 {
    0.5
}
fn d_shock_days() -> u32 {
    7
}

/// Kinds of supplier (docs/model.md §5.1.1). The kind is a label for reports and sets no
/// parameter by itself; `scenarios/baseline.toml` shows typical values per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SupplierKind {
    /// A farm or cooperative selling straight to the platform.
    #[default]
    OriginDirect,
    /// A wholesale-market trader, buying from many origins.
    Wholesaler,
    /// A branded manufacturer.
    Brand,
    /// The platform's own production base.
    SelfOperated,
}

/// `[sourcing.<category>]`: where a category's products come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcingConfig {
    /// Share of each night's purchase per supplier name; shares are normalised to sum to 1.
    /// One entry = single sourcing.
    pub split: BTreeMap<String, f64>,
    /// When a source delivers less than asked: `"none"` (accept the gap) or `"spread"`
    /// (ask the other sources of the split for the gap, up to their yield). Default `"spread"`.
    #[serde(default)]
    pub fallback: Fallback,
}

/// Fallback rule of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// Accept the gap.
    None,
    /// Ask the other sources for the gap.
    #[default]
    Spread,
}

/// What a shock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShockKind {
    /// Weather cuts the yield of every supplier in the target region by `depth`.
    Yield,
    /// The target lane is closed: a supplier's lane to the central warehouse, or a grid
    /// warehouse's lane from it. Nothing moves on it.
    RoadClosed,
    /// Every trip on the target lane breaks down (delay and warm load).
    TruckBreakdown,
    /// The target supplier stops supplying.
    SupplierExit,
}

/// `[[shocks]]`: a scheduled shock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShockConfig {
    /// What happens.
    pub kind: ShockKind,
    /// A region (yield), a supplier or grid warehouse (road_closed, truck_breakdown), or a
    /// supplier (supplier_exit).
    pub target: String,
    /// First day affected (0-based).
    pub start_day: u32,
    /// Days it lasts, ≥ 1.
    pub days: u32,
    /// Share of yield lost (yield shocks), in [0, 1]. Default 1.
    #[serde(default = "d_one")]
    pub depth: f64,
    /// A shock season: the first day is drawn per replication, uniformly from
    /// `start_day..=start_day_max`. Default: none (always `start_day`).
    #[serde(default)]
    pub start_day_max: Option<u32>,
    /// … and its length from `days..=days_max`. Default: none.
    #[serde(default)]
    pub days_max: Option<u32>,
    /// … and its depth from `[depth, depth_max]`. Default: none.
    #[serde(default)]
    pub depth_max: Option<f64>,
}

fn d_one() -> f64 {
    1.0
}

/// Who inspects incoming lots (docs/model.md §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Audit {
    /// Only the supplier's own check; the platform samples no lot.
    #[default]
    SelfCheck,
    /// The platform samples every lot with the plan (n, c).
    Recheck,
    /// The platform samples a random share `spot_rate` of lots.
    Spot,
}

/// `[qc]`: quality control at the central warehouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QcConfig {
    /// Audit policy. Default `"self_check"`.
    pub audit: Audit,
    /// Share of lots sampled under `"spot"`, in [0, 1]. Default 0.2.
    pub spot_rate: f64,
    /// Units inspected per sampled lot (n), ≥ 1. Default 20.
    pub sample_size: u32,
    /// Reject a sampled lot with more than this many defective units (c). Default 1.
    pub accept_max_defects: u32,
    /// Share of defective units the sorters let through, in [0, 1]. Default 0.3.
    pub sorter_laxity: f64,
    /// Cost per unit inspected, yuan, ≥ 0. Default 0.5.
    pub inspection_cost_yuan_per_unit: f64,
}

impl Default for QcConfig {
    fn default() -> Self {
        QcConfig {
            audit: Audit::SelfCheck,
            spot_rate: 0.2,
            sample_size: 20,
            accept_max_defects: 1,
            sorter_laxity: 0.3,
            inspection_cost_yuan_per_unit: 0.5,
        }
    }
}

/// `[[suppliers]]`: an origin supplier that harvests for the platform each night.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierConfig {
    /// Unique name, referred to by products, sourcing splits and shocks.
    pub name: String,
    /// Kind of supplier (`origin_direct`, `wholesaler`, `brand`, `self_operated`). Default `origin_direct`.
    #[serde(default)]
    pub kind: SupplierKind,
    /// Growing region (a `[[regions]]` name) whose weather shocks hit it; empty = none. Default empty.
    #[serde(default)]
    pub region: String,
    /// Its price as a multiple of the product's `unit_cost_yuan`, > 0. Default 1.
    #[serde(default = "d_one")]
    pub price_factor: f64,
    /// Probability it delivers at all on a given night, in [0, 1]. Default 1.
    #[serde(default = "d_one")]
    pub fill_prob: f64,
    /// Share of the order it delivers when it delivers, in [0, 1]. Default 1.
    #[serde(default = "d_one")]
    pub fill_share: f64,
    /// Extra hours between the order and dispatch (lead time), ≥ 0. Default 0.
    #[serde(default)]
    pub lead_time_hours: f64,
    /// Mean age of a lot at harvest, as a share of the product's shelf life (0 = just
    /// picked; a wholesaler's lots are older), in [0, 1). Default 0.
    #[serde(default)]
    pub quality_age_share_mean: f64,
    /// Spread (standard deviation) of that share between lots, ≥ 0. Default 0.
    #[serde(default)]
    pub quality_age_share_sd: f64,
    /// Probability a lot is relabelled defective or returned goods passed off as fresh, in [0, 1]. Default 0.
    #[serde(default)]
    pub relabel_prob: f64,
    /// Share of units defective in a relabelled lot, in [0, 1]. Default 0.3.
    #[serde(default = "d_relabel_defect")]
    pub relabel_defect_rate: f64,
    /// Probability a lot carries a false origin label, in [0, 1]. Default 0.
    #[serde(default)]
    pub false_origin_prob: f64,
    /// Share of defective units its own check removes from honest lots, in [0, 1]. Default 0.5.
    #[serde(default = "d_self_check")]
    pub self_check_efficacy: f64,
    /// Road distance to the first central warehouse, km, ≥ 0.
    pub distance_km: f64,
    /// Road distance to each further centre that buys from it, km, ≥ 0, by centre name
    /// (`{ nanchang = 320.0 }`). Default none.
    #[serde(default)]
    pub lanes_km: std::collections::BTreeMap<String, f64>,
    /// Transport mode to the central warehouses (a key of `[modes]`).
    pub mode: String,
    /// Most units of each product it can supply per day, > 0.
    pub capacity_units_per_day: f64,
    /// Coefficient of variation of the daily available yield, in [0, 2]. Default 0.1.
    #[serde(default = "d_yield_cv")]
    pub yield_cv: f64,
    /// Share of units defective on arrival regardless of age, in [0, 1]. Default 0.01.
    #[serde(default = "d_defect_rate")]
    pub defect_rate: f64,
    /// Hours between harvest and dispatch, at the origin, ≥ 0. Default 6.
    #[serde(default = "d_origin_hold_hours")]
    pub origin_hold_hours: f64,
    /// Temperature at the origin before dispatch, °C. Default 20.
    #[serde(default = "d_origin_temp_c")]
    pub origin_temp_c: f64,
}

fn d_relabel_defect() -> f64 {
    0.3
}
fn d_self_check() -> f64 {
    0.5
}
fn d_yield_cv() -> f64 {
    0.1
}
fn d_defect_rate() -> f64 {
    0.01
}
fn d_origin_hold_hours() -> f64 {
    6.0
}
fn d_origin_temp_c() -> f64 {
    20.0
}

/// `[[products]]`: a product (SKU) and how fast it perishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductConfig {
    /// Unique name.
    pub name: String,
    /// Its category, for the sourcing policy `[sourcing.<category>]`. Default: the product's name.
    #[serde(default)]
    pub category: String,
    /// Single source: a `[[suppliers]]` name. Leave out to use `[sourcing.<category>]`.
    #[serde(default)]
    pub supplier: String,
    /// Storage zone: `chilled`, `ambient` or `frozen`. Default `chilled`.
    #[serde(default)]
    pub temp_class: TempClass,
    /// Weight of one unit, kg, > 0.
    pub unit_kg: f64,
    /// Purchase price per unit, yuan, ≥ 0.
    pub unit_cost_yuan: f64,
    /// Retail price per unit, yuan, > 0.
    pub price_yuan: f64,
    /// What residents would pay for the unit elsewhere (wet market, supermarket), yuan, > 0.
    /// A platform's price index is its basket price over the basket at these prices, and
    /// choice responds to it. Required: every scenario states (and cites) it.
    pub reference_price_yuan: f64,
    /// Mean shelf life of a unit held at 0 °C, hours, > 0.
    pub shelf_life_hours_at_0c: f64,
    /// Coefficient of variation of unit shelf life within a lot, in (0, 1]. Default 0.25.
    #[serde(default = "d_shelf_life_cv")]
    pub shelf_life_cv: f64,
    /// Decay speeds up by this factor per +10 °C (Q10), in [1, 10]. Default 2.4.
    #[serde(default = "d_q10")]
    pub q10: f64,
    /// Probability an ordering resident puts the product in the basket, in [0, 1].
    pub basket_prob: f64,
    /// Basket probability multiplier per segment name (an assortment aimed at a segment). Default none.
    #[serde(default)]
    pub segment_boost: BTreeMap<String, f64>,
    /// Seasonal swing of the purchase price: on day `d` it is `unit_cost_yuan × (1 +
    /// amplitude × cos(2π (d − season_peak_day) / 365))`, in [0, 0.9]. Default 0.
    #[serde(default)]
    pub season_amplitude: f64,
    /// Day of the year (0-based, the run starts on day 0) when the purchase price peaks. Default 0.
    #[serde(default)]
    pub season_peak_day: u32,
}

fn d_shelf_life_cv() -> f64 {
    0.25
}
fn d_q10() -> f64 {
    2.4
}

/// Temperature class of a product: which warehouse zone holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TempClass {
    /// Cold room (`temp_c` of each warehouse).
    #[default]
    Chilled,
    /// Dry store (`ambient_zone_temp_c`).
    Ambient,
    /// Freezer (`frozen_zone_temp_c`).
    Frozen,
}

/// How a warehouse issues stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IssuePolicy {
    /// First expired, first out: oldest units first.
    #[default]
    Fefo,
    /// First in, first out: in order of arrival.
    Fifo,
}

/// `[central_warehouse]` and each of `[[centres]]`: a central warehouse receiving the
/// lots it buys, checking, storing and picking them for the leaders of its grids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralWarehouseConfig {
    /// Unique name among the centres, referred to by grids (`centre`) and suppliers
    /// (`lanes_km`). Default `central`.
    #[serde(default = "d_centre_name")]
    pub name: String,
    /// Names of the suppliers it buys from (each product's sourcing split restricted to
    /// them); empty: every supplier of the split. Default empty.
    #[serde(default)]
    pub suppliers: Vec<String>,
    /// Storage temperature, °C. Default 4 (cold room).
    #[serde(default = "d_cold_c")]
    pub temp_c: f64,
    /// Handling (receiving, picking, packing) cost per unit, yuan, ≥ 0. Default 0.08.
    #[serde(default = "d_central_handling")]
    pub handling_cost_yuan_per_unit: f64,
    /// Cost per unit held overnight, yuan per unit-day, ≥ 0. Default 0.03.
    #[serde(default = "d_storage_cost")]
    pub storage_cost_yuan_per_unit_day: f64,
    /// Mode of the trucks from here to the grid warehouses (a key of `[modes]`).
    pub linehaul_mode: String,
    /// Units it can pick per day, > 0; orders beyond it go short (cause `capacity`). Default 10⁹.
    #[serde(default = "d_capacity")]
    pub capacity_units_per_day: f64,
    /// `fefo` or `fifo`. Default `fefo`.
    #[serde(default)]
    pub issue_policy: IssuePolicy,
    /// Dry-store temperature, °C. Default 20.
    #[serde(default = "d_ambient_zone")]
    pub ambient_zone_temp_c: f64,
    /// Freezer temperature, °C. Default −18.
    #[serde(default = "d_frozen_zone")]
    pub frozen_zone_temp_c: f64,
}

fn d_capacity() -> f64 {
    1e9
}
/// The first centre's default name.
pub fn d_centre_name() -> String {
    "central".into()
}
fn d_ambient_zone() -> f64 {
    20.0
}
fn d_frozen_zone() -> f64 {
    -18.0
}

fn d_cold_c() -> f64 {
    4.0
}
fn d_central_handling() -> f64 {
    0.08
}
fn d_storage_cost() -> f64 {
    0.03
}

/// `[[grid_warehouses]]`: a forward warehouse sorting per leader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridWarehouseConfig {
    /// Unique name.
    pub name: String,
    /// The centre supplying it (a `name` of `[central_warehouse]` or `[[centres]]`); empty:
    /// the first. Default empty.
    #[serde(default)]
    pub centre: String,
    /// Road distance from its central warehouse, km, ≥ 0.
    pub distance_km: f64,
    /// Temperature while goods wait for sorting, °C. Default 4.
    #[serde(default = "d_cold_c")]
    pub temp_c: f64,
    /// Sorting cost per unit, yuan, ≥ 0. Default 0.05.
    #[serde(default = "d_grid_handling")]
    pub handling_cost_yuan_per_unit: f64,
    /// Number of leaders served, ≥ 1.
    pub leaders: u32,
    /// Units it can sort per day, > 0; the central warehouse picks no more for its leaders
    /// (the rest goes short, cause `capacity`). Default 10⁹.
    #[serde(default = "d_capacity")]
    pub capacity_units_per_day: f64,
    /// Leaders sit at a distance drawn uniformly in [min, max] km. Default 0.5.
    #[serde(default = "d_leader_km_min")]
    pub leader_distance_km_min: f64,
    /// Upper end of the leader distance range, km, ≥ min. Default 5.
    #[serde(default = "d_leader_km_max")]
    pub leader_distance_km_max: f64,
    /// Mode of the delivery vans to leaders (a key of `[modes]`).
    pub last_mile_mode: String,
    /// Dry-store temperature, °C. Default 20.
    #[serde(default = "d_ambient_zone")]
    pub ambient_zone_temp_c: f64,
    /// Freezer temperature, °C. Default −18.
    #[serde(default = "d_frozen_zone")]
    pub frozen_zone_temp_c: f64,
}

fn d_grid_handling() -> f64 {
    0.05
}
fn d_leader_km_min() -> f64 {
    0.5
}
fn d_leader_km_max() -> f64 {
    5.0
}

/// `[leaders]`: group leaders running the pickup points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeadersConfig {
    /// Mean households per leader, ≥ 1. Default 200 (Changsha 2021; docs/model.md Sources).
    pub households_mean: u32,
    /// Households vary uniformly by ± this fraction of the mean, in [0, 1). Default 0.3.
    pub households_spread: f64,
    /// Commission on net sales, in [0, 1). Default 0.10 (8.5–12 %; docs/model.md Sources).
    pub commission_rate: f64,
    /// Temperature of goods waiting at the pickup point, °C. Default 22 (shop, no fridge).
    pub storage_temp_c: f64,
    /// Probability a resident comes to pick up the order, in [0, 1]. Default 0.984, fitted to a
    /// full cold chain's losses (scenarios/calibration/baseline_losses.toml).
    pub pickup_rate: f64,
    /// Share of leaders trained in storage (docs/model.md §5.3), in [0, 1]. Default 0.
    pub training_share: f64,
    /// Storage temperature at a trained leader's shop (a fridge), °C. Default 8.
    pub trained_storage_temp_c: f64,
    /// Weight of the newest pickup in a leader's rating (share of its orders served without
    /// a problem), in (0, 1]. Default 0.1.
    pub rating_alpha: f64,
    /// Share of leaders, best rated first, paid a commission bonus, in [0, 1]. Default 0.
    pub bonus_top_share: f64,
    /// Commission bonus of the top-rated, in [0, 1). Default 0.02.
    pub bonus_commission: f64,
    /// Daily base probability a leader switches to a rival platform, in [0, 1]. Default 0.
    pub switch_prob_per_day: f64,
    /// Switching odds grow by `exp(this × (rival commission − own commission))`. Default 30.
    pub switch_commission_sensitivity: f64,
    /// … and by `exp(this × (1 − rating))`. Default 3.
    pub switch_performance_sensitivity: f64,
    /// Share of a switching leader's home residents who follow to the new platform, in [0, 1]. Default 0.6.
    pub follow_share: f64,
}

impl Default for LeadersConfig {
    fn default() -> Self {
        LeadersConfig {
            households_mean: 200,
            households_spread: 0.3,
            commission_rate: 0.10,
            storage_temp_c: 22.0,
            pickup_rate: 0.984,
            training_share: 0.0,
            trained_storage_temp_c: 8.0,
            rating_alpha: 0.1,
            bonus_top_share: 0.0,
            bonus_commission: 0.02,
            switch_prob_per_day: 0.0,
            switch_commission_sensitivity: 30.0,
            switch_performance_sensitivity: 3.0,
            follow_share: 0.6,
        }
    }
}

/// `[residents]`: shopping, trust and churn (defaults for every segment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResidentsConfig {
    /// Mean daily probability a resident goes shopping (for groceries anywhere), in (0, 1].
    /// Default 0.147, fitted to ~60 orders a day per 500 households (rough;
    /// scenarios/calibration/baseline_per_order.toml).
    pub order_prob_per_day: f64,
    /// Multiplies every product's `basket_prob` (capped at 1): how many different products a
    /// shopper puts in an order, > 0. Default 1 (the products' own chances, as written).
    pub basket_scale: f64,
    /// Pareto shape of the spend multiplier `m`, > 1 (heavier tail when lower): a resident
    /// shops with probability `min(0.95, c·m)` (mean `order_prob_per_day`) and buys
    /// `clamp(round(√m), 1, 10)` units of each product chosen. Default 1.16 (the 80/20 rule).
    pub spend_pareto_shape: f64,
    /// Mean initial trust in each platform, in (0, 1). Default 0.8.
    pub trust_initial: f64,
    /// Beta concentration of initial trust, > 0. Default 20.
    pub trust_concentration: f64,
    /// Mean attachment to the home leader, in [0, 1]. Default 0.5.
    pub attachment_mean: f64,
    /// After a pickup with no problem, trust moves this share of the way to 1, in [0, 1]. Default 0.1.
    pub recovery_rate: f64,
    /// Trust lost per item out of stock, in [0, 1]. Default 0.06.
    pub stockout_penalty: f64,
    /// Trust lost per defective item, in [0, 1]. Default 0.12.
    pub defect_penalty: f64,
    /// A customer of a platform counts as churned from it after this many shopping
    /// occasions in a row elsewhere (a rival or the outside option), ≥ 1. Default 4.
    pub churn_after_occasions: u32,
    /// Daily probability of leaving the market (moving away), in [0, 1). Default 0.0003.
    pub base_churn_prob_per_day: f64,
    /// A unit is defective at hand-over (wilted, bruised) if it would spoil within this
    /// share of its product's mean shelf life, in [0, 1]. Default 0.1.
    pub quality_margin_share: f64,
    /// Days a bad experience stays in memory as the cause of a later churn, ≥ 1. Default 30.
    pub memory_days: u32,
}

impl Default for ResidentsConfig {
    fn default() -> Self {
        ResidentsConfig {
            order_prob_per_day: 0.147,
            basket_scale: 1.0,
            spend_pareto_shape: 1.16,
            trust_initial: 0.8,
            trust_concentration: 20.0,
            attachment_mean: 0.5,
            recovery_rate: 0.1,
            stockout_penalty: 0.06,
            defect_penalty: 0.12,
            churn_after_occasions: 4,
            base_churn_prob_per_day: 0.0003,
            quality_margin_share: 0.1,
            memory_days: 30,
        }
    }
}

/// `[[segments]]`: a group of residents with its own habits and choice weights. Without
/// any, three default segments are used (see [`default_segments`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentConfig {
    /// Unique name, referred to by products' `segment_boost` and retention targets.
    pub name: String,
    /// Share of residents, > 0 (shares are normalised).
    pub share: f64,
    /// Daily shopping probability; default `[residents] order_prob_per_day`.
    #[serde(default)]
    pub order_prob_per_day: Option<f64>,
    /// Utility per unit of price index above 1 (negative: dearer is worse). Default −4.
    #[serde(default = "d_beta_price")]
    pub beta_price: f64,
    /// Utility per unit of trust, ≥ 0. Default 4.
    #[serde(default = "d_beta_trust")]
    pub beta_trust: f64,
    /// Utility per unit of attachment to the home leader, ≥ 0. Default 1.5.
    #[serde(default = "d_beta_attach")]
    pub beta_attachment: f64,
    /// Utility per unit of availability (last pickup's fill rate at the leader), ≥ 0. Default 2.
    #[serde(default = "d_beta_avail")]
    pub beta_availability: f64,
    /// Utility of the outside option (wet market, supermarket). Default 4.
    #[serde(default = "d_outside_asc")]
    pub outside_asc: f64,
}

fn d_beta_price() -> f64 {
    -4.0
}
fn d_beta_trust() -> f64 {
    4.0
}
fn d_beta_attach() -> f64 {
    1.5
}
fn d_beta_avail() -> f64 {
    2.0
}
fn d_outside_asc() -> f64 {
    4.0
}

/// The segments used when a scenario gives none (assumptions, docs/model.md §4.2.3): price-
/// sensitive elderly (40 %, shop most often, weigh price most), busy young families (35 %),
/// quality seekers (25 %, weigh trust most). Their shopping probabilities are 1.25, 0.917
/// and 0.75 times `order_prob_per_day` (`[residents]`), so that mean stays the population's
/// (0.18, 0.13 and 0.11 at the default 0.147).
pub fn default_segments(order_prob_per_day: f64) -> Vec<SegmentConfig> {
    let seg = |name: &str, share, rel: f64, bp, bt| SegmentConfig {
        name: name.into(),
        share,
        order_prob_per_day: Some((order_prob_per_day * rel).min(1.0)),
        beta_price: bp,
        beta_trust: bt,
        beta_attachment: d_beta_attach(),
        beta_availability: d_beta_avail(),
        outside_asc: d_outside_asc(),
    };
    vec![
        seg("price_sensitive_elderly", 0.40, 0.15 / 0.12, -8.0, 3.5),
        seg("young_families", 0.35, 0.11 / 0.12, -3.0, 4.0),
        seg("quality_seekers", 0.25, 0.09 / 0.12, -1.5, 5.0),
    ]
}

/// `[market]`: the competition between platforms and the outside option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketConfig {
    /// Whether residents may shop outside the platforms (wet market, supermarket). Default true.
    pub outside_option: bool,
    /// Prospective households per neighbourhood, as a share of its households, who may join
    /// the market over time, in [0, 10]. Default 0.1.
    pub prospects_share: f64,
    /// Daily probability a prospect joins, scaled by the market's mean trust / trust_initial,
    /// in [0, 1]. Default 0.005.
    pub inflow_prob_per_day: f64,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig { outside_option: true, prospects_share: 0.1, inflow_prob_per_day: 0.005 }
    }
}

/// `[reputation]`: word of mouth and scandals (docs/model.md §4.2.1, §5.2.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReputationConfig {
    /// Neighbours a bad experience reaches, 0–100. Default 3.
    pub word_of_mouth_reach: u32,
    /// Trust a neighbour loses in that platform, in [0, 1]. Default 0.03.
    pub word_of_mouth_penalty: f64,
    /// A platform's daily delivered-defect rate above this sets off a scandal, in (0, 1]. Default 1 (never).
    pub scandal_defect_threshold: f64,
    /// Share of every resident's trust a scandal takes, in [0, 1]. Default 0.4.
    pub scandal_depth: f64,
    /// Days before a triggered scandal can recur, ≥ 1. Default 30.
    pub scandal_cooldown_days: u32,
    /// Each day trust moves this share of the way back to `trust_initial`, in [0, 1]. Default 0.01.
    pub trust_recovery_per_day: f64,
}

impl Default for ReputationConfig {
    fn default() -> Self {
        ReputationConfig {
            word_of_mouth_reach: 3,
            word_of_mouth_penalty: 0.03,
            scandal_defect_threshold: 1.0,
            scandal_depth: 0.4,
            scandal_cooldown_days: 30,
            trust_recovery_per_day: 0.01,
        }
    }
}

/// `[[scandals]]`: a scheduled scandal (exposure of spoiled goods being shipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScandalConfig {
    /// Platform hit (a `[[platforms]]` name); default the first platform.
    #[serde(default)]
    pub platform: String,
    /// Day it breaks.
    pub day: u32,
    /// Share of trust lost, in [0, 1]; default `[reputation] scandal_depth`.
    #[serde(default)]
    pub depth: Option<f64>,
}

/// `[[platforms]]`: a competing platform, as the scenario with some values changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// Unique name.
    pub name: String,
    /// Values that differ from the rest of the file, by dotted path (as in sweeps), e.g.
    /// `{ "pricing.policy" = "undercut", "qc.audit" = "recheck" }`. The number of leaders
    /// must stay the same: each neighbourhood has one pickup point of every platform.
    #[serde(default)]
    pub overrides: toml::Table,
}

/// Pricing policy (docs/model.md §4.2.2, §5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PricePolicy {
    /// Each product's `price_yuan`.
    #[default]
    List,
    /// Unit cost × (1 + `margin`).
    CostPlus,
    /// The lowest rival price of yesterday (own list price without rivals).
    MatchLowest,
    /// `undercut_share` below the lowest rival price of yesterday.
    Undercut,
    /// Undercut while a subsidy budget lasts (the gap to list price is the subsidy), then list.
    SubsidyWar,
    /// Price intelligence: the list price moved with the season's purchase price, but meet
    /// a cheaper rival down to a minimum margin.
    CompetitorAware,
}

/// Regulatory price floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceFloor {
    /// No floor.
    #[default]
    None,
    /// No price below unit cost, except clearing overstocked perishables (the Dec 2020 rule).
    Cost,
}

/// `[pricing]`: a platform's pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PricingConfig {
    /// Policy. Default `list`.
    pub policy: PricePolicy,
    /// Mark-up over unit cost for `cost_plus`, ≥ 0. Default 0.45.
    pub margin: f64,
    /// Share below the lowest rival for `undercut` and `subsidy_war`, in [0, 1). Default 0.1.
    pub undercut_share: f64,
    /// Subsidy budget for `subsidy_war`, yuan, ≥ 0. Default 200 000.
    pub subsidy_budget_yuan: f64,
    /// Lowest margin over cost `competitor_aware` accepts, ≥ −1. Default 0.1.
    pub min_margin: f64,
    /// Regulatory floor. Default `none`.
    pub floor: PriceFloor,
    /// Perishables (mean shelf life below this, h at 0 °C) may be cleared below cost. Default 168.
    pub perishable_shelf_life_hours: f64,
    /// … when central stock exceeds this multiple of last night's orders, ≥ 0. Default 1.5.
    pub clearance_overstock_ratio: f64,
}

impl Default for PricingConfig {
    fn default() -> Self {
        PricingConfig {
            policy: PricePolicy::List,
            margin: 0.45,
            undercut_share: 0.1,
            subsidy_budget_yuan: 200_000.0,
            min_margin: 0.1,
            floor: PriceFloor::None,
            perishable_shelf_life_hours: 168.0,
            clearance_overstock_ratio: 1.5,
        }
    }
}

/// After-sales channel (docs/model.md §4.3, §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Leader relays to customer service → return → inspection → refund.
    #[default]
    LeaderRelay,
    /// The resident reports in the app; one step.
    InApp,
}

/// Refund rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RefundRule {
    /// Refund only if the returned item is judged resalable.
    #[default]
    ResalableOnly,
    /// "Bad, we pay": every report is refunded.
    NoQuestions,
}

/// `[aftersales]`: complaints, refunds and recalls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AftersalesConfig {
    /// Channel. Default `leader_relay`.
    pub channel: Channel,
    /// Refund rule. Default `resalable_only`.
    pub refund_rule: RefundRule,
    /// Probability a defective unit is reported, in [0, 1]. Default 0.7.
    pub complaint_prob: f64,
    /// Under `resalable_only`, probability a report is judged resalable and refunded, in [0, 1]. Default 0.3.
    pub resalable_share: f64,
    /// Mean hours of each leader-relay step (leader → service, service, return, inspection), ≥ 0. Default 12, 24, 24, 24.
    pub relay_step_hours: [f64; 4],
    /// Mean hours of an in-app refund, ≥ 0. Default 4.
    pub app_hours: f64,
    /// Trust a granted refund gives back at once, in [0, 1]; it shrinks as `exp(−hours / refund_patience_hours)`. Default 0.1.
    pub refund_recovery: f64,
    /// Hours of refund delay a resident tolerates, > 0. Default 24.
    pub refund_patience_hours: f64,
    /// Trust lost when a refund is refused, in [0, 1]. Default 0.1.
    pub refused_penalty: f64,
    /// Traceability: a report names the unit's lot; a lot whose defect rate, as the
    /// platform estimates it from the complaints that have reached it (complaints /
    /// (units handed over × `complaint_prob`)), is above `recall_defect_threshold` is
    /// recalled everywhere it still is. Default false.
    pub traceability: bool,
    /// Estimated defect rate above which a lot is recalled, in [0, 1]. Default 0.1.
    pub recall_defect_threshold: f64,
    /// Complaints about a lot needed before it can be recalled, ≥ 1. Default 3.
    pub recall_min_complaints: u32,
    /// Cost of retrieving a recalled unit (collection, handling), yuan, ≥ 0. Default 0.5
    /// (assumption).
    pub recall_cost_yuan_per_unit: f64,
}

impl Default for AftersalesConfig {
    fn default() -> Self {
        AftersalesConfig {
            channel: Channel::LeaderRelay,
            refund_rule: RefundRule::ResalableOnly,
            complaint_prob: 0.7,
            resalable_share: 0.3,
            relay_step_hours: [12.0, 24.0, 24.0, 24.0],
            app_hours: 4.0,
            refund_recovery: 0.1,
            refund_patience_hours: 24.0,
            refused_penalty: 0.1,
            traceability: false,
            recall_defect_threshold: 0.1,
            recall_min_complaints: 3,
            recall_cost_yuan_per_unit: 0.5,
        }
    }
}

/// Who gets retention coupons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RetentionTarget {
    /// Nobody (no retention effort).
    #[default]
    None,
    /// Any at-risk resident.
    All,
    /// At-risk residents in the top 20 % by spend.
    TopSpend,
}

/// `[retention]`: coupons for residents at risk of churning (docs/model.md §5.2.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Target. Default `none`.
    pub target: RetentionTarget,
    /// Only residents of this segment (empty = any). Default empty.
    pub segment: String,
    /// Total budget, yuan, ≥ 0. Default 0.
    pub budget_yuan: f64,
    /// Value of a coupon, yuan, > 0; paid when redeemed with an order. Default 3.
    pub coupon_yuan: f64,
    /// Utility a held coupon adds to the platform, ≥ 0. Default 1.5.
    pub coupon_utility: f64,
    /// A customer is at risk when trust falls below this, in [0, 1]. Default 0.6.
    pub at_risk_trust: f64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { target: RetentionTarget::None, segment: String::new(), budget_yuan: 0.0, coupon_yuan: 3.0, coupon_utility: 1.5, at_risk_trust: 0.6 }
    }
}

/// `[policy]`: the platform's purchase planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Buy this share above the planned demand as a buffer, in [0, 2]. Default 0.05.
    pub safety_stock_factor: f64,
    /// Demand forecast for stock bought ahead of orders (lots that arrive after the next
    /// pick): `none` (last night's orders), `moving_average`, `exp_smoothing`. Default `moving_average`.
    pub forecast: Forecast,
    /// Days averaged by `moving_average`, ≥ 1. Default 7.
    pub forecast_window_days: u32,
    /// Weight of the newest day in `exp_smoothing`, in (0, 1]. Default 0.3.
    pub smoothing_alpha: f64,
}

/// Forecasting policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Forecast {
    /// No forecast: plan with the last known night's orders.
    None,
    /// Mean of the last `forecast_window_days` nights.
    #[default]
    MovingAverage,
    /// Exponential smoothing with `smoothing_alpha`.
    ExpSmoothing,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig { safety_stock_factor: 0.05, forecast: Forecast::MovingAverage, forecast_window_days: 7, smoothing_alpha: 0.3 }
    }
}
