/* SPDX-License-Identifier: Apache-2.0 */
/* The interpreter tests' shared helpers (see pl_test_util.h): flows compiled by the real
 * compilers into a pl_gen.h builder, datapath keys, key-mode runs and the megaflow soundness
 * check. */
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- building a generation ---- */

static const struct plt_port *find_port(const void *aux, const char *name)
{
	for (const struct plt_port *p = aux; p && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

int64_t plt_port_key(void *aux, const char *name)
{
	const struct plt_port *p = find_port(aux, name);
	return p ? p->key : -1;
}

bool plt_resident(void *aux, const char *name)
{
	const struct plt_port *p = find_port(aux, name);
	return p == NULL || !p->remote;
}

struct lflow_prog *plt_prog(const struct plt_env *e, bool egress, int table, const char *actions)
{
	struct lflow_act_params pp = {.pipeline = egress ? LFLOW_P_EGRESS : LFLOW_P_INGRESS,
				      .cur_table = table,
				      .stage_name = e->stage_name};
	char *err = NULL;
	size_t pos;
	struct lflow_prog *p = lflow_act_parse(actions, &pp, &err, &pos);
	if (p == NULL)
		fail_msg("%s: %s", actions, err);
	return p;
}

void plt_add_flow(struct plb *b, const struct plt_env *e, bool egress, int table, int prio,
		  const char *match, const char *actions)
{
	struct lflow_prog *p = plt_prog(e, egress, table, actions);
	char *both = NULL;
	if (e->prereqs && p->prereqs && p->prereqs[0]) {
		assert_true(asprintf(&both, "(%s) && (%s)", match, p->prereqs) > 0);
		match = both;
	}
	struct lf_match m;
	char *err = NULL;
	size_t pos;
	if (lf_match_compile(match, NULL, NULL, &m, &err, &pos) != 0)
		fail_msg("%s: %s", match, err);
	free(both);
	assert_true(plb_flow(b, prio, p) >= 0);
	assert_int_equal(plb_match(b, &m, &e->resolve), 0);
	lf_match_free(&m);
	lflow_prog_free(p);
}

void plt_add_flows(struct plb *b, const struct plt_env *e, bool egress, int table,
		   const struct plt_flow *flows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		plt_add_flow(b, e, egress, table, flows[i].prio, flows[i].match, flows[i].actions);
}

void plt_add_stages(struct plb *b, const struct plt_env *e, bool egress,
		    const struct plt_stage *defs, unsigned n)
{
	for (unsigned t = 0; t < n; t++) {
		size_t nf = 0;
		assert_int_equal(plb_stage(b, egress, t, defs[t].name), (int)t);
		while (nf < PLT_MAX_FLOWS && defs[t].flows[nf].match)
			nf++;
		plt_add_flows(b, e, egress, (int)t, defs[t].flows, nf);
	}
}

/* ---- keys ---- */

void plt_mac(uint8_t *d, uint64_t m)
{
	for (int i = 0; i < 6; i++)
		d[i] = (uint8_t)(m >> (40 - 8 * i));
}

void plt_ip6(uint8_t *d, lf_u128 a)
{
	for (int i = 0; i < 16; i++)
		d[i] = (uint8_t)(a >> (120 - 8 * i));
}

struct dp_key plt_eth_key(uint32_t in, uint64_t src, uint64_t dst, uint16_t eth_type)
{
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = in;
	plt_mac(k.f.eth_src, src);
	plt_mac(k.f.eth_dst, dst);
	k.f.eth_type = eth_type;
	return k;
}

struct dp_key plt_ip4_key(uint32_t in, uint64_t src, uint64_t dst, uint32_t sip, uint32_t dip,
			  uint8_t proto)
{
	struct dp_key k = plt_eth_key(in, src, dst, 0x0800);
	k.f.nw_proto = proto;
	k.f.nw_ttl = 64;
	k.f.ip4_src = __builtin_bswap32(sip);
	k.f.ip4_dst = __builtin_bswap32(dip);
	return k;
}

struct dp_key plt_icmp6_key(uint32_t in, uint64_t src, uint64_t dst, lf_u128 sip, lf_u128 dip,
			    uint8_t type)
{
	struct dp_key k = plt_eth_key(in, src, dst, 0x86dd);
	k.f.nw_proto = 58;
	k.f.nw_ttl = 255;
	plt_ip6(k.f.ip6_src, sip);
	plt_ip6(k.f.ip6_dst, dip);
	k.f.tp_src = __builtin_bswap16(type);
	return k;
}

struct dp_key plt_arp_key(uint32_t in, uint16_t op, uint64_t sha, uint64_t eth_dst, uint32_t spa,
			  uint32_t tpa)
{
	struct dp_key k = plt_eth_key(in, sha, eth_dst, 0x0806);
	k.f.arp_op = __builtin_bswap16(op);
	k.f.nw_proto = (uint8_t)op;
	plt_mac(k.f.arp_sha, sha);
	k.f.ip4_src = __builtin_bswap32(spa);
	k.f.ip4_dst = __builtin_bswap32(tpa);
	return k;
}

/* ---- running ---- */

void plt_run(const struct pl_gen *g, const struct dp_key *k, struct pl_counters *c,
	     struct plt_out *o)
{
	struct pl_counters own;
	struct dpa_buf b = {.data = o->buf, .cap = sizeof(o->buf)};
	if (c == NULL) {
		memset(&own, 0, sizeof(own));
		c = &own;
	}
	assert_int_equal(pl_run(g, k, &o->mask, &b, c), 0);
	assert_true(dpa_valid(o->buf, b.len));
	o->len = b.len;
	assert_true(dpa_format(o->buf, b.len, o->text, sizeof(o->text)) >= 0);
}

void plt_check_mask_sound(const struct pl_gen *g, const struct dp_key *k, const struct plt_out *o,
			  enum plt_perturb how)
{
	struct pl_counters c;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 300; i++) {
		struct dp_key v = *k;
		uint8_t *b = (uint8_t *)&v;
		const uint8_t *m = (const uint8_t *)&o->mask;
		for (size_t j = offsetof(struct dp_key, f); j < sizeof(v); j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint8_t r = (uint8_t)(seed >> 56);
			if (how == PLT_PERTURB_MIXED && i % 3 == 0)
				r &= (uint8_t)(seed >> 48); /* sparser */
			b[j] = (uint8_t)((b[j] & m[j]) | (r & ~m[j]));
		}
		struct plt_out o2;
		memset(&c, 0, sizeof(c));
		plt_run(g, &v, &c, &o2);
		assert_string_equal(o2.text, o->text);
	}
}
