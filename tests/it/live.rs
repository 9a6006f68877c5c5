//! Live capture on the loopback interface (build with `--features live`).
//!
//! The tests send their own UDP and TCP traffic to 127.0.0.1 only, with std::net, and run
//! the binary on `lo`. Where capturing is not permitted (not root, no CAP_NET_RAW) they print
//! why they were skipped and pass. Without the feature, `-i` and `-D` must explain how to
//! build it.

#[cfg(feature = "live")]
mod with_libpcap {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream, UdpSocket};
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::thread::{self, JoinHandle};
    use std::time::{Duration, Instant};

    use wiresift::capture::{FileReader, LinkType};

    /// Longest any capture here may run before the test gives up on it.
    const LIMIT: Duration = Duration::from_secs(30);

    /// A running `wiresift -i lo ...`, past its "Capturing on" line.
    struct Capture {
        child: Child,
        stderr: JoinHandle<String>,
        stdout: JoinHandle<Vec<u8>>,
    }

    /// Starts a capture; `None` (after printing why) when this machine does not allow it.
    fn start(args: &[&str]) -> Option<Capture> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(["-i", "lo"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wiresift");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        if !first.starts_with("Capturing on 'lo'") {
            let mut rest = String::new();
            stderr.read_to_string(&mut rest).unwrap();
            let status = child.wait().unwrap();
            let message = format!("{first}{rest}");
            if message.contains("no permission") {
                println!(
                    "skipped: live capture is not permitted here: {}",
                    message.trim()
                );
                return None;
            }
            panic!("wiresift {args:?} failed to start ({status}): {message}");
        }
        let mut stdout = child.stdout.take().unwrap();
        Some(Capture {
            child,
            stderr: thread::spawn(move || {
                let mut rest = first;
                stderr.read_to_string(&mut rest).unwrap();
                rest
            }),
            stdout: thread::spawn(move || {
                let mut out = Vec::new();
                stdout.read_to_end(&mut out).unwrap();
                out
            }),
        })
    }

    impl Capture {
        fn signal(&self, name: &str) {
            let status = Command::new("kill")
                .args([&format!("-{name}"), &self.child.id().to_string()])
                .status()
                .expect("run kill");
            assert!(status.success(), "kill -{name}");
        }

        /// Waits for the end (bounded), and returns status, stdout and stderr.
        fn finish(mut self) -> (ExitStatus, String, String) {
            let started = Instant::now();
            let status = loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    break status;
                }
                if started.elapsed() > LIMIT {
                    let _ = self.child.kill();
                    panic!("wiresift did not stop within {LIMIT:?}");
                }
                thread::sleep(Duration::from_millis(20));
            };
            let stdout = String::from_utf8(self.stdout.join().unwrap()).unwrap();
            (status, stdout, self.stderr.join().unwrap())
        }
    }

    /// Bytes as `-T fields` prints them (tshark's style: colon-separated hex).
    fn hex(bytes: &[u8]) -> String {
        let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        pairs.join(":")
    }

    /// Lets the kernel deliver what was just sent before the capture is stopped.
    fn settle() {
        thread::sleep(Duration::from_millis(300));
    }

    #[test]
    fn loopback_udp_and_tcp_with_capture_and_display_filters() {
        let udp_rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let udp_port = udp_rx.local_addr().unwrap().port();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp_port = listener.local_addr().unwrap().port();
        let noise = UdpSocket::bind("127.0.0.1:0").unwrap();
        let noise_port = noise.local_addr().unwrap().port();
        let capture_filter = format!("(udp and dst port {udp_port}) or tcp port {tcp_port}");
        let Some(cap) = start(&[
            "-f",
            &capture_filter,
            "-Y",
            // Packets with a payload: the datagrams and the two TCP data segments, not the
            // handshake, the ACKs or the close.
            "data",
            "-T",
            "fields",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "udp.dstport",
            "-e",
            "udp.payload",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.payload",
            "-a",
            "duration:4",
        ]) else {
            return;
        };
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        // Filtered out by the capture filter: another destination port.
        tx.send_to(b"not for us", ("127.0.0.1", noise_port))
            .unwrap();
        for i in 1..=3 {
            let msg = format!("wiresift-udp-{i}");
            tx.send_to(msg.as_bytes(), ("127.0.0.1", udp_port)).unwrap();
        }
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 9];
            conn.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"hello tcp");
            conn.write_all(b"pong").unwrap();
        });
        let mut client = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
        client.write_all(b"hello tcp").unwrap();
        let mut reply = [0u8; 4];
        client.read_exact(&mut reply).unwrap();
        server.join().unwrap();
        drop(client);
        settle();
        let (status, stdout, stderr) = cap.finish();
        assert!(status.success(), "{status}: {stderr}");
        let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
        let udp: Vec<_> = lines.iter().filter(|l| !l[2].is_empty()).collect();
        assert_eq!(
            udp.len(),
            3,
            "three datagrams, the noise filtered out:\n{stdout}"
        );
        for (i, l) in udp.iter().enumerate() {
            assert_eq!(
                l[..3],
                ["127.0.0.1", "127.0.0.1", &udp_port.to_string()][..]
            );
            assert_eq!(l[3], hex(format!("wiresift-udp-{}", i + 1).as_bytes()));
        }
        let tcp: Vec<_> = lines.iter().filter(|l| !l[5].is_empty()).collect();
        assert_eq!(tcp.len(), 2, "two TCP data segments:\n{stdout}");
        assert_eq!(tcp[0][4], tcp_port.to_string());
        assert_eq!(tcp[0][5], hex(b"hello tcp"));
        assert_eq!(tcp[1][5], hex(b"pong"));
        assert!(stderr.contains(" packets captured, "), "{stderr}");
    }

    #[test]
    fn count_ends_the_capture_by_itself() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = rx.local_addr().unwrap().port();
        let filter = format!("udp and dst port {port}");
        let Some(cap) = start(&[
            "-f",
            &filter,
            "-c",
            "2",
            "-T",
            "fields",
            "-e",
            "udp.dstport",
        ]) else {
            return;
        };
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..3 {
            tx.send_to(b"x", ("127.0.0.1", port)).unwrap();
        }
        let (status, stdout, stderr) = cap.finish();
        assert!(status.success(), "{stderr}");
        assert_eq!(stdout, format!("{port}\n{port}\n"));
        assert!(stderr.contains("2 packets captured, "), "{stderr}");
    }

    fn stops_cleanly_on(signal: &str, datagrams: usize) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = rx.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("live.pcap");
        let filter = format!("udp and dst port {port}");
        let Some(cap) = start(&["-f", &filter, "-w", out.to_str().unwrap()]) else {
            return;
        };
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..datagrams {
            tx.send_to(format!("datagram {i}").as_bytes(), ("127.0.0.1", port))
                .unwrap();
        }
        settle();
        cap.signal(signal);
        let (status, stdout, stderr) = cap.finish();
        assert_eq!(status.code(), Some(0), "clean exit on {signal}: {stderr}");
        assert!(stdout.is_empty(), "-w prints nothing without -P: {stdout}");
        let noun = if datagrams == 1 { "packet" } else { "packets" };
        let stats = stderr
            .lines()
            .find(|l| l.contains("captured"))
            .unwrap_or_else(|| panic!("no statistics line: {stderr}"));
        let prefix = format!("{datagrams} {noun} captured, ");
        assert!(stats.starts_with(&prefix), "{stats}");
        assert!(
            stats.contains(" dropped by kernel, ") && stats.ends_with(" dropped by interface"),
            "{stats}"
        );
        // The file is complete: it reads to a clean end, every datagram in it.
        let mut r = FileReader::open(out.to_str().unwrap()).unwrap();
        assert_eq!(
            r.link_type(),
            Some(LinkType::ETHERNET),
            "lo is DLT_EN10MB on Linux"
        );
        let mut n = 0;
        while let Some(frame) = r.next_frame().expect("complete file") {
            let text = format!("datagram {n}");
            assert!(frame.data.ends_with(text.as_bytes()), "frame {n}");
            n += 1;
        }
        assert_eq!(n, datagrams);
    }

    #[test]
    fn sigint_stops_cleanly_with_statistics_and_a_complete_file() {
        stops_cleanly_on("INT", 2);
    }

    #[test]
    fn sigterm_stops_an_idle_capture() {
        // No packet arrives at all: the stop must not wait for one.
        stops_cleanly_on("TERM", 0);
    }

    #[test]
    fn autostop_duration_ends_an_idle_capture() {
        let started = Instant::now();
        let Some(cap) = start(&[
            "-f",
            "udp and dst port 9 and src port 9",
            "-a",
            "duration:1",
        ]) else {
            return;
        };
        let (status, _, stderr) = cap.finish();
        assert!(status.success(), "{stderr}");
        assert!(stderr.contains("0 packets captured"), "{stderr}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(10),
            "{took:?}"
        );
    }

    #[test]
    fn user_drops_privileges_before_the_file_is_created() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let nobody = Command::new("id").args(["-u", "nobody"]).output();
        let Some(uid) = nobody
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<u32>().ok())
        else {
            println!("skipped: no user \"nobody\" here");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let out = dir.path().join("as-nobody.pcap");
        let Some(cap) = start(&[
            "--user",
            "nobody",
            "-a",
            "duration:0.3",
            "-w",
            out.to_str().unwrap(),
        ]) else {
            return;
        };
        let (status, _, stderr) = cap.finish();
        assert!(status.success(), "{stderr}");
        assert_eq!(
            std::fs::metadata(&out).unwrap().uid(),
            uid,
            "written as nobody"
        );
        FileReader::open(out.to_str().unwrap()).expect("a valid (empty) capture");
    }

    #[test]
    fn bad_capture_filter_is_a_usage_error_before_capture() {
        let run = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(["-i", "lo", "-f", "udp port"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        if stderr.contains("no permission") {
            println!("skipped: live capture is not permitted here");
            return;
        }
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("invalid capture filter \"udp port\""),
            "{stderr}"
        );
        assert!(
            stderr.contains("syntax error"),
            "libpcap's reason: {stderr}"
        );
        assert!(!stderr.contains("Capturing on"), "{stderr}");
    }

    #[test]
    fn list_interfaces_and_unknown_ones() {
        let run = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .arg("-D")
            .output()
            .unwrap();
        assert!(run.status.success());
        let list = String::from_utf8(run.stdout).unwrap();
        let lo = list
            .lines()
            .find(|l| l.split(' ').nth(1) == Some("lo"))
            .unwrap_or_else(|| panic!("no lo in -D:\n{list}"));
        // The number -D prints is accepted by -i, like the name.
        let number = lo.split('.').next().unwrap();
        if let Some(cap) = start(&["-a", "duration:0.2"]) {
            assert!(cap.finish().0.success());
            let by_number = Command::new(env!("CARGO_BIN_EXE_wiresift"))
                .args(["-i", number, "-a", "duration:0.2"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&by_number.stderr);
            assert!(stderr.starts_with("Capturing on 'lo'"), "{stderr}");
        }
        let bad = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(["-i", "no-such-if0"])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(
            stderr.contains("no interface") || stderr.contains("no permission"),
            "{stderr}"
        );
    }
}

#[cfg(not(feature = "live"))]
#[test]
fn without_the_feature_live_options_explain_how_to_build() {
    for args in [&["-i", "lo"][..], &["-D"]] {
        assert_cmd::Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "cargo build --release --features live",
            ))
            .stderr(predicates::str::contains("libpcap-dev"));
    }
}
