/* SPDX-License-Identifier: Apache-2.0 */
/* dp_bench: the cached fast path's cost per packet, without vhost peers or hugepages.
 *
 * One process: EAL with --no-huge, a mempool, one PMD structure used from the main thread
 * (never launched), two fake ports whose tx hands the mbufs back (no copy, no free: the bench
 * owns them). Frames are 64-byte UDP, one flow or 16,384 flows (UDP source ports), as
 * scripts/bench.sh sends them. A megaflow with the mask and actions the OVN pipeline gives
 * such a packet is installed up front (l2: output; l3: two MAC rewrites, dec_ttl, output), so
 * what is timed is dp_input() + the tx flush on a burst of 32: parse, hash, EMC/megaflow
 * lookup, execute, buffering. Each burst's frames are rewritten from pristine copies before it
 * is timed (the real rx path copies them in too). The result is the minimum and the median over
 * many bursts of rte_rdtsc() around that call, per packet: the minimum is the figure to compare
 * when the machine is busy.
 *
 * l2-4dst interleaves four destinations (four megaflows, packet after packet), so that every
 * packet is looked up: the cost when bursts mix flows.
 *
 * usage: dp_bench [--bursts N] [--scenarios xconnect-1,l2-1,l2-16k,l2-4dst,l3-1,l3-16k] */
#include "dp.h"
#include "dp_actions.h"
#include "flow_cache.h"
#include "pmd.h"
#include "port.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_FRAMES  16384
#define FRAME_LEN 60

static struct rte_mempool *pool;
static struct rte_mbuf *mbufs[N_FRAMES];
static uint8_t frames[N_FRAMES][FRAME_LEN];
static uint64_t sunk;

static uint16_t sink_tx(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	sunk += n;
	return n;
}

static const struct port_ops sink_ops = {.kind = "bench-sink", .tx = sink_tx};

static void fake_port(uint16_t id)
{
	struct port *p = calloc(1, sizeof(*p));
	p->id = id;
	p->ops = &sink_ops;
	p->n_txq = 1;
	p->link_up = true;
	snprintf(p->cfg.name, sizeof(p->cfg.name), "bench%u", id);
	ports[id] = p;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* pod1 00:00:00:00:01:01 10.16.0.11 -> dst MAC, dst IP, UDP sport */
static void build_frame(uint8_t *f, const uint8_t dmac[6], uint32_t dip, uint16_t sport)
{
	static const uint8_t smac[6] = {0, 0, 0, 0, 1, 1};
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 46; /* 20 + 8 + 18 */
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 16, ip[14] = 0, ip[15] = 11;
	ip[16] = (uint8_t)(dip >> 24), ip[17] = (uint8_t)(dip >> 16);
	ip[18] = (uint8_t)(dip >> 8), ip[19] = (uint8_t)dip;
	c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[2] = 0x13, udp[3] = 0x88;
	udp[5] = 26;
}

/* the mask the pipeline builds for these packets (`scripts/bench.sh --show-flows`): l2 the
 * input port, MACs, ethertype, VLAN and IPv4 source; l3 also the protocol, TTL, fragment bits
 * and IPv4 destination */
static void pipeline_mask(struct dp_key *m, bool l3)
{
	memset(m, 0, sizeof(*m));
	m->in_port = UINT32_MAX;
	m->recirc = UINT32_MAX;
	memset(m->f.eth_dst, 0xff, 6);
	memset(m->f.eth_src, 0xff, 6);
	m->f.eth_type = 0xffff;
	m->f.vlan_tci = 0xffff;
	m->f.ip4_src = UINT32_MAX;
	if (l3) {
		m->f.nw_proto = 0xff;
		m->f.nw_frag = 0xff;
		m->f.nw_ttl = 0xff;
		m->f.ip4_dst = UINT32_MAX;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void flush(struct pmd *pmd)
{
	for (uint16_t i = 0; i < pmd->n_dirty; i++)
		pmd_tx_flush_port(pmd, pmd->dirty[i]);
	pmd->n_dirty = 0;
}

static void run(struct pmd *pmd, const char *name, unsigned n_bursts)
{
	static const uint8_t mac2[6] = {0, 0, 0, 0, 1, 2}, rtr[6] = {0, 0, 0, 0xa1, 0, 1};
	bool l3 = strncmp(name, "l3", 2) == 0, xc = strncmp(name, "xconnect", 8) == 0;
	unsigned n_flows = strstr(name, "16k") ? N_FRAMES : 1;
	unsigned n_dst = strstr(name, "4dst") ? 4 : 1;
	uint64_t *t = calloc(n_bursts, sizeof(*t));
	uint8_t abuf[128] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = abuf, .cap = sizeof(abuf)};
	struct rte_mbuf *burst[PMD_BURST];
	unsigned next = 0;

	for (unsigned i = 0; i < N_FRAMES; i++) {
		uint8_t dst[6];
		memcpy(dst, l3 ? rtr : mac2, 6);
		dst[5] = (uint8_t)(dst[5] + i % n_dst);
		build_frame(frames[i], dst, l3 ? 0x0a11000b : 0x0a10000c,
			    (uint16_t)(1024 + i % n_flows));
	}
	fc_flush(pmd->cache);
	if (xc) {
		xconnect_set(0, 1);
	} else {
		static const uint8_t m3[6] = {0, 0, 0, 0, 2, 1};
		struct dp_key k, m;
		struct flow_layout lay;
		if (l3) {
			dpa_put_eth(&acts, DPA_SET_ETH_SRC,
				    (const uint8_t[6]){0, 0, 0, 0xa1, 0, 3});
			dpa_put_eth(&acts, DPA_SET_ETH_DST, m3);
			dpa_put_simple(&acts, DPA_DEC_TTL, 0, 0);
		}
		dpa_put_output(&acts, 1);
		pipeline_mask(&m, l3);
		for (unsigned d = 0; d < n_dst; d++) {
			memset(&k, 0, sizeof(k));
			flow_parse(frames[d], FRAME_LEN, &k.f, &lay);
			struct fc_flow *f = fc_insert(pmd->cache, &k, &m, abuf, acts.len, 0);
			if (!l3)
				f->out_port = 1; /* as dp.c's upcall marks a one-output flow */
		}
	}
	memset(&pmd->c, 0, sizeof(pmd->c));
	struct fc_stats st0 = *fc_get_stats(pmd->cache);
	for (unsigned b = 0; b < n_bursts + 1000; b++) {
		uint64_t t0, t1;
		for (unsigned i = 0; i < PMD_BURST; i++) {
			struct rte_mbuf *m = mbufs[next];
			memcpy(rte_pktmbuf_mtod(m, uint8_t *), frames[next], FRAME_LEN);
			burst[i] = m;
			next = (next + 1) % N_FRAMES;
		}
		t0 = rte_rdtsc_precise();
		dp_input(pmd, 0, burst, PMD_BURST);
		flush(pmd);
		t1 = rte_rdtsc_precise();
		if (b >= 1000) /* warm-up: EMC and megaflows filled */
			t[b - 1000] = t1 - t0;
	}
	if (xc)
		xconnect_clear(0);
	/* the last burst as it left: routed frames must carry the new MACs, TTL 63 and a valid
	 * IPv4 header checksum */
	for (unsigned i = 0; l3 && i < PMD_BURST; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(burst[i], const uint8_t *);
		if (f[5] != 0x01 || f[4] != 0x02 || f[14 + 8] != 63 || csum(f + 14, 20) != 0) {
			fprintf(stderr, "dp_bench: %s: frame %u left wrong (ttl %u)\n", name, i,
				f[14 + 8]);
			exit(1);
		}
	}
	qsort(t, n_bursts, sizeof(*t), cmp_u64);
	printf("%-12s min %6.1f  median %6.1f  cycles/pkt   (tx %llu, drops %llu, upcalls %llu, "
	       "emc hits %llu, megaflow lookups %llu)\n",
	       name, (double)t[0] / PMD_BURST, (double)t[n_bursts / 2] / PMD_BURST,
	       (unsigned long long)pmd->c.tx_pkts, (unsigned long long)(pmd->c.port_drop[0]),
	       (unsigned long long)pmd->c.upcalls,
	       (unsigned long long)(fc_get_stats(pmd->cache)->emc_hits - st0.emc_hits),
	       (unsigned long long)(fc_get_stats(pmd->cache)->megaflow_hits - st0.megaflow_hits));
	free(t);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	   "--no-huge",	  "-m",		  "512",	"--no-pci",
		       "-l",	   "0,1",	  "--main-lcore", "0",		"--file-prefix",
		       "dp_bench", "--log-level", "error",	  "--no-shconf"};
	const char *scen = "xconnect-1,l2-1,l2-16k,l2-4dst,l3-1,l3-16k";
	unsigned n_bursts = 20000, core = 1;
	char err[256];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--bursts") == 0)
			n_bursts = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--scenarios") == 0)
			scen = argv[i + 1];
		else {
			fprintf(stderr, "usage: dp_bench [--bursts N] [--scenarios LIST]\n");
			return 64;
		}
	}
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "dp_bench: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("bench", N_FRAMES + 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL || rte_pktmbuf_alloc_bulk(pool, mbufs, N_FRAMES) < 0) {
		fprintf(stderr, "dp_bench: no mbufs\n");
		return 1;
	}
	for (unsigned i = 0; i < N_FRAMES; i++) {
		rte_pktmbuf_append(mbufs[i], FRAME_LEN);
	}
	if (pmd_init(&core, 1, err, sizeof(err)) < 0 || xconnect_init() < 0) {
		fprintf(stderr, "dp_bench: %s\n", err);
		return 1;
	}
	fake_port(0);
	fake_port(1);
	char *list = strdup(scen);
	for (char *s = strtok(list, ","); s; s = strtok(NULL, ","))
		run(pmds[0], s, n_bursts);
	free(list);
	return 0;
}
