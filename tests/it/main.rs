//! wiresift's integration tests: one test binary (faster links), one module per area.

mod cli;
mod golden;
mod live;
mod support;
mod write;
