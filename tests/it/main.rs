//! Integration tests.

mod apps;
