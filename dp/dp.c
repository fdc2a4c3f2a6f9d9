/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath's per-burst path: cross-connect, or parse -> flow cache (the previous packet's
 * megaflow first, then a lookup) -> (miss: slow path, install) -> execute the flat actions.
 * And the PMD's side of table changes: each new table generation says what it changed (the
 * datapaths of a new pipeline generation, a removed port, or everything), and the PMD removes
 * the megaflows that depend on it before its next burst. */
#include "dp.h"
#include "dp_actions.h"
#include "dp_key.h"
#include "flow_cache.h"
#include "learn.h"
#include "mbuf_ops.h"
#include "nbuf_dp.h"
#include "table_changes.h"
#include "upcall.h"

#include <brint/log.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define DP_EMC_ENTRIES 8192
#define DP_MAX_FLOWS   65536
#define DP_MAX_ACTIONS 512 /* bytes of flat actions one upcall may produce */

void dp_tables_changed_dps(uint64_t dps)
{
	tc_record(dps, TC_PORT_NONE);
}

void dp_tables_changed(void)
{
	tc_record(FC_DEPS_ALL, TC_PORT_NONE);
}

void dp_port_removed(uint16_t port)
{
	tc_record(0, port);
}

int dp_pmd_init(struct pmd *pmd)
{
	pmd->cache = fc_create(DP_EMC_ENTRIES, DP_MAX_FLOWS);
	pmd->cache_gen = __atomic_load_n(&dp_table_gen, __ATOMIC_ACQUIRE);
	nbuf_init(&pmd->nbuf);
	return pmd->cache ? 0 : -1;
}

void dp_pmd_fini(struct pmd *pmd)
{
	dp_nbuf_fini(pmd);
	fc_destroy(pmd->cache);
	pmd->cache = NULL;
}

struct dump_ctx {
	struct pmd_dump_req *req;
	double hz;
	uint64_t now;
};

static bool dump_flow(const struct fc_flow *f, void *arg)
{
	struct dump_ctx *d = arg;
	char acts[512];
	json_t *o;

	if (json_array_size(d->req->flows) >= d->req->max)
		return false;
	if (dpa_format(f->actions, f->actions_len, acts, sizeof(acts)) < 0)
		snprintf(acts, sizeof(acts), "(%u bytes)", f->actions_len);
	/* the datapaths its decision went through (tunnel key % 64), what revalidation follows */
	char dps[64 * 3 + 1] = "all";
	if (f->deps != FC_DEPS_ALL) {
		size_t n = 0;
		dps[0] = 0;
		for (unsigned b = 0; b < 64; b++)
			if (f->deps >> b & 1)
				n += (size_t)snprintf(dps + n, sizeof(dps) - n, "%s%u",
						      n ? "," : "", b);
	}
	o = json_pack("{s:i, s:I, s:I, s:f, s:s, s:s}", "in_port", (int)f->key.in_port, "packets",
		      (json_int_t)f->packets, "bytes", (json_int_t)f->bytes, "age_s",
		      d->hz > 0 ? (double)(d->now - f->created) / d->hz : 0.0, "actions", acts,
		      "datapaths", dps);
	if (o)
		json_array_append_new(d->req->flows, o);
	return true;
}

void dp_pmd_housekeeping(struct pmd *pmd)
{
	uint64_t gen = __atomic_load_n(&dp_table_gen, __ATOMIC_ACQUIRE);
	struct pmd_dump_req *req;

	if (unlikely(gen != pmd->cache_gen)) {
		struct tc_change ch;
		if (!tc_since(pmd->cache_gen, gen, &ch)) {
			fc_flush(pmd->cache);
			pmd->c.cache_flushes++;
		} else if (ch.dps || ch.n_ports) {
			pmd->c.cache_flows_removed += fc_remove_if(pmd->cache, tc_touches, &ch);
			pmd->c.cache_revalidations++;
			for (unsigned i = 0; i < ch.n_ports; i++)
				dp_nbuf_port_removed(pmd, ch.ports[i]);
		}
		pmd->cache_gen = gen;
		pmd->nbuf_check = true;
	}
	uint64_t fr = __atomic_load_n(&pmd->flush_req, __ATOMIC_ACQUIRE);
	if (unlikely(fr != pmd->flush_done)) { /* `brintctl flows flush` */
		fc_flush(pmd->cache);
		pmd->c.cache_flushes++;
		__atomic_store_n(&pmd->flush_done, fr, __ATOMIC_RELEASE);
	}
	/* after the cache follows the new tables: what is sent on meets the new megaflows */
	dp_nbuf_run(pmd);
	req = pmd->dump_req;
	if (unlikely(req != NULL)) {
		struct dump_ctx d = {
		    .req = req, .hz = (double)rte_get_tsc_hz(), .now = rte_rdtsc()};
		fc_foreach(pmd->cache, dump_flow, &d);
		pmd->dump_req = NULL;
		__atomic_store_n(&req->done, true, __ATOMIC_RELEASE);
	}
}

/* dpa_dec_ttl with IPv4 inline (every routed packet): TTL 1 or 0 does not pass; the header
 * checksum is updated incrementally (RFC 1624) */
static inline bool dec_ttl(uint8_t *frame, size_t len, const struct flow_layout *lay)
{
	uint8_t *ip = frame + lay->l3_ofs;
	uint32_t s;

	if (unlikely(lay->l3_ofs == 0 || (size_t)lay->l3_ofs + 20 > len || (ip[0] >> 4) != 4))
		return dpa_dec_ttl(frame, len, lay);
	if (ip[8] <= 1)
		return false;
	ip[8]--;
	/* the TTL is the high byte of the 16-bit word at 8: it went down by 0x0100 */
	s = (uint16_t) ~(ip[10] << 8 | ip[11]) + (uint32_t)0xfeff;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	return true;
}

/* Apply a flow's actions to m in order; an output sends the packet as it is at that point (a
 * copy, unless it is the last action). A list that does not end in an output drops. A
 * check_len first picks one of its two lists by the frame's length. The list was checked
 * (dpa_valid) when the flow was installed. */
static void execute(struct pmd *pmd, uint16_t in, struct rte_mbuf *m, const struct fc_flow *f,
		    struct flow_layout *lay)
{
	const uint8_t *p = f->actions, *end = p + f->actions_len;
	uint16_t out = PORT_NONE;

	while (p < end) {
		const struct dpa_hdr *a = (const struct dpa_hdr *)(const void *)p;
		uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
		size_t dlen = rte_pktmbuf_data_len(m);
		bool ok = true;

		p += a->len8 * 8u;
		switch (a->type) {
		case DPA_OUTPUT:
			if (p >= end) {
				out = a->u16; /* the last action: the packet itself goes */
			} else {
				/* more actions follow: this port gets the packet as it is now */
				struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
				if (c == NULL)
					pmd_drop(pmd, BRINT_DROP_NO_MBUF, in, NULL);
				else
					pmd_output(pmd, a->u16, c);
			}
			break;
		case DPA_SET_ETH_SRC:
		case DPA_SET_ETH_DST:
			/* dpa_set_eth, inline: every routed packet takes two */
			ok = dlen >= 14;
			if (likely(ok))
				memcpy(data + (a->type == DPA_SET_ETH_DST ? 0 : 6),
				       ((const struct dpa_eth *)(const void *)a)->mac, 6);
			break;
		case DPA_DEC_TTL: ok = dec_ttl(data, dlen, lay); break;
		case DPA_SET_IP4_SRC:
		case DPA_SET_IP4_DST:
			ok = dpa_set_ip4(data, dlen, lay, a->type == DPA_SET_IP4_DST, a->u32);
			break;
		case DPA_SET_TTL: ok = dpa_set_ttl(data, dlen, lay, (uint8_t)a->u16); break;
		case DPA_SET_L4_SRC:
		case DPA_SET_L4_DST:
			ok = dpa_set_l4(data, dlen, lay, a->type == DPA_SET_L4_DST, a->u16);
			break;
		case DPA_SET_ARP:
			ok = dpa_set_arp(data, dlen, lay, (const struct dpa_arp *)(const void *)a);
			break;
		case DPA_PUSH_VLAN: ok = dp_push_vlan(m, a->u16, lay); break;
		case DPA_POP_VLAN: ok = dp_pop_vlan(m, lay); break;
		case DPA_DROP: pmd_drop(pmd, (enum brint_drop_reason)a->u16, in, m); return;
		case DPA_LEARN: /* counted by dp/learn.c, queue full included */
			dp_learn_post(&((const struct dpa_learn *)(const void *)a)->l);
			break;
		case DPA_SLOWPATH: /* the pipeline generates packets from this one */
			dp_slowpath(pmd, in, m);
			return;
		case DPA_CHECK_LEN:
			/* check_pkt_larger: the whole frame (all segments, Ethernet header
			 * included) against L, as OVS's check_pkt_len; the "not larger" list
			 * is the next u16 bytes, the "larger" list the rest */
			if (rte_pktmbuf_pkt_len(m) > a->u32)
				p += a->u16;
			else
				end = p + a->u16;
			break;
		default: ok = false; break;
		}
		if (unlikely(!ok)) {
			pmd_drop(pmd, BRINT_DROP_REWRITE_FAILED, in, m);
			return;
		}
	}
	if (out == PORT_NONE)
		pmd_drop(pmd, BRINT_DROP_NO_PIPELINE, in, m);
	else
		pmd_output(pmd, out, m);
}

/* The single output port of a list that is one output and nothing else (FC_OUT_NONE if not):
 * such a flow's packets go straight to the tx buffer. */
static uint16_t only_output(const void *acts, uint32_t len)
{
	const struct dpa_hdr *a = acts;
	if (len == sizeof(*a) && a->type == DPA_OUTPUT && a->u16 < BRINT_MAX_PORTS)
		return a->u16;
	return FC_OUT_NONE;
}

static struct fc_flow *upcall(struct pmd *pmd, const struct dp_key *k)
{
	uint8_t abuf[DP_MAX_ACTIONS] __rte_aligned(8);
	struct dp_upcall u = {
	    .key = k, .acts = {.data = abuf, .cap = sizeof(abuf)}, .deps = FC_DEPS_ALL};
	uint64_t t0 = rte_rdtsc();
	struct fc_flow *f = NULL;

	if (dp_upcall(pmd, &u) == 0 && dpa_valid(abuf, u.acts.len)) {
		f = fc_insert(pmd->cache, k, &u.mask, abuf, u.acts.len, t0);
		if (f != NULL) {
			f->deps = u.deps;
			f->out_port = only_output(abuf, u.acts.len);
		}
	}
	uint64_t dt = rte_rdtsc() - t0;
	pmd->c.upcalls++;
	pmd->c.upcall_cycles += dt;
	pmd->upcall_ring[pmd->upcall_seq % PMD_UPCALL_RING] =
	    dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
	__atomic_store_n(&pmd->upcall_seq, pmd->upcall_seq + 1, __ATOMIC_RELEASE);
	return f;
}

/* The cache path for a burst: each packet is parsed and classified; a packet that matches the
 * previous packet's megaflow (the common case: bursts come from few flows) is not looked up.
 * Hit counters are added once per run of packets of one flow; a flow that is one output
 * sends its packets to the tx buffer with no action walk. */
static void input_cached(struct pmd *pmd, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	struct fc_flow *prev = NULL; /* the megaflow of the previous packet, and of the run */
	uint64_t run_pkts = 0, run_bytes = 0;
	struct dp_key k;
	struct flow_layout lay;

	memset(&k, 0, offsetof(struct dp_key, f));
	k.in_port = in;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct fc_flow *f;
		enum flow_parse_err e;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		e = flow_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &k.f,
			       &lay);
		if (unlikely(e != FLOW_OK)) {
			pmd->c.malformed[e]++;
			pmd_drop(pmd, BRINT_DROP_MALFORMED, in, m);
			continue;
		}
		if (likely(prev != NULL && fc_match(prev, &k))) {
			f = prev;
		} else {
			if (prev != NULL) {
				prev->packets += run_pkts;
				prev->bytes += run_bytes;
				run_pkts = run_bytes = 0;
			}
			f = fc_lookup(pmd->cache, &k);
			/* the slow path may flush the cache (flow limit): prev may be gone */
			if (unlikely(f == NULL) && (f = upcall(pmd, &k)) == NULL) {
				prev = NULL;
				pmd_drop(pmd, BRINT_DROP_UPCALL_FAILED, in, m);
				continue;
			}
			prev = f;
		}
		run_pkts++;
		run_bytes += rte_pktmbuf_pkt_len(m);
		if (f->out_port != FC_OUT_NONE)
			pmd_output(pmd, f->out_port, m);
		else
			execute(pmd, in, m, f, &lay);
	}
	if (prev != NULL) {
		prev->packets += run_pkts;
		prev->bytes += run_bytes;
	}
}

void dp_input(struct pmd *pmd, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t out = xconnect_lookup(in);

	if (out != PORT_NONE) {
		for (uint16_t i = 0; i < n; i++)
			pmd_output(pmd, out, pkts[i]);
		return;
	}
	input_cached(pmd, in, pkts, n);
}
