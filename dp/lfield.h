/* SPDX-License-Identifier: Apache-2.0 */
/* OVN base fields (enum lf_mf, ovn-glue/lflow/symtab.h) over the datapath key: where each one
 * lives in a dp_key, read and written as the integers the compiler uses (network byte order
 * folded into the integer: 10.0.0.1 == 0x0a000001, a MAC in the low 48 bits), and the exact
 * key bits a read consults, for the megaflow mask. Table-driven, plain C (no DPDK).
 *
 * Fields the key does not carry (pkt_mark, ct_mark, ct_label, the conntrack tuple, the ICMP
 * frag MTU; the registers are the interpreter's own) are "not in the key": lfield_in_key()
 * is false and reads give 0, which is what a packet that never went through conntrack has. */
#pragma once

#include "dp_key.h"
#include "lflow/symtab.h"

#include <stdbool.h>

/* The table behind these functions, for inline use (dp/plx.h rd/wr): where field mf lives.
 * win: the field has at most 8 bytes: it is bits [wsh, wsh + width) of the 8 bytes of the key
 * at wofs read as a little-endian integer (host order fields), or byte-swapped (network
 * order: the first byte most significant). */
struct lfield_win {
	uint8_t ok, host, wsh, width;
	uint16_t wofs;
};
struct lfield_loc {
	uint8_t ofs;	/* byte offset in struct dp_key */
	uint8_t nbytes; /* 0: not in the key */
	uint8_t host;	/* host-order integer (else network order bytes) */
	uint8_t shift;	/* the field is bits [shift, shift + width) of that integer */
	uint8_t width;
	struct lfield_win win;
};
extern const struct lfield_loc lfield_locs[LF_MF_N];

/* The field is carried by the dp_key (reads and writes go to the key's bytes). */
bool lfield_in_key(enum lf_mf mf);
/* Its value in k (0 when not in the key). */
lf_u128 lfield_get(const struct dp_key *k, enum lf_mf mf);
/* Set the bits `mask' (within the field's width) of the field to those of v; no-op when the
 * field is not in the key. */
void lfield_set(struct dp_key *k, enum lf_mf mf, lf_u128 v, lf_u128 mask);
/* OR into the megaflow mask m the key bits that hold bits `bits' of the field. */
void lfield_mask(struct dp_key *m, enum lf_mf mf, lf_u128 bits);
/* Where field mf lives in a dp_key: bytes [ofs, ofs + nbytes), read as a host-order integer
 * (host) or network-order bytes, the field its bits [shift, shift + width); false when it is
 * not in the key. (dp/pl_adec.c decodes actions with it.) */
struct lfield_where {
	unsigned ofs, nbytes, shift, width;
	bool host;
};
bool lfield_where(enum lf_mf mf, struct lfield_where *w);
