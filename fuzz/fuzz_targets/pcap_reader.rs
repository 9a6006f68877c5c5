//! Fuzz target `pcap_reader`: see `wiresift_fuzz::pcap_reader` (fuzz/src/lib.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wiresift_fuzz::pcap_reader(data));
