//! Huge pages for the big columns of agent state.
//!
//! A pass over millions of agents reads their columns at scattered places (the residents
//! due tonight, those who ordered). Each such read lands on a different page, and past the
//! few MiB the processor's address cache (TLB) covers with the kernel's 4 KiB pages, every
//! one first costs a walk of the page tables. Linux's transparent huge pages of 2 MiB
//! cover 512 times more per entry, but most distributions give them only to memory that asks
//! (`/sys/kernel/mm/transparent_hugepage/enabled` set to `madvise`, as on the development
//! machine). [`advise_huge`] asks, for a column not yet written.
//!
//! Advice changes no value, only how memory is mapped; the kernel may decline it (huge
//! pages turned off, no free 2 MiB blocks), and elsewhere than Linux it does nothing.

/// Bytes in a transparent huge page on x86-64 and most 64-bit Arm kernels.
pub const HUGE_PAGE_BYTES: usize = 2 << 20;

/// Asks the kernel to map the whole 2 MiB blocks inside `column` with huge pages, and
/// returns the bytes it was asked for (0 when the column holds no whole block, or when the
/// kernel refuses). Call it before the column is first written: memory already written on
/// small pages is merged only slowly, in the background. The column's first and last
/// partial blocks keep small pages.
pub fn advise_huge<T>(column: &mut [T]) -> usize {
    let start = column.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(column);
    let first = start.next_multiple_of(HUGE_PAGE_BYTES);
    let last = end - end % HUGE_PAGE_BYTES;
    if last <= first {
        return 0;
    }
    if advise(first, last - first) { last - first } else { 0 }
}

/// `madvise(MADV_HUGEPAGE)` on `len` bytes from the page-aligned address `at`.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn advise(at: usize, len: usize) -> bool {
    // SAFETY: the range lies inside one live allocation (the caller's slice), and
    // MADV_HUGEPAGE only changes how its pages are backed, never their contents.
    unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_HUGEPAGE) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn advise(_at: usize, _len: usize) -> bool {
    false
}

/// Whether the mapping holding the middle byte of `column` is marked for huge pages ("hg"
/// among its `VmFlags` in `/proc/self/smaps`); `None` where huge pages are off or cannot be
/// read.
#[cfg(test)]
pub(crate) fn marked_huge<T>(column: &[T]) -> Option<bool> {
    let at = column.as_ptr() as usize + std::mem::size_of_val(column) / 2;
    let enabled = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").ok()?;
    if enabled.contains("[never]") {
        return None;
    }
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let mut inside = false;
    for line in smaps.lines() {
        let range = line.split_whitespace().next().and_then(|r| r.split_once('-'));
        let bounds = range.and_then(|(a, b)| Some((usize::from_str_radix(a, 16).ok()?, usize::from_str_radix(b, 16).ok()?)));
        if let Some((a, b)) = bounds {
            inside = (a..b).contains(&at);
        } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
            return Some(flags.split_whitespace().any(|f| f == "hg"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_blocks_are_advised_and_the_values_stay() {
        // A column of 3 huge pages' bytes holds at least two whole aligned blocks (all three
        // when the allocator aligned it).
        let mut big = vec![7u32; 3 * HUGE_PAGE_BYTES / 4];
        assert!(!marked_huge(&big).unwrap_or(false), "not marked before the advice");
        let advised = advise_huge(&mut big);
        if let Some(marked) = marked_huge(&big) {
            // The kernel took the advice.
            assert!(marked, "the column's middle is marked for huge pages");
            assert!(advised >= 2 * HUGE_PAGE_BYTES, "advised {advised} bytes");
        }
        assert_eq!(advised % HUGE_PAGE_BYTES, 0);
        assert!(advised <= 3 * HUGE_PAGE_BYTES);
        assert!(big.iter().all(|&x| x == 7), "advice changes no value");
        // Less than one block: nothing to advise.
        assert_eq!(advise_huge(&mut vec![0u8; HUGE_PAGE_BYTES - 1]), 0);
        assert_eq!(advise_huge::<u64>(&mut []), 0);
    }
}
