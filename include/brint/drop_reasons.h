/* SPDX-License-Identifier: Apache-2.0 */
/* Every reason a packet is dropped, with its counter name. A drop is always counted under one
 * of these, per PMD, and shown by `brintctl pmd stats`. Add reasons here, never reuse one. */
#pragma once

#define BRINT_DROP_REASONS(X)                                                                      \
	X(NO_XCONNECT, "no_xconnect", "received on a port with no cross-connect or pipeline")      \
	X(NO_PIPELINE, "no_pipeline", "no logical pipeline handles the input port yet")            \
	X(REWRITE_FAILED, "rewrite_failed", "a flow's rewrite did not fit the frame (e.g. TTL 1)") \
	X(NO_MBUF, "no_mbuf", "no mbuf to copy a packet sent to several ports")                    \
	X(UPCALL_FAILED, "upcall_failed", "the slow path could not build or install a flow")       \
	X(TX_FULL, "tx_full", "output queue full")                                                 \
	X(TX_PORT_DOWN, "tx_port_down", "output port has no link (no guest on vhost-user)")        \
	X(TX_NO_QUEUE, "tx_no_queue", "output vhost-user port has no enabled queue")               \
	X(MALFORMED, "malformed", "packet too short or headers inconsistent")                      \
	X(LFLOW_DROP, "lflow_drop",                                                                \
	  "the logical pipeline dropped it (drop action, no flow, loopback)")                      \
	X(PORT_SECURITY, "port_security",                                                          \
	  "dropped in a port-security stage of the logical pipeline")                              \
	X(UNSUPPORTED_CT, "unsupported_ct", "the pipeline asked for conntrack (not executed yet)") \
	X(UNSUPPORTED_PKTGEN, "unsupported_pktgen",                                                \
	  "the pipeline asked to generate a packet (not yet)")                                     \
	X(UNSUPPORTED_ACTION, "unsupported_action", "a logical action not executed yet")           \
	X(UNSUPPORTED_REWRITE, "unsupported_rewrite", "a header rewrite with no flat action yet")  \
	X(NO_LOCAL_PORT, "no_local_port",                                                          \
	  "the logical output port is not on this chassis (no tunnels yet)")                       \
	X(PIPELINE_LOOP, "pipeline_loop", "the logical pipeline ran too many stages (a loop)")     \
	X(SLOWPATH_LIMIT, "slowpath_limit",                                                        \
	  "over the per-PMD rate of packets interpreted one by one")                               \
	X(UNKNOWN_VLAN, "unknown_vlan",                                                            \
	  "received on a provider port with a VLAN no localnet maps")                              \
	X(NO_PROVIDER, "no_provider", "a localnet port whose network has no bridge mapping here")  \
	X(PKTGEN_REPLACED, "pktgen_replaced",                                                      \
	  "replaced by a packet the pipeline generated (ICMP error, TCP reset, ARP request, "      \
	  "...), or by none the RFCs allow")                                                       \
	X(NBUF_OVERFLOW, "nbuf_overflow",                                                          \
	  "waiting for a neighbour: evicted by a newer packet to the same next hop (4 held), or "  \
	  "too many next hops waiting")                                                            \
	X(NBUF_EXPIRED, "nbuf_expired",                                                            \
	  "waiting for a neighbour: no MAC binding came within 10 s (or its input port went "      \
	  "away)")                                                                                 \
	X(NBUF_UNRESOLVED, "nbuf_unresolved",                                                      \
	  "re-sent once its neighbour was known, it met arp/nd_ns again: not held twice")

enum brint_drop_reason {
#define X(id, name, help) BRINT_DROP_##id,
	BRINT_DROP_REASONS(X)
#undef X
	    BRINT_DROP__MAX
};

extern const char *const brint_drop_names[BRINT_DROP__MAX];
extern const char *const brint_drop_help[BRINT_DROP__MAX];
