#!/usr/bin/env python3
"""Generates data/tls-cipher-suites.tsv, the TLS cipher-suite registry edgeaudit embeds.

Usage:
    python3 scripts/gen-tls-cipher-suites.py TLS_PARSER_CIPHERSUITES_TXT \
        [--openssl-include DIR] [--openssl BIN] [--out PATH]

Inputs (nothing is fetched from the network):

* TLS_PARSER_CIPHERSUITES_TXT: `scripts/tls-ciphersuites.txt` of the `tls-parser` crate
  (MIT/Apache-2.0), a colon-separated extract of the IANA "TLS Cipher Suites" registry. Obtain it
  with cargo, in a scratch directory, never as a dependency of edgeaudit:
      cargo new /tmp/tp && cd /tmp/tp && cargo add tls-parser@0.12 && cargo fetch
      ls ~/.cargo/registry/src/*/tls-parser-0.12.*/scripts/tls-ciphersuites.txt
  Only its code points and IANA names are used. Every other column of the TSV is derived here
  from the IANA name, because tls-parser's own columns have known slips (3DES as 168 bits,
  ChaCha20 as 128 bits, CCM_8 folded into CCM, 0xC0AA/0xC0AB with key exchange and
  authentication swapped, every minimum version 0x0300). Those columns are still compared with
  the derived ones as a cross-check.
* The IANA suites tls-parser leaves out (the GOST suites 0xC100-0xC106 of RFC 9189/RFC 9367) and
  the two SSLv3 FORTEZZA suites (0x001C/0x001D, RFC 6101; IANA marks them "reserved to avoid
  conflicts with SSLv3") are listed below in EXTRA_SUITES.
* OpenSSL names: the `SSL3_CK_*`/`TLS1_CK_*` code and `SSL3_TXT_*`/`TLS1_TXT_*` name macros of
  OpenSSL's headers (`ssl3.h`, `tls1.h`; Debian package libssl-dev, default /usr/include/openssl),
  plus HISTORICAL_OPENSSL_NAMES below for suites whose macros OpenSSL has since removed
  (Kerberos, EXPORT1024, FORTEZZA: OpenSSL 0.9.8/1.0.x headers; GOST: OpenSSL 3.x s3_lib.c).
  TLS 1.3 suites carry their IANA names in OpenSSL (`-ciphersuites`).
* Verification: when an `openssl` binary is available, every suite reported by
  `openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` and
  `openssl ciphers -V -stdname -s -tls1_3` must be in the table with the same code, IANA name and
  OpenSSL name, and the same key exchange, authentication, key size, MAC and minimum version as
  OpenSSL reports. The script fails otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HEADER = [
    "code", "iana_name", "openssl_name", "kx", "auth", "enc", "enc_bits", "block_bits",
    "mode", "mac", "export", "min_version", "tls13",
]

SCSV = {0x00FF: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x5600: "TLS_FALLBACK_SCSV"}

# IANA suites missing from tls-parser's extract, and the SSLv3 FORTEZZA suites.
EXTRA_SUITES = {
    # RFC 6101 (SSL 3.0) appendix A.6. 0x001E (SSL_FORTEZZA_KEA_WITH_RC4_128_SHA) is left out:
    # the code point was reused for TLS_KRB5_WITH_DES_CBC_SHA.
    0x001C: "SSL_FORTEZZA_KEA_WITH_NULL_SHA",
    0x001D: "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA",
    # RFC 9189 (TLS 1.2).
    0xC100: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC",
    0xC101: "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC",
    0xC102: "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT",
    # RFC 9367 (TLS 1.3).
    0xC103: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L",
    0xC104: "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L",
    0xC105: "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S",
    0xC106: "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S",
}

# OpenSSL names whose macros are no longer in OpenSSL 3.0's headers.
HISTORICAL_OPENSSL_NAMES = {
    # FORTEZZA: OpenSSL 0.9.x-1.0.x ssl3.h SSL3_TXT_FZA_DMS_* (table entries never enabled).
    0x001C: "FZA-NULL-SHA",
    0x001D: "FZA-FZA-CBC-SHA",
    # Kerberos 5: OpenSSL 0.9.8-1.0.2 ssl3.h SSL3_TXT_KRB5_* (removed in 1.1.0).
    0x001E: "KRB5-DES-CBC-SHA",
    0x001F: "KRB5-DES-CBC3-SHA",
    0x0020: "KRB5-RC4-SHA",
    0x0021: "KRB5-IDEA-CBC-SHA",
    0x0022: "KRB5-DES-CBC-MD5",
    0x0023: "KRB5-DES-CBC3-MD5",
    0x0024: "KRB5-RC4-MD5",
    0x0025: "KRB5-IDEA-CBC-MD5",
    0x0026: "EXP-KRB5-DES-CBC-SHA",
    0x0027: "EXP-KRB5-RC2-CBC-SHA",
    0x0028: "EXP-KRB5-RC4-SHA",
    0x0029: "EXP-KRB5-DES-CBC-MD5",
    0x002A: "EXP-KRB5-RC2-CBC-MD5",
    0x002B: "EXP-KRB5-RC4-MD5",
    # 56-bit export suites (draft-ietf-tls-56-bit-ciphersuites): OpenSSL 0.9.x-1.0.2 tls1.h
    # TLS1_TXT_*_EXPORT1024_* (removed in 1.1.0).
    0x0060: "EXP1024-RC4-MD5",
    0x0061: "EXP1024-RC2-CBC-MD5",
    0x0062: "EXP1024-DES-CBC-SHA",
    0x0063: "EXP1024-DHE-DSS-DES-CBC-SHA",
    0x0064: "EXP1024-RC4-SHA",
    0x0065: "EXP1024-DHE-DSS-RC4-SHA",
    # OpenSSL 3.0's tls1.h still has TLS1_TXT_DHE_DSS_WITH_RC4_128_SHA, but no longer the
    # matching TLS1_CK_ code macro (0x03000066 in 0.9.8-1.0.2).
    0x0066: "DHE-DSS-RC4-SHA",
    # GOST (RFC 9189): OpenSSL 3.x s3_lib.c, available with the GOST engine/provider.
    0xC100: "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC",
    0xC101: "GOST2012-MAGMA-MAGMAOMAC",
    0xC102: "IANA-GOST2012-GOST8912-GOST8912",
}

# Key exchange and authentication by the part of the name before "_WITH_".
KXAU = {
    "NULL": ("NULL", "NULL", False),
    "RSA": ("RSA", "RSA", False),
    "RSA_EXPORT": ("RSA", "RSA", True),
    "RSA_EXPORT1024": ("RSA", "RSA", True),
    "DH_DSS": ("DH", "DSS", False),
    "DH_DSS_EXPORT": ("DH", "DSS", True),
    "DH_RSA": ("DH", "RSA", False),
    "DH_RSA_EXPORT": ("DH", "RSA", True),
    "DHE_DSS": ("DHE", "DSS", False),
    "DHE_DSS_EXPORT": ("DHE", "DSS", True),
    "DHE_DSS_EXPORT1024": ("DHE", "DSS", True),
    "DHE_RSA": ("DHE", "RSA", False),
    "DHE_RSA_EXPORT": ("DHE", "RSA", True),
    # Anonymous (EC)DH sends an ephemeral server key in ServerKeyExchange (RFC 5246 7.4.3,
    # RFC 8422 2.3): the key exchange is ephemeral, only authentication is missing.
    "DH_anon": ("DHE", "anon", False),
    "DH_anon_EXPORT": ("DHE", "anon", True),
    "ECDH_anon": ("ECDHE", "anon", False),
    "KRB5": ("KRB5", "KRB5", False),
    "KRB5_EXPORT": ("KRB5", "KRB5", True),
    "PSK": ("PSK", "PSK", False),
    "DHE_PSK": ("DHE_PSK", "PSK", False),
    "PSK_DHE": ("DHE_PSK", "PSK", False),  # 0xC0AA/0xC0AB, named so in RFC 6655 and IANA
    "ECDHE_PSK": ("ECDHE_PSK", "PSK", False),
    # RSA_PSK: the server authenticates with its RSA certificate too (OpenSSL: Au=RSA).
    "RSA_PSK": ("RSA_PSK", "RSA", False),
    "ECDH_ECDSA": ("ECDH", "ECDSA", False),
    "ECDH_RSA": ("ECDH", "RSA", False),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA", False),
    "ECDHE_RSA": ("ECDHE", "RSA", False),
    "SRP_SHA": ("SRP", "SRP", False),
    "SRP_SHA_RSA": ("SRP", "RSA", False),
    "SRP_SHA_DSS": ("SRP", "DSS", False),
    "ECCPWD": ("ECCPWD", "ECCPWD", False),
    "FORTEZZA_KEA": ("FORTEZZA", "FORTEZZA", False),
    "GOSTR341112_256": ("GOST", "GOST", False),
}

# Bulk cipher: (effective key bits, block bits, mode, AEAD).
CIPHERS = {
    "NULL": (0, 0, "NULL", False),
    "RC4_40": (40, 0, "STREAM", False),
    "RC4_56": (56, 0, "STREAM", False),
    "RC4_128": (128, 0, "STREAM", False),
    "RC2_CBC_40": (40, 64, "CBC", False),
    "RC2_CBC_56": (56, 64, "CBC", False),
    "DES40_CBC": (40, 64, "CBC", False),
    "DES_CBC_40": (40, 64, "CBC", False),
    "DES_CBC": (56, 64, "CBC", False),
    "3DES_EDE_CBC": (112, 64, "CBC", False),
    "IDEA_CBC": (128, 64, "CBC", False),
    "SEED_CBC": (128, 128, "CBC", False),
    "FORTEZZA_CBC": (80, 64, "CBC", False),  # Skipjack: 80-bit key, 64-bit block
    "CHACHA20_POLY1305": (256, 0, "POLY1305", True),
    "SM4_GCM": (128, 128, "GCM", True),
    "SM4_CCM": (128, 128, "CCM", True),
    "AEGIS_256": (256, 0, "AEGIS", True),
    "AEGIS_128L": (128, 0, "AEGIS", True),
    # GOST: Kuznyechik has a 128-bit block, Magma (GOST 28147-89) a 64-bit one; all 256-bit keys.
    "KUZNYECHIK_CTR": (256, 128, "CTR", False),
    "MAGMA_CTR": (256, 64, "CTR", False),
    "28147_CNT": (256, 64, "CTR", False),
    "KUZNYECHIK_MGM_L": (256, 128, "MGM", True),
    "KUZNYECHIK_MGM_S": (256, 128, "MGM", True),
    "MAGMA_MGM_L": (256, 64, "MGM", True),
    "MAGMA_MGM_S": (256, 64, "MGM", True),
}
for family in ("AES", "CAMELLIA", "ARIA"):
    for bits in (128, 256):
        CIPHERS[f"{family}_{bits}_CBC"] = (bits, 128, "CBC", False)
        CIPHERS[f"{family}_{bits}_GCM"] = (bits, 128, "GCM", True)
for bits in (128, 256):
    CIPHERS[f"AES_{bits}_CCM"] = (bits, 128, "CCM", True)
    CIPHERS[f"AES_{bits}_CCM_8"] = (bits, 128, "CCM_8", True)

MAC_SUFFIX = {"MD5": "MD5", "SHA": "SHA1", "SHA256": "SHA256", "SHA384": "SHA384",
              "SHA512": "SHA512", "SM3": "SM3", "OMAC": "OMAC", "IMIT": "IMIT"}


def fail(msg):
    sys.exit(f"gen-tls-cipher-suites: {msg}")


def split_cipher_mac(rest):
    """'AES_128_CBC_SHA' -> ('AES_128_CBC', 'SHA'); CCM suites carry no MAC/PRF suffix."""
    if rest in CIPHERS:
        return rest, None
    for suffix in ("_SHA256", "_SHA384", "_SHA512", "_SHA", "_MD5", "_SM3", "_OMAC", "_IMIT"):
        if rest.endswith(suffix) and rest[: -len(suffix)] in CIPHERS:
            return rest[: -len(suffix)], suffix[1:]
    if rest == "NULL_NULL":
        return "NULL", "NULL"
    fail(f"cannot split cipher and MAC in {rest!r}")


def derive(code, name):
    if code in SCSV:
        return dict(kx="SCSV", auth="SCSV", enc="NULL", enc_bits=0, block_bits=0, mode="NULL",
                    mac="NULL", export=False, min_version="SSLv3", tls13=False)
    m = re.fullmatch(r"(?:TLS|SSL)_(.+?)_WITH_(.+)", name)
    tls13 = False
    if m:
        kxau, rest = m.group(1), m.group(2)
        if kxau not in KXAU:
            fail(f"unknown key exchange {kxau!r} in {name}")
        kx, auth, export = KXAU[kxau]
        # The GOST AEAD (MGM) suites are TLS 1.3 suites (RFC 9367).
        if kxau == "GOSTR341112_256" and "_MGM_" in rest:
            kx, auth, tls13 = "TLS13", "TLS13", True
    else:
        # TLS 1.3 style: TLS_<AEAD>_<HASH>, including the integrity-only TLS_SHA256_SHA256.
        m = re.fullmatch(r"TLS_(.+)", name)
        rest = m.group(1)
        if rest in ("SHA256_SHA256", "SHA384_SHA384"):
            rest = "NULL_" + rest.split("_")[1]
        kx, auth, export, tls13 = "TLS13", "TLS13", False, True
    enc, mac_suffix = split_cipher_mac(rest)
    enc_bits, block_bits, mode, aead = CIPHERS[enc]
    if aead:
        mac = "AEAD"
    elif mac_suffix == "NULL":
        mac = "NULL"
    elif mac_suffix in MAC_SUFFIX:
        mac = MAC_SUFFIX[mac_suffix]
    else:
        fail(f"no MAC for {name}")
    if mac in ("SM3", "SHA512"):
        fail(f"unexpected MAC {mac} for non-AEAD {name}")
    if tls13:
        min_version = "TLSv1.3"
    elif kx in ("PSK", "DHE_PSK", "RSA_PSK", "ECDHE_PSK") and mac in ("SHA256", "SHA384"):
        # RFC 5487 3.2 (and RFC 5489, RFC 6367 after it): these PSK suites with an HMAC-SHA-2
        # record MAC may be negotiated in TLS 1.0/1.1 with that version's PRF; OpenSSL agrees.
        min_version = "TLSv1.0"
    elif mac in ("SHA256", "SHA384", "AEAD", "OMAC", "IMIT"):
        min_version = "TLSv1.2"
    elif kx in ("ECDH", "ECDHE", "ECDHE_PSK"):
        # ECC suites need the TLS extensions of RFC 8422; OpenSSL offers them from TLS 1.0 on.
        min_version = "TLSv1.0"
    else:
        min_version = "SSLv3"
    return dict(kx=kx, auth=auth, enc=enc, enc_bits=enc_bits, block_bits=block_bits, mode=mode,
                mac=mac, export=export, min_version=min_version, tls13=tls13)


def read_tls_parser(path):
    suites = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            fields = line.split(":")
            if len(fields) != 15:
                fail(f"{path}:{n}: expected 15 fields, got {len(fields)}")
            code = int(fields[0], 16)
            if code in suites:
                fail(f"{path}:{n}: duplicate code {code:#06x}")
            suites[code] = fields
    return suites


def read_openssl_headers(include_dir):
    """Maps code -> OpenSSL name from the *_CK_* and *_TXT_* macros of ssl3.h and tls1.h."""
    codes, names = {}, {}
    define = re.compile(r"#\s*define\s+(SSL3|TLS1)_(CK|TXT)_(\w+)\s+(\S+)")
    for header in ("ssl3.h", "tls1.h"):
        path = os.path.join(include_dir, header)
        if not os.path.exists(path):
            fail(f"{path} not found (install libssl-dev or pass --openssl-include)")
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = define.match(line.strip())
                if not m:
                    continue
                _, kind, key, value = m.groups()
                key = key.replace("EDH_", "DHE_")  # SSL3_TXT_EDH_* name the SSL3_CK_DHE_* codes
                if kind == "CK" and value.startswith("0x"):
                    codes[key] = int(value, 16) & 0xFFFF
                elif kind == "TXT" and value.startswith('"'):
                    names[key] = value.strip('"')
    by_code = {}
    for key, code in codes.items():
        if key in names:
            if by_code.get(code, names[key]) != names[key]:
                fail(f"two OpenSSL names for {code:#06x}: {by_code[code]} and {names[key]}")
            by_code[code] = names[key]
    return by_code


def run_openssl(binary, args):
    out = subprocess.run([binary, "ciphers", *args], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for line in out.splitlines():
        p = line.split()
        hi, lo = p[0].split(",")
        code = (int(hi, 16) << 8) | int(lo, 16)
        fields = dict(kv.split("=", 1) for kv in p[6:])
        rows.append(dict(code=code, stdname=p[2], name=p[4], version=p[5], **fields))
    return rows


def check_against_openssl(binary, rows):
    by_code = {r["code"]: r for r in rows}
    listed = run_openssl(binary, ["-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
    listed += run_openssl(binary, ["-V", "-stdname", "-s", "-tls1_3"])
    kx_map = {"DHE": "DH", "ECDHE": "ECDH", "DHE_PSK": "DHEPSK", "ECDHE_PSK": "ECDHEPSK",
              "RSA_PSK": "RSAPSK", "TLS13": "any"}
    au_map = {"anon": "None", "TLS13": "any"}
    mac_map = {"SHA1": "SHA1", "SHA256": "SHA256", "SHA384": "SHA384", "MD5": "MD5",
               "AEAD": "AEAD"}
    version_map = {"SSLv3": "SSLv3", "TLSv1.0": "TLSv1", "TLSv1.2": "TLSv1.2",
                   "TLSv1.3": "TLSv1.3"}
    problems = []
    for o in listed:
        r = by_code.get(o["code"])
        if r is None:
            problems.append(f"{o['code']:#06x} {o['name']} missing")
            continue
        expect = {
            "stdname": r["iana_name"],
            "name": r["openssl_name"],
            "Kx": kx_map.get(r["kx"], r["kx"]),
            "Au": au_map.get(r["auth"], r["auth"]),
            "Mac": mac_map[r["mac"]],
            "version": version_map[r["min_version"]],
        }
        for field, value in expect.items():
            if o[field] != value:
                problems.append(f"{o['code']:#06x} {field}: openssl {o[field]!r}, table {value!r}")
        # OpenSSL reports 3DES with its nominal 168 bits; the table has the effective 112.
        bits = re.search(r"\((\d+)\)", o["Enc"])
        openssl_bits = int(bits.group(1)) if bits else 0
        table_bits = r["enc_bits"] if r["enc"] != "3DES_EDE_CBC" else 168
        enc = o["Enc"].upper()
        openssl_mode = ("NULL" if enc == "NONE" else "CCM_8" if "CCM8" in enc
                        else "CCM" if "CCM" in enc else "GCM" if "GCM" in enc
                        else "POLY1305" if "POLY1305" in enc else "STREAM" if "RC4" in enc
                        else "CBC")
        if openssl_bits != table_bits or openssl_mode != r["mode"]:
            problems.append(f"{o['code']:#06x} Enc {o['Enc']} vs {r['enc']} {r['enc_bits']}")
    if problems:
        fail("disagreements with openssl:\n  " + "\n  ".join(problems))
    return len({o["code"] for o in listed})


def cross_check_tls_parser(tp, rows):
    """Compares the derived columns with tls-parser's where the two describe the same thing."""
    enc_family = {"3DES_EDE_CBC": "3DES", "CHACHA20_POLY1305": "CHACHA20_POLY1305"}
    notes = []
    for r in rows:
        f = tp.get(r["code"])
        if f is None or r["kx"] == "SCSV":
            continue
        tp_kx, tp_au, tp_enc, tp_mode = f[2], f[3], f[4], f[5]
        kx = {"DHE_PSK": "DHE", "ECDHE_PSK": "ECDHE", "RSA_PSK": "RSA"}.get(r["kx"], r["kx"])
        if r["auth"] == "anon":
            kx = kx[:-1] if kx.endswith("DHE") else kx  # tls-parser: DH_anon -> DH, NULL
        if kx != tp_kx and not (r["code"] in (0xC0AA, 0xC0AB)):
            notes.append(f"{r['code']:#06x} kx {r['kx']} vs tls-parser {tp_kx}")
        family = enc_family.get(r["enc"], r["enc"].split("_")[0])
        family = {"DES40": "DES"}.get(family, family)
        if family != tp_enc:
            notes.append(f"{r['code']:#06x} enc {r['enc']} vs tls-parser {tp_enc}")
        mode = {"CCM_8": "CCM", "STREAM": "", "POLY1305": "", "NULL": "", "AEGIS": "NULL"}.get(
            r["mode"], r["mode"])
        if mode != tp_mode:
            notes.append(f"{r['code']:#06x} mode {r['mode']} vs tls-parser {tp_mode!r}")
        if r["export"] != (f[12] == "1") and "EXPORT1024" not in r["iana_name"]:
            notes.append(f"{r['code']:#06x} export {r['export']} vs tls-parser {f[12]}")
    expected = {"0xc0aa", "0xc0ab"}
    unexpected = [n for n in notes if n.split()[0] not in expected]
    if unexpected:
        fail("disagreements with tls-parser:\n  " + "\n  ".join(unexpected))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tls_parser_txt")
    ap.add_argument("--openssl-include", default="/usr/include/openssl")
    ap.add_argument("--openssl", default=shutil.which("openssl"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                  "tls-cipher-suites.tsv"))
    args = ap.parse_args()

    tp = read_tls_parser(args.tls_parser_txt)
    names = {code: f[1] for code, f in tp.items()}
    for code, name in EXTRA_SUITES.items():
        if code in names:
            fail(f"{code:#06x} is already in tls-parser's list as {names[code]}")
        names[code] = name
    for code, name in SCSV.items():
        if names.get(code) != name:
            fail(f"{code:#06x} expected as {name}")

    openssl_names = read_openssl_headers(args.openssl_include)
    for code, name in HISTORICAL_OPENSSL_NAMES.items():
        if openssl_names.get(code, name) != name:
            fail(f"{code:#06x}: header says {openssl_names[code]}, table says {name}")
        openssl_names[code] = name

    rows = []
    for code in sorted(names):
        name = names[code]
        row = dict(code=code, iana_name=name, **derive(code, name))
        if row["tls13"] and row["kx"] == "TLS13" and code in range(0x1301, 0x1306):
            row["openssl_name"] = name  # OpenSSL's TLS 1.3 suite names are the IANA names
        else:
            row["openssl_name"] = openssl_names.get(code, "")
        rows.append(row)

    unused = set(openssl_names) - {r["code"] for r in rows}
    if unused:
        fail("OpenSSL names for codes not in the table: "
             + ", ".join(f"{c:#06x} {openssl_names[c]}" for c in sorted(unused)))
    seen = {}
    for r in rows:
        for n in (r["iana_name"], r["openssl_name"]):
            if n and seen.setdefault(n, r["code"]) != r["code"]:
                fail(f"name {n} used by {seen[n]:#06x} and {r['code']:#06x}")

    cross_check_tls_parser(tp, rows)
    if args.openssl:
        checked = check_against_openssl(args.openssl, rows)
        print(f"checked {checked} suites against {args.openssl}", file=sys.stderr)
    else:
        print("no openssl binary: skipped the check against it", file=sys.stderr)

    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write("\t".join(HEADER) + "\n")
        for r in rows:
            out.write("\t".join([
                f"0x{r['code']:04X}", r["iana_name"], r["openssl_name"], r["kx"], r["auth"],
                r["enc"], str(r["enc_bits"]), str(r["block_bits"]), r["mode"], r["mac"],
                str(int(r["export"])), r["min_version"], str(int(r["tls13"])),
            ]) + "\n")
    print(f"wrote {len(rows)} rows to {os.path.normpath(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
