/* SPDX-License-Identifier: Apache-2.0 */
/* Building, validating and printing flat action lists; header rewrites with incremental
 * checksum updates (RFC 1624). */
#include "dp_actions.h"

#include <brint/drop_reasons.h>

#include <stdio.h>
#include <string.h>

static int put(struct dpa_buf *b, const void *rec, uint32_t n)
{
	if (b->len + n > b->cap)
		return -1;
	memcpy(b->data + b->len, rec, n);
	b->len += n;
	return 0;
}

int dpa_put_output(struct dpa_buf *b, uint16_t port)
{
	return dpa_put_simple(b, DPA_OUTPUT, port, 0);
}

int dpa_put_eth(struct dpa_buf *b, enum dpa_type t, const uint8_t mac[6])
{
	struct dpa_eth a = {.h = {.type = (uint8_t)t, .len8 = 2}};
	memcpy(a.mac, mac, 6);
	return put(b, &a, sizeof(a));
}

int dpa_put_simple(struct dpa_buf *b, enum dpa_type t, uint16_t u16, uint32_t u32)
{
	struct dpa_hdr h = {.type = (uint8_t)t, .len8 = 1, .u16 = u16, .u32 = u32};
	return put(b, &h, sizeof(h));
}

int dpa_put_arp(struct dpa_buf *b, const struct dpa_arp *a)
{
	struct dpa_arp r = *a;
	r.h.type = DPA_SET_ARP;
	r.h.len8 = 4;
	memset(r.pad, 0, sizeof(r.pad));
	return put(b, &r, sizeof(r));
}

int dpa_put_learn(struct dpa_buf *b, const struct dp_learn *l)
{
	struct dpa_learn r;
	memset(&r, 0, sizeof(r));
	r.h.type = DPA_LEARN;
	r.h.len8 = sizeof(r) / 8;
	r.l.kind = l->kind;
	r.l.dp_key = l->dp_key;
	r.l.port_key = l->port_key;
	memcpy(r.l.ip, l->ip, sizeof(r.l.ip));
	r.l.mac = l->mac;
	return put(b, &r, sizeof(r));
}

int dpa_wrap_check_len(struct dpa_buf *b, uint32_t L, const void *larger, uint32_t larger_len)
{
	struct dpa_hdr h = {.type = DPA_CHECK_LEN, .len8 = 1, .u32 = L};
	if (b->len == 0 || larger_len == 0 || b->len > UINT16_MAX ||
	    b->len + sizeof(h) + larger_len > b->cap)
		return -1;
	h.u16 = (uint16_t)b->len;
	memmove(b->data + sizeof(h), b->data, b->len);
	memcpy(b->data, &h, sizeof(h));
	memcpy(b->data + sizeof(h) + b->len, larger, larger_len);
	b->len += (uint32_t)sizeof(h) + larger_len;
	return 0;
}

static unsigned expected_len8(uint8_t type);
static uint16_t rd16(const uint8_t *p);
static void wr16(uint8_t *p, uint16_t v);
static uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new);

static unsigned expected_len8(uint8_t type)
{
	if (type == DPA_SET_ARP)
		return 4;
	if (type == DPA_LEARN)
		return sizeof(struct dpa_learn) / 8;
	return type == DPA_SET_ETH_SRC || type == DPA_SET_ETH_DST ? 2 : 1;
}

bool dpa_set_arp(uint8_t *frame, size_t len, const struct flow_layout *lay, const struct dpa_arp *a)
{
	size_t o = lay->l3_ofs;
	if (o == 0 || len < o + 28 || lay->l4_ofs != 0 || lay->l3_len != 28)
		return false;
	frame[o + 6] = (uint8_t)(a->h.u16 >> 8);
	frame[o + 7] = (uint8_t)a->h.u16;
	memcpy(frame + o + 8, a->sha, 6);
	memcpy(frame + o + 14, &a->spa, 4);
	memcpy(frame + o + 18, a->tha, 6);
	memcpy(frame + o + 24, &a->tpa, 4);
	return true;
}

const struct dpa_hdr *dpa_next(const void *acts, uint32_t len, const struct dpa_hdr *a)
{
	const uint8_t *base = acts, *next = (const uint8_t *)a + (size_t)a->len8 * 8;
	return next < base + len ? (const struct dpa_hdr *)(const void *)next : NULL;
}

/* a list without DPA_CHECK_LEN */
static bool valid_flat(const uint8_t *p, uint32_t len)
{
	uint32_t off = 0;
	if (len % 8)
		return false;
	while (off < len) {
		const struct dpa_hdr *h = (const void *)(p + off);
		if (h->type == 0 || h->type >= DPA__MAX || h->type == DPA_CHECK_LEN ||
		    h->len8 != expected_len8(h->type) || (uint32_t)h->len8 * 8 > len - off)
			return false;
		off += (uint32_t)h->len8 * 8;
	}
	return true;
}

bool dpa_valid(const void *acts, uint32_t len)
{
	const uint8_t *p = acts;
	const struct dpa_hdr *h = acts;
	if (len < sizeof(*h) || h->type != DPA_CHECK_LEN)
		return valid_flat(p, len);
	/* check_len{not larger}{larger}: two non-empty flat lists filling the rest */
	if (h->len8 != 1 || h->u16 == 0 || h->u16 % 8 || h->u16 >= len - sizeof(*h))
		return false;
	return valid_flat(p + sizeof(*h), h->u16) &&
	       valid_flat(p + sizeof(*h) + h->u16, len - (uint32_t)sizeof(*h) - h->u16);
}

/* learn(arp,dp=1,port=2,ip=10.0.0.1,mac=...), learn(nd,...,ip=2001:db8:0:0:0:0:0:1,...),
 * learn(fdb,dp=1,port=2,mac=...) */
static int format_learn(char *out, size_t n, const char *sep, const struct dp_learn *l)
{
	static const char *const kinds[] = {"arp", "nd", "fdb"};
	char addr[64] = "";
	const uint8_t *p = l->ip;
	if (l->kind == DP_LEARN_ARP)
		snprintf(addr, sizeof(addr), "ip=%u.%u.%u.%u,", p[0], p[1], p[2], p[3]);
	else if (l->kind == DP_LEARN_ND)
		snprintf(addr, sizeof(addr), "ip=%x:%x:%x:%x:%x:%x:%x:%x,", p[0] << 8 | p[1],
			 p[2] << 8 | p[3], p[4] << 8 | p[5], p[6] << 8 | p[7], p[8] << 8 | p[9],
			 p[10] << 8 | p[11], p[12] << 8 | p[13], p[14] << 8 | p[15]);
	return snprintf(out, n, "%slearn(%s,dp=%lld,port=%lld,%smac=%02x:%02x:%02x:%02x:%02x:%02x)",
			sep, l->kind < 3 ? kinds[l->kind] : "?", (long long)l->dp_key,
			(long long)l->port_key, addr, (unsigned)(l->mac >> 40) & 0xff,
			(unsigned)(l->mac >> 32) & 0xff, (unsigned)(l->mac >> 24) & 0xff,
			(unsigned)(l->mac >> 16) & 0xff, (unsigned)(l->mac >> 8) & 0xff,
			(unsigned)l->mac & 0xff);
}

int dpa_format(const void *acts, uint32_t len, char *out, size_t outlen)
{
	const struct dpa_hdr *h = acts;
	size_t n = 0;
	out[0] = '\0';
	if (len == 0)
		return snprintf(out, outlen, "drop");
	if (h->type == DPA_CHECK_LEN && h->u16 < len - sizeof(*h)) {
		/* check_len(L){not larger}{larger} */
		const uint8_t *p = (const uint8_t *)acts + sizeof(*h);
		int w = snprintf(out, outlen, "check_len(%u){", h->u32), w2, w3;
		if (w < 0 || (size_t)w >= outlen)
			return -1;
		if ((w2 = dpa_format(p, h->u16, out + w, outlen - (size_t)w)) < 0)
			return -1;
		n = (size_t)w + (size_t)w2;
		if (n + 2 >= outlen)
			return -1;
		memcpy(out + n, "}{", 3);
		n += 2;
		w3 = dpa_format(p + h->u16, len - (uint32_t)sizeof(*h) - h->u16, out + n,
				outlen - n);
		if (w3 < 0 || n + (size_t)w3 + 1 >= outlen)
			return -1;
		n += (size_t)w3;
		memcpy(out + n, "}", 2);
		return (int)n + 1;
	}
	for (const struct dpa_hdr *a = acts; a; a = dpa_next(acts, len, a)) {
		const uint8_t *m = ((const struct dpa_eth *)(const void *)a)->mac;
		const uint8_t *ip = (const uint8_t *)&a->u32;
		const char *sep = n ? "," : "";
		int w;
		switch (a->type) {
		case DPA_OUTPUT:
			w = snprintf(out + n, outlen - n, "%soutput:%u", sep, a->u16);
			break;
		case DPA_SET_ETH_SRC:
		case DPA_SET_ETH_DST:
			w = snprintf(out + n, outlen - n,
				     "%sset(eth.%s=%02x:%02x:%02x:%02x:%02x:%02x)", sep,
				     a->type == DPA_SET_ETH_SRC ? "src" : "dst", m[0], m[1], m[2],
				     m[3], m[4], m[5]);
			break;
		case DPA_DEC_TTL: w = snprintf(out + n, outlen - n, "%sdec_ttl", sep); break;
		case DPA_SET_IP4_SRC:
		case DPA_SET_IP4_DST:
			w = snprintf(out + n, outlen - n, "%sset(ip4.%s=%u.%u.%u.%u)", sep,
				     a->type == DPA_SET_IP4_SRC ? "src" : "dst", ip[0], ip[1],
				     ip[2], ip[3]);
			break;
		case DPA_PUSH_VLAN:
			w = snprintf(out + n, outlen - n, "%spush_vlan(vid=%u,pcp=%u)", sep,
				     a->u16 & 0xfff, a->u16 >> 13);
			break;
		case DPA_POP_VLAN: w = snprintf(out + n, outlen - n, "%spop_vlan", sep); break;
		case DPA_DROP:
			if (a->u16 < BRINT_DROP__MAX)
				w = snprintf(out + n, outlen - n, "%sdrop(%s)", sep,
					     brint_drop_names[a->u16]);
			else
				w = snprintf(out + n, outlen - n, "%sdrop(%u)", sep, a->u16);
			break;
		case DPA_SET_ARP: {
			const struct dpa_arp *r = (const void *)a;
			const uint8_t *s4 = (const uint8_t *)&r->spa,
				      *t4 = (const uint8_t *)&r->tpa;
			w = snprintf(out + n, outlen - n,
				     "%sset(arp.op=%u,arp.sha=%02x:%02x:%02x:%02x:%02x:%02x,"
				     "arp.spa=%u.%u.%u.%u,arp.tha=%02x:%02x:%02x:%02x:%02x:%02x,"
				     "arp.tpa=%u.%u.%u.%u)",
				     sep, a->u16, r->sha[0], r->sha[1], r->sha[2], r->sha[3],
				     r->sha[4], r->sha[5], s4[0], s4[1], s4[2], s4[3], r->tha[0],
				     r->tha[1], r->tha[2], r->tha[3], r->tha[4], r->tha[5], t4[0],
				     t4[1], t4[2], t4[3]);
			break;
		}
		case DPA_SET_TTL:
			w = snprintf(out + n, outlen - n, "%sset(ttl=%u)", sep, a->u16);
			break;
		case DPA_SLOWPATH: w = snprintf(out + n, outlen - n, "%sslowpath", sep); break;
		case DPA_SET_L4_SRC:
		case DPA_SET_L4_DST: {
			const uint8_t *v = (const uint8_t *)&a->u16;
			w = snprintf(out + n, outlen - n, "%sset(l4.%s=%u)", sep,
				     a->type == DPA_SET_L4_SRC ? "src" : "dst", v[0] << 8 | v[1]);
			break;
		}
		case DPA_LEARN:
			w = format_learn(out + n, outlen - n, sep,
					 &((const struct dpa_learn *)(const void *)a)->l);
			break;
		default: w = snprintf(out + n, outlen - n, "%s?%u", sep, a->type); break;
		}
		if (w < 0 || (size_t)w >= outlen - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

bool dpa_set_eth(uint8_t *frame, size_t len, bool dst, const uint8_t mac[6])
{
	if (len < 14)
		return false;
	memcpy(frame + (dst ? 0 : 6), mac, 6);
	return true;
}

/* RFC 1624: HC' = ~(~HC + ~m + m') over 16-bit words */
static uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~csum + (uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool dpa_dec_ttl(uint8_t *frame, size_t len, const struct flow_layout *lay)
{
	uint8_t *ip;
	if (lay->l3_ofs == 0 || (size_t)lay->l3_ofs + 20 > len)
		return false;
	ip = frame + lay->l3_ofs;
	if ((ip[0] >> 4) == 4) {
		uint16_t old = rd16(ip + 8);
		if (ip[8] <= 1)
			return false;
		ip[8]--;
		wr16(ip + 10, csum_update16(rd16(ip + 10), old, rd16(ip + 8)));
		return true;
	}
	if ((ip[0] >> 4) == 6 && (size_t)lay->l3_ofs + 40 <= len) {
		if (ip[7] <= 1)
			return false;
		ip[7]--;
		return true;
	}
	return false;
}

bool dpa_set_ip4(uint8_t *frame, size_t len, const struct flow_layout *lay, bool dst, uint32_t addr)
{
	uint8_t *ip, *field, *l4;
	uint8_t na[4];
	if (lay->l3_ofs == 0 || (size_t)lay->l3_ofs + 20 > len)
		return false;
	ip = frame + lay->l3_ofs;
	if ((ip[0] >> 4) != 4)
		return false;
	field = ip + (dst ? 16 : 12);
	memcpy(na, &addr, 4);
	/* the L4 checksum covers the pseudo-header: update it too (UDP: only if in use) */
	l4 = lay->l4_ofs ? frame + lay->l4_ofs : NULL;
	for (int w = 0; w < 2; w++) {
		uint16_t o = rd16(field + 2 * w), n = rd16(na + 2 * w);
		wr16(ip + 10, csum_update16(rd16(ip + 10), o, n));
		if (l4 && ip[9] == 6 && (size_t)lay->l4_ofs + 18 <= len)
			wr16(l4 + 16, csum_update16(rd16(l4 + 16), o, n));
		else if (l4 && ip[9] == 17 && (size_t)lay->l4_ofs + 8 <= len && rd16(l4 + 6))
			wr16(l4 + 6, csum_update16(rd16(l4 + 6), o, n) ?: 0xffff);
	}
	memcpy(field, na, 4);
	return true;
}

bool dpa_set_ttl(uint8_t *frame, size_t len, const struct flow_layout *lay, uint8_t ttl)
{
	uint8_t *ip;
	if (lay->l3_ofs == 0 || (size_t)lay->l3_ofs + 20 > len || ttl == 0)
		return false;
	ip = frame + lay->l3_ofs;
	if ((ip[0] >> 4) == 4) {
		uint16_t old = rd16(ip + 8);
		ip[8] = ttl;
		wr16(ip + 10, csum_update16(rd16(ip + 10), old, rd16(ip + 8)));
		return true;
	}
	if ((ip[0] >> 4) == 6 && (size_t)lay->l3_ofs + 40 <= len) {
		ip[7] = ttl;
		return true;
	}
	return false;
}

bool dpa_set_l4(uint8_t *frame, size_t len, const struct flow_layout *lay, bool dst, uint16_t value)
{
	uint8_t *l4, nv[2];
	unsigned proto = lay->l4_proto, csum_ofs, need;
	uint16_t old;

	if (lay->l3_ofs == 0 || lay->l4_ofs == 0)
		return false;
	l4 = frame + lay->l4_ofs;
	memcpy(nv, &value, 2);
	switch (proto) {
	case 6:
		csum_ofs = 16;
		need = 20;
		break;
	case 17:
		csum_ofs = 6;
		need = 8;
		break;
	case 1: /* ICMP */
	case 58:
		csum_ofs = 2;
		need = 4;
		break; /* ICMPv6: the pseudo-header does not change */
	default: return false;
	}
	if ((size_t)lay->l4_ofs + need > len)
		return false;
	if (proto == 1 || proto == 58) {
		/* ICMP: type and code share the first word */
		uint8_t *b = l4 + (dst ? 1 : 0);
		old = rd16(l4);
		*b = nv[1];
		wr16(l4 + 2, csum_update16(rd16(l4 + 2), old, rd16(l4)));
		return true;
	}
	old = rd16(l4 + (dst ? 2 : 0));
	memcpy(l4 + (dst ? 2 : 0), nv, 2);
	if (proto == 6 || rd16(l4 + csum_ofs))
		wr16(l4 + csum_ofs, csum_update16(rd16(l4 + csum_ofs), old, rd16(nv))
					?: (proto == 17 ? 0xffff : 0));
	return true;
}
