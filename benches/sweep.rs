//! Sweep throughput (runs per second) with one and two worker threads, on the shipped
//! `cold_chain_cost` sweep (4 points × 10 replications of the baseline, 60 days).

use cesim::experiment::runner::{SweepOptions, run_sweep};
use cesim::experiment::sweep;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn sweep_throughput(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/sweeps/cold_chain_cost.toml");
    let sw = sweep::load(std::path::Path::new(path)).unwrap();
    let mut g = c.benchmark_group("sweep");
    g.throughput(Throughput::Elements(sw.runs() as u64));
    g.sample_size(10);
    let root = std::env::temp_dir().join(format!("cesim-bench-sweep-{}", std::process::id()));
    let mut k = 0u64;
    for jobs in [1usize, 2] {
        g.bench_function(BenchmarkId::new("jobs", jobs), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    let out = root.join(k.to_string());
                    let _ = std::fs::remove_dir_all(&out);
                    out
                },
                |out| {
                    let opts = SweepOptions { jobs, shard: None, daily: false };
                    run_sweep(&sw, &out, &opts, &mut |_, _| {}).unwrap();
                    let _ = std::fs::remove_dir_all(&out);
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&root);
}

criterion_group!(benches, sweep_throughput);
criterion_main!(benches);
