//! Fuzz target `trackers`: see `wiresift_fuzz::trackers` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wiresift_fuzz::trackers(data));
