/* SPDX-License-Identifier: Apache-2.0 */
/* A tap port's kernel side: the "addresses" and "routes" brintd configures on the interface it
 * creates. This is what makes a tap port the node's ovn0 (kube-ovn's join port): the join
 * port's address on the interface and the pod CIDRs routed through the join router port, e.g.
 *   "addresses": ["100.64.0.2/16"],
 *   "routes": [{"dst": "10.16.0.0/16", "via": "100.64.0.1"}]
 * brintd owns the interface (it disappears with the port), so it owns this configuration too:
 * an operator that prefers to configure the interface itself leaves both keys out. */
#include "config.h"

#include <brint/util.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "ADDR/LEN" (or "ADDR" when len_optional: the full length); 0 or -1 */
static int parse_prefix(const char *s, bool len_optional, int *family, uint8_t *addr, uint8_t *plen)
{
	char buf[64];
	char *slash, *end;
	long len;

	if (strlcpy_chk(buf, s, sizeof(buf)) < 0)
		return -1;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	if (slash == NULL) {
		if (!len_optional)
			return -1;
		*plen = *family == AF_INET ? 32 : 128;
		return 0;
	}
	len = strtol(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || len < 0 || len > (*family == AF_INET ? 32 : 128))
		return -1;
	*plen = (uint8_t)len;
	return 0;
}

/* host bits set under the prefix length (the kernel refuses such a route destination) */
static bool host_bits(const uint8_t *a, int family, unsigned plen)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	for (unsigned b = plen; b < bits; b++)
		if (a[b / 8] & (0x80 >> (b % 8)))
			return true;
	return false;
}

void brint_kaddr_format(int family, const uint8_t *addr, int plen, char *out, size_t outlen)
{
	char s[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family, addr, s, sizeof(s));
	if (plen >= 0)
		snprintf(out, outlen, "%s/%d", s, plen);
	else
		snprintf(out, outlen, "%s", s);
}

static int parse_addrs(const json_t *v, const char *field, struct brint_port_cfg *p, char *err,
		       size_t errlen)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v) || json_array_size(v) > BRINT_MAX_KADDRS) {
		snprintf(err, errlen,
			 "%s.addresses: must be an array of at most %d addresses with a prefix "
			 "length (\"100.64.0.2/16\")",
			 field, BRINT_MAX_KADDRS);
		return -1;
	}
	json_array_foreach (v, i, e) {
		struct brint_kaddr *a = &p->addrs[i];
		if (!json_is_string(e) ||
		    parse_prefix(json_string_value(e), false, &a->family, a->addr, &a->plen) < 0) {
			snprintf(err, errlen,
				 "%s.addresses[%zu]: must be an IPv4 or IPv6 address with a prefix "
				 "length (\"100.64.0.2/16\")",
				 field, i);
			return -1;
		}
		p->n_addrs++;
	}
	return 0;
}

static int parse_route(const json_t *e, const char *field, size_t i, struct brint_kroute *r,
		       char *err, size_t errlen)
{
	const json_t *dst, *via;
	const char *key;
	const json_t *val;

	if (!json_is_object(e)) {
		snprintf(err, errlen, "%s.routes[%zu]: must be {\"dst\": PREFIX, \"via\": ADDRESS}",
			 field, i);
		return -1;
	}
	json_object_foreach ((json_t *)e, key, val) {
		if (strcmp(key, "dst") != 0 && strcmp(key, "via") != 0) {
			snprintf(err, errlen, "%s.routes[%zu].%s: unknown key", field, i, key);
			return -1;
		}
	}
	dst = json_object_get(e, "dst");
	if (!json_is_string(dst) ||
	    parse_prefix(json_string_value(dst), false, &r->family, r->dst, &r->plen) < 0) {
		snprintf(err, errlen,
			 "%s.routes[%zu].dst: must be a prefix (\"10.16.0.0/16\", \"0.0.0.0/0\")",
			 field, i);
		return -1;
	}
	if (host_bits(r->dst, r->family, r->plen)) {
		snprintf(err, errlen, "%s.routes[%zu].dst: '%s' has host bits set", field, i,
			 json_string_value(dst));
		return -1;
	}
	via = json_object_get(e, "via");
	if (via == NULL || json_is_null(via))
		return 0;
	int fam;
	uint8_t plen;
	if (!json_is_string(via) ||
	    parse_prefix(json_string_value(via), true, &fam, r->via, &plen) < 0 ||
	    plen != (fam == AF_INET ? 32 : 128)) {
		snprintf(err, errlen, "%s.routes[%zu].via: must be an IPv4 or IPv6 address", field,
			 i);
		return -1;
	}
	if (fam != r->family) {
		snprintf(err, errlen, "%s.routes[%zu].via: not the address family of dst", field,
			 i);
		return -1;
	}
	r->has_via = true;
	return 0;
}

int brint_kernel_cfg_parse(const json_t *obj, const char *field, struct brint_port_cfg *p,
			   char *err, size_t errlen)
{
	const json_t *addrs = json_object_get(obj, "addresses");
	const json_t *routes = json_object_get(obj, "routes");
	size_t i;
	const json_t *e;

	p->n_addrs = p->n_routes = 0;
	if (addrs && !json_is_null(addrs)) {
		if (p->type != BRINT_PORT_TAP) {
			snprintf(err, errlen, "%s.addresses: only for tap ports", field);
			return -1;
		}
		if (parse_addrs(addrs, field, p, err, errlen) < 0)
			return -1;
	}
	if (routes == NULL || json_is_null(routes))
		return 0;
	if (p->type != BRINT_PORT_TAP) {
		snprintf(err, errlen, "%s.routes: only for tap ports", field);
		return -1;
	}
	if (!json_is_array(routes) || json_array_size(routes) > BRINT_MAX_KROUTES) {
		snprintf(err, errlen,
			 "%s.routes: must be an array of at most %d {\"dst\": PREFIX, \"via\": "
			 "ADDRESS}",
			 field, BRINT_MAX_KROUTES);
		return -1;
	}
	json_array_foreach (routes, i, e) {
		if (parse_route(e, field, i, &p->routes[i], err, errlen) < 0)
			return -1;
		p->n_routes++;
	}
	return 0;
}
