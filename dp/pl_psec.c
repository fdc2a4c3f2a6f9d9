/* SPDX-License-Identifier: Apache-2.0 */
/* Port security as ovn-controller enforces it (see plx.h and the comment below). */
#include "plx.h"

/* ---- port security (check_in_port_sec / check_out_port_sec): 1 = the check failed ----
 * As ovn-controller's port-security tables decide it from Port_Binding.port_security, entry
 * by entry ("MAC [IP...]"), a packet passing if one entry lets it through:
 *   in:  eth.src must be the entry's MAC. An entry without addresses lets everything from that
 *        MAC through, but ARP only with arp.sha == MAC and an ND NA only with nd.tll 0 or MAC.
 *        With addresses: IPv4 from a listed address (or a DHCP discover from 0.0.0.0); ARP
 *        with arp.sha == MAC and arp.spa listed (no ARP when only IPv6 is listed); IPv6 from a
 *        listed address or the MAC's EUI-64 link-local address (then NA as above, with
 *        nd.target listed or the link-local), or from :: to ff02::/16 as MLD report or DAD
 *        NS; other protocols not.
 *   out: eth.dst must be the entry's MAC. Without addresses anything passes; with addresses
 *        IPv4 only to a listed address, 255.255.255.255 or 224.0.0.0/4 (none if no IPv4 is
 *        listed), IPv6 only to a listed address, the link-local or ff00::/8 (none if no IPv6
 *        is listed), anything else passes. */

/* rd() of the whole of a field, through its window when it has one (every field read here but
 * the IPv6 addresses) */
static inline uint64_t rd_all(struct plx *x, struct pls *s, enum lf_mf mf, uint64_t ones)
{
	if (lfield_locs[mf].win.ok)
		return rd_win(x, s, mf, ones);
	return (uint64_t)rd(x, s, mf, ones);
}

static bool ip4_in(const struct pl_gen *g, struct pl_range r, uint32_t a)
{
	for (uint32_t i = 0; i < r.n; i++)
		if ((a & g->psec_ip4[r.first + i].mask) == g->psec_ip4[r.first + i].addr)
			return true;
	return false;
}

static bool ip6_in(const struct pl_gen *g, struct pl_range r, lf_u128 a)
{
	for (uint32_t i = 0; i < r.n; i++)
		if ((a & g->psec_ip6[r.first + i].mask) == g->psec_ip6[r.first + i].addr)
			return true;
	return false;
}

/* fe80::/64 with the modified EUI-64 interface id of mac */
static lf_u128 lla_of(uint64_t mac)
{
	uint64_t hi = mac >> 24, lo = mac & 0xffffff;
	uint64_t iid = ((hi ^ 0x020000) << 40) | (0xfffeULL << 24) | lo;
	return ((lf_u128)0xfe80 << 112) | iid;
}

static bool prefix6(lf_u128 a, unsigned hi16, unsigned len)
{
	return (a >> (128 - len)) == ((lf_u128)hi16 << 112) >> (128 - len);
}

/* an ND NA (the caller read eth.type: IPv6) */
static bool is_na(struct plx *x, struct pls *s)
{
	return rd_all(x, s, LF_MF_IP_PROTO, 0xff) == 58 &&
	       rd_all(x, s, LF_MF_ICMP_TYPE, 0xff) == 136;
}

static bool in_entry_ok(struct plx *x, struct pls *s, const struct pl_psec *e)
{
	const struct pl_gen *g = x->g;
	uint16_t type = (uint16_t)rd_all(x, s, LF_MF_ETH_TYPE, 0xffff);
	bool has_ip = e->ip4.n || e->ip6.n;

	if (type == 0x0806) {
		if (rd_all(x, s, LF_MF_ARP_SHA, 0xffffffffffffULL) != e->mac)
			return false;
		if (!has_ip)
			return true;
		return e->ip4.n &&
		       ip4_in(g, e->ip4, (uint32_t)rd_all(x, s, LF_MF_ARP_SPA, 0xffffffff));
	}
	if (type == 0x0800) {
		if (!has_ip)
			return true;
		uint32_t src = (uint32_t)rd_all(x, s, LF_MF_IP4_SRC, 0xffffffff);
		if (ip4_in(g, e->ip4, src))
			return true;
		return e->ip4.n && src == 0 &&
		       rd_all(x, s, LF_MF_IP4_DST, 0xffffffff) == 0xffffffff &&
		       rd_all(x, s, LF_MF_IP_PROTO, 0xff) == 17 &&
		       rd_all(x, s, LF_MF_L4_SRC, 0xffff) == 68 &&
		       rd_all(x, s, LF_MF_L4_DST, 0xffff) == 67;
	}
	if (type == 0x86dd) {
		if (has_ip) {
			if (e->ip6.n == 0)
				return false;
			lf_u128 src = rd(x, s, LF_MF_IP6_SRC, ~(lf_u128)0);
			if (src == 0) {
				/* MLD reports and DAD from :: to ff02::/16 */
				if (!prefix6(rd(x, s, LF_MF_IP6_DST, ~(lf_u128)0), 0xff02, 16) ||
				    rd_all(x, s, LF_MF_IP_PROTO, 0xff) != 58 ||
				    rd_all(x, s, LF_MF_ICMP_CODE, 0xff) != 0)
					return false;
				unsigned t = (unsigned)rd_all(x, s, LF_MF_ICMP_TYPE, 0xff);
				return t == 131 || t == 143 || t == 135;
			}
			if (!ip6_in(g, e->ip6, src) && src != lla_of(e->mac))
				return false;
		}
		if (!is_na(x, s))
			return true;
		lf_u128 tll = rd_all(x, s, LF_MF_ND_TLL, 0xffffffffffffULL);
		if (tll != 0 && tll != e->mac)
			return false;
		if (e->ip6.n == 0)
			return true;
		lf_u128 target = rd(x, s, LF_MF_ND_TARGET, ~(lf_u128)0);
		return ip6_in(g, e->ip6, target) || target == lla_of(e->mac);
	}
	return !has_ip;
}

static bool out_entry_ok(struct plx *x, struct pls *s, const struct pl_psec *e)
{
	const struct pl_gen *g = x->g;
	if (!e->ip4.n && !e->ip6.n)
		return true;
	uint16_t type = (uint16_t)rd_all(x, s, LF_MF_ETH_TYPE, 0xffff);
	if (type == 0x0800) {
		if (e->ip4.n == 0)
			return false;
		uint32_t dst = (uint32_t)rd_all(x, s, LF_MF_IP4_DST, 0xffffffff);
		return ip4_in(g, e->ip4, dst) || dst == 0xffffffff ||
		       (dst & 0xf0000000) == 0xe0000000;
	}
	if (type == 0x86dd) {
		if (e->ip6.n == 0)
			return false;
		lf_u128 dst = rd(x, s, LF_MF_IP6_DST, ~(lf_u128)0);
		return ip6_in(g, e->ip6, dst) || dst == lla_of(e->mac) || prefix6(dst, 0xff00, 8);
	}
	return true;
}

unsigned plx_port_sec(struct plx *x, struct pls *s, bool out)
{
	const struct pl_gen *g = x->g;
	const struct pl_port *p = plx_port(x, s->dp->key, s->reg[out ? 15 : 14]);
	if (p == NULL || p->psec.n == 0)
		return 0;
	lf_u128 mac = rd_all(x, s, out ? LF_MF_ETH_DST : LF_MF_ETH_SRC, 0xffffffffffffULL);
	for (uint32_t i = 0; i < p->psec.n; i++) {
		const struct pl_psec *e = &g->psecs[p->psec.first + i];
		if (mac == e->mac && (out ? out_entry_ok(x, s, e) : in_entry_ok(x, s, e)))
			return 0;
	}
	return 1;
}
