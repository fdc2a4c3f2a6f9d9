#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""VLAN sub-interfaces for a kernel without 802.1Q support (this one has no 8021q module).

Run inside a network namespace: vlan_relay.py TRUNK VID:IFNAME [VID:IFNAME ...]
For each VID it creates a tap interface IFNAME (the sub-interface: give it addresses with `ip`)
and relays frames: a frame received on TRUNK with that VLAN ID comes out of IFNAME untagged,
a frame IFNAME sends leaves TRUNK tagged with it. Untagged frames on TRUNK are the kernel's
(TRUNK itself holds the untagged address); tagged ones with another VID are counted and
dropped. The kernel strips the tag on receive (skb_vlan_untag) and reports it in
PACKET_AUXDATA. Prints "ready" once the taps exist; SIGTERM ends it."""
import fcntl
import os
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    trunk = sys.argv[1]
    taps = {}  # vid -> fd
    for arg in sys.argv[2:]:
        vid, name = arg.split(":")
        taps[int(vid)] = open_tap(name)
    by_fd = {fd: vid for vid, fd in taps.items()}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((trunk, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("ready", flush=True)
    dropped = 0
    while True:
        ready, _, _ = select.select([s] + list(by_fd), [], [])
        for r in ready:
            if r is s:
                data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(32))
                if addr[2] == PACKET_OUTGOING:
                    continue
                vid = None
                for level, typ, cdata in anc:
                    if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                        status, = struct.unpack_from("I", cdata, 0)
                        tci, = struct.unpack_from("H", cdata, 16)
                        if status & TP_STATUS_VLAN_VALID:
                            vid = tci & 0xFFF
                if vid is None and len(data) >= 18 and data[12:14] == b"\x81\x00":
                    vid = struct.unpack_from("!H", data, 14)[0] & 0xFFF  # not stripped
                    data = data[:12] + data[16:]
                if vid is None:
                    continue  # untagged: the trunk interface's own
                if vid in taps:
                    os.write(taps[vid], data)
                else:
                    dropped += 1
            else:
                frame = os.read(r, 65536)
                tag = struct.pack("!HH", 0x8100, by_fd[r])
                s.send(frame[:12] + tag + frame[12:])


if __name__ == "__main__":
    main()
