//! Work over many agents split into a fixed set of chunks and run on a pool of threads.
//!
//! The chunks depend on the data only (consecutive groups of at least `target` items),
//! never on how many threads run them, and results come back in chunk order. A caller that
//! combines per-chunk results in that order (and draws its random numbers from per-agent
//! keyed streams, see [`super::rng::AgentStreams`]) gets bit-identical results for any
//! thread count, including one.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

/// A pool of worker threads, or none (everything on the calling thread). Clones share the
/// pool.
#[derive(Debug, Clone)]
pub struct Workers {
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl Workers {
    /// `threads` workers (1: run on the calling thread, no pool).
    ///
    /// # Errors
    /// The operating system's error if the threads cannot be started.
    pub fn new(threads: usize) -> Result<Self, String> {
        if threads <= 1 {
            return Ok(Workers { pool: None });
        }
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().map(|p| Workers { pool: Some(Arc::new(p)) }).map_err(|e| e.to_string())
    }

    /// Number of threads that run the work.
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    /// `op` run on one of the pool's threads (on the calling thread when there is no pool).
    /// A pass of [`Self::map`] started from there begins on a thread of the pool, which
    /// then takes its share of the pass's items: started from outside, the pass is handed
    /// over whole and the caller sleeps until it is done, and each pass costs the pool's
    /// threads a wake-up or two (which counts for a caller that makes hundreds of small
    /// passes between its serial steps).
    pub fn within<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            None => op(),
            Some(pool) => pool.install(op),
        }
    }

    /// `f` applied to every item, the results in the items' order.
    ///
    /// Each item is a job of its own that an idle thread can take: by default rayon splits
    /// the items only a few times (more when a thread steals) and runs each piece as one
    /// sequential run, whose last one could leave the other threads idle at the end of a
    /// pass (60 ms of a 0.6 s evening of Xingsheng's network, in a profile).
    pub fn map<T: Send, R: Send>(&self, items: Vec<T>, f: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
        match &self.pool {
            None => items.into_iter().map(f).collect(),
            Some(pool) => pool.install(|| items.into_par_iter().with_max_len(1).map(f).collect()),
        }
    }
}

/// Consecutive groups of `sizes` (as index ranges into `sizes`), each of total size at
/// least `target` (the last may be smaller). Depends on nothing but `sizes` and `target`.
pub fn chunks(sizes: impl IntoIterator<Item = usize>, target: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut acc, mut n) = (0, 0, 0);
    for s in sizes {
        acc += s;
        n += 1;
        if acc >= target.max(1) {
            out.push(start..n);
            start = n;
            acc = 0;
        }
    }
    if start < n {
        out.push(start..n);
    }
    out
}

/// `items` cut into consecutive mutable slices of `width × len` elements, one per range of
/// `bounds` (which must be consecutive and start at 0); elements past the last range are
/// left out.
pub fn split_mut<'a, T>(mut items: &'a mut [T], bounds: &[Range<usize>], width: usize) -> std::vec::IntoIter<&'a mut [T]> {
    let mut out = Vec::with_capacity(bounds.len());
    for b in bounds {
        let n = (b.len() * width).min(items.len());
        let (head, tail) = std::mem::take(&mut items).split_at_mut(n);
        out.push(head);
        items = tail;
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_depend_on_sizes_only() {
        assert_eq!(chunks([3, 3, 3, 3, 1], 5), vec![0..2, 2..4, 4..5]);
        assert_eq!(chunks([10, 1], 5), vec![0..1, 1..2]);
        assert_eq!(chunks(Vec::<usize>::new(), 5), Vec::<Range<usize>>::new());
        assert_eq!(chunks([0, 0], 0), vec![0..2], "empty groups join the next chunk");
    }

    #[test]
    fn split_follows_the_bounds() {
        let mut v: Vec<u32> = (0..10).collect();
        let parts: Vec<&mut [u32]> = split_mut(&mut v, &[0..2, 2..3, 3..5], 2).collect();
        assert_eq!(parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>(), vec![vec![0, 1, 2, 3], vec![4, 5], vec![6, 7, 8, 9]]);
    }

    #[test]
    fn any_thread_count_gives_the_same_ordered_results() {
        let items: Vec<u64> = (0..1000).collect();
        let one = Workers::new(1).unwrap().map(items.clone(), |x| x * x);
        let three = Workers::new(3).unwrap();
        assert_eq!(three.threads(), 3);
        assert_eq!(three.map(items.clone(), |x| x * x), one);
        assert_eq!(three.within(|| three.map(items, |x| x * x)), one, "a pass started on a thread of the pool");
    }

    #[test]
    fn within_runs_on_a_thread_of_the_pool() {
        assert_eq!(Workers::new(1).unwrap().within(rayon::current_thread_index), None, "no pool: the calling thread");
        let two = Workers::new(2).unwrap();
        let pool = two.pool.clone().expect("two threads have a pool");
        assert_eq!(pool.current_thread_index(), None, "the test's thread is none of the pool's");
        assert_eq!(two.within(|| pool.current_thread_index()).map(|i| i < 2), Some(true));
        // A clone shares the pool: it runs on one of the same pool's threads, which
        // another pool's are not. (Which of the two threads runs it is up to the pool.)
        assert!(two.clone().within(|| pool.current_thread_index()).is_some());
        assert_eq!(Workers::new(2).unwrap().within(|| pool.current_thread_index()), None);
    }
}
