/* SPDX-License-Identifier: Apache-2.0 */
/* What the interpreter's unit tests (test_pl_*.c) share, so that each test file holds only its
 * generation and its checks:
 *  - building a generation through dp/pl_gen.h from OVN text: a flow's actions compiled by the
 *    real action compiler, its match by the real match compiler (with the actions'
 *    prerequisites ANDed in, as ovn-glue/lflow/compile.c does, when the test asks for it), port
 *    names resolved from a small table;
 *  - datapath keys (struct dp_key) for Ethernet, IPv4, ARP and ICMPv6 frames;
 *  - a key-mode run (pl_run) to formatted flat actions, and the megaflow soundness check: keys
 *    that agree with a key under the mask its run produced get the same actions.
 * Failures go through cmocka (fail_msg, assert_*), so these run inside a cmocka test only.
 * Test code, linked into the tests that use it by tests/unit/meson.build. */
#pragma once

#include "dp_actions.h"
#include "lflow/act.h"
#include "lflow/expr.h"
#include "pl_gen.h"
#include "pl_interp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- building a generation ---- */

/* A port or multicast group name and its tunnel key; a table of them ends with {NULL}. */
struct plt_port {
	const char *name;
	int64_t key;
	bool remote; /* not resident on this chassis (is_chassis_resident() is false) */
};

/* plb_resolve callbacks over a plt_port table passed as aux: the key of the name (-1 when the
 * table does not have it); resident unless the table marks it remote (a name the table does
 * not have, or a NULL table, is resident). */
int64_t plt_port_key(void *aux, const char *name);
bool plt_resident(void *aux, const char *name);

/* How a test compiles its flows. */
struct plt_env {
	/* stage names for the action compiler (lflow_act_params.stage_name); may be NULL */
	const char *(*stage_name)(const void *aux, enum lflow_pipeline p, int table);
	struct plb_resolve resolve; /* ports and residency for plb_match */
	bool prereqs; /* AND the actions' prerequisites into the match, as the compiler does */
};

/* The resolver over a plt_port table. */
#define PLT_RESOLVE(table) ((struct plb_resolve){plt_port_key, plt_resident, (void *)(table)})

struct plt_flow {
	int prio;
	const char *match, *actions;
};

#define PLT_MAX_FLOWS 8
/* A stage and its flows in priority order, ended by the first flow without a match. */
struct plt_stage {
	const char *name;
	struct plt_flow flows[PLT_MAX_FLOWS];
};

/* The actions compiled for a table of a pipeline (fails the test on an error). */
struct lflow_prog *plt_prog(const struct plt_env *e, bool egress, int table, const char *actions);
/* One flow of the current stage: its program and its match's rules. */
void plt_add_flow(struct plb *b, const struct plt_env *e, bool egress, int table, int prio,
		  const char *match, const char *actions);
/* n flows of the current stage (table `table'). */
void plt_add_flows(struct plb *b, const struct plt_env *e, bool egress, int table,
		   const struct plt_flow *flows, size_t n);
/* Stages 0..n-1 of a pipeline of the current datapath, each with its flows. */
void plt_add_stages(struct plb *b, const struct plt_env *e, bool egress,
		    const struct plt_stage *defs, unsigned n);

/* ---- keys ---- */

/* a MAC address given as a 48-bit number into 6 bytes, most significant first */
void plt_mac(uint8_t *d, uint64_t m);
/* an IPv6 address given as a 128-bit number into 16 bytes */
void plt_ip6(uint8_t *d, lf_u128 a);
/* a zeroed key with the input port, the MACs and the Ethernet type */
struct dp_key plt_eth_key(uint32_t in, uint64_t src, uint64_t dst, uint16_t eth_type);
/* IPv4 with TTL 64; sip and dip in host order, the ports left 0 */
struct dp_key plt_ip4_key(uint32_t in, uint64_t src, uint64_t dst, uint32_t sip, uint32_t dip,
			  uint8_t proto);
/* ICMPv6 of the given type, hop limit 255 */
struct dp_key plt_icmp6_key(uint32_t in, uint64_t src, uint64_t dst, lf_u128 sip, lf_u128 dip,
			    uint8_t type);
/* ARP with operation op (the key's nw_proto holds op's low byte, as the parser puts it), the
 * sender's MAC as eth.src and arp.sha; spa and tpa in host order */
struct dp_key plt_arp_key(uint32_t in, uint16_t op, uint64_t sha, uint64_t eth_dst, uint32_t spa,
			  uint32_t tpa);

/* ---- running ---- */

struct plt_out {
	char text[768]; /* the flat actions as dpa_format writes them */
	struct dp_key mask;
	uint8_t buf[512] __attribute__((aligned(8)));
	uint32_t len;
};

/* pl_run on k (must succeed, with valid actions); c NULL: counters of its own */
void plt_run(const struct pl_gen *g, const struct dp_key *k, struct pl_counters *c,
	     struct plt_out *o);

/* How plt_check_mask_sound sets the bits outside the mask: uniformly random bytes in every one
 * of the 300 keys, or so in two keys of three and sparser random bytes (about a quarter of the
 * bits set) in every third key. */
enum plt_perturb {
	PLT_PERTURB_ALL,
	PLT_PERTURB_MIXED,
};
/* 300 keys that agree with k under o->mask (o: k's run) get the same actions as k. */
void plt_check_mask_sound(const struct pl_gen *g, const struct dp_key *k, const struct plt_out *o,
			  enum plt_perturb how);
