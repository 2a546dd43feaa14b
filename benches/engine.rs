//! Engine throughput: the classic hold model. N events are pending; each pop schedules one
//! more at an exponential delay (mean 1 000 minutes). Reports events per second.

use std::hint::black_box;

use cesim::engine::{EventQueue, RunSeed};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_distr::{Distribution, Exp};

fn hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("hold");
    for &n in &[1_000usize, 1_000_000] {
        let mut rng = RunSeed::new(1, 0).stream("bench", n as u64, 0);
        let exp = Exp::new(1.0 / 1000.0).unwrap();
        let mut q: EventQueue<u32> = EventQueue::with_capacity(n + 1);
        for i in 0..n {
            q.schedule_in(exp.sample(&mut rng) as u64, i as u32);
        }
        let steps = 1_000_000u64;
        g.throughput(Throughput::Elements(steps));
        g.sample_size(if n > 10_000 { 10 } else { 20 });
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                for _ in 0..steps {
                    let (_, e) = q.pop().unwrap();
                    q.schedule_in(exp.sample(&mut rng) as u64, black_box(e));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
