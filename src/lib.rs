//! wiresift: a packet inspector and protocol decoder for the terminal.
//!
//! The pipeline is: a capture source ([`capture`]) yields frames; the dissectors ([`dissect`])
//! walk their layers into a borrowed [`dissect::Dissection`]; stateful trackers ([`track`])
//! add what needs memory across frames (TCP streams, TFTP transfers); the field registry
//! ([`fields`]) names every value, and the filter engine ([`filter`]) and every output format
//! ([`output`]) read it. [`engine`] runs a capture through them: one frame step that the
//! sequential, block-parallel and tracked-pipeline drivers share. [`cli`] turns arguments
//! into the engine's configuration and its results into exit codes. `docs/ARCHITECTURE.md`
//! has the data flow and where each concern lives.
#![forbid(unsafe_code)]

pub mod capture;
pub mod cli;
pub mod dissect;
pub mod engine;
pub mod fields;
pub mod filter;
pub mod output;
pub mod resolve;
pub mod stats;
pub mod track;
pub mod value;
