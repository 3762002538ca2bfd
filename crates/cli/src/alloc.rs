//! The allocator of `ssj`: mimalloc, told to give freed memory back to the
//! system at once.
//!
//! mimalloc's default is to give a freed page back to the system at least
//! 10 ms later, the next time it looks; until then the page still counts
//! in the process's resident memory. A draw frees large structures phase
//! after phase (the pass's arenas, the candidates, the pool), and how many
//! of their pages are still held when the next phase peaks varies from run
//! to run: 18 runs of one draw of 30 items from 10^7 entities peaked
//! between 508 and 616 MiB (533–646 MB), 7 of them above 600 MB. With no
//! delay, 13 runs peaked between 482 and 490 MiB. The cost is the system
//! time of giving pages back and taking them again: within the spread of
//! those draws (medians of 12 alternated pairs 52.0 s before, 52.8 s
//! after), about 0.1 s in a one-item draw of 10^6 entities (BENCHMARKS.md,
//! session 16).
//!
//! `MIMALLOC_PURGE_DELAY`, when set, is left to mimalloc (it reads it
//! itself), so the default can still be chosen at run time.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc v2's `mimalloc.h` (the enumeration
/// `mi_option_e`): the option right after `mi_option_eager_commit_delay`,
/// which libmimalloc-sys names.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_eager_commit_delay + 1;

/// Set mimalloc's options for this process; call it first in `main`.
pub(crate) fn configure() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set(PURGE_DELAY, 0);
    }
}

/// Set mimalloc option `option` to `value`.
#[allow(unsafe_code)]
fn set(option: libmimalloc_sys::mi_option_t, value: std::ffi::c_long) {
    // SAFETY: `mi_option_set` stores an integer into mimalloc's table of
    // options; it takes no pointer, and mimalloc allows it from any thread
    // at any time (options are read when used).
    unsafe { libmimalloc_sys::mi_option_set(option, value) }
}

/// mimalloc option `option`'s value.
#[cfg(test)]
#[allow(unsafe_code)]
fn get(option: libmimalloc_sys::mi_option_t) -> std::ffi::c_long {
    // SAFETY: as for `set`; this only reads the option.
    unsafe { libmimalloc_sys::mi_option_get(option) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test's name, for running it again in a child process.
    const NAME: &str = "alloc::tests::the_purge_delay_is_set_unless_the_environment_sets_it";

    #[test]
    fn the_purge_delay_is_set_unless_the_environment_sets_it() {
        let before = get(PURGE_DELAY);
        configure();
        match std::env::var_os("MIMALLOC_PURGE_DELAY") {
            Some(v) => {
                // mimalloc read the variable; configure leaves the option
                assert_eq!(get(PURGE_DELAY), before);
                if v == "7" {
                    // the child below: the option we name is the one
                    // mimalloc filled from the variable
                    assert_eq!(before, 7);
                    return;
                }
            }
            None => {
                assert_eq!(before, 10, "mimalloc v2's default purge delay");
                assert_eq!(get(PURGE_DELAY), 0);
            }
        }
        // the same test in a process started with the variable set
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads", "1"])
            .env("MIMALLOC_PURGE_DELAY", "7")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }
}
