//! RFC 793 / RFC 9293 endpoint states as a passive observer infers them.
//!
//! A capture shows segments *between* two endpoints, never their internal state, so both states
//! are inferred. The rules, chosen so that every step is a row of RFC 793's state diagram:
//!
//! * A segment changes its **sender**'s state at once (the sender did send it).
//! * Receiving an ACK or a RST is assumed to happen at the segment (nothing visible follows
//!   from it). Receiving a **SYN or a FIN** is recorded only once it is proven: when the
//!   receiver acknowledges it, or when a later segment from the same sender is delivered
//!   (segments of one direction arrive in order).
//! * Before the first segment, the side that sends the first SYN is CLOSED and its peer is
//!   LISTEN, both *assumed*; when no SYN is seen both are ESTABLISHED (assumed).
//!
//! [`TRANSITIONS`] is the whole machine: one row per (state, event) pair, checked by a test
//! per row. Events that change nothing (a retransmitted SYN or FIN, an ACK in ESTABLISHED)
//! are not rows; [`Endpoint::apply`] returns `None` for them.

use std::fmt;

/// One endpoint's state (RFC 793 names, underscore spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection.
    Closed,
    /// Waiting for a SYN.
    Listen,
    /// SYN sent, waiting for the peer's SYN.
    SynSent,
    /// Peer's SYN received (and ours sent), waiting for the ACK of ours.
    SynReceived,
    /// Both SYNs acknowledged: data transfer.
    Established,
    /// FIN sent first, not yet acknowledged.
    FinWait1,
    /// Our FIN acknowledged, waiting for the peer's FIN.
    FinWait2,
    /// Peer's FIN received; we have not closed yet.
    CloseWait,
    /// Both FINs crossed: ours not yet acknowledged, the peer's received.
    Closing,
    /// We closed after the peer; waiting for the ACK of our FIN.
    LastAck,
    /// Both FINs acknowledged; waiting 2×MSL.
    TimeWait,
}

impl State {
    /// The name printed in reports (`SYN_SENT`, `FIN_WAIT_1`, ...).
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN_SENT",
            State::SynReceived => "SYN_RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN_WAIT_1",
            State::FinWait2 => "FIN_WAIT_2",
            State::CloseWait => "CLOSE_WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST_ACK",
            State::TimeWait => "TIME_WAIT",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happens to one endpoint, as the observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// The endpoint sends a SYN without ACK (active open).
    SndSyn,
    /// The endpoint sends a SYN+ACK: proof that it received the peer's SYN.
    SndSynAck,
    /// The endpoint is proven to have received the peer's SYN without ACK (simultaneous open).
    RcvSyn,
    /// The endpoint receives an acknowledgement of its SYN (a SYN+ACK or a plain ACK),
    /// with the peer's SYN already received (or carried by this segment).
    RcvAckOfSyn,
    /// The endpoint is proven to have received the peer's SYN, its own SYN being acked
    /// already (the final ACK of the handshake, from the active side).
    RcvSynAfterAck,
    /// The endpoint sends a FIN.
    SndFin,
    /// The endpoint is proven to have received the peer's FIN.
    RcvFin,
    /// The endpoint receives the acknowledgement of its FIN.
    RcvAckOfFin,
    /// The endpoint sends a RST.
    SndRst,
    /// The endpoint receives a RST.
    RcvRst,
}

impl Event {
    /// Short text for traces (`snd FIN`, `rcv ACK of FIN`).
    pub fn label(self) -> &'static str {
        match self {
            Event::SndSyn => "snd SYN",
            Event::SndSynAck => "snd SYN+ACK",
            Event::RcvSyn => "rcv SYN",
            Event::RcvAckOfSyn => "rcv ACK of SYN",
            Event::RcvSynAfterAck => "rcv SYN (ACKed)",
            Event::SndFin => "snd FIN",
            Event::RcvFin => "rcv FIN",
            Event::RcvAckOfFin => "rcv ACK of FIN",
            Event::SndRst => "snd RST",
            Event::RcvRst => "rcv RST",
        }
    }
}

use Event as E;
use State as S;

/// Every transition: (from, event, to). A reader can hold this against RFC 793 figure 6
/// (RFC 9293 figure 5); the observer-only rows say why in a comment.
pub const TRANSITIONS: &[(State, Event, State)] = &[
    // Opening.
    (S::Closed, E::SndSyn, S::SynSent), // active OPEN / snd SYN
    (S::Listen, E::SndSyn, S::SynSent), // SEND / snd SYN
    (S::Listen, E::SndSynAck, S::SynReceived), // rcv SYN / snd SYN,ACK
    (S::SynSent, E::RcvSyn, S::SynReceived), // rcv SYN / snd ACK (simultaneous open)
    (S::SynSent, E::SndSynAck, S::SynReceived), // simultaneous open, seen from its SYN,ACK
    (S::SynSent, E::RcvSynAfterAck, S::Established), // rcv SYN,ACK / snd ACK
    (S::SynReceived, E::RcvAckOfSyn, S::Established), // rcv ACK of SYN
    // Closing.
    (S::SynReceived, E::SndFin, S::FinWait1), // CLOSE / snd FIN
    (S::Established, E::SndFin, S::FinWait1), // CLOSE / snd FIN
    (S::Established, E::RcvFin, S::CloseWait), // rcv FIN / snd ACK
    (S::FinWait1, E::RcvAckOfFin, S::FinWait2), // rcv ACK of FIN
    (S::FinWait1, E::RcvFin, S::Closing),     // rcv FIN / snd ACK
    (S::FinWait2, E::RcvFin, S::TimeWait),    // rcv FIN / snd ACK
    (S::Closing, E::RcvAckOfFin, S::TimeWait), // rcv ACK of FIN
    (S::CloseWait, E::SndFin, S::LastAck),    // CLOSE / snd FIN
    (S::LastAck, E::RcvAckOfFin, S::Closed),  // rcv ACK of FIN
    // Reset: RFC 793 "any state except LISTEN/CLOSED: rcv RST -> CLOSED"; the sender of a RST
    // aborts. A RST sent from an assumed LISTEN answers a SYN on a closed port.
    (S::SynSent, E::RcvRst, S::Closed),
    (S::SynReceived, E::RcvRst, S::Closed),
    (S::Established, E::RcvRst, S::Closed),
    (S::FinWait1, E::RcvRst, S::Closed),
    (S::FinWait2, E::RcvRst, S::Closed),
    (S::CloseWait, E::RcvRst, S::Closed),
    (S::Closing, E::RcvRst, S::Closed),
    (S::LastAck, E::RcvRst, S::Closed),
    (S::TimeWait, E::RcvRst, S::Closed),
    (S::Listen, E::SndRst, S::Closed),
    (S::SynSent, E::SndRst, S::Closed),
    (S::SynReceived, E::SndRst, S::Closed),
    (S::Established, E::SndRst, S::Closed),
    (S::FinWait1, E::SndRst, S::Closed),
    (S::FinWait2, E::SndRst, S::Closed),
    (S::CloseWait, E::SndRst, S::Closed),
    (S::Closing, E::SndRst, S::Closed),
    (S::LastAck, E::SndRst, S::Closed),
    (S::TimeWait, E::SndRst, S::Closed),
];

/// Looks a transition up.
pub fn next(from: State, event: Event) -> Option<State> {
    TRANSITIONS
        .iter()
        .find(|(f, e, _)| *f == from && *e == event)
        .map(|(_, _, to)| *to)
}

/// One endpoint: its state and whether that state is only assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// Current state.
    pub state: State,
    /// The state was assumed at the start, never observed to change.
    pub assumed: bool,
}

impl Endpoint {
    /// An endpoint in an assumed initial state.
    pub fn assumed(state: State) -> Endpoint {
        Endpoint {
            state,
            assumed: true,
        }
    }

    /// Applies an event; returns the (from, to) pair when the state changed.
    pub fn apply(&mut self, event: Event) -> Option<(State, State)> {
        let to = next(self.state, event)?;
        let from = self.state;
        self.state = to;
        self.assumed = false;
        Some((from, to))
    }

    /// The state for a report: `ESTABLISHED (assumed)` while never observed.
    pub fn describe(&self) -> String {
        if self.assumed {
            format!("{} (assumed)", self.state)
        } else {
            self.state.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(from: State, event: Event, to: State) {
        let mut e = Endpoint::assumed(from);
        assert_eq!(e.apply(event), Some((from, to)), "{from} --{event:?}-->");
        assert_eq!(e.state, to);
        assert!(!e.assumed);
    }

    #[test]
    fn active_open() {
        check(S::Closed, E::SndSyn, S::SynSent);
    }
    #[test]
    fn listen_send() {
        check(S::Listen, E::SndSyn, S::SynSent);
    }
    #[test]
    fn passive_open() {
        check(S::Listen, E::SndSynAck, S::SynReceived);
    }
    #[test]
    fn simultaneous_open_receive() {
        check(S::SynSent, E::RcvSyn, S::SynReceived);
    }
    #[test]
    fn simultaneous_open_synack() {
        check(S::SynSent, E::SndSynAck, S::SynReceived);
    }
    #[test]
    fn active_side_established() {
        check(S::SynSent, E::RcvSynAfterAck, S::Established);
    }
    #[test]
    fn passive_side_established() {
        check(S::SynReceived, E::RcvAckOfSyn, S::Established);
    }
    #[test]
    fn close_from_syn_received() {
        check(S::SynReceived, E::SndFin, S::FinWait1);
    }
    #[test]
    fn active_close() {
        check(S::Established, E::SndFin, S::FinWait1);
    }
    #[test]
    fn passive_close() {
        check(S::Established, E::RcvFin, S::CloseWait);
    }
    #[test]
    fn fin_acked() {
        check(S::FinWait1, E::RcvAckOfFin, S::FinWait2);
    }
    #[test]
    fn simultaneous_close() {
        check(S::FinWait1, E::RcvFin, S::Closing);
    }
    #[test]
    fn fin_wait_2_to_time_wait() {
        check(S::FinWait2, E::RcvFin, S::TimeWait);
    }
    #[test]
    fn closing_to_time_wait() {
        check(S::Closing, E::RcvAckOfFin, S::TimeWait);
    }
    #[test]
    fn close_after_peer() {
        check(S::CloseWait, E::SndFin, S::LastAck);
    }
    #[test]
    fn last_ack_closed() {
        check(S::LastAck, E::RcvAckOfFin, S::Closed);
    }
    #[test]
    fn reset_from_every_state() {
        for (from, ev, to) in TRANSITIONS
            .iter()
            .filter(|(_, e, _)| matches!(e, E::SndRst | E::RcvRst))
        {
            assert_eq!(*to, S::Closed);
            check(*from, *ev, *to);
        }
        // A listening socket ignores a RST; a closed one has nothing to reset.
        assert_eq!(next(S::Listen, E::RcvRst), None);
        assert_eq!(next(S::Closed, E::RcvRst), None);
        assert_eq!(next(S::Closed, E::SndRst), None);
    }
    #[test]
    fn every_row_is_unique_and_tested() {
        for (i, (f, e, _)) in TRANSITIONS.iter().enumerate() {
            assert!(
                !TRANSITIONS[..i]
                    .iter()
                    .any(|(f2, e2, _)| f2 == f && e2 == e),
                "duplicate row {f} {e:?}"
            );
        }
        // 16 named tests above + the RST rows (19).
        assert_eq!(TRANSITIONS.len(), 16 + 19);
    }
    #[test]
    fn repeated_events_change_nothing() {
        let mut e = Endpoint::assumed(S::SynSent);
        assert_eq!(e.apply(E::SndSyn), None, "retransmitted SYN");
        let mut e = Endpoint::assumed(S::FinWait1);
        assert_eq!(e.apply(E::SndFin), None, "retransmitted FIN");
        assert!(e.assumed);
        assert_eq!(e.describe(), "FIN_WAIT_1 (assumed)");
    }
}
