/* SPDX-License-Identifier: Apache-2.0 */
/* pl_build(): every datapath's stages in table order (names from ltopo), their compiled flows
 * with matches resolved, every port (local id, patch peer, port security) and multicast
 * group, and the neighbour tables (MAC_Binding, Static_MAC_Binding, FDB) get_arp, lookup_arp,
 * get_fdb, ... read. */
#include "lflow/pl_build.h"
#include "ovn_glue.h"
#include "sb/sb_tables.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_MAX_TABLES 64

struct ctx {
	const struct ltopo *t;
	const struct pl_local *locals;
	unsigned n_locals;
	int64_t dp;
};

static int64_t resolve_port(void *aux, const char *name)
{
	const struct ctx *x = aux;
	if (strcmp(name, "none") == 0)
		return 0; /* as ovn-controller: `outport == "none"' is get_fdb's miss */
	const struct lt_port *p = ltopo_port(x->t, name);
	if (p && p->dp->key == x->dp)
		return p->key;
	const struct lt_mcgroup *m = ltopo_mcgroup(x->t, x->dp, name);
	return m ? m->key : -1;
}

static uint16_t local_id(const struct ctx *x, const char *name)
{
	for (unsigned i = 0; i < x->n_locals; i++)
		if (x->locals[i].iface_id && strcmp(x->locals[i].iface_id, name) == 0)
			return x->locals[i].port_id;
	return PL_PORT_NONE;
}

/* the provider NIC of a physnet (bridge mappings), PL_PORT_NONE if not mapped here */
static uint16_t provider_id(const struct ctx *x, const char *network)
{
	for (unsigned i = 0; network && i < x->n_locals; i++)
		if (x->locals[i].iface_id == NULL && x->locals[i].network &&
		    strcmp(x->locals[i].network, network) == 0)
			return x->locals[i].port_id;
	return PL_PORT_NONE;
}

static bool resident(void *aux, const char *name)
{
	return local_id(aux, name) != PL_PORT_NONE;
}

static int build_dp(struct plb *b, struct ctx *x, const struct lfc *c, const struct lt_datapath *d)
{
	enum pl_dp_kind kind = d->kind == LT_DP_SWITCH ? PL_DP_SWITCH : PL_DP_ROUTER;
	struct plb_resolve r = {resolve_port, resident, x};

	if (plb_dp(b, d->key, d->name, kind) < 0)
		return -1;
	x->dp = d->key;
	for (int eg = 0; eg < 2; eg++) {
		for (int tb = 0; tb < PL_MAX_TABLES; tb++) {
			const char *name = ltopo_stage_name(x->t, eg, d->kind, tb);
			unsigned n = 0;
			if (name == NULL)
				continue;
			if (plb_stage(b, eg, (unsigned)tb, name) < 0)
				return -1;
			const struct lfc_flow *const *fl = lfc_stage_flows(c, d->key, eg, name, &n);
			for (unsigned i = 0; fl && i < n; i++) {
				if (fl[i]->skip_reason)
					continue;
				if (plb_flow(b, fl[i]->priority, fl[i]->prog) < 0 ||
				    plb_match(b, &fl[i]->match, &r) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static int parse_mac(const char *s, uint64_t *mac)
{
	unsigned m[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	*mac = 0;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 255)
			return -1;
		*mac = (*mac << 8) | m[i];
	}
	return 0;
}

/* "MAC [IP[/LEN]...]"; entries that do not parse are left out (OVN ignores them too) */
static int add_psec(struct plb *b, const char *entry)
{
	char *s = strdup(entry), *save = NULL, *tok;
	uint64_t mac;
	int rc = 0;

	if (s == NULL)
		return -1;
	tok = strtok_r(s, " ", &save);
	if (tok == NULL || parse_mac(tok, &mac) < 0)
		goto out;
	if (plb_psec(b, mac) < 0) {
		rc = -1;
		goto out;
	}
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		char *slash = strchr(tok, '/');
		int len = -1;
		if (slash) {
			*slash = '\0';
			len = atoi(slash + 1);
		}
		struct in_addr a4;
		struct in6_addr a6;
		if (inet_pton(AF_INET, tok, &a4) == 1) {
			if (len < 0 || len > 32)
				len = 32;
			uint32_t m = len ? ~(uint32_t)0 << (32 - len) : 0;
			/* a prefix with host bits set means that one address (as OVN) */
			if (ntohl(a4.s_addr) & ~m)
				m = ~(uint32_t)0;
			rc = plb_psec_ip4(b, ntohl(a4.s_addr), m);
		} else if (inet_pton(AF_INET6, tok, &a6) == 1) {
			lf_u128 v = 0;
			if (len < 0 || len > 128)
				len = 128;
			for (int i = 0; i < 16; i++)
				v = (v << 8) | a6.s6_addr[i];
			lf_u128 m = len ? ~lf_u128_ones(128 - (unsigned)len) : 0;
			if (v & ~m)
				m = ~(lf_u128)0;
			rc = plb_psec_ip6(b, v, m);
		}
		if (rc < 0)
			break;
	}
out:
	free(s);
	return rc;
}

static enum pl_port_type port_type(const struct lt_port *p)
{
	if (p->peer || strcmp(p->type, "patch") == 0)
		return PL_PT_PATCH;
	if (strcmp(p->type, "localnet") == 0)
		return PL_PT_LOCALNET;
	if (p->type[0] == '\0' || strcmp(p->type, "virtual") == 0)
		return PL_PT_VIF;
	return PL_PT_OTHER;
}

/* "10.0.0.1" or an IPv6 address; false if neither */
static bool parse_ip(const char *s, bool *v6, lf_u128 *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (s && inet_pton(AF_INET, s, &a4) == 1) {
		*v6 = false;
		*ip = ntohl(a4.s_addr);
		return true;
	}
	if (s && inet_pton(AF_INET6, s, &a6) == 1) {
		*v6 = true;
		*ip = 0;
		for (int i = 0; i < 16; i++)
			*ip = (*ip << 8) | a6.s6_addr[i];
		return true;
	}
	return false;
}

/* MAC_Binding and Static_MAC_Binding rows whose logical port the topology knows (as
 * ovn-controller, by the port's own datapath, not the row's datapath column); rows with an
 * address or a MAC that does not parse are left out, as ovn-controller leaves them. */
static int add_mac_bindings(struct plb *b, const struct ltopo *t, const struct sb_replica *r,
			    unsigned table)
{
	const struct sb_table *tb = sb_replica_table(r, table);
	if (tb == NULL || !sb_table_present(tb))
		return 0;
	int c_lp = sb_table_col(tb, "logical_port"), c_ip = sb_table_col(tb, "ip");
	int c_mac = sb_table_col(tb, "mac"), c_ovr = sb_table_col(tb, "override_dynamic_mac");
	for (const struct sb_row *row = sb_table_first(tb); row; row = sb_table_next(row)) {
		const char *lp = ovs_datum_str(sb_row_get(row, c_lp));
		const struct lt_port *p = lp ? ltopo_port(t, lp) : NULL;
		const char *mac_s = ovs_datum_str(sb_row_get(row, c_mac));
		uint64_t mac;
		lf_u128 ip;
		bool v6;
		if (p == NULL || mac_s == NULL || parse_mac(mac_s, &mac) < 0 ||
		    !parse_ip(ovs_datum_str(sb_row_get(row, c_ip)), &v6, &ip))
			continue;
		uint16_t prio = PL_NEIGH_PRIO_DYNAMIC;
		if (table == SB_STATIC_MAC_BINDING) {
			const struct ovs_datum *o = sb_row_get(row, c_ovr);
			prio = o && o->n && o->keys[0].boolean ? PL_NEIGH_PRIO_OVERRIDE
							       : PL_NEIGH_PRIO_STATIC;
		}
		if (plb_neigh(b, p->dp->key, p->key, v6, ip, mac, prio) < 0)
			return -1;
	}
	return 0;
}

int pl_build_neighbours(struct plb *b, const struct ltopo *t, const struct sb_replica *r)
{
	if (t == NULL || r == NULL)
		return 0;
	if (add_mac_bindings(b, t, r, SB_MAC_BINDING) < 0 ||
	    add_mac_bindings(b, t, r, SB_STATIC_MAC_BINDING) < 0)
		return -1;
	const struct sb_table *tb = sb_replica_table(r, SB_FDB);
	if (tb == NULL || !sb_table_present(tb))
		return 0;
	int c_mac = sb_table_col(tb, "mac"), c_dp = sb_table_col(tb, "dp_key");
	int c_port = sb_table_col(tb, "port_key");
	for (const struct sb_row *row = sb_table_first(tb); row; row = sb_table_next(row)) {
		const char *mac_s = ovs_datum_str(sb_row_get(row, c_mac));
		int64_t dp = ovs_datum_int(sb_row_get(row, c_dp), -1);
		int64_t port = ovs_datum_int(sb_row_get(row, c_port), -1);
		uint64_t mac;
		if (mac_s == NULL || parse_mac(mac_s, &mac) < 0 || dp < 0 || port < 0 ||
		    ltopo_dp_by_key(t, dp) == NULL)
			continue;
		if (plb_fdb(b, dp, port, mac) < 0)
			return -1;
	}
	return 0;
}

struct pl_gen *pl_build(const struct lfc *c, const struct pl_local *locals, unsigned n_locals)
{
	return pl_build_from(c, locals, n_locals, NULL);
}

struct pl_gen *pl_build_from(const struct lfc *c, const struct pl_local *locals, unsigned n_locals,
			     const struct pl_gen *prev)
{
	const struct ltopo *t = lfc_topology(c);
	struct ctx x = {.t = t, .locals = locals, .n_locals = n_locals};
	struct plb *b = plb_new(lfc_get_stats(c)->generation);
	double t0 = pl_now_ms();

	if (b == NULL)
		return NULL;
	plb_set_prev(b, prev);
	if (t == NULL)
		return plb_finish(b);
	for (unsigned i = 0; i < ltopo_n_datapaths(t); i++) {
		const struct lt_datapath *d = ltopo_dp_at(t, i);
		if (d->kind != LT_DP_UNKNOWN && build_dp(b, &x, c, d) < 0)
			goto fail;
	}
	for (unsigned i = 0; i < n_locals; i++) {
		if (locals[i].iface_id == NULL && locals[i].network)
			plb_provider(b, locals[i].port_id);
		if (locals[i].host)
			plb_host(b, locals[i].host_of, locals[i].port_id, locals[i].mac);
	}
	/* ports: index i in the generation is port i of the topology */
	const struct lt_port *base = ltopo_port_at(t, 0);
	for (unsigned i = 0; i < ltopo_n_ports(t); i++) {
		const struct lt_port *p = ltopo_port_at(t, i);
		enum pl_port_type type = port_type(p);
		/* a localnet port is never a local port: it goes through its provider NIC */
		uint16_t local = type == PL_PT_LOCALNET ? PL_PORT_NONE : local_id(&x, p->name);
		if (plb_port(b, p->name, p->dp->key, p->key, type, local) < 0)
			goto fail;
		if (type == PL_PT_VIF && local == PL_PORT_NONE && !ovs_uuid_is_zero(&p->chassis))
			plb_port_remote(b);
		if (type == PL_PT_LOCALNET)
			plb_port_localnet(b, provider_id(&x, p->network),
					  p->tag >= 1 && p->tag <= 4095 ? (int32_t)p->tag : -1);
		for (unsigned k = 0; k < p->n_port_security; k++)
			if (add_psec(b, p->port_security[k]) < 0)
				goto fail;
	}
	for (unsigned i = 0; i < ltopo_n_ports(t); i++) {
		const struct lt_port *p = ltopo_port_at(t, i);
		const struct lt_port *peer = p->peer ? ltopo_port(t, p->peer) : NULL;
		if (peer)
			plb_port_peer(b, (int)i, (int)(peer - base));
	}
	for (unsigned i = 0; i < ltopo_n_mcgroups(t); i++) {
		const struct lt_mcgroup *m = ltopo_mcgroup_at(t, i);
		if (plb_mcgroup(b, m->name, m->dp->key, m->key) < 0)
			goto fail;
		for (unsigned k = 0; k < m->n_ports; k++)
			if (plb_mc_member(b, (int)(m->ports[k] - base)) < 0)
				goto fail;
	}
	if (pl_build_neighbours(b, t, ovn_glue_replica()) < 0)
		goto fail;
	pl_build_times.walk_ms = pl_now_ms() - t0;
	return plb_finish(b);
fail:
	plb_abort(b);
	return NULL;
}
