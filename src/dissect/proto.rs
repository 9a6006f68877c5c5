//! The protocols wiresift knows by name, and their facts in one table.
//!
//! Contract: each protocol is one row of the `protocols!` table below: its filter name (also the
//! JSON layer key and `frame.protocols` entry), its long name (`-G protocols`, the tree),
//! its Protocol-column text when it is the highest layer read (empty: the layer below keeps
//! the column), and how deep dissection must go for a layer of it to be seen wherever it
//! occurs ([`Depth`]). IP headers also occur quoted inside ICMP errors (and tunnelled), so
//! `ip`/`ipv6` need the [`Depth::Tunnel`] layers, though not TCP or UDP; ARP stops at the
//! network layer. Nothing else lists the protocols.

use super::Depth;

/// Declares [`Proto`], [`Proto::ALL`] and the fact accessors from one row per protocol:
/// `Variant => "name", "long name", "column", Depth;`.
macro_rules! protocols {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $long:literal, $column:literal, $depth:ident; )*) => {
        /// A protocol wiresift knows by name: what the filter's bare protocol test and the
        /// JSON layer keys use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Proto {
            $( $(#[$doc])* $variant, )*
        }

        impl Proto {
            /// Every protocol, in a fixed order (for `-G protocols`).
            pub const ALL: &'static [Proto] = &[$(Proto::$variant),*];

            /// The filter name (`ip`, `tcp`, `ipv6.hopopts`), also the JSON layer key.
            pub fn name(self) -> &'static str {
                match self { $(Proto::$variant => $name,)* }
            }

            /// The long name shown in `-G protocols` and the tree.
            pub fn long_name(self) -> &'static str {
                match self { $(Proto::$variant => $long,)* }
            }

            /// What the Protocol column says for a layer that is the highest one read.
            pub fn column_name(self) -> &'static str {
                match self { $(Proto::$variant => $column,)* }
            }

            /// How deep dissection must go for a layer of this protocol to be seen
            /// wherever it occurs.
            pub fn depth(self) -> Depth {
                match self { $(Proto::$variant => Depth::$depth,)* }
            }
        }
    };
}

protocols! {
    /// The frame pseudo-layer (always first).
    Frame => "frame", "Frame", "", Link;
    /// Ethernet II / 802.3.
    Eth => "eth", "Ethernet", "Ethernet", Link;
    /// 802.1Q VLAN tag.
    Vlan => "vlan", "802.1Q Virtual LAN", "802.1Q", Link;
    /// 802.1ad (QinQ service) tag.
    Ieee8021ad => "ieee8021ad", "IEEE 802.1ad", "802.1ad", Link;
    /// 802.2 LLC (an 802.3 length frame).
    Llc => "llc", "Logical-Link Control", "LLC", Link;
    /// Linux cooked capture (v1 or v2).
    Sll => "sll", "Linux cooked-mode capture", "SLL", Link;
    /// BSD loopback / null.
    Null => "null", "Null/Loopback", "NULL", Link;
    /// Raw IP link layer (no link header).
    Raw => "raw", "Raw packet data", "Raw", Link;
    /// ARP.
    Arp => "arp", "Address Resolution Protocol", "ARP", Network;
    /// IPv4.
    Ip => "ip", "Internet Protocol Version 4", "IPv4", Tunnel;
    /// IPv6.
    Ipv6 => "ipv6", "Internet Protocol Version 6", "IPv6", Tunnel;
    /// IPv6 hop-by-hop options header.
    Ipv6HopOpts => "ipv6.hopopts", "IPv6 Hop-by-Hop Option", "IPv6", Tunnel;
    /// IPv6 routing header.
    Ipv6Routing => "ipv6.routing", "Routing Header for IPv6", "IPv6", Tunnel;
    /// IPv6 fragment header.
    Ipv6Frag => "ipv6.fraghdr", "Fragment Header for IPv6", "IPv6", Tunnel;
    /// IPv6 destination options header.
    Ipv6DstOpts => "ipv6.dstopts", "Destination Options for IPv6", "IPv6", Tunnel;
    /// ICMP.
    Icmp => "icmp", "Internet Control Message Protocol", "ICMP", Datagram;
    /// ICMPv6.
    Icmpv6 => "icmpv6", "Internet Control Message Protocol v6", "ICMPv6", Datagram;
    /// IGMP.
    Igmp => "igmp", "Internet Group Management Protocol", "IGMP", Datagram;
    /// TCP.
    Tcp => "tcp", "Transmission Control Protocol", "TCP", Transport;
    /// UDP.
    Udp => "udp", "User Datagram Protocol", "UDP", Datagram;
    /// TFTP.
    Tftp => "tftp", "Trivial File Transfer Protocol", "TFTP", All;
    /// DNS.
    Dns => "dns", "Domain Name System", "DNS", All;
    /// Multicast DNS (same format and fields as DNS).
    Mdns => "mdns", "Multicast Domain Name System", "MDNS", All;
    /// HTTP.
    Http => "http", "Hypertext Transfer Protocol", "HTTP", All;
    /// SSDP (HTTP-style messages over UDP; `http.*` fields).
    Ssdp => "ssdp", "Simple Service Discovery Protocol", "SSDP", All;
    // Bodies carried by HTTP do not take over the Protocol column.
    /// A body shown as lines of text.
    DataTextLines => "data-text-lines", "Line-based text data", "", All;
    /// A body of a media type with no dissector.
    Media => "media", "Media Type", "", All;
    /// An HTML form body.
    UrlencodedForm => "urlencoded-form", "HTML Form URL Encoded", "", All;
    /// A JSON body.
    Json => "json", "JavaScript Object Notation", "", All;
    /// An XML body.
    Xml => "xml", "eXtensible Markup Language", "", All;
    /// SSH.
    Ssh => "ssh", "SSH Protocol", "SSH", All;
    /// NTP.
    Ntp => "ntp", "Network Time Protocol", "NTP", All;
    /// BOOTP / DHCP.
    Dhcp => "dhcp", "Dynamic Host Configuration Protocol", "DHCP", All;
    /// Teredo (IPv6 over UDP).
    Teredo => "teredo", "Teredo IPv6 over UDP tunneling", "", All;
    /// Undissected payload.
    Data => "data", "Data", "", All;
}

impl Proto {
    /// The name this layer adds to `frame.protocols` (tshark inserts the `ethertype`
    /// pseudo-protocol after every layer that dispatches on an EtherType).
    pub fn protocols_entry(self) -> &'static str {
        match self {
            Proto::Eth => "eth:ethertype",
            Proto::Vlan => "vlan:ethertype",
            Proto::Ieee8021ad => "ieee8021ad:ethertype",
            Proto::Sll => "sll:ethertype",
            other => other.name(),
        }
    }

    /// True when whether a layer of this protocol appears depends on the TCP analysis: a
    /// retransmitted payload reaches no dissector, and an HTTP message spanning segments
    /// shows on the segment that completes it (`crate::track::pdu`).
    pub fn needs_tcp_analysis(self) -> bool {
        matches!(
            self,
            Proto::Http
                | Proto::DataTextLines
                | Proto::Media
                | Proto::UrlencodedForm
                | Proto::Json
                | Proto::Xml
                | Proto::Ssh
                | Proto::Data
        )
    }

    /// The protocol whose fields this layer carries: tshark registers the fields of some
    /// protocols under another one (mDNS layers have `dns.*` fields).
    pub fn field_family(self) -> Proto {
        match self {
            Proto::Mdns => Proto::Dns,
            Proto::Ssdp => Proto::Http,
            other => other,
        }
    }
}

/// A set of protocols (`-O`: the layers the detail tree expands), one bit per [`Proto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoSet(u64);

// One bit per protocol must fit the set's word.
const _: () = assert!(Proto::ALL.len() <= 64);

impl ProtoSet {
    /// Every protocol.
    pub const ALL: ProtoSet = ProtoSet(u64::MAX);

    /// True when `p` is in the set.
    pub fn contains(self, p: Proto) -> bool {
        self.0 & (1 << p as u32) != 0
    }

    /// The set of a comma-separated list of protocol names (`tcp,ip`); a name also takes
    /// the protocols named under it (`ipv6` takes `ipv6.hopopts`: tshark draws those inside
    /// the IPv6 tree).
    ///
    /// # Errors
    /// A name wiresift has no dissector for, with the list of known names.
    pub fn parse(list: &str) -> Result<ProtoSet, String> {
        let mut set = ProtoSet(0);
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.to_ascii_lowercase();
            let mut found = false;
            for &p in Proto::ALL {
                let under = p
                    .name()
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
                if under {
                    set.0 |= 1 << p as u32;
                    found = true;
                }
            }
            if !found {
                let known: Vec<&str> = Proto::ALL.iter().map(|p| p.name()).collect();
                return Err(format!(
                    "-O: wiresift has no protocol named \"{name}\" (known: {})",
                    known.join(", ")
                ));
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_sets_parse_names_and_take_sub_protocols() {
        let set = ProtoSet::parse("TCP, ipv6").unwrap();
        assert!(set.contains(Proto::Tcp) && set.contains(Proto::Ipv6));
        assert!(set.contains(Proto::Ipv6Frag) && !set.contains(Proto::Ip));
        assert!(ProtoSet::ALL.contains(Proto::Data));
        // "ip" is not a prefix of "ipv6" here: only whole dotted names count.
        assert!(!ProtoSet::parse("ip").unwrap().contains(Proto::Ipv6));
        let err = ProtoSet::parse("tcp,tls9").unwrap_err();
        assert!(
            err.contains("\"tls9\"") && err.contains("known: frame"),
            "{err}"
        );
    }
}
