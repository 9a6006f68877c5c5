//! Integration tests.
mod pcapw;
mod stats;
mod track_tcp;
mod track_tftp;
