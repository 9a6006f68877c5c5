//! Name resolution: turning raw addresses into the names tshark prints.
//!
//! [`oui`] holds the MAC side: IEEE vendor names (MA-L, MA-M and MA-S registries) and the
//! well-known addresses of tshark's `wka` file, from a table built into the binary (no file
//! is read at run time). The two entry points are re-exported here:
//! [`vendor`] gives the short vendor name of a MAC's block, and [`write_resolved_mac`]
//! writes a MAC the way tshark 4.0.17 shows it with name resolution on
//! (`VMware_aa:bb:01`, `Broadcast`, `IPv6mcast_01:00:03`).

pub mod oui;

pub use oui::{vendor, write_resolved_mac};
