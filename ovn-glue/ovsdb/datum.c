/* SPDX-License-Identifier: Apache-2.0 */
#include "datum.h"

#include "hmap.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- uuids ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool ovs_uuid_from_string(const char *s, struct ovs_uuid *u)
{
	unsigned bi = 0;
	if (s == NULL || strlen(s) != OVS_UUID_LEN)
		return false;
	for (unsigned i = 0; i < OVS_UUID_LEN;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			i++;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		u->b[bi++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return bi == 16;
}

void ovs_uuid_to_string(const struct ovs_uuid *u, char out[OVS_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned o = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u->b[i] >> 4];
		out[o++] = hex[u->b[i] & 15];
	}
	out[o] = '\0';
}

bool ovs_uuid_is_zero(const struct ovs_uuid *u)
{
	for (unsigned i = 0; i < 16; i++)
		if (u->b[i])
			return false;
	return true;
}

uint32_t ovs_uuid_hash(const struct ovs_uuid *u)
{
	uint64_t w;
	memcpy(&w, u->b, 8);
	return hash_u64(w, 0);
}

/* ---- types ---- */

static const char *const atype_names[] = {
    [OVS_VOID] = "void",       [OVS_INTEGER] = "integer", [OVS_REAL] = "real",
    [OVS_BOOLEAN] = "boolean", [OVS_STRING] = "string",	  [OVS_UUID] = "uuid",
};

const char *ovs_atype_name(enum ovs_atype t)
{
	return (unsigned)t < sizeof(atype_names) / sizeof(atype_names[0]) ? atype_names[t] : "?";
}

static int atype_from_name(const char *s, enum ovs_atype *t)
{
	for (unsigned i = OVS_INTEGER; i <= OVS_UUID; i++)
		if (strcmp(s, atype_names[i]) == 0) {
			*t = (enum ovs_atype)i;
			return 0;
		}
	return -1;
}

static int base_type_from_json(const json_t *j, enum ovs_atype *t, char *err, size_t errlen)
{
	const json_t *name = j;
	if (json_is_object(j))
		name = json_object_get(j, "type");
	if (!json_is_string(name))
		return fail(err, errlen, "base type must be a string or an object with \"type\"");
	if (atype_from_name(json_string_value(name), t) < 0)
		return fail(err, errlen, "unknown atomic type \"%s\"", json_string_value(name));
	return 0;
}

int ovs_type_from_json(const json_t *j, struct ovs_type *t, char *err, size_t errlen)
{
	const json_t *v;

	t->key = t->value = OVS_VOID;
	t->min = t->max = 1;
	if (json_is_string(j))
		return base_type_from_json(j, &t->key, err, errlen);
	if (!json_is_object(j))
		return fail(err, errlen, "type must be a string or an object");
	if (base_type_from_json(json_object_get(j, "key"), &t->key, err, errlen) < 0)
		return -1;
	v = json_object_get(j, "value");
	if (v && base_type_from_json(v, &t->value, err, errlen) < 0)
		return -1;
	v = json_object_get(j, "min");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1)
			return fail(err, errlen, "\"min\" must be 0 or 1");
		t->min = (uint32_t)json_integer_value(v);
	}
	v = json_object_get(j, "max");
	if (v) {
		if (json_is_string(v) && strcmp(json_string_value(v), "unlimited") == 0)
			t->max = OVS_UNLIMITED;
		else if (json_is_integer(v) && json_integer_value(v) >= 1 &&
			 json_integer_value(v) < OVS_UNLIMITED)
			t->max = (uint32_t)json_integer_value(v);
		else
			return fail(err, errlen,
				    "\"max\" must be a positive integer or \"unlimited\"");
	}
	if (t->min > t->max)
		return fail(err, errlen, "\"min\" exceeds \"max\"");
	return 0;
}

/* ---- atoms ---- */

int ovs_atom_cmp(const union ovs_atom *a, const union ovs_atom *b, enum ovs_atype t)
{
	switch (t) {
	case OVS_INTEGER: return a->integer < b->integer ? -1 : a->integer > b->integer;
	case OVS_REAL: return a->real < b->real ? -1 : a->real > b->real;
	case OVS_BOOLEAN: return (int)a->boolean - (int)b->boolean;
	case OVS_STRING: return strcmp(a->string, b->string);
	case OVS_UUID: return memcmp(a->uuid.b, b->uuid.b, 16);
	case OVS_VOID: break;
	}
	return 0;
}

uint32_t ovs_atom_hash(const union ovs_atom *a, enum ovs_atype t, uint32_t basis)
{
	switch (t) {
	case OVS_INTEGER: return hash_u64((uint64_t)a->integer, basis);
	case OVS_REAL: {
		uint64_t w;
		double r = a->real == 0.0 ? 0.0 : a->real; /* -0.0 == 0.0 */
		memcpy(&w, &r, sizeof(w));
		return hash_u64(w, basis);
	}
	case OVS_BOOLEAN: return hash_u64(a->boolean, basis);
	case OVS_STRING: return hash_string(a->string, basis);
	case OVS_UUID: return hash_bytes(a->uuid.b, 16, basis);
	case OVS_VOID: break;
	}
	return basis;
}

void ovs_atom_destroy(union ovs_atom *a, enum ovs_atype t)
{
	if (t == OVS_STRING) {
		free(a->string);
		a->string = NULL;
	}
}

int ovs_atom_clone(union ovs_atom *dst, const union ovs_atom *src, enum ovs_atype t)
{
	if (t == OVS_STRING) {
		dst->string = strdup(src->string);
		return dst->string ? 0 : -1;
	}
	*dst = *src;
	return 0;
}

static void atom_default(union ovs_atom *a, enum ovs_atype t)
{
	memset(a, 0, sizeof(*a));
	if (t == OVS_STRING)
		a->string = strdup("");
}

int ovs_atom_from_json(union ovs_atom *a, const json_t *j, enum ovs_atype t, char *err,
		       size_t errlen)
{
	switch (t) {
	case OVS_INTEGER:
		if (!json_is_integer(j))
			return fail(err, errlen, "expected an integer");
		a->integer = json_integer_value(j);
		return 0;
	case OVS_REAL:
		if (!json_is_number(j))
			return fail(err, errlen, "expected a real");
		a->real = json_number_value(j);
		return 0;
	case OVS_BOOLEAN:
		if (!json_is_boolean(j))
			return fail(err, errlen, "expected a boolean");
		a->boolean = json_is_true(j);
		return 0;
	case OVS_STRING:
		if (!json_is_string(j))
			return fail(err, errlen, "expected a string");
		a->string = strdup(json_string_value(j));
		return a->string ? 0 : fail(err, errlen, "out of memory");
	case OVS_UUID: {
		const json_t *tag = json_array_get(j, 0), *val = json_array_get(j, 1);
		if (!json_is_array(j) || json_array_size(j) != 2 || !json_is_string(tag) ||
		    strcmp(json_string_value(tag), "uuid") != 0 || !json_is_string(val))
			return fail(err, errlen, "expected [\"uuid\", \"...\"]");
		if (!ovs_uuid_from_string(json_string_value(val), &a->uuid))
			return fail(err, errlen, "malformed uuid \"%.40s\"",
				    json_string_value(val));
		return 0;
	}
	case OVS_VOID: break;
	}
	return fail(err, errlen, "void atom");
}

json_t *ovs_atom_to_json(const union ovs_atom *a, enum ovs_atype t)
{
	char buf[OVS_UUID_LEN + 1];
	switch (t) {
	case OVS_INTEGER: return json_integer(a->integer);
	case OVS_REAL: return json_real(a->real);
	case OVS_BOOLEAN: return json_boolean(a->boolean);
	case OVS_STRING: return json_string(a->string);
	case OVS_UUID: ovs_uuid_to_string(&a->uuid, buf); return json_pack("[ss]", "uuid", buf);
	case OVS_VOID: break;
	}
	return json_null();
}

json_t *ovs_atom_to_plain_json(const union ovs_atom *a, enum ovs_atype t)
{
	if (t == OVS_UUID) {
		char buf[OVS_UUID_LEN + 1];
		ovs_uuid_to_string(&a->uuid, buf);
		return json_string(buf);
	}
	return ovs_atom_to_json(a, t);
}

static void atom_to_key_string(const union ovs_atom *a, enum ovs_atype t, char *buf, size_t n)
{
	switch (t) {
	case OVS_INTEGER: snprintf(buf, n, "%" PRId64, a->integer); break;
	case OVS_REAL: snprintf(buf, n, "%.17g", a->real); break;
	case OVS_BOOLEAN: snprintf(buf, n, "%s", a->boolean ? "true" : "false"); break;
	case OVS_UUID: ovs_uuid_to_string(&a->uuid, buf); break;
	default: buf[0] = '\0';
	}
}

/* ---- datums ---- */

static int datum_alloc(struct ovs_datum *d, uint32_t n, const struct ovs_type *t)
{
	d->n = 0;
	d->keys = d->values = NULL;
	if (n == 0)
		return 0;
	size_t per = ovs_type_is_map(t) ? 2 : 1;
	d->keys = calloc((size_t)n * per, sizeof(union ovs_atom));
	if (d->keys == NULL)
		return -1;
	if (per == 2)
		d->values = d->keys + n;
	return 0;
}

int ovs_datum_init_default(struct ovs_datum *d, const struct ovs_type *t)
{
	if (datum_alloc(d, t->min, t) < 0)
		return -1;
	for (uint32_t i = 0; i < t->min; i++) {
		atom_default(&d->keys[i], t->key);
		if (d->values)
			atom_default(&d->values[i], t->value);
	}
	d->n = t->min;
	return 0;
}

void ovs_datum_destroy(struct ovs_datum *d, const struct ovs_type *t)
{
	if (d->keys == NULL)
		return;
	for (uint32_t i = 0; i < d->n; i++) {
		ovs_atom_destroy(&d->keys[i], t->key);
		if (d->values)
			ovs_atom_destroy(&d->values[i], t->value);
	}
	free(d->keys);
	ovs_datum_init_empty(d);
}

int ovs_datum_clone(struct ovs_datum *dst, const struct ovs_datum *src, const struct ovs_type *t)
{
	if (datum_alloc(dst, src->n, t) < 0)
		return -1;
	for (uint32_t i = 0; i < src->n; i++) {
		if (ovs_atom_clone(&dst->keys[i], &src->keys[i], t->key) < 0)
			goto oom;
		if (dst->values && ovs_atom_clone(&dst->values[i], &src->values[i], t->value) < 0) {
			ovs_atom_destroy(&dst->keys[i], t->key);
			goto oom;
		}
		dst->n++;
	}
	return 0;
oom:
	ovs_datum_destroy(dst, t);
	return -1;
}

struct pair {
	union ovs_atom k, v;
};

static int pair_cmp(const void *a, const void *b, void *arg)
{
	const enum ovs_atype *kt = arg;
	return ovs_atom_cmp(&((const struct pair *)a)->k, &((const struct pair *)b)->k, *kt);
}

static int atom_cmp_r(const void *a, const void *b, void *arg)
{
	const enum ovs_atype *kt = arg;
	return ovs_atom_cmp(a, b, *kt);
}

/* Sort d by key and refuse duplicate keys. */
static int datum_sort(struct ovs_datum *d, const struct ovs_type *t, char *err, size_t errlen)
{
	enum ovs_atype kt = t->key;
	bool sorted = true;

	for (uint32_t i = 1; i < d->n && sorted; i++)
		if (ovs_atom_cmp(&d->keys[i - 1], &d->keys[i], kt) >= 0)
			sorted = false;
	if (sorted)
		return 0;
	if (d->values == NULL) {
		qsort_r(d->keys, d->n, sizeof(union ovs_atom), atom_cmp_r, &kt);
	} else {
		struct pair *p = malloc((size_t)d->n * sizeof(*p));
		if (p == NULL)
			return fail(err, errlen, "out of memory");
		for (uint32_t i = 0; i < d->n; i++)
			p[i] = (struct pair){d->keys[i], d->values[i]};
		qsort_r(p, d->n, sizeof(*p), pair_cmp, &kt);
		for (uint32_t i = 0; i < d->n; i++) {
			d->keys[i] = p[i].k;
			d->values[i] = p[i].v;
		}
		free(p);
	}
	for (uint32_t i = 1; i < d->n; i++)
		if (ovs_atom_cmp(&d->keys[i - 1], &d->keys[i], kt) == 0)
			return fail(err, errlen, "duplicate %s",
				    d->values ? "map key" : "set element");
	return 0;
}

static bool is_tagged(const json_t *j, const char *tag)
{
	const json_t *t0 = json_array_get(j, 0);
	return json_is_array(j) && json_array_size(j) == 2 && json_is_string(t0) &&
	       strcmp(json_string_value(t0), tag) == 0;
}

int ovs_datum_from_json(struct ovs_datum *d, const json_t *j, const struct ovs_type *t,
			bool is_diff, char *err, size_t errlen)
{
	const json_t *elems = NULL;
	size_t n;

	ovs_datum_init_empty(d);
	if (ovs_type_is_map(t)) {
		if (!is_tagged(j, "map") || !json_is_array(json_array_get(j, 1)))
			return fail(err, errlen, "expected [\"map\", [...]]");
		elems = json_array_get(j, 1);
		n = json_array_size(elems);
	} else if (is_tagged(j, "set")) {
		elems = json_array_get(j, 1);
		if (!json_is_array(elems))
			return fail(err, errlen, "expected [\"set\", [...]]");
		n = json_array_size(elems);
	} else {
		n = 1;
	}
	if (n >= OVS_UNLIMITED)
		return fail(err, errlen, "too many elements");
	if (datum_alloc(d, (uint32_t)n, t) < 0)
		return fail(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = elems ? json_array_get(elems, i) : j;
		if (ovs_type_is_map(t)) {
			if (!json_is_array(e) || json_array_size(e) != 2) {
				fail(err, errlen, "map element must be [key, value]");
				goto error;
			}
			if (ovs_atom_from_json(&d->keys[i], json_array_get(e, 0), t->key, err,
					       errlen) < 0)
				goto error;
			if (ovs_atom_from_json(&d->values[i], json_array_get(e, 1), t->value, err,
					       errlen) < 0) {
				ovs_atom_destroy(&d->keys[i], t->key);
				goto error;
			}
		} else if (ovs_atom_from_json(&d->keys[i], e, t->key, err, errlen) < 0) {
			goto error;
		}
		d->n++;
	}
	if (datum_sort(d, t, err, errlen) < 0)
		goto error;
	if (!(is_diff && ovs_type_is_composite(t)) && (d->n < t->min || d->n > t->max)) {
		fail(err, errlen, "%u elements where %u to %u are allowed", d->n, t->min, t->max);
		goto error;
	}
	return 0;
error:
	ovs_datum_destroy(d, t);
	return -1;
}

json_t *ovs_datum_to_json(const struct ovs_datum *d, const struct ovs_type *t)
{
	json_t *a;
	if (ovs_type_is_map(t)) {
		a = json_array();
		for (uint32_t i = 0; i < d->n; i++)
			json_array_append_new(
			    a, json_pack("[oo]", ovs_atom_to_json(&d->keys[i], t->key),
					 ovs_atom_to_json(&d->values[i], t->value)));
		return json_pack("[so]", "map", a);
	}
	if (d->n == 1)
		return ovs_atom_to_json(&d->keys[0], t->key);
	a = json_array();
	for (uint32_t i = 0; i < d->n; i++)
		json_array_append_new(a, ovs_atom_to_json(&d->keys[i], t->key));
	return json_pack("[so]", "set", a);
}

json_t *ovs_datum_to_plain_json(const struct ovs_datum *d, const struct ovs_type *t)
{
	if (ovs_type_is_map(t)) {
		json_t *o = json_object();
		char kb[64];
		for (uint32_t i = 0; i < d->n; i++) {
			const char *k = kb;
			if (t->key == OVS_STRING)
				k = d->keys[i].string;
			else
				atom_to_key_string(&d->keys[i], t->key, kb, sizeof(kb));
			json_object_set_new(o, k, ovs_atom_to_plain_json(&d->values[i], t->value));
		}
		return o;
	}
	if (t->max == 1)
		return d->n ? ovs_atom_to_plain_json(&d->keys[0], t->key) : json_null();
	json_t *a = json_array();
	for (uint32_t i = 0; i < d->n; i++)
		json_array_append_new(a, ovs_atom_to_plain_json(&d->keys[i], t->key));
	return a;
}

bool ovs_datum_equal(const struct ovs_datum *a, const struct ovs_datum *b, const struct ovs_type *t)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++) {
		if (ovs_atom_cmp(&a->keys[i], &b->keys[i], t->key))
			return false;
		if (a->values && ovs_atom_cmp(&a->values[i], &b->values[i], t->value))
			return false;
	}
	return true;
}

uint32_t ovs_datum_hash(const struct ovs_datum *d, const struct ovs_type *t, uint32_t basis)
{
	uint32_t h = hash_u64(d->n, basis);
	for (uint32_t i = 0; i < d->n; i++) {
		h = ovs_atom_hash(&d->keys[i], t->key, h);
		if (d->values)
			h = ovs_atom_hash(&d->values[i], t->value, h);
	}
	return h;
}

long ovs_datum_find(const struct ovs_datum *d, const union ovs_atom *key, enum ovs_atype kt)
{
	long lo = 0, hi = (long)d->n - 1;
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int c = ovs_atom_cmp(&d->keys[mid], key, kt);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

const char *ovs_datum_map_get(const struct ovs_datum *d, const char *key)
{
	union ovs_atom k = {.string = (char *)key};
	long i;
	if (d == NULL || d->values == NULL)
		return NULL;
	i = ovs_datum_find(d, &k, OVS_STRING);
	return i < 0 ? NULL : d->values[i].string;
}

static int push_clone(struct ovs_datum *out, const union ovs_atom *k, const union ovs_atom *v,
		      const struct ovs_type *t)
{
	uint32_t i = out->n;
	if (ovs_atom_clone(&out->keys[i], k, t->key) < 0)
		return -1;
	if (out->values && ovs_atom_clone(&out->values[i], v, t->value) < 0) {
		ovs_atom_destroy(&out->keys[i], t->key);
		return -1;
	}
	out->n++;
	return 0;
}

int ovs_datum_apply_diff(struct ovs_datum *out, const struct ovs_datum *old,
			 const struct ovs_datum *diff, const struct ovs_type *t, char *err,
			 size_t errlen)
{
	uint32_t i = 0, k = 0;
	uint64_t cap;

	if (!ovs_type_is_composite(t)) {
		if (ovs_datum_clone(out, diff, t) < 0)
			return fail(err, errlen, "out of memory");
		return 0;
	}
	cap = (uint64_t)old->n + diff->n;
	if (cap >= OVS_UNLIMITED || datum_alloc(out, (uint32_t)cap, t) < 0)
		return fail(err, errlen, "out of memory");
	while (i < old->n || k < diff->n) {
		int c;
		if (k >= diff->n)
			c = -1;
		else if (i >= old->n)
			c = 1;
		else
			c = ovs_atom_cmp(&old->keys[i], &diff->keys[k], t->key);
		if (c < 0) {
			if (push_clone(out, &old->keys[i], old->values ? &old->values[i] : NULL,
				       t) < 0)
				goto oom;
			i++;
		} else if (c > 0) {
			if (push_clone(out, &diff->keys[k], diff->values ? &diff->values[k] : NULL,
				       t) < 0)
				goto oom;
			k++;
		} else {
			if (old->values &&
			    ovs_atom_cmp(&old->values[i], &diff->values[k], t->value) != 0 &&
			    push_clone(out, &diff->keys[k], &diff->values[k], t) < 0)
				goto oom;
			i++;
			k++;
		}
	}
	if (out->n < t->min || out->n > t->max) {
		uint32_t n = out->n;
		ovs_datum_destroy(out, t);
		return fail(err, errlen, "diff leaves %u elements where %u to %u are allowed", n,
			    t->min, t->max);
	}
	if (out->n == 0) {
		ovs_datum_destroy(out, t); /* no allocation kept for an empty datum */
	} else if (out->n < cap) {
		/* give back the room reserved for additions that turned out to be removals */
		struct ovs_datum exact;
		if (datum_alloc(&exact, out->n, t) == 0) {
			memcpy(exact.keys, out->keys, out->n * sizeof(union ovs_atom));
			if (out->values)
				memcpy(exact.values, out->values, out->n * sizeof(union ovs_atom));
			exact.n = out->n;
			free(out->keys);
			*out = exact;
		}
	}
	return 0;
oom:
	ovs_datum_destroy(out, t);
	return fail(err, errlen, "out of memory");
}
