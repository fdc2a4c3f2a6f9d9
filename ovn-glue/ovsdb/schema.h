/* SPDX-License-Identifier: Apache-2.0 */
/* A database schema as returned by get_schema (RFC 7047 section 3.2), reduced to what a client
 * replica needs: tables, their columns and the columns' types. */
#pragma once

#include "datum.h"

#include <jansson.h>

struct ovs_column {
	char *name;
	struct ovs_type type;
};

struct ovs_table_schema {
	char *name;
	bool is_root;
	unsigned n_columns;
	struct ovs_column *columns;
};

struct ovs_schema {
	char *name;
	char *version;
	unsigned n_tables;
	struct ovs_table_schema *tables;
};

struct ovs_schema *ovs_schema_from_json(const json_t *j, char *err, size_t errlen);
void ovs_schema_free(struct ovs_schema *s);
const struct ovs_table_schema *ovs_schema_table(const struct ovs_schema *s, const char *name);
int ovs_table_column(const struct ovs_table_schema *t, const char *name); /* index or -1 */
bool ovs_table_schema_equal(const struct ovs_table_schema *a, const struct ovs_table_schema *b);
struct ovs_table_schema *ovs_table_schema_clone(const struct ovs_table_schema *t);
void ovs_table_schema_free(struct ovs_table_schema *t); /* for a clone */
/* "x.y.z" -> 0 with v[0..2], -1 if malformed. */
int ovs_version_parse(const char *s, unsigned v[3]);
