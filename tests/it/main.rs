//! wiresift's integration tests: one test binary (faster links), one module per area.

mod apps;
mod cli;
mod filter;
mod golden;
mod live;
mod pcapw;
mod stats;
mod support;
mod track_tcp;
mod track_tftp;
mod write;
