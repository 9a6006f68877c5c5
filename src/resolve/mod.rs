//! Name resolution (temporary stub until the OUI table lands).

/// Writes a MAC address (vendor names pending).
pub fn write_resolved_mac(out: &mut String, mac: [u8; 6]) {
    crate::fields::value::write_mac(out, &mac);
}
