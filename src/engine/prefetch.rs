//! A hint to the processor to start loading memory that will be read soon.
//!
//! Passes over millions of agents wait on memory more than they compute: an agent's columns
//! are read at scattered places (the residents who ordered, a leader's crates). Asking for
//! them a few agents ahead lets the loads overlap the work on the agents before. A hint
//! changes no value, only when it arrives; on other architectures it does nothing.

/// Asks for the cache line holding `slice[i]`. No bounds check (it would cost more than
/// the hint in the hottest loops): an `i` out of range asks for a line that is not the
/// slice's, which is harmless (a hint reads nothing into the program and never faults).
#[inline(always)]
pub fn prefetch<T>(slice: &[T], i: usize) {
    address(slice.as_ptr().wrapping_add(i));
}

/// Asks for the cache line holding `x`.
#[inline(always)]
pub fn line<T>(x: &T) {
    address(x as *const T);
}

/// Asks for the cache line at `p`, which need not point to anything yet (e.g. the buffer of
/// an empty `Vec` about to be pushed to: [`Vec::as_ptr`]).
#[inline(always)]
#[allow(unsafe_code)]
pub fn address<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing into the program and never faults, whatever the
    // address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_changes_nothing_even_out_of_range() {
        let v = vec![1u32, 2, 3];
        prefetch(&v, 1);
        prefetch(&v, 99);
        line(&v[0]);
        address(Vec::<u64>::new().as_ptr());
        address(std::ptr::null::<u8>());
        assert_eq!(v, [1, 2, 3]);
    }
}
