#!/usr/bin/env python3
"""Write a pcap of 64-byte Ethernet/IPv4/UDP frames for the benchmark and the tests.

gen-pcap.py OUT [--flows N] [--src-mac M] [--dst-mac M] [--src-ip A] [--dst-ip A]
            [--size BYTES] [--sport BASE] [--dport P] [--ttl-cycle]
Flows differ by UDP source port (BASE .. BASE+N-1, wrapping into the next source IP after
65535), one frame per flow, in order; a replaying generator loops over the file. With
--ttl-cycle, frame i's TTL is 2 + i % 254 instead of 64 (a router's megaflows match the TTL:
254 of them)."""
import argparse
import ipaddress
import struct


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s: str) -> bytes:
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC " + s)
    return b


def frame(a, sport: int, src_ip: int, ttl: int = 64) -> bytes:
    size = a.size - 4  # the FCS is not in the capture
    payload = b"\x00" * (size - 14 - 20 - 8)
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, ttl, 17, 0,
                     src_ip.to_bytes(4, "big"), int(ipaddress.IPv4Address(a.dst_ip)).to_bytes(4, "big"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, a.dport, udp_len, 0)
    return mac(a.dst_mac) + mac(a.src_mac) + b"\x08\x00" + ip + udp + payload


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--flows", type=int, default=1)
    p.add_argument("--src-mac", default="00:00:00:00:01:01")
    p.add_argument("--dst-mac", default="00:00:00:00:02:02")
    p.add_argument("--src-ip", default="10.16.0.11")
    p.add_argument("--dst-ip", default="10.16.0.12")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--sport", type=int, default=1024)
    p.add_argument("--dport", type=int, default=5000)
    p.add_argument("--ttl-cycle", action="store_true")
    a = p.parse_args()
    if a.size < 64 or a.size > 1518:
        p.error("--size must be in [64, 1518]")
    base_ip = int(ipaddress.IPv4Address(a.src_ip))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        span = 65536 - a.sport
        for i in range(a.flows):
            fr = frame(a, a.sport + i % span, base_ip + i // span,
                       2 + i % 254 if a.ttl_cycle else 64)
            f.write(struct.pack("<IIII", 0, i, len(fr), len(fr)) + fr)


if __name__ == "__main__":
    main()
