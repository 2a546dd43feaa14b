//! Event queue: pending events ordered by `(time, insertion sequence)`.
//!
//! Invariant: events pop in non-decreasing time; events scheduled for the same time pop
//! in the order they were scheduled (FIFO). So a run never depends on how ties happen to
//! be broken.
//!
//! Structure: a bucket queue over integer minutes (a calendar queue with one-minute days).
//! Events due within the next [`WINDOW_MINUTES`] sit in a ring of FIFO buckets, one per
//! minute, with a bitmap of non-empty buckets; events further ahead wait in a binary heap
//! keyed by `(time, sequence)` packed into one `u128`. When the clock advances, heap
//! events that enter the window move into their bucket *before* anything else can be
//! scheduled at their time, so within a bucket insertion order is sequence order. Push and
//! pop are O(1) for events inside the window and O(log n) for the rest.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use super::time::SimTime;

/// Width of the bucket ring, in minutes (a power of two; about 2.8 days).
pub const WINDOW_MINUTES: u64 = 4096;
const MASK: u64 = WINDOW_MINUTES - 1;
const WORDS: usize = (WINDOW_MINUTES / 64) as usize;

/// Error from scheduling an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// An event was scheduled before the current time. A model bug; fatal for the run.
    #[error("event scheduled at minute {at}, before the current minute {now}")]
    InThePast {
        /// The requested time, in minutes.
        at: u64,
        /// The queue's current time, in minutes.
        now: u64,
    },
}

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap, we want the smallest key on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A pending-event set with a clock. Verbs: [`schedule_at`](Self::schedule_at),
/// [`schedule_in`](Self::schedule_in), [`peek_time`](Self::peek_time), [`pop`](Self::pop),
/// [`pop_until`](Self::pop_until).
pub struct EventQueue<E> {
    /// `buckets[t & MASK]` holds the events at minute `t`, for `now <= t < now + WINDOW`.
    buckets: Vec<VecDeque<E>>,
    /// Bit `i` set iff `buckets[i]` is non-empty.
    occupied: [u64; WORDS],
    in_window: usize,
    /// Events at or after `now + WINDOW`.
    later: BinaryHeap<Entry<E>>,
    now: SimTime,
    next_seq: u64,
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue").field("now", &self.now).field("pending", &self.len()).finish()
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue at time zero with room for about `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        let per_bucket = n / WINDOW_MINUTES as usize;
        EventQueue {
            buckets: (0..WINDOW_MINUTES).map(|_| VecDeque::with_capacity(per_bucket)).collect(),
            occupied: [0; WORDS],
            in_window: 0,
            later: BinaryHeap::new(),
            now: SimTime::ZERO,
            next_seq: 0,
        }
    }

    /// The current simulated time: the time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.in_window + self.later.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// # Errors
    /// [`QueueError::InThePast`] if `at` is before [`now`](Self::now).
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<(), QueueError> {
        if at < self.now {
            return Err(QueueError::InThePast { at: at.0, now: self.now.0 });
        }
        self.push(at.0, event);
        Ok(())
    }

    /// Schedules `event` `delay_minutes` after now. Never fails.
    #[inline]
    pub fn schedule_in(&mut self, delay_minutes: u64, event: E) {
        self.push(self.now.0 + delay_minutes, event);
    }

    #[inline]
    fn push(&mut self, at: u64, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if at < self.now.0 + WINDOW_MINUTES {
            self.put_in_bucket(at, event);
        } else {
            self.later.push(Entry { key: ((at as u128) << 64) | seq as u128, event });
        }
    }

    #[inline]
    fn put_in_bucket(&mut self, at: u64, event: E) {
        let i = (at & MASK) as usize;
        self.buckets[i].push_back(event);
        self.occupied[i / 64] |= 1 << (i % 64);
        self.in_window += 1;
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.in_window > 0 {
            Some(SimTime(self.next_occupied()))
        } else {
            self.later.peek().map(|e| SimTime((e.key >> 64) as u64))
        }
    }

    /// The first minute at or after `now` whose bucket is non-empty. Requires `in_window > 0`.
    #[inline]
    fn next_occupied(&self) -> u64 {
        let start = (self.now.0 & MASK) as usize;
        let mut word = start / 64;
        let mut bits = self.occupied[word] & (!0u64 << (start % 64));
        let mut scanned = 0;
        loop {
            if bits != 0 {
                let i = word * 64 + bits.trailing_zeros() as usize;
                let offset = (i as u64).wrapping_sub(start as u64) & MASK;
                return self.now.0 + offset;
            }
            scanned += 1;
            word = (word + 1) % WORDS;
            bits = self.occupied[word];
            if scanned == WORDS {
                // Only the bits below `start` in the first word remain (wrapped around).
                bits &= (1u64 << (start % 64)).wrapping_sub(1);
            }
        }
    }

    /// Moves the clock to `t` (≥ now) and pulls heap events that enter the window.
    #[inline]
    fn advance(&mut self, t: u64) {
        self.now = SimTime(t);
        let end = t + WINDOW_MINUTES;
        while let Some(top) = self.later.peek() {
            let at = (top.key >> 64) as u64;
            if at >= end {
                break;
            }
            // Heap order is (time, sequence), so each bucket receives its events in
            // sequence order, before any direct push to that minute can happen.
            if let Some(e) = self.later.pop() {
                self.put_in_bucket(at, e.event);
            }
        }
    }

    /// Removes the next event, advances the clock to its time and returns both.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let t = self.peek_time()?;
        Some(self.take_at(t.0))
    }

    #[inline]
    fn take_at(&mut self, t: u64) -> (SimTime, E) {
        if t != self.now.0 || self.in_window == 0 {
            self.advance(t);
        }
        let i = (t & MASK) as usize;
        let bucket = &mut self.buckets[i];
        // `t` is the time of a pending event and `advance` moved it into its bucket.
        let event = bucket.pop_front().expect("bucket of the next event is non-empty");
        if bucket.is_empty() {
            self.occupied[i / 64] &= !(1 << (i % 64));
        }
        self.in_window -= 1;
        (self.now, event)
    }

    /// Like [`pop`](Self::pop), but only if the next event is at or before `horizon`.
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        match self.peek_time() {
            Some(t) if t <= horizon => Some(self.take_at(t.0)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        for (t, e) in [(30, 'c'), (10, 'a'), (20, 'b')] {
            q.schedule_at(SimTime(t), e).unwrap();
        }
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c']);
        assert_eq!(q.now(), SimTime(30));
    }

    #[test]
    fn equal_times_pop_fifo() {
        let mut q = EventQueue::new();
        for i in 0..100u32 {
            q.schedule_at(SimTime(7), i).unwrap();
        }
        q.schedule_at(SimTime(3), 1000).unwrap();
        assert_eq!(q.pop(), Some((SimTime(3), 1000)));
        for i in 0..100u32 {
            assert_eq!(q.pop(), Some((SimTime(7), i)));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn scheduling_in_the_past_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime(10), ()).unwrap();
        q.pop();
        assert_eq!(q.schedule_at(SimTime(9), ()), Err(QueueError::InThePast { at: 9, now: 10 }));
        q.schedule_in(0, ());
        assert_eq!(q.pop(), Some((SimTime(10), ())));
    }

    #[test]
    fn pop_until_respects_horizon() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime(5), 1).unwrap();
        q.schedule_at(SimTime(15), 2).unwrap();
        assert_eq!(q.pop_until(SimTime(10)), Some((SimTime(5), 1)));
        assert_eq!(q.pop_until(SimTime(10)), None);
        assert_eq!(q.len(), 1);
        assert_eq!(q.peek_time(), Some(SimTime(15)));
    }

    #[test]
    fn far_events_keep_fifo_with_near_ones() {
        // A is scheduled far ahead (heap), B later for the same minute once it is near
        // (bucket): A was scheduled first, so A pops first.
        let mut q = EventQueue::new();
        let t = 3 * WINDOW_MINUTES + 17;
        q.schedule_at(SimTime(t), 'A').unwrap();
        q.schedule_at(SimTime(t - 10), 'x').unwrap();
        assert_eq!(q.pop(), Some((SimTime(t - 10), 'x')));
        q.schedule_at(SimTime(t), 'B').unwrap();
        q.schedule_in(0, 'y');
        assert_eq!(q.pop(), Some((SimTime(t - 10), 'y')));
        assert_eq!(q.pop(), Some((SimTime(t), 'A')));
        assert_eq!(q.pop(), Some((SimTime(t), 'B')));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn wraps_around_the_ring() {
        let mut q = EventQueue::new();
        let mut expect = Vec::new();
        for k in 0..50u64 {
            let t = k * (WINDOW_MINUTES / 3 + 1);
            q.schedule_at(SimTime(t), k).unwrap();
            expect.push((SimTime(t), k));
        }
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, expect);
    }

    proptest! {
        /// Arbitrary interleavings of schedules and pops come out in non-decreasing
        /// (time, sequence) order.
        #[test]
        fn arbitrary_schedules_pop_in_order(ops in proptest::collection::vec((prop_oneof![0u64..50, 0u64..20_000], any::<bool>()), 1..400)) {
            let mut q = EventQueue::new();
            let mut seq = 0u64;
            let mut popped: Vec<(u64, u64)> = Vec::new();
            for (delay, pop) in ops {
                q.schedule_in(delay, seq);
                seq += 1;
                if pop {
                    let (t, s) = q.pop().unwrap();
                    popped.push((t.0, s));
                }
            }
            while let Some((t, s)) = q.pop() {
                popped.push((t.0, s));
            }
            prop_assert_eq!(popped.len() as u64, seq);
            for w in popped.windows(2) {
                // Strictly increasing (time, sequence): time never goes back, ties pop FIFO.
                prop_assert!(w[0] < w[1], "{:?} popped before {:?}", w[0], w[1]);
            }
        }
    }
}
