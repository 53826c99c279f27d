//! The cryptography of edgeaudit's own SSH key exchange, sans-I/O, on `ring` (already the
//! project's TLS crypto provider, so no second crypto stack comes in).
//!
//! Only what an audit needs to reach the authentication service: ECDH key exchange
//! (`curve25519-sha256` RFC 8731, `ecdh-sha2-nistp256/384` RFC 5656 §4), the key derivation of
//! RFC 4253 §7.2, and the AEAD packet ciphers `chacha20-poly1305@openssh.com` (OpenSSH
//! PROTOCOL.chacha20poly1305) and `aes128-gcm@openssh.com` / `aes256-gcm@openssh.com`
//! (RFC 5647 §7). Nothing here is used to protect a secret: the probe never sends one. The
//! keys only let the server believe the session is real, so it answers the `none`
//! authentication request.

use ring::aead::{self, chacha20_poly1305_openssh as chacha};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use ring::digest;
use ring::rand::SystemRandom;
use thiserror::Error;

use super::wire::{self, put_mpint, put_string, WireError};

/// Key exchange methods edgeaudit can complete, in the order it offers them.
pub const KEX_METHODS: [&str; 4] = [
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
];
/// Packet ciphers edgeaudit can run, in the order it offers them.
pub const CIPHERS: [&str; 3] = [
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
];

/// Why the key exchange or the encrypted transport failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("no common key exchange method (edgeaudit completes {ours})", ours = KEX_METHODS.join(","))]
    NoKex,
    #[error("no common cipher (edgeaudit runs {ours})", ours = CIPHERS.join(","))]
    NoCipher,
    #[error("key exchange method {0} is not implemented")]
    UnsupportedKex(String),
    #[error("cipher {0} is not implemented")]
    UnsupportedCipher(String),
    #[error("the system random generator failed")]
    Random,
    #[error("the server's ephemeral public key was rejected (bad point or all-zero secret)")]
    BadServerKey,
    #[error("packet authentication failed (wrong keys or a corrupted packet)")]
    BadTag,
    #[error("packet framing: {0}")]
    Wire(#[from] WireError),
}

/// A key exchange method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kex {
    Curve25519,
    EcdhP256,
    EcdhP384,
}

impl Kex {
    pub fn from_name(name: &str) -> Result<Kex, CryptoError> {
        match name {
            "curve25519-sha256" | "curve25519-sha256@libssh.org" => Ok(Kex::Curve25519),
            "ecdh-sha2-nistp256" => Ok(Kex::EcdhP256),
            "ecdh-sha2-nistp384" => Ok(Kex::EcdhP384),
            other => Err(CryptoError::UnsupportedKex(other.to_string())),
        }
    }

    fn agreement(self) -> &'static agreement::Algorithm {
        match self {
            Kex::Curve25519 => &agreement::X25519,
            Kex::EcdhP256 => &agreement::ECDH_P256,
            Kex::EcdhP384 => &agreement::ECDH_P384,
        }
    }

    /// The exchange hash (RFC 8731 §3.1, RFC 5656 §6.2.1).
    pub fn hash(self) -> &'static digest::Algorithm {
        match self {
            Kex::Curve25519 | Kex::EcdhP256 => &digest::SHA256,
            Kex::EcdhP384 => &digest::SHA384,
        }
    }
}

/// The client's half of one ECDH exchange.
pub struct Ephemeral {
    kex: Kex,
    private: EphemeralPrivateKey,
    /// `Q_C` as sent in SSH_MSG_KEX_ECDH_INIT.
    pub public: Vec<u8>,
}

impl Ephemeral {
    pub fn generate(kex: Kex, rng: &SystemRandom) -> Result<Self, CryptoError> {
        let private =
            EphemeralPrivateKey::generate(kex.agreement(), rng).map_err(|_| CryptoError::Random)?;
        let public = private
            .compute_public_key()
            .map_err(|_| CryptoError::Random)?
            .as_ref()
            .to_vec();
        Ok(Ephemeral {
            kex,
            private,
            public,
        })
    }

    /// The shared secret `K` encoded as an `mpint` (RFC 8731 §3.1: the X25519 output read as
    /// a big-endian number; RFC 5656 §4: the x coordinate).
    pub fn shared_secret(self, q_s: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let peer = UnparsedPublicKey::new(self.kex.agreement(), q_s);
        // ring refuses points off the curve and the all-zero X25519 output (RFC 7748 §6.1).
        let secret = agreement::agree_ephemeral(self.private, &peer, |k| k.to_vec())
            .map_err(|_| CryptoError::BadServerKey)?;
        let mut k = Vec::new();
        put_mpint(&mut k, &secret);
        Ok(k)
    }
}

/// Everything the exchange hash covers (RFC 4253 §8 as amended by RFC 5656 §4 for ECDH).
pub struct HashInput<'a> {
    /// Identification lines without CR LF.
    pub v_c: &'a [u8],
    pub v_s: &'a [u8],
    /// KEXINIT payloads, message type included.
    pub i_c: &'a [u8],
    pub i_s: &'a [u8],
    pub k_s: &'a [u8],
    pub q_c: &'a [u8],
    pub q_s: &'a [u8],
    /// `K` as an mpint (length included).
    pub k: &'a [u8],
}

/// `H = HASH(string V_C ‖ string V_S ‖ string I_C ‖ string I_S ‖ string K_S ‖ string Q_C ‖
/// string Q_S ‖ mpint K)`.
pub fn exchange_hash(kex: Kex, input: &HashInput<'_>) -> Vec<u8> {
    let mut data = Vec::new();
    for s in [
        input.v_c, input.v_s, input.i_c, input.i_s, input.k_s, input.q_c, input.q_s,
    ] {
        put_string(&mut data, s);
    }
    data.extend_from_slice(input.k);
    digest::digest(kex.hash(), &data).as_ref().to_vec()
}

/// RFC 4253 §7.2: `HASH(K ‖ H ‖ letter ‖ session_id)`, extended by `HASH(K ‖ H ‖ K1 ‖ …)`
/// until `len` bytes.
pub fn derive_key(
    kex: Kex,
    k: &[u8],
    h: &[u8],
    letter: u8,
    session_id: &[u8],
    len: usize,
) -> Vec<u8> {
    let mut first = Vec::new();
    first.extend_from_slice(k);
    first.extend_from_slice(h);
    first.push(letter);
    first.extend_from_slice(session_id);
    let mut out = digest::digest(kex.hash(), &first).as_ref().to_vec();
    while out.len() < len {
        let mut more = Vec::new();
        more.extend_from_slice(k);
        more.extend_from_slice(h);
        more.extend_from_slice(&out);
        out.extend_from_slice(digest::digest(kex.hash(), &more).as_ref());
    }
    out.truncate(len);
    out
}

/// A packet cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    ChaCha20Poly1305,
    Aes128Gcm,
    Aes256Gcm,
}

impl Cipher {
    pub fn from_name(name: &str) -> Result<Cipher, CryptoError> {
        match name {
            "chacha20-poly1305@openssh.com" => Ok(Cipher::ChaCha20Poly1305),
            "aes128-gcm@openssh.com" => Ok(Cipher::Aes128Gcm),
            "aes256-gcm@openssh.com" => Ok(Cipher::Aes256Gcm),
            other => Err(CryptoError::UnsupportedCipher(other.to_string())),
        }
    }

    /// Key and IV lengths (the cipher's own key schedule, RFC 5647 §7.1, PROTOCOL.chacha20poly1305).
    pub fn key_len(self) -> usize {
        match self {
            Cipher::ChaCha20Poly1305 => chacha::KEY_LEN,
            Cipher::Aes128Gcm => 16,
            Cipher::Aes256Gcm => 32,
        }
    }

    pub fn iv_len(self) -> usize {
        match self {
            Cipher::ChaCha20Poly1305 => 0,
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => 12,
        }
    }

    fn aes(self) -> &'static aead::Algorithm {
        match self {
            Cipher::Aes128Gcm => &aead::AES_128_GCM,
            _ => &aead::AES_256_GCM,
        }
    }
}

/// The authentication tag length of every cipher here.
pub const TAG_LEN: usize = 16;

/// One direction's packet protection.
pub enum Direction {
    ChaCha {
        seal: chacha::SealingKey,
        open: chacha::OpeningKey,
    },
    Gcm {
        key: Box<aead::LessSafeKey>,
        /// RFC 5647 §7.1: 4-byte fixed field and 8-byte invocation counter, bumped per packet.
        iv: [u8; 12],
    },
}

impl Direction {
    pub fn new(cipher: Cipher, key: &[u8], iv: &[u8]) -> Result<Direction, CryptoError> {
        match cipher {
            Cipher::ChaCha20Poly1305 => {
                let material: &[u8; chacha::KEY_LEN] = key
                    .try_into()
                    .map_err(|_| CryptoError::UnsupportedCipher("chacha key length".into()))?;
                Ok(Direction::ChaCha {
                    seal: chacha::SealingKey::new(material),
                    open: chacha::OpeningKey::new(material),
                })
            }
            Cipher::Aes128Gcm | Cipher::Aes256Gcm => {
                let unbound = aead::UnboundKey::new(cipher.aes(), key)
                    .map_err(|_| CryptoError::UnsupportedCipher("AES key length".into()))?;
                let iv: [u8; 12] = iv
                    .try_into()
                    .map_err(|_| CryptoError::UnsupportedCipher("GCM IV length".into()))?;
                Ok(Direction::Gcm {
                    key: Box::new(aead::LessSafeKey::new(unbound)),
                    iv,
                })
            }
        }
    }

    fn next_gcm_nonce(iv: &mut [u8; 12]) -> aead::Nonce {
        let nonce = aead::Nonce::assume_unique_for_key(*iv);
        let mut counter = [0u8; 8];
        counter.copy_from_slice(&iv[4..]);
        let next = u64::from_be_bytes(counter).wrapping_add(1);
        iv[4..].copy_from_slice(&next.to_be_bytes());
        nonce
    }

    /// The packet around `payload`, encrypted and tagged, for sequence number `seq`.
    pub fn seal(&mut self, seq: u32, payload: &[u8]) -> Vec<u8> {
        // Both AEAD constructions treat the length field as associated data, so it stays out
        // of the aligned span (RFC 5647 §7.2; OpenSSH does the same for chacha20-poly1305).
        let block = match self {
            Direction::ChaCha { .. } => 8,
            Direction::Gcm { .. } => 16,
        };
        let pad = wire::padding_for(payload.len(), block, false);
        let packet_length = 1 + payload.len() + pad;
        let mut out = Vec::with_capacity(4 + packet_length + TAG_LEN);
        wire::put_u32(&mut out, u32::try_from(packet_length).unwrap_or(u32::MAX));
        out.push(pad as u8);
        out.extend_from_slice(payload);
        // Zero padding is fine under a stream cipher: it is encrypted like everything else.
        out.resize(4 + packet_length, 0);
        match self {
            Direction::ChaCha { seal, .. } => {
                let mut tag = [0u8; TAG_LEN];
                seal.seal_in_place(seq, &mut out, &mut tag);
                out.extend_from_slice(&tag);
            }
            Direction::Gcm { key, iv } => {
                let nonce = Self::next_gcm_nonce(iv);
                let (len, body) = out.split_at_mut(4);
                let aad = aead::Aad::from(<[u8; 4]>::try_from(&*len).unwrap_or([0; 4]));
                // Only fails when the input is over GCM's 64 GiB limit.
                if let Ok(tag) = key.seal_in_place_separate_tag(nonce, aad, body) {
                    out.extend_from_slice(tag.as_ref());
                }
            }
        }
        out
    }

    /// The size on the wire (length field, body, tag) of the packet starting `buf`, once its
    /// first 4 bytes are there.
    pub fn packet_size(&self, seq: u32, buf: &[u8]) -> Result<Option<usize>, CryptoError> {
        let Some(head) = buf.get(..4) else {
            return Ok(None);
        };
        let mut len = [0u8; 4];
        len.copy_from_slice(head);
        if let Direction::ChaCha { open, .. } = self {
            len = open.decrypt_packet_length(seq, len);
        }
        let total = wire::check_packet_length(u32::from_be_bytes(len))?;
        Ok(Some(total + TAG_LEN))
    }

    /// Authenticates and decrypts one whole packet (`packet_size` bytes) and returns its
    /// payload.
    pub fn open(&mut self, seq: u32, packet: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let split = packet
            .len()
            .checked_sub(TAG_LEN)
            .filter(|&n| n > 4)
            .ok_or(CryptoError::BadTag)?;
        let (body, tag) = packet.split_at(split);
        let mut tag_bytes = [0u8; TAG_LEN];
        tag_bytes.copy_from_slice(tag);
        let mut buf = body.to_vec();
        let plain: Vec<u8> = match self {
            Direction::ChaCha { open, .. } => open
                .open_in_place(seq, &mut buf, &tag_bytes)
                .map_err(|_| CryptoError::BadTag)?
                .to_vec(),
            Direction::Gcm { key, iv } => {
                let nonce = Self::next_gcm_nonce(iv);
                let (len, rest) = buf.split_at_mut(4);
                let aad = aead::Aad::from(<[u8; 4]>::try_from(&*len).unwrap_or([0; 4]));
                let mut sealed = rest.to_vec();
                sealed.extend_from_slice(&tag_bytes);
                key.open_in_place(nonce, aad, &mut sealed)
                    .map_err(|_| CryptoError::BadTag)?
                    .to_vec()
            }
        };
        Ok(wire::packet_payload(&plain)?.to_vec())
    }
}

/// The keys of both directions after SSH_MSG_NEWKEYS (RFC 4253 §7.2 letters A–D; the MAC keys
/// E/F are unused by AEAD ciphers). Each direction has its own negotiated cipher.
pub fn directions(
    kex: Kex,
    (c2s, s2c): (Cipher, Cipher),
    k: &[u8],
    h: &[u8],
    session_id: &[u8],
) -> Result<(Direction, Direction), CryptoError> {
    let key = |letter, len| derive_key(kex, k, h, letter, session_id, len);
    let out = Direction::new(c2s, &key(b'C', c2s.key_len()), &key(b'A', c2s.iv_len()))?;
    let inp = Direction::new(s2c, &key(b'D', s2c.key_len()), &key(b'B', s2c.iv_len()))?;
    Ok((out, inp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdh_both_sides_agree() {
        let rng = SystemRandom::new();
        for kex in [Kex::Curve25519, Kex::EcdhP256, Kex::EcdhP384] {
            let a = Ephemeral::generate(kex, &rng).unwrap();
            let b = Ephemeral::generate(kex, &rng).unwrap();
            let (a_pub, b_pub) = (a.public.clone(), b.public.clone());
            assert_eq!(
                a.shared_secret(&b_pub).unwrap(),
                b.shared_secret(&a_pub).unwrap()
            );
        }
        // A low-order X25519 point makes the all-zero secret, which must be refused.
        let a = Ephemeral::generate(Kex::Curve25519, &rng).unwrap();
        assert_eq!(a.shared_secret(&[0u8; 32]), Err(CryptoError::BadServerKey));
        let a = Ephemeral::generate(Kex::EcdhP256, &rng).unwrap();
        assert_eq!(a.shared_secret(b"junk"), Err(CryptoError::BadServerKey));
    }

    #[test]
    fn key_derivation_extends_with_sha256() {
        let k = [0, 0, 0, 1, 5];
        let h = [1u8; 32];
        let one = derive_key(Kex::Curve25519, &k, &h, b'C', &h, 32);
        let two = derive_key(Kex::Curve25519, &k, &h, b'C', &h, 64);
        assert_eq!(&two[..32], &one[..]);
        let mut second = Vec::new();
        second.extend_from_slice(&k);
        second.extend_from_slice(&h);
        second.extend_from_slice(&one);
        assert_eq!(
            &two[32..],
            digest::digest(&digest::SHA256, &second).as_ref()
        );
        assert_ne!(one, derive_key(Kex::Curve25519, &k, &h, b'D', &h, 32));
    }

    #[test]
    fn every_cipher_round_trips_and_detects_tampering() {
        let fresh = |cipher| {
            directions(Kex::Curve25519, (cipher, cipher), b"k", b"h", b"s")
                .unwrap()
                .0
        };
        for cipher in [
            Cipher::ChaCha20Poly1305,
            Cipher::Aes128Gcm,
            Cipher::Aes256Gcm,
        ] {
            let (mut sender, mut reader) = (fresh(cipher), fresh(cipher));
            for seq in 3..6 {
                let payload = vec![50u8; 10 + seq as usize];
                let packet = sender.seal(seq, &payload);
                let block = if cipher == Cipher::ChaCha20Poly1305 {
                    8
                } else {
                    16
                };
                assert_eq!((packet.len() - TAG_LEN - 4) % block, 0, "{cipher:?}");
                assert_eq!(
                    reader.packet_size(seq, &packet).unwrap(),
                    Some(packet.len())
                );
                assert_eq!(reader.open(seq, &packet).unwrap(), payload, "{cipher:?}");
            }
            let packet = fresh(cipher).seal(0, b"hello");
            for at in [0, 4, packet.len() - 1] {
                let mut bad = packet.clone();
                bad[at] ^= 1;
                assert!(fresh(cipher).open(0, &bad).is_err(), "{cipher:?} {at}");
            }
            // The wrong sequence number is a wrong nonce for chacha20-poly1305.
            if cipher == Cipher::ChaCha20Poly1305 {
                assert!(fresh(cipher).open(1, &packet).is_err());
            }
            assert!(fresh(cipher).open(0, &packet[..10]).is_err());
        }
        assert_eq!(
            Cipher::from_name("aes128-cbc"),
            Err(CryptoError::UnsupportedCipher("aes128-cbc".into()))
        );
        assert!(Kex::from_name("diffie-hellman-group14-sha1").is_err());
    }
}
