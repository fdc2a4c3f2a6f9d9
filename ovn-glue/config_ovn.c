/* SPDX-License-Identifier: Apache-2.0 */
#include "config_ovn.h"

#include "ovsdb/stream.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const known_keys[] = {
    "remote",
    "chassis",
    "hostname",
    "encap_type",
    "encap_ip",
    "bridge_mappings",
    "ssl_key",
    "ssl_cert",
    "ssl_ca_cert",
    "probe_interval_ms",
    "backoff_min_ms",
    "backoff_max_ms",
    "connect_timeout_ms",
    "max_message_bytes",
    "release_stale_after_ms",
    "chassis_other_config",
    NULL,
};

static int ferr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int ferr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* key absent -> *out stays (default); present -> must be a non-empty printable string */
static int get_str(const json_t *o, const char *key, bool required, char **out, char *err,
		   size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	if (v == NULL) {
		if (required)
			return ferr(err, errlen, "ovn.%s: missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return ferr(err, errlen, "ovn.%s: must be a string", key);
	if (json_string_length(v) == 0)
		return ferr(err, errlen, "ovn.%s: must not be empty", key);
	if (json_string_length(v) > 4096 || !printable(json_string_value(v)))
		return ferr(err, errlen, "ovn.%s: must be printable and at most 4096 bytes", key);
	free(*out);
	*out = strdup(json_string_value(v));
	return *out ? 0 : ferr(err, errlen, "ovn.%s: out of memory", key);
}

static int get_uint(const json_t *o, const char *key, long long min, long long max,
		    unsigned long long *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return ferr(err, errlen, "ovn.%s: must be an integer from %lld to %lld", key, min,
			    max);
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

/* physnet / port names: no separators of the other_config syntax */
static bool map_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (*s == ':' || *s == ',' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}

static int get_string_map(const json_t *o, const char *key, json_t **out, bool names, char *err,
			  size_t errlen)
{
	const json_t *v = json_object_get(o, key), *e;
	const char *k;
	if (v == NULL) {
		*out = json_object();
		return 0;
	}
	if (!json_is_object(v))
		return ferr(err, errlen, "ovn.%s: must be an object", key);
	json_object_foreach ((json_t *)v, k, e) {
		if (!json_is_string(e))
			return ferr(err, errlen, "ovn.%s.%s: must be a string", key, k);
		if (names && (!map_name_ok(k) || !map_name_ok(json_string_value(e))))
			return ferr(
			    err, errlen,
			    "ovn.%s.%s: names must be non-empty, without ':', ',' or spaces", key,
			    k);
		if (!names && (*k == '\0' || !printable(k) || !printable(json_string_value(e))))
			return ferr(err, errlen, "ovn.%s: keys and values must be printable", key);
	}
	*out = json_deep_copy(v);
	return *out ? 0 : ferr(err, errlen, "ovn.%s: out of memory", key);
}

static int split_remotes(struct ovn_config *c, const char *s, char *err, size_t errlen)
{
	char *copy = strdup(s), *rest, *tok;
	char e[256];
	int rc = 0;

	if (copy == NULL)
		return ferr(err, errlen, "ovn.remote: out of memory");
	rest = copy;
	while ((tok = strsep(&rest, ",")) != NULL) {
		struct ostream_addr a;
		char *r = tok, *end;
		while (isspace((unsigned char)*r))
			r++;
		end = r + strlen(r);
		while (end > r && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*r == '\0') {
			rc = ferr(err, errlen, "ovn.remote: empty entry in \"%s\"", s);
			break;
		}
		if (ostream_parse(r, &a, e, sizeof(e)) < 0) {
			rc = ferr(err, errlen, "ovn.remote: %s", e);
			break;
		}
		char **nr = realloc(c->remotes, (c->n_remotes + 1) * sizeof(char *));
		if (nr == NULL || (nr[c->n_remotes] = strdup(r)) == NULL) {
			if (nr)
				c->remotes = nr;
			rc = ferr(err, errlen, "ovn.remote: out of memory");
			break;
		}
		c->remotes = nr;
		c->n_remotes++;
	}
	free(copy);
	if (rc == 0 && c->n_remotes == 0)
		rc = ferr(err, errlen, "ovn.remote: no remote in \"%s\"", s);
	return rc;
}

static int check_file(const char *key, const char *path, char *err, size_t errlen)
{
	if (access(path, R_OK) != 0)
		return ferr(err, errlen, "ovn.%s: cannot read \"%s\"", key, path);
	return 0;
}

int ovn_config_parse(const json_t *obj, struct ovn_config *c, char *err, size_t errlen)
{
	char *remote = NULL;
	unsigned long long v;
	const char *key;
	json_t *val;
	bool ssl = false;

	memset(c, 0, sizeof(*c));
	c->probe_interval_ms = 5000;
	c->backoff_min_ms = 1000;
	c->backoff_max_ms = 8000;
	c->connect_timeout_ms = 5000;
	c->max_message_bytes = 512u << 20;
	c->release_stale_after_ms = 30000;

	if (!json_is_object(obj)) {
		ferr(err, errlen, "ovn: must be an object");
		return -1;
	}
	json_object_foreach ((json_t *)obj, key, val) {
		bool ok = false;
		for (const char *const *k = known_keys; *k && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok) {
			ferr(err, errlen, "ovn.%s: unknown key", key);
			goto error;
		}
	}
	if (get_str(obj, "remote", true, &remote, err, errlen) < 0 ||
	    split_remotes(c, remote, err, errlen) < 0)
		goto error;
	if (get_str(obj, "chassis", true, &c->chassis, err, errlen) < 0)
		goto error;
	if (strlen(c->chassis) > 255) {
		ferr(err, errlen, "ovn.chassis: at most 255 bytes");
		goto error;
	}
	if (get_str(obj, "hostname", false, &c->hostname, err, errlen) < 0)
		goto error;
	if (c->hostname == NULL) {
		char h[256] = "";
		gethostname(h, sizeof(h) - 1);
		c->hostname = strdup(*h ? h : "localhost");
	}
	c->encap_type = strdup("geneve");
	if (get_str(obj, "encap_type", false, &c->encap_type, err, errlen) < 0)
		goto error;
	if (strcmp(c->encap_type, "geneve") && strcmp(c->encap_type, "vxlan")) {
		ferr(err, errlen, "ovn.encap_type: \"%s\" not supported (geneve or vxlan)",
		     c->encap_type);
		goto error;
	}
	if (get_str(obj, "encap_ip", true, &c->encap_ip, err, errlen) < 0)
		goto error;
	{
		unsigned char buf[16];
		if (inet_pton(AF_INET, c->encap_ip, buf) != 1 &&
		    inet_pton(AF_INET6, c->encap_ip, buf) != 1) {
			ferr(err, errlen, "ovn.encap_ip: \"%s\" is not an IPv4 or IPv6 address",
			     c->encap_ip);
			goto error;
		}
	}
	if (get_string_map(obj, "bridge_mappings", &c->bridge_mappings, true, err, errlen) < 0 ||
	    get_string_map(obj, "chassis_other_config", &c->chassis_other_config, false, err,
			   errlen) < 0)
		goto error;
	if (get_str(obj, "ssl_key", false, &c->ssl_key, err, errlen) < 0 ||
	    get_str(obj, "ssl_cert", false, &c->ssl_cert, err, errlen) < 0 ||
	    get_str(obj, "ssl_ca_cert", false, &c->ssl_ca_cert, err, errlen) < 0)
		goto error;
	for (unsigned i = 0; i < c->n_remotes; i++)
		ssl |= strncmp(c->remotes[i], "ssl:", 4) == 0;
	if (ssl) {
		if (c->ssl_key == NULL) {
			ferr(err, errlen, "ovn.ssl_key: required by the ssl: remote");
			goto error;
		}
		if (c->ssl_cert == NULL) {
			ferr(err, errlen, "ovn.ssl_cert: required by the ssl: remote");
			goto error;
		}
		if (c->ssl_ca_cert == NULL) {
			ferr(err, errlen, "ovn.ssl_ca_cert: required by the ssl: remote");
			goto error;
		}
	}
	if ((c->ssl_key && check_file("ssl_key", c->ssl_key, err, errlen) < 0) ||
	    (c->ssl_cert && check_file("ssl_cert", c->ssl_cert, err, errlen) < 0) ||
	    (c->ssl_ca_cert && check_file("ssl_ca_cert", c->ssl_ca_cert, err, errlen) < 0))
		goto error;

	v = c->probe_interval_ms;
	if (get_uint(obj, "probe_interval_ms", 0, 3600000, &v, err, errlen) < 0)
		goto error;
	if (v != 0 && v < 100) {
		ferr(err, errlen, "ovn.probe_interval_ms: must be 0 (off) or at least 100");
		goto error;
	}
	c->probe_interval_ms = (unsigned)v;
	v = c->backoff_min_ms;
	if (get_uint(obj, "backoff_min_ms", 10, 600000, &v, err, errlen) < 0)
		goto error;
	c->backoff_min_ms = (unsigned)v;
	v = c->backoff_max_ms;
	if (get_uint(obj, "backoff_max_ms", 10, 3600000, &v, err, errlen) < 0)
		goto error;
	c->backoff_max_ms = (unsigned)v;
	if (c->backoff_max_ms < c->backoff_min_ms) {
		if (json_object_get(obj, "backoff_max_ms")) {
			ferr(err, errlen, "ovn.backoff_max_ms: below backoff_min_ms (%u)",
			     c->backoff_min_ms);
			goto error;
		}
		c->backoff_max_ms = c->backoff_min_ms;
	}
	v = c->connect_timeout_ms;
	if (get_uint(obj, "connect_timeout_ms", 100, 600000, &v, err, errlen) < 0)
		goto error;
	c->connect_timeout_ms = (unsigned)v;
	v = c->max_message_bytes;
	if (get_uint(obj, "max_message_bytes", 4096, 4LL << 30, &v, err, errlen) < 0)
		goto error;
	c->max_message_bytes = (size_t)v;
	v = c->release_stale_after_ms;
	if (get_uint(obj, "release_stale_after_ms", 0, 86400000, &v, err, errlen) < 0)
		goto error;
	c->release_stale_after_ms = (unsigned)v;
	free(remote);
	return 0;
error:
	free(remote);
	ovn_config_free(c);
	return -1;
}

void ovn_config_free(struct ovn_config *c)
{
	for (unsigned i = 0; i < c->n_remotes; i++)
		free(c->remotes[i]);
	free(c->remotes);
	free(c->chassis);
	free(c->hostname);
	free(c->encap_type);
	free(c->encap_ip);
	json_decref(c->bridge_mappings);
	json_decref(c->chassis_other_config);
	free(c->ssl_key);
	free(c->ssl_cert);
	free(c->ssl_ca_cert);
	memset(c, 0, sizeof(*c));
}

char *ovn_config_bridge_mappings_str(const struct ovn_config *c)
{
	size_t n = 1;
	const char *k;
	json_t *v;
	char *s, *p;

	json_object_foreach (c->bridge_mappings, k, v)
		n += strlen(k) + json_string_length(v) + 2;
	s = p = malloc(n);
	if (s == NULL)
		return NULL;
	*p = '\0';
	json_object_foreach (c->bridge_mappings, k, v)
		p += sprintf(p, "%s%s:%s", p == s ? "" : ",", k, json_string_value(v));
	return s;
}
