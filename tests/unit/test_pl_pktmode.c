/* SPDX-License-Identifier: Apache-2.0 */
/* Packet mode of the pipeline interpreter (dp/pl_interp.c) on a hand-built generation: one
 * logical switch whose flows use OVN's packet-generating actions as northd 23.03 writes them
 * (the router's TTL-exceeded icmp4 { }, tcp_reset { }, the UDP port-unreachable icmp4 { },
 * arp { } for an unresolved next hop, nd_na_router { }, reject { }), compiled by the real match
 * and action compilers. Key mode must end such a megaflow with `slowpath` under a sound mask;
 * packet mode, on real frames (made by pktgen_from_key), must list the generated packets and
 * their outputs; the headers are then written into copies of the frames with pktgen_rewrite
 * (as dp/upcall.c does) and every byte that matters is checked, checksums included. Also the
 * per-PMD token bucket (dp/upcall.h). */
#include "frame_test_util.h"
#include "pktgen.h"
#include "pl_test_util.h"
#include "upcall.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAC1 0x0a0000000001ULL
#define MAC2 0x0a0000000002ULL
#define RMAC 0x0a00000000aaULL /* the "router" port's MAC */

static const struct plt_flow in0[] = {
    {100, "ip4 && ip.ttl == {0, 1} && !ip.later_frag",
     "icmp4 {eth.dst <-> eth.src; icmp4.type = 11; /* Time exceeded */ icmp4.code = 0; "
     "ip4.dst = ip4.src; ip4.src = 10.16.0.1 ; ip.ttl = 254; outport = inport; "
     "flags.loopback = 1; output; };"},
    {90, "ip4 && ip4.dst == 10.16.0.1 && !ip.later_frag && tcp",
     "tcp_reset {eth.dst <-> eth.src; ip4.dst <-> ip4.src; outport = inport; "
     "flags.loopback = 1; output; };"},
    {90, "ip4 && ip4.dst == 10.16.0.1 && !ip.later_frag && udp",
     "icmp4 {eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; icmp4.type = 3; "
     "icmp4.code = 3; outport = inport; flags.loopback = 1; output; };"},
    {80, "ip4.dst == 10.16.0.99",
     "eth.dst = 00:00:00:00:00:00; eth.src = 0a:00:00:00:00:aa; ip.ttl--; reg0 = 10.16.0.99; "
     "reg1 = 10.16.0.1; next;"},
    {70, "nd_ns && nd.target == fd00::1",
     "nd_na_router { eth.src = 0a:00:00:00:00:aa; ip6.src = fd00::1; nd.target = fd00::1; "
     "nd.tll = 0a:00:00:00:00:aa; outport = inport; flags.loopback = 1; output; };"},
    {60, "udp.dst == 7", "reject { outport = inport; flags.loopback = 1; output; };"},
    {60, "udp.dst == 9",
     "icmp4 { eth.dst <-> eth.src; ip4.dst <-> ip4.src; icmp4.type = 3; icmp4.code = 3; "
     "outport = inport; flags.loopback = 1; output; }; outport = \"pod2\"; output;"},
    {60, "udp.dst == 11",
     "icmp4_error { reg9[7] = 1; eth.dst <-> eth.src; ip4.dst <-> ip4.src; ip.ttl = 255; "
     "icmp4.type = 3; icmp4.code = 4; icmp4.frag_mtu = 1400; outport = inport; "
     "flags.loopback = 1; output; };"},
    {60, "udp.dst == 13",
     "put_arp(inport, ip4.src, eth.src); icmp4 { eth.dst <-> eth.src; ip4.dst <-> ip4.src; "
     "icmp4.type = 3; icmp4.code = 3; outport = inport; flags.loopback = 1; output; }; "
     "put_fdb(inport, eth.src);"},
    {60, "ip6.dst == fd00::1 && icmp6.type == 128 && icmp6.code == 0",
     "ip6.dst <-> ip6.src; ip.ttl = 255; icmp6.type = 129; eth.dst <-> eth.src; "
     "outport = inport; flags.loopback = 1; output;"},
    {80, "ip6.dst == fd00::99",
     "eth.dst = 00:00:00:00:00:00; eth.src = 0a:00:00:00:00:aa; ip.ttl--; xxreg0 = fd00::99; "
     "next;"},
    /* northd's gateway_mtu flow (gateway_mtu=1400 + the 14-byte Ethernet header); the
     * second one meets two lengths in one run */
    {60, "udp.dst == 15", "reg9[1] = check_pkt_larger(1414); next;"},
    {60, "udp.dst == 17",
     "reg9[1] = check_pkt_larger(1414); reg9[2] = check_pkt_larger(1000); next;"},
    {60, "udp.dst == 19", "put_fdb(inport, eth.src); reg9[1] = check_pkt_larger(1414); next;"},
    {50, "eth.dst == 0a:00:00:00:00:02", "outport = \"pod2\"; output;"},
    {0, "1", "drop;"},
};
static const struct plt_flow in1[] = {
    {95, "reg9[1] == 1 && udp.dst == 19", "drop;"},
    {90, "reg9[1] == 1 && ip4",
     "icmp4_error { reg9[7] = 1; reg9[1] = 0; eth.dst <-> eth.src; ip4.dst <-> ip4.src; "
     "ip.ttl = 255; icmp4.type = 3; icmp4.code = 4; icmp4.frag_mtu = 1400; outport = inport; "
     "flags.loopback = 1; output; };"},
    {80, "udp.dst == {15, 17, 19}", "outport = \"pod2\"; output;"},
    {100, "eth.dst == 00:00:00:00:00:00 && ip4",
     "arp { eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0; arp.op = 1; "
     "outport = \"_MC_flood\"; output; };"},
    {100, "eth.dst == 00:00:00:00:00:00 && ip6",
     "nd_ns { nd.target = xxreg0; outport = \"_MC_flood\"; output; };"},
    {0, "1", "drop;"},
};
static const struct plt_flow eg0[] = {{0, "1", "output;"}};

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	if (p == LFLOW_P_INGRESS)
		return table == 0 ? "in0" : table == 1 ? "in1" : NULL;
	return table == 0 ? "out0" : NULL;
}

/* pod3 is bound to another chassis */
static const struct plt_port ports[] = {
    {"pod1", 1, false},		 {"pod2", 2, false}, {"pod3", 3, true},
    {"_MC_flood", 32768, false}, {NULL, 0, false},
};

/* a stage and its flows, matches joined with what the actions require, as the compiler
 * joins them */
static void add_stage(struct plb *b, bool eg, unsigned t, const struct plt_flow *defs, size_t n)
{
	const struct plt_env env = {stage_of, PLT_RESOLVE(ports), true};
	assert_int_equal(plb_stage(b, eg, t, stage_of(NULL, eg, (int)t)), (int)t);
	plt_add_flows(b, &env, eg, (int)t, defs, n);
}

static struct pl_gen *build(void)
{
	struct plb *b = plb_new(3);
	assert_non_null(b);
	assert_int_equal(plb_dp(b, 5, "ovn-default", PL_DP_SWITCH), 0);
	add_stage(b, false, 0, in0, sizeof(in0) / sizeof(in0[0]));
	add_stage(b, false, 1, in1, sizeof(in1) / sizeof(in1[0]));
	add_stage(b, true, 0, eg0, 1);
	int p1 = plb_port(b, "pod1", 5, 1, PL_PT_VIF, 10);
	int p2 = plb_port(b, "pod2", 5, 2, PL_PT_VIF, 11);
	int p3 = plb_port(b, "pod3", 5, 3, PL_PT_VIF, PL_PORT_NONE);
	plb_mcgroup(b, "_MC_flood", 5, 32768);
	plb_mc_member(b, p1);
	plb_mc_member(b, p2);
	plb_mc_member(b, p3);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

/* ---- keys and frames ---- */

static uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;
	memcpy(&v, x, 4);
	return v;
}

static struct dp_key ip4_key(uint8_t proto, uint32_t dst, uint8_t ttl, uint16_t sport,
			     uint16_t dport)
{
	struct dp_key k = plt_eth_key(10, MAC1, RMAC, 0x0800);
	k.f.nw_proto = proto;
	k.f.nw_ttl = ttl;
	k.f.ip4_src = ip(10, 16, 0, 11);
	k.f.ip4_dst = dst;
	k.f.tp_src = __builtin_bswap16(sport);
	k.f.tp_dst = __builtin_bswap16(dport);
	if (proto == 6)
		k.f.tcp_flags = __builtin_bswap16(0x002); /* SYN */
	return k;
}

struct pm {
	struct pl_pm_out out;
	uint8_t frame[256];
	size_t len;
	struct flow_layout lay;
	struct dp_key key;
};

/* run packet mode on a frame made from k */
static void run_pm(const struct pl_gen *g, const struct dp_key *k, struct pl_counters *c,
		   struct pm *r)
{
	int n = pktgen_from_key(&k->f, r->frame, sizeof(r->frame));
	assert_true(n > 0);
	r->len = (size_t)n;
	r->key = *k;
	assert_int_equal(flow_parse(r->frame, r->len, &r->key.f, &r->lay), FLOW_OK);
	/* the frame says what the key says */
	assert_memory_equal(&r->key.f, &k->f, sizeof(k->f));
	struct pl_pkt pkt = {r->frame, r->len, &r->lay, r->len};
	assert_int_equal(pl_run_packet(g, &r->key, &pkt, &r->out, c, NULL, NULL), 0);
}

/* what dp_slowpath sends for emit i: a copy of its source frame with the headers written */
static size_t sent(const struct pm *r, unsigned i, uint8_t *buf)
{
	const struct pl_pm_emit *e = &r->out.emit[i];
	const struct pl_pm_gen *gp = e->src ? &r->out.gen[e->src - 1] : NULL;
	size_t len = gp ? gp->len : r->len;
	memcpy(buf, gp ? gp->frame : r->frame, len);
	assert_int_equal(
	    pktgen_rewrite(buf, len, gp ? &gp->lay : &r->lay, gp ? &gp->key : &r->key.f, &e->hdr),
	    0);
	return len;
}

/* every checksum of an IPv4 or IPv6 frame (untagged) is right */
static void check_sums(const uint8_t *f, size_t len)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x0800) {
		const uint8_t *h = f + 14;
		size_t ihl = (size_t)(h[0] & 15) * 4, tot = (size_t)(h[2] << 8 | h[3]);
		assert_true(14 + tot <= len);
		assert_int_equal(sum16(h, ihl, 0), 0xffff);
		const uint8_t *l4 = h + ihl;
		size_t l4len = tot - ihl;
		uint32_t ps = sum16(h + 12, 8, 0) + h[9] + (uint32_t)l4len;
		if (h[9] == 1)
			assert_int_equal(sum16(l4, l4len, 0), 0xffff);
		else if (h[9] == 6 || h[9] == 17)
			assert_int_equal(sum16(l4, l4len, ps), 0xffff);
	} else if (type == 0x86dd) {
		const uint8_t *h = f + 14;
		size_t plen = (size_t)(h[4] << 8 | h[5]);
		uint32_t ps = sum16(h + 8, 32, 0) + h[6] + (uint32_t)plen;
		assert_true(54 + plen <= len);
		assert_int_equal(sum16(h + 40, plen, ps), 0xffff);
	}
}

static void expect_mac(const uint8_t *p, uint64_t m)
{
	uint8_t x[6];
	plt_mac(x, m);
	assert_memory_equal(p, x, 6);
}

/* ---- tests ---- */

/* key mode: the megaflow of a TTL-1 packet says slowpath, and its mask is sound */
static void test_key_mode(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	uint8_t buf[64] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[64];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(1, ip(100, 64, 0, 2), 1, 8, 0);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_valid(buf, acts.len));
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "slowpath");
	assert_int_equal(c.slowpath_flows, 1);
	assert_int_equal(mask.f.nw_ttl, 0xff);
	assert_int_equal(mask.f.eth_type, 0xffff);
	assert_int_equal(mask.in_port, UINT32_MAX);
	/* every key agreeing under the mask reaches the same action */
	uint64_t seed = 12345;
	for (int i = 0; i < 300; i++) {
		struct dp_key v = k, m2;
		uint8_t *b = (uint8_t *)&v;
		const uint8_t *m = (const uint8_t *)&mask;
		for (size_t j = offsetof(struct dp_key, f); j < sizeof(v); j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			b[j] = (uint8_t)((b[j] & m[j]) | ((uint8_t)(seed >> 56) & ~m[j]));
		}
		acts.len = 0;
		assert_int_equal(pl_run(g, &v, &m2, &acts, &c), 0);
		assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
		assert_string_equal(text, "slowpath");
	}
	/* a packet with TTL 64 to pod2 is forwarded as before */
	k = ip4_key(1, ip(10, 16, 0, 12), 64, 8, 0);
	plt_mac(k.f.eth_dst, MAC2);
	acts.len = 0;
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "output:11");
	pl_gen_free(g);
}

/* icmp4 { } on TTL 1: time exceeded from 10.16.0.1, back to the inport, the datagram quoted */
static void test_ttl_exceeded(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(1, ip(100, 64, 0, 2), 1, 8, 0);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ICMP4);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].src, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	assert_int_equal(r.out.fail, BRINT_DROP_PKTGEN_REPLACED);
	assert_int_equal(c.gen_built[LFLOW_OP_ICMP4], 1);
	assert_int_equal(c.gen_outputs[LFLOW_OP_ICMP4], 1);
	assert_int_equal(c.packet_runs, 1);
	assert_false(r.out.wait.valid); /* an ICMP error's packet is not held */
	size_t n = sent(&r, 0, f);
	assert_int_equal(n, 14 + 20 + 8 + (r.len - 14));
	expect_mac(f, MAC1);
	expect_mac(f + 6, RMAC);
	const uint8_t *h = f + 14;
	assert_memory_equal(h + 12, "\x0a\x10\x00\x01", 4); /* from the router port */
	assert_memory_equal(h + 16, "\x0a\x10\x00\x0b", 4); /* to the sender */
	assert_int_equal(h[8], 254);
	assert_int_equal(h[1], 0xc0); /* CS6, as pinctrl */
	assert_int_equal(h[20], 11);  /* time exceeded */
	assert_int_equal(h[21], 0);
	assert_memory_equal(h + 28, r.frame + 14, r.len - 14); /* the datagram, as received */
	check_sums(f, n);
	pl_gen_free(g);
}

/* tcp_reset { }: RST|ACK from the router's address and port to the sender, ack = seq + 1 */
static void test_tcp_reset(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(6, ip(10, 16, 0, 1), 64, 40000, 80);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	size_t n = sent(&r, 0, f);
	assert_int_equal(n, 14 + 20 + 20);
	expect_mac(f, MAC1);
	expect_mac(f + 6, RMAC);
	const uint8_t *h = f + 14, *t = f + 34;
	assert_memory_equal(h + 12, "\x0a\x10\x00\x01", 4);
	assert_memory_equal(h + 16, "\x0a\x10\x00\x0b", 4);
	assert_int_equal(t[0] << 8 | t[1], 80);
	assert_int_equal(t[2] << 8 | t[3], 40000);
	assert_int_equal(t[13], 0x14);			   /* RST|ACK */
	assert_memory_equal(t + 8, "\x00\x00\x00\x02", 4); /* the SYN's seq (1) + 1 */
	check_sums(f, n);
	pl_gen_free(g);
}

/* icmp4 { } on UDP to the router: port unreachable (3/3) */
static void test_udp_unreachable(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 1), 64, 5000, 9999);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_emit, 1);
	size_t n = sent(&r, 0, f);
	const uint8_t *h = f + 14;
	assert_memory_equal(h + 12, "\x0a\x10\x00\x01", 4);
	assert_memory_equal(h + 16, "\x0a\x10\x00\x0b", 4);
	assert_int_equal(h[8], 255);
	assert_int_equal(h[20], 3);
	assert_int_equal(h[21], 3);
	check_sums(f, n);
	pl_gen_free(g);
}

/* arp { } for an unresolved next hop, built from the packet as the earlier actions left it
 * (eth.src the router's MAC), flooded: pod2 only (pod1 is the inport, pod3 is remote) */
static void test_arp_request(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(1, ip(10, 16, 0, 99), 64, 8, 0);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ARP);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].port, 11);
	assert_int_equal(c.remote_outputs, 1);
	size_t n = sent(&r, 0, f);
	assert_int_equal(n, 42);
	expect_mac(f, 0xffffffffffffULL);
	expect_mac(f + 6, RMAC);
	assert_memory_equal(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	expect_mac(f + 22, RMAC);			    /* sha */
	assert_memory_equal(f + 28, "\x0a\x10\x00\x01", 4); /* spa = reg1 */
	expect_mac(f + 32, 0);				    /* tha */
	assert_memory_equal(f + 38, "\x0a\x10\x00\x63", 4); /* tpa = reg0 */
	/* the received packet has no output: it waits for (datapath, reg15, reg0), dp/nbuf.h */
	assert_int_equal(r.out.fail, BRINT_DROP_PKTGEN_REPLACED);
	assert_true(r.out.wait.valid);
	assert_false(r.out.wait.v6);
	assert_int_equal(r.out.wait.dp, 5);
	assert_int_equal(r.out.wait.port, 0);
	assert_int_equal(r.out.wait.ip_hi, 0);
	assert_int_equal(r.out.wait.ip_lo, 0x0a100063);
	pl_gen_free(g);
}

/* nd_ns { } for an unresolved IPv6 next hop (xxreg0): a solicitation from the link-local
 * address of the router's MAC to the target's solicited-node group, flooded */
static void test_nd_ns(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	static const uint8_t src[16] = {0xfd, [15] = 0x11}, tgt[16] = {0xfd, [15] = 0x99};
	static const uint8_t snm[16] = {0xff, 2, [11] = 1, [12] = 0xff, [15] = 0x99};
	static const uint8_t lla[16] = {
	    0xfe, 0x80, [8] = 0x08, [11] = 0xff, [12] = 0xfe, [15] = 0xaa};
	memset(&c, 0, sizeof(c));
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 10;
	plt_mac(k.f.eth_src, MAC1);
	plt_mac(k.f.eth_dst, RMAC);
	k.f.eth_type = 0x86dd;
	k.f.nw_proto = 17;
	k.f.nw_ttl = 64;
	memcpy(k.f.ip6_src, src, 16);
	memcpy(k.f.ip6_dst, tgt, 16);
	k.f.tp_src = __builtin_bswap16(5000);
	k.f.tp_dst = __builtin_bswap16(53);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ND_NS);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].port, 11);
	size_t n = sent(&r, 0, f);
	assert_int_equal(n, 14 + 40 + 32);
	expect_mac(f, 0x3333ff000099ULL);
	expect_mac(f + 6, RMAC);
	const uint8_t *h = f + 14, *ns = f + 54;
	assert_memory_equal(h + 8, lla, 16);
	assert_memory_equal(h + 24, snm, 16);
	assert_int_equal(h[7], 255);
	assert_int_equal(ns[0], 135);
	assert_memory_equal(ns + 8, tgt, 16);
	assert_int_equal(ns[24], 1); /* source link-layer address */
	expect_mac(ns + 26, RMAC);
	check_sums(f, n);
	/* it waits for xxreg0 */
	assert_true(r.out.wait.valid);
	assert_true(r.out.wait.v6);
	assert_int_equal(r.out.wait.dp, 5);
	assert_int_equal(r.out.wait.ip_hi, 0xfd00000000000000ULL);
	assert_int_equal(r.out.wait.ip_lo, 0x99);
	pl_gen_free(g);
}

/* nd_na_router { } answering a solicitation for the router's address */
static void test_nd_na_router(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	static const uint8_t src[16] = {0xfd, [15] = 0x11}, tgt[16] = {0xfd, [15] = 1};
	static const uint8_t snm[16] = {0xff, 2, [11] = 1, [12] = 0xff, [15] = 1};
	memset(&c, 0, sizeof(c));
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 10;
	plt_mac(k.f.eth_src, MAC1);
	plt_mac(k.f.eth_dst, 0x3333ff000001ULL);
	k.f.eth_type = 0x86dd;
	k.f.nw_proto = 58;
	k.f.nw_ttl = 255;
	memcpy(k.f.ip6_src, src, 16);
	memcpy(k.f.ip6_dst, snm, 16);
	k.f.tp_src = __builtin_bswap16(135);
	memcpy(k.f.nd_target, tgt, 16);
	plt_mac(k.f.arp_sha, MAC1);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ND_NA_ROUTER);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	size_t n = sent(&r, 0, f);
	assert_int_equal(n, 14 + 40 + 32);
	expect_mac(f, MAC1);
	expect_mac(f + 6, RMAC);
	const uint8_t *h = f + 14, *na = f + 54;
	assert_memory_equal(h + 8, tgt, 16);
	assert_memory_equal(h + 24, src, 16);
	assert_int_equal(h[7], 255);
	assert_int_equal(na[0], 136);
	assert_int_equal(na[4], 0xe0); /* R, S, O */
	assert_memory_equal(na + 8, tgt, 16);
	assert_int_equal(na[24], 2); /* target link-layer address */
	expect_mac(na + 26, RMAC);
	check_sums(f, n);
	pl_gen_free(g);
}

/* the actions after the generating one apply to the packet: both go out */
static void test_original_and_generated(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 9);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.n_emit, 2);
	assert_int_equal(r.out.emit[0].src, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	assert_int_equal(r.out.emit[1].src, 0);
	assert_int_equal(r.out.emit[1].port, 11);
	assert_int_equal(c.outputs, 1);
	size_t n = sent(&r, 1, f);
	assert_int_equal(n, r.len);
	assert_memory_equal(f, r.frame, r.len); /* the packet itself, untouched */
	n = sent(&r, 0, f);
	assert_int_equal(f[14 + 20], 3);
	check_sums(f, n);
	pl_gen_free(g);
}

/* learn events around a generating action: the slowpath megaflow carries none; packet mode
 * lists both, the one met before the action and the one met after it, in that order */
static void test_learn_in_packet_mode(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t buf[128] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[128];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 13);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "slowpath");
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.n_learn, 2);
	assert_int_equal(r.out.learn[0].kind, DP_LEARN_ARP);
	assert_int_equal(r.out.learn[0].dp_key, 5);
	assert_int_equal(r.out.learn[0].port_key, 1);
	assert_int_equal(r.out.learn[0].mac, MAC1);
	uint32_t src = ip(10, 16, 0, 11);
	assert_memory_equal(r.out.learn[0].ip, &src, 4);
	assert_int_equal(r.out.learn[1].kind, DP_LEARN_FDB);
	assert_int_equal(r.out.learn[1].port_key, 1);
	assert_int_equal(r.out.learn[1].mac, MAC1);
	/* the generated reply goes back to pod1; the packet itself nowhere */
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].src, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	pl_gen_free(g);
}

/* reject { } on UDP: port unreachable with the addresses already swapped */
static void test_reject(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 7);
	plt_mac(k.f.eth_dst, MAC2);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_REJECT);
	size_t n = sent(&r, 0, f);
	expect_mac(f, MAC1);
	expect_mac(f + 6, MAC2);
	assert_memory_equal(f + 14 + 12, "\x0a\x10\x00\x0c", 4);
	assert_memory_equal(f + 14 + 16, "\x0a\x10\x00\x0b", 4);
	assert_int_equal(f[34], 3);
	assert_int_equal(f[35], 3);
	check_sums(f, n);
	pl_gen_free(g);
}

/* icmp4_error { ... icmp4.frag_mtu = 1400; ... } (check_pkt_larger): fragmentation needed,
 * the MTU in the second half of the unused word */
static void test_frag_needed(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 11);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ICMP4_ERROR);
	size_t n = sent(&r, 0, f);
	const uint8_t *icmp = f + 34;
	assert_int_equal(icmp[0], 3);
	assert_int_equal(icmp[1], 4);
	assert_int_equal(icmp[6] << 8 | icmp[7], 1400);
	check_sums(f, n);
	pl_gen_free(g);
}

/* check_pkt_larger(1414), key mode: two runs, one check_len with the forwarding list and
 * the slowpath list (the larger packet gets icmp4_error); the mask is the union of both runs'
 * (udp.dst read by the first stage, which both runs pass) and sound: any key under it gets
 * the same list */
static void test_check_len_key(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	uint8_t buf[512] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[512], text2[512];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 15);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_valid(buf, acts.len));
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "check_len(1414){output:11}{slowpath}");
	assert_int_equal(c.len_flows, 1);
	assert_int_equal(c.len_conflicts, 0);
	assert_int_equal(c.unsupported_op[LFLOW_OP_CHECK_PKT_LARGER], 0);
	assert_int_equal(mask.f.tp_dst, 0xffff);
	assert_int_equal(mask.f.nw_proto, 0xff);
	assert_int_equal(mask.f.eth_type, 0xffff);
	uint64_t seed = 777;
	for (int i = 0; i < 300; i++) {
		struct dp_key v = k, m2;
		uint8_t *b = (uint8_t *)&v;
		const uint8_t *m = (const uint8_t *)&mask;
		for (size_t j = offsetof(struct dp_key, f); j < sizeof(v); j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			b[j] = (uint8_t)((b[j] & m[j]) | ((uint8_t)(seed >> 56) & ~m[j]));
		}
		acts.len = 0;
		assert_int_equal(pl_run(g, &v, &m2, &acts, &c), 0);
		assert_true(dpa_format(buf, acts.len, text2, sizeof(text2)) > 0);
		assert_string_equal(text2, text);
	}
	/* a key that meets no check_pkt_larger: one run, no check_len */
	uint64_t runs = c.runs;
	k = ip4_key(1, ip(10, 16, 0, 12), 64, 8, 0);
	plt_mac(k.f.eth_dst, MAC2);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "output:11");
	assert_int_equal(c.runs, runs + 1);
	pl_gen_free(g);
}

/* two lengths in one run: no single check_len says it, the megaflow goes to packet mode */
static void test_check_len_conflict(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	uint8_t buf[512] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[512];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 17);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "slowpath");
	assert_int_equal(c.len_conflicts, 1);
	assert_int_equal(c.len_flows, 0);
	pl_gen_free(g);
}

/* learn events: each list carries its own (one list runs per packet: posted once) */
static void test_check_len_learn(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	uint8_t buf[512] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[512];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 19);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_valid(buf, acts.len));
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "check_len(1414){learn(fdb,dp=5,port=1,mac=0a:00:00:00:00:01),"
				  "output:11}{learn(fdb,dp=5,port=1,mac=0a:00:00:00:00:01),"
				  "drop(lflow_drop)}");
	const struct dpa_hdr *h = (const void *)buf;
	assert_int_equal(h->type, DPA_CHECK_LEN);
	assert_int_equal(h->u32, 1414);
	/* each list: exactly one learn record */
	for (int which = 0; which < 2; which++) {
		const uint8_t *l = buf + 8 + (which ? h->u16 : 0);
		uint32_t len = which ? acts.len - 8 - h->u16 : h->u16;
		unsigned learns = 0;
		for (const struct dpa_hdr *a = (const void *)l; a; a = dpa_next(l, len, a))
			learns += a->type == DPA_LEARN;
		assert_int_equal(learns, 1);
	}
	pl_gen_free(g);
}

/* a frame of len bytes made from k (UDP, zero payload; IPv4 and UDP lengths and the IPv4
 * checksum right) */
static void big_frame(const struct dp_key *k, size_t len, struct pm *r, uint8_t *f)
{
	int n = pktgen_from_key(&k->f, f, len);
	assert_true(n >= 42 && (size_t)n <= len);
	memset(f + n, 0, len - (size_t)n);
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	f[24] = f[25] = 0;
	uint32_t s = sum16(f + 14, 20, 0);
	f[24] = (uint8_t)(~s >> 8);
	f[25] = (uint8_t)~s;
	f[38] = (uint8_t)((len - 34) >> 8);
	f[39] = (uint8_t)(len - 34);
	f[40] = f[41] = 0;
	r->key = *k;
	assert_int_equal(flow_parse(f, len, &r->key.f, &r->lay), FLOW_OK);
}

/* check_pkt_larger(1414), packet mode: a 1500-byte frame gets fragmentation needed with MTU
 * 1400 back to the sender; a 1414-byte one (not larger) and a small one are forwarded; the
 * whole frame counts (wire_len: a segmented mbuf's first segment is not all of it) */
static void test_check_len_packet(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	static uint8_t big[1500], f[2048];
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(17, ip(10, 16, 0, 12), 64, 5000, 15);
	big_frame(&k, sizeof(big), &r, big);
	struct pl_pkt pkt = {big, sizeof(big), &r.lay, sizeof(big)};
	assert_int_equal(pl_run_packet(g, &r.key, &pkt, &r.out, &c, NULL, NULL), 0);
	assert_int_equal(r.out.n_gen, 1);
	assert_int_equal(r.out.gen[0].op, LFLOW_OP_ICMP4_ERROR);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].src, 1);
	assert_int_equal(r.out.emit[0].port, 10);
	size_t n = sent(&r, 0, f);
	expect_mac(f, MAC1);
	assert_memory_equal(f + 14 + 16, "\x0a\x10\x00\x0b", 4);
	assert_int_equal(f[34], 3);
	assert_int_equal(f[35], 4);
	assert_int_equal(f[34 + 6] << 8 | f[34 + 7], 1400);
	check_sums(f, n);

	/* 1414 bytes: not larger */
	big_frame(&k, 1414, &r, big);
	struct pl_pkt p2 = {big, 1414, &r.lay, 1414};
	assert_int_equal(pl_run_packet(g, &r.key, &p2, &r.out, &c, NULL, NULL), 0);
	assert_int_equal(r.out.n_gen, 0);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].src, 0);
	assert_int_equal(r.out.emit[0].port, 11);
	/* 1415 bytes, of which the first segment holds 1414: larger (not forwarded); the error
	 * is refused, as the builder sees the first segment only and the IPv4 length says more */
	big_frame(&k, 1415, &r, big);
	struct pl_pkt p3 = {big, 1414, &r.lay, 1415};
	uint64_t refused = c.gen_refused[LFLOW_OP_ICMP4_ERROR];
	assert_int_equal(pl_run_packet(g, &r.key, &p3, &r.out, &c, NULL, NULL), 0);
	assert_int_equal(r.out.n_emit, 0);
	assert_int_equal(c.gen_refused[LFLOW_OP_ICMP4_ERROR], refused + 1);
	/* a small frame: forwarded */
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 0);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].port, 11);
	pl_gen_free(g);
}

/* the router's IPv6 echo reply swaps ip6.src and ip6.dst, which no flat action writes: key
 * mode says slowpath, packet mode writes the reply's headers (the ICMPv6 checksum right) */
static void test_ip6_rewrite(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	uint8_t f[2048], buf[64] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct dp_key mask;
	char text[64];
	static const uint8_t src[16] = {0xfd, [15] = 0x11}, dst[16] = {0xfd, [15] = 1};
	memset(&c, 0, sizeof(c));
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 10;
	plt_mac(k.f.eth_src, MAC1);
	plt_mac(k.f.eth_dst, RMAC);
	k.f.eth_type = 0x86dd;
	k.f.nw_proto = 58;
	k.f.nw_ttl = 64;
	memcpy(k.f.ip6_src, src, 16);
	memcpy(k.f.ip6_dst, dst, 16);
	k.f.tp_src = __builtin_bswap16(128);
	assert_int_equal(pl_run(g, &k, &mask, &acts, &c), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "slowpath");
	assert_int_equal(c.unsupported_rewrite[LF_MF_IP6_SRC], 1);
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 0);
	assert_int_equal(r.out.n_emit, 1);
	assert_int_equal(r.out.emit[0].src, 0);
	assert_int_equal(r.out.emit[0].port, 10);
	size_t n = sent(&r, 0, f);
	expect_mac(f, MAC1);
	expect_mac(f + 6, RMAC);
	assert_memory_equal(f + 22, dst, 16);
	assert_memory_equal(f + 38, src, 16);
	assert_int_equal(f[21], 255);
	assert_int_equal(f[54], 129);
	check_sums(f, n);
	pl_gen_free(g);
}

/* no ICMP error about an ICMP error: refused, counted, the packet dropped under its reason */
static void test_refused(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	static struct pm r;
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip4_key(1, ip(100, 64, 0, 2), 1, 3, 1); /* a destination unreachable */
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.n_gen, 0);
	assert_int_equal(r.out.n_emit, 0);
	assert_int_equal(c.gen_refused[LFLOW_OP_ICMP4], 1);
	assert_int_equal(r.out.fail, BRINT_DROP_PKTGEN_REPLACED);
	/* a port bound to nothing */
	k.in_port = 13;
	run_pm(g, &k, &c, &r);
	assert_int_equal(r.out.fail, BRINT_DROP_NO_PIPELINE);
	pl_gen_free(g);
}

/* the per-PMD bucket: a burst, then the rate */
static void test_bucket(void **state)
{
	(void)state;
	struct dp_slowpath_bucket b = {0, 0};
	const uint64_t hz = 1000000000ULL;
	uint64_t now = 5 * hz;
	unsigned ok = 0;
	for (int i = 0; i < 1000; i++)
		ok += dp_slowpath_admit(&b, now, hz);
	assert_int_equal(ok, DP_SLOWPATH_BURST);
	/* one period later, one more */
	now += hz / DP_SLOWPATH_RATE;
	assert_true(dp_slowpath_admit(&b, now, hz));
	assert_false(dp_slowpath_admit(&b, now, hz));
	/* a second later, a second's worth at most (the burst) */
	now += hz;
	ok = 0;
	for (int i = 0; i < 5000; i++)
		ok += dp_slowpath_admit(&b, now, hz);
	assert_int_equal(ok, DP_SLOWPATH_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_mode),
	    cmocka_unit_test(test_ttl_exceeded),
	    cmocka_unit_test(test_tcp_reset),
	    cmocka_unit_test(test_udp_unreachable),
	    cmocka_unit_test(test_arp_request),
	    cmocka_unit_test(test_nd_na_router),
	    cmocka_unit_test(test_original_and_generated),
	    cmocka_unit_test(test_reject),
	    cmocka_unit_test(test_learn_in_packet_mode),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_frag_needed),
	    cmocka_unit_test(test_check_len_key),
	    cmocka_unit_test(test_check_len_conflict),
	    cmocka_unit_test(test_check_len_learn),
	    cmocka_unit_test(test_check_len_packet),
	    cmocka_unit_test(test_ip6_rewrite),
	    cmocka_unit_test(test_nd_ns),
	    cmocka_unit_test(test_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
