/* SPDX-License-Identifier: Apache-2.0 */
/* brint's OVN southbound side (what ovn-controller's control half does on a node): an OVSDB
 * client for OVN_Southbound keeping a local replica, registering this chassis, claiming the
 * Port_Bindings of local ports and reporting nb_cfg. Everything runs on the control thread's
 * event loop; none of these functions may be called from a PMD. */
#pragma once

#include <brint/evloop.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct sb_replica;

/* Start with the "ovn" object of the configuration (the object itself, not the whole file):
 * keys remote (required; several separated by commas, each unix:PATH, tcp:IP:PORT or
 * ssl:IP:PORT), chassis (required, the system-id), encap_ip (required), hostname, encap_type
 * (geneve|vxlan), bridge_mappings ({physnet: port}), ssl_key, ssl_cert, ssl_ca_cert,
 * probe_interval_ms, backoff_min_ms, backoff_max_ms, connect_timeout_ms, max_message_bytes,
 * release_stale_after_ms, chassis_other_config ({key: value}).
 * -1 with err naming the field ("ovn.encap_ip: ...") on a bad key or value; -1 also if
 * already started. Connecting happens in the background (it never blocks). */
int ovn_glue_start(struct ev_loop *loop, const json_t *ovn_cfg, char *err, size_t errlen);
/* Only validate (for a --check-config): same errors as ovn_glue_start, nothing started. */
int ovn_glue_config_check(const json_t *ovn_cfg, char *err, size_t errlen);
/* Close the session and free the replica. Bindings are NOT released (as ovn-controller on a
 * restart: the ports come back). Local ports reported so far are kept for the next start. */
void ovn_glue_stop(void);

/* The port layer: a local port with an iface-id exists / is gone / changed link state.
 * May be called before ovn_glue_start (remembered). port_added on an existing name with
 * another iface-id moves the port to the new logical port. */
void ovn_glue_port_added(const char *port_name, const char *iface_id);
void ovn_glue_port_removed(const char *port_name);
void ovn_glue_port_link(const char *port_name, bool up); /* default: up */

/* For the logical-flow compiler (read-only use of the replica; see sb/replica.h and
 * sb/sb_tables.h). NULL when not started. The pointer is invalid after ovn_glue_stop(). */
struct sb_replica *ovn_glue_replica(void);
bool ovn_glue_sb_synced(void); /* the replica is current (monitor established) */

/* Called on the loop after every change applied to the replica (the tracked changes are in
 * the replica: sb_table_tracked_first() etc.). Setting a handler turns change tracking on.
 * The handler (or later code) calls sb_replica_ack() once it has consumed the changes; the
 * chassis reports an SB_Global.nb_cfg (ovn-nbctl --wait=hv) only once the changes that
 * carried it were acked. Without a handler nb_cfg is reported as soon as it is replicated.
 * If sb_replica_generation() changed, the replica was rebuilt: rescan everything. */
typedef void (*ovn_glue_change_fn)(struct sb_replica *r, void *arg);
void ovn_glue_set_change_handler(ovn_glue_change_fn fn, void *arg);

/* Learning (put_arp, put_nd, put_fdb): the datapath's queue of learn events (dp/learn.h) is
 * drained every few milliseconds on the loop and written to MAC_Binding / FDB
 * (sb/learn_sb.c). The source gives the events and the queue's counters; start after
 * ovn_glue_start, stop before ovn_glue_stop. -1 if not started or already learning. */
struct dp_learn;
struct dp_learn_queue_stats;
struct ovn_learn_source {
	unsigned (*drain)(struct dp_learn *out, unsigned max);
	void (*stats)(struct dp_learn_queue_stats *st); /* may be NULL */
};
int ovn_glue_learn_start(const struct ovn_learn_source *src);
void ovn_glue_learn_stop(void);
