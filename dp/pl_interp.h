/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path's interpreter of the compiled logical pipeline (dp/pipeline.h) for one
 * packet key: OVN's logical metadata (datapath, reg0..reg15 with flags = reg10, inport =
 * reg14, outport = reg15) starts from the input port's binding; the ingress stages of its
 * datapath run (`next`), `output` crosses to the egress pipeline (multicast groups: once per
 * member, loopback rules applied), the egress `output` ends at a local port or crosses a patch
 * port into the peer datapath's ingress. Every key bit a decision reads goes into the megaflow
 * mask; header writes become flat rewrites emitted before each output. MAC-binding and FDB
 * lookups read the generation's tables; put_arp/put_nd/put_fdb become DPA_LEARN actions at
 * the head of the list (kept when the packet is dropped). Actions not executed
 * yet end their branch, are counted per action name, and if nothing was output the megaflow
 * drops under a named reason (unsupported_ct, unsupported_pktgen, unsupported_action, ...).
 * Pure C over dp_key (no DPDK): unit-tested on hand-built generations. */
#pragma once

#include "dp_actions.h"
#include "dp_key.h"
#include "pipeline.h"

#include <brint/drop_reasons.h>

/* Counters of one caller (a PMD): written by it alone, read by the control thread. Counted
 * per slow-path run (a megaflow built), not per packet: the packets are counted by the drop
 * reasons and port counters. */
struct pl_counters {
	uint64_t runs;           /* keys interpreted */
	uint64_t no_binding;     /* input port bound to no logical port of the generation */
	uint64_t stages;         /* stages visited */
	uint64_t outputs;        /* outputs to local ports */
	uint64_t patch_crossings;
	uint64_t remote_outputs; /* to logical ports not on this chassis (dropped: no tunnels) */
	uint64_t loopback_drops; /* output to the inport without flags.loopback */
	uint64_t neigh_lookups;  /* get_arp, get_nd, lookup_arp(_ip), lookup_nd(_ip) */
	uint64_t fdb_lookups;    /* get_fdb, lookup_fdb */
	uint64_t learns;         /* put_arp, put_nd, put_fdb put in a megaflow (DPA_LEARN) */
	uint64_t learns_dropped; /* more distinct put_* in one run than a megaflow carries */
	uint64_t unsupported_op[LFLOW_OP_N];      /* by action */
	uint64_t unsupported_rewrite[LF_MF_N];    /* header writes with no flat action, by field */
};

/* Interpret g for key k. On return *mask holds every key bit the result depends on (in_port
 * and recirc always) and acts a valid flat action list: rewrites and outputs, or one drop with
 * its reason. -1 only if acts overflowed. */
int pl_run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	   struct dpa_buf *acts, struct pl_counters *c);

/* The same, telling fn about every stage the packet passes (for `brintctl trace`): the
 * datapath, the pipeline, the stage, and the flow that matched (NULL: none matched). */
struct pl_trace_ev {
	const struct pl_datapath *dp;
	bool egress;
	unsigned table;
	const char *stage;
	const struct pl_flow *flow;
	uint32_t inport, outport; /* reg14 and reg15 when the stage was entered */
};
typedef void (*pl_trace_fn)(void *arg, const struct pl_trace_ev *ev);
int pl_run_traced(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		  struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg);
