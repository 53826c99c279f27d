//! The root store certificate chains are verified against: the Mozilla set bundled with
//! webpki-roots (the default: the same answer on every machine), the operating system's bundle,
//! or a PEM file of the user's own (an organisation's private CA, for an inside audit).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;
use thiserror::Error;

/// Where Linux and BSD distributions keep the system bundle, in the order looked at (after
/// `SSL_CERT_FILE`): Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine/Arch (same as Debian),
/// FreeBSD.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
];

/// A set of trust anchors and the words that say where they came from (kept in the scan).
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub roots: Arc<RootCertStore>,
    pub description: String,
}

#[derive(Debug, Error)]
pub enum TrustStoreError {
    #[error("no system certificate bundle found (SSL_CERT_FILE is unset and none of {} exists)", SYSTEM_BUNDLES.join(", "))]
    NoSystemBundle,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} holds no usable CA certificate in PEM form ({ignored} certificate(s) rejected)"
    )]
    NoCertificate { path: PathBuf, ignored: usize },
}

impl TrustStore {
    /// The Mozilla root set of webpki-roots, built once.
    pub fn mozilla() -> TrustStore {
        static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
        let roots = ROOTS.get_or_init(|| {
            Arc::new(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            })
        });
        TrustStore {
            roots: roots.clone(),
            description: "mozilla (webpki-roots)".into(),
        }
    }

    /// The operating system's bundle: `SSL_CERT_FILE` when set, else the first of
    /// [`SYSTEM_BUNDLES`] that exists.
    pub fn system() -> Result<TrustStore, TrustStoreError> {
        let path = match std::env::var_os("SSL_CERT_FILE") {
            Some(file) => PathBuf::from(file),
            None => SYSTEM_BUNDLES
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .ok_or(TrustStoreError::NoSystemBundle)?,
        };
        let mut store = Self::from_pem_file(&path)?;
        store.description = format!("system ({})", path.display());
        Ok(store)
    }

    /// Every CA certificate in a PEM file (other PEM sections are skipped).
    pub fn from_pem_file(path: &Path) -> Result<TrustStore, TrustStoreError> {
        let bytes = std::fs::read(path).map_err(|source| TrustStoreError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
            .filter_map(Result::ok)
            .collect();
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(TrustStoreError::NoCertificate {
                path: path.to_path_buf(),
                ignored,
            });
        }
        Ok(TrustStore {
            roots: Arc::new(roots),
            description: format!("file {} ({added} roots)", path.display()),
        })
    }

    /// `mozilla`, `system`, or a path to a PEM file: the `--trust-store` argument.
    pub fn from_arg(arg: &str) -> Result<TrustStore, TrustStoreError> {
        match arg {
            "mozilla" => Ok(Self::mozilla()),
            "system" => Self::system(),
            path => Self::from_pem_file(Path::new(path)),
        }
    }
}

impl Default for TrustStore {
    fn default() -> Self {
        Self::mozilla()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozilla_store_is_not_empty() {
        let store = TrustStore::mozilla();
        assert!(store.roots.len() > 100, "{}", store.roots.len());
        assert_eq!(store.description, "mozilla (webpki-roots)");
    }

    #[test]
    fn pem_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = TrustStore::from_arg(missing.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("missing.pem"), "{e}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let e = TrustStore::from_pem_file(&junk).unwrap_err();
        assert!(
            e.to_string().contains("junk.pem") && e.to_string().contains("no usable CA"),
            "{e}"
        );
    }

    /// Debian's ca-certificates bundle is on every machine this project runs its tests on
    /// (scripts/test.sh installs it with openssl).
    #[test]
    fn system_store_reads_the_distribution_bundle() {
        let store = TrustStore::system().expect("system bundle");
        assert!(store.roots.len() > 50, "{}", store.roots.len());
        assert!(
            store.description.starts_with("system ("),
            "{}",
            store.description
        );
    }
}
