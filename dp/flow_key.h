/* SPDX-License-Identifier: Apache-2.0 */
/* What a packet's headers say, parsed once into a compact, fixed-layout key: the input of the
 * flow cache and of the logical pipeline. Pure C over a byte buffer (no DPDK), so it is
 * unit-tested and fuzzed on its own. Multi-byte fields are in network byte order, as on the
 * wire, except eth_type, vlan_tci and the offsets, which are in host order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLOW_VLAN_PRESENT 0x1000 /* in vlan_tci: a tag was there (as OpenFlow's CFI bit) */

enum flow_frag {
	FLOW_FRAG_ANY = 1 << 0,	  /* a fragment, first or later */
	FLOW_FRAG_LATER = 1 << 1, /* a fragment with a non-zero offset (no L4 header) */
};

struct flow_key {
	uint8_t eth_dst[6];
	uint8_t eth_src[6];
	uint16_t eth_type; /* host order; after the VLAN tag if any */
	uint16_t vlan_tci; /* host order; FLOW_VLAN_PRESENT | PCP | VID, 0 = untagged */
	uint8_t nw_proto;  /* IP protocol; ARP: low byte of the opcode */
	uint8_t nw_ttl;	   /* IPv4 TTL or IPv6 hop limit */
	uint8_t nw_tos;	   /* DSCP and ECN */
	uint8_t nw_frag;   /* enum flow_frag */
	uint32_t ip4_src;  /* IPv4 source, or ARP sender protocol address */
	uint32_t ip4_dst;  /* IPv4 destination, or ARP target protocol address */
	uint8_t ip6_src[16];
	uint8_t ip6_dst[16];
	uint32_t ip6_label; /* flow label, network order, low 20 bits */
	uint16_t tp_src;    /* L4 source port; ICMP/ICMPv6 type (in the low byte) */
	uint16_t tp_dst;    /* L4 destination port; ICMP/ICMPv6 code (in the low byte) */
	uint16_t tcp_flags; /* network order, low 12 bits */
	uint16_t arp_op;    /* network order */
	uint8_t arp_sha[6]; /* ARP sender hardware address, or ND source link-layer option */
	uint8_t arp_tha[6]; /* ARP target hardware address, or ND target link-layer option */
	uint8_t nd_target[16];
	uint8_t igmp_type;
	uint8_t pad[3];
};

/* Where the headers are, for rewriting; not part of the key. */
struct flow_layout {
	uint16_t l3_ofs;   /* 0 if no L3 header was parsed */
	uint16_t l4_ofs;   /* 0 if no L4 header was parsed */
	uint16_t l3_len;   /* IPv4/IPv6 header length, extension headers included */
	uint16_t vlan_ofs; /* offset of the 802.1Q tag, 0 if untagged */
	uint8_t l4_proto;  /* protocol of the header at l4_ofs (after IPv6 extension headers) */
	uint8_t pad;
};

/* Why a packet could not be parsed; each is counted under "malformed". */
enum flow_parse_err {
	FLOW_OK = 0,
	FLOW_ERR_SHORT_ETH,  /* shorter than an Ethernet header */
	FLOW_ERR_SHORT_VLAN, /* truncated 802.1Q tag */
	FLOW_ERR_SHORT_ARP,  /* truncated or non-Ethernet/IPv4 ARP */
	FLOW_ERR_BAD_IP4,    /* IPv4 version/IHL/length inconsistent with the frame */
	FLOW_ERR_BAD_IP6,    /* IPv6 header or extension headers truncated */
	FLOW_ERR_SHORT_L4,   /* TCP/UDP/SCTP/ICMP header truncated */
	FLOW_ERR_BAD_ND,     /* ND message or option malformed */
	FLOW_ERR__MAX,
};

extern const char *const flow_parse_err_names[FLOW_ERR__MAX];

/* Parse len bytes of an Ethernet frame. On an error the key holds what was parsed before it.
 * Protocols it does not know above Ethernet or IP are not errors: the key stops there. */
enum flow_parse_err flow_parse(const uint8_t *pkt, size_t len, struct flow_key *key,
			       struct flow_layout *lay);
/* The same without the shortcut flow_parse takes for untagged IPv4 TCP/UDP (which builds the
 * key in whole words): for tests and fuzzers, which check that both agree. */
enum flow_parse_err flow_parse_generic(const uint8_t *pkt, size_t len, struct flow_key *key,
				       struct flow_layout *lay);
