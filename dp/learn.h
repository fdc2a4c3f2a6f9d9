/* SPDX-License-Identifier: Apache-2.0 */
/* Neighbours and MACs the datapath learns (OVN's put_arp, put_nd, put_fdb), handed from a PMD to
 * the control thread, which writes them to the southbound MAC_Binding / FDB tables. A PMD only
 * posts: never blocks, never talks to the SB. Posting is multi-producer safe; when the queue is
 * full the event is counted and dropped (the next packet of that neighbour posts it again). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum dp_learn_kind {
	DP_LEARN_ARP, /* MAC_Binding: (logical port, IPv4) -> MAC */
	DP_LEARN_ND,  /* MAC_Binding: (logical port, IPv6) -> MAC */
	DP_LEARN_FDB, /* FDB: (datapath, MAC) -> logical port */
};

struct dp_learn {
	uint8_t kind;	  /* enum dp_learn_kind */
	int64_t dp_key;	  /* datapath tunnel key */
	int64_t port_key; /* logical port tunnel key (inport or the named port) */
	uint8_t ip[16];	  /* IPv4 in the first 4 bytes (network order), or IPv6 */
	uint64_t mac;	  /* 48 bits, most significant byte first as in lf fields */
};

/* From any thread: queue e for the control thread. false if the queue is full or learning is not
 * running (counted). */
bool dp_learn_post(const struct dp_learn *e);
