/* SPDX-License-Identifier: Apache-2.0 */
/* PMD worker threads: each polls its rx queues, hands bursts to the datapath (dp/), buffers
 * output per port and flushes once per rx burst, and reports an RCU quiescent state once per
 * loop, with its tx buffers empty. */
#pragma once

#include "port.h"

#include <brint/drop_reasons.h>

#include "flow_key.h"
#include "nbuf.h"
#include "pl_interp.h"
#include "upcall.h"

#include <rte_rcu_qsbr.h>

#include <stdbool.h>
#include <stdint.h>

#define PMD_BURST 32

struct pmd_rxq {
	struct port *port;
	uint16_t qid;
};

/* What one PMD polls. Immutable once published; replaced whole by the control thread. */
struct pmd_sched {
	unsigned n_rxq;
	struct pmd_rxq rxq[];
};

struct pmd_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[PMD_BURST];
};

/* Counters written only by their PMD (plain stores, 64-bit aligned: torn reads impossible on
 * x86-64); read by the control thread. Clearing keeps a baseline on the control side. */
struct pmd_counters {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t busy_cycles; /* iterations that moved packets */
	uint64_t idle_cycles; /* iterations that found nothing */
	uint64_t iterations;
	uint64_t busy_iterations;
	uint64_t max_busy_cycles; /* longest loop iteration, busy or not, housekeeping included:
				   * the longest time an rx queue waited to be polled (loop gap) */
	uint64_t drops[BRINT_DROP__MAX];
	uint64_t malformed[FLOW_ERR__MAX]; /* why frames were dropped as malformed */
	uint64_t upcalls;		   /* slow-path runs (cache misses) */
	uint64_t upcall_cycles;
	uint64_t cache_flushes;		  /* whole-cache flushes (a table change of any kind) */
	uint64_t cache_revalidations;	  /* selective passes (datapaths changed) */
	uint64_t cache_flows_removed;	  /* megaflows those passes removed */
	uint64_t max_housekeeping_cycles; /* longest housekeeping (flush, revalidation, dump) */
	/* packets waiting for a neighbour (dp/nbuf.h): held, sent on once it was known, dropped
	 * after the timeout, dropped as an overflow (the last two also counted as drops) */
	uint64_t nbuf_buffered, nbuf_reinjected, nbuf_expired, nbuf_overflow;
	uint64_t port_rx[BRINT_MAX_PORTS];
	uint64_t port_tx[BRINT_MAX_PORTS];
	uint64_t port_drop[BRINT_MAX_PORTS];
};

#define PMD_UPCALL_RING 512

struct pmd {
	unsigned idx; /* 0..n_pmds-1, also the RCU thread id */
	unsigned lcore;
	struct pmd_sched *sched; /* RCU-published */
	volatile bool stop;
	bool running;
	uint16_t n_dirty;
	uint16_t dirty[BRINT_MAX_PORTS];
	struct pmd_txbuf txbuf[BRINT_MAX_PORTS];
	struct pmd_counters c __rte_cache_aligned;

	/* the flow cache: owned by this PMD alone (dp/flow_cache.h) */
	struct fc_cache *cache;
	uint64_t cache_gen; /* the dp_table_gen the cache was built against */
	/* the cycles of the last PMD_UPCALL_RING slow-path runs (dp.c upcall), written by this PMD,
	 * read by `pmd stats` for their median and 90th percentile (upcall_seq: runs so far) */
	uint32_t upcall_ring[PMD_UPCALL_RING];
	volatile uint64_t upcall_seq;
	/* `pmd stats --clear`: the control thread bumps max_reset_req, the PMD zeroes its maxima
	 * and copies it to max_reset_done (maxima cannot be cleared by a baseline) */
	volatile uint64_t max_reset_req;
	volatile uint64_t max_reset_done;
	/* `brintctl flows flush`: the control thread bumps flush_req, the PMD empties its cache
	 * and copies it to flush_done */
	volatile uint64_t flush_req;
	volatile uint64_t flush_done;
	/* `brintctl flows dump`: the control thread posts a request, the PMD fills it */
	struct pmd_dump_req *volatile dump_req;
	/* the pipeline interpreter's counters (dp/pl_interp.h), written by this PMD only */
	struct pl_counters plc __rte_cache_aligned;
	/* packet mode's token bucket (dp/upcall.h), this PMD's alone */
	struct dp_slowpath_bucket slowpath;
	/* the packets waiting for a neighbour (dp/nbuf.h, dp/nbuf_dp.h), this PMD's alone */
	bool nbuf_check;    /* the tables changed: look again at what is held */
	bool nbuf_reinject; /* the packet in dp_input is one sent on from the buffer */
	struct nbuf nbuf;
} __rte_cache_aligned;

struct pmd_dump_req {
	json_t *flows; /* the PMD appends one object per flow */
	unsigned max;
	volatile bool done;
};

/* Bumped (control thread) whenever what cached flows were derived from changes: before its next
 * burst every PMD flushes its cache (dp_tables_changed), or removes the megaflows whose
 * decision went through one of the datapaths with a bit in dps (dp_tables_changed_dps; the
 * bits are pl_dp_bit's). Control thread only. */
extern uint64_t dp_table_gen;
void dp_tables_changed(void);
void dp_tables_changed_dps(uint64_t dps);
/* Port `port` is going away: the megaflows that come in on it or send to it are removed (its
 * id will be reused); the others stay. */
void dp_port_removed(uint16_t port);

extern struct pmd *pmds[BRINT_MAX_PMDS];
extern unsigned n_pmds;
extern struct rte_rcu_qsbr *brint_rcu;

int pmd_init(const unsigned *cores, unsigned n, char *err, size_t errlen);
int pmd_start(void);
void pmd_stop_all(void);
void pmd_fini(void);

/* Control thread: re-place every port's rx queues over the PMDs and publish the new schedules.
 * `without` (may be NULL) is left out (a port being removed). Waits for a grace period before
 * freeing the old schedules. */
int pmd_reschedule(const struct port *without);
/* Control thread, before a new port takes id: its per-port counters start from zero (the stats
 * baseline absorbs what an earlier port with the same id left in the PMDs' counters). */
void pmd_counters_forget_port(uint16_t id);
/* Control thread: wait until every PMD has passed a quiescent state. */
void pmd_rcu_sync(void);

/* Datapath output: buffer pkt for port `out` (flushed at the end of the burst). */
void pmd_tx_flush_port(struct pmd *pmd, uint16_t out);
static inline void pmd_output(struct pmd *pmd, uint16_t out, struct rte_mbuf *m)
{
	struct pmd_txbuf *b = &pmd->txbuf[out];
	if (b->n == 0)
		pmd->dirty[pmd->n_dirty++] = out;
	b->pkts[b->n++] = m;
	if (b->n == PMD_BURST)
		pmd_tx_flush_port(pmd, out);
}

static inline void pmd_drop(struct pmd *pmd, enum brint_drop_reason r, uint16_t in_port,
			    struct rte_mbuf *m)
{
	pmd->c.drops[r]++;
	pmd->c.port_drop[in_port]++;
	rte_pktmbuf_free(m);
}

static inline void pmd_drop_bulk(struct pmd *pmd, enum brint_drop_reason r, uint16_t in_port,
				 struct rte_mbuf **m, uint16_t n)
{
	pmd->c.drops[r] += n;
	pmd->c.port_drop[in_port] += n;
	rte_pktmbuf_free_bulk(m, n);
}
