//! Fuzz target `frame`: see `wiresift_fuzz::frame` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wiresift_fuzz::frame(data));
