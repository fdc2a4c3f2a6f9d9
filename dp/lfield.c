/* SPDX-License-Identifier: Apache-2.0 */
/* The table: for each base field, the bytes of the dp_key that hold it, their order (network:
 * the first byte is the most significant; host: a little-endian host integer), and the bits
 * of that integer the field is (shift, width); for fields of at most 8 bytes, the same as an
 * 8-byte window (lfield.h, the interpreter's inline reads and writes). */
#include "lfield.h"

#include <stddef.h>
#include <string.h>

#define K(field) ((uint8_t)offsetof(struct dp_key, field))
/* the 8-byte window of the key that holds a field of n <= 8 bytes at ofs, and where the
 * field's bit 0 sits in that window read as an integer (lfield.h struct lfield_win) */
#define W0(o) ((o) < sizeof(struct dp_key) - 8 ? (o) : sizeof(struct dp_key) - 8)
#define WIN(o, n, sh, host, w)                                                                     \
	{                                                                                          \
		(n) <= 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, host,                       \
		    (uint8_t)((n) > 8  ? 0                                                         \
			      : (host) ? 8 * ((o)-W0(o)) + (sh)                                    \
				       : 8 * (W0(o) + 8 - (o) - (n)) + (sh)),                      \
		    (uint8_t)(w), (uint16_t)W0(o)                                                  \
	}
#define NET(field, n, sh, w)                                                                       \
	{                                                                                          \
		K(field), n, 0, sh, w, WIN(K(field), n, sh, 0, w)                                  \
	}
#define HOST(field, n, w)                                                                          \
	{                                                                                          \
		K(field), n, 1, 0, w, WIN(K(field), n, 0, 1, w)                                    \
	}

const struct lfield_loc lfield_locs[LF_MF_N] = {
    [LF_MF_CT_STATE] = HOST(ct_state, 4, 32),
    [LF_MF_ETH_SRC] = NET(f.eth_src, 6, 0, 48),
    [LF_MF_ETH_DST] = NET(f.eth_dst, 6, 0, 48),
    [LF_MF_ETH_TYPE] = HOST(f.eth_type, 2, 16),
    [LF_MF_VLAN_TCI] = HOST(f.vlan_tci, 2, 16),
    [LF_MF_IP_PROTO] = NET(f.nw_proto, 1, 0, 8),
    [LF_MF_IP_DSCP] = NET(f.nw_tos, 1, 2, 6),
    [LF_MF_IP_ECN] = NET(f.nw_tos, 1, 0, 2),
    [LF_MF_IP_TTL] = NET(f.nw_ttl, 1, 0, 8),
    [LF_MF_IP_FRAG] = NET(f.nw_frag, 1, 0, 2),
    [LF_MF_IP4_SRC] = NET(f.ip4_src, 4, 0, 32),
    [LF_MF_IP4_DST] = NET(f.ip4_dst, 4, 0, 32),
    [LF_MF_IP6_SRC] = NET(f.ip6_src, 16, 0, 128),
    [LF_MF_IP6_DST] = NET(f.ip6_dst, 16, 0, 128),
    [LF_MF_IP6_LABEL] = NET(f.ip6_label, 4, 0, 20),
    [LF_MF_ARP_OP] = NET(f.arp_op, 2, 0, 16),
    [LF_MF_ARP_SPA] = NET(f.ip4_src, 4, 0, 32),
    [LF_MF_ARP_TPA] = NET(f.ip4_dst, 4, 0, 32),
    [LF_MF_ARP_SHA] = NET(f.arp_sha, 6, 0, 48),
    [LF_MF_ARP_THA] = NET(f.arp_tha, 6, 0, 48),
    [LF_MF_ND_TARGET] = NET(f.nd_target, 16, 0, 128),
    [LF_MF_ND_SLL] = NET(f.arp_sha, 6, 0, 48),
    [LF_MF_ND_TLL] = NET(f.arp_tha, 6, 0, 48),
    [LF_MF_L4_SRC] = NET(f.tp_src, 2, 0, 16),
    [LF_MF_L4_DST] = NET(f.tp_dst, 2, 0, 16),
    [LF_MF_TCP_FLAGS] = NET(f.tcp_flags, 2, 0, 12),
    /* ICMP type and code: the parser stores each byte as the second byte of tp_src/tp_dst */
    [LF_MF_ICMP_TYPE] = NET(f.tp_src, 2, 0, 8),
    [LF_MF_ICMP_CODE] = NET(f.tp_dst, 2, 0, 8),
};

#define locs lfield_locs

bool lfield_in_key(enum lf_mf mf)
{
	return (unsigned)mf < LF_MF_N && locs[mf].nbytes != 0;
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* up to 8 bytes at b as an integer: network order (first byte most significant) or host */
static uint64_t get64(const uint8_t *b, unsigned n, bool host)
{
	uint64_t v;
	uint32_t w;
	uint16_t h;
	switch (n) { /* loads of the exact width: no call, no store-forwarding stall */
	case 1: v = b[0]; break;
	case 2:
		memcpy(&h, b, 2);
		v = h;
		break;
	case 4:
		memcpy(&w, b, 4);
		v = w;
		break;
	case 6:
		memcpy(&w, b, 4);
		memcpy(&h, b + 4, 2);
		v = w | (uint64_t)h << 32;
		break;
	case 8: memcpy(&v, b, 8); break;
	default:
		v = 0;
		memcpy(&v, b, n < 8 ? n : 8);
		break;
	}
	return host ? v : __builtin_bswap64(v) >> (64 - 8 * n);
}

static void put64(uint8_t *b, unsigned n, bool host, uint64_t v)
{
	uint32_t w;
	uint16_t h;
	if (!host)
		v = __builtin_bswap64(v << (64 - 8 * n));
	switch (n) {
	case 1: b[0] = (uint8_t)v; break;
	case 2:
		h = (uint16_t)v;
		memcpy(b, &h, 2);
		break;
	case 4:
		w = (uint32_t)v;
		memcpy(b, &w, 4);
		break;
	case 6:
		w = (uint32_t)v;
		h = (uint16_t)(v >> 32);
		memcpy(b, &w, 4);
		memcpy(b + 4, &h, 2);
		break;
	case 8: memcpy(b, &v, 8); break;
	default: memcpy(b, &v, n < 8 ? n : 8); break;
	}
}

static lf_u128 raw_get(const uint8_t *b, const struct lfield_loc *l)
{
	if (l->nbytes <= 8)
		return get64(b + l->ofs, l->nbytes, l->host);
	/* 16 bytes, network order */
	return ((lf_u128)get64(b + l->ofs, 8, false) << 64) | get64(b + l->ofs + 8, 8, false);
}

static void raw_put(uint8_t *b, const struct lfield_loc *l, lf_u128 v)
{
	if (l->nbytes <= 8) {
		put64(b + l->ofs, l->nbytes, l->host, (uint64_t)v);
		return;
	}
	put64(b + l->ofs, 8, false, (uint64_t)(v >> 64));
	put64(b + l->ofs + 8, 8, false, (uint64_t)v);
}
#else
static lf_u128 raw_get(const uint8_t *b, const struct lfield_loc *l)
{
	lf_u128 v = 0;
	for (unsigned i = 0; i < l->nbytes; i++) {
		unsigned j = l->host ? l->nbytes - 1 - i : i;
		v = (v << 8) | b[l->ofs + j];
	}
	return v;
}

static void raw_put(uint8_t *b, const struct lfield_loc *l, lf_u128 v)
{
	for (unsigned i = l->nbytes; i-- > 0;) {
		unsigned j = l->host ? l->nbytes - 1 - i : i;
		b[l->ofs + j] = (uint8_t)v;
		v >>= 8;
	}
}

#endif

lf_u128 lfield_get(const struct dp_key *k, enum lf_mf mf)
{
	if (!lfield_in_key(mf))
		return 0;
	const struct lfield_loc *l = &locs[mf];
	return (raw_get((const uint8_t *)k, l) >> l->shift) & lf_u128_ones(l->width);
}

void lfield_set(struct dp_key *k, enum lf_mf mf, lf_u128 v, lf_u128 mask)
{
	if (!lfield_in_key(mf))
		return;
	const struct lfield_loc *l = &locs[mf];
	lf_u128 m = (mask & lf_u128_ones(l->width)) << l->shift;
	lf_u128 raw = raw_get((const uint8_t *)k, l);
	raw = (raw & ~m) | ((v << l->shift) & m);
	raw_put((uint8_t *)k, l, raw);
}

void lfield_mask(struct dp_key *m, enum lf_mf mf, lf_u128 bits)
{
	if (!lfield_in_key(mf))
		return;
	const struct lfield_loc *l = &locs[mf];
	lf_u128 raw = raw_get((const uint8_t *)m, l);
	raw |= (bits & lf_u128_ones(l->width)) << l->shift;
	raw_put((uint8_t *)m, l, raw);
}

bool lfield_where(enum lf_mf mf, struct lfield_where *w)
{
	if (!lfield_in_key(mf))
		return false;
	const struct lfield_loc *l = &locs[mf];
	*w = (struct lfield_where){l->ofs, l->nbytes, l->shift, l->width, l->host != 0};
	return true;
}
