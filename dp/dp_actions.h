/* SPDX-License-Identifier: Apache-2.0 */
/* Flat datapath actions: what a megaflow does to a packet, already resolved (no tables, no
 * registers): rewrites, TTL, VLAN, outputs, drops. A list is a sequence of 8-byte-aligned
 * records; the slow path writes it once per megaflow, PMDs run it per packet.
 *
 * The rewrite helpers work on a frame in a byte buffer (plain C, unit-tested); dp/execute.c
 * applies a list to an mbuf and hands the copies to the PMD's tx buffers. */
#pragma once

#include "flow_key.h"
#include "learn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dpa_type {
	DPA_OUTPUT = 1,	 /* u16 port */
	DPA_SET_ETH_SRC, /* 6 bytes */
	DPA_SET_ETH_DST, /* 6 bytes */
	DPA_DEC_TTL,	 /* IPv4 TTL (checksum updated) or IPv6 hop limit; drops at 0 */
	DPA_SET_IP4_SRC, /* u32 network order; IPv4 and TCP/UDP checksums updated */
	DPA_SET_IP4_DST, /* u32 network order; IPv4 and TCP/UDP checksums updated */
	DPA_PUSH_VLAN,	 /* u16 TCI (host order) */
	DPA_POP_VLAN,
	DPA_DROP,    /* u16 drop reason (enum brint_drop_reason) */
	DPA_SET_ARP, /* struct dpa_arp: the whole Ethernet/IPv4 ARP body (op, sha, spa, tha, tpa) */
	DPA_SET_TTL, /* u16 TTL / hop limit (IPv4 checksum updated) */
	DPA_SET_L4_SRC, /* u16 network order: TCP/UDP source port, or ICMP/ICMPv6 type (low byte);
			 * the L4 checksum is updated */
	DPA_SET_L4_DST, /* u16 network order: TCP/UDP destination port, or ICMP/ICMPv6 code */
	DPA_LEARN,	/* struct dpa_learn: post a put_arp/put_nd/put_fdb to the control thread
			 * (dp/learn.h); the packet is unchanged */
	DPA_SLOWPATH,	/* the last action of its list (after learn events, if any): every packet
			 * is interpreted again, one by one, on its bytes (the pipeline generates
			 * packets from it; dp/upcall.h) */
	DPA_CHECK_LEN,	/* u32 L, u16 n: the n bytes of actions after this record run when the
			 * frame is at most L bytes long, the rest of the list when it is longer
			 * (OVN's check_pkt_larger; OVS's check_pkt_len compares the whole frame,
			 * Ethernet header included). Only first in a list; neither branch holds
			 * another, both are non-empty. */
	DPA__MAX,
};

struct dpa_hdr {
	uint8_t type;
	uint8_t len8; /* record length in 8-byte units, header included */
	uint16_t u16;
	uint32_t u32;
};

struct dpa_eth {
	struct dpa_hdr h;
	uint8_t mac[6];
	uint8_t pad[2];
};

/* u16: the ARP opcode (host order); addresses as on the wire */
struct dpa_arp {
	struct dpa_hdr h;
	uint8_t sha[6];
	uint8_t tha[6];
	uint32_t spa;
	uint32_t tpa;
	uint8_t pad[4];
};

struct dpa_learn {
	struct dpa_hdr h;
	struct dp_learn l;
};

_Static_assert(sizeof(struct dpa_hdr) == 8, "action header is one word");
_Static_assert(sizeof(struct dpa_learn) % 8 == 0, "learn action is whole words");
_Static_assert(sizeof(struct dpa_arp) == 32, "arp action is four words");
_Static_assert(sizeof(struct dpa_eth) == 16, "eth action is two words");

/* Building a list in a caller's buffer; each returns -1 when the buffer is full. */
struct dpa_buf {
	uint8_t *data;
	uint32_t len;
	uint32_t cap;
};
int dpa_put_output(struct dpa_buf *b, uint16_t port);
int dpa_put_eth(struct dpa_buf *b, enum dpa_type t, const uint8_t mac[6]);
int dpa_put_simple(struct dpa_buf *b, enum dpa_type t, uint16_t u16, uint32_t u32);
int dpa_put_arp(struct dpa_buf *b, const struct dpa_arp *a);
int dpa_put_learn(struct dpa_buf *b, const struct dp_learn *l);
/* Make b the list check_len(L){b as it is}{larger} (-1: no room, or b empty or too long). */
int dpa_wrap_check_len(struct dpa_buf *b, uint32_t L, const void *larger, uint32_t larger_len);

/* Walk a list: for (const struct dpa_hdr *a = acts; a; a = dpa_next(acts, len, a)) */
const struct dpa_hdr *dpa_next(const void *acts, uint32_t len, const struct dpa_hdr *a);
/* A list is well formed: every record known, lengths sane, within len. */
bool dpa_valid(const void *acts, uint32_t len);
/* Text for dumps and traces ("set(eth.dst=00:00:00:00:00:02),dec_ttl,output:3";
 * "check_len(1414){output:3}{slowpath}"). */
int dpa_format(const void *acts, uint32_t len, char *out, size_t outlen);

/* Rewrites on a frame (lay from flow_parse). Return false if the frame cannot take it (no IP
 * header for a TTL, TTL exhausted, ...). */
bool dpa_set_eth(uint8_t *frame, size_t len, bool dst, const uint8_t mac[6]);
bool dpa_dec_ttl(uint8_t *frame, size_t len, const struct flow_layout *lay);
bool dpa_set_ip4(uint8_t *frame, size_t len, const struct flow_layout *lay, bool dst,
		 uint32_t addr);
bool dpa_set_ttl(uint8_t *frame, size_t len, const struct flow_layout *lay, uint8_t ttl);
/* value as in flow_key.tp_src/tp_dst (network order; ICMP type/code in the low byte).
 * SCTP (CRC32c) is refused. */
bool dpa_set_l4(uint8_t *frame, size_t len, const struct flow_layout *lay, bool dst,
		uint16_t value);
/* Rewrite the body of an Ethernet/IPv4 ARP frame (false if the frame is not one). */
bool dpa_set_arp(uint8_t *frame, size_t len, const struct flow_layout *lay,
		 const struct dpa_arp *a);
