/* SPDX-License-Identifier: Apache-2.0 */
/* New packets made from a received one, for the logical actions that replace the packet being
 * processed by another: OVN's arp { }, icmp4 { } / icmp4_error { }, icmp6 { } / icmp6_error { },
 * nd_ns { }, nd_na { } / nd_na_router { }, tcp_reset { }, sctp_abort { } and reject { }, and
 * the ARP responder and router ping flows. Pure C over byte buffers (no DPDK), unit-tested and
 * fuzzed on its own.
 *
 * Every builder reads the received frame through a struct pktgen_in (its bytes and what
 * flow_parse said of them, which must have returned FLOW_OK: addresses come from the key,
 * everything else from the bytes at the layout's offsets, each read bounds-checked) and writes
 * a complete new frame into out[0, cap), which must not overlap the input. It returns the new
 * frame's length, or -1 when the input cannot produce one: not the packet the builder answers,
 * truncated or inconsistent, refused by the RFCs (no ICMP error about an ICMP error, a non-first
 * IPv4 fragment, a broadcast or multicast destination, a source that is not one host), or cap
 * too small. On -1 out holds nothing of use.
 *
 * As OVN does, the new frame carries the input's VLAN tag, if any (same TPID and TCI). IPv4
 * headers are 20 bytes, with DF set and ID 0 (RFC 6864: an atomic datagram); IPv6 headers have
 * no extension headers. Every checksum (IPv4 header, ICMP, ICMPv6 and TCP with their
 * pseudo-headers, SCTP's CRC32c) is computed in full. Frames are not padded to 60 bytes (the
 * NIC pads).
 * Multi-byte address arguments are in network byte order, as in struct flow_key. */
#pragma once

#include "flow_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pktgen_in {
	const uint8_t *pkt; /* the frame as received */
	size_t len;
	const struct flow_key *key; /* flow_parse(pkt, len, ...) == FLOW_OK */
	const struct flow_layout *lay;
};

/* Hop limit of a generated packet when the caller passes 0: what OVN's icmp4/icmp6 actions,
 * its ping-responder flows and ovn-sb.xml's tcp_reset set (ND requires 255). */
#define PKTGEN_TTL_DEFAULT 255

/* Room enough for any frame the builders taking a struct pktgen_in make from an input of len
 * bytes (an echo reply is at most as long as its request; an error adds at most 48 bytes of
 * headers to its quote). pktgen_arp() needs 46. */
#define PKTGEN_MAX_FRAME(len) ((size_t)(len) + 64)

/* ---- ARP ---- */

/* An Ethernet/IPv4 ARP packet, all of it. spa/tpa in network order; op in host order. */
struct pktgen_arp {
	uint8_t eth_dst[6];
	uint8_t eth_src[6];
	uint16_t vlan_tpid; /* host order; 0: untagged */
	uint16_t vlan_tci;  /* host order, as on the wire (PCP, DEI, VID) */
	uint16_t op;	    /* 1 request, 2 reply */
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
};

/* Writes the 42-byte (46 tagged) frame a describes. */
int pktgen_arp(const struct pktgen_arp *a, uint8_t *out, size_t cap);

/* OVN's arp { }: the ARP request that replaces an IP packet, before the nested actions run on
 * it: eth.src and eth.dst unchanged, the VLAN tag kept, op 1, sha = eth.src, tha = 0,
 * spa = ip4.src, tpa = ip4.dst. On an IPv6 packet (an IPv6 route with an IPv4 next hop) spa and
 * tpa are 0, as in OVN; the nested actions give them. The router's flow then sets
 * eth.dst = ff:ff:ff:ff:ff:ff, arp.spa = reg1 and arp.tpa = reg0 (the next hop): set those in *a
 * and call pktgen_arp(). Returns 0, or -1 if the input is not IPv4 or IPv6. */
int pktgen_arp_from_ip(const struct pktgen_in *in, struct pktgen_arp *a);

/* The ARP responder's reply to an ARP request (op 1) for an address owned by mac:
 * eth.dst = eth.src, eth.src = mac, op 2, tha = sha, sha = mac, tpa = spa, spa = tpa (so an
 * RFC 5227 probe, spa 0, is answered to tpa 0). -1 if the input is not an ARP request or its
 * Ethernet source is multicast. */
int pktgen_arp_reply(const struct pktgen_in *in, const uint8_t mac[6], uint8_t *out, size_t cap);

/* ---- ICMP echo ---- */

/* The echo reply to an ICMPv4 echo request (type 8 code 0) or an ICMPv6 one (type 128 code 0):
 * Ethernet and IP addresses exchanged, type 0 / 129, identifier, sequence number and data
 * unchanged, checksum recomputed. The IPv4 reply keeps the request's DSCP (ECN 0) and drops its
 * options; the IPv6 reply drops extension headers. ttl 0 is PKTGEN_TTL_DEFAULT.
 * -1 for another message, a fragment, a request whose checksum is wrong (RFC 1122 3.2.2,
 * RFC 4443 2.4), or one to a broadcast or multicast address (RFC 1122 3.2.2.6 allows not
 * answering; the swap would make the reply's source one) or from an address that is not one
 * host. */
int pktgen_icmp4_echo_reply(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap);
int pktgen_icmp6_echo_reply(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap);

/* ---- ICMP errors ---- */

/* What the nested actions of icmp4_error { } / icmp6_error { } set. Zero fields take the input's
 * values as shown. */
struct pktgen_icmp_err {
	uint8_t type;	    /* ICMPv4: 3 unreachable, 11 time exceeded;
			     * ICMPv6: 1 unreachable, 2 packet too big, 3 time exceeded */
	uint8_t code;	    /* ICMPv4 3: 0..15 (4: fragmentation needed), 11: 0..1;
			     * ICMPv6 1: 0..8, 2: 0, 3: 0..1 */
	uint8_t ttl;	    /* 0: PKTGEN_TTL_DEFAULT */
	uint32_t mtu;	    /* host order: next-hop MTU of ICMPv4 3/4 (68..65535), MTU of
			     * ICMPv6 packet too big (1280 or more); ignored otherwise */
	uint8_t eth_src[6]; /* the router port's MAC */
	uint8_t eth_dst[6]; /* 0: the input's eth.src (the previous hop) */
	uint32_t ip4_src;   /* the router port's address */
	uint32_t ip4_dst;   /* 0: the input's ip4.src */
	uint8_t ip6_src[16];
	uint8_t ip6_dst[16]; /* ::: the input's ip6.src */
	uint16_t quote_max;  /* most bytes of the input's IP datagram to quote; 0: as much as keeps
			      * the error within 576 bytes (ICMPv4, RFC 1812 4.3.2.3: 548) or
			      * 1280 (ICMPv6, RFC 4443 2.4(c): 1232). Never less than the IPv4
			      * header + 8 bytes (RFC 792) when the input has them. OVN counts
			      * the Ethernet header in: 534 and 1218. */
};

/* An ICMPv4 error about an IPv4 packet: a new IPv4 header (TOS 0xc0, CS6, as OVN), type, code,
 * the MTU in the second half of the unused word for 3/4, then the start of the input's IP
 * datagram (its header and options included, never its Ethernet padding).
 * -1 (RFC 1122 3.2.2, RFC 1812 4.3.2.7) about an ICMP error or an ICMP message of unknown type,
 * a non-first fragment, a datagram sent to 255.255.255.255, a multicast address or a link-layer
 * broadcast/multicast, from 0/8, 127/8, 224/4 or 240/4 or a multicast MAC; on a bad
 * type/code/MTU or source address, or a destination (given) that is not one host. A
 * subnet-directed broadcast cannot be told from here: the caller's flows refuse it. */
int pktgen_icmp4_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e, uint8_t *out,
		       size_t cap);

/* An ICMPv6 error about an IPv6 packet: a new IPv6 header (class 0, label 0), type, code, the
 * MTU (packet too big) or 0 in the 32-bit word, then the start of the input's IPv6 packet.
 * -1 (RFC 4443 2.4(e)) about an ICMPv6 error (type < 128) or a redirect, a packet sent to a
 * multicast address or as link-layer broadcast/multicast (except packet too big), from ::, ::1,
 * a multicast address or a multicast MAC; on a bad type/code/MTU or addresses. RFC 4443 has no
 * rule on fragments: a non-first fragment is quoted as it is (Linux does the same). */
int pktgen_icmp6_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e, uint8_t *out,
		       size_t cap);

/* ---- IPv6 neighbour discovery ---- */

enum pktgen_na_flags {
	PKTGEN_NA_ROUTER = 1 << 0,   /* R: nd_na_router { } */
	PKTGEN_NA_OVERRIDE = 1 << 1, /* O: OVN always sets it */
};

/* The neighbour advertisement answering a neighbour solicitation for an address owned by mac
 * (RFC 4861 7.2.4): eth.src = mac, ip6.src = nd.target = the solicited target, a target
 * link-layer address option with mac, hop limit 255. To the solicitation's source (eth.dst = its
 * eth.src) with S set; to all-nodes (ff02::1, 33:33:00:00:00:01) with S clear when the source
 * was :: (duplicate address detection). flags: enum pktgen_na_flags.
 * -1 unless the input is a valid solicitation (RFC 4861 7.1.1): hop limit 255, code 0, checksum
 * right, at least 24 bytes, target not multicast, options well formed; from :: only to a
 * solicited-node multicast address and without a source link-layer address option; not a
 * fragment. */
int pktgen_nd_na(const struct pktgen_in *in, const uint8_t mac[6], unsigned flags, uint8_t *out,
		 size_t cap);

/* OVN's nd_ns { }: the neighbour solicitation that replaces an IP packet (IPv4 or IPv6) to
 * resolve target, in the router the IPv6 next hop its flow puts in nd.target (xxreg0); NULL is
 * the packet's ip6.dst. eth.src unchanged, eth.dst 33:33:ff and the target's last 3 bytes,
 * ip6.src the EUI-64 link-local address of eth.src (what OVN's pinctrl sends; ovn-sb.xml says
 * "copied from ip6.src"), ip6.dst the target's solicited-node multicast address
 * (ff02::1:ffXX:XXXX), hop limit 255, a source link-layer address option with eth.src, the
 * VLAN tag kept. -1 if the input is not IP, target is NULL on IPv4, the target is multicast,
 * unspecified or ::1, or eth.src is multicast. */
int pktgen_nd_ns(const struct pktgen_in *in, const uint8_t target[16], uint8_t *out, size_t cap);

/* ---- TCP ---- */

/* The reset answering a TCP segment over IPv4 or IPv6 (RFC 793 "Reset Generation", the
 * semantics ovn-sb.xml gives tcp_reset): Ethernet and IP addresses and the ports exchanged; if
 * the segment has ACK, seq = its ack and the flags are RST; otherwise seq = 0,
 * ack = its seq + its length (data, plus 1 for SYN and 1 for FIN) and the flags are RST|ACK.
 * No options, window 0. ttl 0 is PKTGEN_TTL_DEFAULT (OVN's code uses 63, its documentation 255).
 * -1 for a segment with RST (never answered), a fragment (its length is unknown), a segment
 * to a broadcast or multicast address (IP or link layer) or from one that is not one host. */
int pktgen_tcp_reset(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap);

/* ---- SCTP ---- */

/* OVN's sctp_abort { } (reject on SCTP): the ABORT answering an out-of-the-blue SCTP packet
 * (RFC 4960 8.4) over IPv4 or IPv6: addresses and ports exchanged, one ABORT chunk without
 * causes, CRC32c computed. To an INIT with verification tag 0 (which must be the only chunk):
 * the INIT's initiate tag, T clear (8.4.3); otherwise the packet's tag, T set (8.4.8).
 * ttl 0 is PKTGEN_TTL_DEFAULT (OVN's code uses 63). The input's CRC is not checked (OVN does
 * not either). -1 for a packet with an ABORT, SHUTDOWN COMPLETE, COOKIE ACK or stale-cookie
 * ERROR chunk (never answered), a SHUTDOWN ACK (answered with SHUTDOWN COMPLETE, not built
 * here), tag 0 without a lone complete INIT, malformed chunks, a fragment, broadcast or
 * multicast addresses (8.4.1). */
int pktgen_sctp_abort(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap);

/* ---- the headers of a frame rewritten, a frame made from a key ---- */

/* Make the headers of frame[0, len) (flow_parse gave from and lay) say what `to` says: Ethernet
 * addresses, the ARP body, IPv4 TOS/TTL/addresses, IPv6 traffic class/flow label/hop
 * limit/addresses, TCP/UDP/SCTP ports, ICMP/ICMPv6 type and code, the ND target and its
 * source/target link-layer option. Checksums are updated incrementally over everything they
 * cover (RFC 1624): a checksum that was right stays right, one that was wrong stays wrong;
 * SCTP's CRC32c is recomputed only if it was right. What a field write cannot express is
 * refused with -1 and the frame is then unspecified: another eth.type, VLAN, IP protocol,
 * fragment flags, TCP flags or IGMP type; an L4 or ND field change where the frame has no such
 * header (a later fragment, a missing option); an address change under the L4 checksum of a
 * fragment. 0 on success. This is how the slow path's packet mode (dp/pl_interp.h) writes what
 * the logical actions did to a packet into its bytes, generated packets included. */
int pktgen_rewrite(uint8_t *frame, size_t len, const struct flow_layout *lay,
		   const struct flow_key *from, const struct flow_key *to);

/* A well-formed frame with the headers k gives (for `brintctl trace`, which has a key and no
 * packet): Ethernet (802.1Q if k->vlan_tci has FLOW_VLAN_PRESENT), then by eth.type ARP, IPv4 or
 * IPv6 (TTL / hop limit k->nw_ttl, 0 included; DF unless nw_frag says a fragment) with TCP (k's
 * flags, seq 1), UDP (8 bytes of data), SCTP (one DATA chunk; an INIT when the verification tag
 * would be 0 is not made: the tag is 1), ICMP/ICMPv6 (k's type and code, 8 bytes of data; ND NS/NA
 * with the target and a link-layer option when k has one) or nothing more; every checksum right.
 * Another eth.type gets 46 bytes of zeros. The frame's length, or -1 if cap is too small (256 is
 * enough). */
int pktgen_from_key(const struct flow_key *k, uint8_t *out, size_t cap);
