//! Event queue: a binary min-heap keyed by `(time, insertion sequence)`.
//!
//! Invariant: events pop in non-decreasing time; events scheduled for the same time pop
//! in the order they were scheduled (FIFO). The sequence number makes the order a total
//! order, so a run never depends on how the heap happens to break ties. The key is packed
//! into one `u128` (time in the high 64 bits, sequence in the low 64) so a comparison is
//! a single integer compare.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

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
    heap: BinaryHeap<Entry<E>>,
    now: SimTime,
    next_seq: u64,
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("now", &self.now)
            .field("pending", &self.heap.len())
            .finish()
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

    /// An empty queue at time zero with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(n), now: SimTime::ZERO, next_seq: 0 }
    }

    /// The current simulated time: the time of the last popped event.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// # Errors
    /// [`QueueError::InThePast`] if `at` is before [`now`](Self::now).
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<(), QueueError> {
        if at < self.now {
            return Err(QueueError::InThePast { at: at.0, now: self.now.0 });
        }
        self.push(at, event);
        Ok(())
    }

    /// Schedules `event` `delay_minutes` after now. Never fails.
    pub fn schedule_in(&mut self, delay_minutes: u64, event: E) {
        let at = SimTime(self.now.0 + delay_minutes);
        self.push(at, event);
    }

    #[inline]
    fn push(&mut self, at: SimTime, event: E) {
        let key = ((at.0 as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| SimTime((e.key >> 64) as u64))
    }

    /// Removes the next event, advances the clock to its time and returns both.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        self.now = SimTime((e.key >> 64) as u64);
        Some((self.now, e.event))
    }

    /// Like [`pop`](Self::pop), but only if the next event is at or before `horizon`.
    #[inline]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        match self.peek_time() {
            Some(t) if t <= horizon => self.pop(),
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

    proptest! {
        /// Arbitrary interleavings of schedules and pops come out in non-decreasing
        /// (time, sequence) order.
        #[test]
        fn arbitrary_schedules_pop_in_order(ops in proptest::collection::vec((0u64..50, any::<bool>()), 1..400)) {
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
