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
