//! wiresift: a packet inspector and protocol decoder for the terminal.
//!
//! The pipeline is: a capture source ([`capture`]) yields frames; the dissectors ([`dissect`])
//! walk their layers into a borrowed [`dissect::Dissection`]; stateful trackers ([`track`])
//! add what needs memory across frames (TCP streams, TFTP transfers); the field registry
//! ([`fields`]) names every value, and the filter engine and every output format read it.
#![forbid(unsafe_code)]

pub mod capture;
pub mod resolve;
