//! Live capture through libpcap (feature `live`, needs libpcap-dev to build).
//!
//! Contract:
//! - [`LiveSource::open`] does all the setup that can fail before the first packet: opening
//!   the interface (with the snapshot length, promiscuous mode and buffer size asked for),
//!   compiling and installing the capture filter, and dropping privileges (`--user`). Each
//!   failure is a [`LiveError`] whose message says what to do (no permission, no such
//!   interface, a filter libpcap rejects and why).
//! - The handle is in immediate mode (each packet is handed over as it arrives). The read
//!   blocks in libpcap; libpcap 1.10 on Linux keeps polling through its read timeout, so a
//!   small watcher thread checks the shared stop flag (SIGINT, SIGTERM) and the
//!   `-a duration` deadline every [`POLL_INTERVAL`] and wakes the read with
//!   `pcap_breakloop` (through the crate's thread-safe `BreakLoop`). `next_frame` then
//!   returns `Ok(None)`, and does so from then on.
//! - Each packet is copied into one reused buffer (no allocation per packet), so a frame can
//!   be lent out the same way file frames are.
//! - Timestamps are microsecond precision, as tshark's and tcpdump's defaults; link types are
//!   translated from libpcap's DLT_ numbers to the LINKTYPE_ numbers files use.
//!
//! All unsafe code is inside the `pcap` and `nix` crates; this module has none.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pcap::{Active, Capture, Device};

use super::{CaptureError, CaptureStats, Frame, FrameSource, LinkType, Timestamp, TsPrecision};

/// How often the stop flag and the deadline are checked while waiting for packets.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// libpcap's largest snapshot length (`MAXIMUM_SNAPLEN`), used for `-s 0` and by default.
pub const MAX_SNAPLEN: u32 = 262_144;

/// What to open and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveOptions {
    /// Interface name, or its number in [`list_interfaces`] (1-based, as `-D` prints it).
    pub interface: String,
    /// Capture filter (BPF syntax).
    pub filter: Option<String>,
    /// Snapshot length (0 = [`MAX_SNAPLEN`]).
    pub snaplen: u32,
    /// Put the interface in promiscuous mode.
    pub promiscuous: bool,
    /// Kernel buffer size in bytes (libpcap's default when `None`).
    pub buffer_bytes: Option<u32>,
    /// Stop after this long (`-a duration:N`).
    pub duration: Option<Duration>,
    /// Drop privileges to this user once the handle is open.
    pub user: Option<String>,
}

/// Why live capture could not start (or list interfaces).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The process may not capture.
    #[error(
        "no permission to capture on {interface}: run as root, or give the program the \
         capabilities it needs with `sudo setcap cap_net_raw,cap_net_admin=eip \
         $(which wiresift)` (libpcap: {detail})"
    )]
    Permission {
        /// The interface.
        interface: String,
        /// libpcap's own words.
        detail: String,
    },
    /// No interface by that name or number.
    #[error("there is no interface \"{0}\" (wiresift -D lists them)")]
    NoSuchInterface(String),
    /// libpcap rejected the capture filter.
    #[error("invalid capture filter \"{filter}\": {reason}")]
    BadFilter {
        /// The filter as given.
        filter: String,
        /// libpcap's reason.
        reason: String,
    },
    /// `--user` failed.
    #[error("cannot drop privileges to user \"{user}\": {reason}")]
    User {
        /// The user name.
        user: String,
        /// What went wrong.
        reason: String,
    },
    /// Any other libpcap failure.
    #[error("cannot capture on {interface}: {detail}")]
    Pcap {
        /// The interface ("" when listing).
        interface: String,
        /// libpcap's description.
        detail: String,
    },
}

/// One line of `-D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceEntry {
    /// 1-based position, usable with `-i`.
    pub number: usize,
    /// Name to give `-i`.
    pub name: String,
    /// libpcap's description, or "Loopback" for a loopback interface without one.
    pub description: Option<String>,
}

impl std::fmt::Display for InterfaceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}. {}", self.number, self.name)?;
        match &self.description {
            Some(d) => write!(f, " ({d})"),
            None => Ok(()),
        }
    }
}

/// The interfaces libpcap can capture on, numbered as `-i` accepts them.
pub fn list_interfaces() -> Result<Vec<InterfaceEntry>, LiveError> {
    let devices = Device::list().map_err(|e| LiveError::Pcap {
        interface: String::new(),
        detail: pcap_detail(&e),
    })?;
    Ok(devices
        .into_iter()
        .enumerate()
        .map(|(i, d)| InterfaceEntry {
            number: i + 1,
            description: d
                .desc
                .clone()
                .or_else(|| d.flags.is_loopback().then(|| "Loopback".to_string())),
            name: d.name,
        })
        .collect())
}

/// Turns `-i` into an interface name: a known name as is, a number through [`list_interfaces`].
pub fn resolve_interface(spec: &str) -> Result<String, LiveError> {
    let Ok(number) = spec.parse::<usize>() else {
        return Ok(spec.to_string());
    };
    let list = list_interfaces()?;
    if list.iter().any(|e| e.name == spec) {
        return Ok(spec.to_string());
    }
    list.into_iter()
        .find(|e| e.number == number)
        .map(|e| e.name)
        .ok_or_else(|| LiveError::NoSuchInterface(spec.to_string()))
}

/// A live capture on one interface.
pub struct LiveSource {
    cap: Capture<Active>,
    name: String,
    link_type: LinkType,
    snaplen: u32,
    stop: Arc<AtomicBool>,
    deadline: Option<Instant>,
    /// The current packet, copied out of libpcap's ring.
    buf: Vec<u8>,
    /// Set after a read error or a stop: every later call yields `Ok(None)`.
    finished: bool,
    /// Tells the watcher thread to exit when the source goes away.
    watcher_done: Arc<AtomicBool>,
}

impl LiveSource {
    /// Opens the interface, installs the filter and drops privileges; see the module docs.
    /// `stop` is polled between packets; setting it ends the capture.
    pub fn open(opts: &LiveOptions, stop: Arc<AtomicBool>) -> Result<LiveSource, LiveError> {
        let name = resolve_interface(&opts.interface)?;
        let snaplen = if opts.snaplen == 0 {
            MAX_SNAPLEN
        } else {
            opts.snaplen
        };
        let pcap_err = |e: pcap::Error| classify_open_error(&name, &e);
        let mut inactive = Capture::from_device(name.as_str())
            .map_err(pcap_err)?
            .snaplen(i32::try_from(snaplen).unwrap_or(i32::MAX))
            .promisc(opts.promiscuous)
            .immediate_mode(true)
            .timeout(i32::try_from(POLL_INTERVAL.as_millis()).unwrap_or(100));
        if let Some(bytes) = opts.buffer_bytes {
            inactive = inactive.buffer_size(i32::try_from(bytes).unwrap_or(i32::MAX));
        }
        let mut cap = inactive.open().map_err(pcap_err)?;
        if let Some(filter) = &opts.filter {
            cap.filter(filter, true).map_err(|e| LiveError::BadFilter {
                filter: filter.clone(),
                reason: pcap_detail(&e),
            })?;
        }
        if let Some(user) = &opts.user {
            drop_privileges(user)?;
        }
        let link_type = from_dlt(cap.get_datalink().0);
        let deadline = opts.duration.map(|d| Instant::now() + d);
        let watcher_done = Arc::new(AtomicBool::new(false));
        let breaker = cap.breakloop_handle();
        let (watch_stop, done) = (Arc::clone(&stop), Arc::clone(&watcher_done));
        thread::Builder::new()
            .name("wiresift-stop".into())
            .spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let expired = deadline.is_some_and(|d| Instant::now() >= d);
                    if expired || watch_stop.load(Ordering::Relaxed) {
                        breaker.breakloop();
                        return;
                    }
                    thread::sleep(POLL_INTERVAL);
                }
            })
            .map_err(|e| LiveError::Pcap {
                interface: name.clone(),
                detail: format!("cannot start the stop watcher: {e}"),
            })?;
        Ok(LiveSource {
            cap,
            name,
            link_type,
            snaplen,
            stop,
            deadline,
            buf: Vec::with_capacity(snaplen.min(65_536) as usize),
            finished: false,
            watcher_done,
        })
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

impl FrameSource for LiveSource {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let (ts, orig_len) = loop {
            if self.finished || self.should_stop() {
                self.finished = true;
                return Ok(None);
            }
            match self.cap.next_packet() {
                // `time_t` and `suseconds_t` are not i64 on every platform.
                #[allow(clippy::useless_conversion)]
                Ok(packet) => {
                    self.buf.clear();
                    self.buf.extend_from_slice(packet.data);
                    let ts = packet.header.ts;
                    let nanos = i64::from(ts.tv_usec).clamp(0, 999_999) * 1_000;
                    break (
                        Timestamp {
                            secs: i64::from(ts.tv_sec),
                            nanos: nanos as u32,
                        },
                        packet.header.len,
                    );
                }
                Err(pcap::Error::TimeoutExpired) => continue,
                // What a read woken by `pcap_breakloop` returns.
                Err(pcap::Error::NoMorePackets) => {
                    self.finished = true;
                    return Ok(None);
                }
                Err(e) => {
                    self.finished = true;
                    return Err(CaptureError::Live {
                        name: self.name.clone(),
                        message: pcap_detail(&e),
                    });
                }
            }
        };
        Ok(Some(Frame {
            ts,
            orig_len,
            link_type: self.link_type,
            interface_id: None,
            interface_name: None,
            precision: TsPrecision::Micro,
            data: &self.buf,
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn link_type(&self) -> Option<LinkType> {
        Some(self.link_type)
    }

    fn snaplen(&self) -> u32 {
        self.snaplen
    }

    fn stats(&mut self) -> Option<CaptureStats> {
        let s = self.cap.stats().ok()?;
        Some(CaptureStats {
            received: u64::from(s.received),
            dropped_by_kernel: u64::from(s.dropped),
            dropped_by_interface: u64::from(s.if_dropped),
        })
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.watcher_done.store(true, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for LiveSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSource")
            .field("name", &self.name)
            .field("link_type", &self.link_type)
            .field("snaplen", &self.snaplen)
            .finish_non_exhaustive()
    }
}

/// Switches to `user`'s uid, gid and supplementary groups, as tcpdump's `-Z` does.
fn drop_privileges(user: &str) -> Result<(), LiveError> {
    use nix::unistd::{User, setgid, setuid};
    let fail = |reason: String| LiveError::User {
        user: user.to_string(),
        reason,
    };
    let entry = User::from_name(user)
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail("no such user".to_string()))?;
    #[cfg(not(any(target_os = "macos", target_os = "ios", target_os = "redox")))]
    {
        let c_name = std::ffi::CString::new(user).map_err(|e| fail(e.to_string()))?;
        nix::unistd::initgroups(&c_name, entry.gid)
            .map_err(|e| fail(format!("initgroups: {e}")))?;
    }
    setgid(entry.gid).map_err(|e| fail(format!("setgid: {e}")))?;
    setuid(entry.uid).map_err(|e| fail(format!("setuid: {e}")))?;
    Ok(())
}

/// libpcap's message without the crate's "libpcap error: " prefix.
fn pcap_detail(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(msg) => msg.clone(),
        other => other.to_string(),
    }
}

/// Sorts an error from opening the interface into what the user can act on.
fn classify_open_error(interface: &str, e: &pcap::Error) -> LiveError {
    let detail = pcap_detail(e);
    let lower = detail.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        LiveError::Permission {
            interface: interface.to_string(),
            detail,
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        LiveError::NoSuchInterface(interface.to_string())
    } else {
        LiveError::Pcap {
            interface: interface.to_string(),
            detail,
        }
    }
}

/// libpcap's DLT_ value of an open handle as the LINKTYPE_ value files carry. They are the
/// same number except for a few historical DLTs; the one that occurs on common systems is
/// DLT_RAW (12, or 14 on OpenBSD), which is LINKTYPE_RAW (101).
fn from_dlt(dlt: i32) -> LinkType {
    const DLT_RAW: i32 = if cfg!(target_os = "openbsd") { 14 } else { 12 };
    match dlt {
        DLT_RAW => LinkType::RAW,
        other => LinkType(u32::try_from(other).unwrap_or(u32::MAX - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlt_raw_becomes_linktype_raw() {
        assert_eq!(from_dlt(1), LinkType::ETHERNET);
        assert_eq!(from_dlt(113), LinkType::LINUX_SLL);
        assert_eq!(from_dlt(276), LinkType::LINUX_SLL2);
        if !cfg!(target_os = "openbsd") {
            assert_eq!(from_dlt(12), LinkType::RAW);
        }
    }

    #[test]
    fn open_errors_are_sorted() {
        let perm = pcap::Error::PcapError(
            "lo: You don't have permission to perform this capture on that device \
             (socket: Operation not permitted)"
                .into(),
        );
        let err = classify_open_error("lo", &perm);
        assert!(matches!(err, LiveError::Permission { .. }));
        assert!(
            err.to_string()
                .contains("setcap cap_net_raw,cap_net_admin=eip")
        );
        let missing = pcap::Error::PcapError("nosuch0: No such device exists".into());
        assert!(matches!(
            classify_open_error("nosuch0", &missing),
            LiveError::NoSuchInterface(_)
        ));
    }

    #[test]
    fn entries_print_like_tshark() {
        let e = InterfaceEntry {
            number: 3,
            name: "lo".into(),
            description: Some("Loopback".into()),
        };
        assert_eq!(e.to_string(), "3. lo (Loopback)");
        let e = InterfaceEntry {
            number: 1,
            name: "eth0".into(),
            description: None,
        };
        assert_eq!(e.to_string(), "1. eth0");
    }
}
