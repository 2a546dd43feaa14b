//! Named random streams derived from `(seed, replication, purpose, ids)`.
//!
//! Every random decision in a run draws from a stream named after its purpose and the
//! agent (and, where useful, the day) it concerns. A stream's seed is a pure hash of those
//! names, so:
//! - adding a new stream never shifts the numbers another stream produces;
//! - results do not depend on evaluation order or on how many threads run;
//! - replication `r` of two different scenarios sees the same streams (common random
//!   numbers), which makes paired comparisons of policies sharp.
//!
//! The generator is Xoshiro256++ (`rand_xoshiro`), whose output is fixed by its
//! specification, so a seed gives the same numbers on every platform.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream.
pub type SimRng = Xoshiro256PlusPlus;

/// The root of all streams of one run: the scenario seed and the replication index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunSeed {
    /// Scenario (or command-line) seed.
    pub seed: u64,
    /// Replication index, 0-based.
    pub replication: u64,
}

impl RunSeed {
    /// The root for `seed` and `replication`.
    pub fn new(seed: u64, replication: u64) -> Self {
        RunSeed { seed, replication }
    }

    /// A stream for `purpose` (e.g. `"demand"`) and two ids (e.g. agent id and day).
    /// Distinct `(purpose, a, b)` give independent streams.
    pub fn stream(&self, purpose: &str, a: u64, b: u64) -> SimRng {
        SimRng::seed_from_u64(self.stream_key(purpose, a, b))
    }

    /// The 64-bit key a stream is seeded from: a hash of all its names.
    pub fn stream_key(&self, purpose: &str, a: u64, b: u64) -> u64 {
        let mut h = mix64(self.seed ^ 0x6365_7369_6d00_0000); // "cesim"
        h = mix64(h ^ self.replication);
        h = mix64(h ^ fnv1a(purpose.as_bytes()));
        h = mix64(h ^ a);
        mix64(h ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// Counter-based streams for many agents sharing one purpose and day: agent `i`'s
/// generator is SplitMix64 started at `mix(key ^ mix(i))`, so it depends on nothing but the
/// key and `i` — not on the agents drawn before it, nor on the thread that draws. Cheap
/// enough to make one per agent per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentStreams {
    key: u64,
}

/// The generator of one agent's stream.
pub type AgentRng = rand_xoshiro::SplitMix64;

impl AgentStreams {
    /// The streams under `key` (e.g. a [`RunSeed::stream_key`]).
    pub fn new(key: u64) -> Self {
        AgentStreams { key }
    }

    /// Agent `i`'s stream.
    pub fn agent(&self, i: u64) -> AgentRng {
        AgentRng::seed_from_u64(mix64(self.key ^ mix64(i ^ 0x6167_656e_7400_0000)))
    }
}

/// The SplitMix64 finaliser: a bijective mix with full avalanche.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a hash of bytes: names streams by text (not by a hand-kept number) and
/// fingerprints sweep files.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn agent_streams_are_independent_of_each_other() {
        let s = AgentStreams::new(RunSeed::new(1, 0).stream_key("evening", u64::MAX, 3));
        let first = |i: u64| -> u64 { s.agent(i).random() };
        // The same agent, the same numbers, whatever was drawn for others before.
        let mut other = s.agent(5);
        let _: u64 = other.random();
        assert_eq!(first(7), first(7));
        // Neighbours do not share sequences: agent i's second draw is not agent i+1's first.
        for i in 0..1000 {
            let mut a = s.agent(i);
            let _: u64 = a.random();
            let second: u64 = a.random();
            assert_ne!(second, first(i + 1));
        }
        // Roughly uniform.
        let mean = (0..100_000).map(|i| s.agent(i).random::<f64>()).sum::<f64>() / 100_000.0;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
    }

    #[test]
    fn same_names_same_numbers() {
        let r = RunSeed::new(42, 0);
        let a: Vec<u64> = (0..5).map({ let mut s = r.stream("demand", 3, 7); move |_| s.random() }).collect();
        let b: Vec<u64> = (0..5).map({ let mut s = r.stream("demand", 3, 7); move |_| s.random() }).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn different_names_differ() {
        let r = RunSeed::new(42, 0);
        let keys = [
            r.stream_key("demand", 3, 7),
            r.stream_key("demand", 7, 3),
            r.stream_key("demand", 3, 8),
            r.stream_key("supply", 3, 7),
            RunSeed::new(42, 1).stream_key("demand", 3, 7),
            RunSeed::new(43, 0).stream_key("demand", 3, 7),
        ];
        for i in 0..keys.len() {
            for j in 0..i {
                assert_ne!(keys[i], keys[j], "streams {i} and {j} collide");
            }
        }
    }

    #[test]
    fn stream_output_is_pinned() {
        // Guards portability and the stream derivation: if either changes, every published
        // result changes. Update these numbers only on purpose, with a note in the changelog.
        let r = RunSeed::new(1, 0);
        assert_eq!(r.stream_key("x", 0, 0), PINNED_KEY);
        let first: u64 = r.stream("x", 0, 0).random();
        assert_eq!(first, PINNED_FIRST);
    }

    const PINNED_KEY: u64 = 17828210685361590569;
    const PINNED_FIRST: u64 = 5129502221962147899;
}
