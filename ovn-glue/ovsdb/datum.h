/* SPDX-License-Identifier: Apache-2.0 */
/* OVSDB values (RFC 7047 section 5.1): atoms, column types and datums, parsed from and written
 * to the wire format, kept sorted by key so that comparison, lookup and diffs are linear. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ovs_atype {
	OVS_VOID = 0,
	OVS_INTEGER,
	OVS_REAL,
	OVS_BOOLEAN,
	OVS_STRING,
	OVS_UUID,
};

struct ovs_uuid {
	uint8_t b[16];
};
#define OVS_UUID_LEN 36

union ovs_atom {
	int64_t integer;
	double real;
	bool boolean;
	char *string;
	struct ovs_uuid uuid;
};

#define OVS_UNLIMITED UINT32_MAX

struct ovs_type {
	enum ovs_atype key, value; /* value is OVS_VOID unless a map */
	uint32_t min, max;
};

/* n atoms in keys[] (sorted, unique), and as many in values[] for a map. */
struct ovs_datum {
	uint32_t n;
	union ovs_atom *keys;
	union ovs_atom *values;
};

bool ovs_uuid_from_string(const char *s, struct ovs_uuid *u);
void ovs_uuid_to_string(const struct ovs_uuid *u, char out[OVS_UUID_LEN + 1]);
bool ovs_uuid_is_zero(const struct ovs_uuid *u);
uint32_t ovs_uuid_hash(const struct ovs_uuid *u);
static inline bool ovs_uuid_equal(const struct ovs_uuid *a, const struct ovs_uuid *b)
{
	return __builtin_memcmp(a, b, sizeof(*a)) == 0;
}

const char *ovs_atype_name(enum ovs_atype t);
/* Parse a column type ("string", {"key": ..., "value": ..., "min": 0, "max": "unlimited"}). */
int ovs_type_from_json(const json_t *j, struct ovs_type *t, char *err, size_t errlen);
static inline bool ovs_type_is_map(const struct ovs_type *t)
{
	return t->value != OVS_VOID;
}
/* Composite columns (max > 1) are sent as diffs in update2 "modify"; others as new values. */
static inline bool ovs_type_is_composite(const struct ovs_type *t)
{
	return t->max > 1;
}
static inline bool ovs_type_equal(const struct ovs_type *a, const struct ovs_type *b)
{
	return a->key == b->key && a->value == b->value && a->min == b->min && a->max == b->max;
}

int ovs_atom_cmp(const union ovs_atom *a, const union ovs_atom *b, enum ovs_atype t);
uint32_t ovs_atom_hash(const union ovs_atom *a, enum ovs_atype t, uint32_t basis);
void ovs_atom_destroy(union ovs_atom *a, enum ovs_atype t);
int ovs_atom_clone(union ovs_atom *dst, const union ovs_atom *src, enum ovs_atype t);
int ovs_atom_from_json(union ovs_atom *a, const json_t *j, enum ovs_atype t, char *err,
		       size_t errlen);
json_t *ovs_atom_to_json(const union ovs_atom *a, enum ovs_atype t);	   /* wire form */
json_t *ovs_atom_to_plain_json(const union ovs_atom *a, enum ovs_atype t); /* uuid as string */

static inline void ovs_datum_init_empty(struct ovs_datum *d)
{
	d->n = 0;
	d->keys = d->values = NULL;
}
/* The default value of a column: `min` default atoms (0, 0.0, false, "", all-zero uuid). */
int ovs_datum_init_default(struct ovs_datum *d, const struct ovs_type *t);
void ovs_datum_destroy(struct ovs_datum *d, const struct ovs_type *t);
int ovs_datum_clone(struct ovs_datum *dst, const struct ovs_datum *src, const struct ovs_type *t);

/* Parse a wire value. `is_diff`: an update2 "modify" diff of a composite column (no size check). */
int ovs_datum_from_json(struct ovs_datum *d, const json_t *j, const struct ovs_type *t,
			bool is_diff, char *err, size_t errlen);
json_t *ovs_datum_to_json(const struct ovs_datum *d, const struct ovs_type *t);
/* For people: a scalar as itself, an optional value as itself or null, a set as an array,
 * a map as an object (keys printed as strings), uuids as strings. */
json_t *ovs_datum_to_plain_json(const struct ovs_datum *d, const struct ovs_type *t);

bool ovs_datum_equal(const struct ovs_datum *a, const struct ovs_datum *b,
		     const struct ovs_type *t);
uint32_t ovs_datum_hash(const struct ovs_datum *d, const struct ovs_type *t, uint32_t basis);
/* Index of key in d, or -1 (binary search). */
long ovs_datum_find(const struct ovs_datum *d, const union ovs_atom *key, enum ovs_atype kt);

/* new = old with diff applied (RFC 7047 extension "update2"): for a composite column every
 * key of diff absent from old is added, present with an equal value (or in a set) is removed,
 * present with another value is replaced; for other columns diff is the new value. */
int ovs_datum_apply_diff(struct ovs_datum *out, const struct ovs_datum *old,
			 const struct ovs_datum *diff, const struct ovs_type *t, char *err,
			 size_t errlen);

/* Small read helpers for callers that know a column's type. */
static inline const char *ovs_datum_str(const struct ovs_datum *d)
{
	return d && d->n ? d->keys[0].string : NULL;
}
static inline const struct ovs_uuid *ovs_datum_uuid(const struct ovs_datum *d)
{
	return d && d->n ? &d->keys[0].uuid : NULL;
}
static inline int64_t ovs_datum_int(const struct ovs_datum *d, int64_t dflt)
{
	return d && d->n ? d->keys[0].integer : dflt;
}
/* Value of a string-keyed string map, or NULL. */
const char *ovs_datum_map_get(const struct ovs_datum *d, const char *key);
/* A one-atom datum over caller storage, for index lookups. */
static inline struct ovs_datum ovs_datum_of(union ovs_atom *a)
{
	struct ovs_datum d = {1, a, NULL};
	return d;
}
