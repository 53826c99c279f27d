//! RFC 4253 §7.1 SSH_MSG_KEXINIT: any bytes decode or fail cleanly; what decodes re-encodes to
//! a message that decodes to the same value.
#![no_main]
use edgeaudit::probe::ssh::wire::KexInit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(k) = KexInit::decode(data) {
        let again = KexInit::decode(&k.encode()).expect("re-decode");
        assert_eq!(again, k);
    }
});
