/* SPDX-License-Identifier: Apache-2.0 */
/* The PMD's side of the neighbour buffer (dp/nbuf.h): hold the packet that triggered `arp` /
 * `nd_ns` in packet mode, and send it on once a published pipeline generation knows its
 * next hop's MAC binding.
 *
 * Where a held packet re-enters. OVN 23.03's pinctrl sends it as a packet-out with the
 * metadata of the packet-in reloaded (datapath, registers, flags), eth.dst set to the learned
 * MAC and a resubmit to OFTABLE_REMOTE_OUTPUT: the end of the router's ingress pipeline,
 * output to reg15; since 24.09 it resumes the paused `arp`/`nd_ns` continuation (the same
 * point, conntrack state kept). brint has no continuation of a packet-mode run: the held
 * packet is the frame as received, and it re-enters by its input port through the PMD's
 * normal path (flow cache, then slow path), under the generation that has the binding. The
 * pipeline up to lr_in_arp_request is a function of the frame and the tables (no conntrack
 * executes yet), so it reaches the same point with the same metadata, where get_arp/get_nd
 * now give the MAC pinctrl writes into eth.dst. Once only: a re-sent packet that meets
 * `arp`/`nd_ns` again is dropped (nbuf_unresolved), never held again. */
#pragma once

#include "pl_interp.h"

#include <stdint.h>

struct pmd;
struct rte_mbuf;

/* Packet mode: m (received on in) met arp/nd_ns, waiting for w, and has no output. It is
 * held, or dropped under a named reason; the caller no longer owns it. */
void dp_nbuf_hold(struct pmd *pmd, uint16_t in, struct rte_mbuf *m, const struct pl_pm_wait *w);

/* Housekeeping: drop what timed out; after a table change, send on (through dp_input) what
 * the current generation has a binding for, then flush the tx buffers. */
void dp_nbuf_run(struct pmd *pmd);

/* Housekeeping: port `port` was removed (its id may be reused): drop what came in on it. */
void dp_nbuf_port_removed(struct pmd *pmd, uint16_t port);

/* PMD stop: free whatever is held. */
void dp_nbuf_fini(struct pmd *pmd);
