//! A national network: several central warehouses, each with its own grids, purchases and
//! inbound lanes. Checks of the implementation (centre totals add up to the platform's),
//! and behaviour: a centre farther from the farms pays more per kg and loses more on the
//! road; a centre that does not buy from a supplier moves its purchases to the others.

use cesim::model::RunReport;
use cesim::scenario::Scenario;

/// `multi_sourcing` with grid_west supplied by a second centre, "north", whose lanes are
/// `lane_factor` × the first centre's.
fn two_centres(lane_factor: f64) -> Scenario {
    let mut sc = crate::load("multi_sourcing");
    sc.run.horizon_days = 20;
    // Every product's own basket chance (not the calibrated single-product orders): lanes
    // full enough that a few units spoil on the road.
    sc.residents.basket_scale = 1.0;
    let mut north = sc.central_warehouse.clone();
    north.name = "north".into();
    sc.centres.push(north);
    sc.grid_warehouses[1].centre = "north".into();
    for s in &mut sc.suppliers {
        s.lanes_km.insert("north".into(), s.distance_km * lane_factor);
    }
    cesim::scenario::validate::validate(&sc).expect("a valid network");
    sc
}

fn centre<'a>(r: &'a RunReport, name: &str) -> &'a cesim::model::platform::CentreTotals {
    r.centres.iter().find(|c| c.name == name).expect("centre reported")
}

#[test]
fn centre_totals_add_up_to_the_platform() {
    // Check of the implementation: every unit ordered, bought and picked belongs to a centre.
    let r = cesim::model::run(&two_centres(1.0), 3, 0).unwrap();
    assert_eq!(r.centres.len(), 2);
    assert_eq!(r.centres.iter().map(|c| c.units_ordered).sum::<u64>(), r.total.units_ordered);
    assert_eq!(r.centres.iter().map(|c| c.units_procured).sum::<u64>(), r.total.units_procured);
    assert_eq!(r.centres.iter().map(|c| c.units_picked).sum::<u64>(), r.products.iter().map(|p| p.units_picked).sum::<u64>());
    assert_eq!(r.centres.iter().map(|c| c.leaders).collect::<Vec<_>>(), vec![30, 30]);
    assert_eq!(r.centres.iter().map(|c| (c.name.as_str(), c.grids)).collect::<Vec<_>>(), vec![("central", 1), ("north", 1)]);
    let inbound: f64 = r.centres.iter().map(|c| c.inbound_yuan).sum();
    assert!((inbound - r.total.transport_inbound_yuan).abs() < 1e-6 * inbound.max(1.0), "{inbound} vs {}", r.total.transport_inbound_yuan);
    // Both centres order and buy: the second is not a bystander.
    assert!(r.centres.iter().all(|c| c.units_ordered > 0 && c.units_procured > 0), "{:?}", r.centres);
}

#[test]
fn a_farther_centre_pays_more_per_kg_and_loses_more_on_the_road() {
    let near = crate::reps(&two_centres(1.0), 4);
    let far = crate::reps(&two_centres(4.0), 4);
    let per_kg = |r: &RunReport| {
        let c = centre(r, "north");
        c.inbound_yuan / c.inbound_kg
    };
    assert!(crate::up(crate::diff(&near, &far, per_kg)), "inbound yuan per kg of the far centre");
    let inbound_spoiled = |r: &RunReport| r.total.spoiled[cesim::model::accounts::Stage::Inbound as usize] as f64;
    assert!(crate::up(crate::diff(&near, &far, inbound_spoiled)), "units spoiled on the inbound lanes");
    // The first centre's lanes did not change: its cost per kg stays (same loads, same km).
    let first = |r: &RunReport| {
        let c = centre(r, "central");
        c.inbound_yuan / c.inbound_kg
    };
    let d = crate::diff(&near, &far, first);
    assert!(d.mean.abs() < 0.05 * first(&near[0]), "first centre's cost per kg moved by {}", d.mean);
}

#[test]
fn a_centre_buys_only_from_its_suppliers() {
    let all = two_centres(1.0);
    let mut some = all.clone();
    some.centres[0].suppliers = ["veg_farm", "fruit_orchard", "tofu_workshop", "grain_wholesaler"].map(String::from).to_vec();
    cesim::scenario::validate::validate(&some).expect("valid");
    let shipped = |sc: &Scenario, name: &str| {
        let r = cesim::model::run(sc, 5, 0).unwrap();
        r.suppliers.iter().find(|s| s.name == name).map_or(0, |s| s.units_shipped)
    };
    // North's vegetables now all come from the farm: the wholesaler ships less, the farm more.
    assert!(shipped(&some, "veg_wholesaler") < shipped(&all, "veg_wholesaler"));
    assert!(shipped(&some, "veg_farm") > shipped(&all, "veg_farm"));
}
