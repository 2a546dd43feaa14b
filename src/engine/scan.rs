//! Finding the few agents whose next day is today among millions: sixty-four at a time,
//! as a bit mask of the comparisons, whose set bits the caller then walks.
//!
//! On x86-64 the comparisons run sixteen at a time in SSE2 (part of every x86-64
//! processor), packed to bytes and their signs gathered into one 16-bit mask; elsewhere one
//! at a time. Both give the same mask.

/// Elements per mask.
pub const BLOCK: usize = 64;

/// Bit `j` set where `block[j] >> 1 == x` (the value in the upper 31 bits, the lowest bit
/// being a flag of the caller's).
#[inline]
pub fn halves_equal(block: &[u32; BLOCK], x: u32) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        sse2(block, x)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar(block, x)
    }
}

/// [`halves_equal`] for a block of any length up to [`BLOCK`].
#[inline]
pub fn halves_equal_short(block: &[u32], x: u32) -> u64 {
    debug_assert!(block.len() <= BLOCK);
    block.iter().enumerate().fold(0u64, |m, (j, &d)| m | (u64::from(d >> 1 == x) << j))
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn scalar(block: &[u32; BLOCK], x: u32) -> u64 {
    halves_equal_short(block, x)
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
fn sse2(block: &[u32; BLOCK], x: u32) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi32, _mm_loadu_si128, _mm_movemask_epi8, _mm_packs_epi16, _mm_packs_epi32, _mm_set1_epi32, _mm_srli_epi32};
    let mut mask = 0u64;
    // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics exist on every
    // processor this code is compiled for; each unaligned load reads 16 bytes at
    // `block[4i..4i + 4]`, i < 16, inside the array.
    unsafe {
        let want = _mm_set1_epi32(x as i32);
        let p = block.as_ptr().cast::<__m128i>();
        for q in 0..BLOCK / 16 {
            let eq = |i: usize| _mm_cmpeq_epi32(_mm_srli_epi32::<1>(_mm_loadu_si128(p.add(4 * q + i))), want);
            // Each comparison is 0 or −1 in its lane: packing keeps it (signed saturation),
            // four lanes of 32 bits become sixteen bytes in order.
            let bytes = _mm_packs_epi16(_mm_packs_epi32(eq(0), eq(1)), _mm_packs_epi32(eq(2), eq(3)));
            mask |= u64::from(_mm_movemask_epi8(bytes) as u16) << (16 * q);
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RunSeed;
    use rand::RngExt;

    #[test]
    fn the_mask_is_that_of_one_comparison_at_a_time() {
        let mut rng = RunSeed::new(3, 0).stream("scan", 0, 0);
        // Small days (many equal), the largest values (the sign bit set), and all equal.
        let edges = [0, 1, u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1, 6, 7];
        for round in 0..2000 {
            let block: [u32; BLOCK] = std::array::from_fn(|_| match round % 3 {
                0 => rng.random_range(0..8u32),
                1 => edges[rng.random_range(0..edges.len())],
                _ => 2 * 5 + rng.random_range(0..2u32),
            });
            for x in [0, 3, 5, u32::MAX >> 1, 1 << 30] {
                let want = scalar(&block, x);
                assert_eq!(halves_equal(&block, x), want, "{block:?} against {x}");
                assert_eq!(halves_equal_short(&block[..40], x), want & ((1 << 40) - 1));
            }
        }
        assert_eq!(halves_equal(&[11; BLOCK], 5), u64::MAX);
    }
}
