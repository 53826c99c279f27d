//! IKEv1: Main Mode message 1 offers and one Aggressive Mode message 1 ([RFC 2409] §5).
//!
//! Main Mode: one proposal with many transforms ([RFC 2408] §4.2: the responder picks exactly
//! one). Step A offers every combination of [`ENCRYPTIONS`], [`HASHES`] and [`GROUPS`] with a
//! pre-shared key, [`BATCH`] transforms per request so a datagram stays under the usual MTU;
//! the chosen transform is removed and the batch offered again until NO_PROPOSAL_CHOSEN, then the
//! next batch. Step B offers what step A found accepted once more with each other
//! authentication method of [`OTHER_AUTH`] (RSA signatures, XAUTH with PSK, XAUTH with RSA),
//! one request per method. Some responders (strongSwan) do not check the authentication method
//! until message 5 and echo the first offered one: a method listed as chosen means "message 2
//! came back naming it", not "a login with it would succeed".
//!
//! Aggressive Mode: one message 1 (SA, KE, Ni, IDii, [RFC 2409] §5.4) with PSK transforms of one
//! group, the group of the first PSK transform Main Mode found (else modp1024). A message 2 in
//! reply means the gateway runs Aggressive Mode with a PSK for an unauthenticated peer; that
//! reply carries HASH_R, which can be attacked offline — edgeaudit records only that it came.

use crate::observation::{IkeAlgorithm, IkeV1Audit, IkeV1Transform};

use super::v2::algorithm;
use super::wire::{
    self, exchange, id_type, notify, payload, v1attr, Attribute, Message, Payload, Proposal, V1Id,
    V1Sa, V1Transform, DOI_IPSEC, PROTO_ISAKMP, SIT_IDENTITY_ONLY, V1_KEY_IKE, VERSION_1,
};
use super::{lookup_vendor_id, record_vendor_id, ExchangeError, Filler, IkeSocket};

/// Most distinct IKEv1 requests one audit sends (each at most [`super::ATTEMPTS`] times).
pub const MAX_REQUESTS: u32 = 24;
/// Transforms per Main Mode offer: 28 transforms of 36–40 bytes keep the datagram near 1.2 KB.
pub const BATCH: usize = 28;
/// Encryption Algorithm and Key Length pairs offered.
pub const ENCRYPTIONS: &[(u16, Option<u16>)] = &[
    (7, Some(256)),
    (7, Some(192)),
    (7, Some(128)),
    (5, None),
    (1, None),
];
/// Hash Algorithms offered: SHA2-384, SHA2-256, SHA, MD5.
pub const HASHES: &[u16] = &[5, 4, 2, 1];
/// Groups offered.
pub const GROUPS: &[u16] = &[14, 15, 19, 20, 5, 2, 1];
/// Authentication Method of step A and of Aggressive Mode.
pub const AUTH_PSK: u16 = 1;
/// Other methods tried in step B: RSA signatures, XAUTHInitPreShared, XAUTHInitRSA.
pub const OTHER_AUTH: &[u16] = &[3, 65001, 65005];
/// Group used for Aggressive Mode when Main Mode found no PSK transform.
pub const AGGRESSIVE_FALLBACK_GROUP: u16 = 2;
/// Life Duration offered (seconds): the common default of IKEv1 gateways.
pub const LIFE_SECONDS: u16 = 28800;
/// Identification sent in Aggressive Mode: an FQDN under .invalid (RFC 2606), so it names no one.
pub const AGGRESSIVE_ID: &[u8] = b"edgeaudit.invalid";
/// Vendor IDs sent with every request, so a responder that only answers in kind shows its
/// support: RFC 3947 NAT-T, DPD ([RFC 3706] §3.2) and XAUTH (draft-beaulieu-ike-xauth-02).
pub const OFFERED_VENDOR_IDS: &[&str] = &[
    "4a131c81070358455c5728f20e95452f",
    "afcad71368a1f1c96b8696fc77570100",
    "09002689dfd6b712",
];

/// One phase 1 transform's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suite {
    pub encryption: u16,
    pub key_length: Option<u16>,
    pub hash: u16,
    pub auth: u16,
    pub group: u16,
}

impl Suite {
    fn transform(&self, number: u8) -> V1Transform {
        let mut a = vec![Attribute::basic(v1attr::ENCRYPTION, self.encryption)];
        if let Some(k) = self.key_length {
            a.push(Attribute::basic(v1attr::KEY_LENGTH, k));
        }
        a.push(Attribute::basic(v1attr::HASH, self.hash));
        a.push(Attribute::basic(v1attr::AUTH_METHOD, self.auth));
        a.push(Attribute::basic(v1attr::GROUP_DESCRIPTION, self.group));
        a.push(Attribute::basic(v1attr::LIFE_TYPE, v1attr::LIFE_SECONDS));
        a.push(Attribute::basic(v1attr::LIFE_DURATION, LIFE_SECONDS));
        V1Transform {
            number,
            id: V1_KEY_IKE,
            attributes: a,
        }
    }

    /// The suite a responder's transform names; `None` when an attribute is missing or too big.
    pub fn of(t: &V1Transform) -> Option<Suite> {
        let get = |k| t.attribute(k).and_then(|v| u16::try_from(v).ok());
        Some(Suite {
            encryption: get(v1attr::ENCRYPTION)?,
            key_length: get(v1attr::KEY_LENGTH),
            hash: get(v1attr::HASH)?,
            auth: get(v1attr::AUTH_METHOD)?,
            group: get(v1attr::GROUP_DESCRIPTION)?,
        })
    }

    pub fn observation(&self) -> IkeV1Transform {
        IkeV1Transform {
            encryption: algorithm(
                self.encryption,
                wire::v1_encr_name(self.encryption),
                self.key_length,
            ),
            hash: algorithm(self.hash, wire::v1_hash_name(self.hash), None),
            auth: algorithm(self.auth, wire::v1_auth_name(self.auth), None),
            group: IkeAlgorithm {
                id: self.group,
                name: wire::name_or_hex(wire::group_name(self.group), self.group),
                key_length: None,
            },
        }
    }

    fn is_xauth(&self) -> bool {
        (65001..=65010).contains(&self.auth)
    }
}

/// Every step-A combination, in offer order.
pub fn step_a_suites() -> Vec<Suite> {
    let mut out = Vec::new();
    for &group in GROUPS {
        for &(encryption, key_length) in ENCRYPTIONS {
            for &hash in HASHES {
                out.push(Suite {
                    encryption,
                    key_length,
                    hash,
                    auth: AUTH_PSK,
                    group,
                });
            }
        }
    }
    out
}

fn vendor_payloads() -> Vec<Payload> {
    OFFERED_VENDOR_IDS
        .iter()
        .filter_map(|h| super::decode_hex(h))
        .map(Payload::VendorId)
        .collect()
}

fn sa(suites: &[Suite]) -> Payload {
    let transforms = suites
        .iter()
        .enumerate()
        .map(|(i, s)| s.transform(u8::try_from(i + 1).unwrap_or(u8::MAX)))
        .collect();
    Payload::V1Sa(V1Sa {
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: vec![Proposal {
            number: 1,
            protocol: PROTO_ISAKMP,
            spi: Vec::new(),
            transforms,
        }],
    })
}

/// Main Mode message 1: SA and our Vendor IDs ([RFC 2409] §5).
pub fn main_mode_request(spi: [u8; 8], suites: &[Suite]) -> Vec<u8> {
    let mut m = Message::request(VERSION_1, exchange::V1_IDENTITY_PROTECTION, spi);
    m.payloads.push(sa(suites));
    m.payloads.extend(vendor_payloads());
    m.encode()
}

/// Aggressive Mode message 1: SA, KE, Ni, IDii and our Vendor IDs ([RFC 2409] §5.4).
pub fn aggressive_request(spi: [u8; 8], suites: &[Suite], ke: &[u8], nonce: &[u8]) -> Vec<u8> {
    let mut m = Message::request(VERSION_1, exchange::V1_AGGRESSIVE, spi);
    m.payloads.push(sa(suites));
    m.payloads.push(Payload::V1Ke(ke.to_vec()));
    m.payloads.push(Payload::Nonce(nonce.to_vec()));
    m.payloads.push(Payload::V1Id(V1Id {
        id_type: id_type::FQDN,
        protocol: 17,
        port: 500,
        data: AGGRESSIVE_ID.to_vec(),
    }));
    m.payloads.extend(vendor_payloads());
    m.encode()
}

/// What one IKEv1 answer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An SA payload with exactly one transform, as decoded.
    Chosen(Suite),
    /// A notification (type, name).
    Refused(u16, String),
    /// Anything else (described).
    Other(String),
}

/// Reads an IKEv1 answer and records its Vendor IDs.
pub fn read_answer(m: &Message, audit: &mut IkeV1Audit) -> Answer {
    audit.answered = true;
    for vid in m.vendor_ids() {
        record_vendor_id(&mut audit.vendor_ids, vid);
        match lookup_vendor_id(vid).map(|k| k.feature.as_str()) {
            Some("nat-t") => audit.nat_t = true,
            Some("dpd") => audit.dpd = true,
            Some("xauth") => audit.xauth = true,
            _ => {}
        }
    }
    if m.header.major_version() != 1 {
        return Answer::Other(format!("an IKEv{} message", m.header.major_version()));
    }
    if m.header.flags & wire::flags::V1_ENCRYPTION != 0 {
        return Answer::Other("an encrypted message".into());
    }
    if let Some(n) = m.v1_notifies().next() {
        let name =
            notify::name(n.notify_type).map_or_else(|| n.notify_type.to_string(), str::to_string);
        return Answer::Refused(n.notify_type, name);
    }
    match m.v1_sa().map(|sa| sa.proposals.as_slice()) {
        Some([p]) => match p.transforms.as_slice() {
            [t] => Suite::of(t).map_or_else(
                || Answer::Other("a transform without the phase 1 attributes".into()),
                Answer::Chosen,
            ),
            ts => Answer::Other(format!("an SA with {} transforms", ts.len())),
        },
        Some(ps) => Answer::Other(format!("an SA with {} proposals", ps.len())),
        None => Answer::Other("no SA and no notification".into()),
    }
}

/// Whether an Aggressive Mode answer is message 2: SA, KE, Nr, IDir and a HASH_R or SIG_R.
fn is_aggressive_message_2(m: &Message) -> bool {
    let has = |kind: u8| m.payloads.iter().any(|p| p.kind(1) == kind);
    m.header.exchange_type == exchange::V1_AGGRESSIVE
        && has(payload::V1_KE)
        && has(payload::V1_NONCE)
        && has(payload::V1_ID)
        && (has(payload::V1_HASH) || has(payload::V1_SIG))
}

/// The IKEv1 audit: Main Mode steps A and B, then Aggressive Mode.
pub async fn audit_v1(
    socket: &mut IkeSocket,
    filler: &mut Filler,
    deadline: tokio::time::Instant,
    per_packet: std::time::Duration,
) -> IkeV1Audit {
    let mut audit = IkeV1Audit::default();
    let mut chosen: Vec<Suite> = Vec::new();
    let mut silent = false;

    // Step A: crypto with PSK, batch by batch.
    let mut complete = true;
    'batches: for batch in step_a_suites().chunks(BATCH) {
        let mut offer = batch.to_vec();
        while !offer.is_empty() {
            if audit.requests >= MAX_REQUESTS {
                audit
                    .notes
                    .push(format!("stopped at the limit of {MAX_REQUESTS} requests"));
                complete = false;
                break 'batches;
            }
            let spi = filler.spi();
            audit.requests += 1;
            let answer = socket
                .exchange(&main_mode_request(spi, &offer), spi, deadline, per_packet)
                .await;
            match answer.map(|m| read_answer(&m, &mut audit)) {
                Ok(Answer::Chosen(s)) if offer.contains(&s) => {
                    offer.retain(|x| *x != s);
                    chosen.push(s);
                }
                Ok(Answer::Chosen(s)) => {
                    audit
                        .notes
                        .push(format!("Main Mode: chose a transform not offered: {s:?}"));
                    complete = false;
                    break 'batches;
                }
                Ok(Answer::Refused(notify::NO_PROPOSAL_CHOSEN, _)) => break,
                Ok(Answer::Refused(_, name)) => {
                    audit.notes.push(format!("Main Mode: refused with {name}"));
                    complete = false;
                    break 'batches;
                }
                Ok(Answer::Other(what)) => {
                    audit.notes.push(format!("Main Mode: answered with {what}"));
                    complete = false;
                    break 'batches;
                }
                Err(e) => {
                    note_silence(&mut audit, &e, "Main Mode");
                    silent = true;
                    complete = false;
                    break 'batches;
                }
            }
        }
    }

    // Step B: the accepted crypto with each other authentication method.
    let crypto: Vec<Suite> = chosen.clone();
    if !silent && complete && !crypto.is_empty() {
        for &auth in OTHER_AUTH {
            if audit.requests >= MAX_REQUESTS {
                complete = false;
                break;
            }
            let offer: Vec<Suite> = crypto
                .iter()
                .take(BATCH)
                .map(|s| Suite { auth, ..*s })
                .collect();
            let spi = filler.spi();
            audit.requests += 1;
            let answer = socket
                .exchange(&main_mode_request(spi, &offer), spi, deadline, per_packet)
                .await;
            match answer.map(|m| read_answer(&m, &mut audit)) {
                Ok(Answer::Chosen(s)) if offer.contains(&s) => chosen.push(s),
                Ok(Answer::Chosen(s)) => audit.notes.push(format!(
                    "Main Mode: offered only auth method {auth}, the responder chose {s:?}"
                )),
                Ok(Answer::Refused(notify::NO_PROPOSAL_CHOSEN, _)) => {}
                Ok(Answer::Refused(_, name)) => audit.notes.push(format!(
                    "Main Mode (auth method {auth}): refused with {name}"
                )),
                Ok(Answer::Other(what)) => audit.notes.push(format!(
                    "Main Mode (auth method {auth}): answered with {what}"
                )),
                Err(e) => {
                    note_silence(&mut audit, &e, "Main Mode");
                    silent = true;
                    complete = false;
                    break;
                }
            }
        }
    }
    audit.main_mode_complete = complete && !silent;
    audit.xauth |= chosen.iter().any(Suite::is_xauth);
    audit.main_mode_transforms = chosen.iter().map(Suite::observation).collect();

    // Aggressive Mode: only when the port answered IKEv1 at all, or stayed silent for Main Mode
    // only because nothing answered yet (some gateways answer Aggressive Mode alone).
    let unreachable = audit.notes.iter().any(|n| n.contains("unreachable"));
    if !unreachable && audit.requests < MAX_REQUESTS && tokio::time::Instant::now() < deadline {
        aggressive(socket, filler, deadline, per_packet, &crypto, &mut audit).await;
    }
    audit
}

fn note_silence(audit: &mut IkeV1Audit, e: &ExchangeError, what: &str) {
    let n = if audit.answered {
        format!(
            "{what}: the responder stopped answering after {} request(s) ({e}); a per-peer \
             limit of half-open SAs is the usual cause",
            audit.requests
        )
    } else {
        format!("{what}: no IKEv1 answer: {e}")
    };
    audit.notes.push(n);
}

async fn aggressive(
    socket: &mut IkeSocket,
    filler: &mut Filler,
    deadline: tokio::time::Instant,
    per_packet: std::time::Duration,
    main_mode_psk: &[Suite],
    audit: &mut IkeV1Audit,
) {
    let group = main_mode_psk
        .first()
        .map_or(AGGRESSIVE_FALLBACK_GROUP, |s| s.group);
    // Aggressive Mode fixes the group in message 1 (the KE is in it), so every transform offered
    // must use it ([RFC 2409] §5.4).
    let mut offer: Vec<Suite> = main_mode_psk
        .iter()
        .filter(|s| s.group == group && s.auth == AUTH_PSK)
        .copied()
        .collect();
    if offer.is_empty() {
        offer = step_a_suites()
            .into_iter()
            .filter(|s| s.group == group)
            .collect();
    }
    let Some(ke) = wire::ke_data(group, &mut || filler.byte()) else {
        return;
    };
    let spi = filler.spi();
    let nonce = filler.bytes(20);
    audit.requests += 1;
    let request = aggressive_request(spi, &offer, &ke, &nonce);
    match socket.exchange(&request, spi, deadline, per_packet).await {
        Ok(m) => {
            let message_2 = is_aggressive_message_2(&m);
            match read_answer(&m, audit) {
                Answer::Chosen(s) if message_2 => {
                    audit.aggressive_mode = Some(true);
                    audit.aggressive_mode_transform = Some(s.observation());
                    audit.xauth |= s.is_xauth();
                }
                Answer::Chosen(_) | Answer::Other(_) if message_2 => {
                    audit.aggressive_mode = Some(true);
                    audit
                        .notes
                        .push("Aggressive Mode: message 2 without a readable transform".into());
                }
                Answer::Refused(_, name) => {
                    audit.aggressive_mode = Some(false);
                    audit.aggressive_mode_refusal = Some(name);
                }
                Answer::Chosen(_) => audit
                    .notes
                    .push("Aggressive Mode: an SA answer that is not message 2".into()),
                Answer::Other(what) => audit
                    .notes
                    .push(format!("Aggressive Mode: answered with {what}")),
            }
        }
        Err(e) => {
            // Silence is not a refusal: a gateway may drop Aggressive Mode silently, or its
            // half-open limit may be reached. Left as "not tested".
            audit
                .notes
                .push(format!("Aggressive Mode: no answer ({e})"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ike::wire::Header;

    #[test]
    fn offers_are_bounded_and_decode_back() {
        let suites = step_a_suites();
        assert_eq!(
            suites.len(),
            ENCRYPTIONS.len() * HASHES.len() * GROUPS.len()
        );
        for batch in suites.chunks(BATCH) {
            let bytes = main_mode_request([3; 8], batch);
            assert!(bytes.len() < 1400, "{}", bytes.len());
            let m = Message::decode(&bytes).unwrap();
            let t = &m.v1_sa().unwrap().proposals[0].transforms;
            let back: Vec<Suite> = t.iter().filter_map(Suite::of).collect();
            assert_eq!(back, batch);
            assert_eq!(m.vendor_ids().count(), OFFERED_VENDOR_IDS.len());
        }
    }

    #[test]
    fn aggressive_message_1_carries_sa_ke_nonce_and_id() {
        let s = step_a_suites()[0];
        let bytes = aggressive_request([4; 8], &[s], &[1; 256], &[2; 20]);
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.header.exchange_type, exchange::V1_AGGRESSIVE);
        let kinds: Vec<u8> = m.payloads.iter().map(|p| p.kind(1)).collect();
        assert_eq!(&kinds[..4], &[1, 4, 10, 5]);
    }

    fn answer(payloads: Vec<Payload>, exchange_type: u8) -> Message {
        Message {
            header: Header {
                initiator_spi: [1; 8],
                responder_spi: [2; 8],
                next_payload: 0,
                version: VERSION_1,
                exchange_type,
                flags: 0,
                message_id: 0,
                length: 0,
            },
            payloads,
        }
    }

    #[test]
    fn answers_are_classified_and_vendor_ids_set_flags() {
        let s = Suite {
            encryption: 7,
            key_length: Some(128),
            hash: 2,
            auth: 65001,
            group: 2,
        };
        let mut audit = IkeV1Audit::default();
        let vid = |h: &str| Payload::VendorId(super::super::decode_hex(h).unwrap());
        let m = answer(
            vec![
                sa(&[s]),
                vid("4a131c81070358455c5728f20e95452f"),
                vid("afcad71368a1f1c96b8696fc77570100"),
                vid("09002689dfd6b71280a224dec33b81e5"),
            ],
            exchange::V1_IDENTITY_PROTECTION,
        );
        assert_eq!(read_answer(&m, &mut audit), Answer::Chosen(s));
        assert!(audit.nat_t && audit.dpd && audit.xauth && audit.answered);
        assert_eq!(audit.vendor_ids.len(), 3);
        assert_eq!(s.observation().auth.name, "XAUTHInitPreShared");
        assert_eq!(s.observation().encryption.key_length, Some(128));

        let refusal = answer(
            vec![Payload::V1Notify(wire::V1Notify {
                doi: DOI_IPSEC,
                protocol: PROTO_ISAKMP,
                notify_type: notify::NO_PROPOSAL_CHOSEN,
                spi: vec![0; 16],
                data: vec![],
            })],
            exchange::V1_INFORMATIONAL,
        );
        assert_eq!(
            read_answer(&refusal, &mut audit),
            Answer::Refused(14, "NO_PROPOSAL_CHOSEN".into())
        );
        let two = answer(vec![sa(&[s, s])], exchange::V1_IDENTITY_PROTECTION);
        assert!(matches!(read_answer(&two, &mut audit), Answer::Other(_)));

        let m2 = answer(
            vec![
                sa(&[s]),
                Payload::V1Ke(vec![0; 128]),
                Payload::Nonce(vec![0; 20]),
                Payload::V1Id(V1Id {
                    id_type: 1,
                    protocol: 17,
                    port: 500,
                    data: vec![127, 0, 0, 1],
                }),
                Payload::Other {
                    kind: payload::V1_HASH,
                    critical: false,
                    body: vec![0; 20],
                },
            ],
            exchange::V1_AGGRESSIVE,
        );
        assert!(is_aggressive_message_2(
            &Message::decode(&m2.encode()).unwrap()
        ));
        assert!(!is_aggressive_message_2(&m));
    }
}
