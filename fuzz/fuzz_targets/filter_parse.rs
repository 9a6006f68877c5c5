//! Fuzz target `filter_parse`: see `wiresift_fuzz::filter_parse` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wiresift_fuzz::filter_parse(data));
