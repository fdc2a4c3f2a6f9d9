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
 * drops under a named reason (unsupported_ct, unsupported_action, ...).
 *
 * Two modes. Key mode (pl_run) builds a megaflow from a key. When it reaches an action that
 * generates a packet (arp, nd_ns, nd_na, nd_na_router, icmp4, icmp4_error, icmp6, icmp6_error,
 * tcp_reset, sctp_abort, reject) it stops: the megaflow gets the one action DPA_SLOWPATH and
 * the mask read so far (every packet matching it reaches that same action); so does an output
 * whose header writes no flat action expresses (ip6.src/ip6.dst, as the router's IPv6 echo
 * reply swaps them). Packet mode
 * (pl_run_packet) runs for each packet hitting such a megaflow, on its real bytes: the
 * packet's own outputs are listed with the headers the logical actions left; each generated
 * packet is built by dp/pktgen.c from the packet as the actions left it at that point (as
 * OVN's pinctrl builds it from the packet-in), parsed into its own key, and the action's
 * nested block runs on it with the same logical metadata (datapath, registers, stage); its
 * outputs are listed likewise. The caller (dp/upcall.c) writes those headers into copies of
 * the frames (pktgen_rewrite) and sends them.
 * check_pkt_larger(L): packet mode answers from the frame's length (the generated frame's for
 * a generated packet). Key mode has no length: the run goes on as "not larger" and records L;
 * if it met one, the whole key is interpreted again with the answer "larger", and the megaflow
 * is DPA_CHECK_LEN{L} with both lists (each with its own learn events: one list runs per
 * packet), its mask the union of both runs' masks. A run that meets two different lengths
 * gets DPA_SLOWPATH (counted: len_conflicts). A trace follows the first run only.
 * Pure C over dp_key and byte buffers (no DPDK): unit-tested on hand-built generations. */
#pragma once

#include "dp_actions.h"
#include "dp_key.h"
#include "pipeline.h"

#include "learn.h"

#include <brint/drop_reasons.h>

#include <stddef.h>

/* Counters of one caller (a PMD): written by it alone, read by the control thread. Counted
 * per slow-path run (a megaflow built), not per packet: the packets are counted by the drop
 * reasons and port counters. */
struct pl_counters {
	uint64_t runs;	     /* keys interpreted */
	uint64_t no_binding; /* input port bound to no logical port of the generation */
	uint64_t stages;     /* stages visited */
	uint64_t outputs;    /* outputs to local ports */
	uint64_t patch_crossings;
	uint64_t remote_outputs; /* to logical ports not on this chassis (dropped: no tunnels) */
	uint64_t loopback_drops; /* output to the inport without flags.loopback */
	uint64_t neigh_lookups;	 /* get_arp, get_nd, lookup_arp(_ip), lookup_nd(_ip) */
	uint64_t fdb_lookups;	 /* get_fdb, lookup_fdb */
	uint64_t learns;	 /* put_arp, put_nd, put_fdb put in a megaflow (DPA_LEARN) */
	uint64_t learns_dropped; /* more distinct put_* in one run than a megaflow carries */
	uint64_t unsupported_op[LFLOW_OP_N];   /* by action */
	uint64_t unsupported_rewrite[LF_MF_N]; /* header writes with no flat action, by field
						* (such megaflows go to packet mode) */
	/* packet generation (counted per action: arp, icmp4, tcp_reset, ...) */
	uint64_t slowpath_flows;	    /* megaflows ended with DPA_SLOWPATH */
	uint64_t len_flows;		    /* megaflows with a check_len (two runs) */
	uint64_t len_conflicts;		    /* runs meeting check_pkt_larger with two
					     * lengths: a slowpath megaflow instead */
	uint64_t packet_runs;		    /* packets interpreted in packet mode */
	uint64_t packet_cycles;		    /* their TSC cycles, sending included (counted
					     * by the caller, dp/upcall.c) */
	uint64_t gen_built[LFLOW_OP_N];	    /* packets generated */
	uint64_t gen_refused[LFLOW_OP_N];   /* the input could not make one (RFC rules,
					     * malformed, too long, too many) */
	uint64_t gen_outputs[LFLOW_OP_N];   /* outputs of generated packets */
	uint64_t gen_no_output[LFLOW_OP_N]; /* generated packets the pipeline output nowhere */
};

/* Interpret g for key k. On return *mask holds every key bit the result depends on (in_port
 * and recirc always) and acts a valid flat action list: rewrites and outputs, or one drop with
 * its reason. -1 only if acts overflowed. */
int pl_run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	   struct dpa_buf *acts, struct pl_counters *c);

/* What a decision depended on, for selective revalidation (dp/pl_diff.h): a bit per logical
 * datapath entered (its tunnel key modulo 64: OVN numbers datapaths from 1, so up to 64 are
 * told apart exactly; beyond, two may share a bit and a change to one also drops the other's
 * flows, never the reverse). */
static inline uint64_t pl_dp_bit(int64_t dp_key)
{
	return (uint64_t)1 << ((uint64_t)dp_key & 63);
}
/* pl_run, also setting *deps to the pl_dp_bit of every datapath the packet went through
 * (all ones when the input port is bound to nothing: any binding may change that). */
int pl_run_deps(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		struct dpa_buf *acts, struct pl_counters *c, uint64_t *deps);

/* The same, telling fn about every stage the packet passes (for `brintctl trace`): the
 * datapath, the pipeline, the stage, and the flow that matched (NULL: none matched). */
struct pl_trace_ev {
	const struct pl_datapath *dp;
	bool egress;
	unsigned table;
	const char *stage;
	const struct pl_flow *flow;
	uint32_t inport, outport; /* reg14 and reg15 when the stage was entered */
	unsigned pkt;		  /* packet mode: 0 the received packet, i the i-th generated one */
};
typedef void (*pl_trace_fn)(void *arg, const struct pl_trace_ev *ev);
int pl_run_traced(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		  struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg);

/* ---- packet mode ---- */

#define PL_PM_MAX_GEN	4    /* packets one run may generate (more are refused, counted) */
#define PL_PM_MAX_EMIT	32   /* outputs of one run, every packet together */
#define PL_PM_FRAME_MAX 1536 /* room for a generated frame (an ICMPv6 error is <= 1298) */
#define PL_PM_SCRATCH	2048 /* a received packet longer than this generates nothing */
#define PL_PM_MAX_LEARN 4

/* the received packet: its bytes and what flow_parse said of them (FLOW_OK) */
struct pl_pkt {
	const uint8_t *data;
	size_t len;
	const struct flow_layout *lay;
	size_t wire_len; /* the whole frame, every segment (check_pkt_larger); 0: len */
};

struct pl_pm_gen {
	uint16_t op; /* enum lflow_op of the action that made it */
	uint16_t len;
	struct flow_key key; /* flow_parse(frame) */
	struct flow_layout lay;
	uint8_t frame[PL_PM_FRAME_MAX];
};

struct pl_pm_emit {
	uint16_t src;	     /* 0: the received packet; i: gen[i - 1] */
	uint16_t port;	     /* brint port id */
	struct flow_key hdr; /* the headers as the logical actions left them */
};

struct pl_pm_out {
	unsigned n_gen, n_emit;
	bool overflow;		     /* more outputs than PL_PM_MAX_EMIT: the rest dropped */
	enum brint_drop_reason fail; /* why the received packet has no output, if it has none */
	struct pl_pm_emit emit[PL_PM_MAX_EMIT];
	struct pl_pm_gen gen[PL_PM_MAX_GEN];
	/* learn events (put_arp, put_nd, put_fdb) the run met, in the order met, posted by the
	 * caller after the run (dp/learn.h); a slowpath megaflow carries none of its own */
	unsigned n_learn;
	struct dp_learn learn[PL_PM_MAX_LEARN];
	uint8_t scratch[PL_PM_SCRATCH]; /* the packet as the actions left it, for a builder */
	/* the received packet met `arp` or `nd_ns`: the next hop it waits for (the first met;
	 * dp/nbuf.h holds the packet when it has no output) */
	struct pl_pm_wait {
		bool valid, v6;
		int64_t dp, port;      /* the datapath's key, reg15 */
		uint64_t ip_hi, ip_lo; /* reg0 (arp), xxreg0 (nd_ns; ip6.dst when 0) */
	} wait;
};

/* Interpret g for the packet pkt (its key k, k->f parsed from pkt) in packet mode; fn may be
 * NULL. 0, or -1 on bad arguments. */
int pl_run_packet(const struct pl_gen *g, const struct dp_key *k, const struct pl_pkt *pkt,
		  struct pl_pm_out *out, struct pl_counters *c, pl_trace_fn fn, void *arg);
