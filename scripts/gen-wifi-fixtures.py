#!/usr/bin/env python3
"""Writes edgeaudit's own 802.11 capture fixtures: pcap-fixtures/wifi/synthetic/ and malformed/.

Usage (from the repository root): python3 scripts/gen-wifi-fixtures.py
Needs scapy (pip install scapy; made with 2.8.0). The generated files are committed, so tests and
CI never run this script. The output is deterministic: running it again gives the same bytes.

scapy builds the 802.11 headers and the radiotap headers; the element bodies (RSN, WPA, WPS, ...)
are packed here byte by byte so each fixture holds exactly the suites its name says. The pcap and
pcapng containers are written here too, so byte order, timestamp resolution and block layout are
chosen per file (IETF draft-ietf-opsawg-pcap and -pcapng).
"""

import os
import struct
import zlib

from scapy.all import Dot11, RadioTap, raw

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcap-fixtures", "wifi")
SYNTHETIC = os.path.join(ROOT, "synthetic")
MALFORMED = os.path.join(ROOT, "malformed")

# Fixed capture time: 2026-01-01T00:00:00Z, one frame every 102.4 ms.
EPOCH = 1767225600
BROADCAST = "ff:ff:ff:ff:ff:ff"
CLIENT = "02:00:00:00:99:99"

RSN_OUI = b"\x00\x0f\xac"
WPA_OUI = b"\x00\x50\xf2"
# Cipher suite types (IEEE 802.11-2020 Table 9-149).
TKIP, CCMP, BIP_CMAC_128, GCMP_256, BIP_GMAC_256 = 2, 4, 6, 9, 12
# AKM suite types (Table 9-151).
IEEE8021X, PSK, IEEE8021X_SHA256, PSK_SHA256, SAE, SUITE_B_192, OWE = 1, 2, 5, 6, 8, 12, 18
MFPR, MFPC = 0x0040, 0x0080


def element(eid, body):
    return bytes([eid, len(body)]) + body


def ssid(name):
    return element(0, name)


RATES = element(1, bytes([0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24]))


def ds(channel):
    return element(3, bytes([channel]))


def country(code=b"JP", environment=b" "):
    # One triplet: first channel 1, 13 channels, 20 dBm.
    return element(7, code + environment + bytes([1, 13, 20]))


def ht_operation(primary):
    return element(61, bytes([primary]) + bytes(21))


def suites(oui, types):
    return struct.pack("<H", len(types)) + b"".join(oui + bytes([t]) for t in types)


def rsn(group, pairwise, akms, caps, pmkids=None, group_mgmt=None):
    body = struct.pack("<H", 1) + RSN_OUI + bytes([group])
    body += suites(RSN_OUI, pairwise) + suites(RSN_OUI, akms) + struct.pack("<H", caps)
    if pmkids is not None or group_mgmt is not None:
        count = pmkids or 0
        body += struct.pack("<H", count) + bytes(16 * count)
    if group_mgmt is not None:
        body += RSN_OUI + bytes([group_mgmt])
    return element(48, body)


def wpa(group, pairwise, akms):
    body = WPA_OUI + b"\x01" + struct.pack("<H", 1) + WPA_OUI + bytes([group])
    body += suites(WPA_OUI, pairwise) + suites(WPA_OUI, akms)
    return element(221, body)


def wps_attribute(kind, value):
    return struct.pack(">HH", kind, len(value)) + value


def wps(state, locked=None, device=b"lab-ap", model=b"EA-1", manufacturer=b"edgeaudit lab"):
    attrs = wps_attribute(0x104A, b"\x10") + wps_attribute(0x1044, bytes([state]))
    if locked is not None:
        attrs += wps_attribute(0x1057, bytes([locked]))
    attrs += wps_attribute(0x1021, manufacturer) + wps_attribute(0x1023, model)
    attrs += wps_attribute(0x1011, device)
    # Vendor extension: Wi-Fi Alliance 00-37-2A, subelement Version2 (0) = 0x20.
    attrs += wps_attribute(0x1049, b"\x00\x37\x2a" + b"\x00\x01\x20")
    return element(221, WPA_OUI + b"\x04" + attrs)


def bssid(n):
    return "02:00:00:00:00:%02x" % n


# Every access point: (BSSID number, SSID bytes, privacy, channel, elements after SSID/rates).
# The expected facts of each are listed in pcap-fixtures/wifi/README.md and asserted in
# tests/wifi_fixtures.rs.
ACCESS_POINTS = [
    (0x01, b"lab-open", False, 6, [ds(6), country(), ht_operation(6)]),
    (0x02, b"lab-owe", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [OWE], MFPR | MFPC, pmkids=0, group_mgmt=BIP_CMAC_128)]),
    (0x03, b"lab-wep", True, 1, [ds(1)]),
    (0x04, b"lab-wpa1-tkip", True, 11, [ds(11), wpa(TKIP, [TKIP], [PSK])]),
    (0x05, b"lab-wpa2-psk", True, 6, [ds(6), rsn(CCMP, [CCMP], [PSK], 0x0000), wps(2)]),
    (0x06, b"lab-wpa2-wps-locked", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [PSK], 0x0000), wps(2, locked=1)]),
    (0x07, b"lab-wpa2-wps-unconfigured", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [PSK], 0x0000), wps(1)]),
    (0x08, b"lab-wpa2-tkip", True, 6, [ds(6), rsn(TKIP, [CCMP, TKIP], [PSK], 0x0000)]),
    (0x09, b"lab-wpa-wpa2-mixed", True, 6,
     [ds(6), rsn(TKIP, [CCMP, TKIP], [PSK], 0x0000), wpa(TKIP, [TKIP], [PSK])]),
    (0x0A, b"lab-wpa3-transition", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [PSK, SAE], MFPC, pmkids=0, group_mgmt=BIP_CMAC_128)]),
    (0x0B, b"lab-wpa3-sae", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [SAE], MFPR | MFPC, pmkids=0, group_mgmt=BIP_CMAC_128)]),
    (0x0C, b"lab-wpa2-enterprise", True, 6, [ds(6), rsn(CCMP, [CCMP], [IEEE8021X], 0x0000)]),
    (0x0D, b"lab-wpa3-enterprise-192", True, 6,
     [ds(6), rsn(GCMP_256, [GCMP_256], [SUITE_B_192], MFPR | MFPC, pmkids=0,
                 group_mgmt=BIP_GMAC_256)]),
    (0x0E, b"lab-wpa3-enterprise", True, 6,
     [ds(6), rsn(CCMP, [CCMP], [IEEE8021X_SHA256], MFPR | MFPC, pmkids=0,
                 group_mgmt=BIP_CMAC_128)]),
    (0x0F, b"lab-wpa2-psk-pmf", True, 6, [ds(6), rsn(CCMP, [CCMP], [PSK_SHA256], MFPR | MFPC)]),
    (0x10, b"", True, 6, [ds(6), rsn(CCMP, [CCMP], [PSK], 0x0000)]),
    (0x11, bytes(8), False, 6, [ds(6)]),
    (0x12, b"lab-\xff\xfe", True, 6, [ds(6)]),
    (0x13, b"lab-5ghz", True, 36, [ht_operation(36), rsn(CCMP, [CCMP], [PSK], 0x0000)]),
]


def management(subtype, source, destination, privacy, body_elements):
    cap = 0x0401 | (0x0010 if privacy else 0)
    header = Dot11(type=0, subtype=subtype, addr1=destination, addr2=source, addr3=source)
    # Timestamp u64, beacon interval 100 TU, capability (IEEE 802.11-2020 §9.3.3.3), all
    # little-endian; packed here because scapy's Dot11Beacon stores `cap` in another order.
    fixed = struct.pack("<QHH", 0, 100, cap)
    return raw(header) + fixed + body_elements


def frames():
    """(802.11 frame bytes, channel, signal dBm) in capture order."""
    out = []
    for number, name, privacy, channel, extra in ACCESS_POINTS:
        body = ssid(name) + RATES + b"".join(extra)
        out.append((management(8, bssid(number), BROADCAST, privacy, body), channel, -60))
    # lab-open: a second beacon, stronger, and a probe response.
    number, name, privacy, channel, extra = ACCESS_POINTS[0]
    body = ssid(name) + RATES + b"".join(extra)
    out.append((management(8, bssid(number), BROADCAST, privacy, body), channel, -42))
    out.append((management(5, bssid(number), CLIENT, privacy, body), channel, -50))
    # The hidden network (BSSID 0x10) names itself in a probe response.
    body = ssid(b"lab-hidden") + RATES + ds(6) + rsn(CCMP, [CCMP], [PSK], 0x0000)
    out.append((management(5, bssid(0x10), CLIENT, True, body), 6, -55))
    # Frames the survey skips: a probe request, a data frame and an ACK.
    probe_request = raw(Dot11(type=0, subtype=4, addr1=BROADCAST, addr2=CLIENT, addr3=BROADCAST))
    out.append((probe_request + ssid(b"") + RATES, 6, -30))
    data = raw(Dot11(type=2, subtype=0, FCfield=0x01, addr1=bssid(1), addr2=CLIENT,
                     addr3=bssid(1)))
    out.append((data + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + bytes(20), 6, -30))
    ack = raw(Dot11(type=1, subtype=13, addr1=CLIENT))[:10]
    out.append((ack, 6, -30))
    return out


def frequency(channel):
    return 2407 + 5 * channel if channel <= 13 else 5000 + 5 * channel


def fcs(frame):
    return struct.pack("<I", zlib.crc32(frame) & 0xFFFFFFFF)


def radiotap(channel, signal, with_fcs):
    flags = "CCK+2GHz" if channel <= 14 else "OFDM+5GHz"
    if with_fcs:
        # TSFT first: 8-byte aligned; then Flags with FCS-at-end (0x10), Rate, Channel, signal.
        header = RadioTap(present="TSFT+Flags+Rate+Channel+dBm_AntSignal", mac_timestamp=1,
                          Flags="FCS", Rate=2, ChannelFrequency=frequency(channel),
                          ChannelFlags=flags, dBm_AntSignal=signal)
    else:
        # Flags at offset 8, then one pad byte so Channel sits on a 2-byte boundary.
        header = RadioTap(present="Flags+Channel+dBm_AntSignal", Flags=0,
                          ChannelFrequency=frequency(channel), ChannelFlags=flags,
                          dBm_AntSignal=signal)
    return raw(header)


def link_frame(link_type, frame, channel, signal, with_fcs):
    trailer = fcs(frame) if with_fcs else b""
    if link_type == 127:
        return radiotap(channel, signal, with_fcs) + frame + trailer
    return frame + trailer


def pcap(link_type, records, big_endian=False, nanoseconds=False, snaplen=65535):
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, link_type)
    for i, data in enumerate(records):
        micros = i * 102400
        fraction = micros * 1000 if nanoseconds else micros
        scale = 1_000_000_000 if nanoseconds else 1_000_000
        seconds = EPOCH + fraction // scale
        out += struct.pack(e + "IIII", seconds, fraction % scale, len(data), len(data)) + data
    return out


def pcapng_block(block_type, body):
    body += bytes((4 - len(body) % 4) % 4)
    total = len(body) + 12
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def pcapng_option(code, value):
    return struct.pack("<HH", code, len(value)) + value + bytes((4 - len(value) % 4) % 4)


def pcapng_shb():
    return pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def pcapng_idb(link_type, tsresol=None):
    body = struct.pack("<HHI", link_type, 0, 65535)
    if tsresol is not None:
        body += pcapng_option(9, bytes([tsresol])) + pcapng_option(0, b"")
    return pcapng_block(1, body)


def pcapng_epb(interface, units, data):
    header = struct.pack("<IIIII", interface, units >> 32, units & 0xFFFFFFFF, len(data),
                         len(data))
    return pcapng_block(6, header + data)


def pcapng_file(all_frames):
    """Two interfaces: 0 radiotap with nanosecond timestamps, 1 raw 802.11 (microseconds).
    Frames alternate between them; one more frame comes as a Simple Packet Block (interface 0),
    and unknown, statistics and name-resolution blocks are mixed in to be stepped over."""
    out = pcapng_shb() + pcapng_idb(127, tsresol=9) + pcapng_idb(105)
    out += pcapng_block(4, struct.pack("<HH", 0, 0))  # empty Name Resolution Block
    out += pcapng_block(0x00000BAD, b"edgeaudit: a block type no reader knows")
    for i, (frame, channel, signal) in enumerate(all_frames[1:]):
        micros = (EPOCH * 1_000_000) + i * 102400
        if i % 2 == 0:
            out += pcapng_epb(0, micros * 1000, link_frame(127, frame, channel, signal, False))
        else:
            out += pcapng_epb(1, micros, frame)
    frame, channel, signal = all_frames[0]
    out += pcapng_block(3, struct.pack("<I", len(radiotap(channel, signal, False)) + len(frame))
                        + radiotap(channel, signal, False) + frame)
    out += pcapng_block(5, struct.pack("<III", 0, 0, 0))  # Interface Statistics Block
    return out


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)
    print(f"{os.path.relpath(os.path.join(directory, name))}: {len(data)} bytes")


def malformed():
    frame, channel, signal = frames()[0]  # lab-open beacon
    good = link_frame(127, frame, channel, signal, False)

    # A record whose incl_len runs past the end of the file, after one good record.
    whole = pcap(127, [good, good])
    write(MALFORMED, "truncated-record.pcap", whole[:-10])
    # The file ends inside a record header.
    write(MALFORMED, "truncated-record-header.pcap", pcap(127, [good]) + bytes(9))

    # An RSN element whose length (200) runs past the frame, after a good SSID and DS element.
    body = ssid(b"lab-overrun") + RATES + ds(6) + bytes([48, 200]) + rsn(CCMP, [CCMP], [PSK], 0)[2:]
    beacon = management(8, bssid(0x20), BROADCAST, True, body)
    # An RSN element whose pairwise count (3) promises more suites than its length holds.
    short_rsn = struct.pack("<H", 1) + RSN_OUI + bytes([CCMP]) + struct.pack("<H", 3)
    short_rsn += RSN_OUI + bytes([CCMP])
    body = ssid(b"lab-short-rsn") + RATES + ds(6) + element(48, short_rsn)
    beacon2 = management(8, bssid(0x21), BROADCAST, True, body)
    write(MALFORMED, "element-overrun.pcap",
          pcap(127, [link_frame(127, beacon, 6, -50, False),
                     link_frame(127, beacon2, 6, -50, False)]))

    # Ethernet (link type 1): an ARP request. Not 802.11, so every record is skipped.
    arp = bytes.fromhex("ffffffffffff02000000999908060001080006040001020000009999c0000201"
                        "000000000000c0000202")
    write(MALFORMED, "ethernet-linktype.pcap", pcap(1, [arp, arp]))

    # Not a capture at all.
    write(MALFORMED, "garbage-magic.pcap", b"GARBAGE!" + bytes(range(40)))

    # A pcap header with a 4 GiB snapshot length.
    write(MALFORMED, "absurd-snaplen.pcap", pcap(127, [good], snaplen=0xFFFFFFF0))

    # pcapng: a good packet, then an Enhanced Packet Block whose length runs past the file.
    ng = pcapng_shb() + pcapng_idb(127) + pcapng_epb(0, 0, good)
    broken = pcapng_epb(0, 0, good)
    broken = broken[:4] + struct.pack("<I", 4096) + broken[8:]
    write(MALFORMED, "truncated-block.pcapng", ng + broken)

    # radiotap says an FCS is at the end, but it does not match the frame.
    bad = radiotap(channel, signal, True) + frame + b"\xde\xad\xbe\xef"
    write(MALFORMED, "bad-fcs.pcap", pcap(127, [bad, link_frame(127, frame, channel, signal, True)]))


def main():
    all_frames = frames()
    radiotap_plain = [link_frame(127, f, c, s, False) for f, c, s in all_frames]
    radiotap_fcs = [link_frame(127, f, c, s, True) for f, c, s in all_frames]
    dot11_plain = [f for f, _, _ in all_frames]
    dot11_fcs = [f + fcs(f) for f, _, _ in all_frames]
    write(SYNTHETIC, "radiotap.pcap", pcap(127, radiotap_plain))
    write(SYNTHETIC, "radiotap-fcs-be-nsec.pcap",
          pcap(127, radiotap_fcs, big_endian=True, nanoseconds=True))
    write(SYNTHETIC, "dot11.pcap", pcap(105, dot11_plain))
    write(SYNTHETIC, "dot11-fcs-be.pcap", pcap(105, dot11_fcs, big_endian=True))
    write(SYNTHETIC, "two-interfaces.pcapng", pcapng_file(all_frames))
    malformed()


if __name__ == "__main__":
    main()
