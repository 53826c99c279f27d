//! IKEv2: the exact transforms a responder accepts in IKE_SA_INIT ([RFC 7296] §1.2, §2.7).
//!
//! One IKE_SA_INIT request offers many transforms of every type at once; the responder answers
//! with the one proposal it chose, one transform per type ([RFC 7296] §3.3.6). The chosen
//! transform of the type being enumerated is removed and the rest offered again, until the
//! responder answers NO_PROPOSAL_CHOSEN. Types go one after the other — encryption, PRF,
//! integrity, groups — each later step offering only what earlier steps found accepted for the
//! other types, so every answer names a transform the responder really takes.
//!
//! * Combined-mode ciphers travel in a proposal of their own without integrity transforms
//!   ([RFC 5282] §8): proposal 1 holds the classic ciphers, proposal 2 the AEAD ones.
//! * INVALID_KE_PAYLOAD ([RFC 7296] §1.2) names the group the responder wants: that group is
//!   accepted. Outside the group step the request is sent again with a Key Exchange payload of
//!   that group (ours is never used: [`super::wire::ke_data`] fills it validly); in the group step
//!   the named group is simply recorded and removed, so learning a group costs one packet and
//!   leaves no half-open IKE SA behind.
//! * COOKIE ([RFC 7296] §2.6): the same request again with the cookie notify first, at most
//!   [`MAX_COOKIE_RETRIES`] times per request.
//!
//! Responders limit half-open IKE SAs per peer (strongSwan's `block_threshold`, 5 by default):
//! every SA answer creates one until it times out. The order of steps keeps such answers to one
//! per accepted encryption, PRF and integrity transform; a responder that falls silent midway is
//! reported with `enumeration_complete = false`.

use crate::observation::{IkeAlgorithm, IkeV2Audit};

use super::wire::{
    self, exchange, notify, transform_type as tt, Message, Payload, Proposal, V2Notify,
    V2Transform, PROTO_ISAKMP, VERSION_2,
};
use super::{record_vendor_id, ExchangeError, Filler, IkeSocket};

/// Most distinct IKE_SA_INIT requests one audit sends (each at most [`super::ATTEMPTS`] times).
pub const MAX_REQUESTS: u32 = 48;
/// Most times one request is sent again with a new cookie.
pub const MAX_COOKIE_RETRIES: u32 = 2;
/// Most Key Exchange corrections (INVALID_KE_PAYLOAD) for one step of the enumeration.
pub const MAX_KE_RETRIES: u32 = 2;
/// The group of the first Key Exchange payload: the one most gateways take.
pub const FIRST_KE_GROUP: u16 = 14;

/// An ENCR transform: ID and Key Length attribute.
pub type Encr = (u16, Option<u16>);

/// Encryption transforms offered: every IANA cipher a gateway might take for IKE, with each key
/// length as its own transform ([RFC 7296] §3.3.5), weak ones included on purpose.
pub const ENCR_OFFER: &[Encr] = &[
    (12, Some(128)),
    (12, Some(192)),
    (12, Some(256)),
    (13, Some(128)),
    (13, Some(192)),
    (13, Some(256)),
    (23, Some(128)),
    (23, Some(192)),
    (23, Some(256)),
    (3, None),
    (2, None),
    (7, Some(128)),
    (6, Some(128)),
    (20, Some(128)),
    (20, Some(192)),
    (20, Some(256)),
    (19, Some(128)),
    (19, Some(256)),
    (18, Some(128)),
    (18, Some(256)),
    (16, Some(128)),
    (16, Some(192)),
    (16, Some(256)),
    (15, Some(128)),
    (15, Some(256)),
    (14, Some(128)),
    (14, Some(256)),
    (28, None),
];

/// PRFs offered ([RFC 7296] §3.3.2, [RFC 4615], [RFC 4868]).
pub const PRF_OFFER: &[u16] = &[1, 2, 3, 4, 5, 6, 7, 8];
/// Integrity algorithms offered (the GMAC ones are for ESP only).
pub const INTEG_OFFER: &[u16] = &[1, 2, 5, 6, 7, 8, 12, 13, 14];
/// Groups offered: MODP ([RFC 2409], [RFC 3526], [RFC 5114]), ECP ([RFC 5903], [RFC 5114]),
/// Brainpool ([RFC 6954]) and the Montgomery curves ([RFC 8031]).
pub const GROUP_OFFER: &[u16] = &[
    1, 2, 5, 14, 15, 16, 17, 18, 22, 23, 24, 19, 20, 21, 25, 26, 27, 28, 29, 30, 31, 32,
];

/// What one request offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offer {
    pub encr: Vec<Encr>,
    pub prf: Vec<u16>,
    pub integ: Vec<u16>,
    pub groups: Vec<u16>,
}

impl Offer {
    pub fn full() -> Offer {
        Offer {
            encr: ENCR_OFFER.to_vec(),
            prf: PRF_OFFER.to_vec(),
            integ: INTEG_OFFER.to_vec(),
            groups: GROUP_OFFER.to_vec(),
        }
    }

    /// Proposal 1: classic ciphers with integrity; proposal 2: combined-mode ciphers without.
    pub fn proposals(&self) -> Vec<Proposal<V2Transform>> {
        let (aead, classic): (Vec<Encr>, Vec<Encr>) = self
            .encr
            .iter()
            .partition(|(id, _)| wire::v2_encr_is_aead(*id));
        let mut out = Vec::new();
        if self.prf.is_empty() || self.groups.is_empty() {
            return out;
        }
        let mut push = |encr: &[Encr], integ: &[u16]| {
            let mut t: Vec<V2Transform> = encr
                .iter()
                .map(|(id, k)| V2Transform::new(tt::ENCR, *id, *k))
                .collect();
            t.extend(
                self.prf
                    .iter()
                    .map(|id| V2Transform::new(tt::PRF, *id, None)),
            );
            t.extend(
                integ
                    .iter()
                    .map(|id| V2Transform::new(tt::INTEG, *id, None)),
            );
            t.extend(
                self.groups
                    .iter()
                    .map(|id| V2Transform::new(tt::DH, *id, None)),
            );
            let number = u8::try_from(out.len() + 1).unwrap_or(u8::MAX);
            out.push(Proposal {
                number,
                protocol: PROTO_ISAKMP,
                spi: Vec::new(),
                transforms: t,
            });
        };
        if !classic.is_empty() && !self.integ.is_empty() {
            push(&classic, &self.integ);
        }
        if !aead.is_empty() {
            push(&aead, &[]);
        }
        out
    }
}

/// Builds one IKE_SA_INIT request: [N(COOKIE)], SA, KE, Ni ([RFC 7296] §1.2, §2.6).
pub fn build_request(
    spi: [u8; 8],
    offer: &Offer,
    ke_group: u16,
    ke_data: &[u8],
    nonce: &[u8],
    cookie: Option<&[u8]>,
) -> Vec<u8> {
    let mut m = Message::request(VERSION_2, exchange::V2_IKE_SA_INIT, spi);
    if let Some(c) = cookie {
        m.payloads
            .push(Payload::V2Notify(V2Notify::new(notify::COOKIE, c.to_vec())));
    }
    m.payloads.push(Payload::V2Sa(offer.proposals()));
    m.payloads.push(Payload::V2Ke {
        group: ke_group,
        data: ke_data.to_vec(),
    });
    m.payloads.push(Payload::Nonce(nonce.to_vec()));
    m.encode()
}

/// Which transform type is being enumerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Encryption,
    Prf,
    Integrity,
    Groups,
}

/// One request and its retransmission state: the same SPI and nonce are kept when a cookie is
/// added, as the cookie is bound to them ([RFC 7296] §2.6).
#[derive(Debug, Clone)]
struct Round {
    spi: [u8; 8],
    nonce: Vec<u8>,
    ke_group: u16,
    ke_data: Vec<u8>,
    cookie: Option<Vec<u8>>,
    cookies: u32,
}

/// The enumeration as a sans-I/O state machine: [`Enumerator::next_request`] says what to send,
/// [`Enumerator::on_answer`] / [`Enumerator::on_silence`] take what came back.
#[derive(Debug)]
pub struct Enumerator {
    step: Step,
    offer: Offer,
    ke_group: u16,
    ke_retries: u32,
    round: Option<Round>,
    done: bool,
    pub audit: IkeV2Audit,
    encr: Vec<Encr>,
    prf: Vec<u16>,
    integ: Vec<u16>,
    groups: Vec<u16>,
}

impl Default for Enumerator {
    fn default() -> Self {
        Enumerator::new()
    }
}

impl Enumerator {
    pub fn new() -> Enumerator {
        Enumerator {
            step: Step::Encryption,
            offer: Offer::full(),
            ke_group: FIRST_KE_GROUP,
            ke_retries: 0,
            round: None,
            done: false,
            audit: IkeV2Audit::default(),
            encr: Vec::new(),
            prf: Vec::new(),
            integ: Vec::new(),
            groups: Vec::new(),
        }
    }

    pub fn step(&self) -> Step {
        self.step
    }

    /// The next request to send, with the initiator SPI its answer will carry; `None` when done.
    pub fn next_request(&mut self, filler: &mut Filler) -> Option<(Vec<u8>, [u8; 8])> {
        if self.done {
            return None;
        }
        if self.audit.requests >= MAX_REQUESTS {
            self.note(format!("stopped at the limit of {MAX_REQUESTS} requests"));
            self.done = true;
            return None;
        }
        if self.round.is_none() {
            // In the group step the Key Exchange uses the last group still offered: any group
            // the responder prefers then comes back as INVALID_KE_PAYLOAD, which costs it no
            // state. Elsewhere the group the responder last asked for is kept.
            let group = match self.step {
                Step::Groups => *self.offer.groups.last()?,
                _ => self.ke_group,
            };
            let Some(ke_data) = wire::ke_data(group, &mut || filler.byte()) else {
                self.note(format!("no Key Exchange data for group {group}"));
                self.done = true;
                return None;
            };
            self.round = Some(Round {
                spi: filler.spi(),
                nonce: filler.bytes(32),
                ke_group: group,
                ke_data,
                cookie: None,
                cookies: 0,
            });
        }
        let r = self.round.as_ref()?;
        let bytes = build_request(
            r.spi,
            &self.offer,
            r.ke_group,
            &r.ke_data,
            &r.nonce,
            r.cookie.as_deref(),
        );
        self.audit.requests += 1;
        Some((bytes, r.spi))
    }

    fn note(&mut self, n: String) {
        self.audit.notes.push(n);
    }

    /// No answer to a request, after every retransmission.
    pub fn on_silence(&mut self, err: &ExchangeError) {
        let n = if !self.audit.answered {
            format!("no IKEv2 answer: {err}")
        } else {
            format!(
                "the responder stopped answering after {} request(s) ({err}); a per-peer \
                 limit of half-open IKE SAs is the usual cause",
                self.audit.requests
            )
        };
        self.note(n);
        self.done = true;
    }

    pub fn on_answer(&mut self, m: &Message) {
        self.audit.answered = true;
        for vid in m.vendor_ids() {
            record_vendor_id(&mut self.audit.vendor_ids, vid);
        }
        if m.header.major_version() != 2 {
            self.note(format!(
                "answered IKE_SA_INIT with an IKEv{} message",
                m.header.major_version()
            ));
            self.done = true;
            return;
        }
        for n in m.v2_notifies() {
            let name = notify::name(n.notify_type)
                .map_or_else(|| n.notify_type.to_string(), str::to_string);
            if !self.audit.notify_types.contains(&name) {
                self.audit.notify_types.push(name);
            }
        }
        let errors: Vec<&V2Notify> = m
            .v2_notifies()
            .filter(|n| n.notify_type < 16384 || n.notify_type == notify::COOKIE)
            .collect();
        if let Some(cookie) = errors.iter().find(|n| n.notify_type == notify::COOKIE) {
            self.audit.cookie_required = true;
            let data = cookie.data.clone();
            match self.round.as_mut() {
                Some(r) if r.cookies < MAX_COOKIE_RETRIES => {
                    r.cookies += 1;
                    r.cookie = Some(data);
                }
                _ => {
                    self.note("the responder kept asking for a COOKIE".into());
                    self.done = true;
                }
            }
            return;
        }
        if let Some(n) = errors.first() {
            match n.notify_type {
                notify::INVALID_KE_PAYLOAD => self.on_invalid_ke(n.requested_group()),
                notify::NO_PROPOSAL_CHOSEN => self.next_step(),
                other => {
                    let name =
                        notify::name(other).map_or_else(|| other.to_string(), str::to_string);
                    self.note(format!("the responder answered {name}"));
                    self.done = true;
                }
            }
            return;
        }
        match m.v2_sa() {
            Some([chosen]) => self.on_chosen(chosen),
            Some(_) => {
                self.note("the responder's SA does not hold exactly one proposal".into());
                self.done = true;
            }
            None => {
                self.note("an IKE_SA_INIT answer without SA or error notify".into());
                self.done = true;
            }
        }
    }

    fn on_invalid_ke(&mut self, group: Option<u16>) {
        self.round = None;
        let Some(g) = group.filter(|g| self.offer.groups.contains(g)) else {
            self.note(format!(
                "INVALID_KE_PAYLOAD asked for group {group:?}, which was not offered"
            ));
            self.next_step();
            return;
        };
        push_unique(&mut self.groups, g);
        if self.step == Step::Groups {
            self.offer.groups.retain(|x| *x != g);
            self.advance_if_exhausted();
            return;
        }
        if self.ke_retries >= MAX_KE_RETRIES {
            self.note(format!("INVALID_KE_PAYLOAD repeated (group {g})"));
            self.done = true;
            return;
        }
        self.ke_retries += 1;
        self.ke_group = g;
    }

    fn on_chosen(&mut self, chosen: &Proposal<V2Transform>) {
        self.round = None;
        self.ke_retries = 0;
        let pick = |kind| chosen.transforms.iter().find(|t| t.kind == kind);
        let encr = pick(tt::ENCR).map(|t| (t.id, t.key_length()));
        let prf = pick(tt::PRF).map(|t| t.id);
        let integ = pick(tt::INTEG).map(|t| t.id).filter(|id| *id != 0);
        let group = pick(tt::DH).map(|t| t.id);
        // Only transforms that were offered count: a responder that names something else is
        // noted, not believed.
        let offered = encr.is_some_and(|e| self.offer.encr.contains(&e))
            && prf.is_some_and(|p| self.offer.prf.contains(&p))
            && integ.is_none_or(|i| self.offer.integ.contains(&i))
            && group.is_some_and(|g| self.offer.groups.contains(&g));
        if !offered {
            self.note(format!(
                "the responder chose transforms that were not offered: {:?}",
                chosen.transforms
            ));
            self.done = true;
            return;
        }
        let (Some(e), Some(p), Some(g)) = (encr, prf, group) else {
            return;
        };
        push_unique(&mut self.encr, e);
        push_unique(&mut self.prf, p);
        if let Some(i) = integ {
            push_unique(&mut self.integ, i);
        }
        push_unique(&mut self.groups, g);
        match self.step {
            Step::Encryption => self.offer.encr.retain(|x| *x != e),
            Step::Prf => self.offer.prf.retain(|x| *x != p),
            Step::Integrity => match integ {
                Some(i) => self.offer.integ.retain(|x| *x != i),
                None => {
                    self.note("no integrity transform chosen in the integrity step".into());
                    self.next_step();
                    return;
                }
            },
            Step::Groups => self.offer.groups.retain(|x| *x != g),
        }
        self.advance_if_exhausted();
    }

    /// Moves on when nothing of the enumerated type is left to offer.
    fn advance_if_exhausted(&mut self) {
        let empty = match self.step {
            Step::Encryption => self.offer.encr.is_empty(),
            Step::Prf => self.offer.prf.is_empty(),
            Step::Integrity => self.offer.integ.is_empty(),
            Step::Groups => self.offer.groups.is_empty(),
        };
        if empty || self.offer.proposals().is_empty() {
            self.next_step();
        }
    }

    fn next_step(&mut self) {
        self.round = None;
        self.ke_retries = 0;
        let without = |all: &[u16], known: &[u16]| -> Vec<u16> {
            all.iter().copied().filter(|x| !known.contains(x)).collect()
        };
        let (step, offer) = match self.step {
            Step::Encryption if self.encr.is_empty() => {
                self.finish(true);
                return;
            }
            Step::Encryption => (
                Step::Prf,
                Offer {
                    encr: self.encr.clone(),
                    prf: without(PRF_OFFER, &self.prf),
                    integ: INTEG_OFFER.to_vec(),
                    groups: GROUP_OFFER.to_vec(),
                },
            ),
            Step::Prf => (
                Step::Integrity,
                Offer {
                    encr: self
                        .encr
                        .iter()
                        .copied()
                        .filter(|(id, _)| !wire::v2_encr_is_aead(*id))
                        .collect(),
                    prf: self.prf.clone(),
                    integ: without(INTEG_OFFER, &self.integ),
                    groups: GROUP_OFFER.to_vec(),
                },
            ),
            Step::Integrity => (
                Step::Groups,
                Offer {
                    encr: self.encr.clone(),
                    prf: self.prf.clone(),
                    integ: self.integ.clone(),
                    groups: without(GROUP_OFFER, &self.groups),
                },
            ),
            Step::Groups => {
                self.finish(true);
                return;
            }
        };
        self.step = step;
        self.offer = offer;
        if self.offer.proposals().is_empty()
            || match step {
                Step::Prf => self.offer.prf.is_empty(),
                Step::Integrity => self.offer.integ.is_empty() || self.offer.encr.is_empty(),
                Step::Groups => self.offer.groups.is_empty(),
                Step::Encryption => false,
            }
        {
            self.next_step();
        }
    }

    fn finish(&mut self, complete: bool) {
        self.audit.enumeration_complete = complete;
        self.done = true;
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The observation, transforms sorted by number.
    pub fn into_audit(mut self) -> IkeV2Audit {
        let mut encr = self.encr.clone();
        encr.sort_unstable();
        self.audit.accepted_encryption = encr
            .into_iter()
            .map(|(id, k)| algorithm(id, wire::v2_encr_name(id), k))
            .collect();
        self.audit.accepted_prf = sorted(&self.prf, wire::v2_prf_name);
        self.audit.accepted_integrity = sorted(&self.integ, wire::v2_integ_name);
        self.audit.accepted_groups = sorted(&self.groups, wire::group_name);
        self.audit
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

pub(crate) fn algorithm(
    id: u16,
    name: Option<&'static str>,
    key_length: Option<u16>,
) -> IkeAlgorithm {
    IkeAlgorithm {
        id,
        name: wire::name_or_hex(name, id),
        key_length,
    }
}

fn sorted(ids: &[u16], name: fn(u16) -> Option<&'static str>) -> Vec<IkeAlgorithm> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.into_iter()
        .map(|id| algorithm(id, name(id), None))
        .collect()
}

/// Runs the enumeration against the socket's responder until done or `deadline`.
pub async fn audit_v2(
    socket: &mut IkeSocket,
    filler: &mut Filler,
    deadline: tokio::time::Instant,
    per_packet: std::time::Duration,
) -> IkeV2Audit {
    let mut e = Enumerator::new();
    while let Some((bytes, spi)) = e.next_request(filler) {
        match socket.exchange(&bytes, spi, deadline, per_packet).await {
            Ok(m) => e.on_answer(&m),
            Err(err) => {
                e.on_silence(&err);
                if matches!(err, ExchangeError::Unreachable) {
                    break;
                }
            }
        }
    }
    e.into_audit()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::probe::ike::wire::{flags, Header};

    /// A responder that follows [RFC 7296] the way strongSwan does: its configured proposals in
    /// order, the first one that shares a transform of every type with an offered proposal wins;
    /// the KE group must be that proposal's chosen group, else INVALID_KE_PAYLOAD; a COOKIE first
    /// when `cookie` is set.
    pub(crate) struct FakeResponder {
        pub proposals: Vec<Offer>,
        pub cookie: Option<Vec<u8>>,
        pub answers: u32,
    }

    fn reply(req: &Message, payloads: Vec<Payload>) -> Message {
        Message {
            header: Header {
                responder_spi: [7; 8],
                flags: flags::V2_RESPONSE,
                ..req.header
            },
            payloads,
        }
    }

    fn notify_reply(req: &Message, t: u16, data: Vec<u8>) -> Message {
        reply(req, vec![Payload::V2Notify(V2Notify::new(t, data))])
    }

    impl FakeResponder {
        pub(crate) fn answer(&mut self, bytes: &[u8]) -> Message {
            self.answers += 1;
            let req = Message::decode(bytes).unwrap();
            if let Some(c) = &self.cookie {
                match req.payloads.first() {
                    Some(Payload::V2Notify(n))
                        if n.notify_type == notify::COOKIE && &n.data == c => {}
                    _ => return notify_reply(&req, notify::COOKIE, c.clone()),
                }
            }
            let offered = req.v2_sa().unwrap();
            let ke_group = req
                .payloads
                .iter()
                .find_map(|p| match p {
                    Payload::V2Ke { group, data } => {
                        assert_eq!(Some(data.len()), wire::ke_length(*group));
                        Some(*group)
                    }
                    _ => None,
                })
                .unwrap();
            for mine in &self.proposals {
                for p in offered {
                    let has = |kind, id: u16, k: Option<u16>| {
                        p.transforms
                            .iter()
                            .any(|t| t.kind == kind && t.id == id && t.key_length() == k)
                    };
                    let e = mine.encr.iter().find(|(id, k)| has(tt::ENCR, *id, *k));
                    let f = mine.prf.iter().find(|id| has(tt::PRF, **id, None));
                    let aead = e.is_some_and(|(id, _)| wire::v2_encr_is_aead(*id));
                    let i = mine.integ.iter().find(|id| has(tt::INTEG, **id, None));
                    // Prefer the KE group when the proposal allows it (strongSwan does).
                    let g = if mine.groups.contains(&ke_group) && has(tt::DH, ke_group, None) {
                        Some(&ke_group)
                    } else {
                        mine.groups.iter().find(|id| has(tt::DH, **id, None))
                    };
                    let (Some(e), Some(f), Some(g)) = (e, f, g) else {
                        continue;
                    };
                    if !aead && i.is_none() {
                        continue;
                    }
                    if *g != ke_group {
                        return notify_reply(
                            &req,
                            notify::INVALID_KE_PAYLOAD,
                            g.to_be_bytes().to_vec(),
                        );
                    }
                    let mut t = vec![
                        V2Transform::new(tt::ENCR, e.0, e.1),
                        V2Transform::new(tt::PRF, *f, None),
                    ];
                    if let (false, Some(i)) = (aead, i) {
                        t.push(V2Transform::new(tt::INTEG, *i, None));
                    }
                    t.push(V2Transform::new(tt::DH, *g, None));
                    return reply(
                        &req,
                        vec![
                            Payload::V2Sa(vec![Proposal {
                                number: p.number,
                                protocol: 1,
                                spi: vec![],
                                transforms: t,
                            }]),
                            Payload::V2Ke {
                                group: *g,
                                data: vec![0; wire::ke_length(*g).unwrap()],
                            },
                            Payload::Nonce(vec![1; 32]),
                            Payload::VendorId(
                                b"\x88\x2f\xe5\x6d\x6f\xd2\x0d\xbc\x22\x51\x61\x3b\x2e\xbe\x5b\xeb"
                                    .to_vec(),
                            ),
                        ],
                    );
                }
            }
            notify_reply(&req, notify::NO_PROPOSAL_CHOSEN, vec![])
        }
    }

    fn run(responder: &mut FakeResponder) -> IkeV2Audit {
        let mut e = Enumerator::new();
        let mut filler = Filler::seeded(1);
        while let Some((bytes, spi)) = e.next_request(&mut filler) {
            let answer = responder.answer(&bytes);
            assert_eq!(answer.header.initiator_spi, spi);
            e.on_answer(&Message::decode(&answer.encode()).unwrap());
        }
        e.into_audit()
    }

    fn names(a: &[IkeAlgorithm]) -> Vec<String> {
        a.iter()
            .map(|x| match x.key_length {
                Some(k) => format!("{}/{k}", x.name),
                None => x.name.clone(),
            })
            .collect()
    }

    #[test]
    fn one_weak_proposal_is_found_exactly_in_six_requests() {
        let mut r = FakeResponder {
            proposals: vec![Offer {
                encr: vec![(12, Some(128))],
                prf: vec![2],
                integ: vec![2],
                groups: vec![2],
            }],
            cookie: None,
            answers: 0,
        };
        let a = run(&mut r);
        assert_eq!(names(&a.accepted_encryption), ["ENCR_AES_CBC/128"]);
        assert_eq!(names(&a.accepted_prf), ["PRF_HMAC_SHA1"]);
        assert_eq!(names(&a.accepted_integrity), ["AUTH_HMAC_SHA1_96"]);
        assert_eq!(names(&a.accepted_groups), ["modp1024"]);
        assert!(a.enumeration_complete);
        assert!(!a.cookie_required);
        // INVALID_KE (14 → 2), SA, NO_PROPOSAL; then one NO_PROPOSAL per remaining step.
        assert_eq!(a.requests, 6);
        assert_eq!(a.vendor_ids[0].name.as_deref(), Some("strongSwan"));
    }

    #[test]
    fn several_proposals_and_an_aead_one() {
        let mut r = FakeResponder {
            proposals: vec![
                Offer {
                    encr: vec![(20, Some(256))],
                    prf: vec![6, 5],
                    integ: vec![],
                    groups: vec![20, 19, 31],
                },
                Offer {
                    encr: vec![(12, Some(256)), (12, Some(128))],
                    prf: vec![5],
                    integ: vec![12, 13],
                    groups: vec![15, 14],
                },
            ],
            cookie: None,
            answers: 0,
        };
        let a = run(&mut r);
        assert_eq!(
            names(&a.accepted_encryption),
            [
                "ENCR_AES_CBC/128",
                "ENCR_AES_CBC/256",
                "ENCR_AES_GCM_16/256"
            ]
        );
        assert_eq!(
            names(&a.accepted_prf),
            ["PRF_HMAC_SHA2_256", "PRF_HMAC_SHA2_384"]
        );
        assert_eq!(
            names(&a.accepted_integrity),
            ["AUTH_HMAC_SHA2_256_128", "AUTH_HMAC_SHA2_384_192"]
        );
        assert_eq!(
            names(&a.accepted_groups),
            ["modp2048", "modp3072", "ecp256", "ecp384", "curve25519"]
        );
        assert!(a.enumeration_complete, "{:?}", a.notes);
        assert!(a.requests <= 20, "{}", a.requests);
    }

    #[test]
    fn cookies_are_returned_and_recorded() {
        let mut r = FakeResponder {
            proposals: vec![Offer {
                encr: vec![(12, Some(256))],
                prf: vec![5],
                integ: vec![12],
                groups: vec![14],
            }],
            cookie: Some(vec![0xc0; 16]),
            answers: 0,
        };
        let a = run(&mut r);
        assert!(a.cookie_required);
        assert_eq!(names(&a.accepted_groups), ["modp2048"]);
        assert!(a.enumeration_complete);
        // Every request needed its cookie round first: five requests without cookies, ten with.
        assert_eq!(a.requests, r.answers);
        assert_eq!(a.requests, 10);
        assert!(a.notify_types.contains(&"COOKIE".to_string()));
    }

    #[test]
    fn nothing_accepted_is_one_request() {
        let mut r = FakeResponder {
            proposals: vec![],
            cookie: None,
            answers: 0,
        };
        let a = run(&mut r);
        assert!(a.answered && a.enumeration_complete);
        assert!(a.accepted_encryption.is_empty());
        assert_eq!(a.requests, 1);
    }

    #[test]
    fn a_lying_responder_cannot_loop() {
        // Always answers the same SA, whatever was offered.
        let mut e = Enumerator::new();
        let mut filler = Filler::seeded(2);
        let mut n = 0;
        while let Some((bytes, _)) = e.next_request(&mut filler) {
            n += 1;
            let req = Message::decode(&bytes).unwrap();
            let t = vec![
                V2Transform::new(tt::ENCR, 12, Some(128)),
                V2Transform::new(tt::PRF, 2, None),
                V2Transform::new(tt::INTEG, 2, None),
                V2Transform::new(tt::DH, 14, None),
            ];
            let m = reply(
                &req,
                vec![Payload::V2Sa(vec![Proposal {
                    number: 1,
                    protocol: 1,
                    spi: vec![],
                    transforms: t,
                }])],
            );
            e.on_answer(&m);
        }
        assert_eq!(n, 2);
        let a = e.into_audit();
        assert!(!a.enumeration_complete);
        assert!(a.notes[0].contains("not offered"), "{:?}", a.notes);
    }

    #[test]
    fn the_offer_fits_its_count_fields() {
        for p in Offer::full().proposals() {
            assert!(p.transforms.len() < 255);
        }
        let bytes = build_request([1; 8], &Offer::full(), 18, &[0; 1024], &[0; 32], None);
        assert!(bytes.len() < 2048, "{}", bytes.len());
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.v2_sa().unwrap().len(), 2);
    }
}
