/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath's lookup key: where the packet came in, its pass through the datapath, tunnel
 * and conntrack metadata, and its parsed headers. 128 bytes, compared and hashed as 16 words. */
#pragma once

#include "flow_key.h"

#include <stdint.h>
#include <string.h>

struct dp_key {
	uint32_t in_port;  /* brint port id */
	uint32_t recirc;   /* 0 on the first pass; non-zero after conntrack recirculation */
	uint64_t tun_id;   /* tunnel VNI (Geneve), 0 if none */
	uint32_t ct_state; /* conntrack state bits after a recirculation */
	uint16_t ct_zone;
	uint16_t pad;
	struct flow_key f;
};

#define DP_KEY_WORDS (sizeof(struct dp_key) / sizeof(uint64_t))

_Static_assert(sizeof(struct dp_key) % sizeof(uint64_t) == 0, "dp_key is whole words");
_Static_assert(sizeof(struct dp_key) == 128, "dp_key is two cache lines");

static inline void dp_key_mask(struct dp_key *out, const struct dp_key *k, const struct dp_key *m)
{
	uint64_t o[DP_KEY_WORDS], a[DP_KEY_WORDS], b[DP_KEY_WORDS];
	memcpy(a, k, sizeof(a));
	memcpy(b, m, sizeof(b));
	for (unsigned i = 0; i < DP_KEY_WORDS; i++)
		o[i] = a[i] & b[i];
	memcpy(out, o, sizeof(o));
}
