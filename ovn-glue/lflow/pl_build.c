/* SPDX-License-Identifier: Apache-2.0 */
/* pl_build(): every datapath's stages in table order (names from ltopo), their compiled flows
 * with matches resolved, every port (local id, patch peer, port security) and multicast
 * group. */
#include "lflow/pl_build.h"

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
	const struct lt_port *p = ltopo_port(x->t, name);
	if (p && p->dp->key == x->dp)
		return p->key;
	const struct lt_mcgroup *m = ltopo_mcgroup(x->t, x->dp, name);
	return m ? m->key : -1;
}

static uint16_t local_id(const struct ctx *x, const char *name)
{
	for (unsigned i = 0; i < x->n_locals; i++)
		if (strcmp(x->locals[i].iface_id, name) == 0)
			return x->locals[i].port_id;
	return PL_PORT_NONE;
}

static bool resident(void *aux, const char *name)
{
	return local_id(aux, name) != PL_PORT_NONE;
}

static int build_dp(struct plb *b, struct ctx *x, const struct lfc *c,
		    const struct lt_datapath *d)
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
	if (p->type[0] == '\0' || strcmp(p->type, "virtual") == 0)
		return PL_PT_VIF;
	return PL_PT_OTHER;
}

struct pl_gen *pl_build(const struct lfc *c, const struct pl_local *locals, unsigned n_locals)
{
	const struct ltopo *t = lfc_topology(c);
	struct ctx x = {.t = t, .locals = locals, .n_locals = n_locals};
	struct plb *b = plb_new(lfc_get_stats(c)->generation);

	if (b == NULL)
		return NULL;
	if (t == NULL)
		return plb_finish(b);
	for (unsigned i = 0; i < ltopo_n_datapaths(t); i++) {
		const struct lt_datapath *d = ltopo_dp_at(t, i);
		if (d->kind != LT_DP_UNKNOWN && build_dp(b, &x, c, d) < 0)
			goto fail;
	}
	/* ports: index i in the generation is port i of the topology */
	const struct lt_port *base = ltopo_port_at(t, 0);
	for (unsigned i = 0; i < ltopo_n_ports(t); i++) {
		const struct lt_port *p = ltopo_port_at(t, i);
		if (plb_port(b, p->name, p->dp->key, p->key, port_type(p), local_id(&x, p->name)) < 0)
			goto fail;
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
	return plb_finish(b);
fail:
	plb_abort(b);
	return NULL;
}
