//! wiresift: a packet inspector and protocol decoder for the terminal.
//!
//! The pipeline is: a capture source ([`capture`]) yields frames; the dissectors ([`dissect`])
//! walk their layers into a borrowed [`dissect::Dissection`]; stateful trackers ([`track`])
//! add what needs memory across frames (TCP streams, TFTP transfers); the field registry
//! ([`fields`]) names every value, and the filter engine ([`filter`]) and every output format
//! ([`output`]) read it. [`cli`] wires them together.
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
