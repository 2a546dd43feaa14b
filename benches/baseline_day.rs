//! Model throughput: resident-days simulated per second on one core, with the baseline
//! scenario scaled to 100 000 residents (500 leaders of 200 households), 30 days.

use cesim::scenario;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn baseline_day(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    let mut sc = scenario::load(std::path::Path::new(path)).unwrap();
    sc.run.horizon_days = 30;
    sc.leaders.households_spread = 0.0;
    sc.leaders.households_mean = 200;
    for g in &mut sc.grid_warehouses {
        g.leaders = 250;
    }
    for s in &mut sc.suppliers {
        s.capacity_units_per_day *= 10.0;
    }
    let residents = 500 * 200u64;
    let mut g = c.benchmark_group("baseline_day");
    g.throughput(Throughput::Elements(residents * sc.run.horizon_days as u64));
    g.sample_size(10);
    g.bench_function("100k_residents_30_days", |b| b.iter(|| cesim::model::run(&sc, 1, 0).unwrap()));
    g.finish();
}

criterion_group!(benches, baseline_day);
criterion_main!(benches);
