/* SPDX-License-Identifier: Apache-2.0 */
/* One port's configuration, shared by the config file and the "port add" command. */
#include "config.h"

#include <brint/util.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const type_names[] = {
    [BRINT_PORT_VHOST_USER] = "vhost-user",
    [BRINT_PORT_DPDK] = "dpdk",
    [BRINT_PORT_TAP] = "tap",
};

const char *brint_port_type_name(enum brint_port_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

static const char *const known_keys[] = {
    "name",  "type", "path", "mode",	"queues",    "iface_id", "devargs",
    "iface", "mac",  "mtu",  "rxq_pin", "addresses", "routes",	 "internal_of",
};

static int get_str(const json_t *obj, const char *field, const char *key, bool required, char *dst,
		   size_t dstlen, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "%s.%s: missing", field, key);
			return -1;
		}
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s.%s: must be a string", field, key);
		return -1;
	}
	if (strlcpy_chk(dst, json_string_value(v), dstlen) < 0) {
		snprintf(err, errlen, "%s.%s: longer than %zu characters", field, key, dstlen - 1);
		return -1;
	}
	if (required && dst[0] == '\0') {
		snprintf(err, errlen, "%s.%s: must not be empty", field, key);
		return -1;
	}
	return 0;
}

/* An integer given as a JSON integer or as a decimal string (the CLI sends strings). */
static int get_uint(const json_t *obj, const char *field, const char *key, unsigned min,
		    unsigned max, unsigned dflt, unsigned *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	long long x;

	if (v == NULL || json_is_null(v)) {
		*out = dflt;
		return 0;
	}
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno)
			goto bad;
	} else {
		goto bad;
	}
	if (x < (long long)min || x > (long long)max)
		goto bad;
	*out = (unsigned)x;
	return 0;
bad:
	snprintf(err, errlen, "%s.%s: must be an integer in [%u, %u]", field, key, min, max);
	return -1;
}

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static bool valid_mac(const char *s)
{
	unsigned b[6];
	char tail;
	return sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		      &tail) == 6 &&
	       strlen(s) == 17;
}

static int parse_rxq_pin(const json_t *obj, const char *field, struct brint_port_cfg *p, char *err,
			 size_t errlen)
{
	const json_t *v = json_object_get(obj, "rxq_pin");
	size_t i;
	const json_t *e;

	for (i = 0; i < BRINT_MAX_QUEUES; i++)
		p->rxq_pin[i] = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > p->queues) {
		snprintf(err, errlen,
			 "%s.rxq_pin: must be an array of at most %u core ids (one per rx queue, "
			 "-1 for round robin)",
			 field, p->queues);
		return -1;
	}
	json_array_foreach (v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < -1 ||
		    json_integer_value(e) >= 1024) {
			snprintf(err, errlen, "%s.rxq_pin[%zu]: must be a core id or -1", field, i);
			return -1;
		}
		p->rxq_pin[i] = (int)json_integer_value(e);
	}
	return 0;
}

int brint_port_cfg_parse(const json_t *obj, const char *field, struct brint_port_cfg *p, char *err,
			 size_t errlen)
{
	char type[16], mode[16];
	const char *key;
	const json_t *val;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "%s: must be an object", field);
		return -1;
	}
	json_object_foreach ((json_t *)obj, key, val) {
		bool known = false;
		for (unsigned i = 0; i < ARRAY_SIZE(known_keys); i++)
			known = known || strcmp(key, known_keys[i]) == 0;
		if (!known) {
			snprintf(err, errlen, "%s.%s: unknown key", field, key);
			return -1;
		}
	}
	if (get_str(obj, field, "name", true, p->name, sizeof(p->name), err, errlen) < 0)
		return -1;
	if (!valid_name(p->name)) {
		snprintf(err, errlen, "%s.name: '%s' may hold only letters, digits, '-', '_', '.'",
			 field, p->name);
		return -1;
	}
	if (get_str(obj, field, "type", true, type, sizeof(type), err, errlen) < 0)
		return -1;
	if (strcmp(type, "vhost-user") == 0 || strcmp(type, "vhostuser") == 0) {
		p->type = BRINT_PORT_VHOST_USER;
	} else if (strcmp(type, "dpdk") == 0) {
		p->type = BRINT_PORT_DPDK;
	} else if (strcmp(type, "tap") == 0) {
		p->type = BRINT_PORT_TAP;
	} else {
		snprintf(err, errlen, "%s.type: '%s' is not one of vhost-user, dpdk, tap", field,
			 type);
		return -1;
	}
	if (get_str(obj, field, "path", p->type == BRINT_PORT_VHOST_USER, p->path, sizeof(p->path),
		    err, errlen) < 0 ||
	    get_str(obj, field, "mode", false, mode, sizeof(mode), err, errlen) < 0 ||
	    get_str(obj, field, "iface_id", false, p->iface_id, sizeof(p->iface_id), err, errlen) <
		0 ||
	    get_str(obj, field, "devargs", p->type == BRINT_PORT_DPDK, p->devargs,
		    sizeof(p->devargs), err, errlen) < 0 ||
	    get_str(obj, field, "iface", false, p->iface, sizeof(p->iface), err, errlen) < 0 ||
	    get_str(obj, field, "mac", false, p->mac, sizeof(p->mac), err, errlen) < 0)
		return -1;
	if (mode[0] == '\0' || strcmp(mode, "server") == 0) {
		p->mode = BRINT_VHOST_SERVER;
	} else if (strcmp(mode, "client") == 0) {
		p->mode = BRINT_VHOST_CLIENT;
	} else {
		snprintf(err, errlen, "%s.mode: '%s' is not one of server, client", field, mode);
		return -1;
	}
	if (mode[0] && p->type != BRINT_PORT_VHOST_USER) {
		snprintf(err, errlen, "%s.mode: only for vhost-user ports", field);
		return -1;
	}
	if (p->path[0] && p->type != BRINT_PORT_VHOST_USER) {
		snprintf(err, errlen, "%s.path: only for vhost-user ports", field);
		return -1;
	}
	if (p->devargs[0] && p->type != BRINT_PORT_DPDK) {
		snprintf(err, errlen, "%s.devargs: only for dpdk ports", field);
		return -1;
	}
	if (p->type == BRINT_PORT_TAP) {
		if (p->iface[0] == '\0')
			strlcpy_chk(p->iface, p->name, sizeof(p->iface));
		if (!valid_name(p->iface)) {
			snprintf(err, errlen, "%s.iface: '%s' is not a valid interface name", field,
				 p->iface);
			return -1;
		}
	} else if (p->iface[0]) {
		snprintf(err, errlen, "%s.iface: only for tap ports", field);
		return -1;
	}
	if (p->mac[0] && !valid_mac(p->mac)) {
		snprintf(err, errlen, "%s.mac: '%s' is not a MAC address aa:bb:cc:dd:ee:ff", field,
			 p->mac);
		return -1;
	}
	if (get_uint(obj, field, "queues", 1, BRINT_MAX_QUEUES, 1, &p->queues, err, errlen) < 0 ||
	    get_uint(obj, field, "mtu", 68, 9600, 0, &p->mtu, err, errlen) < 0)
		return -1;
	if (parse_rxq_pin(obj, field, p, err, errlen) < 0 ||
	    get_str(obj, field, "internal_of", false, p->internal_of, sizeof(p->internal_of), err,
		    errlen) < 0)
		return -1;
	if (p->internal_of[0] && p->type != BRINT_PORT_TAP) {
		snprintf(err, errlen, "%s.internal_of: only for tap ports", field);
		return -1;
	}
	if (p->internal_of[0] && p->iface_id[0]) {
		snprintf(err, errlen,
			 "%s.internal_of: the node's interface on a NIC carries no logical port "
			 "(iface_id)",
			 field);
		return -1;
	}
	return brint_kernel_cfg_parse(obj, field, p, err, errlen);
}
