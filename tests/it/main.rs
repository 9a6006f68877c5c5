//! wiresift's integration tests: one test binary (faster links), one module per area.

mod cli;
mod dissect;
mod fuzz_smoke;
mod golden;
mod hostile;
mod regression;
mod support;
