#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rayc::fuzz::load(data));
