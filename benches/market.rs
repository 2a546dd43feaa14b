//! Market throughput: resident-days per second on one core for a 1 000 000-resident,
//! two-platform market (the `price_war` scenario scaled to 5 000 neighbourhoods of 200
//! households), 30 days, on one thread and on two; and the residents' memory per resident.

use cesim::scenario;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn market(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/price_war.toml");
    let mut sc = scenario::load(std::path::Path::new(path)).unwrap();
    sc.run.horizon_days = 30;
    sc.leaders.households_spread = 0.0;
    sc.leaders.households_mean = 200;
    for g in &mut sc.grid_warehouses {
        g.leaders = 2500;
    }
    for s in &mut sc.suppliers {
        s.capacity_units_per_day *= 100.0;
    }
    sc.market.prospects_share = 0.0;
    let residents = 5000 * 200u64;
    let mut g = c.benchmark_group("market");
    g.throughput(Throughput::Elements(residents * sc.run.horizon_days as u64));
    g.sample_size(10);
    g.bench_function("1m_residents_2_platforms_30_days", |b| b.iter(|| cesim::model::run(&sc, 1, 0).unwrap()));
    // The same run on two threads (`cesim run --threads 2`): identical outputs, less time.
    let two = cesim::model::RunOptions { trace: false, threads: 2 };
    g.bench_function("1m_residents_2_platforms_30_days_2_threads", |b| b.iter(|| cesim::model::run_with(&sc, 1, 0, &two, &mut |_, _| {}).unwrap()));
    g.finish();
}

criterion_group!(benches, market);
criterion_main!(benches);
