//! wiresift's integration tests: one test binary (faster links), one module per area.

mod apps;
mod cli;
mod compressed;
mod dissect;
mod engines;
mod filter;
mod fuzz_smoke;
mod golden;
mod hostile;
mod live;
mod parallel;
mod parquet;
mod pcapw;
mod pipeline;
mod regression;
mod stats;
mod support;
mod tcpdump_corpus;
mod track_tcp;
mod track_tftp;
mod write;
