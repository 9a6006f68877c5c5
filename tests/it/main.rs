//! Integration tests.

mod live;
mod write;
