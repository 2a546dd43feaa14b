//! Units and money balance, over random scenarios. The model checks the balance at the end
//! of every day and fails the run if it breaks; here we also check the final identity from
//! the outside.

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn procured_equals_sold_spoiled_stock_and_transit(
        seed in 0u64..1_000_000,
        days in 2u32..15,
        safety in 0.0f64..1.5,
        capacity in 10.0f64..500.0,
        yield_cv in 0.0f64..1.0,
        leader_temp in 0.0f64..35.0,
        truck_temp in -5.0f64..35.0,
        pickup_rate in 0.5f64..1.0,
        shelf in 20.0f64..400.0,
        distance in 0.0f64..300.0,
    ) {
        let mut sc = crate::small();
        sc.run.horizon_days = days;
        sc.policy.safety_stock_factor = safety;
        sc.suppliers[0].capacity_units_per_day = capacity;
        sc.suppliers[0].yield_cv = yield_cv;
        sc.suppliers[0].distance_km = distance;
        sc.leaders.storage_temp_c = leader_temp;
        sc.leaders.pickup_rate = pickup_rate;
        sc.products[0].shelf_life_hours_at_0c = shelf;
        for m in sc.modes.values_mut() { m.temp_c = truck_temp; }
        let r = cesim::model::run(&sc, seed, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = &r.total;
        prop_assert_eq!(t.units_procured, t.units_sold + t.spoiled_total() + r.stock_units_end + r.transit_units_end);
        prop_assert!((t.profit_yuan()
            - (t.revenue_yuan - t.refunds_yuan - t.cogs_yuan - t.write_offs_yuan - t.transport_yuan()
               - t.warehousing_yuan - t.commission_yuan)).abs() < 1e-6);
        let day_sum: u64 = r.days.iter().map(|d| d.tally.units_procured).sum();
        prop_assert_eq!(day_sum, t.units_procured);
    }
}

/// The small scenario with every supply-side mechanism switched on, from random values.
#[allow(clippy::too_many_arguments)]
fn supply_scenario(
    shock_day: u32,
    shock_kind: u8,
    depth: f64,
    audit: u8,
    laxity: f64,
    relabel: f64,
    lead_h: f64,
    breakdown: f64,
    fifo: bool,
    capacity: f64,
    own: u32,
    share: f64,
) -> cesim::scenario::Scenario {
    use cesim::scenario::*;
    let mut sc = crate::small();
    sc.regions.push(toml::from_str("name = \"north\"\nshock_onset_prob_per_day = 0.05\nshock_days = 3").unwrap());
    sc.suppliers[0].region = "north".into();
    sc.suppliers[0].relabel_prob = relabel;
    sc.suppliers[0].false_origin_prob = relabel / 2.0;
    sc.suppliers[0].lead_time_hours = lead_h;
    let mut w: SupplierConfig = toml::from_str(
        "name = \"market\"\nkind = \"wholesaler\"\ndistance_km = 40.0\nmode = \"ambient_truck\"\ncapacity_units_per_day = 300.0\nfill_prob = 0.9\nfill_share = 0.95\nquality_age_share_mean = 0.1\nquality_age_share_sd = 0.05",
    )
    .unwrap();
    w.defect_rate = 0.05;
    sc.suppliers.push(w);
    sc.products[0].supplier.clear();
    sc.products[0].category = "veg".into();
    sc.sourcing.insert(
        "veg".into(),
        toml::from_str(&format!("split = {{ farm = {share}, market = {} }}", 1.0 - share)).unwrap(),
    );
    let (kind, target) = match shock_kind % 4 {
        0 => ("yield", "north"),
        1 => ("road_closed", if shock_day % 2 == 0 { "farm" } else { "grid" }),
        2 => ("truck_breakdown", if shock_day % 2 == 0 { "market" } else { "grid" }),
        _ => ("supplier_exit", "farm"),
    };
    sc.shocks.push(
        toml::from_str(&format!("kind = \"{kind}\"\ntarget = \"{target}\"\nstart_day = {shock_day}\ndays = 4\ndepth = {depth}")).unwrap(),
    );
    sc.qc.audit = [Audit::SelfCheck, Audit::Recheck, Audit::Spot][audit as usize % 3];
    sc.qc.sorter_laxity = laxity;
    for m in sc.modes.values_mut() {
        m.breakdown_prob = breakdown;
        m.delay_prob = breakdown;
    }
    let truck = sc.modes.get_mut("cold_truck").unwrap();
    truck.own_vehicles = own;
    truck.fixed_cost_yuan_per_vehicle_day = 200.0;
    truck.overflow_mode = "ambient_truck".into();
    sc.central_warehouse.issue_policy = if fifo { IssuePolicy::Fifo } else { IssuePolicy::Fefo };
    sc.central_warehouse.capacity_units_per_day = capacity;
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn supply_side_conserves_units_and_money(
        seed in 0u64..1_000_000,
        shock_day in 0u32..10,
        shock_kind in 0u8..4,
        depth in 0.0f64..1.0,
        audit in 0u8..3,
        laxity in 0.0f64..1.0,
        relabel in 0.0f64..0.5,
        lead_h in prop_oneof![Just(0.0f64), 0.0f64..60.0],
        breakdown in 0.0f64..0.5,
        fifo in any::<bool>(),
        capacity in 20.0f64..400.0,
        own in 0u32..3,
        share in 0.05f64..1.0,
    ) {
        let mut sc = supply_scenario(shock_day, shock_kind, depth, audit, laxity, relabel, lead_h, breakdown, fifo, capacity, own, share);
        sc.run.horizon_days = 14;
        let r = cesim::model::run(&sc, seed, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = &r.total;
        prop_assert_eq!(t.units_procured, t.units_sold + t.spoiled_total() + r.stock_units_end + r.transit_units_end + t.units_returned);
        let by_mode: f64 = t.transport_by_mode_yuan.iter().sum();
        prop_assert!((by_mode - t.transport_yuan()).abs() < 1e-6 * (1.0 + by_mode));
        let per_product_sold: u64 = r.products.iter().map(|p| p.units_sold).sum();
        prop_assert_eq!(per_product_sold, t.units_sold);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Two platforms with random pricing, after-sales, recalls, coupons and leader switching:
    /// each platform's units and money balance every day (the run fails otherwise), and the
    /// market totals add up from the platforms.
    #[test]
    fn markets_conserve_units_and_money(
        seed in 0u64..1_000_000,
        policy in 0usize..6,
        floor in any::<bool>(),
        in_app in any::<bool>(),
        trace in any::<bool>(),
        coupons in 0.0f64..2000.0,
        switch in 0.0f64..0.05,
        relabel in 0.0f64..0.4,
        scandal_day in 0u32..10,
    ) {
        use cesim::scenario::*;
        let mut sc = crate::small();
        sc.run.horizon_days = 12;
        sc.suppliers[0].relabel_prob = relabel;
        sc.aftersales.traceability = trace;
        if in_app {
            sc.aftersales.channel = Channel::InApp;
            sc.aftersales.refund_rule = RefundRule::NoQuestions;
        }
        sc.pricing.floor = if floor { PriceFloor::Cost } else { PriceFloor::None };
        sc.retention = RetentionConfig { target: RetentionTarget::All, budget_yuan: coupons, at_risk_trust: 0.9, ..RetentionConfig::default() };
        sc.leaders.switch_prob_per_day = switch;
        sc.leaders.bonus_top_share = 0.3;
        sc.scandals.push(ScandalConfig { platform: String::new(), day: scandal_day, depth: Some(0.5) });
        let policies = ["list", "cost_plus", "match_lowest", "undercut", "subsidy_war", "competitor_aware"];
        sc.platforms = vec![
            toml::from_str("name = \"a\"").unwrap(),
            toml::from_str(&format!("name = \"b\"\noverrides = {{ \"pricing.policy\" = \"{}\", \"leaders.commission_rate\" = 0.12 }}", policies[policy])).unwrap(),
        ];
        let r = cesim::model::run(&sc, seed, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let t = &r.total;
        prop_assert_eq!(t.units_procured, t.units_sold + t.spoiled_total() + r.stock_units_end + r.transit_units_end + t.units_returned);
        let orders: u64 = r.platforms.iter().map(|p| p.total.orders).sum();
        prop_assert_eq!(orders, t.orders);
        let profit: f64 = r.platforms.iter().map(|p| p.total.profit_yuan()).sum();
        prop_assert!((profit - t.profit_yuan()).abs() < 1e-6 * (1.0 + profit.abs()));
    }
}
