//! The VPN probes (`probe::vpn`) against real servers: OpenVPN 2.6 over UDP and TCP with and
//! without `tls-auth`/`tls-crypt`, pptpd in a namespace of the test's own (it can only use port
//! 1723), and xl2tpd on loopback (tests/harness/vpn.rs).

mod harness;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use edgeaudit::observation::{Transport, VpnProbeResult};
use edgeaudit::probe::vpn::openvpn::{self, SILENCE_NOTE};
use edgeaudit::probe::vpn::udp::Retries;
use edgeaudit::probe::vpn::{l2tp, pptp};
use edgeaudit::probe::{ConnectionBudget, HostContext, ProbeConfig};
use harness::netns::Namespace;
use harness::vpn::{
    in_namespace, openvpn as openvpn_server, pptpd, xl2tpd, OpenVpnHmac, OpenVpnProto,
    XL2TPD_HOST_NAME,
};
use tokio::sync::Semaphore;
use tokio::time::Instant;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A scan's context for one address: 10 s overall, small budget.
fn context(address: IpAddr, budget: usize) -> HostContext {
    HostContext {
        address,
        hostname: None,
        config: ProbeConfig::default(),
        global_slots: Arc::new(Semaphore::new(8)),
        host_slots: Arc::new(Semaphore::new(2)),
        budget: Arc::new(ConnectionBudget::new(budget)),
        deadline: Instant::now() + Duration::from_secs(10),
        on_port_done: Arc::new(|| {}),
    }
}

fn quick() -> Retries {
    Retries {
        attempts: 2,
        per_attempt: Duration::from_millis(700),
    }
}

#[test]
fn openvpn_udp_without_hmac_answers_with_a_server_reset() {
    let server = openvpn_server(OpenVpnProto::Udp, OpenVpnHmac::None);
    let obs = rt().block_on(openvpn::audit_openvpn_udp(
        server.addr(),
        Instant::now() + Duration::from_secs(10),
    ));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.transport, Transport::Udp);
    assert_eq!(obs.result, VpnProbeResult::Answered, "{}", server.log());
    assert_eq!(
        obs.server_opcode.as_deref(),
        Some("P_CONTROL_HARD_RESET_SERVER_V2")
    );
    assert_eq!(obs.server_session_id_present, Some(true));
    assert_eq!(obs.acknowledged_our_session, Some(true));
    assert_eq!(obs.answers_without_hmac, Some(true));
    assert_eq!(obs.attempts, 1);
}

#[test]
fn openvpn_udp_with_tls_auth_or_tls_crypt_is_silent_and_says_why() {
    for hmac in [OpenVpnHmac::TlsAuth, OpenVpnHmac::TlsCrypt] {
        let server = openvpn_server(OpenVpnProto::Udp, hmac);
        let obs = rt().block_on(openvpn::audit_openvpn_udp_with(
            server.addr(),
            Instant::now() + Duration::from_secs(10),
            quick(),
        ));
        eprintln!("{hmac:?}: {}", serde_json::to_string_pretty(&obs).unwrap());
        assert_eq!(obs.result, VpnProbeResult::NoAnswer, "{hmac:?}");
        assert_eq!(obs.attempts, 2);
        assert_eq!(obs.detail.as_deref(), Some(SILENCE_NOTE));
        assert!(SILENCE_NOTE.contains("tls-auth/tls-crypt"));
        assert_eq!(obs.answers_without_hmac, None);
        // The server did see and drop our packet: the silence was its choice.
        let log = server.log();
        assert!(
            log.contains("packet HMAC authentication failed")
                || log.contains("tls-crypt unwrapping failed")
                || log.contains("TLS Error"),
            "{hmac:?}: {log}"
        );
    }
}

#[test]
fn openvpn_tcp_with_and_without_tls_auth() {
    let plain = openvpn_server(OpenVpnProto::Tcp, OpenVpnHmac::None);
    let ctx = context(plain.addr().ip(), 4);
    let obs = rt().block_on(openvpn::audit_openvpn_tcp_in(&ctx, plain.port()));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.transport, Transport::Tcp);
    assert_eq!(obs.result, VpnProbeResult::Answered, "{}", plain.log());
    assert_eq!(
        obs.server_opcode.as_deref(),
        Some("P_CONTROL_HARD_RESET_SERVER_V2")
    );
    assert_eq!(obs.acknowledged_our_session, Some(true));
    assert_eq!(ctx.budget.remaining(), 3);

    let auth = openvpn_server(OpenVpnProto::Tcp, OpenVpnHmac::TlsAuth);
    let obs = rt().block_on(openvpn::audit_openvpn_tcp(
        auth.addr(),
        Instant::now() + Duration::from_secs(4),
    ));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.result, VpnProbeResult::NoAnswer);
    assert_eq!(obs.detail.as_deref(), Some(SILENCE_NOTE));
}

#[test]
fn openvpn_closed_ports_and_an_empty_budget() {
    let port = harness::closed_port();
    let addr = SocketAddr::new(harness::LOOPBACK_V4, port);
    let obs = rt().block_on(openvpn::audit_openvpn_udp_with(
        addr,
        Instant::now() + Duration::from_secs(5),
        quick(),
    ));
    assert_eq!(obs.result, VpnProbeResult::Refused, "{obs:?}");
    let ctx = context(harness::LOOPBACK_V4, 4);
    let obs = rt().block_on(openvpn::audit_openvpn_tcp_in(&ctx, port));
    assert_eq!(obs.result, VpnProbeResult::Refused, "{obs:?}");
    let ctx = context(harness::LOOPBACK_V4, 0);
    let obs = rt().block_on(openvpn::audit_openvpn_tcp_in(&ctx, port));
    assert_eq!(obs.result, VpnProbeResult::NotTested, "{obs:?}");
}

#[test]
fn pptpd_start_control_connection_reply() {
    let ns = Namespace::create("pptp");
    let server = pptpd(&ns);
    let addr = server.addr();
    let (direct, scanned) = in_namespace(&ns, move || {
        let rt = rt();
        let direct = rt.block_on(pptp::audit_pptp(
            addr,
            Instant::now() + Duration::from_secs(10),
        ));
        let ctx = context(addr.ip(), 1);
        let scanned = rt.block_on(pptp::audit_pptp_in(&ctx, addr.port()));
        (direct, scanned)
    });
    eprintln!("{}", serde_json::to_string_pretty(&direct).unwrap());
    for obs in [&direct, &scanned] {
        assert_eq!(obs.result, VpnProbeResult::Answered, "{}", server.log());
        assert_eq!(obs.port, 1723);
        assert_eq!(obs.protocol_version.as_deref(), Some("1.0"));
        assert_eq!(obs.result_code, Some(1));
        assert_eq!(
            obs.result_name.as_deref(),
            Some("successful channel establishment")
        );
        // pptpd 1.4.0's reply (pptpctrl.c): host name "local", vendor "linux", firmware 1,
        // maximum channels 1, no framing or bearer bits.
        assert_eq!(obs.host_name.as_deref(), Some("local"));
        assert_eq!(obs.vendor.as_deref(), Some("linux"));
        assert_eq!(obs.firmware_revision, Some(1));
        assert_eq!(obs.maximum_channels, Some(1));
        assert!(obs.notes.is_empty(), "{:?}", obs.notes);
    }
    drop(server);
    drop(ns);
}

#[test]
fn pptp_refused_and_not_pptp() {
    let port = harness::closed_port();
    let obs = rt().block_on(pptp::audit_pptp(
        SocketAddr::new(harness::LOOPBACK_V4, port),
        Instant::now() + Duration::from_secs(5),
    ));
    assert_eq!(obs.result, VpnProbeResult::Refused);
    let garbage = harness::Lab::garbage();
    let obs = rt().block_on(pptp::audit_pptp(
        garbage.addr(),
        Instant::now() + Duration::from_secs(5),
    ));
    assert_eq!(obs.result, VpnProbeResult::Unrecognised, "{obs:?}");
    let tarpit = harness::Lab::tarpit();
    let started = Instant::now();
    let obs = rt().block_on(pptp::audit_pptp(
        tarpit.addr(),
        Instant::now() + Duration::from_millis(500),
    ));
    assert_eq!(obs.result, VpnProbeResult::NoAnswer, "{obs:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn xl2tpd_answers_sccrq_with_sccrp_and_frees_the_tunnel() {
    let server = xl2tpd();
    let obs = rt().block_on(l2tp::audit_l2tp(
        server.addr(),
        Instant::now() + Duration::from_secs(10),
    ));
    eprintln!("{}", serde_json::to_string_pretty(&obs).unwrap());
    assert_eq!(obs.result, VpnProbeResult::Answered, "{}", server.log());
    assert_eq!(obs.attempts, 1);
    assert_eq!(obs.message_type.as_deref(), Some("SCCRP"));
    assert_eq!(obs.protocol_version.as_deref(), Some("1.0"));
    assert_eq!(obs.host_name.as_deref(), Some(XL2TPD_HOST_NAME));
    assert_eq!(obs.vendor_name.as_deref(), Some("xelerance.com"));
    assert!(obs.firmware_revision.is_some());
    assert!(obs.assigned_tunnel_id.is_some_and(|t| t != 0));
    assert_eq!(obs.challenge_present, Some(false));
    // Our StopCCN reached xl2tpd: it closes the tunnel at once (control_finish) instead of
    // retransmitting its SCCRP until it gives up.
    let end = std::time::Instant::now() + Duration::from_secs(3);
    while !server.log().contains("Connection closed to 127.0.0.1")
        && std::time::Instant::now() < end
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.log().contains("Connection closed to 127.0.0.1"),
        "{}",
        server.log()
    );
}

#[test]
fn l2tp_closed_and_silent_ports() {
    let retries = quick();
    let closed = SocketAddr::new(harness::LOOPBACK_V4, harness::closed_port());
    let obs = rt().block_on(l2tp::audit_l2tp_with(
        closed,
        Instant::now() + Duration::from_secs(5),
        retries,
    ));
    assert_eq!(obs.result, VpnProbeResult::Refused, "{obs:?}");
    let quiet = std::net::UdpSocket::bind((harness::LOOPBACK_V4, 0)).unwrap();
    let obs = rt().block_on(l2tp::audit_l2tp_with(
        quiet.local_addr().unwrap(),
        Instant::now() + Duration::from_secs(5),
        retries,
    ));
    assert_eq!(obs.result, VpnProbeResult::NoAnswer, "{obs:?}");
    assert_eq!(obs.attempts, 2);
}
