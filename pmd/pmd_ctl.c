/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl pmd stats [--clear] | pmd rxq | pmd rxq-pin */
#include <stdlib.h>
#include "ctl.h"
#include "pmd.h"

#include <rte_cycles.h>

#include <string.h>

/* `--clear` keeps a baseline here; PMDs never have their counters written by another thread. */
static struct pmd_counters baseline[BRINT_MAX_PMDS];
static uint64_t upcall_seq_base[BRINT_MAX_PMDS]; /* pmd->upcall_seq at the clear */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* the slow-path runs since the clear that the PMD's ring still holds (the last 512 at most):
 * how many, their median, 90th percentile and maximum in cycles (the average hides a cold
 * first run among warm ones) */
static json_t *upcall_recent(unsigned i)
{
	const struct pmd *p = pmds[i];
	uint64_t seq = __atomic_load_n(&p->upcall_seq, __ATOMIC_ACQUIRE);
	uint64_t n = seq - upcall_seq_base[i];
	uint32_t v[PMD_UPCALL_RING];
	if (n > PMD_UPCALL_RING)
		n = PMD_UPCALL_RING;
	for (uint64_t k = 0; k < n; k++) /* (the PMD may be writing: a stats read, not exact) */
		v[k] = ((const volatile uint32_t *)p->upcall_ring)[(seq - 1 - k) % PMD_UPCALL_RING];
	qsort(v, n, sizeof(v[0]), cmp_u32);
	return json_pack("{s:I, s:I, s:I, s:I}", "n", (json_int_t)n, "median",
			 (json_int_t)(n ? v[n / 2] : 0), "p90", (json_int_t)(n ? v[n * 9 / 10] : 0),
			 "max", (json_int_t)(n ? v[n - 1] : 0));
}

static void snapshot(const struct pmd *p, struct pmd_counters *out)
{
	/* 64-bit aligned loads: each counter is read whole */
	const volatile uint64_t *src = (const volatile uint64_t *)&p->c;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = src[i];
}

static void diff(struct pmd_counters *c, const struct pmd_counters *base)
{
	uint64_t *d = (uint64_t *)c;
	const uint64_t *b = (const uint64_t *)base;
	uint64_t max = c->max_busy_cycles, hk = c->max_housekeeping_cycles;
	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
		d[i] -= b[i];
	/* a maximum is not a sum: the PMD restarted it at the clear (clear_maxima) */
	c->max_busy_cycles = max;
	c->max_housekeeping_cycles = hk;
}

void pmd_counters_forget_port(uint16_t id)
{
	/* no PMD writes these any more: the old port's removal waited for a grace period */
	for (unsigned i = 0; i < n_pmds; i++) {
		const volatile struct pmd_counters *c = &pmds[i]->c;
		baseline[i].port_rx[id] = c->port_rx[id];
		baseline[i].port_tx[id] = c->port_tx[id];
		baseline[i].port_drop[id] = c->port_drop[id];
	}
}

/* Ask every running PMD to restart its maxima and wait (up to 100 ms) until it has. */
static void clear_maxima(void)
{
	for (unsigned i = 0; i < n_pmds; i++)
		pmds[i]->max_reset_req++;
	for (int t = 0; t < 1000; t++) {
		bool done = true;
		for (unsigned i = 0; i < n_pmds; i++)
			done =
			    done && (!pmds[i]->running ||
				     __atomic_load_n(&pmds[i]->max_reset_done, __ATOMIC_ACQUIRE) ==
					 pmds[i]->max_reset_req);
		if (done)
			return;
		rte_delay_us_sleep(100);
	}
}

static json_t *pmd_json(unsigned i, const struct pmd_counters *c)
{
	json_t *drops = json_object(), *pp = json_array();
	double hz = (double)rte_get_tsc_hz();
	uint64_t total = c->busy_cycles + c->idle_cycles, dropped = 0;
	json_t *o;

	for (unsigned r = 0; r < BRINT_DROP__MAX; r++) {
		json_object_set_new(drops, brint_drop_names[r],
				    json_integer((json_int_t)c->drops[r]));
		dropped += c->drops[r];
	}
	for (unsigned k = 0; k < BRINT_MAX_PORTS; k++) {
		if (ports[k] == NULL || (!c->port_rx[k] && !c->port_tx[k] && !c->port_drop[k]))
			continue;
		json_array_append_new(
		    pp, json_pack("{s:s, s:I, s:I, s:I}", "port", ports[k]->cfg.name, "rx",
				  (json_int_t)c->port_rx[k], "tx", (json_int_t)c->port_tx[k],
				  "drop", (json_int_t)c->port_drop[k]));
	}
	json_t *mal = json_object();
	for (unsigned e = 1; e < FLOW_ERR__MAX; e++)
		json_object_set_new(mal, flow_parse_err_names[e],
				    json_integer((json_int_t)c->malformed[e]));
	o = json_pack(
	    "{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:o, s:o}", "pmd", i, "core",
	    pmds[i]->lcore, "rx_packets", (json_int_t)c->rx_pkts, "tx_packets",
	    (json_int_t)c->tx_pkts, "dropped", (json_int_t)dropped, "busy_cycles",
	    (json_int_t)c->busy_cycles, "idle_cycles", (json_int_t)c->idle_cycles, "iterations",
	    (json_int_t)c->iterations, "busy_pct",
	    total ? 100.0 * (double)c->busy_cycles / (double)total : 0.0, "cycles_per_packet",
	    c->rx_pkts ? (double)c->busy_cycles / (double)c->rx_pkts : 0.0, "max_loop_gap_us",
	    hz > 0 ? 1e6 * (double)c->max_busy_cycles / hz : 0.0, "drops", drops, "ports", pp);
	json_object_set_new(o, "malformed", mal);
	json_object_set_new(
	    o, "max_housekeeping_us",
	    json_real(hz > 0 ? 1e6 * (double)c->max_housekeeping_cycles / hz : 0.0));
	json_object_set_new(o, "cache",
			    json_pack("{s:I, s:I, s:I}", "flushes", (json_int_t)c->cache_flushes,
				      "revalidations", (json_int_t)c->cache_revalidations,
				      "flows_removed", (json_int_t)c->cache_flows_removed));
	/* packets waiting for a neighbour (dp/nbuf.h); `held` is a level, read as it is */
	json_object_set_new(
	    o, "nbuf",
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "buffered", (json_int_t)c->nbuf_buffered,
		      "reinjected", (json_int_t)c->nbuf_reinjected, "expired",
		      (json_int_t)c->nbuf_expired, "overflow", (json_int_t)c->nbuf_overflow, "held",
		      (json_int_t) * (const volatile unsigned *)&pmds[i]->nbuf.n_pkts));
	json_object_set_new(o, "upcalls", json_integer((json_int_t)c->upcalls));
	json_object_set_new(
	    o, "upcall_cycles_avg",
	    json_real(c->upcalls ? (double)c->upcall_cycles / (double)c->upcalls : 0.0));
	json_object_set_new(o, "upcall_cycles_recent", upcall_recent(i));
	return o;
}

static void cmd_pmd_stats(const json_t *args, struct ctl_reply *r)
{
	bool clear = false;
	json_t *a;

	if (ctl_arg_bool(args, "clear", false, &clear, r) < 0)
		return;
	a = json_array();
	if (clear)
		clear_maxima();
	for (unsigned i = 0; i < n_pmds; i++) {
		struct pmd_counters now;
		snapshot(pmds[i], &now);
		if (clear) {
			baseline[i] = now;
			upcall_seq_base[i] =
			    __atomic_load_n(&pmds[i]->upcall_seq, __ATOMIC_ACQUIRE);
			continue;
		}
		diff(&now, &baseline[i]);
		json_array_append_new(a, pmd_json(i, &now));
	}
	if (clear) {
		json_decref(a);
		ctl_reply_ok(r, json_string("pmd counters cleared"));
		return;
	}
	ctl_reply_ok(r, a);
}

static void cmd_pmd_rxq(const json_t *args, struct ctl_reply *r)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < n_pmds; i++) {
		const struct pmd_sched *s = pmds[i]->sched;
		for (unsigned k = 0; k < s->n_rxq; k++) {
			const struct port *p = s->rxq[k].port;
			int pin = p->cfg.rxq_pin[s->rxq[k].qid];
			json_array_append_new(a,
					      json_pack("{s:i, s:i, s:s, s:i, s:s}", "pmd", i,
							"core", pmds[i]->lcore, "port", p->cfg.name,
							"queue", s->rxq[k].qid, "placement",
							pin >= 0 ? "pinned" : "round-robin"));
		}
	}
	ctl_reply_ok(r, a);
}

static void cmd_pmd_rxq_pin(const json_t *args, struct ctl_reply *r)
{
	const char *name;
	long long q, core;
	struct port *p;
	bool ok = false;

	if (ctl_arg_str(args, "port", true, &name, r) < 0 ||
	    ctl_arg_int(args, "queue", true, 0, BRINT_MAX_QUEUES - 1, &q, r) < 0 ||
	    ctl_arg_int(args, "core", true, -1, 1023, &core, r) < 0)
		return;
	if ((p = port_by_name(name)) == NULL) {
		ctl_reply_err(r, "no port named '%s'", name);
		return;
	}
	if (q >= p->n_rxq) {
		ctl_reply_err(r, "port %s has %u rx queues", name, p->n_rxq);
		return;
	}
	for (unsigned i = 0; i < n_pmds; i++)
		ok = ok || (long long)pmds[i]->lcore == core;
	if (!ok && core != -1) {
		ctl_reply_err(r, "core %lld runs no PMD", core);
		return;
	}
	p->cfg.rxq_pin[q] = (int)core;
	if (pmd_reschedule(NULL) < 0) {
		ctl_reply_err(r, "cannot re-place rx queues: %s", strerror(errno));
		return;
	}
	ctl_reply_ok(r, NULL);
}

CTL_COMMAND(pmd_stats, "pmd stats", "[--clear]",
	    "per-PMD packets, drops by reason, busy/idle cycles, cycles per packet", cmd_pmd_stats)
CTL_COMMAND(pmd_rxq, "pmd rxq", "", "which PMD polls which rx queue", cmd_pmd_rxq)
CTL_COMMAND(pmd_rxq_pin, "pmd rxq-pin", "PORT QUEUE CORE",
	    "pin an rx queue to the PMD on CORE (-1: round robin)", cmd_pmd_rxq_pin)
